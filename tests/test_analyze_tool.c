/* Tests for tools/tandem-analyze: runs the built tool on WAV files written here
 * and checks its JSON, its block-size independence and its error lines.
 * The tool's path comes from TANDEM_ANALYZE (set by meson). */
#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define RATE 48000

static char tmpdir[256];

static void make_tmpdir(void)
{
  snprintf(tmpdir, sizeof(tmpdir), "/tmp/tandem-analyze-test-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
  char cmd[300];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
  ck_assert_int_eq(system(cmd), 0);
}

static const char* tool(void)
{
  const char* t = getenv("TANDEM_ANALYZE");
  ck_assert_msg(t && *t, "TANDEM_ANALYZE is not set");
  return t;
}

static char* read_text(const char* path)
{
  FILE* f = fopen(path, "rb");
  ck_assert_ptr_nonnull(f);
  char* buf = calloc(1, 1 << 22);
  size_t n = fread(buf, 1, (1 << 22) - 1, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

/* Runs the tool with args; returns its exit status, stdout and stderr. */
static int run_tool(const char* args, char** out, char** err)
{
  char cmd[1024], out_path[300], err_path[300];
  snprintf(out_path, sizeof(out_path), "%s/stdout", tmpdir);
  snprintf(err_path, sizeof(err_path), "%s/stderr", tmpdir);
  snprintf(cmd, sizeof(cmd), "'%s' %s >'%s' 2>'%s'", tool(), args, out_path, err_path);
  int status = system(cmd);
  ck_assert_int_ne(status, -1);
  *out = read_text(out_path);
  *err = read_text(err_path);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

/* A stereo click track at 120 bpm with a hat between the beats; returns the
 * onset times in seconds. */
static int write_click_track(const char* path, double* times, int max, double* peak)
{
  const long len = (long)(8.0 * RATE);
  float* x = calloc((size_t)len * 2, sizeof(float));
  uint64_t rng = 99;
  int n = 0;
  for (long at = RATE / 2; at < len - RATE / 4 && n < max; at += RATE / 4) {
    const bool beat = n % 2 == 0;
    double w1 = 0.0, w2 = 0.0;
    for (long i = 0; i < RATE / 10 && at + i < len; ++i) {
      rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
      const double w = (double)(rng >> 11) / (double)(1ULL << 52) - 1.0;
      const double t = (double)i / RATE;
      /* hat: the second difference of noise, which keeps only the treble */
      const double v = beat ? sin(2.0 * M_PI * 40.0 * t) * exp(-t / 0.08)
                            : 0.2 * (w - 2.0 * w1 + w2) * exp(-t / 0.01);
      w2 = w1;
      w1 = w;
      x[2 * (at + i)] += (float)(0.7 * v);
      x[2 * (at + i) + 1] += (float)(0.7 * v);
    }
    times[n++] = (double)at / RATE;
  }
  *peak = 0.0;
  for (long i = 0; i < 2 * len; ++i) {
    *peak = fabs(x[i]) > *peak ? fabs(x[i]) : *peak;
  }
  SF_INFO info = {
      .samplerate = RATE, .channels = 2, .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16};
  SNDFILE* f = sf_open(path, SFM_WRITE, &info);
  ck_assert_ptr_nonnull(f);
  ck_assert_int_eq(sf_writef_float(f, x, len), len);
  sf_close(f);
  free(x);
  return n;
}

static json_t* parse(const char* text)
{
  json_error_t error;
  json_t* root = json_loads(text, 0, &error);
  ck_assert_msg(root != NULL, "not JSON: %s", error.text);
  return root;
}

START_TEST(test_analyze_tool_json_has_every_field_and_the_clicks)
{
  make_tmpdir();
  char wav[300], args[400];
  snprintf(wav, sizeof(wav), "%s/clicks.wav", tmpdir);
  double truth[64];
  double written_peak;
  const int n_truth = write_click_track(wav, truth, 64, &written_peak);
  snprintf(args, sizeof(args), "--json '%s'", wav);
  char *out, *err;
  ck_assert_int_eq(run_tool(args, &out, &err), 0);
  json_t* root = parse(out);
  static const char* fields[] = {
      "onsets", "onset_classes", "onset_strengths", "tempo_bpm",  "tempo_confidence",
      "beats",  "key",           "key_confidence",  "chords",     "bands_db",
      "rms_db", "peak_db",       "crest_db",        "duration_s", "sample_rate"};
  for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); ++i) {
    ck_assert_msg(json_object_get(root, fields[i]) != NULL, "no %s", fields[i]);
  }
  ck_assert_int_eq(json_integer_value(json_object_get(root, "sample_rate")), RATE);
  ck_assert_double_eq_tol(json_number_value(json_object_get(root, "duration_s")), 8.0,
                          1e-6);
  json_t* onsets = json_object_get(root, "onsets");
  ck_assert_uint_eq(json_array_size(onsets), (size_t)n_truth);
  ck_assert_uint_eq(json_array_size(json_object_get(root, "onset_classes")),
                    (size_t)n_truth);
  ck_assert_uint_eq(json_array_size(json_object_get(root, "onset_strengths")),
                    (size_t)n_truth);
  for (int i = 0; i < n_truth; ++i) {
    const double t = json_number_value(json_array_get(onsets, (size_t)i));
    ck_assert_msg(fabs(t - truth[i]) <= 0.005, "onset %d at %.4f, truth %.4f", i, t,
                  truth[i]);
    const char* cls = json_string_value(
        json_array_get(json_object_get(root, "onset_classes"), (size_t)i));
    ck_assert_str_eq(cls, i % 2 == 0 ? "kick" : "hat");
  }
  json_t* bands = json_object_get(root, "bands_db");
  ck_assert_uint_eq(json_array_size(bands), 7);
  /* the 40 Hz kicks make the sub band the loudest */
  for (size_t b = 1; b < 7; ++b) {
    ck_assert_double_lt(json_number_value(json_array_get(bands, b)),
                        json_number_value(json_array_get(bands, 0)));
  }
  const double peak = json_number_value(json_object_get(root, "peak_db"));
  const double rms = json_number_value(json_object_get(root, "rms_db"));
  ck_assert_double_eq_tol(peak, 20.0 * log10(written_peak), 0.05); /* 16-bit rounding */
  ck_assert_double_eq_tol(json_number_value(json_object_get(root, "crest_db")),
                          peak - rms, 0.02);
  json_t* beats = json_object_get(root, "beats");
  for (size_t i = 1; i < json_array_size(beats); ++i) {
    ck_assert_double_gt(json_number_value(json_array_get(beats, i)),
                        json_number_value(json_array_get(beats, i - 1)));
  }
  json_t* chords = json_object_get(root, "chords");
  for (size_t i = 0; i < json_array_size(chords); ++i) {
    json_t* c = json_array_get(chords, i);
    ck_assert(json_is_number(json_object_get(c, "time")));
    ck_assert(json_is_string(json_object_get(c, "name")));
  }
  json_decref(root);
  free(out);
  free(err);
  remove_tmpdir();
}
END_TEST

START_TEST(test_analyze_tool_onsets_do_not_depend_on_block_size)
{
  make_tmpdir();
  char wav[300], args[400];
  snprintf(wav, sizeof(wav), "%s/clicks.wav", tmpdir);
  double truth[64];
  double written_peak;
  write_click_track(wav, truth, 64, &written_peak);
  json_t* results[3];
  static const int blocks[] = {64, 512, 4096};
  for (int b = 0; b < 3; ++b) {
    snprintf(args, sizeof(args), "--json --block %d '%s'", blocks[b], wav);
    char *out, *err;
    ck_assert_int_eq(run_tool(args, &out, &err), 0);
    results[b] = parse(out);
    free(out);
    free(err);
  }
  json_t* ref = json_object_get(results[0], "onsets");
  for (int b = 1; b < 3; ++b) {
    json_t* on = json_object_get(results[b], "onsets");
    ck_assert_uint_eq(json_array_size(on), json_array_size(ref));
    for (size_t i = 0; i < json_array_size(ref); ++i) {
      ck_assert_double_eq_tol(json_number_value(json_array_get(on, i)),
                              json_number_value(json_array_get(ref, i)), 1e-6);
    }
  }
  for (int b = 0; b < 3; ++b) {
    json_decref(results[b]);
  }
  remove_tmpdir();
}
END_TEST

static void assert_one_error_line(const char* args)
{
  char *out, *err;
  ck_assert_int_ne(run_tool(args, &out, &err), 0);
  ck_assert_str_eq(out, "");
  ck_assert_msg(strncmp(err, "tandem-analyze: ", 16) == 0, "stderr: %s", err);
  const char* nl = strchr(err, '\n');
  ck_assert_msg(nl && nl[1] == '\0', "not one line: %s", err);
  free(out);
  free(err);
}

START_TEST(test_analyze_tool_errors_are_one_line_and_non_zero)
{
  make_tmpdir();
  char path[300], args[400];
  snprintf(args, sizeof(args), "'%s/missing.wav'", tmpdir);
  assert_one_error_line(args);

  snprintf(path, sizeof(path), "%s/notes.txt", tmpdir);
  FILE* f = fopen(path, "w");
  fputs("this is not audio\n", f);
  fclose(f);
  snprintf(args, sizeof(args), "--json '%s'", path);
  assert_one_error_line(args);

  snprintf(path, sizeof(path), "%s/empty.wav", tmpdir);
  SF_INFO info = {
      .samplerate = RATE, .channels = 1, .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16};
  SNDFILE* s = sf_open(path, SFM_WRITE, &info);
  ck_assert_ptr_nonnull(s);
  sf_close(s);
  snprintf(args, sizeof(args), "'%s'", path);
  assert_one_error_line(args);

  assert_one_error_line("");
  assert_one_error_line("--block 0 x.wav");
  remove_tmpdir();
}
END_TEST

START_TEST(test_analyze_tool_summary_names_the_findings)
{
  make_tmpdir();
  char wav[300], args[400];
  snprintf(wav, sizeof(wav), "%s/clicks.wav", tmpdir);
  double truth[64];
  double written_peak;
  const int n = write_click_track(wav, truth, 64, &written_peak);
  snprintf(args, sizeof(args), "'%s'", wav);
  char *out, *err;
  ck_assert_int_eq(run_tool(args, &out, &err), 0);
  char expect[64];
  snprintf(expect, sizeof(expect), "onsets   %d (kick %d, snare 0, hat %d", n,
           (n + 1) / 2, n / 2);
  ck_assert_msg(strstr(out, expect) != NULL, "summary: %s", out);
  ck_assert_ptr_nonnull(strstr(out, "tempo"));
  ck_assert_ptr_nonnull(strstr(out, "bands"));
  ck_assert_str_eq(err, "");
  free(out);
  free(err);
  remove_tmpdir();
}
END_TEST

static Suite* tool_suite(void)
{
  Suite* s = suite_create("tandem-analyze");
  TCase* tc = tcase_create("tool");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_analyze_tool_json_has_every_field_and_the_clicks);
  tcase_add_test(tc, test_analyze_tool_onsets_do_not_depend_on_block_size);
  tcase_add_test(tc, test_analyze_tool_errors_are_one_line_and_non_zero);
  tcase_add_test(tc, test_analyze_tool_summary_names_the_findings);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner* runner = srunner_create(tool_suite());
  srunner_run_all(runner, CK_NORMAL);
  const int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
