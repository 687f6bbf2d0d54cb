/* Tandem — the analysis aggregator: the "ears" that run() calls once per block.
 *
 * Feeds every analysis module (spectrum bands, dynamics, onsets, tempo, harmony)
 * with the same sanitised input and collects their results.  Input is processed
 * in fixed internal chunks against a sample clock, so the results do not depend
 * on the host's block size.  NaN and Inf in the input (and absurd values beyond
 * +-1e6) are replaced by silence and reset the analysis once, so they never
 * poison the state; for 100 ms after that no onsets are reported (the restart
 * would look like one).  Denormals are flushed to zero.
 *
 * Cost: the onset detector's FFT runs at its hop (2.5 ms); the heavier FFTs of the
 * band spectrum (every 10 ms) and of the harmony tracker (and its chroma step) are
 * deferred and run one per call, in a call that ends an onset hop, at most one hop
 * later.  Blocks without an onset hop then carry only the per-sample filters, and no
 * block carries two deferred FFTs.  The bands, centroid and flux readouts (and the
 * totals) so trail the audio by up to one hop more; a band frame still waiting when
 * the input stops is left out of the totals.  A beat finishes the harmony frame in
 * hand first, so chords per beat are the same as without deferral.
 *
 * Threads: tandem_analysis_new and _free in a non-realtime thread (instantiate,
 * cleanup); every other function in the audio thread: none allocates, frees,
 * locks, sleeps, does I/O or makes a syscall.
 */
#ifndef TANDEM_ANALYSIS_H
#define TANDEM_ANALYSIS_H

#include <stdint.h>

#include "analysis_types.h"

typedef struct TandemAnalysis TandemAnalysis;

typedef struct {
  float rms_db, peak_db, crest_db; /* meter: RMS over ~300 ms, peak held 0.5 s */
  float bands_db[TANDEM_N_BANDS];  /* sub .. brilliance, mean square in dBFS, ~300 ms */
  float centroid_hz, flux; /* of the latest 40 ms spectrum frame (see spectrum.h) */
  float onset_activity;    /* 0..1: onsets per second over ~2 s, 8/s and more = 1 */
  TandemTempoEstimate tempo;
  TandemHarmonyEstimate harmony;
  uint64_t frames; /* frames analysed since new/reset */
} TandemAnalysisReadout;

/* Long-run figures since new/reset, for whole-file analysis. */
typedef struct {
  float rms_db, peak_db, crest_db; /* true RMS, highest |sample|, their ratio */
  float bands_db[TANDEM_N_BANDS];  /* mean power per band over all frames, dBFS */
  float centroid_hz;               /* power-weighted over all frames */
  uint64_t onsets;
} TandemAnalysisTotals;

/* Allocates and preallocates everything for sample_rate (22.05 .. 192 kHz, the
 * range of the harmony tracker).
 * max_block_frames is a hint only: blocks of any length are accepted.
 * NULL on failure.  Non-realtime (instantiate). */
TandemAnalysis* tandem_analysis_new(double sample_rate, uint32_t max_block_frames);
void tandem_analysis_free(TandemAnalysis* a); /* NULL is fine; non-realtime */

/* Forgets everything heard and restarts the clock at 0.  Audio thread. */
void tandem_analysis_reset(TandemAnalysis* a);

/* Onset sensitivity 0..1 (default 0.5); see tandem_onset_set_sensitivity. */
void tandem_analysis_set_sensitivity(TandemAnalysis* a, float sensitivity_0_1);

/* Analyses n frames (any n, including 0).  Writes the onsets detected in this
 * block to events (frame relative to the block start, time_s on the analysis
 * clock) and returns how many were written, at most max_events (further ones
 * in the same block are counted in the totals but not written).  in may be
 * NULL only when n is 0.  Audio thread. */
uint32_t tandem_analysis_process(TandemAnalysis* a, const float* in, uint32_t n,
                                 TandemOnsetEvent* events, uint32_t max_events);

/* Tells the harmony tracker that a beat boundary passed (host or detected
 * beat).  Audio thread. */
void tandem_analysis_beat(TandemAnalysis* a);

void tandem_analysis_get(const TandemAnalysis* a, TandemAnalysisReadout* out);
/* The harmony part of the readout alone (after tandem_analysis_beat, the chord of
 * the beat that ended).  Audio thread. */
void tandem_analysis_get_harmony(const TandemAnalysis* a, TandemHarmonyEstimate* out);
void tandem_analysis_totals(const TandemAnalysis* a, TandemAnalysisTotals* out);

/* For tools: the onset detection function stream that feeds the tempo
 * tracker.  Its rate (Hz); how far it lags the audio (s); and the audio time
 * (s on the analysis clock, delay removed) that the latest pushed value
 * describes, which is where the tracker's beat_phase refers to: the latest
 * beat fell at odf_time_s - beat_phase * period_s. */
double tandem_analysis_odf_rate_hz(const TandemAnalysis* a);
double tandem_analysis_odf_delay_s(const TandemAnalysis* a);
double tandem_analysis_odf_time_s(const TandemAnalysis* a);
/* The most recent ODF value pushed to the tempo tracker. */
float tandem_analysis_odf(const TandemAnalysis* a);
/* The drum features and kick/snare/hat probabilities of the last reported
 * onset (onset.h), for tools that fit or inspect the drum model. */
const float* tandem_analysis_drum_features(const TandemAnalysis* a);
const float* tandem_analysis_drum_probabilities(const TandemAnalysis* a);
/* The tempo tracker's metrical-level features (tempo.h), for tools. */
uint32_t tandem_analysis_tempo_level_features(const TandemAnalysis* a, float* features,
                                              float* bpm);

#endif
