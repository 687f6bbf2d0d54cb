/* Tandem pitched-part benchmark helper: generates bass, chord and melody parts
 * of every shipped style with the built-in generator and prints them as MIDI
 * pitches, resolved the way the player resolves them (tandem_resolve_pitch for
 * single notes, tandem_voicing_stab for chord stabs) against a looped diatonic
 * progression, one chord per bar.  tests/bench/musicality_pitched.py reads the
 * lines and scores them.
 *
 * Usage: pitched_gen STYLES_DIR BARS LOOPS SEED...
 *
 * For each style, role, seed and setting (the neutral one, then complexity,
 * density and energy each at 0, .25, .5, .75, 1 with the others at .5) it prints
 *   P style role seed param value
 * then one line per bar with the chord heard there,
 *   C bar root_pc quality chord_pcs...
 * then one line per sounding note, with the BARS-bar pattern looped LOOPS times,
 *   N bar step16 length_16ths pitch velocity ghost
 * The generator is given no chord per bar (chord_degrees NULL), as the plugin
 * gives it none.  Errors print one line on stderr and exit 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "generator.h"
#include "player.h"
#include "style.h"
#include "theory.h"
#include "voicing.h"

#define STEP (TANDEM_PPQ / 4)

/* I-vi-IV-V, ii-V-I-vi and a minor i-iv-v-i: scale degrees of the roots. */
static const int8_t progressions[4][4] = {
    {0, 5, 3, 4}, {1, 4, 0, 5}, {0, 3, 4, 0}, {0, 5, 1, 4}};
static const int keys[4] = {0, 9, 5, 4};
static const TandemScale scales[4] = {TANDEM_SCALE_MAJOR, TANDEM_SCALE_MINOR,
                                      TANDEM_SCALE_MAJOR, TANDEM_SCALE_MINOR};

/* The diatonic chord on a degree, with a seventh when the style asks for 4 tones. */
static TandemHarmony harmony_at(int seed, int bar, int tones)
{
  const int k = (seed - 1) & 3;
  const int degree = progressions[k][bar % 4];
  TandemHarmony h = {(uint8_t)keys[k], (uint8_t)scales[k], 0, 0};
  h.chord_root = (uint8_t)(tandem_scale_degree_semitones(&h, degree) % 12);
  const int third =
      (tandem_scale_degree_semitones(&h, degree + 2) - h.chord_root + 24) % 12;
  const int fifth =
      (tandem_scale_degree_semitones(&h, degree + 4) - h.chord_root + 24) % 12;
  const int seventh =
      (tandem_scale_degree_semitones(&h, degree + 6) - h.chord_root + 24) % 12;
  if (fifth == 6) {
    h.chord_quality = TANDEM_CHORD_DIM;
  } else if (tones == 4) {
    h.chord_quality = third == 4 ? (seventh == 11 ? TANDEM_CHORD_MAJ7 : TANDEM_CHORD_DOM7)
                                 : TANDEM_CHORD_MIN7;
  } else {
    h.chord_quality = third == 4 ? TANDEM_CHORD_MAJ : TANDEM_CHORD_MIN;
  }
  return h;
}

static void print_part(const TandemStyle* s, const TandemGenParams* prm, int loops)
{
  static TandemPattern pat;
  if (!tandem_generate(s, prm, &pat)) {
    fprintf(stderr, "pitched_gen: the generator refused %s\n", s->name);
    exit(1);
  }
  const uint32_t bar_ticks = tandem_pattern_ticks_per_bar(&pat);
  const int total_bars = pat.bars * loops;
  for (int bar = 0; bar < total_bars; ++bar) {
    const TandemHarmony h = harmony_at((int)prm->seed, bar, s->chord_tones);
    printf("C %d %d %d", bar, h.chord_root, h.chord_quality);
    const int size = tandem_chord_size((TandemChordQuality)h.chord_quality);
    for (int i = 0; i < size; ++i) {
      printf(" %d", tandem_chord_tone_semitones(&h, i) % 12);
    }
    printf("\n");
  }
  TandemVoiceLeader leader;
  tandem_voicing_init(&leader, tandem_player_base_pitch(TANDEM_ROLE_CHORDS));
  const int base = tandem_player_base_pitch((TandemRole)prm->role);
  for (int loop = 0; loop < loops; ++loop) {
    for (uint32_t i = 0; i < pat.n_notes;) {
      const TandemNote* n = &pat.notes[i];
      const int bar = (int)(n->tick / bar_ticks) + loop * pat.bars;
      const TandemHarmony h = harmony_at((int)prm->seed, bar, s->chord_tones);
      const int step = (int)(n->tick % bar_ticks / STEP);
      if (prm->role == TANDEM_ROLE_CHORDS && n->kind == TANDEM_PITCH_CHORD) {
        uint32_t end = i;
        while (end < pat.n_notes && pat.notes[end].tick == n->tick &&
               pat.notes[end].kind == TANDEM_PITCH_CHORD) {
          ++end;
        }
        int pitch[TANDEM_VOICING_MAX_VOICES];
        const int voices =
            tandem_voicing_stab(&leader, &h, &pat.notes[i], (int)(end - i), pitch);
        for (int v = 0; v < voices; ++v) {
          printf("N %d %d %.2f %d %d %d\n", bar, step, (double)n->length / STEP, pitch[v],
                 n->velocity, (n->flags & TANDEM_NOTE_GHOST) ? 1 : 0);
        }
        i = end;
        continue;
      }
      printf("N %d %d %.2f %d %d %d\n", bar, step, (double)n->length / STEP,
             tandem_resolve_pitch(&h, n, base), n->velocity,
             (n->flags & TANDEM_NOTE_GHOST) ? 1 : 0);
      ++i;
    }
  }
}

int main(int argc, char** argv)
{
  if (argc < 5) {
    fputs("usage: pitched_gen STYLES_DIR BARS LOOPS SEED...\n", stderr);
    return 1;
  }
  static TandemStyleSet set;
  char err[1024] = "";
  if (tandem_style_load_shipped(argv[1], &set, err, sizeof(err)) !=
      TANDEM_STYLE_SHIPPED_COUNT) {
    fprintf(stderr, "pitched_gen: %s\n", err);
    return 1;
  }
  const int bars = atoi(argv[2]);
  const int loops = atoi(argv[3]);
  static const char* const roles[] = {"drums", "bass", "chords", "melody"};
  static const char* const knobs[] = {"neutral", "complexity", "density", "energy"};
  static const float values[] = {0.0f, 0.25f, 0.5f, 0.75f, 1.0f};
  for (int k = 1; k <= TANDEM_STYLE_SHIPPED_COUNT; ++k) {
    const TandemStyle* s = &set.styles[k];
    for (int role = TANDEM_ROLE_BASS; role <= TANDEM_ROLE_MELODY; ++role) {
      for (int a = 4; a < argc; ++a) {
        const uint32_t seed = (uint32_t)strtoul(argv[a], NULL, 10);
        for (int knob = 0; knob < 4; ++knob) {
          for (int v = 0; v < (knob ? 5 : 1); ++v) {
            TandemGenParams prm;
            tandem_gen_params_default(&prm, (TandemRole)role, seed);
            prm.bars = (uint8_t)(bars < 1                 ? 1
                                 : bars > TANDEM_MAX_BARS ? TANDEM_MAX_BARS
                                                          : bars);
            const float value = knob ? values[v] : 0.5f;
            if (knob == 1) {
              prm.complexity = value;
            } else if (knob == 2) {
              prm.density = value;
            } else if (knob == 3) {
              prm.energy = value;
            }
            printf("P %s %s %u %s %.2f\n", s->name, roles[role], seed, knobs[knob],
                   (double)value);
            print_part(s, &prm, loops);
          }
        }
      }
    }
  }
  return 0;
}
