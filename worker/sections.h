/* Tandem — arrangement (section) detection from bar features.
 *
 * Each bar becomes a short descriptor (loudness, band balance, onset density
 * per drum class, brightness).  Boundaries are where the descriptors of the
 * bars before and after differ most (novelty), at least TANDEM_SECTION_MIN_BARS
 * apart.  Segments that sound alike get the same group (A, B, C ...), which is
 * how a repeat is recognised; then names are given where the shape allows: a
 * quiet first segment is the intro, a quiet last one the outro, the loudest
 * repeated group the chorus, the other repeated group the verse, a one-off
 * segment after the first chorus the bridge.  A segment whose name rests on
 * little evidence keeps its group letter and a low confidence.
 *
 * The live tracker (below) re-segments the bars heard so far after each bar,
 * may start a section at the latest bar when it differs by far (a change is
 * known one bar after it begins), and names the parts as a listener who cannot
 * hear ahead: the opening part is the intro until it comes back, the first
 * two other parts are verse and chorus (the louder one the chorus; one alone is
 * the verse), a new part after a chorus is the bridge, the intro's part after a
 * chorus the outro.
 *
 * Threads: no allocation, no shared state; the plugin calls the tracker from
 * the worker thread, tools call tandem_sections_find directly.
 */
#ifndef TANDEM_SECTIONS_H
#define TANDEM_SECTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "barfeatures.h"
#include "messages.h" /* TandemSectionLabel */

#define TANDEM_SECTION_MAX      64 /* segments reported */
#define TANDEM_SECTION_MIN_BARS 2
#define TANDEM_SECTION_HISTORY  128 /* bars the tracker remembers */

typedef struct {
  uint32_t first_bar;
  uint32_t n_bars;
  double start_s;
  uint8_t label;    /* TandemSectionLabel */
  uint8_t group;    /* 0.. : segments of one group sound alike */
  float confidence; /* 0..1, of the label */
  float energy;     /* mean loudness descriptor, for the player (0..1 relative) */
} TandemSection;

/* Finds the sections of n_bars bars (any n, 0 gives 0).  Writes at most max_out
 * to out and returns how many were written.  Any thread. */
size_t tandem_sections_find(const TandemBarFeatures* bars, size_t n_bars,
                            TandemSection* out, size_t max_out);

/* "intro", "verse", ... "A" .. "D"; "" for unknown.  Any thread. */
const char* tandem_section_label_name(int label);

/* The live tracker: remembers the latest TANDEM_SECTION_HISTORY bars. */
typedef struct {
  TandemBarFeatures bars[TANDEM_SECTION_HISTORY];
  uint32_t n_bars; /* stored, <= TANDEM_SECTION_HISTORY */
  uint32_t total_bars;
  TandemSection scratch[TANDEM_SECTION_MAX];
  TandemSection current;
  uint32_t current_first_bar; /* absolute bar index where current began */
  uint32_t n_found;           /* sections in scratch; the last is current */
  uint8_t pending_label;      /* a new name for the current section, not yet taken */
  uint8_t pending_bars;       /* bars in a row it has been found */
} TandemSectionTracker;

void tandem_section_tracker_init(TandemSectionTracker* t);

/* Adds a bar and re-segments the history.  Returns true when the current
 * section (label or start) changed with this bar.  A new section is taken at
 * once; a new name for the section already playing only when it has been found
 * for 2 bars in a row, so that the label does not flicker.  Worker thread. */
bool tandem_section_tracker_update(TandemSectionTracker* t, const TandemBarFeatures* bar);

/* Predicts how many bars the current section lasts in all, at least min_bars.
 * Songs change sections on phrase boundaries, so: the length of the latest earlier
 * section of its group (verse 1 lasted 8 bars, so verse 2 will) if that is at least
 * min_bars; else the first multiple of 8 (or 4) from min_bars on, when every
 * section finished so far lasted a multiple of 8 (or 4).  In the opening section,
 * with nothing finished yet: 4, then multiples of 8 (intros and first verses run
 * 4 or 8 bars).  0 when there is nothing to go by: uneven lengths, or an opening
 * section that began before the history (bars have been forgotten).
 * Worker thread. */
uint32_t tandem_section_tracker_predict(const TandemSectionTracker* t, uint32_t min_bars);

/* Whether bar (an absolute bar index, counted as the tracker counts: 0 is the
 * first bar added) is predicted to be the last bar of the section playing now,
 * so that a player fills in it.  Worker thread. */
bool tandem_section_tracker_ends_at(const TandemSectionTracker* t, int64_t bar);

#endif
