/* Tandem — generator, bass: the style's idiom (sty:bassIdiom) in its register
 * (sty:bassRegister).  "kick": roots, fifths and octaves locked to the kick with
 * approach notes into chord changes; "walk": one note a beat through the chord
 * with chromatic approaches; "pedal": the root repeated; "octave": root and
 * octave in turn.  Bars develop as A A' A B (gen_form.c).  See gen_internal.h. */
#include "gen_internal.h"

#include <stddef.h>
#include <string.h>

/* The key's fifth degree: the usual way into whatever chord comes next when
 * the progression is unknown. */
#define DEFAULT_APPROACH_TARGET 4
/* From this energy on the line gains an octave layer (its notes stay). */
#define LAYER_ENERGY 0.7f

typedef enum { IDIOM_KICK, IDIOM_WALK, IDIOM_PEDAL, IDIOM_OCTAVE } BassIdiom;

/* A pitch relative to the chord heard: chord tone (0 root, 1 third, 2 fifth),
 * octave, and semitones added (a chromatic approach). */
typedef struct {
  int8_t tone, octave, chromatic;
} Tone;

/* One bar of walking bass, a note a beat, through the chord.  The first two
 * are plain arpeggios and scale steps; the others lead into a chord tone by a
 * semitone, from below or above: the chromatic approaches of a walking line.
 * A bar names only the chord heard, so the approaches land inside the bar and
 * stay right whatever the next chord is. */
#define PLAIN_CELLS 2
static const Tone walk_cells[][4] = {
    {{0, 0, 0}, {1, 0, 0}, {2, 0, 0}, {1, 0, 0}},   /* R 3 5 3 */
    {{0, 0, 0}, {0, 0, 2}, {1, 0, 0}, {2, 0, 0}},   /* R 2 3 5 */
    {{0, 0, 0}, {1, 0, 0}, {2, 0, -1}, {2, 0, 0}},  /* R 3 #4 5 */
    {{0, 0, 0}, {2, -1, 0}, {1, 0, -1}, {1, 0, 0}}, /* R 5 (3-1) 3, up from the low 5 */
    {{0, 0, 0}, {1, 0, 0}, {2, 0, 1}, {2, 0, 0}},   /* R 3 b6 5 */
    {{0, 0, 0}, {2, 0, 0}, {1, 0, 1}, {1, 0, 0}},   /* R 5 (3+1) 3, down into the third */
};
#define N_CELLS ((int)(sizeof(walk_cells) / sizeof(walk_cells[0])))

static BassIdiom idiom_of(const TandemStyle* s)
{
  return !strcmp(s->bass_idiom, "walk")     ? IDIOM_WALK
         : !strcmp(s->bass_idiom, "pedal")  ? IDIOM_PEDAL
         : !strcmp(s->bass_idiom, "octave") ? IDIOM_OCTAVE
                                            : IDIOM_KICK;
}

static int register_octave(const TandemStyle* s)
{
  const float r = s->bass_register;
  return r < -1.5f ? -2 : r < -0.5f ? -1 : r > 0.5f ? 1 : 0;
}

static uint8_t shape_velocity(TandemRng* rng, int step)
{
  const float shape = (step == 0       ? 110.0f
                       : step % 4 == 0 ? 100.0f
                                       : 90.0f) +
                      5.0f * tandem_rng_gauss(rng);
  return (uint8_t)(shape < 1.0f ? 1.0f : shape > 127.0f ? 127.0f : shape);
}

/* The rhythm of one bar for the kick, pedal and octave idioms. */
static void bass_bar(const GenCtx* ctx, int bar, bool varied, bool* hit, bool* ghost)
{
  const TandemStyle* s = ctx->style;
  const int n = ctx->n_steps;
  /* The line locks to the kick in normal time, then takes the time feel as the
   * drums do, so it still meets their (moved) kick. */
  GenDrumBar drums;
  GenCtx normal = *ctx;
  normal.time_feel = TANDEM_FEEL_NORMAL;
  tandem_gen_drum_bar(&normal, bar, &drums);

  float w[GEN_MAX_STEPS];
  const float lock = s->bass_kick_lock;
  for (int i = 0; i < n; ++i) {
    const float own = tandem_gen_pitched_weight(ctx, s->bass_steps, GEN_LAYER_BASS, i);
    const float kick =
        (i % ctx->step_unit == 0 && drums.hit[TANDEM_DRUM_KICK][i]) ? 1 : 0;
    w[i] = (1.0f - lock) * own + lock * kick;
  }
  const float target =
      s->density[TANDEM_ROLE_BASS] * ctx->density_scale * (1.0f - s->ghost_prob);

  /* Unvaried bars draw the main bar's steps, so the riff repeats where the kick does. */
  const int source = tandem_gen_form_source(ctx, bar);
  int main_count =
      tandem_gen_pick_nested(ctx, GEN_STREAM_BASS, 0, w, n, target, source, hit);
  if (varied) {
    /* A variation moves a note of the main bar off the beat, rather than
     * redrawing the bar; a line of fixed points gains a pickup instead. */
    main_count += tandem_gen_vary_bar(ctx, GEN_STREAM_BASS, source, w, true, hit);
  }
  tandem_gen_anticipate(ctx, GEN_STREAM_BASS, 0, w, hit);
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

/* The walk's rhythm: every beat at the profile's density, half of them (beats 1
 * and 3 first: a two-feel) at low density, and skips (the swung "and" before a
 * beat) above it or, in some bars, at high complexity.  Nested in density. */
static void walk_bar(const GenCtx* ctx, int bar, bool* hit, bool* ghost)
{
  const TandemStyle* s = ctx->style;
  const int n = ctx->n_steps;
  const int beat = 16 / ctx->out->beat_unit;
  const int beats = n / beat;
  const float target = s->density[TANDEM_ROLE_BASS] * ctx->density_scale;
  int count = (int)(target + 0.5f);
  count = count < (beats + 1) / 2 ? (beats + 1) / 2 : count;
  for (int i = 0; i < n; ++i) {
    hit[i] = ghost[i] = false;
  }
  /* Odd beats first (1, 3, ...), then the even ones. */
  int placed = 0;
  for (int pass = 0; pass < 2; ++pass) {
    for (int b = pass; b < beats && placed < count; b += 2) {
      hit[b * beat] = true;
      ++placed;
    }
  }
  TandemRng rng;
  tandem_gen_rng(ctx, &rng, GEN_STREAM_BASS, 5 * TANDEM_MAX_BARS + bar);
  int skips = count - beats > 0 ? count - beats : 0;
  /* From complexity 0.3 on, more and more bars get a skip (0.4 at 0.5). */
  skips += tandem_rng_float(&rng) < 2.0f * (ctx->params->complexity - 0.3f) ? 1 : 0;
  /* Skips before the last beat first: the classic pickup into the next bar. */
  for (int b = beats - 1; b >= 1 && skips > 0; --b) {
    const int at = b * beat - beat / 2;
    if (at >= 0 && at % ctx->step_unit == 0 && !hit[at]) {
      ghost[at] = true;
      --skips;
    }
  }
  tandem_gen_feel_steps(ctx, hit);
  tandem_gen_feel_steps(ctx, ghost);
}

static void add_tone(const GenCtx* ctx, uint32_t tick, uint32_t length, Tone t,
                     uint8_t vel, uint8_t flags)
{
  const TandemNote note = {
      .tick = tick,
      .length = length > 0 ? length : 1,
      .kind = TANDEM_PITCH_CHORD,
      .degree = t.tone,
      .octave = (int8_t)(t.octave + register_octave(ctx->style)),
      .chromatic = t.chromatic,
      .velocity = vel > 0 ? vel : 1,
      .flags = flags,
  };
  tandem_pattern_add(ctx->out, &note);
}

/* The octave layer from LAYER_ENERGY on: the downbeat note doubled an octave up,
 * and from 0.85 the note on the middle beat too.  The line itself is untouched. */
static bool layer_step(const GenCtx* ctx, int step, bool first)
{
  const float e = ctx->params->energy;
  return e >= LAYER_ENERGY && (first || (e >= 0.85f && step == ctx->n_steps / 2));
}

static void emit_walk(const GenCtx* ctx)
{
  const TandemGenParams* prm = ctx->params;
  const int n = ctx->n_steps;
  const int beat = 16 / ctx->out->beat_unit;
  bool hit[TANDEM_MAX_BARS][GEN_MAX_STEPS];
  bool skip[TANDEM_MAX_BARS][GEN_MAX_STEPS];
  bool onsets[TANDEM_MAX_BARS * GEN_MAX_STEPS];
  for (int bar = 0; bar < prm->bars; ++bar) {
    walk_bar(ctx, tandem_gen_form_source(ctx, bar), hit[bar], skip[bar]);
    for (int i = 0; i < n; ++i) {
      onsets[bar * n + i] = hit[bar][i] || skip[bar][i];
    }
  }
  for (int bar = 0; bar < prm->bars; ++bar) {
    const int source = tandem_gen_form_source(ctx, bar);
    TandemRng rng;
    tandem_gen_rng(ctx, &rng, GEN_STREAM_BASS, 6 * TANDEM_MAX_BARS + source);
    /* Chromatic cells grow more likely with complexity (a third of the bars at 0). */
    const float chromatic = 0.35f + 0.4f * prm->complexity;
    const int cell =
        tandem_rng_float(&rng) < chromatic
            ? PLAIN_CELLS + (int)tandem_rng_below(&rng, N_CELLS - PLAIN_CELLS)
            : (int)tandem_rng_below(&rng, PLAIN_CELLS);
    const uint32_t bar_tick = (uint32_t)bar * ctx->bar_ticks;
    Tone last = walk_cells[cell][0];
    bool first = true;
    for (int i = 0; i < n; ++i) {
      const uint32_t tick = bar_tick + (uint32_t)i * GEN_STEP_TICKS;
      const uint8_t vel = shape_velocity(&rng, i);
      if (skip[bar][i]) {
        /* A skip: the last note again, dead and short, as a bassist rakes it. */
        add_tone(ctx, tick, GEN_STEP_TICKS, last, 40, TANDEM_NOTE_GHOST);
      }
      if (!hit[bar][i]) {
        continue;
      }
      const int b = (i / beat) % 4;
      last = walk_cells[cell][b];
      add_tone(ctx, tick, tandem_gen_hold(ctx, onsets, bar, i, ctx->style->bass_sustain),
               last, vel, 0);
      if (layer_step(ctx, i, first)) {
        const Tone up = {last.tone, (int8_t)(last.octave + 1), last.chromatic};
        add_tone(ctx, tick, tandem_gen_hold(ctx, onsets, bar, i, 0.5f), up, vel, 0);
      }
      first = false;
    }
  }
}

void tandem_gen_bass(const GenCtx* ctx)
{
  const TandemStyle* s = ctx->style;
  const TandemGenParams* prm = ctx->params;
  const BassIdiom idiom = idiom_of(s);
  if (idiom == IDIOM_WALK) {
    emit_walk(ctx);
    return;
  }
  const int n = ctx->n_steps;
  bool hit[TANDEM_MAX_BARS][GEN_MAX_STEPS];
  bool ghost[TANDEM_MAX_BARS][GEN_MAX_STEPS];
  bool varied[TANDEM_MAX_BARS];
  bool onsets[TANDEM_MAX_BARS * GEN_MAX_STEPS];
  for (int bar = 0; bar < prm->bars; ++bar) {
    varied[bar] = tandem_gen_form_varies(ctx, GEN_STREAM_BASS, bar);
    bass_bar(ctx, bar, varied[bar], hit[bar], ghost[bar]);
    for (int i = 0; i < n; ++i) {
      onsets[bar * n + i] = hit[bar][i] || ghost[bar][i];
    }
  }

  const float choice_sum = s->bass_root + s->bass_fifth + s->bass_octave;
  const float approach_share =
      s->bass_approach /
      (s->bass_approach + choice_sum > 0 ? s->bass_approach + choice_sum : 1);
  const int beat_steps = 16 / ctx->out->beat_unit;

  for (int bar = 0; bar < prm->bars; ++bar) {
    /* Unvaried bars replay the main bar's notes: a riff, not a reshuffle. */
    TandemRng rng;
    tandem_gen_rng(ctx, &rng, GEN_STREAM_BASS,
                   100000 + (varied[bar] ? tandem_gen_form_source(ctx, bar) : 0));
    const uint32_t bar_tick = (uint32_t)bar * ctx->bar_ticks;
    int last = -1;
    for (int i = 0; i < n; ++i) {
      last = hit[bar][i] ? i : last;
    }
    int index = 0;
    bool first = true;
    for (int i = 0; i < n; ++i) {
      const uint32_t tick = bar_tick + (uint32_t)i * GEN_STEP_TICKS;
      if (ghost[bar][i]) {
        /* A muted root: the rhythm of the note without its pitch. */
        add_tone(ctx, tick, GEN_STEP_TICKS / 2, (Tone){0, 0, 0}, 40, TANDEM_NOTE_GHOST);
      }
      if (!hit[bar][i]) {
        continue;
      }
      const uint32_t length = tandem_gen_hold(ctx, onsets, bar, i, s->bass_sustain);
      const uint8_t vel = shape_velocity(&rng, i);
      const float r = tandem_rng_float(&rng);
      const float pick = tandem_rng_float(&rng) * choice_sum;
      const bool approach = i == last && i >= n - beat_steps && r < approach_share;
      Tone t = {0, 0, 0};
      if (i == 0) {
        /* The downbeat states the chord: always the root. */
      } else if (idiom == IDIOM_PEDAL) {
        /* A pedal holds the root; a varied bar ends on the fifth for a lift. */
        t.tone = (varied[bar] && i == last) ? 2 : 0;
      } else if (idiom == IDIOM_OCTAVE) {
        t.octave = (int8_t)(index % 2);
        t.tone = (varied[bar] && i == last) ? 2 : 0;
      } else if (approach) {
        /* A diatonic step into the next bar's root (chords change at bar lines). */
        const int next = (bar + 1) % prm->bars;
        const int target =
            prm->chord_degrees ? prm->chord_degrees[next] % 7 : DEFAULT_APPROACH_TARGET;
        const int from = tandem_rng_float(&rng) < 0.6f ? target - 1 : target + 1;
        tandem_gen_add(ctx, tick, length, TANDEM_PITCH_SCALE, 0, (int8_t)from,
                       (int8_t)register_octave(s), vel, 0);
        ++index;
        first = false;
        continue;
      } else if (pick < s->bass_root) {
      } else if (pick < s->bass_root + s->bass_fifth) {
        t.tone = 2;
      } else {
        t.octave = 1;
      }
      add_tone(ctx, tick, length, t, vel, 0);
      if (layer_step(ctx, i, first)) {
        const Tone up = {t.tone, (int8_t)(t.octave + 1), t.chromatic};
        add_tone(ctx, tick, length, up, vel, 0);
      }
      ++index;
      first = false;
    }
  }
}
