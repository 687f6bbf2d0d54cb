/* Tandem groove benchmark helper: generates drums from a style profile file
 * with the built-in generator and writes them as a Standard MIDI File, swung
 * as the player swings them (worker/export.c).  The groove benchmark uses it to
 * play a learned profile, since tandem-render only plays the shipped styles.
 *
 * Usage: groove_gen PROFILE.ttl OUT.mid BPM BARS SEED
 * Errors print one line on stderr and exit 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "generator.h"
#include "style.h"

int main(int argc, char** argv)
{
  if (argc != 6) {
    fputs("usage: groove_gen PROFILE.ttl OUT.mid BPM BARS SEED\n", stderr);
    return 1;
  }
  static TandemStyle style;
  static TandemPattern pattern;
  char err[512] = "";
  if (!tandem_style_load_file(argv[1], &style, err, sizeof(err))) {
    fprintf(stderr, "groove_gen: %s\n", err);
    return 1;
  }
  const int bars = atoi(argv[4]);
  TandemGenParams params;
  tandem_gen_params_default(&params, TANDEM_ROLE_DRUMS,
                            (uint32_t)strtoul(argv[5], NULL, 10));
  params.bars = (uint8_t)(bars < 1 ? 1 : bars > TANDEM_MAX_BARS ? TANDEM_MAX_BARS : bars);
  params.beats_per_bar = 4;
  params.beat_unit = 4;
  if (!tandem_generate(&style, &params, &pattern)) {
    fprintf(stderr, "groove_gen: the generator refused %s\n", argv[1]);
    return 1;
  }
  TandemExportSettings settings;
  memset(&settings, 0, sizeof(settings));
  settings.channel = 10;
  settings.bpm = (float)atof(argv[3]);
  settings.swing_pct = style.swing_pct;
  settings.swing_grid_ticks = style.swing_grid == 8 ? TANDEM_PPQ / 2 : TANDEM_PPQ / 4;
  uint8_t* data = NULL;
  size_t size = 0;
  if (!tandem_export_encode(&pattern, &settings, &data, &size, err, sizeof(err))) {
    fprintf(stderr, "groove_gen: %s\n", err);
    return 1;
  }
  FILE* f = fopen(argv[2], "wb");
  const bool ok = f && fwrite(data, 1, size, f) == size;
  if (f && fclose(f) != 0) {
    fprintf(stderr, "groove_gen: cannot write %s\n", argv[2]);
    free(data);
    return 1;
  }
  free(data);
  if (!ok) {
    fprintf(stderr, "groove_gen: cannot write %s\n", argv[2]);
    return 1;
  }
  return 0;
}
