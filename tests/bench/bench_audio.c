/* Tandem benchmarks — loading corpus clips and their ground truth. */
#include "bench_audio.h"

#include <jansson.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>

int bench_clip_load(const char* path, BenchClip* clip)
{
  SF_INFO info = {0};
  SNDFILE* f = sf_open(path, SFM_READ, &info);
  if (!f) {
    fprintf(stderr, "%s: cannot read audio: %s\n", path, sf_strerror(NULL));
    return -1;
  }
  if (info.frames <= 0 || info.channels <= 0) {
    fprintf(stderr, "%s: no audio frames\n", path);
    sf_close(f);
    return -1;
  }
  const size_t n = (size_t)info.frames;
  const size_t ch = (size_t)info.channels;
  float* inter = malloc(n * ch * sizeof(float));
  float* mono = malloc(n * sizeof(float));
  if (!inter || !mono) {
    fprintf(stderr, "%s: out of memory for %zu frames\n", path, n);
    free(inter);
    free(mono);
    sf_close(f);
    return -1;
  }
  const sf_count_t got = sf_readf_float(f, inter, info.frames);
  sf_close(f);
  if (got != info.frames) {
    fprintf(stderr, "%s: short read (%lld of %lld frames)\n", path, (long long)got,
            (long long)info.frames);
    free(inter);
    free(mono);
    return -1;
  }
  for (size_t i = 0; i < n; ++i) {
    float sum = 0.0f;
    for (size_t c = 0; c < ch; ++c) {
      sum += inter[i * ch + c];
    }
    mono[i] = sum / (float)ch;
  }
  free(inter);
  clip->samples = mono;
  clip->n_frames = n;
  clip->sample_rate = (double)info.samplerate;
  return 0;
}

void bench_clip_free(BenchClip* clip)
{
  free(clip->samples);
  clip->samples = NULL;
  clip->n_frames = 0;
}

long bench_truth_onsets(const char* json_path, double merge_s, double** onsets_s)
{
  json_error_t err;
  json_t* root = json_load_file(json_path, 0, &err);
  if (!root) {
    fprintf(stderr, "%s:%d: %s\n", json_path, err.line, err.text);
    return -1;
  }
  json_t* arr = json_object_get(root, "onsets");
  if (!json_is_array(arr)) {
    fprintf(stderr, "%s: no \"onsets\" array\n", json_path);
    json_decref(root);
    return -1;
  }
  const size_t n = json_array_size(arr);
  double* out = malloc((n ? n : 1) * sizeof(double));
  if (!out) {
    json_decref(root);
    return -1;
  }
  long kept = 0;
  for (size_t i = 0; i < n; ++i) {
    json_t* v = json_array_get(arr, i);
    if (!json_is_number(v)) {
      fprintf(stderr, "%s: onsets[%zu] is not a number\n", json_path, i);
      free(out);
      json_decref(root);
      return -1;
    }
    const double t = json_number_value(v);
    /* The generator writes them sorted; merging needs that, so check it. */
    if (kept > 0 && t < out[kept - 1]) {
      fprintf(stderr, "%s: onsets are not ascending at [%zu]\n", json_path, i);
      free(out);
      json_decref(root);
      return -1;
    }
    if (kept == 0 || t - out[kept - 1] > merge_s) {
      out[kept++] = t;
    }
  }
  json_decref(root);
  *onsets_s = out;
  return kept;
}

double bench_percentile(const double* sorted, size_t n, double p)
{
  if (n == 0) {
    return 0.0;
  }
  const double pos = p / 100.0 * (double)(n - 1);
  const size_t lo = (size_t)pos;
  const size_t hi = lo + 1 < n ? lo + 1 : lo;
  const double frac = pos - (double)lo;
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

int bench_cmp_double(const void* a, const void* b)
{
  const double x = *(const double*)a;
  const double y = *(const double*)b;
  return (x > y) - (x < y);
}
