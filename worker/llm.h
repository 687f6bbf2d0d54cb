/* Tandem — the LLM client: the plugin's own request thread, its job queue,
 * cancellation, provider fallback, retries, circuit breaker, rate limit, cache.
 *
 * One client per plugin instance.  tandem_llm_create() starts the thread
 * (instantiate); tandem_llm_destroy() cancels a request in flight and joins it
 * (cleanup), returning within about TANDEM_HTTP_POLL_MS plus thread wake-up
 * time, well under 200 ms.  The queue holds one job: a newer submit replaces a
 * queued one (superseded) but does not disturb the one in flight.
 *
 * A job is tried on each configured endpoint in order.  On each, transient
 * failures (connect, timeout, 429, 5xx) are retried with jittered exponential
 * backoff that honours Retry-After; 4xx and invalid replies move on to the next
 * endpoint.  Each endpoint has a circuit breaker: after breaker_threshold
 * failed jobs in a row it is skipped for breaker_cooldown_ms, then one job
 * probes it.  One token bucket for the whole process (shared by every client,
 * so by every plugin instance; the one deliberate process-wide state, behind a
 * mutex and touched only by the LLM threads) bounds requests per minute; each
 * client refills it at its own rate_per_minute and caps it at its rate_burst.  When
 * every endpoint fails, the result status is FALLBACK: the caller plays the
 * built-in generator's pattern.  A cache hit makes no network call.
 *
 * The API key comes from the environment only (TANDEM_API_KEY, else
 * OPENAI_API_KEY or ANTHROPIC_API_KEY by provider, else the file named by
 * TANDEM_API_KEY_FILE), is held in the client's memory, and is scrubbed from
 * every text the client produces.
 *
 * Threads: create/destroy — instantiate/cleanup (non-realtime); submit, poll,
 * wait, set_endpoints, cancel — any non-realtime thread (they lock a mutex
 * briefly): the worker, or a tool.  Never from run().
 */
#ifndef TANDEM_LLM_H
#define TANDEM_LLM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "llm_prompt.h"
#include "llm_reply.h"
#include "llm_wire.h"
#include "messages.h" /* TandemLlmStatus, TANDEM_LLM_URL_MAX, TANDEM_LLM_MODEL_MAX */

#define TANDEM_LLM_MAX_ENDPOINTS 4
#define TANDEM_LLM_ERROR_MAX     256

const char* tandem_llm_status_name(TandemLlmStatus status);

typedef struct {
  TandemLlmProviderKind provider;
  char url[TANDEM_LLM_URL_MAX]; /* base URL, see tandem_llm_endpoint_url() */
  char model[TANDEM_LLM_MODEL_MAX];
  float timeout_s;   /* total per attempt; 0: TANDEM_LLM_DEFAULT_TIMEOUT_S */
  float temperature; /* 0..2 */
  int max_tokens;    /* 0: TANDEM_LLM_DEFAULT_MAX_TOKENS */
} TandemLlmEndpoint;

typedef struct {
  TandemLlmEndpoint endpoints[TANDEM_LLM_MAX_ENDPOINTS];
  uint32_t n_endpoints;
  uint32_t max_retries;       /* per endpoint; 0 means none */
  float backoff_base_ms;      /* first retry delay before jitter; 0: 250 */
  float backoff_max_ms;       /* cap for one delay, Retry-After included; 0: 8000 */
  uint32_t breaker_threshold; /* 0: 3 */
  float breaker_cooldown_ms;  /* 0: 30000 */
  float rate_per_minute;      /* process-wide token bucket refill; 0: 30 */
  float rate_burst;           /* bucket size; 0: 5 */
  bool disk_cache;            /* also cache on disk */
  char disk_cache_dir[512];   /* "" with disk_cache: tandem_llm_cache_default_dir() */
  size_t disk_cache_max_bytes;
} TandemLlmConfig;

/* Fills cfg with no endpoint and the defaults above. */
void tandem_llm_config_default(TandemLlmConfig* cfg);

/* The outcome of one job.  Plain data (~40 KB): keep it off the audio thread. */
typedef struct {
  uint32_t job_id;
  uint32_t tag; /* the caller's tag from the job (e.g. a pattern serial) */
  TandemLlmStatus status;
  TandemReply reply; /* alternatives when status is OK, CACHED or REPAIRED */
  char provider[16];
  char model[TANDEM_LLM_MODEL_MAX];
  double latency_ms;                /* submit to result */
  long prompt_tokens;               /* -1 when not given */
  long completion_tokens;           /* -1 when not given */
  uint32_t attempts;                /* HTTP requests made */
  char error[TANDEM_LLM_ERROR_MAX]; /* the last failure, key scrubbed; "" if none */
} TandemLlmResult;

typedef struct TandemLlmClient TandemLlmClient;

/* Reads the key from the environment, starts the thread.  NULL (with err) on
 * failure. */
TandemLlmClient* tandem_llm_create(const TandemLlmConfig* cfg, char* err,
                                   size_t err_size);

/* Cancels, joins, frees.  NULL is fine. */
void tandem_llm_destroy(TandemLlmClient* client);

/* Replaces the endpoint list and limits (for patch:Set).  Takes effect from the
 * next job. */
void tandem_llm_set_config(TandemLlmClient* client, const TandemLlmConfig* cfg);

/* True if at least one endpoint is configured. */
bool tandem_llm_enabled(TandemLlmClient* client);

/* Queues a job built from ctx (prompts are built here, on the caller's thread).
 * Replaces a job still queued.  Returns the job id (> 0), or 0 if the prompt
 * could not be built. */
uint32_t tandem_llm_submit(TandemLlmClient* client, const TandemPromptContext* ctx,
                           uint32_t tag);

/* Takes the newest finished result, if there is one not yet taken.  Never
 * blocks beyond a mutex. */
bool tandem_llm_poll(TandemLlmClient* client, TandemLlmResult* out);

/* Waits up to timeout_s for the result of job_id (for offline rendering).
 * True if it arrived (and is copied to out). */
bool tandem_llm_wait(TandemLlmClient* client, uint32_t job_id, double timeout_s,
                     TandemLlmResult* out);

/* What the thread is doing now: WAITING while a job is queued or in flight,
 * else the status of the last result (IDLE before any, OFF without endpoints). */
TandemLlmStatus tandem_llm_status(TandemLlmClient* client);

/* Drops the queued job and aborts the one in flight (its result: FALLBACK,
 * "cancelled").  */
void tandem_llm_cancel(TandemLlmClient* client);

/* Network requests made so far (for tests: a cache hit adds none). */
uint64_t tandem_llm_requests_made(TandemLlmClient* client);

/* Replaces every occurrence of secret in text with "***", in place.  Threads: any. */
void tandem_llm_scrub(char* text, const char* secret);

#endif
