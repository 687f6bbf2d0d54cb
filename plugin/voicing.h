/* Tandem — voice leading for chord stabs, chosen at play time.
 *
 * Each stab takes the tones of the chord heard now and places them in the octaves
 * that move least from the previous stab (voices matched lowest to lowest), within
 * an octave either side of a register centre, so the part neither jumps between
 * inversions nor drifts out of its register.
 *
 * Which tones sound when the stab has fewer or more voices than the chord has
 * tones: triads give root, third, fifth, then the root doubled an octave up; four-
 * tone chords give root, third, seventh, fifth (the fifth is the first to go).
 * A stab of more than TANDEM_VOICING_MAX_VOICES notes is voiced with that many.
 *
 * Threads: all functions — audio thread (realtime-safe: bounded loops, no
 * allocation).
 */
#ifndef TANDEM_VOICING_H
#define TANDEM_VOICING_H

#include "theory.h"

#define TANDEM_VOICING_MAX_VOICES 4

typedef struct {
  int center;                           /* MIDI pitch the voicings stay around */
  int n;                                /* voices in the previous stab; 0: none yet */
  int pitch[TANDEM_VOICING_MAX_VOICES]; /* previous stab, ascending */
} TandemVoiceLeader;

/* Forgets the previous stab and sets the register centre (clamped to 24..108). */
void tandem_voicing_init(TandemVoiceLeader* v, int center_pitch);

/* Forgets the previous stab only (the next stab is placed by register alone). */
void tandem_voicing_reset(TandemVoiceLeader* v);

/* Voices the chord of h with n_voices tones (1..TANDEM_VOICING_MAX_VOICES, clamped),
 * writes them to out ascending, remembers them, and returns how many were written. */
int tandem_voicing_next(TandemVoiceLeader* v, const TandemHarmony* h, int n_voices,
                        int out[TANDEM_VOICING_MAX_VOICES]);

/* Voices a stab whose notes name their tones (TANDEM_PITCH_CHORD: degree is the
 * chord tone, chromatic adds semitones, so a ninth is degree 0 + 2): the tones
 * as written, a seventh (degree 3) on a triad sounding as the sixth (or the
 * key's seventh where the sixth is out of the key), an added tone outside the
 * key left out, unisons merged, placed as tandem_voicing_next places them.  A plain stab
 * (degrees 0, 1, 2, ... in order, nothing added) is voiced as tandem_voicing_next voices
 * it.  Returns the number of pitches written (0 for no tones).  Realtime-safe. */
int tandem_voicing_stab(TandemVoiceLeader* v, const TandemHarmony* h,
                        const TandemNote* tones, int n_tones,
                        int out[TANDEM_VOICING_MAX_VOICES]);

/* Total semitones moved from voicing a to voicing b (both ascending, same count n),
 * voices matched in order.  For tests and reports. */
int tandem_voicing_distance(const int* a, const int* b, int n);

#endif
