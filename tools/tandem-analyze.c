/* tandem-analyze — runs the plugin's own analysis code over an audio file and
 * prints what it heard: onsets (with class and strength), tempo and beats, key
 * and chords per beat, the 7 bands and the levels.
 *
 * Usage: tandem-analyze [--json] [--block N] [--sensitivity S] [--transport BPM[@S]] FILE
 *
 * The file is read with libsndfile, mixed to mono and fed to
 * tandem_analysis_process() in blocks of N frames (default 64), as a host
 * would.  Beats come from the tempo tracker's beat phase; at each beat the
 * harmony tracker is told so, and the chord it reports for the beat that just
 * ended is listed at that beat's start.  Bars (genre, sections, notes) are cut
 * on those beats, or with --transport on a host's steady beat grid, as the
 * plugin has it when the host plays.  The JSON's live_sections and live_fills
 * are the plugin's view as bars arrive: the section its tracker names after
 * each bar and the bars it would end with a drum fill.  Errors print one line starting
 * "tandem-analyze: " on stderr and exit with status 1.
 */
#include <errno.h>
#include <unistd.h>
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
#include "tempo.h" /* TANDEM_TEMPO_LEVEL_FEATURES */
#include "drums.h"
#include "theory.h"
#include "barfeatures.h"
#include "tool_audio.h"
#include "genre.h"
#include "sections.h"
#include "style.h"

#define MAX_BLOCK       8192
#define EVENTS_PER_CALL 256
#define CLIP_LEVEL      0.999 /* |sample| at which a run counts as clipped */
#define CLIP_RUN        3     /* consecutive samples; one full-scale peak is fine */

static const char* const class_names[] = {"kick", "snare", "hat", "other"};
static const char* const band_names[TANDEM_N_BANDS] = {
    "sub", "bass", "low-mid", "mid", "high-mid", "presence", "brilliance"};

typedef struct {
  double time_s;
  float strength;
  uint8_t cls;
  uint8_t drums; /* TANDEM_HEARD_* bits */
} Onset;

typedef struct {
  double time_s;
  char name[16];
} Chord;

/* Sample statistics the analysis does not keep: for the DC and clipping notes. */
typedef struct {
  double sum;
  unsigned clip_run;
} SignalStats;

typedef struct {
  Onset* onsets;
  size_t n_onsets, cap_onsets;
  double* beats;
  size_t n_beats, cap_beats;
  Chord* chords;
  size_t n_chords, cap_chords;
  double* clips; /* where runs of full-scale samples began */
  size_t n_clips, cap_clips;
  TandemBarFeatures* bars;
  size_t n_bars, cap_bars;
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

/* Keeps one closed bar. */
static void add_bar(Results* r, const TandemBarFeatures* bar)
{
  r->bars = grow(r->bars, &r->cap_bars, r->n_bars, sizeof(TandemBarFeatures));
  r->bars[r->n_bars++] = *bar;
}

/* Remembers a clipped run starting at t. */
static void add_clip(Results* r, double t)
{
  r->clips = grow(r->clips, &r->cap_clips, r->n_clips, sizeof(double));
  r->clips[r->n_clips++] = t;
}

/* ---- song: genre, sections, track notes ---- */

#define MAX_NOTES 32

typedef struct {
  double start_s, end_s;
  int penalty; /* points off the quality score */
  char text[192];
} TrackNote;

typedef struct {
  TrackNote notes[MAX_NOTES];
  int n;
} TrackNotes;

static void add_note(TrackNotes* tn, double start_s, double end_s, int penalty,
                     const char* fmt, ...)
{
  if (tn->n >= MAX_NOTES) {
    return;
  }
  TrackNote* n = &tn->notes[tn->n++];
  n->start_s = start_s;
  n->end_s = end_s;
  n->penalty = penalty;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(n->text, sizeof(n->text), fmt, ap);
  va_end(ap);
}

/* Where the shipped style profiles are: --styles, $TANDEM_STYLES_DIR, or the
 * bundle beside this program in the build folder (tools/../tandem.lv2/styles). */
static bool find_styles_dir(const char* given, char* out, size_t size)
{
  if (given) {
    snprintf(out, size, "%s", given);
    return true;
  }
  const char* env = getenv("TANDEM_STYLES_DIR");
  if (env && *env) {
    snprintf(out, size, "%s", env);
    return true;
  }
  char exe[1024];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n <= 0) {
    return false;
  }
  exe[n] = '\0';
  char* slash = strrchr(exe, '/');
  if (!slash) {
    return false;
  }
  *slash = '\0';
  snprintf(out, size, "%s/../tandem.lv2/styles", exe);
  return true;
}

/* Rough low-versus-high balance (mean of sub and bass minus mean of presence
 * and brilliance, dB) that mixes in each shipped style tend to have; the note
 * fires only far (BALANCE_TOLERANCE_DB) from it, so the rough figure is enough. */
static const float typical_tilt_db[TANDEM_STYLE_SHIPPED_COUNT + 1] = {
    14.0f, /* unknown */
    12.0f, /* rock */
    12.0f, /* funk */
    18.0f, /* boombap */
    22.0f, /* trap */
    18.0f, /* house */
    18.0f, /* techno */
    16.0f, /* dnb */
    8.0f,  /* jazz */
    8.0f,  /* bossa */
    14.0f, /* reggae */
    10.0f, /* ballad */
    16.0f, /* hardcore */
};
#define BALANCE_TOLERANCE_DB 18.0f

static void note_levels(TrackNotes* tn, const Results* r, const TandemAnalysisTotals* tot,
                        double duration, double dc, int genre)
{
  /* Clipped runs less than a second apart make one note. */
  for (size_t i = 0; i < r->n_clips;) {
    size_t j = i;
    while (j + 1 < r->n_clips && r->clips[j + 1] - r->clips[j] < 1.0) {
      ++j;
    }
    add_note(tn, r->clips[i], r->clips[j] + 0.01, 10,
             "clipping: %zu run(s) of full-scale samples; lower the level before "
             "this point",
             j - i + 1);
    i = j + 1;
  }
  if (fabs(dc) > 0.005) {
    add_note(tn, 0.0, duration, 10,
             "DC offset of %.1f dBFS (%.4f); a high-pass filter at ~20 Hz removes it",
             20.0 * log10(fabs(dc)), dc);
  }
  if (tot->rms_db < -35.0f) {
    add_note(tn, 0.0, duration, 15,
             "too quiet: RMS %.1f dBFS, peak %.1f dBFS; about %.0f dB of gain would "
             "bring the peak to -1 dBFS",
             tot->rms_db, tot->peak_db, -1.0f - tot->peak_db);
  }
  const float low = 0.5f * (tot->bands_db[0] + tot->bands_db[1]);
  const float high = 0.5f * (tot->bands_db[5] + tot->bands_db[6]);
  const float tilt = low - high;
  const float typical =
      typical_tilt_db[genre >= 0 && genre <= TANDEM_STYLE_SHIPPED_COUNT ? genre : 0];
  if (tot->rms_db > -90.0f && fabsf(tilt - typical) > BALANCE_TOLERANCE_DB) {
    add_note(tn, 0.0, duration, 10,
             "band balance: the lows are %.0f dB %s the highs, %s for %s (about %.0f dB "
             "typical)",
             fabsf(tilt), tilt >= 0 ? "above" : "below",
             tilt > typical ? "much darker/bassier than usual"
                            : "much thinner/brighter than usual",
             genre > 0 ? tandem_style_shipped_label(genre) : "a mix", typical);
  }
}

static int compare_doubles(const void* a, const void* b)
{
  const double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

/* Timing drift: beats that stray from the straight line fitted through all the
 * beats (a steady tempo) by more than DRIFT_MS for DRIFT_BEATS beats or more. */
#define DRIFT_MS    30.0
#define DRIFT_BEATS 4
static void note_drift(TrackNotes* tn, const Results* r)
{
  const size_t n = r->n_beats;
  if (n < 8) {
    return;
  }
  /* Beats are numbered by the median period, so that beats the tracker missed
   * (a lost lock) leave gaps in the numbering rather than shifting it. */
  double* gaps = malloc(sizeof(double) * (n - 1));
  long* index = malloc(sizeof(long) * n);
  if (!gaps || !index) {
    fail("out of memory");
  }
  for (size_t i = 0; i + 1 < n; ++i) {
    gaps[i] = r->beats[i + 1] - r->beats[i];
  }
  qsort(gaps, n - 1, sizeof(double), compare_doubles);
  const double median = gaps[(n - 1) / 2];
  free(gaps);
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (size_t i = 0; i < n; ++i) {
    index[i] = lround((r->beats[i] - r->beats[0]) / median);
    const double x = (double)index[i];
    sx += x;
    sy += r->beats[i];
    sxx += x * x;
    sxy += x * r->beats[i];
  }
  const double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  const double icept = (sy - slope * sx) / n;
  int notes = 0;
  for (size_t i = 0; i < n && notes < 4;) {
    const double res = r->beats[i] - (icept + slope * index[i]);
    if (fabs(res) * 1e3 <= DRIFT_MS) {
      ++i;
      continue;
    }
    size_t j = i;
    double worst = res;
    while (j + 1 < n) {
      const double rj = r->beats[j + 1] - (icept + slope * index[j + 1]);
      if (fabs(rj) * 1e3 <= DRIFT_MS || (rj > 0) != (res > 0)) {
        break;
      }
      worst = fabs(rj) > fabs(worst) ? rj : worst;
      ++j;
    }
    if (j - i + 1 >= DRIFT_BEATS) {
      add_note(tn, r->beats[i], r->beats[j], 5,
               "timing drift: the beat runs up to %.0f ms %s a steady %.1f bpm",
               fabs(worst) * 1e3, worst < 0 ? "ahead of" : "behind", 60.0 / slope);
      ++notes;
    }
    i = j + 1;
  }
  free(index);
}

/* Flams: bars whose onsets sit off the beat grid (RMS over 20 ms) or come in
 * close pairs (10..40 ms apart) often. */
static void note_flams(TrackNotes* tn, const Results* r)
{
  int notes = 0;
  for (size_t i = 0; i < r->n_bars && notes < 4;) {
    const TandemBarFeatures* b = &r->bars[i];
    const bool bad = b->n_beats > 0 && b->onsets >= 4.0f &&
                     (b->timing_dev_ms > 20.0f || b->flam_share > 0.2f);
    if (!bad) {
      ++i;
      continue;
    }
    size_t j = i;
    double dev = b->timing_dev_ms, flam = b->flam_share;
    while (j + 1 < r->n_bars && r->bars[j + 1].n_beats > 0 &&
           (r->bars[j + 1].timing_dev_ms > 20.0f || r->bars[j + 1].flam_share > 0.2f)) {
      ++j;
      dev = fmax(dev, r->bars[j].timing_dev_ms);
      flam = fmax(flam, r->bars[j].flam_share);
    }
    add_note(tn, b->start_s, r->bars[j].start_s + r->bars[j].duration_s, 5,
             "flams against the beat grid: onsets up to %.0f ms (RMS) off the grid, "
             "%.0f%% in close pairs",
             dev, flam * 100.0);
    ++notes;
    i = j + 1;
  }
}

static int quality_score(const TrackNotes* tn)
{
  int score = 100;
  for (int i = 0; i < tn->n; ++i) {
    score -= tn->notes[i].penalty;
  }
  return score < 0 ? 0 : score;
}

static void usage(FILE* out)
{
  fputs("usage: tandem-analyze [--json] [--block N] [--sensitivity S] FILE\n"
        "  --json           print JSON instead of a summary\n"
        "  --block N        frames per processing block, 1..8192 (default 64)\n"
        "  --sensitivity S  onset sensitivity 0..1 (default 0.5)\n"
        "  --transport BPM[@S]  cut bars on a host transport's beats (BPM from S\n"
        "                   seconds on) instead of the beat tracker's, as the\n"
        "                   plugin does in a host that plays\n"
        "  --styles DIR     the style profiles genre detection compares with\n"
        "                   (default $TANDEM_STYLES_DIR, else the build's bundle)\n"
        "  --drum-features F  write each onset's drum-model features to F (TSV:\n"
        "                   time, class, kick/snare/hat probability, features), as\n"
        "                   tools/fit-drums.py reads them; needs --block <= 64\n"
        "  --tempo-features F  write the tempo tracker's metrical-level features at\n"
        "                   each update to F (TSV: time, candidate bpm, features), as\n"
        "                   tools/fit-tempo-level.py reads them\n",
        out);
}

/* Strokes closer than this are one stroke in the file's list (a flam, or a kick a
 * few ms after a hat), as onset benchmarks count them.  The plugin itself reports
 * each one, so that the trigger role and follow can answer a kick that comes just
 * after a hat. */
#define FLAM_MERGE_S 0.030

/* Merges each onset into an earlier one less than FLAM_MERGE_S before it: the
 * first time stays, the strength is the larger, and a kick in the group makes the
 * group a kick. */
static void merge_flams(Results* r)
{
  size_t kept = 0;
  for (size_t i = 0; i < r->n_onsets; ++i) {
    Onset* o = &r->onsets[i];
    if (kept > 0 && o->time_s - r->onsets[kept - 1].time_s < FLAM_MERGE_S) {
      Onset* first = &r->onsets[kept - 1];
      first->strength = o->strength > first->strength ? o->strength : first->strength;
      if (o->cls == TANDEM_ONSET_KICK) {
        first->cls = TANDEM_ONSET_KICK;
      }
      first->drums |= o->drums;
      continue;
    }
    r->onsets[kept++] = *o;
  }
  r->n_onsets = kept;
}

/* One line of --drum-features: time, the coarse class, the three probabilities, the
 * features. */
static void write_drum_features(FILE* f, double time_s, int cls, const float* prob,
                                const float* feat)
{
  fprintf(f, "%.6f\t%d\t%.4f\t%.4f\t%.4f", time_s, cls, prob[0], prob[1], prob[2]);
  for (int i = 0; i < TANDEM_DRUM_FEATURES; ++i) {
    fprintf(f, "\t%.5g", feat[i]);
  }
  fputc('\n', f);
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
  const char* features_path = NULL; /* --drum-features */
  const char* level_path = NULL;    /* --tempo-features */
  double host_bpm = 0.0;            /* --transport: beats from a host, not the tracker */
  double host_beat = 0.0;           /* the next host beat, seconds */
  long block = 64;
  double sensitivity = 0.5;
  const char* path = NULL;
  const char* styles_arg = NULL;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--json")) {
      as_json = true;
    } else if (!strcmp(argv[i], "--styles") && i + 1 < argc) {
      styles_arg = argv[++i];
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
    } else if (!strcmp(argv[i], "--transport") && i + 1 < argc) {
      char* end = NULL;
      host_bpm = strtod(argv[++i], &end);
      if (end && *end == '@') {
        host_beat = strtod(end + 1, &end);
      }
      if (!end || *end || !(host_bpm >= 20.0 && host_bpm <= 400.0) ||
          !(host_beat >= 0.0)) {
        fail("--transport wants BPM or BPM@SECONDS (tempo 20-400, start >= 0), not '%s'",
             argv[i]);
      }
    } else if (!strcmp(argv[i], "--drum-features") && i + 1 < argc) {
      features_path = argv[++i];
    } else if (!strcmp(argv[i], "--tempo-features") && i + 1 < argc) {
      level_path = argv[++i];
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
  FILE* features = NULL;
  if (features_path) {
    if (block > 64) {
      fail("--drum-features needs --block 64 or less (one onset per block)");
    }
    if (!(features = fopen(features_path, "w"))) {
      fail("cannot write %s: %s", features_path, strerror(errno));
    }
  }
  FILE* level_file = NULL;
  uint32_t level_serial = 0;
  if (level_path && !(level_file = fopen(level_path, "w"))) {
    fail("cannot write %s: %s", level_path, strerror(errno));
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
  /* Fixed-size and a few KiB: heap, like the plugin's instance would hold it. */
  TandemBarAccum* acc_heap = malloc(sizeof(TandemBarAccum));
  if (!acc_heap) {
    fail("out of memory");
  }
  TandemBarAccum* const accp = acc_heap;
  tandem_bar_accum_init(accp);
  SignalStats signal = {0.0, 0};
  sf_count_t total = 0;
  for (;;) {
    sf_count_t got = sf_readf_float(file, interleaved, block);
    if (got <= 0) {
      break;
    }
    tool_downmix(interleaved, got, info.channels, mono);
    total += got;
    uint32_t n = tandem_analysis_process(a, mono, (uint32_t)got, events, EVENTS_PER_CALL);
    if (features &&
        n > 0) { /* one onset per call at most: blocks are shorter than a hop */
      write_drum_features(features, events[n - 1].time_s, events[n - 1].cls,
                          tandem_analysis_drum_probabilities(a),
                          tandem_analysis_drum_features(a));
    }
    if (level_file) {
      float feat[TANDEM_TEMPO_LEVEL_FEATURES], bpm = 0.0f;
      const uint32_t serial = tandem_analysis_tempo_level_features(a, feat, &bpm);
      if (serial != level_serial) {
        level_serial = serial;
        fprintf(level_file, "%.4f\t%.3f", (double)total / info.samplerate, bpm);
        for (int i = 0; i < TANDEM_TEMPO_LEVEL_FEATURES; ++i) {
          fprintf(level_file, "\t%.5g", feat[i]);
        }
        fputc('\n', level_file);
      }
    }
    for (uint32_t e = 0; e < n; ++e) {
      r.onsets = grow(r.onsets, &r.cap_onsets, r.n_onsets, sizeof(Onset));
      r.onsets[r.n_onsets++] =
          (Onset){events[e].time_s, events[e].strength, events[e].cls, events[e].drums};
      tandem_bar_accum_onset(accp, events[e].time_s, events[e].strength, events[e].drums);
    }
    for (sf_count_t i = 0; i < got; ++i) {
      const double x = mono[i];
      signal.sum += x;
      if (fabs(x) >= CLIP_LEVEL) {
        if (++signal.clip_run == CLIP_RUN) {
          add_clip(&r, (double)(total - got + i) / info.samplerate);
        }
      } else {
        signal.clip_run = 0;
      }
    }
    /* A new beat: the tracker's phase says the latest one fell more than half
     * a period after the one we listed last. */
    tandem_analysis_get(a, &ro);
    tool_bar_readout(accp, (double)total / info.samplerate, &ro);
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
        TandemBarFeatures bar;
        if (host_bpm <= 0.0 && tandem_bar_accum_beat(accp, beat, &bar)) {
          add_bar(&r, &bar);
        }
      }
    }
    /* Or the beats of a host's transport, as the plugin has them in a DAW. */
    while (host_bpm > 0.0 && host_beat <= (double)total / info.samplerate) {
      TandemBarFeatures bar;
      if (tandem_bar_accum_beat(accp, host_beat, &bar)) {
        add_bar(&r, &bar);
      }
      host_beat += 60.0 / host_bpm;
    }
    TandemBarFeatures timed;
    if (tandem_bar_accum_poll(accp, &timed)) {
      add_bar(&r, &timed);
    }
  }
  sf_close(file);
  if (level_file && fclose(level_file) != 0) {
    fail("cannot write %s: %s", level_path, strerror(errno));
  }
  if (features && fclose(features) != 0) {
    fail("cannot write %s: %s", features_path, strerror(errno));
  }
  if (total == 0) {
    fail("%s holds no audio frames", path);
  }
  if (r.n_onsets > 1) { /* a silent file has no list at all, and qsort wants one */
    qsort(r.onsets, r.n_onsets, sizeof(Onset), compare_onsets);
  }
  merge_flams(&r);
  tandem_analysis_get(a, &ro);
  TandemAnalysisTotals tot;
  tandem_analysis_totals(a, &tot);
  const double duration = (double)total / info.samplerate;
  char key[32] = "";
  if (ro.harmony.key_confidence > 0.0f) {
    tandem_key_name(ro.harmony.key_root, (TandemScale)ro.harmony.key_scale, key,
                    sizeof(key));
  }

  /* Genre over the whole file (no decay), sections, notes. */
  TandemStyleSet* styles = calloc(1, sizeof(TandemStyleSet));
  TandemGenre* genre_state = calloc(1, sizeof(TandemGenre));
  TandemSection* sections = calloc(TANDEM_SECTION_MAX, sizeof(TandemSection));
  TrackNotes* notes = calloc(1, sizeof(TrackNotes));
  if (!styles || !genre_state || !sections || !notes) {
    fail("out of memory");
  }
  char styles_dir[1200];
  char style_err[256] = "";
  if (!find_styles_dir(styles_arg, styles_dir, sizeof(styles_dir)) ||
      tandem_style_load_shipped(styles_dir, styles, style_err, sizeof(style_err)) == 0) {
    fprintf(stderr, "tandem-analyze: no style profiles found (%s); genre is unknown\n",
            style_err[0] ? style_err : "use --styles DIR");
  }
  tandem_genre_init(genre_state, 1.0f);
  for (size_t i = 0; i < r.n_bars; ++i) {
    tandem_genre_update(genre_state, styles, &r.bars[i]);
  }
  float genre_confidence = 0.0f;
  const int genre = tandem_genre_best(genre_state, &genre_confidence);
  const size_t n_sections =
      tandem_sections_find(r.bars, r.n_bars, sections, TANDEM_SECTION_MAX);
  /* The plugin's view as the bars arrive: what the live tracker calls the
   * section after each bar, and the bars it would end with a fill (planned, as
   * the worker plans them, for the bar after the one playing). */
  TandemSectionTracker* live = calloc(1, sizeof(TandemSectionTracker));
  uint8_t* live_fill = calloc(r.n_bars + 1, 1);
  if (!live || !live_fill) {
    fail("out of memory");
  }
  json_t* live_json = json_array();
  tandem_section_tracker_init(live);
  for (size_t i = 0; i < r.n_bars; ++i) {
    tandem_section_tracker_update(live, &r.bars[i]);
    if (r.bars[i].n_beats == TANDEM_BAR_BEATS && i + 2 < r.n_bars &&
        tandem_section_tracker_ends_at(live, (int64_t)i + 2)) {
      live_fill[i + 2] = 1;
    }
    json_t* c = json_object();
    json_object_set_new(c, "bar", seconds(r.bars[i].start_s));
    json_object_set_new(c, "label",
                        json_string(tandem_section_label_name(live->current.label)));
    json_object_set_new(c, "since", seconds(r.bars[live->current_first_bar].start_s));
    json_array_append_new(live_json, c);
  }
  json_t* live_fills = json_array();
  for (size_t i = 0; i < r.n_bars; ++i) {
    if (live_fill[i]) {
      json_array_append_new(live_fills, seconds(r.bars[i].start_s));
    }
  }
  free(live_fill);
  free(live);
  note_levels(notes, &r, &tot, duration, signal.sum / (double)total, genre);
  note_drift(notes, &r);
  note_flams(notes, &r);
  const int quality = quality_score(notes);

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
    json_t* drums = json_object(); /* every drum an onset holds, by instrument */
    for (int d = 0; d < 3; ++d) {
      json_object_set_new(drums, class_names[d], json_array());
    }
    for (size_t i = 0; i < r.n_onsets; ++i) {
      json_array_append_new(on, seconds(r.onsets[i].time_s));
      json_array_append_new(oc, json_string(class_names[r.onsets[i].cls & 3]));
      for (int d = 0; d < 3; ++d) {
        if (r.onsets[i].drums & (1u << d)) {
          json_array_append_new(json_object_get(drums, class_names[d]),
                                seconds(r.onsets[i].time_s));
        }
      }
      json_array_append_new(os, json_real(round(r.onsets[i].strength * 1000.0) / 1000.0));
    }
    json_object_set_new(root, "onsets", on);
    json_object_set_new(root, "onset_classes", oc);
    json_object_set_new(root, "drums", drums);
    json_object_set_new(root, "onset_strengths", os);
    json_object_set_new(root, "tempo_bpm",
                        json_real(round(ro.tempo.bpm * 100.0) / 100.0));
    json_object_set_new(root, "tempo_confidence",
                        json_real(round(ro.tempo.confidence * 1000.0) / 1000.0));
    json_t* beats = json_array();
    for (size_t i = 0; i < r.n_beats; ++i) {
      json_array_append_new(beats, seconds(r.beats[i]));
    }
    json_object_set_new(root, "beats", beats);
    json_object_set_new(root, "key", key[0] ? json_string(key) : json_null());
    json_object_set_new(root, "key_confidence",
                        json_real(round(ro.harmony.key_confidence * 1000.0) / 1000.0));
    json_object_set_new(root, "tonality",
                        json_real(round(ro.harmony.tonality * 1000.0) / 1000.0));
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
    json_object_set_new(root, "genre",
                        json_string(genre > 0 ? tandem_style_shipped_name(genre) : ""));
    json_object_set_new(root, "genre_confidence",
                        json_real(round(genre_confidence * 1000.0) / 1000.0));
    json_t* cands = json_array();
    for (int k = 0; k < TANDEM_GENRE_TOP; ++k) {
      const int idx = genre_state->top[k];
      if (idx <= 0) {
        continue;
      }
      json_t* c = json_object();
      json_object_set_new(c, "genre", json_string(tandem_style_shipped_name(idx)));
      json_object_set_new(
          c, "confidence",
          json_real(round(genre_state->top_probability[k] * 1000.0) / 1000.0));
      json_array_append_new(cands, c);
    }
    json_object_set_new(root, "genre_candidates", cands);
    /* What genre detection measured: the groove in the profiles' units. */
    TandemGenreTemplate groove;
    float groove_bpm = 0.0f;
    tandem_genre_measured(genre_state, &groove, &groove_bpm);
    json_t* gr = json_object();
    json_object_set_new(gr, "swing8_pct",
                        json_real(round(groove.swing8_pct * 10.0) / 10.0));
    json_object_set_new(gr, "triplet_share",
                        json_real(round(groove.triplet * 1000.0) / 1000.0));
    json_object_set_new(gr, "syncopation",
                        json_real(round(groove.syncopation * 1000.0) / 1000.0));
    json_object_set_new(gr, "onsets_per_bar",
                        json_real(round(groove.onsets_per_bar * 10.0) / 10.0));
    for (int c = 0; c < TANDEM_BAR_CLASSES; ++c) {
      json_t* st = json_array();
      for (int i = 0; i < TANDEM_BAR_STEPS; ++i) {
        json_array_append_new(st, json_real(round(groove.steps[c][i] * 1000.0) / 1000.0));
      }
      json_object_set_new(gr, class_names[c], st);
    }
    json_object_set_new(root, "groove", gr);
    json_t* secs = json_array();
    for (size_t i = 0; i < n_sections; ++i) {
      json_t* c = json_object();
      json_object_set_new(c, "start", seconds(sections[i].start_s));
      json_object_set_new(c, "label",
                          json_string(tandem_section_label_name(sections[i].label)));
      json_object_set_new(c, "bars", json_integer(sections[i].n_bars));
      json_object_set_new(c, "group", json_integer(sections[i].group));
      json_object_set_new(c, "confidence",
                          json_real(round(sections[i].confidence * 1000.0) / 1000.0));
      json_array_append_new(secs, c);
    }
    json_object_set_new(root, "sections", secs);
    json_object_set_new(root, "live_sections", live_json);
    json_object_set_new(root, "live_fills", live_fills);
    json_object_set_new(root, "quality", json_integer(quality));
    json_t* nts = json_array();
    for (int i = 0; i < notes->n; ++i) {
      json_t* c = json_object();
      json_object_set_new(c, "start", seconds(notes->notes[i].start_s));
      json_object_set_new(c, "end", seconds(notes->notes[i].end_s));
      json_object_set_new(c, "text", json_string(notes->notes[i].text));
      json_array_append_new(nts, c);
    }
    json_object_set_new(root, "notes", nts);
    char* text =
        json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    if (!text) {
      fail("cannot format the JSON output");
    }
    puts(text);
    free(text);
    json_decref(root);
  } else {
    json_decref(live_json);
    json_decref(live_fills);
    unsigned by_class[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < r.n_onsets; ++i) {
      by_class[r.onsets[i].cls & 3]++;
    }
    printf("%s: %.2f s, %d Hz, %d channel(s)\n", path, duration, info.samplerate,
           info.channels);
    printf("onsets   %zu (kick %u, snare %u, hat %u, other %u)\n", r.n_onsets,
           by_class[0], by_class[1], by_class[2], by_class[3]);
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
    printf("genre    %s (confidence %.2f)",
           genre > 0 ? tandem_style_shipped_name(genre) : "unknown", genre_confidence);
    for (int k = 1; k < TANDEM_GENRE_TOP; ++k) {
      if (genre_state->top[k] > 0) {
        printf(", then %s %.2f", tandem_style_shipped_name(genre_state->top[k]),
               genre_state->top_probability[k]);
      }
    }
    printf("\nsections");
    for (size_t i = 0; i < n_sections; ++i) {
      printf(" %s@%.1fs", tandem_section_label_name(sections[i].label),
             sections[i].start_s);
    }
    printf("%s\nquality  %d/100\n", n_sections ? "" : " none", quality);
    for (int i = 0; i < notes->n; ++i) {
      printf("note     %.1f-%.1f s: %s\n", notes->notes[i].start_s, notes->notes[i].end_s,
             notes->notes[i].text);
    }
  }
  tandem_analysis_free(a);
  free(interleaved);
  free(mono);
  free(events);
  free(r.onsets);
  free(r.beats);
  free(r.chords);
  free(r.clips);
  free(r.bars);
  free(accp);
  free(styles);
  free(genre_state);
  free(sections);
  free(notes);
  return 0;
}
