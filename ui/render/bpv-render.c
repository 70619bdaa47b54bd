/* bpv-render.c — paints a network (see bpv-render.h for what is shown):
 * the entry points, and the decisions each stop of the animation takes
 * (what a bundle shows, which values are known, how filled a column is),
 * which the painters in bpv-render-*.c follow.
 *
 * Order of painting, back to front:
 *   background → bundles (cached tiles or live) → path veil and path →
 *   hover/selection edges → pulses → neurons → overlays → labels → the
 *   fault marker (NaN/Inf), which nothing may hide.
 *
 * Cost model (software cairo, see notes/gtk-headless.md §7): a diagonal
 * anti-aliased line costs 40–90 µs, so the bundles are painted once per
 * change into image tiles (BpvRenderCache) and blitted each frame; big
 * bundles are weight matrices (one scaled image), big columns pixel grids.
 */
#include "config.h"
#include "bpv-render-private.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "bp-util.h"

/* How an edge of |scaled value| s ∈ [0, 1] looks: colour from this far
 * along the diverging scale (the hue says the sign even when weak),
 * opacity and width (u) from a base plus a share of s; a NaN edge is the
 * warning colour at this width. */
#define EDGE_HUE_BASE           0.5
#define EDGE_HUE_SPAN           0.5
#define EDGE_ALPHA_BASE         0.15
#define EDGE_ALPHA_SPAN         0.85
#define EDGE_WIDTH_BASE         0.6
#define EDGE_WIDTH_SPAN         4.4
#define EDGE_NAN_WIDTH          3.0
/* The forward stop at n fills a(n) in from this t on, as its pulses land;
 * the backward stop at n shows δ(n) by this t, before they leave. */
#define FILL_FADE_START         0.75
#define RING_FADE_END           0.35
/* The selected and the hovered edge: a halo of the theme's colour at this
 * opacity and this many u wide; the units at the ends of a selected or
 * hovered edge (or the neuron itself) ringed this many u wide. */
#define SELECTION_HALO_ALPHA    0.55
#define SELECTION_HALO_UNITS    5
#define HOVER_HALO_ALPHA        0.45
#define HOVER_HALO_UNITS        4
#define NEURON_MARK_UNITS       3
#define EDGE_END_MARK_UNITS     2.5

/* A page for export, in units of its font f: f is the page's width over
 * 60 or its height over 34, whichever is smaller, at most 26 px (then ×
 * the text scale).  A title line (the model's name in bold at 1.3 f, then
 * the network's shape muted, centred on the title's x-height), the network,
 * and the legend, with margins of f left and right. */
#define PAGE_WIDTH_EMS          60.0
#define PAGE_HEIGHT_EMS         34.0
#define PAGE_FONT_MAX           26.0
#define PAGE_MARGIN_EM          1
#define PAGE_TITLE_H_EM         2.6   /* the title line */
#define PAGE_TITLE_Y_EM         0.7   /* the title's top */
#define PAGE_TITLE_EM           1.3   /* the title's size */
#define PAGE_TITLE_GAP_EM       0.9   /* between the title and the shape */
#define PAGE_SUBTITLE_MIDDLE    0.62  /* of the title's size, from its top */
#define PAGE_NET_GAP_EM         1.2   /* between the network and the legend */
#define PAGE_NET_MIN_H          50    /* px: the network's least height */
#define PAGE_LEGEND_BOTTOM_EM   0.6   /* below the legend */

/* ------------------------------------------------------------ small math */

double
_bpv_render_smoothstep (double e0,
                        double e1,
                        double x)
{
  double t = CLAMP ((x - e0) / (e1 - e0), 0.0, 1.0);

  return t * t * (3 - 2 * t);
}

double
_bpv_render_ease (double t)
{
  return _bpv_render_smoothstep (0.0, 1.0, t);
}

/* A value as printf's `format` gives it when finite, else "NaN", "+Inf"
 * or "−Inf" as everywhere else in the app (never "-nan" or "inf"). */
const char *
_bpv_render_value_text (char       *buf,
                        gsize       size,
                        const char *format,
                        double      v)
{
  const char *name = bp_nonfinite_name (v);

  if (name != NULL)
    return name;
  g_snprintf (buf, size, format, v);
  /* −0, or a tiny negative value that rounds to zero ("-0", "-0.000"):
   * a zero has no sign worth showing. */
  if (buf[0] == '-' && strspn (buf + 1, "0.") == strlen (buf + 1))
    memmove (buf, buf + 1, strlen (buf));
  return buf;
}

static double
max_abs (const double *v,
         gsize         n)
{
  double m = 0;

  for (gsize i = 0; i < n; i++)
    {
      double a = fabs (v[i]);

      if (a > m || isnan (a))
        m = isnan (a) ? INFINITY : a;
    }
  return m;
}

/* ------------------------------------------------------- state and style */

void
bpv_render_state_init (BpvRenderState  *state,
                       const BpNetwork *net,
                       const BpTrace   *trace)
{
  g_return_if_fail (state != NULL);

  *state = (BpvRenderState) {
    .net = net,
    .trace = trace,
    .view = BPV_VIEW_WEIGHTS,
    .scale = BPV_SCALE_LAYER,
    .theme = BPV_THEME_LIGHT,
    .phase = BPV_PHASE_IDLE,
    .t = 1.0,
    .hover = BPV_HIT_INIT,
    .selection = BPV_HIT_INIT,
    .path_edge = BPV_HIT_INIT,
    .show_labels = TRUE,
    .show_cost = TRUE,
    .show_targets = TRUE,
    .device_scale = 1.0,
  };
}

double
_bpv_render_view_scale (BpvView view,
                        double  v,
                        double  max)
{
  return view == BPV_VIEW_WEIGHTS ? bpv_scale_linear (v, max)
                                  : bpv_scale_log (v, max, GRAD_DECADES);
}

BpvEdgeStyle
bpv_render_edge_style (BpvView  view,
                       BpvTheme theme,
                       double   v,
                       double   max)
{
  BpvEdgeStyle style;
  double s;

  s = _bpv_render_view_scale (view, v, max);
  if (isnan (s))
    {
      style.color = bpv_theme_colors (theme)->warning;
      style.width = EDGE_NAN_WIDTH;
      style.dashed = FALSE;
      return style;
    }
  s = fabs (s);
  /* On the log scale most gradients sit within two decades of the largest;
   * squaring keeps the picture from turning into a thicket. */
  if (view == BPV_VIEW_GRADIENTS)
    s = s * s;
  /* The hue says the sign at any strength; weak edges are thin, light and
   * translucent, the strongest opaque. */
  style.color = bpv_palette_diverging (theme, (v < 0 ? -1 : 1) * (EDGE_HUE_BASE + EDGE_HUE_SPAN * s));
  style.color.a = EDGE_ALPHA_BASE + EDGE_ALPHA_SPAN * s;
  style.width = EDGE_WIDTH_BASE + EDGE_WIDTH_SPAN * s;
  style.dashed = v < 0;
  return style;
}

BpvRgba
bpv_render_neuron_fill (BpvTheme theme,
                        double   a,
                        double   max)
{
  return bpv_palette_diverging (theme, bpv_scale_linear (a, max));
}

gboolean
_bpv_render_trace_usable (const BpNetwork *net,
                          const BpTrace   *trace)
{
  return trace != NULL && trace->batch > 0 && bp_trace_fits (trace, net);
}

const double *
_bpv_render_layer_values (const Paint *p,
                          gsize        n,
                          EdgeSource   src)
{
  const BpLayer *L = &p->net->layers[n - 1];

  if (L->type == BP_LAYER_DROPOUT)
    /* No parameters: its one-to-one edges show the mask of the pass shown
     * (NULL before a pass: every unit kept). */
    return p->trace != NULL && p->trace->mask != NULL && p->trace->mask[n - 1] != NULL
           ? p->trace->mask[n - 1] + p->sample * L->out : NULL;
  switch (src)
    {
    case SRC_GRADIENTS:
      return L->dW;
    case SRC_OLD:
      return p->st->old_params + (L->W - p->net->params);
    case SRC_WEIGHTS:
    default:
      return L->W;
    }
}

gsize
_bpv_render_layer_n_values (const Paint *p,
                            gsize        n)
{
  const BpLayer *L = &p->net->layers[n - 1];

  return L->type == BP_LAYER_DROPOUT ? L->out : bp_layer_n_weights (L);
}

gsize
_bpv_render_edge_index (const BpvBundle *b,
                        gsize            j,
                        gsize            k)
{
  return b->kind == BPV_BUNDLE_ONE_TO_ONE ? j : j * b->cols + k;
}

void
_bpv_render_edge_ends (const BpvBundle *b,
                       gsize            e,
                       gsize           *j,
                       gsize           *k)
{
  if (b->kind == BPV_BUNDLE_ONE_TO_ONE)
    {
      *j = e;
      *k = e;
      return;
    }
  *j = e / b->cols;
  *k = e % b->cols;
}

const char *
bpv_render_layer_symbol (const BpLayer *layer)
{
  g_return_val_if_fail (layer != NULL, "W");

  switch (layer->type)
    {
    case BP_LAYER_BATCHNORM:
    case BP_LAYER_LAYERNORM:
      return "γ";
    case BP_LAYER_DROPOUT:
      return "mask";
    case BP_LAYER_DENSE:
    default:
      return "W";
    }
}

/* Does the activation stay within [−1, 1] (σ, tanh, softmax, …)?  Then its
 * natural scale is used for the fill: a σ output of 0.48 must not look
 * like a saturated one just because it is the largest of its layer. */
static gboolean
activation_bounded (const BpLayer *L)
{
  static const double probes[] = { -1e3, -10, -1, 0, 1, 10, 1e3 };

  if (L->act == NULL)
    return FALSE;
  if (L->act->vec_forward != NULL)
    return TRUE;  /* softmax-like: a distribution */
  if (L->act->f == NULL)
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (probes); i++)
    {
      double a = L->act->f (probes[i], L->act_params);

      if (!(fabs (a) <= 1.0))
        return FALSE;
    }
  return TRUE;
}

/* Per-bundle and per-column normalisers, per layer or global. */
static void
compute_maxima (Paint *p)
{
  const BpNetwork *net = p->net;
  gsize N = net->n_layers;
  double wg = 0, gg = 0, ag = 0, dg = 0;

  for (gsize n = 1; n <= N; n++)
    {
      const BpLayer *L = &net->layers[n - 1];

      /* γ and ∂C/∂γ for the norm layers; nothing for dropout. */
      p->w_max[n] = max_abs (L->W, bp_layer_n_weights (L));
      p->g_max[n] = max_abs (L->dW, bp_layer_n_weights (L));
      wg = MAX (wg, p->w_max[n]);
      gg = MAX (gg, p->g_max[n]);
    }
  for (gsize n = 0; n <= N; n++)
    {
      p->a_max[n] = 0;
      p->d_max[n] = 0;
      if (p->trace == NULL)
        continue;
      if (n == 0)
        p->a_max[0] = max_abs (p->trace->input, p->trace->batch * net->n_inputs);
      else
        {
          gsize count = p->trace->batch * net->layers[n - 1].out;

          p->a_max[n] = max_abs (p->trace->a[n - 1], count);
          p->d_max[n] = max_abs (net->layers[n - 1].type == BP_LAYER_DROPOUT ? p->trace->dC_da[n - 1]
                                                                             : p->trace->dC_dz[n - 1], count);
          ag = MAX (ag, p->a_max[n]);
          dg = MAX (dg, p->d_max[n]);
        }
    }
  if (p->st->scale == BPV_SCALE_GLOBAL)
    /* The input keeps its own scale: it is data, often in other units. */
    for (gsize n = 0; n <= N; n++)
      {
        p->w_max[n] = wg;
        p->g_max[n] = gg;
        if (n > 0)
          {
            p->a_max[n] = ag;
            p->d_max[n] = dg;
          }
      }
  for (gsize n = 1; n <= N; n++)
    if (activation_bounded (&net->layers[n - 1]))
      p->a_max[n] = 1.0;
}

/* The part of a Paint that needs neither a surface nor a layout: the
 * state, its network, its trace if usable, and the normalisers. */
static void
paint_init_maxima (Paint                *p,
                   const BpvRenderState *state)
{
  memset (p, 0, sizeof *p);
  p->st = state;
  p->net = state->net;
  p->trace = _bpv_render_trace_usable (state->net, state->trace) ? state->trace : NULL;
  compute_maxima (p);
}

double
_bpv_render_source_max (const Paint *p,
                        gsize        n,
                        EdgeSource   src)
{
  return src == SRC_GRADIENTS ? p->g_max[n] : p->w_max[n];
}

BpvView
_bpv_render_source_view (EdgeSource src)
{
  return src == SRC_GRADIENTS ? BPV_VIEW_GRADIENTS : BPV_VIEW_WEIGHTS;
}

BpvView
bpv_render_bundle_view (const BpvRenderState *state,
                        gsize                 layer)
{
  g_return_val_if_fail (state != NULL, BPV_VIEW_WEIGHTS);

  switch (state->phase)
    {
    case BPV_PHASE_BACKWARD:
      /* Gradients exist for the layers backprop has passed, whatever the
       * view; the layers before still show their weights. */
      return layer >= state->layer ? BPV_VIEW_GRADIENTS : BPV_VIEW_WEIGHTS;
    case BPV_PHASE_UPDATE:
      /* The weights move from before the step to after it. */
      return state->old_params != NULL ? BPV_VIEW_WEIGHTS : state->view;
    case BPV_PHASE_IDLE:
    case BPV_PHASE_FORWARD:
    case BPV_PHASE_COST:
    default:
      return state->view;
    }
}

EdgeSource
_bpv_render_bundle_source (const Paint *p,
                           gsize        n)
{
  return bpv_render_bundle_view (p->st, n) == BPV_VIEW_GRADIENTS ? SRC_GRADIENTS : SRC_WEIGHTS;
}

double
bpv_render_edge_max (const BpvRenderState *state,
                     gsize                 layer)
{
  Paint p;

  g_return_val_if_fail (state != NULL && state->net != NULL, 0);
  g_return_val_if_fail (layer >= 1 && layer <= state->net->n_layers, 0);
  paint_init_maxima (&p, state);
  return bpv_render_bundle_view (state, layer) == BPV_VIEW_GRADIENTS ? p.g_max[layer] : p.w_max[layer];
}

double
bpv_render_neuron_max (const BpvRenderState *state,
                       gsize                 layer)
{
  Paint p;

  g_return_val_if_fail (state != NULL && state->net != NULL, 0);
  g_return_val_if_fail (layer <= state->net->n_layers, 0);
  paint_init_maxima (&p, state);
  return p.a_max[layer];
}

/* a(n) of the shown sample (the input for n = 0), or NULL. */
const double *
_bpv_render_unit_values (const Paint *p,
                         gsize        n)
{
  if (p->trace == NULL)
    return NULL;
  if (n == 0)
    return p->trace->input + p->sample * p->net->n_inputs;
  return bp_trace_a (p->trace, n - 1, p->sample);
}

const double *
_bpv_render_unit_deltas (const Paint *p,
                         gsize        n)
{
  if (p->trace == NULL || n == 0)
    return NULL;
  /* Dropout has no z: its ring is ∂C/∂a. */
  if (p->net->layers[n - 1].type == BP_LAYER_DROPOUT)
    return bp_trace_dC_da (p->trace, n - 1, p->sample);
  return bp_trace_dC_dz (p->trace, n - 1, p->sample);
}

void
_bpv_render_apply_view (cairo_t         *cr,
                        const BpvLayout *layout)
{
  cairo_translate (cr, layout->params.pan_x, layout->params.pan_y);
  cairo_scale (cr, layout->params.zoom, layout->params.zoom);
}

gboolean
_bpv_render_hit_valid (const Paint  *p,
                       const BpvHit *hit)
{
  const BpvLayout *layout = p->layout;

  if (hit->kind == BPV_HIT_NEURON)
    return hit->layer < layout->n_columns && hit->j < layout->columns[hit->layer].n_units;
  if (hit->kind == BPV_HIT_EDGE)
    return hit->layer >= 1 && hit->layer < layout->n_columns
           && hit->j < layout->bundles[hit->layer].rows
           && hit->k < layout->bundles[hit->layer].cols;
  if (hit->kind == BPV_HIT_SKIP)
    return hit->layer >= 1 && hit->layer < layout->n_columns
           && layout->bundles[hit->layer].skip_from >= 0
           && hit->j == (gsize) layout->bundles[hit->layer].skip_from;
  return FALSE;
}

/* The state of every unit of a(n) (n ≥ 1) for the shown sample, as the
 * core judges it (bp-diagnostics.h), and their σ′(z) in *deriv when it is
 * not NULL.  Both arrays are newly allocated: free with g_free. */
BpDiagUnitState *
_bpv_render_unit_states (const Paint  *p,
                         gsize         n,
                         double      **deriv)
{
  gsize out = p->net->layers[n - 1].out;
  BpDiagUnitState *state = g_new (BpDiagUnitState, out);
  double *dv = g_new (double, out);

  bp_diag_unit_states (p->net, p->trace, n - 1, p->sample, dv, state);
  if (deriv != NULL)
    *deriv = dv;
  else
    g_free (dv);
  return state;
}

/* -------------------------------------------------- what each stop shows */

/* How filled column n is in this phase: 0 empty … 1 showing a(n). */
double
_bpv_render_fill_alpha (const Paint *p,
                        gsize        n)
{
  const BpvRenderState *st = p->st;

  if (p->trace == NULL)
    return 0;
  if (n == 0 || st->phase != BPV_PHASE_FORWARD)
    return 1;
  if (n < st->layer)
    return 1;
  if (n == st->layer)
    return _bpv_render_smoothstep (FILL_FADE_START, 1.0, st->t);
  return 0;
}

gboolean
bpv_render_forward_known (const BpvRenderState *state,
                          gsize                 layer)
{
  g_return_val_if_fail (state != NULL, FALSE);

  if (state->trace == NULL)
    return FALSE;
  if (layer == 0 || state->phase != BPV_PHASE_FORWARD)
    return TRUE;
  /* The stop at layer n has computed a(n) once its pulses have landed
   * (t = 1, as fill_alpha fills it); the input stop is layer 1 at t = 0. */
  return layer < state->layer || (layer == state->layer && state->t >= 1);
}

gboolean
bpv_render_delta_known (const BpvRenderState *state,
                        gsize                 layer)
{
  g_return_val_if_fail (state != NULL, FALSE);

  if (state->trace == NULL || layer == 0)
    return FALSE;
  switch (state->phase)
    {
    case BPV_PHASE_BACKWARD:
      /* The stop at layer n has computed δ(n) from δ(n+1); δ(n−1) is the
       * next stop's (the stepper's bpv_stepper_backward_known). */
      return layer >= state->layer;
    case BPV_PHASE_IDLE:
    case BPV_PHASE_UPDATE:
      return TRUE;
    case BPV_PHASE_FORWARD:
    case BPV_PHASE_COST:
    default:
      return FALSE;
    }
}

double
bpv_render_ring_alpha (const BpvRenderState *state,
                       gsize                 layer)
{
  g_return_val_if_fail (state != NULL, 0);

  if (state->net == NULL || !_bpv_render_trace_usable (state->net, state->trace)
      || !bpv_render_delta_known (state, layer))
    return 0;
  switch (state->phase)
    {
    case BPV_PHASE_BACKWARD:
      /* δ(n) appears as the pass arrives at a(n), before the pulses carry
       * it along W(n) into ∂C/∂W(n). */
      return layer == state->layer ? _bpv_render_smoothstep (0.0, RING_FADE_END, state->t) : 1;
    case BPV_PHASE_IDLE:
    case BPV_PHASE_UPDATE:
      return state->view == BPV_VIEW_GRADIENTS ? 1 : 0;
    default:
      return 0;
    }
}

/* How visible the δ rings of column n are. */
double
_bpv_render_column_ring_alpha (const Paint *p,
                               gsize        n)
{
  if (p->trace == NULL)
    return 0;
  return bpv_render_ring_alpha (p->st, n);
}

/* ----------------------------------------------------------------- entry */

void
_bpv_render_paint_init (Paint                *p,
                        cairo_t              *cr,
                        const BpvLayout      *layout,
                        const BpvRenderState *state)
{
  paint_init_maxima (p, state);
  p->cr = cr;
  p->layout = layout;
  p->tc = bpv_theme_colors (state->theme);
  p->sample = p->trace != NULL ? MIN (state->sample, p->trace->batch - 1) : 0;
  p->font = layout->font_size;
  p->unit = layout->font_size / FONT_UNITS;
  {
    double x0, y0, x1, y1;

    bpv_layout_to_world (layout, 0, 0, &x0, &y0);
    bpv_layout_to_world (layout, layout->params.width, layout->params.height, &x1, &y1);
    p->visible = (BpvRect) { x0, y0, x1 - x0, y1 - y0 };
  }
}

/* A selected or hovered edge: a halo of `color` at halo_alpha,
 * halo_units wide; a neuron: its edges in and out, in `color`. */
static void
emphasise_hit (const Paint  *p,
               const BpvHit *hit,
               BpvRgba       color,
               double        halo_alpha,
               double        halo_units)
{
  if (hit->kind == BPV_HIT_EDGE)
    _bpv_render_emphasise_edge (p, hit->layer, hit->j, hit->k, bpv_rgba_with_alpha (color, halo_alpha),
                                halo_units * p->unit);
  else if (hit->kind == BPV_HIT_SKIP)
    _bpv_render_emphasise_skip (p, hit->layer, bpv_rgba_with_alpha (color, halo_alpha), halo_units * p->unit);
  else
    _bpv_render_emphasise_neuron (p, hit->layer, hit->j, color);
}

void
bpv_network_render (cairo_t              *cr,
                    const BpvLayout      *layout,
                    const BpvRenderState *state)
{
  Paint p;
  gboolean path;

  g_return_if_fail (cr != NULL && layout != NULL && state != NULL && state->net != NULL);
  g_return_if_fail (bpv_layout_fits (layout, state->net));

  _bpv_render_paint_init (&p, cr, layout, state);
  path = state->path_edge.kind == BPV_HIT_EDGE && _bpv_render_hit_valid (&p, &state->path_edge);

  cairo_save (cr);
  bpv_set_source_rgba (cr, p.tc->background);
  cairo_paint (cr);

  _bpv_render_paint_bundles (&p);
  _bpv_render_paint_skips (&p);
  if (path)
    _bpv_render_paint_path (&p);
  p.text = bpv_text_new (cr);

  cairo_save (cr);
  _bpv_render_apply_view (cr, layout);
  if (_bpv_render_hit_valid (&p, &state->selection))
    emphasise_hit (&p, &state->selection, p.tc->selection, SELECTION_HALO_ALPHA, SELECTION_HALO_UNITS);
  if (_bpv_render_hit_valid (&p, &state->hover) && !bpv_hit_equal (&state->hover, &state->selection))
    emphasise_hit (&p, &state->hover, p.tc->hover, HOVER_HALO_ALPHA, HOVER_HALO_UNITS);
  _bpv_render_paint_highlight_edges (&p);
  cairo_restore (cr);

  _bpv_render_paint_pulses (&p);

  cairo_save (cr);
  _bpv_render_apply_view (cr, layout);
  for (gsize n = 0; n < layout->n_columns; n++)
    {
      if (layout->columns[n].kind == BPV_COLUMN_CIRCLES)
        _bpv_render_paint_circles (&p, n);
      else
        _bpv_render_paint_cells (&p, n);
    }
  _bpv_render_paint_dropped (&p);
  _bpv_render_paint_derivatives (&p);
  _bpv_render_paint_highlight_units (&p);

  /* Units at the ends of a hovered or selected edge, the hovered neuron. */
  {
    const BpvHit *marks[3] = { &state->selection, &state->hover, path ? &state->path_edge : NULL };
    BpvRgba colors[3] = { p.tc->selection, p.tc->hover, p.tc->selection };

    for (int i = 0; i < 3; i++)
      {
        const BpvHit *h = marks[i];

        if (h == NULL || !_bpv_render_hit_valid (&p, h))
          continue;
        if (h->kind == BPV_HIT_NEURON)
          _bpv_render_mark_unit (&p, h->layer, h->j, colors[i], NEURON_MARK_UNITS * p.unit);
        else if (h->kind == BPV_HIT_SKIP)
          continue;  /* the arc's halo says it; every unit is on it */
        else
          {
            _bpv_render_mark_unit (&p, h->layer - 1, h->k, colors[i], EDGE_END_MARK_UNITS * p.unit);
            _bpv_render_mark_unit (&p, h->layer, h->j, colors[i], EDGE_END_MARK_UNITS * p.unit);
          }
      }
  }

  /* A selected arc can be taken by its start to another a(j). */
  if (state->selection.kind == BPV_HIT_SKIP && _bpv_render_hit_valid (&p, &state->selection))
    _bpv_render_paint_skip_handle (&p, state->selection.layer);

  /* Labels by priority: each one takes its place only where no label
   * drawn before it is (level of detail). */
  p.placed = g_array_new (FALSE, FALSE, sizeof (BpvRect));
  _bpv_render_paint_labels (&p);
  _bpv_render_paint_fault (&p);
  cairo_restore (cr);

  g_array_unref (p.placed);
  bpv_text_free (p.text);
  cairo_restore (cr);
}

/* ------------------------------------------------------------------ page */

/* The symbol of the stop's layer (W when out of range). */
static const char *
page_layer_symbol (const BpvRenderState *state)
{
  if (state->layer < 1 || state->layer > state->net->n_layers)
    return "W";
  return bpv_render_layer_symbol (&state->net->layers[state->layer - 1]);
}

void
bpv_network_render_page (cairo_t               *cr,
                         const BpvRenderState  *state,
                         const BpvLayoutParams *params,
                         const char            *title,
                         double                 width,
                         double                 height)
{
  const BpvThemeColors *tc;
  BpvLayoutParams lp;
  g_autoptr(BpvLayout) layout = NULL;
  double f, title_h, legend_h, net_h;
  BpvRect legend;

  g_return_if_fail (cr != NULL && state != NULL && state->net != NULL && params != NULL);

  tc = bpv_theme_colors (state->theme);
  f = CLAMP (MIN (width / PAGE_WIDTH_EMS, height / PAGE_HEIGHT_EMS), BPV_TEXT_MIN_SIZE, PAGE_FONT_MAX)
      * (state->text_scale > 0 ? state->text_scale : 1.0);
  title_h = PAGE_TITLE_H_EM * f;
  legend_h = bpv_network_legend_height (state, width - 2 * PAGE_MARGIN_EM * f);
  net_h = MAX (height - title_h - legend_h - PAGE_NET_GAP_EM * f, PAGE_NET_MIN_H);

  cairo_save (cr);
  bpv_set_source_rgba (cr, tc->background);
  cairo_paint (cr);

  {
    BpvText *text = bpv_text_new (cr);
    GString *sub = g_string_new (NULL);
    double tw = 0;

    for (gsize n = 0; n <= state->net->n_layers; n++)
      g_string_append_printf (sub, "%s%" G_GSIZE_FORMAT, n > 0 ? "-" : "",
                              n == 0 ? state->net->n_inputs : state->net->layers[n - 1].out);
    g_string_append (sub, state->view == BPV_VIEW_GRADIENTS ? _(" · gradients") : _(" · weights"));
    if (state->trace != NULL && state->trace->batch > 0)
      g_string_append_printf (sub, _(" · sample %zu of %zu"),
                              MIN (state->sample, state->trace->batch - 1) + 1, state->trace->batch);
    switch (state->phase)
      {
      case BPV_PHASE_FORWARD:
      case BPV_PHASE_BACKWARD:
        g_string_append_printf (sub, state->phase == BPV_PHASE_FORWARD ? _(" · forward through %s(%zu)")
                                                                  : _(" · backward through %s(%zu)"),
                                page_layer_symbol (state), state->layer);
        break;
      case BPV_PHASE_COST:
        g_string_append (sub, _(" · cost"));
        break;
      case BPV_PHASE_UPDATE:
        g_string_append (sub, _(" · update"));
        break;
      case BPV_PHASE_IDLE:
      default:
        break;
      }
    if (title != NULL && *title != '\0')
      {
        g_autofree char *escaped = g_markup_escape_text (title, -1);

        tw = bpv_text_draw (text, escaped, PAGE_MARGIN_EM * f, PAGE_TITLE_Y_EM * f, 0, 0,
                            PAGE_TITLE_EM * f, BPV_TEXT_BOLD, tc->text);
        tw += PAGE_TITLE_GAP_EM * f;
      }
    {
      g_autofree char *escaped = g_markup_escape_text (sub->str, -1);

      bpv_text_draw (text, escaped, PAGE_MARGIN_EM * f + tw,
                     PAGE_TITLE_Y_EM * f + PAGE_TITLE_EM * f * PAGE_SUBTITLE_MIDDLE, 0, 0.5, f,
                     BPV_TEXT_NORMAL, tc->text_muted);
    }
    g_string_free (sub, TRUE);
    bpv_text_free (text);
  }

  lp = *params;
  lp.width = width;
  lp.height = net_h;
  layout = bpv_layout_new (state->net, &lp);
  cairo_save (cr);
  cairo_translate (cr, 0, title_h);
  cairo_rectangle (cr, 0, 0, width, net_h);
  cairo_clip (cr);
  bpv_network_render (cr, layout, state);
  cairo_restore (cr);

  legend = (BpvRect) { PAGE_MARGIN_EM * f, height - legend_h - PAGE_LEGEND_BOTTOM_EM * f,
                       width - 2 * PAGE_MARGIN_EM * f, legend_h };
  bpv_network_render_legend (cr, state, &legend);
  cairo_restore (cr);
}
