/* Tandem — short-time spectrum.  See spectrum.h. */
#include "spectrum.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <kiss_fftr.h>

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
  float* power;
  float* mag;
  float* prev_mag;
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
  s->plan = kiss_fftr_alloc((int)s->fft_frames, 0, NULL, NULL);
  s->ring = calloc(s->fft_frames, sizeof(float));
  s->window = calloc(s->fft_frames, sizeof(float));
  s->frame = calloc(s->fft_frames, sizeof(float));
  s->bins_cpx = calloc(s->n_bins, sizeof(kiss_fft_cpx));
  s->power = calloc(s->n_bins, sizeof(float));
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
  s->centroid_hz = 0.0f;
  s->flux = 0.0f;
  s->frames = 0;
}

static void compute_frame(TandemSpectrum* s)
{
  const uint32_t n = s->fft_frames;
  /* The oldest sample sits at write: two straight runs, no index wrapping. */
  const uint32_t first = n - s->write;
  const float* ring = s->ring;
  const float* window = s->window;
  float* frame = s->frame;
  for (uint32_t i = 0; i < first; ++i) {
    frame[i] = ring[s->write + i] * window[i];
  }
  for (uint32_t i = first; i < n; ++i) {
    frame[i] = ring[i - first] * window[i];
  }
  kiss_fftr(s->plan, s->frame, s->bins_cpx);
  if (s->power_only) {
    const float scale = 2.0f * s->power_scale;
    for (uint32_t k = 0; k < s->n_bins; ++k) {
      const float re = s->bins_cpx[k].r, im = s->bins_cpx[k].i;
      s->power[k] = (re * re + im * im) * scale;
    }
    /* DC and Nyquist have no negative twin */
    s->power[0] *= 0.5f;
    s->power[s->n_bins - 1] *= 0.5f;
    s->frames++;
    return;
  }

  const double bin_hz = s->sample_rate / n;
  double total = 0.0, weighted = 0.0, rise = 0.0, prev_total = 0.0;
  for (uint32_t k = 0; k < s->n_bins; ++k) {
    float re = s->bins_cpx[k].r, im = s->bins_cpx[k].i;
    /* Bins other than DC and Nyquist stand for their negative twin as well. */
    float twin = (k == 0 || k == s->n_bins - 1) ? 1.0f : 2.0f;
    float p = (re * re + im * im) * s->power_scale * twin;
    s->power[k] = p;
    float m = sqrtf(p);
    s->prev_mag[k] = s->mag[k];
    s->mag[k] = m;
    total += p;
    weighted += p * (k * bin_hz);
    prev_total += s->prev_mag[k];
    if (m > s->prev_mag[k]) {
      rise += m - s->prev_mag[k];
    }
  }
  for (int b = 0; b < TANDEM_N_BANDS; ++b) {
    double e = 0.0;
    for (uint32_t k = s->band_first_bin[b]; k < s->band_first_bin[b + 1]; ++k) {
      e += s->power[k];
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
    compute_frame(s);
    *frame_done = true;
  }
  return take;
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
