/* tandem-profile — groove capture: learns a style profile from reference
 * recordings.
 *
 * Usage: tandem-profile learn FILE... -o OUT.ttl [--name NAME] [--bpm X] [--styles DIR]
 *
 * Each file runs through the plugin's own analysis (as tandem-analyze does);
 * then, with the whole file at hand, its onsets' times are refined
 * (onset_time.h) and the tracker's beats put on one tempo level (beat_grid.h)
 * before its bars feed worker/groove.c, which writes a profile in the shipped
 * vocabulary.  The written file is read back with tandem_style_load_file and
 * the nearest shipped style (tandem_style_similarity) is printed.  Errors print
 * one line starting "tandem-profile: " on stderr and exit with status 1.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sndfile.h>

#include "analysis.h"
#include "barfeatures.h"
#include "beat_grid.h"
#include "genre.h"
#include "groove.h"
#include "onset_time.h"
#include "style.h"
#include "tool_audio.h"

#define BLOCK      256
#define MAX_EVENTS 256

static void fail(const char* fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fputs("tandem-profile: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

static void usage(FILE* out)
{
  fputs("usage: tandem-profile learn FILE... -o OUT.ttl [--name NAME] [--bpm X] "
        "[--styles DIR]\n"
        "  -o OUT.ttl     the profile to write\n"
        "  --name NAME    its machine name (default: OUT's file name)\n"
        "  --bpm X        the recordings' tempo, when known: a beat tracker that\n"
        "                 locks to half, double, 2/3, 3/4 or 4/5 of it (or the\n"
        "                 inverse) is corrected, one that ran free is replaced by a\n"
        "                 steady grid; without it, 3:2 and 4:3 locks are found from\n"
        "                 how the onsets fit\n"
        "  --styles DIR   the shipped profiles (default $TANDEM_STYLES_DIR, else the\n"
        "                 build's bundle)\n",
        out);
}

/* As tandem-analyze: --styles, $TANDEM_STYLES_DIR, or tools/../tandem.lv2/styles. */
static void styles_dir(const char* given, char* out, size_t size)
{
  const char* env = getenv("TANDEM_STYLES_DIR");
  if (given) {
    snprintf(out, size, "%s", given);
  } else if (env && *env) {
    snprintf(out, size, "%s", env);
  } else {
    char exe[1024];
    const ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    exe[n > 0 ? n : 0] = '\0';
    char* slash = strrchr(exe, '/');
    if (slash) {
      *slash = '\0';
    }
    snprintf(out, size, "%s/../tandem.lv2/styles", exe);
  }
}

/* A growable array of n items of size item (doubling); false when out of memory. */
static bool grow(void** items, size_t* cap, size_t n, size_t item)
{
  if (n < *cap) {
    return true;
  }
  const size_t want = *cap ? 2 * *cap : 1024;
  void* more = realloc(*items, want * item);
  if (!more) {
    return false;
  }
  *items = more;
  *cap = want;
  return true;
}

/* What the analysis heard in one file: its onsets, the tracker's beats, and
 * the mono signal (to refine the onsets' times). */
typedef struct {
  float* mono;
  size_t n_mono, cap_mono;
  double rate_hz;
  TandemBarOnset* onsets;
  size_t n_onsets, cap_onsets;
  ToolTrackerBeat* beats;
  size_t n_beats, cap_beats;
} Heard;

/* Runs one file through the plugin's analysis, keeping every onset, every
 * beat the tracker reports and the signal. */
static void hear_file(const char* path, Heard* h)
{
  SF_INFO info;
  memset(&info, 0, sizeof(info));
  SNDFILE* file = sf_open(path, SFM_READ, &info);
  if (!file) {
    fail("cannot read %s: %s", path, sf_strerror(NULL));
  }
  if (info.frames <= 0 || info.channels <= 0) {
    fail("%s holds no audio frames", path);
  }
  TandemAnalysis* a = tandem_analysis_new(info.samplerate, BLOCK);
  if (!a) {
    fail("cannot analyse %s: sample rate %d Hz is outside 22050..192000", path,
         info.samplerate);
  }
  float* interleaved = malloc(sizeof(float) * BLOCK * (size_t)info.channels);
  float mono[BLOCK];
  TandemOnsetEvent events[MAX_EVENTS];
  if (!interleaved) {
    fail("out of memory");
  }
  h->rate_hz = info.samplerate;
  double last_beat = -1.0;
  TandemAnalysisReadout ro;
  for (;;) {
    const sf_count_t got = sf_readf_float(file, interleaved, BLOCK);
    if (got <= 0) {
      break;
    }
    tool_downmix(interleaved, got, info.channels, mono);
    while (h->cap_mono < h->n_mono + (size_t)got) {
      if (!grow((void**)&h->mono, &h->cap_mono, h->cap_mono, sizeof(*h->mono))) {
        fail("out of memory");
      }
    }
    memcpy(h->mono + h->n_mono, mono, sizeof(float) * (size_t)got);
    h->n_mono += (size_t)got;
    const uint32_t n =
        tandem_analysis_process(a, mono, (uint32_t)got, events, MAX_EVENTS);
    for (uint32_t e = 0; e < n; ++e) {
      if (!grow((void**)&h->onsets, &h->cap_onsets, h->n_onsets, sizeof(*h->onsets))) {
        fail("out of memory");
      }
      h->onsets[h->n_onsets++] =
          (TandemBarOnset){events[e].time_s, events[e].strength, events[e].drums};
    }
    tandem_analysis_get(a, &ro);
    const double period = ro.tempo.period_s;
    if (ro.tempo.bpm > 0.0f && period > 0.0) {
      const double beat = tandem_analysis_odf_time_s(a) - ro.tempo.beat_phase * period;
      if (beat >= 0.0 && (last_beat < 0.0 || beat > last_beat + 0.5 * period)) {
        tandem_analysis_beat(a);
        if (!grow((void**)&h->beats, &h->cap_beats, h->n_beats, sizeof(*h->beats))) {
          fail("out of memory");
        }
        h->beats[h->n_beats++] = (ToolTrackerBeat){beat, period};
        last_beat = beat;
      }
    }
  }
  sf_close(file);
  tandem_analysis_free(a);
  free(interleaved);
}

static int compare_onsets(const void* a, const void* b)
{
  const double x = ((const TandemBarOnset*)a)->time_s;
  const double y = ((const TandemBarOnset*)b)->time_s;
  return (x > y) - (x < y);
}

/* Learns one file into g: its onsets' times refined (onset_time.h), its beats
 * put on one level (beat_grid.h), then both fed to the bar features in time
 * order; with a known tempo, only bars whose grid keeps to it (within 7 %)
 * count. */
static void learn_file(const char* path, double hint_bpm, TandemGrooveCapture* g)
{
  Heard h;
  memset(&h, 0, sizeof(h));
  hear_file(path, &h);
  if (tool_refine_onsets(h.mono, h.n_mono, h.rate_hz, h.onsets, h.n_onsets) < 0) {
    fail("out of memory");
  }
  if (h.n_onsets > 1) {
    qsort(h.onsets, h.n_onsets, sizeof(*h.onsets), compare_onsets);
  }
  /* Room for a re-grid (at most 2 beats per tracker beat) or a steady grid at
   * up to 400 bpm over the whole file. */
  const size_t max_beats = 2 * h.n_beats + (size_t)(7.0 * h.n_mono / h.rate_hz) + 8;
  double* beats = malloc(sizeof(double) * max_beats);
  TandemBarAccum* acc = malloc(sizeof(TandemBarAccum));
  if (!beats || !acc) {
    fail("out of memory");
  }
  const size_t n_beats = tool_grid_beats(h.beats, h.n_beats, h.onsets, h.n_onsets,
                                         hint_bpm, beats, max_beats, NULL);
  tandem_bar_accum_init(acc);
  /* Onsets from before the first beat belong to no bar (and could overflow the
   * accumulator's list before it is cleared). */
  size_t next = 0;
  while (n_beats > 0 && next < h.n_onsets && h.onsets[next].time_s < beats[0] - 0.1) {
    next++;
  }
  TandemBarFeatures bar;
  for (size_t b = 0; b < n_beats; ++b) {
    /* Every onset before the beat first: the accumulator keeps those just
     * before it for the bar the beat starts. */
    while (next < h.n_onsets && h.onsets[next].time_s < beats[b]) {
      tandem_bar_accum_onset(acc, h.onsets[next].time_s, h.onsets[next].strength,
                             h.onsets[next].drums);
      next++;
    }
    if (tandem_bar_accum_beat(acc, beats[b], &bar)) {
      const double grid_bpm = bar.duration_s > 0.0f ? 240.0 / bar.duration_s : 0.0;
      if (hint_bpm <= 0.0 || fabs(log2(grid_bpm / hint_bpm)) < 0.1) {
        tandem_groove_add_bar(g, &bar);
      }
    }
  }
  free(beats);
  free(acc);
  free(h.mono);
  free(h.onsets);
  free(h.beats);
}

int main(int argc, char** argv)
{
  if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
    usage(stdout);
    return 0;
  }
  if (argc < 2 || strcmp(argv[1], "learn") != 0) {
    usage(stderr);
    fail("the only command is \"learn\"");
  }
  const char* out_path = NULL;
  const char* name_arg = NULL;
  const char* styles_arg = NULL;
  double hint_bpm = 0.0;
  const char** files = calloc((size_t)argc, sizeof(char*));
  int n_files = 0;
  if (!files) {
    fail("out of memory");
  }
  for (int i = 2; i < argc; ++i) {
    if (!strcmp(argv[i], "-o") && i + 1 < argc) {
      out_path = argv[++i];
    } else if (!strcmp(argv[i], "--name") && i + 1 < argc) {
      name_arg = argv[++i];
    } else if (!strcmp(argv[i], "--styles") && i + 1 < argc) {
      styles_arg = argv[++i];
    } else if (!strcmp(argv[i], "--bpm") && i + 1 < argc) {
      char* end = NULL;
      hint_bpm = strtod(argv[++i], &end);
      if (!end || *end || !(hint_bpm >= 20.0 && hint_bpm <= 400.0)) {
        fail("--bpm must be a tempo from 20 to 400, not '%s'", argv[i]);
      }
    } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
      fail("unknown option %s (try --help)", argv[i]);
    } else {
      files[n_files++] = argv[i];
    }
  }
  if (!out_path || n_files == 0) {
    fail("give at least one FILE and -o OUT.ttl");
  }
  /* The name: --name, else OUT's file name, made vocabulary-safe. */
  char name[TANDEM_STYLE_NAME_MAX];
  tandem_groove_name_from_path(name_arg ? name_arg : out_path, name, sizeof(name));

  char dir[1200];
  styles_dir(styles_arg, dir, sizeof(dir));
  TandemStyleSet* set = calloc(1, sizeof(TandemStyleSet));
  TandemGrooveCapture* g = malloc(sizeof(TandemGrooveCapture));
  TandemStyle* learned = malloc(sizeof(TandemStyle));
  TandemStyle* back = malloc(sizeof(TandemStyle));
  if (!set || !g || !learned || !back) {
    fail("out of memory");
  }
  char err[512] = "";
  if (tandem_style_load_shipped(dir, set, err, sizeof(err)) == 0) {
    fail("no shipped style profiles in %s (%s); use --styles DIR", dir, err);
  }
  tandem_groove_init(g);
  for (int i = 0; i < n_files; ++i) {
    learn_file(files[i], hint_bpm, g);
  }
  int base_style = 0;
  if (!tandem_groove_finish(g, set, name, learned, &base_style, err, sizeof(err))) {
    fail("%s", err);
  }
  if (!tandem_groove_write_ttl(learned, out_path, err, sizeof(err))) {
    fail("%s", err);
  }
  if (!tandem_style_load_file(out_path, back, err, sizeof(err))) {
    fail("the written profile does not load back: %s", err);
  }
  float similarity = 0.0f;
  const int nearest = tandem_genre_nearest_style(set, back, &similarity);
  printf("%s: %s, %.0f-%.0f bpm, swing %.1f (%u), ghost %.2f, syncopation %.2f, "
         "velocity %.0f+-%.0f, %.1f drum hits per bar\n",
         out_path, back->name, back->tempo_min_bpm, back->tempo_max_bpm, back->swing_pct,
         back->swing_grid, back->ghost_prob, back->syncopation, back->velocity_mean,
         back->velocity_spread, back->density[TANDEM_ROLE_DRUMS]);
  printf("nearest shipped style: %s (similarity %.2f); bass/chords/melody from %s\n",
         tandem_style_shipped_name(nearest), similarity,
         tandem_style_shipped_name(base_style));
  free(files);
  free(set);
  free(g);
  free(learned);
  free(back);
  return 0;
}
