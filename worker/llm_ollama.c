/* Tandem — Ollama native /api/chat wire format (see llm_wire.h). */
#include "llm_wire.h"

#include <string.h>

char* tandem_llm_ollama_body(const TandemLlmCall* call)
{
  json_t* root = json_pack(
      "{s:s, s:b, s:O, s:{s:f, s:i}, s:[{s:s, s:s}, {s:s, s:s}]}", "model",
      call->model ? call->model : "", "stream", 0, "format", call->schema, "options",
      "temperature", call->temperature, "num_predict", call->max_tokens, "messages",
      "role", "system", "content", call->system, "role", "user", "content", call->user);
  return tandem_llm_wire_text(root);
}

void tandem_llm_ollama_parse(const char* body, size_t len, TandemLlmEnvelope* out)
{
  out->content = NULL;
  json_t* root = tandem_llm_wire_load(body, len, out);
  if (!root) {
    return;
  }
  const json_t* msg = json_object_get(root, "message");
  const json_t* content = json_object_get(msg, "content");
  const json_t* done = json_object_get(root, "done_reason");
  const json_t* pt = json_object_get(root, "prompt_eval_count");
  const json_t* ct = json_object_get(root, "eval_count");
  const char* reason = json_is_string(done) ? json_string_value(done) : "";
  if (!json_is_object(msg)) {
    tandem_llm_envelope_fail(out, TANDEM_ENVELOPE_MALFORMED, "response has no message");
  } else if (strcmp(reason, "length") == 0) {
    tandem_llm_envelope_fail(out, TANDEM_ENVELOPE_TRUNCATED,
                             "reply cut off at num_predict (done_reason: length)");
  } else if (!json_is_string(content) || json_string_length(content) == 0) {
    tandem_llm_envelope_fail(out, TANDEM_ENVELOPE_NO_OUTPUT, "reply has no content");
  } else {
    tandem_llm_envelope_fail(out, TANDEM_ENVELOPE_OK, "");
    out->content = strndup(json_string_value(content), json_string_length(content));
    if (!out->content) {
      tandem_llm_envelope_fail(out, TANDEM_ENVELOPE_MALFORMED, "out of memory");
    }
  }
  out->prompt_tokens = json_is_integer(pt) ? (long)json_integer_value(pt) : -1;
  out->completion_tokens = json_is_integer(ct) ? (long)json_integer_value(ct) : -1;
  json_decref(root);
}
