/* Tandem — generator, bass: roots, fifths and octaves locked to the kick, with
 * diatonic approach notes into chord changes.  See gen_internal.h. */
#include "gen_internal.h"

#include <stddef.h>

/* The key's fifth degree: the usual way into whatever chord comes next when
 * the progression is unknown. */
#define DEFAULT_APPROACH_TARGET 4

static void bass_bar(const GenCtx* ctx, int bar, bool* hit, bool* ghost)
{
  const TandemStyle* s = ctx->style;
  const int n = ctx->n_steps;
  /* The line locks to the kick in normal time, then takes the time feel as the
   * drums do, so it still meets their (moved) kick. */
  GenDrumBar drums;
  GenCtx normal = *ctx;
  normal.time_feel = TANDEM_FEEL_NORMAL;
  tandem_gen_drum_bar(&normal, bar, &drums);

  float w[GEN_MAX_STEPS], p[GEN_MAX_STEPS];
  const float lock = s->bass_kick_lock;
  for (int i = 0; i < n; ++i) {
    const float own = tandem_gen_weight(ctx, s->bass_steps, GEN_LAYER_BASS, i);
    const float kick =
        (i % ctx->step_unit == 0 && drums.hit[TANDEM_DRUM_KICK][i]) ? 1 : 0;
    w[i] = (1.0f - lock) * own + lock * kick;
  }
  const float target =
      s->density[TANDEM_ROLE_BASS] * ctx->density_scale * (1.0f - s->ghost_prob);
  tandem_gen_inclusion(w, n, target, p);

  /* Unvaried bars draw with the same stream, so the line repeats where the kick does. */
  TandemRng vary, rng;
  tandem_gen_rng(ctx, &vary, GEN_STREAM_BASS, 2 * bar + 1);
  const bool varied = bar > 0 && tandem_rng_float(&vary) < ctx->variation;
  tandem_gen_rng(ctx, &rng, GEN_STREAM_BASS, varied ? 2 * bar + 2 : 0);
  int main_count = tandem_gen_pick(&rng, p, n, !varied && bar % 2 == 1, hit);
  if (ctx->time_feel == TANDEM_FEEL_DOUBLE) {
    /* Double time drives the bass in straight 8ths. */
    main_count = 0;
    for (int i = 0; i < n; ++i) {
      hit[i] = i % 2 == 0 && i % ctx->step_unit == 0;
      main_count += hit[i];
    }
  } else if (ctx->time_feel == TANDEM_FEEL_HALF) {
    main_count = tandem_gen_feel_steps(ctx, hit);
  }

  float ghost_w[GEN_MAX_STEPS];
  for (int i = 0; i < n; ++i) {
    const float shape = (i % 4 == 0) ? 0.1f : (i % 2 == 0) ? 0.6f : 1.0f;
    ghost_w[i] = (i % ctx->step_unit == 0 && !hit[i]) ? shape : 0.0f;
  }
  TandemRng ghost_rng;
  tandem_gen_rng(ctx, &ghost_rng, GEN_STREAM_GHOST, TANDEM_MAX_BARS + bar);
  tandem_gen_pick_count(&ghost_rng, ghost_w, n,
                        tandem_gen_ghost_count(ctx, &ghost_rng, main_count), ghost);
}

void tandem_gen_bass(const GenCtx* ctx)
{
  const TandemStyle* s = ctx->style;
  const TandemGenParams* prm = ctx->params;
  const int n = ctx->n_steps;
  bool hit[TANDEM_MAX_BARS][GEN_MAX_STEPS];
  bool ghost[TANDEM_MAX_BARS][GEN_MAX_STEPS];
  bool onsets[TANDEM_MAX_BARS * GEN_MAX_STEPS];
  for (int bar = 0; bar < prm->bars; ++bar) {
    bass_bar(ctx, bar, hit[bar], ghost[bar]);
    for (int i = 0; i < n; ++i) {
      onsets[bar * n + i] = hit[bar][i] || ghost[bar][i];
    }
  }

  const float choice_sum = s->bass_root + s->bass_fifth + s->bass_octave;
  const float approach_share =
      s->bass_approach /
      (s->bass_approach + choice_sum > 0 ? s->bass_approach + choice_sum : 1);
  const int beat_steps = 16 / ctx->out->beat_unit;
  TandemRng rng;
  tandem_gen_rng(ctx, &rng, GEN_STREAM_BASS, 100000);

  for (int bar = 0; bar < prm->bars; ++bar) {
    const uint32_t bar_tick = (uint32_t)bar * ctx->bar_ticks;
    int last = -1;
    for (int i = 0; i < n; ++i) {
      last = hit[bar][i] ? i : last;
    }
    for (int i = 0; i < n; ++i) {
      const uint32_t tick = bar_tick + (uint32_t)i * GEN_STEP_TICKS;
      if (ghost[bar][i]) {
        /* A muted root: the rhythm of the note without its pitch. */
        tandem_gen_add(ctx, tick, GEN_STEP_TICKS / 2, TANDEM_PITCH_CHORD, 0, 0, 0, 40,
                       TANDEM_NOTE_GHOST);
      }
      if (!hit[bar][i]) {
        continue;
      }
      const uint32_t length = tandem_gen_hold(ctx, onsets, bar, i, s->bass_sustain);
      const float shape = (i == 0       ? 110.0f
                           : i % 4 == 0 ? 100.0f
                                        : 90.0f) +
                          5.0f * tandem_rng_gauss(&rng);
      const uint8_t vel = (uint8_t)(shape < 1.0f     ? 1.0f
                                    : shape > 127.0f ? 127.0f
                                                     : shape);
      if (i == 0) {
        /* The downbeat states the chord: always the root. */
        tandem_gen_add(ctx, tick, length, TANDEM_PITCH_CHORD, 0, 0, 0, vel, 0);
        continue;
      }
      if (i == last && i >= n - beat_steps && tandem_rng_float(&rng) < approach_share) {
        /* A diatonic step into the next bar's root (chords change at bar lines). */
        const int next = (bar + 1) % prm->bars;
        const int target =
            prm->chord_degrees ? prm->chord_degrees[next] % 7 : DEFAULT_APPROACH_TARGET;
        const int from = tandem_rng_float(&rng) < 0.6f ? target - 1 : target + 1;
        tandem_gen_add(ctx, tick, length, TANDEM_PITCH_SCALE, 0, (int8_t)from, 0, vel, 0);
        continue;
      }
      const float r = tandem_rng_float(&rng) * choice_sum;
      if (r < s->bass_root) {
        tandem_gen_add(ctx, tick, length, TANDEM_PITCH_CHORD, 0, 0, 0, vel, 0);
      } else if (r < s->bass_root + s->bass_fifth) {
        tandem_gen_add(ctx, tick, length, TANDEM_PITCH_CHORD, 0, 2, 0, vel, 0);
      } else {
        tandem_gen_add(ctx, tick, length, TANDEM_PITCH_CHORD, 0, 0, 1, vel, 0);
      }
    }
  }
}
