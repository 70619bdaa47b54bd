/* test-render-dist.c — bpv-plot-dist: the heat maps and the units plot of
 * a recorded spirals run, pixels: the shown step's marker at its x on the
 * step axis, cells where the counts are, the ramp ordered in lightness.
 * BACKPROP_TEST_SHOTS=DIR writes the pictures there to look at. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "bp-dataset.h"
#include "bp-record-dist.h"
#include "bpv-plot-dist.h"
#include "test-record-run.h"
#include "test-render.h"

#define W 800
#define H 480
#define STEPS 400

/* 2-8-8-1 (relu, tanh, sigmoid; bce) on 200 spirals rows, B = 20: the
 * distributions of its 401 kept steps (the caller frees them). */
static BpRecordDist *
recorded_dist (void)
{
  BpRecordDist *dist;
  g_autoptr(GError) error = NULL;
  g_autoptr(BpRecord) rec = bp_record_new (BP_RECORD_DEFAULT_BUDGET);
  BpTrainConfig config = { .batch_size = 20, .shuffle = TRUE, .seed = 5, .keep_trace = TRUE };
  BpRng rng;
  Run run;

  run.ds = bp_dataset_generate ("spirals", 200, -1, 3, &error);
  assert_non_null (run.ds);
  run.net = bp_network_new (2, &error);
  assert_true (bp_network_add_layer (run.net, 8, "relu", NULL, &error));
  assert_true (bp_network_add_layer (run.net, 8, "tanh", NULL, &error));
  assert_true (bp_network_add_layer (run.net, 1, "sigmoid", NULL, &error));
  assert_true (bp_network_set_cost (run.net, "bce", NULL, &error));
  bp_rng_init (&rng, 2);
  bp_network_init_weights (run.net, BP_INIT_HE_UNIFORM, &rng);
  run.opt = bp_optimizer_new (NULL, "adam", run.net->n_params, &error);
  assert_non_null (run.opt);
  assert_true (bp_optimizer_set (run.opt, "lr", 0.02, &error));
  run.tr = bp_trainer_new (run.net, run.opt, run.ds, NULL, &config, &error);
  assert_non_null (run.tr);
  assert_true (bp_record_add (rec, run.net, run.opt, run.tr, &error));
  for (int i = 0; i < STEPS; i++)
    {
      assert_true (bp_trainer_step (run.tr, &error));
      assert_true (bp_record_add (rec, run.net, run.opt, run.tr, &error));
    }
  dist = bp_record_dist_compute (rec, run.net, run.ds->X, run.ds->Y, run.ds->n_rows, NULL, NULL, &error);
  assert_non_null (dist);
  run_clear (&run);
  return dist;
}

/* 0: W(1), 1: ∂C/∂W(2), 2: units; marked at `mark_x` (NAN: not). */
static cairo_surface_t *
paint_dist (const BpRecordDist *dist,
            int                 kind,
            double              mark_x)
{
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, W, H);
  cairo_t *cr = cairo_create (s);
  BpvRect rect = { 0, 0, W, H };
  BpvPlotStyle style;

  bpv_plot_style_init (&style);
  style.mark = !isnan (mark_x);
  style.mark_x = mark_x;
  style.mark_label = "step 260";
  if (kind == 2)
    bpv_plot_dist_units (cr, &rect, dist, &style);
  else
    bpv_plot_dist_histograms (cr, &rect, dist, kind == 0 ? BP_RECORD_DIST_WEIGHTS : BP_RECORD_DIST_GRADIENTS,
                              kind, kind == 0 ? "W(1)" : "W(2)", &style);
  assert_int_equal (cairo_status (cr), CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  cairo_surface_flush (s);
  if (g_getenv ("BACKPROP_TEST_SHOTS") != NULL && !isnan (mark_x))
    {
      g_autofree char *name = g_strdup_printf ("dist-%d.png", kind);
      g_autofree char *path = g_build_filename (g_getenv ("BACKPROP_TEST_SHOTS"), name, NULL);

      cairo_surface_write_to_png (s, path);
    }
  return s;
}

static double
marked_column (const BpRecordDist *dist,
               int                 kind,
               double              mark_x,
               int                *n)
{
  cairo_surface_t *s = paint_dist (dist, kind, mark_x);
  double x = accent_columns (s, 200, n);

  cairo_surface_destroy (s);
  return x;
}

/* The marker sits where the step axis puts the shown step — the first,
 * the last, halfway, a quarter — over the heat maps as over the lines;
 * nothing when unmarked or off the axis. */
void
test_dist_marker (void **unused)
{
  g_autoptr(BpRecordDist) dist = recorded_dist ();
  double lo = (double) dist->steps[0], hi = (double) dist->steps[dist->n_steps - 1];

  for (int kind = 0; kind < 3; kind++)
    {
      double x_lo, x_hi, x_mid, x_quarter;
      int n;

      marked_column (dist, kind, NAN, &n);
      assert_int_equal (n, 0);
      marked_column (dist, kind, hi + 100, &n);
      assert_int_equal (n, 0);
      x_lo = marked_column (dist, kind, lo, &n);
      assert_true (n >= 1 && n <= 4);
      x_hi = marked_column (dist, kind, hi, &n);
      assert_true (n >= 1 && n <= 4);
      x_mid = marked_column (dist, kind, (lo + hi) / 2, &n);
      assert_true (n >= 2 && n <= 4);
      x_quarter = marked_column (dist, kind, lo + (hi - lo) / 4, &n);
      assert_true (n >= 2 && n <= 4);
      print_message ("marker (kind %d): x %.1f first, %.1f mid, %.1f quarter, %.1f last\n",
                     kind, x_lo, x_mid, x_quarter, x_hi);
      assert_true (x_hi - x_lo > 400);
      assert_true (fabs (x_mid - (x_lo + x_hi) / 2) <= 1.5);
      assert_true (fabs (x_quarter - (x_lo + (x_hi - x_lo) / 4)) <= 1.5);
    }
}

/* The cells are painted in the ramp's colours (over a thousand pixels of
 * them, none the panel's), and the largest count is one the layer can
 * have. */
void
test_dist_cells (void **unused)
{
  g_autoptr(BpRecordDist) dist = recorded_dist ();
  cairo_surface_t *s = paint_dist (dist, 0, NAN);
  guint32 panel = bpv_rgba_to_argb32 (bpv_theme_colors (BPV_THEME_LIGHT)->panel);
  const BpRecordDistHist *h = &dist->hist[BP_RECORD_DIST_WEIGHTS][0];
  int ramp = 0;

  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        guint32 p = pixel_at (s, x, y);

        for (int k = 0; k <= 16 && ramp < 1000; k++)
          if (channel_diff (p, bpv_rgba_to_argb32 (bpv_plot_dist_ramp (k / 16.0, BPV_THEME_LIGHT))) <= 12
              && channel_diff (p, panel) > 12)
            {
              ramp++;
              break;
            }
      }
  assert_true (ramp >= 1000);
  assert_true (h->max_count > 0 && h->max_count <= h->n_values);
  cairo_surface_destroy (s);
}

/* Few to many reads light to dark on the light theme and dark to light on
 * the dark one, strictly: the order survives grayscale. */
void
test_dist_ramp_order (void **unused)
{
  for (int k = 0; k < 32; k++)
    {
      double a = bpv_rgba_luminance (bpv_plot_dist_ramp (k / 32.0, BPV_THEME_LIGHT));
      double b = bpv_rgba_luminance (bpv_plot_dist_ramp ((k + 1) / 32.0, BPV_THEME_LIGHT));
      double c = bpv_rgba_luminance (bpv_plot_dist_ramp (k / 32.0, BPV_THEME_DARK));
      double d = bpv_rgba_luminance (bpv_plot_dist_ramp ((k + 1) / 32.0, BPV_THEME_DARK));

      assert_true (a > b);
      assert_true (c < d);
    }
}
