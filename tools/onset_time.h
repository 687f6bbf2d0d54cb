/* Tandem tools — onset times refined offline, for measuring timing (swing).
 *
 * The plugin's onset detector places an onset at the start of the rise it
 * sees; when no clear rise stands out (a soft hat under a ringing open hat, a
 * cymbal whose attack grows slowly) it falls back to a nominal delay from where
 * it fired, which may be 10-20 ms after the stroke.  That is fine for playing
 * along, but a swing measured from such onsets reads several points late.  A
 * tool has the whole recording: it looks back (up to 30 ms, never past the
 * onset before) in a fine treble envelope (second difference of the signal,
 * 1 ms windows every 0.25 ms) for the window followed by the steepest rise,
 * which under a ringing cymbal is the dip where the new stroke chokes it.  An
 * onset moves to the end of that window only when it lies more than 5 ms
 * before the onset and the next millisecond is at least 9 dB louder: onsets
 * the detector placed well stay where they are.
 *
 * Threads: no shared state; allocates its envelope.  Any non-realtime thread.
 */
#ifndef TANDEM_ONSET_TIME_H
#define TANDEM_ONSET_TIME_H

#include <stddef.h>

#include "barfeatures.h"

/* Moves the onsets (ascending times in seconds from the first sample of mono) that
 * started clearly earlier than placed to where they started, in place; their
 * order may change.  mono holds frames samples at rate_hz.  Returns how many
 * moved, or -1 (onsets untouched) when out of memory. */
long tool_refine_onsets(const float* mono, size_t frames, double rate_hz,
                        TandemBarOnset* onsets, size_t n_onsets);

#endif
