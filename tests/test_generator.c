/* Tandem — the built-in generator: its output has each shipped profile's swing,
 * ghost rate, dynamics and density, stays in key, locks bass to kick, varies
 * with the seed and repeats exactly for the same seed. */
#include "generator.h"
#include "style.h"
#include "theory.h"
#include "voicing.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STEP_TICKS (TANDEM_PPQ / 4)

static const char* const role_names[] = {"drums", "bass", "chords", "melody"};

static const TandemStyleSet* styles(void)
{
  static TandemStyleSet set;
  static bool loaded = false;
  if (!loaded) {
    const char* dir = getenv("TANDEM_STYLES_DIR");
    char err[1024];
    const int n =
        tandem_style_load_shipped(dir ? dir : "ttl/styles", &set, err, sizeof(err));
    ck_assert_msg(n == TANDEM_STYLE_SHIPPED_COUNT, "%s", err);
    loaded = true;
  }
  return &set;
}

static const TandemStyle* style_named(const char* name)
{
  return &styles()->styles[tandem_style_shipped_index(name)];
}

static void generate(const TandemStyle* s, const TandemGenParams* p, TandemPattern* out)
{
  ck_assert(tandem_generate(s, p, out));
  ck_assert_msg(tandem_pattern_valid(out), "%s %s seed %u: invalid pattern", s->name,
                role_names[p->role], p->seed);
}

/* ---- The profile's numbers, measured from 64 generated bars ---- */

typedef struct {
  double onsets; /* notes, or stabs for chords */
  double ghosts;
  double vel_sum, vel_sum2, vel_n;
  double swing_sum, swing_n;
  double bars;
} Stats;

/* Swing measured as a listener would: from the swung onset times, the position of
 * each off-beat onset within its pair of grid steps, in percent of the pair. */
static void measure(const TandemStyle* s, const TandemPattern* p, Stats* st)
{
  const uint32_t grid = s->swing_grid == 8 ? TANDEM_PPQ / 2 : TANDEM_PPQ / 4;
  uint32_t last_tick = UINT32_MAX;
  for (uint32_t i = 0; i < p->n_notes; ++i) {
    const TandemNote* n = &p->notes[i];
    const bool new_onset = n->tick != last_tick;
    last_tick = n->tick;
    if (p->role == TANDEM_ROLE_CHORDS && !new_onset) {
      continue; /* a stab counts once */
    }
    st->onsets += 1;
    if (n->flags & TANDEM_NOTE_GHOST) {
      st->ghosts += 1;
    } else {
      st->vel_sum += n->velocity;
      st->vel_sum2 += (double)n->velocity * n->velocity;
      st->vel_n += 1;
    }
    const uint32_t heard = tandem_swing_tick(n->tick, s->swing_pct, grid);
    const uint32_t pos = heard % (2 * grid);
    if (pos != 0) {
      st->swing_sum += 100.0 * pos / (2.0 * grid);
      st->swing_n += 1;
    }
  }
  st->bars += p->bars;
}

START_TEST(test_generator_output_matches_profile_numbers_over_64_bars)
{
  const int role = _i;
  for (int k = 1; k <= TANDEM_STYLE_SHIPPED_COUNT; ++k) {
    const TandemStyle* s = &styles()->styles[k];
    Stats st = {0};
    for (uint32_t seed = 1; seed <= 4; ++seed) {
      TandemGenParams prm;
      tandem_gen_params_default(&prm, (TandemRole)role, seed);
      prm.bars = 16;
      static TandemPattern pat;
      generate(s, &prm, &pat);
      measure(s, &pat, &st);
    }
    const double density = st.onsets / st.bars;
    const double ghost = st.ghosts / st.onsets;
    const double mean = st.vel_sum / st.vel_n;
    const double sd = sqrt(st.vel_sum2 / st.vel_n - mean * mean);
    const double swing = st.swing_n > 0 ? st.swing_sum / st.swing_n : 50.0;
    printf("%-9s %-6s density %5.2f (profile %5.2f) ghost %.3f (%.3f) velocity %5.1f "
           "(%5.1f) "
           "sd %4.1f (%4.1f) swing %4.1f (%4.1f)\n",
           s->name, role_names[role], density, s->density[role], ghost, s->ghost_prob,
           mean, s->velocity_mean, sd, s->velocity_spread, swing, s->swing_pct);
    ck_assert_msg(fabs(swing - s->swing_pct) <= 3.0, "%s swing %.1f", s->name, swing);
    ck_assert_msg(fabs(ghost - s->ghost_prob) <= 0.05, "%s ghost %.3f", s->name, ghost);
    ck_assert_msg(fabs(mean - s->velocity_mean) <= 5.0, "%s mean %.1f", s->name, mean);
    ck_assert_msg(fabs(sd - s->velocity_spread) <= 4.0, "%s sd %.1f", s->name, sd);
    ck_assert_msg(fabs(density - s->density[role]) <= 0.15 * s->density[role],
                  "%s %s density %.2f vs %.2f", s->name, role_names[role], density,
                  s->density[role]);
  }
}
END_TEST

/* ---- Harmony: in key, roots on the downbeats ---- */

/* I-vi-IV-V (or i-VI-iv-v in minor): scale degrees of the chord roots per bar. */
static const int8_t progression[4] = {0, 5, 3, 4};

static TandemHarmony harmony_at(int key, TandemScale scale, int bar, int tones)
{
  const int degree = progression[bar % 4];
  TandemHarmony h = {(uint8_t)key, (uint8_t)scale, 0, 0};
  h.chord_root = (uint8_t)(tandem_scale_degree_semitones(&h, degree) % 12);
  /* The diatonic chord on that degree: stack the scale's thirds. */
  const int third =
      (tandem_scale_degree_semitones(&h, degree + 2) - h.chord_root + 24) % 12;
  const int seventh =
      (tandem_scale_degree_semitones(&h, degree + 6) - h.chord_root + 24) % 12;
  if (tones == 4) {
    h.chord_quality = third == 4 ? (seventh == 11 ? TANDEM_CHORD_MAJ7 : TANDEM_CHORD_DOM7)
                                 : TANDEM_CHORD_MIN7;
  } else {
    h.chord_quality = third == 4 ? TANDEM_CHORD_MAJ : TANDEM_CHORD_MIN;
  }
  return h;
}

/* Pitches as the player sounds them: single notes resolved one by one, a chord
 * stab's notes voiced together (voicing.h). */
static void resolve_as_played(const TandemPattern* pat, int key, TandemScale scale,
                              int tones, int base, int* pitches)
{
  const uint32_t bar_ticks = tandem_pattern_ticks_per_bar(pat);
  TandemVoiceLeader leader;
  tandem_voicing_init(&leader, 60);
  for (uint32_t i = 0; i < pat->n_notes;) {
    const TandemNote* n = &pat->notes[i];
    const TandemHarmony h = harmony_at(key, scale, (int)(n->tick / bar_ticks), tones);
    if (pat->role != TANDEM_ROLE_CHORDS || n->kind != TANDEM_PITCH_CHORD) {
      pitches[i++] = tandem_resolve_pitch(&h, n, base);
      continue;
    }
    uint32_t end = i;
    while (end < pat->n_notes && pat->notes[end].tick == n->tick &&
           pat->notes[end].kind == TANDEM_PITCH_CHORD) {
      ++end;
    }
    int voiced[TANDEM_VOICING_MAX_VOICES];
    const int m = tandem_voicing_stab(&leader, &h, n, (int)(end - i), voiced);
    for (uint32_t k = i; k < end; ++k) {
      pitches[k] = voiced[(int)(k - i) < m ? (int)(k - i) : m - 1];
    }
    i = end;
  }
}

/* The pitch of the next non-ghost note after note i, or -1. */
static int next_main_pitch(const TandemPattern* pat, const int* pitches, uint32_t i)
{
  for (uint32_t k = i + 1; k < pat->n_notes; ++k) {
    if (pat->notes[k].tick > pat->notes[i].tick &&
        !(pat->notes[k].flags & TANDEM_NOTE_GHOST)) {
      return pitches[k];
    }
  }
  return -1;
}

START_TEST(test_generator_pitched_notes_stay_in_key_and_bass_downbeats_on_root)
{
  static const int keys[] = {0, 7, 3, 9}; /* C, G, Eb, A */
  static const int base[] = {0, 36, 48, 60};
  const int role = _i;
  int8_t degrees[TANDEM_MAX_BARS];
  for (int b = 0; b < TANDEM_MAX_BARS; ++b) {
    degrees[b] = progression[b % 4];
  }
  for (int k = 1; k <= TANDEM_STYLE_SHIPPED_COUNT; ++k) {
    const TandemStyle* s = &styles()->styles[k];
    long notes = 0, in_key = 0, downbeats = 0, on_root = 0, strong = 0,
         strong_in_chord = 0;
    for (int kk = 0; kk < 4; ++kk) {
      for (int sc = 0; sc < 2; ++sc) {
        const TandemScale scale = sc ? TANDEM_SCALE_MINOR : TANDEM_SCALE_MAJOR;
        TandemGenParams prm;
        tandem_gen_params_default(&prm, (TandemRole)role, (uint32_t)(kk * 2 + sc + 1));
        prm.bars = 16;
        prm.chord_degrees = (kk % 2) ? degrees : NULL; /* with and without the chords */
        static TandemPattern pat;
        generate(s, &prm, &pat);
        const uint32_t bar_ticks = tandem_pattern_ticks_per_bar(&pat);
        int pitches[TANDEM_MAX_NOTES];
        resolve_as_played(&pat, keys[kk], scale, s->chord_tones, base[role], pitches);
        for (uint32_t i = 0; i < pat.n_notes; ++i) {
          const TandemNote* n = &pat.notes[i];
          const int bar = (int)(n->tick / bar_ticks);
          const TandemHarmony h = harmony_at(keys[kk], scale, bar, s->chord_tones);
          const int pitch = pitches[i];
          ++notes;
          /* A note outside the key is a chromatic approach: the bass's next note
           * is a semitone away. */
          const int next = next_main_pitch(&pat, pitches, i);
          in_key += tandem_pitch_in_scale(&h, pitch) ||
                    tandem_pitch_in_chord(&h, pitch) ||
                    (role == TANDEM_ROLE_BASS && n->chromatic != 0 && next >= 0 &&
                     abs(next - pitch) == 1);
          if (prm.chord_degrees && n->tick % (8 * STEP_TICKS) == 0 &&
              !(n->flags & TANDEM_NOTE_GHOST)) {
            ++strong;
            strong_in_chord += tandem_pitch_in_chord(&h, pitch);
          }
          if (n->tick % bar_ticks == 0 && !(n->flags & TANDEM_NOTE_GHOST)) {
            ++downbeats;
            on_root += pitch % 12 == h.chord_root;
          }
        }
      }
    }
    ck_assert_msg(in_key == notes, "%s %s: %ld of %ld in key", s->name, role_names[role],
                  in_key, notes);
    if (role == TANDEM_ROLE_MELODY) {
      /* Given the progression, melody notes on beats 1 and 3 are chord tones. */
      ck_assert_int_gt(strong, 0);
      ck_assert_msg(strong_in_chord == strong,
                    "%s: %ld of %ld strong-beat notes in chord", s->name, strong_in_chord,
                    strong);
    }
    if (role == TANDEM_ROLE_BASS) {
      printf("%-9s bass downbeats on the root: %ld of %ld\n", s->name, on_root,
             downbeats);
      /* Off-beat basses (house, techno, gabber) rightly leave the downbeat empty. */
      if (s->bass_steps[0] >= 0.5f) {
        ck_assert_int_gt(downbeats, 0);
      }
      ck_assert_msg(on_root * 10 >= downbeats * 9, "%s: %ld of %ld downbeats on the root",
                    s->name, on_root, downbeats);
    }
  }
}
END_TEST

/* ---- Seeds ---- */

static bool has_onset(const TandemPattern* p, uint32_t tick, int pitch);

/* Share of main notes of a not matched in b by tick, tone, octave and
 * chromatic step. */
static float line_distance(const TandemPattern* a, const TandemPattern* b)
{
  int n = 0, unmatched = 0;
  for (uint32_t i = 0; i < a->n_notes; ++i) {
    const TandemNote* x = &a->notes[i];
    if (x->flags & TANDEM_NOTE_GHOST) {
      continue;
    }
    bool found = false;
    for (uint32_t k = 0; k < b->n_notes && !found; ++k) {
      const TandemNote* y = &b->notes[k];
      found = y->tick == x->tick && y->kind == x->kind && y->degree == x->degree &&
              y->octave == x->octave && y->chromatic == x->chromatic;
    }
    ++n;
    unmatched += !found;
  }
  return n ? (float)unmatched / (float)n : 0.0f;
}

START_TEST(test_generator_eight_seeds_give_pairwise_different_rhythms)
{
  /* Threshold: in the densest 8-bar pattern (4/4, at most 128 onset steps), a
   * distance above 0.03 means at least 4 onset positions differ: more than one
   * displaced note (which changes 2), so the seeds are audibly different parts. */
  const float threshold = 0.03f;
  const int role = _i;
  for (int k = 1; k <= TANDEM_STYLE_SHIPPED_COUNT; ++k) {
    const TandemStyle* s = &styles()->styles[k];
    static TandemPattern pats[8];
    for (int seed = 0; seed < 8; ++seed) {
      TandemGenParams prm;
      tandem_gen_params_default(&prm, (TandemRole)role, (uint32_t)seed + 1);
      prm.bars = 8;
      generate(s, &prm, &pats[seed]);
    }
    float closest = 1.0f;
    /* A part whose rhythm the style fixes keeps it in every seed: a walking bass
     * (a note a beat), or steps weighed 1 that carry the profile's density (the
     * reggae skank, gabber's off-beat bass).  A fixed bass differs in its line,
     * so compare the notes' (step, tone) pairs; fixed comping must play its
     * fixed steps in every bar. */
    const float* steps = role == TANDEM_ROLE_BASS     ? s->bass_steps
                         : role == TANDEM_ROLE_CHORDS ? s->chord_steps
                                                      : NULL;
    int ones = 0;
    for (int i = 0; steps && i < s->n_steps; ++i) {
      ones += steps[i] >= 1.0f;
    }
    const bool fixed =
        (role == TANDEM_ROLE_BASS && !strcmp(s->bass_idiom, "walk")) ||
        (steps && (role != TANDEM_ROLE_BASS || s->bass_kick_lock == 0.0f) &&
         (float)ones >= s->density[role] * (1.0f - s->ghost_prob));
    if (fixed && role == TANDEM_ROLE_CHORDS) {
      for (int seed = 0; seed < 8; ++seed) {
        for (int bar = 0; bar < 8; ++bar) {
          for (int i = 0; i < s->n_steps; ++i) {
            if (steps[i] >= 1.0f) {
              const uint32_t tick = (uint32_t)(bar * s->n_steps + i) * STEP_TICKS;
              ck_assert_msg(has_onset(&pats[seed], tick, -1),
                            "%s seed %d bar %d: no stab on fixed step %d", s->name,
                            seed + 1, bar, i);
            }
          }
        }
      }
      printf("%-9s %-6s fixed comping: every fixed step in every bar of 8 seeds\n",
             s->name, role_names[role]);
      continue;
    }
    for (int a = 0; a < 8; ++a) {
      for (int b = a + 1; b < 8; ++b) {
        const float d = fixed ? line_distance(&pats[a], &pats[b])
                              : tandem_rhythm_distance(&pats[a], &pats[b]);
        closest = d < closest ? d : closest;
      }
    }
    printf("%-9s %-6s closest pair of 8 seeds: %s distance %.3f\n", s->name,
           role_names[role], fixed ? "line" : "rhythm", closest);
    ck_assert_msg(closest > threshold, "%s %s: two seeds only %.3f apart", s->name,
                  role_names[role], closest);
  }
}
END_TEST

START_TEST(test_generator_rhythm_distance_counts_onset_differences)
{
  static TandemPattern a, b;
  tandem_pattern_init(&a, TANDEM_ROLE_DRUMS, 1, 4, 4);
  tandem_pattern_init(&b, TANDEM_ROLE_DRUMS, 1, 4, 4);
  const TandemNote n = {.length = 10, .pitch = 36, .velocity = 100};
  for (uint32_t step = 0; step < 4; ++step) {
    TandemNote x = n;
    x.tick = step * 4 * STEP_TICKS;
    tandem_pattern_add(&a, &x);
    tandem_pattern_add(&b, &x);
  }
  ck_assert_float_eq(tandem_rhythm_distance(&a, &b), 0.0f);
  b.notes[3].tick = 13 * STEP_TICKS; /* move one note: 2 of 5 onsets differ */
  ck_assert_float_eq_tol(tandem_rhythm_distance(&a, &b), 2.0f / 5.0f, 1e-6f);
}
END_TEST

START_TEST(test_generator_same_seed_gives_byte_identical_pattern)
{
  for (int k = 1; k <= TANDEM_STYLE_SHIPPED_COUNT; ++k) {
    for (int role = 0; role < TANDEM_ROLE_TRIGGER; ++role) {
      static TandemPattern a, b;
      TandemGenParams prm;
      tandem_gen_params_default(&prm, (TandemRole)role, 1234567u + (uint32_t)k);
      prm.bars = 8;
      prm.fill = 0.8f;
      prm.complexity = 0.9f;
      memset(&b, 0x5a, sizeof(b));
      generate(&styles()->styles[k], &prm, &a);
      generate(&styles()->styles[k], &prm, &b);
      ck_assert_int_eq(memcmp(&a, &b, sizeof(a)), 0);
      ck_assert_uint_eq(a.seed, prm.seed);
    }
  }
}
END_TEST

/* ---- Parts of the algorithm ---- */

static bool has_onset(const TandemPattern* p, uint32_t tick, int pitch)
{
  for (uint32_t i = 0; i < p->n_notes; ++i) {
    if (p->notes[i].tick == tick && (pitch < 0 || p->notes[i].pitch == pitch) &&
        !(p->notes[i].flags & TANDEM_NOTE_GHOST)) {
      return true;
    }
  }
  return false;
}

/* Share of the bass's main notes that land with a kick of the drums (same seed). */
static double bass_on_kick(const TandemStyle* s)
{
  long bass = 0, with_kick = 0;
  for (uint32_t seed = 1; seed <= 4; ++seed) {
    static TandemPattern drums, line;
    TandemGenParams prm;
    tandem_gen_params_default(&prm, TANDEM_ROLE_DRUMS, seed);
    prm.bars = 8;
    generate(s, &prm, &drums);
    prm.role = TANDEM_ROLE_BASS;
    generate(s, &prm, &line);
    for (uint32_t i = 0; i < line.n_notes; ++i) {
      if (!(line.notes[i].flags & TANDEM_NOTE_GHOST)) {
        ++bass;
        with_kick +=
            has_onset(&drums, line.notes[i].tick, s->drum_notes[TANDEM_DRUM_KICK]);
      }
    }
  }
  return (double)with_kick / (double)bass;
}

START_TEST(test_generator_bass_locks_to_kick_as_profile_says)
{
  const double trap = bass_on_kick(style_named("trap"));   /* the 808 doubles the kick */
  const double house = bass_on_kick(style_named("house")); /* off-beat bass */
  printf("bass notes on a kick: trap %.2f, house %.2f\n", trap, house);
  ck_assert(trap >= 0.8);
  ck_assert(house <= 0.2);
}
END_TEST

START_TEST(test_generator_euclidean_drums_space_hits_evenly)
{
  const TandemStyle* s = style_named("rock");
  TandemGenParams prm;
  tandem_gen_params_default(&prm, TANDEM_ROLE_DRUMS, 7);
  prm.euclidean = true;
  prm.bars = 2;
  static TandemPattern pat;
  generate(s, &prm, &pat);
  for (int v = 0; v < TANDEM_DRUM_VOICES; ++v) {
    int steps[64];
    int n = 0;
    for (uint32_t i = 0; i < pat.n_notes; ++i) {
      const TandemNote* note = &pat.notes[i];
      if (note->pitch == s->drum_notes[v] && !(note->flags & TANDEM_NOTE_GHOST) &&
          note->tick < tandem_pattern_ticks_per_bar(&pat)) {
        steps[n++] = (int)(note->tick / STEP_TICKS);
      }
    }
    ck_assert_int_ge(n, 2);
    int min_gap = 99, max_gap = 0;
    for (int i = 0; i < n; ++i) {
      const int gap = (steps[(i + 1) % n] - steps[i] + 16) % 16;
      min_gap = gap < min_gap ? gap : min_gap;
      max_gap = gap > max_gap ? gap : max_gap;
    }
    ck_assert_msg(max_gap - min_gap <= 1, "voice %d gaps %d..%d", v, min_gap, max_gap);
  }
}
END_TEST

START_TEST(test_generator_fill_param_puts_fills_at_phrase_ends_only)
{
  const TandemStyle* s = style_named("rock");
  TandemGenParams prm;
  tandem_gen_params_default(&prm, TANDEM_ROLE_DRUMS, 3);
  prm.bars = 8;
  static TandemPattern pat;
  /* fill 0.5: 2 beats at the end of each 4-bar phrase; 1: up to the whole bar. */
  const float fills[] = {0.5f, 1.0f};
  for (int f = 0; f < 2; ++f) {
    prm.fill = fills[f];
    generate(s, &prm, &pat);
    const uint32_t bar_ticks = tandem_pattern_ticks_per_bar(&pat);
    int fill_notes = 0;
    bool crash_after = false;
    for (uint32_t i = 0; i < pat.n_notes; ++i) {
      const TandemNote* n = &pat.notes[i];
      if (!(n->flags & TANDEM_NOTE_FILL)) {
        continue;
      }
      const uint32_t bar = n->tick / bar_ticks;
      const uint32_t pos = n->tick % bar_ticks;
      if (n->pitch == 49) {
        ck_assert_uint_eq(pos, 0);
        ck_assert_uint_eq(bar, 4);
        crash_after = true;
      } else {
        ++fill_notes;
        ck_assert(bar == 3 || bar == 7);
        if (f == 0) {
          ck_assert_uint_ge(pos, bar_ticks / 2);
        }
      }
    }
    ck_assert_int_ge(fill_notes, 4);
    ck_assert(crash_after);
  }

  prm.fill = 0.0f;
  generate(s, &prm, &pat);
  for (uint32_t i = 0; i < pat.n_notes; ++i) {
    ck_assert(!(pat.notes[i].flags & TANDEM_NOTE_FILL));
  }
}
END_TEST

START_TEST(test_generator_melody_leaves_space_where_input_is_busy)
{
  float busy[16];
  for (int i = 0; i < 16; ++i) {
    busy[i] = i < 8 ? 1.0f : 0.0f; /* the input plays the first half of each bar */
  }
  for (int k = 1; k <= TANDEM_STYLE_SHIPPED_COUNT; ++k) {
    const TandemStyle* s = &styles()->styles[k];
    long first_half[2] = {0, 0}, total[2] = {0, 0};
    for (int with = 0; with < 2; ++with) {
      for (uint32_t seed = 1; seed <= 4; ++seed) {
        TandemGenParams prm;
        tandem_gen_params_default(&prm, TANDEM_ROLE_MELODY, seed);
        prm.bars = 16;
        prm.input_busy = with ? busy : NULL;
        static TandemPattern pat;
        generate(s, &prm, &pat);
        const uint32_t bar_ticks = tandem_pattern_ticks_per_bar(&pat);
        for (uint32_t i = 0; i < pat.n_notes; ++i) {
          ++total[with];
          first_half[with] += pat.notes[i].tick % bar_ticks < bar_ticks / 2;
        }
      }
    }
    const double free_share = (double)first_half[0] / total[0];
    const double busy_share = (double)first_half[1] / total[1];
    ck_assert_msg(busy_share < 0.5 * free_share,
                  "%s: %.2f of notes in the busy half vs %.2f", s->name, busy_share,
                  free_share);
  }
}
END_TEST

START_TEST(test_generator_melody_restates_its_motif_in_the_second_bar)
{
  int transposed_or_repeated = 0, cases = 0;
  for (int k = 1; k <= TANDEM_STYLE_SHIPPED_COUNT; ++k) {
    for (uint32_t seed = 1; seed <= 4; ++seed) {
      TandemGenParams prm;
      tandem_gen_params_default(&prm, TANDEM_ROLE_MELODY, seed);
      prm.bars = 4;
      static TandemPattern pat;
      generate(&styles()->styles[k], &prm, &pat);
      const uint32_t bar_ticks = tandem_pattern_ticks_per_bar(&pat);
      int deg[2][64];
      bool on[2][64] = {{false}};
      for (uint32_t i = 0; i < pat.n_notes; ++i) {
        const TandemNote* n = &pat.notes[i];
        const uint32_t bar = n->tick / bar_ticks;
        if (bar < 2 && !(n->flags & TANDEM_NOTE_GHOST)) {
          on[bar][(n->tick % bar_ticks) / STEP_TICKS] = true;
          deg[bar][(n->tick % bar_ticks) / STEP_TICKS] = n->degree;
        }
      }
      bool same_shift = true;
      int shift = 99;
      for (int i = 0; i < 16; ++i) {
        ck_assert_msg(on[0][i] == on[1][i], "%s seed %u: bar 2 changes the rhythm",
                      styles()->styles[k].name, seed);
        if (on[0][i]) {
          const int d = deg[1][i] - deg[0][i];
          same_shift = same_shift && (shift == 99 || d == shift);
          shift = d;
        }
      }
      transposed_or_repeated += same_shift;
      ++cases;
    }
  }
  ck_assert_int_eq(transposed_or_repeated, cases);
}
END_TEST

START_TEST(test_generator_follows_other_meters)
{
  static const uint8_t meters[][2] = {{3, 4}, {6, 8}, {7, 8}, {5, 4}, {12, 8}};
  for (size_t m = 0; m < sizeof(meters) / sizeof(meters[0]); ++m) {
    for (int role = 0; role < TANDEM_ROLE_TRIGGER; ++role) {
      TandemGenParams prm;
      tandem_gen_params_default(&prm, (TandemRole)role, 11);
      prm.beats_per_bar = meters[m][0];
      prm.beat_unit = meters[m][1];
      static TandemPattern pat;
      generate(style_named("rock"), &prm, &pat);
      ck_assert_uint_eq(pat.beats_per_bar, meters[m][0]);
      ck_assert_uint_eq(pat.beat_unit, meters[m][1]);
      ck_assert_uint_gt(pat.n_notes, 0);
      if (role == TANDEM_ROLE_DRUMS) {
        /* Rock's kick on 1 of every bar. */
        for (uint32_t bar = 0; bar < prm.bars; ++bar) {
          ck_assert(has_onset(&pat, bar * tandem_pattern_ticks_per_bar(&pat), 36));
        }
      }
    }
  }
}
END_TEST

START_TEST(test_generator_compound_meter_profile_plays_its_24_steps)
{
  const char* dir = getenv("TANDEM_STYLES_DIR");
  char path[1024], err[512];
  snprintf(path, sizeof(path), "%s/shuffle.ttl", dir ? dir : "ttl/styles");
  TandemStyle s;
  ck_assert_msg(tandem_style_load_file(path, &s, err, sizeof(err)), "%s", err);
  ck_assert_uint_eq(s.n_steps, 24);
  for (int role = 0; role < TANDEM_ROLE_TRIGGER; ++role) {
    Stats st = {0};
    int snare_on_2_and_4 = 0;
    for (uint32_t seed = 1; seed <= 4; ++seed) {
      TandemGenParams prm;
      tandem_gen_params_default(&prm, (TandemRole)role, seed);
      prm.bars = 16;
      static TandemPattern pat;
      generate(&s, &prm, &pat);
      ck_assert_uint_eq(pat.beats_per_bar, 12);
      ck_assert_uint_eq(pat.beat_unit, 8);
      const uint32_t bar_ticks = tandem_pattern_ticks_per_bar(&pat);
      for (uint32_t i = 0; i < pat.n_notes; ++i) {
        const uint32_t pos = pat.notes[i].tick % bar_ticks;
        /* Triplet eighths only: the profile keeps to its eighth grid. */
        ck_assert_uint_eq(pos % (TANDEM_PPQ / 2), 0);
        snare_on_2_and_4 += role == TANDEM_ROLE_DRUMS && pat.notes[i].pitch == 38 &&
                            !(pat.notes[i].flags & TANDEM_NOTE_GHOST) &&
                            (pos == 6 * STEP_TICKS || pos == 18 * STEP_TICKS);
      }
      measure(&s, &pat, &st);
    }
    const double density = st.onsets / st.bars;
    printf("shuffle 12/8 %-6s density %5.2f (profile %5.2f)\n", role_names[role], density,
           s.density[role]);
    ck_assert(fabs(density - s.density[role]) <= 0.15 * s.density[role]);
    if (role == TANDEM_ROLE_DRUMS) {
      ck_assert_int_ge(snare_on_2_and_4, 2 * 64 * 9 / 10);
    }
  }
}
END_TEST

static double mean_velocity(const TandemPattern* p)
{
  double sum = 0.0;
  int n = 0;
  for (uint32_t i = 0; i < p->n_notes; ++i) {
    if (!(p->notes[i].flags & TANDEM_NOTE_GHOST)) {
      sum += p->notes[i].velocity;
      ++n;
    }
  }
  return sum / n;
}

START_TEST(test_generator_energy_and_density_move_velocity_and_note_count)
{
  const TandemStyle* s = style_named("funk");
  static TandemPattern lo, mid, hi;
  TandemGenParams prm;
  tandem_gen_params_default(&prm, TANDEM_ROLE_DRUMS, 5);
  prm.bars = 8;
  prm.energy = 0.0f;
  generate(s, &prm, &lo);
  prm.energy = 0.5f;
  generate(s, &prm, &mid);
  prm.energy = 1.0f;
  generate(s, &prm, &hi);
  ck_assert(mean_velocity(&lo) + 10.0 < mean_velocity(&mid));
  ck_assert(mean_velocity(&mid) + 10.0 < mean_velocity(&hi));

  prm.energy = 0.5f;
  prm.density = 0.0f;
  generate(s, &prm, &lo);
  prm.density = 1.0f;
  generate(s, &prm, &hi);
  printf("funk drums, 8 bars: %u notes at density 0, %u at 0.5, %u at 1\n", lo.n_notes,
         mid.n_notes, hi.n_notes);
  ck_assert_uint_lt(lo.n_notes * 3, mid.n_notes * 2); /* about half */
  ck_assert_uint_gt(hi.n_notes * 2, mid.n_notes * 3); /* up to twice, as room allows */
}
END_TEST

START_TEST(test_generator_caps_dense_requests_at_max_notes)
{
  TandemStyle dense = *style_named("funk");
  for (int r = 0; r < TANDEM_ROLE_TRIGGER; ++r) {
    dense.density[r] = 16.0f;
  }
  dense.density[TANDEM_ROLE_DRUMS] = 48.0f;
  for (int role = 0; role < TANDEM_ROLE_TRIGGER; ++role) {
    TandemGenParams prm;
    tandem_gen_params_default(&prm, (TandemRole)role, 9);
    prm.bars = TANDEM_MAX_BARS;
    prm.density = 1.0f;
    prm.fill = 1.0f;
    prm.beats_per_bar = 16; /* 64 steps a bar */
    prm.beat_unit = 4;
    static TandemPattern pat;
    generate(&dense, &prm, &pat);
    ck_assert_uint_le(pat.n_notes, TANDEM_MAX_NOTES);
    if (role == TANDEM_ROLE_DRUMS || role == TANDEM_ROLE_CHORDS) {
      /* Asked for: drums 3 voices x 64 steps x 16 bars, chords 4 tones x 64 x 16. */
      ck_assert_uint_eq(pat.n_notes, TANDEM_MAX_NOTES);
    }
  }
}
END_TEST

START_TEST(test_generator_rejects_bad_params_and_leaves_output)
{
  const TandemStyle* s = style_named("rock");
  static TandemPattern pat, before;
  memset(&pat, 0x33, sizeof(pat));
  before = pat;
  TandemGenParams prm;
  tandem_gen_params_default(&prm, TANDEM_ROLE_DRUMS, 1);
  prm.bars = 0;
  ck_assert(!tandem_generate(s, &prm, &pat));
  prm.bars = TANDEM_MAX_BARS + 1;
  ck_assert(!tandem_generate(s, &prm, &pat));
  prm.bars = 4;
  prm.role = TANDEM_ROLE_TRIGGER;
  ck_assert(!tandem_generate(s, &prm, &pat));
  prm.role = TANDEM_ROLE_DRUMS;
  prm.beats_per_bar = 4;
  prm.beat_unit = 3;
  ck_assert(!tandem_generate(s, &prm, &pat));
  ck_assert(!tandem_generate(NULL, &prm, &pat));
  ck_assert_int_eq(memcmp(&pat, &before, sizeof(pat)), 0);
}
END_TEST

/* ---- Time feel and ghost notes (plain-language "half-time", "double-time",
 * "ghost notes") ---- */

typedef struct {
  long kick, snare, hat, ghosts;
  long ghost_on_off16; /* ghosts on the "e" or "a" of a beat */
  double ghost_vel_max, main_vel_sum;
  long main_n;
} DrumCount;

static void count_drums(const TandemStyle* s, const TandemPattern* p, DrumCount* c)
{
  for (uint32_t i = 0; i < p->n_notes; ++i) {
    const TandemNote* n = &p->notes[i];
    if (n->flags & TANDEM_NOTE_GHOST) {
      ++c->ghosts;
      c->ghost_on_off16 += (n->tick / STEP_TICKS) % 2 == 1;
      c->ghost_vel_max = n->velocity > c->ghost_vel_max ? n->velocity : c->ghost_vel_max;
      continue;
    }
    c->main_vel_sum += n->velocity;
    ++c->main_n;
    c->kick += n->pitch == s->drum_notes[TANDEM_DRUM_KICK];
    c->snare += n->pitch == s->drum_notes[TANDEM_DRUM_SNARE];
    c->hat += n->pitch == s->drum_notes[TANDEM_DRUM_HAT];
  }
}

static const char* const four_four_styles[] = {
    "rock", "funk", "boombap", "trap", "house", "techno", "dnb", "ballad", "hardcore"};

START_TEST(test_generator_half_time_puts_the_snare_on_beat_3_only_and_thins_the_kick)
{
  const TandemStyle* s = style_named(four_four_styles[_i]);
  DrumCount normal = {0}, half = {0};
  for (uint32_t seed = 1; seed <= 4; ++seed) {
    static TandemPattern a, b;
    TandemGenParams prm;
    tandem_gen_params_default(&prm, TANDEM_ROLE_DRUMS, seed);
    prm.bars = 8;
    prm.beats_per_bar = 4;
    prm.beat_unit = 4;
    generate(s, &prm, &a);
    prm.time_feel = TANDEM_FEEL_HALF;
    generate(s, &prm, &b);
    count_drums(s, &a, &normal);
    count_drums(s, &b, &half);
    const uint32_t bar_ticks = tandem_pattern_ticks_per_bar(&b);
    int snares_per_bar[8] = {0};
    for (uint32_t i = 0; i < b.n_notes; ++i) {
      const TandemNote* n = &b.notes[i];
      if (!(n->flags & TANDEM_NOTE_GHOST) &&
          n->pitch == s->drum_notes[TANDEM_DRUM_SNARE]) {
        ck_assert_msg(n->tick % bar_ticks == 2 * TANDEM_PPQ,
                      "%s seed %u: half-time snare at bar %u tick %u, not beat 3",
                      s->name, seed, n->tick / bar_ticks, n->tick % bar_ticks);
        ++snares_per_bar[n->tick / bar_ticks];
      }
    }
    for (int bar = 0; bar < 8; ++bar) {
      ck_assert_int_eq(snares_per_bar[bar], 1);
    }
    /* The hats keep their time: the same onsets as in normal time. */
    for (uint32_t i = 0; i < a.n_notes; ++i) {
      if (a.notes[i].pitch == s->drum_notes[TANDEM_DRUM_HAT] &&
          !(a.notes[i].flags & TANDEM_NOTE_GHOST)) {
        ck_assert(has_onset(&b, a.notes[i].tick, a.notes[i].pitch));
      }
    }
  }
  printf("%-8s half-time over 32 bars: snares %ld -> %ld, kicks %ld -> %ld, hats %ld -> "
         "%ld\n",
         s->name, normal.snare, half.snare, normal.kick, half.kick, normal.hat, half.hat);
  ck_assert_int_lt(half.kick, normal.kick);
}
END_TEST

START_TEST(test_generator_double_time_puts_a_backbeat_in_every_beat_and_busier_hats)
{
  const char* const names[] = {"rock", "ballad", "hardcore"};
  const TandemStyle* s = style_named(names[_i]);
  DrumCount normal = {0}, twice = {0};
  /* Double time keeps the 8th-grid snares (a variation's snare on an off 16th
   * has no place in it), so it doubles those. */
  long normal_on_8ths = 0;
  for (uint32_t seed = 1; seed <= 4; ++seed) {
    static TandemPattern a, b;
    TandemGenParams prm;
    tandem_gen_params_default(&prm, TANDEM_ROLE_DRUMS, seed);
    prm.bars = 8;
    prm.beats_per_bar = 4;
    prm.beat_unit = 4;
    generate(s, &prm, &a);
    prm.time_feel = TANDEM_FEEL_DOUBLE;
    generate(s, &prm, &b);
    count_drums(s, &a, &normal);
    count_drums(s, &b, &twice);
    for (uint32_t i = 0; i < a.n_notes; ++i) {
      const TandemNote* n = &a.notes[i];
      normal_on_8ths += !(n->flags & TANDEM_NOTE_GHOST) &&
                        n->pitch == s->drum_notes[TANDEM_DRUM_SNARE] &&
                        (n->tick / STEP_TICKS) % 2 == 0;
    }
    bool beat_has_snare[8][4] = {{false}};
    for (uint32_t i = 0; i < b.n_notes; ++i) {
      const TandemNote* n = &b.notes[i];
      if (!(n->flags & TANDEM_NOTE_GHOST) &&
          n->pitch == s->drum_notes[TANDEM_DRUM_SNARE]) {
        beat_has_snare[n->tick / (4 * TANDEM_PPQ)][(n->tick / TANDEM_PPQ) % 4] = true;
      }
    }
    for (int bar = 0; bar < 8; ++bar) {
      for (int beat = 0; beat < 4; ++beat) {
        ck_assert_msg(beat_has_snare[bar][beat],
                      "%s seed %u: no backbeat in bar %d beat %d", s->name, seed, bar,
                      beat + 1);
      }
    }
  }
  printf("%-8s double-time over 32 bars: snares %ld -> %ld, hats %ld -> %ld\n", s->name,
         normal.snare, twice.snare, normal.hat, twice.hat);
  ck_assert_int_ge(twice.snare, 2 * normal_on_8ths - 8);
  ck_assert_int_gt(twice.hat, normal.hat);
}
END_TEST

/* Main (not ghost) onsets of a pitched pattern, a chord stab counted once. */
static long main_onsets(const TandemPattern* p)
{
  long count = 0;
  uint32_t last = UINT32_MAX;
  for (uint32_t i = 0; i < p->n_notes; ++i) {
    if (!(p->notes[i].flags & TANDEM_NOTE_GHOST) && p->notes[i].tick != last) {
      ++count;
      last = p->notes[i].tick;
    }
  }
  return count;
}

START_TEST(
    test_generator_pitched_roles_halve_their_rate_in_half_time_and_bass_runs_8ths_in_double)
{
  const char* const names[] = {"rock", "funk", "house", "boombap"};
  for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); ++k) {
    const TandemStyle* s = style_named(names[k]);
    for (int role = TANDEM_ROLE_BASS; role <= TANDEM_ROLE_MELODY; ++role) {
      long normal = 0, half = 0;
      for (uint32_t seed = 1; seed <= 4; ++seed) {
        static TandemPattern a, b;
        TandemGenParams prm;
        tandem_gen_params_default(&prm, (TandemRole)role, seed);
        prm.bars = 8;
        prm.beats_per_bar = 4;
        prm.beat_unit = 4;
        generate(s, &prm, &a);
        prm.time_feel = TANDEM_FEEL_HALF;
        generate(s, &prm, &b);
        normal += main_onsets(&a);
        half += main_onsets(&b);
        if (role == TANDEM_ROLE_BASS) {
          prm.time_feel = TANDEM_FEEL_DOUBLE;
          generate(s, &prm, &b);
          /* Straight 8ths: one main note on every 8th of every bar, nothing else. */
          ck_assert_int_eq(main_onsets(&b), 8 * 8);
          for (uint32_t i = 0; i < b.n_notes; ++i) {
            if (!(b.notes[i].flags & TANDEM_NOTE_GHOST)) {
              ck_assert_uint_eq(b.notes[i].tick % (TANDEM_PPQ / 2), 0);
            }
          }
        }
      }
      printf("%-8s %-6s onsets over 32 bars: normal %ld, half-time %ld\n", s->name,
             role_names[role], normal, half);
      ck_assert_msg(half <= 0.7 * normal, "%s %s: half-time %ld onsets, normal %ld",
                    s->name, role_names[role], half, normal);
    }
  }
}
END_TEST

START_TEST(test_generator_ghost_notes_param_doubles_quiet_ghosts_on_the_off_16ths)
{
  const char* const names[] = {"funk", "rock", "boombap", "house"};
  const TandemStyle* s = style_named(names[_i]);
  DrumCount plain = {0}, more = {0}, fewer = {0};
  for (uint32_t seed = 1; seed <= 6; ++seed) {
    static TandemPattern a;
    TandemGenParams prm;
    tandem_gen_params_default(&prm, TANDEM_ROLE_DRUMS, seed);
    prm.bars = 8;
    generate(s, &prm, &a);
    count_drums(s, &a, &plain);
    prm.ghost = 0.5f; /* one "ghost notes" request */
    generate(s, &prm, &a);
    count_drums(s, &a, &more);
    prm.ghost = -1.0f; /* "no ghost notes" */
    generate(s, &prm, &a);
    count_drums(s, &a, &fewer);
  }
  const double main_mean = more.main_vel_sum / (double)more.main_n;
  printf(
      "%-8s ghosts over 48 bars: %ld -> %ld (%.0f%% on off 16ths), loudest %.0f vs main "
      "mean %.0f; none asked: %ld\n",
      s->name, plain.ghosts, more.ghosts, 100.0 * more.ghost_on_off16 / more.ghosts,
      more.ghost_vel_max, main_mean, fewer.ghosts);
  ck_assert_int_ge(more.ghosts, 2 * plain.ghosts);
  ck_assert_int_ge(more.ghosts, 24); /* even a style with few ghosts gets some */
  ck_assert_double_lt(more.ghost_vel_max, 0.6 * main_mean);
  ck_assert_double_gt(more.ghost_vel_max, 20.0); /* and they are heard */
  ck_assert_int_ge(2 * more.ghost_on_off16, more.ghosts);
  ck_assert_int_eq(fewer.ghosts, 0);
}
END_TEST

START_TEST(test_generator_section_marks_fill_the_bar_and_crash_the_next)
{
  const TandemStyle* s = style_named("rock");
  TandemGenParams prm;
  tandem_gen_params_default(&prm, TANDEM_ROLE_DRUMS, 5);
  prm.beats_per_bar = 4;
  prm.beat_unit = 4;
  static TandemPattern plain, marked;
  generate(s, &prm, &plain);
  const uint32_t bar_ticks = tandem_pattern_ticks_per_bar(&plain);
  const float fills[] = {0.25f, 0.5f, 1.0f};
  for (int f = 0; f < 3; ++f) {
    marked = plain;
    ck_assert(tandem_gen_section_marks(&marked, s, 1, 2, fills[f], 5));
    ck_assert(tandem_pattern_valid(&marked));
    const uint32_t fill_from = 2 * bar_ticks - (uint32_t)(4 * fills[f]) * TANDEM_PPQ;
    int fill_notes = 0;
    bool crash = false;
    for (uint32_t i = 0; i < marked.n_notes; ++i) {
      const TandemNote* n = &marked.notes[i];
      if (n->tick >= fill_from && n->tick < 2 * bar_ticks) {
        ck_assert_msg(n->flags & TANDEM_NOTE_FILL, "fill %.2f: a groove note at tick %u",
                      fills[f], n->tick);
        ++fill_notes;
      } else if (n->flags & TANDEM_NOTE_FILL) {
        ck_assert_uint_eq(n->pitch, 49);
        ck_assert_uint_eq(n->tick, 2 * bar_ticks);
        crash = true;
      }
      if (n->tick == 2 * bar_ticks) {
        ck_assert_uint_ne(n->pitch, s->drum_notes[TANDEM_DRUM_HAT]);
      }
    }
    ck_assert_int_ge(fill_notes, (int)(4 * fills[f]) * 3);
    ck_assert(crash);
    /* Bars 0 and 3 are as they were. */
    for (uint32_t i = 0; i < plain.n_notes; ++i) {
      const uint32_t bar = plain.notes[i].tick / bar_ticks;
      if (bar == 0 || bar == 3) {
        ck_assert(has_onset(&marked, plain.notes[i].tick, plain.notes[i].pitch) ||
                  (plain.notes[i].flags & TANDEM_NOTE_GHOST));
      }
    }
  }
  /* Fill 0: no fill, the crash alone; bars out of range: nothing. */
  marked = plain;
  ck_assert(tandem_gen_section_marks(&marked, s, 1, -1, 0.0f, 5));
  ck_assert_int_eq(memcmp(&marked, &plain, sizeof(marked)), 0);
  ck_assert(tandem_gen_section_marks(&marked, s, 9, 9, 1.0f, 5));
  ck_assert_int_eq(memcmp(&marked, &plain, sizeof(marked)), 0);
  prm.role = TANDEM_ROLE_BASS;
  generate(s, &prm, &marked);
  ck_assert(!tandem_gen_section_marks(&marked, s, 1, 2, 1.0f, 5));
}
END_TEST

/* ---- Drums: form, idioms and controls ---- */

typedef struct {
  bool hit[TANDEM_MAX_BARS][64][128]; /* [bar][16th][pitch], main notes on the grid */
  int main_notes;
  int fill_notes;
  bool fill_bar[TANDEM_MAX_BARS];
  bool off_grid_keeper[TANDEM_MAX_BARS]; /* a hat roll or triplet */
  bool keeper_in[TANDEM_MAX_BARS][64];   /* a hat, ride or roll stroke in the 16th */
  int vel_kick_max[TANDEM_MAX_BARS];
  int vel_keeper_sum, vel_keeper_n;
} DrumGrid;

static bool is_keeper(const TandemStyle* s, uint8_t pitch)
{
  return pitch == s->drum_notes[TANDEM_DRUM_HAT] || pitch == 42 || pitch == 46 ||
         pitch == 51 || pitch == 53;
}

static void drum_grid(const TandemStyle* s, const TandemPattern* p, DrumGrid* g)
{
  memset(g, 0, sizeof(*g));
  const uint32_t bar_ticks = tandem_pattern_ticks_per_bar(p);
  for (uint32_t i = 0; i < p->n_notes; ++i) {
    const TandemNote* n = &p->notes[i];
    const uint32_t bar = n->tick / bar_ticks;
    const uint32_t pos = n->tick % bar_ticks;
    if (n->flags & TANDEM_NOTE_FILL) {
      g->fill_notes += n->pitch != 49 || pos != 0;
      g->fill_bar[bar] = g->fill_bar[bar] || n->pitch != 49 || pos != 0;
      continue;
    }
    if (n->flags & TANDEM_NOTE_GHOST) {
      continue;
    }
    ++g->main_notes;
    g->keeper_in[bar][pos / STEP_TICKS] |= is_keeper(s, n->pitch);
    if (pos % STEP_TICKS) {
      g->off_grid_keeper[bar] = g->off_grid_keeper[bar] || is_keeper(s, n->pitch);
      continue;
    }
    g->hit[bar][pos / STEP_TICKS][n->pitch] = true;
    if (n->pitch == s->drum_notes[TANDEM_DRUM_KICK] &&
        n->velocity > g->vel_kick_max[bar]) {
      g->vel_kick_max[bar] = n->velocity;
    }
    if (is_keeper(s, n->pitch)) {
      g->vel_keeper_sum += n->velocity;
      ++g->vel_keeper_n;
    }
  }
}

/* Does the style's sty:variationHits let voice v (kick 0, snare 1) play step i? */
static bool varies_there(const TandemStyle* s, int v, int i)
{
  const char* letters = TANDEM_FILL_LETTERS;
  const uint16_t hits = s->variation_hits[i];
  const uint16_t kick = (uint16_t)(1u << (strchr(letters, 'k') - letters));
  const uint16_t snare = (uint16_t)(1u << (strchr(letters, 's') - letters));
  const uint16_t rim = (uint16_t)(1u << (strchr(letters, 'r') - letters));
  const uint16_t clap = (uint16_t)(1u << (strchr(letters, 'c') - letters));
  if (v == 0) {
    return hits & kick;
  }
  return (hits & snare) || (s->drum_notes[1] == 37 && (hits & rim)) ||
         (s->drum_notes[1] == 39 && (hits & clap));
}

static void drums_with(const TandemStyle* s, uint32_t seed, float complexity,
                       float density, float energy, float fill, TandemPattern* out)
{
  TandemGenParams prm;
  tandem_gen_params_default(&prm, TANDEM_ROLE_DRUMS, seed);
  prm.bars = 16;
  prm.complexity = complexity;
  prm.density = density;
  prm.energy = energy;
  prm.fill = fill;
  generate(s, &prm, out);
}

START_TEST(test_generator_drums_keep_the_styles_fixed_steps_and_nothing_off_its_grid)
{
  const TandemStyle* s = &styles()->styles[_i];
  static const float knobs[][3] = {
      {0.5f, 0.5f, 0.5f}, {0.0f, 0.0f, 0.0f}, {1.0f, 1.0f, 1.0f}, {1.0f, 0.0f, 0.5f}};
  static TandemPattern pat;
  static DrumGrid g;
  for (uint32_t seed = 1; seed <= 4; ++seed) {
    for (size_t k = 0; k < sizeof(knobs) / sizeof(knobs[0]); ++k) {
      drums_with(s, seed, knobs[k][0], knobs[k][1], knobs[k][2], 1.0f, &pat);
      /* One note per pitch and tick (a ghost, a roll or a layer never doubles
       * a stroke), with fills and everything. */
      for (uint32_t i = 0; i < pat.n_notes; ++i) {
        for (uint32_t j = i + 1;
             j < pat.n_notes && pat.notes[j].tick == pat.notes[i].tick; ++j) {
          ck_assert_msg(pat.notes[j].pitch != pat.notes[i].pitch,
                        "%s seed %u: pitch %u twice at tick %u", s->name, seed,
                        pat.notes[i].pitch, pat.notes[i].tick);
        }
      }
      drums_with(s, seed, knobs[k][0], knobs[k][1], knobs[k][2], 0.0f, &pat);
      drum_grid(s, &pat, &g);
      for (int bar = 0; bar < 16; ++bar) {
        for (int i = 0; i < s->n_steps; ++i) {
          for (int v = 0; v < 2; ++v) {
            const uint8_t note = s->drum_notes[v];
            const float w = s->drum_steps[v][i];
            /* The 1, the backbeat, the one-drop: every bar. */
            ck_assert_msg(w < 0.999f || g.hit[bar][i][note],
                          "%s seed %u knobs %zu bar %d: no %s on step %d", s->name, seed,
                          k, bar, v ? "snare" : "kick", i);
            /* And never where the style has none (reggae's empty 1), save for
             * its variation strokes. */
            ck_assert_msg(w > 0.0f || varies_there(s, v, i) || !g.hit[bar][i][note],
                          "%s seed %u knobs %zu bar %d: %s on step %d", s->name, seed, k,
                          bar, v ? "snare" : "kick", i);
          }
        }
      }
    }
  }
}
END_TEST

START_TEST(test_generator_drums_time_keeper_plays_the_same_steps_every_bar)
{
  const TandemStyle* s = &styles()->styles[_i];
  static TandemPattern pat;
  static DrumGrid g;
  for (uint32_t seed = 1; seed <= 4; ++seed) {
    drums_with(s, seed, 1.0f, 0.5f, 0.5f, 0.0f, &pat);
    drum_grid(s, &pat, &g);
    /* The keeper's steps in the first bar without a roll (a roll may cover a
     * 16th the hats skip); every bar plays at least those. */
    int ref = 0;
    while (ref < 15 && g.off_grid_keeper[ref]) {
      ++ref;
    }
    for (int bar = 0; bar < 16; ++bar) {
      for (int i = 0; i < s->n_steps; ++i) {
        ck_assert_msg(!g.keeper_in[ref][i] || g.keeper_in[bar][i],
                      "%s seed %u: bar %d drops the hat on step %d", s->name, seed, bar,
                      i);
      }
    }
  }
}
END_TEST

START_TEST(test_generator_drums_develop_no_4_bar_block_repeats_verbatim)
{
  const TandemStyle* s = &styles()->styles[_i];
  static TandemPattern pat;
  static bool in[4][4 * 64][128];
  for (uint32_t seed = 1; seed <= 4; ++seed) {
    for (int c = 0; c < 2; ++c) {
      drums_with(s, seed, 0.5f * (float)c, 0.5f, 0.5f, 0.0f, &pat);
      const uint32_t block = 4 * tandem_pattern_ticks_per_bar(&pat);
      /* Each 4-bar block of the looped part as (16th in block, pitch) pairs: no
       * block plays three times in a row. */
      memset(in, 0, sizeof(in));
      for (uint32_t i = 0; i < pat.n_notes; ++i) {
        const TandemNote* n = &pat.notes[i];
        in[n->tick / block][(n->tick % block) / STEP_TICKS][n->pitch] = true;
      }
      for (int b = 0; b < 4; ++b) {
        const bool run_of_3 = memcmp(in[b], in[(b + 1) % 4], sizeof(in[0])) == 0 &&
                              memcmp(in[b], in[(b + 2) % 4], sizeof(in[0])) == 0;
        ck_assert_msg(!run_of_3, "%s seed %u complexity %.1f: block %d plays 3 times",
                      s->name, seed, 0.5 * c, b);
      }
    }
  }
}
END_TEST

START_TEST(test_generator_drum_controls_act_monotonically)
{
  const TandemStyle* s = &styles()->styles[_i];
  static TandemPattern pat;
  static DrumGrid g;
  const float x[] = {0.0f, 0.25f, 0.5f, 0.75f, 1.0f};
  int notes[5] = {0}, fill_notes[5] = {0}, fill_bars[5] = {0}, differ[5] = {0};
  double velocity[5] = {0};
  for (uint32_t seed = 1; seed <= 4; ++seed) {
    for (int k = 0; k < 5; ++k) {
      drums_with(s, seed, 0.5f, x[k], 0.5f, 0.0f, &pat);
      drum_grid(s, &pat, &g);
      notes[k] += g.main_notes;

      drums_with(s, seed, 0.5f, 0.5f, 0.5f, x[k], &pat);
      drum_grid(s, &pat, &g);
      fill_notes[k] += g.fill_notes;
      for (int bar = 0; bar < 16; ++bar) {
        fill_bars[k] += g.fill_bar[bar];
        /* Fills end phrases only. */
        ck_assert_msg(!g.fill_bar[bar] || bar % 4 == 3, "%s fill %.2f: fill in bar %d",
                      s->name, x[k], bar);
      }

      drums_with(s, seed, x[k], 0.5f, 0.5f, 0.0f, &pat);
      drum_grid(s, &pat, &g);
      for (int bar = 1; bar < 16; ++bar) {
        /* Each half of the part against its first bar (bossa moves to the ride). */
        const int ref = bar < 8 ? 0 : 8;
        const bool varied = memcmp(g.hit[bar], g.hit[ref], sizeof(g.hit[0])) != 0;
        differ[k] += varied;
        /* At complexity 0 only the phrase's last bar varies. */
        ck_assert_msg(k > 0 || !varied || bar % 4 == 3, "%s complexity 0: bar %d varies",
                      s->name, bar);
      }

      drums_with(s, seed, 0.5f, 0.5f, x[k], 0.0f, &pat);
      velocity[k] += mean_velocity(&pat);
    }
  }
  printf("%-9s density->notes %d %d %d %d %d, fill->fill notes %d %d %d %d %d, "
         "complexity->varied bars %d %d %d %d %d\n",
         s->name, notes[0], notes[1], notes[2], notes[3], notes[4], fill_notes[0],
         fill_notes[1], fill_notes[2], fill_notes[3], fill_notes[4], differ[0], differ[1],
         differ[2], differ[3], differ[4]);
  ck_assert_int_eq(fill_notes[0], 0);
  for (int k = 1; k < 5; ++k) {
    ck_assert_int_ge(notes[k], notes[k - 1]);
    ck_assert_int_gt(fill_notes[k], fill_notes[k - 1]);
    ck_assert_int_ge(fill_bars[k], fill_bars[k - 1]);
    ck_assert(velocity[k] > velocity[k - 1]);
  }
  ck_assert_int_gt(notes[4], notes[0]);
  ck_assert_int_gt(differ[4], differ[0]);
}
END_TEST

START_TEST(test_generator_drum_density_and_energy_only_add_to_the_groove)
{
  const TandemStyle* s = &styles()->styles[_i];
  static TandemPattern lo, hi;
  static DrumGrid glo, ghi;
  for (uint32_t seed = 1; seed <= 4; ++seed) {
    /* Density: bar 0 (the plain A bar) at a higher density holds every hit of a
     * lower one. */
    drums_with(s, seed, 0.5f, 0.2f, 0.5f, 0.0f, &lo);
    drums_with(s, seed, 0.5f, 0.8f, 0.5f, 0.0f, &hi);
    drum_grid(s, &lo, &glo);
    drum_grid(s, &hi, &ghi);
    for (int i = 0; i < s->n_steps; ++i) {
      for (int pitch = 0; pitch < 128; ++pitch) {
        ck_assert_msg(!glo.hit[0][i][pitch] || ghi.hit[0][i][pitch],
                      "%s seed %u: density 0.8 lost note %d on step %d", s->name, seed,
                      pitch, i);
      }
    }
    /* Energy: every note of energy 0 plays at energy 1, the same up to 0.7. */
    drums_with(s, seed, 0.5f, 0.5f, 0.0f, 0.0f, &lo);
    drums_with(s, seed, 0.5f, 0.5f, 0.65f, 0.0f, &hi);
    ck_assert_uint_eq(lo.n_notes, hi.n_notes);
    drums_with(s, seed, 0.5f, 0.5f, 1.0f, 0.0f, &hi);
    ck_assert_uint_gt(hi.n_notes, lo.n_notes); /* the style's layer */
    for (uint32_t i = 0, j = 0; i < lo.n_notes; ++i) {
      while (j < hi.n_notes && (hi.notes[j].tick < lo.notes[i].tick ||
                                (hi.notes[j].tick == lo.notes[i].tick &&
                                 hi.notes[j].pitch != lo.notes[i].pitch))) {
        ++j;
      }
      ck_assert_msg(j < hi.n_notes, "%s seed %u: energy 1 lost note %u (pitch %u)",
                    s->name, seed, i, lo.notes[i].pitch);
    }
  }
}
END_TEST

START_TEST(test_generator_drum_idioms_trap_rolls_jazz_foot_bossa_clave_one_drop)
{
  static TandemPattern pat;
  static DrumGrid g;
  const TandemStyle* trap = style_named("trap");
  const TandemStyle* jazz = style_named("jazz");
  const TandemStyle* bossa = style_named("bossa");
  const TandemStyle* reggae = style_named("reggae");
  int roll_bars = 0;
  int bossa_extra_rims = 0; /* cross-sticks a variation adds to the clave */
  for (uint32_t seed = 1; seed <= 4; ++seed) {
    drums_with(trap, seed, 0.5f, 0.5f, 0.5f, 0.0f, &pat);
    drum_grid(trap, &pat, &g);
    for (int bar = 0; bar < 16; ++bar) {
      roll_bars += g.off_grid_keeper[bar];
    }

    drums_with(jazz, seed, 0.5f, 0.5f, 0.5f, 0.0f, &pat);
    drum_grid(jazz, &pat, &g);
    const double ride_mean = (double)g.vel_keeper_sum / g.vel_keeper_n;
    for (int bar = 0; bar < 16; ++bar) {
      ck_assert(g.hit[bar][4][44] && g.hit[bar][12][44]); /* the foot on 2 and 4 */
      ck_assert(g.hit[bar][0][36] && g.hit[bar][8][36]);  /* feathered quarters */
      ck_assert_msg(g.vel_kick_max[bar] < ride_mean, "jazz bar %d: kick %d, ride %.0f",
                    bar, g.vel_kick_max[bar], ride_mean);
    }

    drums_with(bossa, seed, 0.5f, 0.5f, 0.5f, 0.0f, &pat);
    drum_grid(bossa, &pat, &g);
    const int clave[] = {0, 3, 6, 10, 13};
    for (int bar = 0; bar < 16; ++bar) {
      for (int k = 0; k < 5; ++k) {
        ck_assert_msg(g.hit[bar][clave[k]][37], "bossa bar %d: no rim on %d", bar,
                      clave[k]);
      }
      /* Hat in the first half of the part, ride in the second. */
      ck_assert(g.hit[bar][0][bar < 8 ? 42 : 51]);
      for (int i = 0; i < 16; ++i) {
        bossa_extra_rims +=
            g.hit[bar][i][37] && i != 0 && i != 3 && i != 6 && i != 10 && i != 13;
      }
    }

    drums_with(reggae, seed, 1.0f, 1.0f, 0.5f, 0.0f, &pat);
    drum_grid(reggae, &pat, &g);
    for (int bar = 0; bar < 16; ++bar) {
      ck_assert(g.hit[bar][8][36] && g.hit[bar][8][37] && !g.hit[bar][0][36]);
    }
  }
  printf("trap: hat rolls in %d of 64 bars; bossa: %d added cross-sticks\n", roll_bars,
         bossa_extra_rims);
  ck_assert_int_gt(bossa_extra_rims, 0);
  ck_assert_int_ge(roll_bars * 4, 64); /* at least a quarter of the bars */
}
END_TEST

/* ---- Vocabulary, form and parameters of the pitched parts ---- */

static const char* const sub_styles[] = {"dnb", "reggae", "trap"};

START_TEST(test_generator_jazz_bass_walks_a_note_a_beat_with_chromatic_approaches)
{
  const TandemStyle* s = style_named("jazz");
  long bars = 0, walking = 0, notes = 0, chromatic = 0;
  for (uint32_t seed = 1; seed <= 4; ++seed) {
    TandemGenParams prm;
    tandem_gen_params_default(&prm, TANDEM_ROLE_BASS, seed);
    prm.bars = 16;
    static TandemPattern pat;
    generate(s, &prm, &pat);
    int pitches[TANDEM_MAX_NOTES];
    resolve_as_played(&pat, 0, TANDEM_SCALE_MAJOR, s->chord_tones, 36, pitches);
    const uint32_t bar_ticks = tandem_pattern_ticks_per_bar(&pat);
    for (int bar = 0; bar < prm.bars; ++bar) {
      uint32_t steps = 0; /* bit per 16th with a main note */
      int count = 0;
      for (uint32_t i = 0; i < pat.n_notes; ++i) {
        const TandemNote* n = &pat.notes[i];
        if (n->tick / bar_ticks == (uint32_t)bar && !(n->flags & TANDEM_NOTE_GHOST)) {
          steps |= 1u << ((n->tick % bar_ticks) / STEP_TICKS);
          ++count;
        }
      }
      ++bars;
      walking += steps == 0x1111u && count == 4;
    }
    for (uint32_t i = 0; i < pat.n_notes; ++i) {
      const TandemNote* n = &pat.notes[i];
      if (n->flags & TANDEM_NOTE_GHOST) {
        continue;
      }
      const TandemHarmony h =
          harmony_at(0, TANDEM_SCALE_MAJOR, (int)(n->tick / bar_ticks), s->chord_tones);
      const int next = next_main_pitch(&pat, pitches, i);
      ++notes;
      chromatic += !tandem_pitch_in_chord(&h, pitches[i]) && next >= 0 &&
                   abs(next - pitches[i]) == 1;
    }
  }
  printf("jazz bass: %ld of %ld bars walk a note a beat; %ld of %ld notes chromatic "
         "approaches\n",
         walking, bars, chromatic, notes);
  ck_assert_int_eq(walking, bars);
  ck_assert_msg(chromatic * 10 >= notes, "%ld of %ld chromatic", chromatic, notes);
}
END_TEST

START_TEST(test_generator_sub_bass_sits_below_e2_in_dnb_reggae_and_trap)
{
  const TandemStyle* s = style_named(sub_styles[_i]);
  int below = 0, total = 0, highest = 0;
  for (uint32_t seed = 1; seed <= 4; ++seed) {
    for (int key = 0; key < 12; key += 5) {
      TandemGenParams prm;
      tandem_gen_params_default(&prm, TANDEM_ROLE_BASS, seed);
      prm.bars = 8;
      static TandemPattern pat;
      generate(s, &prm, &pat);
      int pitches[TANDEM_MAX_NOTES];
      resolve_as_played(&pat, key, TANDEM_SCALE_MINOR, s->chord_tones, 36, pitches);
      for (uint32_t i = 0; i < pat.n_notes; ++i) {
        ++total;
        below += pitches[i] < 40;
        highest = pitches[i] > highest ? pitches[i] : highest;
      }
    }
  }
  printf("%s bass: %d of %d notes below E2, highest %d\n", s->name, below, total,
         highest);
  /* Roots sit in C1..B1; fifths and octaves reach up to B2 at most. */
  ck_assert_int_le(highest, 47);
  ck_assert_int_ge(below * 4, total * 3);
}
END_TEST

START_TEST(test_generator_melody_strong_beats_and_long_notes_are_chord_tones)
{
  /* Without the progression (the plugin never gives it), against any chord. */
  const TandemStyle* s = &styles()->styles[_i + 1];
  static const int keys[] = {0, 7, 3, 9};
  long strong = 0;
  for (uint32_t seed = 1; seed <= 4; ++seed) {
    TandemGenParams prm;
    tandem_gen_params_default(&prm, TANDEM_ROLE_MELODY, seed);
    prm.bars = 16;
    static TandemPattern pat;
    generate(s, &prm, &pat);
    const uint32_t bar_ticks = tandem_pattern_ticks_per_bar(&pat);
    const uint32_t beat = tandem_pattern_ticks_per_beat(&pat);
    const uint32_t every = (bar_ticks / beat) % 2 == 0 ? 2 * beat : beat;
    for (uint32_t i = 0; i < pat.n_notes; ++i) {
      const TandemNote* n = &pat.notes[i];
      if ((n->flags & TANDEM_NOTE_GHOST) ||
          ((n->tick % bar_ticks) % every != 0 && n->length < beat)) {
        continue;
      }
      for (int k = 0; k < 4; ++k) {
        for (int sc = 0; sc < 2; ++sc) {
          const TandemScale scale = sc ? TANDEM_SCALE_MINOR : TANDEM_SCALE_MAJOR;
          const TandemHarmony h =
              harmony_at(keys[k], scale, (int)(n->tick / bar_ticks) + k, s->chord_tones);
          const int pitch = tandem_resolve_pitch(&h, n, 72);
          ck_assert_msg(tandem_pitch_in_chord(&h, pitch),
                        "%s seed %u tick %u: %d not in the chord", s->name, seed, n->tick,
                        pitch);
          ++strong;
        }
      }
    }
  }
  ck_assert_int_gt(strong, 0);
}
END_TEST

/* Main notes of a pattern (stabs count once). */
static int main_count(const TandemPattern* p)
{
  int n = 0;
  uint32_t last = UINT32_MAX;
  for (uint32_t i = 0; i < p->n_notes; ++i) {
    if (p->notes[i].flags & TANDEM_NOTE_GHOST) {
      continue;
    }
    if (p->role == TANDEM_ROLE_CHORDS && p->notes[i].tick == last) {
      continue;
    }
    last = p->notes[i].tick;
    ++n;
  }
  return n;
}

START_TEST(test_generator_density_never_removes_notes_as_it_rises)
{
  const int role = _i;
  for (int k = 1; k <= TANDEM_STYLE_SHIPPED_COUNT; ++k) {
    const TandemStyle* s = &styles()->styles[k];
    for (uint32_t seed = 1; seed <= 4; ++seed) {
      int last = -1, first = 0;
      for (int v = 0; v <= 4; ++v) {
        TandemGenParams prm;
        tandem_gen_params_default(&prm, (TandemRole)role, seed);
        prm.bars = 16;
        prm.density = 0.25f * (float)v;
        static TandemPattern pat;
        generate(s, &prm, &pat);
        const int count = main_count(&pat);
        ck_assert_msg(count >= last, "%s %s seed %u: %d notes at density %.2f, %d before",
                      s->name, role_names[role], seed, count, prm.density, last);
        first = v == 0 ? count : first;
        last = count;
      }
      ck_assert_msg(last > first, "%s %s seed %u: density 0 and 1 both play %d notes",
                    s->name, role_names[role], seed, last);
    }
  }
}
END_TEST

/* Every note (onset and pitch) of energy 0.5 still plays at energy 1; an added
 * push may shorten the stab before it. */
START_TEST(test_generator_energy_adds_layers_and_keeps_the_line)
{
  const int role = _i;
  for (int k = 1; k <= TANDEM_STYLE_SHIPPED_COUNT; ++k) {
    const TandemStyle* s = &styles()->styles[k];
    static TandemPattern mid, high;
    TandemGenParams prm;
    tandem_gen_params_default(&prm, (TandemRole)role, 3);
    prm.bars = 8;
    generate(s, &prm, &mid);
    prm.energy = 1.0f;
    generate(s, &prm, &high);
    for (uint32_t i = 0; i < mid.n_notes; ++i) {
      const TandemNote* x = &mid.notes[i];
      bool kept = false;
      for (uint32_t j = 0; j < high.n_notes && !kept; ++j) {
        const TandemNote* y = &high.notes[j];
        kept = y->tick == x->tick && y->kind == x->kind && y->degree == x->degree &&
               y->octave == x->octave && y->chromatic == x->chromatic &&
               (y->flags & TANDEM_NOTE_GHOST) == (x->flags & TANDEM_NOTE_GHOST);
      }
      ck_assert_msg(kept, "%s %s: energy 1 drops the note at tick %u", s->name,
                    role_names[role], x->tick);
    }
    ck_assert_msg(main_count(&high) > main_count(&mid), "%s %s: no layer at energy 1",
                  s->name, role_names[role]);
    ck_assert_msg(mean_velocity(&high) > mean_velocity(&mid), "%s %s: no louder", s->name,
                  role_names[role]);
  }
}
END_TEST

/* Whether 4-bar blocks a and b (of a pattern looped) hold the same notes. */
static bool same_block(const TandemPattern* p, int a, int b)
{
  const uint32_t block = 4 * tandem_pattern_ticks_per_bar(p);
  const uint32_t len = tandem_pattern_length_ticks(p);
  const uint32_t at[2] = {(uint32_t)a * block % len, (uint32_t)b * block % len};
  uint32_t in[2] = {0, 0};
  for (int side = 0; side < 2; ++side) {
    for (uint32_t i = 0; i < p->n_notes; ++i) {
      in[side] += p->notes[i].tick >= at[side] && p->notes[i].tick < at[side] + block;
    }
  }
  if (in[0] != in[1]) {
    return false;
  }
  for (uint32_t i = 0; i < p->n_notes; ++i) {
    const TandemNote* x = &p->notes[i];
    if (x->tick < at[0] || x->tick >= at[0] + block) {
      continue;
    }
    bool found = false;
    for (uint32_t j = 0; j < p->n_notes && !found; ++j) {
      const TandemNote* y = &p->notes[j];
      found = y->tick - at[1] == x->tick - at[0] && y->tick >= at[1] &&
              y->kind == x->kind && y->degree == x->degree && y->octave == x->octave &&
              y->chromatic == x->chromatic && y->length == x->length;
    }
    if (!found) {
      return false;
    }
  }
  return true;
}

START_TEST(test_generator_no_4_bar_block_repeats_verbatim_more_than_twice)
{
  const int role = _i;
  for (int k = 1; k <= TANDEM_STYLE_SHIPPED_COUNT; ++k) {
    const TandemStyle* s = &styles()->styles[k];
    for (uint32_t seed = 1; seed <= 4; ++seed) {
      for (int bars = 8; bars <= 16; bars += 8) {
        TandemGenParams prm;
        tandem_gen_params_default(&prm, (TandemRole)role, seed);
        prm.bars = (uint8_t)bars;
        static TandemPattern pat;
        generate(s, &prm, &pat);
        /* The pattern loops: blocks 0..n-1, 0..n-1, ... */
        const int blocks = bars / 4;
        for (int b = 0; b < 2 * blocks; ++b) {
          ck_assert_msg(!(same_block(&pat, b, b + 1) && same_block(&pat, b + 1, b + 2)),
                        "%s %s seed %u, %d bars: block %d sounds three times in a row",
                        s->name, role_names[role], seed, bars, b % blocks);
        }
      }
    }
  }
}
END_TEST

START_TEST(test_generator_reggae_skank_plays_every_chop_at_any_setting)
{
  const TandemStyle* s = style_named("reggae");
  for (int v = 0; v <= 4; ++v) {
    TandemGenParams prm;
    tandem_gen_params_default(&prm, TANDEM_ROLE_CHORDS, (uint32_t)v + 1);
    prm.bars = 16;
    prm.density = 0.25f * (float)v;
    prm.complexity = 1.0f - 0.25f * (float)v;
    static TandemPattern pat;
    generate(s, &prm, &pat);
    for (int bar = 0; bar < prm.bars; ++bar) {
      for (int beat = 1; beat < 4; beat += 2) {
        const uint32_t tick = (uint32_t)(bar * 16 + beat * 4) * STEP_TICKS;
        ck_assert_msg(has_onset(&pat, tick, -1),
                      "density %.2f bar %d: no chop on beat %d", prm.density, bar,
                      beat + 1);
      }
    }
  }
}
END_TEST

static Suite* generator_suite(void)
{
  Suite* s = suite_create("generator");
  TCase* tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, test_generator_output_matches_profile_numbers_over_64_bars, 0,
                      TANDEM_ROLE_TRIGGER);
  tcase_add_loop_test(tc,
                      test_generator_pitched_notes_stay_in_key_and_bass_downbeats_on_root,
                      TANDEM_ROLE_BASS, TANDEM_ROLE_TRIGGER);
  tcase_add_loop_test(tc, test_generator_eight_seeds_give_pairwise_different_rhythms, 0,
                      TANDEM_ROLE_TRIGGER);
  tcase_add_test(tc, test_generator_rhythm_distance_counts_onset_differences);
  tcase_add_test(tc, test_generator_same_seed_gives_byte_identical_pattern);
  tcase_add_test(tc, test_generator_bass_locks_to_kick_as_profile_says);
  tcase_add_test(tc, test_generator_euclidean_drums_space_hits_evenly);
  tcase_add_test(tc, test_generator_fill_param_puts_fills_at_phrase_ends_only);
  tcase_add_test(tc, test_generator_melody_leaves_space_where_input_is_busy);
  tcase_add_test(tc, test_generator_melody_restates_its_motif_in_the_second_bar);
  tcase_add_test(tc, test_generator_follows_other_meters);
  tcase_add_test(tc, test_generator_compound_meter_profile_plays_its_24_steps);
  tcase_add_test(tc, test_generator_energy_and_density_move_velocity_and_note_count);
  tcase_add_test(tc, test_generator_caps_dense_requests_at_max_notes);
  tcase_add_test(tc, test_generator_rejects_bad_params_and_leaves_output);
  suite_add_tcase(s, tc);
  TCase* vocab = tcase_create("vocabulary");
  tcase_set_timeout(vocab, 120);
  tcase_add_test(vocab,
                 test_generator_jazz_bass_walks_a_note_a_beat_with_chromatic_approaches);
  tcase_add_loop_test(vocab, test_generator_sub_bass_sits_below_e2_in_dnb_reggae_and_trap,
                      0, 3);
  tcase_add_loop_test(vocab,
                      test_generator_melody_strong_beats_and_long_notes_are_chord_tones,
                      0, TANDEM_STYLE_SHIPPED_COUNT);
  tcase_add_loop_test(vocab, test_generator_density_never_removes_notes_as_it_rises,
                      TANDEM_ROLE_BASS, TANDEM_ROLE_TRIGGER);
  tcase_add_loop_test(vocab, test_generator_energy_adds_layers_and_keeps_the_line,
                      TANDEM_ROLE_BASS, TANDEM_ROLE_TRIGGER);
  tcase_add_loop_test(vocab,
                      test_generator_no_4_bar_block_repeats_verbatim_more_than_twice,
                      TANDEM_ROLE_BASS, TANDEM_ROLE_TRIGGER);
  tcase_add_test(vocab, test_generator_reggae_skank_plays_every_chop_at_any_setting);
  suite_add_tcase(s, vocab);
  TCase* feel = tcase_create("feel");
  tcase_set_timeout(feel, 120);
  tcase_add_loop_test(
      feel, test_generator_half_time_puts_the_snare_on_beat_3_only_and_thins_the_kick, 0,
      (int)(sizeof(four_four_styles) / sizeof(four_four_styles[0])));
  tcase_add_loop_test(
      feel, test_generator_double_time_puts_a_backbeat_in_every_beat_and_busier_hats, 0,
      3);
  tcase_add_test(
      feel,
      test_generator_pitched_roles_halve_their_rate_in_half_time_and_bass_runs_8ths_in_double);
  tcase_add_loop_test(
      feel, test_generator_ghost_notes_param_doubles_quiet_ghosts_on_the_off_16ths, 0, 4);
  tcase_add_test(feel, test_generator_section_marks_fill_the_bar_and_crash_the_next);
  suite_add_tcase(s, feel);
  TCase* form = tcase_create("form");
  tcase_set_timeout(form, 120);
  const int n_styles = TANDEM_STYLE_SHIPPED_COUNT + 1;
  tcase_add_loop_test(
      form, test_generator_drums_keep_the_styles_fixed_steps_and_nothing_off_its_grid, 1,
      n_styles);
  tcase_add_loop_test(
      form, test_generator_drums_time_keeper_plays_the_same_steps_every_bar, 1, n_styles);
  tcase_add_loop_test(form, test_generator_drums_develop_no_4_bar_block_repeats_verbatim,
                      1, n_styles);
  tcase_add_loop_test(form, test_generator_drum_controls_act_monotonically, 1, n_styles);
  tcase_add_loop_test(form, test_generator_drum_density_and_energy_only_add_to_the_groove,
                      1, n_styles);
  tcase_add_test(form,
                 test_generator_drum_idioms_trap_rolls_jazz_foot_bossa_clave_one_drop);
  suite_add_tcase(s, form);
  return s;
}

int main(void)
{
  SRunner* sr = srunner_create(generator_suite());
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
