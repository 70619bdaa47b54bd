/* bpv-palette.c — themes and colour scales. */
#include "config.h"
#include "bpv-palette.h"

#include <math.h>

#define RGB(r, g, b) { (r) / 255.0, (g) / 255.0, (b) / 255.0, 1.0 }

/* The diverging scale is a blue–orange ramp (after ColorBrewer PuOr and
 * Moreland's blue–orange), distinguishable with every common form of colour
 * blindness; the negative sign also has a second cue (dashes) where lines
 * are drawn.  Five stops per theme: −1, −½, 0, +½, +1.  The dark theme's
 * neutral is close to its background, so weak values fade away there too. */
static const BpvRgba light_ramp[5] = {
  RGB (33, 102, 172),   /* −1 */
  RGB (120, 170, 215),
  RGB (238, 238, 238),  /*  0 */
  RGB (247, 168, 90),
  RGB (211, 84, 0),     /* +1 */
};

static const BpvRgba dark_ramp[5] = {
  RGB (92, 166, 255),
  RGB (60, 104, 150),
  RGB (64, 64, 68),
  RGB (166, 106, 50),
  RGB (255, 150, 40),
};

static const BpvThemeColors light_theme = {
  .background  = RGB (255, 255, 255),
  .panel       = RGB (246, 245, 244),
  .text        = RGB (36, 31, 49),
  .text_muted  = RGB (94, 92, 100),
  .grid        = RGB (192, 191, 188),
  .node_stroke = RGB (61, 56, 70),
  .node_empty  = RGB (250, 250, 250),
  .hover       = RGB (28, 113, 216),
  .selection   = RGB (129, 61, 156),
  .accent      = RGB (53, 132, 228),
  .pulse       = RGB (38, 162, 105),
  .warning     = RGB (229, 165, 10),
  .dead        = RGB (119, 118, 123),
  .fault       = RGB (204, 0, 34),
  .fault_text  = RGB (255, 255, 255),
  .negative    = RGB (33, 102, 172),
  .neutral     = RGB (238, 238, 238),
  .positive    = RGB (211, 84, 0),
};

static const BpvThemeColors dark_theme = {
  .background  = RGB (30, 30, 30),
  .panel       = RGB (48, 48, 48),
  .text        = RGB (240, 240, 240),
  .text_muted  = RGB (170, 170, 176),
  .grid        = RGB (90, 90, 96),
  .node_stroke = RGB (210, 210, 214),
  .node_empty  = RGB (42, 42, 46),
  .hover       = RGB (120, 174, 237),
  .selection   = RGB (220, 138, 221),
  .accent      = RGB (120, 174, 237),
  .pulse       = RGB (87, 227, 137),
  .warning     = RGB (248, 228, 92),
  .dead        = RGB (154, 153, 150),
  .fault       = RGB (255, 82, 82),
  .fault_text  = RGB (30, 30, 30),
  .negative    = RGB (92, 166, 255),
  .neutral     = RGB (64, 64, 68),
  .positive    = RGB (255, 150, 40),
};

const BpvThemeColors *
bpv_theme_colors (BpvTheme theme)
{
  return theme == BPV_THEME_DARK ? &dark_theme : &light_theme;
}

BpvRgba
bpv_rgba_mix (BpvRgba a,
              BpvRgba b,
              double  t)
{
  BpvRgba c = {
    a.r + (b.r - a.r) * t,
    a.g + (b.g - a.g) * t,
    a.b + (b.b - a.b) * t,
    a.a + (b.a - a.a) * t,
  };
  return c;
}

BpvRgba
bpv_rgba_with_alpha (BpvRgba c,
                     double  alpha)
{
  c.a = alpha;
  return c;
}

/* Rec. 709 weights: how light a colour looks, not its channel average. */
double
bpv_rgba_luminance (BpvRgba c)
{
  return 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b;
}

BpvRgba
bpv_palette_diverging (BpvTheme theme,
                       double   v)
{
  const BpvRgba *ramp = theme == BPV_THEME_DARK ? dark_ramp : light_ramp;
  double u;
  int i;

  if (isnan (v))
    return bpv_theme_colors (theme)->warning;
  v = CLAMP (v, -1.0, 1.0);
  u = (v + 1.0) * 2.0;              /* 0 … 4 over the stops */
  i = (int) floor (u);
  if (i >= 4)
    return ramp[4];
  return bpv_rgba_mix (ramp[i], ramp[i + 1], u - i);
}

BpvRgba
bpv_palette_category (guint i)
{
  /* Okabe & Ito (2008), "Color Universal Design". */
  static const BpvRgba okabe_ito[8] = {
    RGB (0, 114, 178),    /* blue */
    RGB (230, 159, 0),    /* orange */
    RGB (0, 158, 115),    /* bluish green */
    RGB (204, 121, 167),  /* reddish purple */
    RGB (86, 180, 233),   /* sky blue */
    RGB (213, 94, 0),     /* vermillion */
    RGB (240, 228, 66),   /* yellow */
    RGB (0, 0, 0),        /* black */
  };
  return okabe_ito[i % 8];
}

void
bpv_set_source_rgba (cairo_t *cr,
                     BpvRgba  c)
{
  if (c.a >= 1.0)
    cairo_set_source_rgb (cr, c.r, c.g, c.b);
  else
    cairo_set_source_rgba (cr, c.r, c.g, c.b, c.a);
}

/* Cairo's double → 16 bit → high byte, as _cairo_color_double_to_short
 * does it (truncation, not rounding). */
static guint32
channel8 (double v)
{
  guint32 s = (guint32) (CLAMP (v, 0.0, 1.0) * 65535.0 + 0.5);
  return s >> 8;
}

guint32
bpv_rgba_to_argb32 (BpvRgba c)
{
  return 0xff000000u | (channel8 (c.r) << 16) | (channel8 (c.g) << 8) | channel8 (c.b);
}

double
bpv_scale_linear (double v,
                  double max_abs)
{
  if (isnan (v))
    return NAN;
  if (!(max_abs > 0) || v == 0)
    return 0;
  return CLAMP (v / max_abs, -1.0, 1.0);
}

double
bpv_scale_log (double v,
               double max_abs,
               double decades)
{
  double u;

  if (isnan (v))
    return NAN;
  if (!(max_abs > 0) || v == 0 || !(decades > 0))
    return 0;
  if (isinf (max_abs))
    return isinf (v) ? copysign (1.0, v) : 0;
  u = (log10 (fabs (v) / max_abs) + decades) / decades;
  u = CLAMP (u, 0.0, 1.0);
  return copysign (u, v);
}
