/* Tandem tests — the plugin window's feed through the built plugin (lilv): what the
 * notify port carries for a window (plugin/ui_feed.h), and only while one asks. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <lv2/atom/util.h>
#include <lv2/patch/patch.h>

#include "lv2_test_host.h"
#include "ui_feed.h"

#define RATE  48000.0
#define BLOCK 256u

typedef struct {
  LvthWorld* world;
  LvthHost* host;
  LilvInstance* instance;
  LV2_Atom_Sequence* control;
  LV2_Atom_Sequence* notify;
  uint32_t notify_bytes;
  LV2_Atom_Forge forge;
  TandemUiFeedURIs u;
  LV2_URID patch_Get;
  LV2_URID atom_Vector;
  uint64_t frames;
  /* What came out */
  uint32_t plays;
  uint32_t notes_events;
  uint64_t last_feed_frame; /* frame of the last feed event, 0 none */
  uint32_t serial;          /* pattern being put together */
  int32_t count, received;
  bool complete;
  uint32_t complete_serial;
  uint32_t events_for_complete; /* UiNotes events that carried it */
  uint32_t complete_events;
  uint32_t resent; /* a whole pattern sent again with no Get of uiPattern */
  int32_t length_ticks;
  bool position_out_of_range;
  uint32_t plays_with_chords; /* UiPlay with a plan chord in range */
  int32_t last_next_chord;
  /* The pattern queued for the next bar line (pending UiNotes, UiPlay pendingSerial). */
  uint32_t pending_serial;
  int32_t pending_count, pending_received;
  uint32_t pending_complete_serial; /* 0: none whole yet */
  uint64_t pending_complete_frame;
  uint32_t pending_seen_in_play; /* the last nonzero pendingSerial of a UiPlay */
  uint64_t
      current_frame_of_pending; /* when the pending serial came as the pattern playing */
  const char* fault;
} Rig;

static void rig_open(Rig* r, uint32_t notify_bytes)
{
  memset(r, 0, sizeof(*r));
  r->world = lvth_world_new("urn:tandem:plugin");
  ck_assert_ptr_nonnull(r->world);
  r->host = lvth_host_new(r->world, RATE, BLOCK, LVTH_FEATURES_ALL);
  r->instance = lvth_host_instance(r->host);
  ck_assert_ptr_nonnull(r->instance);
  ck_assert(lvth_host_connect_all(r->host, 65536));
  lvth_host_set_worker_inline(r->host, true);
  r->control = aligned_alloc(8, 4096);
  r->notify_bytes = notify_bytes;
  r->notify = aligned_alloc(8, notify_bytes);
  ck_assert(r->control && r->notify);
  lilv_instance_connect_port(r->instance, 2, r->control);
  lilv_instance_connect_port(r->instance, 3, r->notify);
  LV2_URID_Map* map = lvth_world_map(r->world);
  lv2_atom_forge_init(&r->forge, map);
  tandem_ui_feed_map(&r->u, map);
  r->patch_Get = lvth_urid(r->world, LV2_PATCH__Get);
  r->atom_Vector = lvth_urid(r->world, LV2_ATOM__Vector);
  lilv_instance_activate(r->instance);
}

static void rig_close(Rig* r)
{
  lilv_instance_deactivate(r->instance);
  free(r->control);
  free(r->notify);
  lvth_host_free(r->host);
  lvth_world_free(r->world);
}

static int32_t int_of(const LV2_Atom* a)
{
  ck_assert_ptr_nonnull(a);
  ck_assert_uint_eq(a->size, sizeof(int32_t));
  return ((const LV2_Atom_Int*)a)->body;
}

static void read_notes(Rig* r, const LV2_Atom_Object* obj)
{
  const LV2_Atom *serial = NULL, *count = NULL, *first = NULL, *notes = NULL,
                 *bars = NULL, *tpb = NULL;
  lv2_atom_object_get(obj, r->u.tandem_serial, &serial, r->u.tandem_noteCount, &count,
                      r->u.tandem_first, &first, r->u.tandem_notes, &notes,
                      r->u.tandem_bars, &bars, r->u.tandem_ticksPerBar, &tpb, 0);
  ck_assert_ptr_nonnull(notes);
  ck_assert_uint_eq(notes->type, r->atom_Vector);
  const LV2_Atom_Vector* v = (const LV2_Atom_Vector*)notes;
  const int32_t ints = (int32_t)((v->atom.size - sizeof(LV2_Atom_Vector_Body)) / 4);
  ck_assert_int_eq(ints % TANDEM_UI_NOTE_INTS, 0);
  const int32_t n = ints / TANDEM_UI_NOTE_INTS;
  ck_assert_int_le(n, TANDEM_UI_NOTES_PER_EVENT);
  const int32_t f = int_of(first);
  const LV2_Atom* pending = NULL;
  lv2_atom_object_get(obj, r->u.tandem_pending, &pending, 0);
  ck_assert_ptr_nonnull(pending);
  if (((const LV2_Atom_Bool*)pending)->body) {
    if (f == 0) {
      r->pending_serial = (uint32_t)int_of(serial);
      r->pending_count = int_of(count);
      r->pending_received = 0;
    }
    ck_assert_uint_eq((uint32_t)int_of(serial), r->pending_serial);
    ck_assert_int_eq(f, r->pending_received);
    r->pending_received += n;
    if (r->pending_received == r->pending_count) {
      r->pending_complete_serial = r->pending_serial;
      r->pending_complete_frame = r->frames;
    }
    return;
  }
  if (f == 0) {
    if (r->pending_complete_serial &&
        (uint32_t)int_of(serial) == r->pending_complete_serial &&
        !r->current_frame_of_pending) {
      r->current_frame_of_pending = r->frames;
    }
    if (r->complete && (uint32_t)int_of(serial) == r->complete_serial) {
      ++r->resent;
    }
    r->serial = (uint32_t)int_of(serial);
    r->count = int_of(count);
    r->received = 0;
    r->events_for_complete = 0;
    r->length_ticks = int_of(bars) * int_of(tpb);
  }
  ck_assert_uint_eq((uint32_t)int_of(serial), r->serial);
  ck_assert_int_eq(f, r->received); /* pieces come in order, none missing */
  r->received += n;
  ++r->events_for_complete;
  const int32_t* data = (const int32_t*)(&v->body + 1);
  for (int32_t i = 0; i < n; ++i) {
    const int32_t* note = data + i * TANDEM_UI_NOTE_INTS;
    ck_assert_int_ge(note[0], 0);
    ck_assert_int_lt(note[0], r->length_ticks);
    ck_assert_int_gt(note[1], 0);
    ck_assert_int_ge((note[2] >> 8) & 0x7f, 1); /* a velocity */
  }
  if (r->received == r->count) {
    r->complete = true;
    r->complete_serial = r->serial;
    r->complete_events = r->events_for_complete;
  }
}

/* One block, with a patch:Get of property (0: none) and, on the first block, a
 * rolling transport at 120 bpm. */
static void rig_block(Rig* r, LV2_URID get)
{
  lv2_atom_forge_set_buffer(&r->forge, (uint8_t*)r->control, 4096);
  LV2_Atom_Forge_Frame seq;
  lv2_atom_forge_sequence_head(&r->forge, &seq, 0);
  if (r->frames == 0) {
    ck_assert(lvth_forge_position(r->world, &r->forge, RATE, 120.0, 0));
  }
  if (get) {
    LV2_Atom_Forge_Frame obj;
    lv2_atom_forge_frame_time(&r->forge, 0);
    lv2_atom_forge_object(&r->forge, &obj, 0, r->patch_Get);
    lv2_atom_forge_key(&r->forge, r->u.patch_property);
    lv2_atom_forge_urid(&r->forge, get);
    lv2_atom_forge_pop(&r->forge, &obj);
  }
  lv2_atom_forge_pop(&r->forge, &seq);
  r->notify->atom.type = 0;
  r->notify->atom.size = r->notify_bytes - sizeof(LV2_Atom);
  lvth_host_cycle(r->host, BLOCK);
  const char* fault = lvth_sequence_fault(r->world, r->notify, r->notify_bytes);
  if (fault && !r->fault) {
    r->fault = fault;
  }
  LV2_ATOM_SEQUENCE_FOREACH (r->notify, ev) {
    const LV2_Atom_Object* obj = (const LV2_Atom_Object*)&ev->body;
    if (ev->body.type != r->forge.Object) {
      continue;
    }
    if (obj->body.otype == r->u.tandem_UiNotes) {
      ++r->notes_events;
      r->last_feed_frame = r->frames + 1;
      read_notes(r, obj);
    } else if (obj->body.otype == r->u.tandem_UiPlay) {
      ++r->plays;
      r->last_feed_frame = r->frames + 1;
      const LV2_Atom* position = NULL;
      lv2_atom_object_get(obj, r->u.tandem_position, &position, 0);
      const int32_t p = int_of(position);
      if (p < -1 || (r->length_ticks > 0 && p >= r->length_ticks)) {
        r->position_out_of_range = true;
      }
      const LV2_Atom *plan = NULL, *next = NULL;
      lv2_atom_object_get(obj, r->u.tandem_planChord, &plan, r->u.tandem_nextChord, &next,
                          0);
      const int32_t c = int_of(plan);
      r->plays_with_chords += c >= 0 && c < 12 * 9;
      r->last_next_chord = int_of(next);
      const LV2_Atom* pending = NULL;
      lv2_atom_object_get(obj, r->u.tandem_pendingSerial, &pending, 0);
      if (int_of(pending) != 0) {
        r->pending_seen_in_play = (uint32_t)int_of(pending);
      }
      /* No model reply: no alternative's confidence. */
      const LV2_Atom* alts = NULL;
      lv2_atom_object_get(obj, r->u.tandem_alternatives, &alts, 0);
      ck_assert_ptr_nonnull(alts);
      ck_assert_uint_eq(alts->type, r->atom_Vector);
      ck_assert_uint_eq(alts->size, sizeof(LV2_Atom_Vector_Body));
    }
  }
  r->frames += BLOCK;
}

static uint32_t blocks(double seconds)
{
  return (uint32_t)(seconds * RATE / BLOCK);
}

START_TEST(test_ui_feed_sends_nothing_until_a_window_asks)
{
  Rig r;
  rig_open(&r, 65536);
  for (uint32_t b = 0; b < blocks(3.0); ++b) {
    rig_block(&r, 0);
  }
  ck_assert_uint_eq(r.notes_events, 0);
  ck_assert_uint_eq(r.plays, 0);
  ck_assert_msg(r.fault == NULL, "%s", r.fault);
  rig_close(&r);
}
END_TEST

START_TEST(test_ui_feed_sends_each_pattern_once_and_plays_at_most_30_per_second)
{
  Rig r;
  rig_open(&r, 65536);
  const uint32_t n = blocks(4.0);
  for (uint32_t b = 0; b < n; ++b) {
    /* As the window does: uiPattern when it opens, uiFeed every second. */
    const LV2_URID get = b == 0                 ? r.u.tandem_uiPattern
                         : b % blocks(1.0) == 0 ? r.u.tandem_uiFeed
                                                : 0;
    rig_block(&r, get);
  }
  ck_assert_msg(r.complete, "no whole pattern: %d of %d notes", r.received, r.count);
  ck_assert_int_gt(r.count, 0);
  /* One event per 64 notes: sent once, not again while it plays. */
  ck_assert_uint_eq(r.resent, 0);
  ck_assert_uint_eq(r.complete_events,
                    (uint32_t)(r.count + TANDEM_UI_NOTES_PER_EVENT - 1) /
                        TANDEM_UI_NOTES_PER_EVENT);
  const double seconds = n * BLOCK / RATE;
  ck_assert_msg(r.plays <= (uint32_t)(TANDEM_UI_PLAY_HZ * seconds) + 1 &&
                    r.plays >= (uint32_t)(0.8 * TANDEM_UI_PLAY_HZ * seconds),
                "%u UiPlay events in %.1f s", r.plays, seconds);
  ck_assert(!r.position_out_of_range);
  /* Every UiPlay names the chord playing; with nothing heard, no next one. */
  ck_assert_uint_eq(r.plays_with_chords, r.plays);
  ck_assert_int_eq(r.last_next_chord, -1);
  ck_assert_msg(r.fault == NULL, "%s", r.fault);
  rig_close(&r);
}
END_TEST

START_TEST(test_ui_feed_fits_a_small_notify_buffer)
{
  Rig r;
  rig_open(&r, 1536); /* a host with little room: MIDI goes first */
  for (uint32_t b = 0; b < blocks(4.0); ++b) {
    rig_block(&r, b % blocks(1.0) == 0 ? r.u.tandem_uiFeed : 0);
  }
  ck_assert_msg(r.fault == NULL, "%s", r.fault);
  ck_assert_msg(r.complete, "no whole pattern: %d of %d notes", r.received, r.count);
  ck_assert_uint_gt(r.plays, 0);
  rig_close(&r);
}
END_TEST

START_TEST(test_ui_feed_stops_3_s_after_the_last_get)
{
  Rig r;
  rig_open(&r, 65536);
  rig_block(&r, r.u.tandem_uiFeed);
  for (uint32_t b = 1; b < blocks(6.0); ++b) {
    rig_block(&r, 0);
  }
  ck_assert_uint_gt(r.plays, 0);
  const double last_s = (double)(r.last_feed_frame - 1) / RATE;
  ck_assert_msg(last_s <= TANDEM_UI_FEED_HOLD_S + 0.05, "fed until %.2f s", last_s);
  ck_assert_msg(last_s >= TANDEM_UI_FEED_HOLD_S - 0.1, "stopped at %.2f s", last_s);
  rig_close(&r);
}
END_TEST

START_TEST(test_ui_feed_gives_a_reopened_window_the_whole_pattern)
{
  Rig r;
  rig_open(&r, 65536);
  /* A window open for 2 s, closed for 1 s (the feed still runs), then opened again. */
  for (uint32_t b = 0; b < blocks(2.0); ++b) {
    rig_block(&r, b == 0                 ? r.u.tandem_uiPattern
                  : b % blocks(1.0) == 0 ? r.u.tandem_uiFeed
                                         : 0);
  }
  ck_assert(r.complete);
  const uint32_t serial = r.complete_serial;
  for (uint32_t b = 0; b < blocks(1.0); ++b) {
    rig_block(&r, 0);
  }
  r.complete = false;
  r.received = 0;
  r.count = 0;
  for (uint32_t b = 0; b < blocks(1.0); ++b) {
    rig_block(&r, b == 0 ? r.u.tandem_uiPattern : 0);
  }
  ck_assert_msg(r.complete, "the reopened window got %d of %d notes", r.received,
                r.count);
  ck_assert_uint_ge(r.complete_serial, serial);
  ck_assert_msg(r.fault == NULL, "%s", r.fault);
  rig_close(&r);
}
END_TEST

/* A new part queued for the next bar line (regenerate) reaches the window before it
 * plays, marked pending, and then comes as the part playing. */
START_TEST(test_ui_feed_sends_the_part_queued_for_the_next_bar_line)
{
  Rig r;
  rig_open(&r, 65536);
  float* regenerate = lvth_host_control(r.host, "regenerate");
  ck_assert_ptr_nonnull(regenerate);
  const uint32_t n = blocks(6.0);
  uint64_t pressed_at = 0;
  for (uint32_t b = 0; b < n; ++b) {
    /* Pressed at 2.5 s, a quarter into bar 1 (2 s bars at 120 bpm). */
    *regenerate = b >= blocks(2.5) && b < blocks(2.5) + 4 ? 1.0f : 0.0f;
    if (b == blocks(2.5)) {
      /* The first part was queued too, for bar 1: only what follows the press counts. */
      ck_assert_uint_ne(r.pending_complete_serial, 0);
      pressed_at = r.frames;
      r.pending_complete_serial = 0;
      r.pending_seen_in_play = 0;
      r.current_frame_of_pending = 0;
    }
    rig_block(&r, b == 0                 ? r.u.tandem_uiPattern
                  : b % blocks(1.0) == 0 ? r.u.tandem_uiFeed
                                         : 0);
  }
  ck_assert_msg(r.pending_complete_serial != 0, "no whole pending part (%d of %d notes)",
                r.pending_received, r.pending_count);
  ck_assert_int_gt(r.pending_count, 0);
  ck_assert_uint_ge(r.pending_complete_frame, pressed_at);
  /* Announced in UiPlay, sent before the bar line at 4 s, then played from it. */
  ck_assert_uint_eq(r.pending_seen_in_play, r.pending_complete_serial);
  ck_assert_uint_lt(r.pending_complete_frame, (uint64_t)(4.0 * RATE));
  ck_assert_msg(r.current_frame_of_pending >= (uint64_t)(4.0 * RATE) - BLOCK,
                "the queued part played at frame %llu",
                (unsigned long long)r.current_frame_of_pending);
  ck_assert_msg(r.fault == NULL, "%s", r.fault);
  rig_close(&r);
}
END_TEST

int main(void)
{
  Suite* s = suite_create("ui_feed");
  TCase* tc = tcase_create("notify");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_ui_feed_sends_nothing_until_a_window_asks);
  tcase_add_test(tc, test_ui_feed_sends_the_part_queued_for_the_next_bar_line);
  tcase_add_test(tc,
                 test_ui_feed_sends_each_pattern_once_and_plays_at_most_30_per_second);
  tcase_add_test(tc, test_ui_feed_fits_a_small_notify_buffer);
  tcase_add_test(tc, test_ui_feed_stops_3_s_after_the_last_get);
  tcase_add_test(tc, test_ui_feed_gives_a_reopened_window_the_whole_pattern);
  suite_add_tcase(s, tc);
  SRunner* sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
