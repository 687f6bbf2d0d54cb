/* Tandem — tempo and beat tracker on onset-strength functions rendered here. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tempo.h"

#define ODF_RATE_HZ 172.265625 /* 44.1 kHz with a 256-frame hop */

typedef enum {
  FEEL_PULSES = 0,  /* one pulse per beat */
  FEEL_GHOSTS,      /* rock beat, 8th hats, ghost snares on 16ths */
  FEEL_SWING,       /* rock beat, hats on swung 8ths (2/3 of the beat) */
  FEEL_HALF_TIME,   /* kick on 1, snare on 3, 8th hats */
  FEEL_DOUBLE_HATS, /* rock beat, 16th hats */
  FEEL_EIGHTHS,     /* comping chords on every 8th, the beats a little louder */
  FEEL_HOUSE,       /* four-on-the-floor kick, open hats on the off-beats, 16th hats */
  FEEL_FUNK,        /* syncopated kick, 16th hats, snare on 2 and 4 with ghosts */
  FEEL_COUNT
} Feel;

static const char* const feel_names[FEEL_COUNT] = {
    "pulses",           "ghosts",     "swing", "half-time",
    "double-time hats", "8th chords", "house", "funk"};

/* Strength of each 16th of a 4/4 bar. */
static void feel_grid(Feel feel, float grid[16])
{
  memset(grid, 0, 16 * sizeof(float));
  switch (feel) {
  case FEEL_PULSES:
    for (int i = 0; i < 16; i += 4) {
      grid[i] = 1.0f;
    }
    break;
  case FEEL_GHOSTS:
  case FEEL_SWING:
    for (int i = 0; i < 16; i += 2) {
      grid[i] = 0.3f;
    }
    grid[0] = grid[8] = 1.0f;
    grid[4] = grid[12] = 0.9f;
    if (feel == FEEL_GHOSTS) {
      grid[3] = 0.12f;
      grid[7] = grid[10] = grid[15] = 0.15f;
    }
    break;
  case FEEL_HALF_TIME:
    for (int i = 0; i < 16; i += 2) {
      grid[i] = 0.3f;
    }
    grid[0] = grid[8] = 1.0f;
    break;
  case FEEL_EIGHTHS:
    for (int i = 0; i < 16; i += 2) {
      grid[i] = i % 4 == 0 ? 1.0f : 0.75f;
    }
    break;
  case FEEL_HOUSE:
    /* Off-beat open hats nearly as strong as the kicks: on its own this reads as
     * well at twice the tempo. */
    for (int i = 0; i < 16; ++i) {
      grid[i] = i % 4 == 0 ? 1.0f : (i % 4 == 2 ? 0.85f : 0.2f);
    }
    break;
  case FEEL_FUNK:
    /* Kicks a 16th before beats 2 and 4 pull a one-update phase reading off the beat. */
    for (int i = 0; i < 16; ++i) {
      grid[i] = i % 4 == 0 ? 0.5f : 0.3f;
    }
    grid[0] = 1.0f;
    grid[4] = grid[12] = 0.9f;
    grid[3] = grid[10] = grid[13] = 0.7f;
    grid[7] = grid[9] = grid[15] = 0.4f;
    break;
  case FEEL_DOUBLE_HATS:
    for (int i = 0; i < 16; ++i) {
      grid[i] = 0.3f;
    }
    grid[0] = grid[8] = 1.0f;
    grid[4] = grid[12] = 0.9f;
    break;
  default:
    break;
  }
}

typedef struct {
  uint64_t state;
} Rng;

static double rng_uniform(Rng* r)
{
  r->state = r->state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(r->state >> 11) / 9007199254740992.0;
}

/* Renders an ODF like half-wave rectified spectral flux: each hit is a sharp rise with a
 * ~10 ms decay, strengths vary +-15%, timing jitters by +-jitter_s, over a small noise
 * floor.  Beats fall at first_beat_s + k * period (bpm0 until step_s, then bpm1). */
static float* render_odf(size_t frames, double rate, Feel feel, double bpm0, double bpm1,
                         double step_s, double first_beat_s, double jitter_s,
                         uint64_t seed)
{
  float* odf = calloc(frames, sizeof(float));
  ck_assert_ptr_nonnull(odf);
  Rng rng = {seed * 7919 + 1};
  float grid[16];
  feel_grid(feel, grid);
  const double duration = frames / rate;
  double t = first_beat_s;
  for (int idx = 0; t < duration; ++idx) {
    const double sixteenth = 60.0 / (t < step_s ? bpm0 : bpm1) / 4.0;
    const int pos = idx % 16;
    double hit = t;
    if (feel == FEEL_SWING && pos % 4 == 2) {
      hit += sixteenth * (2.0 / 3.0); /* the off-beat 8th moves from 1/2 to 2/3 */
    }
    hit += jitter_s * (2.0 * rng_uniform(&rng) - 1.0);
    if (grid[pos] > 0.0f && hit >= 0.0) {
      const size_t f = (size_t)floor(hit * rate);
      const double amp = grid[pos] * (0.85 + 0.3 * rng_uniform(&rng));
      for (size_t k = 0; k <= (size_t)(0.03 * rate) && f + k < frames; ++k) {
        odf[f + k] += (float)(amp * exp(-(double)k / (0.01 * rate)));
      }
    }
    t += sixteenth;
  }
  for (size_t i = 0; i < frames; ++i) {
    odf[i] += (float)(0.02 * rng_uniform(&rng));
  }
  return odf;
}

static void assert_estimate_sane(const TandemTempoEstimate* e)
{
  ck_assert(isfinite(e->bpm) && e->bpm >= 0.0f);
  ck_assert(isfinite(e->confidence) && e->confidence >= 0.0f && e->confidence <= 1.0f);
  ck_assert(isfinite(e->beat_phase) && e->beat_phase >= 0.0 && e->beat_phase < 1.0);
  ck_assert(isfinite(e->period_s) && e->period_s >= 0.0);
}

static double circular_distance(double a, double b)
{
  const double d = fabs(a - b);
  return d > 0.5 ? 1.0 - d : d;
}

/* Runs one rendered ODF through a fresh tracker and returns the final estimate. */
static TandemTempoEstimate track(const float* odf, size_t frames, double rate)
{
  TandemTempo* t = tandem_tempo_new(rate);
  ck_assert_ptr_nonnull(t);
  TandemTempoEstimate e;
  for (size_t i = 0; i < frames; ++i) {
    tandem_tempo_push(t, odf[i]);
    if (i % 997 == 0) {
      tandem_tempo_get(t, &e);
      assert_estimate_sane(&e);
    }
  }
  tandem_tempo_get(t, &e);
  assert_estimate_sane(&e);
  tandem_tempo_free(t);
  return e;
}

static const double test_bpms[] = {60.0, 90.0, 120.0, 150.0, 174.0, 200.0};
#define N_TEST_BPMS 6

START_TEST(test_tempo_within_4_percent_and_beat_phase_right_for_pulses_ghosts_swing)
{
  const Feel feel = (Feel)(_i / N_TEST_BPMS);
  const double bpm = test_bpms[_i % N_TEST_BPMS];
  const double first_beat_s = 0.137;
  const size_t frames = (size_t)(14.0 * ODF_RATE_HZ);
  float* odf = render_odf(frames, ODF_RATE_HZ, feel, bpm, bpm, 1e9, first_beat_s, 0.008,
                          (uint64_t)_i + 1);
  const TandemTempoEstimate e = track(odf, frames, ODF_RATE_HZ);
  /* The last pushed value is frame frames-1; the rendered beats are known. */
  const double period = 60.0 / bpm;
  const double latest_s = (frames - 1) / ODF_RATE_HZ;
  const double want_phase = fmod(latest_s - first_beat_s, period) / period;
  const double phase_err = circular_distance(e.beat_phase, want_phase);
  printf("%-7s %5.1f bpm -> %6.2f bpm, confidence %.2f, phase error %.3f beat\n",
         feel_names[feel], bpm, (double)e.bpm, (double)e.confidence, phase_err);
  ck_assert_msg(fabs(e.bpm / bpm - 1.0) < 0.04, "%s at %.0f bpm: got %.2f",
                feel_names[feel], bpm, (double)e.bpm);
  ck_assert_msg(phase_err < 0.08, "%s at %.0f bpm: phase %.3f, want %.3f",
                feel_names[feel], bpm, e.beat_phase, want_phase);
  ck_assert_msg(fabs(e.period_s - period) / period < 0.04, "period %.4f", e.period_s);
  ck_assert_msg(e.confidence > 0.3f, "confidence %.2f", (double)e.confidence);
  free(odf);
}
END_TEST

START_TEST(test_half_time_feel_and_double_time_hats_cause_no_octave_error)
{
  static const double bpms[] = {80.0, 100.0, 120.0, 140.0};
  const Feel feel = _i < 4 ? FEEL_HALF_TIME : FEEL_DOUBLE_HATS;
  const double bpm = bpms[_i % 4];
  const size_t frames = (size_t)(14.0 * ODF_RATE_HZ);
  float* odf = render_odf(frames, ODF_RATE_HZ, feel, bpm, bpm, 1e9, 0.05, 0.008,
                          (uint64_t)_i + 100);
  const TandemTempoEstimate e = track(odf, frames, ODF_RATE_HZ);
  printf("%-16s %5.1f bpm -> %6.2f bpm\n", feel_names[feel], bpm, (double)e.bpm);
  ck_assert_msg(fabs(e.bpm / bpm - 1.0) < 0.04, "%s at %.0f bpm: got %.2f",
                feel_names[feel], bpm, (double)e.bpm);
  free(odf);
}
END_TEST

/* Even 8th-note chords with a slight accent on the beat: the 8ths look like a fast beat
 * with nothing between its beats, which must not be taken for the tempo. */
START_TEST(test_even_eighth_note_chords_are_not_taken_for_double_tempo)
{
  static const double bpms[] = {84.0, 93.0, 105.0};
  const double bpm = bpms[_i % 3];
  const size_t frames = (size_t)(20.0 * ODF_RATE_HZ);
  float* odf = render_odf(frames, ODF_RATE_HZ, FEEL_EIGHTHS, bpm, bpm, 1e9, 0.11, 0.006,
                          (uint64_t)_i + 300);
  const TandemTempoEstimate e = track(odf, frames, ODF_RATE_HZ);
  printf("8th chords %5.1f bpm -> %6.2f bpm\n", bpm, (double)e.bpm);
  ck_assert_msg(fabs(e.bpm / bpm - 1.0) < 0.04, "8th chords at %.0f bpm: got %.2f", bpm,
                (double)e.bpm);
  free(odf);
}
END_TEST

START_TEST(test_tempo_step_100_to_130_relocks_within_4_bars)
{
  const double step_s = 16.0;
  const size_t frames = (size_t)((step_s + 12.0) * ODF_RATE_HZ);
  const Feel feel = _i == 0 ? FEEL_GHOSTS : FEEL_PULSES;
  float* odf =
      render_odf(frames, ODF_RATE_HZ, feel, 100.0, 130.0, step_s, 0.0, 0.005, 42);
  TandemTempo* t = tandem_tempo_new(ODF_RATE_HZ);
  ck_assert_ptr_nonnull(t);
  double locked_since_s = -1.0;
  bool locked_before_step = false;
  for (size_t i = 0; i < frames; ++i) {
    tandem_tempo_push(t, odf[i]);
    TandemTempoEstimate e;
    tandem_tempo_get(t, &e);
    const double now = i / ODF_RATE_HZ;
    if (now > step_s - 0.5 && now < step_s) {
      locked_before_step = fabs(e.bpm / 100.0 - 1.0) < 0.04;
    }
    if (now >= step_s) {
      const bool ok = fabs(e.bpm / 130.0 - 1.0) < 0.04;
      if (!ok) {
        locked_since_s = -1.0;
      } else if (locked_since_s < 0.0) {
        locked_since_s = now;
      }
    }
  }
  const double bar_s = 4.0 * 60.0 / 130.0;
  const double relock_s = locked_since_s - step_s;
  printf("%s: relocked to 130 bpm %.2f s (%.2f bars) after the step\n", feel_names[feel],
         relock_s, relock_s / bar_s);
  ck_assert(locked_before_step);
  ck_assert_msg(locked_since_s >= 0.0 && relock_s <= 4.0 * bar_s, "relock after %.2f s",
                relock_s);
  tandem_tempo_free(t);
  free(odf);
}
END_TEST

/* Tempo steps as in the benchmark corpus, each with a groove that suits it. */
static const struct {
  double bpm0, bpm1;
  Feel feel;
} tempo_steps[] = {
    {90.0, 115.0, FEEL_GHOSTS},       {90.0, 115.0, FEEL_SWING},
    {90.0, 115.0, FEEL_FUNK},         {124.0, 100.0, FEEL_HOUSE},
    {124.0, 100.0, FEEL_PULSES},      {160.0, 174.0, FEEL_GHOSTS},
    {160.0, 174.0, FEEL_DOUBLE_HATS},
};
#define N_TEMPO_STEPS 7

/* Lists beats the way tandem-analyze does (a beat when the phase says the latest one
 * fell more than half a period after the last listed) and returns the bars, at the new
 * tempo, from the step until every later beat interval is within 4% of the new period;
 * -1 if that never happens.  *bpm_before is the tempo held half a second before the step.
 */
static double relock_bars_after_step(const float* odf, size_t frames, double step_s,
                                     double bpm1, double* bpm_before)
{
  TandemTempo* t = tandem_tempo_new(ODF_RATE_HZ);
  ck_assert_ptr_nonnull(t);
  const double period = 60.0 / bpm1;
  double last_beat = -1.0;
  double good_since = -1.0;
  for (size_t i = 0; i < frames; ++i) {
    tandem_tempo_push(t, odf[i]);
    TandemTempoEstimate e;
    tandem_tempo_get(t, &e);
    assert_estimate_sane(&e);
    if (i == (size_t)((step_s - 0.5) * ODF_RATE_HZ)) {
      *bpm_before = e.bpm;
    }
    if (!(e.bpm > 0.0f)) {
      continue;
    }
    const double beat = (i + 1) / ODF_RATE_HZ - e.beat_phase * e.period_s;
    if (last_beat >= 0.0 && beat <= last_beat + 0.5 * e.period_s) {
      continue;
    }
    if (last_beat >= step_s) {
      const bool good = fabs((beat - last_beat) / period - 1.0) <= 0.04;
      if (!good) {
        good_since = -1.0;
      } else if (good_since < 0.0) {
        good_since = last_beat;
      }
    }
    last_beat = beat;
  }
  tandem_tempo_free(t);
  return good_since < 0.0 ? -1.0 : (good_since - step_s) / (4.0 * period);
}

START_TEST(test_tempo_steps_relock_within_4_bars_at_the_same_metrical_level)
{
  const double bpm0 = tempo_steps[_i].bpm0, bpm1 = tempo_steps[_i].bpm1;
  const Feel feel = tempo_steps[_i].feel;
  const double step_s = 14.0;
  const size_t frames = (size_t)((step_s + 16.0) * ODF_RATE_HZ);
  float* odf = render_odf(frames, ODF_RATE_HZ, feel, bpm0, bpm1, step_s, 0.5, 0.004,
                          100 + (uint64_t)_i);
  double bpm_before = 0.0;
  const double bars = relock_bars_after_step(odf, frames, step_s, bpm1, &bpm_before);
  const TandemTempoEstimate e = track(odf, frames, ODF_RATE_HZ);
  printf("%-16s %3.0f -> %3.0f bpm: beats relock after %.2f bars, ends at %.2f bpm\n",
         feel_names[feel], bpm0, bpm1, bars, (double)e.bpm);
  ck_assert_msg(fabs(bpm_before / bpm0 - 1.0) < 0.04, "%s: %.2f bpm before the step",
                feel_names[feel], bpm_before);
  ck_assert_msg(fabs(e.bpm / bpm1 - 1.0) < 0.04, "%s %.0f -> %.0f: ends at %.2f bpm",
                feel_names[feel], bpm0, bpm1, (double)e.bpm);
  ck_assert_msg(bars >= 0.0 && bars <= 4.0, "%s %.0f -> %.0f: relock after %.2f bars",
                feel_names[feel], bpm0, bpm1, bars);
  free(odf);
}
END_TEST

START_TEST(test_a_loud_off_beat_hit_does_not_bend_the_beat)
{
  /* 120 bpm, beats on whole half-seconds from 0.5 s; a crash 8 times a beat's strength
   * lands on the off-beat at 12.25 s and dominates the phase reading for a few beats. */
  const double bpm = 120.0, hit_s = 12.25;
  const size_t frames = (size_t)(24.0 * ODF_RATE_HZ);
  float* odf =
      render_odf(frames, ODF_RATE_HZ, FEEL_GHOSTS, bpm, bpm, 1e9, 0.5, 0.003, 77);
  const size_t f0 = (size_t)(hit_s * ODF_RATE_HZ);
  for (size_t k = 0; k <= (size_t)(0.03 * ODF_RATE_HZ); ++k) {
    odf[f0 + k] += (float)(8.0 * exp(-(double)k / (0.01 * ODF_RATE_HZ)));
  }
  double bpm_before = 0.0;
  /* Counted from 10 s: every beat interval after the first must stay within 4%. */
  const double bars = relock_bars_after_step(odf, frames, 10.0, bpm, &bpm_before);
  printf("off-beat crash: beat intervals within 4%% from %.2f bars after 10 s\n", bars);
  ck_assert_msg(fabs(bpm_before / bpm - 1.0) < 0.04, "%.2f bpm before the hit",
                bpm_before);
  ck_assert_msg(bars >= 0.0 && bars <= 0.5, "a beat interval bent %.2f bars after 10 s",
                bars);
  free(odf);
}
END_TEST

START_TEST(test_tempo_is_held_when_the_music_stops)
{
  const size_t frames = (size_t)(20.0 * ODF_RATE_HZ);
  float* odf =
      render_odf(frames, ODF_RATE_HZ, FEEL_GHOSTS, 106.0, 106.0, 1e9, 0.0, 0.005, 11);
  /* Silence after 12 s, as at the end of a song. */
  memset(odf + (size_t)(12.0 * ODF_RATE_HZ), 0,
         (frames - (size_t)(12.0 * ODF_RATE_HZ)) * sizeof(float));
  const TandemTempoEstimate e = track(odf, frames, ODF_RATE_HZ);
  printf("after 8 s of silence: %.2f bpm, confidence %.3f\n", (double)e.bpm,
         (double)e.confidence);
  ck_assert_msg(fabs(e.bpm / 106.0 - 1.0) < 0.04, "bpm %.2f", (double)e.bpm);
  ck_assert_msg(e.confidence < 0.1f, "confidence %.3f", (double)e.confidence);
  free(odf);
}
END_TEST

START_TEST(test_zero_constant_and_random_odf_give_no_confident_tempo)
{
  const size_t frames = (size_t)(12.0 * ODF_RATE_HZ);
  for (int kind = 0; kind < 3; ++kind) {
    TandemTempo* t = tandem_tempo_new(ODF_RATE_HZ);
    ck_assert_ptr_nonnull(t);
    Rng rng = {77};
    TandemTempoEstimate e;
    for (size_t i = 0; i < frames; ++i) {
      const float v = kind == 0 ? 0.0f : (kind == 1 ? 0.7f : (float)rng_uniform(&rng));
      tandem_tempo_push(t, v);
      tandem_tempo_get(t, &e);
      assert_estimate_sane(&e);
    }
    printf("odf kind %d: bpm %.1f confidence %.3f\n", kind, (double)e.bpm,
           (double)e.confidence);
    ck_assert_msg(e.confidence < (kind == 2 ? 0.2f : 0.01f), "kind %d: confidence %.3f",
                  kind, (double)e.confidence);
    tandem_tempo_free(t);
  }
}
END_TEST

START_TEST(test_nan_inf_negative_and_denormal_odf_do_not_poison_the_state)
{
  const float bad[] = {NAN, INFINITY, -INFINITY, -5.0f, 1e-42f, 3e38f};
  const size_t frames = (size_t)(24.0 * ODF_RATE_HZ);
  float* odf =
      render_odf(frames, ODF_RATE_HZ, FEEL_GHOSTS, 110.0, 110.0, 1e9, 0.0, 0.005, 5);
  for (int b = 0; b < 6; ++b) {
    TandemTempo* t = tandem_tempo_new(ODF_RATE_HZ);
    ck_assert_ptr_nonnull(t);
    TandemTempoEstimate e;
    for (size_t i = 0; i < frames; ++i) {
      /* A burst of bad values 8 s in, amid the rhythm. */
      const bool burst =
          i >= (size_t)(8.0 * ODF_RATE_HZ) && i < (size_t)(8.2 * ODF_RATE_HZ);
      tandem_tempo_push(t, burst ? bad[b] : odf[i]);
      tandem_tempo_get(t, &e);
      assert_estimate_sane(&e);
    }
    ck_assert_msg(fabs(e.bpm / 110.0 - 1.0) < 0.04, "bad value %d: bpm %.2f", b,
                  (double)e.bpm);
    tandem_tempo_free(t);
  }
  free(odf);
}
END_TEST

START_TEST(test_any_odf_rate_from_50_to_1000_hz_finds_the_tempo)
{
  static const double rates[] = {50.0, 86.1328125, 187.5, 375.0, 689.0625, 1000.0};
  const double rate = rates[_i];
  const size_t frames = (size_t)(14.0 * rate);
  float* odf = render_odf(frames, rate, FEEL_SWING, 128.0, 128.0, 1e9, 0.3, 0.005, 9);
  const TandemTempoEstimate e = track(odf, frames, rate);
  printf("odf rate %7.2f Hz: 128 bpm -> %.2f\n", rate, (double)e.bpm);
  ck_assert_msg(fabs(e.bpm / 128.0 - 1.0) < 0.04, "rate %.1f: bpm %.2f", rate,
                (double)e.bpm);
  free(odf);
}
END_TEST

START_TEST(test_reset_forgets_the_tempo_and_bad_rates_are_refused)
{
  const size_t frames = (size_t)(10.0 * ODF_RATE_HZ);
  float* odf =
      render_odf(frames, ODF_RATE_HZ, FEEL_PULSES, 120.0, 120.0, 1e9, 0.0, 0.0, 3);
  TandemTempo* t = tandem_tempo_new(ODF_RATE_HZ);
  ck_assert_ptr_nonnull(t);
  for (size_t i = 0; i < frames; ++i) {
    tandem_tempo_push(t, odf[i]);
  }
  TandemTempoEstimate e;
  tandem_tempo_get(t, &e);
  ck_assert(e.bpm > 0.0f);
  tandem_tempo_reset(t);
  tandem_tempo_get(t, &e);
  ck_assert(e.bpm == 0.0f && e.confidence == 0.0f && e.period_s == 0.0);
  tandem_tempo_free(t);
  tandem_tempo_free(NULL);
  ck_assert_ptr_null(tandem_tempo_new(49.0));
  ck_assert_ptr_null(tandem_tempo_new(1001.0));
  ck_assert_ptr_null(tandem_tempo_new(NAN));
  free(odf);
}
END_TEST

/* A drum groove with its onset classes, as analysis.c feeds the tracker: one bar of
 * 12 or 16 steps per role, strengths 0..1 ('X' 1, 'x' 0.8, 'o' 0.55, 'g' 0.25). */
typedef struct {
  const char* name;
  double bpm;
  int steps_per_beat; /* 4: 16ths, 3: triplets */
  const char* kick;
  const char* snare;
  const char* hat;
} Groove;

static const Groove grooves[] = {
    /* A ballad: 8th hats, kick on 1 and the and of 3, snare on 2 and 4.  The 8th hats
     * on their own read as beats at 128 bpm. */
    {"ballad 64", 64.0, 4, "x.........x.....", "....X.......X...", "x.o.x.o.x.o.x.o."},
    {"ballad 72", 72.0, 4, "x.........x.....", "....X.......X...", "x.o.x.o.x.o.x.o."},
    /* Jazz: ride on every beat, the skip note on the last triplet of 2 and 4, the
     * pedal hat on 2 and 4 (with the ride: one louder hat), a feathered kick. */
    {"jazz ride 170", 170.0, 3, "g..g..g..g..", "............", "o..X.oo..X.o"},
    {"jazz ride 160", 160.0, 3, "g..g..g..g..", "............", "o..X.oo..X.o"},
    /* Trap: half-time snare on 3, 16th hats. */
    {"trap 150", 150.0, 4, "x......x..x.....", "........X.......", "xoxoxoxoxoxoxoxo"},
    /* Hardcore: kick on every beat, clap on 2 and 4, open hats on the off-beats. */
    {"hardcore 180", 180.0, 4, "X...X...X...X...", "....x.......x...",
     "..x...x...x...x."},
};
#define N_GROOVES 6

typedef struct {
  double time_s;
  int cls;
  float strength; /* 0..1, as the onset detector reports it */
  float odf;      /* how far the ODF rises: strokes together add less than alone */
} Stroke;

static float step_strength(char c)
{
  switch (c) {
  case 'X':
    return 1.0f;
  case 'x':
    return 0.8f;
  case 'o':
    return 0.55f;
  case 'g':
    return 0.25f;
  default:
    return 0.0f;
  }
}

/* Strokes of a groove over duration_s, timing jittered by up to +-4 ms, sorted by time;
 * returns how many were written (at most max). */
static size_t render_strokes(const Groove* g, double duration_s, uint64_t seed,
                             Stroke* out, size_t max)
{
  static const int classes[3] = {TANDEM_ONSET_KICK, TANDEM_ONSET_SNARE, TANDEM_ONSET_HAT};
  const char* pats[3] = {g->kick, g->snare, g->hat};
  const int steps = 4 * g->steps_per_beat;
  const double step_s = 60.0 / g->bpm / g->steps_per_beat;
  Rng rng = {seed * 104729 + 7};
  size_t n = 0;
  for (int idx = 0; (idx + 1) * step_s < duration_s; ++idx) {
    /* Strokes at one step merge into one onset of the loudest class. */
    float best = 0.0f, sum = 0.0f;
    int cls = TANDEM_ONSET_HAT;
    for (int r = 0; r < 3; ++r) {
      const float v = step_strength(pats[r][idx % steps]);
      sum += v;
      if (v > best) {
        best = v;
        cls = classes[r];
      }
    }
    if (best > 0.0f && n < max) {
      out[n].time_s = 0.2 + idx * step_s + 0.004 * (2.0 * rng_uniform(&rng) - 1.0);
      out[n].cls = cls;
      out[n].strength = sum > 1.0f ? 1.0f : sum;
      out[n].odf = best + 0.25f * (sum - best);
      n++;
    }
  }
  return n;
}

/* Feeds the strokes as an ODF (a sharp rise, ~10 ms decay, over a small noise floor)
 * and as classed onsets reported 5 ms late, as the onset detector does. */
static TandemTempoEstimate track_groove(const Groove* g, double duration_s, uint64_t seed,
                                        bool with_classes)
{
  enum { MAX_STROKES = 1024 };
  static Stroke strokes[MAX_STROKES];
  const size_t n = render_strokes(g, duration_s, seed, strokes, MAX_STROKES);
  const double rate = ODF_RATE_HZ;
  const size_t frames = (size_t)(duration_s * rate);
  float* odf = calloc(frames, sizeof(float));
  ck_assert_ptr_nonnull(odf);
  Rng rng = {seed + 11};
  for (size_t i = 0; i < n; ++i) {
    const size_t f = (size_t)floor(strokes[i].time_s * rate);
    for (size_t k = 0; k <= (size_t)(0.03 * rate) && f + k < frames; ++k) {
      odf[f + k] += (float)(strokes[i].odf * exp(-(double)k / (0.01 * rate)));
    }
  }
  TandemTempo* t = tandem_tempo_new(rate);
  ck_assert_ptr_nonnull(t);
  size_t next = 0;
  for (size_t i = 0; i < frames; ++i) {
    tandem_tempo_push(t, odf[i] + (float)(0.02 * rng_uniform(&rng)));
    const double now = i / rate;
    while (next < n && strokes[next].time_s + 0.005 <= now) {
      if (with_classes) {
        tandem_tempo_onset(t, 1u << strokes[next].cls, strokes[next].strength,
                           now - strokes[next].time_s);
      }
      next++;
    }
  }
  TandemTempoEstimate e;
  tandem_tempo_get(t, &e);
  assert_estimate_sane(&e);
  tandem_tempo_free(t);
  free(odf);
  return e;
}

START_TEST(test_drum_classes_put_ballad_jazz_trap_and_hardcore_at_the_played_level)
{
  const Groove* g = &grooves[_i];
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    const TandemTempoEstimate e = track_groove(g, 24.0, seed, true);
    printf("%-14s seed %d: %.2f bpm\n", g->name, (int)seed, (double)e.bpm);
    ck_assert_msg(fabs(e.bpm / g->bpm - 1.0) < 0.04, "%s (seed %d): read %.2f bpm",
                  g->name, (int)seed, (double)e.bpm);
  }
}
END_TEST

START_TEST(test_drum_onsets_without_hats_leave_the_level_to_the_odf)
{
  /* Bass notes read as kicks and a chord once a bar as a snare: with a drum kit that
   * snare would mean beats twice as long, but without hats there is no kit, and the
   * tracker reads the same as from the ODF alone. */
  const Groove chords = {
      "bass and chords 95", 95.0, 4, "x...x...x...x...", "........X.......",
      "................"};
  const TandemTempoEstimate with = track_groove(&chords, 20.0, 5, true);
  const TandemTempoEstimate without = track_groove(&chords, 20.0, 5, false);
  printf("chords without hats: %.2f bpm with classes, %.2f without\n", (double)with.bpm,
         (double)without.bpm);
  ck_assert(fabs(without.bpm / 95.0 - 1.0) < 0.04);
  ck_assert(fabs(with.bpm - without.bpm) < 0.01f * without.bpm);
}
END_TEST

static Suite* tempo_suite(void)
{
  Suite* s = suite_create("tempo");
  TCase* lock = tcase_create("lock");
  tcase_set_timeout(lock, 120);
  tcase_add_loop_test(
      lock, test_tempo_within_4_percent_and_beat_phase_right_for_pulses_ghosts_swing, 0,
      3 * N_TEST_BPMS);
  tcase_add_loop_test(
      lock, test_half_time_feel_and_double_time_hats_cause_no_octave_error, 0, 8);
  tcase_add_loop_test(lock, test_tempo_step_100_to_130_relocks_within_4_bars, 0, 2);
  tcase_add_loop_test(lock,
                      test_tempo_steps_relock_within_4_bars_at_the_same_metrical_level, 0,
                      N_TEMPO_STEPS);
  tcase_add_test(lock, test_a_loud_off_beat_hit_does_not_bend_the_beat);
  tcase_add_loop_test(lock, test_even_eighth_note_chords_are_not_taken_for_double_tempo,
                      0, 6);
  tcase_add_loop_test(lock, test_any_odf_rate_from_50_to_1000_hz_finds_the_tempo, 0, 6);
  tcase_add_loop_test(
      lock, test_drum_classes_put_ballad_jazz_trap_and_hardcore_at_the_played_level, 0,
      N_GROOVES);
  tcase_add_test(lock, test_drum_onsets_without_hats_leave_the_level_to_the_odf);
  suite_add_tcase(s, lock);
  TCase* robust = tcase_create("robustness");
  tcase_set_timeout(robust, 120);
  tcase_add_test(robust, test_tempo_is_held_when_the_music_stops);
  tcase_add_test(robust, test_zero_constant_and_random_odf_give_no_confident_tempo);
  tcase_add_test(robust, test_nan_inf_negative_and_denormal_odf_do_not_poison_the_state);
  tcase_add_test(robust, test_reset_forgets_the_tempo_and_bad_rates_are_refused);
  suite_add_tcase(s, robust);
  return s;
}

int main(void)
{
  SRunner* runner = srunner_create(tempo_suite());
  srunner_run_all(runner, CK_NORMAL);
  const int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
