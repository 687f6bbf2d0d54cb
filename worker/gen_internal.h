/* Tandem — what the generator's role modules share (gen_*.c).  Not a public API.
 *
 * Threads: as generator.h (non-realtime, no shared state).
 */
#ifndef TANDEM_GEN_INTERNAL_H
#define TANDEM_GEN_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "generator.h"
#include "rng.h"

#define GEN_MAX_STEPS   TANDEM_STYLE_MAX_STEPS
#define GEN_STEP_TICKS  (TANDEM_PPQ / 4) /* one 16th */
#define GEN_PHRASE_BARS 4

/* Independent random streams, so that e.g. the bass can replay the drums' kick. */
typedef enum {
  GEN_STREAM_DRUM_BASE = 1,
  GEN_STREAM_DRUM_VARY,
  GEN_STREAM_GHOST,
  GEN_STREAM_FILL,
  GEN_STREAM_VELOCITY,
  GEN_STREAM_BASS,
  GEN_STREAM_CHORDS,
  GEN_STREAM_MELODY,
  GEN_STREAM_FLAVOUR,
} GenStream;

typedef struct {
  const TandemStyle* style;
  const TandemGenParams* params;
  TandemPattern* out;
  int n_steps;   /* 16ths per bar in the pattern's meter */
  int step_unit; /* 2 when the style swings eighths: only even steps are used */
  uint32_t bar_ticks;
  float density_scale;  /* multiplies the profile's notes per bar */
  float variation;      /* chance that a bar re-draws its rhythm */
  float offbeat_boost;  /* multiplies weights of 16ths off the quarter-note grid */
  float ghost_fraction; /* ghosts per main note: g / (1 - g) */
  float flavour_sigma;  /* spread (in octaves) of the per-seed weight jitter */
  uint8_t time_feel;    /* TandemTimeFeel */
  float ghost_boost;    /* params' ghost, clamped to -1..1 */
} GenCtx;

/* Seeds rng for one purpose and bar of this call. */
void tandem_gen_rng(const GenCtx* ctx, TandemRng* rng, GenStream stream, int bar);

/* Which step weights: the drum voices (TandemDrumVoice), then the other roles. */
typedef enum {
  GEN_LAYER_BASS = TANDEM_DRUM_VOICES,
  GEN_LAYER_CHORDS,
  GEN_LAYER_MELODY,
} GenLayer;

/* The profile's weight for step i of a bar of the pattern's meter: wraps the
 * profile's bar, zeroes 16ths a swung-eighth style does not use, applies the
 * off-beat boost, and gives this seed its own reading of the optional steps. */
float tandem_gen_weight(const GenCtx* ctx, const float* steps, int layer, int i);

/* Inclusion probabilities p_i = min(1, k * w_i) with k chosen so that they sum
 * to target (or as near as the nonzero weights allow).  Returns the sum. */
float tandem_gen_inclusion(const float* w, int n, float target, float* p);

/* Draws a set of steps with exactly the inclusion probabilities p (systematic
 * sampling in a random order), so the count is the sum of p rounded up or down.
 * The repeated groove is a two-bar cycle: `half_turn` set shifts the sampling
 * start by half a unit, so the cycle's second bar rounds the count the other
 * way when the first rounded down, and a pattern keeps the profile's density
 * rather than the luck of one draw.  Writes hit[0..n) and returns the count. */
int tandem_gen_pick(TandemRng* rng, const float* p, int n, bool half_turn, bool* hit);

/* Number of ghost notes to go with main_count main notes: exact in expectation. */
int tandem_gen_ghost_count(const GenCtx* ctx, TandemRng* rng, int main_count);

/* Draws `count` distinct steps among those with weight > 0, weighted. */
void tandem_gen_pick_count(TandemRng* rng, const float* w, int n, int count, bool* hit);

/* Appends a note (straight ticks); silently dropped when the pattern is full. */
void tandem_gen_add(const GenCtx* ctx, uint32_t tick, uint32_t length, uint8_t kind,
                    uint8_t pitch, int8_t degree, int8_t octave, uint8_t shape_velocity,
                    uint8_t flags);

/* Length of a note at step `step` of bar `bar` held for `sustain` of the gap to
 * the next onset in onset[] (a per-step bitmap of the whole pattern, wrapping). */
uint32_t tandem_gen_hold(const GenCtx* ctx, const bool* onsets, int bar, int step,
                         float sustain);

/* Moves one bar's onsets (a per-step bitmap) to the time feel: half time
 * stretches the bar's first half over the whole bar, double time plays the bar
 * twice in the space of one (steps a swung-eighth style does not use are
 * dropped).  Normal time leaves hit alone.  Returns the number of onsets. */
int tandem_gen_feel_steps(const GenCtx* ctx, bool* hit);

/* Form (gen_form.c).  The bar whose material bar `bar` restates: in patterns
 * of 12 bars or more the third 4-bar block restates the first (A A' A B). */
int tandem_gen_form_source(const GenCtx* ctx, int bar);

/* Whether bar `bar` (after tandem_gen_form_source) departs from the main bar:
 * never bar 0; always the last bar of A' and of B; otherwise with the chance
 * ctx->variation (1.5x in B), from a fixed draw per bar so that a bar that
 * varies at some complexity varies at every higher one. */
bool tandem_gen_form_varies(const GenCtx* ctx, GenStream stream, int bar);

/* Picks about `target` steps (rounded up or down by an offset drawn per pair of
 * bars, the pair's second bar rounding the other way) among those with weight
 * w > 0, likelier the heavier, from one fixed draw per step (stream, key): the
 * steps picked at some target are a subset of those picked at any higher one,
 * so raising density only adds notes.  Returns the count. */
int tandem_gen_pick_nested(const GenCtx* ctx, GenStream stream, int key, const float* w,
                           int n, float target, int bar, bool* hit);

/* tandem_gen_weight for the pitched roles: the profile's weights with a fixed
 * per-seed flavour and no off-beat boost, so that complexity acts through
 * variation and anticipation instead of reshuffling the steps. */
float tandem_gen_pitched_weight(const GenCtx* ctx, const float* steps, int layer, int i);

/* Pushes notes on beats 2, 3, ... an eighth early (not the downbeat, nor a step
 * of weight w 1 or more), each from a fixed draw with the chance 0.6 *
 * complexity * the profile's syncopation, so that syncopation rises with
 * complexity.  Returns how many moved. */
int tandem_gen_anticipate(const GenCtx* ctx, GenStream stream, int key, const float* w,
                          bool* hit);

/* Whether bar ends A' or B (patterns of 8 bars or more): it always varies. */
bool tandem_gen_form_phrase_end(const GenCtx* ctx, int bar);

/* A varied bar: the main bar's lightest note after the downbeat (never a step
 * of weight 1 or more) moves off the beat, to a free step drawn by the weights
 * w (a fixed draw per key); with nothing to move and `add`, the off-beat note
 * is added.  Returns the number of notes added (0 or 1). */
int tandem_gen_vary_bar(const GenCtx* ctx, GenStream stream, int key, const float* w,
                        bool add, bool* hit);

/* The role modules.  Each appends its notes to ctx->out. */
void tandem_gen_drums(const GenCtx* ctx);
void tandem_gen_bass(const GenCtx* ctx);
void tandem_gen_chords(const GenCtx* ctx);
void tandem_gen_melody(const GenCtx* ctx);

/* Drum hits of one bar before fills, rolls and idioms: the groove at this bar's
 * place in its phrase (A A' A B), what the drums role plays and the bass locks to. */
typedef struct {
  bool hit[TANDEM_DRUM_VOICES][GEN_MAX_STEPS];
  bool ghost[GEN_MAX_STEPS];
  bool open[GEN_MAX_STEPS]; /* this hat opened (a variation) */
} GenDrumBar;

void tandem_gen_drum_bar(const GenCtx* ctx, int bar, GenDrumBar* out);

#endif
