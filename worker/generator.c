/* Tandem — the built-in generator: shared sampling helpers, velocities, entry point.
 * The roles live in gen_drums.c, gen_bass.c, gen_chords.c and gen_melody.c.
 * See generator.h. */
#include "generator.h"

#include "gen_internal.h"

#include <math.h>
#include <string.h>

void tandem_gen_params_default(TandemGenParams* params, TandemRole role, uint32_t seed)
{
  memset(params, 0, sizeof(*params));
  params->role = role;
  params->complexity = 0.5f;
  params->density = 0.5f;
  params->energy = 0.5f;
  params->fill = 0.0f;
  params->bars = 4;
  params->seed = seed;
}

void tandem_gen_rng(const GenCtx* ctx, TandemRng* rng, GenStream stream, int bar)
{
  tandem_rng_seed(rng, ctx->params->seed, ((uint64_t)stream << 32) | (uint32_t)bar);
}

float tandem_gen_weight(const GenCtx* ctx, const float* steps, int layer, int i)
{
  if (i % ctx->step_unit) {
    return 0.0f;
  }
  float w = steps[i % ctx->style->n_steps];
  if (w > 0.0f && w < 1.0f) {
    /* Weights of 1 are the style's fixed points (the one-drop's beat 3); the
     * optional steps get a per-seed jitter so that seeds differ in character,
     * not only in dice rolls. */
    TandemRng rng;
    tandem_gen_rng(ctx, &rng, GEN_STREAM_FLAVOUR, layer * GEN_MAX_STEPS + i);
    w *= exp2f(ctx->flavour_sigma * tandem_rng_gauss(&rng));
  }
  return (i % 4) ? w * ctx->offbeat_boost : w;
}

float tandem_gen_inclusion(const float* w, int n, float target, float* p)
{
  int nonzero = 0;
  for (int i = 0; i < n; ++i) {
    nonzero += w[i] > 0.0f;
  }
  if (nonzero == 0 || target <= 0.0f) {
    for (int i = 0; i < n; ++i) {
      p[i] = 0.0f;
    }
    return 0.0f;
  }
  if (target >= (float)nonzero) {
    for (int i = 0; i < n; ++i) {
      p[i] = w[i] > 0.0f ? 1.0f : 0.0f;
    }
    return (float)nonzero;
  }
  /* The sum grows monotonically with k: bisect between k = 0 and k = 1 / (smallest
   * weight), where every nonzero step is certain. */
  double lo = 0.0;
  double hi = 0.0;
  for (int i = 0; i < n; ++i) {
    if (w[i] > 0.0f && 1.0 / w[i] > hi) {
      hi = 1.0 / w[i];
    }
  }
  double sum = 0.0;
  for (int iter = 0; iter < 60; ++iter) {
    const double k = 0.5 * (lo + hi);
    sum = 0.0;
    for (int i = 0; i < n; ++i) {
      const double v = k * w[i];
      sum += v < 1.0 ? v : 1.0;
    }
    if (sum < target) {
      lo = k;
    } else {
      hi = k;
    }
  }
  sum = 0.0;
  for (int i = 0; i < n; ++i) {
    const double v = hi * w[i];
    p[i] = (float)(v < 1.0 ? v : 1.0);
    sum += p[i];
  }
  return (float)sum;
}

int tandem_gen_pick(TandemRng* rng, const float* p, int n, bool half_turn, bool* hit)
{
  int order[GEN_MAX_STEPS];
  for (int i = 0; i < n; ++i) {
    order[i] = i;
    hit[i] = false;
  }
  /* A random order keeps the exact inclusion probabilities but lets any
   * combination of steps occur, not only neighbours along the bar. */
  for (int i = n - 1; i > 0; --i) {
    const int j = (int)tandem_rng_below(rng, (uint32_t)i + 1);
    const int t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  double u = tandem_rng_float(rng);
  u = half_turn ? (u < 0.5 ? u + 0.5 : u - 0.5) : u;
  double cum = 0.0;
  int count = 0;
  for (int k = 0; k < n; ++k) {
    const int i = order[k];
    const double lo = cum;
    cum += p[i];
    if (floor(cum - u) > floor(lo - u)) {
      hit[i] = true;
      ++count;
    }
  }
  return count;
}

void tandem_gen_pick_count(TandemRng* rng, const float* w, int n, int count, bool* hit)
{
  float left[GEN_MAX_STEPS];
  float total = 0.0f;
  for (int i = 0; i < n; ++i) {
    hit[i] = false;
    left[i] = w[i] > 0.0f ? w[i] : 0.0f;
    total += left[i];
  }
  for (int c = 0; c < count && total > 0.0f; ++c) {
    float r = tandem_rng_float(rng) * total;
    int chosen = -1;
    for (int i = 0; i < n; ++i) {
      if (left[i] <= 0.0f) {
        continue;
      }
      chosen = i;
      if (r < left[i]) {
        break;
      }
      r -= left[i];
    }
    if (chosen < 0) {
      break;
    }
    hit[chosen] = true;
    total -= left[chosen];
    left[chosen] = 0.0f;
  }
}

int tandem_gen_feel_steps(const GenCtx* ctx, bool* hit)
{
  const int n = ctx->n_steps;
  int count = 0;
  if (ctx->time_feel == TANDEM_FEEL_NORMAL) {
    for (int i = 0; i < n; ++i) {
      count += hit[i];
    }
    return count;
  }
  bool src[GEN_MAX_STEPS];
  for (int i = 0; i < n; ++i) {
    src[i] = hit[i];
    hit[i] = false;
  }
  const int half = n / 2;
  for (int i = 0; i < n; ++i) {
    if (!src[i]) {
      continue;
    }
    if (ctx->time_feel == TANDEM_FEEL_HALF) {
      if (2 * i < n) {
        hit[2 * i] = true;
      }
    } else if (i % 2 == 0) {
      const int a = i / 2;
      const int b = half + i / 2;
      if (a % ctx->step_unit == 0) {
        hit[a] = true;
      }
      if (b < n && b % ctx->step_unit == 0) {
        hit[b] = true;
      }
    }
  }
  for (int i = 0; i < n; ++i) {
    count += hit[i];
  }
  return count;
}

int tandem_gen_ghost_count(const GenCtx* ctx, TandemRng* rng, int main_count)
{
  const float want = ctx->ghost_fraction * (float)main_count;
  const int whole = (int)want;
  return whole + (tandem_rng_float(rng) < want - (float)whole ? 1 : 0);
}

void tandem_gen_add(const GenCtx* ctx, uint32_t tick, uint32_t length, uint8_t kind,
                    uint8_t pitch, int8_t degree, int8_t octave, uint8_t shape_velocity,
                    uint8_t flags)
{
  const TandemNote note = {
      .tick = tick,
      .length = length > 0 ? length : 1,
      .kind = kind,
      .pitch = pitch,
      .degree = degree,
      .octave = octave,
      .chromatic = 0,
      .velocity = shape_velocity > 0 ? shape_velocity : 1,
      .flags = flags,
  };
  tandem_pattern_add(ctx->out, &note);
}

uint32_t tandem_gen_hold(const GenCtx* ctx, const bool* onsets, int bar, int step,
                         float sustain)
{
  const int total = ctx->params->bars * ctx->n_steps;
  const int at = bar * ctx->n_steps + step;
  int gap = 1;
  while (gap < total && !onsets[(at + gap) % total]) {
    ++gap;
  }
  const uint32_t held = (uint32_t)((float)(gap * GEN_STEP_TICKS) * sustain);
  return held < GEN_STEP_TICKS / 4 ? GEN_STEP_TICKS / 4 : held;
}

/* Maps the role modules' velocity shapes (accents, noise) onto the profile's
 * mean and spread, so each pattern has the profile's dynamics whatever its
 * accents; ghost notes sit well below. */
static void finish_velocities(const GenCtx* ctx)
{
  TandemPattern* p = ctx->out;
  const float energy = ctx->params->energy;
  float mean = ctx->style->velocity_mean * (0.6f + 0.8f * energy);
  mean = mean > 127.0f ? 127.0f : mean;
  const float spread = ctx->style->velocity_spread;

  double sum = 0.0, sum2 = 0.0;
  uint32_t n = 0;
  for (uint32_t i = 0; i < p->n_notes; ++i) {
    if (!(p->notes[i].flags & TANDEM_NOTE_GHOST)) {
      sum += p->notes[i].velocity;
      sum2 += (double)p->notes[i].velocity * p->notes[i].velocity;
      ++n;
    }
  }
  const double shape_mean = n ? sum / n : 0.0;
  const double var = n ? sum2 / n - shape_mean * shape_mean : 0.0;
  const double shape_sd = var > 1e-9 ? sqrt(var) : 0.0;

  TandemRng rng;
  tandem_gen_rng(ctx, &rng, GEN_STREAM_VELOCITY, 0);
  for (uint32_t i = 0; i < p->n_notes; ++i) {
    TandemNote* note = &p->notes[i];
    double v;
    if (note->flags & TANDEM_NOTE_GHOST) {
      /* Ghosts: felt more than heard, about a third of the main level; asked-for
       * ghost notes come up a little so that they are heard, still well below. */
      const double level = ctx->ghost_boost > 0.0f ? 0.35 + 0.1 * ctx->ghost_boost : 0.35;
      v = level * mean + 4.0 * tandem_rng_gauss(&rng);
      v = v > 0.5 * mean ? 0.5 * mean : v;
    } else {
      const double z = shape_sd > 0.0 ? (note->velocity - shape_mean) / shape_sd : 0.0;
      v = mean + z * spread;
      if (z > 1.0) {
        note->flags |= TANDEM_NOTE_ACCENT;
      }
    }
    const long r = lround(v);
    note->velocity = (uint8_t)(r < 1 ? 1 : r > 127 ? 127 : r);
  }
}

bool tandem_generate(const TandemStyle* style, const TandemGenParams* params,
                     TandemPattern* out)
{
  if (!style || !params || !out || params->role >= TANDEM_ROLE_TRIGGER ||
      params->bars < 1 || params->bars > TANDEM_MAX_BARS || style->n_steps < 1 ||
      style->n_steps > GEN_MAX_STEPS) {
    return false;
  }
  uint8_t beats = params->beats_per_bar;
  uint8_t unit = params->beat_unit;
  if (beats == 0) {
    beats = style->beats_per_bar;
    unit = style->beat_unit;
  }
  if (beats < 1 || beats > 16 || (unit != 4 && unit != 8)) {
    return false;
  }

  tandem_pattern_init(out, params->role, params->bars, beats, unit);
  out->seed = params->seed;
  GenCtx ctx = {
      .style = style,
      .params = params,
      .out = out,
      .n_steps = beats * 16 / unit,
      .step_unit = style->swing_grid == 8 ? 2 : 1,
      .bar_ticks = tandem_pattern_ticks_per_bar(out),
  };
  const float density = params->density < 0.0f   ? 0.0f
                        : params->density > 1.0f ? 1.0f
                                                 : params->density;
  const float complexity = params->complexity < 0.0f   ? 0.0f
                           : params->complexity > 1.0f ? 1.0f
                                                       : params->complexity;
  /* Profile densities are per profile bar; a bar of another meter scales them. */
  ctx.density_scale =
      exp2f((density - 0.5f) * 2.0f) * (float)ctx.n_steps / style->n_steps;
  ctx.variation = 0.05f + 0.5f * complexity;
  ctx.flavour_sigma = 0.3f + 0.6f * complexity;
  ctx.offbeat_boost = 1.0f + 2.0f * (complexity - 0.5f) * style->syncopation;
  const float g = style->ghost_prob < 0.9f ? style->ghost_prob : 0.9f;
  ctx.ghost_fraction = g / (1.0f - g);
  ctx.time_feel =
      params->time_feel <= TANDEM_FEEL_DOUBLE ? params->time_feel : TANDEM_FEEL_NORMAL;
  ctx.ghost_boost = params->ghost < -1.0f ? -1.0f
                    : params->ghost > 1.0f
                        ? 1.0f
                        : (params->ghost == params->ghost ? params->ghost : 0.0f);
  if (ctx.ghost_boost > 0.0f) {
    /* More ghosts, and some even where the profile has none. */
    ctx.ghost_fraction =
        ctx.ghost_fraction * (1.0f + 3.0f * ctx.ghost_boost) + 0.2f * ctx.ghost_boost;
  } else if (ctx.ghost_boost < 0.0f) {
    ctx.ghost_fraction *= 1.0f + ctx.ghost_boost;
  }

  switch (params->role) {
  case TANDEM_ROLE_DRUMS:
    tandem_gen_drums(&ctx);
    break;
  case TANDEM_ROLE_BASS:
    tandem_gen_bass(&ctx);
    break;
  case TANDEM_ROLE_CHORDS:
    tandem_gen_chords(&ctx);
    break;
  default:
    tandem_gen_melody(&ctx);
    break;
  }
  tandem_pattern_sort(out);
  finish_velocities(&ctx);
  return true;
}

float tandem_rhythm_distance(const TandemPattern* a, const TandemPattern* b)
{
  const uint32_t step = GEN_STEP_TICKS;
  const uint32_t bars = a->bars < b->bars ? a->bars : b->bars;
  const uint32_t len_a = tandem_pattern_ticks_per_bar(a) * bars;
  const uint32_t len_b = tandem_pattern_ticks_per_bar(b) * bars;
  const uint32_t len = len_a < len_b ? len_a : len_b;
  bool in_a[TANDEM_MAX_BARS * GEN_MAX_STEPS] = {false};
  bool in_b[TANDEM_MAX_BARS * GEN_MAX_STEPS] = {false};
  for (uint32_t i = 0; i < a->n_notes; ++i) {
    if (a->notes[i].tick < len) {
      in_a[(a->notes[i].tick + step / 2) / step % (len / step)] = true;
    }
  }
  for (uint32_t i = 0; i < b->n_notes; ++i) {
    if (b->notes[i].tick < len) {
      in_b[(b->notes[i].tick + step / 2) / step % (len / step)] = true;
    }
  }
  uint32_t both = 0, either = 0;
  for (uint32_t i = 0; i < len / step; ++i) {
    both += in_a[i] && in_b[i];
    either += in_a[i] || in_b[i];
  }
  return either ? (float)(either - both) / (float)either : 0.0f;
}
