/* Tandem — the worker plays the song's sections (worker/work.c).
 *
 * A generate request names the section heard: a chorus is made busier and louder
 * than a verse from the same seed, an intro sparser, and a section label heard
 * again with the same settings gets its earlier part back note for note.
 *
 * Fills lead into sections: fed bar snapshots of verse(8) chorus(8) verse(8) ...,
 * the worker predicts each section's last bar (the earlier instance's length, else
 * the 8-bar phrase) and sends the drums a fill there and a crash on the next
 * bar's beat 1, as patterns that reach run() before those bars.
 *
 * Threads: the test's own, standing in for the host's worker thread.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "messages.h"
#include "pattern.h"
#include "ring.h"
#include "sections.h"
#include "work.h"

typedef struct {
  TandemStatusMsg last;
  int32_t section; /* from the last TandemSongMsg */
} Responses;

static LV2_Worker_Status respond(LV2_Worker_Respond_Handle handle, uint32_t size,
                                 const void* data)
{
  Responses* r = (Responses*)handle;
  uint32_t type;
  memcpy(&type, data, sizeof(type));
  if (type == TANDEM_MSG_SONG) {
    ck_assert_uint_eq(size, sizeof(TandemSongMsg));
    TandemSongMsg song;
    memcpy(&song, data, sizeof(song));
    r->section = song.section;
    return LV2_WORKER_SUCCESS;
  }
  ck_assert_uint_eq(type, TANDEM_MSG_STATUS);
  ck_assert_uint_eq(size, sizeof(TandemStatusMsg));
  memcpy(&r->last, data, sizeof(r->last));
  return LV2_WORKER_SUCCESS;
}

typedef struct {
  TandemWork* work;
  TandemRing* ring;
  LV2_Log_Logger logger;
  Responses responses;
  uint32_t serial;
} Fixture;

static Fixture* fixture(void)
{
  Fixture* f = calloc(1, sizeof(Fixture));
  ck_assert_ptr_nonnull(f);
  f->work = calloc(1, sizeof(TandemWork));
  ck_assert_ptr_nonnull(f->work);
  f->ring = tandem_ring_new(2 * (sizeof(TandemPattern) + sizeof(TandemRingMsgHeader)));
  ck_assert_ptr_nonnull(f->ring);
  const char* bundle = getenv("TANDEM_TEST_BUNDLE");
  ck_assert_msg(bundle != NULL, "TANDEM_TEST_BUNDLE is not set");
  char err[512] = "";
  ck_assert_msg(tandem_work_init(f->work, bundle, f->ring, &f->logger, err, sizeof(err)),
                "%s", err);
  return f;
}

static void fixture_free(Fixture* f)
{
  tandem_work_cleanup(f->work);
  free(f->work);
  tandem_ring_free(f->ring);
  free(f);
}

/* Asks for a part as run() does and reads what reaches the audio thread.  busy,
 * when not NULL, is the input's activity over one 4/4 bar (16 values). */
static void request_part_busy(Fixture* f, TandemRole role, uint32_t seed, int section,
                              float density, const float* busy, TandemPattern* out)
{
  TandemGenerateMsg msg;
  memset(&msg, 0, sizeof(msg));
  msg.type = TANDEM_MSG_GENERATE;
  msg.serial = ++f->serial;
  msg.seed = seed;
  msg.role = (uint8_t)role;
  msg.style = 1; /* rock */
  msg.bars = 4;
  msg.complexity = 0.5f;
  msg.density = density;
  msg.energy = 0.5f;
  msg.fill = 0.5f;
  msg.section = (uint8_t)section;
  msg.beats_per_bar = 4; /* as a host transport says */
  msg.beat_unit = 4;
  if (busy) {
    msg.n_busy = 16;
    memcpy(msg.busy, busy, 16 * sizeof(float));
  }
  ck_assert_int_eq(tandem_work_do(f->work, respond, &f->responses, sizeof(msg), &msg),
                   LV2_WORKER_SUCCESS);
  ck_assert_msg(f->responses.last.level == TANDEM_STATUS_OK, "status: %s",
                f->responses.last.text);
  uint32_t type = 0;
  uint32_t size = 0;
  ck_assert_int_eq(tandem_ring_read_msg(f->ring, &type, out, sizeof(*out), &size),
                   TANDEM_RING_OK);
  ck_assert_uint_eq(type, TANDEM_RING_PATTERN);
  ck_assert_uint_eq(size, sizeof(*out));
  ck_assert(tandem_pattern_valid(out));
  ck_assert_uint_eq(out->serial, msg.serial);
}

static void request_part(Fixture* f, TandemRole role, uint32_t seed, int section,
                         float density, TandemPattern* out)
{
  request_part_busy(f, role, seed, section, density, NULL, out);
}

static double mean_velocity(const TandemPattern* p)
{
  double sum = 0.0;
  for (uint32_t i = 0; i < p->n_notes; ++i) {
    sum += p->notes[i].velocity;
  }
  return p->n_notes ? sum / p->n_notes : 0.0;
}

static bool same_notes(const TandemPattern* a, const TandemPattern* b)
{
  return a->n_notes == b->n_notes && a->bars == b->bars &&
         memcmp(a->notes, b->notes, sizeof(TandemNote) * a->n_notes) == 0;
}

static TandemPattern verse;
static TandemPattern chorus;
static TandemPattern again;

START_TEST(test_chorus_has_more_notes_and_louder_velocity_than_verse_with_same_seed)
{
  const TandemRole roles[] = {TANDEM_ROLE_DRUMS, TANDEM_ROLE_BASS};
  const TandemRole role = roles[_i % 2];
  const uint32_t seed = 11u + 7u * (uint32_t)_i;
  Fixture* f = fixture();
  request_part(f, role, seed, TANDEM_SECTION_VERSE, 0.5f, &verse);
  request_part(f, role, seed, TANDEM_SECTION_CHORUS, 0.5f, &chorus);
  ck_assert_msg(chorus.n_notes > verse.n_notes,
                "role %d seed %u: chorus %u notes, verse %u", (int)role, seed,
                chorus.n_notes, verse.n_notes);
  ck_assert_msg(mean_velocity(&chorus) > mean_velocity(&verse),
                "role %d seed %u: chorus velocity %.1f, verse %.1f", (int)role, seed,
                mean_velocity(&chorus), mean_velocity(&verse));
  fixture_free(f);
}
END_TEST

START_TEST(test_intro_is_sparser_than_verse_with_same_seed)
{
  Fixture* f = fixture();
  request_part(f, TANDEM_ROLE_DRUMS, 5, TANDEM_SECTION_VERSE, 0.5f, &verse);
  request_part(f, TANDEM_ROLE_DRUMS, 5, TANDEM_SECTION_INTRO, 0.5f, &again);
  ck_assert_msg(again.n_notes < verse.n_notes, "intro %u notes, verse %u", again.n_notes,
                verse.n_notes);
  fixture_free(f);
}
END_TEST

START_TEST(test_second_verse_after_chorus_gets_the_first_verse_notes_again)
{
  /* The input is busy everywhere by the second verse: a melody made anew would
   * leave it room (checked first), so only the kept part can match the first. */
  float busy[16];
  for (int i = 0; i < 16; ++i) {
    busy[i] = 1.0f;
  }
  Fixture* f = fixture();
  request_part(f, TANDEM_ROLE_MELODY, 3, TANDEM_SECTION_UNKNOWN, 0.5f, &verse);
  request_part_busy(f, TANDEM_ROLE_MELODY, 3, TANDEM_SECTION_UNKNOWN, 0.5f, busy, &again);
  ck_assert_msg(!same_notes(&verse, &again), "the input's activity changed nothing");
  fixture_free(f);

  f = fixture();
  request_part(f, TANDEM_ROLE_MELODY, 3, TANDEM_SECTION_VERSE, 0.5f, &verse);
  request_part(f, TANDEM_ROLE_MELODY, 3, TANDEM_SECTION_CHORUS, 0.5f, &chorus);
  ck_assert(!same_notes(&verse, &chorus));
  request_part_busy(f, TANDEM_ROLE_MELODY, 3, TANDEM_SECTION_VERSE, 0.5f, busy, &again);
  ck_assert_msg(same_notes(&verse, &again), "verse %u notes, second verse %u",
                verse.n_notes, again.n_notes);
  ck_assert_msg(strstr(f->responses.last.text, "earlier part") != NULL, "status: %s",
                f->responses.last.text);
  fixture_free(f);
}
END_TEST

START_TEST(test_repeated_section_is_made_anew_when_a_setting_changed)
{
  Fixture* f = fixture();
  request_part(f, TANDEM_ROLE_DRUMS, 3, TANDEM_SECTION_VERSE, 0.5f, &verse);
  request_part(f, TANDEM_ROLE_DRUMS, 3, TANDEM_SECTION_CHORUS, 0.5f, &chorus);
  request_part(f, TANDEM_ROLE_DRUMS, 3, TANDEM_SECTION_VERSE, 0.9f, &again);
  ck_assert_msg(strstr(f->responses.last.text, "earlier part") == NULL, "status: %s",
                f->responses.last.text);
  ck_assert_msg(again.n_notes > verse.n_notes, "denser verse %u notes, first %u",
                again.n_notes, verse.n_notes);
  fixture_free(f);
}
END_TEST

START_TEST(test_unknown_section_value_is_ignored)
{
  Fixture* f = fixture();
  request_part(f, TANDEM_ROLE_DRUMS, 9, TANDEM_SECTION_UNKNOWN, 0.5f, &verse);
  request_part(f, TANDEM_ROLE_DRUMS, 9, 200, 0.5f, &again);
  ck_assert(same_notes(&verse, &again));
  ck_assert_msg(strstr(f->responses.last.text, "earlier part") == NULL, "status: %s",
                f->responses.last.text);
  fixture_free(f);
}
END_TEST

/* ---- Fills into predicted sections ---- */

typedef struct {
  int bars;
  float rms_db;
  float kick, snare, hat; /* onsets per beat */
  float centroid_hz;
} Part;

static const Part verse_part = {8, -22, 1.0f, 0.0f, 2.0f, 3000};
static const Part chorus_part = {8, -16, 1.0f, 0.5f, 4.0f, 4500};

static uint32_t noise_state = 7;
static float jitter(float amount)
{
  noise_state = noise_state * 1664525u + 1013904223u;
  return amount * ((float)(noise_state >> 8) / (float)(1u << 24) - 0.5f);
}

static void part_bar(const Part* part, int n, TandemBarFeatures* f)
{
  memset(f, 0, sizeof(*f));
  f->start_s = 2.0 * (double)n;
  f->duration_s = 2.0f;
  f->n_beats = 4;
  f->bpm = 120.0f;
  f->rms_db = part->rms_db + jitter(1.0f);
  for (int k = 0; k < TANDEM_N_BANDS; ++k) {
    f->bands_db[k] = f->rms_db - 6.0f - (float)k + jitter(1.0f);
  }
  f->onsets_per_beat[TANDEM_ONSET_KICK] = part->kick;
  f->onsets_per_beat[TANDEM_ONSET_SNARE] = part->snare;
  f->onsets_per_beat[TANDEM_ONSET_HAT] = part->hat;
  f->centroid_hz = part->centroid_hz * (1.0f + jitter(0.05f));
  f->crest_db = 14.0f + jitter(0.5f);
}

#define SONG_BARS 40 /* verse chorus verse chorus verse, 8 bars each */
#define MAX_SENT  128

/* What reached the audio thread, in order: each pattern takes over at `bar`
 * (the bar after the one playing when it was written) with its bar 0 there. */
typedef struct {
  int64_t bar;
  TandemPattern pattern;
} Sent;

typedef struct {
  Sent played[MAX_SENT]; /* from the ring */
  int n_played;
  Sent plain[MAX_SENT]; /* the worker's current part, unmarked */
  int n_plain;
  uint32_t ahead_seen; /* parts sent ahead or taken back, as last collected */
} Song;

static Song song;

/* Reads what reached the ring; after a request (made_part) also what the worker
 * made, at the bar it takes over.  The worker later turns its current part to the
 * bars of the marked copies, which must be the same music: the plain list keeps
 * the part as first made, so any slip shows as a changed bar. */
static void collect(Fixture* f, Song* s, bool made_part)
{
  uint32_t type = 0, size = 0;
  while (s->n_played < MAX_SENT &&
         tandem_ring_read_msg(f->ring, &type, &s->played[s->n_played].pattern,
                              sizeof(TandemPattern), &size) == TANDEM_RING_OK) {
    ck_assert_uint_eq(type, TANDEM_RING_PATTERN);
    ck_assert(tandem_pattern_valid(&s->played[s->n_played].pattern));
    s->played[s->n_played++].bar = f->work->bar_now + 1;
  }
  const TandemWork* w = f->work;
  /* A part sent ahead (or taken back) is a new part too. */
  made_part = made_part || w->sections_ahead + w->sections_back != s->ahead_seen;
  s->ahead_seen = w->sections_ahead + w->sections_back;
  if (made_part && w->has_current && s->n_plain < MAX_SENT &&
      (s->n_plain == 0 || s->plain[s->n_plain - 1].bar != w->current_anchor ||
       memcmp(&s->plain[s->n_plain - 1].pattern, &w->current, sizeof(w->current)) != 0)) {
    s->plain[s->n_plain].bar = w->current_anchor;
    memcpy(&s->plain[s->n_plain++].pattern, &w->current, sizeof(w->current));
  }
}

/* Asks for a part as run() does when a control or the section changes. */
static void ask(Fixture* f, TandemRole role, float fill, int section)
{
  TandemGenerateMsg msg;
  memset(&msg, 0, sizeof(msg));
  msg.type = TANDEM_MSG_GENERATE;
  msg.serial = ++f->serial;
  msg.seed = 4;
  msg.role = (uint8_t)role;
  msg.style = 1; /* rock */
  msg.bars = 4;
  msg.complexity = 0.5f;
  msg.density = 0.5f;
  msg.energy = 0.5f;
  msg.fill = fill;
  msg.section = (uint8_t)section;
  msg.beats_per_bar = 4;
  msg.beat_unit = 4;
  ck_assert_int_eq(tandem_work_do(f->work, respond, &f->responses, sizeof(msg), &msg),
                   LV2_WORKER_SUCCESS);
}

/* Feeds parts (verse, chorus, verse ...) of the given lengths into a tracker. */
static void track(TandemSectionTracker* t, const int* lengths, int n_parts)
{
  tandem_section_tracker_init(t);
  noise_state = 7;
  int bar = 0;
  for (int p = 0; p < n_parts; ++p) {
    for (int b = 0; b < lengths[p]; ++b, ++bar) {
      TandemBarFeatures f;
      part_bar(p % 2 ? &chorus_part : &verse_part, bar, &f);
      tandem_section_tracker_update(t, &f);
    }
  }
}

static TandemSectionTracker tracker;

START_TEST(test_section_length_is_predicted_from_its_earlier_instance_then_the_phrase)
{
  const int even[] = {8, 8, 5}; /* the second verse, 5 bars in */
  track(&tracker, even, 3);
  ck_assert_uint_eq(tracker.current_first_bar, 16);
  ck_assert_uint_eq(tandem_section_tracker_predict(&tracker, 6), 8); /* as verse 1 */
  /* Past verse 1's length: the next 8-bar phrase, as every section so far. */
  ck_assert_uint_eq(tandem_section_tracker_predict(&tracker, 9), 16);

  const int by_four[] = {12, 4, 3}; /* finished sections of 12 and 4: 4-bar phrases */
  track(&tracker, by_four, 3);
  ck_assert_uint_eq(tracker.current_first_bar, 16);
  ck_assert_uint_eq(tandem_section_tracker_predict(&tracker, 13), 16);
  ck_assert_uint_eq(tandem_section_tracker_predict(&tracker, 5), 12); /* as verse 1 */

  const int uneven[] = {6, 8, 5}; /* verse 1 lasted 6: no phrase to go by past that */
  track(&tracker, uneven, 3);
  ck_assert_uint_eq(tandem_section_tracker_predict(&tracker, 4), 6);
  ck_assert_uint_eq(tandem_section_tracker_predict(&tracker, 7), 0);

  /* Nothing finished yet, the opening section heard from its start: 4, then
   * 8-bar phrases. */
  const int first[] = {6};
  track(&tracker, first, 1);
  ck_assert_uint_eq(tandem_section_tracker_predict(&tracker, 3), 4);
  ck_assert_uint_eq(tandem_section_tracker_predict(&tracker, 5), 8);
  ck_assert_uint_eq(tandem_section_tracker_predict(&tracker, 9), 16);
  ck_assert(tandem_section_tracker_ends_at(&tracker, 3)); /* bar index 3: the 4th */
  ck_assert(!tandem_section_tracker_ends_at(&tracker, 5));
  ck_assert(tandem_section_tracker_ends_at(&tracker, 7));
  /* One part for longer than the history: where it began is forgotten. */
  const int endless[] = {TANDEM_SECTION_HISTORY + 3};
  track(&tracker, endless, 1);
  ck_assert_uint_eq(tracker.n_found, 1);
  ck_assert_uint_eq(tandem_section_tracker_predict(&tracker, 5), 0);
}
END_TEST

/* Sends run()'s snapshot of one bar of part (serial 0: none reserved, as under
 * hold; playing: the serial of the pattern run() plays). */
static void send_snapshot(Fixture* f, const Part* part, int bar, uint32_t serial,
                          uint32_t playing)
{
  TandemBarSnapshotMsg snap;
  memset(&snap, 0, sizeof(snap));
  snap.type = TANDEM_MSG_BAR_SNAPSHOT;
  snap.serial = serial;
  snap.playing = playing;
  part_bar(part, bar, &snap.bar);
  ck_assert_int_eq(tandem_work_do(f->work, respond, &f->responses, sizeof(snap), &snap),
                   LV2_WORKER_SUCCESS);
}

/* Plays bars (one part each) into the worker as run() does: a snapshot with a
 * reserved serial when each bar closes, a new request when the section changes. */
static void play_bars(Fixture* f, TandemRole role, float fill, const Part* const* bars,
                      int n_bars, bool reserve_serials)
{
  memset(&song, 0, sizeof(song));
  noise_state = 7;
  int section = 0;
  ask(f, role, fill, section);
  collect(f, &song, true);
  for (int bar = 0; bar < n_bars; ++bar) {
    send_snapshot(f, bars[bar], bar, reserve_serials ? ++f->serial : 0, 0);
    collect(f, &song, false);
    if (f->responses.section != section) {
      section = f->responses.section;
      ask(f, role, fill, section);
      collect(f, &song, true);
    }
  }
}

/* The song: verse, chorus, verse, chorus, verse, 8 bars each. */
static void play_song(Fixture* f, TandemRole role, float fill, bool reserve_serials)
{
  const Part* bars[SONG_BARS];
  for (int bar = 0; bar < SONG_BARS; ++bar) {
    bars[bar] = (bar / 8) % 2 ? &chorus_part : &verse_part;
  }
  play_bars(f, role, fill, bars, SONG_BARS, reserve_serials);
}

/* The notes one of the lists plays in `bar` (the latest pattern to take over at or
 * before it, looped from its first bar), as bar-relative copies.  Returns the count. */
static int bar_notes(const Sent* sent, int n_sent, int64_t bar, TandemNote* out)
{
  const Sent* now = NULL;
  for (int i = 0; i < n_sent; ++i) {
    if (sent[i].bar <= bar) {
      now = &sent[i];
    }
  }
  if (!now) {
    return 0;
  }
  const TandemPattern* p = &now->pattern;
  const uint32_t bar_ticks = tandem_pattern_ticks_per_bar(p);
  const uint32_t which = (uint32_t)((bar - now->bar) % p->bars);
  int n = 0;
  for (uint32_t i = 0; i < p->n_notes; ++i) {
    if (p->notes[i].tick / bar_ticks == which) {
      out[n] = p->notes[i];
      out[n++].tick %= bar_ticks;
    }
  }
  return n;
}

typedef struct {
  bool changed[SONG_BARS + 2]; /* the bar plays other notes than the plain part */
  bool fill[SONG_BARS + 2];    /* it ends in a fill: the last 2 beats only fill notes */
  bool crash[SONG_BARS + 2];   /* it starts with a crash */
} Marks;

static void find_marks(const Song* s, Marks* m)
{
  memset(m, 0, sizeof(*m));
  static TandemNote a[TANDEM_MAX_NOTES], b[TANDEM_MAX_NOTES];
  for (int64_t bar = 1; bar < SONG_BARS + 2; ++bar) {
    const int na = bar_notes(s->played, s->n_played, bar, a);
    const int nb = bar_notes(s->plain, s->n_plain, bar, b);
    m->changed[bar] = na != nb || memcmp(a, b, sizeof(TandemNote) * (size_t)na) != 0;
    int fill_notes = 0, groove_notes = 0;
    for (int i = 0; i < na; ++i) {
      if (a[i].tick == 0 && a[i].pitch == 49) {
        m->crash[bar] = true;
      }
      if (a[i].tick >= 2 * TANDEM_PPQ) {
        if (a[i].flags & TANDEM_NOTE_FILL) {
          ++fill_notes;
        } else {
          ++groove_notes;
        }
      }
    }
    m->fill[bar] = m->changed[bar] && fill_notes >= 4 && groove_notes == 0;
  }
}

START_TEST(test_drums_fill_the_predicted_last_bar_before_a_section_and_crash_into_it)
{
  Fixture* f = fixture();
  play_song(f, TANDEM_ROLE_DRUMS, 0.5f, true);
  Marks m;
  find_marks(&song, &m);
  char seen[256] = "";
  for (int bar = 1; bar < SONG_BARS + 2; ++bar) {
    if (m.changed[bar]) {
      char one[32];
      snprintf(one, sizeof(one), " %d%s%s", bar, m.fill[bar] ? "F" : "",
               m.crash[bar] ? "C" : "");
      strncat(seen, one, sizeof(seen) - strlen(seen) - 1);
    }
  }
  printf("drums, fill 0.5: marked bars (F fill, C crash):%s; %u section fills\n", seen,
         f->work->section_fills);
  /* The second verse->chorus boundary (bar 24) is predicted from the first verse's
   * 8 bars: the fill in bar 23, the crash on bar 24's beat 1. */
  ck_assert_msg(m.fill[23], "no fill in bar 23: %s", seen);
  ck_assert_msg(m.crash[24], "no crash on bar 24: %s", seen);
  /* The others the phrase predicts: into verse 2 and verse 3, and chorus 2 to verse 3. */
  ck_assert_msg(m.fill[15] && m.crash[16], "not into bar 16: %s", seen);
  ck_assert_msg(m.fill[31] && m.crash[32], "not into bar 32: %s", seen);
  ck_assert_msg(m.fill[39], "no fill in bar 39: %s", seen);
  /* The first chorus, with nothing finished before it: the opening section's
   * 8-bar phrase, after a fill at its first 4 bars. */
  ck_assert_msg(m.fill[7] && m.crash[8], "not into the first chorus: %s", seen);
  ck_assert_msg(m.fill[3] && m.crash[4], "no fill at the opening 4 bars: %s", seen);
  /* Nothing else changes: no late crash. */
  for (int bar = 1; bar < SONG_BARS + 2; ++bar) {
    const bool planned = bar == 3 || bar == 4 || bar == 7 || bar == 8 || bar == 15 ||
                         bar == 16 || bar == 23 || bar == 24 || bar == 31 || bar == 32 ||
                         bar == 39 || bar == 40;
    ck_assert_msg(!m.changed[bar] || planned, "bar %d changed unplanned: %s", bar, seen);
  }
  fixture_free(f);
}
END_TEST

/* A song of parts (intro, verse, chorus, verse, chorus, verse) with the lengths
 * given, played into the worker as play_song does. */
static const Part intro_part = {4, -30, 0.0f, 0.0f, 2.0f, 6000};

static void play_parts(Fixture* f, TandemRole role, float fill, const int* lengths,
                       int n_parts)
{
  static const Part* bars[128];
  int n = 0;
  for (int p = 0; p < n_parts; ++p) {
    for (int b = 0; b < lengths[p] && n < 128; ++b) {
      bars[n++] = p == 0 ? &intro_part : p % 2 ? &verse_part : &chorus_part;
    }
  }
  play_bars(f, role, fill, bars, n, true);
}

/* Whether bar plays, apart from fill and crash notes, what the part kept for
 * section plays in its bar `which`. */
static bool bar_plays_kept_part(const Fixture* f, int64_t bar, int section,
                                uint32_t which)
{
  static TandemNote got[TANDEM_MAX_NOTES];
  const int n = bar_notes(song.played, song.n_played, bar, got);
  const TandemPattern* kept = &f->work->section_parts[section];
  const uint32_t bar_ticks = tandem_pattern_ticks_per_bar(kept);
  bool crash = false;
  for (int k = 0; k < n; ++k) {
    crash = crash || (got[k].tick == 0 && got[k].pitch == 49);
  }
  int k = 0;
  for (uint32_t i = 0; i < kept->n_notes; ++i) {
    const TandemNote* want = &kept->notes[i];
    if (want->tick / bar_ticks != which % kept->bars ||
        (crash && want->tick % bar_ticks == 0 &&
         (want->pitch == 42 || want->pitch == 44 || want->pitch == 46))) {
      continue; /* another bar, or the hat the crash stands in for */
    }
    while (k < n && (got[k].flags & TANDEM_NOTE_FILL || got[k].pitch == 49)) {
      ++k;
    }
    if (k >= n || got[k].pitch != want->pitch || got[k].tick != want->tick % bar_ticks) {
      return false;
    }
    ++k;
  }
  return true;
}

/* The second chorus and the third verse are predicted (the first verse was
 * followed by the chorus, and both lasted 8 bars): their kept parts take over on
 * their first bars, for drums and for bass, before the tracker could have heard
 * them; nothing is taken back. */
START_TEST(test_a_repeated_section_part_plays_from_its_predicted_first_bar)
{
  const TandemRole roles[] = {TANDEM_ROLE_DRUMS, TANDEM_ROLE_BASS};
  for (int r = 0; r < 2; ++r) {
    Fixture* f = fixture();
    const int lengths[] = {4, 8, 8, 8, 8, 8};
    play_parts(f, roles[r], 0.5f, lengths, 6);
    ck_assert_uint_ge(f->work->sections_ahead, 2);
    ck_assert_uint_eq(f->work->sections_back, 0);
    ck_assert(f->work->has_section_part[TANDEM_SECTION_CHORUS]);
    ck_assert(f->work->has_section_part[TANDEM_SECTION_VERSE]);
    /* chorus 2: bars 28..35; verse 3: bars 36.. */
    for (uint32_t b = 0; b < 2; ++b) {
      ck_assert_msg(bar_plays_kept_part(f, 28 + b, TANDEM_SECTION_CHORUS, b),
                    "role %d: bar %u does not play the chorus part", roles[r], 28 + b);
      ck_assert_msg(bar_plays_kept_part(f, 36 + b, TANDEM_SECTION_VERSE, b),
                    "role %d: bar %u does not play the verse part", roles[r], 36 + b);
    }
    /* and the bar before each still plays the part that was playing */
    ck_assert(!bar_plays_kept_part(f, 27, TANDEM_SECTION_CHORUS, 3));
    ck_assert(!bar_plays_kept_part(f, 35, TANDEM_SECTION_VERSE, 3));
    fixture_free(f);
  }
}
END_TEST

/* The second verse runs 14 bars, not 8: the chorus part sent ahead for bar 28 is
 * taken back three bars later, and the verse part plays on in its own bars, with
 * no second guess in the same verse (at bar 32, its 12-bar phrase). */
START_TEST(test_a_part_sent_ahead_for_a_section_that_did_not_come_is_taken_back)
{
  Fixture* f = fixture();
  const int lengths[] = {4, 8, 8, 14, 8};
  play_parts(f, TANDEM_ROLE_BASS, 0.5f, lengths, 5);
  ck_assert_uint_eq(f->work->sections_back, 1);
  ck_assert(bar_plays_kept_part(f, 28, TANDEM_SECTION_CHORUS, 0));
  /* bars 31..34: the verse part again, where its loop would be had it never left */
  int64_t verse_anchor = -1;
  for (int i = 0; i < song.n_played; ++i) {
    if (song.played[i].bar <= 20 &&
        same_notes(&song.played[i].pattern,
                   &f->work->section_parts[TANDEM_SECTION_VERSE])) {
      verse_anchor = song.played[i].bar;
    }
  }
  ck_assert_int_ge(verse_anchor, 0);
  for (int64_t bar = 31; bar < 35; ++bar) {
    const uint32_t which = (uint32_t)((bar - verse_anchor) % 4);
    ck_assert_msg(bar_plays_kept_part(f, bar, TANDEM_SECTION_VERSE, which),
                  "bar %ld does not play the verse part's bar %u", (long)bar, which);
  }
  fixture_free(f);
}
END_TEST

/* Hold comes on the bar after a part with a fill and crash was sent, so the plain
 * part that should follow it cannot: if run() says the marked part is the one
 * playing, the worker takes it as its part (state saves what plays); if run()
 * plays another, the worker's part stays. */
static void feed_until_marked(Fixture* f)
{
  memset(&song, 0, sizeof(song));
  noise_state = 7;
  ask(f, TANDEM_ROLE_DRUMS, 0.5f, 0);
  collect(f, &song, true);
  for (int bar = 0; bar < 16 && !f->work->marks_out; ++bar) {
    send_snapshot(f, &verse_part, bar, ++f->serial, 0);
    collect(f, &song, false);
  }
  ck_assert_msg(f->work->marks_out, "no marked part within 16 bars");
}

START_TEST(test_hold_on_a_marked_part_makes_it_the_part_the_state_saves)
{
  Fixture* f = fixture();
  feed_until_marked(f);
  static TandemPattern marked;
  memcpy(&marked, &f->work->marked, sizeof(marked));
  ck_assert(!same_notes(&f->work->current, &marked));
  send_snapshot(f, &verse_part, 20, 0, marked.serial); /* hold */
  ck_assert(same_notes(&f->work->current, &marked));
  ck_assert_int_eq(f->work->current_anchor, f->work->marked_bar);
  ck_assert(!f->work->marks_out);
  fixture_free(f);

  f = fixture();
  feed_until_marked(f);
  static TandemPattern plain;
  memcpy(&plain, &f->work->current, sizeof(plain));
  send_snapshot(f, &verse_part, 20, 0, f->work->marked.serial + 1000); /* another */
  ck_assert(same_notes(&f->work->current, &plain));
  fixture_free(f);
}
END_TEST

/* Over a silent track (transport rolling, nothing played in) there is no song:
 * no section is reported and the part gets no fills or crashes; the first bar
 * with onsets brings the section back. */
START_TEST(test_a_silent_input_has_no_section_and_no_section_marks)
{
  Fixture* f = fixture();
  memset(&song, 0, sizeof(song));
  ask(f, TANDEM_ROLE_DRUMS, 0.5f, 0);
  collect(f, &song, true);
  const int played_before = song.n_played;
  const Part silence = {8, -90, 0.0f, 0.0f, 0.0f, 50};
  for (int bar = 0; bar < 24; ++bar) {
    send_snapshot(f, &silence, bar, ++f->serial, 0);
    collect(f, &song, false);
    ck_assert_int_eq(f->responses.section, TANDEM_SECTION_UNKNOWN);
  }
  ck_assert_int_eq(song.n_played, played_before);
  ck_assert_uint_eq(f->work->section_fills, 0);
  send_snapshot(f, &verse_part, 24, ++f->serial, 0);
  ck_assert_int_ne(f->responses.section, TANDEM_SECTION_UNKNOWN);
  fixture_free(f);
}
END_TEST

START_TEST(test_fill_zero_plays_no_section_fills_or_crashes)
{
  Fixture* f = fixture();
  play_song(f, TANDEM_ROLE_DRUMS, 0.0f, true);
  Marks m;
  find_marks(&song, &m);
  for (int bar = 1; bar < SONG_BARS + 2; ++bar) {
    ck_assert_msg(!m.changed[bar], "bar %d changed at fill 0", bar);
  }
  ck_assert_uint_eq(f->work->section_fills, 0);
  fixture_free(f);
}
END_TEST

START_TEST(test_bass_gets_no_marks_and_its_parts_stay_whole)
{
  Fixture* f = fixture();
  play_song(f, TANDEM_ROLE_BASS, 0.5f, true);
  Marks m;
  find_marks(&song, &m);
  for (int bar = 1; bar < SONG_BARS + 2; ++bar) {
    ck_assert_msg(!m.changed[bar], "bass bar %d changed", bar);
  }
  /* Every pattern that reached run() was a whole part the worker made. */
  for (int i = 0; i < song.n_played; ++i) {
    ck_assert_uint_eq(song.played[i].pattern.role, TANDEM_ROLE_BASS);
    ck_assert_uint_gt(song.played[i].pattern.n_notes, 0);
    for (uint32_t k = 0; k < song.played[i].pattern.n_notes; ++k) {
      ck_assert(!(song.played[i].pattern.notes[k].flags & TANDEM_NOTE_FILL));
    }
  }
  ck_assert_uint_eq(f->work->section_fills, 0);
  fixture_free(f);
}
END_TEST

START_TEST(test_without_a_reserved_serial_no_marks_are_sent)
{
  Fixture* f = fixture();
  play_song(f, TANDEM_ROLE_DRUMS, 0.5f, false);
  Marks m;
  find_marks(&song, &m);
  /* No plain part could follow a marked one, so nothing is marked at all (not even
   * a section request's part landing on a planned bar). */
  for (int bar = 1; bar < SONG_BARS + 2; ++bar) {
    ck_assert_msg(!m.changed[bar], "bar %d changed without serials", bar);
  }
  ck_assert_uint_eq(f->work->section_fills, 0);
  fixture_free(f);
}
END_TEST

int main(void)
{
  Suite* s = suite_create("work_sections");
  TCase* tc = tcase_create("sections");
  tcase_set_timeout(tc, 60);
  tcase_add_loop_test(
      tc, test_chorus_has_more_notes_and_louder_velocity_than_verse_with_same_seed, 0, 6);
  tcase_add_test(tc, test_intro_is_sparser_than_verse_with_same_seed);
  tcase_add_test(tc, test_second_verse_after_chorus_gets_the_first_verse_notes_again);
  tcase_add_test(tc, test_repeated_section_is_made_anew_when_a_setting_changed);
  tcase_add_test(tc, test_unknown_section_value_is_ignored);
  suite_add_tcase(s, tc);
  TCase* fills = tcase_create("fills");
  tcase_set_timeout(fills, 60);
  tcase_add_test(
      fills, test_section_length_is_predicted_from_its_earlier_instance_then_the_phrase);
  tcase_add_test(
      fills, test_drums_fill_the_predicted_last_bar_before_a_section_and_crash_into_it);
  tcase_add_test(fills, test_fill_zero_plays_no_section_fills_or_crashes);
  tcase_add_test(fills, test_a_silent_input_has_no_section_and_no_section_marks);
  tcase_add_test(fills, test_hold_on_a_marked_part_makes_it_the_part_the_state_saves);
  tcase_add_test(fills, test_a_repeated_section_part_plays_from_its_predicted_first_bar);
  tcase_add_test(fills,
                 test_a_part_sent_ahead_for_a_section_that_did_not_come_is_taken_back);
  tcase_add_test(fills, test_bass_gets_no_marks_and_its_parts_stay_whole);
  tcase_add_test(fills, test_without_a_reserved_serial_no_marks_are_sent);
  suite_add_tcase(s, fills);
  SRunner* sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
