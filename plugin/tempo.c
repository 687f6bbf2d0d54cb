/* Tandem — causal tempo and beat tracking.  See tempo.h. */
#include "tempo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The ODF is averaged down to at most this rate: enough for 1% tempo resolution with
 * interpolated lags, and it keeps the autocorrelation cheap at any hop size. */
#define MAX_INTERNAL_RATE_HZ 100.0
#define WINDOW_S             8.0  /* autocorrelation window */
#define TAPER_S              4.0  /* recent data counts more, so a tempo change relocks */
#define UPDATE_S             0.25 /* one full analysis per this much time */
#define MIN_BPM              40.0
#define MAX_BPM              240.0
#define CAND_STEP            1.01 /* candidate grid: 1% steps in tempo */
#define PRIOR_BPM            120.0
#define PRIOR_OCTAVES        0.8  /* log-normal prior width, in octaves */
#define COMB_DOUBLE          0.75 /* comb weight of the doubled period */
#define COMB_BAR             0.3  /* comb weight of four periods (a 4/4 bar) */
#define COMB_HALF            0.4  /* comb weight of the halved period (subdivisions) */
#define SWITCH_UPDATES       3    /* a new tempo must win this many updates in a row */
#define LEVEL_HOLD_BARS      16.0 /* after a tempo change the level holds this long */
#define LEVEL_SETTLED_S      6.0  /* a tempo held this long hands its level on */
#define TRIPLE_TOLERANCE     0.02 /* how near 3:2 (octaves aside) counts as metrical */
#define PHASE_MAX_SLEW       0.03 /* share by which a phase correction may bend a beat */
#define PHASE_OUTLIER        0.2  /* beats; phase readings further off are ignored... */
#define PHASE_OUTLIER_RUN    4    /* ...until more than this many came in a row */
#define FASTER_EVENNESS      0.75 /* see metrical_level_step() */
#define SLOWER_EVENNESS      0.6
#define SLOWER_SUBDIVISION   0.25
#define FASTER_SUBDIVISION   0.15
#define FASTER_ACCENT        0.9
#define SCORE_KEEP           0.8 /* share of the candidate scores kept per update */
#define HALF_TIME_MAX_BPM    150.0
#define QUIET_S              2.0 /* see recently_quiet() */
#define QUIET_RATIO          0.1
#define MIN_FILL_S           2.0 /* no estimate before this much ODF */
#define MAX_ODF_VALUE        1e9f

typedef enum {
  STAGE_COLLECT = 0, /* waiting for the next update time */
  STAGE_ACF,         /* computing the autocorrelation, a few lags per push */
  STAGE_SCORE,       /* scoring the candidate periods (one push) */
  STAGE_LEVEL,       /* choosing the metrical level (one step per push, up to 2) */
  STAGE_COMMIT,      /* updating the held tempo and the phase (one push) */
} Stage;

struct TandemTempo {
  /* Rates and sizes, fixed at creation. */
  double odf_rate_hz;
  int decimation;    /* raw pushes per internal sample */
  double rate_hz;    /* internal sample rate */
  int window_len;    /* internal samples in the window */
  int max_lag;       /* longest autocorrelation lag, internal samples */
  int update_pushes; /* raw pushes per update */
  int lags_per_push; /* autocorrelation lags computed per raw push */
  int n_cand;        /* candidate periods */
  float* cand_lag;   /* [n_cand] candidate period, internal samples (fractional) */
  float* cand_prior; /* [n_cand] tempo prior */
  float* taper;      /* [window_len] weight by age, newest last */

  /* Input decimation. */
  double dec_sum;
  int dec_count;

  /* ODF history, a ring of internal samples. */
  float* ring;    /* [window_len] */
  int ring_pos;   /* next write index */
  int64_t filled; /* internal samples written since reset */

  /* The analysis in progress. */
  Stage stage;
  int pushes_to_update;
  double* snap; /* [window_len] tapered, mean-removed copy of the ring */
  double* acf;  /* [max_lag + 1] autocorrelation, per overlapping sample */
  int next_lag;
  float* score;            /* [n_cand] leaky average over updates */
  bool score_valid;        /* score holds a previous update's values */
  double candidate_period; /* this update's winner, internal samples */
  int level_steps;

  /* The estimate. */
  bool locked;
  double period; /* beat period, internal samples */
  float confidence;
  double phase;          /* fraction of the beat elapsed at the latest raw push */
  double pending_period; /* period waiting to replace the held one, 0 for none */
  int pending_count;     /* updates in a row that it has won */
  int level_hold;        /* updates left in which the level may not change */
  int held_updates;      /* updates since the held period last jumped */
  int phase_outliers;    /* phase readings in a row that were doubted */
};

static int clamp_int(int v, int lo, int hi)
{
  return v < lo ? lo : (v > hi ? hi : v);
}

TandemTempo* tandem_tempo_new(double odf_rate_hz)
{
  if (!(odf_rate_hz >= 50.0 && odf_rate_hz <= 1000.0)) {
    return NULL;
  }
  TandemTempo* self = calloc(1, sizeof(TandemTempo));
  if (!self) {
    return NULL;
  }
  self->odf_rate_hz = odf_rate_hz;
  self->decimation = (int)ceil(odf_rate_hz / MAX_INTERNAL_RATE_HZ - 1e-9);
  if (self->decimation < 1) {
    self->decimation = 1;
  }
  self->rate_hz = odf_rate_hz / self->decimation;
  self->window_len = (int)ceil(WINDOW_S * self->rate_hz);
  /* The comb looks at twice the slowest period. */
  self->max_lag = (int)ceil(2.0 * 60.0 / MIN_BPM * self->rate_hz) + 2;
  self->update_pushes = (int)ceil(UPDATE_S * odf_rate_hz);
  /* Leave a few pushes spare for the decision stages. */
  const int acf_pushes = self->update_pushes > 8 ? self->update_pushes - 6 : 1;
  self->lags_per_push = (self->max_lag + 1 + acf_pushes - 1) / acf_pushes;
  self->n_cand = (int)floor(log(MAX_BPM / MIN_BPM) / log(CAND_STEP)) + 1;

  self->cand_lag = calloc((size_t)self->n_cand, sizeof(float));
  self->cand_prior = calloc((size_t)self->n_cand, sizeof(float));
  self->score = calloc((size_t)self->n_cand, sizeof(float));
  self->taper = calloc((size_t)self->window_len, sizeof(float));
  self->ring = calloc((size_t)self->window_len, sizeof(float));
  self->snap = calloc((size_t)self->window_len, sizeof(double));
  self->acf = calloc((size_t)self->max_lag + 1, sizeof(double));
  if (!self->cand_lag || !self->cand_prior || !self->score || !self->taper ||
      !self->ring || !self->snap || !self->acf) {
    tandem_tempo_free(self);
    return NULL;
  }
  for (int i = 0; i < self->n_cand; ++i) {
    const double bpm = MIN_BPM * pow(CAND_STEP, i);
    const double octaves = log2(bpm / PRIOR_BPM) / PRIOR_OCTAVES;
    self->cand_lag[i] = (float)(60.0 / bpm * self->rate_hz);
    self->cand_prior[i] = (float)exp(-0.5 * octaves * octaves);
  }
  for (int i = 0; i < self->window_len; ++i) {
    const double age_s = (double)(self->window_len - 1 - i) / self->rate_hz;
    self->taper[i] = (float)exp(-age_s / TAPER_S);
  }
  tandem_tempo_reset(self);
  return self;
}

void tandem_tempo_free(TandemTempo* self)
{
  if (!self) {
    return;
  }
  free(self->cand_lag);
  free(self->cand_prior);
  free(self->score);
  free(self->taper);
  free(self->ring);
  free(self->snap);
  free(self->acf);
  free(self);
}

void tandem_tempo_reset(TandemTempo* self)
{
  self->dec_sum = 0.0;
  self->dec_count = 0;
  memset(self->ring, 0, (size_t)self->window_len * sizeof(float));
  self->ring_pos = 0;
  self->filled = 0;
  self->stage = STAGE_COLLECT;
  self->pushes_to_update = self->update_pushes;
  self->next_lag = 0;
  self->locked = false;
  self->period = 0.0;
  self->confidence = 0.0f;
  self->phase = 0.0;
  self->pending_period = 0.0;
  self->pending_count = 0;
  self->level_hold = 0;
  self->held_updates = 0;
  self->phase_outliers = 0;
  self->score_valid = false;
}

/* Copies the ring oldest-first, removes its mean and applies the age taper. */
static void take_snapshot(TandemTempo* self)
{
  const int n = self->window_len;
  double sum = 0.0;
  for (int i = 0; i < n; ++i) {
    sum += self->ring[(self->ring_pos + i) % n];
  }
  const double mean = sum / n;
  for (int i = 0; i < n; ++i) {
    self->snap[i] = (self->ring[(self->ring_pos + i) % n] - mean) * self->taper[i];
  }
}

static void compute_lags(TandemTempo* self, int count)
{
  const int n = self->window_len;
  const double* x = self->snap;
  int lag = self->next_lag;
  const int end = clamp_int(lag + count, 0, self->max_lag + 1);
  for (; lag < end; ++lag) {
    double sum = 0.0;
    for (int i = 0; i + lag < n; ++i) {
      sum += x[i] * x[i + lag];
    }
    self->acf[lag] = lag < n ? sum / (n - lag) : 0.0;
  }
  self->next_lag = end;
}

/* Autocorrelation at a fractional lag, linearly interpolated. */
static double acf_at(const TandemTempo* self, double lag)
{
  if (lag < 0.0 || lag >= self->max_lag) {
    return 0.0;
  }
  const int i = (int)lag;
  const double f = lag - i;
  return self->acf[i] * (1.0 - f) + self->acf[i + 1] * f;
}

/* Autocorrelation a bar of four beats away: a true beat divides the bar, a period 3/2 of
 * it does not.  Periods too long for the window use the doubled period instead. */
static double bar_acf(const TandemTempo* self, double period)
{
  return 4.0 * period < self->max_lag ? acf_at(self, 4.0 * period)
                                      : acf_at(self, 2.0 * period);
}

/* ODF value `back` internal samples before the newest, fractional. */
static double ring_back(const TandemTempo* self, double back)
{
  const int n = self->window_len;
  if (back < 0.0 || back > n - 2) {
    return 0.0;
  }
  const int i = (int)back;
  const double f = back - i;
  const int newest = self->ring_pos - 1 + n;
  const double a = self->ring[(newest - i) % n];
  const double b = self->ring[(newest - i - 1) % n];
  return a * (1.0 - f) + b * f;
}

/* Samples since the most recent beat for a given period, from a phase histogram of the
 * recent ODF with older beats weighing less. */
static double measure_beat_offset(const TandemTempo* self, double period)
{
  const int bins = (int)ceil(period);
  const int max_beats = (int)((self->window_len - 2) / period);
  const int beats = max_beats < 8 ? max_beats : 8;
  double best = -1.0;
  double best_off = 0.0;
  double prev = 0.0, best_prev = 0.0, best_next = 0.0;
  for (int j = 0; j < bins; ++j) {
    double sum = 0.0;
    double weight = 1.0;
    for (int k = 0; k < beats; ++k) {
      sum += weight * ring_back(self, j + k * period);
      weight *= 0.8;
    }
    if (sum > best) {
      best = sum;
      best_off = j;
      best_prev = prev;
      best_next = -1.0;
    } else if (best_next < 0.0 && (double)j == best_off + 1.0) {
      best_next = sum;
    }
    prev = sum;
  }
  /* Parabolic refinement between neighbouring bins. */
  if (best_off > 0.0 && best_next >= 0.0) {
    const double denom = best_prev - 2.0 * best + best_next;
    if (denom < -1e-12) {
      const double delta = 0.5 * (best_prev - best_next) / denom;
      if (delta > -0.5 && delta < 0.5) {
        best_off += delta;
      }
    }
  }
  return best_off;
}

/* Strongest ODF value within `half_width` samples of `back`. */
static double ring_peak(const TandemTempo* self, double back, double half_width)
{
  double peak = 0.0;
  for (double d = -half_width; d <= half_width; d += 1.0) {
    const double v = ring_back(self, back + d);
    peak = v > peak ? v : peak;
  }
  return peak;
}

/* How the beats of a period sound over the last few beats: `evenness` is how alike the
 * odd and even beats are (1 = equal, 0 = every other beat empty); `subdivision` is how
 * strong the off-beats (half-way, swing allowed) are next to the beats. */
static void measure_meter(const TandemTempo* self, double period, double* evenness,
                          double* subdivision)
{
  const double offset = measure_beat_offset(self, period);
  const int max_beats = (int)((self->window_len - 2 - offset) / period) - 1;
  const int beats = max_beats < 8 ? max_beats : 8;
  const double beat_width = period / 16.0 > 1.0 ? period / 16.0 : 1.0;
  const double off_width = period / 5.0 > 1.0 ? period / 5.0 : 1.0;
  double sum[2] = {0.0, 0.0};
  double off = 0.0;
  for (int k = 0; k < beats; ++k) {
    const double back = offset + k * period;
    sum[k & 1] += ring_peak(self, back, beat_width);
    off += ring_peak(self, back + 0.5 * period, off_width);
  }
  const double hi = sum[0] > sum[1] ? sum[0] : sum[1];
  const double lo = sum[0] > sum[1] ? sum[1] : sum[0];
  *evenness = hi > 1e-20 ? lo / hi : 0.0;
  *subdivision = hi > 1e-20 ? off / (sum[0] + sum[1]) : 0.0;
}

/* The comb and prior favour the 90-140 bpm octave; move to the right metrical level,
 * one step per call: faster when the beats of the faster level are all alike (kick and
 * snare at 200 bpm) unless, above HALF_TIME_MAX_BPM, they are bare accented 8ths; slower
 * when every other beat is weak and nothing subdivides them (8th hats at 60 bpm). Returns
 * false when the level is settled. */
static bool metrical_level_step(TandemTempo* self)
{
  const double min_period = 60.0 / MAX_BPM * self->rate_hz;
  const double max_period = 60.0 / MIN_BPM * self->rate_hz;
  const double period = self->candidate_period;
  double even = 0.0, sub = 0.0;
  if (period * 0.5 >= min_period) {
    measure_meter(self, period * 0.5, &even, &sub);
    /* Mirror of the slower rule: a beat above HALF_TIME_MAX_BPM with nothing between
     * its beats, whose every other beat is accented, is more likely the 8ths of a
     * slower beat (8th-note chords at 93 bpm) than a fast beat, which brings hats,
     * upbeats or fills.  Unaccented bare pulses (a click) stay fast. */
    bool bare_fast = false;
    if (even >= FASTER_EVENNESS && sub < FASTER_SUBDIVISION &&
        120.0 * self->rate_hz / period > HALF_TIME_MAX_BPM) {
      double slow_even = 0.0, slow_sub = 0.0;
      measure_meter(self, period, &slow_even, &slow_sub);
      bare_fast = slow_sub < FASTER_ACCENT;
    }
    if (even >= FASTER_EVENNESS && !bare_fast) {
      self->candidate_period = period * 0.5;
      return true;
    }
  }
  if (period * 2.0 <= max_period) {
    measure_meter(self, period, &even, &sub);
    /* Above HALF_TIME_MAX_BPM an uneven beat is taken for subdivisions (16th hats at
     * 80 bpm), below it for a half-time feel (kick on 1, snare on 3 at 140 bpm). */
    const bool fast = 60.0 * self->rate_hz / period > HALF_TIME_MAX_BPM;
    if (even < SLOWER_EVENNESS && (sub < SLOWER_SUBDIVISION || fast)) {
      self->candidate_period = period * 2.0;
      return true;
    }
  }
  return false;
}

static double wrap_half(double x)
{
  return x - floor(x + 0.5);
}

/* True when the last 2 s hold almost no onset strength next to the whole window: the
 * music stopped, so hold the tempo instead of reading meter into silence. */
static bool recently_quiet(const TandemTempo* self)
{
  const int n = self->window_len;
  const int recent = (int)(QUIET_S * self->rate_hz);
  double recent_sum = 0.0, sum = 0.0;
  for (int i = 0; i < n; ++i) {
    const double v = self->ring[(self->ring_pos + n - 1 - i) % n];
    sum += v;
    if (i < recent) {
      recent_sum += v;
    }
  }
  return recent_sum / recent < QUIET_RATIO * (sum / n);
}

/* Scores every candidate period; false when there is nothing periodic to hear. */
static bool score_candidates(TandemTempo* self)
{
  const double energy = self->acf[0];
  const double fill_s = (double)self->filled / self->rate_hz;
  if (!(energy > 1e-20) || fill_s < MIN_FILL_S || recently_quiet(self)) {
    /* Nothing periodic to hear: let the belief fade rather than jump. */
    self->confidence *= 0.8f;
    if (self->confidence < 1e-3f) {
      self->confidence = 0.0f;
    }
    return false;
  }
  /* When two octaves score alike the winner flips from one update to the next; a leaky
   * average (time constant ~1.1 s) lets the one that wins more often hold.  It delays a
   * real tempo change by about a second, which relocking within 4 bars allows. */
  const float keep = self->score_valid ? (float)SCORE_KEEP : 0.0f;
  int best = 0;
  for (int i = 0; i < self->n_cand; ++i) {
    const double lag = self->cand_lag[i];
    const double comb = acf_at(self, lag) + COMB_DOUBLE * acf_at(self, 2.0 * lag) +
                        COMB_HALF * acf_at(self, 0.5 * lag) +
                        COMB_BAR * bar_acf(self, lag);
    const float fresh = (float)(comb / energy * self->cand_prior[i]);
    self->score[i] = keep * self->score[i] + (1.0f - keep) * fresh;
    if (self->score[i] > self->score[best]) {
      best = i;
    }
  }
  self->score_valid = true;
  if (!(self->score[best] > 0.0f)) {
    self->confidence *= 0.8f;
    return false;
  }
  double best_period = self->cand_lag[best];
  if (best > 0 && best + 1 < self->n_cand) {
    const double a = self->score[best - 1], b = self->score[best],
                 c = self->score[best + 1];
    const double denom = a - 2.0 * b + c;
    if (denom < -1e-12) {
      const double delta = 0.5 * (a - c) / denom;
      if (delta > -1.0 && delta < 1.0) {
        best_period = self->cand_lag[best] * pow(CAND_STEP, -delta);
      }
    }
  }

  self->candidate_period = best_period;
  return true;
}

/* The octave shift k for which period * 2^k lies nearest to `ref` (in ratio) while
 * staying inside the tracked tempo range. */
static int octave_toward(const TandemTempo* self, double period, double ref)
{
  const double min_period = 60.0 / MAX_BPM * self->rate_hz;
  const double max_period = 60.0 / MIN_BPM * self->rate_hz;
  int k = (int)lround(log2(ref / period));
  while (k > -8 && ldexp(period, k) > max_period) {
    --k;
  }
  while (k < 8 && ldexp(period, k) < min_period) {
    ++k;
  }
  return k;
}

/* Moves the held period towards this update's candidate; true when it jumped.
 * A candidate an octave from the held beat changes the level after SWITCH_UPDATES wins
 * in a row, except while the level holds after a tempo change.  A new tempo is taken at
 * the octave nearest the old one and the level then holds for LEVEL_HOLD_BARS: a band
 * that speeds up keeps its feel, while the level reading of the new groove, on its own,
 * may well pick the other octave (house at 100 bpm read as 200). */
static bool follow_candidate(TandemTempo* self)
{
  const double best_period = self->candidate_period;
  if (!self->locked) {
    self->period = best_period;
    self->locked = true;
    return true;
  }
  if (self->level_hold > 0) {
    self->level_hold--;
  }
  if (self->held_updates < 1000000) {
    self->held_updates++;
  }
  const int octave = octave_toward(self, best_period, self->period);
  const double folded = ldexp(best_period, octave);
  const bool same_beat = fabs(folded / self->period - 1.0) < 0.04;
  if (same_beat && (octave == 0 || self->level_hold > 0)) {
    /* Same beat: follow slow drift. */
    self->period += 0.5 * (folded - self->period);
    self->pending_period = 0.0;
    self->pending_count = 0;
    return false;
  }
  /* Another level or another tempo wins: it must keep winning before we move to it.
   * A new tempo inherits the level only from a settled one (a level held briefly may
   * be a wrong reading), and not across 3:2: that is the triplet and the duple reading
   * of one groove taking turns (a reggae one-drop heard at 76 and at 114 bpm). */
  const bool settled = self->held_updates * UPDATE_S >= LEVEL_SETTLED_S;
  const double folded_octaves = fabs(log2(folded / self->period));
  const bool triple =
      fabs(folded_octaves - log2(4.0 / 3.0)) < log2(1.0 + TRIPLE_TOLERANCE);
  const bool inherit = settled && !same_beat && !triple;
  const double target = inherit ? folded : best_period;
  if (self->pending_period > 0.0 && fabs(target / self->pending_period - 1.0) < 0.04) {
    self->pending_count++;
  } else {
    self->pending_count = 1;
  }
  self->pending_period = target;
  if (self->pending_count < SWITCH_UPDATES) {
    return false;
  }
  self->period = target;
  self->pending_period = 0.0;
  self->pending_count = 0;
  self->held_updates = 0;
  if (inherit) {
    const double hold_s = LEVEL_HOLD_BARS * 4.0 * target / self->rate_hz;
    self->level_hold = (int)ceil(hold_s / UPDATE_S);
  }
  return true;
}

/* Moves the held tempo to the candidate (with hysteresis), then confidence and phase. */
static void commit(TandemTempo* self)
{
  const double energy = self->acf[0];
  const double fill_s = (double)self->filled / self->rate_hz;
  const bool jump = follow_candidate(self);

  const double r = acf_at(self, self->period) / energy;
  float conf = (float)(r < 0.0 ? 0.0 : (r > 1.0 ? 1.0 : r));
  if (fill_s < 4.0) {
    conf *= (float)(fill_s / 4.0);
  }
  self->confidence = conf;

  /* Phase, measured on the live ring so that it is current. */
  const double offset = measure_beat_offset(self, self->period);
  const double raw_since_beat =
      offset * self->decimation + 0.5 * (self->decimation - 1) + self->dec_count;
  const double measured = raw_since_beat / (self->period * self->decimation);
  const double measured_wrapped = measured - floor(measured);
  /* On busy grooves the reading now and then lands a 16th or an 8th off: a few such
   * readings are ignored, and a lasting disagreement moves the beat gradually. */
  if (jump) {
    self->phase = measured_wrapped;
    self->phase_outliers = 0;
    return;
  }
  double error = wrap_half(measured_wrapped - self->phase);
  if (fabs(error) <= PHASE_OUTLIER) {
    self->phase_outliers = 0;
  } else if (self->phase_outliers < PHASE_OUTLIER_RUN) {
    self->phase_outliers++;
    error = 0.0;
  }
  /* Corrections are spread out so that no beat interval bends by more than
   * PHASE_MAX_SLEW: a tracked beat should not stumble when the reading wavers. */
  const double beats_per_update = UPDATE_S * self->rate_hz / self->period;
  const double max_step = PHASE_MAX_SLEW * beats_per_update;
  double step = 0.5 * error;
  step = step > max_step ? max_step : (step < -max_step ? -max_step : step);
  self->phase += step;
  self->phase -= floor(self->phase);
}

/* One step of the analysis, sized so that no push does much. */
static void work_step(TandemTempo* self)
{
  switch (self->stage) {
  case STAGE_COLLECT:
    if (--self->pushes_to_update <= 0) {
      self->pushes_to_update = self->update_pushes;
      take_snapshot(self);
      self->next_lag = 0;
      self->stage = STAGE_ACF;
    }
    break;
  case STAGE_ACF:
    --self->pushes_to_update;
    compute_lags(self, self->lags_per_push);
    if (self->next_lag > self->max_lag) {
      self->stage = STAGE_SCORE;
    }
    break;
  case STAGE_SCORE:
    --self->pushes_to_update;
    self->level_steps = 0;
    self->stage = score_candidates(self) ? STAGE_LEVEL : STAGE_COLLECT;
    break;
  case STAGE_LEVEL:
    --self->pushes_to_update;
    if (!metrical_level_step(self) || ++self->level_steps >= 2) {
      self->stage = STAGE_COMMIT;
    }
    break;
  case STAGE_COMMIT:
    --self->pushes_to_update;
    commit(self);
    self->stage = STAGE_COLLECT;
    break;
  }
}

void tandem_tempo_push(TandemTempo* self, float odf_value)
{
  if (!isfinite(odf_value)) {
    tandem_tempo_reset(self);
    return;
  }
  /* Negative and denormal values carry no onset. */
  float v = odf_value > 1e-30f ? odf_value : 0.0f;
  if (v > MAX_ODF_VALUE) {
    v = MAX_ODF_VALUE;
  }
  if (self->locked) {
    self->phase += 1.0 / (self->period * self->decimation);
    self->phase -= floor(self->phase);
  }
  self->dec_sum += v;
  if (++self->dec_count >= self->decimation) {
    self->ring[self->ring_pos] = (float)(self->dec_sum / self->decimation);
    self->ring_pos = (self->ring_pos + 1) % self->window_len;
    self->filled++;
    self->dec_sum = 0.0;
    self->dec_count = 0;
  }
  work_step(self);
}

void tandem_tempo_get(const TandemTempo* self, TandemTempoEstimate* out)
{
  if (!self->locked || !(self->period > 0.0)) {
    out->bpm = 0.0f;
    out->confidence = 0.0f;
    out->beat_phase = 0.0;
    out->period_s = 0.0;
    return;
  }
  out->period_s = self->period / self->rate_hz;
  out->bpm = (float)(60.0 / out->period_s);
  out->confidence = self->confidence;
  out->beat_phase = self->phase;
}
