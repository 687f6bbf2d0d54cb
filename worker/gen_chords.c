/* Tandem — generator, chords: comping rhythms of stabs in the style's voicing
 * (sty:chordVoicing).  Steps the profile weighs 1 are the style's fixed points
 * (the reggae skank on 2 and 4) and always play.  The player places the stab's
 * tones near its register with voice leading (voicing.h).  See gen_internal.h. */
#include "gen_internal.h"

#include <string.h>

/* From this energy on the comping gains pushes into the next beat. */
#define LAYER_ENERGY 0.7f

/* A stab's tones: chord tone index and semitones added (0 + 2 is the ninth). */
typedef struct {
  int8_t tone, chromatic;
} StabTone;

static int voicing_of(const TandemStyle* s, StabTone* tones)
{
  if (!strcmp(s->chord_voicing, "shell")) {
    /* Root, third, seventh (the sixth on a plain triad): a guitarist's or a
     * pianist's left-hand shell. */
    static const StabTone shell[] = {{0, 0}, {1, 0}, {3, 0}};
    memcpy(tones, shell, sizeof(shell));
    return 3;
  }
  if (!strcmp(s->chord_voicing, "ninth")) {
    /* Root, third, seventh and ninth; on a plain triad root, third, sixth and
     * ninth: the 6/9.  The bossa guitar's voicings. */
    static const StabTone ninth[] = {{0, 0}, {1, 0}, {3, 0}, {0, 2}};
    memcpy(tones, ninth, sizeof(ninth));
    return 4;
  }
  if (!strcmp(s->chord_voicing, "rootless")) {
    /* Third, fifth, seventh (or sixth) and ninth: the bass has the root. */
    static const StabTone rootless[] = {{1, 0}, {2, 0}, {3, 0}, {0, 2}};
    memcpy(tones, rootless, sizeof(rootless));
    return 4;
  }
  const int n = s->chord_tones == 4 ? 4 : 3;
  for (int d = 0; d < n; ++d) {
    tones[d] = (StabTone){(int8_t)d, 0};
  }
  return n;
}

static void chord_bar(const GenCtx* ctx, int bar, bool varied, bool* hit, bool* ghost)
{
  const TandemStyle* s = ctx->style;
  const int n = ctx->n_steps;
  float w[GEN_MAX_STEPS];
  for (int i = 0; i < n; ++i) {
    w[i] = tandem_gen_pitched_weight(ctx, s->chord_steps, GEN_LAYER_CHORDS, i);
  }
  const float target =
      s->density[TANDEM_ROLE_CHORDS] * ctx->density_scale * (1.0f - s->ghost_prob);
  int fixed = 0;
  for (int i = 0; i < n; ++i) {
    if (w[i] > 0.0f && s->chord_steps[i % s->n_steps] >= 1.0f) {
      w[i] = 1e6f; /* a fixed point of the style: the skank never misses a chop */
      ++fixed;
    }
  }

  const int source = tandem_gen_form_source(ctx, bar);
  const float want = target > (float)fixed ? target : (float)fixed;
  int main_count =
      tandem_gen_pick_nested(ctx, GEN_STREAM_CHORDS, 0, w, n, want, source, hit);
  if (varied) {
    /* A variation moves a stab of the main bar off the beat, rather than
     * redrawing the bar; a phrase end with nothing to move gains a push, unless
     * the style fixes the comping (the skank stays as it is). */
    main_count +=
        tandem_gen_vary_bar(ctx, GEN_STREAM_CHORDS, source, w,
                            fixed == 0 && tandem_gen_form_phrase_end(ctx, bar), hit);
  }
  tandem_gen_anticipate(ctx, GEN_STREAM_CHORDS, 0, w, hit);
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

/* The energy layer: from LAYER_ENERGY a stab on the last eighth of the bar
 * where it is free (a push into the next bar), from 0.85 one on the eighth
 * before the middle beat too.  The comping itself is untouched. */
static void layer_bar(const GenCtx* ctx, bool* hit, bool* ghost, bool* layer)
{
  const int n = ctx->n_steps;
  const float e = ctx->params->energy;
  for (int i = 0; i < n; ++i) {
    layer[i] = false;
  }
  const int at[2] = {n - 2, n / 2 - 2};
  for (int k = 0; k < 2; ++k) {
    const bool on = k == 0 ? e >= LAYER_ENERGY : e >= 0.85f;
    const int i = at[k];
    if (on && i > 0 && i % ctx->step_unit == 0 && !hit[i] && !ghost[i]) {
      layer[i] = true;
    }
  }
}

void tandem_gen_chords(const GenCtx* ctx)
{
  const TandemStyle* s = ctx->style;
  const int n = ctx->n_steps;
  const int bars = ctx->params->bars;
  bool hit[TANDEM_MAX_BARS][GEN_MAX_STEPS];
  bool ghost[TANDEM_MAX_BARS][GEN_MAX_STEPS];
  bool layer[TANDEM_MAX_BARS][GEN_MAX_STEPS];
  bool varied[TANDEM_MAX_BARS];
  bool onsets[TANDEM_MAX_BARS * GEN_MAX_STEPS];
  int last[TANDEM_MAX_BARS];
  for (int bar = 0; bar < bars; ++bar) {
    varied[bar] = tandem_gen_form_varies(ctx, GEN_STREAM_CHORDS, bar);
    chord_bar(ctx, bar, varied[bar], hit[bar], ghost[bar]);
    layer_bar(ctx, hit[bar], ghost[bar], layer[bar]);
    last[bar] = -1;
    for (int i = 0; i < n; ++i) {
      onsets[bar * n + i] = hit[bar][i] || ghost[bar][i] || layer[bar][i];
      last[bar] = hit[bar][i] ? i : last[bar];
    }
  }
  StabTone tones[4];
  const int n_tones = voicing_of(s, tones);
  for (int bar = 0; bar < bars; ++bar) {
    TandemRng rng;
    tandem_gen_rng(ctx, &rng, GEN_STREAM_CHORDS,
                   100000 + (varied[bar] ? tandem_gen_form_source(ctx, bar) : 0));
    for (int i = 0; i < n; ++i) {
      if (!hit[bar][i] && !ghost[bar][i] && !layer[bar][i]) {
        continue;
      }
      const uint32_t tick = (uint32_t)bar * ctx->bar_ticks + (uint32_t)i * GEN_STEP_TICKS;
      const bool is_ghost = ghost[bar][i];
      /* A phrase end (A', B) lets its last stab ring: the comping's answer,
       * heard even where the style fixes every chop. */
      const float sustain =
          i == last[bar] && tandem_gen_form_phrase_end(ctx, bar)
              ? (s->chord_sustain < 0.5f ? 2.0f * s->chord_sustain : 1.0f)
              : s->chord_sustain;
      const uint32_t length =
          is_ghost ? GEN_STEP_TICKS / 2 : tandem_gen_hold(ctx, onsets, bar, i, sustain);
      const float shape = (i == 0       ? 106.0f
                           : i % 4 == 0 ? 100.0f
                                        : 92.0f) -
                          5.0f * tandem_rng_gauss(&rng);
      const uint8_t vel = (uint8_t)(shape < 1.0f     ? 1.0f
                                    : shape > 127.0f ? 127.0f
                                                     : shape);
      for (int d = 0; d < n_tones; ++d) {
        const TandemNote note = {
            .tick = tick,
            .length = length > 0 ? length : 1,
            .kind = TANDEM_PITCH_CHORD,
            .degree = tones[d].tone,
            .octave = 0,
            .chromatic = tones[d].chromatic,
            .velocity = vel > 0 ? vel : 1,
            .flags = is_ghost ? TANDEM_NOTE_GHOST : 0,
        };
        tandem_pattern_add(ctx->out, &note);
      }
    }
  }
}
