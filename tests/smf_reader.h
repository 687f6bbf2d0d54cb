/* Tandem tests — a strict Standard MIDI File reader, to check what the writer
 * and tandem-render produce.  Independent of worker/smf.c on purpose: it
 * parses the bytes as the SMF 1.0 specification lays them out.
 *
 * Test code: allocates freely.  Threads: any, one file per thread.
 */
#ifndef TANDEM_SMF_READER_H
#define TANDEM_SMF_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint64_t tick; /* absolute */
  bool is_meta;
  uint8_t meta_type;   /* for meta events */
  uint8_t status;      /* 0xFF for meta, 0xF0/0xF7 for sysex, else the MIDI status */
  const uint8_t* data; /* meta/sysex body, or the MIDI data bytes after status */
  uint32_t size;
} SmfrEvent;

typedef struct {
  SmfrEvent* events;
  size_t n_events;
} SmfrTrack;

typedef struct {
  uint16_t format;
  uint16_t n_tracks;
  uint16_t ppq;
  SmfrTrack* tracks;
  uint8_t* bytes; /* the file; events point into it */
  size_t size;
} SmfrFile;

/* Parses a whole file.  Every track must end with End of Track as its last
 * event and chunk lengths must match exactly.  On failure returns false and
 * writes the reason into err. */
bool smfr_parse(const uint8_t* data, size_t size, SmfrFile* out, char* err,
                size_t err_cap);
bool smfr_load(const char* path, SmfrFile* out, char* err, size_t err_cap);
void smfr_free(SmfrFile* file);

/* The first meta event of a type in a track, or NULL. */
const SmfrEvent* smfr_find_meta(const SmfrTrack* track, uint8_t meta_type);

#endif
