/* Tandem — player suite: the pattern player locked to a host transport, the
 * detected tempo, or its own clock.
 *
 * A small simulated host drives the player the way the plugin does: it splits each
 * block at transport changes, calls tandem_player_process per segment with the
 * clock position at the segment start, and advances the transport with
 * tandem_transport_advance.  Every event is logged with its absolute frame.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "pattern.h"
#include "player.h"
#include "transport.h"

#define RATE                48000.0
#define MAX_EVENTS_PER_CALL 4096

typedef struct {
  int64_t frame; /* absolute */
  uint8_t status;
  uint8_t pitch;
  uint8_t velocity;
} LoggedEvent;

typedef struct {
  TandemPlayer* player;
  TandemTransport transport;
  TandemHarmony harmony;
  int64_t frame; /* absolute frame of the next block */
  LoggedEvent* log;
  size_t n_log;
  size_t cap_log;
  int sounding[16][128]; /* paired-note tracker */
  uint32_t max_out;
  TandemMidiEvent out[MAX_EVENTS_PER_CALL];
} Sim;

static Sim* sim_new(double bpm, double beats_per_bar, int beat_unit)
{
  Sim* s = calloc(1, sizeof(Sim));
  ck_assert_ptr_nonnull(s);
  s->player = malloc(sizeof(TandemPlayer));
  ck_assert_ptr_nonnull(s->player);
  tandem_player_init(s->player, RATE);
  tandem_transport_init(&s->transport);
  s->transport.has_host = true;
  s->transport.speed = 1.0;
  s->transport.bpm = bpm;
  s->transport.beats_per_bar = beats_per_bar;
  s->transport.beat_unit = beat_unit;
  s->harmony = (TandemHarmony){0, TANDEM_SCALE_MAJOR, 0, TANDEM_CHORD_MAJ};
  s->max_out = MAX_EVENTS_PER_CALL;
  return s;
}

static void sim_free(Sim* s)
{
  free(s->log);
  free(s->player);
  free(s);
}

static bool is_on(const LoggedEvent* e)
{
  return (e->status & 0xF0u) == 0x90u && e->velocity > 0;
}

static bool is_off(const LoggedEvent* e)
{
  return (e->status & 0xF0u) == 0x80u ||
         ((e->status & 0xF0u) == 0x90u && e->velocity == 0);
}

/* Checks one call's output (order, frames, pairing) and logs it. */
static void sim_take(Sim* s, uint32_t n, uint32_t first_frame, uint32_t end_frame)
{
  ck_assert_uint_le(n, s->max_out);
  for (uint32_t i = 0; i < n; ++i) {
    const TandemMidiEvent* ev = &s->out[i];
    ck_assert_uint_eq(ev->size, 3);
    ck_assert_uint_ge(ev->frame, first_frame);
    ck_assert_uint_lt(ev->frame, end_frame);
    if (i > 0) {
      ck_assert_uint_ge(ev->frame, s->out[i - 1].frame);
      if (ev->frame == s->out[i - 1].frame) {
        /* note-offs before note-ons at equal frames */
        ck_assert_msg(
            !((s->out[i - 1].data[0] & 0xF0u) == 0x90u && (ev->data[0] & 0xF0u) == 0x80u),
            "note-off after note-on at frame %u", ev->frame);
      }
    }
    const LoggedEvent e = {s->frame + ev->frame, ev->data[0], ev->data[1], ev->data[2]};
    const int ch = e.status & 0x0F;
    ck_assert_uint_lt(e.pitch, 128);
    if (is_on(&e)) {
      ck_assert_msg(s->sounding[ch][e.pitch] == 0, "note-on %d/%d while it is sounding",
                    ch, e.pitch);
      s->sounding[ch][e.pitch] = 1;
    } else if (is_off(&e)) {
      ck_assert_msg(s->sounding[ch][e.pitch] == 1, "note-off %d/%d without a note-on", ch,
                    e.pitch);
      s->sounding[ch][e.pitch] = 0;
    }
    if (s->n_log == s->cap_log) {
      s->cap_log = s->cap_log ? 2 * s->cap_log : 1024;
      s->log = realloc(s->log, s->cap_log * sizeof(LoggedEvent));
      ck_assert_ptr_nonnull(s->log);
    }
    s->log[s->n_log++] = e;
  }
}

static int sim_sounding(const Sim* s)
{
  int n = 0;
  for (int c = 0; c < 16; ++c) {
    for (int k = 0; k < 128; ++k) {
      n += s->sounding[c][k];
    }
  }
  return n;
}

/* Plays one segment of a block at the transport's position. */
static void sim_segment(Sim* s, uint32_t offset, uint32_t n,
                        const TandemOnsetEvent* onsets, uint32_t n_onsets, float level_db)
{
  TandemClockPos pos;
  tandem_clock_pos_from_transport(&s->transport, &pos);
  const uint32_t got =
      tandem_player_process(s->player, &pos, offset, n, &s->harmony, onsets, n_onsets,
                            level_db, s->out, s->max_out);
  sim_take(s, got, offset, offset + (n ? n : 1));
  tandem_transport_advance(&s->transport, n, RATE);
}

static void sim_block(Sim* s, uint32_t n)
{
  sim_segment(s, 0, n, NULL, 0, -18.0f);
  s->frame += n;
}

static void sim_run(Sim* s, int64_t frames, uint32_t block)
{
  while (frames > 0) {
    const uint32_t n = frames < block ? (uint32_t)frames : block;
    sim_block(s, n);
    frames -= n;
  }
}

static void add_drum(TandemPattern* p, uint32_t tick, uint32_t length, uint8_t pitch,
                     uint8_t velocity)
{
  const TandemNote n = {tick, length, TANDEM_PITCH_ABSOLUTE, pitch, 0, 0, 0, velocity,
                        0,    0};
  ck_assert(tandem_pattern_add(p, &n));
}

static size_t count_ons(const Sim* s, int pitch, int64_t from, int64_t to)
{
  size_t n = 0;
  for (size_t i = 0; i < s->n_log; ++i) {
    const LoggedEvent* e = &s->log[i];
    n +=
        is_on(e) && (pitch < 0 || e->pitch == pitch) && e->frame >= from && e->frame < to;
  }
  return n;
}

static double frames_per_tick(double bpm, int beat_unit)
{
  const double tpb = TANDEM_PPQ * 4.0 / beat_unit;
  return 60.0 * RATE / (bpm * tpb);
}

/* ---- sample accuracy ---- */

START_TEST(test_player_events_within_one_frame_at_40_120_300_bpm_blocks_1_64_8192)
{
  const double bpms[] = {40.0, 120.0, 300.0};
  const uint32_t blocks[] = {1, 64, 8192};
  /* Ticks chosen off any neat grid, plus the grid, in a 2-bar 4/4 pattern. */
  const uint32_t ticks[] = {0,    1,    480,  997,  1920,  2881,  3840, 5000,
                            7679, 7680, 8111, 9600, 11520, 13333, 15359};
  const size_t n_ticks = sizeof(ticks) / sizeof(ticks[0]);
  TandemPattern* pat = malloc(sizeof(TandemPattern));
  tandem_pattern_init(pat, TANDEM_ROLE_DRUMS, 2, 4, 4);
  for (size_t i = 0; i < n_ticks; ++i) {
    add_drum(pat, ticks[i], 211, (uint8_t)(40 + i), 100);
  }
  ck_assert(tandem_pattern_valid(pat));

  double worst_all = 0.0;
  for (size_t b = 0; b < 3; ++b) {
    for (size_t k = 0; k < 3; ++k) {
      Sim* s = sim_new(bpms[b], 4.0, 4);
      ck_assert(tandem_player_queue_pattern(s->player, pat));
      const double fpt = frames_per_tick(bpms[b], 4);
      const double pattern_frames = fpt * 2 * 4 * TANDEM_PPQ;
      const int loops = bpms[b] < 100.0 ? 1 : 3;
      /* and on past the end for the last note-off */
      sim_run(s, (int64_t)(pattern_frames * loops + 300 * fpt), blocks[k]);
      /* Every expected note-on and note-off, exactly once, within a frame. */
      double worst = 0.0;
      size_t ons = 0;
      for (int l = 0; l < loops; ++l) {
        for (size_t i = 0; i < n_ticks; ++i) {
          const double ideal_on = (l * 2 * 4 * TANDEM_PPQ + ticks[i]) * fpt;
          const double ideal_off = ideal_on + 211 * fpt;
          int found_on = 0;
          int found_off = 0;
          for (size_t e = 0; e < s->n_log; ++e) {
            const LoggedEvent* ev = &s->log[e];
            if (ev->pitch != 40 + i) {
              continue;
            }
            const double ideal = is_on(ev) ? ideal_on : ideal_off;
            const double err = fabs((double)ev->frame - ideal);
            if (err < 100.0) {
              worst = err > worst ? err : worst;
              found_on += is_on(ev);
              found_off += is_off(ev);
            }
          }
          ck_assert_int_eq(found_on, 1);
          ck_assert_int_eq(found_off, 1);
          ons++;
        }
      }
      ck_assert_uint_eq(count_ons(s, -1, 0, (int64_t)(pattern_frames * loops)), ons);
      printf("accuracy: %3.0f bpm, block %4u: %zu notes, worst |error| %.3f frames\n",
             bpms[b], blocks[k], ons, worst);
      ck_assert_double_le(worst, 1.0);
      worst_all = worst > worst_all ? worst : worst_all;
      sim_free(s);
    }
  }
  printf("accuracy: worst over all runs %.3f frames\n", worst_all);
  free(pat);
}
END_TEST

START_TEST(test_player_tempo_change_inside_a_block_lands_on_its_frame)
{
  TandemPattern* pat = malloc(sizeof(TandemPattern));
  tandem_pattern_init(pat, TANDEM_ROLE_DRUMS, 1, 4, 4);
  for (uint32_t i = 0; i < 16; ++i) {
    add_drum(pat, i * TANDEM_PPQ / 4, 100, 42, 90);
  }
  Sim* s = sim_new(120.0, 4.0, 4);
  tandem_player_queue_pattern(s->player, pat);
  sim_run(s, 24000 - 512, 512); /* to 0.5 s minus a block = beat 1 minus a bit */
  /* Block of 1024: tempo goes to 90 bpm at frame 300 of it. */
  sim_segment(s, 0, 300, NULL, 0, -18.0f);
  s->transport.bpm = 90.0;
  sim_segment(s, 300, 724, NULL, 0, -18.0f);
  s->frame += 1024;
  sim_run(s, 48000, 512);
  /* Position at the change, in ticks, and the expected 16ths after it. */
  const double change_frame = 24000 - 512 + 300;
  const double tick_at_change = change_frame / frames_per_tick(120.0, 4);
  const double fpt90 = frames_per_tick(90.0, 4);
  size_t checked = 0;
  for (size_t e = 0; e < s->n_log; ++e) {
    const LoggedEvent* ev = &s->log[e];
    if (!is_on(ev) || (double)ev->frame < change_frame) {
      continue;
    }
    const double tick = ceil(tick_at_change / 480.0 + 1e-9) * 480.0 + 480.0 * checked;
    const double ideal = change_frame + (tick - tick_at_change) * fpt90;
    ck_assert_double_le(fabs((double)ev->frame - ideal), 1.0);
    checked++;
  }
  ck_assert_uint_ge(checked, 6);
  sim_free(s);
  free(pat);
}
END_TEST

/* ---- start, stop, jumps ---- */

static TandemPattern* sixteenths_pattern(uint8_t beats_per_bar, uint8_t beat_unit)
{
  TandemPattern* pat = malloc(sizeof(TandemPattern));
  tandem_pattern_init(pat, TANDEM_ROLE_DRUMS, 1, beats_per_bar, beat_unit);
  const uint32_t bar = tandem_pattern_ticks_per_bar(pat);
  for (uint32_t t = 0; t < bar; t += TANDEM_PPQ / 4) {
    add_drum(pat, t, TANDEM_PPQ / 8, t == 0 ? 36 : 42, 100);
  }
  return pat;
}

START_TEST(test_player_start_mid_bar_plays_no_burst)
{
  TandemPattern* pat = sixteenths_pattern(4, 4);
  Sim* s = sim_new(120.0, 4.0, 4);
  tandem_player_queue_pattern(s->player, pat);
  /* Stopped for a while, then start at bar 3, beat 2.6 (between 16ths). */
  s->transport.speed = 0.0;
  sim_run(s, 4096, 256);
  ck_assert_uint_eq(s->n_log, 0);
  s->transport.bar = 3;
  s->transport.bar_beat = 2.6;
  s->transport.speed = 1.0;
  const int64_t start = s->frame;
  sim_run(s, 48000, 256);
  /* First note is the next 16th after beat 2.6 (2.75), 0.15 beat later = 3600 frames;
   * nothing at the start frame. */
  ck_assert_uint_eq(count_ons(s, -1, start, start + 3599), 0);
  ck_assert_uint_eq(count_ons(s, -1, start + 3599, start + 3602), 1);
  /* One second at 120 bpm holds 8 16ths: 0.15 beat + 2 beats = 8 steps + ... */
  const size_t ons = count_ons(s, -1, start, start + 48000);
  ck_assert_uint_le(ons, 8);
  ck_assert_uint_ge(ons, 7);
  sim_free(s);
  free(pat);
}
END_TEST

START_TEST(test_player_stop_ends_every_note_at_once)
{
  TandemPattern* pat = malloc(sizeof(TandemPattern));
  tandem_pattern_init(pat, TANDEM_ROLE_DRUMS, 1, 4, 4);
  add_drum(pat, 0, 4 * TANDEM_PPQ - 1, 49, 100); /* a long crash */
  add_drum(pat, 0, 2 * TANDEM_PPQ, 36, 100);
  Sim* s = sim_new(120.0, 4.0, 4);
  tandem_player_queue_pattern(s->player, pat);
  sim_run(s, 10000, 512);
  ck_assert_int_eq(sim_sounding(s), 2);
  ck_assert_uint_eq(tandem_player_sounding(s->player), 2);
  s->transport.speed = 0.0;
  const int64_t stop = s->frame;
  sim_block(s, 512);
  ck_assert_int_eq(sim_sounding(s), 0);
  for (size_t e = 0; e < s->n_log; ++e) {
    if (is_off(&s->log[e])) {
      ck_assert_int_eq(s->log[e].frame, stop);
    }
  }
  sim_free(s);
  free(pat);
}
END_TEST

START_TEST(test_player_reverse_and_speed_zero_are_silent_and_half_speed_is_half_rate)
{
  TandemPattern* pat = sixteenths_pattern(4, 4);
  Sim* s = sim_new(120.0, 4.0, 4);
  tandem_player_queue_pattern(s->player, pat);
  sim_run(s, 48000, 256);
  const size_t normal = count_ons(s, -1, 0, 48000);
  s->transport.speed = -1.0;
  sim_run(s, 48000, 256);
  ck_assert_uint_eq(count_ons(s, -1, 48000, 96000), 0);
  ck_assert_int_eq(sim_sounding(s), 0);
  s->transport.speed = 0.5;
  s->transport.bar = 0;
  s->transport.bar_beat = 0.0;
  sim_run(s, 96000, 256);
  const size_t half = count_ons(s, -1, 96000, 192000);
  ck_assert_uint_eq(normal, 8);
  ck_assert_uint_eq(half, 8); /* same notes over twice the time */
  /* second 16th at half speed: 0.25 beat at 60 effective bpm = 12000 frames */
  ck_assert_uint_eq(count_ons(s, -1, 96000 + 11999, 96000 + 12001), 1);
  sim_free(s);
  free(pat);
}
END_TEST

START_TEST(test_player_loop_jump_restarts_pattern_without_hanging_notes)
{
  TandemPattern* pat = malloc(sizeof(TandemPattern));
  tandem_pattern_init(pat, TANDEM_ROLE_DRUMS, 2, 4, 4);
  add_drum(pat, 0, 8 * TANDEM_PPQ - 1, 49, 100); /* sounds across the loop point */
  add_drum(pat, 4 * TANDEM_PPQ, 100, 38, 100);   /* bar 2 only */
  Sim* s = sim_new(120.0, 4.0, 4);
  tandem_player_queue_pattern(s->player, pat);
  /* Loop of 1.5 bars: at bar 1 beat 2 the host goes back to bar 0 beat 0. */
  for (int lap = 0; lap < 4; ++lap) {
    s->transport.bar = 0;
    s->transport.bar_beat = 0.0;
    sim_run(s, 144000, 1000);
  }
  ck_assert_uint_eq(count_ons(s, 49, 0, INT64_MAX), 4);
  ck_assert_uint_eq(count_ons(s, 38, 0, INT64_MAX), 4);
  ck_assert_int_eq(sim_sounding(s), 1);
  for (size_t e = 0; e < s->n_log; ++e) {
    /* each crash ends exactly at the loop point */
    if (is_off(&s->log[e]) && s->log[e].pitch == 49) {
      ck_assert_int_eq(s->log[e].frame % 144000, 0);
    }
  }
  sim_free(s);
  free(pat);
}
END_TEST

/* ---- meters and swing ---- */

START_TEST(test_player_places_bar_lines_right_in_3_4_5_4_6_8_7_8)
{
  const struct {
    uint8_t bpb;
    uint8_t unit;
    double bpm;
  } meters[] = {{3, 4, 120.0}, {5, 4, 100.0}, {6, 8, 180.0}, {7, 8, 210.0}};
  for (size_t m = 0; m < 4; ++m) {
    TandemPattern* pat = malloc(sizeof(TandemPattern));
    tandem_pattern_init(pat, TANDEM_ROLE_DRUMS, 1, meters[m].bpb, meters[m].unit);
    const uint32_t tpb = tandem_pattern_ticks_per_beat(pat);
    for (uint32_t b = 0; b < meters[m].bpb; ++b) {
      add_drum(pat, b * tpb, 100, b == 0 ? 36 : 42, 100);
    }
    Sim* s = sim_new(meters[m].bpm, meters[m].bpb, meters[m].unit);
    tandem_player_queue_pattern(s->player, pat);
    const double beat_frames = 60.0 * RATE / meters[m].bpm;
    const double bar_frames = beat_frames * meters[m].bpb;
    sim_run(s, (int64_t)(bar_frames * 6), 333);
    size_t kicks = 0;
    size_t hats = 0;
    for (size_t e = 0; e < s->n_log; ++e) {
      const LoggedEvent* ev = &s->log[e];
      if (!is_on(ev)) {
        continue;
      }
      const double beats = (double)ev->frame / beat_frames;
      const double nearest = floor(beats + 0.5);
      ck_assert_double_le(fabs((double)ev->frame - nearest * beat_frames), 1.0);
      const bool downbeat = (long)nearest % meters[m].bpb == 0;
      ck_assert_int_eq(ev->pitch, downbeat ? 36 : 42);
      kicks += ev->pitch == 36;
      hats += ev->pitch == 42;
    }
    printf("meter %u/%u at %.0f bpm: %zu bar lines, %zu other beats, bar %.1f frames\n",
           meters[m].bpb, meters[m].unit, meters[m].bpm, kicks, hats, bar_frames);
    ck_assert_uint_eq(kicks, 6);
    ck_assert_uint_eq(hats, 6 * (meters[m].bpb - 1u));
    sim_free(s);
    free(pat);
  }
}
END_TEST

START_TEST(test_player_meter_change_at_bar_line_keeps_bar_lines)
{
  TandemPattern* pat = sixteenths_pattern(4, 4);
  Sim* s = sim_new(120.0, 4.0, 4);
  tandem_player_queue_pattern(s->player, pat);
  sim_run(s, 96000, 500); /* 2 bars of 4/4 */
  /* The host switches to 3/4 on the bar line; the pattern's 4th beat is skipped. */
  s->transport.beats_per_bar = 3.0;
  const int64_t t0 = s->frame;
  sim_run(s, 144000, 500); /* 2 bars of 3/4 */
  ck_assert_uint_eq(count_ons(s, 36, t0, t0 + 144000), 2);
  ck_assert_uint_eq(count_ons(s, 36, t0 + 72000, t0 + 72001), 1);
  ck_assert_uint_eq(count_ons(s, 42, t0, t0 + 144000), 2 * 11);
  sim_free(s);
  free(pat);
}
END_TEST

/* Swing measured from the output with an override (0: none) and the pattern's own
 * swing setting. */
static double measured_swing(float override_pct, float pattern_pct, double bpm)
{
  TandemPattern* pat = malloc(sizeof(TandemPattern));
  tandem_pattern_init(pat, TANDEM_ROLE_DRUMS, 1, 4, 4);
  pat->swing_pct = pattern_pct;
  pat->swing_grid_ticks = TANDEM_PPQ / 4;
  for (uint32_t t = 0; t < 4 * TANDEM_PPQ; t += TANDEM_PPQ / 4) {
    add_drum(pat, t, 60, 42, 100);
  }
  Sim* s = sim_new(bpm, 4.0, 4);
  TandemPlayerParams params;
  tandem_player_params_default(&params);
  params.swing_pct = override_pct;
  tandem_player_set_params(s->player, &params);
  tandem_player_queue_pattern(s->player, pat);
  sim_run(s, (int64_t)(4 * 4 * 60.0 * RATE / bpm), 128);
  /* Share of each pair of 16ths taken by its first step, from the output. */
  int64_t on[256];
  size_t n = 0;
  for (size_t e = 0; e < s->n_log && n < 256; ++e) {
    if (is_on(&s->log[e])) {
      on[n++] = s->log[e].frame;
    }
  }
  double sum = 0.0;
  size_t pairs = 0;
  for (size_t i = 0; i + 2 < n; i += 2) {
    sum += 100.0 * (double)(on[i + 1] - on[i]) / (double)(on[i + 2] - on[i]);
    pairs++;
  }
  ck_assert_uint_ge(pairs, 20);
  sim_free(s);
  free(pat);
  return sum / pairs;
}

START_TEST(test_player_swing_measured_from_output_within_one_point)
{
  const float settings[] = {50.0f, 54.0f, 58.0f, 62.0f, 66.7f, 70.0f, 75.0f};
  for (size_t i = 0; i < 7; ++i) {
    const double got = measured_swing(settings[i], 0.0f, 96.0);
    const double own = measured_swing(0.0f, settings[i], 143.0);
    printf("swing: set %.1f%%, measured %.2f%% (override), %.2f%% (pattern's own)\n",
           settings[i], got, own);
    ck_assert_double_le(fabs(got - settings[i]), 1.0);
    ck_assert_double_le(fabs(own - settings[i]), 1.0);
  }
  /* The override wins over the pattern's swing. */
  ck_assert_double_le(fabs(measured_swing(70.0f, 58.0f, 120.0) - 70.0), 1.0);
}
END_TEST

/* ---- patterns and parameters change at bar lines ---- */

START_TEST(test_player_new_pattern_takes_over_at_next_bar_line)
{
  TandemPattern* a = sixteenths_pattern(4, 4);
  TandemPattern* b = malloc(sizeof(TandemPattern));
  tandem_pattern_init(b, TANDEM_ROLE_DRUMS, 1, 4, 4);
  add_drum(b, 0, 4 * TANDEM_PPQ, 51, 100); /* one ride per bar, a whole bar long */
  Sim* s = sim_new(120.0, 4.0, 4);
  tandem_player_queue_pattern(s->player, a);
  sim_run(s, 100000, 256); /* into bar 2 (bar = 96000 frames) */
  ck_assert(tandem_player_queue_pattern(s->player, b));
  sim_run(s, 96000 * 2 - 100000 + 96000, 256);
  /* Pattern A until bar 2's line at 192000, B from there. */
  ck_assert_uint_eq(count_ons(s, 42, 96000, 192000), 15);
  ck_assert_uint_eq(count_ons(s, 42, 192000, INT64_MAX), 0);
  ck_assert_uint_eq(count_ons(s, 51, 0, 192000), 0);
  ck_assert_uint_eq(count_ons(s, 51, 192000, 192001), 1);
  ck_assert_uint_eq(count_ons(s, 51, 192000, INT64_MAX), 1);
  sim_free(s);
  free(a);
  free(b);
}
END_TEST

START_TEST(test_player_short_pattern_loops_over_longer_song)
{
  TandemPattern* pat = malloc(sizeof(TandemPattern));
  tandem_pattern_init(pat, TANDEM_ROLE_DRUMS, 2, 4, 4);
  add_drum(pat, 0, 100, 36, 100);
  add_drum(pat, 4 * TANDEM_PPQ, 100, 38, 100);
  Sim* s = sim_new(120.0, 4.0, 4);
  tandem_player_queue_pattern(s->player, pat);
  sim_run(s, 96000 * 8, 1024);
  for (int bar = 0; bar < 8; ++bar) {
    const int pitch = bar % 2 == 0 ? 36 : 38;
    ck_assert_uint_eq(count_ons(s, pitch, bar * 96000, bar * 96000 + 1), 1);
  }
  ck_assert_uint_eq(count_ons(s, -1, 0, INT64_MAX), 8);
  sim_free(s);
  free(pat);
}
END_TEST

START_TEST(test_player_parameters_change_at_next_bar_and_disable_at_once)
{
  TandemPattern* pat = sixteenths_pattern(4, 4);
  Sim* s = sim_new(120.0, 4.0, 4);
  tandem_player_queue_pattern(s->player, pat);
  sim_run(s, 50000, 500);
  TandemPlayerParams params;
  tandem_player_params_default(&params);
  params.channel = 10;
  tandem_player_set_params(s->player, &params);
  sim_run(s, 96000 * 2 - 50000, 500);
  for (size_t e = 0; e < s->n_log; ++e) {
    const int ch = s->log[e].status & 0x0F;
    ck_assert_int_eq(ch, s->log[e].frame < 96000 ? 0 : 9);
  }
  /* Disable mid-bar: the sounding note ends at the next frame played. */
  sim_run(s, 1000, 500);
  ck_assert_int_eq(sim_sounding(s), 1);
  params.enabled = false;
  tandem_player_set_params(s->player, &params);
  const int64_t at = s->frame;
  sim_run(s, 96000, 500);
  ck_assert_int_eq(sim_sounding(s), 0);
  ck_assert_uint_eq(count_ons(s, -1, at, INT64_MAX), 0);
  /* Enable mid-bar: it comes back on the next bar line. */
  params.enabled = true;
  tandem_player_set_params(s->player, &params);
  const int64_t on_at = s->frame;
  sim_run(s, 96000, 500);
  const int64_t next_bar = (on_at / 96000 + 1) * 96000;
  ck_assert_uint_eq(count_ons(s, -1, on_at, next_bar), 0);
  ck_assert_uint_eq(count_ons(s, 36, next_bar, next_bar + 1), 1);
  sim_free(s);
  free(pat);
}
END_TEST

START_TEST(test_player_role_change_ends_old_notes_at_the_bar_line)
{
  TandemPattern* bass = malloc(sizeof(TandemPattern));
  tandem_pattern_init(bass, TANDEM_ROLE_BASS, 1, 4, 4);
  /* The third (E2, 40) held across the bar line; no new drum shares its pitch. */
  const TandemNote n = {
      2 * TANDEM_PPQ, 8 * TANDEM_PPQ, TANDEM_PITCH_CHORD, 0, 1, 0, 0, 100, 0, 0};
  tandem_pattern_add(bass, &n);
  TandemPattern* drums = sixteenths_pattern(4, 4);
  Sim* s = sim_new(120.0, 4.0, 4);
  tandem_player_queue_pattern(s->player, bass);
  sim_run(s, 60000, 700); /* past beat 3 of bar 0: the bass note sounds */
  ck_assert_int_eq(sim_sounding(s), 1);
  tandem_player_queue_pattern(s->player, drums);
  sim_run(s, 96000, 700);
  /* The bass note ends on the bar line, where the drums start. */
  bool ended = false;
  for (size_t e = 0; e < s->n_log; ++e) {
    if (is_off(&s->log[e]) && s->log[e].pitch == 40 && s->log[e].frame == 96000) {
      ended = true;
    }
  }
  ck_assert(ended);
  ck_assert_uint_eq(count_ons(s, 36, 96000, 96001), 1); /* the drum kick */
  sim_free(s);
  free(bass);
  free(drums);
}
END_TEST

START_TEST(test_player_hold_keeps_current_pattern_and_drops_new_ones)
{
  TandemPattern* a = sixteenths_pattern(4, 4);
  TandemPattern* b = malloc(sizeof(TandemPattern));
  tandem_pattern_init(b, TANDEM_ROLE_DRUMS, 1, 4, 4);
  add_drum(b, 0, 100, 51, 100);
  Sim* s = sim_new(120.0, 4.0, 4);
  tandem_player_queue_pattern(s->player, a);
  TandemPlayerParams params;
  tandem_player_params_default(&params);
  params.hold = true;
  tandem_player_set_params(s->player, &params);
  sim_run(s, 96000 + 1000, 500);
  ck_assert(!tandem_player_queue_pattern(s->player, b));
  sim_run(s, 96000 * 3, 500);
  ck_assert_uint_eq(count_ons(s, 51, 0, INT64_MAX), 0);
  ck_assert_uint_eq(count_ons(s, 36, 0, INT64_MAX), 5);
  sim_free(s);
  free(a);
  free(b);
}
END_TEST

/* ---- pitches ---- */

START_TEST(test_player_resolves_pitch_at_note_on_and_ends_the_pitch_sent)
{
  TandemPattern* pat = malloc(sizeof(TandemPattern));
  tandem_pattern_init(pat, TANDEM_ROLE_BASS, 1, 4, 4);
  /* Root of the chord, two beats long, on beats 1 and 3. */
  TandemNote n = {0, 2 * TANDEM_PPQ, TANDEM_PITCH_CHORD, 0, 0, 0, 0, 100, 0, 0};
  tandem_pattern_add(pat, &n);
  n.tick = 2 * TANDEM_PPQ;
  tandem_pattern_add(pat, &n);
  Sim* s = sim_new(120.0, 4.0, 4);
  tandem_player_queue_pattern(s->player, pat);
  sim_run(s, 12000, 512);    /* C sounding */
  s->harmony.chord_root = 9; /* A minor from here on */
  s->harmony.chord_quality = TANDEM_CHORD_MIN;
  sim_run(s, 96000 - 12000, 512);
  ck_assert_int_eq(s->log[0].pitch, 36); /* C2 */
  ck_assert(is_off(&s->log[1]));
  ck_assert_int_eq(s->log[1].pitch, 36);     /* ends the C that was sent */
  ck_assert_int_eq(s->log[2].pitch, 36 + 9); /* A2 */
  ck_assert_int_eq(sim_sounding(s), 1);
  sim_free(s);
  free(pat);
}
END_TEST

START_TEST(test_player_chord_stabs_move_at_most_4_semitones_per_voice)
{
  TandemPattern* pat = malloc(sizeof(TandemPattern));
  tandem_pattern_init(pat, TANDEM_ROLE_CHORDS, 1, 4, 4);
  for (int8_t d = 0; d < 3; ++d) {
    const TandemNote n = {0, 3 * TANDEM_PPQ, TANDEM_PITCH_CHORD, 0, d, 0, 0, 90, 0, 0};
    tandem_pattern_add(pat, &n);
  }
  const int roots[] = {0, 9, 5, 7, 2, 7, 0}; /* I vi IV V ii V I */
  const uint8_t qual[] = {TANDEM_CHORD_MAJ, TANDEM_CHORD_MIN, TANDEM_CHORD_MAJ,
                          TANDEM_CHORD_MAJ, TANDEM_CHORD_MIN, TANDEM_CHORD_DOM7,
                          TANDEM_CHORD_MAJ7};
  double total = 0.0;
  int changes = 0;
  for (int key = 0; key < 12; key += 5) {
    Sim* s = sim_new(120.0, 4.0, 4);
    tandem_player_queue_pattern(s->player, pat);
    int prev[3] = {0, 0, 0};
    for (int bar = 0; bar < 7; ++bar) {
      s->harmony = (TandemHarmony){(uint8_t)key, TANDEM_SCALE_MAJOR,
                                   (uint8_t)((key + roots[bar]) % 12), qual[bar]};
      const size_t before = s->n_log;
      sim_run(s, 96000, 1024);
      int cur[3];
      int k = 0;
      for (size_t e = before; e < s->n_log && k < 3; ++e) {
        if (is_on(&s->log[e])) {
          ck_assert(tandem_pitch_in_chord(&s->harmony, s->log[e].pitch));
          cur[k++] = s->log[e].pitch;
        }
      }
      ck_assert_int_eq(k, 3);
      if (bar > 0) {
        for (int i = 0; i < 3; ++i) {
          total += abs(cur[i] - prev[i]);
        }
        changes++;
      }
      memcpy(prev, cur, sizeof(prev));
    }
    sim_free(s);
  }
  const double mean = total / (3.0 * changes);
  printf("player chord stabs: mean movement %.2f semitones per voice\n", mean);
  ck_assert_double_le(mean, 4.0);
  free(pat);
}
END_TEST

START_TEST(test_player_revoice_strikes_a_held_stab_again_in_the_new_chord)
{
  TandemPattern* pat = malloc(sizeof(TandemPattern));
  tandem_pattern_init(pat, TANDEM_ROLE_CHORDS, 1, 4, 4);
  for (int8_t d = 0; d < 3; ++d) {
    const TandemNote n = {0, 4 * TANDEM_PPQ - 1, TANDEM_PITCH_CHORD, 0, d, 0, 0, 90, 0,
                          0};
    tandem_pattern_add(pat, &n);
  }
  Sim* s = sim_new(120.0, 4.0, 4); /* a beat is 24000 frames */
  tandem_player_queue_pattern(s->player, pat);
  sim_run(s, 24000 + 12000, 1000); /* the C stab sounds into beat 2 */
  ck_assert_int_eq(sim_sounding(s), 3);
  const size_t before = s->n_log;
  /* F major from 500 frames into the next block. */
  s->harmony.chord_root = 5;
  tandem_player_revoice(s->player, 500);
  sim_block(s, 1000);
  int offs = 0, ons = 0;
  for (size_t e = before; e < s->n_log; ++e) {
    ck_assert_int_eq(s->log[e].frame, 36000 + 500);
    if (is_off(&s->log[e])) {
      ck_assert(offs < 3 && ons == 0); /* the old stab ends before the new one */
      ++offs;
    } else {
      ck_assert(tandem_pitch_in_chord(&s->harmony, s->log[e].pitch));
      ++ons;
    }
  }
  ck_assert_int_eq(offs, 3);
  ck_assert_int_eq(ons, 3);
  /* Without a revoice, a change of harmony leaves held notes alone. */
  s->harmony.chord_root = 7;
  const size_t held = s->n_log;
  sim_run(s, 24000, 1000);
  ck_assert_uint_eq(s->n_log, held);
  /* The stab still ends with its note. */
  sim_run(s, 96000 - 37000 - 24000 + 100, 1000);
  ck_assert_int_eq(sim_sounding(s), 3); /* the next bar's stab */
  sim_free(s);
  free(pat);
}
END_TEST

START_TEST(test_player_revoice_leaves_notes_ending_within_a_16th_alone)
{
  TandemPattern* pat = malloc(sizeof(TandemPattern));
  tandem_pattern_init(pat, TANDEM_ROLE_BASS, 1, 4, 4);
  /* A bass note a beat long: a 16th or less of it is left at the change. */
  const TandemNote n = {0, TANDEM_PPQ, TANDEM_PITCH_CHORD, 0, 0, 0, 0, 100, 0, 0};
  tandem_pattern_add(pat, &n);
  Sim* s = sim_new(120.0, 4.0, 4);
  tandem_player_queue_pattern(s->player, pat);
  sim_run(s, 24000 - 5000, 1000);
  const size_t before = s->n_log;
  s->harmony.chord_root = 9;
  tandem_player_revoice(s->player, 0);
  sim_block(s, 1000);
  ck_assert_uint_eq(s->n_log, before);
  sim_free(s);
  free(pat);
}
END_TEST

/* ---- feel ---- */

START_TEST(test_player_humanize_is_bounded_seeded_and_not_zero)
{
  TandemPattern* pat = sixteenths_pattern(4, 4);
  size_t n_first = 0;
  int64_t first[64];
  for (int run = 0; run < 3; ++run) {
    Sim* s = sim_new(120.0, 4.0, 4);
    TandemPlayerParams params;
    tandem_player_params_default(&params);
    params.humanize_ms = 10.0f;
    params.velocity_humanize = 0.5f;
    tandem_player_set_params(s->player, &params);
    tandem_player_set_seed(s->player, run < 2 ? 7 : 8);
    tandem_player_queue_pattern(s->player, pat);
    sim_run(s, 96000 * 2, 256);
    double worst = 0.0;
    double spread = 0.0;
    int vel_lo = 127;
    int vel_hi = 0;
    size_t n = 0;
    bool same_as_first = true;
    size_t early = 0;
    for (size_t e = 0; e < s->n_log; ++e) {
      const LoggedEvent* ev = &s->log[e];
      if (!is_on(ev)) {
        continue;
      }
      const double ideal = floor((double)ev->frame / 6000.0 + 0.5) * 6000.0;
      const double err = fabs((double)ev->frame - ideal);
      early += (double)ev->frame < ideal;
      worst = err > worst ? err : worst;
      spread += err;
      vel_lo = ev->velocity < vel_lo ? ev->velocity : vel_lo;
      vel_hi = ev->velocity > vel_hi ? ev->velocity : vel_hi;
      if (run == 0 && n < 64) {
        first[n_first++] = ev->frame;
      } else if (n < n_first) {
        same_as_first = same_as_first && first[n] == ev->frame;
      }
      n++;
    }
    printf("humanize 10 ms (seed %d): %zu notes, worst %.2f ms, mean %.2f ms, velocity "
           "%d..%d\n",
           run < 2 ? 7 : 8, n, worst / 48.0, spread / n / 48.0, vel_lo, vel_hi);
    ck_assert_double_le(worst, 10.0 * 48.0 + 1.0);
    ck_assert_double_gt(spread / n, 48.0); /* more than 1 ms on average */
    ck_assert_int_ge(vel_lo, 100 - 12);
    ck_assert_int_le(vel_hi, 100 + 12);
    ck_assert_int_lt(vel_lo, vel_hi);
    ck_assert_uint_gt(early, n / 5); /* the look-ahead lets notes come early too */
    if (run == 1) {
      ck_assert_msg(same_as_first, "same seed, different timing");
    } else if (run == 2) {
      ck_assert_msg(!same_as_first, "other seed, same timing");
    }
    ck_assert_int_eq(sim_sounding(s), (int)tandem_player_sounding(s->player));
    sim_free(s);
  }
  free(pat);
}
END_TEST

START_TEST(test_player_dynamics_follow_tracks_input_level)
{
  TandemPattern* pat = sixteenths_pattern(4, 4);
  double mean_vel[3];
  const float levels[] = {-40.0f, -18.0f, -6.0f};
  for (int i = 0; i < 3; ++i) {
    Sim* s = sim_new(120.0, 4.0, 4);
    TandemPlayerParams params;
    tandem_player_params_default(&params);
    params.dynamics_follow = 1.0f;
    tandem_player_set_params(s->player, &params);
    tandem_player_queue_pattern(s->player, pat);
    for (int b = 0; b < 400; ++b) {
      sim_segment(s, 0, 480, NULL, 0, levels[i]);
      s->frame += 480;
    }
    double sum = 0.0;
    size_t n = 0;
    for (size_t e = 0; e < s->n_log; ++e) {
      if (is_on(&s->log[e]) && s->log[e].frame > 96000) {
        sum += s->log[e].velocity;
        n++;
      }
    }
    mean_vel[i] = sum / n;
    printf("dynamics follow: input %.0f dB -> mean velocity %.1f\n", levels[i],
           mean_vel[i]);
    sim_free(s);
  }
  ck_assert_double_lt(mean_vel[0], mean_vel[1] - 20.0);
  ck_assert_double_gt(mean_vel[2], mean_vel[1] + 10.0);
  ck_assert_double_le(fabs(mean_vel[1] - 100.0), 1.0);
  free(pat);
}
END_TEST

/* ---- follow ---- */

typedef struct {
  int64_t true_frame;
  int64_t detect_frame;
  uint8_t cls;
} SynthOnset;

/* A drummer at 120 bpm: kicks on about half the beats and some off-beats, each up
 * to 25 ms off the grid; snares on 2 and 4; hats on 8ths.  Each onset is detected
 * 5-15 ms late. */
static size_t make_onsets(SynthOnset* o, size_t cap, int bars, uint32_t seed)
{
  uint32_t r = seed;
  size_t n = 0;
  for (int bar = 0; bar < bars; ++bar) {
    for (int eighth = 0; eighth < 8; ++eighth) {
      const int64_t grid = (int64_t)bar * 96000 + eighth * 12000;
      for (int c = 0; c < 3 && n < cap; ++c) {
        r = r * 1664525u + 1013904223u;
        const double u = (r >> 8) / 16777216.0;
        bool hit;
        if (c == TANDEM_ONSET_KICK) {
          hit = eighth % 2 == 0 ? u < 0.55 : u < 0.2;
        } else if (c == TANDEM_ONSET_SNARE) {
          hit = eighth == 2 || eighth == 6;
        } else {
          hit = true;
        }
        if (!hit) {
          continue;
        }
        r = r * 1664525u + 1013904223u;
        const int64_t jitter = (int64_t)((r >> 8) % 2401) - 1200; /* +-25 ms */
        r = r * 1664525u + 1013904223u;
        const int64_t delay = 240 + (int64_t)((r >> 8) % 481); /* 5-15 ms */
        o[n].true_frame = grid + jitter + 2000 + bar; /* not on the player's grid */
        o[n].detect_frame = o[n].true_frame + delay;
        o[n].cls = (uint8_t)c;
        n++;
      }
    }
  }
  return n;
}

/* A 120 bpm 4/4 sim playing `pat` with the given follow. */
static Sim* sim_following(const TandemPattern* pat, float follow)
{
  Sim* s = sim_new(120.0, 4.0, 4);
  TandemPlayerParams params;
  tandem_player_params_default(&params);
  params.follow = follow;
  tandem_player_set_params(s->player, &params);
  tandem_player_queue_pattern(s->player, pat);
  return s;
}

/* Plays a drum (kicks on 1 and the and of 3, snares on 2 and 4) or bass (roots on
 * 1 and 3) pattern against the synthetic drummer and returns the share of input
 * kicks that got a generated kick (drums) or bass attack within 30 ms. */
static double follow_match_rate(TandemRole role, float follow, double* flams_per_bar,
                                double* extra_per_bar)
{
  enum { BARS = 32, BLOCK = 256 };
  SynthOnset* onsets = malloc(sizeof(SynthOnset) * BARS * 8 * 3);
  const size_t n_onsets = make_onsets(onsets, BARS * 8 * 3, BARS, 12345u);
  TandemPattern* pat = malloc(sizeof(TandemPattern));
  tandem_pattern_init(pat, role, 1, 4, 4);
  if (role == TANDEM_ROLE_DRUMS) {
    add_drum(pat, 0, 240, 36, 110);
    add_drum(pat, TANDEM_PPQ, 240, 38, 100);
    add_drum(pat, 2 * TANDEM_PPQ + TANDEM_PPQ / 2, 240, 36, 100);
    add_drum(pat, 3 * TANDEM_PPQ, 240, 38, 100);
  } else {
    TandemNote n = {0, TANDEM_PPQ, TANDEM_PITCH_CHORD, 0, 0, 0, 0, 100, 0, 0};
    tandem_pattern_add(pat, &n);
    n.tick = 2 * TANDEM_PPQ;
    tandem_pattern_add(pat, &n);
  }
  const int kick = role == TANDEM_ROLE_DRUMS ? 36 : -1; /* bass: any attack */
  Sim* s = sim_following(pat, follow);
  TandemOnsetEvent block_onsets[64];
  for (int64_t f = 0; f < BARS * 96000; f += BLOCK) {
    uint32_t n = 0;
    for (size_t i = 0; i < n_onsets && n < 64; ++i) {
      if (onsets[i].detect_frame >= f && onsets[i].detect_frame < f + BLOCK) {
        TandemOnsetEvent* e = &block_onsets[n++];
        e->frame = (uint32_t)(onsets[i].detect_frame - f);
        e->delay = (int32_t)(onsets[i].detect_frame - onsets[i].true_frame);
        e->time_s = (double)onsets[i].true_frame / RATE;
        e->strength = 0.8f;
        e->cls = onsets[i].cls;
        e->drums = TANDEM_HEARD_OF_CLASS(onsets[i].cls);
      }
    }
    sim_segment(s, 0, BLOCK, block_onsets, n, -18.0f);
    s->frame += BLOCK;
  }
  size_t kicks = 0;
  size_t matched = 0;
  for (size_t i = 0; i < n_onsets; ++i) {
    if (onsets[i].cls != TANDEM_ONSET_KICK) {
      continue;
    }
    kicks++;
    for (size_t e = 0; e < s->n_log; ++e) {
      if (is_on(&s->log[e]) && (kick < 0 || s->log[e].pitch == kick) &&
          llabs(s->log[e].frame - onsets[i].true_frame) <= 1440) {
        matched++;
        break;
      }
    }
  }
  /* Generated kicks closer than 30 ms to each other (flams), and generated kicks
   * matching no input kick. */
  size_t flams = 0;
  size_t extra = 0;
  int64_t last = -1000000;
  for (size_t e = 0; e < s->n_log; ++e) {
    if (!is_on(&s->log[e]) || (kick >= 0 && s->log[e].pitch != kick)) {
      continue;
    }
    flams += s->log[e].frame - last < 1440;
    last = s->log[e].frame;
    bool near = false;
    for (size_t i = 0; i < n_onsets && !near; ++i) {
      near = onsets[i].cls == TANDEM_ONSET_KICK &&
             llabs(s->log[e].frame - onsets[i].true_frame) <= 1440;
    }
    extra += !near;
  }
  *flams_per_bar = (double)flams / BARS;
  *extra_per_bar = (double)extra / BARS;
  ck_assert_int_eq(sim_sounding(s), (int)tandem_player_sounding(s->player));
  sim_free(s);
  free(pat);
  free(onsets);
  return kicks ? (double)matched / kicks : 0.0;
}

START_TEST(test_player_follow_one_matches_85_percent_of_input_kicks_within_30_ms)
{
  const float follows[] = {0.0f, 0.5f, 1.0f};
  double rate[2][3];
  for (int r = 0; r < 2; ++r) {
    const TandemRole role = r == 0 ? TANDEM_ROLE_DRUMS : TANDEM_ROLE_BASS;
    for (int f = 0; f < 3; ++f) {
      double flams, extra;
      rate[r][f] = follow_match_rate(role, follows[f], &flams, &extra);
      printf(
          "follow %.1f, %s: %.1f%% of input kicks matched within 30 ms, %.2f flams/bar, "
          "%.2f unmatched attacks/bar\n",
          follows[f], r == 0 ? "drums" : "bass", 100.0 * rate[r][f], flams, extra);
      if (r == 0 && f == 2) {
        ck_assert_double_le(flams, 0.05);
      }
    }
    ck_assert_double_ge(rate[r][2], 0.85);
    ck_assert_double_lt(rate[r][0], rate[r][1]);
    ck_assert_double_lt(rate[r][1], rate[r][2]);
  }
}
END_TEST

/* A drummer 40 ms behind the host's grid (kicks on 1 and 3, snares on 2 and 4, each
 * detected 8 ms after it happens) against a part with hats on every 8th.  At follow
 * 0.6 the whole part moves onto the heard phase from the bar line after the offset
 * is known: hats included, and no kick twice.  At follow 0.3 the part stays on the
 * grid. */
static void play_against_late_drummer(float follow, double* hat_offset_ms, size_t* flams)
{
  enum { BARS = 16, BLOCK = 128, LATE = 1920, DETECT = 384 };
  TandemPattern* pat = malloc(sizeof(TandemPattern));
  tandem_pattern_init(pat, TANDEM_ROLE_DRUMS, 1, 4, 4);
  for (uint32_t k = 0; k < 8;
       ++k) { /* in tick order: hats, a kick on 1, snares on 2, 4 */
    add_drum(pat, k * TANDEM_PPQ / 2, 60, 42, 80);
    if (k == 0) {
      add_drum(pat, 0, 120, 36, 110);
    } else if (k == 2 || k == 6) {
      add_drum(pat, k * TANDEM_PPQ / 2, 120, 38, 100);
    }
  }
  ck_assert(tandem_pattern_valid(pat));
  Sim* s = sim_following(pat, follow);
  for (int64_t f = 0; f < BARS * 96000; f += BLOCK) {
    TandemOnsetEvent ev[2];
    uint32_t n = 0;
    for (int64_t beat = f / 24000 - 1; beat <= f / 24000 + 1 && n < 2; ++beat) {
      const int64_t detect = beat * 24000 + LATE + DETECT;
      if (beat >= 0 && detect >= f && detect < f + BLOCK) {
        const bool kick = beat % 2 == 0;
        ev[n++] = (TandemOnsetEvent){(uint32_t)(detect - f),
                                     DETECT,
                                     (double)(detect - DETECT) / RATE,
                                     0.8f,
                                     kick ? TANDEM_ONSET_KICK : TANDEM_ONSET_SNARE,
                                     kick ? TANDEM_HEARD_KICK : TANDEM_HEARD_SNARE};
      }
    }
    sim_segment(s, 0, BLOCK, ev, n, -18.0f);
    s->frame += BLOCK;
  }
  /* the hats of the second half: their mean offset from the 8th grid */
  double sum = 0.0;
  size_t hats = 0;
  int64_t last_kick = -100000;
  *flams = 0;
  for (size_t i = 0; i < s->n_log; ++i) {
    const LoggedEvent* e = &s->log[i];
    if (!is_on(e)) {
      continue;
    }
    if (e->pitch == 42 && e->frame >= BARS / 2 * 96000) {
      const int64_t grid = (e->frame + 6000) / 12000 * 12000;
      sum += (double)(e->frame - grid);
      hats++;
    }
    if (e->pitch == 36) {
      *flams += e->frame - last_kick < 1440;
      last_kick = e->frame;
    }
  }
  *hat_offset_ms = hats ? sum / (double)hats / RATE * 1000.0 : 0.0;
  ck_assert_uint_eq(hats, BARS / 2 * 8);
  ck_assert_int_eq(sim_sounding(s), (int)tandem_player_sounding(s->player));
  sim_free(s);
  free(pat);
}

START_TEST(test_player_follow_moves_the_whole_part_onto_the_heard_phase)
{
  double offset_ms;
  size_t flams;
  play_against_late_drummer(0.6f, &offset_ms, &flams);
  printf("follow 0.6: hats %.2f ms after the grid, %zu kick flams\n", offset_ms, flams);
  ck_assert_double_eq_tol(offset_ms, 40.0, 1.0);
  ck_assert_uint_eq(flams, 0);
  play_against_late_drummer(0.3f, &offset_ms, &flams);
  printf("follow 0.3: hats %.2f ms after the grid\n", offset_ms);
  ck_assert_double_eq_tol(offset_ms, 0.0, 0.5);
}
END_TEST

START_TEST(test_player_trigger_role_plays_one_note_per_onset)
{
  TandemPattern* pat = malloc(sizeof(TandemPattern));
  tandem_pattern_init(pat, TANDEM_ROLE_TRIGGER, 1, 4, 4);
  Sim* s = sim_new(120.0, 4.0, 4);
  tandem_player_queue_pattern(s->player, pat);
  const TandemOnsetEvent onsets[3] = {
      {10, 300, 0.0, 0.5f, TANDEM_ONSET_KICK, TANDEM_HEARD_KICK},
      {200, 300, 0.0, 0.5f, TANDEM_ONSET_HAT, TANDEM_HEARD_HAT},
      {400, 300, 0.0, 0.5f, TANDEM_ONSET_SNARE, TANDEM_HEARD_SNARE}};
  sim_segment(s, 0, 512, onsets, 3, -18.0f);
  s->frame += 512;
  ck_assert_uint_eq(count_ons(s, -1, 0, INT64_MAX), 3);
  ck_assert_uint_eq(count_ons(s, 36, 10, 11), 1);
  ck_assert_uint_eq(count_ons(s, 42, 200, 201), 1);
  ck_assert_uint_eq(count_ons(s, 38, 400, 401), 1);
  sim_run(s, 48000, 512);
  ck_assert_int_eq(sim_sounding(s), 0);
  sim_free(s);
  free(pat);
}
END_TEST

START_TEST(test_player_all_notes_off_ends_everything_even_with_a_small_buffer)
{
  TandemPattern* pat = malloc(sizeof(TandemPattern));
  tandem_pattern_init(pat, TANDEM_ROLE_DRUMS, 1, 4, 4);
  for (uint8_t k = 0; k < 6; ++k) {
    add_drum(pat, 0, 4 * TANDEM_PPQ - 1, (uint8_t)(40 + k), 100);
  }
  Sim* s = sim_new(120.0, 4.0, 4);
  tandem_player_queue_pattern(s->player, pat);
  sim_run(s, 2048, 512);
  ck_assert_int_eq(sim_sounding(s), 6);
  s->max_out = 4;
  const uint32_t n = tandem_player_all_notes_off(s->player, 7, s->out, s->max_out);
  ck_assert_uint_eq(n, 4);
  sim_take(s, n, 7, 8);
  ck_assert_int_eq(sim_sounding(s), 2);
  /* The other two go out first thing in the next block. */
  sim_block(s, 512);
  ck_assert_int_eq(sim_sounding(s), 0);
  ck_assert_uint_eq(tandem_player_sounding(s->player), 0);
  sim_free(s);
  free(pat);
}
END_TEST

/* ---- output capacity and abuse ---- */

START_TEST(test_player_small_output_buffer_never_loses_a_note_off)
{
  /* Eight notes at once, each call allowed 1..3 events. */
  TandemPattern* pat = malloc(sizeof(TandemPattern));
  tandem_pattern_init(pat, TANDEM_ROLE_DRUMS, 1, 4, 4);
  for (uint32_t beat = 0; beat < 4; ++beat) {
    for (uint8_t k = 0; k < 8; ++k) {
      add_drum(pat, beat * TANDEM_PPQ, 300 + 100 * k, (uint8_t)(40 + k), 100);
    }
  }
  Sim* s = sim_new(120.0, 4.0, 4);
  tandem_player_queue_pattern(s->player, pat);
  for (int b = 0; b < 2000; ++b) {
    s->max_out = 1u + (uint32_t)(b % 3);
    sim_block(s, 64);
    ck_assert_int_eq(sim_sounding(s), (int)tandem_player_sounding(s->player));
  }
  s->max_out = 1;
  s->transport.speed = 0.0;
  for (int b = 0; b < 10; ++b) {
    sim_block(s, 64);
  }
  ck_assert_int_eq(sim_sounding(s), 0);
  /* note-ons that do not fit are dropped, but each beat gets through */
  ck_assert_uint_ge(count_ons(s, -1, 0, INT64_MAX), 5);
  sim_free(s);
  free(pat);
}
END_TEST

static uint32_t lcg(uint32_t* r)
{
  *r = *r * 1664525u + 1013904223u;
  return *r >> 8;
}

static void random_pattern(TandemPattern* p, uint32_t* r)
{
  static const uint8_t meters[][2] = {{4, 4}, {3, 4}, {5, 4}, {6, 8}, {7, 8}};
  const uint8_t* m = meters[lcg(r) % 5];
  const TandemRole role = (TandemRole)(lcg(r) % 5);
  tandem_pattern_init(p, role, (uint8_t)(1 + lcg(r) % 4), m[0], m[1]);
  const uint32_t total = tandem_pattern_length_ticks(p);
  const uint32_t n = 50 + lcg(r) % 350;
  for (uint32_t i = 0; i < n; ++i) {
    TandemNote note = {lcg(r) % total,
                       1 + lcg(r) % (2 * TANDEM_PPQ),
                       0,
                       0,
                       0,
                       0,
                       0,
                       (uint8_t)(1 + lcg(r) % 127),
                       0,
                       0};
    if (role == TANDEM_ROLE_DRUMS || role == TANDEM_ROLE_TRIGGER) {
      note.kind = TANDEM_PITCH_ABSOLUTE;
      note.pitch = (uint8_t)(35 + lcg(r) % 20);
    } else {
      note.kind = (uint8_t)(lcg(r) % 3);
      note.pitch = (uint8_t)(lcg(r) % 128);
      note.degree = (int8_t)(lcg(r) % 10);
      note.octave = (int8_t)(lcg(r) % 3) - 1;
    }
    tandem_pattern_add(p, &note);
  }
  tandem_pattern_sort(p);
  ck_assert(tandem_pattern_valid(p));
}

START_TEST(test_player_random_transport_abuse_leaves_no_stuck_notes)
{
  uint32_t r = 2024u;
  TandemPattern* pat = malloc(sizeof(TandemPattern));
  Sim* s = sim_new(120.0, 4.0, 4);
  tandem_player_set_seed(s->player, 99);
  random_pattern(pat, &r);
  tandem_player_queue_pattern(s->player, pat);
  TandemPlayerParams params;
  tandem_player_params_default(&params);
  static const uint32_t sizes[] = {1, 17, 64, 256, 1000, 4096};
  static const double meters[][2] = {{4, 4}, {3, 4}, {5, 4}, {6, 8}, {7, 8}};
  size_t counts[12] = {0};
  TandemOnsetEvent onsets[8];
  for (int i = 0; i < 10000; ++i) {
    const uint32_t block = sizes[lcg(&r) % 6];
    uint32_t action = lcg(&r) % 30;
    action = action >= 24 ? 0 : action; /* start more often than stop, to play more */
    s->max_out = lcg(&r) % 10 == 0 ? 1 + lcg(&r) % 3 : MAX_EVENTS_PER_CALL;
    uint32_t n_onsets = 0;
    switch (action) {
    case 0: /* start */
      s->transport.speed = 1.0;
      break;
    case 1: /* stop */
      s->transport.speed = 0.0;
      break;
    case 2: /* locate */
      s->transport.bar = (int64_t)(lcg(&r) % 64);
      s->transport.bar_beat = (lcg(&r) % 1000) / 1000.0 * s->transport.beats_per_bar;
      break;
    case 3: /* loop back */
      s->transport.bar = 0;
      s->transport.bar_beat = 0.0;
      break;
    case 4: /* speed */
      s->transport.speed = (lcg(&r) % 2) ? 0.5 : 2.0;
      break;
    case 5: /* reverse */
      s->transport.speed = -1.0;
      break;
    case 6: { /* meter */
      const double* m = meters[lcg(&r) % 5];
      s->transport.beats_per_bar = m[0];
      s->transport.beat_unit = (int32_t)m[1];
      s->transport.bar_beat = fmod(s->transport.bar_beat, m[0]);
      break;
    }
    case 7: /* pattern */
      random_pattern(pat, &r);
      tandem_player_queue_pattern(s->player, pat);
      break;
    case 8: /* disable or enable */
      params.enabled = !params.enabled;
      tandem_player_set_params(s->player, &params);
      break;
    case 9: /* other parameters */
      params.channel = (uint8_t)(1 + lcg(&r) % 16);
      params.octave = (int8_t)(lcg(&r) % 5) - 2;
      params.humanize_ms = (float)(lcg(&r) % 30);
      params.swing_pct = 50.0f + (float)(lcg(&r) % 26);
      params.follow = (lcg(&r) % 3) / 2.0f;
      params.velocity_humanize = (lcg(&r) % 3) / 2.0f;
      params.hold = lcg(&r) % 4 == 0;
      tandem_player_set_params(s->player, &params);
      break;
    case 10: /* harmony */
      s->harmony.chord_root = (uint8_t)(lcg(&r) % 12);
      s->harmony.chord_quality = (uint8_t)(lcg(&r) % TANDEM_CHORD_COUNT);
      s->harmony.key_root = (uint8_t)(lcg(&r) % 12);
      s->harmony.scale = (uint8_t)(lcg(&r) % TANDEM_SCALE_COUNT);
      break;
    case 11: /* onsets */
      n_onsets = 1 + lcg(&r) % 8;
      for (uint32_t k = 0; k < n_onsets; ++k) {
        const uint8_t cls = (uint8_t)(lcg(&r) % 4);
        onsets[k] = (TandemOnsetEvent){
            lcg(&r) % block,           (int32_t)(lcg(&r) % 720), 0.0, 0.7f, cls,
            TANDEM_HEARD_OF_CLASS(cls)};
      }
      break;
    default:
      break;
    }
    counts[action < 12 ? action : 11]++;
    if (lcg(&r) % 8 == 0 && block > 1) {
      /* a tempo change inside the block */
      const uint32_t split = 1 + lcg(&r) % (block - 1);
      sim_segment(s, 0, split, onsets, n_onsets, -18.0f);
      s->transport.bpm = 40.0 + lcg(&r) % 261;
      sim_segment(s, split, block - split, onsets, n_onsets, -18.0f);
    } else {
      sim_segment(s, 0, block, onsets, n_onsets, -18.0f);
    }
    s->frame += block;
    ck_assert_int_eq(sim_sounding(s), (int)tandem_player_sounding(s->player));
  }
  /* Stop: everything ends (even if the buffer is tiny). */
  s->transport.speed = 0.0;
  s->max_out = 2;
  for (int i = 0; i < 100; ++i) {
    sim_block(s, 64);
  }
  size_t ons = 0;
  size_t offs = 0;
  for (size_t e = 0; e < s->n_log; ++e) {
    ons += is_on(&s->log[e]);
    offs += is_off(&s->log[e]);
  }
  printf("abuse: 10000 blocks, %zu note-ons, %zu note-offs, %d left sounding\n", ons,
         offs, sim_sounding(s));
  ck_assert_uint_gt(ons, 1000);
  ck_assert_uint_eq(ons, offs);
  ck_assert_int_eq(sim_sounding(s), 0);
  ck_assert_uint_eq(tandem_player_sounding(s->player), 0);
  sim_free(s);
  free(pat);
}
END_TEST

/* ---- no host transport ---- */

START_TEST(test_player_without_host_follows_tempo_estimate_phase)
{
  TandemPattern* pat = malloc(sizeof(TandemPattern));
  tandem_pattern_init(pat, TANDEM_ROLE_DRUMS, 1, 4, 4);
  for (uint32_t b = 0; b < 4; ++b) {
    add_drum(pat, b * TANDEM_PPQ, 200, 42, 100);
  }
  TandemPlayer* p = malloc(sizeof(TandemPlayer));
  tandem_player_init(p, RATE);
  tandem_player_queue_pattern(p, pat);
  TandemClock clock;
  tandem_clock_init(&clock, RATE);
  const double bpm = 97.0;
  const double offset_s = 0.211;
  const double period = 60.0 / bpm;
  TandemMidiEvent out[64];
  double worst = 0.0;
  double sum = 0.0;
  size_t n = 0;
  size_t free_notes = 0;
  for (int64_t f = 0; f < (int64_t)(12.0 * RATE); f += 512) {
    /* Two seconds with no confident estimate, then a confident one. */
    const double end_s = (double)(f + 512) / RATE;
    double phase = (end_s - offset_s) / period;
    phase -= floor(phase);
    const TandemTempoEstimate est = {(float)bpm, f < 2 * (int64_t)RATE ? 0.1f : 0.9f,
                                     phase, period};
    TandemClockPos pos;
    tandem_clock_position(&clock, NULL, &est, 512.0, &pos);
    const uint32_t got =
        tandem_player_process(p, &pos, 0, 512, NULL, NULL, 0, -18.0f, out, 64);
    tandem_clock_advance(&clock, 512);
    for (uint32_t i = 0; i < got; ++i) {
      if ((out[i].data[0] & 0xF0u) != 0x90u) {
        continue;
      }
      const double t = (double)(f + out[i].frame) / RATE;
      if (t < 2.0) {
        free_notes++;
        continue;
      }
      if (t < 4.0) {
        continue; /* settling */
      }
      double e = (t - offset_s) / period;
      e = (e - floor(e + 0.5)) * period * 1000.0;
      worst = fabs(e) > worst ? fabs(e) : worst;
      sum += fabs(e);
      n++;
    }
  }
  printf("no host: %zu free-running notes at 120 bpm, then %zu notes with worst phase "
         "error %.3f ms (mean %.3f ms) against a %.0f bpm estimate\n",
         free_notes, n, worst, sum / n, bpm);
  ck_assert_uint_eq(free_notes, 4); /* 2 s at 120 bpm: beats at 0, 0.5, 1, 1.5 s */
  ck_assert_uint_ge(n, 12);
  ck_assert_double_lt(worst, 3.0);
  free(p);
  free(pat);
}
END_TEST

static Suite* player_suite(void)
{
  Suite* s = suite_create("player");
  TCase* tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc,
                 test_player_events_within_one_frame_at_40_120_300_bpm_blocks_1_64_8192);
  tcase_add_test(tc, test_player_tempo_change_inside_a_block_lands_on_its_frame);
  tcase_add_test(tc, test_player_start_mid_bar_plays_no_burst);
  tcase_add_test(tc, test_player_stop_ends_every_note_at_once);
  tcase_add_test(
      tc, test_player_reverse_and_speed_zero_are_silent_and_half_speed_is_half_rate);
  tcase_add_test(tc, test_player_loop_jump_restarts_pattern_without_hanging_notes);
  tcase_add_test(tc, test_player_places_bar_lines_right_in_3_4_5_4_6_8_7_8);
  tcase_add_test(tc, test_player_meter_change_at_bar_line_keeps_bar_lines);
  tcase_add_test(tc, test_player_swing_measured_from_output_within_one_point);
  tcase_add_test(tc, test_player_new_pattern_takes_over_at_next_bar_line);
  tcase_add_test(tc, test_player_short_pattern_loops_over_longer_song);
  tcase_add_test(tc, test_player_parameters_change_at_next_bar_and_disable_at_once);
  tcase_add_test(tc, test_player_role_change_ends_old_notes_at_the_bar_line);
  tcase_add_test(tc, test_player_hold_keeps_current_pattern_and_drops_new_ones);
  tcase_add_test(tc, test_player_resolves_pitch_at_note_on_and_ends_the_pitch_sent);
  tcase_add_test(tc, test_player_chord_stabs_move_at_most_4_semitones_per_voice);
  tcase_add_test(tc, test_player_revoice_strikes_a_held_stab_again_in_the_new_chord);
  tcase_add_test(tc, test_player_revoice_leaves_notes_ending_within_a_16th_alone);
  tcase_add_test(tc, test_player_humanize_is_bounded_seeded_and_not_zero);
  tcase_add_test(tc, test_player_dynamics_follow_tracks_input_level);
  tcase_add_test(tc,
                 test_player_follow_one_matches_85_percent_of_input_kicks_within_30_ms);
  tcase_add_test(tc, test_player_follow_moves_the_whole_part_onto_the_heard_phase);
  tcase_add_test(tc, test_player_trigger_role_plays_one_note_per_onset);
  tcase_add_test(tc, test_player_all_notes_off_ends_everything_even_with_a_small_buffer);
  tcase_add_test(tc, test_player_small_output_buffer_never_loses_a_note_off);
  tcase_add_test(tc, test_player_random_transport_abuse_leaves_no_stuck_notes);
  tcase_add_test(tc, test_player_without_host_follows_tempo_estimate_phase);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  setvbuf(stdout, NULL, _IONBF, 0); /* figures print even from a failing test */
  SRunner* sr = srunner_create(player_suite());
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
