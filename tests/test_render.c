/* Tandem tests — tandem-render end to end: it is run as a program on files that
 * tandem-synth writes, and its MIDI files and reports are read back.
 *
 * Two plugins are hosted: the real bundle (found through tandem-render's
 * built-in default path, the build folder) and the render fixture
 * (tests/render_fixture, same URI, found through LV2_PATH), whose output is
 * known exactly: a half-beat note on every beat, pitch 36 + 12*role + seed%12,
 * and a worker round trip per beat that becomes the status "beat N".
 *
 * Environment (set by tests/meson.build): TANDEM_RENDER, TANDEM_SYNTH,
 * TANDEM_FIXTURE_LV2_PATH.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "smf_reader.h"

extern char** environ;

/* 8 bars at 100 bpm, 48 kHz: 19.2 s = 921600 frames = 32 beats. */
#define DEMO_FRAMES 921600
#define DEMO_BEATS  32

static char tmp_dir[] = "/tmp/tandem-test-render-XXXXXX";

static const char* env_or_fail(const char* name)
{
  const char* v = getenv(name);
  ck_assert_msg(v && *v, "%s is not set; run this test through meson", name);
  return v;
}

static char* tmp_path(const char* name)
{
  static char paths[16][512];
  static int next;
  char* p = paths[next++ % 16];
  snprintf(p, sizeof(paths[0]), "%s/%s", tmp_dir, name);
  return p;
}

typedef struct {
  int status; /* exit status, or -1 if it did not exit normally */
  char err[8192];
  int err_lines;
} RunResult;

/* Runs argv with LV2_PATH set to lv2_path (or removed if NULL), capturing
 * stderr. */
static RunResult run_tool(const char* lv2_path, const char* const* argv)
{
  RunResult r = {-1, "", 0};
  char** envp = calloc(1024, sizeof(char*));
  ck_assert_ptr_nonnull(envp);
  size_t n = 0;
  for (char** e = environ; *e && n < 1020; ++e) {
    if (strncmp(*e, "LV2_PATH=", 9) != 0) {
      envp[n++] = *e;
    }
  }
  char lv2_env[1024];
  if (lv2_path) {
    snprintf(lv2_env, sizeof(lv2_env), "LV2_PATH=%s", lv2_path);
    envp[n++] = lv2_env;
  }
  envp[n] = NULL;

  char err_path[600];
  snprintf(err_path, sizeof(err_path), "%s/stderr-%d.txt", tmp_dir, (int)getpid());
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid;
  const int rc = posix_spawn(&pid, argv[0], &fa, NULL, (char* const*)argv, envp);
  posix_spawn_file_actions_destroy(&fa);
  free(envp);
  ck_assert_msg(rc == 0, "cannot start %s: %s", argv[0], strerror(rc));
  int wstatus = 0;
  ck_assert_int_eq(waitpid(pid, &wstatus, 0), pid);
  if (WIFEXITED(wstatus)) {
    r.status = WEXITSTATUS(wstatus);
  }
  FILE* f = fopen(err_path, "r");
  ck_assert_ptr_nonnull(f);
  const size_t got = fread(r.err, 1, sizeof(r.err) - 1, f);
  r.err[got] = '\0';
  fclose(f);
  remove(err_path);
  for (const char* p = r.err; *p; ++p) {
    r.err_lines += *p == '\n';
  }
  return r;
}

/* Runs tandem-render with the given arguments (NULL-terminated). */
static RunResult render(const char* lv2_path, ...)
{
  const char* argv[64];
  int n = 0;
  argv[n++] = env_or_fail("TANDEM_RENDER");
  va_list ap;
  va_start(ap, lv2_path);
  const char* arg;
  while ((arg = va_arg(ap, const char*)) && n < 63) {
    argv[n++] = arg;
  }
  va_end(ap);
  argv[n] = NULL;
  return run_tool(lv2_path, argv);
}

static const char* fixture_path(void)
{
  return env_or_fail("TANDEM_FIXTURE_LV2_PATH");
}

static void synth(const char* name, const char* rate, const char* channels)
{
  const char* argv[] = {env_or_fail("TANDEM_SYNTH"),
                        "--bpm",
                        "100",
                        "--bars",
                        "8",
                        "--rate",
                        rate,
                        "--channels",
                        channels,
                        tmp_path(name),
                        NULL};
  const RunResult r = run_tool(NULL, argv);
  ck_assert_msg(r.status == 0, "tandem-synth %s failed: %s", name, r.err);
}

static void setup_files(void)
{
  /* Each test case calls this once; mkdtemp needs a fresh template each time. */
  strcpy(tmp_dir + sizeof(tmp_dir) - 7, "XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(tmp_dir));
  synth("in.wav", "48000", "1");
  synth("stereo.wav", "48000", "2");
  synth("in.flac", "48000", "1");
  synth("in.aiff", "48000", "1");
  synth("in44.wav", "44100", "1");
  FILE* f = fopen(tmp_path("notaudio.wav"), "w");
  ck_assert_ptr_nonnull(f);
  fputs("this is text, not audio\n", f);
  fclose(f);
}

static void remove_files(void)
{
  char cmd[600];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
  ck_assert_int_eq(system(cmd), 0);
}

static json_t* load_report(const char* path)
{
  json_error_t error;
  json_t* j = json_load_file(path, 0, &error);
  ck_assert_msg(j != NULL, "report %s does not parse: %s (line %d)", path, error.text,
                error.line);
  return j;
}

static json_t* field(json_t* obj, const char* key)
{
  json_t* v = json_object_get(obj, key);
  ck_assert_msg(v != NULL, "report has no '%s'", key);
  return v;
}

static void load_midi(const char* path, SmfrFile* f)
{
  char err[256] = "";
  ck_assert_msg(smfr_load(path, f, err, sizeof(err)), "%s: %s", path, err);
}

static uint32_t tempo_of(const SmfrFile* f)
{
  const SmfrEvent* t = smfr_find_meta(&f->tracks[0], 0x51);
  ck_assert_ptr_nonnull(t);
  ck_assert_uint_eq(t->size, 3);
  ck_assert_uint_eq(t->tick, 0);
  return (uint32_t)t->data[0] << 16 | (uint32_t)t->data[1] << 8 | t->data[2];
}

/* Counts note-ons (velocity > 0) in a track; checks each pitch if want >= 0. */
static int count_notes(const SmfrTrack* t, int want_pitch)
{
  int n = 0;
  for (size_t i = 0; i < t->n_events; ++i) {
    const SmfrEvent* ev = &t->events[i];
    if (!ev->is_meta && (ev->status & 0xF0) == 0x90 && ev->data[1] > 0) {
      if (want_pitch >= 0) {
        ck_assert_int_eq(ev->data[0], want_pitch);
      }
      ++n;
    }
  }
  return n;
}

static void assert_one_error_line(const RunResult* r, int want_status, const char* what)
{
  ck_assert_msg(r->status == want_status, "%s: exit status %d, expected %d; stderr: %s",
                what, r->status, want_status, r->err);
  ck_assert_msg(r->err_lines == 1, "%s: %d lines on stderr, expected 1: %s", what,
                r->err_lines, r->err);
  ck_assert_msg(!strncmp(r->err, "tandem-render: ", 15),
                "%s: the line does not start with 'tandem-render: ': %s", what, r->err);
}

/* ---- The real plugin ---- */

START_TEST(test_render_real_plugin_writes_valid_smf_with_bpm_tempo)
{
  const char* out = tmp_path("real.mid");
  const RunResult r =
      render(NULL, "--bpm", "100", "-q", tmp_path("in.wav"), "-o", out, NULL);
  ck_assert_msg(r.status == 0, "render failed: %s", r.err);
  SmfrFile f;
  load_midi(out, &f);
  ck_assert_uint_eq(f.format, 1);
  ck_assert_uint_eq(f.n_tracks, 2);
  ck_assert_uint_eq(f.ppq, 960);
  ck_assert_uint_eq(tempo_of(&f), 600000); /* 60e6 / 100 */
  const SmfrEvent* ts = smfr_find_meta(&f.tracks[0], 0x58);
  ck_assert_ptr_nonnull(ts);
  ck_assert_uint_eq(ts->data[0], 4);
  ck_assert_uint_eq(ts->data[1], 2);
  ck_assert_ptr_nonnull(smfr_find_meta(&f.tracks[1], 0x03));
  smfr_free(&f);
}
END_TEST

START_TEST(test_render_without_bpm_writes_nominal_120_and_says_so)
{
  const char* out = tmp_path("nominal.mid");
  const char* report = tmp_path("nominal.json");
  const RunResult r =
      render(NULL, "-q", "--report", report, tmp_path("in.wav"), "-o", out, NULL);
  ck_assert_msg(r.status == 0, "render failed: %s", r.err);
  SmfrFile f;
  load_midi(out, &f);
  ck_assert_uint_eq(tempo_of(&f), 500000);
  const SmfrEvent* text = smfr_find_meta(&f.tracks[0], 0x01);
  ck_assert_ptr_nonnull(text);
  ck_assert_ptr_nonnull(memmem(text->data, text->size, "Nominal", 7));
  smfr_free(&f);
  json_t* j = load_report(report);
  ck_assert(json_is_null(field(j, "bpm")));
  ck_assert(json_is_true(field(j, "tempo_nominal")));
  ck_assert(json_is_false(field(j, "transport")));
  json_decref(j);
}
END_TEST

START_TEST(test_render_report_has_every_field)
{
  const char* report = tmp_path("report.json");
  const RunResult r =
      render(NULL, "-q", "--bpm", "100", "--block", "256", "--report", report,
             tmp_path("in.wav"), "-o", tmp_path("report.mid"), NULL);
  ck_assert_msg(r.status == 0, "render failed: %s", r.err);
  json_t* j = load_report(report);
  ck_assert_str_eq(json_string_value(field(j, "input")), tmp_path("in.wav"));
  ck_assert_str_eq(json_string_value(field(j, "plugin")), "urn:tandem:plugin");
  ck_assert_double_eq(json_number_value(field(j, "rate")), 48000.0);
  ck_assert_int_eq(json_integer_value(field(j, "block")), 256);
  ck_assert_double_eq(json_number_value(field(j, "bpm")), 100.0);
  ck_assert_int_eq(json_integer_value(field(j, "input_frames")), DEMO_FRAMES);
  /* The file, then one stop block of 256 frames. */
  ck_assert_int_eq(json_integer_value(field(j, "frames")), DEMO_FRAMES + 256);
  ck_assert_double_eq_tol(json_number_value(field(j, "duration_s")),
                          (DEMO_FRAMES + 256) / 48000.0, 1e-9);
  ck_assert(json_is_object(field(j, "options")));
  ck_assert(json_is_integer(field(j, "midi_events")));
  ck_assert(json_is_integer(field(j, "notes")));
  ck_assert(json_is_object(field(j, "controls")));
  ck_assert(json_is_array(field(j, "status_changes")));
  ck_assert(json_is_array(field(j, "errors")));
  ck_assert(json_is_array(field(j, "warnings")));
  ck_assert_int_eq(json_array_size(field(j, "renders")), 1);
  /* The real plugin announces its status when it starts. */
  ck_assert(json_is_string(field(j, "status")));
  ck_assert_int_ge(json_array_size(field(j, "status_changes")), 1);
  json_decref(j);
}
END_TEST

START_TEST(test_render_set_enabled_reaches_the_real_plugin)
{
  const char* report = tmp_path("enabled.json");
  const RunResult r = render(NULL, "-q", "--set", "enabled=0", "--report", report,
                             tmp_path("in.wav"), "-o", tmp_path("enabled.mid"), NULL);
  ck_assert_msg(r.status == 0, "render failed: %s", r.err);
  json_t* j = load_report(report);
  json_t* inputs = field(field(j, "options"), "control_inputs");
  ck_assert_double_eq(json_number_value(field(inputs, "enabled")), 0.0);
  json_decref(j);
}
END_TEST

START_TEST(test_render_missing_control_gives_one_warning_and_renders)
{
  const RunResult r = render(NULL, "--role", "drums", tmp_path("in.wav"), "-o",
                             tmp_path("warn.mid"), NULL);
  ck_assert_msg(r.status == 0, "render failed: %s", r.err);
  const char* line =
      "tandem-render: the plugin has no 'role' control yet; ignoring --role\n";
  const char* at = strstr(r.err, line);
  if (!at) {
    /* The real plugin has grown a role port: then no warning is right. */
    ck_assert_ptr_null(strstr(r.err, "ignoring --role"));
  } else {
    ck_assert_ptr_null(strstr(at + 1, line)); /* only once */
  }
}
END_TEST

START_TEST(test_render_stereo_flac_and_aiff_inputs_render)
{
  static const struct {
    const char* name;
    int channels;
  } inputs[] = {{"stereo.wav", 2}, {"in.flac", 1}, {"in.aiff", 1}};
  for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); ++i) {
    char out[64];
    char report[64];
    snprintf(out, sizeof(out), "fmt%zu.mid", i);
    snprintf(report, sizeof(report), "fmt%zu.json", i);
    const RunResult r = render(NULL, "-q", "--bpm", "100", "--report", tmp_path(report),
                               tmp_path(inputs[i].name), "-o", tmp_path(out), NULL);
    ck_assert_msg(r.status == 0, "%s failed: %s", inputs[i].name, r.err);
    json_t* j = load_report(tmp_path(report));
    ck_assert_int_eq(json_integer_value(field(j, "input_channels")), inputs[i].channels);
    ck_assert_int_eq(json_integer_value(field(j, "input_frames")), DEMO_FRAMES);
    json_decref(j);
    SmfrFile f;
    load_midi(tmp_path(out), &f);
    smfr_free(&f);
  }
}
END_TEST

START_TEST(test_render_threaded_and_freewheel_modes_both_run_the_real_plugin)
{
  const char* modes[] = {NULL, "--freewheel"};
  for (int i = 0; i < 2; ++i) {
    const char* report = tmp_path(i ? "fw.json" : "th.json");
    const RunResult r = modes[i]
                            ? render(NULL, "-q", modes[i], "--report", report,
                                     tmp_path("in.wav"), "-o", tmp_path("mode.mid"), NULL)
                            : render(NULL, "-q", "--report", report, tmp_path("in.wav"),
                                     "-o", tmp_path("mode.mid"), NULL);
    ck_assert_msg(r.status == 0, "mode %d failed: %s", i, r.err);
    json_t* j = load_report(report);
    json_t* worker = field(json_array_get(field(j, "renders"), 0), "worker");
    ck_assert_str_eq(json_string_value(field(worker, "mode")),
                     i ? "freewheel" : "threaded");
    json_decref(j);
  }
}
END_TEST

/* ---- Errors: one line, non-zero exit ---- */

START_TEST(test_render_errors_give_one_line_and_nonzero_exit)
{
  RunResult r = render(NULL, tmp_path("missing.wav"), "-o", tmp_path("e.mid"), NULL);
  assert_one_error_line(&r, 1, "missing input");
  r = render(NULL, tmp_path("notaudio.wav"), "-o", tmp_path("e.mid"), NULL);
  assert_one_error_line(&r, 1, "not audio");
  r = render(NULL, "--frobnicate", tmp_path("in.wav"), "-o", tmp_path("e.mid"), NULL);
  assert_one_error_line(&r, 2, "unknown option");
  r = render("/nonexistent", tmp_path("in.wav"), "-o", tmp_path("e.mid"), NULL);
  assert_one_error_line(&r, 1, "missing bundle");
  r = render(NULL, "--block", "0", tmp_path("in.wav"), "-o", tmp_path("e.mid"), NULL);
  assert_one_error_line(&r, 2, "--block 0");
  r = render(NULL, "--block", "8193", tmp_path("in.wav"), "-o", tmp_path("e.mid"), NULL);
  assert_one_error_line(&r, 2, "--block 8193");
  r = render(NULL, "--block", "12x", tmp_path("in.wav"), "-o", tmp_path("e.mid"), NULL);
  assert_one_error_line(&r, 2, "--block 12x");
  r = render(NULL, tmp_path("in.wav"), "-o", "/nonexistent-dir/e.mid", NULL);
  assert_one_error_line(&r, 1, "unwritable output");
  r = render(NULL, "--set", "no_such_port=1", tmp_path("in.wav"), "-o", tmp_path("e.mid"),
             NULL);
  assert_one_error_line(&r, 2, "unknown --set symbol");
  r = render(NULL, "--set", "enabled=7", tmp_path("in.wav"), "-o", tmp_path("e.mid"),
             NULL);
  assert_one_error_line(&r, 2, "--set out of range");
  r = render(NULL, "--preset", "no such preset", tmp_path("in.wav"), "-o",
             tmp_path("e.mid"), NULL);
  assert_one_error_line(&r, 2, "unknown preset");
  r = render(NULL, "--bpm", "fast", tmp_path("in.wav"), "-o", tmp_path("e.mid"), NULL);
  assert_one_error_line(&r, 2, "bad --bpm");
  r = render(NULL, "--meter", "4/3", tmp_path("in.wav"), "-o", tmp_path("e.mid"), NULL);
  assert_one_error_line(&r, 2, "bad --meter");
  r = render(NULL, tmp_path("in.wav"), NULL);
  assert_one_error_line(&r, 2, "no output");
  r = render(NULL, "-o", tmp_path("e.mid"), NULL);
  assert_one_error_line(&r, 2, "no input");
  r = render(NULL, tmp_path("in.wav"), "-o", tmp_path("e.mid"), "--report",
             "/nonexistent-dir/r.json", NULL);
  assert_one_error_line(&r, 1, "unwritable report");
}
END_TEST

/* ---- The fixture plugin: exact expectations ---- */

START_TEST(test_render_notes_land_on_exact_beat_ticks)
{
  const char* out = tmp_path("beats.mid");
  const char* report = tmp_path("beats.json");
  const RunResult r = render(fixture_path(), "-q", "--bpm", "100", "--report", report,
                             tmp_path("in.wav"), "-o", out, NULL);
  ck_assert_msg(r.status == 0, "render failed: %s", r.err);
  SmfrFile f;
  load_midi(out, &f);
  const SmfrTrack* t = &f.tracks[1];
  int ons = 0;
  int offs = 0;
  for (size_t i = 0; i < t->n_events; ++i) {
    const SmfrEvent* ev = &t->events[i];
    if (ev->is_meta) {
      continue;
    }
    if ((ev->status & 0xF0) == 0x90) {
      ck_assert_uint_eq(ev->tick, (uint64_t)ons * 960);
      ck_assert_int_eq(ev->data[0], 36);
      ++ons;
    } else if ((ev->status & 0xF0) == 0x80) {
      ck_assert_uint_eq(ev->tick, (uint64_t)offs * 960 + 480);
      ++offs;
    }
  }
  ck_assert_int_eq(ons, DEMO_BEATS);
  ck_assert_int_eq(offs, DEMO_BEATS);
  smfr_free(&f);
  json_t* j = load_report(report);
  ck_assert_int_eq(json_integer_value(field(j, "notes")), DEMO_BEATS);
  ck_assert_int_eq(json_integer_value(field(j, "midi_events")), 2 * DEMO_BEATS);
  json_decref(j);
}
END_TEST

START_TEST(test_render_block_size_does_not_change_the_midi)
{
  const char* blocks[] = {"7", "512", "8192"};
  SmfrFile files[3];
  for (int i = 0; i < 3; ++i) {
    char name[32];
    snprintf(name, sizeof(name), "block%s.mid", blocks[i]);
    const RunResult r =
        render(fixture_path(), "-q", "--freewheel", "--bpm", "100", "--block", blocks[i],
               tmp_path("in.wav"), "-o", tmp_path(name), NULL);
    ck_assert_msg(r.status == 0, "block %s failed: %s", blocks[i], r.err);
    load_midi(tmp_path(name), &files[i]);
  }
  for (int i = 1; i < 3; ++i) {
    const SmfrTrack* a = &files[0].tracks[1];
    const SmfrTrack* b = &files[i].tracks[1];
    /* The last note-off may fall in the stop block, whose end differs. */
    ck_assert_uint_eq(a->n_events, b->n_events);
    for (size_t k = 0; k + 1 < a->n_events; ++k) {
      ck_assert_uint_eq(a->events[k].tick, b->events[k].tick);
      ck_assert_uint_eq(a->events[k].status, b->events[k].status);
    }
  }
  for (int i = 0; i < 3; ++i) {
    smfr_free(&files[i]);
  }
}
END_TEST

START_TEST(test_render_set_enabled_zero_silences_the_fixture)
{
  const char* out = tmp_path("silent.mid");
  const RunResult r = render(fixture_path(), "-q", "--bpm", "100", "--set", "enabled=0",
                             tmp_path("in.wav"), "-o", out, NULL);
  ck_assert_msg(r.status == 0, "render failed: %s", r.err);
  SmfrFile f;
  load_midi(out, &f);
  ck_assert_int_eq(count_notes(&f.tracks[1], -1), 0);
  smfr_free(&f);
}
END_TEST

START_TEST(test_render_role_and_seed_options_reach_their_ports)
{
  const char* out = tmp_path("roleseed.mid");
  /* bass = scale point 1: 36 + 12 + 5 */
  const RunResult r = render(fixture_path(), "-q", "--bpm", "100", "--role", "bass",
                             "--seed", "5", tmp_path("in.wav"), "-o", out, NULL);
  ck_assert_msg(r.status == 0, "render failed: %s", r.err);
  ck_assert_ptr_null(strstr(r.err, "ignoring"));
  SmfrFile f;
  load_midi(out, &f);
  ck_assert_int_eq(count_notes(&f.tracks[1], 53), DEMO_BEATS);
  const SmfrEvent* name = smfr_find_meta(&f.tracks[1], 0x03);
  ck_assert_ptr_nonnull(name);
  ck_assert_uint_eq(name->size, 4);
  ck_assert_mem_eq(name->data, "bass", 4);
  smfr_free(&f);
}
END_TEST

START_TEST(test_render_set_accepts_scale_point_labels_and_unique_parts)
{
  /* "mel" is part of exactly one label, Melody (3): 36 + 36. */
  const char* out = tmp_path("label.mid");
  RunResult r = render(fixture_path(), "-q", "--bpm", "100", "--set", "role=mel",
                       tmp_path("in.wav"), "-o", out, NULL);
  ck_assert_msg(r.status == 0, "render failed: %s", r.err);
  SmfrFile f;
  load_midi(out, &f);
  ck_assert_int_eq(count_notes(&f.tracks[1], 72), DEMO_BEATS);
  smfr_free(&f);
  r = render(fixture_path(), "--set", "role=kazoo", tmp_path("in.wav"), "-o", out, NULL);
  assert_one_error_line(&r, 2, "unknown label");
  ck_assert_ptr_nonnull(strstr(r.err, "Drums, Bass, Chords, Melody"));
}
END_TEST

START_TEST(test_render_variations_write_one_file_per_seed)
{
  const RunResult r =
      render(fixture_path(), "-q", "--bpm", "100", "--seed", "2", "--variations", "3",
             tmp_path("in.wav"), "-o", tmp_path("var.mid"), NULL);
  ck_assert_msg(r.status == 0, "render failed: %s", r.err);
  for (int i = 1; i <= 3; ++i) {
    char name[32];
    snprintf(name, sizeof(name), "var-%d.mid", i);
    SmfrFile f;
    load_midi(tmp_path(name), &f);
    ck_assert_int_eq(count_notes(&f.tracks[1], 36 + 2 + i - 1), DEMO_BEATS);
    smfr_free(&f);
  }
  struct stat st;
  ck_assert_int_ne(stat(tmp_path("var.mid"), &st), 0); /* no un-numbered file */
}
END_TEST

START_TEST(test_render_preset_by_label_or_uri_sets_ports)
{
  const char* ids[] = {"bass SEVEN", "urn:tandem:fixture:preset:bass-seven"};
  for (int i = 0; i < 2; ++i) {
    const char* out = tmp_path(i ? "preset-uri.mid" : "preset-label.mid");
    const RunResult r = render(fixture_path(), "-q", "--bpm", "100", "--preset", ids[i],
                               tmp_path("in.wav"), "-o", out, NULL);
    ck_assert_msg(r.status == 0, "preset %s failed: %s", ids[i], r.err);
    SmfrFile f;
    load_midi(out, &f);
    ck_assert_int_eq(count_notes(&f.tracks[1], 36 + 12 + 7), DEMO_BEATS);
    smfr_free(&f);
  }
  /* --set wins over the preset. */
  const char* out = tmp_path("preset-set.mid");
  const RunResult r =
      render(fixture_path(), "-q", "--bpm", "100", "--preset", "Bass seven", "--set",
             "seed=0", tmp_path("in.wav"), "-o", out, NULL);
  ck_assert_msg(r.status == 0, "render failed: %s", r.err);
  SmfrFile f;
  load_midi(out, &f);
  ck_assert_int_eq(count_notes(&f.tracks[1], 36 + 12), DEMO_BEATS);
  smfr_free(&f);
}
END_TEST

START_TEST(test_render_freewheel_delivers_every_worker_response_in_order)
{
  const char* report = tmp_path("fwfix.json");
  const RunResult r =
      render(fixture_path(), "-q", "--freewheel", "--bpm", "100", "--report", report,
             tmp_path("in.wav"), "-o", tmp_path("fwfix.mid"), NULL);
  ck_assert_msg(r.status == 0, "render failed: %s", r.err);
  json_t* j = load_report(report);
  json_t* worker = field(json_array_get(field(j, "renders"), 0), "worker");
  ck_assert_int_eq(json_integer_value(field(worker, "requests")), DEMO_BEATS);
  ck_assert_int_eq(json_integer_value(field(worker, "responses")), DEMO_BEATS);
  ck_assert_int_eq(json_integer_value(field(worker, "no_space")), 0);
  ck_assert_str_eq(json_string_value(field(j, "status")), "beat 31");
  /* "ready", then beat 0 ... beat 31, each reported one block after its beat. */
  json_t* changes = field(j, "status_changes");
  ck_assert_int_eq(json_array_size(changes), DEMO_BEATS + 1);
  for (int b = 0; b < DEMO_BEATS; ++b) {
    json_t* c = json_array_get(changes, (size_t)b + 1);
    char want[16];
    snprintf(want, sizeof(want), "beat %d", b);
    ck_assert_str_eq(json_string_value(field(c, "text")), want);
    const double t = json_number_value(field(c, "time_s"));
    ck_assert_double_ge(t, b * 0.6);
    ck_assert_double_le(t, b * 0.6 + 512 / 48000.0 + 1e-9);
  }
  json_decref(j);
}
END_TEST

START_TEST(test_render_threaded_worker_handles_every_request)
{
  const char* report = tmp_path("thfix.json");
  const RunResult r = render(fixture_path(), "-q", "--bpm", "100", "--report", report,
                             tmp_path("in.wav"), "-o", tmp_path("thfix.mid"), NULL);
  ck_assert_msg(r.status == 0, "render failed: %s", r.err);
  json_t* j = load_report(report);
  json_t* worker = field(json_array_get(field(j, "renders"), 0), "worker");
  ck_assert_str_eq(json_string_value(field(worker, "mode")), "threaded");
  ck_assert_int_eq(json_integer_value(field(worker, "requests")), DEMO_BEATS);
  /* The worker thread finishes queued requests before it exits. */
  ck_assert_int_eq(json_integer_value(field(worker, "responses")), DEMO_BEATS);
  ck_assert_int_eq(json_integer_value(field(worker, "no_space")), 0);
  ck_assert_int_eq(json_integer_value(field(worker, "failed")), 0);
  json_decref(j);
}
END_TEST

START_TEST(test_render_without_bpm_closes_the_note_still_sounding)
{
  /* No transport: the fixture plays at its own 120 bpm; the note on at 19.0 s
   * would end at 19.25 s, after the 19.2 s file. */
  const char* out = tmp_path("hanging.mid");
  const char* report = tmp_path("hanging.json");
  const RunResult r = render(fixture_path(), "-q", "--report", report, tmp_path("in.wav"),
                             "-o", out, NULL);
  ck_assert_msg(r.status == 0, "render failed: %s", r.err);
  json_t* j = load_report(report);
  json_t* first = json_array_get(field(j, "renders"), 0);
  ck_assert_int_eq(json_integer_value(field(first, "hanging_notes_closed")), 1);
  ck_assert_int_eq(json_integer_value(field(j, "notes")), 39); /* 0 .. 19.0 s */
  json_decref(j);
  SmfrFile f;
  load_midi(out, &f);
  const SmfrTrack* t = &f.tracks[1];
  const SmfrEvent* last = &t->events[t->n_events - 2]; /* before End of Track */
  ck_assert_uint_eq(last->status & 0xF0, 0x80);
  /* 921600 frames at a nominal 120 bpm: 19.2 s = 38.4 beats. */
  ck_assert_uint_eq(last->tick, 36864);
  smfr_free(&f);
}
END_TEST

START_TEST(test_render_prompt_is_sent_as_a_property)
{
  const char* report = tmp_path("prompt.json");
  const RunResult r = render(fixture_path(), "--freewheel", "--bpm", "100", "--prompt",
                             "make it groovier", "--llm-model", "m1", "--report", report,
                             tmp_path("in.wav"), "-o", tmp_path("prompt.mid"), NULL);
  ck_assert_msg(r.status == 0, "render failed: %s", r.err);
  /* The fixture has a prompt property but no model property. */
  ck_assert_ptr_null(strstr(r.err, "ignoring --prompt"));
  ck_assert_ptr_nonnull(
      strstr(r.err, "the plugin has no 'llm-model' property yet; ignoring --llm-model"));
  json_t* j = load_report(report);
  json_t* changes = field(j, "status_changes");
  bool seen = false;
  for (size_t i = 0; i < json_array_size(changes); ++i) {
    const char* text = json_string_value(field(json_array_get(changes, i), "text"));
    seen = seen || !strcmp(text, "prompt: make it groovier");
  }
  ck_assert_msg(seen, "the fixture never reported the prompt");
  json_decref(j);
}
END_TEST

START_TEST(test_render_llm_settings_out_of_range_are_usage_errors)
{
  RunResult r = render(NULL, "--llm-timeout", "0.5", tmp_path("in.wav"), "-o",
                       tmp_path("e.mid"), NULL);
  assert_one_error_line(&r, 2, "--llm-timeout 0.5");
  r = render(NULL, "--llm-temperature", "2.5", tmp_path("in.wav"), "-o",
             tmp_path("e.mid"), NULL);
  assert_one_error_line(&r, 2, "--llm-temperature 2.5");
  r = render(NULL, "--llm-max-tokens", "100", tmp_path("in.wav"), "-o", tmp_path("e.mid"),
             NULL);
  assert_one_error_line(&r, 2, "--llm-max-tokens 100");
  r = render(NULL, "--llm-max-tokens", "300.5", tmp_path("in.wav"), "-o",
             tmp_path("e.mid"), NULL);
  assert_one_error_line(&r, 2, "--llm-max-tokens 300.5");
}
END_TEST

/* Without a model there is nothing to wait for: the render starts at once and
 * the report says it did not wait; the model settings still reach the plugin. */
START_TEST(test_render_prompt_without_model_does_not_wait)
{
  unsetenv("TANDEM_LLM_URL");
  const char* report = tmp_path("nomodel.json");
  const RunResult r =
      render(NULL, "--bpm", "120", "--prompt", "harder", "--llm-timeout", "3",
             "--llm-temperature", "0.5", "--llm-max-tokens", "1024", "--report", report,
             tmp_path("in.wav"), "-o", tmp_path("nomodel.mid"), NULL);
  ck_assert_msg(r.status == 0, "render failed: %s", r.err);
  json_t* j = load_report(report);
  ck_assert(json_is_false(field(j, "prompt_waited_for_reply")));
  json_t* llm = field(j, "llm");
  ck_assert(json_is_false(field(llm, "wait_tried")));
  ck_assert(json_is_false(field(llm, "waited_for_reply")));
  ck_assert_str_eq(json_string_value(field(llm, "status")), "off");
  json_t* sent = field(field(j, "options"), "properties_sent");
  ck_assert_str_eq(json_string_value(field(sent, "llm-timeout")),
                   "urn:tandem:plugin#llmTimeout");
  ck_assert_str_eq(json_string_value(field(sent, "llm-temperature")),
                   "urn:tandem:plugin#llmTemperature");
  ck_assert_str_eq(json_string_value(field(sent, "llm-max-tokens")),
                   "urn:tandem:plugin#llmMaxTokens");
  json_decref(j);
}
END_TEST

START_TEST(test_render_resamples_to_the_requested_rate)
{
  const char* report = tmp_path("resample.json");
  const char* out = tmp_path("resample.mid");
  const RunResult r = render(fixture_path(), "-q", "--bpm", "100", "--rate", "48000",
                             "--report", report, tmp_path("in44.wav"), "-o", out, NULL);
  ck_assert_msg(r.status == 0, "render failed: %s", r.err);
  json_t* j = load_report(report);
  ck_assert(json_is_true(field(j, "resampled")));
  ck_assert_int_eq(json_integer_value(field(j, "input_rate")), 44100);
  ck_assert_double_eq(json_number_value(field(j, "rate")), 48000.0);
  /* The file's 846720 frames become 921600 at 48 kHz, plus a stop block. */
  ck_assert_int_eq(json_integer_value(field(j, "frames")), DEMO_FRAMES + 512);
  /* tandem-synth normalises its peak to 0.8; a good resampler keeps it. */
  json_t* peak = field(field(j, "controls"), "peak");
  ck_assert_double_ge(json_number_value(field(peak, "max")), 0.75);
  ck_assert_double_le(json_number_value(field(peak, "max")), 0.85);
  json_decref(j);
  SmfrFile f;
  load_midi(out, &f);
  ck_assert_int_eq(count_notes(&f.tracks[1], 36), DEMO_BEATS);
  smfr_free(&f);
}
END_TEST

START_TEST(test_render_meter_sets_time_signature_and_quarter_tempo)
{
  const char* out = tmp_path("meter.mid");
  /* 6/8 at 120 eighth-note beats per minute = 60 quarters per minute. */
  const RunResult r = render(fixture_path(), "-q", "--bpm", "120", "--meter", "6/8",
                             tmp_path("in.wav"), "-o", out, NULL);
  ck_assert_msg(r.status == 0, "render failed: %s", r.err);
  SmfrFile f;
  load_midi(out, &f);
  ck_assert_uint_eq(tempo_of(&f), 1000000);
  const SmfrEvent* ts = smfr_find_meta(&f.tracks[0], 0x58);
  ck_assert_ptr_nonnull(ts);
  ck_assert_uint_eq(ts->data[0], 6);
  ck_assert_uint_eq(ts->data[1], 3);
  /* Eighth-note beats every 0.5 s: a note every 480 ticks. */
  const SmfrTrack* t = &f.tracks[1];
  int n = 0;
  for (size_t i = 0; i < t->n_events; ++i) {
    if (!t->events[i].is_meta && (t->events[i].status & 0xF0) == 0x90) {
      ck_assert_uint_eq(t->events[i].tick, (uint64_t)n * 480);
      ++n;
    }
  }
  ck_assert_int_eq(n, 39); /* 19.2 s / 0.5 s, rounded up */
  smfr_free(&f);
}
END_TEST

START_TEST(test_render_variations_past_the_seed_maximum_are_a_usage_error)
{
  const RunResult r = render(fixture_path(), "--seed", "999", "--variations", "3",
                             tmp_path("in.wav"), "-o", tmp_path("toomany.mid"), NULL);
  assert_one_error_line(&r, 2, "seed range");
  struct stat st;
  ck_assert_int_ne(stat(tmp_path("toomany-1.mid"), &st), 0);
}
END_TEST

START_TEST(test_render_tail_adds_silence_after_the_file)
{
  const char* report = tmp_path("tail.json");
  const RunResult r =
      render(fixture_path(), "-q", "--bpm", "100", "--tail", "1.5", "--report", report,
             tmp_path("in.wav"), "-o", tmp_path("tail.mid"), NULL);
  ck_assert_msg(r.status == 0, "render failed: %s", r.err);
  json_t* j = load_report(report);
  /* 1.5 s at 48 kHz, then the stop block. */
  ck_assert_int_eq(json_integer_value(field(j, "frames")), DEMO_FRAMES + 72000 + 512);
  /* The fixture keeps playing through the tail: beats 32 .. 34 (20.4 s). */
  ck_assert_int_eq(json_integer_value(field(j, "notes")), DEMO_BEATS + 3);
  json_decref(j);
}
END_TEST

/* --set learn=1 with --feedback save@BAR writes a learned profile to --profile-path
 * (never over an existing file), and --style-file plays from it. */
START_TEST(test_render_learns_saves_and_plays_a_profile_of_the_input)
{
  char ttl[700];
  snprintf(ttl, sizeof(ttl), "%s", tmp_path("learned.ttl"));
  const char* report = tmp_path("learn.json");
  RunResult r = render(NULL, "--bpm", "100", "--set", "learn=1", "--profile-path", ttl,
                       "--feedback", "save@7", "--report", report, tmp_path("in.wav"),
                       "-o", tmp_path("learn.mid"), NULL);
  ck_assert_msg(r.status == 0, "render failed: %s", r.err);
  FILE* f = fopen(ttl, "r");
  ck_assert_msg(f != NULL, "no profile at %s: %s", ttl, r.err);
  char text[8192];
  const size_t got = fread(text, 1, sizeof(text) - 1, f);
  text[got] = '\0';
  fclose(f);
  ck_assert_msg(strstr(text, "Learned: learned") != NULL, "profile: %.400s", text);

  /* Saving again keeps the first file and writes learned-2.ttl. */
  r = render(NULL, "--bpm", "100", "--set", "learn=1", "--profile-path", ttl, "--feedback",
             "save@7", tmp_path("in.wav"), "-o", tmp_path("learn2.mid"), NULL);
  ck_assert_msg(r.status == 0, "render failed: %s", r.err);
  char second[700];
  snprintf(second, sizeof(second), "%s", tmp_path("learned-2.ttl"));
  ck_assert_msg(access(second, F_OK) == 0, "no %s: %s", second, r.err);

  const char* play_report = tmp_path("play.json");
  r = render(NULL, "--bpm", "100", "--style-file", ttl, "--report", play_report,
             tmp_path("in.wav"), "-o", tmp_path("play.mid"), NULL);
  ck_assert_msg(r.status == 0, "render failed: %s", r.err);
  json_t* j = load_report(play_report);
  json_t* changes = field(j, "status_changes");
  bool playing = false;
  for (size_t i = 0; i < json_array_size(changes); ++i) {
    const char* t = json_string_value(field(json_array_get(changes, i), "text"));
    playing = playing || (t && strstr(t, "playing Learned: learned drums"));
  }
  ck_assert_msg(playing, "the learned profile never played: %s", r.err);
  json_decref(j);
}
END_TEST

static Suite* render_suite(void)
{
  Suite* s = suite_create("render");
  TCase* real = tcase_create("real_plugin");
  tcase_add_unchecked_fixture(real, setup_files, remove_files);
  tcase_set_timeout(real, 240);
  tcase_add_test(real, test_render_real_plugin_writes_valid_smf_with_bpm_tempo);
  tcase_add_test(real, test_render_without_bpm_writes_nominal_120_and_says_so);
  tcase_add_test(real, test_render_report_has_every_field);
  tcase_add_test(real, test_render_set_enabled_reaches_the_real_plugin);
  tcase_add_test(real, test_render_missing_control_gives_one_warning_and_renders);
  tcase_add_test(real, test_render_stereo_flac_and_aiff_inputs_render);
  tcase_add_test(real, test_render_threaded_and_freewheel_modes_both_run_the_real_plugin);
  tcase_add_test(real, test_render_errors_give_one_line_and_nonzero_exit);
  tcase_add_test(real, test_render_llm_settings_out_of_range_are_usage_errors);
  tcase_add_test(real, test_render_prompt_without_model_does_not_wait);
  tcase_add_test(real, test_render_learns_saves_and_plays_a_profile_of_the_input);
  suite_add_tcase(s, real);

  TCase* fix = tcase_create("fixture_plugin");
  tcase_add_unchecked_fixture(fix, setup_files, remove_files);
  tcase_set_timeout(fix, 240);
  tcase_add_test(fix, test_render_notes_land_on_exact_beat_ticks);
  tcase_add_test(fix, test_render_block_size_does_not_change_the_midi);
  tcase_add_test(fix, test_render_set_enabled_zero_silences_the_fixture);
  tcase_add_test(fix, test_render_role_and_seed_options_reach_their_ports);
  tcase_add_test(fix, test_render_set_accepts_scale_point_labels_and_unique_parts);
  tcase_add_test(fix, test_render_variations_write_one_file_per_seed);
  tcase_add_test(fix, test_render_preset_by_label_or_uri_sets_ports);
  tcase_add_test(fix, test_render_freewheel_delivers_every_worker_response_in_order);
  tcase_add_test(fix, test_render_threaded_worker_handles_every_request);
  tcase_add_test(fix, test_render_without_bpm_closes_the_note_still_sounding);
  tcase_add_test(fix, test_render_prompt_is_sent_as_a_property);
  tcase_add_test(fix, test_render_resamples_to_the_requested_rate);
  tcase_add_test(fix, test_render_meter_sets_time_signature_and_quarter_tempo);
  tcase_add_test(fix, test_render_variations_past_the_seed_maximum_are_a_usage_error);
  tcase_add_test(fix, test_render_tail_adds_silence_after_the_file);
  suite_add_tcase(s, fix);
  return s;
}

int main(void)
{
  SRunner* sr = srunner_create(render_suite());
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
