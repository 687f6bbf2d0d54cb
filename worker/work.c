/* Tandem — worker jobs.  See work.h. */
#include "work.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "generator.h"

static const char* const role_names[TANDEM_ROLE_COUNT] = {"drums", "bass", "chords",
                                                          "melody", "trigger"};

bool tandem_work_init(TandemWork* w, const char* bundle_path, TandemRing* patterns,
                      LV2_Log_Logger* logger, char* err, size_t err_size)
{
  memset(w, 0, sizeof(*w));
  w->patterns = patterns;
  w->logger = logger;
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

static LV2_Worker_Status do_generate(TandemWork* w, LV2_Worker_Respond_Function respond,
                                     LV2_Worker_Respond_Handle handle,
                                     const TandemGenerateMsg* msg)
{
  char text[TANDEM_STATUS_MAX];
  if (msg->role >= TANDEM_ROLE_TRIGGER || msg->bars < 1 || msg->bars > TANDEM_MAX_BARS ||
      msg->style > TANDEM_STYLE_SHIPPED_COUNT || msg->n_busy > TANDEM_BUSY_STEPS) {
    return LV2_WORKER_ERR_UNKNOWN;
  }
  const TandemStyle* style = NULL;
  if (w->has_user_style) {
    style = &w->user_style;
  } else {
    int index = msg->style;
    if (index == 0) {
      index = tandem_work_auto_style(
          &w->styles, msg->host_bpm > 0.0f ? msg->host_bpm : msg->detected_bpm);
    }
    if (index > 0 && w->styles.loaded[index]) {
      style = &w->styles.styles[index];
    }
  }
  if (!style) {
    respond_status(w, respond, handle, TANDEM_STATUS_ERROR,
                   "no style profile is loaded, so there is nothing to generate from; "
                   "reinstall Tandem or load a profile file");
    return LV2_WORKER_SUCCESS;
  }

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

  if (!tandem_generate(style, &params, &w->scratch)) {
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
  snprintf(text, sizeof(text), "playing %s %s: %u bars in %u/%u, seed %u, %u notes",
           style->label, role_names[msg->role], w->scratch.bars, w->scratch.beats_per_bar,
           w->scratch.beat_unit, msg->seed, w->scratch.n_notes);
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
  snprintf(w->user_style_path, sizeof(w->user_style_path), "%s", path);
  snprintf(text, sizeof(text), "loaded style profile \"%s\" from %s", loaded.label, path);
  respond_status(w, respond, handle, TANDEM_STATUS_OK, text);
  return LV2_WORKER_SUCCESS;
}

LV2_Worker_Status tandem_work_do(TandemWork* w, LV2_Worker_Respond_Function respond,
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
  default:
    return LV2_WORKER_ERR_UNKNOWN;
  }
}
