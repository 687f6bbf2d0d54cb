/* Tandem — harmony tracker: chroma, key and chords on tones rendered here. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harmony.h"
#include "theory.h"

typedef enum { TIMBRE_SINE = 0, TIMBRE_SAW, TIMBRE_PIANO, TIMBRE_COUNT } Timbre;

static const char* const timbre_names[TIMBRE_COUNT] = {"sine", "saw", "piano"};

typedef struct {
  float* data;
  size_t frames;
  double rate;
} Audio;

static Audio audio_new(double seconds, double rate)
{
  Audio a;
  a.rate = rate;
  a.frames = (size_t)(seconds * rate);
  a.data = calloc(a.frames, sizeof(float));
  ck_assert_ptr_nonnull(a.data);
  return a;
}

/* Adds one note: pure sine, a sawtooth-like stack (1/h), or piano-like partials that
 * decay faster the higher they are. */
static void add_note(Audio* a, int midi, double start_s, double dur_s, Timbre timbre,
                     double amp)
{
  const double f0 = 440.0 * pow(2.0, (midi - 69) / 12.0);
  const size_t first = (size_t)(start_s * a->rate);
  size_t last = (size_t)((start_s + dur_s) * a->rate);
  if (last > a->frames) {
    last = a->frames;
  }
  const int partials = timbre == TIMBRE_SINE ? 1 : 10;
  for (int h = 1; h <= partials; ++h) {
    const double f = f0 * h;
    if (f > 0.45 * a->rate) {
      break;
    }
    const double ph_amp =
        timbre == TIMBRE_SAW ? 1.0 / h : (timbre == TIMBRE_PIANO ? pow(h, -1.5) : 1.0);
    const double decay_per_s = timbre == TIMBRE_PIANO ? 0.8 + 0.6 * h : 0.0;
    /* A rotating phasor and a per-sample decay factor: the same tone as sin() and exp()
     * per sample, at a fraction of the cost. */
    const double step_re = cos(2.0 * M_PI * f / a->rate),
                 step_im = sin(2.0 * M_PI * f / a->rate);
    const double decay_step = exp(-decay_per_s / a->rate);
    double re = 1.0, im = 0.0, env = amp * ph_amp;
    for (size_t i = first; i < last; ++i) {
      const double t = (double)(i - first) / a->rate;
      /* 10 ms fades so that note edges do not splash across the spectrum. */
      const double edge = fmin(1.0, fmin(t, (double)(last - i) / a->rate) / 0.01);
      a->data[i] += (float)(env * edge * im);
      const double next_re = re * step_re - im * step_im;
      im = re * step_im + im * step_re;
      re = next_re;
      env *= decay_step;
    }
  }
}

static void add_chord(Audio* a, int root_pc, TandemChordQuality q, double start_s,
                      double dur_s, Timbre timbre, bool with_bass)
{
  const int size = tandem_chord_size(q);
  const uint8_t* steps = tandem_chord_steps(q);
  for (int i = 0; i < size; ++i) {
    add_note(a, 60 + root_pc + steps[i], start_s, dur_s, timbre, 0.12);
  }
  if (with_bass) {
    add_note(a, 36 + root_pc, start_s, dur_s, timbre, 0.15);
  }
}

/* Feeds audio in blocks of `block` frames; calls beat() every beat_s seconds if > 0 and
 * records has_chord/root/quality at each beat via the callback. */
typedef void (*BeatFn)(const TandemHarmonyEstimate* est, int beat_index, void* user);

static void feed(TandemHarmonyTracker* t, const Audio* a, uint32_t block, double beat_s,
                 BeatFn fn, void* user)
{
  size_t next_beat = beat_s > 0.0 ? (size_t)(beat_s * a->rate) : (size_t)-1;
  int beat_index = 0;
  size_t pos = 0;
  while (pos < a->frames) {
    size_t n = a->frames - pos < block ? a->frames - pos : block;
    if (next_beat > pos && next_beat - pos < n) {
      n = next_beat - pos;
    }
    tandem_harmony_tracker_process(t, a->data + pos, (uint32_t)n);
    pos += n;
    if (pos == next_beat) {
      tandem_harmony_tracker_beat(t);
      if (fn) {
        TandemHarmonyEstimate est;
        tandem_harmony_tracker_get(t, &est);
        fn(&est, beat_index, user);
      }
      beat_index++;
      next_beat = (size_t)((beat_index + 1) * beat_s * a->rate);
    }
  }
}

static void assert_estimate_finite(const TandemHarmonyEstimate* e)
{
  ck_assert(isfinite(e->key_confidence) && e->key_confidence >= 0.0f &&
            e->key_confidence <= 1.0f);
  ck_assert(isfinite(e->chord_confidence) && e->chord_confidence >= 0.0f &&
            e->chord_confidence <= 1.0f);
  float sum = 0.0f;
  for (int i = 0; i < 12; ++i) {
    ck_assert(isfinite(e->chroma[i]) && e->chroma[i] >= 0.0f);
    sum += e->chroma[i];
  }
  ck_assert(sum == 0.0f || fabsf(sum - 1.0f) < 1e-3f);
  ck_assert_int_lt(e->key_root, 12);
  ck_assert_int_lt(e->chord_root, 12);
}

/* ---- keys ---- */

typedef struct {
  int root;
  TandemScale scale;
} Key;

static const Key test_keys[] = {
    {0, TANDEM_SCALE_MAJOR}, /* C major */
    {9, TANDEM_SCALE_MINOR}, /* A minor */
    {6, TANDEM_SCALE_MAJOR}, /* F# major */
    {3, TANDEM_SCALE_MINOR}, /* Eb minor */
};

/* A scale up and down an octave from the tonic, the tonic held longer at both ends,
 * then the tonic triad: how a scale is played to establish a key. */
static Audio render_scale(const Key* k, Timbre timbre, double rate)
{
  Audio a = audio_new(9.0, rate);
  const uint8_t* steps = tandem_scale_steps(k->scale);
  const int base = 60 + k->root;
  double t = 0.0;
  int seq[15];
  int n = 0;
  for (int i = 0; i < 7; ++i) {
    seq[n++] = steps[i];
  }
  seq[n++] = 12;
  for (int i = 6; i >= 0; --i) {
    seq[n++] = steps[i];
  }
  for (int i = 0; i < n; ++i) {
    const double dur = (i == 0 || i == n - 1) ? 0.8 : 0.35;
    add_note(&a, base + seq[i], t, dur, timbre, 0.3);
    t += dur;
  }
  add_chord(&a, k->root,
            k->scale == TANDEM_SCALE_MAJOR ? TANDEM_CHORD_MAJ : TANDEM_CHORD_MIN, t,
            9.0 - t, timbre, true);
  return a;
}

/* I-IV-V-I (major) or i-iv-v-i (minor), one chord per 2 s bar, with a bass note. */
static const int progression_degrees[4] = {0, 5, 7, 0};

static Audio render_progression(const Key* k, Timbre timbre, double rate, double bar_s,
                                int repeats)
{
  Audio a = audio_new(bar_s * 4 * repeats, rate);
  const TandemChordQuality q =
      k->scale == TANDEM_SCALE_MAJOR ? TANDEM_CHORD_MAJ : TANDEM_CHORD_MIN;
  for (int r = 0; r < repeats; ++r) {
    for (int i = 0; i < 4; ++i) {
      add_chord(&a, (k->root + progression_degrees[i]) % 12, q, (r * 4 + i) * bar_s,
                bar_s, timbre, true);
    }
  }
  return a;
}

static void check_key(const Audio* a, const Key* k, const char* what, Timbre timbre)
{
  TandemHarmonyTracker* t = tandem_harmony_tracker_new(a->rate);
  ck_assert_ptr_nonnull(t);
  feed(t, a, 256, 0.0, NULL, NULL);
  TandemHarmonyEstimate e;
  tandem_harmony_tracker_get(t, &e);
  assert_estimate_finite(&e);
  char want[32], got[32];
  tandem_key_name(k->root, k->scale, want, sizeof want);
  tandem_key_name(e.key_root, (TandemScale)e.key_scale, got, sizeof got);
  ck_assert_msg(e.key_root == k->root && e.key_scale == k->scale,
                "%s (%s): expected %s, got %s (confidence %.2f)", what,
                timbre_names[timbre], want, got, (double)e.key_confidence);
  ck_assert_msg(e.key_confidence > 0.3f, "%s: key confidence %.2f", what,
                (double)e.key_confidence);
  tandem_harmony_tracker_free(t);
}

START_TEST(test_key_of_rendered_scales_is_found_for_each_timbre)
{
  const Key* k = &test_keys[_i % 4];
  const Timbre timbre = (Timbre)(_i / 4);
  Audio a = render_scale(k, timbre, 44100.0);
  check_key(&a, k, "scale", timbre);
  free(a.data);
}
END_TEST

START_TEST(test_key_of_rendered_progressions_is_found_for_each_timbre)
{
  const Key* k = &test_keys[_i % 4];
  const Timbre timbre = (Timbre)(_i / 4);
  Audio a = render_progression(k, timbre, 48000.0, 2.0, 2);
  check_key(&a, k, "progression", timbre);
  free(a.data);
}
END_TEST

/* ---- chords ---- */

typedef struct {
  int root;
  TandemChordQuality quality;
  int count;      /* beats */
  int right;      /* beats with the expected chord */
  int last_right; /* the last beat was right */
  bool any_chord;
} ChordTally;

static void tally_chord(const TandemHarmonyEstimate* e, int beat_index, void* user)
{
  ChordTally* t = user;
  assert_estimate_finite(e);
  if (beat_index == 0) {
    return; /* the first beat holds the attack and half a window of silence */
  }
  const bool right =
      e->has_chord && e->chord_root == t->root && e->chord_quality == t->quality;
  t->count++;
  t->right += right;
  t->last_right = right;
  t->any_chord |= e->has_chord;
}

static const TandemChordQuality test_qualities[] = {
    TANDEM_CHORD_MAJ,  TANDEM_CHORD_MIN,  TANDEM_CHORD_DOM7, TANDEM_CHORD_MAJ7,
    TANDEM_CHORD_MIN7, TANDEM_CHORD_SUS2, TANDEM_CHORD_SUS4,
};
#define N_TEST_QUALITIES ((int)(sizeof test_qualities / sizeof test_qualities[0]))
static const int test_roots[] = {0, 2, 7, 10};

START_TEST(test_chords_major_minor_seventh_sus_are_named_per_beat)
{
  const Timbre timbre = (Timbre)_i;
  int right = 0, count = 0;
  char failures[2048] = "";
  for (int qi = 0; qi < N_TEST_QUALITIES; ++qi) {
    for (int ri = 0; ri < 4; ++ri) {
      ChordTally tally = {test_roots[ri], test_qualities[qi], 0, 0, 0, false};
      Audio a = audio_new(2.5, 44100.0);
      add_chord(&a, tally.root, tally.quality, 0.0, 2.5, timbre, true);
      TandemHarmonyTracker* t = tandem_harmony_tracker_new(a.rate);
      ck_assert_ptr_nonnull(t);
      feed(t, &a, 512, 0.5, tally_chord, &tally);
      right += tally.right;
      count += tally.count;
      if (tally.right < tally.count) {
        char name[16];
        tandem_chord_name(tally.root, tally.quality, name, sizeof name);
        const size_t len = strlen(failures);
        snprintf(failures + len, sizeof failures - len, " %s:%d/%d", name, tally.right,
                 tally.count);
      }
      tandem_harmony_tracker_free(t);
      free(a.data);
    }
  }
  const double score = (double)right / count;
  printf("chords (%s): %d/%d beats right%s\n", timbre_names[timbre], right, count,
         failures);
  ck_assert_msg(score >= 0.85, "%s: only %.2f of beats right:%s", timbre_names[timbre],
                score, failures);
}
END_TEST

/* Chords of I-IV-V-I and i-iv-v-i progressions, one per beat at 120 bpm. */
typedef struct {
  const Key* key;
  double bar_s;
  double beat_s;
  int right;
  int count;
} ProgressionTally;

static void tally_progression(const TandemHarmonyEstimate* e, int beat_index, void* user)
{
  ProgressionTally* p = user;
  assert_estimate_finite(e);
  /* Beat b closes the segment (b*beat, (b+1)*beat]. */
  const double mid_s = (beat_index + 0.5) * p->beat_s;
  const int chord_index = (int)(mid_s / p->bar_s) % 4;
  const int root = (p->key->root + progression_degrees[chord_index]) % 12;
  const int quality =
      p->key->scale == TANDEM_SCALE_MAJOR ? TANDEM_CHORD_MAJ : TANDEM_CHORD_MIN;
  p->count++;
  p->right += e->has_chord && e->chord_root == root && e->chord_quality == quality;
}

START_TEST(test_progression_chords_are_right_on_most_beats)
{
  const Timbre timbre = (Timbre)_i;
  int right = 0, count = 0;
  for (int k = 0; k < 4; ++k) {
    ProgressionTally p = {&test_keys[k], 2.0, 0.5, 0, 0};
    Audio a = render_progression(&test_keys[k], timbre, 48000.0, p.bar_s, 2);
    TandemHarmonyTracker* t = tandem_harmony_tracker_new(a.rate);
    ck_assert_ptr_nonnull(t);
    feed(t, &a, 128, p.beat_s, tally_progression, &p);
    right += p.right;
    count += p.count;
    tandem_harmony_tracker_free(t);
    free(a.data);
  }
  printf("progression chords (%s): %d/%d beats right\n", timbre_names[timbre], right,
         count);
  ck_assert_msg((double)right / count >= 0.75, "%s: %d/%d beats right",
                timbre_names[timbre], right, count);
}
END_TEST

START_TEST(test_chord_appears_without_beats_within_2_5_seconds)
{
  Audio a = audio_new(2.5, 44100.0);
  add_chord(&a, 5, TANDEM_CHORD_SUS4, 0.0, 2.5, TIMBRE_PIANO, true); /* Fsus4 */
  TandemHarmonyTracker* t = tandem_harmony_tracker_new(a.rate);
  ck_assert_ptr_nonnull(t);
  feed(t, &a, 1000, 0.0, NULL, NULL);
  TandemHarmonyEstimate e;
  tandem_harmony_tracker_get(t, &e);
  assert_estimate_finite(&e);
  ck_assert_msg(e.has_chord && e.chord_root == 5 && e.chord_quality == TANDEM_CHORD_SUS4,
                "has %d root %d quality %d", e.has_chord, e.chord_root, e.chord_quality);
  tandem_harmony_tracker_free(t);
  free(a.data);
}
END_TEST

/* ---- no chord ---- */

static uint64_t lcg(uint64_t* s)
{
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  return *s >> 11;
}

static void fill_noise(Audio* a, double amp, uint64_t seed)
{
  for (size_t i = 0; i < a->frames; ++i) {
    a->data[i] = (float)(amp * (2.0 * (double)lcg(&seed) / 9007199254740992.0 - 1.0));
  }
}

/* A drum loop: kicks (a 50 Hz body with a falling click), noise snares with a 190 Hz
 * ring, and bright hats, in 8ths at 100 bpm, from `start_s` on. */
static void add_drum_loop(Audio* a, double start_s, uint64_t seed)
{
  const double step_s = 60.0 / 100.0 / 2.0;
  double hp_state = 0.0, hp_in = 0.0;
  for (int n = 0; start_s + n * step_s < (double)a->frames / a->rate; ++n) {
    const size_t first = (size_t)((start_s + n * step_s) * a->rate);
    const int kind = n % 4 == 0 ? 0 : (n % 4 == 2 ? 1 : 2);
    for (size_t i = first; i < a->frames && i < first + (size_t)(0.3 * a->rate); ++i) {
      const double t = (double)(i - first) / a->rate;
      const double w = 2.0 * (double)lcg(&seed) / 9007199254740992.0 - 1.0;
      double v;
      if (kind == 0) {
        v = sin(2.0 * M_PI * (50.0 * t + 3.0 * (1.0 - exp(-t / 0.03)))) * exp(-t / 0.12);
      } else if (kind == 1) {
        v = (0.6 * w + 0.4 * sin(2.0 * M_PI * 190.0 * t)) * exp(-t / 0.05);
      } else {
        hp_state = 0.6 * (hp_state + w - hp_in);
        hp_in = w;
        v = 0.8 * hp_state * exp(-t / 0.015);
      }
      a->data[i] += (float)(0.5 * v);
    }
  }
}

/* Drums alone give no key (confidence 0, nothing heard); after a progression in A
 * minor, drums alone give no key now but keep A minor as the last key heard. */
START_TEST(test_drums_alone_give_no_key_and_the_last_key_heard_stays)
{
  const double rate = 48000.0;
  Audio drums = audio_new(12.0, rate);
  add_drum_loop(&drums, 0.0, 5);
  TandemHarmonyTracker* t = tandem_harmony_tracker_new(rate);
  ck_assert_ptr_nonnull(t);
  feed(t, &drums, 256, 0.6, NULL, NULL);
  TandemHarmonyEstimate e;
  tandem_harmony_tracker_get(t, &e);
  assert_estimate_finite(&e);
  ck_assert_msg(e.key_confidence <= 0.2f && !e.key_heard,
                "drums alone: key confidence %.2f, heard %d, tonality %.2f",
                (double)e.key_confidence, e.key_heard, (double)e.tonality);
  tandem_harmony_tracker_reset(t);

  const Key am = {9, TANDEM_SCALE_MINOR};
  Audio song = render_progression(&am, TIMBRE_PIANO, rate, 2.0, 2);
  feed(t, &song, 256, 0.5, NULL, NULL);
  tandem_harmony_tracker_get(t, &e);
  ck_assert_msg(e.key_heard && e.key_confidence > 0.3f && e.key_root == 9 &&
                    e.key_scale == TANDEM_SCALE_MINOR,
                "progression: key %d/%d confidence %.2f", e.key_root, e.key_scale,
                (double)e.key_confidence);
  /* then 40 s of drums: the key's 20 s window forgets the progression */
  Audio more = audio_new(40.0, rate);
  add_drum_loop(&more, 0.0, 6);
  feed(t, &more, 256, 0.6, NULL, NULL);
  tandem_harmony_tracker_get(t, &e);
  ck_assert_msg(e.key_confidence <= 0.2f && e.key_heard && e.key_root == 9 &&
                    e.key_scale == TANDEM_SCALE_MINOR,
                "drums after A minor: key %d/%d confidence %.2f heard %d tonality %.2f",
                e.key_root, e.key_scale, (double)e.key_confidence, e.key_heard,
                (double)e.tonality);
  tandem_harmony_tracker_free(t);
  free(drums.data);
  free(song.data);
  free(more.data);
}
END_TEST

static void tally_no_chord(const TandemHarmonyEstimate* e, int beat_index, void* user)
{
  int* chords = user;
  (void)beat_index;
  assert_estimate_finite(e);
  if (e->has_chord || e->chord_confidence > 0.5f) {
    (*chords)++;
  }
}

START_TEST(test_silence_and_noise_give_no_chord)
{
  for (int kind = 0; kind < 3; ++kind) {
    Audio a = audio_new(4.0, 48000.0);
    if (kind == 1) {
      fill_noise(&a, 0.3, 1234);
    } else if (kind == 2) {
      fill_noise(&a, 0.01, 99);
    }
    TandemHarmonyTracker* t = tandem_harmony_tracker_new(a.rate);
    ck_assert_ptr_nonnull(t);
    int chords = 0;
    feed(t, &a, 1024, 0.5, tally_no_chord, &chords);
    ck_assert_msg(chords == 0, "kind %d: %d beats with a chord", kind, chords);
    TandemHarmonyEstimate e;
    tandem_harmony_tracker_get(t, &e);
    if (kind == 0) {
      for (int i = 0; i < 12; ++i) {
        ck_assert(e.chroma[i] == 0.0f);
      }
      ck_assert(e.key_confidence == 0.0f);
    }
    tandem_harmony_tracker_free(t);
    free(a.data);
  }
}
END_TEST

/* ---- bad input, rates, block sizes ---- */

static void tally_last(const TandemHarmonyEstimate* e, int beat_index, void* user)
{
  TandemHarmonyEstimate* last = user;
  (void)beat_index;
  assert_estimate_finite(e);
  *last = *e;
}

START_TEST(test_nan_inf_and_denormals_do_not_poison_the_state)
{
  const float bad[] = {NAN, INFINITY, -INFINITY, 1e-42f};
  Audio a = audio_new(3.0, 44100.0);
  add_chord(&a, 2, TANDEM_CHORD_MIN, 0.0, 3.0, TIMBRE_SAW, true); /* D minor */
  for (size_t b = 0; b < 4; ++b) {
    TandemHarmonyTracker* t = tandem_harmony_tracker_new(a.rate);
    ck_assert_ptr_nonnull(t);
    /* A poisoned stretch: a whole block of the bad value, then some mixed in. */
    float junk[4096];
    for (int i = 0; i < 4096; ++i) {
      junk[i] = (i % 3 == 0) ? bad[b] : 0.5f * sinf(0.01f * i);
    }
    tandem_harmony_tracker_process(t, junk, 4096);
    TandemHarmonyEstimate e;
    tandem_harmony_tracker_get(t, &e);
    assert_estimate_finite(&e);
    TandemHarmonyEstimate last;
    memset(&last, 0, sizeof last);
    feed(t, &a, 300, 0.5, tally_last, &last);
    ck_assert_msg(last.has_chord && last.chord_root == 2 &&
                      last.chord_quality == TANDEM_CHORD_MIN,
                  "bad value %zu: chord root %d quality %d has %d", b, last.chord_root,
                  last.chord_quality, last.has_chord);
    tandem_harmony_tracker_free(t);
  }
  free(a.data);
}
END_TEST

START_TEST(test_any_rate_and_block_size_names_the_chord)
{
  static const double rates[] = {8000.0,  16000.0, 22050.0,  44100.0,
                                 48000.0, 96000.0, 192000.0, 384000.0};
  static const uint32_t blocks[] = {1, 64, 8192};
  const double rate = rates[_i % 8];
  const uint32_t block = blocks[_i / 8];
  Audio a = audio_new(2.0, rate);
  add_chord(&a, 7, TANDEM_CHORD_DOM7, 0.0, 2.0, TIMBRE_PIANO, true); /* G7 */
  TandemHarmonyTracker* t = tandem_harmony_tracker_new(rate);
  ck_assert_ptr_nonnull(t);
  TandemHarmonyEstimate last;
  memset(&last, 0, sizeof last);
  feed(t, &a, block, 0.5, tally_last, &last);
  ck_assert_msg(last.has_chord && last.chord_root == 7 &&
                    last.chord_quality == TANDEM_CHORD_DOM7,
                "rate %.0f block %u: root %d quality %d", rate, block, last.chord_root,
                last.chord_quality);
  tandem_harmony_tracker_free(t);
  free(a.data);
}
END_TEST

START_TEST(test_dc_and_full_scale_square_give_finite_output)
{
  Audio a = audio_new(2.0, 96000.0);
  for (size_t i = 0; i < a.frames; ++i) {
    a.data[i] = i < a.frames / 2 ? 1.0f : ((i / 109) % 2 ? 1.0f : -1.0f);
  }
  TandemHarmonyTracker* t = tandem_harmony_tracker_new(a.rate);
  ck_assert_ptr_nonnull(t);
  TandemHarmonyEstimate last;
  feed(t, &a, 8192, 0.25, tally_last, &last);
  tandem_harmony_tracker_get(t, &last);
  assert_estimate_finite(&last);
  tandem_harmony_tracker_reset(t);
  tandem_harmony_tracker_get(t, &last);
  assert_estimate_finite(&last);
  ck_assert(!last.has_chord);
  tandem_harmony_tracker_free(t);
  free(a.data);
}
END_TEST

/* Deferred mode: process() only captures frames and work() does the rest, one step
 * per call, as the analysis aggregator drives it. */
START_TEST(test_deferred_mode_gives_the_same_key_chords_and_chroma)
{
  const double rate = 48000.0, beat_s = 0.5;
  Audio a = audio_new(6.0, rate);
  static const int roots[] = {0, 5, 7, 9, 2, 7};
  static const TandemChordQuality qualities[] = {TANDEM_CHORD_MAJ,  TANDEM_CHORD_MAJ,
                                                 TANDEM_CHORD_DOM7, TANDEM_CHORD_MIN,
                                                 TANDEM_CHORD_SUS4, TANDEM_CHORD_MAJ};
  for (int c = 0; c < 6; ++c) {
    add_chord(&a, roots[c], qualities[c], c * 1.0, 1.0, TIMBRE_PIANO, true);
  }
  TandemHarmonyTracker* now = tandem_harmony_tracker_new(rate);
  TandemHarmonyTracker* later = tandem_harmony_tracker_new(rate);
  ck_assert_ptr_nonnull(now);
  ck_assert_ptr_nonnull(later);
  tandem_harmony_tracker_set_deferred(later, true);
  const uint32_t block = 64;
  size_t next_beat = (size_t)(beat_s * rate);
  unsigned steps = 0, beats = 0, chords = 0;
  for (size_t pos = 0; pos < a.frames;) {
    size_t n = a.frames - pos < block ? a.frames - pos : block;
    if (next_beat > pos && next_beat - pos < n) {
      n = next_beat - pos;
    }
    tandem_harmony_tracker_process(now, a.data + pos, (uint32_t)n);
    tandem_harmony_tracker_process(later, a.data + pos, (uint32_t)n);
    /* One step per call, in every other call, so that work sometimes waits. */
    if ((pos / block) % 2 == 0 && tandem_harmony_tracker_work(later)) {
      steps++;
    }
    pos += n;
    if (pos == next_beat) {
      tandem_harmony_tracker_beat(now);
      tandem_harmony_tracker_beat(later);
      TandemHarmonyEstimate e_now, e_later;
      memset(&e_now, 0, sizeof(e_now)); /* padding too, for the byte comparison */
      memset(&e_later, 0, sizeof(e_later));
      tandem_harmony_tracker_get(now, &e_now);
      tandem_harmony_tracker_get(later, &e_later);
      ck_assert_mem_eq(&e_now, &e_later, sizeof(e_now));
      beats++;
      chords += e_now.has_chord;
      next_beat += (size_t)(beat_s * rate);
    }
  }
  while (tandem_harmony_tracker_work(later)) {
    steps++;
  }
  TandemHarmonyEstimate e_now, e_later;
  memset(&e_now, 0, sizeof(e_now));
  memset(&e_later, 0, sizeof(e_later));
  tandem_harmony_tracker_get(now, &e_now);
  tandem_harmony_tracker_get(later, &e_later);
  ck_assert_mem_eq(&e_now, &e_later, sizeof(e_now));
  ck_assert_uint_ge(beats, 11);
  ck_assert_uint_ge(chords, 8);  /* the comparison covered real chords */
  ck_assert_uint_ge(steps, 100); /* most of the work went through work() */
  ck_assert(!tandem_harmony_tracker_pending(later));
  tandem_harmony_tracker_free(now);
  tandem_harmony_tracker_free(later);
  free(a.data);
}
END_TEST

START_TEST(test_out_of_range_rates_are_refused)
{
  ck_assert_ptr_null(tandem_harmony_tracker_new(7999.0));
  ck_assert_ptr_null(tandem_harmony_tracker_new(768001.0));
  ck_assert_ptr_null(tandem_harmony_tracker_new(NAN));
  tandem_harmony_tracker_free(NULL);
}
END_TEST

static Suite* harmony_suite(void)
{
  Suite* s = suite_create("harmony");
  TCase* keys = tcase_create("key");
  tcase_set_timeout(keys, 120);
  tcase_add_loop_test(keys, test_key_of_rendered_scales_is_found_for_each_timbre, 0,
                      4 * TIMBRE_COUNT);
  tcase_add_loop_test(keys, test_key_of_rendered_progressions_is_found_for_each_timbre, 0,
                      4 * TIMBRE_COUNT);
  suite_add_tcase(s, keys);
  TCase* chords = tcase_create("chord");
  tcase_set_timeout(chords, 120);
  tcase_add_loop_test(chords, test_chords_major_minor_seventh_sus_are_named_per_beat, 0,
                      TIMBRE_COUNT);
  tcase_add_loop_test(chords, test_progression_chords_are_right_on_most_beats, 0,
                      TIMBRE_COUNT);
  tcase_add_test(chords, test_chord_appears_without_beats_within_2_5_seconds);
  tcase_add_test(chords, test_silence_and_noise_give_no_chord);
  tcase_add_test(keys, test_drums_alone_give_no_key_and_the_last_key_heard_stays);
  suite_add_tcase(s, chords);
  TCase* robust = tcase_create("robustness");
  tcase_set_timeout(robust, 120);
  tcase_add_test(robust, test_nan_inf_and_denormals_do_not_poison_the_state);
  tcase_add_loop_test(robust, test_any_rate_and_block_size_names_the_chord, 0, 24);
  tcase_add_test(robust, test_dc_and_full_scale_square_give_finite_output);
  tcase_add_test(robust, test_out_of_range_rates_are_refused);
  tcase_add_test(robust, test_deferred_mode_gives_the_same_key_chords_and_chroma);
  suite_add_tcase(s, robust);
  return s;
}

int main(void)
{
  SRunner* runner = srunner_create(harmony_suite());
  srunner_run_all(runner, CK_NORMAL);
  const int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
