/* Tandem — learning from feedback.  See feedback.h. */
#include "feedback.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define FEEDBACK_TEXT_VERSION 1
/* How far the knobs move towards the liked features: half the way, so that the
 * user's own settings still count. */
#define NUDGE_STRENGTH 0.5f

static const char* const role_names[TANDEM_FEEDBACK_ROLES] = {"drums", "bass", "chords",
                                                              "melody"};

static float clamp01(float v)
{
  return v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
}

void tandem_pattern_features(const TandemPattern* p, TandemPatternFeatures* out)
{
  memset(out, 0, sizeof(*out));
  if (!p || p->n_notes == 0 || p->bars == 0) {
    return;
  }
  const uint32_t beat = tandem_pattern_ticks_per_beat(p);
  uint32_t ghosts = 0;
  uint32_t main_notes = 0;
  uint32_t off_beat = 0;
  double velocity = 0.0;
  for (uint32_t i = 0; i < p->n_notes && i < TANDEM_MAX_NOTES; ++i) {
    const TandemNote* n = &p->notes[i];
    if (n->flags & TANDEM_NOTE_GHOST) {
      ++ghosts;
      continue;
    }
    ++main_notes;
    velocity += n->velocity;
    if (beat && n->tick % beat != 0) {
      ++off_beat;
    }
  }
  out->density = clamp01((float)p->n_notes / (float)p->bars / 64.0f);
  out->ghost_rate = (float)ghosts / (float)p->n_notes;
  if (main_notes) {
    out->syncopation = (float)off_beat / (float)main_notes;
    out->velocity = clamp01((float)(velocity / main_notes / 127.0));
  }
}

void tandem_feedback_reset(TandemFeedback* fb)
{
  memset(fb, 0, sizeof(*fb));
}

static void running_mean(TandemPatternFeatures* mean, const TandemPatternFeatures* f,
                         uint32_t n)
{
  /* n counts f already; the newest counts as much as all before it once n is
   * large, so that tastes can change: the weight never drops below 1/8. */
  const float w = n < 8 ? 1.0f / (float)n : 1.0f / 8.0f;
  mean->density += w * (f->density - mean->density);
  mean->syncopation += w * (f->syncopation - mean->syncopation);
  mean->ghost_rate += w * (f->ghost_rate - mean->ghost_rate);
  mean->velocity += w * (f->velocity - mean->velocity);
}

bool tandem_feedback_record(TandemFeedback* fb, const TandemPattern* p, bool liked)
{
  if (!fb || !p || p->role >= TANDEM_FEEDBACK_ROLES || p->n_notes == 0) {
    return false;
  }
  TandemPatternFeatures f;
  tandem_pattern_features(p, &f);
  TandemRolePreference* r = &fb->roles[p->role];
  if (liked) {
    r->likes = r->likes < UINT32_MAX ? r->likes + 1 : r->likes;
    running_mean(&r->liked, &f, r->likes);
  } else {
    r->dislikes = r->dislikes < UINT32_MAX ? r->dislikes + 1 : r->dislikes;
    running_mean(&r->disliked, &f, r->dislikes);
  }
  return true;
}

bool tandem_feedback_has(const TandemFeedback* fb, TandemRole role)
{
  return fb && (int)role >= 0 && role < TANDEM_FEEDBACK_ROLES &&
         (fb->roles[role].likes > 0 || fb->roles[role].dislikes > 0);
}

static float distance(const TandemPatternFeatures* a, const TandemPatternFeatures* b)
{
  const float dd = a->density - b->density;
  const float ds = a->syncopation - b->syncopation;
  const float dg = a->ghost_rate - b->ghost_rate;
  const float dv = a->velocity - b->velocity;
  return sqrtf(dd * dd + ds * ds + dg * dg + dv * dv);
}

float tandem_feedback_score(const TandemFeedback* fb, TandemRole role,
                            const TandemPatternFeatures* f)
{
  if (!tandem_feedback_has(fb, role)) {
    return 0.0f;
  }
  const TandemRolePreference* r = &fb->roles[role];
  float score = 0.0f;
  if (r->likes) {
    score -= distance(f, &r->liked);
  }
  if (r->dislikes) {
    /* Moving away from a dislike matters less than moving towards a like. */
    score += 0.5f * distance(f, &r->disliked);
  }
  return score;
}

/* Moves the knobs towards the liked features, measured against what the knobs
 * gave unbiased (base).  The knob curves are the generator's (generator.h). */
static void nudge_params(const TandemRolePreference* r, const TandemPatternFeatures* base,
                         TandemGenParams* params)
{
  if (!r->likes) {
    return;
  }
  if (base->density > 0.0f && r->liked.density > 0.0f) {
    /* density 0.5 plays 1x, each 0.5 doubles or halves. */
    const float octaves = log2f(r->liked.density / base->density);
    params->density = clamp01(params->density + NUDGE_STRENGTH * 0.5f * octaves);
  }
  /* complexity above 0.5 shifts weight to the off-beats. */
  params->complexity = clamp01(
      params->complexity + NUDGE_STRENGTH * (r->liked.syncopation - base->syncopation));
  if (base->velocity > 0.0f) {
    /* energy scales velocity 0.6x .. 1.4x, linear. */
    const float scale =
        (0.6f + 0.8f * params->energy) * r->liked.velocity / base->velocity;
    const float energy = (scale - 0.6f) / 0.8f;
    params->energy = clamp01(params->energy + NUDGE_STRENGTH * (energy - params->energy));
  }
}

bool tandem_feedback_generate(const TandemFeedback* fb, const TandemStyle* style,
                              const TandemGenParams* params, TandemPattern* out)
{
  if (!params || !tandem_feedback_has(fb, params->role)) {
    return tandem_generate(style, params, out);
  }
  const TandemRolePreference* r = &fb->roles[params->role];
  TandemGenParams p = *params;
  if (!tandem_generate(style, &p, out)) {
    return false;
  }
  TandemPatternFeatures f;
  tandem_pattern_features(out, &f);
  nudge_params(r, &f, &p);

  /* The candidates: seeds derived from the request's, so the result is
   * deterministic.  out holds the best so far; the unbiased one starts. */
  float best = tandem_feedback_score(fb, params->role, &f);
  TandemPattern candidate;
  for (uint32_t i = 0; i < TANDEM_FEEDBACK_CANDIDATES; ++i) {
    TandemGenParams c = p;
    c.seed = params->seed + 104729u * i;
    if (!tandem_generate(style, &c, &candidate)) {
      continue;
    }
    tandem_pattern_features(&candidate, &f);
    const float score = tandem_feedback_score(fb, params->role, &f);
    if (score > best) {
      best = score;
      memcpy(out, &candidate, sizeof(candidate));
    }
  }
  return true;
}

void tandem_feedback_summary(const TandemFeedback* fb, TandemRole role, char* out,
                             size_t size)
{
  if (!out || size == 0) {
    return;
  }
  out[0] = '\0';
  if (!tandem_feedback_has(fb, role)) {
    return;
  }
  const TandemRolePreference* r = &fb->roles[role];
  size_t len = 0;
  if (r->likes) {
    const int n =
        snprintf(out, size,
                 "The user liked %s parts with about %.1f notes per bar, %.0f%% "
                 "of notes off the beat, %.0f%% ghost notes and mean velocity "
                 "%.0f (%u like%s).",
                 role_names[role], r->liked.density * 64.0f,
                 r->liked.syncopation * 100.0f, r->liked.ghost_rate * 100.0f,
                 r->liked.velocity * 127.0f, r->likes, r->likes == 1 ? "" : "s");
    len = n > 0 ? (size_t)n : 0;
  }
  if (r->dislikes && len + 1 < size) {
    snprintf(out + len, size - len,
             "%sThe user disliked %s parts with about %.1f notes per bar, %.0f%% off "
             "the beat, %.0f%% ghost notes and mean velocity %.0f (%u dislike%s).",
             len ? " " : "", role_names[role], r->disliked.density * 64.0f,
             r->disliked.syncopation * 100.0f, r->disliked.ghost_rate * 100.0f,
             r->disliked.velocity * 127.0f, r->dislikes, r->dislikes == 1 ? "" : "s");
  }
}

size_t tandem_feedback_to_text(const TandemFeedback* fb, char* out, size_t size)
{
  if (!out || size == 0) {
    return 0;
  }
  size_t len = 0;
  int n = snprintf(out, size, "tandem-feedback %d\n", FEEDBACK_TEXT_VERSION);
  if (n < 0 || (size_t)n >= size) {
    out[0] = '\0';
    return 0;
  }
  len = (size_t)n;
  for (int i = 0; i < TANDEM_FEEDBACK_ROLES; ++i) {
    const TandemRolePreference* r = &fb->roles[i];
    n = snprintf(out + len, size - len,
                 "%s %u %u %.6f %.6f %.6f %.6f %.6f %.6f %.6f %.6f\n", role_names[i],
                 r->likes, r->dislikes, r->liked.density, r->liked.syncopation,
                 r->liked.ghost_rate, r->liked.velocity, r->disliked.density,
                 r->disliked.syncopation, r->disliked.ghost_rate, r->disliked.velocity);
    if (n < 0 || (size_t)n >= size - len) {
      out[0] = '\0';
      return 0;
    }
    len += (size_t)n;
  }
  return len;
}

static bool feature_ok(float v)
{
  return isfinite(v) && v >= 0.0f && v <= 1.0f;
}

bool tandem_feedback_from_text(const char* text, TandemFeedback* fb, char* err,
                               size_t err_size)
{
  int version = 0;
  int consumed = 0;
  if (!text || sscanf(text, "tandem-feedback %d%n", &version, &consumed) != 1) {
    snprintf(err, err_size, "learned preferences: not a tandem-feedback text");
    return false;
  }
  if (version != FEEDBACK_TEXT_VERSION) {
    snprintf(err, err_size, "learned preferences: unknown format version %d", version);
    return false;
  }
  TandemFeedback parsed;
  tandem_feedback_reset(&parsed);
  const char* line = text + consumed;
  while (line && *line) {
    while (*line == '\n' || *line == '\r' || *line == ' ') {
      ++line;
    }
    if (!*line) {
      break;
    }
    char name[16] = "";
    unsigned likes = 0;
    unsigned dislikes = 0;
    TandemRolePreference r;
    memset(&r, 0, sizeof(r));
    const int got =
        sscanf(line, "%15s %u %u %f %f %f %f %f %f %f %f", name, &likes, &dislikes,
               &r.liked.density, &r.liked.syncopation, &r.liked.ghost_rate,
               &r.liked.velocity, &r.disliked.density, &r.disliked.syncopation,
               &r.disliked.ghost_rate, &r.disliked.velocity);
    int role = -1;
    for (int i = 0; i < TANDEM_FEEDBACK_ROLES; ++i) {
      if (!strcmp(name, role_names[i])) {
        role = i;
      }
    }
    if (role >= 0) {
      if (got != 11) {
        snprintf(err, err_size, "learned preferences: the %s line is incomplete", name);
        return false;
      }
      const TandemPatternFeatures* fs[2] = {&r.liked, &r.disliked};
      for (int k = 0; k < 2; ++k) {
        if (!feature_ok(fs[k]->density) || !feature_ok(fs[k]->syncopation) ||
            !feature_ok(fs[k]->ghost_rate) || !feature_ok(fs[k]->velocity)) {
          snprintf(err, err_size, "learned preferences: a %s value is out of range",
                   name);
          return false;
        }
      }
      r.likes = likes;
      r.dislikes = dislikes;
      parsed.roles[role] = r;
    }
    line = strchr(line, '\n');
  }
  *fb = parsed;
  return true;
}
