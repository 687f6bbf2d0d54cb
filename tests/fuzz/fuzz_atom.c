/* Tandem fuzzing — the atom input parser: random event sequences into run().
 *
 * Input layout: 2 bytes (little-endian) choose the block size (0..8191), the
 * rest is the body of the atom:Sequence on the `control` port, after its
 * 8-byte unit/pad header.  The buffer is exactly as long as the sequence says,
 * so ASan sees any read past it.  Any aligned 32-bit word of the form
 * 0xFEED00nn is replaced by the URID of TOKENS[nn] before the run, so that the
 * committed seeds (make_seeds.py) name time:Position, patch:Set and the rest
 * independently of the order in which URIs get mapped.  Three more empty cycles
 * follow, so that what the events changed also plays.
 *
 * Threads: the fuzzer's thread only.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lv2/atom/atom.h>
#include <lv2/midi/midi.h>
#include <lv2/patch/patch.h>
#include <lv2/time/time.h>

#include "fuzz_plugin.h"

static const char* const TOKENS[] = {
    LV2_ATOM__Object,
    LV2_ATOM__Blank,
    LV2_TIME__Position,
    LV2_PATCH__Set,
    LV2_PATCH__Get,
    LV2_PATCH__property,
    LV2_PATCH__value,
    LV2_ATOM__Float,
    LV2_ATOM__Double,
    LV2_ATOM__Int,
    LV2_ATOM__Long,
    LV2_ATOM__String,
    LV2_ATOM__Path,
    LV2_ATOM__URID,
    LV2_ATOM__Bool,
    LV2_TIME__bar,
    LV2_TIME__barBeat,
    LV2_TIME__beatsPerMinute,
    LV2_TIME__beatsPerBar,
    LV2_TIME__beatUnit,
    LV2_TIME__speed,
    LV2_TIME__frame,
    LV2_MIDI__MidiEvent,
    "urn:tandem:plugin#status",
    "urn:tandem:plugin#prompt",
    "urn:tandem:plugin#styleFile",
    "urn:tandem:plugin#exportPath",
    "urn:tandem:plugin#send",
    "urn:tandem:plugin#llmUrl",
    "urn:tandem:plugin#llmModel",
    "urn:tandem:plugin#llmProvider",
    "urn:tandem:plugin#llmTimeout",
    "urn:tandem:plugin#llmTemperature",
    "urn:tandem:plugin#llmMaxTokens",
    LV2_PATCH__subject,
    LV2_ATOM__Sequence,
    LV2_ATOM__Tuple,
    LV2_ATOM__Vector,
    LV2_ATOM__Chunk,
    LV2_ATOM__Literal,
};
#define N_TOKENS (sizeof(TOKENS) / sizeof(TOKENS[0]))

static FuzzPlugin* plugin;
static uint32_t token_urids[N_TOKENS];
static uint32_t sequence_urid;

int LLVMFuzzerInitialize(int* argc, char*** argv)
{
  (void)argc;
  (void)argv;
  plugin = fuzz_plugin_new();
  if (!plugin) {
    abort();
  }
  for (size_t i = 0; i < N_TOKENS; ++i) {
    token_urids[i] = fuzz_plugin_urid(plugin, TOKENS[i]);
  }
  sequence_urid = fuzz_plugin_urid(plugin, LV2_ATOM__Sequence);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
  if (size < 2 || size > 65536) {
    return 0;
  }
  const uint32_t frames = (uint32_t)(data[0] | (data[1] & 0x1f) << 8);
  const size_t body = size - 2;
  /* Sequence body: unit, pad, then the events. */
  const size_t bytes = sizeof(LV2_Atom_Sequence) + body;
  LV2_Atom_Sequence* seq = malloc(bytes);
  seq->atom.type = sequence_urid;
  seq->atom.size = (uint32_t)(sizeof(LV2_Atom_Sequence_Body) + body);
  seq->body.unit = 0;
  seq->body.pad = 0;
  uint8_t* events = (uint8_t*)(seq + 1);
  memcpy(events, data + 2, body);
  for (size_t off = 0; off + 4 <= body; off += 4) {
    uint32_t word;
    memcpy(&word, events + off, 4);
    if ((word & 0xFFFFFF00u) == 0xFEED0000u && (word & 0xFFu) < N_TOKENS) {
      memcpy(events + off, &token_urids[word & 0xFFu], 4);
    }
  }
  fuzz_plugin_set_control(plugin, seq);
  if (!fuzz_plugin_cycle(plugin, frames)) {
    abort(); /* the plugin wrote a malformed notify sequence */
  }
  fuzz_plugin_set_control(plugin, NULL);
  free(seq);
  for (int i = 0; i < 3; ++i) {
    if (!fuzz_plugin_cycle(plugin, 512)) {
      abort();
    }
  }
  return 0;
}
