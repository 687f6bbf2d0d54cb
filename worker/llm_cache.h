/* Tandem — reply cache: an in-memory LRU plus an optional size-capped disk cache.
 *
 * Keys are 64-bit hashes of everything that shapes a reply (provider, URL,
 * model, temperature, max tokens, system prompt, user part); values are the
 * reply JSON text the model wrote (before validation, which is cheap and is
 * redone on a hit).  The API key is never part of a key or a value.  Disk
 * entries live in <dir>/<16 hex digits>.json; when the folder grows past its
 * byte cap the oldest entries go first.
 *
 * Threads: one owner thread (the LLM thread); no locking inside.
 */
#ifndef TANDEM_LLM_CACHE_H
#define TANDEM_LLM_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TANDEM_LLM_CACHE_ENTRIES   32
#define TANDEM_LLM_CACHE_VALUE_MAX (256u * 1024u)

typedef struct TandemLlmCache TandemLlmCache;

/* disk_dir: NULL or "" for memory only; the folder is created if missing.
 * disk_max_bytes: cap for the folder (0: 16 MiB).  NULL on allocation failure. */
TandemLlmCache* tandem_llm_cache_create(const char* disk_dir, size_t disk_max_bytes);
void tandem_llm_cache_destroy(TandemLlmCache* cache);

/* Hashes the parts (FNV-1a 64 over each part and its length). */
uint64_t tandem_llm_cache_key(const char* const* parts, size_t n_parts);

/* Looks key up in memory, then on disk (a disk hit is promoted to memory).
 * Returns a malloc'd copy of the value (free it) or NULL. */
char* tandem_llm_cache_get(TandemLlmCache* cache, uint64_t key);

/* Stores a copy of value (values over the max are not stored). */
void tandem_llm_cache_put(TandemLlmCache* cache, uint64_t key, const char* value);

/* The default disk folder: $XDG_CACHE_HOME/tandem/llm, else ~/.cache/tandem/llm.
 * False if neither variable is set or it does not fit. */
bool tandem_llm_cache_default_dir(char* out, size_t out_size);

#endif
