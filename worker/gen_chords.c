/* Tandem — generator, chords: comping rhythms of chord-tone stabs.  The player
 * voices them at play time.  See gen_internal.h. */
#include "gen_internal.h"

static void chord_bar(const GenCtx* ctx, int bar, bool* hit, bool* ghost)
{
  const TandemStyle* s = ctx->style;
  const int n = ctx->n_steps;
  float w[GEN_MAX_STEPS], p[GEN_MAX_STEPS];
  for (int i = 0; i < n; ++i) {
    w[i] = tandem_gen_weight(ctx, s->chord_steps, GEN_LAYER_CHORDS, i);
  }
  const float target =
      s->density[TANDEM_ROLE_CHORDS] * ctx->density_scale * (1.0f - s->ghost_prob);
  tandem_gen_inclusion(w, n, target, p);

  TandemRng vary, rng;
  tandem_gen_rng(ctx, &vary, GEN_STREAM_CHORDS, 2 * bar + 1);
  const bool varied = bar > 0 && tandem_rng_float(&vary) < ctx->variation;
  tandem_gen_rng(ctx, &rng, GEN_STREAM_CHORDS, varied ? 2 * bar + 2 : 0);
  int main_count = tandem_gen_pick(&rng, p, n, !varied && bar % 2 == 1, hit);
  main_count = tandem_gen_feel_steps(ctx, hit);

  /* Ghost stabs: the muted scratches between the main chops. */
  float ghost_w[GEN_MAX_STEPS];
  for (int i = 0; i < n; ++i) {
    const float shape = (i % 4 == 0) ? 0.1f : (i % 2 == 0) ? 0.6f : 1.0f;
    ghost_w[i] = (i % ctx->step_unit == 0 && !hit[i]) ? shape : 0.0f;
  }
  TandemRng ghost_rng;
  tandem_gen_rng(ctx, &ghost_rng, GEN_STREAM_GHOST, bar);
  tandem_gen_pick_count(&ghost_rng, ghost_w, n,
                        tandem_gen_ghost_count(ctx, &ghost_rng, main_count), ghost);
}

void tandem_gen_chords(const GenCtx* ctx)
{
  const TandemStyle* s = ctx->style;
  const int n = ctx->n_steps;
  const int bars = ctx->params->bars;
  bool hit[TANDEM_MAX_BARS][GEN_MAX_STEPS];
  bool ghost[TANDEM_MAX_BARS][GEN_MAX_STEPS];
  bool onsets[TANDEM_MAX_BARS * GEN_MAX_STEPS];
  for (int bar = 0; bar < bars; ++bar) {
    chord_bar(ctx, bar, hit[bar], ghost[bar]);
    for (int i = 0; i < n; ++i) {
      onsets[bar * n + i] = hit[bar][i] || ghost[bar][i];
    }
  }
  TandemRng rng;
  tandem_gen_rng(ctx, &rng, GEN_STREAM_CHORDS, 100000);
  const int tones = s->chord_tones == 4 ? 4 : 3;
  for (int bar = 0; bar < bars; ++bar) {
    for (int i = 0; i < n; ++i) {
      if (!hit[bar][i] && !ghost[bar][i]) {
        continue;
      }
      const uint32_t tick = (uint32_t)bar * ctx->bar_ticks + (uint32_t)i * GEN_STEP_TICKS;
      const bool is_ghost = !hit[bar][i];
      const uint32_t length =
          is_ghost ? GEN_STEP_TICKS / 2
                   : tandem_gen_hold(ctx, onsets, bar, i, s->chord_sustain);
      const float shape = (i == 0       ? 106.0f
                           : i % 4 == 0 ? 100.0f
                                        : 92.0f) +
                          5.0f * tandem_rng_gauss(&rng);
      const uint8_t vel = (uint8_t)(shape < 1.0f     ? 1.0f
                                    : shape > 127.0f ? 127.0f
                                                     : shape);
      for (int d = 0; d < tones; ++d) {
        tandem_gen_add(ctx, tick, length, TANDEM_PITCH_CHORD, 0, (int8_t)d, 0, vel,
                       is_ghost ? TANDEM_NOTE_GHOST : 0);
      }
    }
  }
}
