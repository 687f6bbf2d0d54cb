/* Tandem tests — a small lilv host for integration tests.  See lv2_test_host.h. */
#include "lv2_test_host.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lv2/atom/util.h>
#include <lv2/buf-size/buf-size.h>
#include <lv2/log/log.h>
#include <lv2/options/options.h>
#include <lv2/parameters/parameters.h>
#include <lv2/time/time.h>
#include <lv2/patch/patch.h>

#include "atom_check.h" /* tandem_atom_object_fits */

/* ---- World ---- */

struct LvthWorld {
  LilvWorld* lilv;
  const LilvPlugin* plugin;
  char** uris; /* URID n is uris[n - 1] */
  uint32_t n_uris;
  LV2_URID_Map map;
  LV2_URID_Unmap unmap;
};

static LV2_URID map_uri(LV2_URID_Map_Handle handle, const char* uri)
{
  LvthWorld* world = (LvthWorld*)handle;
  if (!uri) {
    return 0;
  }
  for (uint32_t i = 0; i < world->n_uris; ++i) {
    if (!strcmp(world->uris[i], uri)) {
      return i + 1;
    }
  }
  char** grown = realloc(world->uris, (world->n_uris + 1) * sizeof(char*));
  if (!grown) {
    return 0;
  }
  world->uris = grown;
  const size_t len = strlen(uri);
  char* copy = malloc(len + 1);
  if (!copy) {
    return 0;
  }
  memcpy(copy, uri, len + 1);
  world->uris[world->n_uris++] = copy;
  return world->n_uris;
}

static const char* unmap_urid(LV2_URID_Unmap_Handle handle, LV2_URID urid)
{
  const LvthWorld* world = (const LvthWorld*)handle;
  return (urid > 0 && urid <= world->n_uris) ? world->uris[urid - 1] : NULL;
}

LvthWorld* lvth_world_new(const char* plugin_uri)
{
  LvthWorld* world = calloc(1, sizeof(LvthWorld));
  if (!world) {
    return NULL;
  }
  world->map.handle = world;
  world->map.map = map_uri;
  world->unmap.handle = world;
  world->unmap.unmap = unmap_urid;
  world->lilv = lilv_world_new();
  if (!world->lilv) {
    fprintf(stderr, "lvth: lilv_world_new failed\n");
    free(world);
    return NULL;
  }
  lilv_world_load_all(world->lilv);
  LilvNode* uri = lilv_new_uri(world->lilv, plugin_uri);
  world->plugin = lilv_plugins_get_by_uri(lilv_world_get_all_plugins(world->lilv), uri);
  lilv_node_free(uri);
  if (!world->plugin) {
    const char* path = getenv("LV2_PATH");
    fprintf(stderr, "lvth: plugin <%s> not found on LV2_PATH=%s\n", plugin_uri,
            path ? path : "(unset)");
    lvth_world_free(world);
    return NULL;
  }
  return world;
}

void lvth_world_free(LvthWorld* world)
{
  if (!world) {
    return;
  }
  lilv_world_free(world->lilv);
  for (uint32_t i = 0; i < world->n_uris; ++i) {
    free(world->uris[i]);
  }
  free(world->uris);
  free(world);
}

LilvWorld* lvth_world_lilv(LvthWorld* world)
{
  return world->lilv;
}

const LilvPlugin* lvth_world_plugin(const LvthWorld* world)
{
  return world->plugin;
}

LV2_URID_Map* lvth_world_map(LvthWorld* world)
{
  return &world->map;
}

LV2_URID_Unmap* lvth_world_unmap(LvthWorld* world)
{
  return &world->unmap;
}

LV2_URID lvth_urid(LvthWorld* world, const char* uri)
{
  return map_uri(world, uri);
}

/* ---- Host ---- */

/* One worker request or response, copied as the LV2 worker spec asks. */
typedef struct {
  uint32_t size;
  void* data;
} Message;

typedef struct {
  Message* items;
  unsigned count;
  unsigned capacity;
} MessageQueue;

enum { MAX_FEATURES = 6 };

typedef enum {
  PORT_OTHER,
  PORT_CONTROL,
  PORT_SIGNAL,
  PORT_ATOM_IN,
  PORT_ATOM_OUT
} PortKind;

/* Storage for one port connected by lvth_host_connect_all. */
typedef struct {
  PortKind kind;
  char* symbol;
  bool is_input;
  float value; /* PORT_CONTROL */
  bool has_range;
  float minimum;
  float maximum;
  float default_value;
  void* buffer; /* PORT_SIGNAL, PORT_ATOM_* */
  uint32_t capacity;
} HostPort;

struct LvthHost {
  LvthWorld* world;
  LilvInstance* instance;
  const LV2_Worker_Interface* worker;
  bool inline_work;
  MessageQueue requests;
  MessageQueue responses;
  LvthLogCounts log;
  HostPort* ports;
  uint32_t n_ports;
  LV2_URID atom_Chunk;
  LV2_URID atom_Sequence;
  LV2_URID log_Error;
  LV2_URID log_Warning;
  LV2_URID log_Note;
  LV2_URID log_Trace;

  /* Feature storage; features[] points into it. */
  LV2_Worker_Schedule schedule;
  LV2_Log_Log log_feature;
  float option_rate;
  int32_t option_max_block;
  LV2_Options_Option options[3];
  LV2_Feature feature_storage[MAX_FEATURES];
  const LV2_Feature* features[MAX_FEATURES + 1];
};

static bool queue_push(MessageQueue* q, uint32_t size, const void* data)
{
  if (q->count == q->capacity) {
    const unsigned capacity = q->capacity ? q->capacity * 2 : 16;
    Message* grown = realloc(q->items, capacity * sizeof(Message));
    if (!grown) {
      return false;
    }
    q->items = grown;
    q->capacity = capacity;
  }
  void* copy = malloc(size ? size : 1);
  if (!copy) {
    return false;
  }
  if (size) {
    memcpy(copy, data, size);
  }
  q->items[q->count].size = size;
  q->items[q->count].data = copy;
  q->count++;
  return true;
}

static void queue_clear(MessageQueue* q)
{
  for (unsigned i = 0; i < q->count; ++i) {
    free(q->items[i].data);
  }
  q->count = 0;
}

static void queue_free(MessageQueue* q)
{
  queue_clear(q);
  free(q->items);
  q->items = NULL;
  q->capacity = 0;
}

static LV2_Worker_Status respond(LV2_Worker_Respond_Handle handle, uint32_t size,
                                 const void* data)
{
  LvthHost* host = (LvthHost*)handle;
  if (size > 0 && !data) {
    return LV2_WORKER_ERR_UNKNOWN;
  }
  return queue_push(&host->responses, size, data) ? LV2_WORKER_SUCCESS
                                                  : LV2_WORKER_ERR_NO_SPACE;
}

static LV2_Worker_Status schedule_work(LV2_Worker_Schedule_Handle handle, uint32_t size,
                                       const void* data)
{
  LvthHost* host = (LvthHost*)handle;
  if (size > 0 && !data) {
    return LV2_WORKER_ERR_UNKNOWN;
  }
  if (host->inline_work && host->worker && host->worker->work) {
    return host->worker->work(lilv_instance_get_handle(host->instance), respond, host,
                              size, data);
  }
  return queue_push(&host->requests, size, data) ? LV2_WORKER_SUCCESS
                                                 : LV2_WORKER_ERR_NO_SPACE;
}

static int log_vprintf(LV2_Log_Handle handle, LV2_URID type, const char* fmt,
                       va_list args)
{
  LvthHost* host = (LvthHost*)handle;
  const char* kind = "unknown";
  if (type == host->log_Error) {
    host->log.error++;
    kind = "error";
  } else if (type == host->log_Warning) {
    host->log.warning++;
    kind = "warning";
  } else if (type == host->log_Note) {
    host->log.note++;
    kind = "note";
  } else if (type == host->log_Trace) {
    host->log.trace++;
    kind = "trace";
  }
  const int n = vsnprintf(host->log.last, sizeof(host->log.last), fmt, args);
  fprintf(stderr, "[plugin %s] %s", kind, host->log.last);
  return n;
}

static int log_printf(LV2_Log_Handle handle, LV2_URID type, const char* fmt, ...)
{
  va_list args;
  va_start(args, fmt);
  const int n = log_vprintf(handle, type, fmt, args);
  va_end(args);
  return n;
}

static void add_feature(LvthHost* host, unsigned* n, const char* uri, void* data)
{
  host->feature_storage[*n].URI = uri;
  host->feature_storage[*n].data = data;
  host->features[*n] = &host->feature_storage[*n];
  (*n)++;
}

LvthHost* lvth_host_new(LvthWorld* world, double sample_rate, uint32_t max_block_frames,
                        unsigned features)
{
  LvthHost* host = calloc(1, sizeof(LvthHost));
  if (!host) {
    return NULL;
  }
  host->world = world;
  host->atom_Chunk = lvth_urid(world, LV2_ATOM__Chunk);
  host->atom_Sequence = lvth_urid(world, LV2_ATOM__Sequence);
  host->log_Error = lvth_urid(world, LV2_LOG__Error);
  host->log_Warning = lvth_urid(world, LV2_LOG__Warning);
  host->log_Note = lvth_urid(world, LV2_LOG__Note);
  host->log_Trace = lvth_urid(world, LV2_LOG__Trace);

  host->schedule.handle = host;
  host->schedule.schedule_work = schedule_work;
  host->log_feature.handle = host;
  host->log_feature.printf = log_printf;
  host->log_feature.vprintf = log_vprintf;
  host->option_rate = (float)sample_rate;
  host->option_max_block = (int32_t)max_block_frames;
  const LV2_Options_Option options[3] = {
      {LV2_OPTIONS_INSTANCE, 0, lvth_urid(world, LV2_PARAMETERS__sampleRate),
       sizeof(float), lvth_urid(world, LV2_ATOM__Float), &host->option_rate},
      {LV2_OPTIONS_INSTANCE, 0, lvth_urid(world, LV2_BUF_SIZE__maxBlockLength),
       sizeof(int32_t), lvth_urid(world, LV2_ATOM__Int), &host->option_max_block},
      {LV2_OPTIONS_INSTANCE, 0, 0, 0, 0, NULL},
  };
  memcpy(host->options, options, sizeof(options));

  unsigned n = 0;
  if (features & LVTH_FEATURE_MAP) {
    add_feature(host, &n, LV2_URID__map, &world->map);
  }
  if (features & LVTH_FEATURE_UNMAP) {
    add_feature(host, &n, LV2_URID__unmap, &world->unmap);
  }
  if (features & LVTH_FEATURE_SCHEDULE) {
    add_feature(host, &n, LV2_WORKER__schedule, &host->schedule);
  }
  if (features & LVTH_FEATURE_LOG) {
    add_feature(host, &n, LV2_LOG__log, &host->log_feature);
  }
  if (features & LVTH_FEATURE_OPTIONS) {
    add_feature(host, &n, LV2_OPTIONS__options, host->options);
  }
  host->features[n] = NULL;

  host->instance = lilv_plugin_instantiate(world->plugin, sample_rate, host->features);
  if (host->instance) {
    host->worker = (const LV2_Worker_Interface*)lilv_instance_get_extension_data(
        host->instance, LV2_WORKER__interface);
  }
  return host;
}

void lvth_host_free(LvthHost* host)
{
  if (!host) {
    return;
  }
  if (host->instance) {
    lilv_instance_free(host->instance);
  }
  queue_free(&host->requests);
  queue_free(&host->responses);
  for (uint32_t i = 0; i < host->n_ports; ++i) {
    free(host->ports[i].symbol);
    free(host->ports[i].buffer);
  }
  free(host->ports);
  free(host);
}

LilvInstance* lvth_host_instance(LvthHost* host)
{
  return host->instance;
}

const LV2_Feature* const* lvth_host_features(const LvthHost* host)
{
  return host->features;
}

/* Empties host-owned atom buffers the way hosts do before each run. */
static void reset_atom_ports(LvthHost* host)
{
  for (uint32_t i = 0; i < host->n_ports; ++i) {
    HostPort* port = &host->ports[i];
    LV2_Atom_Sequence* seq = (LV2_Atom_Sequence*)port->buffer;
    if (port->kind == PORT_ATOM_IN) {
      seq->atom.type = host->atom_Sequence;
      seq->atom.size = sizeof(LV2_Atom_Sequence_Body);
      seq->body.unit = 0;
      seq->body.pad = 0;
    } else if (port->kind == PORT_ATOM_OUT) {
      seq->atom.type = host->atom_Chunk;
      seq->atom.size = port->capacity;
    }
  }
}

static bool connect_port_storage(LvthHost* host, const LilvPlugin* plugin, uint32_t index,
                                 uint32_t atom_capacity, const LilvNode* const* classes)
{
  enum { INPUT, CONTROL, AUDIO, CV, ATOM };
  const LilvPort* lport = lilv_plugin_get_port_by_index(plugin, index);
  HostPort* port = &host->ports[index];
  const char* symbol = lilv_node_as_string(lilv_port_get_symbol(plugin, lport));
  const size_t len = strlen(symbol);
  port->symbol = malloc(len + 1);
  if (!port->symbol) {
    return false;
  }
  memcpy(port->symbol, symbol, len + 1);
  const bool input = lilv_port_is_a(plugin, lport, classes[INPUT]);
  port->is_input = input;
  if (lilv_port_is_a(plugin, lport, classes[CONTROL])) {
    port->kind = PORT_CONTROL;
    LilvNode* def = NULL;
    LilvNode* min = NULL;
    LilvNode* max = NULL;
    lilv_port_get_range(plugin, lport, &def, &min, &max);
    port->has_range = min && max;
    port->minimum = min ? lilv_node_as_float(min) : 0.0f;
    port->maximum = max ? lilv_node_as_float(max) : 0.0f;
    port->default_value = def ? lilv_node_as_float(def) : port->minimum;
    if (input) {
      port->value = port->default_value;
    }
    lilv_node_free(def);
    lilv_node_free(min);
    lilv_node_free(max);
    lilv_instance_connect_port(host->instance, index, &port->value);
    return true;
  }
  if (lilv_port_is_a(plugin, lport, classes[AUDIO]) ||
      lilv_port_is_a(plugin, lport, classes[CV])) {
    port->kind = PORT_SIGNAL;
    port->capacity = host->option_max_block > 0 ? (uint32_t)host->option_max_block : 1;
    port->buffer = calloc(port->capacity, sizeof(float));
  } else if (lilv_port_is_a(plugin, lport, classes[ATOM])) {
    port->kind = input ? PORT_ATOM_IN : PORT_ATOM_OUT;
    port->capacity = atom_capacity >= sizeof(LV2_Atom_Sequence)
                         ? atom_capacity
                         : (uint32_t)sizeof(LV2_Atom_Sequence);
    port->buffer = calloc(1, port->capacity);
  } else {
    port->kind = PORT_OTHER; /* unknown type: left unconnected */
    return true;
  }
  if (!port->buffer) {
    return false;
  }
  lilv_instance_connect_port(host->instance, index, port->buffer);
  return true;
}

bool lvth_host_connect_all(LvthHost* host, uint32_t atom_capacity)
{
  if (!host->instance || host->ports) {
    return host->instance != NULL;
  }
  const LilvPlugin* plugin = host->world->plugin;
  LilvWorld* lilv = host->world->lilv;
  const uint32_t n = lilv_plugin_get_num_ports(plugin);
  host->ports = calloc(n ? n : 1, sizeof(HostPort));
  if (!host->ports) {
    return false;
  }
  host->n_ports = n;
  LilvNode* classes[] = {
      lilv_new_uri(lilv, LV2_CORE__InputPort), lilv_new_uri(lilv, LV2_CORE__ControlPort),
      lilv_new_uri(lilv, LV2_CORE__AudioPort), lilv_new_uri(lilv, LV2_CORE__CVPort),
      lilv_new_uri(lilv, LV2_ATOM__AtomPort),
  };
  bool ok = true;
  for (uint32_t i = 0; i < n && ok; ++i) {
    ok = connect_port_storage(host, plugin, i, atom_capacity,
                              (const LilvNode* const*)classes);
  }
  for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); ++i) {
    lilv_node_free(classes[i]);
  }
  reset_atom_ports(host);
  return ok;
}

float* lvth_host_control(LvthHost* host, const char* symbol)
{
  for (uint32_t i = 0; i < host->n_ports; ++i) {
    if (host->ports[i].kind == PORT_CONTROL && !strcmp(host->ports[i].symbol, symbol)) {
      return &host->ports[i].value;
    }
  }
  return NULL;
}

uint32_t lvth_host_n_ports(const LvthHost* host)
{
  return host->n_ports;
}

bool lvth_host_port_info(LvthHost* host, uint32_t index, LvthPortInfo* info)
{
  if (index >= host->n_ports) {
    return false;
  }
  HostPort* port = &host->ports[index];
  info->symbol = port->symbol;
  info->is_input = port->is_input;
  info->is_control = port->kind == PORT_CONTROL;
  info->value = info->is_control ? &port->value : NULL;
  info->has_range = port->has_range;
  info->minimum = port->minimum;
  info->maximum = port->maximum;
  info->default_value = port->default_value;
  return true;
}

const LV2_Worker_Interface* lvth_host_worker(LvthHost* host)
{
  return host->worker;
}

void lvth_host_set_worker_inline(LvthHost* host, bool inline_work)
{
  host->inline_work = inline_work;
}

unsigned lvth_host_run_worker(LvthHost* host)
{
  const unsigned count = host->requests.count;
  if (host->worker && host->worker->work) {
    for (unsigned i = 0; i < count; ++i) {
      host->worker->work(lilv_instance_get_handle(host->instance), respond, host,
                         host->requests.items[i].size, host->requests.items[i].data);
    }
  }
  queue_clear(&host->requests);
  return count;
}

unsigned lvth_host_pending_work(const LvthHost* host)
{
  return host->requests.count;
}

void lvth_host_cycle(LvthHost* host, uint32_t n_frames)
{
  reset_atom_ports(host);
  lilv_instance_run(host->instance, n_frames);
  if (!host->worker) {
    return;
  }
  LV2_Handle handle = lilv_instance_get_handle(host->instance);
  if (host->worker->work_response) {
    for (unsigned i = 0; i < host->responses.count; ++i) {
      host->worker->work_response(handle, host->responses.items[i].size,
                                  host->responses.items[i].data);
    }
  }
  queue_clear(&host->responses);
  if (host->worker->end_run) {
    host->worker->end_run(handle);
  }
}

const LvthLogCounts* lvth_host_log(const LvthHost* host)
{
  return &host->log;
}

void lvth_host_clear_log(LvthHost* host)
{
  memset(&host->log, 0, sizeof(host->log));
}

/* ---- Atom sequence helpers ---- */

/* True if atom is not an object, or if every property of the object (header
 * and value) lies within the object's size. */
static bool object_fits(LvthWorld* world, const LV2_Atom* atom)
{
  if (atom->type != lvth_urid(world, LV2_ATOM__Object) &&
      atom->type != lvth_urid(world, LV2_ATOM__Blank)) {
    return true;
  }
  if (atom->size < sizeof(LV2_Atom_Object_Body)) {
    return false;
  }
  return tandem_atom_object_fits((const LV2_Atom_Object*)atom);
}

const char* lvth_sequence_fault(LvthWorld* world, const LV2_Atom_Sequence* seq,
                                uint32_t capacity_bytes)
{
  if (capacity_bytes < sizeof(LV2_Atom_Sequence)) {
    return "capacity is smaller than an empty sequence";
  }
  if (seq->atom.type != lvth_urid(world, LV2_ATOM__Sequence)) {
    return "output is not an atom:Sequence";
  }
  if (seq->atom.size < sizeof(LV2_Atom_Sequence_Body)) {
    return "sequence size is smaller than its body header";
  }
  if ((uint64_t)seq->atom.size + sizeof(LV2_Atom) > capacity_bytes) {
    return "sequence is larger than the buffer";
  }
  const uint8_t* begin = (const uint8_t*)seq;
  const uint8_t* end = begin + sizeof(LV2_Atom) + seq->atom.size;
  const uint8_t* p = begin + sizeof(LV2_Atom_Sequence);
  int64_t last_frame = 0;
  while (p < end) {
    if ((size_t)(end - p) < sizeof(LV2_Atom_Event)) {
      return "event header runs past the end of the sequence";
    }
    const LV2_Atom_Event* ev = (const LV2_Atom_Event*)p;
    if (ev->body.size > (size_t)(end - p) - sizeof(LV2_Atom_Event)) {
      return "event body runs past the end of the sequence";
    }
    if (ev->time.frames < last_frame) {
      return "event times go backwards";
    }
    if (!object_fits(world, &ev->body)) {
      return "an object's properties run past the object's size";
    }
    last_frame = ev->time.frames;
    p += lv2_atom_pad_size((uint32_t)sizeof(LV2_Atom_Event) + ev->body.size);
  }
  if (p != end) {
    return "last event's padding runs past the end of the sequence";
  }
  return NULL;
}

bool lvth_forge_position(LvthWorld* world, LV2_Atom_Forge* forge, double sample_rate,
                         double bpm, int64_t bar)
{
  LV2_Atom_Forge_Frame obj;
  const int64_t bar_frames = (int64_t)(4.0 * 60.0 / bpm * sample_rate + 0.5);
  bool ok = lv2_atom_forge_frame_time(forge, 0) &&
            lv2_atom_forge_object(forge, &obj, 0, lvth_urid(world, LV2_TIME__Position));
  ok = ok && lv2_atom_forge_key(forge, lvth_urid(world, LV2_TIME__beatsPerMinute)) &&
       lv2_atom_forge_float(forge, (float)bpm);
  ok = ok && lv2_atom_forge_key(forge, lvth_urid(world, LV2_TIME__speed)) &&
       lv2_atom_forge_float(forge, 1.0f);
  ok = ok && lv2_atom_forge_key(forge, lvth_urid(world, LV2_TIME__frame)) &&
       lv2_atom_forge_long(forge, bar * bar_frames);
  ok = ok && lv2_atom_forge_key(forge, lvth_urid(world, LV2_TIME__bar)) &&
       lv2_atom_forge_long(forge, bar);
  ok = ok && lv2_atom_forge_key(forge, lvth_urid(world, LV2_TIME__barBeat)) &&
       lv2_atom_forge_float(forge, 0.0f);
  ok = ok && lv2_atom_forge_key(forge, lvth_urid(world, LV2_TIME__beatsPerBar)) &&
       lv2_atom_forge_float(forge, 4.0f);
  ok = ok && lv2_atom_forge_key(forge, lvth_urid(world, LV2_TIME__beatUnit)) &&
       lv2_atom_forge_int(forge, 4);
  if (ok) {
    lv2_atom_forge_pop(forge, &obj);
  }
  return ok;
}

bool lvth_forge_set_path(LvthWorld* world, LV2_Atom_Forge* forge, const char* property,
                         const char* path)
{
  LV2_Atom_Forge_Frame obj;
  bool ok = lv2_atom_forge_frame_time(forge, 0) &&
            lv2_atom_forge_object(forge, &obj, 0, lvth_urid(world, LV2_PATCH__Set));
  ok = ok && lv2_atom_forge_key(forge, lvth_urid(world, LV2_PATCH__property)) &&
       lv2_atom_forge_urid(forge, lvth_urid(world, property));
  ok = ok && lv2_atom_forge_key(forge, lvth_urid(world, LV2_PATCH__value)) &&
       lv2_atom_forge_path(forge, path, (uint32_t)strlen(path));
  if (ok) {
    lv2_atom_forge_pop(forge, &obj);
  }
  return ok;
}
