/* Tandem — libFuzzer harness for the model reply path: the three envelope
 * parsers, then the reply parser and validator on what they extract and on the
 * raw input, for several pattern shapes.  Every accepted pattern must pass
 * tandem_pattern_valid(); anything else is a crash for the fuzzer to find.
 *
 * Build: clang -fsanitize=fuzzer,address,undefined (tests/meson.build does it).
 * Corpus: tests/fuzz/corpus_reply/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "llm_reply.h"
#include "llm_wire.h"

static const TandemReplyShape shapes[] = {
    {TANDEM_ROLE_DRUMS, 1, 4, 4},
    {TANDEM_ROLE_BASS, 4, 7, 8},
    {TANDEM_ROLE_CHORDS, 16, 3, 4},
    {TANDEM_ROLE_MELODY, 2, 16, 4},
};

static void check_reply(const char* text, size_t len, TandemReply* r)
{
  for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); ++s) {
    const bool ok = tandem_llm_reply_parse(text, len, &shapes[s], r);
    if (ok != (r->outcome != TANDEM_REPLY_REJECTED) || r->n_alts > TANDEM_LLM_MAX_ALTS ||
        (ok && r->n_alts == 0) || memchr(r->verdict, '\0', sizeof(r->verdict)) == NULL) {
      abort();
    }
    for (uint32_t i = 0; i < r->n_alts; ++i) {
      const TandemReplyAlt* a = &r->alts[i];
      if (!tandem_pattern_valid(&a->pattern) || a->pattern.n_notes == 0 ||
          a->pattern.role != shapes[s].role ||
          !(a->confidence >= 0 && a->confidence <= 1)) {
        abort();
      }
      for (const char* c = a->reason; *c; ++c) {
        if (*c < 0x20 || *c > 0x7e) {
          abort();
        }
      }
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
  TandemReply* r = malloc(sizeof(*r));
  if (!r) {
    return 0;
  }
  const char* text = (const char*)data;
  check_reply(text, size, r);
  for (int k = 0; k < TANDEM_LLM_PROVIDER_COUNT; ++k) {
    TandemLlmEnvelope env = {0};
    tandem_llm_wire_parse((TandemLlmProviderKind)k, text, size, &env);
    if ((env.status == TANDEM_ENVELOPE_OK) != (env.content != NULL)) {
      abort();
    }
    if (env.content) {
      check_reply(env.content, strlen(env.content), r);
      free(env.content);
    }
  }
  free(r);
  return 0;
}
