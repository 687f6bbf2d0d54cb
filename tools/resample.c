/* Tandem — offline windowed-sinc resampler.  See resample.h. */
#include "resample.h"

#include <math.h>
#include <stdlib.h>

#define ZERO_CROSSINGS  24.0
#define CUTOFF_FRACTION 0.95
/* Kernel table points per input sample; linear interpolation between them
 * keeps the kernel error near 1e-6. */
#define TABLE_PER_SAMPLE 1024

uint64_t tandem_resample_length(uint64_t n_in, double in_rate, double out_rate)
{
  if (!(in_rate > 0.0) || !(out_rate > 0.0)) {
    return 0;
  }
  return (uint64_t)llround((double)n_in * out_rate / in_rate);
}

float* tandem_resample(const float* in, uint64_t n_in, double in_rate, double out_rate,
                       uint64_t* n_out)
{
  if (!(in_rate > 0.0) || !(out_rate > 0.0) || !n_out) {
    return NULL;
  }
  const uint64_t n = tandem_resample_length(n_in, in_rate, out_rate);
  /* The cutoff is relative to the input's Nyquist frequency. */
  const double cutoff = CUTOFF_FRACTION * (out_rate < in_rate ? out_rate / in_rate : 1.0);
  const double half_width = ZERO_CROSSINGS / cutoff; /* in input samples */
  const size_t table_n = (size_t)ceil(half_width * TABLE_PER_SAMPLE) + 2;
  double* table = malloc(table_n * sizeof(double));
  float* out = calloc(n ? n : 1, sizeof(float));
  if (!table || !out) {
    free(table);
    free(out);
    return NULL;
  }
  /* The kernel is symmetric: tabulate it for x >= 0 only. */
  for (size_t i = 0; i < table_n; ++i) {
    const double x = (double)i / TABLE_PER_SAMPLE;
    if (x >= half_width) {
      table[i] = 0.0;
      continue;
    }
    const double arg = M_PI * cutoff * x;
    const double sinc = x == 0.0 ? 1.0 : sin(arg) / arg;
    const double phase = M_PI * x / half_width;
    const double window = 0.42 + 0.5 * cos(phase) + 0.08 * cos(2.0 * phase);
    table[i] = cutoff * sinc * window;
  }
  const double step = in_rate / out_rate;
  const int64_t last = (int64_t)n_in - 1;
  for (uint64_t j = 0; j < n; ++j) {
    /* Every tap of one output sample shares the same fractional offset, so
     * the table is walked with a fixed stride and one interpolation weight
     * per side: k = base - m sits at x = frac + m, k = base + 1 + m at
     * x = (1 - frac) + m. */
    const double t = (double)j * step;
    const int64_t base = (int64_t)floor(t);
    const double frac = t - (double)base;
    const double pos_left = frac * TABLE_PER_SAMPLE;
    const double pos_right = (1.0 - frac) * TABLE_PER_SAMPLE;
    const size_t i_left = (size_t)pos_left;
    const size_t i_right = (size_t)pos_right;
    const double w_left = pos_left - (double)i_left;
    const double w_right = pos_right - (double)i_right;
    double acc = 0.0;
    for (int64_t m = 0;; ++m) {
      const size_t i = i_left + (size_t)m * TABLE_PER_SAMPLE;
      const int64_t k = base - m;
      if (i + 1 >= table_n || k < 0) {
        break;
      }
      if (k <= last) {
        acc += in[k] * (table[i] + (table[i + 1] - table[i]) * w_left);
      }
    }
    for (int64_t m = 0;; ++m) {
      const size_t i = i_right + (size_t)m * TABLE_PER_SAMPLE;
      const int64_t k = base + 1 + m;
      if (i + 1 >= table_n || k > last) {
        break;
      }
      acc += in[k] * (table[i] + (table[i + 1] - table[i]) * w_right);
    }
    out[j] = (float)acc;
  }
  free(table);
  *n_out = n;
  return out;
}
