/* Unit tests for plugin/onset.c: timing to the sample, classes, sensitivity,
 * steady signals and sample rates, on signals generated here. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "onset.h"

#define MAX_FOUND 512

typedef struct {
  int64_t at[MAX_FOUND]; /* onset sample (detection - delay) */
  int64_t detected[MAX_FOUND];
  uint8_t cls[MAX_FOUND];
  float strength[MAX_FOUND];
  unsigned n;
} Found;

/* Small deterministic generator, one per signal (no shared state). */
static double noise(uint64_t* state)
{
  *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(*state >> 11) / (double)(1ULL << 52) - 1.0;
}

static void run_detector(TandemOnset* o, const float* x, long len, long block, Found* f)
{
  f->n = 0;
  for (long b = 0; b < len; b += block) {
    uint32_t n = (uint32_t)(len - b < block ? len - b : block);
    for (uint32_t done = 0; done < n;) {
      bool hop_done = false;
      TandemOnsetHop hop;
      done += tandem_onset_feed(o, x + b + done, n - done, &hop_done, &hop);
      ck_assert(!hop_done || (isfinite(hop.odf) && hop.odf >= 0.0f));
      if (hop_done && hop.has_onset && f->n < MAX_FOUND) {
        const int64_t det = b + done - 1;
        ck_assert_int_ge(hop.delay, 0);
        f->at[f->n] = det - hop.delay;
        f->detected[f->n] = det;
        f->cls[f->n] = hop.cls;
        f->strength[f->n] = hop.strength;
        f->n++;
      }
    }
  }
}

enum { CLICK, KICK, SNARE, HAT, DARK_SNARE };

/* Adds one synthetic hit starting exactly at sample `at`. */
static void add_hit(float* x, long len, long at, int kind, double amp, double rate,
                    uint64_t* rng)
{
  const long n = (long)(0.25 * rate);
  double hp_prev_in = 0.0, hp = 0.0, lp = 0.0, lp2 = 0.0;
  for (long i = 0; i < n && at + i < len; ++i) {
    const double t = i / rate;
    double v = 0.0;
    switch (kind) {
    case CLICK:
      v = i < 2 ? 1.0 : 0.0;
      break;
    case KICK: /* decaying 50 Hz sine */
      v = sin(2.0 * M_PI * 50.0 * t) * exp(-t / 0.12);
      break;
    case SNARE: /* noise burst plus a 200 Hz body */
      v = (0.6 * noise(rng) + 0.5 * sin(2.0 * M_PI * 200.0 * t)) * exp(-t / 0.05);
      break;
    case DARK_SNARE: /* like a real snare: its noise mostly at 0.4-3 kHz */
      lp += 0.3 * (noise(rng) - lp);
      lp2 += 0.05 * (lp - lp2);
      v = (1.5 * (lp - lp2) + 0.5 * sin(2.0 * M_PI * 190.0 * t)) * exp(-t / 0.05);
      break;
    case HAT: { /* high-passed noise, short */
      const double w = noise(rng);
      hp = 0.6 * (hp + w - hp_prev_in);
      hp_prev_in = w;
      v = 1.5 * hp * exp(-t / 0.015);
      break;
    }
    }
    x[at + i] += (float)(amp * v);
  }
}

static float* make_signal(long len)
{
  float* x = calloc((size_t)len, sizeof(float));
  ck_assert_ptr_nonnull(x);
  return x;
}

/* Every expected onset matched by exactly one found onset within tol samples,
 * and nothing else found. */
static void assert_matches(const Found* f, const long* expected, int n_expected, long tol,
                           const char* what)
{
  ck_assert_msg((int)f->n == n_expected, "%s: found %u onsets, expected %d", what, f->n,
                n_expected);
  for (int i = 0; i < n_expected; ++i) {
    const long err = (long)(f->at[i] - expected[i]);
    ck_assert_msg(labs(err) <= tol, "%s: onset %d off by %ld samples", what, i, err);
  }
}

START_TEST(test_onset_detects_clicks_within_5ms)
{
  const double rate = 48000.0;
  const long len = (long)(4 * rate);
  float* x = make_signal(len);
  long expected[12];
  uint64_t rng = 1;
  for (int i = 0; i < 12; ++i) {
    expected[i] = (long)(0.2 * rate) + i * 14321L; /* ~0.3 s apart, odd offsets */
    add_hit(x, len, expected[i], CLICK, 0.8, rate, &rng);
  }
  TandemOnset* o = tandem_onset_new(rate);
  Found f;
  run_detector(o, x, len, 64, &f);
  assert_matches(&f, expected, 12, (long)(0.005 * rate), "clicks");
  /* The refinement is in fact sample-exact on clean clicks. */
  for (unsigned i = 0; i < f.n; ++i) {
    ck_assert_int_eq(f.at[i], expected[i]);
  }
  tandem_onset_free(o);
  free(x);
}
END_TEST

START_TEST(test_onset_reports_within_20ms_of_the_onset)
{
  const double rate = 48000.0;
  const long len = (long)(3 * rate);
  float* x = make_signal(len);
  uint64_t rng = 2;
  long expected[8];
  for (int i = 0; i < 8; ++i) {
    expected[i] = (long)(0.1 * rate) + i * 16001L;
    add_hit(x, len, expected[i], i % 3 == 0 ? KICK : (i % 3 == 1 ? SNARE : HAT), 0.7,
            rate, &rng);
  }
  TandemOnset* o = tandem_onset_new(rate);
  Found f;
  run_detector(o, x, len, 64, &f);
  assert_matches(&f, expected, 8, (long)(0.005 * rate), "drums");
  for (unsigned i = 0; i < f.n; ++i) {
    /* detection sample minus true onset: what a player following us waits */
    ck_assert_int_le(f.detected[i] - expected[i], (int64_t)(0.020 * rate));
    ck_assert_int_ge(f.detected[i] - expected[i], 0);
  }
  tandem_onset_free(o);
  free(x);
}
END_TEST

START_TEST(test_onset_classifies_kick_snare_and_hat)
{
  static const int kinds[] = {KICK, SNARE, HAT};
  static const char* names[] = {"kick", "snare", "hat"};
  static const uint8_t want[] = {TANDEM_ONSET_KICK, TANDEM_ONSET_SNARE, TANDEM_ONSET_HAT};
  const double rate = 44100.0;
  for (int k = 0; k < 3; ++k) {
    const long len = (long)(3 * rate);
    float* x = make_signal(len);
    uint64_t rng = 7 + (uint64_t)k;
    long expected[6];
    for (int i = 0; i < 6; ++i) {
      expected[i] = (long)(0.15 * rate) + i * 20011L;
      add_hit(x, len, expected[i], kinds[k], 0.5 + 0.08 * i, rate, &rng);
    }
    TandemOnset* o = tandem_onset_new(rate);
    Found f;
    run_detector(o, x, len, 64, &f);
    assert_matches(&f, expected, 6, (long)(0.005 * rate), names[k]);
    for (unsigned i = 0; i < f.n; ++i) {
      ck_assert_msg(f.cls[i] == want[k], "%s %u classed as %d", names[k], i, f.cls[i]);
    }
    tandem_onset_free(o);
    free(x);
  }
}
END_TEST

/* A kick or snare is nearly always struck with a hat: the pair must take the
 * class of the drum under the hat. */
START_TEST(test_onset_kick_with_hat_is_kick_and_snare_with_hat_is_snare)
{
  static const int drums[] = {KICK, DARK_SNARE};
  static const char* names[] = {"kick+hat", "snare+hat"};
  static const uint8_t want[] = {TANDEM_ONSET_KICK, TANDEM_ONSET_SNARE};
  const double rate = 48000.0;
  for (int k = 0; k < 2; ++k) {
    const long len = (long)(3 * rate);
    float* x = make_signal(len);
    uint64_t rng = 11 + (uint64_t)k;
    long expected[6];
    for (int i = 0; i < 6; ++i) {
      expected[i] = (long)(0.15 * rate) + i * 21013L;
      add_hit(x, len, expected[i], drums[k], 0.5 + 0.05 * i, rate, &rng);
      /* hats about 10 dB under the drum, as a drummer plays them */
      add_hit(x, len, expected[i], HAT, 0.15 + 0.02 * i, rate, &rng);
    }
    TandemOnset* o = tandem_onset_new(rate);
    Found f;
    run_detector(o, x, len, 64, &f);
    for (int i = 0; i < 6; ++i) {
      bool hit = false;
      int near_cls = -1;
      for (unsigned j = 0; j < f.n; ++j) {
        if (labs((long)(f.at[j] - expected[i])) <= (long)(0.010 * rate)) {
          near_cls = f.cls[j];
          hit = hit || f.cls[j] == want[k];
        }
      }
      ck_assert_msg(hit, "%s %d: no onset of class %d within 10 ms (found class %d)",
                    names[k], i, want[k], near_cls);
    }
    tandem_onset_free(o);
    free(x);
  }
}
END_TEST

/* A ride cymbal stroke, struck on the bow: inharmonic partials from 480 Hz to
 * 12 kHz, the louder ones (the bell, 0.5-1.4 kHz) carrying about as much power
 * as the wash above 3 kHz, almost nothing below 300 Hz.  Each partial starts at
 * a phase of its own and rings for some 100 ms, so the next stroke lands on the
 * last one's tail, as on a real ride.  A classifier that wants most of the rise
 * above 3 kHz for a cymbal calls most of these strokes snares. */
static void add_ride(float* x, long len, long at, double amp, double rate, uint64_t* rng)
{
  static const double bell_hz[] = {487.0, 653.0, 871.0, 1093.0, 1327.0};
  enum { N_BELL = 5, N_WASH = 24 };
  double hz[N_BELL + N_WASH], gain[N_BELL + N_WASH], decay_s[N_BELL + N_WASH],
      phase[N_BELL + N_WASH];
  for (int p = 0; p < N_BELL + N_WASH; ++p) {
    if (p < N_BELL) {
      hz[p] = bell_hz[p];
      gain[p] = 0.25;
      decay_s[p] = 0.15;
    } else {
      /* geometric spacing, pulled off any harmonic series by a few per cent */
      const int w = p - N_BELL;
      hz[p] = 3100.0 * pow(12000.0 / 3100.0, w / (N_WASH - 1.0)) *
              (1.0 + 0.02 * sin(w * 2.3));
      gain[p] = 0.12;
      decay_s[p] = 0.08;
    }
    phase[p] = M_PI * noise(rng);
  }
  const long n = (long)(0.6 * rate);
  for (long i = 0; i < n && at + i < len; ++i) {
    const double t = i / rate;
    double v = 0.0;
    for (int p = 0; p < N_BELL + N_WASH; ++p) {
      v += gain[p] * sin(2.0 * M_PI * hz[p] * t + phase[p]) * exp(-t / decay_s[p]);
    }
    x[at + i] += (float)(amp * v);
  }
}

/* A jazz drummer's ride (swung eighths at 140 bpm, each stroke on the tail of
 * the last) must be heard as the cymbal class, and snare strokes played over
 * it as snares. */
START_TEST(test_onset_ride_is_hat_and_snare_over_it_stays_snare)
{
  const double rate = 48000.0;
  const long len = (long)(5 * rate);
  const long beat = (long)(rate * 60.0 / 140.0);
  for (int with_snare = 0; with_snare < 2; ++with_snare) {
    float* x = make_signal(len);
    uint64_t rng = 17 + (uint64_t)with_snare;
    long rides[16], snares[4];
    int n_rides = 0, n_snares = 0;
    for (int b = 0; b < 8; ++b) {
      const long at = (long)(0.1 * rate) + b * beat;
      /* the ride on every beat and on the swung 'and' of beats 2 and 4 */
      rides[n_rides++] = at;
      add_ride(x, len, at, 0.3 + 0.03 * (b % 3), rate, &rng);
      if (b % 2 == 1) {
        rides[n_rides] = at + 2 * beat / 3;
        add_ride(x, len, rides[n_rides++], 0.22, rate, &rng);
      }
      if (with_snare && b % 2 == 0) {
        /* on the third triplet of the beat, between two ride strokes */
        snares[n_snares] = at + beat * 2 / 3;
        add_hit(x, len, snares[n_snares++], SNARE, 0.5, rate, &rng);
      }
    }
    TandemOnset* o = tandem_onset_new(rate);
    Found f;
    run_detector(o, x, len, 64, &f);
    const long tol = (long)(0.005 * rate);
    for (int kind = 0; kind < 2; ++kind) {
      const long* at = kind ? snares : rides;
      const int n = kind ? n_snares : n_rides;
      const uint8_t want = kind ? TANDEM_ONSET_SNARE : TANDEM_ONSET_HAT;
      for (int i = 0; i < n; ++i) {
        int cls = -1;
        for (unsigned j = 0; j < f.n; ++j) {
          if (labs((long)(f.at[j] - at[i])) <= tol) {
            cls = f.cls[j];
          }
        }
        ck_assert_msg(cls == want, "%s %d (%s): class %d, expected %d (-1: not found)",
                      kind ? "snare" : "ride stroke", i,
                      with_snare ? "with snares" : "alone", cls, want);
      }
    }
    tandem_onset_free(o);
    free(x);
  }
}
END_TEST

START_TEST(test_onset_sensitivity_is_monotonic_and_reaches_ghost_notes)
{
  const double rate = 48000.0;
  const long len = (long)(6 * rate);
  float* x = make_signal(len);
  uint64_t rng = 3;
  /* Loud snares with ever quieter ghost hits between them, on a -60 dB floor. */
  for (int i = 0; i < 24; ++i) {
    const long at = (long)(0.1 * rate) + i * 11000L;
    const double amp =
        (i % 2 == 0) ? 0.8 : 0.8 * pow(10.0, -(10.0 + 2.5 * (i / 2)) / 20.0);
    add_hit(x, len, at, SNARE, amp, rate, &rng);
  }
  for (long i = 0; i < len; ++i) {
    x[i] += (float)(0.001 * noise(&rng));
  }
  unsigned counts[5];
  for (int s = 0; s < 5; ++s) {
    TandemOnset* o = tandem_onset_new(rate);
    tandem_onset_set_sensitivity(o, 0.25f * s);
    Found f;
    run_detector(o, x, len, 64, &f);
    counts[s] = f.n;
    tandem_onset_free(o);
  }
  for (int s = 1; s < 5; ++s) {
    ck_assert_msg(counts[s] >= counts[s - 1], "sensitivity %.2f found %u < %u", 0.25 * s,
                  counts[s], counts[s - 1]);
  }
  ck_assert_uint_ge(counts[0], 12); /* every loud hit, even at 0 */
  ck_assert_msg(counts[4] >= counts[0] + 4, "counts %u %u %u %u %u", counts[0], counts[1],
                counts[2], counts[3], counts[4]);
  ck_assert_uint_le(counts[4], 24);
  free(x);
}
END_TEST

START_TEST(test_onset_steady_signals_give_no_onsets_after_their_start)
{
  const double rate = 48000.0;
  const long len = (long)(3 * rate);
  const long start_grace = (long)(0.05 * rate);
  static const char* names[] = {"sine",        "full-scale square", "DC",
                                "white noise", "two beating sines", "low 40 Hz sine"};
  for (int kind = 0; kind < 6; ++kind) {
    float* x = make_signal(len);
    uint64_t rng = 11;
    for (long i = 0; i < len; ++i) {
      const double t = i / rate;
      double v = 0.0;
      switch (kind) {
      case 0:
        v = 0.5 * sin(2.0 * M_PI * 440.0 * t);
        break;
      case 1:
        v = sin(2.0 * M_PI * 110.0 * t) >= 0.0 ? 1.0 : -1.0;
        break;
      case 2:
        v = 0.7;
        break;
      case 3:
        v = 0.3 * noise(&rng);
        break;
      case 4:
        v = 0.3 * sin(2.0 * M_PI * 440.0 * t) + 0.3 * sin(2.0 * M_PI * 443.0 * t);
        break;
      case 5:
        v = 0.8 * sin(2.0 * M_PI * 40.0 * t);
        break;
      }
      x[i] = (float)v;
    }
    TandemOnset* o = tandem_onset_new(rate);
    Found f;
    run_detector(o, x, len, 64, &f);
    for (unsigned i = 0; i < f.n; ++i) {
      ck_assert_msg(f.at[i] < start_grace, "%s: spurious onset at %.3f s", names[kind],
                    f.at[i] / rate);
    }
    tandem_onset_free(o);
    free(x);
  }
}
END_TEST

START_TEST(test_onset_silence_and_tiny_values_give_nothing)
{
  const double rate = 48000.0;
  const long len = (long)(1 * rate);
  float* x = make_signal(len);
  for (long i = 0; i < len; ++i) {
    x[i] = (i % 7 == 0) ? 1e-38f : 0.0f; /* denormal-range dust */
  }
  TandemOnset* o = tandem_onset_new(rate);
  Found f;
  run_detector(o, x, len, 64, &f);
  ck_assert_uint_eq(f.n, 0);
  tandem_onset_free(o);
  free(x);
}
END_TEST

START_TEST(test_onset_same_times_for_block_sizes_1_64_and_8192)
{
  const double rate = 48000.0;
  const long len = (long)(2.5 * rate);
  float* x = make_signal(len);
  uint64_t rng = 5;
  for (int i = 0; i < 10; ++i) {
    add_hit(x, len, (long)(0.1 * rate) + i * 10007L, i % 3 + 1, 0.6, rate, &rng);
  }
  static const long blocks[] = {1, 64, 8192};
  Found f[3];
  for (int b = 0; b < 3; ++b) {
    TandemOnset* o = tandem_onset_new(rate);
    run_detector(o, x, len, blocks[b], &f[b]);
    tandem_onset_free(o);
  }
  ck_assert_uint_eq(f[0].n, 10);
  for (int b = 1; b < 3; ++b) {
    ck_assert_uint_eq(f[b].n, f[0].n);
    for (unsigned i = 0; i < f[0].n; ++i) {
      ck_assert_int_eq(f[b].at[i], f[0].at[i]);
      ck_assert_int_eq(f[b].detected[i], f[0].detected[i]);
      ck_assert_uint_eq(f[b].cls[i], f[0].cls[i]);
      ck_assert_float_eq(f[b].strength[i], f[0].strength[i]);
    }
  }
  free(x);
}
END_TEST

START_TEST(test_onset_clicks_within_5ms_at_22050_and_192000)
{
  static const double rates[] = {22050.0, 192000.0};
  for (int r = 0; r < 2; ++r) {
    const double rate = rates[r];
    const long len = (long)(3 * rate);
    float* x = make_signal(len);
    uint64_t rng = 9;
    long expected[9];
    for (int i = 0; i < 9; ++i) {
      expected[i] = (long)((0.2 + 0.29 * i) * rate) + 3 * i;
      add_hit(x, len, expected[i], i % 2 ? CLICK : SNARE, 0.7, rate, &rng);
    }
    TandemOnset* o = tandem_onset_new(rate);
    ck_assert_ptr_nonnull(o);
    Found f;
    run_detector(o, x, len, 64, &f);
    assert_matches(&f, expected, 9, (long)(0.005 * rate),
                   rate < 30000 ? "22050" : "192000");
    tandem_onset_free(o);
    free(x);
  }
}
END_TEST

START_TEST(test_onset_dense_16th_hats_with_noise_floor_all_found)
{
  const double rate = 48000.0;
  const long len = (long)(4 * rate);
  float* x = make_signal(len);
  uint64_t rng = 13;
  const long step = (long)(rate * 60.0 / 140.0 / 4.0); /* 16ths at 140 bpm */
  long expected[64];
  int n = 0;
  for (long at = (long)(0.1 * rate); at + step < len && n < 64; at += step) {
    expected[n] = at;
    add_hit(x, len, at, n % 4 == 0 ? KICK : HAT, n % 2 ? 0.25 : 0.5, rate, &rng);
    n++;
  }
  for (long i = 0; i < len; ++i) {
    x[i] += (float)(0.003 * noise(&rng)); /* about -55 dBFS */
  }
  TandemOnset* o = tandem_onset_new(rate);
  Found f;
  run_detector(o, x, len, 64, &f);
  assert_matches(&f, expected, n, (long)(0.005 * rate), "16th hats");
  tandem_onset_free(o);
  free(x);
}
END_TEST

/* A groove of kicks, snares and hats with a soft hat between each, at full
 * scale and turned down by 30 and 40 dB (a raw recorded track peaks near -31
 * dBFS): the adaptive level finds the same onsets at every level after the
 * first half second, where it is still rising. */
START_TEST(test_onset_quiet_input_gives_the_same_onsets_as_loud)
{
  const double rate = 48000.0;
  const long len = (long)(5 * rate);
  const long step = (long)(rate * 60.0 / 110.0 / 2.0); /* 8ths at 110 bpm */
  static const double gains_db[] = {0.0, -30.0, -40.0};
  long expected[64];
  int n_expected = 0;
  for (int g = 0; g < 3; ++g) {
    float* x = make_signal(len);
    uint64_t rng = 23;
    int n = 0;
    const double amp = pow(10.0, gains_db[g] / 20.0);
    for (long at = (long)(0.05 * rate); at + step < len && n < 64; at += step, ++n) {
      const int kind = n % 4 == 0 ? KICK : (n % 4 == 2 ? SNARE : HAT);
      add_hit(x, len, at, kind, amp * (kind == HAT ? 0.3 : 0.8), rate, &rng);
      if (g == 0) {
        expected[n_expected++] = at;
      }
    }
    TandemOnset* o = tandem_onset_new(rate);
    Found f;
    run_detector(o, x, len, 64, &f);
    /* every expected onset after 0.5 s found within 5 ms, nothing else after it */
    int matched = 0, after = 0;
    for (unsigned i = 0; i < f.n; ++i) {
      if (f.at[i] < (long)(0.5 * rate)) {
        continue;
      }
      after++;
      for (int k = 0; k < n_expected; ++k) {
        if (labs((long)f.at[i] - expected[k]) <= (long)(0.005 * rate)) {
          matched++;
          break;
        }
      }
    }
    int want = 0;
    for (int k = 0; k < n_expected; ++k) {
      want += expected[k] >= (long)(0.5 * rate);
    }
    ck_assert_msg(matched == want && after == want,
                  "at %.0f dB: %d of %d onsets after 0.5 s found, %d reported", gains_db[g],
                  matched, want, after);
    tandem_onset_free(o);
    free(x);
  }
}
END_TEST

START_TEST(test_onset_new_rejects_bad_rates_and_sensitivity_is_clamped)
{
  ck_assert_ptr_null(tandem_onset_new(0.0));
  ck_assert_ptr_null(tandem_onset_new(-48000.0));
  ck_assert_ptr_null(tandem_onset_new(NAN));
  tandem_onset_free(NULL);
  TandemOnset* o = tandem_onset_new(48000.0);
  ck_assert_double_eq_tol(tandem_onset_hop_rate_hz(o), 400.0, 1.0);
  /* Out-of-range sensitivities behave like the nearest valid one. */
  const long len = 48000;
  float* x = make_signal(len);
  uint64_t rng = 17;
  for (int i = 0; i < 4; ++i) {
    add_hit(x, len, 4000 + i * 10000L, SNARE, 0.05 + 0.2 * i, 48000.0, &rng);
  }
  Found a, b;
  tandem_onset_set_sensitivity(o, 7.0f);
  run_detector(o, x, len, 64, &a);
  tandem_onset_reset(o);
  tandem_onset_set_sensitivity(o, 1.0f);
  run_detector(o, x, len, 64, &b);
  ck_assert_uint_eq(a.n, b.n);
  tandem_onset_reset(o);
  tandem_onset_set_sensitivity(o, NAN);
  run_detector(o, x, len, 64, &a);
  tandem_onset_reset(o);
  tandem_onset_set_sensitivity(o, 0.5f);
  run_detector(o, x, len, 64, &b);
  ck_assert_uint_eq(a.n, b.n);
  tandem_onset_free(o);
  free(x);
}
END_TEST

static Suite* onset_suite(void)
{
  Suite* s = suite_create("onset");
  TCase* tc = tcase_create("onset");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_onset_detects_clicks_within_5ms);
  tcase_add_test(tc, test_onset_reports_within_20ms_of_the_onset);
  tcase_add_test(tc, test_onset_classifies_kick_snare_and_hat);
  tcase_add_test(tc, test_onset_kick_with_hat_is_kick_and_snare_with_hat_is_snare);
  tcase_add_test(tc, test_onset_ride_is_hat_and_snare_over_it_stays_snare);
  tcase_add_test(tc, test_onset_sensitivity_is_monotonic_and_reaches_ghost_notes);
  tcase_add_test(tc, test_onset_steady_signals_give_no_onsets_after_their_start);
  tcase_add_test(tc, test_onset_silence_and_tiny_values_give_nothing);
  tcase_add_test(tc, test_onset_same_times_for_block_sizes_1_64_and_8192);
  tcase_add_test(tc, test_onset_clicks_within_5ms_at_22050_and_192000);
  tcase_add_test(tc, test_onset_dense_16th_hats_with_noise_floor_all_found);
  tcase_add_test(tc, test_onset_quiet_input_gives_the_same_onsets_as_loud);
  tcase_add_test(tc, test_onset_new_rejects_bad_rates_and_sensitivity_is_clamped);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner* runner = srunner_create(onset_suite());
  srunner_run_all(runner, CK_NORMAL);
  const int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
