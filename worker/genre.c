/* Tandem — genre detection.  See genre.h. */
#include "genre.h"

#include <math.h>
#include <string.h>

/* Weights of the cost terms and the softmax temperature, chosen by a search on
 * the rendered corpora of tests/bench (make_corpus.py and genre_corpus.py).
 * The onset classifier mixes up hats and snares on some kits, so the hat and
 * all-classes placements weigh as much as the kick's; the swing position is
 * left out (the triplet share carries the feel and is steadier). */
#define W_KICK      1.0
#define W_SNARE     0.6
#define W_HAT       1.5
#define W_ALL       1.0 /* all classes together */
#define W_OFFBEAT   0.2 /* cost of aligning the bar by an eighth, not a beat */
#define W_TEMPO     0.5
#define W_OCTAVE    1.0 /* extra cost of reading the tempo as double or half */
#define W_TRIPLET   2.0
#define W_SYNC      0.2
#define W_DENSITY   1.0
#define TEMPERATURE 0.35

void tandem_genre_init(TandemGenre* g, float decay)
{
  memset(g, 0, sizeof(*g));
  g->decay = decay > 0.0f && decay <= 1.0f ? decay : 0.8f;
}

/* The 16th of a 4-beat grid that a position frac (0..1) in a beat maps to,
 * the same way barfeatures.c places onsets. */
static int grid_step(double frac)
{
  if (frac >= 0.58 && frac < 0.71) {
    return 2;
  }
  int step = (int)lround(frac * 4.0);
  return step < 0 ? 0 : step > 3 ? 3 : step;
}

void tandem_genre_template(const TandemStyle* s, TandemGenreTemplate* out)
{
  memset(out, 0, sizeof(*out));
  const bool compound = s->beat_unit == 8 && s->beats_per_bar % 3 == 0;
  const int per_beat = compound ? 6 : 4;
  const int n = s->n_steps > TANDEM_STYLE_MAX_STEPS ? TANDEM_STYLE_MAX_STEPS : s->n_steps;
  for (int c = 0; c < TANDEM_BAR_CLASSES; ++c) {
    for (int i = 0; i < n; ++i) {
      const int beat = (i / per_beat) % 4;
      const double frac = (double)(i % per_beat) / per_beat;
      out->steps[c][beat * 4 + grid_step(frac)] += s->drum_steps[c][i];
    }
  }
  if (compound) {
    out->swing8_pct = 66.7f;
    out->triplet = 1.0f;
  } else if (s->swing_grid == 8) {
    out->swing8_pct = s->swing_pct;
    out->triplet = s->swing_pct >= 62.0f ? 1.0f : (s->swing_pct - 50.0f) / 12.0f;
  } else {
    out->swing8_pct = 50.0f;
    out->triplet = 0.0f;
  }
  out->syncopation = tandem_bar_syncopation(out->steps[0], out->steps[1], 16);
  out->onsets_per_bar = s->density[TANDEM_ROLE_DRUMS];
}

static double cosine(const float* a, const float* b, int rot)
{
  double ab = 0.0, aa = 0.0, bb = 0.0;
  for (int i = 0; i < TANDEM_BAR_STEPS; ++i) {
    const double x = a[(i + rot) % TANDEM_BAR_STEPS], y = b[i];
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  if (aa < 1e-9 && bb < 1e-9) {
    return 1.0;
  }
  if (aa < 1e-9 || bb < 1e-9) {
    return 0.0;
  }
  return ab / sqrt(aa * bb);
}

static double tempo_cost(float bpm, const TandemStyle* s)
{
  if (!(bpm > 0.0f)) {
    return 0.0;
  }
  static const double factor[] = {1.0, 2.0, 0.5};
  double best = INFINITY;
  for (int k = 0; k < 3; ++k) {
    const double t = bpm * factor[k];
    double out = 0.0;
    if (t < s->tempo_min_bpm) {
      out = log2(s->tempo_min_bpm / t);
    } else if (t > s->tempo_max_bpm) {
      out = log2(t / s->tempo_max_bpm);
    }
    double cost = fmin(3.0, (out / 0.1) * (out / 0.1));
    cost += k ? W_OCTAVE : 0.0;
    best = fmin(best, cost);
  }
  return best;
}

static double style_cost(const TandemGenreTemplate* m, float bpm, const TandemStyle* s)
{
  TandemGenreTemplate e;
  tandem_genre_template(s, &e);
  static const double w_class[TANDEM_BAR_CLASSES] = {W_KICK, W_SNARE, W_HAT};
  float m_all[TANDEM_BAR_STEPS], e_all[TANDEM_BAR_STEPS];
  for (int i = 0; i < TANDEM_BAR_STEPS; ++i) {
    m_all[i] = m->steps[0][i] + m->steps[1][i] + m->steps[2][i];
    e_all[i] = e.steps[0][i] + e.steps[1][i] + e.steps[2][i];
  }
  double best_pattern = INFINITY;
  /* Eighth-note rotations too: the beat tracker sometimes locks to the off-beat. */
  for (int rot = 0; rot < TANDEM_BAR_STEPS; rot += 2) {
    double cost = rot % 4 ? W_OFFBEAT : 0.0;
    for (int c = 0; c < TANDEM_BAR_CLASSES; ++c) {
      cost += w_class[c] * (1.0 - cosine(m->steps[c], e.steps[c], rot));
    }
    cost += W_ALL * (1.0 - cosine(m_all, e_all, rot));
    best_pattern = fmin(best_pattern, cost);
  }
  double cost = best_pattern + W_TEMPO * tempo_cost(bpm, s);
  const double dt = m->triplet - e.triplet;
  cost += W_TRIPLET * dt * dt;
  const double ds = (m->syncopation - e.syncopation) / 0.25;
  cost += W_SYNC * fmin(3.0, ds * ds);
  if (m->onsets_per_bar > 0.0f && e.onsets_per_bar > 0.0f) {
    const double dd = log2(m->onsets_per_bar / e.onsets_per_bar);
    cost += W_DENSITY * fmin(4.0, dd * dd);
  }
  return cost;
}

void tandem_genre_score(const TandemStyleSet* set, const TandemGenreTemplate* measured,
                        float bpm, float probability[TANDEM_GENRE_N])
{
  double cost[TANDEM_GENRE_N];
  double lowest = INFINITY;
  for (int i = 1; i < TANDEM_GENRE_N; ++i) {
    cost[i] = set->loaded[i] ? style_cost(measured, bpm, &set->styles[i]) : INFINITY;
    lowest = fmin(lowest, cost[i]);
  }
  double sum = 0.0;
  probability[0] = 0.0f;
  for (int i = 1; i < TANDEM_GENRE_N; ++i) {
    const double p = isfinite(cost[i]) ? exp(-(cost[i] - lowest) / TEMPERATURE) : 0.0;
    probability[i] = (float)p;
    sum += p;
  }
  for (int i = 1; i < TANDEM_GENRE_N; ++i) {
    probability[i] = sum > 0.0 ? (float)(probability[i] / sum) : 0.0f;
  }
}

void tandem_genre_measured(const TandemGenre* g, TandemGenreTemplate* m, float* bpm)
{
  memset(m, 0, sizeof(*m));
  *bpm = g->bpm_weight > 0.0 ? (float)(g->bpm / g->bpm_weight) : 0.0f;
  if (!(g->weight > 0.0)) {
    return;
  }
  for (int c = 0; c < TANDEM_BAR_CLASSES; ++c) {
    for (int i = 0; i < TANDEM_BAR_STEPS; ++i) {
      m->steps[c][i] = (float)(g->steps[c][i] / g->weight);
    }
  }
  m->onsets_per_bar = (float)(g->onsets_per_bar / g->weight);
  m->triplet = (float)(g->triplet_share / g->weight);
  m->swing8_pct = g->swing8_weight > 0.05 ? (float)(g->swing8 / g->swing8_weight) : 0.0f;
  m->syncopation = tandem_bar_syncopation(m->steps[0], m->steps[1], 16);
}

bool tandem_genre_update(TandemGenre* g, const TandemStyleSet* set,
                         const TandemBarFeatures* bar)
{
  g->bars++;
  if (bar->bpm > 0.0f) {
    /* The latest estimate, not a mean: the tracker smooths already, and a mean
     * of an octave error and the right tempo is neither. */
    g->bpm = bar->bpm;
    g->bpm_weight = 1.0;
  }
  if (bar->n_beats == 0 || bar->onsets <= 0.0f) {
    return false; /* no grid or nothing heard: placement says nothing */
  }
  const double d = g->decay;
  g->weight = g->weight * d + 1.0;
  double total = 0.0;
  for (int c = 0; c < TANDEM_BAR_CLASSES; ++c) {
    for (int i = 0; i < TANDEM_BAR_STEPS; ++i) {
      total += bar->steps[c][i];
    }
  }
  /* Each bar counts the same, however loud or busy. */
  const double norm = total > 0.0 ? 1.0 / total : 0.0;
  for (int c = 0; c < TANDEM_BAR_CLASSES; ++c) {
    for (int i = 0; i < TANDEM_BAR_STEPS; ++i) {
      g->steps[c][i] = g->steps[c][i] * d + bar->steps[c][i] * norm;
    }
  }
  g->onsets_per_bar = g->onsets_per_bar * d + bar->onsets;
  g->triplet_share = g->triplet_share * d + bar->triplet_share;
  if (bar->swing8_pct > 0.0f) {
    g->swing8 = g->swing8 * d + bar->swing8_pct;
    g->swing8_weight = g->swing8_weight * d + 1.0;
  } else {
    g->swing8 *= d;
    g->swing8_weight *= d;
  }

  TandemGenreTemplate m;
  float bpm = 0.0f;
  tandem_genre_measured(g, &m, &bpm);

  const int old_top = g->top[0];
  const float old_p = g->top_probability[0];
  tandem_genre_score(set, &m, bpm, g->probability);
  for (int k = 0; k < TANDEM_GENRE_TOP; ++k) {
    g->top[k] = 0;
    g->top_probability[k] = 0.0f;
  }
  for (int i = 1; i < TANDEM_GENRE_N; ++i) {
    const float p = g->probability[i];
    if (!set->loaded[i]) {
      continue;
    }
    for (int k = 0; k < TANDEM_GENRE_TOP; ++k) {
      if (g->top[k] == 0 || p > g->top_probability[k]) {
        for (int j = TANDEM_GENRE_TOP - 1; j > k; --j) {
          g->top[j] = g->top[j - 1];
          g->top_probability[j] = g->top_probability[j - 1];
        }
        g->top[k] = i;
        g->top_probability[k] = p;
        break;
      }
    }
  }
  return g->top[0] != old_top || fabsf(g->top_probability[0] - old_p) > 0.01f;
}

int tandem_genre_best(const TandemGenre* g, float* confidence)
{
  if (confidence) {
    *confidence = g->top_probability[0];
  }
  return g->top[0];
}

int tandem_genre_nearest_style(const TandemStyleSet* set, const TandemStyle* s,
                               float* similarity)
{
  int best = 0;
  float best_sim = -1.0f;
  for (int i = 1; i < TANDEM_GENRE_N; ++i) {
    if (!set->loaded[i]) {
      continue;
    }
    const float sim = tandem_style_similarity(s, &set->styles[i]);
    if (sim > best_sim) {
      best_sim = sim;
      best = i;
    }
  }
  if (similarity) {
    *similarity = best ? best_sim : 0.0f;
  }
  return best;
}

void tandem_genre_auto_init(TandemGenreAuto* a)
{
  memset(a, 0, sizeof(*a));
}

int tandem_genre_auto_update(TandemGenreAuto* a, const TandemGenre* g)
{
  a->bars_since_switch++;
  float confidence = 0.0f;
  const int top = tandem_genre_best(g, &confidence);
  const int leader = confidence >= TANDEM_GENRE_CONFIDENT ? top : 0;
  if (leader != 0 && leader == a->leader) {
    a->leader_bars++;
  } else {
    a->leader = leader;
    a->leader_bars = leader ? 1 : 0;
  }
  if (leader == 0 || leader == a->current) {
    return a->current;
  }
  if (a->current == 0) {
    if (a->leader_bars >= TANDEM_GENRE_ADOPT_BARS) {
      a->current = leader;
      a->bars_since_switch = 0;
      a->switches++;
    }
  } else if (a->leader_bars >= TANDEM_GENRE_SWITCH_BARS &&
             a->bars_since_switch >= TANDEM_GENRE_HOLD_BARS) {
    a->current = leader;
    a->bars_since_switch = 0;
    a->switches++;
  }
  return a->current;
}
