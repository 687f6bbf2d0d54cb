/* Tandem — genre detection: which shipped style the input sounds most like.
 *
 * Works from bar features (barfeatures.h).  Each bar is folded into decayed
 * running sums (the smoothing), and the sums are scored against every loaded
 * style profile: tempo range (octave errors allowed at a cost), the kick,
 * snare and hat placement on the 16th grid (best of the 4 beat rotations, since
 * a bar's first beat need not be the downbeat), eighth-note swing and triplet
 * feel, kick/snare syncopation and onset density.  Those comparison terms,
 * weighted, plus a per-style linear score of style-independent measurements
 * (onsets per beat per drum class, band-energy balance, crest, centroid,
 * measured swing, syncopation, timing spread, where in the beat each class
 * and all classes together fall, kick on every beat, snare on alternate beats)
 * give each style a score; a
 * softmax makes them probabilities and the top 3 are kept.  The weights are a
 * multinomial logistic regression (worker/genre_model.h) fitted by
 * tools/genre-train.py --unseen on the train split of tests/bench/unseen (music
 * other people wrote) plus each profile's own template bars, its penalty and
 * temperature chosen on the dev split; tandem_genre_score keeps the hand-set costs alone, for
 * callers that have only a template (groove capture).
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

/* Comparison terms between the measurements and one style (costs, >= 0). */
enum {
  TANDEM_GENRE_T_KICK,         /* 1 - cosine of the kick placements */
  TANDEM_GENRE_T_SNARE,        /* the same for snares */
  TANDEM_GENRE_T_HAT,          /* and hats */
  TANDEM_GENRE_T_ALL,          /* all classes together */
  TANDEM_GENRE_T_OFFBEAT,      /* 1 when the best alignment is off by an eighth */
  TANDEM_GENRE_T_TEMPO,        /* distance from the style's tempo range (octaves cost) */
  TANDEM_GENRE_T_TRIPLET,      /* squared difference of the triplet feel */
  TANDEM_GENRE_T_SYNC,         /* squared difference of syncopation, capped */
  TANDEM_GENRE_T_DENSITY,      /* squared log2 ratio of onsets per bar, capped */
  TANDEM_GENRE_T_SWING,        /* squared difference of the eighth swing, capped */
  TANDEM_GENRE_T_TEMPO_DIRECT, /* octaves outside the tempo range as read, max 1 */
  TANDEM_GENRE_TERMS
};

/* Style-independent measurements (raw units; the model standardises them). */
enum {
  TANDEM_GENRE_G_KICK_PER_BEAT, /* log2(1 + onsets per beat), per class */
  TANDEM_GENRE_G_SNARE_PER_BEAT,
  TANDEM_GENRE_G_HAT_PER_BEAT,
  TANDEM_GENRE_G_BAND0, /* band level minus the mean of the 7 bands, dB */
  TANDEM_GENRE_G_BAND6 = TANDEM_GENRE_G_BAND0 + TANDEM_N_BANDS - 1,
  TANDEM_GENRE_G_CREST,    /* dB */
  TANDEM_GENRE_G_CENTROID, /* log2 Hz */
  TANDEM_GENRE_G_SWING8,   /* % (50 when no "and" was heard) */
  TANDEM_GENRE_G_TRIPLET,  /* 0..1 */
  TANDEM_GENRE_G_SYNC,     /* 0..1 */
  TANDEM_GENRE_G_TIMING,   /* timing spread, ms */
  TANDEM_GENRE_G_FLAM,     /* 0..1 */
  TANDEM_GENRE_G_SWING16,  /* % (50 when none heard) */
  TANDEM_GENRE_G_TEMPO,    /* log2(bpm / 120) */
  TANDEM_GENRE_G_TEMPO_SQ, /* its square: lets a style prefer a tempo band */
  /* The tempo folded into one octave, as a point on a circle (cos, sin, and at
   * twice the angle): the same for a tempo read double or half, so a style can
   * prefer its tempo whatever octave the tracker locked to. */
  TANDEM_GENRE_G_TEMPO_COS,
  TANDEM_GENRE_G_TEMPO_SIN,
  TANDEM_GENRE_G_TEMPO_COS2,
  TANDEM_GENRE_G_TEMPO_SIN2,
  /* Share of each class's placement weight on the 4 16ths of a beat (beat,
   * "e", "and", "a"): the same whichever beat the bar starts on. */
  TANDEM_GENRE_G_KICK_POS0,
  TANDEM_GENRE_G_HAT_POS3 = TANDEM_GENRE_G_KICK_POS0 + 4 * TANDEM_BAR_CLASSES - 1,
  /* How alike each class's placement is one beat and half a bar later
   * (circular correlation 0..1): 1 for four-on-the-floor. */
  TANDEM_GENRE_G_KICK_LAG_BEAT,
  TANDEM_GENRE_G_KICK_LAG_HALF = TANDEM_GENRE_G_KICK_LAG_BEAT + TANDEM_BAR_CLASSES,
  TANDEM_GENRE_G_HAT_LAG_HALF = TANDEM_GENRE_G_KICK_LAG_HALF + TANDEM_BAR_CLASSES - 1,
  /* log2(1 + onsets per second), per class: unlike per beat, the same whether
   * the tracker reads the tempo right, double or half. */
  TANDEM_GENRE_G_KICK_PER_S,
  TANDEM_GENRE_G_HAT_PER_S = TANDEM_GENRE_G_KICK_PER_S + TANDEM_BAR_CLASSES - 1,
  /* The same placement measures over all classes together: they hold when the
   * onset classifier mistakes one drum for another on an unfamiliar kit. */
  TANDEM_GENRE_G_ALL_POS0, /* share of all placement weight on each 16th of a beat */
  TANDEM_GENRE_G_ALL_POS3 = TANDEM_GENRE_G_ALL_POS0 + 3,
  TANDEM_GENRE_G_ALL_LAG_BEAT, /* circular correlation 0..1, as per class */
  TANDEM_GENRE_G_ALL_LAG_HALF,
  TANDEM_GENRE_G_ALL_PER_S, /* log2(1 + onsets per second), all classes */
  /* Kick on every beat: the weakest of the 4 beats' kicks over the strongest
   * (1 for four-on-the-floor, 0 for a broken kick). */
  TANDEM_GENRE_G_KICK_FOUR,
  /* Snare on alternate beats: |beats 1+3 - beats 2+4| / all four (1 for a
   * backbeat or a lone snare on 3, 0 for a snare on every beat or none). */
  TANDEM_GENRE_G_SNARE_ALT,
  /* Of the stronger pair of alternate beats, the weaker over the stronger
   * snare: 1 for a backbeat on 2 and 4, 0 for a half-time snare on 3 alone. */
  TANDEM_GENRE_G_SNARE_PAIR,
  TANDEM_GENRE_GLOBALS
};

/* The classifier's inputs: terms per style (row 0 unused) and the globals.
 * globals_known[j] is 0 when nothing measured global j yet (e.g. bars without
 * level readouts); the model then uses its training mean. */
typedef struct {
  float terms[TANDEM_GENRE_N][TANDEM_GENRE_TERMS];
  float globals[TANDEM_GENRE_GLOBALS];
  uint8_t globals_known[TANDEM_GENRE_GLOBALS];
} TandemGenreInputs;

typedef struct {
  float decay; /* weight kept per bar: 0.8 follows within ~5 bars; 1 never forgets */
  /* decayed sums over bars that had a beat grid */
  double weight;
  double steps[TANDEM_BAR_CLASSES][TANDEM_BAR_STEPS];
  double onsets_per_bar, syncopation, triplet_share;
  double swing8, swing8_weight;
  double swing16, swing16_weight;
  double per_beat[TANDEM_BAR_CLASSES];
  double timing_ms, flam_share;
  /* decayed sums over bars with level readouts */
  double level_weight;
  double band_balance[TANDEM_N_BANDS];
  double crest_db, centroid_log2;
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

/* The classifier's inputs from the sums so far.  Any thread. */
void tandem_genre_inputs(const TandemGenre* g, const TandemStyleSet* set,
                         TandemGenreInputs* out);

/* Scores inputs with the trained model: fills probability[TANDEM_GENRE_N]
 * (0 for unloaded styles; the rest sum to 1).  Any thread. */
void tandem_genre_classify(const TandemStyleSet* set, const TandemGenreInputs* in,
                           float probability[TANDEM_GENRE_N]);

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
