/* Tandem — the value types that the analysis hands to the rest of the plugin.
 *
 * Shared by analysis (onsets, tempo, harmony), the player (follow, clock) and the
 * worker (bar snapshots).  Plain data only.
 * Threads: types only.
 */
#ifndef TANDEM_ANALYSIS_TYPES_H
#define TANDEM_ANALYSIS_TYPES_H

#include <stdbool.h>
#include <stdint.h>

/* The 7 bands: sub <60 Hz, bass 60-250, low-mid 250-500, mid 500-2k,
 * high-mid 2k-4k, presence 4k-6k, brilliance >6k. */
#define TANDEM_N_BANDS 7

typedef enum {
  TANDEM_ONSET_KICK = 0,
  TANDEM_ONSET_SNARE = 1,
  TANDEM_ONSET_HAT = 2,
  TANDEM_ONSET_OTHER = 3, /* pitched or unclear */
} TandemOnsetClass;

/* Bits of an onset's drum mask: every drum it holds (bit n = TandemOnsetClass n). */
enum {
  TANDEM_HEARD_KICK = 1u << TANDEM_ONSET_KICK,
  TANDEM_HEARD_SNARE = 1u << TANDEM_ONSET_SNARE,
  TANDEM_HEARD_HAT = 1u << TANDEM_ONSET_HAT,
};
/* The mask of a single coarse class (none for TANDEM_ONSET_OTHER). */
#define TANDEM_HEARD_OF_CLASS(cls) \
  ((uint8_t)((unsigned)(cls) < TANDEM_ONSET_OTHER ? 1u << (unsigned)(cls) : 0u))

/* One detected onset, as reported by tandem_analysis_process() for a block. */
typedef struct {
  uint32_t frame;    /* frame within the block in which it was detected (reported) */
  int32_t delay;     /* frames between the true onset and `frame` (>= 0); the onset
                        happened at block start + frame - delay */
  double time_s;     /* true onset time, seconds since the analysis started */
  float strength;    /* 0..1 */
  uint8_t cls;       /* TandemOnsetClass: the one coarse class */
  uint8_t drums;     /* TANDEM_HEARD_* bits: every drum it holds */
} TandemOnsetEvent;

/* What the tempo tracker believes now. */
typedef struct {
  float bpm;         /* 0 when unknown */
  float confidence;  /* 0..1 */
  double beat_phase; /* 0..1: position within the current beat at the latest sample */
  double period_s;   /* seconds per beat, 0 when unknown */
} TandemTempoEstimate;

/* What the harmony tracker believes now. Roots are pitch classes (0 = C);
 * key_scale and chord_quality use TandemScale / TandemChordQuality (theory.h). */
typedef struct {
  uint8_t key_root;      /* the key heard now, else the last one heard (key_heard) */
  uint8_t key_scale;     /* TANDEM_SCALE_MAJOR or TANDEM_SCALE_MINOR */
  float key_confidence;  /* 0..1; 0 while the input is not tonal (drums, noise) */
  bool key_heard;        /* a key was heard since the reset: key_root/scale hold it */
  float tonality;        /* 0..1: how much of the recent audible input is pitched */
  bool has_chord;        /* false in silence or noise */
  uint8_t chord_root;
  uint8_t chord_quality;
  float chord_confidence;
  float chroma[12];      /* normalised, sums to 1 or all 0 */
} TandemHarmonyEstimate;

#endif
