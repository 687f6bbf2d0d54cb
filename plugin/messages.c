/* Tandem — the message protocol's provider names and model defaults.  See
 * messages.h. */
#include "messages.h"

#include <string.h>

const char* tandem_llm_provider_name(TandemLlmProviderKind kind)
{
  static const char* const names[] = {"openai", "ollama", "anthropic"};
  return (unsigned)kind < TANDEM_LLM_PROVIDER_COUNT ? names[kind] : "unknown";
}

int tandem_llm_provider_parse(const char* name)
{
  for (int k = 0; name && k < TANDEM_LLM_PROVIDER_COUNT; ++k) {
    if (strcmp(name, tandem_llm_provider_name((TandemLlmProviderKind)k)) == 0) {
      return k;
    }
  }
  return -1;
}

void tandem_llm_config_msg_default(TandemLlmConfigMsg* c)
{
  memset(c, 0, sizeof(*c));
  c->type = TANDEM_MSG_LLM_CONFIG;
  c->provider = TANDEM_LLM_DEFAULT_PROVIDER;
  c->timeout_s = TANDEM_LLM_DEFAULT_TIMEOUT_S;
  c->temperature = TANDEM_LLM_DEFAULT_TEMPERATURE;
  c->max_tokens = TANDEM_LLM_DEFAULT_MAX_TOKENS;
}
