/* test-render.c — the GTK-free drawing layer (ui/): colours at known
 * pixels, the gradient view, dashes, level of detail, hit-testing, the
 * cache, label fonts and one stop, one story; the helpers the program
 * shares (test-render.h) and its main.  Heat maps, plots, file export,
 * faults and the tooltips' text are in test-render-output.c.
 *
 * Every picture is painted on a cairo image surface, as the app's
 * snapshot() and the CLI paint it.  Expected colours come from the palette
 * functions the renderer uses; cairo truncates 16-bit channels, so pixels
 * are compared with a tolerance of a few levels per channel.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-render.h"

#include <malloc.h>
#include <math.h>
#include <string.h>

#include "bp-network.h"
#include "bp-rng.h"
#include "bpv-layout.h"
#include "bpv-palette.h"
#include "bpv-render.h"
#include "bpv-text.h"

/* --------------------------------------------- helpers (test-render.h) */

guint32
pixel_at (cairo_surface_t *surface,
          double           x,
          double           y)
{
  unsigned char *data;
  int stride, ix = (int) floor (x), iy = (int) floor (y);

  cairo_surface_flush (surface);
  data = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  assert_true (ix >= 0 && iy >= 0);
  assert_true (ix < cairo_image_surface_get_width (surface));
  assert_true (iy < cairo_image_surface_get_height (surface));
  return ((guint32 *) (void *) (data + (gsize) stride * iy))[ix];
}

int
channel_diff (guint32 a,
              guint32 b)
{
  int d = 0;

  for (int shift = 0; shift < 32; shift += 8)
    d = MAX (d, abs ((int) ((a >> shift) & 0xff) - (int) ((b >> shift) & 0xff)));
  return d;
}

void
assert_color_impl (guint32     got,
                   guint32     want,
                   int         tolerance,
                   const char *what,
                   const char *file,
                   int         line)
{
  if (channel_diff (got, want) > tolerance)
    {
      print_error ("%s: pixel 0x%08x, expected 0x%08x (±%d)\n", what, got, want, tolerance);
      _fail (file, line);
    }
}

cairo_surface_t *
paint (const BpvLayout      *layout,
       const BpvRenderState *state)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32,
                                                         (int) layout->params.width,
                                                         (int) layout->params.height);
  cairo_t *cr = cairo_create (surface);

  bpv_network_render (cr, layout, state);
  assert_int_equal (cairo_status (cr), CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  return surface;
}

/* A network with the given widths and activations, glorot weights from a
 * fixed seed. */
BpNetwork *
make_net (const gsize *widths,
          gsize        n,
          const char  *hidden,
          const char  *output)
{
  BpNetwork *net = bp_network_new (widths[0], NULL);
  BpRng rng;

  assert_non_null (net);
  for (gsize i = 1; i < n; i++)
    assert_true (bp_network_add_layer (net, widths[i], i + 1 == n ? output : hidden, NULL, NULL));
  bp_rng_init (&rng, 11);
  bp_network_init_weights (net, BP_INIT_GLOROT_UNIFORM, &rng);
  return net;
}

BpTrace *
run_pass (BpNetwork    *net,
          const double *x,
          const double *y,
          gsize         B)
{
  BpTrace *trace = bp_trace_new (net, B);

  trace->keep = TRUE;
  bp_network_gradients (net, trace, x, y, B);
  return trace;
}

static double
max_abs_of (const double *v,
            gsize         n)
{
  double m = 0;

  for (gsize i = 0; i < n; i++)
    m = MAX (m, fabs (v[i]));
  return m;
}

/* The tiny fixture of tests/cli/tiny.json: 2-3-2 tanh/sigmoid, 3 samples. */
BpNetwork *
tiny_net (void)
{
  static const double W1[] = { 0.1, -0.2, 0.4, 0.3, -0.5, 0.2 };
  static const double b1[] = { 0.01, -0.02, 0.03 };
  static const double W2[] = { 0.2, -0.3, 0.5, -0.1, 0.4, 0.25 };
  static const double b2[] = { 0.05, -0.05 };
  const gsize widths[] = { 2, 3, 2 };
  BpNetwork *net = make_net (widths, 3, "tanh", "sigmoid");

  memcpy (net->layers[0].W, W1, sizeof W1);
  memcpy (net->layers[0].b, b1, sizeof b1);
  memcpy (net->layers[1].W, W2, sizeof W2);
  memcpy (net->layers[1].b, b2, sizeof b2);
  return net;
}

const double tiny_x[] = { 0.5, -1.0, 1.5, 0.25, -0.75, 0.8 };
const double tiny_y[] = { 1, 0, 0, 1, 1, 1 };

void
edge_midpoint (const BpvLayout *layout,
               gsize            n,
               gsize            j,
               gsize            k,
               double           t,
               double          *x,
               double          *y)
{
  const BpvColumn *l = &layout->columns[n - 1], *r = &layout->columns[n];
  double wx = l->ux[k] + (r->ux[j] - l->ux[k]) * t, wy = l->uy[k] + (r->uy[j] - l->uy[k]) * t;

  bpv_layout_to_widget (layout, wx, wy, x, y);
}

/* ------------------------------------------------------------- palette */

static void
test_palette (void **unused)
{
  for (int theme = BPV_THEME_LIGHT; theme <= BPV_THEME_DARK; theme++)
    {
      const BpvThemeColors *tc = bpv_theme_colors (theme);
      BpvRgba neg = bpv_palette_diverging (theme, -1), pos = bpv_palette_diverging (theme, 1);
      BpvRgba mid = bpv_palette_diverging (theme, 0);

      assert_int_equal (bpv_rgba_to_argb32 (neg), bpv_rgba_to_argb32 (tc->negative));
      assert_int_equal (bpv_rgba_to_argb32 (pos), bpv_rgba_to_argb32 (tc->positive));
      assert_int_equal (bpv_rgba_to_argb32 (mid), bpv_rgba_to_argb32 (tc->neutral));
      /* Blue for negative, orange for positive: not red–green. */
      assert_true (neg.b > neg.r);
      assert_true (pos.r > pos.b && pos.r > pos.g);
      /* Clamped, NaN is the warning colour. */
      assert_int_equal (bpv_rgba_to_argb32 (bpv_palette_diverging (theme, -7)),
                        bpv_rgba_to_argb32 (neg));
      assert_int_equal (bpv_rgba_to_argb32 (bpv_palette_diverging (theme, NAN)),
                        bpv_rgba_to_argb32 (tc->warning));
      /* Text on the canvas is dark on the light theme's background and
       * light on the dark one's: luminance tells them apart. */
      assert_true ((bpv_rgba_luminance (tc->background) > 0.5) == (theme == BPV_THEME_LIGHT));
    }
  assert_true (bpv_rgba_luminance ((BpvRgba) { 1, 1, 1, 1 }) > 0.999);
  assert_true (bpv_rgba_luminance ((BpvRgba) { 0, 0, 0, 1 }) == 0);
  /* Green looks lighter than blue of the same value. */
  assert_true (bpv_rgba_luminance ((BpvRgba) { 0, 1, 0, 1 }) > bpv_rgba_luminance ((BpvRgba) { 0, 0, 1, 1 }));

  /* bpv_rgba_to_argb32 is what cairo paints. */
  {
    cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
    cairo_t *cr = cairo_create (s);
    BpvRgba c = { 0.95, 0.75, 0.2, 1 };

    bpv_set_source_rgba (cr, c);
    cairo_paint (cr);
    cairo_destroy (cr);
    assert_color_impl (pixel_at (s, 0, 0), bpv_rgba_to_argb32 (c), 1, "paint", __FILE__, __LINE__);
    cairo_surface_destroy (s);
  }

  assert_true (bpv_scale_linear (0.5, 2) == 0.25);
  assert_true (bpv_scale_linear (-3, 2) == -1);
  assert_true (bpv_scale_linear (1, 0) == 0);
  assert_true (fabs (bpv_scale_log (1e-2, 1, 4) - 0.5) < 1e-12);
  assert_true (fabs (bpv_scale_log (-1, 1, 4) + 1) < 1e-12);
  assert_true (bpv_scale_log (1e-9, 1, 4) == 0);
}

/* ------------------------------------------------------------- neurons */

static void
test_neuron_colours (void **unused)
{
  g_autoptr(BpNetwork) net = tiny_net ();
  g_autoptr(BpTrace) trace = run_pass (net, tiny_x, tiny_y, 3);

  for (int theme = BPV_THEME_LIGHT; theme <= BPV_THEME_DARK; theme++)
    for (gsize sample = 0; sample < 3; sample++)
      {
        g_autoptr(BpvLayout) layout = NULL;
        BpvLayoutParams params;
        BpvRenderState state;
        cairo_surface_t *s;

        bpv_layout_params_init (&params, 900, 520);
        layout = bpv_layout_new (net, &params);
        bpv_render_state_init (&state, net, trace);
        state.theme = theme;
        state.sample = sample;
        s = paint (layout, &state);

        for (gsize n = 0; n < layout->n_columns; n++)
          {
            const BpvColumn *c = &layout->columns[n];
            double max = bpv_render_neuron_max (&state, n);

            assert_int_equal (c->kind, BPV_COLUMN_CIRCLES);
            for (gsize j = 0; j < c->n_units; j++)
              {
                double a = n == 0 ? tiny_x[sample * 2 + j] : bp_trace_a (trace, n - 1, sample)[j];
                BpvRgba want = bpv_render_neuron_fill (theme, a, max);
                double x, y;

                bpv_layout_neuron_center (layout, n, j, &x, &y);
                /* Off the centre: the centre of an output may carry text. */
                assert_color (pixel_at (s, x - c->radius * 0.5, y), bpv_rgba_to_argb32 (want),
                              "neuron fill");
              }
          }
        /* The input is scaled by its own max |x| (1.5 here); tanh and σ
         * by their natural range. */
        assert_true (bpv_render_neuron_max (&state, 0) == 1.5);
        assert_true (bpv_render_neuron_max (&state, 1) == 1.0);
        cairo_surface_destroy (s);
      }
}

/* --------------------------------------------------------------- edges */

/* 2 → 2 with W = [[w, 0], [0, −w]]: two horizontal edges (one positive,
 * one negative) and two zero diagonals that never meet them mid-way. */
static BpNetwork *
two_by_two (double w)
{
  const gsize widths[] = { 2, 2 };
  BpNetwork *net = make_net (widths, 2, "tanh", "tanh");

  net->layers[0].W[0] = w;
  net->layers[0].W[1] = 0;
  net->layers[0].W[2] = 0;
  net->layers[0].W[3] = -w;
  return net;
}

static void
test_edge_colours_and_dashes (void **unused)
{
  g_autoptr(BpNetwork) net = two_by_two (0.8);
  g_autoptr(BpvLayout) layout = NULL;
  BpvLayoutParams params;
  BpvRenderState state;
  BpvEdgeStyle pos, neg;
  cairo_surface_t *s;
  const BpvColumn *l, *r;
  guint32 bg, dash_px;
  int on = 0, off = 0, other = 0;
  double x, y;

  bpv_layout_params_init (&params, 900, 520);
  layout = bpv_layout_new (net, &params);
  bpv_render_state_init (&state, net, NULL);
  s = paint (layout, &state);

  assert_int_equal (layout->bundles[1].kind, BPV_BUNDLE_EDGES);
  assert_true (bpv_render_edge_max (&state, 1) == 0.8);
  pos = bpv_render_edge_style (BPV_VIEW_WEIGHTS, BPV_THEME_LIGHT, 0.8, 0.8);
  neg = bpv_render_edge_style (BPV_VIEW_WEIGHTS, BPV_THEME_LIGHT, -0.8, 0.8);
  assert_true (pos.color.a == 1.0 && !pos.dashed);
  assert_true (neg.dashed);
  assert_true (pos.width > 3);

  /* The strongest positive edge is opaque orange at its middle. */
  edge_midpoint (layout, 1, 0, 0, 0.5, &x, &y);
  assert_color (pixel_at (s, x, y), bpv_rgba_to_argb32 (pos.color), "positive edge");
  assert_true (pos.color.r > pos.color.b);

  /* The negative one is dashed: along it, runs of blue and of background. */
  bg = bpv_rgba_to_argb32 (bpv_theme_colors (BPV_THEME_LIGHT)->background);
  dash_px = bpv_rgba_to_argb32 (neg.color);
  l = &layout->columns[0];
  r = &layout->columns[1];
  for (double t = 0.2; t <= 0.8; t += 0.002)
    {
      guint32 p;

      edge_midpoint (layout, 1, 1, 1, t, &x, &y);
      p = pixel_at (s, x, y);
      if (channel_diff (p, dash_px) <= 2)
        on++;
      else if (channel_diff (p, bg) <= 2)
        off++;
      else
        other++;  /* anti-aliased dash ends */
    }
  assert_true (on > 40);
  assert_true (off > 20);
  (void) l;
  (void) r;
  cairo_surface_destroy (s);
}

static void
test_gradient_view (void **unused)
{
  g_autoptr(BpNetwork) net = tiny_net ();
  g_autoptr(BpTrace) trace = run_pass (net, tiny_x, tiny_y, 3);
  g_autoptr(BpvLayout) layout = NULL;
  BpvLayoutParams params;
  BpvRenderState state;
  cairo_surface_t *ws, *gs;
  gsize differ = 0, w = 900, h = 520;
  double gmax;

  bpv_layout_params_init (&params, (double) w, (double) h);
  layout = bpv_layout_new (net, &params);
  bpv_render_state_init (&state, net, trace);
  ws = paint (layout, &state);
  state.view = BPV_VIEW_GRADIENTS;
  gs = paint (layout, &state);

  for (gsize y = 0; y < h; y += 2)
    for (gsize x = 0; x < w; x += 2)
      if (channel_diff (pixel_at (ws, (double) x, (double) y), pixel_at (gs, (double) x, (double) y)) > 8)
        differ++;
  assert_true (differ > 500);

  /* The largest gradient of W(2) is drawn opaque in its sign's colour. */
  gmax = bpv_render_edge_max (&state, 2);
  assert_true (gmax > 0);
  for (gsize e = 0; e < 6; e++)
    if (fabs (net->layers[1].dW[e]) == gmax)
      {
        gsize j = e / 3, k = e % 3;
        BpvEdgeStyle st = bpv_render_edge_style (BPV_VIEW_GRADIENTS, BPV_THEME_LIGHT,
                                                 net->layers[1].dW[e], gmax);
        double x, y;
        guint32 got;
        BpvHit hit;

        assert_true (st.color.a == 1.0);
        edge_midpoint (layout, 2, j, k, 0.35, &x, &y);
        /* Make sure no other edge crosses there, then check the colour. */
        assert_true (bpv_layout_hit_test (layout, x, y, &hit));
        if (hit.kind == BPV_HIT_EDGE && hit.j == j && hit.k == k && !st.dashed)
          {
            got = pixel_at (gs, x, y);
            assert_color (got, bpv_rgba_to_argb32 (st.color), "gradient edge");
          }
      }

  /* δ rings: visible around the output in the gradient view only. */
  {
    const BpvColumn *c = &layout->columns[2];
    double ring_w = MAX (3 * layout->font_size / 16, 0.26 * c->radius);
    double ry = c->uy[0] - c->radius - ring_w / 2 - 0.6 * layout->font_size / 16;
    double d = bp_trace_dC_dz (trace, 1, 0)[0];
    double dmax = 0;
    BpvRgba want;

    for (gsize i = 0; i < 3 * 2; i++)
      dmax = MAX (dmax, fabs (trace->dC_dz[1][i]));
    want = bpv_palette_diverging (BPV_THEME_LIGHT, bpv_scale_linear (d, dmax));
    assert_color (pixel_at (gs, c->ux[0], ry), bpv_rgba_to_argb32 (want), "δ ring");
    assert_color (pixel_at (ws, c->ux[0], ry),
                  bpv_rgba_to_argb32 (bpv_theme_colors (BPV_THEME_LIGHT)->background), "no ring");
  }
  cairo_surface_destroy (ws);
  cairo_surface_destroy (gs);
}

/* ------------------------------------------------------------- phases */

static void
test_forward_phase (void **unused)
{
  const gsize widths[] = { 2, 4, 4, 1 };
  g_autoptr(BpNetwork) net = make_net (widths, 4, "tanh", "sigmoid");
  const double x[] = { 0.3, -0.6 }, y[] = { 1 };
  g_autoptr(BpTrace) trace = run_pass (net, x, y, 1);
  g_autoptr(BpvLayout) layout = NULL;
  const BpvThemeColors *tc = bpv_theme_colors (BPV_THEME_LIGHT);
  BpvLayoutParams params;
  BpvRenderState state;
  cairo_surface_t *s;
  double px, py;

  bpv_layout_params_init (&params, 1000, 600);
  layout = bpv_layout_new (net, &params);
  bpv_render_state_init (&state, net, trace);
  state.phase = BPV_PHASE_FORWARD;
  state.layer = 2;
  state.t = 0.4;
  s = paint (layout, &state);

  /* a(1) is computed: filled; a(2) and a(3) not yet: empty. */
  bpv_layout_neuron_center (layout, 1, 0, &px, &py);
  assert_color (pixel_at (s, px - 3, py),
                bpv_rgba_to_argb32 (bpv_render_neuron_fill (BPV_THEME_LIGHT,
                                                            bp_trace_a (trace, 0, 0)[0], 1.0)),
                "computed neuron");
  bpv_layout_neuron_center (layout, 2, 1, &px, &py);
  assert_color (pixel_at (s, px - 3, py), bpv_rgba_to_argb32 (tc->node_empty), "pending neuron");
  bpv_layout_neuron_center (layout, 3, 0, &px, &py);
  assert_color (pixel_at (s, px - 3, py), bpv_rgba_to_argb32 (tc->node_empty), "pending output");
  cairo_surface_destroy (s);

  /* The update phase without old weights is the idle picture; with them at
   * t = 0 it shows the old weights. */
  {
    g_autofree double *old = g_memdup2 (net->params, net->n_params * sizeof (double));
    cairo_surface_t *idle, *upd0, *upd1;
    gsize differ = 0;

    for (gsize i = 0; i < net->n_params; i++)
      net->params[i] *= -1;
    /* (The update's cost caption adds "before the step".) */
    state.show_cost = FALSE;
    state.phase = BPV_PHASE_IDLE;
    idle = paint (layout, &state);
    state.phase = BPV_PHASE_UPDATE;
    state.old_params = old;
    state.t = 1;
    upd1 = paint (layout, &state);
    state.t = 0;
    upd0 = paint (layout, &state);
    for (int yy = 0; yy < 600; yy += 3)
      for (int xx = 0; xx < 1000; xx += 3)
        {
          assert_true (channel_diff (pixel_at (idle, xx, yy), pixel_at (upd1, xx, yy)) <= 3);
          if (channel_diff (pixel_at (idle, xx, yy), pixel_at (upd0, xx, yy)) > 20)
            differ++;
        }
    assert_true (differ > 100);
    cairo_surface_destroy (idle);
    cairo_surface_destroy (upd0);
    cairo_surface_destroy (upd1);
  }
}

/* ---------------------------------------------------------- hit-testing */

static void
test_hit_testing (void **unused)
{
  const gsize widths[] = { 3, 5, 4, 2 };
  g_autoptr(BpNetwork) net = make_net (widths, 4, "relu", "sigmoid");
  g_autoptr(BpvLayout) layout = NULL;
  BpvLayoutParams params;
  BpvHit hit;
  double x, y;
  gsize checked = 0;

  bpv_layout_params_init (&params, 1200, 700);
  layout = bpv_layout_new (net, &params);

  for (int pass = 0; pass < 2; pass++)
    {
      if (pass == 1)
        bpv_layout_set_view (layout, 1.7, -220, -90);

      for (gsize n = 0; n < layout->n_columns; n++)
        for (gsize j = 0; j < layout->columns[n].n_units; j++)
          {
            bpv_layout_neuron_center (layout, n, j, &x, &y);
            assert_true (bpv_layout_hit_test (layout, x + 2, y - 2, &hit));
            assert_int_equal (hit.kind, BPV_HIT_NEURON);
            assert_int_equal (hit.layer, n);
            assert_int_equal (hit.j, j);
          }

      for (gsize n = 1; n < layout->n_columns; n++)
        for (gsize j = 0; j < layout->bundles[n].rows; j++)
          for (gsize k = 0; k < layout->bundles[n].cols; k++)
            {
              BpvRect box;

              edge_midpoint (layout, n, j, k, 0.31, &x, &y);
              assert_true (bpv_layout_hit_test (layout, x, y, &hit));
              assert_int_equal (hit.kind, BPV_HIT_EDGE);
              assert_int_equal (hit.layer, n);
              assert_int_equal (hit.j, j);
              assert_int_equal (hit.k, k);
              assert_true (bpv_layout_hit_bounds (layout, &hit, &box));
              assert_true (x >= box.x && x <= box.x + box.width);
              checked++;
            }
    }
  assert_int_equal (checked, 2 * (15 + 20 + 8));

  /* Nothing in a corner. */
  bpv_layout_set_view (layout, 1, 0, 0);
  assert_false (bpv_layout_hit_test (layout, 2, 2, &hit));
  assert_int_equal (hit.kind, BPV_HIT_NONE);

  {
    BpvHit a = { BPV_HIT_EDGE, 2, 1, 3 }, b = a;

    assert_true (bpv_hit_equal (&a, &b));
    b.k = 2;
    assert_false (bpv_hit_equal (&a, &b));
  }
}

/* ----------------------------------------------------- level of detail */

static void
test_lod_mnist (void **unused)
{
  const gsize widths[] = { 784, 128, 64, 10 };
  g_autoptr(BpNetwork) net = make_net (widths, 4, "relu", "softmax");
  g_autofree double *x = g_new (double, 2 * 784);
  double y[20] = { 0 };
  g_autoptr(BpTrace) trace = NULL;
  g_autoptr(BpvLayout) layout = NULL;
  g_autoptr(BpvRenderCache) cache = bpv_render_cache_new ();
  BpvLayoutParams params;
  BpvRenderState state;
  cairo_surface_t *s;
  const BpvBundle *b;
  BpvHit hit;
  double px, py;

  for (gsize i = 0; i < 2 * 784; i++)
    x[i] = (double) (i % 29) / 28.0;
  y[3] = y[17] = 1;
  trace = run_pass (net, x, y, 2);

  bpv_layout_params_init (&params, 1920, 1080);
  params.input_image_width = params.input_image_height = 28;
  layout = bpv_layout_new (net, &params);
  assert_int_equal (layout->columns[0].kind, BPV_COLUMN_IMAGE);
  assert_int_equal (layout->columns[1].kind, BPV_COLUMN_STRIP);
  assert_int_equal (layout->columns[2].kind, BPV_COLUMN_STRIP);
  assert_int_equal (layout->columns[3].kind, BPV_COLUMN_CIRCLES);
  for (gsize n = 1; n <= 3; n++)
    assert_int_equal (layout->bundles[n].kind, BPV_BUNDLE_MATRIX);

  bpv_render_state_init (&state, net, trace);
  state.cache = cache;
  state.hover = (BpvHit) { BPV_HIT_EDGE, 1, 5, 300 };
  s = paint (layout, &state);

  /* A cell of W(1) hit-tests as its edge. */
  b = &layout->bundles[1];
  px = b->matrix.x + b->matrix.width * (300.5 / 784.0);
  py = b->matrix.y + b->matrix.height * (5.5 / 128.0);
  assert_true (bpv_layout_hit_test (layout, px, py, &hit));
  assert_int_equal (hit.kind, BPV_HIT_EDGE);
  assert_int_equal (hit.layer, 1);
  assert_int_equal (hit.j, 5);
  assert_int_equal (hit.k, 300);

  /* A cell of the strip a(1) and a pixel of the input image hit their units. */
  bpv_layout_neuron_center (layout, 1, 70, &px, &py);
  assert_true (bpv_layout_hit_test (layout, px, py, &hit));
  assert_int_equal (hit.kind, BPV_HIT_NEURON);
  assert_int_equal (hit.layer, 1);
  assert_int_equal (hit.j, 70);
  bpv_layout_neuron_center (layout, 0, 28 * 14 + 3, &px, &py);
  assert_true (bpv_layout_hit_test (layout, px, py, &hit));
  assert_int_equal (hit.layer, 0);
  assert_int_equal (hit.j, 28 * 14 + 3);
  assert_color (pixel_at (s, px, py),
                bpv_rgba_to_argb32 (bpv_render_neuron_fill (BPV_THEME_LIGHT, x[28 * 14 + 3],
                                                            bpv_render_neuron_max (&state, 0))),
                "input pixel");

  /* W(3) (10 × 64) has cells of several pixels: each shows its weight. */
  b = &layout->bundles[3];
  assert_true (b->matrix.width / 64 >= 4);
  for (gsize j = 0; j < 10; j += 3)
    for (gsize k = 0; k < 64; k += 9)
      {
        double w = net->layers[2].W[j * 64 + k];
        double s3 = bpv_scale_linear (w, bpv_render_edge_max (&state, 3));
        BpvRgba want = bpv_palette_diverging (BPV_THEME_LIGHT, round (s3 * 128) / 128);

        px = b->matrix.x + b->matrix.width * ((double) k + 0.5) / 64;
        py = b->matrix.y + b->matrix.height * ((double) j + 0.5) / 10;
        assert_color (pixel_at (s, px, py), bpv_rgba_to_argb32 (want), "matrix cell");
      }
  cairo_surface_destroy (s);
}

/* ------------------------------------------------------------- the cache */

static void
test_cache_matches_live (void **unused)
{
  const gsize widths[] = { 2, 16, 16, 12, 1 };
  g_autoptr(BpNetwork) net = make_net (widths, 5, "tanh", "sigmoid");
  const double x[] = { 0.3, -0.6, 1, 0.2 }, y[] = { 1, 0 };
  g_autoptr(BpTrace) trace = run_pass (net, x, y, 2);
  g_autoptr(BpvLayout) layout = NULL;
  g_autoptr(BpvRenderCache) cache = bpv_render_cache_new ();
  BpvLayoutParams params;
  BpvRenderState state;
  cairo_surface_t *live, *cached, *again;
  gsize bad = 0, total = 0;

  bpv_layout_params_init (&params, 1000, 640);
  layout = bpv_layout_new (net, &params);
  bpv_render_state_init (&state, net, trace);
  state.view = BPV_VIEW_GRADIENTS;
  live = paint (layout, &state);
  state.cache = cache;
  cached = paint (layout, &state);
  for (int yy = 0; yy < 640; yy++)
    for (int xx = 0; xx < 1000; xx++)
      {
        total++;
        if (channel_diff (pixel_at (live, xx, yy), pixel_at (cached, xx, yy)) > 3)
          bad++;
      }
  assert_true (bad * 1000 < total);

  /* New weights are noticed without being told. */
  net->layers[1].dW[7] *= -5;
  again = paint (layout, &state);
  bad = 0;
  for (int yy = 0; yy < 640; yy += 2)
    for (int xx = 0; xx < 1000; xx += 2)
      if (channel_diff (pixel_at (again, xx, yy), pixel_at (cached, xx, yy)) > 3)
        bad++;
  assert_true (bad > 20);
  bpv_render_cache_invalidate (cache);
  cairo_surface_destroy (live);
  cairo_surface_destroy (cached);
  cairo_surface_destroy (again);
}

/* --------------------------------------------------------- label fonts */

/* Labels at ever new sizes — they follow the neurons' radius and the
 * zoom continuously — must not each keep a font for the rest of the
 * session.  The app soak (tests/soak/app-soak.sh) measured the drawing
 * layer's fonts growing by about 0.5 MB a minute before the labels got a
 * font map of their own, replaced after a few hundred fonts.  (Under
 * AddressSanitizer mallinfo2 () says nothing: there it only runs.) */
static gsize
heap_in_use (void)
{
  struct mallinfo2 mi = mallinfo2 ();

  return mi.uordblks + mi.hblkhd;
}

static void
draw_at_sizes (cairo_t *cr,
               int      first,
               int      n)
{
  BpvRgba ink = { 0.1, 0.1, 0.1, 1 };

  for (int i = first; i < first + n; i++)
    {
      /* A BpvText per painting, as the renderer makes them. */
      g_autoptr(BpvText) text = bpv_text_new (cr);

      bpv_text_draw (text, "a(<b>1</b>) = 0.123", 4, 4, 0, 0, 8.0 + 0.003 * i,
                     BPV_TEXT_NORMAL, ink);
    }
}

static void
test_label_fonts_bounded (void **state)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 64, 32);
  cairo_t *cr = cairo_create (surface);
  gsize before, after;

  (void) state;
  /* Past the first replacement of the font map, then 450 more sizes: a
   * font takes some 50 kB, so a map that kept them all would grow by more
   * than 20 MB; one that is replaced after 128 fonts holds at most 7. */
  draw_at_sizes (cr, 0, 150);
  before = heap_in_use ();
  draw_at_sizes (cr, 150, 450);
  after = heap_in_use ();
  print_message ("heap %zu kB before, %zu kB after 450 more label sizes\n",
                 before / 1024, after / 1024);
  assert_true (after < before + ((gsize) 10 << 20));
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}


/* --------------------------------------------- one stop, one story (#10) */

/* The legend describes exactly what the edges show: during the backward
 * pass in the weights view the layers it has passed are drawn as
 * gradients, and the legend says so, layer by layer; at the update the
 * edges move between weights, whatever the view. */
static void
test_legend_follows_the_edges (void **state)
{
  const gsize widths[] = { 2, 4, 4, 1 };
  g_autoptr(BpNetwork) net = make_net (widths, 4, "tanh", "sigmoid");
  const double x[] = { 0.3, -0.6 }, y[] = { 1 };
  g_autoptr(BpTrace) trace = run_pass (net, x, y, 1);
  g_autofree double *old = g_memdup2 (net->params, net->n_params * sizeof (double));
  BpvRenderState st;
  char *caption;

  (void) state;
  bpv_render_state_init (&st, net, trace);
  caption = bpv_render_legend_caption (&st);
  assert_string_equal (caption, "W(n) · scaled per layer");
  g_free (caption);

  st.phase = BPV_PHASE_BACKWARD;
  st.layer = 2;
  st.t = 1;
  assert_int_equal (bpv_render_bundle_view (&st, 1), BPV_VIEW_WEIGHTS);
  assert_int_equal (bpv_render_bundle_view (&st, 2), BPV_VIEW_GRADIENTS);
  assert_int_equal (bpv_render_bundle_view (&st, 3), BPV_VIEW_GRADIENTS);
  caption = bpv_render_legend_caption (&st);
  assert_string_equal (caption, "W(1) weights, ∂C/∂W(2)–∂C/∂W(3) gradients (log |·|) · scaled per layer");
  g_free (caption);

  st.layer = 3;
  st.scale = BPV_SCALE_GLOBAL;
  caption = bpv_render_legend_caption (&st);
  assert_string_equal (caption, "W(1)–W(2) weights, ∂C/∂W(3) gradients (log |·|) · one scale for all layers");
  g_free (caption);
  /* The normaliser of each bundle is that of what it shows. */
  st.scale = BPV_SCALE_LAYER;
  assert_true (bpv_render_edge_max (&st, 3) == max_abs_of (net->layers[2].dW, 4));
  assert_true (bpv_render_edge_max (&st, 2) == max_abs_of (net->layers[1].W, 16));

  st.phase = BPV_PHASE_UPDATE;
  st.view = BPV_VIEW_GRADIENTS;
  st.old_params = old;
  caption = bpv_render_legend_caption (&st);
  assert_string_equal (caption, "W(n) · scaled per layer");
  g_free (caption);
  st.phase = BPV_PHASE_IDLE;
  st.old_params = NULL;
  caption = bpv_render_legend_caption (&st);
  assert_string_equal (caption, "∂C/∂W(n), log |·| over 4 decades · scaled per layer");
  g_free (caption);
}

/* δ rings only where the stop has computed δ: at "backward through W(n)"
 * on a(n)…a(N), never yet on a(n−1) (which the next stop computes), also
 * at t = 1; the tooltip says "?" for the rest. */
static void
test_rings_at_their_stop (void **state)
{
  const gsize widths[] = { 2, 4, 4, 1 };
  g_autoptr(BpNetwork) net = make_net (widths, 4, "tanh", "sigmoid");
  const double x[] = { 0.3, -0.6 }, y[] = { 1 };
  g_autoptr(BpTrace) trace = run_pass (net, x, y, 1);
  BpvRenderState st;

  (void) state;
  bpv_render_state_init (&st, net, trace);
  st.phase = BPV_PHASE_BACKWARD;
  for (gsize n = 3; n >= 1; n--)
    for (int i = 0; i <= 4; i++)
      {
        st.layer = n;
        st.t = i / 4.0;
        for (gsize m = 1; m <= 3; m++)
          {
            BpvHit hit = { BPV_HIT_NEURON, m, 0, 0 };
            g_autofree char *tip = bpv_render_describe_hit (&st, &hit);

            assert_int_equal (bpv_render_delta_known (&st, m), m >= n);
            if (m < n)
              assert_true (bpv_render_ring_alpha (&st, m) == 0);
            else if (m > n || i == 4)
              assert_true (bpv_render_ring_alpha (&st, m) == 1);
            assert_true ((strstr (tip, "δ = ?") != NULL) == (m < n));
          }
      }
  /* Forward and cost: no δ yet, nor ∂C/∂W; in the forward pass at n the
   * values of a(n) once the pulses have landed, none after it. */
  st.phase = BPV_PHASE_COST;
  st.t = 1;
  for (gsize m = 1; m <= 3; m++)
    {
      BpvHit edge = { BPV_HIT_EDGE, m, 0, 0 };
      g_autofree char *tip = bpv_render_describe_hit (&st, &edge);

      assert_false (bpv_render_delta_known (&st, m));
      assert_non_null (strstr (tip, "∂C/∂W = ?"));
    }
  st.phase = BPV_PHASE_FORWARD;
  st.layer = 2;
  for (int i = 0; i <= 4; i++)
    {
      BpvHit a2 = { BPV_HIT_NEURON, 2, 0, 0 }, a1 = { BPV_HIT_NEURON, 1, 0, 0 };
      g_autofree char *tip2 = NULL, *tip1 = NULL;

      st.t = i / 4.0;
      tip2 = bpv_render_describe_hit (&st, &a2);
      tip1 = bpv_render_describe_hit (&st, &a1);
      assert_true ((strstr (tip2, " = ?   z = ?") != NULL) == (i < 4));
      assert_null (strstr (tip1, " = ?   z = ?"));
      assert_false (bpv_render_forward_known (&st, 3));
    }
}

/* The canvas's cost says whose it is: one sample's, or the batch's. */
static void
test_cost_caption (void **state)
{
  g_autoptr(BpNetwork) net = tiny_net ();
  g_autoptr(BpTrace) batch = run_pass (net, tiny_x, tiny_y, 3);
  g_autoptr(BpTrace) one = run_pass (net, tiny_x + 2, tiny_y + 2, 1);
  BpvRenderState st;
  double v = NAN;
  char *caption;

  (void) state;
  bpv_render_state_init (&st, net, batch);
  caption = bpv_render_cost_caption (&st, &v);
  assert_non_null (strstr (caption, "mean over this batch of 3"));
  assert_true (v == batch->loss);
  g_free (caption);

  /* A one-row trace whose .loss is of a bigger batch (as a training
   * snapshot's): the number shown is the sample's, and so labelled. */
  one->loss = batch->loss;
  bpv_render_state_init (&st, net, one);
  st.phase = BPV_PHASE_UPDATE;
  caption = bpv_render_cost_caption (&st, &v);
  assert_string_equal (caption, "mse · this sample · before the step");
  assert_true (v == one->per_sample_loss[0]);
  assert_true (v != batch->loss);
  g_free (caption);
}

/* The label list reports what was drawn in device units: size and box
 * follow the transformation (zoom, panel offsets) and the clip. */
static void
test_label_recording (void **state)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 400, 200);
  cairo_t *cr = cairo_create (surface);
  g_autoptr(GArray) labels = bpv_label_list_new ();
  BpvText *text;
  const BpvLabel *l;
  double w, h;

  (void) state;
  bpv_text_record_labels (cr, labels);
  cairo_translate (cr, 10, 20);
  cairo_scale (cr, 2, 2);
  cairo_rectangle (cr, 0, 0, 100, 50);
  cairo_clip (cr);
  text = bpv_text_new (cr);
  bpv_text_measure (text, "W(1)", 10, BPV_TEXT_NORMAL, &w, &h);
  bpv_text_draw (text, "W(1)", 50, 25, 0.5, 0.5, 10, BPV_TEXT_NORMAL, (BpvRgba) { 0, 0, 0, 1 });
  bpv_text_draw (text, "", 0, 0, 0, 0, 10, BPV_TEXT_NORMAL, (BpvRgba) { 0, 0, 0, 1 });
  bpv_text_free (text);
  assert_int_equal (labels->len, 1);
  l = &g_array_index (labels, BpvLabel, 0);
  assert_string_equal (l->text, "W(1)");
  assert_true (fabs (l->size - 20) < 1e-9);
  assert_true (fabs (l->rect.width - 2 * w) < 1e-6 && fabs (l->rect.height - 2 * h) < 1e-6);
  assert_true (fabs (l->rect.x + l->rect.width / 2 - 110) < 1e-6);
  assert_true (fabs (l->rect.y + l->rect.height / 2 - 70) < 1e-6);
  assert_true (fabs (l->clip.x - 10) < 1e-6 && fabs (l->clip.width - 200) < 1e-6);
  assert_true (fabs (l->clip.y - 20) < 1e-6 && fabs (l->clip.height - 100) < 1e-6);
  /* Recording stops. */
  bpv_text_record_labels (cr, NULL);
  text = bpv_text_new (cr);
  bpv_text_draw (text, "b", 0, 0, 0, 0, 10, BPV_TEXT_NORMAL, (BpvRgba) { 0, 0, 0, 1 });
  bpv_text_free (text);
  assert_int_equal (labels->len, 1);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

/* ---------------------------------------------------------- highlights */

/* `under` with `over` at opacity a on top, as cairo composites it. */
static guint32
composite (BpvRgba over,
           double  a,
           guint32 under)
{
  guint32 out = 0xff000000u;
  double c[3] = { over.b, over.g, over.r };

  for (int i = 0; i < 3; i++)
    {
      double u = ((under >> (8 * i)) & 0xff) / 255.0;

      out |= (guint32) lround (255 * (a * c[i] + (1 - a) * u)) << (8 * i);
    }
  return out;
}

/* A quiz answer's highlights: a neuron gets a band of the accent colour at
 * the painter's opacity outside its δ ring, an edge a halo of it beside
 * the line; nothing else changes where nothing is highlighted. */
static void
test_highlights_in_accent (void **unused)
{
  g_autoptr(BpNetwork) net = tiny_net ();
  g_autoptr(BpTrace) trace = run_pass (net, tiny_x, tiny_y, 3);
  const BpvHit hits[] = { { BPV_HIT_NEURON, 1, 1, 0 }, { BPV_HIT_EDGE, 2, 0, 2 } };
  g_autoptr(BpvLayout) layout = NULL;
  BpvLayoutParams params;
  BpvRenderState state;
  cairo_surface_t *plain, *lit;
  const BpvThemeColors *tc = bpv_theme_colors (BPV_THEME_LIGHT);
  const BpvColumn *c;
  double u, x, y, r, x0, y0, x1, y1, len, nx, ny;

  bpv_layout_params_init (&params, 900, 520);
  layout = bpv_layout_new (net, &params);
  bpv_render_state_init (&state, net, trace);
  state.view = BPV_VIEW_GRADIENTS;   /* δ rings drawn: the band goes outside them */
  plain = paint (layout, &state);
  state.highlights = hits;
  state.n_highlights = G_N_ELEMENTS (hits);
  lit = paint (layout, &state);

  /* The band's middle, straight above the neuron: accent at 0.45 over
   * what was there. */
  u = layout->font_size / 16;
  c = &layout->columns[1];
  bpv_layout_neuron_center (layout, 1, 1, &x, &y);
  r = c->radius + MAX (3 * u, 0.26 * c->radius) + 1.5 * u + 3 * u;
  assert_color (pixel_at (lit, x, y - r), composite (tc->accent, 0.45, pixel_at (plain, x, y - r)),
                "the neuron's accent band");
  assert_true (channel_diff (pixel_at (lit, x, y - r), pixel_at (plain, x, y - r)) > 20);

  /* Beside the middle of W(2)₁,₃, 3.2 u off its line: past the edge
   * itself (at most 5 u wide), inside the halo (7 u wider than it). */
  bpv_layout_neuron_center (layout, 1, 2, &x0, &y0);
  bpv_layout_neuron_center (layout, 2, 0, &x1, &y1);
  len = hypot (x1 - x0, y1 - y0);
  nx = -(y1 - y0) / len;
  ny = (x1 - x0) / len;
  x = (x0 + x1) / 2 + 3.2 * u * nx;
  y = (y0 + y1) / 2 + 3.2 * u * ny;
  assert_color (pixel_at (lit, x, y), composite (tc->accent, 0.45, pixel_at (plain, x, y)),
                "the edge's accent halo");

  /* Elsewhere (the other output), nothing changed. */
  bpv_layout_neuron_center (layout, 2, 1, &x, &y);
  assert_int_equal (pixel_at (lit, x - 0.5 * layout->columns[2].radius, y),
                    pixel_at (plain, x - 0.5 * layout->columns[2].radius, y));
  cairo_surface_destroy (plain);
  cairo_surface_destroy (lit);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_palette),
    cmocka_unit_test (test_neuron_colours),
    cmocka_unit_test (test_edge_colours_and_dashes),
    cmocka_unit_test (test_gradient_view),
    cmocka_unit_test (test_forward_phase),
    cmocka_unit_test (test_hit_testing),
    cmocka_unit_test (test_lod_mnist),
    cmocka_unit_test (test_cache_matches_live),
    cmocka_unit_test (test_heatmap),
    cmocka_unit_test (test_plots),
    cmocka_unit_test (test_plot_marker),
    cmocka_unit_test (test_plot_compare_loss),
    cmocka_unit_test (test_plot_compare_marker),
    cmocka_unit_test (test_plot_compare_no_weight),
    cmocka_unit_test (test_plot_compare_grad_norms),
    cmocka_unit_test (test_export),
    cmocka_unit_test (test_describe_hit),
    cmocka_unit_test (test_describe_hit_no_negative_zero),
    cmocka_unit_test (test_fault_marker),
    cmocka_unit_test (test_fault_in_export),
    cmocka_unit_test (test_describe_nonfinite),
    cmocka_unit_test (test_label_fonts_bounded),
    cmocka_unit_test (test_legend_follows_the_edges),
    cmocka_unit_test (test_rings_at_their_stop),
    cmocka_unit_test (test_cost_caption),
    cmocka_unit_test (test_label_recording),
    cmocka_unit_test (test_skip_arc),
    cmocka_unit_test (test_norm_column),
    cmocka_unit_test (test_dropped_unit),
    cmocka_unit_test (test_every_type_drawable),
    cmocka_unit_test (test_grad_norm_names),
    cmocka_unit_test (test_skip_arc_hit),
    cmocka_unit_test (test_legend_names_gamma),
    cmocka_unit_test (test_highlights_in_accent),
  };

  return cmocka_run_group_tests_name ("render", tests, NULL, NULL);
}
