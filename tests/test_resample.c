/* Tandem tests — the offline resampler behind tandem-render --rate. */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "resample.h"

static float* sine(uint64_t n, double rate, double freq, double amp)
{
  float* x = malloc(n * sizeof(float));
  ck_assert_ptr_nonnull(x);
  for (uint64_t i = 0; i < n; ++i) {
    x[i] = (float)(amp * sin(2.0 * M_PI * freq * (double)i / rate));
  }
  return x;
}

/* Largest difference from an ideal sine, away from the edges where the
 * kernel runs off the signal. */
static double max_error_vs_sine(const float* y, uint64_t n, double rate, double freq,
                                double amp, uint64_t margin)
{
  double worst = 0.0;
  for (uint64_t j = margin; j + margin < n; ++j) {
    const double want = amp * sin(2.0 * M_PI * freq * (double)j / rate);
    const double err = fabs(y[j] - want);
    worst = err > worst ? err : worst;
  }
  return worst;
}

static double rms(const float* y, uint64_t n, uint64_t margin)
{
  double sum = 0.0;
  uint64_t count = 0;
  for (uint64_t j = margin; j + margin < n; ++j) {
    sum += (double)y[j] * y[j];
    ++count;
  }
  return sqrt(sum / (double)count);
}

START_TEST(test_resample_length_follows_the_rate_ratio)
{
  ck_assert_uint_eq(tandem_resample_length(846720, 44100, 48000), 921600);
  ck_assert_uint_eq(tandem_resample_length(921600, 48000, 44100), 846720);
  ck_assert_uint_eq(tandem_resample_length(3, 48000, 96000), 6);
  ck_assert_uint_eq(tandem_resample_length(100, 0, 48000), 0);
}
END_TEST

START_TEST(test_resample_up_keeps_a_1khz_sine_within_minus_60_db)
{
  const uint64_t n_in = 44100;
  float* x = sine(n_in, 44100.0, 1000.0, 0.5);
  uint64_t n = 0;
  float* y = tandem_resample(x, n_in, 44100.0, 48000.0, &n);
  ck_assert_ptr_nonnull(y);
  ck_assert_uint_eq(n, 48000);
  const double err = max_error_vs_sine(y, n, 48000.0, 1000.0, 0.5, 100);
  ck_assert_msg(err < 1e-3, "max error %.2e", err);
  free(x);
  free(y);
}
END_TEST

START_TEST(test_resample_down_keeps_a_5khz_sine_within_minus_60_db)
{
  const uint64_t n_in = 48000;
  float* x = sine(n_in, 48000.0, 5000.0, 0.5);
  uint64_t n = 0;
  float* y = tandem_resample(x, n_in, 48000.0, 22050.0, &n);
  ck_assert_ptr_nonnull(y);
  ck_assert_uint_eq(n, 22050);
  const double err = max_error_vs_sine(y, n, 22050.0, 5000.0, 0.5, 100);
  ck_assert_msg(err < 1e-3, "max error %.2e", err);
  free(x);
  free(y);
}
END_TEST

START_TEST(test_resample_down_removes_a_tone_that_would_alias)
{
  /* 16 kHz is above 22.05 kHz's Nyquist frequency; unfiltered it would fold
   * down to 6.05 kHz at full level. */
  const uint64_t n_in = 48000;
  float* x = sine(n_in, 48000.0, 16000.0, 0.5);
  uint64_t n = 0;
  float* y = tandem_resample(x, n_in, 48000.0, 22050.0, &n);
  ck_assert_ptr_nonnull(y);
  const double ratio = rms(y, n, 100) / rms(x, n_in, 100);
  ck_assert_msg(ratio < 0.01, "alias left at %.1f dB", 20.0 * log10(ratio));
  free(x);
  free(y);
}
END_TEST

START_TEST(test_resample_keeps_dc_level)
{
  const uint64_t n_in = 4000;
  float* x = malloc(n_in * sizeof(float));
  ck_assert_ptr_nonnull(x);
  for (uint64_t i = 0; i < n_in; ++i) {
    x[i] = 0.25f;
  }
  uint64_t n = 0;
  float* y = tandem_resample(x, n_in, 32000.0, 48000.0, &n);
  ck_assert_ptr_nonnull(y);
  for (uint64_t j = 100; j + 100 < n; ++j) {
    ck_assert_double_eq_tol(y[j], 0.25, 1e-4);
  }
  free(x);
  free(y);
}
END_TEST

START_TEST(test_resample_refuses_bad_rates)
{
  const float x[4] = {0};
  uint64_t n = 7;
  ck_assert_ptr_null(tandem_resample(x, 4, 0.0, 48000.0, &n));
  ck_assert_ptr_null(tandem_resample(x, 4, 48000.0, -1.0, &n));
  ck_assert_ptr_null(tandem_resample(x, 4, NAN, 48000.0, &n));
  ck_assert_uint_eq(n, 7);
}
END_TEST

int main(void)
{
  Suite* s = suite_create("resample");
  TCase* tc = tcase_create("resample");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_resample_length_follows_the_rate_ratio);
  tcase_add_test(tc, test_resample_up_keeps_a_1khz_sine_within_minus_60_db);
  tcase_add_test(tc, test_resample_down_keeps_a_5khz_sine_within_minus_60_db);
  tcase_add_test(tc, test_resample_down_removes_a_tone_that_would_alias);
  tcase_add_test(tc, test_resample_keeps_dc_level);
  tcase_add_test(tc, test_resample_refuses_bad_rates);
  suite_add_tcase(s, tc);
  SRunner* sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
