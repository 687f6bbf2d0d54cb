/* Tandem — LLM client overhead: 1000 requests in a row against the loopback
 * server.  Prints the mean client latency, the mean of the same requests sent
 * with bare libcurl (the server's own time plus minimal transport), their
 * difference (the client's overhead: prompt building, JSON, validation,
 * thread hand-over), and resident memory after warm-up and at the end.
 * Exits non-zero if the overhead is over 5 ms or memory grew by over 2 MiB.
 * Run: meson test -C BUILD --suite bench bench_llm_overhead */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "llm.h"
#include "test_llm_server.h"

#define N_REQUESTS 1000
#define WARMUP     100

static double now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static long rss_kib(void)
{
  FILE* f = fopen("/proc/self/status", "r");
  char line[256];
  long kib = -1;
  while (f && fgets(line, sizeof(line), f)) {
    if (strncmp(line, "VmRSS:", 6) == 0) {
      kib = strtol(line + 6, NULL, 10);
    }
  }
  if (f) {
    fclose(f);
  }
  return kib;
}

static size_t discard(char* d, size_t s, size_t n, void* u)
{
  (void)d, (void)u;
  return s * n;
}

int main(void)
{
  TestLlmServer server;
  if (!test_llm_server_start(&server)) {
    fprintf(stderr, "bench_llm: test server did not start\n");
    return 1;
  }
  TandemLlmConfig cfg;
  tandem_llm_config_default(&cfg);
  cfg.max_retries = 0;
  cfg.rate_per_minute = 1e9f;
  cfg.rate_burst = 1e6f;
  cfg.endpoints[0].provider = TANDEM_LLM_OPENAI;
  snprintf(cfg.endpoints[0].url, sizeof(cfg.endpoints[0].url),
           "http://127.0.0.1:%d/ok/v1", server.port);
  snprintf(cfg.endpoints[0].model, sizeof(cfg.endpoints[0].model), "bench");
  cfg.endpoints[0].timeout_s = 10;
  cfg.n_endpoints = 1;
  char err[128];
  TandemLlmClient* c = tandem_llm_create(&cfg, err, sizeof(err));
  if (!c) {
    fprintf(stderr, "bench_llm: %s\n", err);
    test_llm_server_stop(&server);
    return 1;
  }
  TandemPromptContext* ctx = calloc(1, sizeof(*ctx));
  TandemLlmResult* r = calloc(1, sizeof(*r));
  ctx->role = TANDEM_ROLE_DRUMS;
  ctx->bars = 4;
  ctx->beats_per_bar = 4;
  ctx->beat_unit = 4;
  ctx->tempo_bpm = 120;
  double client_total = 0;
  long rss_warm = 0;
  int failures = 0;
  for (int i = 0; i < WARMUP + N_REQUESTS; ++i) {
    if (i == WARMUP) {
      rss_warm = rss_kib();
    }
    snprintf(ctx->request, sizeof(ctx->request), "bench request %d",
             i); /* no cache hits */
    const double t0 = now_ms();
    const uint32_t id = tandem_llm_submit(c, ctx, (uint32_t)i);
    if (!tandem_llm_wait(c, id, 10, r) || r->status != TANDEM_LLM_STATUS_OK) {
      ++failures;
    }
    if (i >= WARMUP) {
      client_total += now_ms() - t0;
    }
  }
  const long rss_end = rss_kib();

  /* The same request bodies with bare libcurl on one reused handle. */
  json_t* schema = tandem_llm_schema(TANDEM_ROLE_DRUMS);
  char* system = NULL;
  char* user = NULL;
  tandem_llm_prompt_build(ctx, &system, &user);
  const TandemLlmCall call = {"bench", system, user, schema, 0.7, 4096};
  char* body = tandem_llm_openai_body(&call);
  char url[256];
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/ok/v1/chat/completions", server.port);
  CURL* h = curl_easy_init();
  struct curl_slist* hdr = curl_slist_append(NULL, "Content-Type: application/json");
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
  double raw_total = 0;
  for (int i = 0; i < WARMUP + N_REQUESTS; ++i) {
    const double t0 = now_ms();
    if (curl_easy_perform(h) != CURLE_OK) {
      ++failures;
    }
    if (i >= WARMUP) {
      raw_total += now_ms() - t0;
    }
  }
  curl_slist_free_all(hdr);
  curl_easy_cleanup(h);
  free(body);
  free(system);
  free(user);
  json_decref(schema);

  const double client_mean = client_total / N_REQUESTS;
  const double raw_mean = raw_total / N_REQUESTS;
  const double overhead = client_mean - raw_mean;
  printf("bench_llm: %d requests, %d failures\n", N_REQUESTS, failures);
  printf("bench_llm: client mean %.3f ms, bare curl mean %.3f ms, overhead %.3f "
         "ms/request\n",
         client_mean, raw_mean, overhead);
  printf("bench_llm: RSS after warm-up %ld KiB, after %d requests %ld KiB (%+ld KiB)\n",
         rss_warm, N_REQUESTS, rss_end, rss_end - rss_warm);
  tandem_llm_destroy(c);
  free(ctx);
  free(r);
  test_llm_server_stop(&server);
  return failures == 0 && overhead <= 5.0 && rss_end - rss_warm <= 2048 ? 0 : 1;
}
