/* Tests for the realtime checker itself (run with librtcheck.so preloaded):
 * every watched function is counted inside a marked region, nothing is counted
 * outside one or on another thread, and marks nest.
 *
 * Built with -fno-builtin so that the compiler keeps each call as written
 * (printf("x") would otherwise become putchar, malloc+free might vanish).
 */
#include <check.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "rtmark.h"

/* Runs one statement inside a mark and checks that the checker counted it. */
#define ASSERT_COUNTED(stmt)                                                             \
  do {                                                                                   \
    const unsigned long before_ = tandem_rtmark_count();                                 \
    tandem_rtmark_enter();                                                               \
    stmt;                                                                                \
    tandem_rtmark_leave();                                                               \
    ck_assert_msg(tandem_rtmark_count() > before_, "not counted: %s", #stmt);            \
  } while (0)

/* Each Check test runs in its own process; a clean count at the end keeps the
 * checker's exit-time verdict for the tests that pass. */
static void reset_count(void)
{
  void (*reset)(void) = NULL;
  *(void**)&reset = dlsym(RTLD_DEFAULT, "rtcheck_reset");
  ck_assert_ptr_nonnull(reset);
  reset();
  ck_assert_uint_eq(tandem_rtmark_count(), 0);
}

static void setup(void)
{
  ck_assert_msg(tandem_rtmark_init(), "librtcheck.so is not preloaded");
}

static int call_vprintf(const char* fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  const int n = vprintf(fmt, ap);
  va_end(ap);
  return n;
}

static int call_vfprintf(FILE* f, const char* fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  const int n = vfprintf(f, fmt, ap);
  va_end(ap);
  return n;
}

START_TEST(test_rtcheck_counts_allocator_calls)
{
  void* p = NULL;
  ASSERT_COUNTED(p = malloc(32));
  ASSERT_COUNTED(p = realloc(p, 64));
  ASSERT_COUNTED(free(p));
  ASSERT_COUNTED(p = calloc(4, 8));
  free(p);
  int status = -1;
  ASSERT_COUNTED(status = posix_memalign(&p, 64, 128));
  ck_assert_int_eq(status, 0);
  free(p);
  ASSERT_COUNTED(p = aligned_alloc(64, 128));
  free(p);
  ASSERT_COUNTED(p = memalign(64, 128));
  free(p);
  ASSERT_COUNTED(p = valloc(128));
  free(p);
  reset_count();
}
END_TEST

typedef struct {
  pthread_mutex_t mutex;
  pthread_cond_t cond;
  atomic_bool done;
} Waker;

/* Signals until the main thread has woken; this thread is never marked, so its
 * own locking must not be counted. */
static void* waker_thread(void* arg)
{
  Waker* w = arg;
  while (!atomic_load(&w->done)) {
    pthread_mutex_lock(&w->mutex);
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->mutex);
    usleep(1000);
  }
  return NULL;
}

START_TEST(test_rtcheck_counts_lock_and_wait_calls)
{
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t c = PTHREAD_COND_INITIALIZER;
  pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
  ASSERT_COUNTED(pthread_mutex_lock(&m));
  ASSERT_COUNTED(pthread_mutex_unlock(&m));
  ASSERT_COUNTED(pthread_mutex_trylock(&m));
  pthread_mutex_unlock(&m);
  ASSERT_COUNTED(pthread_cond_signal(&c));
  ASSERT_COUNTED(pthread_cond_broadcast(&c));
  const struct timespec past = {0, 0};
  pthread_mutex_lock(&m);
  ASSERT_COUNTED(pthread_cond_timedwait(&c, &m, &past));
  pthread_mutex_unlock(&m);
  ASSERT_COUNTED(pthread_rwlock_rdlock(&rw));
  ASSERT_COUNTED(pthread_rwlock_unlock(&rw));
  ASSERT_COUNTED(pthread_rwlock_wrlock(&rw));
  ASSERT_COUNTED(pthread_rwlock_unlock(&rw));

  sem_t sem;
  ck_assert_int_eq(sem_init(&sem, 0, 2), 0);
  ASSERT_COUNTED(sem_wait(&sem));
  const struct timespec soon = {time(NULL) + 5, 0};
  ASSERT_COUNTED(sem_timedwait(&sem, &soon));
  sem_destroy(&sem);

  const struct timespec zero = {0, 0};
  ASSERT_COUNTED(sleep(0));
  ASSERT_COUNTED(usleep(0));
  ASSERT_COUNTED(nanosleep(&zero, NULL));
  ASSERT_COUNTED(clock_nanosleep(CLOCK_MONOTONIC, 0, &zero, NULL));

  Waker w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false};
  pthread_t thread;
  pthread_mutex_lock(&w.mutex);
  ck_assert_int_eq(pthread_create(&thread, NULL, waker_thread, &w), 0);
  ASSERT_COUNTED(pthread_cond_wait(&w.cond, &w.mutex));
  atomic_store(&w.done, true);
  pthread_mutex_unlock(&w.mutex);
  pthread_join(thread, NULL);
  reset_count();
}
END_TEST

START_TEST(test_rtcheck_counts_file_and_stdio_calls)
{
  int fd = -1;
  char byte = 'x';
  ASSERT_COUNTED(fd = open("/dev/null", O_RDWR));
  ck_assert_int_ge(fd, 0);
  ASSERT_COUNTED(read(fd, &byte, 1));
  ASSERT_COUNTED(write(fd, &byte, 1));
  ASSERT_COUNTED(close(fd));
  ASSERT_COUNTED(fd = openat(AT_FDCWD, "/dev/null", O_RDONLY));
  close(fd);

  FILE* f = NULL;
  ASSERT_COUNTED(f = fopen("/dev/null", "r+"));
  ck_assert_ptr_nonnull(f);
  ASSERT_COUNTED(fwrite(&byte, 1, 1, f));
  ASSERT_COUNTED(fread(&byte, 1, 1, f));
  ASSERT_COUNTED(fprintf(f, "%d", 1));
  ASSERT_COUNTED(call_vfprintf(f, "%d", 2));
  ASSERT_COUNTED(fputs("x", f));
  ASSERT_COUNTED(fputc('x', f));
  ASSERT_COUNTED(fflush(f));
  ASSERT_COUNTED(fclose(f));

  ASSERT_COUNTED(printf("%s", "rtcheck selftest: printf\n"));
  ASSERT_COUNTED(call_vprintf("%s", "rtcheck selftest: vprintf\n"));
  ASSERT_COUNTED(puts("rtcheck selftest: puts"));
  ASSERT_COUNTED(putchar('\n'));
  fflush(stdout);
  reset_count();
}
END_TEST

/* What _FORTIFY_SOURCE builds call instead of printf, fprintf, read and open. */
int __printf_chk(int flag, const char* fmt, ...);
int __fprintf_chk(FILE* f, int flag, const char* fmt, ...);
ssize_t __read_chk(int fd, void* buf, size_t n, size_t buflen);
int __open_2(const char* path, int flags);

START_TEST(test_rtcheck_counts_fortified_variants)
{
  int fd = -1;
  char byte = 0;
  ASSERT_COUNTED(fd = __open_2("/dev/null", O_RDONLY));
  ck_assert_int_ge(fd, 0);
  ASSERT_COUNTED(__read_chk(fd, &byte, 1, 1));
  close(fd);
  FILE* f = fopen("/dev/null", "w");
  ck_assert_ptr_nonnull(f);
  ASSERT_COUNTED(__fprintf_chk(f, 1, "%d", 3));
  fclose(f);
  ASSERT_COUNTED(__printf_chk(1, "%s", "rtcheck selftest: __printf_chk\n"));
  fflush(stdout);
  reset_count();
}
END_TEST

START_TEST(test_rtcheck_counts_socket_and_poll_calls)
{
  int fd = -1;
  ASSERT_COUNTED(fd = socket(AF_UNIX, SOCK_DGRAM, 0));
  ck_assert_int_ge(fd, 0);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  snprintf(addr.sun_path, sizeof(addr.sun_path), "/nonexistent/rtcheck-%d",
           (int)getpid());
  ASSERT_COUNTED(connect(fd, (const struct sockaddr*)&addr, sizeof(addr)));
  ASSERT_COUNTED(
      sendto(fd, "x", 1, MSG_DONTWAIT, (const struct sockaddr*)&addr, sizeof(addr)));
  close(fd);

  int pair[2];
  ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, pair), 0);
  char buf[4];
  ASSERT_COUNTED(send(pair[0], "a", 1, 0));
  ASSERT_COUNTED(recv(pair[1], buf, sizeof(buf), 0));
  ASSERT_COUNTED(send(pair[0], "b", 1, 0));
  ASSERT_COUNTED(recvfrom(pair[1], buf, sizeof(buf), 0, NULL, NULL));
  close(pair[0]);
  close(pair[1]);

  struct timeval tv = {0, 0};
  ASSERT_COUNTED(poll(NULL, 0, 0));
  ASSERT_COUNTED(select(0, NULL, NULL, NULL, &tv));
  reset_count();
}
END_TEST

START_TEST(test_rtcheck_ignores_calls_outside_marks)
{
  const unsigned long before = tandem_rtmark_count();
  void* p = malloc(16);
  free(p);
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  pthread_mutex_lock(&m);
  pthread_mutex_unlock(&m);
  /* A mark that was entered and left leaves nothing behind. */
  tandem_rtmark_enter();
  tandem_rtmark_leave();
  p = malloc(16);
  free(p);
  ck_assert_uint_eq(tandem_rtmark_count(), before);
}
END_TEST

START_TEST(test_rtcheck_marks_nest)
{
  tandem_rtmark_enter();
  tandem_rtmark_enter();
  tandem_rtmark_leave();
  void* p = malloc(16); /* still inside the outer mark */
  tandem_rtmark_leave();
  free(p);
  ck_assert_uint_eq(tandem_rtmark_count(), 1);
  /* An unmatched leave must not turn the thread into a marked one. */
  tandem_rtmark_leave();
  p = malloc(16);
  free(p);
  ck_assert_uint_eq(tandem_rtmark_count(), 1);
  reset_count();
}
END_TEST

typedef struct {
  atomic_bool go;
  atomic_bool finished;
} Handshake;

static void* allocate_elsewhere(void* arg)
{
  Handshake* hs = arg;
  while (!atomic_load(&hs->go)) {
    sched_yield();
  }
  for (int i = 0; i < 100; ++i) {
    free(malloc(64));
  }
  atomic_store(&hs->finished, true);
  return NULL;
}

START_TEST(test_rtcheck_mark_belongs_to_one_thread)
{
  Handshake hs = {false, false};
  pthread_t thread;
  ck_assert_int_eq(pthread_create(&thread, NULL, allocate_elsewhere, &hs), 0);
  /* The other thread allocates exactly while this one is marked. */
  tandem_rtmark_enter();
  atomic_store(&hs.go, true);
  while (!atomic_load(&hs.finished)) {
    sched_yield();
  }
  tandem_rtmark_leave();
  pthread_join(thread, NULL);
  ck_assert_uint_eq(tandem_rtmark_count(), 0);
}
END_TEST

int main(void)
{
  Suite* s = suite_create("rtcheck");
  TCase* tc = tcase_create("interposer");
  tcase_add_checked_fixture(tc, setup, NULL);
  tcase_add_test(tc, test_rtcheck_counts_allocator_calls);
  tcase_add_test(tc, test_rtcheck_counts_lock_and_wait_calls);
  tcase_add_test(tc, test_rtcheck_counts_file_and_stdio_calls);
  tcase_add_test(tc, test_rtcheck_counts_fortified_variants);
  tcase_add_test(tc, test_rtcheck_counts_socket_and_poll_calls);
  tcase_add_test(tc, test_rtcheck_ignores_calls_outside_marks);
  tcase_add_test(tc, test_rtcheck_marks_nest);
  tcase_add_test(tc, test_rtcheck_mark_belongs_to_one_thread);
  suite_add_tcase(s, tc);
  SRunner* runner = srunner_create(s);
  srunner_run_all(runner, CK_NORMAL);
  const int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
