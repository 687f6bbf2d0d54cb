/* Tandem — voicing suite: chord stabs move little and stay in their register. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "theory.h"
#include "voicing.h"

typedef struct {
  int degree_root; /* semitones above the key root */
  TandemChordQuality quality;
} ChordStep;

/* Plays a progression n_rounds times in a key and returns the mean semitones moved
 * per voice per chord change. */
static double mean_motion(int key, const ChordStep* steps, int n_steps, int n_voices,
                          int n_rounds, int* lowest, int* highest)
{
  TandemVoiceLeader v;
  tandem_voicing_init(&v, 60);
  int prev[TANDEM_VOICING_MAX_VOICES];
  int cur[TANDEM_VOICING_MAX_VOICES];
  int moved = 0;
  int changes = 0;
  for (int r = 0; r < n_rounds; ++r) {
    for (int s = 0; s < n_steps; ++s) {
      const TandemHarmony h = {(uint8_t)key, TANDEM_SCALE_MAJOR,
                               (uint8_t)((key + steps[s].degree_root) % 12),
                               (uint8_t)steps[s].quality};
      const int n = tandem_voicing_next(&v, &h, n_voices, cur);
      ck_assert_int_eq(n, n_voices);
      for (int i = 0; i < n; ++i) {
        ck_assert_msg(tandem_pitch_in_chord(&h, cur[i]), "voice %d (%d) not a chord tone",
                      i, cur[i]);
        *lowest = cur[i] < *lowest ? cur[i] : *lowest;
        *highest = cur[i] > *highest ? cur[i] : *highest;
        if (i > 0) {
          ck_assert_int_gt(cur[i], cur[i - 1]);
        }
      }
      if (r > 0 || s > 0) {
        moved += tandem_voicing_distance(prev, cur, n);
        changes++;
      }
      for (int i = 0; i < n; ++i) {
        prev[i] = cur[i];
      }
    }
  }
  return (double)moved / ((double)changes * n_voices);
}

START_TEST(test_voicing_moves_at_most_4_semitones_per_voice_over_common_progressions)
{
  const ChordStep pop[] = {{0, TANDEM_CHORD_MAJ},
                           {9, TANDEM_CHORD_MIN},
                           {5, TANDEM_CHORD_MAJ},
                           {7, TANDEM_CHORD_MAJ}};
  const ChordStep jazz[] = {
      {2, TANDEM_CHORD_MIN7}, {7, TANDEM_CHORD_DOM7}, {0, TANDEM_CHORD_MAJ7}};
  const int keys[] = {0, 2, 4, 5, 7, 9, 10, 11};
  double worst = 0.0;
  double sum = 0.0;
  int runs = 0;
  for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); ++k) {
    for (int voices = 3; voices <= 4; ++voices) {
      int lo = 127;
      int hi = 0;
      const double a = mean_motion(keys[k], pop, 4, voices, 4, &lo, &hi);
      const double b = mean_motion(keys[k], jazz, 3, voices, 4, &lo, &hi);
      printf("key %2d, %d voices: I-vi-IV-V %.2f, ii-V-I %.2f semitones/voice; range "
             "%d..%d\n",
             keys[k], voices, a, b, lo, hi);
      ck_assert_double_le(a, 4.0);
      ck_assert_double_le(b, 4.0);
      /* register kept: within an octave either side of the centre */
      ck_assert_int_ge(lo, 48);
      ck_assert_int_le(hi, 72);
      worst = a > worst ? a : worst;
      worst = b > worst ? b : worst;
      sum += a + b;
      runs += 2;
    }
  }
  printf("voice leading: mean %.2f, worst %.2f semitones per voice per change\n",
         sum / runs, worst);
}
END_TEST

START_TEST(test_voicing_first_stab_sits_near_the_centre)
{
  TandemVoiceLeader v;
  tandem_voicing_init(&v, 60);
  const TandemHarmony h = {0, TANDEM_SCALE_MAJOR, 7, TANDEM_CHORD_MAJ};
  int out[TANDEM_VOICING_MAX_VOICES];
  ck_assert_int_eq(tandem_voicing_next(&v, &h, 3, out), 3);
  const double mean = (out[0] + out[1] + out[2]) / 3.0;
  ck_assert_double_le(mean, 66.0);
  ck_assert_double_ge(mean, 54.0);
  ck_assert_int_le(out[2] - out[0], 12);
}
END_TEST

START_TEST(test_voicing_repeated_chord_does_not_move)
{
  TandemVoiceLeader v;
  tandem_voicing_init(&v, 64);
  const TandemHarmony h = {9, TANDEM_SCALE_MINOR, 9, TANDEM_CHORD_MIN7};
  int a[TANDEM_VOICING_MAX_VOICES];
  int b[TANDEM_VOICING_MAX_VOICES];
  tandem_voicing_next(&v, &h, 4, a);
  tandem_voicing_next(&v, &h, 4, b);
  ck_assert_int_eq(tandem_voicing_distance(a, b, 4), 0);
}
END_TEST

START_TEST(test_voicing_triad_with_four_voices_doubles_the_root)
{
  TandemVoiceLeader v;
  tandem_voicing_init(&v, 60);
  const TandemHarmony h = {0, TANDEM_SCALE_MAJOR, 5, TANDEM_CHORD_MAJ};
  int out[TANDEM_VOICING_MAX_VOICES];
  ck_assert_int_eq(tandem_voicing_next(&v, &h, 4, out), 4);
  int roots = 0;
  for (int i = 0; i < 4; ++i) {
    roots += out[i] % 12 == 5;
  }
  ck_assert_int_eq(roots, 2);
}
END_TEST

START_TEST(test_voicing_seventh_chord_with_three_voices_drops_the_fifth)
{
  TandemVoiceLeader v;
  tandem_voicing_init(&v, 60);
  const TandemHarmony h = {0, TANDEM_SCALE_MAJOR, 7, TANDEM_CHORD_DOM7};
  int out[TANDEM_VOICING_MAX_VOICES];
  tandem_voicing_next(&v, &h, 3, out);
  for (int i = 0; i < 3; ++i) {
    ck_assert_int_ne(out[i] % 12, 2); /* D, the fifth of G7 */
  }
}
END_TEST

/* Pitch classes of a voicing, as a bit set. */
static unsigned pc_set(const int* pitch, int n)
{
  unsigned set = 0;
  for (int i = 0; i < n; ++i) {
    set |= 1u << (pitch[i] % 12);
  }
  return set;
}

START_TEST(test_voicing_stab_sounds_the_tones_it_names)
{
  TandemVoiceLeader v;
  tandem_voicing_init(&v, 60);
  int out[TANDEM_VOICING_MAX_VOICES];
  /* Rootless 3-5-7-9 on Dm7 in C: F A C E. */
  const TandemNote rootless[4] = {
      {.kind = TANDEM_PITCH_CHORD, .degree = 0, .chromatic = 2},
      {.kind = TANDEM_PITCH_CHORD, .degree = 1},
      {.kind = TANDEM_PITCH_CHORD, .degree = 2},
      {.kind = TANDEM_PITCH_CHORD, .degree = 3}};
  const TandemHarmony dm7 = {0, TANDEM_SCALE_MAJOR, 2, TANDEM_CHORD_MIN7};
  ck_assert_int_eq(tandem_voicing_stab(&v, &dm7, rootless, 4, out), 4);
  ck_assert_uint_eq(pc_set(out, 4), (1u << 5) | (1u << 9) | (1u << 0) | (1u << 4));
  for (int i = 1; i < 4; ++i) {
    ck_assert_int_gt(out[i], out[i - 1]);
  }
  /* On a plain C triad the seventh sounds as the sixth: E G A D, a 6/9 without root. */
  const TandemHarmony c = {0, TANDEM_SCALE_MAJOR, 0, TANDEM_CHORD_MAJ};
  ck_assert_int_eq(tandem_voicing_stab(&v, &c, rootless, 4, out), 4);
  ck_assert_uint_eq(pc_set(out, 4), (1u << 4) | (1u << 7) | (1u << 9) | (1u << 2));
  /* Over Em in C the ninth (F#) is out of the key and left out: G B D. */
  const TandemHarmony em = {0, TANDEM_SCALE_MAJOR, 4, TANDEM_CHORD_MIN};
  ck_assert_int_eq(tandem_voicing_stab(&v, &em, rootless, 4, out), 3);
  ck_assert_uint_eq(pc_set(out, 3), (1u << 7) | (1u << 11) | (1u << 2));
  /* A plain stab (0, 1, 2, 3 on a triad) voices as before: the root doubled. */
  const TandemNote plain[4] = {{.kind = TANDEM_PITCH_CHORD, .degree = 0},
                               {.kind = TANDEM_PITCH_CHORD, .degree = 1},
                               {.kind = TANDEM_PITCH_CHORD, .degree = 2},
                               {.kind = TANDEM_PITCH_CHORD, .degree = 3}};
  ck_assert_int_eq(tandem_voicing_stab(&v, &c, plain, 4, out), 4);
  ck_assert_uint_eq(pc_set(out, 4), (1u << 0) | (1u << 4) | (1u << 7));
  ck_assert_int_eq(tandem_voicing_stab(&v, &c, plain, 0, out), 0);
}
END_TEST

static Suite* voicing_suite(void)
{
  Suite* s = suite_create("voicing");
  TCase* tc = tcase_create("core");
  tcase_add_test(
      tc, test_voicing_moves_at_most_4_semitones_per_voice_over_common_progressions);
  tcase_add_test(tc, test_voicing_first_stab_sits_near_the_centre);
  tcase_add_test(tc, test_voicing_repeated_chord_does_not_move);
  tcase_add_test(tc, test_voicing_triad_with_four_voices_doubles_the_root);
  tcase_add_test(tc, test_voicing_seventh_chord_with_three_voices_drops_the_fifth);
  tcase_add_test(tc, test_voicing_stab_sounds_the_tones_it_names);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner* sr = srunner_create(voicing_suite());
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
