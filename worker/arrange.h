/* Tandem — the arrangement policy's rules: which marks a drum part gets at a bar
 * (a fill into a predicted section end, a crash after it or into a section found
 * late), which section is predicted to follow, when a part sent ahead for that
 * section stays or goes back, and how a part is turned to start at another bar.
 *
 * Pure functions of their arguments: work.c keeps the bars, the section tracker
 * and the parts, asks these rules, and sends what they decide.  Bars are absolute
 * bar indices as the section tracker counts them (worker/sections.h).
 *
 * Threads: any.
 */
#ifndef TANDEM_ARRANGE_H
#define TANDEM_ARRANGE_H

#include <stdbool.h>
#include <stdint.h>

#include "pattern.h"
#include "sections.h"

/* The section marks a drum part gets at one bar. */
typedef struct {
  bool fill;  /* a fill: the bar is predicted to end the section playing */
  bool crash; /* a crash on beat 1: the bar follows a fill, or a section was found
                 late, with no fill into it */
} TandemArrangeMarks;

/* The marks for `bar`.  ends_here: the tracker predicts `bar` ends the section
 * (tandem_section_tracker_ends_at); section_start: the bar the section playing
 * began at; fill_bar: the last bar given a section fill, -1 none; new_section: a
 * section began with the latest bar. */
TandemArrangeMarks tandem_arrange_marks(bool ends_here, int64_t section_start,
                                        int64_t bar, int64_t fill_bar, bool new_section);

/* The label of the section that followed the one playing now the last time its
 * group played, if the tracker has heard that and it is another label; else 0
 * (TANDEM_SECTION_UNKNOWN). */
int tandem_arrange_next_section(const TandemSectionTracker* t);

/* What to do with a part sent ahead to take over at ahead_bar. */
typedef enum {
  TANDEM_AHEAD_NONE = 0,      /* nothing was sent ahead (ahead_bar < 0) */
  TANDEM_AHEAD_CONFIRMED = 1, /* its section began within a bar of ahead_bar: it stays */
  TANDEM_AHEAD_WAIT = 2,      /* not confirmed yet; wait */
  TANDEM_AHEAD_TAKE_BACK = 3, /* unconfirmed after two bars: the part before comes back */
} TandemAheadVerdict;

/* The verdict at `bar` (the first bar a pattern sent now reaches), for a part sent
 * ahead to ahead_bar, while the tracker's section playing began at section_start. */
TandemAheadVerdict tandem_arrange_settle(int64_t ahead_bar, int64_t section_start,
                                         int64_t bar);

/* Turns p in place so that the bar that plays at `bar` becomes its bar 0, p's bar 0
 * having played at `anchor` (any bar, before or after; p->bars >= 1). */
void tandem_arrange_turn(TandemPattern* p, int64_t anchor, int64_t bar);

#endif
