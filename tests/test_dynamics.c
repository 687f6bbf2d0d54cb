/* Unit tests for plugin/dynamics.c: RMS, peak and crest of a sine and a square,
 * the peak hold and release, silence and the dB floor. */
#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "dynamics.h"

#define RATE 48000.0

static void feed(TandemDynamics* d, double hz, double amp, bool square, unsigned long n,
                 unsigned long* pos)
{
  float buf[64];
  for (unsigned long done = 0; done < n;) {
    unsigned long len = n - done < 64 ? n - done : 64;
    for (unsigned long i = 0; i < len; ++i) {
      double v = sin(2.0 * M_PI * hz * (double)(*pos + i) / RATE);
      buf[i] = (float)(amp * (square ? (v >= 0.0 ? 1.0 : -1.0) : v));
    }
    tandem_dynamics_process(d, buf, (uint32_t)len);
    *pos += len;
    done += len;
  }
}

START_TEST(test_dynamics_sine_reads_rms_minus_3_db_below_peak)
{
  TandemDynamics d;
  tandem_dynamics_init(&d, RATE);
  unsigned long pos = 0;
  feed(&d, 997.0, 0.5, false, (unsigned long)(3 * RATE), &pos);
  TandemLevels meter, totals;
  tandem_dynamics_get(&d, &meter);
  tandem_dynamics_totals(&d, &totals);
  ck_assert_float_eq_tol(meter.rms_db, -9.03f, 0.1f);
  ck_assert_float_eq_tol(meter.peak_db, -6.02f, 0.05f);
  ck_assert_float_eq_tol(meter.crest_db, 3.01f, 0.1f);
  ck_assert_float_eq_tol(totals.rms_db, -9.03f, 0.05f);
  ck_assert_float_eq_tol(totals.peak_db, -6.02f, 0.05f);
  ck_assert_float_eq_tol(totals.crest_db, 3.01f, 0.05f);
}
END_TEST

START_TEST(test_dynamics_full_scale_square_has_no_crest)
{
  TandemDynamics d;
  tandem_dynamics_init(&d, RATE);
  unsigned long pos = 0;
  feed(&d, 100.0, 1.0, true, (unsigned long)(3 * RATE), &pos);
  TandemLevels meter, totals;
  tandem_dynamics_get(&d, &meter);
  tandem_dynamics_totals(&d, &totals);
  ck_assert_float_eq_tol(meter.rms_db, 0.0f, 0.05f);
  ck_assert_float_eq_tol(meter.peak_db, 0.0f, 0.01f);
  ck_assert_float_eq_tol(meter.crest_db, 0.0f, 0.05f);
  ck_assert_float_eq_tol(totals.rms_db, 0.0f, 0.01f);
  ck_assert_float_eq_tol(totals.crest_db, 0.0f, 0.01f);
}
END_TEST

START_TEST(test_dynamics_peak_holds_half_a_second_then_falls_20_db_per_second)
{
  TandemDynamics d;
  tandem_dynamics_init(&d, RATE);
  const float click = 1.0f;
  tandem_dynamics_process(&d, &click, 1);
  unsigned long pos = 0;
  TandemLevels lv;
  feed(&d, 100.0, 0.0, false, (unsigned long)(0.45 * RATE), &pos);
  tandem_dynamics_get(&d, &lv);
  ck_assert_float_eq_tol(lv.peak_db, 0.0f, 0.01f);
  feed(&d, 100.0, 0.0, false, (unsigned long)(0.55 * RATE), &pos); /* 1 s in all */
  tandem_dynamics_get(&d, &lv);
  ck_assert_float_eq_tol(lv.peak_db, -10.0f, 0.2f);
  feed(&d, 100.0, 0.0, false, (unsigned long)(1.0 * RATE), &pos);
  tandem_dynamics_get(&d, &lv);
  ck_assert_float_eq_tol(lv.peak_db, -30.0f, 0.2f);
}
END_TEST

START_TEST(test_dynamics_silence_reads_the_floor_and_no_crest)
{
  TandemDynamics d;
  tandem_dynamics_init(&d, RATE);
  TandemLevels lv;
  tandem_dynamics_get(&d, &lv);
  ck_assert_float_eq(lv.rms_db, TANDEM_DB_FLOOR);
  ck_assert_float_eq(lv.peak_db, TANDEM_DB_FLOOR);
  ck_assert_float_eq(lv.crest_db, 0.0f);
  tandem_dynamics_totals(&d, &lv); /* no frames at all */
  ck_assert_float_eq(lv.rms_db, TANDEM_DB_FLOOR);
  unsigned long pos = 0;
  feed(&d, 100.0, 0.0, false, 48000, &pos);
  tandem_dynamics_get(&d, &lv);
  ck_assert_float_eq(lv.rms_db, TANDEM_DB_FLOOR);
  ck_assert_float_eq(lv.crest_db, 0.0f);
}
END_TEST

START_TEST(test_dynamics_meter_decays_to_the_floor_without_denormals)
{
  TandemDynamics d;
  tandem_dynamics_init(&d, RATE);
  unsigned long pos = 0;
  feed(&d, 440.0, 1.0, false, 4800, &pos);
  feed(&d, 440.0, 0.0, false, (unsigned long)(120 * RATE), &pos);
  /* After two minutes the integrator state must be exactly 0, not a denormal. */
  ck_assert(d.mean_square == 0.0 || fpclassify(d.mean_square) == FP_NORMAL);
  ck_assert(d.peak == 0.0 || fpclassify(d.peak) == FP_NORMAL);
  TandemLevels lv;
  tandem_dynamics_get(&d, &lv);
  ck_assert_float_eq(lv.rms_db, TANDEM_DB_FLOOR);
  ck_assert_float_eq(lv.peak_db, TANDEM_DB_FLOOR);
}
END_TEST

START_TEST(test_dynamics_power_db_floors_every_odd_input)
{
  ck_assert_float_eq(tandem_power_db(0.0), TANDEM_DB_FLOOR);
  ck_assert_float_eq(tandem_power_db(-1.0), TANDEM_DB_FLOOR);
  ck_assert_float_eq(tandem_power_db(NAN), TANDEM_DB_FLOOR);
  ck_assert_float_eq(tandem_power_db(1e-300), TANDEM_DB_FLOOR);
  ck_assert_float_eq_tol(tandem_power_db(0.5), -3.01f, 0.01f);
  ck_assert(isfinite(tandem_power_db(INFINITY)));
}
END_TEST

START_TEST(test_dynamics_reset_meter_keeps_totals)
{
  TandemDynamics d;
  tandem_dynamics_init(&d, RATE);
  unsigned long pos = 0;
  feed(&d, 1000.0, 0.5, false, 48000, &pos);
  tandem_dynamics_reset_meter(&d);
  TandemLevels meter, totals;
  tandem_dynamics_get(&d, &meter);
  tandem_dynamics_totals(&d, &totals);
  ck_assert_float_eq(meter.rms_db, TANDEM_DB_FLOOR);
  ck_assert_float_eq_tol(totals.rms_db, -9.03f, 0.05f);
  tandem_dynamics_reset(&d);
  tandem_dynamics_totals(&d, &totals);
  ck_assert_float_eq(totals.rms_db, TANDEM_DB_FLOOR);
}
END_TEST

static Suite* dynamics_suite(void)
{
  Suite* s = suite_create("dynamics");
  TCase* tc = tcase_create("dynamics");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_dynamics_sine_reads_rms_minus_3_db_below_peak);
  tcase_add_test(tc, test_dynamics_full_scale_square_has_no_crest);
  tcase_add_test(tc, test_dynamics_peak_holds_half_a_second_then_falls_20_db_per_second);
  tcase_add_test(tc, test_dynamics_silence_reads_the_floor_and_no_crest);
  tcase_add_test(tc, test_dynamics_meter_decays_to_the_floor_without_denormals);
  tcase_add_test(tc, test_dynamics_power_db_floors_every_odd_input);
  tcase_add_test(tc, test_dynamics_reset_meter_keeps_totals);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner* runner = srunner_create(dynamics_suite());
  srunner_run_all(runner, CK_NORMAL);
  const int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
