/* Tandem — the transport-locked pattern player (runs inside run()).
 *
 * The player turns the current TandemPattern into MIDI events, segment by segment.
 * The plugin splits each block at every time:Position event and calls
 * tandem_player_process() once per segment with the clock position at the segment
 * start (clock.h), so a tempo, meter or position change inside a block lands on the
 * exact frame.  Events come back with frames relative to the block start.
 *
 * Timing.  Pattern ticks (TANDEM_PPQ per quarter note) map onto the clock's bars:
 * each pattern bar starts on a bar line, and pattern bar k plays in clock bar
 * (anchor + k) modulo the pattern length, where anchor is the bar at which the
 * pattern took over; a pattern shorter than the song loops.  If the host's bar is
 * shorter than the pattern's, the notes past the host's bar line are skipped; if
 * longer, the rest of the bar is silent.  Before humanising, an event is within one
 * frame of its ideal time (it is emitted at floor(ideal frame)).
 *
 * Continuity.  The player keeps the position it expects next.  A segment starting
 * within TANDEM_PLAYER_JUMP_MS of it continues seamlessly (no note doubled or lost);
 * anything else is a jump (locate, loop): every sounding note ends at the segment's
 * first frame and play resumes from the new position.  Start (speed goes above 0)
 * plays only notes at or after the start position, so starting mid-bar gives no
 * burst.  Stop, speed 0 and reverse (speed < 0) end every note at once and stay
 * silent, as does a position moving more than a bar per frame.  Speed 0.5 plays at
 * half speed.
 *
 * Changes.  A queued pattern and new parameters take over at the next bar line
 * (at once while stopped).  A pattern of another role ends all sounding notes at
 * that bar line; otherwise notes already sounding run to their own end, so nothing
 * hangs.  Disabling ends every note at once; enabling starts at the next bar line.
 * While hold is in effect, queued patterns are dropped and the current one plays on.
 *
 * Feel.  Swing (tandem_swing_tick: the params' override if set, else the pattern's
 * swing_pct and swing_grid_ticks, else straight; grid 16ths if none), timing humanise
 * (triangular, bounded by humanize_ms), velocity humanise and dynamics follow are
 * applied here, seeded by tandem_player_set_seed.  Timing humanise looks ahead by
 * humanize_ms (at most half a bar) so that notes may come early as well as late.
 * Dynamics follow multiplies velocities by 10^((level - TANDEM_PLAYER_DYNAMICS_REF_DB)
 * / 40) (input 6 dB louder: about 1.4 times), clamped to 0.25..1.6, with the level
 * smoothed over 0.3 s and the factor mixed in by dynamics_follow (0 off, 1 full).
 *
 * Follow (0..1; drums: kick and snare onsets; bass: kick onsets).  Onsets are known
 * only once detected, a few ms after they happen, so the player does not try to
 * predict them; each detected onset, with probability `follow`:
 *   - adds a note at the detection frame (drums: GM kick 36 or snare 38; bass: the
 *     chord root), unless the part already played that kind of note within
 *     TANDEM_FOLLOW_COVERED_MS before the true onset (the pattern was there already);
 *   - and the pattern's own notes of that kind landing within TANDEM_FOLLOW_SUPPRESS_MS
 *     after an added note are dropped, so the pattern's note "moves" to the onset
 *     instead of flamming with it;
 *   - drums only: while the input has played kicks (snares) within the last
 *     TANDEM_FOLLOW_ACTIVE_S, each of the pattern's own kicks (snares) is also dropped
 *     with probability `follow`, so at follow = 1 they come from the input alone and
 *     come back from the pattern when the input stops playing them.
 * At follow = 1 every input kick is matched within its detection delay.
 * Phase: the player also measures where the input's kicks and snares near a beat
 * fall against the host's beat grid (a running mean and spread over about eight of
 * them, true onset times).  At follow >= TANDEM_FOLLOW_PHASE_MIN, when that offset
 * is steady (spread <= TANDEM_PHASE_MAX_SPREAD_MS, at least TANDEM_PHASE_MIN_ONSETS
 * onsets, offset beyond TANDEM_PHASE_MIN_MS), every note of the part moves by it
 * from the next bar line (read ahead as far as it needs), so a recording whose
 * downbeat sits off the host's grid is met by the whole part, hats included,
 * instead of kicks and snares on the heard hits and the rest on the grid.  Offsets
 * up to an eighth of a beat either way are followed.  A jump forgets it.
 * Chords and melody ignore follow and the phase.  The trigger role (queue a TANDEM_ROLE_TRIGGER pattern; its
 * notes are ignored) plays one GM drum note per onset (kick 36, snare 38, hat 42,
 * other 37).
 *
 * Pitches.  Drum notes are GM pitches as written.  Bass, chord and melody notes
 * are resolved against the TandemHarmony passed to the call that plays the note-on,
 * at base pitch tandem_player_base_pitch(role) plus 12 * octave; the note-off always
 * uses the pitch that was sent.  Chord-tone notes of the chord role that start on
 * the same tick form a stab, voiced as a whole by voicing.h (around MIDI 60 plus
 * 12 * octave) when its note-on plays.
 *
 * Output.  Events are in frame order with note-offs before note-ons at equal frames;
 * two note-ons of one pitch on one frame (e.g. a pattern note and a follow note)
 * sound once.
 * A note-off is never lost: if max_out is too small, the note-ons that do not fit
 * are dropped (with their note-offs) and note-offs that do not fit are sent at the
 * first frame of the next call.
 *
 * Threads: tandem_player_params_default and tandem_player_base_pitch — any; all
 * other functions — audio thread (no allocation, locks, I/O or syscalls; the
 * TandemPlayer is preallocated by the caller, e.g. inside the plugin instance).
 */
#ifndef TANDEM_PLAYER_H
#define TANDEM_PLAYER_H

#include <stdbool.h>
#include <stdint.h>

#include "analysis_types.h"
#include "clock.h"
#include "pattern.h"
#include "theory.h"
#include "voicing.h"

#define TANDEM_PLAYER_MAX_SOUNDING 128 /* notes sounding at once */
#define TANDEM_PLAYER_MAX_PENDING  256 /* humanised note-ons waiting for their frame */
#define TANDEM_PLAYER_MAX_CANDIDATES                                                     \
  (2 * TANDEM_MAX_NOTES + TANDEM_PLAYER_MAX_PENDING + 64)
#define TANDEM_PLAYER_JUMP_MS         2.0 /* larger position mismatches are jumps */
#define TANDEM_PLAYER_MAX_HUMANIZE_MS 50.0f
#define TANDEM_FOLLOW_COVERED_MS      30.0 /* a note this close before an onset covers it */
#define TANDEM_FOLLOW_SUPPRESS_MS                                                        \
  60.0 /* pattern notes this close after a follow note go */
#define TANDEM_FOLLOW_ACTIVE_S                                                           \
  4.0 /* input kicks this recent make drum follow replace                                \
       */
#define TANDEM_PLAYER_DYNAMICS_REF_DB -18.0f /* input level at which velocities stay */
#define TANDEM_FOLLOW_PHASE_MIN       0.5f  /* follow from which the part takes the phase */
#define TANDEM_PHASE_MIN_ONSETS       8
#define TANDEM_PHASE_MAX_SPREAD_MS    12.0
#define TANDEM_PHASE_MIN_MS           4.0

/* One MIDI event, frame relative to the block start. */
typedef struct {
  uint32_t frame;
  uint8_t size; /* 3 */
  uint8_t data[3];
} TandemMidiEvent;

typedef struct {
  bool enabled;              /* false: silent (takes effect at once) */
  bool hold;                 /* keep the current pattern, drop new ones */
  uint8_t channel;           /* MIDI channel 1..16 */
  int8_t octave;             /* octave shift for pitched roles, -4..4 */
  float swing_pct;           /* 50..75 overrides the pattern's swing; 0: the pattern's */
  uint32_t swing_grid_ticks; /* TANDEM_PPQ/2, /4 or /8 overrides; 0: the pattern's */
  float humanize_ms;         /* 0..TANDEM_PLAYER_MAX_HUMANIZE_MS, timing spread bound */
  float velocity_humanize;   /* 0..1: velocity spread bound of +-24 * this */
  float follow;              /* 0..1 */
  float dynamics_follow;     /* 0..1: how far velocities track the input level */
} TandemPlayerParams;

/* A note-on waiting to be played (pattern note, humanised note or follow note). */
typedef struct {
  double time;        /* player cursor, ticks */
  double length;      /* ticks */
  double onset_time;  /* follow notes: cursor of the true onset (before detection) */
  float velocity;     /* before dynamics, 1..127 */
  TandemNote note;    /* resolved at note-on time when `resolve` is set */
  uint8_t pitch;      /* when not resolved */
  uint8_t resolve;    /* 1: resolve `note` against the harmony at note-on */
  uint8_t kind;       /* internal: pattern / follow, kick / snare / other */
  uint8_t stab_size;  /* chord stab: notes in it (0: not a stab), voiced at note-on */
  uint8_t stab_index; /* chord stab: this note's voice, 0 = lowest */
} TandemPlayerCandidate;

typedef struct {
  double off_time;   /* player cursor, ticks */
  uint32_t on_call;  /* process call and block frame of the note-on, so that a */
  uint32_t on_frame; /* second note-on of the pitch on the same frame is merged */
  uint8_t channel;   /* 0..15 */
  uint8_t pitch;
  bool active;
  /* What it was resolved from, to strike it again on a chord change. */
  TandemNote note;
  float velocity;
  uint8_t resolve;
  uint8_t stab_size;
  uint8_t stab_index;
} TandemPlayerVoice;

typedef struct {
  double sample_rate;

  /* Patterns and parameters: active now, and waiting for the next bar line. */
  TandemPattern pattern;
  TandemPattern next_pattern;
  bool has_pattern;
  bool has_next_pattern;
  int64_t anchor_bar; /* the bar at which the current pattern's bar 0 played */
  TandemPlayerParams params;
  TandemPlayerParams next_params;
  bool has_next_params;

  /* Where play is.  The cursor is a monotonic count of ticks played, the time base
   * of note-offs and waiting note-ons; it never jumps. */
  bool rolling;
  double cursor;
  int64_t expect_bar; /* the position expected at the next segment */
  double expect_tick; /* ticks into expect_bar */
  int64_t scan_bar;   /* pattern read up to here (ahead by the humanise bound) */
  double scan_tick;

  /* Sounding notes and waiting note-ons. */
  TandemPlayerVoice voices[TANDEM_PLAYER_MAX_SOUNDING];
  TandemPlayerCandidate pending[TANDEM_PLAYER_MAX_PENDING];
  uint32_t n_pending;
  TandemPlayerCandidate cand[TANDEM_PLAYER_MAX_CANDIDATES]; /* scratch, per window */
  uint32_t n_cand;

  /* Follow and feel. */
  double last_kick_time; /* cursor of the last kick (or bass attack) played */
  double last_snare_time;
  double last_follow_kick; /* cursor of the last kick added by follow */
  double last_follow_snare;
  double last_input_kick; /* cursor of the last kick onset heard */
  double last_input_snare;
  double phase_mean, phase_sq; /* running mean of the heard offset and of its square, ticks */
  uint32_t phase_onsets;       /* onsets in it (saturates) */
  double phase_ticks;          /* the offset every note is played at, from a bar line */
  double level_db; /* smoothed input level */
  uint64_t rng;
  TandemVoiceLeader voicing;
  int stab_pitch[TANDEM_VOICING_MAX_VOICES]; /* the stab being played */

  /* Output of the current call. */
  TandemMidiEvent* out;
  uint32_t max_out;
  uint32_t n_out;
  bool drop_note_ons; /* out is full: only note-offs from here on */
  bool revoice_pending; /* tandem_player_revoice: at revoice_frame of the next call */
  uint32_t revoice_frame;
  uint32_t call;      /* counts process calls */
} TandemPlayer;

/* Defaults: enabled, no hold, channel 1 (10 is left to the lead for drums), octave
 * 0, the pattern's swing, no humanise, follow 0, dynamics follow 0. */
void tandem_player_params_default(TandemPlayerParams* params);

/* MIDI pitch of octave 0's C for a role (0 for drums and trigger: GM pitches). */
int tandem_player_base_pitch(TandemRole role);

/* Prepares a player: no pattern, stopped, default parameters, seed 1. */
void tandem_player_init(TandemPlayer* p, double sample_rate);

/* Seeds the humanise and follow randomness (same seed, same performance). */
void tandem_player_set_seed(TandemPlayer* p, uint32_t seed);

/* Queues a pattern for the next bar line (at once while stopped); a pattern queued
 * earlier and not yet playing is replaced.  Returns false, changing nothing, if the
 * pattern is invalid or hold is in effect. */
bool tandem_player_queue_pattern(TandemPlayer* p, const TandemPattern* pattern);

/* Sets parameters (clamped to their ranges) for the next bar line (at once while
 * stopped).  enabled = false takes effect at once. */
void tandem_player_set_params(TandemPlayer* p, const TandemPlayerParams* params);

/* Plays one segment: n_frames frames starting at frame_offset in the block, with
 * pos the clock position at its first frame.  harmony may be NULL (C major).
 * onsets are the whole block's (frames relative to the block start); those within
 * this segment are used.  input_level_db is the block's input level (RMS dBFS).
 * Writes at most max_out events to out and returns how many. */
uint32_t tandem_player_process(TandemPlayer* p, const TandemClockPos* pos,
                               uint32_t frame_offset, uint32_t n_frames,
                               const TandemHarmony* harmony,
                               const TandemOnsetEvent* onsets, uint32_t n_onsets,
                               float input_level_db, TandemMidiEvent* out,
                               uint32_t max_out);

/* The harmony changes revoice_frame frames into the segment of the next
 * tandem_player_process call: pitched notes that would still sound for more than
 * a 16th note then end there and are struck again, resolved against that call's
 * harmony (a stab voiced anew), for the rest of their length, so that a held
 * chord or bass note follows the change instead of clashing with it.  Audio
 * thread. */
void tandem_player_revoice(TandemPlayer* p, uint32_t revoice_frame);

/* Ends every sounding note now: writes the note-offs at `frame` (at most max_out,
 * the rest are sent at the start of the next process call), forgets waiting
 * note-ons, and returns how many were written.  For disable, deactivate, role
 * change.  Play resumes, if rolling, from wherever the next segment starts. */
uint32_t tandem_player_all_notes_off(TandemPlayer* p, uint32_t frame,
                                     TandemMidiEvent* out, uint32_t max_out);

/* Number of notes sounding now (for tests and status). */
uint32_t tandem_player_sounding(const TandemPlayer* p);

#endif
