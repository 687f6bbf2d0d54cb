/* Tandem benchmarks — loading corpus clips and their ground truth.
 *
 * Only for the benchmark programs (tests/bench): these allocate and do I/O.
 * Threads: any (not the audio thread).
 */
#ifndef TANDEM_BENCH_AUDIO_H
#define TANDEM_BENCH_AUDIO_H

#include <stddef.h>

/* A whole clip, mixed down to mono. */
typedef struct {
  float* samples;
  size_t n_frames;
  double sample_rate;
} BenchClip;

/* Reads any file libsndfile reads.  Returns 0, or -1 after printing one line
 * to stderr that names the file and the reason.  clip is untouched on failure. */
int bench_clip_load(const char* path, BenchClip* clip);
void bench_clip_free(BenchClip* clip);

/* Reads the "onsets" array of a ground-truth JSON file into a new array of
 * seconds (ascending) and merges strokes closer than merge_s to the previous
 * kept one, as score.py does.  Returns the count, or -1 after printing why. */
long bench_truth_onsets(const char* json_path, double merge_s, double** onsets_s);

/* Percentile p (0..100) of a sorted array, interpolated linearly. */
double bench_percentile(const double* sorted, size_t n, double p);

/* qsort comparator for doubles. */
int bench_cmp_double(const void* a, const void* b);

#endif
