/* Tandem tools — the steps every file-analysing tool shares: mixing a block of a
 * sound file down to mono, and handing a block's analysis readout to the bar
 * features (worker/barfeatures.h) the way the plugin does.
 *
 * Threads: no shared state; the tools call these from main.
 */
#ifndef TANDEM_TOOL_AUDIO_H
#define TANDEM_TOOL_AUDIO_H

#include <stdint.h>

#include "analysis.h"
#include "barfeatures.h"

/* Averages the channels of frames interleaved frames into mono. */
void tool_downmix(const float* interleaved, int64_t frames, int channels, float* mono);

/* Gives the bar features the readout of the block that ended at now_s. */
void tool_bar_readout(TandemBarAccum* acc, double now_s, const TandemAnalysisReadout* ro);

#endif
