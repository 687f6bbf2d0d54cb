/* Tandem — host-side marks for the realtime-safety checker.
 *
 * A host wraps each realtime plugin call (run, connect_port, work_response,
 * end_run) in tandem_rtmark_enter()/tandem_rtmark_leave().  When the checker
 * (tests/rtcheck, librtcheck.so) is preloaded with LD_PRELOAD, the marks tell it
 * which calls happen in realtime context, and it counts every forbidden call
 * (allocation, locking, sleeping, I/O) made between them.  Without the checker
 * the marks do nothing and cost one predictable branch.
 *
 * The lookup result is process-wide: whether the checker is preloaded is a fact
 * about the process, not about one host instance.
 *
 * Threads:
 *   tandem_rtmark_init — any thread, once, before the audio thread starts
 *                        (it calls dlsym, which may allocate).
 *   tandem_rtmark_enter, tandem_rtmark_leave — the audio thread; realtime-safe.
 *   tandem_rtmark_loaded, tandem_rtmark_count — any thread.
 */
#ifndef TANDEM_RTMARK_H
#define TANDEM_RTMARK_H

#include <stdbool.h>

/* Looks up the checker's entry points.  Returns true if the checker is loaded.
 * Calling it again is harmless. */
bool tandem_rtmark_init(void);

/* True if tandem_rtmark_init found the checker. */
bool tandem_rtmark_loaded(void);

/* Marks the calling thread as inside a realtime callback.  Marks nest. */
void tandem_rtmark_enter(void);

/* Ends the innermost mark of the calling thread. */
void tandem_rtmark_leave(void);

/* Forbidden calls the checker has counted so far in this process (all
 * threads); 0 when the checker is not loaded. */
unsigned long tandem_rtmark_count(void);

#endif
