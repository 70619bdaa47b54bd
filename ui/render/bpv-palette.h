/* bpv-palette.h — colours of the drawing layer: the light and dark themes,
 * the colour-blind-safe diverging scale (blue = negative, orange = positive,
 * never red–green) and the value → scale-coordinate mappings.
 *
 * GTK-free: links only cairo.  Every colour the renderer paints comes from
 * here, so a test can compute the colour it expects at a pixel.
 */
#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

/* Straight (not premultiplied) RGBA, each channel in [0, 1]. */
typedef struct
{
  double r, g, b, a;
} BpvRgba;

typedef enum
{
  BPV_THEME_LIGHT,
  BPV_THEME_DARK,
} BpvTheme;

typedef struct
{
  BpvRgba background;   /* the canvas */
  BpvRgba panel;        /* legend and plot backgrounds */
  BpvRgba text;
  BpvRgba text_muted;   /* secondary labels, axis ticks */
  BpvRgba grid;         /* axes, grid lines, frames */
  BpvRgba node_stroke;  /* outline of a neuron */
  BpvRgba node_empty;   /* fill of a neuron with no value yet */
  BpvRgba hover;
  BpvRgba selection;
  BpvRgba accent;       /* a quiz answer's highlights (GNOME's accent blue) */
  BpvRgba pulse;        /* forward pulses */
  BpvRgba warning;      /* vanishing/exploding gradients, saturated units */
  BpvRgba dead;         /* dead ReLU marks */
  BpvRgba fault;        /* where training met NaN/Inf (red: on neither end of the scale) */
  BpvRgba fault_text;   /* text on a fault badge */
  BpvRgba negative;     /* the diverging scale at −1 */
  BpvRgba neutral;      /* the diverging scale at 0 */
  BpvRgba positive;     /* the diverging scale at +1 */
} BpvThemeColors;

/* Static, never NULL. */
const BpvThemeColors *bpv_theme_colors        (BpvTheme theme);

/* The diverging scale: v in [−1, 1] (clamped) → blue … neutral … orange;
 * NaN gives the theme's warning colour.  Opaque. */
BpvRgba               bpv_palette_diverging   (BpvTheme theme,
                                               double   v);
/* Eight distinguishable categorical colours (Okabe–Ito), i modulo 8. */
BpvRgba               bpv_palette_category    (guint    i);

BpvRgba               bpv_rgba_mix            (BpvRgba  a,
                                               BpvRgba  b,
                                               double   t);
BpvRgba               bpv_rgba_with_alpha     (BpvRgba  c,
                                               double   alpha);
/* Relative luminance of c in [0, 1] (alpha ignored): whether dark or
 * light text reads on it. */
double                bpv_rgba_luminance      (BpvRgba  c);
void                  bpv_set_source_rgba     (cairo_t *cr,
                                               BpvRgba  c);
/* The ARGB32 pixel (premultiplied, as cairo stores it) that painting `c`
 * opaquely gives.  Cairo truncates 16-bit channels, so compare with a
 * tolerance of ±1 per channel. */
guint32               bpv_rgba_to_argb32      (BpvRgba  c);

/* Scale coordinates in [−1, 1] from values and a normaliser max_abs:
 *   linear: v / max_abs, clamped;
 *   log:    sign(v) · (log10(|v| / max_abs) + decades) / decades, clamped,
 *           so max_abs → ±1 and values `decades` orders below → 0.
 * Both return 0 when max_abs ≤ 0 or v is 0, and NaN for a NaN v. */
double                bpv_scale_linear        (double   v,
                                               double   max_abs);
double                bpv_scale_log           (double   v,
                                               double   max_abs,
                                               double   decades);

G_END_DECLS
