/* Tandem — the musical clock.  See clock.h. */
#include "clock.h"

#include <math.h>

void tandem_clock_init(TandemClock* c, double sample_rate)
{
  c->sample_rate = (isfinite(sample_rate) && sample_rate > 0.0) ? sample_rate : 48000.0;
  c->min_confidence = TANDEM_CLOCK_DEFAULT_MIN_CONFIDENCE;
  c->bpm = 120.0;
  c->beats_per_bar = 4.0;
  c->beat_unit = 4;
  c->beat = 0.0;
  c->rate_bpm = 120.0;
  c->locked = false;
  c->last_source = TANDEM_CLOCK_FREE;
}

void tandem_clock_set_meter(TandemClock* c, double beats_per_bar, int32_t beat_unit)
{
  if (isfinite(beats_per_bar) && beats_per_bar >= 1.0 && beats_per_bar <= 64.0) {
    c->beats_per_bar = beats_per_bar;
  }
  if (beat_unit == 1 || beat_unit == 2 || beat_unit == 4 || beat_unit == 8 ||
      beat_unit == 16) {
    c->beat_unit = beat_unit;
  }
}

void tandem_clock_set_min_confidence(TandemClock* c, float min_confidence)
{
  if (isfinite(min_confidence)) {
    c->min_confidence = min_confidence < 0.0f   ? 0.0f
                        : min_confidence > 1.0f ? 1.0f
                                                : min_confidence;
  }
}

void tandem_clock_pos_from_transport(const TandemTransport* t, TandemClockPos* out)
{
  out->source = TANDEM_CLOCK_HOST;
  out->speed = t->speed;
  out->bpm = t->bpm;
  out->beats_per_bar = t->beats_per_bar;
  out->beat_unit = t->beat_unit;
  out->bar = t->bar;
  out->bar_beat = t->bar_beat;
}

/* Wraps a phase difference into [-0.5, 0.5) beats. */
static double wrap_half(double x)
{
  return x - floor(x + 0.5);
}

static bool estimate_usable(const TandemClock* c, const TandemTempoEstimate* est)
{
  return est && est->confidence >= c->min_confidence && isfinite(est->bpm) &&
         est->bpm >= 20.0f && est->bpm <= 400.0f && isfinite(est->beat_phase);
}

void tandem_clock_position(TandemClock* c, const TandemTransport* t,
                           const TandemTempoEstimate* est, double frames_to_estimate,
                           TandemClockPos* out)
{
  if (t && t->has_host) {
    tandem_clock_pos_from_transport(t, out);
    if (t->bpm > 0.0) {
      c->bpm = t->bpm; /* the tempo to carry on at if the host goes away */
    }
    c->locked = false;
    c->last_source = TANDEM_CLOCK_HOST;
    return;
  }

  c->rate_bpm = c->bpm;
  if (estimate_usable(c, est)) {
    c->bpm = est->bpm;
    const double frames_per_beat = 60.0 * c->sample_rate / c->bpm;
    if (!isfinite(frames_to_estimate)) {
      frames_to_estimate = 0.0;
    }
    /* Phase the estimate implies at the segment start. */
    const double target = est->beat_phase - frames_to_estimate / frames_per_beat;
    const double error = wrap_half(target - c->beat);
    if (!c->locked) {
      /* First lock: take the phase at once (never moving before beat 0). */
      c->beat = c->beat + error < 0.0 ? c->beat + error + 1.0 : c->beat + error;
      c->locked = true;
      c->rate_bpm = c->bpm;
    } else {
      /* Pull the error in over TANDEM_CLOCK_PULL_S by running slightly fast or
       * slow: the position stays continuous. */
      const double pull_beats_per_s = error / TANDEM_CLOCK_PULL_S;
      double nudge = pull_beats_per_s * 60.0 / c->bpm;
      nudge = nudge > TANDEM_CLOCK_MAX_NUDGE    ? TANDEM_CLOCK_MAX_NUDGE
              : nudge < -TANDEM_CLOCK_MAX_NUDGE ? -TANDEM_CLOCK_MAX_NUDGE
                                                : nudge;
      c->rate_bpm = c->bpm * (1.0 + nudge);
    }
    c->last_source = TANDEM_CLOCK_DETECTED;
  } else {
    /* Keep the phase it had; a later trusted estimate pulls it in smoothly. */
    c->last_source = TANDEM_CLOCK_FREE;
  }

  out->source = (uint8_t)c->last_source;
  out->speed = 1.0;
  out->bpm = c->rate_bpm;
  out->beats_per_bar = c->beats_per_bar;
  out->beat_unit = c->beat_unit;
  const double bar = floor(c->beat / c->beats_per_bar);
  out->bar = (int64_t)bar;
  double beat = c->beat - bar * c->beats_per_bar;
  if (beat < 0.0 || beat >= c->beats_per_bar) {
    beat = 0.0;
  }
  out->bar_beat = beat;
}

void tandem_clock_advance(TandemClock* c, uint32_t n_frames)
{
  if (c->last_source == TANDEM_CLOCK_HOST) {
    return;
  }
  c->beat += (double)n_frames * c->rate_bpm / (60.0 * c->sample_rate);
}
