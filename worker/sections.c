/* Tandem — arrangement (section) detection.  See sections.h. */
#include "sections.h"

#include <math.h>
#include <string.h>

#define DIMS       14
#define NOVELTY_L  2   /* bars each side compared at a candidate boundary */
#define SAME_GROUP 0.5 /* RMS z-distance under which two segments are one group */
#define MAX_BARS   512 /* bars one call looks at (the latest ones) */
/* A boundary's novelty must pass both: set on the rendered arrangements of
 * tests/bench/genre_corpus.py. */
#define NOVELTY_FLOOR     0.5f
#define NOVELTY_OVER_MEAN 1.2f

const char* tandem_section_label_name(int label)
{
  static const char* const names[TANDEM_SECTION_LABELS] = {
      "", "intro", "verse", "chorus", "bridge", "outro", "A", "B", "C", "D"};
  return label >= 0 && label < TANDEM_SECTION_LABELS ? names[label] : "";
}

/* One bar's descriptor: what changes between sections (loudness, balance,
 * which drums play and how much, brightness). */
static void describe(const TandemBarFeatures* b, float* v)
{
  const float rms = b->rms_db > -90.0f ? b->rms_db : -90.0f;
  v[0] = rms;
  for (int k = 0; k < TANDEM_N_BANDS; ++k) {
    const float band = b->bands_db[k] > -90.0f ? b->bands_db[k] : -90.0f;
    v[1 + k] = band - rms;
  }
  for (int c = 0; c < 4; ++c) {
    v[8 + c] = log1pf(b->onsets_per_beat[c] * 2.0f);
  }
  v[12] = log2f(b->centroid_hz > 50.0f ? b->centroid_hz : 50.0f);
  v[13] = b->crest_db;
}

/* Scratch for one call: on the caller's stack would be ~30 KiB, so the
 * descriptors are computed on the fly from the z-scored statistics instead. */
typedef struct {
  float mean[DIMS], scale[DIMS];
} Norm;

static void zvec(const Norm* nm, const TandemBarFeatures* b, float* out)
{
  float v[DIMS];
  describe(b, v);
  for (int d = 0; d < DIMS; ++d) {
    out[d] = (v[d] - nm->mean[d]) / nm->scale[d];
  }
}

static void mean_range(const Norm* nm, const TandemBarFeatures* bars, size_t from,
                       size_t to, float* out)
{
  memset(out, 0, sizeof(float) * DIMS);
  float z[DIMS];
  for (size_t i = from; i < to; ++i) {
    zvec(nm, &bars[i], z);
    for (int d = 0; d < DIMS; ++d) {
      out[d] += z[d];
    }
  }
  const float n = to > from ? (float)(to - from) : 1.0f;
  for (int d = 0; d < DIMS; ++d) {
    out[d] /= n;
  }
}

static float distance(const float* a, const float* b)
{
  double s = 0.0;
  for (int d = 0; d < DIMS; ++d) {
    s += (a[d] - b[d]) * (a[d] - b[d]);
  }
  return (float)sqrt(s / DIMS);
}

/* live: the latest bar is playing on, so it may start a section alone. */
static size_t find_sections(const TandemBarFeatures* bars, size_t n_bars,
                            TandemSection* out, size_t max_out, bool live)
{
  if (n_bars == 0 || max_out == 0) {
    return 0;
  }
  if (n_bars > MAX_BARS) {
    bars += n_bars - MAX_BARS;
    n_bars = MAX_BARS;
  }
  /* z-score each dimension over the song, with a floor on the spread so that
   * a steady song's tiny wobbles do not look like changes. */
  static const float min_scale[DIMS] = {2, 2,    2,    2,    2,    2,    2,
                                        2, .15f, .15f, .15f, .15f, .15f, 1.5f};
  Norm nm;
  double sum[DIMS] = {0}, sum2[DIMS] = {0};
  for (size_t i = 0; i < n_bars; ++i) {
    float v[DIMS];
    describe(&bars[i], v);
    for (int d = 0; d < DIMS; ++d) {
      sum[d] += v[d];
      sum2[d] += (double)v[d] * v[d];
    }
  }
  for (int d = 0; d < DIMS; ++d) {
    const double m = sum[d] / n_bars;
    const double var = sum2[d] / n_bars - m * m;
    nm.mean[d] = (float)m;
    nm.scale[d] = fmaxf((float)sqrt(var > 0 ? var : 0), min_scale[d]);
  }

  /* Novelty between bar i-1 and bar i. */
  float novelty[MAX_BARS];
  novelty[0] = 0.0f;
  double nsum = 0.0;
  for (size_t i = 1; i < n_bars; ++i) {
    const size_t lo = i >= NOVELTY_L ? i - NOVELTY_L : 0;
    const size_t hi = i + NOVELTY_L <= n_bars ? i + NOVELTY_L : n_bars;
    float before[DIMS], after[DIMS];
    mean_range(&nm, bars, lo, i, before);
    mean_range(&nm, bars, i, hi, after);
    novelty[i] = distance(before, after);
    nsum += novelty[i];
  }
  const float mean_nov = n_bars > 1 ? (float)(nsum / (n_bars - 1)) : 0.0f;
  /* Boundaries: local maxima (within 2 bars) well above the mean and over an
   * absolute floor, at least TANDEM_SECTION_MIN_BARS apart. */
  size_t starts[TANDEM_SECTION_MAX];
  size_t n_seg = 0;
  starts[n_seg++] = 0;
  for (size_t i = TANDEM_SECTION_MIN_BARS;
       i + 1 < n_bars + 1 && i < n_bars && n_seg < TANDEM_SECTION_MAX; ++i) {
    const float v = novelty[i];
    if (v < NOVELTY_FLOOR || v < NOVELTY_OVER_MEAN * mean_nov) {
      continue;
    }
    bool peak = true;
    for (size_t j = i >= 2 ? i - 2 : 0; j <= i + 2 && j < n_bars; ++j) {
      if (j != i && (novelty[j] > v || (novelty[j] == v && j < i))) {
        peak = false;
      }
    }
    /* The latest bar alone may start a section when it differs by far: heard
     * live, that names a change one bar sooner. */
    const bool room = n_bars - i >= TANDEM_SECTION_MIN_BARS ||
                      (live && n_bars - i == 1 && v >= 2.0f * NOVELTY_FLOOR &&
                       v >= 2.0f * NOVELTY_OVER_MEAN * mean_nov);
    if (peak && i - starts[n_seg - 1] >= TANDEM_SECTION_MIN_BARS && room) {
      starts[n_seg++] = i;
    }
  }

  /* Segment descriptors and groups. */
  float seg_mean[TANDEM_SECTION_MAX][DIMS];
  float group_mean[TANDEM_SECTION_MAX][DIMS];
  int group_count[TANDEM_SECTION_MAX];
  int seg_group[TANDEM_SECTION_MAX];
  float seg_energy[TANDEM_SECTION_MAX];
  int n_groups = 0;
  for (size_t s = 0; s < n_seg; ++s) {
    const size_t end = s + 1 < n_seg ? starts[s + 1] : n_bars;
    mean_range(&nm, bars, starts[s], end, seg_mean[s]);
    /* energy: loudness plus how many onsets */
    seg_energy[s] = seg_mean[s][0] + 0.5f * (seg_mean[s][8] + seg_mean[s][9] +
                                             seg_mean[s][10] + seg_mean[s][11]);
    int best = -1;
    float best_d = SAME_GROUP;
    for (int g = 0; g < n_groups; ++g) {
      const float d = distance(seg_mean[s], group_mean[g]);
      if (d < best_d) {
        best_d = d;
        best = g;
      }
    }
    if (best < 0) {
      best = n_groups++;
      memcpy(group_mean[best], seg_mean[s], sizeof(group_mean[best]));
      group_count[best] = 0;
    }
    group_count[best]++;
    seg_group[s] = best;
  }

  /* Neighbours of one group are one section: a boundary inside a chorus was a
   * passing change (a fill, a crash), not a new part. */
  size_t kept = 0;
  for (size_t s = 0; s < n_seg; ++s) {
    if (kept > 0 && seg_group[kept - 1] == seg_group[s]) {
      group_count[seg_group[s]]--;
      continue;
    }
    starts[kept] = starts[s];
    seg_group[kept] = seg_group[s];
    kept++;
  }
  n_seg = kept;
  for (size_t s = 0; s < n_seg; ++s) {
    const size_t end = s + 1 < n_seg ? starts[s + 1] : n_bars;
    mean_range(&nm, bars, starts[s], end, seg_mean[s]);
    seg_energy[s] = seg_mean[s][0] + 0.5f * (seg_mean[s][8] + seg_mean[s][9] +
                                             seg_mean[s][10] + seg_mean[s][11]);
  }

  /* Names. */
  float energy_mean = 0.0f;
  for (size_t s = 0; s < n_seg; ++s) {
    energy_mean += seg_energy[s] / (float)n_seg;
  }
  float group_energy[TANDEM_SECTION_MAX];
  for (int g = 0; g < n_groups; ++g) {
    float e = 0.0f;
    for (size_t s = 0; s < n_seg; ++s) {
      if (seg_group[s] == g) {
        e += seg_energy[s] / (float)group_count[g];
      }
    }
    group_energy[g] = e;
  }
  int label[TANDEM_SECTION_MAX];
  float conf[TANDEM_SECTION_MAX];
  for (size_t s = 0; s < n_seg; ++s) {
    label[s] = TANDEM_SECTION_A + seg_group[s] % 4;
    conf[s] = 0.3f;
  }
  /* A quiet first (last) segment that does not come back in the middle of the
   * song is the intro (outro); intro and outro often sound alike. */
  const bool shaped = n_seg >= 3;
  bool edge_group_in_middle[2] = {false, false};
  for (size_t s = 1; s + 1 < n_seg; ++s) {
    edge_group_in_middle[0] |= seg_group[s] == seg_group[0];
    edge_group_in_middle[1] |= seg_group[s] == seg_group[n_seg - 1];
  }
  if (shaped && !edge_group_in_middle[0] && seg_energy[0] < energy_mean) {
    label[0] = TANDEM_SECTION_INTRO;
    conf[0] = 0.7f;
  }
  if (shaped && !edge_group_in_middle[1] && seg_energy[n_seg - 1] < energy_mean) {
    label[n_seg - 1] = TANDEM_SECTION_OUTRO;
    conf[n_seg - 1] = 0.7f;
  }
  /* The repeated groups, loudest first: chorus, then verse. */
  int chorus = -1, verse = -1;
  for (int g = 0; g < n_groups; ++g) {
    if (group_count[g] < 2) {
      continue;
    }
    if (chorus < 0 || group_energy[g] > group_energy[chorus]) {
      verse = chorus;
      chorus = g;
    } else if (verse < 0 || group_energy[g] > group_energy[verse]) {
      verse = g;
    }
  }
  if (chorus >= 0 && verse < 0 && group_energy[chorus] < energy_mean) {
    verse = chorus; /* one quiet repeated part: more likely the verse */
    chorus = -1;
  }
  size_t first_chorus = n_seg;
  for (size_t s = 0; s < n_seg; ++s) {
    if (label[s] == TANDEM_SECTION_INTRO || label[s] == TANDEM_SECTION_OUTRO) {
      continue;
    }
    if (seg_group[s] == chorus) {
      label[s] = TANDEM_SECTION_CHORUS;
      const float gap = verse >= 0 ? group_energy[chorus] - group_energy[verse] : 0.5f;
      conf[s] = fminf(0.95f, 0.5f + 0.3f * gap);
      first_chorus = s < first_chorus ? s : first_chorus;
    } else if (seg_group[s] == verse) {
      label[s] = TANDEM_SECTION_VERSE;
      conf[s] =
          chorus >= 0
              ? fminf(0.9f, 0.5f + 0.3f * (group_energy[chorus] - group_energy[verse]))
              : 0.45f;
    }
  }
  for (size_t s = 0; s < n_seg; ++s) {
    if (s > first_chorus && label[s] >= TANDEM_SECTION_A &&
        group_count[seg_group[s]] == 1 && s + 1 < n_seg) {
      label[s] = TANDEM_SECTION_BRIDGE;
      conf[s] = 0.55f;
    }
  }

  const size_t n_out = n_seg < max_out ? n_seg : max_out;
  for (size_t s = 0; s < n_out; ++s) {
    const size_t end = s + 1 < n_seg ? starts[s + 1] : n_bars;
    out[s].first_bar = (uint32_t)starts[s];
    out[s].n_bars = (uint32_t)(end - starts[s]);
    out[s].start_s = bars[starts[s]].start_s;
    out[s].label = (uint8_t)label[s];
    out[s].group = (uint8_t)seg_group[s];
    out[s].confidence = conf[s];
    out[s].energy = seg_energy[s];
  }
  return n_out;
}

size_t tandem_sections_find(const TandemBarFeatures* bars, size_t n_bars,
                            TandemSection* out, size_t max_out)
{
  return find_sections(bars, n_bars, out, max_out, false);
}

void tandem_section_tracker_init(TandemSectionTracker* t)
{
  memset(t, 0, sizeof(*t));
}

/* Names the sections of a song heard so far, as a listener who cannot hear
 * ahead would: the last section is the one playing now, so "quiet and last"
 * says nothing about an outro yet, and one repeated part is more likely the
 * verse than the chorus.
 *  - The first section is the intro while its group has not come back before
 *    the latest section (a song that opens with its verse is found out when
 *    that part returns) and it is quieter than what followed, or nothing has.
 *  - The first two other groups, in order of appearance, are the verse and the
 *    chorus: the louder one the chorus; while only one has been heard, it is
 *    the verse (songs build up).
 *  - A new group after the first chorus is the bridge; the intro's group after
 *    a chorus is the outro; anything else keeps its group letter. */
static void name_live(TandemSection* s, size_t n)
{
  if (n == 0) {
    return;
  }
  const int g0 = s[0].group;
  bool g0_back = false;
  float later = -1e9f;
  for (size_t i = 1; i < n; ++i) {
    g0_back |= s[i].group == g0 && i + 1 < n;
    later = fmaxf(later, s[i].energy);
  }
  const bool intro = !g0_back && (n == 1 || s[0].energy < later);
  int core[2] = {-1, -1};
  for (size_t i = intro ? 1 : 0; i < n && core[1] < 0; ++i) {
    if (intro && s[i].group == g0) {
      continue;
    }
    if (core[0] < 0) {
      core[0] = s[i].group;
    } else if (s[i].group != core[0]) {
      core[1] = s[i].group;
    }
  }
  float energy[2] = {0, 0};
  int count[2] = {0, 0};
  for (size_t i = 0; i < n; ++i) {
    for (int c = 0; c < 2; ++c) {
      if (core[c] >= 0 && s[i].group == core[c]) {
        energy[c] += s[i].energy;
        count[c]++;
      }
    }
  }
  int verse = core[0], chorus = -1;
  if (core[1] >= 0 && energy[1] / count[1] > energy[0] / count[0]) {
    verse = core[0];
    chorus = core[1];
  } else if (core[1] >= 0) {
    verse = core[1];
    chorus = core[0];
  }
  bool chorus_heard = false;
  for (size_t i = 0; i < n; ++i) {
    const int g = s[i].group;
    if (i == 0 && intro) {
      s[i].label = TANDEM_SECTION_INTRO;
      s[i].confidence = n == 1 ? 0.4f : 0.6f;
    } else if (intro && g == g0) {
      s[i].label = chorus_heard ? TANDEM_SECTION_OUTRO : TANDEM_SECTION_INTRO;
      s[i].confidence = 0.5f;
    } else if (g == chorus) {
      s[i].label = TANDEM_SECTION_CHORUS;
      s[i].confidence = 0.7f;
    } else if (g == verse) {
      s[i].label = TANDEM_SECTION_VERSE;
      s[i].confidence = chorus >= 0 ? 0.7f : 0.45f;
    } else if (chorus_heard) {
      s[i].label = TANDEM_SECTION_BRIDGE;
      s[i].confidence = 0.5f;
    } else {
      s[i].label = (uint8_t)(TANDEM_SECTION_A + g % 4);
      s[i].confidence = 0.3f;
    }
    chorus_heard |= g == chorus;
  }
}

bool tandem_section_tracker_update(TandemSectionTracker* t, const TandemBarFeatures* bar)
{
  if (t->n_bars == TANDEM_SECTION_HISTORY) {
    memmove(t->bars, t->bars + 1, sizeof(t->bars[0]) * (TANDEM_SECTION_HISTORY - 1));
    t->n_bars--;
  }
  t->bars[t->n_bars++] = *bar;
  t->total_bars++;
  const size_t n =
      find_sections(t->bars, t->n_bars, t->scratch, TANDEM_SECTION_MAX, true);
  t->n_found = (uint32_t)n;
  if (n == 0) {
    return false;
  }
  name_live(t->scratch, n);
  TandemSection* last = &t->scratch[n - 1];
  const uint32_t first_abs = t->total_bars - t->n_bars + last->first_bar;
  if (first_abs == t->current_first_bar && t->total_bars > 1 &&
      last->label != t->current.label) {
    t->pending_bars = last->label == t->pending_label ? t->pending_bars + 1 : 1;
    t->pending_label = last->label;
    if (t->pending_bars < 2) {
      last->label = t->current.label;
      last->confidence = t->current.confidence;
    }
  } else {
    t->pending_bars = 0;
  }
  const bool changed =
      last->label != t->current.label || first_abs != t->current_first_bar;
  t->current = *last;
  t->current_first_bar = first_abs;
  return changed;
}

uint32_t tandem_section_tracker_predict(const TandemSectionTracker* t, uint32_t min_bars)
{
  if (t->n_found == 0 || min_bars == 0) {
    return 0;
  }
  if (t->n_found == 1) {
    /* The opening section, all heard: intros and first verses run 4 or 8 bars,
     * longer ones a multiple of 8.  Once bars have been forgotten, its start is
     * not known. */
    if (t->total_bars > t->n_bars) {
      return 0;
    }
    return min_bars <= 4 ? 4 : (min_bars + 7) / 8 * 8;
  }
  const TandemSection* current = &t->scratch[t->n_found - 1];
  /* A first section cut short by the history's start says nothing about length. */
  const uint32_t first = t->total_bars > t->n_bars ? 1 : 0;
  for (uint32_t k = t->n_found - 1; k-- > first;) {
    const TandemSection* s = &t->scratch[k];
    const bool alike = s->group == current->group ||
                       (s->label == current->label && s->label != TANDEM_SECTION_UNKNOWN);
    if (alike) {
      if (s->n_bars >= min_bars) {
        return s->n_bars;
      }
      break;
    }
  }
  bool by8 = true, by4 = true;
  uint32_t finished = 0;
  for (uint32_t k = first; k + 1 < t->n_found; ++k) {
    by8 = by8 && t->scratch[k].n_bars % 8 == 0;
    by4 = by4 && t->scratch[k].n_bars % 4 == 0;
    ++finished;
  }
  if (finished == 0 || !by4) {
    return 0;
  }
  const uint32_t phrase = by8 ? 8 : 4;
  return (min_bars + phrase - 1) / phrase * phrase;
}

bool tandem_section_tracker_ends_at(const TandemSectionTracker* t, int64_t bar)
{
  const int64_t start = t->current_first_bar;
  if (t->total_bars == 0 || bar < start) {
    return false;
  }
  const uint32_t place = (uint32_t)(bar - start + 1);
  return tandem_section_tracker_predict(t, place) == place;
}
