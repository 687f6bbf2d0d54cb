/* Tandem — the LLM client's HTTP transport: one POST at a time, with every
 * protection a model endpoint needs.
 *
 * Only https is allowed, plus plain http to a loopback host (127.0.0.0/8,
 * ::1, localhost) so that local servers and the test server work.  TLS peer
 * and host verification are always on; redirects are never followed.  A
 * response body is capped (TANDEM_HTTP_MAX_BODY by default) after content
 * decoding, so a gzip bomb is cut off like a plain oversized body.  Connect,
 * total and low-speed timeouts bound every transfer.  tandem_http_cancel()
 * aborts a transfer in flight from another thread within one poll interval
 * (TANDEM_HTTP_POLL_MS).
 *
 * Threads: tandem_http_create/destroy/post — the LLM thread (or a tool), one
 * handle per thread; tandem_http_cancel and tandem_http_url_allowed — any.
 */
#ifndef TANDEM_LLM_HTTP_H
#define TANDEM_LLM_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#define TANDEM_HTTP_MAX_BODY  (256u * 1024u)
#define TANDEM_HTTP_POLL_MS   20
#define TANDEM_HTTP_ERROR_MAX 256

typedef enum {
  TANDEM_HTTP_OK = 0,    /* a complete response arrived (any HTTP status) */
  TANDEM_HTTP_BAD_URL,   /* not https, http to a non-loopback host, or unparsable */
  TANDEM_HTTP_CANCELLED, /* tandem_http_cancel() */
  TANDEM_HTTP_TIMEOUT,   /* connect, total or low-speed timeout */
  TANDEM_HTTP_TOO_LARGE, /* body (decoded) over the cap */
  TANDEM_HTTP_CONNECT,   /* could not resolve or connect */
  TANDEM_HTTP_FAILED,    /* any other transport failure (TLS, protocol, ...) */
} TandemHttpResult;

typedef struct {
  const char* url;
  const char* body; /* request body (JSON) */
  size_t body_len;
  const char* const* headers; /* "Name: value" lines */
  size_t n_headers;
  long connect_timeout_ms; /* 0: 5000 */
  long total_timeout_ms;   /* 0: 30000 */
  long low_speed_time_s;   /* abort when under 1 byte/s for this long; 0: 10 */
  size_t max_body;         /* 0: TANDEM_HTTP_MAX_BODY; never above it */
} TandemHttpRequest;

typedef struct {
  TandemHttpResult result;
  long status;          /* HTTP status, 0 when none arrived */
  double retry_after_s; /* from a Retry-After header; < 0 when absent */
  const char* body; /* NUL-terminated; owned by the handle, valid until the next post */
  size_t body_len;
  double elapsed_ms;
  char error[TANDEM_HTTP_ERROR_MAX]; /* "" on TANDEM_HTTP_OK */
} TandemHttpResponse;

typedef struct TandemHttp TandemHttp;

/* Makes a handle with its body buffer preallocated.  NULL on failure. */
TandemHttp* tandem_http_create(void);
void tandem_http_destroy(TandemHttp* http);

/* Does one POST and waits for it (bounded by the timeouts).  Fills *resp. */
TandemHttpResult tandem_http_post(TandemHttp* http, const TandemHttpRequest* req,
                                  TandemHttpResponse* resp);

/* Aborts the transfer in flight (if any) and every later one until
 * tandem_http_reset_cancel().  Threads: any. */
void tandem_http_cancel(TandemHttp* http);
void tandem_http_reset_cancel(TandemHttp* http);

/* True if url may be requested: https anywhere, http only to loopback.
 * Threads: any. */
bool tandem_http_url_allowed(const char* url);

#endif
