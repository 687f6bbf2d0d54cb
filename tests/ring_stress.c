/* Two-thread stress test for plugin/ring.c: one producer writes framed messages
 * of varying sizes with checksums, one consumer reads them and checks order,
 * size and every byte.  Both spin with sched_yield when the ring is full or
 * empty.  Prints the throughput; it never asserts on speed.
 *
 * TANDEM_RING_STRESS_MESSAGES sets the message count (default 10 000 000).
 */
#include <check.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ring.h"

enum {
  STRESS_RING_BYTES = 4096,
  STRESS_MAX_BODY = 260, /* 4-byte checksum + up to 256 payload bytes */
  STRESS_DEFAULT_MESSAGES = 10000000,
  STRESS_TABLE_BYTES = 65536,
};

typedef struct {
  TandemRing* ring;
  uint32_t messages;
  /* Read-only while the threads run. */
  uint8_t table[STRESS_TABLE_BYTES];
  atomic_bool producer_done;
  /* Set by the consumer when the stream is beyond repair, so the producer stops. */
  atomic_bool abandon;
  /* Written by the consumer thread only, read after join. */
  uint32_t received;
  uint32_t errors;
  uint32_t first_error_seq;
  const char* first_error;
  uint64_t bytes;
} Stress;

/* The payload size for a sequence number: 0..256, spread unevenly so that
 * messages straddle the end of the ring at many different offsets. */
static uint32_t payload_size(uint32_t seq)
{
  uint32_t x = seq * 2654435761u;
  x ^= x >> 15;
  return x % 257u;
}

/* Payloads are windows into one table of random bytes, filled before the
 * threads start: a copy and a compare per message instead of generating bytes
 * twice, so that the ring, not the test, dominates the time. */
static void fill_table(uint8_t* table, uint32_t size)
{
  uint32_t x = 0x7F4A7C15u;
  for (uint32_t i = 0; i < size; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    table[i] = (uint8_t)x;
  }
}

/* Where the payload of a sequence number starts in the table. */
static uint32_t payload_offset(uint32_t seq)
{
  return (seq * 40503u + (seq >> 7)) % (STRESS_TABLE_BYTES - STRESS_MAX_BODY);
}

/* FNV-1a: cheap, and any single changed byte changes it. */
static uint32_t checksum(const uint8_t* data, uint32_t size)
{
  uint32_t h = 2166136261u;
  for (uint32_t i = 0; i < size; ++i) {
    h = (h ^ data[i]) * 16777619u;
  }
  return h;
}

static void* producer(void* arg)
{
  Stress* st = arg;
  uint8_t body[STRESS_MAX_BODY];
  for (uint32_t seq = 0; seq < st->messages; ++seq) {
    const uint32_t n = payload_size(seq);
    memcpy(body + 4, st->table + payload_offset(seq), n);
    const uint32_t sum = checksum(body + 4, n);
    body[0] = (uint8_t)sum;
    body[1] = (uint8_t)(sum >> 8);
    body[2] = (uint8_t)(sum >> 16);
    body[3] = (uint8_t)(sum >> 24);
    while (!tandem_ring_write_msg(st->ring, seq, body, 4 + n)) {
      if (atomic_load_explicit(&st->abandon, memory_order_relaxed)) {
        return NULL;
      }
      sched_yield();
    }
  }
  atomic_store_explicit(&st->producer_done, true, memory_order_release);
  return NULL;
}

static void note_error(Stress* st, uint32_t seq, const char* what)
{
  if (st->errors++ == 0) {
    st->first_error_seq = seq;
    st->first_error = what;
  }
}

static void* consumer(void* arg)
{
  Stress* st = arg;
  uint8_t body[STRESS_MAX_BODY];
  uint32_t seq = 0;
  while (seq < st->messages) {
    uint32_t type = 0;
    uint32_t size = 0;
    const TandemRingStatus status =
        tandem_ring_read_msg(st->ring, &type, body, sizeof(body), &size);
    if (status == TANDEM_RING_EMPTY) {
      /* A lost message would otherwise make us wait forever. */
      if (atomic_load_explicit(&st->producer_done, memory_order_acquire) &&
          tandem_ring_read_space(st->ring) == 0) {
        note_error(st, seq, "messages missing at the end");
        break;
      }
      /* A corrupt header can claim a body that never arrives; both ends would
       * then wait for ever. */
      TandemRingMsgHeader header;
      if (tandem_ring_peek(st->ring, &header, sizeof(header)) &&
          header.size > STRESS_MAX_BODY) {
        note_error(st, seq, "corrupt header");
        atomic_store_explicit(&st->abandon, true, memory_order_relaxed);
        break;
      }
      sched_yield();
      continue;
    }
    if (status != TANDEM_RING_OK) {
      note_error(st, seq, "read_msg reported TOO_BIG");
    } else if (type != seq) {
      note_error(st, seq, "out of order");
    } else if (size != 4 + payload_size(seq)) {
      note_error(st, seq, "wrong size");
    } else {
      const uint32_t n = size - 4;
      const uint32_t sum = (uint32_t)body[0] | (uint32_t)body[1] << 8 |
                           (uint32_t)body[2] << 16 | (uint32_t)body[3] << 24;
      if (sum != checksum(body + 4, n)) {
        note_error(st, seq, "checksum mismatch");
      } else if (memcmp(body + 4, st->table + payload_offset(seq), n) != 0) {
        note_error(st, seq, "content differs from what was sent");
      }
    }
    st->bytes += sizeof(TandemRingMsgHeader) + size;
    ++st->received;
    ++seq;
  }
  return NULL;
}

static uint32_t message_count(void)
{
  const char* env = getenv("TANDEM_RING_STRESS_MESSAGES");
  if (env && *env) {
    const unsigned long n = strtoul(env, NULL, 10);
    if (n > 0 && n <= UINT32_MAX) {
      return (uint32_t)n;
    }
  }
  return STRESS_DEFAULT_MESSAGES;
}

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

START_TEST(test_ring_two_threads_deliver_every_msg_in_order_intact)
{
  /* On the heap: the table is too big for a comfortable stack frame. */
  Stress* st = calloc(1, sizeof(Stress));
  ck_assert_ptr_nonnull(st);
  fill_table(st->table, STRESS_TABLE_BYTES);
  st->ring = tandem_ring_new(STRESS_RING_BYTES);
  ck_assert_ptr_nonnull(st->ring);
  st->messages = message_count();
  atomic_init(&st->producer_done, false);
  atomic_init(&st->abandon, false);

  const double start = now_s();
  pthread_t prod;
  pthread_t cons;
  ck_assert_int_eq(pthread_create(&cons, NULL, consumer, st), 0);
  ck_assert_int_eq(pthread_create(&prod, NULL, producer, st), 0);
  pthread_join(prod, NULL);
  pthread_join(cons, NULL);
  const double seconds = now_s() - start;

  printf("ring_stress: %" PRIu32 " messages, %" PRIu64 " bytes through a %u-byte ring "
         "in %.2f s: %.0f msgs/s, %.1f MB/s\n",
         st->received, st->bytes, (unsigned)STRESS_RING_BYTES, seconds,
         (double)st->received / seconds, (double)st->bytes / seconds / 1e6);
  fflush(stdout);
  tandem_ring_free(st->ring);

  const uint32_t errors = st->errors;
  const uint32_t first_error_seq = st->first_error_seq;
  const char* first_error = st->first_error ? st->first_error : "";
  const uint32_t received = st->received;
  const uint32_t messages = st->messages;
  free(st);
  ck_assert_msg(errors == 0, "%" PRIu32 " bad messages; first at seq %" PRIu32 ": %s",
                errors, first_error_seq, first_error);
  ck_assert_uint_eq(received, messages);
}
END_TEST

int main(void)
{
  Suite* s = suite_create("ring_stress");
  TCase* tc = tcase_create("threads");
  /* meson's own timeout governs; Check's default of 4 s is far too short. */
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_ring_two_threads_deliver_every_msg_in_order_intact);
  suite_add_tcase(s, tc);
  SRunner* runner = srunner_create(s);
  srunner_run_all(runner, CK_NORMAL);
  const int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
