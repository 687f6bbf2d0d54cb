/* Tandem — genre detection.  See genre.h. */
#include "genre.h"

#include <math.h>
#include <string.h>

#include "genre_model.h"

/* Hand-set weights of the cost terms and the softmax temperature: they score a
 * bare template (tandem_genre_score, for groove capture), pick the bar
 * alignment whose terms the trained model sees, and are the starting point of
 * tools/genre-train.py.  The onset classifier mixes up hats and snares on some
 * kits, so the hat and all-classes placements weigh as much as the kick's; the
 * swing position is left out (the triplet share carries the feel). */
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
#define W_SWING     0.0
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

/* Fills terms[TANDEM_GENRE_TERMS] comparing the measurements with style s.  The
 * placement terms are taken at the alignment the hand-set weights like best. */
static void style_terms(const TandemGenreTemplate* m, float bpm, const TandemStyle* s,
                        float* terms)
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
    double dist[TANDEM_BAR_CLASSES + 1];
    double cost = rot % 4 ? W_OFFBEAT : 0.0;
    for (int c = 0; c < TANDEM_BAR_CLASSES; ++c) {
      dist[c] = 1.0 - cosine(m->steps[c], e.steps[c], rot);
      cost += w_class[c] * dist[c];
    }
    dist[TANDEM_BAR_CLASSES] = 1.0 - cosine(m_all, e_all, rot);
    cost += W_ALL * dist[TANDEM_BAR_CLASSES];
    if (cost < best_pattern) {
      best_pattern = cost;
      terms[TANDEM_GENRE_T_KICK] = (float)dist[0];
      terms[TANDEM_GENRE_T_SNARE] = (float)dist[1];
      terms[TANDEM_GENRE_T_HAT] = (float)dist[2];
      terms[TANDEM_GENRE_T_ALL] = (float)dist[3];
      terms[TANDEM_GENRE_T_OFFBEAT] = rot % 4 ? 1.0f : 0.0f;
    }
  }
  terms[TANDEM_GENRE_T_TEMPO] = (float)tempo_cost(bpm, s);
  /* The octave-forgiving cost above saturates; when the tracker has the tempo
   * right, the plain distance tells a 124 bpm house groove from hardcore. */
  terms[TANDEM_GENRE_T_TEMPO_DIRECT] = 0.0f;
  if (bpm > 0.0f) {
    double out = 0.0;
    if (bpm < s->tempo_min_bpm) {
      out = log2(s->tempo_min_bpm / bpm);
    } else if (bpm > s->tempo_max_bpm) {
      out = log2(bpm / s->tempo_max_bpm);
    }
    terms[TANDEM_GENRE_T_TEMPO_DIRECT] = (float)fmin(1.0, out);
  }
  const double dt = m->triplet - e.triplet;
  terms[TANDEM_GENRE_T_TRIPLET] = (float)(dt * dt);
  const double ds = (m->syncopation - e.syncopation) / 0.25;
  terms[TANDEM_GENRE_T_SYNC] = (float)fmin(3.0, ds * ds);
  terms[TANDEM_GENRE_T_DENSITY] = 0.0f;
  if (m->onsets_per_bar > 0.0f && e.onsets_per_bar > 0.0f) {
    const double dd = log2(m->onsets_per_bar / e.onsets_per_bar);
    terms[TANDEM_GENRE_T_DENSITY] = (float)fmin(4.0, dd * dd);
  }
  terms[TANDEM_GENRE_T_SWING] = 0.0f;
  if (m->swing8_pct > 0.0f) {
    const double dw = (m->swing8_pct - e.swing8_pct) / 5.0;
    terms[TANDEM_GENRE_T_SWING] = (float)fmin(4.0, dw * dw);
  }
}

static double style_cost(const TandemGenreTemplate* m, float bpm, const TandemStyle* s)
{
  static const double w[TANDEM_GENRE_TERMS] = {W_KICK,    W_SNARE, W_HAT,     W_ALL,
                                               W_OFFBEAT, W_TEMPO, W_TRIPLET, W_SYNC,
                                               W_DENSITY, W_SWING, 0.0};
  float terms[TANDEM_GENRE_TERMS];
  style_terms(m, bpm, s, terms);
  double cost = 0.0;
  for (int t = 0; t < TANDEM_GENRE_TERMS; ++t) {
    cost += w[t] * terms[t];
  }
  return cost;
}

/* Softmax of scores over the loaded styles into probability. */
static void softmax(const TandemStyleSet* set, const double* score,
                    float probability[TANDEM_GENRE_N])
{
  double highest = -INFINITY;
  for (int i = 1; i < TANDEM_GENRE_N; ++i) {
    if (set->loaded[i] && isfinite(score[i])) {
      highest = fmax(highest, score[i]);
    }
  }
  double sum = 0.0;
  double p[TANDEM_GENRE_N] = {0.0};
  for (int i = 1; i < TANDEM_GENRE_N; ++i) {
    if (set->loaded[i] && isfinite(score[i])) {
      p[i] = exp(score[i] - highest);
      sum += p[i];
    }
  }
  probability[0] = 0.0f;
  for (int i = 1; i < TANDEM_GENRE_N; ++i) {
    probability[i] = sum > 0.0 ? (float)(p[i] / sum) : 0.0f;
  }
}

void tandem_genre_score(const TandemStyleSet* set, const TandemGenreTemplate* measured,
                        float bpm, float probability[TANDEM_GENRE_N])
{
  double score[TANDEM_GENRE_N];
  score[0] = -INFINITY;
  for (int i = 1; i < TANDEM_GENRE_N; ++i) {
    score[i] = set->loaded[i] ? -style_cost(measured, bpm, &set->styles[i]) / TEMPERATURE
                              : -INFINITY;
  }
  softmax(set, score, probability);
}

/* The class-blind placement and the kick and snare beat measures of the
 * smoothed placements m (see the TANDEM_GENRE_G_ALL_* and following globals). */
static void placement_globals(const TandemGenreTemplate* m, TandemGenreInputs* out)
{
  double all[TANDEM_BAR_STEPS];
  double pos[4] = {0.0}, sum = 0.0, self = 0.0, beat = 0.0, half = 0.0;
  for (int i = 0; i < TANDEM_BAR_STEPS; ++i) {
    all[i] = (double)m->steps[0][i] + m->steps[1][i] + m->steps[2][i];
  }
  for (int i = 0; i < TANDEM_BAR_STEPS; ++i) {
    pos[i % 4] += all[i];
    sum += all[i];
    self += all[i] * all[i];
    beat += all[i] * all[(i + 4) % TANDEM_BAR_STEPS];
    half += all[i] * all[(i + 8) % TANDEM_BAR_STEPS];
  }
  for (int k = 0; k < 4; ++k) {
    out->globals[TANDEM_GENRE_G_ALL_POS0 + k] = sum > 0.0 ? (float)(pos[k] / sum) : 0.25f;
  }
  out->globals[TANDEM_GENRE_G_ALL_LAG_BEAT] = self > 0.0 ? (float)(beat / self) : 0.0f;
  out->globals[TANDEM_GENRE_G_ALL_LAG_HALF] = self > 0.0 ? (float)(half / self) : 0.0f;
  double kick_lo = INFINITY, kick_hi = 0.0;
  double snare[4];
  for (int k = 0; k < 4; ++k) {
    kick_lo = fmin(kick_lo, m->steps[TANDEM_ONSET_KICK][4 * k]);
    kick_hi = fmax(kick_hi, m->steps[TANDEM_ONSET_KICK][4 * k]);
    snare[k] = m->steps[TANDEM_ONSET_SNARE][4 * k];
  }
  out->globals[TANDEM_GENRE_G_KICK_FOUR] =
      kick_hi > 0.0 ? (float)(kick_lo / kick_hi) : 0.0f;
  const double odd = snare[0] + snare[2], even = snare[1] + snare[3];
  out->globals[TANDEM_GENRE_G_SNARE_ALT] =
      odd + even > 0.0 ? (float)(fabs(odd - even) / (odd + even)) : 0.0f;
  const double a = odd >= even ? snare[0] : snare[1],
               b = odd >= even ? snare[2] : snare[3];
  out->globals[TANDEM_GENRE_G_SNARE_PAIR] =
      fmax(a, b) > 0.0 ? (float)(fmin(a, b) / fmax(a, b)) : 0.0f;
  for (int j = TANDEM_GENRE_G_ALL_POS0; j <= TANDEM_GENRE_G_SNARE_PAIR; ++j) {
    if (j != TANDEM_GENRE_G_ALL_PER_S) {
      out->globals_known[j] = 1;
    }
  }
}

void tandem_genre_inputs(const TandemGenre* g, const TandemStyleSet* set,
                         TandemGenreInputs* out)
{
  memset(out, 0, sizeof(*out));
  TandemGenreTemplate m;
  float bpm = 0.0f;
  tandem_genre_measured(g, &m, &bpm);
  for (int i = 1; i < TANDEM_GENRE_N; ++i) {
    if (set->loaded[i]) {
      style_terms(&m, bpm, &set->styles[i], out->terms[i]);
    }
  }
  if (g->weight > 0.0) {
    const double w = g->weight;
    for (int c = 0; c < TANDEM_BAR_CLASSES; ++c) {
      out->globals[TANDEM_GENRE_G_KICK_PER_BEAT + c] =
          (float)log2(1.0 + g->per_beat[c] / w);
      out->globals_known[TANDEM_GENRE_G_KICK_PER_BEAT + c] = 1;
    }
    out->globals[TANDEM_GENRE_G_SWING8] = m.swing8_pct > 0.0f ? m.swing8_pct : 50.0f;
    out->globals[TANDEM_GENRE_G_SWING16] =
        g->swing16_weight > 0.05 ? (float)(g->swing16 / g->swing16_weight) : 50.0f;
    out->globals[TANDEM_GENRE_G_TRIPLET] = m.triplet;
    out->globals[TANDEM_GENRE_G_SYNC] = m.syncopation;
    out->globals[TANDEM_GENRE_G_TIMING] = (float)(g->timing_ms / w);
    out->globals[TANDEM_GENRE_G_FLAM] = (float)(g->flam_share / w);
    for (int c = 0; c < TANDEM_BAR_CLASSES; ++c) {
      const float* st = m.steps[c];
      double pos[4] = {0.0}, sum = 0.0, self = 0.0, beat = 0.0, half = 0.0;
      for (int i = 0; i < TANDEM_BAR_STEPS; ++i) {
        pos[i % 4] += st[i];
        sum += st[i];
        self += (double)st[i] * st[i];
        beat += (double)st[i] * st[(i + 4) % TANDEM_BAR_STEPS];
        half += (double)st[i] * st[(i + 8) % TANDEM_BAR_STEPS];
      }
      for (int k = 0; k < 4; ++k) {
        const int j = TANDEM_GENRE_G_KICK_POS0 + c * 4 + k;
        out->globals[j] = sum > 0.0 ? (float)(pos[k] / sum) : 0.25f;
        out->globals_known[j] = 1;
      }
      const int lb = TANDEM_GENRE_G_KICK_LAG_BEAT + c,
                lh = TANDEM_GENRE_G_KICK_LAG_HALF + c;
      out->globals[lb] = self > 0.0 ? (float)(beat / self) : 0.0f;
      out->globals[lh] = self > 0.0 ? (float)(half / self) : 0.0f;
      out->globals_known[lb] = out->globals_known[lh] = 1;
    }
    placement_globals(&m, out);
    static const int grid_globals[] = {TANDEM_GENRE_G_SWING8,  TANDEM_GENRE_G_SWING16,
                                       TANDEM_GENRE_G_TRIPLET, TANDEM_GENRE_G_SYNC,
                                       TANDEM_GENRE_G_TIMING,  TANDEM_GENRE_G_FLAM};
    for (size_t k = 0; k < sizeof(grid_globals) / sizeof(grid_globals[0]); ++k) {
      out->globals_known[grid_globals[k]] = 1;
    }
  }
  if (bpm > 0.0f) {
    if (g->weight > 0.0) {
      const int j = TANDEM_GENRE_G_ALL_PER_S;
      out->globals[j] = (float)log2(1.0 + m.onsets_per_bar / 4.0 * bpm / 60.0);
      out->globals_known[j] = 1;
    }
    const double t = log2(bpm / 120.0);
    out->globals[TANDEM_GENRE_G_TEMPO] = (float)t;
    out->globals[TANDEM_GENRE_G_TEMPO_SQ] = (float)(t * t);
    out->globals_known[TANDEM_GENRE_G_TEMPO] =
        out->globals_known[TANDEM_GENRE_G_TEMPO_SQ] = 1;
    if (g->weight > 0.0) {
      for (int c = 0; c < TANDEM_BAR_CLASSES; ++c) {
        const int j = TANDEM_GENRE_G_KICK_PER_S + c;
        out->globals[j] = (float)log2(1.0 + g->per_beat[c] / g->weight * bpm / 60.0);
        out->globals_known[j] = 1;
      }
    }
    const double angle = 6.283185307179586 * t; /* one turn (2 pi) per octave */
    out->globals[TANDEM_GENRE_G_TEMPO_COS] = (float)cos(angle);
    out->globals[TANDEM_GENRE_G_TEMPO_SIN] = (float)sin(angle);
    out->globals[TANDEM_GENRE_G_TEMPO_COS2] = (float)cos(2.0 * angle);
    out->globals[TANDEM_GENRE_G_TEMPO_SIN2] = (float)sin(2.0 * angle);
    for (int j = TANDEM_GENRE_G_TEMPO_COS; j <= TANDEM_GENRE_G_TEMPO_SIN2; ++j) {
      out->globals_known[j] = 1;
    }
  }
  if (g->level_weight > 0.0) {
    const double w = g->level_weight;
    for (int b = 0; b < TANDEM_N_BANDS; ++b) {
      out->globals[TANDEM_GENRE_G_BAND0 + b] = (float)(g->band_balance[b] / w);
      out->globals_known[TANDEM_GENRE_G_BAND0 + b] = 1;
    }
    out->globals[TANDEM_GENRE_G_CREST] = (float)(g->crest_db / w);
    out->globals[TANDEM_GENRE_G_CENTROID] = (float)(g->centroid_log2 / w);
    out->globals_known[TANDEM_GENRE_G_CREST] = 1;
    out->globals_known[TANDEM_GENRE_G_CENTROID] = 1;
  }
}

void tandem_genre_classify(const TandemStyleSet* set, const TandemGenreInputs* in,
                           float probability[TANDEM_GENRE_N])
{
  /* Standardised globals; an unknown one sits at the training mean (0). */
  double z[TANDEM_GENRE_GLOBALS];
  for (int j = 0; j < TANDEM_GENRE_GLOBALS; ++j) {
    z[j] = in->globals_known[j] ? (in->globals[j] - tandem_genre_model_mean[j]) /
                                      tandem_genre_model_scale[j]
                                : 0.0;
    /* Far outside what training saw, a linear score only extrapolates. */
    z[j] = fmax(-4.0, fmin(4.0, z[j]));
  }
  double score[TANDEM_GENRE_N];
  score[0] = -INFINITY;
  for (int i = 1; i < TANDEM_GENRE_N; ++i) {
    if (!set->loaded[i]) {
      score[i] = -INFINITY;
      continue;
    }
    double v = tandem_genre_model_bias[i];
    for (int t = 0; t < TANDEM_GENRE_TERMS; ++t) {
      v -= tandem_genre_model_term_weight[t] * in->terms[i][t];
    }
    for (int j = 0; j < TANDEM_GENRE_GLOBALS; ++j) {
      v += tandem_genre_model_weight[i][j] * z[j];
    }
    score[i] = v;
  }
  softmax(set, score, probability);
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

/* The whole-beat rotation (in steps) that lines a bar up with the placements
 * summed so far.  A beat tracker that drops or adds a beat starts the next bars
 * on another beat; without this the sum would smear the pattern over the
 * beats.  A rotation must match clearly better than none (10 %), so a groove
 * that repeats every beat keeps the host's (or the first bar's) downbeat. */
static int bar_rotation(const TandemGenre* g, const TandemBarFeatures* bar)
{
  double unrotated = 0.0, best = -1.0;
  int best_rot = 0;
  for (int rot = 0; rot < TANDEM_BAR_STEPS; rot += TANDEM_BAR_STEPS / TANDEM_BAR_BEATS) {
    double dot = 0.0;
    for (int c = 0; c < TANDEM_BAR_CLASSES; ++c) {
      for (int i = 0; i < TANDEM_BAR_STEPS; ++i) {
        dot += g->steps[c][i] * bar->steps[c][(i + rot) % TANDEM_BAR_STEPS];
      }
    }
    if (rot == 0) {
      unrotated = dot;
    } else if (dot > best) {
      best = dot;
      best_rot = rot;
    }
  }
  return best > 1.1 * unrotated ? best_rot : 0;
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
  double total = 0.0;
  for (int c = 0; c < TANDEM_BAR_CLASSES; ++c) {
    for (int i = 0; i < TANDEM_BAR_STEPS; ++i) {
      total += bar->steps[c][i];
    }
  }
  const int rot = g->weight > 0.0 ? bar_rotation(g, bar) : 0;
  g->weight = g->weight * d + 1.0;
  /* Each bar counts the same, however loud or busy. */
  const double norm = total > 0.0 ? 1.0 / total : 0.0;
  for (int c = 0; c < TANDEM_BAR_CLASSES; ++c) {
    for (int i = 0; i < TANDEM_BAR_STEPS; ++i) {
      g->steps[c][i] =
          g->steps[c][i] * d + bar->steps[c][(i + rot) % TANDEM_BAR_STEPS] * norm;
    }
  }
  g->onsets_per_bar = g->onsets_per_bar * d + bar->onsets;
  g->triplet_share = g->triplet_share * d + bar->triplet_share;
  for (int c = 0; c < TANDEM_BAR_CLASSES; ++c) {
    g->per_beat[c] = g->per_beat[c] * d + bar->onsets_per_beat[c];
  }
  g->timing_ms = g->timing_ms * d + bar->timing_dev_ms;
  g->flam_share = g->flam_share * d + bar->flam_share;
  if (bar->swing16_pct > 0.0f) {
    g->swing16 = g->swing16 * d + bar->swing16_pct;
    g->swing16_weight = g->swing16_weight * d + 1.0;
  } else {
    g->swing16 *= d;
    g->swing16_weight *= d;
  }
  if (bar->has_levels) {
    double mean = 0.0;
    for (int b = 0; b < TANDEM_N_BANDS; ++b) {
      mean += bar->bands_db[b];
    }
    mean /= TANDEM_N_BANDS;
    /* The balance, not the level: a quieter mix of the same groove is the same. */
    for (int b = 0; b < TANDEM_N_BANDS; ++b) {
      g->band_balance[b] = g->band_balance[b] * d + (bar->bands_db[b] - mean);
    }
    g->crest_db = g->crest_db * d + bar->crest_db;
    g->centroid_log2 = g->centroid_log2 * d + log2(fmax(20.0, bar->centroid_hz));
    g->level_weight = g->level_weight * d + 1.0;
  }
  if (bar->swing8_pct > 0.0f) {
    g->swing8 = g->swing8 * d + bar->swing8_pct;
    g->swing8_weight = g->swing8_weight * d + 1.0;
  } else {
    g->swing8 *= d;
    g->swing8_weight *= d;
  }

  TandemGenreInputs in;
  tandem_genre_inputs(g, set, &in);

  const int old_top = g->top[0];
  const float old_p = g->top_probability[0];
  tandem_genre_classify(set, &in, g->probability);
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
