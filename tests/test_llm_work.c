/* Tandem — the LLM part of work(): messages in, patterns to the ring and
 * status/intent/state replies out, against the loopback server. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "llm_work.h"
#include "sections.h"
#include "style.h"
#include "test_llm_server.h"

#define FAKE_KEY "sk-test-FAKEKEY-work-0123456789"

static TestLlmServer server;

typedef struct {
  int n_status;
  char status[16][TANDEM_STATUS_MAX];
  int n_intent;
  TandemLlmIntentMsg intent;
  int n_state;
  TandemLlmStateMsg state;
} Replies;

static LV2_Worker_Status collect(LV2_Worker_Respond_Handle handle, uint32_t size,
                                 const void* data)
{
  Replies* r = handle;
  uint32_t type;
  memcpy(&type, data, sizeof(type));
  if (type == TANDEM_MSG_STATUS && size == sizeof(TandemStatusMsg)) {
    const TandemStatusMsg* m = data;
    ck_assert_ptr_null(strstr(m->text, FAKE_KEY));
    if (r->n_status < 16) {
      memcpy(r->status[r->n_status++], m->text, TANDEM_STATUS_MAX);
    }
  } else if (type == TANDEM_MSG_LLM_INTENT && size == sizeof(TandemLlmIntentMsg)) {
    memcpy(&r->intent, data, size);
    ++r->n_intent;
  } else if (type == TANDEM_MSG_LLM_STATE && size == sizeof(TandemLlmStateMsg)) {
    memcpy(&r->state, data, size);
    ++r->n_state;
  } else {
    ck_abort_msg("unexpected reply type %u size %u", type, size);
  }
  return LV2_WORKER_SUCCESS;
}

static double now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void server_up(void)
{
  ck_assert(test_llm_server_start(&server));
}

static void server_down(void)
{
  test_llm_server_stop(&server);
}

typedef struct {
  TandemRing* ring;
  TandemLlmWork lw;
  Replies replies;
  TandemPattern got;
} Fixture;

static Fixture* fixture(const char* behaviour)
{
  Fixture* f = calloc(1, sizeof(*f));
  ck_assert_ptr_nonnull(f);
  setenv("TANDEM_API_KEY", FAKE_KEY, 1);
  if (behaviour) {
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/%s/v1", server.port, behaviour);
    setenv("TANDEM_LLM_URL", url, 1);
    setenv("TANDEM_LLM_MODEL", "work-model", 1);
    setenv("TANDEM_LLM_PROVIDER", "openai", 1);
    setenv("TANDEM_LLM_TIMEOUT", "5", 1);
  } else {
    unsetenv("TANDEM_LLM_URL");
  }
  f->ring = tandem_ring_new(4 * (sizeof(TandemPattern) + sizeof(TandemRingMsgHeader)));
  char err[128];
  ck_assert_msg(tandem_llm_work_init(&f->lw, f->ring, NULL, err, sizeof(err)), "%s", err);
  return f;
}

static void fixture_free(Fixture* f)
{
  tandem_llm_work_cleanup(&f->lw);
  tandem_ring_free(f->ring);
  free(f);
}

static void send_request(Fixture* f, const char* text, uint32_t serial)
{
  TandemLlmRequestMsg m;
  memset(&m, 0, sizeof(m));
  m.type = TANDEM_MSG_LLM_REQUEST;
  m.serial = serial;
  m.role = TANDEM_ROLE_DRUMS;
  m.bars = 2;
  m.beats_per_bar = 4;
  m.beat_unit = 4;
  m.tempo_bpm = 100;
  snprintf(m.text, sizeof(m.text), "%s", text);
  ck_assert_int_eq(
      tandem_llm_work_do(&f->lw, collect, &f->replies, sizeof(m), &m, NULL, NULL),
      LV2_WORKER_SUCCESS);
}

static bool read_pattern(Fixture* f)
{
  uint32_t type = 0, size = 0;
  return tandem_ring_read_msg(f->ring, &type, &f->got, sizeof(f->got), &size) ==
             TANDEM_RING_OK &&
         type == TANDEM_RING_MODEL_PATTERN && size == sizeof(f->got);
}

START_TEST(test_work_applies_modifiers_locally_without_a_model)
{
  Fixture* f = fixture(NULL);
  send_request(f, "half-time, darker, more ghost notes", 5);
  ck_assert_int_eq(f->replies.n_intent, 1);
  ck_assert_float_eq(f->replies.intent.tempo_factor, 0.5f);
  ck_assert_int_eq(f->replies.intent.octave, -1);
  ck_assert_float_gt(f->replies.intent.ghost, 0.0f);
  ck_assert_int_eq(f->replies.n_status, 1);
  ck_assert_ptr_nonnull(strstr(f->replies.status[0], "applied"));
  ck_assert(!read_pattern(f));
  ck_assert_uint_eq(f->lw.history.n, 1);
  ck_assert_str_eq(f->lw.history.items[0].outcome, "applied locally");
  fixture_free(f);
}
END_TEST

START_TEST(test_work_unknown_text_without_a_model_says_it_needs_one)
{
  Fixture* f = fixture(NULL);
  send_request(f, "play it like a bossa from 1962", 5);
  ck_assert_int_eq(f->replies.n_intent, 0);
  ck_assert_int_eq(f->replies.n_state, 1);
  ck_assert_uint_eq(f->replies.state.status, TANDEM_LLM_STATUS_OFF);
  ck_assert_ptr_nonnull(strstr(f->replies.status[0], "needs a language model"));
  fixture_free(f);
}
END_TEST

START_TEST(test_work_model_pattern_reaches_the_ring_with_the_bar_serial)
{
  Fixture* f = fixture("ok");
  send_request(f, "make the groove busier", 42);
  ck_assert_int_eq(f->replies.n_intent, 1); /* modifiers apply while the model works */
  ck_assert_uint_eq(f->replies.state.status, TANDEM_LLM_STATUS_WAITING);
  ck_assert(!read_pattern(f)); /* nothing until a bar message takes the result */
  const TandemLlmBarMsg hold = {TANDEM_MSG_LLM_BAR, 0, 43};
  /* The client leaves "waiting" only once the reply is in.  Wait for that, not
   * for a fixed time: a busy machine can take seconds, and a bar message sent
   * before the reply finds nothing to take. */
  const double deadline = now_ms() + 30000.0;
  while (tandem_llm_status(f->lw.client) == TANDEM_LLM_STATUS_WAITING &&
         now_ms() < deadline) {
    usleep(10000);
  }
  ck_assert_int_ne(tandem_llm_status(f->lw.client), TANDEM_LLM_STATUS_WAITING);
  tandem_llm_work_do(&f->lw, collect, &f->replies, sizeof(hold), &hold, NULL, NULL);
  ck_assert(!read_pattern(f)); /* apply 0 (export) leaves the playing pattern alone */
  const TandemLlmBarMsg bar = {TANDEM_MSG_LLM_BAR, 1, 44};
  tandem_llm_work_do(&f->lw, collect, &f->replies, sizeof(bar), &bar, NULL, NULL);
  ck_assert(f->lw.wrote_pattern);
  ck_assert(read_pattern(f));
  ck_assert(tandem_pattern_valid(&f->got));
  ck_assert_uint_eq(f->got.serial, 44); /* the bar message's, newer than the request's */
  ck_assert_uint_eq(f->got.bars, 2);
  ck_assert_uint_eq(f->replies.state.status, TANDEM_LLM_STATUS_OK);
  ck_assert_uint_eq(f->replies.state.serial, 44);
  ck_assert_str_eq(f->lw.report.provider, "openai");
  ck_assert_str_eq(f->lw.report.model, "work-model");
  ck_assert_int_eq(f->lw.report.prompt_tokens, 321);
  ck_assert_str_eq(f->lw.history.items[0].outcome, "ok");
  fixture_free(f);
}
END_TEST

START_TEST(test_work_alternative_steps_through_the_kept_alternatives)
{
  Fixture* f = fixture("alts3");
  send_request(f, "three ideas please", 7);
  ck_assert(tandem_llm_work_wait(&f->lw, 10, collect, &f->replies));
  ck_assert(read_pattern(f));
  /* The state carries each alternative's confidence as the server gave it. */
  ck_assert_uint_eq(f->replies.state.n_alternatives, 3);
  ck_assert_float_eq_tol(f->replies.state.confidence[0], 0.9f, 1e-6f);
  ck_assert_float_eq_tol(f->replies.state.confidence[1], 0.7f, 1e-6f);
  ck_assert_float_eq_tol(f->replies.state.confidence[2], 0.5f, 1e-6f);
  ck_assert_uint_eq(f->got.serial, 7);
  ck_assert_uint_eq(f->lw.report.n_alternatives, 3);
  const TandemLlmAltMsg alt = {TANDEM_MSG_LLM_ALTERNATIVE, 2, 8};
  tandem_llm_work_do(&f->lw, collect, &f->replies, sizeof(alt), &alt, NULL, NULL);
  ck_assert(read_pattern(f));
  ck_assert_uint_eq(f->got.serial, 8);
  ck_assert_float_eq_tol(f->got.confidence, 0.5f, 1e-6f);
  ck_assert_uint_eq(f->replies.state.n_alternatives, 3); /* stepping keeps them all */
  ck_assert_float_eq_tol(f->replies.state.confidence[0], 0.9f, 1e-6f);
  const TandemLlmAltMsg bad = {TANDEM_MSG_LLM_ALTERNATIVE, 3, 9};
  tandem_llm_work_do(&f->lw, collect, &f->replies, sizeof(bad), &bad, NULL, NULL);
  ck_assert(!read_pattern(f));
  fixture_free(f);
}
END_TEST

START_TEST(test_work_failed_model_reports_fallback_and_writes_nothing)
{
  Fixture* f = fixture("echo_auth");
  send_request(f, "anything at all", 3);
  ck_assert(tandem_llm_work_wait(&f->lw, 10, collect, &f->replies));
  ck_assert(!read_pattern(f));
  ck_assert_uint_eq(f->replies.state.status, TANDEM_LLM_STATUS_FALLBACK);
  ck_assert_ptr_nonnull(strstr(f->lw.report.error, "authentication failed"));
  ck_assert_ptr_null(strstr(f->lw.report.error, FAKE_KEY));
  fixture_free(f);
}
END_TEST

START_TEST(test_work_config_message_switches_the_model_on_and_off)
{
  Fixture* f = fixture(NULL);
  ck_assert(!tandem_llm_enabled(f->lw.client));
  TandemLlmConfigMsg c;
  memset(&c, 0, sizeof(c));
  c.type = TANDEM_MSG_LLM_CONFIG;
  c.provider = TANDEM_LLM_OLLAMA;
  c.timeout_s = 5;
  c.temperature = 0.2f;
  c.max_tokens = 1000;
  snprintf(c.url, sizeof(c.url), "http://127.0.0.1:%d/ok", server.port);
  snprintf(c.model, sizeof(c.model), "m2");
  tandem_llm_work_do(&f->lw, collect, &f->replies, sizeof(c), &c, NULL, NULL);
  ck_assert(tandem_llm_enabled(f->lw.client));
  send_request(f, "something new", 11);
  ck_assert(tandem_llm_work_wait(&f->lw, 10, collect, &f->replies));
  ck_assert_str_eq(f->lw.report.provider, "ollama");
  ck_assert(read_pattern(f));
  snprintf(c.url, sizeof(c.url), "http://example.com/");
  tandem_llm_work_do(&f->lw, collect, &f->replies, sizeof(c), &c, NULL, NULL);
  ck_assert_ptr_nonnull(
      strstr(f->replies.status[f->replies.n_status - 1], "URL refused"));
  c.url[0] = '\0';
  tandem_llm_work_do(&f->lw, collect, &f->replies, sizeof(c), &c, NULL, NULL);
  ck_assert(!tandem_llm_enabled(f->lw.client));
  fixture_free(f);
}
END_TEST

START_TEST(test_fallbacks_parse_lines_in_order_and_name_a_bad_line)
{
  TandemLlmEndpoint eps[3];
  char err[256] = "";
  const char* text = "# tried after the main model\n"
                     "\n"
                     "  ollama   http://127.0.0.1:1/api   llama3  \n"
                     "anthropic https://api.example.com\r\n"
                     "openai http://127.0.0.1:2/v1 m3\n"
                     "openai http://127.0.0.1:3/v1 m4\n";
  ck_assert_int_eq(tandem_llm_fallbacks_parse(text, eps, 3, err, sizeof(err)), 3);
  ck_assert_int_eq(eps[0].provider, TANDEM_LLM_OLLAMA);
  ck_assert_str_eq(eps[0].url, "http://127.0.0.1:1/api");
  ck_assert_str_eq(eps[0].model, "llama3");
  ck_assert_int_eq(eps[1].provider, TANDEM_LLM_ANTHROPIC);
  ck_assert_str_eq(eps[1].url, "https://api.example.com");
  ck_assert_str_eq(eps[1].model, "");
  ck_assert_str_eq(eps[2].model, "m3");
  ck_assert_int_eq(tandem_llm_fallbacks_parse("", eps, 3, err, sizeof(err)), 0);
  ck_assert_int_eq(tandem_llm_fallbacks_parse("openai http://a/v1\ngemini http://b", eps,
                                              3, err, sizeof(err)),
                   -1);
  ck_assert_msg(strstr(err, "line 2") != NULL, "%s", err);
  ck_assert_int_eq(tandem_llm_fallbacks_parse("openai", eps, 3, err, sizeof(err)), -1);
  ck_assert_int_eq(
      tandem_llm_fallbacks_parse("openai http://a/v1 m extra", eps, 3, err, sizeof(err)),
      -1);
}
END_TEST

START_TEST(test_work_fallback_endpoint_answers_when_the_first_fails)
{
  Fixture* f = fixture("e500");
  TandemLlmFallbacksMsg fb;
  memset(&fb, 0, sizeof(fb));
  fb.type = TANDEM_MSG_LLM_FALLBACKS;
  snprintf(fb.text, sizeof(fb.text), "ollama http://127.0.0.1:%d/ok fallback-model\n",
           server.port);
  ck_assert_int_eq(
      tandem_llm_work_do(&f->lw, collect, &f->replies, sizeof(fb), &fb, NULL, NULL),
      LV2_WORKER_SUCCESS);
  ck_assert(f->lw.settings_set);
  send_request(f, "first fails, second answers", 5);
  ck_assert(tandem_llm_work_wait(&f->lw, 20, collect, &f->replies));
  ck_assert_uint_eq(f->replies.state.status, TANDEM_LLM_STATUS_OK);
  ck_assert_str_eq(f->lw.report.provider, "ollama");
  ck_assert_str_eq(f->lw.report.model, "fallback-model");
  ck_assert(read_pattern(f));
  /* A list that does not parse says so and leaves only the main endpoint. */
  snprintf(fb.text, sizeof(fb.text), "carrier-pigeon http://127.0.0.1/\n");
  tandem_llm_work_do(&f->lw, collect, &f->replies, sizeof(fb), &fb, NULL, NULL);
  ck_assert_ptr_nonnull(strstr(f->replies.status[f->replies.n_status - 1], "line 1"));
  ck_assert_str_eq(f->lw.settings.fallbacks, "");
  fixture_free(f);
}
END_TEST

START_TEST(test_work_config_message_changes_only_the_fields_it_names)
{
  Fixture* f = fixture("ok");
  ck_assert_str_eq(f->lw.settings.model, "work-model");
  TandemLlmConfigMsg c;
  memset(&c, 0, sizeof(c));
  c.type = TANDEM_MSG_LLM_CONFIG;
  c.fields = TANDEM_LLM_FIELD_TEMPERATURE;
  c.temperature = 1.5f; /* url, model and provider are empty here: not taken */
  tandem_llm_work_do(&f->lw, collect, &f->replies, sizeof(c), &c, NULL, NULL);
  ck_assert_float_eq_tol(f->lw.settings.temperature, 1.5f, 1e-6f);
  ck_assert_str_eq(f->lw.settings.model, "work-model");
  ck_assert_ptr_nonnull(strstr(f->lw.settings.url, "/ok/v1"));
  ck_assert(tandem_llm_enabled(f->lw.client));
  c.fields = TANDEM_LLM_FIELD_MODEL;
  snprintf(c.model, sizeof(c.model), "other");
  tandem_llm_work_do(&f->lw, collect, &f->replies, sizeof(c), &c, NULL, NULL);
  ck_assert_str_eq(f->lw.settings.model, "other");
  ck_assert_float_eq_tol(f->lw.settings.temperature, 1.5f, 1e-6f);
  fixture_free(f);
}
END_TEST

START_TEST(test_work_settings_start_as_runs_and_bad_values_fall_back_to_them)
{
  /* No environment: the worker starts with the settings run()'s config message has. */
  unsetenv("TANDEM_LLM_TIMEOUT");
  Fixture* f = fixture(NULL);
  TandemLlmConfigMsg run_side;
  tandem_llm_config_msg_default(&run_side);
  ck_assert_uint_eq(run_side.type, TANDEM_MSG_LLM_CONFIG);
  ck_assert_uint_eq(run_side.fields, 0);
  ck_assert_str_eq(run_side.url, "");
  ck_assert_uint_eq(f->lw.settings.provider, run_side.provider);
  ck_assert_float_eq(f->lw.settings.timeout_s, run_side.timeout_s);
  ck_assert_float_eq(f->lw.settings.temperature, run_side.temperature);
  ck_assert_int_eq(f->lw.settings.max_tokens, run_side.max_tokens);
  /* Out-of-range values in a message get those defaults back, not 0 or the old value. */
  TandemLlmConfigMsg c = run_side;
  c.fields = TANDEM_LLM_FIELD_TIMEOUT | TANDEM_LLM_FIELD_TEMPERATURE |
             TANDEM_LLM_FIELD_MAX_TOKENS | TANDEM_LLM_FIELD_PROVIDER;
  c.timeout_s = -3.0f;
  c.temperature = 9.0f;
  c.max_tokens = 0;
  c.provider = 77;
  tandem_llm_work_do(&f->lw, collect, &f->replies, sizeof(c), &c, NULL, NULL);
  TandemLlmSettings d;
  tandem_llm_settings_default(&d);
  ck_assert_uint_eq(f->lw.settings.provider, d.provider);
  ck_assert_float_eq(f->lw.settings.timeout_s, d.timeout_s);
  ck_assert_float_eq(f->lw.settings.temperature, d.temperature);
  ck_assert_int_eq(f->lw.settings.max_tokens, d.max_tokens);
  ck_assert_float_eq(d.timeout_s, run_side.timeout_s);
  fixture_free(f);
}
END_TEST

START_TEST(test_work_freewheel_request_applies_modifiers_and_asks_no_model)
{
  Fixture* f = fixture("ok");
  char out[65536];
  ck_assert(test_llm_server_call(&server, "/reset", "", out));
  TandemLlmRequestMsg m;
  memset(&m, 0, sizeof(m));
  m.type = TANDEM_MSG_LLM_REQUEST;
  m.serial = 9;
  m.role = TANDEM_ROLE_DRUMS;
  m.bars = 1;
  m.beats_per_bar = 4;
  m.beat_unit = 4;
  m.local_only = 1;
  snprintf(m.text, sizeof(m.text), "harder");
  tandem_llm_work_do(&f->lw, collect, &f->replies, sizeof(m), &m, NULL, NULL);
  ck_assert_int_eq(f->replies.n_intent, 1);
  ck_assert_int_ne(tandem_llm_status(f->lw.client), TANDEM_LLM_STATUS_WAITING);
  usleep(300000);
  ck_assert_int_eq(test_llm_server_requests(&server), 0);
  ck_assert_ptr_nonnull(strstr(f->replies.status[f->replies.n_status - 1], "freewheel"));
  ck_assert_str_eq(f->lw.history.items[0].outcome, "not sent: freewheeling");
  fixture_free(f);
}
END_TEST

/* The genre index and section label become names, and the per-band onsets reach
 * the model in the request it actually receives. */
START_TEST(test_work_request_grounds_the_prompt_in_bands_genre_and_section)
{
  Fixture* f = fixture("ok");
  TandemLlmRequestMsg m;
  memset(&m, 0, sizeof(m));
  m.type = TANDEM_MSG_LLM_REQUEST;
  m.serial = 3;
  m.role = TANDEM_ROLE_DRUMS;
  m.bars = 1;
  m.beats_per_bar = 4;
  m.beat_unit = 4;
  m.onsets_known = 1;
  m.onset_steps[1][0] = 0x0101; /* kick */
  m.onset_steps[1][1] = 0x1010; /* snare */
  m.onset_steps[1][2] = 0x4444; /* hat */
  m.genre = tandem_style_shipped_index("funk");
  m.genre_confidence = 0.6f;
  m.section = TANDEM_SECTION_CHORUS;
  snprintf(m.text, sizeof(m.text), "tighter");
  tandem_llm_work_do(&f->lw, collect, &f->replies, sizeof(m), &m, NULL, NULL);
  ck_assert(tandem_llm_work_wait(&f->lw, 10, collect, &f->replies));
  char* out = malloc(65536);
  ck_assert(test_llm_server_call(&server, "/last", NULL, out));
  json_t* last = json_loads(out, 0, NULL);
  json_t* body = json_loads(json_string_value(json_object_get(last, "body")), 0, NULL);
  ck_assert_ptr_nonnull(body);
  const json_t* msgs = json_object_get(body, "messages");
  const char* user = NULL;
  for (size_t i = 0; i < json_array_size(msgs); ++i) {
    const json_t* msg = json_array_get(msgs, i);
    if (!strcmp(json_string_value(json_object_get(msg, "role")), "user")) {
      user = json_string_value(json_object_get(msg, "content"));
    }
  }
  ck_assert_ptr_nonnull(user);
  json_t* ctx = json_loads(user, 0, NULL);
  const json_t* track = json_object_get(ctx, "track");
  ck_assert_str_eq(json_string_value(json_object_get(track, "genre")), "funk");
  ck_assert_str_eq(json_string_value(json_object_get(track, "section")), "chorus");
  const json_t* onsets = json_object_get(track, "onsets_last_2_bars_16ths");
  ck_assert_str_eq(json_string_value(json_array_get(json_object_get(onsets, "kick"), 1)),
                   "x.......x.......");
  ck_assert_str_eq(json_string_value(json_array_get(json_object_get(onsets, "snare"), 1)),
                   "....x.......x...");
  ck_assert_str_eq(json_string_value(json_array_get(json_object_get(onsets, "hat"), 1)),
                   "..x...x...x...x.");
  json_decref(ctx);
  json_decref(body);
  json_decref(last);
  free(out);
  fixture_free(f);
}
END_TEST

START_TEST(test_work_cleanup_during_a_request_returns_within_200_ms)
{
  Fixture* f = fixture("slow10000");
  send_request(f, "take your time", 3);
  while (tandem_llm_requests_made(f->lw.client) == 0) {
    usleep(5000);
  }
  usleep(200000);
  const double t0 = now_ms();
  tandem_llm_work_cleanup(&f->lw);
  const double took = now_ms() - t0;
  ck_assert_msg(took < 200.0, "cleanup took %.1f ms", took);
  tandem_ring_free(f->ring);
  free(f);
}
END_TEST

START_TEST(test_work_rejects_malformed_messages)
{
  Fixture* f = fixture(NULL);
  TandemLlmRequestMsg m;
  memset(&m, 0, sizeof(m));
  m.type = TANDEM_MSG_LLM_REQUEST;
  ck_assert_int_eq(
      tandem_llm_work_do(&f->lw, collect, &f->replies, sizeof(m) - 1, &m, NULL, NULL),
      LV2_WORKER_ERR_UNKNOWN);
  m.bars = 0; /* out of range */
  ck_assert_int_eq(
      tandem_llm_work_do(&f->lw, collect, &f->replies, sizeof(m), &m, NULL, NULL),
      LV2_WORKER_ERR_UNKNOWN);
  const uint32_t other = TANDEM_MSG_GENERATE;
  ck_assert(!tandem_llm_work_handles(other));
  ck_assert(tandem_llm_work_handles(TANDEM_MSG_LLM_BAR));
  fixture_free(f);
}
END_TEST

static Suite* suite(void)
{
  Suite* s = suite_create("llm_work");
  TCase* tc = tcase_create("server");
  tcase_add_unchecked_fixture(tc, server_up, server_down);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_work_applies_modifiers_locally_without_a_model);
  tcase_add_test(tc, test_work_unknown_text_without_a_model_says_it_needs_one);
  tcase_add_test(tc, test_work_model_pattern_reaches_the_ring_with_the_bar_serial);
  tcase_add_test(tc, test_work_alternative_steps_through_the_kept_alternatives);
  tcase_add_test(tc, test_work_failed_model_reports_fallback_and_writes_nothing);
  tcase_add_test(tc, test_work_config_message_switches_the_model_on_and_off);
  tcase_add_test(tc, test_work_cleanup_during_a_request_returns_within_200_ms);
  tcase_add_test(tc, test_fallbacks_parse_lines_in_order_and_name_a_bad_line);
  tcase_add_test(tc, test_work_fallback_endpoint_answers_when_the_first_fails);
  tcase_add_test(tc, test_work_config_message_changes_only_the_fields_it_names);
  tcase_add_test(tc, test_work_settings_start_as_runs_and_bad_values_fall_back_to_them);
  tcase_add_test(tc, test_work_freewheel_request_applies_modifiers_and_asks_no_model);
  tcase_add_test(tc, test_work_request_grounds_the_prompt_in_bands_genre_and_section);
  tcase_add_test(tc, test_work_rejects_malformed_messages);
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
