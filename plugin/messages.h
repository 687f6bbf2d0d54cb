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

#define TANDEM_STATUS_MAX 256
#define TANDEM_PATH_MAX   1024
#define TANDEM_BUSY_STEPS 64 /* 16ths in the longest bar */

typedef enum {
  TANDEM_MSG_LOG = 1,        /* run() → work(): log a line it cannot log itself */
  TANDEM_MSG_STATUS = 2,     /* work() → run(): a new status text */
  TANDEM_MSG_GENERATE = 3,   /* run() → work(): make a pattern */
  TANDEM_MSG_STYLE_FILE = 4, /* run() → work(): load (or, if empty, drop) a user profile */
} TandemMsgType;

/* Messages in the plugin's own pattern ring (worker → audio thread). */
typedef enum {
  TANDEM_RING_PATTERN = 1, /* body: a TandemPattern */
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
  uint8_t reserved[2];
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

#endif
