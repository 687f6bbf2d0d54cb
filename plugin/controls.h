/* Tandem — the control ports: their order, reading inputs safely, writing outputs.
 *
 * The order of the enums below is the order of the ports in ttl/tandem.ttl after the
 * five fixed ports (in, out, control, notify, enabled).  Hosts and presets address
 * ports by symbol, so new ports are only ever appended.
 *
 * Threads: all functions — audio thread (realtime-safe).
 */
#ifndef TANDEM_CONTROLS_H
#define TANDEM_CONTROLS_H

#include <stdbool.h>
#include <stdint.h>

#include "analysis.h"
#include "pattern.h"

#define TANDEM_PORT_FIRST_CONTROL 5

typedef enum {
  TANDEM_CTL_ROLE = 0,
  TANDEM_CTL_STYLE,
  TANDEM_CTL_COMPLEXITY,
  TANDEM_CTL_DENSITY,
  TANDEM_CTL_ENERGY,
  TANDEM_CTL_SWING,
  TANDEM_CTL_HUMANIZE_MS,
  TANDEM_CTL_VELOCITY_HUMANIZE,
  TANDEM_CTL_FOLLOW,
  TANDEM_CTL_FILL,
  TANDEM_CTL_BARS,
  TANDEM_CTL_KEY,
  TANDEM_CTL_SCALE,
  TANDEM_CTL_CHANNEL,
  TANDEM_CTL_OCTAVE,
  TANDEM_CTL_SEED,
  TANDEM_CTL_REGENERATE,
  TANDEM_CTL_HOLD,
  TANDEM_CTL_SENSITIVITY,
  /* Inputs appended after the first outputs (port TANDEM_PORT_FIRST_APPENDED on);
   * their port numbers are in the appended-port table in controls.c. */
  TANDEM_CTL_LIKE,
  TANDEM_CTL_DISLIKE,
  TANDEM_CTL_RESET_LEARNING,
  TANDEM_CTL_EXPORT,
  TANDEM_CTL_EXPORT_VARIATIONS,
  TANDEM_CTL_SEND,
  TANDEM_CTL_ALTERNATIVE,
  TANDEM_CTL_FREE_WHEELING,
  TANDEM_CTL_LEARN,
  TANDEM_CTL_SAVE_PROFILE,
  TANDEM_CTL_COUNT
} TandemControlIndex;

/* Inputs in the first block of ports, before the outputs. */
#define TANDEM_CTL_FIRST_BLOCK (TANDEM_CTL_SENSITIVITY + 1)

typedef enum {
  TANDEM_OUT_DETECTED_BPM = 0,
  TANDEM_OUT_BPM_CONFIDENCE,
  TANDEM_OUT_DETECTED_KEY,
  TANDEM_OUT_KEY_CONFIDENCE,
  TANDEM_OUT_CHORD,
  TANDEM_OUT_RMS_DB,
  TANDEM_OUT_PEAK_DB,
  TANDEM_OUT_CREST_DB,
  TANDEM_OUT_BAND_SUB_DB,
  TANDEM_OUT_BAND_BASS_DB,
  TANDEM_OUT_BAND_LOW_MID_DB,
  TANDEM_OUT_BAND_MID_DB,
  TANDEM_OUT_BAND_HIGH_MID_DB,
  TANDEM_OUT_BAND_PRESENCE_DB,
  TANDEM_OUT_BAND_BRILLIANCE_DB,
  TANDEM_OUT_ONSET_ACTIVITY,
  /* Outputs appended later go here; their ports are in the table in controls.c. */
  TANDEM_OUT_LLM_STATUS,       /* TandemLlmStatus (llm.h): off, idle, waiting, ok, ... */
  TANDEM_OUT_GENRE,            /* style index 1..12, 0 unknown */
  TANDEM_OUT_GENRE_CONFIDENCE, /* 0..1 */
  TANDEM_OUT_SECTION,          /* TandemSectionLabel (worker/sections.h) */
  TANDEM_OUT_COUNT
} TandemOutputIndex;

/* Outputs in the first block of ports. */
#define TANDEM_OUT_FIRST_BLOCK (TANDEM_OUT_ONSET_ACTIVITY + 1)

#define TANDEM_PORT_FIRST_OUTPUT (TANDEM_PORT_FIRST_CONTROL + TANDEM_CTL_FIRST_BLOCK)
/* Ports from here on (40) were appended one by one, inputs and outputs mixed. */
#define TANDEM_PORT_FIRST_APPENDED (TANDEM_PORT_FIRST_OUTPUT + TANDEM_OUT_FIRST_BLOCK)
#define TANDEM_PORT_COUNT                                                                \
  (TANDEM_PORT_FIRST_APPENDED + (TANDEM_CTL_COUNT - TANDEM_CTL_FIRST_BLOCK) +            \
   (TANDEM_OUT_COUNT - TANDEM_OUT_FIRST_BLOCK))

typedef struct {
  const float* in[TANDEM_CTL_COUNT];
  float* out[TANDEM_OUT_COUNT];
} TandemControlPorts;

/* The input controls as the plugin uses them: every value finite and in range. */
typedef struct {
  TandemRole role;
  int style;               /* 0 auto, 1..12 shipped */
  float complexity;        /* 0..1 */
  float density;           /* 0..1 */
  float energy;            /* 0..1 */
  float swing_pct;         /* 0 (the style's) or 50..75 */
  float humanize_ms;       /* 0..50 */
  float velocity_humanize; /* 0..1 */
  float follow;            /* 0..1 */
  float fill;              /* 0..1 */
  int bars;                /* 1..16 */
  int key;                 /* -1 auto, 0..11 */
  int scale;               /* -1 auto, 0..TANDEM_SCALE_COUNT-1 */
  int channel;             /* 0 auto, 1..16 */
  int octave;              /* -3..3 */
  uint32_t seed;           /* 0..9999 */
  bool regenerate;
  bool hold;
  float sensitivity; /* 0..1 */
  /* Triggers: like or dislike the pattern playing now, forget what they taught,
   * write the pattern and export_variations (0..16) variations as .mid files. */
  bool like;
  bool dislike;
  bool reset_learning;
  bool export_midi;
  int export_variations;
  bool send;       /* trigger: send the prompt property again */
  int alternative; /* 0..2: which of the model's alternatives plays */
  bool free_wheeling; /* lv2:freeWheeling: the host renders faster than realtime */
  bool learn;         /* toggle: measure the input's groove for a style profile */
  bool save_profile;  /* trigger: write the learned profile to profilePath */
} TandemControls;

/* Stores data if port is a control port; returns false otherwise. */
bool tandem_controls_connect(TandemControlPorts* ports, uint32_t port, void* data);

/* Reads every input: an unconnected port, NaN or Inf gives the default, values are
 * clamped to the port's range and integer ports rounded. */
void tandem_controls_read(const TandemControlPorts* ports, TandemControls* out);

/* Writes the analysis to the connected output ports (never NaN). */
void tandem_controls_write(const TandemControlPorts* ports,
                           const TandemAnalysisReadout* r);

/* Writes the language model's state (TandemLlmStatus) to the llm_status port. */
void tandem_controls_write_llm_status(const TandemControlPorts* ports, uint32_t status);

/* Writes the genre (style index, 0 unknown), its confidence and the section label
 * that work() last reported. */
void tandem_controls_write_song(const TandemControlPorts* ports, int genre,
                                float genre_confidence, int section);

#endif
