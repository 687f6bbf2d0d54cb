/* Tandem — which drums an onset holds.  See drums.h. */
#include "drums.h"

#include <math.h>
#include <string.h>

#include "drum_model.h"

_Static_assert(sizeof(tandem_drum_weights[0]) / sizeof(float) == TANDEM_DRUM_FEATURES + 1,
               "drum_model.h was fitted for another feature layout");

/* The class bands of the onset detector (120, 300, 750, 1500, 3000, 6000 Hz) are
 * among these edges, so its coarse classes are sums of these bands. */
const double tandem_drum_band_edges_hz[TANDEM_DRUM_BANDS - 1] = {
    60.0,   120.0,  200.0,  300.0,  500.0,  750.0,  1100.0,
    1500.0, 2200.0, 3000.0, 4300.0, 6000.0, 9000.0, 12500.0};

/* Onsets in the running means: the first ones are averaged equally, then each
 * new one weighs 1/MEAN_ONSETS (about two bars of a busy groove). */
#define MEAN_ONSETS 32u
/* A band's rise is compared with the power before it plus this share of the
 * whole rise, so that a band that was silent reads as new, not infinite. */
#define BEFORE_FLOOR 1e-4f

void tandem_drums_reset(TandemDrums* d)
{
  memset(d, 0, sizeof(*d));
}

void tandem_drums_features(TandemDrums* d, const float rise[TANDEM_DRUM_BANDS],
                           const float before[TANDEM_DRUM_BANDS], float* feat)
{
  float total = 0.0f;
  for (int b = 0; b < TANDEM_DRUM_BANDS; ++b) {
    total += rise[b];
  }
  const float floor = BEFORE_FLOOR * total + 1e-20f;
  for (int b = 0; b < TANDEM_DRUM_BANDS; ++b) {
    feat[b] = log10f(1.0f + rise[b] / (before[b] + floor));
    feat[TANDEM_DRUM_BANDS + b] = total > 0.0f ? rise[b] / total : 0.0f;
  }
  if (d->seen < MEAN_ONSETS) {
    d->seen++;
  }
  const float w = 1.0f / (float)d->seen;
  for (int i = 0; i < 2 * TANDEM_DRUM_BANDS; ++i) {
    d->mean[i] += w * (feat[i] - d->mean[i]);
    feat[2 * TANDEM_DRUM_BANDS + i] = d->mean[i];
  }
}

void tandem_drums_probabilities(const float* feat, float prob[3])
{
  for (int k = 0; k < 3; ++k) {
    const float* w = tandem_drum_weights[k];
    float z = w[TANDEM_DRUM_FEATURES];
    for (int i = 0; i < TANDEM_DRUM_FEATURES; ++i) {
      z += w[i] * feat[i];
    }
    z = z > 30.0f ? 30.0f : (z < -30.0f ? -30.0f : z);
    prob[k] = 1.0f / (1.0f + expf(-z));
  }
}

uint8_t tandem_drums_mask(const float prob[3])
{
  uint8_t mask = 0;
  for (int k = 0; k < 3; ++k) {
    if (prob[k] >= tandem_drum_thresholds[k]) {
      mask |= (uint8_t)(1u << k);
    }
  }
  return mask;
}
