/* Tandem — unit tests for bar features (barfeatures.c) and genre detection
 * with the auto-style hysteresis (genre.c).  Needs TANDEM_STYLES_DIR. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "barfeatures.h"
#include "genre.h"
#include "style.h"

static TandemStyleSet* load_set(void)
{
  static TandemStyleSet set; /* tests run one at a time in forked children */
  char err[256];
  const char* dir = getenv("TANDEM_STYLES_DIR");
  ck_assert_msg(dir != NULL, "TANDEM_STYLES_DIR is not set");
  ck_assert_int_eq(tandem_style_load_shipped(dir, &set, err, sizeof(err)),
                   TANDEM_STYLE_SHIPPED_COUNT);
  return &set;
}

/* Deterministic noise for the tests: xorshift. */
static float noise(uint32_t* state)
{
  uint32_t x = *state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;
  return (float)(x & 0xffffff) / (float)0xffffff; /* 0..1 */
}

/* Feeds one 4-beat bar at period_s per beat starting at t0, with onsets at the
 * given 16ths (cls per step, -1 none), and closes it with the next beat. */
static bool feed_bar(TandemBarAccum* acc, double t0, double period_s, const int* cls,
                     double offset_frac_of_and, TandemBarFeatures* out)
{
  bool closed = false;
  TandemBarFeatures scratch;
  for (int beat = 0; beat < 4; ++beat) {
    closed |= tandem_bar_accum_beat(acc, t0 + beat * period_s, &scratch);
    for (int k = 0; k < 4; ++k) {
      const int c = cls[beat * 4 + k];
      if (c < 0) {
        continue;
      }
      double frac = k * 0.25;
      if (k == 2) {
        frac = offset_frac_of_and;
      }
      tandem_bar_accum_onset(acc, t0 + (beat + frac) * period_s, 0.8f, TANDEM_HEARD_OF_CLASS(c));
    }
  }
  (void)closed;
  return tandem_bar_accum_beat(acc, t0 + 4 * period_s, out);
}

START_TEST(test_bar_features_place_onsets_on_the_16th_grid)
{
  TandemBarAccum* acc = malloc(sizeof(*acc));
  tandem_bar_accum_init(acc);
  /* kick on 1 and 3, snare on 2 and 4, hats on every eighth */
  int cls[16];
  for (int i = 0; i < 16; ++i) {
    cls[i] = i % 2 == 0 ? TANDEM_ONSET_HAT : -1;
  }
  cls[0] = cls[8] = TANDEM_ONSET_KICK;
  cls[4] = cls[12] = TANDEM_ONSET_SNARE;
  TandemBarFeatures bar;
  ck_assert(feed_bar(acc, 1.0, 0.5, cls, 0.5, &bar));
  ck_assert_int_eq(bar.n_beats, 4);
  for (int i = 0; i < 16; ++i) {
    ck_assert_msg((bar.steps[TANDEM_ONSET_KICK][i] > 0) == (i == 0 || i == 8),
                  "kick at step %d", i);
    ck_assert_msg((bar.steps[TANDEM_ONSET_SNARE][i] > 0) == (i == 4 || i == 12),
                  "snare at step %d", i);
    ck_assert_msg((bar.steps[TANDEM_ONSET_HAT][i] > 0) == (i % 4 == 2), "hat at step %d",
                  i);
  }
  ck_assert_float_eq_tol(bar.swing8_pct, 50.0f, 0.5f);
  ck_assert_float_eq_tol(bar.onsets, 8.0f, 0.01f);
  ck_assert_float_eq_tol(bar.syncopation, 0.0f, 1e-6f);
  free(acc);
}
END_TEST

START_TEST(test_bar_features_measure_a_triplet_swing_and_keep_it_on_the_and)
{
  TandemBarAccum* acc = malloc(sizeof(*acc));
  tandem_bar_accum_init(acc);
  int cls[16];
  for (int i = 0; i < 16; ++i) {
    cls[i] = i % 2 == 0 ? TANDEM_ONSET_HAT : -1;
  }
  TandemBarFeatures bar;
  ck_assert(feed_bar(acc, 0.0, 0.6, cls, 2.0 / 3.0, &bar));
  ck_assert_float_eq_tol(bar.swing8_pct, 66.7f, 0.5f);
  ck_assert_float_gt(bar.triplet_share, 0.9f);
  for (int beat = 0; beat < 4; ++beat) {
    ck_assert_float_gt(bar.steps[TANDEM_ONSET_HAT][beat * 4 + 2], 0.0f);
    ck_assert_float_eq(bar.steps[TANDEM_ONSET_HAT][beat * 4 + 3], 0.0f);
  }
  free(acc);
}
END_TEST

START_TEST(test_bar_features_close_a_timed_bar_after_2s_without_beats)
{
  TandemBarAccum* acc = malloc(sizeof(*acc));
  tandem_bar_accum_init(acc);
  const float bands[TANDEM_N_BANDS] = {-30, -30, -30, -30, -30, -30, -30};
  TandemBarFeatures bar;
  bool closed = false;
  int polls = 0;
  for (double t = 0.0; t < 1.9; t += 0.1) {
    tandem_bar_accum_readout(acc, t, bands, -20, -6, 14, 1000, 0.1f, 0, 0);
    closed |= tandem_bar_accum_poll(acc, &bar);
    polls++;
  }
  ck_assert(!closed);
  tandem_bar_accum_readout(acc, 2.05, bands, -20, -6, 14, 1000, 0.1f, 0, 0);
  ck_assert(tandem_bar_accum_poll(acc, &bar));
  ck_assert_int_eq(bar.n_beats, 0);
  ck_assert_float_eq_tol(bar.rms_db, -20.0f, 1e-3f);
  ck_assert_int_gt(polls, 0);
  free(acc);
}
END_TEST

/* Bar features as a style's own template describes its bars, with noise. */
static void bar_from_style(const TandemStyle* s, uint32_t* rng, float jitter,
                           TandemBarFeatures* bar)
{
  TandemGenreTemplate t;
  tandem_genre_template(s, &t);
  memset(bar, 0, sizeof(*bar));
  bar->n_beats = 4;
  bar->bpm = 0.5f * (s->tempo_min_bpm + s->tempo_max_bpm);
  bar->tempo_confidence = 0.8f;
  float total = 0.0f;
  for (int c = 0; c < TANDEM_BAR_CLASSES; ++c) {
    for (int i = 0; i < TANDEM_BAR_STEPS; ++i) {
      const float w = t.steps[c][i] * (1.0f + jitter * (noise(rng) - 0.5f));
      bar->steps[c][i] = w > 0.0f ? w : 0.0f;
      total += bar->steps[c][i];
    }
  }
  bar->onsets = t.onsets_per_bar > 0 ? t.onsets_per_bar : total;
  /* Onsets per beat per class in the template's proportions. */
  for (int c = 0; c < TANDEM_BAR_CLASSES; ++c) {
    float class_sum = 0.0f;
    for (int i = 0; i < TANDEM_BAR_STEPS; ++i) {
      class_sum += bar->steps[c][i];
    }
    bar->onsets_per_beat[c] =
        total > 0.0f ? bar->onsets * class_sum / total / 4.0f : 0.0f;
  }
  bar->triplet_share = t.triplet;
  bar->swing8_pct = t.swing8_pct;
}

START_TEST(test_genre_names_each_shipped_style_from_bars_shaped_like_it)
{
  const TandemStyleSet* set = load_set();
  uint32_t rng = 12345;
  int right = 0;
  char wrong[512] = "";
  for (int i = 1; i <= TANDEM_STYLE_SHIPPED_COUNT; ++i) {
    TandemGenre g;
    tandem_genre_init(&g, 0.8f);
    for (int bar_i = 0; bar_i < 8; ++bar_i) {
      TandemBarFeatures bar;
      bar_from_style(&set->styles[i], &rng, 0.3f, &bar);
      tandem_genre_update(&g, set, &bar);
    }
    float conf = 0.0f;
    const int best = tandem_genre_best(&g, &conf);
    if (best == i) {
      right++;
    } else {
      size_t len = strlen(wrong);
      snprintf(wrong + len, sizeof(wrong) - len, " %s->%s", tandem_style_shipped_name(i),
               tandem_style_shipped_name(best));
    }
    ck_assert_int_ne(g.top[0], g.top[1]);
    ck_assert_float_ge(g.top_probability[0], g.top_probability[1]);
    ck_assert_float_ge(g.top_probability[1], g.top_probability[2]);
  }
  ck_assert_msg(right == TANDEM_STYLE_SHIPPED_COUNT, "misnamed:%s", wrong);
}
END_TEST

START_TEST(test_genre_probabilities_sum_to_one_over_loaded_styles)
{
  const TandemStyleSet* set = load_set();
  uint32_t rng = 99;
  TandemGenre g;
  tandem_genre_init(&g, 0.8f);
  TandemBarFeatures bar;
  bar_from_style(&set->styles[2], &rng, 0.2f, &bar);
  tandem_genre_update(&g, set, &bar);
  float sum = 0.0f;
  for (int i = 0; i < TANDEM_GENRE_N; ++i) {
    ck_assert(isfinite(g.probability[i]) && g.probability[i] >= 0.0f);
    sum += g.probability[i];
  }
  ck_assert_float_eq_tol(sum, 1.0f, 1e-4f);
}
END_TEST

START_TEST(test_auto_style_settles_within_4_bars_and_switches_at_most_once_per_8_bars)
{
  const TandemStyleSet* set = load_set();
  uint32_t rng = 777;
  for (int style = 1; style <= TANDEM_STYLE_SHIPPED_COUNT; ++style) {
    TandemGenre g;
    TandemGenreAuto a;
    tandem_genre_init(&g, 0.8f);
    tandem_genre_auto_init(&a);
    int settled_at = -1;
    int last = 0;
    int last_switch_bar = -100;
    for (int bar_i = 0; bar_i < 64; ++bar_i) {
      TandemBarFeatures bar;
      /* a steady groove with strong bar-to-bar variation */
      bar_from_style(&set->styles[style], &rng, 0.8f, &bar);
      tandem_genre_update(&g, set, &bar);
      const int now = tandem_genre_auto_update(&a, &g);
      if (now != last) {
        ck_assert_msg(bar_i - last_switch_bar >= 8 || last == 0,
                      "%s: auto switched twice within 8 bars (bar %d)",
                      tandem_style_shipped_name(style), bar_i);
        last_switch_bar = bar_i;
        last = now;
      }
      if (settled_at < 0 && now == style) {
        settled_at = bar_i + 1;
      }
    }
    ck_assert_msg(settled_at > 0 && settled_at <= 4, "%s settled after %d bars",
                  tandem_style_shipped_name(style), settled_at);
    ck_assert_int_le(a.switches, 1);
    ck_assert_int_eq(last, style);
  }
}
END_TEST

START_TEST(test_auto_style_follows_a_change_of_groove_but_not_before_4_bars)
{
  const TandemStyleSet* set = load_set();
  uint32_t rng = 4242;
  const int first = tandem_style_shipped_index("rock");
  const int second = tandem_style_shipped_index("jazz");
  TandemGenre g;
  TandemGenreAuto a;
  tandem_genre_init(&g, 0.8f);
  tandem_genre_auto_init(&a);
  int now = 0;
  for (int bar_i = 0; bar_i < 16; ++bar_i) {
    TandemBarFeatures bar;
    bar_from_style(&set->styles[first], &rng, 0.3f, &bar);
    tandem_genre_update(&g, set, &bar);
    now = tandem_genre_auto_update(&a, &g);
  }
  ck_assert_int_eq(now, first);
  int switched_after = -1;
  for (int bar_i = 0; bar_i < 16; ++bar_i) {
    TandemBarFeatures bar;
    bar_from_style(&set->styles[second], &rng, 0.3f, &bar);
    tandem_genre_update(&g, set, &bar);
    now = tandem_genre_auto_update(&a, &g);
    if (switched_after < 0 && now == second) {
      switched_after = bar_i + 1;
    }
  }
  ck_assert_int_ge(switched_after, TANDEM_GENRE_SWITCH_BARS);
  ck_assert_int_le(switched_after, 12);
  ck_assert_int_eq(a.switches, 2);
}
END_TEST

START_TEST(test_nearest_style_of_a_shipped_profile_is_itself)
{
  const TandemStyleSet* set = load_set();
  for (int i = 1; i <= TANDEM_STYLE_SHIPPED_COUNT; ++i) {
    float sim = 0.0f;
    ck_assert_int_eq(tandem_genre_nearest_style(set, &set->styles[i], &sim), i);
    ck_assert_float_eq_tol(sim, 1.0f, 1e-5f);
  }
}
END_TEST

START_TEST(test_bar_features_say_whether_levels_were_read)
{
  TandemBarAccum* acc = malloc(sizeof(*acc));
  tandem_bar_accum_init(acc);
  int cls[16];
  for (int i = 0; i < 16; ++i) {
    cls[i] = i % 4 == 0 ? TANDEM_ONSET_KICK : -1;
  }
  TandemBarFeatures bar;
  ck_assert(feed_bar(acc, 1.0, 0.5, cls, 0.5, &bar));
  ck_assert_int_eq(bar.has_levels, 0);
  const float bands[TANDEM_N_BANDS] = {-20, -22, -30, -30, -35, -40, -45};
  tandem_bar_accum_readout(acc, 3.2, bands, -18, -3, 15, 800, 0.2f, 120, 0.7f);
  ck_assert(feed_bar(acc, 3.0, 0.5, cls, 0.5, &bar));
  ck_assert_int_eq(bar.has_levels, 1);
  ck_assert_float_eq_tol(bar.bands_db[0], -20.0f, 1e-4f);
  free(acc);
}
END_TEST

/* Scores the same bars twice, the second time with every band level and the
 * RMS lowered by gain_db. */
static void genre_at_gain(const TandemStyleSet* set, int style, float gain_db,
                          float probability[TANDEM_GENRE_N])
{
  uint32_t rng = 31337;
  TandemGenre g;
  tandem_genre_init(&g, 0.8f);
  for (int i = 0; i < 8; ++i) {
    TandemBarFeatures bar;
    bar_from_style(&set->styles[style], &rng, 0.3f, &bar);
    bar.has_levels = 1;
    for (int b = 0; b < TANDEM_N_BANDS; ++b) {
      bar.bands_db[b] = -20.0f - 3.0f * (float)b + gain_db;
    }
    bar.rms_db = -18.0f + gain_db;
    bar.crest_db = 14.0f;
    bar.centroid_hz = 900.0f;
    tandem_genre_update(&g, set, &bar);
  }
  memcpy(probability, g.probability, sizeof(g.probability));
}

START_TEST(test_genre_does_not_change_with_the_overall_level)
{
  const TandemStyleSet* set = load_set();
  float loud[TANDEM_GENRE_N], quiet[TANDEM_GENRE_N];
  genre_at_gain(set, tandem_style_shipped_index("funk"), 0.0f, loud);
  genre_at_gain(set, tandem_style_shipped_index("funk"), -24.0f, quiet);
  for (int i = 1; i < TANDEM_GENRE_N; ++i) {
    ck_assert_float_eq_tol(loud[i], quiet[i], 1e-4f);
  }
}
END_TEST

START_TEST(test_genre_lines_up_bars_that_start_on_another_beat)
{
  /* A tracker that slips a beat starts later bars on beat 2: the summed
   * placement must stay that of the groove, not smear over the beats. */
  const TandemStyleSet* set = load_set();
  const int style = tandem_style_shipped_index("rock");
  uint32_t rng = 5;
  TandemGenre steady, slipped;
  tandem_genre_init(&steady, 1.0f);
  tandem_genre_init(&slipped, 1.0f);
  for (int i = 0; i < 8; ++i) {
    TandemBarFeatures bar, moved;
    bar_from_style(&set->styles[style], &rng, 0.0f, &bar);
    moved = bar;
    if (i >= 4) {
      for (int c = 0; c < TANDEM_BAR_CLASSES; ++c) {
        for (int k = 0; k < TANDEM_BAR_STEPS; ++k) {
          moved.steps[c][k] = bar.steps[c][(k + 4) % TANDEM_BAR_STEPS];
        }
      }
    }
    tandem_genre_update(&steady, set, &bar);
    tandem_genre_update(&slipped, set, &moved);
  }
  TandemGenreTemplate a, b;
  float bpm_a = 0.0f, bpm_b = 0.0f;
  tandem_genre_measured(&steady, &a, &bpm_a);
  tandem_genre_measured(&slipped, &b, &bpm_b);
  for (int c = 0; c < TANDEM_BAR_CLASSES; ++c) {
    for (int k = 0; k < TANDEM_BAR_STEPS; ++k) {
      ck_assert_float_eq_tol(a.steps[c][k], b.steps[c][k], 1e-5f);
    }
  }
  ck_assert_int_eq(tandem_genre_best(&slipped, NULL), style);
}
END_TEST

START_TEST(test_genre_inputs_measure_beat_positions_and_periodicity)
{
  /* Four-on-the-floor kick, hats on every "and": the kick sits on the beat and
   * repeats every beat; the hats all sit on the "and". */
  const TandemStyleSet* set = load_set();
  TandemGenre g;
  tandem_genre_init(&g, 1.0f);
  TandemBarFeatures bar;
  memset(&bar, 0, sizeof(bar));
  bar.n_beats = 4;
  bar.bpm = 126.0f;
  for (int beat = 0; beat < 4; ++beat) {
    bar.steps[TANDEM_ONSET_KICK][beat * 4] = 1.0f;
    bar.steps[TANDEM_ONSET_HAT][beat * 4 + 2] = 0.5f;
  }
  bar.steps[TANDEM_ONSET_SNARE][4] = bar.steps[TANDEM_ONSET_SNARE][12] = 0.8f;
  bar.onsets = 10.0f;
  tandem_genre_update(&g, set, &bar);
  TandemGenreInputs in;
  tandem_genre_inputs(&g, set, &in);
  ck_assert_float_eq_tol(in.globals[TANDEM_GENRE_G_KICK_POS0], 1.0f, 1e-5f);
  ck_assert_float_eq_tol(in.globals[TANDEM_GENRE_G_KICK_POS0 + 8 + 2], 1.0f, 1e-5f);
  ck_assert_float_eq_tol(in.globals[TANDEM_GENRE_G_KICK_LAG_BEAT], 1.0f, 1e-5f);
  ck_assert_float_eq_tol(in.globals[TANDEM_GENRE_G_KICK_LAG_BEAT + 1], 0.0f, 1e-5f);
  ck_assert_float_eq_tol(in.globals[TANDEM_GENRE_G_KICK_LAG_HALF + 1], 1.0f, 1e-5f);
  ck_assert_float_eq_tol(in.globals[TANDEM_GENRE_G_TEMPO], log2f(126.0f / 120.0f), 1e-5f);
  ck_assert_int_eq(in.globals_known[TANDEM_GENRE_G_CREST], 0); /* no level readouts */
  /* The techno profile's kick is four on the floor: its kick term is 0, and
   * reggae's one drop on beat 3 is far. */
  const int techno = tandem_style_shipped_index("techno");
  const int reggae = tandem_style_shipped_index("reggae");
  ck_assert_float_lt(in.terms[techno][TANDEM_GENRE_T_KICK], 1e-4f);
  ck_assert_float_gt(in.terms[reggae][TANDEM_GENRE_T_KICK], 0.3f);
}
END_TEST

START_TEST(test_genre_inputs_tell_four_on_the_floor_and_backbeat_from_half_time)
{
  /* Bar A: kick on every beat, snare on 2 and 4, hats on the "and"s.  Bar B:
   * kick on 1, a lone snare on 3 (half time), hats on the 16ths "e" and "a". */
  const TandemStyleSet* set = load_set();
  TandemBarFeatures a, b;
  memset(&a, 0, sizeof(a));
  a.n_beats = b.n_beats = 4;
  a.bpm = 120.0f;
  for (int beat = 0; beat < 4; ++beat) {
    a.steps[TANDEM_ONSET_KICK][beat * 4] = 1.0f;
    a.steps[TANDEM_ONSET_HAT][beat * 4 + 2] = 1.0f;
  }
  a.steps[TANDEM_ONSET_SNARE][4] = a.steps[TANDEM_ONSET_SNARE][12] = 1.0f;
  a.onsets = 10.0f;
  b = a;
  memset(b.steps, 0, sizeof(b.steps));
  b.steps[TANDEM_ONSET_KICK][0] = 1.0f;
  b.steps[TANDEM_ONSET_SNARE][8] = 1.0f;
  for (int beat = 0; beat < 4; ++beat) {
    b.steps[TANDEM_ONSET_HAT][beat * 4 + 1] = b.steps[TANDEM_ONSET_HAT][beat * 4 + 3] =
        1.0f;
  }
  TandemGenre g;
  TandemGenreInputs in;
  tandem_genre_init(&g, 1.0f);
  tandem_genre_update(&g, set, &a);
  tandem_genre_inputs(&g, set, &in);
  ck_assert_float_eq_tol(in.globals[TANDEM_GENRE_G_KICK_FOUR], 1.0f, 1e-5f);
  ck_assert_float_eq_tol(in.globals[TANDEM_GENRE_G_SNARE_ALT], 1.0f, 1e-5f);
  ck_assert_float_eq_tol(in.globals[TANDEM_GENRE_G_SNARE_PAIR], 1.0f, 1e-5f);
  /* 6 of the 10 strokes' weight on the beat, 4 on the "and"; with the snares,
   * beats 2 and 4 weigh more, so the bar repeats every half bar, not every beat. */
  ck_assert_float_eq_tol(in.globals[TANDEM_GENRE_G_ALL_POS0], 0.6f, 1e-5f);
  ck_assert_float_eq_tol(in.globals[TANDEM_GENRE_G_ALL_POS0 + 2], 0.4f, 1e-5f);
  ck_assert_float_eq_tol(in.globals[TANDEM_GENRE_G_ALL_LAG_HALF], 1.0f, 1e-5f);
  ck_assert_float_lt(in.globals[TANDEM_GENRE_G_ALL_LAG_BEAT], 1.0f);
  ck_assert_float_eq_tol(in.globals[TANDEM_GENRE_G_ALL_PER_S],
                         log2f(1.0f + 10.0f / 4.0f * 120.0f / 60.0f), 1e-4f);
  ck_assert_int_eq(in.globals_known[TANDEM_GENRE_G_ALL_PER_S], 1);

  tandem_genre_init(&g, 1.0f);
  tandem_genre_update(&g, set, &b);
  tandem_genre_inputs(&g, set, &in);
  ck_assert_float_eq_tol(in.globals[TANDEM_GENRE_G_KICK_FOUR], 0.0f, 1e-5f);
  ck_assert_float_eq_tol(in.globals[TANDEM_GENRE_G_SNARE_ALT], 1.0f, 1e-5f);
  ck_assert_float_eq_tol(in.globals[TANDEM_GENRE_G_SNARE_PAIR], 0.0f, 1e-5f);
  ck_assert_float_eq_tol(in.globals[TANDEM_GENRE_G_ALL_POS0 + 1], 0.4f, 1e-5f);
  ck_assert_float_eq_tol(in.globals[TANDEM_GENRE_G_ALL_POS0 + 3], 0.4f, 1e-5f);
}
END_TEST

static Suite* genre_suite(void)
{
  Suite* s = suite_create("genre");
  TCase* tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_bar_features_place_onsets_on_the_16th_grid);
  tcase_add_test(tc, test_bar_features_measure_a_triplet_swing_and_keep_it_on_the_and);
  tcase_add_test(tc, test_bar_features_close_a_timed_bar_after_2s_without_beats);
  tcase_add_test(tc, test_genre_names_each_shipped_style_from_bars_shaped_like_it);
  tcase_add_test(tc, test_genre_probabilities_sum_to_one_over_loaded_styles);
  tcase_add_test(
      tc, test_auto_style_settles_within_4_bars_and_switches_at_most_once_per_8_bars);
  tcase_add_test(tc, test_auto_style_follows_a_change_of_groove_but_not_before_4_bars);
  tcase_add_test(tc, test_nearest_style_of_a_shipped_profile_is_itself);
  tcase_add_test(tc, test_bar_features_say_whether_levels_were_read);
  tcase_add_test(tc, test_genre_does_not_change_with_the_overall_level);
  tcase_add_test(tc, test_genre_lines_up_bars_that_start_on_another_beat);
  tcase_add_test(tc, test_genre_inputs_measure_beat_positions_and_periodicity);
  tcase_add_test(tc,
                 test_genre_inputs_tell_four_on_the_floor_and_backbeat_from_half_time);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner* sr = srunner_create(genre_suite());
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
