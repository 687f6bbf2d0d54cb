/* Placeholder until tools/fit-drums.py writes the fitted model. */
#define TANDEM_DRUM_HIDDEN 1
static const float tandem_drum_w1[TANDEM_DRUM_HIDDEN][TANDEM_DRUM_FEATURES] = {{0}};
static const float tandem_drum_b1[TANDEM_DRUM_HIDDEN] = {0};
static const float tandem_drum_w2[3][TANDEM_DRUM_HIDDEN] = {{0}};
static const float tandem_drum_b2[3] = {0};
static const bool tandem_drum_with_coarse[3] = {true, true, true};
static const float tandem_drum_thresholds[3] = {2.0f, 2.0f, 2.0f};
