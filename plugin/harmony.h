/* Tandem — harmony tracking: chroma, key and chords from raw audio.
 *
 * The input is low-passed and decimated to about 11-12 kHz (lower rates are used as
 * they are), then analysed with a ~170-250 ms Hann window every quarter window (one real
 * FFT per hop; the peaks-to-chroma half of a frame runs in the next process() call).
 * Spectral peaks become a 12-bin chroma (and a bass chroma from 40-250 Hz).  The key (24
 * keys) comes from a leaky-integrated chroma (time constant 20 s) correlated with key
 * profiles; the chord from the chroma accumulated since the last beat, matched against
 * templates of the chord qualities of theory.h with their harmonics, helped by the bass
 * note.
 *
 * Silence and noise give no chord (has_chord false, confidence low).  NaN or Inf input
 * resets the tracker, which carries on with the next finite sample.
 *
 * Threads: tandem_harmony_tracker_new/free — any non-realtime thread (instantiate,
 * cleanup); everything else — audio thread (realtime-safe: all memory, including the
 * FFT plan and buffers, is allocated in _new).
 */
#ifndef TANDEM_HARMONY_H
#define TANDEM_HARMONY_H

#include <stdbool.h>
#include <stdint.h>

#include "analysis_types.h"

typedef struct TandemHarmonyTracker TandemHarmonyTracker;

/* Allocates a tracker for audio at sample_rate (8000-768000 Hz; below 11025 Hz the
 * chroma stops at the Nyquist frequency).
 * Returns NULL if the rate is out of range or memory is short.  Non-realtime. */
TandemHarmonyTracker* tandem_harmony_tracker_new(double sample_rate);

/* Frees the tracker (NULL is fine).  Non-realtime. */
void tandem_harmony_tracker_free(TandemHarmonyTracker* tracker);

/* Forgets all audio heard: no key evidence, no chord.  Audio thread. */
void tandem_harmony_tracker_reset(TandemHarmonyTracker* tracker);

/* Analyses n mono frames (any n, including 0).  Does at most one FFT per hop of audio
 * passed in (none in deferred mode, unless the work of the previous hop is still
 * pending when the next one ends).  Audio thread. */
void tandem_harmony_tracker_process(TandemHarmonyTracker* tracker, const float* in,
                                    uint32_t n);

/* Deferred mode (default off): process() only captures each hop's frame; its FFT and
 * its chroma wait for tandem_harmony_tracker_work(), one step per call, so that the
 * caller chooses which calls pay for them.  Results are the same as
 * without it, only later; a frame still pending when the next hop ends (or at a beat)
 * is finished then.  Switching it off finishes pending work.  Audio thread. */
void tandem_harmony_tracker_set_deferred(TandemHarmonyTracker* tracker, bool deferred);

/* In deferred mode: true while a step waits for tandem_harmony_tracker_work().
 * Audio thread. */
bool tandem_harmony_tracker_pending(const TandemHarmonyTracker* tracker);

/* In deferred mode: runs the next pending step (the FFT of the latest frame, or its
 * chroma).  Returns false when nothing was pending.  Audio thread. */
bool tandem_harmony_tracker_work(TandemHarmonyTracker* tracker);

/* Marks a beat boundary: the chroma since the previous beat becomes the current chord
 * (a frame still pending is finished first, so the chord is current on return).
 * Without beats, a segment is closed every 2 s so that a chord still appears.
 * Audio thread. */
void tandem_harmony_tracker_beat(TandemHarmonyTracker* tracker);

/* Writes the current key, the chord of the last closed segment and the recent chroma
 * (sums to 1, or all 0 in silence).  Never writes NaN.  Audio thread. */
void tandem_harmony_tracker_get(const TandemHarmonyTracker* tracker,
                                TandemHarmonyEstimate* out);

#endif
