/* Tandem — the progression learner: the harmonic plan that bass and chords share.
 *
 * A chord heard on a beat is only known when that beat ends (harmony.h closes a
 * segment per beat), so a part that resolves against the last chord heard plays
 * every change late.  The learner records the chord heard on each beat of each bar
 * (root and quality as heard), finds the length of the loop the progression
 * repeats in (1, 2, 4 or 8 bars, any meter), and predicts the chord of each coming
 * beat from the same bar of earlier cycles (all its beats vote, that beat the
 * most), so that a change is played from its first beat.  In the first cycle the
 * shortest length not yet contradicted is taken as a guess.
 *
 * The plan for a beat, chosen when the previous beat ends:
 *  - the predicted chord, while a loop length fits the recent bars;
 *  - else, or for the rest of a bar in which the song broke the pattern (a chord
 *    sharing fewer than two tones with the prediction, not heard on that beat in
 *    earlier cycles; the chord of the beat before counts only when heard twice),
 *    the last chord heard with confidence (so a break is re-voiced on the beat
 *    after the one it was first heard on);
 *  - none (tandem_progression_chord() returns false) until a chord is heard.
 * A beat without a confident chord (drums alone, noise, silence) changes nothing:
 * the plan keeps the last confident chord and never makes up a quality.
 *
 * Plain data: no allocation, bounded loops.  Threads: all functions — audio thread
 * (realtime-safe); tandem_progression_init also from instantiate.
 */
#ifndef TANDEM_PROGRESSION_H
#define TANDEM_PROGRESSION_H

#include <stdbool.h>
#include <stdint.h>

#define TANDEM_PROGRESSION_BARS     32 /* bars of history: 4 cycles of the longest loop */
#define TANDEM_PROGRESSION_BEATS    12 /* beats per bar recorded; later beats are not */
#define TANDEM_PROGRESSION_MAX_LOOP 8

/* One beat of history.  heard is 0 for a beat without a confident chord. */
typedef struct {
  uint8_t heard;
  uint8_t root;    /* pitch class 0..11 */
  uint8_t quality; /* TandemChordQuality */
} TandemProgressionBeat;

typedef struct {
  TandemProgressionBeat history[TANDEM_PROGRESSION_BARS][TANDEM_PROGRESSION_BEATS];
  int64_t bars_seen; /* bars begun since the history was cleared; row = (n - 1) % BARS */
  int beats_per_bar; /* of the bars in the history; 0 before the first beat */
  int64_t last_bar;  /* the host's or clock's bar and beat of the last beat ended */
  int last_beat;
  int loop_bars; /* the loop length the plan predicts with; 0: none fits */

  /* The plan. */
  bool has_plan;
  uint8_t plan_root, plan_quality;
  bool plan_predicted; /* the plan came from the loop, not from the last chord */
  bool broken;         /* this bar broke the pattern: follow what is heard */
  bool has_held_over;  /* the chord planned for the previous beat */
  uint8_t held_over_root;
  bool has_doubt; /* a break was heard once, on a chord held over */
  uint8_t doubt_root;
  bool has_confident; /* the last chord heard with confidence */
  uint8_t confident_root, confident_quality;
} TandemProgression;

/* Forgets everything: no history, no plan.  Audio thread (and instantiate). */
void tandem_progression_init(TandemProgression* p);

/* A beat has just ended: the beat `beat` (0-based) of bar `bar` (the clock's or the
 * host's numbering) in a bar of beats_per_bar beats.  has_chord/root/quality is
 * the chord heard on it.  Records it, re-fits the loop length and sets the plan for
 * the beat that starts now.  A change of meter clears the history; a jump of the
 * bar numbering (host loop, relocation) starts a new bar in it.  Audio thread. */
void tandem_progression_beat(TandemProgression* p, int64_t bar, int beat,
                             int beats_per_bar, bool has_chord, uint8_t root,
                             uint8_t quality);

/* The chord planned for the beat playing now.  Returns false (and leaves the
 * outputs untouched) until a chord has been heard.  Audio thread. */
bool tandem_progression_chord(const TandemProgression* p, uint8_t* root,
                              uint8_t* quality);

/* The chord predicted for beat 1 of the bar after the one playing now: from the
 * loop when one fits and an earlier cycle heard a chord there, else the last chord
 * heard with confidence (what the plan would keep).  Returns false (outputs
 * untouched) until a chord has been heard.  For the window.  Audio thread. */
bool tandem_progression_next_bar_chord(const TandemProgression* p, uint8_t* root,
                                       uint8_t* quality);

/* The loop length the plan predicts with, in bars (0: none fits).  Audio thread. */
int tandem_progression_loop_bars(const TandemProgression* p);

#endif
