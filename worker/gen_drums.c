/* Tandem — generator, drums: weighted or euclidean placement, ghost notes, fills.
 * See gen_internal.h. */
#include "gen_internal.h"

#include <math.h>

#define GM_CRASH 49

/* Toms from high to low, for fills that walk down the kit. */
static const uint8_t fill_voices[] = {38, 50, 48, 47, 45, 43};

/* Places k hits as evenly as possible over the usable slots, rotated to where the
 * profile's weights are highest. */
static void euclid_voice(const GenCtx* ctx, const float* w, int k, bool* hit)
{
  const int unit = ctx->step_unit;
  const int m = ctx->n_steps / unit;
  int best_rot = 0;
  float best = -1.0f;
  for (int rot = 0; rot < m; ++rot) {
    float score = 0.0f;
    for (int j = 0; j < m; ++j) {
      if ((j * k) % m < k) {
        score += w[((j + rot) % m) * unit];
      }
    }
    if (score > best + 1e-6f) {
      best = score;
      best_rot = rot;
    }
  }
  for (int i = 0; i < ctx->n_steps; ++i) {
    hit[i] = false;
  }
  for (int j = 0; j < m && k > 0; ++j) {
    if ((j * k) % m < k) {
      hit[((j + best_rot) % m) * unit] = true;
    }
  }
}

/* The time feel on one drum bar (see TandemGenParams.time_feel); snare_w are the
 * bar's snare weights.  Returns the number of main hits. */
static int drum_feel(const GenCtx* ctx, const float* snare_w, GenDrumBar* out)
{
  const int n = ctx->n_steps;
  bool* kick = out->hit[TANDEM_DRUM_KICK];
  bool* snare = out->hit[TANDEM_DRUM_SNARE];
  bool* hat = out->hit[TANDEM_DRUM_HAT];
  if (ctx->time_feel == TANDEM_FEEL_HALF) {
    /* One backbeat in the middle of the bar, the kick spread out under it. */
    const int beat = 16 / ctx->out->beat_unit;
    const int mid = (n / 2) / beat * beat;
    tandem_gen_feel_steps(ctx, kick);
    for (int i = 0; i < n; ++i) {
      snare[i] = i == mid;
    }
    kick[mid] = false;
  } else if (ctx->time_feel == TANDEM_FEEL_DOUBLE) {
    bool hat_before[GEN_MAX_STEPS];
    float strongest = 0.0f;
    for (int i = 0; i < n; ++i) {
      hat_before[i] = hat[i];
      strongest = snare_w[i] > strongest ? snare_w[i] : strongest;
    }
    /* The backbeat is certain in double time, even in a sparse style that may
     * leave it out of a bar: it is what says "twice as fast". */
    for (int i = 0; i < n; ++i) {
      snare[i] = snare[i] || (strongest > 0.0f && snare_w[i] >= 0.5f * strongest);
    }
    tandem_gen_feel_steps(ctx, kick);
    tandem_gen_feel_steps(ctx, snare);
    tandem_gen_feel_steps(ctx, hat);
    /* Hats at twice the rate, and never fewer than before. */
    for (int i = 0; i < n; ++i) {
      hat[i] = hat[i] || hat_before[i];
    }
  }
  int count = 0;
  for (int v = 0; v < TANDEM_DRUM_VOICES; ++v) {
    for (int i = 0; i < n; ++i) {
      count += out->hit[v][i];
    }
  }
  return count;
}

void tandem_gen_drum_bar(const GenCtx* ctx, int bar, GenDrumBar* out)
{
  const TandemStyle* s = ctx->style;
  const int n = ctx->n_steps;
  float w[TANDEM_DRUM_VOICES][GEN_MAX_STEPS];
  float joint_w[TANDEM_DRUM_VOICES * GEN_MAX_STEPS];
  float joint_p[TANDEM_DRUM_VOICES * GEN_MAX_STEPS];
  for (int v = 0; v < TANDEM_DRUM_VOICES; ++v) {
    for (int i = 0; i < n; ++i) {
      w[v][i] = tandem_gen_weight(ctx, s->drum_steps[v], v, i);
      joint_w[v * n + i] = w[v][i];
    }
  }
  /* One scale factor for all voices: the kit keeps the profile's balance. */
  const float main_target =
      s->density[TANDEM_ROLE_DRUMS] * ctx->density_scale * (1.0f - s->ghost_prob);
  tandem_gen_inclusion(joint_w, TANDEM_DRUM_VOICES * n, main_target, joint_p);

  TandemRng base_rng, vary_rng;
  tandem_gen_rng(ctx, &base_rng, GEN_STREAM_DRUM_BASE, 0);
  tandem_gen_rng(ctx, &vary_rng, GEN_STREAM_DRUM_VARY, bar);
  int main_count = 0;
  for (int v = 0; v < TANDEM_DRUM_VOICES; ++v) {
    const float* p = &joint_p[v * n];
    if (ctx->params->euclidean) {
      float expected = 0.0f;
      for (int i = 0; i < n; ++i) {
        expected += p[i];
      }
      euclid_voice(ctx, w[v], (int)lroundf(expected), out->hit[v]);
    } else {
      /* The groove is the base bar; a varied bar redraws a voice from the same
       * probabilities, so variation never changes the expected density. */
      tandem_gen_pick(&base_rng, p, n, bar % 2 == 1, out->hit[v]);
      if (bar > 0 && tandem_rng_float(&vary_rng) < ctx->variation) {
        tandem_gen_pick(&vary_rng, p, n, false, out->hit[v]);
      }
    }
    for (int i = 0; i < n; ++i) {
      main_count += out->hit[v][i];
    }
  }

  if (ctx->time_feel != TANDEM_FEEL_NORMAL) {
    main_count = drum_feel(ctx, w[TANDEM_DRUM_SNARE], out);
  }

  /* Ghosts go where the backbeat voice is not, mostly on the 16ths between; asked
   * for more, they crowd onto the off 16ths. */
  const float boost = ctx->ghost_boost > 0.0f ? ctx->ghost_boost : 0.0f;
  const float on_beat = 0.15f * (1.0f - 0.8f * boost);
  const float on_eighth = 0.6f * (1.0f - 0.5f * boost);
  float ghost_w[GEN_MAX_STEPS];
  for (int i = 0; i < n; ++i) {
    const float shape = (i % 4 == 0) ? on_beat : (i % 2 == 0) ? on_eighth : 1.0f;
    const bool usable = i % ctx->step_unit == 0 && !out->hit[TANDEM_DRUM_SNARE][i];
    ghost_w[i] = usable ? shape * (1.05f - w[TANDEM_DRUM_SNARE][i]) : 0.0f;
  }
  TandemRng ghost_rng;
  tandem_gen_rng(ctx, &ghost_rng, GEN_STREAM_GHOST, bar);
  const int n_ghosts = tandem_gen_ghost_count(ctx, &ghost_rng, main_count);
  tandem_gen_pick_count(&ghost_rng, ghost_w, n, n_ghosts, out->ghost);
}

static uint8_t hit_shape(int voice, int step, TandemRng* rng)
{
  float v;
  if (voice == TANDEM_DRUM_KICK) {
    v = step % 4 == 0 ? 110.0f : 100.0f;
  } else if (voice == TANDEM_DRUM_SNARE) {
    v = 112.0f;
  } else {
    /* Hats lean on the beat, then the 8th, then the 16ths. */
    v = step % 4 == 0 ? 96.0f : step % 2 == 0 ? 82.0f : 66.0f;
  }
  v += (step == 0 ? 6.0f : 0.0f) + 5.0f * tandem_rng_gauss(rng);
  return (uint8_t)(v < 1.0f ? 1.0f : v > 127.0f ? 127.0f : v);
}

void tandem_gen_drums(const GenCtx* ctx)
{
  const TandemStyle* s = ctx->style;
  const TandemGenParams* prm = ctx->params;
  const int n = ctx->n_steps;
  const uint32_t len = GEN_STEP_TICKS / 2;
  const uint8_t snare = s->drum_notes[TANDEM_DRUM_SNARE];
  /* A quiet clap is not a ghost note; use the closed hat instead. */
  const uint8_t ghost_note = snare == 39 ? 42 : snare;
  TandemRng shape_rng;
  tandem_gen_rng(ctx, &shape_rng, GEN_STREAM_VELOCITY, 1);
  bool crash_next = false;

  for (int bar = 0; bar < prm->bars; ++bar) {
    GenDrumBar db;
    tandem_gen_drum_bar(ctx, bar, &db);
    const uint32_t bar_tick = (uint32_t)bar * ctx->bar_ticks;

    int fill_from = n;
    TandemRng fill_rng;
    tandem_gen_rng(ctx, &fill_rng, GEN_STREAM_FILL, bar);
    const bool phrase_end =
        bar % GEN_PHRASE_BARS == GEN_PHRASE_BARS - 1 || bar == prm->bars - 1;
    if (phrase_end && prm->fill > 0.0f && tandem_rng_float(&fill_rng) < prm->fill) {
      int fill_len = prm->fill > 0.75f ? 8 : 4;
      fill_len = fill_len > n / 2 ? n / 2 : fill_len;
      fill_from = n - fill_len;
    }

    for (int i = 0; i < fill_from; ++i) {
      const uint32_t tick = bar_tick + (uint32_t)i * GEN_STEP_TICKS;
      for (int v = 0; v < TANDEM_DRUM_VOICES; ++v) {
        if (!db.hit[v][i]) {
          continue;
        }
        if (i == 0 && v == TANDEM_DRUM_HAT && crash_next) {
          continue; /* the crash takes the hat's place */
        }
        tandem_gen_add(ctx, tick, len, TANDEM_PITCH_ABSOLUTE, s->drum_notes[v], 0, 0,
                       hit_shape(v, i, &shape_rng), 0);
      }
      if (db.ghost[i]) {
        tandem_gen_add(ctx, tick, len, TANDEM_PITCH_ABSOLUTE, ghost_note, 0, 0, 40,
                       TANDEM_NOTE_GHOST);
      }
    }
    if (crash_next) {
      tandem_gen_add(ctx, bar_tick, GEN_STEP_TICKS * 4, TANDEM_PITCH_ABSOLUTE, GM_CRASH,
                     0, 0, 118, TANDEM_NOTE_FILL);
      crash_next = false;
    }
    if (fill_from < n) {
      const int fill_len = n - fill_from;
      for (int i = fill_from; i < n; i += ctx->step_unit) {
        if (i != fill_from && tandem_rng_float(&fill_rng) > 0.85f) {
          continue;
        }
        const int pos = i - fill_from;
        const uint8_t voice = fill_voices[pos * 6 / fill_len];
        const float rise = 84.0f + 36.0f * (float)pos / (float)fill_len;
        tandem_gen_add(ctx, bar_tick + (uint32_t)i * GEN_STEP_TICKS, len,
                       TANDEM_PITCH_ABSOLUTE, voice, 0, 0, (uint8_t)rise,
                       TANDEM_NOTE_FILL);
      }
      crash_next = bar + 1 < prm->bars;
    }
  }
}

bool tandem_gen_section_marks(TandemPattern* p, const TandemStyle* style, int fill_bar,
                              int crash_bar, float fill, uint32_t seed)
{
  if (!p || !style || p->role != TANDEM_ROLE_DRUMS || p->bars < 1) {
    return false;
  }
  const uint32_t bar_ticks = tandem_pattern_ticks_per_bar(p);
  const uint32_t beat_ticks = tandem_pattern_ticks_per_beat(p);
  const uint32_t step = GEN_STEP_TICKS;
  const bool do_fill = fill > 0.0f && fill_bar >= 0 && fill_bar < p->bars;
  const bool do_crash = crash_bar >= 0 && crash_bar < p->bars;
  uint32_t fill_from = 0, fill_to = 0, crash_at = 0;
  if (do_fill) {
    const float f = fill > 1.0f ? 1.0f : fill;
    int beats = (int)ceilf(f * (float)p->beats_per_bar);
    beats = beats < 1 ? 1 : beats > p->beats_per_bar ? p->beats_per_bar : beats;
    fill_to = (uint32_t)(fill_bar + 1) * bar_ticks;
    fill_from = fill_to - (uint32_t)beats * beat_ticks;
  }
  if (do_crash) {
    crash_at = (uint32_t)crash_bar * bar_ticks;
  }
  /* Out goes what the fill replaces, and the hat the crash stands in for. */
  const uint8_t hat = style->drum_notes[TANDEM_DRUM_HAT];
  uint32_t kept = 0;
  for (uint32_t i = 0; i < p->n_notes; ++i) {
    const TandemNote* n = &p->notes[i];
    const bool in_fill = do_fill && n->tick >= fill_from && n->tick < fill_to;
    const bool under_crash = do_crash && n->tick == crash_at &&
                             (n->pitch == hat || n->pitch == 42 || n->pitch == 44 ||
                              n->pitch == 46 || n->pitch == GM_CRASH);
    if (!in_fill && !under_crash) {
      p->notes[kept++] = *n;
    }
  }
  p->n_notes = kept;

  TandemRng rng;
  tandem_rng_seed(&rng, seed, ((uint64_t)GEN_STREAM_FILL << 32) | 0xffffu);
  if (do_fill) {
    /* Walks down from the snare through the toms, getting louder into the change. */
    const uint8_t voices[] = {style->drum_notes[TANDEM_DRUM_SNARE], 50, 48, 47, 45, 43};
    const uint32_t span = fill_to - fill_from;
    const uint32_t every = style->swing_grid == 8 ? 2 * step : step;
    for (uint32_t t = fill_from; t < fill_to; t += every) {
      if (t != fill_from && t + every < fill_to && tandem_rng_float(&rng) > 0.85f) {
        continue;
      }
      const uint32_t pos = t - fill_from;
      const TandemNote note = {
          .tick = t,
          .length = step / 2,
          .kind = TANDEM_PITCH_ABSOLUTE,
          .pitch = voices[pos * 6 / span],
          .velocity = (uint8_t)(84.0f + 36.0f * (float)pos / (float)span),
          .flags = TANDEM_NOTE_FILL,
      };
      tandem_pattern_add(p, &note);
    }
  }
  if (do_crash) {
    const TandemNote crash = {
        .tick = crash_at,
        .length = step * 4,
        .kind = TANDEM_PITCH_ABSOLUTE,
        .pitch = GM_CRASH,
        .velocity = 118,
        .flags = TANDEM_NOTE_FILL | TANDEM_NOTE_ACCENT,
    };
    tandem_pattern_add(p, &crash);
  }
  tandem_pattern_sort(p);
  return true;
}
