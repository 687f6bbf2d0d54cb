/* Tandem — model reply parsing, validation and repair (see llm_reply.h). */
#include "llm_reply.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define TICK_SCALE (TANDEM_PPQ / TANDEM_LLM_PPQ)

void tandem_llm_reply_range(TandemRole role, int* lo, int* hi)
{
  switch (role) {
  case TANDEM_ROLE_DRUMS:
    *lo = 35; /* GM percussion: acoustic bass drum .. open triangle */
    *hi = 81;
    break;
  case TANDEM_ROLE_CHORDS:
    *lo = 0; /* chord tone index: root, third, fifth, seventh, ninth... */
    *hi = 6;
    break;
  default:
    *lo = -7; /* scale degrees, one octave below to three above the base */
    *hi = 21;
    break;
  }
}

void tandem_llm_sanitize_line(char* dst, size_t dst_size, const char* src)
{
  if (dst_size == 0) {
    return;
  }
  size_t n = 0;
  for (const char* s = src ? src : ""; *s && *s != '\n' && *s != '\r' && n + 1 < dst_size;
       ++s) {
    const unsigned char c = (unsigned char)*s;
    if (c >= 0x20 && c < 0x7f) {
      dst[n++] = (char)c;
    }
  }
  dst[n] = '\0';
}

static void verdict(TandemReply* out, const char* fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(out->verdict, sizeof(out->verdict), fmt, ap);
  va_end(ap);
}

/* Reads an integer field; reals with an integral value count (models write 240.0). */
static bool get_int(const json_t* obj, const char* key, bool required, long* out,
                    const char** why)
{
  const json_t* v = json_object_get(obj, key);
  if (!v) {
    if (required) {
      *why = "missing";
    }
    return !required;
  }
  if (json_is_integer(v)) {
    const json_int_t i = json_integer_value(v);
    *out = i > 1000000000 ? 1000000000 : i < -1000000000 ? -1000000000 : (long)i;
    return true;
  }
  if (json_is_real(v)) {
    const double d = json_real_value(v);
    if (isfinite(d) && d == floor(d) && fabs(d) < 1e9) {
      *out = (long)d;
      return true;
    }
    *why = "not a whole number";
    return false;
  }
  *why = "not a number";
  return false;
}

typedef struct {
  uint32_t tick;
  TandemNote note;
} Raw;

static int note_key(const TandemNote* n)
{
  return n->kind == TANDEM_PITCH_ABSOLUTE ? n->pitch : 1000 + n->degree * 16 + n->octave;
}

static int cmp_note(const void* a, const void* b)
{
  const TandemNote* x = a;
  const TandemNote* y = b;
  if (x->tick != y->tick) {
    return x->tick < y->tick ? -1 : 1;
  }
  return note_key(x) - note_key(y);
}

static uint32_t snap_tick(long t, uint32_t* snapped)
{
  long best = t;
  long best_d = TANDEM_LLM_SNAP_TICKS + 1;
  const long grids[] = {TANDEM_LLM_PPQ / 4, TANDEM_LLM_PPQ / 3};
  for (size_t g = 0; g < 2; ++g) {
    const long q = grids[g];
    const long near = ((t + q / 2) / q) * q;
    const long d = labs(near - t);
    if (d < best_d) {
      best_d = d;
      best = near;
    }
  }
  if (best_d <= TANDEM_LLM_SNAP_TICKS && best != t) {
    ++*snapped;
    return (uint32_t)best;
  }
  return (uint32_t)t;
}

/* Validates one alternative into alt.  Returns false with a reason in why. */
static bool parse_alt(const json_t* a, const TandemReplyShape* shape, TandemReplyAlt* alt,
                      TandemNote* scratch, char* why, size_t why_size)
{
  memset(alt, 0, sizeof(*alt));
  if (!json_is_object(a)) {
    snprintf(why, why_size, "an alternative is not an object");
    return false;
  }
  const json_t* notes = json_object_get(a, "notes");
  if (!json_is_array(notes)) {
    snprintf(why, why_size, "'notes' is missing or not an array");
    return false;
  }
  const size_t n_raw = json_array_size(notes);
  if (n_raw > TANDEM_LLM_MAX_RAW_NOTES) {
    snprintf(why, why_size, "%zu notes is far over the cap of %d", n_raw,
             TANDEM_MAX_NOTES);
    return false;
  }
  const json_t* conf = json_object_get(a, "confidence");
  if (conf && !json_is_number(conf)) {
    snprintf(why, why_size, "'confidence' is not a number");
    return false;
  }
  const json_t* reason = json_object_get(a, "reason");
  if (reason && !json_is_string(reason)) {
    snprintf(why, why_size, "'reason' is not a string");
    return false;
  }
  double c = conf ? json_number_value(conf) : 0.5;
  if (!(c >= 0.0 && c <= 1.0)) {
    c = isfinite(c) && c > 1.0 ? 1.0 : 0.0;
  }
  alt->confidence = (float)c;
  tandem_llm_sanitize_line(alt->reason, sizeof(alt->reason),
                           reason ? json_string_value(reason) : "");

  TandemPattern* p = &alt->pattern;
  tandem_pattern_init(p, shape->role, shape->bars, shape->beats_per_bar,
                      shape->beat_unit);
  p->confidence = alt->confidence;
  const long end = (long)tandem_pattern_length_ticks(p) / TICK_SCALE;
  const long min_len = TANDEM_LLM_PPQ / 8;
  int lo, hi;
  tandem_llm_reply_range(shape->role, &lo, &hi);
  const bool drums = shape->role == TANDEM_ROLE_DRUMS;
  TandemRepairCounts* rc = &alt->repairs;

  size_t n = 0;
  for (size_t i = 0; i < n_raw; ++i) {
    const json_t* jn = json_array_get(notes, i);
    if (!json_is_object(jn)) {
      snprintf(why, why_size, "note %zu is not an object", i + 1);
      return false;
    }
    long tick = 0, length = 0, velocity = 0, pitch = 0, octave = 0;
    const char* fault = NULL;
    const char* field = NULL;
    if (!get_int(jn, field = "tick", true, &tick, &fault) ||
        !get_int(jn, field = "length", true, &length, &fault) ||
        !get_int(jn, field = "velocity", true, &velocity, &fault) ||
        !get_int(jn, field = drums ? "pitch" : "degree", true, &pitch, &fault) ||
        (!drums && !get_int(jn, field = "octave", false, &octave, &fault))) {
      snprintf(why, why_size, "note %zu: '%s' is %s", i + 1, field, fault);
      return false;
    }
    if (tick < 0 || tick >= end) {
      ++rc->dropped_time;
      continue;
    }
    if (pitch < lo || pitch > hi || octave < -2 || octave > 2) {
      ++rc->dropped_range;
      continue;
    }
    if (n >= TANDEM_MAX_NOTES) {
      ++rc->dropped_cap;
      continue;
    }
    const uint32_t t = snap_tick(tick, &rc->snapped);
    if (t >= (uint32_t)end) {
      ++rc->dropped_time;
      continue;
    }
    if (length < min_len) {
      length = min_len;
      ++rc->fixed_length;
    }
    if ((long)t + length > end) {
      length = end - (long)t;
      ++rc->fixed_length;
    }
    if (velocity < 1 || velocity > 127) {
      velocity = velocity < 1 ? 1 : 127;
      ++rc->clamped_velocity;
    }
    TandemNote* note = &scratch[n++];
    memset(note, 0, sizeof(*note));
    note->tick = t * TICK_SCALE;
    note->length = (uint32_t)length * TICK_SCALE;
    note->velocity = (uint8_t)velocity;
    if (drums) {
      note->kind = TANDEM_PITCH_ABSOLUTE;
      note->pitch = (uint8_t)pitch;
    } else {
      note->kind =
          shape->role == TANDEM_ROLE_CHORDS ? TANDEM_PITCH_CHORD : TANDEM_PITCH_SCALE;
      note->degree = (int8_t)pitch;
      note->octave = (int8_t)octave;
    }
    if (velocity < 45) {
      note->flags |= TANDEM_NOTE_GHOST;
    }
  }

  qsort(scratch, n, sizeof(*scratch), cmp_note);
  /* Same-pitch overlaps: a note that starts where another of its pitch already
   * sounds is dropped if they start together, else the earlier one is cut. */
  size_t kept = 0;
  for (size_t i = 0; i < n; ++i) {
    bool drop = false;
    for (size_t j = kept; j-- > 0;) {
      TandemNote* prev = &p->notes[j];
      if (note_key(prev) != note_key(&scratch[i])) {
        continue;
      }
      if (prev->tick == scratch[i].tick) {
        drop = true;
      } else if (prev->tick + prev->length > scratch[i].tick) {
        prev->length = scratch[i].tick - prev->tick;
        ++rc->trimmed_overlap;
      }
      break;
    }
    if (drop) {
      ++rc->dropped_overlap;
      continue;
    }
    p->notes[kept++] = scratch[i];
  }
  p->n_notes = (uint32_t)kept;

  const uint32_t dropped =
      rc->dropped_range + rc->dropped_time + rc->dropped_overlap + rc->dropped_cap;
  alt->repaired =
      dropped + rc->clamped_velocity + rc->fixed_length + rc->trimmed_overlap > 0;
  if (kept == 0) {
    snprintf(why, why_size, "no playable notes (%zu given, %u dropped)", n_raw, dropped);
    return false;
  }
  if (dropped * 2 > n_raw) {
    snprintf(why, why_size, "%u of %zu notes were unusable", dropped, n_raw);
    return false;
  }
  if (!tandem_pattern_valid(p)) {
    snprintf(why, why_size, "the repaired pattern is still invalid");
    return false;
  }
  return true;
}

bool tandem_llm_reply_parse(const char* json_text, size_t len,
                            const TandemReplyShape* shape, TandemReply* out)
{
  memset(out, 0, sizeof(*out));
  out->outcome = TANDEM_REPLY_REJECTED;
  if (!json_text || len == 0) {
    verdict(out, "rejected: empty reply");
    return false;
  }
  if (!shape || shape->bars < 1 || shape->bars > TANDEM_MAX_BARS ||
      shape->beats_per_bar < 1 || shape->beats_per_bar > 16 ||
      (shape->beat_unit != 4 && shape->beat_unit != 8) ||
      shape->role >= TANDEM_ROLE_TRIGGER) {
    verdict(out, "rejected: no pattern shape to fill");
    return false;
  }
  json_error_t err;
  json_t* root = json_loadb(json_text, len, JSON_REJECT_DUPLICATES, &err);
  if (!root) {
    /* Prose, a refusal in words, or JSON cut off mid-way all land here. */
    size_t lead = 0; /* json_text need not be NUL-terminated */
    while (lead < len && (json_text[lead] == ' ' || json_text[lead] == '\t' ||
                          json_text[lead] == '\r' || json_text[lead] == '\n')) {
      ++lead;
    }
    const bool looks_json =
        lead < len && (json_text[lead] == '{' || json_text[lead] == '[');
    char text[96];
    tandem_llm_sanitize_line(text, sizeof(text), err.text);
    verdict(out, "rejected: %s (%s)", looks_json ? "invalid JSON" : "not JSON (prose?)",
            text);
    return false;
  }
  TandemNote* scratch = NULL;
  const json_t* alts = json_object_get(root, "alternatives");
  if (!json_is_object(root)) {
    verdict(out, "rejected: the reply is not a JSON object");
  } else if (!json_is_array(alts) || json_array_size(alts) == 0) {
    verdict(out, "rejected: 'alternatives' is missing, empty or not an array");
  } else if (!(scratch = malloc(sizeof(TandemNote) * TANDEM_MAX_NOTES))) {
    verdict(out, "rejected: out of memory");
  } else {
    char first_why[TANDEM_LLM_VERDICT_MAX - 16] = "";
    const size_t n = json_array_size(alts);
    for (size_t i = 0; i < n && i < TANDEM_LLM_MAX_ALTS; ++i) {
      char why[160];
      if (parse_alt(json_array_get(alts, i), shape, &out->alts[out->n_alts], scratch, why,
                    sizeof(why))) {
        ++out->n_alts;
      } else {
        ++out->n_rejected_alts;
        if (!first_why[0]) {
          char full[256];
          snprintf(full, sizeof(full), "alternative %zu: %s", i + 1, why);
          tandem_llm_sanitize_line(first_why, sizeof(first_why), full);
        }
      }
    }
    if (out->n_alts == 0) {
      verdict(out, "rejected: %s", first_why);
    } else {
      TandemRepairCounts t = {0};
      bool repaired = false;
      for (uint32_t i = 0; i < out->n_alts; ++i) {
        const TandemRepairCounts* r = &out->alts[i].repairs;
        repaired |= out->alts[i].repaired;
        t.clamped_velocity += r->clamped_velocity;
        t.fixed_length += r->fixed_length;
        t.dropped_range += r->dropped_range;
        t.dropped_time += r->dropped_time;
        t.dropped_overlap += r->dropped_overlap;
        t.trimmed_overlap += r->trimmed_overlap;
        t.dropped_cap += r->dropped_cap;
        t.snapped += r->snapped;
      }
      out->outcome = repaired ? TANDEM_REPLY_REPAIRED : TANDEM_REPLY_ACCEPTED;
      if (repaired) {
        verdict(
            out,
            "repaired: %u velocities clamped, %u lengths fixed, %u out of range, "
            "%u outside the pattern, %u overlaps dropped, %u trimmed, %u over the cap; "
            "%u snapped; %u of %zu alternatives kept",
            t.clamped_velocity, t.fixed_length, t.dropped_range, t.dropped_time,
            t.dropped_overlap, t.trimmed_overlap, t.dropped_cap, t.snapped, out->n_alts,
            n);
      } else {
        verdict(out, "accepted: %u snapped; %u of %zu alternatives kept", t.snapped,
                out->n_alts, n);
      }
    }
  }
  free(scratch);
  json_decref(root);
  return out->outcome != TANDEM_REPLY_REJECTED;
}
