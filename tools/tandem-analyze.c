/* tandem-analyze — runs the plugin's own analysis code over an audio file and
 * prints what it heard: onsets (with class and strength), tempo and beats, key
 * and chords per beat, the 7 bands and the levels.
 *
 * Usage: tandem-analyze [--json] [--block N] [--sensitivity S] FILE
 *
 * The file is read with libsndfile, mixed to mono and fed to
 * tandem_analysis_process() in blocks of N frames (default 64), as a host
 * would.  Beats come from the tempo tracker's beat phase; at each beat the
 * harmony tracker is told so, and the chord it reports for the beat that just
 * ended is listed at that beat's start.  Errors print one line starting
 * "tandem-analyze: " on stderr and exit with status 1.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sndfile.h>

#include "analysis.h"
#include "theory.h"

#define MAX_BLOCK       8192
#define EVENTS_PER_CALL 256

static const char* const class_names[] = {"kick", "snare", "hat", "other"};
static const char* const band_names[TANDEM_N_BANDS] = {
  "sub", "bass", "low-mid", "mid", "high-mid", "presence", "brilliance"};

typedef struct {
  double time_s;
  float strength;
  uint8_t cls;
} Onset;

typedef struct {
  double time_s;
  char name[16];
} Chord;

typedef struct {
  Onset* onsets;
  size_t n_onsets, cap_onsets;
  double* beats;
  size_t n_beats, cap_beats;
  Chord* chords;
  size_t n_chords, cap_chords;
} Results;

static void fail(const char* fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fputs("tandem-analyze: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

/* Grows *buf to hold one more element of size elem; exits on failure. */
static void* grow(void* buf, size_t* cap, size_t n, size_t elem)
{
  if (n < *cap) {
    return buf;
  }
  size_t cap2 = *cap ? *cap * 2 : 256;
  void* p = realloc(buf, cap2 * elem);
  if (!p) {
    fail("out of memory");
  }
  *cap = cap2;
  return p;
}

static void usage(FILE* out)
{
  fputs("usage: tandem-analyze [--json] [--block N] [--sensitivity S] FILE\n"
        "  --json           print JSON instead of a summary\n"
        "  --block N        frames per processing block, 1..8192 (default 64)\n"
        "  --sensitivity S  onset sensitivity 0..1 (default 0.5)\n",
        out);
}

static int compare_onsets(const void* a, const void* b)
{
  const double ta = ((const Onset*)a)->time_s, tb = ((const Onset*)b)->time_s;
  return (ta > tb) - (ta < tb);
}

/* Rounds to a microsecond so that the JSON stays readable. */
static json_t* seconds(double t)
{
  return json_real(round(t * 1e6) / 1e6);
}

static json_t* decibels(float db)
{
  return json_real(round(db * 100.0) / 100.0);
}

int main(int argc, char** argv)
{
  bool as_json = false;
  long block = 64;
  double sensitivity = 0.5;
  const char* path = NULL;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--json")) {
      as_json = true;
    } else if (!strcmp(argv[i], "--block") && i + 1 < argc) {
      char* end = NULL;
      block = strtol(argv[++i], &end, 10);
      if (!end || *end || block < 1 || block > MAX_BLOCK) {
        fail("--block wants a whole number of frames from 1 to %d", MAX_BLOCK);
      }
    } else if (!strcmp(argv[i], "--sensitivity") && i + 1 < argc) {
      char* end = NULL;
      sensitivity = strtod(argv[++i], &end);
      if (!end || *end || !(sensitivity >= 0.0 && sensitivity <= 1.0)) {
        fail("--sensitivity wants a number from 0 to 1");
      }
    } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      usage(stdout);
      return 0;
    } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
      fail("unknown option %s (try --help)", argv[i]);
    } else if (path) {
      fail("one FILE only (got %s and %s)", path, argv[i]);
    } else {
      path = argv[i];
    }
  }
  if (!path) {
    fail("no FILE given (usage: tandem-analyze [--json] [--block N] FILE)");
  }

  SF_INFO info;
  memset(&info, 0, sizeof(info));
  SNDFILE* file = sf_open(path, SFM_READ, &info);
  if (!file) {
    FILE* probe = fopen(path, "rb");
    if (!probe) {
      fail("cannot open %s: %s", path, strerror(errno));
    }
    fclose(probe);
    fail("%s is not an audio file libsndfile can read (%s)", path, sf_strerror(NULL));
  }
  if (info.frames <= 0 || info.channels <= 0) {
    sf_close(file);
    fail("%s holds no audio frames", path);
  }
  TandemAnalysis* a = tandem_analysis_new(info.samplerate, (uint32_t)block);
  if (!a) {
    sf_close(file);
    fail("cannot analyse %s: sample rate %d Hz is outside 22050..192000", path,
         info.samplerate);
  }
  tandem_analysis_set_sensitivity(a, (float)sensitivity);

  float* interleaved = malloc(sizeof(float) * (size_t)block * (size_t)info.channels);
  float* mono = malloc(sizeof(float) * (size_t)block);
  TandemOnsetEvent* events = malloc(sizeof(TandemOnsetEvent) * EVENTS_PER_CALL);
  if (!interleaved || !mono || !events) {
    fail("out of memory");
  }
  Results r;
  memset(&r, 0, sizeof(r));
  double last_beat = -1.0;
  TandemAnalysisReadout ro;
  sf_count_t total = 0;
  for (;;) {
    sf_count_t got = sf_readf_float(file, interleaved, block);
    if (got <= 0) {
      break;
    }
    for (sf_count_t i = 0; i < got; ++i) {
      double sum = 0.0;
      for (int c = 0; c < info.channels; ++c) {
        sum += interleaved[i * info.channels + c];
      }
      mono[i] = (float)(sum / info.channels);
    }
    total += got;
    uint32_t n = tandem_analysis_process(a, mono, (uint32_t)got, events, EVENTS_PER_CALL);
    for (uint32_t e = 0; e < n; ++e) {
      r.onsets = grow(r.onsets, &r.cap_onsets, r.n_onsets, sizeof(Onset));
      r.onsets[r.n_onsets++] = (Onset){events[e].time_s, events[e].strength, events[e].cls};
    }
    /* A new beat: the tracker's phase says the latest one fell more than half
     * a period after the one we listed last. */
    tandem_analysis_get(a, &ro);
    const double period = ro.tempo.period_s;
    if (ro.tempo.bpm > 0.0f && period > 0.0) {
      const double beat = tandem_analysis_odf_time_s(a) - ro.tempo.beat_phase * period;
      if (beat >= 0.0 && (last_beat < 0.0 || beat > last_beat + 0.5 * period)) {
        tandem_analysis_beat(a);
        TandemAnalysisReadout after;
        tandem_analysis_get(a, &after);
        if (last_beat >= 0.0) {
          r.chords = grow(r.chords, &r.cap_chords, r.n_chords, sizeof(Chord));
          Chord* c = &r.chords[r.n_chords++];
          c->time_s = last_beat;
          if (after.harmony.has_chord) {
            tandem_chord_name(after.harmony.chord_root, after.harmony.chord_quality,
                              c->name, sizeof(c->name));
          } else {
            snprintf(c->name, sizeof(c->name), "N");
          }
        }
        r.beats = grow(r.beats, &r.cap_beats, r.n_beats, sizeof(double));
        r.beats[r.n_beats++] = beat;
        last_beat = beat;
      }
    }
  }
  sf_close(file);
  if (total == 0) {
    fail("%s holds no audio frames", path);
  }
  qsort(r.onsets, r.n_onsets, sizeof(Onset), compare_onsets);
  tandem_analysis_get(a, &ro);
  TandemAnalysisTotals tot;
  tandem_analysis_totals(a, &tot);
  const double duration = (double)total / info.samplerate;
  char key[32] = "";
  if (ro.harmony.key_confidence > 0.0f) {
    tandem_key_name(ro.harmony.key_root, (TandemScale)ro.harmony.key_scale, key,
                    sizeof(key));
  }

  if (as_json) {
    json_t* root = json_object();
    json_object_set_new(root, "file", json_string(path));
    json_object_set_new(root, "sample_rate", json_integer(info.samplerate));
    json_object_set_new(root, "channels", json_integer(info.channels));
    json_object_set_new(root, "duration_s", seconds(duration));
    json_object_set_new(root, "block_frames", json_integer(block));
    json_t* on = json_array();
    json_t* oc = json_array();
    json_t* os = json_array();
    for (size_t i = 0; i < r.n_onsets; ++i) {
      json_array_append_new(on, seconds(r.onsets[i].time_s));
      json_array_append_new(oc, json_string(class_names[r.onsets[i].cls & 3]));
      json_array_append_new(os, json_real(round(r.onsets[i].strength * 1000.0) / 1000.0));
    }
    json_object_set_new(root, "onsets", on);
    json_object_set_new(root, "onset_classes", oc);
    json_object_set_new(root, "onset_strengths", os);
    json_object_set_new(root, "tempo_bpm", json_real(round(ro.tempo.bpm * 100.0) / 100.0));
    json_object_set_new(root, "tempo_confidence",
                        json_real(round(ro.tempo.confidence * 1000.0) / 1000.0));
    json_t* beats = json_array();
    for (size_t i = 0; i < r.n_beats; ++i) {
      json_array_append_new(beats, seconds(r.beats[i]));
    }
    json_object_set_new(root, "beats", beats);
    json_object_set_new(root, "key", json_string(key));
    json_object_set_new(root, "key_confidence",
                        json_real(round(ro.harmony.key_confidence * 1000.0) / 1000.0));
    json_t* chords = json_array();
    for (size_t i = 0; i < r.n_chords; ++i) {
      json_t* c = json_object();
      json_object_set_new(c, "time", seconds(r.chords[i].time_s));
      json_object_set_new(c, "name", json_string(r.chords[i].name));
      json_array_append_new(chords, c);
    }
    json_object_set_new(root, "chords", chords);
    json_t* bands = json_array();
    for (int b = 0; b < TANDEM_N_BANDS; ++b) {
      json_array_append_new(bands, decibels(tot.bands_db[b]));
    }
    json_object_set_new(root, "bands_db", bands);
    json_object_set_new(root, "rms_db", decibels(tot.rms_db));
    json_object_set_new(root, "peak_db", decibels(tot.peak_db));
    json_object_set_new(root, "crest_db", decibels(tot.crest_db));
    json_object_set_new(root, "centroid_hz", json_real(round(tot.centroid_hz)));
    char* text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    if (!text) {
      fail("cannot format the JSON output");
    }
    puts(text);
    free(text);
    json_decref(root);
  } else {
    unsigned by_class[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < r.n_onsets; ++i) {
      by_class[r.onsets[i].cls & 3]++;
    }
    printf("%s: %.2f s, %d Hz, %d channel(s)\n", path, duration, info.samplerate,
           info.channels);
    printf("onsets   %zu (kick %u, snare %u, hat %u, other %u)\n", r.n_onsets, by_class[0],
           by_class[1], by_class[2], by_class[3]);
    printf("tempo    %.1f bpm (confidence %.2f), %zu beats\n", ro.tempo.bpm,
           ro.tempo.confidence, r.n_beats);
    printf("key      %s (confidence %.2f), %zu chords\n", key[0] ? key : "unknown",
           ro.harmony.key_confidence, r.n_chords);
    printf("levels   rms %.1f dBFS, peak %.1f dBFS, crest %.1f dB\n", tot.rms_db,
           tot.peak_db, tot.crest_db);
    printf("bands   ");
    for (int b = 0; b < TANDEM_N_BANDS; ++b) {
      printf(" %s %.1f", band_names[b], tot.bands_db[b]);
    }
    printf(" dBFS\n");
  }
  tandem_analysis_free(a);
  free(interleaved);
  free(mono);
  free(events);
  free(r.onsets);
  free(r.beats);
  free(r.chords);
  return 0;
}
