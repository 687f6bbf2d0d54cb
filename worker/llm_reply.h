/* Tandem — model replies: parse, check against the schema and the music rules,
 * repair what can be repaired, and turn each alternative into a TandemPattern.
 *
 * The reply is the JSON object the model was told to write (llm_prompt.h gives
 * the schema):
 *   {"alternatives": [{"confidence": 0..1, "reason": "one line",
 *                      "notes": [{"tick", "length", "velocity",
 *                                 "pitch" (drums) | "degree" [, "octave"]}]}]}
 * Ticks are TANDEM_LLM_PPQ per quarter note from the pattern start.
 *
 * Schema faults (not an object, missing or mistyped fields, duplicate keys,
 * \u0000, nesting too deep) reject the alternative they are in.  Music faults
 * are repaired and counted: velocity clamped to 1..127, lengths raised to a
 * 32nd and cut at the pattern end, notes outside the pattern or the role's
 * pitch range dropped, overlapping same-pitch notes trimmed, starts within
 * TANDEM_LLM_SNAP_TICKS of the 16th or 8th-triplet grid snapped (counted apart:
 * snapping alone is not a repair), notes past TANDEM_MAX_NOTES dropped.  An
 * alternative with no playable note left, or that lost more than half its notes,
 * is rejected.
 *
 * Threads: any non-realtime thread (allocates through jansson).
 */
#ifndef TANDEM_LLM_REPLY_H
#define TANDEM_LLM_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pattern.h"

#define TANDEM_LLM_PPQ        480 /* ticks per quarter in the model's schema */
#define TANDEM_LLM_SNAP_TICKS 12  /* snap tolerance, model ticks (a 160th of a quarter)  \
                                   */
#define TANDEM_LLM_MAX_ALTS      3
#define TANDEM_LLM_REASON_MAX    128
#define TANDEM_LLM_VERDICT_MAX   256
#define TANDEM_LLM_MAX_RAW_NOTES (4 * TANDEM_MAX_NOTES) /* larger arrays are rejected */

/* The pattern a reply must fill. */
typedef struct {
  TandemRole role;
  uint8_t bars;          /* 1..TANDEM_MAX_BARS */
  uint8_t beats_per_bar; /* 1..16 */
  uint8_t beat_unit;     /* 4 or 8 */
} TandemReplyShape;

typedef enum {
  TANDEM_REPLY_ACCEPTED = 0, /* valid as given (snapping aside) */
  TANDEM_REPLY_REPAIRED = 1, /* valid after repairs */
  TANDEM_REPLY_REJECTED = 2, /* nothing playable; see verdict */
} TandemReplyOutcome;

typedef struct {
  uint32_t clamped_velocity;
  uint32_t fixed_length;  /* raised to a 32nd or cut at the end */
  uint32_t dropped_range; /* pitch/degree outside the role's range */
  uint32_t dropped_time;  /* start outside the pattern */
  uint32_t dropped_overlap;
  uint32_t trimmed_overlap;
  uint32_t dropped_cap; /* past TANDEM_MAX_NOTES */
  uint32_t snapped;     /* not a repair */
} TandemRepairCounts;

typedef struct {
  TandemPattern pattern;
  float confidence;                   /* 0..1 */
  char reason[TANDEM_LLM_REASON_MAX]; /* printable ASCII, one line */
  TandemRepairCounts repairs;
  bool repaired;
} TandemReplyAlt;

typedef struct {
  TandemReplyOutcome outcome;
  uint32_t n_alts; /* kept alternatives, best (as given) first */
  TandemReplyAlt alts[TANDEM_LLM_MAX_ALTS];
  uint32_t n_rejected_alts;
  char verdict[TANDEM_LLM_VERDICT_MAX]; /* "accepted", "repaired: ...", or the reason */
} TandemReply;

/* Parses and validates json_text (len bytes, need not be NUL-terminated).
 * Always fills *out; returns out->outcome != TANDEM_REPLY_REJECTED. */
bool tandem_llm_reply_parse(const char* json_text, size_t len,
                            const TandemReplyShape* shape, TandemReply* out);

/* The pitch range a role accepts: MIDI notes for drums, scale degrees or chord
 * tones for the pitched roles.  Threads: any. */
void tandem_llm_reply_range(TandemRole role, int* lo, int* hi);

/* Copies src into dst (dst_size bytes), keeping printable ASCII only and
 * stopping at the first line break, so a model's text cannot forge log lines
 * or terminal escapes.  Threads: any. */
void tandem_llm_sanitize_line(char* dst, size_t dst_size, const char* src);

#endif
