/* Tandem tests — starts and stops tools/llm-test-server.py for a test program.
 *
 * The server script comes from $TANDEM_LLM_TEST_SERVER and the interpreter from
 * $TANDEM_PYTHON (default "python3").  It binds 127.0.0.1 on a free port and
 * reports it; tests build URLs as http://127.0.0.1:PORT/<behaviour>.
 * Header-only (static inline functions) so that each test program stays one file.
 */
#ifndef TANDEM_TEST_LLM_SERVER_H
#define TANDEM_TEST_LLM_SERVER_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

typedef struct {
  pid_t pid;
  int port;
} TestLlmServer;

/* Starts the server; returns false if it did not report a port within 10 s. */
static inline bool test_llm_server_start(TestLlmServer* s)
{
  const char* script = getenv("TANDEM_LLM_TEST_SERVER");
  const char* python = getenv("TANDEM_PYTHON");
  if (!script) {
    fprintf(stderr, "TANDEM_LLM_TEST_SERVER is not set\n");
    return false;
  }
  if (!python || !*python) {
    python = "python3";
  }
  int fds[2];
  if (pipe(fds) != 0) {
    return false;
  }
  s->pid = fork();
  if (s->pid < 0) {
    return false;
  }
  if (s->pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    execlp(python, python, script, (char*)NULL);
    _exit(127);
  }
  close(fds[1]);
  FILE* f = fdopen(fds[0], "r");
  char line[64] = "";
  s->port = 0;
  if (f && fgets(line, sizeof(line), f)) {
    sscanf(line, "PORT %d", &s->port);
  }
  if (f) {
    fclose(f);
  }
  return s->port > 0;
}

static inline void test_llm_server_stop(TestLlmServer* s)
{
  if (s->pid > 0) {
    kill(s->pid, SIGTERM);
    waitpid(s->pid, NULL, 0);
    s->pid = 0;
  }
}

static inline size_t test_llm_collect(char* data, size_t size, size_t n, void* user)
{
  char* buf = user;
  const size_t have = strlen(buf);
  const size_t add = size * n;
  const size_t room = 65535 - have;
  const size_t take = add < room ? add : room;
  memcpy(buf + have, data, take);
  buf[have + take] = '\0';
  return add;
}

/* GET or POST (body non-NULL) to a server path; the reply goes to out (64 KiB). */
static inline bool test_llm_server_call(const TestLlmServer* s, const char* path,
                                        const char* body, char* out)
{
  char url[256];
  snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", s->port, path);
  CURL* c = curl_easy_init();
  if (!c) {
    return false;
  }
  out[0] = '\0';
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, test_llm_collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
  if (body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
  }
  const bool ok = curl_easy_perform(c) == CURLE_OK;
  curl_easy_cleanup(c);
  return ok;
}

/* Requests the server has seen since the last reset, or -1. */
static inline long test_llm_server_requests(const TestLlmServer* s)
{
  char* out = malloc(65536);
  if (!out || !test_llm_server_call(s, "/stats", NULL, out)) {
    free(out);
    return -1;
  }
  long n = -1;
  const char* p = strstr(out, "\"requests\": ");
  if (p) {
    n = strtol(p + 12, NULL, 10);
  }
  free(out);
  return n;
}

#endif
