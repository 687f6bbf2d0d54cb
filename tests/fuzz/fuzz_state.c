/* Tandem fuzzing — state restore with random keys, types and sizes, through
 * the plugin's LV2 state interface.
 *
 * Input layout: a list of records, each
 *   1 byte  flags: bit 0 = key missing (retrieve returns NULL),
 *           bits 1..4 = type (index into TYPES; 15 = a random URID next)
 *   2 bytes value size (little-endian; cut to what is left)
 *   N bytes value
 * The k-th retrieve() call, whatever its key, is answered with record k (the
 * plugin's own keys come in the order it asks for them; extra records answer
 * nothing).  Values are copied into buffers exactly their size so ASan sees a
 * read past them.  After restore, a few cycles run (the restored pattern
 * travels to run() through the ring) and the state is saved again.
 *
 * Threads: the fuzzer's thread only.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lv2/atom/atom.h>
#include <lv2/state/state.h>

#include "fuzz_plugin.h"

#define MAX_RECORDS 64

static const char* const TYPES[] = {
    LV2_ATOM__Chunk,  LV2_ATOM__Int,      LV2_ATOM__String, LV2_ATOM__Path,
    LV2_ATOM__Float,  LV2_ATOM__Bool,     LV2_ATOM__URID,   LV2_ATOM__Long,
    LV2_ATOM__Double, LV2_ATOM__Literal,  LV2_ATOM__Object, LV2_ATOM__Tuple,
    LV2_ATOM__Vector, LV2_ATOM__Sequence, LV2_ATOM__Number,
};

typedef struct {
  bool missing;
  uint32_t type;
  uint32_t size;
  uint8_t* value;
} Record;

typedef struct {
  Record records[MAX_RECORDS];
  uint32_t n_records;
  uint32_t next;
} Retrieval;

static FuzzPlugin* plugin;

int LLVMFuzzerInitialize(int* argc, char*** argv)
{
  (void)argc;
  (void)argv;
  plugin = fuzz_plugin_new();
  if (!plugin || !fuzz_plugin_state(plugin)) {
    abort();
  }
  return 0;
}

static const void* retrieve(LV2_State_Handle handle, uint32_t key, size_t* size,
                            uint32_t* type, uint32_t* flags)
{
  (void)key;
  Retrieval* r = handle;
  if (r->next >= r->n_records) {
    return NULL;
  }
  const Record* rec = &r->records[r->next++];
  if (rec->missing) {
    return NULL;
  }
  *size = rec->size;
  *type = rec->type;
  if (flags) {
    *flags = LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE;
  }
  return rec->value;
}

static LV2_State_Status store(LV2_State_Handle handle, uint32_t key, const void* value,
                              size_t size, uint32_t type, uint32_t flags)
{
  (void)handle;
  (void)flags;
  if (!key || !type || (size && !value)) {
    abort(); /* a save must never store nothing under no key */
  }
  /* Touch every byte, so that ASan checks the whole value. */
  volatile uint8_t sum = 0;
  for (size_t i = 0; i < size; ++i) {
    sum = (uint8_t)(sum + ((const uint8_t*)value)[i]);
  }
  return LV2_STATE_SUCCESS;
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
  Retrieval r = {0};
  size_t pos = 0;
  while (pos + 3 <= size && r.n_records < MAX_RECORDS) {
    Record* rec = &r.records[r.n_records++];
    const uint8_t flags = data[pos];
    uint32_t len = (uint32_t)(data[pos + 1] | data[pos + 2] << 8);
    pos += 3;
    rec->missing = flags & 1u;
    const uint32_t t = (flags >> 1) & 0x0fu;
    if (t < sizeof(TYPES) / sizeof(TYPES[0])) {
      rec->type = fuzz_plugin_urid(plugin, TYPES[t]);
    } else if (pos + 4 <= size) {
      memcpy(&rec->type, data + pos, 4);
      pos += 4;
    }
    if (len > size - pos) {
      len = (uint32_t)(size - pos);
    }
    rec->size = len;
    rec->value = malloc(len ? len : 1);
    memcpy(rec->value, data + pos, len);
    pos += len;
  }

  const LV2_State_Interface* state = fuzz_plugin_state(plugin);
  state->restore(fuzz_plugin_handle(plugin), retrieve, &r, 0, NULL);
  for (int i = 0; i < 4; ++i) {
    if (!fuzz_plugin_cycle(plugin, 1024)) {
      abort();
    }
  }
  state->save(fuzz_plugin_handle(plugin), store, NULL, 0, NULL);
  for (uint32_t i = 0; i < r.n_records; ++i) {
    free(r.records[i].value);
  }
  return 0;
}
