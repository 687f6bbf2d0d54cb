/* Tandem — generator, melody: 4-bar phrases of a call (a motif and its
 * sequence, rising) and a response (an answer that falls to a cadence and a
 * rest), developed over the pattern as A A' A B, placed where the input leaves
 * room.  Notes are scale degrees of the key; notes on the strong beats and long
 * notes are pulled onto the chord heard (TANDEM_PITCH_SCALE_IN_CHORD), so the
 * tune never rubs a semitone against the chords there.  See gen_internal.h. */
#include "gen_internal.h"

/* The range, in scale degrees of the key from the melody's base (C5): about a
 * tenth around the key note, above the chords' register (around C4). */
#define LOWEST_DEGREE  (-4)
#define HIGHEST_DEGREE 6
/* From this energy on, strong-beat notes gain an octave below (a layer). */
#define LAYER_ENERGY 0.7f

typedef struct {
  bool hit[GEN_MAX_STEPS];
  int8_t degree[GEN_MAX_STEPS];
} Motif;

static int clamp_degree(int d)
{
  return d < LOWEST_DEGREE ? LOWEST_DEGREE : d > HIGHEST_DEGREE ? HIGHEST_DEGREE : d;
}

/* A step of the line going `dir` (+1 up, -1 down): mostly a second, sometimes
 * a third, now and then a repeat. */
static int step_toward(TandemRng* rng, int dir)
{
  const float u = tandem_rng_float(rng);
  return u < 0.6f ? dir : u < 0.85f ? 2 * dir : u < 0.95f ? 0 : -dir;
}

/* A motif's rhythm: about `target` steps of the weights w, nested in density,
 * with anticipations growing with complexity. */
static void motif_rhythm(const GenCtx* ctx, int key, const float* w, float target,
                         bool* hit)
{
  tandem_gen_pick_nested(ctx, GEN_STREAM_MELODY, 1000 + key, w, ctx->n_steps, target, 0,
                         hit);
  tandem_gen_anticipate(ctx, GEN_STREAM_MELODY, 1000 + key, w, hit);
}

/* Pitches along a contour: from `start`, stepping `dir` until the middle of the
 * bar's notes when `arch` (then back), else all the way. */
static void contour(TandemRng* rng, Motif* m, int n, int start, int dir, bool arch)
{
  int count = 0;
  for (int i = 0; i < n; ++i) {
    count += m->hit[i];
  }
  int d = start, k = 0;
  for (int i = 0; i < n; ++i) {
    m->degree[i] = 0;
    if (!m->hit[i]) {
      continue;
    }
    m->degree[i] = (int8_t)clamp_degree(d);
    const int way = (arch && 2 * (k + 1) > count) ? -dir : dir;
    d = clamp_degree(d + step_toward(rng, way));
    ++k;
  }
}

/* Shifts every note of m by `shift` degrees if the whole motif stays in range. */
static void sequence(Motif* m, int n, int shift)
{
  for (int i = 0; i < n; ++i) {
    if (m->hit[i] &&
        (m->degree[i] + shift < LOWEST_DEGREE || m->degree[i] + shift > HIGHEST_DEGREE)) {
      return;
    }
  }
  for (int i = 0; i < n; ++i) {
    m->degree[i] = (int8_t)(m->hit[i] ? m->degree[i] + shift : 0);
  }
}

/* One 4-bar phrase from theme `theme` into line[0..3]: call (motif, then its
 * sequence a step or two higher) and response (an answer that falls, then the
 * cadence: fewer notes, home on the tonic or, for an open phrase, the fifth,
 * and a rest after it).  Themes differ by key, so a restated theme is the same
 * phrase note for note. */
static void make_phrase(const GenCtx* ctx, int theme, bool open, const float* w,
                        float target, Motif* line)
{
  const int n = ctx->n_steps;
  TandemRng rng;
  tandem_gen_rng(ctx, &rng, GEN_STREAM_MELODY, 3000 + theme);
  static const int8_t starts[] = {-2, 0, -1, 2};
  const int start = starts[tandem_rng_below(&rng, sizeof(starts))];

  /* The call rises (or arches); its second bar is the same shape higher. */
  motif_rhythm(ctx, theme * 4, w, target, line[0].hit);
  contour(&rng, &line[0], n, start, +1, tandem_rng_float(&rng) < 0.4f);
  line[1] = line[0];
  static const int8_t shifts[] = {1, 2, 1, -1};
  sequence(&line[1], n, shifts[tandem_rng_below(&rng, sizeof(shifts))]);

  /* The answer starts where the call peaked and falls. */
  int peak = LOWEST_DEGREE;
  for (int i = 0; i < n; ++i) {
    peak = line[1].hit[i] && line[1].degree[i] > peak ? line[1].degree[i] : peak;
  }
  motif_rhythm(ctx, theme * 4 + 1, w, target, line[2].hit);
  contour(&rng, &line[2], n, peak, -1, false);

  /* The cadence: a sparser bar that lands home and leaves a rest. */
  motif_rhythm(ctx, theme * 4 + 2, w, 0.6f * target, line[3].hit);
  int last = -1;
  for (int i = 0; i < n; ++i) {
    last = line[3].hit[i] ? i : last;
  }
  if (last < 0) {
    line[3].hit[0] = true;
    last = 0;
  }
  int low = LOWEST_DEGREE;
  for (int i = 0; i < n; ++i) {
    low = line[2].hit[i] ? line[2].degree[i] : low;
  }
  contour(&rng, &line[3], n, low, -1, false);
  line[3].degree[last] = (int8_t)(open ? 4 : 0);
}

/* The time feel on one developed bar: its notes move as the other roles' onsets
 * do (tandem_gen_feel_steps), each keeping its degree. */
static void feel_bar(const GenCtx* ctx, Motif* m)
{
  if (ctx->time_feel == TANDEM_FEEL_NORMAL) {
    return;
  }
  const int n = ctx->n_steps;
  const Motif before = *m;
  for (int i = 0; i < n; ++i) {
    m->hit[i] = false;
    m->degree[i] = 0;
  }
  for (int i = 0; i < n; ++i) {
    if (!before.hit[i]) {
      continue;
    }
    if (ctx->time_feel == TANDEM_FEEL_HALF) {
      if (2 * i < n) {
        m->hit[2 * i] = true;
        m->degree[2 * i] = before.degree[i];
      }
    } else if (i % 2 == 0) {
      const int to[2] = {i / 2, n / 2 + i / 2};
      for (int k = 0; k < 2; ++k) {
        if (to[k] < n && to[k] % ctx->step_unit == 0) {
          m->hit[to[k]] = true;
          m->degree[to[k]] = before.degree[i];
        }
      }
    }
  }
}

void tandem_gen_melody(const GenCtx* ctx)
{
  const TandemStyle* s = ctx->style;
  const TandemGenParams* prm = ctx->params;
  const int n = ctx->n_steps;
  const float* busy = prm->input_busy;

  float w[GEN_MAX_STEPS];
  float mean_busy = 0.0f;
  for (int i = 0; i < n; ++i) {
    const float b = busy ? (busy[i] < 0.0f   ? 0.0f
                            : busy[i] > 1.0f ? 1.0f
                                             : busy[i])
                         : 0.0f;
    /* Leave space where the input is busy: answer it rather than talk over it. */
    w[i] = tandem_gen_pitched_weight(ctx, s->melody_steps, GEN_LAYER_MELODY, i) *
           (1.0f - 0.97f * b);
    mean_busy += b / (float)n;
  }
  /* The cadence bar plays 0.6 of the others: they carry a little more. */
  const float target = s->density[TANDEM_ROLE_MELODY] * ctx->density_scale *
                       (1.0f - s->ghost_prob) * (1.0f - 0.5f * mean_busy) * 1.1f;

  /* Phrases: A, A' (the same call, an open ending, and at higher complexity a
   * new answer), A again, then B (a new theme).  A 4-bar pattern is one phrase. */
  Motif line[TANDEM_MAX_BARS];
  bool onsets[TANDEM_MAX_BARS * GEN_MAX_STEPS];
  bool ghost[TANDEM_MAX_BARS][GEN_MAX_STEPS];
  for (int phrase = 0; phrase * GEN_PHRASE_BARS < prm->bars; ++phrase) {
    Motif bars[GEN_PHRASE_BARS];
    const int source = tandem_gen_form_source(ctx, phrase * GEN_PHRASE_BARS);
    const int form = source / GEN_PHRASE_BARS;
    make_phrase(ctx, form == 3 ? 1 : 0, form == 1, w, target, bars);
    if (form == 1 &&
        tandem_gen_form_varies(ctx, GEN_STREAM_MELODY, 2 * GEN_PHRASE_BARS - 2)) {
      /* A' answers its call a step or a third lower, same rhythm, still open. */
      TandemRng rng;
      tandem_gen_rng(ctx, &rng, GEN_STREAM_MELODY, 4000 + phrase);
      const int shift = tandem_rng_float(&rng) < 0.5f ? -1 : -2;
      int last = -1;
      for (int i = 0; i < n; ++i) {
        last = bars[3].hit[i] ? i : last;
      }
      const int8_t ending = last >= 0 ? bars[3].degree[last] : 0;
      sequence(&bars[2], n, shift);
      sequence(&bars[3], n, shift);
      if (last >= 0) {
        bars[3].degree[last] = ending;
      }
    }
    for (int j = 0; j < GEN_PHRASE_BARS && phrase * GEN_PHRASE_BARS + j < prm->bars;
         ++j) {
      line[phrase * GEN_PHRASE_BARS + j] = bars[j];
      feel_bar(ctx, &line[phrase * GEN_PHRASE_BARS + j]);
    }
  }

  /* Ghosts: quiet upper neighbours just before a main note. */
  for (int bar = 0; bar < prm->bars; ++bar) {
    float ghost_w[GEN_MAX_STEPS];
    int count = 0;
    for (int i = 0; i < n; ++i) {
      const int next = i + ctx->step_unit;
      ghost_w[i] = (i % ctx->step_unit == 0 && !line[bar].hit[i] && next < n &&
                    line[bar].hit[next])
                       ? 1.0f
                       : 0.0f;
      count += line[bar].hit[i];
    }
    TandemRng ghost_rng;
    tandem_gen_rng(ctx, &ghost_rng, GEN_STREAM_GHOST, bar);
    tandem_gen_pick_count(&ghost_rng, ghost_w, n,
                          tandem_gen_ghost_count(ctx, &ghost_rng, count), ghost[bar]);
    for (int i = 0; i < n; ++i) {
      onsets[bar * n + i] = line[bar].hit[i] || ghost[bar][i];
    }
  }

  const int beat = 16 / ctx->out->beat_unit;
  const int strong = ctx->n_steps % (2 * beat) == 0 ? 2 * beat : beat;
  const float e = prm->energy;
  TandemRng vel_rng;
  tandem_gen_rng(ctx, &vel_rng, GEN_STREAM_MELODY, 100000);
  for (int bar = 0; bar < prm->bars; ++bar) {
    const uint32_t bar_tick = (uint32_t)bar * ctx->bar_ticks;
    const bool cadence = bar % GEN_PHRASE_BARS == GEN_PHRASE_BARS - 1;
    int last = -1;
    for (int i = 0; i < n; ++i) {
      last = line[bar].hit[i] ? i : last;
    }
    for (int i = 0; i < n; ++i) {
      const uint32_t tick = bar_tick + (uint32_t)i * GEN_STEP_TICKS;
      if (ghost[bar][i]) {
        const int next_degree = line[bar].degree[i + ctx->step_unit];
        tandem_gen_add(ctx, tick, GEN_STEP_TICKS / 2, TANDEM_PITCH_SCALE, 0,
                       (int8_t)clamp_degree(next_degree + 1), 0, 40, TANDEM_NOTE_GHOST);
      }
      if (!line[bar].hit[i]) {
        continue;
      }
      uint32_t length = tandem_gen_hold(ctx, onsets, bar, i, 0.9f);
      if (cadence && i == last && length > 2 * (uint32_t)beat * GEN_STEP_TICKS) {
        /* The phrase breathes: its last note stops after two beats. */
        length = 2 * (uint32_t)beat * GEN_STEP_TICKS;
      }
      const int degree = line[bar].degree[i];
      /* Strong beats and long notes sound a tone of the chord heard. */
      const bool on_chord = i % strong == 0 || length >= (uint32_t)beat * GEN_STEP_TICKS;
      const uint8_t kind = on_chord ? TANDEM_PITCH_SCALE_IN_CHORD : TANDEM_PITCH_SCALE;
      /* Louder on the beat and as the line climbs, as singers and soloists play. */
      const float shape = (i % 4 == 0 ? 100.0f : 90.0f) + 1.5f * degree +
                          5.0f * tandem_rng_gauss(&vel_rng);
      const uint8_t vel = (uint8_t)(shape < 1.0f     ? 1.0f
                                    : shape > 127.0f ? 127.0f
                                                     : shape);
      tandem_gen_add(ctx, tick, length, kind, 0, (int8_t)degree, 0, vel, 0);
      if (e >= LAYER_ENERGY && (i % strong == 0 || e >= 0.85f)) {
        /* The energy layer: the same note an octave below. */
        tandem_gen_add(ctx, tick, length, kind, 0, (int8_t)degree, -1, vel, 0);
      }
    }
  }
}
