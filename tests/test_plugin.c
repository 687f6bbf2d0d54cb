/* Tandem — integration tests: the built bundle loaded through lilv.
 *
 * Needs LV2_PATH to include the build folder (meson sets it).  Buffers that the
 * plugin reads or writes are heap blocks of exactly the size the host claims,
 * so that in the sanitizer build any read or write past a size field is caught
 * by AddressSanitizer.
 */
#include <check.h>
#include <dlfcn.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/midi/midi.h>
#include <lv2/patch/patch.h>
#include <lv2/state/state.h>
#include <lv2/time/time.h>

#include "lv2_test_host.h"
#include "messages.h"

#define PLUGIN_URI        "urn:tandem:plugin"
#define STATUS_URI        "urn:tandem:plugin#status"
#define STATE_VERSION_URI "urn:tandem:plugin#stateVersion"
#define NOTIFY_CAPACITY   65536u
#define CONTROL_CAPACITY  8192u

enum { PORT_IN = 0, PORT_OUT = 1, PORT_CONTROL = 2, PORT_NOTIFY = 3, PORT_ENABLED = 4 };

/* Loaded once in main(), before Check forks each test, because loading every
 * bundle on LV2_PATH is the slow part; each test then works on its own copy in
 * its own process.  Read-only apart from the URID map. */
static LvthWorld* world;

static LvthWorld* the_world(void)
{
  ck_assert_msg(world != NULL, "the plugin was not found; is LV2_PATH set to the build?");
  return world;
}

/* ---- URIDs the tests use ---- */

typedef struct {
  LV2_URID atom_Blank;
  LV2_URID atom_Bool;
  LV2_URID atom_Chunk;
  LV2_URID atom_Double;
  LV2_URID atom_Float;
  LV2_URID atom_Int;
  LV2_URID atom_Long;
  LV2_URID atom_Object;
  LV2_URID atom_Sequence;
  LV2_URID atom_String;
  LV2_URID atom_URID;
  LV2_URID midi_MidiEvent;
  LV2_URID patch_Get;
  LV2_URID patch_Set;
  LV2_URID patch_property;
  LV2_URID patch_value;
  LV2_URID time_Position;
  LV2_URID time_bar;
  LV2_URID time_barBeat;
  LV2_URID time_beatUnit;
  LV2_URID time_beatsPerBar;
  LV2_URID time_beatsPerMinute;
  LV2_URID time_frame;
  LV2_URID time_speed;
  LV2_URID tandem_status;
  LV2_URID tandem_stateVersion;
} Uris;

static Uris uris_get(void)
{
  LvthWorld* w = the_world();
  const Uris u = {
      .atom_Blank = lvth_urid(w, LV2_ATOM__Blank),
      .atom_Bool = lvth_urid(w, LV2_ATOM__Bool),
      .atom_Chunk = lvth_urid(w, LV2_ATOM__Chunk),
      .atom_Double = lvth_urid(w, LV2_ATOM__Double),
      .atom_Float = lvth_urid(w, LV2_ATOM__Float),
      .atom_Int = lvth_urid(w, LV2_ATOM__Int),
      .atom_Long = lvth_urid(w, LV2_ATOM__Long),
      .atom_Object = lvth_urid(w, LV2_ATOM__Object),
      .atom_Sequence = lvth_urid(w, LV2_ATOM__Sequence),
      .atom_String = lvth_urid(w, LV2_ATOM__String),
      .atom_URID = lvth_urid(w, LV2_ATOM__URID),
      .midi_MidiEvent = lvth_urid(w, LV2_MIDI__MidiEvent),
      .patch_Get = lvth_urid(w, LV2_PATCH__Get),
      .patch_Set = lvth_urid(w, LV2_PATCH__Set),
      .patch_property = lvth_urid(w, LV2_PATCH__property),
      .patch_value = lvth_urid(w, LV2_PATCH__value),
      .time_Position = lvth_urid(w, LV2_TIME__Position),
      .time_bar = lvth_urid(w, LV2_TIME__bar),
      .time_barBeat = lvth_urid(w, LV2_TIME__barBeat),
      .time_beatUnit = lvth_urid(w, LV2_TIME__beatUnit),
      .time_beatsPerBar = lvth_urid(w, LV2_TIME__beatsPerBar),
      .time_beatsPerMinute = lvth_urid(w, LV2_TIME__beatsPerMinute),
      .time_frame = lvth_urid(w, LV2_TIME__frame),
      .time_speed = lvth_urid(w, LV2_TIME__speed),
      .tandem_status = lvth_urid(w, STATUS_URI),
      .tandem_stateVersion = lvth_urid(w, STATE_VERSION_URI),
  };
  return u;
}

/* ---- A rig: one instance with every port connected to its own heap block ---- */

typedef struct {
  LvthHost* host;
  LilvInstance* instance;
  Uris uris;
  uint32_t max_block;
  float* in;
  float* out;
  LV2_Atom_Sequence* control;
  LV2_Atom_Sequence* notify;
  uint32_t notify_capacity;
  float enabled;
  uint32_t last_frames; /* length of the last block run */
  unsigned midi_seen;   /* MIDI events checked by rig_assert_notify_valid */
  LV2_Atom_Forge forge; /* writes the control sequence */
  LV2_Atom_Forge_Frame control_frame;
} Rig;

static Rig* rig_new(double rate, uint32_t max_block, unsigned features)
{
  Rig* rig = calloc(1, sizeof(Rig));
  ck_assert_ptr_nonnull(rig);
  rig->uris = uris_get();
  rig->host = lvth_host_new(the_world(), rate, max_block, features);
  ck_assert_ptr_nonnull(rig->host);
  rig->instance = lvth_host_instance(rig->host);
  ck_assert_msg(rig->instance != NULL, "instantiate failed at %.0f Hz", rate);
  rig->max_block = max_block;
  rig->in = calloc(max_block ? max_block : 1, sizeof(float));
  rig->out = calloc(max_block ? max_block : 1, sizeof(float));
  rig->control = calloc(1, CONTROL_CAPACITY);
  rig->notify = calloc(1, NOTIFY_CAPACITY);
  rig->notify_capacity = NOTIFY_CAPACITY;
  ck_assert(rig->in && rig->out && rig->control && rig->notify);
  rig->enabled = 1.0f;
  lv2_atom_forge_init(&rig->forge, lvth_world_map(the_world()));

  /* Every port first (the plugin may have more than these tests know of),
   * then the ones the tests look at. */
  ck_assert(lvth_host_connect_all(rig->host, 4096));
  lilv_instance_connect_port(rig->instance, PORT_IN, rig->in);
  lilv_instance_connect_port(rig->instance, PORT_OUT, rig->out);
  lilv_instance_connect_port(rig->instance, PORT_CONTROL, rig->control);
  lilv_instance_connect_port(rig->instance, PORT_NOTIFY, rig->notify);
  lilv_instance_connect_port(rig->instance, PORT_ENABLED, &rig->enabled);
  rig->control->atom.type = rig->uris.atom_Sequence;
  rig->control->atom.size = sizeof(LV2_Atom_Sequence_Body);
  lilv_instance_activate(rig->instance);
  return rig;
}

static void rig_free(Rig* rig)
{
  lilv_instance_deactivate(rig->instance);
  lvth_host_free(rig->host);
  free(rig->in);
  free(rig->out);
  free(rig->control);
  free(rig->notify);
  free(rig);
}

/* Starts a new control sequence; add events with rig->forge, then cycle. */
static void rig_control_begin(Rig* rig)
{
  lv2_atom_forge_set_buffer(&rig->forge, (uint8_t*)rig->control, CONTROL_CAPACITY);
  ck_assert(lv2_atom_forge_sequence_head(&rig->forge, &rig->control_frame, 0));
}

static void rig_control_end(Rig* rig)
{
  lv2_atom_forge_pop(&rig->forge, &rig->control_frame);
}

/* One cycle; the notify buffer is reset the way hosts do before each run.  Work
 * scheduled in it runs straight after, as a host's worker thread would between
 * cycles, so that its responses arrive in the next cycle. */
static void rig_cycle(Rig* rig, uint32_t n_frames)
{
  rig->notify->atom.type = rig->uris.atom_Chunk;
  rig->notify->atom.size = rig->notify_capacity;
  rig->last_frames = n_frames;
  lvth_host_cycle(rig->host, n_frames);
  lvth_host_run_worker(rig->host);
  /* Consumed: the next cycle gets an empty control sequence. */
  rig->control->atom.type = rig->uris.atom_Sequence;
  rig->control->atom.size = sizeof(LV2_Atom_Sequence_Body);
}

/* Bytes in a channel voice message with this status byte. */
static uint32_t midi_message_size(uint8_t status)
{
  const uint8_t kind = status & 0xf0;
  return (kind == 0xc0 || kind == 0xd0) ? 2 : 3;
}

/* The notify sequence is well formed, and every MIDI event in it is one complete
 * channel message timed inside the block. */
static void rig_assert_notify_valid(Rig* rig)
{
  const char* fault = lvth_sequence_fault(the_world(), rig->notify, rig->notify_capacity);
  ck_assert_msg(fault == NULL, "notify: %s", fault ? fault : "");
  const LV2_Atom_Sequence* seq = rig->notify;
  for (const LV2_Atom_Event* ev = lv2_atom_sequence_begin(&seq->body);
       !lv2_atom_sequence_is_end(&seq->body, seq->atom.size, ev);
       ev = lv2_atom_sequence_next(ev)) {
    if (ev->body.type != rig->uris.midi_MidiEvent) {
      continue;
    }
    const uint8_t* msg = (const uint8_t*)LV2_ATOM_BODY_CONST(&ev->body);
    ck_assert_msg(ev->time.frames >= 0 && (ev->time.frames < (int64_t)rig->last_frames ||
                                           ev->time.frames == 0),
                  "MIDI event at frame %lld in a block of %u", (long long)ev->time.frames,
                  rig->last_frames);
    ++rig->midi_seen;
    ck_assert_uint_ge(ev->body.size, 1);
    ck_assert_msg(msg[0] >= 0x80 && msg[0] < 0xf0, "MIDI status byte 0x%02x", msg[0]);
    ck_assert_uint_eq(ev->body.size, midi_message_size(msg[0]));
    for (uint32_t i = 1; i < ev->body.size; ++i) {
      ck_assert_msg(msg[i] < 0x80, "MIDI data byte %u is 0x%02x", i, msg[i]);
    }
  }
}

/* Every control output with a declared range holds a finite value inside it. */
static void rig_assert_outputs_in_range(Rig* rig)
{
  LvthPortInfo info;
  for (uint32_t i = 0; lvth_host_port_info(rig->host, i, &info); ++i) {
    if (!info.is_control || info.is_input || !info.has_range) {
      continue;
    }
    const float v = *info.value;
    ck_assert_msg(isfinite(v) && v >= info.minimum && v <= info.maximum,
                  "output %s = %g, outside [%g, %g]", info.symbol, (double)v,
                  (double)info.minimum, (double)info.maximum);
  }
}

/* Finds the status text in a patch:Set on notify.  Returns false if none. */
static bool notify_status(const Uris* u, const LV2_Atom_Sequence* notify, char* text,
                          size_t text_cap)
{
  for (const LV2_Atom_Event* ev = lv2_atom_sequence_begin(&notify->body);
       !lv2_atom_sequence_is_end(&notify->body, notify->atom.size, ev);
       ev = lv2_atom_sequence_next(ev)) {
    const LV2_Atom* body = &ev->body;
    if (body->type != u->atom_Object || body->size < sizeof(LV2_Atom_Object_Body)) {
      continue;
    }
    const LV2_Atom_Object* obj = (const LV2_Atom_Object*)body;
    if (obj->body.otype != u->patch_Set) {
      continue;
    }
    const LV2_Atom* property = NULL;
    const LV2_Atom* value = NULL;
    lv2_atom_object_get(obj, u->patch_property, &property, u->patch_value, &value, 0);
    if (!property || property->type != u->atom_URID ||
        ((const LV2_Atom_URID*)property)->body != u->tandem_status) {
      continue;
    }
    ck_assert_ptr_nonnull(value);
    ck_assert_uint_eq(value->type, u->atom_String);
    ck_assert_uint_ge(value->size, 1);
    const char* str = (const char*)LV2_ATOM_BODY_CONST(value);
    ck_assert_msg(str[value->size - 1] == '\0', "status string is not terminated");
    ck_assert_uint_lt(strlen(str), text_cap);
    memcpy(text, str, strlen(str) + 1);
    return true;
  }
  return false;
}

/* ---- Audio test data ---- */

static uint32_t next_random(uint64_t* rng)
{
  /* xorshift64*: a fixed seed gives the same data on every run and machine. */
  *rng ^= *rng >> 12;
  *rng ^= *rng << 25;
  *rng ^= *rng >> 27;
  return (uint32_t)((*rng * 2685821657736338717ull) >> 32);
}

/* Random bit patterns (so every kind of float appears), with the awkward
 * values planted at regular places so that even short blocks hold them. */
static void fill_awkward_audio(float* buf, uint32_t n, uint64_t seed)
{
  static const uint32_t special[] = {
      0x00000001u, /* smallest denormal */
      0x807fffffu, /* largest negative denormal */
      0x7fc00000u, /* quiet NaN */
      0x7f800001u, /* signalling NaN */
      0xffc12345u, /* negative NaN with payload */
      0x7f800000u, /* +Inf */
      0xff800000u, /* -Inf */
      0x80000000u, /* -0 */
  };
  uint64_t rng = seed | 1u;
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t bits = next_random(&rng);
    if (i % 3 == 0) {
      bits = special[(i / 3) % (sizeof(special) / sizeof(special[0]))];
    }
    memcpy(&buf[i], &bits, sizeof(bits));
  }
}

static void assert_bits_equal(const float* a, const float* b, uint32_t n,
                              const char* what)
{
  for (uint32_t i = 0; i < n; ++i) {
    if (memcmp(&a[i], &b[i], sizeof(float)) != 0) {
      uint32_t x;
      uint32_t y;
      memcpy(&x, &a[i], sizeof(x));
      memcpy(&y, &b[i], sizeof(y));
      ck_abort_msg("%s: sample %u differs: 0x%08x became 0x%08x", what, i, x, y);
    }
  }
}

/* Runs one block through the plugin, in place or not, and checks the output
 * bit by bit against the input. */
/* Noise in [-0.5, 0.5) with a loud click every 12000 frames: music-like input
 * that gives the analysis something to find. */
static void fill_clicky_noise(float* buf, uint32_t n, uint64_t seed)
{
  uint64_t rng = seed | 1u;
  for (uint32_t i = 0; i < n; ++i) {
    buf[i] = (float)next_random(&rng) / 4294967296.0f - 0.5f;
    if ((seed * 1024u + i) % 12000u < 32u) {
      buf[i] = 0.95f;
    }
  }
}

static void pass_through(Rig* rig, uint32_t n, bool in_place, uint64_t seed, bool awkward)
{
  float* expected = malloc((n ? n : 1) * sizeof(float));
  float* in = malloc((n ? n : 1) * sizeof(float));
  float* out = malloc((n ? n : 1) * sizeof(float));
  ck_assert(expected && in && out);
  if (awkward) {
    fill_awkward_audio(expected, n, seed);
  } else {
    fill_clicky_noise(expected, n, seed);
  }
  memcpy(in, expected, n * sizeof(float));
  /* A different pattern in out, so that "out was not written" fails. */
  fill_awkward_audio(out, n, seed ^ 0x5555u);

  float* out_port = in_place ? in : out;
  lilv_instance_connect_port(rig->instance, PORT_IN, in);
  lilv_instance_connect_port(rig->instance, PORT_OUT, out_port);
  rig_cycle(rig, n);
  char what[96];
  snprintf(what, sizeof(what), "%u frames %s", n, in_place ? "in place" : "not in place");
  assert_bits_equal(expected, out_port, n, what);
  if (!in_place) {
    assert_bits_equal(expected, in, n, "input buffer left as it was");
  }
  lilv_instance_connect_port(rig->instance, PORT_IN, rig->in);
  lilv_instance_connect_port(rig->instance, PORT_OUT, rig->out);
  free(expected);
  free(in);
  free(out);
}

/* Runs one block of random bit patterns (denormals, NaN, Inf included) through
 * the plugin, in place or not, and checks the output bit by bit. */
static void check_pass_through(Rig* rig, uint32_t n, bool in_place, uint64_t seed)
{
  pass_through(rig, n, in_place, seed, true);
}

/* ---- Forge helpers for control events ---- */

/* A time:Position to send; only the fields whose has_ flag is set are written. */
typedef struct {
  bool object_is_blank;
  bool has_bpm, has_speed, has_frame, has_bar, has_bar_beat, has_bpb, has_unit;
  double bpm, speed, bar_beat, bpb;
  int64_t frame, bar;
  int32_t unit;
} Position;

static void forge_position(Rig* rig, int64_t time, const Position* p)
{
  const Uris* u = &rig->uris;
  LV2_Atom_Forge* f = &rig->forge;
  LV2_Atom_Forge_Frame frame;
  ck_assert(lv2_atom_forge_frame_time(f, time));
  const LV2_Atom_Forge_Ref ref = lv2_atom_forge_object(f, &frame, 0, u->time_Position);
  ck_assert(ref);
  if (p->has_bpm) {
    ck_assert(lv2_atom_forge_key(f, u->time_beatsPerMinute));
    ck_assert(lv2_atom_forge_float(f, (float)p->bpm));
  }
  if (p->has_speed) {
    ck_assert(lv2_atom_forge_key(f, u->time_speed));
    ck_assert(lv2_atom_forge_float(f, (float)p->speed));
  }
  if (p->has_frame) {
    ck_assert(lv2_atom_forge_key(f, u->time_frame));
    ck_assert(lv2_atom_forge_long(f, p->frame));
  }
  if (p->has_bar) {
    ck_assert(lv2_atom_forge_key(f, u->time_bar));
    ck_assert(lv2_atom_forge_long(f, p->bar));
  }
  if (p->has_bar_beat) {
    ck_assert(lv2_atom_forge_key(f, u->time_barBeat));
    ck_assert(lv2_atom_forge_float(f, (float)p->bar_beat));
  }
  if (p->has_bpb) {
    ck_assert(lv2_atom_forge_key(f, u->time_beatsPerBar));
    ck_assert(lv2_atom_forge_float(f, (float)p->bpb));
  }
  if (p->has_unit) {
    ck_assert(lv2_atom_forge_key(f, u->time_beatUnit));
    ck_assert(lv2_atom_forge_int(f, p->unit));
  }
  lv2_atom_forge_pop(f, &frame);
  if (p->object_is_blank) {
    /* atom:Blank is what older hosts send for an object without an id. */
    lv2_atom_forge_deref(f, ref)->type = u->atom_Blank;
  }
}

static void forge_patch_get(Rig* rig, LV2_URID property)
{
  LV2_Atom_Forge* f = &rig->forge;
  LV2_Atom_Forge_Frame frame;
  ck_assert(lv2_atom_forge_frame_time(f, 0));
  ck_assert(lv2_atom_forge_object(f, &frame, 0, rig->uris.patch_Get));
  if (property) {
    ck_assert(lv2_atom_forge_key(f, rig->uris.patch_property));
    ck_assert(lv2_atom_forge_urid(f, property));
  }
  lv2_atom_forge_pop(f, &frame);
}

/* ======================================================================== */
/* Instantiation                                                            */
/* ======================================================================== */

START_TEST(test_instantiates_with_all_features)
{
  LvthHost* host = lvth_host_new(the_world(), 48000.0, 4096, LVTH_FEATURES_ALL);
  ck_assert_ptr_nonnull(lvth_host_instance(host));
  ck_assert_uint_eq(lvth_host_log(host)->error, 0);
  lvth_host_free(host);
}
END_TEST

START_TEST(test_instantiates_with_only_map_and_schedule)
{
  LvthHost* host =
      lvth_host_new(the_world(), 44100.0, 1024, LVTH_FEATURE_MAP | LVTH_FEATURE_SCHEDULE);
  ck_assert_ptr_nonnull(lvth_host_instance(host));
  lvth_host_free(host);
}
END_TEST

START_TEST(test_refuses_without_urid_map_and_names_it)
{
  LvthHost* host =
      lvth_host_new(the_world(), 48000.0, 4096, LVTH_FEATURES_ALL & ~LVTH_FEATURE_MAP);
  ck_assert_ptr_null(lvth_host_instance(host));
  /* Without a map the plugin cannot know the log type URIDs, but the line
   * still has to reach the host and say what is missing. */
  ck_assert_msg(strstr(lvth_host_log(host)->last, LV2_URID__map) != NULL, "log said: %s",
                lvth_host_log(host)->last);
  lvth_host_free(host);
}
END_TEST

START_TEST(test_refuses_without_worker_schedule_and_logs_one_error)
{
  LvthHost* host = lvth_host_new(the_world(), 48000.0, 4096,
                                 LVTH_FEATURES_ALL & ~LVTH_FEATURE_SCHEDULE);
  ck_assert_ptr_null(lvth_host_instance(host));
  ck_assert_uint_eq(lvth_host_log(host)->error, 1);
  ck_assert_msg(strstr(lvth_host_log(host)->last, LV2_WORKER__schedule) != NULL,
                "log said: %s", lvth_host_log(host)->last);
  lvth_host_free(host);
}
END_TEST

START_TEST(test_refuses_empty_feature_list)
{
  LvthHost* host = lvth_host_new(the_world(), 48000.0, 4096, LVTH_FEATURES_NONE);
  ck_assert_ptr_null(lvth_host_instance(host));
  lvth_host_free(host);
}
END_TEST

/* lilv never passes a NULL features pointer, so this calls the descriptor from
 * the bundle's binary directly, as a careless host might. */
START_TEST(test_refuses_null_features_pointer_and_has_one_descriptor)
{
  const LilvPlugin* plugin = lvth_world_plugin(the_world());
  const char* lib_uri = lilv_node_as_uri(lilv_plugin_get_library_uri(plugin));
  const char* bundle_uri = lilv_node_as_uri(lilv_plugin_get_bundle_uri(plugin));
  char* lib_path = lilv_file_uri_parse(lib_uri, NULL);
  char* bundle_path = lilv_file_uri_parse(bundle_uri, NULL);
  ck_assert(lib_path && bundle_path);
  void* lib = dlopen(lib_path, RTLD_NOW | RTLD_LOCAL);
  ck_assert_msg(lib != NULL, "dlopen %s: %s", lib_path, dlerror());
  LV2_Descriptor_Function get_descriptor =
      (LV2_Descriptor_Function)(uintptr_t)dlsym(lib, "lv2_descriptor");
  ck_assert(get_descriptor != NULL);
  const LV2_Descriptor* d = get_descriptor(0);
  ck_assert_ptr_nonnull(d);
  ck_assert_str_eq(d->URI, PLUGIN_URI);
  ck_assert_ptr_null(get_descriptor(1));
  ck_assert_ptr_null(d->instantiate(d, 48000.0, bundle_path, NULL));
  dlclose(lib);
  lilv_free(lib_path);
  lilv_free(bundle_path);
}
END_TEST

/* ======================================================================== */
/* Audio                                                                    */
/* ======================================================================== */

START_TEST(test_audio_passes_bit_exact_not_in_place)
{
  Rig* rig = rig_new(48000.0, 4096, LVTH_FEATURES_ALL);
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    check_pass_through(rig, 4096, false, seed);
  }
  rig_free(rig);
}
END_TEST

START_TEST(test_audio_passes_bit_exact_in_place)
{
  Rig* rig = rig_new(48000.0, 4096, LVTH_FEATURES_ALL);
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    check_pass_through(rig, 4096, true, seed);
  }
  rig_free(rig);
}
END_TEST

START_TEST(test_every_block_size_and_rate_passes_audio_bit_exact)
{
  static const double rates[] = {22050, 44100, 48000, 88200, 96000, 176400, 192000};
  static const uint32_t blocks[] = {0, 1, 7, 64, 1152, 8192};
  for (size_t r = 0; r < sizeof(rates) / sizeof(rates[0]); ++r) {
    Rig* rig = rig_new(rates[r], 8192, LVTH_FEATURES_ALL);
    /* A rolling transport, so that position tracking runs at every size too. */
    rig_control_begin(rig);
    const Position rolling = {.has_bpm = true,
                              .bpm = 120,
                              .has_speed = true,
                              .speed = 1,
                              .has_bar = true,
                              .bar = 0,
                              .has_bar_beat = true,
                              .has_frame = true,
                              .has_bpb = true,
                              .bpb = 4};
    forge_position(rig, 0, &rolling);
    rig_control_end(rig);
    rig_cycle(rig, 0);
    for (size_t b = 0; b < sizeof(blocks) / sizeof(blocks[0]); ++b) {
      check_pass_through(rig, blocks[b], false, 100 + b);
      check_pass_through(rig, blocks[b], true, 200 + b);
      rig_assert_notify_valid(rig);
    }
    rig_free(rig);
  }
}
END_TEST

/* A host with a broken clock must not get a plugin that divides by zero or
 * crashes; the rate option carries the same nonsense as the argument. */
static void check_rate_runs(Rig* rig, uint64_t seed)
{
  rig_control_begin(rig);
  const Position rolling = {.has_bpm = true,
                            .bpm = 140,
                            .has_speed = true,
                            .speed = 1,
                            .has_frame = true,
                            .has_bar = true,
                            .has_bar_beat = true};
  forge_position(rig, 0, &rolling);
  rig_control_end(rig);
  for (int i = 0; i < 4; ++i) {
    check_pass_through(rig, 512, i % 2 == 0, seed + (uint64_t)i);
    rig_assert_notify_valid(rig);
  }
}

START_TEST(test_invalid_sample_rates_fall_back_and_pass_audio)
{
  /* No usable rate at all: the plugin assumes one and plays. */
  static const double rates[] = {0.0, -48000.0, NAN, INFINITY};
  for (size_t r = 0; r < sizeof(rates) / sizeof(rates[0]); ++r) {
    Rig* rig = rig_new(rates[r], 512, LVTH_FEATURES_ALL);
    check_rate_runs(rig, r * 10);
    rig_free(rig);
  }
}
END_TEST

START_TEST(test_unsupported_sample_rates_refuse_with_an_error_or_run)
{
  /* Real but unsupported rates: refusing is fine if the host is told why. */
  static const double rates[] = {1.0, 8000.0, 1e7};
  for (size_t r = 0; r < sizeof(rates) / sizeof(rates[0]); ++r) {
    LvthHost* host = lvth_host_new(the_world(), rates[r], 512, LVTH_FEATURES_ALL);
    ck_assert_ptr_nonnull(host);
    const bool refused = lvth_host_instance(host) == NULL;
    const unsigned errors = lvth_host_log(host)->error;
    lvth_host_free(host);
    if (refused) {
      ck_assert_msg(errors >= 1, "refused %.0f Hz without logging why", rates[r]);
    } else {
      Rig* rig = rig_new(rates[r], 512, LVTH_FEATURES_ALL);
      check_rate_runs(rig, r * 10);
      rig_free(rig);
    }
  }
}
END_TEST

START_TEST(test_audio_passes_after_deactivate_and_reactivate)
{
  Rig* rig = rig_new(48000.0, 256, LVTH_FEATURES_ALL);
  check_pass_through(rig, 256, false, 1);
  for (int i = 0; i < 3; ++i) {
    lilv_instance_deactivate(rig->instance);
    lilv_instance_activate(rig->instance);
    check_pass_through(rig, 256, i % 2 == 0, (uint64_t)i + 2);
    rig_assert_notify_valid(rig);
  }
  rig_free(rig);
}
END_TEST

/* In freewheel (export) hosts run work() inside schedule_work, in run(). */
START_TEST(test_audio_passes_with_worker_run_inline_like_freewheel)
{
  Rig* rig = rig_new(44100.0, 1152, LVTH_FEATURES_ALL);
  lvth_host_set_worker_inline(rig->host, true);
  rig_control_begin(rig);
  const Position rolling = {.has_bpm = true,
                            .bpm = 174,
                            .has_speed = true,
                            .speed = 1,
                            .has_frame = true,
                            .has_bar = true,
                            .has_bar_beat = true,
                            .has_bpb = true,
                            .bpb = 4};
  forge_position(rig, 0, &rolling);
  rig_control_end(rig);
  /* About 21 s: long enough for several bars and any once-a-second work. */
  for (int i = 0; i < 800; ++i) {
    check_pass_through(rig, 1152, i % 2 == 0, (uint64_t)i);
    rig_assert_notify_valid(rig);
  }
  ck_assert_uint_eq(lvth_host_log(rig->host)->error, 0);
  rig_free(rig);
}
END_TEST

START_TEST(test_zero_frame_block_leaves_output_untouched)
{
  Rig* rig = rig_new(48000.0, 64, LVTH_FEATURES_ALL);
  fill_awkward_audio(rig->in, 64, 7);
  memset(rig->out, 0x5a, 64 * sizeof(float));
  float before[64];
  memcpy(before, rig->out, sizeof(before));
  rig_cycle(rig, 0);
  assert_bits_equal(before, rig->out, 64, "0 frames");
  rig_free(rig);
}
END_TEST

/* ======================================================================== */
/* Ports                                                                    */
/* ======================================================================== */

START_TEST(test_unconnected_optional_ports_do_not_crash)
{
  Rig* rig = rig_new(48000.0, 1024, LVTH_FEATURES_ALL);
  lilv_instance_connect_port(rig->instance, PORT_CONTROL, NULL);
  lilv_instance_connect_port(rig->instance, PORT_NOTIFY, NULL);
  lilv_instance_connect_port(rig->instance, PORT_ENABLED, NULL);
  /* Indices the plugin does not have are ignored, not written through. */
  float stray = 0.0f;
  lilv_instance_connect_port(rig->instance, 5, &stray);
  lilv_instance_connect_port(rig->instance, UINT32_MAX, &stray);
  for (int i = 0; i < 8; ++i) {
    lvth_host_cycle(rig->host, 1024);
  }
  check_pass_through(rig, 1024, false, 9);
  check_pass_through(rig, 1024, true, 10);

  /* Audio ports unconnected as well: hosts must not do this, but a crash is
   * the worst answer. */
  lilv_instance_connect_port(rig->instance, PORT_IN, NULL);
  lilv_instance_connect_port(rig->instance, PORT_OUT, NULL);
  lvth_host_cycle(rig->host, 1024);
  ck_assert_uint_eq(lvth_host_log(rig->host)->error, 0);
  rig_free(rig);
}
END_TEST

START_TEST(test_notify_smaller_than_empty_sequence_is_left_untouched)
{
  static const uint32_t capacities[] = {0, 8};
  for (size_t c = 0; c < 2; ++c) {
    Rig* rig = rig_new(48000.0, 256, LVTH_FEATURES_ALL);
    uint8_t* buf = malloc(64);
    ck_assert_ptr_nonnull(buf);
    memset(buf, 0xa5, 64);
    LV2_Atom* atom = (LV2_Atom*)buf;
    atom->type = rig->uris.atom_Chunk;
    atom->size = capacities[c];
    uint8_t before[64];
    memcpy(before, buf, 64);
    lilv_instance_connect_port(rig->instance, PORT_NOTIFY, buf);
    lvth_host_cycle(rig->host, 256);
    ck_assert_msg(memcmp(before, buf, 64) == 0, "notify of %u bytes was written",
                  capacities[c]);
    lilv_instance_connect_port(rig->instance, PORT_NOTIFY, rig->notify);
    free(buf);
    rig_free(rig);
  }
}
END_TEST

START_TEST(test_small_notify_holds_valid_sequence_and_delays_status)
{
  static const uint32_t capacities[] = {16, 64};
  for (size_t c = 0; c < 2; ++c) {
    Rig* rig = rig_new(48000.0, 256, LVTH_FEATURES_ALL);
    const uint32_t cap = capacities[c];
    /* Exactly cap bytes: a write past them is an ASan error. */
    LV2_Atom_Sequence* small = malloc(cap);
    ck_assert_ptr_nonnull(small);
    small->atom.type = rig->uris.atom_Chunk;
    small->atom.size = cap;
    lilv_instance_connect_port(rig->instance, PORT_NOTIFY, small);
    lvth_host_cycle(rig->host, 256);
    const char* fault = lvth_sequence_fault(the_world(), small, cap);
    ck_assert_msg(fault == NULL, "notify of %u bytes: %s", cap, fault ? fault : "");

    /* The status did not fit; it must come once there is room, not be lost. */
    char text[TANDEM_STATUS_MAX];
    const bool got_small = notify_status(&rig->uris, small, text, sizeof(text));
    lilv_instance_connect_port(rig->instance, PORT_NOTIFY, rig->notify);
    rig_cycle(rig, 256);
    rig_assert_notify_valid(rig);
    const bool got_big = notify_status(&rig->uris, rig->notify, text, sizeof(text));
    ck_assert_msg(got_small || got_big, "status lost after a %u-byte notify", cap);
    free(small);
    rig_free(rig);
  }
}
END_TEST

/* ======================================================================== */
/* Messages on the control port                                             */
/* ======================================================================== */

START_TEST(test_patch_get_is_answered_with_status_string)
{
  Rig* rig = rig_new(48000.0, 512, LVTH_FEATURES_ALL);
  char text[TANDEM_STATUS_MAX];
  /* Drain what the plugin announces on its own (activation, worker replies)
   * until a cycle passes without a status, so that the answer below can only
   * come from the Get. */
  bool quiet = false;
  for (int i = 0; i < 50 && !quiet; ++i) {
    rig_cycle(rig, 512);
    quiet = !notify_status(&rig->uris, rig->notify, text, sizeof(text));
  }
  ck_assert_msg(quiet, "status sent in every cycle without being asked");

  rig_control_begin(rig);
  forge_patch_get(rig, rig->uris.tandem_status);
  rig_control_end(rig);
  rig_cycle(rig, 512);
  rig_assert_notify_valid(rig);
  ck_assert_msg(notify_status(&rig->uris, rig->notify, text, sizeof(text)),
                "no patch:Set of status after patch:Get");
  ck_assert_uint_gt(strlen(text), 0);

  /* A Get without a property asks for everything, status included. */
  rig_control_begin(rig);
  forge_patch_get(rig, 0);
  rig_control_end(rig);
  rig_cycle(rig, 512);
  rig_assert_notify_valid(rig);
  ck_assert(notify_status(&rig->uris, rig->notify, text, sizeof(text)));
  rig_free(rig);
}
END_TEST

START_TEST(test_odd_time_positions_are_accepted)
{
  static const Position cases[] = {
      {.has_bpm = true, .bpm = 120, .has_speed = true, .speed = 1, .has_frame = true},
      {0}, /* no fields at all */
      {.object_is_blank = true,
       .has_bpm = true,
       .bpm = 97.5,
       .has_speed = true,
       .speed = 1},
      {.has_bpm = true, .bpm = 0},
      {.has_bpm = true, .bpm = -120},
      {.has_bpm = true, .bpm = 1e30},
      {.has_speed = true, .speed = 0},
      {.has_speed = true, .speed = -1},
      {.has_speed = true, .speed = 0.5},
      {.has_speed = true, .speed = 1e9},
      {.has_bar_beat = true, .bar_beat = 3.99, .has_bpb = true, .bpb = 4},
      {.has_bpb = true, .bpb = 0},
      {.has_bpb = true, .bpb = -3},
      {.has_unit = true, .unit = 0},
      {.has_unit = true, .unit = -8},
      {.has_frame = true, .frame = 480000, .has_bar = true, .bar = 100},
      {.has_frame = true, .frame = 0, .has_bar = true, .bar = 0}, /* jump back */
      {.has_frame = true, .frame = -48000, .has_bar = true, .bar = -1},
      {.has_frame = true, .frame = INT64_MAX, .has_bar = true, .bar = INT64_MIN},
      {.object_is_blank = true},
  };
  Rig* rig = rig_new(48000.0, 256, LVTH_FEATURES_ALL);
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
    rig_control_begin(rig);
    forge_position(rig, 0, &cases[i]);
    forge_position(rig, 100, &cases[(i + 1) % (sizeof(cases) / sizeof(cases[0]))]);
    rig_control_end(rig);
    check_pass_through(rig, 256, false, i);
    rig_assert_notify_valid(rig);
  }

  /* Event times outside the block and out of order. */
  static const int64_t odd_times[] = {1000000, -1, 255, 256, 0, INT64_MAX, INT64_MIN};
  rig_control_begin(rig);
  for (size_t i = 0; i < sizeof(odd_times) / sizeof(odd_times[0]); ++i) {
    forge_position(rig, odd_times[i], &cases[i]);
  }
  rig_control_end(rig);
  check_pass_through(rig, 256, false, 99);
  rig_assert_notify_valid(rig);

  /* Wrong value types: a string bpm, a URID speed, NaN and Inf doubles. */
  const Uris* u = &rig->uris;
  LV2_Atom_Forge* f = &rig->forge;
  rig_control_begin(rig);
  LV2_Atom_Forge_Frame frame;
  ck_assert(lv2_atom_forge_frame_time(f, 0));
  ck_assert(lv2_atom_forge_object(f, &frame, 0, u->time_Position));
  ck_assert(lv2_atom_forge_key(f, u->time_beatsPerMinute));
  ck_assert(lv2_atom_forge_string(f, "120", 3));
  ck_assert(lv2_atom_forge_key(f, u->time_speed));
  ck_assert(lv2_atom_forge_urid(f, u->time_speed));
  ck_assert(lv2_atom_forge_key(f, u->time_barBeat));
  ck_assert(lv2_atom_forge_double(f, NAN));
  ck_assert(lv2_atom_forge_key(f, u->time_frame));
  ck_assert(lv2_atom_forge_double(f, INFINITY));
  ck_assert(lv2_atom_forge_key(f, u->time_beatsPerBar));
  ck_assert(lv2_atom_forge_bool(f, true));
  ck_assert(lv2_atom_forge_key(f, u->time_bar));
  ck_assert(lv2_atom_forge_double(f, -INFINITY));
  lv2_atom_forge_pop(f, &frame);
  /* A MIDI note as well, which the control port also carries. */
  const uint8_t note_on[3] = {0x90, 60, 100};
  ck_assert(lv2_atom_forge_frame_time(f, 10));
  ck_assert(lv2_atom_forge_atom(f, 3, u->midi_MidiEvent));
  ck_assert(lv2_atom_forge_write(f, note_on, 3));
  rig_control_end(rig);
  check_pass_through(rig, 256, true, 77);
  rig_assert_notify_valid(rig);

  /* Still answering afterwards. */
  char text[TANDEM_STATUS_MAX];
  rig_control_begin(rig);
  forge_patch_get(rig, u->tandem_status);
  rig_control_end(rig);
  rig_cycle(rig, 256);
  ck_assert(notify_status(u, rig->notify, text, sizeof(text)));
  rig_free(rig);
}
END_TEST

/* ---- Malformed input, built byte by byte ---- */

/* Builds a raw control sequence in a scratch buffer. */
typedef struct {
  uint8_t bytes[1024];
  uint32_t used; /* bytes after the sequence header */
} RawSeq;

static void raw_put(RawSeq* raw, const void* data, uint32_t size)
{
  ck_assert_uint_le(sizeof(LV2_Atom_Sequence) + raw->used + size, sizeof(raw->bytes));
  memcpy(raw->bytes + sizeof(LV2_Atom_Sequence) + raw->used, data, size);
  raw->used += size;
}

static void raw_u32(RawSeq* raw, uint32_t v)
{
  raw_put(raw, &v, sizeof(v));
}

static void raw_event_header(RawSeq* raw, int64_t frames, uint32_t size, uint32_t type)
{
  raw_put(raw, &frames, sizeof(frames));
  raw_u32(raw, size);
  raw_u32(raw, type);
}

static void raw_pad(RawSeq* raw)
{
  static const uint8_t zeros[8] = {0};
  raw_put(raw, zeros, lv2_atom_pad_size(raw->used) - raw->used);
}

/* Copies the sequence into a heap block that ends exactly where its size says,
 * connects it, runs one cycle and frees it: any read past the end is an ASan
 * error in the sanitizer build. */
static void run_raw(Rig* rig, RawSeq* raw)
{
  const uint32_t total = (uint32_t)sizeof(LV2_Atom_Sequence) + raw->used;
  LV2_Atom_Sequence* header = (LV2_Atom_Sequence*)raw->bytes;
  header->atom.type = rig->uris.atom_Sequence;
  header->atom.size = (uint32_t)sizeof(LV2_Atom_Sequence_Body) + raw->used;
  header->body.unit = 0;
  header->body.pad = 0;
  uint8_t* exact = malloc(total);
  ck_assert_ptr_nonnull(exact);
  memcpy(exact, raw->bytes, total);
  lilv_instance_connect_port(rig->instance, PORT_CONTROL, exact);
  check_pass_through(rig, 64, false, raw->used);
  rig_assert_notify_valid(rig);
  lilv_instance_connect_port(rig->instance, PORT_CONTROL, rig->control);
  free(exact);
  memset(raw, 0, sizeof(*raw));
}

START_TEST(test_truncated_and_garbage_events_are_rejected_safely)
{
  Rig* rig = rig_new(48000.0, 64, LVTH_FEATURES_ALL);
  const Uris* u = &rig->uris;
  RawSeq raw = {{0}, 0};

  /* Object atoms too small for an object body. */
  raw_event_header(&raw, 0, 0, u->atom_Object);
  run_raw(rig, &raw);
  raw_event_header(&raw, 0, 4, u->atom_Object);
  raw_u32(&raw, u->time_Position);
  run_raw(rig, &raw);
  raw_event_header(&raw, 0, 4, u->atom_Blank);
  raw_u32(&raw, u->patch_Get);
  run_raw(rig, &raw);

  /* A time:Position that ends in the middle of its first property. */
  raw_event_header(&raw, 0, 12, u->atom_Object);
  raw_u32(&raw, 0);
  raw_u32(&raw, u->time_Position);
  raw_u32(&raw, u->time_beatsPerMinute);
  run_raw(rig, &raw);

  /* A property whose value claims more bytes than the object holds. */
  raw_event_header(&raw, 0, 24, u->atom_Object);
  raw_u32(&raw, 0);
  raw_u32(&raw, u->time_Position);
  raw_u32(&raw, u->time_beatsPerMinute);
  raw_u32(&raw, 0);
  raw_u32(&raw, 1000);
  raw_u32(&raw, u->atom_Float);
  run_raw(rig, &raw);

  /* A value atom with a size too small for its type. */
  raw_event_header(&raw, 0, 24, u->atom_Object);
  raw_u32(&raw, 0);
  raw_u32(&raw, u->time_Position);
  raw_u32(&raw, u->time_speed);
  raw_u32(&raw, 0);
  raw_u32(&raw, 0);
  raw_u32(&raw, u->atom_Double);
  run_raw(rig, &raw);

  /* A patch:Get whose property value has no body. */
  raw_event_header(&raw, 0, 24, u->atom_Object);
  raw_u32(&raw, 0);
  raw_u32(&raw, u->patch_Get);
  raw_u32(&raw, u->patch_property);
  raw_u32(&raw, 0);
  raw_u32(&raw, 4);
  raw_u32(&raw, u->atom_URID);
  run_raw(rig, &raw);

  /* An event whose body runs past the end of the sequence. */
  raw_event_header(&raw, 0, 64, u->atom_Object);
  raw_u32(&raw, 0);
  raw_u32(&raw, u->time_Position);
  run_raw(rig, &raw);
  raw_event_header(&raw, 0, 3000, u->midi_MidiEvent);
  run_raw(rig, &raw);
  raw_event_header(&raw, 0, UINT32_MAX, u->atom_Object);
  run_raw(rig, &raw);

  /* A good event followed by half an event header. */
  raw_event_header(&raw, 0, 3, u->midi_MidiEvent);
  raw_u32(&raw, 0x00643c90u);
  raw_pad(&raw);
  raw_put(&raw, &(int64_t){5}, sizeof(int64_t));
  run_raw(rig, &raw);

  /* A sequence that is not a sequence, and one too short for its body. */
  LV2_Atom* chunk = calloc(1, sizeof(LV2_Atom) + 8);
  ck_assert_ptr_nonnull(chunk);
  chunk->type = u->atom_Chunk;
  chunk->size = 8;
  lilv_instance_connect_port(rig->instance, PORT_CONTROL, chunk);
  check_pass_through(rig, 64, false, 1);
  chunk->type = u->atom_Sequence;
  chunk->size = 4;
  check_pass_through(rig, 64, false, 2);
  free(chunk);
  lilv_instance_connect_port(rig->instance, PORT_CONTROL, rig->control);

  /* The plugin still works after all that. */
  char text[TANDEM_STATUS_MAX];
  rig_control_begin(rig);
  forge_patch_get(rig, u->tandem_status);
  rig_control_end(rig);
  rig_cycle(rig, 64);
  ck_assert(notify_status(u, rig->notify, text, sizeof(text)));
  rig_free(rig);
}
END_TEST

static void forge_patch_set(Rig* rig, LV2_URID property, LV2_URID value_type,
                            const void* value, uint32_t value_size)
{
  LV2_Atom_Forge* f = &rig->forge;
  LV2_Atom_Forge_Frame frame;
  ck_assert(lv2_atom_forge_frame_time(f, 0));
  ck_assert(lv2_atom_forge_object(f, &frame, 0, rig->uris.patch_Set));
  if (property) {
    ck_assert(lv2_atom_forge_key(f, rig->uris.patch_property));
    ck_assert(lv2_atom_forge_urid(f, property));
  }
  if (value_type) {
    ck_assert(lv2_atom_forge_key(f, rig->uris.patch_value));
    ck_assert(lv2_atom_forge_atom(f, value_size, value_type));
    ck_assert(lv2_atom_forge_write(f, value, value_size));
  }
  lv2_atom_forge_pop(f, &frame);
}

START_TEST(test_odd_patch_set_messages_are_ignored_and_status_stays_read_only)
{
  Rig* rig = rig_new(48000.0, 256, LVTH_FEATURES_ALL);
  const Uris* u = &rig->uris;
  char before[TANDEM_STATUS_MAX];
  rig_control_begin(rig);
  forge_patch_get(rig, u->tandem_status);
  rig_control_end(rig);
  rig_cycle(rig, 256);
  ck_assert(notify_status(u, rig->notify, before, sizeof(before)));

  const LV2_URID style_file = lvth_urid(the_world(), "urn:tandem:plugin#styleFile");
  const int32_t number = 42;
  const float level = 0.5f;
  rig_control_begin(rig);
  forge_patch_set(rig, 0, u->atom_String, "x", 2);                     /* no property */
  forge_patch_set(rig, u->tandem_status, 0, NULL, 0);                  /* no value */
  forge_patch_set(rig, u->tandem_status, u->atom_String, "hacked", 7); /* read-only */
  forge_patch_set(rig, u->time_speed, u->atom_Float, &level, 4);       /* not ours */
  forge_patch_set(rig, style_file, u->atom_Int, &number, 4);           /* wrong type */
  forge_patch_set(rig, style_file, u->atom_String, "", 0);             /* empty body */
  /* patch:property that is not a URID. */
  LV2_Atom_Forge_Frame frame;
  ck_assert(lv2_atom_forge_frame_time(&rig->forge, 0));
  ck_assert(lv2_atom_forge_object(&rig->forge, &frame, 0, u->patch_Set));
  ck_assert(lv2_atom_forge_key(&rig->forge, u->patch_property));
  ck_assert(lv2_atom_forge_int(&rig->forge, number));
  lv2_atom_forge_pop(&rig->forge, &frame);
  rig_control_end(rig);
  check_pass_through(rig, 256, false, 8);
  rig_assert_notify_valid(rig);

  /* A path without its terminating NUL, ending exactly at the buffer's end. */
  RawSeq raw = {{0}, 0};
  raw_event_header(&raw, 0, 52, u->atom_Object);
  raw_u32(&raw, 0);
  raw_u32(&raw, u->patch_Set);
  raw_u32(&raw, u->patch_property);
  raw_u32(&raw, 0);
  raw_u32(&raw, 4);
  raw_u32(&raw, u->atom_URID);
  raw_u32(&raw, style_file);
  raw_u32(&raw, 0);
  raw_u32(&raw, u->patch_value);
  raw_u32(&raw, 0);
  raw_u32(&raw, 4);
  raw_u32(&raw, u->atom_String);
  raw_put(&raw, "abcd", 4);
  run_raw(rig, &raw);

  /* The status is still the plugin's own. */
  char after[TANDEM_STATUS_MAX];
  rig_control_begin(rig);
  forge_patch_get(rig, u->tandem_status);
  rig_control_end(rig);
  rig_cycle(rig, 256);
  ck_assert(notify_status(u, rig->notify, after, sizeof(after)));
  ck_assert_str_ne(after, "hacked");
  rig_free(rig);
}
END_TEST

/* ======================================================================== */
/* Control ports                                                            */
/* ======================================================================== */

static void start_rolling(Rig* rig, double bpm)
{
  rig_control_begin(rig);
  const Position rolling = {.has_bpm = true,
                            .bpm = bpm,
                            .has_speed = true,
                            .speed = 1,
                            .has_frame = true,
                            .has_bar = true,
                            .has_bar_beat = true,
                            .has_bpb = true,
                            .bpb = 4};
  forge_position(rig, 0, &rolling);
  rig_control_end(rig);
}

START_TEST(test_plays_midi_and_outputs_stay_in_range_through_nan_and_inf_input)
{
  Rig* rig = rig_new(48000.0, 1024, LVTH_FEATURES_ALL);
  start_rolling(rig, 128);
  /* Clean input, then garbage, then clean again: outputs must recover too. */
  for (int i = 0; i < 240; ++i) {
    const bool awkward = i >= 80 && i < 160;
    pass_through(rig, 1024, i % 2 == 0, (uint64_t)i, awkward);
    rig_assert_notify_valid(rig);
    rig_assert_outputs_in_range(rig);
  }
  /* Default controls and a rolling host: the part must have started playing. */
  ck_assert_msg(rig->midi_seen > 0, "no MIDI in 5 s of a rolling transport");
  rig_free(rig);
}
END_TEST

/* Sets every control input to one kind of value.  export stays off: it writes
 * files, which a test must not do in the source or build tree. */
static void set_all_controls(Rig* rig, int setting)
{
  static const float specials[] = {NAN, INFINITY, -INFINITY, -1e9f, 1e9f};
  LvthPortInfo info;
  for (uint32_t i = 0; lvth_host_port_info(rig->host, i, &info); ++i) {
    if (!info.is_control || !info.is_input || !strcmp(info.symbol, "export") ||
        !strcmp(info.symbol, "save_profile")) {
      continue;
    }
    float v = info.default_value;
    if (setting == 0) {
      v = info.minimum;
    } else if (setting == 1) {
      v = info.maximum;
    } else if (setting == 2) {
      v = 0.5f * (info.minimum + info.maximum) + 0.37f; /* between the steps */
    } else {
      v = specials[setting - 3];
    }
    *info.value = v;
  }
}

START_TEST(test_control_inputs_at_extremes_keep_audio_midi_and_outputs_sane)
{
  static const char* const names[] = {"minimum", "maximum", "off-step", "NaN",
                                      "+Inf",    "-Inf",    "-1e9",     "1e9"};
  for (int setting = 0; setting < 8; ++setting) {
    Rig* rig = rig_new(48000.0, 1024, LVTH_FEATURES_ALL);
    set_all_controls(rig, setting);
    start_rolling(rig, 128);
    for (int i = 0; i < 120; ++i) {
      pass_through(rig, 1024, i % 2 == 0, (uint64_t)i, i % 16 == 15);
      rig_assert_notify_valid(rig);
      ck_assert_msg(lvth_host_log(rig->host)->error == 0, "controls at %s: %s",
                    names[setting], lvth_host_log(rig->host)->last);
    }
    rig_assert_outputs_in_range(rig);
    rig_free(rig);
  }
}
END_TEST

/* ======================================================================== */
/* State                                                                    */
/* ======================================================================== */

typedef struct {
  float enabled;
  unsigned set_calls;
} PortValues;

static const void* get_port_value(const char* symbol, void* user_data, uint32_t* size,
                                  uint32_t* type)
{
  PortValues* values = (PortValues*)user_data;
  if (!strcmp(symbol, "enabled")) {
    *size = sizeof(float);
    *type = lvth_urid(the_world(), LV2_ATOM__Float);
    return &values->enabled;
  }
  *size = 0;
  *type = 0;
  return NULL;
}

static void set_port_value(const char* symbol, void* user_data, const void* value,
                           uint32_t size, uint32_t type)
{
  PortValues* values = (PortValues*)user_data;
  if (!strcmp(symbol, "enabled") && size == sizeof(float) &&
      type == lvth_urid(the_world(), LV2_ATOM__Float)) {
    memcpy(&values->enabled, value, sizeof(float));
    values->set_calls++;
  }
}

/* Saves an instance's state and returns it serialised as Turtle. */
static char* save_state_string(Rig* rig, float enabled)
{
  LvthWorld* w = the_world();
  PortValues saved = {enabled, 0};
  LilvState* state = lilv_state_new_from_instance(
      lvth_world_plugin(w), rig->instance, lvth_world_map(w), NULL, NULL, NULL, NULL,
      get_port_value, &saved, LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE,
      lvth_host_features(rig->host));
  ck_assert_ptr_nonnull(state);
  char* text =
      lilv_state_to_string(lvth_world_lilv(w), lvth_world_map(w), lvth_world_unmap(w),
                           state, "urn:tandem:test-state", NULL);
  ck_assert_ptr_nonnull(text);
  lilv_state_free(state);
  return text;
}

static LilvState* state_from_string(const char* text)
{
  LvthWorld* w = the_world();
  LilvState* state =
      lilv_state_new_from_string(lvth_world_lilv(w), lvth_world_map(w), text);
  ck_assert_msg(state != NULL, "lilv could not read state:\n%s", text);
  return state;
}

START_TEST(test_state_round_trips_into_a_fresh_instance)
{
  Rig* a = rig_new(48000.0, 256, LVTH_FEATURES_ALL);
  check_pass_through(a, 256, false, 3);
  char* text = save_state_string(a, 0.0f);
  ck_assert_msg(strstr(text, STATE_VERSION_URI) != NULL, "no state version in:\n%s",
                text);
  rig_free(a);

  LilvState* state = state_from_string(text);
  Rig* b = rig_new(48000.0, 256, LVTH_FEATURES_ALL);
  PortValues restored = {1.0f, 0};
  lilv_state_restore(state, b->instance, set_port_value, &restored, 0,
                     lvth_host_features(b->host));
  ck_assert_uint_eq(restored.set_calls, 1);
  ck_assert_float_eq(restored.enabled, 0.0f);
  /* The plugin logs a note or warning when the version is missing or odd. */
  const LvthLogCounts* log = lvth_host_log(b->host);
  ck_assert_msg(log->warning == 0 && log->note == 0 && log->error == 0,
                "restore complained: %s", log->last);
  check_pass_through(b, 256, true, 4);
  lilv_state_free(state);
  lilv_free(text);
  rig_free(b);
}
END_TEST

START_TEST(test_state_restores_with_no_features_at_all)
{
  Rig* a = rig_new(48000.0, 256, LVTH_FEATURES_ALL);
  char* text = save_state_string(a, 1.0f);
  rig_free(a);
  LilvState* state = state_from_string(text);

  Rig* b = rig_new(96000.0, 256, LVTH_FEATURES_ALL);
  lilv_state_restore(state, b->instance, NULL, NULL, 0, NULL);
  ck_assert_uint_eq(lvth_host_log(b->host)->warning, 0);
  check_pass_through(b, 256, false, 5);
  rig_free(b);

  Rig* c = rig_new(44100.0, 256, LVTH_FEATURE_MAP | LVTH_FEATURE_SCHEDULE);
  lilv_state_restore(state, c->instance, NULL, NULL, 0, NULL);
  check_pass_through(c, 256, false, 6);
  rig_free(c);

  lilv_state_free(state);
  lilv_free(text);
}
END_TEST

/* Replaces the first "from" in text with "to"; returns a new string. */
static char* replace_once(const char* text, const char* from, const char* to)
{
  const char* at = strstr(text, from);
  ck_assert_msg(at != NULL, "'%s' not found in:\n%s", from, text);
  const size_t head = (size_t)(at - text);
  const size_t n = strlen(text) - strlen(from) + strlen(to) + 1;
  char* out = malloc(n);
  ck_assert_ptr_nonnull(out);
  memcpy(out, text, head);
  strcpy(out + head, to);
  strcat(out, at + strlen(from));
  return out;
}

START_TEST(test_state_restore_warns_about_newer_or_mistyped_version)
{
  Rig* a = rig_new(48000.0, 256, LVTH_FEATURES_ALL);
  char* text = save_state_string(a, 1.0f);
  rig_free(a);
  /* lilv writes the atom:Int version as <...#stateVersion> "N"^^xsd:int. */
  const char* key = "stateVersion> ";
  const char* at = strstr(text, key);
  ck_assert_msg(at != NULL, "no state version in:\n%s", text);
  at += strlen(key);
  const char* end = strstr(at, "^^xsd:int");
  ck_assert_msg(end != NULL && end - at < 16, "version is not an xsd:int in:\n%s", text);
  char literal[32];
  memcpy(literal, at, (size_t)(end - at) + strlen("^^xsd:int"));
  literal[(size_t)(end - at) + strlen("^^xsd:int")] = '\0';
  char* newer = replace_once(text, literal, "\"2000000000\"^^xsd:int");
  char* typed = replace_once(text, literal, "\"one\"");
  char* none = replace_once(text, "stateVersion>", "unknownKey>");

  struct {
    const char* text;
    unsigned warnings;
    unsigned notes;
  } cases[] = {{newer, 1, 0}, {typed, 1, 0}, {none, 0, 1}};
  for (size_t i = 0; i < 3; ++i) {
    LilvState* state = state_from_string(cases[i].text);
    Rig* b = rig_new(48000.0, 256, LVTH_FEATURES_ALL);
    lilv_state_restore(state, b->instance, NULL, NULL, 0, lvth_host_features(b->host));
    ck_assert_msg(lvth_host_log(b->host)->warning == cases[i].warnings &&
                      lvth_host_log(b->host)->note == cases[i].notes,
                  "case %zu: %u warnings, %u notes (last: %s)", i,
                  lvth_host_log(b->host)->warning, lvth_host_log(b->host)->note,
                  lvth_host_log(b->host)->last);
    check_pass_through(b, 256, false, i);
    rig_free(b);
    lilv_state_free(state);
  }
  free(newer);
  free(typed);
  free(none);
  lilv_free(text);
}
END_TEST

/* ======================================================================== */
/* Worker and extension data                                                */
/* ======================================================================== */

START_TEST(test_extension_data_offers_worker_and_state_only)
{
  Rig* rig = rig_new(48000.0, 256, LVTH_FEATURES_ALL);
  const LV2_Worker_Interface* worker =
      (const LV2_Worker_Interface*)lilv_instance_get_extension_data(
          rig->instance, LV2_WORKER__interface);
  ck_assert_ptr_nonnull(worker);
  ck_assert(worker->work && worker->work_response && worker->end_run);
  const LV2_State_Interface* state =
      (const LV2_State_Interface*)lilv_instance_get_extension_data(rig->instance,
                                                                   LV2_STATE__interface);
  ck_assert_ptr_nonnull(state);
  ck_assert(state->save && state->restore);
  ck_assert_ptr_null(
      lilv_instance_get_extension_data(rig->instance, "urn:tandem:no-such-extension"));
  rig_free(rig);
}
END_TEST

static LV2_Worker_Status count_respond(LV2_Worker_Respond_Handle handle, uint32_t size,
                                       const void* data)
{
  (void)data;
  (void)size;
  unsigned* calls = (unsigned*)handle;
  (*calls)++;
  return LV2_WORKER_SUCCESS;
}

START_TEST(test_work_rejects_unknown_and_short_messages)
{
  Rig* rig = rig_new(48000.0, 256, LVTH_FEATURES_ALL);
  const LV2_Worker_Interface* worker = lvth_host_worker(rig->host);
  ck_assert_ptr_nonnull(worker);
  LV2_Handle handle = lilv_instance_get_handle(rig->instance);
  unsigned responses = 0;

  ck_assert_int_eq(worker->work(handle, count_respond, &responses, 0, NULL),
                   LV2_WORKER_ERR_UNKNOWN);
  const uint8_t two[2] = {1, 0};
  ck_assert_int_eq(worker->work(handle, count_respond, &responses, 2, two),
                   LV2_WORKER_ERR_UNKNOWN);
  const uint32_t unknown = 0xdeadbeefu;
  ck_assert_int_eq(worker->work(handle, count_respond, &responses, 4, &unknown),
                   LV2_WORKER_ERR_UNKNOWN);
  ck_assert_int_eq(worker->work(handle, count_respond, &responses, 4, NULL),
                   LV2_WORKER_ERR_UNKNOWN);

  /* A known tag with the wrong size is as bad as an unknown one. */
  TandemLogMsg log_msg;
  memset(&log_msg, 'x', sizeof(log_msg));
  log_msg.type = TANDEM_MSG_LOG;
  log_msg.level = TANDEM_LOG_WARNING;
  ck_assert_int_eq(worker->work(handle, count_respond, &responses, 8, &log_msg),
                   LV2_WORKER_ERR_UNKNOWN);
  ck_assert_int_eq(
      worker->work(handle, count_respond, &responses, sizeof(log_msg) - 1, &log_msg),
      LV2_WORKER_ERR_UNKNOWN);
  /* A status message belongs to work_response, not work. */
  TandemStatusMsg status_msg = {.type = TANDEM_MSG_STATUS, .text = "hello"};
  ck_assert_int_eq(
      worker->work(handle, count_respond, &responses, sizeof(status_msg), &status_msg),
      LV2_WORKER_ERR_UNKNOWN);
  ck_assert_uint_eq(lvth_host_log(rig->host)->warning, 0);

  /* The right size is accepted, even with unterminated text. */
  ck_assert_int_eq(
      worker->work(handle, count_respond, &responses, sizeof(log_msg), &log_msg),
      LV2_WORKER_SUCCESS);
  ck_assert_uint_eq(lvth_host_log(rig->host)->warning, 1);
  ck_assert_uint_eq(responses, 0);
  rig_free(rig);
}
END_TEST

START_TEST(test_work_response_status_reaches_notify)
{
  Rig* rig = rig_new(48000.0, 256, LVTH_FEATURES_ALL);
  const LV2_Worker_Interface* worker = lvth_host_worker(rig->host);
  LV2_Handle handle = lilv_instance_get_handle(rig->instance);
  rig_cycle(rig, 256); /* drain the first status */

  const uint32_t unknown = 77;
  ck_assert_int_eq(worker->work_response(handle, 4, &unknown), LV2_WORKER_ERR_UNKNOWN);
  ck_assert_int_eq(worker->work_response(handle, 2, &unknown), LV2_WORKER_ERR_UNKNOWN);
  ck_assert_int_eq(worker->work_response(handle, 0, NULL), LV2_WORKER_ERR_UNKNOWN);
  TandemStatusMsg msg = {.type = TANDEM_MSG_STATUS, .text = "rehearsing"};
  ck_assert_int_eq(worker->work_response(handle, sizeof(msg) - 4, &msg),
                   LV2_WORKER_ERR_UNKNOWN);

  ck_assert_int_eq(worker->work_response(handle, sizeof(msg), &msg), LV2_WORKER_SUCCESS);
  rig_cycle(rig, 256);
  char text[TANDEM_STATUS_MAX];
  ck_assert(notify_status(&rig->uris, rig->notify, text, sizeof(text)));
  ck_assert_str_eq(text, "rehearsing");

  /* Unterminated text is cut to fit, never read past. */
  memset(msg.text, 'y', sizeof(msg.text));
  ck_assert_int_eq(worker->work_response(handle, sizeof(msg), &msg), LV2_WORKER_SUCCESS);
  rig_cycle(rig, 256);
  ck_assert(notify_status(&rig->uris, rig->notify, text, sizeof(text)));
  ck_assert_uint_eq(strlen(text), TANDEM_STATUS_MAX - 1);
  rig_free(rig);
}
END_TEST

/* ======================================================================== */

static Suite* plugin_suite(void)
{
  Suite* s = suite_create("plugin");

  TCase* tc = tcase_create("instantiate");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_instantiates_with_all_features);
  tcase_add_test(tc, test_instantiates_with_only_map_and_schedule);
  tcase_add_test(tc, test_refuses_without_urid_map_and_names_it);
  tcase_add_test(tc, test_refuses_without_worker_schedule_and_logs_one_error);
  tcase_add_test(tc, test_refuses_empty_feature_list);
  tcase_add_test(tc, test_refuses_null_features_pointer_and_has_one_descriptor);
  suite_add_tcase(s, tc);

  tc = tcase_create("audio");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_audio_passes_bit_exact_not_in_place);
  tcase_add_test(tc, test_audio_passes_bit_exact_in_place);
  tcase_add_test(tc, test_every_block_size_and_rate_passes_audio_bit_exact);
  tcase_add_test(tc, test_invalid_sample_rates_fall_back_and_pass_audio);
  tcase_add_test(tc, test_unsupported_sample_rates_refuse_with_an_error_or_run);
  tcase_add_test(tc, test_audio_passes_after_deactivate_and_reactivate);
  tcase_add_test(tc, test_audio_passes_with_worker_run_inline_like_freewheel);
  tcase_add_test(tc, test_zero_frame_block_leaves_output_untouched);
  suite_add_tcase(s, tc);

  tc = tcase_create("ports");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_unconnected_optional_ports_do_not_crash);
  tcase_add_test(tc, test_notify_smaller_than_empty_sequence_is_left_untouched);
  tcase_add_test(tc, test_small_notify_holds_valid_sequence_and_delays_status);
  suite_add_tcase(s, tc);

  tc = tcase_create("messages");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_patch_get_is_answered_with_status_string);
  tcase_add_test(tc, test_odd_time_positions_are_accepted);
  tcase_add_test(tc, test_truncated_and_garbage_events_are_rejected_safely);
  tcase_add_test(tc, test_odd_patch_set_messages_are_ignored_and_status_stays_read_only);
  suite_add_tcase(s, tc);

  tc = tcase_create("controls");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_plays_midi_and_outputs_stay_in_range_through_nan_and_inf_input);
  tcase_add_test(tc, test_control_inputs_at_extremes_keep_audio_midi_and_outputs_sane);
  suite_add_tcase(s, tc);

  tc = tcase_create("state");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_state_round_trips_into_a_fresh_instance);
  tcase_add_test(tc, test_state_restores_with_no_features_at_all);
  tcase_add_test(tc, test_state_restore_warns_about_newer_or_mistyped_version);
  suite_add_tcase(s, tc);

  tc = tcase_create("worker");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_extension_data_offers_worker_and_state_only);
  tcase_add_test(tc, test_work_rejects_unknown_and_short_messages);
  tcase_add_test(tc, test_work_response_status_reaches_notify);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  world = lvth_world_new(PLUGIN_URI);
  if (!world) {
    return EXIT_FAILURE;
  }
  SRunner* runner = srunner_create(plugin_suite());
  srunner_run_all(runner, CK_NORMAL);
  const int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  lvth_world_free(world);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
