/* test-plot-dist.c — bpv-plot-dist: the heat maps and the units plot of a
 * recorded spirals run, pixels: the shown step's marker at its x on the
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
#include "test-trainer-fixtures.h"
#include "test-record-run.h"

#define W 800
#define H 480
#define STEPS 400

static BpRecordDist *dist;

/* 2-8-8-1 (relu, tanh, sigmoid; bce) on 200 spirals rows, B = 20. */
static int
setup (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpRecord) rec = bp_record_new (BP_RECORD_DEFAULT_BUDGET);
  BpTrainConfig config = { .batch_size = 20, .shuffle = TRUE, .seed = 5, .keep_trace = TRUE };
  BpRng rng;
  Run run;

  (void) state;
  run.ds = bp_dataset_generate ("spirals", 200, -1, 3, &error);
  assert_non_null (run.ds);
  run.net = bp_network_new (2, &error);
  assert_true (bp_network_add_layer (run.net, 8, "relu", NULL, &error));
  assert_true (bp_network_add_layer (run.net, 8, "tanh", NULL, &error));
  assert_true (bp_network_add_layer (run.net, 1, "sigmoid", NULL, &error));
  assert_true (bp_network_set_cost (run.net, "bce", NULL, &error));
  bp_rng_init (&rng, 2);
  bp_network_init_weights (run.net, BP_INIT_HE_UNIFORM, &rng);
  run.opt = make_opt ("adam", run.net->n_params, 0.02);
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
  return 0;
}

static int
teardown (void **state)
{
  (void) state;
  g_clear_pointer (&dist, bp_record_dist_free);
  return 0;
}

static guint32
pixel_at (cairo_surface_t *s,
          int              x,
          int              y)
{
  return ((guint32 *) (cairo_image_surface_get_data (s)
                       + y * cairo_image_surface_get_stride (s)))[x];
}

static int
channel_diff (guint32 a,
              guint32 b)
{
  int d = 0;

  for (int k = 0; k < 32; k += 8)
    d = MAX (d, abs ((int) ((a >> k) & 0xff) - (int) ((b >> k) & 0xff)));
  return d;
}

/* 0: W(1), 1: ∂C/∂W(2), 2: units; marked at `mark_x` (NAN: not). */
static cairo_surface_t *
paint (int    kind,
       double mark_x)
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

/* The columns of accent pixels over at least `min` rows: how many, and
 * their mean x (−1: none). */
static double
accent_columns (cairo_surface_t *s,
                int              min,
                int             *n_columns)
{
  guint32 accent = bpv_rgba_to_argb32 (bpv_theme_colors (BPV_THEME_LIGHT)->accent);
  double sum = 0;

  *n_columns = 0;
  for (int x = 0; x < W; x++)
    {
      int n = 0;

      for (int y = 0; y < H; y++)
        n += channel_diff (pixel_at (s, x, y), accent) <= 3;
      if (n >= min)
        {
          sum += x;
          (*n_columns)++;
        }
    }
  return *n_columns > 0 ? sum / *n_columns : -1;
}

static double
marked_column (int     kind,
               double  mark_x,
               int    *n)
{
  cairo_surface_t *s = paint (kind, mark_x);
  double x = accent_columns (s, 200, n);

  cairo_surface_destroy (s);
  return x;
}

/* The marker sits where the step axis puts the shown step — the first,
 * the last, halfway, a quarter — over the heat maps as over the lines;
 * nothing when unmarked or off the axis. */
static void
test_marker (void **state)
{
  double lo = (double) dist->steps[0], hi = (double) dist->steps[dist->n_steps - 1];

  (void) state;
  for (int kind = 0; kind < 3; kind++)
    {
      double x_lo, x_hi, x_mid, x_quarter;
      int n;

      marked_column (kind, NAN, &n);
      assert_int_equal (n, 0);
      marked_column (kind, hi + 100, &n);
      assert_int_equal (n, 0);
      x_lo = marked_column (kind, lo, &n);
      assert_true (n >= 1 && n <= 4);
      x_hi = marked_column (kind, hi, &n);
      assert_true (n >= 1 && n <= 4);
      x_mid = marked_column (kind, (lo + hi) / 2, &n);
      assert_true (n >= 2 && n <= 4);
      x_quarter = marked_column (kind, lo + (hi - lo) / 4, &n);
      assert_true (n >= 2 && n <= 4);
      print_message ("marker (kind %d): x %.1f first, %.1f mid, %.1f quarter, %.1f last\n",
                     kind, x_lo, x_mid, x_quarter, x_hi);
      assert_true (x_hi - x_lo > 400);
      assert_true (fabs (x_mid - (x_lo + x_hi) / 2) <= 1.5);
      assert_true (fabs (x_quarter - (x_lo + (x_hi - x_lo) / 4)) <= 1.5);
    }
}

/* Cells are painted with the ramp: the column of step 0 of W(1) has as
 * many distinct non-panel runs as it has non-empty bins, roughly — here:
 * some ramp-coloured pixels exist inside the data area, and an empty
 * bin shows the panel. */
static void
test_cells (void **state)
{
  cairo_surface_t *s = paint (0, NAN);
  guint32 panel = bpv_rgba_to_argb32 (bpv_theme_colors (BPV_THEME_LIGHT)->panel);
  const BpRecordDistHist *h = &dist->hist[BP_RECORD_DIST_WEIGHTS][0];
  int ramp = 0;

  (void) state;
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
static void
test_ramp_order (void **state)
{
  (void) state;
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

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_marker),
    cmocka_unit_test (test_cells),
    cmocka_unit_test (test_ramp_order),
  };

  return cmocka_run_group_tests_name ("plot-dist", tests, setup, teardown);
}
