/* Tandem — the worker plays the song's sections (worker/work.c).
 *
 * A generate request names the section heard: a chorus is made busier and louder
 * than a verse from the same seed, an intro sparser, and a section label heard
 * again with the same settings gets its earlier part back note for note.
 *
 * Threads: the test's own, standing in for the host's worker thread.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "messages.h"
#include "pattern.h"
#include "ring.h"
#include "sections.h"
#include "work.h"

typedef struct {
  TandemStatusMsg last;
} Responses;

static LV2_Worker_Status respond(LV2_Worker_Respond_Handle handle, uint32_t size,
                                 const void* data)
{
  Responses* r = (Responses*)handle;
  ck_assert_uint_eq(size, sizeof(TandemStatusMsg));
  memcpy(&r->last, data, sizeof(r->last));
  return LV2_WORKER_SUCCESS;
}

typedef struct {
  TandemWork* work;
  TandemRing* ring;
  LV2_Log_Logger logger;
  Responses responses;
  uint32_t serial;
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

/* Asks for a part as run() does and reads what reaches the audio thread.  busy,
 * when not NULL, is the input's activity over one 4/4 bar (16 values). */
static void request_part_busy(Fixture* f, TandemRole role, uint32_t seed, int section,
                              float density, const float* busy, TandemPattern* out)
{
  TandemGenerateMsg msg;
  memset(&msg, 0, sizeof(msg));
  msg.type = TANDEM_MSG_GENERATE;
  msg.serial = ++f->serial;
  msg.seed = seed;
  msg.role = (uint8_t)role;
  msg.style = 1; /* rock */
  msg.bars = 4;
  msg.complexity = 0.5f;
  msg.density = density;
  msg.energy = 0.5f;
  msg.fill = 0.5f;
  msg.section = (uint8_t)section;
  msg.beats_per_bar = 4; /* as a host transport says */
  msg.beat_unit = 4;
  if (busy) {
    msg.n_busy = 16;
    memcpy(msg.busy, busy, 16 * sizeof(float));
  }
  ck_assert_int_eq(tandem_work_do(f->work, respond, &f->responses, sizeof(msg), &msg),
                   LV2_WORKER_SUCCESS);
  ck_assert_msg(f->responses.last.level == TANDEM_STATUS_OK, "status: %s",
                f->responses.last.text);
  uint32_t type = 0;
  uint32_t size = 0;
  ck_assert_int_eq(tandem_ring_read_msg(f->ring, &type, out, sizeof(*out), &size),
                   TANDEM_RING_OK);
  ck_assert_uint_eq(type, TANDEM_RING_PATTERN);
  ck_assert_uint_eq(size, sizeof(*out));
  ck_assert(tandem_pattern_valid(out));
  ck_assert_uint_eq(out->serial, msg.serial);
}

static void request_part(Fixture* f, TandemRole role, uint32_t seed, int section,
                         float density, TandemPattern* out)
{
  request_part_busy(f, role, seed, section, density, NULL, out);
}

static double mean_velocity(const TandemPattern* p)
{
  double sum = 0.0;
  for (uint32_t i = 0; i < p->n_notes; ++i) {
    sum += p->notes[i].velocity;
  }
  return p->n_notes ? sum / p->n_notes : 0.0;
}

static bool same_notes(const TandemPattern* a, const TandemPattern* b)
{
  return a->n_notes == b->n_notes && a->bars == b->bars &&
         memcmp(a->notes, b->notes, sizeof(TandemNote) * a->n_notes) == 0;
}

static TandemPattern verse;
static TandemPattern chorus;
static TandemPattern again;

START_TEST(test_chorus_has_more_notes_and_louder_velocity_than_verse_with_same_seed)
{
  const TandemRole roles[] = {TANDEM_ROLE_DRUMS, TANDEM_ROLE_BASS};
  const TandemRole role = roles[_i % 2];
  const uint32_t seed = 11u + 7u * (uint32_t)_i;
  Fixture* f = fixture();
  request_part(f, role, seed, TANDEM_SECTION_VERSE, 0.5f, &verse);
  request_part(f, role, seed, TANDEM_SECTION_CHORUS, 0.5f, &chorus);
  ck_assert_msg(chorus.n_notes > verse.n_notes,
                "role %d seed %u: chorus %u notes, verse %u", (int)role, seed,
                chorus.n_notes, verse.n_notes);
  ck_assert_msg(mean_velocity(&chorus) > mean_velocity(&verse),
                "role %d seed %u: chorus velocity %.1f, verse %.1f", (int)role, seed,
                mean_velocity(&chorus), mean_velocity(&verse));
  fixture_free(f);
}
END_TEST

START_TEST(test_intro_is_sparser_than_verse_with_same_seed)
{
  Fixture* f = fixture();
  request_part(f, TANDEM_ROLE_DRUMS, 5, TANDEM_SECTION_VERSE, 0.5f, &verse);
  request_part(f, TANDEM_ROLE_DRUMS, 5, TANDEM_SECTION_INTRO, 0.5f, &again);
  ck_assert_msg(again.n_notes < verse.n_notes, "intro %u notes, verse %u", again.n_notes,
                verse.n_notes);
  fixture_free(f);
}
END_TEST

START_TEST(test_second_verse_after_chorus_gets_the_first_verse_notes_again)
{
  /* The input is busy everywhere by the second verse: a melody made anew would
   * leave it room (checked first), so only the kept part can match the first. */
  float busy[16];
  for (int i = 0; i < 16; ++i) {
    busy[i] = 1.0f;
  }
  Fixture* f = fixture();
  request_part(f, TANDEM_ROLE_MELODY, 3, TANDEM_SECTION_UNKNOWN, 0.5f, &verse);
  request_part_busy(f, TANDEM_ROLE_MELODY, 3, TANDEM_SECTION_UNKNOWN, 0.5f, busy, &again);
  ck_assert_msg(!same_notes(&verse, &again), "the input's activity changed nothing");
  fixture_free(f);

  f = fixture();
  request_part(f, TANDEM_ROLE_MELODY, 3, TANDEM_SECTION_VERSE, 0.5f, &verse);
  request_part(f, TANDEM_ROLE_MELODY, 3, TANDEM_SECTION_CHORUS, 0.5f, &chorus);
  ck_assert(!same_notes(&verse, &chorus));
  request_part_busy(f, TANDEM_ROLE_MELODY, 3, TANDEM_SECTION_VERSE, 0.5f, busy, &again);
  ck_assert_msg(same_notes(&verse, &again), "verse %u notes, second verse %u",
                verse.n_notes, again.n_notes);
  ck_assert_msg(strstr(f->responses.last.text, "earlier part") != NULL, "status: %s",
                f->responses.last.text);
  fixture_free(f);
}
END_TEST

START_TEST(test_repeated_section_is_made_anew_when_a_setting_changed)
{
  Fixture* f = fixture();
  request_part(f, TANDEM_ROLE_DRUMS, 3, TANDEM_SECTION_VERSE, 0.5f, &verse);
  request_part(f, TANDEM_ROLE_DRUMS, 3, TANDEM_SECTION_CHORUS, 0.5f, &chorus);
  request_part(f, TANDEM_ROLE_DRUMS, 3, TANDEM_SECTION_VERSE, 0.9f, &again);
  ck_assert_msg(strstr(f->responses.last.text, "earlier part") == NULL, "status: %s",
                f->responses.last.text);
  ck_assert_msg(again.n_notes > verse.n_notes, "denser verse %u notes, first %u",
                again.n_notes, verse.n_notes);
  fixture_free(f);
}
END_TEST

START_TEST(test_unknown_section_value_is_ignored)
{
  Fixture* f = fixture();
  request_part(f, TANDEM_ROLE_DRUMS, 9, TANDEM_SECTION_UNKNOWN, 0.5f, &verse);
  request_part(f, TANDEM_ROLE_DRUMS, 9, 200, 0.5f, &again);
  ck_assert(same_notes(&verse, &again));
  ck_assert_msg(strstr(f->responses.last.text, "earlier part") == NULL, "status: %s",
                f->responses.last.text);
  fixture_free(f);
}
END_TEST

int main(void)
{
  Suite* s = suite_create("work_sections");
  TCase* tc = tcase_create("sections");
  tcase_set_timeout(tc, 60);
  tcase_add_loop_test(
      tc, test_chorus_has_more_notes_and_louder_velocity_than_verse_with_same_seed, 0, 6);
  tcase_add_test(tc, test_intro_is_sparser_than_verse_with_same_seed);
  tcase_add_test(tc, test_second_verse_after_chorus_gets_the_first_verse_notes_again);
  tcase_add_test(tc, test_repeated_section_is_made_anew_when_a_setting_changed);
  tcase_add_test(tc, test_unknown_section_value_is_ignored);
  suite_add_tcase(s, tc);
  SRunner* sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
