/* Tandem — unit tests for groove capture (worker/groove.c): a profile learned
 * from loops played from a shipped style is nearest to that style, loads back
 * with tandem_style_load_file, and drives the generator with the swing it
 * measured.  The loops are the built-in generator's patterns turned into onsets
 * on a beat grid (no audio: the analysis has its own tests), so these tests
 * prove the learning, not the ears.  Needs TANDEM_STYLES_DIR. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "barfeatures.h"
#include "generator.h"
#include "genre.h"
#include "groove.h"
#include "style.h"

#define LOOP_BARS 8

static TandemStyleSet* load_set(void)
{
  static TandemStyleSet set; /* each test runs in its own forked child */
  char err[256];
  const char* dir = getenv("TANDEM_STYLES_DIR");
  ck_assert_msg(dir != NULL, "TANDEM_STYLES_DIR is not set");
  ck_assert_int_eq(tandem_style_load_shipped(dir, &set, err, sizeof(err)),
                   TANDEM_STYLE_SHIPPED_COUNT);
  return &set;
}

/* Plays LOOP_BARS bars of drums generated from style into g, as onsets at
 * bpm on a beat grid, swung as the player swings them (the generator stores
 * straight ticks; the style gives the swing).  Returns how many notes fell on
 * the steps that swing. */
static int play_loops(const TandemStyle* style, float bpm, uint32_t seed,
                      TandemGrooveCapture* g)
{
  int swung = 0;
  TandemGenParams params;
  tandem_gen_params_default(&params, TANDEM_ROLE_DRUMS, seed);
  params.bars = LOOP_BARS;
  params.fill = 0.0f;
  params.beats_per_bar = 4;
  params.beat_unit = 4;
  params.density = 0.7f;
  TandemPattern* p = malloc(sizeof(TandemPattern));
  ck_assert(tandem_generate(style, &params, p));
  TandemBarAccum* acc = malloc(sizeof(TandemBarAccum));
  tandem_bar_accum_init(acc);
  const double beat_s = 60.0 / bpm;
  const double tick_s = beat_s / TANDEM_PPQ;
  const double t0 = 0.25;
  const uint32_t total_beats = (uint32_t)p->bars * 4u;
  uint32_t next_note = 0;
  TandemBarFeatures bar;
  for (uint32_t beat = 0; beat <= total_beats; ++beat) {
    if (tandem_bar_accum_beat(acc, t0 + beat * beat_s, &bar)) {
      bar.bpm = bpm;
      bar.tempo_confidence = 0.9f;
      tandem_groove_add_bar(g, &bar);
    }
    /* the onsets of this beat */
    while (next_note < p->n_notes &&
           p->notes[next_note].tick < (beat + 1) * (uint32_t)TANDEM_PPQ) {
      const TandemNote* n = &p->notes[next_note++];
      const uint32_t grid = style->swing_grid == 8 ? TANDEM_PPQ / 2 : TANDEM_PPQ / 4;
      const uint32_t tick = tandem_swing_tick(n->tick, style->swing_pct, grid);
      swung += n->tick % (2 * grid) == grid;
      uint8_t cls = TANDEM_ONSET_OTHER;
      for (int v = 0; v < TANDEM_DRUM_VOICES; ++v) {
        if (n->pitch == style->drum_notes[v]) {
          cls = (uint8_t)v;
        }
      }
      const float strength = n->velocity / 127.0f;
      tandem_bar_accum_onset(acc, t0 + tick * tick_s, strength, TANDEM_HEARD_OF_CLASS(cls));
    }
  }
  free(acc);
  free(p);
  return swung;
}

/* Learns from two runs of loops; returns how many notes fell on swung steps. */
static int learn(const TandemStyleSet* set, const TandemStyle* style, const char* name,
                 TandemStyle* out)
{
  TandemGrooveCapture* g = malloc(sizeof(TandemGrooveCapture));
  tandem_groove_init(g);
  const float mid = 0.5f * (style->tempo_min_bpm + style->tempo_max_bpm);
  int swung = play_loops(style, mid, 11, g);
  swung += play_loops(style, mid * 1.04f, 12, g);
  char err[256] = "";
  int base = 0;
  ck_assert_msg(tandem_groove_finish(g, set, name, out, &base, err, sizeof(err)), "%s",
                err);
  free(g);
  return swung;
}

START_TEST(test_learned_profile_is_nearest_to_the_style_it_was_played_from)
{
  const TandemStyleSet* set = load_set();
  int right = 0, tried = 0;
  char wrong[512] = "";
  TandemStyle* learned = malloc(sizeof(TandemStyle));
  for (int i = 1; i <= TANDEM_STYLE_SHIPPED_COUNT; ++i) {
    learn(set, &set->styles[i], "learned", learned);
    float sim = 0.0f;
    const int nearest = tandem_genre_nearest_style(set, learned, &sim);
    tried++;
    if (nearest == i) {
      right++;
    } else {
      const size_t len = strlen(wrong);
      snprintf(wrong + len, sizeof(wrong) - len, " %s->%s(%.2f)",
               tandem_style_shipped_name(i), tandem_style_shipped_name(nearest), sim);
    }
  }
  free(learned);
  printf("groove: %d of %d learned profiles nearest to their source style;%s\n", right,
         tried, wrong);
  ck_assert_msg(right * 10 >= tried * 8, "only %d of %d nearest to their source:%s",
                right, tried, wrong);
}
END_TEST

START_TEST(test_learned_profile_writes_turtle_that_loads_back_unchanged)
{
  const TandemStyleSet* set = load_set();
  TandemStyle* learned = malloc(sizeof(TandemStyle));
  TandemStyle* back = malloc(sizeof(TandemStyle));
  learn(set, &set->styles[tandem_style_shipped_index("funk")], "my-funk", learned);
  char path[] = "/tmp/tandem-groove-XXXXXX";
  const int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  close(fd);
  char err[256] = "";
  ck_assert_msg(tandem_groove_write_ttl(learned, path, err, sizeof(err)), "%s", err);
  ck_assert_msg(tandem_style_load_file(path, back, err, sizeof(err)), "%s", err);
  unlink(path);
  ck_assert_str_eq(back->name, "my-funk");
  ck_assert_float_eq_tol(back->swing_pct, learned->swing_pct, 0.06f);
  ck_assert_float_eq_tol(back->tempo_min_bpm, learned->tempo_min_bpm, 0.5f);
  ck_assert_float_eq_tol(back->tempo_max_bpm, learned->tempo_max_bpm, 0.5f);
  ck_assert_float_eq_tol(back->density[TANDEM_ROLE_DRUMS],
                         learned->density[TANDEM_ROLE_DRUMS], 0.06f);
  for (int v = 0; v < TANDEM_DRUM_VOICES; ++v) {
    for (int s = 0; s < 16; ++s) {
      ck_assert_float_eq_tol(back->drum_steps[v][s], learned->drum_steps[v][s], 0.006f);
    }
  }
  ck_assert_float_gt(tandem_style_similarity(back, learned), 0.99f);
  free(learned);
  free(back);
}
END_TEST

/* The swing the capture measures when loops from style s are played. */
static float measured_swing(const TandemStyleSet* set, const TandemStyle* s)
{
  TandemStyle* learned = malloc(sizeof(TandemStyle));
  learn(set, s, "again", learned);
  const float swing = learned->swing_pct;
  free(learned);
  return swing;
}

START_TEST(test_generating_from_a_learned_profile_reproduces_its_swing_within_3_points)
{
  const TandemStyleSet* set = load_set();
  static const char* const names[] = {"boombap", "jazz", "reggae", "funk", "rock"};
  for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); ++k) {
    const TandemStyle* src = &set->styles[tandem_style_shipped_index(names[k])];
    TandemStyle* learned = malloc(sizeof(TandemStyle));
    const int swung = learn(set, src, "learned", learned);
    ck_assert_msg(swung > 0, "%s: no notes on swung steps; the test proves nothing",
                  names[k]);
    const float again = measured_swing(set, learned);
    ck_assert_msg(fabsf(again - learned->swing_pct) <= 3.0f,
                  "%s: learned swing %.1f, generated from it %.1f", names[k],
                  learned->swing_pct, again);
    /* and the source's own swing is what was learned */
    ck_assert_msg(fabsf(learned->swing_pct - src->swing_pct) <= 3.0f,
                  "%s: profile swing %.1f, learned %.1f", names[k], src->swing_pct,
                  learned->swing_pct);
    free(learned);
  }
}
END_TEST

START_TEST(test_groove_capture_refuses_to_learn_from_too_little)
{
  const TandemStyleSet* set = load_set();
  TandemGrooveCapture* g = malloc(sizeof(TandemGrooveCapture));
  tandem_groove_init(g);
  TandemStyle out;
  memset(&out, 0x5a, sizeof(out));
  TandemStyle before = out;
  char err[256] = "";
  ck_assert(!tandem_groove_finish(g, set, "x", &out, NULL, err, sizeof(err)));
  ck_assert(strstr(err, "too little") != NULL);
  ck_assert(memcmp(&out, &before, sizeof(out)) == 0);
  free(g);
}
END_TEST

START_TEST(test_ghost_rate_is_measured_from_soft_snares_against_the_accents)
{
  const TandemStyleSet* set = load_set();
  TandemStyle* learned = malloc(sizeof(TandemStyle));
  /* funk ghosts a fifth of its strokes; rock hardly any */
  const TandemStyle* funk = &set->styles[tandem_style_shipped_index("funk")];
  const TandemStyle* rock = &set->styles[tandem_style_shipped_index("rock")];
  learn(set, funk, "funk", learned);
  const float funk_ghosts = learned->ghost_prob;
  learn(set, rock, "rock", learned);
  const float rock_ghosts = learned->ghost_prob;
  free(learned);
  printf("groove: ghost rate funk %.3f (profile %.2f), rock %.3f (profile %.2f)\n",
         funk_ghosts, funk->ghost_prob, rock_ghosts, rock->ghost_prob);
  ck_assert_msg(fabsf(funk_ghosts - funk->ghost_prob) <= 0.08f, "funk ghosts %.3f",
                funk_ghosts);
  ck_assert_msg(fabsf(rock_ghosts - rock->ghost_prob) <= 0.05f, "rock ghosts %.3f",
                rock_ghosts);
  ck_assert_float_gt(funk_ghosts, rock_ghosts + 0.05f);
}
END_TEST

START_TEST(test_save_never_overwrites_and_names_the_profile_after_its_file)
{
  const TandemStyleSet* set = load_set();
  TandemGrooveCapture* g = malloc(sizeof(TandemGrooveCapture));
  tandem_groove_init(g);
  const TandemStyle* rock = &set->styles[tandem_style_shipped_index("rock")];
  play_loops(rock, 120.0f, 5, g);
  char dir[] = "/tmp/tandem-groove-save-XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(dir));
  char path[256], written[512], err[512] = "";
  snprintf(path, sizeof(path), "%s/My Groove.ttl", dir);
  FILE* f = fopen(path, "w"); /* someone's file is already there */
  ck_assert_ptr_nonnull(f);
  fputs("keep me\n", f);
  fclose(f);
  TandemStyle* out = malloc(sizeof(TandemStyle));
  ck_assert_msg(
      tandem_groove_save(g, set, path, out, written, sizeof(written), err, sizeof(err)),
      "%s", err);
  char expect[300];
  snprintf(expect, sizeof(expect), "%s/My Groove-2.ttl", dir);
  ck_assert_str_eq(written, expect);
  ck_assert_str_eq(out->name, "my-groove-2");
  char text[16] = "";
  f = fopen(path, "r");
  ck_assert_ptr_nonnull(f);
  ck_assert_ptr_nonnull(fgets(text, sizeof(text), f));
  fclose(f);
  ck_assert_str_eq(text, "keep me\n");
  TandemStyle* back = malloc(sizeof(TandemStyle));
  ck_assert_msg(tandem_style_load_file(written, back, err, sizeof(err)), "%s", err);
  ck_assert_str_eq(back->name, "my-groove-2");
  /* An empty capture writes nothing. */
  tandem_groove_init(g);
  snprintf(path, sizeof(path), "%s/empty.ttl", dir);
  ck_assert(
      !tandem_groove_save(g, set, path, out, written, sizeof(written), err, sizeof(err)));
  ck_assert(strstr(err, "too little") != NULL);
  ck_assert_int_ne(access(path, F_OK), 0);
  /* Nor does an empty path. */
  ck_assert(
      !tandem_groove_save(g, set, "", out, written, sizeof(written), err, sizeof(err)));
  ck_assert(strstr(err, "profilePath") != NULL);
  char cmd[300];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  ck_assert_int_eq(system(cmd), 0);
  free(g);
  free(out);
  free(back);
}
END_TEST

/* A gridded bar of a plain beat (kick on 1 and 3, snare on 2 and 4, hats on
 * the eighths, and on the 16ths when sixteenths) over duration_s, with the
 * swing the bar-feature code read. */
static TandemBarFeatures plain_bar(float duration_s, float swing8, float swing16,
                                   bool sixteenths)
{
  TandemBarFeatures bar;
  memset(&bar, 0, sizeof(bar));
  bar.n_beats = TANDEM_BAR_BEATS;
  bar.duration_s = duration_s;
  bar.bpm = 60.0f * TANDEM_BAR_BEATS / duration_s;
  for (int i = 0; i < TANDEM_BAR_STEPS; i += sixteenths ? 1 : 2) {
    bar.steps[TANDEM_ONSET_HAT][i] = 0.6f;
    bar.onsets += 1.0f;
  }
  bar.steps[TANDEM_ONSET_KICK][0] = bar.steps[TANDEM_ONSET_KICK][8] = 0.9f;
  bar.steps[TANDEM_ONSET_SNARE][4] = bar.steps[TANDEM_ONSET_SNARE][12] = 0.9f;
  bar.onsets += 4.0f;
  bar.swing8_pct = swing8;
  bar.swing16_pct = swing16;
  return bar;
}

START_TEST(test_swing_is_read_from_steady_bars_not_from_a_tracker_that_wobbled)
{
  const TandemStyleSet* set = load_set();
  TandemGrooveCapture* g = malloc(sizeof(TandemGrooveCapture));
  tandem_groove_init(g);
  /* Straight 16ths at 120 bpm on a steady grid, then bars the tracker drew
   * 6 % fast and slow in turn (its beats early and late), where the same
   * straight 16ths read as swung. */
  for (int k = 0; k < 4; ++k) {
    const TandemBarFeatures bar = plain_bar(2.0f, 50.0f, 50.0f, true);
    tandem_groove_add_bar(g, &bar);
  }
  for (int k = 0; k < 8; ++k) {
    const TandemBarFeatures bar =
        plain_bar(k % 2 ? 2.125f : 1.875f, 50.0f, 65.0f + (float)(k % 3), true);
    tandem_groove_add_bar(g, &bar);
  }
  TandemStyle* out = malloc(sizeof(TandemStyle));
  char err[256] = "";
  ck_assert_msg(tandem_groove_finish(g, set, "wobbly", out, NULL, err, sizeof(err)), "%s",
                err);
  ck_assert_msg(out->swing_pct <= 51.0f, "straight 16ths learned as swing %.1f (grid %u)",
                out->swing_pct, out->swing_grid);
  free(out);
  free(g);
}
END_TEST

START_TEST(test_late_ands_with_no_sixteenths_heard_are_learned_as_that_swing)
{
  const TandemStyleSet* set = load_set();
  TandemGrooveCapture* g = malloc(sizeof(TandemGrooveCapture));
  tandem_groove_init(g);
  /* A 16th swing of 54 at 100 bpm as a tracker at double the tempo hears it:
   * the swung 16ths are the grid's "and"s, 54 % into each beat, and no
   * "e"/"a" at all. */
  for (int k = 0; k < 8; ++k) {
    const TandemBarFeatures bar = plain_bar(1.2f, 54.0f, 0.0f, false);
    tandem_groove_add_bar(g, &bar);
  }
  TandemStyle* out = malloc(sizeof(TandemStyle));
  char err[256] = "";
  ck_assert_msg(tandem_groove_finish(g, set, "double", out, NULL, err, sizeof(err)), "%s",
                err);
  ck_assert_uint_eq(out->swing_grid, 8);
  ck_assert_float_eq_tol(out->swing_pct, 54.0f, 0.06f);
  free(out);
  free(g);
}
END_TEST

START_TEST(test_swung_eighths_heard_at_half_their_tempo_are_learned_as_sixteenth_swing)
{
  const TandemStyleSet* set = load_set();
  TandemGrooveCapture* g = malloc(sizeof(TandemGrooveCapture));
  tandem_groove_init(g);
  /* Eighths swung to 66 at 170 bpm, as a tracker at 85 hears them: the
   * music's beats are the grid's straight "and"s, its swung eighths the "e"s
   * and "a"s, a third of a beat late, on triplet positions. */
  for (int k = 0; k < 8; ++k) {
    TandemBarFeatures bar = plain_bar(240.0f / 85.0f, 50.0f, 66.0f, true);
    bar.triplet_share = 0.6f;
    tandem_groove_add_bar(g, &bar);
  }
  TandemStyle* out = malloc(sizeof(TandemStyle));
  char err[256] = "";
  ck_assert_msg(tandem_groove_finish(g, set, "halftime", out, NULL, err, sizeof(err)),
                "%s", err);
  ck_assert_uint_eq(out->swing_grid, 16);
  ck_assert_float_eq_tol(out->swing_pct, 66.0f, 0.06f);
  free(out);
  free(g);
}
END_TEST

static Suite* groove_suite(void)
{
  Suite* s = suite_create("groove");
  TCase* tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_learned_profile_is_nearest_to_the_style_it_was_played_from);
  tcase_add_test(tc, test_learned_profile_writes_turtle_that_loads_back_unchanged);
  tcase_add_test(
      tc, test_generating_from_a_learned_profile_reproduces_its_swing_within_3_points);
  tcase_add_test(tc, test_groove_capture_refuses_to_learn_from_too_little);
  tcase_add_test(tc, test_ghost_rate_is_measured_from_soft_snares_against_the_accents);
  tcase_add_test(tc, test_save_never_overwrites_and_names_the_profile_after_its_file);
  tcase_add_test(tc, test_swing_is_read_from_steady_bars_not_from_a_tracker_that_wobbled);
  tcase_add_test(tc, test_late_ands_with_no_sixteenths_heard_are_learned_as_that_swing);
  tcase_add_test(
      tc, test_swung_eighths_heard_at_half_their_tempo_are_learned_as_sixteenth_swing);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner* sr = srunner_create(groove_suite());
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
