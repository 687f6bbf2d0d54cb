/* Tandem — the LLM reply cache: LRU in memory, size-capped on disk. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "llm_cache.h"

static void make_tmpdir(char* out, size_t size)
{
  snprintf(out, size, "/tmp/tandem-llm-cache-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(out));
}

static void remove_dir(const char* dir)
{
  DIR* d = opendir(dir);
  if (!d) {
    return;
  }
  struct dirent* e;
  while ((e = readdir(d))) {
    if (e->d_name[0] != '.') {
      char p[512];
      snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
      unlink(p);
    }
  }
  closedir(d);
  rmdir(dir);
}

static size_t dir_bytes(const char* dir, int* files)
{
  DIR* d = opendir(dir);
  size_t total = 0;
  *files = 0;
  struct dirent* e;
  while (d && (e = readdir(d))) {
    if (e->d_name[0] != '.') {
      char p[512];
      struct stat st;
      snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
      if (stat(p, &st) == 0) {
        total += (size_t)st.st_size;
        ++*files;
      }
    }
  }
  if (d) {
    closedir(d);
  }
  return total;
}

START_TEST(test_cache_key_depends_on_every_part_and_its_boundaries)
{
  const char* a[] = {"openai", "url", "m", "sys", "user"};
  const char* b[] = {"openai", "url", "m", "sys", "user!"};
  const char* c[] = {"openai", "ur", "lm", "sys", "user"};
  ck_assert_uint_eq(tandem_llm_cache_key(a, 5), tandem_llm_cache_key(a, 5));
  ck_assert_uint_ne(tandem_llm_cache_key(a, 5), tandem_llm_cache_key(b, 5));
  ck_assert_uint_ne(tandem_llm_cache_key(a, 5), tandem_llm_cache_key(c, 5));
}
END_TEST

START_TEST(test_cache_memory_evicts_least_recently_used)
{
  TandemLlmCache* c = tandem_llm_cache_create(NULL, 0);
  for (uint64_t k = 1; k <= TANDEM_LLM_CACHE_ENTRIES; ++k) {
    tandem_llm_cache_put(c, k, "v");
  }
  char* v = tandem_llm_cache_get(c, 1); /* 1 is now the most recent */
  ck_assert_ptr_nonnull(v);
  free(v);
  tandem_llm_cache_put(c, 1000, "new"); /* evicts 2 */
  v = tandem_llm_cache_get(c, 2);
  ck_assert_ptr_null(v);
  v = tandem_llm_cache_get(c, 1);
  ck_assert_str_eq(v, "v");
  free(v);
  v = tandem_llm_cache_get(c, 1000);
  ck_assert_str_eq(v, "new");
  free(v);
  tandem_llm_cache_destroy(c);
}
END_TEST

START_TEST(test_cache_disk_survives_a_new_cache_and_stays_under_its_cap)
{
  char dir[64];
  make_tmpdir(dir, sizeof(dir));
  char sub[128];
  snprintf(sub, sizeof(sub), "%s/a/b", dir);
  TandemLlmCache* c = tandem_llm_cache_create(sub, 4000);
  char value[1001];
  memset(value, 'x', 1000);
  value[1000] = '\0';
  for (uint64_t k = 1; k <= 10; ++k) {
    tandem_llm_cache_put(c, k, value);
  }
  int files = 0;
  ck_assert_uint_le(dir_bytes(sub, &files), 4000);
  ck_assert_int_ge(files, 3);
  tandem_llm_cache_destroy(c);
  c = tandem_llm_cache_create(sub, 4000);
  char* v = tandem_llm_cache_get(c, 10); /* the newest is on disk */
  ck_assert_ptr_nonnull(v);
  ck_assert_str_eq(v, value);
  free(v);
  tandem_llm_cache_destroy(c);
  remove_dir(sub);
  snprintf(sub, sizeof(sub), "%s/a", dir);
  rmdir(sub);
  rmdir(dir);
}
END_TEST

START_TEST(test_cache_default_dir_follows_xdg_cache_home)
{
  char out[256];
  setenv("XDG_CACHE_HOME", "/tmp/xdg-test", 1);
  ck_assert(tandem_llm_cache_default_dir(out, sizeof(out)));
  ck_assert_str_eq(out, "/tmp/xdg-test/tandem/llm");
  unsetenv("XDG_CACHE_HOME");
  setenv("HOME", "/home/u", 1);
  ck_assert(tandem_llm_cache_default_dir(out, sizeof(out)));
  ck_assert_str_eq(out, "/home/u/.cache/tandem/llm");
}
END_TEST

static Suite* suite(void)
{
  Suite* s = suite_create("llm_cache");
  TCase* tc = tcase_create("core");
  tcase_add_test(tc, test_cache_key_depends_on_every_part_and_its_boundaries);
  tcase_add_test(tc, test_cache_memory_evicts_least_recently_used);
  tcase_add_test(tc, test_cache_disk_survives_a_new_cache_and_stays_under_its_cap);
  tcase_add_test(tc, test_cache_default_dir_follows_xdg_cache_home);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner* sr = srunner_create(suite());
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
