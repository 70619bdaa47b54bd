/* bpv-render-legend.c — the legend under the network: the diverging
 * colour bar with what the edges show, the line key, and a marked circle
 * for each overlay in use; laid out in rows of the width given.
 */
#include "config.h"
#include "bpv-render-private.h"

#include <glib/gi18n.h>
#include <math.h>

enum
{
  ITEM_SCALE,
  ITEM_LINES,
  ITEM_FILL,
  ITEM_RING,
  ITEM_SATURATED,
  ITEM_DEAD,
  ITEM_FAULT,
  /* Layers beyond dense (issue 13), only when the network has them: after
   * the others, so that a dense network's legend is as it was. */
  ITEM_SKIP,
  ITEM_NORM,
  ITEM_DROPPED,
  N_ITEMS
};

/* The legend's geometry, in units of its font size f (never below
 * BPV_TEXT_MIN_SIZE × the state's text scale; every label is drawn at f).
 * Each row holds items left to right: the colour bar under its caption
 * with its end values either side, the line key (two sample lines and
 * their names), and a marked circle with its name per overlay. */
static const struct
{
  double per_width;    /* f follows the width (f = width × this)… */
  double font_max;     /* …up to this (px, before text_scale) */
  double pad;          /* left and right of the rows */
  double gap;          /* between two items of a row */
  double row;          /* one row of items */
  double top;          /* above the first row */
  double bottom;       /* below the last */
  double caption_y;    /* the colour bar's caption, below the row's top */
  double bar_min;      /* shortest colour bar */
  double bar_y;        /* bar top, below the row's top */
  double bar_h;        /* tall enough for its "0" inside */
  double bar_gap;      /* between the bar and its end values */
  double stroke;       /* a sample line's length */
  double stroke_text;  /* where its name starts */
  double stroke_y1;    /* the positive line, below the row's top */
  double stroke_y2;    /* the negative (dashed) line */
  double mark_r;       /* a marked circle's radius */
  double mark_x;       /* its centre, right of the item's left */
  double mark_text;    /* where its name starts */
} legend_em = {
  .per_width   = 1.0 / 70.0,
  .font_max    = 20.0,
  .pad         = 1.0,
  .gap         = 1.8,
  .row         = 3.0,
  .top         = 0.3,
  .bottom      = 0.6,
  .caption_y   = 0.1,
  .bar_min     = 8.0,
  .bar_y       = 1.45,
  .bar_h       = 1.3,
  .bar_gap     = 0.3,
  .stroke      = 2.6,
  .stroke_text = 3.2,
  .stroke_y1   = 0.85,
  .stroke_y2   = 2.1,
  .mark_r      = 0.55,
  .mark_x      = 0.8,
  .mark_text   = 2.2,
};

/* Strokes are in u = f / FONT_UNITS, as on the canvas.  The line key's
 * samples are the strongest edges at this share of their width (dashes
 * as bpv-render-edges.c dashes them); the colour bar blends this many
 * steps of the diverging scale. */
#define LEGEND_LINE_SCALE       0.5
#define LEGEND_BAR_STEPS        16
/* The marks: the fill a strong positive a(n), the ring a strong negative
 * δ, this many u wide and this many u outside the circle; the dead
 * unit's cross this many u wide. */
#define LEGEND_FILL_SAMPLE      0.8
#define LEGEND_RING_SAMPLE      (-0.9)
#define LEGEND_RING_UNITS       3
#define LEGEND_RING_GAP_UNITS   2.2
#define LEGEND_CROSS_UNITS      2
/* The "0" inside the bar on a dark middle (the dark theme's): softer
 * than white. */
#define LEGEND_ZERO_ON_DARK     ((BpvRgba) { 0.95, 0.95, 0.95, 1 })
/* On the app's canvas the legend takes at most this share of the height. */
#define LEGEND_CANVAS_SHARE     0.3

/* The items drawn as a marked circle and a name (the others have none). */
static const char *const legend_mark_labels[N_ITEMS] = {
  [ITEM_FILL] = N_("fill: a(n) of the sample"),
  [ITEM_RING] = N_("ring: δ(n) = ∂C/∂z(n)"),
  [ITEM_SATURATED] = N_("saturated: σ′(z) ≈ 0"),
  [ITEM_DEAD] = N_("dead: z ≤ 0 for every sample"),
  [ITEM_FAULT] = N_("NaN/Inf: training stopped here"),
  [ITEM_SKIP] = N_("arc: skip connection, a(n) += a(j)"),
  [ITEM_NORM] = N_("BN, LN: normalise, then γ (edge) and β"),
  [ITEM_DROPPED] = N_("dropped by this sample's mask"),
};

/* In the gradients view the arc shows what flows back along the skip. */
#define LEGEND_SKIP_GRADIENTS N_("arc: skip, rms ∂C/∂a(n) added into ∂C/∂a(j)")

/* Does the network have a layer of this kind (a skip, a norm layer, a
 * dropout layer)? */
static gboolean
legend_net_has (const BpvRenderState *state,
                int                   kind)
{
  const BpNetwork *net = state->net;

  for (gsize l = 0; net != NULL && l < net->n_layers; l++)
    {
      const BpLayer *L = &net->layers[l];

      if ((kind == ITEM_SKIP && L->type == BP_LAYER_DENSE && L->skip_from >= 0)
          || (kind == ITEM_NORM && (L->type == BP_LAYER_BATCHNORM || L->type == BP_LAYER_LAYERNORM))
          || (kind == ITEM_DROPPED && L->type == BP_LAYER_DROPOUT))
        return TRUE;
    }
  return FALSE;
}

/* Do the arcs show gradients (some of them, in the backward pass)? */
static gboolean
legend_skip_gradients (const BpvRenderState *state)
{
  return state->view == BPV_VIEW_GRADIENTS || state->phase == BPV_PHASE_BACKWARD;
}

static const char *
legend_mark_label (const BpvRenderState *state,
                   int                   kind)
{
  if (kind == ITEM_SKIP && legend_skip_gradients (state))
    return _(LEGEND_SKIP_GRADIENTS);
  return legend_mark_labels[kind] != NULL ? _(legend_mark_labels[kind]) : NULL;
}

static gboolean
legend_has (const BpvRenderState *state,
            int                   kind)
{
  switch (kind)
    {
    case ITEM_RING:
      return state->trace != NULL
             && (state->view == BPV_VIEW_GRADIENTS || state->phase == BPV_PHASE_BACKWARD);
    case ITEM_SATURATED:
    case ITEM_DEAD:
      return state->show_derivatives && state->trace != NULL;
    case ITEM_FAULT:
      return state->fault.kind != BP_TRAIN_FAULT_NONE;
    case ITEM_SKIP:
    case ITEM_NORM:
      return legend_net_has (state, kind);
    case ITEM_DROPPED:
      return legend_net_has (state, kind) && state->trace != NULL && !state->trace->eval;
    default:
      return TRUE;
    }
}

/* Does the network have a norm layer (whose bundle shows γ, not W)? */
static gboolean
legend_has_gamma (const BpNetwork *net)
{
  for (gsize l = 0; net != NULL && l < net->n_layers; l++)
    if (net->layers[l].type == BP_LAYER_BATCHNORM || net->layers[l].type == BP_LAYER_LAYERNORM)
      return TRUE;
  return FALSE;
}

/* The bundles first…last by what each shows, "W(1)–W(2), γ(3), W(4)"
 * (with "∂C/∂" before each in the gradients view): consecutive layers of
 * one symbol as a range; a dropout layer's mask has no scale, so it is
 * left out (the legend's "dropped" item says what its edges are). */
static void
legend_append_names (GString         *s,
                     const BpNetwork *net,
                     gsize            first,
                     gsize            last,
                     gboolean         grads)
{
  gsize start = first;

  for (gsize n = first; n <= last; n++)
    {
      const BpLayer *L = &net->layers[n - 1];
      const char *sym = bpv_render_layer_symbol (L);

      if (n < last && L->type != BP_LAYER_DROPOUT
          && net->layers[n].type != BP_LAYER_DROPOUT
          && g_strcmp0 (bpv_render_layer_symbol (&net->layers[n]), sym) == 0)
        continue;
      /* A run start…n of one symbol. */
      if (L->type != BP_LAYER_DROPOUT)
        {
          const char *d = grads ? "∂C/∂" : "";

          g_string_append_printf (s, "%s%s%s(%" G_GSIZE_FORMAT ")", s->len > 0 ? ", " : "", d, sym, start);
          if (n > start)
            g_string_append_printf (s, "–%s%s(%" G_GSIZE_FORMAT ")", d, sym, n);
        }
      start = n + 1;
    }
}

/* What the edges show, from bpv_render_bundle_view, the same decision
 * the painter takes: "W(n)", "∂C/∂W(n), log |·| over 4 decades", or during
 * the backward pass both, each with the layers it applies to ("W(1),
 * γ(2) weights": a norm layer's bundle is its γ). */
static char *
legend_scale_caption (const BpvRenderState *state)
{
  const char *scale = state->scale == BPV_SCALE_GLOBAL ? _("one scale for all layers") : _("scaled per layer");
  gsize N = state->net != NULL ? state->net->n_layers : 0;
  gboolean gamma = legend_has_gamma (state->net);
  GString *s = g_string_new (NULL);
  gsize first = 1;

  for (gsize n = 1; n <= N; n++)
    {
      BpvView v = bpv_render_bundle_view (state, n);

      if (n < N && bpv_render_bundle_view (state, n + 1) == v)
        continue;
      /* A run first…n of the same view. */
      if (first == 1 && n == N)
        g_string_append (s, v == BPV_VIEW_GRADIENTS
                            ? (gamma ? _("∂C/∂W(n), ∂C/∂γ(n), log |·| over 4 decades")
                                     : _("∂C/∂W(n), log |·| over 4 decades"))
                            : (gamma ? "W(n), γ(n)" : "W(n)"));
      else
        {
          gsize len = s->len;

          legend_append_names (s, state->net, first, n, v == BPV_VIEW_GRADIENTS);
          if (s->len > len)
            g_string_append (s, v == BPV_VIEW_GRADIENTS ? _(" gradients (log |·|)") : _(" weights"));
        }
      first = n + 1;
    }
  if (N == 0)
    g_string_append (s, state->view == BPV_VIEW_GRADIENTS ? _("∂C/∂W(n), log |·| over 4 decades") : "W(n)");
  g_string_append_printf (s, " · %s", scale);
  return g_string_free (s, FALSE);
}

/* One normaliser for the legend's ends, or 0 when the bundles show
 * different quantities (weights and gradients have no common scale). */
static double
legend_global_max (const BpvRenderState *state)
{
  double m = 0;

  if (state->net == NULL || state->scale != BPV_SCALE_GLOBAL)
    return 0;
  for (gsize n = 1; n <= state->net->n_layers; n++)
    {
      if (bpv_render_bundle_view (state, n) != bpv_render_bundle_view (state, 1))
        return 0;
      m = MAX (m, bpv_render_edge_max (state, n));
    }
  return m;
}

char *
bpv_render_legend_caption (const BpvRenderState *state)
{
  g_return_val_if_fail (state != NULL, NULL);

  return legend_scale_caption (state);
}

/* The colour bar's end labels: the global scale's values, else − and +. */
static void
legend_bar_ends (const BpvRenderState *state,
                 char                **lo,
                 char                **hi)
{
  double global_max = legend_global_max (state);

  if (global_max > 0)
    {
      /* ∞ when a value is not finite (max_abs counts NaN so). */
      *lo = isfinite (global_max) ? g_strdup_printf ("−%.2g", global_max) : g_strdup ("−Inf");
      *hi = isfinite (global_max) ? g_strdup_printf ("+%.2g", global_max) : g_strdup ("+Inf");
    }
  else
    {
      *lo = g_strdup ("<b>−</b>");
      *hi = g_strdup ("<b>+</b>");
    }
}

static double
legend_item_width (BpvText              *text,
                   const BpvRenderState *state,
                   int                   kind,
                   double                f)
{
  double w = 0, w2 = 0;

  switch (kind)
    {
    case ITEM_SCALE:
      {
        g_autofree char *caption = legend_scale_caption (state);
        g_autofree char *lo = NULL, *hi = NULL;
        double wl, wh;

        legend_bar_ends (state, &lo, &hi);
        bpv_text_measure (text, caption, f, BPV_TEXT_NORMAL, &w, NULL);
        bpv_text_measure (text, lo, f, BPV_TEXT_NORMAL, &wl, NULL);
        bpv_text_measure (text, hi, f, BPV_TEXT_NORMAL, &wh, NULL);
        return MAX (w, wl + wh + (legend_em.bar_min + 2 * legend_em.bar_gap) * f);
      }
    case ITEM_LINES:
      bpv_text_measure (text, _("negative (dashed)"), f, BPV_TEXT_NORMAL, &w, NULL);
      bpv_text_measure (text, _("|value| → width"), f, BPV_TEXT_NORMAL, &w2, NULL);
      return legend_em.stroke_text * f + MAX (w, w2);
    default:
      if (kind < 0 || kind >= N_ITEMS || legend_mark_labels[kind] == NULL)
        return 0;
      bpv_text_measure (text, legend_mark_label (state, kind), f, BPV_TEXT_NORMAL, &w, NULL);
      return legend_em.mark_text * f + w;
    }
}

static double
legend_font (const BpvRenderState *state,
             double                width)
{
  double scale = state->text_scale > 0 ? state->text_scale : 1.0;

  return CLAMP (width * legend_em.per_width, BPV_TEXT_MIN_SIZE, legend_em.font_max) * scale;
}

static double
legend_row_height (double f)
{
  return legend_em.row * f;
}

/* Lays the items out in rows of `width`; an item that does not fit in a
 * row, or in `max_rows` rows, is left out (item_row −1).  Returns the
 * number of rows. */
static int
legend_flow (BpvText              *text,
             const BpvRenderState *state,
             double                width,
             double                f,
             int                   max_rows,
             double               *item_x,
             int                  *item_row)
{
  double pad = legend_em.pad * f, gap = legend_em.gap * f, x = pad;
  int row = 0;

  for (int kind = 0; kind < N_ITEMS; kind++)
    {
      double w;

      item_row[kind] = -1;
      if (!legend_has (state, kind))
        continue;
      w = legend_item_width (text, state, kind, f);
      if (w > width - 2 * pad)
        continue;
      if (x > pad && x + w > width - pad)
        {
          if (row + 1 >= max_rows)
            continue;
          row++;
          x = pad;
        }
      item_x[kind] = x;
      item_row[kind] = row;
      x += w + gap;
    }
  return row + 1;
}

double
bpv_network_legend_height (const BpvRenderState *state,
                           double                width)
{
  cairo_surface_t *surface;
  cairo_t *cr;
  BpvText *text;
  double f, x[N_ITEMS];
  int row[N_ITEMS], rows;

  g_return_val_if_fail (state != NULL, 0);

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
  cr = cairo_create (surface);
  text = bpv_text_new (cr);
  f = legend_font (state, width);
  rows = legend_flow (text, state, width, f, G_MAXINT, x, row);
  bpv_text_free (text);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  return rows * legend_row_height (f) + (legend_em.top + legend_em.bottom) * f;
}

double
bpv_network_canvas_legend_height (const BpvRenderState *state,
                                  double                width,
                                  double                height)
{
  g_return_val_if_fail (state != NULL, 0);

  BpvRenderState both = *state;
  double want, f = legend_font (state, width), pads = (legend_em.top + legend_em.bottom) * f;
  double rows;

  /* Room for the legend of either view (the gradients' has the δ ring and
   * a longer caption): the network must not jump when G is pressed or
   * the backward pass begins. */
  both.view = BPV_VIEW_GRADIENTS;
  want = MAX (bpv_network_legend_height (state, width), bpv_network_legend_height (&both, width));
  /* …nor at a stop of the backward pass (its caption names the layers
   * already drawn as gradients). */
  if (state->net != NULL && state->trace != NULL)
    for (gsize n = 1; n <= state->net->n_layers; n++)
      {
        both = *state;
        both.phase = BPV_PHASE_BACKWARD;
        both.layer = n;
        both.t = 1.0;
        want = MAX (want, bpv_network_legend_height (&both, width));
      }

  /* The network keeps most of the canvas: the legend gets the rows that
   * fit in 30 % of it (the others are left out, see legend_flow). */
  if (want <= height * LEGEND_CANVAS_SHARE)
    return want;
  rows = MAX (floor ((height * LEGEND_CANVAS_SHARE - pads) / legend_row_height (f)), 1.0);
  return MIN (want, rows * legend_row_height (f) + pads);
}

static void
legend_paint_scale (cairo_t              *cr,
                    BpvText              *text,
                    const BpvRenderState *state,
                    const BpvThemeColors *tc,
                    double                ix,
                    double                top,
                    double                w,
                    double                f)
{
  g_autofree char *caption = legend_scale_caption (state);
  g_autofree char *lo = NULL, *hi = NULL;
  double wl, wh, bar_y = top + legend_em.bar_y * f, bar_h = legend_em.bar_h * f;
  double bx, bw;
  cairo_pattern_t *grad;

  legend_bar_ends (state, &lo, &hi);
  bpv_text_measure (text, lo, f, BPV_TEXT_NORMAL, &wl, NULL);
  bpv_text_measure (text, hi, f, BPV_TEXT_NORMAL, &wh, NULL);
  bx = ix + wl + legend_em.bar_gap * f;
  bw = w - wl - wh - 2 * legend_em.bar_gap * f;
  grad = cairo_pattern_create_linear (bx, 0, bx + bw, 0);
  for (int i = 0; i <= LEGEND_BAR_STEPS; i++)
    {
      BpvRgba c = bpv_palette_diverging (state->theme, i / (LEGEND_BAR_STEPS / 2.0) - 1.0);

      cairo_pattern_add_color_stop_rgb (grad, i / (double) LEGEND_BAR_STEPS, c.r, c.g, c.b);
    }
  bpv_text_draw (text, caption, ix, top + legend_em.caption_y * f, 0, 0, f, BPV_TEXT_NORMAL, tc->text);
  cairo_set_source (cr, grad);
  cairo_rectangle (cr, bx, bar_y, bw, bar_h);
  cairo_fill (cr);
  cairo_pattern_destroy (grad);
  bpv_set_source_rgba (cr, tc->grid);
  cairo_set_line_width (cr, f / FONT_UNITS);
  cairo_rectangle (cr, bx, bar_y, bw, bar_h);
  cairo_stroke (cr);
  bpv_text_draw (text, lo, ix, bar_y + bar_h / 2, 0, 0.5, f, BPV_TEXT_NORMAL, tc->text_muted);
  bpv_text_draw (text, hi, ix + w, bar_y + bar_h / 2, 1, 0.5, f, BPV_TEXT_NORMAL, tc->text_muted);
  /* Zero sits on the palette's middle (light, or dark in the dark theme). */
  {
    BpvRgba mid = bpv_palette_diverging (state->theme, 0);

    bpv_text_draw (text, "0", bx + bw / 2, bar_y + bar_h / 2, 0.5, 0.5, f, BPV_TEXT_NORMAL,
                   bpv_rgba_luminance (mid) > INK_LUMINANCE_SPLIT ? INK_ON_LIGHT : LEGEND_ZERO_ON_DARK);
  }
}

static void
legend_paint_lines (cairo_t              *cr,
                    BpvText              *text,
                    const BpvRenderState *state,
                    const BpvThemeColors *tc,
                    double                ix,
                    double                top,
                    double                f)
{
  BpvEdgeStyle pos = bpv_render_edge_style (BPV_VIEW_WEIGHTS, state->theme, 1, 1);
  BpvEdgeStyle neg = bpv_render_edge_style (BPV_VIEW_WEIGHTS, state->theme, -1, 1);
  double unit = f / FONT_UNITS, y1 = top + legend_em.stroke_y1 * f, y2 = top + legend_em.stroke_y2 * f;
  double dash[2] = {
    EDGE_DASH_ON_UNITS * unit + EDGE_DASH_ON_PER_WIDTH * LEGEND_LINE_SCALE * neg.width * unit,
    EDGE_DASH_OFF_UNITS * unit + LEGEND_LINE_SCALE * neg.width * unit,
  };

  cairo_save (cr);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
  bpv_set_source_rgba (cr, pos.color);
  cairo_set_line_width (cr, LEGEND_LINE_SCALE * pos.width * unit);
  cairo_move_to (cr, ix, y1);
  cairo_rel_line_to (cr, legend_em.stroke * f, 0);
  cairo_stroke (cr);
  bpv_set_source_rgba (cr, neg.color);
  cairo_set_dash (cr, dash, 2, 0);
  cairo_move_to (cr, ix, y2);
  cairo_rel_line_to (cr, legend_em.stroke * f, 0);
  cairo_stroke (cr);
  cairo_restore (cr);
  bpv_text_draw (text, _("positive"), ix + legend_em.stroke_text * f, y1, 0, 0.5, f, BPV_TEXT_NORMAL, tc->text);
  bpv_text_draw (text, _("negative (dashed)"), ix + legend_em.stroke_text * f, y2, 0, 0.5, f,
                 BPV_TEXT_NORMAL, tc->text);
}

static void
legend_paint_mark (cairo_t              *cr,
                   BpvText              *text,
                   const BpvRenderState *state,
                   const BpvThemeColors *tc,
                   int                   kind,
                   double                ix,
                   double                cy,
                   double                f)
{
  double unit = f / FONT_UNITS, r = legend_em.mark_r * f, cx = ix + legend_em.mark_x * f;

  if (kind == ITEM_SKIP)
    {
      /* A small arc, coloured as the canvas colours it. */
      bpv_set_source_rgba (cr, legend_skip_gradients (state) ? tc->selection : tc->text_muted);
      cairo_set_line_width (cr, LEGEND_RING_UNITS * unit);
      cairo_new_sub_path (cr);
      cairo_arc (cr, cx, cy + r, 1.4 * r, G_PI * 1.15, G_PI * 1.85);
      cairo_stroke (cr);
      bpv_text_draw (text, legend_mark_label (state, kind), ix + legend_em.mark_text * f, cy, 0, 0.5, f,
                     BPV_TEXT_NORMAL, tc->text);
      return;
    }
  cairo_new_sub_path (cr);
  cairo_arc (cr, cx, cy, r, 0, 2 * G_PI);
  bpv_set_source_rgba (cr, kind == ITEM_FILL ? bpv_palette_diverging (state->theme, LEGEND_FILL_SAMPLE)
                                            : tc->node_empty);
  cairo_fill_preserve (cr);
  bpv_set_source_rgba (cr, tc->node_stroke);
  cairo_set_line_width (cr, unit);
  cairo_stroke (cr);
  if (kind == ITEM_RING || kind == ITEM_SATURATED || kind == ITEM_FAULT)
    {
      bpv_set_source_rgba (cr, kind == ITEM_RING ? bpv_palette_diverging (state->theme, LEGEND_RING_SAMPLE)
                               : kind == ITEM_FAULT ? tc->fault : tc->warning);
      cairo_set_line_width (cr, LEGEND_RING_UNITS * unit);
      cairo_new_sub_path (cr);
      cairo_arc (cr, cx, cy, r + LEGEND_RING_GAP_UNITS * unit, 0, 2 * G_PI);
      cairo_stroke (cr);
    }
  if (kind == ITEM_NORM)
    bpv_text_draw (text, "γ", cx, cy, 0.5, 0.5, f, BPV_TEXT_NORMAL, tc->text);
  if (kind == ITEM_DEAD || kind == ITEM_DROPPED)
    {
      double h = r * DEAD_CROSS_PER_RADIUS;

      if (kind == ITEM_DROPPED)
        {
          cairo_new_sub_path (cr);
          cairo_arc (cr, cx, cy, r, 0, 2 * G_PI);
          bpv_set_source_rgba (cr, tc->grid);
          cairo_fill (cr);
        }
      bpv_set_source_rgba (cr, kind == ITEM_DROPPED ? tc->text_muted : tc->dead);
      cairo_set_line_width (cr, LEGEND_CROSS_UNITS * unit);
      cairo_move_to (cr, cx - h, cy - h);
      cairo_line_to (cr, cx + h, cy + h);
      cairo_move_to (cr, cx + h, cy - h);
      cairo_line_to (cr, cx - h, cy + h);
      cairo_stroke (cr);
    }
  bpv_text_draw (text, legend_mark_label (state, kind), ix + legend_em.mark_text * f, cy, 0, 0.5, f,
                 BPV_TEXT_NORMAL, tc->text);
}

void
bpv_network_render_legend (cairo_t              *cr,
                           const BpvRenderState *state,
                           const BpvRect        *rect)
{
  const BpvThemeColors *tc;
  double f, x[N_ITEMS];
  int row[N_ITEMS], max_rows;
  BpvText *text;

  g_return_if_fail (cr != NULL && state != NULL && rect != NULL);

  tc = bpv_theme_colors (state->theme);
  f = legend_font (state, rect->width);
  max_rows = MAX ((int) floor ((rect->height - (legend_em.top + legend_em.bottom) * f + 0.5)
                               / legend_row_height (f)), 0);

  cairo_save (cr);
  cairo_rectangle (cr, rect->x, rect->y, rect->width, rect->height);
  cairo_clip (cr);
  bpv_set_source_rgba (cr, tc->panel);
  cairo_paint (cr);
  if (max_rows == 0)
    {
      cairo_restore (cr);
      return;
    }
  text = bpv_text_new (cr);
  legend_flow (text, state, rect->width, f, max_rows, x, row);

  for (int kind = 0; kind < N_ITEMS; kind++)
    {
      double ix, top;

      if (row[kind] < 0)
        continue;
      ix = rect->x + x[kind];
      top = rect->y + legend_em.top * f + row[kind] * legend_row_height (f);
      if (kind == ITEM_SCALE)
        legend_paint_scale (cr, text, state, tc, ix, top, legend_item_width (text, state, kind, f), f);
      else if (kind == ITEM_LINES)
        legend_paint_lines (cr, text, state, tc, ix, top, f);
      else
        legend_paint_mark (cr, text, state, tc, kind, ix, top + legend_row_height (f) / 2, f);
    }
  bpv_text_free (text);
  cairo_restore (cr);
}
