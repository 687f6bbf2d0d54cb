/* Tandem — host transport (time:Position) tracking.
 *
 * The host sends time:Position whenever its transport changes (start, stop,
 * locate, tempo); between messages the position advances with the frames.
 * Every field is checked: a missing, non-numeric, NaN or out-of-range field
 * keeps the previous value.
 *
 * Threads: all functions — audio thread (realtime-safe, no allocation).
 */
#ifndef TANDEM_TRANSPORT_H
#define TANDEM_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "uris.h"

typedef struct {
  bool has_host;         /* the host has sent at least one usable time:Position */
  double speed;          /* 0 = stopped, 1 = rolling, may be fractional or negative */
  double bpm;            /* beats per minute, (0, 1000] */
  double beats_per_bar;  /* (0, 64] */
  int32_t beat_unit;     /* 1, 2, 4, 8, 16, ... */
  int64_t bar;           /* bar index, 0-based as LV2 hosts send it */
  double bar_beat;       /* beat within the bar, [0, beats_per_bar) */
  int64_t frame;         /* host frame position */
  uint32_t jumps;        /* count of discontinuities seen (locate, loop, tempo) */
} TandemTransport;

void tandem_transport_init(TandemTransport* t);

/* Reads a time:Position object.  Returns true if anything usable was in it. */
bool tandem_transport_update(TandemTransport* t, const TandemURIs* uris,
                             const LV2_Atom_Object* obj);

/* Moves the position on by frames at the current tempo and speed. */
void tandem_transport_advance(TandemTransport* t, uint32_t frames, double sample_rate);

/* Reads an Int, Long, Float, Double or Bool atom as a double; false otherwise. */
bool tandem_atom_number(const TandemURIs* uris, const LV2_Atom* atom, double* out);

#endif
