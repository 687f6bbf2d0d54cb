/* Tandem — host-side marks for the realtime-safety checker.  See rtmark.h. */
#include "rtmark.h"

#include <dlfcn.h>
#include <stdatomic.h>
#include <stddef.h>

typedef void (*MarkFn)(void);
typedef unsigned long (*CountFn)(void);

/* Process-wide on purpose: set once by tandem_rtmark_init, read by the audio
 * thread.  Atomics, so that a host may call init from another thread without a
 * data race; relaxed loads are enough since the targets never change. */
static _Atomic(MarkFn) rtmark_enter_fn;
static _Atomic(MarkFn) rtmark_leave_fn;
static _Atomic(CountFn) rtmark_count_fn;

/* dlsym returns void*; ISO C has no conversion to function pointers, POSIX
 * guarantees this copy works. */
static void* lookup(const char* name)
{
  return dlsym(RTLD_DEFAULT, name);
}

bool tandem_rtmark_init(void)
{
  MarkFn enter = NULL;
  MarkFn leave = NULL;
  CountFn count = NULL;
  void* p_enter = lookup("rtcheck_enter");
  void* p_leave = lookup("rtcheck_leave");
  void* p_count = lookup("rtcheck_count");
  if (!p_enter || !p_leave || !p_count) {
    return false;
  }
  *(void**)&enter = p_enter;
  *(void**)&leave = p_leave;
  *(void**)&count = p_count;
  /* Count first, enter last: a thread that sees enter also sees the rest. */
  atomic_store_explicit(&rtmark_count_fn, count, memory_order_release);
  atomic_store_explicit(&rtmark_leave_fn, leave, memory_order_release);
  atomic_store_explicit(&rtmark_enter_fn, enter, memory_order_release);
  return true;
}

bool tandem_rtmark_loaded(void)
{
  return atomic_load_explicit(&rtmark_enter_fn, memory_order_acquire) != NULL;
}

void tandem_rtmark_enter(void)
{
  const MarkFn enter = atomic_load_explicit(&rtmark_enter_fn, memory_order_acquire);
  if (enter) {
    enter();
  }
}

void tandem_rtmark_leave(void)
{
  const MarkFn leave = atomic_load_explicit(&rtmark_leave_fn, memory_order_acquire);
  if (leave) {
    leave();
  }
}

unsigned long tandem_rtmark_count(void)
{
  const CountFn count = atomic_load_explicit(&rtmark_count_fn, memory_order_acquire);
  return count ? count() : 0;
}
