/* Tandem — style profiles: the numbers that say how a style is played.
 *
 * Profiles are Turtle files in the urn:tandem:style# vocabulary
 * (ttl/styles/vocab.ttl); the bundle ships them as <bundle>/styles/<name>.ttl.
 * They are read with serd/sord into a fixed-size TandemStyle, so the generator
 * and the prompt builder never touch RDF.
 *
 * Threads: loading allocates and does file I/O: worker thread (or tools) only.
 * The shipped-name table and tandem_style_similarity touch no shared state:
 * any thread.
 */
#ifndef TANDEM_STYLE_H
#define TANDEM_STYLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "messages.h" /* TANDEM_STYLE_SHIPPED_COUNT */
#include "pattern.h"

#define TANDEM_STYLE_URI       "urn:tandem:style#"
#define TANDEM_STYLE_MAX_STEPS 64 /* 16ths in the longest bar (16 quarter beats) */
#define TANDEM_STYLE_NAME_MAX  32
#define TANDEM_STYLE_LABEL_MAX 64
#define TANDEM_STYLE_DESC_MAX  512
#define TANDEM_STYLE_MAX_SCALES 4
#define TANDEM_STYLE_MAX_FILLS  4 /* sty:drumFills entries kept */

/* The drum voices a profile places. */
typedef enum {
  TANDEM_DRUM_KICK = 0,
  TANDEM_DRUM_SNARE = 1,
  TANDEM_DRUM_HAT = 2,
  TANDEM_DRUM_VOICES
} TandemDrumVoice;

/* What a fill may strike: bit i of TandemStyle.fill_hits is the letter at index
 * i of TANDEM_FILL_LETTERS in sty:drumFills (see vocab.ttl): kick, snare (the
 * profile's snare note), ghost snare, rim 37, clap 39, closed hat 42, hi-hat
 * foot 44, open hat 46, ride 51, ride bell 53, crash 49, toms 50 48 47 45 43. */
#define TANDEM_FILL_LETTERS "ksgrchpoybx12345"
#define TANDEM_FILL_VOICES  16

/* One style profile.  Plain data; copy by value. */
typedef struct {
  char name[TANDEM_STYLE_NAME_MAX];        /* machine name, e.g. "funk" */
  char label[TANDEM_STYLE_LABEL_MAX];      /* for people, e.g. "Funk" */
  char description[TANDEM_STYLE_DESC_MAX]; /* for people and model prompts */
  float tempo_min_bpm;
  float tempo_max_bpm;
  uint8_t beats_per_bar;              /* meter numerator */
  uint8_t beat_unit;                  /* 4 or 8 */
  uint8_t n_steps;                    /* 16ths per bar: beats_per_bar * 16 / beat_unit */
  uint8_t swing_grid;                 /* 8 or 16: the note value that swings */
  float swing_pct;                    /* 50..75, see tandem_swing_tick() */
  float ghost_prob;                   /* share of a role's notes that are ghost notes */
  float syncopation;                  /* 0..1 */
  float velocity_mean;                /* of non-ghost notes at energy 0.5 */
  float velocity_spread;              /* standard deviation of non-ghost velocities */
  float density[TANDEM_ROLE_TRIGGER]; /* notes per bar per role (chords: stabs) */
  float drum_steps[TANDEM_DRUM_VOICES][TANDEM_STYLE_MAX_STEPS]; /* weights 0..1 */
  uint8_t drum_notes[TANDEM_DRUM_VOICES];                       /* GM drum notes */
  /* Drum idioms, all optional (0 when absent). */
  uint16_t steady_hits[TANDEM_STYLE_MAX_STEPS];    /* TANDEM_FILL_LETTERS bits struck
                                                      in every bar (sty:steadyHits) */
  uint16_t variation_hits[TANDEM_STYLE_MAX_STEPS]; /* strokes a variation may add
                                                      (sty:variationHits) */
  float drum_layer_steps[TANDEM_STYLE_MAX_STEPS];  /* a layer energy adds from 0.7 */
  uint8_t drum_layer_note;                         /* its GM note (default 54) */
  uint8_t drum_ride_note;  /* the time keeper's note in a part's second half (8+
                              bars), 0: the hat note throughout */
  uint8_t drum_crash_note; /* on the 1 after a fill (default 49), 0: none */
  float hat_rolls;         /* share of bars with a hat roll at complexity 0.5 */
  float kick_feather;      /* 0..1: how far below the other voices the kick sits */
  /* Fills (sty:drumFills): fill_len[f] 16ths ending on the bar line, each step a
   * TANDEM_FILL_LETTERS bit set and a roll count (1 hit, 2 or 3 in the step). */
  uint8_t n_fills;
  uint8_t fill_len[TANDEM_STYLE_MAX_FILLS];
  uint16_t fill_hits[TANDEM_STYLE_MAX_FILLS][TANDEM_STYLE_MAX_STEPS];
  uint8_t fill_roll[TANDEM_STYLE_MAX_FILLS][TANDEM_STYLE_MAX_STEPS];
  float bass_steps[TANDEM_STYLE_MAX_STEPS];
  float bass_kick_lock; /* 0..1 */
  float bass_root;      /* relative weights of the bass's note choices */
  float bass_fifth;
  float bass_octave;
  float bass_approach;
  float bass_sustain; /* share of the gap to the next note that is held */
  char bass_idiom[TANDEM_STYLE_NAME_MAX]; /* "" or "kick": on the kick's rhythm;
                                             "walk", "pedal" or "octave" */
  float bass_register;                    /* octaves from the bass's base: -1 sub */
  float chord_steps[TANDEM_STYLE_MAX_STEPS];
  uint8_t chord_tones; /* 3 or 4 */
  float chord_sustain;
  char chord_voicing[TANDEM_STYLE_NAME_MAX]; /* "" or "close", "shell", "ninth",
                                                "rootless" */
  float melody_steps[TANDEM_STYLE_MAX_STEPS];
  uint8_t scales[TANDEM_STYLE_MAX_SCALES]; /* TandemScale, most typical first */
  uint8_t n_scales;                        /* 1..TANDEM_STYLE_MAX_SCALES */
} TandemStyle;

/* Every shipped profile, indexed like the `style` control port (0 unused: "auto"). */
typedef struct {
  TandemStyle styles[TANDEM_STYLE_SHIPPED_COUNT + 1];
  bool loaded[TANDEM_STYLE_SHIPPED_COUNT + 1];
} TandemStyleSet;

/* Shipped style names in their fixed order: index 1..TANDEM_STYLE_SHIPPED_COUNT,
 * 0 gives "auto", anything else NULL.  The order is a contract with the `style`
 * port's scale points, presets and saved sessions: append, never reorder.
 * Threads: any. */
const char* tandem_style_shipped_name(int index);
/* Human label of a shipped style ("Hip-hop boom-bap"); "Auto" for 0; NULL outside.
 * Threads: any. */
const char* tandem_style_shipped_label(int index);
/* Index of a shipped style name (0 for "auto"), or -1.  Threads: any. */
int tandem_style_shipped_index(const char* name);

/* Reads one profile file.  On success fills *out and returns true.  On any
 * problem (unreadable file, bad Turtle, no or several sty:Style, a missing
 * required field, a wrong type, a value out of range) writes ONE message naming
 * the file, the field and the problem into err (if err_size > 0), returns false
 * and leaves *out untouched.  Threads: worker (allocates, reads a file). */
bool tandem_style_load_file(const char* path, TandemStyle* out, char* err,
                            size_t err_size);

/* Loads <dir>/<name>.ttl for every shipped name into set (indices 1..12),
 * marking each that loaded.  Returns how many loaded; err receives the first
 * failure's message ("" when all loaded).  Threads: worker. */
int tandem_style_load_shipped(const char* dir, TandemStyleSet* set, char* err,
                              size_t err_size);

/* How alike two profiles are, 0 (nothing in common) .. 1 (identical numbers),
 * from tempo, feel, densities and the drum/bass/chord step weights.  Symmetric.
 * Threads: any. */
float tandem_style_similarity(const TandemStyle* a, const TandemStyle* b);

#endif
