/* Tandem — host transport tracking (plugin/transport.c), and the built plugin
 * following the transport the way Ardour 7.3 sends it.
 *
 * What Ardour 7.3 sends was measured by loading a logging plugin in ardour7-lua
 * (the session of tests/hosts/ardour_session.lua: 100 bpm, 48 kHz, 1024-frame
 * cycles, the plugin on an audio track):
 *   - An atom input that supports time:Position AND midi:MidiEvent gets a
 *     time:Position only when the route feeds that port MIDI.  An audio track
 *     feeds none, so such a port gets no position at all, rolling or not, and
 *     the plugin plays by its own clock.  A port that supports time:Position and
 *     not midi:MidiEvent always gets them.
 *   - Stopped: a position (speed 0) in the first cycle and when anything
 *     changes; just before a roll one with frame -752 (pre-roll) in a 752-frame
 *     cycle.
 *   - The first rolling cycle is split: 272 frames from frame 0, with a
 *     position at event time 0 (speed 1, bar 0, barBeat 0).  From then on a
 *     position at event time 0 of every cycle.
 *   - Fields: frame Long, speed Float, barBeat Float, bar Long, beatUnit Int,
 *     beatsPerBar Float, beatsPerMinute Float, time:scale Float, in an
 *     atom:Object.
 * The plugin test replays exactly that through lilv, deciding like Ardour from
 * the plugin's Turtle whether the positions reach it.
 *
 * Needs LV2_PATH to include the build folder (meson sets it).
 */
#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/midi/midi.h>
#include <lv2/time/time.h>

#include "lv2_test_host.h"
#include "transport.h"
#include "uris.h"

#define PLUGIN_URI       "urn:tandem:plugin"
#define RATE             48000.0
#define BPM              100.0
#define CYCLE            1024u
#define PREROLL          752u /* Ardour's stopped cycle just before a roll */
#define FIRST_ROLL       272u /* the split first rolling cycle */
#define CONTROL_CAPACITY 4096u
#define NOTIFY_CAPACITY  65536u
/* A 16th note at BPM, in frames (7200 at 100 bpm and 48 kHz). */
#define SIXTEENTH_FRAMES (RATE * 60.0 / BPM / 4.0)

/* Loaded once in main(), before Check forks each test. */
static LvthWorld* world;

static LvthWorld* the_world(void)
{
  ck_assert_msg(world != NULL, "the plugin was not found; is LV2_PATH set to the build?");
  return world;
}

/* ---- Ardour 7.3's time:Position ---- */

typedef struct {
  int64_t frame;
  double speed;
  double bpm;
} ArdourPosition;

/* Forges the object Ardour 7.3 writes (write_position in its lv2_plugin.cc:
 * field order and atom types as it sends them), bar and beat worked out from
 * the frame at a constant tempo in 4/4.  A pre-roll frame below 0 is bar 0,
 * beat 0, as Ardour reports it. */
static void forge_ardour_position(LV2_Atom_Forge* f, const ArdourPosition* p)
{
  LvthWorld* w = the_world();
  const double beats = p->frame > 0 ? (double)p->frame * p->bpm / (60.0 * RATE) : 0.0;
  const int64_t bar = (int64_t)floor(beats / 4.0);
  LV2_Atom_Forge_Frame frame;
  ck_assert(lv2_atom_forge_object(f, &frame, 0, lvth_urid(w, LV2_TIME__Position)));
  ck_assert(lv2_atom_forge_key(f, lvth_urid(w, LV2_TIME__frame)));
  ck_assert(lv2_atom_forge_long(f, p->frame));
  ck_assert(lv2_atom_forge_key(f, lvth_urid(w, LV2_TIME__speed)));
  ck_assert(lv2_atom_forge_float(f, (float)p->speed));
  ck_assert(lv2_atom_forge_key(f, lvth_urid(w, LV2_TIME__barBeat)));
  ck_assert(lv2_atom_forge_float(f, (float)(beats - 4.0 * (double)bar)));
  ck_assert(lv2_atom_forge_key(f, lvth_urid(w, LV2_TIME__bar)));
  ck_assert(lv2_atom_forge_long(f, bar));
  ck_assert(lv2_atom_forge_key(f, lvth_urid(w, LV2_TIME__beatUnit)));
  ck_assert(lv2_atom_forge_int(f, 4));
  ck_assert(lv2_atom_forge_key(f, lvth_urid(w, LV2_TIME__beatsPerBar)));
  ck_assert(lv2_atom_forge_float(f, 4.0f));
  ck_assert(lv2_atom_forge_key(f, lvth_urid(w, LV2_TIME__beatsPerMinute)));
  ck_assert(lv2_atom_forge_float(f, (float)p->bpm));
  ck_assert(lv2_atom_forge_key(f, lvth_urid(w, LV2_TIME_PREFIX "scale")));
  ck_assert(lv2_atom_forge_float(f, 1.0f));
  lv2_atom_forge_pop(f, &frame);
}

/* ---- transport.c ---- */

typedef struct {
  TandemURIs uris;
  uint8_t buf[512];
  LV2_Atom_Forge forge;
} Msg;

static void msg_init(Msg* m)
{
  tandem_uris_map(&m->uris, lvth_world_map(the_world()));
  lv2_atom_forge_init(&m->forge, lvth_world_map(the_world()));
  lv2_atom_forge_set_buffer(&m->forge, m->buf, sizeof(m->buf));
}

static const LV2_Atom_Object* msg_position(Msg* m, const ArdourPosition* p)
{
  lv2_atom_forge_set_buffer(&m->forge, m->buf, sizeof(m->buf));
  forge_ardour_position(&m->forge, p);
  return (const LV2_Atom_Object*)m->buf;
}

START_TEST(test_transport_reads_every_field_of_an_ardour_position)
{
  Msg m;
  msg_init(&m);
  TandemTransport t;
  tandem_transport_init(&t);
  /* 13.5 beats in: bar 3, beat 1.5. */
  const ArdourPosition p = {.frame = 388800, .speed = 1.0, .bpm = BPM};
  ck_assert(tandem_transport_update(&t, &m.uris, msg_position(&m, &p)));
  ck_assert(t.has_host);
  ck_assert_double_eq_tol(t.bpm, BPM, 1e-9);
  ck_assert_double_eq_tol(t.speed, 1.0, 1e-9);
  ck_assert_int_eq(t.frame, 388800);
  ck_assert_int_eq(t.bar, 3);
  ck_assert_double_eq_tol(t.bar_beat, 1.5, 1e-6);
  ck_assert_double_eq_tol(t.beats_per_bar, 4.0, 1e-9);
  ck_assert_int_eq(t.beat_unit, 4);
}
END_TEST

START_TEST(test_transport_takes_ardour_preroll_frame_below_zero)
{
  Msg m;
  msg_init(&m);
  TandemTransport t;
  tandem_transport_init(&t);
  const ArdourPosition p = {.frame = -(int64_t)PREROLL, .speed = 0.0, .bpm = BPM};
  ck_assert(tandem_transport_update(&t, &m.uris, msg_position(&m, &p)));
  ck_assert(t.has_host);
  ck_assert_int_eq(t.frame, -(int64_t)PREROLL);
  ck_assert_double_eq_tol(t.speed, 0.0, 1e-12);
  ck_assert_int_eq(t.bar, 0);
  ck_assert_double_eq_tol(t.bar_beat, 0.0, 1e-12);
}
END_TEST

/* Between Ardour's per-cycle positions, advancing must land where Ardour's next
 * position says, or every cycle would start with a small jump. */
START_TEST(test_transport_advance_lands_on_ardours_next_position)
{
  Msg m;
  msg_init(&m);
  TandemTransport t;
  tandem_transport_init(&t);
  const ArdourPosition first = {.frame = 0, .speed = 1.0, .bpm = BPM};
  ck_assert(tandem_transport_update(&t, &m.uris, msg_position(&m, &first)));
  int64_t frame = 0;
  uint32_t n = FIRST_ROLL;
  for (int cycle = 0; cycle < 600; ++cycle) {
    tandem_transport_advance(&t, n, RATE);
    frame += n;
    n = CYCLE;
    TandemTransport expect;
    tandem_transport_init(&expect);
    const ArdourPosition next = {.frame = frame, .speed = 1.0, .bpm = BPM};
    ck_assert(tandem_transport_update(&expect, &m.uris, msg_position(&m, &next)));
    ck_assert_int_eq(t.frame, expect.frame);
    ck_assert_int_eq(t.bar, expect.bar);
    /* barBeat travels as a float: about 1e-7 of a bar. */
    ck_assert_double_eq_tol(t.bar_beat, expect.bar_beat, 1e-5);
  }
}
END_TEST

START_TEST(test_transport_ignores_a_position_with_only_unknown_fields)
{
  Msg m;
  msg_init(&m);
  LV2_Atom_Forge* f = &m.forge;
  LV2_Atom_Forge_Frame frame;
  ck_assert(lv2_atom_forge_object(f, &frame, 0, m.uris.time_Position));
  ck_assert(lv2_atom_forge_key(f, lvth_urid(the_world(), LV2_TIME_PREFIX "scale")));
  ck_assert(lv2_atom_forge_float(f, 1.0f));
  lv2_atom_forge_pop(f, &frame);
  TandemTransport t;
  tandem_transport_init(&t);
  ck_assert(!tandem_transport_update(&t, &m.uris, (const LV2_Atom_Object*)m.buf));
  ck_assert(!t.has_host);
  ck_assert_double_eq_tol(t.bpm, 120.0, 1e-9);
}
END_TEST

/* ---- The plugin in Ardour 7.3's place ---- */

/* Ardour's rule for an audio track: a time:Position input that also takes MIDI
 * gets positions only when the route has MIDI for it, which an audio track
 * never has.  Returns the index of the port that gets positions, or -1. */
static int ardour_position_port(void)
{
  LvthWorld* w = the_world();
  LilvWorld* lw = lvth_world_lilv(w);
  const LilvPlugin* plugin = lvth_world_plugin(w);
  LilvNode* atom_port = lilv_new_uri(lw, LV2_ATOM__AtomPort);
  LilvNode* input = lilv_new_uri(lw, LV2_CORE__InputPort);
  LilvNode* position = lilv_new_uri(lw, LV2_TIME__Position);
  LilvNode* midi = lilv_new_uri(lw, LV2_MIDI__MidiEvent);
  int found = -1;
  for (uint32_t i = 0; i < lilv_plugin_get_num_ports(plugin); ++i) {
    const LilvPort* port = lilv_plugin_get_port_by_index(plugin, i);
    if (lilv_port_is_a(plugin, port, atom_port) && lilv_port_is_a(plugin, port, input) &&
        lilv_port_supports_event(plugin, port, position) &&
        !lilv_port_supports_event(plugin, port, midi)) {
      found = (int)i;
      break;
    }
  }
  lilv_node_free(midi);
  lilv_node_free(position);
  lilv_node_free(input);
  lilv_node_free(atom_port);
  return found;
}

typedef struct {
  LvthHost* host;
  LilvInstance* instance;
  int position_port; /* the port Ardour sends positions to, -1 if none */
  LV2_Atom_Sequence* control;
  LV2_Atom_Sequence* notify;
  LV2_Atom_Forge forge;
  LV2_URID atom_Sequence;
  LV2_URID atom_Chunk;
  LV2_URID midi_MidiEvent;
  int64_t host_frame;   /* Ardour's frame at the start of the next cycle */
  int64_t note_on[256]; /* host frames of the note-ons while rolling */
  size_t n_note_on;
} Ardour;

static void set_control(Ardour* a, const char* symbol, float value)
{
  float* v = lvth_host_control(a->host, symbol);
  ck_assert_msg(v != NULL, "no control port %s", symbol);
  *v = value;
}

static void ardour_new(Ardour* a)
{
  memset(a, 0, sizeof(*a));
  LvthWorld* w = the_world();
  a->host = lvth_host_new(w, RATE, CYCLE, LVTH_FEATURES_ALL);
  ck_assert_ptr_nonnull(a->host);
  a->instance = lvth_host_instance(a->host);
  ck_assert_ptr_nonnull(a->instance);
  ck_assert(lvth_host_connect_all(a->host, 4096));
  a->control = calloc(1, CONTROL_CAPACITY);
  a->notify = calloc(1, NOTIFY_CAPACITY);
  ck_assert(a->control && a->notify);
  a->atom_Sequence = lvth_urid(w, LV2_ATOM__Sequence);
  a->atom_Chunk = lvth_urid(w, LV2_ATOM__Chunk);
  a->midi_MidiEvent = lvth_urid(w, LV2_MIDI__MidiEvent);
  lv2_atom_forge_init(&a->forge, lvth_world_map(w));
  a->position_port = ardour_position_port();
  /* Tandem's control port is 2 and its notify port 3; the position port, if
   * any, is the control port (checked below). */
  lilv_instance_connect_port(a->instance, 2, a->control);
  lilv_instance_connect_port(a->instance, 3, a->notify);
  /* The test session's settings: a fixed style, straight, no humanising. */
  set_control(a, "style", 1.0f);
  set_control(a, "swing", 50.0f);
  set_control(a, "humanize_ms", 0.0f);
  set_control(a, "velocity_humanize", 0.0f);
  lilv_instance_activate(a->instance);
}

static void ardour_free(Ardour* a)
{
  lilv_instance_deactivate(a->instance);
  lvth_host_free(a->host);
  free(a->control);
  free(a->notify);
}

/* One Ardour cycle of n frames at speed, with a position at event time 0 if
 * with_position and the plugin has a port Ardour sends positions to. */
static void ardour_cycle(Ardour* a, uint32_t n, double speed, bool with_position)
{
  LV2_Atom_Forge_Frame seq;
  lv2_atom_forge_set_buffer(&a->forge, (uint8_t*)a->control, CONTROL_CAPACITY);
  ck_assert(lv2_atom_forge_sequence_head(&a->forge, &seq, 0));
  if (with_position && a->position_port >= 0) {
    ck_assert(lv2_atom_forge_frame_time(&a->forge, 0));
    const ArdourPosition p = {.frame = a->host_frame, .speed = speed, .bpm = BPM};
    forge_ardour_position(&a->forge, &p);
  }
  lv2_atom_forge_pop(&a->forge, &seq);
  a->notify->atom.type = a->atom_Chunk;
  a->notify->atom.size = NOTIFY_CAPACITY;
  lvth_host_cycle(a->host, n);
  lvth_host_run_worker(a->host);
  ck_assert_ptr_null(lvth_sequence_fault(the_world(), a->notify, NOTIFY_CAPACITY));
  if (speed > 0.0) {
    LV2_ATOM_SEQUENCE_FOREACH (a->notify, ev) {
      const uint8_t* msg = (const uint8_t*)(ev + 1);
      if (ev->body.type == a->midi_MidiEvent && ev->body.size == 3 &&
          (msg[0] & 0xf0) == LV2_MIDI_MSG_NOTE_ON && msg[2] > 0 &&
          a->n_note_on < sizeof(a->note_on) / sizeof(a->note_on[0])) {
        a->note_on[a->n_note_on++] = a->host_frame + ev->time.frames;
      }
    }
    a->host_frame += n;
  }
}

/* Ardour 7.3 around a roll: stopped cycles (the first with a position), the
 * pre-roll cycle, the split first rolling cycle, then bars of 1024-frame cycles
 * with a position in each.  reactivate: Ardour deactivates and activates the
 * plugin again after the stopped position, as it does when it reconfigures a
 * route, and sends no new position until the roll. */
static void ardour_roll(Ardour* a, double bars, bool reactivate)
{
  for (int i = 0; i < 100; ++i) {
    ardour_cycle(a, CYCLE, 0.0, i == 0);
  }
  if (reactivate) {
    lilv_instance_deactivate(a->instance);
    lilv_instance_activate(a->instance);
    for (int i = 0; i < 20; ++i) {
      ardour_cycle(a, CYCLE, 0.0, false);
    }
  }
  a->host_frame = -(int64_t)PREROLL;
  ardour_cycle(a, PREROLL, 0.0, true);
  a->host_frame = 0;
  ardour_cycle(a, FIRST_ROLL, 1.0, true);
  const int64_t end = (int64_t)llround(bars * 4.0 * 60.0 / BPM * RATE);
  while (a->host_frame < end) {
    ardour_cycle(a, CYCLE, 1.0, true);
  }
}

/* Every note-on within one frame of the session's 16th grid (the player emits at
 * the floor of the ideal frame), from the first beat on: at Tandem's own 120 bpm
 * they would fall every 6000 frames instead of 7200.  Then the Turtle condition
 * that decides whether Ardour sends positions at all. */
static void assert_on_session_grid_from_first_beat(const Ardour* a)
{
  ck_assert_msg(a->n_note_on >= 8, "only %zu note-ons in two bars", a->n_note_on);
  ck_assert_msg(a->note_on[0] < (int64_t)(4 * SIXTEENTH_FRAMES),
                "the first note-on comes at frame %lld, after the first beat",
                (long long)a->note_on[0]);
  for (size_t i = 0; i < a->n_note_on; ++i) {
    const double steps = (double)a->note_on[i] / SIXTEENTH_FRAMES;
    const double off = ((double)a->note_on[i] - round(steps) * SIXTEENTH_FRAMES);
    ck_assert_msg(fabs(off) <= 1.0,
                  "note-on %zu at frame %lld is %.0f frames off the %.0f bpm 16th grid "
                  "(time:Position reaches port %d; Ardour sends none to a port that "
                  "also supports midi:MidiEvent)",
                  i, (long long)a->note_on[i], off, BPM, a->position_port);
  }
  ck_assert_msg(a->position_port == 2,
                "the control port (2) must support time:Position and not midi:MidiEvent "
                "(position port: %d)",
                a->position_port);
}

START_TEST(test_ardour_audio_track_roll_plays_on_the_session_grid_from_the_first_beat)
{
  Ardour a;
  ardour_new(&a);
  ardour_roll(&a, 2.0, false);
  assert_on_session_grid_from_first_beat(&a);
  ardour_free(&a);
}
END_TEST

START_TEST(test_ardour_roll_after_reactivation_plays_on_the_session_grid)
{
  Ardour a;
  ardour_new(&a);
  ardour_roll(&a, 2.0, true);
  assert_on_session_grid_from_first_beat(&a);
  ardour_free(&a);
}
END_TEST

static Suite* transport_suite(void)
{
  Suite* s = suite_create("transport");
  TCase* unit = tcase_create("transport");
  tcase_add_test(unit, test_transport_reads_every_field_of_an_ardour_position);
  tcase_add_test(unit, test_transport_takes_ardour_preroll_frame_below_zero);
  tcase_add_test(unit, test_transport_advance_lands_on_ardours_next_position);
  tcase_add_test(unit, test_transport_ignores_a_position_with_only_unknown_fields);
  suite_add_tcase(s, unit);
  TCase* ardour = tcase_create("ardour");
  tcase_set_timeout(ardour, 120);
  tcase_add_test(
      ardour, test_ardour_audio_track_roll_plays_on_the_session_grid_from_the_first_beat);
  tcase_add_test(ardour, test_ardour_roll_after_reactivation_plays_on_the_session_grid);
  suite_add_tcase(s, ardour);
  return s;
}

int main(void)
{
  world = lvth_world_new(PLUGIN_URI);
  SRunner* sr = srunner_create(transport_suite());
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  lvth_world_free(world);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
