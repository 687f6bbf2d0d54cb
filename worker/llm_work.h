/* Tandem — the language-model part of work(): plain-language requests, model
 * configuration, and handing validated model patterns to run().
 *
 * run() sends small POD messages (messages.h) through the host's worker (each
 * fits the 4 KiB minimum ring); work() passes any with a TANDEM_MSG_LLM_* tag
 * to tandem_llm_work_do(), which never waits for the network: it parses the
 * request's intent locally, queues a model job on the client's own thread
 * (llm.h), and on each poll message (TANDEM_MSG_LLM_BAR, sent by run() every
 * 0.1 s while a request is out) takes a finished result, if any, and writes the
 * chosen alternative into the pattern ring with the serial run() reserved for
 * that message.  run() then swaps it in at the next bar line as it does for the
 * built-in generator's patterns.  Replies to run() are TandemStatusMsg
 * texts plus the small TandemLlmIntentMsg / TandemLlmStateMsg.
 *
 * The messages and their tags (TANDEM_MSG_LLM_*) are declared in messages.h.
 *
 * Threads: tandem_llm_work_init / cleanup — instantiate / cleanup;
 * tandem_llm_work_do — the worker (never concurrently with itself); it may run
 * inline in run()'s thread when the host's worker is synchronous (freewheel),
 * so it only ever polls the model thread.
 */
#ifndef TANDEM_LLM_WORK_H
#define TANDEM_LLM_WORK_H

#include <stdbool.h>
#include <stdint.h>

#include <lv2/log/logger.h>
#include <lv2/worker/worker.h>

#include "llm.h"
#include "messages.h"
#include "pattern.h"
#include "ring.h"
#include "style.h"

/* Every model setting the plugin keeps in its state (never the API key). */
typedef struct {
  uint32_t provider; /* TandemLlmProviderKind, of the main endpoint */
  float timeout_s;
  float temperature;
  int32_t max_tokens;
  char url[TANDEM_LLM_URL_MAX];
  char model[TANDEM_LLM_MODEL_MAX];
  char fallbacks[TANDEM_LLM_FALLBACKS_MAX];
} TandemLlmSettings;

/* The default settings (messages.h's TANDEM_LLM_DEFAULT_*), no URL, model or
 * fallbacks.  Any thread. */
void tandem_llm_settings_default(TandemLlmSettings* s);

/* What a finished request produced, for the render report. */
typedef struct {
  TandemLlmStatus status;
  char provider[16];
  char model[TANDEM_LLM_MODEL_MAX];
  double latency_ms;
  long prompt_tokens;
  long completion_tokens;
  char validation[TANDEM_LLM_VERDICT_MAX];
  char error[TANDEM_LLM_ERROR_MAX];
  uint32_t n_alternatives;
  float confidence[TANDEM_LLM_MAX_ALTS];
  char reason[TANDEM_LLM_MAX_ALTS][TANDEM_LLM_REASON_MAX];
} TandemLlmReport;

typedef struct {
  TandemLlmClient* client;
  TandemRing* patterns; /* to the audio thread; this side is the producer */
  LV2_Log_Logger* logger;
  TandemLlmHistory history;   /* context memory, kept in state */
  TandemLlmSettings settings; /* what the client runs with */
  bool settings_set;          /* set by a property or restored state (saved then),
                                 not only from the environment */
  TandemLlmResult* last;      /* the last result with alternatives */
  TandemLlmResult* incoming;
  bool has_last;
  uint32_t last_request_serial;
  TandemLlmReport report;
  TandemPromptContext* ctx; /* scratch */
  TandemPattern scratch;    /* the pattern last written to the ring */
  bool wrote_pattern;       /* the last tandem_llm_work_do wrote scratch to the ring */
} TandemLlmWork;

/* Starts the model thread.  The initial settings come from the environment
 * (TANDEM_LLM_URL, TANDEM_LLM_MODEL, TANDEM_LLM_PROVIDER, TANDEM_LLM_TIMEOUT, and
 * TANDEM_LLM_FALLBACKS in llmFallbacks' format), so tools can configure a model
 * before instantiate; without a URL or fallbacks the model is off until a config
 * message arrives.  They are the defaults a restored state without model settings
 * goes back to.  False (err filled) on failure. */
bool tandem_llm_work_init(TandemLlmWork* lw, TandemRing* patterns, LV2_Log_Logger* logger,
                          char* err, size_t err_size);

/* Parses llmFallbacks text into endpoints (provider, url, model; the numbers are
 * left 0).  Blank lines and lines starting with '#' are skipped.  Returns how many
 * were written (at most max), or -1 with a message in err naming the bad line.
 * Threads: any. */
int tandem_llm_fallbacks_parse(const char* text, TandemLlmEndpoint* out, int max,
                               char* err, size_t err_size);

/* Takes new settings: checks them, hands the endpoint list (main, then the
 * fallbacks) to the client and keeps them in lw->settings.  Values out of range
 * are clamped.  False, with a message in err, if the fallbacks do not parse (the
 * main endpoint is still used then).  Worker or state thread (under the worker's
 * lock). */
bool tandem_llm_work_apply_settings(TandemLlmWork* lw, const TandemLlmSettings* s,
                                    char* err, size_t err_size);

/* Back to the settings from the environment (see init); settings_set false. */
void tandem_llm_work_reset_settings(TandemLlmWork* lw);

/* Stops the model thread (cancels a request in flight; under 200 ms) and frees. */
void tandem_llm_work_cleanup(TandemLlmWork* lw);

/* True if type is one of this module's run() → work() messages. */
bool tandem_llm_work_handles(uint32_t type);

/* Does one message.  style: the profile the request plays (may be NULL);
 * current: the pattern playing now (NULL if none), sent for modify requests. */
LV2_Worker_Status tandem_llm_work_do(TandemLlmWork* lw,
                                     LV2_Worker_Respond_Function respond,
                                     LV2_Worker_Respond_Handle handle, uint32_t size,
                                     const void* data, const TandemStyle* style,
                                     const TandemPattern* current);

/* Waits (up to timeout_s) for the request in flight to finish, then handles it
 * as a bar message with apply set.  For offline rendering, which may wait; never
 * call it from work() in a realtime session.  True if a result arrived. */
bool tandem_llm_work_wait(TandemLlmWork* lw, double timeout_s,
                          LV2_Worker_Respond_Function respond,
                          LV2_Worker_Respond_Handle handle);

#endif
