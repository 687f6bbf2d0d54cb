/* Tandem — the arrangement policy's rules (worker/arrange.h): section marks,
 * the section predicted next, parts sent ahead, turning a part to another bar. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "arrange.h"

START_TEST(test_marks_fill_the_predicted_last_bar_and_crash_the_bar_after)
{
  /* Bar 15 is predicted to end the section (begun at 8): a fill, no crash. */
  TandemArrangeMarks m = tandem_arrange_marks(true, 8, 15, -1, false);
  ck_assert(m.fill);
  ck_assert(!m.crash);
  /* Bar 16 follows that fill: a crash on its beat 1, no fill. */
  m = tandem_arrange_marks(false, 8, 16, 15, false);
  ck_assert(!m.fill);
  ck_assert(m.crash);
  /* Any other bar of the section: nothing. */
  m = tandem_arrange_marks(false, 8, 12, -1, false);
  ck_assert(!m.fill);
  ck_assert(!m.crash);
  m = tandem_arrange_marks(false, 8, 18, 15, false);
  ck_assert(!m.crash);
}
END_TEST

START_TEST(test_marks_crash_into_a_section_found_late_unless_a_fill_led_into_it)
{
  /* A section found with no fill at all before it: crash at the next bar. */
  TandemArrangeMarks m = tandem_arrange_marks(false, 20, 22, -1, true);
  ck_assert(m.crash);
  /* Filled into: the section began from a bar before the fill to two after it. */
  for (int64_t start = 14; start <= 17; ++start) {
    m = tandem_arrange_marks(false, start, 19, 15, true);
    ck_assert_msg(!m.crash, "section at %lld after the fill in 15 crashed again",
                  (long long)start);
  }
  /* Began further from the fill: it was not led into, so it crashes. */
  m = tandem_arrange_marks(false, 18, 19, 15, true);
  ck_assert(m.crash);
  m = tandem_arrange_marks(false, 13, 19, 15, true);
  ck_assert(m.crash);
}
END_TEST

static void add_section(TandemSectionTracker* t, uint8_t label, uint8_t group)
{
  TandemSection* s = &t->scratch[t->n_found++];
  memset(s, 0, sizeof(*s));
  s->label = label;
  s->group = group;
}

START_TEST(test_next_section_is_the_one_that_followed_its_group_last_time)
{
  TandemSectionTracker* t = calloc(1, sizeof(*t));
  ck_assert_ptr_nonnull(t);
  add_section(t, TANDEM_SECTION_VERSE, 0);
  add_section(t, TANDEM_SECTION_CHORUS, 1);
  /* Two sections: nothing has repeated yet. */
  ck_assert_int_eq(tandem_arrange_next_section(t), TANDEM_SECTION_UNKNOWN);
  add_section(t, TANDEM_SECTION_VERSE, 0);
  ck_assert_int_eq(tandem_arrange_next_section(t), TANDEM_SECTION_CHORUS);
  /* The latest earlier member of the group decides. */
  add_section(t, TANDEM_SECTION_BRIDGE, 2);
  add_section(t, TANDEM_SECTION_VERSE, 0);
  ck_assert_int_eq(tandem_arrange_next_section(t), TANDEM_SECTION_BRIDGE);
  /* A group heard for the first time predicts nothing. */
  add_section(t, TANDEM_SECTION_OUTRO, 3);
  ck_assert_int_eq(tandem_arrange_next_section(t), TANDEM_SECTION_UNKNOWN);
  free(t);
}
END_TEST

START_TEST(test_next_section_is_none_when_the_same_label_followed)
{
  TandemSectionTracker* t = calloc(1, sizeof(*t));
  ck_assert_ptr_nonnull(t);
  add_section(t, TANDEM_SECTION_A, 0);
  add_section(t, TANDEM_SECTION_A, 1);
  add_section(t, TANDEM_SECTION_A, 0);
  ck_assert_int_eq(tandem_arrange_next_section(t), TANDEM_SECTION_UNKNOWN);
  free(t);
}
END_TEST

START_TEST(test_a_part_sent_ahead_stays_if_its_section_begins_else_goes_back)
{
  ck_assert_int_eq(tandem_arrange_settle(-1, 10, 12), TANDEM_AHEAD_NONE);
  /* Sent ahead to bar 16: a section found from 15 to 17 confirms it. */
  ck_assert_int_eq(tandem_arrange_settle(16, 15, 17), TANDEM_AHEAD_CONFIRMED);
  ck_assert_int_eq(tandem_arrange_settle(16, 16, 17), TANDEM_AHEAD_CONFIRMED);
  ck_assert_int_eq(tandem_arrange_settle(16, 17, 18), TANDEM_AHEAD_CONFIRMED);
  /* None found there: wait through bars 16..18, take it back from 19 on. */
  ck_assert_int_eq(tandem_arrange_settle(16, 8, 16), TANDEM_AHEAD_WAIT);
  ck_assert_int_eq(tandem_arrange_settle(16, 8, 18), TANDEM_AHEAD_WAIT);
  ck_assert_int_eq(tandem_arrange_settle(16, 8, 19), TANDEM_AHEAD_TAKE_BACK);
  ck_assert_int_eq(tandem_arrange_settle(16, 18, 19), TANDEM_AHEAD_TAKE_BACK);
}
END_TEST

/* A 4-bar 4/4 part with one note per bar, its pitch the bar it is in, a beat in. */
static void one_note_per_bar(TandemPattern* p)
{
  tandem_pattern_init(p, TANDEM_ROLE_DRUMS, 4, 4, 4);
  const uint32_t bar_ticks = tandem_pattern_ticks_per_bar(p);
  for (uint8_t b = 0; b < 4; ++b) {
    const TandemNote n = {.tick = b * bar_ticks + TANDEM_PPQ,
                          .length = 100,
                          .kind = TANDEM_PITCH_ABSOLUTE,
                          .pitch = (uint8_t)(36 + b),
                          .velocity = 100};
    ck_assert(tandem_pattern_add(p, &n));
  }
}

START_TEST(test_turn_makes_the_bar_playing_at_bar_its_bar_0)
{
  TandemPattern* p = malloc(sizeof(*p));
  ck_assert_ptr_nonnull(p);
  const uint32_t bar_ticks = 4 * TANDEM_PPQ;
  /* Bar 0 played at 10, so bar 13 plays pattern bar 3: that becomes bar 0. */
  one_note_per_bar(p);
  tandem_arrange_turn(p, 10, 13);
  ck_assert(tandem_pattern_valid(p));
  for (uint32_t i = 0; i < 4; ++i) {
    ck_assert_uint_eq(p->notes[i].tick, i * bar_ticks + TANDEM_PPQ);
    ck_assert_uint_eq(p->notes[i].pitch, 36 + (i + 3) % 4);
  }
  /* A bar before the anchor: bar 9 plays pattern bar 3 as well. */
  one_note_per_bar(p);
  tandem_arrange_turn(p, 10, 9);
  ck_assert_uint_eq(p->notes[0].pitch, 39);
  ck_assert_uint_eq(p->notes[1].pitch, 36);
  /* A whole number of lengths away: unchanged. */
  one_note_per_bar(p);
  tandem_arrange_turn(p, 10, 18);
  for (uint32_t i = 0; i < 4; ++i) {
    ck_assert_uint_eq(p->notes[i].pitch, 36 + i);
  }
  free(p);
}
END_TEST

static Suite* arrange_suite(void)
{
  Suite* s = suite_create("arrange");
  TCase* tc = tcase_create("rules");
  tcase_add_test(tc, test_marks_fill_the_predicted_last_bar_and_crash_the_bar_after);
  tcase_add_test(tc,
                 test_marks_crash_into_a_section_found_late_unless_a_fill_led_into_it);
  tcase_add_test(tc, test_next_section_is_the_one_that_followed_its_group_last_time);
  tcase_add_test(tc, test_next_section_is_none_when_the_same_label_followed);
  tcase_add_test(tc, test_a_part_sent_ahead_stays_if_its_section_begins_else_goes_back);
  tcase_add_test(tc, test_turn_makes_the_bar_playing_at_bar_its_bar_0);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner* sr = srunner_create(arrange_suite());
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
