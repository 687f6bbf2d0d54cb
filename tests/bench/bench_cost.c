/* Tandem benchmark — CPU cost of the analysis per audio block.
 *
 * Times every tandem_analysis_process() call over a busy clip at its own rate
 * (the corpus is 48 kHz) in 64-frame blocks, and prints the median, p99.9 and
 * maximum as a percentage of the block period (the time the host gives us per
 * block).  Targets: median <= 0.5 %, max <= 10 %.
 * Each call is timed twice: on the monotonic clock (what the host sees) and on
 * the thread's CPU clock (the work alone).  The machine is shared, so the wall
 * figures include preemption by other processes; the CPU figures do not, but a
 * block in which the thread was switched out still pays for the switch and for
 * caches refilled after it, at random blocks.  With --passes N (N >= 2) the clip
 * is analysed N times and each block's least CPU time over the passes is
 * reported too: the cost of the code itself, which is the same in every pass.
 *
 * Usage: bench_cost FILE.wav [--block N] [--passes N] [--strict]
 * Exits 1 on errors; with --strict also 2 when a target is missed (CPU clock;
 * with N >= 2 passes, the least-of-passes figures).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis.h"
#include "bench_audio.h"

#define MAX_EVENTS            64
#define TARGET_MEDIAN_PERCENT 0.5
#define TARGET_MAX_PERCENT    10.0

static double clock_s(clockid_t id)
{
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct {
  double median, p999, max; /* percent of the block period */
} CostFigures;

/* Sorts costs (seconds) in place and returns them as percent of period_s. */
static CostFigures figures(double* costs, size_t n, double period_s)
{
  qsort(costs, n, sizeof(double), bench_cmp_double);
  return (CostFigures){bench_percentile(costs, n, 50.0) / period_s * 100.0,
                       bench_percentile(costs, n, 99.9) / period_s * 100.0,
                       costs[n - 1] / period_s * 100.0};
}

static void print_figures(const char* clock_name, CostFigures f)
{
  printf("per block, %s: median %.3f %% (target <= %.1f: %s), p99.9 %.3f %%, max %.3f %% "
         "(target <= %.0f: %s) of the block period\n",
         clock_name, f.median, TARGET_MEDIAN_PERCENT,
         f.median <= TARGET_MEDIAN_PERCENT ? "MET" : "MISSED", f.p999, f.max,
         TARGET_MAX_PERCENT, f.max <= TARGET_MAX_PERCENT ? "MET" : "MISSED");
}

int main(int argc, char** argv)
{
  const char* file = NULL;
  uint32_t block = 64;
  unsigned passes = 1;
  bool strict = false;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--block") && i + 1 < argc) {
      block = (uint32_t)strtoul(argv[++i], NULL, 10);
    } else if (!strcmp(argv[i], "--passes") && i + 1 < argc) {
      passes = (unsigned)strtoul(argv[++i], NULL, 10);
    } else if (!strcmp(argv[i], "--strict")) {
      strict = true;
    } else if (argv[i][0] != '-' && !file) {
      file = argv[i];
    } else {
      file = NULL;
      break;
    }
  }
  if (!file || block == 0 || passes == 0) {
    fprintf(stderr, "usage: bench_cost FILE.wav [--block N] [--passes N] [--strict]\n");
    return 1;
  }
  BenchClip clip;
  if (bench_clip_load(file, &clip) != 0) {
    return 1;
  }
  const size_t n_blocks = (clip.n_frames + block - 1) / block;
  double* wall = malloc(n_blocks * passes * sizeof(double));
  double* cpu = malloc(n_blocks * passes * sizeof(double));
  TandemAnalysis* a = tandem_analysis_new(clip.sample_rate, block);
  if (!wall || !cpu || !a) {
    fprintf(stderr, "bench_cost: cannot allocate the analysis or %zu timings\n",
            n_blocks * passes);
    free(wall);
    free(cpu);
    tandem_analysis_free(a);
    bench_clip_free(&clip);
    return 1;
  }
  TandemOnsetEvent events[MAX_EVENTS];
  size_t n = 0;
  unsigned long onsets = 0;
  double total_cpu_s = 0.0;
  double first_block_cpu_s = 0.0;
  for (unsigned p = 0; p < passes; ++p) {
    tandem_analysis_reset(a);
    for (size_t start = 0; start < clip.n_frames; start += block) {
      const size_t left = clip.n_frames - start;
      const uint32_t len = left < block ? (uint32_t)left : block;
      const double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
      const double w0 = clock_s(CLOCK_MONOTONIC);
      onsets += tandem_analysis_process(a, clip.samples + start, len, events, MAX_EVENTS);
      const double w1 = clock_s(CLOCK_MONOTONIC);
      const double c1 = clock_s(CLOCK_THREAD_CPUTIME_ID);
      if (n == 0) {
        first_block_cpu_s = c1 - c0;
      }
      wall[n] = w1 - w0;
      cpu[n] = c1 - c0;
      total_cpu_s += cpu[n];
      ++n;
    }
  }
  tandem_analysis_free(a);
  const double period_s = (double)block / clip.sample_rate;
  /* Each block's least CPU time over the passes, in the first pass's slots
   * (before the sorting below reorders them). */
  double* least = malloc(n_blocks * sizeof(double));
  if (least) {
    for (size_t b = 0; b < n_blocks; ++b) {
      least[b] = cpu[b];
      for (unsigned p = 1; p < passes; ++p) {
        const double c = cpu[p * n_blocks + b];
        least[b] = c < least[b] ? c : least[b];
      }
    }
  }
  const CostFigures fw = figures(wall, n, period_s);
  const CostFigures fc = figures(cpu, n, period_s);
  const double audio_s = (double)clip.n_frames / clip.sample_rate * passes;
  printf("analysis cost on %s: %zu blocks of %u frames at %.0f Hz (period %.3f ms), "
         "%lu onsets reported\n",
         file, n, block, clip.sample_rate, period_s * 1000.0, onsets);
  print_figures("thread CPU clock", fc);
  CostFigures fl = fc;
  if (least && passes > 1) {
    fl = figures(least, n_blocks, period_s);
    char name[64];
    snprintf(name, sizeof(name), "thread CPU clock, least of %u passes", passes);
    print_figures(name, fl);
  }
  print_figures("wall clock", fw);
  printf("first block alone (cold caches, first touch of preallocated memory): %.3f %%\n",
         first_block_cpu_s / period_s * 100.0);
  printf("whole clip: %.3f s of CPU for %.1f s of audio (mean %.3f %% of the period, "
         "%.0fx realtime)\n",
         total_cpu_s, audio_s, total_cpu_s / audio_s * 100.0,
         total_cpu_s > 0 ? audio_s / total_cpu_s : 0.0);
  free(wall);
  free(cpu);
  free(least);
  bench_clip_free(&clip);
  if (strict && (fl.median > TARGET_MEDIAN_PERCENT || fl.max > TARGET_MAX_PERCENT)) {
    return 2;
  }
  return 0;
}
