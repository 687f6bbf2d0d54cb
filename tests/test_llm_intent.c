/* Tandem — the local plain-language intent parser. */
#include <check.h>
#include <stdlib.h>

#include "intent.h"

START_TEST(test_intent_maps_each_modifier_to_its_parameter)
{
  TandemIntent in;
  ck_assert(tandem_intent_parse("harder", &in));
  ck_assert_float_gt(in.energy, 0.0f);
  ck_assert(tandem_intent_parse("softer", &in));
  ck_assert_float_lt(in.energy, 0.0f);
  ck_assert(tandem_intent_parse("darker", &in));
  ck_assert_int_eq(in.octave, -1);
  ck_assert(tandem_intent_parse("brighter", &in));
  ck_assert_int_eq(in.octave, 1);
  ck_assert(tandem_intent_parse("busier", &in));
  ck_assert_float_gt(in.density, 0.0f);
  ck_assert(tandem_intent_parse("more complex", &in));
  ck_assert_float_gt(in.complexity, 0.0f);
  ck_assert(tandem_intent_parse("simpler", &in));
  ck_assert_float_lt(in.complexity, 0.0f);
  ck_assert(tandem_intent_parse("groovier", &in));
  ck_assert_float_gt(in.swing_pct, 0.0f);
  ck_assert_float_gt(in.ghost, 0.0f);
  ck_assert(tandem_intent_parse("more swing", &in));
  ck_assert_float_gt(in.swing_pct, 0.0f);
  ck_assert(tandem_intent_parse("straighter", &in));
  ck_assert(in.straight);
  ck_assert(tandem_intent_parse("ghost notes", &in));
  ck_assert_float_gt(in.ghost, 0.0f);
  ck_assert(tandem_intent_parse("half-time", &in));
  ck_assert_float_eq(in.tempo_factor, 0.5f);
  ck_assert(tandem_intent_parse("double time", &in));
  ck_assert_float_eq(in.tempo_factor, 2.0f);
  ck_assert(tandem_intent_parse("fill", &in));
  ck_assert_float_gt(in.fill, 0.0f);
  ck_assert(tandem_intent_parse("sparser", &in));
  ck_assert_float_lt(in.density, 0.0f);
  ck_assert(tandem_intent_parse("denser", &in));
  ck_assert_float_gt(in.density, 0.0f);
}
END_TEST

START_TEST(test_intent_combines_modifiers_from_the_issue_example)
{
  TandemIntent in;
  ck_assert(tandem_intent_parse("Half-time, darker, more ghost notes", &in));
  ck_assert_uint_eq(in.n_matched, 3);
  ck_assert(in.fully_understood);
  ck_assert_float_eq(in.tempo_factor, 0.5f);
  ck_assert_int_eq(in.octave, -1);
  ck_assert_float_gt(in.ghost, 0.0f);
  ck_assert(tandem_intent_parse("make the bassline groovier", &in));
  ck_assert(in.fully_understood);
}
END_TEST

START_TEST(test_intent_negation_and_intensity_change_sign_and_size)
{
  TandemIntent a, b, c;
  tandem_intent_parse("more swing", &a);
  tandem_intent_parse("much more swing", &b);
  tandem_intent_parse("less swing", &c);
  ck_assert_float_gt(b.swing_pct, a.swing_pct);
  ck_assert_float_lt(c.swing_pct, 0.0f);
  tandem_intent_parse("no ghost notes", &a);
  ck_assert_float_lt(a.ghost, 0.0f);
  tandem_intent_parse("a bit harder", &b);
  tandem_intent_parse("harder", &c);
  ck_assert_float_lt(b.energy, c.energy);
  ck_assert_float_gt(b.energy, 0.0f);
}
END_TEST

START_TEST(test_intent_flags_unknown_words_as_needing_a_model)
{
  TandemIntent in;
  ck_assert(!tandem_intent_parse("play it like a 1970s disco record", &in));
  ck_assert(!in.fully_understood);
  ck_assert_str_eq(in.unknown_word, "like");
  ck_assert(tandem_intent_parse("harder and add a saxophone riff", &in));
  ck_assert(!in.fully_understood);
  ck_assert_str_eq(in.unknown_word, "saxophone");
  ck_assert(!tandem_intent_parse("", &in));
  ck_assert(!tandem_intent_parse(NULL, &in));
}
END_TEST

static Suite* suite(void)
{
  Suite* s = suite_create("intent");
  TCase* tc = tcase_create("core");
  tcase_add_test(tc, test_intent_maps_each_modifier_to_its_parameter);
  tcase_add_test(tc, test_intent_combines_modifiers_from_the_issue_example);
  tcase_add_test(tc, test_intent_negation_and_intensity_change_sign_and_size);
  tcase_add_test(tc, test_intent_flags_unknown_words_as_needing_a_model);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner* sr = srunner_create(suite());
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
