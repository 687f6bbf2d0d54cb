/* Tandem — bar-level feature vectors.  See barfeatures.h. */
#include "barfeatures.h"

#include <math.h>
#include <string.h>

void tandem_bar_accum_init(TandemBarAccum* acc)
{
  memset(acc, 0, sizeof(*acc));
}

static void reset_sums(TandemBarAccum* acc)
{
  memset(acc->band_sum, 0, sizeof(acc->band_sum));
  acc->rms_sum = acc->crest_sum = acc->centroid_sum = acc->flux_sum = 0.0;
  acc->peak_max = -120.0f;
  acc->n_readouts = 0;
}

/* Counts an onset once for each drum it holds, or as 'other' with none. */
static void count_onset(TandemBarFeatures* out, uint8_t drums)
{
  for (int cls = 0; cls < TANDEM_BAR_CLASSES; ++cls) {
    if (drums & (1u << cls)) {
      out->onsets_per_beat[cls] += 1.0f;
    }
  }
  if (!(drums & ((1u << TANDEM_BAR_CLASSES) - 1))) {
    out->onsets_per_beat[TANDEM_ONSET_OTHER] += 1.0f;
  }
}

void tandem_bar_accum_onset(TandemBarAccum* acc, double time_s, float strength,
                            uint8_t drums)
{
  if (!acc->started) {
    acc->started = true;
    acc->start_s = time_s;
    reset_sums(acc);
  }
  if (acc->n_onsets >= TANDEM_BAR_MAX_ONSETS) {
    acc->dropped++;
    return;
  }
  /* Keep them in time order: onsets arrive nearly sorted, so this is short. */
  uint32_t i = acc->n_onsets++;
  while (i > 0 && acc->onsets[i - 1].time_s > time_s) {
    acc->onsets[i] = acc->onsets[i - 1];
    --i;
  }
  acc->onsets[i] = (TandemBarOnset){time_s, strength, drums};
}

void tandem_bar_accum_readout(TandemBarAccum* acc, double now_s, const float* bands_db,
                              float rms_db, float peak_db, float crest_db,
                              float centroid_hz, float flux, float bpm,
                              float tempo_confidence)
{
  if (!acc->started) {
    acc->started = true;
    acc->start_s = now_s;
    reset_sums(acc);
  }
  acc->now_s = now_s;
  for (int b = 0; b < TANDEM_N_BANDS; ++b) {
    acc->band_sum[b] += bands_db[b];
  }
  acc->rms_sum += rms_db;
  acc->crest_sum += crest_db;
  acc->centroid_sum += centroid_hz;
  acc->flux_sum += flux;
  if (peak_db > acc->peak_max) {
    acc->peak_max = peak_db;
  }
  acc->n_readouts++;
  acc->bpm = bpm;
  acc->tempo_confidence = tempo_confidence;
}

float tandem_bar_syncopation(const float* kick, const float* snare, int n_steps)
{
  double on = 0.0, off = 0.0;
  for (int i = 0; i < n_steps; ++i) {
    const double w = kick[i] + snare[i];
    if (i % 4 == 0) {
      on += w;
    } else {
      off += w;
    }
  }
  return on + off > 0.0 ? (float)(off / (on + off)) : 0.0f;
}

/* Fills the level fields from the readout sums. */
static void finish_levels(const TandemBarAccum* acc, TandemBarFeatures* out)
{
  const double n = acc->n_readouts ? acc->n_readouts : 1;
  for (int b = 0; b < TANDEM_N_BANDS; ++b) {
    out->bands_db[b] = acc->n_readouts ? (float)(acc->band_sum[b] / n) : -120.0f;
  }
  out->rms_db = acc->n_readouts ? (float)(acc->rms_sum / n) : -120.0f;
  out->crest_db = (float)(acc->crest_sum / n);
  out->centroid_hz = (float)(acc->centroid_sum / n);
  out->flux = (float)(acc->flux_sum / n);
  out->peak_db = acc->n_readouts ? acc->peak_max : -120.0f;
  out->has_levels = acc->n_readouts ? 1 : 0;
  out->bpm = acc->bpm;
  out->tempo_confidence = acc->tempo_confidence;
}

/* Signed distance from frac to the nearest 16th or eighth-triplet position. */
static double nearest_grid_offset(double frac)
{
  static const double grid[] = {-0.25, 0.0, 0.25, 1.0 / 3.0, 0.5, 2.0 / 3.0, 0.75, 1.0};
  double best = 1.0;
  for (size_t i = 0; i < sizeof(grid) / sizeof(grid[0]); ++i) {
    const double d = frac - grid[i];
    if (fabs(d) < fabs(best)) {
      best = d;
    }
  }
  return best;
}

/* Measures the onsets [0, n) against beats b[0..4] into out. */
static void measure_gridded(const TandemBarAccum* acc, uint32_t n, TandemBarFeatures* out)
{
  const double* b = acc->beats;
  double sw8 = 0.0, sw16 = 0.0, dev = 0.0, dev2 = 0.0, strength = 0.0;
  uint32_t n_sw8 = 0, n_sw16 = 0, n_tri = 0, n_six = 0, n_flam = 0;
  for (uint32_t k = 0; k < n; ++k) {
    const TandemBarOnset* o = &acc->onsets[k];
    int beat = 0;
    while (beat < 3 && o->time_s >= b[beat + 1] - 0.125 * (b[beat + 2] - b[beat + 1])) {
      ++beat;
    }
    const double period = b[beat + 1] - b[beat];
    const double frac = (o->time_s - b[beat]) / period;
    int step;
    if (frac >= 0.58 && frac < 0.71) {
      step = 2; /* a swung "and" */
    } else {
      step = (int)lround(frac * 4.0);
      step = step < 0 ? 0 : step > 3 ? 3 : step;
    }
    if (frac >= 0.40 && frac < 0.71) {
      sw8 += frac * 100.0;
      n_sw8++;
    }
    if (frac >= 0.17 && frac < 0.36) {
      sw16 += frac * 200.0;
      n_sw16++;
    } else if (frac >= 0.72 && frac < 0.86) {
      sw16 += (frac - 0.5) * 200.0;
      n_sw16++;
    }
    if (fabs(frac) > 0.1) {
      /* narrow: a 16th swung to 58-60 % lands 0.04 from the triplet */
      if (fabs(frac - 1.0 / 3.0) < 0.03 || fabs(frac - 2.0 / 3.0) < 0.03) {
        n_tri++;
      } else if (fabs(frac - 0.25) < 0.05 || fabs(frac - 0.5) < 0.05 ||
                 fabs(frac - 0.75) < 0.05) {
        n_six++;
      }
    }
    const double dev_ms = nearest_grid_offset(frac) * period * 1e3;
    dev += dev_ms;
    dev2 += dev_ms * dev_ms;
    if (k > 0) {
      const double gap = o->time_s - acc->onsets[k - 1].time_s;
      if (gap >= 0.010 && gap <= 0.040) {
        n_flam++;
      }
    }
    count_onset(out, o->drums);
    for (int cls = 0; cls < TANDEM_BAR_CLASSES; ++cls) {
      if (o->drums & (1u << cls)) {
        out->steps[cls][beat * 4 + step] += o->strength;
      }
    }
    strength += o->strength;
  }
  for (int c = 0; c < 4; ++c) {
    out->onsets_per_beat[c] /= 4.0f;
  }
  out->onsets = (float)n;
  out->strength_mean = n ? (float)(strength / n) : 0.0f;
  out->swing8_pct = n_sw8 ? (float)(sw8 / n_sw8) : 0.0f;
  out->swing16_pct = n_sw16 ? (float)(sw16 / n_sw16) : 0.0f;
  out->triplet_share = n_tri + n_six ? (float)n_tri / (float)(n_tri + n_six) : 0.0f;
  /* The spread around the bar's mean offset: a constant lag of the detector
   * against the beat is not a timing problem. */
  const double mean_dev = n ? dev / n : 0.0;
  const double var = n ? dev2 / n - mean_dev * mean_dev : 0.0;
  out->timing_dev_ms = var > 0.0 ? (float)sqrt(var) : 0.0f;
  out->flam_share = n ? (float)n_flam / (float)n : 0.0f;
  out->syncopation = tandem_bar_syncopation(
      out->steps[TANDEM_ONSET_KICK], out->steps[TANDEM_ONSET_SNARE], TANDEM_BAR_STEPS);
}

/* Drops the first n onsets, keeping the rest for the next bar. */
static void shift_onsets(TandemBarAccum* acc, uint32_t n)
{
  memmove(acc->onsets, acc->onsets + n, (acc->n_onsets - n) * sizeof(acc->onsets[0]));
  acc->n_onsets -= n;
  acc->dropped = 0;
}

bool tandem_bar_accum_beat(TandemBarAccum* acc, double time_s, TandemBarFeatures* out)
{
  if (acc->n_beats == 0) {
    /* The first beat: onsets from before it belonged to a partial, timed bar. */
    uint32_t keep_from = 0;
    while (keep_from < acc->n_onsets && acc->onsets[keep_from].time_s < time_s - 0.1) {
      ++keep_from;
    }
    shift_onsets(acc, keep_from);
    acc->beats[0] = time_s;
    acc->n_beats = 1;
    acc->start_s = time_s;
    acc->started = true;
    reset_sums(acc);
    return false;
  }
  if (time_s <= acc->beats[acc->n_beats - 1]) {
    return false; /* out of order: ignore */
  }
  acc->beats[acc->n_beats++] = time_s;
  if (acc->n_beats < TANDEM_BAR_BEATS + 1) {
    return false;
  }
  memset(out, 0, sizeof(*out));
  out->start_s = acc->beats[0];
  out->duration_s = (float)(time_s - acc->beats[0]);
  out->n_beats = TANDEM_BAR_BEATS;
  const double last_period = acc->beats[4] - acc->beats[3];
  const double cut = time_s - 0.125 * last_period;
  uint32_t n = 0;
  while (n < acc->n_onsets && acc->onsets[n].time_s < cut) {
    ++n;
  }
  measure_gridded(acc, n, out);
  finish_levels(acc, out);
  shift_onsets(acc, n);
  acc->beats[0] = time_s;
  acc->n_beats = 1;
  acc->start_s = time_s;
  reset_sums(acc);
  return true;
}

bool tandem_bar_accum_poll(TandemBarAccum* acc, TandemBarFeatures* out)
{
  if (!acc->started || acc->n_beats > 0 ||
      acc->now_s - acc->start_s < TANDEM_BAR_FALLBACK_S) {
    return false;
  }
  memset(out, 0, sizeof(*out));
  out->start_s = acc->start_s;
  out->duration_s = (float)(acc->now_s - acc->start_s);
  out->n_beats = 0;
  double strength = 0.0;
  for (uint32_t k = 0; k < acc->n_onsets; ++k) {
    count_onset(out, acc->onsets[k].drums);
    strength += acc->onsets[k].strength;
  }
  const float halves = out->duration_s / 0.5f;
  for (int c = 0; c < 4; ++c) {
    out->onsets_per_beat[c] /= halves;
  }
  out->onsets = (float)acc->n_onsets;
  out->strength_mean = acc->n_onsets ? (float)(strength / acc->n_onsets) : 0.0f;
  finish_levels(acc, out);
  acc->n_onsets = 0;
  acc->dropped = 0;
  acc->start_s = acc->now_s;
  reset_sums(acc);
  return true;
}
