/* rt_host — a small lilv host that drives one plugin under the realtime checker.
 *
 *   LD_PRELOAD=librtcheck.so LV2_PATH=DIR rt_host [--block N] [--rate HZ]
 *       [--seconds S | --blocks N] [--allow-no-checker] [--inline-display] PLUGIN-URI
 *
 * It feeds the audio inputs a test signal (clicks, noise and a sine), sends a
 * time:Position at every bar and a patch:Get now and then on atom inputs, gives
 * atom outputs 64 KiB, and runs a synchronous worker.  Every run(),
 * connect_port(), work_response() and end_run() call is marked as realtime;
 * work() is not.  It prints the number of forbidden calls the checker saw and
 * exits 1 if there were any (the checker then turns that into 3 at exit), 2 on
 * a setup error or when the checker is not loaded.
 *
 * Everything here runs on the main thread, except with --inline-display: then the
 * host offers Ardour's inline display (queue_draw, which run() may call) and a
 * second thread calls the plugin's render() over and over while the blocks run,
 * as Ardour's GUI thread does.  It then also fails unless some render() gave a
 * non-blank ARGB32 image (notes drawn: pixels far from the background) and run()
 * asked for at most 10 draws a second of audio.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lilv/lilv.h>
#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/buf-size/buf-size.h>
#include <lv2/core/lv2.h>
#include <lv2/log/log.h>
#include <lv2/options/options.h>
#include <lv2/parameters/parameters.h>
#include <lv2/patch/patch.h>
#include <lv2/time/time.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>

#include "rtmark.h"

enum {
  HOST_MAX_URIDS = 1024,
  HOST_ATOM_IN_BYTES = 8192,
  HOST_ATOM_OUT_BYTES = 65536,
  HOST_QUEUE_SLOTS = 64,
  HOST_QUEUE_SLOT_BYTES = 16384,
  HOST_MAX_EVENTS = 64,
};

/* ---- urid:map ---- */

typedef struct {
  char* uris[HOST_MAX_URIDS];
  uint32_t count;
} UridTable;

static LV2_URID map_uri(LV2_URID_Map_Handle handle, const char* uri)
{
  UridTable* table = handle;
  for (uint32_t i = 0; i < table->count; ++i) {
    if (!strcmp(table->uris[i], uri)) {
      return i + 1;
    }
  }
  if (table->count == HOST_MAX_URIDS) {
    return 0;
  }
  const size_t len = strlen(uri);
  char* copy = malloc(len + 1);
  if (!copy) {
    return 0;
  }
  memcpy(copy, uri, len + 1);
  table->uris[table->count++] = copy;
  return table->count;
}

static const char* unmap_urid(LV2_URID_Unmap_Handle handle, LV2_URID urid)
{
  const UridTable* table = handle;
  return (urid >= 1 && urid <= table->count) ? table->uris[urid - 1] : NULL;
}

/* ---- Synchronous worker ---- */

/* A fixed queue of byte messages: schedule_work runs in the marked region, so
 * queueing must not allocate. */
typedef struct {
  uint32_t count;
  uint32_t sizes[HOST_QUEUE_SLOTS];
  uint64_t slots[HOST_QUEUE_SLOTS][HOST_QUEUE_SLOT_BYTES / sizeof(uint64_t)];
  uint32_t dropped;
} MsgQueue;

static LV2_Worker_Status queue_push(MsgQueue* q, uint32_t size, const void* data)
{
  if (q->count == HOST_QUEUE_SLOTS || size > HOST_QUEUE_SLOT_BYTES) {
    ++q->dropped;
    return LV2_WORKER_ERR_NO_SPACE;
  }
  memcpy(q->slots[q->count], data, size);
  q->sizes[q->count++] = size;
  return LV2_WORKER_SUCCESS;
}

static LV2_Worker_Status schedule_work(LV2_Worker_Schedule_Handle handle, uint32_t size,
                                       const void* data)
{
  return queue_push((MsgQueue*)handle, size, data);
}

static LV2_Worker_Status respond(LV2_Worker_Respond_Handle handle, uint32_t size,
                                 const void* data)
{
  return queue_push((MsgQueue*)handle, size, data);
}

/* ---- log:log ---- */

static int log_vprintf(LV2_Log_Handle handle, LV2_URID type, const char* fmt, va_list ap)
{
  (void)handle;
  (void)type;
  fputs("rt_host: plugin log: ", stderr);
  return vfprintf(stderr, fmt, ap);
}

static int log_printf(LV2_Log_Handle handle, LV2_URID type, const char* fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  const int n = log_vprintf(handle, type, fmt, ap);
  va_end(ap);
  return n;
}

/* ---- Ports ---- */

typedef enum {
  KIND_AUDIO_IN,
  KIND_AUDIO_OUT,
  KIND_CONTROL_IN,
  KIND_CONTROL_OUT,
  KIND_ATOM_IN,
  KIND_ATOM_OUT,
  KIND_CV,
  KIND_NONE, /* optional port of a kind we do not drive: connected to NULL */
} PortKind;

typedef struct {
  PortKind kind;
  float control;
  float* samples; /* audio and CV */
  uint64_t* atom; /* atom buffers, 8-byte aligned */
  uint32_t atom_bytes;
} Port;

typedef struct {
  LV2_URID atom_Chunk;
  LV2_URID atom_Float;
  LV2_URID atom_Int;
  LV2_URID atom_Long;
  LV2_URID atom_Double;
  LV2_URID atom_Sequence;
  LV2_URID patch_Get;
  LV2_URID time_Position;
  LV2_URID time_bar;
  LV2_URID time_barBeat;
  LV2_URID time_beat;
  LV2_URID time_beatUnit;
  LV2_URID time_beatsPerBar;
  LV2_URID time_beatsPerMinute;
  LV2_URID time_frame;
  LV2_URID time_speed;
} HostUris;

typedef struct {
  uint32_t block;
  double rate;
  uint64_t blocks;
  bool allow_no_checker;
  bool inline_display;
  const char* uri;
} Options;

/* Ardour's inline display ABI (http://harrisonconsoles.com/lv2/inlinedisplay). */
#define INLINE_DISPLAY__interface                                                        \
  "http://harrisonconsoles.com/lv2/inlinedisplay#interface"
#define INLINE_DISPLAY__queue_draw                                                       \
  "http://harrisonconsoles.com/lv2/inlinedisplay#queue_draw"
typedef struct {
  unsigned char* data;
  int width;
  int height;
  int stride;
} InlineImage;
typedef struct {
  InlineImage* (*render)(LV2_Handle instance, uint32_t w, uint32_t max_h);
} InlineInterface;
typedef struct {
  void* handle;
  void (*queue_draw)(void* handle);
} InlineFeature;

/* The render thread and what it saw. */
typedef struct {
  const InlineInterface* iface;
  LV2_Handle handle;
  atomic_bool stop;
  atomic_ulong queued; /* queue_draw calls from run() */
  unsigned long renders;
  unsigned long bad_images; /* wrong size or NULL */
  unsigned long best_lit;   /* most non-background pixels in one image */
} InlineRender;

/* A timed event on the atom inputs. */
typedef struct {
  uint32_t offset;
  bool is_position; /* else a patch:Get */
  int64_t frame;
} HostEvent;

typedef struct {
  Options opt;
  UridTable urids;
  LV2_URID_Map map;
  LV2_URID_Unmap unmap;
  HostUris uris;
  MsgQueue jobs;
  MsgQueue responses;
  Port* ports;
  uint32_t n_ports;
  LilvInstance* instance;
  const LV2_Worker_Interface* worker;
  LV2_Atom_Forge forge;
  /* Test signal state */
  uint32_t noise;
  uint64_t jobs_done;
  uint64_t notify_events;
} Host;

static int parse_options(int argc, char** argv, Options* opt)
{
  double seconds = 2.0;
  opt->block = 64;
  opt->rate = 48000.0;
  opt->blocks = 0;
  opt->allow_no_checker = false;
  opt->uri = NULL;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    const bool has_value = i + 1 < argc;
    if (!strcmp(a, "--block") && has_value) {
      opt->block = (uint32_t)strtoul(argv[++i], NULL, 10);
    } else if (!strcmp(a, "--rate") && has_value) {
      opt->rate = strtod(argv[++i], NULL);
    } else if (!strcmp(a, "--seconds") && has_value) {
      seconds = strtod(argv[++i], NULL);
    } else if (!strcmp(a, "--blocks") && has_value) {
      opt->blocks = strtoull(argv[++i], NULL, 10);
    } else if (!strcmp(a, "--allow-no-checker")) {
      opt->allow_no_checker = true;
    } else if (!strcmp(a, "--inline-display")) {
      opt->inline_display = true;
    } else if (a[0] != '-' && !opt->uri) {
      opt->uri = a;
    } else {
      return -1;
    }
  }
  if (!opt->uri || opt->block == 0 || opt->block > (1u << 20) || !(opt->rate >= 1000.0) ||
      !(opt->rate <= 1e6) || !(seconds > 0.0)) {
    return -1;
  }
  if (opt->blocks == 0) {
    opt->blocks = (uint64_t)ceil(seconds * opt->rate / opt->block);
  }
  return 0;
}

static void map_host_uris(Host* h)
{
  LV2_URID_Map* m = &h->map;
  HostUris* u = &h->uris;
  u->atom_Chunk = m->map(m->handle, LV2_ATOM__Chunk);
  u->atom_Float = m->map(m->handle, LV2_ATOM__Float);
  u->atom_Int = m->map(m->handle, LV2_ATOM__Int);
  u->atom_Long = m->map(m->handle, LV2_ATOM__Long);
  u->atom_Double = m->map(m->handle, LV2_ATOM__Double);
  u->atom_Sequence = m->map(m->handle, LV2_ATOM__Sequence);
  u->patch_Get = m->map(m->handle, LV2_PATCH__Get);
  u->time_Position = m->map(m->handle, LV2_TIME__Position);
  u->time_bar = m->map(m->handle, LV2_TIME__bar);
  u->time_barBeat = m->map(m->handle, LV2_TIME__barBeat);
  u->time_beat = m->map(m->handle, LV2_TIME__beat);
  u->time_beatUnit = m->map(m->handle, LV2_TIME__beatUnit);
  u->time_beatsPerBar = m->map(m->handle, LV2_TIME__beatsPerBar);
  u->time_beatsPerMinute = m->map(m->handle, LV2_TIME__beatsPerMinute);
  u->time_frame = m->map(m->handle, LV2_TIME__frame);
  u->time_speed = m->map(m->handle, LV2_TIME__speed);
}

/* Classifies and allocates every port.  Returns false (after one message) if a
 * port cannot be driven. */
static bool setup_ports(Host* h, LilvWorld* world, const LilvPlugin* plugin)
{
  LilvNode* input = lilv_new_uri(world, LV2_CORE__InputPort);
  LilvNode* output = lilv_new_uri(world, LV2_CORE__OutputPort);
  LilvNode* audio = lilv_new_uri(world, LV2_CORE__AudioPort);
  LilvNode* control = lilv_new_uri(world, LV2_CORE__ControlPort);
  LilvNode* cv = lilv_new_uri(world, LV2_CORE__CVPort);
  LilvNode* atom = lilv_new_uri(world, LV2_ATOM__AtomPort);
  LilvNode* optional = lilv_new_uri(world, LV2_CORE__connectionOptional);

  h->n_ports = lilv_plugin_get_num_ports(plugin);
  h->ports = calloc(h->n_ports ? h->n_ports : 1, sizeof(Port));
  float* defaults = calloc(h->n_ports ? h->n_ports : 1, sizeof(float));
  float* minimums = calloc(h->n_ports ? h->n_ports : 1, sizeof(float));
  bool ok = h->ports && defaults && minimums;
  if (ok) {
    lilv_plugin_get_port_ranges_float(plugin, minimums, NULL, defaults);
  }
  for (uint32_t i = 0; ok && i < h->n_ports; ++i) {
    const LilvPort* port = lilv_plugin_get_port_by_index(plugin, i);
    Port* p = &h->ports[i];
    const bool is_in = lilv_port_is_a(plugin, port, input);
    const bool is_out = lilv_port_is_a(plugin, port, output);
    if (lilv_port_is_a(plugin, port, audio) || lilv_port_is_a(plugin, port, cv)) {
      p->kind = lilv_port_is_a(plugin, port, cv) ? KIND_CV
                : is_in                          ? KIND_AUDIO_IN
                                                 : KIND_AUDIO_OUT;
      p->samples = calloc(h->opt.block, sizeof(float));
      ok = p->samples != NULL;
    } else if (lilv_port_is_a(plugin, port, control) && (is_in || is_out)) {
      p->kind = is_in ? KIND_CONTROL_IN : KIND_CONTROL_OUT;
      p->control =
          isnan(defaults[i]) ? (isnan(minimums[i]) ? 0.0f : minimums[i]) : defaults[i];
    } else if (lilv_port_is_a(plugin, port, atom) && (is_in || is_out)) {
      p->kind = is_in ? KIND_ATOM_IN : KIND_ATOM_OUT;
      p->atom_bytes = is_in ? HOST_ATOM_IN_BYTES : HOST_ATOM_OUT_BYTES;
      p->atom = calloc(p->atom_bytes / sizeof(uint64_t), sizeof(uint64_t));
      ok = p->atom != NULL;
    } else if (lilv_port_has_property(plugin, port, optional)) {
      p->kind = KIND_NONE;
    } else {
      fprintf(stderr, "rt_host: port %u (%s) has a type this host cannot drive\n", i,
              lilv_node_as_string(lilv_port_get_symbol(plugin, port)));
      ok = false;
    }
  }
  free(defaults);
  free(minimums);
  lilv_node_free(input);
  lilv_node_free(output);
  lilv_node_free(audio);
  lilv_node_free(control);
  lilv_node_free(cv);
  lilv_node_free(atom);
  lilv_node_free(optional);
  if (!ok && h->ports == NULL) {
    fprintf(stderr, "rt_host: out of memory\n");
  }
  return ok;
}

static void free_ports(Host* h)
{
  for (uint32_t i = 0; h->ports && i < h->n_ports; ++i) {
    free(h->ports[i].samples);
    free(h->ports[i].atom);
  }
  free(h->ports);
}

/* Clicks every quarter second, low noise and a 220 Hz sine: something for
 * onset, pitch and level analysis to chew on. */
static void fill_signal(Host* h, float* out, uint64_t first_frame)
{
  const double rate = h->opt.rate;
  const uint64_t click_period = (uint64_t)(rate / 4.0);
  for (uint32_t i = 0; i < h->opt.block; ++i) {
    const uint64_t frame = first_frame + i;
    h->noise = h->noise * 1664525u + 1013904223u;
    const float noise = ((float)(h->noise >> 8) / 16777216.0f - 0.5f) * 0.05f;
    const float sine = 0.3f * (float)sin(2.0 * M_PI * 220.0 * (double)frame / rate);
    const uint64_t since_click = click_period ? frame % click_period : 1;
    const float click =
        since_click < 32 ? 0.8f * (1.0f - (float)since_click / 32.0f) : 0.0f;
    out[i] = noise + sine + click;
  }
}

static uint32_t collect_events(const Host* h, uint64_t first_frame, HostEvent* events)
{
  /* 4/4 at 120 BPM: a bar lasts two seconds; a patch:Get every 0.75 s. */
  const uint64_t bar_frames = (uint64_t)(2.0 * h->opt.rate);
  const uint64_t get_frames = (uint64_t)(0.75 * h->opt.rate);
  const uint64_t end = first_frame + h->opt.block;
  uint64_t next_bar = (first_frame + bar_frames - 1) / bar_frames * bar_frames;
  uint64_t next_get = (first_frame + get_frames - 1) / get_frames * get_frames;
  uint32_t n = 0;
  while (n < HOST_MAX_EVENTS && (next_bar < end || next_get < end)) {
    if (next_bar < end && next_bar <= next_get) {
      events[n++] =
          (HostEvent){(uint32_t)(next_bar - first_frame), true, (int64_t)next_bar};
      next_bar += bar_frames;
    } else {
      events[n++] =
          (HostEvent){(uint32_t)(next_get - first_frame), false, (int64_t)next_get};
      next_get += get_frames;
    }
  }
  return n;
}

static void forge_position(Host* h, const HostEvent* ev)
{
  const HostUris* u = &h->uris;
  LV2_Atom_Forge* f = &h->forge;
  const double bar_frames = 2.0 * h->opt.rate;
  const int64_t bar = (int64_t)((double)ev->frame / bar_frames);
  LV2_Atom_Forge_Frame obj;
  if (!lv2_atom_forge_frame_time(f, ev->offset) ||
      !lv2_atom_forge_object(f, &obj, 0, u->time_Position)) {
    return;
  }
  lv2_atom_forge_key(f, u->time_frame);
  lv2_atom_forge_long(f, ev->frame);
  lv2_atom_forge_key(f, u->time_speed);
  lv2_atom_forge_float(f, 1.0f);
  lv2_atom_forge_key(f, u->time_bar);
  lv2_atom_forge_long(f, bar);
  lv2_atom_forge_key(f, u->time_barBeat);
  lv2_atom_forge_float(f, 0.0f);
  lv2_atom_forge_key(f, u->time_beat);
  lv2_atom_forge_double(f, (double)bar * 4.0);
  lv2_atom_forge_key(f, u->time_beatUnit);
  lv2_atom_forge_int(f, 4);
  lv2_atom_forge_key(f, u->time_beatsPerBar);
  lv2_atom_forge_float(f, 4.0f);
  lv2_atom_forge_key(f, u->time_beatsPerMinute);
  lv2_atom_forge_float(f, 120.0f);
  lv2_atom_forge_pop(f, &obj);
}

static void forge_get(Host* h, const HostEvent* ev)
{
  LV2_Atom_Forge_Frame obj;
  if (lv2_atom_forge_frame_time(&h->forge, ev->offset) &&
      lv2_atom_forge_object(&h->forge, &obj, 0, h->uris.patch_Get)) {
    lv2_atom_forge_pop(&h->forge, &obj);
  }
}

/* Prepares every input and output buffer for the block (outside the marks). */
static void prepare_block(Host* h, uint64_t first_frame)
{
  HostEvent events[HOST_MAX_EVENTS];
  const uint32_t n_events = collect_events(h, first_frame, events);
  for (uint32_t i = 0; i < h->n_ports; ++i) {
    Port* p = &h->ports[i];
    switch (p->kind) {
    case KIND_AUDIO_IN:
      fill_signal(h, p->samples, first_frame);
      break;
    case KIND_ATOM_IN: {
      LV2_Atom_Forge_Frame seq;
      lv2_atom_forge_set_buffer(&h->forge, (uint8_t*)p->atom, p->atom_bytes);
      lv2_atom_forge_sequence_head(&h->forge, &seq, 0);
      for (uint32_t e = 0; e < n_events; ++e) {
        if (events[e].is_position) {
          forge_position(h, &events[e]);
        } else {
          forge_get(h, &events[e]);
        }
      }
      lv2_atom_forge_pop(&h->forge, &seq);
      break;
    }
    case KIND_ATOM_OUT: {
      LV2_Atom* atom = (LV2_Atom*)p->atom;
      atom->type = h->uris.atom_Chunk;
      atom->size = p->atom_bytes - (uint32_t)sizeof(LV2_Atom);
      break;
    }
    default:
      break;
    }
  }
}

static void connect_all(Host* h)
{
  for (uint32_t i = 0; i < h->n_ports; ++i) {
    Port* p = &h->ports[i];
    void* data = NULL;
    switch (p->kind) {
    case KIND_AUDIO_IN:
    case KIND_AUDIO_OUT:
    case KIND_CV:
      data = p->samples;
      break;
    case KIND_CONTROL_IN:
    case KIND_CONTROL_OUT:
      data = &p->control;
      break;
    case KIND_ATOM_IN:
    case KIND_ATOM_OUT:
      data = p->atom;
      break;
    case KIND_NONE:
      break;
    }
    lilv_instance_connect_port(h->instance, i, data);
  }
}

/* Counts events on the atom outputs, checking that the plugin kept to the
 * capacity it was given. */
static bool check_outputs(Host* h)
{
  for (uint32_t i = 0; i < h->n_ports; ++i) {
    const Port* p = &h->ports[i];
    if (p->kind != KIND_ATOM_OUT) {
      continue;
    }
    const LV2_Atom* atom = (const LV2_Atom*)p->atom;
    if (atom->size > p->atom_bytes - sizeof(LV2_Atom)) {
      fprintf(stderr, "rt_host: port %u: output atom of %u bytes overflows %u\n", i,
              atom->size, p->atom_bytes);
      return false;
    }
    if (atom->type == h->uris.atom_Sequence) {
      LV2_ATOM_SEQUENCE_FOREACH ((const LV2_Atom_Sequence*)atom, ev) {
        ++h->notify_events;
      }
    }
  }
  return true;
}

static bool run_blocks(Host* h)
{
  uint64_t frame = 0;
  for (uint64_t b = 0; b < h->opt.blocks; ++b) {
    prepare_block(h, frame);

    tandem_rtmark_enter();
    connect_all(h);
    lilv_instance_run(h->instance, h->opt.block);
    tandem_rtmark_leave();

    if (!check_outputs(h)) {
      return false;
    }

    /* work() is the non-realtime side, left unmarked. */
    if (h->worker && h->worker->work) {
      for (uint32_t j = 0; j < h->jobs.count; ++j) {
        h->worker->work(lilv_instance_get_handle(h->instance), respond, &h->responses,
                        h->jobs.sizes[j], h->jobs.slots[j]);
        ++h->jobs_done;
      }
    }
    h->jobs.count = 0;

    tandem_rtmark_enter();
    if (h->worker) {
      for (uint32_t r = 0; r < h->responses.count; ++r) {
        if (h->worker->work_response) {
          h->worker->work_response(lilv_instance_get_handle(h->instance),
                                   h->responses.sizes[r], h->responses.slots[r]);
        }
      }
      if (h->worker->end_run) {
        h->worker->end_run(lilv_instance_get_handle(h->instance));
      }
    }
    tandem_rtmark_leave();
    h->responses.count = 0;
    frame += h->opt.block;
  }
  return true;
}

/* The host side of queue_draw: realtime-safe, one atomic increment. */
static void queue_draw(void* handle)
{
  InlineRender* r = (InlineRender*)handle;
  atomic_fetch_add_explicit(&r->queued, 1ul, memory_order_relaxed);
}

/* Pixels of an ARGB32 image that differ clearly from its top-left corner (the
 * background). */
static unsigned long lit_pixels(const InlineImage* img)
{
  const uint32_t bg = *(const uint32_t*)img->data;
  unsigned long lit = 0;
  for (int y = 0; y < img->height; ++y) {
    const uint32_t* row = (const uint32_t*)(img->data + (size_t)y * (size_t)img->stride);
    for (int x = 0; x < img->width; ++x) {
      int diff = 0;
      for (int c = 0; c < 24; c += 8) {
        const int d = (int)((row[x] >> c) & 0xff) - (int)((bg >> c) & 0xff);
        diff += d < 0 ? -d : d;
      }
      lit += diff > 96;
    }
  }
  return lit;
}

static void* render_thread(void* data)
{
  InlineRender* r = (InlineRender*)data;
  while (!atomic_load_explicit(&r->stop, memory_order_acquire)) {
    const InlineImage* img = r->iface->render(r->handle, 160, 64);
    ++r->renders;
    if (!img || !img->data || img->width != 160 || img->height < 1 || img->height > 64 ||
        img->stride < 4 * img->width) {
      ++r->bad_images;
      continue;
    }
    const unsigned long lit = lit_pixels(img);
    r->best_lit = lit > r->best_lit ? lit : r->best_lit;
  }
  return NULL;
}

/* Fails with one message if the plugin needs a feature this host lacks. */
static bool check_required_features(const LilvPlugin* plugin,
                                    const LV2_Feature* const* features)
{
  LilvNodes* required = lilv_plugin_get_required_features(plugin);
  bool ok = true;
  LILV_FOREACH (nodes, it, required) {
    const char* uri = lilv_node_as_uri(lilv_nodes_get(required, it));
    bool found = false;
    for (const LV2_Feature* const* f = features; *f; ++f) {
      found = found || !strcmp((*f)->URI, uri);
    }
    if (!found) {
      fprintf(stderr, "rt_host: the plugin requires <%s>, which this host lacks\n", uri);
      ok = false;
    }
  }
  lilv_nodes_free(required);
  return ok;
}

int main(int argc, char** argv)
{
  static Host host; /* large queues: keep them off the stack */
  Host* h = &host;
  if (parse_options(argc, argv, &h->opt) != 0) {
    fprintf(stderr, "usage: rt_host [--block N] [--rate HZ] [--seconds S | --blocks N] "
                    "[--allow-no-checker] [--inline-display] PLUGIN-URI\n");
    return 2;
  }
  if (!tandem_rtmark_init() && !h->opt.allow_no_checker) {
    fprintf(stderr, "rt_host: the realtime checker is not loaded; run with "
                    "LD_PRELOAD=/path/to/librtcheck.so (or pass --allow-no-checker)\n");
    return 2;
  }

  h->map = (LV2_URID_Map){&h->urids, map_uri};
  h->unmap = (LV2_URID_Unmap){&h->urids, unmap_urid};
  map_host_uris(h);
  lv2_atom_forge_init(&h->forge, &h->map);
  h->noise = 12345u;

  LilvWorld* world = lilv_world_new();
  lilv_world_load_all(world);
  LilvNode* uri = lilv_new_uri(world, h->opt.uri);
  const LilvPlugin* plugin =
      lilv_plugins_get_by_uri(lilv_world_get_all_plugins(world), uri);
  lilv_node_free(uri);
  if (!plugin) {
    fprintf(stderr, "rt_host: plugin <%s> not found in LV2_PATH=%s\n", h->opt.uri,
            getenv("LV2_PATH") ? getenv("LV2_PATH") : "(unset)");
    lilv_world_free(world);
    return 2;
  }

  const float rate_f = (float)h->opt.rate;
  const int32_t block_i = (int32_t)h->opt.block;
  const int32_t min_block_i = 1;
  const int32_t seq_size_i = HOST_ATOM_OUT_BYTES;
  const LV2_Options_Option options[] = {
      {LV2_OPTIONS_INSTANCE, 0, h->map.map(h->map.handle, LV2_PARAMETERS__sampleRate),
       sizeof(float), h->uris.atom_Float, &rate_f},
      {LV2_OPTIONS_INSTANCE, 0, h->map.map(h->map.handle, LV2_BUF_SIZE__maxBlockLength),
       sizeof(int32_t), h->uris.atom_Int, &block_i},
      {LV2_OPTIONS_INSTANCE, 0, h->map.map(h->map.handle, LV2_BUF_SIZE__minBlockLength),
       sizeof(int32_t), h->uris.atom_Int, &min_block_i},
      {LV2_OPTIONS_INSTANCE, 0,
       h->map.map(h->map.handle, LV2_BUF_SIZE__nominalBlockLength), sizeof(int32_t),
       h->uris.atom_Int, &block_i},
      {LV2_OPTIONS_INSTANCE, 0, h->map.map(h->map.handle, LV2_BUF_SIZE__sequenceSize),
       sizeof(int32_t), h->uris.atom_Int, &seq_size_i},
      {LV2_OPTIONS_INSTANCE, 0, 0, 0, 0, NULL},
  };
  LV2_Worker_Schedule schedule = {&h->jobs, schedule_work};
  LV2_Log_Log log = {NULL, log_printf, log_vprintf};
  const LV2_Feature map_f = {LV2_URID__map, &h->map};
  const LV2_Feature unmap_f = {LV2_URID__unmap, &h->unmap};
  const LV2_Feature schedule_f = {LV2_WORKER__schedule, &schedule};
  const LV2_Feature log_f = {LV2_LOG__log, &log};
  const LV2_Feature options_f = {LV2_OPTIONS__options, (void*)options};
  const LV2_Feature bounded_f = {LV2_BUF_SIZE__boundedBlockLength, NULL};
  const LV2_Feature fixed_f = {LV2_BUF_SIZE__fixedBlockLength, NULL};
  const LV2_Feature pow2_f = {LV2_BUF_SIZE__powerOf2BlockLength, NULL};
  static InlineRender inline_render;
  InlineFeature inline_feature = {&inline_render, queue_draw};
  const LV2_Feature inline_f = {INLINE_DISPLAY__queue_draw, &inline_feature};
  const bool pow2 = (h->opt.block & (h->opt.block - 1)) == 0;
  const LV2_Feature* features[] = {
      &map_f,     &unmap_f,   &schedule_f, &log_f,
      &options_f, &bounded_f, &fixed_f,    h->opt.inline_display ? &inline_f : NULL,
      NULL,       NULL};
  if (pow2) {
    features[h->opt.inline_display ? 8 : 7] = &pow2_f;
  }

  int status = 2;
  if (check_required_features(plugin, features) && setup_ports(h, world, plugin)) {
    h->instance = lilv_plugin_instantiate(plugin, h->opt.rate, features);
    if (!h->instance) {
      fprintf(stderr, "rt_host: instantiating <%s> failed\n", h->opt.uri);
    } else {
      h->worker = lilv_instance_get_extension_data(h->instance, LV2_WORKER__interface);
      lilv_instance_activate(h->instance);
      pthread_t thread;
      bool rendering = false;
      if (h->opt.inline_display) {
        inline_render.iface =
            lilv_instance_get_extension_data(h->instance, INLINE_DISPLAY__interface);
        inline_render.handle = lilv_instance_get_handle(h->instance);
        if (!inline_render.iface || !inline_render.iface->render) {
          fprintf(stderr, "rt_host: <%s> has no inline display interface\n", h->opt.uri);
        } else {
          rendering = pthread_create(&thread, NULL, render_thread, &inline_render) == 0;
        }
      }
      bool ran = (!h->opt.inline_display || rendering) && run_blocks(h);
      if (rendering) {
        atomic_store_explicit(&inline_render.stop, true, memory_order_release);
        pthread_join(thread, NULL);
        const double seconds = (double)h->opt.blocks * h->opt.block / h->opt.rate;
        const unsigned long queued = atomic_load(&inline_render.queued);
        printf("rt_host: inline display: %lu renders in another thread, %lu bad images, "
               "at most %lu lit pixels of 160x64, %lu queue_draw in %.1f s of audio\n",
               inline_render.renders, inline_render.bad_images, inline_render.best_lit,
               queued, seconds);
        if (inline_render.bad_images > 0 || inline_render.best_lit < 100 || queued < 1 ||
            (double)queued > 10.0 * seconds + 1.0) {
          fprintf(stderr,
                  "rt_host: FAIL: the inline display drew no part, a bad image, or "
                  "asked for more than 10 draws a second\n");
          ran = false;
        }
      }
      lilv_instance_deactivate(h->instance);
      lilv_instance_free(h->instance);
      if (ran) {
        const unsigned long violations = tandem_rtmark_count();
        printf("rt_host: <%s> %llu blocks of %u frames at %.0f Hz, %llu work jobs, "
               "%llu output events, %u dropped worker messages: %lu forbidden calls in "
               "realtime context%s\n",
               h->opt.uri, (unsigned long long)h->opt.blocks, h->opt.block, h->opt.rate,
               (unsigned long long)h->jobs_done, (unsigned long long)h->notify_events,
               h->jobs.dropped + h->responses.dropped, violations,
               tandem_rtmark_loaded() ? "" : " (checker not loaded)");
        status = violations > 0 ? 1 : 0;
      }
    }
  }
  free_ports(h);
  for (uint32_t i = 0; i < h->urids.count; ++i) {
    free(h->urids.uris[i]);
  }
  lilv_world_free(world);
  return status;
}
