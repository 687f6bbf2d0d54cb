/* Tandem — realtime-safety checker, loaded with LD_PRELOAD.
 *
 * A host marks its realtime callbacks with rtcheck_enter()/rtcheck_leave()
 * (through tools/rtmark.h).  While the calling thread is marked, every call to
 * an allocator, a lock, a sleep or an I/O function below is a violation: it is
 * counted, reported on stderr with a backtrace, and then forwarded to the real
 * function so that the program behaves as it would without the checker.
 *
 * At exit, a process that marked anything prints
 *   rtcheck: N forbidden calls in realtime context
 * and, if N > 0, ends with exit status 3 (set RTCHECK_KEEP_STATUS=1 to keep the
 * program's own status).  RTCHECK_BACKTRACES=N limits how many violations get a
 * full backtrace (default 32); every violation still gets its one-line report.
 *
 * The state below is process-wide by nature: an interposer replaces functions
 * for the whole process.  The mark itself is per thread.
 */
/* Both would rename the functions defined here (open -> open64, read ->
 * __read_chk inline wrappers) and clash with the exported definitions. */
#undef _FORTIFY_SOURCE
#undef _FILE_OFFSET_BITS
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RTCHECK_EXPORT __attribute__((visibility("default")))
#define RTCHECK_TLS    __attribute__((tls_model("initial-exec")))
#define RTCHECK_FRAMES 48

/* glibc's own allocator entry points: calling them needs no dlsym, so the
 * allocator works before and during symbol lookup. */
extern void* __libc_malloc(size_t size);
extern void* __libc_calloc(size_t n, size_t size);
extern void* __libc_realloc(void* ptr, size_t size);
extern void __libc_free(void* ptr);
extern void* __libc_memalign(size_t alignment, size_t size);
extern void* __libc_valloc(size_t size);

/* Initial-exec TLS: reading it never calls __tls_get_addr, which may allocate. */
static _Thread_local int rt_depth RTCHECK_TLS;
/* Set while this thread reports or resolves symbols, so that the checker's own
 * calls are neither counted nor reported again. */
static _Thread_local int in_checker RTCHECK_TLS;

static atomic_ulong violation_count;
static atomic_bool ever_marked;
static atomic_long backtraces_left = 32;

/* ---- Real functions ---- */

#define REAL_FUNCTIONS(X)                                                                \
  X(pthread_mutex_lock, int, (pthread_mutex_t*))                                         \
  X(pthread_mutex_trylock, int, (pthread_mutex_t*))                                      \
  X(pthread_mutex_unlock, int, (pthread_mutex_t*))                                       \
  X(pthread_cond_wait, int, (pthread_cond_t*, pthread_mutex_t*))                         \
  X(pthread_cond_timedwait, int,                                                         \
    (pthread_cond_t*, pthread_mutex_t*, const struct timespec*))                         \
  X(pthread_cond_signal, int, (pthread_cond_t*))                                         \
  X(pthread_cond_broadcast, int, (pthread_cond_t*))                                      \
  X(pthread_rwlock_rdlock, int, (pthread_rwlock_t*))                                     \
  X(pthread_rwlock_wrlock, int, (pthread_rwlock_t*))                                     \
  X(pthread_rwlock_unlock, int, (pthread_rwlock_t*))                                     \
  X(sem_wait, int, (sem_t*))                                                             \
  X(sem_timedwait, int, (sem_t*, const struct timespec*))                                \
  X(sleep, unsigned int, (unsigned int))                                                 \
  X(usleep, int, (useconds_t))                                                           \
  X(nanosleep, int, (const struct timespec*, struct timespec*))                          \
  X(clock_nanosleep, int, (clockid_t, int, const struct timespec*, struct timespec*))    \
  X(open, int, (const char*, int, ...))                                                  \
  X(open64, int, (const char*, int, ...))                                                \
  X(openat, int, (int, const char*, int, ...))                                           \
  X(openat64, int, (int, const char*, int, ...))                                         \
  X(close, int, (int))                                                                   \
  X(read, ssize_t, (int, void*, size_t))                                                 \
  X(write, ssize_t, (int, const void*, size_t))                                          \
  X(fopen, FILE*, (const char*, const char*))                                            \
  X(fopen64, FILE*, (const char*, const char*))                                          \
  X(fclose, int, (FILE*))                                                                \
  X(fread, size_t, (void*, size_t, size_t, FILE*))                                       \
  X(fwrite, size_t, (const void*, size_t, size_t, FILE*))                                \
  X(vfprintf, int, (FILE*, const char*, va_list))                                        \
  X(puts, int, (const char*))                                                            \
  X(fputs, int, (const char*, FILE*))                                                    \
  X(fputc, int, (int, FILE*))                                                            \
  X(putc, int, (int, FILE*))                                                             \
  X(putchar, int, (int))                                                                 \
  X(__vfprintf_chk, int, (FILE*, int, const char*, va_list))                             \
  X(__read_chk, ssize_t, (int, void*, size_t, size_t))                                   \
  X(__open_2, int, (const char*, int))                                                   \
  X(__open64_2, int, (const char*, int))                                                 \
  X(fflush, int, (FILE*))                                                                \
  X(socket, int, (int, int, int))                                                        \
  X(connect, int, (int, __CONST_SOCKADDR_ARG, socklen_t))                                \
  X(send, ssize_t, (int, const void*, size_t, int))                                      \
  X(sendto, ssize_t, (int, const void*, size_t, int, __CONST_SOCKADDR_ARG, socklen_t))   \
  X(recv, ssize_t, (int, void*, size_t, int))                                            \
  X(recvfrom, ssize_t, (int, void*, size_t, int, __SOCKADDR_ARG, socklen_t*))            \
  X(poll, int, (struct pollfd*, nfds_t, int))                                            \
  X(select, int, (int, fd_set*, fd_set*, fd_set*, struct timeval*))

#define DECLARE_REAL(name, ret, args) static ret(*real_##name) args;
REAL_FUNCTIONS(DECLARE_REAL)
#undef DECLARE_REAL

/* Looks a symbol up in the libraries after this one.  The condition variable
 * functions carry two symbol versions in glibc; ask for the current one first so
 * that programs built against it keep its semantics. */
static void* find_next(const char* name)
{
  in_checker++;
  void* fn = NULL;
#if defined(__x86_64__)
  if (!strncmp(name, "pthread_cond_", 13)) {
    fn = dlvsym(RTLD_NEXT, name, "GLIBC_2.3.2");
  }
#endif
  if (!fn) {
    fn = dlsym(RTLD_NEXT, name);
  }
  in_checker--;
  return fn;
}

static void resolve_all(void)
{
#define RESOLVE(name, ret, args)                                                         \
  if (!real_##name) {                                                                    \
    *(void**)&real_##name = find_next(#name);                                            \
  }
  REAL_FUNCTIONS(RESOLVE)
#undef RESOLVE
}

/* Every wrapper goes through this: resolving lazily covers calls made by other
 * libraries' constructors before ours has run. */
#define REAL(name) (real_##name ? real_##name : (resolve_all(), real_##name))

/* ---- Reporting ---- */

/* Writes straight to fd 2 through the real write(), without stdio. */
static void put_stderr(const char* text, size_t len)
{
  ssize_t (*w)(int, const void*, size_t) = REAL(write);
  while (w && len > 0) {
    const ssize_t n = w(2, text, len);
    if (n <= 0) {
      return;
    }
    text += n;
    len -= (size_t)n;
  }
}

static void report(const char* name)
{
  if (in_checker) {
    return;
  }
  in_checker++;
  const unsigned long n = atomic_fetch_add(&violation_count, 1) + 1;
  char line[160];
  const int len = snprintf(
      line, sizeof(line),
      "rtcheck: forbidden call to %s in realtime context (violation %lu)\n", name, n);
  if (len > 0) {
    put_stderr(line, (size_t)len < sizeof(line) ? (size_t)len : sizeof(line) - 1);
  }
  if (atomic_fetch_sub(&backtraces_left, 1) > 0) {
    void* frames[RTCHECK_FRAMES];
    const int depth = backtrace(frames, RTCHECK_FRAMES);
    /* Frame 0 is this function; start at the wrapper. */
    backtrace_symbols_fd(frames + 1, depth - 1, 2);
  }
  in_checker--;
}

/* Counts and reports if this thread is in a marked realtime region. */
#define CHECK(name)                                                                      \
  do {                                                                                   \
    if (rt_depth > 0 && !in_checker) {                                                   \
      report(name);                                                                      \
    }                                                                                    \
  } while (0)

/* ---- Marks (the API the host calls) ---- */

RTCHECK_EXPORT void rtcheck_enter(void)
{
  if (rt_depth == 0) {
    atomic_store_explicit(&ever_marked, true, memory_order_relaxed);
  }
  rt_depth++;
}

RTCHECK_EXPORT void rtcheck_leave(void)
{
  if (rt_depth > 0) {
    rt_depth--;
  }
}

RTCHECK_EXPORT unsigned long rtcheck_count(void)
{
  return atomic_load(&violation_count);
}

RTCHECK_EXPORT void rtcheck_reset(void)
{
  atomic_store(&violation_count, 0);
}

/* ---- Load and exit ---- */

__attribute__((constructor)) static void rtcheck_load(void)
{
  in_checker++;
  resolve_all();
  const char* limit = getenv("RTCHECK_BACKTRACES");
  if (limit && *limit) {
    atomic_store(&backtraces_left, strtol(limit, NULL, 10));
  }
  /* backtrace() loads libgcc_s and allocates on its first call; do that now,
   * not in the middle of a realtime callback. */
  void* frames[4];
  (void)backtrace(frames, 4);
  in_checker--;
}

__attribute__((destructor)) static void rtcheck_unload(void)
{
  if (!atomic_load(&ever_marked)) {
    return;
  }
  in_checker++;
  const unsigned long n = atomic_load(&violation_count);
  char line[96];
  const int len = snprintf(line, sizeof(line),
                           "rtcheck: %lu forbidden calls in realtime context\n", n);
  if (len > 0) {
    put_stderr(line, (size_t)len < sizeof(line) ? (size_t)len : sizeof(line) - 1);
  }
  const char* keep = getenv("RTCHECK_KEEP_STATUS");
  if (n > 0 && !(keep && *keep == '1')) {
    /* _exit skips stdio's final flush, so flush here. */
    fflush(NULL);
    _exit(3);
  }
  in_checker--;
}

/* ---- Allocator ---- */

RTCHECK_EXPORT void* malloc(size_t size)
{
  CHECK("malloc");
  return __libc_malloc(size);
}

RTCHECK_EXPORT void* calloc(size_t n, size_t size)
{
  CHECK("calloc");
  return __libc_calloc(n, size);
}

RTCHECK_EXPORT void* realloc(void* ptr, size_t size)
{
  CHECK("realloc");
  return __libc_realloc(ptr, size);
}

RTCHECK_EXPORT void free(void* ptr)
{
  CHECK("free");
  __libc_free(ptr);
}

RTCHECK_EXPORT int posix_memalign(void** out, size_t alignment, size_t size)
{
  CHECK("posix_memalign");
  if (alignment < sizeof(void*) || (alignment & (alignment - 1)) != 0) {
    return EINVAL;
  }
  void* p = __libc_memalign(alignment, size);
  if (!p && size) {
    return ENOMEM;
  }
  *out = p;
  return 0;
}

RTCHECK_EXPORT void* aligned_alloc(size_t alignment, size_t size)
{
  CHECK("aligned_alloc");
  return __libc_memalign(alignment, size);
}

RTCHECK_EXPORT void* memalign(size_t alignment, size_t size)
{
  CHECK("memalign");
  return __libc_memalign(alignment, size);
}

RTCHECK_EXPORT void* valloc(size_t size)
{
  CHECK("valloc");
  return __libc_valloc(size);
}

/* ---- Locks and waits ---- */

#define WRAP(name, ret, params, args)                                                    \
  RTCHECK_EXPORT ret name params                                                         \
  {                                                                                      \
    CHECK(#name);                                                                        \
    return REAL(name) args;                                                              \
  }

WRAP(pthread_mutex_lock, int, (pthread_mutex_t * m), (m))
WRAP(pthread_mutex_trylock, int, (pthread_mutex_t * m), (m))
WRAP(pthread_mutex_unlock, int, (pthread_mutex_t * m), (m))
WRAP(pthread_cond_wait, int, (pthread_cond_t * c, pthread_mutex_t* m), (c, m))
WRAP(pthread_cond_timedwait, int,
     (pthread_cond_t * c, pthread_mutex_t* m, const struct timespec* t), (c, m, t))
WRAP(pthread_cond_signal, int, (pthread_cond_t * c), (c))
WRAP(pthread_cond_broadcast, int, (pthread_cond_t * c), (c))
WRAP(pthread_rwlock_rdlock, int, (pthread_rwlock_t * l), (l))
WRAP(pthread_rwlock_wrlock, int, (pthread_rwlock_t * l), (l))
WRAP(pthread_rwlock_unlock, int, (pthread_rwlock_t * l), (l))
WRAP(sem_wait, int, (sem_t * s), (s))
WRAP(sem_timedwait, int, (sem_t * s, const struct timespec* t), (s, t))
WRAP(sleep, unsigned int, (unsigned int s), (s))
WRAP(usleep, int, (useconds_t us), (us))
WRAP(nanosleep, int, (const struct timespec* t, struct timespec* rem), (t, rem))
WRAP(clock_nanosleep, int,
     (clockid_t c, int flags, const struct timespec* t, struct timespec* rem),
     (c, flags, t, rem))

/* ---- Files and stdio ---- */

/* open's mode argument is only there with O_CREAT or O_TMPFILE. */
static mode_t open_mode(int flags, va_list ap)
{
  if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {
    return (mode_t)va_arg(ap, int);
  }
  return 0;
}

RTCHECK_EXPORT int open(const char* path, int flags, ...)
{
  CHECK("open");
  va_list ap;
  va_start(ap, flags);
  const mode_t mode = open_mode(flags, ap);
  va_end(ap);
  return REAL(open)(path, flags, mode);
}

RTCHECK_EXPORT int open64(const char* path, int flags, ...)
{
  CHECK("open64");
  va_list ap;
  va_start(ap, flags);
  const mode_t mode = open_mode(flags, ap);
  va_end(ap);
  return REAL(open64)(path, flags, mode);
}

RTCHECK_EXPORT int openat(int dir, const char* path, int flags, ...)
{
  CHECK("openat");
  va_list ap;
  va_start(ap, flags);
  const mode_t mode = open_mode(flags, ap);
  va_end(ap);
  return REAL(openat)(dir, path, flags, mode);
}

RTCHECK_EXPORT int openat64(int dir, const char* path, int flags, ...)
{
  CHECK("openat64");
  va_list ap;
  va_start(ap, flags);
  const mode_t mode = open_mode(flags, ap);
  va_end(ap);
  return REAL(openat64)(dir, path, flags, mode);
}

WRAP(close, int, (int fd), (fd))
WRAP(read, ssize_t, (int fd, void* buf, size_t n), (fd, buf, n))
WRAP(write, ssize_t, (int fd, const void* buf, size_t n), (fd, buf, n))
WRAP(fopen, FILE*, (const char* path, const char* mode), (path, mode))
WRAP(fopen64, FILE*, (const char* path, const char* mode), (path, mode))
WRAP(fclose, int, (FILE * f), (f))
WRAP(fread, size_t, (void* p, size_t size, size_t n, FILE* f), (p, size, n, f))
WRAP(fwrite, size_t, (const void* p, size_t size, size_t n, FILE* f), (p, size, n, f))
WRAP(vfprintf, int, (FILE * f, const char* fmt, va_list ap), (f, fmt, ap))
WRAP(puts, int, (const char* s), (s))
WRAP(fputs, int, (const char* s, FILE* f), (s, f))
WRAP(fputc, int, (int c, FILE* f), (c, f))
WRAP(putc, int, (int c, FILE* f), (c, f))
WRAP(putchar, int, (int c), (c))
WRAP(fflush, int, (FILE * f), (f))

RTCHECK_EXPORT int vprintf(const char* fmt, va_list ap)
{
  CHECK("vprintf");
  return REAL(vfprintf)(stdout, fmt, ap);
}

RTCHECK_EXPORT int printf(const char* fmt, ...)
{
  CHECK("printf");
  va_list ap;
  va_start(ap, fmt);
  const int n = REAL(vfprintf)(stdout, fmt, ap);
  va_end(ap);
  return n;
}

RTCHECK_EXPORT int fprintf(FILE* f, const char* fmt, ...)
{
  CHECK("fprintf");
  va_list ap;
  va_start(ap, fmt);
  const int n = REAL(vfprintf)(f, fmt, ap);
  va_end(ap);
  return n;
}

/* _FORTIFY_SOURCE turns the calls above into these checked variants; glibc's
 * headers only declare them in fortified builds, hence the declarations. */
int __printf_chk(int flag, const char* fmt, ...);
int __fprintf_chk(FILE* f, int flag, const char* fmt, ...);
int __vprintf_chk(int flag, const char* fmt, va_list ap);
int __vfprintf_chk(FILE* f, int flag, const char* fmt, va_list ap);
ssize_t __read_chk(int fd, void* buf, size_t n, size_t buflen);
int __open_2(const char* path, int flags);
int __open64_2(const char* path, int flags);

WRAP(__vfprintf_chk, int, (FILE * f, int flag, const char* fmt, va_list ap),
     (f, flag, fmt, ap))
WRAP(__read_chk, ssize_t, (int fd, void* buf, size_t n, size_t buflen),
     (fd, buf, n, buflen))
WRAP(__open_2, int, (const char* path, int flags), (path, flags))
WRAP(__open64_2, int, (const char* path, int flags), (path, flags))

RTCHECK_EXPORT int __vprintf_chk(int flag, const char* fmt, va_list ap)
{
  CHECK("__vprintf_chk");
  return REAL(__vfprintf_chk)(stdout, flag, fmt, ap);
}

RTCHECK_EXPORT int __printf_chk(int flag, const char* fmt, ...)
{
  CHECK("__printf_chk");
  va_list ap;
  va_start(ap, fmt);
  const int n = REAL(__vfprintf_chk)(stdout, flag, fmt, ap);
  va_end(ap);
  return n;
}

RTCHECK_EXPORT int __fprintf_chk(FILE* f, int flag, const char* fmt, ...)
{
  CHECK("__fprintf_chk");
  va_list ap;
  va_start(ap, fmt);
  const int n = REAL(__vfprintf_chk)(f, flag, fmt, ap);
  va_end(ap);
  return n;
}

/* ---- Sockets and polling ---- */

WRAP(socket, int, (int domain, int type, int protocol), (domain, type, protocol))
WRAP(connect, int, (int fd, __CONST_SOCKADDR_ARG addr, socklen_t len), (fd, addr, len))
WRAP(send, ssize_t, (int fd, const void* buf, size_t n, int flags), (fd, buf, n, flags))
WRAP(sendto, ssize_t,
     (int fd, const void* buf, size_t n, int flags, __CONST_SOCKADDR_ARG addr,
      socklen_t len),
     (fd, buf, n, flags, addr, len))
WRAP(recv, ssize_t, (int fd, void* buf, size_t n, int flags), (fd, buf, n, flags))
WRAP(recvfrom, ssize_t,
     (int fd, void* buf, size_t n, int flags, __SOCKADDR_ARG addr, socklen_t* len),
     (fd, buf, n, flags, addr, len))
WRAP(poll, int, (struct pollfd * fds, nfds_t n, int timeout), (fds, n, timeout))
WRAP(select, int, (int n, fd_set* r, fd_set* w, fd_set* e, struct timeval* t),
     (n, r, w, e, t))
