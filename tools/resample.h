/* Tandem — offline sample-rate conversion for tools (tandem-render --rate).
 *
 * Windowed-sinc interpolation (Blackman window, 24 zero crossings each side,
 * cutoff at 95 % of the lower Nyquist frequency, so downsampling filters out
 * what would alias).  The kernel is tabulated once per call and read with
 * linear interpolation, so the cost is about 50 multiply-adds per output
 * sample.  Not for the audio thread: it allocates.
 *
 * Threads: any (no shared state).
 */
#ifndef TANDEM_RESAMPLE_H
#define TANDEM_RESAMPLE_H

#include <stdint.h>

/* Frames that n_in frames at in_rate become at out_rate (rounded). */
uint64_t tandem_resample_length(uint64_t n_in, double in_rate, double out_rate);

/* Converts a whole mono signal.  Returns a malloc'ed buffer of
 * tandem_resample_length() frames (stored in *n_out), or NULL if the rates are
 * not positive or memory runs out. */
float* tandem_resample(const float* in, uint64_t n_in, double in_rate, double out_rate,
                       uint64_t* n_out);

#endif
