/* Tandem — the musical clock the player follows.
 *
 * A position comes from one of three sources, in this order of preference:
 *   1. the host transport (time:Position), whenever the host has sent one;
 *   2. the detected tempo and beat phase (TandemTempoEstimate), once its
 *      confidence reaches the clock's threshold;
 *   3. a free-running internal clock at the last known tempo (120 bpm at first).
 *
 * Sources 2 and 3 share one internal beat counter, so switching between them never
 * jumps bars.  When an estimate is first trusted the beat phase is set to it at once
 * (one jump, which the player treats like a locate); after that the clock stays in
 * phase by nudging its rate (at most TANDEM_CLOCK_MAX_NUDGE of the tempo), so the
 * position it reports is continuous and the player never sees a jump.  If the
 * estimate loses confidence the clock runs on freely at the tempo and phase it had.
 *
 * The plugin asks for a position at the start of each segment of a block (a block
 * is split at every time:Position event), plays the segment, then advances the
 * clock by the segment's frames.
 *
 * Threads: all functions — audio thread (realtime-safe: no allocation, no I/O).
 */
#ifndef TANDEM_CLOCK_H
#define TANDEM_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "analysis_types.h"
#include "transport.h"

/* Largest rate change used to pull the internal clock into phase (fraction of bpm). */
#define TANDEM_CLOCK_MAX_NUDGE 0.08
/* Time over which a phase error is pulled in, seconds. */
#define TANDEM_CLOCK_PULL_S 0.5
/* Default confidence at which a tempo estimate is trusted. */
#define TANDEM_CLOCK_DEFAULT_MIN_CONFIDENCE 0.5f

typedef enum {
  TANDEM_CLOCK_HOST = 0,     /* host transport */
  TANDEM_CLOCK_DETECTED = 1, /* locked to the detected tempo and phase */
  TANDEM_CLOCK_FREE = 2,     /* free-running at the last known tempo */
} TandemClockSource;

/* A musical position at one frame, with what is needed to move on from it.
 * Beats are beat_unit notes, as in LV2 time:Position (6/8 at 180 bpm means 180
 * eighth notes per minute). */
typedef struct {
  uint8_t source;       /* TandemClockSource */
  double speed;         /* 1 = normal; 0 stopped; negative = reverse */
  double bpm;           /* beat_unit beats per minute, > 0 */
  double beats_per_bar; /* > 0 */
  int32_t beat_unit;    /* 1, 2, 4, 8, 16 */
  int64_t bar;          /* 0-based bar index */
  double bar_beat;      /* beat within the bar, [0, beats_per_bar) */
} TandemClockPos;

typedef struct {
  double sample_rate;
  float min_confidence; /* estimates below this are ignored */
  /* Internal clock (no host transport). */
  double bpm;           /* last known tempo: host, trusted estimate, or 120 */
  double beats_per_bar; /* meter used when there is no host */
  int32_t beat_unit;
  double beat;     /* beats since the internal clock started, >= 0 */
  double rate_bpm; /* rate used for the current segment (bpm plus nudge) */
  bool locked;     /* following a trusted estimate */
  TandemClockSource last_source;
} TandemClock;

/* Starts the clock at beat 0, 120 bpm, 4/4, free-running.  Call from instantiate
 * and activate. */
void tandem_clock_init(TandemClock* c, double sample_rate);

/* Meter used when there is no host transport (a host's meter always wins).
 * Values out of range are ignored. */
void tandem_clock_set_meter(TandemClock* c, double beats_per_bar, int32_t beat_unit);

/* Confidence (0..1) from which a tempo estimate is followed. */
void tandem_clock_set_min_confidence(TandemClock* c, float min_confidence);

/* Makes a position from a host transport as it stands (no clock state involved). */
void tandem_clock_pos_from_transport(const TandemTransport* t, TandemClockPos* out);

/* The position at the start of the coming segment.  t may be NULL (no host);
 * est may be NULL (no analysis).  frames_to_estimate is the signed number of frames
 * from the segment start to the sample est->beat_phase describes (for an estimate
 * made from the whole current block, the frames left in the block).  With a host
 * transport, also remembers its tempo as the last known tempo. */
void tandem_clock_position(TandemClock* c, const TandemTransport* t,
                           const TandemTempoEstimate* est, double frames_to_estimate,
                           TandemClockPos* out);

/* Moves the internal clock on by the segment just played.  Call after each
 * segment, whatever the source (it does nothing while a host drives). */
void tandem_clock_advance(TandemClock* c, uint32_t n_frames);

#endif
