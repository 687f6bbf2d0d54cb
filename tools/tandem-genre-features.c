/* tandem-genre-features — prints what genre detection sees, for training it.
 *
 * Usage: tandem-genre-features --styles DIR [--templates N] [FILE...]
 *
 * For each audio FILE it runs the plugin's analysis exactly as tandem-analyze
 * does (blocks of 64 frames, beats from the tempo tracker's phase), folds the
 * bars into a TandemGenre and prints one JSON line per decay (1.0, as
 * tandem-analyze uses, and 0.8, as the plugin's worker uses) with the
 * classifier's inputs (tandem_genre_inputs): per-style comparison terms and the
 * style-independent globals.  With --templates N it also prints N lines per
 * shipped style built from that style's own template bars with noise (what the
 * unit tests feed), labelled "template:NAME".  tools/genre-train.py reads the
 * output.  Errors print one line on stderr and exit 1.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sndfile.h>

#include "analysis.h"
#include "barfeatures.h"
#include "tool_audio.h"
#include "genre.h"
#include "style.h"

#define BLOCK_FRAMES    64
#define EVENTS_PER_CALL 256
#define MAX_BARS        4096

static void fail(const char* what, const char* detail)
{
  fprintf(stderr, "tandem-genre-features: %s%s%s\n", what, detail ? ": " : "",
          detail ? detail : "");
  exit(1);
}

static void print_inputs(const char* label, float decay, const TandemStyleSet* set,
                         const TandemGenre* g)
{
  TandemGenreInputs in;
  tandem_genre_inputs(g, set, &in);
  printf("{\"file\": \"%s\", \"decay\": %.2f, \"bars\": %u, \"terms\": [", label, decay,
         g->bars);
  for (int i = 1; i < TANDEM_GENRE_N; ++i) {
    printf("%s{\"style\": \"%s\", \"t\": [", i > 1 ? ", " : "",
           tandem_style_shipped_name(i));
    for (int t = 0; t < TANDEM_GENRE_TERMS; ++t) {
      printf("%s%.6g", t ? ", " : "", in.terms[i][t]);
    }
    printf("]}");
  }
  printf("], \"globals\": [");
  for (int j = 0; j < TANDEM_GENRE_GLOBALS; ++j) {
    printf("%s%.6g", j ? ", " : "", in.globals[j]);
  }
  printf("], \"known\": [");
  for (int j = 0; j < TANDEM_GENRE_GLOBALS; ++j) {
    printf("%s%d", j ? ", " : "", in.globals_known[j]);
  }
  printf("]}\n");
}

/* The bars of one file, as tandem-analyze finds them. */
static size_t analyse_file(const char* path, TandemBarFeatures* bars, size_t max_bars)
{
  SF_INFO info;
  memset(&info, 0, sizeof(info));
  SNDFILE* file = sf_open(path, SFM_READ, &info);
  if (!file) {
    fail("cannot read", path);
  }
  TandemAnalysis* a = tandem_analysis_new(info.samplerate, BLOCK_FRAMES);
  float* interleaved = malloc(sizeof(float) * BLOCK_FRAMES * (size_t)info.channels);
  float* mono = malloc(sizeof(float) * BLOCK_FRAMES);
  TandemOnsetEvent* events = malloc(sizeof(TandemOnsetEvent) * EVENTS_PER_CALL);
  TandemBarAccum* acc = malloc(sizeof(TandemBarAccum));
  if (!a || !interleaved || !mono || !events || !acc) {
    fail("out of memory or unsupported sample rate", path);
  }
  tandem_bar_accum_init(acc);
  size_t n_bars = 0;
  sf_count_t total = 0;
  double last_beat = -1.0;
  for (;;) {
    const sf_count_t got = sf_readf_float(file, interleaved, BLOCK_FRAMES);
    if (got <= 0) {
      break;
    }
    tool_downmix(interleaved, got, info.channels, mono);
    total += got;
    const uint32_t n =
        tandem_analysis_process(a, mono, (uint32_t)got, events, EVENTS_PER_CALL);
    for (uint32_t e = 0; e < n; ++e) {
      tandem_bar_accum_onset(acc, events[e].time_s, events[e].strength, events[e].drums);
    }
    TandemAnalysisReadout ro;
    tandem_analysis_get(a, &ro);
    tool_bar_readout(acc, (double)total / info.samplerate, &ro);
    const double period = ro.tempo.period_s;
    TandemBarFeatures bar;
    if (ro.tempo.bpm > 0.0f && period > 0.0) {
      const double beat = tandem_analysis_odf_time_s(a) - ro.tempo.beat_phase * period;
      if (beat >= 0.0 && (last_beat < 0.0 || beat > last_beat + 0.5 * period)) {
        tandem_analysis_beat(a);
        last_beat = beat;
        if (tandem_bar_accum_beat(acc, beat, &bar) && n_bars < max_bars) {
          bars[n_bars++] = bar;
        }
      }
    }
    if (tandem_bar_accum_poll(acc, &bar) && n_bars < max_bars) {
      bars[n_bars++] = bar;
    }
  }
  sf_close(file);
  tandem_analysis_free(a);
  free(interleaved);
  free(mono);
  free(events);
  free(acc);
  return n_bars;
}

/* Deterministic noise: xorshift, 0..1. */
static float noise(uint32_t* state)
{
  uint32_t x = *state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;
  return (float)(x & 0xffffff) / (float)0xffffff;
}

/* A bar as a style's template describes it, with placement noise. */
static void template_bar(const TandemStyle* s, uint32_t* rng, float jitter,
                         TandemBarFeatures* bar)
{
  TandemGenreTemplate t;
  tandem_genre_template(s, &t);
  memset(bar, 0, sizeof(*bar));
  bar->n_beats = 4;
  const float lo = s->tempo_min_bpm, hi = s->tempo_max_bpm;
  bar->bpm = lo + (hi - lo) * (0.2f + 0.6f * noise(rng));
  bar->tempo_confidence = 0.8f;
  float total = 0.0f, per_class[TANDEM_BAR_CLASSES] = {0};
  for (int c = 0; c < TANDEM_BAR_CLASSES; ++c) {
    for (int i = 0; i < TANDEM_BAR_STEPS; ++i) {
      const float w = t.steps[c][i] * (1.0f + jitter * (noise(rng) - 0.5f));
      bar->steps[c][i] = w > 0.0f ? w : 0.0f;
      per_class[c] += bar->steps[c][i];
      total += bar->steps[c][i];
    }
  }
  bar->onsets = t.onsets_per_bar > 0 ? t.onsets_per_bar : total;
  for (int c = 0; c < TANDEM_BAR_CLASSES; ++c) {
    bar->onsets_per_beat[c] =
        total > 0.0f ? bar->onsets * per_class[c] / total / 4.0f : 0;
  }
  bar->triplet_share = t.triplet;
  bar->swing8_pct = t.swing8_pct;
}

int main(int argc, char** argv)
{
  const char* styles_dir = NULL;
  int templates = 0;
  int first_file = argc;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--styles") && i + 1 < argc) {
      styles_dir = argv[++i];
    } else if (!strcmp(argv[i], "--templates") && i + 1 < argc) {
      templates = atoi(argv[++i]);
    } else if (argv[i][0] == '-') {
      fail("unknown option (usage: --styles DIR [--templates N] FILE...)", argv[i]);
    } else {
      first_file = i;
      break;
    }
  }
  if (!styles_dir) {
    fail("--styles DIR is required", NULL);
  }
  TandemStyleSet* set = calloc(1, sizeof(TandemStyleSet));
  TandemBarFeatures* bars = malloc(sizeof(TandemBarFeatures) * MAX_BARS);
  TandemGenre* g = malloc(sizeof(TandemGenre));
  if (!set || !bars || !g) {
    fail("out of memory", NULL);
  }
  char err[256] = "";
  if (tandem_style_load_shipped(styles_dir, set, err, sizeof(err)) !=
      TANDEM_STYLE_SHIPPED_COUNT) {
    fail("cannot load the shipped styles", err);
  }
  static const float decays[] = {1.0f, 0.8f};
  for (int f = first_file; f < argc; ++f) {
    const size_t n = analyse_file(argv[f], bars, MAX_BARS);
    for (size_t d = 0; d < sizeof(decays) / sizeof(decays[0]); ++d) {
      tandem_genre_init(g, decays[d]);
      for (size_t b = 0; b < n; ++b) {
        tandem_genre_update(g, set, &bars[b]);
      }
      print_inputs(argv[f], decays[d], set, g);
    }
  }
  uint32_t rng = 2024;
  for (int i = 1; i <= TANDEM_STYLE_SHIPPED_COUNT; ++i) {
    for (int k = 0; k < templates; ++k) {
      char label[64];
      snprintf(label, sizeof(label), "template:%s", tandem_style_shipped_name(i));
      tandem_genre_init(g, 0.8f);
      const int n_bars = 1 + k % 8;
      for (int b = 0; b < n_bars; ++b) {
        TandemBarFeatures bar;
        template_bar(&set->styles[i], &rng, 0.8f, &bar);
        tandem_genre_update(g, set, &bar);
      }
      print_inputs(label, 0.8f, set, g);
    }
  }
  free(set);
  free(bars);
  free(g);
  return 0;
}
