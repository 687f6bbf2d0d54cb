/* Tandem — causal tempo and beat tracking.  See tempo.h. */
#include "tempo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tempo_level_model.h"

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
#define FASTER_EVENNESS      0.75 /* see odf_level_step() */
#define SLOWER_EVENNESS      0.6
#define SLOWER_SUBDIVISION   0.25
#define FASTER_SUBDIVISION   0.15
#define FASTER_ACCENT        0.9
#define HALF_TIME_MAX_BPM    150.0
#define SCORE_KEEP           0.8 /* share of the candidate scores kept per update */
#define QUIET_S              2.0 /* see recently_quiet() */
#define QUIET_RATIO          0.1
#define MIN_FILL_S           2.0 /* no estimate before this much ODF */
#define MAX_ODF_VALUE        1e9f
#define N_DRUM_CLASSES       3    /* kick, snare, hat: the onset classes kept */
#define DRUM_BEATS           16   /* beats looked at when reading the drums */
#define DRUM_MIN_HATS        3.0  /* hat strength in the window that marks a drum kit */
#define DRUM_MIN_SNARE       1.5  /* snare strength needed to read a backbeat */
#define BACKBEAT_SHARE       0.35 /* share of all snare on the backbeat beats */
#define BACKBEAT_OCCUPANCY   0.5  /* share of backbeat beats that carry a snare */
#define BACKBEAT_LEAK        0.35 /* most snare on the other beats, next to the backbeat */
#define SWING_SHARE          0.2  /* hats at 2/3 of a beat, next to those on it */
#define SWING_BEATS          0.35 /* share of beats followed by a swung hat */
#define DRUM_GAP_S           1.0  /* drums silent this long have stopped */
#define MAX_GRID_BINS        (int)(60.0 / MIN_BPM * MAX_INTERNAL_RATE_HZ + 2)

typedef enum {
  STAGE_COLLECT = 0, /* waiting for the next update time */
  STAGE_ACF,         /* computing the autocorrelation, a few lags per push */
  STAGE_SCORE,       /* scoring the candidate periods (one push) */
  STAGE_FEATURES,    /* measuring the winner's metrical features (one push) */
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
  float* drums;      /* [N_DRUM_CLASSES * window_len] onset strength, indexed as ring */

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
  int level_steps;         /* metrical-level steps taken this update */
  /* What the metrical level was chosen from, at the last update (for tools). */
  float level_features[TANDEM_TEMPO_LEVEL_FEATURES];
  double level_period; /* the candidate the features describe */
  uint32_t level_serial;

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
  self->drums = calloc((size_t)N_DRUM_CLASSES * (size_t)self->window_len, sizeof(float));
  if (!self->cand_lag || !self->cand_prior || !self->score || !self->taper ||
      !self->ring || !self->snap || !self->acf || !self->drums) {
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
  free(self->drums);
  free(self);
}

void tandem_tempo_reset(TandemTempo* self)
{
  self->dec_sum = 0.0;
  self->dec_count = 0;
  memset(self->ring, 0, (size_t)self->window_len * sizeof(float));
  memset(self->drums, 0,
         (size_t)N_DRUM_CLASSES * (size_t)self->window_len * sizeof(float));
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
  memset(self->level_features, 0, sizeof(self->level_features));
  self->level_period = 0.0;
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

/* Onset strength of class `cls` within `half_width` samples of `back`. */
static double drum_sum(const TandemTempo* self, int cls, double back, double half_width)
{
  const int n = self->window_len;
  const float* d = self->drums + cls * n;
  int lo = (int)ceil(back - half_width);
  int hi = (int)floor(back + half_width);
  lo = lo < 0 ? 0 : lo;
  hi = hi > n - 1 ? n - 1 : hi;
  double sum = 0.0;
  for (int b = lo; b <= hi; ++b) {
    sum += d[(self->ring_pos - 1 - b + 2 * n) % n];
  }
  return sum;
}

/* Where the drums fall on the beat grid of one period, over up to DRUM_BEATS beats
 * back from the newest drums.  Strengths are summed over the beats. */
typedef struct {
  int beats;                     /* beats read; 0 when the window is too short */
  double snare_beat[DRUM_BEATS]; /* snare strength on each beat, newest first */
  double snare_all;              /* snare strength anywhere over those beats */
  double hat_all;                /* hat strength anywhere over those beats */
  double hat_on;                 /* hats on the beat */
  double hat_half;               /* hats half-way */
  double hat_16th;               /* hats a quarter before or after the beat */
  double hat_32nd;               /* hats an eighth before or after the beat */
  double hat_swing;              /* hats two thirds after the beat */
  int swing_beats;               /* beats followed by such a hat */
  int low_beats;                 /* beats that carry a kick or a snare */
  double pulse_on;               /* any drum on the beat (a ride on a feathered kick */
  double pulse_half;             /* reads as a kick), and half-way */
} DrumGrid;

/* Samples back to the most recent beat before `base`: the phase, over `beats` beats,
 * where most drums land (kicks and snares count double: hats also play between beats).
 * The ODF's own phase can sit on a swung skip note or an off-beat open hat. */
static double grid_offset(const TandemTempo* self, double base, double period, int beats)
{
  const int n = self->window_len;
  const int bins = (int)ceil(period);
  if (bins > MAX_GRID_BINS) {
    return base;
  }
  double hist[MAX_GRID_BINS];
  memset(hist, 0, sizeof(hist));
  const int end = (int)(base + beats * period);
  for (int b = (int)ceil(base); b < end && b < n; ++b) {
    const int i = (self->ring_pos - 1 - b + 2 * n) % n;
    const double v = 2.0 * (self->drums[TANDEM_ONSET_KICK * n + i] +
                            self->drums[TANDEM_ONSET_SNARE * n + i]) +
                     self->drums[TANDEM_ONSET_HAT * n + i];
    if (v > 0.0) {
      const int j = (int)fmod(b - base, period);
      hist[j < bins ? j : bins - 1] += v;
    }
  }
  int best = 0;
  double best_sum = -1.0;
  for (int j = 0; j < bins; ++j) {
    /* Neighbouring bins together: onsets straddle bin edges. */
    const double sum =
        hist[j] + 0.5 * (hist[(j + 1) % bins] + hist[(j + bins - 1) % bins]);
    if (sum > best_sum) {
      best_sum = sum;
      best = j;
    }
  }
  return base + best;
}

/* Samples back to the most recent drum onset, or the window length if none. */
static int newest_drum(const TandemTempo* self)
{
  const int n = self->window_len;
  for (int b = 0; b < n; ++b) {
    const int i = (self->ring_pos - 1 - b + 2 * n) % n;
    for (int c = 0; c < N_DRUM_CLASSES; ++c) {
      if (self->drums[c * n + i] > 0.0f) {
        return b;
      }
    }
  }
  return n;
}

/* The grid starts at the newest drums, so that a groove that just stopped or paused
 * is read from the beats it played. */
static void read_drums(const TandemTempo* self, double period, int newest, DrumGrid* g)
{
  memset(g, 0, sizeof(*g));
  const double base = newest > period ? newest - period : 0.0;
  int beats = (int)((self->window_len - 2 - base) / period) - 2;
  beats = beats > DRUM_BEATS ? DRUM_BEATS : beats;
  if (beats < 4) {
    return;
  }
  const double offset = grid_offset(self, base, period, beats);
  g->beats = beats;
  const double w_beat = period / 10.0 > 1.0 ? period / 10.0 : 1.0;
  const double w_fine = period / 24.0 > 0.5 ? period / 24.0 : 0.5;
  for (int k = 0; k < beats; ++k) {
    const double back = offset + k * period;
    g->snare_beat[k] = drum_sum(self, TANDEM_ONSET_SNARE, back, w_beat);
    g->low_beats +=
        g->snare_beat[k] + drum_sum(self, TANDEM_ONSET_KICK, back, w_beat) > 0.1;
    g->hat_on += drum_sum(self, TANDEM_ONSET_HAT, back, w_fine);
    g->hat_half += drum_sum(self, TANDEM_ONSET_HAT, back + 0.5 * period, w_fine);
    g->hat_16th += 0.5 * (drum_sum(self, TANDEM_ONSET_HAT, back + 0.25 * period, w_fine) +
                          drum_sum(self, TANDEM_ONSET_HAT, back + 0.75 * period, w_fine));
    g->hat_32nd +=
        0.5 * (drum_sum(self, TANDEM_ONSET_HAT, back + 0.125 * period, w_fine) +
               drum_sum(self, TANDEM_ONSET_HAT, back + 0.875 * period, w_fine));
    const double swing = drum_sum(self, TANDEM_ONSET_HAT, back + period / 3.0, w_fine);
    g->hat_swing += swing;
    g->swing_beats += swing > 0.1;
    g->pulse_on += drum_sum(self, TANDEM_ONSET_KICK, back, w_fine) +
                   drum_sum(self, TANDEM_ONSET_SNARE, back, w_fine);
    g->pulse_half += drum_sum(self, TANDEM_ONSET_KICK, back + 0.5 * period, w_fine) +
                     drum_sum(self, TANDEM_ONSET_SNARE, back + 0.5 * period, w_fine);
  }
  g->pulse_on += g->hat_on;
  g->pulse_half += g->hat_half;
  const double span = (beats - 1) * period;
  g->snare_all =
      drum_sum(self, TANDEM_ONSET_SNARE, offset + 0.5 * span, 0.5 * span + w_beat);
  g->hat_all = drum_sum(self, TANDEM_ONSET_HAT, offset + 0.5 * span, 0.5 * span + w_beat);
}

/* True when the snare lands on every `every`-th beat (2: a backbeat, 4: once a bar of
 * this beat), nearly always, and seldom elsewhere on the beats. */
static bool snare_every(const DrumGrid* g, int every)
{
  if (g->beats < 2 * every || g->snare_all < DRUM_MIN_SNARE) {
    return false;
  }
  double by_slot[4] = {0.0, 0.0, 0.0, 0.0};
  for (int k = 0; k < g->beats; ++k) {
    by_slot[k % every] += g->snare_beat[k];
  }
  int best = 0;
  double on_beats = 0.0;
  for (int r = 0; r < every; ++r) {
    best = by_slot[r] > by_slot[best] ? r : best;
    on_beats += by_slot[r];
  }
  const double dom = by_slot[best];
  int slots = 0, hit = 0;
  int sub_slots[2] = {0, 0}, sub_hit[2] = {0, 0};
  for (int k = best; k < g->beats; k += every) {
    const bool h = g->snare_beat[k] > 0.1;
    slots++;
    hit += h;
    sub_slots[(k / every) & 1]++;
    sub_hit[(k / every) & 1] += h;
  }
  /* Detection misses some snares, but a backbeat must not be a snare on every
   * fourth beat: both halves of its beats need their share. */
  if (every == 2 &&
      (sub_hit[0] < 0.34 * sub_slots[0] || sub_hit[1] < 0.34 * sub_slots[1])) {
    return false;
  }
  return dom >= BACKBEAT_SHARE * g->snare_all && on_beats - dom <= BACKBEAT_LEAK * dom &&
         hit >= 2 && hit >= BACKBEAT_OCCUPANCY * slots;
}

/* Hats swung at two thirds of the beat, with nothing straight half-way. */
static bool hats_swing(const DrumGrid* g)
{
  return g->pulse_on > 0.0 && g->hat_swing >= SWING_SHARE * g->pulse_on &&
         g->swing_beats >= SWING_BEATS * g->beats && g->hat_half < 0.5 * g->hat_swing;
}

/* Hats on 32nds of the beat: they are 16ths of a beat twice as fast (trap hats). */
static bool hats_on_32nds(const DrumGrid* g)
{
  return g->hat_32nd > 0.0 && g->hat_32nd >= 0.5 * g->hat_16th &&
         g->hat_32nd >= 0.3 * g->hat_on && g->hat_16th >= 0.3 * g->hat_on;
}

/* Where level_features puts what the level choice reads besides the model. */
enum { F_CAN_HALVE = 2, F_CAN_DOUBLE = 3, F_KIT = 12, F_DRUMS_STOPPED = 13 };

/* The drum grid of `period` as features: how its beats hold kicks, snares and hats. */
static void grid_features(const DrumGrid* g, float* f)
{
  const double beats = g->beats > 0 ? g->beats : 1;
  const double hats = g->hat_on > 1e-9 ? g->hat_on : 1e-9;
  const double pulse = g->pulse_on > 1e-9 ? g->pulse_on : 1e-9;
  f[0] = g->beats > 0 && snare_every(g, 2);
  f[1] = g->beats > 0 && snare_every(g, 4);
  f[2] = g->beats > 0 && hats_swing(g);
  f[3] = g->beats > 0 && hats_on_32nds(g);
  f[4] = (float)(g->low_beats / beats);
  f[5] = (float)fmin(g->pulse_half / pulse, 4.0);
  f[6] = (float)fmin(g->hat_half / hats, 4.0);
  f[7] = (float)fmin(g->hat_16th / hats, 4.0);
  f[8] = (float)fmin(g->hat_swing / pulse, 4.0);
}

/* Everything the metrical level of `period` is read from (TANDEM_TEMPO_LEVEL_FEATURES
 * values): the tempo, how the autocorrelation and the ODF's accents sit at the
 * period, its half and its double, and how the drums fall on the grids of all
 * three.  Missing levels (out of the tempo range) read 0. */
static void level_features(const TandemTempo* self, double period, float* f)
{
  const double min_period = 60.0 / MAX_BPM * self->rate_hz;
  const double max_period = 60.0 / MIN_BPM * self->rate_hz;
  const double energy = self->acf[0] > 1e-20 ? self->acf[0] : 1e-20;
  const double octaves = log2(60.0 * self->rate_hz / period / PRIOR_BPM);
  const bool can_halve = period * 0.5 >= min_period;
  const bool can_double = period * 2.0 <= max_period;
  memset(f, 0, TANDEM_TEMPO_LEVEL_FEATURES * sizeof(float));
  f[0] = (float)octaves;
  f[1] = (float)(octaves * octaves);
  f[F_CAN_HALVE] = can_halve;
  f[F_CAN_DOUBLE] = can_double;
  f[4] = (float)(acf_at(self, period) / energy);
  f[5] = (float)(acf_at(self, 0.5 * period) / energy);
  f[6] = (float)(acf_at(self, 2.0 * period) / energy);
  f[7] = (float)(bar_acf(self, period) / energy);
  double even = 0.0, sub = 0.0;
  measure_meter(self, period, &even, &sub);
  f[8] = (float)even;
  f[9] = (float)sub;
  if (can_halve) {
    measure_meter(self, 0.5 * period, &even, &sub);
    f[10] = (float)even;
    f[11] = (float)sub;
  }
  const int newest = newest_drum(self);
  DrumGrid g;
  read_drums(self, period, newest, &g);
  f[F_KIT] = g.beats > 0 && g.hat_all >= DRUM_MIN_HATS;
  f[F_DRUMS_STOPPED] = newest > DRUM_GAP_S * self->rate_hz;
  grid_features(&g, f + 14);
  if (can_halve) {
    read_drums(self, 0.5 * period, newest, &g);
    grid_features(&g, f + 23);
  }
  if (can_double) {
    read_drums(self, 2.0 * period, newest, &g);
    grid_features(&g, f + 32);
  }
}

static int octave_toward(const TandemTempo* self, double period, double ref);

/* Without a drum kit, the ODF alone: faster when the beats of the faster level
 * are all alike (kick and snare at 200 bpm) unless, above HALF_TIME_MAX_BPM, they
 * are bare accented 8ths; slower when every other beat is weak and nothing
 * subdivides them (8th chords at 60 bpm).  One step per call; false when the
 * level is settled. */
static bool odf_level_step(TandemTempo* self)
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

/* The comb and prior favour the 90-140 bpm octave; this moves the candidate to the
 * right metrical level.  Where a drum kit plays, the level is chosen from the
 * candidate's features (level_features) by a model fitted on the training split
 * of the unseen corpus (tempo_level_model.h, written by tools/fit-tempo-level.py):
 * keep the candidate, halve its tempo or double it.  When the drums just stopped,
 * a ringing tail or a break reads as any meter, so the held level stays.  Without
 * a kit, the ODF rules decide (odf_level_step).  Returns true when another step
 * should follow. */
static bool metrical_level_step(TandemTempo* self)
{
  const float* f = self->level_features;
  const double period = self->candidate_period;
  if (f[F_KIT] < 0.5f) {
    return odf_level_step(self);
  }
  if (f[F_DRUMS_STOPPED] > 0.5f) {
    if (self->locked) {
      self->candidate_period = ldexp(period, octave_toward(self, period, self->period));
    }
    return false;
  }
  int best = 1;
  float best_z = -INFINITY;
  for (int k = 0; k < 3; ++k) {
    if ((k == 0 && f[F_CAN_DOUBLE] < 0.5f) || (k == 2 && f[F_CAN_HALVE] < 0.5f)) {
      continue; /* that level lies outside the tracked range */
    }
    float z = tandem_level_b[k];
    for (int i = 0; i < TANDEM_TEMPO_LEVEL_FEATURES; ++i) {
      z += tandem_level_w[k][i] * f[i];
    }
    if (z > best_z) {
      best_z = z;
      best = k;
    }
  }
  self->candidate_period = best == 0 ? period * 2.0 : (best == 2 ? period * 0.5 : period);
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
    self->stage = score_candidates(self) ? STAGE_FEATURES : STAGE_COLLECT;
    break;
  case STAGE_FEATURES:
    --self->pushes_to_update;
    level_features(self, self->candidate_period, self->level_features);
    self->level_period = self->candidate_period;
    self->level_serial++;
    self->stage = STAGE_LEVEL;
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
    for (int c = 0; c < N_DRUM_CLASSES; ++c) {
      self->drums[c * self->window_len + self->ring_pos] = 0.0f;
    }
    self->ring_pos = (self->ring_pos + 1) % self->window_len;
    self->filled++;
    self->dec_sum = 0.0;
    self->dec_count = 0;
  }
  work_step(self);
}

void tandem_tempo_onset(TandemTempo* self, unsigned drums, float strength, double age_s)
{
  if (!(drums & ((1u << N_DRUM_CLASSES) - 1)) || !(strength > 0.0f) || !isfinite(age_s)) {
    return;
  }
  /* The newest internal sample ends dec_count pushes before the latest push. */
  double back = age_s * self->rate_hz - (double)self->dec_count / self->decimation;
  back = back > 0.0 ? back : 0.0;
  if (back > self->window_len - 1) {
    return;
  }
  const int n = self->window_len;
  const int i = (self->ring_pos - 1 - (int)lround(back) + 2 * n) % n;
  for (int cls = 0; cls < N_DRUM_CLASSES; ++cls) {
    if (drums & (1u << cls)) {
      self->drums[cls * n + i] += strength > 1.0f ? 1.0f : strength;
    }
  }
}

uint32_t tandem_tempo_level_features(const TandemTempo* self, float* features, float* bpm)
{
  memcpy(features, self->level_features, sizeof(self->level_features));
  *bpm = self->level_period > 0.0 ? (float)(60.0 * self->rate_hz / self->level_period)
                                  : 0.0f;
  return self->level_serial;
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
