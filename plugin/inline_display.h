/* Tandem — Ardour's inline display: a compact piano roll of the bar playing, the
 * onsets heard under it, and the role and style, drawn with cairo from the
 * snapshot run() publishes (ui_feed.h).
 *
 * Threads: tandem_inline_display_render — the host's display thread only (one at
 * a time; never the audio thread: it allocates and draws);
 * tandem_inline_display_free — cleanup.
 */
#ifndef TANDEM_INLINE_DISPLAY_H
#define TANDEM_INLINE_DISPLAY_H

#include <stdint.h>

#include <lv2/core/lv2.h>

#include "ui_feed.h"

/* The image Ardour copies after render(): ARGB32, owned by the plugin. */
typedef struct {
  unsigned char* data;
  int width;
  int height;
  int stride;
} TandemInlineImage;

typedef struct {
  TandemInlineImage* (*render)(LV2_Handle instance, uint32_t w, uint32_t max_h);
} TandemInlineDisplayInterface;

typedef struct {
  void* surface; /* cairo_surface_t*, kept between renders of the same size */
  TandemInlineImage image;
} TandemInlineDisplay;

/* Draws the newest snapshot of feed at width w and at most max_h high.  Returns
 * the image, or NULL if it cannot draw (out of memory, zero size). */
TandemInlineImage* tandem_inline_display_render(TandemInlineDisplay* d,
                                                TandemUiFeed* feed, uint32_t w,
                                                uint32_t max_h);

void tandem_inline_display_free(TandemInlineDisplay* d);

#endif
