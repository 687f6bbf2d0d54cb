/* Tests for worker/export.c: patterns become MIDI files that a strict reader
 * accepts, with the notes, tempo and meter asked for, and no file is ever
 * overwritten. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export.h"
#include "smf_reader.h"

static char tmp_dir[256];

static void make_tmp_dir(void)
{
  snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/tandem-test-export-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(tmp_dir));
}

static void remove_tmp_dir(void)
{
  char cmd[300];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
  ck_assert_int_eq(system(cmd), 0);
}

static char* path_in_tmp(const char* name)
{
  static char path[512];
  snprintf(path, sizeof(path), "%s/%s", tmp_dir, name);
  return path;
}

static bool file_exists(const char* path)
{
  struct stat st;
  return stat(path, &st) == 0;
}

static TandemPattern* drum_pattern(void)
{
  TandemPattern* p = calloc(1, sizeof(TandemPattern));
  ck_assert_ptr_nonnull(p);
  tandem_pattern_init(p, TANDEM_ROLE_DRUMS, 2, 4, 4);
  for (uint32_t beat = 0; beat < 8; ++beat) {
    const TandemNote n = {.tick = beat * TANDEM_PPQ,
                          .length = TANDEM_PPQ / 4,
                          .kind = TANDEM_PITCH_ABSOLUTE,
                          .pitch = (uint8_t)(beat % 2 ? 38 : 36),
                          .velocity = (uint8_t)(90 + beat)};
    ck_assert(tandem_pattern_add(p, &n));
  }
  return p;
}

static TandemExportSettings settings(void)
{
  TandemExportSettings s;
  memset(&s, 0, sizeof(s));
  s.channel = 10;
  s.bpm = 100.0f;
  return s;
}

START_TEST(test_exported_drum_pattern_reads_back_with_its_notes_tempo_and_meter)
{
  TandemPattern* p = drum_pattern();
  const TandemExportSettings s = settings();
  uint8_t* data = NULL;
  size_t size = 0;
  char err[256] = "";
  ck_assert_msg(tandem_export_encode(p, &s, &data, &size, err, sizeof(err)), "%s", err);
  SmfrFile f;
  ck_assert_msg(smfr_parse(data, size, &f, err, sizeof(err)), "%s", err);
  ck_assert_uint_eq(f.format, 1);
  ck_assert_uint_eq(f.n_tracks, 2);
  ck_assert_uint_eq(f.ppq, TANDEM_PPQ);
  const SmfrEvent* tempo = smfr_find_meta(&f.tracks[0], 0x51);
  ck_assert_ptr_nonnull(tempo);
  ck_assert_uint_eq(tempo->size, 3);
  const uint32_t us =
      (uint32_t)tempo->data[0] << 16 | (uint32_t)tempo->data[1] << 8 | tempo->data[2];
  ck_assert_uint_eq(us, 600000); /* 100 bpm */
  const SmfrEvent* meter = smfr_find_meta(&f.tracks[0], 0x58);
  ck_assert_ptr_nonnull(meter);
  ck_assert_uint_eq(meter->data[0], 4);
  ck_assert_uint_eq(meter->data[1], 2); /* 2^2 = quarter */
  int ons = 0;
  int offs = 0;
  for (size_t i = 0; i < f.tracks[1].n_events; ++i) {
    const SmfrEvent* e = &f.tracks[1].events[i];
    if (e->is_meta) {
      continue;
    }
    ck_assert_uint_eq(e->status & 0x0F, 9); /* channel 10 */
    if ((e->status & 0xF0) == 0x90 && e->data[1] > 0) {
      ck_assert_uint_eq(e->tick, (uint64_t)ons * TANDEM_PPQ);
      ck_assert_uint_eq(e->data[0], ons % 2 ? 38 : 36);
      ck_assert_uint_eq(e->data[1], 90 + ons);
      ++ons;
    } else {
      ++offs;
    }
  }
  ck_assert_int_eq(ons, 8);
  ck_assert_int_eq(offs, 8);
  smfr_free(&f);
  free(data);
  free(p);
}
END_TEST

START_TEST(test_pitched_notes_resolve_against_the_given_key_and_octave)
{
  TandemPattern* p = calloc(1, sizeof(TandemPattern));
  tandem_pattern_init(p, TANDEM_ROLE_BASS, 1, 4, 4);
  const TandemNote root = {
      .tick = 0, .length = 100, .kind = TANDEM_PITCH_CHORD, .degree = 0, .velocity = 100};
  ck_assert(tandem_pattern_add(p, &root));
  TandemExportSettings s = settings();
  s.channel = 2;
  s.harmony.key_root = 2; /* D major, D chord */
  s.harmony.scale = TANDEM_SCALE_MAJOR;
  s.harmony.chord_root = 2;
  s.harmony.chord_quality = TANDEM_CHORD_MAJ;
  uint8_t* data[2] = {NULL, NULL};
  size_t size[2] = {0, 0};
  char err[256] = "";
  ck_assert(tandem_export_encode(p, &s, &data[0], &size[0], err, sizeof(err)));
  s.octave = 1;
  ck_assert(tandem_export_encode(p, &s, &data[1], &size[1], err, sizeof(err)));
  int pitch[2] = {-1, -1};
  for (int k = 0; k < 2; ++k) {
    SmfrFile f;
    ck_assert_msg(smfr_parse(data[k], size[k], &f, err, sizeof(err)), "%s", err);
    for (size_t i = 0; i < f.tracks[1].n_events; ++i) {
      const SmfrEvent* e = &f.tracks[1].events[i];
      if (!e->is_meta && (e->status & 0xF0) == 0x90) {
        ck_assert_uint_eq(e->status & 0x0F, 1);
        pitch[k] = e->data[0];
      }
    }
    smfr_free(&f);
    free(data[k]);
  }
  ck_assert_int_eq(pitch[0] % 12, 2);
  ck_assert_int_eq(pitch[1], pitch[0] + 12);
  free(p);
}
END_TEST

START_TEST(test_export_writes_pattern_and_variations_then_takes_a_new_name)
{
  make_tmp_dir();
  TandemPattern* p = drum_pattern();
  TandemPattern* set = calloc(3, sizeof(TandemPattern));
  for (int i = 0; i < 3; ++i) {
    memcpy(&set[i], p, sizeof(*p));
    set[i].notes[0].velocity = (uint8_t)(50 + i);
  }
  const TandemExportSettings s = settings();
  char first[512] = "";
  char err[512] = "";
  ck_assert_int_eq(tandem_export_write(path_in_tmp("take.mid"), set, 3, &s, first,
                                       sizeof(first), err, sizeof(err)),
                   3);
  ck_assert_str_eq(first, path_in_tmp("take.mid"));
  ck_assert(file_exists(path_in_tmp("take.mid")));
  ck_assert(file_exists(path_in_tmp("take-var1.mid")));
  ck_assert(file_exists(path_in_tmp("take-var2.mid")));

  /* Again: nothing is replaced; the next free stem is used ("take" without .mid
   * names the same files). */
  SmfrFile before;
  ck_assert(smfr_load(path_in_tmp("take.mid"), &before, err, sizeof(err)));
  ck_assert_int_eq(tandem_export_write(path_in_tmp("take"), &set[2], 1, &s, first,
                                       sizeof(first), err, sizeof(err)),
                   1);
  ck_assert_str_eq(first, path_in_tmp("take-2.mid"));
  SmfrFile after;
  ck_assert(smfr_load(path_in_tmp("take.mid"), &after, err, sizeof(err)));
  ck_assert_uint_eq(before.size, after.size);
  ck_assert_int_eq(memcmp(before.bytes, after.bytes, before.size), 0);
  smfr_free(&before);
  smfr_free(&after);

  /* A stem is taken only if all of its files are free. */
  FILE* f = fopen(path_in_tmp("beat-var1.mid"), "w");
  ck_assert_ptr_nonnull(f);
  fclose(f);
  char stem[512];
  ck_assert(tandem_export_choose_stem(path_in_tmp("beat.mid"), 2, stem, sizeof(stem), err,
                                      sizeof(err)));
  ck_assert_str_eq(stem, path_in_tmp("beat-2"));
  ck_assert(tandem_export_choose_stem(path_in_tmp("beat.mid"), 1, stem, sizeof(stem), err,
                                      sizeof(err)));
  ck_assert_str_eq(stem, path_in_tmp("beat"));
  free(set);
  free(p);
  remove_tmp_dir();
}
END_TEST

START_TEST(test_export_reports_a_missing_folder_or_path_and_writes_nothing)
{
  TandemPattern* p = drum_pattern();
  const TandemExportSettings s = settings();
  char first[512] = "";
  char err[512] = "";
  ck_assert_int_eq(tandem_export_write("/nonexistent-tandem-dir/x.mid", p, 1, &s, first,
                                       sizeof(first), err, sizeof(err)),
                   0);
  ck_assert_msg(strstr(err, "/nonexistent-tandem-dir/x.mid") != NULL, "%s", err);
  err[0] = '\0';
  ck_assert_int_eq(
      tandem_export_write("", p, 1, &s, first, sizeof(first), err, sizeof(err)), 0);
  ck_assert_msg(strstr(err, "exportPath") != NULL, "%s", err);
  err[0] = '\0';
  ck_assert_int_eq(
      tandem_export_write(".mid", p, 1, &s, first, sizeof(first), err, sizeof(err)), 0);
  ck_assert(err[0] != '\0');
  /* An invalid pattern is refused. */
  p->magic = 0;
  uint8_t* data = NULL;
  size_t size = 0;
  ck_assert(!tandem_export_encode(p, &s, &data, &size, err, sizeof(err)));
  ck_assert_ptr_null(data);
  free(p);
}
END_TEST

static Suite* export_suite(void)
{
  Suite* s = suite_create("export");
  TCase* tc = tcase_create("core");
  tcase_add_test(tc,
                 test_exported_drum_pattern_reads_back_with_its_notes_tempo_and_meter);
  tcase_add_test(tc, test_pitched_notes_resolve_against_the_given_key_and_octave);
  tcase_add_test(tc, test_export_writes_pattern_and_variations_then_takes_a_new_name);
  tcase_add_test(tc, test_export_reports_a_missing_folder_or_path_and_writes_nothing);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner* sr = srunner_create(export_suite());
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
