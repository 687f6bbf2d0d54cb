/* A toy LV2 plugin for testing the realtime checker itself.
 *
 * It does what a real plugin does on the realtime side (audio in to out, reads
 * atom events, writes an atom sequence, schedules worker jobs and takes their
 * responses) without breaking the realtime rules.  Built with
 * -DTOY_PLANT_MALLOC, its run() also allocates and frees a small buffer, which
 * the checker must catch.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lv2/atom/atom.h>
#include <lv2/atom/util.h>
#include <lv2/core/lv2.h>
#include <lv2/core/lv2_util.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>

#ifndef TOY_URI
#error "TOY_URI must be defined by the build"
#endif

/* Blocks between two worker jobs. */
#define TOY_JOB_INTERVAL 16

typedef enum {
  TOY_IN = 0,
  TOY_OUT = 1,
  TOY_CONTROL = 2,
  TOY_NOTIFY = 3,
  TOY_GAIN = 4,
  TOY_LEVEL = 5,
} ToyPort;

typedef struct {
  uint32_t type; /* TOY_MSG_PING or TOY_MSG_PONG */
  uint32_t count;
} ToyMsg;

enum { TOY_MSG_PING = 1, TOY_MSG_PONG = 2 };

typedef struct {
  /* Features */
  LV2_URID_Map* map;
  LV2_Worker_Schedule* schedule;

  /* Ports */
  const float* in;
  float* out;
  const LV2_Atom_Sequence* control;
  LV2_Atom_Sequence* notify;
  const float* gain;
  float* level;

  /* URIDs */
  LV2_URID atom_Sequence;

  /* State */
  uint32_t blocks;
  uint32_t pings_sent;
  uint32_t pongs_received;
  uint32_t events_seen;
#ifdef TOY_PLANT_MALLOC
  /* volatile, so that the compiler cannot drop the planted malloc/free pair. */
  void* volatile scratch;
#endif
} Toy;

static LV2_Handle instantiate(const LV2_Descriptor* descriptor, double rate,
                              const char* bundle_path, const LV2_Feature* const* features)
{
  (void)descriptor;
  (void)rate;
  (void)bundle_path;
  Toy* self = calloc(1, sizeof(Toy));
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
  self->atom_Sequence = self->map->map(self->map->handle, LV2_ATOM__Sequence);
  return self;
}

static void connect_port(LV2_Handle instance, uint32_t port, void* data)
{
  Toy* self = instance;
  switch ((ToyPort)port) {
  case TOY_IN:
    self->in = data;
    break;
  case TOY_OUT:
    self->out = data;
    break;
  case TOY_CONTROL:
    self->control = data;
    break;
  case TOY_NOTIFY:
    self->notify = data;
    break;
  case TOY_GAIN:
    self->gain = data;
    break;
  case TOY_LEVEL:
    self->level = data;
    break;
  }
}

static void run(LV2_Handle instance, uint32_t n_samples)
{
  Toy* self = instance;
  const float gain = self->gain ? *self->gain : 1.0f;
  float peak = 0.0f;
  for (uint32_t i = 0; self->in && self->out && i < n_samples; ++i) {
    self->out[i] = self->in[i] * gain;
    const float a = self->out[i] < 0.0f ? -self->out[i] : self->out[i];
    peak = a > peak ? a : peak;
  }
  if (self->level) {
    *self->level = peak;
  }

  if (self->control && self->control->atom.type == self->atom_Sequence) {
    LV2_ATOM_SEQUENCE_FOREACH (self->control, ev) {
      ++self->events_seen;
    }
  }

  /* An empty output sequence, if the host gave room for one. */
  if (self->notify && self->notify->atom.size >= sizeof(LV2_Atom_Sequence_Body)) {
    self->notify->atom.type = self->atom_Sequence;
    self->notify->atom.size = sizeof(LV2_Atom_Sequence_Body);
    self->notify->body.unit = 0;
    self->notify->body.pad = 0;
  }

  if (++self->blocks % TOY_JOB_INTERVAL == 1) {
    const ToyMsg ping = {TOY_MSG_PING, self->pings_sent};
    if (self->schedule->schedule_work(self->schedule->handle, sizeof(ping), &ping) ==
        LV2_WORKER_SUCCESS) {
      ++self->pings_sent;
    }
  }

#ifdef TOY_PLANT_MALLOC
  self->scratch = malloc(64);
  if (self->scratch) {
    memset(self->scratch, 0, 64);
  }
  free(self->scratch);
#endif
}

static void cleanup(LV2_Handle instance)
{
  free(instance);
}

static LV2_Worker_Status work(LV2_Handle instance, LV2_Worker_Respond_Function respond,
                              LV2_Worker_Respond_Handle handle, uint32_t size,
                              const void* data)
{
  (void)instance;
  ToyMsg msg;
  if (size != sizeof(msg)) {
    return LV2_WORKER_ERR_UNKNOWN;
  }
  memcpy(&msg, data, sizeof(msg));
  if (msg.type != TOY_MSG_PING) {
    return LV2_WORKER_ERR_UNKNOWN;
  }
  const ToyMsg pong = {TOY_MSG_PONG, msg.count + 1};
  return respond(handle, sizeof(pong), &pong);
}

static LV2_Worker_Status work_response(LV2_Handle instance, uint32_t size,
                                       const void* data)
{
  Toy* self = instance;
  ToyMsg msg;
  if (size != sizeof(msg)) {
    return LV2_WORKER_ERR_UNKNOWN;
  }
  memcpy(&msg, data, sizeof(msg));
  if (msg.type == TOY_MSG_PONG) {
    ++self->pongs_received;
  }
  return LV2_WORKER_SUCCESS;
}

static LV2_Worker_Status end_run(LV2_Handle instance)
{
  (void)instance;
  return LV2_WORKER_SUCCESS;
}

static const void* extension_data(const char* uri)
{
  static const LV2_Worker_Interface worker = {work, work_response, end_run};
  return strcmp(uri, LV2_WORKER__interface) ? NULL : &worker;
}

static const LV2_Descriptor descriptor = {TOY_URI, instantiate, connect_port,  NULL, run,
                                          NULL,    cleanup,     extension_data};

LV2_SYMBOL_EXPORT const LV2_Descriptor* lv2_descriptor(uint32_t index)
{
  return index == 0 ? &descriptor : NULL;
}
