/* Tandem benchmark — onset detection latency of the analysis aggregator.
 *
 * Feeds each drum clip of the corpus to tandem_analysis_process() the way the
 * plugin's run() does (48 kHz, 64-frame blocks) and measures, for every
 * detection matched to a true onset, how long after the onset it was reported:
 *   latency = (block start + event frame) - true onset.
 * Detections are matched one-to-one to true onsets (strokes within 30 ms merged)
 * when the report falls within 50 ms of the onset, closest pairs first.
 *
 * Usage: bench_latency CORPUS_DIR [--block N] [--strict]
 * Prints per-clip lines, then median and p95 latency in ms against the targets
 * (median <= 10 ms, p95 <= 20 ms).  Exits 1 on errors; with --strict also 2
 * when a target is missed.
 */
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "bench_audio.h"

#define MERGE_S          0.030
#define MATCH_S          0.050
#define MAX_EVENTS       64
#define TARGET_MEDIAN_MS 10.0
#define TARGET_P95_MS    20.0

typedef struct {
  double at_s;   /* when it was reported: block start + frame */
  double time_s; /* the detector's own estimate of the onset time */
} Detection;

typedef struct {
  double dist;
  size_t ref, det;
} Pair;

static int cmp_pair(const void* a, const void* b)
{
  const Pair* x = a;
  const Pair* y = b;
  return (x->dist > y->dist) - (x->dist < y->dist);
}

/* Runs the aggregator over the clip; returns the detections (caller frees). */
static Detection* detect(const BenchClip* clip, uint32_t block, size_t* n_out)
{
  TandemAnalysis* a = tandem_analysis_new(clip->sample_rate, block);
  size_t cap = 1024;
  size_t n = 0;
  Detection* dets = malloc(cap * sizeof(Detection));
  if (!a || !dets) {
    tandem_analysis_free(a);
    free(dets);
    return NULL;
  }
  TandemOnsetEvent events[MAX_EVENTS];
  for (size_t start = 0; start < clip->n_frames; start += block) {
    const size_t left = clip->n_frames - start;
    const uint32_t len = left < block ? (uint32_t)left : block;
    const uint32_t got =
        tandem_analysis_process(a, clip->samples + start, len, events, MAX_EVENTS);
    for (uint32_t e = 0; e < got; ++e) {
      if (n == cap) {
        cap *= 2;
        Detection* grown = realloc(dets, cap * sizeof(Detection));
        if (!grown) {
          free(dets);
          tandem_analysis_free(a);
          return NULL;
        }
        dets = grown;
      }
      dets[n].at_s = (double)(start + events[e].frame) / clip->sample_rate;
      dets[n].time_s = events[e].time_s;
      ++n;
    }
  }
  tandem_analysis_free(a);
  *n_out = n;
  return dets;
}

/* Greedy one-to-one matching on report time; appends latencies (s) and the
 * detector's timestamp errors (s) of matched pairs.  Returns the match count. */
static size_t match(const double* ref, size_t n_ref, const Detection* dets, size_t n_det,
                    double* latencies, double* stamp_errors)
{
  size_t cap = 16;
  size_t n_pairs = 0;
  Pair* pairs = malloc(cap * sizeof(Pair));
  bool* ref_used = calloc(n_ref + 1, 1);
  bool* det_used = calloc(n_det + 1, 1);
  size_t matched = 0;
  if (!pairs || !ref_used || !det_used) {
    goto done;
  }
  size_t j0 = 0;
  for (size_t i = 0; i < n_ref; ++i) {
    while (j0 < n_det && dets[j0].at_s < ref[i] - MATCH_S) {
      ++j0;
    }
    for (size_t j = j0; j < n_det && dets[j].at_s <= ref[i] + MATCH_S; ++j) {
      if (n_pairs == cap) {
        cap *= 2;
        Pair* grown = realloc(pairs, cap * sizeof(Pair));
        if (!grown) {
          goto done;
        }
        pairs = grown;
      }
      pairs[n_pairs++] = (Pair){fabs(dets[j].at_s - ref[i]), i, j};
    }
  }
  qsort(pairs, n_pairs, sizeof(Pair), cmp_pair);
  for (size_t k = 0; k < n_pairs; ++k) {
    if (ref_used[pairs[k].ref] || det_used[pairs[k].det]) {
      continue;
    }
    ref_used[pairs[k].ref] = det_used[pairs[k].det] = true;
    latencies[matched] = dets[pairs[k].det].at_s - ref[pairs[k].ref];
    stamp_errors[matched] = dets[pairs[k].det].time_s - ref[pairs[k].ref];
    ++matched;
  }
done:
  free(pairs);
  free(ref_used);
  free(det_used);
  return matched;
}

static bool is_onset_category(const char* cat)
{
  return cat && (!strcmp(cat, "drums") || !strcmp(cat, "drums_fx"));
}

int main(int argc, char** argv)
{
  const char* corpus = NULL;
  uint32_t block = 64;
  bool strict = false;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--block") && i + 1 < argc) {
      block = (uint32_t)strtoul(argv[++i], NULL, 10);
    } else if (!strcmp(argv[i], "--strict")) {
      strict = true;
    } else if (argv[i][0] != '-' && !corpus) {
      corpus = argv[i];
    } else {
      fprintf(stderr, "usage: bench_latency CORPUS_DIR [--block N] [--strict]\n");
      return 1;
    }
  }
  if (!corpus || block == 0) {
    fprintf(stderr, "usage: bench_latency CORPUS_DIR [--block N] [--strict]\n");
    return 1;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/index.json", corpus);
  json_error_t err = {0};
  json_t* index = json_load_file(path, 0, &err);
  if (!json_is_array(index)) {
    fprintf(stderr, "%s: not a corpus index (%s); run make_corpus.py first\n", path,
            err.text);
    json_decref(index);
    return 1;
  }
  size_t cap = 1 << 16;
  double* latencies = malloc(cap * sizeof(double));
  double* stamp_errors = malloc(cap * sizeof(double));
  if (!latencies || !stamp_errors) {
    free(latencies);
    free(stamp_errors);
    json_decref(index);
    return 1;
  }
  size_t n_lat = 0, n_ref_total = 0, n_det_total = 0;
  int status = 0;
  printf("%-44s %6s %6s %6s %9s\n", "clip", "true", "found", "match", "median ms");
  for (size_t c = 0; c < json_array_size(index); ++c) {
    const char* name = json_string_value(json_array_get(index, c));
    if (!name) {
      continue;
    }
    snprintf(path, sizeof path, "%s/%s.json", corpus, name);
    json_t* truth = json_load_file(path, 0, &err);
    const bool wanted =
        truth && is_onset_category(json_string_value(json_object_get(truth, "category")));
    json_decref(truth);
    if (!wanted) {
      continue;
    }
    double* ref = NULL;
    const long n_ref = bench_truth_onsets(path, MERGE_S, &ref);
    snprintf(path, sizeof path, "%s/%s.wav", corpus, name);
    BenchClip clip;
    if (n_ref < 0 || bench_clip_load(path, &clip) != 0) {
      free(ref);
      status = 1;
      continue;
    }
    size_t n_det = 0;
    Detection* dets = detect(&clip, block, &n_det);
    if (!dets) {
      fprintf(stderr, "%s: the analysis could not be created\n", name);
      free(ref);
      bench_clip_free(&clip);
      status = 1;
      continue;
    }
    while (n_lat + (size_t)n_ref > cap) {
      cap *= 2;
      double* l = realloc(latencies, cap * sizeof(double));
      double* s = l ? realloc(stamp_errors, cap * sizeof(double)) : NULL;
      if (l) {
        latencies = l;
      }
      if (s) {
        stamp_errors = s;
      }
      if (!l || !s) {
        fprintf(stderr, "bench_latency: out of memory\n");
        free(latencies);
        free(stamp_errors);
        free(dets);
        free(ref);
        bench_clip_free(&clip);
        json_decref(index);
        return 1;
      }
    }
    const size_t m =
        match(ref, (size_t)n_ref, dets, n_det, latencies + n_lat, stamp_errors + n_lat);
    double* sorted = malloc((m ? m : 1) * sizeof(double));
    double med = NAN;
    if (sorted && m) {
      memcpy(sorted, latencies + n_lat, m * sizeof(double));
      qsort(sorted, m, sizeof(double), bench_cmp_double);
      med = bench_percentile(sorted, m, 50.0) * 1000.0;
    }
    free(sorted);
    printf("%-44s %6ld %6zu %6zu %9.2f\n", name, n_ref, n_det, m, med);
    n_lat += m;
    n_ref_total += (size_t)n_ref;
    n_det_total += n_det;
    free(dets);
    free(ref);
    bench_clip_free(&clip);
  }
  json_decref(index);
  if (n_lat == 0) {
    fprintf(stderr, "bench_latency: no onset matched; nothing to measure\n");
    free(latencies);
    free(stamp_errors);
    return 1;
  }
  qsort(latencies, n_lat, sizeof(double), bench_cmp_double);
  for (size_t i = 0; i < n_lat; ++i) {
    stamp_errors[i] = fabs(stamp_errors[i]);
  }
  qsort(stamp_errors, n_lat, sizeof(double), bench_cmp_double);
  const double med = bench_percentile(latencies, n_lat, 50.0) * 1000.0;
  const double p95 = bench_percentile(latencies, n_lat, 95.0) * 1000.0;
  printf("detection latency, %u-frame blocks: %zu of %zu true onsets matched (%zu "
         "reports)\n",
         block, n_lat, n_ref_total, n_det_total);
  printf("latency median %.2f ms (target <= %.0f: %s), p95 %.2f ms (target <= %.0f: %s), "
         "min %.2f ms, max %.2f ms\n",
         med, TARGET_MEDIAN_MS, med <= TARGET_MEDIAN_MS ? "MET" : "MISSED", p95,
         TARGET_P95_MS, p95 <= TARGET_P95_MS ? "MET" : "MISSED", latencies[0] * 1000.0,
         latencies[n_lat - 1] * 1000.0);
  printf("reported onset time error |time_s - true|: median %.2f ms, p95 %.2f ms\n",
         bench_percentile(stamp_errors, n_lat, 50.0) * 1000.0,
         bench_percentile(stamp_errors, n_lat, 95.0) * 1000.0);
  if (strict && status == 0 && (med > TARGET_MEDIAN_MS || p95 > TARGET_P95_MS)) {
    status = 2;
  }
  free(latencies);
  free(stamp_errors);
  return status;
}
