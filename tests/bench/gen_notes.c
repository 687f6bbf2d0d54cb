/* Tandem musicality benchmark helper: runs the built-in generator for a list of
 * requests and prints each pattern's notes as text, so that a script can judge
 * many parts without a MIDI round trip.
 *
 * Usage: gen_notes STYLES_DIR < requests
 * Each request line: STYLE ROLE BARS SEED COMPLEXITY DENSITY ENERGY FILL
 * (ROLE: drums, bass, chords or melody).  For each it prints
 *   pattern STYLE ROLE BARS SEED COMPLEXITY DENSITY ENERGY FILL BAR_TICKS
 * then one "TICK PITCH VELOCITY FLAGS" line per note, then "end".
 * Errors print one line on stderr and exit 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "generator.h"
#include "style.h"

static const char* const roles[] = {"drums", "bass", "chords", "melody"};

int main(int argc, char** argv)
{
  if (argc != 2) {
    fputs("usage: gen_notes STYLES_DIR < requests\n", stderr);
    return 1;
  }
  static TandemStyleSet set;
  static TandemPattern pattern;
  char err[512] = "";
  if (tandem_style_load_shipped(argv[1], &set, err, sizeof(err)) !=
      TANDEM_STYLE_SHIPPED_COUNT) {
    fprintf(stderr, "gen_notes: %s\n", err);
    return 1;
  }
  char line[256];
  while (fgets(line, sizeof(line), stdin)) {
    char style[64], role[16];
    unsigned bars, seed;
    float complexity, density, energy, fill;
    if (sscanf(line, "%63s %15s %u %u %f %f %f %f", style, role, &bars, &seed,
               &complexity, &density, &energy, &fill) != 8) {
      fprintf(stderr, "gen_notes: bad request line: %s", line);
      return 1;
    }
    const int index = tandem_style_shipped_index(style);
    int r = 0;
    while (r < 4 && strcmp(role, roles[r])) {
      ++r;
    }
    if (index < 1 || r == 4 || bars < 1 || bars > TANDEM_MAX_BARS) {
      fprintf(stderr, "gen_notes: unknown style or role, or bars outside 1..%d: %s",
              TANDEM_MAX_BARS, line);
      return 1;
    }
    TandemGenParams params;
    tandem_gen_params_default(&params, (TandemRole)r, seed);
    params.bars = (uint8_t)bars;
    params.complexity = complexity;
    params.density = density;
    params.energy = energy;
    params.fill = fill;
    if (!tandem_generate(&set.styles[index], &params, &pattern)) {
      fprintf(stderr, "gen_notes: the generator refused: %s", line);
      return 1;
    }
    printf("pattern %s %s %u %u %g %g %g %g %u\n", style, role, bars, seed, complexity,
           density, energy, fill, tandem_pattern_ticks_per_bar(&pattern));
    for (uint32_t i = 0; i < pattern.n_notes; ++i) {
      const TandemNote* n = &pattern.notes[i];
      printf("%u %u %u %u\n", n->tick, n->pitch, n->velocity, n->flags);
    }
    puts("end");
  }
  return 0;
}
