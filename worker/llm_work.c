/* Tandem — the language-model part of work() (see llm_work.h). */
#include "llm_work.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "intent.h"
#include "llm_http.h"

bool tandem_llm_work_handles(uint32_t type)
{
  return type == TANDEM_MSG_LLM_CONFIG || type == TANDEM_MSG_LLM_REQUEST ||
         type == TANDEM_MSG_LLM_BAR || type == TANDEM_MSG_LLM_ALTERNATIVE;
}

static void config_from_env(TandemLlmConfig* cfg)
{
  tandem_llm_config_default(cfg);
  const char* url = getenv("TANDEM_LLM_URL");
  if (!url || !*url) {
    return;
  }
  TandemLlmEndpoint* ep = &cfg->endpoints[0];
  snprintf(ep->url, sizeof(ep->url), "%s", url);
  const char* model = getenv("TANDEM_LLM_MODEL");
  snprintf(ep->model, sizeof(ep->model), "%s", model ? model : "");
  const int kind = tandem_llm_provider_parse(getenv("TANDEM_LLM_PROVIDER"));
  ep->provider = kind >= 0 ? (TandemLlmProviderKind)kind : TANDEM_LLM_OPENAI;
  const char* timeout = getenv("TANDEM_LLM_TIMEOUT");
  ep->timeout_s = timeout ? strtof(timeout, NULL) : 20.0f;
  ep->temperature = 0.7f;
  ep->max_tokens = 4096;
  cfg->n_endpoints = 1;
}

bool tandem_llm_work_init(TandemLlmWork* lw, TandemRing* patterns, LV2_Log_Logger* logger,
                          char* err, size_t err_size)
{
  memset(lw, 0, sizeof(*lw));
  lw->patterns = patterns;
  lw->logger = logger;
  lw->last = calloc(1, sizeof(*lw->last));
  lw->incoming = calloc(1, sizeof(*lw->incoming));
  lw->ctx = calloc(1, sizeof(*lw->ctx));
  if (!lw->last || !lw->incoming || !lw->ctx) {
    snprintf(err, err_size, "out of memory for the language-model client");
    tandem_llm_work_cleanup(lw);
    return false;
  }
  TandemLlmConfig cfg;
  config_from_env(&cfg);
  lw->client = tandem_llm_create(&cfg, err, err_size);
  if (!lw->client) {
    tandem_llm_work_cleanup(lw);
    return false;
  }
  lw->report.status = tandem_llm_status(lw->client);
  return true;
}

void tandem_llm_work_cleanup(TandemLlmWork* lw)
{
  tandem_llm_destroy(lw->client);
  lw->client = NULL;
  free(lw->last);
  free(lw->incoming);
  free(lw->ctx);
  lw->last = lw->incoming = NULL;
  lw->ctx = NULL;
}

static void respond_text(TandemLlmWork* lw, LV2_Worker_Respond_Function respond,
                         LV2_Worker_Respond_Handle handle, TandemStatusLevel level,
                         const char* text)
{
  TandemStatusMsg msg;
  memset(&msg, 0, sizeof(msg));
  msg.type = TANDEM_MSG_STATUS;
  msg.level = (uint32_t)level;
  tandem_llm_sanitize_line(msg.text, sizeof(msg.text), text);
  if (lw->logger) {
    if (level == TANDEM_STATUS_ERROR) {
      lv2_log_warning(lw->logger, "Tandem: %s\n", msg.text);
    } else {
      lv2_log_note(lw->logger, "Tandem: %s\n", msg.text);
    }
  }
  if (respond) {
    respond(handle, sizeof(msg), &msg);
  }
}

static void respond_state(LV2_Worker_Respond_Function respond,
                          LV2_Worker_Respond_Handle handle, TandemLlmStatus status,
                          uint32_t n_alts, uint32_t serial)
{
  const TandemLlmStateMsg msg = {TANDEM_MSG_LLM_STATE, (uint32_t)status, n_alts, serial};
  if (respond) {
    respond(handle, sizeof(msg), &msg);
  }
}

/* Writes alternative index of lw->last to the ring under serial. */
static bool send_alternative(TandemLlmWork* lw, uint32_t index, uint32_t serial,
                             const TandemStyle* style)
{
  if (!lw->has_last || index >= lw->last->reply.n_alts) {
    return false;
  }
  lw->scratch = lw->last->reply.alts[index].pattern;
  lw->scratch.serial = serial;
  if (style) {
    lw->scratch.swing_pct = style->swing_pct;
    lw->scratch.swing_grid_ticks =
        style->swing_grid == 8 ? TANDEM_PPQ / 2 : TANDEM_PPQ / 4;
  }
  lw->wrote_pattern = tandem_ring_write_msg(lw->patterns, TANDEM_RING_MODEL_PATTERN,
                                            &lw->scratch, sizeof(lw->scratch));
  return lw->wrote_pattern;
}

static void do_config(TandemLlmWork* lw, const TandemLlmConfigMsg* msg,
                      LV2_Worker_Respond_Function respond,
                      LV2_Worker_Respond_Handle handle)
{
  TandemLlmConfig cfg;
  tandem_llm_config_default(&cfg);
  char url[TANDEM_LLM_URL_MAX];
  memcpy(url, msg->url, sizeof(url));
  url[sizeof(url) - 1] = '\0';
  if (url[0]) {
    TandemLlmEndpoint* ep = &cfg.endpoints[0];
    memcpy(ep->url, url, sizeof(ep->url));
    memcpy(ep->model, msg->model, sizeof(ep->model));
    ep->model[sizeof(ep->model) - 1] = '\0';
    ep->provider = msg->provider < TANDEM_LLM_PROVIDER_COUNT
                       ? (TandemLlmProviderKind)msg->provider
                       : TANDEM_LLM_OPENAI;
    ep->timeout_s = msg->timeout_s > 0 && msg->timeout_s <= 600 ? msg->timeout_s : 20.0f;
    ep->temperature =
        msg->temperature >= 0 && msg->temperature <= 2 ? msg->temperature : 0.7f;
    ep->max_tokens =
        msg->max_tokens > 0 && msg->max_tokens <= 65536 ? msg->max_tokens : 4096;
    cfg.n_endpoints = 1;
  }
  tandem_llm_set_config(lw->client, &cfg);
  const TandemLlmStatus st = tandem_llm_status(lw->client);
  respond_state(respond, handle, st, lw->has_last ? lw->last->reply.n_alts : 0, 0);
  char text[1024]; /* cut to the status length when sent */
  if (url[0] && !tandem_http_url_allowed(url)) {
    snprintf(text, sizeof(text),
             "model URL refused: use https, or http only to this computer (loopback)");
    respond_text(lw, respond, handle, TANDEM_STATUS_ERROR, text);
  }
}

static void context_from(TandemLlmWork* lw, const TandemLlmRequestMsg* msg,
                         const TandemStyle* style, const TandemPattern* current)
{
  TandemPromptContext* c = lw->ctx;
  memset(c, 0, sizeof(*c));
  c->role = msg->role;
  c->bars = msg->bars;
  c->beats_per_bar = msg->beats_per_bar;
  c->beat_unit = msg->beat_unit;
  c->tempo_bpm = msg->tempo_bpm;
  c->tempo_confidence = msg->tempo_confidence;
  c->key_known = msg->key_known != 0;
  c->key_root = msg->key_root;
  c->key_scale = msg->key_scale;
  c->n_chords = msg->n_chords <= TANDEM_LLM_CONTEXT_BARS ? msg->n_chords : 0;
  for (int i = 0; i < c->n_chords; ++i) {
    c->chords[i].known = msg->chord_known[i] != 0;
    c->chords[i].root = msg->chord_root[i];
    c->chords[i].quality = msg->chord_quality[i];
  }
  c->onsets_known = msg->onsets_known != 0;
  memcpy(c->onset_steps, msg->onset_steps, sizeof(c->onset_steps));
  c->energy = msg->energy;
  if (style) {
    c->has_style = true;
    c->style = *style;
  }
  if (current && current->role == msg->role && tandem_pattern_valid(current)) {
    c->has_current = true;
    c->current = *current;
  }
  c->history = lw->history;
  memcpy(c->request, msg->text,
         sizeof(c->request) < sizeof(msg->text) ? sizeof(c->request) : sizeof(msg->text));
  c->request[sizeof(c->request) - 1] = '\0';
}

static LV2_Worker_Status do_request(TandemLlmWork* lw, const TandemLlmRequestMsg* msg,
                                    LV2_Worker_Respond_Function respond,
                                    LV2_Worker_Respond_Handle handle,
                                    const TandemStyle* style,
                                    const TandemPattern* current)
{
  if (msg->role >= TANDEM_ROLE_TRIGGER || msg->bars < 1 || msg->bars > TANDEM_MAX_BARS ||
      msg->beats_per_bar < 1 || msg->beats_per_bar > 16 ||
      (msg->beat_unit != 4 && msg->beat_unit != 8)) {
    return LV2_WORKER_ERR_UNKNOWN;
  }
  char request[TANDEM_LLM_TEXT_MAX];
  memcpy(request, msg->text, sizeof(request));
  request[sizeof(request) - 1] = '\0';
  char shown[96];
  tandem_llm_sanitize_line(shown, sizeof(shown), request);

  TandemIntent intent;
  if (tandem_intent_parse(request, &intent)) {
    const TandemLlmIntentMsg im = {TANDEM_MSG_LLM_INTENT, intent.energy,
                                   intent.complexity,     intent.density,
                                   intent.fill,           intent.swing_pct,
                                   intent.ghost,          intent.octave,
                                   intent.tempo_factor,   intent.straight ? 1u : 0u};
    if (respond) {
      respond(handle, sizeof(im), &im);
    }
  }
  char text[1024]; /* cut to the status length when sent */
  if (tandem_llm_enabled(lw->client)) {
    context_from(lw, msg, style, current);
    if (!tandem_llm_submit(lw->client, lw->ctx, msg->serial)) {
      respond_text(lw, respond, handle, TANDEM_STATUS_ERROR,
                   "could not build the model prompt; keeping the current pattern");
      return LV2_WORKER_SUCCESS;
    }
    lw->last_request_serial = msg->serial;
    tandem_llm_history_add(&lw->history, request, "sent to the model");
    respond_state(respond, handle, TANDEM_LLM_STATUS_WAITING, 0, 0);
    snprintf(text, sizeof(text), "asking the model: \"%s\"%s", shown,
             intent.n_matched ? " (modifiers applied meanwhile)" : "");
    respond_text(lw, respond, handle, TANDEM_STATUS_OK, text);
  } else if (intent.fully_understood) {
    tandem_llm_history_add(&lw->history, request, "applied locally");
    snprintf(text, sizeof(text), "applied \"%s\" at the next bar", shown);
    respond_text(lw, respond, handle, TANDEM_STATUS_OK, text);
  } else {
    tandem_llm_history_add(&lw->history, request, "needs a language model");
    respond_state(respond, handle, TANDEM_LLM_STATUS_OFF, 0, 0);
    snprintf(text, sizeof(text),
             "\"%s\" needs a language model (\"%s\" is not a modifier Tandem knows); "
             "set llm_url, or use words like harder, darker, half-time%s",
             shown, intent.unknown_word, intent.n_matched ? "; known words applied" : "");
    respond_text(lw, respond, handle, TANDEM_STATUS_ERROR, text);
  }
  return LV2_WORKER_SUCCESS;
}

/* Takes a finished result: report, history, and the pattern to the ring. */
static void handle_result(TandemLlmWork* lw, LV2_Worker_Respond_Function respond,
                          LV2_Worker_Respond_Handle handle, const TandemStyle* style,
                          uint32_t serial_for_pattern)
{
  TandemLlmResult* r = lw->incoming;
  TandemLlmReport* rep = &lw->report;
  memset(rep, 0, sizeof(*rep));
  rep->status = r->status;
  memcpy(rep->provider, r->provider, sizeof(rep->provider));
  memcpy(rep->model, r->model, sizeof(rep->model));
  rep->latency_ms = r->latency_ms;
  rep->prompt_tokens = r->prompt_tokens;
  rep->completion_tokens = r->completion_tokens;
  memcpy(rep->validation, r->reply.verdict, sizeof(rep->validation));
  memcpy(rep->error, r->error, sizeof(rep->error));
  rep->n_alternatives = r->reply.n_alts;
  for (uint32_t i = 0; i < r->reply.n_alts && i < TANDEM_LLM_MAX_ALTS; ++i) {
    rep->confidence[i] = r->reply.alts[i].confidence;
    memcpy(rep->reason[i], r->reply.alts[i].reason, sizeof(rep->reason[i]));
  }
  if (lw->history.n > 0) {
    snprintf(lw->history.items[lw->history.n - 1].outcome, TANDEM_LLM_OUTCOME_MAX, "%s",
             tandem_llm_status_name(r->status));
  }

  char text[1024]; /* cut to the status length when sent */
  uint32_t serial = 0;
  if (r->reply.n_alts > 0) {
    /* Swap: the new result becomes the one `alternative` steps through. */
    TandemLlmResult* t = lw->last;
    lw->last = lw->incoming;
    lw->incoming = t;
    lw->has_last = true;
    const uint32_t s = serial_for_pattern ? serial_for_pattern : lw->last->tag;
    if (send_alternative(lw, 0, s, style)) {
      serial = s;
    }
    snprintf(text, sizeof(text),
             "model %s (%s %s, %.0f ms): %u notes, %u alternative%s; %s",
             tandem_llm_status_name(lw->last->status), lw->last->provider,
             lw->last->model, lw->last->latency_ms,
             lw->last->reply.alts[0].pattern.n_notes, lw->last->reply.n_alts,
             lw->last->reply.n_alts == 1 ? "" : "s", lw->last->reply.alts[0].reason);
    respond_state(respond, handle, lw->last->status, lw->last->reply.n_alts, serial);
    respond_text(lw, respond, handle, TANDEM_STATUS_OK, text);
  } else {
    snprintf(text, sizeof(text), "model %s: %s", tandem_llm_status_name(r->status),
             r->error[0] ? r->error : "no usable reply");
    respond_state(respond, handle, r->status, lw->has_last ? lw->last->reply.n_alts : 0,
                  0);
    respond_text(lw, respond, handle, TANDEM_STATUS_ERROR, text);
  }
}

LV2_Worker_Status tandem_llm_work_do(TandemLlmWork* lw,
                                     LV2_Worker_Respond_Function respond,
                                     LV2_Worker_Respond_Handle handle, uint32_t size,
                                     const void* data, const TandemStyle* style,
                                     const TandemPattern* current)
{
  if (!lw->client || !data || size < sizeof(uint32_t)) {
    return LV2_WORKER_ERR_UNKNOWN;
  }
  lw->wrote_pattern = false;
  uint32_t type;
  memcpy(&type, data, sizeof(type));
  switch (type) {
  case TANDEM_MSG_LLM_CONFIG: {
    if (size != sizeof(TandemLlmConfigMsg)) {
      return LV2_WORKER_ERR_UNKNOWN;
    }
    TandemLlmConfigMsg msg;
    memcpy(&msg, data, sizeof(msg)); /* the host's ring gives no alignment guarantee */
    do_config(lw, &msg, respond, handle);
    return LV2_WORKER_SUCCESS;
  }
  case TANDEM_MSG_LLM_REQUEST: {
    if (size != sizeof(TandemLlmRequestMsg)) {
      return LV2_WORKER_ERR_UNKNOWN;
    }
    TandemLlmRequestMsg msg;
    memcpy(&msg, data, sizeof(msg));
    return do_request(lw, &msg, respond, handle, style, current);
  }
  case TANDEM_MSG_LLM_BAR: {
    if (size != sizeof(TandemLlmBarMsg)) {
      return LV2_WORKER_ERR_UNKNOWN;
    }
    TandemLlmBarMsg msg;
    memcpy(&msg, data, sizeof(msg));
    if (msg.apply && tandem_llm_poll(lw->client, lw->incoming)) {
      handle_result(lw, respond, handle, style, msg.serial);
    }
    return LV2_WORKER_SUCCESS;
  }
  case TANDEM_MSG_LLM_ALTERNATIVE: {
    if (size != sizeof(TandemLlmAltMsg)) {
      return LV2_WORKER_ERR_UNKNOWN;
    }
    TandemLlmAltMsg msg;
    memcpy(&msg, data, sizeof(msg));
    if (send_alternative(lw, msg.index, msg.serial, style)) {
      respond_state(respond, handle, lw->last->status, lw->last->reply.n_alts,
                    msg.serial);
    }
    return LV2_WORKER_SUCCESS;
  }
  default:
    return LV2_WORKER_ERR_UNKNOWN;
  }
}

bool tandem_llm_work_wait(TandemLlmWork* lw, double timeout_s,
                          LV2_Worker_Respond_Function respond,
                          LV2_Worker_Respond_Handle handle)
{
  lw->wrote_pattern = false;
  if (!lw->client || !lw->last_request_serial) {
    return false;
  }
  const double step_s = 0.01;
  for (double waited = 0; waited < timeout_s; waited += step_s) {
    if (tandem_llm_poll(lw->client, lw->incoming)) {
      handle_result(lw, respond, handle, NULL, 0);
      return true;
    }
    if (tandem_llm_status(lw->client) != TANDEM_LLM_STATUS_WAITING) {
      /* Nothing in flight and nothing new: it was taken already. */
      return false;
    }
    struct timespec ts = {0, (long)(step_s * 1e9)};
    nanosleep(&ts, NULL);
  }
  return false;
}
