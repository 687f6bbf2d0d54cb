/* Tandem — Ardour's inline display (see inline_display.h).  Runs in the host's
 * display thread: it may allocate, and it reads run()'s snapshot without a lock. */
#include "inline_display.h"

#include <cairo/cairo.h>

#include "ui_labels.h"

/* Soft notes blue, loud ones orange, as in the plugin window. */
static void velocity_colour(cairo_t* cr, int velocity)
{
  const double v = velocity < 1 ? 0.0 : velocity > 127 ? 1.0 : (velocity - 1) / 126.0;
  cairo_set_source_rgb(cr, 0.25 + 0.75 * v, 0.55 + 0.1 * v, 0.95 - 0.75 * v);
}

static void draw(cairo_t* cr, const TandemUiSnapshot* s, double w, double h)
{
  cairo_set_source_rgb(cr, 0.08, 0.09, 0.11);
  cairo_paint(cr);

  const double label_h = h >= 48.0 ? 11.0 : 0.0;
  const double onset_h = h * 0.25;
  const double roll_top = label_h;
  const double roll_h = h - label_h - onset_h;
  const double bar_ticks = s->bar_ticks ? s->bar_ticks : 7680.0;

  /* Beat grid: quarter notes. */
  cairo_set_line_width(cr, 1.0);
  cairo_set_source_rgb(cr, 0.2, 0.21, 0.25);
  for (double t = 0.0; t < bar_ticks; t += 1920.0) {
    const double x = 0.5 + (double)(int)(w * t / bar_ticks);
    cairo_move_to(cr, x, roll_top);
    cairo_line_to(cr, x, h);
  }
  cairo_stroke(cr);

  if (s->n_notes > 0) {
    int lo = 127, hi = 0;
    for (uint32_t i = 0; i < s->n_notes; ++i) {
      lo = s->notes[i].pitch < lo ? s->notes[i].pitch : lo;
      hi = s->notes[i].pitch > hi ? s->notes[i].pitch : hi;
    }
    const double rows = (double)(hi - lo + 1);
    const double row_h = roll_h / rows;
    for (uint32_t i = 0; i < s->n_notes; ++i) {
      const TandemUiSnapshotNote* n = &s->notes[i];
      const double x = w * n->start / bar_ticks;
      double nw = w * n->length / bar_ticks;
      nw = nw < 2.0 ? 2.0 : nw;
      const double y = roll_top + (hi - n->pitch) * row_h;
      velocity_colour(cr, n->velocity);
      cairo_rectangle(cr, x, y, nw, row_h > 1.5 ? row_h - 0.5 : row_h);
      cairo_fill(cr);
    }
  }

  /* Heard onsets: kick, snare and hat rows; the bar before dimmer. */
  const double row = onset_h / 3.0;
  for (uint32_t i = 0; i < s->n_onsets; ++i) {
    const TandemUiSnapshotOnset* o = &s->onsets[i];
    const double x = w * o->tick / bar_ticks;
    const double a = o->this_bar ? 1.0 : 0.35;
    for (int d = 0; d < 3; ++d) {
      if (o->drums & (1u << d)) {
        cairo_set_source_rgba(cr, d == 0 ? 1.0 : 0.9, d == 1 ? 0.9 : 0.5,
                              d == 2 ? 1.0 : 0.3, a);
        cairo_rectangle(cr, x, h - onset_h + d * row, 2.0, row - 1.0);
        cairo_fill(cr);
      }
    }
  }

  if (s->rolling) {
    const double x = 0.5 + (double)(int)(w * s->playhead / bar_ticks);
    cairo_set_source_rgb(cr, 0.95, 0.95, 0.95);
    cairo_move_to(cr, x, roll_top);
    cairo_line_to(cr, x, h);
    cairo_stroke(cr);
  }

  if (label_h > 0.0) {
    const char* role = s->role < TANDEM_UI_N_ROLES ? tandem_ui_role_names[s->role] : "?";
    const char* style =
        s->style < TANDEM_UI_N_STYLES ? tandem_ui_style_names[s->style] : "?";
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                           CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 9.0);
    cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
    cairo_move_to(cr, 2.0, 9.0);
    cairo_show_text(cr, role);
    cairo_show_text(cr, " \xc2\xb7 ");
    cairo_show_text(cr, style);
  }
}

TandemInlineImage* tandem_inline_display_render(TandemInlineDisplay* d,
                                                TandemUiFeed* feed, uint32_t w,
                                                uint32_t max_h)
{
  if (w == 0 || max_h == 0 || w > 4096) {
    return NULL;
  }
  uint32_t h = w / 3u;
  h = h < 24u ? 24u : h;
  h = h > max_h ? max_h : h;
  cairo_surface_t* surface = d->surface;
  if (!surface || d->image.width != (int)w || d->image.height != (int)h) {
    if (surface) {
      cairo_surface_destroy(surface);
      d->surface = NULL;
    }
    surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)w, (int)h);
    if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
      cairo_surface_destroy(surface);
      return NULL;
    }
    d->surface = surface;
  }
  cairo_t* cr = cairo_create(surface);
  draw(cr, tandem_ui_feed_snapshot(feed), w, h);
  cairo_destroy(cr);
  cairo_surface_flush(surface);
  d->image.data = cairo_image_surface_get_data(surface);
  d->image.width = (int)w;
  d->image.height = (int)h;
  d->image.stride = cairo_image_surface_get_stride(surface);
  return &d->image;
}

void tandem_inline_display_free(TandemInlineDisplay* d)
{
  if (d->surface) {
    cairo_surface_destroy(d->surface);
    d->surface = NULL;
  }
}
