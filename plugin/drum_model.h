/* Placeholder until tools/fit-drums.py writes the fitted model. */
static const float tandem_drum_weights[3][TANDEM_DRUM_FEATURES + 1] = {{0}};
static const float tandem_drum_thresholds[3] = {2.0f, 2.0f, 2.0f};
