/* Tandem — the LV2 plugin: entry points in LV2 order.
 *
 * run(), connect_port(), work_response() and end_run() run in the host's audio
 * thread and never allocate, lock, log through stdio or make a syscall; the
 * worker callbacks (work) and state run in a non-realtime thread.  See
 * ../docs/DESIGN.md for the whole thread model.
 *
 * This file includes only realtime headers: it reaches the worker through
 * messages.h (run()) and the opaque TandemWorker of worker_api.h (instantiate,
 * work, save, restore, cleanup); tests/check_split.sh keeps it so.
 *
 * Each block, run() passes the audio through, analyses it, takes any finished
 * pattern from the worker, plays the pattern in segments split at every
 * time:Position event, and asks the worker for a new pattern when a setting that
 * shapes it changed.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/core/lv2.h>
#include <lv2/core/lv2_util.h>
#include <lv2/log/logger.h>
#include <lv2/worker/worker.h>

#include "analysis.h"
#include "atom_check.h"
#include "clock.h"
#include "controls.h"
#include "messages.h"
#include "pattern.h"
#include "player.h"
#include "progression.h"
#include "ring.h"
#include "theory.h"
#include "transport.h"
#include "ui_feed.h"
#include "inline_display.h"
#include "uris.h"
#include "worker_api.h"

#define MAX_ONSETS          64  /* per block; more in one block are dropped */
#define MAX_MIDI            512 /* MIDI events per block */
#define REQUEST_INTERVAL_S  0.1 /* at most this often while a control moves */
#define LLM_POLL_INTERVAL_S 0.1 /* how often work() looks for a model reply */

typedef enum {
  PORT_IN = 0,
  PORT_OUT = 1,
  PORT_CONTROL = 2,
  PORT_NOTIFY = 3,
  PORT_ENABLED = 4,
} PortIndex;

/* The controls that shape a generated pattern; a change asks for a new one. */
typedef struct {
  int role;
  int style;
  float complexity;
  float density;
  float energy;
  float fill;
  int bars;
  uint32_t seed;
  int beats_per_bar;
  int beat_unit;
  float auto_bpm;  /* the tempo "auto" chose by, in 8% steps */
  int genre_style; /* the style "auto" follows by genre (0: by tempo) */
  int section;     /* the song section heard (TandemSectionLabel): a new one asks
                      for its own part, busier in a chorus, the old one on a repeat */
} GenerationKey;

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
  TandemControlPorts controls;

  /* URIDs and forge */
  TandemURIs uris;
  LV2_Atom_Forge forge;

  /* Host facts */
  double sample_rate;
  uint32_t max_block_frames;

  /* Analysis (audio thread) */
  TandemAnalysis* analysis;
  TandemOnsetEvent onsets[MAX_ONSETS];
  uint32_t n_onsets;
  TandemAnalysisReadout readout;
  TandemBarAccum bar_acc; /* this bar's features, for genre and section detection */
  /* Bars are measured between the clock's bar lines: beats go to bar_acc from the
   * first downbeat on (beats_fed counts them), so that a section that begins on a
   * bar line fills a measured bar of its own. */
  bool bars_on_downbeats;
  uint32_t beats_fed;
  /* What work() last said about the song (written by work_response). */
  int song_genre;
  float song_genre_confidence;
  int song_section;
  int song_auto_style;
  float busy_count[TANDEM_BUSY_STEPS]; /* onsets per 16th in the current bar */
  float busy[TANDEM_BUSY_STEPS];       /* smoothed over bars, 0..1 */
  int64_t busy_bar;

  /* Playing (audio thread) */
  TandemControls ctl;
  TandemTransport transport;
  TandemClock clock;
  TandemPlayer player;
  TandemPlayerParams player_params;
  TandemProgression progression; /* the chord plan that pitched parts share */
  TandemHarmony harmony;
  TandemPattern incoming; /* scratch for a pattern read from the ring */
  TandemPattern trigger_pattern;
  uint32_t playing_serial;
  uint32_t player_seed;
  TandemMidiEvent midi[MAX_MIDI];
  uint32_t n_midi;
  bool notes_off_pending; /* end notes left sounding before a deactivate */
  uint32_t midi_budget;   /* events the notify buffer has room for this block */
  uint32_t block_frames;  /* frames in the current run() */

  /* Asking the worker for patterns (audio thread) */
  GenerationKey requested;
  bool has_requested;
  bool regenerate_was_on;
  bool request_pending; /* a change waits for the interval or a free worker */
  bool adopt_restored;  /* a restored pattern was queued: it answers these settings */
  bool keep_current;    /* a restored or model part plays until a control (not auto
                           style's ears) changes */
  /* A restored pattern plays in the bars it played in when saved: once the player
   * takes it over, its anchor is set to the saved phase. */
  bool restored_phase_pending;
  uint32_t restored_serial;
  int32_t restored_phase;
  atomic_int pattern_phase; /* the playing pattern's anchor modulo its bars, for save() */
  uint64_t frames_since_request;
  uint32_t serial;
  uint32_t regenerations;       /* presses of regenerate, to vary the seed */
  TandemGenerateMsg request;    /* scratch for the message */
  TandemStyleFileMsg style_msg; /* scratch for the message */
  char style_file[TANDEM_PATH_MAX];
  bool style_file_dirty;  /* to send to the worker */
  bool style_file_notify; /* to report on notify */

  /* Feedback and export triggers (audio thread) */
  bool like_was_on;
  bool dislike_was_on;
  bool reset_learning_was_on;
  bool export_was_on;
  uint32_t feedback_pending; /* TandemFeedbackKind waiting for the worker, 0 none */
  bool export_pending;
  TandemFeedbackMsg feedback_msg; /* scratch for the message */
  TandemExportMsg export_msg;     /* scratch for the message */
  char export_path[TANDEM_PATH_MAX];
  bool export_path_notify;
  /* Groove capture: the learn toggle and save_profile go to the worker (audio
   * thread); learn_sent is the learn state the worker was last told. */
  bool learn_sent;
  bool save_profile_was_on;
  bool save_profile_pending;
  TandemGrooveMsg groove_msg; /* scratch for the message */
  char profile_path[TANDEM_PATH_MAX];
  bool profile_path_notify;

  /* Language model: prompt, settings and the model's state (audio thread).  The
   * model runs on its own thread (worker/llm.h); run() only sends these POD
   * messages and reads small replies. */
  char prompt[TANDEM_LLM_TEXT_MAX];
  bool prompt_pending; /* to send with the next block */
  bool prompt_notify;
  bool send_was_on;
  TandemLlmConfigMsg llm_config; /* the llm_* properties; sent when dirty */
  bool llm_config_dirty;
  uint32_t llm_status; /* TandemLlmStatus, for the llm_status port */
  uint32_t llm_n_alts; /* alternatives of the last model reply */
  /* The model's status after a restore changed its settings, plus 1 (0: none);
   * written by restore(), taken by run(). */
  atomic_uint restored_llm_status;
  int alternative; /* the alternative playing */
  bool alternative_pending;
  uint64_t frames_since_poll;
  TandemLlmIntentMsg intent;       /* plain-language modifiers, added to the controls */
  TandemLlmRequestMsg llm_request; /* scratch for the messages */
  TandemLlmAltMsg alt_msg;
  TandemLlmBarMsg bar_msg;
  TandemLlmFallbacksMsg llm_fallbacks; /* the llmFallbacks property; sent when dirty */
  bool llm_fallbacks_dirty;
  /* Onsets per class (kick, snare, hat, other) as 16th-step bits: the two last
   * whole bars (oldest first) and the bar playing, for the model's grounding. */
  uint16_t llm_onsets[TANDEM_LLM_ONSET_BARS + 1][TANDEM_LLM_ONSET_BANDS];
  int64_t llm_onset_bar;
  uint32_t llm_onset_bars_done; /* whole bars recorded, up to TANDEM_LLM_ONSET_BARS */
  /* Freewheel export: a model pattern that reached the ring just before it is
   * held here and played from the first bar after it (the export stays
   * deterministic). */
  bool was_free_wheeling;
  bool has_held_model;
  TandemPattern held_model;

  /* Worker side: only work() and the state callbacks use it after instantiate */
  TandemRing* patterns; /* worker → audio thread */
  TandemWorker* worker;

  /* Status text shown through the status property; written by work_response. */
  char status[TANDEM_STATUS_MAX];
  bool status_dirty;

  /* The plugin window's feed and the inline display (ui_feed.h): the snapshot is
   * written by run(), read by render() in the host's display thread. */
  TandemUiFeed ui_feed;
  TandemInlineDisplay inline_display;
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

/* Forgets where play was.  The player itself is kept, so that notes still sounding
 * from before a deactivate get their note-offs in the next run(). */
static void reset_position(Tandem* self)
{
  tandem_transport_init(&self->transport);
  tandem_clock_init(&self->clock, self->sample_rate);
  memset(self->busy_count, 0, sizeof(self->busy_count));
  memset(self->busy, 0, sizeof(self->busy));
  self->busy_bar = INT64_MIN;
  self->playing_serial = 0;
  self->has_requested = false;
  self->request_pending = true;
  self->frames_since_request = 0;
}

static void cleanup(LV2_Handle instance);

static LV2_Handle instantiate(const LV2_Descriptor* descriptor, double rate,
                              const char* bundle_path, const LV2_Feature* const* features)
{
  (void)descriptor;

  Tandem* self = calloc(1, sizeof(Tandem));
  if (!self) {
    return NULL;
  }

  const LV2_Options_Option* options = NULL;
  const char* missing =
      lv2_features_query(features, LV2_LOG__log, &self->logger.log, false, LV2_URID__map,
                         &self->map, true, LV2_WORKER__schedule, &self->schedule, true,
                         LV2_OPTIONS__options, &options, false, NULL);
  lv2_log_logger_set_map(&self->logger, self->map);
  if (missing) {
    lv2_log_error(&self->logger, "Tandem: the host lacks required feature <%s>\n",
                  missing);
    free(self);
    return NULL;
  }

  tandem_uris_map(&self->uris, self->map);
  self->worker = tandem_worker_new(self->map);
  if (!self->worker) {
    lv2_log_error(&self->logger, "Tandem: out of memory\n");
    free(self);
    return NULL;
  }
  lv2_atom_forge_init(&self->forge, self->map);

  self->sample_rate = (isfinite(rate) && rate > 0.0) ? rate : 48000.0;
  self->max_block_frames = 8192;
  read_options(self, options);
  tandem_ui_feed_init(&self->ui_feed, self->map, features, self->sample_rate);

  self->patterns =
      tandem_ring_new(2 * (sizeof(TandemPattern) + sizeof(TandemRingMsgHeader)));
  if (!self->patterns) {
    lv2_log_error(&self->logger, "Tandem: out of memory\n");
    cleanup(self);
    return NULL;
  }
  /* At a rate the analysis cannot work at, Tandem still passes audio and plays;
   * it only hears nothing. */
  self->analysis = tandem_analysis_new(self->sample_rate, self->max_block_frames);
  if (!self->analysis) {
    lv2_log_error(&self->logger,
                  "Tandem: cannot analyse audio at %.0f Hz (22050 to 192000 Hz work); "
                  "playing without listening\n",
                  self->sample_rate);
  }

  char err[TANDEM_STATUS_MAX + TANDEM_PATH_MAX] = "";
  if (!tandem_worker_start(self->worker, bundle_path, self->patterns, &self->logger, err,
                           sizeof(err))) {
    lv2_log_error(&self->logger, "Tandem: %s; only the trigger role can play\n", err);
    /* Long paths are cut to the status length; the log above has the whole line. */
    copy_text(self->status, sizeof(self->status), "error: ");
    copy_text(self->status + 7, sizeof(self->status) - 7, err);
  } else {
    if (err[0]) {
      lv2_log_warning(&self->logger, "Tandem: %s\n", err);
    }
    copy_text(self->status, sizeof(self->status), "idle");
  }
  if (!self->analysis) {
    snprintf(self->status, sizeof(self->status),
             "error: cannot analyse audio at %.0f Hz; playing without listening",
             self->sample_rate);
    self->readout.rms_db = self->readout.peak_db = -120.0f;
    for (int b = 0; b < TANDEM_N_BANDS; ++b) {
      self->readout.bands_db[b] = -120.0f;
    }
  }
  self->status_dirty = true;

  tandem_pattern_init(&self->trigger_pattern, TANDEM_ROLE_TRIGGER, 1, 4, 4);
  self->player_seed = 1;
  atomic_init(&self->pattern_phase, -1);
  tandem_player_init(&self->player, self->sample_rate);
  tandem_player_params_default(&self->player_params);
  tandem_player_set_seed(&self->player, self->player_seed);
  reset_position(self);

  tandem_llm_config_msg_default(&self->llm_config);
  self->intent.tempo_factor = 1.0f;
  atomic_init(&self->restored_llm_status, 0u);
  /* Settings from the environment (TANDEM_LLM_URL) are already in the client. */
  self->llm_status = (uint32_t)tandem_worker_llm_status(self->worker);
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
  default:
    tandem_controls_connect(&self->controls, port, data);
    break;
  }
}

static void activate(LV2_Handle instance)
{
  Tandem* self = (Tandem*)instance;
  if (self->analysis) {
    tandem_analysis_reset(self->analysis);
  }
  /* The analysis clock restarts at 0, so the bar being measured is void. */
  tandem_bar_accum_init(&self->bar_acc);
  self->bars_on_downbeats = false;
  self->beats_fed = 0;
  tandem_progression_init(&self->progression);
  reset_position(self);
  self->notes_off_pending = true;
  self->status_dirty = true;
}

/* ---- run() and its helpers (audio thread) ---- */

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

/* Writes patch:Set <property> <string> to the notify port.  False if it did not fit. */
static bool forge_property(Tandem* self, int64_t frame, LV2_URID property, LV2_URID type,
                           const char* text)
{
  const TandemURIs* u = &self->uris;
  LV2_Atom_Forge* forge = &self->forge;
  const ForgeMark mark = forge_mark(self);
  LV2_Atom_Forge_Frame obj;
  bool ok = lv2_atom_forge_frame_time(forge, frame) &&
            lv2_atom_forge_object(forge, &obj, 0, u->patch_Set);
  if (ok) {
    ok = lv2_atom_forge_key(forge, u->patch_property) &&
         lv2_atom_forge_urid(forge, property) &&
         lv2_atom_forge_key(forge, u->patch_value) &&
         lv2_atom_forge_typed_string(forge, type, text, (uint32_t)strlen(text));
    lv2_atom_forge_pop(forge, &obj);
  }
  if (!ok) {
    forge_rollback(self, mark);
  }
  return ok;
}

static bool forge_midi(Tandem* self, const TandemMidiEvent* ev)
{
  const ForgeMark mark = forge_mark(self);
  const LV2_Atom midi = {ev->size, self->uris.midi_MidiEvent};
  if (lv2_atom_forge_frame_time(&self->forge, ev->frame) &&
      lv2_atom_forge_raw(&self->forge, &midi, sizeof(midi)) &&
      lv2_atom_forge_raw(&self->forge, ev->data, ev->size)) {
    lv2_atom_forge_pad(&self->forge, ev->size);
    return true;
  }
  forge_rollback(self, mark);
  return false;
}

static bool urid_value(const Tandem* self, const LV2_Atom* atom, LV2_URID* out)
{
  if (!atom || atom->type != self->uris.atom_URID || atom->size < sizeof(LV2_URID)) {
    return false;
  }
  *out = ((const LV2_Atom_URID*)atom)->body;
  return true;
}

static void handle_patch_get(Tandem* self, const LV2_Atom_Object* obj)
{
  const LV2_Atom* property = NULL;
  lv2_atom_object_get(obj, self->uris.patch_property, &property, 0);
  LV2_URID key = 0;
  if (!property) {
    /* A Get with no property asks for everything. */
    self->status_dirty = true;
    self->style_file_notify = true;
    self->export_path_notify = true;
    self->profile_path_notify = true;
    self->prompt_notify = true;
  } else if (urid_value(self, property, &key)) {
    if (key == self->uris.tandem_status) {
      self->status_dirty = true;
    } else if (key == self->uris.tandem_styleFile) {
      self->style_file_notify = true;
    } else if (key == self->uris.tandem_exportPath) {
      self->export_path_notify = true;
    } else if (key == self->uris.tandem_profilePath) {
      self->profile_path_notify = true;
    } else if (key == self->uris.tandem_prompt) {
      self->prompt_notify = true;
    } else {
      tandem_ui_feed_on_get(&self->ui_feed, key);
    }
  }
}

/* Copies an atom string body (size bytes, maybe unterminated) into dst; never reads
 * past the body's size. */
static void copy_atom_text(char* dst, size_t cap, const LV2_Atom* value)
{
  const char* text = (const char*)LV2_ATOM_BODY_CONST(value);
  size_t i = 0;
  for (; i < value->size && i + 1 < cap && text[i]; ++i) {
    dst[i] = text[i];
  }
  dst[i] = '\0';
}

/* The prompt (setting it sends it) and the model's text settings. */
static void handle_llm_text(Tandem* self, LV2_URID key, const LV2_Atom* value)
{
  TandemLlmConfigMsg* c = &self->llm_config;
  if (key == self->uris.tandem_prompt) {
    copy_atom_text(self->prompt, sizeof(self->prompt), value);
    self->prompt_pending = self->prompt[0] != '\0';
    self->prompt_notify = true;
    return;
  }
  if (key == self->uris.tandem_llmFallbacks) {
    copy_atom_text(self->llm_fallbacks.text, sizeof(self->llm_fallbacks.text), value);
    self->llm_fallbacks.type = TANDEM_MSG_LLM_FALLBACKS;
    self->llm_fallbacks_dirty = true;
    return;
  }
  if (key == self->uris.tandem_llmUrl) {
    copy_atom_text(c->url, sizeof(c->url), value);
    c->fields |= TANDEM_LLM_FIELD_URL;
  } else if (key == self->uris.tandem_llmModel) {
    copy_atom_text(c->model, sizeof(c->model), value);
    c->fields |= TANDEM_LLM_FIELD_MODEL;
  } else {
    char name[16];
    copy_atom_text(name, sizeof(name), value);
    const int kind = tandem_llm_provider_parse(name);
    if (kind < 0) {
      return;
    }
    c->provider = (uint32_t)kind;
    c->fields |= TANDEM_LLM_FIELD_PROVIDER;
  }
  self->llm_config_dirty = true;
}

static bool atom_number(const Tandem* self, const LV2_Atom* a, double* out)
{
  return tandem_atom_number(&self->uris, a, out);
}

/* The model's numeric settings, and send (any true value re-sends the prompt). */
static void handle_llm_number(Tandem* self, LV2_URID key, const LV2_Atom* value)
{
  double v = 0.0;
  if (!atom_number(self, value, &v)) {
    return;
  }
  TandemLlmConfigMsg* c = &self->llm_config;
  if (key == self->uris.tandem_send) {
    self->prompt_pending = v > 0.5 && self->prompt[0] != '\0';
    return;
  }
  if (key == self->uris.tandem_llmTimeout) {
    c->timeout_s = (float)(v < 1.0 ? 1.0 : v > 600.0 ? 600.0 : v);
    c->fields |= TANDEM_LLM_FIELD_TIMEOUT;
  } else if (key == self->uris.tandem_llmTemperature) {
    c->temperature = (float)(v < 0.0 ? 0.0 : v > 2.0 ? 2.0 : v);
    c->fields |= TANDEM_LLM_FIELD_TEMPERATURE;
  } else {
    c->max_tokens = (int32_t)(v < 256.0 ? 256.0 : v > 65536.0 ? 65536.0 : v);
    c->fields |= TANDEM_LLM_FIELD_MAX_TOKENS;
  }
  self->llm_config_dirty = true;
}

static void handle_patch_set(Tandem* self, const LV2_Atom_Object* obj)
{
  const LV2_Atom* property = NULL;
  const LV2_Atom* value = NULL;
  lv2_atom_object_get(obj, self->uris.patch_property, &property, self->uris.patch_value,
                      &value, 0);
  LV2_URID key = 0;
  if (!urid_value(self, property, &key) || !value) {
    return;
  }
  if (key == self->uris.tandem_styleFile &&
      (value->type == self->uris.atom_Path || value->type == self->uris.atom_String)) {
    copy_atom_text(self->style_file, sizeof(self->style_file), value);
    self->style_file_dirty = true;
    self->style_file_notify = true;
  } else if (key == self->uris.tandem_exportPath &&
             (value->type == self->uris.atom_Path ||
              value->type == self->uris.atom_String)) {
    copy_atom_text(self->export_path, sizeof(self->export_path), value);
    self->export_path_notify = true;
  } else if (key == self->uris.tandem_profilePath &&
             (value->type == self->uris.atom_Path ||
              value->type == self->uris.atom_String)) {
    copy_atom_text(self->profile_path, sizeof(self->profile_path), value);
    self->profile_path_notify = true;
  } else if (value->type == self->uris.atom_String &&
             (key == self->uris.tandem_prompt || key == self->uris.tandem_llmUrl ||
              key == self->uris.tandem_llmModel || key == self->uris.tandem_llmProvider ||
              key == self->uris.tandem_llmFallbacks)) {
    handle_llm_text(self, key, value);
  } else if (key == self->uris.tandem_llmTimeout ||
             key == self->uris.tandem_llmTemperature ||
             key == self->uris.tandem_llmMaxTokens || key == self->uris.tandem_send) {
    handle_llm_number(self, key, value);
  }
  /* A patch:Set of an unknown or read-only property is ignored, as LV2 asks. */
}

/* True if the event's header and body lie before end (the end of its sequence). */
static bool event_fits(const LV2_Atom_Event* ev, const uint8_t* end)
{
  const uint8_t* p = (const uint8_t*)ev;
  if (p > end || (size_t)(end - p) < sizeof(LV2_Atom_Event)) {
    return false;
  }
  return ev->body.size <= (size_t)(end - p) - sizeof(LV2_Atom_Event);
}

/* Counts an onset into the 16th step of the bar it fell in, for the melody's sense
 * of where the input is busy. */
static void count_busy(Tandem* self, const TandemClockPos* pos, uint32_t start)
{
  if (pos->speed <= 0.0 || pos->bpm <= 0.0) {
    return;
  }
  if (pos->bar != self->busy_bar) {
    for (int i = 0; i < TANDEM_BUSY_STEPS; ++i) {
      const float hit = self->busy_count[i] > 1.0f ? 1.0f : self->busy_count[i];
      self->busy[i] = 0.5f * self->busy[i] + 0.5f * hit;
      self->busy_count[i] = 0.0f;
    }
    self->busy_bar = pos->bar;
  }
  const double beats_per_frame = pos->bpm * pos->speed / (60.0 * self->sample_rate);
  for (uint32_t i = 0; i < self->n_onsets; ++i) {
    if (self->onsets[i].frame < start) {
      continue;
    }
    const double beat = pos->bar_beat + (self->onsets[i].frame - start) * beats_per_frame;
    const int step = (int)floor(beat * 16.0 / (pos->beat_unit > 0 ? pos->beat_unit : 4));
    if (step >= 0 && step < TANDEM_BUSY_STEPS) {
      self->busy_count[step] += 1.0f;
    }
  }
}

/* Moves the per-class onset record to `bar`: the bar playing becomes a whole bar
 * when the next one starts; a jump anywhere else starts the record over. */
static void roll_llm_onsets(Tandem* self, int64_t bar)
{
  if (bar == self->llm_onset_bar || bar == self->llm_onset_bar - 1) {
    return; /* a late onset of the bar before: recorded in its own row */
  }
  const size_t row = sizeof(self->llm_onsets[0]);
  if (bar == self->llm_onset_bar + 1 || bar == self->llm_onset_bar + 2) {
    for (int64_t b = self->llm_onset_bar; b < bar; ++b) {
      memmove(self->llm_onsets[0], self->llm_onsets[1], row * TANDEM_LLM_ONSET_BARS);
      memset(self->llm_onsets[TANDEM_LLM_ONSET_BARS], 0, row);
      if (self->llm_onset_bars_done < TANDEM_LLM_ONSET_BARS) {
        ++self->llm_onset_bars_done;
      }
    }
  } else {
    memset(self->llm_onsets, 0, sizeof(self->llm_onsets));
    self->llm_onset_bars_done = 0;
  }
  self->llm_onset_bar = bar;
}

/* Records this segment's onsets by class on the 16th grid of their bar (at the
 * time each really began), for the model's prompt. */
static void record_llm_onsets(Tandem* self, const TandemClockPos* pos, uint32_t start,
                              uint32_t end)
{
  if (pos->speed <= 0.0 || pos->bpm <= 0.0 || pos->beats_per_bar <= 0.0) {
    return;
  }
  roll_llm_onsets(self, pos->bar);
  const double unit = pos->beat_unit > 0 ? pos->beat_unit : 4;
  const double beats_per_frame = pos->bpm * pos->speed / (60.0 * self->sample_rate);
  for (uint32_t i = 0; i < self->n_onsets; ++i) {
    const TandemOnsetEvent* e = &self->onsets[i];
    if (e->frame < start || e->frame >= end) {
      continue;
    }
    const double beat =
        pos->bar_beat + ((double)e->frame - e->delay - start) * beats_per_frame;
    const double bars = floor(beat / pos->beats_per_bar);
    if (bars < -1.0 || bars > 1.0) {
      continue;
    }
    const int step = (int)floor((beat - bars * pos->beats_per_bar) * 16.0 / unit);
    const int64_t bar = pos->bar + (int64_t)bars;
    if (bar > self->llm_onset_bar) {
      roll_llm_onsets(self, bar);
    }
    const int64_t row = TANDEM_LLM_ONSET_BARS - (self->llm_onset_bar - bar);
    if (row >= 0 && row <= TANDEM_LLM_ONSET_BARS && step >= 0 && step < 16) {
      /* each drum the onset holds; an onset with none in the last row, other */
      for (int d = 0; d < TANDEM_LLM_ONSET_BANDS; ++d) {
        const bool held =
            d < TANDEM_ONSET_OTHER ? (e->drums & (1u << d)) != 0 : e->drums == 0;
        if (held) {
          self->llm_onsets[row][d] |= (uint16_t)(1u << step);
        }
      }
    }
  }
}

/* The key and chord pitched parts resolve against: the key of the controls if
 * fixed, else the one heard (or last heard), else C major; the chord of the
 * progression's plan (progression.h), else the key's tonic triad. */
static void update_harmony(Tandem* self)
{
  const TandemHarmonyEstimate* h = &self->readout.harmony;
  /* The key heard now, or the last one heard while the input is drums alone. */
  const bool heard_key = h->key_heard;
  TandemHarmony* out = &self->harmony;
  out->key_root = (uint8_t)(self->ctl.key >= 0 ? self->ctl.key
                            : heard_key        ? h->key_root % 12
                                               : 0);
  out->scale = (uint8_t)(self->ctl.scale >= 0             ? self->ctl.scale
                         : heard_key && self->ctl.key < 0 ? h->key_scale
                                                          : TANDEM_SCALE_MAJOR);
  uint8_t root, quality;
  if (tandem_progression_chord(&self->progression, &root, &quality) &&
      (self->ctl.key < 0 || tandem_pitch_in_scale(out, root))) {
    out->chord_root = root % 12;
    out->chord_quality = quality % TANDEM_CHORD_COUNT;
  } else {
    /* No chord heard yet (or one outside the fixed key): the key's tonic triad. */
    const uint8_t* steps = tandem_scale_steps((TandemScale)out->scale);
    const int size = tandem_scale_size((TandemScale)out->scale);
    const bool minor_third = size >= 3 && steps[2] == 3;
    out->chord_root = out->key_root;
    out->chord_quality = minor_third ? TANDEM_CHORD_MIN : TANDEM_CHORD_MAJ;
  }
}

static void send_bar(Tandem* self, TandemBarSnapshotMsg* snap);

/* Puts a restored pattern back in the bars it played in (the player anchors a
 * pattern at the bar it takes over: at once while stopped, so at session load
 * before any note), and publishes the phase of the pattern playing for save(). */
static void keep_pattern_phase(Tandem* self)
{
  TandemPlayer* p = &self->player;
  if (!p->has_pattern || p->pattern.bars == 0) {
    return;
  }
  if (self->restored_phase_pending && p->pattern.serial == self->restored_serial) {
    p->anchor_bar = self->restored_phase;
    self->restored_phase_pending = false;
  }
  const int64_t bars = p->pattern.bars;
  const int64_t phase = ((p->anchor_bar % bars) + bars) % bars;
  atomic_store_explicit(&self->pattern_phase, (int)phase, memory_order_relaxed);
}

/* Gives the bar features a beat of the clock at time_s (analysis clock).  Beats
 * before the first downbeat are left out.  In 4/4, a downbeat that does not fall
 * on a measured bar's start (after a jump) starts measuring afresh from it; other
 * meters keep 4-beat bars (barfeatures.h), which drift across their bar lines. */
static void feed_beat(Tandem* self, double time_s, bool downbeat, double beats_per_bar)
{
  if (!downbeat && !self->bars_on_downbeats) {
    return;
  }
  if (downbeat && beats_per_bar == TANDEM_BAR_BEATS &&
      self->beats_fed % TANDEM_BAR_BEATS != 0) {
    tandem_bar_accum_init(&self->bar_acc);
    self->beats_fed = 0;
  }
  self->bars_on_downbeats = true;
  ++self->beats_fed;
  TandemBarSnapshotMsg snap;
  if (tandem_bar_accum_beat(&self->bar_acc, time_s, &snap.bar)) {
    send_bar(self, &snap);
  }
}

/* A beat ends in the segment about to play, beat_frame frames into it: its chord
 * is heard (the analysis has the whole block already) and the plan for the new
 * beat is made before the segment's notes are resolved, so that a note on the beat
 * gets that beat's chord; notes held into a changed chord are struck again. */
static void plan_beat(Tandem* self, const TandemClockPos* pos, uint32_t beat_frame)
{
  const TandemHarmony before = self->harmony;
  tandem_analysis_beat(self->analysis);
  TandemHarmonyEstimate h;
  tandem_analysis_get_harmony(self->analysis, &h);
  tandem_progression_beat(&self->progression, pos->bar, (int)floor(pos->bar_beat),
                          (int)ceil(pos->beats_per_bar - 1e-9), h.has_chord, h.chord_root,
                          h.chord_quality);
  update_harmony(self);
  if (self->harmony.chord_root != before.chord_root ||
      self->harmony.chord_quality != before.chord_quality) {
    tandem_player_revoice(&self->player, beat_frame);
  }
}

static void play_segment(Tandem* self, uint32_t start, uint32_t end)
{
  if (end <= start) {
    return;
  }
  const uint32_t frames = end - start;
  const TandemTransport* host = self->transport.has_host ? &self->transport : NULL;
  TandemClockPos pos;
  tandem_clock_position(&self->clock, host, &self->readout.tempo,
                        (double)(self->block_frames - start), &pos);
  count_busy(self, &pos, start);
  record_llm_onsets(self, &pos, start, end);
  tandem_ui_feed_segment(&self->ui_feed, &pos, start, end, &self->player, self->onsets,
                         self->n_onsets);
  const bool rolling = pos.speed > 0.0 && pos.bpm > 0.0 && self->analysis;
  const double beats =
      rolling ? frames * pos.bpm * pos.speed / (60.0 * self->sample_rate) : 0.0;
  const bool beat_ends = rolling && floor(pos.bar_beat + beats) > floor(pos.bar_beat);
  const double to_beat =
      beat_ends ? (floor(pos.bar_beat) + 1.0 - pos.bar_beat) / beats * frames : 0.0;
  if (beat_ends) {
    plan_beat(self, &pos, (uint32_t)ceil(to_beat));
  }

  self->n_midi += tandem_player_process(
      &self->player, &pos, start, frames, &self->harmony, self->onsets, self->n_onsets,
      self->readout.rms_db, self->midi + self->n_midi,
      self->midi_budget > self->n_midi ? self->midi_budget - self->n_midi : 0);
  keep_pattern_phase(self);

  if (rolling) {
    const double block_start_s =
        (double)(self->readout.frames - self->block_frames) / self->sample_rate;
    if (!self->bars_on_downbeats && pos.bar_beat == 0.0) {
      /* Rolling from a bar line: that is the first downbeat. */
      feed_beat(self, block_start_s + start / self->sample_rate, true, pos.beats_per_bar);
    }
    if (beat_ends) {
      /* The beat's time on the analysis clock, for the bar features. */
      const bool downbeat = floor(pos.bar_beat) + 1.0 >= pos.beats_per_bar - 1e-9;
      feed_beat(self, block_start_s + (start + to_beat) / self->sample_rate, downbeat,
                pos.beats_per_bar);
    }
  }
  tandem_clock_advance(&self->clock, frames);
  tandem_transport_advance(&self->transport, frames, self->sample_rate);
}

/* A pattern from restored state plays as it is: it gets the newest serial, so
 * answers to older requests are dropped, and send_requests takes it as the answer
 * to the settings of this block (after its transport events), so nothing asks for
 * a new pattern until a setting changes. */
static void take_restored_pattern(Tandem* self, uint32_t size)
{
  if (size != sizeof(self->incoming) || !tandem_pattern_valid(&self->incoming) ||
      self->incoming.role != (uint8_t)self->ctl.role) {
    return;
  }
  /* The serial field carries the saved phase (worker/state.h). */
  self->restored_phase = (int32_t)(self->incoming.serial % self->incoming.bars);
  self->incoming.serial = ++self->serial;
  if (tandem_player_queue_pattern(&self->player, &self->incoming)) {
    self->playing_serial = self->incoming.serial;
    self->restored_serial = self->incoming.serial;
    self->restored_phase_pending = true;
    if (!self->transport.has_host) {
      tandem_clock_set_meter(&self->clock, self->incoming.beats_per_bar,
                             self->incoming.beat_unit);
    }
    self->adopt_restored = true;
  }
}

/* After a freewheel export, the model pattern held back during it plays from the
 * next bar line.  It gets a new serial: parts made during the export are older
 * than the request it answers, not newer. */
static void release_held_model(Tandem* self)
{
  if (!self->has_held_model || self->ctl.free_wheeling) {
    return;
  }
  self->has_held_model = false;
  if (self->held_model.role != (uint8_t)self->ctl.role) {
    return;
  }
  self->held_model.serial = ++self->serial;
  if (tandem_player_queue_pattern(&self->player, &self->held_model)) {
    self->playing_serial = self->held_model.serial;
    self->keep_current = true;
  }
}

/* Reads the worker's finished patterns; the newest of the current role plays next. */
static void take_patterns(Tandem* self)
{
  uint32_t type = 0;
  uint32_t size = 0;
  for (;;) {
    const TandemRingStatus st = tandem_ring_read_msg(
        self->patterns, &type, &self->incoming, sizeof(self->incoming), &size);
    if (st == TANDEM_RING_EMPTY) {
      break;
    }
    if (st == TANDEM_RING_OK && type == TANDEM_RING_RESTORED_PATTERN) {
      take_restored_pattern(self, size);
      continue;
    }
    const bool from_model = type == TANDEM_RING_MODEL_PATTERN;
    if (st != TANDEM_RING_OK || (type != TANDEM_RING_PATTERN && !from_model) ||
        size != sizeof(self->incoming) || !tandem_pattern_valid(&self->incoming) ||
        self->incoming.role != (uint8_t)self->ctl.role ||
        self->incoming.serial <= self->playing_serial) {
      continue;
    }
    if (from_model && self->ctl.free_wheeling) {
      /* An export plays what played before it; the reply waits for its end. */
      memcpy(&self->held_model, &self->incoming, sizeof(self->held_model));
      self->has_held_model = true;
      continue;
    }
    if (tandem_player_queue_pattern(&self->player, &self->incoming)) {
      self->playing_serial = self->incoming.serial;
      /* What the musician asked the model for stays until they change a control. */
      self->keep_current = from_model;
      if (!self->transport.has_host) {
        tandem_clock_set_meter(&self->clock, self->incoming.beats_per_bar,
                               self->incoming.beat_unit);
      }
    }
  }
  release_held_model(self);
}

static void update_player_params(Tandem* self)
{
  const TandemControls* c = &self->ctl;
  TandemPlayerParams p = self->player_params;
  p.enabled = !self->enabled || *self->enabled > 0.5f;
  p.hold = c->hold;
  const bool drums = c->role == TANDEM_ROLE_DRUMS || c->role == TANDEM_ROLE_TRIGGER;
  p.channel = (uint8_t)(c->channel > 0 ? c->channel : drums ? 10 : 1);
  p.octave = (int8_t)c->octave;
  /* 0 lets the player use each pattern's own swing from the bar it takes over. */
  p.swing_pct = c->swing_pct >= 50.0f ? c->swing_pct : 0.0f;
  p.swing_grid_ticks = 0;
  p.humanize_ms = c->humanize_ms;
  p.velocity_humanize = c->velocity_humanize;
  p.follow = c->follow;
  p.dynamics_follow = c->follow;
  if (memcmp(&p, &self->player_params, sizeof(p)) != 0) {
    self->player_params = p;
    tandem_player_set_params(&self->player, &p);
  }
  if (c->seed != self->player_seed) {
    self->player_seed = c->seed;
    tandem_player_set_seed(&self->player, c->seed);
  }
}

static GenerationKey generation_key(const Tandem* self)
{
  const TandemControls* c = &self->ctl;
  GenerationKey k;
  memset(&k, 0, sizeof(k));
  k.role = (int)c->role;
  k.style = c->style;
  k.complexity = c->complexity;
  k.density = c->density;
  k.energy = c->energy;
  k.fill = c->fill;
  k.bars = c->bars;
  k.seed = c->seed;
  if (self->transport.has_host) {
    k.beats_per_bar = (int)lrint(self->transport.beats_per_bar);
    k.beat_unit = self->transport.beat_unit;
  }
  k.section = self->song_section;
  if (c->style == 0 && self->song_auto_style > 0) {
    /* Genre decides (with hysteresis in the worker): tempo wobble asks for nothing. */
    k.genre_style = self->song_auto_style;
  } else if (c->style == 0 && !self->transport.has_host &&
             self->readout.tempo.confidence >= 0.5f && self->readout.tempo.bpm > 0.0f) {
    /* Auto style goes by tempo: ask again only when it moves by a step of ~8%. */
    k.auto_bpm = exp2f(roundf(log2f(self->readout.tempo.bpm) * 9.0f) / 9.0f);
  }
  return k;
}

static bool schedule(Tandem* self, uint32_t size, const void* data)
{
  return self->schedule->schedule_work(self->schedule->handle, size, data) ==
         LV2_WORKER_SUCCESS;
}

/* Hands one closed bar to work() for genre and section detection.  A full
 * worker ring drops the bar: detection smooths over bars anyway. */
static void send_bar(Tandem* self, TandemBarSnapshotMsg* snap)
{
  snap->type = TANDEM_MSG_BAR_SNAPSHOT;
  /* A serial for a section fill the worker may send; none while hold keeps the
   * part as it is (the player would drop the fill, and the worker's part, which
   * the state saves, would turn away from the one playing). */
  snap->serial = self->ctl.hold ? 0u : self->serial + 1;
  snap->playing = self->player.has_pattern ? self->player.pattern.serial : 0u;
  if (schedule(self, sizeof(*snap), snap) && snap->serial) {
    self->serial = snap->serial;
  }
}

/* Feeds this block's onsets and readout to the bar features; closes a timed
 * bar when no beats have come for a while. */
static void accumulate_bar(Tandem* self)
{
  for (uint32_t i = 0; i < self->n_onsets; ++i) {
    const TandemOnsetEvent* e = &self->onsets[i];
    tandem_bar_accum_onset(&self->bar_acc, e->time_s, e->strength, e->drums);
  }
  const TandemAnalysisReadout* r = &self->readout;
  tandem_bar_accum_readout(&self->bar_acc, (double)r->frames / self->sample_rate,
                           r->bands_db, r->rms_db, r->peak_db, r->crest_db,
                           r->centroid_hz, r->flux, r->tempo.bpm, r->tempo.confidence);
  TandemBarSnapshotMsg snap;
  if (tandem_bar_accum_poll(&self->bar_acc, &snap.bar)) {
    send_bar(self, &snap);
  }
}

/* True on the block a trigger port goes from off to on. */
static float clamp01(float v)
{
  return v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
}

static bool rising(bool on, bool* was_on)
{
  const bool edge = on && !*was_on;
  *was_on = on;
  return edge;
}

/* Like, dislike, reset learning and export go to the worker, which holds the
 * pattern playing and the learning.  One that the worker cannot take now is
 * tried again next block. */
static void send_feedback_and_export(Tandem* self)
{
  const TandemControls* c = &self->ctl;
  if (rising(c->like, &self->like_was_on)) {
    self->feedback_pending = TANDEM_FEEDBACK_LIKE;
  }
  if (rising(c->dislike, &self->dislike_was_on)) {
    self->feedback_pending = TANDEM_FEEDBACK_DISLIKE;
  }
  if (rising(c->reset_learning, &self->reset_learning_was_on)) {
    self->feedback_pending = TANDEM_FEEDBACK_RESET;
  }
  if (rising(c->export_midi, &self->export_was_on)) {
    self->export_pending = true;
  }
  if (self->feedback_pending) {
    memset(&self->feedback_msg, 0, sizeof(self->feedback_msg));
    self->feedback_msg.type = TANDEM_MSG_FEEDBACK;
    self->feedback_msg.kind = self->feedback_pending;
    if (schedule(self, sizeof(self->feedback_msg), &self->feedback_msg)) {
      self->feedback_pending = 0;
    }
  }
  if (self->export_pending) {
    TandemExportMsg* msg = &self->export_msg;
    memset(msg, 0, sizeof(*msg));
    msg->type = TANDEM_MSG_EXPORT;
    msg->n_variations = (uint32_t)c->export_variations;
    msg->key_root = self->harmony.key_root;
    msg->scale = self->harmony.scale;
    msg->chord_root = self->harmony.chord_root;
    msg->chord_quality = self->harmony.chord_quality;
    msg->channel = self->player_params.channel;
    msg->octave = self->player_params.octave;
    msg->bpm = self->transport.has_host                 ? (float)self->transport.bpm
               : self->readout.tempo.confidence >= 0.5f ? self->readout.tempo.bpm
                                                        : 0.0f;
    copy_text(msg->path, sizeof(msg->path), self->export_path);
    if (schedule(self, sizeof(*msg), msg)) {
      self->export_pending = false;
    }
  }
}

/* The learn toggle and save_profile: small messages to the worker, which owns
 * the capture and writes the file.  One the worker cannot take now is tried
 * again next block; a save always follows the learn state sent before it. */
static void send_groove(Tandem* self)
{
  const TandemControls* c = &self->ctl;
  if (rising(c->save_profile, &self->save_profile_was_on)) {
    self->save_profile_pending = true;
  }
  TandemGrooveMsg* msg = &self->groove_msg;
  if (c->learn != self->learn_sent) {
    memset(msg, 0, sizeof(*msg));
    msg->type = TANDEM_MSG_GROOVE;
    msg->action = c->learn ? TANDEM_GROOVE_START : TANDEM_GROOVE_STOP;
    if (!schedule(self, sizeof(*msg), msg)) {
      return;
    }
    self->learn_sent = c->learn;
  }
  if (self->save_profile_pending) {
    memset(msg, 0, sizeof(*msg));
    msg->type = TANDEM_MSG_GROOVE;
    msg->action = TANDEM_GROOVE_SAVE;
    copy_text(msg->path, sizeof(msg->path), self->profile_path);
    if (schedule(self, sizeof(*msg), msg)) {
      self->save_profile_pending = false;
    }
  }
}

/* What the track is doing now, for a model request: tempo, meter, key and chord,
 * the onsets of the last two whole bars per class (kick, snare, hat, other), the
 * genre and section work() last reported. */
static void fill_llm_request(Tandem* self, TandemLlmRequestMsg* m)
{
  memset(m, 0, sizeof(*m));
  m->type = TANDEM_MSG_LLM_REQUEST;
  m->role = (uint8_t)self->ctl.role;
  m->style = (uint8_t)self->ctl.style;
  m->bars = (uint8_t)self->ctl.bars;
  const int bpb =
      self->transport.has_host ? (int)lrint(self->transport.beats_per_bar) : 4;
  const int unit = self->transport.has_host ? self->transport.beat_unit : 4;
  const bool meter_ok = bpb >= 1 && bpb <= 16 && (unit == 4 || unit == 8);
  m->beats_per_bar = (uint8_t)(meter_ok ? bpb : 4);
  m->beat_unit = (uint8_t)(meter_ok ? unit : 4);
  m->tempo_bpm =
      self->transport.has_host ? (float)self->transport.bpm : self->readout.tempo.bpm;
  m->tempo_confidence = self->transport.has_host ? 1.0f : self->readout.tempo.confidence;
  const TandemHarmonyEstimate* h = &self->readout.harmony;
  m->key_known = h->key_confidence > 0.0f;
  m->key_root = h->key_root % 12;
  m->key_scale = h->key_scale;
  if (h->has_chord) {
    m->n_chords = 1;
    m->chord_known[0] = 1;
    m->chord_root[0] = h->chord_root % 12;
    m->chord_quality[0] = h->chord_quality;
  }
  if (self->llm_onset_bars_done > 0) {
    m->onsets_known = 1;
    memcpy(m->onset_steps, self->llm_onsets, sizeof(m->onset_steps));
  }
  m->energy = self->ctl.energy;
  m->genre = self->song_genre;
  m->genre_confidence = self->song_genre_confidence;
  m->section = (uint8_t)(self->song_section > 0 ? self->song_section : 0);
  m->local_only = self->ctl.free_wheeling ? 1 : 0;
  copy_text(m->text, sizeof(m->text), self->prompt);
}

/* The model's settings, a prompt to send, the alternative to play, and while a
 * reply is awaited a poll message every LLM_POLL_INTERVAL_S.  Each pattern message
 * reserves the next serial when it is scheduled. */
static void send_llm(Tandem* self)
{
  const unsigned restored =
      atomic_exchange_explicit(&self->restored_llm_status, 0u, memory_order_acquire);
  if (restored) {
    self->llm_status = restored - 1u;
  }
  if (self->llm_config_dirty &&
      schedule(self, sizeof(self->llm_config), &self->llm_config)) {
    self->llm_config_dirty = false;
    self->llm_config.fields = 0; /* the next message carries what changes next */
  }
  if (self->llm_fallbacks_dirty &&
      schedule(self, sizeof(self->llm_fallbacks), &self->llm_fallbacks)) {
    self->llm_fallbacks_dirty = false;
  }
  if (rising(self->ctl.send, &self->send_was_on) && self->prompt[0]) {
    self->prompt_pending = true;
  }
  if (self->prompt_pending && self->ctl.role != TANDEM_ROLE_TRIGGER) {
    fill_llm_request(self, &self->llm_request);
    self->llm_request.serial = self->serial + 1;
    if (schedule(self, sizeof(self->llm_request), &self->llm_request)) {
      self->serial = self->llm_request.serial;
      self->prompt_pending = false;
      self->frames_since_poll = 0;
    }
  }
  if (self->ctl.alternative != self->alternative) {
    self->alternative = self->ctl.alternative;
    self->alternative_pending = true;
  }
  if (self->alternative_pending) {
    if ((uint32_t)self->alternative >= self->llm_n_alts) {
      self->alternative_pending = false; /* nothing to step to (yet) */
    } else {
      self->alt_msg.type = TANDEM_MSG_LLM_ALTERNATIVE;
      self->alt_msg.index = (uint32_t)self->alternative;
      self->alt_msg.serial = self->serial + 1;
      if (schedule(self, sizeof(self->alt_msg), &self->alt_msg)) {
        self->serial = self->alt_msg.serial;
        self->alternative_pending = false;
      }
    }
  }
  self->frames_since_poll += self->block_frames;
  if (self->was_free_wheeling && !self->ctl.free_wheeling) {
    /* A reply that came during the export plays from the next bar: ask now. */
    self->frames_since_poll = (uint64_t)(LLM_POLL_INTERVAL_S * self->sample_rate) + 1u;
  }
  self->was_free_wheeling = self->ctl.free_wheeling;
  if (!self->ctl.free_wheeling && self->llm_status == TANDEM_LLM_STATUS_WAITING &&
      (double)self->frames_since_poll >= LLM_POLL_INTERVAL_S * self->sample_rate) {
    self->bar_msg.type = TANDEM_MSG_LLM_BAR;
    self->bar_msg.apply = 1;
    self->bar_msg.serial = self->serial + 1;
    if (schedule(self, sizeof(self->bar_msg), &self->bar_msg)) {
      self->serial = self->bar_msg.serial;
      self->frames_since_poll = 0;
    }
  }
}

/* Adds the plain-language modifiers to the controls as read from the ports. */
static void apply_intent(Tandem* self)
{
  TandemControls* c = &self->ctl;
  const TandemLlmIntentMsg* in = &self->intent;
  c->energy = clamp01(c->energy + in->energy);
  c->complexity = clamp01(c->complexity + in->complexity);
  c->density = clamp01(c->density + in->density);
  c->fill = clamp01(c->fill + in->fill);
  const int octave = c->octave + in->octave;
  c->octave = octave < -3 ? -3 : octave > 3 ? 3 : octave;
  if (in->straight) {
    c->swing_pct = 50.0f;
  } else if (in->swing_pct != 0.0f) {
    const float playing =
        self->player.has_pattern ? self->player.pattern.swing_pct : 0.0f;
    const float base = c->swing_pct >= 50.0f ? c->swing_pct
                       : playing >= 50.0f    ? playing
                                             : 50.0f;
    const float s = base + in->swing_pct;
    c->swing_pct = s < 50.0f ? 50.0f : s > 75.0f ? 75.0f : s;
  }
}

/* Asks the worker for what run() needs: a user profile, a new pattern.  A request
 * that the worker cannot take now (its queue full) is tried again next block. */
static void send_requests(Tandem* self)
{
  self->frames_since_request += self->block_frames;
  send_feedback_and_export(self);
  send_groove(self);
  send_llm(self);

  if (self->style_file_dirty) {
    memset(&self->style_msg, 0, sizeof(self->style_msg));
    self->style_msg.type = TANDEM_MSG_STYLE_FILE;
    copy_text(self->style_msg.path, sizeof(self->style_msg.path), self->style_file);
    if (schedule(self, sizeof(self->style_msg), &self->style_msg)) {
      self->style_file_dirty = false;
      self->request_pending = true; /* regenerate from the new profile */
    }
  }

  if (self->ctl.role == TANDEM_ROLE_TRIGGER) {
    /* The trigger role plays onsets, not a pattern: the player needs only the role. */
    if (self->player.pattern.role != TANDEM_ROLE_TRIGGER || !self->player.has_pattern) {
      self->trigger_pattern.serial = ++self->serial;
      if (tandem_player_queue_pattern(&self->player, &self->trigger_pattern)) {
        self->playing_serial = self->trigger_pattern.serial;
      }
    }
    self->has_requested = false;
    return;
  }

  const GenerationKey key = generation_key(self);
  if (self->adopt_restored) {
    self->adopt_restored = false;
    self->keep_current = true;
    self->requested = key;
    self->has_requested = true;
    self->request_pending = false;
    self->regenerate_was_on = self->ctl.regenerate;
  }
  const bool regenerate = self->ctl.regenerate && !self->regenerate_was_on;
  self->regenerate_was_on = self->ctl.regenerate;
  if (regenerate) {
    ++self->regenerations;
  }
  if (self->keep_current) {
    /* A restored part stays until the user changes something: what auto style
     * hears again after a reload (genre, tempo, section) does not replace it. */
    self->requested.genre_style = key.genre_style;
    self->requested.auto_bpm = key.auto_bpm;
    self->requested.section = key.section;
    if (regenerate || memcmp(&key, &self->requested, sizeof(key)) != 0) {
      self->keep_current = false;
    }
  }
  if (regenerate || !self->has_requested ||
      memcmp(&key, &self->requested, sizeof(key)) != 0) {
    self->request_pending = true;
  }
  /* While hold keeps the part playing, the player would drop a new one, yet the
   * worker would keep it as its current part (what like, export and the saved
   * state take): ask once hold is off. */
  if (self->ctl.hold) {
    return;
  }
  if (!self->request_pending ||
      (self->has_requested &&
       (double)self->frames_since_request < REQUEST_INTERVAL_S * self->sample_rate)) {
    return;
  }

  TandemGenerateMsg* msg = &self->request;
  memset(msg, 0, sizeof(*msg));
  msg->type = TANDEM_MSG_GENERATE;
  msg->serial = self->serial + 1;
  msg->seed = self->ctl.seed + 7919u * self->regenerations;
  msg->role = (uint8_t)self->ctl.role;
  msg->style = (uint8_t)self->ctl.style;
  msg->bars = (uint8_t)self->ctl.bars;
  msg->beats_per_bar =
      (uint8_t)(key.beats_per_bar > 0 && key.beats_per_bar <= 16 ? key.beats_per_bar : 0);
  msg->beat_unit =
      (uint8_t)(key.beat_unit > 0 && key.beat_unit <= 16 ? key.beat_unit : 0);
  msg->complexity = self->ctl.complexity;
  msg->density = self->ctl.density;
  msg->energy = self->ctl.energy;
  msg->fill = self->ctl.fill;
  /* The worker shapes the part for the section (worker/work.h). */
  msg->section = (uint8_t)key.section;
  msg->detected_bpm =
      self->readout.tempo.confidence >= 0.5f ? self->readout.tempo.bpm : 0.0f;
  msg->host_bpm = self->transport.has_host ? (float)self->transport.bpm : 0.0f;
  const int bpb = msg->beats_per_bar ? msg->beats_per_bar : 4;
  const int unit = msg->beat_unit ? msg->beat_unit : 4;
  const int steps = bpb * 16 / unit;
  if (self->busy_bar != INT64_MIN && steps > 0 && steps <= TANDEM_BUSY_STEPS) {
    msg->n_busy = (uint8_t)steps;
    memcpy(msg->busy, self->busy, sizeof(float) * (size_t)steps);
  }
  if (schedule(self, sizeof(*msg), msg)) {
    self->serial = msg->serial;
    self->requested = key;
    self->has_requested = true;
    self->request_pending = false;
    self->frames_since_request = 0;
  }
}

static void pass_audio(Tandem* self, uint32_t n_samples)
{
  if (!self->in || !self->out || self->in == self->out || n_samples == 0) {
    return;
  }
  memcpy(self->out, self->in, sizeof(float) * n_samples);
}

/* Room for MIDI events in the notify buffer: each takes a frame time, an atom
 * header and 3 bytes padded to 8. */
#define MIDI_EVENT_BYTES (sizeof(int64_t) + sizeof(LV2_Atom) + 8)

static void run(LV2_Handle instance, uint32_t n_samples)
{
  Tandem* self = (Tandem*)instance;
  const TandemURIs* u = &self->uris;
  self->block_frames = n_samples;

  pass_audio(self, n_samples);

  /* The notify port may be missing or too small even for an empty sequence; then
   * nothing is written, and note-offs wait in the player for a later block. */
  LV2_Atom_Forge_Frame seq_frame;
  bool can_notify = false;
  uint32_t midi_budget = 0;
  if (self->notify) {
    const uint32_t capacity = self->notify->atom.size;
    if (capacity >= sizeof(LV2_Atom_Sequence)) {
      lv2_atom_forge_set_buffer(&self->forge, (uint8_t*)self->notify, capacity);
      can_notify = lv2_atom_forge_sequence_head(&self->forge, &seq_frame, 0) != 0;
      const size_t room = (capacity - sizeof(LV2_Atom_Sequence)) / MIDI_EVENT_BYTES;
      midi_budget = can_notify ? (uint32_t)(room < MAX_MIDI ? room : MAX_MIDI) : 0;
    }
  }

  /* Hear the block. */
  tandem_controls_read(&self->controls, &self->ctl);
  apply_intent(self);
  self->n_onsets = 0;
  if (self->analysis && self->in && n_samples > 0) {
    tandem_analysis_set_sensitivity(self->analysis, self->ctl.sensitivity);
    self->n_onsets = tandem_analysis_process(self->analysis, self->in, n_samples,
                                             self->onsets, MAX_ONSETS);
  }
  if (self->analysis) {
    tandem_analysis_get(self->analysis, &self->readout);
    accumulate_bar(self);
  }
  tandem_controls_write(&self->controls, &self->readout);
  tandem_controls_write_llm_status(&self->controls, self->llm_status);
  tandem_controls_write_song(&self->controls, self->song_genre,
                             self->song_genre_confidence, self->song_section);
  update_harmony(self);

  /* Play it, split at each transport change. */
  take_patterns(self);
  update_player_params(self);
  self->n_midi = 0;
  if (self->notes_off_pending) {
    self->n_midi = tandem_player_all_notes_off(&self->player, 0, self->midi, midi_budget);
    self->notes_off_pending = false;
  }
  uint32_t played = 0;
  const uint32_t budget = midi_budget;
  self->midi_budget = midi_budget;
  if (self->control && self->control->atom.type == u->atom_Sequence) {
    const uint8_t* seq_end =
        (const uint8_t*)&self->control->body + self->control->atom.size;
    LV2_ATOM_SEQUENCE_FOREACH (self->control, ev) {
      if (!event_fits(ev, seq_end)) {
        break; /* its size is wrong, so nothing after it can be found either */
      }
      const LV2_Atom* body = &ev->body;
      if ((body->type != u->atom_Object && body->type != u->atom_Blank) ||
          body->size < sizeof(LV2_Atom_Object_Body)) {
        continue; /* MIDI input is accepted; nothing uses it yet */
      }
      const LV2_Atom_Object* obj = (const LV2_Atom_Object*)body;
      if (!tandem_atom_object_fits(obj)) {
        continue;
      }
      if (obj->body.otype == u->time_Position) {
        const int64_t t = ev->time.frames;
        const uint32_t at = t <= (int64_t)played      ? played
                            : t >= (int64_t)n_samples ? n_samples
                                                      : (uint32_t)t;
        play_segment(self, played, at);
        played = at;
        tandem_transport_update(&self->transport, u, obj);
      } else if (obj->body.otype == u->patch_Get) {
        handle_patch_get(self, obj);
      } else if (obj->body.otype == u->patch_Set) {
        handle_patch_set(self, obj);
      }
    }
  }
  play_segment(self, played, n_samples);
  uint8_t next_root = 0, next_quality = 0;
  const bool has_next =
      tandem_progression_next_bar_chord(&self->progression, &next_root, &next_quality);
  tandem_ui_feed_next_chord(&self->ui_feed, has_next, next_root, next_quality);

  if (can_notify) {
    uint32_t last_frame = 0;
    for (uint32_t i = 0; i < self->n_midi && i < budget; ++i) {
      if (!forge_midi(self, &self->midi[i])) {
        break;
      }
      last_frame = self->midi[i].frame;
    }
    if (self->status_dirty && forge_property(self, last_frame, u->tandem_status,
                                             u->atom_String, self->status)) {
      self->status_dirty = false;
    }
    if (self->prompt_notify && forge_property(self, last_frame, u->tandem_prompt,
                                              u->atom_String, self->prompt)) {
      self->prompt_notify = false;
    }
    if (self->style_file_notify && forge_property(self, last_frame, u->tandem_styleFile,
                                                  u->atom_Path, self->style_file)) {
      self->style_file_notify = false;
    }
    if (self->export_path_notify && forge_property(self, last_frame, u->tandem_exportPath,
                                                   u->atom_Path, self->export_path)) {
      self->export_path_notify = false;
    }
    if (self->profile_path_notify &&
        forge_property(self, last_frame, u->tandem_profilePath, u->atom_Path,
                       self->profile_path)) {
      self->profile_path_notify = false;
    }
    tandem_ui_feed_end_block(&self->ui_feed, &self->forge, self->notify, last_frame,
                             n_samples, &self->player, &self->harmony,
                             (int)self->ctl.role, self->ctl.style);
    lv2_atom_forge_pop(&self->forge, &seq_frame);
  } else {
    tandem_ui_feed_end_block(&self->ui_feed, NULL, NULL, 0, n_samples, &self->player,
                             &self->harmony, (int)self->ctl.role, self->ctl.style);
  }

  send_requests(self);
}

static void deactivate(LV2_Handle instance)
{
  (void)instance;
}

static void cleanup(LV2_Handle instance)
{
  Tandem* self = (Tandem*)instance;
  if (!self) {
    return;
  }
  tandem_worker_free(self->worker);
  tandem_inline_display_free(&self->inline_display);
  tandem_analysis_free(self->analysis);
  tandem_ring_free(self->patterns);
  free(self);
}

/* ---- Worker (non-realtime) ---- */

static LV2_Worker_Status work(LV2_Handle instance, LV2_Worker_Respond_Function respond,
                              LV2_Worker_Respond_Handle handle, uint32_t size,
                              const void* data)
{
  Tandem* self = (Tandem*)instance;
  return tandem_worker_request(self->worker, respond, handle, size, data);
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
  if (type == TANDEM_MSG_SONG && size == sizeof(TandemSongMsg)) {
    TandemSongMsg m;
    memcpy(&m, data, sizeof(m));
    self->song_genre =
        m.genre >= 0 && m.genre <= TANDEM_STYLE_SHIPPED_COUNT ? m.genre : 0;
    self->song_genre_confidence =
        isfinite(m.genre_confidence) ? m.genre_confidence : 0.0f;
    self->song_section =
        m.section >= 0 && m.section < TANDEM_SECTION_LABELS ? m.section : 0;
    self->song_auto_style =
        m.auto_style >= 0 && m.auto_style <= TANDEM_STYLE_SHIPPED_COUNT ? m.auto_style
                                                                        : 0;
    return LV2_WORKER_SUCCESS;
  }
  if (type == TANDEM_MSG_STATUS && size == sizeof(TandemStatusMsg)) {
    const char* text = (const char*)data + offsetof(TandemStatusMsg, text);
    size_t i = 0;
    for (; i + 1 < sizeof(self->status) && text[i]; ++i) {
      self->status[i] = text[i];
    }
    self->status[i] = '\0';
    self->status_dirty = true;
    return LV2_WORKER_SUCCESS;
  }
  if (type == TANDEM_MSG_LLM_INTENT && size == sizeof(TandemLlmIntentMsg)) {
    /* Modifiers add up over requests ("harder", then "harder" again). */
    TandemLlmIntentMsg m;
    memcpy(&m, data, sizeof(m));
    TandemLlmIntentMsg* in = &self->intent;
    in->energy = fmaxf(-1.0f, fminf(1.0f, in->energy + m.energy));
    in->complexity = fmaxf(-1.0f, fminf(1.0f, in->complexity + m.complexity));
    in->density = fmaxf(-1.0f, fminf(1.0f, in->density + m.density));
    in->fill = fmaxf(-1.0f, fminf(1.0f, in->fill + m.fill));
    const int32_t octave = in->octave + m.octave;
    in->octave = octave < -3 ? -3 : octave > 3 ? 3 : octave;
    if (m.straight) {
      in->straight = 1;
      in->swing_pct = 0.0f;
    } else if (m.swing_pct != 0.0f) {
      in->straight = 0;
      in->swing_pct = fmaxf(-25.0f, fminf(25.0f, in->swing_pct + m.swing_pct));
    }
    return LV2_WORKER_SUCCESS;
  }
  if (type == TANDEM_MSG_LLM_STATE && size == sizeof(TandemLlmStateMsg)) {
    TandemLlmStateMsg m;
    memcpy(&m, data, sizeof(m));
    self->llm_status =
        m.status <= TANDEM_LLM_STATUS_ERROR ? m.status : TANDEM_LLM_STATUS_ERROR;
    self->llm_n_alts = m.n_alternatives;
    tandem_ui_feed_alternatives(&self->ui_feed, m.n_alternatives, m.confidence);
    if (m.serial && self->alternative != 0) {
      /* A new reply plays its first choice; step on to the one the port asks for. */
      self->alternative = 0;
    }
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
  return tandem_worker_save(
      self->worker, store, handle, features,
      atomic_load_explicit(&self->pattern_phase, memory_order_relaxed));
}

static LV2_State_Status restore(LV2_Handle instance, LV2_State_Retrieve_Function retrieve,
                                LV2_State_Handle handle, uint32_t flags,
                                const LV2_Feature* const* features)
{
  Tandem* self = (Tandem*)instance;
  (void)flags;
  TandemWorkerRestored restored;
  const LV2_State_Status st =
      tandem_worker_restore(self->worker, retrieve, handle, features, &restored);
  /* The prompt text comes back for the host's UI, not to be sent again.  restore()
   * never runs alongside run() (no state:threadSafeRestore), so run()'s copy may be
   * written here. */
  copy_text(self->prompt, sizeof(self->prompt), restored.prompt);
  self->prompt_pending = false;
  self->prompt_notify = true;
  if (restored.has_llm_status) {
    /* The restored settings may switch the model on or off: llm_status says so. */
    atomic_store_explicit(&self->restored_llm_status, (unsigned)restored.llm_status + 1u,
                          memory_order_release);
  }
  return st;
}

/* Ardour's inline display: called from the host's display thread. */
static TandemInlineImage* render(LV2_Handle instance, uint32_t w, uint32_t max_h)
{
  Tandem* self = (Tandem*)instance;
  return tandem_inline_display_render(&self->inline_display, &self->ui_feed, w, max_h);
}

static const void* extension_data(const char* uri)
{
  static const LV2_Worker_Interface worker = {work, work_response, end_run};
  static const LV2_State_Interface state = {save, restore};
  static const TandemInlineDisplayInterface inline_display = {render};
  if (!strcmp(uri, TANDEM_INLINE_DISPLAY__interface)) {
    return &inline_display;
  }
  if (!strcmp(uri, LV2_WORKER__interface)) {
    return &worker;
  }
  if (!strcmp(uri, LV2_STATE__interface)) {
    return &state;
  }
  return NULL;
}

static const LV2_Descriptor descriptor = {TANDEM_URI, instantiate,   connect_port,
                                          activate,   run,           deactivate,
                                          cleanup,    extension_data};

LV2_SYMBOL_EXPORT const LV2_Descriptor* lv2_descriptor(uint32_t index)
{
  return index == 0 ? &descriptor : NULL;
}
