/* Integration test of groove capture through the plugin (lilv, the built
 * bundle): the learn toggle measures the input, save_profile writes the
 * profile to profilePath through the worker (never over a file, nothing when
 * too little was heard), and the file, loaded as styleFile, drives the
 * generator with the swing that was learned.
 *
 * The input is synthesised here: a rock beat at 120 bpm (kick, snare, hats on
 * the eighths with the "and" played late, at 62 % of the beat) under a host
 * transport.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lilv/lilv.h>
#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/midi/midi.h>
#include <lv2/patch/patch.h>
#include <lv2/time/time.h>

#include "lv2_test_host.h"
#include "style.h"

#define PLUGIN_URI       "urn:tandem:plugin"
#define BLOCK            512u
#define RATE             48000.0
#define BEAT_FRAMES      24000 /* 120 bpm */
#define BAR_FRAMES       (4 * BEAT_FRAMES)
#define NOTIFY_CAPACITY  65536u
#define CONTROL_CAPACITY 8192u
#define MAX_NOTES        4096
#define PLAYED_SWING     62.0 /* where the hats' "and" falls, % of the beat */

enum { PORT_IN = 0, PORT_CONTROL = 2, PORT_NOTIFY = 3 };

static LvthWorld* world;

typedef struct {
  LvthHost* host;
  LilvInstance* instance;
  LV2_Atom_Sequence* control;
  LV2_Atom_Sequence* notify;
  float in[BLOCK];
  LV2_Atom_Forge forge;
  LV2_Atom_Forge_Frame frame;
  bool control_open;
  int64_t frame_pos; /* frames since the transport started */
  bool playing;      /* feed the drum input (else silence) */
  int64_t note_frame[MAX_NOTES];
  uint8_t note_pitch[MAX_NOTES];
  int n_notes;
} Rig;

static LV2_URID urid(const char* uri)
{
  return lvth_urid(world, uri);
}

/* ---- the input: a synthesised rock beat ---- */

static uint32_t noise_state = 12345u;

static float noise(void)
{
  noise_state = noise_state * 1664525u + 1013904223u;
  return (float)(noise_state >> 8) / 8388608.0f - 1.0f;
}

/* One stroke's sample n frames after it starts. */
static float stroke(int kind, int64_t n)
{
  const double t = (double)n / RATE;
  if (kind == 0) { /* kick: a falling sine */
    return (float)(0.9 * exp(-t / 0.08) *
                   sin(2.0 * M_PI * (50.0 + 60.0 * exp(-t / 0.03)) * t));
  }
  if (kind == 1) { /* snare: a body and darkened noise */
    static float lp;
    lp += 0.6f * (noise() - lp);
    return (float)(exp(-t / 0.07) * (0.8 * lp + 0.2 * sin(2.0 * M_PI * 220.0 * t)));
  }
  /* hat: differentiated noise, short */
  static float last;
  const float x = noise();
  const float y = x - last;
  last = x;
  return (float)(0.25 * exp(-t / 0.015)) * y;
}

/* The beat's sample at frame f (from the transport's start). */
static float drum_sample(int64_t f)
{
  const int64_t bar_pos = f % BAR_FRAMES;
  float sum = 0.0f;
  /* kick on 1 and 3, snare on 2 and 4 */
  const int64_t kicks[] = {0, 2 * BEAT_FRAMES};
  const int64_t snares[] = {BEAT_FRAMES, 3 * BEAT_FRAMES};
  for (int i = 0; i < 2; ++i) {
    if (bar_pos >= kicks[i] && bar_pos - kicks[i] < 12000) {
      sum += stroke(0, bar_pos - kicks[i]);
    }
    if (bar_pos >= snares[i] && bar_pos - snares[i] < 12000) {
      sum += stroke(1, bar_pos - snares[i]);
    }
  }
  /* hats on 1 and 3 and on each swung "and" (none over the snare, which would
   * mask it) */
  const int64_t beat_pos = f % BEAT_FRAMES;
  const int64_t and_pos = (int64_t)(BEAT_FRAMES * PLAYED_SWING / 100.0);
  if (beat_pos < 4000 && (bar_pos / BEAT_FRAMES) % 2 == 0) {
    sum += stroke(2, beat_pos);
  } else if (beat_pos >= and_pos && beat_pos - and_pos < 4000) {
    sum += stroke(2, beat_pos - and_pos);
  }
  return sum;
}

/* ---- the rig (as in test_state.c) ---- */

static Rig* rig_new(void)
{
  ck_assert_msg(world != NULL, "the plugin was not found; is LV2_PATH set?");
  Rig* rig = calloc(1, sizeof(Rig));
  ck_assert_ptr_nonnull(rig);
  rig->host = lvth_host_new(world, RATE, BLOCK, LVTH_FEATURES_ALL);
  rig->instance = lvth_host_instance(rig->host);
  ck_assert_ptr_nonnull(rig->instance);
  rig->control = calloc(1, CONTROL_CAPACITY);
  rig->notify = calloc(1, NOTIFY_CAPACITY);
  ck_assert(lvth_host_connect_all(rig->host, 4096));
  lilv_instance_connect_port(rig->instance, PORT_IN, rig->in);
  lilv_instance_connect_port(rig->instance, PORT_CONTROL, rig->control);
  lilv_instance_connect_port(rig->instance, PORT_NOTIFY, rig->notify);
  rig->control->atom.type = urid(LV2_ATOM__Sequence);
  rig->control->atom.size = sizeof(LV2_Atom_Sequence_Body);
  lv2_atom_forge_init(&rig->forge, lvth_world_map(world));
  return rig;
}

static void rig_free(Rig* rig)
{
  lilv_instance_deactivate(rig->instance);
  lvth_host_free(rig->host);
  free(rig->control);
  free(rig->notify);
  free(rig);
}

static void set_control(Rig* rig, const char* symbol, float value)
{
  float* v = lvth_host_control(rig->host, symbol);
  ck_assert_msg(v != NULL, "no control port '%s'", symbol);
  *v = value;
}

static void control_begin(Rig* rig)
{
  if (!rig->control_open) {
    lv2_atom_forge_set_buffer(&rig->forge, (uint8_t*)rig->control, CONTROL_CAPACITY);
    ck_assert(lv2_atom_forge_sequence_head(&rig->forge, &rig->frame, 0));
    rig->control_open = true;
  }
}

/* A rolling transport at 120 bpm in 4/4 from frame 0, bar 0. */
static void send_position(Rig* rig)
{
  control_begin(rig);
  ck_assert(lvth_forge_position(world, &rig->forge, RATE, 120.0, 0));
}

static void send_path(Rig* rig, const char* property, const char* path)
{
  control_begin(rig);
  ck_assert(lvth_forge_set_path(world, &rig->forge, property, path));
}

/* One cycle, then the worker, as a host's worker thread between cycles. */
static void cycle(Rig* rig)
{
  if (rig->control_open) {
    lv2_atom_forge_pop(&rig->forge, &rig->frame);
    rig->control_open = false;
  }
  for (uint32_t i = 0; i < BLOCK; ++i) {
    rig->in[i] = rig->playing ? drum_sample(rig->frame_pos + i) : 0.0f;
  }
  rig->notify->atom.type = urid(LV2_ATOM__Chunk);
  rig->notify->atom.size = NOTIFY_CAPACITY;
  lvth_host_cycle(rig->host, BLOCK);
  lvth_host_run_worker(rig->host);
  const LV2_URID midi = urid(LV2_MIDI__MidiEvent);
  LV2_ATOM_SEQUENCE_FOREACH (rig->notify, ev) {
    const uint8_t* msg = (const uint8_t*)LV2_ATOM_BODY_CONST(&ev->body);
    if (ev->body.type == midi && ev->body.size == 3 && (msg[0] & 0xF0) == 0x90 &&
        msg[2] > 0 && rig->n_notes < MAX_NOTES) {
      rig->note_frame[rig->n_notes] = rig->frame_pos + ev->time.frames;
      rig->note_pitch[rig->n_notes] = msg[1];
      ++rig->n_notes;
    }
  }
  rig->frame_pos += BLOCK;
  rig->control->atom.type = urid(LV2_ATOM__Sequence);
  rig->control->atom.size = sizeof(LV2_Atom_Sequence_Body);
}

static void cycles(Rig* rig, int n)
{
  for (int i = 0; i < n; ++i) {
    cycle(rig);
  }
}

static void press(Rig* rig, const char* symbol)
{
  set_control(rig, symbol, 1.0f);
  cycle(rig);
  set_control(rig, symbol, 0.0f);
  cycle(rig);
}

static int bars_to_cycles(int bars)
{
  return (int)((int64_t)bars * BAR_FRAMES / BLOCK) + 1;
}

static bool exists(const char* path)
{
  struct stat st;
  return stat(path, &st) == 0;
}

static char* slurp(const char* path)
{
  FILE* f = fopen(path, "rb");
  ck_assert_msg(f != NULL, "cannot read %s", path);
  static char buf[1 << 16];
  const size_t n = fread(buf, 1, sizeof(buf) - 1, f);
  fclose(f);
  buf[n] = '\0';
  return strdup(buf);
}

START_TEST(test_learn_save_and_play_a_learned_profile_through_the_plugin)
{
  char dir[] = "/tmp/tandem-test-groove-XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(dir));
  char path[300], path2[300], path3[300];
  snprintf(path, sizeof(path), "%s/mine.ttl", dir);
  snprintf(path2, sizeof(path2), "%s/mine-2.ttl", dir);
  snprintf(path3, sizeof(path3), "%s/mine-3.ttl", dir);

  Rig* a = rig_new();
  set_control(a, "role", 0.0f);
  set_control(a, "humanize_ms", 0.0f);
  set_control(a, "velocity_humanize", 0.0f);
  lilv_instance_activate(a->instance);
  send_position(a);
  a->playing = true;
  cycle(a);

  /* save_profile with no path: an error naming the property, no file. */
  lvth_host_clear_log(a->host);
  press(a, "save_profile");
  ck_assert_uint_ge(lvth_host_log(a->host)->error, 1);
  ck_assert_msg(strstr(lvth_host_log(a->host)->last, "profilePath") != NULL, "%s",
                lvth_host_log(a->host)->last);

  /* Learn 12 bars, stop, save twice: two files, the first never replaced. */
  set_control(a, "learn", 1.0f);
  cycles(a, bars_to_cycles(12));
  set_control(a, "learn", 0.0f);
  cycle(a);
  send_path(a, "urn:tandem:plugin#profilePath", path);
  cycle(a);
  lvth_host_clear_log(a->host);
  press(a, "save_profile");
  ck_assert_msg(exists(path), "no profile written; log: %s",
                lvth_host_log(a->host)->last);
  ck_assert_uint_eq(lvth_host_log(a->host)->error, 0);
  char* first = slurp(path);
  press(a, "save_profile");
  ck_assert_msg(exists(path2), "the second save did not pick a new name");
  char* again = slurp(path);
  ck_assert_str_eq(first, again);
  free(first);
  free(again);

  /* What was learned: the beat's placement and its swing. */
  TandemStyle learned;
  char err[512] = "";
  ck_assert_msg(tandem_style_load_file(path, &learned, err, sizeof(err)), "%s", err);
  ck_assert_str_eq(learned.name, "mine");
  ck_assert_uint_eq(learned.swing_grid, 8);
  ck_assert_msg(fabs(learned.swing_pct - PLAYED_SWING) <= 3.0, "learned swing %.1f",
                learned.swing_pct);
  ck_assert_float_ge(learned.drum_steps[0][0], 0.9f);
  /* the analysis hears some backbeats as other drums: most is enough */
  ck_assert_float_ge(learned.drum_steps[1][4], 0.5f);
  ck_assert_float_ge(learned.drum_steps[1][12], 0.5f);
  ck_assert_float_le(learned.drum_steps[1][0], 0.1f);

  /* Learn on again starts afresh: saved at once, it has heard too little. */
  set_control(a, "learn", 1.0f);
  cycle(a);
  lvth_host_clear_log(a->host);
  press(a, "save_profile");
  ck_assert_uint_ge(lvth_host_log(a->host)->error, 1);
  ck_assert_msg(strstr(lvth_host_log(a->host)->last, "too little") != NULL, "%s",
                lvth_host_log(a->host)->last);
  ck_assert(!exists(path3));
  set_control(a, "learn", 0.0f);

  /* The learned file as the style file: the part plays with the learned swing. */
  a->playing = false;
  lvth_host_clear_log(a->host);
  send_path(a, "urn:tandem:plugin#styleFile", path);
  cycles(a, 8);
  ck_assert_uint_eq(lvth_host_log(a->host)->error, 0);
  const int64_t from = (a->frame_pos / BAR_FRAMES + 2) * BAR_FRAMES;
  a->n_notes = 0;
  cycles(a, bars_to_cycles(10));
  double fracs[MAX_NOTES];
  int n_and = 0, n_hits = 0;
  for (int i = 0; i < a->n_notes; ++i) {
    if (a->note_frame[i] < from) {
      continue;
    }
    n_hits++;
    const double frac = (double)(a->note_frame[i] % BEAT_FRAMES) / BEAT_FRAMES;
    if (frac > 0.4 && frac < 0.8) {
      fracs[n_and++] = 100.0 * frac;
    }
  }
  ck_assert_msg(n_hits >= 16, "only %d notes from the learned profile", n_hits);
  ck_assert_msg(n_and >= 4, "only %d notes on the \"and\"s", n_and);
  double mean = 0.0;
  for (int i = 0; i < n_and; ++i) {
    mean += fracs[i] / n_and;
  }
  printf("groove plugin: played swing %.1f, learned %.1f, generated from it %.1f (%d "
         "notes on the \"and\")\n",
         PLAYED_SWING, learned.swing_pct, mean, n_and);
  ck_assert_msg(fabs(mean - learned.swing_pct) <= 3.0,
                "generated swing %.1f against the learned %.1f", mean, learned.swing_pct);
  rig_free(a);
  char cmd[400];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  ck_assert_int_eq(system(cmd), 0);
}
END_TEST

int main(void)
{
  world = lvth_world_new(PLUGIN_URI);
  Suite* s = suite_create("groove_plugin");
  TCase* tc = tcase_create("core");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_learn_save_and_play_a_learned_profile_through_the_plugin);
  suite_add_tcase(s, tc);
  SRunner* sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  lvth_world_free(world);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
