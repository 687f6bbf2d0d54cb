/* Tandem — plugin state.  See state.h. */
#include "state.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lv2/atom/atom.h>
#include <lv2/core/lv2_util.h>

#include "feedback.h"
#include "messages.h"
#include "uris.h"

#define PATTERN_TAG         0x31535054u /* "TPS1" little-endian */
#define PATTERN_HEADER_SIZE 32u
#define PATTERN_NOTE_SIZE   12u

/* ---- String properties ----
 *
 * One row per string the state keeps.  get copies the current value (the
 * worker's lock is held; "" saves nothing); set takes a restored value, or ""
 * when the key is missing or unusable, and returns false with a message in err
 * if it could not use it (then it must leave the default in place).  Rows with
 * is_path are saved as atom:Path through the host's mapPath feature.  Add rows
 * at the end; the keys are a contract with saved sessions.  An API key never
 * goes here. */
typedef struct {
  const char* uri;
  bool is_path;
  void (*get)(const TandemWork* w, char* out, size_t size);
  bool (*set)(TandemWork* w, const char* value, char* err, size_t err_size);
} StringProperty;

static void get_style_file(const TandemWork* w, char* out, size_t size)
{
  snprintf(out, size, "%s", w->has_user_style ? w->user_style_path : "");
}

static bool set_style_file(TandemWork* w, const char* value, char* err, size_t err_size)
{
  w->has_user_style = false;
  w->user_style_path[0] = '\0';
  if (!value[0]) {
    return true;
  }
  TandemStyle loaded;
  if (!tandem_style_load_file(value, &loaded, err, err_size)) {
    return false;
  }
  w->user_style = loaded;
  w->has_user_style = true;
  snprintf(w->user_style_path, sizeof(w->user_style_path), "%s", value);
  return true;
}

/* The prompt comes back as text only: it is not sent again, since the restored part
 * is what it (and what followed it) made. */
static void get_prompt(const TandemWork* w, char* out, size_t size)
{
  snprintf(out, size, "%s", w->prompt);
}

static bool set_prompt(TandemWork* w, const char* value, char* err, size_t err_size)
{
  (void)err;
  (void)err_size;
  snprintf(w->prompt, sizeof(w->prompt), "%s", value);
  return true;
}

/* The feel that plain-language requests left (half-time, double-time, ghost notes),
 * as "time F ghost G"; the plain feel saves nothing. */
static void get_feel(const TandemWork* w, char* out, size_t size)
{
  const TandemFeel* f = &w->feel;
  if (f->tempo_factor == 1.0f && f->ghost == 0.0f) {
    out[0] = '\0';
    return;
  }
  snprintf(out, size, "time %g ghost %g", (double)f->tempo_factor, (double)f->ghost);
}

static bool set_feel(TandemWork* w, const char* value, char* err, size_t err_size)
{
  tandem_feel_init(&w->feel);
  if (!value[0]) {
    return true;
  }
  float time = 0.0f;
  float ghost = 0.0f;
  char end = '\0';
  if (sscanf(value, "time %f ghost %f %c", &time, &ghost, &end) != 2 ||
      (time != 0.5f && time != 1.0f && time != 2.0f) || !(ghost >= -1.0f && ghost <= 1.0f)) {
    snprintf(err, err_size, "'%.60s' is not a feel (time 0.5, 1 or 2, ghost -1..1)", value);
    return false;
  }
  w->feel.tempo_factor = time;
  w->feel.ghost = ghost;
  return true;
}

static const StringProperty string_properties[] = {
    {TANDEM__styleFile, true, get_style_file, set_style_file},
    {TANDEM__prompt, false, get_prompt, set_prompt},
    {TANDEM_STATE__feel, false, get_feel, set_feel},
    /* The model's settings and context memory have their own keys below: they are
     * applied together, and the numbers are typed atoms. */
};

#define N_STRINGS (sizeof(string_properties) / sizeof(string_properties[0]))
_Static_assert(N_STRINGS <= TANDEM_STATE_MAX_STRINGS, "raise TANDEM_STATE_MAX_STRINGS");

void tandem_state_map(TandemStateURIs* u, LV2_URID_Map* map)
{
  memset(u, 0, sizeof(*u));
  u->atom_Chunk = map->map(map->handle, LV2_ATOM__Chunk);
  u->atom_Int = map->map(map->handle, LV2_ATOM__Int);
  u->atom_Path = map->map(map->handle, LV2_ATOM__Path);
  u->atom_String = map->map(map->handle, LV2_ATOM__String);
  u->version = map->map(map->handle, TANDEM__stateVersion);
  u->pattern = map->map(map->handle, TANDEM_STATE__pattern);
  u->feedback = map->map(map->handle, TANDEM_STATE__feedback);
  u->phase = map->map(map->handle, TANDEM_STATE__phase);
  u->atom_Float = map->map(map->handle, LV2_ATOM__Float);
  u->llm_url = map->map(map->handle, TANDEM__llmUrl);
  u->llm_model = map->map(map->handle, TANDEM__llmModel);
  u->llm_provider = map->map(map->handle, TANDEM__llmProvider);
  u->llm_fallbacks = map->map(map->handle, TANDEM__llmFallbacks);
  u->llm_timeout = map->map(map->handle, TANDEM__llmTimeout);
  u->llm_temperature = map->map(map->handle, TANDEM__llmTemperature);
  u->llm_max_tokens = map->map(map->handle, TANDEM__llmMaxTokens);
  u->llm_history = map->map(map->handle, TANDEM_STATE__llmHistory);
  for (size_t i = 0; i < N_STRINGS; ++i) {
    u->strings[i] = map->map(map->handle, string_properties[i].uri);
  }
}

/* ---- The pattern codec ---- */

static void put_u32(uint8_t* p, uint32_t v)
{
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_u32(const uint8_t* p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

static uint32_t float_bits(float f)
{
  uint32_t v;
  memcpy(&v, &f, sizeof(v));
  return v;
}

static float bits_float(uint32_t v)
{
  float f;
  memcpy(&f, &v, sizeof(f));
  return f;
}

size_t tandem_state_pattern_size(uint32_t n_notes)
{
  return PATTERN_HEADER_SIZE + (size_t)n_notes * PATTERN_NOTE_SIZE;
}

size_t tandem_state_pattern_encode(const TandemPattern* p, uint8_t* out, size_t cap)
{
  if (!p || !out || !tandem_pattern_valid(p)) {
    return 0;
  }
  const size_t size = tandem_state_pattern_size(p->n_notes);
  if (cap < size) {
    return 0;
  }
  memset(out, 0, size);
  put_u32(out, PATTERN_TAG);
  out[4] = p->role;
  out[5] = p->bars;
  out[6] = p->beats_per_bar;
  out[7] = p->beat_unit;
  put_u32(out + 8, p->n_notes);
  put_u32(out + 12, p->seed);
  put_u32(out + 16, float_bits(p->confidence));
  put_u32(out + 20, float_bits(p->swing_pct));
  put_u32(out + 24, p->swing_grid_ticks);
  for (uint32_t i = 0; i < p->n_notes; ++i) {
    const TandemNote* n = &p->notes[i];
    uint8_t* q = out + PATTERN_HEADER_SIZE + (size_t)i * PATTERN_NOTE_SIZE;
    put_u32(q, n->tick);
    put_u32(q + 4, n->length);
    q[8] = (uint8_t)(n->kind | (n->flags << 4));
    q[9] = n->kind == TANDEM_PITCH_ABSOLUTE ? n->pitch : (uint8_t)n->degree;
    q[10] = (uint8_t)(((n->octave + 8) & 0x0F) | ((n->chromatic + 8) << 4));
    q[11] = n->velocity;
  }
  return size;
}

bool tandem_state_pattern_decode(const void* data, size_t size, TandemPattern* out,
                                 char* err, size_t err_size)
{
  const uint8_t* in = data;
  if (!in || size < PATTERN_HEADER_SIZE || get_u32(in) != PATTERN_TAG) {
    snprintf(err, err_size, "saved pattern: not a Tandem pattern (wrong tag or size)");
    return false;
  }
  const uint32_t n_notes = get_u32(in + 8);
  if (n_notes > TANDEM_MAX_NOTES || size != tandem_state_pattern_size(n_notes)) {
    snprintf(err, err_size, "saved pattern: %zu bytes do not hold %u notes", size,
             n_notes);
    return false;
  }
  /* Decoded into a scratch copy, so that out stays untouched on failure. */
  TandemPattern* p = calloc(1, sizeof(TandemPattern));
  if (!p) {
    snprintf(err, err_size, "saved pattern: out of memory");
    return false;
  }
  p->magic = TANDEM_PATTERN_MAGIC;
  p->role = in[4];
  p->bars = in[5];
  p->beats_per_bar = in[6];
  p->beat_unit = in[7];
  p->n_notes = n_notes;
  p->seed = get_u32(in + 12);
  p->confidence = bits_float(get_u32(in + 16));
  p->swing_pct = bits_float(get_u32(in + 20));
  p->swing_grid_ticks = get_u32(in + 24);
  for (uint32_t i = 0; i < n_notes; ++i) {
    const uint8_t* q = in + PATTERN_HEADER_SIZE + (size_t)i * PATTERN_NOTE_SIZE;
    TandemNote* n = &p->notes[i];
    n->tick = get_u32(q);
    n->length = get_u32(q + 4);
    n->kind = q[8] & 0x0F;
    n->flags = q[8] >> 4;
    if (n->kind == TANDEM_PITCH_ABSOLUTE) {
      n->pitch = q[9];
    } else {
      n->degree = (int8_t)q[9];
    }
    n->octave = (int8_t)((q[10] & 0x0F) - 8);
    n->chromatic = (int8_t)((q[10] >> 4) - 8);
    n->velocity = q[11];
  }
  const bool finite = p->swing_pct == p->swing_pct && p->confidence == p->confidence;
  if (!finite || !tandem_pattern_valid(p)) {
    snprintf(err, err_size, "saved pattern: its notes or shape are not valid");
    free(p);
    return false;
  }
  memcpy(out, p, sizeof(*p));
  free(p);
  return true;
}

/* ---- Save ---- */

static void lock(TandemWork* w)
{
  if (w->lock_ready) {
    pthread_mutex_lock(&w->lock);
  }
}

static void unlock(TandemWork* w)
{
  if (w->lock_ready) {
    pthread_mutex_unlock(&w->lock);
  }
}

static const LV2_Feature* find_feature(const LV2_Feature* const* features,
                                       const char* uri)
{
  for (int i = 0; features && features[i]; ++i) {
    if (features[i]->URI && !strcmp(features[i]->URI, uri)) {
      return features[i];
    }
  }
  return NULL;
}

/* The model settings, each under its property's URI.  An empty URL is saved too:
 * it says the model was switched off. */
static LV2_State_Status save_llm_settings(const TandemLlmSettings* s,
                                          const TandemStateURIs* u,
                                          LV2_State_Store_Function store,
                                          LV2_State_Handle handle)
{
  const uint32_t flags = LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE;
  const char* provider = tandem_llm_provider_name((TandemLlmProviderKind)s->provider);
  const int32_t max_tokens = s->max_tokens;
  LV2_State_Status st =
      store(handle, u->llm_url, s->url, strlen(s->url) + 1, u->atom_String, flags);
  if (st == LV2_STATE_SUCCESS) {
    st = store(handle, u->llm_model, s->model, strlen(s->model) + 1, u->atom_String,
               flags);
  }
  if (st == LV2_STATE_SUCCESS) {
    st = store(handle, u->llm_provider, provider, strlen(provider) + 1, u->atom_String,
               flags);
  }
  if (st == LV2_STATE_SUCCESS && s->fallbacks[0]) {
    st = store(handle, u->llm_fallbacks, s->fallbacks, strlen(s->fallbacks) + 1,
               u->atom_String, flags);
  }
  if (st == LV2_STATE_SUCCESS) {
    st =
        store(handle, u->llm_timeout, &s->timeout_s, sizeof(float), u->atom_Float, flags);
  }
  if (st == LV2_STATE_SUCCESS) {
    st = store(handle, u->llm_temperature, &s->temperature, sizeof(float), u->atom_Float,
               flags);
  }
  if (st == LV2_STATE_SUCCESS) {
    st = store(handle, u->llm_max_tokens, &max_tokens, sizeof(max_tokens), u->atom_Int,
               flags);
  }
  return st;
}

LV2_State_Status tandem_state_save(TandemWork* w, const TandemStateURIs* u,
                                   LV2_State_Store_Function store,
                                   LV2_State_Handle handle,
                                   const LV2_Feature* const* features, int32_t phase)
{
  const uint32_t flags = LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE;
  const LV2_Feature* map_feature = find_feature(features, LV2_STATE__mapPath);
  const LV2_Feature* free_feature = find_feature(features, LV2_STATE__freePath);
  const LV2_State_Map_Path* map_path = map_feature ? map_feature->data : NULL;
  const LV2_State_Free_Path* free_path = free_feature ? free_feature->data : NULL;

  const int32_t version = TANDEM_STATE_VERSION;
  LV2_State_Status st =
      store(handle, u->version, &version, sizeof(version), u->atom_Int, flags);
  if (st != LV2_STATE_SUCCESS) {
    return st;
  }

  lock(w);
  uint8_t* chunk = NULL;
  size_t chunk_size = 0;
  if (w->has_current) {
    chunk = malloc(tandem_state_pattern_size(TANDEM_MAX_NOTES));
    chunk_size =
        chunk ? tandem_state_pattern_encode(&w->current, chunk,
                                            tandem_state_pattern_size(TANDEM_MAX_NOTES))
              : 0;
  }
  char feedback[TANDEM_FEEDBACK_TEXT_MAX];
  const size_t feedback_len =
      tandem_feedback_to_text(&w->feedback, feedback, sizeof(feedback));
  char values[N_STRINGS ? N_STRINGS : 1][TANDEM_PATH_MAX];
  for (size_t i = 0; i < N_STRINGS; ++i) {
    string_properties[i].get(w, values[i], sizeof(values[i]));
  }
  const bool llm_set = w->llm.settings_set;
  const TandemLlmSettings llm = w->llm.settings;
  char* history = w->llm.history.n ? tandem_llm_history_to_json(&w->llm.history) : NULL;
  unlock(w);

  if (chunk_size) {
    st = store(handle, u->pattern, chunk, chunk_size, u->atom_Chunk, flags);
    if (st == LV2_STATE_SUCCESS && phase >= 0) {
      st = store(handle, u->phase, &phase, sizeof(phase), u->atom_Int, flags);
    }
  }
  free(chunk);
  if (st == LV2_STATE_SUCCESS && feedback_len) {
    st = store(handle, u->feedback, feedback, feedback_len + 1, u->atom_String, flags);
  }
  for (size_t i = 0; i < N_STRINGS && st == LV2_STATE_SUCCESS; ++i) {
    const char* value = values[i];
    if (!value[0]) {
      continue;
    }
    if (!string_properties[i].is_path) {
      st = store(handle, u->strings[i], value, strlen(value) + 1, u->atom_String, flags);
      continue;
    }
    /* The host turns the path into one that survives moving the session. */
    char* abstract = map_path ? map_path->abstract_path(map_path->handle, value) : NULL;
    const char* saved = abstract ? abstract : value;
    st = store(handle, u->strings[i], saved, strlen(saved) + 1, u->atom_Path, flags);
    if (abstract) {
      if (free_path) {
        free_path->free_path(free_path->handle, abstract);
      } else {
        free(abstract);
      }
    }
  }
  if (st == LV2_STATE_SUCCESS && llm_set) {
    st = save_llm_settings(&llm, u, store, handle);
  }
  if (st == LV2_STATE_SUCCESS && history) {
    st = store(handle, u->llm_history, history, strlen(history) + 1, u->atom_String,
               flags);
  }
  free(history);
  return st;
}

/* ---- Restore ---- */

/* A string value of size bytes: it must end with its NUL and hold no other. */
static bool string_value(const void* value, size_t size, size_t cap)
{
  const char* s = value;
  return s && size >= 1 && size <= cap && s[size - 1] == '\0' && strlen(s) == size - 1;
}

/* Reads one string setting into out (cap bytes).  True if the key was there
 * (whether or not its value was usable); a bad value logs and leaves out alone. */
static bool retrieve_llm_text(LV2_State_Retrieve_Function retrieve,
                              LV2_State_Handle handle, const TandemStateURIs* u,
                              LV2_URID key, const char* name, char* out, size_t cap,
                              LV2_Log_Logger* log)
{
  size_t size = 0;
  uint32_t type = 0;
  uint32_t vflags = 0;
  const void* value = retrieve(handle, key, &size, &type, &vflags);
  if (!value) {
    return false;
  }
  if (type != u->atom_String || !string_value(value, size, cap)) {
    lv2_log_warning(log,
                    "Tandem: the saved model %s has the wrong type or size; using "
                    "the default\n",
                    name);
    return true;
  }
  memcpy(out, value, size);
  return true;
}

/* Reads one number setting (atom:Float, or atom:Int for max tokens) into out if
 * it is usable and within [lo, hi].  True if the key was there. */
static bool retrieve_llm_number(LV2_State_Retrieve_Function retrieve,
                                LV2_State_Handle handle, const TandemStateURIs* u,
                                LV2_URID key, const char* name, double lo, double hi,
                                double* out, LV2_Log_Logger* log)
{
  size_t size = 0;
  uint32_t type = 0;
  uint32_t vflags = 0;
  const void* value = retrieve(handle, key, &size, &type, &vflags);
  if (!value) {
    return false;
  }
  double v = NAN;
  if (type == u->atom_Float && size == sizeof(float)) {
    float f;
    memcpy(&f, value, sizeof(f));
    v = f;
  } else if (type == u->atom_Int && size == sizeof(int32_t)) {
    int32_t i;
    memcpy(&i, value, sizeof(i));
    v = i;
  }
  if (!(v >= lo && v <= hi)) {
    lv2_log_warning(log,
                    "Tandem: the saved model %s is not a number in %g..%g; using "
                    "the default\n",
                    name, lo, hi);
    return true;
  }
  *out = v;
  return true;
}

/* The model settings as saved; *present false when the state has none (then the
 * environment's settings stay).  Bad values get their defaults and a log line. */
static void retrieve_llm_settings(LV2_State_Retrieve_Function retrieve,
                                  LV2_State_Handle handle, const TandemStateURIs* u,
                                  TandemLlmSettings* s, bool* present,
                                  LV2_Log_Logger* log)
{
  tandem_llm_settings_default(s);
  char provider[32] = "";
  double timeout = s->timeout_s, temperature = s->temperature, max_tokens = s->max_tokens;
  bool any = false;
  any |= retrieve_llm_text(retrieve, handle, u, u->llm_url, "URL", s->url, sizeof(s->url),
                           log);
  any |= retrieve_llm_text(retrieve, handle, u, u->llm_model, "model name", s->model,
                           sizeof(s->model), log);
  any |= retrieve_llm_text(retrieve, handle, u, u->llm_provider, "provider", provider,
                           sizeof(provider), log);
  any |= retrieve_llm_text(retrieve, handle, u, u->llm_fallbacks, "fallback list",
                           s->fallbacks, sizeof(s->fallbacks), log);
  any |= retrieve_llm_number(retrieve, handle, u, u->llm_timeout, "timeout", 1, 600,
                             &timeout, log);
  any |= retrieve_llm_number(retrieve, handle, u, u->llm_temperature, "temperature", 0, 2,
                             &temperature, log);
  any |= retrieve_llm_number(retrieve, handle, u, u->llm_max_tokens, "max tokens", 1,
                             65536, &max_tokens, log);
  if (provider[0]) {
    const int kind = tandem_llm_provider_parse(provider);
    if (kind < 0) {
      lv2_log_warning(log,
                      "Tandem: the saved model provider \"%s\" is unknown; using "
                      "openai\n",
                      provider);
    } else {
      s->provider = (uint32_t)kind;
    }
  }
  s->timeout_s = (float)timeout;
  s->temperature = (float)temperature;
  s->max_tokens = (int32_t)max_tokens;
  *present = any;
}

LV2_State_Status tandem_state_restore(TandemWork* w, const TandemStateURIs* u,
                                      LV2_State_Retrieve_Function retrieve,
                                      LV2_State_Handle handle,
                                      const LV2_Feature* const* features)
{
  LV2_Log_Logger* log = w->logger;
  const LV2_Feature* map_feature = find_feature(features, LV2_STATE__mapPath);
  const LV2_Feature* free_feature = find_feature(features, LV2_STATE__freePath);
  const LV2_State_Map_Path* map_path = map_feature ? map_feature->data : NULL;
  const LV2_State_Free_Path* free_path = free_feature ? free_feature->data : NULL;
  char err[512];

  size_t size = 0;
  uint32_t type = 0;
  uint32_t vflags = 0;
  const void* value = retrieve(handle, u->version, &size, &type, &vflags);
  if (!value) {
    lv2_log_note(log, "Tandem: the state has no format version; reading what it has\n");
  } else if (type != u->atom_Int || size != sizeof(int32_t)) {
    lv2_log_warning(log, "Tandem: the state's format version has the wrong type; "
                         "reading what it has\n");
  } else {
    int32_t version;
    memcpy(&version, value, sizeof(version));
    if (version > TANDEM_STATE_VERSION) {
      lv2_log_warning(log,
                      "Tandem: the state is from a newer version (%d > %d); reading "
                      "what this version knows\n",
                      version, TANDEM_STATE_VERSION);
    } else if (version < TANDEM_STATE_VERSION) {
      lv2_log_note(log,
                   "Tandem: state format %d is older than %d; missing items get "
                   "their defaults\n",
                   version, TANDEM_STATE_VERSION);
    }
  }

  /* Everything is read before the lock is taken: retrieve may be slow. */
  TandemPattern* pattern = calloc(1, sizeof(TandemPattern));
  bool has_pattern = false;
  value = retrieve(handle, u->pattern, &size, &type, &vflags);
  if (value && pattern) {
    if (type != u->atom_Chunk) {
      lv2_log_warning(log, "Tandem: the saved pattern has the wrong type; a new one "
                           "will be generated\n");
    } else if (!tandem_state_pattern_decode(value, size, pattern, err, sizeof(err))) {
      lv2_log_warning(log, "Tandem: %s; a new one will be generated\n", err);
    } else {
      has_pattern = true;
    }
  }

  if (has_pattern) {
    /* The phase rides to run() in the serial field, which run() replaces. */
    pattern->serial = 0;
    value = retrieve(handle, u->phase, &size, &type, &vflags);
    int32_t phase = 0;
    if (value && type == u->atom_Int && size == sizeof(phase)) {
      memcpy(&phase, value, sizeof(phase));
      if (phase >= 0 && phase < pattern->bars) {
        pattern->serial = (uint32_t)phase;
      } else {
        lv2_log_warning(log,
                        "Tandem: the saved pattern phase %d is outside its %u "
                        "bars; starting it at bar 0\n",
                        phase, pattern->bars);
      }
    } else if (value) {
      lv2_log_warning(log, "Tandem: the saved pattern phase has the wrong type; "
                           "starting it at bar 0\n");
    }
  }

  TandemFeedback feedback;
  tandem_feedback_reset(&feedback);
  value = retrieve(handle, u->feedback, &size, &type, &vflags);
  if (value) {
    if (type != u->atom_String || !string_value(value, size, 64 * 1024)) {
      lv2_log_warning(log, "Tandem: the learned preferences have the wrong type; "
                           "starting from none\n");
    } else if (!tandem_feedback_from_text(value, &feedback, err, sizeof(err))) {
      lv2_log_warning(log, "Tandem: %s; starting from none\n", err);
      tandem_feedback_reset(&feedback);
    }
  }

  char values[N_STRINGS ? N_STRINGS : 1][TANDEM_PATH_MAX];
  for (size_t i = 0; i < N_STRINGS; ++i) {
    const StringProperty* row = &string_properties[i];
    values[i][0] = '\0';
    value = retrieve(handle, u->strings[i], &size, &type, &vflags);
    if (!value) {
      continue;
    }
    const uint32_t want = row->is_path ? u->atom_Path : u->atom_String;
    /* A path saved as a plain string is still a path. */
    if ((type != want && !(row->is_path && type == u->atom_String)) ||
        !string_value(value, size, TANDEM_PATH_MAX)) {
      lv2_log_warning(log,
                      "Tandem: state value <%s> has the wrong type or size; using "
                      "the default\n",
                      row->uri);
      continue;
    }
    if (row->is_path && map_path) {
      char* absolute = map_path->absolute_path(map_path->handle, value);
      if (absolute) {
        snprintf(values[i], sizeof(values[i]), "%s", absolute);
        if (free_path) {
          free_path->free_path(free_path->handle, absolute);
        } else {
          free(absolute);
        }
        continue;
      }
    }
    snprintf(values[i], sizeof(values[i]), "%s", (const char*)value);
  }

  TandemLlmSettings llm;
  bool llm_present = false;
  retrieve_llm_settings(retrieve, handle, u, &llm, &llm_present, log);
  TandemLlmHistory* history = calloc(1, sizeof(TandemLlmHistory));
  value = retrieve(handle, u->llm_history, &size, &type, &vflags);
  if (value && history) {
    if (type != u->atom_String || !string_value(value, size, 256 * 1024)) {
      lv2_log_warning(log, "Tandem: the saved context memory has the wrong type; "
                           "starting from none\n");
    } else if (!tandem_llm_history_from_json(value, history, err, sizeof(err))) {
      lv2_log_warning(log, "Tandem: %s; starting from none\n", err);
    }
  }

  lock(w);
  if (llm_present) {
    if (!tandem_llm_work_apply_settings(&w->llm, &llm, err, sizeof(err))) {
      lv2_log_warning(log,
                      "Tandem: restoring the model settings: %s; the fallbacks "
                      "are dropped\n",
                      err);
    }
    w->llm.settings_set = true;
  } else {
    tandem_llm_work_reset_settings(&w->llm);
  }
  if (history) {
    w->llm.history = *history;
  }
  for (size_t i = 0; i < N_STRINGS; ++i) {
    if (!string_properties[i].set(w, values[i], err, sizeof(err))) {
      lv2_log_warning(log, "Tandem: restoring <%s>: %s; using the default\n",
                      string_properties[i].uri, err);
      string_properties[i].set(w, "", err, sizeof(err));
    }
  }
  w->feedback = feedback;
  w->has_current_request = false;
  w->has_current = false;
  if (has_pattern) {
    if (tandem_ring_write_msg(w->patterns, TANDEM_RING_RESTORED_PATTERN, pattern,
                              sizeof(*pattern))) {
      tandem_work_keep_pattern(w, pattern);
    } else {
      lv2_log_warning(log, "Tandem: the pattern queue is full; the restored pattern "
                           "is dropped and a new one will be generated\n");
    }
  }
  unlock(w);
  free(pattern);
  free(history);
  return LV2_STATE_SUCCESS;
}
