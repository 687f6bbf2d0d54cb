/* Tandem — unit tests for onset times refined offline (tools/onset_time.c): a
 * soft hat under a ringing open hat, placed late as the detector places it,
 * moves to its attack; onsets placed well, or with no attack before them,
 * stay.  The signals are made here. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "barfeatures.h"
#include "onset_time.h"

#define RATE_HZ 48000.0
#define LENGTH  (48000 * 1)

/* Deterministic white noise in -1..1. */
static float noise(uint32_t* state)
{
  *state = *state * 1664525u + 1013904223u;
  return (float)((double)(*state >> 8) / (double)(1u << 23) - 1.0);
}

/* An open hat struck at 0.1 s rings on (slow decay) until a soft closed hat
 * at hat_s chokes it: the ring fades out over 1 ms just before, then the hat
 * starts with a small click and its body grows over 8 ms to a level just above
 * the ring's, as the benchmark's rendered kits do. */
static float* ringing_then_soft_hat(double hat_s)
{
  float* x = calloc(LENGTH, sizeof(float));
  uint32_t seed = 7;
  const size_t open_at = (size_t)(0.1 * RATE_HZ);
  const size_t hat_at = (size_t)(hat_s * RATE_HZ);
  const size_t fade = (size_t)(0.001 * RATE_HZ);
  const size_t fade_at = hat_at - fade - fade / 2;
  for (size_t i = open_at; i < LENGTH; ++i) {
    const double t = (double)(i - open_at) / RATE_HZ;
    double ring = 0.3 * exp(-t / 0.8);
    if (i >= fade_at) {
      ring *= i - fade_at < fade ? 1.0 - (double)(i - fade_at) / (double)fade : 0.0;
    }
    double hat = 0.0;
    if (i >= hat_at) {
      const double u = (double)(i - hat_at) / RATE_HZ;
      hat = (0.15 + 0.25 * fmin(1.0, u / 0.008)) * exp(-u / 0.05);
    }
    x[i] = (float)((ring + hat) * noise(&seed));
  }
  return x;
}

START_TEST(test_late_detected_soft_hat_under_a_ringing_open_hat_moves_to_its_attack)
{
  const double hat_s = 0.45;
  float* x = ringing_then_soft_hat(hat_s);
  /* The detector saw no clear rise and placed it 16.5 ms late. */
  TandemBarOnset onsets[2] = {{0.1005, 0.9f, TANDEM_ONSET_HAT},
                              {hat_s + 0.0165, 0.5f, TANDEM_ONSET_HAT}};
  const long moved = tool_refine_onsets(x, LENGTH, RATE_HZ, onsets, 2);
  ck_assert_int_eq(moved, 1);
  ck_assert_msg(fabs(onsets[1].time_s - hat_s) < 0.002, "placed at %+.1f ms",
                (onsets[1].time_s - hat_s) * 1e3);
  ck_assert(onsets[0].time_s == 0.1005); /* the open hat's own onset stays */
  free(x);
}
END_TEST

START_TEST(test_onset_placed_at_a_clean_attack_stays)
{
  float* x = calloc(LENGTH, sizeof(float));
  uint32_t seed = 3;
  const size_t at = (size_t)(0.3 * RATE_HZ);
  for (size_t i = at; i < at + 4800; ++i) {
    x[i] = (float)(0.8 * exp(-(double)(i - at) / 600.0) * noise(&seed));
  }
  TandemBarOnset onset = {0.3008, 0.8f, TANDEM_ONSET_SNARE};
  ck_assert_int_eq(tool_refine_onsets(x, LENGTH, RATE_HZ, &onset, 1), 0);
  ck_assert(onset.time_s == 0.3008);
  free(x);
}
END_TEST

START_TEST(test_onset_with_no_rise_before_it_stays)
{
  float* x = calloc(LENGTH, sizeof(float));
  uint32_t seed = 5;
  for (size_t i = 0; i < LENGTH; ++i) {
    x[i] = 0.2f * noise(&seed); /* steady noise: nothing starts anywhere */
  }
  TandemBarOnset onsets[3] = {{0.25, 0.5f, TANDEM_ONSET_HAT},
                              {0.5, 0.5f, TANDEM_ONSET_HAT},
                              {0.999, 0.5f, TANDEM_ONSET_HAT}};
  ck_assert_int_eq(tool_refine_onsets(x, LENGTH, RATE_HZ, onsets, 3), 0);
  ck_assert(onsets[0].time_s == 0.25 && onsets[1].time_s == 0.5 &&
            onsets[2].time_s == 0.999);
  /* nothing to refine, or too short a signal: no work, no harm */
  ck_assert_int_eq(tool_refine_onsets(x, LENGTH, RATE_HZ, onsets, 0), 0);
  ck_assert_int_eq(tool_refine_onsets(x, 10, RATE_HZ, onsets, 3), 0);
  free(x);
}
END_TEST

static Suite* onset_time_suite(void)
{
  Suite* s = suite_create("onset_time");
  TCase* tc = tcase_create("core");
  tcase_add_test(
      tc, test_late_detected_soft_hat_under_a_ringing_open_hat_moves_to_its_attack);
  tcase_add_test(tc, test_onset_placed_at_a_clean_attack_stays);
  tcase_add_test(tc, test_onset_with_no_rise_before_it_stays);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner* sr = srunner_create(onset_time_suite());
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
