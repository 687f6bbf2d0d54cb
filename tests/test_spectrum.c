/* Unit tests for plugin/spectrum.c: band placement, levels, centroid and flux of
 * synthetic signals, at several sample rates. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "spectrum.h"

/* Feeds n samples of a sine (amplitude amp, frequency hz) starting at sample
 * *phase_pos, and returns how many frames completed. */
static unsigned feed_sine(TandemSpectrum* s, double rate, double hz, double amp,
                          unsigned long n, unsigned long* pos)
{
  float buf[97]; /* an odd chunk size, so hops straddle chunk edges */
  unsigned frames = 0;
  for (unsigned long done = 0; done < n;) {
    unsigned long len = n - done < 97 ? n - done : 97;
    for (unsigned long i = 0; i < len; ++i) {
      buf[i] = (float)(amp * sin(2.0 * M_PI * hz * (double)(*pos + i) / rate));
    }
    *pos += len;
    done += len;
    for (uint32_t used = 0; used < len;) {
      bool frame = false;
      used += tandem_spectrum_feed(s, buf + used, (uint32_t)(len - used), &frame);
      frames += frame;
    }
  }
  return frames;
}

static int loudest_band(const float* bands)
{
  int best = 0;
  for (int b = 1; b < TANDEM_N_BANDS; ++b) {
    if (bands[b] > bands[best]) {
      best = b;
    }
  }
  return best;
}

START_TEST(test_spectrum_sine_lands_in_its_band_at_every_rate)
{
  static const double rates[] = {22050.0, 44100.0, 48000.0, 96000.0, 192000.0};
  static const double freqs[TANDEM_N_BANDS] = {35.0,   150.0,  370.0, 1000.0,
                                               3000.0, 5000.0, 9000.0};
  for (size_t r = 0; r < sizeof(rates) / sizeof(rates[0]); ++r) {
    TandemSpectrum* s = tandem_spectrum_new(rates[r], 40.0, 10.0);
    ck_assert_ptr_nonnull(s);
    for (int b = 0; b < TANDEM_N_BANDS; ++b) {
      tandem_spectrum_reset(s);
      unsigned long pos = 0;
      feed_sine(s, rates[r], freqs[b], 0.5, (unsigned long)(0.2 * rates[r]), &pos);
      float bands[TANDEM_N_BANDS];
      tandem_spectrum_bands(s, bands);
      ck_assert_msg(loudest_band(bands) == b, "%.0f Hz at %.0f Hz went to band %d",
                    freqs[b], rates[r], loudest_band(bands));
    }
    tandem_spectrum_free(s);
  }
}
END_TEST

START_TEST(test_spectrum_sine_level_matches_its_mean_square)
{
  TandemSpectrum* s = tandem_spectrum_new(48000.0, 40.0, 10.0);
  unsigned long pos = 0;
  feed_sine(s, 48000.0, 1000.0, 0.5, 24000, &pos);
  float bands[TANDEM_N_BANDS];
  tandem_spectrum_bands(s, bands);
  /* 0.5^2 / 2 = 0.125, i.e. -9.03 dBFS, all of it in the mid band. */
  ck_assert_float_eq_tol(10.0f * log10f(bands[3]), -9.03f, 0.3f);
  for (int b = 0; b < TANDEM_N_BANDS; ++b) {
    if (b != 3) {
      ck_assert_msg(bands[b] < bands[3] * 1e-4f, "band %d holds %g", b, bands[b]);
    }
  }
  tandem_spectrum_free(s);
}
END_TEST

START_TEST(test_spectrum_centroid_follows_sine_frequency)
{
  static const double freqs[] = {200.0, 1000.0, 4000.0, 10000.0};
  TandemSpectrum* s = tandem_spectrum_new(44100.0, 40.0, 10.0);
  for (size_t i = 0; i < sizeof(freqs) / sizeof(freqs[0]); ++i) {
    tandem_spectrum_reset(s);
    unsigned long pos = 0;
    feed_sine(s, 44100.0, freqs[i], 0.3, 8820, &pos);
    ck_assert_float_eq_tol(tandem_spectrum_centroid_hz(s), freqs[i], freqs[i] * 0.05);
  }
  tandem_spectrum_free(s);
}
END_TEST

START_TEST(test_spectrum_flux_is_zero_when_steady_and_high_on_a_level_step)
{
  TandemSpectrum* s = tandem_spectrum_new(48000.0, 40.0, 10.0);
  unsigned long pos = 0;
  feed_sine(s, 48000.0, 440.0, 0.1, 48000, &pos);
  ck_assert_float_le(tandem_spectrum_flux(s), 0.01f);
  /* One hop after the level jumps tenfold the frame holds part of the louder signal. */
  unsigned frames =
      feed_sine(s, 48000.0, 440.0, 1.0, tandem_spectrum_hop_frames(s), &pos);
  ck_assert_uint_eq(frames, 1);
  ck_assert_float_ge(tandem_spectrum_flux(s), 0.5f);
  tandem_spectrum_free(s);
}
END_TEST

START_TEST(test_spectrum_sizes_are_in_ms_not_samples)
{
  TandemSpectrum* a = tandem_spectrum_new(22050.0, 40.0, 10.0);
  TandemSpectrum* b = tandem_spectrum_new(192000.0, 40.0, 10.0);
  /* Nearest power of two: 882 -> 1024 and 7680 -> 8192, both about 46 ms / 43 ms. */
  ck_assert_uint_eq(tandem_spectrum_fft_frames(a), 1024);
  ck_assert_uint_eq(tandem_spectrum_fft_frames(b), 8192);
  ck_assert_uint_eq(tandem_spectrum_hop_frames(a), 221); /* 220.5 rounds away */
  ck_assert_uint_eq(tandem_spectrum_hop_frames(b), 1920);
  ck_assert_uint_eq(tandem_spectrum_bins(b), 4097);
  tandem_spectrum_free(a);
  tandem_spectrum_free(b);
}
END_TEST

START_TEST(test_spectrum_silence_gives_zero_everywhere)
{
  TandemSpectrum* s = tandem_spectrum_new(48000.0, 40.0, 10.0);
  unsigned long pos = 0;
  unsigned frames = feed_sine(s, 48000.0, 100.0, 0.0, 48000, &pos);
  ck_assert_uint_ge(frames, 99);
  float bands[TANDEM_N_BANDS];
  tandem_spectrum_bands(s, bands);
  for (int b = 0; b < TANDEM_N_BANDS; ++b) {
    ck_assert_float_eq(bands[b], 0.0f);
  }
  ck_assert_float_eq(tandem_spectrum_centroid_hz(s), 0.0f);
  ck_assert_float_eq(tandem_spectrum_flux(s), 0.0f);
  tandem_spectrum_free(s);
}
END_TEST

/* A test signal: a sine that steps in level plus noise, so that every frame differs. */
static float test_sample(unsigned long i, uint64_t* rng)
{
  *rng = *rng * 6364136223846793005ULL + 1442695040888963407ULL;
  const double noise = (double)(*rng >> 11) / (double)(1ULL << 52) - 1.0;
  const double amp = (i / 4800) % 2 ? 0.5 : 0.05;
  return (float)(amp * sin(2.0 * M_PI * 440.0 * (double)i / 48000.0) + 0.01 * noise);
}

typedef struct {
  float bands[TANDEM_N_BANDS];
  float centroid, flux, power_sum;
} FrameRecord;

static FrameRecord record_frame(const TandemSpectrum* s)
{
  FrameRecord r;
  tandem_spectrum_bands(s, r.bands);
  r.centroid = tandem_spectrum_centroid_hz(s);
  r.flux = tandem_spectrum_flux(s);
  r.power_sum = 0.0f;
  const float* p = tandem_spectrum_power(s);
  for (uint32_t k = 0; k < tandem_spectrum_bins(s); ++k) {
    r.power_sum += p[k];
  }
  return r;
}

START_TEST(test_spectrum_deferred_frames_equal_immediate_ones_in_order)
{
  enum { FRAMES = 150, BLOCK = 64 };
  TandemSpectrum* now = tandem_spectrum_new(48000.0, 40.0, 10.0);
  TandemSpectrum* later = tandem_spectrum_new(48000.0, 40.0, 10.0);
  ck_assert_ptr_nonnull(now);
  ck_assert_ptr_nonnull(later);
  tandem_spectrum_set_deferred(later, true);
  static FrameRecord expect[FRAMES + 1];
  uint64_t rng = 1;
  unsigned long pos = 0;
  unsigned checked = 0;
  while (tandem_spectrum_frame_count(now) < FRAMES) {
    float buf[BLOCK];
    for (int i = 0; i < BLOCK; ++i) {
      buf[i] = test_sample(pos + (unsigned long)i, &rng);
    }
    pos += BLOCK;
    for (uint32_t used = 0; used < BLOCK;) {
      bool frame = false;
      used += tandem_spectrum_feed(now, buf + used, BLOCK - used, &frame);
      if (frame) {
        expect[tandem_spectrum_frame_count(now)] = record_frame(now);
      }
    }
    for (uint32_t used = 0; used < BLOCK;) {
      bool frame = false;
      used += tandem_spectrum_feed(later, buf + used, BLOCK - used, &frame);
      ck_assert_msg(!frame, "a frame was computed in feed although work() keeps up");
    }
    /* The frame captured in this block is computed on the next call of work(). */
    if (tandem_spectrum_work(later)) {
      const uint64_t at = tandem_spectrum_frame_count(later);
      ck_assert_uint_le(at, tandem_spectrum_frame_count(now));
      const FrameRecord got = record_frame(later);
      ck_assert_mem_eq(&got, &expect[at], sizeof(got));
      checked++;
    }
    ck_assert(!tandem_spectrum_pending(later));
    ck_assert(!tandem_spectrum_work(later));
  }
  ck_assert_uint_eq(checked, FRAMES);
  tandem_spectrum_free(now);
  tandem_spectrum_free(later);
}
END_TEST

START_TEST(test_spectrum_deferred_frame_left_waiting_is_computed_before_the_next)
{
  TandemSpectrum* s = tandem_spectrum_new(48000.0, 40.0, 10.0);
  ck_assert_ptr_nonnull(s);
  tandem_spectrum_set_deferred(s, true);
  const uint32_t hop = tandem_spectrum_hop_frames(s);
  float* buf = calloc(10 * hop, sizeof(float));
  ck_assert_ptr_nonnull(buf);
  uint64_t rng = 7;
  for (uint32_t i = 0; i < 10 * hop; ++i) {
    buf[i] = test_sample(i, &rng);
  }
  /* One long block, no work() calls: each capture computes the frame before it. */
  unsigned done_in_feed = 0;
  for (uint32_t used = 0; used < 10 * hop;) {
    bool frame = false;
    used += tandem_spectrum_feed(s, buf + used, 10 * hop - used, &frame);
    done_in_feed += frame;
  }
  ck_assert_uint_eq(done_in_feed, 9);
  ck_assert_uint_eq(tandem_spectrum_frame_count(s), 9);
  ck_assert(tandem_spectrum_pending(s));
  ck_assert(tandem_spectrum_work(s));
  ck_assert_uint_eq(tandem_spectrum_frame_count(s), 10);
  ck_assert(!tandem_spectrum_work(s));
  free(buf);
  tandem_spectrum_free(s);
}
END_TEST

START_TEST(test_spectrum_new_rejects_impossible_settings)
{
  ck_assert_ptr_null(tandem_spectrum_new(0.0, 40.0, 10.0));
  ck_assert_ptr_null(tandem_spectrum_new(NAN, 40.0, 10.0));
  ck_assert_ptr_null(tandem_spectrum_new(48000.0, 0.0, 10.0));
  ck_assert_ptr_null(tandem_spectrum_new(48000.0, 40.0, -1.0));
  tandem_spectrum_free(NULL);
}
END_TEST

static Suite* spectrum_suite(void)
{
  Suite* s = suite_create("spectrum");
  TCase* tc = tcase_create("spectrum");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_spectrum_sine_lands_in_its_band_at_every_rate);
  tcase_add_test(tc, test_spectrum_sine_level_matches_its_mean_square);
  tcase_add_test(tc, test_spectrum_centroid_follows_sine_frequency);
  tcase_add_test(tc, test_spectrum_flux_is_zero_when_steady_and_high_on_a_level_step);
  tcase_add_test(tc, test_spectrum_sizes_are_in_ms_not_samples);
  tcase_add_test(tc, test_spectrum_silence_gives_zero_everywhere);
  tcase_add_test(tc, test_spectrum_new_rejects_impossible_settings);
  tcase_add_test(tc, test_spectrum_deferred_frames_equal_immediate_ones_in_order);
  tcase_add_test(tc,
                 test_spectrum_deferred_frame_left_waiting_is_computed_before_the_next);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner* runner = srunner_create(spectrum_suite());
  srunner_run_all(runner, CK_NORMAL);
  const int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
