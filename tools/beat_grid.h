/* Tandem tools — the beat grid that groove capture (tandem-profile) measures
 * a recording against.
 *
 * The plugin's tempo tracker chooses a metrical level by ear.  On a short loop
 * with few cues it may settle at two thirds or three halves of the music's
 * tempo, or flip between a level and its half for a few bars.  A profile
 * measured on such a grid reads sixteenths as triplets and swing where there
 * is none.  Offline, with the whole recording at hand, these functions put the
 * tracker's beats back on one level:
 *  - the reference level: the beat period most of the tracker's beats keep;
 *  - the target level: the tempo given (--bpm); else the reference, or a 3:2 or
 *    4:3 ratio of it (within the tracker's 40-240 bpm) when the onsets fit
 *    that level clearly better and fit the reference's badly (tool_grid_fit);
 *  - the grid: a beat whose tracker period is about twice the target's gets
 *    one halfway back, of beats at half its period every other one is
 *    dropped; a run of intervals that each span 3/2, 2/3, 4/3, 3/4, 5/4 or 4/5
 *    of a target beat is re-laid along itself (as a time map) in the phase
 *    where the onsets fit best, carrying on the grid before it, else with
 *    kick and snare on the beats; or the reference-level beats are re-laid as
 *    a whole, when that fits better;
 *  - with a tempo given that no level of the tracker's fits (a tracker that
 *    ran free at another tempo), a steady grid at it (within 1.5 %) in the
 *    phase the onsets fit best, centred on the onsets at its beats;
 *  - last, the grid settles on the drums: each beat moves to where a line
 *    through the onsets at the beats around it (up to 4 either side, kicks and
 *    snares before cymbals) puts it, so that a tracker's wander of tens of ms
 *    does not read as swing; a grid whose half-beat shift carries clearly
 *    more of the drums (a tracker on the "and"s) takes that shift.
 *
 * Threads: no shared state; tool_grid_beats allocates scratch.  Any
 * non-realtime thread (the tools call them from main).
 */
#ifndef TANDEM_BEAT_GRID_H
#define TANDEM_BEAT_GRID_H

#include <stddef.h>

#include "barfeatures.h"

/* A beat as the tracker reported it: its time and the beat period it believed
 * in then (seconds). */
typedef struct {
  double time_s;
  double period_s;
} ToolTrackerBeat;

/* The tempo (bpm) that most of the tracker's beat intervals keep (within 2 %);
 * 0 for fewer than 2 beats. */
double tool_grid_reference_bpm(const ToolTrackerBeat* beats, size_t n_beats);

/* How well onsets (ascending times) fit the grid of beats (ascending times):
 * the share of the strength of the onsets between the first and last beat
 * that lies within 10 ms of a point of a sixteenth grid with sixteenth swing,
 * or of an eighth grid with eighth swing, at the swing (50-75 %) that fits
 * best.  0..1; negative when no onset falls between the beats. */
double tool_grid_fit(const double* beats, size_t n_beats, const TandemBarOnset* onsets,
                     size_t n_onsets);

/* Writes to out (up to max_out) the beats to measure against: the tracker's
 * beats put on the target level (see above; hint_bpm <= 0 when the tempo is
 * not known; onsets in ascending time).  Returns how many were written (0 for
 * no tracker beats, or fewer than 2 without a given tempo); *level_bpm (may be
 * NULL) receives the target level's tempo. */
size_t tool_grid_beats(const ToolTrackerBeat* beats, size_t n_beats,
                       const TandemBarOnset* onsets, size_t n_onsets, double hint_bpm,
                       double* out, size_t max_out, double* level_bpm);

#endif
