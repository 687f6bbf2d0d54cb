/* Tandem — groove capture: learning a style profile from a recording or the
 * live input.
 *
 * The caller feeds bar features (barfeatures.h), one bar at a time: the plugin's
 * worker from run()'s bar snapshots while "learn" is on, tandem-profile from a
 * file's analysis.  Each bar with a beat grid is kept (up to
 * TANDEM_GROOVE_MAX_BARS; later bars only count).  tandem_groove_finish turns
 * them into a TandemStyle in the shipped vocabulary:
 *  - tempo: the grid tempo most bars agree on (bars a tempo octave or more
 *    away, the tracker's slips, are left out of everything below);
 *  - placement: per class and 16th, the share of bars with a hit there, after
 *    lining each bar up with the others (a tracker that slipped by a beat or
 *    an eighth moves a whole bar) and the whole up with the downbeat (kick on
 *    1, backbeat snare, or a one-drop's kick and snare together on 3);
 *  - ghost notes: snare-class hits clearly softer than the bar's snare accent,
 *    as a share of all hits (onset strengths are compressed, so soft strokes
 *    the analysis hears as hats are missed: the figure reads low);
 *  - swing: the median over bars of where the "and" (eighth swing) or the
 *    "e"/"a" (sixteenth swing) fall, from the steady bars (grid tempo within
 *    2 % of a neighbour's; a wobbling tracker draws crooked grids) when there
 *    are enough; a late "and" with the "e"/"a" too rare to measure is taken as
 *    eighth swing (a tracker at double tempo hears swung 16ths so); syncopation
 *    from the placement; velocity
 *    mean and spread from the strengths of the hits; density from onsets/bar.
 * What a drum recording cannot tell (bass, chords, melody, scales) is taken
 * from the shipped style the drums sound most like (genre.h), and said so in
 * the description.  tandem_groove_write_ttl writes Turtle that
 * tandem_style_load_file reads back.
 *
 * Threads: no shared state.  init and add_bar are realtime-safe; finish
 * allocates its scratch (about 140 KB) and writing does file I/O: never the
 * audio thread.
 */
#ifndef TANDEM_GROOVE_H
#define TANDEM_GROOVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "barfeatures.h"
#include "genre.h"
#include "style.h"

#define TANDEM_GROOVE_MAX_BARS 512 /* bars kept: ~17 minutes at 120 bpm */

/* What one gridded bar contributes. */
typedef struct {
  float steps[TANDEM_BAR_CLASSES][TANDEM_BAR_STEPS]; /* onset strength sums */
  float bpm;         /* the grid's tempo: 4 beats over the bar's duration */
  float swing8_pct;  /* 0 when no "and" was heard */
  float swing16_pct; /* 0 when no "e"/"a" was heard */
  float triplet_share;
  float onsets;
} TandemGrooveBar;

typedef struct {
  TandemGrooveBar bars[TANDEM_GROOVE_MAX_BARS];
  uint32_t n_bars; /* gridded bars kept */
  uint32_t heard;  /* gridded bars heard, kept or not */
} TandemGrooveCapture;

/* Starts an empty capture.  Any thread. */
void tandem_groove_init(TandemGrooveCapture* g);

/* Adds one bar; bars without a beat grid or without onsets are skipped (they
 * tell nothing about placement or swing).  Any thread; realtime-safe. */
void tandem_groove_add_bar(TandemGrooveCapture* g, const TandemBarFeatures* bar);

/* Builds the profile named name (lower-case letters, digits, '-').  shipped
 * gives the non-drum fields (it must have at least one loaded style).  Returns
 * false with a message in err, *out untouched, when too little was heard (fewer
 * than 2 bars with a beat grid and onsets).  *base_style (may be NULL) receives
 * the shipped index used.  Any non-realtime thread. */
bool tandem_groove_finish(const TandemGrooveCapture* g, const TandemStyleSet* shipped,
                          const char* name, TandemStyle* out, int* base_style, char* err,
                          size_t err_size);

/* Writes s as a style profile Turtle file, replacing path.  Returns false with
 * a message in err when the file cannot be written. */
bool tandem_groove_write_ttl(const TandemStyle* s, const char* path, char* err,
                             size_t err_size);

/* A profile name (lower-case letters, digits, '-'; "learned" if none) from a
 * file path: its file name without the extension. */
void tandem_groove_name_from_path(const char* path, char* name, size_t name_size);

/* What the plugin's save_profile does: finishes the capture and writes it to
 * path without ever replacing a file: path (".ttl" added when it has no
 * extension), else stem-2.ttl, stem-3.ttl, ... up to -999, created exclusively.
 * The profile is named after the file written (tandem_groove_name_from_path).
 * Too little heard, an empty path or a failed write return false with a message
 * in err and leave no file.  written receives the file's path.  Worker thread. */
bool tandem_groove_save(const TandemGrooveCapture* g, const TandemStyleSet* shipped,
                        const char* path, TandemStyle* out, char* written,
                        size_t written_size, char* err, size_t err_size);

#endif
