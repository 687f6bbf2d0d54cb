/* Tandem — level meter: RMS, peak with hold and release, crest factor, in dBFS.
 *
 * The meter figures follow the signal (RMS over about 300 ms, peak held 500 ms
 * then falling at 20 dB/s); the totals cover everything since the last reset
 * (for whole-file analysis).  Every dB figure floors at -120, never -inf/NaN.
 * The struct is plain data so that the aggregator can embed it (no allocation).
 *
 * Threads: all functions are realtime-safe; call them from the audio thread.
 */
#ifndef TANDEM_DYNAMICS_H
#define TANDEM_DYNAMICS_H

#include <stdint.h>

#define TANDEM_DB_FLOOR (-120.0f)

typedef struct {
  /* set up by init */
  double rms_coef; /* one-pole coefficient of the mean-square integrator */
  uint32_t hold_frames;
  double release_per_frame; /* linear factor applied per frame once the hold ends */
  /* meter state */
  double mean_square;
  double peak;
  uint32_t hold_left;
  /* totals */
  double sum_square;
  double max_abs;
  uint64_t frames;
} TandemDynamics;

typedef struct {
  float rms_db;
  float peak_db;
  float crest_db; /* peak_db - rms_db, 0 in silence */
} TandemLevels;

/* Sets the time constants for the sample rate and resets. */
void tandem_dynamics_init(TandemDynamics* d, double sample_rate);
void tandem_dynamics_reset(TandemDynamics* d);
/* Resets the meter only, keeping the totals (after bad input). */
void tandem_dynamics_reset_meter(TandemDynamics* d);
/* Samples must be finite. */
void tandem_dynamics_process(TandemDynamics* d, const float* in, uint32_t n);
/* The meter now. */
void tandem_dynamics_get(const TandemDynamics* d, TandemLevels* out);
/* Over everything since reset: true RMS, highest absolute sample, their ratio. */
void tandem_dynamics_totals(const TandemDynamics* d, TandemLevels* out);

/* 10*log10(power) floored at TANDEM_DB_FLOOR; any input (0, NaN) is safe. */
float tandem_power_db(double power);

#endif
