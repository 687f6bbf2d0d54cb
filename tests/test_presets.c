/* Tests for the shipped presets (presets/presets.ttl): lilv finds one per style
 * and sensible role, each sets the role and style its label names, every value
 * it sets is inside its port's range, an instance playing a preset plays that
 * role, and tandem-render --preset renders with one. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lilv/lilv.h>
#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/midi/midi.h>
#include <lv2/presets/presets.h>
#include <lv2/time/time.h>

#include "lv2_test_host.h"
#include "smf_reader.h"

#define PLUGIN_URI  "urn:tandem:plugin"
#define N_PRESETS   45 /* 12 styles x drums, bass, chords; melody for 9 */
#define MAX_SYMBOLS 64

static LvthWorld* world;

static const char* const style_labels[] = {"Auto",
                                           "Rock",
                                           "Funk",
                                           "Hip-hop boom-bap",
                                           "Trap",
                                           "House",
                                           "Techno",
                                           "Drum & bass",
                                           "Jazz swing",
                                           "Bossa nova",
                                           "Reggae one-drop",
                                           "Pop ballad",
                                           "Hardcore / gabber"};
static const char* const role_labels[] = {"Drums", "Bass", "Chords", "Melody"};

typedef struct {
  char symbols[MAX_SYMBOLS][32];
  float values[MAX_SYMBOLS];
  int n;
} Values;

static void collect(const char* symbol, void* user_data, const void* value, uint32_t size,
                    uint32_t type)
{
  Values* v = user_data;
  ck_assert_uint_eq(type, lvth_urid(world, LV2_ATOM__Float));
  ck_assert_uint_eq(size, sizeof(float));
  ck_assert_int_lt(v->n, MAX_SYMBOLS);
  snprintf(v->symbols[v->n], sizeof(v->symbols[v->n]), "%s", symbol);
  memcpy(&v->values[v->n], value, sizeof(float));
  ++v->n;
}

static float value_of(const Values* v, const char* symbol)
{
  for (int i = 0; i < v->n; ++i) {
    if (!strcmp(v->symbols[i], symbol)) {
      return v->values[i];
    }
  }
  ck_abort_msg("preset does not set '%s'", symbol);
  return NAN;
}

static int index_of(const char* const* labels, int n, const char* label, size_t len)
{
  for (int i = 0; i < n; ++i) {
    if (strlen(labels[i]) == len && !strncmp(labels[i], label, len)) {
      return i;
    }
  }
  return -1;
}

typedef struct {
  char uri[128];
  char label[96];
  Values values;
} Preset;

/* Every preset of the plugin, loaded through lilv the way hosts load them. */
static int load_presets(Preset* out, int cap)
{
  LilvWorld* lw = lvth_world_lilv(world);
  const LilvPlugin* plugin = lvth_world_plugin(world);
  LilvNode* preset_class = lilv_new_uri(lw, LV2_PRESETS__Preset);
  LilvNode* label_pred = lilv_new_uri(lw, LILV_NS_RDFS "label");
  LilvNodes* presets = lilv_plugin_get_related(plugin, preset_class);
  int n = 0;
  LILV_FOREACH (nodes, i, presets) {
    const LilvNode* preset = lilv_nodes_get(presets, i);
    ck_assert_int_ge(lilv_world_load_resource(lw, preset), 0);
    LilvNode* label = lilv_world_get(lw, preset, label_pred, NULL);
    ck_assert_msg(label != NULL, "preset <%s> has no label", lilv_node_as_uri(preset));
    ck_assert_int_lt(n, cap);
    Preset* p = &out[n++];
    snprintf(p->uri, sizeof(p->uri), "%s", lilv_node_as_uri(preset));
    snprintf(p->label, sizeof(p->label), "%s", lilv_node_as_string(label));
    lilv_node_free(label);
    LilvState* state = lilv_state_new_from_world(lw, lvth_world_map(world), preset);
    ck_assert_msg(state != NULL, "lilv cannot load preset <%s>", p->uri);
    memset(&p->values, 0, sizeof(p->values));
    lilv_state_emit_port_values(state, collect, &p->values);
    lilv_state_free(state);
  }
  lilv_nodes_free(presets);
  lilv_node_free(label_pred);
  lilv_node_free(preset_class);
  return n;
}

START_TEST(test_every_style_has_presets_whose_ports_match_their_label)
{
  ck_assert_msg(world != NULL, "the plugin was not found; is LV2_PATH set?");
  static Preset presets[80];
  const int n = load_presets(presets, 80);
  ck_assert_int_eq(n, N_PRESETS);
  int per_style[13] = {0};
  int per_role[4] = {0};
  for (int i = 0; i < n; ++i) {
    const Preset* p = &presets[i];
    /* "Funk — Bass": style label, an em dash, role label. */
    const char* dash = strstr(p->label, " \xE2\x80\x94 ");
    ck_assert_msg(dash != NULL, "label '%s' is not 'Style — Role'", p->label);
    const int style = index_of(style_labels, 13, p->label, (size_t)(dash - p->label));
    const char* role_text = dash + 5;
    const int role = index_of(role_labels, 4, role_text, strlen(role_text));
    ck_assert_msg(style >= 1 && role >= 0, "label '%s' names no style or role", p->label);
    ck_assert_float_eq(value_of(&p->values, "style"), (float)style);
    ck_assert_float_eq(value_of(&p->values, "role"), (float)role);
    ++per_style[style];
    ++per_role[role];
    /* Every value lies in its port's range. */
    const LilvPlugin* plugin = lvth_world_plugin(world);
    for (int k = 0; k < p->values.n; ++k) {
      LilvNode* sym = lilv_new_string(lvth_world_lilv(world), p->values.symbols[k]);
      const LilvPort* port = lilv_plugin_get_port_by_symbol(plugin, sym);
      lilv_node_free(sym);
      ck_assert_msg(port != NULL, "%s sets unknown port '%s'", p->uri,
                    p->values.symbols[k]);
      LilvNode *def = NULL, *min = NULL, *max = NULL;
      lilv_port_get_range(plugin, port, &def, &min, &max);
      ck_assert(min && max);
      ck_assert_msg(p->values.values[k] >= lilv_node_as_float(min) &&
                        p->values.values[k] <= lilv_node_as_float(max),
                    "%s: %s = %g is out of range", p->uri, p->values.symbols[k],
                    (double)p->values.values[k]);
      lilv_node_free(def);
      lilv_node_free(min);
      lilv_node_free(max);
    }
  }
  for (int s = 1; s <= 12; ++s) {
    ck_assert_msg(per_style[s] >= 3, "style %s has %d presets", style_labels[s],
                  per_style[s]);
  }
  ck_assert_int_eq(per_role[0], 12);
  ck_assert_int_eq(per_role[1], 12);
  ck_assert_int_eq(per_role[2], 12);
  ck_assert_int_eq(per_role[3], 9);
}
END_TEST

/* Runs tandem-render with a preset and returns the note-on count and the
 * channels they used (bit per channel). */
static int render_with_preset(const char* preset, const char* dir, unsigned* channels)
{
  const char* render = getenv("TANDEM_RENDER");
  const char* synth = getenv("TANDEM_SYNTH");
  ck_assert_msg(render && synth, "TANDEM_RENDER and TANDEM_SYNTH must be set");
  char cmd[2048];
  snprintf(cmd, sizeof(cmd), "'%s' --bars 4 '%s/in.wav' >/dev/null 2>&1", synth, dir);
  ck_assert_int_eq(system(cmd), 0);
  snprintf(cmd, sizeof(cmd),
           "'%s' --bpm 100 --bars 4 --preset '%s' --report '%s/report.json' "
           "'%s/in.wav' -o '%s/out.mid' >'%s/render.log' 2>&1",
           render, preset, dir, dir, dir, dir);
  const int status = system(cmd);
  ck_assert_msg(status == 0, "tandem-render failed (%d); see %s/render.log", status, dir);
  SmfrFile f;
  char err[256];
  char path[600];
  snprintf(path, sizeof(path), "%s/out.mid", dir);
  ck_assert_msg(smfr_load(path, &f, err, sizeof(err)), "%s", err);
  int ons = 0;
  *channels = 0;
  for (uint16_t t = 0; t < f.n_tracks; ++t) {
    for (size_t i = 0; i < f.tracks[t].n_events; ++i) {
      const SmfrEvent* e = &f.tracks[t].events[i];
      if (!e->is_meta && (e->status & 0xF0) == 0x90 && e->size == 2 && e->data[1] > 0) {
        ++ons;
        *channels |= 1u << (e->status & 0x0F);
      }
    }
  }
  smfr_free(&f);
  return ons;
}

START_TEST(test_render_with_a_drums_and_a_bass_preset_plays_that_role)
{
  char dir[] = "/tmp/tandem-test-presets-XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(dir));
  unsigned channels = 0;
  /* By label (case-insensitive) and by URI. */
  const int drums = render_with_preset("funk \xE2\x80\x94 drums", dir, &channels);
  ck_assert_int_gt(drums, 16);
  ck_assert_uint_eq(channels, 1u << 9); /* GM drums: channel 10 */
  char report[600];
  snprintf(report, sizeof(report), "%s/report.json", dir);
  FILE* f = fopen(report, "r");
  ck_assert_ptr_nonnull(f);
  char text[65536];
  const size_t n = fread(text, 1, sizeof(text) - 1, f);
  fclose(f);
  text[n] = '\0';
  ck_assert_msg(strstr(text, "urn:tandem:preset:funk-drums") != NULL,
                "the report does not name the preset");

  const int bass = render_with_preset("urn:tandem:preset:funk-bass", dir, &channels);
  ck_assert_int_gt(bass, 4);
  ck_assert_uint_eq(channels, 1u << 0); /* pitched parts: channel 1 */
  char cmd[300];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* tandem-render --feedback presses like, dislike and reset at bar lines; the
 * plugin's status answers each at that time. */
START_TEST(test_render_feedback_option_presses_like_dislike_and_reset_at_bars)
{
  const char* render = getenv("TANDEM_RENDER");
  const char* synth = getenv("TANDEM_SYNTH");
  ck_assert_msg(render && synth, "TANDEM_RENDER and TANDEM_SYNTH must be set");
  char dir[] = "/tmp/tandem-test-feedback-XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(dir));
  char cmd[2048];
  snprintf(cmd, sizeof(cmd),
           "'%s' --bars 8 '%s/in.wav' >/dev/null 2>&1 && "
           "'%s' --freewheel --bpm 100 --role drums --style funk --feedback like@2 "
           "--feedback dislike@4 --feedback reset@6 --report '%s/report.json' "
           "'%s/in.wav' -o '%s/out.mid' >'%s/render.log' 2>&1",
           synth, dir, render, dir, dir, dir, dir);
  ck_assert_msg(system(cmd) == 0, "tandem-render failed; see %s/render.log", dir);
  char path[600];
  snprintf(path, sizeof(path), "%s/report.json", dir);
  FILE* f = fopen(path, "r");
  ck_assert_ptr_nonnull(f);
  static char text[1 << 18];
  const size_t n = fread(text, 1, sizeof(text) - 1, f);
  fclose(f);
  text[n] = '\0';
  /* Bar 2 at 100 bpm in 4/4 starts at 4.8 s; with the worker run synchronously
   * (--freewheel), as a host exporting does, each answer comes in that block, so the
   * time does not depend on how busy the machine is. */
  const char* liked = strstr(text, "liked the drums pattern (1 likes, 0 dislikes)");
  const char* disliked =
      liked ? strstr(liked, "disliked the drums pattern (1 likes, 1 dislikes)") : NULL;
  /* (The report's last status comes first, so each is looked for after the one before.)
   */
  const char* reset = disliked ? strstr(disliked, "learning reset") : NULL;
  ck_assert_msg(liked && disliked && reset, "status changes missing in:\n%.4000s", text);
  ck_assert(liked < disliked);
  ck_assert(disliked < reset);
  const char* t = strstr(liked, "\"time_s\"");
  ck_assert_ptr_nonnull(t);
  const double at = strtod(strchr(t, ':') + 1, NULL);
  ck_assert_msg(at >= 4.8 && at < 4.9, "like answered at %g s, not at bar 2 (4.8 s)", at);

  /* Without --bpm a bar has no place: refused with one line. */
  snprintf(cmd, sizeof(cmd),
           "'%s' --feedback like@2 '%s/in.wav' -o '%s/out2.mid' >'%s/render2.log' 2>&1",
           render, dir, dir, dir);
  ck_assert_int_ne(system(cmd), 0);
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static Suite* presets_suite(void)
{
  Suite* s = suite_create("presets");
  TCase* tc = tcase_create("core");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_every_style_has_presets_whose_ports_match_their_label);
  tcase_add_test(tc, test_render_with_a_drums_and_a_bass_preset_plays_that_role);
  tcase_add_test(tc, test_render_feedback_option_presses_like_dislike_and_reset_at_bars);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  world = lvth_world_new(PLUGIN_URI);
  SRunner* sr = srunner_create(presets_suite());
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  lvth_world_free(world);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
