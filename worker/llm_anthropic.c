/* Tandem — Anthropic messages wire format with a forced tool call (see llm_wire.h). */
#include "llm_wire.h"

#include <string.h>

char* tandem_llm_anthropic_body(const TandemLlmCall* call)
{
  json_t* root = json_pack(
      "{s:s, s:i, s:f, s:s, s:[{s:s, s:s}], s:[{s:s, s:s, s:O}], s:{s:s, s:s}}", "model",
      call->model ? call->model : "", "max_tokens", call->max_tokens, "temperature",
      call->temperature, "system", call->system, "messages", "role", "user", "content",
      call->user, "tools", "name", TANDEM_LLM_TOOL_NAME, "description",
      "Emit the requested part as pattern alternatives.", "input_schema", call->schema,
      "tool_choice", "type", "tool", "name", TANDEM_LLM_TOOL_NAME);
  return tandem_llm_wire_text(root);
}

void tandem_llm_anthropic_parse(const char* body, size_t len, TandemLlmEnvelope* out)
{
  out->content = NULL;
  json_t* root = tandem_llm_wire_load(body, len, out);
  if (!root) {
    return;
  }
  const json_t* stop = json_object_get(root, "stop_reason");
  const json_t* usage = json_object_get(root, "usage");
  const json_t* pt = json_object_get(usage, "input_tokens");
  const json_t* ct = json_object_get(usage, "output_tokens");
  const json_t* content = json_object_get(root, "content");
  const char* reason = json_is_string(stop) ? json_string_value(stop) : "";
  const json_t* input = NULL;
  size_t i;
  const json_t* block;
  json_array_foreach(content, i, block)
  {
    const json_t* type = json_object_get(block, "type");
    const json_t* name = json_object_get(block, "name");
    if (json_is_string(type) && strcmp(json_string_value(type), "tool_use") == 0 &&
        json_is_string(name) &&
        strcmp(json_string_value(name), TANDEM_LLM_TOOL_NAME) == 0) {
      input = json_object_get(block, "input");
      break;
    }
  }
  if (!json_is_array(content)) {
    tandem_llm_envelope_fail(out, TANDEM_ENVELOPE_MALFORMED, "response has no content");
  } else if (strcmp(reason, "refusal") == 0) {
    tandem_llm_envelope_fail(out, TANDEM_ENVELOPE_REFUSED,
                             "the model refused the request");
  } else if (strcmp(reason, "max_tokens") == 0) {
    tandem_llm_envelope_fail(out, TANDEM_ENVELOPE_TRUNCATED,
                             "reply cut off at max_tokens (stop_reason: max_tokens)");
  } else if (!input) {
    tandem_llm_envelope_fail(out, TANDEM_ENVELOPE_NO_OUTPUT,
                             "the model answered in prose instead of the tool call");
  } else {
    tandem_llm_envelope_fail(out, TANDEM_ENVELOPE_OK, "");
    out->content = json_dumps(input, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!out->content) {
      tandem_llm_envelope_fail(out, TANDEM_ENVELOPE_MALFORMED,
                               "tool input not serializable");
    }
  }
  out->prompt_tokens = json_is_integer(pt) ? (long)json_integer_value(pt) : -1;
  out->completion_tokens = json_is_integer(ct) ? (long)json_integer_value(ct) : -1;
  json_decref(root);
}
