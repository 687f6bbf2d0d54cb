/* Tandem — a small seeded random number generator (splitmix64).
 *
 * Each generator call owns its RNG state, so the same seed always gives the same
 * pattern and instances never share state (no rand(), no globals).
 * Threads: any (touches only the state passed in).
 */
#ifndef TANDEM_RNG_H
#define TANDEM_RNG_H

#include <stdint.h>

typedef struct {
  uint64_t state;
} TandemRng;

/* Seeds from a seed and a stream number; different streams are independent. */
void tandem_rng_seed(TandemRng* rng, uint64_t seed, uint64_t stream);
uint32_t tandem_rng_u32(TandemRng* rng);
/* Uniform in [0, 1). */
float tandem_rng_float(TandemRng* rng);
/* Uniform integer in [0, n); 0 when n is 0. */
uint32_t tandem_rng_below(TandemRng* rng, uint32_t n);
/* Standard normal (mean 0, deviation 1). */
float tandem_rng_gauss(TandemRng* rng);

#endif
