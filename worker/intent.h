/* Tandem — the local plain-language parser: common modifiers straight to
 * parameter changes, no model needed.
 *
 * Understood (case-insensitive, with "more"/"less"/"a bit"/"much"/"no" in
 * front where they make sense): harder, softer, darker, brighter, busier,
 * more complex, simpler, groovier, more swing, straighter, ghost notes,
 * half-time, double-time, normal time, fill, sparser, denser.  Filler words ("make",
 * "the", "bassline", "please", ...) are skipped; any other word makes the text "not fully
 * understood", which is when a model is needed.
 *
 * Threads: any (no allocation, no shared state).
 */
#ifndef TANDEM_INTENT_H
#define TANDEM_INTENT_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
  /* Changes to the 0..1 controls, to add and clamp. */
  float energy;
  float complexity;
  float density;
  float fill;
  float swing_pct;       /* points added to the swing percentage */
  float ghost;           /* -1..1: fewer/more ghost notes */
  int octave;            /* darker -1, brighter +1 */
  float tempo_factor;    /* 1 (no change); 0.5 half-time; 2 double-time */
  bool normal_time;      /* back to normal time ("normal time", "no half-time", or
                            "straighter" with no time change in the same text) */
  bool straight;         /* swing back to 50 % */
  uint32_t n_matched;    /* modifiers recognised */
  bool fully_understood; /* every word was a modifier or a filler word */
  char unknown_word[32]; /* the first word not understood, "" if none */
} TandemIntent;

/* Parses text.  Returns true if at least one modifier was recognised. */
bool tandem_intent_parse(const char* text, TandemIntent* out);

/* The feel that requests leave behind for the built-in generator, beyond the
 * controls: the time feel and the ghost-note amount.  Kept by the worker and
 * applied to every pattern it makes until a request changes it. */
typedef struct {
  float tempo_factor; /* 1 normal, 0.5 half-time, 2 double-time */
  float ghost;        /* -1..1, added up over requests */
} TandemFeel;

/* Normal time, the profile's ghost notes.  Threads: any. */
void tandem_feel_init(TandemFeel* feel);

/* Applies a parsed request: the latest time change wins ("half-time" then
 * "double-time" is double-time; "normal time" undoes either), ghost changes add
 * up within -1..1.  Returns true if the feel changed.  Threads: any. */
bool tandem_feel_update(TandemFeel* feel, const TandemIntent* intent);

#endif
