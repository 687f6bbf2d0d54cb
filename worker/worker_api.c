/* Tandem — the worker behind its opaque handle (plugin/worker_api.h): the jobs
 * (work.h), the model client (llm_work.h) and the state (state.h) of one
 * plugin instance. */
#include "worker_api.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "llm.h"
#include "state.h"
#include "work.h"

struct TandemWorker {
  TandemWork work;
  TandemStateURIs state_uris; /* read-only after tandem_worker_new */
};

TandemWorker* tandem_worker_new(LV2_URID_Map* map)
{
  TandemWorker* w = calloc(1, sizeof(TandemWorker));
  if (w) {
    tandem_state_map(&w->state_uris, map);
  }
  return w;
}

bool tandem_worker_start(TandemWorker* w, const char* bundle_path, TandemRing* patterns,
                         LV2_Log_Logger* logger, char* err, size_t err_size)
{
  return tandem_work_init(&w->work, bundle_path, patterns, logger, err, err_size);
}

void tandem_worker_free(TandemWorker* w)
{
  if (!w) {
    return;
  }
  tandem_work_cleanup(&w->work);
  free(w);
}

TandemLlmStatus tandem_worker_llm_status(TandemWorker* w)
{
  return w->work.llm.client ? tandem_llm_status(w->work.llm.client)
                            : TANDEM_LLM_STATUS_OFF;
}

LV2_Worker_Status tandem_worker_request(TandemWorker* w,
                                        LV2_Worker_Respond_Function respond,
                                        LV2_Worker_Respond_Handle handle, uint32_t size,
                                        const void* data)
{
  return tandem_work_do(&w->work, respond, handle, size, data);
}

LV2_State_Status tandem_worker_save(TandemWorker* w, LV2_State_Store_Function store,
                                    LV2_State_Handle handle,
                                    const LV2_Feature* const* features, int32_t phase)
{
  return tandem_state_save(&w->work, &w->state_uris, store, handle, features, phase);
}

LV2_State_Status tandem_worker_restore(TandemWorker* w,
                                       LV2_State_Retrieve_Function retrieve,
                                       LV2_State_Handle handle,
                                       const LV2_Feature* const* features,
                                       TandemWorkerRestored* out)
{
  const LV2_State_Status st =
      tandem_state_restore(&w->work, &w->state_uris, retrieve, handle, features);
  /* A request may be running on the worker thread: the prompt is read under its lock. */
  if (w->work.lock_ready) {
    pthread_mutex_lock(&w->work.lock);
  }
  size_t i = 0;
  for (; w->work.prompt[i] && i + 1 < sizeof(out->prompt); ++i) {
    out->prompt[i] = w->work.prompt[i];
  }
  out->prompt[i] = '\0';
  if (w->work.lock_ready) {
    pthread_mutex_unlock(&w->work.lock);
  }
  out->has_llm_status = w->work.llm.client != NULL;
  out->llm_status = tandem_worker_llm_status(w);
  return st;
}
