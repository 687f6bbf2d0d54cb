/* Tandem — the three wire formats the LLM client speaks.
 *
 * Each provider file builds a request body around the same prompt and output
 * schema, and reads the provider's envelope back into a TandemLlmEnvelope: the
 * reply object as JSON text (which llm_reply.c validates), token counts, and
 * whether the model finished, was cut off, or refused.
 *   openai    — POST {base}/chat/completions, response_format json_schema strict
 *               (OpenAI, Ollama's /v1, llama.cpp server, vLLM, LM Studio)
 *   ollama    — POST {base}/api/chat, "format" set to the schema, no streaming
 *   anthropic — POST {base}/v1/messages, one tool whose input_schema is the
 *               schema, forced with tool_choice
 *
 * Threads: any non-realtime thread (allocates).
 */
#ifndef TANDEM_LLM_WIRE_H
#define TANDEM_LLM_WIRE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "messages.h" /* TandemLlmProviderKind, tandem_llm_provider_name */

#define TANDEM_LLM_TOOL_NAME "emit_pattern"

typedef struct {
  const char* model;
  const char* system;
  const char* user;
  const json_t* schema; /* the reply schema (borrowed) */
  double temperature;
  int max_tokens;
} TandemLlmCall;

typedef enum {
  TANDEM_ENVELOPE_OK = 0,
  TANDEM_ENVELOPE_TRUNCATED, /* finish_reason length / stop_reason max_tokens */
  TANDEM_ENVELOPE_REFUSED,   /* refusal field, content filter, stop_reason refusal */
  TANDEM_ENVELOPE_NO_OUTPUT, /* prose instead of the tool call, empty content */
  TANDEM_ENVELOPE_MALFORMED, /* the envelope itself is not what the API sends */
} TandemEnvelopeStatus;

typedef struct {
  TandemEnvelopeStatus status;
  char* content;          /* malloc'd reply JSON text when OK (else NULL); free() it */
  long prompt_tokens;     /* -1 when not given */
  long completion_tokens; /* -1 when not given */
  char error[160];        /* why, when not OK; sanitized */
} TandemLlmEnvelope;

/* Builds the full endpoint URL from a base URL into out; a base that already
 * ends with the endpoint path is kept as it is.  False if it does not fit. */
bool tandem_llm_endpoint_url(TandemLlmProviderKind kind, const char* base, char* out,
                             size_t out_size);

/* Request body, malloc'd NUL-terminated JSON; NULL on failure. */
char* tandem_llm_openai_body(const TandemLlmCall* call);
char* tandem_llm_ollama_body(const TandemLlmCall* call);
char* tandem_llm_anthropic_body(const TandemLlmCall* call);

/* Reads a response body (len bytes).  Always fills *out. */
void tandem_llm_openai_parse(const char* body, size_t len, TandemLlmEnvelope* out);
void tandem_llm_ollama_parse(const char* body, size_t len, TandemLlmEnvelope* out);
void tandem_llm_anthropic_parse(const char* body, size_t len, TandemLlmEnvelope* out);

/* Dispatch on kind. */
char* tandem_llm_wire_body(TandemLlmProviderKind kind, const TandemLlmCall* call);
void tandem_llm_wire_parse(TandemLlmProviderKind kind, const char* body, size_t len,
                           TandemLlmEnvelope* out);

/* Fills *out as an empty envelope with the given failure.  For the wire files. */
void tandem_llm_envelope_fail(TandemLlmEnvelope* out, TandemEnvelopeStatus status,
                              const char* why);

/* For the wire files: a request body as compact JSON text (free() it), taking the
 * reference to root; NULL if root is NULL or cannot be written. */
char* tandem_llm_wire_text(json_t* root);

/* For the wire files: parses a reply body, rejecting duplicate keys.  On failure
 * fills *out as a malformed envelope and returns NULL; the caller decrefs. */
json_t* tandem_llm_wire_load(const char* body, size_t len, TandemLlmEnvelope* out);

#endif
