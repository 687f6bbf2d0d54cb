/* Tandem — grounded prompts for the language model.
 *
 * The system prompt carries the output schema, the units, the role's pitch
 * convention (GM drum map for drums, scale degrees or chord tones otherwise),
 * the meter and the rules.  The user part is one JSON document holding what
 * the track is doing (tempo, meter, key, recent chords, the last two bars'
 * onsets as 16-step strings per band, energy, section and genre when known), the
 * style profile's numbers and description, the current pattern (for modify
 * requests), the role, the last requests with their outcomes, and the user's
 * text as a JSON string value: it is quoted data, never instructions.
 *
 * Threads: any non-realtime thread (allocates).
 */
#ifndef TANDEM_LLM_PROMPT_H
#define TANDEM_LLM_PROMPT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "messages.h" /* TANDEM_LLM_CONTEXT_BARS, TANDEM_LLM_ONSET_* */
#include "pattern.h"
#include "style.h"

#define TANDEM_LLM_HISTORY     10  /* requests remembered */
#define TANDEM_LLM_REQUEST_MAX 256 /* bytes of one request text */
#define TANDEM_LLM_OUTCOME_MAX 64

/* Context memory: the last requests and what came of them.  Plain data, kept
 * in the plugin's state.  Oldest first. */
typedef struct {
  uint32_t n;
  struct {
    char request[TANDEM_LLM_REQUEST_MAX];
    char outcome[TANDEM_LLM_OUTCOME_MAX];
  } items[TANDEM_LLM_HISTORY];
} TandemLlmHistory;

/* Appends a request (dropping the oldest when full).  Threads: any. */
void tandem_llm_history_add(TandemLlmHistory* h, const char* request,
                            const char* outcome);

/* The history as JSON text for the plugin state: {"history": [{"request": ...,
 * "outcome": ...}, ...]}, oldest first.  malloc'd (free() it); NULL if out of
 * memory.  Threads: any non-realtime. */
char* tandem_llm_history_to_json(const TandemLlmHistory* h);

/* Reads what tandem_llm_history_to_json wrote.  Texts too long are cut; more
 * than TANDEM_LLM_HISTORY items keep the newest.  False (out untouched, a
 * message in err) if it is not that shape.  Threads: any non-realtime. */
bool tandem_llm_history_from_json(const char* text, TandemLlmHistory* out, char* err,
                                  size_t err_size);

/* What the prompt is grounded in.  Plain data, copied by value into a job. */
typedef struct {
  uint8_t role; /* TandemRole */
  uint8_t bars; /* of the pattern to write */
  uint8_t beats_per_bar;
  uint8_t beat_unit;
  float tempo_bpm; /* 0 when unknown */
  float tempo_confidence;
  bool key_known;
  uint8_t key_root;  /* pitch class, 0 = C */
  uint8_t key_scale; /* TandemScale */
  uint8_t n_chords;  /* bars with a chord entry, <= TANDEM_LLM_CONTEXT_BARS */
  struct {
    bool known;
    uint8_t root;                    /* pitch class */
    uint8_t quality;                 /* TandemChordQuality */
  } chords[TANDEM_LLM_CONTEXT_BARS]; /* oldest first */
  /* Onsets of the last two bars (oldest first) per band, bit i = 16th step i. */
  uint16_t onset_steps[TANDEM_LLM_ONSET_BARS][TANDEM_LLM_ONSET_BANDS];
  bool onsets_known;
  float energy; /* 0..1 */
  float rms_db;
  char section[32];       /* "" when unknown */
  char genre[32];         /* "" when unknown */
  float genre_confidence; /* 0..1, of genre */
  bool has_style;
  TandemStyle style;
  bool has_current; /* a modify request: the current pattern is sent */
  TandemPattern current;
  TandemLlmHistory history;
  char request[TANDEM_LLM_REQUEST_MAX]; /* the user's text */
} TandemPromptContext;

/* The reply schema for a role (a new reference; json_decref it).  Strict-mode
 * compatible: every property required, no additional properties. */
json_t* tandem_llm_schema(TandemRole role);

/* Builds the system prompt and the user part, both malloc'd; free() them.
 * False (outputs NULL) on failure. */
bool tandem_llm_prompt_build(const TandemPromptContext* ctx, char** system, char** user);

/* Writes the 16-step string for a bitmask ("x...x...x...x..."). Threads: any. */
void tandem_llm_steps_string(uint16_t steps, char out[17]);

#endif
