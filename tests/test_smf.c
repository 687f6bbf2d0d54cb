/* Tandem tests — the Standard MIDI File writer (worker/smf.c), read back with
 * the independent strict reader in smf_reader.c. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smf.h"
#include "smf_reader.h"

/* Encodes smf and parses it back; fails the test if either step fails. */
static void encode_and_parse(const TandemSmf* smf, SmfrFile* out)
{
  uint8_t* bytes = NULL;
  size_t size = 0;
  ck_assert_int_eq(tandem_smf_encode(smf, &bytes, &size), TANDEM_SMF_OK);
  char err[256] = "";
  const bool ok = smfr_parse(bytes, size, out, err, sizeof(err));
  free(bytes);
  ck_assert_msg(ok, "reader rejected the file: %s", err);
}

START_TEST(test_smf_header_is_type1_with_track_count_and_ppq)
{
  TandemSmf smf;
  ck_assert_int_eq(tandem_smf_init(&smf, 960, 2), TANDEM_SMF_OK);
  SmfrFile f;
  encode_and_parse(&smf, &f);
  ck_assert_uint_eq(f.format, 1);
  ck_assert_uint_eq(f.n_tracks, 2);
  ck_assert_uint_eq(f.ppq, 960);
  for (uint16_t i = 0; i < f.n_tracks; ++i) {
    ck_assert_uint_eq(f.tracks[i].n_events, 1); /* End of Track only */
    ck_assert(f.tracks[i].events[0].is_meta);
    ck_assert_uint_eq(f.tracks[i].events[0].meta_type, 0x2F);
  }
  smfr_free(&f);
  tandem_smf_free(&smf);
}
END_TEST

START_TEST(test_smf_single_track_file_is_type0)
{
  TandemSmf smf;
  ck_assert_int_eq(tandem_smf_init(&smf, 480, 1), TANDEM_SMF_OK);
  SmfrFile f;
  encode_and_parse(&smf, &f);
  ck_assert_uint_eq(f.format, 0);
  ck_assert_uint_eq(f.ppq, 480);
  smfr_free(&f);
  tandem_smf_free(&smf);
}
END_TEST

START_TEST(test_smf_tempo_event_holds_microseconds_per_quarter)
{
  TandemSmf smf;
  ck_assert_int_eq(tandem_smf_init(&smf, 960, 1), TANDEM_SMF_OK);
  const uint32_t uspq = tandem_smf_us_per_quarter(100.0);
  ck_assert_uint_eq(uspq, 600000);
  ck_assert_int_eq(tandem_smf_tempo(&smf, 0, 0, uspq), TANDEM_SMF_OK);
  SmfrFile f;
  encode_and_parse(&smf, &f);
  const SmfrEvent* tempo = smfr_find_meta(&f.tracks[0], 0x51);
  ck_assert_ptr_nonnull(tempo);
  ck_assert_uint_eq(tempo->size, 3);
  const uint32_t got =
      (uint32_t)tempo->data[0] << 16 | (uint32_t)tempo->data[1] << 8 | tempo->data[2];
  ck_assert_uint_eq(got, 600000);
  smfr_free(&f);
  tandem_smf_free(&smf);
}
END_TEST

START_TEST(test_smf_us_per_quarter_rounds_and_clamps)
{
  ck_assert_uint_eq(tandem_smf_us_per_quarter(120.0), 500000);
  ck_assert_uint_eq(tandem_smf_us_per_quarter(140.0), 428571); /* 428571.43 */
  ck_assert_uint_eq(tandem_smf_us_per_quarter(0.0), 500000);
  ck_assert_uint_eq(tandem_smf_us_per_quarter(-5.0), 500000);
  ck_assert_uint_eq(tandem_smf_us_per_quarter(1.0), 16777215); /* 60 s won't fit */
}
END_TEST

START_TEST(test_smf_time_signature_stores_log2_denominator)
{
  TandemSmf smf;
  ck_assert_int_eq(tandem_smf_init(&smf, 960, 1), TANDEM_SMF_OK);
  ck_assert_int_eq(tandem_smf_time_signature(&smf, 0, 0, 6, 8), TANDEM_SMF_OK);
  ck_assert_int_eq(tandem_smf_time_signature(&smf, 0, 0, 4, 6), TANDEM_SMF_ERR_ARG);
  SmfrFile f;
  encode_and_parse(&smf, &f);
  const SmfrEvent* ts = smfr_find_meta(&f.tracks[0], 0x58);
  ck_assert_ptr_nonnull(ts);
  ck_assert_uint_eq(ts->size, 4);
  ck_assert_uint_eq(ts->data[0], 6);
  ck_assert_uint_eq(ts->data[1], 3);
  smfr_free(&f);
  tandem_smf_free(&smf);
}
END_TEST

START_TEST(test_smf_absolute_ticks_survive_delta_encoding)
{
  /* Deltas on both sides of every variable-length boundary. */
  static const uint64_t ticks[] = {0,     0,       127,     128,       16383,
                                   16384, 2097151, 2097152, 0x0FFFFFFF};
  TandemSmf smf;
  ck_assert_int_eq(tandem_smf_init(&smf, 960, 2), TANDEM_SMF_OK);
  uint64_t abs_tick = 0;
  uint64_t expect[sizeof(ticks) / sizeof(ticks[0])];
  for (size_t i = 0; i < sizeof(ticks) / sizeof(ticks[0]); ++i) {
    abs_tick += ticks[i];
    expect[i] = abs_tick;
    const uint8_t on[3] = {0x91, (uint8_t)(40 + i), 100};
    ck_assert_int_eq(tandem_smf_midi(&smf, 1, abs_tick, on, 3), TANDEM_SMF_OK);
  }
  SmfrFile f;
  encode_and_parse(&smf, &f);
  const SmfrTrack* t = &f.tracks[1];
  ck_assert_uint_eq(t->n_events, sizeof(ticks) / sizeof(ticks[0]) + 1);
  for (size_t i = 0; i < sizeof(ticks) / sizeof(ticks[0]); ++i) {
    ck_assert_uint_eq(t->events[i].tick, expect[i]);
    ck_assert_uint_eq(t->events[i].status, 0x91);
    ck_assert_uint_eq(t->events[i].data[0], 40 + i);
    ck_assert_uint_eq(t->events[i].data[1], 100);
  }
  smfr_free(&f);
  tandem_smf_free(&smf);
}
END_TEST

START_TEST(test_smf_vlq_bytes_match_the_specification)
{
  /* Examples from the SMF 1.0 specification's table of variable-length values. */
  static const struct {
    uint32_t delta;
    uint8_t bytes[4];
    size_t n;
  } cases[] = {{0x00, {0x00}, 1},
               {0x7F, {0x7F}, 1},
               {0x80, {0x81, 0x00}, 2},
               {0x2000, {0xC0, 0x00}, 2},
               {0x3FFF, {0xFF, 0x7F}, 2},
               {0x4000, {0x81, 0x80, 0x00}, 3},
               {0x1FFFFF, {0xFF, 0xFF, 0x7F}, 3},
               {0x200000, {0x81, 0x80, 0x80, 0x00}, 4},
               {0x0FFFFFFF, {0xFF, 0xFF, 0xFF, 0x7F}, 4}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
    TandemSmf smf;
    ck_assert_int_eq(tandem_smf_init(&smf, 960, 1), TANDEM_SMF_OK);
    const uint8_t pc[2] = {0xC0, 5};
    ck_assert_int_eq(tandem_smf_midi(&smf, 0, cases[i].delta, pc, 2), TANDEM_SMF_OK);
    ck_assert_uint_eq(smf.tracks[0].size, cases[i].n + 2);
    ck_assert_mem_eq(smf.tracks[0].data, cases[i].bytes, cases[i].n);
    tandem_smf_free(&smf);
  }
}
END_TEST

START_TEST(test_smf_refuses_delta_too_large_for_a_vlq)
{
  TandemSmf smf;
  ck_assert_int_eq(tandem_smf_init(&smf, 960, 1), TANDEM_SMF_OK);
  const uint8_t pc[2] = {0xC0, 5};
  ck_assert_int_eq(tandem_smf_midi(&smf, 0, 0x10000000ull, pc, 2),
                   TANDEM_SMF_ERR_TOO_BIG);
  ck_assert_uint_eq(smf.tracks[0].size, 0);
  tandem_smf_free(&smf);
}
END_TEST

START_TEST(test_smf_refuses_events_out_of_order)
{
  TandemSmf smf;
  ck_assert_int_eq(tandem_smf_init(&smf, 960, 1), TANDEM_SMF_OK);
  const uint8_t on[3] = {0x90, 60, 100};
  ck_assert_int_eq(tandem_smf_midi(&smf, 0, 100, on, 3), TANDEM_SMF_OK);
  const size_t size = smf.tracks[0].size;
  ck_assert_int_eq(tandem_smf_midi(&smf, 0, 99, on, 3), TANDEM_SMF_ERR_ORDER);
  ck_assert_uint_eq(smf.tracks[0].size, size); /* nothing written */
  ck_assert_int_eq(tandem_smf_midi(&smf, 0, 100, on, 3), TANDEM_SMF_OK);
  tandem_smf_free(&smf);
}
END_TEST

START_TEST(test_smf_refuses_messages_a_file_cannot_hold)
{
  TandemSmf smf;
  ck_assert_int_eq(tandem_smf_init(&smf, 960, 1), TANDEM_SMF_OK);
  const uint8_t reset[1] = {0xFF};
  const uint8_t running[2] = {60, 100};
  const uint8_t short_note[2] = {0x90, 60};
  const uint8_t long_pc[3] = {0xC0, 1, 2};
  const uint8_t high_data[3] = {0x90, 0x80, 100};
  const uint8_t clock[1] = {0xF8};
  const uint8_t open_sysex[3] = {0xF0, 0x7E, 0x01};
  ck_assert_int_eq(tandem_smf_midi(&smf, 0, 0, reset, 1), TANDEM_SMF_ERR_ARG);
  ck_assert_int_eq(tandem_smf_midi(&smf, 0, 0, running, 2), TANDEM_SMF_ERR_ARG);
  ck_assert_int_eq(tandem_smf_midi(&smf, 0, 0, short_note, 2), TANDEM_SMF_ERR_ARG);
  ck_assert_int_eq(tandem_smf_midi(&smf, 0, 0, long_pc, 3), TANDEM_SMF_ERR_ARG);
  ck_assert_int_eq(tandem_smf_midi(&smf, 0, 0, high_data, 3), TANDEM_SMF_ERR_ARG);
  ck_assert_int_eq(tandem_smf_midi(&smf, 0, 0, clock, 1), TANDEM_SMF_ERR_ARG);
  ck_assert_int_eq(tandem_smf_midi(&smf, 0, 0, open_sysex, 3), TANDEM_SMF_ERR_ARG);
  ck_assert_int_eq(tandem_smf_midi(&smf, 2, 0, clock, 1), TANDEM_SMF_ERR_ARG);
  ck_assert_uint_eq(smf.tracks[0].size, 0);
  tandem_smf_free(&smf);
}
END_TEST

START_TEST(test_smf_sysex_is_written_with_its_length)
{
  TandemSmf smf;
  ck_assert_int_eq(tandem_smf_init(&smf, 960, 1), TANDEM_SMF_OK);
  const uint8_t sysex[6] = {0xF0, 0x7E, 0x7F, 0x09, 0x01, 0xF7}; /* GM on */
  ck_assert_int_eq(tandem_smf_midi(&smf, 0, 10, sysex, 6), TANDEM_SMF_OK);
  SmfrFile f;
  encode_and_parse(&smf, &f);
  const SmfrEvent* ev = &f.tracks[0].events[0];
  ck_assert_uint_eq(ev->tick, 10);
  ck_assert_uint_eq(ev->status, 0xF0);
  ck_assert_uint_eq(ev->size, 5);
  ck_assert_mem_eq(ev->data, sysex + 1, 5);
  smfr_free(&f);
  tandem_smf_free(&smf);
}
END_TEST

START_TEST(test_smf_track_name_and_text_read_back)
{
  TandemSmf smf;
  ck_assert_int_eq(tandem_smf_init(&smf, 960, 2), TANDEM_SMF_OK);
  ck_assert_int_eq(tandem_smf_track_name(&smf, 1, 0, "drums"), TANDEM_SMF_OK);
  ck_assert_int_eq(tandem_smf_text(&smf, 0, 0, "nominal tempo"), TANDEM_SMF_OK);
  SmfrFile f;
  encode_and_parse(&smf, &f);
  const SmfrEvent* name = smfr_find_meta(&f.tracks[1], 0x03);
  const SmfrEvent* text = smfr_find_meta(&f.tracks[0], 0x01);
  ck_assert_ptr_nonnull(name);
  ck_assert_ptr_nonnull(text);
  ck_assert_uint_eq(name->size, 5);
  ck_assert_mem_eq(name->data, "drums", 5);
  ck_assert_uint_eq(text->size, 13);
  ck_assert_mem_eq(text->data, "nominal tempo", 13);
  smfr_free(&f);
  tandem_smf_free(&smf);
}
END_TEST

START_TEST(test_smf_frames_convert_to_exact_ticks_on_beats)
{
  /* 100 bpm at 48 kHz: a beat is 28800 frames = 960 ticks. */
  const uint32_t uspq100 = tandem_smf_us_per_quarter(100.0);
  for (int64_t beat = 0; beat < 100000; beat += 997) {
    ck_assert_uint_eq(tandem_smf_frames_to_ticks(beat * 28800, 48000.0, uspq100, 960),
                      (uint64_t)beat * 960);
  }
  /* 120 bpm at 44.1 kHz: a beat is 22050 frames; half a beat 480 ticks. */
  const uint32_t uspq120 = tandem_smf_us_per_quarter(120.0);
  ck_assert_uint_eq(tandem_smf_frames_to_ticks(22050, 44100.0, uspq120, 960), 960);
  ck_assert_uint_eq(tandem_smf_frames_to_ticks(11025, 44100.0, uspq120, 960), 480);
  ck_assert_uint_eq(tandem_smf_frames_to_ticks(-5, 44100.0, uspq120, 960), 0);
}
END_TEST

START_TEST(test_smf_frame_times_come_back_within_half_a_tick_over_hours)
{
  /* A tempo that does not divide evenly, over ten hours of frames. */
  const double rate = 44100.0;
  const uint32_t uspq = tandem_smf_us_per_quarter(137.0);
  const double tick_s = uspq / 1e6 / 960.0;
  for (int64_t frame = 0; frame < (int64_t)(rate * 36000); frame += 1234567) {
    const uint64_t tick = tandem_smf_frames_to_ticks(frame, rate, uspq, 960);
    const double back_s = (double)tick * tick_s;
    const double err_ticks = (back_s - (double)frame / rate) / tick_s;
    ck_assert_msg(err_ticks <= 0.5 + 1e-6 && err_ticks >= -0.5 - 1e-6,
                  "frame %lld came back %.3f ticks off", (long long)frame, err_ticks);
  }
}
END_TEST

START_TEST(test_smf_write_file_reports_a_missing_folder)
{
  TandemSmf smf;
  ck_assert_int_eq(tandem_smf_init(&smf, 960, 1), TANDEM_SMF_OK);
  errno = 0;
  ck_assert_int_eq(tandem_smf_write_file(&smf, "/nonexistent-tandem-dir/x.mid"),
                   TANDEM_SMF_ERR_IO);
  ck_assert_int_eq(errno, ENOENT);
  tandem_smf_free(&smf);
}
END_TEST

START_TEST(test_smf_write_file_writes_what_encode_gives)
{
  TandemSmf smf;
  ck_assert_int_eq(tandem_smf_init(&smf, 960, 2), TANDEM_SMF_OK);
  const uint8_t on[3] = {0x90, 60, 100};
  ck_assert_int_eq(tandem_smf_midi(&smf, 1, 960, on, 3), TANDEM_SMF_OK);
  char path[] = "/tmp/tandem-test-smf-XXXXXX";
  const int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(tandem_smf_write_file(&smf, path), TANDEM_SMF_OK);
  SmfrFile f;
  char err[256] = "";
  const bool ok = smfr_load(path, &f, err, sizeof(err));
  remove(path);
  ck_assert_msg(ok, "%s", err);
  ck_assert_uint_eq(f.tracks[1].events[0].tick, 960);
  smfr_free(&f);
  tandem_smf_free(&smf);
}
END_TEST

START_TEST(test_smf_init_refuses_bad_shapes)
{
  TandemSmf smf;
  ck_assert_int_eq(tandem_smf_init(&smf, 0, 1), TANDEM_SMF_ERR_ARG);
  ck_assert_int_eq(tandem_smf_init(&smf, 0x8000, 1), TANDEM_SMF_ERR_ARG);
  ck_assert_int_eq(tandem_smf_init(&smf, 960, 0), TANDEM_SMF_ERR_ARG);
  ck_assert_int_eq(tandem_smf_init(&smf, 960, TANDEM_SMF_MAX_TRACKS + 1),
                   TANDEM_SMF_ERR_ARG);
}
END_TEST

static Suite* smf_suite(void)
{
  Suite* s = suite_create("smf");
  TCase* tc = tcase_create("writer");
  tcase_add_test(tc, test_smf_header_is_type1_with_track_count_and_ppq);
  tcase_add_test(tc, test_smf_single_track_file_is_type0);
  tcase_add_test(tc, test_smf_tempo_event_holds_microseconds_per_quarter);
  tcase_add_test(tc, test_smf_us_per_quarter_rounds_and_clamps);
  tcase_add_test(tc, test_smf_time_signature_stores_log2_denominator);
  tcase_add_test(tc, test_smf_absolute_ticks_survive_delta_encoding);
  tcase_add_test(tc, test_smf_vlq_bytes_match_the_specification);
  tcase_add_test(tc, test_smf_refuses_delta_too_large_for_a_vlq);
  tcase_add_test(tc, test_smf_refuses_events_out_of_order);
  tcase_add_test(tc, test_smf_refuses_messages_a_file_cannot_hold);
  tcase_add_test(tc, test_smf_sysex_is_written_with_its_length);
  tcase_add_test(tc, test_smf_track_name_and_text_read_back);
  tcase_add_test(tc, test_smf_frames_convert_to_exact_ticks_on_beats);
  tcase_add_test(tc, test_smf_frame_times_come_back_within_half_a_tick_over_hours);
  tcase_add_test(tc, test_smf_write_file_reports_a_missing_folder);
  tcase_add_test(tc, test_smf_write_file_writes_what_encode_gives);
  tcase_add_test(tc, test_smf_init_refuses_bad_shapes);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner* sr = srunner_create(smf_suite());
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
