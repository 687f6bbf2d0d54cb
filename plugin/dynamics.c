/* Tandem — level meter.  See dynamics.h. */
#include "dynamics.h"

#include <math.h>

#define RMS_TIME_S        0.3
#define PEAK_HOLD_S       0.5
#define PEAK_RELEASE_DB_S 20.0

/* Below this the state would drift into denormals; it is silence anyway (-300 dB). */
#define TINY 1e-30

float tandem_power_db(double power)
{
  if (!(power > 1e-12)) { /* also catches NaN */
    return TANDEM_DB_FLOOR;
  }
  double db = 10.0 * log10(power);
  return db > 200.0 ? 200.0f : (float)db;
}

void tandem_dynamics_init(TandemDynamics* d, double sample_rate)
{
  d->rms_coef = 1.0 - exp(-1.0 / (RMS_TIME_S * sample_rate));
  d->hold_frames = (uint32_t)lround(PEAK_HOLD_S * sample_rate);
  d->release_per_frame = pow(10.0, -PEAK_RELEASE_DB_S / 20.0 / sample_rate);
  tandem_dynamics_reset(d);
}

void tandem_dynamics_reset_meter(TandemDynamics* d)
{
  d->mean_square = 0.0;
  d->peak = 0.0;
  d->hold_left = 0;
}

void tandem_dynamics_reset(TandemDynamics* d)
{
  tandem_dynamics_reset_meter(d);
  d->sum_square = 0.0;
  d->max_abs = 0.0;
  d->frames = 0;
}

void tandem_dynamics_process(TandemDynamics* d, const float* in, uint32_t n)
{
  double ms = d->mean_square, peak = d->peak, sum = 0.0, max_abs = d->max_abs;
  uint32_t hold = d->hold_left;
  for (uint32_t i = 0; i < n; ++i) {
    double x = in[i];
    double x2 = x * x;
    ms += d->rms_coef * (x2 - ms);
    sum += x2;
    double a = fabs(x);
    if (a >= peak) {
      peak = a;
      hold = d->hold_frames;
    } else if (hold > 0) {
      --hold;
    } else {
      peak *= d->release_per_frame;
    }
    if (a > max_abs) {
      max_abs = a;
    }
  }
  d->mean_square = ms < TINY ? 0.0 : ms;
  d->peak = peak < TINY ? 0.0 : peak;
  d->hold_left = hold;
  d->sum_square += sum;
  d->max_abs = max_abs;
  d->frames += n;
}

static void fill_levels(double mean_square, double peak, TandemLevels* out)
{
  out->rms_db = tandem_power_db(mean_square);
  out->peak_db = tandem_power_db(peak * peak);
  float crest = out->peak_db - out->rms_db;
  out->crest_db = (out->rms_db <= TANDEM_DB_FLOOR || crest < 0.0f) ? 0.0f : crest;
}

void tandem_dynamics_get(const TandemDynamics* d, TandemLevels* out)
{
  fill_levels(d->mean_square, d->peak, out);
}

void tandem_dynamics_totals(const TandemDynamics* d, TandemLevels* out)
{
  double ms = d->frames ? d->sum_square / (double)d->frames : 0.0;
  fill_levels(ms, d->max_abs, out);
}
