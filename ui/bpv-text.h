/* bpv-text.h — text for the drawing layer (internal to bpvrender): one
 * PangoLayout per painting, reused for every label, so labels cost little
 * per frame; works without a display (PangoCairo + fontconfig).
 *
 * Strings are Pango markup ("a(<b>1</b>)", "W<sub>jk</sub>"); escape
 * user text with g_markup_escape_text.
 */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "bpv-palette.h"

G_BEGIN_DECLS

typedef struct _BpvText BpvText;

typedef enum
{
  BPV_TEXT_NORMAL = 0,
  BPV_TEXT_BOLD   = 1 << 0,
  BPV_TEXT_MONO   = 1 << 1,  /* tabular digits for changing numbers */
} BpvTextFlags;

BpvText *bpv_text_new      (cairo_t      *cr);
void     bpv_text_free     (BpvText      *text);
/* Size of `markup` at font size `size` (pixels/units). */
void     bpv_text_measure  (BpvText      *text,
                            const char   *markup,
                            double        size,
                            BpvTextFlags  flags,
                            double       *width,
                            double       *height);
/* Draws with its box aligned at (x, y): xalign 0 = left edge at x, 0.5 =
 * centred, 1 = right edge; yalign likewise for top/middle/bottom.  Returns
 * the width drawn. */
double   bpv_text_draw     (BpvText      *text,
                            const char   *markup,
                            double        x,
                            double        y,
                            double        xalign,
                            double        yalign,
                            double        size,
                            BpvTextFlags  flags,
                            BpvRgba       color);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BpvText, bpv_text_free)

G_END_DECLS
