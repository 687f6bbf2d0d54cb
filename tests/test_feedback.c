/* Tests for worker/feedback.c: pattern features, recording likes and dislikes,
 * the bias it gives generation, the prompt summary, and the state text. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feedback.h"
#include "generator.h"
#include "style.h"

static const TandemStyle* style_named(const char* name)
{
  static TandemStyleSet set;
  static bool loaded = false;
  if (!loaded) {
    const char* dir = getenv("TANDEM_STYLES_DIR");
    char err[256] = "";
    const int n =
        tandem_style_load_shipped(dir ? dir : "ttl/styles", &set, err, sizeof(err));
    ck_assert_msg(n == TANDEM_STYLE_SHIPPED_COUNT, "styles: %s", err);
    loaded = true;
  }
  const int i = tandem_style_shipped_index(name);
  ck_assert_int_gt(i, 0);
  return &set.styles[i];
}

static TandemPattern* pattern_new(void)
{
  TandemPattern* p = calloc(1, sizeof(TandemPattern));
  ck_assert_ptr_nonnull(p);
  tandem_pattern_init(p, TANDEM_ROLE_DRUMS, 1, 4, 4);
  return p;
}

static void add(TandemPattern* p, uint32_t tick, uint8_t velocity, uint8_t flags)
{
  const TandemNote n = {.tick = tick,
                        .length = 100,
                        .kind = TANDEM_PITCH_ABSOLUTE,
                        .pitch = 36,
                        .velocity = velocity,
                        .flags = flags};
  ck_assert(tandem_pattern_add(p, &n));
}

START_TEST(test_features_count_offbeat_ghost_and_velocity)
{
  TandemPattern* p = pattern_new();
  add(p, 0, 100, 0);             /* on beat 1 */
  add(p, TANDEM_PPQ / 2, 80, 0); /* off the beat */
  add(p, TANDEM_PPQ, 120, 0);    /* on beat 2 */
  add(p, TANDEM_PPQ + TANDEM_PPQ / 4, 20, TANDEM_NOTE_GHOST);
  TandemPatternFeatures f;
  tandem_pattern_features(p, &f);
  ck_assert_float_eq_tol(f.density, 4.0f / 64.0f, 1e-6f);
  ck_assert_float_eq_tol(f.syncopation, 1.0f / 3.0f, 1e-6f);
  ck_assert_float_eq_tol(f.ghost_rate, 0.25f, 1e-6f);
  ck_assert_float_eq_tol(f.velocity, 100.0f / 127.0f, 1e-6f);
  free(p);
}
END_TEST

START_TEST(test_empty_or_trigger_patterns_are_not_recorded)
{
  TandemFeedback fb;
  tandem_feedback_reset(&fb);
  TandemPattern* p = pattern_new();
  ck_assert(!tandem_feedback_record(&fb, p, true)); /* empty */
  add(p, 0, 100, 0);
  p->role = TANDEM_ROLE_TRIGGER;
  ck_assert(!tandem_feedback_record(&fb, p, true));
  ck_assert(!tandem_feedback_has(&fb, TANDEM_ROLE_DRUMS));
  p->role = TANDEM_ROLE_DRUMS;
  ck_assert(tandem_feedback_record(&fb, p, true));
  ck_assert(tandem_feedback_has(&fb, TANDEM_ROLE_DRUMS));
  ck_assert(!tandem_feedback_has(&fb, TANDEM_ROLE_BASS));
  ck_assert_uint_eq(fb.roles[TANDEM_ROLE_DRUMS].likes, 1);
  tandem_feedback_reset(&fb);
  ck_assert(!tandem_feedback_has(&fb, TANDEM_ROLE_DRUMS));
  free(p);
}
END_TEST

START_TEST(test_without_feedback_generation_is_the_plain_generator)
{
  const TandemStyle* s = style_named("funk");
  TandemFeedback fb;
  tandem_feedback_reset(&fb);
  TandemPattern* a = pattern_new();
  TandemPattern* b = pattern_new();
  TandemGenParams params;
  tandem_gen_params_default(&params, TANDEM_ROLE_BASS, 77);
  ck_assert(tandem_generate(s, &params, a));
  ck_assert(tandem_feedback_generate(&fb, s, &params, b));
  ck_assert_int_eq(memcmp(a, b, sizeof(*a)), 0);
  free(a);
  free(b);
}
END_TEST

/* Sparse and syncopated: fewer notes than the unbiased median and more off the
 * beat than its median. */
typedef struct {
  float density_median;
  float syncopation_median;
} Medians;

static int compare_floats(const void* a, const void* b)
{
  const float x = *(const float*)a;
  const float y = *(const float*)b;
  return (x > y) - (x < y);
}

static bool sparse_syncopated(const Medians* m, const TandemPatternFeatures* f)
{
  return f->density < m->density_median && f->syncopation > m->syncopation_median;
}

START_TEST(test_liking_sparse_syncopated_patterns_raises_their_share_over_50_generations)
{
  /* Rock: its optional drum hits fall on and off the beat, so a sparser seed can
   * be more syncopated.  (Funk's optional hits are all off the beat and its fixed
   * ones on it, so there a sparser drum part is always less syncopated.) */
  const TandemStyle* s = style_named("rock");
  enum { N = 50 };
  TandemPattern* p = pattern_new();
  TandemPatternFeatures base[N];
  float densities[N];
  float syncopations[N];
  TandemGenParams params;
  for (int i = 0; i < N; ++i) {
    tandem_gen_params_default(&params, TANDEM_ROLE_DRUMS, (uint32_t)(i + 1));
    ck_assert(tandem_generate(s, &params, p));
    tandem_pattern_features(p, &base[i]);
    densities[i] = base[i].density;
    syncopations[i] = base[i].syncopation;
  }
  qsort(densities, N, sizeof(float), compare_floats);
  qsort(syncopations, N, sizeof(float), compare_floats);
  const Medians m = {0.5f * (densities[N / 2 - 1] + densities[N / 2]),
                     0.5f * (syncopations[N / 2 - 1] + syncopations[N / 2])};

  /* The user likes three of the sparse syncopated ones. */
  TandemFeedback fb;
  tandem_feedback_reset(&fb);
  int before = 0;
  int liked = 0;
  for (int i = 0; i < N; ++i) {
    if (!sparse_syncopated(&m, &base[i])) {
      continue;
    }
    ++before;
    if (liked < 3) {
      tandem_gen_params_default(&params, TANDEM_ROLE_DRUMS, (uint32_t)(i + 1));
      ck_assert(tandem_generate(s, &params, p));
      ck_assert(tandem_feedback_record(&fb, p, true));
      ++liked;
    }
  }
  ck_assert_int_eq(liked, 3);

  /* 50 new generations (other seeds) with the learning. */
  int after = 0;
  int after_unbiased = 0;
  for (int i = 0; i < N; ++i) {
    TandemPatternFeatures f;
    tandem_gen_params_default(&params, TANDEM_ROLE_DRUMS, (uint32_t)(1000 + i));
    ck_assert(tandem_feedback_generate(&fb, s, &params, p));
    ck_assert(tandem_pattern_valid(p));
    tandem_pattern_features(p, &f);
    after += sparse_syncopated(&m, &f);
    ck_assert(tandem_generate(s, &params, p));
    tandem_pattern_features(p, &f);
    after_unbiased += sparse_syncopated(&m, &f);
  }
  printf(
      "sparse+syncopated share: before %d/50, same seeds unbiased %d/50, after 3 likes "
      "%d/50\n",
      before, after_unbiased, after);
  ck_assert_int_gt(after, N / 2);
  ck_assert_int_ge(after, after_unbiased + 15);
  free(p);
}
END_TEST

START_TEST(test_disliking_dense_patterns_lowers_mean_density)
{
  const TandemStyle* s = style_named("house");
  TandemPattern* p = pattern_new();
  TandemFeedback fb;
  tandem_feedback_reset(&fb);
  TandemGenParams params;
  /* Dislike two dense ones. */
  for (uint32_t seed = 1; seed <= 2; ++seed) {
    tandem_gen_params_default(&params, TANDEM_ROLE_DRUMS, seed);
    params.density = 1.0f;
    ck_assert(tandem_generate(s, &params, p));
    ck_assert(tandem_feedback_record(&fb, p, false));
  }
  double plain = 0.0;
  double biased = 0.0;
  for (uint32_t seed = 100; seed < 150; ++seed) {
    TandemPatternFeatures f;
    tandem_gen_params_default(&params, TANDEM_ROLE_DRUMS, seed);
    ck_assert(tandem_generate(s, &params, p));
    tandem_pattern_features(p, &f);
    plain += f.density;
    ck_assert(tandem_feedback_generate(&fb, s, &params, p));
    tandem_pattern_features(p, &f);
    biased += f.density;
  }
  printf("mean notes per bar: plain %.2f, after 2 dislikes of dense patterns %.2f\n",
         plain / 50 * 64, biased / 50 * 64);
  ck_assert_double_lt(biased, plain);
  free(p);
}
END_TEST

START_TEST(test_summary_names_likes_and_is_empty_without_feedback)
{
  TandemFeedback fb;
  tandem_feedback_reset(&fb);
  char text[TANDEM_FEEDBACK_TEXT_MAX];
  tandem_feedback_summary(&fb, TANDEM_ROLE_DRUMS, text, sizeof(text));
  ck_assert_str_eq(text, "");
  TandemPattern* p = pattern_new();
  add(p, 0, 100, 0);
  add(p, TANDEM_PPQ / 2, 100, 0);
  ck_assert(tandem_feedback_record(&fb, p, true));
  ck_assert(tandem_feedback_record(&fb, p, false));
  tandem_feedback_summary(&fb, TANDEM_ROLE_DRUMS, text, sizeof(text));
  ck_assert_msg(
      strstr(
          text,
          "liked drums parts with about 2.0 notes per bar, 50% of notes off the beat") !=
          NULL,
      "%s", text);
  ck_assert_msg(strstr(text, "disliked") != NULL, "%s", text);
  /* A small buffer is cut, never overrun. */
  char small[16];
  tandem_feedback_summary(&fb, TANDEM_ROLE_DRUMS, small, sizeof(small));
  ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
  free(p);
}
END_TEST

START_TEST(test_text_round_trips_and_corrupt_text_is_refused)
{
  TandemFeedback fb;
  tandem_feedback_reset(&fb);
  TandemPattern* p = pattern_new();
  add(p, 0, 90, 0);
  add(p, TANDEM_PPQ / 4, 30, TANDEM_NOTE_GHOST);
  ck_assert(tandem_feedback_record(&fb, p, true));
  p->role = TANDEM_ROLE_MELODY;
  ck_assert(tandem_feedback_record(&fb, p, false));
  char text[TANDEM_FEEDBACK_TEXT_MAX];
  ck_assert_uint_gt(tandem_feedback_to_text(&fb, text, sizeof(text)), 0);
  TandemFeedback back;
  char err[256];
  ck_assert_msg(tandem_feedback_from_text(text, &back, err, sizeof(err)), "%s", err);
  for (int r = 0; r < TANDEM_FEEDBACK_ROLES; ++r) {
    ck_assert_uint_eq(back.roles[r].likes, fb.roles[r].likes);
    ck_assert_uint_eq(back.roles[r].dislikes, fb.roles[r].dislikes);
    ck_assert_float_eq_tol(back.roles[r].liked.velocity, fb.roles[r].liked.velocity,
                           1e-5f);
    ck_assert_float_eq_tol(back.roles[r].disliked.ghost_rate,
                           fb.roles[r].disliked.ghost_rate, 1e-5f);
  }
  char tiny[8];
  ck_assert_uint_eq(tandem_feedback_to_text(&fb, tiny, sizeof(tiny)), 0);

  static const char* const bad[] = {
      "",
      "hello",
      "tandem-feedback 99\n",
      "tandem-feedback 1\ndrums 1 0 0.5 0.5\n",
      "tandem-feedback 1\ndrums 1 0 2.0 0.5 0.1 0.5 0 0 0 0\n",
      "tandem-feedback 1\nbass 1 0 nan 0.5 0.1 0.5 0 0 0 0\n",
      "tandem-feedback 1\nchords 1 0 -0.1 0.5 0.1 0.5 0 0 0 0\n",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
    TandemFeedback untouched = fb;
    err[0] = '\0';
    ck_assert_msg(!tandem_feedback_from_text(bad[i], &untouched, err, sizeof(err)),
                  "accepted: %s", bad[i]);
    ck_assert_msg(err[0] != '\0', "no message for: %s", bad[i]);
    ck_assert_int_eq(memcmp(&untouched, &fb, sizeof(fb)), 0);
  }
  /* Unknown lines are skipped. */
  ck_assert(tandem_feedback_from_text("tandem-feedback 1\ncowbell 3 4\n", &back, err,
                                      sizeof(err)));
  ck_assert(!tandem_feedback_has(&back, TANDEM_ROLE_DRUMS));
  free(p);
}
END_TEST

static Suite* feedback_suite(void)
{
  Suite* s = suite_create("feedback");
  TCase* tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_features_count_offbeat_ghost_and_velocity);
  tcase_add_test(tc, test_empty_or_trigger_patterns_are_not_recorded);
  tcase_add_test(tc, test_without_feedback_generation_is_the_plain_generator);
  tcase_add_test(
      tc, test_liking_sparse_syncopated_patterns_raises_their_share_over_50_generations);
  tcase_add_test(tc, test_disliking_dense_patterns_lowers_mean_density);
  tcase_add_test(tc, test_summary_names_likes_and_is_empty_without_feedback);
  tcase_add_test(tc, test_text_round_trips_and_corrupt_text_is_refused);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner* sr = srunner_create(feedback_suite());
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
