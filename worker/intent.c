/* Tandem — local plain-language intent parser (see intent.h). */
#include "intent.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define MAX_WORDS 64
#define WORD_MAX  32

typedef enum {
  M_HARDER,
  M_SOFTER,
  M_DARKER,
  M_BRIGHTER,
  M_BUSIER,
  M_COMPLEX,
  M_SIMPLER,
  M_GROOVIER,
  M_SWING,
  M_STRAIGHTER,
  M_GHOST,
  M_HALF,
  M_DOUBLE,
  M_NORMAL,
  M_FILL,
  M_SPARSER,
  M_DENSER,
} Modifier;

/* Word forms for each modifier; multi-word forms are matched first. */
static const struct {
  const char* words;
  Modifier mod;
} forms[] = {
    {"half time", M_HALF},      {"half-time", M_HALF},
    {"halftime", M_HALF},       {"double time", M_DOUBLE},
    {"double-time", M_DOUBLE},  {"doubletime", M_DOUBLE},
    {"ghost notes", M_GHOST},   {"ghost note", M_GHOST},
    {"ghosts", M_GHOST},        {"ghost", M_GHOST},
    {"harder", M_HARDER},       {"hard", M_HARDER},
    {"louder", M_HARDER},       {"heavier", M_HARDER},
    {"punchier", M_HARDER},     {"softer", M_SOFTER},
    {"soft", M_SOFTER},         {"quieter", M_SOFTER},
    {"gentler", M_SOFTER},      {"darker", M_DARKER},
    {"dark", M_DARKER},         {"lower", M_DARKER},
    {"brighter", M_BRIGHTER},   {"bright", M_BRIGHTER},
    {"higher", M_BRIGHTER},     {"busier", M_BUSIER},
    {"busy", M_BUSIER},         {"complex", M_COMPLEX},
    {"complicated", M_COMPLEX}, {"intricate", M_COMPLEX},
    {"simpler", M_SIMPLER},     {"simple", M_SIMPLER},
    {"groovier", M_GROOVIER},   {"groovy", M_GROOVIER},
    {"funkier", M_GROOVIER},    {"swing", M_SWING},
    {"swingier", M_SWING},      {"swung", M_SWING},
    {"shuffle", M_SWING},       {"straighter", M_STRAIGHTER},
    {"straight", M_STRAIGHTER}, {"fill", M_FILL},
    {"fills", M_FILL},          {"sparser", M_SPARSER},
    {"sparse", M_SPARSER},      {"fewer notes", M_SPARSER},
    {"less notes", M_SPARSER},  {"denser", M_DENSER},
    {"dense", M_DENSER},        {"more notes", M_DENSER},
    {"normal time", M_NORMAL},  {"regular time", M_NORMAL},
    {"normal feel", M_NORMAL},  {"normal", M_NORMAL},
};

/* Words that carry no request of their own. */
static const char* const fillers[] = {
    "make",   "it",       "the",    "a",       "an",    "bit",   "little", "lot",
    "please", "and",      "with",   "add",     "some",  "more",  "much",   "slightly",
    "way",    "bassline", "bass",   "line",    "drums", "drum",  "beat",   "groove",
    "part",   "chords",   "melody", "pattern", "feel",  "play",  "give",   "me",
    "us",     "can",      "you",    "could",   "go",    "to",    "of",     "in",
    "on",     "this",     "that",   "be",      "make",  "sound", "notes",  "too",
    "very",   "really",   "less",   "no",      "fewer", "not",   "so",     "just",
    "keep",   "bars",     "bar",    "at",      "end",   "put",   "get",    "try",
    "let's",  "lets",     "now",    "again",   "back",  "time",
};

static bool is_filler(const char* w)
{
  for (size_t i = 0; i < sizeof(fillers) / sizeof(fillers[0]); ++i) {
    if (strcmp(w, fillers[i]) == 0) {
      return true;
    }
  }
  return false;
}

static void apply(TandemIntent* in, Modifier m, float amount)
{
  switch (m) {
  case M_HARDER:
    in->energy += 0.2f * amount;
    break;
  case M_SOFTER:
    in->energy -= 0.2f * amount;
    break;
  case M_DARKER:
    in->octave -= amount > 0 ? 1 : -1;
    in->energy -= 0.05f * amount;
    break;
  case M_BRIGHTER:
    in->octave += amount > 0 ? 1 : -1;
    in->energy += 0.05f * amount;
    break;
  case M_BUSIER:
    in->density += 0.15f * amount;
    in->complexity += 0.1f * amount;
    break;
  case M_COMPLEX:
    in->complexity += 0.2f * amount;
    break;
  case M_SIMPLER:
    in->complexity -= 0.2f * amount;
    in->density -= 0.1f * amount;
    break;
  case M_GROOVIER:
    in->swing_pct += 4.0f * amount;
    in->ghost += 0.3f * amount;
    in->complexity += 0.1f * amount;
    break;
  case M_SWING:
    in->swing_pct += 8.0f * amount;
    break;
  case M_STRAIGHTER:
    in->straight = amount > 0;
    if (amount < 0) {
      in->swing_pct += 4.0f;
    } else if (in->tempo_factor == 1.0f) {
      /* Straighter also undoes a half- or double-time feel, unless this same
       * request asks for one. */
      in->normal_time = true;
    }
    break;
  case M_GHOST:
    in->ghost += 0.5f * amount;
    break;
  case M_HALF:
  case M_DOUBLE:
    /* "no half-time" asks for normal time. */
    in->tempo_factor = amount < 0 ? 1.0f : m == M_HALF ? 0.5f : 2.0f;
    in->normal_time = amount < 0;
    break;
  case M_NORMAL:
    in->tempo_factor = 1.0f;
    in->normal_time = true;
    break;
  case M_FILL:
    in->fill += 0.6f * amount;
    break;
  case M_SPARSER:
    in->density -= 0.2f * amount;
    break;
  case M_DENSER:
    in->density += 0.2f * amount;
    break;
  }
}

bool tandem_intent_parse(const char* text, TandemIntent* out)
{
  memset(out, 0, sizeof(*out));
  out->tempo_factor = 1.0f;
  out->fully_understood = true;
  char words[MAX_WORDS][WORD_MAX];
  int n = 0;
  const char* s = text ? text : "";
  while (*s && n < MAX_WORDS) {
    while (*s && !isalnum((unsigned char)*s) && *s != '-' && *s != '\'') {
      ++s;
    }
    int len = 0;
    while (*s && (isalnum((unsigned char)*s) || *s == '-' || *s == '\'')) {
      if (len < WORD_MAX - 1) {
        words[n][len++] = (char)tolower((unsigned char)*s);
      }
      ++s;
    }
    if (len > 0) {
      words[n++][len] = '\0';
    }
  }
  if (*s) {
    out->fully_understood = false; /* more words than we look at */
  }

  float amount = 1.0f;
  for (int i = 0; i < n;) {
    const char* w = words[i];
    /* Intensifiers and negations apply to the next modifier. */
    if (strcmp(w, "less") == 0 || strcmp(w, "no") == 0 || strcmp(w, "fewer") == 0 ||
        strcmp(w, "not") == 0) {
      amount = -1.0f;
    } else if (strcmp(w, "bit") == 0 || strcmp(w, "little") == 0 ||
               strcmp(w, "slightly") == 0) {
      amount = amount < 0 ? -0.5f : 0.5f;
    } else if (strcmp(w, "much") == 0 || strcmp(w, "lot") == 0 || strcmp(w, "way") == 0 ||
               strcmp(w, "very") == 0 || strcmp(w, "really") == 0) {
      amount = amount < 0 ? -1.5f : 1.5f;
    }
    int matched_words = 0;
    for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]) && !matched_words; ++f) {
      char form[64];
      snprintf(form, sizeof(form), "%s", forms[f].words);
      /* Compare word by word against the form's words. */
      int k = 0;
      char* save = NULL;
      bool ok = true;
      for (char* part = strtok_r(form, " ", &save); part;
           part = strtok_r(NULL, " ", &save)) {
        if (i + k >= n || strcmp(words[i + k], part) != 0) {
          ok = false;
          break;
        }
        ++k;
      }
      if (ok && k > 0) {
        /* "fewer notes" / "less notes" carry their own sign. */
        const bool own_sign = strchr(forms[f].words, ' ') && (forms[f].mod == M_SPARSER);
        apply(out, forms[f].mod, own_sign ? (amount < 0 ? -amount : amount) : amount);
        ++out->n_matched;
        amount = 1.0f;
        matched_words = k;
      }
    }
    if (matched_words) {
      i += matched_words;
      continue;
    }
    if (!is_filler(w)) {
      if (out->fully_understood || !out->unknown_word[0]) {
        snprintf(out->unknown_word, sizeof(out->unknown_word), "%s", w);
      }
      out->fully_understood = false;
    }
    ++i;
  }
  if (out->n_matched == 0) {
    out->fully_understood = false;
  }
  return out->n_matched > 0;
}

void tandem_feel_init(TandemFeel* feel)
{
  feel->tempo_factor = 1.0f;
  feel->ghost = 0.0f;
}

bool tandem_feel_update(TandemFeel* feel, const TandemIntent* intent)
{
  const TandemFeel before = *feel;
  if (intent->tempo_factor == 0.5f || intent->tempo_factor == 2.0f) {
    feel->tempo_factor = intent->tempo_factor;
  } else if (intent->normal_time) {
    feel->tempo_factor = 1.0f;
  }
  const float g = feel->ghost + intent->ghost;
  feel->ghost = g < -1.0f ? -1.0f : g > 1.0f ? 1.0f : g;
  return feel->tempo_factor != before.tempo_factor || feel->ghost != before.ghost;
}
