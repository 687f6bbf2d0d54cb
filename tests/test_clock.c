/* Tandem — clock suite: host transport first, then the detected tempo, then free. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "clock.h"

#define RATE 48000.0

START_TEST(test_clock_uses_host_transport_when_present)
{
  TandemClock c;
  tandem_clock_init(&c, RATE);
  TandemTransport t;
  tandem_transport_init(&t);
  t.has_host = true;
  t.speed = 1.0;
  t.bpm = 93.0;
  t.beats_per_bar = 7.0;
  t.beat_unit = 8;
  t.bar = 12;
  t.bar_beat = 3.25;
  TandemClockPos pos;
  tandem_clock_position(&c, &t, NULL, 0.0, &pos);
  ck_assert_int_eq(pos.source, TANDEM_CLOCK_HOST);
  ck_assert_double_eq(pos.bpm, 93.0);
  ck_assert_double_eq(pos.beats_per_bar, 7.0);
  ck_assert_int_eq(pos.beat_unit, 8);
  ck_assert_int_eq(pos.bar, 12);
  ck_assert_double_eq(pos.bar_beat, 3.25);
  ck_assert_double_eq(pos.speed, 1.0);
}
END_TEST

START_TEST(test_clock_free_runs_at_120_then_at_last_host_tempo)
{
  TandemClock c;
  tandem_clock_init(&c, RATE);
  TandemClockPos pos;
  /* Two seconds at 120 bpm is four beats: bar 1, beat 0. */
  for (int i = 0; i < 375; ++i) {
    tandem_clock_position(&c, NULL, NULL, 0.0, &pos);
    ck_assert_int_eq(pos.source, TANDEM_CLOCK_FREE);
    tandem_clock_advance(&c, 256);
  }
  tandem_clock_position(&c, NULL, NULL, 0.0, &pos);
  ck_assert_int_eq(pos.bar, 1);
  ck_assert_double_lt(fabs(pos.bar_beat), 1e-9);

  TandemTransport t;
  tandem_transport_init(&t);
  t.has_host = true;
  t.speed = 1.0;
  t.bpm = 90.0;
  tandem_clock_position(&c, &t, NULL, 0.0, &pos);
  tandem_clock_advance(&c, 256);
  /* The host goes away: the clock carries on at 90 bpm from where it was. */
  tandem_clock_position(&c, NULL, NULL, 0.0, &pos);
  ck_assert_int_eq(pos.source, TANDEM_CLOCK_FREE);
  ck_assert_double_eq(pos.bpm, 90.0);
  ck_assert_int_eq(pos.bar, 1);
}
END_TEST

START_TEST(test_clock_ignores_low_confidence_estimates)
{
  TandemClock c;
  tandem_clock_init(&c, RATE);
  const TandemTempoEstimate est = {140.0f, 0.2f, 0.3, 60.0 / 140.0};
  TandemClockPos pos;
  tandem_clock_position(&c, NULL, &est, 0.0, &pos);
  ck_assert_int_eq(pos.source, TANDEM_CLOCK_FREE);
  ck_assert_double_eq(pos.bpm, 120.0);
}
END_TEST

/* Beat phase of a true beat grid (first beat at offset_s) at absolute frame f. */
static double true_phase(double f, double bpm, double offset_s)
{
  const double beats = (f / RATE - offset_s) * bpm / 60.0;
  return beats - floor(beats);
}

static double phase_error_ms(double clock_beat, double f, double bpm, double offset_s)
{
  double e = (clock_beat - floor(clock_beat)) - true_phase(f, bpm, offset_s);
  e -= floor(e + 0.5);
  return e * 60.0 / bpm * 1000.0;
}

/* Runs the clock against a confident estimate of a grid and returns the worst phase
 * error (ms) seen after settle_s.  noise adds a uniform error of up to that many
 * beats to each phase estimate and of up to 0.2% to each tempo estimate, as a
 * real tracker's jitter. */
static double follow_grid(double bpm, double offset_s, uint32_t block, double settle_s,
                          double total_s, double noise, TandemClock* c)
{
  double worst = 0.0;
  double f = 0.0;
  uint32_t r = 77u;
  while (f < total_s * RATE) {
    /* The estimate describes the last sample of the block about to play. */
    const double end = f + block;
    r = r * 1664525u + 1013904223u;
    const double u1 = (r >> 8) / 8388608.0 - 1.0;
    r = r * 1664525u + 1013904223u;
    const double u2 = (r >> 8) / 8388608.0 - 1.0;
    double phase = true_phase(end, bpm, offset_s) + noise * u1;
    phase -= floor(phase);
    const TandemTempoEstimate est = {(float)(bpm * (1.0 + 0.002 * u2 * (noise > 0.0))),
                                     0.9f, phase, 60.0 / bpm};
    TandemClockPos pos;
    tandem_clock_position(c, NULL, &est, (double)block, &pos);
    ck_assert_int_eq(pos.source, TANDEM_CLOCK_DETECTED);
    const double beat = (double)pos.bar * pos.beats_per_bar + pos.bar_beat;
    if (f >= settle_s * RATE) {
      const double e = fabs(phase_error_ms(beat, f, bpm, offset_s));
      worst = e > worst ? e : worst;
    }
    tandem_clock_advance(c, block);
    f = end;
  }
  return worst;
}

START_TEST(test_clock_locks_to_estimate_phase_within_2_ms)
{
  const double bpms[] = {72.0, 100.0, 128.0, 174.0};
  const uint32_t blocks[] = {64, 1024};
  for (size_t i = 0; i < 4; ++i) {
    for (size_t j = 0; j < 2; ++j) {
      TandemClock c;
      tandem_clock_init(&c, RATE);
      /* Run free for a while first, so it starts out of phase and at 120. */
      for (int k = 0; k < 100; ++k) {
        TandemClockPos pos;
        tandem_clock_position(&c, NULL, NULL, 0.0, &pos);
        tandem_clock_advance(&c, 333);
      }
      const double worst = follow_grid(bpms[i], 0.137, blocks[j], 1.0, 6.0, 0.004, &c);
      printf("clock follows %.0f bpm estimate (phase jitter +-0.4%% of a beat, tempo "
             "+-0.2%%), block %u: worst phase error %.3f ms\n",
             bpms[i], blocks[j], worst);
      ck_assert_double_lt(worst, 2.0);
    }
  }
}
END_TEST

START_TEST(test_clock_pulls_a_drifting_estimate_in_without_jumping)
{
  TandemClock c;
  tandem_clock_init(&c, RATE);
  (void)follow_grid(100.0, 0.0, 256, 0.0, 2.0, 0.0, &c); /* locked */
  /* The grid moves 30 ms later: the clock must follow smoothly (no step larger
   * than the rate nudge allows) and be back in phase within 2 s. */
  double prev = -1.0;
  double f = 2.0 * RATE;
  double worst_late = 0.0;
  while (f < 6.0 * RATE) {
    const double end = f + 256;
    const TandemTempoEstimate est = {100.0f, 0.9f, true_phase(end, 100.0, 0.030), 0.6};
    TandemClockPos pos;
    tandem_clock_position(&c, NULL, &est, 256.0, &pos);
    const double beat = (double)pos.bar * pos.beats_per_bar + pos.bar_beat;
    if (prev >= 0.0) {
      const double step = beat - prev;
      const double nominal = 256.0 * 100.0 / 60.0 / RATE;
      ck_assert_double_le(fabs(step - nominal), nominal * TANDEM_CLOCK_MAX_NUDGE + 1e-9);
    }
    prev = beat;
    if (f >= 4.0 * RATE) {
      const double e = fabs(phase_error_ms(beat, f, 100.0, 0.030));
      worst_late = e > worst_late ? e : worst_late;
    }
    tandem_clock_advance(&c, 256);
    f = end;
  }
  printf("clock after a 30 ms phase move: worst error %.3f ms after 2 s\n", worst_late);
  ck_assert_double_lt(worst_late, 2.0);
}
END_TEST

START_TEST(test_clock_meter_applies_without_host)
{
  TandemClock c;
  tandem_clock_init(&c, RATE);
  tandem_clock_set_meter(&c, 6.0, 8);
  TandemClockPos pos;
  /* 6 eighths at 120 eighths per minute is 3 s a bar. */
  for (int i = 0; i < 3 * 48; ++i) {
    tandem_clock_position(&c, NULL, NULL, 0.0, &pos);
    tandem_clock_advance(&c, 1000);
  }
  tandem_clock_position(&c, NULL, NULL, 0.0, &pos);
  ck_assert_int_eq(pos.beat_unit, 8);
  ck_assert_int_eq(pos.bar, 1);
  ck_assert_double_lt(pos.bar_beat, 1e-9);
  tandem_clock_set_meter(&c, 0.0, 3); /* nonsense is ignored */
  tandem_clock_position(&c, NULL, NULL, 0.0, &pos);
  ck_assert_double_eq(pos.beats_per_bar, 6.0);
  ck_assert_int_eq(pos.beat_unit, 8);
}
END_TEST

static Suite* clock_suite(void)
{
  Suite* s = suite_create("clock");
  TCase* tc = tcase_create("core");
  tcase_add_test(tc, test_clock_uses_host_transport_when_present);
  tcase_add_test(tc, test_clock_free_runs_at_120_then_at_last_host_tempo);
  tcase_add_test(tc, test_clock_ignores_low_confidence_estimates);
  tcase_add_test(tc, test_clock_locks_to_estimate_phase_within_2_ms);
  tcase_add_test(tc, test_clock_pulls_a_drifting_estimate_in_without_jumping);
  tcase_add_test(tc, test_clock_meter_applies_without_host);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner* sr = srunner_create(clock_suite());
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
