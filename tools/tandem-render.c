/* tandem-render — renders an audio file through the Tandem plugin, hosted
 * through lilv like any LV2 host would, and saves the MIDI it plays as a
 * Standard MIDI File.
 *
 *   tandem-render [options] IN.wav -o OUT.mid      (see --help)
 *
 * Threads: the main thread plays the host's audio thread (run, connect_port,
 * work_response, end_run, each inside a realtime mark for tests/rtcheck); a
 * worker thread runs the plugin's work() unless --freewheel asks for it to run
 * synchronously, as a host does when exporting.
 *
 * The input is read whole and mixed to mono before rendering (4 bytes per
 * frame: about 110 MB for ten minutes at 48 kHz); with --rate it is resampled
 * first (tools/resample.c).  With --bpm the host sends time:Position at the
 * start and once more when playback ends (speed 0, one extra block), the two
 * moments a real host's transport changes during an export.
 *
 * Exit status: 0 success, 1 runtime failure (input, plugin, output), 2 usage.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <limits.h>

#include <jansson.h>
#include <lilv/lilv.h>
#include <sndfile.h>

#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/buf-size/buf-size.h>
#include <lv2/core/lv2.h>
#include <lv2/log/log.h>
#include <lv2/midi/midi.h>
#include <lv2/options/options.h>
#include <lv2/parameters/parameters.h>
#include <lv2/patch/patch.h>
#include <lv2/presets/presets.h>
#include <lv2/resize-port/resize-port.h>
#include <lv2/time/time.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>

#include "messages.h" /* TANDEM_LLM_DEFAULT_TIMEOUT_S */
#include "resample.h"
#include "ring.h"
#include "rtmark.h"
#include "smf.h"

#ifndef TANDEM_RENDER_BUILD_ROOT
#define TANDEM_RENDER_BUILD_ROOT ""
#endif

#define PLUGIN_URI        "urn:tandem:plugin"
#define STATUS_URI        "urn:tandem:plugin#status"
#define DEFAULT_BLOCK     512u
#define MAX_BLOCK         8192u
#define ATOM_CAPACITY     65536u
#define WORKER_RING_BYTES 65536u
#define MAX_SETS          64
#define MIDI_MAX_BYTES    16u
#define DEFAULT_BPM       120.0
#define PROGRESS_MIN_SECS 10.0
/* Waiting for a model reply.  The plugin's timeout (default 20 s) is per HTTP
 * attempt, and its client makes up to 3 attempts with a backoff of at most 8 s
 * between them (worker/llm.c), so the render waits up to 3 timeouts, 2
 * backoffs and a margin.  A prompt that has not made the plugin wait within
 * the grace time is not waited for at all. */
#define LLM_DEFAULT_TIMEOUT_S ((double)TANDEM_LLM_DEFAULT_TIMEOUT_S)
#define LLM_WAIT_ATTEMPTS     3
#define LLM_WAIT_BACKOFF_S    8.0
#define LLM_WAIT_MARGIN_S     5.0
#define LLM_START_GRACE_S     1.0
#define USER_LV2_DIRS         "~/.lv2:/usr/local/lib/lv2:/usr/lib/lv2"

enum { EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

/* ---- Options ---- */

typedef struct {
  const char* symbol_value; /* "SYMBOL=VALUE" as given */
} SetArg;

typedef struct {
  const char* input;
  const char* output;
  const char* report;
  bool has_bpm;
  double bpm;
  int meter_num;
  int meter_den;
  const char* role;
  const char* style;
  const char* bars;
  const char* seed;
  const char* prompt;
  const char* llm_url;
  const char* llm_model;
  const char* llm_provider;
  const char* llm_timeout;     /* seconds, validated */
  const char* llm_temperature; /* validated */
  const char* llm_max_tokens;  /* validated */
  const char* llm_fallbacks;   /* lines "provider url [model]" */
  const char* style_file;      /* absolute, made so when parsed */
  const char* profile_path;    /* absolute, made so when parsed */
  uint32_t block;
  double rate; /* 0: the file's rate */
  SetArg sets[MAX_SETS];
  int n_sets;
  const char* preset;
  int variations;
  const char* feedback[MAX_SETS]; /* --feedback KIND@BAR as given */
  int n_feedback;
  bool freewheel;
  double tail_s;
  bool quiet;
  bool progress;
} Options;

/* ---- URID map: a growable table under a mutex (map may be called from any
 * thread, though Tandem only maps in instantiate). ---- */

typedef struct {
  pthread_mutex_t lock;
  char** uris;
  uint32_t n;
  uint32_t cap;
} UridTable;

static LV2_URID urid_map(LV2_URID_Map_Handle handle, const char* uri)
{
  UridTable* t = handle;
  if (!uri) {
    return 0;
  }
  pthread_mutex_lock(&t->lock);
  for (uint32_t i = 0; i < t->n; ++i) {
    if (!strcmp(t->uris[i], uri)) {
      pthread_mutex_unlock(&t->lock);
      return i + 1;
    }
  }
  LV2_URID id = 0;
  if (t->n == t->cap) {
    const uint32_t cap = t->cap ? t->cap * 2 : 64;
    char** uris = realloc(t->uris, cap * sizeof(char*));
    if (!uris) {
      pthread_mutex_unlock(&t->lock);
      return 0;
    }
    t->uris = uris;
    t->cap = cap;
  }
  char* copy = strdup(uri);
  if (copy) {
    t->uris[t->n++] = copy;
    id = t->n;
  }
  pthread_mutex_unlock(&t->lock);
  return id;
}

static const char* urid_unmap(LV2_URID_Unmap_Handle handle, LV2_URID urid)
{
  UridTable* t = handle;
  const char* uri = NULL;
  pthread_mutex_lock(&t->lock);
  if (urid >= 1 && urid <= t->n) {
    uri = t->uris[urid - 1];
  }
  pthread_mutex_unlock(&t->lock);
  return uri;
}

typedef struct {
  LV2_URID atom_Blank;
  LV2_URID atom_Chunk;
  LV2_URID atom_Double;
  LV2_URID atom_Float;
  LV2_URID atom_Int;
  LV2_URID atom_Long;
  LV2_URID atom_Object;
  LV2_URID atom_Path;
  LV2_URID atom_Sequence;
  LV2_URID atom_String;
  LV2_URID atom_URID;
  LV2_URID bufsz_maxBlockLength;
  LV2_URID bufsz_minBlockLength;
  LV2_URID bufsz_nominalBlockLength;
  LV2_URID bufsz_sequenceSize;
  LV2_URID log_Error;
  LV2_URID log_Note;
  LV2_URID log_Trace;
  LV2_URID log_Warning;
  LV2_URID midi_MidiEvent;
  LV2_URID param_sampleRate;
  LV2_URID patch_Set;
  LV2_URID patch_property;
  LV2_URID patch_value;
  LV2_URID tandem_status;
  LV2_URID time_Position;
  LV2_URID time_bar;
  LV2_URID time_barBeat;
  LV2_URID time_beat;
  LV2_URID time_beatUnit;
  LV2_URID time_beatsPerBar;
  LV2_URID time_beatsPerMinute;
  LV2_URID time_frame;
  LV2_URID time_speed;
} HostURIDs;

static void map_urids(HostURIDs* u, LV2_URID_Map* map)
{
  LV2_URID (*m)(LV2_URID_Map_Handle, const char*) = map->map;
  void* h = map->handle;
  u->atom_Blank = m(h, LV2_ATOM__Blank);
  u->atom_Chunk = m(h, LV2_ATOM__Chunk);
  u->atom_Double = m(h, LV2_ATOM__Double);
  u->atom_Float = m(h, LV2_ATOM__Float);
  u->atom_Int = m(h, LV2_ATOM__Int);
  u->atom_Long = m(h, LV2_ATOM__Long);
  u->atom_Object = m(h, LV2_ATOM__Object);
  u->atom_Path = m(h, LV2_ATOM__Path);
  u->atom_Sequence = m(h, LV2_ATOM__Sequence);
  u->atom_String = m(h, LV2_ATOM__String);
  u->atom_URID = m(h, LV2_ATOM__URID);
  u->bufsz_maxBlockLength = m(h, LV2_BUF_SIZE__maxBlockLength);
  u->bufsz_minBlockLength = m(h, LV2_BUF_SIZE__minBlockLength);
  u->bufsz_nominalBlockLength = m(h, LV2_BUF_SIZE__nominalBlockLength);
  u->bufsz_sequenceSize = m(h, LV2_BUF_SIZE__sequenceSize);
  u->log_Error = m(h, LV2_LOG__Error);
  u->log_Note = m(h, LV2_LOG__Note);
  u->log_Trace = m(h, LV2_LOG__Trace);
  u->log_Warning = m(h, LV2_LOG__Warning);
  u->midi_MidiEvent = m(h, LV2_MIDI__MidiEvent);
  u->param_sampleRate = m(h, LV2_PARAMETERS__sampleRate);
  u->patch_Set = m(h, LV2_PATCH__Set);
  u->patch_property = m(h, LV2_PATCH__property);
  u->patch_value = m(h, LV2_PATCH__value);
  u->tandem_status = m(h, STATUS_URI);
  u->time_Position = m(h, LV2_TIME__Position);
  u->time_bar = m(h, LV2_TIME__bar);
  u->time_barBeat = m(h, LV2_TIME__barBeat);
  u->time_beat = m(h, LV2_TIME__beat);
  u->time_beatUnit = m(h, LV2_TIME__beatUnit);
  u->time_beatsPerBar = m(h, LV2_TIME__beatsPerBar);
  u->time_beatsPerMinute = m(h, LV2_TIME__beatsPerMinute);
  u->time_frame = m(h, LV2_TIME__frame);
  u->time_speed = m(h, LV2_TIME__speed);
}

/* ---- Ports ---- */

typedef enum {
  PORT_UNUSED = 0, /* optional port of a kind this host does not feed */
  PORT_AUDIO_IN,
  PORT_AUDIO_OUT,
  PORT_CONTROL_IN,
  PORT_CONTROL_OUT,
  PORT_ATOM_IN,
  PORT_ATOM_OUT,
} PortKind;

typedef struct {
  const LilvPort* lport;
  const char* symbol; /* owned by lilv */
  PortKind kind;
  float value; /* control inputs: the value connected */
  float min;   /* NAN if the plugin gives none */
  float max;
  bool is_freewheel; /* lv2:designation lv2:freeWheeling */
  bool is_control;   /* atom input designated lv2:control: gets host events */
  uint32_t atom_capacity;
} PortInfo;

/* A writable plugin property (patch:writable) the options may set. */
typedef enum {
  PROP_STRING = 0,
  PROP_PATH,  /* rdfs:range atom:Path */
  PROP_FLOAT, /* rdfs:range atom:Float */
  PROP_INT,   /* rdfs:range atom:Int */
} PropertyType;

typedef struct {
  const char* option; /* e.g. "prompt" */
  const char* value;  /* NULL if the option was not given */
  char* property_uri; /* NULL if the plugin has no such property */
  PropertyType type;
} PropertyArg;

#define N_PROPERTY_ARGS 10

/* ---- Everything that lives for the whole run ---- */

typedef struct {
  Options opt;

  /* lilv */
  LilvWorld* world;
  const LilvPlugin* plugin;
  LilvState* preset_state;
  char* preset_uri;

  /* Features shared by all instances */
  UridTable urids;
  LV2_URID_Map map;
  LV2_URID_Unmap unmap;
  HostURIDs u;
  LV2_Log_Log log;
  pthread_mutex_t log_lock;

  /* Ports */
  PortInfo* ports;
  uint32_t n_ports;
  int seed_port;       /* index or -1 */
  int llm_status_port; /* control output "llm_status", or -1 */
  PropertyArg props[N_PROPERTY_ARGS];

  /* Input audio, mono, at the plugin's rate */
  float* audio;
  uint64_t audio_frames;
  int file_rate;
  int file_channels;
  uint64_t file_frames;
  double rate;
  bool resampled;

  /* Report */
  json_t* warnings;
  json_t* errors; /* the render in progress appends here (under log_lock) */

  /* Progress over all renders */
  bool show_progress;
  uint64_t progress_total;
  uint64_t progress_done;
  int progress_shown;
} Host;

/* ---- Small helpers ---- */

/* A JSON string; text that is not UTF-8 (JSON cannot hold it) is replaced. */
static json_t* json_text(const char* text, size_t len)
{
  json_t* s = json_stringn(text, len);
  return s ? s : json_string("(text that is not UTF-8)");
}

static json_t* json_cstr(const char* text)
{
  return json_text(text, strlen(text));
}

static void fail_line(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail_line(const char* fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fputs("tandem-render: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

static void warn(Host* h, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(Host* h, const char* fmt, ...)
{
  char text[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  if (!h->opt.quiet) {
    fprintf(stderr, "tandem-render: %s\n", text);
  }
  json_array_append_new(h->warnings, json_cstr(text));
}

static bool parse_double(const char* text, double* out)
{
  if (!text || !*text) {
    return false;
  }
  char* end = NULL;
  errno = 0;
  const double v = strtod(text, &end);
  if (errno || end == text || *end || !isfinite(v)) {
    return false;
  }
  *out = v;
  return true;
}

/* Lower-case letters and digits only: "llm-url", "llmUrl" and "llm_url" match. */
/* The plugin resolves paths in its own worker, whose working folder is the host's:
 * a relative path on the command line is made absolute here.  NULL (after one line
 * on stderr) if it cannot be. */
static const char* absolute_path(const char* path, char* out, size_t cap,
                                 const char* option)
{
  char cwd[PATH_MAX];
  if (!path[0]) {
    fail_line("%s needs a file name", option);
    return NULL;
  }
  if (path[0] == '/') {
    if ((size_t)snprintf(out, cap, "%s", path) < cap) {
      return out;
    }
  } else if (getcwd(cwd, sizeof(cwd)) &&
             (size_t)snprintf(out, cap, "%s/%s", cwd, path) < cap) {
    return out;
  }
  fail_line("%s: cannot use the path '%s' (too long, or no working folder)", option,
            path);
  return NULL;
}

static void normalise_name(const char* in, char* out, size_t cap)
{
  size_t n = 0;
  for (; *in && n + 1 < cap; ++in) {
    if (isalnum((unsigned char)*in)) {
      out[n++] = (char)tolower((unsigned char)*in);
    }
  }
  out[n] = '\0';
}

/* ---- Log feature ---- */

static int log_vprintf(LV2_Log_Handle handle, LV2_URID type, const char* fmt, va_list ap)
{
  Host* h = handle;
  char text[1024];
  const int n = vsnprintf(text, sizeof(text), fmt, ap);
  size_t len = strlen(text);
  while (len && (text[len - 1] == '\n' || text[len - 1] == '\r')) {
    text[--len] = '\0';
  }
  const bool is_error = type == h->u.log_Error;
  pthread_mutex_lock(&h->log_lock);
  if (is_error && h->errors) {
    json_array_append_new(h->errors, json_cstr(text));
  } else if (type == h->u.log_Warning) {
    json_array_append_new(h->warnings, json_cstr(text));
  }
  if (is_error || (!h->opt.quiet && type != h->u.log_Trace)) {
    fprintf(stderr, "tandem-render: plugin: %s\n", text);
  }
  pthread_mutex_unlock(&h->log_lock);
  return n;
}

static int log_printf(LV2_Log_Handle handle, LV2_URID type, const char* fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  const int n = log_vprintf(handle, type, fmt, ap);
  va_end(ap);
  return n;
}

/* ---- Worker ---- */

typedef struct {
  const LV2_Worker_Interface* iface;
  LV2_Handle handle;
  bool threaded;
  /* Requests: written by the audio (main) thread in schedule_work, read by the
   * worker thread.  Responses: written by whoever runs work(), read by the main
   * thread after run(). */
  TandemRing* requests;
  TandemRing* responses;
  sem_t wake;
  bool sem_ready;
  pthread_t thread;
  bool thread_running;
  atomic_bool quit;
  uint8_t* work_buf;      /* worker thread only */
  uint8_t* response_buf;  /* main thread only */
  uint32_t pending_posts; /* requests queued during run(); posted after it */
  bool in_realtime;       /* the main thread is inside a realtime mark */
  atomic_uint requests_total;
  atomic_uint responses_total;
  atomic_uint no_space;
  atomic_uint failures;
} Worker;

static LV2_Worker_Status worker_respond(LV2_Worker_Respond_Handle handle, uint32_t size,
                                        const void* data)
{
  Worker* w = handle;
  if (!data || size == 0 || !tandem_ring_write_msg(w->responses, 0, data, size)) {
    atomic_fetch_add(&w->no_space, 1);
    return LV2_WORKER_ERR_NO_SPACE;
  }
  atomic_fetch_add(&w->responses_total, 1);
  return LV2_WORKER_SUCCESS;
}

static void worker_call_work(Worker* w, uint32_t size, const void* data)
{
  if (w->iface->work(w->handle, worker_respond, w, size, data) != LV2_WORKER_SUCCESS) {
    atomic_fetch_add(&w->failures, 1);
  }
}

static LV2_Worker_Status worker_schedule(LV2_Worker_Schedule_Handle handle, uint32_t size,
                                         const void* data)
{
  Worker* w = handle;
  if (!w->iface || !w->iface->work) {
    return LV2_WORKER_ERR_UNKNOWN;
  }
  if (!data || size == 0 || size > WORKER_RING_BYTES - sizeof(TandemRingMsgHeader)) {
    atomic_fetch_add(&w->no_space, 1);
    return LV2_WORKER_ERR_NO_SPACE;
  }
  atomic_fetch_add(&w->requests_total, 1);
  if (!w->threaded) {
    /* Freewheel: work() runs right here, outside the realtime mark, as an
     * exporting host does. */
    if (w->in_realtime) {
      tandem_rtmark_leave();
    }
    worker_call_work(w, size, data);
    if (w->in_realtime) {
      tandem_rtmark_enter();
    }
    return LV2_WORKER_SUCCESS;
  }
  if (!tandem_ring_write_msg(w->requests, 0, data, size)) {
    atomic_fetch_add(&w->no_space, 1);
    return LV2_WORKER_ERR_NO_SPACE;
  }
  /* The semaphore is posted after run() returns: sem_post may enter the
   * kernel, which the realtime checker rightly counts. */
  ++w->pending_posts;
  return LV2_WORKER_SUCCESS;
}

static void* worker_thread(void* arg)
{
  Worker* w = arg;
  for (;;) {
    while (sem_wait(&w->wake) != 0 && errno == EINTR) {
    }
    /* On quit, finish every request still queued so that no work is lost;
     * their responses are counted but no longer delivered. */
    const bool quit = atomic_load(&w->quit);
    uint32_t type = 0;
    uint32_t size = 0;
    TandemRingStatus st;
    while ((st = tandem_ring_read_msg(w->requests, &type, w->work_buf, WORKER_RING_BYTES,
                                      &size)) != TANDEM_RING_EMPTY) {
      if (st == TANDEM_RING_OK) {
        worker_call_work(w, size, w->work_buf);
      }
      if (!quit) {
        break; /* one request per post */
      }
    }
    if (quit) {
      break;
    }
  }
  return NULL;
}

static bool worker_init(Worker* w, bool threaded)
{
  memset(w, 0, sizeof(*w));
  w->threaded = threaded;
  w->requests = tandem_ring_new(WORKER_RING_BYTES);
  w->responses = tandem_ring_new(WORKER_RING_BYTES);
  w->work_buf = malloc(WORKER_RING_BYTES);
  w->response_buf = malloc(WORKER_RING_BYTES);
  if (!w->requests || !w->responses || !w->work_buf || !w->response_buf) {
    return false;
  }
  if (sem_init(&w->wake, 0, 0) != 0) {
    return false;
  }
  w->sem_ready = true;
  return true;
}

static bool worker_start(Worker* w, const LV2_Worker_Interface* iface, LV2_Handle handle)
{
  w->iface = iface;
  w->handle = handle;
  if (!w->threaded || !iface || !iface->work) {
    return true;
  }
  if (pthread_create(&w->thread, NULL, worker_thread, w) != 0) {
    return false;
  }
  w->thread_running = true;
  return true;
}

/* Wakes the worker once per request queued during the last run(). */
static void worker_post_pending(Worker* w)
{
  for (; w->pending_posts; --w->pending_posts) {
    sem_post(&w->wake);
  }
}

/* Hands the plugin every response waiting, then calls end_run(); the audio
 * thread's part of the worker protocol. */
static void worker_deliver(Worker* w)
{
  if (!w->iface) {
    return;
  }
  uint32_t type = 0;
  uint32_t size = 0;
  TandemRingStatus st;
  while ((st = tandem_ring_read_msg(w->responses, &type, w->response_buf,
                                    WORKER_RING_BYTES, &size)) != TANDEM_RING_EMPTY) {
    if (st == TANDEM_RING_OK && w->iface->work_response) {
      tandem_rtmark_enter();
      w->iface->work_response(w->handle, size, w->response_buf);
      tandem_rtmark_leave();
    }
  }
  if (w->iface->end_run) {
    tandem_rtmark_enter();
    w->iface->end_run(w->handle);
    tandem_rtmark_leave();
  }
}

static void worker_stop(Worker* w)
{
  if (w->thread_running) {
    atomic_store(&w->quit, true);
    sem_post(&w->wake);
    pthread_join(w->thread, NULL);
    w->thread_running = false;
  }
}

static void worker_free(Worker* w)
{
  worker_stop(w);
  if (w->sem_ready) {
    sem_destroy(&w->wake);
  }
  tandem_ring_free(w->requests);
  tandem_ring_free(w->responses);
  free(w->work_buf);
  free(w->response_buf);
}

/* ---- One render ---- */

typedef struct {
  int64_t frame;
  uint32_t order; /* arrival order, so that sorting keeps equal frames stable */
  uint8_t size;
  uint8_t data[MIDI_MAX_BYTES];
} MidiEvent;

typedef struct {
  char* output;
  bool has_seed;
  double seed;

  MidiEvent* events;
  size_t n_events;
  size_t cap_events;
  size_t n_notes;
  size_t midi_dropped; /* malformed or oversized MIDI from the plugin */
  size_t hanging_closed;

  json_t* status_changes;
  json_t* properties; /* last value of every other property the plugin set */
  char* last_status;

  float* out_last;
  float* out_min;
  float* out_max;
  bool* out_seen;

  /* The model, as the plugin tells it: the llm_status port over time, the
   * status texts about the model, and whether the render waited for a reply. */
  json_t* llm_timeline;
  json_t* llm_lines;
  int llm_status_last; /* -1 before the first block */
  bool llm_wait_tried; /* a pre-roll ran for a prompt */
  bool llm_waited;     /* ... and the reply came in before the limit */
  double llm_wait_s;   /* wall-clock seconds the pre-roll took */
  uint64_t preroll_frames;

  json_t* errors;
  uint64_t frames;
  unsigned work_requests;
  unsigned work_responses;
  unsigned work_no_space;
  unsigned work_failures;
} Render;

static void render_free(Render* r)
{
  free(r->output);
  free(r->events);
  free(r->last_status);
  free(r->out_last);
  free(r->out_min);
  free(r->out_max);
  free(r->out_seen);
  json_decref(r->status_changes);
  json_decref(r->properties);
  json_decref(r->llm_timeline);
  json_decref(r->llm_lines);
  json_decref(r->errors);
  memset(r, 0, sizeof(*r));
}

static bool record_midi(Render* r, int64_t frame, const uint8_t* data, uint32_t size)
{
  if (size == 0 || size > MIDI_MAX_BYTES) {
    ++r->midi_dropped;
    return true;
  }
  if (r->n_events == r->cap_events) {
    const size_t cap = r->cap_events ? r->cap_events * 2 : 1024;
    MidiEvent* ev = realloc(r->events, cap * sizeof(MidiEvent));
    if (!ev) {
      return false;
    }
    r->events = ev;
    r->cap_events = cap;
  }
  MidiEvent* ev = &r->events[r->n_events];
  ev->frame = frame;
  ev->order = (uint32_t)r->n_events;
  ev->size = (uint8_t)size;
  memcpy(ev->data, data, size);
  ++r->n_events;
  return true;
}

static void record_status(Host* h, Render* r, int64_t frame, const char* text,
                          uint32_t len)
{
  char* copy = strndup(text, len);
  if (!copy) {
    return;
  }
  if (r->last_status && !strcmp(r->last_status, copy)) {
    free(copy);
    return;
  }
  json_t* change = json_object();
  json_object_set_new(change, "time_s", json_real((double)frame / h->rate));
  json_object_set_new(change, "text", json_text(copy, strlen(copy)));
  json_array_append_new(r->status_changes, change);
  if (strstr(copy, "model")) {
    /* Provider, model, latency and validation outcome are in these lines. */
    json_array_append(r->llm_lines, change);
  }
  free(r->last_status);
  r->last_status = copy;
}

/* Keeps the last value of a property the plugin announced (strings and
 * numbers; other types are noted by type only). */
static void record_property(Host* h, Render* r, LV2_URID key, const LV2_Atom* value)
{
  const HostURIDs* u = &h->u;
  const char* uri = h->unmap.unmap(h->unmap.handle, key);
  if (!uri) {
    return;
  }
  json_t* v = NULL;
  const void* body = LV2_ATOM_BODY_CONST(value);
  if ((value->type == u->atom_String || value->type == u->atom_Path) && value->size) {
    v = json_text(body, strnlen(body, value->size));
  } else if (value->type == u->atom_Float && value->size >= sizeof(float)) {
    const float f = *(const float*)body;
    v = isfinite(f) ? json_real(f) : json_null();
  } else if (value->type == u->atom_Double && value->size >= sizeof(double)) {
    const double d = *(const double*)body;
    v = isfinite(d) ? json_real(d) : json_null();
  } else if (value->type == u->atom_Int && value->size >= sizeof(int32_t)) {
    v = json_integer(*(const int32_t*)body);
  } else if (value->type == u->atom_Long && value->size >= sizeof(int64_t)) {
    v = json_integer(*(const int64_t*)body);
  } else {
    const char* type = h->unmap.unmap(h->unmap.handle, value->type);
    char text[300];
    snprintf(text, sizeof(text), "(a value of type %s)", type ? type : "unknown");
    v = json_cstr(text);
  }
  json_object_set_new(r->properties, uri, v);
}

/* Reads what the plugin wrote to an atom output port during one block. */
static bool collect_atom_output(Host* h, Render* r, const LV2_Atom_Sequence* seq,
                                uint32_t capacity, int64_t block_start)
{
  const HostURIDs* u = &h->u;
  if (seq->atom.type != u->atom_Sequence ||
      seq->atom.size > capacity - sizeof(LV2_Atom) ||
      seq->atom.size < sizeof(LV2_Atom_Sequence_Body)) {
    return true; /* nothing written */
  }
  LV2_ATOM_SEQUENCE_FOREACH (seq, ev) {
    const int64_t frame = block_start + ev->time.frames;
    const LV2_Atom* body = &ev->body;
    if (body->type == u->midi_MidiEvent) {
      if (!record_midi(r, frame, (const uint8_t*)LV2_ATOM_BODY_CONST(body), body->size)) {
        return false;
      }
      continue;
    }
    if ((body->type != u->atom_Object && body->type != u->atom_Blank) ||
        body->size < sizeof(LV2_Atom_Object_Body)) {
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
        property->size < sizeof(LV2_URID) || !value) {
      continue;
    }
    const LV2_URID key = ((const LV2_Atom_URID*)property)->body;
    if (key == u->tandem_status && value->type == u->atom_String) {
      const char* text = (const char*)LV2_ATOM_BODY_CONST(value);
      record_status(h, r, frame, text, (uint32_t)strnlen(text, value->size));
    } else {
      record_property(h, r, key, value);
    }
  }
  return true;
}

/* ---- Host transport ---- */

typedef struct {
  double speed;
  double bpm;
  int beats_per_bar;
  int beat_unit;
} TransportState;

static bool transport_equal(const TransportState* a, const TransportState* b)
{
  return a->speed == b->speed && a->bpm == b->bpm &&
         a->beats_per_bar == b->beats_per_bar && a->beat_unit == b->beat_unit;
}

static void forge_position(Host* h, LV2_Atom_Forge* forge, const TransportState* ts,
                           int64_t frame)
{
  const HostURIDs* u = &h->u;
  const double beats = (double)frame / h->rate * ts->bpm / 60.0;
  const double bar = floor(beats / ts->beats_per_bar);
  const double bar_beat = beats - bar * ts->beats_per_bar;
  LV2_Atom_Forge_Frame obj;
  lv2_atom_forge_frame_time(forge, 0);
  lv2_atom_forge_object(forge, &obj, 0, u->time_Position);
  lv2_atom_forge_key(forge, u->time_frame);
  lv2_atom_forge_long(forge, frame);
  lv2_atom_forge_key(forge, u->time_speed);
  lv2_atom_forge_float(forge, (float)ts->speed);
  lv2_atom_forge_key(forge, u->time_bar);
  lv2_atom_forge_long(forge, (int64_t)bar);
  lv2_atom_forge_key(forge, u->time_barBeat);
  lv2_atom_forge_float(forge, (float)bar_beat);
  lv2_atom_forge_key(forge, u->time_beat);
  lv2_atom_forge_double(forge, beats);
  lv2_atom_forge_key(forge, u->time_beatUnit);
  lv2_atom_forge_int(forge, ts->beat_unit);
  lv2_atom_forge_key(forge, u->time_beatsPerBar);
  lv2_atom_forge_float(forge, (float)ts->beats_per_bar);
  lv2_atom_forge_key(forge, u->time_beatsPerMinute);
  lv2_atom_forge_float(forge, (float)ts->bpm);
  lv2_atom_forge_pop(forge, &obj);
}

static void forge_property_set(Host* h, LV2_Atom_Forge* forge, const PropertyArg* p)
{
  const HostURIDs* u = &h->u;
  const LV2_URID key = h->map.map(h->map.handle, p->property_uri);
  LV2_Atom_Forge_Frame obj;
  lv2_atom_forge_frame_time(forge, 0);
  lv2_atom_forge_object(forge, &obj, 0, u->patch_Set);
  lv2_atom_forge_key(forge, u->patch_property);
  lv2_atom_forge_urid(forge, key);
  lv2_atom_forge_key(forge, u->patch_value);
  if (p->type == PROP_PATH) {
    lv2_atom_forge_path(forge, p->value, (uint32_t)strlen(p->value));
  } else if (p->type == PROP_FLOAT) {
    lv2_atom_forge_float(forge, strtof(p->value, NULL));
  } else if (p->type == PROP_INT) {
    lv2_atom_forge_int(forge, (int32_t)strtol(p->value, NULL, 10));
  } else {
    lv2_atom_forge_string(forge, p->value, (uint32_t)strlen(p->value));
  }
  lv2_atom_forge_pop(forge, &obj);
}

/* ---- Progress ---- */

static void progress_update(Host* h, uint64_t frames)
{
  if (!h->show_progress || h->progress_total == 0) {
    return;
  }
  h->progress_done += frames;
  int pct = (int)(h->progress_done * 100 / h->progress_total);
  pct = pct > 100 ? 100 : pct;
  if (pct == h->progress_shown) {
    return;
  }
  h->progress_shown = pct;
  char bar[41];
  const int filled = pct * 40 / 100;
  for (int i = 0; i < 40; ++i) {
    bar[i] = i < filled ? '#' : '.';
  }
  bar[40] = '\0';
  fprintf(stderr, "\rtandem-render: [%s] %3d%%", bar, pct);
  if (pct == 100) {
    fputc('\n', stderr);
  }
  fflush(stderr);
}

/* ---- Output ---- */

static int compare_events(const void* a, const void* b)
{
  const MidiEvent* x = a;
  const MidiEvent* y = b;
  if (x->frame != y->frame) {
    return x->frame < y->frame ? -1 : 1;
  }
  return x->order < y->order ? -1 : (x->order > y->order);
}

static double quarter_bpm(const Host* h)
{
  const double bpm = h->opt.has_bpm ? h->opt.bpm : DEFAULT_BPM;
  /* time:beatsPerMinute counts beat units; a SMF tempo counts quarter notes. */
  return bpm * 4.0 / h->opt.meter_den;
}

/* Writes the collected MIDI as a type 1 file: a tempo/meter track, then the
 * part.  Returns false after printing one line if the file cannot be written. */
static bool write_midi(Host* h, Render* r)
{
  if (r->n_events > 1) {
    qsort(r->events, r->n_events, sizeof(MidiEvent), compare_events);
  }

  TandemSmf smf;
  TandemSmfStatus st = tandem_smf_init(&smf, TANDEM_SMF_DEFAULT_PPQ, 2);
  const uint32_t uspq = tandem_smf_us_per_quarter(quarter_bpm(h));
  if (st == TANDEM_SMF_OK) {
    st = tandem_smf_track_name(&smf, 0, 0, "Tandem tempo");
  }
  if (st == TANDEM_SMF_OK && !h->opt.has_bpm) {
    st = tandem_smf_text(&smf, 0, 0,
                         "Nominal tempo 120 bpm: the render had no host tempo (--bpm); "
                         "tick times are exact for this tempo");
  }
  if (st == TANDEM_SMF_OK) {
    st = tandem_smf_tempo(&smf, 0, 0, uspq);
  }
  if (st == TANDEM_SMF_OK) {
    st = tandem_smf_time_signature(&smf, 0, 0, (uint8_t)h->opt.meter_num,
                                   (uint8_t)h->opt.meter_den);
  }
  if (st == TANDEM_SMF_OK) {
    st = tandem_smf_track_name(&smf, 1, 0, h->opt.role ? h->opt.role : "tandem");
  }

  /* Notes still sounding at the end get a note-off there, so that every
   * sequencer reads the file the same way. */
  uint16_t sounding[16][128];
  memset(sounding, 0, sizeof(sounding));
  r->n_notes = 0;
  for (size_t i = 0; i < r->n_events && st == TANDEM_SMF_OK; ++i) {
    const MidiEvent* ev = &r->events[i];
    const uint64_t tick =
        tandem_smf_frames_to_ticks(ev->frame, h->rate, uspq, TANDEM_SMF_DEFAULT_PPQ);
    const TandemSmfStatus mst = tandem_smf_midi(&smf, 1, tick, ev->data, ev->size);
    if (mst == TANDEM_SMF_ERR_ARG) {
      ++r->midi_dropped; /* not a message a file can hold */
      continue;
    }
    st = mst;
    const uint8_t kind = ev->data[0] & 0xF0;
    const uint8_t ch = ev->data[0] & 0x0F;
    if (ev->size == 3 && kind == 0x90 && ev->data[2] > 0) {
      ++r->n_notes;
      if (sounding[ch][ev->data[1]] < UINT16_MAX) {
        ++sounding[ch][ev->data[1]];
      }
    } else if (ev->size == 3 && (kind == 0x80 || kind == 0x90)) {
      if (sounding[ch][ev->data[1]]) {
        --sounding[ch][ev->data[1]];
      }
    }
  }
  const uint64_t end_tick = tandem_smf_frames_to_ticks((int64_t)r->frames, h->rate, uspq,
                                                       TANDEM_SMF_DEFAULT_PPQ);
  r->hanging_closed = 0;
  for (int ch = 0; ch < 16 && st == TANDEM_SMF_OK; ++ch) {
    for (int key = 0; key < 128 && st == TANDEM_SMF_OK; ++key) {
      for (; sounding[ch][key] && st == TANDEM_SMF_OK; --sounding[ch][key]) {
        const uint8_t off[3] = {(uint8_t)(0x80 | ch), (uint8_t)key, 0};
        const uint64_t tick =
            end_tick > smf.tracks[1].last_tick ? end_tick : smf.tracks[1].last_tick;
        st = tandem_smf_midi(&smf, 1, tick, off, sizeof(off));
        ++r->hanging_closed;
      }
    }
  }
  if (st == TANDEM_SMF_OK) {
    st = tandem_smf_write_file(&smf, r->output);
  }
  const int err = errno;
  tandem_smf_free(&smf);
  if (st == TANDEM_SMF_ERR_IO) {
    fail_line("cannot write %s: %s", r->output, strerror(err));
    return false;
  }
  if (st != TANDEM_SMF_OK) {
    fail_line("cannot encode %s: %s", r->output, tandem_smf_strerror(st));
    return false;
  }
  return true;
}

/* ---- Render loop ---- */

typedef struct {
  LV2_Feature map;
  LV2_Feature unmap;
  LV2_Feature schedule;
  LV2_Feature log;
  LV2_Feature options;
  LV2_Feature bounded;
  const LV2_Feature* list[7];
  LV2_Worker_Schedule schedule_data;
  LV2_Options_Option opts[6];
  float rate_f;
  int32_t block_i;
  int32_t min_block_i;
  int32_t seq_size_i;
} Features;

static void instance_option(LV2_Options_Option* o, LV2_URID key, uint32_t size,
                            LV2_URID type, const void* value)
{
  o->context = LV2_OPTIONS_INSTANCE;
  o->subject = 0;
  o->key = key;
  o->size = size;
  o->type = type;
  o->value = value;
}

static void features_init(Host* h, Features* f, Worker* w)
{
  f->map = (LV2_Feature){LV2_URID__map, &h->map};
  f->unmap = (LV2_Feature){LV2_URID__unmap, &h->unmap};
  f->schedule_data = (LV2_Worker_Schedule){w, worker_schedule};
  f->schedule = (LV2_Feature){LV2_WORKER__schedule, &f->schedule_data};
  f->log = (LV2_Feature){LV2_LOG__log, &h->log};
  f->rate_f = (float)h->rate;
  f->block_i = (int32_t)h->opt.block;
  f->min_block_i = 0;
  f->seq_size_i = (int32_t)ATOM_CAPACITY;
  const HostURIDs* u = &h->u;
  instance_option(&f->opts[0], u->param_sampleRate, sizeof(float), u->atom_Float,
                  &f->rate_f);
  instance_option(&f->opts[1], u->bufsz_maxBlockLength, sizeof(int32_t), u->atom_Int,
                  &f->block_i);
  instance_option(&f->opts[2], u->bufsz_nominalBlockLength, sizeof(int32_t), u->atom_Int,
                  &f->block_i);
  instance_option(&f->opts[3], u->bufsz_minBlockLength, sizeof(int32_t), u->atom_Int,
                  &f->min_block_i);
  instance_option(&f->opts[4], u->bufsz_sequenceSize, sizeof(int32_t), u->atom_Int,
                  &f->seq_size_i);
  instance_option(&f->opts[5], 0, 0, 0, NULL); /* terminator */
  f->options = (LV2_Feature){LV2_OPTIONS__options, f->opts};
  f->bounded = (LV2_Feature){LV2_BUF_SIZE__boundedBlockLength, NULL};
  f->list[0] = &f->map;
  f->list[1] = &f->unmap;
  f->list[2] = &f->schedule;
  f->list[3] = &f->log;
  f->list[4] = &f->options;
  f->list[5] = &f->bounded;
  f->list[6] = NULL;
}

/* Buffers connected to the plugin's ports for one instance. */
typedef struct {
  float* audio_in;  /* one block, shared by every audio input */
  float** scratch;  /* per port: audio outputs and control outputs */
  void** atom_bufs; /* per atom port, 8-byte aligned */
  float* control_values;
} PortBuffers;

static void port_buffers_free(PortBuffers* b, uint32_t n_ports)
{
  free(b->audio_in);
  if (b->scratch) {
    for (uint32_t i = 0; i < n_ports; ++i) {
      free(b->scratch[i]);
    }
  }
  if (b->atom_bufs) {
    for (uint32_t i = 0; i < n_ports; ++i) {
      free(b->atom_bufs[i]);
    }
  }
  free(b->scratch);
  free(b->atom_bufs);
  free(b->control_values);
}

static bool port_buffers_init(Host* h, PortBuffers* b)
{
  memset(b, 0, sizeof(*b));
  b->audio_in = calloc(MAX_BLOCK, sizeof(float));
  b->scratch = calloc(h->n_ports, sizeof(float*));
  b->atom_bufs = calloc(h->n_ports, sizeof(void*));
  b->control_values = calloc(h->n_ports, sizeof(float));
  if (!b->audio_in || !b->scratch || !b->atom_bufs || !b->control_values) {
    return false;
  }
  for (uint32_t i = 0; i < h->n_ports; ++i) {
    const PortInfo* p = &h->ports[i];
    switch (p->kind) {
    case PORT_AUDIO_OUT:
      b->scratch[i] = calloc(MAX_BLOCK, sizeof(float));
      if (!b->scratch[i]) {
        return false;
      }
      break;
    case PORT_CONTROL_OUT:
      b->scratch[i] = calloc(1, sizeof(float));
      if (!b->scratch[i]) {
        return false;
      }
      break;
    case PORT_ATOM_IN:
    case PORT_ATOM_OUT:
      b->atom_bufs[i] = aligned_alloc(8, p->atom_capacity);
      if (!b->atom_bufs[i]) {
        return false;
      }
      memset(b->atom_bufs[i], 0, p->atom_capacity);
      break;
    default:
      break;
    }
    b->control_values[i] = p->value;
  }
  return true;
}

static void* port_buffer(const Host* h, const PortBuffers* b, uint32_t i)
{
  switch (h->ports[i].kind) {
  case PORT_AUDIO_IN:
    return b->audio_in;
  case PORT_AUDIO_OUT:
  case PORT_CONTROL_OUT:
    return b->scratch[i];
  case PORT_CONTROL_IN:
    return &b->control_values[i];
  case PORT_ATOM_IN:
  case PORT_ATOM_OUT:
    return b->atom_bufs[i];
  default:
    return NULL;
  }
}

static bool render_init(Host* h, Render* r, const char* output, bool has_seed,
                        double seed)
{
  memset(r, 0, sizeof(*r));
  r->output = strdup(output);
  r->has_seed = has_seed;
  r->seed = seed;
  r->status_changes = json_array();
  r->properties = json_object();
  r->errors = json_array();
  r->llm_timeline = json_array();
  r->llm_lines = json_array();
  r->llm_status_last = -1;
  r->out_last = calloc(h->n_ports, sizeof(float));
  r->out_min = calloc(h->n_ports, sizeof(float));
  r->out_max = calloc(h->n_ports, sizeof(float));
  r->out_seen = calloc(h->n_ports, sizeof(bool));
  return r->output && r->status_changes && r->properties && r->errors &&
         r->llm_timeline && r->llm_lines && r->out_last && r->out_min && r->out_max &&
         r->out_seen;
}

/* The llm_status port's labels (ttl/tandem.ttl). */
static const char* llm_status_label(int value)
{
  static const char* const labels[] = {"off",    "idle",     "waiting",  "ok",
                                       "cached", "repaired", "fallback", "error"};
  return value >= 0 && value < (int)(sizeof(labels) / sizeof(labels[0])) ? labels[value]
                                                                         : "unknown";
}

static void record_llm_status(Host* h, Render* r, int64_t frame, float v)
{
  const int value = (int)lrintf(v);
  if (value == r->llm_status_last) {
    return;
  }
  r->llm_status_last = value;
  json_t* change = json_object();
  json_object_set_new(change, "time_s", json_real((double)frame / h->rate));
  json_object_set_new(change, "value", json_integer(value));
  json_object_set_new(change, "label", json_cstr(llm_status_label(value)));
  json_array_append_new(r->llm_timeline, change);
}

/* Runs one block: feeds input events, calls run() and the worker's realtime
 * half, then reads what came out. */
static bool run_block(Host* h, Render* r, LilvInstance* inst, Worker* w, PortBuffers* b,
                      LV2_Atom_Forge* forge, uint32_t n, int64_t start,
                      const TransportState* ts, bool send_position, bool send_props)
{
  for (uint32_t i = 0; i < h->n_ports; ++i) {
    const PortInfo* p = &h->ports[i];
    if (p->kind == PORT_ATOM_IN) {
      LV2_Atom_Forge_Frame seq;
      lv2_atom_forge_set_buffer(forge, b->atom_bufs[i], p->atom_capacity);
      lv2_atom_forge_sequence_head(forge, &seq, 0);
      if (p->is_control && send_position) {
        forge_position(h, forge, ts, start);
      }
      if (p->is_control && send_props) {
        for (int k = 0; k < N_PROPERTY_ARGS; ++k) {
          if (h->props[k].value && h->props[k].property_uri) {
            forge_property_set(h, forge, &h->props[k]);
          }
        }
      }
      lv2_atom_forge_pop(forge, &seq);
    } else if (p->kind == PORT_ATOM_OUT) {
      LV2_Atom* atom = b->atom_bufs[i];
      atom->size = p->atom_capacity - sizeof(LV2_Atom);
      atom->type = h->u.atom_Chunk;
    }
  }

  w->in_realtime = true;
  tandem_rtmark_enter();
  lilv_instance_run(inst, n);
  tandem_rtmark_leave();
  w->in_realtime = false;
  worker_deliver(w);
  worker_post_pending(w);

  for (uint32_t i = 0; i < h->n_ports; ++i) {
    const PortInfo* p = &h->ports[i];
    if (p->kind == PORT_ATOM_OUT) {
      if (!collect_atom_output(h, r, b->atom_bufs[i], p->atom_capacity, start)) {
        fail_line("out of memory while collecting MIDI events");
        return false;
      }
    } else if (p->kind == PORT_CONTROL_OUT) {
      const float v = *b->scratch[i];
      if (isnan(v)) {
        continue;
      }
      r->out_last[i] = v;
      if (!r->out_seen[i] || v < r->out_min[i]) {
        r->out_min[i] = v;
      }
      if (!r->out_seen[i] || v > r->out_max[i]) {
        r->out_max[i] = v;
      }
      r->out_seen[i] = true;
      if ((int)i == h->llm_status_port) {
        record_llm_status(h, r, start, v);
      }
    }
  }
  return true;
}

static int find_control_input(const Host* h, const char* symbol);
static bool parse_whole(const char* text, double lo, double hi, double* out);

/* A trigger port pressed at one frame (--feedback). */
typedef struct {
  int port;
  uint64_t frame;
} Press;

/* Resolves --feedback KIND@BAR into ports and frames.  Returns how many, or -1
 * after printing one line. */
static int feedback_presses(const Host* h, Press* out)
{
  for (int i = 0; i < h->opt.n_feedback; ++i) {
    const char* arg = h->opt.feedback[i];
    const char* at = strchr(arg, '@');
    char kind[32];
    double bar = 0.0;
    if (!at || (size_t)(at - arg) >= sizeof(kind) ||
        !parse_whole(at + 1, 0.0, 1e6, &bar)) {
      fail_line("--feedback takes KIND@BAR (like@4, dislike@8, reset@0, save@8), not '%s'",
                arg);
      return -1;
    }
    memcpy(kind, arg, (size_t)(at - arg));
    kind[at - arg] = '\0';
    const char* symbol = !strcmp(kind, "reset")  ? "reset_learning"
                         : !strcmp(kind, "save") ? "save_profile"
                                                 : kind;
    if (strcmp(symbol, "like") && strcmp(symbol, "dislike") &&
        strcmp(symbol, "reset_learning") && strcmp(symbol, "save_profile")) {
      fail_line("--feedback: '%s' is not like, dislike, reset or save", kind);
      return -1;
    }
    if (!h->opt.has_bpm) {
      fail_line("--feedback needs --bpm, so that bars have a place in the file");
      return -1;
    }
    out[i].port = find_control_input(h, symbol);
    if (out[i].port < 0) {
      fail_line("--feedback: the plugin has no '%s' control", symbol);
      return -1;
    }
    const double beat_s = 60.0 / h->opt.bpm * 4.0 / h->opt.meter_den;
    out[i].frame = (uint64_t)llround(bar * h->opt.meter_num * beat_s * h->rate);
  }
  return h->opt.n_feedback;
}

/* True if this render should wait for a model's reply before the file plays:
 * a prompt, a model to send it to, a plugin that says when it waits, and a
 * threaded worker (--freewheel stays deterministic and does not wait). */
static bool wants_model_wait(const Host* h)
{
  const char* env_url = getenv("TANDEM_LLM_URL");
  return h->opt.prompt && h->props[0].property_uri && !h->opt.freewheel &&
         h->llm_status_port >= 0 && (h->opt.llm_url || (env_url && *env_url));
}

static double seconds_since(const struct timespec* t0)
{
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) * 1e-9;
}

/* Moves the times of changes seen in the pre-roll so that 0 is the file's
 * first frame (pre-roll times become negative). */
static void shift_times(json_t* changes, double by_s)
{
  size_t i;
  json_t* change;
  json_array_foreach(changes, i, change)
  {
    json_t* t = json_object_get(change, "time_s");
    if (json_is_real(t)) {
      json_real_set(t, json_real_value(t) - by_s);
    }
  }
}

/* Sends the properties with silent blocks, at about real-time pace, and keeps
 * running them while the plugin's llm_status says "waiting", up to the model
 * timeout plus a margin, so that the reply is in before the file plays.  MIDI
 * from these blocks is dropped; the transport, if any, stays stopped. */
static bool preroll_for_reply(Host* h, Render* r, LilvInstance* inst, Worker* w,
                              PortBuffers* b, LV2_Atom_Forge* forge, TransportState* sent)
{
  enum { ST_WAITING = 2, ST_OK = 3 };
  const double timeout_s =
      h->opt.llm_timeout ? strtod(h->opt.llm_timeout, NULL) : LLM_DEFAULT_TIMEOUT_S;
  const double limit_s = LLM_WAIT_ATTEMPTS * timeout_s +
                         (LLM_WAIT_ATTEMPTS - 1) * LLM_WAIT_BACKOFF_S + LLM_WAIT_MARGIN_S;
  TransportState stopped = {0.0, h->opt.bpm, h->opt.meter_num, h->opt.meter_den};
  double pace_s = h->opt.block / h->rate;
  pace_s = pace_s < 0.001 ? 0.001 : pace_s > 0.02 ? 0.02 : pace_s;
  const struct timespec pace = {0, (long)(pace_s * 1e9)};
  memset(b->audio_in, 0, sizeof(float) * h->opt.block);

  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  bool seen_waiting = false;
  bool answered = false;
  bool first = true;
  uint64_t frames = 0;
  double elapsed = 0.0;
  for (;;) {
    if (!run_block(h, r, inst, w, b, forge, h->opt.block, (int64_t)frames, &stopped,
                   first && h->opt.has_bpm, first)) {
      return false;
    }
    first = false;
    frames += h->opt.block;
    const int st = r->llm_status_last;
    elapsed = seconds_since(&t0);
    if (st == ST_WAITING) {
      seen_waiting = true;
    } else if (st >= ST_OK || seen_waiting) {
      answered = true;
      break;
    }
    if ((!seen_waiting && elapsed >= LLM_START_GRACE_S) || elapsed >= limit_s) {
      break;
    }
    nanosleep(&pace, NULL);
  }
  r->llm_wait_tried = true;
  r->llm_waited = answered;
  r->llm_wait_s = elapsed;
  r->preroll_frames = frames;
  r->n_events = 0;
  shift_times(r->status_changes, (double)frames / h->rate);
  shift_times(r->llm_timeline, (double)frames / h->rate);
  if (h->opt.has_bpm) {
    *sent = stopped;
  }
  if (!answered && seen_waiting) {
    warn(h, "no reply from the model within %.0f s; rendering without it", limit_s);
  } else if (!answered) {
    warn(h,
         "the plugin did not start a model request within %.0f s; rendering without "
         "waiting",
         LLM_START_GRACE_S);
  }
  return true;
}

/* Renders the whole input once into r->output.  Returns false after printing
 * one line on failure. */
static bool render_once(Host* h, Render* r)
{
  bool ok = false;
  Worker w;
  PortBuffers b;
  LilvInstance* inst = NULL;
  Features f;
  const bool worker_ok = worker_init(&w, !h->opt.freewheel);
  const bool buffers_ok = port_buffers_init(h, &b);
  if (!worker_ok || !buffers_ok) {
    fail_line("out of memory setting up the host");
    goto done;
  }
  if (r->has_seed && h->seed_port >= 0) {
    b.control_values[h->seed_port] = (float)r->seed;
  }
  features_init(h, &f, &w);

  pthread_mutex_lock(&h->log_lock);
  h->errors = r->errors;
  pthread_mutex_unlock(&h->log_lock);

  inst = lilv_plugin_instantiate(h->plugin, h->rate, f.list);
  if (!inst) {
    fail_line("%s failed to instantiate at %.0f Hz (its own messages, if any, are "
              "above)",
              PLUGIN_URI, h->rate);
    goto done;
  }
  for (uint32_t i = 0; i < h->n_ports; ++i) {
    tandem_rtmark_enter();
    lilv_instance_connect_port(inst, i, port_buffer(h, &b, i));
    tandem_rtmark_leave();
  }
  if (h->preset_state) {
    /* Port values were taken from the preset at start-up, under --set; this
     * restores only the plugin's own state. */
    lilv_state_restore(h->preset_state, inst, NULL, NULL, 0, f.list);
  }
  const LV2_Worker_Interface* iface =
      lilv_instance_get_extension_data(inst, LV2_WORKER__interface);
  lilv_instance_activate(inst);
  if (!worker_start(&w, iface, lilv_instance_get_handle(inst))) {
    fail_line("cannot start the worker thread");
    lilv_instance_deactivate(inst);
    goto done;
  }

  LV2_Atom_Forge forge;
  lv2_atom_forge_init(&forge, &h->map);
  TransportState ts = {1.0, h->opt.bpm, h->opt.meter_num, h->opt.meter_den};
  TransportState sent = {0.0, 0.0, 0, 0};
  const uint64_t tail = (uint64_t)llround(h->opt.tail_s * h->rate);
  const uint64_t total = h->audio_frames + tail;
  bool first = true;
  bool failed = false;
  uint64_t pos = 0;
  Press presses[MAX_SETS];
  const int n_presses = feedback_presses(h, presses);
  if (n_presses < 0) {
    failed = true;
  }
  if (!failed && wants_model_wait(h)) {
    failed = !preroll_for_reply(h, r, inst, &w, &b, &forge, &sent);
    first = false;
  }
  while (pos < total && !failed) {
    const uint32_t n =
        (uint32_t)(total - pos < h->opt.block ? total - pos : h->opt.block);
    for (uint32_t i = 0; i < n; ++i) {
      b.audio_in[i] = pos + i < h->audio_frames ? h->audio[pos + i] : 0.0f;
    }
    /* A trigger is on for the one block that holds its bar line. */
    for (int k = 0; k < n_presses; ++k) {
      const bool on = presses[k].frame >= pos && presses[k].frame < pos + n;
      b.control_values[presses[k].port] = on ? 1.0f : 0.0f;
    }
    const bool changed = h->opt.has_bpm && !transport_equal(&ts, &sent);
    failed = !run_block(h, r, inst, &w, &b, &forge, n, (int64_t)pos, &ts, changed, first);
    sent = ts;
    first = false;
    pos += n;
    progress_update(h, n);
  }
  /* A host stops its transport when playback ends; one more block lets the
   * plugin see that and release what it holds. */
  if (!failed && h->opt.has_bpm) {
    ts.speed = 0.0;
    memset(b.audio_in, 0, sizeof(float) * h->opt.block);
    failed = !run_block(h, r, inst, &w, &b, &forge, h->opt.block, (int64_t)pos, &ts, true,
                        first);
    pos += h->opt.block;
  }
  r->frames = pos;

  worker_stop(&w);
  lilv_instance_deactivate(inst);
  r->work_requests = atomic_load(&w.requests_total);
  r->work_responses = atomic_load(&w.responses_total);
  r->work_no_space = atomic_load(&w.no_space);
  r->work_failures = atomic_load(&w.failures);
  if (!failed) {
    ok = write_midi(h, r);
  }

done:
  pthread_mutex_lock(&h->log_lock);
  h->errors = NULL;
  pthread_mutex_unlock(&h->log_lock);
  if (inst) {
    lilv_instance_free(inst);
  }
  worker_free(&w);
  port_buffers_free(&b, h->n_ports);
  return ok;
}

/* ---- Input audio ---- */

/* Reads the whole file, mixed down to mono.  Prints one line on failure. */
static bool load_audio(Host* h)
{
  SF_INFO info = {0};
  SNDFILE* sf = sf_open(h->opt.input, SFM_READ, &info);
  if (!sf) {
    if (access(h->opt.input, F_OK) != 0) {
      fail_line("cannot open %s: %s", h->opt.input, strerror(errno));
    } else {
      fail_line("cannot read %s as audio: %s", h->opt.input, sf_strerror(NULL));
    }
    return false;
  }
  if (info.channels < 1 || info.samplerate < 1) {
    sf_close(sf);
    fail_line("%s has no usable audio channels", h->opt.input);
    return false;
  }
  const uint32_t chunk = 4096;
  float* tmp = malloc(sizeof(float) * chunk * (size_t)info.channels);
  float* mono = NULL;
  uint64_t n = 0;
  uint64_t cap = 0;
  bool ok = tmp != NULL;
  while (ok) {
    const sf_count_t got = sf_readf_float(sf, tmp, chunk);
    if (got <= 0) {
      break;
    }
    if (n + (uint64_t)got > cap) {
      cap = cap ? cap * 2 : (uint64_t)chunk * 64;
      while (cap < n + (uint64_t)got) {
        cap *= 2;
      }
      float* grown = realloc(mono, cap * sizeof(float));
      if (!grown) {
        ok = false;
        break;
      }
      mono = grown;
    }
    for (sf_count_t i = 0; i < got; ++i) {
      double sum = 0.0;
      for (int c = 0; c < info.channels; ++c) {
        sum += tmp[i * info.channels + c];
      }
      mono[n + (uint64_t)i] = (float)(sum / info.channels);
    }
    n += (uint64_t)got;
  }
  const int err = sf_error(sf);
  sf_close(sf);
  free(tmp);
  if (!ok) {
    free(mono);
    fail_line("out of memory reading %s", h->opt.input);
    return false;
  }
  if (err != SF_ERR_NO_ERROR) {
    free(mono);
    fail_line("error reading %s: %s", h->opt.input, sf_error_number(err));
    return false;
  }
  if (n == 0) {
    free(mono);
    fail_line("%s holds no audio frames", h->opt.input);
    return false;
  }
  h->file_rate = info.samplerate;
  h->file_channels = info.channels;
  h->file_frames = n;
  h->rate = h->opt.rate > 0.0 ? h->opt.rate : (double)info.samplerate;
  if (fabs(h->rate - info.samplerate) > 1e-6) {
    uint64_t n_out = 0;
    float* res = tandem_resample(mono, n, info.samplerate, h->rate, &n_out);
    free(mono);
    if (!res) {
      fail_line("out of memory resampling %s", h->opt.input);
      return false;
    }
    mono = res;
    n = n_out;
    h->resampled = true;
  }
  h->audio = mono;
  h->audio_frames = n;
  return true;
}

/* ---- Plugin discovery and port set-up ---- */

/* Loads every bundle (a folder holding manifest.ttl) directly inside dir.
 * Done here rather than with lilv_world_load_all so that other files in a
 * folder such as a build directory are not reported as broken bundles. */
static void load_bundles_in(Host* h, const char* dir, bool skip_tandem)
{
  char expanded[4096];
  const char* home = getenv("HOME");
  if (dir[0] == '~' && home) {
    snprintf(expanded, sizeof(expanded), "%s%s", home, dir + 1);
  } else {
    snprintf(expanded, sizeof(expanded), "%s", dir);
  }
  DIR* d = opendir(expanded);
  if (!d) {
    return;
  }
  struct dirent* entry;
  while ((entry = readdir(d))) {
    if (entry->d_name[0] == '.' ||
        (skip_tandem && !strcmp(entry->d_name, "tandem.lv2"))) {
      continue;
    }
    char manifest[4096 + 512];
    snprintf(manifest, sizeof(manifest), "%s/%s/manifest.ttl", expanded, entry->d_name);
    struct stat st;
    if (stat(manifest, &st) != 0 || !S_ISREG(st.st_mode)) {
      continue;
    }
    char bundle[4096 + 512];
    snprintf(bundle, sizeof(bundle), "%s/%s/", expanded, entry->d_name);
    LilvNode* uri = lilv_new_file_uri(h->world, NULL, bundle);
    if (uri) {
      lilv_world_load_bundle(h->world, uri);
      lilv_node_free(uri);
    }
  }
  closedir(d);
}

/* Loads each folder of a colon-separated list. */
static void load_bundle_path(Host* h, const char* list, bool skip_tandem)
{
  char* copy = strdup(list);
  if (!copy) {
    return;
  }
  char* save = NULL;
  for (char* dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
    if (*dir) {
      load_bundles_in(h, dir, skip_tandem);
    }
  }
  free(copy);
}

/* LV2_PATH if set; otherwise the folder tandem-render was built in first, so
 * that a fresh build renders with the plugin next to it, then the usual
 * places (where an installed copy of tandem.lv2 is then skipped). */
static void load_bundles(Host* h)
{
  const char* env = getenv("LV2_PATH");
  if (env && *env) {
    load_bundle_path(h, env, false);
    return;
  }
  bool have_build = false;
  if (TANDEM_RENDER_BUILD_ROOT[0]) {
    char manifest[4096];
    snprintf(manifest, sizeof(manifest), "%s/tandem.lv2/manifest.ttl",
             TANDEM_RENDER_BUILD_ROOT);
    have_build = access(manifest, R_OK) == 0;
    if (have_build) {
      load_bundles_in(h, TANDEM_RENDER_BUILD_ROOT, false);
    }
  }
  load_bundle_path(h, USER_LV2_DIRS, have_build);
}

static bool find_plugin(Host* h)
{
  h->world = lilv_world_new();
  if (!h->world) {
    fail_line("cannot start lilv");
    return false;
  }
  load_bundles(h);
  lilv_world_load_specifications(h->world);
  lilv_world_load_plugin_classes(h->world);
  LilvNode* uri = lilv_new_uri(h->world, PLUGIN_URI);
  h->plugin = lilv_plugins_get_by_uri(lilv_world_get_all_plugins(h->world), uri);
  lilv_node_free(uri);
  if (!h->plugin) {
    const char* env = getenv("LV2_PATH");
    fail_line("plugin %s not found in LV2_PATH (%s); build Tandem or set LV2_PATH to "
              "the folder that holds tandem.lv2",
              PLUGIN_URI, env && *env ? env : TANDEM_RENDER_BUILD_ROOT ":" USER_LV2_DIRS);
    return false;
  }
  if (!lilv_plugin_verify(h->plugin)) {
    fail_line("plugin %s is broken (lilv cannot verify its description)", PLUGIN_URI);
    return false;
  }
  /* Every required feature must be one this host provides. */
  static const char* const provided[] = {
      LV2_URID__map,    LV2_URID__unmap,         LV2_WORKER__schedule,
      LV2_LOG__log,     LV2_OPTIONS__options,    LV2_BUF_SIZE__boundedBlockLength,
      LV2_CORE__isLive, LV2_CORE__hardRTCapable, NULL};
  LilvNodes* required = lilv_plugin_get_required_features(h->plugin);
  bool ok = true;
  LILV_FOREACH (nodes, i, required) {
    const char* feature = lilv_node_as_uri(lilv_nodes_get(required, i));
    bool found = false;
    for (int k = 0; provided[k]; ++k) {
      found = found || !strcmp(provided[k], feature);
    }
    if (!found && ok) {
      fail_line("plugin %s requires feature <%s>, which tandem-render does not provide",
                PLUGIN_URI, feature);
      ok = false;
    }
  }
  lilv_nodes_free(required);
  return ok;
}

typedef struct {
  LilvNode* audio;
  LilvNode* control;
  LilvNode* atom;
  LilvNode* input;
  LilvNode* output;
  LilvNode* optional;
  LilvNode* designation;
  LilvNode* lv2_control;
  LilvNode* freewheeling;
  LilvNode* minimum_size;
} PortClasses;

static bool setup_ports(Host* h)
{
  LilvWorld* world = h->world;
  PortClasses c = {
      lilv_new_uri(world, LV2_CORE__AudioPort),
      lilv_new_uri(world, LV2_CORE__ControlPort),
      lilv_new_uri(world, LV2_ATOM__AtomPort),
      lilv_new_uri(world, LV2_CORE__InputPort),
      lilv_new_uri(world, LV2_CORE__OutputPort),
      lilv_new_uri(world, LV2_CORE__connectionOptional),
      lilv_new_uri(world, LV2_CORE__designation),
      lilv_new_uri(world, LV2_CORE__control),
      lilv_new_uri(world, LV2_CORE__freeWheeling),
      lilv_new_uri(world, LV2_RESIZE_PORT__minimumSize),
  };
  h->n_ports = lilv_plugin_get_num_ports(h->plugin);
  h->ports = calloc(h->n_ports ? h->n_ports : 1, sizeof(PortInfo));
  float* mins = calloc(h->n_ports ? h->n_ports : 1, sizeof(float));
  float* maxs = calloc(h->n_ports ? h->n_ports : 1, sizeof(float));
  float* defs = calloc(h->n_ports ? h->n_ports : 1, sizeof(float));
  bool ok = h->ports && mins && maxs && defs;
  if (!ok) {
    fail_line("out of memory reading the plugin's ports");
  } else {
    lilv_plugin_get_port_ranges_float(h->plugin, mins, maxs, defs);
  }
  bool has_event_input = false;
  for (uint32_t i = 0; ok && i < h->n_ports; ++i) {
    const LilvPort* lp = lilv_plugin_get_port_by_index(h->plugin, i);
    PortInfo* p = &h->ports[i];
    p->lport = lp;
    p->symbol = lilv_node_as_string(lilv_port_get_symbol(h->plugin, lp));
    const bool in = lilv_port_is_a(h->plugin, lp, c.input);
    const bool out = lilv_port_is_a(h->plugin, lp, c.output);
    LilvNode* designation = lilv_port_get(h->plugin, lp, c.designation);
    if (lilv_port_is_a(h->plugin, lp, c.audio) && (in || out)) {
      p->kind = in ? PORT_AUDIO_IN : PORT_AUDIO_OUT;
    } else if (lilv_port_is_a(h->plugin, lp, c.control) && (in || out)) {
      p->kind = in ? PORT_CONTROL_IN : PORT_CONTROL_OUT;
      p->min = mins[i];
      p->max = maxs[i];
      p->value = isnan(defs[i]) ? (isnan(mins[i]) ? 0.0f : mins[i]) : defs[i];
      p->is_freewheel = designation && lilv_node_equals(designation, c.freewheeling);
    } else if (lilv_port_is_a(h->plugin, lp, c.atom) && (in || out)) {
      p->kind = in ? PORT_ATOM_IN : PORT_ATOM_OUT;
      p->atom_capacity = ATOM_CAPACITY;
      LilvNode* min_size = lilv_port_get(h->plugin, lp, c.minimum_size);
      if (min_size && lilv_node_is_int(min_size) &&
          lilv_node_as_int(min_size) > (int)ATOM_CAPACITY) {
        /* Round up to 8 bytes so the buffer can be aligned_alloc'ed. */
        p->atom_capacity = ((uint32_t)lilv_node_as_int(min_size) + 7u) & ~7u;
      }
      lilv_node_free(min_size);
      p->is_control = in && designation && lilv_node_equals(designation, c.lv2_control);
      has_event_input = has_event_input || p->is_control;
    } else if (lilv_port_has_property(h->plugin, lp, c.optional)) {
      p->kind = PORT_UNUSED;
    } else {
      fail_line("plugin port '%s' is of a kind tandem-render cannot connect", p->symbol);
      ok = false;
    }
    lilv_node_free(designation);
  }
  /* Without a designated control port, the first atom input gets the events. */
  for (uint32_t i = 0; ok && !has_event_input && i < h->n_ports; ++i) {
    if (h->ports[i].kind == PORT_ATOM_IN) {
      h->ports[i].is_control = true;
      has_event_input = true;
    }
  }
  free(mins);
  free(maxs);
  free(defs);
  lilv_node_free(c.audio);
  lilv_node_free(c.control);
  lilv_node_free(c.atom);
  lilv_node_free(c.input);
  lilv_node_free(c.output);
  lilv_node_free(c.optional);
  lilv_node_free(c.designation);
  lilv_node_free(c.lv2_control);
  lilv_node_free(c.freewheeling);
  lilv_node_free(c.minimum_size);
  return ok;
}

static int find_control_input(const Host* h, const char* symbol)
{
  for (uint32_t i = 0; i < h->n_ports; ++i) {
    if (h->ports[i].kind == PORT_CONTROL_IN && !strcmp(h->ports[i].symbol, symbol)) {
      return (int)i;
    }
  }
  return -1;
}

/* Parses VALUE for a control port: a number, or the label of one of the port's
 * scale points ("drums", "auto").  Prints one line and returns false if it is
 * neither, or out of the port's range. */
static bool control_value(Host* h, int port, const char* option, const char* text,
                          float* out)
{
  const PortInfo* p = &h->ports[port];
  double v = 0.0;
  bool found = parse_double(text, &v);
  if (!found) {
    /* A label matches when equal after normalising ("drum & bass" =
     * "drum-bass"), or when it is the only label containing the text
     * ("boombap" finds "Hip-hop boom-bap"). */
    char want[128];
    char label[128];
    char known[1024] = "";
    size_t len = 0;
    int partial = 0;
    double partial_value = 0.0;
    normalise_name(text, want, sizeof(want));
    LilvScalePoints* points = lilv_port_get_scale_points(h->plugin, p->lport);
    LILV_FOREACH (scale_points, i, points) {
      const LilvScalePoint* sp = lilv_scale_points_get(points, i);
      const char* shown = lilv_node_as_string(lilv_scale_point_get_label(sp));
      const double value = lilv_node_as_float(lilv_scale_point_get_value(sp));
      normalise_name(shown, label, sizeof(label));
      if (!found && want[0] && !strcmp(want, label)) {
        v = value;
        found = true;
      } else if (want[0] && strstr(label, want)) {
        ++partial;
        partial_value = value;
      }
    }
    /* Listed in value order, as a host's menu shows them. */
    double listed = -INFINITY;
    for (;;) {
      const char* next = NULL;
      double next_value = INFINITY;
      LILV_FOREACH (scale_points, i, points) {
        const LilvScalePoint* sp = lilv_scale_points_get(points, i);
        const double value = lilv_node_as_float(lilv_scale_point_get_value(sp));
        if (value > listed && value < next_value) {
          next_value = value;
          next = lilv_node_as_string(lilv_scale_point_get_label(sp));
        }
      }
      if (!next || len + 1 >= sizeof(known)) {
        break;
      }
      len += (size_t)snprintf(known + len, sizeof(known) - len, "%s%s", len ? ", " : "",
                              next);
      listed = next_value;
    }
    lilv_scale_points_free(points);
    if (!found && partial == 1) {
      v = partial_value;
      found = true;
    }
    if (!found) {
      if (len) {
        fail_line("%s: '%s' is not a value of the '%s' control (one of: %s; or a number)",
                  option, text, p->symbol, known);
      } else {
        fail_line("%s: the '%s' control takes a number, not '%s'", option, p->symbol,
                  text);
      }
      return false;
    }
  }
  if ((!isnan(p->min) && v < p->min) || (!isnan(p->max) && v > p->max)) {
    fail_line("%s: %s is outside the '%s' control's range %g to %g", option, text,
              p->symbol, (double)p->min, (double)p->max);
    return false;
  }
  *out = (float)v;
  return true;
}

/* Applies --role/--style/--bars/--seed to ports of those symbols if the plugin
 * has them; warns once per option otherwise. */
static bool apply_named_control(Host* h, const char* symbol, const char* text)
{
  if (!text) {
    return true;
  }
  const int port = find_control_input(h, symbol);
  if (port < 0) {
    warn(h, "the plugin has no '%s' control yet; ignoring --%s", symbol, symbol);
    return true;
  }
  char option[64];
  snprintf(option, sizeof(option), "--%s", symbol);
  return control_value(h, port, option, text, &h->ports[port].value);
}

static bool apply_sets(Host* h)
{
  for (int i = 0; i < h->opt.n_sets; ++i) {
    const char* arg = h->opt.sets[i].symbol_value;
    const char* eq = strchr(arg, '=');
    if (!eq || eq == arg || !eq[1]) {
      fail_line("--set needs SYMBOL=VALUE, not '%s'", arg);
      return false;
    }
    char symbol[128];
    snprintf(symbol, sizeof(symbol), "%.*s", (int)(eq - arg), arg);
    const int port = find_control_input(h, symbol);
    if (port < 0) {
      char known[1024] = "";
      size_t len = 0;
      for (uint32_t k = 0; k < h->n_ports && len + 1 < sizeof(known); ++k) {
        if (h->ports[k].kind == PORT_CONTROL_IN) {
          len += (size_t)snprintf(known + len, sizeof(known) - len, "%s%s",
                                  len ? ", " : "", h->ports[k].symbol);
        }
      }
      fail_line("--set %s: the plugin has no input control '%s' (it has: %s)", arg,
                symbol, len ? known : "none");
      return false;
    }
    char option[160];
    snprintf(option, sizeof(option), "--set %s", arg);
    if (!control_value(h, port, option, eq + 1, &h->ports[port].value)) {
      return false;
    }
  }
  return true;
}

/* Finds the plugin's writable properties that --prompt and --llm-* set. */
static void setup_properties(Host* h)
{
  static const char* const options[N_PROPERTY_ARGS] = {
      "prompt",        "llm-url",         "llm-model",      "llm-provider",
      "llm-timeout",   "llm-temperature", "llm-max-tokens", "llm-fallbacks",
      "style-file",    "profile-path"};
  const char* values[N_PROPERTY_ARGS] = {h->opt.prompt,        h->opt.llm_url,
                                         h->opt.llm_model,     h->opt.llm_provider,
                                         h->opt.llm_timeout,   h->opt.llm_temperature,
                                         h->opt.llm_max_tokens, h->opt.llm_fallbacks,
                                         h->opt.style_file,     h->opt.profile_path};
  LilvNode* writable = lilv_new_uri(h->world, LV2_PATCH__writable);
  LilvNode* range = lilv_new_uri(h->world, "http://www.w3.org/2000/01/rdf-schema#range");
  LilvNode* path_type = lilv_new_uri(h->world, LV2_ATOM__Path);
  LilvNode* float_type = lilv_new_uri(h->world, LV2_ATOM__Float);
  LilvNode* int_type = lilv_new_uri(h->world, LV2_ATOM__Int);
  LilvNodes* props =
      lilv_world_find_nodes(h->world, lilv_plugin_get_uri(h->plugin), writable, NULL);
  for (int k = 0; k < N_PROPERTY_ARGS; ++k) {
    PropertyArg* p = &h->props[k];
    p->option = options[k];
    p->value = values[k];
    if (!p->value) {
      continue;
    }
    char want[64];
    normalise_name(options[k], want, sizeof(want));
    LILV_FOREACH (nodes, i, props) {
      const LilvNode* prop = lilv_nodes_get(props, i);
      if (p->property_uri || !lilv_node_is_uri(prop)) {
        continue;
      }
      const char* uri = lilv_node_as_uri(prop);
      const char* local = strrchr(uri, '#');
      local = local ? local + 1 : uri;
      char have[128];
      normalise_name(local, have, sizeof(have));
      if (!strcmp(have, want)) {
        p->property_uri = strdup(uri);
        LilvNode* r = lilv_world_get(h->world, prop, range, NULL);
        p->type = !r                                ? PROP_STRING
                  : lilv_node_equals(r, path_type)  ? PROP_PATH
                  : lilv_node_equals(r, float_type) ? PROP_FLOAT
                  : lilv_node_equals(r, int_type)   ? PROP_INT
                                                    : PROP_STRING;
        lilv_node_free(r);
      }
    }
    if (!p->property_uri) {
      warn(h, "the plugin has no '%s' property yet; ignoring --%s", options[k],
           options[k]);
    }
  }
  lilv_nodes_free(props);
  lilv_node_free(writable);
  lilv_node_free(range);
  lilv_node_free(path_type);
  lilv_node_free(float_type);
  lilv_node_free(int_type);
}

static void apply_preset_value(const char* symbol, void* user_data, const void* value,
                               uint32_t size, uint32_t type)
{
  Host* h = user_data;
  const int port = find_control_input(h, symbol);
  if (port < 0 || !value) {
    return;
  }
  if (type == h->u.atom_Float && size == sizeof(float)) {
    h->ports[port].value = *(const float*)value;
  } else if (type == h->u.atom_Double && size == sizeof(double)) {
    h->ports[port].value = (float)*(const double*)value;
  } else if (type == h->u.atom_Int && size == sizeof(int32_t)) {
    h->ports[port].value = (float)*(const int32_t*)value;
  } else if (type == h->u.atom_Long && size == sizeof(int64_t)) {
    h->ports[port].value = (float)*(const int64_t*)value;
  }
}

/* Loads --preset by URI or label (case-insensitive).  Prints one line and
 * returns false if there is no such preset. */
static bool load_preset(Host* h)
{
  if (!h->opt.preset) {
    return true;
  }
  LilvNode* preset_class = lilv_new_uri(h->world, LV2_PRESETS__Preset);
  LilvNode* label_pred =
      lilv_new_uri(h->world, "http://www.w3.org/2000/01/rdf-schema#label");
  LilvNodes* presets = lilv_plugin_get_related(h->plugin, preset_class);
  const LilvNode* match = NULL;
  char known[1024] = "";
  size_t len = 0;
  LILV_FOREACH (nodes, i, presets) {
    const LilvNode* preset = lilv_nodes_get(presets, i);
    lilv_world_load_resource(h->world, preset);
    LilvNode* label = lilv_world_get(h->world, preset, label_pred, NULL);
    const char* text = label ? lilv_node_as_string(label) : "";
    if (!match && (!strcmp(lilv_node_as_uri(preset), h->opt.preset) ||
                   (label && !strcasecmp(text, h->opt.preset)))) {
      match = preset;
    }
    if (len + 1 < sizeof(known)) {
      len += (size_t)snprintf(known + len, sizeof(known) - len, "%s'%s'", len ? ", " : "",
                              label ? text : lilv_node_as_uri(preset));
    }
    lilv_node_free(label);
  }
  bool ok = false;
  if (!match) {
    fail_line("--preset: the plugin has no preset '%s' (%s%s)", h->opt.preset,
              len ? "it has: " : "it has none yet", known);
  } else {
    h->preset_uri = strdup(lilv_node_as_uri(match));
    h->preset_state = lilv_state_new_from_world(h->world, &h->map, match);
    if (!h->preset_state) {
      fail_line("--preset: cannot load preset <%s>", h->preset_uri);
    } else {
      lilv_state_emit_port_values(h->preset_state, apply_preset_value, h);
      ok = true;
    }
  }
  lilv_nodes_free(presets);
  lilv_node_free(preset_class);
  lilv_node_free(label_pred);
  return ok;
}

/* ---- Command line ---- */

static void usage(FILE* out)
{
  fprintf(
      out,
      "usage: tandem-render [options] IN.wav -o OUT.mid\n"
      "Plays an audio file through the Tandem LV2 plugin (found through LV2_PATH) and\n"
      "saves the MIDI part it generates as a Standard MIDI File (type 1, 960 PPQ).\n"
      "\n"
      "  -o, --output FILE        the MIDI file to write (required)\n"
      "      --bpm X              send a host transport at X beats per minute\n"
      "                           (without it, no transport; the file's tempo is a\n"
      "                           nominal 120)\n"
      "      --meter N/D          time signature of the transport (default 4/4)\n"
      "      --role NAME          drums, bass, chords, melody or trigger\n"
      "      --style NAME|auto    a style profile, or auto to detect\n"
      "      --bars N             pattern length in bars\n"
      "      --seed N             random seed of the generator\n"
      "      --variations N       render N times with seeds seed..seed+N-1 into\n"
      "                           OUT-1.mid ... OUT-N.mid\n"
      "      --prompt TEXT        a plain-language request for the language model\n"
      "      --llm-url URL        the model's endpoint\n"
      "      --llm-model NAME     the model's name\n"
      "      --llm-provider P     openai, anthropic or ollama\n"
      "      --llm-timeout S      the model's timeout in seconds (1 to 600)\n"
      "      --llm-temperature T  the model's temperature (0 to 2)\n"
      "      --llm-max-tokens N   the most tokens the model may answer with\n"
      "      --llm-fallbacks L    models to try after it, one per line:\n"
      "                           \"provider url [model]\"\n"
      "      --style-file F       play from this style profile (Turtle), e.g. one\n"
      "                           tandem-profile or save_profile wrote\n"
      "      --profile-path F     where --set save_profile=1 writes the groove\n"
      "                           learned with --set learn=1\n"
      "                           With --prompt and a model (--llm-url or\n"
      "                           TANDEM_LLM_URL), the render first runs silent\n"
      "                           blocks until the reply is in, up to 3 timeouts\n"
      "                           (the model's retries) plus 21 s; not with\n"
      "                           --freewheel, which stays deterministic\n"
      "      --set SYMBOL=VALUE   set any input control port (repeatable)\n"
      "      --preset URI|LABEL   load one of the plugin's presets first\n"
      "      --feedback KIND@BAR  press like, dislike, reset (reset_learning) or save\n"
      "                           (save_profile) at the start of bar BAR (from 0;\n"
      "                           needs --bpm; repeatable)\n"
      "      --block N            frames per run() call, 1 to 8192 (default 512)\n"
      "      --rate HZ            run the plugin at HZ; a file at another rate is\n"
      "                           resampled (windowed sinc)\n"
      "      --tail SECONDS       render this much silence after the file\n"
      "      --freewheel          run the plugin's worker synchronously (export mode)\n"
      "      --report FILE.json   write what happened as JSON\n"
      "      --progress           show progress even when it would not be shown\n"
      "  -q, --quiet              no progress, warnings or plugin notes\n"
      "  -h, --help               this text\n"
      "\n"
      "Input: WAV, FLAC, AIFF (anything libsndfile reads), any rate, mixed to mono.\n"
      "Exit status: 0 done, 1 failed (input, plugin or output), 2 bad usage.\n");
}

enum {
  OPT_BPM = 256,
  OPT_METER,
  OPT_ROLE,
  OPT_STYLE,
  OPT_BARS,
  OPT_SEED,
  OPT_PROMPT,
  OPT_LLM_URL,
  OPT_LLM_MODEL,
  OPT_LLM_PROVIDER,
  OPT_LLM_TIMEOUT,
  OPT_LLM_TEMPERATURE,
  OPT_LLM_MAX_TOKENS,
  OPT_LLM_FALLBACKS,
  OPT_STYLE_FILE,
  OPT_PROFILE_PATH,
  OPT_REPORT,
  OPT_BLOCK,
  OPT_RATE,
  OPT_SET,
  OPT_PRESET,
  OPT_FEEDBACK,
  OPT_VARIATIONS,
  OPT_FREEWHEEL,
  OPT_TAIL,
  OPT_PROGRESS,
};

static bool parse_whole(const char* text, double lo, double hi, double* out)
{
  return parse_double(text, out) && *out >= lo && *out <= hi && *out == floor(*out);
}

/* Returns 0 to go on, or an exit status (after printing one line). */
static int parse_args(int argc, char** argv, Options* o)
{
  static const struct option longopts[] = {
      {"output", required_argument, NULL, 'o'},
      {"bpm", required_argument, NULL, OPT_BPM},
      {"meter", required_argument, NULL, OPT_METER},
      {"role", required_argument, NULL, OPT_ROLE},
      {"style", required_argument, NULL, OPT_STYLE},
      {"bars", required_argument, NULL, OPT_BARS},
      {"seed", required_argument, NULL, OPT_SEED},
      {"prompt", required_argument, NULL, OPT_PROMPT},
      {"llm-url", required_argument, NULL, OPT_LLM_URL},
      {"llm-model", required_argument, NULL, OPT_LLM_MODEL},
      {"llm-provider", required_argument, NULL, OPT_LLM_PROVIDER},
      {"llm-timeout", required_argument, NULL, OPT_LLM_TIMEOUT},
      {"llm-temperature", required_argument, NULL, OPT_LLM_TEMPERATURE},
      {"llm-max-tokens", required_argument, NULL, OPT_LLM_MAX_TOKENS},
      {"llm-fallbacks", required_argument, NULL, OPT_LLM_FALLBACKS},
      {"style-file", required_argument, NULL, OPT_STYLE_FILE},
      {"profile-path", required_argument, NULL, OPT_PROFILE_PATH},
      {"report", required_argument, NULL, OPT_REPORT},
      {"block", required_argument, NULL, OPT_BLOCK},
      {"rate", required_argument, NULL, OPT_RATE},
      {"set", required_argument, NULL, OPT_SET},
      {"preset", required_argument, NULL, OPT_PRESET},
      {"feedback", required_argument, NULL, OPT_FEEDBACK},
      {"variations", required_argument, NULL, OPT_VARIATIONS},
      {"freewheel", no_argument, NULL, OPT_FREEWHEEL},
      {"tail", required_argument, NULL, OPT_TAIL},
      {"progress", no_argument, NULL, OPT_PROGRESS},
      {"quiet", no_argument, NULL, 'q'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  static const char* const roles[] = {"drums",  "bass",    "chords",
                                      "melody", "trigger", NULL};
  static const char* const providers[] = {"openai", "anthropic", "ollama", NULL};
  opterr = 0;
  int c;
  double v;
  while ((c = getopt_long(argc, argv, ":o:qh", longopts, NULL)) != -1) {
    switch (c) {
    case 'o':
      o->output = optarg;
      break;
    case 'q':
      o->quiet = true;
      break;
    case 'h':
      usage(stdout);
      exit(0);
    case OPT_BPM:
      if (!parse_double(optarg, &v) || v < 1.0 || v > 999.0) {
        fail_line("--bpm must be a number from 1 to 999, not '%s'", optarg);
        return EXIT_USAGE;
      }
      o->has_bpm = true;
      o->bpm = v;
      break;
    case OPT_METER: {
      int num = 0;
      int den = 0;
      char extra = 0;
      if (sscanf(optarg, "%d/%d%c", &num, &den, &extra) != 2 || num < 1 || num > 64 ||
          den < 1 || den > 64 || (den & (den - 1)) != 0) {
        fail_line("--meter must look like 4/4 or 7/8 (1 to 64 beats, a power-of-two "
                  "unit), not '%s'",
                  optarg);
        return EXIT_USAGE;
      }
      o->meter_num = num;
      o->meter_den = den;
      break;
    }
    case OPT_ROLE: {
      bool known = false;
      for (int i = 0; roles[i]; ++i) {
        known = known || !strcasecmp(roles[i], optarg);
      }
      if (!known) {
        fail_line("--role must be drums, bass, chords, melody or trigger, not '%s'",
                  optarg);
        return EXIT_USAGE;
      }
      o->role = optarg;
      break;
    }
    case OPT_STYLE:
      if (!*optarg) {
        fail_line("--style needs a style name or auto");
        return EXIT_USAGE;
      }
      o->style = optarg;
      break;
    case OPT_BARS:
      if (!parse_whole(optarg, 1.0, 1024.0, &v)) {
        fail_line("--bars must be a whole number from 1 to 1024, not '%s'", optarg);
        return EXIT_USAGE;
      }
      o->bars = optarg;
      break;
    case OPT_SEED:
      if (!parse_whole(optarg, 0.0, 16777216.0, &v)) {
        fail_line("--seed must be a whole number from 0 to 16777216, not '%s'", optarg);
        return EXIT_USAGE;
      }
      o->seed = optarg;
      break;
    case OPT_PROMPT:
      o->prompt = optarg;
      break;
    case OPT_LLM_URL:
      o->llm_url = optarg;
      break;
    case OPT_LLM_FALLBACKS:
      o->llm_fallbacks = optarg;
      break;
    case OPT_STYLE_FILE: {
      static char style_file[PATH_MAX];
      o->style_file = absolute_path(optarg, style_file, sizeof(style_file), "--style-file");
      if (!o->style_file) {
        return EXIT_USAGE;
      }
      break;
    }
    case OPT_PROFILE_PATH: {
      static char profile_path[PATH_MAX];
      o->profile_path =
          absolute_path(optarg, profile_path, sizeof(profile_path), "--profile-path");
      if (!o->profile_path) {
        return EXIT_USAGE;
      }
      break;
    }
    case OPT_LLM_MODEL:
      o->llm_model = optarg;
      break;
    case OPT_LLM_PROVIDER: {
      bool known = false;
      for (int i = 0; providers[i]; ++i) {
        known = known || !strcmp(providers[i], optarg);
      }
      if (!known) {
        fail_line("--llm-provider must be openai, anthropic or ollama, not '%s'", optarg);
        return EXIT_USAGE;
      }
      o->llm_provider = optarg;
      break;
    }
    case OPT_LLM_TIMEOUT:
      if (!parse_double(optarg, &v) || v < 1.0 || v > 600.0) {
        fail_line("--llm-timeout must be a number of seconds from 1 to 600, not '%s'",
                  optarg);
        return EXIT_USAGE;
      }
      o->llm_timeout = optarg;
      break;
    case OPT_LLM_TEMPERATURE:
      if (!parse_double(optarg, &v) || v < 0.0 || v > 2.0) {
        fail_line("--llm-temperature must be a number from 0 to 2, not '%s'", optarg);
        return EXIT_USAGE;
      }
      o->llm_temperature = optarg;
      break;
    case OPT_LLM_MAX_TOKENS:
      if (!parse_whole(optarg, 256.0, 65536.0, &v)) {
        fail_line("--llm-max-tokens must be a whole number from 256 to 65536, not '%s'",
                  optarg);
        return EXIT_USAGE;
      }
      o->llm_max_tokens = optarg;
      break;
    case OPT_REPORT:
      o->report = optarg;
      break;
    case OPT_BLOCK:
      if (!parse_whole(optarg, 1.0, MAX_BLOCK, &v)) {
        fail_line("--block must be a whole number from 1 to %u, not '%s'", MAX_BLOCK,
                  optarg);
        return EXIT_USAGE;
      }
      o->block = (uint32_t)v;
      break;
    case OPT_RATE:
      if (!parse_double(optarg, &v) || v < 1000.0 || v > 768000.0) {
        fail_line("--rate must be a number of Hz from 1000 to 768000, not '%s'", optarg);
        return EXIT_USAGE;
      }
      o->rate = v;
      break;
    case OPT_SET:
      if (o->n_sets == MAX_SETS) {
        fail_line("too many --set options (at most %d)", MAX_SETS);
        return EXIT_USAGE;
      }
      o->sets[o->n_sets++].symbol_value = optarg;
      break;
    case OPT_PRESET:
      o->preset = optarg;
      break;
    case OPT_FEEDBACK:
      if (o->n_feedback == MAX_SETS) {
        fail_line("too many --feedback options (at most %d)", MAX_SETS);
        return EXIT_USAGE;
      }
      o->feedback[o->n_feedback++] = optarg;
      break;
    case OPT_VARIATIONS:
      if (!parse_whole(optarg, 1.0, 1000.0, &v)) {
        fail_line("--variations must be a whole number from 1 to 1000, not '%s'", optarg);
        return EXIT_USAGE;
      }
      o->variations = (int)v;
      break;
    case OPT_FREEWHEEL:
      o->freewheel = true;
      break;
    case OPT_TAIL:
      if (!parse_double(optarg, &v) || v < 0.0 || v > 3600.0) {
        fail_line("--tail must be a number of seconds from 0 to 3600, not '%s'", optarg);
        return EXIT_USAGE;
      }
      o->tail_s = v;
      break;
    case OPT_PROGRESS:
      o->progress = true;
      break;
    case ':':
      fail_line("option '%s' needs a value; see --help", argv[optind - 1]);
      return EXIT_USAGE;
    default:
      fail_line("unknown option '%s'; see --help", argv[optind - 1]);
      return EXIT_USAGE;
    }
  }
  if (optind >= argc) {
    fail_line("no input file; usage: tandem-render [options] IN.wav -o OUT.mid");
    return EXIT_USAGE;
  }
  if (optind + 1 < argc) {
    fail_line("one input file only ('%s' is extra); see --help", argv[optind + 1]);
    return EXIT_USAGE;
  }
  o->input = argv[optind];
  if (!o->output) {
    fail_line("no output file; give -o OUT.mid");
    return EXIT_USAGE;
  }
  return 0;
}

/* "out/take.mid" and 3 -> "out/take-3.mid". */
static char* variation_path(const char* output, int index)
{
  const char* slash = strrchr(output, '/');
  const char* dot = strrchr(output, '.');
  if (!dot || (slash && dot < slash) || dot == output || (slash && dot == slash + 1)) {
    dot = output + strlen(output);
  }
  const size_t len = strlen(output) + 16;
  char* path = malloc(len);
  if (path) {
    snprintf(path, len, "%.*s-%d%s", (int)(dot - output), output, index, dot);
  }
  return path;
}

/* Fails early, before a long render, if a file could not be written. */
static bool check_writable(const char* path, const char* what)
{
  char* copy = strdup(path);
  if (!copy) {
    return false;
  }
  char* slash = strrchr(copy, '/');
  const char* dir = ".";
  if (slash == copy) {
    dir = "/";
  } else if (slash) {
    *slash = '\0';
    dir = copy;
  }
  bool ok = true;
  if (access(dir, W_OK | X_OK) != 0) {
    fail_line("cannot write %s %s: folder %s: %s", what, path, dir, strerror(errno));
    ok = false;
  } else if (access(path, F_OK) == 0 && access(path, W_OK) != 0) {
    fail_line("cannot write %s %s: %s", what, path, strerror(errno));
    ok = false;
  }
  free(copy);
  return ok;
}

/* ---- Report ---- */

/* JSON has no NaN or infinity; a control that reports one shows as null. */
static json_t* json_finite(double v)
{
  return isfinite(v) ? json_real(v) : json_null();
}

static json_t* controls_json(const Host* h, const Render* r)
{
  json_t* controls = json_object();
  for (uint32_t i = 0; i < h->n_ports; ++i) {
    if (h->ports[i].kind != PORT_CONTROL_OUT) {
      continue;
    }
    json_t* c = json_object();
    if (r->out_seen[i]) {
      json_object_set_new(c, "last", json_finite(r->out_last[i]));
      json_object_set_new(c, "min", json_finite(r->out_min[i]));
      json_object_set_new(c, "max", json_finite(r->out_max[i]));
    } else {
      json_object_set_new(c, "last", json_null());
      json_object_set_new(c, "min", json_null());
      json_object_set_new(c, "max", json_null());
    }
    json_object_set_new(controls, h->ports[i].symbol, c);
  }
  return controls;
}

/* What the plugin told about the model during one render. */
static json_t* llm_json(const Host* h, const Render* r)
{
  json_t* j = json_object();
  json_object_set_new(j, "status",
                      r->llm_status_last >= 0
                          ? json_cstr(llm_status_label(r->llm_status_last))
                          : json_null());
  json_object_set(j, "status_changes", r->llm_timeline);
  json_object_set(j, "status_lines", r->llm_lines);
  json_object_set_new(j, "waited_for_reply", json_boolean(r->llm_waited));
  json_object_set_new(j, "wait_tried", json_boolean(r->llm_wait_tried));
  json_object_set_new(j, "wait_s", json_real(r->llm_wait_s));
  json_object_set_new(j, "preroll_s", json_real((double)r->preroll_frames / h->rate));
  return j;
}

static json_t* render_json(const Host* h, const Render* r)
{
  json_t* j = json_object();
  json_object_set_new(j, "output", json_cstr(r->output));
  json_object_set_new(j, "seed", r->has_seed ? json_real(r->seed) : json_null());
  json_object_set_new(j, "frames", json_integer((json_int_t)r->frames));
  json_object_set_new(j, "duration_s", json_real((double)r->frames / h->rate));
  json_object_set_new(j, "midi_events", json_integer((json_int_t)r->n_events));
  json_object_set_new(j, "notes", json_integer((json_int_t)r->n_notes));
  json_object_set_new(j, "midi_dropped", json_integer((json_int_t)r->midi_dropped));
  json_object_set_new(j, "hanging_notes_closed",
                      json_integer((json_int_t)r->hanging_closed));
  json_object_set_new(j, "controls", controls_json(h, r));
  json_object_set_new(j, "status",
                      r->last_status ? json_text(r->last_status, strlen(r->last_status))
                                     : json_null());
  json_object_set(j, "status_changes", r->status_changes);
  json_object_set(j, "properties", r->properties);
  json_t* worker = json_object();
  json_object_set_new(worker, "mode",
                      json_cstr(h->opt.freewheel ? "freewheel" : "threaded"));
  json_object_set_new(worker, "requests", json_integer(r->work_requests));
  json_object_set_new(worker, "responses", json_integer(r->work_responses));
  json_object_set_new(worker, "no_space", json_integer(r->work_no_space));
  json_object_set_new(worker, "failed", json_integer(r->work_failures));
  json_object_set_new(j, "worker", worker);
  json_object_set_new(j, "prompt_waited_for_reply", json_boolean(r->llm_waited));
  json_object_set_new(j, "llm", llm_json(h, r));
  json_object_set(j, "errors", r->errors);
  return j;
}

static json_t* options_json(const Host* h)
{
  const Options* o = &h->opt;
  json_t* j = json_object();
  const struct {
    const char* key;
    const char* value;
  } strings[] = {{"role", o->role},
                 {"style", o->style},
                 {"bars", o->bars},
                 {"seed", o->seed},
                 {"prompt", o->prompt},
                 {"llm_url", o->llm_url},
                 {"llm_model", o->llm_model},
                 {"llm_provider", o->llm_provider},
                 {"llm_timeout", o->llm_timeout},
                 {"llm_temperature", o->llm_temperature},
                 {"llm_max_tokens", o->llm_max_tokens},
                 {"llm_fallbacks", o->llm_fallbacks},
                 {"style_file", o->style_file},
                 {"profile_path", o->profile_path},
                 {"preset", o->preset}};
  for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); ++i) {
    json_object_set_new(j, strings[i].key,
                        strings[i].value ? json_cstr(strings[i].value) : json_null());
  }
  json_t* sets = json_object();
  for (int i = 0; i < o->n_sets; ++i) {
    const char* arg = o->sets[i].symbol_value;
    const char* eq = strchr(arg, '=');
    char symbol[128];
    snprintf(symbol, sizeof(symbol), "%.*s", (int)(eq - arg), arg);
    json_object_set_new(sets, symbol, json_cstr(eq + 1));
  }
  json_object_set_new(j, "set", sets);
  json_object_set_new(j, "variations", json_integer(o->variations));
  json_object_set_new(j, "freewheel", json_boolean(o->freewheel));
  json_object_set_new(j, "tail_s", json_real(o->tail_s));
  json_t* inputs = json_object();
  for (uint32_t i = 0; i < h->n_ports; ++i) {
    if (h->ports[i].kind == PORT_CONTROL_IN) {
      json_object_set_new(inputs, h->ports[i].symbol, json_finite(h->ports[i].value));
    }
  }
  json_object_set_new(j, "control_inputs", inputs);
  json_t* props = json_object();
  for (int k = 0; k < N_PROPERTY_ARGS; ++k) {
    const PropertyArg* p = &h->props[k];
    if (p->value) {
      json_object_set_new(props, p->option,
                          p->property_uri ? json_cstr(p->property_uri) : json_null());
    }
  }
  json_object_set_new(j, "properties_sent", props);
  return j;
}

static bool write_report(Host* h, Render* renders, int n_renders, bool ok)
{
  const Options* o = &h->opt;
  json_t* j = json_object();
  json_object_set_new(j, "tool", json_cstr("tandem-render"));
  json_object_set_new(j, "ok", json_boolean(ok));
  json_object_set_new(j, "input", json_cstr(o->input));
  json_object_set_new(j, "input_rate", json_integer(h->file_rate));
  json_object_set_new(j, "input_channels", json_integer(h->file_channels));
  json_object_set_new(j, "input_frames", json_integer((json_int_t)h->file_frames));
  json_object_set_new(j, "rate", json_real(h->rate));
  json_object_set_new(j, "resampled", json_boolean(h->resampled));
  json_object_set_new(j, "block", json_integer(o->block));
  json_object_set_new(j, "bpm", o->has_bpm ? json_real(o->bpm) : json_null());
  json_object_set_new(j, "tempo_nominal", json_boolean(!o->has_bpm));
  char meter[32];
  snprintf(meter, sizeof(meter), "%d/%d", o->meter_num, o->meter_den);
  json_object_set_new(j, "meter", json_cstr(meter));
  json_object_set_new(j, "transport", json_boolean(o->has_bpm));
  json_object_set_new(j, "plugin", json_cstr(PLUGIN_URI));
  if (h->plugin) {
    char* bundle = lilv_file_uri_parse(
        lilv_node_as_uri(lilv_plugin_get_bundle_uri(h->plugin)), NULL);
    json_object_set_new(j, "bundle", bundle ? json_cstr(bundle) : json_null());
    lilv_free(bundle);
  }
  json_object_set_new(j, "preset",
                      h->preset_uri ? json_cstr(h->preset_uri) : json_null());
  json_object_set_new(j, "options", options_json(h));
  /* True only if every render waited for and got the model's reply. */
  bool waited = n_renders > 0;
  for (int i = 0; i < n_renders; ++i) {
    waited = waited && renders[i].llm_waited;
  }
  json_object_set_new(j, "prompt_waited_for_reply", json_boolean(waited));

  json_t* list = json_array();
  for (int i = 0; i < n_renders; ++i) {
    json_array_append_new(list, render_json(h, &renders[i]));
  }
  if (n_renders > 0) {
    /* The top level describes the first render, so that one-file use needs
     * no digging; "renders" has every variation. */
    const Render* r = &renders[0];
    json_object_set_new(j, "output", json_cstr(r->output));
    json_object_set_new(j, "frames", json_integer((json_int_t)r->frames));
    json_object_set_new(j, "duration_s", json_real((double)r->frames / h->rate));
    json_object_set_new(j, "midi_events", json_integer((json_int_t)r->n_events));
    json_object_set_new(j, "notes", json_integer((json_int_t)r->n_notes));
    json_object_set_new(j, "controls", controls_json(h, r));
    json_object_set_new(j, "status",
                        r->last_status ? json_text(r->last_status, strlen(r->last_status))
                                       : json_null());
    json_object_set(j, "status_changes", r->status_changes);
    json_object_set_new(j, "llm", llm_json(h, r));
  }
  json_object_set_new(j, "renders", list);
  json_t* errors = json_array();
  for (int i = 0; i < n_renders; ++i) {
    json_array_extend(errors, renders[i].errors);
  }
  json_object_set_new(j, "errors", errors);
  json_object_set(j, "warnings", h->warnings);

  const int rc = json_dump_file(j, o->report, JSON_INDENT(2) | JSON_SORT_KEYS);
  json_decref(j);
  if (rc != 0) {
    fail_line("cannot write report %s: %s", o->report, strerror(errno));
    return false;
  }
  return true;
}

/* ---- main ---- */

static void host_free(Host* h)
{
  free(h->audio);
  free(h->ports);
  for (int k = 0; k < N_PROPERTY_ARGS; ++k) {
    free(h->props[k].property_uri);
  }
  if (h->preset_state) {
    lilv_state_free(h->preset_state);
  }
  free(h->preset_uri);
  if (h->world) {
    lilv_world_free(h->world);
  }
  for (uint32_t i = 0; i < h->urids.n; ++i) {
    free(h->urids.uris[i]);
  }
  free(h->urids.uris);
  pthread_mutex_destroy(&h->urids.lock);
  pthread_mutex_destroy(&h->log_lock);
  json_decref(h->warnings);
}

int main(int argc, char** argv)
{
  Host host;
  memset(&host, 0, sizeof(host));
  Host* h = &host;
  h->opt.block = DEFAULT_BLOCK;
  h->opt.meter_num = 4;
  h->opt.meter_den = 4;
  h->opt.variations = 1;
  h->opt.bpm = DEFAULT_BPM;
  h->seed_port = -1;
  h->llm_status_port = -1;
  pthread_mutex_init(&h->urids.lock, NULL);
  pthread_mutex_init(&h->log_lock, NULL);
  h->warnings = json_array();
  h->map = (LV2_URID_Map){&h->urids, urid_map};
  h->unmap = (LV2_URID_Unmap){&h->urids, urid_unmap};
  h->log = (LV2_Log_Log){h, log_printf, log_vprintf};
  map_urids(&h->u, &h->map);
  tandem_rtmark_init();

  int status = parse_args(argc, argv, &h->opt);
  if (status) {
    host_free(h);
    return status;
  }
  const Options* o = &h->opt;

  Render* renders = NULL;
  int n_renders = 0;
  bool ok = false;
  status = EXIT_RUNTIME;
  if (!check_writable(o->output, "MIDI file") ||
      (o->report && !check_writable(o->report, "report"))) {
    goto out;
  }
  if (!load_audio(h) || !find_plugin(h) || !setup_ports(h)) {
    goto out;
  }
  status = EXIT_USAGE; /* what follows checks option values against the plugin */
  if (!load_preset(h) || !apply_named_control(h, "role", o->role) ||
      !apply_named_control(h, "style", o->style) ||
      !apply_named_control(h, "bars", o->bars) ||
      !apply_named_control(h, "seed", o->seed) || !apply_sets(h)) {
    goto out;
  }
  setup_properties(h);
  status = EXIT_RUNTIME;
  h->seed_port = find_control_input(h, "seed");
  for (uint32_t i = 0; i < h->n_ports; ++i) {
    if (h->ports[i].kind == PORT_CONTROL_OUT &&
        !strcmp(h->ports[i].symbol, "llm_status")) {
      h->llm_status_port = (int)i;
    }
  }
  for (uint32_t i = 0; i < h->n_ports; ++i) {
    if (h->ports[i].kind == PORT_CONTROL_IN && h->ports[i].is_freewheel) {
      h->ports[i].value = o->freewheel ? 1.0f : 0.0f;
    }
  }

  if (o->freewheel && o->prompt) {
    warn(h, "--freewheel: not waiting for the model's reply, so that the render stays "
            "deterministic");
  }
  int variations = o->variations;
  if (variations > 1 && h->seed_port < 0) {
    warn(h, "the plugin has no 'seed' control yet; ignoring --variations");
    variations = 1;
  }
  renders = calloc((size_t)variations, sizeof(Render));
  if (!renders) {
    fail_line("out of memory");
    goto out;
  }

  const double duration_s = (double)h->audio_frames / h->rate;
  h->show_progress =
      !o->quiet &&
      (o->progress || (isatty(STDERR_FILENO) && duration_s > PROGRESS_MIN_SECS));
  h->progress_total =
      (uint64_t)variations * (h->audio_frames + (uint64_t)llround(o->tail_s * h->rate));
  h->progress_shown = -1;

  const double first_seed = h->seed_port >= 0 ? h->ports[h->seed_port].value : 0.0;
  if (h->seed_port >= 0 && !isnan(h->ports[h->seed_port].max) &&
      first_seed + variations - 1 > h->ports[h->seed_port].max) {
    fail_line("--variations %d from seed %g goes past the 'seed' control's maximum %g",
              variations, first_seed, (double)h->ports[h->seed_port].max);
    status = EXIT_USAGE;
    goto out;
  }
  ok = true;
  for (int i = 0; i < variations && ok; ++i) {
    char* path = variations > 1 ? variation_path(o->output, i + 1) : strdup(o->output);
    const bool inited =
        path && render_init(h, &renders[i], path, h->seed_port >= 0, first_seed + i);
    free(path);
    ++n_renders;
    if (!inited) {
      fail_line("out of memory");
      ok = false;
      break;
    }
    ok = render_once(h, &renders[i]);
  }
  if (o->report && !write_report(h, renders, n_renders, ok)) {
    ok = false;
  }
  if (ok) {
    status = 0;
    if (!o->quiet) {
      for (int i = 0; i < n_renders; ++i) {
        fprintf(stderr, "tandem-render: wrote %s: %zu MIDI events, %zu notes\n",
                renders[i].output, renders[i].n_events, renders[i].n_notes);
      }
    }
  }

out:
  for (int i = 0; i < n_renders; ++i) {
    render_free(&renders[i]);
  }
  free(renders);
  host_free(h);
  return status;
}
