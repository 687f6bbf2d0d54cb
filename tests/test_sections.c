/* Tandem — unit tests for section detection (worker/sections.c), and for the
 * track notes that tandem-analyze prints (suite "track_notes": runs the built
 * tool, path in TANDEM_ANALYZE, on WAV files it writes). */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sndfile.h>

#include "barfeatures.h"
#include "sections.h"

/* One bar of a part: loudness, which drums play how often, brightness. */
typedef struct {
  int label;
  int bars;
  float rms_db;
  float kick, snare, hat; /* onsets per beat */
  float centroid_hz;
} Part;

static const Part song[] = {
    {TANDEM_SECTION_INTRO, 4, -30, 0.0f, 0.0f, 2.0f, 6000},
    {TANDEM_SECTION_VERSE, 8, -22, 1.0f, 0.0f, 2.0f, 3000},
    {TANDEM_SECTION_CHORUS, 8, -16, 1.0f, 0.5f, 4.0f, 4500},
    {TANDEM_SECTION_VERSE, 8, -22, 1.0f, 0.0f, 2.0f, 3000},
    {TANDEM_SECTION_CHORUS, 8, -16, 1.0f, 0.5f, 4.0f, 4500},
    {TANDEM_SECTION_BRIDGE, 4, -24, 1.0f, 0.0f, 0.0f, 1500},
    {TANDEM_SECTION_CHORUS, 8, -16, 1.0f, 0.5f, 4.0f, 4500},
    {TANDEM_SECTION_OUTRO, 4, -32, 0.0f, 0.0f, 2.0f, 6000},
};

static uint32_t rng_state = 1;
static float jitter(float amount)
{
  rng_state = rng_state * 1664525u + 1013904223u;
  return amount * ((float)(rng_state >> 8) / (float)(1u << 24) - 0.5f);
}

/* Writes the song's bars (with a little noise) to bars; returns the count and
 * the true first bar of each part in starts. */
static size_t make_song(TandemBarFeatures* bars, size_t max, size_t* starts)
{
  size_t n = 0;
  for (size_t p = 0; p < sizeof(song) / sizeof(song[0]); ++p) {
    starts[p] = n;
    for (int b = 0; b < song[p].bars && n < max; ++b, ++n) {
      TandemBarFeatures* f = &bars[n];
      memset(f, 0, sizeof(*f));
      f->start_s = 2.0 * (double)n;
      f->duration_s = 2.0f;
      f->n_beats = 4;
      f->bpm = 120.0f;
      f->rms_db = song[p].rms_db + jitter(1.0f);
      for (int k = 0; k < TANDEM_N_BANDS; ++k) {
        f->bands_db[k] = f->rms_db - 6.0f - (float)k + jitter(1.0f);
      }
      f->onsets_per_beat[TANDEM_ONSET_KICK] = song[p].kick;
      f->onsets_per_beat[TANDEM_ONSET_SNARE] = song[p].snare;
      f->onsets_per_beat[TANDEM_ONSET_HAT] = song[p].hat;
      f->centroid_hz = song[p].centroid_hz * (1.0f + jitter(0.05f));
      f->crest_db = 14.0f + jitter(0.5f);
    }
  }
  return n;
}

START_TEST(test_sections_find_each_boundary_of_a_verse_chorus_song_within_1_bar)
{
  TandemBarFeatures bars[64];
  size_t starts[8];
  const size_t n = make_song(bars, 64, starts);
  TandemSection out[TANDEM_SECTION_MAX];
  const size_t found = tandem_sections_find(bars, n, out, TANDEM_SECTION_MAX);
  ck_assert_uint_eq(found, 8);
  for (size_t p = 0; p < 8; ++p) {
    const long d = (long)out[p].first_bar - (long)starts[p];
    ck_assert_msg(d >= -1 && d <= 1, "part %zu starts at bar %zu, found %u", p, starts[p],
                  out[p].first_bar);
  }
}
END_TEST

START_TEST(test_sections_name_intro_verse_chorus_bridge_outro)
{
  TandemBarFeatures bars[64];
  size_t starts[8];
  const size_t n = make_song(bars, 64, starts);
  TandemSection out[TANDEM_SECTION_MAX];
  const size_t found = tandem_sections_find(bars, n, out, TANDEM_SECTION_MAX);
  ck_assert_uint_eq(found, 8);
  for (size_t p = 0; p < 8; ++p) {
    ck_assert_msg(out[p].label == song[p].label, "part %zu: %s, want %s", p,
                  tandem_section_label_name(out[p].label),
                  tandem_section_label_name(song[p].label));
    ck_assert_float_gt(out[p].confidence, 0.0f);
  }
  /* repeats share a group: the second verse is the first verse again */
  ck_assert_int_eq(out[1].group, out[3].group);
  ck_assert_int_eq(out[2].group, out[4].group);
  ck_assert_int_ne(out[1].group, out[2].group);
}
END_TEST

START_TEST(test_sections_keep_a_steady_groove_in_one_section)
{
  TandemBarFeatures bars[32];
  for (int i = 0; i < 32; ++i) {
    memset(&bars[i], 0, sizeof(bars[i]));
    bars[i].n_beats = 4;
    bars[i].rms_db = -20.0f + jitter(0.8f);
    bars[i].onsets_per_beat[TANDEM_ONSET_KICK] = 1.0f;
    bars[i].onsets_per_beat[TANDEM_ONSET_HAT] = 2.0f;
    bars[i].centroid_hz = 3000.0f * (1.0f + jitter(0.04f));
    for (int k = 0; k < TANDEM_N_BANDS; ++k) {
      bars[i].bands_db[k] = -26.0f - (float)k + jitter(0.8f);
    }
  }
  TandemSection out[TANDEM_SECTION_MAX];
  ck_assert_uint_eq(tandem_sections_find(bars, 32, out, TANDEM_SECTION_MAX), 1);
  ck_assert_uint_eq(out[0].n_bars, 32);
  ck_assert_uint_eq(tandem_sections_find(bars, 0, out, TANDEM_SECTION_MAX), 0);
}
END_TEST

START_TEST(test_section_tracker_reports_the_section_playing_now)
{
  TandemBarFeatures bars[64];
  size_t starts[8];
  const size_t n = make_song(bars, 64, starts);
  TandemSectionTracker* t = malloc(sizeof(*t));
  tandem_section_tracker_init(t);
  int changes = 0;
  for (size_t i = 0; i < n; ++i) {
    changes += tandem_section_tracker_update(t, &bars[i]);
    /* two bars into the second chorus, the tracker says chorus */
    if (i == starts[4] + 2) {
      ck_assert_str_eq(tandem_section_label_name(t->current.label), "chorus");
    }
  }
  ck_assert_int_ge(changes, 7);
  ck_assert_uint_eq(t->total_bars, n);
  free(t);
}
END_TEST

/* Heard live, each part is named right from its second bar on: the second verse
 * is a verse (a listener who has heard one verse and one chorus, not the whole
 * song), the bridge a bridge, the last quiet part the outro; the name does not
 * change inside a part once it is right. */
START_TEST(test_section_tracker_names_each_part_live_from_its_second_bar)
{
  TandemBarFeatures bars[64];
  size_t starts[9];
  const size_t n = make_song(bars, 64, starts);
  const size_t n_parts = sizeof(song) / sizeof(song[0]);
  starts[n_parts] = n;
  TandemSectionTracker* t = malloc(sizeof(*t));
  tandem_section_tracker_init(t);
  size_t part = 0;
  int label_changes = 0;
  int last_label = -1;
  int known_at_once = 0; /* parts found as soon as their first bar was heard */
  for (size_t i = 0; i < n; ++i) {
    tandem_section_tracker_update(t, &bars[i]);
    while (part + 1 < n_parts && i >= starts[part + 1]) {
      ++part;
    }
    if (t->current.label != last_label) {
      ++label_changes;
      last_label = t->current.label;
    }
    if (i == starts[part] && part > 0 && t->current_first_bar == starts[part]) {
      ++known_at_once;
    }
    if (i >= starts[part] + 1) {
      ck_assert_msg(t->current.label == song[part].label,
                    "bar %zu (part %zu, bar %zu of it): %s, want %s", i, part,
                    i - starts[part] + 1, tandem_section_label_name(t->current.label),
                    tandem_section_label_name(song[part].label));
      ck_assert_uint_eq(t->current_first_bar, starts[part]);
    }
  }
  /* one name per part: the song has 8 parts */
  ck_assert_int_le(label_changes, (int)n_parts);
  /* A change as clear as these is heard in its first bar: all but one. */
  printf("parts found at their first bar: %d of %zu\n", known_at_once, n_parts - 1);
  ck_assert_int_ge(known_at_once, (int)n_parts - 2);
  free(t);
}
END_TEST

/* ---- track notes (tandem-analyze) ---- */

static const char* analyze_tool(void)
{
  const char* tool = getenv("TANDEM_ANALYZE");
  ck_assert_msg(tool != NULL, "TANDEM_ANALYZE is not set");
  return tool;
}

/* Writes 8 s of a 120 bpm click track at 48 kHz; gain, dc and a clipped
 * stretch (from clip_from_s to clip_to_s, 0 for none) as asked. */
static void write_clicks(const char* path, float gain, float dc, double clip_from_s,
                         double clip_to_s)
{
  SF_INFO info = {0};
  info.samplerate = 48000;
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  SNDFILE* f = sf_open(path, SFM_WRITE, &info);
  ck_assert_msg(f != NULL, "cannot write %s", path);
  const int n = 48000 * 8;
  float* x = calloc((size_t)n, sizeof(float));
  for (int i = 0; i < n; ++i) {
    const int beat_pos = i % 24000; /* 0.5 s beats */
    const double env = exp(-beat_pos / 1200.0);
    x[i] = (float)(gain * env * sin(2.0 * M_PI * 180.0 * beat_pos / 48000.0)) + dc;
    const double t = i / 48000.0;
    if (clip_to_s > clip_from_s && t >= clip_from_s && t < clip_to_s && beat_pos < 2000) {
      x[i] = x[i] >= 0 ? 1.0f : -1.0f;
    }
  }
  ck_assert_int_eq(sf_writef_float(f, x, n), n);
  sf_close(f);
  free(x);
}

static json_t* analyze(const char* wav)
{
  char cmd[2048];
  snprintf(cmd, sizeof(cmd), "'%s' --json '%s' 2>/dev/null", analyze_tool(), wav);
  FILE* p = popen(cmd, "r");
  ck_assert(p != NULL);
  json_error_t err;
  json_t* root = json_loadf(p, 0, &err);
  ck_assert_int_eq(pclose(p), 0);
  ck_assert_msg(root != NULL, "tandem-analyze printed no JSON: %s", err.text);
  return root;
}

/* The first note whose text contains word, or NULL. */
static json_t* find_note(json_t* root, const char* word)
{
  json_t* notes = json_object_get(root, "notes");
  ck_assert(json_is_array(notes));
  size_t i;
  json_t* n;
  json_array_foreach(notes, i, n)
  {
    const char* text = json_string_value(json_object_get(n, "text"));
    if (text && strstr(text, word)) {
      return n;
    }
  }
  return NULL;
}

START_TEST(test_notes_name_clipping_with_its_time_range)
{
  char path[] = "/tmp/tandem-notes-XXXXXX.wav";
  const int fd = mkstemps(path, 4);
  ck_assert_int_ge(fd, 0);
  close(fd);
  write_clicks(path, 0.5f, 0.0f, 3.0, 5.0);
  json_t* root = analyze(path);
  unlink(path);
  json_t* note = find_note(root, "clipping");
  ck_assert_msg(note != NULL, "no clipping note");
  const double start = json_number_value(json_object_get(note, "start"));
  const double end = json_number_value(json_object_get(note, "end"));
  ck_assert_msg(start >= 2.9 && start <= 3.1 && end >= 4.4 && end <= 5.1,
                "clipping noted at %.2f-%.2f s, clipped 3-5 s", start, end);
  ck_assert_int_lt(json_integer_value(json_object_get(root, "quality")), 100);
  ck_assert(find_note(root, "DC offset") == NULL);
  json_decref(root);
}
END_TEST

START_TEST(test_notes_name_dc_offset_and_a_too_quiet_track_but_not_a_clean_one)
{
  char path[] = "/tmp/tandem-notes-XXXXXX.wav";
  const int fd = mkstemps(path, 4);
  ck_assert_int_ge(fd, 0);
  close(fd);
  write_clicks(path, 0.4f, 0.05f, 0, 0);
  json_t* root = analyze(path);
  ck_assert_msg(find_note(root, "DC offset") != NULL, "no DC note");
  json_decref(root);

  write_clicks(path, 0.004f, 0.0f, 0, 0);
  root = analyze(path);
  ck_assert_msg(find_note(root, "too quiet") != NULL, "no too-quiet note");
  json_decref(root);

  write_clicks(path, 0.5f, 0.0f, 0, 0);
  root = analyze(path);
  unlink(path);
  ck_assert(find_note(root, "clipping") == NULL);
  ck_assert(find_note(root, "DC offset") == NULL);
  ck_assert(find_note(root, "too quiet") == NULL);
  ck_assert_int_ge(json_integer_value(json_object_get(root, "quality")), 80);
  ck_assert(json_is_array(json_object_get(root, "sections")));
  ck_assert(json_is_string(json_object_get(root, "genre")));
  ck_assert(json_is_array(json_object_get(root, "genre_candidates")));
  json_decref(root);
}
END_TEST

static Suite* sections_suite(void)
{
  Suite* s = suite_create("sections");
  TCase* tc = tcase_create("core");
  tcase_add_test(tc,
                 test_sections_find_each_boundary_of_a_verse_chorus_song_within_1_bar);
  tcase_add_test(tc, test_sections_name_intro_verse_chorus_bridge_outro);
  tcase_add_test(tc, test_sections_keep_a_steady_groove_in_one_section);
  tcase_add_test(tc, test_section_tracker_reports_the_section_playing_now);
  tcase_add_test(tc, test_section_tracker_names_each_part_live_from_its_second_bar);
  suite_add_tcase(s, tc);
  return s;
}

static Suite* notes_suite(void)
{
  Suite* s = suite_create("track_notes");
  TCase* tc = tcase_create("tool");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_notes_name_clipping_with_its_time_range);
  tcase_add_test(tc, test_notes_name_dc_offset_and_a_too_quiet_track_but_not_a_clean_one);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner* sr = srunner_create(sections_suite());
  srunner_add_suite(sr, notes_suite());
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
