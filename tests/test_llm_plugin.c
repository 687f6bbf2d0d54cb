/* Tandem — plain-language requests and the language model through the built
 * plugin, loaded with lilv: the prompt and llm_* properties, the llm_status port,
 * status texts, alternatives, and cleanup while a request is in flight.  The
 * model is the loopback test server. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <lilv/lilv.h>
#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/midi/midi.h>
#include <lv2/patch/patch.h>
#include <lv2/state/state.h>
#include <lv2/time/time.h>

#include "lv2_test_host.h"
#include "test_llm_server.h"

#define PLUGIN_URI       "urn:tandem:plugin"
#define NS               "urn:tandem:plugin#"
#define RATE             48000.0
#define BLOCK            512u
#define CONTROL_CAPACITY 8192u
#define NOTIFY_CAPACITY  65536u
#define FAKE_KEY         "sk-test-FAKEKEY-plugin-42"
#define BAR_FRAMES       96000 /* 4/4 at 120 bpm */
#define MARKER_PITCH     81    /* the test server's "marker" part; never built in */
#define MAX_NOTES        8192

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
  char status[512];  /* the last status text seen on notify */
  char seen[8192];   /* every status text seen, one per line */
  char prompt[256];  /* the last prompt property seen on notify */
  int64_t frame_pos; /* frames run so far */
  /* note-ons seen: absolute frame and pitch */
  int64_t note_frame[MAX_NOTES];
  uint8_t note_pitch[MAX_NOTES];
  int n_notes;
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
  const LV2_URID prompt = urid(NS "prompt");
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
        ((const LV2_Atom_URID*)property)->body == prompt &&
        value->type == urid(LV2_ATOM__String)) {
      snprintf(r->prompt, sizeof(r->prompt), "%s", (const char*)LV2_ATOM_BODY_CONST(value));
    }
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

/* Remembers the note-ons on notify with their absolute frames. */
static void read_notes(Rig* r)
{
  const LV2_URID midi = urid(LV2_MIDI__MidiEvent);
  LV2_ATOM_SEQUENCE_FOREACH (r->notify, ev) {
    const uint8_t* msg = (const uint8_t*)LV2_ATOM_BODY_CONST(&ev->body);
    if (ev->body.type == midi && ev->body.size == 3 && (msg[0] & 0xF0) == 0x90 &&
        msg[2] > 0 && r->n_notes < MAX_NOTES) {
      r->note_frame[r->n_notes] = r->frame_pos + ev->time.frames;
      r->note_pitch[r->n_notes] = msg[1];
      ++r->n_notes;
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
  read_notes(r);
  r->frame_pos += BLOCK;
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

/* A rolling host transport at 120 bpm in 4/4 from the start of bar `bar`, in the
 * next cycle (the plugin runs the transport on from there itself). */
static void send_position(Rig* r, int64_t bar)
{
  begin(r);
  ck_assert(lvth_forge_position(world, &r->forge, RATE, 120.0, bar));
  end(r);
  r->frame_pos = bar * BAR_FRAMES;
}

/* The first note of pitch at or after frame `from`, or -1. */
static int64_t first_note(const Rig* r, uint8_t pitch, int64_t from)
{
  for (int i = 0; i < r->n_notes; ++i) {
    if (r->note_pitch[i] == pitch && r->note_frame[i] >= from) {
      return r->note_frame[i];
    }
  }
  return -1;
}

/* The user part of the last request the server saw (malloc'd), or NULL. */
static char* last_user_part(void)
{
  char* out = malloc(65536);
  ck_assert_ptr_nonnull(out);
  ck_assert(test_llm_server_call(&server, "/last", NULL, out));
  json_t* last = json_loads(out, 0, NULL);
  json_t* body = json_loads(json_string_value(json_object_get(last, "body")), 0, NULL);
  char* user = NULL;
  const json_t* msgs = json_object_get(body, "messages");
  for (size_t i = 0; i < json_array_size(msgs); ++i) {
    const json_t* m = json_array_get(msgs, i);
    const char* role = json_string_value(json_object_get(m, "role"));
    if (role && !strcmp(role, "user") &&
        json_string_value(json_object_get(m, "content"))) {
      free(user);
      user = strdup(json_string_value(json_object_get(m, "content")));
    }
  }
  json_decref(body);
  json_decref(last);
  free(out);
  return user;
}

/* What a window sees of the model's alternatives: asks for the feed (patch:Get of
 * uiFeed) and returns the confidences (percent) of the first UiPlay, or -1. */
static int ui_alternatives(Rig* r, int32_t* percent, int max)
{
  begin(r);
  LV2_Atom_Forge_Frame obj;
  ck_assert(lv2_atom_forge_frame_time(&r->forge, 0));
  ck_assert(lv2_atom_forge_object(&r->forge, &obj, 0, urid(LV2_PATCH__Get)));
  lv2_atom_forge_key(&r->forge, urid(LV2_PATCH__property));
  lv2_atom_forge_urid(&r->forge, urid(NS "uiFeed"));
  lv2_atom_forge_pop(&r->forge, &obj);
  end(r);
  for (int c = 0; c < 20; ++c) {
    r->notify->atom.type = urid(LV2_ATOM__Chunk);
    r->notify->atom.size = NOTIFY_CAPACITY;
    lvth_host_cycle(r->host, BLOCK);
    r->frame_pos += BLOCK;
    r->control->atom.type = urid(LV2_ATOM__Sequence);
    r->control->atom.size = sizeof(LV2_Atom_Sequence_Body);
    LV2_ATOM_SEQUENCE_FOREACH (r->notify, ev) {
      const LV2_Atom_Object* o = (const LV2_Atom_Object*)&ev->body;
      if (ev->body.type != urid(LV2_ATOM__Object) || o->body.otype != urid(NS "UiPlay")) {
        continue;
      }
      const LV2_Atom* alts = NULL;
      lv2_atom_object_get(o, urid(NS "alternatives"), &alts, 0);
      ck_assert_ptr_nonnull(alts);
      ck_assert_uint_eq(alts->type, urid(LV2_ATOM__Vector));
      const LV2_Atom_Vector* v = (const LV2_Atom_Vector*)alts;
      int n = (int)((v->atom.size - sizeof(LV2_Atom_Vector_Body)) / sizeof(int32_t));
      n = n < max ? n : max;
      memcpy(percent, v + 1, (size_t)n * sizeof(int32_t));
      return n;
    }
  }
  return -1;
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
  /* The window gets each alternative's confidence as the server gave it. */
  int32_t percent[4] = {-1, -1, -1, -1};
  ck_assert_int_eq(ui_alternatives(r, percent, 4), 3);
  ck_assert_int_eq(percent[0], 90);
  ck_assert_int_eq(percent[1], 70);
  ck_assert_int_eq(percent[2], 50);
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

START_TEST(test_plugin_fallback_list_answers_when_the_first_model_fails)
{
  setenv("TANDEM_API_KEY", FAKE_KEY, 1);
  Rig* r = rig_new();
  configure(r, "e500", "openai");
  char list[256];
  snprintf(list, sizeof(list),
           "# the local one next\nollama http://127.0.0.1:%d/ok fallback-model\n",
           server.port);
  begin(r);
  set_string(r, NS "llmFallbacks", list);
  end(r);
  for (int i = 0; i < 3; ++i) {
    cycle(r);
  }
  send_prompt(r, "a drum groove");
  const int st = run_until_answer(r, 10.0);
  ck_assert_msg(st == ST_OK, "llm_status %d, seen: %s", st, r->seen);
  ck_assert_msg(strstr(r->seen, "ollama fallback-model") != NULL, "seen: %s", r->seen);
  rig_free(r);
}
END_TEST

/* ---- state through lilv ---- */

static const void* get_port(const char* symbol, void* user_data, uint32_t* size,
                            uint32_t* type)
{
  Rig* r = user_data;
  LvthPortInfo info;
  for (uint32_t i = 0; lvth_host_port_info(r->host, i, &info); ++i) {
    if (info.is_control && info.is_input && !strcmp(info.symbol, symbol)) {
      *size = sizeof(float);
      *type = urid(LV2_ATOM__Float);
      return info.value;
    }
  }
  *size = 0;
  *type = 0;
  return NULL;
}

static char* saved_text(Rig* r, LilvState** state_out)
{
  LilvState* state = lilv_state_new_from_instance(
      lvth_world_plugin(world), r->instance, lvth_world_map(world), NULL, NULL, NULL,
      NULL, get_port, r, LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE,
      lvth_host_features(r->host));
  ck_assert_ptr_nonnull(state);
  char* text =
      lilv_state_to_string(lvth_world_lilv(world), lvth_world_map(world),
                           lvth_world_unmap(world), state, "urn:tandem:test-llm", NULL);
  ck_assert_ptr_nonnull(text);
  ck_assert_msg(strstr(text, FAKE_KEY) == NULL, "the API key is in the state:\n%s", text);
  *state_out = state;
  return text;
}

/* The lines of a saved state that hold the model's settings and memory. */
static void llm_lines(const char* text, char* out, size_t cap)
{
  out[0] = '\0';
  for (const char* p = strstr(text, NS "llm"); p; p = strstr(p + 1, NS "llm")) {
    const char* eol = strchr(p, '\n');
    const size_t len = eol ? (size_t)(eol - p) : strlen(p);
    const size_t have = strlen(out);
    if (have + len + 2 < cap) {
      memcpy(out + have, p, len);
      out[have + len] = '\n';
      out[have + len + 1] = '\0';
    }
  }
}

/* The model settings and the context memory survive save and restore: the
 * restored instance asks the same model with the same memory, and saves the same. */
START_TEST(test_plugin_model_settings_and_context_memory_round_trip_through_state)
{
  setenv("TANDEM_API_KEY", FAKE_KEY, 1);
  unsetenv("TANDEM_LLM_URL");
  Rig* a = rig_new();
  configure(a, "ok", "ollama");
  char list[256];
  snprintf(list, sizeof(list), "openai http://127.0.0.1:%d/ok/v1 spare-model",
           server.port);
  begin(a);
  set_string(a, NS "llmFallbacks", list);
  end(a);
  cycle(a);
  begin(a);
  set_float(a, NS "llmTemperature", 0.25f);
  end(a);
  cycle(a);
  begin(a);
  set_float(a, NS "llmMaxTokens", 1500.0f);
  end(a);
  cycle(a);
  send_prompt(a, "harder and darker");
  ck_assert_int_eq(run_until_answer(a, 10.0), ST_OK);
  send_prompt(a, "now a fill every fourth bar");
  ck_assert_int_eq(run_until_answer(a, 10.0), ST_OK);
  LilvState* state = NULL;
  char* text = saved_text(a, &state);
  char want[8192];
  llm_lines(text, want, sizeof(want));
  ck_assert_msg(strstr(want, "plugin-model") && strstr(want, "ollama") &&
                    strstr(want, "spare-model") && strstr(want, "harder and darker") &&
                    strstr(want, "llmTemperature") && strstr(want, "llmMaxTokens") &&
                    strstr(want, "llmTimeout"),
                "model settings or memory missing from the state:\n%s", text);
  lilv_free(text);

  Rig* b = rig_new();
  ck_assert_int_eq(llm_status(b), ST_OFF);
  lilv_state_restore(state, b->instance, NULL, NULL, 0, lvth_host_features(b->host));
  const LvthLogCounts* log = lvth_host_log(b->host);
  ck_assert_msg(log->warning == 0 && log->error == 0, "restore complained: %s",
                log->last);
  const long requests_before = test_llm_server_requests(&server);
  settle(b);
  /* The last prompt comes back as the property's text, and is not sent again. */
  ck_assert_str_eq(b->prompt, "now a fill every fourth bar");
  ck_assert_int_eq(test_llm_server_requests(&server), requests_before);
  LilvState* again = NULL;
  char* text_b = saved_text(b, &again);
  char got[8192];
  llm_lines(text_b, got, sizeof(got));
  ck_assert_str_eq(got, want);
  lilv_free(text_b);
  lilv_state_free(again);

  /* The restored instance uses them: same model, and the memory goes along. */
  send_prompt(b, "lighter");
  ck_assert_int_eq(run_until_answer(b, 10.0), ST_OK);
  ck_assert_msg(strstr(b->seen, "ollama plugin-model") != NULL, "seen: %s", b->seen);
  char* user = last_user_part();
  ck_assert_ptr_nonnull(user);
  ck_assert_msg(strstr(user, "now a fill every fourth bar") != NULL, "user part: %s",
                user);
  free(user);
  lilv_state_free(state);
  rig_free(a);
  rig_free(b);
}
END_TEST

/* Restoring a state from before the model settings (or without them) keeps the
 * environment's model; bad values fall back to defaults with a log line. */
START_TEST(test_plugin_restore_of_missing_or_bad_model_settings_falls_back_and_logs)
{
  setenv("TANDEM_API_KEY", FAKE_KEY, 1);
  char url[128];
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/ok/v1", server.port);
  setenv("TANDEM_LLM_URL", url, 1);
  setenv("TANDEM_LLM_MODEL", "env-model", 1);
  setenv("TANDEM_LLM_PROVIDER", "openai", 1);

  /* Format 2: no model keys at all. */
  LilvWorld* lw = lvth_world_lilv(world);
  const char* old_state =
      "@prefix lv2: <http://lv2plug.in/ns/lv2core#> .\n"
      "@prefix pset: <http://lv2plug.in/ns/ext/presets#> .\n"
      "@prefix state: <http://lv2plug.in/ns/ext/state#> .\n"
      "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
      "<urn:tandem:test-old> a pset:Preset ; lv2:appliesTo <urn:tandem:plugin> ;\n"
      "  state:state [ <urn:tandem:plugin#stateVersion> \"2\"^^xsd:int ] .\n";
  LilvState* old = lilv_state_new_from_string(lw, lvth_world_map(world), old_state);
  ck_assert_ptr_nonnull(old);
  Rig* r = rig_new();
  lilv_state_restore(old, r->instance, NULL, NULL, 0, lvth_host_features(r->host));
  ck_assert_uint_eq(lvth_host_log(r->host)->warning, 0);
  settle(r);
  send_prompt(r, "from the environment");
  ck_assert_int_eq(run_until_answer(r, 10.0), ST_OK);
  ck_assert_msg(strstr(r->seen, "env-model") != NULL, "seen: %s", r->seen);
  rig_free(r);
  lilv_state_free(old);

  /* Every model value of the wrong type, out of range or unparsable. */
  const char* bad_state =
      "@prefix lv2: <http://lv2plug.in/ns/lv2core#> .\n"
      "@prefix pset: <http://lv2plug.in/ns/ext/presets#> .\n"
      "@prefix state: <http://lv2plug.in/ns/ext/state#> .\n"
      "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
      "<urn:tandem:test-bad> a pset:Preset ; lv2:appliesTo <urn:tandem:plugin> ;\n"
      "  state:state [ <urn:tandem:plugin#stateVersion> \"3\"^^xsd:int ;\n"
      "    <urn:tandem:plugin#llmUrl> \"42\"^^xsd:int ;\n"
      "    <urn:tandem:plugin#llmProvider> \"carrier-pigeon\" ;\n"
      "    <urn:tandem:plugin#llmTimeout> \"-5.0\"^^xsd:float ;\n"
      "    <urn:tandem:plugin#llmTemperature> \"warm\" ;\n"
      "    <urn:tandem:plugin#llmMaxTokens> \"9999999\"^^xsd:int ;\n"
      "    <urn:tandem:plugin#llmFallbacks> \"gemini http://x\" ;\n"
      "    <urn:tandem:plugin#llmHistory> \"{not json\" ] .\n";
  LilvState* bad = lilv_state_new_from_string(lw, lvth_world_map(world), bad_state);
  ck_assert_ptr_nonnull(bad);
  r = rig_new();
  lilv_state_restore(bad, r->instance, NULL, NULL, 0, lvth_host_features(r->host));
  const LvthLogCounts* log = lvth_host_log(r->host);
  /* url, provider, timeout, temperature, max tokens, fallbacks, history */
  ck_assert_msg(log->warning >= 7, "only %u warnings; last: %s", log->warning, log->last);
  ck_assert_uint_eq(log->error, 0);
  settle(r);
  /* The saved settings replace the environment's: with no usable URL the model is
   * off, and the plugin still plays and answers. */
  ck_assert_int_eq(llm_status(r), ST_OFF);
  LilvState* again = NULL;
  char* text = saved_text(r, &again);
  ck_assert_msg(strstr(text, "llmTimeout> \"20") != NULL, "defaults not saved:\n%s",
                text);
  ck_assert_msg(strstr(text, "llmHistory") == NULL, "bad memory kept:\n%s", text);
  lilv_free(text);
  lilv_state_free(again);
  rig_free(r);
  lilv_state_free(bad);
  unsetenv("TANDEM_LLM_URL");
}
END_TEST

/* ---- freewheel and bar timing ---- */

/* Runs n cycles; with pace, in real time (so the model thread keeps up). */
static void run_cycles(Rig* r, int n, bool pace)
{
  for (int i = 0; i < n; ++i) {
    cycle(r);
    if (pace) {
      usleep((useconds_t)(BLOCK / RATE * 1e6));
    }
  }
}

/* A freewheel export with a model request in flight renders exactly what the
 * same export renders with no model; the reply, kept meanwhile, plays from the
 * first bar after the export. */
START_TEST(test_plugin_freewheel_export_ignores_a_reply_and_plays_it_after)
{
  setenv("TANDEM_API_KEY", FAKE_KEY, 1);
  unsetenv("TANDEM_LLM_URL");
  Rig* rigs[2] = {rig_new(), rig_new()}; /* 0: with a model, 1: without */
  for (int k = 0; k < 2; ++k) {
    Rig* r = rigs[k];
    if (k == 0) {
      configure(r, "marker300", "openai");
    } else {
      settle(r);
      run_cycles(r, 3, false);
    }
    send_position(r, 0);
    run_cycles(r, 200, false);
    send_prompt(r, "something new");
    /* The export starts: freewheel port on, the host runs work() inline. */
    *lvth_host_control(r->host, "free_wheeling") = 1.0f;
    lvth_host_set_worker_inline(r->host, true);
    r->n_notes = 0;
  }
  ck_assert_int_eq(llm_status(rigs[0]), ST_WAITING);
  for (int part = 0; part < 4; ++part) {
    for (int k = 0; k < 2; ++k) {
      run_cycles(rigs[k], 375, false); /* 2 bars */
    }
    usleep(250000); /* the reply arrives during the export */
  }
  ck_assert_int_gt(rigs[0]->n_notes, 16);
  ck_assert_int_eq(rigs[0]->n_notes, rigs[1]->n_notes);
  for (int i = 0; i < rigs[0]->n_notes; ++i) {
    ck_assert_msg(rigs[0]->note_frame[i] == rigs[1]->note_frame[i] &&
                      rigs[0]->note_pitch[i] == rigs[1]->note_pitch[i],
                  "note %d differs: %lld/%u against %lld/%u", i,
                  (long long)rigs[0]->note_frame[i], rigs[0]->note_pitch[i],
                  (long long)rigs[1]->note_frame[i], rigs[1]->note_pitch[i]);
  }
  ck_assert_int_eq(first_note(rigs[0], MARKER_PITCH, 0), -1);

  /* The export ends: the kept reply plays from the next bar line on. */
  Rig* a = rigs[0];
  *lvth_host_control(a->host, "free_wheeling") = 0.0f;
  lvth_host_set_worker_inline(a->host, false);
  const int64_t end_frame = a->frame_pos;
  run_cycles(a, 400, true);
  const int64_t marker = first_note(a, MARKER_PITCH, end_frame);
  const int64_t next_bar = (end_frame + BAR_FRAMES - 1) / BAR_FRAMES * BAR_FRAMES;
  ck_assert_msg(marker >= 0, "the reply did not play after the export; seen: %s",
                a->seen);
  ck_assert_msg(marker <= next_bar + BAR_FRAMES,
                "the reply played at frame %lld, the export ended at %lld",
                (long long)marker, (long long)end_frame);
  rig_free(rigs[0]);
  rig_free(rigs[1]);
}
END_TEST

/* The model's part starts at the first bar line after run() has it, not a bar
 * later.  run() has it in the block before the one whose llm_status shows ok
 * (the worker's response arrives after that block's run()). */
START_TEST(test_plugin_model_reply_plays_from_the_next_bar_line)
{
  setenv("TANDEM_API_KEY", FAKE_KEY, 1);
  unsetenv("TANDEM_LLM_URL");
  for (int trial = 0; trial < 3; ++trial) {
    Rig* r = rig_new();
    configure(r, "marker", "openai");
    send_position(r, 0);
    run_cycles(r, 100 + 61 * trial, false); /* the request lands at another phase */
    send_prompt(r, "mark the downbeats");
    int64_t ok_block = -1;
    for (int i = 0; i < 2000 && ok_block < 0; ++i) {
      const int64_t block_start = r->frame_pos;
      cycle(r);
      if (llm_status(r) == ST_OK) {
        ok_block = block_start;
      }
      usleep((useconds_t)(BLOCK / RATE * 1e6));
    }
    ck_assert_msg(ok_block >= 0, "no reply; seen: %s", r->seen);
    const int64_t in_run = ok_block - BLOCK; /* when take_patterns could have it */
    run_cycles(r, 2 * BAR_FRAMES / BLOCK + 2, false);
    const int64_t bar_line = (in_run + BAR_FRAMES - 1) / BAR_FRAMES * BAR_FRAMES;
    const int64_t marker = first_note(r, MARKER_PITCH, 0);
    ck_assert_msg(marker >= 0, "the model's part never played");
    ck_assert_msg(marker == bar_line,
                  "trial %d: run() had the reply at frame %lld; it played at %lld, "
                  "the next bar line is %lld",
                  trial, (long long)in_run, (long long)marker, (long long)bar_line);
    rig_free(r);
  }
}
END_TEST

/* A drum loop at 120 bpm: a low thump on beats 1 and 3 and a short bright tick on
 * every off-beat 8th.  Deterministic noise (xorshift). */
static float drum_loop(int64_t frame, uint32_t* rng)
{
  const int64_t beat = (int64_t)(RATE / 2); /* 24000 frames */
  const int64_t in_beat = frame % beat;
  const int64_t beat_no = (frame / beat) % 4;
  *rng ^= *rng << 13;
  *rng ^= *rng >> 17;
  *rng ^= *rng << 5;
  const float noise = (float)(*rng & 0xFFFF) / 32768.0f - 1.0f;
  const double t = (double)in_beat / RATE;
  float v = 0.0f;
  if (beat_no % 2 == 0) {
    v += 0.9f * (float)(sin(2.0 * M_PI * 55.0 * t) * exp(-t / 0.08));
  }
  const int64_t half = beat / 2;
  if (in_beat >= half) {
    const double th = (double)(in_beat - half) / RATE;
    v += 0.3f * noise * (float)exp(-th / 0.01) * (float)sin(2.0 * M_PI * 9000.0 * th);
  }
  return v;
}

/* The 16-step string of band b in bar i (0 older, 1 newer) of the onsets object. */
static const char* steps_of(const json_t* onsets, const char* band, size_t i)
{
  const char* s = json_string_value(json_array_get(json_object_get(onsets, band), i));
  ck_assert_msg(s && strlen(s) == 16, "band %s bar %zu is not 16 steps", band, i);
  return s;
}

/* What the plugin hears goes to the model: per class, the onsets of the last two
 * whole bars on the 16th grid, each where it was played. */
START_TEST(test_plugin_prompt_carries_the_heard_onsets_per_class)
{
  setenv("TANDEM_API_KEY", FAKE_KEY, 1);
  unsetenv("TANDEM_LLM_URL");
  Rig* r = rig_new();
  configure(r, "ok", "openai");
  send_position(r, 0);
  uint32_t rng = 12345u;
  for (int i = 0; i < 4 * BAR_FRAMES / (int)BLOCK; ++i) {
    for (uint32_t k = 0; k < BLOCK; ++k) {
      r->in[k] = drum_loop(r->frame_pos + k, &rng);
    }
    cycle(r);
  }
  memset(r->in, 0, BLOCK * sizeof(float));
  send_prompt(r, "answer the drums");
  ck_assert_int_eq(run_until_answer(r, 10.0), ST_OK);
  char* user = last_user_part();
  ck_assert_ptr_nonnull(user);
  json_t* ctx = json_loads(user, 0, NULL);
  const json_t* onsets =
      json_object_get(json_object_get(ctx, "track"), "onsets_last_2_bars_16ths");
  ck_assert_ptr_nonnull(onsets);
  if (getenv("TANDEM_TEST_VERBOSE")) {
    char* text = json_dumps(onsets, JSON_COMPACT);
    fprintf(stderr, "onsets: %s\n", text);
    free(text);
  }
  for (size_t i = 0; i < 2; ++i) {
    const char* kick = steps_of(onsets, "kick", i);
    const char* hat = steps_of(onsets, "hat", i);
    for (int k = 0; k < 16; k += 2) {
      const bool thump = k % 8 == 0;
      const bool tick = k % 4 == 2;
      ck_assert_msg(!thump || kick[k] == 'x', "bar %zu: kick %s misses step %d", i, kick,
                    k);
      ck_assert_msg(!tick || (hat[k] == 'x' && kick[k] == '.'),
                    "bar %zu: the tick at step %d is not a hat alone (kick %s, hat %s)",
                    i, k, kick, hat);
    }
  }
  json_decref(ctx);
  free(user);
  rig_free(r);
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
  tcase_add_test(tc, test_plugin_fallback_list_answers_when_the_first_model_fails);
  tcase_add_test(tc,
                 test_plugin_model_settings_and_context_memory_round_trip_through_state);
  tcase_add_test(
      tc, test_plugin_restore_of_missing_or_bad_model_settings_falls_back_and_logs);
  tcase_add_test(tc, test_plugin_freewheel_export_ignores_a_reply_and_plays_it_after);
  tcase_add_test(tc, test_plugin_model_reply_plays_from_the_next_bar_line);
  tcase_add_test(tc, test_plugin_prompt_carries_the_heard_onsets_per_class);
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
