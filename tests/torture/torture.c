/* tandem_torture — the host torture matrix: Tandem run through lilv the way
 * careless, odd or hostile hosts run it.
 *
 *   LV2_PATH=BUILD:/usr/lib/lv2 tandem_torture [--case NAME] [--list]
 *       [--seconds S] [--bench-denormal]
 *
 * Every case instantiates the plugin with its own host settings (block sizes,
 * sample rate, in-place audio, atom ports late or NULL, notify capacity,
 * time:Position variants, input signal, worker mode), rolls the transport for
 * S seconds (default 3), stops it, runs one more second, and checks:
 *   - audio passes through unchanged (not in place) and control outputs are
 *     finite, whatever the input;
 *   - the notify sequence fits its capacity and every event lies inside the
 *     block, in time order, with a well-formed MIDI message;
 *   - every note-on has its note-off by the end (after the transport stopped);
 *   - with librtcheck.so preloaded, no forbidden call happened inside run(),
 *     connect_port(), work_response() or end_run().
 * It prints one line per case and exits 1 if any case failed.
 *
 * --bench-denormal prints the mean and worst run() time per 256-frame block on
 * full-scale noise and on denormal input (figures only, never pass/fail).
 *
 * Threads: the main thread is the audio thread; in "threaded" worker mode a
 * second thread runs work() and talks to the audio thread through two
 * single-producer single-consumer slot rings (no locks on the audio side).
 */
#include <arpa/inet.h>
#include <float.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <lilv/lilv.h>
#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/buf-size/buf-size.h>
#include <lv2/core/lv2.h>
#include <lv2/log/log.h>
#include <lv2/midi/midi.h>
#include <lv2/options/options.h>
#include <lv2/parameters/parameters.h>
#include <lv2/patch/patch.h>
#include <lv2/state/state.h>
#include <lv2/time/time.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>

#include "rtmark.h"

#define PLUGIN_URI    "urn:tandem:plugin"
#define MAX_URIS      1024
#define MAX_BLOCK     8192
#define MAX_PORTS     128
#define CONTROL_BYTES 4096
#define NOTIFY_BYTES  65536
#define SLOTS         16 /* per worker ring: power of two */
#define SLOT_BYTES    8192

/* ---- The case table ---- */

typedef enum {
  WORK_SYNC,
  WORK_QUEUED,
  WORK_THREADED,
  WORK_FULL,
  WORK_MOSTLY_FULL
} WorkMode;
typedef enum {
  SIG_CLICKS,
  SIG_SILENCE,
  SIG_IMPULSE,
  SIG_DC,
  SIG_FLT_MIN,
  SIG_DENORMAL,
  SIG_NAN_BURSTS,
  SIG_INF_BURSTS,
  SIG_NOISE
} Signal;
typedef enum {
  POS_OBJECT,
  POS_BLANK,
  POS_NONE,
  POS_MISSING_FIELDS,
  POS_BPM_ZERO,
  POS_BPM_NEGATIVE,
  POS_SPEED_ZERO,
  POS_SPEED_REVERSE,
  POS_SPEED_HALF,
  POS_BACKWARD_JUMPS
} PositionKind;

typedef struct {
  const char* name;
  double rate;
  int block;        /* frames per run(); -1: varies over BLOCK_SIZES */
  int notify_bytes; /* notify capacity; 0 means 0 bytes, -1 the full buffer */
  bool in_place;
  bool control_null; /* atom input never connected (NULL) */
  bool notify_null;  /* atom output never connected (NULL) */
  bool late_atoms;   /* atom ports connected only after the first second */
  PositionKind position;
  Signal signal;
  WorkMode work;
} Case;

static const int BLOCK_SIZES[] = {0, 1, 2, 3, 63, 64, 1152, 4096, 8192};
#define N_BLOCK_SIZES (int)(sizeof(BLOCK_SIZES) / sizeof(BLOCK_SIZES[0]))

static const Case CASES[] = {
    {"block_0", 48000, 0, -1, false, false, false, false, POS_OBJECT, SIG_CLICKS,
     WORK_SYNC},
    {"block_1", 48000, 1, -1, false, false, false, false, POS_OBJECT, SIG_CLICKS,
     WORK_SYNC},
    {"block_2", 48000, 2, -1, false, false, false, false, POS_OBJECT, SIG_CLICKS,
     WORK_SYNC},
    {"block_3", 48000, 3, -1, false, false, false, false, POS_OBJECT, SIG_CLICKS,
     WORK_QUEUED},
    {"block_63", 48000, 63, -1, false, false, false, false, POS_OBJECT, SIG_CLICKS,
     WORK_QUEUED},
    {"block_64", 48000, 64, -1, false, false, false, false, POS_OBJECT, SIG_CLICKS,
     WORK_QUEUED},
    {"block_1152", 48000, 1152, -1, false, false, false, false, POS_OBJECT, SIG_CLICKS,
     WORK_THREADED},
    {"block_4096", 48000, 4096, -1, false, false, false, false, POS_OBJECT, SIG_CLICKS,
     WORK_THREADED},
    {"block_8192", 48000, 8192, -1, false, false, false, false, POS_OBJECT, SIG_CLICKS,
     WORK_THREADED},
    {"block_varying", 48000, -1, -1, false, false, false, false, POS_OBJECT, SIG_CLICKS,
     WORK_QUEUED},
    {"rate_22050", 22050, -1, -1, false, false, false, false, POS_OBJECT, SIG_CLICKS,
     WORK_QUEUED},
    {"rate_44100", 44100, -1, -1, false, false, false, false, POS_OBJECT, SIG_CLICKS,
     WORK_QUEUED},
    {"rate_88200", 88200, -1, -1, false, false, false, false, POS_OBJECT, SIG_CLICKS,
     WORK_QUEUED},
    {"rate_96000", 96000, -1, -1, false, false, false, false, POS_OBJECT, SIG_CLICKS,
     WORK_QUEUED},
    {"rate_176400", 176400, -1, -1, false, false, false, false, POS_OBJECT, SIG_CLICKS,
     WORK_QUEUED},
    {"rate_192000", 192000, -1, -1, false, false, false, false, POS_OBJECT, SIG_CLICKS,
     WORK_QUEUED},
    {"in_place", 48000, -1, -1, true, false, false, false, POS_OBJECT, SIG_CLICKS,
     WORK_QUEUED},
    {"control_null", 48000, 256, -1, false, true, false, false, POS_NONE, SIG_CLICKS,
     WORK_QUEUED},
    {"notify_null", 48000, 256, -1, false, false, true, false, POS_OBJECT, SIG_CLICKS,
     WORK_QUEUED},
    {"atoms_late", 48000, 256, -1, false, false, false, true, POS_OBJECT, SIG_CLICKS,
     WORK_QUEUED},
    {"notify_0_bytes", 48000, 256, 0, false, false, false, false, POS_OBJECT, SIG_CLICKS,
     WORK_QUEUED},
    {"notify_16_bytes", 48000, 256, 16, false, false, false, false, POS_OBJECT,
     SIG_CLICKS, WORK_QUEUED},
    {"notify_64_bytes", 48000, 256, 64, false, false, false, false, POS_OBJECT,
     SIG_CLICKS, WORK_QUEUED},
    {"position_blank", 48000, 256, -1, false, false, false, false, POS_BLANK, SIG_CLICKS,
     WORK_QUEUED},
    {"position_missing_fields", 48000, 256, -1, false, false, false, false,
     POS_MISSING_FIELDS, SIG_CLICKS, WORK_QUEUED},
    {"position_bpm_0", 48000, 256, -1, false, false, false, false, POS_BPM_ZERO,
     SIG_CLICKS, WORK_QUEUED},
    {"position_bpm_negative", 48000, 256, -1, false, false, false, false,
     POS_BPM_NEGATIVE, SIG_CLICKS, WORK_QUEUED},
    {"position_speed_0", 48000, 256, -1, false, false, false, false, POS_SPEED_ZERO,
     SIG_CLICKS, WORK_QUEUED},
    {"position_speed_-1", 48000, 256, -1, false, false, false, false, POS_SPEED_REVERSE,
     SIG_CLICKS, WORK_QUEUED},
    {"position_speed_0.5", 48000, 256, -1, false, false, false, false, POS_SPEED_HALF,
     SIG_CLICKS, WORK_QUEUED},
    {"position_backward_jumps", 48000, -1, -1, false, false, false, false,
     POS_BACKWARD_JUMPS, SIG_CLICKS, WORK_QUEUED},
    {"signal_silence", 48000, 256, -1, false, false, false, false, POS_OBJECT,
     SIG_SILENCE, WORK_QUEUED},
    {"signal_impulse", 48000, 256, -1, false, false, false, false, POS_OBJECT,
     SIG_IMPULSE, WORK_QUEUED},
    {"signal_dc", 48000, 256, -1, false, false, false, false, POS_OBJECT, SIG_DC,
     WORK_QUEUED},
    {"signal_flt_min", 48000, 256, -1, false, false, false, false, POS_OBJECT,
     SIG_FLT_MIN, WORK_QUEUED},
    {"signal_1e-38", 48000, 256, -1, false, false, false, false, POS_OBJECT, SIG_DENORMAL,
     WORK_QUEUED},
    {"signal_nan_bursts", 48000, -1, -1, false, false, false, false, POS_OBJECT,
     SIG_NAN_BURSTS, WORK_QUEUED},
    {"signal_inf_bursts", 48000, -1, -1, false, false, false, false, POS_OBJECT,
     SIG_INF_BURSTS, WORK_QUEUED},
    {"signal_noise", 48000, 256, -1, false, false, false, false, POS_OBJECT, SIG_NOISE,
     WORK_QUEUED},
    {"worker_sync", 48000, -1, -1, false, false, false, false, POS_OBJECT, SIG_CLICKS,
     WORK_SYNC},
    {"worker_threaded", 48000, -1, -1, false, false, false, false, POS_OBJECT, SIG_CLICKS,
     WORK_THREADED},
    {"worker_ring_full", 48000, 256, -1, false, false, false, false, POS_OBJECT,
     SIG_CLICKS, WORK_FULL},
    {"worker_ring_mostly_full", 48000, 256, -1, false, false, false, false, POS_OBJECT,
     SIG_CLICKS, WORK_MOSTLY_FULL},
};
#define N_CASES (sizeof(CASES) / sizeof(CASES[0]))

/* ---- URID map (instantiate and the worker thread may both map) ---- */

typedef struct {
  char* uris[MAX_URIS];
  uint32_t count;
  pthread_mutex_t lock;
} UridTable;

static LV2_URID map_uri(LV2_URID_Map_Handle handle, const char* uri)
{
  UridTable* t = handle;
  pthread_mutex_lock(&t->lock);
  LV2_URID id = 0;
  for (uint32_t i = 0; i < t->count; ++i) {
    if (!strcmp(t->uris[i], uri)) {
      id = i + 1;
    }
  }
  if (!id && t->count < MAX_URIS) {
    t->uris[t->count] = strdup(uri);
    id = ++t->count;
  }
  pthread_mutex_unlock(&t->lock);
  return id;
}

static const char* unmap_urid(LV2_URID_Unmap_Handle handle, LV2_URID urid)
{
  UridTable* t = handle;
  return urid >= 1 && urid <= t->count ? t->uris[urid - 1] : NULL;
}

/* ---- Worker rings: fixed slots, one writer and one reader each ---- */

typedef struct {
  uint32_t size;
  uint8_t data[SLOT_BYTES];
} Slot;

typedef struct {
  Slot slots[SLOTS];
  atomic_uint head; /* written by the writer */
  atomic_uint tail; /* written by the reader */
} SlotRing;

static bool ring_push(SlotRing* r, uint32_t size, const void* data)
{
  const unsigned head = atomic_load_explicit(&r->head, memory_order_relaxed);
  const unsigned tail = atomic_load_explicit(&r->tail, memory_order_acquire);
  if (head - tail >= SLOTS || size > SLOT_BYTES) {
    return false;
  }
  Slot* s = &r->slots[head % SLOTS];
  s->size = size;
  memcpy(s->data, data, size);
  atomic_store_explicit(&r->head, head + 1, memory_order_release);
  return true;
}

static const Slot* ring_peek(SlotRing* r)
{
  const unsigned tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
  const unsigned head = atomic_load_explicit(&r->head, memory_order_acquire);
  return head == tail ? NULL : &r->slots[tail % SLOTS];
}

static void ring_pop(SlotRing* r)
{
  atomic_fetch_add_explicit(&r->tail, 1, memory_order_release);
}

/* ---- Host ---- */

typedef struct {
  const Case* c;
  LilvWorld* world;
  const LilvPlugin* plugin;
  LilvInstance* instance;
  const LV2_Worker_Interface* worker;
  UridTable* urids;
  LV2_URID_Map map;
  LV2_URID_Unmap unmap;
  LV2_Log_Log log;
  LV2_Worker_Schedule schedule;
  LV2_Options_Option options[3];
  float rate_f;
  int32_t max_block;
  LV2_Feature f_map, f_unmap, f_log, f_schedule, f_options;
  const LV2_Feature* features[6];

  /* URIDs the host writes or reads */
  LV2_URID atom_Sequence, atom_Chunk, atom_Object, atom_Blank, atom_Float, atom_Long,
      atom_Int, atom_Double, atom_String, midi_MidiEvent, time_Position, time_speed,
      time_beatsPerMinute, time_bar, time_barBeat, time_beatsPerBar, time_beatUnit,
      time_frame, patch_Set, patch_property, patch_value, tandem_prompt;

  /* Ports */
  uint32_t n_ports;
  uint32_t audio_in, audio_out, control_in, notify_out;
  float controls[MAX_PORTS];
  bool is_output_control[MAX_PORTS];
  float* in;
  float* out;
  uint64_t control_buf[CONTROL_BYTES / 8];
  uint64_t notify_buf[NOTIFY_BYTES / 8 + 1]; /* capacity plus the header */
  bool atoms_connected;

  /* Worker */
  SlotRing requests;
  SlotRing responses;
  pthread_t thread;
  atomic_bool thread_stop;
  bool thread_started;
  unsigned schedule_calls;
  unsigned rejected;
  bool in_sync_work;

  /* Log (counted only: log calls may come from run()) */
  atomic_uint log_errors;

  /* Transport and signal */
  double bpm;
  double speed;
  double beat; /* beats since bar 0 */
  uint64_t frame;
  uint32_t noise;

  /* Results */
  int held[16][128];
  unsigned note_ons;
  unsigned note_offs;
  unsigned events;
  char fault[256];
  double last_run_s; /* wall time of the last run() alone, for the benchmark */
} Host;

static int log_vprintf(LV2_Log_Handle handle, LV2_URID type, const char* fmt, va_list ap)
{
  (void)type;
  (void)fmt;
  (void)ap;
  Host* h = handle;
  atomic_fetch_add(&h->log_errors, 1);
  return 0;
}

static int log_printf(LV2_Log_Handle handle, LV2_URID type, const char* fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  const int r = log_vprintf(handle, type, fmt, ap);
  va_end(ap);
  return r;
}

static void fail(Host* h, const char* fmt, ...)
{
  if (h->fault[0]) {
    return; /* keep the first fault */
  }
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(h->fault, sizeof(h->fault), fmt, ap);
  va_end(ap);
}

static LV2_Worker_Status respond(LV2_Worker_Respond_Handle handle, uint32_t size,
                                 const void* data)
{
  Host* h = handle;
  return ring_push(&h->responses, size, data) ? LV2_WORKER_SUCCESS
                                              : LV2_WORKER_ERR_NO_SPACE;
}

static LV2_Worker_Status schedule_work(LV2_Worker_Schedule_Handle handle, uint32_t size,
                                       const void* data)
{
  Host* h = handle;
  ++h->schedule_calls;
  switch (h->c->work) {
  case WORK_FULL:
    ++h->rejected;
    return LV2_WORKER_ERR_NO_SPACE;
  case WORK_MOSTLY_FULL:
    if (h->schedule_calls % 4 != 0) {
      ++h->rejected;
      return LV2_WORKER_ERR_NO_SPACE;
    }
    break;
  case WORK_SYNC:
    /* Like a freewheeling host: work() runs at once, outside realtime. */
    h->in_sync_work = true;
    tandem_rtmark_leave();
    const LV2_Worker_Status st =
        h->worker->work(h->instance->lv2_handle, respond, h, size, data);
    tandem_rtmark_enter();
    h->in_sync_work = false;
    return st;
  default:
    break;
  }
  return ring_push(&h->requests, size, data) ? LV2_WORKER_SUCCESS
                                             : LV2_WORKER_ERR_NO_SPACE;
}

static void run_requests(Host* h)
{
  const Slot* s;
  while ((s = ring_peek(&h->requests))) {
    h->worker->work(h->instance->lv2_handle, respond, h, s->size, s->data);
    ring_pop(&h->requests);
  }
}

static void* worker_thread(void* arg)
{
  Host* h = arg;
  const struct timespec nap = {0, 200000};
  while (!atomic_load(&h->thread_stop)) {
    if (ring_peek(&h->requests)) {
      run_requests(h);
    } else {
      nanosleep(&nap, NULL);
    }
  }
  return NULL;
}

static void noise_seed(Host* h)
{
  h->noise = 22222u;
}

static float noise_next(Host* h)
{
  h->noise = h->noise * 1664525u + 1013904223u;
  return (float)((double)(h->noise >> 8) / 8388608.0 - 1.0);
}

static void fill_signal(Host* h, float* buf, uint32_t n)
{
  const double rate = h->c->rate;
  for (uint32_t i = 0; i < n; ++i) {
    const uint64_t f = h->frame + i;
    const double t = (double)f / rate;
    float v = 0.0f;
    switch (h->c->signal) {
    case SIG_CLICKS: {
      /* A decaying click on every beat at 120 bpm, so there is something to hear. */
      const uint64_t beat_frames = (uint64_t)(rate / 2.0);
      const uint64_t k = f % beat_frames;
      v = k < 200 ? 0.8f * expf(-(float)k / 30.0f) * (k % 2 ? -1.0f : 1.0f) : 0.0f;
      break;
    }
    case SIG_SILENCE:
      break;
    case SIG_IMPULSE:
      v = f % (uint64_t)(rate / 2.0) == 0 ? 1.0f : 0.0f;
      break;
    case SIG_DC:
      v = 0.5f;
      break;
    case SIG_FLT_MIN:
      v = FLT_MIN;
      break;
    case SIG_DENORMAL:
      v = f % 2 ? 1e-38f : -1e-38f;
      break;
    case SIG_NAN_BURSTS:
      v = fmod(t, 1.0) < 0.01 ? NAN : 0.5f * noise_next(h);
      break;
    case SIG_INF_BURSTS:
      v = fmod(t, 1.0) < 0.01 ? (f % 2 ? INFINITY : -INFINITY) : 0.5f * noise_next(h);
      break;
    case SIG_NOISE:
      v = noise_next(h);
      break;
    }
    buf[i] = v;
  }
}

/* Appends one time:Position event for the current transport to the control
 * sequence, shaped as the case asks. */
static void forge_position(Host* h, LV2_Atom_Forge* forge, int64_t at)
{
  const Case* c = h->c;
  if (c->position == POS_NONE) {
    return;
  }
  LV2_Atom_Forge_Frame frame;
  lv2_atom_forge_frame_time(forge, at);
  if (c->position == POS_BLANK) {
    lv2_atom_forge_object(forge, &frame, 0, h->time_Position);
    /* forge_object writes atom:Object; a Blank is the same body with the old type. */
    ((LV2_Atom*)lv2_atom_forge_deref(forge, frame.ref))->type = h->atom_Blank;
  } else {
    lv2_atom_forge_object(forge, &frame, 0, h->time_Position);
  }
  const double bar = floor(h->beat / 4.0);
  lv2_atom_forge_key(forge, h->time_speed);
  lv2_atom_forge_float(forge, (float)h->speed);
  if (c->position == POS_MISSING_FIELDS) {
    /* Only speed and barBeat: no tempo, no meter, no bar. */
    lv2_atom_forge_key(forge, h->time_barBeat);
    lv2_atom_forge_float(forge, (float)(h->beat - bar * 4.0));
    lv2_atom_forge_pop(forge, &frame);
    return;
  }
  lv2_atom_forge_key(forge, h->time_beatsPerMinute);
  lv2_atom_forge_float(forge, (float)h->bpm);
  lv2_atom_forge_key(forge, h->time_beatsPerBar);
  lv2_atom_forge_float(forge, 4.0f);
  lv2_atom_forge_key(forge, h->time_beatUnit);
  lv2_atom_forge_int(forge, 4);
  lv2_atom_forge_key(forge, h->time_bar);
  lv2_atom_forge_long(forge, (int64_t)bar);
  lv2_atom_forge_key(forge, h->time_barBeat);
  lv2_atom_forge_float(forge, (float)(h->beat - bar * 4.0));
  lv2_atom_forge_key(forge, h->time_frame);
  lv2_atom_forge_long(forge, (int64_t)h->frame);
  lv2_atom_forge_pop(forge, &frame);
}

/* Checks the notify sequence and counts its notes. */
static void read_notify(Host* h, uint32_t n_frames, uint32_t capacity)
{
  const LV2_Atom_Sequence* seq = (const LV2_Atom_Sequence*)h->notify_buf;
  if (capacity < sizeof(LV2_Atom_Sequence)) {
    /* No room even for an empty sequence: the plugin must not claim more. */
    if (seq->atom.size > capacity) {
      fail(h, "notify of %u bytes: the plugin wrote %u bytes", capacity, seq->atom.size);
    }
    return;
  }
  if (seq->atom.type != h->atom_Sequence) {
    fail(h, "notify is not an atom:Sequence (type %u)", seq->atom.type);
    return;
  }
  if (sizeof(LV2_Atom) + seq->atom.size > capacity) {
    fail(h, "notify sequence of %u bytes overflows its %u-byte buffer", seq->atom.size,
         capacity);
    return;
  }
  const uint8_t* end = (const uint8_t*)&seq->body + seq->atom.size;
  int64_t last = 0;
  LV2_ATOM_SEQUENCE_FOREACH (seq, ev) {
    const uint8_t* body = (const uint8_t*)LV2_ATOM_BODY_CONST(&ev->body);
    if ((const uint8_t*)&ev->body + sizeof(LV2_Atom) > end ||
        body + ev->body.size > end) {
      fail(h, "notify event runs past the sequence");
      return;
    }
    if (ev->time.frames < last || ev->time.frames < 0 ||
        (n_frames > 0 && ev->time.frames >= (int64_t)n_frames) ||
        (n_frames == 0 && ev->time.frames != 0)) {
      fail(h, "notify event at frame %lld in a block of %u (previous %lld)",
           (long long)ev->time.frames, n_frames, (long long)last);
      return;
    }
    last = ev->time.frames;
    ++h->events;
    if (ev->body.type != h->midi_MidiEvent) {
      continue;
    }
    if (ev->body.size < 1 || ev->body.size > 3 || !(body[0] & 0x80)) {
      fail(h, "malformed MIDI event (%u bytes, status %02x)", ev->body.size,
           ev->body.size ? body[0] : 0);
      return;
    }
    const uint8_t status = body[0] & 0xF0, ch = body[0] & 0x0F;
    if ((status == 0x90 || status == 0x80) && ev->body.size == 3) {
      if ((body[1] | body[2]) & 0x80) {
        fail(h, "MIDI data byte above 127");
        return;
      }
      if (status == 0x90 && body[2] > 0) {
        ++h->held[ch][body[1]];
        ++h->note_ons;
      } else {
        ++h->note_offs;
        if (h->held[ch][body[1]] > 0) {
          --h->held[ch][body[1]];
        }
      }
    } else if (status == 0xB0 && ev->body.size == 3 &&
               (body[1] == 123 || body[1] == 120)) {
      memset(h->held[ch], 0, sizeof(h->held[ch])); /* all notes off / all sound off */
    }
  }
}

static void connect_atoms(Host* h, bool connect)
{
  const Case* c = h->c;
  if (h->control_in != UINT32_MAX) {
    lilv_instance_connect_port(h->instance, h->control_in,
                               connect && !c->control_null ? h->control_buf : NULL);
  }
  if (h->notify_out != UINT32_MAX) {
    lilv_instance_connect_port(h->instance, h->notify_out,
                               connect && !c->notify_null ? h->notify_buf : NULL);
  }
  h->atoms_connected = connect;
}

/* One block: control sequence with the transport, run, checks, worker. */
static void cycle(Host* h, uint32_t n, bool rolling, bool send_position)
{
  const Case* c = h->c;
  fill_signal(h, h->in, n);

  LV2_Atom_Forge forge;
  lv2_atom_forge_init(&forge, &h->map);
  lv2_atom_forge_set_buffer(&forge, (uint8_t*)h->control_buf, CONTROL_BYTES);
  LV2_Atom_Forge_Frame seq;
  lv2_atom_forge_sequence_head(&forge, &seq, 0);
  if (send_position) {
    forge_position(h, &forge, 0);
  }
  lv2_atom_forge_pop(&forge, &seq);

  const uint32_t capacity =
      c->notify_bytes < 0 ? NOTIFY_BYTES : (uint32_t)c->notify_bytes;
  LV2_Atom_Sequence* notify = (LV2_Atom_Sequence*)h->notify_buf;
  /* As jalv and the team's lilv test host do: atom:Chunk, size = capacity. */
  notify->atom.type = h->atom_Chunk;
  notify->atom.size = capacity;

  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  tandem_rtmark_enter();
  lilv_instance_run(h->instance, n);
  tandem_rtmark_leave();
  clock_gettime(CLOCK_MONOTONIC, &t1);
  h->last_run_s =
      (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;

  /* Checks */
  if (!c->in_place && memcmp(h->in, h->out, n * sizeof(float)) != 0) {
    bool same = true;
    for (uint32_t i = 0; i < n && same; ++i) {
      same = (isnan(h->in[i]) && isnan(h->out[i])) || h->in[i] == h->out[i];
    }
    if (!same) {
      fail(h, "audio did not pass through unchanged");
    }
  }
  for (uint32_t p = 0; p < h->n_ports; ++p) {
    if (h->is_output_control[p] && !isfinite(h->controls[p])) {
      fail(h, "control output %s is %f",
           lilv_node_as_string(lilv_port_get_symbol(
               h->plugin, lilv_plugin_get_port_by_index(h->plugin, p))),
           (double)h->controls[p]);
    }
  }
  if (h->atoms_connected && !c->notify_null) {
    read_notify(h, n, capacity);
  }

  /* Worker: queued requests run now; threaded ones run on their own thread. */
  if (c->work == WORK_QUEUED || c->work == WORK_MOSTLY_FULL) {
    run_requests(h);
  }
  tandem_rtmark_enter();
  const Slot* s;
  while ((s = ring_peek(&h->responses))) {
    h->worker->work_response(h->instance->lv2_handle, s->size, s->data);
    ring_pop(&h->responses);
  }
  if (h->worker->end_run) {
    h->worker->end_run(h->instance->lv2_handle);
  }
  tandem_rtmark_leave();

  /* Transport */
  h->frame += n;
  if (rolling) {
    h->beat += h->speed * (double)n / c->rate * fabs(h->bpm) / 60.0;
  }
}

static uint32_t next_block(Host* h, uint32_t index)
{
  if (h->c->block >= 0) {
    return (uint32_t)h->c->block;
  }
  (void)h;
  /* A fixed, scrambled walk over the sizes: 0 and 1 next to 8192. */
  return (uint32_t)BLOCK_SIZES[(index * 7u + index / 3u) % N_BLOCK_SIZES];
}

static bool setup(Host* h, LilvWorld* world, const LilvPlugin* plugin, UridTable* urids)
{
  const Case* c = h->c;
  h->world = world;
  h->plugin = plugin;
  h->urids = urids;
  h->map = (LV2_URID_Map){urids, map_uri};
  h->unmap = (LV2_URID_Unmap){urids, unmap_urid};
  h->log = (LV2_Log_Log){h, log_printf, log_vprintf};
  h->schedule = (LV2_Worker_Schedule){h, schedule_work};
  h->rate_f = (float)c->rate;
  h->max_block = MAX_BLOCK;
  LV2_URID atom_Float = map_uri(urids, LV2_ATOM__Float);
  LV2_URID atom_Int = map_uri(urids, LV2_ATOM__Int);
  h->options[0] = (LV2_Options_Option){
      LV2_OPTIONS_INSTANCE, 0,          map_uri(urids, LV2_PARAMETERS__sampleRate),
      sizeof(float),        atom_Float, &h->rate_f};
  h->options[1] = (LV2_Options_Option){
      LV2_OPTIONS_INSTANCE, 0,        map_uri(urids, LV2_BUF_SIZE__maxBlockLength),
      sizeof(int32_t),      atom_Int, &h->max_block};
  h->options[2] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0, 0, 0, 0, NULL};
  h->f_map = (LV2_Feature){LV2_URID__map, &h->map};
  h->f_unmap = (LV2_Feature){LV2_URID__unmap, &h->unmap};
  h->f_log = (LV2_Feature){LV2_LOG__log, &h->log};
  h->f_schedule = (LV2_Feature){LV2_WORKER__schedule, &h->schedule};
  h->f_options = (LV2_Feature){LV2_OPTIONS__options, h->options};
  const LV2_Feature* f[] = {&h->f_map,      &h->f_unmap,   &h->f_log,
                            &h->f_schedule, &h->f_options, NULL};
  memcpy(h->features, f, sizeof(f));

#define URID(field, uri) h->field = map_uri(urids, uri)
  URID(atom_Sequence, LV2_ATOM__Sequence);
  URID(atom_Chunk, LV2_ATOM__Chunk);
  URID(atom_Object, LV2_ATOM__Object);
  URID(atom_Blank, LV2_ATOM__Blank);
  URID(atom_Float, LV2_ATOM__Float);
  URID(atom_Long, LV2_ATOM__Long);
  URID(atom_Int, LV2_ATOM__Int);
  URID(atom_Double, LV2_ATOM__Double);
  URID(atom_String, LV2_ATOM__String);
  URID(midi_MidiEvent, LV2_MIDI__MidiEvent);
  URID(time_Position, LV2_TIME__Position);
  URID(time_speed, LV2_TIME__speed);
  URID(time_beatsPerMinute, LV2_TIME__beatsPerMinute);
  URID(time_bar, LV2_TIME__bar);
  URID(time_barBeat, LV2_TIME__barBeat);
  URID(time_beatsPerBar, LV2_TIME__beatsPerBar);
  URID(time_beatUnit, LV2_TIME__beatUnit);
  URID(time_frame, LV2_TIME__frame);
  URID(patch_Set, LV2_PATCH__Set);
  URID(patch_property, LV2_PATCH__property);
  URID(patch_value, LV2_PATCH__value);
  URID(tandem_prompt, "urn:tandem:plugin#prompt");
#undef URID

  h->instance = lilv_plugin_instantiate(plugin, c->rate, h->features);
  if (!h->instance) {
    fail(h, "the plugin refused to instantiate");
    return false;
  }
  h->worker = lilv_instance_get_extension_data(h->instance, LV2_WORKER__interface);
  if (!h->worker) {
    fail(h, "no worker interface");
    return false;
  }

  h->in = calloc(MAX_BLOCK, sizeof(float));
  h->out = c->in_place ? h->in : calloc(MAX_BLOCK, sizeof(float));
  h->n_ports = lilv_plugin_get_num_ports(plugin);
  if (h->n_ports > MAX_PORTS) {
    fail(h, "more than %d ports", MAX_PORTS);
    return false;
  }
  float mins[MAX_PORTS], maxs[MAX_PORTS], defs[MAX_PORTS];
  lilv_plugin_get_port_ranges_float(plugin, mins, maxs, defs);
  LilvNode* audio = lilv_new_uri(world, LV2_CORE__AudioPort);
  LilvNode* control = lilv_new_uri(world, LV2_CORE__ControlPort);
  LilvNode* input = lilv_new_uri(world, LV2_CORE__InputPort);
  LilvNode* atom = lilv_new_uri(world, LV2_ATOM__AtomPort);
  h->audio_in = h->audio_out = h->control_in = h->notify_out = UINT32_MAX;
  for (uint32_t p = 0; p < h->n_ports; ++p) {
    const LilvPort* port = lilv_plugin_get_port_by_index(plugin, p);
    const bool is_in = lilv_port_is_a(plugin, port, input);
    if (lilv_port_is_a(plugin, port, audio)) {
      if (is_in) {
        h->audio_in = p;
        lilv_instance_connect_port(h->instance, p, h->in);
      } else {
        h->audio_out = p;
        lilv_instance_connect_port(h->instance, p, h->out);
      }
    } else if (lilv_port_is_a(plugin, port, control)) {
      h->controls[p] = is_in && !isnan(defs[p]) ? defs[p] : 0.0f;
      h->is_output_control[p] = !is_in;
      lilv_instance_connect_port(h->instance, p, &h->controls[p]);
    } else if (lilv_port_is_a(plugin, port, atom)) {
      if (is_in) {
        h->control_in = p;
      } else {
        h->notify_out = p;
      }
    } else {
      lilv_instance_connect_port(h->instance, p, NULL);
    }
  }
  lilv_node_free(audio);
  lilv_node_free(control);
  lilv_node_free(input);
  lilv_node_free(atom);
  /* Atom ports start unconnected in the "late" case, NULL where the case says. */
  connect_atoms(h, !c->late_atoms);

  if (c->work == WORK_THREADED) {
    atomic_store(&h->thread_stop, false);
    h->thread_started = pthread_create(&h->thread, NULL, worker_thread, h) == 0;
  }
  lilv_instance_activate(h->instance);
  return true;
}

static void teardown(Host* h)
{
  if (h->instance) {
    lilv_instance_deactivate(h->instance);
  }
  if (h->thread_started) {
    atomic_store(&h->thread_stop, true);
    pthread_join(h->thread, NULL);
  }
  if (h->instance) {
    lilv_instance_free(h->instance);
  }
  if (h->out != h->in) {
    free(h->out);
  }
  free(h->in);
}

static bool run_case(const Case* c, LilvWorld* world, const LilvPlugin* plugin,
                     UridTable* urids, double seconds)
{
  Host* h = calloc(1, sizeof(Host));
  h->c = c;
  noise_seed(h);
  h->bpm = c->position == POS_BPM_ZERO       ? 0.0
           : c->position == POS_BPM_NEGATIVE ? -120.0
                                             : 120.0;
  h->speed = c->position == POS_SPEED_ZERO      ? 0.0
             : c->position == POS_SPEED_REVERSE ? -1.0
             : c->position == POS_SPEED_HALF    ? 0.5
                                                : 1.0;
  if (c->position == POS_SPEED_HALF) {
    seconds *= 2.5; /* at half speed it takes this long to cross bar lines */
  }
  bool ok = setup(h, world, plugin, urids);
  if (ok) {
    const uint64_t roll_frames = (uint64_t)(seconds * c->rate);
    const uint64_t late_frames = (uint64_t)c->rate;
    uint32_t index = 0;
    double last_bar = -1.0;
    while (h->frame < roll_frames && !h->fault[0]) {
      if (c->late_atoms && !h->atoms_connected && h->frame >= late_frames) {
        tandem_rtmark_enter();
        connect_atoms(h, true);
        tandem_rtmark_leave();
      }
      const uint32_t n = next_block(h, index++);
      const double bar = floor(h->beat / 4.0);
      bool send = bar != last_bar || index == 1;
      if (c->position == POS_BACKWARD_JUMPS && bar >= 2.0) {
        h->beat = fmod(h->beat, 4.0) + 0.5; /* back to bar 0, off the beat */
        send = true;
      }
      last_bar = floor(h->beat / 4.0);
      cycle(h, n, true, send);
      if (n == 0 && c->block == 0) {
        h->frame += 64; /* a zero-length run() still lets the case end */
      }
    }
    /* Stop the transport and let note-offs out. */
    h->speed = 0.0;
    const uint64_t stop_at = h->frame;
    index = 0;
    while (h->frame < stop_at + (uint64_t)c->rate && !h->fault[0]) {
      const uint32_t n = c->block == 0 ? 0 : c->block > 0 ? (uint32_t)c->block : 256;
      cycle(h, n, false, index++ == 0);
      if (n == 0) {
        h->frame += 64;
      }
    }
    if (c->block == 0) {
      /* A host that only ever runs 0 frames: give one real block so the
       * stuck-note check means something. */
      cycle(h, 64, false, true);
    }
    unsigned stuck = 0;
    for (int ch = 0; ch < 16; ++ch) {
      for (int note = 0; note < 128; ++note) {
        stuck += (unsigned)h->held[ch][note];
      }
    }
    if (!h->fault[0] && stuck && !c->notify_null && c->notify_bytes != 0) {
      fail(h, "%u note(s) still on after the transport stopped", stuck);
    }
  }
  teardown(h);
  ok = !h->fault[0];
  printf("%-26s %s  note-on %u, note-off %u, events %u, schedule %u (rejected %u)%s%s\n",
         c->name, ok ? "ok  " : "FAIL", h->note_ons, h->note_offs, h->events,
         h->schedule_calls, h->rejected, ok ? "" : ": ", h->fault);
  fflush(stdout);
  free(h);
  return ok;
}

/* ---- Cleanup while a model request is in flight ---- */

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A model endpoint that accepts the connection (the kernel does, through the
 * listen backlog) and never answers, so the request stays in flight. */
static int silent_server(int* port)
{
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr = {0};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (fd < 0 || bind(fd, (struct sockaddr*)&addr, sizeof(addr)) != 0 ||
      listen(fd, 8) != 0 || getsockname(fd, (struct sockaddr*)&addr, &len) != 0) {
    if (fd >= 0) {
      close(fd);
    }
    return -1;
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

static bool run_llm_cleanup_case(LilvWorld* world, const LilvPlugin* plugin,
                                 UridTable* urids)
{
  static const Case c = {"cleanup_during_llm_request",
                         48000,
                         256,
                         -1,
                         false,
                         false,
                         false,
                         false,
                         POS_OBJECT,
                         SIG_CLICKS,
                         WORK_THREADED};
  int port = 0;
  const int fd = silent_server(&port);
  if (fd < 0) {
    printf("%-26s FAIL: cannot open a loopback socket\n", c.name);
    return false;
  }
  char url[128];
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/chat/completions", port);
  setenv("TANDEM_LLM_URL", url, 1);
  setenv("TANDEM_LLM_TIMEOUT", "60", 1);
  setenv("TANDEM_LLM_PROVIDER", "openai", 1);
  setenv("TANDEM_LLM_MODEL", "torture", 1);

  Host* h = calloc(1, sizeof(Host));
  h->c = &c;
  h->bpm = 120.0;
  h->speed = 1.0;
  noise_seed(h);
  bool ok = setup(h, world, plugin, urids);
  unsetenv("TANDEM_LLM_URL");
  unsetenv("TANDEM_LLM_TIMEOUT");
  unsetenv("TANDEM_LLM_PROVIDER");
  unsetenv("TANDEM_LLM_MODEL");
  uint32_t status_port = UINT32_MAX;
  for (uint32_t p = 0; p < h->n_ports; ++p) {
    const LilvPort* lp = lilv_plugin_get_port_by_index(plugin, p);
    if (!strcmp(lilv_node_as_string(lilv_port_get_symbol(plugin, lp)), "llm_status")) {
      status_port = p;
    }
  }
  bool waiting = false;
  double cleanup_s = 0.0;
  if (ok) {
    /* A second of play, then the prompt as a patch:Set, then play until the
     * plugin reports the request waiting. */
    for (int i = 0; i < 188; ++i) {
      cycle(h, 256, true, i == 0);
    }
    LV2_Atom_Forge forge;
    lv2_atom_forge_init(&forge, &h->map);
    for (int i = 0; i < 400 && !waiting && !h->fault[0]; ++i) {
      cycle(h, 256, true, false);
      if (i == 0) {
        /* cycle() rewrote the control buffer; put the prompt in and run again. */
        lv2_atom_forge_set_buffer(&forge, (uint8_t*)h->control_buf, CONTROL_BYTES);
        LV2_Atom_Forge_Frame seq, obj;
        lv2_atom_forge_sequence_head(&forge, &seq, 0);
        lv2_atom_forge_frame_time(&forge, 0);
        lv2_atom_forge_object(&forge, &obj, 0, h->patch_Set);
        lv2_atom_forge_key(&forge, h->patch_property);
        lv2_atom_forge_urid(&forge, h->tandem_prompt);
        lv2_atom_forge_key(&forge, h->patch_value);
        lv2_atom_forge_string(&forge, "make it groovier", 16);
        lv2_atom_forge_pop(&forge, &obj);
        lv2_atom_forge_pop(&forge, &seq);
        LV2_Atom_Sequence* notify = (LV2_Atom_Sequence*)h->notify_buf;
        notify->atom.type = h->atom_Chunk;
        notify->atom.size = NOTIFY_BYTES;
        lilv_instance_run(h->instance, 256);
      }
      waiting = status_port != UINT32_MAX && h->controls[status_port] == 2.0f;
      if (!waiting) {
        const struct timespec nap = {0, 5000000};
        nanosleep(&nap, NULL);
      }
    }
    if (!waiting && !h->fault[0]) {
      fail(h, "llm_status never showed the request waiting (last %g)",
           status_port != UINT32_MAX ? (double)h->controls[status_port] : -1.0);
    }
    const double t0 = now_s();
    teardown(h);
    cleanup_s = now_s() - t0;
    h->instance = NULL;
    /* The model timeout is 60 s: a cleanup that waited for it would hang the host. */
    if (!h->fault[0] && cleanup_s > 10.0) {
      fail(h, "cleanup took %.1f s with a request in flight", cleanup_s);
    }
  } else {
    teardown(h);
  }
  close(fd);
  ok = !h->fault[0];
  printf("%-26s %s  request waiting: %s, cleanup took %.3f s%s%s\n", c.name,
         ok ? "ok  " : "FAIL", waiting ? "yes" : "no", cleanup_s, ok ? "" : ": ",
         h->fault);
  free(h);
  return ok;
}

/* ---- Denormal benchmark (figures only) ---- */

static void bench_denormal(LilvWorld* world, const LilvPlugin* plugin, UridTable* urids)
{
  static const Case cases[] = {
      {"noise", 48000, 256, -1, false, false, false, false, POS_OBJECT, SIG_NOISE,
       WORK_QUEUED},
      {"1e-38 (subnormal)", 48000, 256, -1, false, false, false, false, POS_OBJECT,
       SIG_DENORMAL, WORK_QUEUED},
      {"FLT_MIN", 48000, 256, -1, false, false, false, false, POS_OBJECT, SIG_FLT_MIN,
       WORK_QUEUED},
      {"silence", 48000, 256, -1, false, false, false, false, POS_OBJECT, SIG_SILENCE,
       WORK_QUEUED},
  };
  printf("run() time alone (no worker) per 256-frame block at 48 kHz, 20 s of input "
         "each:\n");
  for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); ++k) {
    Host* h = calloc(1, sizeof(Host));
    h->c = &cases[k];
    h->bpm = 120.0;
    h->speed = 1.0;
    noise_seed(h);
    if (setup(h, world, plugin, urids)) {
      double sum = 0.0, worst = 0.0;
      const int blocks = 20 * 48000 / 256;
      for (int i = 0; i < blocks; ++i) {
        cycle(h, 256, true, i % 94 == 0);
        const double dt = h->last_run_s;
        sum += dt;
        worst = dt > worst ? dt : worst;
      }
      printf("  %-18s mean %7.2f us, worst %8.2f us (budget 5333 us)\n", cases[k].name,
             sum / blocks * 1e6, worst * 1e6);
    }
    teardown(h);
    free(h);
  }
}

int main(int argc, char** argv)
{
  const char* only = NULL;
  double seconds = 3.0;
  bool bench = false;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--case") && i + 1 < argc) {
      only = argv[++i];
    } else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
      seconds = atof(argv[++i]);
    } else if (!strcmp(argv[i], "--bench-denormal")) {
      bench = true;
    } else if (!strcmp(argv[i], "--list")) {
      for (size_t k = 0; k < N_CASES; ++k) {
        printf("%s\n", CASES[k].name);
      }
      printf("cleanup_during_llm_request\n");
      return 0;
    } else {
      fprintf(stderr, "usage: tandem_torture [--case NAME] [--seconds S] [--list] "
                      "[--bench-denormal]\n");
      return 2;
    }
  }
  const bool checker = tandem_rtmark_init();

  LilvWorld* world = lilv_world_new();
  lilv_world_load_all(world);
  LilvNode* uri = lilv_new_uri(world, PLUGIN_URI);
  const LilvPlugin* plugin =
      lilv_plugins_get_by_uri(lilv_world_get_all_plugins(world), uri);
  lilv_node_free(uri);
  if (!plugin) {
    fprintf(stderr, "tandem_torture: %s not found on LV2_PATH\n", PLUGIN_URI);
    lilv_world_free(world);
    return 2;
  }
  UridTable* urids = calloc(1, sizeof(UridTable));
  pthread_mutex_init(&urids->lock, NULL);

  int failed = 0, ran = 0;
  if (bench) {
    bench_denormal(world, plugin, urids);
  } else {
    for (size_t k = 0; k < N_CASES; ++k) {
      if (!only || !strcmp(only, CASES[k].name)) {
        ++ran;
        failed += !run_case(&CASES[k], world, plugin, urids, seconds);
      }
    }
    if (!only || !strcmp(only, "cleanup_during_llm_request")) {
      ++ran;
      failed += !run_llm_cleanup_case(world, plugin, urids);
    }
  }
  const unsigned long forbidden = tandem_rtmark_count();
  if (checker) {
    printf("realtime checker: %lu forbidden calls\n", forbidden);
    failed += forbidden > 0;
  } else {
    printf("realtime checker: not loaded (run with LD_PRELOAD=librtcheck.so)\n");
  }
  if (!bench) {
    printf("%d of %d cases failed\n", failed, ran);
    if (ran == 0) {
      fprintf(stderr, "tandem_torture: no case named %s\n", only ? only : "");
      failed = 1;
    }
  }

  for (uint32_t i = 0; i < urids->count; ++i) {
    free(urids->uris[i]);
  }
  pthread_mutex_destroy(&urids->lock);
  free(urids);
  lilv_world_free(world);
  return failed ? 1 : 0;
}
