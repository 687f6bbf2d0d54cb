/* Tandem — the arrangement policy's rules.  See arrange.h. */
#include "arrange.h"

TandemArrangeMarks tandem_arrange_marks(bool ends_here, int64_t section_start,
                                        int64_t bar, int64_t fill_bar, bool new_section)
{
  TandemArrangeMarks m;
  m.fill = ends_here;
  m.crash = fill_bar >= 0 && fill_bar == bar - 1;
  /* Found only now, with no fill before it: mark it as soon as we can. */
  const bool filled_into =
      fill_bar >= 0 && section_start >= fill_bar - 1 && section_start <= fill_bar + 2;
  m.crash = m.crash || (new_section && !filled_into);
  return m;
}

int tandem_arrange_next_section(const TandemSectionTracker* t)
{
  if (t->n_found < 3) {
    return 0;
  }
  const TandemSection* now = &t->scratch[t->n_found - 1];
  for (uint32_t k = t->n_found - 2; k-- > 0;) {
    if (t->scratch[k].group == now->group) {
      const int next = t->scratch[k + 1].label;
      return next != now->label ? next : 0;
    }
  }
  return 0;
}

TandemAheadVerdict tandem_arrange_settle(int64_t ahead_bar, int64_t section_start,
                                         int64_t bar)
{
  if (ahead_bar < 0) {
    return TANDEM_AHEAD_NONE;
  }
  if (section_start >= ahead_bar - 1 && section_start <= ahead_bar + 1) {
    return TANDEM_AHEAD_CONFIRMED;
  }
  return bar < ahead_bar + 3 ? TANDEM_AHEAD_WAIT : TANDEM_AHEAD_TAKE_BACK;
}

void tandem_arrange_turn(TandemPattern* p, int64_t anchor, int64_t bar)
{
  const int64_t bars = p->bars;
  const uint32_t bar_ticks = tandem_pattern_ticks_per_bar(p);
  const uint32_t phase = (uint32_t)((((bar - anchor) % bars) + bars) % bars);
  if (phase == 0) {
    return;
  }
  for (uint32_t i = 0; i < p->n_notes; ++i) {
    TandemNote* n = &p->notes[i];
    const uint32_t b = n->tick / bar_ticks;
    const uint32_t moved = (b + (uint32_t)bars - phase) % (uint32_t)bars;
    n->tick = moved * bar_ticks + n->tick % bar_ticks;
  }
  tandem_pattern_sort(p);
}
