/* Tandem — plain-language time feel and ghost notes (worker/intent.c, worker/work.c).
 *
 * "half-time", "double-time", "normal time" and "ghost notes" leave a feel behind
 * (TandemFeel) that the worker applies to every built-in pattern: the request
 * remakes the current part at once (it reaches run() under the request's serial,
 * which swaps it in at the next bar line), and later patterns made for control
 * changes keep it until a request changes it again.
 *
 * Threads: the test's own, standing in for the host's worker thread.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/midi/midi.h>
#include <lv2/patch/patch.h>
#include <lv2/time/time.h>

#include "intent.h"
#include "llm_work.h"
#include "lv2_test_host.h"
#include "messages.h"
#include "pattern.h"
#include "ring.h"
#include "state.h"
#include "work.h"

/* ---- The parser and the feel ---- */

START_TEST(test_intent_normal_time_and_negations_undo_a_time_feel)
{
  TandemIntent in;
  ck_assert(tandem_intent_parse("normal time", &in));
  ck_assert(in.normal_time);
  ck_assert(in.fully_understood);
  ck_assert_float_eq(in.tempo_factor, 1.0f);
  ck_assert(tandem_intent_parse("back to normal", &in));
  ck_assert(in.normal_time);
  ck_assert(in.fully_understood);
  ck_assert(tandem_intent_parse("no half-time", &in));
  ck_assert(in.normal_time);
  ck_assert_float_eq(in.tempo_factor, 1.0f);
  ck_assert(tandem_intent_parse("straighter", &in));
  ck_assert(in.normal_time);
  ck_assert(in.straight);
  /* In one request the time asked for wins over "straighter". */
  ck_assert(tandem_intent_parse("half-time and straighter", &in));
  ck_assert(!in.normal_time);
  ck_assert_float_eq(in.tempo_factor, 0.5f);
  ck_assert(tandem_intent_parse("straighter, double time", &in));
  ck_assert(!in.normal_time);
  ck_assert_float_eq(in.tempo_factor, 2.0f);
  ck_assert(tandem_intent_parse("harder", &in));
  ck_assert(!in.normal_time);
}
END_TEST

START_TEST(test_feel_latest_time_wins_and_ghosts_add_up_within_limits)
{
  TandemFeel feel;
  tandem_feel_init(&feel);
  TandemIntent in;
  tandem_intent_parse("half-time", &in);
  ck_assert(tandem_feel_update(&feel, &in));
  ck_assert_float_eq(feel.tempo_factor, 0.5f);
  ck_assert(!tandem_feel_update(&feel, &in)); /* asked again: no change */
  tandem_intent_parse("harder", &in);
  ck_assert(!tandem_feel_update(&feel, &in)); /* other modifiers keep the feel */
  ck_assert_float_eq(feel.tempo_factor, 0.5f);
  tandem_intent_parse("double-time", &in);
  ck_assert(tandem_feel_update(&feel, &in));
  ck_assert_float_eq(feel.tempo_factor, 2.0f);
  tandem_intent_parse("normal time", &in);
  ck_assert(tandem_feel_update(&feel, &in));
  ck_assert_float_eq(feel.tempo_factor, 1.0f);
  for (int i = 0; i < 5; ++i) {
    tandem_intent_parse("more ghost notes", &in);
    tandem_feel_update(&feel, &in);
  }
  ck_assert_float_eq(feel.ghost, 1.0f);
  tandem_intent_parse("no ghost notes", &in);
  ck_assert(tandem_feel_update(&feel, &in));
  ck_assert_float_eq(feel.ghost, 0.5f);
}
END_TEST

/* ---- Through the worker ---- */

typedef struct {
  TandemStatusMsg last;
  int n_status;
  int n_intent;
} Replies;

static LV2_Worker_Status respond(LV2_Worker_Respond_Handle handle, uint32_t size,
                                 const void* data)
{
  Replies* r = (Replies*)handle;
  uint32_t type;
  memcpy(&type, data, sizeof(type));
  if (type == TANDEM_MSG_STATUS) {
    ck_assert_uint_eq(size, sizeof(TandemStatusMsg));
    memcpy(&r->last, data, sizeof(r->last));
    ++r->n_status;
  } else if (type == TANDEM_MSG_LLM_INTENT) {
    ++r->n_intent;
  }
  return LV2_WORKER_SUCCESS;
}

typedef struct {
  TandemWork* work;
  TandemRing* ring;
  LV2_Log_Logger logger;
  Replies replies;
  uint32_t serial;
  const TandemStyle* rock;
} Fixture;

static Fixture* fixture(void)
{
  unsetenv("TANDEM_LLM_URL"); /* no model: the modifiers alone */
  Fixture* f = calloc(1, sizeof(Fixture));
  ck_assert_ptr_nonnull(f);
  f->work = calloc(1, sizeof(TandemWork));
  ck_assert_ptr_nonnull(f->work);
  f->ring = tandem_ring_new(4 * (sizeof(TandemPattern) + sizeof(TandemRingMsgHeader)));
  ck_assert_ptr_nonnull(f->ring);
  const char* bundle = getenv("TANDEM_TEST_BUNDLE");
  ck_assert_msg(bundle != NULL, "TANDEM_TEST_BUNDLE is not set");
  char err[512] = "";
  ck_assert_msg(tandem_work_init(f->work, bundle, f->ring, &f->logger, err, sizeof(err)),
                "%s", err);
  f->rock = &f->work->styles.styles[1];
  return f;
}

static void fixture_free(Fixture* f)
{
  tandem_work_cleanup(f->work);
  free(f->work);
  tandem_ring_free(f->ring);
  free(f);
}

static void generate(Fixture* f, TandemRole role, float density)
{
  TandemGenerateMsg msg;
  memset(&msg, 0, sizeof(msg));
  msg.type = TANDEM_MSG_GENERATE;
  msg.serial = ++f->serial;
  msg.seed = 21;
  msg.role = (uint8_t)role;
  msg.style = 1; /* rock */
  msg.bars = 4;
  msg.beats_per_bar = 4;
  msg.beat_unit = 4;
  msg.complexity = 0.5f;
  msg.density = density;
  msg.energy = 0.5f;
  ck_assert_int_eq(tandem_work_do(f->work, respond, &f->replies, sizeof(msg), &msg),
                   LV2_WORKER_SUCCESS);
}

/* A prompt as run() sends it ("send"), with the serial run() reserves for it. */
static void prompt(Fixture* f, TandemRole role, const char* text)
{
  TandemLlmRequestMsg m;
  memset(&m, 0, sizeof(m));
  m.type = TANDEM_MSG_LLM_REQUEST;
  m.serial = ++f->serial;
  m.role = (uint8_t)role;
  m.style = 1;
  m.bars = 4;
  m.beats_per_bar = 4;
  m.beat_unit = 4;
  m.tempo_bpm = 120;
  snprintf(m.text, sizeof(m.text), "%s", text);
  ck_assert_int_eq(tandem_work_do(f->work, respond, &f->replies, sizeof(m), &m),
                   LV2_WORKER_SUCCESS);
}

/* The newest pattern that reached the audio thread's ring; false if none came. */
static bool take(Fixture* f, TandemPattern* out)
{
  bool got = false;
  uint32_t type = 0, size = 0;
  while (tandem_ring_read_msg(f->ring, &type, out, sizeof(*out), &size) ==
         TANDEM_RING_OK) {
    ck_assert_uint_eq(type, TANDEM_RING_PATTERN);
    ck_assert_uint_eq(size, sizeof(*out));
    ck_assert(tandem_pattern_valid(out));
    got = true;
  }
  return got;
}

typedef struct {
  int snares, snares_off_beat_3, beats_without_snare, ghosts;
} SnareCount;

static SnareCount count_snares(const Fixture* f, const TandemPattern* p)
{
  SnareCount c = {0, 0, 0, 0};
  const uint8_t snare = f->rock->drum_notes[TANDEM_DRUM_SNARE];
  const uint32_t bar_ticks = tandem_pattern_ticks_per_bar(p);
  bool beat_has[16][16] = {{false}};
  for (uint32_t i = 0; i < p->n_notes; ++i) {
    const TandemNote* n = &p->notes[i];
    if (n->flags & TANDEM_NOTE_GHOST) {
      ++c.ghosts;
    } else if (n->pitch == snare) {
      ++c.snares;
      c.snares_off_beat_3 += n->tick % bar_ticks != 2 * TANDEM_PPQ;
      beat_has[n->tick / bar_ticks][(n->tick % bar_ticks) / TANDEM_PPQ] = true;
    }
  }
  for (uint32_t bar = 0; bar < p->bars; ++bar) {
    for (uint32_t beat = 0; beat < p->beats_per_bar; ++beat) {
      c.beats_without_snare += !beat_has[bar][beat];
    }
  }
  return c;
}

static TandemPattern first, now, reference;

START_TEST(
    test_prompt_half_time_remakes_the_part_for_the_next_bar_and_survives_control_changes)
{
  Fixture* f = fixture();
  generate(f, TANDEM_ROLE_DRUMS, 0.5f);
  ck_assert(take(f, &first));
  const SnareCount before = count_snares(f, &first);
  ck_assert_int_ge(before.snares, 7); /* rock: on 2 and 4, never on 3 */
  ck_assert_int_eq(before.snares_off_beat_3, before.snares);

  prompt(f, TANDEM_ROLE_DRUMS, "half-time");
  ck_assert_int_eq(f->replies.n_intent, 1);
  ck_assert_msg(take(f, &now), "no pattern came for the prompt");
  ck_assert_uint_eq(now.serial, f->serial); /* the prompt's own: run() plays it next */
  SnareCount half = count_snares(f, &now);
  printf("half-time: snares %d -> %d per 4 bars, off beat 3: %d\n", before.snares,
         half.snares, half.snares_off_beat_3);
  ck_assert_int_eq(half.snares, 4);
  ck_assert_int_eq(half.snares_off_beat_3, 0);
  ck_assert_msg(strstr(f->replies.last.text, "applied \"half-time\"") != NULL,
                "status: %s", f->replies.last.text);

  /* A control moves (density): the new part is still half-time. */
  generate(f, TANDEM_ROLE_DRUMS, 0.8f);
  ck_assert(take(f, &now));
  half = count_snares(f, &now);
  ck_assert_int_eq(half.snares_off_beat_3, 0);
  ck_assert_msg(strstr(f->replies.last.text, "half time") != NULL, "status: %s",
                f->replies.last.text);

  /* Double time replaces it: a backbeat in every beat. */
  prompt(f, TANDEM_ROLE_DRUMS, "double-time");
  ck_assert(take(f, &now));
  const SnareCount twice = count_snares(f, &now);
  printf("double-time: %d snares per 4 bars, beats without one: %d\n", twice.snares,
         twice.beats_without_snare);
  ck_assert_int_eq(twice.beats_without_snare, 0);
  ck_assert_int_ge(twice.snares, 16);

  /* Normal time gives back the part these settings make without a feel. */
  prompt(f, TANDEM_ROLE_DRUMS, "normal time");
  ck_assert(take(f, &now));
  fixture_free(f);
  f = fixture();
  generate(f, TANDEM_ROLE_DRUMS, 0.8f);
  ck_assert(take(f, &reference));
  ck_assert_uint_eq(now.n_notes, reference.n_notes);
  ck_assert_int_eq(memcmp(now.notes, reference.notes, sizeof(TandemNote) * now.n_notes),
                   0);
  fixture_free(f);
}
END_TEST

START_TEST(test_prompt_ghost_notes_doubles_quiet_ghosts_and_other_words_make_no_pattern)
{
  Fixture* f = fixture();
  generate(f, TANDEM_ROLE_DRUMS, 0.5f);
  ck_assert(take(f, &first));
  const int plain = count_snares(f, &first).ghosts;
  prompt(f, TANDEM_ROLE_DRUMS, "more ghost notes");
  ck_assert(take(f, &now));
  const int more = count_snares(f, &now).ghosts;
  printf("ghost notes: %d -> %d per 4 bars\n", plain, more);
  ck_assert_int_ge(more, 2 * plain);
  ck_assert_int_ge(more, 4);
  for (uint32_t i = 0; i < now.n_notes; ++i) {
    if (now.notes[i].flags & TANDEM_NOTE_GHOST) {
      ck_assert_uint_lt(now.notes[i].velocity, 64);
    }
  }
  /* A request that changes no feel makes no pattern here (run() asks for one when
   * a control it shapes moves). */
  prompt(f, TANDEM_ROLE_DRUMS, "harder");
  ck_assert(!take(f, &now));
  fixture_free(f);
}
END_TEST

START_TEST(test_prompt_for_another_role_or_before_any_part_only_keeps_the_feel)
{
  Fixture* f = fixture();
  prompt(f, TANDEM_ROLE_DRUMS, "half-time"); /* nothing playing yet */
  ck_assert(!take(f, &now));
  generate(f, TANDEM_ROLE_DRUMS, 0.5f);
  ck_assert(take(f, &now));
  ck_assert_int_eq(count_snares(f, &now).snares_off_beat_3, 0); /* kept for this */
  prompt(f, TANDEM_ROLE_BASS, "double-time"); /* the bass was not what played */
  ck_assert(!take(f, &now));
  fixture_free(f);
}
END_TEST

/* ---- The feel in the session state (worker/state.c) ---- */

#define STATE_MAX_ITEMS 64

/* A URID map and a key/value store, standing in for the host's. */
typedef struct {
  char uris[STATE_MAX_ITEMS][128];
  uint32_t n;
} UridTable;

static LV2_URID map_uri(LV2_URID_Map_Handle handle, const char* uri)
{
  UridTable* t = (UridTable*)handle;
  for (uint32_t i = 0; i < t->n; ++i) {
    if (!strcmp(t->uris[i], uri)) {
      return i + 1;
    }
  }
  ck_assert_uint_lt(t->n, STATE_MAX_ITEMS);
  snprintf(t->uris[t->n], sizeof(t->uris[t->n]), "%s", uri);
  return ++t->n;
}

typedef struct {
  uint32_t key[STATE_MAX_ITEMS], type[STATE_MAX_ITEMS];
  void* value[STATE_MAX_ITEMS];
  size_t size[STATE_MAX_ITEMS];
  uint32_t n;
} StateStore;

static LV2_State_Status store_item(LV2_State_Handle handle, uint32_t key, const void* value,
                                   size_t size, uint32_t type, uint32_t flags)
{
  (void)flags;
  StateStore* s = (StateStore*)handle;
  ck_assert_uint_lt(s->n, STATE_MAX_ITEMS);
  s->key[s->n] = key;
  s->type[s->n] = type;
  s->size[s->n] = size;
  s->value[s->n] = malloc(size);
  ck_assert_ptr_nonnull(s->value[s->n]);
  memcpy(s->value[s->n], value, size);
  ++s->n;
  return LV2_STATE_SUCCESS;
}

static const void* retrieve_item(LV2_State_Handle handle, uint32_t key, size_t* size,
                                 uint32_t* type, uint32_t* flags)
{
  const StateStore* s = (const StateStore*)handle;
  for (uint32_t i = 0; i < s->n; ++i) {
    if (s->key[i] == key) {
      *size = s->size[i];
      *type = s->type[i];
      *flags = LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE;
      return s->value[i];
    }
  }
  return NULL;
}

/* "half-time" survives a save and a restore into a fresh worker: a part made
 * there for a control change is still in half time, where a fresh worker's is not. */
START_TEST(test_feel_is_saved_in_state_and_shapes_parts_after_restore)
{
  static UridTable table;
  memset(&table, 0, sizeof(table));
  LV2_URID_Map map = {&table, map_uri};
  TandemStateURIs uris;
  tandem_state_map(&uris, &map);

  Fixture* a = fixture();
  generate(a, TANDEM_ROLE_DRUMS, 0.5f);
  prompt(a, TANDEM_ROLE_DRUMS, "half-time");
  ck_assert(take(a, &now));
  StateStore* saved = calloc(1, sizeof(StateStore));
  ck_assert_ptr_nonnull(saved);
  ck_assert_int_eq(tandem_state_save(a->work, &uris, store_item, saved, NULL, -1),
                   LV2_STATE_SUCCESS);
  fixture_free(a);

  Fixture* b = fixture();
  ck_assert_int_eq(tandem_state_restore(b->work, &uris, retrieve_item, saved, NULL),
                   LV2_STATE_SUCCESS);
  /* The restored part goes to run() first; this test is about what comes after. */
  uint32_t type = 0, size = 0;
  ck_assert_int_eq(tandem_ring_read_msg(b->ring, &type, &now, sizeof(now), &size),
                   TANDEM_RING_OK);
  ck_assert_uint_eq(type, TANDEM_RING_RESTORED_PATTERN);
  generate(b, TANDEM_ROLE_DRUMS, 0.6f);
  ck_assert(take(b, &now));
  const SnareCount restored = count_snares(b, &now);
  ck_assert_int_gt(restored.snares, 0);
  ck_assert_int_eq(restored.snares_off_beat_3, 0);

  Fixture* c = fixture(); /* no state: the plain feel */
  generate(c, TANDEM_ROLE_DRUMS, 0.6f);
  ck_assert(take(c, &reference));
  ck_assert_int_gt(count_snares(c, &reference).snares_off_beat_3, 0);

  for (uint32_t i = 0; i < saved->n; ++i) {
    free(saved->value[i]);
  }
  free(saved);
  fixture_free(b);
  fixture_free(c);
}
END_TEST

/* ---- Through the built plugin (lilv): the prompt reaches the player ---- */

#define RATE       48000.0
#define BLOCK      512u
#define BAR_FRAMES 96000 /* 4/4 at 120 bpm */
#define CAPACITY   65536u

typedef struct {
  LvthWorld* world;
  LvthHost* host;
  LilvInstance* instance;
  LV2_Atom_Sequence* control;
  LV2_Atom_Sequence* notify;
  float in[BLOCK], out[BLOCK];
  LV2_Atom_Forge forge;
  int64_t frame;          /* frames run so far */
  int64_t snare_at[4096]; /* frames of the snare note-ons heard, ghosts (quiet) aside */
  int n_snares;
} Rig;

static void rig_cycle(Rig* r, bool with_events)
{
  r->notify->atom.type = lvth_urid(r->world, LV2_ATOM__Chunk);
  r->notify->atom.size = CAPACITY;
  if (!with_events) {
    r->control->atom.type = lvth_urid(r->world, LV2_ATOM__Sequence);
    r->control->atom.size = sizeof(LV2_Atom_Sequence_Body);
  }
  lvth_host_cycle(r->host, BLOCK);
  lvth_host_run_worker(r->host);
  const LV2_URID midi = lvth_urid(r->world, LV2_MIDI__MidiEvent);
  LV2_ATOM_SEQUENCE_FOREACH (r->notify, ev) {
    const uint8_t* m = (const uint8_t*)LV2_ATOM_BODY_CONST(&ev->body);
    if (ev->body.type == midi && ev->body.size >= 3 && (m[0] & 0xf0) == 0x90 &&
        m[2] > 0 && m[1] == 38 && m[2] >= 64 && r->n_snares < 4096) {
      r->snare_at[r->n_snares++] = r->frame + ev->time.frames;
    }
  }
  r->frame += BLOCK;
}

static Rig* rig_new(void)
{
  Rig* r = calloc(1, sizeof(Rig));
  ck_assert_ptr_nonnull(r);
  r->world = lvth_world_new("urn:tandem:plugin");
  ck_assert_msg(r->world != NULL, "plugin not found; LV2_PATH must hold the build");
  r->host = lvth_host_new(r->world, RATE, BLOCK, LVTH_FEATURES_ALL);
  r->instance = lvth_host_instance(r->host);
  ck_assert_ptr_nonnull(r->instance);
  ck_assert(lvth_host_connect_all(r->host, 4096));
  r->control = calloc(1, CAPACITY);
  r->notify = calloc(1, CAPACITY);
  ck_assert(r->control && r->notify);
  lilv_instance_connect_port(r->instance, 0, r->in);
  lilv_instance_connect_port(r->instance, 1, r->out);
  lilv_instance_connect_port(r->instance, 2, r->control);
  lilv_instance_connect_port(r->instance, 3, r->notify);
  *lvth_host_control(r->host, "style") = 1; /* rock */
  *lvth_host_control(r->host, "fill") = 0;  /* no fills: every snare is a backbeat */
  lv2_atom_forge_init(&r->forge, lvth_world_map(r->world));
  lilv_instance_activate(r->instance);
  return r;
}

static void rig_free(Rig* r)
{
  lilv_instance_deactivate(r->instance);
  lvth_host_free(r->host);
  lvth_world_free(r->world);
  free(r->control);
  free(r->notify);
  free(r);
}

/* One block with a rolling 120 bpm 4/4 transport from bar 0, as a host sends it. */
static void rig_start(Rig* r)
{
  LV2_Atom_Forge* f = &r->forge;
  LV2_Atom_Forge_Frame seq;
  lv2_atom_forge_set_buffer(f, (uint8_t*)r->control, CAPACITY);
  ck_assert(lv2_atom_forge_sequence_head(f, &seq, 0));
  ck_assert(lvth_forge_position(r->world, f, RATE, 120.0, 0));
  lv2_atom_forge_pop(f, &seq);
  rig_cycle(r, true);
}

static void rig_prompt(Rig* r, const char* text)
{
  LV2_Atom_Forge* f = &r->forge;
  LV2_Atom_Forge_Frame seq, obj;
  lv2_atom_forge_set_buffer(f, (uint8_t*)r->control, CAPACITY);
  ck_assert(lv2_atom_forge_sequence_head(f, &seq, 0));
  lv2_atom_forge_frame_time(f, 0);
  lv2_atom_forge_object(f, &obj, 0, lvth_urid(r->world, LV2_PATCH__Set));
  lv2_atom_forge_key(f, lvth_urid(r->world, LV2_PATCH__property));
  lv2_atom_forge_urid(f, lvth_urid(r->world, "urn:tandem:plugin#prompt"));
  lv2_atom_forge_key(f, lvth_urid(r->world, LV2_PATCH__value));
  ck_assert(lv2_atom_forge_string(f, text, (uint32_t)strlen(text)));
  lv2_atom_forge_pop(f, &obj);
  lv2_atom_forge_pop(f, &seq);
  rig_cycle(r, true);
}

/* Snares in [from_bar, to_bar): how many, and how many off beat 3. */
static void snares_in(const Rig* r, int from_bar, int to_bar, int* n, int* off_beat_3)
{
  *n = 0;
  *off_beat_3 = 0;
  for (int i = 0; i < r->n_snares; ++i) {
    const int64_t bar = r->snare_at[i] / BAR_FRAMES;
    if (bar >= from_bar && bar < to_bar) {
      ++*n;
      const int64_t into = r->snare_at[i] % BAR_FRAMES;
      *off_beat_3 += into < BAR_FRAMES / 2 - 48 || into > BAR_FRAMES / 2 + 48;
    }
  }
}

START_TEST(test_plugin_prompt_half_time_moves_the_snare_to_beat_3_from_the_next_bar)
{
  unsetenv("TANDEM_LLM_URL");
  Rig* r = rig_new();
  rig_start(r);
  while (r->frame < 4 * BAR_FRAMES + 2 * (int64_t)BLOCK) {
    rig_cycle(r, false);
  }
  /* Early in bar 4: the request and its pattern are done well before bar 5. */
  rig_prompt(r, "half-time");
  while (r->frame < 9 * BAR_FRAMES) {
    rig_cycle(r, false);
  }
  int n = 0, off = 0;
  snares_in(r, 1, 5, &n, &off);
  printf("plugin: bars 1-4 %d snares (%d off beat 3); ", n, off);
  ck_assert_int_ge(n, 7);
  ck_assert_int_eq(off, n); /* rock: 2 and 4 */
  snares_in(r, 5, 9, &n, &off);
  printf("bars 5-8 after \"half-time\" %d snares (%d off beat 3)\n", n, off);
  ck_assert_int_eq(n, 4);
  ck_assert_int_eq(off, 0);
  rig_free(r);
}
END_TEST

int main(void)
{
  Suite* s = suite_create("intent");
  TCase* parse = tcase_create("parse");
  tcase_add_test(parse, test_intent_normal_time_and_negations_undo_a_time_feel);
  tcase_add_test(parse, test_feel_latest_time_wins_and_ghosts_add_up_within_limits);
  suite_add_tcase(s, parse);
  TCase* work = tcase_create("work");
  tcase_set_timeout(work, 60);
  tcase_add_test(
      work,
      test_prompt_half_time_remakes_the_part_for_the_next_bar_and_survives_control_changes);
  tcase_add_test(
      work, test_prompt_ghost_notes_doubles_quiet_ghosts_and_other_words_make_no_pattern);
  tcase_add_test(work,
                 test_prompt_for_another_role_or_before_any_part_only_keeps_the_feel);
  tcase_add_test(work, test_feel_is_saved_in_state_and_shapes_parts_after_restore);
  suite_add_tcase(s, work);
  TCase* plugin = tcase_create("plugin");
  tcase_set_timeout(plugin, 120);
  tcase_add_test(
      plugin, test_plugin_prompt_half_time_moves_the_snare_to_beat_3_from_the_next_bar);
  suite_add_tcase(s, plugin);
  SRunner* sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
