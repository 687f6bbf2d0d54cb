/* Tandem — the analysis aggregator.  See analysis.h. */
#include "analysis.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dynamics.h"
#include "harmony.h"
#include "onset.h"
#include "spectrum.h"
#include "tempo.h"

#define CHUNK_FRAMES      256
#define BANDS_WINDOW_MS   40.0
#define BANDS_HOP_MS      10.0
#define BANDS_SMOOTH_S    0.3
#define ACTIVITY_TIME_S   2.0
#define ACTIVITY_FULL     8.0   /* onsets per second that count as full activity */
#define TEMPO_MAX_RATE_HZ 200.0 /* the ODF is decimated (max) to at most this rate */
#define INPUT_LIMIT       1e6f  /* beyond this a sample is garbage, like NaN */
#define DENORMAL_LIMIT    1e-30f
#define BAD_INPUT_MUTE_S  0.1 /* no onsets this long after bad input */

struct TandemAnalysis {
  double sample_rate;
  TandemSpectrum* bands_spec;
  TandemOnset* onset;
  TandemTempo* tempo;
  TandemHarmonyTracker* harmony;
  TandemDynamics dyn;
  float scratch[CHUNK_FRAMES];

  /* clock and bad-input state */
  uint64_t clock;      /* frames since new/reset */
  bool in_bad;         /* the last sample seen was NaN/Inf/huge */
  uint64_t mute_until; /* no onsets before this clock value */
  uint32_t mute_frames;

  /* band readout */
  float band_smooth[TANDEM_N_BANDS];
  float band_coef;
  double band_sum[TANDEM_N_BANDS];
  double centroid_num, centroid_den;
  uint64_t band_frames;

  /* onsets and ODF */
  double activity; /* leaky onset count */
  uint64_t onsets;
  uint32_t odf_decim, odf_count;
  float odf_max, odf_last;
  double odf_delay_s;
  double odf_time_s;
  float sensitivity;
};

TandemAnalysis* tandem_analysis_new(double sample_rate, uint32_t max_block_frames)
{
  (void)max_block_frames; /* every buffer is sized by CHUNK_FRAMES instead */
  if (!(sample_rate >= 8000.0 && sample_rate <= 768000.0)) {
    return NULL;
  }
  TandemAnalysis* a = calloc(1, sizeof(*a));
  if (!a) {
    return NULL;
  }
  a->sample_rate = sample_rate;
  a->bands_spec = tandem_spectrum_new(sample_rate, BANDS_WINDOW_MS, BANDS_HOP_MS);
  a->onset = tandem_onset_new(sample_rate);
  if (!a->bands_spec || !a->onset) {
    tandem_analysis_free(a);
    return NULL;
  }
  double hop_rate = tandem_onset_hop_rate_hz(a->onset);
  a->odf_decim = (uint32_t)ceil(hop_rate / TEMPO_MAX_RATE_HZ);
  a->tempo = tandem_tempo_new(hop_rate / a->odf_decim);
  a->harmony = tandem_harmony_tracker_new(sample_rate);
  /* A pushed value is the maximum over odf_decim hops: on average it describes
   * the middle of them. */
  a->odf_delay_s = (tandem_onset_odf_delay_frames(a->onset) +
                    0.5 * (a->odf_decim - 1) * sample_rate / hop_rate) /
                   sample_rate;
  if (!a->tempo || !a->harmony) {
    tandem_analysis_free(a);
    return NULL;
  }
  /* Their FFTs are the heaviest work after the onset detector's; they run in later
   * calls, one per call (see run_deferred_job). */
  tandem_spectrum_set_deferred(a->bands_spec, true);
  tandem_harmony_tracker_set_deferred(a->harmony, true);
  double hop_s = tandem_spectrum_hop_frames(a->bands_spec) / sample_rate;
  a->band_coef = (float)(1.0 - exp(-hop_s / BANDS_SMOOTH_S));
  tandem_dynamics_init(&a->dyn, sample_rate);
  a->mute_frames = (uint32_t)(BAD_INPUT_MUTE_S * sample_rate);
  a->sensitivity = 0.5f;
  tandem_analysis_reset(a);
  return a;
}

void tandem_analysis_free(TandemAnalysis* a)
{
  if (!a) {
    return;
  }
  tandem_spectrum_free(a->bands_spec);
  tandem_onset_free(a->onset);
  tandem_tempo_free(a->tempo);
  tandem_harmony_tracker_free(a->harmony);
  free(a);
}

/* Forgets the signal; the clock and the long-run totals go on.  Used after bad
 * input, so that whatever came before cannot leak into what follows. */
static void reset_signal_state(TandemAnalysis* a)
{
  tandem_spectrum_reset(a->bands_spec);
  tandem_onset_reset(a->onset);
  tandem_tempo_reset(a->tempo);
  tandem_harmony_tracker_reset(a->harmony);
  tandem_dynamics_reset_meter(&a->dyn);
  memset(a->band_smooth, 0, sizeof(a->band_smooth));
  a->activity = 0.0;
  a->odf_count = 0;
  a->odf_max = 0.0f;
  a->odf_last = 0.0f;
  a->odf_time_s = 0.0;
}

void tandem_analysis_reset(TandemAnalysis* a)
{
  reset_signal_state(a);
  tandem_dynamics_reset(&a->dyn);
  tandem_onset_set_sensitivity(a->onset, a->sensitivity);
  memset(a->band_sum, 0, sizeof(a->band_sum));
  a->centroid_num = a->centroid_den = 0.0;
  a->band_frames = 0;
  a->onsets = 0;
  a->clock = 0;
  a->in_bad = false;
  a->mute_until = 0;
}

void tandem_analysis_set_sensitivity(TandemAnalysis* a, float sensitivity_0_1)
{
  a->sensitivity = sensitivity_0_1;
  tandem_onset_set_sensitivity(a->onset, sensitivity_0_1);
}

static void update_bands(TandemAnalysis* a)
{
  float ms[TANDEM_N_BANDS];
  tandem_spectrum_bands(a->bands_spec, ms);
  double total = 0.0;
  for (int b = 0; b < TANDEM_N_BANDS; ++b) {
    a->band_smooth[b] += a->band_coef * (ms[b] - a->band_smooth[b]);
    if (a->band_smooth[b] < 1e-30f) {
      a->band_smooth[b] = 0.0f;
    }
    a->band_sum[b] += ms[b];
    total += ms[b];
  }
  a->centroid_num += total * tandem_spectrum_centroid_hz(a->bands_spec);
  a->centroid_den += total;
  a->band_frames++;
}

/* Runs at most one piece of deferred work per call, so that the band spectrum's FFT,
 * the harmony FFT and its chroma never pile up in one block: the harmony tracker's
 * next step first (a beat would otherwise have to finish it), else a captured band
 * spectrum frame.  It runs in a call that ends an onset hop, one hop (2.5 ms) later
 * at most: the blocks in between, about half of them at 64 frames, then carry only
 * the per-sample filters.  Frames are never lost: a module still holding one when its
 * next is due computes it then. */
static void run_deferred_job(TandemAnalysis* a, uint32_t n)
{
  if (n < tandem_onset_frames_to_hop(a->onset)) {
    return;
  }
  if (tandem_harmony_tracker_work(a->harmony)) {
    return;
  }
  if (tandem_spectrum_work(a->bands_spec)) {
    update_bands(a);
  }
}

/* Runs every module over finite samples buf[0..len), which sit at block
 * offset block_off.  Returns the number of events written. */
static uint32_t process_clean(TandemAnalysis* a, const float* buf, uint32_t len,
                              uint32_t block_off, TandemOnsetEvent* events,
                              uint32_t n_written, uint32_t max_events)
{
  tandem_dynamics_process(&a->dyn, buf, len);
  tandem_harmony_tracker_process(a->harmony, buf, len);
  for (uint32_t done = 0; done < len;) {
    bool frame_done = false;
    done += tandem_spectrum_feed(a->bands_spec, buf + done, len - done, &frame_done);
    if (frame_done) {
      update_bands(a);
    }
  }
  for (uint32_t done = 0; done < len;) {
    bool hop_done = false;
    TandemOnsetHop hop;
    done += tandem_onset_feed(a->onset, buf + done, len - done, &hop_done, &hop);
    if (!hop_done) {
      continue;
    }
    if (hop.odf > a->odf_max) {
      a->odf_max = hop.odf;
    }
    if (++a->odf_count == a->odf_decim) {
      tandem_tempo_push(a->tempo, a->odf_max);
      a->odf_last = a->odf_max;
      a->odf_time_s = (double)(a->clock + done) / a->sample_rate - a->odf_delay_s;
      a->odf_count = 0;
      a->odf_max = 0.0f;
    }
    if (hop.has_onset && a->clock + done > a->mute_until) {
      const uint64_t at = a->clock + done - 1; /* the sample that confirmed it */
      int64_t delay = hop.delay;
      if (delay > (int64_t)at) {
        delay = (int64_t)at;
      }
      a->onsets++;
      a->activity += 1.0;
      /* The tempo tracker reads the metrical level from where the drums fall:
       * every drum the onset holds (its level model was fitted to this mask). */
      tandem_tempo_onset(a->tempo, hop.drums, hop.strength,
                         a->odf_time_s - (double)(at - (uint64_t)delay) / a->sample_rate);
      if (events && n_written < max_events) {
        TandemOnsetEvent* e = &events[n_written++];
        e->frame = block_off + done - 1;
        e->delay = (int32_t)delay;
        e->time_s = (double)(at - (uint64_t)delay) / a->sample_rate;
        e->strength = hop.strength;
        e->cls = hop.cls;
        e->drums = hop.drums;
      }
    }
  }
  a->activity *= exp(-(double)len / (ACTIVITY_TIME_S * a->sample_rate));
  if (a->activity < 1e-9) {
    a->activity = 0.0;
  }
  a->clock += len;
  return n_written;
}

uint32_t tandem_analysis_process(TandemAnalysis* a, const float* in, uint32_t n,
                                 TandemOnsetEvent* events, uint32_t max_events)
{
  uint32_t written = 0;
  if (!in) {
    return 0;
  }
  if (n > 0) {
    run_deferred_job(a, n);
  }
  for (uint32_t off = 0; off < n;) {
    const uint32_t len = n - off < CHUNK_FRAMES ? n - off : CHUNK_FRAMES;
    uint32_t seg = 0;
    for (uint32_t i = 0; i < len; ++i) {
      const float x = in[off + i];
      const bool bad = !(fabsf(x) <= INPUT_LIMIT); /* NaN fails every comparison */
      if (bad && !a->in_bad) {
        /* Finish what came before, then start afresh at the bad sample. */
        written = process_clean(a, a->scratch + seg, i - seg, off + seg, events, written,
                                max_events);
        reset_signal_state(a);
        seg = i;
      }
      if (bad) {
        /* a->clock stands at in[off + seg]: mute from the last bad sample on */
        a->mute_until = a->clock + (i - seg) + a->mute_frames;
      }
      a->in_bad = bad;
      a->scratch[i] = (bad || fabsf(x) < DENORMAL_LIMIT) ? 0.0f : x;
    }
    written = process_clean(a, a->scratch + seg, len - seg, off + seg, events, written,
                            max_events);
    off += len;
  }
  return written;
}

void tandem_analysis_beat(TandemAnalysis* a)
{
  tandem_harmony_tracker_beat(a->harmony);
}

void tandem_analysis_get_harmony(const TandemAnalysis* a, TandemHarmonyEstimate* out)
{
  tandem_harmony_tracker_get(a->harmony, out);
}

void tandem_analysis_get(const TandemAnalysis* a, TandemAnalysisReadout* out)
{
  TandemLevels lv;
  tandem_dynamics_get(&a->dyn, &lv);
  out->rms_db = lv.rms_db;
  out->peak_db = lv.peak_db;
  out->crest_db = lv.crest_db;
  for (int b = 0; b < TANDEM_N_BANDS; ++b) {
    out->bands_db[b] = tandem_power_db(a->band_smooth[b]);
  }
  out->centroid_hz = tandem_spectrum_centroid_hz(a->bands_spec);
  out->flux = tandem_spectrum_flux(a->bands_spec);
  double act = a->activity / ACTIVITY_TIME_S / ACTIVITY_FULL;
  out->onset_activity = (float)(act > 1.0 ? 1.0 : act);
  tandem_tempo_get(a->tempo, &out->tempo);
  tandem_harmony_tracker_get(a->harmony, &out->harmony);
  out->frames = a->clock;
}

void tandem_analysis_totals(const TandemAnalysis* a, TandemAnalysisTotals* out)
{
  TandemLevels lv;
  tandem_dynamics_totals(&a->dyn, &lv);
  out->rms_db = lv.rms_db;
  out->peak_db = lv.peak_db;
  out->crest_db = lv.crest_db;
  for (int b = 0; b < TANDEM_N_BANDS; ++b) {
    out->bands_db[b] =
        tandem_power_db(a->band_frames ? a->band_sum[b] / (double)a->band_frames : 0.0);
  }
  out->centroid_hz =
      a->centroid_den > 1e-20 ? (float)(a->centroid_num / a->centroid_den) : 0.0f;
  out->onsets = a->onsets;
}

double tandem_analysis_odf_rate_hz(const TandemAnalysis* a)
{
  return tandem_onset_hop_rate_hz(a->onset) / a->odf_decim;
}

double tandem_analysis_odf_delay_s(const TandemAnalysis* a)
{
  return a->odf_delay_s;
}

double tandem_analysis_odf_time_s(const TandemAnalysis* a)
{
  return a->odf_time_s;
}

float tandem_analysis_odf(const TandemAnalysis* a)
{
  return a->odf_last;
}

const float* tandem_analysis_drum_features(const TandemAnalysis* a)
{
  return tandem_onset_drum_features(a->onset);
}

uint32_t tandem_analysis_tempo_level_features(const TandemAnalysis* a, float* features,
                                              float* bpm)
{
  return tandem_tempo_level_features(a->tempo, features, bpm);
}

const float* tandem_analysis_drum_probabilities(const TandemAnalysis* a)
{
  return tandem_onset_drum_probabilities(a->onset);
}
