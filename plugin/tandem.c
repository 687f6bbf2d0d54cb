/* Tandem — the LV2 plugin: entry points in LV2 order.
 *
 * run(), connect_port(), work_response() and end_run() run in the host's audio
 * thread and never allocate, lock, log through stdio or make a syscall; the
 * worker callbacks (work) and state run in a non-realtime thread.  See
 * ../shared/DESIGN.md for the whole thread model.
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
#include <lv2/log/logger.h>
#include <lv2/worker/worker.h>

#include "messages.h"
#include "transport.h"
#include "uris.h"

#define TANDEM_STATE_VERSION 1

typedef enum {
  PORT_IN = 0,
  PORT_OUT = 1,
  PORT_CONTROL = 2,
  PORT_NOTIFY = 3,
  PORT_ENABLED = 4,
} PortIndex;

typedef struct {
  /* Features */
  LV2_URID_Map* map;
  LV2_Worker_Schedule* schedule;
  LV2_Log_Logger logger;

  /* Ports */
  const float* in;
  float* out;
  const LV2_Atom_Sequence* control;
  LV2_Atom_Sequence* notify;
  const float* enabled;

  /* URIDs and forge */
  TandemURIs uris;
  LV2_Atom_Forge forge;

  /* Host facts */
  double sample_rate;
  uint32_t max_block_frames;

  /* Transport */
  TandemTransport transport;

  /* Status text shown through the status property; written by work_response. */
  char status[TANDEM_STATUS_MAX];
  bool status_dirty;
} Tandem;

/* Copies a C string into a fixed buffer without stdio; always terminates. */
static void copy_text(char* dst, size_t cap, const char* src)
{
  size_t i = 0;
  for (; src && src[i] && i + 1 < cap; ++i) {
    dst[i] = src[i];
  }
  dst[i] = '\0';
}

static void read_options(Tandem* self, const LV2_Options_Option* options)
{
  if (!options) {
    return;
  }
  for (const LV2_Options_Option* o = options; o->key; ++o) {
    if (!o->value) {
      continue;
    }
    if (o->key == self->uris.param_sampleRate && o->type == self->uris.atom_Float &&
        o->size == sizeof(float)) {
      const float rate = *(const float*)o->value;
      if (isfinite(rate) && rate > 0.0f) {
        self->sample_rate = rate;
      }
    } else if (o->key == self->uris.bufsz_maxBlockLength &&
               o->type == self->uris.atom_Int && o->size == sizeof(int32_t)) {
      const int32_t frames = *(const int32_t*)o->value;
      if (frames > 0) {
        self->max_block_frames = (uint32_t)frames;
      }
    }
  }
}

static LV2_Handle instantiate(const LV2_Descriptor* descriptor, double rate,
                              const char* bundle_path, const LV2_Feature* const* features)
{
  (void)descriptor;
  (void)bundle_path;

  Tandem* self = calloc(1, sizeof(Tandem));
  if (!self) {
    return NULL;
  }

  const LV2_Options_Option* options = NULL;
  const char* missing = lv2_features_query(
      features, LV2_LOG__log, &self->logger.log, false, LV2_URID__map, &self->map, true,
      LV2_WORKER__schedule, &self->schedule, true, LV2_OPTIONS__options, &options, false,
      NULL);
  lv2_log_logger_set_map(&self->logger, self->map);
  if (missing) {
    lv2_log_error(&self->logger, "Tandem: the host lacks required feature <%s>\n",
                  missing);
    free(self);
    return NULL;
  }

  tandem_uris_map(&self->uris, self->map);
  lv2_atom_forge_init(&self->forge, self->map);

  self->sample_rate = (isfinite(rate) && rate > 0.0) ? rate : 48000.0;
  self->max_block_frames = 8192;
  read_options(self, options);

  tandem_transport_init(&self->transport);
  copy_text(self->status, sizeof(self->status), "idle");
  self->status_dirty = true;
  return (LV2_Handle)self;
}

static void connect_port(LV2_Handle instance, uint32_t port, void* data)
{
  Tandem* self = (Tandem*)instance;
  switch ((PortIndex)port) {
  case PORT_IN:
    self->in = (const float*)data;
    break;
  case PORT_OUT:
    self->out = (float*)data;
    break;
  case PORT_CONTROL:
    self->control = (const LV2_Atom_Sequence*)data;
    break;
  case PORT_NOTIFY:
    self->notify = (LV2_Atom_Sequence*)data;
    break;
  case PORT_ENABLED:
    self->enabled = (const float*)data;
    break;
  }
}

static void activate(LV2_Handle instance)
{
  Tandem* self = (Tandem*)instance;
  tandem_transport_init(&self->transport);
  self->status_dirty = true;
}

/* A position in the notify sequence to roll back to when an event does not fit,
 * so that a half-written event never reaches the host. */
typedef struct {
  uint32_t offset;
  uint32_t seq_size;
} ForgeMark;

static ForgeMark forge_mark(const Tandem* self)
{
  const ForgeMark mark = {self->forge.offset, self->notify->atom.size};
  return mark;
}

static void forge_rollback(Tandem* self, ForgeMark mark)
{
  self->forge.offset = mark.offset;
  self->notify->atom.size = mark.seq_size;
}

/* Writes patch:Set <status> to the notify port.  Returns false if it did not fit. */
static bool forge_status(Tandem* self, int64_t frame)
{
  const TandemURIs* u = &self->uris;
  LV2_Atom_Forge* forge = &self->forge;
  LV2_Atom_Forge_Frame obj;
  if (!lv2_atom_forge_frame_time(forge, frame) ||
      !lv2_atom_forge_object(forge, &obj, 0, u->patch_Set)) {
    return false;
  }
  const bool ok = lv2_atom_forge_key(forge, u->patch_property) &&
                  lv2_atom_forge_urid(forge, u->tandem_status) &&
                  lv2_atom_forge_key(forge, u->patch_value) &&
                  lv2_atom_forge_string(forge, self->status,
                                        (uint32_t)strlen(self->status));
  lv2_atom_forge_pop(forge, &obj);
  return ok;
}

static void handle_patch_get(Tandem* self, const LV2_Atom_Object* obj)
{
  const LV2_Atom* property = NULL;
  lv2_atom_object_get(obj, self->uris.patch_property, &property, 0);
  if (!property) {
    self->status_dirty = true; /* a Get with no property asks for everything */
  } else if (property->type == self->uris.atom_URID &&
             property->size >= sizeof(LV2_URID) &&
             ((const LV2_Atom_URID*)property)->body == self->uris.tandem_status) {
    self->status_dirty = true;
  }
}

static void handle_input_events(Tandem* self)
{
  const TandemURIs* u = &self->uris;
  if (!self->control || self->control->atom.type != u->atom_Sequence) {
    return;
  }
  LV2_ATOM_SEQUENCE_FOREACH (self->control, ev) {
    const LV2_Atom* body = &ev->body;
    if (body->type == u->midi_MidiEvent) {
      /* MIDI input is accepted; nothing uses it yet. */
      continue;
    }
    if ((body->type != u->atom_Object && body->type != u->atom_Blank) ||
        body->size < sizeof(LV2_Atom_Object_Body)) {
      continue;
    }
    const LV2_Atom_Object* obj = (const LV2_Atom_Object*)body;
    if (obj->body.otype == u->time_Position) {
      tandem_transport_update(&self->transport, u, obj);
    } else if (obj->body.otype == u->patch_Get) {
      handle_patch_get(self, obj);
    }
    /* patch:Set of an unknown or read-only property is ignored, as LV2 asks. */
  }
}

static void pass_audio(Tandem* self, uint32_t n_samples)
{
  if (!self->in || !self->out || self->in == self->out || n_samples == 0) {
    return;
  }
  memcpy(self->out, self->in, sizeof(float) * n_samples);
}

static void run(LV2_Handle instance, uint32_t n_samples)
{
  Tandem* self = (Tandem*)instance;

  pass_audio(self, n_samples);

  /* The notify port may be missing or too small even for an empty sequence; then
   * nothing is written and events wait for a later block. */
  LV2_Atom_Forge_Frame seq_frame;
  bool can_notify = false;
  if (self->notify) {
    const uint32_t capacity = self->notify->atom.size;
    if (capacity >= sizeof(LV2_Atom_Sequence)) {
      lv2_atom_forge_set_buffer(&self->forge, (uint8_t*)self->notify, capacity);
      can_notify = lv2_atom_forge_sequence_head(&self->forge, &seq_frame, 0) != 0;
    }
  }

  handle_input_events(self);

  if (can_notify && self->status_dirty) {
    const ForgeMark mark = forge_mark(self);
    if (forge_status(self, 0)) {
      self->status_dirty = false;
    } else {
      forge_rollback(self, mark);
    }
  }

  if (can_notify) {
    lv2_atom_forge_pop(&self->forge, &seq_frame);
  }
  tandem_transport_advance(&self->transport, n_samples, self->sample_rate);
}

static void deactivate(LV2_Handle instance)
{
  (void)instance;
}

static void cleanup(LV2_Handle instance)
{
  free(instance);
}

/* ---- Worker (non-realtime) ---- */

static LV2_Worker_Status work(LV2_Handle instance, LV2_Worker_Respond_Function respond,
                              LV2_Worker_Respond_Handle handle, uint32_t size,
                              const void* data)
{
  Tandem* self = (Tandem*)instance;
  (void)respond;
  (void)handle;
  if (size < sizeof(uint32_t) || !data) {
    return LV2_WORKER_ERR_UNKNOWN;
  }
  uint32_t type;
  memcpy(&type, data, sizeof(type));
  switch (type) {
  case TANDEM_MSG_LOG: {
    if (size != sizeof(TandemLogMsg)) {
      return LV2_WORKER_ERR_UNKNOWN;
    }
    TandemLogMsg msg;
    memcpy(&msg, data, sizeof(msg));
    msg.text[sizeof(msg.text) - 1] = '\0';
    if (msg.level == TANDEM_LOG_ERROR) {
      lv2_log_error(&self->logger, "Tandem: %s\n", msg.text);
    } else if (msg.level == TANDEM_LOG_WARNING) {
      lv2_log_warning(&self->logger, "Tandem: %s\n", msg.text);
    } else {
      lv2_log_note(&self->logger, "Tandem: %s\n", msg.text);
    }
    return LV2_WORKER_SUCCESS;
  }
  default:
    return LV2_WORKER_ERR_UNKNOWN;
  }
}

static LV2_Worker_Status work_response(LV2_Handle instance, uint32_t size,
                                       const void* data)
{
  Tandem* self = (Tandem*)instance;
  if (size < sizeof(uint32_t) || !data) {
    return LV2_WORKER_ERR_UNKNOWN;
  }
  uint32_t type;
  memcpy(&type, data, sizeof(type));
  if (type == TANDEM_MSG_STATUS && size == sizeof(TandemStatusMsg)) {
    const TandemStatusMsg* msg = (const TandemStatusMsg*)data;
    size_t i = 0;
    for (; i + 1 < sizeof(self->status) && msg->text[i]; ++i) {
      self->status[i] = msg->text[i];
    }
    self->status[i] = '\0';
    self->status_dirty = true;
    return LV2_WORKER_SUCCESS;
  }
  return LV2_WORKER_ERR_UNKNOWN;
}

static LV2_Worker_Status end_run(LV2_Handle instance)
{
  (void)instance;
  return LV2_WORKER_SUCCESS;
}

/* ---- State (non-realtime) ---- */

static LV2_State_Status save(LV2_Handle instance, LV2_State_Store_Function store,
                             LV2_State_Handle handle, uint32_t flags,
                             const LV2_Feature* const* features)
{
  Tandem* self = (Tandem*)instance;
  (void)flags;
  (void)features;
  const int32_t version = TANDEM_STATE_VERSION;
  return store(handle, self->uris.tandem_stateVersion, &version, sizeof(version),
               self->uris.atom_Int, LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE);
}

static LV2_State_Status restore(LV2_Handle instance, LV2_State_Retrieve_Function retrieve,
                                LV2_State_Handle handle, uint32_t flags,
                                const LV2_Feature* const* features)
{
  Tandem* self = (Tandem*)instance;
  (void)flags;
  (void)features;
  size_t size = 0;
  uint32_t type = 0;
  uint32_t vflags = 0;
  const void* value =
      retrieve(handle, self->uris.tandem_stateVersion, &size, &type, &vflags);
  if (!value) {
    lv2_log_note(&self->logger, "Tandem: state has no format version; using defaults\n");
    return LV2_STATE_SUCCESS;
  }
  if (type != self->uris.atom_Int || size != sizeof(int32_t)) {
    lv2_log_warning(&self->logger,
                    "Tandem: state format version has the wrong type; ignoring it\n");
    return LV2_STATE_SUCCESS;
  }
  int32_t version;
  memcpy(&version, value, sizeof(version));
  if (version > TANDEM_STATE_VERSION) {
    lv2_log_warning(&self->logger,
                    "Tandem: state is from a newer version (%d > %d); reading what "
                    "this version knows\n",
                    version, TANDEM_STATE_VERSION);
  }
  return LV2_STATE_SUCCESS;
}

static const void* extension_data(const char* uri)
{
  static const LV2_Worker_Interface worker = {work, work_response, end_run};
  static const LV2_State_Interface state = {save, restore};
  if (!strcmp(uri, LV2_WORKER__interface)) {
    return &worker;
  }
  if (!strcmp(uri, LV2_STATE__interface)) {
    return &state;
  }
  return NULL;
}

static const LV2_Descriptor descriptor = {TANDEM_URI, instantiate, connect_port,
                                          activate,   run,         deactivate,
                                          cleanup,    extension_data};

LV2_SYMBOL_EXPORT const LV2_Descriptor* lv2_descriptor(uint32_t index)
{
  return index == 0 ? &descriptor : NULL;
}
