/* Tandem — the provider names of the message protocol.  See messages.h. */
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
