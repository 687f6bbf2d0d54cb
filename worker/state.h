/* Tandem — the plugin state (LV2 state extension): what a saved session or
 * preset keeps, and how it comes back.
 *
 * Saved, under urn:tandem:plugin# keys:
 *   stateVersion   atom:Int     TANDEM_STATE_VERSION
 *   pattern        atom:Chunk   the pattern playing (tandem_state_pattern_encode)
 *   feedback       atom:String  learned likes/dislikes (tandem_feedback_to_text)
 *   llmUrl, llmModel, llmProvider, llmFallbacks   atom:String
 *   llmTimeout, llmTemperature                    atom:Float
 *   llmMaxTokens                                  atom:Int
 *                  the model settings, saved once a property set them (not when
 *                  they only come from the environment); never an API key
 *   llmHistory     atom:String  the context memory: the last 10 requests and
 *                  their outcomes, as JSON (tandem_llm_history_to_json)
 *   prompt         atom:String  the last plain-language request (text only)
 *   feel           atom:String  "time F ghost G": what half-time, double-time and
 *                  ghost-note requests left (nothing for the plain feel)
 *   and every row of the string-property table in state.c: the style-profile
 *   file (atom:Path, through the host's mapPath feature), and the rows other
 *   modules add (prompt, LLM provider, URL and model, context memory — never an
 *   API key).
 *
 * Restore replaces the whole saved state: a missing key gives that item's
 * default; a wrong type, a wrong size or a value that does not parse gives the
 * default and one log line; unknown keys are ignored; an older or newer version
 * is read as far as its keys are known; no features at all (no mapPath, no log)
 * works.  A restored pattern goes to run() through the pattern ring as
 * TANDEM_RING_RESTORED_PATTERN, so the session plays the same part without a
 * model and without regenerating; the message's serial field carries the saved
 * phase (0..bars-1) for run() to anchor the pattern with.
 *
 * Threads: tandem_state_map — instantiate.  tandem_state_save and
 * tandem_state_restore — the host's state thread (non-realtime); they take the
 * worker's lock, so they may run while work() does.  The pattern codec touches
 * only its arguments: any thread.
 */
#ifndef TANDEM_STATE_H
#define TANDEM_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lv2/state/state.h>
#include <lv2/urid/urid.h>

#include "pattern.h"
#include "work.h"

/* 1: version only; 2: pattern, feedback, strings; 3: model settings, context memory */
#define TANDEM_STATE_VERSION 3

#define TANDEM_STATE__pattern    "urn:tandem:plugin#pattern"
#define TANDEM_STATE__feedback   "urn:tandem:plugin#feedback"
#define TANDEM_STATE__phase      "urn:tandem:plugin#patternPhase"
#define TANDEM_STATE__llmHistory "urn:tandem:plugin#llmHistory"
#define TANDEM_STATE__feel       "urn:tandem:plugin#feel"

/* Most string properties the table may hold (see state.c). */
#define TANDEM_STATE_MAX_STRINGS 16

typedef struct {
  LV2_URID atom_Chunk;
  LV2_URID atom_Int;
  LV2_URID atom_Path;
  LV2_URID atom_String;
  LV2_URID version;
  LV2_URID pattern;
  LV2_URID feedback;
  LV2_URID phase;
  LV2_URID atom_Float;
  LV2_URID llm_url;
  LV2_URID llm_model;
  LV2_URID llm_provider;
  LV2_URID llm_fallbacks;
  LV2_URID llm_timeout;
  LV2_URID llm_temperature;
  LV2_URID llm_max_tokens;
  LV2_URID llm_history;
  LV2_URID strings[TANDEM_STATE_MAX_STRINGS]; /* one per table row */
} TandemStateURIs;

/* Maps every key.  Instantiate. */
void tandem_state_map(TandemStateURIs* u, LV2_URID_Map* map);

/* Stores everything listed above.  phase is the pattern's bar anchor modulo its
 * length (pattern bar k plays in host bar phase + k, modulo the length), saved as
 * patternPhase so that a reloaded session plays the part in the same bars; -1
 * when unknown. */
LV2_State_Status tandem_state_save(TandemWork* w, const TandemStateURIs* u,
                                   LV2_State_Store_Function store,
                                   LV2_State_Handle handle,
                                   const LV2_Feature* const* features, int32_t phase);

/* Restores (see above).  Always LV2_STATE_SUCCESS: bad values fall back to
 * defaults and are logged through w->logger. */
LV2_State_Status tandem_state_restore(TandemWork* w, const TandemStateURIs* u,
                                      LV2_State_Retrieve_Function retrieve,
                                      LV2_State_Handle handle,
                                      const LV2_Feature* const* features);

/* Bytes tandem_state_pattern_encode writes for a pattern of n_notes notes. */
size_t tandem_state_pattern_size(uint32_t n_notes);

/* Writes p in a fixed little-endian layout: a 32-byte header ("TPS1", role,
 * bars, meter, note count, seed, swing) then 12 bytes per note.  Returns the
 * size written, 0 if cap is too small or p is not valid. */
size_t tandem_state_pattern_encode(const TandemPattern* p, uint8_t* out, size_t cap);

/* Reads what tandem_state_pattern_encode wrote.  False (out untouched, a message
 * in err) on a wrong tag, a size that does not match the note count, or a
 * pattern that fails tandem_pattern_valid. */
bool tandem_state_pattern_decode(const void* data, size_t size, TandemPattern* out,
                                 char* err, size_t err_size);

#endif
