/* Tandem — Standard MIDI File (SMF) writer.
 *
 * Builds a type 1 file (or type 0 with one track) in memory, track by track,
 * then writes it out in one go.  Events are added with absolute tick times in
 * non-decreasing order per track; the writer turns them into delta times and
 * closes every track with an End of Track meta event.
 *
 * Used by tandem-render to save what the plugin played, and meant for the
 * worker's MIDI export of patterns and variations.
 *
 * Threads: every function — any non-realtime thread (they allocate and do I/O);
 * one TandemSmf must not be used by two threads at once.
 */
#ifndef TANDEM_SMF_H
#define TANDEM_SMF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TANDEM_SMF_MAX_TRACKS  16
#define TANDEM_SMF_DEFAULT_PPQ 960

typedef enum {
  TANDEM_SMF_OK = 0,
  TANDEM_SMF_ERR_ARG,     /* bad track index, bad value or malformed MIDI message */
  TANDEM_SMF_ERR_ORDER,   /* tick earlier than the track's previous event */
  TANDEM_SMF_ERR_NOMEM,   /* allocation failed */
  TANDEM_SMF_ERR_TOO_BIG, /* a track or the file would exceed the format's limits */
  TANDEM_SMF_ERR_IO,      /* the file could not be written; see errno */
} TandemSmfStatus;

typedef struct {
  uint8_t* data; /* encoded events, without the MTrk header or End of Track */
  size_t size;
  size_t cap;
  uint64_t last_tick;
} TandemSmfTrack;

typedef struct {
  uint16_t ppq; /* ticks per quarter note */
  uint16_t n_tracks;
  TandemSmfTrack tracks[TANDEM_SMF_MAX_TRACKS];
} TandemSmf;

/* Starts an empty file with n_tracks tracks (1..TANDEM_SMF_MAX_TRACKS) and ppq
 * ticks per quarter note (1..32767). */
TandemSmfStatus tandem_smf_init(TandemSmf* smf, uint16_t ppq, uint16_t n_tracks);

/* Frees the track buffers; the struct may be initialised again afterwards. */
void tandem_smf_free(TandemSmf* smf);

/* Meta events.  Text is written without its terminating NUL. */
TandemSmfStatus tandem_smf_track_name(TandemSmf* smf, uint16_t track, uint64_t tick,
                                      const char* name);
TandemSmfStatus tandem_smf_text(TandemSmf* smf, uint16_t track, uint64_t tick,
                                const char* text);
/* Set Tempo: us_per_quarter in 1..0xFFFFFF. */
TandemSmfStatus tandem_smf_tempo(TandemSmf* smf, uint16_t track, uint64_t tick,
                                 uint32_t us_per_quarter);
/* Time Signature: numerator 1..255, denominator a power of two 1..128. */
TandemSmfStatus tandem_smf_time_signature(TandemSmf* smf, uint16_t track, uint64_t tick,
                                          uint8_t numerator, uint8_t denominator);

/* A MIDI message as it travels on the wire: a channel voice/mode message with
 * the length its status byte asks for, or a complete F0 ... F7 system exclusive
 * message.  Running status, system common and realtime messages are refused
 * with TANDEM_SMF_ERR_ARG because they have no meaning in a file (0xFF would
 * even read back as a meta event). */
TandemSmfStatus tandem_smf_midi(TandemSmf* smf, uint16_t track, uint64_t tick,
                                const uint8_t* msg, size_t size);

/* Length of a channel message for its status byte (2 or 3), or 0 if the byte is
 * not a channel status. */
size_t tandem_smf_channel_message_size(uint8_t status);

/* Encodes the whole file (header, then every track closed with End of Track).
 * On success *out is a malloc'ed buffer the caller frees. */
TandemSmfStatus tandem_smf_encode(const TandemSmf* smf, uint8_t** out, size_t* out_size);

/* Encodes and writes the file to path, replacing it. */
TandemSmfStatus tandem_smf_write_file(const TandemSmf* smf, const char* path);

/* Microseconds per quarter note for a tempo in quarter notes per minute,
 * rounded and clamped to what the Set Tempo event can hold. */
uint32_t tandem_smf_us_per_quarter(double quarter_bpm);

/* Converts an absolute frame position to ticks with the tempo as stored in the
 * file (us_per_quarter), so that a reader gets the frame's time back to within
 * half a tick.  Negative frames give 0. */
uint64_t tandem_smf_frames_to_ticks(int64_t frame, double sample_rate,
                                    uint32_t us_per_quarter, uint16_t ppq);

/* A one-line English description of a status, for error messages. */
const char* tandem_smf_strerror(TandemSmfStatus status);

#endif
