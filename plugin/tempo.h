/* Tandem — causal tempo and beat tracking from an onset-strength function (ODF).
 *
 * The caller pushes one ODF value (>= 0, e.g. half-wave rectified spectral flux) per
 * analysis frame.  The tracker averages it down to <= 100 Hz and keeps the last 8 s
 * (recent seconds weighted more).  Every 0.25 s it autocorrelates them, scores candidate
 * beat periods (40-240 bpm) with a comb over the period, its half, double and a 4-beat
 * bar, times a log-normal tempo prior around 120 bpm, averaged over updates (~1 s) so
 * that near-equal octaves do not flicker, then settles the metrical level from how alike
 * alternate beats are and whether off-beats subdivide them.  A new tempo
 * must win 3 updates in a row before it replaces the held one.  After a tempo change
 * (not an octave or a 3:2 flip) the new tempo is taken at the octave nearest the old one
 * and that metrical level holds for 16 bars, so a band that speeds up or slows down is
 * followed at the level it was heard at.  The beat phase comes from a recency-weighted
 * phase histogram of the ODF at the chosen period and is advanced between updates;
 * stray readings are ignored and corrections bend a beat interval by at most 3%.  The
 * work of an update is spread over its pushes (a few autocorrelation lags per push, then
 * one decision step per push), so no single push is expensive.
 *
 * Beat phase refers to the ODF's own timeline: if the ODF lags the audio by some frames,
 * the beats lag by the same amount.
 *
 * Drum onsets, when the caller passes them with their class, settle the metrical level
 * where the ODF alone is ambiguous: hats swung at 2/3 of a beat mark that beat (a jazz
 * ride); hats on 32nds of a beat mean the beat is twice as fast (trap hats); a backbeat
 * (snare on every other beat) marks the beat; a kick or snare on every beat of the
 * faster level means that level (four on the floor); a snare on every fourth beat
 * means beats twice as long (a ballad's 8th hats) unless those would carry 32nd hats
 * (a half-time feel).  When the drums stop for a second, the held level stays.
 * Without hats (no drum kit) or a clear pattern the ODF rules decide alone.
 *
 * Bad input (NaN, Inf) resets the tracker; negative values count as 0.
 *
 * Threads: tandem_tempo_new/free — any non-realtime thread (instantiate, cleanup);
 * everything else — audio thread (realtime-safe: no allocation, locks or syscalls).
 */
#ifndef TANDEM_TEMPO_H
#define TANDEM_TEMPO_H

#include "analysis_types.h"

typedef struct TandemTempo TandemTempo;

/* Allocates a tracker for an ODF sampled at odf_rate_hz (50-1000 Hz).
 * Returns NULL if the rate is out of range or memory is short.  Non-realtime. */
TandemTempo* tandem_tempo_new(double odf_rate_hz);

/* Frees the tracker (NULL is fine).  Non-realtime. */
void tandem_tempo_free(TandemTempo* tempo);

/* Forgets everything heard: tempo unknown, confidence 0.  Audio thread. */
void tandem_tempo_reset(TandemTempo* tempo);

/* Adds the next ODF value.  Call once per ODF frame.  Audio thread. */
void tandem_tempo_push(TandemTempo* tempo, float odf_value);

/* Records a detected onset holding the drums `drums` (TANDEM_HEARD_* bits; an
 * onset with none is ignored) and strength 0..1 that happened `age_s` seconds
 * before the audio that the latest pushed ODF value describes (ages beyond the
 * window are ignored, negative ones count as 0).  Audio thread. */
void tandem_tempo_onset(TandemTempo* tempo, unsigned drums, float strength, double age_s);

/* Writes the current estimate: bpm and period_s are 0 while the tempo is unknown;
 * beat_phase is the fraction of the current beat elapsed at the latest pushed value
 * (0 = on a beat).  Never writes NaN.  Audio thread. */
void tandem_tempo_get(const TandemTempo* tempo, TandemTempoEstimate* out);

#endif
