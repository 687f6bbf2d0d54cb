/* Tandem — tests for drums.c: the features of an onset, the running means that
 * carry a kit's colour, the mask's thresholds, and the mask the onset detector
 * gives a kick struck under a hat. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "drums.h"
#include "onset.h"

enum {
  NB = TANDEM_DRUM_BANDS,
  NE = TANDEM_DRUM_ENV_BANDS,
  OWN = TANDEM_DRUM_OWN_FEATURES
};

START_TEST(test_drums_features_say_where_the_energy_rose)
{
  TandemDrums d;
  tandem_drums_reset(&d);
  float rise[NB] = {0}, before[NB] = {0}, late[NB] = {0}, after[NE] = {0},
        prior[NE] = {0};
  rise[NB - 1] = 1.0f; /* all the rise in the top band, over silence */
  rise[NB - 2] = 1.0f;
  before[NB - 2] = 1.0f; /* ... and as much as was there in the next one down */
  late[1] = 1.0f;        /* a low body that sounded only after the attack */
  after[2] = 0.5f;       /* treble envelope */
  float feat[TANDEM_DRUM_FEATURES];
  tandem_drums_features(&d, rise, before, late, after, prior, feat);
  for (int i = 0; i < TANDEM_DRUM_FEATURES; ++i) {
    ck_assert_msg(isfinite(feat[i]) && feat[i] >= 0.0f, "feature %d is %g", i, feat[i]);
  }
  for (int b = 0; b < NB - 2; ++b) {
    ck_assert_float_eq(feat[b], 0.0f);      /* no rise, no newness */
    ck_assert_float_eq(feat[NB + b], 0.0f); /* and no share */
  }
  /* new over silence reads far newer than doubling what was there (log10 2) */
  ck_assert_float_gt(feat[NB - 1], 1.5f);
  ck_assert_float_eq_tol(feat[NB - 2], log10f(2.0f), 0.01f);
  ck_assert_float_eq_tol(feat[NB + NB - 1] + feat[NB + NB - 2], 1.0f, 1e-6f);
  ck_assert_float_eq_tol(feat[2 * NB + NE + 2], 1.0f,
                         1e-6f); /* treble holds the envelope */
  /* the late body over silence reads new; bands that stayed silent do not */
  ck_assert_float_gt(feat[2 * NB + 2 * NE + 1], 1.5f);
  ck_assert_float_eq(feat[2 * NB + 2 * NE + 0], 0.0f);
  /* the first onset is its own running mean */
  for (int i = 0; i < OWN; ++i) {
    ck_assert_float_eq_tol(feat[OWN + i], feat[i], 1e-6f);
  }
}
END_TEST

/* The running means follow the kit: equal weights for the first onsets, then
 * each new one counts 1/32. */
START_TEST(test_drums_running_means_learn_the_kit)
{
  TandemDrums d;
  tandem_drums_reset(&d);
  float low[NB] = {0}, high[NB] = {0}, none[NB] = {0}, env[NE] = {0};
  low[1] = 1.0f;
  high[NB - 1] = 1.0f;
  float feat[TANDEM_DRUM_FEATURES];
  tandem_drums_features(&d, low, none, none, env, env, feat);
  tandem_drums_features(&d, high, none, none, env, env, feat);
  /* two onsets: the share of band 1 averages to a half */
  ck_assert_float_eq_tol(feat[OWN + NB + 1], 0.5f, 1e-6f);
  for (int i = 0; i < 100; ++i) {
    tandem_drums_features(&d, high, none, none, env, env, feat);
  }
  /* a hundred onsets later the low one has all but gone from the mean */
  ck_assert_float_lt(feat[OWN + NB + 1], 0.05f);
  ck_assert_float_gt(feat[OWN + NB + NB - 1], 0.95f);
  tandem_drums_reset(&d);
  tandem_drums_features(&d, low, none, none, env, env, feat);
  ck_assert_float_eq_tol(feat[OWN + NB + 1], 1.0f, 1e-6f);
}
END_TEST

START_TEST(test_drums_mask_sets_a_bit_per_drum_above_its_threshold)
{
  const float none[3] = {0.0f, 0.0f, 0.0f};
  const float all[3] = {1.0f, 1.0f, 1.0f};
  ck_assert_uint_eq(tandem_drums_mask(all, TANDEM_ONSET_OTHER),
                    TANDEM_HEARD_KICK | TANDEM_HEARD_SNARE | TANDEM_HEARD_HAT);
  ck_assert_uint_eq(tandem_drums_mask(none, TANDEM_ONSET_OTHER), 0);
  const float kick_only[3] = {1.0f, 0.0f, 0.0f};
  ck_assert_uint_eq(tandem_drums_mask(kick_only, TANDEM_ONSET_OTHER), TANDEM_HEARD_KICK);
  /* the coarse class adds its drum only where the fitted model says it counts: the
   * mask with probabilities 0 is a subset of the class's own bit */
  for (uint8_t cls = 0; cls < TANDEM_ONSET_OTHER; ++cls) {
    const uint8_t m = tandem_drums_mask(none, cls);
    ck_assert_uint_eq(m & ~TANDEM_HEARD_OF_CLASS(cls), 0);
  }
  float p[3];
  float feat[TANDEM_DRUM_FEATURES] = {0};
  tandem_drums_probabilities(feat, p);
  for (int k = 0; k < 3; ++k) {
    ck_assert(p[k] >= 0.0f && p[k] <= 1.0f);
  }
}
END_TEST

/* Feeds x to a detector in 64-frame blocks; returns the OR of the drum masks of
 * the onsets reported within 20 ms of `at`, and how many there were. */
static uint8_t masks_near(const float* x, long len, long at, double rate, int* n_onsets)
{
  TandemOnset* o = tandem_onset_new(rate);
  ck_assert_ptr_nonnull(o);
  uint8_t mask = 0;
  *n_onsets = 0;
  for (long b = 0; b < len; b += 64) {
    const uint32_t n = (uint32_t)(len - b < 64 ? len - b : 64);
    for (uint32_t done = 0; done < n;) {
      bool hop_done = false;
      TandemOnsetHop hop;
      done += tandem_onset_feed(o, x + b + done, n - done, &hop_done, &hop);
      if (hop_done && hop.has_onset) {
        const long t = b + (long)done - 1 - hop.delay;
        if (labs(t - at) < (long)(0.02 * rate)) {
          mask |= hop.drums;
          ++*n_onsets;
        }
      }
    }
  }
  tandem_onset_free(o);
  return mask;
}

/* A groove of kick and hat strokes (a kick with a 55 Hz body, a bright hat) where
 * the last kicks land with a hat: the onset there holds both (the coarse class
 * alone says kick only). */
START_TEST(test_drums_a_kick_with_a_hat_is_heard_as_both)
{
  const double rate = 48000.0;
  const long len = (long)(6.0 * rate);
  float* x = calloc((size_t)len, sizeof(float));
  ck_assert_ptr_nonnull(x);
  uint64_t rng = 99;
  const long step = (long)(0.25 * rate);
  long last_kick = 0;
  for (long at = (long)(0.1 * rate), k = 0; at + step < len; at += step, ++k) {
    const bool kick = k % 4 == 0 || at + 2 * step >= len;
    const bool hat = k % 2 == 1 || at + 2 * step >= len;
    for (long i = 0; i < (long)(0.3 * rate) && at + i < len; ++i) {
      const double t = i / rate;
      rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
      const double w = (double)(rng >> 11) / (double)(1ULL << 52) - 1.0;
      double v = 0.0;
      if (kick) {
        v += 0.8 * sin(2.0 * M_PI * (55.0 * t + 2.5 * (1.0 - exp(-t / 0.02)))) *
             exp(-t / 0.15);
      }
      if (hat) {
        v += 0.6 * w * exp(-t / 0.02) * sin(2.0 * M_PI * 8000.0 * t);
      }
      x[at + i] += (float)v;
    }
    if (kick && hat) {
      last_kick = at;
    }
  }
  ck_assert_int_gt(last_kick, 0);
  int n = 0;
  const uint8_t mask = masks_near(x, len, last_kick, rate, &n);
  ck_assert_int_ge(n, 1);
  ck_assert_msg((mask & TANDEM_HEARD_KICK) && (mask & TANDEM_HEARD_HAT),
                "kick under a hat: mask %u", mask);
  free(x);
}
END_TEST

static Suite* drums_suite(void)
{
  Suite* s = suite_create("drums");
  TCase* tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_drums_features_say_where_the_energy_rose);
  tcase_add_test(tc, test_drums_running_means_learn_the_kit);
  tcase_add_test(tc, test_drums_mask_sets_a_bit_per_drum_above_its_threshold);
  tcase_add_test(tc, test_drums_a_kick_with_a_hat_is_heard_as_both);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner* runner = srunner_create(drums_suite());
  srunner_run_all(runner, CK_NORMAL);
  const int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
