/* Unit tests for plugin/analysis.c: the aggregator the plugin calls from run().
 * Block-size independence, bad input (NaN, Inf, huge values, denormals),
 * silence, DC, full-scale squares, clicks at block edges, sample-rate changes
 * between instances, readout ranges. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

#define MAX_FOUND 512
#define EVENTS    64

typedef struct {
  double time_s[MAX_FOUND];
  int64_t onset_frame[MAX_FOUND]; /* block start + frame - delay */
  uint8_t cls[MAX_FOUND];
  unsigned n;
} Found;

static double noise(uint64_t* state)
{
  *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(*state >> 11) / (double)(1ULL << 52) - 1.0;
}

static float* make_signal(long len)
{
  float* x = calloc((size_t)len, sizeof(float));
  ck_assert_ptr_nonnull(x);
  return x;
}

/* Every output must be a number in its range. */
static void assert_readout_sane(const TandemAnalysis* a)
{
  TandemAnalysisReadout r;
  tandem_analysis_get(a, &r);
  ck_assert(isfinite(r.rms_db) && r.rms_db >= -120.0f);
  ck_assert(isfinite(r.peak_db) && r.peak_db >= -120.0f);
  ck_assert(isfinite(r.crest_db) && r.crest_db >= 0.0f);
  for (int b = 0; b < TANDEM_N_BANDS; ++b) {
    ck_assert(isfinite(r.bands_db[b]) && r.bands_db[b] >= -120.0f);
  }
  ck_assert(isfinite(r.centroid_hz) && r.centroid_hz >= 0.0f);
  ck_assert(isfinite(r.flux) && r.flux >= 0.0f);
  ck_assert(r.onset_activity >= 0.0f && r.onset_activity <= 1.0f);
  ck_assert(isfinite(r.tempo.bpm) && isfinite(r.tempo.confidence));
  ck_assert(isfinite(r.tempo.beat_phase) && isfinite(r.tempo.period_s));
  ck_assert(isfinite(r.harmony.key_confidence) && isfinite(r.harmony.chord_confidence));
  for (int i = 0; i < 12; ++i) {
    ck_assert(isfinite(r.harmony.chroma[i]));
  }
  TandemAnalysisTotals t;
  tandem_analysis_totals(a, &t);
  ck_assert(isfinite(t.rms_db) && isfinite(t.peak_db) && isfinite(t.crest_db));
  for (int b = 0; b < TANDEM_N_BANDS; ++b) {
    ck_assert(isfinite(t.bands_db[b]) && t.bands_db[b] >= -120.0f);
  }
}

static void run(TandemAnalysis* a, const float* x, long len, long block, Found* f)
{
  TandemOnsetEvent ev[EVENTS];
  f->n = 0;
  for (long b = 0; b < len; b += block) {
    const uint32_t n = (uint32_t)(len - b < block ? len - b : block);
    const uint32_t got = tandem_analysis_process(a, x + b, n, ev, EVENTS);
    ck_assert_uint_le(got, EVENTS);
    for (uint32_t i = 0; i < got && f->n < MAX_FOUND; ++i) {
      ck_assert_uint_lt(ev[i].frame, n);
      ck_assert_int_ge(ev[i].delay, 0);
      ck_assert(ev[i].strength >= 0.0f && ev[i].strength <= 1.0f);
      ck_assert_uint_le(ev[i].cls, TANDEM_ONSET_OTHER);
      f->time_s[f->n] = ev[i].time_s;
      f->onset_frame[f->n] = b + (int64_t)ev[i].frame - ev[i].delay;
      f->cls[f->n] = ev[i].cls;
      f->n++;
    }
  }
}

static void add_click(float* x, long len, long at, float amp)
{
  if (at >= 0 && at < len) {
    x[at] += amp;
  }
  if (at + 1 < len) {
    x[at + 1] -= 0.5f * amp;
  }
}

static void add_snare(float* x, long len, long at, double amp, double rate, uint64_t* rng)
{
  for (long i = 0; i < (long)(0.2 * rate) && at + i < len; ++i) {
    const double t = i / rate;
    x[at + i] += (float)(amp * (0.6 * noise(rng) + 0.5 * sin(2.0 * M_PI * 200.0 * t)) *
                         exp(-t / 0.05));
  }
}

START_TEST(test_analysis_identical_onsets_for_blocks_of_1_64_and_8192)
{
  const double rate = 48000.0;
  const long len = (long)(3 * rate);
  float* x = make_signal(len);
  uint64_t rng = 21;
  for (int i = 0; i < 10; ++i) {
    add_snare(x, len, (long)(0.1 * rate) + i * 13001L, 0.3 + 0.05 * i, rate, &rng);
  }
  for (long i = 0; i < len; ++i) {
    x[i] += (float)(0.2 * sin(2.0 * M_PI * 220.0 * i / rate));
  }
  static const long blocks[] = {1, 64, 8192};
  Found f[3];
  TandemAnalysisReadout r[3];
  for (int b = 0; b < 3; ++b) {
    TandemAnalysis* a = tandem_analysis_new(rate, (uint32_t)blocks[b]);
    ck_assert_ptr_nonnull(a);
    run(a, x, len, blocks[b], &f[b]);
    tandem_analysis_get(a, &r[b]);
    tandem_analysis_free(a);
  }
  /* the sine's own start is an onset too */
  ck_assert_uint_eq(f[0].n, 11);
  ck_assert_double_lt(f[0].time_s[0], 0.02);
  for (int b = 1; b < 3; ++b) {
    ck_assert_uint_eq(f[b].n, f[0].n);
    for (unsigned i = 0; i < f[0].n; ++i) {
      ck_assert_int_eq(f[b].onset_frame[i], f[0].onset_frame[i]);
      ck_assert_double_eq(f[b].time_s[i], f[0].time_s[i]);
      ck_assert_uint_eq(f[b].cls[i], f[0].cls[i]);
    }
    ck_assert_float_eq(r[b].rms_db, r[0].rms_db);
    ck_assert_float_eq(r[b].peak_db, r[0].peak_db);
    for (int k = 0; k < TANDEM_N_BANDS; ++k) {
      ck_assert_float_eq(r[b].bands_db[k], r[0].bands_db[k]);
    }
    ck_assert_float_eq(r[b].tempo.bpm, r[0].tempo.bpm);
    ck_assert_uint_eq(r[b].frames, (uint64_t)len);
  }
  free(x);
}
END_TEST

START_TEST(test_analysis_time_s_matches_onset_frame)
{
  const double rate = 44100.0;
  const long len = (long)(2 * rate);
  float* x = make_signal(len);
  long expected[6];
  for (int i = 0; i < 6; ++i) {
    expected[i] = 5000 + i * 14000L;
    add_click(x, len, expected[i], 0.8f);
  }
  TandemAnalysis* a = tandem_analysis_new(rate, 128);
  Found f;
  run(a, x, len, 128, &f);
  ck_assert_uint_eq(f.n, 6);
  for (unsigned i = 0; i < f.n; ++i) {
    ck_assert_int_eq(f.onset_frame[i], expected[i]);
    ck_assert_double_eq_tol(f.time_s[i], expected[i] / rate, 0.5 / rate);
  }
  free(x);
  tandem_analysis_free(a);
}
END_TEST

START_TEST(test_analysis_clicks_at_block_edges_are_found_once_each)
{
  const double rate = 48000.0;
  const long len = (long)(3 * rate);
  const long block = 64;
  float* x = make_signal(len);
  long expected[14];
  for (int i = 0; i < 14; ++i) {
    /* the last sample of a block, the first of the next, alternately */
    expected[i] = block * (150 + 140 * i) - (i % 2);
    add_click(x, len, expected[i], 0.9f);
  }
  TandemAnalysis* a = tandem_analysis_new(rate, block);
  Found f;
  run(a, x, len, block, &f);
  ck_assert_uint_eq(f.n, 14);
  for (unsigned i = 0; i < f.n; ++i) {
    ck_assert_int_le(llabs(f.onset_frame[i] - expected[i]), (long long)(0.005 * rate));
  }
  assert_readout_sane(a);
  free(x);
  tandem_analysis_free(a);
}
END_TEST

/* A steady sine with bad samples in the middle: the readout stays finite, no
 * onset appears in the steady part, and clicks after it are found again. */
static void check_bad_samples(float bad_value, long bad_len)
{
  const double rate = 48000.0;
  const long len = (long)(3 * rate);
  float* x = make_signal(len);
  for (long i = 0; i < len; ++i) {
    x[i] = (float)(0.4 * sin(2.0 * M_PI * 330.0 * i / rate));
  }
  const long bad_at = (long)(0.8 * rate) + 17;
  for (long i = bad_at; i < bad_at + bad_len; ++i) {
    x[i] = bad_value;
  }
  long clicks[3];
  for (int i = 0; i < 3; ++i) {
    clicks[i] = (long)((1.8 + 0.35 * i) * rate);
    add_click(x, len, clicks[i], 1.0f);
  }
  TandemAnalysis* a = tandem_analysis_new(rate, 64);
  TandemOnsetEvent ev[EVENTS];
  unsigned found_clicks = 0;
  for (long b = 0; b < len; b += 64) {
    const uint32_t n = (uint32_t)(len - b < 64 ? len - b : 64);
    const uint32_t got = tandem_analysis_process(a, x + b, n, ev, EVENTS);
    for (uint32_t i = 0; i < got; ++i) {
      const long at = b + (long)ev[i].frame - ev[i].delay;
      ck_assert(isfinite(ev[i].time_s));
      if (at > (long)(0.05 * rate) && at < clicks[0] - 100) {
        ck_abort_msg("spurious onset at %.4f s (bad value %g x %ld)", at / rate,
                     (double)bad_value, bad_len);
      }
      for (int c = 0; c < 3; ++c) {
        found_clicks += labs(at - clicks[c]) <= (long)(0.005 * rate);
      }
    }
    assert_readout_sane(a);
  }
  ck_assert_uint_eq(found_clicks, 3);
  TandemAnalysisReadout r;
  tandem_analysis_get(a, &r);
  ck_assert_float_gt(r.rms_db, -20.0f); /* the sine is measured again */
  free(x);
  tandem_analysis_free(a);
}

START_TEST(test_analysis_nan_inf_and_huge_values_never_poison_the_state)
{
  check_bad_samples(NAN, 1);
  check_bad_samples(NAN, 5000);
  check_bad_samples(INFINITY, 1);
  check_bad_samples(-INFINITY, 300);
  check_bad_samples(1e30f, 64);
}
END_TEST

START_TEST(test_analysis_denormals_and_silence_read_the_floor)
{
  const double rate = 48000.0;
  const long len = (long)(2 * rate);
  float* x = make_signal(len);
  for (long i = 0; i < len; ++i) {
    x[i] = (i / 1000) % 2 ? 0.0f : ((i % 2) ? 1e-39f : -3e-42f);
  }
  TandemAnalysis* a = tandem_analysis_new(rate, 512);
  Found f;
  run(a, x, len, 512, &f);
  ck_assert_uint_eq(f.n, 0);
  TandemAnalysisReadout r;
  tandem_analysis_get(a, &r);
  ck_assert_float_eq(r.rms_db, -120.0f);
  ck_assert_float_eq(r.peak_db, -120.0f);
  ck_assert_float_eq(r.crest_db, 0.0f);
  for (int b = 0; b < TANDEM_N_BANDS; ++b) {
    ck_assert_float_eq(r.bands_db[b], -120.0f);
  }
  ck_assert_float_eq(r.onset_activity, 0.0f);
  assert_readout_sane(a);
  free(x);
  tandem_analysis_free(a);
}
END_TEST

START_TEST(test_analysis_dc_and_full_scale_square_give_no_onsets_after_start)
{
  const double rate = 48000.0;
  const long len = (long)(3 * rate);
  for (int kind = 0; kind < 3; ++kind) {
    float* x = make_signal(len);
    for (long i = 0; i < len; ++i) {
      /* half a sample off, so that no sample sits on a zero crossing */
      const double s = sin(2.0 * M_PI * (kind == 1 ? 60.0 : 1000.0) * (i + 0.5) / rate);
      x[i] = kind == 0 ? 1.0f : (s >= 0.0 ? 1.0f : -1.0f);
    }
    TandemAnalysis* a = tandem_analysis_new(rate, 256);
    Found f;
    run(a, x, len, 256, &f);
    for (unsigned i = 0; i < f.n; ++i) {
      ck_assert_msg(f.time_s[i] < 0.05, "kind %d: onset at %.3f s", kind, f.time_s[i]);
    }
    TandemAnalysisReadout r;
    tandem_analysis_get(a, &r);
    ck_assert_float_eq_tol(r.peak_db, 0.0f, 0.01f);
    ck_assert_float_eq_tol(r.rms_db, 0.0f, 0.05f);
    if (kind == 0) {
      ck_assert_float_gt(r.bands_db[0], -1.0f); /* DC is in the sub band */
    }
    assert_readout_sane(a);
    free(x);
    tandem_analysis_free(a);
  }
}
END_TEST

START_TEST(test_analysis_works_at_22050_and_192000_and_after_a_rate_change)
{
  static const double rates[] = {22050.0, 192000.0, 44100.0, 96000.0};
  for (int r = 0; r < 4; ++r) {
    const double rate = rates[r];
    const long len = (long)(2 * rate);
    float* x = make_signal(len);
    long expected[5];
    for (int i = 0; i < 5; ++i) {
      expected[i] = (long)((0.15 + 0.33 * i) * rate) + i;
      add_click(x, len, expected[i], 0.7f);
    }
    for (long i = 0; i < len; ++i) {
      x[i] += (float)(0.1 * sin(2.0 * M_PI * 1000.0 * i / rate));
    }
    TandemAnalysis* a = tandem_analysis_new(rate, 1024);
    ck_assert_ptr_nonnull(a);
    Found f;
    run(a, x, len, 1024, &f);
    /* the first onset is the start of the sine */
    ck_assert_msg(f.n == 6, "%.0f Hz: %u onsets", rate, f.n);
    ck_assert_int_lt(f.onset_frame[0], (int64_t)(0.02 * rate));
    for (unsigned i = 1; i < f.n; ++i) {
      ck_assert_int_le(llabs(f.onset_frame[i] - expected[i - 1]),
                       (long long)(0.005 * rate));
    }
    TandemAnalysisReadout ro;
    tandem_analysis_get(a, &ro);
    ck_assert_float_eq_tol(ro.centroid_hz, 1000.0f, 150.0f);
    assert_readout_sane(a);
    free(x);
    tandem_analysis_free(a);
  }
}
END_TEST

START_TEST(test_analysis_levels_and_bands_of_a_sine)
{
  const double rate = 48000.0;
  const long len = (long)(2 * rate);
  float* x = make_signal(len);
  for (long i = 0; i < len; ++i) {
    x[i] = (float)(0.5 * sin(2.0 * M_PI * 3000.0 * i / rate));
  }
  TandemAnalysis* a = tandem_analysis_new(rate, 64);
  Found f;
  run(a, x, len, 64, &f);
  TandemAnalysisReadout r;
  tandem_analysis_get(a, &r);
  ck_assert_float_eq_tol(r.rms_db, -9.03f, 0.1f);
  ck_assert_float_eq_tol(r.peak_db, -6.02f, 0.05f);
  ck_assert_float_eq_tol(r.crest_db, 3.01f, 0.1f);
  ck_assert_float_eq_tol(r.bands_db[4], -9.03f, 0.3f); /* high-mid */
  for (int b = 0; b < TANDEM_N_BANDS; ++b) {
    if (b != 4) {
      ck_assert_float_lt(r.bands_db[b], -40.0f);
    }
  }
  TandemAnalysisTotals t;
  tandem_analysis_totals(a, &t);
  ck_assert_float_eq_tol(t.rms_db, -9.03f, 0.02f);
  ck_assert_float_eq_tol(t.bands_db[4], -9.03f, 0.3f);
  ck_assert_float_eq_tol(t.centroid_hz, 3000.0f, 100.0f);
  free(x);
  tandem_analysis_free(a);
}
END_TEST

START_TEST(test_analysis_caps_events_at_max_and_activity_rises_with_onsets)
{
  const double rate = 48000.0;
  const long len = (long)(2 * rate);
  float* x = make_signal(len);
  for (int i = 0; i < 20; ++i) {
    add_click(x, len, 3000 + i * 4000L, 0.8f); /* 12 per second */
  }
  TandemAnalysis* a = tandem_analysis_new(rate, 8192);
  TandemOnsetEvent ev[2];
  uint32_t written = 0;
  for (long b = 0; b < len; b += 8192) {
    const uint32_t n = (uint32_t)(len - b < 8192 ? len - b : 8192);
    const uint32_t got = tandem_analysis_process(a, x + b, n, ev, 1);
    ck_assert_uint_le(got, 1);
    written += got;
  }
  TandemAnalysisTotals t;
  tandem_analysis_totals(a, &t);
  ck_assert_uint_eq(t.onsets, 20);
  ck_assert_uint_lt(written, 20);
  TandemAnalysisReadout r;
  tandem_analysis_get(a, &r);
  ck_assert_float_gt(r.onset_activity, 0.5f);
  ck_assert_uint_eq(tandem_analysis_process(a, NULL, 0, NULL, 0), 0);
  ck_assert_uint_eq(tandem_analysis_process(a, x, 64, NULL, 0), 0);
  tandem_analysis_reset(a);
  tandem_analysis_get(a, &r);
  ck_assert_uint_eq(r.frames, 0);
  ck_assert_float_eq(r.onset_activity, 0.0f);
  free(x);
  tandem_analysis_free(a);
}
END_TEST

START_TEST(test_analysis_sensitivity_changes_what_is_found)
{
  const double rate = 48000.0;
  const long len = (long)(4 * rate);
  float* x = make_signal(len);
  uint64_t rng = 5;
  for (int i = 0; i < 16; ++i) {
    const double amp = (i % 2 == 0) ? 0.8 : 0.8 * pow(10.0, -(14.0 + 2.0 * i) / 20.0);
    add_snare(x, len, (long)(0.1 * rate) + i * 11000L, amp, rate, &rng);
  }
  for (long i = 0; i < len; ++i) {
    x[i] += (float)(0.001 * noise(&rng));
  }
  unsigned counts[3];
  static const float sens[] = {0.0f, 0.5f, 1.0f};
  for (int s = 0; s < 3; ++s) {
    TandemAnalysis* a = tandem_analysis_new(rate, 64);
    tandem_analysis_set_sensitivity(a, sens[s]);
    Found f;
    run(a, x, len, 64, &f);
    counts[s] = f.n;
    /* reset keeps the sensitivity */
    tandem_analysis_reset(a);
    Found g;
    run(a, x, len, 64, &g);
    ck_assert_uint_eq(g.n, f.n);
    tandem_analysis_free(a);
  }
  ck_assert_uint_le(counts[0], counts[1]);
  ck_assert_uint_le(counts[1], counts[2]);
  ck_assert_uint_lt(counts[0], counts[2]);
  free(x);
}
END_TEST

START_TEST(test_analysis_new_rejects_unsupported_rates)
{
  ck_assert_ptr_null(tandem_analysis_new(0.0, 64));
  ck_assert_ptr_null(tandem_analysis_new(NAN, 64));
  ck_assert_ptr_null(tandem_analysis_new(1e9, 64));
  tandem_analysis_free(NULL);
  TandemAnalysis* a = tandem_analysis_new(48000.0, 0); /* block hint 0 is fine */
  ck_assert_ptr_nonnull(a);
  tandem_analysis_beat(a);
  assert_readout_sane(a);
  ck_assert_double_gt(tandem_analysis_odf_rate_hz(a), 50.0);
  ck_assert_double_le(tandem_analysis_odf_rate_hz(a), 200.0);
  ck_assert_double_gt(tandem_analysis_odf_delay_s(a), 0.0);
  tandem_analysis_free(a);
}
END_TEST

/* The harmony FFTs run deferred, one piece per call; whatever the block size, every
 * frame heard before a beat is in the chord it closes, so the estimates at each beat
 * are the same bit for bit. */
START_TEST(test_analysis_chords_and_key_at_beats_do_not_depend_on_block_size)
{
  const double rate = 48000.0, beat_s = 0.5;
  const long len = (long)(6 * rate);
  float* x = make_signal(len);
  /* C, F, G7, Am, Dm, G: triads of sines with a bass an octave and a half down */
  static const double roots_hz[] = {261.63, 349.23, 392.00, 440.00, 293.66, 392.00};
  static const double thirds[] = {1.2599, 1.2599, 1.2599, 1.1892, 1.1892, 1.2599};
  for (long i = 0; i < len; ++i) {
    const int c = (int)(i / (long)rate);
    const double t = i / rate, f = roots_hz[c];
    x[i] = (float)(0.1 * (sin(2.0 * M_PI * f * t) + sin(2.0 * M_PI * f * thirds[c] * t) +
                          sin(2.0 * M_PI * f * 1.4983 * t) +
                          (c == 2 ? sin(2.0 * M_PI * f * 1.7818 * t) : 0.0) +
                          1.5 * sin(2.0 * M_PI * f * 0.25 * t)));
  }
  enum { BEATS = 12 };
  static const long blocks[] = {1, 64, 8192};
  TandemHarmonyEstimate at_beat[3][BEATS];
  memset(at_beat, 0, sizeof(at_beat)); /* padding too, for the byte comparison */
  unsigned chords = 0;
  for (int b = 0; b < 3; ++b) {
    TandemAnalysis* a = tandem_analysis_new(rate, (uint32_t)blocks[b]);
    ck_assert_ptr_nonnull(a);
    TandemOnsetEvent ev[EVENTS];
    long next_beat = (long)(beat_s * rate);
    int beat = 0;
    for (long pos = 0; pos < len;) {
      long n = len - pos < blocks[b] ? len - pos : blocks[b];
      if (next_beat > pos && next_beat - pos < n) {
        n = next_beat - pos; /* the beat falls at the same sample in every run */
      }
      tandem_analysis_process(a, x + pos, (uint32_t)n, ev, EVENTS);
      pos += n;
      if (pos == next_beat && beat < BEATS) {
        tandem_analysis_beat(a);
        TandemAnalysisReadout r;
        tandem_analysis_get(a, &r);
        at_beat[b][beat] = r.harmony;
        chords += b == 0 && r.harmony.has_chord;
        beat++;
        next_beat += (long)(beat_s * rate);
      }
    }
    ck_assert_int_eq(beat, BEATS);
    tandem_analysis_free(a);
  }
  ck_assert_uint_ge(chords, 8); /* the comparison covers real chords */
  for (int b = 1; b < 3; ++b) {
    for (int i = 0; i < BEATS; ++i) {
      ck_assert_int_eq(at_beat[b][i].has_chord, at_beat[0][i].has_chord);
      ck_assert_int_eq(at_beat[b][i].chord_root, at_beat[0][i].chord_root);
      ck_assert_int_eq(at_beat[b][i].chord_quality, at_beat[0][i].chord_quality);
      ck_assert_float_eq(at_beat[b][i].chord_confidence, at_beat[0][i].chord_confidence);
      ck_assert_int_eq(at_beat[b][i].key_root, at_beat[0][i].key_root);
      ck_assert_int_eq(at_beat[b][i].key_scale, at_beat[0][i].key_scale);
      ck_assert_float_eq(at_beat[b][i].key_confidence, at_beat[0][i].key_confidence);
      for (int k = 0; k < 12; ++k) {
        ck_assert_float_eq(at_beat[b][i].chroma[k], at_beat[0][i].chroma[k]);
      }
    }
  }
  free(x);
}
END_TEST

static Suite* analysis_suite(void)
{
  Suite* s = suite_create("analysis");
  TCase* tc = tcase_create("analysis");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_analysis_identical_onsets_for_blocks_of_1_64_and_8192);
  tcase_add_test(tc, test_analysis_time_s_matches_onset_frame);
  tcase_add_test(tc, test_analysis_clicks_at_block_edges_are_found_once_each);
  tcase_add_test(tc, test_analysis_nan_inf_and_huge_values_never_poison_the_state);
  tcase_add_test(tc, test_analysis_denormals_and_silence_read_the_floor);
  tcase_add_test(tc, test_analysis_dc_and_full_scale_square_give_no_onsets_after_start);
  tcase_add_test(tc, test_analysis_works_at_22050_and_192000_and_after_a_rate_change);
  tcase_add_test(tc, test_analysis_levels_and_bands_of_a_sine);
  tcase_add_test(tc, test_analysis_caps_events_at_max_and_activity_rises_with_onsets);
  tcase_add_test(tc, test_analysis_sensitivity_changes_what_is_found);
  tcase_add_test(tc, test_analysis_new_rejects_unsupported_rates);
  tcase_add_test(tc, test_analysis_chords_and_key_at_beats_do_not_depend_on_block_size);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner* runner = srunner_create(analysis_suite());
  srunner_run_all(runner, CK_NORMAL);
  const int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
