/* Tandem — seeded RNG.  See rng.h. */
#include "rng.h"

#include <math.h>

static uint64_t mix64(uint64_t z)
{
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void tandem_rng_seed(TandemRng* rng, uint64_t seed, uint64_t stream)
{
  /* Mixing both words keeps nearby seeds and streams from giving related sequences. */
  rng->state = mix64(seed ^ mix64(stream + 0x9e3779b97f4a7c15ull));
}

uint32_t tandem_rng_u32(TandemRng* rng)
{
  rng->state += 0x9e3779b97f4a7c15ull;
  return (uint32_t)(mix64(rng->state) >> 32);
}

float tandem_rng_float(TandemRng* rng)
{
  return (float)(tandem_rng_u32(rng) >> 8) * (1.0f / 16777216.0f);
}

uint32_t tandem_rng_below(TandemRng* rng, uint32_t n)
{
  return n ? (uint32_t)(((uint64_t)tandem_rng_u32(rng) * n) >> 32) : 0;
}

float tandem_rng_gauss(TandemRng* rng)
{
  /* Box-Muller; 1 - u keeps the logarithm's argument above 0. */
  const float u1 = 1.0f - tandem_rng_float(rng);
  const float u2 = tandem_rng_float(rng);
  return sqrtf(-2.0f * logf(u1)) * cosf(6.2831853f * u2);
}
