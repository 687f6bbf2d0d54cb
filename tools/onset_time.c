/* Tandem tools — onset times refined offline.  See onset_time.h. */
#include "onset_time.h"

#include <math.h>
#include <stdlib.h>

#define WINDOW_MS    1.0  /* envelope window */
#define HOP_MS       0.25 /* envelope step */
#define LOOK_BACK_MS 30.0 /* how far back a stroke may have started */
#define MIN_SHIFT_MS 5.0  /* closer than this, the detector's time stands */
/* A stroke's first millisecond is at least this much louder than the one
 * before it (treble envelopes of ringing cymbals flicker by 2-5 dB). */
#define RISE_DB 9.0

long tool_refine_onsets(const float* mono, size_t frames, double rate_hz,
                        TandemBarOnset* onsets, size_t n_onsets)
{
  const size_t win = (size_t)lround(rate_hz * WINDOW_MS * 1e-3);
  const size_t hop = (size_t)lround(rate_hz * HOP_MS * 1e-3);
  if (n_onsets == 0 || win == 0 || hop == 0 || frames < win + 2) {
    return 0;
  }
  const size_t n_env = (frames - win) / hop + 1;
  /* Running sums of the squared second difference, then the envelope in dB. */
  double* sum = malloc(sizeof(double) * (frames + 1));
  float* env_db = malloc(sizeof(float) * n_env);
  if (!sum || !env_db) {
    free(sum);
    free(env_db);
    return -1;
  }
  sum[0] = 0.0;
  for (size_t i = 0; i < frames; ++i) {
    const double x0 = mono[i];
    const double x1 = i >= 1 ? mono[i - 1] : 0.0;
    const double x2 = i >= 2 ? mono[i - 2] : 0.0;
    const double d2 = x0 - 2.0 * x1 + x2;
    sum[i + 1] = sum[i] + d2 * d2;
  }
  for (size_t j = 0; j < n_env; ++j) {
    const double mean = (sum[j * hop + win] - sum[j * hop]) / (double)win;
    env_db[j] = (float)(10.0 * log10(mean + 1e-12));
  }
  free(sum);

  const size_t back = (size_t)lround(LOOK_BACK_MS / HOP_MS);
  const size_t step = win / hop; /* the window right after a window */
  long moved = 0;
  double previous_s = -1.0;
  for (size_t k = 0; k < n_onsets; ++k) {
    const double t = onsets[k].time_s;
    /* Never back past the onset before: that stroke has its own attack. */
    const double earliest_s =
        fmax(t - LOOK_BACK_MS * 1e-3, previous_s + MIN_SHIFT_MS * 1e-3);
    previous_s = t;
    if (!(t > 0.0) || earliest_s >= t) {
      continue;
    }
    size_t at = (size_t)lround(t * rate_hz / (double)hop);
    if (at + step >= n_env) {
      continue;
    }
    size_t from = (size_t)fmax(0.0, ceil(earliest_s * rate_hz / (double)hop));
    if (at > from + back) {
      from = at - back;
    }
    /* The quiet window followed by the steepest rise: where the stroke began. */
    size_t quiet = at;
    float best_rise = 0.0f;
    for (size_t j = from; j <= at; ++j) {
      const float rise = env_db[j + step] - env_db[j];
      if (rise > best_rise) {
        best_rise = rise;
        quiet = j;
      }
    }
    const double start_s = (double)(quiet * hop + win) / rate_hz;
    if (best_rise >= RISE_DB && t - start_s > MIN_SHIFT_MS * 1e-3) {
      onsets[k].time_s = start_s;
      moved++;
    }
  }
  free(env_db);
  return moved;
}
