/* Tandem — the worker's jobs (worker/work.c): a user's style profile file.
 *
 * A good file replaces the style control's profile; a broken or missing one gives
 * one clear error naming the file, and the profile in use stays; generation then
 * still uses the profile that was there.
 *
 * Threads: the test's own, standing in for the host's worker thread.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "messages.h"
#include "pattern.h"
#include "ring.h"
#include "work.h"

typedef struct {
  TandemStatusMsg last;
  unsigned responses;
} Responses;

static LV2_Worker_Status respond(LV2_Worker_Respond_Handle handle, uint32_t size,
                                 const void* data)
{
  Responses* r = (Responses*)handle;
  ck_assert_uint_eq(size, sizeof(TandemStatusMsg));
  memcpy(&r->last, data, sizeof(r->last));
  ++r->responses;
  return LV2_WORKER_SUCCESS;
}

typedef struct {
  TandemWork* work;
  TandemRing* ring;
  LV2_Log_Logger logger;
  Responses responses;
} Fixture;

static Fixture* fixture(void)
{
  Fixture* f = calloc(1, sizeof(Fixture));
  ck_assert_ptr_nonnull(f);
  f->work = calloc(1, sizeof(TandemWork));
  ck_assert_ptr_nonnull(f->work);
  f->ring = tandem_ring_new(2 * (sizeof(TandemPattern) + sizeof(TandemRingMsgHeader)));
  ck_assert_ptr_nonnull(f->ring);
  const char* bundle = getenv("TANDEM_TEST_BUNDLE");
  ck_assert_msg(bundle != NULL, "TANDEM_TEST_BUNDLE is not set");
  char err[512] = "";
  ck_assert_msg(tandem_work_init(f->work, bundle, f->ring, &f->logger, err, sizeof(err)),
                "%s", err);
  return f;
}

static void fixture_free(Fixture* f)
{
  tandem_work_cleanup(f->work);
  free(f->work);
  tandem_ring_free(f->ring);
  free(f);
}

static void load_style_file(Fixture* f, const char* path)
{
  TandemStyleFileMsg msg;
  memset(&msg, 0, sizeof(msg));
  msg.type = TANDEM_MSG_STYLE_FILE;
  snprintf(msg.path, sizeof(msg.path), "%s", path);
  ck_assert_int_eq(tandem_work_do(f->work, respond, &f->responses, sizeof(msg), &msg),
                   LV2_WORKER_SUCCESS);
}

static void generate_drums(Fixture* f, uint8_t style)
{
  TandemGenerateMsg msg;
  memset(&msg, 0, sizeof(msg));
  msg.type = TANDEM_MSG_GENERATE;
  msg.serial = 1;
  msg.seed = 1;
  msg.role = TANDEM_ROLE_DRUMS;
  msg.style = style;
  msg.bars = 2;
  msg.complexity = msg.density = msg.energy = 0.5f;
  ck_assert_int_eq(tandem_work_do(f->work, respond, &f->responses, sizeof(msg), &msg),
                   LV2_WORKER_SUCCESS);
}

static char* write_temp(const char* text)
{
  static char path[64];
  snprintf(path, sizeof(path), "/tmp/tandem-test-style-XXXXXX");
  const int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
  return path;
}

START_TEST(test_user_style_file_replaces_the_control_and_drives_generation)
{
  Fixture* f = fixture();
  char path[1024];
  snprintf(path, sizeof(path), "%s/styles/jazz.ttl", getenv("TANDEM_TEST_BUNDLE"));
  load_style_file(f, path);
  ck_assert_uint_eq(f->responses.last.level, TANDEM_STATUS_OK);
  ck_assert_ptr_nonnull(strstr(f->responses.last.text, "Jazz"));
  generate_drums(f, 1); /* the control says rock; the file wins */
  ck_assert_uint_eq(f->responses.last.level, TANDEM_STATUS_OK);
  ck_assert_msg(strstr(f->responses.last.text, "Jazz") != NULL, "status: %s",
                f->responses.last.text);
  fixture_free(f);
}
END_TEST

START_TEST(test_broken_style_file_is_reported_and_the_old_profile_stays)
{
  Fixture* f = fixture();
  char path[1024];
  snprintf(path, sizeof(path), "%s/styles/funk.ttl", getenv("TANDEM_TEST_BUNDLE"));
  load_style_file(f, path);
  ck_assert_uint_eq(f->responses.last.level, TANDEM_STATUS_OK);

  const char* broken = write_temp("@prefix sty: <urn:tandem:style#> .\n"
                                  "<urn:x> a sty:Style ; sty:swing \"fast\" \n");
  load_style_file(f, broken);
  ck_assert_uint_eq(f->responses.last.level, TANDEM_STATUS_ERROR);
  ck_assert_msg(strstr(f->responses.last.text, "tandem-test-style-") != NULL,
                "the error names no file: %s", f->responses.last.text);
  ck_assert_msg(strstr(f->responses.last.text, "keeping Funk") != NULL,
                "the error does not say what stays: %s", f->responses.last.text);
  unlink(broken);

  load_style_file(f, "/nonexistent/tandem/style.ttl");
  ck_assert_uint_eq(f->responses.last.level, TANDEM_STATUS_ERROR);
  ck_assert_ptr_nonnull(strstr(f->responses.last.text, "/nonexistent/tandem/style.ttl"));

  generate_drums(f, 1);
  ck_assert_uint_eq(f->responses.last.level, TANDEM_STATUS_OK);
  ck_assert_msg(strstr(f->responses.last.text, "Funk") != NULL, "status: %s",
                f->responses.last.text);
  uint32_t type = 0;
  uint32_t size = 0;
  static TandemPattern pattern;
  ck_assert_int_eq(tandem_ring_read_msg(f->ring, &type, &pattern, sizeof(pattern), &size),
                   TANDEM_RING_OK);
  ck_assert(tandem_pattern_valid(&pattern));
  ck_assert_uint_gt(pattern.n_notes, 0);
  fixture_free(f);
}
END_TEST

START_TEST(test_empty_style_file_path_goes_back_to_the_control)
{
  Fixture* f = fixture();
  char path[1024];
  snprintf(path, sizeof(path), "%s/styles/jazz.ttl", getenv("TANDEM_TEST_BUNDLE"));
  load_style_file(f, path);
  load_style_file(f, "");
  ck_assert_uint_eq(f->responses.last.level, TANDEM_STATUS_OK);
  generate_drums(f, 2); /* funk */
  ck_assert_msg(strstr(f->responses.last.text, "Funk") != NULL, "status: %s",
                f->responses.last.text);
  fixture_free(f);
}
END_TEST

int main(void)
{
  Suite* s = suite_create("work");
  TCase* tc = tcase_create("style_file");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_user_style_file_replaces_the_control_and_drives_generation);
  tcase_add_test(tc, test_broken_style_file_is_reported_and_the_old_profile_stays);
  tcase_add_test(tc, test_empty_style_file_path_goes_back_to_the_control);
  suite_add_tcase(s, tc);
  SRunner* sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
