/* Tandem — the LLM client thread (see llm.h). */
#include "llm.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "llm_cache.h"
#include "llm_http.h"

#define KEY_MAX 512

typedef struct {
  uint32_t id;
  uint32_t tag;
  TandemReplyShape shape;
  char* system;
  char* user;
  double submit_ms;
} Job;

typedef struct {
  uint32_t failures; /* failed jobs in a row */
  double open_until_ms;
} Breaker;

struct TandemLlmClient {
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t wake; /* new job, cancel, quit */
  pthread_cond_t done; /* a result arrived */
  bool thread_started;

  /* Under lock. */
  bool quit;
  bool cancel_running;
  Job* pending;
  uint32_t running_id;
  uint32_t next_id;
  TandemLlmConfig cfg;
  bool cfg_changed;
  TandemLlmResult* result; /* the newest finished */
  bool result_fresh;
  TandemLlmStatus status;

  /* LLM thread only. */
  TandemLlmConfig job_cfg;
  TandemLlmResult* scratch;
  Breaker breakers[TANDEM_LLM_MAX_ENDPOINTS];
  uint64_t rng;
  TandemHttp* http;
  TandemLlmCache* cache;

  /* Read-only after create. */
  char key_tandem[KEY_MAX];
  char key_openai[KEY_MAX];
  char key_anthropic[KEY_MAX];

  atomic_uint_fast64_t requests;
};

static double now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

const char* tandem_llm_status_name(TandemLlmStatus status)
{
  static const char* const names[] = {"off",    "idle",     "waiting",  "ok",
                                      "cached", "repaired", "fallback", "error"};
  return (unsigned)status <= TANDEM_LLM_STATUS_ERROR ? names[status] : "error";
}

void tandem_llm_config_default(TandemLlmConfig* cfg)
{
  memset(cfg, 0, sizeof(*cfg));
  cfg->max_retries = 2;
  cfg->backoff_base_ms = 250;
  cfg->backoff_max_ms = 8000;
  cfg->breaker_threshold = 3;
  cfg->breaker_cooldown_ms = 30000;
  cfg->rate_per_minute = 30;
  cfg->rate_burst = 5;
}

void tandem_llm_scrub(char* text, const char* secret)
{
  if (!text || !secret || !*secret) {
    return;
  }
  const size_t sl = strlen(secret);
  char* p;
  while ((p = strstr(text, secret))) {
    const size_t tail = strlen(p + sl);
    memcpy(p, "***", 3);
    memmove(p + 3, p + sl, tail + 1);
    if (sl < 3) {
      break; /* a key this short is no key; avoid looping on our own stars */
    }
  }
}

static void read_key(char* out, const char* env)
{
  const char* v = getenv(env);
  out[0] = '\0';
  if (v && strlen(v) < KEY_MAX) {
    snprintf(out, KEY_MAX, "%s", v);
  }
}

static void read_key_file(char* out, const char* path)
{
  FILE* f = fopen(path, "r");
  if (!f) {
    return;
  }
  if (fgets(out, KEY_MAX, f)) {
    out[strcspn(out, "\r\n")] = '\0';
  } else {
    out[0] = '\0';
  }
  fclose(f);
}

static const char* key_for(const TandemLlmClient* c, TandemLlmProviderKind kind)
{
  if (c->key_tandem[0]) {
    return c->key_tandem;
  }
  return kind == TANDEM_LLM_ANTHROPIC ? c->key_anthropic : c->key_openai;
}

static void scrub_all(const TandemLlmClient* c, char* text)
{
  tandem_llm_scrub(text, c->key_tandem);
  tandem_llm_scrub(text, c->key_openai);
  tandem_llm_scrub(text, c->key_anthropic);
}

static void job_free(Job* job)
{
  if (job) {
    free(job->system);
    free(job->user);
    free(job);
  }
}

/* Sleeps up to ms; false if the job was cancelled or the client is quitting. */
static bool sleep_cancellable(TandemLlmClient* c, double ms)
{
  struct timespec until;
  clock_gettime(CLOCK_MONOTONIC, &until);
  const long long ns = (long long)(ms * 1e6);
  until.tv_sec += (time_t)(ns / 1000000000LL);
  until.tv_nsec += (long)(ns % 1000000000LL);
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec += 1;
    until.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock(&c->lock);
  int rc = 0;
  while (!c->quit && !c->cancel_running && rc != ETIMEDOUT) {
    rc = pthread_cond_timedwait(&c->wake, &c->lock, &until);
  }
  const bool go_on = !c->quit && !c->cancel_running;
  pthread_mutex_unlock(&c->lock);
  return go_on;
}

static double jitter(TandemLlmClient* c)
{
  /* xorshift64: each client its own stream. */
  c->rng ^= c->rng << 13;
  c->rng ^= c->rng >> 7;
  c->rng ^= c->rng << 17;
  return 0.5 + (double)(c->rng >> 11) / (double)(1ull << 53);
}

/* The token bucket is shared by every client in the process: several plugin
 * instances talking to one provider must not multiply its request rate.  Only
 * the LLM threads touch it (never run()), so a mutex is fine here. */
static struct {
  pthread_mutex_t lock;
  bool started;
  double tokens;
  double last_ms;
} process_bucket = {PTHREAD_MUTEX_INITIALIZER, false, 0.0, 0.0};

/* Takes a token from the process-wide bucket, refilled at the caller's rate and
 * capped at its burst; waits (cancellably) for one if needed. */
static bool rate_take(TandemLlmClient* c)
{
  const TandemLlmConfig* cfg = &c->job_cfg;
  const double per_ms = (cfg->rate_per_minute > 0 ? cfg->rate_per_minute : 30) / 60000.0;
  const double burst = cfg->rate_burst > 0 ? cfg->rate_burst : 5;
  for (;;) {
    pthread_mutex_lock(&process_bucket.lock);
    const double t = now_ms();
    if (!process_bucket.started) {
      process_bucket.started = true;
      process_bucket.tokens = burst;
      process_bucket.last_ms = t;
    }
    process_bucket.tokens += (t - process_bucket.last_ms) * per_ms;
    process_bucket.last_ms = t;
    if (process_bucket.tokens > burst) {
      process_bucket.tokens = burst;
    }
    const bool got = process_bucket.tokens >= 1.0;
    if (got) {
      process_bucket.tokens -= 1.0;
    }
    const double wait_ms = got ? 0.0 : (1.0 - process_bucket.tokens) / per_ms;
    pthread_mutex_unlock(&process_bucket.lock);
    if (got) {
      return true;
    }
    /* Another client may take the token first; then this one waits again. */
    if (!sleep_cancellable(c, wait_ms)) {
      return false;
    }
  }
}

/* Formats into a large buffer first: the error is cut to fit, on purpose. */
static void set_error(TandemLlmResult* r, const char* fmt, const char* a, const char* b)
{
  char full[2048];
  snprintf(full, sizeof(full), fmt, a, b);
  const size_t n = strnlen(full, sizeof(r->error) - 1);
  memcpy(r->error, full, n);
  r->error[n] = '\0';
}

static bool cancelled(TandemLlmClient* c)
{
  pthread_mutex_lock(&c->lock);
  const bool v = c->quit || c->cancel_running;
  pthread_mutex_unlock(&c->lock);
  return v;
}

typedef enum { TRY_DONE, TRY_NEXT, TRY_CANCELLED } TryOutcome;

/* One endpoint: cache, then attempts with retries.  TRY_DONE fills r with a reply. */
static TryOutcome try_endpoint(TandemLlmClient* c, const Job* job,
                               const TandemLlmEndpoint* ep, const json_t* schema,
                               TandemLlmResult* r)
{
  char url[TANDEM_LLM_URL_MAX + 64];
  char what[TANDEM_LLM_URL_MAX + 80];
  const char* pname = tandem_llm_provider_name(ep->provider);
  if (!tandem_llm_endpoint_url(ep->provider, ep->url, url, sizeof(url))) {
    set_error(r, "%s: no usable URL configured%s", pname, "");
    return TRY_NEXT;
  }
  snprintf(what, sizeof(what), "%s at %s", pname, url);
  if (!tandem_http_url_allowed(url)) {
    set_error(r, "%s: URL refused (use https, or http only to a loopback address)", what,
              "");
    return TRY_NEXT;
  }
  char temp[32], maxtok[32];
  const int max_tokens =
      ep->max_tokens > 0 ? ep->max_tokens : TANDEM_LLM_DEFAULT_MAX_TOKENS;
  snprintf(temp, sizeof(temp), "%.3f", (double)ep->temperature);
  snprintf(maxtok, sizeof(maxtok), "%d", max_tokens);
  const char* parts[] = {pname, url, ep->model, temp, maxtok, job->system, job->user};
  const uint64_t key = tandem_llm_cache_key(parts, sizeof(parts) / sizeof(parts[0]));
  snprintf(r->provider, sizeof(r->provider), "%s", pname);
  snprintf(r->model, sizeof(r->model), "%s", ep->model);

  char* cached = c->cache ? tandem_llm_cache_get(c->cache, key) : NULL;
  if (cached) {
    const bool ok =
        tandem_llm_reply_parse(cached, strlen(cached), &job->shape, &r->reply);
    free(cached);
    if (ok) {
      r->status = TANDEM_LLM_STATUS_CACHED;
      return TRY_DONE;
    }
  }

  const TandemLlmCall call = {
      .model = ep->model,
      .system = job->system,
      .user = job->user,
      .schema = schema,
      .temperature = ep->temperature,
      .max_tokens = max_tokens,
  };
  char* body = tandem_llm_wire_body(ep->provider, &call);
  if (!body) {
    set_error(r, "%s: could not build the request", what, "");
    return TRY_NEXT;
  }
  const char* key_value = key_for(c, ep->provider);
  char auth[KEY_MAX + 32] = "";
  const char* headers[2];
  size_t n_headers = 0;
  if (ep->provider == TANDEM_LLM_ANTHROPIC) {
    headers[n_headers++] = "anthropic-version: 2023-06-01";
    if (key_value[0]) {
      snprintf(auth, sizeof(auth), "x-api-key: %s", key_value);
      headers[n_headers++] = auth;
    }
  } else if (key_value[0]) {
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key_value);
    headers[n_headers++] = auth;
  }
  const float timeout_s =
      ep->timeout_s > 0 ? ep->timeout_s : TANDEM_LLM_DEFAULT_TIMEOUT_S;
  const TandemHttpRequest req = {
      .url = url,
      .body = body,
      .body_len = strlen(body),
      .headers = headers,
      .n_headers = n_headers,
      .connect_timeout_ms = (long)(timeout_s * 1000 / 2),
      .total_timeout_ms = (long)(timeout_s * 1000),
      .low_speed_time_s = (long)(timeout_s / 2 > 1 ? timeout_s / 2 : 1),
  };
  const TandemLlmConfig* cfg = &c->job_cfg;
  const double base = cfg->backoff_base_ms > 0 ? cfg->backoff_base_ms : 250;
  const double cap = cfg->backoff_max_ms > 0 ? cfg->backoff_max_ms : 8000;
  double retry_after_ms = -1;
  TryOutcome outcome = TRY_NEXT;
  TandemHttpResponse resp;
  for (uint32_t attempt = 0; attempt <= cfg->max_retries; ++attempt) {
    if (attempt > 0) {
      double delay =
          base * (double)(1u << (attempt - 1 < 8 ? attempt - 1 : 8)) * jitter(c);
      if (retry_after_ms > delay) {
        delay = retry_after_ms;
      }
      if (!sleep_cancellable(c, delay < cap ? delay : cap)) {
        outcome = TRY_CANCELLED;
        break;
      }
    }
    if (!rate_take(c)) {
      outcome = TRY_CANCELLED;
      break;
    }
    ++r->attempts;
    atomic_fetch_add(&c->requests, 1);
    tandem_http_post(c->http, &req, &resp);
    retry_after_ms = resp.retry_after_s >= 0 ? resp.retry_after_s * 1000.0 : -1;
    if (resp.result == TANDEM_HTTP_CANCELLED || cancelled(c)) {
      outcome = TRY_CANCELLED;
      break;
    }
    if (resp.result != TANDEM_HTTP_OK) {
      set_error(r, "%s: %s", what, resp.error);
      if (resp.result == TANDEM_HTTP_TIMEOUT || resp.result == TANDEM_HTTP_CONNECT ||
          resp.result == TANDEM_HTTP_FAILED) {
        continue;
      }
      break;
    }
    if (resp.status == 429 || resp.status >= 500) {
      char st[48];
      snprintf(st, sizeof(st), "HTTP %ld%s", resp.status,
               resp.status == 429 ? " (rate limited)" : " (server error)");
      set_error(r, "%s: %s", what, st);
      continue;
    }
    if (resp.status == 401 || resp.status == 403) {
      set_error(r, "%s: authentication failed (HTTP %s); check TANDEM_API_KEY", what,
                resp.status == 401 ? "401" : "403");
      break;
    }
    if (resp.status < 200 || resp.status >= 300) {
      char st[32];
      snprintf(st, sizeof(st), "HTTP %ld", resp.status);
      set_error(r, "%s: %s", what, st);
      break;
    }
    TandemLlmEnvelope env = {0};
    tandem_llm_wire_parse(ep->provider, resp.body, resp.body_len, &env);
    r->prompt_tokens = env.prompt_tokens;
    r->completion_tokens = env.completion_tokens;
    if (env.status != TANDEM_ENVELOPE_OK) {
      set_error(r, "%s: %s", what, env.error);
      free(env.content);
      break;
    }
    if (!tandem_llm_reply_parse(env.content, strlen(env.content), &job->shape,
                                &r->reply)) {
      set_error(r, "%s: reply %s", what, r->reply.verdict);
      free(env.content);
      break;
    }
    if (c->cache) {
      tandem_llm_cache_put(c->cache, key, env.content);
    }
    free(env.content);
    r->status = r->reply.outcome == TANDEM_REPLY_REPAIRED ? TANDEM_LLM_STATUS_REPAIRED
                                                          : TANDEM_LLM_STATUS_OK;
    outcome = TRY_DONE;
    break;
  }
  free(body);
  /* The request held the key; leave no copy of it on the stack. */
  memset(auth, 0, sizeof(auth));
  return outcome;
}

static void run_job(TandemLlmClient* c, const Job* job, TandemLlmResult* r)
{
  memset(r, 0, sizeof(*r));
  r->job_id = job->id;
  r->tag = job->tag;
  r->prompt_tokens = -1;
  r->completion_tokens = -1;
  r->status = TANDEM_LLM_STATUS_FALLBACK;
  const TandemLlmConfig* cfg = &c->job_cfg;
  if (cfg->n_endpoints == 0) {
    r->status = TANDEM_LLM_STATUS_ERROR;
    snprintf(r->error, sizeof(r->error), "no language model configured");
    return;
  }
  json_t* schema = tandem_llm_schema(job->shape.role);
  if (!schema) {
    r->status = TANDEM_LLM_STATUS_ERROR;
    snprintf(r->error, sizeof(r->error), "could not build the reply schema");
    return;
  }
  const uint32_t threshold = cfg->breaker_threshold ? cfg->breaker_threshold : 3;
  const double cooldown = cfg->breaker_cooldown_ms > 0 ? cfg->breaker_cooldown_ms : 30000;
  for (uint32_t i = 0; i < cfg->n_endpoints && i < TANDEM_LLM_MAX_ENDPOINTS; ++i) {
    Breaker* b = &c->breakers[i];
    if (b->failures >= threshold && now_ms() < b->open_until_ms) {
      snprintf(r->error, sizeof(r->error),
               "%s: skipped, circuit open after %u failures in a row",
               tandem_llm_provider_name(cfg->endpoints[i].provider), b->failures);
      continue;
    }
    const TryOutcome t = try_endpoint(c, job, &cfg->endpoints[i], schema, r);
    if (t == TRY_DONE) {
      b->failures = 0;
      break;
    }
    if (t == TRY_CANCELLED) {
      snprintf(r->error, sizeof(r->error), "request cancelled");
      r->status = TANDEM_LLM_STATUS_FALLBACK;
      break;
    }
    /* A failed probe of a half-open breaker opens it again at once. */
    if (++b->failures >= threshold) {
      b->open_until_ms = now_ms() + cooldown;
    }
  }
  json_decref(schema);
  if (r->status == TANDEM_LLM_STATUS_FALLBACK) {
    r->reply.n_alts = 0;
    size_t n = strlen(r->error);
    snprintf(r->error + n, sizeof(r->error) - n, "%s",
             n ? "; playing the built-in pattern" : "playing the built-in pattern");
  } else {
    r->error[0] = '\0';
  }
  scrub_all(c, r->error);
  scrub_all(c, r->reply.verdict);
  r->latency_ms = now_ms() - job->submit_ms;
}

static void* thread_main(void* arg)
{
  TandemLlmClient* c = arg;
  pthread_mutex_lock(&c->lock);
  while (!c->quit) {
    if (!c->pending) {
      pthread_cond_wait(&c->wake, &c->lock);
      continue;
    }
    Job* job = c->pending;
    c->pending = NULL;
    c->running_id = job->id;
    c->cancel_running = false;
    tandem_http_reset_cancel(c->http);
    if (c->cfg_changed) {
      memset(c->breakers, 0, sizeof(c->breakers));
      c->cfg_changed = false;
    }
    c->job_cfg = c->cfg;
    pthread_mutex_unlock(&c->lock);

    run_job(c, job, c->scratch);

    pthread_mutex_lock(&c->lock);
    memcpy(c->result, c->scratch, sizeof(*c->result));
    c->result_fresh = true;
    c->status = c->result->status;
    c->running_id = 0;
    pthread_cond_broadcast(&c->done);
    job_free(job);
  }
  pthread_mutex_unlock(&c->lock);
  return NULL;
}

TandemLlmClient* tandem_llm_create(const TandemLlmConfig* cfg, char* err, size_t err_size)
{
  TandemLlmClient* c = calloc(1, sizeof(*c));
  if (!c) {
    snprintf(err, err_size, "out of memory");
    return NULL;
  }
  c->cfg = *cfg;
  c->result = calloc(1, sizeof(*c->result));
  c->scratch = calloc(1, sizeof(*c->scratch));
  c->http = tandem_http_create();
  char dir[512] = "";
  if (cfg->disk_cache) {
    if (cfg->disk_cache_dir[0]) {
      snprintf(dir, sizeof(dir), "%s", cfg->disk_cache_dir);
    } else if (!tandem_llm_cache_default_dir(dir, sizeof(dir))) {
      dir[0] = '\0';
    }
  }
  c->cache = tandem_llm_cache_create(dir, cfg->disk_cache_max_bytes);
  c->status = cfg->n_endpoints ? TANDEM_LLM_STATUS_IDLE : TANDEM_LLM_STATUS_OFF;
  c->rng = (uint64_t)(uintptr_t)c ^ (uint64_t)now_ms() ^ 0x9e3779b97f4a7c15ull;
  c->next_id = 1;
  atomic_init(&c->requests, 0);
  read_key(c->key_tandem, "TANDEM_API_KEY");
  read_key(c->key_openai, "OPENAI_API_KEY");
  read_key(c->key_anthropic, "ANTHROPIC_API_KEY");
  const char* key_file = getenv("TANDEM_API_KEY_FILE");
  if (!c->key_tandem[0] && key_file && *key_file) {
    read_key_file(c->key_tandem, key_file);
  }

  pthread_condattr_t attr;
  bool ok = c->result && c->scratch && c->http && c->cache &&
            pthread_mutex_init(&c->lock, NULL) == 0;
  if (ok) {
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    ok = pthread_cond_init(&c->wake, &attr) == 0 &&
         pthread_cond_init(&c->done, &attr) == 0;
    pthread_condattr_destroy(&attr);
  }
  if (ok && pthread_create(&c->thread, NULL, thread_main, c) == 0) {
    c->thread_started = true;
    return c;
  }
  snprintf(err, err_size, "could not start the language-model thread");
  tandem_llm_destroy(c);
  return NULL;
}

void tandem_llm_destroy(TandemLlmClient* c)
{
  if (!c) {
    return;
  }
  if (c->thread_started) {
    pthread_mutex_lock(&c->lock);
    c->quit = true;
    c->cancel_running = true;
    job_free(c->pending);
    c->pending = NULL;
    tandem_http_cancel(c->http);
    pthread_cond_broadcast(&c->wake);
    pthread_mutex_unlock(&c->lock);
    pthread_join(c->thread, NULL);
    pthread_cond_destroy(&c->wake);
    pthread_cond_destroy(&c->done);
    pthread_mutex_destroy(&c->lock);
  }
  tandem_llm_cache_destroy(c->cache);
  tandem_http_destroy(c->http);
  free(c->result);
  free(c->scratch);
  memset(c->key_tandem, 0, KEY_MAX);
  memset(c->key_openai, 0, KEY_MAX);
  memset(c->key_anthropic, 0, KEY_MAX);
  free(c);
}

void tandem_llm_set_config(TandemLlmClient* c, const TandemLlmConfig* cfg)
{
  pthread_mutex_lock(&c->lock);
  /* The disk cache is chosen at create; the rest takes effect from the next job. */
  const bool disk = c->cfg.disk_cache;
  char dir[sizeof(c->cfg.disk_cache_dir)];
  memcpy(dir, c->cfg.disk_cache_dir, sizeof(dir));
  c->cfg = *cfg;
  c->cfg.disk_cache = disk;
  memcpy(c->cfg.disk_cache_dir, dir, sizeof(dir));
  c->cfg_changed = true;
  if (c->status == TANDEM_LLM_STATUS_OFF && cfg->n_endpoints) {
    c->status = TANDEM_LLM_STATUS_IDLE;
  } else if (!cfg->n_endpoints && !c->running_id && !c->pending) {
    c->status = TANDEM_LLM_STATUS_OFF;
  }
  pthread_mutex_unlock(&c->lock);
}

bool tandem_llm_enabled(TandemLlmClient* c)
{
  pthread_mutex_lock(&c->lock);
  const bool on = c->cfg.n_endpoints > 0;
  pthread_mutex_unlock(&c->lock);
  return on;
}

uint32_t tandem_llm_submit(TandemLlmClient* c, const TandemPromptContext* ctx,
                           uint32_t tag)
{
  Job* job = calloc(1, sizeof(*job));
  if (!job) {
    return 0;
  }
  if (!tandem_llm_prompt_build(ctx, &job->system, &job->user)) {
    job_free(job);
    return 0;
  }
  job->tag = tag;
  job->shape.role = (TandemRole)ctx->role;
  job->shape.bars = ctx->bars;
  job->shape.beats_per_bar = ctx->beats_per_bar;
  job->shape.beat_unit = ctx->beat_unit;
  job->submit_ms = now_ms();
  pthread_mutex_lock(&c->lock);
  job->id = c->next_id++;
  job_free(c->pending); /* superseded */
  c->pending = job;
  const uint32_t id = job->id;
  pthread_cond_broadcast(&c->wake);
  pthread_mutex_unlock(&c->lock);
  return id;
}

bool tandem_llm_poll(TandemLlmClient* c, TandemLlmResult* out)
{
  pthread_mutex_lock(&c->lock);
  const bool fresh = c->result_fresh;
  if (fresh) {
    memcpy(out, c->result, sizeof(*out));
    c->result_fresh = false;
  }
  pthread_mutex_unlock(&c->lock);
  return fresh;
}

bool tandem_llm_wait(TandemLlmClient* c, uint32_t job_id, double timeout_s,
                     TandemLlmResult* out)
{
  struct timespec until;
  clock_gettime(CLOCK_MONOTONIC, &until);
  const long long ns = (long long)(timeout_s * 1e9);
  until.tv_sec += (time_t)(ns / 1000000000LL);
  until.tv_nsec += (long)(ns % 1000000000LL);
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec += 1;
    until.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock(&c->lock);
  int rc = 0;
  while (!(c->result_fresh && c->result->job_id >= job_id) && rc != ETIMEDOUT) {
    /* Superseded: a newer job is queued or running, so this one never finishes. */
    if ((c->pending && c->pending->id > job_id && c->running_id != job_id) ||
        (c->running_id > job_id)) {
      break;
    }
    rc = pthread_cond_timedwait(&c->done, &c->lock, &until);
  }
  const bool got = c->result_fresh && c->result->job_id == job_id;
  if (got) {
    memcpy(out, c->result, sizeof(*out));
    c->result_fresh = false;
  }
  pthread_mutex_unlock(&c->lock);
  return got;
}

TandemLlmStatus tandem_llm_status(TandemLlmClient* c)
{
  pthread_mutex_lock(&c->lock);
  const TandemLlmStatus s =
      (c->pending || c->running_id) ? TANDEM_LLM_STATUS_WAITING : c->status;
  pthread_mutex_unlock(&c->lock);
  return s;
}

void tandem_llm_cancel(TandemLlmClient* c)
{
  pthread_mutex_lock(&c->lock);
  job_free(c->pending);
  c->pending = NULL;
  if (c->running_id) {
    c->cancel_running = true;
    tandem_http_cancel(c->http);
    pthread_cond_broadcast(&c->wake);
  }
  pthread_mutex_unlock(&c->lock);
}

uint64_t tandem_llm_requests_made(TandemLlmClient* c)
{
  return atomic_load(&c->requests);
}
