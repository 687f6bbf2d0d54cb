/* Tandem — learning from like/dislike feedback.
 *
 * A like or dislike records the features of the pattern playing then (notes per
 * bar, off-beat share, ghost-note share, mean velocity) into a running mean per
 * role.  Later generation is biased towards what was liked and away from what
 * was disliked: the built-in generator makes a few candidates from different
 * seeds and keeps the one whose features score best, and the density, complexity
 * and energy knobs are nudged a little towards the liked features.  A model is
 * told the same thing in words (tandem_feedback_summary) for its prompt.
 *
 * With no feedback for a role, generation is exactly the generator's own: one
 * candidate, knobs untouched.
 *
 * The model is plain data (copy by value) and serialises to a line-based text
 * for the plugin state, so that it is portable and readable.
 *
 * Threads: every function touches only the structs passed in: any non-realtime
 * thread (in the plugin, the worker thread; tandem_feedback_generate calls the
 * generator, which needs about 10 KB of stack).
 */
#ifndef TANDEM_FEEDBACK_H
#define TANDEM_FEEDBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "generator.h"
#include "pattern.h"
#include "style.h"

#define TANDEM_FEEDBACK_ROLES 4 /* drums, bass, chords, melody */
#define TANDEM_FEEDBACK_CANDIDATES                                                       \
  6 /* patterns made per request once there is feedback */
#define TANDEM_FEEDBACK_TEXT_MAX 1024

/* What learning looks at in a pattern.  Each is a share or a scaled value 0..1. */
typedef struct {
  float density;     /* notes per bar / 64, at most 1 */
  float syncopation; /* share of non-ghost notes that start off the beat */
  float ghost_rate;  /* share of notes flagged ghost */
  float velocity;    /* mean velocity / 127 of non-ghost notes */
} TandemPatternFeatures;

typedef struct {
  uint32_t likes;
  uint32_t dislikes;
  TandemPatternFeatures liked;    /* mean over likes (meaningful when likes > 0) */
  TandemPatternFeatures disliked; /* mean over dislikes */
} TandemRolePreference;

typedef struct {
  TandemRolePreference roles[TANDEM_FEEDBACK_ROLES];
} TandemFeedback;

/* Measures a pattern.  An empty pattern gives all zeros. */
void tandem_pattern_features(const TandemPattern* p, TandemPatternFeatures* out);

/* Forgets everything. */
void tandem_feedback_reset(TandemFeedback* fb);

/* Records a like (liked true) or a dislike of pattern p.  Returns false for a
 * pattern of no learnable role (trigger) or an empty one. */
bool tandem_feedback_record(TandemFeedback* fb, const TandemPattern* p, bool liked);

/* True if the role has any likes or dislikes. */
bool tandem_feedback_has(const TandemFeedback* fb, TandemRole role);

/* How well features f match what was learned for the role: higher is better;
 * 0 without feedback. */
float tandem_feedback_score(const TandemFeedback* fb, TandemRole role,
                            const TandemPatternFeatures* f);

/* Generates like tandem_generate, biased by the feedback for params->role.
 * The result is deterministic for the same feedback, style and params. */
bool tandem_feedback_generate(const TandemFeedback* fb, const TandemStyle* style,
                              const TandemGenParams* params, TandemPattern* out);

/* One or two sentences for a model prompt ("The user liked ..."), or "" when
 * there is no feedback for the role.  Always terminates out. */
void tandem_feedback_summary(const TandemFeedback* fb, TandemRole role, char* out,
                             size_t size);

/* Serialises to text (for the plugin state); returns the length written, or 0 if
 * size was too small (out then holds ""). */
size_t tandem_feedback_to_text(const TandemFeedback* fb, char* out, size_t size);

/* Parses text written by tandem_feedback_to_text.  On any problem (unknown
 * version, bad number, value out of range) returns false with one message in err
 * and leaves *fb untouched.  Unknown lines are skipped. */
bool tandem_feedback_from_text(const char* text, TandemFeedback* fb, char* err,
                               size_t err_size);

#endif
