/* Tandem — the pattern: a fixed-size plain-old-data part that crosses threads.
 *
 * A pattern is made in the worker (built-in generator or a validated model
 * reply), copied by value to the audio thread, and played by player.c.  It has
 * no pointers, so a memcpy moves it.
 *
 * Drum notes carry GM pitches.  Bass, chord and melody notes carry pitches
 * relative to the key and chord heard now (see theory.h), so a part follows a
 * key or chord change without being regenerated.
 *
 * Threads: types only, plus tandem_pattern_* helpers callable from any thread
 * (they touch only the pattern passed in).
 */
#ifndef TANDEM_PATTERN_H
#define TANDEM_PATTERN_H

#include <stdbool.h>
#include <stdint.h>

#define TANDEM_PPQ           1920 /* ticks per quarter-note beat */
#define TANDEM_MAX_BARS      16
#define TANDEM_MAX_NOTES     1024
#define TANDEM_PATTERN_MAGIC 0x54504154u /* "TAPT" */

typedef enum {
  TANDEM_ROLE_DRUMS = 0,
  TANDEM_ROLE_BASS = 1,
  TANDEM_ROLE_CHORDS = 2,
  TANDEM_ROLE_MELODY = 3,
  TANDEM_ROLE_TRIGGER = 4, /* one note per detected onset; no pattern */
  TANDEM_ROLE_COUNT
} TandemRole;

/* How a note's pitch is given. */
typedef enum {
  TANDEM_PITCH_ABSOLUTE = 0,   /* pitch is a MIDI note (drums: GM map) */
  TANDEM_PITCH_SCALE = 1,      /* degree is a scale degree of the current key */
  TANDEM_PITCH_CHORD = 2,      /* degree is a chord tone index (0 root, 1 third, ...) */
  TANDEM_PITCH_SCALE_IN_CHORD = 3, /* a scale degree moved to the nearest tone of the
                                      chord heard (a melody's strong beats) */
} TandemPitchKind;

/* Note flags. */
#define TANDEM_NOTE_GHOST  0x01u
#define TANDEM_NOTE_ACCENT 0x02u
#define TANDEM_NOTE_FILL   0x04u

typedef struct {
  uint32_t tick;     /* start, from the pattern start, < bars * ticks_per_bar */
  uint32_t length;   /* ticks, > 0 */
  uint8_t kind;      /* TandemPitchKind */
  uint8_t pitch;     /* MIDI note for TANDEM_PITCH_ABSOLUTE */
  int8_t degree;     /* scale degree or chord tone, 0-based, may exceed one octave */
  int8_t octave;     /* octave offset from the role's base octave */
  int8_t chromatic;  /* semitones added after resolving (approach notes), -2..2 */
  uint8_t velocity;  /* 1..127 */
  uint8_t flags;     /* TANDEM_NOTE_* */
  uint8_t reserved;
} TandemNote;

typedef struct {
  uint32_t magic;         /* TANDEM_PATTERN_MAGIC */
  uint32_t serial;        /* increases with each new pattern of an instance */
  uint8_t role;           /* TandemRole */
  uint8_t bars;           /* 1..TANDEM_MAX_BARS */
  uint8_t beats_per_bar;  /* meter numerator, 1..16 */
  uint8_t beat_unit;      /* meter denominator: 4 or 8 (a beat is one beat_unit note) */
  uint32_t n_notes;       /* <= TANDEM_MAX_NOTES, sorted by tick */
  uint32_t seed;          /* the seed it was generated from */
  float confidence;       /* model-given confidence, 1 for the built-in generator */
  float swing_pct;        /* the style's swing (tandem_swing_tick), 0 or 50 = straight */
  uint32_t swing_grid_ticks; /* the step that swings: TANDEM_PPQ/4 or /2; 0 = none */
  TandemNote notes[TANDEM_MAX_NOTES];
} TandemPattern;

/* Ticks in one beat of the pattern's meter (a quarter is TANDEM_PPQ, an eighth half). */
static inline uint32_t tandem_pattern_ticks_per_beat(const TandemPattern* p)
{
  return p->beat_unit == 8 ? TANDEM_PPQ / 2 : TANDEM_PPQ * 4 / (p->beat_unit ? p->beat_unit : 4);
}

static inline uint32_t tandem_pattern_ticks_per_bar(const TandemPattern* p)
{
  return tandem_pattern_ticks_per_beat(p) * p->beats_per_bar;
}

static inline uint32_t tandem_pattern_length_ticks(const TandemPattern* p)
{
  return tandem_pattern_ticks_per_bar(p) * p->bars;
}

/* Swing: moves the second note of each pair of grid steps later.  swing_pct is the
 * share of the pair taken by its first step: 50 is straight, 66.7 is triplet feel,
 * 75 is hard swing.  grid_ticks is the step (TANDEM_PPQ/2 for 8ths, /4 for 16ths).
 * The player applies it at play time; the generator stores straight ticks. */
static inline uint32_t tandem_swing_tick(uint32_t tick, float swing_pct, uint32_t grid_ticks)
{
  if (grid_ticks == 0 || !(swing_pct > 50.0f)) {
    return tick;
  }
  const float pct = swing_pct > 80.0f ? 80.0f : swing_pct;
  const uint32_t pair = 2 * grid_ticks;
  const uint32_t pos = tick % pair;
  const uint32_t base = tick - pos;
  const double split = (double)pair * pct / 100.0;
  double moved;
  if (pos < grid_ticks) {
    moved = (double)pos * split / grid_ticks;
  } else {
    moved = split + (double)(pos - grid_ticks) * ((double)pair - split) / grid_ticks;
  }
  return base + (uint32_t)(moved + 0.5);
}

/* Makes an empty pattern of the given shape. */
void tandem_pattern_init(TandemPattern* p, TandemRole role, uint8_t bars,
                         uint8_t beats_per_bar, uint8_t beat_unit);

/* Checks the invariants above.  Returns true if p may be played. */
bool tandem_pattern_valid(const TandemPattern* p);

/* Sorts notes by tick (stable), in place. */
void tandem_pattern_sort(TandemPattern* p);

/* Appends a note; false if the pattern is full. */
bool tandem_pattern_add(TandemPattern* p, const TandemNote* note);

#endif
