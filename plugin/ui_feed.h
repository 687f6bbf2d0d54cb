/* Tandem — what the plugin window and Ardour's inline display see: the part
 * playing, where play is in it, and the onsets heard.
 *
 * The window (ui/tandem_ui.c) gets it through the notify port, only while it asks:
 * it sends patch:Get of tandem:uiFeed about once a second, and the feed runs for
 * TANDEM_UI_FEED_HOLD_S after each.  Then, per block, within the notify buffer's
 * room (an event that does not fit waits for a later block):
 *   - tandem:UiNotes objects carry the pattern playing, TANDEM_UI_NOTES_PER_EVENT
 *     notes at a time, once per new pattern serial (and again on a patch:Get of
 *     tandem:uiPattern, which a window sends when it opens); then, the same way, the
 *     pattern queued to start at the next bar line, if the player holds one;
 *   - a tandem:UiPlay object, at most TANDEM_UI_PLAY_HZ times a second, carries the
 *     playhead and the onsets heard since the last one.
 * The inline display gets a snapshot of the current bar that run() publishes
 * through a triple buffer (no lock); tandem_ui_feed_snapshot reads the newest.
 *
 * Wire format (all atom:Int unless said):
 *   UiNotes: serial, role, bars, ticksPerBar, beatsPerBar, noteCount, first, and
 *            notes: atom:Vector of atom:Int, TANDEM_UI_NOTE_INTS per note:
 *            start tick, length in ticks, pitch | velocity << 8.  Pitches of pitched
 *            parts are resolved against the key and chord heard when sent.  pending
 *            (atom:Bool) is true in the pieces of the queued pattern.
 *   UiPlay:  serial, position (tick in the pattern, -1 stopped or none), rolling
 *            (atom:Bool), onsets: atom:Vector of atom:Int, two per onset: tick in
 *            the pattern, then TANDEM_HEARD_* drum bits (0: other), planChord (the
 *            chord the pitched parts resolve against now) and nextChord (the one
 *            predicted for beat 1 of the next bar), each root * 9 + quality like the
 *            chord output port, -1 none, pendingSerial (the queued pattern's
 *            serial, 0 none), and alternatives: atom:Vector of atom:Int, the
 *            confidence of each alternative of the model's last reply in percent.
 *
 * Threads: tandem_ui_feed_init — instantiate; tandem_ui_feed_on_get,
 * tandem_ui_feed_segment, tandem_ui_feed_next_chord, tandem_ui_feed_alternatives and
 * tandem_ui_feed_end_block — audio thread (realtime-safe);
 * tandem_ui_feed_snapshot — one reader thread (the host's, for render()), never
 * the audio thread.
 */
#ifndef TANDEM_UI_FEED_H
#define TANDEM_UI_FEED_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <lv2/atom/atom.h>
#include <lv2/atom/forge.h>
#include <lv2/core/lv2.h>
#include <lv2/urid/urid.h>

#include "analysis_types.h"
#include "clock.h"
#include "player.h"
#include "theory.h"
#include "uris.h"

#define TANDEM__uiFeed        TANDEM_NS "uiFeed"
#define TANDEM__uiPattern     TANDEM_NS "uiPattern"
#define TANDEM__UiNotes       TANDEM_NS "UiNotes"
#define TANDEM__UiPlay        TANDEM_NS "UiPlay"
#define TANDEM__serial        TANDEM_NS "serial"
#define TANDEM__role          TANDEM_NS "role"
#define TANDEM__bars          TANDEM_NS "bars"
#define TANDEM__ticksPerBar   TANDEM_NS "ticksPerBar"
#define TANDEM__beatsPerBar   TANDEM_NS "beatsPerBar"
#define TANDEM__noteCount     TANDEM_NS "noteCount"
#define TANDEM__first         TANDEM_NS "first"
#define TANDEM__notes         TANDEM_NS "notes"
#define TANDEM__position      TANDEM_NS "position"
#define TANDEM__rolling       TANDEM_NS "rolling"
#define TANDEM__onsets        TANDEM_NS "onsets"
#define TANDEM__planChord     TANDEM_NS "planChord"
#define TANDEM__nextChord     TANDEM_NS "nextChord"
#define TANDEM__pending       TANDEM_NS "pending"
#define TANDEM__pendingSerial TANDEM_NS "pendingSerial"
#define TANDEM__alternatives  TANDEM_NS "alternatives"

/* Ardour's inline display extension (http://harrisonconsoles.com/lv2/inlinedisplay). */
#define TANDEM_INLINE_DISPLAY__interface                                                 \
  "http://harrisonconsoles.com/lv2/inlinedisplay#interface"
#define TANDEM_INLINE_DISPLAY__queue_draw                                                \
  "http://harrisonconsoles.com/lv2/inlinedisplay#queue_draw"

/* The host's queue_draw feature: ask for render() soon (callable from run()). */
typedef struct {
  void* handle;
  void (*queue_draw)(void* handle);
} TandemInlineDisplayFeature;

#define TANDEM_UI_FEED_HOLD_S     3.0 /* feed the window this long after each Get */
#define TANDEM_UI_PLAY_HZ         30.0
#define TANDEM_UI_DRAW_HZ         10.0 /* queue_draw at most this often */
#define TANDEM_UI_NOTES_PER_EVENT 64
#define TANDEM_UI_NOTE_INTS       3
#define TANDEM_UI_MAX_ONSETS      32 /* per UiPlay; more in between are dropped */
#define TANDEM_UI_MAX_ALTS        3  /* confidences of the model's alternatives shown */
#define TANDEM_UI_SNAPSHOT_NOTES  128
#define TANDEM_UI_SNAPSHOT_ONSETS 48

typedef struct {
  LV2_URID tandem_uiFeed;
  LV2_URID tandem_uiPattern;
  LV2_URID tandem_UiNotes;
  LV2_URID tandem_UiPlay;
  LV2_URID tandem_serial;
  LV2_URID tandem_role;
  LV2_URID tandem_bars;
  LV2_URID tandem_ticksPerBar;
  LV2_URID tandem_beatsPerBar;
  LV2_URID tandem_noteCount;
  LV2_URID tandem_first;
  LV2_URID tandem_notes;
  LV2_URID tandem_position;
  LV2_URID tandem_rolling;
  LV2_URID tandem_onsets;
  LV2_URID tandem_planChord;
  LV2_URID tandem_nextChord;
  LV2_URID tandem_pending;
  LV2_URID tandem_pendingSerial;
  LV2_URID tandem_alternatives;
  LV2_URID atom_Int;
  LV2_URID atom_Bool;
  LV2_URID atom_URID;
  LV2_URID patch_property;
} TandemUiFeedURIs;

/* Maps the feed's URIs; the window uses it too, so it is inline here. */
static inline void tandem_ui_feed_map(TandemUiFeedURIs* u, LV2_URID_Map* map)
{
  u->tandem_uiFeed = map->map(map->handle, TANDEM__uiFeed);
  u->tandem_uiPattern = map->map(map->handle, TANDEM__uiPattern);
  u->tandem_UiNotes = map->map(map->handle, TANDEM__UiNotes);
  u->tandem_UiPlay = map->map(map->handle, TANDEM__UiPlay);
  u->tandem_serial = map->map(map->handle, TANDEM__serial);
  u->tandem_role = map->map(map->handle, TANDEM__role);
  u->tandem_bars = map->map(map->handle, TANDEM__bars);
  u->tandem_ticksPerBar = map->map(map->handle, TANDEM__ticksPerBar);
  u->tandem_beatsPerBar = map->map(map->handle, TANDEM__beatsPerBar);
  u->tandem_noteCount = map->map(map->handle, TANDEM__noteCount);
  u->tandem_first = map->map(map->handle, TANDEM__first);
  u->tandem_notes = map->map(map->handle, TANDEM__notes);
  u->tandem_position = map->map(map->handle, TANDEM__position);
  u->tandem_rolling = map->map(map->handle, TANDEM__rolling);
  u->tandem_onsets = map->map(map->handle, TANDEM__onsets);
  u->tandem_planChord = map->map(map->handle, TANDEM__planChord);
  u->tandem_nextChord = map->map(map->handle, TANDEM__nextChord);
  u->tandem_pending = map->map(map->handle, TANDEM__pending);
  u->tandem_pendingSerial = map->map(map->handle, TANDEM__pendingSerial);
  u->tandem_alternatives = map->map(map->handle, TANDEM__alternatives);
  u->atom_Int = map->map(map->handle, LV2_ATOM__Int);
  u->atom_Bool = map->map(map->handle, LV2_ATOM__Bool);
  u->atom_URID = map->map(map->handle, LV2_ATOM__URID);
  u->patch_property = map->map(map->handle, LV2_PATCH__property);
}

/* The current bar, for the inline display. */
typedef struct {
  uint16_t start; /* ticks into the bar */
  uint16_t length;
  uint8_t pitch;
  uint8_t velocity;
} TandemUiSnapshotNote;

typedef struct {
  uint16_t tick;    /* into the bar */
  uint8_t drums;    /* TANDEM_HEARD_* bits, 0 other */
  uint8_t this_bar; /* 1: heard in this bar, 0: in the bar before */
} TandemUiSnapshotOnset;

typedef struct {
  uint32_t version; /* counts publications; 0: nothing yet */
  uint8_t role;     /* TandemRole */
  uint8_t style;    /* 0 auto, 1..12 */
  bool rolling;
  bool has_pattern;
  uint32_t bar_ticks;
  uint32_t playhead; /* ticks into the bar */
  uint32_t n_notes;
  TandemUiSnapshotNote notes[TANDEM_UI_SNAPSHOT_NOTES];
  uint32_t n_onsets;
  TandemUiSnapshotOnset onsets[TANDEM_UI_SNAPSHOT_ONSETS];
} TandemUiSnapshot;

typedef struct {
  TandemUiFeedURIs uris;
  double sample_rate;
  TandemInlineDisplayFeature* inline_display; /* NULL: the host has none */

  /* The window feed (audio thread). */
  uint64_t frames;    /* counted since instantiate */
  uint64_t fed_until; /* feed while frames is below this */
  uint64_t next_play; /* frame of the next UiPlay */
  bool resend_pattern;
  uint32_t sent_serial;    /* pattern fully sent (0 none) */
  uint32_t sending_serial; /* pattern being sent, from note next_note */
  uint32_t next_note;
  bool resend_pending; /* the same for the pattern queued for the bar line */
  uint32_t pending_sent_serial;
  uint32_t pending_sending_serial;
  uint32_t pending_next_note;
  int32_t ui_onsets[TANDEM_UI_MAX_ONSETS][2];
  uint32_t n_ui_onsets;
  int32_t next_chord; /* root * 9 + quality, -1 none (tandem_ui_feed_next_chord) */
  int32_t alt_percent[TANDEM_UI_MAX_ALTS]; /* tandem_ui_feed_alternatives */
  uint32_t n_alts;
  int32_t scratch[TANDEM_UI_NOTES_PER_EVENT * TANDEM_UI_NOTE_INTS];

  /* Where play is, from the last segment (audio thread). */
  bool rolling;
  int64_t bar;          /* host bar */
  int64_t pattern_tick; /* -1: no pattern */
  uint32_t bar_ticks;
  int32_t bar_tick; /* ticks into the bar */

  /* Onsets of this bar and the one before, for the inline display. */
  TandemUiSnapshotOnset bar_onsets[TANDEM_UI_SNAPSHOT_ONSETS];
  int64_t bar_onset_bar[TANDEM_UI_SNAPSHOT_ONSETS];
  uint32_t n_bar_onsets;

  /* Inline display: the triple buffer (written by run(), read by render()). */
  TandemUiSnapshot snaps[3];
  atomic_uint middle; /* index of the buffer between the two, | 4 when fresh */
  unsigned write_index;
  unsigned read_index;
  uint32_t version;
  uint64_t next_publish;
  uint64_t next_draw;
  uint32_t drawn_serial; /* what the last queue_draw showed, to skip a still one */
  uint32_t drawn_onsets;
  uint8_t drawn_role, drawn_style;
} TandemUiFeed;

/* Finds the inline display feature in features (may be NULL) and maps the URIs. */
void tandem_ui_feed_init(TandemUiFeed* f, LV2_URID_Map* map,
                         const LV2_Feature* const* features, double sample_rate);

/* A patch:Get with property p: uiFeed keeps the feed on, uiPattern asks for the
 * whole pattern again.  Others are left alone. */
void tandem_ui_feed_on_get(TandemUiFeed* f, LV2_URID property);

/* One played segment [start, end) of the block at pos: notes where play is and
 * keeps the onsets that fell in it. */
void tandem_ui_feed_segment(TandemUiFeed* f, const TandemClockPos* pos, uint32_t start,
                            uint32_t end, const TandemPlayer* player,
                            const TandemOnsetEvent* onsets, uint32_t n_onsets);

/* The chord predicted for beat 1 of the next bar (has false: none), for the next
 * UiPlay.  Audio thread. */
void tandem_ui_feed_next_chord(TandemUiFeed* f, bool has, uint8_t root, uint8_t quality);

/* The model's last reply: n alternatives and each one's confidence (0..1; more than
 * TANDEM_UI_MAX_ALTS are not shown), for the next UiPlay.  Audio thread. */
void tandem_ui_feed_alternatives(TandemUiFeed* f, uint32_t n, const float* confidence);

/* After the block's MIDI: writes what the window needs to the notify sequence
 * open in forge (forge may be NULL when there is no room at all), at frame, and
 * publishes the inline display's snapshot.  seq is the notify port's sequence,
 * for rolling back an event that does not fit. */
void tandem_ui_feed_end_block(TandemUiFeed* f, LV2_Atom_Forge* forge,
                              LV2_Atom_Sequence* seq, int64_t frame, uint32_t n_frames,
                              const TandemPlayer* player, const TandemHarmony* harmony,
                              int role, int style);

/* The newest snapshot (never NULL; version 0 before the first). */
const TandemUiSnapshot* tandem_ui_feed_snapshot(TandemUiFeed* f);

#endif
