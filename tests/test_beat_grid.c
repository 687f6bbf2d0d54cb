/* Tandem — unit tests for the beat grid groove capture measures against
 * (tools/beat_grid.c): a tracker at two thirds of the tempo is re-gridded to
 * the right tempo and swing, with the tempo given or not; a tracker at the
 * right level is left alone.  Onsets and tracker beats are made here (no
 * audio: the analysis has its own tests). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "barfeatures.h"
#include "beat_grid.h"

#define T0_S      0.5
#define MAX_BEATS 512
#define MAX_HITS  2048

/* A drum-and-bass-like loop at bpm for bars bars, its 16ths swung to
 * swing16_pct: kick on 1 and the "and" of 3, snare on 2 and 4, a hat on
 * every 16th (the "e" and "a" soft).  Returns the onset count. */
static size_t loop_onsets(double bpm, int bars, double swing16_pct, TandemBarOnset* out)
{
  const double beat_s = 60.0 / bpm;
  size_t n = 0;
  for (int b = 0; b < 4 * bars; ++b) {
    for (int s = 0; s < 4; ++s) {
      double frac = 0.25 * s;
      if (s % 2 == 1) {
        frac = 0.5 * (s / 2) + 0.5 * swing16_pct / 100.0;
      }
      const double t = T0_S + (b + frac) * beat_s;
      const int in_bar = (b % 4) * 4 + s;
      if (in_bar == 0 || in_bar == 10) {
        out[n++] = (TandemBarOnset){t, 0.9f, TANDEM_HEARD_KICK};
      } else if (in_bar == 4 || in_bar == 12) {
        out[n++] = (TandemBarOnset){t, 0.9f, TANDEM_HEARD_SNARE};
      } else {
        out[n++] = (TandemBarOnset){t, s % 2 ? 0.5f : 0.7f, TANDEM_HEARD_HAT};
      }
    }
  }
  return n;
}

/* Tracker beats every period_beats beats of the music at bpm, from beat
 * first_beat on, each believing in that period. */
static size_t tracker_beats(double bpm, double period_beats, double first_beat,
                            double total_beats, ToolTrackerBeat* out)
{
  const double beat_s = 60.0 / bpm;
  size_t n = 0;
  for (double x = first_beat; x <= total_beats + 1e-9; x += period_beats) {
    out[n++] = (ToolTrackerBeat){T0_S + x * beat_s, period_beats * beat_s};
  }
  return n;
}

/* Feeds onsets and beats to the bar features in time order; checks every
 * closed bar's tempo and sixteenth swing.  Returns the bars closed. */
static int check_bars(const TandemBarOnset* onsets, size_t n_onsets, const double* beats,
                      size_t n_beats, double bpm, double swing16_pct)
{
  TandemBarAccum* acc = malloc(sizeof(TandemBarAccum));
  tandem_bar_accum_init(acc);
  size_t next = 0;
  int bars = 0;
  TandemBarFeatures bar;
  for (size_t b = 0; b < n_beats; ++b) {
    while (next < n_onsets && onsets[next].time_s < beats[b]) {
      tandem_bar_accum_onset(acc, onsets[next].time_s, onsets[next].strength,
                             onsets[next].drums);
      next++;
    }
    if (tandem_bar_accum_beat(acc, beats[b], &bar)) {
      bars++;
      const double bar_bpm = 240.0 / bar.duration_s;
      ck_assert_msg(fabs(bar_bpm - bpm) < 0.5, "bar %d at %.2f bpm, not %.1f", bars,
                    bar_bpm, bpm);
      ck_assert_msg(fabs(bar.swing16_pct - swing16_pct) < 1.0,
                    "bar %d reads swing %.1f, not %.1f", bars, bar.swing16_pct,
                    swing16_pct);
    }
  }
  free(acc);
  return bars;
}

/* Each beat within 1 ms of one of the music's beats at bpm. */
static void check_on_beats(const double* beats, size_t n, double bpm)
{
  const double beat_s = 60.0 / bpm;
  for (size_t i = 0; i < n; ++i) {
    const double x = (beats[i] - T0_S) / beat_s;
    ck_assert_msg(fabs(x - round(x)) * beat_s < 1e-3,
                  "beat %zu at %.4f s is %.3f beats into the music", i, beats[i], x);
  }
}

START_TEST(test_reference_level_is_the_period_most_beats_keep)
{
  ToolTrackerBeat beats[64];
  size_t n = tracker_beats(120.0, 1.0, 0.0, 32.0, beats);
  /* a stretch where the tracker held half the tempo */
  for (size_t i = 10; i < 14; ++i) {
    beats[i].time_s = beats[10].time_s + (double)(i - 10) * 1.0;
  }
  const double ref = tool_grid_reference_bpm(beats, n);
  ck_assert_msg(fabs(ref - 120.0) < 0.5, "reference %.2f bpm, not 120", ref);
  ck_assert(tool_grid_reference_bpm(beats, 1) == 0.0);
}
END_TEST

START_TEST(test_tracker_at_two_thirds_of_the_given_tempo_is_regridded_to_it_and_its_swing)
{
  static TandemBarOnset onsets[MAX_HITS];
  static ToolTrackerBeat tracked[MAX_BEATS];
  static double beats[MAX_BEATS];
  const double bpm = 170.0, swing = 58.0;
  const size_t n_onsets = loop_onsets(bpm, 16, swing, onsets);
  /* The tracker counts three eighths as a beat (113.3 bpm), starting on an
   * "and": half of its beats fall between the music's. */
  const size_t n_tracked = tracker_beats(bpm, 1.5, 0.5, 63.0, tracked);
  double level = 0.0;
  const size_t n = tool_grid_beats(tracked, n_tracked, onsets, n_onsets, bpm, beats,
                                   MAX_BEATS, &level);
  ck_assert_msg(n >= 3 * n_tracked / 2 - 3, "%zu beats from %zu tracked", n, n_tracked);
  ck_assert(fabs(level - bpm) < 1e-9);
  check_on_beats(beats, n, bpm);
  ck_assert_int_ge(check_bars(onsets, n_onsets, beats, n, bpm, swing), 13);
}
END_TEST

START_TEST(test_tracker_at_two_thirds_is_regridded_without_a_given_tempo)
{
  static TandemBarOnset onsets[MAX_HITS];
  static ToolTrackerBeat tracked[MAX_BEATS];
  static double beats[MAX_BEATS];
  const double bpm = 170.0, swing = 56.0;
  const size_t n_onsets = loop_onsets(bpm, 16, swing, onsets);
  const size_t n_tracked = tracker_beats(bpm, 1.5, 0.0, 63.0, tracked);
  double level = 0.0;
  const size_t n = tool_grid_beats(tracked, n_tracked, onsets, n_onsets, 0.0, beats,
                                   MAX_BEATS, &level);
  ck_assert_msg(fabs(level - bpm) < 1.0, "level %.2f bpm, not %.0f", level, bpm);
  check_on_beats(beats, n, bpm);
  ck_assert_int_ge(check_bars(onsets, n_onsets, beats, n, bpm, swing), 13);
}
END_TEST

START_TEST(test_tracker_at_the_right_level_is_left_alone)
{
  static TandemBarOnset onsets[MAX_HITS];
  static ToolTrackerBeat tracked[MAX_BEATS];
  static double beats[MAX_BEATS];
  /* Straight 16ths at 120 also sit on the 16th grid of 180 bpm (every third
   * 16th there is a beat or "and" here): a tie keeps the tracker's level. */
  const double bpm = 120.0;
  const size_t n_onsets = loop_onsets(bpm, 8, 50.0, onsets);
  const size_t n_tracked = tracker_beats(bpm, 1.0, 0.0, 32.0, tracked);
  double level = 0.0;
  const size_t n = tool_grid_beats(tracked, n_tracked, onsets, n_onsets, 0.0, beats,
                                   MAX_BEATS, &level);
  ck_assert_uint_eq(n, n_tracked);
  for (size_t i = 0; i < n; ++i) {
    ck_assert_double_eq_tol(beats[i], tracked[i].time_s, 1e-6);
  }
  ck_assert_msg(fabs(level - bpm) < 0.5, "level %.2f", level);
  ck_assert_double_ge(tool_grid_fit(beats, n, onsets, n_onsets), 0.99);
}
END_TEST

START_TEST(test_tracker_at_half_the_given_tempo_gets_a_beat_between_its_beats)
{
  static TandemBarOnset onsets[MAX_HITS];
  static ToolTrackerBeat tracked[MAX_BEATS];
  static double beats[MAX_BEATS];
  const double bpm = 174.0;
  const size_t n_onsets = loop_onsets(bpm, 8, 50.0, onsets);
  const size_t n_tracked = tracker_beats(bpm, 2.0, 0.0, 32.0, tracked);
  const size_t n =
      tool_grid_beats(tracked, n_tracked, onsets, n_onsets, bpm, beats, MAX_BEATS, NULL);
  ck_assert_uint_eq(n, 2 * n_tracked - 1);
  check_on_beats(beats, n, bpm);
  ck_assert_int_ge(check_bars(onsets, n_onsets, beats, n, bpm, 50.0), 7);
}
END_TEST

/* A tracker at the right level whose beats wander +-25 ms around the music's
 * (as the live tracker does on a busy loop): the beats settle onto the drums,
 * and the swing reads true. */
START_TEST(test_a_wandering_tracker_is_settled_onto_the_drums)
{
  static TandemBarOnset onsets[MAX_HITS];
  static ToolTrackerBeat tracked[MAX_BEATS];
  static double beats[MAX_BEATS];
  const double bpm = 170.0;
  const size_t n_onsets = loop_onsets(bpm, 8, 56.0, onsets);
  const size_t n_tracked = tracker_beats(bpm, 1.0, 0.0, 32.0, tracked);
  for (size_t i = 0; i < n_tracked; ++i) {
    tracked[i].time_s += 0.012 * sin(0.7 * (double)i);
  }
  /* the wander itself reads as swing */
  double raw[MAX_BEATS];
  for (size_t i = 0; i < n_tracked; ++i) {
    raw[i] = tracked[i].time_s;
  }
  ck_assert_double_lt(tool_grid_fit(raw, n_tracked, onsets, n_onsets), 0.9);
  for (int hint = 0; hint < 2; ++hint) {
    const size_t n = tool_grid_beats(tracked, n_tracked, onsets, n_onsets,
                                     hint ? bpm : 0.0, beats, MAX_BEATS, NULL);
    ck_assert_uint_eq(n, n_tracked);
    check_on_beats(beats, n, bpm);
    ck_assert_int_ge(check_bars(onsets, n_onsets, beats, n, bpm, 56.0), 7);
  }
}
END_TEST

/* A tracker locked to the "and"s at the right tempo: the grid moves half a
 * beat, onto the kicks and snares. */
START_TEST(test_a_tracker_on_the_ands_is_moved_onto_the_beats)
{
  static TandemBarOnset onsets[MAX_HITS];
  static ToolTrackerBeat tracked[MAX_BEATS];
  static double beats[MAX_BEATS];
  const double bpm = 170.0;
  const size_t n_onsets = loop_onsets(bpm, 8, 50.0, onsets);
  const size_t n_tracked = tracker_beats(bpm, 1.0, 0.5, 31.5, tracked);
  const size_t n =
      tool_grid_beats(tracked, n_tracked, onsets, n_onsets, bpm, beats, MAX_BEATS, NULL);
  ck_assert_uint_eq(n, n_tracked - 1);
  check_on_beats(beats, n, bpm);
  ck_assert_int_ge(check_bars(onsets, n_onsets, beats, n, bpm, 50.0), 6);
}
END_TEST

START_TEST(test_fit_counts_onsets_near_a_swung_grid_point)
{
  const double beats[3] = {1.0, 1.5, 2.0};
  /* a beat, an "e" swung to 60 % (0.3 beat in), and one 0.4 beat in: no grid */
  const TandemBarOnset onsets[3] = {{1.0, 1.0f, TANDEM_ONSET_KICK},
                                    {1.15, 1.0f, TANDEM_ONSET_HAT},
                                    {1.7, 2.0f, TANDEM_ONSET_SNARE}};
  ck_assert_double_eq_tol(tool_grid_fit(beats, 3, onsets, 2), 1.0, 1e-9);
  ck_assert_double_eq_tol(tool_grid_fit(beats, 3, onsets, 3), 0.5, 1e-9);
  ck_assert(tool_grid_fit(beats, 1, onsets, 3) < 0.0);
}
END_TEST

static Suite* beat_grid_suite(void)
{
  Suite* s = suite_create("beat_grid");
  TCase* tc = tcase_create("core");
  tcase_add_test(tc, test_reference_level_is_the_period_most_beats_keep);
  tcase_add_test(
      tc, test_tracker_at_two_thirds_of_the_given_tempo_is_regridded_to_it_and_its_swing);
  tcase_add_test(tc, test_tracker_at_two_thirds_is_regridded_without_a_given_tempo);
  tcase_add_test(tc, test_tracker_at_the_right_level_is_left_alone);
  tcase_add_test(tc, test_tracker_at_half_the_given_tempo_gets_a_beat_between_its_beats);
  tcase_add_test(tc, test_a_wandering_tracker_is_settled_onto_the_drums);
  tcase_add_test(tc, test_a_tracker_on_the_ands_is_moved_onto_the_beats);
  tcase_add_test(tc, test_fit_counts_onsets_near_a_swung_grid_point);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner* sr = srunner_create(beat_grid_suite());
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
