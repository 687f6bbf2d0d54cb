/* Tandem — messages between run() and work().
 *
 * Every message is a small POD struct that starts with a TandemMsgType tag and
 * is copied by value through the host's worker ring (schedule_work / respond).
 * Nothing here holds a pointer.
 *
 * Threads: types only.
 */
#ifndef TANDEM_MESSAGES_H
#define TANDEM_MESSAGES_H

#include <stdint.h>

#include "barfeatures.h"

#define TANDEM_STATUS_MAX 256
#define TANDEM_PATH_MAX   1024
#define TANDEM_BUSY_STEPS 64 /* 16ths in the longest bar */

typedef enum {
  TANDEM_MSG_LOG = 1,        /* run() → work(): log a line it cannot log itself */
  TANDEM_MSG_STATUS = 2,     /* work() → run(): a new status text */
  TANDEM_MSG_GENERATE = 3,   /* run() → work(): make a pattern */
  TANDEM_MSG_STYLE_FILE = 4, /* run() → work(): load (or, if empty, drop) a user profile */
  /* run() → work(): like, dislike or reset learning */
  TANDEM_MSG_FEEDBACK = 20,
  /* run() → work(): write the pattern playing and variations as .mid files */
  TANDEM_MSG_EXPORT = 21,
  TANDEM_MSG_BAR_SNAPSHOT = 30, /* run() → work(): one bar's features (genre, sections) */
  TANDEM_MSG_SONG = 31,         /* work() → run(): genre and section now */
  /* 40..49: the language model's messages, defined in worker/llm_work.h */
  TANDEM_MSG_LLM_FIRST = 40,
  TANDEM_MSG_LLM_LAST = 49,
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
  uint8_t role;    /* TandemRole, not trigger */
  uint8_t style;   /* 0 auto, 1..12 shipped */
  uint8_t bars;    /* 1..16 */
  uint8_t beats_per_bar;
  uint8_t beat_unit;
  uint8_t n_busy;  /* values in busy: 16ths in one bar, 0 when unknown */
  uint8_t section; /* the song section now (worker/sections.h labels), 0 unknown */
  uint8_t reserved;
  float complexity;
  float density;
  float energy;
  float fill;
  float detected_bpm; /* 0 when unknown; drives the auto style */
  float host_bpm;     /* 0 without a host transport */
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
  int32_t section; /* TandemSectionLabel (worker/sections.h) */
  float section_confidence;
  int32_t auto_style; /* what "auto" plays now: 1..12, 0 when the tempo decides */
} TandemSongMsg;

/* Groove capture (worker/groove.h): the learn toggle and the save_profile trigger.
 * While learning, work() feeds every bar snapshot into the capture. */
#define TANDEM_MSG_GROOVE 22 /* run() → work() */

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

#endif
