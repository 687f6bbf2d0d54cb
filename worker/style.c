/* Tandem — style profiles: loading with serd/sord, the shipped list, similarity.
 * See style.h. */
#include "style.h"

#include "theory.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <serd/serd.h>
#include <sord/sord.h>

#define NS_RDF  "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define NS_RDFS "http://www.w3.org/2000/01/rdf-schema#"
#define NS_XSD  "http://www.w3.org/2001/XMLSchema#"

/* ---- The shipped list ---- */

typedef struct {
  const char* name;
  const char* label;
} ShippedStyle;

/* Index = value of the `style` port.  Append only: sessions store the index. */
static const ShippedStyle shipped[TANDEM_STYLE_SHIPPED_COUNT + 1] = {
    {"auto", "Auto"},
    {"rock", "Rock"},
    {"funk", "Funk"},
    {"boombap", "Hip-hop boom-bap"},
    {"trap", "Trap"},
    {"house", "House"},
    {"techno", "Techno"},
    {"dnb", "Drum & bass"},
    {"jazz", "Jazz swing"},
    {"bossa", "Bossa nova"},
    {"reggae", "Reggae one-drop"},
    {"ballad", "Pop ballad"},
    {"hardcore", "Hardcore / gabber"},
};

const char* tandem_style_shipped_name(int index)
{
  return (index >= 0 && index <= TANDEM_STYLE_SHIPPED_COUNT) ? shipped[index].name : NULL;
}

const char* tandem_style_shipped_label(int index)
{
  return (index >= 0 && index <= TANDEM_STYLE_SHIPPED_COUNT) ? shipped[index].label
                                                             : NULL;
}

int tandem_style_shipped_index(const char* name)
{
  for (int i = 0; name && i <= TANDEM_STYLE_SHIPPED_COUNT; ++i) {
    if (!strcmp(name, shipped[i].name)) {
      return i;
    }
  }
  return -1;
}

/* ---- Field table ---- */

typedef enum {
  FIELD_TEXT,   /* string literal into a char array */
  FIELD_NUMBER, /* float */
  FIELD_INT,    /* uint8_t */
  FIELD_STEPS,  /* string of n_steps weights into a float array */
  FIELD_SCALES, /* string of scale names */
  FIELD_FILLS,  /* drum fills, see parse_fills */
  FIELD_STEADY, /* one bar in the fills' letters */
} FieldKind;

typedef struct {
  const char* uri; /* full property URI */
  const char* short_name;
  FieldKind kind;
  size_t offset; /* into TandemStyle */
  size_t size;   /* FIELD_TEXT: array size */
  float min;     /* FIELD_NUMBER / FIELD_INT range */
  float max;
  bool required;
  float fallback; /* used when an optional number is absent */
} Field;

#define STY(x)     TANDEM_STYLE_URI x
#define AT(member) offsetof(TandemStyle, member)

/* Meter fields come before the step fields: the step count depends on them. */
static const Field fields[] = {
    {STY("name"), "sty:name", FIELD_TEXT, AT(name), TANDEM_STYLE_NAME_MAX, 0, 0, true, 0},
    {NS_RDFS "label", "rdfs:label", FIELD_TEXT, AT(label), TANDEM_STYLE_LABEL_MAX, 0, 0,
     true, 0},
    {STY("description"), "sty:description", FIELD_TEXT, AT(description),
     TANDEM_STYLE_DESC_MAX, 0, 0, true, 0},
    {STY("tempoMin"), "sty:tempoMin", FIELD_NUMBER, AT(tempo_min_bpm), 0, 20, 300, true,
     0},
    {STY("tempoMax"), "sty:tempoMax", FIELD_NUMBER, AT(tempo_max_bpm), 0, 20, 300, true,
     0},
    {STY("beatsPerBar"), "sty:beatsPerBar", FIELD_INT, AT(beats_per_bar), 0, 1, 16, true,
     0},
    {STY("beatUnit"), "sty:beatUnit", FIELD_INT, AT(beat_unit), 0, 4, 8, true, 0},
    {STY("swing"), "sty:swing", FIELD_NUMBER, AT(swing_pct), 0, 50, 75, true, 0},
    {STY("swingGrid"), "sty:swingGrid", FIELD_INT, AT(swing_grid), 0, 8, 16, true, 0},
    {STY("ghostProbability"), "sty:ghostProbability", FIELD_NUMBER, AT(ghost_prob), 0, 0,
     0.5f, true, 0},
    {STY("syncopation"), "sty:syncopation", FIELD_NUMBER, AT(syncopation), 0, 0, 1, true,
     0},
    {STY("velocityMean"), "sty:velocityMean", FIELD_NUMBER, AT(velocity_mean), 0, 20, 127,
     true, 0},
    {STY("velocitySpread"), "sty:velocitySpread", FIELD_NUMBER, AT(velocity_spread), 0, 0,
     40, true, 0},
    {STY("drumDensity"), "sty:drumDensity", FIELD_NUMBER, AT(density[TANDEM_ROLE_DRUMS]),
     0, 0.5f, 64, true, 0},
    {STY("bassDensity"), "sty:bassDensity", FIELD_NUMBER, AT(density[TANDEM_ROLE_BASS]),
     0, 0.5f, 64, true, 0},
    {STY("chordDensity"), "sty:chordDensity", FIELD_NUMBER,
     AT(density[TANDEM_ROLE_CHORDS]), 0, 0.5f, 64, true, 0},
    {STY("melodyDensity"), "sty:melodyDensity", FIELD_NUMBER,
     AT(density[TANDEM_ROLE_MELODY]), 0, 0.5f, 64, true, 0},
    {STY("kickSteps"), "sty:kickSteps", FIELD_STEPS, AT(drum_steps[TANDEM_DRUM_KICK]), 0,
     0, 1, true, 0},
    {STY("snareSteps"), "sty:snareSteps", FIELD_STEPS, AT(drum_steps[TANDEM_DRUM_SNARE]),
     0, 0, 1, true, 0},
    {STY("hatSteps"), "sty:hatSteps", FIELD_STEPS, AT(drum_steps[TANDEM_DRUM_HAT]), 0, 0,
     1, true, 0},
    {STY("kickNote"), "sty:kickNote", FIELD_INT, AT(drum_notes[TANDEM_DRUM_KICK]), 0, 27,
     87, false, 36},
    {STY("snareNote"), "sty:snareNote", FIELD_INT, AT(drum_notes[TANDEM_DRUM_SNARE]), 0,
     27, 87, false, 38},
    {STY("hatNote"), "sty:hatNote", FIELD_INT, AT(drum_notes[TANDEM_DRUM_HAT]), 0, 27, 87,
     false, 42},
    {STY("steadyHits"), "sty:steadyHits", FIELD_STEADY, AT(steady_hits), 0, 0, 0, false,
     0},
    {STY("variationHits"), "sty:variationHits", FIELD_STEADY, AT(variation_hits), 0, 0, 0,
     false, 0},
    {STY("layerSteps"), "sty:layerSteps", FIELD_STEPS, AT(drum_layer_steps), 0, 0, 1,
     false, 0},
    {STY("layerNote"), "sty:layerNote", FIELD_INT, AT(drum_layer_note), 0, 27, 87, false,
     54},
    {STY("rideNote"), "sty:rideNote", FIELD_INT, AT(drum_ride_note), 0, 0, 87, false, 0},
    {STY("crashNote"), "sty:crashNote", FIELD_INT, AT(drum_crash_note), 0, 0, 87, false,
     49},
    {STY("hatRolls"), "sty:hatRolls", FIELD_NUMBER, AT(hat_rolls), 0, 0, 1, false, 0},
    {STY("kickFeather"), "sty:kickFeather", FIELD_NUMBER, AT(kick_feather), 0, 0, 1,
     false, 0},
    {STY("drumFills"), "sty:drumFills", FIELD_FILLS, 0, 0, 0, 0, false, 0},
    {STY("bassSteps"), "sty:bassSteps", FIELD_STEPS, AT(bass_steps), 0, 0, 1, true, 0},
    {STY("bassKickLock"), "sty:bassKickLock", FIELD_NUMBER, AT(bass_kick_lock), 0, 0, 1,
     true, 0},
    {STY("bassRoot"), "sty:bassRoot", FIELD_NUMBER, AT(bass_root), 0, 0, 1, true, 0},
    {STY("bassFifth"), "sty:bassFifth", FIELD_NUMBER, AT(bass_fifth), 0, 0, 1, true, 0},
    {STY("bassOctave"), "sty:bassOctave", FIELD_NUMBER, AT(bass_octave), 0, 0, 1, true,
     0},
    {STY("bassApproach"), "sty:bassApproach", FIELD_NUMBER, AT(bass_approach), 0, 0, 1,
     true, 0},
    {STY("bassSustain"), "sty:bassSustain", FIELD_NUMBER, AT(bass_sustain), 0, 0.05f, 1,
     true, 0},
    {STY("bassIdiom"), "sty:bassIdiom", FIELD_TEXT, AT(bass_idiom), TANDEM_STYLE_NAME_MAX,
     0, 0, false, 0},
    {STY("bassRegister"), "sty:bassRegister", FIELD_NUMBER, AT(bass_register), 0, -2, 1,
     false, 0},
    {STY("chordSteps"), "sty:chordSteps", FIELD_STEPS, AT(chord_steps), 0, 0, 1, true, 0},
    {STY("chordTones"), "sty:chordTones", FIELD_INT, AT(chord_tones), 0, 3, 4, true, 0},
    {STY("chordSustain"), "sty:chordSustain", FIELD_NUMBER, AT(chord_sustain), 0, 0.05f,
     1, true, 0},
    {STY("chordVoicing"), "sty:chordVoicing", FIELD_TEXT, AT(chord_voicing),
     TANDEM_STYLE_NAME_MAX, 0, 0, false, 0},
    {STY("melodySteps"), "sty:melodySteps", FIELD_STEPS, AT(melody_steps), 0, 0, 1, true,
     0},
    {STY("scales"), "sty:scales", FIELD_SCALES, 0, 0, 0, 0, true, 0},
};

#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

/* ---- Loading ---- */

typedef struct {
  const char* path;
  char* err;
  size_t err_size;
  bool failed;
} LoadCtx;

/* Records the first failure only, so the caller gets ONE message. */
static bool fail(LoadCtx* ctx, const char* fmt, ...)
{
  if (ctx->failed) {
    return false;
  }
  ctx->failed = true;
  if (ctx->err && ctx->err_size > 0) {
    const int n = snprintf(ctx->err, ctx->err_size, "%s: ", ctx->path);
    if (n >= 0 && (size_t)n < ctx->err_size) {
      va_list args;
      va_start(args, fmt);
      vsnprintf(ctx->err + n, ctx->err_size - (size_t)n, fmt, args);
      va_end(args);
    }
  }
  return false;
}

static SerdStatus on_serd_error(void* handle, const SerdError* e)
{
  LoadCtx* ctx = (LoadCtx*)handle;
  char msg[256];
  va_list args;
  va_copy(args, *e->args);
  vsnprintf(msg, sizeof(msg), e->fmt, args);
  va_end(args);
  const size_t len = strlen(msg);
  if (len > 0 && msg[len - 1] == '\n') {
    msg[len - 1] = '\0';
  }
  fail(ctx, "line %u, column %u: bad Turtle: %s", e->line, e->col, msg);
  return SERD_SUCCESS;
}

static bool is_numeric_datatype(const char* dt)
{
  return !strcmp(dt, NS_XSD "integer") || !strcmp(dt, NS_XSD "decimal") ||
         !strcmp(dt, NS_XSD "double") || !strcmp(dt, NS_XSD "float") ||
         !strcmp(dt, NS_XSD "int") || !strcmp(dt, NS_XSD "long");
}

/* A literal whose datatype is absent or xsd:string. */
static bool is_string_literal(const SordNode* node)
{
  if (sord_node_get_type(node) != SORD_LITERAL) {
    return false;
  }
  const SordNode* dt = sord_node_get_datatype(node);
  return !dt || !strcmp((const char*)sord_node_get_string(dt), NS_XSD "string");
}

static bool parse_number(LoadCtx* ctx, const Field* f, const SordNode* node,
                         double* value)
{
  const char* text = (const char*)sord_node_get_string(node);
  if (sord_node_get_type(node) != SORD_LITERAL) {
    return fail(ctx, "%s: expected a number, got the resource <%s>", f->short_name, text);
  }
  const SordNode* dt = sord_node_get_datatype(node);
  if (!dt || !is_numeric_datatype((const char*)sord_node_get_string(dt))) {
    return fail(ctx, "%s: expected a number, got the text \"%s\"", f->short_name, text);
  }
  char* end = NULL;
  errno = 0;
  const double v = strtod(text, &end);
  if (end == text || *end != '\0' || errno || !isfinite(v)) {
    return fail(ctx, "%s: \"%s\" is not a finite number", f->short_name, text);
  }
  if (v < f->min || v > f->max) {
    return fail(ctx, "%s: %s is out of range (%g..%g)", f->short_name, text, f->min,
                f->max);
  }
  if (f->kind == FIELD_INT && v != floor(v)) {
    return fail(ctx, "%s: %s must be a whole number", f->short_name, text);
  }
  *value = v;
  return true;
}

static bool parse_steps(LoadCtx* ctx, const Field* f, const char* text, float* steps,
                        int n_steps)
{
  int n = 0;
  const char* p = text;
  for (;;) {
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
      ++p;
    }
    if (!*p) {
      break;
    }
    char* end = NULL;
    errno = 0;
    const double w = strtod(p, &end);
    if (end == p || errno || !isfinite(w) ||
        (*end && *end != ' ' && *end != '\t' && *end != '\n' && *end != '\r')) {
      return fail(ctx, "%s: item %d is not a number", f->short_name, n + 1);
    }
    if (w < 0 || w > 1) {
      return fail(ctx, "%s: item %d (%g) is out of range (0..1)", f->short_name, n + 1,
                  w);
    }
    if (n < TANDEM_STYLE_MAX_STEPS) {
      steps[n] = (float)w;
    }
    ++n;
    p = end;
  }
  if (n != n_steps) {
    return fail(ctx, "%s: has %d weights; the meter needs %d (one per 16th of the bar)",
                f->short_name, n, n_steps);
  }
  return true;
}

/* Fills: '|' between fills, one space-separated token per 16th, each token one
 * or more TANDEM_FILL_LETTERS struck together ('-' for none), optionally ':2' or
 * ':3' for that many strokes in the 16th (a roll).  A fill ends on the bar line;
 * one longer than the profile's bar keeps its last bar. */
static bool parse_fills(LoadCtx* ctx, const Field* f, const char* text, TandemStyle* s)
{
  s->n_fills = 0;
  uint16_t hits[TANDEM_STYLE_MAX_STEPS];
  uint8_t roll[TANDEM_STYLE_MAX_STEPS];
  int steps = 0;
  bool open = false;
  for (const char* p = text;; ++p) {
    if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
      continue;
    }
    if (*p == '|' || !*p) {
      if (!open) {
        return fail(ctx, "%s: fill %d is empty", f->short_name, s->n_fills + 1);
      }
      if (open) {
        const int keep = steps < s->n_steps ? steps : s->n_steps;
        for (int k = 0; k < keep; ++k) {
          s->fill_hits[s->n_fills][k] = hits[steps - keep + k];
          s->fill_roll[s->n_fills][k] = roll[steps - keep + k];
        }
        s->fill_len[s->n_fills++] = (uint8_t)keep;
      }
      if (!*p) {
        break;
      }
      open = false;
      continue;
    }
    if (!open) {
      if (s->n_fills >= TANDEM_STYLE_MAX_FILLS) {
        return fail(ctx, "%s: more than %d fills", f->short_name, TANDEM_STYLE_MAX_FILLS);
      }
      open = true;
      steps = 0;
    }
    if (steps >= TANDEM_STYLE_MAX_STEPS) {
      return fail(ctx, "%s: fill %d is longer than %d 16ths", f->short_name,
                  s->n_fills + 1, TANDEM_STYLE_MAX_STEPS);
    }
    hits[steps] = 0;
    roll[steps] = 1;
    for (; *p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' && *p != '|'; ++p) {
      const char* at = strchr(TANDEM_FILL_LETTERS, *p);
      if (*p == ':' && (p[1] == '2' || p[1] == '3')) {
        roll[steps] = (uint8_t)(p[1] - '0');
        ++p;
      } else if (*p != '-' && (!at || !*at)) {
        return fail(ctx, "%s: fill %d, step %d: '%c' is not one of \"%s\", '-' or :2/:3",
                    f->short_name, s->n_fills + 1, steps + 1, *p, TANDEM_FILL_LETTERS);
      } else if (*p != '-') {
        hits[steps] |= (uint16_t)(1u << (at - TANDEM_FILL_LETTERS));
      }
    }
    ++steps;
    --p; /* the loop's ++p moves onto the separator */
  }
  return true;
}

/* Steady or variation hits: one bar in the fills' notation into the uint16_t
 * array at f->offset, read as a fill is (a longer one keeps its last bar, a
 * shorter one ends on the bar line); rolls are not kept. */
static bool parse_steady(LoadCtx* ctx, const Field* f, const char* text, TandemStyle* s)
{
  TandemStyle* scratch = calloc(1, sizeof(*scratch));
  if (!scratch) {
    return fail(ctx, "out of memory");
  }
  scratch->n_steps = s->n_steps;
  bool ok = parse_fills(ctx, f, text, scratch);
  if (ok && scratch->n_fills != 1) {
    ok = fail(ctx, "%s: one bar, without '|'", f->short_name);
  }
  if (ok) {
    const int len = scratch->fill_len[0];
    uint16_t* hits = (uint16_t*)((char*)s + f->offset);
    memset(hits, 0, TANDEM_STYLE_MAX_STEPS * sizeof(*hits));
    for (int k = 0; k < len; ++k) {
      hits[s->n_steps - len + k] = scratch->fill_hits[0][k];
    }
  }
  free(scratch);
  return ok;
}

/* Matches "harmonic-minor" against theory's "harmonic minor". */
static int scale_from_name(const char* word, size_t len)
{
  for (int s = 0; s < TANDEM_SCALE_COUNT; ++s) {
    const char* name = tandem_scale_name((TandemScale)s);
    if (strlen(name) != len) {
      continue;
    }
    size_t i = 0;
    while (i < len && (word[i] == name[i] || (word[i] == '-' && name[i] == ' '))) {
      ++i;
    }
    if (i == len) {
      return s;
    }
  }
  return -1;
}

static bool parse_scales(LoadCtx* ctx, const Field* f, const char* text, TandemStyle* s)
{
  s->n_scales = 0;
  for (const char* p = text; *p;) {
    if (*p == ' ' || *p == '\t' || *p == '\n') {
      ++p;
      continue;
    }
    size_t len = 0;
    while (p[len] && p[len] != ' ' && p[len] != '\t' && p[len] != '\n') {
      ++len;
    }
    const int scale = scale_from_name(p, len);
    if (scale < 0) {
      return fail(ctx, "%s: unknown scale \"%.*s\"", f->short_name, (int)len, p);
    }
    if (s->n_scales >= TANDEM_STYLE_MAX_SCALES) {
      return fail(ctx, "%s: more than %d scales", f->short_name, TANDEM_STYLE_MAX_SCALES);
    }
    s->scales[s->n_scales++] = (uint8_t)scale;
    p += len;
  }
  if (s->n_scales == 0) {
    return fail(ctx, "%s: names no scale", f->short_name);
  }
  return true;
}

static bool valid_name(const char* name)
{
  if (!*name) {
    return false;
  }
  for (const char* c = name; *c; ++c) {
    if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-')) {
      return false;
    }
  }
  return true;
}

static float sum_steps(const float* steps, int n)
{
  float sum = 0.0f;
  for (int i = 0; i < n; ++i) {
    sum += steps[i];
  }
  return sum;
}

static bool read_field(LoadCtx* ctx, SordModel* model, const SordNode* subject,
                       const SordNode* pred, const Field* f, TandemStyle* s)
{
  const size_t count = sord_count(model, subject, pred, NULL, NULL);
  if (count == 0) {
    if (f->required) {
      return fail(ctx, "%s: required field is missing", f->short_name);
    }
    if (f->kind == FIELD_INT) {
      *(uint8_t*)((char*)s + f->offset) = (uint8_t)f->fallback;
    } else if (f->kind == FIELD_NUMBER) {
      *(float*)((char*)s + f->offset) = f->fallback;
    }
    return true;
  }
  if (count > 1) {
    return fail(ctx, "%s: has %zu values; expected one", f->short_name, count);
  }
  SordNode* node = sord_get(model, subject, pred, NULL, NULL);
  bool ok = true;
  double v = 0.0;
  const char* text = (const char*)sord_node_get_string(node);
  switch (f->kind) {
  case FIELD_NUMBER:
  case FIELD_INT:
    ok = parse_number(ctx, f, node, &v);
    if (ok && f->kind == FIELD_NUMBER) {
      *(float*)((char*)s + f->offset) = (float)v;
    } else if (ok) {
      *(uint8_t*)((char*)s + f->offset) = (uint8_t)v;
    }
    break;
  case FIELD_TEXT:
  case FIELD_STEPS:
  case FIELD_SCALES:
  case FIELD_FILLS:
  case FIELD_STEADY:
    if (!is_string_literal(node)) {
      ok = fail(ctx, "%s: expected text in quotes, got \"%s\"", f->short_name, text);
    } else if (f->kind == FIELD_TEXT) {
      if (strlen(text) >= f->size) {
        ok = fail(ctx, "%s: longer than %zu characters", f->short_name, f->size - 1);
      } else if (strlen(text) == 0) {
        ok = fail(ctx, "%s: is empty", f->short_name);
      } else {
        memcpy((char*)s + f->offset, text, strlen(text) + 1);
      }
    } else if (f->kind == FIELD_STEPS) {
      ok = parse_steps(ctx, f, text, (float*)((char*)s + f->offset), s->n_steps);
    } else if (f->kind == FIELD_FILLS) {
      ok = parse_fills(ctx, f, text, s);
    } else if (f->kind == FIELD_STEADY) {
      ok = parse_steady(ctx, f, text, s);
    } else {
      ok = parse_scales(ctx, f, text, s);
    }
    break;
  }
  sord_node_free(sord_get_world(model), node);
  return ok;
}

/* Checks that involve more than one field. */
static bool check_profile(LoadCtx* ctx, const TandemStyle* s)
{
  if (!valid_name(s->name)) {
    return fail(ctx, "sty:name: \"%s\" must be lower-case letters, digits or '-'",
                s->name);
  }
  if (s->tempo_max_bpm < s->tempo_min_bpm) {
    return fail(ctx, "sty:tempoMax: %g is below sty:tempoMin %g", s->tempo_max_bpm,
                s->tempo_min_bpm);
  }
  if (s->beat_unit != 4 && s->beat_unit != 8) {
    return fail(ctx, "sty:beatUnit: %u must be 4 or 8", s->beat_unit);
  }
  if (s->swing_grid != 8 && s->swing_grid != 16) {
    return fail(ctx, "sty:swingGrid: %u must be 8 or 16", s->swing_grid);
  }
  const char* step_names[] = {"sty:kickSteps", "sty:snareSteps", "sty:hatSteps"};
  const float* step_sets[] = {s->drum_steps[0], s->drum_steps[1], s->drum_steps[2],
                              s->bass_steps,    s->chord_steps,   s->melody_steps};
  const char* set_names[] = {step_names[0],   step_names[1],    step_names[2],
                             "sty:bassSteps", "sty:chordSteps", "sty:melodySteps"};
  if (s->swing_grid == 8) {
    /* Swung eighths move the 8th off-beats; a 16th between them has no place. */
    for (int v = 0; v < 6; ++v) {
      for (int i = 1; i < s->n_steps; i += 2) {
        if (step_sets[v][i] > 0.0f) {
          return fail(ctx,
                      "%s: item %d is a 16th off-beat, but sty:swingGrid 8 keeps to "
                      "eighths; set it to 0",
                      set_names[v], i + 1);
        }
      }
    }
  }
  const float drum_sum = sum_steps(s->drum_steps[0], s->n_steps) +
                         sum_steps(s->drum_steps[1], s->n_steps) +
                         sum_steps(s->drum_steps[2], s->n_steps);
  if (drum_sum <= 0.0f) {
    return fail(ctx, "sty:kickSteps: kick, snare and hat weights are all 0");
  }
  for (int v = 3; v < 6; ++v) {
    if (sum_steps(step_sets[v], s->n_steps) <= 0.0f) {
      return fail(ctx, "%s: all weights are 0", set_names[v]);
    }
  }
  static const char* const idioms[] = {"", "kick", "walk", "pedal", "octave"};
  static const char* const voicings[] = {"", "close", "shell", "ninth", "rootless"};
  bool known_idiom = false, known_voicing = false;
  for (size_t i = 0; i < sizeof(idioms) / sizeof(idioms[0]); ++i) {
    known_idiom = known_idiom || !strcmp(s->bass_idiom, idioms[i]);
  }
  for (size_t i = 0; i < sizeof(voicings) / sizeof(voicings[0]); ++i) {
    known_voicing = known_voicing || !strcmp(s->chord_voicing, voicings[i]);
  }
  if (!known_idiom) {
    return fail(ctx, "sty:bassIdiom: \"%s\" must be kick, walk, pedal or octave",
                s->bass_idiom);
  }
  if (!known_voicing) {
    return fail(ctx, "sty:chordVoicing: \"%s\" must be close, shell, ninth or rootless",
                s->chord_voicing);
  }
  if (s->bass_root + s->bass_fifth + s->bass_octave <= 0.0f) {
    return fail(ctx, "sty:bassRoot: root, fifth and octave weights are all 0");
  }
  const int step_unit = s->swing_grid == 8 ? 2 : 1;
  const float room[TANDEM_ROLE_TRIGGER] = {
      3.0f * s->n_steps / step_unit, (float)s->n_steps / step_unit,
      (float)s->n_steps / step_unit, (float)s->n_steps / step_unit};
  const char* density_names[] = {"sty:drumDensity", "sty:bassDensity", "sty:chordDensity",
                                 "sty:melodyDensity"};
  for (int r = 0; r < TANDEM_ROLE_TRIGGER; ++r) {
    if (s->density[r] > room[r]) {
      return fail(ctx,
                  "%s: %g notes per bar do not fit the %g steps this meter and grid "
                  "offer",
                  density_names[r], s->density[r], room[r]);
    }
  }
  return true;
}

static bool load_model(LoadCtx* ctx, SordWorld* world, SordModel* model, TandemStyle* s)
{
  SordNode* rdf_type = sord_new_uri(world, (const uint8_t*)NS_RDF "type");
  SordNode* sty_style = sord_new_uri(world, (const uint8_t*)STY("Style"));
  SordNode* subject = NULL;
  bool ok = true;

  const size_t n_styles = sord_count(model, NULL, rdf_type, sty_style, NULL);
  if (n_styles != 1) {
    ok = fail(ctx, "rdf:type: expected exactly one sty:Style, found %zu", n_styles);
  } else {
    subject = sord_get(model, NULL, rdf_type, sty_style, NULL);
  }

  /* Unknown sty: properties are typos that would otherwise be silently ignored. */
  if (ok) {
    SordIter* it = sord_search(model, subject, NULL, NULL, NULL);
    for (; ok && !sord_iter_end(it); sord_iter_next(it)) {
      const char* p =
          (const char*)sord_node_get_string(sord_iter_get_node(it, SORD_PREDICATE));
      if (strncmp(p, TANDEM_STYLE_URI, strlen(TANDEM_STYLE_URI))) {
        continue;
      }
      bool known = false;
      for (size_t i = 0; i < N_FIELDS && !known; ++i) {
        known = !strcmp(p, fields[i].uri);
      }
      if (!known) {
        ok = fail(ctx, "sty:%s: unknown field (see vocab.ttl)",
                  p + strlen(TANDEM_STYLE_URI));
      }
    }
    sord_iter_free(it);
  }

  for (size_t i = 0; ok && i < N_FIELDS; ++i) {
    SordNode* pred = sord_new_uri(world, (const uint8_t*)fields[i].uri);
    ok = read_field(ctx, model, subject, pred, &fields[i], s);
    sord_node_free(world, pred);
    if (ok && fields[i].offset == AT(beat_unit)) {
      if (s->beat_unit != 4 && s->beat_unit != 8) {
        ok = fail(ctx, "sty:beatUnit: %u must be 4 or 8", s->beat_unit);
      } else {
        s->n_steps = (uint8_t)(s->beats_per_bar * 16 / s->beat_unit);
      }
    }
  }
  if (ok) {
    ok = check_profile(ctx, s);
  }

  if (subject) {
    sord_node_free(world, subject);
  }
  sord_node_free(world, sty_style);
  sord_node_free(world, rdf_type);
  return ok;
}

bool tandem_style_load_file(const char* path, TandemStyle* out, char* err,
                            size_t err_size)
{
  LoadCtx ctx = {path ? path : "(null)", err, err_size, false};
  if (err && err_size > 0) {
    err[0] = '\0';
  }
  if (!path || !out) {
    return fail(&ctx, "no file or no output given");
  }
  FILE* file = fopen(path, "rb");
  if (!file) {
    return fail(&ctx, "cannot open: %s", strerror(errno));
  }

  SordWorld* world = sord_world_new();
  SordModel* model = sord_new(world, SORD_SPO | SORD_OPS, false);
  SerdNode base = serd_node_new_file_uri((const uint8_t*)path, NULL, NULL, true);
  SerdEnv* env = serd_env_new(&base);
  SerdReader* reader = sord_new_reader(model, env, SERD_TURTLE, NULL);
  serd_reader_set_error_sink(reader, on_serd_error, &ctx);

  const SerdStatus st = serd_reader_read_file_handle(reader, file, (const uint8_t*)path);
  fclose(file);
  if (st && !ctx.failed) {
    fail(&ctx, "bad Turtle: %s", (const char*)serd_strerror(st));
  }

  /* Parse into a scratch copy so that *out stays untouched on failure. */
  TandemStyle* scratch = calloc(1, sizeof(*scratch));
  bool ok = !ctx.failed;
  if (!scratch) {
    ok = fail(&ctx, "out of memory");
  } else if (ok) {
    ok = load_model(&ctx, world, model, scratch);
  }
  if (ok) {
    *out = *scratch;
  }

  free(scratch);
  serd_reader_free(reader);
  serd_env_free(env);
  serd_node_free(&base);
  sord_free(model);
  sord_world_free(world);
  return ok;
}

int tandem_style_load_shipped(const char* dir, TandemStyleSet* set, char* err,
                              size_t err_size)
{
  if (err && err_size > 0) {
    err[0] = '\0';
  }
  int loaded = 0;
  for (int i = 1; i <= TANDEM_STYLE_SHIPPED_COUNT; ++i) {
    char path[4096];
    char one_err[512];
    snprintf(path, sizeof(path), "%s/%s.ttl", dir, shipped[i].name);
    set->loaded[i] =
        tandem_style_load_file(path, &set->styles[i], one_err, sizeof(one_err));
    if (set->loaded[i] && strcmp(set->styles[i].name, shipped[i].name)) {
      /* A file whose sty:name disagrees would shift every index after it. */
      snprintf(one_err, sizeof(one_err), "%.400s: sty:name: \"%s\" should be \"%s\"",
               path, set->styles[i].name, shipped[i].name);
      set->loaded[i] = false;
    }
    if (set->loaded[i]) {
      ++loaded;
    } else if (err && err_size > 0 && !err[0]) {
      snprintf(err, err_size, "%s", one_err);
    }
  }
  set->loaded[0] = false;
  return loaded;
}

/* ---- Similarity ---- */

static float clamp01(float x)
{
  return x < 0.0f ? 0.0f : x > 1.0f ? 1.0f : x;
}

/* 1 - cosine similarity over the steps both bars have. */
static float steps_distance(const float* a, const float* b, int n)
{
  float ab = 0.0f, aa = 0.0f, bb = 0.0f;
  for (int i = 0; i < n; ++i) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  if (aa <= 0.0f && bb <= 0.0f) {
    return 0.0f;
  }
  if (aa <= 0.0f || bb <= 0.0f) {
    return 1.0f;
  }
  return clamp01(1.0f - ab / sqrtf(aa * bb));
}

float tandem_style_similarity(const TandemStyle* a, const TandemStyle* b)
{
  /* Weighted mean of per-feature distances, each scaled to 0..1 by the span over
   * which styles plausibly differ (tempo: an octave; swing: 50..75; ...).
   * Tempo, feel and the drum grid weigh most: they are what a listener names a
   * genre by. */
  const float mid_a = 0.5f * (a->tempo_min_bpm + a->tempo_max_bpm);
  const float mid_b = 0.5f * (b->tempo_min_bpm + b->tempo_max_bpm);
  const int n = a->n_steps < b->n_steps ? a->n_steps : b->n_steps;
  struct {
    float weight;
    float distance;
  } terms[] = {
      {2.0f, clamp01(fabsf(log2f(mid_a / mid_b)))},
      {1.0f,
       (a->beats_per_bar == b->beats_per_bar && a->beat_unit == b->beat_unit) ? 0 : 1},
      {1.5f, clamp01(fabsf(a->swing_pct - b->swing_pct) / 25.0f)},
      {0.5f, clamp01(fabsf(a->ghost_prob - b->ghost_prob) / 0.3f)},
      {0.5f, clamp01(fabsf(a->syncopation - b->syncopation))},
      {0.5f, clamp01(fabsf(a->velocity_mean - b->velocity_mean) / 50.0f)},
      {0.25f, clamp01(fabsf(a->velocity_spread - b->velocity_spread) / 20.0f)},
      {0.5f, clamp01(fabsf(log2f(a->density[0] / b->density[0])) / 2.0f)},
      {0.25f, clamp01(fabsf(log2f(a->density[1] / b->density[1])) / 2.0f)},
      {0.25f, clamp01(fabsf(log2f(a->density[2] / b->density[2])) / 2.0f)},
      {1.5f, steps_distance(a->drum_steps[0], b->drum_steps[0], n)},
      {1.5f, steps_distance(a->drum_steps[1], b->drum_steps[1], n)},
      {1.0f, steps_distance(a->drum_steps[2], b->drum_steps[2], n)},
      {0.75f, steps_distance(a->bass_steps, b->bass_steps, n)},
      {0.5f, steps_distance(a->chord_steps, b->chord_steps, n)},
  };
  float sum_w = 0.0f, sum_d = 0.0f;
  for (size_t i = 0; i < sizeof(terms) / sizeof(terms[0]); ++i) {
    sum_w += terms[i].weight;
    sum_d += terms[i].weight * terms[i].distance;
  }
  return clamp01(1.0f - sum_d / sum_w);
}
