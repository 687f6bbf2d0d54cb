/* Unit tests for plugin/ring.c: capacity edges, wrap-around, transactions and
 * framed messages, all on one thread (ring_stress.c covers two threads). */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ring.h"

/* Fills buf with a pattern that differs per seed, so that misplaced bytes show. */
static void fill_pattern(uint8_t* buf, uint32_t size, uint32_t seed)
{
  for (uint32_t i = 0; i < size; ++i) {
    buf[i] = (uint8_t)(seed * 31u + i * 7u + 1u);
  }
}

START_TEST(test_ring_new_rounds_capacity_up_to_power_of_two)
{
  static const uint32_t asked[] = {1, 2, 3, 5, 1000, 1024, 1025, 65535};
  static const uint32_t expected[] = {1, 2, 4, 8, 1024, 1024, 2048, 65536};
  for (size_t i = 0; i < sizeof(asked) / sizeof(asked[0]); ++i) {
    TandemRing* ring = tandem_ring_new(asked[i]);
    ck_assert_ptr_nonnull(ring);
    ck_assert_uint_eq(tandem_ring_capacity(ring), expected[i]);
    ck_assert_uint_eq(tandem_ring_write_space(ring), expected[i]);
    ck_assert_uint_eq(tandem_ring_read_space(ring), 0);
    tandem_ring_free(ring);
  }
}
END_TEST

START_TEST(test_ring_new_rejects_zero_and_more_than_1_gib)
{
  ck_assert_ptr_null(tandem_ring_new(0));
  ck_assert_ptr_null(tandem_ring_new((1u << 30) + 1u));
  ck_assert_ptr_null(tandem_ring_new(UINT32_MAX));
  tandem_ring_free(NULL); /* must be harmless */
}
END_TEST

START_TEST(test_ring_init_rejects_non_power_of_two)
{
  uint8_t storage[1024];
  TandemRing ring;
  static const uint32_t bad[] = {0, 3, 6, 12, 1000, 1023};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
    ck_assert_msg(!tandem_ring_init(&ring, storage, bad[i]), "accepted capacity %u",
                  bad[i]);
  }
  static const uint32_t good[] = {1, 2, 4, 512, 1024};
  for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); ++i) {
    ck_assert(tandem_ring_init(&ring, storage, good[i]));
    ck_assert_uint_eq(tandem_ring_capacity(&ring), good[i]);
    ck_assert_uint_eq(tandem_ring_write_space(&ring), good[i]);
  }
}
END_TEST

START_TEST(test_ring_accepts_exactly_full_write_and_refuses_one_byte_more)
{
  uint8_t storage[16];
  uint8_t in[17];
  uint8_t out[17];
  TandemRing ring;
  ck_assert(tandem_ring_init(&ring, storage, 16));
  fill_pattern(in, sizeof(in), 1);

  ck_assert(!tandem_ring_write(&ring, in, 17));
  ck_assert_uint_eq(tandem_ring_read_space(&ring), 0);

  ck_assert(tandem_ring_write(&ring, in, 16));
  ck_assert_uint_eq(tandem_ring_read_space(&ring), 16);
  ck_assert_uint_eq(tandem_ring_write_space(&ring), 0);
  ck_assert(!tandem_ring_write(&ring, in, 1));
  ck_assert_uint_eq(tandem_ring_read_space(&ring), 16);

  ck_assert(tandem_ring_read(&ring, out, 16));
  ck_assert_mem_eq(out, in, 16);
  ck_assert_uint_eq(tandem_ring_write_space(&ring), 16);
}
END_TEST

START_TEST(test_ring_capacity_one_holds_one_byte)
{
  uint8_t storage[1];
  TandemRing ring;
  ck_assert(tandem_ring_init(&ring, storage, 1));
  for (uint8_t i = 0; i < 5; ++i) {
    const uint8_t byte = (uint8_t)(0xA0 + i);
    uint8_t out = 0;
    ck_assert(tandem_ring_write(&ring, &byte, 1));
    ck_assert(!tandem_ring_write(&ring, &byte, 1));
    ck_assert(tandem_ring_read(&ring, &out, 1));
    ck_assert_uint_eq(out, byte);
    ck_assert(!tandem_ring_read(&ring, &out, 1));
  }
}
END_TEST

START_TEST(test_ring_zero_size_operations_succeed_and_move_nothing)
{
  uint8_t storage[8];
  uint8_t byte = 42;
  TandemRing ring;
  ck_assert(tandem_ring_init(&ring, storage, 8));
  ck_assert(tandem_ring_write(&ring, &byte, 0));
  ck_assert(tandem_ring_write2(&ring, &byte, 0, &byte, 0));
  ck_assert_uint_eq(tandem_ring_read_space(&ring), 0);
  ck_assert(tandem_ring_read(&ring, &byte, 0));
  ck_assert(tandem_ring_peek(&ring, &byte, 0));
  ck_assert(tandem_ring_skip(&ring, 0));
  ck_assert_uint_eq(tandem_ring_write_space(&ring), 8);

  /* On a full ring, an empty write still fits. */
  uint8_t full[8] = {0};
  ck_assert(tandem_ring_write(&ring, full, 8));
  ck_assert(tandem_ring_write(&ring, &byte, 0));
  ck_assert_uint_eq(tandem_ring_read_space(&ring), 8);
}
END_TEST

START_TEST(test_ring_data_survives_wrap_around_at_every_offset)
{
  uint8_t storage[16];
  uint8_t in[16];
  uint8_t out[16];
  TandemRing ring;
  for (uint32_t offset = 0; offset < 16; ++offset) {
    for (uint32_t size = 1; size <= 16; ++size) {
      ck_assert(tandem_ring_init(&ring, storage, 16));
      memset(storage, 0xEE, sizeof(storage));
      /* Move both counters to offset. */
      ck_assert(tandem_ring_write(&ring, storage, offset));
      ck_assert(tandem_ring_skip(&ring, offset));
      fill_pattern(in, size, offset * 16 + size);
      ck_assert(tandem_ring_write(&ring, in, size));
      ck_assert_uint_eq(tandem_ring_read_space(&ring), size);
      memset(out, 0, sizeof(out));
      ck_assert(tandem_ring_peek(&ring, out, size));
      ck_assert_mem_eq(out, in, size);
      memset(out, 0, sizeof(out));
      ck_assert(tandem_ring_read(&ring, out, size));
      ck_assert_mem_eq(out, in, size);
      ck_assert_uint_eq(tandem_ring_read_space(&ring), 0);
    }
  }
}
END_TEST

START_TEST(test_ring_counters_keep_working_past_uint32_overflow)
{
  uint8_t storage[16];
  uint8_t in[12];
  uint8_t out[12];
  TandemRing ring;
  ck_assert(tandem_ring_init(&ring, storage, 16));
  /* White box: the counters are free-running; start them just below 2^32. */
  atomic_store(&ring.write_count, UINT32_MAX - 5u);
  atomic_store(&ring.read_count, UINT32_MAX - 5u);
  for (uint32_t round = 0; round < 4; ++round) {
    fill_pattern(in, sizeof(in), round);
    ck_assert(tandem_ring_write(&ring, in, sizeof(in)));
    ck_assert_uint_eq(tandem_ring_read_space(&ring), sizeof(in));
    ck_assert_uint_eq(tandem_ring_write_space(&ring), 16 - sizeof(in));
    ck_assert(!tandem_ring_write(&ring, in, 5));
    ck_assert(tandem_ring_read(&ring, out, sizeof(out)));
    ck_assert_mem_eq(out, in, sizeof(in));
  }
}
END_TEST

START_TEST(test_ring_short_read_consumes_nothing)
{
  uint8_t storage[16];
  uint8_t in[5] = {1, 2, 3, 4, 5};
  uint8_t out[8] = {0};
  TandemRing ring;
  ck_assert(tandem_ring_init(&ring, storage, 16));
  ck_assert(tandem_ring_write(&ring, in, 5));
  ck_assert(!tandem_ring_read(&ring, out, 6));
  ck_assert(!tandem_ring_peek(&ring, out, 6));
  ck_assert(!tandem_ring_skip(&ring, 6));
  ck_assert_uint_eq(tandem_ring_read_space(&ring), 5);
  ck_assert(tandem_ring_peek(&ring, out, 5));
  ck_assert_uint_eq(tandem_ring_read_space(&ring), 5);
  ck_assert(tandem_ring_skip(&ring, 2));
  ck_assert(tandem_ring_read(&ring, out, 3));
  ck_assert_mem_eq(out, in + 2, 3);
}
END_TEST

START_TEST(test_ring_write2_writes_both_parts_or_nothing)
{
  uint8_t storage[16];
  uint8_t a[8];
  uint8_t b[8];
  uint8_t out[16];
  TandemRing ring;
  ck_assert(tandem_ring_init(&ring, storage, 16));
  fill_pattern(a, sizeof(a), 1);
  fill_pattern(b, sizeof(b), 2);

  ck_assert(tandem_ring_write(&ring, a, 4));
  /* 12 bytes free: a 6 + 8 transaction must leave the ring untouched. */
  ck_assert(!tandem_ring_write2(&ring, a, 6, b, 8));
  ck_assert_uint_eq(tandem_ring_read_space(&ring), 4);
  ck_assert(tandem_ring_skip(&ring, 4));

  /* Now the transaction crosses the end of the storage (counters at 4). */
  ck_assert(tandem_ring_write2(&ring, a, 8, b, 8));
  ck_assert_uint_eq(tandem_ring_read_space(&ring), 16);
  ck_assert(tandem_ring_read(&ring, out, 16));
  ck_assert_mem_eq(out, a, 8);
  ck_assert_mem_eq(out + 8, b, 8);
}
END_TEST

START_TEST(test_ring_write2_refuses_sizes_whose_sum_overflows)
{
  uint8_t storage[16];
  uint8_t a[8] = {0};
  TandemRing ring;
  ck_assert(tandem_ring_init(&ring, storage, 16));
  /* The sizes are checked before any pointer is read, so b may be a dummy. */
  ck_assert(!tandem_ring_write2(&ring, a, 8, a, UINT32_MAX - 3u));
  ck_assert(!tandem_ring_write2(&ring, a, UINT32_MAX, a, 2));
  ck_assert(!tandem_ring_write2(&ring, a, 17, a, 0));
  ck_assert_uint_eq(tandem_ring_read_space(&ring), 0);
}
END_TEST

START_TEST(test_ring_msg_round_trips_type_size_and_body)
{
  uint8_t storage[64];
  uint8_t body[13];
  uint8_t out[32];
  TandemRing ring;
  ck_assert(tandem_ring_init(&ring, storage, 64));
  fill_pattern(body, sizeof(body), 9);
  ck_assert(tandem_ring_write_msg(&ring, 7, body, sizeof(body)));
  ck_assert(tandem_ring_write_msg(&ring, 8, NULL, 0));
  ck_assert_uint_eq(tandem_ring_read_space(&ring),
                    2 * sizeof(TandemRingMsgHeader) + sizeof(body));

  uint32_t type = 0;
  uint32_t size = 99;
  ck_assert_int_eq(tandem_ring_read_msg(&ring, &type, out, sizeof(out), &size),
                   TANDEM_RING_OK);
  ck_assert_uint_eq(type, 7);
  ck_assert_uint_eq(size, sizeof(body));
  ck_assert_mem_eq(out, body, sizeof(body));

  ck_assert_int_eq(tandem_ring_read_msg(&ring, &type, out, sizeof(out), &size),
                   TANDEM_RING_OK);
  ck_assert_uint_eq(type, 8);
  ck_assert_uint_eq(size, 0);
  ck_assert_int_eq(tandem_ring_read_msg(&ring, &type, out, sizeof(out), &size),
                   TANDEM_RING_EMPTY);
}
END_TEST

START_TEST(test_ring_msg_refused_when_header_and_body_do_not_fit)
{
  uint8_t storage[16];
  uint8_t body[9] = {0};
  TandemRing ring;
  ck_assert(tandem_ring_init(&ring, storage, 16));
  /* 8-byte header + 9 = 17 > 16. */
  ck_assert(!tandem_ring_write_msg(&ring, 1, body, 9));
  ck_assert_uint_eq(tandem_ring_read_space(&ring), 0);
  ck_assert(tandem_ring_write_msg(&ring, 1, body, 8));
  ck_assert_uint_eq(tandem_ring_write_space(&ring), 0);
}
END_TEST

START_TEST(test_ring_too_big_msg_is_skipped_and_next_msg_is_read)
{
  uint8_t storage[64];
  uint8_t big[20];
  uint8_t small[3] = {4, 5, 6};
  uint8_t out[10];
  TandemRing ring;
  ck_assert(tandem_ring_init(&ring, storage, 64));
  fill_pattern(big, sizeof(big), 3);
  ck_assert(tandem_ring_write_msg(&ring, 1, big, sizeof(big)));
  ck_assert(tandem_ring_write_msg(&ring, 2, small, sizeof(small)));

  uint32_t type = 0;
  uint32_t size = 0;
  memset(out, 0x55, sizeof(out));
  ck_assert_int_eq(tandem_ring_read_msg(&ring, &type, out, sizeof(out), &size),
                   TANDEM_RING_TOO_BIG);
  ck_assert_uint_eq(type, 1);
  ck_assert_uint_eq(size, sizeof(big));
  /* Nothing of the oversized body may land in the caller's buffer. */
  for (size_t i = 0; i < sizeof(out); ++i) {
    ck_assert_uint_eq(out[i], 0x55);
  }

  ck_assert_int_eq(tandem_ring_read_msg(&ring, &type, out, sizeof(out), &size),
                   TANDEM_RING_OK);
  ck_assert_uint_eq(type, 2);
  ck_assert_uint_eq(size, sizeof(small));
  ck_assert_mem_eq(out, small, sizeof(small));
  ck_assert_uint_eq(tandem_ring_read_space(&ring), 0);
}
END_TEST

START_TEST(test_ring_partial_msg_reads_as_empty_until_complete)
{
  uint8_t storage[64];
  uint8_t body[10];
  uint8_t out[16];
  TandemRing ring;
  ck_assert(tandem_ring_init(&ring, storage, 64));
  fill_pattern(body, sizeof(body), 4);
  const TandemRingMsgHeader header = {5, sizeof(body)};

  uint32_t type = 0;
  uint32_t size = 0;
  ck_assert(tandem_ring_write(&ring, &header, 4));
  ck_assert_int_eq(tandem_ring_read_msg(&ring, &type, out, sizeof(out), &size),
                   TANDEM_RING_EMPTY);
  ck_assert(tandem_ring_write(&ring, (const uint8_t*)&header + 4, 4));
  ck_assert(tandem_ring_write(&ring, body, 4));
  ck_assert_int_eq(tandem_ring_read_msg(&ring, &type, out, sizeof(out), &size),
                   TANDEM_RING_EMPTY);
  ck_assert_uint_eq(tandem_ring_read_space(&ring), sizeof(header) + 4);
  ck_assert(tandem_ring_write(&ring, body + 4, 6));
  ck_assert_int_eq(tandem_ring_read_msg(&ring, &type, out, sizeof(out), &size),
                   TANDEM_RING_OK);
  ck_assert_uint_eq(type, 5);
  ck_assert_mem_eq(out, body, sizeof(body));
}
END_TEST

START_TEST(test_ring_msgs_wrap_around_the_end)
{
  uint8_t storage[32];
  uint8_t body[19];
  uint8_t out[32];
  TandemRing ring;
  ck_assert(tandem_ring_init(&ring, storage, 32));
  /* Sizes chosen so that headers and bodies straddle the end in turn. */
  for (uint32_t i = 0; i < 200; ++i) {
    const uint32_t n = (i * 5u) % 20u;
    fill_pattern(body, n, i);
    ck_assert(tandem_ring_write_msg(&ring, i, body, n));
    uint32_t type = 0;
    uint32_t size = 0;
    ck_assert_int_eq(tandem_ring_read_msg(&ring, &type, out, sizeof(out), &size),
                     TANDEM_RING_OK);
    ck_assert_uint_eq(type, i);
    ck_assert_uint_eq(size, n);
    ck_assert_mem_eq(out, body, n);
  }
}
END_TEST

START_TEST(test_ring_empty_body_msg_needs_no_output_buffer)
{
  uint8_t storage[32];
  uint8_t body[4] = {1, 2, 3, 4};
  TandemRing ring;
  ck_assert(tandem_ring_init(&ring, storage, 32));
  ck_assert(tandem_ring_write_msg(&ring, 3, NULL, 0));
  ck_assert(tandem_ring_write_msg(&ring, 4, body, sizeof(body)));

  uint32_t type = 0;
  uint32_t size = 99;
  /* A consumer that only expects bodiless messages may pass no buffer at all. */
  ck_assert_int_eq(tandem_ring_read_msg(&ring, &type, NULL, 0, &size), TANDEM_RING_OK);
  ck_assert_uint_eq(type, 3);
  ck_assert_uint_eq(size, 0);
  ck_assert_int_eq(tandem_ring_read_msg(&ring, &type, NULL, 0, &size),
                   TANDEM_RING_TOO_BIG);
  ck_assert_uint_eq(type, 4);
  ck_assert_uint_eq(size, sizeof(body));
  ck_assert_uint_eq(tandem_ring_read_space(&ring), 0);
  /* Zero-byte copies with no buffer, likewise. */
  ck_assert(tandem_ring_write(&ring, NULL, 0));
  ck_assert(tandem_ring_peek(&ring, NULL, 0));
  ck_assert(tandem_ring_read(&ring, NULL, 0));
}
END_TEST

START_TEST(test_ring_reset_empties_the_ring)
{
  TandemRing* ring = tandem_ring_new(32);
  ck_assert_ptr_nonnull(ring);
  const uint8_t data[20] = {1};
  ck_assert(tandem_ring_write(ring, data, sizeof(data)));
  tandem_ring_reset(ring);
  ck_assert_uint_eq(tandem_ring_read_space(ring), 0);
  ck_assert_uint_eq(tandem_ring_write_space(ring), 32);
  tandem_ring_free(ring);
}
END_TEST

static Suite* ring_suite(void)
{
  Suite* s = suite_create("ring");
  TCase* capacity = tcase_create("capacity");
  tcase_add_test(capacity, test_ring_new_rounds_capacity_up_to_power_of_two);
  tcase_add_test(capacity, test_ring_new_rejects_zero_and_more_than_1_gib);
  tcase_add_test(capacity, test_ring_init_rejects_non_power_of_two);
  tcase_add_test(capacity,
                 test_ring_accepts_exactly_full_write_and_refuses_one_byte_more);
  tcase_add_test(capacity, test_ring_capacity_one_holds_one_byte);
  tcase_add_test(capacity, test_ring_zero_size_operations_succeed_and_move_nothing);
  suite_add_tcase(s, capacity);

  TCase* bytes = tcase_create("bytes");
  tcase_add_test(bytes, test_ring_data_survives_wrap_around_at_every_offset);
  tcase_add_test(bytes, test_ring_counters_keep_working_past_uint32_overflow);
  tcase_add_test(bytes, test_ring_short_read_consumes_nothing);
  tcase_add_test(bytes, test_ring_write2_writes_both_parts_or_nothing);
  tcase_add_test(bytes, test_ring_write2_refuses_sizes_whose_sum_overflows);
  tcase_add_test(bytes, test_ring_reset_empties_the_ring);
  suite_add_tcase(s, bytes);

  TCase* msgs = tcase_create("messages");
  tcase_add_test(msgs, test_ring_msg_round_trips_type_size_and_body);
  tcase_add_test(msgs, test_ring_msg_refused_when_header_and_body_do_not_fit);
  tcase_add_test(msgs, test_ring_too_big_msg_is_skipped_and_next_msg_is_read);
  tcase_add_test(msgs, test_ring_partial_msg_reads_as_empty_until_complete);
  tcase_add_test(msgs, test_ring_msgs_wrap_around_the_end);
  tcase_add_test(msgs, test_ring_empty_body_msg_needs_no_output_buffer);
  suite_add_tcase(s, msgs);
  return s;
}

int main(void)
{
  SRunner* runner = srunner_create(ring_suite());
  srunner_run_all(runner, CK_NORMAL);
  const int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
