/* Integration tests for the plugin state, like/dislike learning and MIDI export,
 * through lilv with the built bundle (LV2_PATH=build).
 *
 * A reloaded session must play the same part with no regeneration; restore must
 * survive every corrupt value; like, reset_learning and export act through the
 * worker and show in the saved state or on disk.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lilv/lilv.h>
#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/midi/midi.h>
#include <lv2/patch/patch.h>
#include <lv2/state/state.h>
#include <lv2/time/time.h>

#include "lv2_test_host.h"
#include "state.h"
#include "uris.h"

#define PLUGIN_URI       "urn:tandem:plugin"
#define BLOCK            512u
#define RATE             48000.0
#define NOTIFY_CAPACITY  65536u
#define CONTROL_CAPACITY 8192u
#define MAX_NOTES        4096

enum { PORT_CONTROL = 2, PORT_NOTIFY = 3 };

static LvthWorld* world;

typedef struct {
  LvthHost* host;
  LilvInstance* instance;
  LV2_Atom_Sequence* control;
  LV2_Atom_Sequence* notify;
  LV2_Atom_Forge forge;
  LV2_Atom_Forge_Frame frame;
  bool control_open;
  int64_t frame_pos;
  /* note-ons seen since the last rig_clear_notes: absolute frame, pitch */
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
  ck_assert_msg(world != NULL, "the plugin was not found; is LV2_PATH set?");
  Rig* rig = calloc(1, sizeof(Rig));
  ck_assert_ptr_nonnull(rig);
  rig->host = lvth_host_new(world, RATE, BLOCK, LVTH_FEATURES_ALL);
  rig->instance = lvth_host_instance(rig->host);
  ck_assert_ptr_nonnull(rig->instance);
  rig->control = calloc(1, CONTROL_CAPACITY);
  rig->notify = calloc(1, NOTIFY_CAPACITY);
  ck_assert(lvth_host_connect_all(rig->host, 4096));
  lilv_instance_connect_port(rig->instance, PORT_CONTROL, rig->control);
  lilv_instance_connect_port(rig->instance, PORT_NOTIFY, rig->notify);
  rig->control->atom.type = urid(LV2_ATOM__Sequence);
  rig->control->atom.size = sizeof(LV2_Atom_Sequence_Body);
  lv2_atom_forge_init(&rig->forge, lvth_world_map(world));
  return rig;
}

static void rig_free(Rig* rig)
{
  lilv_instance_deactivate(rig->instance);
  lvth_host_free(rig->host);
  free(rig->control);
  free(rig->notify);
  free(rig);
}

static void set_control(Rig* rig, const char* symbol, float value)
{
  float* v = lvth_host_control(rig->host, symbol);
  ck_assert_msg(v != NULL, "no control port '%s'", symbol);
  *v = value;
}

static void control_begin(Rig* rig)
{
  if (!rig->control_open) {
    lv2_atom_forge_set_buffer(&rig->forge, (uint8_t*)rig->control, CONTROL_CAPACITY);
    ck_assert(lv2_atom_forge_sequence_head(&rig->forge, &rig->frame, 0));
    rig->control_open = true;
  }
}

/* A rolling transport at 120 bpm in 4/4, at the start of bar `bar`. */
static void send_position(Rig* rig, int64_t bar)
{
  control_begin(rig);
  ck_assert(lvth_forge_position(world, &rig->forge, RATE, 120.0, bar));
}

static void send_path(Rig* rig, const char* property, const char* path)
{
  control_begin(rig);
  ck_assert(lvth_forge_set_path(world, &rig->forge, property, path));
}

/* One cycle, then the worker, as a host's worker thread between cycles. */
static void cycle(Rig* rig)
{
  if (rig->control_open) {
    lv2_atom_forge_pop(&rig->forge, &rig->frame);
    rig->control_open = false;
  }
  rig->notify->atom.type = urid(LV2_ATOM__Chunk);
  rig->notify->atom.size = NOTIFY_CAPACITY;
  lvth_host_cycle(rig->host, BLOCK);
  lvth_host_run_worker(rig->host);
  const LV2_URID midi = urid(LV2_MIDI__MidiEvent);
  LV2_ATOM_SEQUENCE_FOREACH (rig->notify, ev) {
    const uint8_t* msg = (const uint8_t*)LV2_ATOM_BODY_CONST(&ev->body);
    if (ev->body.type == midi && ev->body.size == 3 && (msg[0] & 0xF0) == 0x90 &&
        msg[2] > 0 && rig->n_notes < MAX_NOTES) {
      rig->note_frame[rig->n_notes] = rig->frame_pos + ev->time.frames;
      rig->note_pitch[rig->n_notes] = msg[1];
      ++rig->n_notes;
    }
  }
  rig->frame_pos += BLOCK;
  rig->control->atom.type = urid(LV2_ATOM__Sequence);
  rig->control->atom.size = sizeof(LV2_Atom_Sequence_Body);
}

static void cycles(Rig* rig, int n)
{
  for (int i = 0; i < n; ++i) {
    cycle(rig);
  }
}

/* Presses a trigger port for one cycle. */
static void press(Rig* rig, const char* symbol)
{
  set_control(rig, symbol, 1.0f);
  cycle(rig);
  set_control(rig, symbol, 0.0f);
  cycle(rig);
}

static void clear_notes(Rig* rig)
{
  rig->n_notes = 0;
  rig->frame_pos = 0;
}

/* ---- port values for lilv state ---- */

static const void* get_port(const char* symbol, void* user_data, uint32_t* size,
                            uint32_t* type)
{
  Rig* rig = user_data;
  const float* v = lvth_host_control(rig->host, symbol);
  LvthPortInfo info;
  bool input = false;
  for (uint32_t i = 0; lvth_host_port_info(rig->host, i, &info); ++i) {
    if (info.is_control && info.is_input && !strcmp(info.symbol, symbol)) {
      input = true;
    }
  }
  if (!v || !input) {
    *size = 0;
    *type = 0;
    return NULL;
  }
  *size = sizeof(float);
  *type = urid(LV2_ATOM__Float);
  return v;
}

static void set_port(const char* symbol, void* user_data, const void* value,
                     uint32_t size, uint32_t type)
{
  Rig* rig = user_data;
  float* v = lvth_host_control(rig->host, symbol);
  if (v && size == sizeof(float) && type == urid(LV2_ATOM__Float)) {
    memcpy(v, value, sizeof(float));
  }
}

static LilvState* save_state(Rig* rig)
{
  LilvState* state = lilv_state_new_from_instance(
      lvth_world_plugin(world), rig->instance, lvth_world_map(world), NULL, NULL, NULL,
      NULL, get_port, rig, LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE,
      lvth_host_features(rig->host));
  ck_assert_ptr_nonnull(state);
  return state;
}

static char* state_text(LilvState* state)
{
  char* text =
      lilv_state_to_string(lvth_world_lilv(world), lvth_world_map(world),
                           lvth_world_unmap(world), state, "urn:tandem:test-state", NULL);
  ck_assert_ptr_nonnull(text);
  return text;
}

static void restore(Rig* rig, LilvState* state)
{
  lilv_state_restore(state, rig->instance, set_port, rig, 0,
                     lvth_host_features(rig->host));
}

/* A bass part that the controls alone cannot give back: regenerate was pressed,
 * which changes the seed the worker uses. */
static Rig* rig_with_a_part(void)
{
  Rig* a = rig_new();
  set_control(a, "role", 1.0f);
  set_control(a, "style", 2.0f);
  set_control(a, "seed", 5.0f);
  lilv_instance_activate(a->instance);
  send_position(a, 0);
  cycles(a, 200);
  press(a, "regenerate");
  cycles(a, 800); /* past the next bar lines */
  return a;
}

/* Plays 4 bars from bar 0 and keeps the note-ons. */
static void play_from_bar_0(Rig* rig)
{
  clear_notes(rig);
  send_position(rig, 0);
  cycles(rig, 750); /* 4 bars at 120 bpm = 192000 frames */
}

/* True if b played exactly a's notes: same frames, same pitches.  The restored
 * part must also play in the same bars (the saved phase), not only the same
 * pattern. */
static bool same_part(const Rig* a, const Rig* b)
{
  if (a->n_notes != b->n_notes || a->n_notes == 0) {
    return false;
  }
  for (int i = 0; i < a->n_notes; ++i) {
    if (a->note_frame[i] != b->note_frame[i] || a->note_pitch[i] != b->note_pitch[i]) {
      return false;
    }
  }
  return true;
}

static void assert_same_notes(const Rig* a, const Rig* b)
{
  ck_assert_int_gt(a->n_notes, 8);
  if (getenv("TANDEM_TEST_VERBOSE")) {
    for (int i = 0; i < a->n_notes || i < b->n_notes; ++i) {
      fprintf(stderr, "%3d: %8lld %3u | %8lld %3u\n", i,
              i < a->n_notes ? (long long)a->note_frame[i] : -1LL,
              i < a->n_notes ? a->note_pitch[i] : 0u,
              i < b->n_notes ? (long long)b->note_frame[i] : -1LL,
              i < b->n_notes ? b->note_pitch[i] : 0u);
    }
  }
  ck_assert_msg(same_part(a, b),
                "the restored instance plays another part (%d vs %d "
                "notes; TANDEM_TEST_VERBOSE=1 lists them)",
                a->n_notes, b->n_notes);
}

START_TEST(test_restored_session_plays_the_same_part_without_regenerating)
{
  Rig* a = rig_with_a_part();
  play_from_bar_0(a);
  LilvState* state = save_state(a);

  /* Straight from the instance. */
  Rig* b = rig_new();
  restore(b, state);
  lilv_instance_activate(b->instance);
  play_from_bar_0(b);
  assert_same_notes(a, b);
  const LvthLogCounts* log = lvth_host_log(b->host);
  ck_assert_msg(log->warning == 0 && log->error == 0, "restore complained: %s",
                log->last);

  /* A control that shapes the part still makes a new one. */
  set_control(b, "seed", 6.0f);
  play_from_bar_0(b);
  play_from_bar_0(b);
  ck_assert_msg(!same_part(a, b), "a new seed after restore did not change the part");
  rig_free(b);

  /* Through a state file. */
  char dir[] = "/tmp/tandem-test-state-XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(dir));
  ck_assert_int_eq(lilv_state_save(lvth_world_lilv(world), lvth_world_map(world),
                                   lvth_world_unmap(world), state,
                                   "urn:tandem:test-saved", dir, "state.ttl"),
                   0);
  char path[256];
  snprintf(path, sizeof(path), "%s/state.ttl", dir);
  /* Without a subject lilv would look for the file's own URI. */
  LilvNode* subject = lilv_new_uri(lvth_world_lilv(world), "urn:tandem:test-saved");
  LilvState* loaded = lilv_state_new_from_file(lvth_world_lilv(world),
                                               lvth_world_map(world), subject, path);
  lilv_node_free(subject);
  ck_assert_ptr_nonnull(loaded);
  Rig* c = rig_new();
  restore(c, loaded);
  lilv_instance_activate(c->instance);
  play_from_bar_0(c);
  assert_same_notes(a, c);
  rig_free(c);
  lilv_state_free(loaded);
  char cmd[300];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  ck_assert_int_eq(system(cmd), 0);

  lilv_state_free(state);
  rig_free(a);
}
END_TEST

START_TEST(test_like_and_reset_learning_are_saved_in_state)
{
  Rig* a = rig_with_a_part();
  press(a, "like");
  press(a, "like");
  press(a, "dislike");
  LilvState* state = save_state(a);
  char* text = state_text(state);
  ck_assert_msg(strstr(text, "bass 2 1 ") != NULL, "no learned bass likes in:\n%s", text);
  lilv_free(text);

  /* The learning comes back with the state ... */
  Rig* b = rig_new();
  restore(b, state);
  lilv_instance_activate(b->instance);
  cycles(b, 4);
  LilvState* again = save_state(b);
  text = state_text(again);
  ck_assert_msg(strstr(text, "bass 2 1 ") != NULL, "learning lost on restore:\n%s", text);
  lilv_free(text);
  lilv_state_free(again);

  /* ... and reset_learning forgets it. */
  press(b, "reset_learning");
  again = save_state(b);
  text = state_text(again);
  ck_assert_msg(strstr(text, "bass 0 0 ") != NULL, "reset did not forget:\n%s", text);
  lilv_free(text);
  lilv_state_free(again);
  lilv_state_free(state);
  rig_free(b);
  rig_free(a);
}
END_TEST

/* ---- Corrupt state: restore is called with hand-made values ---- */

typedef struct {
  LV2_URID key;
  LV2_URID type;
  const void* value;
  size_t size;
} Item;

typedef struct {
  Item items[8];
  int n;
} Store;

static const void* retrieve_item(LV2_State_Handle handle, uint32_t key, size_t* size,
                                 uint32_t* type, uint32_t* flags)
{
  const Store* s = handle;
  for (int i = 0; i < s->n; ++i) {
    if (s->items[i].key == key) {
      *size = s->items[i].size;
      *type = s->items[i].type;
      *flags = LV2_STATE_IS_POD;
      return s->items[i].value;
    }
  }
  return NULL;
}

static void add_item(Store* s, const char* key, const char* type, const void* value,
                     size_t size)
{
  s->items[s->n++] = (Item){urid(key), urid(type), value, size};
}

/* Restores a store into a fresh instance with the given features, then checks the
 * instance still makes and plays a part, and that the log said something when it
 * should have. */
static void restore_store(const Store* s, bool expect_log, bool with_features)
{
  Rig* rig = rig_new();
  set_control(rig, "role", 0.0f);
  const LV2_State_Interface* iface =
      (const LV2_State_Interface*)lilv_instance_get_extension_data(rig->instance,
                                                                   LV2_STATE__interface);
  ck_assert_ptr_nonnull(iface);
  const LV2_Feature* none[] = {NULL};
  ck_assert_int_eq(iface->restore(lilv_instance_get_handle(rig->instance), retrieve_item,
                                  (LV2_State_Handle)s, 0,
                                  with_features ? lvth_host_features(rig->host) : none),
                   LV2_STATE_SUCCESS);
  const LvthLogCounts* log = lvth_host_log(rig->host);
  if (expect_log) {
    ck_assert_msg(log->warning + log->note > 0, "restore of a bad value logged nothing");
  }
  ck_assert_uint_eq(log->error, 0);
  lilv_instance_activate(rig->instance);
  send_position(rig, 0);
  cycles(rig, 400);
  ck_assert_msg(rig->n_notes > 0, "no part played after restoring bad state");
  rig_free(rig);
}

START_TEST(test_restore_survives_every_corrupt_value_and_falls_back_to_defaults)
{
  const char* V = TANDEM__stateVersion;
  const char* P = TANDEM_STATE__pattern;
  const char* F = TANDEM_STATE__feedback;
  const char* S = TANDEM__styleFile;
  const int32_t v2 = TANDEM_STATE_VERSION;
  const int32_t v1 = 1;
  const int32_t v99 = 99;
  const float f = 2.0f;
  static const uint8_t junk[64] = {1, 2, 3, 4, 5};

  /* A valid pattern, to corrupt in ways a decoder must notice. */
  TandemPattern* p = calloc(1, sizeof(TandemPattern));
  tandem_pattern_init(p, TANDEM_ROLE_DRUMS, 1, 4, 4);
  const TandemNote n = {.tick = 0,
                        .length = 10,
                        .kind = TANDEM_PITCH_ABSOLUTE,
                        .pitch = 36,
                        .velocity = 100};
  ck_assert(tandem_pattern_add(p, &n));
  uint8_t good[64];
  const size_t good_size = tandem_state_pattern_encode(p, good, sizeof(good));
  ck_assert_uint_gt(good_size, 0);
  uint8_t bad_tick[64];
  memcpy(bad_tick, good, good_size);
  bad_tick[32 + 3] = 0x7F; /* a tick far past the pattern's end */
  uint8_t many[64];
  memcpy(many, good, good_size);
  many[8] = 200; /* claims 200 notes */

  struct {
    const char* name;
    Store store;
    bool logs;
  } cases[] = {
      {"no keys at all", {.n = 0}, true},
      {"version of the wrong type", {.n = 0}, true},
      {"version of the wrong size", {.n = 0}, true},
      {"newer version", {.n = 0}, true},
      {"older version", {.n = 0}, true},
      {"pattern of the wrong type", {.n = 0}, true},
      {"pattern truncated", {.n = 0}, true},
      {"pattern with a wrong tag", {.n = 0}, true},
      {"pattern claiming more notes than it has", {.n = 0}, true},
      {"pattern with a note past its end", {.n = 0}, true},
      {"feedback of the wrong type", {.n = 0}, true},
      {"feedback without its NUL", {.n = 0}, true},
      {"feedback that does not parse", {.n = 0}, true},
      {"style file of the wrong type", {.n = 0}, true},
      {"style file that does not exist", {.n = 0}, true},
      {"unknown keys only", {.n = 0}, true},
      {"pattern phase outside the pattern", {.n = 0}, true},
      {"pattern phase of the wrong type", {.n = 0}, true},
      {"model timeout of the wrong type", {.n = 0}, true},
      {"model max tokens out of range", {.n = 0}, true},
      {"model provider unknown", {.n = 0}, true},
      {"model fallbacks that do not parse", {.n = 0}, true},
      {"context memory that does not parse", {.n = 0}, true},
      {"context memory of the wrong type", {.n = 0}, true},
      {"feel that does not parse", {.n = 0}, true},
      {"feel out of range", {.n = 0}, true},
  };
  int c = 0;
  c++; /* no keys at all */
  add_item(&cases[c++].store, V, LV2_ATOM__Float, &f, sizeof(f));
  add_item(&cases[c++].store, V, LV2_ATOM__Int, &v2, 2);
  add_item(&cases[c++].store, V, LV2_ATOM__Int, &v99, sizeof(v99));
  add_item(&cases[c++].store, V, LV2_ATOM__Int, &v1, sizeof(v1));
  add_item(&cases[c].store, V, LV2_ATOM__Int, &v2, sizeof(v2));
  add_item(&cases[c++].store, P, LV2_ATOM__String, "pattern", 8);
  add_item(&cases[c].store, V, LV2_ATOM__Int, &v2, sizeof(v2));
  add_item(&cases[c++].store, P, LV2_ATOM__Chunk, good, good_size - 5);
  add_item(&cases[c].store, V, LV2_ATOM__Int, &v2, sizeof(v2));
  add_item(&cases[c++].store, P, LV2_ATOM__Chunk, junk, sizeof(junk));
  add_item(&cases[c].store, V, LV2_ATOM__Int, &v2, sizeof(v2));
  add_item(&cases[c++].store, P, LV2_ATOM__Chunk, many, good_size);
  add_item(&cases[c].store, V, LV2_ATOM__Int, &v2, sizeof(v2));
  add_item(&cases[c++].store, P, LV2_ATOM__Chunk, bad_tick, good_size);
  add_item(&cases[c].store, V, LV2_ATOM__Int, &v2, sizeof(v2));
  add_item(&cases[c++].store, F, LV2_ATOM__Int, &v2, sizeof(v2));
  add_item(&cases[c].store, V, LV2_ATOM__Int, &v2, sizeof(v2));
  add_item(&cases[c++].store, F, LV2_ATOM__String, "tandem-feedback 1", 17);
  add_item(&cases[c].store, V, LV2_ATOM__Int, &v2, sizeof(v2));
  add_item(&cases[c++].store, F, LV2_ATOM__String, "tandem-feedback 1\ndrums x\n", 26);
  add_item(&cases[c].store, V, LV2_ATOM__Int, &v2, sizeof(v2));
  add_item(&cases[c++].store, S, LV2_ATOM__Int, &v2, sizeof(v2));
  add_item(&cases[c].store, V, LV2_ATOM__Int, &v2, sizeof(v2));
  add_item(&cases[c++].store, S, LV2_ATOM__Path, "/nonexistent/style.ttl", 23);
  add_item(&cases[c].store, "urn:tandem:plugin#fromTheFuture", LV2_ATOM__Int, &v2,
           sizeof(v2));
  add_item(&cases[c++].store, "urn:example:other", LV2_ATOM__Chunk, junk, sizeof(junk));
  const int32_t phase_far = 7;
  add_item(&cases[c].store, P, LV2_ATOM__Chunk, good, good_size);
  add_item(&cases[c++].store, TANDEM_STATE__phase, LV2_ATOM__Int, &phase_far,
           sizeof(phase_far));
  add_item(&cases[c].store, P, LV2_ATOM__Chunk, good, good_size);
  add_item(&cases[c++].store, TANDEM_STATE__phase, LV2_ATOM__Float, &f, sizeof(f));
  const int32_t tokens_far = 1 << 30;
  add_item(&cases[c].store, V, LV2_ATOM__Int, &v2, sizeof(v2));
  add_item(&cases[c++].store, TANDEM__llmTimeout, LV2_ATOM__String, "20", 3);
  add_item(&cases[c].store, V, LV2_ATOM__Int, &v2, sizeof(v2));
  add_item(&cases[c++].store, TANDEM__llmMaxTokens, LV2_ATOM__Int, &tokens_far,
           sizeof(tokens_far));
  add_item(&cases[c].store, V, LV2_ATOM__Int, &v2, sizeof(v2));
  add_item(&cases[c++].store, TANDEM__llmProvider, LV2_ATOM__String, "telepathy", 10);
  add_item(&cases[c].store, V, LV2_ATOM__Int, &v2, sizeof(v2));
  add_item(&cases[c++].store, TANDEM__llmFallbacks, LV2_ATOM__String, "openai", 7);
  add_item(&cases[c].store, V, LV2_ATOM__Int, &v2, sizeof(v2));
  add_item(&cases[c++].store, TANDEM_STATE__llmHistory, LV2_ATOM__String,
           "{\"history\": 1}", 15);
  add_item(&cases[c].store, V, LV2_ATOM__Int, &v2, sizeof(v2));
  add_item(&cases[c++].store, TANDEM_STATE__llmHistory, LV2_ATOM__Chunk, junk, 8);
  add_item(&cases[c].store, V, LV2_ATOM__Int, &v2, sizeof(v2));
  add_item(&cases[c++].store, TANDEM_STATE__feel, LV2_ATOM__String, "half please", 12);
  add_item(&cases[c].store, V, LV2_ATOM__Int, &v2, sizeof(v2));
  add_item(&cases[c++].store, TANDEM_STATE__feel, LV2_ATOM__String, "time 3 ghost 0", 15);
  ck_assert_int_eq(c, (int)(sizeof(cases) / sizeof(cases[0])));

  for (int i = 0; i < c; ++i) {
    /* "unknown keys only" has no version either, which is what it logs. */
    restore_store(&cases[i].store, cases[i].logs, true);
    restore_store(&cases[i].store, cases[i].logs, false);
  }

  /* The good pattern restores and plays without a word. */
  Store ok = {.n = 0};
  add_item(&ok, V, LV2_ATOM__Int, &v2, sizeof(v2));
  add_item(&ok, P, LV2_ATOM__Chunk, good, good_size);
  restore_store(&ok, false, true);
  free(p);
}
END_TEST

START_TEST(test_pattern_codec_round_trips_every_field)
{
  TandemPattern* p = calloc(1, sizeof(TandemPattern));
  TandemPattern* q = calloc(1, sizeof(TandemPattern));
  tandem_pattern_init(p, TANDEM_ROLE_MELODY, 2, 7, 8);
  p->seed = 1234;
  p->swing_pct = 62.5f;
  p->swing_grid_ticks = TANDEM_PPQ / 2;
  p->confidence = 0.75f;
  const TandemNote n1 = {.tick = 5,
                         .length = 300,
                         .kind = TANDEM_PITCH_SCALE,
                         .degree = -3,
                         .octave = -2,
                         .chromatic = 2,
                         .velocity = 77,
                         .flags = TANDEM_NOTE_GHOST | TANDEM_NOTE_FILL};
  const TandemNote n2 = {.tick = 900,
                         .length = 10,
                         .kind = TANDEM_PITCH_CHORD,
                         .degree = 9,
                         .octave = 3,
                         .chromatic = -2,
                         .velocity = 127,
                         .flags = TANDEM_NOTE_ACCENT};
  ck_assert(tandem_pattern_add(p, &n1));
  ck_assert(tandem_pattern_add(p, &n2));
  ck_assert(tandem_pattern_valid(p));
  uint8_t buf[256];
  const size_t size = tandem_state_pattern_encode(p, buf, sizeof(buf));
  ck_assert_uint_eq(size, tandem_state_pattern_size(2));
  ck_assert_uint_eq(tandem_state_pattern_encode(p, buf, size - 1), 0);
  char err[256];
  ck_assert_msg(tandem_state_pattern_decode(buf, size, q, err, sizeof(err)), "%s", err);
  ck_assert_uint_eq(q->role, p->role);
  ck_assert_uint_eq(q->bars, 2);
  ck_assert_uint_eq(q->beats_per_bar, 7);
  ck_assert_uint_eq(q->beat_unit, 8);
  ck_assert_uint_eq(q->seed, 1234);
  ck_assert_float_eq(q->swing_pct, 62.5f);
  ck_assert_uint_eq(q->swing_grid_ticks, TANDEM_PPQ / 2);
  ck_assert_float_eq(q->confidence, 0.75f);
  ck_assert_uint_eq(q->n_notes, 2);
  ck_assert_int_eq(memcmp(&q->notes[0], &n1, sizeof(n1)), 0);
  ck_assert_int_eq(memcmp(&q->notes[1], &n2, sizeof(n2)), 0);
  free(p);
  free(q);
}
END_TEST

/* ---- Export through the plugin ---- */

static bool exists(const char* dir, const char* name)
{
  char path[512];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  struct stat st;
  return stat(path, &st) == 0 && st.st_size > 14;
}

START_TEST(test_export_trigger_writes_pattern_and_variations_and_never_overwrites)
{
  char dir[] = "/tmp/tandem-test-export-XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(dir));
  Rig* a = rig_with_a_part();

  /* No path yet: an error in the log, no file. */
  lvth_host_clear_log(a->host);
  press(a, "export");
  ck_assert_uint_ge(lvth_host_log(a->host)->error, 1);
  ck_assert_msg(strstr(lvth_host_log(a->host)->last, "exportPath") != NULL, "%s",
                lvth_host_log(a->host)->last);

  char path[300];
  snprintf(path, sizeof(path), "%s/groove.mid", dir);
  send_path(a, "urn:tandem:plugin#exportPath", path);
  cycle(a);
  set_control(a, "export_variations", 2.0f);
  press(a, "export");
  ck_assert(exists(dir, "groove.mid"));
  ck_assert(exists(dir, "groove-var1.mid"));
  ck_assert(exists(dir, "groove-var2.mid"));
  ck_assert(!exists(dir, "groove-var3.mid"));
  press(a, "export");
  ck_assert(exists(dir, "groove-2.mid"));
  ck_assert(exists(dir, "groove-2-var2.mid"));
  rig_free(a);
  char cmd[300];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(test_style_file_is_saved_through_map_path_and_loaded_on_restore)
{
  const char* styles = getenv("TANDEM_STYLES_DIR");
  ck_assert_msg(styles != NULL, "TANDEM_STYLES_DIR must name ttl/styles");
  char dir[] = "/tmp/tandem-test-stylefile-XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(dir));
  char cmd[1024];
  snprintf(cmd, sizeof(cmd), "cp '%s/funk.ttl' '%s/my-style.ttl' && mkdir '%s/save'",
           styles, dir, dir);
  ck_assert_int_eq(system(cmd), 0);
  char style_path[300];
  snprintf(style_path, sizeof(style_path), "%s/my-style.ttl", dir);

  Rig* a = rig_new();
  set_control(a, "role", 1.0f);
  lilv_instance_activate(a->instance);
  send_path(a, "urn:tandem:plugin#styleFile", style_path);
  send_position(a, 0);
  cycles(a, 20);
  ck_assert_msg(strstr(lvth_host_log(a->host)->last, "Funk") != NULL, "%s",
                lvth_host_log(a->host)->last);

  /* Saved the way hosts save sessions: the host maps the path into its folder. */
  char save_dir[300];
  snprintf(save_dir, sizeof(save_dir), "%s/save", dir);
  LilvState* state = lilv_state_new_from_instance(
      lvth_world_plugin(world), a->instance, lvth_world_map(world), NULL, save_dir,
      save_dir, save_dir, get_port, a, LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE,
      lvth_host_features(a->host));
  ck_assert_ptr_nonnull(state);
  ck_assert_int_eq(lilv_state_save(lvth_world_lilv(world), lvth_world_map(world),
                                   lvth_world_unmap(world), state,
                                   "urn:tandem:test-style", save_dir, "state.ttl"),
                   0);
  char text_path[400];
  snprintf(text_path, sizeof(text_path), "%s/state.ttl", save_dir);
  FILE* f = fopen(text_path, "r");
  ck_assert_ptr_nonnull(f);
  static char text[1 << 16];
  const size_t n = fread(text, 1, sizeof(text) - 1, f);
  fclose(f);
  text[n] = '\0';
  ck_assert_msg(strstr(text, "styleFile") != NULL, "no style file in:\n%s", text);
  ck_assert_msg(strstr(text, "feedback") != NULL, "no learning in:\n%s", text);
  ck_assert_msg(strstr(text, "#pattern") != NULL, "no pattern in:\n%s", text);
  lilv_state_free(state);
  rig_free(a);

  /* The state holds the path as the host mapped it (lilv: a link in the session
   * folder), not the absolute path. */
  ck_assert_msg(strstr(text, "#styleFile> <my-style.ttl>") != NULL,
                "the style file was not saved through mapPath:\n%s", text);
  LilvNode* subject = lilv_new_uri(lvth_world_lilv(world), "urn:tandem:test-style");
  LilvState* loaded = lilv_state_new_from_file(lvth_world_lilv(world),
                                               lvth_world_map(world), subject, text_path);
  lilv_node_free(subject);
  ck_assert_ptr_nonnull(loaded);
  Rig* b = rig_new();
  restore(b, loaded);
  const LvthLogCounts* log = lvth_host_log(b->host);
  ck_assert_msg(log->warning == 0 && log->error == 0, "restore complained: %s",
                log->last);
  lilv_instance_activate(b->instance);
  cycles(b, 4);
  LilvState* again = save_state(b);
  char* saved = state_text(again);
  ck_assert_msg(strstr(saved, "my-style.ttl") != NULL, "style file not restored:\n%s",
                saved);
  lilv_free(saved);
  lilv_state_free(again);
  lilv_state_free(loaded);
  rig_free(b);
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static Suite* state_suite(void)
{
  Suite* s = suite_create("state");
  TCase* tc = tcase_create("core");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_restored_session_plays_the_same_part_without_regenerating);
  tcase_add_test(tc, test_like_and_reset_learning_are_saved_in_state);
  tcase_add_test(tc,
                 test_restore_survives_every_corrupt_value_and_falls_back_to_defaults);
  tcase_add_test(tc, test_pattern_codec_round_trips_every_field);
  tcase_add_test(tc,
                 test_export_trigger_writes_pattern_and_variations_and_never_overwrites);
  tcase_add_test(tc, test_style_file_is_saved_through_map_path_and_loaded_on_restore);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  world = lvth_world_new(PLUGIN_URI);
  SRunner* sr = srunner_create(state_suite());
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  lvth_world_free(world);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
