/* Tandem — Standard MIDI File writer.  See smf.h. */
#include "smf.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Meta event types (SMF 1.0). */
#define META_TEXT       0x01
#define META_TRACK_NAME 0x03
#define META_END        0x2F
#define META_TEMPO      0x51
#define META_TIME_SIG   0x58

/* A track chunk's length field is 32 bits; variable-length quantities hold 28. */
#define SMF_MAX_TRACK_BYTES 0x7FFFFFF0u
#define SMF_MAX_VLQ         0x0FFFFFFFu

TandemSmfStatus tandem_smf_init(TandemSmf* smf, uint16_t ppq, uint16_t n_tracks)
{
  if (!smf || ppq == 0 || ppq > 0x7FFF || n_tracks == 0 ||
      n_tracks > TANDEM_SMF_MAX_TRACKS) {
    return TANDEM_SMF_ERR_ARG;
  }
  memset(smf, 0, sizeof(*smf));
  smf->ppq = ppq;
  smf->n_tracks = n_tracks;
  return TANDEM_SMF_OK;
}

void tandem_smf_free(TandemSmf* smf)
{
  if (!smf) {
    return;
  }
  for (uint16_t i = 0; i < TANDEM_SMF_MAX_TRACKS; ++i) {
    free(smf->tracks[i].data);
    smf->tracks[i].data = NULL;
    smf->tracks[i].size = 0;
    smf->tracks[i].cap = 0;
    smf->tracks[i].last_tick = 0;
  }
}

static TandemSmfStatus reserve(TandemSmfTrack* t, size_t extra)
{
  if (extra > SMF_MAX_TRACK_BYTES || t->size > SMF_MAX_TRACK_BYTES - extra) {
    return TANDEM_SMF_ERR_TOO_BIG;
  }
  const size_t need = t->size + extra;
  if (need <= t->cap) {
    return TANDEM_SMF_OK;
  }
  size_t cap = t->cap ? t->cap : 256;
  while (cap < need) {
    cap *= 2;
  }
  uint8_t* data = realloc(t->data, cap);
  if (!data) {
    return TANDEM_SMF_ERR_NOMEM;
  }
  t->data = data;
  t->cap = cap;
  return TANDEM_SMF_OK;
}

/* Writes a variable-length quantity (7 bits per byte, most significant first). */
static size_t encode_vlq(uint32_t value, uint8_t out[4])
{
  uint8_t tmp[4];
  size_t n = 0;
  do {
    tmp[n++] = (uint8_t)(value & 0x7F);
    value >>= 7;
  } while (value && n < 4);
  for (size_t i = 0; i < n; ++i) {
    out[i] = (uint8_t)(tmp[n - 1 - i] | (i + 1 < n ? 0x80 : 0));
  }
  return n;
}

/* Appends one event: delta time, then the prefix bytes, then the body. */
static TandemSmfStatus append_event(TandemSmf* smf, uint16_t track, uint64_t tick,
                                    const uint8_t* prefix, size_t prefix_size,
                                    const uint8_t* body, size_t body_size)
{
  if (!smf || track >= smf->n_tracks) {
    return TANDEM_SMF_ERR_ARG;
  }
  TandemSmfTrack* t = &smf->tracks[track];
  if (tick < t->last_tick) {
    return TANDEM_SMF_ERR_ORDER;
  }
  const uint64_t delta = tick - t->last_tick;
  if (delta > SMF_MAX_VLQ) {
    return TANDEM_SMF_ERR_TOO_BIG;
  }
  uint8_t vlq[4];
  const size_t vlq_size = encode_vlq((uint32_t)delta, vlq);
  if (body_size > SMF_MAX_TRACK_BYTES) {
    return TANDEM_SMF_ERR_TOO_BIG;
  }
  const TandemSmfStatus st = reserve(t, vlq_size + prefix_size + body_size);
  if (st != TANDEM_SMF_OK) {
    return st;
  }
  memcpy(t->data + t->size, vlq, vlq_size);
  t->size += vlq_size;
  if (prefix_size) {
    memcpy(t->data + t->size, prefix, prefix_size);
    t->size += prefix_size;
  }
  if (body_size) {
    memcpy(t->data + t->size, body, body_size);
    t->size += body_size;
  }
  t->last_tick = tick;
  return TANDEM_SMF_OK;
}

static TandemSmfStatus append_meta(TandemSmf* smf, uint16_t track, uint64_t tick,
                                   uint8_t type, const uint8_t* body, size_t size)
{
  if (size > SMF_MAX_VLQ) {
    return TANDEM_SMF_ERR_TOO_BIG;
  }
  uint8_t prefix[6] = {0xFF, type};
  const size_t n = encode_vlq((uint32_t)size, prefix + 2);
  return append_event(smf, track, tick, prefix, 2 + n, body, size);
}

TandemSmfStatus tandem_smf_track_name(TandemSmf* smf, uint16_t track, uint64_t tick,
                                      const char* name)
{
  if (!name) {
    return TANDEM_SMF_ERR_ARG;
  }
  return append_meta(smf, track, tick, META_TRACK_NAME, (const uint8_t*)name,
                     strlen(name));
}

TandemSmfStatus tandem_smf_text(TandemSmf* smf, uint16_t track, uint64_t tick,
                                const char* text)
{
  if (!text) {
    return TANDEM_SMF_ERR_ARG;
  }
  return append_meta(smf, track, tick, META_TEXT, (const uint8_t*)text, strlen(text));
}

TandemSmfStatus tandem_smf_tempo(TandemSmf* smf, uint16_t track, uint64_t tick,
                                 uint32_t us_per_quarter)
{
  if (us_per_quarter == 0 || us_per_quarter > 0xFFFFFF) {
    return TANDEM_SMF_ERR_ARG;
  }
  const uint8_t body[3] = {(uint8_t)(us_per_quarter >> 16),
                           (uint8_t)(us_per_quarter >> 8), (uint8_t)us_per_quarter};
  return append_meta(smf, track, tick, META_TEMPO, body, sizeof(body));
}

TandemSmfStatus tandem_smf_time_signature(TandemSmf* smf, uint16_t track, uint64_t tick,
                                          uint8_t numerator, uint8_t denominator)
{
  if (numerator == 0 || denominator == 0 || (denominator & (denominator - 1)) != 0) {
    return TANDEM_SMF_ERR_ARG;
  }
  uint8_t log2_denominator = 0;
  while ((1u << log2_denominator) < denominator) {
    ++log2_denominator;
  }
  /* 24 MIDI clocks per metronome click and 8 32nd notes per quarter: the
   * values every sequencer assumes. */
  const uint8_t body[4] = {numerator, log2_denominator, 24, 8};
  return append_meta(smf, track, tick, META_TIME_SIG, body, sizeof(body));
}

size_t tandem_smf_channel_message_size(uint8_t status)
{
  switch (status & 0xF0) {
  case 0x80: /* note off */
  case 0x90: /* note on */
  case 0xA0: /* poly pressure */
  case 0xB0: /* control change */
  case 0xE0: /* pitch bend */
    return 3;
  case 0xC0: /* program change */
  case 0xD0: /* channel pressure */
    return 2;
  default:
    return 0;
  }
}

TandemSmfStatus tandem_smf_midi(TandemSmf* smf, uint16_t track, uint64_t tick,
                                const uint8_t* msg, size_t size)
{
  if (!msg || size == 0) {
    return TANDEM_SMF_ERR_ARG;
  }
  if (msg[0] == 0xF0) {
    /* In a file, sysex is F0 <length> <bytes after F0, including F7>. */
    if (size < 2 || msg[size - 1] != 0xF7) {
      return TANDEM_SMF_ERR_ARG;
    }
    for (size_t i = 1; i + 1 < size; ++i) {
      if (msg[i] & 0x80) {
        return TANDEM_SMF_ERR_ARG;
      }
    }
    if (size - 1 > SMF_MAX_VLQ) {
      return TANDEM_SMF_ERR_TOO_BIG;
    }
    uint8_t prefix[5] = {0xF0};
    const size_t n = encode_vlq((uint32_t)(size - 1), prefix + 1);
    return append_event(smf, track, tick, prefix, 1 + n, msg + 1, size - 1);
  }
  const size_t expected = tandem_smf_channel_message_size(msg[0]);
  if (expected == 0 || size != expected) {
    return TANDEM_SMF_ERR_ARG;
  }
  for (size_t i = 1; i < size; ++i) {
    if (msg[i] & 0x80) {
      return TANDEM_SMF_ERR_ARG;
    }
  }
  return append_event(smf, track, tick, NULL, 0, msg, size);
}

static void put_be32(uint8_t* p, uint32_t v)
{
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static void put_be16(uint8_t* p, uint16_t v)
{
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

TandemSmfStatus tandem_smf_encode(const TandemSmf* smf, uint8_t** out, size_t* out_size)
{
  static const uint8_t end_of_track[4] = {0x00, 0xFF, META_END, 0x00};
  if (!smf || !out || !out_size || smf->n_tracks == 0 ||
      smf->n_tracks > TANDEM_SMF_MAX_TRACKS) {
    return TANDEM_SMF_ERR_ARG;
  }
  size_t total = 14;
  for (uint16_t i = 0; i < smf->n_tracks; ++i) {
    const size_t body = smf->tracks[i].size + sizeof(end_of_track);
    if (body > SMF_MAX_TRACK_BYTES || total > SIZE_MAX - 8 - body) {
      return TANDEM_SMF_ERR_TOO_BIG;
    }
    total += 8 + body;
  }
  uint8_t* buf = malloc(total);
  if (!buf) {
    return TANDEM_SMF_ERR_NOMEM;
  }
  uint8_t* p = buf;
  memcpy(p, "MThd", 4);
  put_be32(p + 4, 6);
  put_be16(p + 8, smf->n_tracks > 1 ? 1 : 0);
  put_be16(p + 10, smf->n_tracks);
  put_be16(p + 12, smf->ppq);
  p += 14;
  for (uint16_t i = 0; i < smf->n_tracks; ++i) {
    const TandemSmfTrack* t = &smf->tracks[i];
    memcpy(p, "MTrk", 4);
    put_be32(p + 4, (uint32_t)(t->size + sizeof(end_of_track)));
    p += 8;
    if (t->size) {
      memcpy(p, t->data, t->size);
      p += t->size;
    }
    memcpy(p, end_of_track, sizeof(end_of_track));
    p += sizeof(end_of_track);
  }
  *out = buf;
  *out_size = total;
  return TANDEM_SMF_OK;
}

TandemSmfStatus tandem_smf_write_file(const TandemSmf* smf, const char* path)
{
  if (!path) {
    return TANDEM_SMF_ERR_ARG;
  }
  uint8_t* data = NULL;
  size_t size = 0;
  const TandemSmfStatus st = tandem_smf_encode(smf, &data, &size);
  if (st != TANDEM_SMF_OK) {
    return st;
  }
  FILE* f = fopen(path, "wb");
  if (!f) {
    const int err = errno;
    free(data);
    errno = err;
    return TANDEM_SMF_ERR_IO;
  }
  const bool written = fwrite(data, 1, size, f) == size;
  int err = errno;
  const bool closed = fclose(f) == 0;
  if (written && !closed) {
    err = errno;
  }
  free(data);
  if (!written || !closed) {
    errno = err;
    return TANDEM_SMF_ERR_IO;
  }
  return TANDEM_SMF_OK;
}

uint32_t tandem_smf_us_per_quarter(double quarter_bpm)
{
  if (!isfinite(quarter_bpm) || quarter_bpm <= 0.0) {
    return 500000; /* 120 bpm, the SMF default */
  }
  const double us = round(60000000.0 / quarter_bpm);
  if (us < 1.0) {
    return 1;
  }
  if (us > 16777215.0) {
    return 16777215;
  }
  return (uint32_t)us;
}

uint64_t tandem_smf_frames_to_ticks(int64_t frame, double sample_rate,
                                    uint32_t us_per_quarter, uint16_t ppq)
{
  if (frame <= 0 || !(sample_rate > 0.0) || us_per_quarter == 0) {
    return 0;
  }
  /* ticks = seconds * 1e6 / us_per_quarter * ppq, in long double so that a
   * frame count of hours stays exact to well under a tick. */
  const long double ticks = (long double)frame * 1000000.0L * (long double)ppq /
                            ((long double)sample_rate * (long double)us_per_quarter);
  return (uint64_t)llroundl(ticks);
}

const char* tandem_smf_strerror(TandemSmfStatus status)
{
  switch (status) {
  case TANDEM_SMF_OK:
    return "success";
  case TANDEM_SMF_ERR_ARG:
    return "invalid argument or malformed MIDI message";
  case TANDEM_SMF_ERR_ORDER:
    return "event earlier than the previous one on its track";
  case TANDEM_SMF_ERR_NOMEM:
    return "out of memory";
  case TANDEM_SMF_ERR_TOO_BIG:
    return "too large for a Standard MIDI File";
  case TANDEM_SMF_ERR_IO:
    return "could not write the file";
  }
  return "unknown error";
}
