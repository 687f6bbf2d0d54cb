/* Tandem — generator, melody: a one-bar motif developed over 4-bar phrases
 * (statement, repetition or sequence, rhythmic variation, cadence), placed
 * where the input leaves room.  Notes are scale degrees of the key.
 * See gen_internal.h. */
#include "gen_internal.h"

#define LOWEST_DEGREE  (-3)
#define HIGHEST_DEGREE 9

typedef struct {
  bool hit[GEN_MAX_STEPS];
  int8_t degree[GEN_MAX_STEPS];
} Motif;

static int clamp_degree(int d)
{
  return d < LOWEST_DEGREE ? LOWEST_DEGREE : d > HIGHEST_DEGREE ? HIGHEST_DEGREE : d;
}

/* Melodic steps by likelihood: mostly stepwise, some repeats and thirds, few leaps. */
static int draw_interval(TandemRng* rng)
{
  static const int8_t intervals[] = {-1, 1, -1, 1, -2, 2, 0, -1, 1, 3, -3, 4};
  return intervals[tandem_rng_below(rng, sizeof(intervals))];
}

static void make_motif(const GenCtx* ctx, int id, const float* w, float target, Motif* m)
{
  const int n = ctx->n_steps;
  float p[GEN_MAX_STEPS];
  TandemRng rng;
  tandem_gen_rng(ctx, &rng, GEN_STREAM_MELODY, 1000 + id);
  tandem_gen_inclusion(w, n, target, p);
  tandem_gen_pick(&rng, p, n, false, m->hit);
  /* Start on a tone of the tonic triad, then walk. */
  static const int8_t starts[] = {0, 2, 4, 7};
  int d = starts[tandem_rng_below(&rng, sizeof(starts))];
  for (int i = 0; i < n; ++i) {
    if (m->hit[i]) {
      m->degree[i] = (int8_t)d;
      d = clamp_degree(d + draw_interval(&rng));
    } else {
      m->degree[i] = 0;
    }
  }
}

/* Moves a scale degree by at most one step onto the triad built on chord_root
 * (a scale degree): every degree is within one step of a triad tone. */
static int snap_to_triad(int degree, int chord_root)
{
  static const int8_t order[] = {0, -1, 1};
  for (int k = 0; k < 3; ++k) {
    const int rel = ((degree + order[k] - chord_root) % 7 + 7) % 7;
    if (rel == 0 || rel == 2 || rel == 4) {
      return degree + order[k];
    }
  }
  return degree;
}

/* Develops the motif for bar `j` (0..3) of a phrase into `bar_out`. */
static void develop(const GenCtx* ctx, const Motif* motif, int phrase, int j, Motif* out)
{
  const int n = ctx->n_steps;
  const int unit = ctx->step_unit;
  TandemRng rng;
  tandem_gen_rng(ctx, &rng, GEN_STREAM_MELODY, 2000 + phrase * GEN_PHRASE_BARS + j);
  *out = *motif;
  if (j == 1 && tandem_rng_float(&rng) < 0.65f) {
    /* Sequence: the same shape a step or a third away, if it fits the range. */
    static const int8_t shifts[] = {1, 2, -1, 3, -2};
    int lowest = HIGHEST_DEGREE, highest = LOWEST_DEGREE;
    for (int i = 0; i < n; ++i) {
      if (motif->hit[i]) {
        lowest = motif->degree[i] < lowest ? motif->degree[i] : lowest;
        highest = motif->degree[i] > highest ? motif->degree[i] : highest;
      }
    }
    const int shift = shifts[tandem_rng_below(&rng, sizeof(shifts))];
    if (lowest + shift >= LOWEST_DEGREE && highest + shift <= HIGHEST_DEGREE) {
      for (int i = 0; i < n; ++i) {
        out->degree[i] = (int8_t)(out->degree[i] + shift);
      }
    }
  } else if (j == 2) {
    /* Rhythmic variation: notes slip to a free neighbouring step. */
    const float move = 0.2f + 0.4f * ctx->params->complexity;
    for (int i = 0; i < n; ++i) {
      if (!motif->hit[i] || tandem_rng_float(&rng) >= move) {
        continue;
      }
      const int to = tandem_rng_float(&rng) < 0.5f ? i - unit : i + unit;
      if (to >= 0 && to < n && !out->hit[to] && !motif->hit[to]) {
        out->hit[to] = true;
        out->degree[to] = out->degree[i];
        out->hit[i] = false;
      }
    }
  } else if (j == GEN_PHRASE_BARS - 1) {
    /* Cadence: the phrase ends home on the tonic, or open on the fifth. */
    int last = -1;
    for (int i = 0; i < n; ++i) {
      last = out->hit[i] ? i : last;
    }
    if (last >= 0) {
      out->degree[last] = (int8_t)((phrase % 2) ? 4 : 0);
    }
  }
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
    w[i] =
        tandem_gen_weight(ctx, s->melody_steps, GEN_LAYER_MELODY, i) * (1.0f - 0.97f * b);
    mean_busy += b / (float)n;
  }
  const float target = s->density[TANDEM_ROLE_MELODY] * ctx->density_scale *
                       (1.0f - s->ghost_prob) * (1.0f - 0.5f * mean_busy);

  Motif line[TANDEM_MAX_BARS];
  bool onsets[TANDEM_MAX_BARS * GEN_MAX_STEPS];
  bool ghost[TANDEM_MAX_BARS][GEN_MAX_STEPS];
  Motif motif;
  int motif_id = -1;
  TandemRng rng;
  tandem_gen_rng(ctx, &rng, GEN_STREAM_MELODY, 0);
  for (int bar = 0; bar < prm->bars; ++bar) {
    const int phrase = bar / GEN_PHRASE_BARS;
    const int j = bar % GEN_PHRASE_BARS;
    if (j == 0 && (motif_id < 0 || tandem_rng_float(&rng) < 0.5f)) {
      /* A new phrase keeps the old motif half the time: that is what makes it a tune. */
      motif_id = phrase;
      make_motif(ctx, motif_id, w, target, &motif);
    }
    develop(ctx, &motif, phrase, j, &line[bar]);
    feel_bar(ctx, &line[bar]);
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

  TandemRng vel_rng;
  tandem_gen_rng(ctx, &vel_rng, GEN_STREAM_MELODY, 100000);
  for (int bar = 0; bar < prm->bars; ++bar) {
    const uint32_t bar_tick = (uint32_t)bar * ctx->bar_ticks;
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
      const uint32_t length = tandem_gen_hold(ctx, onsets, bar, i, 0.9f);
      int degree = line[bar].degree[i];
      if (prm->chord_degrees && i % 8 == 0) {
        /* With the progression known, strong beats land on a chord tone. */
        degree = snap_to_triad(degree, prm->chord_degrees[bar] % 7);
      }
      /* Louder on the beat and as the line climbs, as singers and soloists play. */
      const float shape = (i % 4 == 0 ? 100.0f : 90.0f) + 1.5f * line[bar].degree[i] +
                          5.0f * tandem_rng_gauss(&vel_rng);
      const uint8_t vel = (uint8_t)(shape < 1.0f     ? 1.0f
                                    : shape > 127.0f ? 127.0f
                                                     : shape);
      tandem_gen_add(ctx, tick, length, TANDEM_PITCH_SCALE, 0, (int8_t)degree, 0, vel, 0);
    }
  }
}
