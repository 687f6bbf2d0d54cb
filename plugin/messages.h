/* Tandem — the message protocol between run() and the worker: every tag and
 * every payload, declared once.
 *
 * Every message is a small POD struct that starts with a TandemMsgType tag and
 * is copied by value through the host's worker ring (schedule_work / respond);
 * each fits the smallest host worker rings (4 KiB).  The plugin's own pattern
 * ring carries TandemRingMsgType frames.  Nothing here holds a pointer.  The
 * value sets the messages carry (model status and provider, song section,
 * shipped style count) live here too, so that run() needs no worker header.
 *
 * Threads: types only; tandem_llm_provider_name, tandem_llm_provider_parse and
 * tandem_llm_config_msg_default (messages.c) touch only their arguments: any
 * thread, realtime-safe.
 */
#ifndef TANDEM_MESSAGES_H
#define TANDEM_MESSAGES_H

#include <stdint.h>

#include "barfeatures.h"

#define TANDEM_STATUS_MAX        256
#define TANDEM_PATH_MAX          1024
#define TANDEM_BUSY_STEPS        64  /* 16ths in the longest bar */
#define TANDEM_LLM_TEXT_MAX      256 /* a plain-language request */
#define TANDEM_LLM_FALLBACKS_MAX 1024
#define TANDEM_LLM_URL_MAX       512
#define TANDEM_LLM_MODEL_MAX     128
#define TANDEM_LLM_CONTEXT_BARS  4 /* chords of this many last bars */
#define TANDEM_LLM_ONSET_BARS    2
#define TANDEM_LLM_ONSET_BANDS   4 /* kick, snare, hat, other */

typedef enum {
  TANDEM_MSG_LOG = 1,      /* run() → work(): log a line it cannot log itself */
  TANDEM_MSG_STATUS = 2,   /* work() → run(): a new status text */
  TANDEM_MSG_GENERATE = 3, /* run() → work(): make a pattern */
  /* run() → work(): load (or, if empty, drop) a user profile */
  TANDEM_MSG_STYLE_FILE = 4,
  /* run() → work(): like, dislike or reset learning */
  TANDEM_MSG_FEEDBACK = 20,
  /* run() → work(): write the pattern playing and variations as .mid files */
  TANDEM_MSG_EXPORT = 21,
  /* run() → work(): groove capture, the learn toggle and save_profile */
  TANDEM_MSG_GROOVE = 22,
  TANDEM_MSG_BAR_SNAPSHOT = 30, /* run() → work(): one bar's features (genre, sections) */
  TANDEM_MSG_SONG = 31,         /* work() → run(): genre and section now */
  /* 40..46: the language model's messages (worker/llm_work.h does them) */
  TANDEM_MSG_LLM_CONFIG = 40,      /* run() → work(): TandemLlmConfigMsg */
  TANDEM_MSG_LLM_REQUEST = 41,     /* run() → work(): TandemLlmRequestMsg */
  TANDEM_MSG_LLM_BAR = 42,         /* run() → work(): TandemLlmBarMsg, the poll */
  TANDEM_MSG_LLM_ALTERNATIVE = 43, /* run() → work(): TandemLlmAltMsg */
  TANDEM_MSG_LLM_INTENT = 44,      /* work() → run(): TandemLlmIntentMsg */
  TANDEM_MSG_LLM_STATE = 45,       /* work() → run(): TandemLlmStateMsg */
  TANDEM_MSG_LLM_FALLBACKS = 46,   /* run() → work(): TandemLlmFallbacksMsg */
} TandemMsgType;

/* Messages in the plugin's own pattern ring (worker → audio thread). */
typedef enum {
  TANDEM_RING_PATTERN = 1, /* body: a TandemPattern */
  /* body: a TandemPattern from restored state; run() plays it whatever its serial,
   * drops answers to older requests, and asks for no new one until a control
   * that shapes the pattern changes */
  TANDEM_RING_RESTORED_PATTERN = 20,
  TANDEM_RING_MODEL_PATTERN = 3, /* body: a TandemPattern the language model wrote */
} TandemRingMsgType;

typedef enum {
  TANDEM_STATUS_OK = 0,
  TANDEM_STATUS_ERROR = 1,
} TandemStatusLevel;

typedef enum {
  TANDEM_LOG_NOTE = 0,
  TANDEM_LOG_WARNING = 1,
  TANDEM_LOG_ERROR = 2,
} TandemLogLevel;

/* The shipped style profiles: indices 1..12 in messages; 0 is "auto". */
#define TANDEM_STYLE_SHIPPED_COUNT 12

/* Song section labels (worker/sections.h finds them). */
typedef enum {
  TANDEM_SECTION_UNKNOWN = 0,
  TANDEM_SECTION_INTRO = 1,
  TANDEM_SECTION_VERSE = 2,
  TANDEM_SECTION_CHORUS = 3,
  TANDEM_SECTION_BRIDGE = 4,
  TANDEM_SECTION_OUTRO = 5,
  TANDEM_SECTION_A = 6, /* A, B, C, D: a group without a confident name */
  TANDEM_SECTION_B = 7,
  TANDEM_SECTION_C = 8,
  TANDEM_SECTION_D = 9,
  TANDEM_SECTION_LABELS
} TandemSectionLabel;

/* What the llm_status output port shows (its values are a port contract). */
typedef enum {
  TANDEM_LLM_STATUS_OFF = 0, /* no endpoint configured */
  TANDEM_LLM_STATUS_IDLE = 1,
  TANDEM_LLM_STATUS_WAITING = 2,  /* a job is queued or in flight */
  TANDEM_LLM_STATUS_OK = 3,       /* a reply was accepted as given */
  TANDEM_LLM_STATUS_CACHED = 4,   /* answered from the cache */
  TANDEM_LLM_STATUS_REPAIRED = 5, /* a reply was accepted after repairs */
  TANDEM_LLM_STATUS_FALLBACK = 6, /* every endpoint failed: play the built-in pattern */
  TANDEM_LLM_STATUS_ERROR = 7,    /* the job could not be sent (no prompt, bad config) */
} TandemLlmStatus;

/* The model's wire format (worker/llm_wire.h speaks them). */
typedef enum {
  TANDEM_LLM_OPENAI = 0,
  TANDEM_LLM_OLLAMA = 1,
  TANDEM_LLM_ANTHROPIC = 2,
  TANDEM_LLM_PROVIDER_COUNT
} TandemLlmProviderKind;

/* "openai", "ollama", "anthropic"; "unknown" for any other kind.  Any thread. */
const char* tandem_llm_provider_name(TandemLlmProviderKind kind);
/* Parses a provider name; -1 if unknown.  Any thread (realtime-safe). */
int tandem_llm_provider_parse(const char* name);

typedef struct {
  uint32_t type; /* TANDEM_MSG_LOG */
  uint32_t level;
  char text[TANDEM_STATUS_MAX];
} TandemLogMsg;

typedef struct {
  uint32_t type;  /* TANDEM_MSG_STATUS */
  uint32_t level; /* TandemStatusLevel */
  char text[TANDEM_STATUS_MAX];
} TandemStatusMsg;

/* A request for a new pattern.  Fits the smallest host worker rings (4 KiB). */
typedef struct {
  uint32_t type;   /* TANDEM_MSG_GENERATE */
  uint32_t serial; /* the plugin plays only the newest serial's answer */
  uint32_t seed;
  uint8_t role;  /* TandemRole, not trigger */
  uint8_t style; /* 0 auto, 1..12 shipped */
  uint8_t bars;  /* 1..16 */
  uint8_t beats_per_bar;
  uint8_t beat_unit;
  uint8_t n_busy;  /* values in busy: 16ths in one bar, 0 when unknown */
  uint8_t section; /* the song section now (TandemSectionLabel), 0 unknown */
  uint8_t reserved;
  float complexity;
  float density;
  float energy;
  float fill;
  float detected_bpm;            /* 0 when unknown; drives the auto style */
  float host_bpm;                /* 0 without a host transport */
  float busy[TANDEM_BUSY_STEPS]; /* input onsets per 16th of the last bars, 0..1 */
} TandemGenerateMsg;

typedef struct {
  uint32_t type; /* TANDEM_MSG_STYLE_FILE */
  char path[TANDEM_PATH_MAX];
} TandemStyleFileMsg;

typedef enum {
  TANDEM_FEEDBACK_LIKE = 1,
  TANDEM_FEEDBACK_DISLIKE = 2,
  TANDEM_FEEDBACK_RESET = 3,
} TandemFeedbackKind;

typedef struct {
  uint32_t type; /* TANDEM_MSG_FEEDBACK */
  uint32_t kind; /* TandemFeedbackKind */
} TandemFeedbackMsg;

/* Export the pattern playing now (the worker keeps a copy of every pattern it
 * sends) and n_variations variations of it.  Pitched roles are resolved against
 * the harmony run() hears now. */
typedef struct {
  uint32_t type;         /* TANDEM_MSG_EXPORT */
  uint32_t n_variations; /* 0..TANDEM_EXPORT_MAX_VARIATIONS */
  uint8_t key_root;
  uint8_t scale;
  uint8_t chord_root;
  uint8_t chord_quality;
  uint8_t channel; /* 1..16 */
  int8_t octave;   /* -3..3 */
  uint8_t reserved[2];
  float bpm; /* of the host or the analysis; 0 unknown (120 is written) */
  char path[TANDEM_PATH_MAX];
} TandemExportMsg;

#define TANDEM_EXPORT_MAX_VARIATIONS 16

/* One bar of input, measured by run() (barfeatures.h, realtime-safe). */
typedef struct {
  uint32_t type;    /* TANDEM_MSG_BAR_SNAPSHOT */
  uint32_t serial;  /* reserved for a drum part with a section fill the worker may send */
  uint32_t playing; /* the serial of the pattern the player plays now, 0 none */
  TandemBarFeatures bar;
} TandemBarSnapshotMsg;

/* What genre and section detection make of the bars so far. */
typedef struct {
  uint32_t type;          /* TANDEM_MSG_SONG */
  int32_t genre;          /* style index 1..12, 0 unknown */
  float genre_confidence; /* 0..1 */
  int32_t candidates[3];  /* the top 3 style indices, 0 none */
  float candidate_confidence[3];
  int32_t section; /* TandemSectionLabel */
  float section_confidence;
  int32_t auto_style; /* what "auto" plays now: 1..12, 0 when the tempo decides */
} TandemSongMsg;

/* Groove capture (worker/groove.h): the learn toggle and the save_profile trigger.
 * While learning, work() feeds every bar snapshot into the capture. */
typedef enum {
  TANDEM_GROOVE_START = 1, /* learn went on: forget what was learned, start afresh */
  TANDEM_GROOVE_STOP = 2,  /* learn went off: keep what was learned, for saving */
  TANDEM_GROOVE_SAVE = 3,  /* write the profile learned so far to path */
} TandemGrooveAction;

typedef struct {
  uint32_t type;              /* TANDEM_MSG_GROOVE */
  uint32_t action;            /* TandemGrooveAction */
  char path[TANDEM_PATH_MAX]; /* TANDEM_GROOVE_SAVE only; empty otherwise */
} TandemGrooveMsg;

/* ---- The language model's messages (worker/llm_work.h does them) ---- */

/* Which settings a config message carries (TandemLlmConfigMsg.fields). */
enum {
  TANDEM_LLM_FIELD_URL = 1u << 0,
  TANDEM_LLM_FIELD_MODEL = 1u << 1,
  TANDEM_LLM_FIELD_PROVIDER = 1u << 2,
  TANDEM_LLM_FIELD_TIMEOUT = 1u << 3,
  TANDEM_LLM_FIELD_TEMPERATURE = 1u << 4,
  TANDEM_LLM_FIELD_MAX_TOKENS = 1u << 5,
};

/* The model settings (plugin properties llmUrl, llmModel, llmProvider, llmTimeout,
 * llmTemperature, llmMaxTokens).  Only the fields named in `fields` are taken (0:
 * all), so that run() sends what a patch:Set changed and never overwrites a
 * setting restored from state with its own stale copy.  An empty url (with no
 * fallbacks) turns the model off. */
typedef struct {
  uint32_t type;     /* TANDEM_MSG_LLM_CONFIG */
  uint32_t provider; /* TandemLlmProviderKind */
  float timeout_s;
  float temperature;
  int32_t max_tokens;
  uint32_t fields; /* TANDEM_LLM_FIELD_* bits; 0: every field */
  char url[TANDEM_LLM_URL_MAX];
  char model[TANDEM_LLM_MODEL_MAX];
} TandemLlmConfigMsg;

/* The model settings' defaults, until a property, the state or the environment sets
 * them.  Written only here; tandem_llm_config_msg_default is their constructor. */
#define TANDEM_LLM_DEFAULT_PROVIDER    TANDEM_LLM_OPENAI
#define TANDEM_LLM_DEFAULT_TIMEOUT_S   20.0f
#define TANDEM_LLM_DEFAULT_TEMPERATURE 0.7f
#define TANDEM_LLM_DEFAULT_MAX_TOKENS  4096

/* A config message with every default setting, no URL or model, and fields 0.  Any
 * thread (realtime-safe). */
void tandem_llm_config_msg_default(TandemLlmConfigMsg* c);

/* The fallback endpoints (plugin property llmFallbacks): one per line,
 * "provider url [model]", tried in order after the main one and before the
 * built-in generator; they share its timeout, temperature and max tokens.  At
 * most TANDEM_LLM_MAX_ENDPOINTS - 1 lines are used. */
typedef struct {
  uint32_t type; /* TANDEM_MSG_LLM_FALLBACKS */
  char text[TANDEM_LLM_FALLBACKS_MAX];
} TandemLlmFallbacksMsg;

/* A plain-language request ("send"), with what the track is doing now. */
typedef struct {
  uint32_t type;   /* TANDEM_MSG_LLM_REQUEST */
  uint32_t serial; /* reserved by run() for the model's pattern */
  uint8_t role;
  uint8_t style; /* 0 auto, 1..12 */
  uint8_t bars;
  uint8_t beats_per_bar;
  uint8_t beat_unit;
  uint8_t key_known;
  uint8_t key_root;
  uint8_t key_scale;
  uint8_t n_chords;
  uint8_t onsets_known;
  uint8_t local_only; /* 1 while freewheeling: apply known modifiers, ask no model */
  uint8_t section;    /* TandemSectionLabel, 0 unknown */
  uint8_t chord_known[TANDEM_LLM_CONTEXT_BARS];
  uint8_t chord_root[TANDEM_LLM_CONTEXT_BARS];
  uint8_t chord_quality[TANDEM_LLM_CONTEXT_BARS];
  uint16_t onset_steps[TANDEM_LLM_ONSET_BARS][TANDEM_LLM_ONSET_BANDS];
  float tempo_bpm;
  float tempo_confidence;
  float energy;
  int32_t genre; /* shipped style index 1..12, 0 unknown */
  float genre_confidence;
  char text[TANDEM_LLM_TEXT_MAX];
} TandemLlmRequestMsg;

/* Sent while a model request is out (once per bar, or more often): take a
 * finished result if there is one and write its pattern under serial.  The
 * serial is reserved when this message is sent, not when the request was, so a
 * built-in pattern made in between (e.g. from the request's modifiers) does not
 * make the model's answer look stale.  With apply 0 (freewheel export) results
 * are kept for later, so an export never changes with network timing. */
typedef struct {
  uint32_t type;   /* TANDEM_MSG_LLM_BAR */
  uint32_t apply;  /* 1: write a finished result's pattern to the ring */
  uint32_t serial; /* for the pattern; 0: the request's serial */
} TandemLlmBarMsg;

/* Play alternative `index` of the last model result, under serial. */
typedef struct {
  uint32_t type; /* TANDEM_MSG_LLM_ALTERNATIVE */
  uint32_t index;
  uint32_t serial;
} TandemLlmAltMsg;

/* Parameter changes from the local intent parser, applied by run() at once (the
 * new pattern they make swaps in at the next bar). */
typedef struct {
  uint32_t type; /* TANDEM_MSG_LLM_INTENT */
  float energy;
  float complexity;
  float density;
  float fill;
  float swing_pct;
  float ghost;
  int32_t octave;
  float tempo_factor;
  uint32_t straight;
} TandemLlmIntentMsg;

#define TANDEM_LLM_STATE_ALTS 3 /* confidences carried: the most a reply keeps */

/* The model's state for the llm_status port, the alternative count and each
 * alternative's confidence (0..1, as the model gave it), for the window. */
typedef struct {
  uint32_t type;   /* TANDEM_MSG_LLM_STATE */
  uint32_t status; /* TandemLlmStatus */
  uint32_t n_alternatives;
  uint32_t serial; /* of the pattern written, 0 if none */
  float confidence[TANDEM_LLM_STATE_ALTS];
} TandemLlmStateMsg;

#endif
