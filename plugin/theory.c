/* Tandem — music theory tables and pitch resolution.  See theory.h. */
#include "theory.h"

#include <string.h>

typedef struct {
  const char* name;
  uint8_t size;
  uint8_t steps[8];
} ScaleDef;

static const ScaleDef scales[TANDEM_SCALE_COUNT] = {
    {"major", 7, {0, 2, 4, 5, 7, 9, 11}},
    {"minor", 7, {0, 2, 3, 5, 7, 8, 10}},
    {"dorian", 7, {0, 2, 3, 5, 7, 9, 10}},
    {"mixolydian", 7, {0, 2, 4, 5, 7, 9, 10}},
    {"phrygian", 7, {0, 1, 3, 5, 7, 8, 10}},
    {"harmonic minor", 7, {0, 2, 3, 5, 7, 8, 11}},
    {"major pentatonic", 5, {0, 2, 4, 7, 9}},
    {"minor pentatonic", 5, {0, 3, 5, 7, 10}},
    {"blues", 6, {0, 3, 5, 6, 7, 10}},
};

typedef struct {
  const char* suffix;
  uint8_t size;
  uint8_t steps[4];
} ChordDef;

static const ChordDef chords[TANDEM_CHORD_COUNT] = {
    {"", 3, {0, 4, 7}},         {"m", 3, {0, 3, 7}},        {"7", 4, {0, 4, 7, 10}},
    {"maj7", 4, {0, 4, 7, 11}}, {"m7", 4, {0, 3, 7, 10}},   {"sus2", 3, {0, 2, 7}},
    {"sus4", 3, {0, 5, 7}},     {"dim", 3, {0, 3, 6}},      {"aug", 3, {0, 4, 8}},
};

static const char* const pitch_names[12] = {"C",  "C#", "D",  "D#", "E",  "F",
                                            "F#", "G",  "G#", "A",  "A#", "B"};

static int mod(int a, int m)
{
  const int r = a % m;
  return r < 0 ? r + m : r;
}

/* Floor division, so that negative degrees walk down octaves. */
static int floor_div(int a, int b)
{
  return (a - mod(a, b)) / b;
}

static const ScaleDef* scale_def(int scale)
{
  return &scales[(scale >= 0 && scale < TANDEM_SCALE_COUNT) ? scale : 0];
}

static const ChordDef* chord_def(int quality)
{
  return &chords[(quality >= 0 && quality < TANDEM_CHORD_COUNT) ? quality : 0];
}

int tandem_scale_size(TandemScale scale)
{
  return scale_def((int)scale)->size;
}

const uint8_t* tandem_scale_steps(TandemScale scale)
{
  return scale_def((int)scale)->steps;
}

const char* tandem_scale_name(TandemScale scale)
{
  return scale_def((int)scale)->name;
}

int tandem_chord_size(TandemChordQuality quality)
{
  return chord_def((int)quality)->size;
}

const uint8_t* tandem_chord_steps(TandemChordQuality quality)
{
  return chord_def((int)quality)->steps;
}

const char* tandem_chord_suffix(TandemChordQuality quality)
{
  return chord_def((int)quality)->suffix;
}

const char* tandem_pitch_class_name(int pitch_class)
{
  return pitch_names[mod(pitch_class, 12)];
}

/* Appends src to buf at *at, never overflowing; no stdio, so any thread may call it. */
static void append(char* buf, size_t size, size_t* at, const char* src)
{
  for (; *src && *at + 1 < size; ++src) {
    buf[(*at)++] = *src;
  }
  buf[*at] = '\0';
}

char* tandem_key_name(int root, TandemScale scale, char* buf, size_t size)
{
  if (!buf || size == 0) {
    return buf;
  }
  size_t at = 0;
  buf[0] = '\0';
  append(buf, size, &at, tandem_pitch_class_name(root));
  append(buf, size, &at, " ");
  append(buf, size, &at, tandem_scale_name(scale));
  return buf;
}

char* tandem_chord_name(int root, TandemChordQuality quality, char* buf, size_t size)
{
  if (!buf || size == 0) {
    return buf;
  }
  size_t at = 0;
  buf[0] = '\0';
  append(buf, size, &at, tandem_pitch_class_name(root));
  append(buf, size, &at, tandem_chord_suffix(quality));
  return buf;
}

int tandem_scale_degree_semitones(const TandemHarmony* h, int degree)
{
  const ScaleDef* s = scale_def(h->scale);
  return h->key_root % 12 + 12 * floor_div(degree, s->size) + s->steps[mod(degree, s->size)];
}

int tandem_chord_tone_semitones(const TandemHarmony* h, int index)
{
  const ChordDef* c = chord_def(h->chord_quality);
  return h->chord_root % 12 + 12 * floor_div(index, c->size) + c->steps[mod(index, c->size)];
}

int tandem_resolve_pitch(const TandemHarmony* h, const TandemNote* note, int base_pitch)
{
  int pitch;
  switch (note->kind) {
  case TANDEM_PITCH_SCALE:
    pitch = base_pitch + 12 * note->octave + tandem_scale_degree_semitones(h, note->degree) +
            note->chromatic;
    break;
  case TANDEM_PITCH_CHORD:
    pitch = base_pitch + 12 * note->octave + tandem_chord_tone_semitones(h, note->degree) +
            note->chromatic;
    break;
  case TANDEM_PITCH_SCALE_IN_CHORD: {
    pitch = base_pitch + 12 * note->octave + tandem_scale_degree_semitones(h, note->degree) +
            note->chromatic;
    /* The nearest chord tone, below first (a suspension resolves down); chord
     * tones are at most 5 semitones apart, so one is within 3. */
    static const int8_t moves[] = {0, -1, 1, -2, 2, -3, 3};
    for (size_t k = 0; k < sizeof(moves); ++k) {
      if (tandem_pitch_in_chord(h, pitch + moves[k])) {
        pitch += moves[k];
        break;
      }
    }
    break;
  }
  default:
    pitch = note->pitch;
    break;
  }
  return pitch < 0 ? 0 : pitch > 127 ? 127 : pitch;
}

bool tandem_pitch_in_scale(const TandemHarmony* h, int pitch)
{
  const ScaleDef* s = scale_def(h->scale);
  const int pc = mod(pitch - h->key_root, 12);
  for (int i = 0; i < s->size; ++i) {
    if (s->steps[i] == pc) {
      return true;
    }
  }
  return false;
}

bool tandem_pitch_in_chord(const TandemHarmony* h, int pitch)
{
  const ChordDef* c = chord_def(h->chord_quality);
  const int pc = mod(pitch - h->chord_root, 12);
  for (int i = 0; i < c->size; ++i) {
    if (c->steps[i] == pc) {
      return true;
    }
  }
  return false;
}
