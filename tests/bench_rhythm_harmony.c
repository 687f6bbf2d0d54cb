/* Tandem — cost of the tempo and harmony trackers per call, against the realtime budget
 * for a 64-frame block at 48 kHz (1333 us: median <= 0.5 %, max <= 10 %).
 * Times are thread CPU time, so that preemption on a busy machine does not count.
 * Prints figures; a benchmark, never part of the default test run. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harmony.h"
#include "tempo.h"

#define RATE_HZ 48000.0
#define BLOCK   64

static double now_us(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int compare_double(const void* a, const void* b)
{
  const double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : (x > y ? 1 : 0);
}

static void report(const char* what, double* us, size_t n)
{
  qsort(us, n, sizeof(double), compare_double);
  const double block_us = BLOCK / RATE_HZ * 1e6;
  const double median = us[n / 2], p99 = us[(size_t)(n * 0.99)], max = us[n - 1];
  printf(
      "%-34s calls %7zu  median %6.2f us (%.3f%%)  p99 %6.2f us  max %7.2f us (%.2f%%)\n",
      what, n, median, 100.0 * median / block_us, p99, max, 100.0 * max / block_us);
}

int main(void)
{
  /* Tempo: one push per 256-frame hop (187.5 Hz), an ODF with a beat at 123 bpm. */
  const double odf_rate = RATE_HZ / 256.0;
  const size_t pushes = (size_t)(60.0 * odf_rate);
  double* us = calloc(pushes > 200000 ? pushes : 200000, sizeof(double));
  TandemTempo* tempo = tandem_tempo_new(odf_rate);
  if (!us || !tempo) {
    fprintf(stderr, "bench: out of memory\n");
    return 1;
  }
  const double beat = 60.0 / 123.0;
  for (size_t i = 0; i < pushes; ++i) {
    const double t = i / odf_rate;
    const double since = fmod(t, beat / 2.0);
    const float v =
        (float)((fmod(t, beat) < beat / 2.0 ? 1.0 : 0.3) * exp(-since / 0.01));
    const double t0 = now_us();
    tandem_tempo_push(tempo, v);
    us[i] = now_us() - t0;
  }
  TandemTempoEstimate te;
  tandem_tempo_get(tempo, &te);
  printf("tempo: %.2f bpm (rendered 123), confidence %.2f\n", (double)te.bpm,
         (double)te.confidence);
  report("tandem_tempo_push (187.5 Hz ODF)", us, pushes);
  tandem_tempo_free(tempo);

  /* Harmony: a C major chord of sawtooth-like tones, 64-frame blocks. */
  const size_t blocks = (size_t)(30.0 * RATE_HZ / BLOCK);
  TandemHarmonyTracker* harmony = tandem_harmony_tracker_new(RATE_HZ);
  if (!harmony) {
    fprintf(stderr, "bench: out of memory\n");
    return 1;
  }
  float buf[BLOCK];
  size_t frame = 0;
  for (size_t b = 0; b < blocks; ++b) {
    for (int i = 0; i < BLOCK; ++i, ++frame) {
      const double t = frame / RATE_HZ;
      double x = 0.0;
      for (int h = 1; h <= 6; ++h) {
        x += (sin(2 * M_PI * 261.63 * h * t) + sin(2 * M_PI * 329.63 * h * t) +
              sin(2 * M_PI * 392.0 * h * t)) /
             h;
      }
      buf[i] = (float)(0.1 * x);
    }
    const double t0 = now_us();
    tandem_harmony_tracker_process(harmony, buf, BLOCK);
    if (b % 375 == 0) {
      tandem_harmony_tracker_beat(harmony);
    }
    us[b] = now_us() - t0;
  }
  report("tandem_harmony_tracker_process (64)", us, blocks);
  tandem_harmony_tracker_free(harmony);
  free(us);
  return 0;
}
