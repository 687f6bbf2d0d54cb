/* Tandem — worker jobs.  See work.h. */
#include "work.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrange.h"
#include "export.h"
#include "generator.h"
#include "intent.h"
#include "llm_work.h"

static const char* const role_names[TANDEM_ROLE_COUNT] = {"drums", "bass", "chords",
                                                          "melody", "trigger"};

bool tandem_work_init(TandemWork* w, const char* bundle_path, TandemRing* patterns,
                      LV2_Log_Logger* logger, char* err, size_t err_size)
{
  memset(w, 0, sizeof(*w));
  w->patterns = patterns;
  w->logger = logger;
  w->lock_ready = pthread_mutex_init(&w->lock, NULL) == 0;
  /* 0.8 per bar: a change of groove shows within ~5 bars. */
  tandem_genre_init(&w->genre, 0.8f);
  tandem_genre_auto_init(&w->genre_auto);
  tandem_section_tracker_init(&w->sections);
  tandem_feel_init(&w->feel);
  w->current_anchor = -1;
  w->mark_bar = -1;
  w->fill_bar = -1;
  w->ahead_bar = -1;
  w->ahead_refused = -1;
  w->last_bar_predicted = -1;
  /* The model thread starts even without styles: requests still get a status. */
  char llm_err[128] = "";
  if (!tandem_llm_work_init(&w->llm, patterns, logger, llm_err, sizeof(llm_err))) {
    lv2_log_error(logger, "Tandem: %s; plain-language requests will not work\n", llm_err);
  }
  char dir[TANDEM_PATH_MAX];
  const size_t len = bundle_path ? strlen(bundle_path) : 0;
  snprintf(dir, sizeof(dir), "%s%sstyles", bundle_path ? bundle_path : ".",
           (len && bundle_path[len - 1] == '/') ? "" : "/");
  char load_err[256] = "";
  w->n_styles = tandem_style_load_shipped(dir, &w->styles, load_err, sizeof(load_err));
  if (w->n_styles == 0) {
    snprintf(err, err_size, "no style profile could be loaded from %s (%s)", dir,
             load_err);
    return false;
  }
  if (load_err[0]) {
    snprintf(err, err_size, "%s", load_err);
  } else if (err_size) {
    err[0] = '\0';
  }
  return true;
}

void tandem_work_cleanup(TandemWork* w)
{
  tandem_llm_work_cleanup(&w->llm); /* cancels a request in flight, joins the thread */
  if (w->lock_ready) {
    pthread_mutex_destroy(&w->lock);
    w->lock_ready = false;
  }
}

void tandem_work_keep_pattern(TandemWork* w, const TandemPattern* p)
{
  memcpy(&w->current, p, sizeof(w->current));
  w->has_current = true;
  /* Where it plays is known only to callers that just sent it (not to restore). */
  w->current_anchor = -1;
  w->current_keep = true;
  /* Whatever was sent ahead is replaced. */
  w->ahead_bar = -1;
  w->ahead_section = 0;
}

int tandem_work_auto_style(const TandemStyleSet* set, float bpm)
{
  if (!(bpm > 0.0f) && set->loaded[1]) {
    return 1;
  }
  int best = 0;
  double best_cost = INFINITY;
  for (int i = 1; i <= TANDEM_STYLE_SHIPPED_COUNT; ++i) {
    if (!set->loaded[i]) {
      continue;
    }
    const TandemStyle* s = &set->styles[i];
    const double lo = s->tempo_min_bpm;
    const double hi = s->tempo_max_bpm;
    /* Outside the range costs the distance; inside, a little for being off-centre. */
    double cost = bpm < lo ? lo - bpm : bpm > hi ? bpm - hi : 0.0;
    cost += 0.01 * fabs(bpm - 0.5 * (lo + hi));
    if (cost < best_cost) {
      best_cost = cost;
      best = i;
    }
  }
  return best;
}

int tandem_work_auto_style_now(const TandemWork* w, float bpm)
{
  if (w->genre_style > 0 && w->styles.loaded[w->genre_style]) {
    return w->genre_style;
  }
  return tandem_work_auto_style(&w->styles, bpm);
}

static void mark_sections(TandemWork* w, bool new_section, uint32_t serial);

/* One bar from run(): update genre, auto style and sections; answer with what
 * they say now. */
static LV2_Worker_Status do_bar_snapshot(TandemWork* w,
                                         LV2_Worker_Respond_Function respond,
                                         LV2_Worker_Respond_Handle handle,
                                         const TandemBarSnapshotMsg* msg)
{
  tandem_genre_update(&w->genre, &w->styles, &msg->bar);
  w->genre_style = tandem_genre_auto_update(&w->genre_auto, &w->genre);
  const uint32_t section_start = w->sections.current_first_bar;
  tandem_section_tracker_update(&w->sections, &msg->bar);
  ++w->bar_now;
  /* A start at least a section's minimum later is a new section, not a nudge. */
  const bool new_section =
      w->sections.current_first_bar >= section_start + TANDEM_SECTION_MIN_BARS;
  /* Bars counted on the beat grid line up with the player's 4/4 bars; timed
   * bars (no tempo yet) do not, so they plan no marks. */
  if (msg->serial == 0 && w->marks_out && msg->playing != 0 &&
      msg->playing == w->marked.serial) {
    /* Hold came on while a part with section marks played, before the plain one
     * could follow: that marked part now plays on, so it is the part (for state,
     * likes and export). */
    memcpy(&w->current, &w->marked, sizeof(w->current));
    w->current_anchor = w->marked_bar;
    w->marks_out = false;
  }
  /* Over a silent input there is no song to follow: no section marks. */
  float onsets = 0.0f;
  for (int c = 0; c < 4; ++c) {
    onsets += msg->bar.onsets_per_beat[c];
  }
  w->input_heard = onsets > 0.0f;
  w->heard_bars += w->input_heard ? 1u : 0u;
  mark_sections(w, new_section, msg->bar.n_beats == TANDEM_BAR_BEATS ? msg->serial : 0);
  if (w->learning) {
    tandem_groove_add_bar(&w->groove, &msg->bar);
  }
  TandemSongMsg out;
  memset(&out, 0, sizeof(out));
  out.type = TANDEM_MSG_SONG;
  out.genre = tandem_genre_best(&w->genre, &out.genre_confidence);
  for (int k = 0; k < 3; ++k) {
    out.candidates[k] = w->genre.top[k];
    out.candidate_confidence[k] = w->genre.top_probability[k];
  }
  /* Nothing heard yet (a silent or empty track): no song, no section. */
  out.section = w->heard_bars > 0 ? w->sections.current.label : TANDEM_SECTION_UNKNOWN;
  out.section_confidence = w->heard_bars > 0 ? w->sections.current.confidence : 0.0f;
  out.auto_style = w->genre_style;
  if (respond) {
    respond(handle, sizeof(out), &out);
  }
  return LV2_WORKER_SUCCESS;
}

static void respond_status(TandemWork* w, LV2_Worker_Respond_Function respond,
                           LV2_Worker_Respond_Handle handle, TandemStatusLevel level,
                           const char* text)
{
  TandemStatusMsg msg;
  memset(&msg, 0, sizeof(msg));
  msg.type = TANDEM_MSG_STATUS;
  msg.level = (uint32_t)level;
  snprintf(msg.text, sizeof(msg.text), "%s", text);
  if (level == TANDEM_STATUS_ERROR) {
    lv2_log_error(w->logger, "Tandem: %s\n", msg.text);
  } else {
    lv2_log_trace(w->logger, "Tandem: %s\n", msg.text);
  }
  if (respond) {
    respond(handle, sizeof(msg), &msg);
  }
}

/* The profile a request plays: the user's, else the style control's (or auto's). */
static const TandemStyle* request_style(const TandemWork* w, const TandemGenerateMsg* msg)
{
  const TandemStyle* style = NULL;
  if (w->has_user_style) {
    style = &w->user_style;
  } else {
    int index = msg->style;
    if (index == 0) {
      index = tandem_work_auto_style_now(w, msg->host_bpm > 0.0f ? msg->host_bpm
                                                                 : msg->detected_bpm);
    }
    if (index > 0 && w->styles.loaded[index]) {
      style = &w->styles.styles[index];
    }
  }
  return style;
}

/* The generator's parameters for a request and a style. */
static void request_params(const TandemGenerateMsg* msg, const TandemStyle* style,
                           const TandemFeel* feel, TandemGenParams* out)
{
  TandemGenParams params;
  tandem_gen_params_default(&params, (TandemRole)msg->role, msg->seed);
  params.time_feel = feel->tempo_factor < 1.0f   ? TANDEM_FEEL_HALF
                     : feel->tempo_factor > 1.0f ? TANDEM_FEEL_DOUBLE
                                                 : TANDEM_FEEL_NORMAL;
  params.ghost = feel->ghost;
  params.complexity = msg->complexity;
  params.density = msg->density;
  params.energy = msg->energy;
  params.fill = msg->fill;
  params.bars = msg->bars;
  /* The host's meter wins when the generator can write in it. */
  if (msg->beats_per_bar >= 1 && msg->beats_per_bar <= 16 &&
      (msg->beat_unit == 4 || msg->beat_unit == 8)) {
    params.beats_per_bar = msg->beats_per_bar;
    params.beat_unit = msg->beat_unit;
  } else {
    params.beats_per_bar = 0;
  }
  const uint32_t steps = params.beats_per_bar
                             ? (uint32_t)params.beats_per_bar * 16u / params.beat_unit
                             : style->n_steps;
  params.input_busy = (msg->n_busy && msg->n_busy == steps) ? msg->busy : NULL;
  *out = params;
}

static float clamp_unit(float v)
{
  return v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
}

/* How a section shapes the part.  The lift grows with the energy control (0: every
 * section plays as set), so a quiet setting stays quiet: at 0.5 a chorus plays 0.15
 * busier and louder than a verse, an intro or outro 0.15 sparser.  A chorus also
 * gets more fills, but only as far as the fill control asks for any.  Verses,
 * bridges and unnamed groups play as set.  (Live, an outro is the intro's part
 * coming back after a chorus: sections.c names parts as a listener who cannot
 * hear ahead.) */
static void shape_for_section(int section, TandemGenParams* params)
{
  const float lift = 0.3f * clamp_unit(params->energy);
  if (section == TANDEM_SECTION_CHORUS) {
    params->density = clamp_unit(params->density + lift);
    params->energy = clamp_unit(params->energy + lift);
    params->fill = clamp_unit(params->fill * 1.5f);
  } else if (section == TANDEM_SECTION_INTRO || section == TANDEM_SECTION_OUTRO) {
    params->density = clamp_unit(params->density - lift);
    params->energy = clamp_unit(params->energy - 0.5f * lift);
  }
}

/* Whether a part kept for a section still answers this request: the same settings
 * and seed (a regenerate press changes the seed), the same profile, but any serial,
 * tempo or input activity. */
static bool same_part_request(const TandemGenerateMsg* a, const TandemGenerateMsg* b)
{
  return a->seed == b->seed && a->role == b->role && a->style == b->style &&
         a->bars == b->bars && a->beats_per_bar == b->beats_per_bar &&
         a->beat_unit == b->beat_unit && a->complexity == b->complexity &&
         a->density == b->density && a->energy == b->energy && a->fill == b->fill;
}

static bool same_feel(const TandemFeel* a, const TandemFeel* b)
{
  return a->tempo_factor == b->tempo_factor && a->ghost == b->ghost;
}

/* How the feel reads in a status line. */
static const char* feel_words(const TandemFeel* feel)
{
  const bool half = feel->tempo_factor < 1.0f;
  const bool twice = feel->tempo_factor > 1.0f;
  if (feel->ghost > 0.0f) {
    return half    ? " in half time with ghost notes"
           : twice ? " in double time with ghost notes"
                   : " with ghost notes";
  }
  return half ? " in half time" : twice ? " in double time" : "";
}

/* Whether the part sent now should carry the section marks planned for the bar it
 * takes over at: only while snapshots come with serials, so that a plain part can
 * follow it a bar later (else the marks would come round again with the loop). */
static bool marks_due(const TandemWork* w, const TandemGenerateMsg* msg)
{
  return w->mark_serials && msg->role == TANDEM_ROLE_DRUMS && msg->fill > 0.0f &&
         w->mark_bar == w->bar_now + 1 && (w->mark_fill || w->mark_crash);
}

/* Whether the part kept for section answers msg as it would be made now: the same
 * settings, feel and profile. */
static bool kept_part_fits(const TandemWork* w, int section, const TandemGenerateMsg* msg,
                           const TandemStyle* style)
{
  return section > TANDEM_SECTION_UNKNOWN && section < TANDEM_SECTION_LABELS &&
         w->has_section_part[section] && w->section_parts[section].role == msg->role &&
         same_part_request(&w->section_requests[section], msg) &&
         same_feel(&w->section_feels[section], &w->feel) &&
         request_style(w, &w->section_requests[section]) == style;
}

/* Learning or a new profile changes what any request makes: kept parts are stale. */
static void forget_section_parts(TandemWork* w)
{
  memset(w->has_section_part, 0, sizeof(w->has_section_part));
}

static LV2_Worker_Status do_generate(TandemWork* w, LV2_Worker_Respond_Function respond,
                                     LV2_Worker_Respond_Handle handle,
                                     const TandemGenerateMsg* msg)
{
  char text[TANDEM_STATUS_MAX];
  if (msg->role >= TANDEM_ROLE_TRIGGER || msg->bars < 1 || msg->bars > TANDEM_MAX_BARS ||
      msg->style > TANDEM_STYLE_SHIPPED_COUNT || msg->n_busy > TANDEM_BUSY_STEPS) {
    return LV2_WORKER_ERR_UNKNOWN;
  }
  const TandemStyle* style = request_style(w, msg);
  if (!style) {
    respond_status(w, respond, handle, TANDEM_STATUS_ERROR,
                   "no style profile is loaded, so there is nothing to generate from; "
                   "reinstall Tandem or load a profile file");
    return LV2_WORKER_SUCCESS;
  }

  /* Untrusted like everything from run(): an unknown section shapes nothing. */
  const int section = msg->section < TANDEM_SECTION_LABELS ? msg->section : 0;
  const bool repeat = kept_part_fits(w, section, msg, style);
  if (repeat && w->ahead_section == section && w->has_current && !w->current_keep) {
    /* Sent ahead at the bar the section began, and playing: leave it in its bars. */
    w->current_request = *msg;
    w->has_current_request = true;
    snprintf(text, sizeof(text),
             "playing %s %s%s for the %s (its earlier part again, from its first bar): "
             "%u bars in %u/%u, seed %u, %u notes",
             style->label, role_names[msg->role], feel_words(&w->feel),
             tandem_section_label_name(section), w->current.bars,
             w->current.beats_per_bar, w->current.beat_unit, msg->seed,
             w->current.n_notes);
    respond_status(w, respond, handle, TANDEM_STATUS_OK, text);
    return LV2_WORKER_SUCCESS;
  }
  TandemGenParams params;
  request_params(msg, style, &w->feel, &params);
  shape_for_section(section, &params);
  /* Learned likes and dislikes bias the choice (none learned: the plain generator). */
  if (repeat) {
    memcpy(&w->scratch, &w->section_parts[section], sizeof(w->scratch));
  } else if (!tandem_feedback_generate(&w->feedback, style, &params, &w->scratch)) {
    snprintf(text, sizeof(text),
             "the generator refused %s in %u/%u; keeping the current pattern",
             role_names[msg->role], params.beats_per_bar, params.beat_unit);
    respond_status(w, respond, handle, TANDEM_STATUS_ERROR, text);
    return LV2_WORKER_SUCCESS;
  }
  w->scratch.serial = msg->serial;
  w->scratch.swing_pct = style->swing_pct;
  w->scratch.swing_grid_ticks = style->swing_grid == 8 ? TANDEM_PPQ / 2 : TANDEM_PPQ / 4;
  /* A fill or crash planned for the bar this part takes over at goes on a copy:
   * the part kept for sections, likes and export stays plain. */
  const bool marks = marks_due(w, msg);
  if (marks) {
    memcpy(&w->marked, &w->scratch, sizeof(w->marked));
    w->marked_bar = w->bar_now + 1;
    tandem_gen_section_marks(&w->marked, style, w->mark_fill ? 0 : -1,
                             w->mark_crash ? 0 : -1, msg->fill, msg->seed);
  }
  const TandemPattern* sent = marks ? &w->marked : &w->scratch;
  if (!tandem_ring_write_msg(w->patterns, TANDEM_RING_PATTERN, sent, sizeof(*sent))) {
    respond_status(w, respond, handle, TANDEM_STATUS_ERROR,
                   "the pattern queue is full (the host is not running the plugin?); "
                   "keeping the current pattern");
    return LV2_WORKER_SUCCESS;
  }
  tandem_work_keep_pattern(w, &w->scratch);
  w->current_anchor = w->bar_now + 1;
  w->current_keep = false;
  w->ahead_section = section; /* current is the part kept for it */
  w->marks_out = marks;
  w->current_request = *msg;
  w->has_current_request = true;
  if (section != TANDEM_SECTION_UNKNOWN && !repeat) {
    memcpy(&w->section_parts[section], &w->scratch, sizeof(w->scratch));
    w->section_requests[section] = *msg;
    w->section_feels[section] = w->feel;
    w->has_section_part[section] = true;
  }
  const char* section_name = tandem_section_label_name(section);
  snprintf(text, sizeof(text),
           "playing %s %s%s%s%s%s: %u bars in %u/%u, seed %u, %u notes", style->label,
           role_names[msg->role], feel_words(&w->feel),
           section_name[0] ? " for the " : "", section_name,
           repeat ? " (its earlier part again)" : "", w->scratch.bars,
           w->scratch.beats_per_bar, w->scratch.beat_unit, msg->seed, w->scratch.n_notes);
  respond_status(w, respond, handle, TANDEM_STATUS_OK, text);
  return LV2_WORKER_SUCCESS;
}

/* Turns current (in place) so that its bar 0 is what plays at `bar`, and makes
 * that its anchor: the same part in the same bars, but the one the marked copies
 * are cut from, so that what state saves (current, and the phase of the pattern
 * playing) stays in step. */
static void turn_current_to(TandemWork* w, int64_t bar)
{
  tandem_arrange_turn(&w->current, w->current_anchor, bar);
  w->current_anchor = bar;
}

/* Sends ahead: makes the part kept for the section predicted to start at `bar`
 * current, anchored there, keeping what played for a possible way back.  Only a
 * built-in part playing in known bars is replaced, and only by a kept part that
 * answers the same settings.  Returns true when current changed. */
static bool send_ahead(TandemWork* w, int64_t bar, const TandemStyle* style)
{
  if (!style || !w->has_current || w->current_keep || w->current_anchor < 0 ||
      !w->has_current_request || w->ahead_bar >= 0) {
    return false;
  }
  if (w->sections.current_first_bar == w->ahead_refused) {
    return false; /* guessed wrong once in this section already */
  }
  /* At a predicted section start: the section that followed this one last time. */
  const int next = tandem_arrange_next_section(&w->sections);
  if (next == 0 || next == w->ahead_section ||
      !kept_part_fits(w, next, &w->current_request, style)) {
    return false;
  }
  memcpy(&w->before_ahead, &w->current, sizeof(w->before_ahead));
  w->before_ahead_anchor = w->current_anchor;
  w->before_ahead_section = w->ahead_section;
  w->before_ahead_request = w->current_request;
  memcpy(&w->current, &w->section_parts[next], sizeof(w->current));
  w->current_anchor = bar;
  w->current_request = w->section_requests[next];
  w->ahead_bar = bar;
  w->ahead_section = next;
  ++w->sections_ahead;
  return true;
}

/* While a part sent ahead waits to be confirmed: confirmed once the tracker's
 * section begins within a bar of ahead_bar; else the part before comes back at
 * ahead_bar + 3 (planned once two bars of it have been heard), in its own bars.
 * Returns true when current changed back. */
static bool settle_ahead(TandemWork* w, int64_t bar)
{
  const TandemAheadVerdict verdict =
      tandem_arrange_settle(w->ahead_bar, w->sections.current_first_bar, bar);
  if (verdict == TANDEM_AHEAD_CONFIRMED) {
    w->ahead_bar = -1; /* it began: the part stays */
  }
  if (verdict != TANDEM_AHEAD_TAKE_BACK) {
    return false;
  }
  memcpy(&w->current, &w->before_ahead, sizeof(w->current));
  w->current_anchor = w->before_ahead_anchor;
  w->current_request = w->before_ahead_request;
  w->ahead_refused = w->sections.current_first_bar;
  w->ahead_bar = -1;
  w->ahead_section = w->before_ahead_section;
  ++w->sections_back;
  return true;
}

/* After each bar snapshot: plans the section marks for the first bar a pattern
 * sent now reaches (bar_now + 1) and sends the current part with them, or plain
 * again after marks, under the serial run() reserved with the snapshot.  At a
 * predicted section start it may send the next section's part ahead, and take it
 * back later (send_ahead, settle_ahead). */
static void mark_sections(TandemWork* w, bool new_section, uint32_t serial)
{
  const int64_t bar = w->bar_now + 1;
  const TandemStyle* style =
      w->has_current_request ? request_style(w, &w->current_request) : NULL;
  /* The prediction, for any role: `bar` starts a section if the bar before was
   * predicted to end one. */
  const bool starts = w->last_bar_predicted == bar - 1 && w->input_heard;
  w->last_bar_predicted =
      tandem_section_tracker_ends_at(&w->sections, bar) ? bar : w->last_bar_predicted;
  bool changed = false;
  if (serial != 0) {
    changed = settle_ahead(w, bar);
    if (!changed && starts) {
      changed = send_ahead(w, bar, style);
    }
  }
  const bool drums = style && w->has_current && w->current_anchor >= 0 &&
                     w->current.role == TANDEM_ROLE_DRUMS &&
                     w->current.beats_per_bar == TANDEM_BAR_BEATS &&
                     w->current_request.role == TANDEM_ROLE_DRUMS &&
                     w->current_request.fill > 0.0f;
  bool fill = false;
  bool crash = false;
  if (drums && w->input_heard) {
    const TandemArrangeMarks marks = tandem_arrange_marks(
        tandem_section_tracker_ends_at(&w->sections, bar), w->sections.current_first_bar,
        bar, w->fill_bar, new_section);
    fill = marks.fill;
    crash = marks.crash;
  }
  w->mark_bar = bar;
  w->mark_fill = fill;
  w->mark_crash = crash;
  w->mark_serials = serial != 0;
  if ((!fill && !crash && !w->marks_out && !changed) || serial == 0 || !w->has_current ||
      w->current_anchor < 0) {
    return;
  }
  turn_current_to(w, bar);
  memcpy(&w->marked, &w->current, sizeof(w->marked));
  if (fill || crash) {
    tandem_gen_section_marks(&w->marked, style, fill ? 0 : -1, crash ? 0 : -1,
                             w->current_request.fill, w->current_request.seed);
  }
  w->marked.serial = serial;
  w->marked_bar = bar;
  /* A model's or restored part stays what run() keeps (messages.h). */
  const uint32_t type = w->current_keep ? TANDEM_RING_MODEL_PATTERN : TANDEM_RING_PATTERN;
  if (tandem_ring_write_msg(w->patterns, type, &w->marked, sizeof(w->marked))) {
    w->marks_out = fill || crash;
    if (fill) {
      w->fill_bar = bar;
      ++w->section_fills;
    }
  }
}

/* A plain-language request may change the feel (half or double time, ghost notes):
 * then the current part is made again with it, under the request's serial, so it
 * plays from the next bar.  A model, if one is set, answers later under a newer
 * serial. */
static void take_request_feel(TandemWork* w, LV2_Worker_Respond_Function respond,
                              LV2_Worker_Respond_Handle handle, const void* data)
{
  char text[TANDEM_LLM_TEXT_MAX];
  memcpy(text, (const uint8_t*)data + offsetof(TandemLlmRequestMsg, text), sizeof(text));
  text[sizeof(text) - 1] = '\0';
  uint32_t serial;
  memcpy(&serial, (const uint8_t*)data + offsetof(TandemLlmRequestMsg, serial),
         sizeof(serial));
  uint8_t role;
  memcpy(&role, (const uint8_t*)data + offsetof(TandemLlmRequestMsg, role), sizeof(role));
  TandemIntent intent;
  if (!tandem_intent_parse(text, &intent) || !tandem_feel_update(&w->feel, &intent) ||
      !w->has_current_request || w->current_request.role != role || serial == 0) {
    return;
  }
  TandemGenerateMsg again = w->current_request;
  again.serial = serial;
  do_generate(w, respond, handle, &again);
}

static LV2_Worker_Status do_style_file(TandemWork* w, LV2_Worker_Respond_Function respond,
                                       LV2_Worker_Respond_Handle handle, const void* data)
{
  char text[TANDEM_STATUS_MAX + TANDEM_PATH_MAX];
  char path[TANDEM_PATH_MAX];
  /* Copied out, since the host's ring gives no alignment guarantee. */
  memcpy(path, (const uint8_t*)data + offsetof(TandemStyleFileMsg, path), sizeof(path));
  path[sizeof(path) - 1] = '\0';
  if (!path[0]) {
    if (w->has_user_style) {
      w->has_user_style = false;
      w->user_style_path[0] = '\0';
      forget_section_parts(w);
      respond_status(w, respond, handle, TANDEM_STATUS_OK,
                     "user style profile removed; the style control chooses again");
    }
    return LV2_WORKER_SUCCESS;
  }
  char err[512] = "";
  TandemStyle loaded;
  if (!tandem_style_load_file(path, &loaded, err, sizeof(err))) {
    snprintf(text, sizeof(text), "%s; keeping %s", err,
             w->has_user_style ? w->user_style.label : "the style control's profile");
    respond_status(w, respond, handle, TANDEM_STATUS_ERROR, text);
    return LV2_WORKER_SUCCESS;
  }
  w->user_style = loaded;
  w->has_user_style = true;
  forget_section_parts(w);
  snprintf(w->user_style_path, sizeof(w->user_style_path), "%s", path);
  snprintf(text, sizeof(text), "loaded style profile \"%s\" from %s", loaded.label, path);
  respond_status(w, respond, handle, TANDEM_STATUS_OK, text);
  return LV2_WORKER_SUCCESS;
}

static LV2_Worker_Status do_feedback(TandemWork* w, LV2_Worker_Respond_Function respond,
                                     LV2_Worker_Respond_Handle handle,
                                     const TandemFeedbackMsg* msg)
{
  char text[TANDEM_STATUS_MAX];
  if (msg->kind == TANDEM_FEEDBACK_RESET) {
    tandem_feedback_reset(&w->feedback);
    forget_section_parts(w);
    respond_status(w, respond, handle, TANDEM_STATUS_OK,
                   "learning reset: likes and dislikes forgotten");
    return LV2_WORKER_SUCCESS;
  }
  if (msg->kind != TANDEM_FEEDBACK_LIKE && msg->kind != TANDEM_FEEDBACK_DISLIKE) {
    return LV2_WORKER_ERR_UNKNOWN;
  }
  const bool liked = msg->kind == TANDEM_FEEDBACK_LIKE;
  if (!w->has_current || !tandem_feedback_record(&w->feedback, &w->current, liked)) {
    respond_status(w, respond, handle, TANDEM_STATUS_ERROR,
                   liked ? "nothing to like yet: no pattern is playing"
                         : "nothing to dislike yet: no pattern is playing");
    return LV2_WORKER_SUCCESS;
  }
  forget_section_parts(w);
  const TandemRolePreference* r = &w->feedback.roles[w->current.role];
  snprintf(text, sizeof(text),
           "%s the %s pattern (%u likes, %u dislikes); new patterns "
           "lean %s it",
           liked ? "liked" : "disliked", role_names[w->current.role], r->likes,
           r->dislikes, liked ? "towards" : "away from");
  respond_status(w, respond, handle, TANDEM_STATUS_OK, text);
  return LV2_WORKER_SUCCESS;
}

static LV2_Worker_Status do_export(TandemWork* w, LV2_Worker_Respond_Function respond,
                                   LV2_Worker_Respond_Handle handle, const void* data)
{
  char text[2 * TANDEM_STATUS_MAX + 2 * TANDEM_PATH_MAX]; /* respond_status cuts it */
  TandemExportMsg msg;
  memcpy(&msg, data, sizeof(msg));
  msg.path[sizeof(msg.path) - 1] = '\0';
  if (!w->has_current) {
    respond_status(w, respond, handle, TANDEM_STATUS_ERROR,
                   "export: no pattern is playing yet; nothing written");
    return LV2_WORKER_SUCCESS;
  }
  int n = 1 + (int)(msg.n_variations <= TANDEM_EXPORT_MAX_VARIATIONS
                        ? msg.n_variations
                        : TANDEM_EXPORT_MAX_VARIATIONS);
  /* Non-realtime: about 12 KB per pattern. */
  TandemPattern* patterns = calloc((size_t)n, sizeof(TandemPattern));
  if (!patterns) {
    respond_status(w, respond, handle, TANDEM_STATUS_ERROR, "export: out of memory");
    return LV2_WORKER_SUCCESS;
  }
  memcpy(&patterns[0], &w->current, sizeof(w->current));
  const TandemStyle* style =
      w->has_current_request ? request_style(w, &w->current_request) : NULL;
  int made = 1;
  for (int i = 1; i < n && style; ++i) {
    /* Variations: the same settings and learning, other seeds. */
    TandemGenParams params;
    request_params(&w->current_request, style, &w->feel, &params);
    const uint8_t section = w->current_request.section;
    shape_for_section(section < TANDEM_SECTION_LABELS ? section : 0, &params);
    params.seed = w->current_request.seed + 1000003u * (uint32_t)i;
    if (!tandem_feedback_generate(&w->feedback, style, &params, &patterns[made])) {
      break;
    }
    patterns[made].swing_pct = w->current.swing_pct;
    patterns[made].swing_grid_ticks = w->current.swing_grid_ticks;
    ++made;
  }
  TandemExportSettings settings;
  memset(&settings, 0, sizeof(settings));
  settings.harmony.key_root = msg.key_root % 12;
  settings.harmony.scale = msg.scale;
  settings.harmony.chord_root = msg.chord_root % 12;
  settings.harmony.chord_quality = msg.chord_quality;
  settings.channel = msg.channel;
  settings.octave = msg.octave;
  settings.bpm = msg.bpm;
  settings.swing_pct = w->current.swing_pct;
  settings.swing_grid_ticks = w->current.swing_grid_ticks;
  char first[TANDEM_PATH_MAX + 32] = "";
  char err[TANDEM_STATUS_MAX + TANDEM_PATH_MAX] = "";
  const int written = tandem_export_write(msg.path, patterns, made, &settings, first,
                                          sizeof(first), err, sizeof(err));
  free(patterns);
  if (written < made) {
    snprintf(text, sizeof(text), "%s (%d of %d files written)", err, written, made);
    respond_status(w, respond, handle, TANDEM_STATUS_ERROR, text);
  } else {
    lv2_log_note(w->logger, "Tandem: exported %d MIDI file%s, first %s\n", written,
                 written == 1 ? "" : "s", first);
    /* A restored pattern has no settings to vary: it is written alone. */
    const char* note = written > 1 ? " and variations"
                       : made < n  ? " (a restored pattern has no variations)"
                                   : "";
    snprintf(text, sizeof(text), "exported %d MIDI file%s: %s%s", written,
             written == 1 ? "" : "s", first, note);
    respond_status(w, respond, handle, TANDEM_STATUS_OK, text);
  }
  return LV2_WORKER_SUCCESS;
}

/* The learn toggle and save_profile (worker/groove.h). */
static LV2_Worker_Status do_groove(TandemWork* w, LV2_Worker_Respond_Function respond,
                                   LV2_Worker_Respond_Handle handle, const void* data)
{
  char text[TANDEM_STATUS_MAX + 2 * TANDEM_PATH_MAX]; /* respond_status cuts it */
  uint32_t action;
  memcpy(&action, (const uint8_t*)data + offsetof(TandemGrooveMsg, action),
         sizeof(action));
  if (action == TANDEM_GROOVE_START) {
    tandem_groove_init(&w->groove);
    w->learning = true;
    respond_status(w, respond, handle, TANDEM_STATUS_OK,
                   "learning the groove of the input: play at least 2 bars, then "
                   "save the profile");
    return LV2_WORKER_SUCCESS;
  }
  if (action == TANDEM_GROOVE_STOP) {
    w->learning = false;
    snprintf(text, sizeof(text),
             "stopped learning after %u bar%s with a beat grid; save_profile writes "
             "them",
             w->groove.n_bars, w->groove.n_bars == 1 ? "" : "s");
    respond_status(w, respond, handle, TANDEM_STATUS_OK, text);
    return LV2_WORKER_SUCCESS;
  }
  if (action != TANDEM_GROOVE_SAVE) {
    return LV2_WORKER_ERR_UNKNOWN;
  }
  char path[TANDEM_PATH_MAX];
  memcpy(path, (const uint8_t*)data + offsetof(TandemGrooveMsg, path), sizeof(path));
  path[sizeof(path) - 1] = '\0';
  char written[TANDEM_PATH_MAX + 32] = "";
  char err[TANDEM_STATUS_MAX + TANDEM_PATH_MAX] = "";
  TandemStyle learned;
  if (!tandem_groove_save(&w->groove, &w->styles, path, &learned, written,
                          sizeof(written), err, sizeof(err))) {
    respond_status(w, respond, handle, TANDEM_STATUS_ERROR, err);
    return LV2_WORKER_SUCCESS;
  }
  lv2_log_note(w->logger, "Tandem: saved the learned profile \"%s\" to %s\n",
               learned.label, written);
  snprintf(text, sizeof(text),
           "saved learned profile %s (%.0f-%.0f bpm, swing %.1f, %u bars): load it as "
           "the style file to play it",
           written, learned.tempo_min_bpm, learned.tempo_max_bpm, learned.swing_pct,
           w->groove.n_bars);
  respond_status(w, respond, handle, TANDEM_STATUS_OK, text);
  return LV2_WORKER_SUCCESS;
}

static LV2_Worker_Status do_job(TandemWork* w, LV2_Worker_Respond_Function respond,
                                LV2_Worker_Respond_Handle handle, uint32_t size,
                                const void* data);

LV2_Worker_Status tandem_work_do(TandemWork* w, LV2_Worker_Respond_Function respond,
                                 LV2_Worker_Respond_Handle handle, uint32_t size,
                                 const void* data)
{
  /* State save/restore may run at the same time on another thread. */
  if (w->lock_ready) {
    pthread_mutex_lock(&w->lock);
  }
  const LV2_Worker_Status st = do_job(w, respond, handle, size, data);
  if (w->lock_ready) {
    pthread_mutex_unlock(&w->lock);
  }
  return st;
}

static LV2_Worker_Status do_job(TandemWork* w, LV2_Worker_Respond_Function respond,
                                LV2_Worker_Respond_Handle handle, uint32_t size,
                                const void* data)
{
  if (!data || size < sizeof(uint32_t)) {
    return LV2_WORKER_ERR_UNKNOWN;
  }
  uint32_t type;
  memcpy(&type, data, sizeof(type));
  switch (type) {
  case TANDEM_MSG_LOG: {
    if (size != sizeof(TandemLogMsg)) {
      return LV2_WORKER_ERR_UNKNOWN;
    }
    TandemLogMsg msg;
    memcpy(&msg, data, sizeof(msg));
    msg.text[sizeof(msg.text) - 1] = '\0';
    if (msg.level == TANDEM_LOG_ERROR) {
      lv2_log_error(w->logger, "Tandem: %s\n", msg.text);
    } else if (msg.level == TANDEM_LOG_WARNING) {
      lv2_log_warning(w->logger, "Tandem: %s\n", msg.text);
    } else {
      lv2_log_note(w->logger, "Tandem: %s\n", msg.text);
    }
    return LV2_WORKER_SUCCESS;
  }
  case TANDEM_MSG_GENERATE: {
    if (size != sizeof(TandemGenerateMsg)) {
      return LV2_WORKER_ERR_UNKNOWN;
    }
    TandemGenerateMsg msg;
    memcpy(&msg, data, sizeof(msg));
    return do_generate(w, respond, handle, &msg);
  }
  case TANDEM_MSG_STYLE_FILE: {
    if (size != sizeof(TandemStyleFileMsg)) {
      return LV2_WORKER_ERR_UNKNOWN;
    }
    return do_style_file(w, respond, handle, data);
  }
  case TANDEM_MSG_FEEDBACK: {
    if (size != sizeof(TandemFeedbackMsg)) {
      return LV2_WORKER_ERR_UNKNOWN;
    }
    TandemFeedbackMsg msg;
    memcpy(&msg, data, sizeof(msg));
    return do_feedback(w, respond, handle, &msg);
  }
  case TANDEM_MSG_EXPORT: {
    if (size != sizeof(TandemExportMsg)) {
      return LV2_WORKER_ERR_UNKNOWN;
    }
    return do_export(w, respond, handle, data);
  }
  case TANDEM_MSG_GROOVE: {
    if (size != sizeof(TandemGrooveMsg)) {
      return LV2_WORKER_ERR_UNKNOWN;
    }
    return do_groove(w, respond, handle, data);
  }
  case TANDEM_MSG_BAR_SNAPSHOT: {
    if (size != sizeof(TandemBarSnapshotMsg)) {
      return LV2_WORKER_ERR_UNKNOWN;
    }
    TandemBarSnapshotMsg msg;
    memcpy(&msg, data, sizeof(msg));
    return do_bar_snapshot(w, respond, handle, &msg);
  }
  default:
    if (tandem_llm_work_handles(type)) {
      if (type == TANDEM_MSG_LLM_REQUEST && size == sizeof(TandemLlmRequestMsg)) {
        memcpy(w->prompt, (const uint8_t*)data + offsetof(TandemLlmRequestMsg, text),
               sizeof(w->prompt));
        w->prompt[sizeof(w->prompt) - 1] = '\0';
        take_request_feel(w, respond, handle, data);
      }
      const TandemStyle* style =
          w->has_current_request ? request_style(w, &w->current_request) : NULL;
      const LV2_Worker_Status st =
          tandem_llm_work_do(&w->llm, respond, handle, size, data, style,
                             w->has_current ? &w->current : NULL);
      if (w->llm.wrote_pattern) {
        tandem_work_keep_pattern(w, &w->llm.scratch);
        w->current_anchor = w->bar_now + 1;
      }
      return st;
    }
    return LV2_WORKER_ERR_UNKNOWN;
  }
}
