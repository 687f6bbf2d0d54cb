/* Tandem — worker jobs.  See work.h. */
#include "work.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "generator.h"

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

/* One bar from run(): update genre, auto style and sections; answer with what
 * they say now. */
static LV2_Worker_Status do_bar_snapshot(TandemWork* w,
                                         LV2_Worker_Respond_Function respond,
                                         LV2_Worker_Respond_Handle handle,
                                         const TandemBarSnapshotMsg* msg)
{
  tandem_genre_update(&w->genre, &w->styles, &msg->bar);
  w->genre_style = tandem_genre_auto_update(&w->genre_auto, &w->genre);
  tandem_section_tracker_update(&w->sections, &msg->bar);
  TandemSongMsg out;
  memset(&out, 0, sizeof(out));
  out.type = TANDEM_MSG_SONG;
  out.genre = tandem_genre_best(&w->genre, &out.genre_confidence);
  for (int k = 0; k < 3; ++k) {
    out.candidates[k] = w->genre.top[k];
    out.candidate_confidence[k] = w->genre.top_probability[k];
  }
  out.section = w->sections.current.label;
  out.section_confidence = w->sections.current.confidence;
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
                           TandemGenParams* out)
{
  TandemGenParams params;
  tandem_gen_params_default(&params, (TandemRole)msg->role, msg->seed);
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
 * busier and louder than a verse, an intro 0.15 sparser.  A chorus also gets more
 * fills, but only as far as the fill control asks for any.  Verses, bridges,
 * unnamed groups and outros play as set: live, the section playing is always the
 * last one heard, so the tracker calls any new quiet one "outro" (sections.h). */
static void shape_for_section(int section, TandemGenParams* params)
{
  const float lift = 0.3f * clamp_unit(params->energy);
  if (section == TANDEM_SECTION_CHORUS) {
    params->density = clamp_unit(params->density + lift);
    params->energy = clamp_unit(params->energy + lift);
    params->fill = clamp_unit(params->fill * 1.5f);
  } else if (section == TANDEM_SECTION_INTRO) {
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
  const bool repeat = section != TANDEM_SECTION_UNKNOWN && w->has_section_part[section] &&
                      w->section_parts[section].role == msg->role &&
                      same_part_request(&w->section_requests[section], msg) &&
                      request_style(w, &w->section_requests[section]) == style;
  TandemGenParams params;
  request_params(msg, style, &params);
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
  if (!tandem_ring_write_msg(w->patterns, TANDEM_RING_PATTERN, &w->scratch,
                             sizeof(w->scratch))) {
    respond_status(w, respond, handle, TANDEM_STATUS_ERROR,
                   "the pattern queue is full (the host is not running the plugin?); "
                   "keeping the current pattern");
    return LV2_WORKER_SUCCESS;
  }
  tandem_work_keep_pattern(w, &w->scratch);
  w->current_request = *msg;
  w->has_current_request = true;
  if (section != TANDEM_SECTION_UNKNOWN && !repeat) {
    memcpy(&w->section_parts[section], &w->scratch, sizeof(w->scratch));
    w->section_requests[section] = *msg;
    w->has_section_part[section] = true;
  }
  const char* section_name = tandem_section_label_name(section);
  snprintf(text, sizeof(text), "playing %s %s%s%s%s: %u bars in %u/%u, seed %u, %u notes",
           style->label, role_names[msg->role], section_name[0] ? " for the " : "",
           section_name, repeat ? " (its earlier part again)" : "", w->scratch.bars,
           w->scratch.beats_per_bar, w->scratch.beat_unit, msg->seed, w->scratch.n_notes);
  respond_status(w, respond, handle, TANDEM_STATUS_OK, text);
  return LV2_WORKER_SUCCESS;
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
    request_params(&w->current_request, style, &params);
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
      const TandemStyle* style =
          w->has_current_request ? request_style(w, &w->current_request) : NULL;
      const LV2_Worker_Status st =
          tandem_llm_work_do(&w->llm, respond, handle, size, data, style,
                             w->has_current ? &w->current : NULL);
      if (w->llm.wrote_pattern) {
        tandem_work_keep_pattern(w, &w->llm.scratch);
      }
      return st;
    }
    return LV2_WORKER_ERR_UNKNOWN;
  }
}
