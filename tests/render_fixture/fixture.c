/* Tandem tests — a stand-in plugin for tandem-render's integration tests.
 *
 * It has Tandem's URI but lives in its own bundle, found only through an
 * LV2_PATH that points at it.  Its output is exactly predictable: on every beat
 * of the host transport (or of a free-running 120 bpm clock when the host sends
 * none) it plays a note for half a beat, pitch 36 + 12 * role + seed % 12; each
 * beat also goes through the worker and comes back as the status text
 * "beat N"; a patch:Set of the prompt property becomes the status
 * "prompt: TEXT".  The control output "peak" is the block's input peak.
 *
 * Threads: run, connect_port, work_response, end_run — audio thread; work —
 * worker thread.  Like the real plugin, run() neither allocates nor locks.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/core/lv2.h>
#include <lv2/core/lv2_util.h>
#include <lv2/midi/midi.h>
#include <lv2/patch/patch.h>
#include <lv2/time/time.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>

#define FIXTURE_URI    "urn:tandem:plugin"
#define FIXTURE_STATUS FIXTURE_URI "#status"
#define FIXTURE_PROMPT FIXTURE_URI "#prompt"
#define TEXT_MAX       128

enum { P_IN, P_OUT, P_CONTROL, P_NOTIFY, P_ENABLED, P_ROLE, P_SEED, P_PEAK };
enum { MSG_BEAT = 1, MSG_BEAT_DONE = 2 };

typedef struct {
  uint32_t type;
  int64_t beat;
} BeatMsg;

typedef struct {
  LV2_URID atom_Blank, atom_Double, atom_Float, atom_Int, atom_Long, atom_Object,
      atom_String, atom_URID, midi_MidiEvent, patch_Set, patch_property, patch_value,
      status, prompt, time_Position, time_bar, time_barBeat, time_beatsPerBar,
      time_beatsPerMinute, time_speed;
} Urids;

typedef struct {
  LV2_URID_Map* map;
  LV2_Worker_Schedule* schedule;
  Urids u;
  LV2_Atom_Forge forge;
  const float* in;
  float* out;
  const LV2_Atom_Sequence* control;
  LV2_Atom_Sequence* notify;
  const float* enabled;
  const float* role;
  const float* seed;
  float* peak;
  double rate;
  bool has_transport;
  double bpm;
  double speed;
  double beats_per_bar;
  double beat_pos; /* beats since the transport's zero at the block start */
  int sounding;    /* the note playing, or -1 */
  char status[TEXT_MAX];
  bool status_dirty;
} Fixture;

static LV2_Handle instantiate(const LV2_Descriptor* d, double rate, const char* path,
                              const LV2_Feature* const* features)
{
  (void)d;
  (void)path;
  Fixture* self = calloc(1, sizeof(Fixture));
  if (!self) {
    return NULL;
  }
  const char* missing =
      lv2_features_query(features, LV2_URID__map, &self->map, true, LV2_WORKER__schedule,
                         &self->schedule, true, NULL);
  if (missing) {
    free(self);
    return NULL;
  }
  LV2_URID_Map* m = self->map;
  Urids* u = &self->u;
  u->atom_Blank = m->map(m->handle, LV2_ATOM__Blank);
  u->atom_Double = m->map(m->handle, LV2_ATOM__Double);
  u->atom_Float = m->map(m->handle, LV2_ATOM__Float);
  u->atom_Int = m->map(m->handle, LV2_ATOM__Int);
  u->atom_Long = m->map(m->handle, LV2_ATOM__Long);
  u->atom_Object = m->map(m->handle, LV2_ATOM__Object);
  u->atom_String = m->map(m->handle, LV2_ATOM__String);
  u->atom_URID = m->map(m->handle, LV2_ATOM__URID);
  u->midi_MidiEvent = m->map(m->handle, LV2_MIDI__MidiEvent);
  u->patch_Set = m->map(m->handle, LV2_PATCH__Set);
  u->patch_property = m->map(m->handle, LV2_PATCH__property);
  u->patch_value = m->map(m->handle, LV2_PATCH__value);
  u->status = m->map(m->handle, FIXTURE_STATUS);
  u->prompt = m->map(m->handle, FIXTURE_PROMPT);
  u->time_Position = m->map(m->handle, LV2_TIME__Position);
  u->time_bar = m->map(m->handle, LV2_TIME__bar);
  u->time_barBeat = m->map(m->handle, LV2_TIME__barBeat);
  u->time_beatsPerBar = m->map(m->handle, LV2_TIME__beatsPerBar);
  u->time_beatsPerMinute = m->map(m->handle, LV2_TIME__beatsPerMinute);
  u->time_speed = m->map(m->handle, LV2_TIME__speed);
  lv2_atom_forge_init(&self->forge, self->map);
  self->rate = rate;
  self->bpm = 120.0;
  self->speed = 1.0;
  self->beats_per_bar = 4.0;
  self->sounding = -1;
  memcpy(self->status, "ready", 6);
  self->status_dirty = true;
  return self;
}

static void connect_port(LV2_Handle h, uint32_t port, void* data)
{
  Fixture* self = h;
  switch (port) {
  case P_IN:
    self->in = data;
    break;
  case P_OUT:
    self->out = data;
    break;
  case P_CONTROL:
    self->control = data;
    break;
  case P_NOTIFY:
    self->notify = data;
    break;
  case P_ENABLED:
    self->enabled = data;
    break;
  case P_ROLE:
    self->role = data;
    break;
  case P_SEED:
    self->seed = data;
    break;
  case P_PEAK:
    self->peak = data;
    break;
  default:
    break;
  }
}

static bool number(const Fixture* self, const LV2_Atom* a, double* out)
{
  if (!a) {
    return false;
  }
  if (a->type == self->u.atom_Float && a->size >= sizeof(float)) {
    *out = ((const LV2_Atom_Float*)a)->body;
  } else if (a->type == self->u.atom_Double && a->size >= sizeof(double)) {
    *out = ((const LV2_Atom_Double*)a)->body;
  } else if (a->type == self->u.atom_Long && a->size >= sizeof(int64_t)) {
    *out = (double)((const LV2_Atom_Long*)a)->body;
  } else if (a->type == self->u.atom_Int && a->size >= sizeof(int32_t)) {
    *out = ((const LV2_Atom_Int*)a)->body;
  } else {
    return false;
  }
  return true;
}

static void set_status(Fixture* self, const char* prefix, const char* text, uint32_t len)
{
  size_t n = 0;
  for (; prefix[n] && n + 1 < TEXT_MAX; ++n) {
    self->status[n] = prefix[n];
  }
  for (uint32_t i = 0; i < len && text[i] && n + 1 < TEXT_MAX; ++i) {
    self->status[n++] = text[i];
  }
  self->status[n] = '\0';
  self->status_dirty = true;
}

static void read_events(Fixture* self)
{
  const Urids* u = &self->u;
  LV2_ATOM_SEQUENCE_FOREACH (self->control, ev) {
    if (ev->body.type != u->atom_Object && ev->body.type != u->atom_Blank) {
      continue;
    }
    const LV2_Atom_Object* obj = (const LV2_Atom_Object*)&ev->body;
    if (obj->body.otype == u->time_Position) {
      const LV2_Atom *bar = NULL, *bar_beat = NULL, *bpb = NULL, *bpm = NULL,
                     *speed = NULL;
      lv2_atom_object_get(obj, u->time_bar, &bar, u->time_barBeat, &bar_beat,
                          u->time_beatsPerBar, &bpb, u->time_beatsPerMinute, &bpm,
                          u->time_speed, &speed, 0);
      double v_bar = 0, v_beat = 0, v_bpb = 4, v_bpm = 120, v_speed = 0;
      if (number(self, bar, &v_bar) && number(self, bar_beat, &v_beat) &&
          number(self, bpb, &v_bpb) && number(self, bpm, &v_bpm) &&
          number(self, speed, &v_speed) && v_bpm > 0 && v_bpb > 0) {
        self->has_transport = true;
        self->bpm = v_bpm;
        self->speed = v_speed;
        self->beats_per_bar = v_bpb;
        self->beat_pos = v_bar * v_bpb + v_beat;
      }
    } else if (obj->body.otype == u->patch_Set) {
      const LV2_Atom *property = NULL, *value = NULL;
      lv2_atom_object_get(obj, u->patch_property, &property, u->patch_value, &value, 0);
      if (property && property->type == u->atom_URID &&
          ((const LV2_Atom_URID*)property)->body == u->prompt && value &&
          value->type == u->atom_String) {
        set_status(self, "prompt: ", LV2_ATOM_BODY_CONST(value), value->size);
      }
    }
  }
}

static void midi(Fixture* self, uint32_t frame, uint8_t status, uint8_t key, uint8_t vel)
{
  const uint8_t msg[3] = {status, key, vel};
  lv2_atom_forge_frame_time(&self->forge, frame);
  lv2_atom_forge_atom(&self->forge, 3, self->u.midi_MidiEvent);
  lv2_atom_forge_write(&self->forge, msg, 3);
}

static void run(LV2_Handle h, uint32_t n)
{
  Fixture* self = h;
  float peak = 0.0f;
  for (uint32_t i = 0; i < n; ++i) {
    self->out[i] = self->in[i];
    peak = fabsf(self->in[i]) > peak ? fabsf(self->in[i]) : peak;
  }
  *self->peak = peak;
  read_events(self);

  const uint32_t capacity = self->notify->atom.size;
  LV2_Atom_Forge_Frame seq;
  lv2_atom_forge_set_buffer(&self->forge, (uint8_t*)self->notify, capacity);
  lv2_atom_forge_sequence_head(&self->forge, &seq, 0);
  if (self->status_dirty) {
    LV2_Atom_Forge_Frame obj;
    lv2_atom_forge_frame_time(&self->forge, 0);
    lv2_atom_forge_object(&self->forge, &obj, 0, self->u.patch_Set);
    lv2_atom_forge_key(&self->forge, self->u.patch_property);
    lv2_atom_forge_urid(&self->forge, self->u.status);
    lv2_atom_forge_key(&self->forge, self->u.patch_value);
    lv2_atom_forge_string(&self->forge, self->status, (uint32_t)strlen(self->status));
    lv2_atom_forge_pop(&self->forge, &obj);
    self->status_dirty = false;
  }

  const bool rolling = !self->has_transport || self->speed > 0.0;
  if (rolling) {
    const double frames_per_beat = self->rate * 60.0 / self->bpm;
    const double end = self->beat_pos + n / frames_per_beat;
    /* Half-beat grid: even steps start a note, odd steps end it. */
    for (int64_t step = (int64_t)ceil(self->beat_pos * 2.0 - 1e-6);
         (double)step / 2.0 < end - 1e-9; ++step) {
      const double at = ((double)step / 2.0 - self->beat_pos) * frames_per_beat;
      uint32_t frame = at <= 0.0 ? 0 : (uint32_t)ceil(at - 1e-6);
      frame = frame >= n ? n - 1 : frame;
      if (step % 2 == 0) {
        if (self->enabled && *self->enabled >= 0.5f) {
          const int key = 36 + 12 * (int)*self->role + (int)*self->seed % 12;
          midi(self, frame, 0x90, (uint8_t)key, 100);
          self->sounding = key;
        }
        const BeatMsg msg = {MSG_BEAT, step / 2};
        self->schedule->schedule_work(self->schedule->handle, sizeof(msg), &msg);
      } else if (self->sounding >= 0) {
        midi(self, frame, 0x80, (uint8_t)self->sounding, 0);
        self->sounding = -1;
      }
    }
    self->beat_pos = end;
  } else if (self->sounding >= 0) {
    midi(self, 0, 0x80, (uint8_t)self->sounding, 0);
    self->sounding = -1;
  }
  lv2_atom_forge_pop(&self->forge, &seq);
}

static LV2_Worker_Status work(LV2_Handle h, LV2_Worker_Respond_Function respond,
                              LV2_Worker_Respond_Handle handle, uint32_t size,
                              const void* data)
{
  (void)h;
  BeatMsg msg;
  if (size != sizeof(msg)) {
    return LV2_WORKER_ERR_UNKNOWN;
  }
  memcpy(&msg, data, sizeof(msg));
  msg.type = MSG_BEAT_DONE;
  return respond(handle, sizeof(msg), &msg);
}

static LV2_Worker_Status work_response(LV2_Handle h, uint32_t size, const void* data)
{
  Fixture* self = h;
  BeatMsg msg;
  if (size != sizeof(msg)) {
    return LV2_WORKER_ERR_UNKNOWN;
  }
  memcpy(&msg, data, sizeof(msg));
  char digits[24];
  int n = 0;
  int64_t v = msg.beat < 0 ? 0 : msg.beat;
  do {
    digits[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v && n < 20);
  char text[24];
  for (int i = 0; i < n; ++i) {
    text[i] = digits[n - 1 - i];
  }
  set_status(self, "beat ", text, (uint32_t)n);
  return LV2_WORKER_SUCCESS;
}

static const void* extension_data(const char* uri)
{
  static const LV2_Worker_Interface worker = {work, work_response, NULL};
  return strcmp(uri, LV2_WORKER__interface) ? NULL : &worker;
}

static void cleanup(LV2_Handle h)
{
  free(h);
}

static const LV2_Descriptor descriptor = {
    FIXTURE_URI, instantiate, connect_port, NULL, run, NULL, cleanup, extension_data};

LV2_SYMBOL_EXPORT const LV2_Descriptor* lv2_descriptor(uint32_t index)
{
  return index == 0 ? &descriptor : NULL;
}
