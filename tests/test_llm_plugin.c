/* Tandem — plain-language requests and the language model through the built
 * plugin, loaded with lilv: the prompt and llm_* properties, the llm_status port,
 * status texts, alternatives, and cleanup while a request is in flight.  The
 * model is the loopback test server. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/patch/patch.h>

#include "lv2_test_host.h"
#include "test_llm_server.h"

#define PLUGIN_URI       "urn:tandem:plugin"
#define NS               "urn:tandem:plugin#"
#define RATE             48000.0
#define BLOCK            512u
#define CONTROL_CAPACITY 8192u
#define NOTIFY_CAPACITY  65536u
#define FAKE_KEY         "sk-test-FAKEKEY-plugin-42"

enum {
  ST_OFF = 0,
  ST_IDLE,
  ST_WAITING,
  ST_OK,
  ST_CACHED,
  ST_REPAIRED,
  ST_FALLBACK,
  ST_ERROR
};

/* Started once in the parent; the forked tests share them. */
static TestLlmServer server;
static LvthWorld* world;

static void setup(void)
{
  ck_assert(test_llm_server_start(&server));
  world = lvth_world_new(PLUGIN_URI);
}

static void teardown(void)
{
  lvth_world_free(world);
  test_llm_server_stop(&server);
}

typedef struct {
  LvthHost* host;
  LilvInstance* instance;
  LV2_Atom_Sequence* control;
  LV2_Atom_Sequence* notify;
  float* in;
  float* out;
  LV2_Atom_Forge forge;
  LV2_Atom_Forge_Frame frame;
  char status[512]; /* the last status text seen on notify */
  char seen[8192];  /* every status text seen, one per line */
} Rig;

static LV2_URID urid(const char* uri)
{
  return lvth_urid(world, uri);
}

static Rig* rig_new(void)
{
  ck_assert_msg(world != NULL, "plugin not found; LV2_PATH must hold the build");
  Rig* r = calloc(1, sizeof(*r));
  ck_assert_ptr_nonnull(r);
  r->host = lvth_host_new(world, RATE, BLOCK, LVTH_FEATURES_ALL);
  r->instance = lvth_host_instance(r->host);
  ck_assert_ptr_nonnull(r->instance);
  ck_assert(lvth_host_connect_all(r->host, 4096));
  r->control = calloc(1, CONTROL_CAPACITY);
  r->notify = calloc(1, NOTIFY_CAPACITY);
  r->in = calloc(BLOCK, sizeof(float));
  r->out = calloc(BLOCK, sizeof(float));
  ck_assert(r->control && r->notify && r->in && r->out);
  lilv_instance_connect_port(r->instance, 0, r->in);
  lilv_instance_connect_port(r->instance, 1, r->out);
  lilv_instance_connect_port(r->instance, 2, r->control);
  lilv_instance_connect_port(r->instance, 3, r->notify);
  r->control->atom.type = urid(LV2_ATOM__Sequence);
  r->control->atom.size = sizeof(LV2_Atom_Sequence_Body);
  lv2_atom_forge_init(&r->forge, lvth_world_map(world));
  lilv_instance_activate(r->instance);
  return r;
}

static void cycle(Rig* r);

/* Lets the first built-in pattern and its status go by, so that the status texts
 * a test looks for are not replaced by it in the same block. */
static void settle(Rig* r)
{
  for (int i = 0; i < 5; ++i) {
    cycle(r);
  }
}

static void rig_free(Rig* r)
{
  lilv_instance_deactivate(r->instance);
  lvth_host_free(r->host);
  free(r->control);
  free(r->notify);
  free(r->in);
  free(r->out);
  free(r);
}

static void begin(Rig* r)
{
  lv2_atom_forge_set_buffer(&r->forge, (uint8_t*)r->control, CONTROL_CAPACITY);
  ck_assert(lv2_atom_forge_sequence_head(&r->forge, &r->frame, 0));
}

static void set_string(Rig* r, const char* prop, const char* value)
{
  LV2_Atom_Forge_Frame obj;
  ck_assert(lv2_atom_forge_frame_time(&r->forge, 0));
  ck_assert(lv2_atom_forge_object(&r->forge, &obj, 0, urid(LV2_PATCH__Set)));
  lv2_atom_forge_key(&r->forge, urid(LV2_PATCH__property));
  lv2_atom_forge_urid(&r->forge, urid(prop));
  lv2_atom_forge_key(&r->forge, urid(LV2_PATCH__value));
  ck_assert(lv2_atom_forge_string(&r->forge, value, (uint32_t)strlen(value)));
  lv2_atom_forge_pop(&r->forge, &obj);
}

static void set_float(Rig* r, const char* prop, float value)
{
  LV2_Atom_Forge_Frame obj;
  ck_assert(lv2_atom_forge_frame_time(&r->forge, 0));
  ck_assert(lv2_atom_forge_object(&r->forge, &obj, 0, urid(LV2_PATCH__Set)));
  lv2_atom_forge_key(&r->forge, urid(LV2_PATCH__property));
  lv2_atom_forge_urid(&r->forge, urid(prop));
  lv2_atom_forge_key(&r->forge, urid(LV2_PATCH__value));
  ck_assert(lv2_atom_forge_float(&r->forge, value));
  lv2_atom_forge_pop(&r->forge, &obj);
}

static void end(Rig* r)
{
  lv2_atom_forge_pop(&r->forge, &r->frame);
}

/* Remembers the newest status text on notify. */
static void read_status(Rig* r)
{
  const LV2_URID status = urid(NS "status");
  LV2_ATOM_SEQUENCE_FOREACH (r->notify, ev) {
    if (ev->body.type != urid(LV2_ATOM__Object)) {
      continue;
    }
    const LV2_Atom_Object* obj = (const LV2_Atom_Object*)&ev->body;
    const LV2_Atom* property = NULL;
    const LV2_Atom* value = NULL;
    lv2_atom_object_get(obj, urid(LV2_PATCH__property), &property, urid(LV2_PATCH__value),
                        &value, 0);
    if (property && value && property->type == urid(LV2_ATOM__URID) &&
        ((const LV2_Atom_URID*)property)->body == status &&
        value->type == urid(LV2_ATOM__String)) {
      snprintf(r->status, sizeof(r->status), "%s",
               (const char*)LV2_ATOM_BODY_CONST(value));
      ck_assert_ptr_null(strstr(r->status, FAKE_KEY));
      const size_t n = strlen(r->seen);
      snprintf(r->seen + n, sizeof(r->seen) - n, "%s\n", r->status);
    }
  }
}

static void cycle(Rig* r)
{
  r->notify->atom.type = urid(LV2_ATOM__Chunk);
  r->notify->atom.size = NOTIFY_CAPACITY;
  lvth_host_cycle(r->host, BLOCK);
  lvth_host_run_worker(r->host);
  read_status(r);
  r->control->atom.type = urid(LV2_ATOM__Sequence);
  r->control->atom.size = sizeof(LV2_Atom_Sequence_Body);
}

static int llm_status(Rig* r)
{
  return (int)*lvth_host_control(r->host, "llm_status");
}

/* Runs blocks (in real time, so the model thread gets its time) until the
 * status leaves `waiting` or seconds pass. */
static int run_until_answer(Rig* r, double seconds)
{
  const int blocks = (int)(seconds * RATE / BLOCK);
  for (int i = 0; i < blocks; ++i) {
    cycle(r);
    if (i > 2 && llm_status(r) != ST_WAITING) {
      break;
    }
    usleep((useconds_t)(BLOCK / RATE * 1e6));
  }
  for (int i = 0; i < 3; ++i) {
    cycle(r); /* the last work's responses reach the port and notify */
  }
  return llm_status(r);
}

static void configure(Rig* r, const char* behaviour, const char* provider)
{
  settle(r);
  char url[128];
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/%s%s", server.port, behaviour,
           strcmp(provider, "openai") == 0 ? "/v1" : "");
  begin(r);
  set_string(r, NS "llmProvider", provider);
  set_string(r, NS "llmUrl", url);
  set_string(r, NS "llmModel", "plugin-model");
  set_float(r, NS "llmTimeout", 2.0f);
  end(r);
  for (int i = 0; i < 3; ++i) {
    cycle(r); /* set, work, response, port written */
  }
}

static void send_prompt(Rig* r, const char* text)
{
  begin(r);
  set_string(r, NS "prompt", text);
  end(r);
  for (int i = 0; i < 3; ++i) {
    cycle(r); /* set, work, response, port and notify written */
  }
}

START_TEST(test_plugin_modifier_without_model_applies_locally)
{
  unsetenv("TANDEM_LLM_URL");
  Rig* r = rig_new();
  settle(r);
  ck_assert_int_eq(llm_status(r), ST_OFF);
  send_prompt(r, "harder, more swing");
  ck_assert_msg(strstr(r->seen, "applied \"harder, more swing\"") != NULL, "seen: %s",
                r->seen);
  ck_assert_int_eq(llm_status(r), ST_OFF);
  rig_free(r);
}
END_TEST

START_TEST(test_plugin_unknown_text_without_model_needs_a_model)
{
  unsetenv("TANDEM_LLM_URL");
  Rig* r = rig_new();
  settle(r);
  send_prompt(r, "like a 1962 bossa record");
  ck_assert_msg(strstr(r->seen, "needs a language model") != NULL, "seen: %s", r->seen);
  rig_free(r);
}
END_TEST

/* _i: 0 openai, 1 ollama, 2 anthropic */
START_TEST(test_plugin_model_reply_sets_status_ok_and_reports_it)
{
  static const char* const providers[] = {"openai", "ollama", "anthropic"};
  setenv("TANDEM_API_KEY", FAKE_KEY, 1);
  Rig* r = rig_new();
  configure(r, "alts3", providers[_i]);
  ck_assert_int_eq(llm_status(r), ST_IDLE);
  send_prompt(r, "a drum groove with a little more air");
  ck_assert_int_eq(llm_status(r), ST_WAITING);
  const int st = run_until_answer(r, 5.0);
  ck_assert_msg(st == ST_OK, "llm_status %d, status: %s", st, r->status);
  ck_assert_msg(strstr(r->seen, "3 alternatives") != NULL, "seen: %s", r->seen);
  ck_assert_ptr_nonnull(strstr(r->seen, providers[_i]));
  /* Step to another alternative: the status stays ok and nothing breaks. */
  *lvth_host_control(r->host, "alternative") = 2.0f;
  cycle(r);
  cycle(r);
  ck_assert_int_eq(llm_status(r), ST_OK);
  rig_free(r);
}
END_TEST

/* _i indexes the failing behaviours. */
START_TEST(test_plugin_model_failure_falls_back_and_keeps_running)
{
  static const char* const behaviours[] = {"e500",      "e401",   "prose",
                                           "truncated", "huge",   "gzip_bomb",
                                           "stall",     "length", "refusal"};
  setenv("TANDEM_API_KEY", FAKE_KEY, 1);
  Rig* r = rig_new();
  configure(r, behaviours[_i], "openai");
  send_prompt(r, "anything");
  const int st = run_until_answer(r, 8.0);
  ck_assert_msg(st == ST_FALLBACK, "%s: llm_status %d, seen: %s", behaviours[_i], st,
                r->seen);
  ck_assert_msg(strstr(r->seen, "built-in pattern") != NULL, "seen: %s", r->seen);
  for (int i = 0; i < 20; ++i) {
    cycle(r); /* still runs */
  }
  rig_free(r);
}
END_TEST

START_TEST(test_plugin_cleanup_during_a_request_takes_under_200_ms)
{
  Rig* r = rig_new();
  configure(r, "slow10000", "openai");
  send_prompt(r, "take your time");
  for (int i = 0; i < 20; ++i) {
    cycle(r);
    usleep(10000);
  }
  ck_assert_int_eq(llm_status(r), ST_WAITING);
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  rig_free(r);
  clock_gettime(CLOCK_MONOTONIC, &b);
  const double ms =
      (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
  ck_assert_msg(ms < 200.0, "cleanup took %.1f ms", ms);
}
END_TEST

static Suite* suite(void)
{
  Suite* s = suite_create("llm_plugin");
  TCase* tc = tcase_create("lilv");
  tcase_add_unchecked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_plugin_modifier_without_model_applies_locally);
  tcase_add_test(tc, test_plugin_unknown_text_without_model_needs_a_model);
  tcase_add_loop_test(tc, test_plugin_model_reply_sets_status_ok_and_reports_it, 0, 3);
  tcase_add_loop_test(tc, test_plugin_model_failure_falls_back_and_keeps_running, 0, 9);
  tcase_add_test(tc, test_plugin_cleanup_during_a_request_takes_under_200_ms);
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
