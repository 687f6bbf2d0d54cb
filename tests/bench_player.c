/* Tandem — player benchmark: cost of tandem_player_process per block.
 *
 * Plays a dense 4-bar drum pattern (128 notes a bar) with humanise, swing and
 * follow onsets for ten minutes of audio at 48 kHz, at several block sizes, and
 * prints the mean and worst time per block and the share of real time used.
 * Figures only: nothing here passes or fails on speed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"
#include "player.h"

#define RATE 48000.0

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(void)
{
  TandemPattern* pat = malloc(sizeof(TandemPattern));
  TandemPlayer* p = malloc(sizeof(TandemPlayer));
  if (!pat || !p) {
    fprintf(stderr, "bench_player: out of memory\n");
    return 1;
  }
  tandem_pattern_init(pat, TANDEM_ROLE_DRUMS, 4, 4, 4);
  uint32_t r = 1;
  for (uint32_t tick = 0; tick < 4 * 4 * TANDEM_PPQ; tick += TANDEM_PPQ / 32) {
    r = r * 1664525u + 1013904223u;
    const TandemNote n = {tick,
                          TANDEM_PPQ / 8,
                          TANDEM_PITCH_ABSOLUTE,
                          (uint8_t)(35 + (r >> 24) % 20),
                          0,
                          0,
                          0,
                          90,
                          0,
                          0};
    tandem_pattern_add(pat, &n);
  }
  const uint32_t blocks[] = {32, 64, 256, 1024, 8192};
  static TandemMidiEvent out[4096];
  for (size_t b = 0; b < sizeof(blocks) / sizeof(blocks[0]); ++b) {
    tandem_player_init(p, RATE);
    TandemPlayerParams params;
    tandem_player_params_default(&params);
    params.humanize_ms = 15.0f;
    params.velocity_humanize = 0.5f;
    params.swing_pct = 60.0f;
    params.follow = 0.7f;
    params.dynamics_follow = 0.5f;
    tandem_player_set_params(p, &params);
    tandem_player_queue_pattern(p, pat);
    TandemTransport t;
    tandem_transport_init(&t);
    t.has_host = true;
    t.speed = 1.0;
    t.bpm = 174.0;
    const uint32_t block = blocks[b];
    const uint64_t n_blocks = (uint64_t)(600.0 * RATE / block);
    double total = 0.0;
    double worst = 0.0;
    uint64_t events = 0;
    uint64_t slow = 0; /* over 100 us: on a shared machine mostly preemption */
    TandemOnsetEvent onsets[2];
    for (uint64_t i = 0; i < n_blocks; ++i) {
      const uint32_t n_onsets = i % 8 == 0 ? 2 : 0;
      onsets[0] = (TandemOnsetEvent){block / 3, 400, 0.0, 0.8f, TANDEM_ONSET_KICK,
                                     TANDEM_HEARD_KICK};
      onsets[1] = (TandemOnsetEvent){block / 2, 400, 0.0, 0.6f, TANDEM_ONSET_SNARE,
                                     TANDEM_HEARD_SNARE};
      TandemClockPos pos;
      tandem_clock_pos_from_transport(&t, &pos);
      const double t0 = now_s();
      events += tandem_player_process(p, &pos, 0, block, NULL, onsets, n_onsets, -20.0f,
                                      out, 4096);
      const double dt = now_s() - t0;
      total += dt;
      worst = dt > worst ? dt : worst;
      slow += dt > 100e-6;
      tandem_transport_advance(&t, block, RATE);
    }
    printf("player, block %5u: mean %.2f us, worst %.2f us per block (block lasts %.0f "
           "us), %llu of %llu blocks over 100 us, %.4f%% of real time, %llu events\n",
           block, 1e6 * total / n_blocks, 1e6 * worst, 1e6 * block / RATE,
           (unsigned long long)slow, (unsigned long long)n_blocks, 100.0 * total / 600.0,
           (unsigned long long)events);
  }
  free(p);
  free(pat);
  return 0;
}
