/* Tandem — groove capture.  See groove.h. */
#include "groove.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "theory.h"

/* A snare-class hit under this share of the bar's snare accent is a ghost note.
 * Onset strengths are log-compressed (a stroke at a third of the accent's
 * velocity reads about 0.9 of it), so the line sits close to 1. */
#define GHOST_RATIO 0.93f
/* Bars whose grid tempo is within this many octaves of each other agree. */
#define TEMPO_AGREE_OCTAVES 0.1f
/* Neighbouring bars whose grid tempi are within this many octaves (about 2 %)
 * have their beats where the music's are, close enough to read swing from. */
#define TEMPO_STEADY_OCTAVES 0.03f

static int compare_floats(const void* a, const void* b)
{
  const float x = *(const float*)a, y = *(const float*)b;
  return (x > y) - (x < y);
}

static float clampf(float v, float lo, float hi)
{
  return v < lo ? lo : v > hi ? hi : v;
}

void tandem_groove_init(TandemGrooveCapture* g)
{
  g->n_bars = 0;
  g->heard = 0;
}

void tandem_groove_add_bar(TandemGrooveCapture* g, const TandemBarFeatures* bar)
{
  if (bar->n_beats != TANDEM_BAR_BEATS || !(bar->onsets > 0.0f) ||
      !(bar->duration_s > 0.0f)) {
    return;
  }
  g->heard++;
  if (g->n_bars >= TANDEM_GROOVE_MAX_BARS) {
    return;
  }
  TandemGrooveBar* b = &g->bars[g->n_bars++];
  memcpy(b->steps, bar->steps, sizeof(b->steps));
  b->bpm = 60.0f * TANDEM_BAR_BEATS / bar->duration_s;
  b->swing8_pct = bar->swing8_pct;
  b->swing16_pct = bar->swing16_pct;
  b->triplet_share = bar->triplet_share;
  b->onsets = bar->onsets;
}

/* The median of v[0..n) (sorted in place); 0 for none. */
static float median(float* v, uint32_t n)
{
  if (n == 0) {
    return 0.0f;
  }
  qsort(v, n, sizeof(float), compare_floats);
  return n % 2 ? v[n / 2] : 0.5f * (v[n / 2 - 1] + v[n / 2]);
}

/* Scratch for finish: the bars in use, their hits and shifts. */
typedef struct {
  uint32_t index[TANDEM_GROOVE_MAX_BARS];
  uint32_t n;
  float hits[TANDEM_GROOVE_MAX_BARS][TANDEM_BAR_CLASSES][TANDEM_BAR_STEPS];
  int shift[TANDEM_GROOVE_MAX_BARS];
  uint32_t ghosts, all_hits;
  float values[TANDEM_GROOVE_MAX_BARS * TANDEM_BAR_STEPS];
} Work;

/* The bars whose grid tempo most bars agree with: a tracker that doubled or
 * halved the tempo for a while drew a wrong grid there. */
static void pick_bars(const TandemGrooveCapture* g, Work* w)
{
  uint32_t best = 0, best_count = 0;
  for (uint32_t k = 0; k < g->n_bars; ++k) {
    uint32_t count = 0;
    for (uint32_t j = 0; j < g->n_bars; ++j) {
      count += fabsf(log2f(g->bars[j].bpm / g->bars[k].bpm)) < TEMPO_AGREE_OCTAVES;
    }
    if (count > best_count) {
      best_count = count;
      best = k;
    }
  }
  w->n = 0;
  for (uint32_t j = 0; j < g->n_bars; ++j) {
    if (fabsf(log2f(g->bars[j].bpm / g->bars[best].bpm)) < TEMPO_AGREE_OCTAVES) {
      w->index[w->n++] = j;
    }
  }
}

/* Hits per class and 16th (0 or 1); soft snares count as ghosts, not hits. */
static void bar_hits(const TandemGrooveBar* b, float hits[][TANDEM_BAR_STEPS], Work* w)
{
  float accent = 0.0f;
  for (int i = 0; i < TANDEM_BAR_STEPS; ++i) {
    accent = fmaxf(accent, b->steps[TANDEM_ONSET_SNARE][i]);
  }
  for (int c = 0; c < TANDEM_BAR_CLASSES; ++c) {
    for (int i = 0; i < TANDEM_BAR_STEPS; ++i) {
      const float v = b->steps[c][i];
      hits[c][i] = 0.0f;
      if (!(v > 0.0f)) {
        continue;
      }
      w->all_hits++;
      if (c == TANDEM_ONSET_SNARE && v < GHOST_RATIO * accent) {
        w->ghosts++;
      } else {
        hits[c][i] = 1.0f;
      }
    }
  }
}

/* How well hits shifted by d steps match the reference (kick and snare carry
 * the groove; hats, often on every step, tell little). */
static float match(const float hits[][TANDEM_BAR_STEPS],
                   const float ref[][TANDEM_BAR_STEPS], int d)
{
  static const float weight[TANDEM_BAR_CLASSES] = {1.0f, 1.0f, 0.3f};
  float sum = 0.0f;
  for (int c = 0; c < TANDEM_BAR_CLASSES; ++c) {
    for (int i = 0; i < TANDEM_BAR_STEPS; ++i) {
      sum += weight[c] * hits[c][(i + d) % TANDEM_BAR_STEPS] * ref[c][i];
    }
  }
  return sum;
}

/* The placement: each bar lined up (by eighths) with the mean of the others,
 * twice, then the mean of the shifted bars. */
static void placement(Work* w, float out[][TANDEM_BAR_STEPS])
{
  memset(w->shift, 0, sizeof(w->shift[0]) * w->n);
  for (int round = 0; round < 3; ++round) {
    float ref[TANDEM_BAR_CLASSES][TANDEM_BAR_STEPS];
    memset(ref, 0, sizeof(ref));
    for (uint32_t k = 0; k < w->n; ++k) {
      for (int c = 0; c < TANDEM_BAR_CLASSES; ++c) {
        for (int i = 0; i < TANDEM_BAR_STEPS; ++i) {
          ref[c][i] += w->hits[k][c][(i + w->shift[k]) % TANDEM_BAR_STEPS] / (float)w->n;
        }
      }
    }
    if (round == 2) {
      memcpy(out, ref, sizeof(ref));
      return;
    }
    for (uint32_t k = 0; k < w->n; ++k) {
      /* Keep the bar where it is unless a shift fits clearly better. */
      float best = 1.1f * match(w->hits[k], (const float(*)[TANDEM_BAR_STEPS])ref, 0);
      w->shift[k] = 0;
      for (int d = 2; d < TANDEM_BAR_STEPS; d += 2) {
        const float m = match(w->hits[k], (const float(*)[TANDEM_BAR_STEPS])ref, d);
        if (m > best) {
          best = m;
          w->shift[k] = d;
        }
      }
    }
  }
}

/* A hat struck with a kick or snare is one onset, heard as the louder drum, so
 * the hats seem to skip the beats the kick and snare play.  A hat that keeps
 * time on most steps of a kind (beats, or the eighths between) is taken to
 * play the masked steps of that kind too. */
static void fill_masked_hats(float p[][TANDEM_BAR_STEPS])
{
  float* hat = p[TANDEM_ONSET_HAT];
  for (int kind = 0; kind < 2; ++kind) {
    const int first = kind == 0 ? 0 : 2; /* beats, then the "and"s */
    float open_sum = 0.0f;
    int open_n = 0;
    for (int i = first; i < TANDEM_BAR_STEPS; i += 4) {
      if (p[TANDEM_ONSET_KICK][i] + p[TANDEM_ONSET_SNARE][i] < 0.5f) {
        open_sum += hat[i];
        open_n++;
      }
    }
    /* With every step of this kind masked, the other kind's hats hint at a hat
     * keeping time (rock) but cannot tell it from off-beat hats (house): half. */
    float level = open_n ? open_sum / (float)open_n : -1.0f;
    if (open_n == 0) {
      float other = 0.0f;
      for (int i = 2 - first; i < TANDEM_BAR_STEPS; i += 4) {
        other += hat[i] / 4.0f;
      }
      level = other >= 0.5f ? 0.5f * other : 0.0f;
    }
    if (level <= 0.0f || (open_n > 0 && level < 0.5f)) {
      continue;
    }
    for (int i = first; i < TANDEM_BAR_STEPS; i += 4) {
      if (p[TANDEM_ONSET_KICK][i] + p[TANDEM_ONSET_SNARE][i] >= 0.5f) {
        hat[i] = fmaxf(hat[i], level);
      }
    }
  }
}

/* The rotation (in eighths) that puts the downbeat on step 0: the kick on 1, a
 * backbeat snare on 2 and 4, or (a one-drop) kick and snare together on 3 with
 * no kick on 1. */
static int downbeat_rotation(const float p[][TANDEM_BAR_STEPS])
{
  /* Each class against its own peak: the analysis may hear a drum as another
   * in some bars, which scales a class down but does not move it. */
  float k[TANDEM_BAR_STEPS], s[TANDEM_BAR_STEPS];
  float k_peak = 0.0f, s_peak = 0.0f;
  for (int i = 0; i < TANDEM_BAR_STEPS; ++i) {
    k_peak = fmaxf(k_peak, p[TANDEM_ONSET_KICK][i]);
    s_peak = fmaxf(s_peak, p[TANDEM_ONSET_SNARE][i]);
  }
  for (int i = 0; i < TANDEM_BAR_STEPS; ++i) {
    k[i] = k_peak > 0.0f ? p[TANDEM_ONSET_KICK][i] / k_peak : 0.0f;
    s[i] = s_peak > 0.0f ? p[TANDEM_ONSET_SNARE][i] / s_peak : 0.0f;
  }
  int best_rot = 0;
  float best_fit = -INFINITY;
  for (int rot = 0; rot < TANDEM_BAR_STEPS; rot += 2) {
#define AT(a, i) (a)[((i) + rot) % TANDEM_BAR_STEPS]
    const float one_drop = fminf(AT(k, 8), AT(s, 8)) * (1.0f - AT(k, 0));
    const float fit = 2.0f * AT(k, 0) + AT(s, 4) + AT(s, 12) - 0.5f * AT(s, 0) +
                      2.5f * one_drop +
                      0.25f * (AT(k, 0) + AT(s, 4) > AT(k, 2) + AT(s, 6));
#undef AT
    if (fit > best_fit + 1e-4f) {
      best_fit = fit;
      best_rot = rot;
    }
  }
  return best_rot;
}

/* Whether bar k's grid tempo agrees, within TEMPO_STEADY_OCTAVES, with that of
 * the bar in use before or after it: a tracker that placed a beat early or late
 * drew a bar crooked, and its neighbours then disagree with it. */
static bool steady_bar(const TandemGrooveCapture* g, const Work* w, uint32_t k)
{
  const float bpm = g->bars[w->index[k]].bpm;
  for (int d = -1; d <= 1; d += 2) {
    const int64_t j = (int64_t)k + d;
    if (j >= 0 && j < (int64_t)w->n &&
        fabsf(log2f(g->bars[w->index[j]].bpm / bpm)) < TEMPO_STEADY_OCTAVES) {
      return true;
    }
  }
  return false;
}

/* Swing from the bars in use that were not shifted off the beat: where the
 * "and" falls decides eighth swing; else the "e"/"a" give sixteenth swing.
 * Only steady bars count while there are enough of them: on a crooked grid a
 * straight 16th reads as swung. */
static void swing(const TandemGrooveCapture* g, Work* w, TandemStyle* s)
{
  uint32_t n8 = 0, n16 = 0;
  double triplet = 0.0;
  uint32_t n_tri = 0;
  float* v16 = w->values + TANDEM_GROOVE_MAX_BARS;
  uint32_t n_steady = 0;
  for (uint32_t k = 0; k < w->n; ++k) {
    n_steady += steady_bar(g, w, k);
  }
  const bool steady_only = n_steady >= 2 && 4 * n_steady >= w->n;
  for (uint32_t k = 0; k < w->n; ++k) {
    const TandemGrooveBar* b = &g->bars[w->index[k]];
    if (w->shift[k] % 4 != 0 || (steady_only && !steady_bar(g, w, k))) {
      continue;
    }
    if (b->swing8_pct > 0.0f) {
      w->values[n8++] = b->swing8_pct;
    }
    if (b->swing16_pct > 0.0f) {
      v16[n16++] = b->swing16_pct;
    }
    triplet += b->triplet_share;
    n_tri++;
  }
  const float sw8 = median(w->values, n8);
  const float sw16 = median(v16, n16);
  const float tri = n_tri ? (float)(triplet / n_tri) : 0.0f;
  /* A late "and" means eighth swing (a sixteenth swing leaves the "and" alone).
   * So does a slightly late one when "e"s and "a"s are too rare to measure: a
   * tracker at double the tempo makes the music's swung 16ths the grid's "and"s.
   * (Straight "and"s read within a point of 50: the detector's lag.) */
  /* Triplet positions with a straight "and" but swung "e"s and "a"s are
   * swung eighths counted at half their tempo: sixteenth swing at this tempo
   * plays them back as heard. */
  const bool half_time_swing = n16 > 0 && sw16 > 57.0f && sw8 <= 57.0f;
  if (sw8 > 57.0f || (tri >= 0.5f && sw8 > 0.0f && !half_time_swing) ||
      (sw8 > 51.0f && 4 * n16 < n8)) {
    s->swing_grid = 8;
    s->swing_pct = clampf(sw8, 50.0f, 75.0f);
  } else {
    s->swing_grid = 16;
    s->swing_pct = n16 ? clampf(sw16, 50.0f, 75.0f) : 50.0f;
  }
  s->swing_pct = roundf(s->swing_pct * 10.0f) / 10.0f;
}

/* Velocity figures from the strengths of the hits (ghosts apart): the 90th
 * percentile plays at 120. */
static void velocities(const TandemGrooveCapture* g, Work* w, TandemStyle* s)
{
  uint32_t n = 0;
  const uint32_t cap = TANDEM_GROOVE_MAX_BARS * TANDEM_BAR_STEPS;
  for (uint32_t k = 0; k < w->n && n < cap; ++k) {
    const TandemGrooveBar* b = &g->bars[w->index[k]];
    for (int c = 0; c < TANDEM_BAR_CLASSES; ++c) {
      for (int i = 0; i < TANDEM_BAR_STEPS && n < cap; ++i) {
        if (w->hits[k][c][i] > 0.0f) {
          w->values[n++] = fminf(b->steps[c][i], 1.0f);
        }
      }
    }
  }
  s->velocity_mean = 96.0f;
  s->velocity_spread = 12.0f;
  if (n < 4) {
    return;
  }
  qsort(w->values, n, sizeof(float), compare_floats);
  const float p90 = w->values[(n * 9) / 10];
  double sum = 0.0, sum2 = 0.0;
  for (uint32_t i = 0; i < n; ++i) {
    const double vel = p90 > 0.0f ? fmin(127.0, 120.0 * w->values[i] / p90) : 96.0;
    sum += vel;
    sum2 += vel * vel;
  }
  const double mean = sum / n;
  const double var = sum2 / n - mean * mean;
  s->velocity_mean = clampf((float)mean, 20.0f, 127.0f);
  s->velocity_spread = clampf((float)sqrt(var > 0 ? var : 0), 0.0f, 40.0f);
}

/* A profile from the measurements over base's non-drum figures. */
static void fill_profile(const TandemStyle* base, const float steps[][TANDEM_BAR_STEPS],
                         float bpm, float bpm_lo, float bpm_hi, uint8_t swing_grid,
                         float swing_pct, float onsets_per_bar, Work* w,
                         const TandemGrooveCapture* g, TandemStyle* out)
{
  TandemStyle* s = out;
  *s = *base;
  s->swing_grid = swing_grid;
  s->swing_pct = swing_pct;
  s->tempo_min_bpm = clampf(floorf(fminf(bpm_lo, bpm) * 0.93f), 20.0f, 300.0f);
  s->tempo_max_bpm = clampf(ceilf(fmaxf(bpm_hi, bpm) * 1.07f), s->tempo_min_bpm, 300.0f);
  s->beats_per_bar = 4;
  s->beat_unit = 4;
  s->n_steps = 16;
  memset(s->drum_steps, 0, sizeof(s->drum_steps));
  for (int c = 0; c < TANDEM_DRUM_VOICES; ++c) {
    float peak = 0.0f;
    for (int i = 0; i < 16; ++i) {
      peak = fmaxf(peak, steps[c][i]);
    }
    for (int i = 0; i < 16; ++i) {
      const float v = peak > 0.0f ? steps[c][i] / peak : 0.0f;
      /* A step hit in under one bar in twelve is noise (a stray or misheard
       * onset), not part of the groove. */
      s->drum_steps[c][i] =
          steps[c][i] * 12.0f < 1.0f ? 0.0f : roundf(v * 100.0f) / 100.0f;
    }
  }
  /* Bass, chord and melody steps are per 16th of the base style's bar: fold them
   * onto 16 steps when its meter was longer. */
  if (base->n_steps != 16) {
    for (int i = 0; i < 16; ++i) {
      s->bass_steps[i] = base->bass_steps[i % base->n_steps];
      s->chord_steps[i] = base->chord_steps[i % base->n_steps];
      s->melody_steps[i] = base->melody_steps[i % base->n_steps];
    }
  }
  if (s->swing_grid == 8) {
    /* an eighth-note swing keeps to eighths: the vocabulary allows no 16ths */
    for (int i = 1; i < 16; i += 2) {
      for (int c = 0; c < TANDEM_DRUM_VOICES; ++c) {
        s->drum_steps[c][i] = 0.0f;
      }
      s->bass_steps[i] = s->chord_steps[i] = s->melody_steps[i] = 0.0f;
    }
  }
  s->syncopation =
      clampf(tandem_bar_syncopation(s->drum_steps[0], s->drum_steps[1], 16), 0.0f, 1.0f);
  s->density[TANDEM_ROLE_DRUMS] = clampf(onsets_per_bar, 0.5f, 64.0f);
  s->ghost_prob =
      w->all_hits ? clampf((float)w->ghosts / (float)w->all_hits, 0.0f, 0.5f) : 0.0f;
  s->ghost_prob = roundf(s->ghost_prob * 1000.0f) / 1000.0f;
  velocities(g, w, s);
}

bool tandem_groove_finish(const TandemGrooveCapture* g, const TandemStyleSet* shipped,
                          const char* name, TandemStyle* out, int* base_style, char* err,
                          size_t err_size)
{
  if (g->n_bars < 2) {
    snprintf(err, err_size,
             "too little to learn from: %u bar(s) with a beat grid and onsets (2 or "
             "more needed)",
             g->n_bars);
    return false;
  }
  /* About 140 KB of scratch: too much for a worker thread's stack in some hosts. */
  Work* w = malloc(sizeof(Work));
  if (!w) {
    snprintf(err, err_size, "out of memory while learning");
    return false;
  }
  w->ghosts = w->all_hits = 0;
  pick_bars(g, w);
  for (uint32_t k = 0; k < w->n; ++k) {
    bar_hits(&g->bars[w->index[k]], w->hits[k], w);
  }
  float p[TANDEM_BAR_CLASSES][TANDEM_BAR_STEPS];
  placement(w, p);
  const int rot = downbeat_rotation((const float(*)[TANDEM_BAR_STEPS])p);

  /* The tempo: the median grid tempo of the bars in use. */
  double onsets = 0.0;
  for (uint32_t k = 0; k < w->n; ++k) {
    w->values[k] = g->bars[w->index[k]].bpm;
    onsets += g->bars[w->index[k]].onsets;
  }
  qsort(w->values, w->n, sizeof(float), compare_floats);
  const float bpm = median(w->values, w->n);
  const float bpm_lo = w->values[w->n / 10];
  const float bpm_hi = w->values[w->n - 1 - w->n / 10];

  fill_masked_hats(p);
  TandemStyle s;
  memset(&s, 0, sizeof(s));
  swing(g, w, &s);
  const uint8_t swing_grid = s.swing_grid;
  const float swing_pct = s.swing_pct;
  float steps[TANDEM_BAR_CLASSES][TANDEM_BAR_STEPS];
  for (int c = 0; c < TANDEM_BAR_CLASSES; ++c) {
    for (int i = 0; i < TANDEM_BAR_STEPS; ++i) {
      steps[c][i] = p[c][(i + rot) % TANDEM_BAR_STEPS];
    }
  }
  const float onsets_per_bar = (float)(onsets / w->n);
  /* The drums as measured, over the non-drum figures of each shipped style in
   * turn: the base is the style the result is most similar to, by the same
   * measure the nearest-style lookup uses, so that what the drums cannot tell
   * does not pull the profile towards another style. */
  TandemStyle* candidate = malloc(sizeof(TandemStyle));
  if (!candidate) {
    free(w);
    snprintf(err, err_size, "out of memory while learning");
    return false;
  }
  int base = 0;
  float best_similarity = -1.0f;
  for (int b = 1; b < TANDEM_GENRE_N; ++b) {
    if (!shipped->loaded[b]) {
      continue;
    }
    fill_profile(&shipped->styles[b], steps, bpm, bpm_lo, bpm_hi, swing_grid, swing_pct,
                 onsets_per_bar, w, g, candidate);
    const float sim = tandem_style_similarity(candidate, &shipped->styles[b]);
    if (sim > best_similarity) {
      best_similarity = sim;
      base = b;
      s = *candidate;
    }
  }
  free(candidate);
  if (base == 0) {
    free(w);
    snprintf(err, err_size,
             "no shipped style profile is loaded to take bass, chord "
             "and melody figures from");
    return false;
  }
  snprintf(s.name, sizeof(s.name), "%s", name);
  snprintf(s.label, sizeof(s.label), "Learned: %s", name);
  snprintf(s.description, sizeof(s.description),
           "Learned by Tandem's groove capture: drums as measured (%u bars around "
           "%.0f bpm); bass, chords and melody as in the shipped %s profile, which the "
           "drums sound most like.",
           w->n, bpm, tandem_style_shipped_label(base));
  free(w);
  *out = s;
  if (base_style) {
    *base_style = base;
  }
  return true;
}
static void write_steps(FILE* f, const char* prop, const float* steps, int n)
{
  fprintf(f, "\tsty:%s \"", prop);
  for (int i = 0; i < n; ++i) {
    fprintf(f, "%s%.3g", i ? (i % 4 ? " " : "   ") : "", steps[i]);
  }
  fprintf(f, "\" ;\n");
}

/* Escapes a string for a Turtle "..." literal. */
static void write_literal(FILE* f, const char* text)
{
  fputc('"', f);
  for (const char* p = text; *p; ++p) {
    if (*p == '"' || *p == '\\') {
      fputc('\\', f);
    }
    if (*p == '\n') {
      fputs("\\n", f);
    } else {
      fputc(*p, f);
    }
  }
  fputc('"', f);
}

/* Writes the Turtle of s to f (not closed). */
static void write_style(FILE* f, const TandemStyle* s)
{
  fprintf(f,
          "# A style profile learned by tandem-profile.\n"
          "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
          "@prefix sty:  <urn:tandem:style#> .\n\n"
          "<urn:tandem:style:%s>\n\ta sty:Style ;\n\tsty:name ",
          s->name);
  write_literal(f, s->name);
  fprintf(f, " ;\n\trdfs:label ");
  write_literal(f, s->label);
  fprintf(f, " ;\n\tsty:description ");
  write_literal(f, s->description);
  fprintf(f, " ;\n");
  fprintf(f, "\tsty:tempoMin %.0f ;\n\tsty:tempoMax %.0f ;\n", s->tempo_min_bpm,
          s->tempo_max_bpm);
  fprintf(f, "\tsty:beatsPerBar %u ;\n\tsty:beatUnit %u ;\n", s->beats_per_bar,
          s->beat_unit);
  fprintf(f, "\tsty:swing %.1f ;\n\tsty:swingGrid %u ;\n", s->swing_pct, s->swing_grid);
  fprintf(f, "\tsty:ghostProbability %.3f ;\n\tsty:syncopation %.3f ;\n", s->ghost_prob,
          s->syncopation);
  fprintf(f, "\tsty:velocityMean %.0f ;\n\tsty:velocitySpread %.1f ;\n", s->velocity_mean,
          s->velocity_spread);
  fprintf(f, "\tsty:drumDensity %.1f ;\n\tsty:bassDensity %.1f ;\n", s->density[0],
          s->density[1]);
  fprintf(f, "\tsty:chordDensity %.1f ;\n\tsty:melodyDensity %.1f ;\n", s->density[2],
          s->density[3]);
  write_steps(f, "kickSteps", s->drum_steps[0], s->n_steps);
  write_steps(f, "snareSteps", s->drum_steps[1], s->n_steps);
  write_steps(f, "hatSteps", s->drum_steps[2], s->n_steps);
  fprintf(f, "\tsty:kickNote %u ;\n\tsty:snareNote %u ;\n\tsty:hatNote %u ;\n",
          s->drum_notes[0], s->drum_notes[1], s->drum_notes[2]);
  write_steps(f, "bassSteps", s->bass_steps, s->n_steps);
  fprintf(
      f,
      "\tsty:bassKickLock %.3g ;\n\tsty:bassRoot %.3g ;\n\tsty:bassFifth %.3g ;\n"
      "\tsty:bassOctave %.3g ;\n\tsty:bassApproach %.3g ;\n\tsty:bassSustain %.3g ;\n",
      s->bass_kick_lock, s->bass_root, s->bass_fifth, s->bass_octave, s->bass_approach,
      s->bass_sustain);
  write_steps(f, "chordSteps", s->chord_steps, s->n_steps);
  fprintf(f, "\tsty:chordTones %u ;\n\tsty:chordSustain %.3g ;\n", s->chord_tones,
          s->chord_sustain);
  write_steps(f, "melodySteps", s->melody_steps, s->n_steps);
  fprintf(f, "\tsty:scales \"");
  for (int i = 0; i < s->n_scales; ++i) {
    /* the vocabulary writes "minor pentatonic" as "minor-pentatonic" */
    fputs(i ? " " : "", f);
    for (const char* p = tandem_scale_name((TandemScale)s->scales[i]); *p; ++p) {
      fputc(*p == ' ' ? '-' : *p, f);
    }
  }
  fprintf(f, "\" .\n");
}

/* Closes f after writing s; on failure removes path. */
static bool finish_file(FILE* f, const TandemStyle* s, const char* path, char* err,
                        size_t err_size)
{
  write_style(f, s);
  const bool ok = !ferror(f);
  const int saved = errno;
  if (fclose(f) != 0 || !ok) {
    snprintf(err, err_size, "cannot write %s: %s", path, strerror(ok ? errno : saved));
    remove(path);
    return false;
  }
  return true;
}

bool tandem_groove_write_ttl(const TandemStyle* s, const char* path, char* err,
                             size_t err_size)
{
  FILE* f = fopen(path, "w");
  if (!f) {
    snprintf(err, err_size, "cannot write %s: %s", path, strerror(errno));
    return false;
  }
  return finish_file(f, s, path, err, err_size);
}

void tandem_groove_name_from_path(const char* path, char* name, size_t name_size)
{
  if (name_size == 0) {
    return;
  }
  const char* base = path ? strrchr(path, '/') : NULL;
  base = base ? base + 1 : (path ? path : "");
  size_t k = 0;
  for (const char* p = base; *p && *p != '.' && k + 1 < name_size; ++p) {
    const char c = (char)tolower((unsigned char)*p);
    name[k++] = (isalnum((unsigned char)c) || c == '-') ? c : '-';
  }
  name[k] = '\0';
  if (k == 0) {
    snprintf(name, name_size, "%s", name_size > 7 ? "learned" : "");
  }
}

bool tandem_groove_save(const TandemGrooveCapture* g, const TandemStyleSet* shipped,
                        const char* path, TandemStyle* out, char* written,
                        size_t written_size, char* err, size_t err_size)
{
  if (!path || !path[0]) {
    snprintf(err, err_size,
             "save profile: no profile path is set; set urn:tandem:plugin#profilePath "
             "first");
    return false;
  }
  /* Finish first: too little heard must leave no file behind. */
  TandemStyle s;
  char finish_err[256] = "";
  if (!tandem_groove_finish(g, shipped, "learned", &s, NULL, finish_err,
                            sizeof(finish_err))) {
    snprintf(err, err_size, "save profile: %s; nothing written", finish_err);
    return false;
  }
  /* The stem: the path without ".ttl"; every file written ends in ".ttl". */
  char stem[1024];
  size_t len = strlen(path);
  if (len >= 4 && !strcasecmp(path + len - 4, ".ttl")) {
    len -= 4;
  }
  if (len == 0 || len + 16 >= sizeof(stem)) {
    snprintf(err, err_size,
             "save profile: the profile path is too long or only \".ttl\"");
    return false;
  }
  memcpy(stem, path, len);
  stem[len] = '\0';
  char file[1024 + 32];
  for (int k = 1; k < 1000; ++k) {
    if (k == 1) {
      snprintf(file, sizeof(file), "%s.ttl", stem);
    } else {
      snprintf(file, sizeof(file), "%s-%d.ttl", stem, k);
    }
    /* Exclusive creation: a file that exists, or appears meanwhile, is kept. */
    FILE* f = fopen(file, "wx");
    if (!f) {
      if (errno == EEXIST) {
        continue;
      }
      snprintf(err, err_size, "save profile: cannot create %s: %s", file,
               strerror(errno));
      return false;
    }
    char name[TANDEM_STYLE_NAME_MAX];
    tandem_groove_name_from_path(file, name, sizeof(name));
    snprintf(s.name, sizeof(s.name), "%s", name);
    snprintf(s.label, sizeof(s.label), "Learned: %s", name);
    if (!finish_file(f, &s, file, err, err_size)) {
      return false;
    }
    snprintf(written, written_size, "%s", file);
    if (out) {
      *out = s;
    }
    return true;
  }
  snprintf(err, err_size, "save profile: no free file name for %s.ttl (tried up to -999)",
           stem);
  return false;
}
