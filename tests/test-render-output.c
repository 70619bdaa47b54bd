/* test-render-output.c — what the drawing layer makes besides the
 * network: heat maps, plots, PNG/SVG/PDF export, the fault markers and the
 * tooltips' text (bpv_render_describe_hit).  Part of the test-render
 * program (test-render.h).
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
#include <glib/gstdio.h>

#include "bp-network.h"
#include "bpv-export.h"
#include "bpv-heatmap.h"
#include "bpv-layout.h"
#include "bpv-palette.h"
#include "bpv-plot.h"
#include "bpv-render.h"

/* ----------------------------------------------------------- heat maps */

void
test_heatmap (void **unused)
{
  const gsize widths[] = { 2, 8, 8, 1 };
  g_autoptr(BpNetwork) net = make_net (widths, 4, "tanh", "sigmoid");
  g_autoptr(BpvDecisionMap) exact = bpv_decision_map_new (200, 200);
  g_autoptr(BpvDecisionMap) fast = bpv_decision_map_new (200, 200);
  g_autoptr(BpvNeuronMaps) maps = bpv_neuron_maps_new (net, 24);
  BpvPlane plane = { -2, 2, -1.5, 1.5 };
  double worst = 0, out[1], scratch[64], xy[2];
  gsize disagree = 0;

  /* Sharpen it so that there is a boundary to find. */
  for (gsize i = 0; i < net->n_params; i++)
    net->params[i] *= 3;
  exact->exact = TRUE;
  assert_true (bpv_heatmap_compute (net, &plane, exact, NULL, NULL));
  assert_true (bpv_heatmap_compute (net, &plane, fast, maps, NULL));
  assert_int_equal (exact->n_evaluated, 200 * 200);
  assert_true (fast->n_evaluated < 200 * 200 / 2);
  assert_true (exact->v_min < 0.5 && exact->v_max > 0.5);

  for (gsize i = 0; i < 200 * 200; i++)
    {
      worst = MAX (worst, fabs (exact->values[i] - fast->values[i]));
      if ((exact->values[i] < 0.5) != (fast->values[i] < 0.5))
        disagree++;
    }
  assert_true (worst < 0.03);
  assert_int_equal (disagree, 0);

  /* A grid point of each kind against a direct forward pass. */
  assert_true (bp_network_scratch_size (net) <= G_N_ELEMENTS (scratch));
  xy[0] = -2 + (17 + 0.5) * 4.0 / 200;
  xy[1] = 1.5 - (123 + 0.5) * 3.0 / 200;
  bp_network_predict (net, xy, out, scratch);
  assert_true (fabs (exact->values[123 * 200 + 17] - out[0]) < 1e-12);
  xy[0] = -2 + (5 + 0.5) * 4.0 / 24;
  xy[1] = 1.5 - (20 + 0.5) * 3.0 / 24;
  bp_network_predict (net, xy, out, scratch);
  assert_true (fabs (maps->maps[2][20 * 24 + 5] - out[0]) < 1e-12);
  assert_true (maps->max_abs[0] > 0 && maps->max_abs[0] <= 1);

  /* A network of 3 inputs has no plane. */
  {
    const gsize w3[] = { 3, 2 };
    g_autoptr(BpNetwork) net3 = make_net (w3, 2, "tanh", "tanh");

    assert_false (bpv_heatmap_compute (net3, &plane, fast, NULL, NULL));
  }

  /* Drawn: the map fills the plot, the boundary is drawn. */
  {
    cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 400, 400);
    cairo_t *cr = cairo_create (s);
    BpvRect rect = { 0, 0, 400, 400 };
    BpvDecisionStyle style;

    bpv_decision_style_init (&style);
    style.show_axes = FALSE;
    bpv_decision_map_render (cr, &rect, exact, NULL, NULL, &style);
    assert_int_equal (cairo_status (cr), CAIRO_STATUS_SUCCESS);
    cairo_destroy (cr);
    /* Some pixel is blue-ish and some orange-ish. */
    {
      gboolean blue = FALSE, orange = FALSE;

      for (int yy = 5; yy < 395; yy += 7)
        for (int xx = 5; xx < 395; xx += 7)
          {
            guint32 p = pixel_at (s, xx, yy);
            int r = (p >> 16) & 0xff, b = p & 0xff;

            blue |= b > r + 40;
            orange |= r > b + 40;
          }
      assert_true (blue && orange);
    }
    cairo_surface_destroy (s);
  }
}

/* --------------------------------------------------------------- plots */

/* Counts pixels within ±3 of `c` over `rect`. */
static gsize
count_color (cairo_surface_t *s,
             guint32          c)
{
  gsize n = 0;
  int w = cairo_image_surface_get_width (s), h = cairo_image_surface_get_height (s);

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      if (channel_diff (pixel_at (s, x, y), c) <= 3)
        n++;
  return n;
}

void
test_plots (void **unused)
{
  const gsize R = 40, L = 3;
  g_autofree double *norms = g_new (double, R * L);
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 800, 480);
  BpvRect rect = { 0, 0, 800, 480 };
  const BpvThemeColors *tc = bpv_theme_colors (BPV_THEME_LIGHT);
  guint32 band = bpv_rgba_to_argb32 (bpv_rgba_mix (tc->panel, tc->warning, 0.22));
  BpvPlotStyle style;
  cairo_t *cr;
  gsize with_band, healthy_band;

  bpv_plot_style_init (&style);
  /* Layer 1 vanishes towards the end. */
  for (gsize r = 0; r < R; r++)
    {
      norms[r * L + 0] = 1e-2 * pow (1e-3, (double) r / (R - 1));
      norms[r * L + 1] = 0.5;
      norms[r * L + 2] = 0.8;
    }
  cr = cairo_create (s);
  bpv_plot_grad_norms (cr, &rect, norms, R, L, 10, &style);
  assert_int_equal (cairo_status (cr), CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  with_band = count_color (s, band);

  for (gsize r = 0; r < R; r++)
    norms[r * L + 0] = 0.3;
  cr = cairo_create (s);
  bpv_plot_grad_norms (cr, &rect, norms, R, L, 10, &style);
  cairo_destroy (cr);
  healthy_band = count_color (s, band);
  print_message ("band pixels: %zu with a vanishing layer, %zu without\n", with_band, healthy_band);
  /* The band covers a good part of the plot; without it, only the
   * anti-aliased edges of lines happen to have that colour. */
  assert_true (with_band > 20000);
  assert_true (healthy_band * 50 < with_band);

  /* Histogram, loss and accuracy paint and leave cairo happy. */
  {
    BpEpochStats st[5];
    double v[500];

    for (int i = 0; i < 500; i++)
      v[i] = sin (i * 0.37) * (i % 7 == 0 ? -1 : 1);
    v[3] = NAN;
    for (guint e = 0; e < 5; e++)
      st[e] = (BpEpochStats) { e + 1, (e + 1) * 10, 1.0 / (e + 1), 0.5 + 0.1 * e, 1.2 / (e + 1), 0.45 + 0.1 * e };
    cr = cairo_create (s);
    bpv_plot_histogram (cr, &rect, v, 500, 0, "W(2)", &style);
    bpv_plot_loss (cr, &rect, st, 5, &style);
    bpv_plot_accuracy (cr, &rect, st, 5, &style);
    bpv_plot_loss (cr, &rect, st, 0, &style);
    assert_int_equal (cairo_status (cr), CAIRO_STATUS_SUCCESS);
    cairo_destroy (cr);
  }
  cairo_surface_destroy (s);
}

/* The columns that are the accent colour over at least `min` pixels: their
 * number in *n_columns, their mean x returned (-1 when none). */
double
accent_columns (cairo_surface_t *s,
                int              min,
                int             *n_columns)
{
  guint32 accent = bpv_rgba_to_argb32 (bpv_theme_colors (BPV_THEME_LIGHT)->accent);
  int w = cairo_image_surface_get_width (s), h = cairo_image_surface_get_height (s);
  double sum = 0;

  *n_columns = 0;
  for (int x = 0; x < w; x++)
    {
      int n = 0;

      for (int y = 0; y < h; y++)
        n += channel_diff (pixel_at (s, x, y), accent) <= 3;
      if (n >= min)
        {
          sum += x;
          (*n_columns)++;
        }
    }
  return *n_columns > 0 ? sum / *n_columns : -1;
}

/* Paints the norms plot (kind 0) or the accuracy plot (kind 1) marked at
 * `mark_x` (NAN: unmarked) and finds the marker's column. */
static double
marked_column (int     kind,
               double  mark_x,
               int    *n_columns)
{
  const gsize R = 40, L = 2;
  double norms[40 * 2];
  BpEpochStats st[5];
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 800, 480);
  BpvRect rect = { 0, 0, 800, 480 };
  BpvPlotStyle style;
  cairo_t *cr = cairo_create (s);
  double x;

  for (gsize r = 0; r < R; r++)
    {
      norms[r * L + 0] = 0.1 + 0.01 * r;
      norms[r * L + 1] = 0.5;
    }
  for (guint e = 0; e < 5; e++)
    st[e] = (BpEpochStats) { e + 1, (e + 1) * 10, 1.0 / (e + 1), 0.5 + 0.1 * e, 1.2 / (e + 1), 0.45 + 0.1 * e };
  bpv_plot_style_init (&style);
  style.mark = !isnan (mark_x);
  style.mark_x = mark_x;
  style.mark_label = "step 260";
  if (kind == 0)
    bpv_plot_grad_norms (cr, &rect, norms, R, L, 10, &style);
  else
    bpv_plot_accuracy (cr, &rect, st, 5, &style);
  assert_int_equal (cairo_status (cr), CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  cairo_surface_flush (s);
  /* The data area is over 250 pixels high; a line or the label crosses a
   * column over far fewer. */
  x = accent_columns (s, 200, n_columns);
  cairo_surface_destroy (s);
  return x;
}

/* The timeline's marker: a thin column of accent pixels at the shown step
 * (norms, x = steps 10 … 400) or epoch (accuracy, x = epochs 1 … 5), at
 * the place the x axis gives it, and nothing when unmarked or off the
 * axis. */
void
test_plot_marker (void **unused)
{
  for (int kind = 0; kind < 2; kind++)
    {
      double lo = kind == 0 ? 10 : 1, hi = kind == 0 ? 400 : 5;
      double x_lo, x_hi, x_mid, x_quarter;
      int n;

      marked_column (kind, NAN, &n);
      assert_int_equal (n, 0);
      marked_column (kind, hi + (hi - lo), &n);
      assert_int_equal (n, 0);
      x_lo = marked_column (kind, lo, &n);
      assert_true (n >= 1 && n <= 4);
      x_hi = marked_column (kind, hi, &n);
      assert_true (n >= 1 && n <= 4);
      x_mid = marked_column (kind, (lo + hi) / 2, &n);
      assert_true (n >= 2 && n <= 4);
      x_quarter = marked_column (kind, lo + (hi - lo) / 4, &n);
      assert_true (n >= 2 && n <= 4);
      print_message ("marker (%s): x %.1f at the first, %.1f mid, %.1f a quarter, %.1f at the last\n",
                     kind == 0 ? "norms" : "accuracy", x_lo, x_mid, x_quarter, x_hi);
      /* Ends clipped to the data area lose half the marker: ±1.5 px. */
      assert_true (x_hi - x_lo > 400);
      assert_true (fabs (x_mid - (x_lo + x_hi) / 2) <= 1.5);
      assert_true (fabs (x_quarter - (x_lo + (x_hi - x_lo) / 4)) <= 1.5);
    }
}

/* -------------------------------------------------------------- export */

typedef struct
{
  BpvRenderState  *state;
  BpvLayoutParams *params;
} Page;

static void
paint_page (cairo_t  *cr,
            double    width,
            double    height,
            gpointer  data)
{
  Page *page = data;

  bpv_network_render_page (cr, page->state, page->params, "tiny", width, height);
}

void
test_export (void **unused)
{
  g_autoptr(BpNetwork) net = tiny_net ();
  g_autoptr(BpTrace) trace = run_pass (net, tiny_x, tiny_y, 3);
  g_autofree char *dir = g_dir_make_tmp ("test-render-XXXXXX", NULL);
  const char *names[] = { "net.png", "net.svg", "net.pdf" };
  BpvLayoutParams params;
  BpvRenderState state;
  Page page = { &state, &params };
  g_autoptr(GError) error = NULL;
  BpvFormat format;

  assert_non_null (dir);
  bpv_render_state_init (&state, net, trace);
  state.view = BPV_VIEW_GRADIENTS;
  bpv_layout_params_init (&params, 800, 450);

  for (int i = 0; i < 3; i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);
      g_autofree char *contents = NULL;
      gsize len = 0;

      assert_true (bpv_format_from_path (path, &format, NULL));
      assert_int_equal (format, i);
      assert_true (bpv_export (path, format, 800, 450, 1, paint_page, &page, &error));
      assert_null (error);
      assert_true (g_file_get_contents (path, &contents, &len, NULL));
      assert_true (len > 100);
      switch (i)
        {
        case 0:
          {
            cairo_surface_t *back;

            assert_memory_equal (contents, "\x89PNG\r\n\x1a\n", 8);
            back = cairo_image_surface_create_from_png (path);
            assert_int_equal (cairo_surface_status (back), CAIRO_STATUS_SUCCESS);
            assert_int_equal (cairo_image_surface_get_width (back), 800);
            assert_int_equal (cairo_image_surface_get_height (back), 450);
            cairo_surface_destroy (back);
          }
          break;
        case 1:
          assert_true (g_str_has_prefix (contents, "<?xml"));
          assert_non_null (strstr (contents, "<svg"));
          break;
        case 2:
          assert_true (g_str_has_prefix (contents, "%PDF-"));
          break;
        }
      g_unlink (path);
    }

  /* Errors name the file. */
  assert_false (bpv_format_from_path ("net.jpeg", &format, &error));
  assert_true (g_error_matches (error, BPV_EXPORT_ERROR, BPV_EXPORT_ERROR_FORMAT));
  assert_non_null (strstr (error->message, "net.jpeg"));
  g_clear_error (&error);
  {
    g_autofree char *bad = g_build_filename (dir, "no-such-dir", "x.png", NULL);

    assert_false (bpv_export (bad, BPV_FORMAT_PNG, 64, 64, 1, paint_page, &page, &error));
    assert_true (g_error_matches (error, BPV_EXPORT_ERROR, BPV_EXPORT_ERROR_WRITE));
    assert_non_null (strstr (error->message, "x.png"));
    g_clear_error (&error);
  }
  g_rmdir (dir);
}

void
test_describe_hit (void **unused)
{
  g_autoptr(BpNetwork) net = tiny_net ();
  g_autoptr(BpTrace) trace = run_pass (net, tiny_x, tiny_y, 3);
  BpvRenderState state;
  BpvHit edge = { BPV_HIT_EDGE, 2, 1, 2 }, neuron = { BPV_HIT_NEURON, 1, 0, 0 };
  BpvHit none = BPV_HIT_INIT, bad = { BPV_HIT_EDGE, 3, 0, 0 };
  g_autofree char *e = NULL, *n = NULL;

  bpv_render_state_init (&state, net, trace);
  e = bpv_render_describe_hit (&state, &edge);
  n = bpv_render_describe_hit (&state, &neuron);
  assert_non_null (e);
  assert_non_null (strstr (e, "W(2)₂₃ = 0.25"));
  assert_non_null (n);
  assert_true (g_str_has_prefix (n, "a(1)₁ = "));
  assert_null (bpv_render_describe_hit (&state, &none));
  assert_null (bpv_render_describe_hit (&state, &bad));
}

/* A tooltip never shows "-0": a weight of −0 and a δ of −0 (a dead relu
 * passes −0 back) read as 0. */
void
test_describe_hit_no_negative_zero (void **unused)
{
  g_autoptr(BpNetwork) net = tiny_net ();
  g_autoptr(BpTrace) trace = run_pass (net, tiny_x, tiny_y, 3);
  BpvRenderState state;
  BpvHit edge = { BPV_HIT_EDGE, 2, 1, 2 }, neuron = { BPV_HIT_NEURON, 1, 0, 0 };
  g_autofree char *e = NULL, *n = NULL;
  BpLayer *L = &net->layers[1];

  L->W[1 * L->in + 2] = -0.0;
  L->dW[1 * L->in + 2] = -0.0;
  trace->dC_dz[0][0] = -0.0;
  bpv_render_state_init (&state, net, trace);
  e = bpv_render_describe_hit (&state, &edge);
  n = bpv_render_describe_hit (&state, &neuron);
  if (strstr (e, "-0") != NULL || strstr (e, "−0") != NULL)
    fail_msg ("the tooltip shows a negative zero: %s", e);
  assert_non_null (strstr (e, "W(2)₂₃ = 0   ∂C/∂W = 0"));
  if (strstr (n, "δ = -0") != NULL)
    fail_msg ("the tooltip shows a negative zero: %s", n);
  assert_non_null (strstr (n, "δ = 0"));
}

/* ------------------------------------------------------------- faults */

/* Pixels of the fault colour (±3 per channel) in a box of widget units. */
static int
count_fault_pixels (cairo_surface_t *surface,
                    BpvTheme         theme,
                    double           x0,
                    double           y0,
                    double           x1,
                    double           y1)
{
  guint32 want = bpv_rgba_to_argb32 (bpv_theme_colors (theme)->fault);
  int w = cairo_image_surface_get_width (surface), h = cairo_image_surface_get_height (surface);
  int n = 0;

  for (int y = MAX (0, (int) y0); y < MIN (h, (int) y1); y++)
    for (int x = MAX (0, (int) x0); x < MIN (w, (int) x1); x++)
      n += channel_diff (pixel_at (surface, x, y), want) <= 3;
  return n;
}

/* The marker of a fault changes the pixels around the value at fault, in
 * the fault colour, and nothing far from it; the same for a weight (along
 * its edge), for the input (its whole column) and in the dark theme. */
void
test_fault_marker (void **unused)
{
  g_autoptr(BpNetwork) net = tiny_net ();
  g_autoptr(BpTrace) trace = run_pass (net, tiny_x, tiny_y, 3);
  g_autoptr(BpvLayout) layout = NULL;
  BpvLayoutParams params;
  BpvRenderState state;
  cairo_surface_t *plain, *marked;
  const BpTrainFault z_fault = { .kind = BP_TRAIN_FAULT_Z, .layer = 1, .unit = 2, .sample = 1,
                                 .step = 6, .value = NAN, .from = NAN, .target = NAN };
  BpvHit hit;
  double cx, cy, r, ox, oy;
  int before, after;

  bpv_layout_params_init (&params, 800, 450);
  layout = bpv_layout_new (net, &params);
  r = layout->columns[1].radius * layout->params.zoom;
  bpv_render_state_init (&state, net, trace);
  assert_int_equal (state.fault.kind, BP_TRAIN_FAULT_NONE);   /* the default: no marker */
  plain = paint (layout, &state);

  /* z(1)₂ is NaN: a(1)₂ is the neuron marked (and selected by the app). */
  assert_true (bpv_render_fault_hit (&z_fault, &hit));
  assert_int_equal (hit.kind, BPV_HIT_NEURON);
  assert_int_equal (hit.layer, 1);
  assert_int_equal (hit.j, 1);
  state.fault = z_fault;
  marked = paint (layout, &state);
  bpv_layout_neuron_center (layout, 1, 1, &cx, &cy);
  before = count_fault_pixels (plain, BPV_THEME_LIGHT, cx - 2 * r, cy - 2 * r, cx + 2 * r, cy + 2 * r);
  after = count_fault_pixels (marked, BPV_THEME_LIGHT, cx - 2 * r, cy - 2 * r, cx + 2 * r, cy + 2 * r);
  print_message ("fault ring: %d → %d pixels of the fault colour (radius %.1f)\n", before, after, r);
  assert_int_equal (before, 0);
  assert_true (after > 2 * G_PI * r);   /* at least a one-pixel ring all round */
  /* The ring is around the neuron: its fill at the centre stays. */
  assert_color (pixel_at (marked, cx, cy), pixel_at (plain, cx, cy), "centre of the neuron");
  /* Nothing changes far from it: the other neurons of the layer, the output. */
  bpv_layout_neuron_center (layout, 1, 0, &ox, &oy);
  assert_color (pixel_at (marked, ox, oy), pixel_at (plain, ox, oy), "a(1)₁");
  bpv_layout_neuron_center (layout, 2, 1, &ox, &oy);
  assert_color (pixel_at (marked, ox, oy), pixel_at (plain, ox, oy), "a(2)₂");
  cairo_surface_destroy (marked);

  /* ∂C/∂W(2)[2,3] is +Inf: the edge W(2)₂₃ from a(1)₃ to a(2)₂. */
  {
    const BpTrainFault w_fault = { .kind = BP_TRAIN_FAULT_GRAD_W, .layer = 2, .unit = 2, .input = 3,
                                   .step = 6, .value = INFINITY, .from = NAN, .target = NAN };
    double ex, ey;

    assert_true (bpv_render_fault_hit (&w_fault, &hit));
    assert_int_equal (hit.kind, BPV_HIT_EDGE);
    assert_int_equal (hit.layer, 2);
    assert_int_equal (hit.j, 1);
    assert_int_equal (hit.k, 2);
    state.fault = w_fault;
    marked = paint (layout, &state);
    edge_midpoint (layout, 2, 1, 2, 0.3, &ex, &ey);
    assert_int_equal (count_fault_pixels (plain, BPV_THEME_LIGHT, ex - 2, ey - 2, ex + 3, ey + 3), 0);
    assert_true (count_fault_pixels (marked, BPV_THEME_LIGHT, ex - 2, ey - 2, ex + 3, ey + 3) >= 9);
    /* Another edge of the bundle keeps its colour. */
    edge_midpoint (layout, 2, 0, 0, 0.3, &ex, &ey);
    assert_color (pixel_at (marked, ex, ey), pixel_at (plain, ex, ey), "W(2)₁₁");
    cairo_surface_destroy (marked);
  }

  /* NaN in input 1 of the data: the whole input column is boxed. */
  {
    const BpTrainFault in_fault = { .kind = BP_TRAIN_FAULT_INPUT, .layer = 0, .unit = 1, .sample = 2,
                                    .step = 1, .value = NAN, .from = NAN, .target = NAN };
    const BpvColumn *c = &layout->columns[0];
    double x0, y0, x1, y1;

    assert_true (bpv_render_fault_hit (&in_fault, &hit));
    assert_int_equal (hit.kind, BPV_HIT_NEURON);
    assert_int_equal (hit.layer, 0);
    assert_int_equal (hit.j, 0);
    state.fault = in_fault;
    marked = paint (layout, &state);
    /* Below the last input unit: only the box reaches there. */
    bpv_layout_to_widget (layout, c->bounds.x - 3 * c->radius, c->uy[1] + 1.2 * c->radius, &x0, &y0);
    bpv_layout_to_widget (layout, c->bounds.x + c->bounds.width + 3 * c->radius,
                          c->bounds.y + c->bounds.height + 4 * c->radius, &x1, &y1);
    assert_int_equal (count_fault_pixels (plain, BPV_THEME_LIGHT, x0, y0, x1, y1), 0);
    assert_true (count_fault_pixels (marked, BPV_THEME_LIGHT, x0, y0, x1, y1) > 20);
    cairo_surface_destroy (marked);
  }

  /* The dark theme has its own fault colour, and uses it. */
  {
    cairo_surface_t *dark_plain, *dark_marked;

    state.theme = BPV_THEME_DARK;
    state.fault.kind = BP_TRAIN_FAULT_NONE;
    dark_plain = paint (layout, &state);
    state.fault = z_fault;
    dark_marked = paint (layout, &state);
    assert_int_equal (count_fault_pixels (dark_plain, BPV_THEME_DARK, cx - 2 * r, cy - 2 * r,
                                          cx + 2 * r, cy + 2 * r), 0);
    assert_true (count_fault_pixels (dark_marked, BPV_THEME_DARK, cx - 2 * r, cy - 2 * r,
                                     cx + 2 * r, cy + 2 * r) > 2 * G_PI * r);
    cairo_surface_destroy (dark_plain);
    cairo_surface_destroy (dark_marked);
  }

  /* No fault, no hit. */
  {
    const BpTrainFault none = { .kind = BP_TRAIN_FAULT_NONE };

    assert_false (bpv_render_fault_hit (&none, &hit));
    assert_int_equal (hit.kind, BPV_HIT_NONE);
  }
  cairo_surface_destroy (plain);
}

/* An exported page carries the marker too. */
void
test_fault_in_export (void **unused)
{
  g_autoptr(BpNetwork) net = tiny_net ();
  g_autoptr(BpTrace) trace = run_pass (net, tiny_x, tiny_y, 3);
  const BpTrainFault fault = { .kind = BP_TRAIN_FAULT_LOSS, .layer = 2, .unit = 1, .sample = 1,
                               .step = 3, .value = INFINITY, .from = 1e200, .target = 1 };
  BpvLayoutParams params;
  BpvRenderState state;
  int counts[2];

  bpv_layout_params_init (&params, 800, 450);
  bpv_render_state_init (&state, net, trace);
  for (int i = 0; i < 2; i++)
    {
      cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 800, 450);
      cairo_t *cr = cairo_create (s);

      state.fault = fault;
      state.fault.kind = i == 0 ? BP_TRAIN_FAULT_NONE : BP_TRAIN_FAULT_LOSS;
      bpv_network_render_page (cr, &state, &params, "tiny", 800, 450);
      cairo_destroy (cr);
      cairo_surface_flush (s);
      counts[i] = count_fault_pixels (s, BPV_THEME_LIGHT, 0, 0, 800, 450);
      cairo_surface_destroy (s);
    }
  assert_int_equal (counts[0], 0);
  assert_true (counts[1] > 100);
}

/* Values that are not finite read "NaN", "+Inf", "−Inf" in tooltips, as
 * in the messages (printf would say "-nan" and "inf"). */
void
test_describe_nonfinite (void **unused)
{
  g_autoptr(BpNetwork) net = tiny_net ();
  g_autoptr(BpTrace) trace = NULL;
  BpvRenderState state;
  BpvHit edge = { BPV_HIT_EDGE, 2, 1, 2 }, neuron = { BPV_HIT_NEURON, 1, 0, 0 };
  g_autofree char *e = NULL, *n = NULL;
  double x[6];

  memcpy (x, tiny_x, sizeof x);
  x[0] = -INFINITY;                    /* z(1)₁ of sample 1 = 0.1 · −Inf + … = −Inf */
  net->layers[1].W[1 * 3 + 2] = -NAN;  /* a NaN with its sign bit set */
  trace = run_pass (net, x, tiny_y, 3);
  bpv_render_state_init (&state, net, trace);
  e = bpv_render_describe_hit (&state, &edge);
  n = bpv_render_describe_hit (&state, &neuron);
  assert_non_null (strstr (e, "W(2)₂₃ = NaN"));
  assert_null (strstr (e, "nan"));
  assert_null (strstr (n, "nan"));
  assert_null (strstr (n, "inf"));
  assert_true (strstr (n, "Inf") != NULL || strstr (n, "NaN") != NULL);
}
