/* Tandem — progression suite: the learned loop puts each chord on its first beat,
 * breaks are followed on the next beat, and nothing heard invents nothing. */
#include <check.h>
#include <stdlib.h>

#include "progression.h"
#include "theory.h"

typedef struct {
  uint8_t root;
  uint8_t quality;
} Chord;

static const Chord axis[4] = {{9, TANDEM_CHORD_MIN},
                              {5, TANDEM_CHORD_MAJ},
                              {0, TANDEM_CHORD_MAJ},
                              {7, TANDEM_CHORD_MAJ}};

/* Feeds one bar, every beat heard as `heard`; counts the beats whose plan
 * (made when the beat before ended) was `expect` (NULL: not counted). */
static int play_bar(TandemProgression* p, int64_t bar, int beats, const Chord* heard,
                    const Chord* expect)
{
  int right = 0;
  for (int b = 0; b < beats; ++b) {
    uint8_t r = 99, q = 99;
    if (expect && tandem_progression_chord(p, &r, &q) && r == expect->root &&
        q == expect->quality) {
      ++right;
    }
    tandem_progression_beat(p, bar, b, beats, heard != NULL, heard ? heard->root : 0,
                            heard ? heard->quality : 0);
  }
  return right;
}

/* The plan for the beat that starts now. */
static Chord plan(const TandemProgression* p)
{
  Chord c = {99, 99};
  ck_assert(tandem_progression_chord(p, &c.root, &c.quality));
  return c;
}

START_TEST(test_progression_plays_a_learned_4_bar_loop_from_beat_1)
{
  TandemProgression p;
  tandem_progression_init(&p);
  int64_t bar = 0;
  for (int cycle = 0; cycle < 2; ++cycle) {
    for (int i = 0; i < 4; ++i) {
      play_bar(&p, bar++, 4, &axis[i], NULL);
    }
  }
  ck_assert_int_eq(tandem_progression_loop_bars(&p), 4);
  for (int i = 0; i < 4; ++i) {
    /* The plan for beat 1 is made when the last bar ends, before a beat is heard. */
    const Chord c = plan(&p);
    ck_assert_int_eq(c.root, axis[i].root);
    ck_assert_int_eq(c.quality, axis[i].quality);
    ck_assert_int_eq(play_bar(&p, bar++, 4, &axis[i], &axis[i]), 4);
  }
}
END_TEST

/* Beat 1 of the next bar, predicted from the loop on every beat of the bar before. */
START_TEST(test_progression_predicts_beat_1_of_the_next_bar)
{
  TandemProgression p;
  tandem_progression_init(&p);
  uint8_t r = 99, q = 99;
  ck_assert(!tandem_progression_next_bar_chord(&p, &r, &q));
  int64_t bar = 0;
  for (int i = 0; i < 8; ++i) {
    play_bar(&p, bar++, 4, &axis[i % 4], NULL);
  }
  ck_assert_int_eq(tandem_progression_loop_bars(&p), 4);
  for (int i = 0; i < 4; ++i) {
    /* Bar i of the loop plays; the last beat of the bar before has ended. */
    for (int b = 0; b < 4; ++b) {
      const Chord* next = &axis[(i + 1) % 4];
      ck_assert(tandem_progression_next_bar_chord(&p, &r, &q));
      ck_assert_msg(r == next->root && q == next->quality,
                    "bar %d beat %d: next bar predicted %d/%d, not %d/%d", i, b, r, q,
                    next->root, next->quality);
      tandem_progression_beat(&p, bar, b, 4, true, axis[i].root, axis[i].quality);
    }
    ++bar;
  }
}
END_TEST

/* With no loop, the next bar keeps the last chord heard. */
START_TEST(test_progression_next_bar_keeps_the_last_chord_without_a_loop)
{
  TandemProgression p;
  tandem_progression_init(&p);
  play_bar(&p, 0, 4, &axis[0], NULL);
  play_bar(&p, 1, 4, NULL, NULL);
  uint8_t r = 99, q = 99;
  ck_assert(tandem_progression_next_bar_chord(&p, &r, &q));
  ck_assert_int_eq(r, axis[0].root);
  ck_assert_int_eq(q, axis[0].quality);
}
END_TEST

START_TEST(test_progression_learns_a_2_bar_loop_in_3_4)
{
  const Chord two[2] = {{2, TANDEM_CHORD_MIN7}, {7, TANDEM_CHORD_DOM7}};
  TandemProgression p;
  tandem_progression_init(&p);
  int64_t bar = 0;
  for (int i = 0; i < 6; ++i) {
    play_bar(&p, bar++, 3, &two[i % 2], NULL);
  }
  ck_assert_int_eq(tandem_progression_loop_bars(&p), 2);
  for (int i = 0; i < 4; ++i) {
    ck_assert_int_eq(play_bar(&p, bar++, 3, &two[i % 2], &two[i % 2]), 3);
  }
}
END_TEST

START_TEST(test_progression_learns_an_8_bar_loop_whose_halves_differ)
{
  const Chord eight[8] = {{0, TANDEM_CHORD_MAJ}, {7, TANDEM_CHORD_MAJ},
                          {9, TANDEM_CHORD_MIN}, {5, TANDEM_CHORD_MAJ},
                          {0, TANDEM_CHORD_MAJ}, {7, TANDEM_CHORD_MAJ},
                          {5, TANDEM_CHORD_MAJ}, {5, TANDEM_CHORD_MAJ}};
  TandemProgression p;
  tandem_progression_init(&p);
  int64_t bar = 0;
  for (int i = 0; i < 16; ++i) {
    play_bar(&p, bar++, 4, &eight[i % 8], NULL);
  }
  ck_assert_int_eq(tandem_progression_loop_bars(&p), 8);
  for (int i = 0; i < 8; ++i) {
    ck_assert_int_eq(play_bar(&p, bar++, 4, &eight[i], &eight[i]), 4);
  }
}
END_TEST

START_TEST(test_progression_keeps_the_loop_when_one_beat_in_five_is_misheard)
{
  TandemProgression p;
  tandem_progression_init(&p);
  int64_t bar = 0;
  int beat_count = 0;
  int first_beats_right = 0;
  for (int cycle = 0; cycle < 6; ++cycle) {
    for (int i = 0; i < 4; ++i) {
      for (int b = 0; b < 4; ++b) {
        /* Every fifth beat is heard as a chord from elsewhere (a tritone away). */
        const Chord wrong = {(uint8_t)((axis[i].root + 6) % 12), TANDEM_CHORD_SUS2};
        const Chord* heard = ++beat_count % 5 == 0 ? &wrong : &axis[i];
        if (cycle >= 2 && b == 0) {
          const Chord c = plan(&p);
          first_beats_right += c.root == axis[i].root && c.quality == axis[i].quality;
        }
        tandem_progression_beat(&p, bar, b, 4, true, heard->root, heard->quality);
      }
      ++bar;
    }
  }
  ck_assert_int_eq(tandem_progression_loop_bars(&p), 4);
  ck_assert_int_eq(first_beats_right, 16);
}
END_TEST

START_TEST(test_progression_follows_a_break_from_the_next_beat_and_returns_to_the_loop)
{
  TandemProgression p;
  tandem_progression_init(&p);
  int64_t bar = 0;
  for (int i = 0; i < 8; ++i) {
    play_bar(&p, bar++, 4, &axis[i % 4], NULL);
  }
  /* Bar 1 of the third cycle is predicted Am; the song plays D# major instead. */
  const Chord brk = {3, TANDEM_CHORD_MAJ};
  ck_assert_int_eq(plan(&p).root, 9);
  tandem_progression_beat(&p, bar, 0, 4, true, brk.root, brk.quality);
  ck_assert_int_eq(plan(&p).root, brk.root);
  ck_assert_int_eq(plan(&p).quality, brk.quality);
  tandem_progression_beat(&p, bar, 1, 4, true, brk.root, brk.quality);
  tandem_progression_beat(&p, bar, 2, 4, true, brk.root, brk.quality);
  ck_assert_int_eq(plan(&p).root, brk.root);
  tandem_progression_beat(&p, bar, 3, 4, true, brk.root, brk.quality);
  ++bar;
  /* The next bar is the loop's again (F), from its first beat. */
  ck_assert_int_eq(plan(&p).root, 5);
  ck_assert_int_eq(play_bar(&p, bar++, 4, &axis[1], &axis[1]), 4);
}
END_TEST

START_TEST(test_progression_takes_the_old_chord_on_beat_1_for_a_late_change)
{
  TandemProgression p;
  tandem_progression_init(&p);
  int64_t bar = 0;
  for (int i = 0; i < 8; ++i) {
    play_bar(&p, bar++, 4, &axis[i % 4], NULL);
  }
  /* Beat 1 of the Am bar still sounds like the G before it: no break. */
  tandem_progression_beat(&p, bar, 0, 4, true, 7, TANDEM_CHORD_MAJ);
  ck_assert_int_eq(plan(&p).root, 9);
  /* Heard twice, it is a break. */
  tandem_progression_beat(&p, bar, 1, 4, true, 7, TANDEM_CHORD_MAJ);
  ck_assert_int_eq(plan(&p).root, 7);
}
END_TEST

START_TEST(test_progression_takes_a_chord_sharing_two_tones_for_the_plan_misheard)
{
  TandemProgression p;
  tandem_progression_init(&p);
  int64_t bar = 0;
  for (int i = 0; i < 8; ++i) {
    play_bar(&p, bar++, 4, &axis[i % 4], NULL);
  }
  /* Am (A C E) heard as C major (C E G) on its first beat. */
  tandem_progression_beat(&p, bar, 0, 4, true, 0, TANDEM_CHORD_MAJ);
  ck_assert_int_eq(plan(&p).root, 9);
  ck_assert_int_eq(plan(&p).quality, TANDEM_CHORD_MIN);
}
END_TEST

START_TEST(test_progression_keeps_the_last_confident_chord_and_invents_none)
{
  TandemProgression p;
  tandem_progression_init(&p);
  uint8_t r = 77, q = 77;
  /* Drums alone: no chord, no plan, outputs untouched. */
  play_bar(&p, 0, 4, NULL, NULL);
  ck_assert(!tandem_progression_chord(&p, &r, &q));
  ck_assert_int_eq(r, 77);
  ck_assert_int_eq(q, 77);
  const Chord em = {4, TANDEM_CHORD_MIN};
  tandem_progression_beat(&p, 1, 0, 4, true, em.root, em.quality);
  for (int b = 1; b < 4; ++b) {
    tandem_progression_beat(&p, 1, b, 4, false, 0, 0);
  }
  for (int bar = 2; bar < 6; ++bar) {
    play_bar(&p, bar, 4, NULL, NULL);
    ck_assert_int_eq(plan(&p).root, em.root);
    ck_assert_int_eq(plan(&p).quality, em.quality);
  }
}
END_TEST

START_TEST(test_progression_meter_change_forgets_the_loop)
{
  TandemProgression p;
  tandem_progression_init(&p);
  for (int i = 0; i < 8; ++i) {
    play_bar(&p, i, 4, &axis[i % 4], NULL);
  }
  ck_assert_int_eq(tandem_progression_loop_bars(&p), 4);
  tandem_progression_beat(&p, 8, 0, 3, true, axis[0].root, axis[0].quality);
  ck_assert_int_ne(tandem_progression_loop_bars(&p), 4);
}
END_TEST

START_TEST(test_progression_ignores_positions_out_of_range)
{
  TandemProgression p;
  tandem_progression_init(&p);
  tandem_progression_beat(&p, 0, 4, 4, true, 2, TANDEM_CHORD_MAJ);
  tandem_progression_beat(&p, 0, -1, 4, true, 2, TANDEM_CHORD_MAJ);
  tandem_progression_beat(&p, 0, 0, 0, true, 2, TANDEM_CHORD_MAJ);
  tandem_progression_beat(&p, 0, 0, 4, true, 2, TANDEM_CHORD_COUNT);
  uint8_t r, q;
  ck_assert(!tandem_progression_chord(&p, &r, &q));
  /* Bars longer than the history holds still plan from what is heard. */
  for (int b = 0; b < 16; ++b) {
    tandem_progression_beat(&p, 0, b, 16, true, 2, TANDEM_CHORD_MAJ);
  }
  ck_assert_int_eq(plan(&p).root, 2);
}
END_TEST

static Suite* progression_suite(void)
{
  Suite* s = suite_create("progression");
  TCase* tc = tcase_create("core");
  tcase_add_test(tc, test_progression_plays_a_learned_4_bar_loop_from_beat_1);
  tcase_add_test(tc, test_progression_predicts_beat_1_of_the_next_bar);
  tcase_add_test(tc, test_progression_next_bar_keeps_the_last_chord_without_a_loop);
  tcase_add_test(tc, test_progression_learns_a_2_bar_loop_in_3_4);
  tcase_add_test(tc, test_progression_learns_an_8_bar_loop_whose_halves_differ);
  tcase_add_test(tc, test_progression_keeps_the_loop_when_one_beat_in_five_is_misheard);
  tcase_add_test(
      tc, test_progression_follows_a_break_from_the_next_beat_and_returns_to_the_loop);
  tcase_add_test(tc, test_progression_takes_the_old_chord_on_beat_1_for_a_late_change);
  tcase_add_test(tc,
                 test_progression_takes_a_chord_sharing_two_tones_for_the_plan_misheard);
  tcase_add_test(tc, test_progression_keeps_the_last_confident_chord_and_invents_none);
  tcase_add_test(tc, test_progression_meter_change_forgets_the_loop);
  tcase_add_test(tc, test_progression_ignores_positions_out_of_range);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner* sr = srunner_create(progression_suite());
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
