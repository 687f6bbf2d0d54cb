/* Tandem — MIDI export.  See export.h. */
#include "export.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "player.h"
#include "smf.h"

typedef struct {
  uint64_t tick;
  uint8_t msg[3];
} ExportEvent;

/* Note-offs sort before note-ons at the same tick, so a repeated note restarts. */
static int compare_events(const void* a, const void* b)
{
  const ExportEvent* x = a;
  const ExportEvent* y = b;
  if (x->tick != y->tick) {
    return x->tick < y->tick ? -1 : 1;
  }
  const int x_on = (x->msg[0] & 0xF0) == 0x90;
  const int y_on = (y->msg[0] & 0xF0) == 0x90;
  return x_on - y_on;
}

static int note_pitch(const TandemPattern* p, const TandemNote* n,
                      const TandemExportSettings* s)
{
  if (n->kind == TANDEM_PITCH_ABSOLUTE) {
    return n->pitch;
  }
  const int base = tandem_player_base_pitch((TandemRole)p->role) + 12 * s->octave;
  return tandem_resolve_pitch(&s->harmony, n, base);
}

bool tandem_export_encode(const TandemPattern* p, const TandemExportSettings* s,
                          uint8_t** out, size_t* out_size, char* err, size_t err_size)
{
  if (!p || !s || !out || !out_size || !tandem_pattern_valid(p)) {
    snprintf(err, err_size, "export: there is no valid pattern to write");
    return false;
  }
  ExportEvent* events = calloc((size_t)p->n_notes * 2 + 1, sizeof(ExportEvent));
  if (!events) {
    snprintf(err, err_size, "export: out of memory");
    return false;
  }
  const uint8_t channel =
      (uint8_t)((s->channel >= 1 && s->channel <= 16 ? s->channel : 1) - 1);
  const uint32_t end = tandem_pattern_length_ticks(p);
  size_t n_events = 0;
  for (uint32_t i = 0; i < p->n_notes; ++i) {
    const TandemNote* n = &p->notes[i];
    const int pitch = note_pitch(p, n, s);
    if (pitch < 0 || pitch > 127) {
      continue;
    }
    const uint32_t on = tandem_swing_tick(n->tick, s->swing_pct, s->swing_grid_ticks);
    uint32_t off =
        tandem_swing_tick(n->tick + n->length, s->swing_pct, s->swing_grid_ticks);
    off = off > end ? end : off <= on ? on + 1 : off;
    events[n_events++] =
        (ExportEvent){on, {(uint8_t)(0x90 | channel), (uint8_t)pitch, n->velocity}};
    events[n_events++] =
        (ExportEvent){off, {(uint8_t)(0x80 | channel), (uint8_t)pitch, 0}};
  }
  qsort(events, n_events, sizeof(ExportEvent), compare_events);

  TandemSmf smf;
  TandemSmfStatus st = tandem_smf_init(&smf, TANDEM_PPQ, 2);
  const double bpm = s->bpm > 0.0f ? s->bpm : 120.0;
  /* The meter's beat may be an eighth; the file's tempo is in quarters. */
  const double quarter_bpm = p->beat_unit == 8 ? bpm / 2.0 : bpm;
  if (st == TANDEM_SMF_OK) {
    st = tandem_smf_track_name(&smf, 0, 0, "Tandem tempo");
  }
  if (st == TANDEM_SMF_OK) {
    st = tandem_smf_tempo(&smf, 0, 0, tandem_smf_us_per_quarter(quarter_bpm));
  }
  if (st == TANDEM_SMF_OK) {
    st = tandem_smf_time_signature(&smf, 0, 0, p->beats_per_bar, p->beat_unit);
  }
  static const char* const role_names[] = {"Tandem drums", "Tandem bass", "Tandem chords",
                                           "Tandem melody", "Tandem trigger"};
  if (st == TANDEM_SMF_OK) {
    st = tandem_smf_track_name(&smf, 1, 0, role_names[p->role % TANDEM_ROLE_COUNT]);
  }
  for (size_t i = 0; i < n_events && st == TANDEM_SMF_OK; ++i) {
    st = tandem_smf_midi(&smf, 1, events[i].tick, events[i].msg, 3);
  }
  free(events);
  if (st == TANDEM_SMF_OK) {
    st = tandem_smf_encode(&smf, out, out_size);
  }
  tandem_smf_free(&smf);
  if (st != TANDEM_SMF_OK) {
    snprintf(err, err_size, "export: cannot encode the MIDI file: %s",
             tandem_smf_strerror(st));
    return false;
  }
  return true;
}

bool tandem_export_file_name(const char* stem, int i, char* out, size_t size)
{
  const int n = i == 0 ? snprintf(out, size, "%s.mid", stem)
                       : snprintf(out, size, "%s-var%d.mid", stem, i);
  return n > 0 && (size_t)n < size;
}

static bool exists(const char* path)
{
  struct stat st;
  return stat(path, &st) == 0 || errno != ENOENT;
}

bool tandem_export_choose_stem(const char* path, int n_files, char* stem,
                               size_t stem_size, char* err, size_t err_size)
{
  if (!path || !path[0]) {
    snprintf(err, err_size,
             "export: no export path is set; set urn:tandem:plugin#exportPath first");
    return false;
  }
  char base[1024];
  size_t len = strlen(path);
  if (len >= 4 && !strcasecmp(path + len - 4, ".mid")) {
    len -= 4;
  }
  if (len == 0 || len >= sizeof(base) - 32) {
    snprintf(err, err_size, "export: the export path is too long or only \".mid\"");
    return false;
  }
  memcpy(base, path, len);
  base[len] = '\0';
  char candidate[1024 + 16];
  char file[1024 + 32];
  for (int k = 1; k < 1000; ++k) {
    if (k == 1) {
      snprintf(candidate, sizeof(candidate), "%s", base);
    } else {
      snprintf(candidate, sizeof(candidate), "%s-%d", base, k);
    }
    bool free_stem = true;
    for (int i = 0; i < n_files && free_stem; ++i) {
      free_stem =
          tandem_export_file_name(candidate, i, file, sizeof(file)) && !exists(file);
    }
    if (free_stem) {
      if (strlen(candidate) + 1 > stem_size) {
        break;
      }
      snprintf(stem, stem_size, "%s", candidate);
      return true;
    }
  }
  snprintf(err, err_size, "export: no free file name for %s.mid (tried up to -999)",
           base);
  return false;
}

/* Creates path (never replacing an existing file) and writes data to it. */
static bool write_new_file(const char* path, const uint8_t* data, size_t size, char* err,
                           size_t err_size)
{
  FILE* f = fopen(path, "wbx");
  if (!f) {
    snprintf(err, err_size, "export: cannot create %s: %s", path, strerror(errno));
    return false;
  }
  const bool ok = fwrite(data, 1, size, f) == size;
  const int saved = errno;
  if (fclose(f) != 0 || !ok) {
    snprintf(err, err_size, "export: cannot write %s: %s", path,
             strerror(ok ? errno : saved));
    remove(path);
    return false;
  }
  return true;
}

int tandem_export_write(const char* path, const TandemPattern* patterns, int n,
                        const TandemExportSettings* s, char* first_file,
                        size_t first_file_size, char* err, size_t err_size)
{
  if (!patterns || n < 1 || n > TANDEM_EXPORT_MAX_FILES) {
    snprintf(err, err_size, "export: nothing to write");
    return 0;
  }
  char stem[1024 + 16];
  if (!tandem_export_choose_stem(path, n, stem, sizeof(stem), err, err_size)) {
    return 0;
  }
  int written = 0;
  for (int i = 0; i < n; ++i) {
    char file[1024 + 32];
    uint8_t* data = NULL;
    size_t size = 0;
    if (!tandem_export_file_name(stem, i, file, sizeof(file)) ||
        !tandem_export_encode(&patterns[i], s, &data, &size, err, err_size)) {
      break;
    }
    const bool ok = write_new_file(file, data, size, err, err_size);
    free(data);
    if (!ok) {
      break;
    }
    if (i == 0 && first_file) {
      snprintf(first_file, first_file_size, "%s", file);
    }
    ++written;
  }
  return written;
}
