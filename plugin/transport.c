/* Tandem — host transport tracking.  See transport.h. */
#include "transport.h"

#include <math.h>
#include <string.h>

#include <lv2/atom/util.h>

void tandem_transport_init(TandemTransport* t)
{
  t->has_host = false;
  t->speed = 0.0;
  t->bpm = 120.0;
  t->beats_per_bar = 4.0;
  t->beat_unit = 4;
  t->bar = 0;
  t->bar_beat = 0.0;
  t->frame = 0;
  t->jumps = 0;
}

bool tandem_atom_number(const TandemURIs* uris, const LV2_Atom* atom, double* out)
{
  if (!atom) {
    return false;
  }
  /* Bodies are copied out: a host's buffer need not be 8-byte aligned. */
  const void* body = LV2_ATOM_BODY_CONST(atom);
  double v;
  if (atom->type == uris->atom_Float && atom->size >= sizeof(float)) {
    float f;
    memcpy(&f, body, sizeof(f));
    v = f;
  } else if (atom->type == uris->atom_Double && atom->size >= sizeof(double)) {
    memcpy(&v, body, sizeof(v));
  } else if ((atom->type == uris->atom_Int || atom->type == uris->atom_Bool) &&
             atom->size >= sizeof(int32_t)) {
    int32_t i;
    memcpy(&i, body, sizeof(i));
    v = atom->type == uris->atom_Bool ? (i ? 1.0 : 0.0) : (double)i;
  } else if (atom->type == uris->atom_Long && atom->size >= sizeof(int64_t)) {
    int64_t l;
    memcpy(&l, body, sizeof(l));
    v = (double)l;
  } else {
    return false;
  }
  if (!isfinite(v)) {
    return false;
  }
  *out = v;
  return true;
}

bool tandem_transport_update(TandemTransport* t, const TandemURIs* uris,
                             const LV2_Atom_Object* obj)
{
  const LV2_Atom* bar = NULL;
  const LV2_Atom* bar_beat = NULL;
  const LV2_Atom* bpm = NULL;
  const LV2_Atom* speed = NULL;
  const LV2_Atom* frame = NULL;
  const LV2_Atom* bpb = NULL;
  const LV2_Atom* unit = NULL;
  lv2_atom_object_get(obj, uris->time_bar, &bar, uris->time_barBeat, &bar_beat,
                      uris->time_beatsPerMinute, &bpm, uris->time_speed, &speed,
                      uris->time_frame, &frame, uris->time_beatsPerBar, &bpb,
                      uris->time_beatUnit, &unit, 0);

  bool any = false;
  double v;
  if (tandem_atom_number(uris, bpm, &v) && v > 0.0 && v <= 1000.0) {
    if (t->has_host && fabs(v - t->bpm) > 1e-6) {
      t->jumps++;
    }
    t->bpm = v;
    any = true;
  }
  if (tandem_atom_number(uris, speed, &v) && fabs(v) <= 64.0) {
    t->speed = v;
    any = true;
  }
  if (tandem_atom_number(uris, bpb, &v) && v > 0.0 && v <= 64.0) {
    t->beats_per_bar = v;
    any = true;
  }
  if (tandem_atom_number(uris, unit, &v) && v >= 1.0 && v <= 64.0) {
    t->beat_unit = (int32_t)v;
    any = true;
  }
  if (tandem_atom_number(uris, bar, &v) && fabs(v) < 1e12) {
    t->bar = (int64_t)v;
    any = true;
  }
  if (tandem_atom_number(uris, bar_beat, &v) && v >= 0.0) {
    t->bar_beat = fmod(v, t->beats_per_bar);
    any = true;
  }
  if (tandem_atom_number(uris, frame, &v) && fabs(v) < 9e15) {
    const int64_t f = (int64_t)v;
    if (t->has_host && f != t->frame) {
      t->jumps++;
    }
    t->frame = f;
    any = true;
  }
  if (any) {
    t->has_host = true;
  }
  return any;
}

void tandem_transport_advance(TandemTransport* t, uint32_t frames, double sample_rate)
{
  if (!t->has_host || sample_rate <= 0.0) {
    return;
  }
  const double moved = (double)frames * t->speed;
  t->frame += (int64_t)llround(moved);
  if (t->speed == 0.0) {
    return;
  }
  double beats = t->bar_beat + moved * t->bpm / (60.0 * sample_rate);
  /* Whole bars carry into the bar counter; reverse play walks back. */
  const double bars = floor(beats / t->beats_per_bar);
  if (!isfinite(bars) || fabs(bars) > 1e9) {
    /* Only a nonsense sample rate gets here; stay put rather than overflow. */
    t->bar_beat = 0.0;
    return;
  }
  t->bar += (int64_t)bars;
  beats -= bars * t->beats_per_bar;
  if (beats < 0.0 || beats >= t->beats_per_bar) {
    beats = 0.0;
  }
  t->bar_beat = beats;
}
