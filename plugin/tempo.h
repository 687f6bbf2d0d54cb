/* Tandem — causal tempo and beat tracking from an onset-strength function (ODF).
 *
 * The caller pushes one ODF value (>= 0, e.g. half-wave rectified spectral flux) per
 * analysis frame.  The tracker averages it down to <= 100 Hz and keeps the last 8 s
 * (recent seconds weighted more).  Every 0.25 s it autocorrelates them, scores candidate
 * beat periods (40-240 bpm) with a comb over the period, its half, double and a 4-beat
 * bar, times a log-normal tempo prior around 120 bpm, averaged over updates (~1 s) so
 * that near-equal octaves do not flicker, then settles the metrical level (below).
 * A new tempo must win 3 updates in a row before it replaces the held one.  After a tempo
 * change (not an octave or a 3:2 flip) the new tempo is taken at the octave nearest the
 * old one and that metrical level holds for 16 bars, so a band that speeds up or slows
 * down is followed at the level it was heard at.  The beat phase comes from a
 * recency-weighted phase histogram of the ODF at the chosen period and is advanced
 * between updates; stray readings are ignored and corrections bend a beat interval by at
 * most 3%.  The work of an update is spread over its pushes (a few autocorrelation lags
 * per push, then one decision step per push), so no single push is expensive.
 *
 * Beat phase refers to the ODF's own timeline: if the ODF lags the audio by some frames,
 * the beats lag by the same amount.
 *
 * The metrical level: where a drum kit plays (hats in the window), a model fitted
 * on the training split of the unseen corpus (tools/fit-tempo-level.py, chosen on
 * its dev split) reads TANDEM_TEMPO_LEVEL_FEATURES features of the comb's
 * candidate -- the tempo, the autocorrelation at the period, its half and double,
 * how alike alternate beats are and whether off-beats subdivide them, and how
 * kicks, snares and hats fall on the grids of all three levels (backbeat, snare
 * once a bar, swung hats, hats on 32nds, a kick on every beat) -- and keeps the
 * candidate, halves its tempo or doubles it.  When the drums stop for a second,
 * the held level stays.  Without a kit the ODF rules decide: faster when the
 * beats of the faster level are all alike, slower when every other beat is weak
 * and nothing subdivides them.
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

/* Features the metrical level is chosen from (tempo.c: level_features). */
#define TANDEM_TEMPO_LEVEL_FEATURES 41

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
/* The features of the candidate period at the last update that chose a level,
 * its tempo in bpm, and a serial that changes with every such update (0 before
 * the first), for tools that fit or inspect the level model.  Audio thread, or
 * the thread that feeds the tracker. */
uint32_t tandem_tempo_level_features(const TandemTempo* tempo, float* features,
                                     float* bpm);

void tandem_tempo_get(const TandemTempo* tempo, TandemTempoEstimate* out);

#endif
