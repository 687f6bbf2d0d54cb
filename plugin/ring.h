/* Tandem — lock-free single-producer/single-consumer byte ring.
 *
 * One thread writes, one thread reads; each ring documents which at its
 * declaration.  The capacity is a power of two and the whole capacity is usable
 * (head and tail are free-running 32-bit counters).  Writes and reads are
 * all-or-nothing: a message is either entirely in the ring or not at all.
 *
 * Threads:
 *   tandem_ring_new, tandem_ring_free, tandem_ring_init, tandem_ring_reset
 *       — any thread, while neither end is in use (instantiate/cleanup).
 *   tandem_ring_write, tandem_ring_write2, tandem_ring_write_space,
 *   tandem_ring_write_msg
 *       — the producer thread only.  Realtime-safe.
 *   tandem_ring_read, tandem_ring_peek, tandem_ring_skip, tandem_ring_read_space,
 *   tandem_ring_read_msg
 *       — the consumer thread only.  Realtime-safe.
 */
#ifndef TANDEM_RING_H
#define TANDEM_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct {
  uint8_t* buf;
  uint32_t capacity; /* power of two */
  uint32_t mask;
  bool owns_buf;
  /* Written by the producer (release), read by the consumer (acquire). */
  _Atomic uint32_t write_count;
  /* Written by the consumer (release), read by the producer (acquire). */
  _Atomic uint32_t read_count;
} TandemRing;

/* Header of a framed message: a type tag and the body size in bytes. */
typedef struct {
  uint32_t type;
  uint32_t size;
} TandemRingMsgHeader;

/* Allocates a ring of at least min_capacity bytes (rounded up to a power of two,
 * at most 1 GiB).  Returns NULL on failure.  Not realtime-safe. */
TandemRing* tandem_ring_new(uint32_t min_capacity);
void tandem_ring_free(TandemRing* ring);

/* Initialises a ring over caller-owned storage; capacity must be a power of two.
 * Returns false if it is not. */
bool tandem_ring_init(TandemRing* ring, void* storage, uint32_t capacity);

/* Empties the ring.  Only while no thread uses either end. */
void tandem_ring_reset(TandemRing* ring);

uint32_t tandem_ring_capacity(const TandemRing* ring);

/* Bytes that the producer can write now. */
uint32_t tandem_ring_write_space(TandemRing* ring);
/* Bytes that the consumer can read now. */
uint32_t tandem_ring_read_space(TandemRing* ring);

/* Writes size bytes, or nothing if they do not fit.  Returns true if written. */
bool tandem_ring_write(TandemRing* ring, const void* data, uint32_t size);
/* Writes a then b as one transaction, or nothing. */
bool tandem_ring_write2(TandemRing* ring, const void* a, uint32_t a_size, const void* b,
                        uint32_t b_size);

/* Copies size bytes without consuming them; false if fewer are available. */
bool tandem_ring_peek(TandemRing* ring, void* out, uint32_t size);
/* Copies and consumes size bytes; false (and consumes nothing) if fewer are there. */
bool tandem_ring_read(TandemRing* ring, void* out, uint32_t size);
/* Consumes size bytes without copying; false if fewer are there. */
bool tandem_ring_skip(TandemRing* ring, uint32_t size);

/* Framed messages: header + body written as one transaction. */
bool tandem_ring_write_msg(TandemRing* ring, uint32_t type, const void* body,
                           uint32_t size);

typedef enum {
  TANDEM_RING_OK = 0,
  TANDEM_RING_EMPTY,   /* no complete message */
  TANDEM_RING_TOO_BIG, /* the body does not fit out_cap; the message was dropped */
} TandemRingStatus;

/* Reads the next framed message.  A body larger than out_cap is skipped and
 * reported as TANDEM_RING_TOO_BIG with *size set, so one bad message cannot
 * wedge the ring. */
TandemRingStatus tandem_ring_read_msg(TandemRing* ring, uint32_t* type, void* out,
                                      uint32_t out_cap, uint32_t* size);

#endif
