/* Tandem — names of the role, style, section and model-status values, as the
 * scale points in ttl/tandem.ttl give them, for the plugin window and the inline
 * display.
 * Threads: any (constant data). */
#ifndef TANDEM_UI_LABELS_H
#define TANDEM_UI_LABELS_H

#define TANDEM_UI_N_ROLES    5
#define TANDEM_UI_N_STYLES   13
#define TANDEM_UI_N_SECTIONS 10
#define TANDEM_UI_N_STATUS   8

static const char* const tandem_ui_role_names[TANDEM_UI_N_ROLES] = {
    "Drums", "Bass", "Chords", "Melody", "Trigger"};

static const char* const tandem_ui_style_names[TANDEM_UI_N_STYLES] = {
    "Auto",   "Rock",       "Funk",        "Boom-bap",   "Trap",
    "House",  "Techno",     "Drum & bass", "Jazz swing", "Bossa nova",
    "Reggae", "Pop ballad", "Hardcore"};

static const char* const tandem_ui_section_names[TANDEM_UI_N_SECTIONS] = {
    "unknown", "intro", "verse", "chorus", "bridge", "outro", "A", "B", "C", "D"};

static const char* const tandem_ui_status_names[TANDEM_UI_N_STATUS] = {
    "off", "idle", "waiting", "ok", "cached", "repaired", "fallback", "error"};

#endif
