/* Tandem — genre detection: which shipped style the input sounds most like.
 *
 * Works from bar features (barfeatures.h).  Each bar is folded into decayed
 * running sums (the smoothing), and the sums are scored against every loaded
 * style profile: tempo range (octave errors allowed at a cost), the kick,
 * snare and hat placement on the 16th grid (best of the 4 beat rotations, since
 * a bar's first beat need not be the downbeat), eighth-note swing and triplet
 * feel, kick/snare syncopation and onset density.  Costs become probabilities
 * with a softmax; the top 3 are kept.
 *
 * TandemGenreAuto turns that into the style "auto" plays, with hysteresis: it
 * adopts a confident genre after it has led for 2 bars, and switches only after
 * another has led for 4 bars and at least 8 bars after the last switch.
 *
 * Threads: all functions touch only the structs passed in; none allocates.
 * The plugin calls them from the worker thread (work()); tools from main.
 */
#ifndef TANDEM_GENRE_H
#define TANDEM_GENRE_H

#include <stdbool.h>
#include <stdint.h>

#include "barfeatures.h"
#include "style.h"

#define TANDEM_GENRE_TOP         3
#define TANDEM_GENRE_N           (TANDEM_STYLE_SHIPPED_COUNT + 1) /* index 0 unused */
#define TANDEM_GENRE_CONFIDENT   0.35f /* auto follows the genre from here on */
#define TANDEM_GENRE_ADOPT_BARS  2
#define TANDEM_GENRE_SWITCH_BARS 4
#define TANDEM_GENRE_HOLD_BARS   8

typedef struct {
  float decay; /* weight kept per bar: 0.8 follows within ~5 bars; 1 never forgets */
  /* decayed sums over bars that had a beat grid */
  double weight;
  double steps[TANDEM_BAR_CLASSES][TANDEM_BAR_STEPS];
  double onsets_per_bar, syncopation, triplet_share;
  double swing8, swing8_weight;
  double bpm, bpm_weight;
  uint32_t bars; /* bars seen */
  /* the latest result */
  float probability[TANDEM_GENRE_N]; /* per style index; 0 for unloaded */
  int top[TANDEM_GENRE_TOP];         /* style indices, best first; 0 = none */
  float top_probability[TANDEM_GENRE_TOP];
} TandemGenre;

typedef struct {
  int current; /* 0 until a genre is adopted */
  int leader;  /* who led the latest bars */
  uint32_t leader_bars;
  uint32_t bars_since_switch;
  uint32_t switches;
} TandemGenreAuto;

/* What a style profile implies for the bar features (its expectations). */
typedef struct {
  float steps[TANDEM_BAR_CLASSES][TANDEM_BAR_STEPS]; /* folded onto 4 beats of 16ths */
  float swing8_pct;                                  /* expected position of the "and" */
  float triplet;     /* 1 for a triplet (shuffle/swing) feel */
  float syncopation; /* tandem_bar_syncopation of the steps */
  float onsets_per_bar;
} TandemGenreTemplate;

/* Starts empty; decay in (0, 1].  Any thread. */
void tandem_genre_init(TandemGenre* g, float decay);

/* Folds one bar in and rescores against set.  Returns true when the result
 * changed (top or confidence).  Timed bars (no beats) only add tempo.  Any
 * thread (worker in the plugin). */
bool tandem_genre_update(TandemGenre* g, const TandemStyleSet* set,
                         const TandemBarFeatures* bar);

/* The smoothed measurements so far, in template units, and the smoothed tempo.
 * Any thread. */
void tandem_genre_measured(const TandemGenre* g, TandemGenreTemplate* m, float* bpm);

/* The top style index (0 none) and its probability.  Any thread. */
int tandem_genre_best(const TandemGenre* g, float* confidence);

/* Builds a style's expectations.  Any thread. */
void tandem_genre_template(const TandemStyle* s, TandemGenreTemplate* out);

/* Scores measured features (in the same units as a template) against each
 * loaded style: fills probability[TANDEM_GENRE_N].  Any thread. */
void tandem_genre_score(const TandemStyleSet* set, const TandemGenreTemplate* measured,
                        float bpm, float probability[TANDEM_GENRE_N]);

/* The style index among set nearest to s by tandem_style_similarity (0 if none
 * loaded); *similarity receives it.  Any thread. */
int tandem_genre_nearest_style(const TandemStyleSet* set, const TandemStyle* s,
                               float* similarity);

void tandem_genre_auto_init(TandemGenreAuto* a);

/* Advances the auto choice by one bar from g.  Returns the style "auto" plays
 * now, or 0 when no genre has been adopted yet (then fall back to the tempo
 * choice).  Any thread. */
int tandem_genre_auto_update(TandemGenreAuto* a, const TandemGenre* g);

#endif
