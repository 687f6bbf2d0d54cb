/* Tandem — HTTP transport for the LLM client (see llm_http.h). */
#include "llm_http.h"

#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

struct TandemHttp {
  CURL* easy;
  CURLM* multi;
  atomic_bool cancel;
  char* buf; /* TANDEM_HTTP_MAX_BODY + 1, allocated once */
  size_t len;
  size_t cap;
  bool overflow;
  double retry_after_s;
};

static double now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

TandemHttp* tandem_http_create(void)
{
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    return NULL;
  }
  TandemHttp* http = calloc(1, sizeof(*http));
  if (!http) {
    curl_global_cleanup();
    return NULL;
  }
  http->buf = malloc(TANDEM_HTTP_MAX_BODY + 1);
  http->easy = curl_easy_init();
  http->multi = curl_multi_init();
  atomic_init(&http->cancel, false);
  if (!http->buf || !http->easy || !http->multi) {
    tandem_http_destroy(http);
    return NULL;
  }
  return http;
}

void tandem_http_destroy(TandemHttp* http)
{
  if (!http) {
    return;
  }
  if (http->multi) {
    curl_multi_cleanup(http->multi);
  }
  if (http->easy) {
    curl_easy_cleanup(http->easy);
  }
  free(http->buf);
  free(http);
  curl_global_cleanup();
}

void tandem_http_cancel(TandemHttp* http)
{
  atomic_store_explicit(&http->cancel, true, memory_order_release);
  /* Wakes curl_multi_poll at once instead of at the next poll timeout. */
  curl_multi_wakeup(http->multi);
}

void tandem_http_reset_cancel(TandemHttp* http)
{
  atomic_store_explicit(&http->cancel, false, memory_order_release);
}

static bool host_is_loopback(const char* host)
{
  if (strcasecmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0 ||
      strcmp(host, "::1") == 0) {
    return true;
  }
  /* 127.0.0.0/8 as a dotted quad of plain decimal numbers only. */
  unsigned a, b, c, d;
  char tail;
  if (sscanf(host, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4) {
    return false;
  }
  for (const char* s = host; *s; ++s) {
    if (!isdigit((unsigned char)*s) && *s != '.') {
      return false;
    }
  }
  return a == 127 && b < 256 && c < 256 && d < 256;
}

bool tandem_http_url_allowed(const char* url)
{
  if (!url || !*url) {
    return false;
  }
  CURLU* u = curl_url();
  if (!u) {
    return false;
  }
  bool ok = false;
  char* scheme = NULL;
  char* host = NULL;
  if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
    if (strcasecmp(scheme, "https") == 0) {
      ok = true;
    } else if (strcasecmp(scheme, "http") == 0) {
      ok = host_is_loopback(host);
    }
  }
  curl_free(scheme);
  curl_free(host);
  curl_url_cleanup(u);
  return ok;
}

static size_t on_body(char* data, size_t size, size_t nmemb, void* user)
{
  TandemHttp* http = user;
  const size_t n = size * nmemb;
  if (n > http->cap - http->len) {
    /* Returning less than n makes curl fail the transfer with a write error. */
    http->overflow = true;
    return 0;
  }
  memcpy(http->buf + http->len, data, n);
  http->len += n;
  return n;
}

static size_t on_header(char* data, size_t size, size_t nmemb, void* user)
{
  TandemHttp* http = user;
  const size_t n = size * nmemb;
  static const char name[] = "retry-after:";
  const size_t name_len = sizeof(name) - 1;
  if (n > name_len && n < 200 && strncasecmp(data, name, name_len) == 0) {
    char value[200];
    memcpy(value, data + name_len, n - name_len);
    value[n - name_len] = '\0';
    char* v = value;
    while (*v == ' ' || *v == '\t') {
      ++v;
    }
    char* end = NULL;
    const double secs = strtod(v, &end);
    if (end != v && secs >= 0 && secs < 86400) {
      http->retry_after_s = secs;
    } else {
      /* The other form is an HTTP date. */
      v[strcspn(v, "\r\n")] = '\0';
      const time_t when = curl_getdate(v, NULL);
      if (when > 0) {
        const double d = difftime(when, time(NULL));
        http->retry_after_s = d > 0 ? d : 0;
      }
    }
  }
  return n;
}

static int on_progress(void* user, curl_off_t dltotal, curl_off_t dlnow,
                       curl_off_t ultotal, curl_off_t ulnow)
{
  (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
  TandemHttp* http = user;
  return atomic_load_explicit(&http->cancel, memory_order_acquire) ? 1 : 0;
}

static void set_error(TandemHttpResponse* resp, TandemHttpResult result, const char* text)
{
  resp->result = result;
  snprintf(resp->error, sizeof(resp->error), "%s", text);
}

TandemHttpResult tandem_http_post(TandemHttp* http, const TandemHttpRequest* req,
                                  TandemHttpResponse* resp)
{
  memset(resp, 0, sizeof(*resp));
  resp->retry_after_s = -1;
  http->len = 0;
  http->buf[0] = '\0';
  resp->body = http->buf;
  http->overflow = false;
  http->retry_after_s = -1;
  http->cap = req->max_body && req->max_body < TANDEM_HTTP_MAX_BODY
                  ? req->max_body
                  : TANDEM_HTTP_MAX_BODY;
  const double t0 = now_ms();
  if (!tandem_http_url_allowed(req->url)) {
    set_error(resp, TANDEM_HTTP_BAD_URL,
              "URL refused: use https, or http only to a loopback address");
    return resp->result;
  }
  if (atomic_load_explicit(&http->cancel, memory_order_acquire)) {
    set_error(resp, TANDEM_HTTP_CANCELLED, "request cancelled");
    return resp->result;
  }

  struct curl_slist* headers = curl_slist_append(NULL, "Content-Type: application/json");
  for (size_t i = 0; headers && i < req->n_headers; ++i) {
    struct curl_slist* h = curl_slist_append(headers, req->headers[i]);
    if (!h) {
      curl_slist_free_all(headers);
      headers = NULL;
    } else {
      headers = h;
    }
  }
  if (!headers) {
    set_error(resp, TANDEM_HTTP_FAILED, "out of memory building the request");
    return resp->result;
  }

  CURL* e = http->easy;
  curl_easy_reset(e);
  curl_easy_setopt(e, CURLOPT_URL, req->url);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "https");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_POST, 1L);
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body);
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
  /* Decoded bytes count against the cap, so compression cannot smuggle a big body. */
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                   req->connect_timeout_ms > 0 ? req->connect_timeout_ms : 5000L);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
                   req->total_timeout_ms > 0 ? req->total_timeout_ms : 30000L);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME,
                   req->low_speed_time_s > 0 ? req->low_speed_time_s : 10L);
  curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)http->cap);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, http);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, http);
  curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(e, CURLOPT_XFERINFODATA, http);
  curl_easy_setopt(e, CURLOPT_USERAGENT, "tandem-lv2");

  CURLcode code = CURLE_OK;
  if (curl_multi_add_handle(http->multi, e) != CURLM_OK) {
    curl_slist_free_all(headers);
    set_error(resp, TANDEM_HTTP_FAILED, "could not start the transfer");
    return resp->result;
  }
  bool cancelled = false;
  for (;;) {
    int running = 0;
    if (curl_multi_perform(http->multi, &running) != CURLM_OK) {
      code = CURLE_FAILED_INIT;
      break;
    }
    int queued = 0;
    CURLMsg* msg = curl_multi_info_read(http->multi, &queued);
    if (msg && msg->msg == CURLMSG_DONE) {
      code = msg->data.result;
      break;
    }
    if (atomic_load_explicit(&http->cancel, memory_order_acquire)) {
      cancelled = true;
      break;
    }
    curl_multi_poll(http->multi, NULL, 0, TANDEM_HTTP_POLL_MS, NULL);
  }
  curl_multi_remove_handle(http->multi, e);
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &resp->status);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, NULL);
  curl_slist_free_all(headers);

  http->buf[http->len] = '\0';
  resp->body_len = http->len;
  resp->retry_after_s = http->retry_after_s;
  resp->elapsed_ms = now_ms() - t0;
  if (cancelled || code == CURLE_ABORTED_BY_CALLBACK) {
    set_error(resp, TANDEM_HTTP_CANCELLED, "request cancelled");
  } else if (http->overflow || code == CURLE_FILESIZE_EXCEEDED) {
    snprintf(resp->error, sizeof(resp->error), "response larger than %zu KiB; discarded",
             http->cap / 1024);
    resp->result = TANDEM_HTTP_TOO_LARGE;
  } else if (code == CURLE_OPERATION_TIMEDOUT) {
    snprintf(resp->error, sizeof(resp->error), "timed out after %.0f ms",
             resp->elapsed_ms);
    resp->result = TANDEM_HTTP_TIMEOUT;
  } else if (code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST ||
             code == CURLE_COULDNT_RESOLVE_PROXY) {
    snprintf(resp->error, sizeof(resp->error), "could not connect: %s",
             curl_easy_strerror(code));
    resp->result = TANDEM_HTTP_CONNECT;
  } else if (code != CURLE_OK) {
    snprintf(resp->error, sizeof(resp->error), "transfer failed: %s",
             curl_easy_strerror(code));
    resp->result = TANDEM_HTTP_FAILED;
  } else {
    resp->result = TANDEM_HTTP_OK;
  }
  if (resp->result != TANDEM_HTTP_OK) {
    /* A partial body is never parsed. */
    http->len = 0;
    http->buf[0] = '\0';
    resp->body_len = 0;
  }
  return resp->result;
}
