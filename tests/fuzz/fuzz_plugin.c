/* Tandem fuzzing — the in-process host (see fuzz_plugin.h). */
#include "fuzz_plugin.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <lv2/atom/util.h>
#include <lv2/log/log.h>
#include <lv2/worker/worker.h>

#include "controls.h"

#define FUZZ_MAX_URIS       1024
#define FUZZ_BLOCK_FRAMES   8192
#define FUZZ_NOTIFY_BYTES   65536
#define FUZZ_MAX_RESPONSES  64
#define FUZZ_RESPONSE_BYTES 65536

LV2_SYMBOL_EXPORT const LV2_Descriptor* lv2_descriptor(uint32_t index);

typedef struct {
  uint32_t size;
  uint8_t* data;
} Response;

struct FuzzPlugin {
  const LV2_Descriptor* desc;
  LV2_Handle handle;
  const LV2_Worker_Interface* worker;
  char* uris[FUZZ_MAX_URIS];
  uint32_t n_uris;
  LV2_URID_Map map;
  LV2_URID_Unmap unmap;
  LV2_Log_Log log;
  LV2_Worker_Schedule schedule;
  LV2_Feature f_map, f_unmap, f_log, f_schedule;
  const LV2_Feature* features[5];
  float in[FUZZ_BLOCK_FRAMES];
  float out[FUZZ_BLOCK_FRAMES];
  float controls[TANDEM_PORT_COUNT];
  LV2_Atom_Sequence empty;
  uint64_t notify_storage[FUZZ_NOTIFY_BYTES / sizeof(uint64_t)];
  Response responses[FUZZ_MAX_RESPONSES];
  uint32_t n_responses;
};

static LV2_URID map_uri(LV2_URID_Map_Handle h, const char* uri)
{
  FuzzPlugin* fp = h;
  for (uint32_t i = 0; i < fp->n_uris; ++i) {
    if (!strcmp(fp->uris[i], uri)) {
      return i + 1;
    }
  }
  if (fp->n_uris == FUZZ_MAX_URIS) {
    return 0;
  }
  fp->uris[fp->n_uris] = strdup(uri);
  return ++fp->n_uris;
}

static const char* unmap_urid(LV2_URID_Unmap_Handle h, LV2_URID urid)
{
  FuzzPlugin* fp = h;
  return urid >= 1 && urid <= fp->n_uris ? fp->uris[urid - 1] : NULL;
}

/* The plugin's log lines would drown the fuzzer's output. */
static int log_vprintf(LV2_Log_Handle h, LV2_URID type, const char* fmt, va_list ap)
{
  (void)h;
  (void)type;
  (void)fmt;
  (void)ap;
  return 0;
}

static int log_printf(LV2_Log_Handle h, LV2_URID type, const char* fmt, ...)
{
  (void)h;
  (void)type;
  (void)fmt;
  return 0;
}

static LV2_Worker_Status respond(LV2_Worker_Respond_Handle h, uint32_t size,
                                 const void* data)
{
  FuzzPlugin* fp = h;
  if (fp->n_responses == FUZZ_MAX_RESPONSES || size > FUZZ_RESPONSE_BYTES) {
    return LV2_WORKER_ERR_NO_SPACE;
  }
  Response* r = &fp->responses[fp->n_responses++];
  r->size = size;
  r->data = malloc(size ? size : 1);
  memcpy(r->data, data, size);
  return LV2_WORKER_SUCCESS;
}

static LV2_Worker_Status schedule_work(LV2_Worker_Schedule_Handle h, uint32_t size,
                                       const void* data)
{
  FuzzPlugin* fp = h;
  if (!fp->worker || !fp->worker->work) {
    return LV2_WORKER_ERR_UNKNOWN;
  }
  return fp->worker->work(fp->handle, respond, fp, size, data);
}

FuzzPlugin* fuzz_plugin_new(void)
{
  FuzzPlugin* fp = calloc(1, sizeof(FuzzPlugin));
  fp->desc = lv2_descriptor(0);
  fp->map = (LV2_URID_Map){fp, map_uri};
  fp->unmap = (LV2_URID_Unmap){fp, unmap_urid};
  fp->log = (LV2_Log_Log){fp, log_printf, log_vprintf};
  fp->schedule = (LV2_Worker_Schedule){fp, schedule_work};
  fp->f_map = (LV2_Feature){LV2_URID__map, &fp->map};
  fp->f_unmap = (LV2_Feature){LV2_URID__unmap, &fp->unmap};
  fp->f_log = (LV2_Feature){LV2_LOG__log, &fp->log};
  fp->f_schedule = (LV2_Feature){LV2_WORKER__schedule, &fp->schedule};
  fp->features[0] = &fp->f_map;
  fp->features[1] = &fp->f_unmap;
  fp->features[2] = &fp->f_log;
  fp->features[3] = &fp->f_schedule;
  fp->features[4] = NULL;
  fp->handle = fp->desc->instantiate(fp->desc, 48000.0, TANDEM_FUZZ_BUNDLE, fp->features);
  if (!fp->handle) {
    free(fp);
    return NULL;
  }
  fp->worker = fp->desc->extension_data(LV2_WORKER__interface);
  fp->empty.atom.type = map_uri(fp, LV2_ATOM__Sequence);
  fp->empty.atom.size = sizeof(LV2_Atom_Sequence_Body);
  fp->desc->connect_port(fp->handle, 0, fp->in);
  fp->desc->connect_port(fp->handle, 1, fp->out);
  fp->desc->connect_port(fp->handle, 2, &fp->empty);
  fp->desc->connect_port(fp->handle, 3, fp->notify_storage);
  for (uint32_t p = 4; p < TANDEM_PORT_COUNT; ++p) {
    fp->desc->connect_port(fp->handle, p, &fp->controls[p]);
  }
  fp->controls[4] = 1.0f; /* enabled */
  if (fp->desc->activate) {
    fp->desc->activate(fp->handle);
  }
  return fp;
}

void fuzz_plugin_free(FuzzPlugin* fp)
{
  if (!fp) {
    return;
  }
  if (fp->desc->deactivate) {
    fp->desc->deactivate(fp->handle);
  }
  fp->desc->cleanup(fp->handle);
  for (uint32_t i = 0; i < fp->n_responses; ++i) {
    free(fp->responses[i].data);
  }
  for (uint32_t i = 0; i < fp->n_uris; ++i) {
    free(fp->uris[i]);
  }
  free(fp);
}

LV2_URID fuzz_plugin_urid(FuzzPlugin* fp, const char* uri)
{
  return map_uri(fp, uri);
}

LV2_URID_Map* fuzz_plugin_map(FuzzPlugin* fp)
{
  return &fp->map;
}

const char* fuzz_plugin_unmap(FuzzPlugin* fp, LV2_URID urid)
{
  return unmap_urid(fp, urid);
}

void fuzz_plugin_set_control(FuzzPlugin* fp, const LV2_Atom_Sequence* seq)
{
  fp->desc->connect_port(fp->handle, 2, seq ? (void*)seq : (void*)&fp->empty);
}

/* The notify sequence must stay inside its buffer, event by event. */
static bool notify_is_valid(const FuzzPlugin* fp)
{
  const LV2_Atom_Sequence* seq = (const LV2_Atom_Sequence*)fp->notify_storage;
  if (seq->atom.size == 0) {
    return true; /* nothing written is allowed */
  }
  if (seq->atom.size + sizeof(LV2_Atom) > FUZZ_NOTIFY_BYTES ||
      seq->atom.size < sizeof(LV2_Atom_Sequence_Body)) {
    return false;
  }
  const uint8_t* end = (const uint8_t*)&seq->body + seq->atom.size;
  int64_t last = 0;
  LV2_ATOM_SEQUENCE_FOREACH (seq, ev) {
    if ((const uint8_t*)&ev->body + sizeof(LV2_Atom) > end ||
        (const uint8_t*)LV2_ATOM_BODY_CONST(&ev->body) + ev->body.size > end ||
        ev->time.frames < last) {
      return false;
    }
    last = ev->time.frames;
  }
  return true;
}

bool fuzz_plugin_cycle(FuzzPlugin* fp, uint32_t n_frames)
{
  if (n_frames > FUZZ_BLOCK_FRAMES) {
    n_frames = FUZZ_BLOCK_FRAMES;
  }
  LV2_Atom_Sequence* notify = (LV2_Atom_Sequence*)fp->notify_storage;
  notify->atom.type = 0;
  notify->atom.size = FUZZ_NOTIFY_BYTES - sizeof(LV2_Atom);
  fp->desc->run(fp->handle, n_frames);
  const bool ok = notify_is_valid(fp);
  const uint32_t n = fp->n_responses;
  fp->n_responses = 0;
  for (uint32_t i = 0; i < n; ++i) {
    if (fp->worker && fp->worker->work_response) {
      fp->worker->work_response(fp->handle, fp->responses[i].size, fp->responses[i].data);
    }
    free(fp->responses[i].data);
  }
  if (fp->worker && fp->worker->end_run) {
    fp->worker->end_run(fp->handle);
  }
  return ok;
}

const LV2_State_Interface* fuzz_plugin_state(FuzzPlugin* fp)
{
  return fp->desc->extension_data(LV2_STATE__interface);
}

LV2_Handle fuzz_plugin_handle(FuzzPlugin* fp)
{
  return fp->handle;
}
