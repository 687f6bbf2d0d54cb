/* Tandem tests — strict SMF reader.  See smf_reader.h. */
#include "smf_reader.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool fail(char* err, size_t cap, const char* fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, cap, fmt, ap);
  va_end(ap);
  return false;
}

static uint32_t be32(const uint8_t* p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool read_vlq(const uint8_t* p, size_t end, size_t* pos, uint32_t* out)
{
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    if (*pos >= end) {
      return false;
    }
    const uint8_t b = p[(*pos)++];
    v = (v << 7) | (b & 0x7F);
    if (!(b & 0x80)) {
      *out = v;
      return true;
    }
  }
  return false; /* more than 4 bytes */
}

static bool push(SmfrTrack* t, size_t* cap, const SmfrEvent* ev)
{
  if (t->n_events == *cap) {
    *cap = *cap ? *cap * 2 : 64;
    SmfrEvent* grown = realloc(t->events, *cap * sizeof(SmfrEvent));
    if (!grown) {
      return false;
    }
    t->events = grown;
  }
  t->events[t->n_events++] = *ev;
  return true;
}

static size_t data_bytes(uint8_t status)
{
  switch (status & 0xF0) {
  case 0xC0:
  case 0xD0:
    return 1;
  default:
    return 2;
  }
}

static bool parse_track(const uint8_t* p, size_t begin, size_t end, SmfrTrack* t,
                        char* err, size_t cap_err)
{
  size_t cap = 0;
  size_t pos = begin;
  uint64_t tick = 0;
  uint8_t running = 0;
  bool ended = false;
  while (pos < end) {
    if (ended) {
      return fail(err, cap_err, "events after End of Track at byte %zu", pos);
    }
    uint32_t delta;
    if (!read_vlq(p, end, &pos, &delta)) {
      return fail(err, cap_err, "bad delta time at byte %zu", pos);
    }
    tick += delta;
    if (pos >= end) {
      return fail(err, cap_err, "event cut short at byte %zu", pos);
    }
    SmfrEvent ev = {0};
    ev.tick = tick;
    uint8_t b = p[pos];
    if (b == 0xFF) {
      if (pos + 2 > end) {
        return fail(err, cap_err, "meta event cut short");
      }
      ev.is_meta = true;
      ev.status = 0xFF;
      ev.meta_type = p[pos + 1];
      pos += 2;
      uint32_t len;
      if (!read_vlq(p, end, &pos, &len) || pos + len > end) {
        return fail(err, cap_err, "meta event length runs past the track");
      }
      ev.data = p + pos;
      ev.size = len;
      pos += len;
      running = 0;
      if (ev.meta_type == 0x2F) {
        if (len != 0) {
          return fail(err, cap_err, "End of Track with a body");
        }
        ended = true;
      }
    } else if (b == 0xF0 || b == 0xF7) {
      ev.status = b;
      ++pos;
      uint32_t len;
      if (!read_vlq(p, end, &pos, &len) || pos + len > end) {
        return fail(err, cap_err, "sysex length runs past the track");
      }
      ev.data = p + pos;
      ev.size = len;
      pos += len;
      running = 0;
    } else {
      if (b & 0x80) {
        if (b >= 0xF0) {
          return fail(err, cap_err, "system message 0x%02X in a track", b);
        }
        running = b;
        ++pos;
      } else if (!running) {
        return fail(err, cap_err, "data byte without a status at byte %zu", pos);
      }
      ev.status = running;
      const size_t n = data_bytes(running);
      if (pos + n > end) {
        return fail(err, cap_err, "MIDI message cut short");
      }
      for (size_t i = 0; i < n; ++i) {
        if (p[pos + i] & 0x80) {
          return fail(err, cap_err, "data byte with the high bit set at byte %zu",
                      pos + i);
        }
      }
      ev.data = p + pos;
      ev.size = (uint32_t)n;
      pos += n;
    }
    if (!push(t, &cap, &ev)) {
      return fail(err, cap_err, "out of memory");
    }
  }
  if (!ended) {
    return fail(err, cap_err, "track does not end with End of Track");
  }
  return true;
}

bool smfr_parse(const uint8_t* data, size_t size, SmfrFile* out, char* err,
                size_t err_cap)
{
  memset(out, 0, sizeof(*out));
  if (size < 14 || memcmp(data, "MThd", 4) || be32(data + 4) != 6) {
    return fail(err, err_cap, "no MThd header of length 6");
  }
  out->bytes = malloc(size);
  if (!out->bytes) {
    return fail(err, err_cap, "out of memory");
  }
  memcpy(out->bytes, data, size);
  out->size = size;
  const uint8_t* p = out->bytes;
  out->format = (uint16_t)(p[8] << 8 | p[9]);
  out->n_tracks = (uint16_t)(p[10] << 8 | p[11]);
  out->ppq = (uint16_t)(p[12] << 8 | p[13]);
  if (out->ppq & 0x8000) {
    smfr_free(out);
    return fail(err, err_cap, "SMPTE division is not expected");
  }
  out->tracks = calloc(out->n_tracks ? out->n_tracks : 1, sizeof(SmfrTrack));
  if (!out->tracks) {
    smfr_free(out);
    return fail(err, err_cap, "out of memory");
  }
  size_t pos = 14;
  for (uint16_t i = 0; i < out->n_tracks; ++i) {
    if (pos + 8 > size || memcmp(p + pos, "MTrk", 4)) {
      smfr_free(out);
      return fail(err, err_cap, "track %u: no MTrk chunk", i);
    }
    const uint32_t len = be32(p + pos + 4);
    if (pos + 8 + len > size) {
      smfr_free(out);
      return fail(err, err_cap, "track %u: length runs past the file", i);
    }
    if (!parse_track(p, pos + 8, pos + 8 + len, &out->tracks[i], err, err_cap)) {
      smfr_free(out);
      return false;
    }
    pos += 8 + len;
  }
  if (pos != size) {
    smfr_free(out);
    return fail(err, err_cap, "%zu stray bytes after the last track", size - pos);
  }
  return true;
}

bool smfr_load(const char* path, SmfrFile* out, char* err, size_t err_cap)
{
  FILE* f = fopen(path, "rb");
  if (!f) {
    return fail(err, err_cap, "cannot open %s", path);
  }
  uint8_t* buf = NULL;
  size_t size = 0;
  size_t cap = 0;
  for (;;) {
    if (size == cap) {
      cap = cap ? cap * 2 : 4096;
      uint8_t* grown = realloc(buf, cap);
      if (!grown) {
        free(buf);
        fclose(f);
        return fail(err, err_cap, "out of memory");
      }
      buf = grown;
    }
    const size_t got = fread(buf + size, 1, cap - size, f);
    if (got == 0) {
      break;
    }
    size += got;
  }
  fclose(f);
  const bool ok = smfr_parse(buf, size, out, err, err_cap);
  free(buf);
  return ok;
}

void smfr_free(SmfrFile* file)
{
  if (file->tracks) {
    for (uint16_t i = 0; i < file->n_tracks; ++i) {
      free(file->tracks[i].events);
    }
  }
  free(file->tracks);
  free(file->bytes);
  memset(file, 0, sizeof(*file));
}

const SmfrEvent* smfr_find_meta(const SmfrTrack* track, uint8_t meta_type)
{
  for (size_t i = 0; i < track->n_events; ++i) {
    if (track->events[i].is_meta && track->events[i].meta_type == meta_type) {
      return &track->events[i];
    }
  }
  return NULL;
}
