/* Tandem — groove capture.  See groove.h. */
#include "groove.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "theory.h"

static int compare_floats(const void* a, const void* b)
{
  const float x = *(const float*)a, y = *(const float*)b;
  return (x > y) - (x < y);
}

void tandem_groove_init(TandemGrooveCapture* g)
{
  memset(g, 0, sizeof(*g));
  tandem_genre_init(&g->measured, 1.0f);
}

void tandem_groove_add_bar(TandemGrooveCapture* g, const TandemBarFeatures* bar)
{
  if (bar->bpm > 0.0f && bar->n_beats > 0 && g->n_bpm < TANDEM_GROOVE_MAX_BARS) {
    g->bpm_bars[g->n_bpm++] = bar->bpm;
  }
  if (bar->n_beats == 0 || bar->onsets <= 0.0f) {
    return;
  }
  /* The genre sums do the averaging; no style set is needed for that part. */
  static const TandemStyleSet no_styles;
  tandem_genre_update(&g->measured, &no_styles, bar);
  if (bar->swing16_pct > 0.0f) {
    g->swing16_sum += bar->swing16_pct;
    g->swing16_n++;
  }
  g->bars++;
}

void tandem_groove_add_onset(TandemGrooveCapture* g, float strength)
{
  if (g->n_strengths < TANDEM_GROOVE_MAX_STRENGTHS && isfinite(strength)) {
    g->strengths[g->n_strengths++] = strength;
  }
}

static float clampf(float v, float lo, float hi)
{
  return v < lo ? lo : v > hi ? hi : v;
}

/* Velocity figures from onset strengths: a ghost note is under 40 % of the
 * median strength; velocities scale the 90th percentile to 120. */
static void velocity_stats(const TandemGrooveCapture* g, TandemStyle* out)
{
  const uint32_t n = g->n_strengths;
  out->ghost_prob = 0.0f;
  out->velocity_mean = 96.0f;
  out->velocity_spread = 12.0f;
  if (n < 4) {
    return;
  }
  float sorted[TANDEM_GROOVE_MAX_STRENGTHS];
  memcpy(sorted, g->strengths, n * sizeof(float));
  qsort(sorted, n, sizeof(float), compare_floats);
  const float median = sorted[n / 2];
  const float p90 = sorted[(n * 9) / 10];
  uint32_t ghosts = 0;
  double sum = 0.0, sum2 = 0.0;
  uint32_t loud = 0;
  for (uint32_t i = 0; i < n; ++i) {
    if (sorted[i] < 0.4f * median) {
      ghosts++;
      continue;
    }
    const double v = p90 > 0.0f ? 120.0 * sorted[i] / p90 : 96.0;
    const double vel = v > 127.0 ? 127.0 : v;
    sum += vel;
    sum2 += vel * vel;
    loud++;
  }
  out->ghost_prob = clampf((float)ghosts / (float)n, 0.0f, 0.5f);
  if (loud > 0) {
    const double mean = sum / loud;
    const double var = sum2 / loud - mean * mean;
    out->velocity_mean = clampf((float)mean, 20.0f, 127.0f);
    out->velocity_spread = clampf((float)sqrt(var > 0 ? var : 0), 0.0f, 40.0f);
  }
}

bool tandem_groove_finish(const TandemGrooveCapture* g, const TandemStyleSet* shipped,
                          const char* name, TandemStyle* out, int* base_style, char* err,
                          size_t err_size)
{
  if (g->bars < 2 || g->n_bpm == 0) {
    snprintf(err, err_size,
             "too little to learn from: %u bar(s) with a beat grid (2 or more needed)",
             g->bars);
    return false;
  }
  /* The tempo range: the 10th..90th percentile of the bars' tempi, so that the
   * tracker's first guesses do not stretch it. */
  float tempi[TANDEM_GROOVE_MAX_BARS];
  memcpy(tempi, g->bpm_bars, g->n_bpm * sizeof(float));
  qsort(tempi, g->n_bpm, sizeof(float), compare_floats);
  const float bpm_lo = tempi[g->n_bpm / 10];
  const float bpm_hi = tempi[g->n_bpm - 1 - g->n_bpm / 10];
  TandemGenreTemplate m;
  float bpm = 0.0f;
  tandem_genre_measured(&g->measured, &m, &bpm);
  /* The non-drum fields come from the shipped style the drums sound most like. */
  float prob[TANDEM_GENRE_N];
  tandem_genre_score(shipped, &m, bpm, prob);
  int base = 0;
  for (int i = 1; i < TANDEM_GENRE_N; ++i) {
    if (shipped->loaded[i] && (base == 0 || prob[i] > prob[base])) {
      base = i;
    }
  }
  if (base == 0) {
    snprintf(err, err_size,
             "no shipped style profile is loaded to take bass, chord "
             "and melody figures from");
    return false;
  }
  TandemStyle s = shipped->styles[base];
  snprintf(s.name, sizeof(s.name), "%s", name);
  snprintf(s.label, sizeof(s.label), "Learned: %s", name);
  snprintf(s.description, sizeof(s.description),
           "Learned from a reference recording by tandem-profile: drums as measured "
           "(%u bars around %.0f bpm); bass, chords and melody as in the shipped %s "
           "profile, which the drums sound most like.",
           g->bars, 0.5 * (bpm_lo + bpm_hi), tandem_style_shipped_label(base));
  s.tempo_min_bpm = clampf(floorf(bpm_lo * 0.95f), 20.0f, 300.0f);
  s.tempo_max_bpm = clampf(ceilf(bpm_hi * 1.05f), s.tempo_min_bpm, 300.0f);
  s.beats_per_bar = 4;
  s.beat_unit = 4;
  s.n_steps = 16;
  /* A late "and" means eighth swing (a sixteenth swing leaves the "and" alone). */
  if (m.swing8_pct > 57.0f || (m.triplet >= 0.5f && m.swing8_pct > 0.0f)) {
    s.swing_grid = 8;
    s.swing_pct = clampf(m.swing8_pct, 50.0f, 75.0f);
  } else {
    s.swing_grid = 16;
    s.swing_pct = g->swing16_n
                      ? clampf((float)(g->swing16_sum / g->swing16_n), 50.0f, 75.0f)
                      : 50.0f;
  }
  /* Align the bar: the kick's strongest beat and a backbeat snare mark beat 1. */
  int best_rot = 0;
  float best_fit = -1.0f;
  for (int rot = 0; rot < TANDEM_BAR_STEPS; rot += 4) {
    const float fit = 2.0f * m.steps[0][rot] + m.steps[1][(rot + 4) % 16] +
                      m.steps[1][(rot + 12) % 16] - 0.5f * m.steps[1][rot];
    if (fit > best_fit) {
      best_fit = fit;
      best_rot = rot;
    }
  }
  memset(s.drum_steps, 0, sizeof(s.drum_steps));
  for (int c = 0; c < TANDEM_DRUM_VOICES; ++c) {
    float peak = 0.0f;
    for (int i = 0; i < 16; ++i) {
      peak = fmaxf(peak, m.steps[c][i]);
    }
    for (int i = 0; i < 16; ++i) {
      const float w = peak > 0.0f ? m.steps[c][(i + best_rot) % 16] / peak : 0.0f;
      s.drum_steps[c][i] = roundf(w * 100.0f) / 100.0f;
    }
  }
  /* Bass, chord and melody steps are per 16th of the base style's bar: fold them
   * onto 16 steps when its meter was longer. */
  if (shipped->styles[base].n_steps != 16) {
    const TandemStyle* b = &shipped->styles[base];
    for (int i = 0; i < 16; ++i) {
      s.bass_steps[i] = b->bass_steps[i % b->n_steps];
      s.chord_steps[i] = b->chord_steps[i % b->n_steps];
      s.melody_steps[i] = b->melody_steps[i % b->n_steps];
    }
  }
  if (s.swing_grid == 8) {
    /* an eighth-note swing keeps to eighths: the vocabulary allows no 16ths */
    for (int i = 1; i < 16; i += 2) {
      for (int c = 0; c < TANDEM_DRUM_VOICES; ++c) {
        s.drum_steps[c][i] = 0.0f;
      }
      s.bass_steps[i] = s.chord_steps[i] = s.melody_steps[i] = 0.0f;
    }
  }
  s.syncopation =
      clampf(tandem_bar_syncopation(s.drum_steps[0], s.drum_steps[1], 16), 0.0f, 1.0f);
  s.density[TANDEM_ROLE_DRUMS] = clampf(m.onsets_per_bar, 0.5f, 64.0f);
  velocity_stats(g, &s);
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

bool tandem_groove_write_ttl(const TandemStyle* s, const char* path, char* err,
                             size_t err_size)
{
  FILE* f = fopen(path, "w");
  if (!f) {
    snprintf(err, err_size, "cannot write %s: %s", path, strerror(errno));
    return false;
  }
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
  if (fclose(f) != 0) {
    snprintf(err, err_size, "cannot write %s: %s", path, strerror(errno));
    return false;
  }
  return true;
}
