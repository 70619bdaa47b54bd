/* test-render-layers.c — the layers beyond dense on the canvas (issue 13):
 * a skip connection's arc, a batch-norm column with one edge per unit and
 * no full bundle, a dropout unit that its mask drops, the tooltips' text
 * and the gradient-norm plot that names γ and leaves dropout out, saying
 * so.  Pixels are read at places the layout gives.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-render.h"

#include <math.h>
#include <string.h>

#include "bp-network.h"
#include "bpv-palette.h"
#include "bpv-plot.h"

/* A batch of 3 samples of 2 inputs and 2 targets for the networks here. */
static const double layers_x[6] = { 0.3, -0.2, -0.5, 0.8, 0.1, 0.4 };
static const double layers_y[6] = { 1, 0, 0, 1, 0.5, 0.5 };

/* 2 → 3 tanh → 3 tanh → 3 tanh (+ a(1)) → 2 sigmoid. */
static BpNetwork *
skip_net (void)
{
  static const gsize widths[] = { 2, 3, 3, 3, 2 };
  BpNetwork *net = make_net (widths, G_N_ELEMENTS (widths), "tanh", "sigmoid");

  assert_true (bp_network_set_skip (net, 2, 1, NULL));
  return net;
}

/* 2 → 4 tanh → batch norm (sigmoid) → 2 sigmoid, the norm inserted by
 * building the network again around it. */
static BpNetwork *
norm_net (BpLayerType type)
{
  BpNetwork *net = bp_network_new (2, NULL);
  BpRng rng;

  assert_true (bp_network_add_layer (net, 4, "tanh", NULL, NULL));
  if (type == BP_LAYER_BATCHNORM)
    assert_true (bp_network_add_batchnorm (net, 1e-5, 0.1, "sigmoid", NULL));
  else if (type == BP_LAYER_LAYERNORM)
    assert_true (bp_network_add_layernorm (net, 1e-5, "sigmoid", NULL));
  else
    assert_true (bp_network_add_dropout (net, 0.5, NULL));
  assert_true (bp_network_add_layer (net, 2, "sigmoid", NULL, NULL));
  bp_rng_init (&rng, 5);
  bp_network_init_weights (net, BP_INIT_GLOROT_UNIFORM, &rng);
  return net;
}

/* Is a pixel of `color` within `tol` in the column of pixels at x from y0
 * to y1? */
static gboolean
column_has (cairo_surface_t *s,
            double           x,
            double           y0,
            double           y1,
            BpvRgba          color,
            int              tol)
{
  guint32 want = bpv_rgba_to_argb32 (color);

  for (double y = y0; y <= y1; y += 1)
    if (y >= 0 && y < cairo_image_surface_get_height (s) && channel_diff (pixel_at (s, x, y), want) <= tol)
      return TRUE;
  return FALSE;
}

void
test_skip_arc (void **unused)
{
  g_autoptr(BpNetwork) net = skip_net ();
  g_autoptr(BpNetwork) plain = skip_net ();
  g_autoptr(BpvLayout) layout = NULL;
  g_autoptr(BpvLayout) plain_layout = NULL;
  g_autoptr(BpTrace) trace = NULL;
  const BpvThemeColors *tc = bpv_theme_colors (BPV_THEME_LIGHT);
  BpvLayoutParams params;
  BpvRenderState state;
  const BpvBundle *b;
  cairo_surface_t *s;
  double mid, peak;

  bpv_layout_params_init (&params, 900, 520);
  layout = bpv_layout_new (net, &params);
  b = &layout->bundles[3];
  assert_int_equal (b->skip_from, 1);
  assert_int_equal (b->kind, BPV_BUNDLE_EDGES);
  assert_int_equal (layout->bundles[2].skip_from, -1);
  /* The arc goes over column 2, between the headers and the columns. */
  peak = b->arc_peak_y;
  assert_true (peak < layout->columns[1].bounds.y && peak < layout->columns[3].bounds.y);
  assert_true (peak > layout->columns[1].header.y + layout->columns[1].header.height);

  /* Without the skip the columns start higher: no room is kept for arcs. */
  assert_true (bp_network_set_skip (plain, 2, -1, NULL));
  plain_layout = bpv_layout_new (plain, &params);
  assert_false (bpv_layout_fits (layout, plain));
  assert_true (plain_layout->columns[2].bounds.y < layout->columns[2].bounds.y);

  /* Weights view: the arc in the muted text colour at its peak, over the
   * skipped column (a(1) → a(3) passes over a(2)). */
  bpv_render_state_init (&state, net, NULL);
  s = paint (layout, &state);
  mid = (layout->columns[1].x + layout->columns[3].x) / 2;
  assert_true (column_has (s, mid, peak - 4, peak + 4, tc->text_muted, 24));
  cairo_surface_destroy (s);

  /* Gradients view after a pass: the theme's selection colour, its own. */
  trace = run_pass (net, layers_x, layers_y, 3);
  bpv_render_state_init (&state, net, trace);
  state.view = BPV_VIEW_GRADIENTS;
  s = paint (layout, &state);
  assert_false (column_has (s, mid, peak - 4, peak + 4, tc->text_muted, 4));
  {
    gboolean found = FALSE;

    /* Its opacity follows the gradient: look for the hue, not the value. */
    for (double y = peak - 6; y <= peak + 6 && !found; y += 1)
      {
        guint32 px = pixel_at (s, mid, y);
        guint32 bg = bpv_rgba_to_argb32 (tc->background);

        found = channel_diff (px, bg) > 8;
      }
    assert_true (found);
  }
  cairo_surface_destroy (s);
}

void
test_norm_column (void **unused)
{
  BpLayerType types[] = { BP_LAYER_BATCHNORM, BP_LAYER_LAYERNORM };

  for (gsize t = 0; t < G_N_ELEMENTS (types); t++)
    {
      g_autoptr(BpNetwork) net = norm_net (types[t]);
      g_autoptr(BpvLayout) layout = NULL;
      g_autoptr(BpTrace) trace = NULL;
      g_autofree char *tip = NULL;
      const BpvBundle *b;
      const BpvThemeColors *tc = bpv_theme_colors (BPV_THEME_LIGHT);
      BpvLayoutParams params;
      BpvRenderState state;
      BpvHit hit;
      cairo_surface_t *s;
      double x, y;

      bpv_layout_params_init (&params, 900, 520);
      layout = bpv_layout_new (net, &params);
      b = &layout->bundles[2];
      /* γ: one edge per unit, never the 4 × 4 bundle. */
      assert_int_equal (b->kind, BPV_BUNDLE_ONE_TO_ONE);
      assert_int_equal (b->n_edges, 4);

      trace = run_pass (net, layers_x, layers_y, 3);
      bpv_render_state_init (&state, net, trace);
      s = paint (layout, &state);
      /* The edge from unit 1 to unit 1 is there; where the edge from unit
       * 3 to unit 0 would cross the gap (its middle, between the rows of
       * units 1 and 2) is background. */
      edge_midpoint (layout, 2, 1, 1, 0.5, &x, &y);
      assert_true (channel_diff (pixel_at (s, x, y), bpv_rgba_to_argb32 (tc->background)) > 8);
      assert_true (bpv_layout_hit_test (layout, x, y, &hit));
      assert_true (hit.kind == BPV_HIT_EDGE && hit.layer == 2 && hit.j == 1 && hit.k == 1);
      edge_midpoint (layout, 2, 0, 3, 0.5, &x, &y);
      assert_color (pixel_at (s, x, y), bpv_rgba_to_argb32 (tc->background), "no crossing edge");
      cairo_surface_destroy (s);

      /* The tooltip says γ and β, not W. */
      hit = (BpvHit) { BPV_HIT_EDGE, 2, 2, 2 };
      tip = bpv_render_describe_hit (&state, &hit);
      assert_non_null (tip);
      assert_non_null (strstr (tip, "γ(2)"));
      assert_non_null (strstr (tip, "β = "));
      hit.k = 1;
      assert_null (bpv_render_describe_hit (&state, &hit));
      assert_string_equal (bpv_render_layer_symbol (&net->layers[1]), "γ");
    }
}

void
test_dropped_unit (void **unused)
{
  g_autoptr(BpNetwork) net = norm_net (BP_LAYER_DROPOUT);
  g_autoptr(BpvLayout) layout = NULL;
  g_autoptr(BpTrace) trace = NULL;
  g_autofree char *dropped_tip = NULL, *kept_tip = NULL;
  static const double mask[12] = { 1, 0, 1, 1,  0, 1, 1, 1,  1, 1, 0, 1 };
  const BpvThemeColors *tc = bpv_theme_colors (BPV_THEME_LIGHT);
  BpvLayoutParams params;
  BpvRenderState state;
  BpvHit hit;
  cairo_surface_t *s;
  const BpvColumn *c;
  double r;

  assert_true (bp_network_set_mask (net, 1, mask, 3, NULL));
  bpv_layout_params_init (&params, 900, 520);
  layout = bpv_layout_new (net, &params);
  assert_int_equal (layout->bundles[2].kind, BPV_BUNDLE_ONE_TO_ONE);
  trace = run_pass (net, layers_x, layers_y, 3);
  bpv_render_state_init (&state, net, trace);
  s = paint (layout, &state);
  c = &layout->columns[2];
  r = c->radius;
  /* Sample 1 drops unit 1: its centre is under the cross (muted ink); a
   * point off the cross but inside is veiled grey, not a(2)'s fill. */
  assert_color (pixel_at (s, c->ux[1], c->uy[1]), bpv_rgba_to_argb32 (tc->text_muted), "the cross");
  assert_true (channel_diff (pixel_at (s, c->ux[1], c->uy[1] + 0.5 * r),
                             pixel_at (s, c->ux[0], c->uy[0] + 0.5 * r)) > 8);
  assert_true (channel_diff (pixel_at (s, c->ux[0], c->uy[0]), bpv_rgba_to_argb32 (tc->text_muted)) > 8);
  cairo_surface_destroy (s);

  /* Sample 2 drops unit 0 instead: the mask of the sample shown. */
  state.sample = 1;
  s = paint (layout, &state);
  assert_color (pixel_at (s, c->ux[0], c->uy[0]), bpv_rgba_to_argb32 (tc->text_muted), "sample 2's cross");
  assert_true (channel_diff (pixel_at (s, c->ux[1], c->uy[1]), bpv_rgba_to_argb32 (tc->text_muted)) > 8);
  cairo_surface_destroy (s);

  hit = (BpvHit) { BPV_HIT_NEURON, 2, 0, 0 };
  dropped_tip = bpv_render_describe_hit (&state, &hit);
  assert_non_null (strstr (dropped_tip, "dropped"));
  hit.j = 1;
  kept_tip = bpv_render_describe_hit (&state, &hit);
  assert_non_null (strstr (kept_tip, "kept"));
}

void
test_every_type_drawable (void **unused)
{
  g_autoptr(BpNetwork) net = norm_net (BP_LAYER_BATCHNORM);
  g_autoptr(GError) error = NULL;

  assert_true (bpv_layout_check_drawable (net, &error));
  assert_null (error);
  /* A type this canvas does not know is refused, naming the layer. */
  net->layers[1].type = (BpLayerType) 99;
  assert_false (bpv_layout_check_drawable (net, &error));
  assert_non_null (strstr (error->message, "layer 2"));
  net->layers[1].type = BP_LAYER_BATCHNORM;
}

/* The plot names γ(n), and says that dropout has no line. */
void
test_grad_norm_names (void **unused)
{
  static const double norms[] = { 0.1, 0.2, 0, 0.3,  0.1, 0.2, 0, 0.3 };
  static const char *const names[] = { "W(1)", "γ(2)", NULL, "W(4)" };
  BpvRect rect = { 0, 0, 640, 360 };
  BpvPlotStyle style;
  cairo_surface_t *with, *without;
  cairo_t *cr;
  const unsigned char *a, *b;
  gsize bytes;

  bpv_plot_style_init (&style);
  with = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 640, 360);
  cr = cairo_create (with);
  style.layer_names = names;
  bpv_plot_grad_norms (cr, &rect, norms, 2, 4, 1, &style);
  assert_int_equal (cairo_status (cr), CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  without = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 640, 360);
  cr = cairo_create (without);
  style.layer_names = NULL;
  bpv_plot_grad_norms (cr, &rect, norms, 2, 4, 1, &style);
  cairo_destroy (cr);
  cairo_surface_flush (with);
  cairo_surface_flush (without);
  /* Without the names dropout's zero would be a vanishing W(3): the two
   * pictures differ. */
  a = cairo_image_surface_get_data (with);
  b = cairo_image_surface_get_data (without);
  bytes = (gsize) cairo_image_surface_get_stride (with) * 360;
  assert_true (memcmp (a, b, bytes) != 0);
  cairo_surface_destroy (with);
  cairo_surface_destroy (without);
}

/* The point of the skip arc into a(n) halfway along, widget units: a
 * cubic's midpoint is (p0 + 3 p1 + 3 p2 + p3) / 8. */
static void
arc_middle (const BpvLayout *layout,
            gsize            n,
            double          *wx,
            double          *wy)
{
  double x[4], y[4];

  assert_true (bpv_layout_skip_arc (layout, n, x, y));
  bpv_layout_to_widget (layout, (x[0] + 3 * x[1] + 3 * x[2] + x[3]) / 8,
                        (y[0] + 3 * y[1] + 3 * y[2] + y[3]) / 8, wx, wy);
}

/* The arc hit-tests where it is drawn (as the skip into a(3) from a(1)),
 * zoomed and panned too; neurons still win; its bounds enclose it; the
 * tooltip says what it adds and, in the gradients view, what flows back. */
void
test_skip_arc_hit (void **unused)
{
  g_autoptr(BpNetwork) net = skip_net ();
  g_autoptr(BpvLayout) layout = NULL;
  g_autoptr(BpTrace) trace = NULL;
  const BpvThemeColors *tc = bpv_theme_colors (BPV_THEME_LIGHT);
  BpvLayoutParams params;
  BpvRenderState state;
  BpvHit hit = BPV_HIT_INIT, skip = { BPV_HIT_SKIP, 3, 1, 0 };
  BpvRect r;
  cairo_surface_t *plain, *selected;
  double wx, wy, x[4], y[4];
  g_autofree char *text = NULL, *grads = NULL, *want = NULL;

  bpv_layout_params_init (&params, 900, 520);
  layout = bpv_layout_new (net, &params);
  assert_false (bpv_layout_skip_arc (layout, 2, x, y));
  arc_middle (layout, 3, &wx, &wy);
  assert_true (bpv_layout_hit_test (layout, wx, wy, &hit));
  assert_true (bpv_hit_equal (&hit, &skip));
  /* A few units off the line still hits; far above it does not. */
  assert_true (bpv_layout_hit_test (layout, wx, wy + 3, &hit));
  assert_int_equal (hit.kind, BPV_HIT_SKIP);
  assert_false (bpv_layout_hit_test (layout, wx, wy - 40, &hit) && hit.kind == BPV_HIT_SKIP);
  assert_true (bpv_layout_hit_bounds (layout, &skip, &r));
  assert_true (wx >= r.x && wx <= r.x + r.width && wy >= r.y && wy <= r.y + r.height);
  /* A skip that is not there has no bounds. */
  skip.j = 2;
  assert_false (bpv_layout_hit_bounds (layout, &skip, &r));
  skip.j = 1;
  /* The arc's ends sit over unit circles' columns: a neuron wins there. */
  bpv_layout_neuron_center (layout, 3, 0, &wx, &wy);
  assert_true (bpv_layout_hit_test (layout, wx, wy, &hit));
  assert_int_equal (hit.kind, BPV_HIT_NEURON);

  bpv_layout_set_view (layout, 1.7, -120, 35);
  arc_middle (layout, 3, &wx, &wy);
  assert_true (bpv_layout_hit_test (layout, wx, wy, &hit));
  assert_true (bpv_hit_equal (&hit, &skip));
  bpv_layout_set_view (layout, 1, 0, 0);

  /* Tooltips. */
  bpv_render_state_init (&state, net, NULL);
  text = bpv_render_describe_hit (&state, &skip);
  assert_string_equal (text, "skip: a(1) added to a(3)");
  trace = run_pass (net, layers_x, layers_y, 3);
  bpv_render_state_init (&state, net, trace);
  state.view = BPV_VIEW_GRADIENTS;
  state.sample = 1;
  {
    const double *g = bp_trace_dC_da (trace, 2, 1);
    double rms = sqrt ((g[0] * g[0] + g[1] * g[1] + g[2] * g[2]) / 3);

    want = g_strdup_printf ("skip: a(1) added to a(3)   rms ∂C/∂a(3) = %.3g flows back into ∂C/∂a(1)", rms);
  }
  grads = bpv_render_describe_hit (&state, &skip);
  assert_string_equal (grads, want);
  skip.j = 2;
  assert_null (bpv_render_describe_hit (&state, &skip));
  skip.j = 1;

  /* Selected, the arc has a halo in the selection colour at its middle. */
  plain = paint (layout, &state);
  state.selection = skip;
  selected = paint (layout, &state);
  arc_middle (layout, 3, &wx, &wy);
  {
    gsize differ = 0;

    /* Beyond the arc's own width (up to 8 line units), within the halo. */
    for (double dy = -9; dy <= 9; dy += 1)
      differ += pixel_at (plain, wx, wy + dy) != pixel_at (selected, wx, wy + dy);
    assert_true (differ >= 3);
  }
  (void) tc;
  cairo_surface_destroy (plain);
  cairo_surface_destroy (selected);
}

/* The legend's caption for `st` is `want`. */
static void
assert_caption (const BpvRenderState *st,
                const char           *want)
{
  g_autofree char *caption = bpv_render_legend_caption (st);

  assert_string_equal (caption, want);
}

/* The legend's caption names a norm layer's bundle γ(n), not W(n), and
 * leaves dropout's mask out. */
void
test_legend_names_gamma (void **unused)
{
  g_autoptr(BpNetwork) net = norm_net (BP_LAYER_BATCHNORM);
  g_autoptr(BpNetwork) drop = norm_net (BP_LAYER_DROPOUT);
  g_autoptr(BpTrace) trace = run_pass (net, layers_x, layers_y, 3);
  g_autoptr(BpTrace) drop_trace = run_pass (drop, layers_x, layers_y, 3);
  BpvRenderState st;

  bpv_render_state_init (&st, net, trace);
  assert_caption (&st, "W(n), γ(n) · scaled per layer");
  st.view = BPV_VIEW_GRADIENTS;
  assert_caption (&st, "∂C/∂W(n), ∂C/∂γ(n), log |·| over 4 decades · scaled per layer");

  st.view = BPV_VIEW_WEIGHTS;
  st.phase = BPV_PHASE_BACKWARD;
  st.layer = 3;
  st.t = 1;
  assert_caption (&st, "W(1), γ(2) weights, ∂C/∂W(3) gradients (log |·|) · scaled per layer");
  st.layer = 2;
  assert_caption (&st, "W(1) weights, ∂C/∂γ(2), ∂C/∂W(3) gradients (log |·|) · scaled per layer");

  bpv_render_state_init (&st, drop, drop_trace);
  st.phase = BPV_PHASE_BACKWARD;
  st.layer = 3;
  st.t = 1;
  assert_caption (&st, "W(1) weights, ∂C/∂W(3) gradients (log |·|) · scaled per layer");
}
