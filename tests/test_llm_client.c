/* Tandem — the LLM client against the loopback test server: every scripted
 * behaviour on all three wire formats, retries, breaker, cache, rate limit,
 * supersede and cancellation, and the API key never showing in any output. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "llm.h"
#include "llm_http.h"
#include "test_llm_server.h"

#define FAKE_KEY "sk-test-FAKEKEY-0123456789abcdef"

/* Started once in the parent, shared by the forked tests. */
static TestLlmServer server;

static double now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void server_up(void)
{
  ck_assert_msg(test_llm_server_start(&server), "test server did not start");
}

static void server_down(void)
{
  test_llm_server_stop(&server);
}

static void endpoint(TandemLlmEndpoint* ep, TandemLlmProviderKind kind,
                     const char* behaviour, float timeout_s)
{
  memset(ep, 0, sizeof(*ep));
  ep->provider = kind;
  snprintf(ep->url, sizeof(ep->url), "http://127.0.0.1:%d/%s%s", server.port, behaviour,
           kind == TANDEM_LLM_OPENAI ? "/v1" : "");
  snprintf(ep->model, sizeof(ep->model), "test-model");
  ep->timeout_s = timeout_s;
  ep->temperature = 0.7f;
  ep->max_tokens = 2048;
}

static void fast_config(TandemLlmConfig* cfg)
{
  tandem_llm_config_default(cfg);
  cfg->max_retries = 0;
  cfg->rate_per_minute = 1e6f;
  cfg->rate_burst = 1000;
  cfg->backoff_base_ms = 20;
}

static TandemPromptContext* ctx_for(TandemRole role, const char* request)
{
  TandemPromptContext* c = calloc(1, sizeof(*c));
  ck_assert_ptr_nonnull(c);
  c->role = role;
  c->bars = 2;
  c->beats_per_bar = 4;
  c->beat_unit = 4;
  c->tempo_bpm = 120;
  c->energy = 0.5f;
  snprintf(c->request, sizeof(c->request), "%s", request);
  return c;
}

static void assert_no_key(const TandemLlmResult* r)
{
  ck_assert_ptr_null(strstr(r->error, FAKE_KEY));
  ck_assert_ptr_null(strstr(r->reply.verdict, FAKE_KEY));
  ck_assert_ptr_null(strstr(r->provider, FAKE_KEY));
  ck_assert_ptr_null(strstr(r->model, FAKE_KEY));
  for (uint32_t i = 0; i < TANDEM_LLM_MAX_ALTS; ++i) {
    ck_assert_ptr_null(strstr(r->reply.alts[i].reason, FAKE_KEY));
  }
}

/* Runs one job to completion on a one-endpoint client. */
static TandemLlmResult* run_one(TandemLlmProviderKind kind, const char* behaviour,
                                float timeout_s, TandemRole role)
{
  TandemLlmConfig cfg;
  fast_config(&cfg);
  endpoint(&cfg.endpoints[0], kind, behaviour, timeout_s);
  cfg.n_endpoints = 1;
  char err[128];
  TandemLlmClient* c = tandem_llm_create(&cfg, err, sizeof(err));
  ck_assert_msg(c != NULL, "%s", err);
  TandemPromptContext* ctx = ctx_for(role, "make it groovier");
  const uint32_t id = tandem_llm_submit(c, ctx, 77);
  ck_assert_uint_gt(id, 0);
  TandemLlmResult* r = calloc(1, sizeof(*r));
  ck_assert_ptr_nonnull(r);
  ck_assert(tandem_llm_wait(c, id, 30.0, r));
  ck_assert_uint_eq(r->tag, 77);
  tandem_llm_destroy(c);
  free(ctx);
  assert_no_key(r);
  return r;
}

typedef struct {
  const char* behaviour;
  float timeout_s;
  TandemLlmStatus status;
  const char*
      why[TANDEM_LLM_PROVIDER_COUNT]; /* per wire format: openai, ollama, anthropic */
} Case;

static const Case cases[] = {
    {"ok", 5, TANDEM_LLM_STATUS_OK, {"", "", ""}},
    {"slow2000",
     0.5f,
     TANDEM_LLM_STATUS_FALLBACK,
     {"timed out", "timed out", "timed out"}},
    {"stall", 1.0f, TANDEM_LLM_STATUS_FALLBACK, {"timed out", "timed out", "timed out"}},
    {"e500", 5, TANDEM_LLM_STATUS_FALLBACK, {"HTTP 500", "HTTP 500", "HTTP 500"}},
    {"e429", 5, TANDEM_LLM_STATUS_FALLBACK, {"HTTP 429", "HTTP 429", "HTTP 429"}},
    {"e401",
     5,
     TANDEM_LLM_STATUS_FALLBACK,
     {"authentication failed", "authentication failed", "authentication failed"}},
    {"echo_auth",
     5,
     TANDEM_LLM_STATUS_FALLBACK,
     {"authentication failed", "authentication failed", "authentication failed"}},
    {"truncated",
     5,
     TANDEM_LLM_STATUS_FALLBACK,
     {"invalid JSON", "invalid JSON", "response is not JSON"}},
    {"prose", 5, TANDEM_LLM_STATUS_FALLBACK, {"prose", "prose", "prose"}},
    {"inject", 5, TANDEM_LLM_STATUS_FALLBACK, {"prose", "prose", "prose"}},
    {"refusal", 5, TANDEM_LLM_STATUS_FALLBACK, {"refused", "prose", "refused"}},
    {"length", 5, TANDEM_LLM_STATUS_FALLBACK, {"cut off", "cut off", "cut off"}},
    {"wrong_types",
     5,
     TANDEM_LLM_STATUS_FALLBACK,
     {"'tick' is not a number", "'tick' is not a number", "'tick' is not a number"}},
    {"out_of_range", 5, TANDEM_LLM_STATUS_REPAIRED, {"", "", ""}},
    {"dup_keys",
     5,
     TANDEM_LLM_STATUS_FALLBACK,
     {"invalid JSON", "invalid JSON", "response is not JSON"}},
    {"nul",
     5,
     TANDEM_LLM_STATUS_FALLBACK,
     {"invalid JSON", "invalid JSON", "response is not JSON"}},
    {"deep",
     5,
     TANDEM_LLM_STATUS_FALLBACK,
     {"invalid JSON", "invalid JSON", "response is not JSON"}},
    {"huge",
     5,
     TANDEM_LLM_STATUS_FALLBACK,
     {"larger than 256 KiB", "larger than 256 KiB", "larger than 256 KiB"}},
    {"gzip_bomb",
     5,
     TANDEM_LLM_STATUS_FALLBACK,
     {"larger than 256 KiB", "larger than 256 KiB", "larger than 256 KiB"}},
};
#define N_CASES (sizeof(cases) / sizeof(cases[0]))

/* Loop test: _i runs over cases x wire formats. */
START_TEST(test_client_names_the_outcome_of_every_scripted_behaviour)
{
  setenv("TANDEM_API_KEY", FAKE_KEY, 1);
  const Case* k = &cases[_i / TANDEM_LLM_PROVIDER_COUNT];
  const TandemLlmProviderKind kind =
      (TandemLlmProviderKind)(_i % TANDEM_LLM_PROVIDER_COUNT);
  TandemLlmResult* r = run_one(kind, k->behaviour, k->timeout_s, TANDEM_ROLE_DRUMS);
  ck_assert_msg(r->status == k->status, "%s/%s: status %s, want %s (%s)", k->behaviour,
                tandem_llm_provider_name(kind), tandem_llm_status_name(r->status),
                tandem_llm_status_name(k->status), r->error);
  ck_assert_msg(strstr(r->error, k->why[kind]) != NULL, "%s/%s: error '%s' lacks '%s'",
                k->behaviour, tandem_llm_provider_name(kind), r->error, k->why[kind]);
  if (k->status == TANDEM_LLM_STATUS_FALLBACK) {
    ck_assert_uint_eq(r->reply.n_alts, 0);
    ck_assert_ptr_nonnull(strstr(r->error, "playing the built-in pattern"));
  } else {
    ck_assert_uint_ge(r->reply.n_alts, 1);
    for (uint32_t i = 0; i < r->reply.n_alts; ++i) {
      ck_assert(tandem_pattern_valid(&r->reply.alts[i].pattern));
      ck_assert_uint_eq(r->reply.alts[i].pattern.bars, 2);
    }
    ck_assert_int_eq(r->prompt_tokens, 321);
    ck_assert_int_eq(r->completion_tokens, 123);
    ck_assert_str_eq(r->provider, tandem_llm_provider_name(kind));
    ck_assert_str_eq(r->model, "test-model");
  }
  free(r);
}
END_TEST

START_TEST(test_client_sends_schema_strict_and_key_only_in_the_auth_header)
{
  setenv("TANDEM_API_KEY", FAKE_KEY, 1);
  const TandemLlmProviderKind kind = (TandemLlmProviderKind)_i;
  TandemLlmResult* r = run_one(kind, "ok", 5, TANDEM_ROLE_BASS);
  ck_assert_int_eq(r->status, TANDEM_LLM_STATUS_OK);
  ck_assert_uint_eq(r->reply.alts[0].pattern.notes[0].kind, TANDEM_PITCH_SCALE);
  char* last = malloc(65536);
  ck_assert_ptr_nonnull(last);
  ck_assert(test_llm_server_call(&server, "/last", NULL, last));
  switch (kind) {
  case TANDEM_LLM_OPENAI:
    ck_assert_ptr_nonnull(strstr(last, "Bearer " FAKE_KEY));
    ck_assert_ptr_nonnull(strstr(last, "\\\"strict\\\":true"));
    ck_assert_ptr_nonnull(strstr(last, "json_schema"));
    break;
  case TANDEM_LLM_OLLAMA:
    ck_assert_ptr_nonnull(strstr(last, "\\\"format\\\":{"));
    ck_assert_ptr_nonnull(strstr(last, "\\\"stream\\\":false"));
    break;
  default:
    ck_assert_ptr_nonnull(strstr(last, "\"x-api-key\": \"" FAKE_KEY));
    ck_assert_ptr_nonnull(strstr(last, "tool_choice"));
    ck_assert_ptr_nonnull(strstr(last, "input_schema"));
    break;
  }
  /* The key is in a header, never in the body. */
  const char* body = strstr(last, "\"body\"");
  ck_assert_ptr_nonnull(body);
  ck_assert_ptr_null(strstr(body, FAKE_KEY));
  free(last);
  free(r);
}
END_TEST

START_TEST(test_client_reads_the_key_from_the_key_file)
{
  unsetenv("TANDEM_API_KEY");
  unsetenv("OPENAI_API_KEY");
  char path[] = "/tmp/tandem-key-XXXXXX";
  const int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, "sk-from-file-42\n", 16), 16);
  close(fd);
  setenv("TANDEM_API_KEY_FILE", path, 1);
  TandemLlmResult* r = run_one(TANDEM_LLM_OPENAI, "ok", 5, TANDEM_ROLE_DRUMS);
  unlink(path);
  char* last = malloc(65536);
  ck_assert_ptr_nonnull(last);
  ck_assert(test_llm_server_call(&server, "/last", NULL, last));
  ck_assert_ptr_nonnull(strstr(last, "Bearer sk-from-file-42\""));
  free(last);
  free(r);
}
END_TEST

START_TEST(test_client_retries_429_after_retry_after_then_succeeds)
{
  TandemLlmConfig cfg;
  fast_config(&cfg);
  cfg.max_retries = 2;
  endpoint(&cfg.endpoints[0], TANDEM_LLM_OPENAI, "flaky429", 5);
  cfg.n_endpoints = 1;
  char err[128];
  TandemLlmClient* c = tandem_llm_create(&cfg, err, sizeof(err));
  TandemPromptContext* ctx = ctx_for(TANDEM_ROLE_DRUMS, "retry please");
  const double t0 = now_ms();
  const uint32_t id = tandem_llm_submit(c, ctx, 0);
  TandemLlmResult* r = calloc(1, sizeof(*r));
  ck_assert_ptr_nonnull(r);
  ck_assert(tandem_llm_wait(c, id, 30, r));
  const double took = now_ms() - t0;
  ck_assert_int_eq(r->status, TANDEM_LLM_STATUS_OK);
  ck_assert_uint_eq(r->attempts, 2);
  /* Retry-After: 1 outweighs the 20 ms backoff. */
  ck_assert_double_ge(took, 950.0);
  tandem_llm_destroy(c);
  free(ctx);
  free(r);
}
END_TEST

START_TEST(test_client_falls_back_along_the_provider_list)
{
  TandemLlmConfig cfg;
  fast_config(&cfg);
  endpoint(&cfg.endpoints[0], TANDEM_LLM_ANTHROPIC, "e401", 5);
  endpoint(&cfg.endpoints[1], TANDEM_LLM_OLLAMA, "prose", 5);
  endpoint(&cfg.endpoints[2], TANDEM_LLM_OPENAI, "ok", 5);
  cfg.n_endpoints = 3;
  char err[128];
  TandemLlmClient* c = tandem_llm_create(&cfg, err, sizeof(err));
  TandemPromptContext* ctx = ctx_for(TANDEM_ROLE_CHORDS, "warmer chords");
  const uint32_t id = tandem_llm_submit(c, ctx, 0);
  TandemLlmResult* r = calloc(1, sizeof(*r));
  ck_assert_ptr_nonnull(r);
  ck_assert(tandem_llm_wait(c, id, 30, r));
  ck_assert_int_eq(r->status, TANDEM_LLM_STATUS_OK);
  ck_assert_str_eq(r->provider, "openai");
  ck_assert_uint_eq(r->attempts, 3);
  ck_assert_uint_eq(r->reply.alts[0].pattern.notes[0].kind, TANDEM_PITCH_CHORD);
  tandem_llm_destroy(c);
  free(ctx);
  free(r);
}
END_TEST

START_TEST(test_client_cache_hit_makes_no_network_call)
{
  TandemLlmConfig cfg;
  fast_config(&cfg);
  endpoint(&cfg.endpoints[0], TANDEM_LLM_OPENAI, "alts3", 5);
  cfg.n_endpoints = 1;
  char err[128];
  TandemLlmClient* c = tandem_llm_create(&cfg, err, sizeof(err));
  TandemPromptContext* ctx = ctx_for(TANDEM_ROLE_DRUMS, "cache me");
  TandemLlmResult* r = calloc(1, sizeof(*r));
  ck_assert_ptr_nonnull(r);
  ck_assert(tandem_llm_wait(c, tandem_llm_submit(c, ctx, 0), 30, r));
  ck_assert_int_eq(r->status, TANDEM_LLM_STATUS_OK);
  ck_assert_uint_eq(r->reply.n_alts, 3);
  const long before = test_llm_server_requests(&server);
  ck_assert_uint_eq(tandem_llm_requests_made(c), 1);
  ck_assert(tandem_llm_wait(c, tandem_llm_submit(c, ctx, 0), 30, r));
  ck_assert_int_eq(r->status, TANDEM_LLM_STATUS_CACHED);
  ck_assert_uint_eq(r->reply.n_alts, 3);
  ck_assert_uint_eq(tandem_llm_requests_made(c), 1);
  ck_assert_int_eq(test_llm_server_requests(&server), before);
  tandem_llm_destroy(c);
  free(ctx);
  free(r);
}
END_TEST

START_TEST(test_client_breaker_opens_after_repeated_failures_and_probes_later)
{
  TandemLlmConfig cfg;
  fast_config(&cfg);
  cfg.breaker_threshold = 2;
  /* Request 2 must start within the cool-down that request 1's second failure
   * began, with request 1's fallback call in between: seconds of slack for a
   * busy machine (800 ms failed when a reply took a second). */
  cfg.breaker_cooldown_ms = 4000;
  endpoint(&cfg.endpoints[0], TANDEM_LLM_OPENAI, "e500", 5);
  endpoint(&cfg.endpoints[1], TANDEM_LLM_OLLAMA, "ok", 5);
  cfg.n_endpoints = 2;
  char err[128];
  TandemLlmClient* c = tandem_llm_create(&cfg, err, sizeof(err));
  TandemLlmResult* r = calloc(1, sizeof(*r));
  ck_assert_ptr_nonnull(r);
  uint32_t attempts[4];
  for (int i = 0; i < 4; ++i) {
    if (i == 3) {
      usleep(4100 * 1000); /* past the cool-down */
    }
    char text[32];
    snprintf(text, sizeof(text), "request %d", i); /* distinct: no cache hits */
    TandemPromptContext* ctx = ctx_for(TANDEM_ROLE_DRUMS, text);
    ck_assert(tandem_llm_wait(c, tandem_llm_submit(c, ctx, 0), 30, r));
    ck_assert_int_eq(r->status, TANDEM_LLM_STATUS_OK);
    attempts[i] = r->attempts;
    free(ctx);
  }
  ck_assert_uint_eq(attempts[0], 2); /* e500, then ollama */
  ck_assert_uint_eq(attempts[1], 2); /* second failure opens the breaker */
  ck_assert_uint_eq(attempts[2], 1); /* skipped while open */
  ck_assert_uint_eq(attempts[3], 2); /* probed after the cool-down */
  tandem_llm_destroy(c);
  free(r);
}
END_TEST

START_TEST(test_client_rate_limit_spaces_requests)
{
  TandemLlmConfig cfg;
  fast_config(&cfg);
  cfg.rate_per_minute = 120; /* one token per 500 ms */
  cfg.rate_burst = 1;
  endpoint(&cfg.endpoints[0], TANDEM_LLM_OPENAI, "ok", 5);
  cfg.n_endpoints = 1;
  char err[128];
  TandemLlmClient* c = tandem_llm_create(&cfg, err, sizeof(err));
  TandemLlmResult* r = calloc(1, sizeof(*r));
  ck_assert_ptr_nonnull(r);
  const double t0 = now_ms();
  for (int i = 0; i < 3; ++i) {
    char text[32];
    snprintf(text, sizeof(text), "rate %d", i);
    TandemPromptContext* ctx = ctx_for(TANDEM_ROLE_DRUMS, text);
    ck_assert(tandem_llm_wait(c, tandem_llm_submit(c, ctx, 0), 30, r));
    ck_assert_int_eq(r->status, TANDEM_LLM_STATUS_OK);
    free(ctx);
  }
  ck_assert_double_ge(now_ms() - t0, 900.0);
  tandem_llm_destroy(c);
  free(r);
}
END_TEST

/* Two clients (two plugin instances) share one bucket: once the first has used
 * the burst, the second's request waits instead of going out. */
START_TEST(test_client_rate_limit_is_shared_by_every_client_in_the_process)
{
  TandemLlmConfig cfg;
  fast_config(&cfg);
  cfg.rate_per_minute = 0.5f; /* the next token in two minutes */
  cfg.rate_burst = 2;
  endpoint(&cfg.endpoints[0], TANDEM_LLM_OPENAI, "ok", 5);
  cfg.n_endpoints = 1;
  char err[128];
  TandemLlmClient* a = tandem_llm_create(&cfg, err, sizeof(err));
  TandemLlmClient* b = tandem_llm_create(&cfg, err, sizeof(err));
  ck_assert(a && b);
  char out[65536];
  ck_assert(test_llm_server_call(&server, "/reset", "", out));
  TandemLlmResult* r = calloc(1, sizeof(*r));
  ck_assert_ptr_nonnull(r);
  for (int i = 0; i < 2; ++i) {
    char text[32];
    snprintf(text, sizeof(text), "shared %d", i);
    TandemPromptContext* ctx = ctx_for(TANDEM_ROLE_DRUMS, text);
    ck_assert(tandem_llm_wait(a, tandem_llm_submit(a, ctx, 0), 10, r));
    ck_assert_int_eq(r->status, TANDEM_LLM_STATUS_OK);
    free(ctx);
  }
  ck_assert_int_eq(test_llm_server_requests(&server), 2);
  TandemPromptContext* ctx = ctx_for(TANDEM_ROLE_DRUMS, "from the other instance");
  const uint32_t id = tandem_llm_submit(b, ctx, 0);
  ck_assert(!tandem_llm_wait(b, id, 1.0, r));
  ck_assert_int_eq(tandem_llm_status(b), TANDEM_LLM_STATUS_WAITING);
  ck_assert_int_eq(test_llm_server_requests(&server), 2);
  /* Waiting for a token stays cancellable. */
  const double t0 = now_ms();
  tandem_llm_destroy(b);
  ck_assert_double_lt(now_ms() - t0, 200.0);
  tandem_llm_destroy(a);
  free(ctx);
  free(r);
}
END_TEST

START_TEST(test_client_newer_request_supersedes_a_queued_one)
{
  TandemLlmConfig cfg;
  fast_config(&cfg);
  /* The second and third submits must land while the first request is in
   * flight: 2 s of slack for a test thread that a busy machine holds back. */
  endpoint(&cfg.endpoints[0], TANDEM_LLM_OPENAI, "slow2000", 30);
  cfg.n_endpoints = 1;
  char err[128];
  TandemLlmClient* c = tandem_llm_create(&cfg, err, sizeof(err));
  TandemPromptContext* a = ctx_for(TANDEM_ROLE_DRUMS, "first");
  TandemPromptContext* b = ctx_for(TANDEM_ROLE_DRUMS, "second");
  TandemPromptContext* d = ctx_for(TANDEM_ROLE_DRUMS, "third");
  const uint32_t id1 = tandem_llm_submit(c, a, 1);
  while (tandem_llm_requests_made(c) == 0) {
    usleep(5000);
  }
  ck_assert_int_eq(tandem_llm_status(c), TANDEM_LLM_STATUS_WAITING);
  const uint32_t id2 = tandem_llm_submit(c, b, 2);
  const uint32_t id3 = tandem_llm_submit(c, d, 3);
  TandemLlmResult* r = calloc(1, sizeof(*r));
  ck_assert_ptr_nonnull(r);
  ck_assert(tandem_llm_wait(c, id1, 30, r));
  ck_assert(!tandem_llm_wait(c, id2, 0.1, r)); /* superseded: never runs */
  ck_assert(tandem_llm_wait(c, id3, 30, r));
  ck_assert_uint_eq(r->tag, 3);
  ck_assert_uint_eq(tandem_llm_requests_made(c), 2);
  ck_assert_int_eq(tandem_llm_status(c), TANDEM_LLM_STATUS_OK);
  tandem_llm_destroy(c);
  free(a);
  free(b);
  free(d);
  free(r);
}
END_TEST

START_TEST(test_client_destroy_during_a_request_returns_within_200_ms)
{
  TandemLlmConfig cfg;
  fast_config(&cfg);
  endpoint(&cfg.endpoints[0], (TandemLlmProviderKind)_i, _i == 0 ? "slow10000" : "stall",
           30);
  cfg.n_endpoints = 1;
  char err[128];
  TandemLlmClient* c = tandem_llm_create(&cfg, err, sizeof(err));
  TandemPromptContext* ctx = ctx_for(TANDEM_ROLE_DRUMS, "never finishes");
  tandem_llm_submit(c, ctx, 0);
  while (tandem_llm_requests_made(c) == 0) {
    usleep(5000);
  }
  usleep(300 * 1000); /* well inside the transfer */
  const double t0 = now_ms();
  tandem_llm_destroy(c);
  const double took = now_ms() - t0;
  ck_assert_msg(took < 200.0, "cleanup took %.1f ms", took);
  free(ctx);
}
END_TEST

/* One cancel of a request in flight; returns how long until its result was in. */
static double cancel_in_flight_once(void)
{
  TandemLlmConfig cfg;
  fast_config(&cfg);
  cfg.max_retries = 3;
  endpoint(&cfg.endpoints[0], TANDEM_LLM_OPENAI, "slow10000", 30);
  cfg.n_endpoints = 1;
  char err[128];
  TandemLlmClient* c = tandem_llm_create(&cfg, err, sizeof(err));
  TandemPromptContext* ctx = ctx_for(TANDEM_ROLE_DRUMS, "cancel me");
  const uint32_t id = tandem_llm_submit(c, ctx, 0);
  while (tandem_llm_requests_made(c) == 0) {
    usleep(5000);
  }
  const double t0 = now_ms();
  tandem_llm_cancel(c);
  TandemLlmResult* r = calloc(1, sizeof(*r));
  ck_assert_ptr_nonnull(r);
  ck_assert(tandem_llm_wait(c, id, 5, r));
  const double took = now_ms() - t0;
  ck_assert_int_eq(r->status, TANDEM_LLM_STATUS_FALLBACK);
  ck_assert_ptr_nonnull(strstr(r->error, "cancelled"));
  ck_assert_uint_eq(r->attempts, 1);
  tandem_llm_destroy(c);
  free(ctx);
  free(r);
  return took;
}

/* The fastest of three tries must be under 200 ms: a client that waits for the
 * network (10 s here) fails every try, while a machine that stalls the test for a
 * moment fails at most one. */
START_TEST(test_client_cancel_aborts_in_flight_and_reports_it)
{
  double fastest = 1e9;
  for (int i = 0; i < 3 && fastest >= 200.0; ++i) {
    const double took = cancel_in_flight_once();
    fastest = took < fastest ? took : fastest;
  }
  ck_assert_msg(fastest < 200.0, "cancel took %.1f ms at best", fastest);
}
END_TEST

START_TEST(test_client_refuses_plain_http_to_other_hosts_and_reports_off)
{
  TandemLlmConfig cfg;
  fast_config(&cfg);
  char err[128];
  TandemLlmClient* c = tandem_llm_create(&cfg, err, sizeof(err));
  ck_assert_int_eq(tandem_llm_status(c), TANDEM_LLM_STATUS_OFF);
  ck_assert(!tandem_llm_enabled(c));
  TandemPromptContext* ctx = ctx_for(TANDEM_ROLE_DRUMS, "x");
  TandemLlmResult* r = calloc(1, sizeof(*r));
  ck_assert_ptr_nonnull(r);
  ck_assert(tandem_llm_wait(c, tandem_llm_submit(c, ctx, 0), 5, r));
  ck_assert_int_eq(r->status, TANDEM_LLM_STATUS_ERROR);
  ck_assert_ptr_nonnull(strstr(r->error, "no language model configured"));

  endpoint(&cfg.endpoints[0], TANDEM_LLM_OPENAI, "ok", 5);
  snprintf(cfg.endpoints[0].url, sizeof(cfg.endpoints[0].url), "http://example.com/v1");
  cfg.n_endpoints = 1;
  tandem_llm_set_config(c, &cfg);
  ck_assert(tandem_llm_enabled(c));
  ck_assert(tandem_llm_wait(c, tandem_llm_submit(c, ctx, 0), 5, r));
  ck_assert_int_eq(r->status, TANDEM_LLM_STATUS_FALLBACK);
  ck_assert_ptr_nonnull(strstr(r->error, "URL refused"));
  ck_assert_uint_eq(tandem_llm_requests_made(c), 0);
  tandem_llm_destroy(c);
  free(ctx);
  free(r);
}
END_TEST

START_TEST(test_http_allows_https_and_loopback_http_only)
{
  ck_assert(tandem_http_url_allowed("https://api.openai.com/v1/chat/completions"));
  ck_assert(tandem_http_url_allowed("http://127.0.0.1:8080/x"));
  ck_assert(tandem_http_url_allowed("http://127.10.0.1/x"));
  ck_assert(tandem_http_url_allowed("http://localhost:11434/api/chat"));
  ck_assert(tandem_http_url_allowed("http://[::1]:1/x"));
  ck_assert(!tandem_http_url_allowed("http://example.com/x"));
  ck_assert(!tandem_http_url_allowed("http://127.0.0.1.evil.test/x"));
  ck_assert(!tandem_http_url_allowed("http://10.0.0.1/x"));
  ck_assert(!tandem_http_url_allowed("ftp://127.0.0.1/x"));
  ck_assert(!tandem_http_url_allowed("file:///etc/passwd"));
  ck_assert(!tandem_http_url_allowed(""));
  ck_assert(!tandem_http_url_allowed(NULL));
}
END_TEST

START_TEST(test_scrub_replaces_every_copy_of_the_key)
{
  char text[128] = "bad key sk-abc123 and again sk-abc123.";
  tandem_llm_scrub(text, "sk-abc123");
  ck_assert_str_eq(text, "bad key *** and again ***.");
}
END_TEST

static Suite* suite(void)
{
  Suite* s = suite_create("llm_client");
  TCase* tc = tcase_create("server");
  tcase_add_unchecked_fixture(tc, server_up, server_down);
  tcase_set_timeout(tc, 60);
  tcase_add_loop_test(tc, test_client_names_the_outcome_of_every_scripted_behaviour, 0,
                      (int)(N_CASES * TANDEM_LLM_PROVIDER_COUNT));
  tcase_add_loop_test(tc, test_client_sends_schema_strict_and_key_only_in_the_auth_header,
                      0, TANDEM_LLM_PROVIDER_COUNT);
  tcase_add_test(tc, test_client_reads_the_key_from_the_key_file);
  tcase_add_test(tc, test_client_retries_429_after_retry_after_then_succeeds);
  tcase_add_test(tc, test_client_falls_back_along_the_provider_list);
  tcase_add_test(tc, test_client_cache_hit_makes_no_network_call);
  tcase_add_test(tc, test_client_breaker_opens_after_repeated_failures_and_probes_later);
  tcase_add_test(tc, test_client_rate_limit_spaces_requests);
  tcase_add_test(tc, test_client_rate_limit_is_shared_by_every_client_in_the_process);
  tcase_add_test(tc, test_client_newer_request_supersedes_a_queued_one);
  tcase_add_loop_test(tc, test_client_destroy_during_a_request_returns_within_200_ms, 0,
                      TANDEM_LLM_PROVIDER_COUNT);
  tcase_add_test(tc, test_client_cancel_aborts_in_flight_and_reports_it);
  tcase_add_test(tc, test_client_refuses_plain_http_to_other_hosts_and_reports_off);
  tcase_add_test(tc, test_http_allows_https_and_loopback_http_only);
  tcase_add_test(tc, test_scrub_replaces_every_copy_of_the_key);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  SRunner* sr = srunner_create(suite());
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
