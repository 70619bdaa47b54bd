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
#include "bpv-render-types.h"

G_BEGIN_DECLS

typedef struct _BpvText BpvText;

/* The smallest label any picture draws in normal mode: 11 pt at 96 dpi
 * (GTK's own body text), readable from the back of a lecture hall.
 * Presentation mode multiplies every size by its scale (≥ 1.5). */
#define BPV_TEXT_MIN_SIZE (11.0 * 96.0 / 72.0)

/* One label as drawn, in device units (the surface's pixels): for the
 * layout tests, which check sizes, overlaps and clipping on the very
 * positions painting used. */
typedef struct
{
  char    *text;     /* the markup drawn */
  double   size;     /* font size, device units */
  BpvRect  rect;     /* the label's logical box */
  BpvRect  clip;     /* the clip in force (the panel it was drawn in) */
} BpvLabel;

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

/* From now on every label drawn on `cr` (by any BpvText made for it) is
 * appended to `labels`, an array of BpvLabel made by
 * bpv_label_list_new (); NULL stops recording.  The array must outlive
 * the recording. */
void     bpv_text_record_labels (cairo_t *cr,
                                 GArray  *labels);
GArray  *bpv_label_list_new     (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BpvText, bpv_text_free)

G_END_DECLS
