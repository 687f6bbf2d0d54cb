/* Tandem tests — closing and reopening the plugin window while the transport rolls.
 *
 * A small host: the plugin runs through the project's lilv test host on a thread of
 * its own, in real time, with a rolling transport at 120 bpm; tandem_ui.so is
 * instantiated through suil as an X11 UI in a window of ours (the display is the
 * caller's, an Xvfb), fed the plugin's notify events and idled from this thread.  The
 * window is opened, closed (suil_instance_free) and opened again while the plugin
 * keeps running, then the transport stops.  Passes when:
 *   - each opening receives the whole pattern playing, within OPEN_DEADLINE_S of
 *     opening (the reopened window asks for it again: nothing of the part is lost);
 *   - every note-on on the MIDI output has its note-off by the end (no stuck note);
 *   - no control input changed, the window wrote no control port and sent no
 *     patch:Set, and the properties the plugin reports to the second opening are the
 *     ones it reported to the first.
 * Usage: suil_reopen (needs DISPLAY and LV2_PATH holding the built bundle).
 *
 * Threads: main — X, suil and the UI; the plugin thread — the plugin and its host.
 * They share only the two queues in Shared, under its mutex (test code).
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lilv/lilv.h>
#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/midi/midi.h>
#include <lv2/patch/patch.h>
#include <lv2/time/time.h>
#include <lv2/ui/ui.h>
#include <suil/suil.h>

#include "lv2_test_host.h"
#include "ui_feed.h"

#include <X11/Xlib.h>

#define RATE            48000.0
#define BLOCK           256u
#define BPM             120.0
#define CONTROL_BYTES   8192u
#define NOTIFY_BYTES    65536u
#define QUEUE_BYTES     (1u << 20)
#define OPEN_S          2.5 /* each opening lasts this long */
#define CLOSED_S        1.5 /* the window is closed this long in between */
#define OPEN_DEADLINE_S 0.5 /* the whole pattern must be in the window by then */
#define FIRST_OPEN_BARS 2.0 /* the plugin plays this long before the first opening */
#define P_CONTROL       2u
#define P_NOTIFY        3u

/* Atoms in a byte queue, each padded to 8 bytes. */
typedef struct {
  uint8_t bytes[QUEUE_BYTES];
  uint32_t used;
  bool overflow;
} Queue;

static void queue_push(Queue* q, const LV2_Atom* atom)
{
  const uint32_t n = lv2_atom_pad_size(lv2_atom_total_size(atom));
  if (q->used + n > QUEUE_BYTES) {
    q->overflow = true;
    return;
  }
  memcpy(q->bytes + q->used, atom, lv2_atom_total_size(atom));
  q->used += n;
}

typedef struct {
  pthread_mutex_t lock;
  Queue to_plugin; /* the window's writes to the control port */
  Queue to_ui;     /* the notify port's objects */
  atomic_bool stop_transport;
  atomic_bool quit;
  atomic_ullong frames;
} Shared;

typedef struct {
  LvthWorld* world;
  LvthHost* host;
  LilvInstance* instance;
  Shared* shared;
  LV2_Atom_Sequence* control;
  LV2_Atom_Sequence* notify;
  LV2_Atom_Forge forge;
  LV2_URID midi_MidiEvent, atom_Object, time_Position, time_speed, time_beatsPerMinute;
  /* MIDI output, counted on the plugin thread. */
  int held[16][128];
  int negative; /* note-offs of notes not held */
  uint64_t note_ons;
  const char* fault;
  Queue scratch;
} PluginSide;

static double now_s(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static void sleep_s(double s)
{
  struct timespec t = {(time_t)s, (long)((s - floor(s)) * 1e9)};
  nanosleep(&t, NULL);
}

static void count_midi(PluginSide* p, const uint8_t* m, uint32_t size)
{
  if (size < 3) {
    return;
  }
  const int ch = m[0] & 0x0f, key = m[1] & 0x7f;
  if ((m[0] & 0xf0) == LV2_MIDI_MSG_NOTE_ON && m[2] > 0) {
    ++p->held[ch][key];
    ++p->note_ons;
  } else if ((m[0] & 0xf0) == LV2_MIDI_MSG_NOTE_OFF ||
             (m[0] & 0xf0) == LV2_MIDI_MSG_NOTE_ON) {
    if (p->held[ch][key] > 0) {
      --p->held[ch][key];
    } else {
      ++p->negative;
    }
  }
}

/* A stopped transport (speed 0), as a host sends when play stops. */
static bool forge_stopped(PluginSide* p)
{
  LV2_Atom_Forge_Frame obj;
  bool ok = lv2_atom_forge_frame_time(&p->forge, 0) &&
            lv2_atom_forge_object(&p->forge, &obj, 0, p->time_Position);
  ok = ok && lv2_atom_forge_key(&p->forge, p->time_beatsPerMinute) &&
       lv2_atom_forge_float(&p->forge, (float)BPM);
  ok = ok && lv2_atom_forge_key(&p->forge, p->time_speed) &&
       lv2_atom_forge_float(&p->forge, 0.0f);
  if (ok) {
    lv2_atom_forge_pop(&p->forge, &obj);
  }
  return ok;
}

static void* plugin_thread(void* arg)
{
  PluginSide* p = (PluginSide*)arg;
  Shared* s = p->shared;
  const double start = now_s();
  bool stopped = false;
  for (uint64_t block = 0; !atomic_load(&s->quit); ++block) {
    lv2_atom_forge_set_buffer(&p->forge, (uint8_t*)p->control, CONTROL_BYTES);
    LV2_Atom_Forge_Frame seq;
    lv2_atom_forge_sequence_head(&p->forge, &seq, 0);
    if (block == 0 && !lvth_forge_position(p->world, &p->forge, RATE, BPM, 0)) {
      p->fault = "the control buffer is too small for the transport";
    }
    if (!stopped && atomic_load(&s->stop_transport)) {
      stopped = true;
      if (!forge_stopped(p)) {
        p->fault = "the control buffer is too small for the stop";
      }
    }
    pthread_mutex_lock(&s->lock);
    p->scratch.used = 0;
    memcpy(p->scratch.bytes, s->to_plugin.bytes, s->to_plugin.used);
    p->scratch.used = s->to_plugin.used;
    s->to_plugin.used = 0;
    pthread_mutex_unlock(&s->lock);
    for (uint32_t at = 0; at < p->scratch.used;) {
      const LV2_Atom* a = (const LV2_Atom*)(p->scratch.bytes + at);
      if (!lv2_atom_forge_frame_time(&p->forge, 0) ||
          !lv2_atom_forge_write(&p->forge, a, lv2_atom_total_size(a))) {
        p->fault = "the window's messages overflowed the control buffer";
      }
      at += lv2_atom_pad_size(lv2_atom_total_size(a));
    }
    lv2_atom_forge_pop(&p->forge, &seq);
    p->notify->atom.type = 0;
    p->notify->atom.size = NOTIFY_BYTES - sizeof(LV2_Atom);
    lvth_host_cycle(p->host, BLOCK);
    const char* fault = lvth_sequence_fault(p->world, p->notify, NOTIFY_BYTES);
    if (fault && !p->fault) {
      p->fault = fault;
    }
    pthread_mutex_lock(&s->lock);
    LV2_ATOM_SEQUENCE_FOREACH (p->notify, ev) {
      if (ev->body.type == p->midi_MidiEvent) {
        count_midi(p, (const uint8_t*)LV2_ATOM_BODY_CONST(&ev->body), ev->body.size);
      } else if (ev->body.type == p->atom_Object) {
        queue_push(&s->to_ui, &ev->body);
      }
    }
    pthread_mutex_unlock(&s->lock);
    atomic_store(&s->frames, (block + 1) * BLOCK);
    /* Real time: the feed's rates are counted in frames, the window's in ms. */
    const double due = start + (double)(block + 1) * BLOCK / RATE;
    const double wait = due - now_s();
    if (wait > 0.0) {
      sleep_s(wait);
    }
  }
  return NULL;
}

/* ---- The window's side (main thread) ---- */

typedef struct {
  Shared* shared;
  TandemUiFeedURIs u;
  LV2_URID atom_eventTransfer, atom_Object, patch_Set, patch_Get, atom_Vector;
  unsigned port_writes; /* control port values the window wrote */
  unsigned sets_sent;   /* patch:Set the window sent */
  /* The pattern delivered to the open window. */
  uint32_t serial;
  int32_t count, received;
  bool complete;
  double complete_at; /* seconds after opening, -1 not yet */
  double opened_at;
  /* The plugin's patch:Set replies delivered to each opening. */
  uint8_t sets[2][16384];
  uint32_t sets_used[2];
  int opening;
} UiSide;

static void write_function(SuilController controller, uint32_t port, uint32_t size,
                           uint32_t format, const void* buffer)
{
  UiSide* ui = (UiSide*)controller;
  if (format == 0) {
    ++ui->port_writes;
    return;
  }
  if (port != P_CONTROL || format != ui->atom_eventTransfer || size < sizeof(LV2_Atom)) {
    return;
  }
  const LV2_Atom* a = (const LV2_Atom*)buffer;
  if (a->type == ui->atom_Object &&
      ((const LV2_Atom_Object*)a)->body.otype == ui->patch_Set) {
    ++ui->sets_sent;
  }
  pthread_mutex_lock(&ui->shared->lock);
  queue_push(&ui->shared->to_plugin, a);
  pthread_mutex_unlock(&ui->shared->lock);
}

static uint32_t port_index(SuilController controller, const char* symbol)
{
  (void)controller;
  return strcmp(symbol, "control") == 0  ? P_CONTROL
         : strcmp(symbol, "notify") == 0 ? P_NOTIFY
                                         : LV2UI_INVALID_PORT_INDEX;
}

static bool int_of(const UiSide* ui, const LV2_Atom* a, int32_t* out)
{
  if (!a || a->type != ui->u.atom_Int || a->size != sizeof(int32_t)) {
    return false;
  }
  *out = ((const LV2_Atom_Int*)a)->body;
  return true;
}

/* Follows the UiNotes pieces the window gets, as the window puts them together. */
static void watch_notes(UiSide* ui, const LV2_Atom_Object* obj, double now)
{
  const LV2_Atom *serial = NULL, *count = NULL, *first = NULL, *notes = NULL;
  lv2_atom_object_get(obj, ui->u.tandem_serial, &serial, ui->u.tandem_noteCount, &count,
                      ui->u.tandem_first, &first, ui->u.tandem_notes, &notes, 0);
  int32_t s, n, f;
  if (!int_of(ui, serial, &s) || !int_of(ui, count, &n) || !int_of(ui, first, &f) ||
      !notes || notes->type != ui->atom_Vector) {
    return;
  }
  const int32_t ints =
      (int32_t)((notes->size - sizeof(LV2_Atom_Vector_Body)) / sizeof(int32_t));
  if (f == 0) {
    ui->serial = (uint32_t)s;
    ui->count = n;
    ui->received = 0;
  } else if ((uint32_t)s != ui->serial || f != ui->received) {
    return;
  }
  ui->received += ints / TANDEM_UI_NOTE_INTS;
  if (ui->received == ui->count && ui->count > 0 && !ui->complete) {
    ui->complete = true;
    ui->complete_at = now - ui->opened_at;
  }
}

/* Hands the queued notify objects to the open window (instance may be NULL: closed,
 * and a host drops what a closed window would have got). */
static void deliver(UiSide* ui, SuilInstance* instance)
{
  static uint8_t batch[QUEUE_BYTES];
  pthread_mutex_lock(&ui->shared->lock);
  const uint32_t used = ui->shared->to_ui.used;
  memcpy(batch, ui->shared->to_ui.bytes, used);
  ui->shared->to_ui.used = 0;
  pthread_mutex_unlock(&ui->shared->lock);
  if (!instance) {
    return;
  }
  const double now = now_s();
  for (uint32_t at = 0; at < used;) {
    const LV2_Atom* a = (const LV2_Atom*)(batch + at);
    const LV2_Atom_Object* obj = (const LV2_Atom_Object*)a;
    if (obj->body.otype == ui->u.tandem_UiNotes) {
      watch_notes(ui, obj, now);
    } else if (obj->body.otype == ui->patch_Set) {
      const uint32_t n = lv2_atom_total_size(a);
      uint32_t* sets_used = &ui->sets_used[ui->opening];
      if (*sets_used + n <= sizeof(ui->sets[0])) {
        memcpy(ui->sets[ui->opening] + *sets_used, a, n);
        *sets_used += n;
      }
    }
    suil_instance_port_event(instance, P_NOTIFY, lv2_atom_total_size(a),
                             ui->atom_eventTransfer, a);
    at += lv2_atom_pad_size(lv2_atom_total_size(a));
  }
}

static int failures = 0;
#define CHECK(cond, ...)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      printf("FAIL: ");                                                                  \
      printf(__VA_ARGS__);                                                               \
      printf("\n");                                                                      \
      ++failures;                                                                        \
    }                                                                                    \
  } while (0)

int main(void)
{
  Display* dpy = XOpenDisplay(NULL);
  if (!dpy) {
    printf("FAIL: no X display (run under Xvfb)\n");
    return 1;
  }
  LvthWorld* world = lvth_world_new("urn:tandem:plugin");
  if (!world) {
    printf("FAIL: the plugin is not on LV2_PATH\n");
    return 1;
  }
  LvthHost* host = lvth_host_new(world, RATE, BLOCK, LVTH_FEATURES_ALL);
  if (!host || !lvth_host_instance(host) || !lvth_host_connect_all(host, 65536)) {
    printf("FAIL: the plugin did not instantiate\n");
    return 1;
  }
  lvth_host_set_worker_inline(host, true);
  lilv_instance_activate(lvth_host_instance(host));

  static Shared shared;
  pthread_mutex_init(&shared.lock, NULL);
  static PluginSide p;
  p.world = world;
  p.host = host;
  p.instance = lvth_host_instance(host);
  p.shared = &shared;
  p.control = aligned_alloc(8, CONTROL_BYTES);
  p.notify = aligned_alloc(8, NOTIFY_BYTES);
  lilv_instance_connect_port(p.instance, P_CONTROL, p.control);
  lilv_instance_connect_port(p.instance, P_NOTIFY, p.notify);
  LV2_URID_Map* map = lvth_world_map(world);
  lv2_atom_forge_init(&p.forge, map);
  p.midi_MidiEvent = lvth_urid(world, LV2_MIDI__MidiEvent);
  p.atom_Object = lvth_urid(world, LV2_ATOM__Object);
  p.time_Position = lvth_urid(world, LV2_TIME__Position);
  p.time_speed = lvth_urid(world, LV2_TIME__speed);
  p.time_beatsPerMinute = lvth_urid(world, LV2_TIME__beatsPerMinute);

  static UiSide ui;
  ui.shared = &shared;
  tandem_ui_feed_map(&ui.u, map);
  ui.atom_eventTransfer = lvth_urid(world, LV2_ATOM__eventTransfer);
  ui.atom_Object = p.atom_Object;
  ui.atom_Vector = lvth_urid(world, LV2_ATOM__Vector);
  ui.patch_Set = lvth_urid(world, LV2_PATCH__Set);
  ui.patch_Get = lvth_urid(world, LV2_PATCH__Get);

  /* The control inputs as they start, to compare at the end. */
  const uint32_t n_ports = lvth_host_n_ports(host);
  float* before = calloc(n_ports, sizeof(float));
  for (uint32_t i = 0; i < n_ports; ++i) {
    LvthPortInfo info;
    if (lvth_host_port_info(host, i, &info) && info.is_control && info.is_input) {
      before[i] = *info.value;
    }
  }

  /* The UI as lilv finds it in the bundle. */
  const LilvPlugin* plugin = lvth_world_plugin(world);
  LilvWorld* lworld = lvth_world_lilv(world);
  LilvUIs* uis = lilv_plugin_get_uis(plugin);
  LilvNode* x11_class = lilv_new_uri(lworld, LV2_UI__X11UI);
  const LilvUI* found = NULL;
  LILV_FOREACH (uis, i, uis) {
    const LilvUI* candidate = lilv_uis_get(uis, i);
    if (lilv_ui_is_a(candidate, x11_class)) {
      found = candidate;
    }
  }
  if (!found) {
    printf("FAIL: the bundle has no X11 UI\n");
    return 1;
  }
  char* ui_bundle =
      lilv_file_uri_parse(lilv_node_as_uri(lilv_ui_get_bundle_uri(found)), NULL);
  char* ui_binary =
      lilv_file_uri_parse(lilv_node_as_uri(lilv_ui_get_binary_uri(found)), NULL);
  const char* ui_uri = lilv_node_as_uri(lilv_ui_get_uri(found));

  SuilHost* suil = suil_host_new(write_function, port_index, NULL, NULL);
  const Window top =
      XCreateSimpleWindow(dpy, DefaultRootWindow(dpy), 0, 0, 900, 620, 0, 0, 0);
  XMapWindow(dpy, top);
  XFlush(dpy);
  const LV2_Feature map_feature = {LV2_URID__map, map};
  const LV2_Feature parent_feature = {LV2_UI__parent, (void*)(uintptr_t)top};
  const LV2_Feature* features[] = {&map_feature, &parent_feature, NULL};

  pthread_t thread;
  pthread_create(&thread, NULL, plugin_thread, &p);
  /* The window first opens on a part that plays (the first comes at bar 1). */
  while (atomic_load(&shared.frames) <
         (uint64_t)(FIRST_OPEN_BARS * 4.0 * 60.0 / BPM * RATE)) {
    deliver(&ui, NULL);
    sleep_s(0.01);
  }

  /* Two openings while the plugin plays; the window closed in between. */
  for (int opening = 0; opening < 2; ++opening) {
    ui.opening = opening;
    ui.complete = false;
    ui.complete_at = -1.0;
    ui.received = ui.count = 0;
    deliver(&ui, NULL); /* what came while closed is not this window's */
    ui.opened_at = now_s();
    SuilInstance* instance =
        suil_instance_new(suil, &ui, LV2_UI__X11UI, TANDEM_URI, ui_uri, LV2_UI__X11UI,
                          ui_bundle, ui_binary, features);
    if (!instance) {
      printf("FAIL: suil could not open the window (opening %d)\n", opening + 1);
      return 1;
    }
    const LV2UI_Idle_Interface* idle =
        (const LV2UI_Idle_Interface*)suil_instance_extension_data(instance,
                                                                  LV2_UI__idleInterface);
    CHECK(idle != NULL, "the window has no idle interface");
    while (now_s() - ui.opened_at < OPEN_S) {
      deliver(&ui, instance);
      if (idle) {
        idle->idle(suil_instance_get_handle(instance));
      }
      sleep_s(0.005);
    }
    CHECK(ui.complete,
          "opening %d: the window did not get the whole pattern (%d of %d notes)",
          opening + 1, ui.received, ui.count);
    CHECK(!ui.complete || ui.complete_at <= OPEN_DEADLINE_S,
          "opening %d: the whole pattern came %.2f s after opening (at most %.1f s)",
          opening + 1, ui.complete_at, OPEN_DEADLINE_S);
    printf("opening %d: pattern serial %u, %d notes, whole %.3f s after opening\n",
           opening + 1, ui.serial, ui.count, ui.complete_at);
    suil_instance_free(instance);
    if (opening == 0) {
      const double closed_at = now_s();
      while (now_s() - closed_at < CLOSED_S) {
        deliver(&ui, NULL);
        sleep_s(0.01);
      }
    }
  }

  /* Stop play; every note still sounding must end. */
  atomic_store(&shared.stop_transport, true);
  sleep_s(0.5);
  atomic_store(&shared.quit, true);
  pthread_join(thread, NULL);

  const double seconds = (double)atomic_load(&shared.frames) / RATE;
  int stuck = 0;
  for (int ch = 0; ch < 16; ++ch) {
    for (int key = 0; key < 128; ++key) {
      if (p.held[ch][key] != 0) {
        ++stuck;
        printf("stuck: channel %d key %d (%d note-ons without a note-off)\n", ch + 1, key,
               p.held[ch][key]);
      }
    }
  }
  printf("%.1f s played, %llu note-ons\n", seconds, (unsigned long long)p.note_ons);
  CHECK(p.note_ons > 0, "the plugin played no note");
  CHECK(stuck == 0, "%d notes stuck", stuck);
  CHECK(p.negative == 0, "%d note-offs of notes not playing", p.negative);
  CHECK(p.fault == NULL, "%s", p.fault ? p.fault : "");
  CHECK(!shared.to_ui.overflow && !shared.to_plugin.overflow, "a test queue overflowed");
  for (uint32_t i = 0; i < n_ports; ++i) {
    LvthPortInfo info;
    if (lvth_host_port_info(host, i, &info) && info.is_control && info.is_input) {
      CHECK(*info.value == before[i], "control %s changed: %g to %g", info.symbol,
            before[i], *info.value);
    }
  }
  CHECK(ui.port_writes == 0, "the window wrote %u control values", ui.port_writes);
  CHECK(ui.sets_sent == 0, "the window sent %u patch:Set", ui.sets_sent);
  CHECK(ui.sets_used[0] > 0, "the first opening got no property from the plugin");
  CHECK(ui.sets_used[0] == ui.sets_used[1] &&
            memcmp(ui.sets[0], ui.sets[1], ui.sets_used[0]) == 0,
        "the plugin reported other properties to the second opening (%u bytes, then %u)",
        ui.sets_used[0], ui.sets_used[1]);

  suil_host_free(suil);
  XDestroyWindow(dpy, top);
  XCloseDisplay(dpy);
  lilv_free(ui_bundle);
  lilv_free(ui_binary);
  lilv_node_free(x11_class);
  lilv_uis_free(uis);
  free(before);
  lilv_instance_deactivate(p.instance);
  lvth_host_free(host);
  lvth_world_free(world);
  free(p.control);
  free(p.notify);
  if (failures == 0) {
    printf("PASS\n");
  }
  return failures ? 1 : 0;
}
