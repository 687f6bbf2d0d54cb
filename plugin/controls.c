/* Tandem — control ports.  See controls.h. */
#include "controls.h"

#include <math.h>
#include <stddef.h>

#include "theory.h"

typedef struct {
  float def;
  float min;
  float max;
  bool integer;
} Range;

/* Must match ttl/tandem.ttl. */
static const Range ranges[TANDEM_CTL_COUNT] = {
    [TANDEM_CTL_ROLE] = {0, 0, 4, true},
    [TANDEM_CTL_STYLE] = {0, 0, 12, true},
    [TANDEM_CTL_COMPLEXITY] = {0.5f, 0, 1, false},
    [TANDEM_CTL_DENSITY] = {0.5f, 0, 1, false},
    [TANDEM_CTL_ENERGY] = {0.5f, 0, 1, false},
    [TANDEM_CTL_SWING] = {0, 0, 75, false},
    [TANDEM_CTL_HUMANIZE_MS] = {0, 0, 50, false},
    [TANDEM_CTL_VELOCITY_HUMANIZE] = {0, 0, 1, false},
    [TANDEM_CTL_FOLLOW] = {0, 0, 1, false},
    [TANDEM_CTL_FILL] = {0.25f, 0, 1, false},
    [TANDEM_CTL_BARS] = {4, 1, 16, true},
    [TANDEM_CTL_KEY] = {-1, -1, 11, true},
    [TANDEM_CTL_SCALE] = {-1, -1, TANDEM_SCALE_COUNT - 1, true},
    [TANDEM_CTL_CHANNEL] = {0, 0, 16, true},
    [TANDEM_CTL_OCTAVE] = {0, -3, 3, true},
    [TANDEM_CTL_SEED] = {1, 0, 9999, true},
    [TANDEM_CTL_REGENERATE] = {0, 0, 1, true},
    [TANDEM_CTL_HOLD] = {0, 0, 1, true},
    [TANDEM_CTL_SENSITIVITY] = {0.5f, 0, 1, false},
    [TANDEM_CTL_LIKE] = {0, 0, 1, true},
    [TANDEM_CTL_DISLIKE] = {0, 0, 1, true},
    [TANDEM_CTL_RESET_LEARNING] = {0, 0, 1, true},
    [TANDEM_CTL_EXPORT] = {0, 0, 1, true},
    [TANDEM_CTL_EXPORT_VARIATIONS] = {3, 0, 16, true},
    [TANDEM_CTL_SEND] = {0, 0, 1, true},
    [TANDEM_CTL_ALTERNATIVE] = {0, 0, 2, true},
    [TANDEM_CTL_FREE_WHEELING] = {0, 0, 1, true},
    [TANDEM_CTL_LEARN] = {0, 0, 1, true},
    [TANDEM_CTL_SAVE_PROFILE] = {0, 0, 1, true},
};

/* Ports appended after onset_activity, in port order from TANDEM_PORT_FIRST_APPENDED:
 * an input (TandemControlIndex) or an output (TandemOutputIndex).  Append rows only;
 * must match ttl/tandem.ttl. */
typedef struct {
  bool input;
  int index;
} AppendedPort;

static const AppendedPort appended_ports[] = {
    {true, TANDEM_CTL_LIKE},              /* 40 like */
    {true, TANDEM_CTL_DISLIKE},           /* 41 dislike */
    {true, TANDEM_CTL_RESET_LEARNING},    /* 42 reset_learning */
    {true, TANDEM_CTL_EXPORT},            /* 43 export */
    {true, TANDEM_CTL_EXPORT_VARIATIONS}, /* 44 export_variations */
    {true, TANDEM_CTL_SEND},              /* 45 send */
    {true, TANDEM_CTL_ALTERNATIVE},       /* 46 alternative */
    {false, TANDEM_OUT_LLM_STATUS},       /* 47 llm_status */
    {false, TANDEM_OUT_GENRE},            /* 48 genre */
    {false, TANDEM_OUT_GENRE_CONFIDENCE}, /* 49 genre_confidence */
    {false, TANDEM_OUT_SECTION},          /* 50 section */
    {true, TANDEM_CTL_FREE_WHEELING},     /* 51 free_wheeling */
    {true, TANDEM_CTL_LEARN},             /* 52 learn */
    {true, TANDEM_CTL_SAVE_PROFILE},      /* 53 save_profile */
};

_Static_assert(sizeof(appended_ports) / sizeof(appended_ports[0]) ==
                   TANDEM_PORT_COUNT - TANDEM_PORT_FIRST_APPENDED,
               "every appended control needs a row in appended_ports");

bool tandem_controls_connect(TandemControlPorts* ports, uint32_t port, void* data)
{
  if (port >= TANDEM_PORT_FIRST_CONTROL && port < TANDEM_PORT_FIRST_OUTPUT) {
    ports->in[port - TANDEM_PORT_FIRST_CONTROL] = (const float*)data;
    return true;
  }
  if (port >= TANDEM_PORT_FIRST_OUTPUT && port < TANDEM_PORT_FIRST_APPENDED) {
    ports->out[port - TANDEM_PORT_FIRST_OUTPUT] = (float*)data;
    return true;
  }
  if (port >= TANDEM_PORT_FIRST_APPENDED && port < TANDEM_PORT_COUNT) {
    const AppendedPort* a = &appended_ports[port - TANDEM_PORT_FIRST_APPENDED];
    if (a->input) {
      ports->in[a->index] = (const float*)data;
    } else {
      ports->out[a->index] = (float*)data;
    }
    return true;
  }
  return false;
}

static float value(const TandemControlPorts* ports, TandemControlIndex i)
{
  const Range* r = &ranges[i];
  float v = ports->in[i] ? *ports->in[i] : r->def;
  if (!isfinite(v)) {
    v = r->def;
  }
  v = v < r->min ? r->min : v > r->max ? r->max : v;
  return r->integer ? roundf(v) : v;
}

void tandem_controls_read(const TandemControlPorts* ports, TandemControls* out)
{
  out->role = (TandemRole)(int)value(ports, TANDEM_CTL_ROLE);
  out->style = (int)value(ports, TANDEM_CTL_STYLE);
  out->complexity = value(ports, TANDEM_CTL_COMPLEXITY);
  out->density = value(ports, TANDEM_CTL_DENSITY);
  out->energy = value(ports, TANDEM_CTL_ENERGY);
  out->swing_pct = value(ports, TANDEM_CTL_SWING);
  if (out->swing_pct > 0.0f && out->swing_pct < 50.0f) {
    out->swing_pct = 50.0f; /* below straight means straight */
  }
  out->humanize_ms = value(ports, TANDEM_CTL_HUMANIZE_MS);
  out->velocity_humanize = value(ports, TANDEM_CTL_VELOCITY_HUMANIZE);
  out->follow = value(ports, TANDEM_CTL_FOLLOW);
  out->fill = value(ports, TANDEM_CTL_FILL);
  out->bars = (int)value(ports, TANDEM_CTL_BARS);
  out->key = (int)value(ports, TANDEM_CTL_KEY);
  out->scale = (int)value(ports, TANDEM_CTL_SCALE);
  out->channel = (int)value(ports, TANDEM_CTL_CHANNEL);
  out->octave = (int)value(ports, TANDEM_CTL_OCTAVE);
  out->seed = (uint32_t)value(ports, TANDEM_CTL_SEED);
  out->regenerate = value(ports, TANDEM_CTL_REGENERATE) > 0.5f;
  out->hold = value(ports, TANDEM_CTL_HOLD) > 0.5f;
  out->sensitivity = value(ports, TANDEM_CTL_SENSITIVITY);
  out->like = value(ports, TANDEM_CTL_LIKE) > 0.5f;
  out->dislike = value(ports, TANDEM_CTL_DISLIKE) > 0.5f;
  out->reset_learning = value(ports, TANDEM_CTL_RESET_LEARNING) > 0.5f;
  out->export_midi = value(ports, TANDEM_CTL_EXPORT) > 0.5f;
  out->export_variations = (int)value(ports, TANDEM_CTL_EXPORT_VARIATIONS);
  out->send = value(ports, TANDEM_CTL_SEND) > 0.5f;
  out->alternative = (int)value(ports, TANDEM_CTL_ALTERNATIVE);
  out->free_wheeling = value(ports, TANDEM_CTL_FREE_WHEELING) > 0.5f;
  out->learn = value(ports, TANDEM_CTL_LEARN) > 0.5f;
  out->save_profile = value(ports, TANDEM_CTL_SAVE_PROFILE) > 0.5f;
}

static void put(const TandemControlPorts* ports, TandemOutputIndex i, float v)
{
  if (ports->out[i]) {
    *ports->out[i] = isfinite(v) ? v : 0.0f;
  }
}

void tandem_controls_write(const TandemControlPorts* ports,
                           const TandemAnalysisReadout* r)
{
  put(ports, TANDEM_OUT_DETECTED_BPM, r->tempo.confidence > 0.0f ? r->tempo.bpm : 0.0f);
  put(ports, TANDEM_OUT_BPM_CONFIDENCE, r->tempo.confidence);
  const TandemHarmonyEstimate* h = &r->harmony;
  const bool has_key = h->key_confidence > 0.0f;
  put(ports, TANDEM_OUT_DETECTED_KEY,
      has_key ? (float)(h->key_root % 12 + (h->key_scale == TANDEM_SCALE_MINOR ? 12 : 0))
              : -1.0f);
  put(ports, TANDEM_OUT_KEY_CONFIDENCE, h->key_confidence);
  put(ports, TANDEM_OUT_CHORD,
      h->has_chord ? (float)((h->chord_root % 12) * TANDEM_CHORD_COUNT +
                             (h->chord_quality % TANDEM_CHORD_COUNT))
                   : -1.0f);
  put(ports, TANDEM_OUT_RMS_DB, r->rms_db);
  put(ports, TANDEM_OUT_PEAK_DB, r->peak_db);
  put(ports, TANDEM_OUT_CREST_DB, r->crest_db);
  for (int b = 0; b < TANDEM_N_BANDS; ++b) {
    put(ports, (TandemOutputIndex)(TANDEM_OUT_BAND_SUB_DB + b), r->bands_db[b]);
  }
  put(ports, TANDEM_OUT_ONSET_ACTIVITY, r->onset_activity);
}

void tandem_controls_write_llm_status(const TandemControlPorts* ports, uint32_t status)
{
  put(ports, TANDEM_OUT_LLM_STATUS, (float)status);
}

void tandem_controls_write_song(const TandemControlPorts* ports, int genre,
                                float genre_confidence, int section)
{
  put(ports, TANDEM_OUT_GENRE, (float)genre);
  put(ports, TANDEM_OUT_GENRE_CONFIDENCE, genre_confidence);
  put(ports, TANDEM_OUT_SECTION, (float)section);
}
