/* Tandem — generator, form: how the pitched parts develop over the pattern
 * (A A' A B blocks of 4 bars) and nested note choices that make density and
 * complexity act monotonically.  See gen_internal.h. */
#include "gen_internal.h"

int tandem_gen_form_source(const GenCtx* ctx, int bar)
{
  /* The third block restates the first (A A' A B), so the part has a theme a
   * listener hears come back, and no block sounds three times in a row. */
  if (ctx->params->bars >= 3 * GEN_PHRASE_BARS && bar >= 2 * GEN_PHRASE_BARS &&
      bar < 3 * GEN_PHRASE_BARS) {
    return bar - 2 * GEN_PHRASE_BARS;
  }
  return bar;
}

bool tandem_gen_form_varies(const GenCtx* ctx, GenStream stream, int bar)
{
  const int source = tandem_gen_form_source(ctx, bar);
  if (source == 0) {
    return false;
  }
  /* A' and B end on a bar of their own, so neither block repeats the one before. */
  if (tandem_gen_form_phrase_end(ctx, bar)) {
    return true;
  }
  TandemRng rng;
  tandem_gen_rng(ctx, &rng, stream, 3 * TANDEM_MAX_BARS + source);
  /* The B block contrasts more than A'. */
  const float boost = source >= 3 * GEN_PHRASE_BARS ? 1.5f : 1.0f;
  return tandem_rng_float(&rng) < ctx->variation * boost;
}

int tandem_gen_pick_nested(const GenCtx* ctx, GenStream stream, int key, const float* w,
                           int n, float target, int bar, bool* hit)
{
  TandemRng rng;
  tandem_gen_rng(ctx, &rng, stream, 4 * TANDEM_MAX_BARS + key);
  /* Sequential Poisson sampling: steps ranked by u / w from one fixed draw per
   * step, the first m taken.  The ranking does not depend on the density, so a
   * step heard at some density is heard at every higher one. */
  float rank[GEN_MAX_STEPS];
  int nonzero = 0;
  for (int i = 0; i < n; ++i) {
    const float u = tandem_rng_float(&rng);
    rank[i] = w[i] > 0.0f ? u / w[i] : -1.0f;
    nonzero += w[i] > 0.0f;
    hit[i] = false;
  }
  /* The count rounds up or down by an offset drawn per pair of bars; the pair's
   * second bar rounds the other way, so the part keeps the profile's density. */
  TandemRng pair_rng;
  tandem_gen_rng(ctx, &pair_rng, stream, 9 * TANDEM_MAX_BARS + bar / 2);
  float offset = tandem_rng_float(&pair_rng);
  offset = bar % 2 ? (offset < 0.5f ? offset + 0.5f : offset - 0.5f) : offset;
  int m = target > 0.0f ? (int)(target + offset) : 0;
  m = m > nonzero ? nonzero : m;
  for (int c = 0; c < m; ++c) {
    int best = -1;
    for (int i = 0; i < n; ++i) {
      if (rank[i] >= 0.0f && !hit[i] && (best < 0 || rank[i] < rank[best])) {
        best = i;
      }
    }
    hit[best] = true;
  }
  return m;
}

float tandem_gen_pitched_weight(const GenCtx* ctx, const float* steps, int layer, int i)
{
  /* Complexity acts on the pitched parts through variation and anticipation
   * (below), both nested; re-weighting the steps would reshuffle the line. */
  GenCtx steady = *ctx;
  steady.offbeat_boost = 1.0f;
  steady.flavour_sigma = 0.6f;
  return tandem_gen_weight(&steady, steps, layer, i);
}

int tandem_gen_anticipate(const GenCtx* ctx, GenStream stream, int key, const float* w,
                          bool* hit)
{
  const int n = ctx->n_steps;
  const int push = 2; /* an eighth early, swung or straight */
  const float share = 0.6f * ctx->params->complexity * ctx->style->syncopation;
  TandemRng rng;
  tandem_gen_rng(ctx, &rng, stream, 7 * TANDEM_MAX_BARS + key);
  int moved = 0;
  for (int i = 4; i < n; i += 4) {
    const float u = tandem_rng_float(&rng);
    if (hit[i] && w[i] < 1.0f && !hit[i - push] && (i - push) % ctx->step_unit == 0 &&
        u < share) {
      hit[i] = false;
      hit[i - push] = true;
      ++moved;
    }
  }
  return moved;
}

bool tandem_gen_form_phrase_end(const GenCtx* ctx, int bar)
{
  const int source = tandem_gen_form_source(ctx, bar);
  return ctx->params->bars >= 2 * GEN_PHRASE_BARS &&
         source % GEN_PHRASE_BARS == GEN_PHRASE_BARS - 1 &&
         (source / GEN_PHRASE_BARS) % 2 == 1;
}

int tandem_gen_vary_bar(const GenCtx* ctx, GenStream stream, int key, const float* w,
                        bool add, bool* hit)
{
  const int n = ctx->n_steps;
  float off[GEN_MAX_STEPS];
  for (int i = 0; i < n; ++i) {
    off[i] = (i % 4 != 0 && !hit[i] && i % ctx->step_unit == 0) ? w[i] + 0.05f : 0.0f;
  }
  bool to[GEN_MAX_STEPS];
  TandemRng rng;
  tandem_gen_rng(ctx, &rng, stream, 8 * TANDEM_MAX_BARS + key);
  tandem_gen_pick_count(&rng, off, n, 1, to);
  int at = -1;
  for (int i = 0; i < n && at < 0; ++i) {
    at = to[i] ? i : -1;
  }
  if (at < 0) {
    return 0;
  }
  /* The note that goes is the lightest after the downbeat; the style's fixed
   * points (weight 1 or more) stay. */
  int from = -1;
  for (int i = 1; i < n; ++i) {
    if (hit[i] && w[i] < 1.0f && (from < 0 || w[i] < w[from])) {
      from = i;
    }
  }
  if (from < 0 && !add) {
    return 0;
  }

  if (from >= 0) {
    hit[from] = false;
  }
  hit[at] = true;
  return from >= 0 ? 0 : 1;
}
