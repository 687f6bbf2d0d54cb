/* Tandem — generator, drums: a groove drawn once, developed over 4-bar phrases
 * (A A' A B), the style's idioms and fills.  See gen_internal.h.
 *
 * How the knobs act, so that each moves one thing in one direction:
 * - the groove is drawn once per seed, by priorities fixed per voice and step
 *   (pick_groove), so a higher density only adds hits and never reshuffles the
 *   bar;
 * - a style's weight-1 kick and snare steps (the 1, the backbeat, the one-drop,
 *   the bossa rim) and its weight-1 hats always play: they are the style;
 * - the hats or ride are the same in every bar (the time keeper), except where a
 *   fill or a roll stands in for them, and so are the style's steady hits (jazz's
 *   feathered kick and hi-hat foot);
 * - complexity sets how many edits the A' and B bars (and from 0.75 the second
 *   A) get (moved or added kicks and snares, added or opened hats) and how far
 *   off the beat they go; the groove itself does not take the off-beat boost;
 * - fill sets how often fills come (every 16 bars below 0.125, every 8 up to
 *   0.25, at every 4-bar phrase end above) and how long they are (ceil(fill *
 *   beats) beats), always ending on a phrase's last bar line;
 * - energy adds the style's layer from 0.7 and touches no other note. */
#include "gen_internal.h"

#include <math.h>

#define GM_CRASH     49
#define GM_OPEN_HAT  46
#define GM_RIDE_BELL 53

/* TANDEM_FILL_LETTERS in order; 0 stands for the profile's snare. */
static const uint8_t fill_notes[TANDEM_FILL_VOICES] = {36, 0,  0,  37, 39, 42, 44, 46,
                                                       51, 53, 49, 50, 48, 47, 45, 43};
#define FILL_BIT_KICK  (1u << 0)
#define FILL_BIT_SNARE (1u << 1)
#define FILL_BIT_GHOST (1u << 2)

/* Toms from high to low: the fill of a profile that names none. */
static const uint8_t plain_fill_toms[] = {38, 50, 48, 47, 45, 43};

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
  for (int i = 0; i < n; ++i) {
    out->open[i] = out->open[i] && hat[i];
  }
  int count = 0;
  for (int v = 0; v < TANDEM_DRUM_VOICES; ++v) {
    for (int i = 0; i < n; ++i) {
      count += out->hit[v][i];
    }
  }
  return count;
}

/* A style's fixed point: a profile step of weight 1, which every bar plays. */
static bool is_anchor(const GenCtx* ctx, const float* steps, int i)
{
  return i % ctx->step_unit == 0 && steps[i % ctx->style->n_steps] >= 0.999f;
}

/* The voice a steady-hit letter (bit b of TANDEM_FILL_LETTERS) plays, or -1 for
 * a stroke of its own (the hi-hat foot, a cowbell). */
static int steady_voice(const TandemStyle* s, int b)
{
  if ((1u << b) == FILL_BIT_KICK) {
    return TANDEM_DRUM_KICK;
  }
  if ((1u << b) == FILL_BIT_SNARE) {
    return TANDEM_DRUM_SNARE;
  }
  for (int v = 0; v < TANDEM_DRUM_VOICES; ++v) {
    if (fill_notes[b] == s->drum_notes[v]) {
      return v;
    }
  }
  return -1;
}

/* The style's steady hits at step i: TANDEM_FILL_LETTERS bits. */
static uint16_t steady_at(const GenCtx* ctx, int i)
{
  return i % ctx->step_unit ? 0 : ctx->style->steady_hits[i % ctx->style->n_steps];
}

/* Does this step's bit set strike voice v? */
static bool strikes_voice(const TandemStyle* s, uint16_t hits, int v)
{
  for (int b = 0; hits && b < TANDEM_FILL_VOICES; ++b) {
    if ((hits & (1u << b)) && steady_voice(s, b) == v) {
      return true;
    }
  }
  return false;
}

/* A step every bar plays in voice v: the profile's weight 1, or a steady hit. */
static bool is_fixed(const GenCtx* ctx, int v, int i)
{
  return strikes_voice(ctx->style, steady_at(ctx, i), v) ||
         is_anchor(ctx, ctx->style->drum_steps[v], i);
}

/* Steady strokes of their own (not a kit voice) at step i: their bits. */
static uint16_t steady_extra_at(const GenCtx* ctx, int i)
{
  uint16_t extra = 0;
  const uint16_t hits = steady_at(ctx, i);
  for (int b = 0; hits && b < TANDEM_FILL_VOICES; ++b) {
    if ((hits & (1u << b)) && steady_voice(ctx->style, b) < 0) {
      extra |= (uint16_t)(1u << b);
    }
  }
  return extra;
}

static float complexity(const GenCtx* ctx)
{
  const float c = ctx->params->complexity;
  return c > 1.0f ? 1.0f : c > 0.0f ? c : 0.0f;
}

/* Share of bars with a hat roll: the profile's at complexity 0.5, half of it at
 * 0, one and a half times at 1. */
static float roll_share(const GenCtx* ctx)
{
  const float c = complexity(ctx);
  const float share = ctx->style->hat_rolls * (0.5f + c);
  return share > 1.0f ? 1.0f : share;
}

/* Strokes a roll adds over the hats it replaces, on average over the kinds. */
#define ROLL_EXTRA_STROKES 2.25f

/* Edits a bar gets at its place in the 4-bar phrase: none in the first A, a few
 * in A', most in B (at least one, so that phrases differ), and from complexity
 * 0.75 some in the second A; each quarter of complexity adds one. */
static int bar_edits(const GenCtx* ctx, int bar)
{
  const int steps = (int)floorf(4.0f * complexity(ctx) + 1e-4f);
  switch (bar % GEN_PHRASE_BARS) {
  case 1:
    return steps;
  case 2:
    return steps > 2 ? steps - 2 : 0;
  case 3:
    return 1 + steps;
  default:
    return 0;
  }
}

/* The step among those of positive weight that `skip` does not hold at u (0..1)
 * of their cumulative weight; -1 when there is none. */
static int draw_step(const GenCtx* ctx, float u, const float* w, const bool* skip)
{
  float total = 0.0f;
  for (int i = 0; i < ctx->n_steps; ++i) {
    total += skip[i] ? 0.0f : w[i];
  }
  if (total <= 0.0f) {
    return -1;
  }
  float r = u * total;
  int last = -1;
  for (int i = 0; i < ctx->n_steps; ++i) {
    if (skip[i] || w[i] <= 0.0f) {
      continue;
    }
    last = i;
    if (r < w[i]) {
      return i;
    }
    r -= w[i];
  }
  return last;
}

/* One variation of the groove: a kick or snare moved to another step the style
 * allows, one added there, a hat added, or an off-beat hat opened.  Fixed steps
 * stay, and no hat is taken away.
 * Every edit takes the same four numbers from rng, so the k-th edit of a bar is
 * drawn alike at every complexity and more complexity only adds edits. */
static void edit_bar(const GenCtx* ctx, TandemRng* rng, float w[][GEN_MAX_STEPS],
                     GenDrumBar* out)
{
  const int n = ctx->n_steps;
  float u[4];
  for (int k = 0; k < 4; ++k) {
    u[k] = tandem_rng_float(rng);
  }
  const float off = 1.0f + 2.0f * complexity(ctx);
  if (u[0] < 0.15f) {
    /* Open one off-beat hat, more likely late in the bar (into the next one). */
    float late[GEN_MAX_STEPS];
    bool closed[GEN_MAX_STEPS];
    for (int i = 0; i < n; ++i) {
      late[i] = (float)(i + 1);
      closed[i] = !out->hit[TANDEM_DRUM_HAT][i] || i % 4 == 0 || out->open[i];
    }
    const int at = draw_step(ctx, u[1], late, closed);
    if (at >= 0) {
      out->open[at] = true;
    }
    return;
  }
  const int v = u[0] < 0.75f ? TANDEM_DRUM_KICK : TANDEM_DRUM_SNARE;
  /* Where the voice may go: the profile's weights, and the style's variation
   * strokes (bossa's extra cross-sticks) at half the strongest weight. */
  float vw[GEN_MAX_STEPS];
  float strongest = 0.0f;
  for (int i = 0; i < n; ++i) {
    strongest = w[v][i] > strongest ? w[v][i] : strongest;
  }
  for (int i = 0; i < n; ++i) {
    const uint16_t varied =
        i % ctx->step_unit ? 0 : ctx->style->variation_hits[i % ctx->style->n_steps];
    vw[i] =
        strikes_voice(ctx->style, varied, v) ? fmaxf(w[v][i], 0.5f * strongest) : w[v][i];
  }
  const bool room = draw_step(ctx, 0.5f, vw, out->hit[v]) >= 0;
  if (u[0] < 0.25f || !room) {
    /* A hat more on a step the style allows (also when the kick or snare has no
     * free step: four on the floor): the time keeper only ever gains. */
    float hat_w[GEN_MAX_STEPS];
    for (int i = 0; i < n; ++i) {
      hat_w[i] = i % 4 ? w[TANDEM_DRUM_HAT][i] * off : w[TANDEM_DRUM_HAT][i];
    }
    const int at = draw_step(ctx, u[1], hat_w, out->hit[TANDEM_DRUM_HAT]);
    if (at >= 0) {
      out->hit[TANDEM_DRUM_HAT][at] = true;
    }
    return;
  }
  bool* hit = out->hit[v];
  bool fixed[GEN_MAX_STEPS];
  float movable_w[GEN_MAX_STEPS];
  float to_w[GEN_MAX_STEPS];
  /* Complexity pulls the edits off the beat: a moved kick anticipates the beat
   * rather than landing on it. */
  for (int i = 0; i < n; ++i) {
    fixed[i] = !hit[i] || is_fixed(ctx, v, i);
    movable_w[i] = i % 4 ? 1.0f / off : 1.0f;
    to_w[i] = i % 4 ? vw[i] * off : vw[i];
  }
  const int to = draw_step(ctx, u[1], to_w, hit);
  if (to < 0) {
    return;
  }
  /* Half the edits move a hit (the density stays), half add one. */
  if (u[2] < 0.5f) {
    const int from = draw_step(ctx, u[3], movable_w, fixed);
    if (from >= 0) {
      hit[from] = false;
    }
  }
  hit[to] = true;
}

/* The groove's optional steps: round(target) of them (rounded by a number fixed
 * per seed), those of highest priority log(u) / w, with u fixed per seed and
 * step (weighted sampling without replacement), so heavy weights come first.
 * The priorities do not depend on the target, so more density only adds steps,
 * and each seed plays the profile's notes per bar to within one. */
static void pick_groove(const GenCtx* ctx, const float* w, int total, float target,
                        bool* hit)
{
  float key[TANDEM_DRUM_VOICES * GEN_MAX_STEPS];
  int available = 0;
  for (int j = 0; j < total; ++j) {
    TandemRng rng;
    tandem_gen_rng(ctx, &rng, GEN_STREAM_DRUM_BASE, j);
    const float u = tandem_rng_float(&rng);
    key[j] = w[j] > 0.0f ? logf(u > 1e-30f ? u : 1e-30f) / w[j] : -INFINITY;
    available += w[j] > 0.0f;
    hit[j] = false;
  }
  TandemRng round_rng;
  tandem_gen_rng(ctx, &round_rng, GEN_STREAM_DRUM_BASE, total + GEN_MAX_STEPS);
  int count = target > 0.0f ? (int)floorf(target + tandem_rng_float(&round_rng)) : 0;
  count = count < available ? count : available;
  for (int c = 0; c < count; ++c) {
    int best = -1;
    for (int j = 0; j < total; ++j) {
      if (!hit[j] && w[j] > 0.0f && (best < 0 || key[j] > key[best])) {
        best = j;
      }
    }
    hit[best] = true;
  }
}

void tandem_gen_drum_bar(const GenCtx* ctx_in, int bar, GenDrumBar* out)
{
  /* The groove is the same at every complexity (each seed's own reading of the
   * weights, no off-beat boost): complexity acts through the edits alone, which
   * it makes more and pulls off the beat, so it adds syncopation and variation
   * instead of redrawing the bar. */
  GenCtx groove_ctx = *ctx_in;
  groove_ctx.flavour_sigma = 0.6f;
  groove_ctx.offbeat_boost = 1.0f;
  const GenCtx* ctx = &groove_ctx;
  const TandemStyle* s = ctx->style;
  const int n = ctx->n_steps;
  float w[TANDEM_DRUM_VOICES][GEN_MAX_STEPS];
  float joint_w[TANDEM_DRUM_VOICES * GEN_MAX_STEPS];
  float joint_p[TANDEM_DRUM_VOICES * GEN_MAX_STEPS];
  int fixed_count = 0;
  for (int v = 0; v < TANDEM_DRUM_VOICES; ++v) {
    for (int i = 0; i < n; ++i) {
      w[v][i] = tandem_gen_weight(ctx, s->drum_steps[v], v, i);
      const bool anchor = !ctx->params->euclidean && is_fixed(ctx, v, i);
      joint_w[v * n + i] = anchor ? 0.0f : w[v][i];
      fixed_count += anchor;
      out->hit[v][i] = anchor;
    }
  }
  for (int i = 0; i < n; ++i) {
    out->open[i] = false;
    out->ghost[i] = false;
  }
  /* The voices share one count, so the kit keeps the profile's balance; the
   * fixed steps, the steady strokes and the rolls are part of the notes per bar. */
  int steady_extra = 0;
  for (int i = 0; i < n; ++i) {
    for (uint16_t e = steady_extra_at(ctx, i); e; e &= (uint16_t)(e - 1)) {
      ++steady_extra;
    }
  }
  const float idiom_notes = (float)steady_extra + s->hat_rolls * ROLL_EXTRA_STROKES;
  float main_target =
      s->density[TANDEM_ROLE_DRUMS] * ctx->density_scale * (1.0f - s->ghost_prob) -
      idiom_notes;
  if (!ctx->params->euclidean) {
    main_target -= (float)fixed_count;
  }
  int main_count = 0;
  if (ctx->params->euclidean) {
    tandem_gen_inclusion(joint_w, TANDEM_DRUM_VOICES * n, main_target, joint_p);
    for (int v = 0; v < TANDEM_DRUM_VOICES; ++v) {
      float expected = 0.0f;
      for (int i = 0; i < n; ++i) {
        expected += joint_p[v * n + i];
      }
      euclid_voice(ctx, w[v], (int)lroundf(expected), out->hit[v]);
    }
  } else {
    bool picked[TANDEM_DRUM_VOICES * GEN_MAX_STEPS];
    pick_groove(ctx, joint_w, TANDEM_DRUM_VOICES * n, main_target, picked);
    for (int v = 0; v < TANDEM_DRUM_VOICES; ++v) {
      for (int i = 0; i < n; ++i) {
        out->hit[v][i] = out->hit[v][i] || picked[v * n + i];
      }
    }
  }
  if (!ctx->params->euclidean) {
    TandemRng vary_rng;
    tandem_gen_rng(ctx, &vary_rng, GEN_STREAM_DRUM_VARY, bar);
    for (int e = bar_edits(ctx, bar); e > 0; --e) {
      edit_bar(ctx, &vary_rng, w, out);
    }
  }
  for (int v = 0; v < TANDEM_DRUM_VOICES; ++v) {
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
  /* A clap's ghost is a quiet closed hat (tandem_gen_drums), never on a hat. */
  const bool ghost_on_hat =
      s->drum_notes[TANDEM_DRUM_SNARE] == 39 && s->drum_notes[TANDEM_DRUM_HAT] == 42;
  for (int i = 0; i < n; ++i) {
    const float shape = (i % 4 == 0) ? on_beat : (i % 2 == 0) ? on_eighth : 1.0f;
    const bool usable = i % ctx->step_unit == 0 && !out->hit[TANDEM_DRUM_SNARE][i] &&
                        !(ghost_on_hat && out->hit[TANDEM_DRUM_HAT][i]);
    ghost_w[i] = usable ? shape * (1.05f - w[TANDEM_DRUM_SNARE][i]) : 0.0f;
  }
  TandemRng ghost_rng;
  tandem_gen_rng(ctx, &ghost_rng, GEN_STREAM_GHOST, bar);
  const int n_ghosts = tandem_gen_ghost_count(ctx, &ghost_rng, main_count);
  tandem_gen_pick_count(&ghost_rng, ghost_w, n, n_ghosts, out->ghost);
}

static uint8_t hit_shape(const GenCtx* ctx, int voice, int step, TandemRng* rng)
{
  float v;
  if (voice == TANDEM_DRUM_KICK) {
    v = step % 4 == 0 ? 110.0f : 100.0f;
    /* A feathered kick is felt under the band more than heard. */
    v *= 1.0f - 0.4f * ctx->style->kick_feather;
  } else if (voice == TANDEM_DRUM_SNARE) {
    v = 112.0f;
  } else {
    /* Hats lean on the beat, then the 8th, then the 16ths. */
    v = step % 4 == 0 ? 96.0f : step % 2 == 0 ? 82.0f : 66.0f;
  }
  v += (step == 0 ? 6.0f : 0.0f) + 5.0f * tandem_rng_gauss(rng);
  return (uint8_t)(v < 1.0f ? 1.0f : v > 127.0f ? 127.0f : v);
}

/* Adds a 16th-long note at tick unless `used` says this pitch already sounds
 * there; marks it. */
static void add_once(const GenCtx* ctx, bool* used, uint32_t tick, uint8_t note,
                     uint8_t shape_velocity, uint8_t flags)
{
  if (used[note & 127]) {
    return;
  }
  used[note & 127] = true;
  tandem_gen_add(ctx, tick, GEN_STEP_TICKS / 2, TANDEM_PITCH_ABSOLUTE, note, 0, 0,
                 shape_velocity, flags);
}

/* Beats of fill at the end of `bar`: 0 for none. */
static int fill_beats(const GenCtx* ctx, int bar)
{
  const float f = ctx->params->fill > 1.0f ? 1.0f : ctx->params->fill;
  if (!(f > 0.0f)) {
    return 0;
  }
  const int beats = ctx->out->beats_per_bar;
  int len = (int)ceilf(f * (float)beats);
  len = len < 1 ? 1 : len > beats ? beats : len;
  /* Rarer at small fill: every 16 bars below 0.125, every 8 up to 0.25, then at
   * the end of every 4-bar phrase; a part's last bar (the loop point) always
   * ends a phrase. */
  const int period = f < 0.125f   ? 4 * GEN_PHRASE_BARS
                     : f <= 0.25f ? 2 * GEN_PHRASE_BARS
                                  : GEN_PHRASE_BARS;
  return (bar + 1) % period == 0 || bar == ctx->params->bars - 1 ? len : 0;
}

/* Writes the fill of `steps` 16ths ending on the bar line of the bar at bar_tick
 * and returns where it starts (a step).  The style's fills are read from their
 * end, so a short fill is a long one's last beats. */
static int add_fill(const GenCtx* ctx, TandemRng* rng, uint32_t bar_tick, int steps)
{
  const TandemStyle* s = ctx->style;
  const int n = ctx->n_steps;
  const uint32_t len = GEN_STEP_TICKS / 2;
  if (s->n_fills == 0) {
    const int from = n - steps;
    for (int i = from; i < n; i += ctx->step_unit) {
      if (i != from && tandem_rng_float(rng) > 0.85f) {
        continue;
      }
      const int pos = i - from;
      tandem_gen_add(ctx, bar_tick + (uint32_t)i * GEN_STEP_TICKS, len,
                     TANDEM_PITCH_ABSOLUTE, plain_fill_toms[pos * 6 / steps], 0, 0,
                     (uint8_t)(84.0f + 36.0f * (float)pos / (float)steps),
                     TANDEM_NOTE_FILL);
    }
    return from;
  }
  const int f = (int)tandem_rng_below(rng, s->n_fills);
  int take = steps < s->fill_len[f] ? steps : s->fill_len[f];
  /* Rests at the start of the window leave the groove playing there. */
  while (take > 1 && !s->fill_hits[f][s->fill_len[f] - take]) {
    --take;
  }
  const int from = n - take;
  for (int i = from; i < n; ++i) {
    const int k = s->fill_len[f] - (n - i);
    const uint16_t hits = s->fill_hits[f][k];
    const int strokes = s->fill_roll[f][k] > 1 ? s->fill_roll[f][k] : 1;
    /* Louder into the bar line, as a drummer drives into the next phrase. */
    const float rise = 86.0f + 30.0f * (float)(i - from + 1) / (float)take;
    for (int b = 0; b < TANDEM_FILL_VOICES; ++b) {
      if (!(hits & (1u << b))) {
        continue;
      }
      const uint8_t note =
          fill_notes[b] ? fill_notes[b] : s->drum_notes[TANDEM_DRUM_SNARE];
      const bool ghost = (1u << b) == FILL_BIT_GHOST;
      for (int r = 0; r < strokes; ++r) {
        const uint32_t at = bar_tick + (uint32_t)i * GEN_STEP_TICKS +
                            (uint32_t)(r * GEN_STEP_TICKS / strokes);
        const float vel = (1u << b) == FILL_BIT_KICK ? 104.0f : rise - 8.0f * (float)r;
        tandem_gen_add(ctx, at, len / (uint32_t)strokes, TANDEM_PITCH_ABSOLUTE, note, 0,
                       0, ghost ? 40 : (uint8_t)vel,
                       TANDEM_NOTE_FILL | (ghost ? TANDEM_NOTE_GHOST : 0));
      }
    }
  }
  return from;
}

/* Hat roll in this bar?  Bars get rolls in the order B, A', second A, first A of
 * each phrase, as many as the share asks (the last one by chance). */
static bool roll_bar(const GenCtx* ctx, TandemRng* rng, int bar)
{
  static const int rank[GEN_PHRASE_BARS] = {3, 1, 2, 0};
  const float slots = roll_share(ctx) * GEN_PHRASE_BARS;
  const int r = rank[bar % GEN_PHRASE_BARS];
  const float u = tandem_rng_float(rng);
  return (float)r + 1.0f <= slots || ((float)r < slots && u < slots - (float)r);
}

/* A hat roll before `limit`: 32nds over two 16ths, a triplet over an 8th, a
 * 16th-note triplet beat, or 32nd triplets over an 8th, replacing those hats.
 * Returns the first step it covers (n when none fits) and its length in *span_out. */
static int add_roll(const GenCtx* ctx, TandemRng* rng, const GenDrumBar* db,
                    uint32_t bar_tick, int limit, uint8_t hat, int* span_out)
{
  static const int spans[] = {2, 2, 4, 2};
  static const int strokes[] = {4, 3, 6, 6};
  const int n = ctx->n_steps;
  const int kind = (int)tandem_rng_below(rng, 4);
  const int span = spans[kind];
  /* Where producers put them: into beat 3 or into the bar line, on a hat. */
  int starts[2];
  int n_starts = 0;
  for (int end = n; end >= n / 2 && n_starts < 2; end -= n / 2) {
    const int at = end - span;
    if (at >= 0 && at + span <= limit && db->hit[TANDEM_DRUM_HAT][at]) {
      starts[n_starts++] = at;
    }
  }
  if (n_starts == 0) {
    return n;
  }
  const int at = starts[tandem_rng_below(rng, (uint32_t)n_starts)];
  *span_out = span;
  const uint32_t span_ticks = (uint32_t)span * GEN_STEP_TICKS;
  for (int k = 0; k < strokes[kind]; ++k) {
    const uint32_t tick = bar_tick + (uint32_t)at * GEN_STEP_TICKS +
                          span_ticks * (uint32_t)k / (uint32_t)strokes[kind];
    const float vel = 70.0f + 24.0f * (float)k / (float)strokes[kind];
    tandem_gen_add(ctx, tick, span_ticks / (uint32_t)strokes[kind] / 2,
                   TANDEM_PITCH_ABSOLUTE, hat, 0, 0, (uint8_t)vel, 0);
  }
  return at;
}

void tandem_gen_drums(const GenCtx* ctx)
{
  const TandemStyle* s = ctx->style;
  const TandemGenParams* prm = ctx->params;
  const int n = ctx->n_steps;
  const uint8_t snare = s->drum_notes[TANDEM_DRUM_SNARE];
  /* A quiet clap is not a ghost note; use the closed hat instead. */
  const uint8_t ghost_note = snare == 39 ? 42 : snare;
  const int beat_steps = 16 / ctx->out->beat_unit;
  TandemRng shape_rng;
  tandem_gen_rng(ctx, &shape_rng, GEN_STREAM_VELOCITY, 1);
  bool crash_next = false;
  const float energy = prm->energy > 1.0f ? 1.0f : prm->energy;
  const float layer_from = 1.0f - (energy - 0.7f) / 0.3f;

  for (int bar = 0; bar < prm->bars; ++bar) {
    GenDrumBar db;
    tandem_gen_drum_bar(ctx, bar, &db);
    const uint32_t bar_tick = (uint32_t)bar * ctx->bar_ticks;
    /* A part of 8 bars or more moves the time keeper to the ride for its second
     * half where the style does (bossa). */
    const bool second_half = prm->bars >= 8 && bar >= prm->bars / 2;
    const uint8_t keeper = second_half && s->drum_ride_note
                               ? s->drum_ride_note
                               : s->drum_notes[TANDEM_DRUM_HAT];
    /* A variation opens a closed hat, closes an open one or strikes the bell. */
    const uint8_t open_note = keeper == 42   ? GM_OPEN_HAT
                              : keeper == 46 ? 42
                              : keeper == 51 ? GM_RIDE_BELL
                                             : 0;

    TandemRng fill_rng, roll_rng;
    tandem_gen_rng(ctx, &fill_rng, GEN_STREAM_FILL, bar);
    tandem_gen_rng(ctx, &roll_rng, GEN_STREAM_DRUM_VARY, TANDEM_MAX_BARS + bar);
    int fill_from = n;
    const int beats = fill_beats(ctx, bar);
    if (beats > 0) {
      fill_from = add_fill(ctx, &fill_rng, bar_tick, beats * beat_steps);
    }
    int roll_from = n;
    int roll_span = 0;
    if (s->hat_rolls > 0.0f && roll_bar(ctx, &roll_rng, bar)) {
      roll_from = add_roll(ctx, &roll_rng, &db, bar_tick, fill_from, keeper, &roll_span);
    }
    const int roll_to = roll_from + roll_span;

    for (int i = 0; i < fill_from; ++i) {
      const uint32_t tick = bar_tick + (uint32_t)i * GEN_STEP_TICKS;
      /* One note per pitch and step: a ghost, a steady stroke or the energy
       * layer never doubles a stroke already there (a roll's included). */
      bool used[128] = {false};
      used[keeper & 127] = i >= roll_from && i < roll_to;
      for (int v = 0; v < TANDEM_DRUM_VOICES; ++v) {
        if (!db.hit[v][i]) {
          continue;
        }
        uint8_t note = s->drum_notes[v];
        if (v == TANDEM_DRUM_HAT) {
          if (i == 0 && crash_next) {
            continue; /* the crash takes the hat's place */
          }
          if (i >= roll_from && i < roll_to) {
            continue; /* the roll stands in for these hats */
          }
          note = db.open[i] && open_note ? open_note : keeper;
        }
        add_once(ctx, used, tick, note, hit_shape(ctx, v, i, &shape_rng), 0);
      }
      if (db.ghost[i]) {
        add_once(ctx, used, tick, ghost_note, 40, TANDEM_NOTE_GHOST);
      }
      const uint16_t extra =
          ctx->time_feel == TANDEM_FEEL_NORMAL ? steady_extra_at(ctx, i) : 0;
      for (int b = 0; extra && b < TANDEM_FILL_VOICES; ++b) {
        if (extra & (1u << b)) {
          add_once(ctx, used, tick, fill_notes[b] ? fill_notes[b] : snare, 80, 0);
        }
      }
      const float lw = s->drum_layer_steps[i % s->n_steps];
      if (lw > 0.0f && lw >= layer_from && i % ctx->step_unit == 0) {
        add_once(ctx, used, tick, s->drum_layer_note, (uint8_t)(i % 4 == 0 ? 84 : 74), 0);
      }
    }
    if (crash_next) {
      tandem_gen_add(ctx, bar_tick, GEN_STEP_TICKS * 4, TANDEM_PITCH_ABSOLUTE,
                     s->drum_crash_note, 0, 0, 118, TANDEM_NOTE_FILL);
      crash_next = false;
    }
    /* A crash marks the new phrase. */
    crash_next = fill_from < n && (bar + 1) % GEN_PHRASE_BARS == 0 &&
                 s->drum_crash_note && bar + 1 < prm->bars;
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
  if (do_fill && style->n_fills > 0) {
    /* One of the style's own fills, as the phrase ends play them. */
    const GenCtx ctx = {
        .style = style,
        .out = p,
        .n_steps = (int)(bar_ticks / step),
        .step_unit = style->swing_grid == 8 ? 2 : 1,
        .bar_ticks = bar_ticks,
    };
    add_fill(&ctx, &rng, (uint32_t)fill_bar * bar_ticks,
             (int)((fill_to - fill_from) / step));
  } else if (do_fill) {
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
