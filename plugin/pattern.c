/* Tandem — pattern helpers.  See pattern.h. */
#include "pattern.h"

#include <string.h>

void tandem_pattern_init(TandemPattern* p, TandemRole role, uint8_t bars,
                         uint8_t beats_per_bar, uint8_t beat_unit)
{
  memset(p, 0, sizeof(*p));
  p->magic = TANDEM_PATTERN_MAGIC;
  p->role = (uint8_t)role;
  p->bars = bars;
  p->beats_per_bar = beats_per_bar;
  p->beat_unit = beat_unit;
  p->confidence = 1.0f;
}

bool tandem_pattern_valid(const TandemPattern* p)
{
  if (!p || p->magic != TANDEM_PATTERN_MAGIC || p->role >= TANDEM_ROLE_COUNT ||
      p->bars < 1 || p->bars > TANDEM_MAX_BARS || p->beats_per_bar < 1 ||
      p->beats_per_bar > 16 || (p->beat_unit != 4 && p->beat_unit != 8 &&
                                p->beat_unit != 2) ||
      p->n_notes > TANDEM_MAX_NOTES) {
    return false;
  }
  const uint32_t total = tandem_pattern_length_ticks(p);
  uint32_t last = 0;
  for (uint32_t i = 0; i < p->n_notes; ++i) {
    const TandemNote* n = &p->notes[i];
    if (n->tick >= total || n->length == 0 || n->velocity < 1 || n->velocity > 127 ||
        n->kind > TANDEM_PITCH_SCALE_IN_CHORD || n->tick < last ||
        (n->kind == TANDEM_PITCH_ABSOLUTE && n->pitch > 127)) {
      return false;
    }
    last = n->tick;
  }
  return true;
}

void tandem_pattern_sort(TandemPattern* p)
{
  /* Insertion sort: stable, in place, and patterns arrive nearly sorted. */
  for (uint32_t i = 1; i < p->n_notes; ++i) {
    const TandemNote key = p->notes[i];
    uint32_t j = i;
    while (j > 0 && p->notes[j - 1].tick > key.tick) {
      p->notes[j] = p->notes[j - 1];
      --j;
    }
    p->notes[j] = key;
  }
}

bool tandem_pattern_add(TandemPattern* p, const TandemNote* note)
{
  if (p->n_notes >= TANDEM_MAX_NOTES) {
    return false;
  }
  p->notes[p->n_notes++] = *note;
  return true;
}
