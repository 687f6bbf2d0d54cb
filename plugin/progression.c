/* Tandem — the progression learner.  See progression.h. */
#include "progression.h"

#include <string.h>

#include "theory.h"

/* A loop length fits while at least this share of the bars it pairs up (each
 * recent whole bar with the bar one loop earlier, by the root most heard in each)
 * agree.  Roots only: the heard quality wavers (a triad heard as sus2 on some
 * beats) more than the root does.  Low, because in a mix many beats are misheard;
 * the best-agreeing length wins anyway.  Chosen on the tuning grooves of
 * tests/bench/harmony_bench.py (beat 1, bass: 0.3 87.0%, 0.4 87.5%, 0.5 87.0%,
 * 0.6 86.5%; comparing single beats instead of bars: 85.9%). */
#define FIT_MIN_AGREEMENT 0.4
/* A longer loop is preferred to a shorter one that fits only if it agrees on this
 * much more of its beats (a multiple of the true length predicts the same). */
#define FIT_MARGIN 0.05
/* Bars of the recent past that the fit compares. */
#define FIT_WINDOW_BARS 16
/* How much each beat of an earlier cycle's bar votes for the chord of one beat:
 * the beat itself a little more than the others.  Every beat of the bar votes
 * because the first beat after a change often still sounds like the chord
 * before it (the analysis window reaches back, and many grooves strum after
 * the downbeat); the beat itself weighs more so that a bar of two chords still
 * gives each its own half.  Chosen on the tuning grooves of
 * tests/bench/harmony_bench.py (same 2 / others 1: bass 87.0%, chords 73.2% on
 * beat 1; 1 / 1: 96.7%, 76.4%; 3 / 2 the same as 1 / 1). */
#define VOTE_WEIGHT_SAME_BEAT  3
#define VOTE_WEIGHT_OTHER_BEAT 2

static const int loop_lengths[] = {1, 2, 4, TANDEM_PROGRESSION_MAX_LOOP};
#define N_LOOP_LENGTHS ((int)(sizeof(loop_lengths) / sizeof(loop_lengths[0])))

void tandem_progression_init(TandemProgression* p)
{
  memset(p, 0, sizeof(*p));
}

/* The internal number (0-based) of the bar the last beat ended in. */
static int64_t current_bar(const TandemProgression* p)
{
  return p->bars_seen - 1;
}

/* The history of internal bar i, or NULL when it is not (or no longer) held. */
static const TandemProgressionBeat* bar_row(const TandemProgression* p, int64_t i)
{
  const int64_t cur = current_bar(p);
  if (i < 0 || i > cur || i <= cur - TANDEM_PROGRESSION_BARS) {
    return NULL;
  }
  return p->history[i % TANDEM_PROGRESSION_BARS];
}

static int recorded_beats(const TandemProgression* p)
{
  return p->beats_per_bar < TANDEM_PROGRESSION_BEATS ? p->beats_per_bar
                                                     : TANDEM_PROGRESSION_BEATS;
}

/* The root heard most often on the beats of a bar (ties: the later beat, less
 * coloured by the chord before it); -1 when none had a chord. */
static int bar_root(const TandemProgressionBeat* row, int beats)
{
  int votes[12] = {0};
  int best = -1;
  for (int j = beats - 1; j >= 0; --j) {
    if (!row[j].heard) {
      continue;
    }
    const int r = row[j].root % 12;
    if (++votes[r] > (best < 0 ? 0 : votes[best])) {
      best = r;
    }
  }
  return best;
}

/* Pairs each whole bar of the recent past with the bar `length` bars earlier, by
 * the root most heard in each: single beats are misheard too often to compare
 * (walking bass lines and comping in jazz make a beat's chord a guess). */
static void compare_loop(const TandemProgression* p, int length, int* compared,
                         int* agreed)
{
  const int64_t cur = current_bar(p);
  const int beats = recorded_beats(p);
  const bool whole = p->last_beat == p->beats_per_bar - 1;
  *compared = 0;
  *agreed = 0;
  for (int64_t i = whole ? cur : cur - 1; i > cur - FIT_WINDOW_BARS && i >= length; --i) {
    const TandemProgressionBeat* now = bar_row(p, i);
    const TandemProgressionBeat* then = bar_row(p, i - length);
    if (!now || !then) {
      break;
    }
    const int a = bar_root(now, beats), b = bar_root(then, beats);
    if (a >= 0 && b >= 0) {
      ++*compared;
      *agreed += a == b;
    }
  }
}

/* The loop length that best explains the recent bars; 0 when every length is
 * contradicted.  A length no bar could be checked against yet (the first cycle)
 * is a guess taken only when nothing checked fits. */
static int fit_loop(const TandemProgression* p)
{
  const int64_t bars = p->bars_seen;
  int best = 0;
  double best_agreement = -1.0;
  int guess = 0;
  for (int k = 0; k < N_LOOP_LENGTHS; ++k) {
    const int length = loop_lengths[k];
    if (bars < length) {
      break;
    }
    int compared, agreed;
    compare_loop(p, length, &compared, &agreed);
    if (compared == 0) {
      guess = guess ? guess : length;
      continue;
    }
    const double agreement = (double)agreed / compared;
    if (agreement >= FIT_MIN_AGREEMENT && agreement > best_agreement + FIT_MARGIN) {
      best = length;
      best_agreement = agreement;
    }
  }
  return best ? best : guess;
}

/* The chord most often heard in the bars whole loops before internal bar `bar`:
 * all their beats vote, beat `beat` the most (VOTE_WEIGHT_*).  Ties go to the
 * latest.  False when none of those beats had a chord. */
static bool vote(const TandemProgression* p, int64_t bar, int beat, int length,
                 uint8_t* root, uint8_t* quality)
{
  const int beats = recorded_beats(p);
  if (length <= 0 || beat >= beats) {
    return false;
  }
  int root_votes[12] = {0};
  int pair_votes[12][TANDEM_CHORD_COUNT] = {{0}};
  int best_root = -1;
  int best_q = -1;
  /* Start from the latest of those bars already heard (bar may lie ahead). */
  int64_t latest = bar - length;
  while (latest > current_bar(p)) {
    latest -= length;
  }
  for (int64_t i = latest; i >= 0; i -= length) {
    const TandemProgressionBeat* row = bar_row(p, i);
    if (!row) {
      break;
    }
    for (int j = 0; j < beats; ++j) {
      const TandemProgressionBeat* b = &row[j];
      if (!b->heard || b->quality >= TANDEM_CHORD_COUNT) {
        continue;
      }
      const int w = j == beat ? VOTE_WEIGHT_SAME_BEAT : VOTE_WEIGHT_OTHER_BEAT;
      const int r = b->root % 12;
      root_votes[r] += w;
      pair_votes[r][b->quality] += w;
      /* The latest bars are counted first, so only a larger count wins. */
      if (best_root < 0 || root_votes[r] > root_votes[best_root]) {
        best_root = r;
      }
    }
  }
  if (best_root < 0) {
    return false;
  }
  for (int q = 0; q < TANDEM_CHORD_COUNT; ++q) {
    if (best_q < 0 || pair_votes[best_root][q] > pair_votes[best_root][best_q]) {
      best_q = q;
    }
  }
  *root = (uint8_t)best_root;
  *quality = (uint8_t)best_q;
  return true;
}

/* Tones two chords share (pitch classes). */
static int shared_tones(uint8_t root_a, uint8_t quality_a, uint8_t root_b,
                        uint8_t quality_b)
{
  const TandemHarmony a = {0, 0, root_a, quality_a};
  const TandemHarmony b = {0, 0, root_b, quality_b};
  const int n = tandem_chord_size((TandemChordQuality)quality_a);
  int shared = 0;
  for (int i = 0; i < n; ++i) {
    shared += tandem_pitch_in_chord(&b, tandem_chord_tone_semitones(&a, i));
  }
  return shared;
}

/* Whether this root was heard on the beat that just ended in an earlier cycle of
 * the loop: the beat sounds as it did then (a beat that always sounds like the
 * chord before it, say), which is the loop, not a break. */
static bool heard_in_earlier_cycles(const TandemProgression* p, uint8_t root)
{
  const int length = p->loop_bars;
  if (length <= 0 || p->last_beat >= recorded_beats(p)) {
    return false;
  }
  for (int64_t i = current_bar(p) - length; i >= 0; i -= length) {
    const TandemProgressionBeat* row = bar_row(p, i);
    if (!row) {
      break;
    }
    if (row[p->last_beat].heard && row[p->last_beat].root == root) {
      return true;
    }
  }
  return false;
}

/* Starts a bar in the history (the row it reuses is cleared). */
static void begin_bar(TandemProgression* p)
{
  ++p->bars_seen;
  memset(p->history[current_bar(p) % TANDEM_PROGRESSION_BARS], 0, sizeof(p->history[0]));
}

/* Whether the heard chord breaks the predicted plan of the beat that ended.  A
 * chord sharing two tones or more with the plan is taken for the plan misheard
 * (a triad heard as its relative or as a sus chord), since one beat's chord is
 * often misheard.  A chord that was planned for the beat before is believed only
 * when heard twice: the analysis window of a beat reaches back into the beat
 * before it, so a change on the beat can sound like the old chord at first. */
static bool breaks_plan(TandemProgression* p, bool has_chord, uint8_t root,
                        uint8_t quality)
{
  if (!p->plan_predicted || !has_chord || root == p->plan_root ||
      shared_tones(root, quality, p->plan_root, p->plan_quality) >= 2 ||
      heard_in_earlier_cycles(p, root)) {
    p->has_doubt = false;
    return false;
  }
  if (p->has_held_over && root == p->held_over_root &&
      !(p->has_doubt && p->doubt_root == root)) {
    p->has_doubt = true;
    p->doubt_root = root;
    return false;
  }
  p->has_doubt = false;
  return true;
}

void tandem_progression_beat(TandemProgression* p, int64_t bar, int beat,
                             int beats_per_bar, bool has_chord, uint8_t root,
                             uint8_t quality)
{
  if (beats_per_bar < 1 || beat < 0 || beat >= beats_per_bar) {
    return;
  }
  root %= 12;
  if (quality >= TANDEM_CHORD_COUNT) {
    has_chord = false;
  }
  if (beats_per_bar != p->beats_per_bar) {
    /* Bars of another length cannot be compared: learn afresh. */
    p->bars_seen = 0;
    p->loop_bars = 0;
    p->beats_per_bar = beats_per_bar;
  }
  if (p->bars_seen == 0 || bar != p->last_bar || beat <= p->last_beat) {
    begin_bar(p);
  }
  p->last_bar = bar;
  p->last_beat = beat;
  if (has_chord && beat < TANDEM_PROGRESSION_BEATS) {
    TandemProgressionBeat* b =
        &p->history[current_bar(p) % TANDEM_PROGRESSION_BARS][beat];
    b->heard = 1;
    b->root = root;
    b->quality = quality;
  }
  if (has_chord) {
    p->has_confident = true;
    p->confident_root = root;
    p->confident_quality = quality;
  }
  if (breaks_plan(p, has_chord, root, quality)) {
    p->broken = true;
  }
  p->loop_bars = fit_loop(p);

  /* The plan for the beat starting now. */
  p->has_held_over = p->has_plan;
  p->held_over_root = p->plan_root;
  int64_t next_bar = current_bar(p);
  int next_beat = beat + 1;
  if (next_beat >= beats_per_bar) {
    next_bar++;
    next_beat = 0;
    p->broken = false;
  }
  uint8_t r, q;
  if (!p->broken && vote(p, next_bar, next_beat, p->loop_bars, &r, &q)) {
    p->has_plan = true;
    p->plan_predicted = true;
    p->plan_root = r;
    p->plan_quality = q;
  } else if (!p->broken && p->plan_predicted && p->loop_bars > 0) {
    /* No earlier cycle heard a chord on this beat: the predicted chord holds. */
  } else if (p->has_confident) {
    p->has_plan = true;
    p->plan_predicted = false;
    p->plan_root = p->confident_root;
    p->plan_quality = p->confident_quality;
  }
}

bool tandem_progression_chord(const TandemProgression* p, uint8_t* root, uint8_t* quality)
{
  if (!p->has_plan) {
    return false;
  }
  *root = p->plan_root;
  *quality = p->plan_quality;
  return true;
}

bool tandem_progression_next_bar_chord(const TandemProgression* p, uint8_t* root,
                                       uint8_t* quality)
{
  if (p->bars_seen == 0) {
    return false;
  }
  /* The bar playing now is the next internal bar once its last beat has ended. */
  const int64_t playing = current_bar(p) + (p->last_beat + 1 >= p->beats_per_bar ? 1 : 0);
  uint8_t r, q;
  if (vote(p, playing + 1, 0, p->loop_bars, &r, &q)) {
    *root = r;
    *quality = q;
    return true;
  }
  if (!p->has_confident) {
    return false;
  }
  *root = p->confident_root;
  *quality = p->confident_quality;
  return true;
}

int tandem_progression_loop_bars(const TandemProgression* p)
{
  return p->loop_bars;
}
