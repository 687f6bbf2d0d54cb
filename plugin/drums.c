/* Tandem — which drums an onset holds.  See drums.h. */
#include "drums.h"

#include <math.h>
#include <string.h>

#include "drum_model.h"

_Static_assert(sizeof(tandem_drum_w1[0]) / sizeof(float) == TANDEM_DRUM_FEATURES,
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
 * whole rise: a band that was silent reads as new, not infinite, and a band with
 * a sliver of the onset's energy never reads as very new (a hat after digital
 * silence leaks a little into the low band). */
#define BEFORE_FLOOR 1e-2f

void tandem_drums_reset(TandemDrums* d)
{
  memset(d, 0, sizeof(*d));
}

/* log10(1 + how much came over what was there): the newness of one band. */
static float newness(float now, float earlier, float floor)
{
  return log10f(1.0f + now / (earlier + floor));
}

void tandem_drums_features(TandemDrums* d, const float rise[TANDEM_DRUM_BANDS],
                           const float before[TANDEM_DRUM_BANDS],
                           const float late[TANDEM_DRUM_BANDS],
                           const float env_after[TANDEM_DRUM_ENV_BANDS],
                           const float env_before[TANDEM_DRUM_ENV_BANDS], float* feat)
{
  enum { NB = TANDEM_DRUM_BANDS, NE = TANDEM_DRUM_ENV_BANDS };
  float total = 0.0f, env_total = 0.0f;
  for (int b = 0; b < NB; ++b) {
    total += rise[b];
  }
  for (int b = 0; b < NE; ++b) {
    env_total += env_after[b];
  }
  const float floor = BEFORE_FLOOR * total + 1e-20f;
  const float env_floor = BEFORE_FLOOR * env_total + 1e-20f;
  for (int b = 0; b < NB; ++b) {
    feat[b] = newness(rise[b], before[b], floor);
    feat[NB + b] = total > 0.0f ? rise[b] / total : 0.0f;
  }
  for (int b = 0; b < NE; ++b) {
    feat[2 * NB + b] = newness(env_after[b], env_before[b], env_floor);
    feat[2 * NB + NE + b] = env_total > 0.0f ? env_after[b] / env_total : 0.0f;
  }
  for (int b = 0; b < NB; ++b) {
    feat[2 * NB + 2 * NE + b] = newness(late[b], before[b], floor);
  }
  if (d->seen < MEAN_ONSETS) {
    d->seen++;
  }
  const float w = 1.0f / (float)d->seen;
  for (int i = 0; i < TANDEM_DRUM_OWN_FEATURES; ++i) {
    d->mean[i] += w * (feat[i] - d->mean[i]);
    feat[TANDEM_DRUM_OWN_FEATURES + i] = d->mean[i];
  }
}

void tandem_drums_probabilities(const float* feat, float prob[3])
{
  float hidden[TANDEM_DRUM_HIDDEN];
  for (int j = 0; j < TANDEM_DRUM_HIDDEN; ++j) {
    float z = tandem_drum_b1[j];
    for (int i = 0; i < TANDEM_DRUM_FEATURES; ++i) {
      z += tandem_drum_w1[j][i] * feat[i];
    }
    hidden[j] = tanhf(z);
  }
  for (int k = 0; k < 3; ++k) {
    float z = tandem_drum_b2[k];
    for (int j = 0; j < TANDEM_DRUM_HIDDEN; ++j) {
      z += tandem_drum_w2[k][j] * hidden[j];
    }
    z = z > 30.0f ? 30.0f : (z < -30.0f ? -30.0f : z);
    prob[k] = 1.0f / (1.0f + expf(-z));
  }
}

uint8_t tandem_drums_mask(const float prob[3], uint8_t cls)
{
  uint8_t mask = 0;
  for (int k = 0; k < 3; ++k) {
    if (prob[k] >= tandem_drum_thresholds[k] ||
        (cls == k && tandem_drum_with_coarse[k])) {
      mask |= (uint8_t)(1u << k);
    }
  }
  return mask;
}
