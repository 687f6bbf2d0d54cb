/* Tandem — short-time spectrum: a Hann-windowed real FFT (kissfft) at a fixed hop.
 *
 * Sizes are given in milliseconds; the FFT length is the power of two nearest to
 * the window length, so the bin spacing (and so every derived figure) is about
 * the same at any sample rate.  Power values are scaled so that they add up to
 * the mean square of the signal: a sine of amplitude A gives A*A/2 (-3 dBFS for
 * a full-scale sine), the same convention as the RMS meter.
 *
 * Threads: _new and _free in any non-realtime thread (instantiate/cleanup); all
 * other functions in the audio thread (no allocation, no locks, no syscalls).
 */
#ifndef TANDEM_SPECTRUM_H
#define TANDEM_SPECTRUM_H

#include <stdbool.h>
#include <stdint.h>

#include "analysis_types.h"

typedef struct TandemSpectrum TandemSpectrum;

/* Lower edges (Hz) of the 7 bands; band i covers [edge[i], edge[i+1]), the last
 * one up to Nyquist. */
extern const float tandem_band_edges_hz[TANDEM_N_BANDS];

/* Allocates everything, including the kissfft plan.  NULL on failure or on a
 * sample rate outside 8 kHz .. 768 kHz.  Non-realtime. */
TandemSpectrum* tandem_spectrum_new(double sample_rate, double window_ms, double hop_ms);
void tandem_spectrum_free(TandemSpectrum* s);

/* Forgets all history (input and previous frame).  Audio thread. */
void tandem_spectrum_reset(TandemSpectrum* s);

/* Consumes samples from in[0..n) until a frame is complete or the input runs
 * out; returns how many were consumed and sets *frame_done when a new frame
 * (power, bands, centroid, flux) has just been computed (see deferred mode
 * below).  Call again with the rest.  The samples must be finite (the
 * aggregator sanitises them).  Audio thread. */
uint32_t tandem_spectrum_feed(TandemSpectrum* s, const float* in, uint32_t n,
                              bool* frame_done);

/* Deferred mode (default off): feed() only captures each frame (the windowed input);
 * its FFT and everything derived from it wait for tandem_spectrum_work(), so that the
 * caller can run them in a call with little else to do.  The results are the same as
 * without it, only later.  A frame still pending when the next one is captured is
 * computed first; feed() then sets *frame_done for it.  Audio thread. */
void tandem_spectrum_set_deferred(TandemSpectrum* s, bool deferred);

/* In deferred mode: true while a captured frame waits for tandem_spectrum_work().
 * Audio thread. */
bool tandem_spectrum_pending(const TandemSpectrum* s);

/* In deferred mode: computes the captured frame, if any.  Returns true when it did (the
 * frame's results are then readable, as after *frame_done).  Audio thread. */
bool tandem_spectrum_work(TandemSpectrum* s);

/* With power_only, frames compute the power per bin alone: bands, centroid
 * and flux stay at their last values (0 after new).  For users that need
 * only the power, such as the onset detector.  Default false.  Any thread
 * that owns s (set it before use). */
void tandem_spectrum_set_power_only(TandemSpectrum* s, bool power_only);

uint32_t tandem_spectrum_fft_frames(const TandemSpectrum* s); /* window length */
uint32_t tandem_spectrum_hop_frames(const TandemSpectrum* s);
/* Samples still to come before the next frame (1 .. hop_frames). */
uint32_t tandem_spectrum_frames_to_hop(const TandemSpectrum* s);
uint32_t tandem_spectrum_bins(const TandemSpectrum* s); /* fft/2 + 1 */
double tandem_spectrum_bin_hz(const TandemSpectrum* s); /* bin spacing */

/* Power per bin of the latest frame (mean-square contribution; sums to the
 * windowed mean square).  Valid until the next frame.  The array is padded with
 * zeros up to a multiple of 4 entries, so that readers may go 4 bins at a time.
 * Audio thread. */
const float* tandem_spectrum_power(const TandemSpectrum* s);

/* Mean square per band of the latest frame (not dB). */
void tandem_spectrum_bands(const TandemSpectrum* s, float band_ms[TANDEM_N_BANDS]);
/* Power-weighted mean frequency of the latest frame, 0 in silence. */
float tandem_spectrum_centroid_hz(const TandemSpectrum* s);
/* Spectral flux of the latest frame: the rectified increase of the magnitude
 * spectrum over the previous frame, divided by the previous frame's total
 * magnitude (0 = steady, about 1 = doubling, capped at 10). */
float tandem_spectrum_flux(const TandemSpectrum* s);
/* Frames computed since new/reset. */
uint64_t tandem_spectrum_frame_count(const TandemSpectrum* s);

#endif
