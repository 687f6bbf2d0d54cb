/* Tandem — OpenAI-compatible chat completions wire format (see llm_wire.h). */
#include "llm_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm_reply.h"

char* tandem_llm_openai_body(const TandemLlmCall* call)
{
  json_t* root = json_pack(
      "{s:s, s:f, s:i, s:[{s:s, s:s}, {s:s, s:s}], s:{s:s, s:{s:s, s:b, s:O}}}", "model",
      call->model ? call->model : "", "temperature", call->temperature, "max_tokens",
      call->max_tokens, "messages", "role", "system", "content", call->system, "role",
      "user", "content", call->user, "response_format", "type", "json_schema",
      "json_schema", "name", "tandem_pattern", "strict", 1, "schema", call->schema);
  return tandem_llm_wire_text(root);
}

void tandem_llm_openai_parse(const char* body, size_t len, TandemLlmEnvelope* out)
{
  out->content = NULL;
  tandem_llm_envelope_fail(out, TANDEM_ENVELOPE_MALFORMED, "");
  json_t* root = tandem_llm_wire_load(body, len, out);
  if (!root) {
    return;
  }
  const json_t* usage = json_object_get(root, "usage");
  const json_t* pt = json_object_get(usage, "prompt_tokens");
  const json_t* ct = json_object_get(usage, "completion_tokens");
  const json_t* choice = json_array_get(json_object_get(root, "choices"), 0);
  const json_t* msg = json_object_get(choice, "message");
  const json_t* finish = json_object_get(choice, "finish_reason");
  const json_t* refusal = json_object_get(msg, "refusal");
  const json_t* content = json_object_get(msg, "content");
  const char* fin = json_is_string(finish) ? json_string_value(finish) : "";
  if (!json_is_object(msg)) {
    tandem_llm_envelope_fail(out, TANDEM_ENVELOPE_MALFORMED, "response has no message");
  } else if (json_is_string(refusal) || strcmp(fin, "content_filter") == 0) {
    tandem_llm_envelope_fail(out, TANDEM_ENVELOPE_REFUSED,
                             "the model refused the request");
  } else if (strcmp(fin, "length") == 0) {
    tandem_llm_envelope_fail(out, TANDEM_ENVELOPE_TRUNCATED,
                             "reply cut off at max_tokens (finish_reason: length)");
  } else if (!json_is_string(content) || json_string_length(content) == 0) {
    tandem_llm_envelope_fail(out, TANDEM_ENVELOPE_NO_OUTPUT, "reply has no content");
  } else {
    out->content = strndup(json_string_value(content), json_string_length(content));
    if (out->content) {
      out->status = TANDEM_ENVELOPE_OK;
      out->error[0] = '\0';
    } else {
      tandem_llm_envelope_fail(out, TANDEM_ENVELOPE_MALFORMED, "out of memory");
    }
  }
  out->prompt_tokens = json_is_integer(pt) ? (long)json_integer_value(pt) : -1;
  out->completion_tokens = json_is_integer(ct) ? (long)json_integer_value(ct) : -1;
  json_decref(root);
}

char* tandem_llm_wire_text(json_t* root)
{
  if (!root) {
    return NULL;
  }
  char* text = json_dumps(root, JSON_COMPACT);
  json_decref(root);
  return text;
}

json_t* tandem_llm_wire_load(const char* body, size_t len, TandemLlmEnvelope* out)
{
  json_error_t err;
  json_t* root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
  if (!root) {
    tandem_llm_envelope_fail(out, TANDEM_ENVELOPE_MALFORMED, "response is not JSON");
  }
  return root;
}

void tandem_llm_envelope_fail(TandemLlmEnvelope* out, TandemEnvelopeStatus status,
                              const char* why)
{
  free(out->content);
  out->content = NULL;
  out->status = status;
  out->prompt_tokens = -1;
  out->completion_tokens = -1;
  tandem_llm_sanitize_line(out->error, sizeof(out->error), why);
}

bool tandem_llm_endpoint_url(TandemLlmProviderKind kind, const char* base, char* out,
                             size_t out_size)
{
  static const char* const paths[] = {"/chat/completions", "/api/chat", "/v1/messages"};
  if ((unsigned)kind >= TANDEM_LLM_PROVIDER_COUNT || !base || !*base) {
    return false;
  }
  const char* path = paths[kind];
  size_t n = strlen(base);
  while (n > 0 && base[n - 1] == '/') {
    --n;
  }
  const size_t pl = strlen(path);
  const bool has_path = n >= pl && strncmp(base + n - pl, path, pl) == 0;
  const int w = snprintf(out, out_size, "%.*s%s", (int)n, base, has_path ? "" : path);
  return w > 0 && (size_t)w < out_size;
}

char* tandem_llm_wire_body(TandemLlmProviderKind kind, const TandemLlmCall* call)
{
  switch (kind) {
  case TANDEM_LLM_OPENAI:
    return tandem_llm_openai_body(call);
  case TANDEM_LLM_OLLAMA:
    return tandem_llm_ollama_body(call);
  case TANDEM_LLM_ANTHROPIC:
    return tandem_llm_anthropic_body(call);
  default:
    return NULL;
  }
}

void tandem_llm_wire_parse(TandemLlmProviderKind kind, const char* body, size_t len,
                           TandemLlmEnvelope* out)
{
  switch (kind) {
  case TANDEM_LLM_OPENAI:
    tandem_llm_openai_parse(body, len, out);
    break;
  case TANDEM_LLM_OLLAMA:
    tandem_llm_ollama_parse(body, len, out);
    break;
  case TANDEM_LLM_ANTHROPIC:
    tandem_llm_anthropic_parse(body, len, out);
    break;
  default:
    out->content = NULL;
    tandem_llm_envelope_fail(out, TANDEM_ENVELOPE_MALFORMED, "unknown provider");
    break;
  }
}
