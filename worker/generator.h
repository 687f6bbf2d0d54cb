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
  float complexity;        /* 0..1: how often bars vary.  Drums keep one groove and
                              get more edits in the A', B (and from 0.75 the second A)
                              bars of each phrase, pulled further off the beat;
                              pitched roles: more bars vary (a note moved off the
                              beat) and more notes are pushed an eighth early, both
                              nested (gen_form.c) */
  float density;           /* 0..1: 0.5 plays the profile's notes per bar, 0 half as
                              many, 1 twice as many (exponential in between); every
                              role only adds notes as it rises (drums keep the
                              profile's weight-1 steps) */
  float energy;            /* 0..1: scales the velocity mean (0.6x .. 1.4x; 1x at 0.5);
                              from 0.7 drums add the profile's layer and pitched roles
                              a layer that keeps the line */
  float fill;              /* 0..1: drum fills (the profile's) at phrase ends: every 16
                              bars below 0.125, every 8 up to 0.25, every 4 above, and
                              at the pattern's last bar; ceil(fill * beats) beats long */
  uint8_t bars;            /* 1..TANDEM_MAX_BARS */
  uint32_t seed;           /* same seed and inputs give a byte-identical pattern */
  uint8_t beats_per_bar;   /* meter numerator 1..16; 0 takes the profile's meter */
  uint8_t beat_unit;       /* 4 or 8; ignored when beats_per_bar is 0 */
  const float* input_busy; /* per-16th busyness 0..1 of the input over one bar
                              (one value per 16th of the pattern's bar), or NULL; the
                              melody leaves space where it is high */
  bool euclidean;          /* drums: spread each voice's hits evenly over the bar
                              (euclidean rhythm, rotated to fit the profile), the
                              same in every bar (no phrase variations) */
  const int8_t* chord_degrees; /* per bar (bars values): scale degree 0..6 of the chord
                                  root at the bar line, so the kick-idiom bass's
                                  approach notes step into the next chord; NULL when
                                  unknown (approach notes then use the key's fifth
                                  degree).  Melody notes on beats 1 and 3 land on
                                  the chord heard either way (SCALE_IN_CHORD). */
  uint8_t time_feel; /* TandemTimeFeel.  HALF: the first half of each bar's kick,
                        bass, chord and melody rhythm stretched over the whole bar,
                        the drums' backbeat only on the middle beat (beat 3 in 4/4),
                        hats as they are.  DOUBLE: each bar's kick, backbeat, hat,
                        chord and melody rhythm played twice as fast, so twice the
                        backbeats (one per beat in 4/4), busier hats, the bass in
                        straight 8ths. */
  float ghost;       /* -1..1: 0 plays the profile's ghost notes; above 0 more of
                        them (0.5: about 2.5x), louder and mostly on the off 16ths;
                        -1 none */
} TandemGenParams;

typedef enum {
  TANDEM_FEEL_NORMAL = 0,
  TANDEM_FEEL_HALF = 1,
  TANDEM_FEEL_DOUBLE = 2,
} TandemTimeFeel;

/* Fills params with neutral values: complexity, density and energy 0.5, fill 0,
 * 4 bars, the profile's meter, normal time feel, the profile's ghost notes.
 * Threads: any. */
void tandem_gen_params_default(TandemGenParams* params, TandemRole role, uint32_t seed);

/* Generates a pattern.  Returns false (out untouched) for a NULL argument, a role
 * without a pattern (trigger), bars outside 1..TANDEM_MAX_BARS, or a meter
 * outside 1..16 / 4 or 8.  Never writes more than TANDEM_MAX_NOTES notes: if a
 * dense request would exceed that, the later notes are left out.  The result
 * passes tandem_pattern_valid().  Threads: worker or tools (not realtime). */
bool tandem_generate(const TandemStyle* style, const TandemGenParams* params,
                     TandemPattern* out);

/* Marks a section change on a drum pattern (the generator's or a model's): with
 * fill > 0, the end of bar fill_bar becomes a fill leading into the next section,
 * 1 beat long at small fill up to the whole bar at 1 (ceil(fill * beats) beats):
 * the end of one of the profile's fills (sty:drumFills), or for a profile without
 * fills a walk down snare and toms, with rising velocity, replacing whatever
 * played there; crash_bar gets a crash on its beat 1 in place of the hat.  A bar of -1
 * (or outside the pattern) is left alone.  Notes past TANDEM_MAX_NOTES are left
 * out.  Returns false (p untouched) for a NULL argument or a pattern that is not
 * drums.  Deterministic for a seed.  Threads: worker or tools (not realtime). */
bool tandem_gen_section_marks(TandemPattern* p, const TandemStyle* style, int fill_bar,
                              int crash_bar, float fill, uint32_t seed);

/* Rhythmic distance between two patterns: the normalised Hamming distance
 * between their sets of onsets on the 16th grid, over the bars both have:
 * |A xor B| / |A or B|, 0 (same onsets) .. 1 (none shared).  A and B are sets of
 * (bar, 16th step) pairs, so several notes at one step count once.
 * Threads: any. */
float tandem_rhythm_distance(const TandemPattern* a, const TandemPattern* b);

#endif
