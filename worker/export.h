/* Tandem — MIDI export: patterns to Standard MIDI Files, never overwriting one.
 *
 * The export trigger writes the pattern playing now as <stem>.mid and each
 * variation as <stem>-var1.mid, <stem>-var2.mid, ...  The stem is the export path
 * without its ".mid"; if any of those files exists, the stem becomes <stem>-2,
 * then <stem>-3, ..., the first for which none exists.  Files are created with
 * exclusive creation, so a file that appears meanwhile is not replaced either.
 *
 * Pitched roles are resolved against one fixed harmony (the one playing when
 * export was pressed) at the player's base pitch; swing is applied as the player
 * would.  Type 1 file: a tempo track and one note track, 1920 ticks per quarter.
 *
 * Threads: worker thread (or tools): allocates and does file I/O.
 */
#ifndef TANDEM_EXPORT_H
#define TANDEM_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pattern.h"
#include "theory.h"

#define TANDEM_EXPORT_MAX_FILES 17 /* the pattern and up to 16 variations */

typedef struct {
  TandemHarmony harmony;
  uint8_t channel; /* 1..16 */
  int8_t octave;   /* -3..3, added to the role's base octave */
  float bpm;       /* written as the file's tempo; <= 0 writes 120 */
  float swing_pct; /* 0 or 50 straight; else as tandem_swing_tick, applied on export */
  uint32_t swing_grid_ticks;
} TandemExportSettings;

/* Encodes one pattern as an SMF in memory (malloc'ed *out, caller frees).
 * Returns false with a message in err on failure. */
bool tandem_export_encode(const TandemPattern* p, const TandemExportSettings* s,
                          uint8_t** out, size_t* out_size, char* err, size_t err_size);

/* Picks the stem for path and n_files files (see above).  Returns false with a
 * message in err if path is empty or too long, or no free stem below -999. */
bool tandem_export_choose_stem(const char* path, int n_files, char* stem,
                               size_t stem_size, char* err, size_t err_size);

/* The file name of file i (0 the pattern, i > 0 variation i) for a stem. */
bool tandem_export_file_name(const char* stem, int i, char* out, size_t size);

/* Writes n patterns (1..TANDEM_EXPORT_MAX_FILES; patterns[0] is the one playing).
 * Returns how many files were written; stops at the first failure, with a message
 * in err (files already written stay).  first_file receives the first name. */
int tandem_export_write(const char* path, const TandemPattern* patterns, int n,
                        const TandemExportSettings* s, char* first_file,
                        size_t first_file_size, char* err, size_t err_size);

#endif
