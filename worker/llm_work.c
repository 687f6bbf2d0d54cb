/* Tandem — the language-model part of work() (see llm_work.h). */
#include "llm_work.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "intent.h"
#include "llm_http.h"
#include "sections.h"

bool tandem_llm_work_handles(uint32_t type)
{
  return type == TANDEM_MSG_LLM_CONFIG || type == TANDEM_MSG_LLM_REQUEST ||
         type == TANDEM_MSG_LLM_BAR || type == TANDEM_MSG_LLM_ALTERNATIVE ||
         type == TANDEM_MSG_LLM_FALLBACKS;
}

void tandem_llm_settings_default(TandemLlmSettings* s)
{
  /* The defaults are those of run()'s config message, so both sides start alike. */
  TandemLlmConfigMsg d;
  tandem_llm_config_msg_default(&d);
  memset(s, 0, sizeof(*s));
  s->provider = d.provider;
  s->timeout_s = d.timeout_s;
  s->temperature = d.temperature;
  s->max_tokens = d.max_tokens;
}

static void settings_from_env(TandemLlmSettings* s)
{
  tandem_llm_settings_default(s);
  const char* fallbacks = getenv("TANDEM_LLM_FALLBACKS");
  if (fallbacks) {
    snprintf(s->fallbacks, sizeof(s->fallbacks), "%s", fallbacks);
  }
  const char* url = getenv("TANDEM_LLM_URL");
  if (!url || !*url) {
    return;
  }
  snprintf(s->url, sizeof(s->url), "%s", url);
  const char* model = getenv("TANDEM_LLM_MODEL");
  snprintf(s->model, sizeof(s->model), "%s", model ? model : "");
  const int kind = tandem_llm_provider_parse(getenv("TANDEM_LLM_PROVIDER"));
  s->provider = kind >= 0 ? (uint32_t)kind : TANDEM_LLM_DEFAULT_PROVIDER;
  const char* timeout = getenv("TANDEM_LLM_TIMEOUT");
  s->timeout_s = timeout ? strtof(timeout, NULL) : TANDEM_LLM_DEFAULT_TIMEOUT_S;
}

/* Copies up to the first NUL; always terminates. */
static void copy_field(char* dst, size_t cap, const char* src, size_t src_cap)
{
  const size_t n = strnlen(src, src_cap < cap ? src_cap : cap - 1);
  memcpy(dst, src, n);
  dst[n] = '\0';
}

int tandem_llm_fallbacks_parse(const char* text, TandemLlmEndpoint* out, int max,
                               char* err, size_t err_size)
{
  int n = 0;
  int line_no = 0;
  const char* p = text ? text : "";
  while (*p) {
    const char* eol = strchr(p, '\n');
    const size_t len = eol ? (size_t)(eol - p) : strlen(p);
    ++line_no;
    char line[TANDEM_LLM_FALLBACKS_MAX];
    const size_t take = len < sizeof(line) - 1 ? len : sizeof(line) - 1;
    memcpy(line, p, take);
    line[take] = '\0';
    p = eol ? eol + 1 : p + len;
    char* words[4] = {NULL, NULL, NULL, NULL};
    int n_words = 0;
    char* save = NULL;
    for (char* w = strtok_r(line, " \t\r\f\v", &save); w && n_words < 4;
         w = strtok_r(NULL, " \t\r\f\v", &save)) {
      words[n_words++] = w;
    }
    if (n_words == 0 || words[0][0] == '#') {
      continue;
    }
    const int kind = tandem_llm_provider_parse(words[0]);
    if (kind < 0 || n_words < 2 || n_words > 3) {
      snprintf(err, err_size,
               "llmFallbacks line %d: write \"provider url [model]\" with provider "
               "openai, ollama or anthropic",
               line_no);
      return -1;
    }
    if (strlen(words[1]) >= TANDEM_LLM_URL_MAX ||
        (n_words == 3 && strlen(words[2]) >= TANDEM_LLM_MODEL_MAX)) {
      snprintf(err, err_size, "llmFallbacks line %d: URL or model name too long",
               line_no);
      return -1;
    }
    if (n >= max) {
      continue; /* more than the client holds: the rest are ignored */
    }
    TandemLlmEndpoint* ep = &out[n++];
    memset(ep, 0, sizeof(*ep));
    ep->provider = (TandemLlmProviderKind)kind;
    snprintf(ep->url, sizeof(ep->url), "%s", words[1]);
    snprintf(ep->model, sizeof(ep->model), "%s", n_words == 3 ? words[2] : "");
  }
  return n;
}

/* Clamps the numbers to what the properties allow; bad values get defaults. */
static void settings_sanitize(TandemLlmSettings* s)
{
  s->url[sizeof(s->url) - 1] = '\0';
  s->model[sizeof(s->model) - 1] = '\0';
  s->fallbacks[sizeof(s->fallbacks) - 1] = '\0';
  if (s->provider >= TANDEM_LLM_PROVIDER_COUNT) {
    s->provider = TANDEM_LLM_DEFAULT_PROVIDER;
  }
  if (!(s->timeout_s > 0 && s->timeout_s <= 600)) {
    s->timeout_s = TANDEM_LLM_DEFAULT_TIMEOUT_S;
  }
  if (!(s->temperature >= 0 && s->temperature <= 2)) {
    s->temperature = TANDEM_LLM_DEFAULT_TEMPERATURE;
  }
  if (!(s->max_tokens > 0 && s->max_tokens <= 65536)) {
    s->max_tokens = TANDEM_LLM_DEFAULT_MAX_TOKENS;
  }
}

bool tandem_llm_work_apply_settings(TandemLlmWork* lw, const TandemLlmSettings* in,
                                    char* err, size_t err_size)
{
  TandemLlmSettings s = *in;
  settings_sanitize(&s);
  TandemLlmConfig cfg;
  tandem_llm_config_default(&cfg);
  if (s.url[0]) {
    TandemLlmEndpoint* ep = &cfg.endpoints[cfg.n_endpoints++];
    ep->provider = (TandemLlmProviderKind)s.provider;
    memcpy(ep->url, s.url, sizeof(ep->url));
    memcpy(ep->model, s.model, sizeof(ep->model));
  }
  const int n = tandem_llm_fallbacks_parse(
      s.fallbacks, cfg.endpoints + cfg.n_endpoints,
      (int)(TANDEM_LLM_MAX_ENDPOINTS - cfg.n_endpoints), err, err_size);
  const bool ok = n >= 0;
  if (ok) {
    cfg.n_endpoints += (uint32_t)n;
  } else {
    s.fallbacks[0] = '\0';
  }
  for (uint32_t i = 0; i < cfg.n_endpoints; ++i) {
    cfg.endpoints[i].timeout_s = s.timeout_s;
    cfg.endpoints[i].temperature = s.temperature;
    cfg.endpoints[i].max_tokens = s.max_tokens;
  }
  lw->settings = s;
  if (lw->client) {
    tandem_llm_set_config(lw->client, &cfg);
  }
  return ok;
}

void tandem_llm_work_reset_settings(TandemLlmWork* lw)
{
  TandemLlmSettings s;
  settings_from_env(&s);
  char err[8];
  tandem_llm_work_apply_settings(lw, &s, err, sizeof(err));
  lw->settings_set = false;
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
  tandem_llm_config_default(&cfg);
  lw->client = tandem_llm_create(&cfg, err, err_size);
  if (!lw->client) {
    tandem_llm_work_cleanup(lw);
    return false;
  }
  tandem_llm_work_reset_settings(lw);
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

_Static_assert(TANDEM_LLM_MAX_ALTS <= TANDEM_LLM_STATE_ALTS,
               "the state message carries every kept alternative's confidence");

/* The state, with the alternatives of last (NULL: none kept). */
static void respond_state(LV2_Worker_Respond_Function respond,
                          LV2_Worker_Respond_Handle handle, TandemLlmStatus status,
                          const TandemLlmResult* last, uint32_t serial)
{
  TandemLlmStateMsg msg = {TANDEM_MSG_LLM_STATE, (uint32_t)status, 0, serial, {0}};
  if (last) {
    msg.n_alternatives = last->reply.n_alts;
    for (uint32_t i = 0; i < last->reply.n_alts && i < TANDEM_LLM_STATE_ALTS; ++i) {
      msg.confidence[i] = last->reply.alts[i].confidence;
    }
  }
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

static void respond_config(TandemLlmWork* lw, LV2_Worker_Respond_Function respond,
                           LV2_Worker_Respond_Handle handle, const char* fallback_err)
{
  const TandemLlmStatus st = tandem_llm_status(lw->client);
  respond_state(respond, handle, st, lw->has_last ? lw->last : NULL, 0);
  char text[1024]; /* cut to the status length when sent */
  if (lw->settings.url[0] && !tandem_http_url_allowed(lw->settings.url)) {
    snprintf(text, sizeof(text),
             "model URL refused: use https, or http only to this computer (loopback)");
    respond_text(lw, respond, handle, TANDEM_STATUS_ERROR, text);
  }
  if (fallback_err) {
    snprintf(text, sizeof(text), "%s; no fallback model is used", fallback_err);
    respond_text(lw, respond, handle, TANDEM_STATUS_ERROR, text);
  }
}

static void do_config(TandemLlmWork* lw, const TandemLlmConfigMsg* msg,
                      LV2_Worker_Respond_Function respond,
                      LV2_Worker_Respond_Handle handle)
{
  const uint32_t f = msg->fields ? msg->fields : ~0u;
  TandemLlmSettings s = lw->settings;
  if (f & TANDEM_LLM_FIELD_URL) {
    copy_field(s.url, sizeof(s.url), msg->url, sizeof(msg->url));
  }
  if (f & TANDEM_LLM_FIELD_MODEL) {
    copy_field(s.model, sizeof(s.model), msg->model, sizeof(msg->model));
  }
  if (f & TANDEM_LLM_FIELD_PROVIDER) {
    s.provider = msg->provider;
  }
  if (f & TANDEM_LLM_FIELD_TIMEOUT) {
    s.timeout_s = msg->timeout_s;
  }
  if (f & TANDEM_LLM_FIELD_TEMPERATURE) {
    s.temperature = msg->temperature;
  }
  if (f & TANDEM_LLM_FIELD_MAX_TOKENS) {
    s.max_tokens = msg->max_tokens;
  }
  char err[256];
  const bool ok = tandem_llm_work_apply_settings(lw, &s, err, sizeof(err));
  lw->settings_set = true;
  respond_config(lw, respond, handle, ok ? NULL : err);
}

static void do_fallbacks(TandemLlmWork* lw, const TandemLlmFallbacksMsg* msg,
                         LV2_Worker_Respond_Function respond,
                         LV2_Worker_Respond_Handle handle)
{
  TandemLlmSettings s = lw->settings;
  copy_field(s.fallbacks, sizeof(s.fallbacks), msg->text, sizeof(msg->text));
  char err[256];
  const bool ok = tandem_llm_work_apply_settings(lw, &s, err, sizeof(err));
  lw->settings_set = true;
  respond_config(lw, respond, handle, ok ? NULL : err);
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
  if (msg->section > 0 && msg->section < TANDEM_SECTION_LABELS) {
    snprintf(c->section, sizeof(c->section), "%s",
             tandem_section_label_name(msg->section));
  }
  const char* genre = msg->genre > 0 && msg->genre <= TANDEM_STYLE_SHIPPED_COUNT
                          ? tandem_style_shipped_name(msg->genre)
                          : NULL;
  if (genre) {
    snprintf(c->genre, sizeof(c->genre), "%s", genre);
    c->genre_confidence = isfinite(msg->genre_confidence) ? msg->genre_confidence : 0.0f;
  }
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
  if (msg->local_only && tandem_llm_enabled(lw->client)) {
    /* Freewheel export: the network must not decide what the file holds. */
    tandem_llm_history_add(&lw->history, request, "not sent: freewheeling");
    snprintf(text, sizeof(text),
             "freewheeling: \"%s\" is not sent to the model during an export%s", shown,
             intent.n_matched ? "; known modifiers applied" : "");
    respond_text(lw, respond, handle, TANDEM_STATUS_OK, text);
  } else if (tandem_llm_enabled(lw->client)) {
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
    respond_state(respond, handle, lw->last->status, lw->last, serial);
    respond_text(lw, respond, handle, TANDEM_STATUS_OK, text);
  } else {
    snprintf(text, sizeof(text), "model %s: %s", tandem_llm_status_name(r->status),
             r->error[0] ? r->error : "no usable reply");
    respond_state(respond, handle, r->status, lw->has_last ? lw->last : NULL, 0);
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
  case TANDEM_MSG_LLM_FALLBACKS: {
    if (size != sizeof(TandemLlmFallbacksMsg)) {
      return LV2_WORKER_ERR_UNKNOWN;
    }
    TandemLlmFallbacksMsg* msg = malloc(sizeof(*msg));
    if (!msg) {
      return LV2_WORKER_ERR_NO_SPACE;
    }
    memcpy(msg, data, sizeof(*msg));
    do_fallbacks(lw, msg, respond, handle);
    free(msg);
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
      respond_state(respond, handle, lw->last->status, lw->last, msg.serial);
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
    /* Status before poll: the client publishes its result and leaves the
     * waiting state at once, so a result that lands between the two calls
     * is still seen by the poll. */
    const bool busy = tandem_llm_status(lw->client) == TANDEM_LLM_STATUS_WAITING;
    if (tandem_llm_poll(lw->client, lw->incoming)) {
      handle_result(lw, respond, handle, NULL, 0);
      return true;
    }
    if (!busy) {
      /* Nothing in flight and nothing new: it was taken already. */
      return false;
    }
    struct timespec ts = {0, (long)(step_s * 1e9)};
    nanosleep(&ts, NULL);
  }
  return false;
}
