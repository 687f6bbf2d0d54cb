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
};

bool tandem_controls_connect(TandemControlPorts* ports, uint32_t port, void* data)
{
  if (port >= TANDEM_PORT_FIRST_CONTROL && port < TANDEM_PORT_FIRST_OUTPUT) {
    ports->in[port - TANDEM_PORT_FIRST_CONTROL] = (const float*)data;
    return true;
  }
  if (port >= TANDEM_PORT_FIRST_OUTPUT && port < TANDEM_PORT_COUNT) {
    ports->out[port - TANDEM_PORT_FIRST_OUTPUT] = (float*)data;
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
