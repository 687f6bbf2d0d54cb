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

typedef enum {
  TANDEM_MSG_LOG = 1,    /* run() → work(): log a line it cannot log itself */
  TANDEM_MSG_STATUS = 2, /* work() → run(): a new status text */
} TandemMsgType;

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
  uint32_t type; /* TANDEM_MSG_STATUS */
  char text[TANDEM_STATUS_MAX];
} TandemStatusMsg;

#endif
