/* Tandem — LLM reply cache (see llm_cache.h). */
#include "llm_cache.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
  uint64_t key;
  uint64_t used; /* recency stamp; 0 = empty */
  char* value;
} Entry;

struct TandemLlmCache {
  Entry entries[TANDEM_LLM_CACHE_ENTRIES];
  uint64_t clock;
  char dir[512]; /* "" = no disk cache */
  size_t disk_max_bytes;
};

static bool mkdir_p(const char* path)
{
  char tmp[512];
  if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp)) {
    return false;
  }
  for (char* p = tmp + 1; *p; ++p) {
    if (*p == '/') {
      *p = '\0';
      if (mkdir(tmp, 0700) != 0 && errno != EEXIST) {
        return false;
      }
      *p = '/';
    }
  }
  return mkdir(tmp, 0700) == 0 || errno == EEXIST;
}

TandemLlmCache* tandem_llm_cache_create(const char* disk_dir, size_t disk_max_bytes)
{
  TandemLlmCache* c = calloc(1, sizeof(*c));
  if (!c) {
    return NULL;
  }
  c->disk_max_bytes = disk_max_bytes ? disk_max_bytes : 16u * 1024u * 1024u;
  if (disk_dir && *disk_dir && strlen(disk_dir) < sizeof(c->dir) - 32 &&
      mkdir_p(disk_dir)) {
    snprintf(c->dir, sizeof(c->dir), "%s", disk_dir);
  }
  return c;
}

void tandem_llm_cache_destroy(TandemLlmCache* c)
{
  if (!c) {
    return;
  }
  for (size_t i = 0; i < TANDEM_LLM_CACHE_ENTRIES; ++i) {
    free(c->entries[i].value);
  }
  free(c);
}

uint64_t tandem_llm_cache_key(const char* const* parts, size_t n_parts)
{
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n_parts; ++i) {
    const char* s = parts[i] ? parts[i] : "";
    const size_t len = strlen(s);
    for (size_t k = 0; k < len; ++k) {
      h = (h ^ (unsigned char)s[k]) * 0x100000001b3ull;
    }
    /* The length separates ("ab","c") from ("a","bc"). */
    for (size_t k = 0; k < sizeof(len); ++k) {
      h = (h ^ ((len >> (8 * k)) & 0xffu)) * 0x100000001b3ull;
    }
  }
  return h;
}

static void memory_put(TandemLlmCache* c, uint64_t key, char* owned)
{
  Entry* slot = NULL;
  for (size_t i = 0; i < TANDEM_LLM_CACHE_ENTRIES; ++i) {
    Entry* e = &c->entries[i];
    if (e->used && e->key == key) {
      slot = e;
      break;
    }
    if (!slot || e->used < slot->used) {
      slot = e; /* the empty or least recently used one */
    }
  }
  free(slot->value);
  slot->key = key;
  slot->value = owned;
  slot->used = ++c->clock;
}

static void disk_path(const TandemLlmCache* c, uint64_t key, char* out, size_t size)
{
  snprintf(out, size, "%s/%016" PRIx64 ".json", c->dir, key);
}

static char* disk_get(const TandemLlmCache* c, uint64_t key)
{
  char path[600];
  disk_path(c, key, path, sizeof(path));
  FILE* f = fopen(path, "rb");
  if (!f) {
    return NULL;
  }
  char* buf = NULL;
  struct stat st;
  if (fstat(fileno(f), &st) == 0 && st.st_size > 0 &&
      (size_t)st.st_size <= TANDEM_LLM_CACHE_VALUE_MAX) {
    buf = malloc((size_t)st.st_size + 1);
    if (buf && fread(buf, 1, (size_t)st.st_size, f) == (size_t)st.st_size) {
      buf[st.st_size] = '\0';
    } else {
      free(buf);
      buf = NULL;
    }
  }
  fclose(f);
  return buf;
}

/* Removes the oldest entries until the folder is under its cap. */
static void disk_trim(const TandemLlmCache* c)
{
  for (int round = 0; round < 64; ++round) {
    DIR* d = opendir(c->dir);
    if (!d) {
      return;
    }
    size_t total = 0;
    struct timespec oldest_time = {0, 0};
    char oldest[300] = "";
    struct dirent* ent;
    while ((ent = readdir(d))) {
      const size_t nl = strlen(ent->d_name);
      if (nl != 21 || strcmp(ent->d_name + 16, ".json") != 0) {
        continue;
      }
      char path[900];
      snprintf(path, sizeof(path), "%s/%s", c->dir, ent->d_name);
      struct stat st;
      if (stat(path, &st) != 0) {
        continue;
      }
      total += (size_t)st.st_size;
      /* Nanoseconds matter: a burst of writes shares one second. */
      const struct timespec m = st.st_mtim;
      if (!oldest[0] || m.tv_sec < oldest_time.tv_sec ||
          (m.tv_sec == oldest_time.tv_sec && m.tv_nsec < oldest_time.tv_nsec)) {
        oldest_time = m;
        snprintf(oldest, sizeof(oldest), "%s", ent->d_name);
      }
    }
    closedir(d);
    if (total <= c->disk_max_bytes || !oldest[0]) {
      return;
    }
    char path[900];
    snprintf(path, sizeof(path), "%s/%s", c->dir, oldest);
    unlink(path);
  }
}

static void disk_put(const TandemLlmCache* c, uint64_t key, const char* value)
{
  char path[600], tmp[640];
  disk_path(c, key, path, sizeof(path));
  snprintf(tmp, sizeof(tmp), "%s.tmp", path);
  FILE* f = fopen(tmp, "wb");
  if (!f) {
    return;
  }
  const size_t len = strlen(value);
  const bool ok = fwrite(value, 1, len, f) == len;
  if (fclose(f) != 0 || !ok || rename(tmp, path) != 0) {
    unlink(tmp);
    return;
  }
  disk_trim(c);
}

char* tandem_llm_cache_get(TandemLlmCache* c, uint64_t key)
{
  for (size_t i = 0; i < TANDEM_LLM_CACHE_ENTRIES; ++i) {
    Entry* e = &c->entries[i];
    if (e->used && e->key == key) {
      e->used = ++c->clock;
      return strdup(e->value);
    }
  }
  if (!c->dir[0]) {
    return NULL;
  }
  char* v = disk_get(c, key);
  if (v) {
    char* copy = strdup(v);
    if (copy) {
      memory_put(c, key, copy);
    }
  }
  return v;
}

void tandem_llm_cache_put(TandemLlmCache* c, uint64_t key, const char* value)
{
  if (!value || strlen(value) > TANDEM_LLM_CACHE_VALUE_MAX) {
    return;
  }
  char* copy = strdup(value);
  if (!copy) {
    return;
  }
  memory_put(c, key, copy);
  if (c->dir[0]) {
    disk_put(c, key, value);
  }
}

bool tandem_llm_cache_default_dir(char* out, size_t out_size)
{
  const char* xdg = getenv("XDG_CACHE_HOME");
  const char* home = getenv("HOME");
  int w;
  if (xdg && xdg[0] == '/') {
    w = snprintf(out, out_size, "%s/tandem/llm", xdg);
  } else if (home && home[0] == '/') {
    w = snprintf(out, out_size, "%s/.cache/tandem/llm", home);
  } else {
    return false;
  }
  return w > 0 && (size_t)w < out_size;
}
