/* Tandem — lock-free SPSC ring.  See ring.h for the thread contract. */
#include "ring.h"

#include <stdlib.h>
#include <string.h>

static uint32_t next_power_of_two(uint32_t n)
{
  uint32_t p = 1;
  while (p < n) {
    p <<= 1;
  }
  return p;
}

TandemRing* tandem_ring_new(uint32_t min_capacity)
{
  if (min_capacity == 0 || min_capacity > (1u << 30)) {
    return NULL;
  }
  const uint32_t capacity = next_power_of_two(min_capacity);
  TandemRing* ring = calloc(1, sizeof(TandemRing));
  uint8_t* buf = calloc(capacity, 1);
  if (!ring || !buf) {
    free(ring);
    free(buf);
    return NULL;
  }
  tandem_ring_init(ring, buf, capacity);
  ring->owns_buf = true;
  return ring;
}

void tandem_ring_free(TandemRing* ring)
{
  if (ring) {
    if (ring->owns_buf) {
      free(ring->buf);
    }
    free(ring);
  }
}

bool tandem_ring_init(TandemRing* ring, void* storage, uint32_t capacity)
{
  if (capacity == 0 || (capacity & (capacity - 1)) != 0) {
    return false;
  }
  ring->buf = storage;
  ring->capacity = capacity;
  ring->mask = capacity - 1;
  ring->owns_buf = false;
  atomic_init(&ring->write_count, 0);
  atomic_init(&ring->read_count, 0);
  return true;
}

void tandem_ring_reset(TandemRing* ring)
{
  atomic_store(&ring->write_count, 0);
  atomic_store(&ring->read_count, 0);
}

uint32_t tandem_ring_capacity(const TandemRing* ring)
{
  return ring->capacity;
}

uint32_t tandem_ring_write_space(TandemRing* ring)
{
  /* Our own counter needs no ordering; the other side's needs acquire so that
   * its reads of the bytes we are about to overwrite have finished. */
  const uint32_t w = atomic_load_explicit(&ring->write_count, memory_order_relaxed);
  const uint32_t r = atomic_load_explicit(&ring->read_count, memory_order_acquire);
  return ring->capacity - (w - r);
}

uint32_t tandem_ring_read_space(TandemRing* ring)
{
  const uint32_t r = atomic_load_explicit(&ring->read_count, memory_order_relaxed);
  const uint32_t w = atomic_load_explicit(&ring->write_count, memory_order_acquire);
  return w - r;
}

static void copy_in(TandemRing* ring, uint32_t at, const void* data, uint32_t size)
{
  const uint32_t start = at & ring->mask;
  const uint32_t first = ring->capacity - start;
  if (size <= first) {
    memcpy(ring->buf + start, data, size);
  } else {
    memcpy(ring->buf + start, data, first);
    memcpy(ring->buf, (const uint8_t*)data + first, size - first);
  }
}

static void copy_out(const TandemRing* ring, uint32_t at, void* out, uint32_t size)
{
  /* An empty copy may come with out == NULL, and memcpy(NULL, p, 0) is undefined. */
  if (size == 0) {
    return;
  }
  const uint32_t start = at & ring->mask;
  const uint32_t first = ring->capacity - start;
  if (size <= first) {
    memcpy(out, ring->buf + start, size);
  } else {
    memcpy(out, ring->buf + start, first);
    memcpy((uint8_t*)out + first, ring->buf, size - first);
  }
}

bool tandem_ring_write2(TandemRing* ring, const void* a, uint32_t a_size, const void* b,
                        uint32_t b_size)
{
  if (a_size > ring->capacity || b_size > ring->capacity - a_size) {
    return false;
  }
  if (tandem_ring_write_space(ring) < a_size + b_size) {
    return false;
  }
  const uint32_t w = atomic_load_explicit(&ring->write_count, memory_order_relaxed);
  if (a_size) {
    copy_in(ring, w, a, a_size);
  }
  if (b_size) {
    copy_in(ring, w + a_size, b, b_size);
  }
  /* Publish the bytes only after they are all in place. */
  atomic_store_explicit(&ring->write_count, w + a_size + b_size, memory_order_release);
  return true;
}

bool tandem_ring_write(TandemRing* ring, const void* data, uint32_t size)
{
  return tandem_ring_write2(ring, data, size, NULL, 0);
}

bool tandem_ring_peek(TandemRing* ring, void* out, uint32_t size)
{
  if (tandem_ring_read_space(ring) < size) {
    return false;
  }
  const uint32_t r = atomic_load_explicit(&ring->read_count, memory_order_relaxed);
  copy_out(ring, r, out, size);
  return true;
}

bool tandem_ring_skip(TandemRing* ring, uint32_t size)
{
  if (tandem_ring_read_space(ring) < size) {
    return false;
  }
  const uint32_t r = atomic_load_explicit(&ring->read_count, memory_order_relaxed);
  /* Release: our copies out of these bytes finish before the producer reuses them. */
  atomic_store_explicit(&ring->read_count, r + size, memory_order_release);
  return true;
}

bool tandem_ring_read(TandemRing* ring, void* out, uint32_t size)
{
  if (!tandem_ring_peek(ring, out, size)) {
    return false;
  }
  return tandem_ring_skip(ring, size);
}

bool tandem_ring_write_msg(TandemRing* ring, uint32_t type, const void* body,
                           uint32_t size)
{
  const TandemRingMsgHeader header = {type, size};
  return tandem_ring_write2(ring, &header, sizeof(header), body, size);
}

TandemRingStatus tandem_ring_read_msg(TandemRing* ring, uint32_t* type, void* out,
                                      uint32_t out_cap, uint32_t* size)
{
  TandemRingMsgHeader header;
  if (!tandem_ring_peek(ring, &header, sizeof(header))) {
    return TANDEM_RING_EMPTY;
  }
  if (tandem_ring_read_space(ring) < sizeof(header) + (uint64_t)header.size) {
    return TANDEM_RING_EMPTY;
  }
  *type = header.type;
  *size = header.size;
  if (header.size > out_cap) {
    tandem_ring_skip(ring, (uint32_t)sizeof(header) + header.size);
    return TANDEM_RING_TOO_BIG;
  }
  const uint32_t r = atomic_load_explicit(&ring->read_count, memory_order_relaxed);
  copy_out(ring, r + (uint32_t)sizeof(header), out, header.size);
  atomic_store_explicit(&ring->read_count, r + (uint32_t)sizeof(header) + header.size,
                        memory_order_release);
  return TANDEM_RING_OK;
}
