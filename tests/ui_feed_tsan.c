/* Tandem tests — the inline display's snapshot under ThreadSanitizer: one thread
 * plays blocks through the window feed as run() does (tandem_ui_feed_segment,
 * tandem_ui_feed_end_block), another reads snapshots as render() does
 * (tandem_ui_feed_snapshot).  Built with -fsanitize=thread over ui_feed.c and what
 * it calls, so a race on the triple buffer is reported (and fails the test).  It
 * also checks that every snapshot read is whole: versions never go back, notes lie
 * inside the bar and carry the velocity the pattern gave them.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui_feed.h"

#define RATE   48000.0
#define BLOCK  64u
#define BLOCKS 400000u

static LV2_URID map_uri(LV2_URID_Map_Handle handle, const char* uri)
{
  /* Distinct numbers are all the feed needs; the URIs are fixed strings. */
  static const char* seen[64];
  static unsigned n;
  (void)handle;
  for (unsigned i = 0; i < n; ++i) {
    if (!strcmp(seen[i], uri)) {
      return i + 1;
    }
  }
  if (n == 64) {
    abort();
  }
  seen[n] = uri;
  return ++n;
}

static atomic_ulong draws;
static void queue_draw(void* handle)
{
  (void)handle;
  atomic_fetch_add_explicit(&draws, 1ul, memory_order_relaxed);
}

static TandemUiFeed feed;
static TandemPlayer player;
static TandemHarmony harmony;
static atomic_bool done;

static void* audio_thread(void* arg)
{
  (void)arg;
  const double beats_per_block = 120.0 / 60.0 * BLOCK / RATE;
  double beat = 0.0;
  TandemOnsetEvent onset;
  memset(&onset, 0, sizeof(onset));
  onset.frame = BLOCK / 2;
  onset.drums = 1;
  for (uint32_t b = 0; b < BLOCKS; ++b) {
    TandemClockPos pos = {TANDEM_CLOCK_HOST,     1.0, 120.0, 4.0, 4,
                          (int64_t)(beat / 4.0), 0.0};
    pos.bar_beat = beat - 4.0 * (double)pos.bar;
    tandem_ui_feed_segment(&feed, &pos, 0, BLOCK, &player, &onset, b % 50 == 0 ? 1u : 0u);
    tandem_ui_feed_end_block(&feed, NULL, NULL, 0, BLOCK, &player, &harmony, 0, 1);
    beat += beats_per_block;
  }
  atomic_store_explicit(&done, true, memory_order_release);
  return NULL;
}

int main(void)
{
  LV2_URID_Map map = {NULL, map_uri};
  TandemInlineDisplayFeature display = {NULL, queue_draw};
  const LV2_Feature display_f = {TANDEM_INLINE_DISPLAY__queue_draw, &display};
  const LV2_Feature* features[] = {&display_f, NULL};
  tandem_ui_feed_init(&feed, &map, features, RATE);

  /* Two bars of 16ths, velocity 100 in bar 0 and 60 in bar 1. */
  static TandemPattern pattern;
  tandem_pattern_init(&pattern, TANDEM_ROLE_DRUMS, 2, 4, 4);
  pattern.serial = 1;
  for (uint32_t i = 0; i < 32; ++i) {
    const TandemNote note = {i * TANDEM_PPQ / 4,
                             TANDEM_PPQ / 8,
                             TANDEM_PITCH_ABSOLUTE,
                             42,
                             0,
                             0,
                             0,
                             (uint8_t)(i < 16 ? 100 : 60),
                             0,
                             0};
    if (!tandem_pattern_add(&pattern, &note)) {
      return 2;
    }
  }
  if (!tandem_pattern_valid(&pattern)) {
    fprintf(stderr, "ui_feed_tsan: the test pattern is not valid\n");
    return 2;
  }
  /* As if the player had taken it over at bar 0 (the feed only reads these). */
  tandem_player_init(&player, RATE);
  memcpy(&player.pattern, &pattern, sizeof(pattern));
  player.has_pattern = true;
  player.anchor_bar = 0;
  harmony.scale = TANDEM_SCALE_MAJOR;

  pthread_t audio;
  if (pthread_create(&audio, NULL, audio_thread, NULL) != 0) {
    return 2;
  }
  unsigned long reads = 0, torn = 0;
  uint32_t last_version = 0;
  while (!atomic_load_explicit(&done, memory_order_acquire)) {
    const TandemUiSnapshot* s = tandem_ui_feed_snapshot(&feed);
    ++reads;
    if (s->version < last_version || s->n_notes > TANDEM_UI_SNAPSHOT_NOTES ||
        s->n_onsets > TANDEM_UI_SNAPSHOT_ONSETS) {
      ++torn;
      continue;
    }
    last_version = s->version;
    for (uint32_t i = 0; i < s->n_notes; ++i) {
      const TandemUiSnapshotNote* n = &s->notes[i];
      const bool velocity_ok = n->velocity == 100 || n->velocity == 60;
      /* A bar's notes all come from one bar of the pattern. */
      if (n->start >= s->bar_ticks || n->pitch != 42 || !velocity_ok ||
          n->velocity != s->notes[0].velocity) {
        ++torn;
        break;
      }
    }
  }
  pthread_join(audio, NULL);
  const unsigned long queued = atomic_load(&draws);
  const double seconds = BLOCKS * BLOCK / RATE;
  printf("ui_feed_tsan: %u blocks (%.0f s of audio), %lu snapshot reads, %lu torn, "
         "last version %u, %lu queue_draw\n",
         BLOCKS, seconds, reads, torn, last_version, queued);
  const bool ok = torn == 0 && last_version > 0 && reads > 0 && queued >= 1 &&
                  (double)queued <= TANDEM_UI_DRAW_HZ * seconds + 1.0;
  return ok ? 0 : 1;
}
