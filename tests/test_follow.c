/* Tandem — follow = 1 locks the part to the kicks the plugin hears.
 *
 * A drummer is synthesised in the test: kick, snare and hats at 100 bpm with
 * human timing (kicks up to 20 ms off the grid, some on off-beats), played
 * through the real plugin from the build folder, with no host transport.  With
 * follow = 1, at least 85% of the input's kicks must get a generated kick
 * (drums) or a bass note-on (bass) within 30 ms.  With follow = 0 the share must
 * be clearly lower, so the test shows that follow is what does it.
 *
 * Threads: the test's own.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lv2/atom/atom.h>
#include <lv2/atom/util.h>
#include <lv2/midi/midi.h>

#include "lv2_test_host.h"

#define RATE          48000.0
#define BLOCK         64
#define BPM           100.0
#define BARS          24
#define NOTIFY_BYTES  65536
#define MAX_KICKS     512
#define MAX_NOTES     8192
#define MATCH_MS      30.0

typedef struct {
  float* audio;
  uint32_t frames;
  double kick_s[MAX_KICKS];
  uint32_t n_kicks;
} Drummer;

static uint32_t lcg(uint32_t* s)
{
  *s = *s * 1664525u + 1013904223u;
  return *s >> 8;
}

static double unit(uint32_t* s)
{
  return (double)lcg(s) / (double)(1u << 24);
}

static void add_kick(float* out, uint32_t frames, uint32_t at)
{
  double phase = 0.0;
  for (uint32_t i = 0; at + i < frames && i < (uint32_t)(0.35 * RATE); ++i) {
    const double t = i / RATE;
    const double freq = 48.0 + 90.0 * exp(-t / 0.03); /* the pitch drop of a kick */
    phase += 2.0 * M_PI * freq / RATE;
    out[at + i] += (float)(0.8 * exp(-t / 0.12) * sin(phase));
  }
}

static void add_noise_hit(float* out, uint32_t frames, uint32_t at, double level,
                          double decay_s, double tone_hz, uint32_t* seed)
{
  double hp_prev_in = 0.0;
  double hp_prev_out = 0.0;
  for (uint32_t i = 0; at + i < frames && i < (uint32_t)(6.0 * decay_s * RATE); ++i) {
    const double t = i / RATE;
    const double n = 2.0 * unit(seed) - 1.0;
    /* A one-pole high-pass keeps hats out of the kick's band. */
    const double hp = 0.95 * (hp_prev_out + n - hp_prev_in);
    hp_prev_in = n;
    hp_prev_out = hp;
    const double body = tone_hz > 0.0 ? 0.5 * sin(2.0 * M_PI * tone_hz * t) : 0.0;
    out[at + i] += (float)(level * exp(-t / decay_s) * (tone_hz > 0.0 ? n + body : hp));
  }
}

/* Kicks on 1, the "and" of 2 in odd bars and 3; snare on 2 and 4; 8th hats. */
static Drummer make_drummer(void)
{
  Drummer d;
  memset(&d, 0, sizeof(d));
  const double beat_s = 60.0 / BPM;
  d.frames = (uint32_t)((BARS * 4 + 2) * beat_s * RATE);
  d.audio = calloc(d.frames, sizeof(float));
  ck_assert_ptr_nonnull(d.audio);
  uint32_t seed = 12345;
  for (int bar = 0; bar < BARS; ++bar) {
    const double bar_s = 0.5 + bar * 4 * beat_s;
    const double kicks[3] = {0.0, (bar % 2) ? 1.5 : 2.0, 2.0};
    for (int k = 0; k < 3; ++k) {
      if (k == 1 && kicks[1] == 2.0) {
        continue;
      }
      const double jitter = (unit(&seed) - 0.5) * 0.040; /* +-20 ms */
      const double t = bar_s + kicks[k] * beat_s + jitter;
      add_kick(d.audio, d.frames, (uint32_t)(t * RATE));
      ck_assert_uint_lt(d.n_kicks, MAX_KICKS);
      d.kick_s[d.n_kicks++] = (double)(uint32_t)(t * RATE) / RATE;
    }
    for (int s = 1; s <= 3; s += 2) {
      const double t = bar_s + s * beat_s + (unit(&seed) - 0.5) * 0.02;
      add_noise_hit(d.audio, d.frames, (uint32_t)(t * RATE), 0.5, 0.05, 190.0, &seed);
    }
    for (int h = 0; h < 8; ++h) {
      const double t = bar_s + h * 0.5 * beat_s + (unit(&seed) - 0.5) * 0.01;
      add_noise_hit(d.audio, d.frames, (uint32_t)(t * RATE), 0.25, 0.012, 0.0, &seed);
    }
  }
  return d;
}

/* Plays the drummer through Tandem; returns the note-on times (s) of `pitch`
 * (or of any pitch when pitch < 0). */
static uint32_t play_through(const Drummer* d, int role, float follow, int pitch,
                             double* times, uint32_t max_times)
{
  LvthWorld* world = lvth_world_new("urn:tandem:plugin");
  ck_assert_ptr_nonnull(world);
  LvthHost* host = lvth_host_new(world, RATE, BLOCK, LVTH_FEATURES_ALL);
  ck_assert_ptr_nonnull(host);
  LilvInstance* instance = lvth_host_instance(host);
  ck_assert_ptr_nonnull(instance);
  ck_assert(lvth_host_connect_all(host, 4096));
  lvth_host_set_worker_inline(host, true);
  *lvth_host_control(host, "role") = (float)role;
  *lvth_host_control(host, "style") = 1.0f; /* rock: a plain groove to follow into */
  *lvth_host_control(host, "follow") = follow;

  float out[BLOCK];
  LV2_Atom_Sequence* notify = aligned_alloc(8, NOTIFY_BYTES);
  ck_assert_ptr_nonnull(notify);
  lilv_instance_connect_port(instance, 1, out);
  lilv_instance_connect_port(instance, 3, notify);
  lilv_instance_activate(instance);

  const LV2_URID midi_event = lvth_urid(world, LV2_MIDI__MidiEvent);
  uint32_t n = 0;
  for (uint32_t at = 0; at + BLOCK <= d->frames; at += BLOCK) {
    lilv_instance_connect_port(instance, 0, d->audio + at);
    notify->atom.type = 0;
    notify->atom.size = NOTIFY_BYTES - sizeof(LV2_Atom);
    lvth_host_cycle(host, BLOCK);
    LV2_ATOM_SEQUENCE_FOREACH (notify, ev) {
      if (ev->body.type != midi_event || ev->body.size != 3) {
        continue;
      }
      const uint8_t* msg = (const uint8_t*)LV2_ATOM_BODY_CONST(&ev->body);
      const bool note_on = (msg[0] & 0xf0) == LV2_MIDI_MSG_NOTE_ON && msg[2] > 0;
      if (note_on && (pitch < 0 || msg[1] == pitch) && n < max_times) {
        times[n++] = (double)(at + (uint32_t)ev->time.frames) / RATE;
      }
    }
  }
  lilv_instance_deactivate(instance);
  free(notify);
  lvth_host_free(host);
  lvth_world_free(world);
  return n;
}

static double matched_share(const Drummer* d, const double* times, uint32_t n,
                            double skip_s)
{
  uint32_t counted = 0;
  uint32_t matched = 0;
  for (uint32_t k = 0; k < d->n_kicks; ++k) {
    if (d->kick_s[k] < skip_s) {
      continue;
    }
    ++counted;
    for (uint32_t i = 0; i < n; ++i) {
      if (fabs(times[i] - d->kick_s[k]) <= MATCH_MS / 1000.0) {
        ++matched;
        break;
      }
    }
  }
  return counted ? (double)matched / counted : 0.0;
}

static double* notes;

/* The first bar is left out: the detector needs a moment of signal to set its
 * thresholds, and the player's first pattern starts at a bar line. */
static const double skip_s = 0.5 + 4.0 * 60.0 / BPM;

/* FOLLOW_DUMP=PREFIX writes the drummer as PREFIX.raw (float32, 48 kHz) and its kick
 * times as PREFIX.txt, to look at them with other tools. */
static void dump(const Drummer* d)
{
  const char* prefix = getenv("FOLLOW_DUMP");
  if (!prefix) {
    return;
  }
  char path[512];
  snprintf(path, sizeof(path), "%s.raw", prefix);
  FILE* f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  fwrite(d->audio, sizeof(float), d->frames, f);
  fclose(f);
  snprintf(path, sizeof(path), "%s.txt", prefix);
  f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  for (uint32_t k = 0; k < d->n_kicks; ++k) {
    fprintf(f, "%.6f\n", d->kick_s[k]);
  }
  fclose(f);
}

START_TEST(test_follow_1_drums_match_85_percent_of_input_kicks_within_30ms)
{
  Drummer d = make_drummer();
  dump(&d);
  const uint32_t n = play_through(&d, 0, 1.0f, 36, notes, MAX_NOTES);
  const double share = matched_share(&d, notes, n, skip_s);
  const uint32_t n0 = play_through(&d, 0, 0.0f, 36, notes, MAX_NOTES);
  const double share0 = matched_share(&d, notes, n0, skip_s);
  printf("follow drums: %u input kicks, %u generated kicks; matched within 30 ms: "
         "%.1f%% at follow 1, %.1f%% at follow 0\n",
         d.n_kicks, n, 100.0 * share, 100.0 * share0);
  ck_assert_msg(share >= 0.85, "only %.1f%% of kicks matched at follow = 1", 100.0 * share);
  ck_assert_msg(share0 < share - 0.2, "follow 0 matched %.1f%%, follow 1 %.1f%%",
                100.0 * share0, 100.0 * share);
  free(d.audio);
}
END_TEST

START_TEST(test_follow_1_bass_attacks_match_85_percent_of_input_kicks_within_30ms)
{
  Drummer d = make_drummer();
  const uint32_t n = play_through(&d, 1, 1.0f, -1, notes, MAX_NOTES);
  const double share = matched_share(&d, notes, n, skip_s);
  printf("follow bass: %u input kicks, %u bass notes; matched within 30 ms: %.1f%%\n",
         d.n_kicks, n, 100.0 * share);
  ck_assert_msg(share >= 0.85, "only %.1f%% of kicks matched at follow = 1", 100.0 * share);
  free(d.audio);
}
END_TEST

int main(void)
{
  notes = calloc(MAX_NOTES, sizeof(double));
  Suite* s = suite_create("follow");
  TCase* tc = tcase_create("follow");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_follow_1_drums_match_85_percent_of_input_kicks_within_30ms);
  tcase_add_test(tc, test_follow_1_bass_attacks_match_85_percent_of_input_kicks_within_30ms);
  suite_add_tcase(s, tc);
  SRunner* sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  free(notes);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
