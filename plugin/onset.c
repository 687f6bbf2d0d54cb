/* Tandem — causal onset detector.  See onset.h. */
#include "onset.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "drums.h"
#include "spectrum.h"

#define WINDOW_MS     10.0
#define HOP_MS        2.5
#define MAX_HZ        16000.0 /* bins above add only noise at high sample rates */
#define THRESH_MS     100.0   /* causal window of the adaptive threshold */
#define MIN_GAP_MS    30.0
#define HISTORY_MS    120.0  /* time-domain history: refinement, drum look */
#define BACKGROUND_MS 10.0   /* level before the search span = background */
#define GAP_MS        2.5    /* a dip this long below threshold ends the rise */
#define HP_HZ         40.0   /* high-pass of the broadband refinement envelope */
#define TREBLE_HZ     1500.0 /* two-pole high-pass of the treble envelope */
/* Time-domain bands for the drum features: a two-pole low-pass at LOW_HZ (a
 * kick's body), and what a two-pole low-pass at MID_HZ adds to it (a snare's or
 * tom's body).  Their peak after an onset against the peak in ENV_BEFORE_MS
 * before it tells a kick under a hat or clap, whose low end the 10 ms spectrum
 * frames cannot resolve yet. */
#define LOW_HZ        150.0
#define MID_HZ        600.0
#define ENV_BEFORE_MS 30.0
/* Which drums an onset holds is decided this long after the onset: a kick's body
 * builds over 10-30 ms, under the hat or clap whose attack triggered the
 * detection, and is heard only once it has sounded.  The onset's time is not
 * delayed, only its report, by at most this plus a hop, within the 20 ms a
 * following player may wait (onset.h).  On the unseen corpus's dev split a
 * 30 ms look read kicks a little better (onset-level F 0.832 against 0.818 at
 * 20 ms) but would make every follow note late. */
#define TANDEM_DRUM_LOOK_MS 17.5
#define FLUX_LAG            2 /* a frame is compared with the frames this many hops back ... */
#define FLUX_SPAN           8 /* ... up to this many (20 ms: a whole cycle of a 50 Hz tone) */
/* The reference of a frame is the maximum over FLUX_SPAN - FLUX_LAG + 1 = 7 earlier
 * frames.  Rather than scanning all 7 per hop, each frame keeps the maximum of itself and
 * the frame before (M2) and of the 4 frames up to it (M4, from two M2); two overlapping
 * M4 then cover lags FLUX_LAG .. FLUX_SPAN.  Max is exact, so nothing changes but the
 * cost. */
#define M4_FRAMES (FLUX_SPAN - 2) /* M4 ring: back to lag FLUX_SPAN - 3 */
_Static_assert(FLUX_SPAN - 3 >= FLUX_LAG && FLUX_SPAN - 3 <= FLUX_LAG + 4,
               "two 4-frame maxima must cover lags FLUX_LAG .. FLUX_SPAN");
#define FLUX_GAMMA 1000.0f /* log compression: log(1 + gamma * magnitude) */
/* Adaptive level: the magnitudes are scaled so that the loudest recent frame
 * sits at LEVEL_TARGET_DB (frame power, dBFS), as a full-scale drum track does.
 * The loudest frame is followed at once upwards and released at LEVEL_RELEASE_DB
 * per second, so a quiet track is heard as a loud one and a fade is no cliff.
 * The gain stays within LEVEL_MIN_GAIN_DB .. LEVEL_MAX_GAIN_DB, so that hiss
 * and near-silence (below about -58 dBFS frame power) are not boosted further. */
#define LEVEL_TARGET_DB   -18.0
#define LEVEL_RELEASE_DB  3.0
#define LEVEL_MIN_GAIN_DB 0.0
#define LEVEL_MAX_GAIN_DB 50.0
/* The gain falls at once but rises at most this fast, from 0 dB after a reset:
 * 0.05 dB a hop is far below the flux's dead band, so a rising gain is never
 * heard as a rise in the signal (the frames it is compared with were judged
 * with the gain of their time). */
#define LEVEL_GAIN_RISE_DB 20.0
#define FLUX_DEADBAND      0.15f  /* per-bin rise ignored (1.3 dB): window-phase jitter */
#define SILENCE_POWER      1e-10f /* -100 dBFS: frames below carry no onsets */
/* Class bands: sub (above DC) < 120 Hz <= low < 300 Hz <= low-mid < 750 Hz <= mid
 * < 1.5 kHz <= upper-mid < 3 kHz <= high < 6 kHz <= air.  DC is left out: many drum
 * samples carry an offset that steps in with them. */
enum {
  BAND_SUB,
  BAND_LOW,
  BAND_LOW_MID,
  BAND_MID,
  BAND_UPPER_MID,
  BAND_HIGH,
  BAND_AIR,
  CLASS_BANDS
};
/* The last drum band (drums.h) of each class band: the class bands are sums of
 * the drum bands, whose edges include 120, 300, 750, 1500, 3000 and 6000 Hz. */
static const int class_last_drum_band[CLASS_BANDS] = {1, 3, 5, 7, 9, 11, 14};
#define MAX_THRESH 64
/* A kick: at least this share of the total rise below 300 Hz ... */
#define KICK_LOW_SHARE 0.3f
/* ... and below 120 Hz at least this fraction of the 120-300 Hz rise. */
#define KICK_SUB_OF_LOW 0.5f
/* A rise below 300 Hz of at least this many times the band's recent level
 * (+6 dB) is a new low attack: it lets a kick through the minimum gap after
 * another onset. */
#define LOW_BREAK_RISE 3.0f
/* A kick has less than this share of its rise above 300 Hz; with more, the
 * low rise is a snare's body. */
#define KICK_MAX_UPPER 0.4f
/* A cymbal (ride, crash) struck while it rings, or with a strong bell, can rise
 * as much at 300 Hz - 1.5 kHz as above 3 kHz; what tells it from a snare is
 * that almost nothing rises below 300 Hz, where a snare's body is: less than
 * this share of the rise ... */
#define CYMBAL_MAX_LOW_SHARE 0.1f
/* ... with at least this share above 3 kHz ... */
#define CYMBAL_MIN_HIGH_SHARE 0.25f
/* ... and above 3 kHz at least this many times the 1.5-3 kHz rise, where the
 * crack of a clap or a rim click sits. */
#define CYMBAL_HIGH_OF_UPPER_MID 3.0f
/* A crash can rise most at 1.5-3 kHz, like a clap; but a cymbal rings on up to
 * 16 kHz, where claps, snares and rim clicks have little (at most 13% of their
 * rise above 6 kHz on every kit measured): so, with little rise below 300 Hz,
 * at least this share above 6 kHz ... */
#define CYMBAL_MIN_AIR_SHARE 0.2f
/* ... and there at least this fraction of the 1.5-3 kHz rise. */
#define CYMBAL_AIR_OF_UPPER_MID 0.3f
/* Some cymbals start with a 300-750 Hz thud and nothing new above it while the
 * last stroke still rings (the ride and hi-hats of Hydrogen's ForzeeStereo kit):
 * a rise there with less than this fraction of it below 120 Hz, at 120-300 Hz
 * (a snare's or tom's body) and at 750 Hz - 3 kHz (the crack of a snare, clap or
 * rim click).  A lone wood block or cowbell stroke there counts as a cymbal too. */
#define THUD_MAX_OTHER 0.2f
/* A new low attack is a kick's when at least this share of the hop's rise
 * lies below 300 Hz, and below 120 Hz at least this fraction of the 120-300 Hz
 * rise (a snare's body sits higher). */
#define NEW_KICK_LOW_SHARE  0.3f
#define NEW_KICK_SUB_OF_LOW 1.0f
#define MASK_SHARE          0.1f /* masking: share of the last ODF peak ... */
#define MASK_TIME_MS        40.0 /* ... decaying with this time constant */
/* Per-bin arrays are padded to a multiple of LANES, so that element-wise loops run
 * in groups of LANES straight-line statements: GCC at -O2 turns those into SIMD
 * instructions (SLP) but leaves plain loops scalar.  Sums stay scalar loops in bin
 * order, so the results are the same either way. */
#define LANES 4

/* State of a one-pole high-pass. */
typedef struct {
  float x1, y1;
} HighPass;

struct TandemOnset {
  double sample_rate;
  TandemSpectrum* spec;
  uint32_t n_bins;      /* bins used, up to MAX_HZ */
  uint32_t padded_bins; /* n_bins rounded up to LANES */
  uint32_t
      drum_bin[TANDEM_DRUM_BANDS - 1]; /* first bin of each drum band above the first */
  uint32_t hop_frames, window_frames;

  /* Per bin, two quantities: the compressed magnitude (each bin the maximum of
   * itself and its two neighbours) [0] and the power [1].  Of each, the last 2
   * frames, their pairwise maxima (M2) of the last 3 and their 4-frame maxima (M4)
   * of the last M4_FRAMES, all circular by frame_count. */
  float* last[2][2];
  float* m2[2][3];
  float* m4[2][M4_FRAMES];
  float* cur_alloc; /* LANES zeros, then cur, then LANES more */
  float* cur;       /* compressed magnitude of the current frame */
  uint64_t frame_count;

  /* peak picking */
  float odf_hist[MAX_THRESH];   /* previous ODF values, circular */
  float odf_sorted[MAX_THRESH]; /* the same values in ascending order, for the median */
  uint32_t n_thresh;            /* window length in hops */
  uint32_t odf_write;
  uint32_t odf_filled;
  float odf_prev1;                   /* ODF of the previous hop */
  float rise_cur[TANDEM_DRUM_BANDS]; /* energy rise per drum band, previous hop */
  float thresh_scale, thresh_floor;
  float recent_peak;      /* decaying maximum of the ODF, for masking */
  bool in_onset;          /* the ODF is still climbing after a reported onset */
  bool pending;           /* an onset was detected; it is reported next hop */
  bool pending_low_break; /* ... and it is a kick let through the gap */
  float pending_rise[TANDEM_DRUM_BANDS];
  float pending_before[TANDEM_DRUM_BANDS];   /* power before the rise, detection hop */
  TandemDrums drums;                         /* running means of the drum features */
  float drum_features[TANDEM_DRUM_FEATURES]; /* of the last reported onset */
  float drum_prob[3];
  float pending_peak;
  uint64_t pending_onset_pos;
  /* an onset whose coarse class is known, waiting for the drums to sound */
  bool waiting;
  uint64_t wait_until; /* sample position at which it is reported */
  uint64_t wait_onset_pos;
  float wait_peak;
  uint8_t wait_cls;
  float wait_rise[TANDEM_DRUM_BANDS];
  float wait_before[TANDEM_DRUM_BANDS];
  float wait_late[TANDEM_DRUM_BANDS]; /* loudest band power since the onset */
  uint32_t look_frames;
  float mask_decay;        /* per hop */
  uint64_t last_onset_pos; /* detection position of the last onset */
  bool have_onset;
  uint8_t last_cls; /* class of the last reported onset */
  uint32_t min_gap_frames;

  /* adaptive level (see LEVEL_TARGET_DB) */
  float level;         /* loudest recent frame power, released per hop */
  float level_release; /* per-hop factor */
  float gain;          /* amplitude gain the next frame is judged with */
  float level_target, min_gain, max_gain;
  float gain_rise; /* per-hop factor */

  /* time-domain history of the input, high-passed (broadband, treble) and in the
   * drum features' low and mid bands (see LOW_HZ) */
  float* hist[4];
  uint32_t hist_mask;
  float hp_coef, tr_coef;
  HighPass hp, tr[2];
  float lp[4]; /* low-pass states: LOW_HZ twice, MID_HZ twice */
  float low_coef, mid_coef;
  uint32_t env_before_frames;
  uint64_t pos; /* samples consumed since reset */
  uint32_t background_frames, gap_frames;
};

TandemOnset* tandem_onset_new(double sample_rate)
{
  TandemSpectrum* spec = tandem_spectrum_new(sample_rate, WINDOW_MS, HOP_MS);
  if (!spec) {
    return NULL;
  }
  TandemOnset* o = calloc(1, sizeof(*o));
  if (!o) {
    tandem_spectrum_free(spec);
    return NULL;
  }
  o->sample_rate = sample_rate;
  o->spec = spec;
  tandem_spectrum_set_power_only(spec, true); /* the detector reads the power alone */
  const double bin_hz = tandem_spectrum_bin_hz(spec);
  uint32_t max_bins = tandem_spectrum_bins(spec);
  uint32_t used = (uint32_t)(MAX_HZ / bin_hz) + 1;
  o->n_bins = used < max_bins ? used : max_bins;
  o->padded_bins = (o->n_bins + LANES - 1) / LANES * LANES;
  const uint32_t pb = o->padded_bins;
  for (int b = 0; b < TANDEM_DRUM_BANDS - 1; ++b) {
    o->drum_bin[b] = (uint32_t)ceil(tandem_drum_band_edges_hz[b] / bin_hz);
  }
  o->hop_frames = tandem_spectrum_hop_frames(spec);
  o->window_frames = tandem_spectrum_fft_frames(spec);
  bool ok = true;
  for (int q = 0; q < 2; ++q) {
    for (int i = 0; i < 2; ++i) {
      ok = (o->last[q][i] = calloc(pb, sizeof(float))) && ok;
    }
    for (int i = 0; i < 3; ++i) {
      ok = (o->m2[q][i] = calloc(pb, sizeof(float))) && ok;
    }
    for (int i = 0; i < M4_FRAMES; ++i) {
      ok = (o->m4[q][i] = calloc(pb, sizeof(float))) && ok;
    }
  }
  /* cur[-1] and cur[n_bins ..] stay 0 for the neighbour maximum: every value is >= 0 */
  o->cur_alloc = calloc(pb + 2 * LANES, sizeof(float));
  o->cur = o->cur_alloc ? o->cur_alloc + LANES : NULL;
  uint32_t hist_len = 1;
  while (hist_len < sample_rate * HISTORY_MS / 1000.0) {
    hist_len <<= 1;
  }
  for (int i = 0; i < 4; ++i) {
    o->hist[i] = calloc(hist_len, sizeof(float));
  }
  o->hist_mask = hist_len - 1;
  if (!ok || !o->hist[0] || !o->hist[1] || !o->hist[2] || !o->hist[3] || !o->cur_alloc) {
    tandem_onset_free(o);
    return NULL;
  }
  uint32_t n_thresh = (uint32_t)lround(THRESH_MS / HOP_MS);
  o->n_thresh = n_thresh > MAX_THRESH ? MAX_THRESH : n_thresh;
  o->min_gap_frames = (uint32_t)lround(MIN_GAP_MS * sample_rate / 1000.0);
  o->background_frames = (uint32_t)lround(BACKGROUND_MS * sample_rate / 1000.0);
  o->gap_frames = (uint32_t)lround(GAP_MS * sample_rate / 1000.0);
  o->mask_decay = (float)exp(-(o->hop_frames / sample_rate) / (MASK_TIME_MS / 1000.0));
  o->level_target = (float)pow(10.0, LEVEL_TARGET_DB / 10.0);
  o->min_gain = (float)pow(10.0, LEVEL_MIN_GAIN_DB / 20.0);
  o->max_gain = (float)pow(10.0, LEVEL_MAX_GAIN_DB / 20.0);
  o->gain_rise =
      (float)pow(10.0, LEVEL_GAIN_RISE_DB / 20.0 * (o->hop_frames / sample_rate));
  o->level_release =
      (float)pow(10.0, -LEVEL_RELEASE_DB / 10.0 * (o->hop_frames / sample_rate));
  o->hp_coef = (float)exp(-2.0 * M_PI * HP_HZ / sample_rate);
  o->tr_coef = (float)exp(-2.0 * M_PI * TREBLE_HZ / sample_rate);
  o->low_coef = (float)(1.0 - exp(-2.0 * M_PI * LOW_HZ / sample_rate));
  o->mid_coef = (float)(1.0 - exp(-2.0 * M_PI * MID_HZ / sample_rate));
  o->env_before_frames = (uint32_t)lround(ENV_BEFORE_MS * sample_rate / 1000.0);
  o->look_frames = (uint32_t)lround(TANDEM_DRUM_LOOK_MS * sample_rate / 1000.0);
  tandem_onset_set_sensitivity(o, 0.5f);
  tandem_onset_reset(o);
  return o;
}

void tandem_onset_free(TandemOnset* o)
{
  if (!o) {
    return;
  }
  tandem_spectrum_free(o->spec);
  for (int q = 0; q < 2; ++q) {
    for (int i = 0; i < 2; ++i) {
      free(o->last[q][i]);
    }
    for (int i = 0; i < 3; ++i) {
      free(o->m2[q][i]);
    }
    for (int i = 0; i < M4_FRAMES; ++i) {
      free(o->m4[q][i]);
    }
  }
  free(o->cur_alloc);
  for (int i = 0; i < 4; ++i) {
    free(o->hist[i]);
  }
  free(o);
}

void tandem_onset_reset(TandemOnset* o)
{
  tandem_spectrum_reset(o->spec);
  const size_t bytes = o->padded_bins * sizeof(float);
  for (int q = 0; q < 2; ++q) {
    for (int i = 0; i < 2; ++i) {
      memset(o->last[q][i], 0, bytes);
    }
    for (int i = 0; i < 3; ++i) {
      memset(o->m2[q][i], 0, bytes);
    }
    for (int i = 0; i < M4_FRAMES; ++i) {
      memset(o->m4[q][i], 0, bytes);
    }
  }
  for (int i = 0; i < 4; ++i) {
    memset(o->hist[i], 0, (o->hist_mask + 1) * sizeof(float));
  }
  memset(o->lp, 0, sizeof(o->lp));
  memset(o->odf_hist, 0, sizeof(o->odf_hist));
  memset(o->odf_sorted, 0, sizeof(o->odf_sorted));
  o->frame_count = 0;
  o->odf_write = 0;
  o->odf_filled = 0;
  o->odf_prev1 = 0.0f;
  o->recent_peak = 0.0f;
  o->in_onset = false;
  o->pending = false;
  o->pending_low_break = false;
  o->waiting = false;
  memset(o->rise_cur, 0, sizeof(o->rise_cur));
  tandem_drums_reset(&o->drums);
  memset(o->drum_features, 0, sizeof(o->drum_features));
  memset(o->drum_prob, 0, sizeof(o->drum_prob));
  o->last_onset_pos = 0;
  o->have_onset = false;
  o->last_cls = TANDEM_ONSET_OTHER;
  o->hp = (HighPass){0.0f, 0.0f};
  o->tr[0] = o->tr[1] = (HighPass){0.0f, 0.0f};
  o->pos = 0;
  o->level = 0.0f;
  o->gain = 1.0f;
}

void tandem_onset_set_sensitivity(TandemOnset* o, float sensitivity)
{
  float s = sensitivity;
  if (!(s == s)) {
    s = 0.5f;
  }
  s = s < 0.0f ? 0.0f : (s > 1.0f ? 1.0f : s);
  /* Both the relative margin and the absolute floor fall with sensitivity, the
   * floor over three decades so that faint ghost notes pass at 1. */
  o->thresh_scale = 2.0f - 1.25f * s;
  o->thresh_floor = 20.0f * powf(10.0f, -1.3f * s);
}

uint32_t tandem_onset_frames_to_hop(const TandemOnset* o)
{
  return tandem_spectrum_frames_to_hop(o->spec);
}

double tandem_onset_hop_rate_hz(const TandemOnset* o)
{
  return o->sample_rate / o->hop_frames;
}

uint32_t tandem_onset_odf_delay_frames(const TandemOnset* o)
{
  return o->window_frames / 2;
}

/* Median of the n values of a sorted array. */
static float median_sorted(const float* sorted, uint32_t n)
{
  return n ? (n & 1 ? sorted[n / 2] : 0.5f * (sorted[n / 2 - 1] + sorted[n / 2])) : 0.0f;
}

/* Keeps the sorted copy of the threshold history in step with it: n values
 * after this call (n >= 1); takes out one value equal to `old` when the history
 * was full and inserts `x`.  One shift per hop instead of a sort of the window. */
static void sorted_replace(float* sorted, uint32_t n, bool full, float old, float x)
{
  uint32_t at = n - 1; /* the free slot, once `old` is out */
  if (full) {
    uint32_t i = 0;
    while (i + 1 < n && sorted[i] != old) {
      ++i;
    }
    memmove(sorted + i, sorted + i + 1, (n - 1 - i) * sizeof(float));
  }
  while (at > 0 && sorted[at - 1] > x) {
    sorted[at] = sorted[at - 1];
    --at;
  }
  sorted[at] = x;
}

typedef struct {
  float peak, background;
  uint64_t peak_pos;
} EnvelopeScan;

static EnvelopeScan scan_envelope(const float* hist, uint32_t mask, uint64_t bg_start,
                                  uint64_t start, uint64_t end)
{
  EnvelopeScan e = {0.0f, 0.0f, end};
  for (uint64_t p = start; p < end; ++p) {
    float a = fabsf(hist[p & mask]);
    if (a > e.peak) {
      e.peak = a;
      e.peak_pos = p;
    }
  }
  for (uint64_t p = bg_start; p < start; ++p) {
    float a = fabsf(hist[p & mask]);
    e.background = a > e.background ? a : e.background;
  }
  return e;
}

/* Finds the sample where the rise that ends at the detection point began, on
 * whichever envelope (broadband or treble) shows it more clearly.  Returns the
 * delay from the onset to the last consumed sample and the broadband peak;
 * falls back to the detector's nominal delay when no envelope shows a clear rise. */
static int32_t refine_delay(const TandemOnset* o, float* peak_out)
{
  const uint64_t end = o->pos; /* one past the last consumed sample */
  const uint32_t span = o->window_frames + (FLUX_LAG + 1) * o->hop_frames;
  int32_t nominal = (int32_t)(o->hop_frames + o->window_frames / 2);
  if ((uint64_t)nominal >= end) { /* no onset before the clock started */
    nominal = end > 0 ? (int32_t)(end - 1) : 0;
  }
  const uint64_t avail = o->hist_mask; /* one slot short of the ring, to be safe */
  uint64_t start = end > span ? end - span : 0;
  uint64_t bg_start = start > o->background_frames ? start - o->background_frames : 0;
  if (end - bg_start > avail) {
    bg_start = end - avail;
  }
  if (start < bg_start) {
    start = bg_start;
  }
  EnvelopeScan env[2];
  int best = -1;
  float best_ratio = 2.0f; /* a rise of less than 6 dB over the background is no rise */
  for (int i = 0; i < 2; ++i) {
    env[i] = scan_envelope(o->hist[i], o->hist_mask, bg_start, start, end);
    if (env[i].peak_pos < end && env[i].peak > 1e-6f &&
        env[i].peak > best_ratio * env[i].background) {
      best_ratio = env[i].background > 0.0f ? env[i].peak / env[i].background : 1e9f;
      best = i;
    }
  }
  *peak_out = env[0].peak;
  if (best < 0) {
    return nominal;
  }
  const float* hist = o->hist[best];
  const EnvelopeScan* e = &env[best];
  const float thr = e->background + 0.3f * (e->peak - e->background);
  uint64_t onset = e->peak_pos;
  uint32_t below = 0;
  for (uint64_t p = e->peak_pos; p-- > start;) {
    if (fabsf(hist[p & o->hist_mask]) >= thr) {
      onset = p;
      below = 0;
    } else if (++below > o->gap_frames) {
      break;
    }
  }
  return (int32_t)(end - 1 - onset);
}

/* The peak of each time-domain band (low, mid, treble) from the onset to `end`,
 * and in the ENV_BEFORE_MS before it. */
static void envelope_peaks(const TandemOnset* o, uint64_t onset, uint64_t end,
                           float after[TANDEM_DRUM_ENV_BANDS],
                           float before[TANDEM_DRUM_ENV_BANDS])
{
  static const int band_hist[TANDEM_DRUM_ENV_BANDS] = {2, 3, 1};
  const uint64_t span = o->hist_mask; /* what the ring still holds */
  uint64_t first = onset > o->env_before_frames ? onset - o->env_before_frames : 0;
  if (o->pos - first > span) {
    first = o->pos - span;
  }
  for (int b = 0; b < TANDEM_DRUM_ENV_BANDS; ++b) {
    const float* h = o->hist[band_hist[b]];
    float pre = 0.0f, post = 0.0f;
    for (uint64_t p = first; p < end; ++p) {
      const float a = fabsf(h[p & o->hist_mask]);
      if (p < onset) {
        pre = a > pre ? a : pre;
      } else {
        post = a > post ? a : post;
      }
    }
    after[b] = post;
    before[b] = pre;
  }
}

static float rise_total(const float rise[CLASS_BANDS])
{
  float total = 0.0f;
  for (int b = 0; b < CLASS_BANDS; ++b) {
    total += rise[b];
  }
  return total;
}

/* True when the rise is a kick's: at least KICK_LOW_SHARE of it below 300 Hz
 * with a good part below 120 Hz (a snare's body sits at 150-250 Hz). */
static bool low_attack(const float rise[CLASS_BANDS], float low_share, float sub_of_low)
{
  const float total = rise_total(rise);
  return total > 0.0f && rise[BAND_SUB] >= sub_of_low * rise[BAND_LOW] &&
         rise[BAND_SUB] + rise[BAND_LOW] >= low_share * total;
}

/* True when a rise that is neither clearly a hat's nor a kick's is a cymbal's
 * (see CYMBAL_MAX_LOW_SHARE and THUD_MAX_OTHER); total > 0. */
static bool cymbal_attack(const float rise[CLASS_BANDS], float total)
{
  const float below_300 = rise[BAND_SUB] + rise[BAND_LOW];
  const float above_3k = rise[BAND_HIGH] + rise[BAND_AIR];
  if (below_300 < CYMBAL_MAX_LOW_SHARE * total &&
      ((above_3k > CYMBAL_MIN_HIGH_SHARE * total &&
        above_3k > CYMBAL_HIGH_OF_UPPER_MID * rise[BAND_UPPER_MID]) ||
       (rise[BAND_AIR] > CYMBAL_MIN_AIR_SHARE * total &&
        rise[BAND_AIR] > CYMBAL_AIR_OF_UPPER_MID * rise[BAND_UPPER_MID]))) {
    return true;
  }
  const float thud = THUD_MAX_OTHER * rise[BAND_LOW_MID];
  return rise[BAND_SUB] < thud && rise[BAND_LOW] < thud &&
         rise[BAND_MID] + rise[BAND_UPPER_MID] < thud;
}

/* Coarse class from where the energy rose.  Hats rise mostly above 3 kHz;
 * kicks below 300 Hz (see low_attack) with little above; snares have their
 * body at 120-300 Hz with noise above; rides and crashes that fit none of
 * these are caught by cymbal_attack.  The sub band is left out of the hat
 * test: a kick's falling pitch moves its tail into it, which is no new
 * attack.  A kick that lands a few ms after a hat is caught by the gap rule
 * in analyse_frame instead.  The figures were tuned on the Hydrogen kits
 * Debian ships (tests/bench corpus, single strokes and grooves of every kit)
 * and on tests/test_follow.c. */
static uint8_t classify_bands(const float rise[CLASS_BANDS])
{
  const float total = rise_total(rise);
  if (!(total > 0.0f)) {
    return TANDEM_ONSET_OTHER;
  }
  const float low = rise[BAND_LOW] / total;
  const float mid = (rise[BAND_LOW_MID] + rise[BAND_MID] + rise[BAND_UPPER_MID]) / total;
  const float high = (rise[BAND_HIGH] + rise[BAND_AIR]) / total;
  if (high > 0.1f && high > low + mid) {
    return TANDEM_ONSET_HAT;
  }
  if (low_attack(rise, KICK_LOW_SHARE, KICK_SUB_OF_LOW) && mid + high < KICK_MAX_UPPER) {
    return TANDEM_ONSET_KICK;
  }
  if (cymbal_attack(rise, total)) {
    return TANDEM_ONSET_HAT;
  }
  return TANDEM_ONSET_SNARE;
}

/* The class bands' rises from the drum bands'. */
static void class_rises(const float fine[TANDEM_DRUM_BANDS], float out[CLASS_BANDS])
{
  int f = 0;
  for (int b = 0; b < CLASS_BANDS; ++b) {
    out[b] = 0.0f;
    for (; f <= class_last_drum_band[b]; ++f) {
      out[b] += fine[f];
    }
  }
}

static uint8_t classify(const float fine[TANDEM_DRUM_BANDS])
{
  float rise[CLASS_BANDS];
  class_rises(fine, rise);
  return classify_bands(rise);
}

/* log(1 + x) for finite x >= 0, within 1e-5 of log1pf: the exponent of 1 + x
 * plus the atanh series of its mantissa.  libm's log1pf was a tenth of the
 * whole analysis cost, and the flux needs nowhere near its precision. */
static inline float fast_log1p(float x)
{
  union {
    float f;
    uint32_t u;
  } v = {1.0f + x};
  const int e = (int)((v.u >> 23) & 0xffu) - 127;
  v.u = (v.u & 0x007fffffu) | 0x3f800000u; /* mantissa in [1, 2) */
  const float t = (v.f - 1.0f) / (v.f + 1.0f);
  const float t2 = t * t;
  const float series =
      2.0f * t *
      (1.0f + t2 * (1.0f / 3.0f + t2 * (1.0f / 5.0f + t2 * (1.0f / 7.0f + t2 / 9.0f))));
  return (float)e * 0.69314718f + series;
}

/* comp[i] = log(1 + gamma * sqrt(power[i])) for LANES bins. */
static inline void compress_lanes(float* restrict comp, const float* restrict power,
                                  float gamma)
{
  comp[0] = fast_log1p(gamma * sqrtf(power[0]));
  comp[1] = fast_log1p(gamma * sqrtf(power[1]));
  comp[2] = fast_log1p(gamma * sqrtf(power[2]));
  comp[3] = fast_log1p(gamma * sqrtf(power[3]));
}

/* Follows the loudest recent frame and sets the gain the next frame is judged
 * with.  The frame that raises the level is still judged with the gain from
 * before it, so a loud first hit after a quiet passage keeps its full rise. */
static void update_level(TandemOnset* o, float frame_power)
{
  o->level *= o->level_release;
  if (frame_power > o->level) {
    o->level = frame_power;
  }
  float g = o->level > 0.0f ? sqrtf(o->level_target / o->level) : o->max_gain;
  g = g < o->min_gain ? o->min_gain : (g > o->max_gain ? o->max_gain : g);
  const float rise_limit = o->gain * o->gain_rise;
  o->gain = g < rise_limit ? g : rise_limit;
}

static inline float max2(float a, float b)
{
  return a > b ? a : b;
}

/* out[i] = max(c[i - 1], c[i], c[i + 1]) for LANES bins. */
static inline void neighbour_max_lanes(float* restrict out, const float* restrict c)
{
  out[0] = max2(max2(c[-1], c[0]), c[1]);
  out[1] = max2(max2(c[0], c[1]), c[2]);
  out[2] = max2(max2(c[1], c[2]), c[3]);
  out[3] = max2(max2(c[2], c[3]), c[4]);
}

/* m2[i] = max(a[i], b[i]) and m4[i] = max(m2[i], back[i]) for LANES bins. */
static inline void running_max_lanes(float* restrict m2, float* restrict m4,
                                     const float* restrict a, const float* restrict b,
                                     const float* restrict back)
{
  m2[0] = max2(a[0], b[0]);
  m2[1] = max2(a[1], b[1]);
  m2[2] = max2(a[2], b[2]);
  m2[3] = max2(a[3], b[3]);
  m4[0] = max2(m2[0], back[0]);
  m4[1] = max2(m2[1], back[1]);
  m4[2] = max2(m2[2], back[2]);
  m4[3] = max2(m2[3], back[3]);
}

/* Computes the ODF of the frame just finished and runs the peak picker. */
/* Reports the waiting onset in `hop`: its drums from the time-domain bands up to
 * `end` and the loudest band power since it, against the level before it. */
static void report_waiting(TandemOnset* o, uint64_t end, TandemOnsetHop* hop)
{
  const float peak = o->wait_peak;
  hop->has_onset = true;
  hop->delay = (int32_t)(o->pos - 1 - o->wait_onset_pos);
  const float db = peak > 1e-6f ? 20.0f * log10f(peak) : -120.0f;
  const float st = (db + 60.0f) / 60.0f;
  hop->strength = st < 0.0f ? 0.0f : (st > 1.0f ? 1.0f : st);
  hop->cls = o->wait_cls;
  float env_after[TANDEM_DRUM_ENV_BANDS], env_before[TANDEM_DRUM_ENV_BANDS];
  envelope_peaks(o, o->wait_onset_pos, end, env_after, env_before);
  tandem_drums_features(&o->drums, o->wait_rise, o->wait_before, o->wait_late, env_after,
                        env_before, o->drum_features);
  tandem_drums_probabilities(o->drum_features, o->drum_prob);
  /* Every drum the model hears (a kick under a clap), with the coarse class
   * where that was better on the development split. */
  hop->drums = tandem_drums_mask(o->drum_prob, hop->cls);
  o->waiting = false;
}

static void analyse_frame(TandemOnset* o, TandemOnsetHop* hop)
{
  const float* power = tandem_spectrum_power(o->spec);
  const uint32_t nb = o->n_bins, padded = o->padded_bins;
  const uint64_t t = o->frame_count;
  float* comp = o->cur;
  for (uint32_t k = 0; k < padded; k += LANES) { /* power is padded too (spectrum.h) */
    compress_lanes(comp + k, power + k, FLUX_GAMMA * o->gain);
  }
  for (uint32_t k = nb; k < padded + 1; ++k) {
    comp[k] = 0.0f; /* no neighbour beyond the last bin */
  }
  /* The reference is the maximum over the earlier frames (and neighbouring
   * bins), so that a level merely returning after a dip (beating, vibrato, the
   * cycle of a bass note longer than the window) does not count as a rise.
   * It covers lags FLUX_LAG .. FLUX_SPAN as two overlapping 4-frame maxima. */
  const float* ref_a[2];
  const float* ref_b[2];
  for (int q = 0; q < 2; ++q) {
    ref_a[q] = o->m4[q][(t + M4_FRAMES - FLUX_LAG) % M4_FRAMES];
    ref_b[q] = o->m4[q][(t + M4_FRAMES - (FLUX_SPAN - 3)) % M4_FRAMES];
  }
  float odf = 0.0f;
  float rise[TANDEM_DRUM_BANDS] = {0.0f};
  float before[TANDEM_DRUM_BANDS] = {0.0f}; /* recent level, the reference of the rise */
  float now[TANDEM_DRUM_BANDS] = {0.0f};    /* this frame's power */
  float total = 0.0f;
  {
    const float *ca = ref_a[0], *cb = ref_b[0], *pa = ref_a[1], *pb = ref_b[1];
    /* One pass for all the sums, so that their chains of additions overlap; the
     * flux is dropped afterwards if the frame turns out silent.  Bin 0 (DC) counts
     * for the ODF only; then each drum band in turn, in bin order, so that every
     * sum adds the same terms in the same order as one plain loop would. */
    uint32_t k = 0;
    for (int band = -1; band < TANDEM_DRUM_BANDS; ++band) {
      uint32_t end =
          band < 0 ? 1 : (band < TANDEM_DRUM_BANDS - 1 ? o->drum_bin[band] : nb);
      end = end > nb ? nb : end;
      /* Rises are added as max(d, 0): adding +0 where a branch would skip leaves
       * the sums exactly the same, and data-dependent branches mispredict. */
      for (; k < end; ++k) {
        total += power[k];
        const float ref = ca[k] > cb[k] ? ca[k] : cb[k];
        const float d = comp[k] - ref - FLUX_DEADBAND;
        odf += d > 0.0f ? d : 0.0f;
        if (band < 0) {
          continue;
        }
        const float ref_power = pa[k] > pb[k] ? pa[k] : pb[k];
        const float pr = power[k] - ref_power;
        rise[band] += pr > 0.0f ? pr : 0.0f;
        before[band] += ref_power;
        now[band] += power[k];
      }
    }
  }
  const float judged_gain = o->gain; /* the gain this frame was judged with */
  update_level(o, total);
  if (!(total > SILENCE_POWER && t >= FLUX_LAG)) {
    odf = 0.0f;
    memset(rise, 0, sizeof(rise));
    memset(before, 0, sizeof(before));
    memset(now, 0, sizeof(now));
  }
  /* This frame's entries for the frames after it. */
  float* x_now[2] = {o->last[0][t & 1], o->last[1][t & 1]};
  const float* x_prev[2] = {o->last[0][(t + 1) & 1], o->last[1][(t + 1) & 1]};
  /* Each bin the maximum of itself and its neighbours; cur[-1] and cur[nb] are 0. */
  for (uint32_t k = 0; k < padded; k += LANES) {
    neighbour_max_lanes(x_now[0] + k, comp + k);
  }
  memcpy(x_now[1], power, padded * sizeof(float));
  for (int q = 0; q < 2; ++q) {
    float* m2 = o->m2[q][t % 3];
    const float* m2_back = o->m2[q][(t + 1) % 3]; /* two frames back */
    float* m4 = o->m4[q][t % M4_FRAMES];
    for (uint32_t k = 0; k < padded; k += LANES) {
      running_max_lanes(m2 + k, m4 + k, x_now[q] + k, x_prev[q] + k, m2_back + k);
    }
  }
  o->frame_count++;

  /* Detect on the rising edge: the first hop whose ODF climbs above the
   * threshold of the hops before it.  Waiting for the peak would cost a hop
   * of latency and find the same onsets, since the gap rule allows one per
   * 30 ms anyway.  The onset is reported one hop later, when the class can
   * see that hop's energy too. */
  hop->odf = odf;
  hop->has_onset = false;
  bool pending_now = false;
  if (o->odf_filled > 0 && odf > o->odf_prev1) {
    uint32_t n = o->odf_filled;
    float sum = 0.0f;
    for (uint32_t i = 0; i < n; ++i) {
      sum += o->odf_hist[i];
    }
    const float med = median_sorted(o->odf_sorted, n);
    const float base_thr = o->thresh_scale * (med + sum / n) + o->thresh_floor;
    /* Echoes and reverb of a strong hit come back a few tens of ms later with
     * a fraction of its flux; a decaying share of the last peak masks them. */
    const float mask = MASK_SHARE * o->thresh_scale * o->recent_peak;
    const float thr = mask > base_thr ? mask : base_thr;
    const bool gap_ok = !o->have_onset || o->pos - o->last_onset_pos >= o->min_gap_frames;
    /* A drummer's kick often lands a few ms after the hat it is played with;
     * the gap rule would swallow it behind the hat.  A strong new attack in
     * the low band, after an onset that was not a kick, is let through.  It
     * is no echo of that onset, and its flux (a few low bins) is small next
     * to the hat's that fills the threshold history: only the floor applies. */
    float band_rise[CLASS_BANDS], band_before[CLASS_BANDS];
    class_rises(rise, band_rise);
    class_rises(before, band_before);
    const float low_ref =
        band_before[BAND_SUB] + band_before[BAND_LOW]; /* below 300 Hz */
    const bool low_new =
        band_rise[BAND_SUB] + band_rise[BAND_LOW] > LOW_BREAK_RISE * low_ref;
    const bool low_break = !gap_ok && !o->pending && o->last_cls != TANDEM_ONSET_KICK &&
                           low_new &&
                           low_attack(band_rise, NEW_KICK_LOW_SHARE, NEW_KICK_SUB_OF_LOW);
    if ((gap_ok && odf > thr) || (low_break && odf > o->thresh_floor)) {
      for (int b = 0; b < TANDEM_DRUM_BANDS; ++b) {
        /* after a hat, the hop before holds the hat's rise, not the kick's */
        o->pending_rise[b] = (low_break ? 0.0f : o->rise_cur[b]) + rise[b];
        o->pending_before[b] = before[b];
      }
      /* The refinement works best on the rise alone, before the decay. */
      o->pending_onset_pos = o->pos - 1 - (uint64_t)refine_delay(o, &o->pending_peak);
      o->pending_peak *= judged_gain; /* strength relative to the track's level */
      o->pending = true;
      o->pending_low_break = low_break;
      o->last_onset_pos = o->pos;
      o->have_onset = true;
      o->in_onset = true;
      pending_now = true;
    }
  }
  /* An onset waiting for its drums to sound is reported once it has sounded for
   * the look time, or at once when the next onset is detected (whose energy is
   * not its own). */
  if (o->waiting) {
    for (int b = 0; b < TANDEM_DRUM_BANDS; ++b) {
      o->wait_late[b] = now[b] > o->wait_late[b] ? now[b] : o->wait_late[b];
    }
    if (pending_now || o->pos >= o->wait_until) {
      const uint64_t end = pending_now && o->pending_onset_pos > o->wait_onset_pos
                               ? o->pending_onset_pos
                               : o->pos;
      report_waiting(o, end, hop);
    }
  }
  if (o->pending && !pending_now) {
    /* The coarse class is known one hop after the threshold was crossed (it
     * needs the energy of that hop too); the drums, after the look time. */
    for (int b = 0; b < TANDEM_DRUM_BANDS; ++b) {
      o->pending_rise[b] += rise[b];
    }
    o->last_cls = o->pending_low_break ? TANDEM_ONSET_KICK : classify(o->pending_rise);
    o->waiting = true;
    o->wait_onset_pos = o->pending_onset_pos;
    o->wait_until = o->pending_onset_pos + o->look_frames;
    o->wait_peak = o->pending_peak;
    o->wait_cls = o->last_cls;
    memcpy(o->wait_rise, o->pending_rise, sizeof(o->wait_rise));
    memcpy(o->wait_before, o->pending_before, sizeof(o->wait_before));
    memcpy(o->wait_late, now, sizeof(o->wait_late));
    o->pending = false;
    if (o->pos >= o->wait_until) {
      report_waiting(o, o->pos, hop);
    }
  }
  /* The masking peak follows the ODF through the onset just reported. */
  o->recent_peak *= o->mask_decay;
  if (o->recent_peak < 1e-6f) {
    o->recent_peak = 0.0f;
  }
  if (o->in_onset) {
    if (odf > o->recent_peak) {
      o->recent_peak = odf;
    } else {
      o->in_onset = false;
    }
  }
  /* The threshold history holds the hops before the one tested. */
  const bool full = o->odf_filled == o->n_thresh;
  if (!full) {
    o->odf_filled++;
  }
  sorted_replace(o->odf_sorted, o->odf_filled, full, o->odf_hist[o->odf_write], odf);
  o->odf_hist[o->odf_write] = odf;
  o->odf_write = (o->odf_write + 1) % o->n_thresh;
  o->odf_prev1 = odf;
  memcpy(o->rise_cur, rise, sizeof(rise));
}

/* One-pole high-pass; flushes denormals so that silence stays cheap. */
static inline float high_pass(float coef, float in, HighPass* f)
{
  const float y = coef * (f->y1 + in - f->x1);
  f->x1 = in;
  f->y1 = fabsf(y) < 1e-20f ? 0.0f : y;
  return f->y1;
}

const float* tandem_onset_drum_features(const TandemOnset* o)
{
  return o->drum_features;
}

const float* tandem_onset_drum_probabilities(const TandemOnset* o)
{
  return o->drum_prob;
}

uint32_t tandem_onset_feed(TandemOnset* o, const float* in, uint32_t n, bool* hop_done,
                           TandemOnsetHop* hop)
{
  bool done = false;
  uint32_t used = tandem_spectrum_feed(o->spec, in, n, &done);
  /* Filter state in locals: the compiler keeps it in registers across the loop. */
  HighPass hp = o->hp, tr0 = o->tr[0], tr1 = o->tr[1];
  float l0 = o->lp[0], l1 = o->lp[1], m0 = o->lp[2], m1 = o->lp[3];
  const float lc = o->low_coef, mc = o->mid_coef;
  float* broad = o->hist[0];
  float* treble = o->hist[1];
  float* low = o->hist[2];
  float* mid = o->hist[3];
  for (uint32_t i = 0; i < used; ++i) {
    const uint32_t at = (uint32_t)((o->pos + i) & o->hist_mask);
    broad[at] = high_pass(o->hp_coef, in[i], &hp);
    treble[at] = high_pass(o->tr_coef, high_pass(o->tr_coef, in[i], &tr0), &tr1);
    l0 += lc * (broad[at] - l0);
    l1 += lc * (l0 - l1);
    m0 += mc * (broad[at] - m0);
    m1 += mc * (m0 - m1);
    low[at] = l1;
    mid[at] = m1 - l1;
  }
  /* flush denormals so that silence stays cheap */
  o->lp[0] = fabsf(l0) < 1e-20f ? 0.0f : l0;
  o->lp[1] = fabsf(l1) < 1e-20f ? 0.0f : l1;
  o->lp[2] = fabsf(m0) < 1e-20f ? 0.0f : m0;
  o->lp[3] = fabsf(m1) < 1e-20f ? 0.0f : m1;
  o->hp = hp;
  o->tr[0] = tr0;
  o->tr[1] = tr1;
  o->pos += used;
  *hop_done = done;
  if (done) {
    analyse_frame(o, hop);
  }
  return used;
}
