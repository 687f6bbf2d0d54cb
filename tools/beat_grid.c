/* Tandem tools — the beat grid for groove capture.  See beat_grid.h. */
#include "beat_grid.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

/* Bin width (octaves) of the tempo histogram: intervals within about 2 % agree. */
#define REF_BIN_OCTAVES 0.03
/* An onset within this of a grid point fits it (the detector's own spread is
 * a few ms). */
#define FIT_TOLERANCE_MS 10.0
/* Without a given tempo, a 3:2 or 4:3 level replaces the tracker's only when
 * the tracker's grid leaves much of the onsets' weight unexplained and the
 * other level's explains clearly more.  (A finer grid explains more by chance
 * alone, and a late-detected onset may fall on a sextuplet: hence the margin.) */
#define FIT_BAD    0.6
#define FIT_MARGIN 0.1
/* The tempo tracker's range: a level outside it is no candidate. */
#define LEVEL_MIN_BPM 40.0
#define LEVEL_MAX_BPM 240.0
/* An interval spans a 3:2, 4:3 or 5:4 ratio of the target's beat within this
 * (about 3 %; the tracker's intervals keep to 1-2 %). */
#define RUN_TOLERANCE_OCTAVES 0.045
/* Phase step of a steady grid's search. */
#define STEADY_PHASE_STEP_S 0.002

double tool_grid_reference_bpm(const ToolTrackerBeat* beats, size_t n_beats)
{
  if (n_beats < 2) {
    return 0.0;
  }
  /* The interval whose tempo most others share; then their mean, in octaves. */
  size_t best_count = 0;
  double best = 0.0;
  for (size_t i = 1; i < n_beats; ++i) {
    const double d = beats[i].time_s - beats[i - 1].time_s;
    if (!(d > 0.0)) {
      continue;
    }
    const double oct = log2(60.0 / d);
    size_t count = 0;
    for (size_t j = 1; j < n_beats; ++j) {
      const double e = beats[j].time_s - beats[j - 1].time_s;
      count += e > 0.0 && fabs(log2(60.0 / e) - oct) < REF_BIN_OCTAVES;
    }
    if (count > best_count) {
      best_count = count;
      best = oct;
    }
  }
  if (best_count == 0) {
    return 0.0;
  }
  double sum = 0.0;
  size_t n = 0;
  for (size_t j = 1; j < n_beats; ++j) {
    const double e = beats[j].time_s - beats[j - 1].time_s;
    if (e > 0.0 && fabs(log2(60.0 / e) - best) < REF_BIN_OCTAVES) {
      sum += log2(60.0 / e);
      n++;
    }
  }
  return exp2(sum / (double)n);
}

/* Where t falls in the grid: from beat *b on (ascending times, so callers walk
 * the onsets in order), the beat it follows, the fraction of that beat and the
 * beat's period.  False outside the grid or in an empty interval. */
static bool place_in_beat(const double* beats, size_t n_beats, double t, size_t* b,
                          double* frac, double* period)
{
  while (*b + 1 < n_beats && beats[*b + 1] <= t) {
    ++*b;
  }
  if (*b + 1 >= n_beats || t < beats[*b]) {
    return false;
  }
  *period = beats[*b + 1] - beats[*b];
  if (!(*period > 0.0)) {
    return false;
  }
  *frac = (t - beats[*b]) / *period;
  return true;
}

/* An onset's weight as a marker of the beat: kicks and snares count their
 * strength, cymbals a quarter of it (their attack is found less sharply). */
static double drum_weight(const TandemBarOnset* o)
{
  return ((o->drums & (TANDEM_HEARD_KICK | TANDEM_HEARD_SNARE)) ? 1.0 : 0.25) *
         o->strength;
}

#define N_SWINGS 26 /* 50, 51, ... 75 % */

double tool_grid_fit(const double* beats, size_t n_beats, const TandemBarOnset* onsets,
                     size_t n_onsets)
{
  double hit16[N_SWINGS] = {0}, hit8[N_SWINGS] = {0};
  double weight = 0.0;
  size_t b = 0;
  for (size_t k = 0; k < n_onsets; ++k) {
    double f, period;
    if (!place_in_beat(beats, n_beats, onsets[k].time_s, &b, &f, &period)) {
      continue;
    }
    const double w = onsets[k].strength > 0.0f ? onsets[k].strength : 0.0;
    const double tol = FIT_TOLERANCE_MS * 1e-3 / period; /* in beats */
    for (int m = 0; m < N_SWINGS; ++m) {
      const double s = 0.5 + 0.01 * m;
      /* 16ths: the beat, the swung "e", the "and", the swung "a", the next beat */
      double d16 = fmin(f, 1.0 - f);
      d16 = fmin(d16, fabs(f - 0.5 * s));
      d16 = fmin(d16, fabs(f - 0.5));
      d16 = fmin(d16, fabs(f - 0.5 - 0.5 * s));
      /* 8ths: the beat, the swung "and", the next beat */
      const double d8 = fmin(fmin(f, 1.0 - f), fabs(f - s));
      hit16[m] += d16 < tol ? w : 0.0;
      hit8[m] += d8 < tol ? w : 0.0;
    }
    weight += w;
  }
  if (!(weight > 0.0)) {
    return -1.0;
  }
  double best = 0.0;
  for (int m = 0; m < N_SWINGS; ++m) {
    best = fmax(best, fmax(hit16[m], hit8[m]));
  }
  return best / weight;
}

/* Kick and snare weight on the beats (within 7 % of a beat), hats a quarter:
 * of two phases of one grid, the one with the drums on the beat. */
static double accent_on_beats(const double* beats, size_t n_beats,
                              const TandemBarOnset* onsets, size_t n_onsets)
{
  double sum = 0.0;
  size_t b = 0;
  for (size_t k = 0; k < n_onsets; ++k) {
    double f, period;
    if (place_in_beat(beats, n_beats, onsets[k].time_s, &b, &f, &period) &&
        (f < 0.07 || f > 0.93)) {
      sum += drum_weight(&onsets[k]);
    }
  }
  return sum;
}

/* Beats at ratio times the tempo of grid[0..n): beat j at grid index
 * phase + j / ratio, read along the grid as a time map. */
static size_t map_beats(const double* grid, size_t n, double ratio, double phase,
                        double* out, size_t max_out)
{
  size_t k = 0;
  for (size_t j = 0; k < max_out; ++j) {
    const double x = phase + (double)j / ratio;
    const size_t i = (size_t)x;
    if (i + 1 >= n) {
      break;
    }
    const double frac = x - (double)i;
    out[k++] = grid[i] + frac * (grid[i + 1] - grid[i]);
  }
  return k;
}

/* The ratios (beats of the target level per tracker beat) of a tracker that
 * counts three eighths or sixteenths as a beat, or four triplets, or the
 * other way round; then five sixteenths, which only a given tempo corrects
 * (without one, 5:4 is too easily a chance fit). */
static const double other_ratios[] = {1.5, 2.0 / 3.0, 4.0 / 3.0, 0.75, 1.25, 0.8};
#define N_OTHER    (sizeof(other_ratios) / sizeof(other_ratios[0]))
#define N_DETECTED 4 /* the ratios tried without a given tempo */

/* Which of other_ratios an interval of d seconds spans in beats of period
 * seconds (the nearest, within about 3 %); -1 for none. */
static int interval_class(double d, double period)
{
  int best = -1;
  double best_off = RUN_TOLERANCE_OCTAVES;
  for (size_t r = 0; r < N_OTHER; ++r) {
    const double off = fabs(log2(d / (period * other_ratios[r])));
    if (off < best_off) {
      best_off = off;
      best = (int)r;
    }
  }
  return best;
}

/* The best phase (in sixteenths of the new level) for grid at ratio: among
 * the phases that fit about as well as the best, one that carries on the
 * beats before (prev_s, a beat of period_s; prev_s < 0 for none), else the
 * one with most accent on the beats.  Writes the beats to out and returns
 * their count; scratch holds max_out. */
static size_t best_phase(const double* grid, size_t n, double ratio,
                         const TandemBarOnset* onsets, size_t n_onsets, double prev_s,
                         double period_s, double* out, size_t max_out, double* scratch)
{
  double fit[4], score[4];
  double best_fit = 0.0;
  for (int p = 0; p < 4; ++p) {
    const size_t m = map_beats(grid, n, ratio, p / (4.0 * ratio), scratch, max_out);
    fit[p] = tool_grid_fit(scratch, m, onsets, n_onsets);
    /* accent is at most the onsets' strength sum: a carried-on grid outweighs it */
    score[p] = accent_on_beats(scratch, m, onsets, n_onsets);
    if (prev_s >= 0.0 && m > 0) {
      const double x = (scratch[0] - prev_s) / period_s;
      if (fabs(x - round(x)) < 0.1) {
        score[p] += 1e6;
      }
    }
    best_fit = fmax(best_fit, fit[p]);
  }
  int best = 0;
  double best_score = -1.0;
  for (int p = 0; p < 4; ++p) {
    if (fit[p] >= best_fit - 0.05 && score[p] > best_score) {
      best_score = score[p];
      best = p;
    }
  }
  return map_beats(grid, n, ratio, best / (4.0 * ratio), out, max_out);
}

/* Scratch for level_beats and at_level: a run's times, its new beats,
 * best_phase's, the beats at the reference level, a whole-recording grid. */
typedef struct {
  double* times;  /* n_beats */
  double* mapped; /* max_out */
  double* phase;  /* max_out */
  double* ref;    /* max_out */
  double* whole;  /* max_out */
} Scratch;

/* The tracker's beats put on target_bpm's level.  A beat whose tracker period
 * is about twice the target's gets one halfway back to the beat before; of
 * beats at half the target's period every other one is dropped (as the
 * tracker's beats come, so that its phase is kept).  A run of two or more
 * intervals that each span one of other_ratios of a target beat is re-laid
 * along itself at that ratio (best_phase). */
static size_t level_beats(const ToolTrackerBeat* beats, size_t n_beats, double target_bpm,
                          const TandemBarOnset* onsets, size_t n_onsets, double* out,
                          size_t max_out, const Scratch* sc)
{
  const double period = 60.0 / target_bpm;
  size_t n = 0;
  bool skip_next = false, after_run = false;
  /* The latest beat known to be on the target's grid: a run carries it on. */
  double anchor = -1.0;
  size_t first_onset = 0;
  for (size_t i = 0; i < n_beats;) {
    const int c = i + 1 < n_beats
                      ? interval_class(beats[i + 1].time_s - beats[i].time_s, period)
                      : -1;
    size_t end = i + 1;
    while (c >= 0 && end + 1 < n_beats &&
           interval_class(beats[end + 1].time_s - beats[end].time_s, period) == c) {
      end++;
    }
    if (c >= 0 && end - i >= 2) {
      for (size_t k = i; k <= end; ++k) {
        sc->times[k - i] = beats[k].time_s;
      }
      while (first_onset < n_onsets && onsets[first_onset].time_s < beats[i].time_s) {
        first_onset++;
      }
      size_t last_onset = first_onset;
      while (last_onset < n_onsets && onsets[last_onset].time_s < beats[end].time_s) {
        last_onset++;
      }
      const size_t m = best_phase(sc->times, end - i + 1, other_ratios[c],
                                  onsets + first_onset, last_onset - first_onset, anchor,
                                  period, sc->mapped, max_out, sc->phase);
      /* The run's first beat may be off the new grid (on an "and"). */
      while (n > 0 && m > 0 && sc->mapped[0] - out[n - 1] < 0.75 * period) {
        n--;
      }
      for (size_t k = 0; k < m && n < max_out; ++k) {
        out[n++] = sc->mapped[k];
      }
      if (m > 0) {
        anchor = sc->mapped[m - 1];
      }
      i = end;
      after_run = true;
      skip_next = false;
      continue;
    }
    const double beat = beats[i].time_s;
    const double ratio = target_bpm * beats[i].period_s / 60.0;
    if (after_run) {
      /* The run's last beat: kept when it falls a beat after the run's. */
      if (n < max_out && (n == 0 || beat - out[n - 1] > 0.75 * period)) {
        out[n++] = beat;
      }
    } else if (ratio > 1.5 && ratio < 2.5 && i > 0) {
      if (n < max_out) {
        out[n++] = 0.5 * (beats[i - 1].time_s + beat); /* the tracker found half */
      }
      if (n < max_out) {
        out[n++] = beat;
      }
    } else if (ratio > 0.4 && ratio < 0.67) {
      skip_next = !skip_next; /* the tracker found double */
      if (!skip_next && n < max_out) {
        out[n++] = beat;
      }
    } else if (n < max_out) {
      out[n++] = beat;
    }
    if (n >= 2 && out[n - 1] == beat &&
        fabs(log2((out[n - 1] - out[n - 2]) / period)) < RUN_TOLERANCE_OCTAVES) {
      anchor = beat;
    }
    after_run = false;
    i++;
  }
  return n;
}

/* The beats at target_bpm, given the reference level ref_bpm: level_beats,
 * or, when the target is one of other_ratios of the reference, the beats at
 * the reference level re-laid as a whole (a tracker that wobbled between its
 * runs draws crooked bars where they meet), whichever the onsets fit better.
 * *fit_out receives the fit. */
static size_t at_level(const ToolTrackerBeat* beats, size_t n_beats, double ref_bpm,
                       double target_bpm, const TandemBarOnset* onsets, size_t n_onsets,
                       double* out, size_t max_out, const Scratch* sc, double* fit_out)
{
  size_t n = level_beats(beats, n_beats, target_bpm, onsets, n_onsets, out, max_out, sc);
  *fit_out = tool_grid_fit(out, n, onsets, n_onsets);
  for (size_t r = 0; r < N_OTHER; ++r) {
    if (fabs(log2(target_bpm / (ref_bpm * other_ratios[r]))) >= RUN_TOLERANCE_OCTAVES) {
      continue;
    }
    const size_t n_ref =
        level_beats(beats, n_beats, ref_bpm, onsets, n_onsets, sc->ref, max_out, sc);
    const size_t m = best_phase(sc->ref, n_ref, other_ratios[r], onsets, n_onsets, -1.0,
                                60.0 / target_bpm, sc->whole, max_out, sc->phase);
    const double fit = tool_grid_fit(sc->whole, m, onsets, n_onsets);
    if (m >= 2 && fit > *fit_out) {
      *fit_out = fit;
      n = m;
      for (size_t i = 0; i < m; ++i) {
        out[i] = sc->whole[i];
      }
    }
    break;
  }
  return n;
}

/* Lays a steady grid of period from start over [first - period, last + period]
 * into out; returns its count. */
static size_t steady_grid(double start, double period, double last, double* out,
                          size_t max_out)
{
  size_t m = 0;
  for (double t = start; t <= last + period && m < max_out; t += period) {
    out[m++] = t;
  }
  return m;
}

/* A steady grid at about bpm (within 1.5 %) over the onsets: the tempo and
 * phase they fit best, of those the one with most accent on the beats, then
 * centred on the kicks and snares heard near its beats (the fit allows 10 ms either
 * way, and a grid a few ms early reads every 16th late).  For a tempo given
 * when no level of the tracker's fits: a tracker that ran free at another
 * tempo put its beats nowhere in particular. */
static size_t steady_beats(double bpm, const TandemBarOnset* onsets, size_t n_onsets,
                           double* out, size_t max_out, double* scratch, double* fit_out)
{
  *fit_out = -1.0;
  if (n_onsets < 2) {
    return 0;
  }
  const double first = onsets[0].time_s, last = onsets[n_onsets - 1].time_s;
  double best_fit = -1.0, period = 60.0 / bpm, start = first - period;
  for (int pass = 0; pass < 2; ++pass) {
    double best_accent = -1.0;
    for (int e = -6; e <= 6; ++e) {
      const double p = 60.0 / (bpm * (1.0 + 0.0025 * e));
      for (double phase = 0.0; phase < p; phase += STEADY_PHASE_STEP_S) {
        const size_t m = steady_grid(first - p + phase, p, last, scratch, max_out);
        const double fit = tool_grid_fit(scratch, m, onsets, n_onsets);
        if (pass == 0) {
          best_fit = fmax(best_fit, fit);
          continue;
        }
        const double accent = accent_on_beats(scratch, m, onsets, n_onsets);
        if (fit >= best_fit - 0.05 && accent > best_accent) {
          best_accent = accent;
          period = p;
          start = first - p + phase;
        }
      }
    }
  }
  /* Centre: the strength-weighted mean offset of the kicks and snares near a
   * beat (a cymbal's attack is found less sharply). */
  double sum = 0.0, weight = 0.0;
  for (size_t k = 0; k < n_onsets; ++k) {
    const double x = (onsets[k].time_s - start) / period;
    const double off_s = (x - round(x)) * period;
    if ((onsets[k].drums & (TANDEM_HEARD_KICK | TANDEM_HEARD_SNARE)) &&
        fabs(off_s) < FIT_TOLERANCE_MS * 1e-3) {
      sum += onsets[k].strength * off_s;
      weight += onsets[k].strength;
    }
  }
  if (weight > 0.0) {
    start += sum / weight;
  }
  const size_t m = steady_grid(start, period, last, out, max_out);
  *fit_out = tool_grid_fit(out, m, onsets, n_onsets);
  return m;
}

/* Settling: a beat's anchor is the weighted mean time of the onsets within
 * tol of it (kicks and snares count 1, cymbals a quarter, by strength); its
 * new time is where a line through the anchors of the beats up to
 * SETTLE_HALF_WINDOW either side (index against time: locally steady tempo)
 * puts it.  An interval more than 20 % off the grid's median ends the window:
 * the line needs beats on one level.  Anchors more than SETTLE_OUTLIER_MS off
 * the first line are left out of the second. */
#define SETTLE_FIRST_MS    40.0
#define SETTLE_SECOND_MS   15.0
#define SETTLE_HALF_WINDOW 4
#define SETTLE_OUTLIER_MS  8.0
/* Of a grid and its half-beat shift, the shift is taken when the drums on its
 * beats weigh this much more (a tracker locked to the "and"s). */
#define HALF_BEAT_MARGIN 1.5

static int compare_doubles(const void* a, const void* b)
{
  const double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

/* Weighted least-squares line through (j - i, anchor[j]) for j in [lo, hi]
 * with weight > 0, skipping anchors more than reject_s off line (a, b) when
 * reject_s > 0; its value at i into *at.  False with fewer than 2 anchors. */
static bool line_at(const double* anchor, const double* weight, size_t lo, size_t hi,
                    size_t i, double reject_s, double a, double b, double* at,
                    double* slope)
{
  double sw = 0.0, sx = 0.0, sy = 0.0, sxx = 0.0, sxy = 0.0;
  size_t used = 0;
  for (size_t j = lo; j <= hi; ++j) {
    const double x = (double)j - (double)i;
    if (!(weight[j] > 0.0) ||
        (reject_s > 0.0 && fabs(anchor[j] - (a + b * x)) > reject_s)) {
      continue;
    }
    sw += weight[j];
    sx += weight[j] * x;
    sy += weight[j] * anchor[j];
    sxx += weight[j] * x * x;
    sxy += weight[j] * x * anchor[j];
    used++;
  }
  const double det = sw * sxx - sx * sx;
  if (used < 2 || !(det > 1e-12 * sw * sw)) {
    return false;
  }
  *slope = (sw * sxy - sx * sy) / det;
  *at = (sy - *slope * sx) / sw;
  return true;
}

/* Moves every beat of beats[0..n) onto the onsets near it (see above), within
 * tol_s; scratch holds 3 n. */
static void settle_pass(double* beats, size_t n, const TandemBarOnset* onsets,
                        size_t n_onsets, double tol_s, double* scratch)
{
  if (n < 3) {
    return;
  }
  double* anchor = scratch;
  double* weight = scratch + n;
  double* settled = scratch + 2 * n;
  for (size_t i = 0; i + 1 < n; ++i) {
    settled[i] = beats[i + 1] - beats[i];
  }
  qsort(settled, n - 1, sizeof(double), compare_doubles);
  const double median = settled[(n - 1) / 2];
  const double tol = fmin(tol_s, 0.15 * median);
  size_t k = 0;
  for (size_t i = 0; i < n; ++i) {
    while (k < n_onsets && onsets[k].time_s < beats[i] - tol) {
      k++;
    }
    double sum = 0.0, w = 0.0;
    for (size_t q = k; q < n_onsets && onsets[q].time_s <= beats[i] + tol; ++q) {
      const double wq = drum_weight(&onsets[q]);
      sum += wq * onsets[q].time_s;
      w += wq;
    }
    anchor[i] = w > 0.0 ? sum / w : 0.0;
    weight[i] = w;
  }
  for (size_t i = 0; i < n; ++i) {
    size_t lo = i, hi = i;
    while (lo > 0 && i - lo < SETTLE_HALF_WINDOW &&
           fabs(beats[lo] - beats[lo - 1] - median) < 0.2 * median) {
      lo--;
    }
    while (hi + 1 < n && hi - i < SETTLE_HALF_WINDOW &&
           fabs(beats[hi + 1] - beats[hi] - median) < 0.2 * median) {
      hi++;
    }
    double at, slope, at2, slope2;
    settled[i] = beats[i];
    if (line_at(anchor, weight, lo, hi, i, 0.0, 0.0, 0.0, &at, &slope)) {
      settled[i] = line_at(anchor, weight, lo, hi, i, SETTLE_OUTLIER_MS * 1e-3, at, slope,
                           &at2, &slope2)
                       ? at2
                       : at;
    }
  }
  for (size_t i = 0; i < n; ++i) {
    beats[i] = settled[i];
  }
}

/* Settles the grid on the onsets: a tracker's beats wander by tens of ms
 * around the music's, and a re-laid grid is as steady as the run it was laid
 * along.  A 5 ms error reads as 3 points of swing at 170 bpm.  When the
 * grid's half-beat shift carries the drums (a tracker locked to the "and"s),
 * the shift is taken.  Returns the new count; scratch holds 3 max_out. */
static size_t settle(double* beats, size_t n, size_t max_out,
                     const TandemBarOnset* onsets, size_t n_onsets, double* scratch)
{
  if (n < 3 || n_onsets == 0) {
    return n;
  }
  settle_pass(beats, n, onsets, n_onsets, SETTLE_FIRST_MS * 1e-3, scratch);
  double* mids = scratch + 2 * max_out;
  for (size_t i = 0; i + 1 < n; ++i) {
    mids[i] = 0.5 * (beats[i] + beats[i + 1]);
  }
  if (accent_on_beats(mids, n - 1, onsets, n_onsets) >
      HALF_BEAT_MARGIN * accent_on_beats(beats, n, onsets, n_onsets)) {
    n--;
    for (size_t i = 0; i < n; ++i) {
      beats[i] = mids[i];
    }
    settle_pass(beats, n, onsets, n_onsets, SETTLE_FIRST_MS * 1e-3, scratch);
  }
  settle_pass(beats, n, onsets, n_onsets, SETTLE_SECOND_MS * 1e-3, scratch);
  return n;
}

size_t tool_grid_beats(const ToolTrackerBeat* beats, size_t n_beats,
                       const TandemBarOnset* onsets, size_t n_onsets, double hint_bpm,
                       double* out, size_t max_out, double* level_bpm)
{
  const double ref = tool_grid_reference_bpm(beats, n_beats);
  const double target = hint_bpm > 0.0 ? hint_bpm : ref;
  if (level_bpm) {
    *level_bpm = target;
  }
  if (!(target > 0.0) || n_beats == 0) {
    return 0;
  }
  Scratch sc;
  sc.times = malloc(sizeof(double) * n_beats);
  sc.mapped = malloc(sizeof(double) * max_out);
  sc.phase = malloc(sizeof(double) * max_out);
  sc.ref = malloc(sizeof(double) * max_out);
  sc.whole = malloc(sizeof(double) * max_out);
  double* candidate = malloc(sizeof(double) * max_out);
  size_t n_out = 0;
  if (!sc.times || !sc.mapped || !sc.phase || !sc.ref || !sc.whole || !candidate) {
    /* No room to re-grid: the tracker's beats as they are. */
    for (size_t i = 0; i < n_beats && n_out < max_out; ++i) {
      out[n_out++] = beats[i].time_s;
    }
  } else {
    double fit_ref;
    n_out = at_level(beats, n_beats, ref, target, onsets, n_onsets, out, max_out, &sc,
                     &fit_ref);
    if (hint_bpm > 0.0 && fit_ref >= 0.0 && fit_ref < FIT_BAD) {
      double fit;
      const size_t m =
          steady_beats(hint_bpm, onsets, n_onsets, candidate, max_out, sc.phase, &fit);
      if (m >= 2 && fit >= fit_ref + FIT_MARGIN) {
        n_out = m;
        for (size_t i = 0; i < m; ++i) {
          out[i] = candidate[i];
        }
      }
    }
    /* No tempo given: the reference level unless a 3:2 or 4:3 one fits clearly
     * better (within the tracker's range). */
    double best_fit = fit_ref + FIT_MARGIN;
    for (size_t r = 0;
         r < N_DETECTED && !(hint_bpm > 0.0) && fit_ref >= 0.0 && fit_ref < FIT_BAD;
         ++r) {
      const double bpm = ref * other_ratios[r];
      if (bpm < LEVEL_MIN_BPM || bpm > LEVEL_MAX_BPM) {
        continue;
      }
      double fit;
      const size_t m = at_level(beats, n_beats, ref, bpm, onsets, n_onsets, candidate,
                                max_out, &sc, &fit);
      if (m >= 2 && fit >= best_fit) {
        best_fit = fit;
        n_out = m;
        for (size_t i = 0; i < m; ++i) {
          out[i] = candidate[i];
        }
        if (level_bpm) {
          *level_bpm = bpm;
        }
      }
    }
    double* settle_scratch = malloc(sizeof(double) * 3 * max_out);
    if (settle_scratch) {
      n_out = settle(out, n_out, max_out, onsets, n_onsets, settle_scratch);
    }
    free(settle_scratch);
  }
  free(sc.times);
  free(sc.mapped);
  free(sc.phase);
  free(sc.ref);
  free(sc.whole);
  free(candidate);
  return n_out;
}
