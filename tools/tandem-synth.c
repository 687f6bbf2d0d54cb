/* tandem-synth — writes a deterministic demo loop (kick, snare, hi-hats and a
 * simple bass line) as an audio file, so that the demo and the tests need no
 * downloaded audio.
 *
 *   tandem-synth [--bpm X] [--bars N] [--rate HZ] [--channels 1|2] [--seed N] OUT
 *
 * The format follows OUT's extension: .wav (16-bit PCM), .flac, .aif/.aiff.
 * Same options, same file, byte for byte.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sndfile.h>

#define SYNTH_PI 3.14159265358979323846

typedef struct {
  double bpm;
  int bars;
  int rate;
  int channels;
  uint32_t seed;
  const char* path;
} SynthOptions;

/* xorshift32: a tiny deterministic noise source owned by the caller. */
static float noise(uint32_t* state)
{
  uint32_t x = *state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;
  return (float)((double)x / 2147483648.0 - 1.0);
}

/* Adds a kick: a sine falling from 150 Hz to 50 Hz with a fast decay. */
static void add_kick(float* mix, size_t n_frames, size_t start, int rate, float gain)
{
  const size_t len = (size_t)(0.35 * rate);
  double phase = 0.0;
  for (size_t i = 0; i < len && start + i < n_frames; ++i) {
    const double t = (double)i / rate;
    const double freq = 50.0 + 100.0 * exp(-t * 30.0);
    phase += 2.0 * SYNTH_PI * freq / rate;
    const double env = exp(-t * 9.0) * (i < 32 ? i / 32.0 : 1.0);
    mix[start + i] += gain * (float)(sin(phase) * env);
  }
}

/* Adds a snare: noise plus a 185 Hz body, both decaying. */
static void add_snare(float* mix, size_t n_frames, size_t start, int rate, float gain,
                      uint32_t* rng)
{
  const size_t len = (size_t)(0.25 * rate);
  for (size_t i = 0; i < len && start + i < n_frames; ++i) {
    const double t = (double)i / rate;
    const double body = sin(2.0 * SYNTH_PI * 185.0 * t) * exp(-t * 25.0);
    const double rattle = noise(rng) * exp(-t * 14.0);
    mix[start + i] += gain * (float)(0.45 * body + 0.55 * rattle);
  }
}

/* Adds a closed hi-hat: first-difference (high-passed) noise, very short. */
static void add_hat(float* mix, size_t n_frames, size_t start, int rate, float gain,
                    uint32_t* rng)
{
  const size_t len = (size_t)(0.06 * rate);
  float prev = 0.0f;
  for (size_t i = 0; i < len && start + i < n_frames; ++i) {
    const double t = (double)i / rate;
    const float n = noise(rng);
    mix[start + i] += gain * (float)((n - prev) * 0.5 * exp(-t * 70.0));
    prev = n;
  }
}

/* Adds a bass note: a sine with a little second harmonic and a soft decay. */
static void add_bass(float* mix, size_t n_frames, size_t start, size_t len, int rate,
                     double freq, float gain)
{
  for (size_t i = 0; i < len && start + i < n_frames; ++i) {
    const double t = (double)i / rate;
    const double attack = i < 64 ? i / 64.0 : 1.0;
    const double release = len - i < 256 ? (double)(len - i) / 256.0 : 1.0;
    const double wave =
        sin(2.0 * SYNTH_PI * freq * t) + 0.3 * sin(4.0 * SYNTH_PI * freq * t);
    mix[start + i] += gain * (float)(wave * exp(-t * 3.0) * attack * release);
  }
}

static int format_for(const char* path)
{
  const char* dot = strrchr(path, '.');
  if (!dot) {
    return 0;
  }
  if (!strcasecmp(dot, ".wav")) {
    return SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  }
  if (!strcasecmp(dot, ".flac")) {
    return SF_FORMAT_FLAC | SF_FORMAT_PCM_16;
  }
  if (!strcasecmp(dot, ".aif") || !strcasecmp(dot, ".aiff")) {
    return SF_FORMAT_AIFF | SF_FORMAT_PCM_16;
  }
  return 0;
}

static void usage(FILE* out)
{
  fprintf(out, "usage: tandem-synth [--bpm X] [--bars N] [--rate HZ] [--channels 1|2] "
               "[--seed N] OUT.{wav,flac,aiff}\n"
               "Writes a deterministic drum-and-bass loop in 4/4 (defaults: 100 bpm, 8 "
               "bars, 48000 Hz, mono).\n");
}

static bool parse_number(const char* text, double lo, double hi, double* out)
{
  char* end = NULL;
  errno = 0;
  const double v = strtod(text, &end);
  if (errno || end == text || *end || !isfinite(v) || v < lo || v > hi) {
    return false;
  }
  *out = v;
  return true;
}

static int parse_args(int argc, char** argv, SynthOptions* opt)
{
  static const struct option longopts[] = {{"bpm", required_argument, NULL, 'b'},
                                           {"bars", required_argument, NULL, 'n'},
                                           {"rate", required_argument, NULL, 'r'},
                                           {"channels", required_argument, NULL, 'c'},
                                           {"seed", required_argument, NULL, 's'},
                                           {"help", no_argument, NULL, 'h'},
                                           {NULL, 0, NULL, 0}};
  opterr = 0;
  int c;
  double v;
  while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
    switch (c) {
    case 'b':
      if (!parse_number(optarg, 20.0, 400.0, &v)) {
        fprintf(stderr, "tandem-synth: --bpm must be a number from 20 to 400\n");
        return 2;
      }
      opt->bpm = v;
      break;
    case 'n':
      if (!parse_number(optarg, 1.0, 256.0, &v) || v != floor(v)) {
        fprintf(stderr, "tandem-synth: --bars must be a whole number from 1 to 256\n");
        return 2;
      }
      opt->bars = (int)v;
      break;
    case 'r':
      if (!parse_number(optarg, 8000.0, 192000.0, &v) || v != floor(v)) {
        fprintf(stderr, "tandem-synth: --rate must be a whole number of Hz from 8000 "
                        "to 192000\n");
        return 2;
      }
      opt->rate = (int)v;
      break;
    case 'c':
      if (!parse_number(optarg, 1.0, 2.0, &v) || v != floor(v)) {
        fprintf(stderr, "tandem-synth: --channels must be 1 or 2\n");
        return 2;
      }
      opt->channels = (int)v;
      break;
    case 's':
      if (!parse_number(optarg, 0.0, 4294967295.0, &v) || v != floor(v)) {
        fprintf(stderr, "tandem-synth: --seed must be a whole number from 0 to "
                        "4294967295\n");
        return 2;
      }
      opt->seed = (uint32_t)v;
      break;
    case 'h':
      usage(stdout);
      exit(0);
    default:
      fprintf(stderr, "tandem-synth: unknown option '%s'; see --help\n",
              argv[optind - 1]);
      return 2;
    }
  }
  if (optind != argc - 1) {
    fprintf(stderr, "tandem-synth: give exactly one output file; see --help\n");
    return 2;
  }
  opt->path = argv[optind];
  return 0;
}

int main(int argc, char** argv)
{
  SynthOptions opt = {100.0, 8, 48000, 1, 1, NULL};
  const int rc = parse_args(argc, argv, &opt);
  if (rc) {
    return rc;
  }
  const int format = format_for(opt.path);
  if (!format) {
    fprintf(stderr, "tandem-synth: %s: use a .wav, .flac or .aiff name\n", opt.path);
    return 2;
  }

  const double beat_s = 60.0 / opt.bpm;
  const size_t n_frames = (size_t)llround(opt.bars * 4 * beat_s * opt.rate);
  /* One mono bus per instrument group, so stereo can pan them apart. */
  float* drums = calloc(n_frames, sizeof(float));
  float* hats = calloc(n_frames, sizeof(float));
  float* bass = calloc(n_frames, sizeof(float));
  if (!drums || !hats || !bass) {
    fprintf(stderr, "tandem-synth: out of memory for %zu frames\n", n_frames);
    return 1;
  }

  uint32_t rng = opt.seed ? opt.seed : 1;
  /* A minor: A, A, F, G roots, one per bar, played in eighths an octave down. */
  static const double roots_hz[4] = {55.0, 55.0, 43.65, 49.0};
  const size_t eighth = (size_t)llround(beat_s * 0.5 * opt.rate);
  for (int bar = 0; bar < opt.bars; ++bar) {
    for (int step = 0; step < 8; ++step) { /* eighth notes */
      const size_t at = (size_t)llround((bar * 4 + step * 0.5) * beat_s * opt.rate);
      if (step == 0 || step == 4 || (step == 5 && bar % 2 == 1)) {
        add_kick(drums, n_frames, at, opt.rate, 0.9f);
      }
      if (step == 2 || step == 6) {
        add_snare(drums, n_frames, at, opt.rate, 0.6f, &rng);
      }
      /* Off-beat hats a little louder, like a player's accent. */
      add_hat(hats, n_frames, at, opt.rate, step % 2 ? 0.35f : 0.25f, &rng);
      if (step != 3 && step != 7) {
        const double freq = roots_hz[bar % 4] * (step == 6 ? 1.5 : 1.0);
        add_bass(bass, n_frames, at, eighth, opt.rate, freq, 0.35f);
      }
    }
  }

  float peak = 0.0f;
  for (size_t i = 0; i < n_frames; ++i) {
    const float l = fabsf(drums[i] + 1.2f * hats[i] + bass[i]);
    peak = l > peak ? l : peak;
  }
  const float norm = peak > 0.0f ? 0.8f / peak : 1.0f; /* about -2 dBFS */

  float* interleaved = malloc(n_frames * (size_t)opt.channels * sizeof(float));
  if (!interleaved) {
    fprintf(stderr, "tandem-synth: out of memory for %zu frames\n", n_frames);
    return 1;
  }
  for (size_t i = 0; i < n_frames; ++i) {
    if (opt.channels == 1) {
      interleaved[i] = norm * (drums[i] + hats[i] + bass[i]);
    } else {
      interleaved[2 * i] = norm * (drums[i] + 0.4f * hats[i] + bass[i]);
      interleaved[2 * i + 1] = norm * (drums[i] + 0.8f * hats[i] + bass[i]);
    }
  }

  SF_INFO info = {0};
  info.samplerate = opt.rate;
  info.channels = opt.channels;
  info.format = format;
  SNDFILE* sf = sf_open(opt.path, SFM_WRITE, &info);
  if (!sf) {
    fprintf(stderr, "tandem-synth: cannot write %s: %s\n", opt.path, sf_strerror(NULL));
    return 1;
  }
  const sf_count_t written = sf_writef_float(sf, interleaved, (sf_count_t)n_frames);
  const int close_err = sf_close(sf);
  free(interleaved);
  free(drums);
  free(hats);
  free(bass);
  if (written != (sf_count_t)n_frames || close_err) {
    fprintf(stderr, "tandem-synth: writing %s failed (disk full?)\n", opt.path);
    return 1;
  }
  return 0;
}
