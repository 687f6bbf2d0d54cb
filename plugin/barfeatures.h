/* Tandem — bar-level feature vectors: what one bar of the input sounded like.
 *
 * run() (or a tool) feeds the accumulator every onset, every beat and the
 * analysis readout; once per bar it closes the bar and gets a fixed-size POD
 * TandemBarFeatures, which is what genre and section detection work from.  A
 * bar is 4 beats, or 2 s while no beats arrive (no tempo yet).
 *
 * Positions are measured against the beat grid: each onset is placed on the
 * 16th nearest to it, after taking out an eighth-note swing (an onset two
 * thirds into a beat is a swung "and", step 2).  The bar's first beat is step 0;
 * without a host transport that is not necessarily the musical downbeat, so
 * consumers compare patterns under the 4 beat rotations.
 *
 * Threads: every function is realtime-safe (no allocation, no locks, no I/O)
 * and may be called from the audio thread; one accumulator belongs to one
 * thread at a time.
 */
#ifndef TANDEM_BARFEATURES_H
#define TANDEM_BARFEATURES_H

#include <stdbool.h>
#include <stdint.h>

#include "analysis_types.h"

#define TANDEM_BAR_STEPS      16  /* 16ths in a 4-beat bar */
#define TANDEM_BAR_CLASSES    3   /* kick, snare, hat (TandemOnsetClass 0..2) */
#define TANDEM_BAR_MAX_ONSETS 192 /* onsets kept per bar; more are counted only */
#define TANDEM_BAR_BEATS      4
#define TANDEM_BAR_FALLBACK_S 2.0 /* a "bar" while the tempo is unknown */

/* One bar.  Plain data, copied by value into worker messages. */
typedef struct {
  double start_s; /* analysis clock */
  float duration_s;
  float bpm; /* tempo estimate at the bar's end, 0 unknown */
  float tempo_confidence;
  uint8_t n_beats;    /* beats that framed the bar: 4, or 0 for a timed bar */
  uint8_t has_levels; /* 1 when analysis readouts filled the level fields below */
  uint8_t reserved[2];
  /* onset strength per class and 16th; only when n_beats == 4 */
  float steps[TANDEM_BAR_CLASSES][TANDEM_BAR_STEPS];
  float onsets_per_beat[4];       /* per TandemOnsetClass; per 0.5 s for a timed bar */
  float onsets;                   /* count, all classes */
  float strength_mean;            /* 0..1 */
  float syncopation;              /* 0..1: kick/snare strength off the beat */
  float swing8_pct;               /* where the "and" falls, 50 straight, 66.7 triplet;
                                     0 when no "and" was heard */
  float swing16_pct;              /* where the "e"/"a" fall within their eighth */
  float triplet_share;            /* 0..1: off-beat onsets on triplet positions */
  float timing_dev_ms;            /* spread (SD) of onsets' offsets from the grid */
  float flam_share;               /* share of onsets 10..40 ms after another */
  float bands_db[TANDEM_N_BANDS]; /* mean of the readouts over the bar */
  float rms_db, peak_db, crest_db, centroid_hz, flux;
} TandemBarFeatures;

typedef struct {
  double time_s;
  float strength;
  uint8_t drums; /* TANDEM_HEARD_* bits */
} TandemBarOnset;

/* The accumulator: preallocated, fixed size. */
typedef struct {
  TandemBarOnset onsets[TANDEM_BAR_MAX_ONSETS];
  uint32_t n_onsets;
  uint32_t dropped;
  double beats[TANDEM_BAR_BEATS + 1]; /* the bar's beats so far */
  uint32_t n_beats;
  double start_s; /* the bar's start (first beat or timed start) */
  bool started;
  double now_s; /* the latest time seen */
  /* readout sums */
  double band_sum[TANDEM_N_BANDS];
  double rms_sum, crest_sum, centroid_sum, flux_sum;
  float peak_max;
  uint32_t n_readouts;
  float bpm, tempo_confidence;
} TandemBarAccum;

/* Empties the accumulator.  Any thread (realtime-safe). */
void tandem_bar_accum_init(TandemBarAccum* acc);

/* Adds one onset (time on the analysis clock) holding the drums `drums`
 * (TANDEM_HEARD_* bits; none for a pitched or unclear onset).  Audio thread. */
void tandem_bar_accum_onset(TandemBarAccum* acc, double time_s, float strength,
                            uint8_t drums);

/* Adds one analysis readout (levels, bands, tempo) at time now_s.  Audio thread. */
void tandem_bar_accum_readout(TandemBarAccum* acc, double now_s, const float* bands_db,
                              float rms_db, float peak_db, float crest_db,
                              float centroid_hz, float flux, float bpm,
                              float tempo_confidence);

/* Adds a beat at time_s.  Returns true when it closed a bar, which is then
 * written to *out (the beat starts the next bar).  Audio thread. */
bool tandem_bar_accum_beat(TandemBarAccum* acc, double time_s, TandemBarFeatures* out);

/* Closes a timed bar when no beats have come for TANDEM_BAR_FALLBACK_S since the
 * bar started: call after each block.  Returns true and fills *out then.
 * Audio thread. */
bool tandem_bar_accum_poll(TandemBarAccum* acc, TandemBarFeatures* out);

/* Kick and snare syncopation of a 16-step pattern (weights per step): the
 * share of weight off the quarter-note beats.  Any thread. */
float tandem_bar_syncopation(const float* kick, const float* snare, int n_steps);

#endif
