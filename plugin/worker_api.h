/* Tandem — the worker as the plugin's entry points see it: one opaque handle.
 *
 * Everything work() and the state callbacks need (style profiles, generation,
 * sections, groove capture, the model client, the saved state) lives behind a
 * TandemWorker.  This header is on the realtime side so that plugin/tandem.c
 * needs no worker header; worker/worker_api.c defines it in the worker library.
 * run() talks to the worker only through messages.h and the pattern ring; it
 * never calls these functions.
 *
 * Threads: tandem_worker_new, tandem_worker_start — instantiate;
 * tandem_worker_free — cleanup; tandem_worker_llm_status — instantiate or the
 * state thread; tandem_worker_request — the host's worker thread (or run()'s
 * thread when the host's worker is synchronous), never concurrently with itself;
 * tandem_worker_save, tandem_worker_restore — the host's state thread (they take
 * the worker's lock, so they may run while a request does).
 */
#ifndef TANDEM_WORKER_API_H
#define TANDEM_WORKER_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lv2/log/logger.h>
#include <lv2/state/state.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>

#include "messages.h"
#include "ring.h"

typedef struct TandemWorker TandemWorker;

/* Allocates an idle worker and maps the state keys with map.  NULL when out of
 * memory.  tandem_worker_free is safe on it whether or not it was started. */
TandemWorker* tandem_worker_new(LV2_URID_Map* map);

/* Starts the model thread and loads the shipped profiles from
 * <bundle_path>/styles.  Patterns go to run() through patterns (this side is
 * its producer); lines are logged through logger, which must outlive the
 * worker.  Returns false, with a message in err, if no profile could be loaded
 * (the plugin still runs; it can only trigger then); on true, err holds a
 * warning or is empty. */
bool tandem_worker_start(TandemWorker* w, const char* bundle_path, TandemRing* patterns,
                         LV2_Log_Logger* logger, char* err, size_t err_size);

/* Joins the model thread and frees the worker.  NULL is ignored. */
void tandem_worker_free(TandemWorker* w);

/* The model client's status now; TANDEM_LLM_STATUS_OFF when it has none. */
TandemLlmStatus tandem_worker_llm_status(TandemWorker* w);

/* Does one request from run() (a messages.h message of size bytes): the body of
 * work().  Answers go through respond; patterns through the pattern ring.
 * LV2_WORKER_ERR_UNKNOWN for a malformed message. */
LV2_Worker_Status tandem_worker_request(TandemWorker* w,
                                        LV2_Worker_Respond_Function respond,
                                        LV2_Worker_Respond_Handle handle, uint32_t size,
                                        const void* data);

/* Stores the plugin state (worker/state.h lists the keys); phase is the playing
 * pattern's bar anchor modulo its length, -1 when unknown. */
LV2_State_Status tandem_worker_save(TandemWorker* w, LV2_State_Store_Function store,
                                    LV2_State_Handle handle,
                                    const LV2_Feature* const* features, int32_t phase);

/* What run()'s side takes back from a restored state. */
typedef struct {
  char prompt[TANDEM_LLM_TEXT_MAX]; /* the last plain-language request, "" none */
  bool has_llm_status;              /* false: no model client */
  TandemLlmStatus llm_status;       /* the client's status with the restored settings */
} TandemWorkerRestored;

/* Restores the plugin state (a restored pattern goes to run() through the
 * pattern ring) and fills out.  Always LV2_STATE_SUCCESS: bad values fall back
 * to defaults and are logged. */
LV2_State_Status tandem_worker_restore(TandemWorker* w,
                                       LV2_State_Retrieve_Function retrieve,
                                       LV2_State_Handle handle,
                                       const LV2_Feature* const* features,
                                       TandemWorkerRestored* out);

#endif
