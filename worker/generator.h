/* Tandem — the built-in generator: a style profile and a few knobs in, a pattern out.
 *
 * It places notes by weighted sampling from the profile's per-16th weights,
 * repeats and varies a one-bar groove over the bars, adds ghost notes and fills,
 * locks the bass to the kick the drums role would play with the same seed, and
 * develops melodic motifs.  Ticks are stored straight; the player swings them
 * with the profile's swing (tandem_swing_tick).  Pitched roles use relative
 * pitches (CHORD and SCALE kinds, never chromatic), so every note stays in the
 * key and chord the player resolves them against.
 *
 * Threads: any non-realtime thread (worker, tools).  It neither allocates nor
 * locks, and needs about 10 KB of stack; it is deterministic and shares no state.
 */
#ifndef TANDEM_GENERATOR_H
#define TANDEM_GENERATOR_H

#include <stdbool.h>
#include <stdint.h>

#include "pattern.h"
#include "style.h"

typedef struct {
  TandemRole role;         /* drums, bass, chords or melody */
  float complexity;        /* 0..1: how often bars vary; above 0.5 shifts weight to
                              the off-beats in proportion to the profile's syncopation */
  float density;           /* 0..1: 0.5 plays the profile's notes per bar, 0 half as
                              many, 1 twice as many (exponential in between) */
  float energy;            /* 0..1: scales the velocity mean (0.6x .. 1.4x; 1x at 0.5) */
  float fill;              /* 0..1: chance of a drum fill at the end of each 4-bar
                              phrase (and of the pattern); above 0.75 fills span 2 beats */
  uint8_t bars;            /* 1..TANDEM_MAX_BARS */
  uint32_t seed;           /* same seed and inputs give a byte-identical pattern */
  uint8_t beats_per_bar;   /* meter numerator 1..16; 0 takes the profile's meter */
  uint8_t beat_unit;       /* 4 or 8; ignored when beats_per_bar is 0 */
  const float* input_busy; /* per-16th busyness 0..1 of the input over one bar
                              (one value per 16th of the pattern's bar), or NULL; the
                              melody leaves space where it is high */
  bool euclidean;          /* drums: spread each voice's hits evenly over the bar
                              (euclidean rhythm, rotated to fit the profile) */
  const int8_t* chord_degrees; /* per bar (bars values): scale degree 0..6 of the chord
                                  root at the bar line, so bass approach notes step
                                  into the next chord and melody notes on beats 1 and
                                  3 land on chord tones; NULL when unknown (approach
                                  notes then use the key's fifth degree) */
} TandemGenParams;

/* Fills params with neutral values: complexity, density and energy 0.5, fill 0,
 * 4 bars, the profile's meter.  Threads: any. */
void tandem_gen_params_default(TandemGenParams* params, TandemRole role, uint32_t seed);

/* Generates a pattern.  Returns false (out untouched) for a NULL argument, a role
 * without a pattern (trigger), bars outside 1..TANDEM_MAX_BARS, or a meter
 * outside 1..16 / 4 or 8.  Never writes more than TANDEM_MAX_NOTES notes: if a
 * dense request would exceed that, the later notes are left out.  The result
 * passes tandem_pattern_valid().  Threads: worker or tools (not realtime). */
bool tandem_generate(const TandemStyle* style, const TandemGenParams* params,
                     TandemPattern* out);

/* Rhythmic distance between two patterns: the normalised Hamming distance
 * between their sets of onsets on the 16th grid, over the bars both have:
 * |A xor B| / |A or B|, 0 (same onsets) .. 1 (none shared).  A and B are sets of
 * (bar, 16th step) pairs, so several notes at one step count once.
 * Threads: any. */
float tandem_rhythm_distance(const TandemPattern* a, const TandemPattern* b);

#endif
