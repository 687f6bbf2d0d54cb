/* Tandem — the plugin window's feed and the inline display's snapshot (see ui_feed.h).
 * Everything but tandem_ui_feed_init and tandem_ui_feed_snapshot runs in the audio
 * thread: fixed buffers, bounded loops, no allocation. */
#include "ui_feed.h"

#include <math.h>
#include <string.h>

#define FRESH 4u

void tandem_ui_feed_init(TandemUiFeed* f, LV2_URID_Map* map,
                         const LV2_Feature* const* features, double sample_rate)
{
  memset(f, 0, sizeof(*f));
  tandem_ui_feed_map(&f->uris, map);
  f->sample_rate = sample_rate;
  for (const LV2_Feature* const* ft = features; ft && *ft; ++ft) {
    if (!strcmp((*ft)->URI, TANDEM_INLINE_DISPLAY__queue_draw) && (*ft)->data) {
      f->inline_display = (TandemInlineDisplayFeature*)(*ft)->data;
    }
  }
  f->pattern_tick = -1;
  f->next_chord = -1;
  f->write_index = 0;
  atomic_init(&f->middle, 1u);
  f->read_index = 2;
}

void tandem_ui_feed_next_chord(TandemUiFeed* f, bool has, uint8_t root, uint8_t quality)
{
  f->next_chord = has && quality < TANDEM_CHORD_COUNT
                      ? (int32_t)(root % 12) * TANDEM_CHORD_COUNT + quality
                      : -1;
}

void tandem_ui_feed_alternatives(TandemUiFeed* f, uint32_t n, const float* confidence)
{
  f->n_alts = n < TANDEM_UI_MAX_ALTS ? n : TANDEM_UI_MAX_ALTS;
  for (uint32_t i = 0; i < f->n_alts; ++i) {
    const float c = confidence[i];
    /* NaN and values out of range show as 0 and 100. */
    f->alt_percent[i] = c > 0.0f ? (int32_t)lrintf(fminf(c, 1.0f) * 100.0f) : 0;
  }
}

void tandem_ui_feed_on_get(TandemUiFeed* f, LV2_URID property)
{
  if (property == f->uris.tandem_uiFeed || property == f->uris.tandem_uiPattern) {
    const bool was_fed = f->frames < f->fed_until;
    f->fed_until = f->frames + (uint64_t)(TANDEM_UI_FEED_HOLD_S * f->sample_rate);
    /* A window that opens after the feed stopped has no pattern yet. */
    if (property == f->uris.tandem_uiPattern || !was_fed) {
      f->resend_pattern = true;
      f->resend_pending = true;
    }
  }
}

static uint32_t ticks_per_beat(int32_t beat_unit)
{
  return beat_unit == 8 ? TANDEM_PPQ / 2
                        : (uint32_t)(TANDEM_PPQ * 4 / (beat_unit > 0 ? beat_unit : 4));
}

static int64_t pattern_bar(const TandemPlayer* player, int64_t bar)
{
  const int64_t bars = player->pattern.bars ? player->pattern.bars : 1;
  return ((bar - player->anchor_bar) % bars + bars) % bars;
}

static void keep_bar_onset(TandemUiFeed* f, int64_t bar, uint32_t tick, uint8_t drums)
{
  /* Onsets older than the bar before are dropped first. */
  uint32_t n = 0;
  for (uint32_t i = 0; i < f->n_bar_onsets; ++i) {
    if (f->bar_onset_bar[i] >= bar - 1) {
      f->bar_onsets[n] = f->bar_onsets[i];
      f->bar_onset_bar[n] = f->bar_onset_bar[i];
      ++n;
    }
  }
  f->n_bar_onsets = n;
  if (n == TANDEM_UI_SNAPSHOT_ONSETS) {
    memmove(&f->bar_onsets[0], &f->bar_onsets[1], sizeof(f->bar_onsets[0]) * (n - 1));
    memmove(&f->bar_onset_bar[0], &f->bar_onset_bar[1],
            sizeof(f->bar_onset_bar[0]) * (n - 1));
    --n;
  }
  f->bar_onsets[n].tick = (uint16_t)(tick > UINT16_MAX ? UINT16_MAX : tick);
  f->bar_onsets[n].drums = drums;
  f->bar_onsets[n].this_bar = 0;
  f->bar_onset_bar[n] = bar;
  f->n_bar_onsets = n + 1;
}

void tandem_ui_feed_segment(TandemUiFeed* f, const TandemClockPos* pos, uint32_t start,
                            uint32_t end, const TandemPlayer* player,
                            const TandemOnsetEvent* onsets, uint32_t n_onsets)
{
  const bool has_pattern = player->has_pattern && player->pattern.bars > 0 &&
                           player->pattern.role != TANDEM_ROLE_TRIGGER;
  const uint32_t tpb = has_pattern ? tandem_pattern_ticks_per_beat(&player->pattern)
                                   : ticks_per_beat(pos->beat_unit);
  const double bpb = pos->beats_per_bar > 0.0 ? pos->beats_per_bar : 4.0;
  f->bar_ticks = has_pattern ? tandem_pattern_ticks_per_bar(&player->pattern)
                             : (uint32_t)lrint(bpb * tpb);
  if (f->bar_ticks == 0) {
    f->bar_ticks = 4 * TANDEM_PPQ;
  }
  f->rolling = pos->speed > 0.0 && pos->bpm > 0.0;
  f->bar = pos->bar;
  double tick = pos->bar_beat * tpb;
  tick = tick < 0.0 ? 0.0 : tick >= f->bar_ticks ? f->bar_ticks - 1 : tick;
  f->bar_tick = (int32_t)tick;
  f->pattern_tick = has_pattern
                        ? pattern_bar(player, pos->bar) * f->bar_ticks + f->bar_tick
                        : f->bar_tick;
  if (!f->rolling) {
    return;
  }
  const double beats_per_frame = pos->bpm * pos->speed / (60.0 * f->sample_rate);
  const bool fed = f->frames < f->fed_until;
  for (uint32_t i = 0; i < n_onsets; ++i) {
    const TandemOnsetEvent* e = &onsets[i];
    if (e->frame < start || e->frame >= end) {
      continue;
    }
    const double beat =
        pos->bar_beat + ((double)e->frame - e->delay - start) * beats_per_frame;
    const double bars = floor(beat / bpb);
    if (bars < -1.0 || bars > 1.0) {
      continue;
    }
    const int64_t bar = pos->bar + (int64_t)bars;
    double in_bar = (beat - bars * bpb) * tpb;
    in_bar = in_bar < 0.0 ? 0.0 : in_bar >= f->bar_ticks ? f->bar_ticks - 1 : in_bar;
    keep_bar_onset(f, bar, (uint32_t)in_bar, e->drums);
    if (fed && f->n_ui_onsets < TANDEM_UI_MAX_ONSETS) {
      const int64_t at =
          (has_pattern ? pattern_bar(player, bar) * f->bar_ticks : 0) + (int64_t)in_bar;
      f->ui_onsets[f->n_ui_onsets][0] = (int32_t)at;
      f->ui_onsets[f->n_ui_onsets][1] = e->drums;
      ++f->n_ui_onsets;
    }
  }
}

typedef struct {
  uint32_t offset;
  uint32_t seq_size;
} Mark;

static bool forge_int(LV2_Atom_Forge* forge, LV2_URID key, int32_t value)
{
  return lv2_atom_forge_key(forge, key) && lv2_atom_forge_int(forge, value);
}

static int resolve_in(const TandemPattern* pattern, int octave,
                      const TandemHarmony* harmony, const TandemNote* n)
{
  const int role = pattern->role;
  if (role == TANDEM_ROLE_DRUMS || n->kind == TANDEM_PITCH_ABSOLUTE) {
    return n->pitch;
  }
  return tandem_resolve_pitch(harmony, n,
                              tandem_player_base_pitch((TandemRole)role) + 12 * octave);
}

static int resolved_pitch(const TandemPlayer* player, const TandemHarmony* harmony,
                          const TandemNote* n)
{
  return resolve_in(&player->pattern, player->params.octave, harmony, n);
}

/* One UiNotes event of p (the pattern playing, or the one queued when pending) from
 * note *next_note on; false if it did not fit. */
static bool forge_notes(TandemUiFeed* f, LV2_Atom_Forge* forge, int64_t frame,
                        const TandemPattern* p, int octave, bool pending,
                        uint32_t* next_note, const TandemHarmony* harmony)
{
  const TandemUiFeedURIs* u = &f->uris;
  const uint32_t total = p->n_notes <= TANDEM_MAX_NOTES ? p->n_notes : TANDEM_MAX_NOTES;
  uint32_t n = total > *next_note ? total - *next_note : 0;
  n = n > TANDEM_UI_NOTES_PER_EVENT ? TANDEM_UI_NOTES_PER_EVENT : n;
  for (uint32_t i = 0; i < n; ++i) {
    const TandemNote* note = &p->notes[*next_note + i];
    int32_t* out = &f->scratch[i * TANDEM_UI_NOTE_INTS];
    out[0] = (int32_t)note->tick;
    out[1] = (int32_t)note->length;
    out[2] = resolve_in(p, octave, harmony, note) | ((int32_t)note->velocity << 8);
  }
  LV2_Atom_Forge_Frame obj;
  if (!lv2_atom_forge_frame_time(forge, frame) ||
      !lv2_atom_forge_object(forge, &obj, 0, u->tandem_UiNotes)) {
    return false;
  }
  bool ok =
      forge_int(forge, u->tandem_serial, (int32_t)p->serial) &&
      forge_int(forge, u->tandem_role, p->role) &&
      forge_int(forge, u->tandem_bars, p->bars) &&
      forge_int(forge, u->tandem_ticksPerBar, (int32_t)tandem_pattern_ticks_per_bar(p)) &&
      forge_int(forge, u->tandem_beatsPerBar, p->beats_per_bar) &&
      forge_int(forge, u->tandem_noteCount, (int32_t)total) &&
      forge_int(forge, u->tandem_first, (int32_t)*next_note) &&
      lv2_atom_forge_key(forge, u->tandem_pending) &&
      lv2_atom_forge_bool(forge, pending) && lv2_atom_forge_key(forge, u->tandem_notes) &&
      lv2_atom_forge_vector(forge, sizeof(int32_t), u->atom_Int, n * TANDEM_UI_NOTE_INTS,
                            f->scratch);
  lv2_atom_forge_pop(forge, &obj);
  if (ok) {
    *next_note += n;
  }
  return ok;
}

static bool forge_play(TandemUiFeed* f, LV2_Atom_Forge* forge, int64_t frame,
                       const TandemPlayer* player, const TandemHarmony* harmony)
{
  const TandemUiFeedURIs* u = &f->uris;
  LV2_Atom_Forge_Frame obj;
  if (!lv2_atom_forge_frame_time(forge, frame) ||
      !lv2_atom_forge_object(forge, &obj, 0, u->tandem_UiPlay)) {
    return false;
  }
  const int32_t serial = player->has_pattern ? (int32_t)player->pattern.serial : 0;
  const int32_t position =
      f->rolling && f->pattern_tick >= 0 ? (int32_t)f->pattern_tick : -1;
  bool ok =
      forge_int(forge, u->tandem_serial, serial) &&
      forge_int(forge, u->tandem_position, position) &&
      lv2_atom_forge_key(forge, u->tandem_rolling) &&
      lv2_atom_forge_bool(forge, f->rolling) &&
      lv2_atom_forge_key(forge, u->tandem_onsets) &&
      lv2_atom_forge_vector(forge, sizeof(int32_t), u->atom_Int, 2 * f->n_ui_onsets,
                            f->ui_onsets) &&
      forge_int(forge, u->tandem_planChord,
                (int32_t)(harmony->chord_root % 12) * TANDEM_CHORD_COUNT +
                    harmony->chord_quality % TANDEM_CHORD_COUNT) &&
      forge_int(forge, u->tandem_nextChord, f->next_chord) &&
      forge_int(forge, u->tandem_pendingSerial,
                player->has_next_pattern ? (int32_t)player->next_pattern.serial : 0) &&
      lv2_atom_forge_key(forge, u->tandem_alternatives) &&
      lv2_atom_forge_vector(forge, sizeof(int32_t), u->atom_Int, f->n_alts,
                            f->alt_percent);
  lv2_atom_forge_pop(forge, &obj);
  return ok;
}

static void feed_window(TandemUiFeed* f, LV2_Atom_Forge* forge, LV2_Atom_Sequence* seq,
                        int64_t frame, const TandemPlayer* player,
                        const TandemHarmony* harmony)
{
  if (player->has_pattern) {
    const uint32_t serial = player->pattern.serial;
    if (f->resend_pattern || (f->sending_serial != serial && serial != f->sent_serial)) {
      f->sending_serial = serial;
      f->next_note = 0;
      f->resend_pattern = false;
    }
    /* A few events a block: a 1024-note pattern takes 16 events. */
    for (int i = 0; i < 4 && f->sending_serial == serial; ++i) {
      const Mark mark = {forge->offset, seq->atom.size};
      if (!forge_notes(f, forge, frame, &player->pattern, player->params.octave, false,
                       &f->next_note, harmony)) {
        forge->offset = mark.offset;
        seq->atom.size = mark.seq_size;
        break;
      }
      if (f->next_note >= player->pattern.n_notes) {
        f->sent_serial = serial;
        f->sending_serial = 0;
      }
    }
  }
  /* The pattern queued for the next bar line, once the one playing is sent. */
  if (player->has_next_pattern && f->sending_serial == 0) {
    const TandemPattern* next = &player->next_pattern;
    const int octave =
        player->has_next_params ? player->next_params.octave : player->params.octave;
    if (f->resend_pending || (f->pending_sending_serial != next->serial &&
                              next->serial != f->pending_sent_serial)) {
      f->pending_sending_serial = next->serial;
      f->pending_next_note = 0;
      f->resend_pending = false;
    }
    for (int i = 0; i < 4 && f->pending_sending_serial == next->serial; ++i) {
      const Mark mark = {forge->offset, seq->atom.size};
      if (!forge_notes(f, forge, frame, next, octave, true, &f->pending_next_note,
                       harmony)) {
        forge->offset = mark.offset;
        seq->atom.size = mark.seq_size;
        break;
      }
      if (f->pending_next_note >= next->n_notes) {
        f->pending_sent_serial = next->serial;
        f->pending_sending_serial = 0;
      }
    }
  }
  if (f->frames >= f->next_play) {
    const Mark mark = {forge->offset, seq->atom.size};
    if (forge_play(f, forge, frame, player, harmony)) {
      f->n_ui_onsets = 0;
      f->next_play = f->frames + (uint64_t)(f->sample_rate / TANDEM_UI_PLAY_HZ);
    } else {
      forge->offset = mark.offset;
      seq->atom.size = mark.seq_size;
    }
  }
}

static void publish(TandemUiFeed* f, const TandemPlayer* player,
                    const TandemHarmony* harmony, int role, int style)
{
  TandemUiSnapshot* s = &f->snaps[f->write_index];
  s->version = ++f->version;
  s->role = (uint8_t)role;
  s->style = (uint8_t)style;
  s->rolling = f->rolling;
  s->bar_ticks = f->bar_ticks ? f->bar_ticks : 4 * TANDEM_PPQ;
  s->playhead = f->bar_tick > 0 ? (uint32_t)f->bar_tick : 0;
  s->has_pattern = player->has_pattern && player->pattern.role != TANDEM_ROLE_TRIGGER &&
                   player->pattern.bars > 0;
  s->n_notes = 0;
  if (s->has_pattern) {
    const TandemPattern* p = &player->pattern;
    const uint32_t bar_ticks = tandem_pattern_ticks_per_bar(p);
    const uint32_t from = (uint32_t)pattern_bar(player, f->bar) * bar_ticks;
    const uint32_t total = p->n_notes <= TANDEM_MAX_NOTES ? p->n_notes : TANDEM_MAX_NOTES;
    for (uint32_t i = 0; i < total && s->n_notes < TANDEM_UI_SNAPSHOT_NOTES; ++i) {
      const TandemNote* n = &p->notes[i];
      if (n->tick < from || n->tick >= from + bar_ticks) {
        continue;
      }
      TandemUiSnapshotNote* out = &s->notes[s->n_notes++];
      const uint32_t start = n->tick - from;
      const uint32_t length =
          n->length < bar_ticks - start ? n->length : bar_ticks - start;
      out->start = (uint16_t)(start > UINT16_MAX ? UINT16_MAX : start);
      out->length = (uint16_t)(length > UINT16_MAX ? UINT16_MAX : length);
      out->pitch = (uint8_t)resolved_pitch(player, harmony, n);
      out->velocity = n->velocity;
    }
  }
  s->n_onsets = 0;
  for (uint32_t i = 0; i < f->n_bar_onsets; ++i) {
    if (f->bar_onset_bar[i] == f->bar || f->bar_onset_bar[i] == f->bar - 1) {
      TandemUiSnapshotOnset o = f->bar_onsets[i];
      o.this_bar = f->bar_onset_bar[i] == f->bar;
      s->onsets[s->n_onsets++] = o;
    }
  }
  const unsigned old =
      atomic_exchange_explicit(&f->middle, f->write_index | FRESH, memory_order_acq_rel);
  f->write_index = old & 3u;
}

void tandem_ui_feed_end_block(TandemUiFeed* f, LV2_Atom_Forge* forge,
                              LV2_Atom_Sequence* seq, int64_t frame, uint32_t n_frames,
                              const TandemPlayer* player, const TandemHarmony* harmony,
                              int role, int style)
{
  if (f->frames < f->fed_until && forge && seq) {
    feed_window(f, forge, seq, frame, player, harmony);
  } else {
    f->n_ui_onsets = 0;
  }
  f->frames += n_frames;

  if (f->frames >= f->next_publish) {
    publish(f, player, harmony, role, style);
    f->next_publish = f->frames + (uint64_t)(f->sample_rate / TANDEM_UI_PLAY_HZ);
  }
  if (f->inline_display && f->inline_display->queue_draw && f->frames >= f->next_draw) {
    const uint32_t serial = player->has_pattern ? player->pattern.serial : 0;
    /* A still picture is not drawn again. */
    if (f->rolling || serial != f->drawn_serial || f->n_bar_onsets != f->drawn_onsets ||
        role != f->drawn_role || style != f->drawn_style) {
      f->drawn_serial = serial;
      f->drawn_onsets = f->n_bar_onsets;
      f->drawn_role = (uint8_t)role;
      f->drawn_style = (uint8_t)style;
      f->inline_display->queue_draw(f->inline_display->handle);
      f->next_draw = f->frames + (uint64_t)(f->sample_rate / TANDEM_UI_DRAW_HZ);
    }
  }
}

const TandemUiSnapshot* tandem_ui_feed_snapshot(TandemUiFeed* f)
{
  if (atomic_load_explicit(&f->middle, memory_order_acquire) & FRESH) {
    const unsigned old =
        atomic_exchange_explicit(&f->middle, f->read_index, memory_order_acq_rel);
    f->read_index = old & 3u;
  }
  return &f->snaps[f->read_index];
}
