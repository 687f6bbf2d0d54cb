/* Tandem — which drums an onset holds: kick, snare (clap, rim) and hi-hat or
 * cymbal, several at once (a kick under a clap is a kick and a snare).
 *
 * The onset detector measures, for the hops around each onset, how much power
 * rose in TANDEM_DRUM_BANDS bands, how much was already there, and how loud each
 * band got in the look time after the onset (onset.c: a kick's body sounds only
 * after the attack of a hat struck with it).  From these come the features: how
 * new the energy is in each band (log of rise, or of the later level, over the
 * level before), how the rise spreads over the bands, and the running means of
 * both over the track's recent onsets, so that the model reads each onset
 * against the kit it is hearing: a kit's own colour (a dark snare, a bright
 * kick) is learned within a few bars.  A small network (one hidden layer of
 * TANDEM_DRUM_HIDDEN units, an output per drum), fitted by tools/fit-drums.py
 * on the training split of the unseen-music corpus (tests/bench/unseen), gives
 * a probability for each drum; a drum is heard when
 * its probability passes its threshold, chosen on the development split, or,
 * for the drums where that was better there, when it is the onset's coarse
 * class (onset.c).
 *
 * Threads: audio thread for all functions (no allocation, no locks).
 */
#ifndef TANDEM_DRUMS_H
#define TANDEM_DRUMS_H

#include <stdbool.h>
#include <stdint.h>

#include "analysis_types.h" /* TANDEM_HEARD_* */

#define TANDEM_DRUM_BANDS 15
/* time-domain bands (low, mid, treble: onset.c), whose peaks after the onset
 * are compared with those before it */
#define TANDEM_DRUM_ENV_BANDS 3
/* newness and spread per spectral and time-domain band, and the newness of
 * each spectral band's loudest power in the look time after the onset ... */
#define TANDEM_DRUM_OWN_FEATURES                                                         \
  (2 * (TANDEM_DRUM_BANDS + TANDEM_DRUM_ENV_BANDS) + TANDEM_DRUM_BANDS)
/* ... and their running means */
#define TANDEM_DRUM_FEATURES (2 * TANDEM_DRUM_OWN_FEATURES)

/* Upper edges of the bands but the last, in Hz; the first band starts above
 * DC, the last ends where the onset detector stops (16 kHz). */
extern const double tandem_drum_band_edges_hz[TANDEM_DRUM_BANDS - 1];

typedef struct {
  float mean[TANDEM_DRUM_OWN_FEATURES]; /* running means of the onsets' features */
  uint32_t seen;                        /* onsets folded into the means (saturates) */
} TandemDrums;

void tandem_drums_reset(TandemDrums* d);

/* The features of one onset from the power rise, the power before it and the
 * loudest power in the look time after it per spectral band, and the peak after
 * and before the onset per time-domain band (all >= 0); folds the onset into the
 * running means.  feat has TANDEM_DRUM_FEATURES values. */
void tandem_drums_features(TandemDrums* d, const float rise[TANDEM_DRUM_BANDS],
                           const float before[TANDEM_DRUM_BANDS],
                           const float late[TANDEM_DRUM_BANDS],
                           const float env_after[TANDEM_DRUM_ENV_BANDS],
                           const float env_before[TANDEM_DRUM_ENV_BANDS], float* feat);

/* Probability of kick, snare and hat (index = bit position) for the features. */
void tandem_drums_probabilities(const float* feat, float prob[3]);

/* The drums heard: those whose probability passes its threshold, and the
 * coarse class `cls` (TandemOnsetClass) where the model counts it too. */
uint8_t tandem_drums_mask(const float prob[3], uint8_t cls);

#endif
