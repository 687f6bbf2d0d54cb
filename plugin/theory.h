/* Tandem — music theory: keys, scales, chords, and resolving relative pitches.
 *
 * Pure functions over small tables; no allocation, no state.
 * Threads: any (realtime-safe).
 */
#ifndef TANDEM_THEORY_H
#define TANDEM_THEORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pattern.h"

typedef enum {
  TANDEM_SCALE_MAJOR = 0,
  TANDEM_SCALE_MINOR,           /* natural minor (aeolian) */
  TANDEM_SCALE_DORIAN,
  TANDEM_SCALE_MIXOLYDIAN,
  TANDEM_SCALE_PHRYGIAN,
  TANDEM_SCALE_HARMONIC_MINOR,
  TANDEM_SCALE_MAJOR_PENTATONIC,
  TANDEM_SCALE_MINOR_PENTATONIC,
  TANDEM_SCALE_BLUES,
  TANDEM_SCALE_COUNT
} TandemScale;

typedef enum {
  TANDEM_CHORD_MAJ = 0,
  TANDEM_CHORD_MIN,
  TANDEM_CHORD_DOM7,
  TANDEM_CHORD_MAJ7,
  TANDEM_CHORD_MIN7,
  TANDEM_CHORD_SUS2,
  TANDEM_CHORD_SUS4,
  TANDEM_CHORD_DIM,
  TANDEM_CHORD_AUG,
  TANDEM_CHORD_COUNT
} TandemChordQuality;

/* The harmonic context a relative pitch is resolved against. */
typedef struct {
  uint8_t key_root;      /* pitch class 0..11 (0 = C) */
  uint8_t scale;         /* TandemScale */
  uint8_t chord_root;    /* pitch class 0..11 */
  uint8_t chord_quality; /* TandemChordQuality */
} TandemHarmony;

/* Number of notes per octave in a scale, and its semitone steps from the root. */
int tandem_scale_size(TandemScale scale);
const uint8_t* tandem_scale_steps(TandemScale scale);
const char* tandem_scale_name(TandemScale scale);

/* Number of chord tones, and their semitone offsets from the chord root. */
int tandem_chord_size(TandemChordQuality quality);
const uint8_t* tandem_chord_steps(TandemChordQuality quality);
/* Suffix for a chord name: "" for major, "m", "7", "maj7", "m7", "sus2", ... */
const char* tandem_chord_suffix(TandemChordQuality quality);

/* "C", "C#", ... for a pitch class (any integer, taken modulo 12). */
const char* tandem_pitch_class_name(int pitch_class);

/* Writes e.g. "A minor" or "F# major"; returns buf. */
char* tandem_key_name(int root, TandemScale scale, char* buf, size_t size);
/* Writes e.g. "Am7" or "C"; returns buf. */
char* tandem_chord_name(int root, TandemChordQuality quality, char* buf, size_t size);

/* Semitones above C of scale degree d (any integer; wraps with octaves). */
int tandem_scale_degree_semitones(const TandemHarmony* h, int degree);
/* Semitones above C of chord tone i (any integer; wraps with octaves). */
int tandem_chord_tone_semitones(const TandemHarmony* h, int index);

/* Resolves a note to a MIDI pitch against h, with base_pitch the MIDI note of
 * octave 0's C for the role (e.g. 36 for bass).  TANDEM_PITCH_SCALE_IN_CHORD
 * resolves as a scale degree, then moves to the nearest chord tone (down first
 * on a tie).  Clamped to 0..127. */
int tandem_resolve_pitch(const TandemHarmony* h, const TandemNote* note, int base_pitch);

bool tandem_pitch_in_scale(const TandemHarmony* h, int pitch);
bool tandem_pitch_in_chord(const TandemHarmony* h, int pitch);

#endif
