/* Tandem — causal onset detector.
 *
 * The input's level is normalised first: the magnitudes are scaled so that the
 * loudest recent frame sits where a full-scale drum track's does (boosting up to
 * 50 dB, the gain rising at most 20 dB/s and falling at once), so a track peaking
 * at -40 dBFS gives the onsets it gives at 0 dBFS.
 *
 * A log-compressed spectral flux (10 ms window, 2.5 ms hop; each bin is compared
 * with the loudest of its neighbours in the frames 5 to 20 ms back, so that
 * vibrato, beating, reverb tails and the cycle of a bass note longer than the
 * window do not count; rises under 1.3 dB are ignored) feeds a peak picker with
 * an adaptive threshold (median plus mean of the previous 100 ms, plus a
 * decaying share of the last peak against echoes) and a minimum gap of 30 ms
 * (a kick, a strong new rise below 300 Hz, may follow another onset sooner:
 * drummers often play it a few ms after the hat).
 * An onset is detected on the hop where the ODF climbs over the threshold; its
 * time is then refined to the sample from the envelope of a high-passed copy of
 * the input (broadband or treble, whichever rises more clearly).  Its coarse
 * class (kick, snare, hat; other when unclear) comes from where in the spectrum
 * the energy rose over the detection hop and the next.  It is reported once it
 * has sounded for 17.5 ms (at most 20 ms after its time; at once when the next
 * onset is detected first), with the mask of every drum it holds (drums.h: a kick
 * under a clap is both), since a kick's body builds only after the attack of the
 * hat or clap it is struck with.
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
  float odf;      /* onset detection function value of this hop (>= 0) */
  bool has_onset; /* an onset was confirmed in this hop */
  int32_t delay;  /* frames from the onset to the last sample consumed (>= 0) */
  float strength; /* 0..1, from the onset's peak level (-60..0 dBFS) */
  uint8_t cls;    /* TandemOnsetClass: the one coarse class */
  uint8_t drums;  /* TANDEM_HEARD_* bits: every drum the onset holds */
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

/* Samples still to come before the current hop ends (1 .. hop length): a call
 * of tandem_onset_feed() with fewer runs no analysis.  Audio thread. */
uint32_t tandem_onset_frames_to_hop(const TandemOnset* o);

/* The drum features (TANDEM_DRUM_FEATURES values) and the kick, snare and hat
 * probabilities of the last reported onset, for tools that fit or inspect the
 * drum model.  Audio thread, or the thread that feeds the detector. */
const float* tandem_onset_drum_features(const TandemOnset* o);
const float* tandem_onset_drum_probabilities(const TandemOnset* o);

/* Rate at which hops (and so ODF values) come, in Hz. */
double tandem_onset_hop_rate_hz(const TandemOnset* o);
/* How far the ODF lags the audio: a hop's value peaks about this many frames
 * after the onset that caused it (half the analysis window). */
uint32_t tandem_onset_odf_delay_frames(const TandemOnset* o);

#endif
