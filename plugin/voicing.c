/* Tandem — voice leading for chord stabs.  See voicing.h. */
#include "voicing.h"

#include <stdbool.h>
#include <stdlib.h>

/* Voicings wider than this sound like two parts, not one stab. */
#define MAX_SPAN 19
/* Distance from the centre (semitones, of the voicing's mean) allowed before it
 * costs anything: the part may wander a little, not away. */
#define FREE_DRIFT 5.0

void tandem_voicing_init(TandemVoiceLeader* v, int center_pitch)
{
  v->center = center_pitch < 24 ? 24 : center_pitch > 108 ? 108 : center_pitch;
  tandem_voicing_reset(v);
}

void tandem_voicing_reset(TandemVoiceLeader* v)
{
  v->n = 0;
  for (int i = 0; i < TANDEM_VOICING_MAX_VOICES; ++i) {
    v->pitch[i] = 0;
  }
}

int tandem_voicing_distance(const int* a, const int* b, int n)
{
  int d = 0;
  for (int i = 0; i < n; ++i) {
    d += abs(a[i] - b[i]);
  }
  return d;
}

/* Pitch classes to sound, in order of importance, for n voices. */
static void choose_tones(const TandemHarmony* h, int n, int* pcs)
{
  const int size = tandem_chord_size((TandemChordQuality)h->chord_quality);
  int order[4];
  if (size >= 4) {
    order[0] = 0;
    order[1] = 1;
    order[2] = 3;
    order[3] = 2;
  } else {
    order[0] = 0;
    order[1] = 1;
    order[2] = 2;
    order[3] = 0;
  }
  for (int i = 0; i < n; ++i) {
    int idx;
    if (i < size) {
      idx = order[i];
    } else {
      idx = 0; /* double the root */
    }
    pcs[i] = tandem_chord_tone_semitones(h, idx) % 12;
  }
}

static void sort_ascending(int* p, int n)
{
  for (int i = 1; i < n; ++i) {
    const int key = p[i];
    int j = i;
    while (j > 0 && p[j - 1] > key) {
      p[j] = p[j - 1];
      --j;
    }
    p[j] = key;
  }
}

/* Sum over new voices of the distance to the nearest previous voice: used when the
 * number of voices changed, so that voices cannot be matched one to one. */
static int nearest_distance(const int* cand, int n, const int* prev, int n_prev)
{
  int d = 0;
  for (int i = 0; i < n; ++i) {
    int best = 128;
    for (int j = 0; j < n_prev; ++j) {
      const int dj = abs(cand[i] - prev[j]);
      best = dj < best ? dj : best;
    }
    d += best;
  }
  return d;
}

static int place(TandemVoiceLeader* v, const int* pcs, int n,
                 int out[TANDEM_VOICING_MAX_VOICES]);

int tandem_voicing_next(TandemVoiceLeader* v, const TandemHarmony* h, int n_voices,
                        int out[TANDEM_VOICING_MAX_VOICES])
{
  const int n = n_voices < 1                           ? 1
                : n_voices > TANDEM_VOICING_MAX_VOICES ? TANDEM_VOICING_MAX_VOICES
                                                       : n_voices;
  int pcs[TANDEM_VOICING_MAX_VOICES];
  choose_tones(h, n, pcs);
  return place(v, pcs, n, out);
}

int tandem_voicing_stab(TandemVoiceLeader* v, const TandemHarmony* h,
                        const TandemNote* tones, int n_tones,
                        int out[TANDEM_VOICING_MAX_VOICES])
{
  const int n = n_tones < 1                           ? 0
                : n_tones > TANDEM_VOICING_MAX_VOICES ? TANDEM_VOICING_MAX_VOICES
                                                      : n_tones;
  if (n == 0) {
    return 0;
  }
  bool plain = true;
  for (int i = 0; i < n; ++i) {
    plain = plain && tones[i].degree == i && tones[i].chromatic == 0;
  }
  if (plain) {
    return tandem_voicing_next(v, h, n, out);
  }
  const int size = tandem_chord_size((TandemChordQuality)h->chord_quality);
  int pcs[TANDEM_VOICING_MAX_VOICES];
  int m = 0;
  const int root = tandem_chord_tone_semitones(h, 0);
  for (int i = 0; i < n; ++i) {
    int pc;
    if (tones[i].degree == 3 && size < 4) {
      /* A seventh asked of a triad: the sixth, as players voice a plain chord, or
       * the key's seventh where the sixth is not in the key. */
      static const int colours[] = {9, 10, 11};
      pc = -1;
      for (int k = 0; k < 3 && pc < 0; ++k) {
        pc = tandem_pitch_in_scale(h, root + colours[k]) ? root + colours[k] : -1;
      }
    } else {
      pc = tandem_chord_tone_semitones(h, tones[i].degree) + tones[i].chromatic;
      /* An added tone (a ninth) outside the key is left out, as over a iii chord. */
      pc = tones[i].chromatic != 0 && !tandem_pitch_in_scale(h, pc) ? -1 : pc;
    }
    if (pc < 0) {
      continue;
    }
    pc = (pc % 12 + 12) % 12;
    bool seen = false;
    for (int j = 0; j < m; ++j) {
      seen = seen || pcs[j] == pc;
    }
    if (!seen) {
      pcs[m++] = pc;
    }
  }
  if (m == 0) {
    pcs[m++] = (root % 12 + 12) % 12;
  }
  return place(v, pcs, m, out);
}

/* Places pitch classes pcs[0..n) in the octaves that move least from the
 * previous stab, near the centre. */
static int place(TandemVoiceLeader* v, const int* pcs, int n_pcs,
                 int out[TANDEM_VOICING_MAX_VOICES])
{
  /* Callers pass 1..TANDEM_VOICING_MAX_VOICES tones. */
  const int n = n_pcs < 1                           ? 1
                : n_pcs > TANDEM_VOICING_MAX_VOICES ? TANDEM_VOICING_MAX_VOICES
                                                    : n_pcs;
  /* Each tone has two places in [center - 12, center + 12): bit i of `combo` picks
   * the upper one for tone i.  At most 64 candidates. */
  const int low = v->center - 12;
  double best_cost = 1e30;
  int best[TANDEM_VOICING_MAX_VOICES];
  /* Fallback if no candidate passes (cannot happen for up to 4 voices): tones
   * stacked upwards from the low end. */
  for (int i = 0, last = low - 1; i < n; ++i) {
    int p = low + ((pcs[i] - low) % 12 + 12) % 12;
    while (p <= last) {
      p += 12;
    }
    best[i] = p;
    last = p;
  }
  for (unsigned combo = 0; combo < (1u << n); ++combo) {
    int cand[TANDEM_VOICING_MAX_VOICES];
    for (int i = 0; i < n; ++i) {
      const int first = low + ((pcs[i] - low) % 12 + 12) % 12;
      cand[i] = first + ((combo >> i) & 1u ? 12 : 0);
    }
    sort_ascending(cand, n);
    bool distinct = true;
    for (int i = 1; i < n; ++i) {
      distinct = distinct && cand[i] != cand[i - 1];
    }
    if (!distinct || cand[n - 1] - cand[0] > MAX_SPAN) {
      continue;
    }
    double mean = 0.0;
    for (int i = 0; i < n; ++i) {
      mean += cand[i];
    }
    mean /= n;
    const double drift = mean > v->center ? mean - v->center : v->center - mean;
    double cost = 0.25 * (cand[n - 1] - cand[0]); /* prefer compact voicings */
    if (v->n == 0) {
      cost += drift;
    } else {
      cost += v->n == n ? tandem_voicing_distance(cand, v->pitch, n)
                        : nearest_distance(cand, n, v->pitch, v->n);
      cost += drift > FREE_DRIFT ? drift - FREE_DRIFT : 0.0;
    }
    if (cost < best_cost) {
      best_cost = cost;
      for (int i = 0; i < n; ++i) {
        best[i] = cand[i];
      }
    }
  }

  for (int i = 0; i < n; ++i) {
    const int p = best[i] < 0 ? 0 : best[i] > 127 ? 127 : best[i];
    out[i] = p;
    v->pitch[i] = p;
  }
  v->n = n;
  return n;
}
