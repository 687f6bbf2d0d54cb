/* Tandem — causal onset detector.
 *
 * A log-compressed spectral flux (10 ms window, 2.5 ms hop, compared with the
 * frame two hops back, max-filtered across neighbouring bins so that vibrato
 * and reverb tails do not count) feeds a peak picker with an adaptive threshold
 * (median plus mean of the previous 100 ms) and a minimum gap of 30 ms.  A peak
 * is confirmed one hop after it happened; the onset time is then refined to the
 * sample from the envelope of a high-passed copy of the input.  A coarse class
 * (kick, snare, hat, other) comes from where in the spectrum the energy rose.
 *
 * Everything is computed sample by sample against a clock that counts samples
 * since reset, so the results do not depend on how the input is cut into blocks.
 *
 * Threads: _new and _free in a non-realtime thread (instantiate/cleanup); all
 * other functions in the audio thread (no allocation, no locks, no syscalls).
 */
#ifndef TANDEM_ONSET_H
#define TANDEM_ONSET_H

#include <stdbool.h>
#include <stdint.h>

#include "analysis_types.h"

typedef struct TandemOnset TandemOnset;

/* What one analysis hop produced. */
typedef struct {
  float odf;          /* onset detection function value of this hop (>= 0) */
  bool has_onset;     /* an onset was confirmed in this hop */
  int32_t delay;      /* frames from the onset to the last sample consumed (>= 0) */
  float strength;     /* 0..1, from the onset's peak level (-60..0 dBFS) */
  uint8_t cls;        /* TandemOnsetClass */
} TandemOnsetHop;

/* NULL on failure or on a sample rate outside 8 kHz .. 768 kHz. */
TandemOnset* tandem_onset_new(double sample_rate);
void tandem_onset_free(TandemOnset* o);

/* Forgets the signal history and restarts the sample clock. */
void tandem_onset_reset(TandemOnset* o);

/* 0 = only strong, isolated hits; 1 = also faint ghost notes.  Default 0.5.
 * Values outside 0..1 (or NaN) are clamped (NaN counts as 0.5). */
void tandem_onset_set_sensitivity(TandemOnset* o, float sensitivity);

/* Consumes samples from in[0..n) (finite values) until an analysis hop ends or
 * the input runs out; returns how many were consumed.  When a hop ended,
 * *hop_done is set and *hop describes it; an onset it reports was detected at
 * the last consumed sample, in[return value - 1]. */
uint32_t tandem_onset_feed(TandemOnset* o, const float* in, uint32_t n, bool* hop_done,
                           TandemOnsetHop* hop);

/* Rate at which hops (and so ODF values) come, in Hz. */
double tandem_onset_hop_rate_hz(const TandemOnset* o);
/* How far the ODF lags the audio: a hop's value peaks about this many frames
 * after the onset that caused it (half the analysis window). */
uint32_t tandem_onset_odf_delay_frames(const TandemOnset* o);

#endif
