/* Tandem — short-time spectrum.  See spectrum.h. */
#include "spectrum.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <kiss_fftr.h>

/* Per-bin arrays are padded to a multiple of LANES (the padding stays 0), so that
 * element-wise loops can run in groups of LANES straight-line statements: GCC at -O2
 * turns such groups into SIMD instructions (SLP) but leaves plain loops scalar.  The
 * results are the same either way. */
#define LANES 4

const float tandem_band_edges_hz[TANDEM_N_BANDS] = {0.0f,    60.0f,   250.0f, 500.0f,
                                                    2000.0f, 4000.0f, 6000.0f};

struct TandemSpectrum {
  double sample_rate;
  uint32_t fft_frames; /* power of two */
  uint32_t hop_frames;
  uint32_t n_bins;
  kiss_fftr_cfg plan;

  float* ring;     /* last fft_frames input samples, circular */
  uint32_t write;  /* next write index in ring */
  uint32_t to_hop; /* samples until the next frame */

  float* window; /* Hann */
  float* frame;  /* windowed time frame (FFT input) */
  kiss_fft_cpx*
      bins_cpx;    /* FFT output; distinct from the input so kissfft never allocates */
  bool power_only; /* skip bands, centroid and flux */
  bool deferred;   /* the FFT of a captured frame waits for tandem_spectrum_work() */
  bool captured;   /* frame holds a windowed frame not yet transformed */
  float* power;
  float* mag;      /* magnitude per bin of the latest frame ... */
  float* prev_mag; /* ... and of the one before (the two swap each frame) */
  float power_scale;
  uint32_t band_first_bin[TANDEM_N_BANDS + 1];

  float bands[TANDEM_N_BANDS];
  float centroid_hz;
  float flux;
  uint64_t frames;
};

static uint32_t nearest_pow2(double x)
{
  if (x < 16.0) {
    return 16;
  }
  return (uint32_t)1 << (uint32_t)lround(log2(x));
}

TandemSpectrum* tandem_spectrum_new(double sample_rate, double window_ms, double hop_ms)
{
  if (!(sample_rate >= 8000.0 && sample_rate <= 768000.0) || !(window_ms > 0.0) ||
      !(hop_ms > 0.0)) {
    return NULL;
  }
  TandemSpectrum* s = calloc(1, sizeof(*s));
  if (!s) {
    return NULL;
  }
  s->sample_rate = sample_rate;
  s->fft_frames = nearest_pow2(sample_rate * window_ms / 1000.0);
  long hop = lround(sample_rate * hop_ms / 1000.0);
  s->hop_frames = (uint32_t)(hop < 1 ? 1 : hop);
  if (s->hop_frames > s->fft_frames) {
    s->hop_frames = s->fft_frames;
  }
  s->n_bins = s->fft_frames / 2 + 1;
  const uint32_t padded_bins = (s->n_bins + LANES - 1) / LANES * LANES;
  s->plan = kiss_fftr_alloc((int)s->fft_frames, 0, NULL, NULL);
  s->ring = calloc(s->fft_frames, sizeof(float));
  s->window = calloc(s->fft_frames, sizeof(float));
  s->frame = calloc(s->fft_frames, sizeof(float));
  s->bins_cpx = calloc(padded_bins, sizeof(kiss_fft_cpx));
  s->power = calloc(padded_bins, sizeof(float));
  s->mag = calloc(s->n_bins, sizeof(float));
  s->prev_mag = calloc(s->n_bins, sizeof(float));
  if (!s->plan || !s->ring || !s->window || !s->frame || !s->bins_cpx || !s->power ||
      !s->mag || !s->prev_mag) {
    tandem_spectrum_free(s);
    return NULL;
  }
  double sum_w2 = 0.0;
  for (uint32_t i = 0; i < s->fft_frames; ++i) {
    double w = 0.5 - 0.5 * cos(2.0 * M_PI * (i + 0.5) / s->fft_frames);
    s->window[i] = (float)w;
    sum_w2 += w * w;
  }
  /* Parseval: sum_k |X_k|^2 over all N bins = N * sum (w x)^2; dividing by
   * N * sum(w^2) turns it into the mean square of x. */
  s->power_scale = (float)(1.0 / (s->fft_frames * sum_w2));
  double bin_hz = sample_rate / s->fft_frames;
  for (int b = 0; b < TANDEM_N_BANDS; ++b) {
    long k = lround(tandem_band_edges_hz[b] / bin_hz);
    s->band_first_bin[b] = (uint32_t)(k > (long)s->n_bins ? s->n_bins : k);
  }
  s->band_first_bin[TANDEM_N_BANDS] = s->n_bins;
  tandem_spectrum_reset(s);
  return s;
}

void tandem_spectrum_free(TandemSpectrum* s)
{
  if (!s) {
    return;
  }
  kiss_fftr_free(s->plan);
  free(s->ring);
  free(s->window);
  free(s->frame);
  free(s->bins_cpx);
  free(s->power);
  free(s->mag);
  free(s->prev_mag);
  free(s);
}

void tandem_spectrum_reset(TandemSpectrum* s)
{
  memset(s->ring, 0, s->fft_frames * sizeof(float));
  memset(s->power, 0, s->n_bins * sizeof(float));
  memset(s->mag, 0, s->n_bins * sizeof(float));
  memset(s->prev_mag, 0, s->n_bins * sizeof(float));
  memset(s->bands, 0, sizeof(s->bands));
  s->write = 0;
  s->to_hop = s->hop_frames;
  s->captured = false;
  s->centroid_hz = 0.0f;
  s->flux = 0.0f;
  s->frames = 0;
}

/* x[i] *= w[i] for LANES values. */
static inline void scale_lanes(float* restrict x, const float* restrict w)
{
  x[0] *= w[0];
  x[1] *= w[1];
  x[2] *= w[2];
  x[3] *= w[3];
}

/* out[i] = |c[i]|^2 * scale for LANES bins, c as interleaved re, im floats (the
 * layout of kiss_fft_cpx). */
static inline void power_lanes(float* restrict out, const float* restrict c, float scale)
{
  out[0] = (c[0] * c[0] + c[1] * c[1]) * scale;
  out[1] = (c[2] * c[2] + c[3] * c[3]) * scale;
  out[2] = (c[4] * c[4] + c[5] * c[5]) * scale;
  out[3] = (c[6] * c[6] + c[7] * c[7]) * scale;
}

/* The last fft_frames samples, windowed, into frame: the cheap part of a frame, done
 * at the hop itself. */
static void capture_frame(TandemSpectrum* s)
{
  const uint32_t n = s->fft_frames; /* a power of two, >= 16 */
  /* The oldest sample sits at write: two straight copies, then the window. */
  const uint32_t first = n - s->write;
  float* frame = s->frame;
  memcpy(frame, s->ring + s->write, first * sizeof(float));
  memcpy(frame + first, s->ring, (n - first) * sizeof(float));
  for (uint32_t i = 0; i < n; i += LANES) {
    scale_lanes(frame + i, s->window + i);
  }
  s->captured = true;
}

/* The FFT of the captured frame and everything derived from it. */
static void compute_frame(TandemSpectrum* s)
{
  s->captured = false;
  kiss_fftr(s->plan, s->frame, s->bins_cpx);
  const uint32_t last = s->n_bins - 1;
  const kiss_fft_cpx* bins = s->bins_cpx;
  float* power = s->power;
  /* Bins other than DC and Nyquist stand for their negative twin as well; doubling is
   * exact, so scaling by twice the factor gives the same values as doubling after. */
  const float twin_scale = 2.0f * s->power_scale;
  if (s->power_only) {
    for (uint32_t k = 0; k <= last; k += LANES) { /* the padding gives 0 */
      power_lanes(power + k, &bins[k].r, twin_scale);
    }
    power[0] *= 0.5f;
    power[last] *= 0.5f;
    s->frames++;
    return;
  }

  const double bin_hz = s->sample_rate / s->fft_frames;
  double total = 0.0, weighted = 0.0, rise = 0.0, prev_total = 0.0;
  /* The magnitudes of this frame replace the older of the two arrays. */
  float* mag = s->prev_mag;
  const float* prev_mag = s->mag;
  s->prev_mag = s->mag;
  s->mag = mag;
  /* One pass over the bins, band by band, so that each band's sum comes out of the
   * same loop (in bin order, as a separate pass would add them). */
  uint32_t k = 0;
  for (int b = 0; b < TANDEM_N_BANDS; ++b) {
    const uint32_t end = s->band_first_bin[b + 1];
    double e = 0.0;
    for (k = s->band_first_bin[b] > k ? s->band_first_bin[b] : k; k < end; ++k) {
      const float re = bins[k].r, im = bins[k].i;
      const float p =
          (re * re + im * im) * (k == 0 || k == last ? s->power_scale : twin_scale);
      power[k] = p;
      const float m = sqrtf(p);
      mag[k] = m;
      total += p;
      weighted += p * (k * bin_hz);
      prev_total += prev_mag[k];
      /* adding +0 rather than branching: the same sum, no mispredicted branches */
      rise += m > prev_mag[k] ? m - prev_mag[k] : 0.0f;
      e += p;
    }
    s->bands[b] = (float)e;
  }
  /* Below about -150 dBFS there is nothing to locate; report 0 rather than noise. */
  s->centroid_hz = total > 1e-15 ? (float)(weighted / total) : 0.0f;
  double flux = 0.0;
  if (prev_total > 1e-7) {
    flux = rise / prev_total;
  } else if (rise > 1e-7) {
    flux = 10.0;
  }
  s->flux = (float)(flux > 10.0 ? 10.0 : flux);
  s->frames++;
}

uint32_t tandem_spectrum_feed(TandemSpectrum* s, const float* in, uint32_t n,
                              bool* frame_done)
{
  const uint32_t take = n < s->to_hop ? n : s->to_hop;
  const uint32_t room = s->fft_frames - s->write; /* before the ring wraps */
  const uint32_t head = take < room ? take : room;
  memcpy(s->ring + s->write, in, head * sizeof(float));
  memcpy(s->ring, in + head, (take - head) * sizeof(float));
  s->write = (s->write + take) & (s->fft_frames - 1);
  s->to_hop -= take;
  *frame_done = false;
  if (s->to_hop == 0) {
    s->to_hop = s->hop_frames;
    if (s->captured) { /* deferred work not done in time: the older frame first */
      compute_frame(s);
      *frame_done = true;
    }
    capture_frame(s);
    if (!s->deferred) {
      compute_frame(s);
      *frame_done = true;
    }
  }
  return take;
}

void tandem_spectrum_set_deferred(TandemSpectrum* s, bool deferred)
{
  s->deferred = deferred;
}

bool tandem_spectrum_pending(const TandemSpectrum* s)
{
  return s->captured;
}

bool tandem_spectrum_work(TandemSpectrum* s)
{
  if (!s->captured) {
    return false;
  }
  compute_frame(s);
  return true;
}

void tandem_spectrum_set_power_only(TandemSpectrum* s, bool power_only)
{
  s->power_only = power_only;
}

uint32_t tandem_spectrum_fft_frames(const TandemSpectrum* s)
{
  return s->fft_frames;
}

uint32_t tandem_spectrum_hop_frames(const TandemSpectrum* s)
{
  return s->hop_frames;
}

uint32_t tandem_spectrum_frames_to_hop(const TandemSpectrum* s)
{
  return s->to_hop;
}

uint32_t tandem_spectrum_bins(const TandemSpectrum* s)
{
  return s->n_bins;
}

double tandem_spectrum_bin_hz(const TandemSpectrum* s)
{
  return s->sample_rate / s->fft_frames;
}

const float* tandem_spectrum_power(const TandemSpectrum* s)
{
  return s->power;
}

void tandem_spectrum_bands(const TandemSpectrum* s, float band_ms[TANDEM_N_BANDS])
{
  memcpy(band_ms, s->bands, sizeof(s->bands));
}

float tandem_spectrum_centroid_hz(const TandemSpectrum* s)
{
  return s->centroid_hz;
}

float tandem_spectrum_flux(const TandemSpectrum* s)
{
  return s->flux;
}

uint64_t tandem_spectrum_frame_count(const TandemSpectrum* s)
{
  return s->frames;
}
