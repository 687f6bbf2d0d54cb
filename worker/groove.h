/* Tandem — groove capture: learning a style profile from a reference recording.
 *
 * The caller feeds the bar features (barfeatures.h) and the onsets of one or
 * more recordings; tandem_groove_finish turns them into a TandemStyle in the
 * shipped vocabulary: tempo range, swing (eighth swing when the "and" is late,
 * else sixteenth swing), syncopation, ghost-note share, velocity mean
 * and spread (from onset strengths), per-16th kick/snare/hat weights and drum
 * density.  What a drum recording cannot tell (bass, chords, melody, scales) is
 * taken from the shipped style the drums sound most like (genre.h), and said
 * so in the description.  tandem_groove_write_ttl writes it as Turtle that
 * tandem_style_load_file reads back.
 *
 * Threads: no shared state; init/add/finish allocate nothing.  Writing does file
 * I/O: never the audio thread.
 */
#ifndef TANDEM_GROOVE_H
#define TANDEM_GROOVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "barfeatures.h"
#include "genre.h"
#include "style.h"

#define TANDEM_GROOVE_MAX_STRENGTHS 8192 /* onsets kept for velocity statistics */
#define TANDEM_GROOVE_MAX_BARS      2048 /* bar tempi kept for the tempo range */

typedef struct {
  TandemGenre measured; /* undecayed sums of placement, swing, triplet share */
  double swing16_sum;
  uint32_t swing16_n;
  float bpm_bars[TANDEM_GROOVE_MAX_BARS]; /* tempo of each gridded bar */
  uint32_t n_bpm;
  uint32_t bars; /* gridded bars */
  float strengths[TANDEM_GROOVE_MAX_STRENGTHS];
  uint32_t n_strengths;
} TandemGrooveCapture;

void tandem_groove_init(TandemGrooveCapture* g);

/* Adds one bar (bars without a beat grid only count towards tempo). */
void tandem_groove_add_bar(TandemGrooveCapture* g, const TandemBarFeatures* bar);

/* Adds one onset's strength (0..1), for the velocity and ghost-note figures. */
void tandem_groove_add_onset(TandemGrooveCapture* g, float strength);

/* Builds the profile named name (lower-case letters, digits, '-').  shipped
 * gives the non-drum fields (it must have at least one loaded style).  Returns
 * false with a message in err when too little was heard (fewer than 2 gridded
 * bars or no tempo).  *base_style receives the shipped index used. */
bool tandem_groove_finish(const TandemGrooveCapture* g, const TandemStyleSet* shipped,
                          const char* name, TandemStyle* out, int* base_style, char* err,
                          size_t err_size);

/* Writes s as a style profile Turtle file.  Returns false with a message in err
 * when the file cannot be written. */
bool tandem_groove_write_ttl(const TandemStyle* s, const char* path, char* err,
                             size_t err_size);

#endif
