/* Tandem — the transport-locked pattern player.  See player.h.
 *
 * Everything here runs in the audio thread: bounded loops over preallocated
 * arrays, no allocation, no locks, no I/O.
 */
#include "player.h"

#include <math.h>
#include <string.h>

/* Candidate kinds (TandemPlayerCandidate.kind). */
#define KIND_KICK   0x01u /* a kick, or a bass attack */
#define KIND_SNARE  0x02u
#define KIND_FOLLOW 0x04u /* added at a detected onset */

#define GM_KICK       36
#define GM_KICK_ALT   35
#define GM_SIDE_STICK 37
#define GM_SNARE      38
#define GM_SNARE_ALT  40
#define GM_HAT        42

/* Drum follow notes are short hits; bass follow notes an eighth, so that the
 * pattern's next attack usually takes over. */
#define FOLLOW_DRUM_TICKS (TANDEM_PPQ / 4)
#define FOLLOW_BASS_TICKS (TANDEM_PPQ / 2)

/* Input level seconds over which dynamics follow settles. */
#define LEVEL_SMOOTH_S 0.3
#define LEVEL_FLOOR_DB -90.0

/* One stretch of a segment that crosses at most one bar line, with the mapping
 * between its frames, the player cursor and the clock's bar position. */
typedef struct {
  uint32_t frame_offset; /* segment start within the block */
  uint32_t f_a;          /* window start within the segment */
  uint32_t m;            /* window frames */
  double c_a;            /* cursor at the window start */
  double c_b;            /* cursor at the window end */
  double c_end;          /* events before this belong to the window (c_b less a hair) */
  int64_t bar_a;         /* clock bar at the window start */
  double t_a;            /* ticks into bar_a at the window start */
  double bar_ticks;      /* clock bar length, ticks */
  double tpf;            /* ticks per frame */
  double ticks_per_ms;
  const TandemHarmony* harmony;
  const TandemOnsetEvent* onsets;
  uint32_t n_onsets;
  float dynamics_gain; /* velocity factor from the input level, before amount */
} Window;

/* ---- small helpers ---- */

static double clampd(double x, double lo, double hi)
{
  return x < lo ? lo : x > hi ? hi : x;
}

static int64_t floor_mod64(int64_t a, int64_t m)
{
  const int64_t r = a % m;
  return r < 0 ? r + m : r;
}

/* xorshift64*: small, fast, and owned by this instance (no shared RNG). */
static uint32_t rng_next(TandemPlayer* p)
{
  uint64_t x = p->rng;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  p->rng = x;
  return (uint32_t)((x * 0x2545F4914F6CDD1DULL) >> 32);
}

static double rng_unit(TandemPlayer* p)
{
  return (double)rng_next(p) / 4294967296.0;
}

static double cursor_of(const Window* w, int64_t bar, double tick)
{
  return w->c_a + (double)(bar - w->bar_a) * w->bar_ticks + tick - w->t_a;
}

/* Events within this many frames of a frame boundary belong to the later frame, so
 * that rounding in the position arithmetic cannot move an event whose ideal time
 * is a whole frame one frame early. */
#define FRAME_EPSILON 1e-6

/* Block frame of cursor time t, kept inside the window: floor, so an event is never
 * more than one frame early or late. */
static uint32_t frame_of(const Window* w, double t)
{
  const double d = (t - w->c_a) / w->tpf + FRAME_EPSILON;
  uint32_t f = 0;
  if (d > 0.0) {
    f = d >= (double)w->m ? w->m - 1 : (uint32_t)d;
  }
  return w->frame_offset + w->f_a + f;
}

static void write_event(TandemPlayer* p, uint32_t frame, uint8_t status, uint8_t pitch,
                        uint8_t velocity)
{
  TandemMidiEvent* ev = &p->out[p->n_out++];
  ev->frame = frame;
  ev->size = 3;
  ev->data[0] = status;
  ev->data[1] = pitch;
  ev->data[2] = velocity;
}

static bool room(const TandemPlayer* p, uint32_t n)
{
  return p->n_out + n <= p->max_out;
}

/* Writes a voice's note-off and frees it; false (voice kept) if out is full.  A
 * note-off goes before any note-on already written on its frame (a retriggered
 * pitch may end after another note started on that frame). */
static bool voice_off(TandemPlayer* p, TandemPlayerVoice* v, uint32_t frame)
{
  if (!room(p, 1)) {
    return false;
  }
  uint32_t at = p->n_out;
  while (at > 0 && p->out[at - 1].frame == frame &&
         (p->out[at - 1].data[0] & 0xF0u) == 0x90u) {
    --at;
  }
  write_event(p, frame, (uint8_t)(0x80u | v->channel), v->pitch, 0);
  if (at < p->n_out - 1) {
    const TandemMidiEvent off = p->out[p->n_out - 1];
    memmove(&p->out[at + 1], &p->out[at], sizeof(TandemMidiEvent) * (p->n_out - 1 - at));
    p->out[at] = off;
  }
  v->active = false;
  return true;
}

/* Makes every sounding note end no later than cursor time t. */
static void end_all_at(TandemPlayer* p, double t)
{
  for (int i = 0; i < TANDEM_PLAYER_MAX_SOUNDING; ++i) {
    if (p->voices[i].active && p->voices[i].off_time > t) {
      p->voices[i].off_time = t;
    }
  }
}

/* Writes all sounding notes' note-offs at frame, earliest-ending first. */
static void flush_all_offs(TandemPlayer* p, uint32_t frame)
{
  for (;;) {
    TandemPlayerVoice* first = NULL;
    for (int i = 0; i < TANDEM_PLAYER_MAX_SOUNDING; ++i) {
      TandemPlayerVoice* v = &p->voices[i];
      if (v->active && (!first || v->off_time < first->off_time)) {
        first = v;
      }
    }
    if (!first || !voice_off(p, first, frame)) {
      return;
    }
  }
}

/* Writes note-offs due before the window end whose frame is at most `frame`, in
 * time order.  Stops when out is full (the rest stay due). */
static void emit_offs_upto(TandemPlayer* p, const Window* w, uint32_t frame)
{
  for (;;) {
    TandemPlayerVoice* first = NULL;
    for (int i = 0; i < TANDEM_PLAYER_MAX_SOUNDING; ++i) {
      TandemPlayerVoice* v = &p->voices[i];
      if (v->active && v->off_time < w->c_end &&
          (!first || v->off_time < first->off_time)) {
        first = v;
      }
    }
    if (!first || frame_of(w, first->off_time) > frame ||
        !voice_off(p, first, frame_of(w, first->off_time))) {
      return;
    }
  }
}

/* ---- parameters and patterns ---- */

void tandem_player_params_default(TandemPlayerParams* params)
{
  params->enabled = true;
  params->hold = false;
  params->channel = 1;
  params->octave = 0;
  params->swing_pct = 0.0f;
  params->swing_grid_ticks = 0;
  params->humanize_ms = 0.0f;
  params->velocity_humanize = 0.0f;
  params->follow = 0.0f;
  params->dynamics_follow = 0.0f;
}

int tandem_player_base_pitch(TandemRole role)
{
  switch (role) {
  case TANDEM_ROLE_BASS:
    return 36;
  case TANDEM_ROLE_CHORDS:
    return 60;
  case TANDEM_ROLE_MELODY:
    return 72;
  default:
    return 0;
  }
}

static float clampf_or(float x, float lo, float hi, float fallback)
{
  if (!isfinite(x)) {
    return fallback;
  }
  return x < lo ? lo : x > hi ? hi : x;
}

static bool valid_grid(uint32_t ticks)
{
  return ticks == TANDEM_PPQ / 2 || ticks == TANDEM_PPQ / 4 || ticks == TANDEM_PPQ / 8;
}

static void sanitize_params(TandemPlayerParams* q)
{
  q->channel = q->channel < 1 ? 1 : q->channel > 16 ? 16 : q->channel;
  q->octave = q->octave < -4 ? -4 : q->octave > 4 ? 4 : q->octave;
  q->swing_pct = !isfinite(q->swing_pct) || q->swing_pct < 50.0f ? 0.0f
                 : q->swing_pct > 75.0f                          ? 75.0f
                                                                 : q->swing_pct;
  if (!valid_grid(q->swing_grid_ticks)) {
    q->swing_grid_ticks = 0;
  }
  q->humanize_ms = clampf_or(q->humanize_ms, 0.0f, TANDEM_PLAYER_MAX_HUMANIZE_MS, 0.0f);
  q->velocity_humanize = clampf_or(q->velocity_humanize, 0.0f, 1.0f, 0.0f);
  q->follow = clampf_or(q->follow, 0.0f, 1.0f, 0.0f);
  q->dynamics_follow = clampf_or(q->dynamics_follow, 0.0f, 1.0f, 0.0f);
}

static int chord_center(const TandemPlayerParams* q)
{
  return tandem_player_base_pitch(TANDEM_ROLE_CHORDS) + 12 * q->octave;
}

static void apply_next_params(TandemPlayer* p)
{
  if (!p->has_next_params) {
    return;
  }
  const int old_center = chord_center(&p->params);
  p->params = p->next_params;
  p->has_next_params = false;
  if (chord_center(&p->params) != old_center) {
    tandem_voicing_init(&p->voicing, chord_center(&p->params));
  }
}

/* Lets the queued pattern take over with its bar 0 at anchor_bar; a change of
 * role ends the old role's notes at cursor time t. */
static void take_next_pattern(TandemPlayer* p, int64_t anchor_bar, double t)
{
  if (!p->has_next_pattern) {
    return;
  }
  p->has_next_pattern = false;
  if (p->params.hold && p->has_pattern) {
    return;
  }
  if (p->has_pattern && p->next_pattern.role != p->pattern.role) {
    end_all_at(p, t);
    tandem_voicing_reset(&p->voicing);
  }
  memcpy(&p->pattern, &p->next_pattern, sizeof(p->pattern));
  p->has_pattern = true;
  p->anchor_bar = anchor_bar;
}

/* Onsets in the phase's running mean: the first ones averaged equally, then each
 * new one weighs 1/PHASE_ONSETS. */
#define PHASE_ONSETS 8u

/* The offset the part plays at from this bar line on (see player.h). */
static void update_phase(TandemPlayer* p, double ticks_per_ms)
{
  const double var = p->phase_sq - p->phase_mean * p->phase_mean;
  const double spread = var > 0.0 ? sqrt(var) : 0.0;
  const bool steady = p->params.follow >= TANDEM_FOLLOW_PHASE_MIN &&
                      p->phase_onsets >= TANDEM_PHASE_MIN_ONSETS &&
                      spread <= TANDEM_PHASE_MAX_SPREAD_MS * ticks_per_ms &&
                      fabs(p->phase_mean) >= TANDEM_PHASE_MIN_MS * ticks_per_ms;
  p->phase_ticks = steady ? p->phase_mean : 0.0;
}

/* Folds a heard kick or snare at cursor time t into the phase, if it is near a beat. */
static void hear_phase(TandemPlayer* p, const Window* w, double t)
{
  const double beat = w->bar_ticks > 0.0 ? TANDEM_PPQ : 0.0;
  if (!(beat > 0.0) || !isfinite(t)) {
    return;
  }
  const double from_bar = t - cursor_of(w, w->bar_a, 0.0);
  const double d = from_bar - beat * floor(from_bar / beat + 0.5);
  if (fabs(d) > beat / 8.0) {
    return; /* off the beats: an offbeat or a syncopation says nothing of the phase */
  }
  if (p->phase_onsets < PHASE_ONSETS) {
    p->phase_onsets++;
  }
  const double a = 1.0 / p->phase_onsets;
  p->phase_mean += a * (d - p->phase_mean);
  p->phase_sq += a * (d * d - p->phase_sq);
}

static void forget_phase(TandemPlayer* p)
{
  p->phase_mean = p->phase_sq = p->phase_ticks = 0.0;
  p->phase_onsets = 0;
}

static void at_bar_line(TandemPlayer* p, int64_t bar, double t, double ticks_per_ms)
{
  apply_next_params(p);
  take_next_pattern(p, bar, t);
  update_phase(p, ticks_per_ms);
}

void tandem_player_set_seed(TandemPlayer* p, uint32_t seed)
{
  /* splitmix64 step, so that nearby seeds give unrelated sequences */
  uint64_t z = (uint64_t)seed + 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  p->rng = z ? z : 0x9E3779B97F4A7C15ULL;
}

void tandem_player_init(TandemPlayer* p, double sample_rate)
{
  memset(p, 0, sizeof(*p));
  p->sample_rate = (isfinite(sample_rate) && sample_rate > 0.0) ? sample_rate : 48000.0;
  tandem_player_params_default(&p->params);
  p->last_kick_time = -INFINITY;
  p->last_snare_time = -INFINITY;
  p->last_follow_kick = -INFINITY;
  p->last_follow_snare = -INFINITY;
  p->last_input_kick = -INFINITY;
  p->last_input_snare = -INFINITY;
  p->level_db = TANDEM_PLAYER_DYNAMICS_REF_DB;
  tandem_voicing_init(&p->voicing, chord_center(&p->params));
  tandem_player_set_seed(p, 1);
}

bool tandem_player_queue_pattern(TandemPlayer* p, const TandemPattern* pattern)
{
  if (!tandem_pattern_valid(pattern) || (p->params.hold && p->has_pattern)) {
    return false;
  }
  memcpy(&p->next_pattern, pattern, sizeof(p->next_pattern));
  p->has_next_pattern = true;
  return true;
}

void tandem_player_set_params(TandemPlayer* p, const TandemPlayerParams* params)
{
  p->next_params = *params;
  sanitize_params(&p->next_params);
  p->has_next_params = true;
  if (!p->next_params.enabled && p->params.enabled) {
    /* Disabling is heard at once: the note-offs go out at the next frame played. */
    p->params.enabled = false;
    end_all_at(p, p->cursor);
    p->n_pending = 0;
  }
}

uint32_t tandem_player_sounding(const TandemPlayer* p)
{
  uint32_t n = 0;
  for (int i = 0; i < TANDEM_PLAYER_MAX_SOUNDING; ++i) {
    n += p->voices[i].active ? 1u : 0u;
  }
  return n;
}

uint32_t tandem_player_all_notes_off(TandemPlayer* p, uint32_t frame,
                                     TandemMidiEvent* out, uint32_t max_out)
{
  p->out = out;
  p->max_out = out ? max_out : 0;
  p->n_out = 0;
  end_all_at(p, p->cursor);
  flush_all_offs(p, frame);
  p->n_pending = 0;
  return p->n_out;
}

/* ---- reading the pattern ---- */

static TandemPlayerCandidate* push_candidate(TandemPlayer* p, const Window* w,
                                             double time)
{
  if (time < w->c_end) {
    if (p->n_cand >= TANDEM_PLAYER_MAX_CANDIDATES) {
      return NULL;
    }
    return &p->cand[p->n_cand++];
  }
  if (p->n_pending >= TANDEM_PLAYER_MAX_PENDING) {
    return NULL; /* a note-on lost before it started: nothing can hang */
  }
  return &p->pending[p->n_pending++];
}

static double humanize_ticks(TandemPlayer* p, const Window* w)
{
  if (p->params.humanize_ms <= 0.0f) {
    return 0.0;
  }
  /* Triangular in [-1, 1]: most notes close to the grid, none beyond the bound. */
  const double u = rng_unit(p) + rng_unit(p) - 1.0;
  return u * p->params.humanize_ms * w->ticks_per_ms;
}

static float humanize_velocity(TandemPlayer* p, float velocity)
{
  if (p->params.velocity_humanize <= 0.0f) {
    return velocity;
  }
  const double u = 2.0 * rng_unit(p) - 1.0;
  return (float)clampd(velocity + u * 24.0 * p->params.velocity_humanize, 1.0, 127.0);
}

static uint8_t drum_kind(int pitch)
{
  if (pitch == GM_KICK || pitch == GM_KICK_ALT) {
    return KIND_KICK;
  }
  if (pitch == GM_SNARE || pitch == GM_SNARE_ALT) {
    return KIND_SNARE;
  }
  return 0;
}

/* Adds one pattern note (or stab note) played at cursor time t. */
static void add_note(TandemPlayer* p, const Window* w, double t, const TandemNote* note,
                     double length, int stab_size, int stab_index)
{
  TandemPlayerCandidate* c = push_candidate(p, w, t);
  if (!c) {
    return;
  }
  const TandemRole role = (TandemRole)p->pattern.role;
  c->time = t;
  c->length = length;
  c->onset_time = t;
  c->velocity = humanize_velocity(p, (float)note->velocity);
  c->note = *note;
  c->stab_size = (uint8_t)stab_size;
  c->stab_index = (uint8_t)stab_index;
  if (role == TANDEM_ROLE_DRUMS || role == TANDEM_ROLE_TRIGGER) {
    c->resolve = 0;
    c->pitch = note->pitch;
  } else {
    c->resolve = 1; /* against the harmony planned when the note-on is played */
    c->pitch = 0;
  }
  c->kind = role == TANDEM_ROLE_BASS    ? KIND_KICK
            : role == TANDEM_ROLE_DRUMS ? drum_kind(note->pitch)
                                        : 0;
}

static bool is_stab_note(const TandemPattern* pat, const TandemNote* n)
{
  return pat->role == TANDEM_ROLE_CHORDS && n->kind == TANDEM_PITCH_CHORD;
}

/* Adds the stab at notes[i] (all chord-tone notes on its tick within [i, hi)); it is
 * voiced when its first note-on plays. */
static void add_stab(TandemPlayer* p, const Window* w, double t, uint32_t i, uint32_t hi,
                     double max_length)
{
  const TandemPattern* pat = &p->pattern;
  uint32_t idx[TANDEM_VOICING_MAX_VOICES];
  int n = 0;
  for (uint32_t j = i; j < hi && pat->notes[j].tick == pat->notes[i].tick; ++j) {
    if (is_stab_note(pat, &pat->notes[j]) && n < TANDEM_VOICING_MAX_VOICES) {
      idx[n++] = j;
    }
  }
  /* Lowest written tone takes the lowest voice. */
  for (int a = 1; a < n; ++a) {
    const uint32_t key = idx[a];
    const int kv = pat->notes[key].octave * 16 + pat->notes[key].degree;
    int b = a;
    while (b > 0 &&
           pat->notes[idx[b - 1]].octave * 16 + pat->notes[idx[b - 1]].degree > kv) {
      idx[b] = idx[b - 1];
      --b;
    }
    idx[b] = key;
  }
  for (int k = 0; k < n; ++k) {
    const TandemNote* note = &pat->notes[idx[k]];
    const double length = note->length < max_length ? note->length : max_length;
    add_note(p, w, t, note, length, n, k);
  }
}

/* The swing in effect: the override if set, else the pattern's (its style's). */
typedef struct {
  float pct;
  uint32_t grid_ticks;
} Swing;

static Swing current_swing(const TandemPlayer* p)
{
  const TandemPattern* pat = &p->pattern;
  Swing s;
  s.pct = p->params.swing_pct >= 50.0f ? p->params.swing_pct
          : (isfinite(pat->swing_pct) && pat->swing_pct >= 50.0f)
              ? (pat->swing_pct > 75.0f ? 75.0f : pat->swing_pct)
              : 50.0f;
  s.grid_ticks = valid_grid(p->params.swing_grid_ticks) ? p->params.swing_grid_ticks
                 : valid_grid(pat->swing_grid_ticks)    ? pat->swing_grid_ticks
                                                        : TANDEM_PPQ / 4;
  return s;
}

static uint32_t swung(Swing swing, uint32_t tick_in_bar, uint32_t pattern_bar_ticks)
{
  const uint32_t s = tandem_swing_tick(tick_in_bar, swing.pct, swing.grid_ticks);
  /* A swung note never leaves its bar (the last, unpaired step of odd meters). */
  return s < pattern_bar_ticks ? s : pattern_bar_ticks - 1;
}

/* Reads the notes of clock bar `bar` whose swung tick is in [from, to). */
static void scan_bar_range(TandemPlayer* p, const Window* w, int64_t bar, double from,
                           double to)
{
  if (!p->params.enabled || !p->has_pattern || p->pattern.role == TANDEM_ROLE_TRIGGER ||
      to <= from) {
    return;
  }
  const TandemPattern* pat = &p->pattern;
  const uint32_t pbt = tandem_pattern_ticks_per_bar(pat);
  const uint32_t base = (uint32_t)floor_mod64(bar - p->anchor_bar, pat->bars) * pbt;
  const Swing swing = current_swing(p);

  /* Notes are sorted by tick and swing keeps order: binary searches find the bar
   * and then the first note at or after `from`. */
  uint32_t lo = 0;
  uint32_t hi = pat->n_notes;
  while (lo < hi) {
    const uint32_t mid = lo + (hi - lo) / 2;
    if (pat->notes[mid].tick < base) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  const uint32_t bar_lo = lo;
  hi = pat->n_notes;
  while (lo < hi) {
    const uint32_t mid = lo + (hi - lo) / 2;
    if (pat->notes[mid].tick < base + pbt) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  const uint32_t bar_hi = lo;
  lo = bar_lo;
  hi = bar_hi;
  while (lo < hi) {
    const uint32_t mid = lo + (hi - lo) / 2;
    if ((double)swung(swing, pat->notes[mid].tick - base, pbt) < from) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }

  const double max_length = (double)tandem_pattern_length_ticks(pat);
  for (uint32_t i = lo; i < bar_hi; ++i) {
    const TandemNote* note = &pat->notes[i];
    const uint32_t s = swung(swing, note->tick - base, pbt);
    if ((double)s >= to) {
      break;
    }
    const double t = cursor_of(w, bar, (double)s) + p->phase_ticks;
    if (is_stab_note(pat, note)) {
      bool first_of_stab = true;
      for (uint32_t j = i; j > bar_lo && pat->notes[j - 1].tick == note->tick; --j) {
        first_of_stab = first_of_stab && !is_stab_note(pat, &pat->notes[j - 1]);
      }
      if (first_of_stab) {
        const double h = humanize_ticks(p, w);
        add_stab(p, w, t + h < w->c_a ? w->c_a : t + h, i, bar_hi, max_length);
      }
      continue;
    }
    const double h = humanize_ticks(p, w);
    const double length = note->length < max_length ? note->length : max_length;
    add_note(p, w, t + h < w->c_a ? w->c_a : t + h, note, length, 0, 0);
  }
}

/* Reads the pattern from the scan position up to (tgt_bar, tgt_tick), passing bar
 * lines (where queued patterns and parameters take over). */
static void scan_to(TandemPlayer* p, const Window* w, int64_t tgt_bar, double tgt_tick)
{
  while (p->scan_bar < tgt_bar || (p->scan_bar == tgt_bar && p->scan_tick < tgt_tick)) {
    if (p->scan_bar == tgt_bar) {
      scan_bar_range(p, w, p->scan_bar, p->scan_tick, tgt_tick);
      p->scan_tick = tgt_tick;
      return;
    }
    scan_bar_range(p, w, p->scan_bar, p->scan_tick, w->bar_ticks);
    p->scan_bar++;
    p->scan_tick = 0.0;
    at_bar_line(p, p->scan_bar, cursor_of(w, p->scan_bar, 0.0), w->ticks_per_ms);
  }
}

/* ---- follow ---- */

static void add_follow(TandemPlayer* p, const Window* w)
{
  if (!p->params.enabled || !p->has_pattern || !w->onsets) {
    return;
  }
  const TandemRole role = (TandemRole)p->pattern.role;
  const bool trigger = role == TANDEM_ROLE_TRIGGER;
  if (!trigger && (p->params.follow <= 0.0f ||
                   (role != TANDEM_ROLE_DRUMS && role != TANDEM_ROLE_BASS))) {
    return;
  }
  const uint32_t first = w->frame_offset + w->f_a;
  for (uint32_t i = 0; i < w->n_onsets; ++i) {
    const TandemOnsetEvent* o = &w->onsets[i];
    if (o->frame < first || o->frame >= first + w->m) {
      continue;
    }
    /* The notes that answer it: one per drum it holds (an onset may hold a kick
     * and a snare at once). */
    int pitch[3];
    uint8_t kind[3];
    double length[3];
    int n_notes = 0;
    if (trigger) {
      static const int gm[3] = {GM_KICK, GM_SNARE, GM_HAT};
      for (int d = 0; d < 3; ++d) {
        if (o->drums & (1u << d)) {
          pitch[n_notes] = gm[d];
          kind[n_notes] = KIND_FOLLOW | (d == TANDEM_ONSET_KICK    ? KIND_KICK
                                         : d == TANDEM_ONSET_SNARE ? KIND_SNARE
                                                                   : 0);
          length[n_notes++] = FOLLOW_DRUM_TICKS;
        }
      }
      if (n_notes == 0) {
        pitch[n_notes] = GM_SIDE_STICK;
        kind[n_notes] = KIND_FOLLOW;
        length[n_notes++] = FOLLOW_DRUM_TICKS;
      }
    } else if (role == TANDEM_ROLE_DRUMS) {
      if (o->drums & TANDEM_HEARD_KICK) {
        pitch[n_notes] = GM_KICK;
        kind[n_notes] = KIND_FOLLOW | KIND_KICK;
        length[n_notes++] = FOLLOW_DRUM_TICKS;
      }
      if (o->drums & TANDEM_HEARD_SNARE) {
        pitch[n_notes] = GM_SNARE;
        kind[n_notes] = KIND_FOLLOW | KIND_SNARE;
        length[n_notes++] = FOLLOW_DRUM_TICKS;
      }
    } else if (o->drums & TANDEM_HEARD_KICK) { /* bass */
      pitch[n_notes] = -1;                     /* the chord root, resolved at note-on */
      kind[n_notes] = KIND_FOLLOW | KIND_KICK;
      length[n_notes++] = FOLLOW_BASS_TICKS;
    }
    if (n_notes == 0) {
      continue;
    }
    const double t = w->c_a + (double)(o->frame - first) * w->tpf;
    if (o->drums & (TANDEM_HEARD_KICK | TANDEM_HEARD_SNARE)) {
      hear_phase(p, w, t - (o->delay > 0 ? (double)o->delay * w->tpf : 0.0));
    }
    if (o->drums & TANDEM_HEARD_KICK) {
      p->last_input_kick = t;
    }
    if (o->drums & TANDEM_HEARD_SNARE) {
      p->last_input_snare = t;
    }
    if (!trigger && rng_unit(p) >= p->params.follow) {
      continue;
    }
    const float strength = isfinite(o->strength) ? o->strength : 0.5f;
    for (int k = 0; k < n_notes; ++k) {
      TandemPlayerCandidate* c = push_candidate(p, w, t);
      if (!c) {
        return;
      }
      memset(c, 0, sizeof(*c));
      c->time = t;
      c->length = length[k];
      c->onset_time = t - (o->delay > 0 ? (double)o->delay * w->tpf : 0.0);
      c->velocity = (float)clampd(64.0 + 48.0 * strength, 1.0, 127.0);
      c->kind = kind[k];
      if (pitch[k] >= 0) {
        c->pitch = (uint8_t)pitch[k];
      } else {
        c->resolve = 1;
        c->note.kind = TANDEM_PITCH_CHORD;
        c->note.degree = 0;
      }
    }
  }
}

/* ---- playing the candidates ---- */

static void sort_candidates(TandemPlayer* p)
{
  /* Insertion sort, stable: the list is nearly sorted already. */
  for (uint32_t i = 1; i < p->n_cand; ++i) {
    const TandemPlayerCandidate key = p->cand[i];
    uint32_t j = i;
    while (j > 0 && p->cand[j - 1].time > key.time) {
      p->cand[j] = p->cand[j - 1];
      --j;
    }
    p->cand[j] = key;
  }
}

static int resolve_pitch(TandemPlayer* p, const Window* w, const TandemPlayerCandidate* c)
{
  const TandemRole role = (TandemRole)p->pattern.role;
  if (role == TANDEM_ROLE_DRUMS || role == TANDEM_ROLE_TRIGGER || !c->resolve) {
    return c->pitch;
  }
  if (c->stab_size > 0) {
    /* The stab's notes are adjacent and in voice order: the first voices the lot
     * (the octave shift is in the voicing centre). */
    if (c->stab_index == 0) {
      /* The stab's tones as written (shell, rootless, added sixths and ninths). */
      TandemNote tones[TANDEM_VOICING_MAX_VOICES];
      const uint32_t at = (uint32_t)(c - p->cand);
      int n = 0;
      for (uint32_t k = at; k < p->n_cand && n < c->stab_size &&
                            n < TANDEM_VOICING_MAX_VOICES && p->cand[k].stab_index == n;
           ++k) {
        tones[n++] = p->cand[k].note;
      }
      if (n == c->stab_size) {
        tandem_voicing_stab(&p->voicing, w->harmony, tones, n, p->stab_pitch);
      } else {
        tandem_voicing_next(&p->voicing, w->harmony, c->stab_size, p->stab_pitch);
      }
    }
    return p->stab_pitch[c->stab_index < TANDEM_VOICING_MAX_VOICES ? c->stab_index : 0];
  }
  const int shift = 12 * p->params.octave;
  const int base = tandem_player_base_pitch(role);
  if (c->note.kind == TANDEM_PITCH_ABSOLUTE) {
    const int q = c->note.pitch + shift;
    return q < 0 ? 0 : q > 127 ? 127 : q;
  }
  return tandem_resolve_pitch(w->harmony, &c->note, base + shift);
}

/* Decides whether follow drops this candidate (see player.h). */
static bool follow_drops(TandemPlayer* p, const Window* w, const TandemPlayerCandidate* c)
{
  const uint8_t cls = c->kind & (KIND_KICK | KIND_SNARE);
  if (!cls) {
    return false;
  }
  if (c->kind & KIND_FOLLOW) {
    const double last = cls == KIND_KICK ? p->last_kick_time : p->last_snare_time;
    return last >= c->onset_time - TANDEM_FOLLOW_COVERED_MS * w->ticks_per_ms;
  }
  if (p->params.follow <= 0.0f) {
    return false;
  }
  const double last_follow =
      cls == KIND_KICK ? p->last_follow_kick : p->last_follow_snare;
  if (c->time >= last_follow &&
      c->time - last_follow <= TANDEM_FOLLOW_SUPPRESS_MS * w->ticks_per_ms) {
    return true;
  }
  const double last_input = cls == KIND_KICK ? p->last_input_kick : p->last_input_snare;
  return p->pattern.role == TANDEM_ROLE_DRUMS &&
         c->time - last_input <= TANDEM_FOLLOW_ACTIVE_S * 1000.0 * w->ticks_per_ms &&
         rng_unit(p) < p->params.follow;
}

static void play_candidate(TandemPlayer* p, const Window* w,
                           const TandemPlayerCandidate* c)
{
  const uint32_t frame = frame_of(w, c->time);
  emit_offs_upto(p, w, frame);
  if (p->drop_note_ons || follow_drops(p, w, c)) {
    return;
  }
  const uint8_t channel = (uint8_t)(p->params.channel - 1);
  const int pitch = resolve_pitch(p, w, c);
  const bool mono_follow = (c->kind & KIND_FOLLOW) && p->pattern.role == TANDEM_ROLE_BASS;

  /* A note already sounding on this pitch ends first; a bass attack added by
   * follow ends every bass note (the bass is one voice). */
  TandemPlayerVoice* same = NULL;
  TandemPlayerVoice* free_voice = NULL;
  uint32_t needed = 1;
  for (int i = 0; i < TANDEM_PLAYER_MAX_SOUNDING; ++i) {
    TandemPlayerVoice* v = &p->voices[i];
    if (v->active && v->channel == channel && v->pitch == pitch &&
        v->on_call == p->call && v->on_frame == frame) {
      return; /* already struck on this frame: once is enough */
    }
  }
  for (int i = 0; i < TANDEM_PLAYER_MAX_SOUNDING; ++i) {
    TandemPlayerVoice* v = &p->voices[i];
    if (!v->active) {
      free_voice = free_voice ? free_voice : v;
    } else if (v->channel == channel && (v->pitch == pitch || mono_follow)) {
      same = v->pitch == pitch ? v : same;
      needed++;
    }
  }
  if (!room(p, needed)) {
    p->drop_note_ons = true; /* from here on only note-offs fit */
    return;
  }
  for (int i = 0; i < TANDEM_PLAYER_MAX_SOUNDING; ++i) {
    TandemPlayerVoice* v = &p->voices[i];
    if (v->active && v->channel == channel && (v->pitch == pitch || mono_follow)) {
      voice_off(p, v, frame);
    }
  }
  if (same) {
    free_voice = same;
  }
  if (!free_voice) {
    return; /* 128 notes sounding: this one is skipped rather than stealing */
  }

  const double level_gain = 1.0 + p->params.dynamics_follow * (w->dynamics_gain - 1.0);
  const int velocity = (int)lround(clampd(c->velocity * level_gain, 1.0, 127.0));
  write_event(p, frame, (uint8_t)(0x90u | channel), (uint8_t)pitch, (uint8_t)velocity);
  free_voice->active = true;
  free_voice->channel = channel;
  free_voice->pitch = (uint8_t)pitch;
  free_voice->on_call = p->call;
  free_voice->on_frame = frame;
  free_voice->note = c->note;
  free_voice->velocity = c->velocity;
  free_voice->resolve = c->resolve;
  free_voice->stab_size = c->stab_size;
  free_voice->stab_index = c->stab_index;
  /* At least one frame long, so a note's off never precedes its on. */
  free_voice->off_time = c->time + (c->length > w->tpf ? c->length : w->tpf);

  const uint8_t cls = c->kind & (KIND_KICK | KIND_SNARE);
  if (cls == KIND_KICK) {
    p->last_kick_time = c->time;
    if (c->kind & KIND_FOLLOW) {
      p->last_follow_kick = c->time;
    }
  } else if (cls == KIND_SNARE) {
    p->last_snare_time = c->time;
    if (c->kind & KIND_FOLLOW) {
      p->last_follow_snare = c->time;
    }
  }
}

/* Plays one window: waiting note-ons now due, pattern notes read ahead by the
 * humanise bound, follow notes, then note-offs, all in time order. */
static void run_window(TandemPlayer* p, Window* w)
{
  p->n_cand = 0;
  uint32_t kept = 0;
  for (uint32_t i = 0; i < p->n_pending; ++i) {
    if (p->pending[i].time < w->c_end && p->n_cand < TANDEM_PLAYER_MAX_CANDIDATES) {
      p->cand[p->n_cand++] = p->pending[i];
    } else {
      p->pending[kept++] = p->pending[i];
    }
  }
  p->n_pending = kept;

  /* A scan left far behind (it cannot be, short of a bug) restarts here rather
   * than reading many bars at once. */
  if (p->scan_bar < w->bar_a - 1 || p->scan_bar > w->bar_a + 2) {
    p->scan_bar = w->bar_a;
    p->scan_tick = w->t_a;
  }
  /* Read ahead by the humanise bound and an early phase (at most half a bar, for
   * very short bars). */
  const double bound = p->params.humanize_ms * w->ticks_per_ms +
                       (p->phase_ticks < 0.0 ? -p->phase_ticks : 0.0);
  const double ahead = bound < 0.5 * w->bar_ticks ? bound : 0.5 * w->bar_ticks;
  double tgt_tick = w->t_a + (double)w->m * w->tpf + ahead;
  const double whole = floor(tgt_tick / w->bar_ticks);
  tgt_tick -= whole * w->bar_ticks;
  scan_to(p, w, w->bar_a + (int64_t)whole, tgt_tick);

  add_follow(p, w);
  sort_candidates(p);
  for (uint32_t i = 0; i < p->n_cand; ++i) {
    play_candidate(p, w, &p->cand[i]);
  }
  emit_offs_upto(p, w, UINT32_MAX);
}

/* Ends voice v at cursor time t and waits to strike it again then, for the rest
 * of its length.  With no room to wait, it sounds on as it is. */
static void push_revoice(TandemPlayer* p, TandemPlayerVoice* v, double t)
{
  if (p->n_pending >= TANDEM_PLAYER_MAX_PENDING) {
    return;
  }
  TandemPlayerCandidate* c = &p->pending[p->n_pending++];
  memset(c, 0, sizeof(*c));
  c->time = t;
  c->onset_time = t;
  c->length = v->off_time - t;
  c->velocity = v->velocity;
  c->note = v->note;
  c->resolve = 1;
  c->stab_size = v->stab_size;
  c->stab_index = v->stab_index;
  v->off_time = t;
}

/* Strikes again, at cursor time t, the pitched notes that sound on past it by more
 * than a 16th; a stab's voices go in voice order, as its lowest voices the lot. */
static void revoice_at(TandemPlayer* p, double t)
{
  const TandemRole role = (TandemRole)p->pattern.role;
  if (role == TANDEM_ROLE_DRUMS || role == TANDEM_ROLE_TRIGGER) {
    return;
  }
  const double min_left = TANDEM_PPQ / 4.0;
  for (int i = 0; i < TANDEM_PLAYER_MAX_SOUNDING; ++i) {
    TandemPlayerVoice* v = &p->voices[i];
    if (!v->active || !v->resolve || v->off_time <= t + min_left ||
        (v->stab_size > 0 && v->stab_index != 0)) {
      continue;
    }
    if (v->stab_size == 0) {
      push_revoice(p, v, t);
      continue;
    }
    const uint32_t call = v->on_call, frame = v->on_frame;
    const uint8_t size = v->stab_size;
    for (uint8_t k = 0; k < size; ++k) {
      for (int j = 0; j < TANDEM_PLAYER_MAX_SOUNDING; ++j) {
        TandemPlayerVoice* u = &p->voices[j];
        if (u->active && u->resolve && u->stab_size == size && u->stab_index == k &&
            u->on_call == call && u->on_frame == frame && u->off_time > t) {
          push_revoice(p, u, t);
          break;
        }
      }
    }
  }
}

void tandem_player_revoice(TandemPlayer* p, uint32_t revoice_frame)
{
  p->revoice_pending = true;
  p->revoice_frame = revoice_frame;
}

static void restart_at(TandemPlayer* p, int64_t bar, double tick)
{
  forget_phase(p);
  end_all_at(p, p->cursor);
  p->n_pending = 0;
  apply_next_params(p);
  take_next_pattern(p, 0, p->cursor);
  p->scan_bar = bar;
  p->scan_tick = tick;
}

uint32_t tandem_player_process(TandemPlayer* p, const TandemClockPos* pos,
                               uint32_t frame_offset, uint32_t n_frames,
                               const TandemHarmony* harmony,
                               const TandemOnsetEvent* onsets, uint32_t n_onsets,
                               float input_level_db, TandemMidiEvent* out,
                               uint32_t max_out)
{
  static const TandemHarmony c_major = {0, TANDEM_SCALE_MAJOR, 0, TANDEM_CHORD_MAJ};
  p->out = out;
  p->max_out = out ? max_out : 0;
  p->n_out = 0;
  p->drop_note_ons = false;
  p->call++;

  /* Dynamics follow: a smoothed level, so one loud block does not jump velocities. */
  const double level = (isfinite(input_level_db) && input_level_db > LEVEL_FLOOR_DB)
                           ? input_level_db
                           : LEVEL_FLOOR_DB;
  p->level_db += (level - p->level_db) *
                 (1.0 - exp(-(double)n_frames / (LEVEL_SMOOTH_S * p->sample_rate)));

  bool forward = pos && isfinite(pos->speed) && pos->speed > 0.0 && isfinite(pos->bpm) &&
                 pos->bpm > 0.0 && isfinite(pos->beats_per_bar) &&
                 pos->beats_per_bar > 0.0 && isfinite(pos->bar_beat);
  const int32_t unit =
      forward && pos->beat_unit >= 1 && pos->beat_unit <= 64 ? pos->beat_unit : 4;
  const double tpb = TANDEM_PPQ * 4.0 / unit;
  const double bar_ticks = forward ? pos->beats_per_bar * tpb : 0.0;
  const double tpf =
      forward ? pos->bpm * pos->speed * tpb / (60.0 * p->sample_rate) : 0.0;
  /* More than a bar per frame is no tempo anyone plays; it would only cost time. */
  forward = forward && bar_ticks >= 1.0 && isfinite(tpf) && tpf <= bar_ticks;
  const bool revoice = p->revoice_pending;
  p->revoice_pending = false;
  if (!forward) {
    /* Stopped, or playing backwards: silence at once; changes apply now. */
    if (p->rolling) {
      end_all_at(p, p->cursor);
      p->n_pending = 0;
      p->rolling = false;
    }
    apply_next_params(p);
    take_next_pattern(p, 0, p->cursor);
    flush_all_offs(p, frame_offset);
    return p->n_out;
  }
  if (n_frames == 0) {
    return 0;
  }

  Window w;
  w.frame_offset = frame_offset;
  w.bar_ticks = bar_ticks;
  w.tpf = tpf;
  w.ticks_per_ms = p->sample_rate / 1000.0 * w.tpf;
  w.harmony = harmony ? harmony : &c_major;
  w.onsets = onsets;
  w.n_onsets = onsets ? n_onsets : 0;
  w.dynamics_gain = (float)clampd(
      pow(10.0, (p->level_db - TANDEM_PLAYER_DYNAMICS_REF_DB) / 40.0), 0.25, 1.6);

  const int64_t bar0 = pos->bar;
  const double t0 = clampd(pos->bar_beat * tpb, 0.0, w.bar_ticks);
  if (!p->rolling) {
    p->rolling = true;
    restart_at(p, bar0, t0); /* start: from here on, nothing before it */
  } else {
    const double diff =
        (double)(bar0 - p->expect_bar) * w.bar_ticks + t0 - p->expect_tick;
    if (fabs(diff) > TANDEM_PLAYER_JUMP_MS * w.ticks_per_ms) {
      restart_at(p, bar0, t0); /* locate or loop */
    }
  }

  if (revoice) {
    const uint32_t at = p->revoice_frame < n_frames ? p->revoice_frame : 0;
    revoice_at(p, p->cursor + (double)at * w.tpf);
  }

  uint32_t f = 0;
  while (f < n_frames) {
    double t = t0 + (double)f * w.tpf;
    const double whole = floor(t / w.bar_ticks);
    t -= whole * w.bar_ticks;
    /* Windows end just after a bar line, so each holds at most one. */
    const double to_bar = ceil((w.bar_ticks - t) / w.tpf);
    uint32_t m = n_frames - f;
    if (to_bar >= 1.0 && to_bar < (double)m) {
      m = (uint32_t)to_bar;
    }
    w.f_a = f;
    w.m = m;
    w.c_a = p->cursor + (double)f * w.tpf;
    w.c_b = p->cursor + (double)(f + m) * w.tpf;
    w.c_end = w.c_b - FRAME_EPSILON * w.tpf;
    w.bar_a = bar0 + (int64_t)whole;
    w.t_a = t;
    run_window(p, &w);
    f += m;
  }

  p->cursor += (double)n_frames * w.tpf;
  double t_end = t0 + (double)n_frames * w.tpf;
  const double whole = floor(t_end / w.bar_ticks);
  p->expect_bar = bar0 + (int64_t)whole;
  p->expect_tick = t_end - whole * w.bar_ticks;
  return p->n_out;
}
