/* Tandem — style profiles: the shipped files load with musically right numbers,
 * broken user files fail with one clear message, similarity orders styles. */
#include "style.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char* styles_dir(void)
{
  const char* dir = getenv("TANDEM_STYLES_DIR");
  return dir ? dir : "ttl/styles";
}

static TandemStyleSet* load_all(void)
{
  static TandemStyleSet set;
  char err[1024];
  const int n = tandem_style_load_shipped(styles_dir(), &set, err, sizeof(err));
  ck_assert_msg(n == TANDEM_STYLE_SHIPPED_COUNT, "loaded %d: %s", n, err);
  return &set;
}

static const TandemStyle* shipped(const char* name)
{
  TandemStyleSet* set = load_all();
  const int i = tandem_style_shipped_index(name);
  ck_assert_int_ge(i, 1);
  return &set->styles[i];
}

/* Reads a whole file into a malloc'd string. */
static char* slurp(const char* path)
{
  FILE* f = fopen(path, "rb");
  ck_assert_msg(f != NULL, "cannot open %s", path);
  fseek(f, 0, SEEK_END);
  const long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  char* text = calloc(1, (size_t)size + 1);
  ck_assert_int_eq(fread(text, 1, (size_t)size, f), (size_t)size);
  fclose(f);
  return text;
}

static void write_file(const char* path, const char* text)
{
  FILE* f = fopen(path, "wb");
  ck_assert(f != NULL);
  fputs(text, f);
  fclose(f);
}

/* rock.ttl with the first occurrence of `from` replaced by `to`. */
static char* rock_with(const char* from, const char* to)
{
  char path[1024];
  snprintf(path, sizeof(path), "%s/rock.ttl", styles_dir());
  char* text = slurp(path);
  char* at = strstr(text, from);
  ck_assert_msg(at != NULL, "rock.ttl has no \"%s\"", from);
  char* out = calloc(1, strlen(text) - strlen(from) + strlen(to) + 1);
  memcpy(out, text, (size_t)(at - text));
  strcat(out, to);
  strcat(out, at + strlen(from));
  free(text);
  return out;
}

START_TEST(test_style_shipped_names_keep_their_port_order)
{
  static const char* const order[] = {"auto",   "rock",   "funk",    "boombap", "trap",
                                      "house",  "techno", "dnb",     "jazz",    "bossa",
                                      "reggae", "ballad", "hardcore"};
  for (int i = 0; i <= TANDEM_STYLE_SHIPPED_COUNT; ++i) {
    ck_assert_str_eq(tandem_style_shipped_name(i), order[i]);
    ck_assert_int_eq(tandem_style_shipped_index(order[i]), i);
    ck_assert_ptr_nonnull(tandem_style_shipped_label(i));
  }
  ck_assert_ptr_null(tandem_style_shipped_name(TANDEM_STYLE_SHIPPED_COUNT + 1));
  ck_assert_ptr_null(tandem_style_shipped_name(-1));
  ck_assert_int_eq(tandem_style_shipped_index("polka"), -1);
}
END_TEST

START_TEST(test_style_all_shipped_profiles_load_complete)
{
  TandemStyleSet* set = load_all();
  for (int i = 1; i <= TANDEM_STYLE_SHIPPED_COUNT; ++i) {
    const TandemStyle* s = &set->styles[i];
    ck_assert(set->loaded[i]);
    ck_assert_str_eq(s->name, tandem_style_shipped_name(i));
    ck_assert_str_eq(s->label, tandem_style_shipped_label(i));
    ck_assert_uint_gt(strlen(s->description), 40);
    ck_assert_uint_eq(s->n_steps, s->beats_per_bar * 16 / s->beat_unit);
    ck_assert(s->tempo_min_bpm < s->tempo_max_bpm);
    ck_assert_uint_ge(s->n_scales, 1);
  }
}
END_TEST

START_TEST(test_style_profiles_carry_each_genres_signature)
{
  /* One-drop: kick and rim on beat 3, nothing on 1. */
  const TandemStyle* reggae = shipped("reggae");
  ck_assert_float_eq(reggae->drum_steps[TANDEM_DRUM_KICK][0], 0.0f);
  ck_assert_float_eq(reggae->drum_steps[TANDEM_DRUM_KICK][8], 1.0f);
  ck_assert_float_eq(reggae->drum_steps[TANDEM_DRUM_SNARE][8], 1.0f);
  ck_assert_float_eq(reggae->drum_steps[TANDEM_DRUM_SNARE][4], 0.0f);
  /* Four on the floor in house, techno and gabber. */
  static const char* const floor4[] = {"house", "techno", "hardcore"};
  for (int k = 0; k < 3; ++k) {
    const TandemStyle* s = shipped(floor4[k]);
    for (int beat = 0; beat < 4; ++beat) {
      ck_assert_float_eq(s->drum_steps[TANDEM_DRUM_KICK][beat * 4], 1.0f);
    }
  }
  /* Backbeat on 2 and 4 in rock, funk, boom-bap, dnb and the ballad. */
  static const char* const backbeat[] = {"rock", "funk", "boombap", "dnb", "ballad"};
  for (int k = 0; k < 5; ++k) {
    const TandemStyle* s = shipped(backbeat[k]);
    ck_assert_float_eq(s->drum_steps[TANDEM_DRUM_SNARE][4], 1.0f);
    ck_assert_float_eq(s->drum_steps[TANDEM_DRUM_SNARE][12], 1.0f);
    ck_assert(s->drum_steps[TANDEM_DRUM_SNARE][0] == 0.0f);
  }
  /* Trap: half-time clap on 3 only; dnb: two-step kick on 1 and the "and" of 3. */
  const TandemStyle* trap = shipped("trap");
  ck_assert_float_eq(trap->drum_steps[TANDEM_DRUM_SNARE][8], 1.0f);
  ck_assert_float_eq(trap->drum_steps[TANDEM_DRUM_SNARE][4], 0.0f);
  const TandemStyle* dnb = shipped("dnb");
  ck_assert_float_eq(dnb->drum_steps[TANDEM_DRUM_KICK][10], 1.0f);
  ck_assert(dnb->tempo_min_bpm >= 160 && dnb->tempo_max_bpm <= 180);
  /* Jazz swings eighths in triplet feel on the ride, and walks the bass. */
  const TandemStyle* jazz = shipped("jazz");
  ck_assert(jazz->swing_pct > 60.0f && jazz->swing_pct < 70.0f);
  ck_assert_uint_eq(jazz->swing_grid, 8);
  ck_assert_uint_eq(jazz->drum_notes[TANDEM_DRUM_HAT], 51);
  ck_assert(jazz->bass_approach > 0.2f);
  /* Boom-bap swings sixteenths; hardcore is 160-200 bpm. */
  const TandemStyle* boombap = shipped("boombap");
  ck_assert(boombap->swing_pct > 52.0f && boombap->swing_grid == 16);
  const TandemStyle* hardcore = shipped("hardcore");
  ck_assert(hardcore->tempo_min_bpm >= 160.0f && hardcore->tempo_max_bpm <= 200.0f);
  /* Bossa's side stick, funk's ghost notes above rock's. */
  ck_assert_uint_eq(shipped("bossa")->drum_notes[TANDEM_DRUM_SNARE], 37);
  ck_assert(shipped("funk")->ghost_prob > 2.0f * shipped("rock")->ghost_prob);
}
END_TEST

typedef struct {
  const char* from;
  const char* to;
  const char* field; /* must appear in the message */
} Breakage;

START_TEST(test_style_broken_file_fails_with_one_message_and_leaves_output)
{
  static const Breakage cases[] = {
      {"sty:swing 50 ;", "sty:swing 50", "bad Turtle"},                 /* syntax */
      {"sty:swing 50 ;", "", "sty:swing"},                              /* missing */
      {"sty:swing 50 ;", "sty:swing 95 ;", "sty:swing"},                /* range */
      {"sty:swing 50 ;", "sty:swing \"fast\" ;", "sty:swing"},          /* type */
      {"sty:swing 50 ;", "sty:swing 50 , 60 ;", "sty:swing"},           /* two values */
      {"sty:beatUnit 4 ;", "sty:beatUnit 5 ;", "sty:beatUnit"},         /* not 4 or 8 */
      {"sty:chordTones 3 ;", "sty:chordTones 3.5 ;", "sty:chordTones"}, /* not whole */
      {"sty:bassRoot 0.6 ;", "sty:bassRut 0.6 ;", "sty:bassRut"},       /* typo */
      {"sty:kickSteps  \"1 0 0 0", "sty:kickSteps  \"1 0 0", "sty:kickSteps"}, /* count */
      {"sty:kickSteps  \"1 0 0 0", "sty:kickSteps  \"1 0 x 0", "sty:kickSteps"},
      {"sty:kickSteps  \"1 0 0 0", "sty:kickSteps  \"1 0 2 0", "sty:kickSteps"},
      {"sty:tempoMax 150 ;", "sty:tempoMax 80 ;", "sty:tempoMax"}, /* below min */
      {"sty:beatsPerBar 4 ;", "sty:beatsPerBar 3 ;",
       "sty:kickSteps"}, /* 16 steps in 3/4 */
      {"sty:name \"rock\" ;", "sty:name \"Rock Music\" ;", "sty:name"},
      {"sty:scales \"major", "sty:scales \"lydian major", "sty:scales"},
      {"sty:drumDensity 14 ;", "sty:drumDensity 60 ;", "sty:drumDensity"},
      {"a sty:Style ;", "a sty:Thing ;", "sty:Style"},
      {"sty:velocityMean 100 ;", "sty:velocityMean <urn:x> ;", "sty:velocityMean"},
      {"sty:drumFills \"s - s -", "sty:drumFills \"s - z -", "sty:drumFills"},
      {"sty:drumFills \"s - s -", "sty:drumFills \"| | s - s -", "sty:drumFills"},
      {"sty:drumFills", "sty:hatRolls 2 ; sty:drumFills", "sty:hatRolls"}, /* range */
      {"sty:bassRoot 0.6 ;", "sty:bassRoot 0.6 ; sty:bassIdiom \"run\" ;",
       "sty:bassIdiom"}, /* not an idiom */
      {"sty:bassRoot 0.6 ;", "sty:bassRoot 0.6 ; sty:bassRegister -3 ;",
       "sty:bassRegister"}, /* range */
      {"sty:chordTones 3 ;", "sty:chordTones 3 ; sty:chordVoicing \"drop2\" ;",
       "sty:chordVoicing"}, /* not a voicing */
  };
  char path[256];
  snprintf(path, sizeof(path), "/tmp/tandem-test-style-%d.ttl", (int)getpid());
  for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); ++k) {
    char* text = rock_with(cases[k].from, cases[k].to);
    write_file(path, text);
    free(text);
    TandemStyle out;
    TandemStyle before;
    memset(&out, 0xab, sizeof(out));
    memcpy(&before, &out, sizeof(out));
    char err[512] = "";
    const bool ok = tandem_style_load_file(path, &out, err, sizeof(err));
    ck_assert_msg(!ok, "case %zu loaded", k);
    ck_assert_msg(memcmp(&out, &before, sizeof(out)) == 0, "case %zu touched the output",
                  k);
    ck_assert_msg(strstr(err, path) != NULL, "case %zu: no file name in \"%s\"", k, err);
    ck_assert_msg(strstr(err, cases[k].field) != NULL, "case %zu: \"%s\" lacks %s", k,
                  err, cases[k].field);
    ck_assert_msg(strchr(err, '\n') == NULL, "case %zu: more than one line: %s", k, err);
  }
  unlink(path);
}
END_TEST

START_TEST(test_style_drum_fills_read_letters_rolls_and_keep_a_bar)
{
  /* Rock's second fill ends on the floor tom with the kick; its third on snare
   * 32nds. */
  const TandemStyle* rock = &load_all()->styles[tandem_style_shipped_index("rock")];
  ck_assert_uint_eq(rock->n_fills, 3);
  ck_assert_uint_eq(rock->fill_len[0], 16);
  const char* letters = TANDEM_FILL_LETTERS;
  const uint16_t kick = (uint16_t)(1u << (strchr(letters, 'k') - letters));
  const uint16_t snare = (uint16_t)(1u << (strchr(letters, 's') - letters));
  const uint16_t floor_tom = (uint16_t)(1u << (strchr(letters, '5') - letters));
  ck_assert_uint_eq(rock->fill_hits[1][15], kick | floor_tom);
  ck_assert_uint_eq(rock->fill_roll[1][15], 1);
  ck_assert_uint_eq(rock->fill_hits[2][15], snare);
  ck_assert_uint_eq(rock->fill_roll[2][15], 2);
  ck_assert_uint_eq(rock->fill_hits[0][1], 0); /* '-' */

  /* A fill longer than a 3/4 bar keeps its last 12 16ths. */
  char* text = rock_with("sty:drumFills \"s - s -   s - s s   1 1 2 2   3 3 5 5",
                         "sty:drumFills \"k - - -   s - s s   1 1 2 2   3 3 5 5");
  char path[256];
  snprintf(path, sizeof(path), "/tmp/tandem-test-fills-%d.ttl", (int)getpid());
  write_file(path, text);
  free(text);
  TandemStyle s;
  char err[512];
  ck_assert_msg(tandem_style_load_file(path, &s, err, sizeof(err)), "%s", err);
  ck_assert_uint_eq(s.fill_hits[0][0], kick);
  unlink(path);
  ck_assert_uint_eq(rock->drum_crash_note, 49); /* the default */
  ck_assert_uint_eq(rock->drum_layer_note, 54);
}
END_TEST

START_TEST(test_style_missing_file_fails_naming_it)
{
  TandemStyle out;
  char err[512];
  ck_assert(!tandem_style_load_file("/nonexistent/x.ttl", &out, err, sizeof(err)));
  ck_assert_ptr_nonnull(strstr(err, "/nonexistent/x.ttl"));
}
END_TEST

START_TEST(test_style_user_profile_in_three_four_has_twelve_steps)
{
  char* text = rock_with("sty:beatsPerBar 4 ;", "sty:beatsPerBar 3 ;");
  /* Cut each 16-step string to the 12 steps of 3/4. */
  static const char* const names[] = {
      "sty:kickSteps", "sty:snareSteps", "sty:hatSteps",   "sty:layerSteps",
      "sty:bassSteps", "sty:chordSteps", "sty:melodySteps"};
  for (int k = 0; k < 7; ++k) {
    char* line = strstr(text, names[k]);
    ck_assert_ptr_nonnull(line);
    char* q = strchr(line, '"') + 1;
    int tokens = 0;
    char* p = q;
    while (*p != '"') {
      while (*p == ' ') {
        ++p;
      }
      if (*p == '"') {
        break;
      }
      if (++tokens > 12) {
        memset(p, ' ', (size_t)(strchr(p, '"') - p));
        break;
      }
      while (*p != ' ' && *p != '"') {
        ++p;
      }
    }
  }
  char path[256];
  snprintf(path, sizeof(path), "/tmp/tandem-test-waltz-%d.ttl", (int)getpid());
  write_file(path, text);
  free(text);
  TandemStyle s;
  char err[512];
  ck_assert_msg(tandem_style_load_file(path, &s, err, sizeof(err)), "%s", err);
  ck_assert_uint_eq(s.beats_per_bar, 3);
  ck_assert_uint_eq(s.n_steps, 12);
  unlink(path);
}
END_TEST

START_TEST(test_style_similarity_is_one_for_self_symmetric_and_ranks_kin)
{
  TandemStyleSet* set = load_all();
  for (int a = 1; a <= TANDEM_STYLE_SHIPPED_COUNT; ++a) {
    ck_assert_float_eq_tol(tandem_style_similarity(&set->styles[a], &set->styles[a]),
                           1.0f, 1e-6f);
    for (int b = 1; b <= TANDEM_STYLE_SHIPPED_COUNT; ++b) {
      const float ab = tandem_style_similarity(&set->styles[a], &set->styles[b]);
      const float ba = tandem_style_similarity(&set->styles[b], &set->styles[a]);
      ck_assert_float_eq_tol(ab, ba, 1e-6f);
      ck_assert(ab >= 0.0f && ab <= 1.0f);
      if (a != b) {
        ck_assert(ab < 1.0f);
      }
    }
  }
  const TandemStyle* house = shipped("house");
  const TandemStyle* techno = shipped("techno");
  /* House and techno share the four-on-the-floor kick and tempo; jazz shares neither. */
  ck_assert(tandem_style_similarity(house, techno) >
            tandem_style_similarity(house, shipped("jazz")));
  ck_assert(tandem_style_similarity(house, techno) >
            tandem_style_similarity(house, shipped("reggae")));
  /* Boom-bap is closer to funk (its sample source) than to techno. */
  ck_assert(tandem_style_similarity(shipped("boombap"), shipped("funk")) >
            tandem_style_similarity(shipped("boombap"), techno));
}
END_TEST

static Suite* style_suite(void)
{
  Suite* s = suite_create("style");
  TCase* tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_style_shipped_names_keep_their_port_order);
  tcase_add_test(tc, test_style_all_shipped_profiles_load_complete);
  tcase_add_test(tc, test_style_profiles_carry_each_genres_signature);
  tcase_add_test(tc, test_style_broken_file_fails_with_one_message_and_leaves_output);
  tcase_add_test(tc, test_style_missing_file_fails_naming_it);
  tcase_add_test(tc, test_style_drum_fills_read_letters_rolls_and_keep_a_bar);
  tcase_add_test(tc, test_style_user_profile_in_three_four_has_twelve_steps);
  tcase_add_test(tc, test_style_similarity_is_one_for_self_symmetric_and_ranks_kin);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner* sr = srunner_create(style_suite());
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
