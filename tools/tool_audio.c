/* Tandem tools — shared file-analysis steps.  See tool_audio.h. */
#include "tool_audio.h"

void tool_downmix(const float* interleaved, int64_t frames, int channels, float* mono)
{
  for (int64_t i = 0; i < frames; ++i) {
    double sum = 0.0;
    for (int c = 0; c < channels; ++c) {
      sum += interleaved[i * channels + c];
    }
    mono[i] = (float)(sum / channels);
  }
}

void tool_bar_readout(TandemBarAccum* acc, double now_s, const TandemAnalysisReadout* ro)
{
  tandem_bar_accum_readout(acc, now_s, ro->bands_db, ro->rms_db, ro->peak_db, ro->crest_db,
                           ro->centroid_hz, ro->flux, ro->tempo.bpm, ro->tempo.confidence);
}
