/* test-render-compare.c — the compare view's plots (bpv-plot-compare.c),
 * read back from their pixels: A's line solid and B's dashed, each where
 * its values put it; the layers' colours in the gradient-norm plot; the
 * marker at the step both canvases show. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-render.h"

#include <math.h>

#include "bpv-palette.h"
#include "bpv-plot-compare.h"

#define W 640
#define H 320
#define STEPS 301

/* Where a colour is drawn in the data rows (below the key, above the x
 * axis labels): the pixels within 3 levels of it, their mean y, and how
 * many columns between the first and the last hold one. */
typedef struct
{
  gsize  pixels;
  double mean_y;
  int    first_x, last_x;
  int    columns;
} Trace;

static Trace
trace_of (cairo_surface_t *s,
          BpvRgba          color,
          int              y_from,
          int              y_to)
{
  guint32 want = bpv_rgba_to_argb32 (color);
  Trace t = { 0, 0, -1, -1, 0 };
  double sum = 0;

  for (int x = 0; x < W; x++)
    {
      gboolean any = FALSE;

      for (int y = y_from; y < y_to; y++)
        if (channel_diff (pixel_at (s, x, y), want) <= 3)
          {
            t.pixels++;
            sum += y;
            any = TRUE;
          }
      if (any)
        {
          if (t.first_x < 0)
            t.first_x = x;
          t.last_x = x;
          t.columns++;
        }
    }
  t.mean_y = t.pixels > 0 ? sum / t.pixels : NAN;
  return t;
}

/* With BACKPROP_TEST_PNG_DIR set, the picture is saved there to look at. */
static void
save_png (cairo_surface_t *s,
          const char      *name)
{
  const char *dir = g_getenv ("BACKPROP_TEST_PNG_DIR");
  g_autofree char *path = NULL;

  if (dir == NULL)
    return;
  path = g_build_filename (dir, name, NULL);
  cairo_surface_write_to_png (s, path);
}

static cairo_surface_t *
blank (cairo_t **cr)
{
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, W, H);

  *cr = cairo_create (s);
  return s;
}

/* A's loss 1.0 and B's 0.2 at every step: A's line above B's, both across
 * the plot; A's unbroken, B's dashed (columns without it). */
void
test_plot_compare_loss (void **unused)
{
  double x[STEPS], ya[STEPS], yb[STEPS];
  BpvPlotSeries a = { "A · sgd", x, ya, STEPS }, b = { "B · adam", x, yb, STEPS };
  BpvPlotStyle style;
  cairo_t *cr;
  cairo_surface_t *s = blank (&cr);
  Trace ta, tb;

  (void) unused;
  for (int i = 0; i < STEPS; i++)
    {
      x[i] = i;
      ya[i] = 1.0;
      yb[i] = 0.2;
    }
  bpv_plot_style_init (&style);
  bpv_plot_compare_loss (cr, &(BpvRect) { 0, 0, W, H }, &a, &b, &style);
  assert_int_equal (cairo_status (cr), CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);

  save_png (s, "compare-loss.png");
  /* Below the title and key rows. */
  ta = trace_of (s, bpv_palette_category (0), 45, H - 40);
  tb = trace_of (s, bpv_palette_category (1), 45, H - 40);
  print_message ("A: %zu px at y %.1f, x %d…%d in %d columns; B: %zu px at y %.1f, x %d…%d in %d columns\n",
                 ta.pixels, ta.mean_y, ta.first_x, ta.last_x, ta.columns,
                 tb.pixels, tb.mean_y, tb.first_x, tb.last_x, tb.columns);
  assert_true (ta.pixels > 300 && tb.pixels > 150);
  /* y grows downwards: the higher loss is the smaller y, and 0.2 is a
   * fifth of the way up from 0 where 1.0 is near the top. */
  assert_true (ta.mean_y + 100 < tb.mean_y);
  /* Both across most of the width. */
  assert_true (ta.last_x - ta.first_x > W / 2);
  assert_true (abs (tb.first_x - ta.first_x) <= 3 && abs (tb.last_x - ta.last_x) <= 3);
  /* A solid: every column; B dashed: gaps. */
  assert_true (ta.columns >= ta.last_x - ta.first_x - 1);
  assert_true (tb.columns < 0.8 * (tb.last_x - tb.first_x + 1));
  cairo_surface_destroy (s);
}

/* The marker at step 150 of 0 … 300: halfway along the lines. */
void
test_plot_compare_marker (void **unused)
{
  double x[STEPS], ya[STEPS], yb[STEPS];
  BpvPlotSeries a = { "A", x, ya, STEPS }, b = { "B", x, yb, STEPS };
  BpvPlotStyle style;
  cairo_t *cr;
  cairo_surface_t *s = blank (&cr);
  Trace ta;

  (void) unused;
  for (int i = 0; i < STEPS; i++)
    {
      x[i] = i;
      ya[i] = sin (i * 0.05);
      yb[i] = cos (i * 0.05);
    }
  bpv_plot_style_init (&style);
  style.mark = TRUE;
  style.mark_x = 150;
  style.mark_label = "step 150";
  bpv_plot_compare_weight (cr, &(BpvRect) { 0, 0, W, H }, "W(2)[4,1]", &a, &b, &style);
  cairo_destroy (cr);
  save_png (s, "compare-weight.png");
  ta = trace_of (s, bpv_palette_category (0), 45, H - 40);
  /* The marker's columns: accent over most of the data area's height
   * (its label, in the same colour, is only a text row high). */
  {
    guint32 accent = bpv_rgba_to_argb32 (bpv_theme_colors (BPV_THEME_LIGHT)->accent);
    double sum = 0;
    int n = 0;

    for (int px = 0; px < W; px++)
      {
        int on = 0;

        for (int py = 45; py < H - 40; py++)
          on += channel_diff (pixel_at (s, px, py), accent) <= 3;
        if (on >= 150)
          {
            sum += px;
            n++;
          }
      }
    print_message ("marker in %d columns at x %.1f, lines %d…%d\n", n, n > 0 ? sum / n : -1,
                   ta.first_x, ta.last_x);
    assert_true (n >= 1 && n <= 4);
    assert_true (fabs (sum / n - (ta.first_x + ta.last_x) / 2.0) <= 3);
  }
  cairo_surface_destroy (s);
}

/* Nothing selected: a message, no lines. */
void
test_plot_compare_no_weight (void **unused)
{
  double x[3] = { 0, 1, 2 }, y[3] = { 0.1, 0.2, 0.3 };
  BpvPlotSeries a = { "A", x, y, 3 }, b = { "B", x, y, 3 };
  cairo_t *cr;
  cairo_surface_t *s = blank (&cr);

  (void) unused;
  bpv_plot_compare_weight (cr, &(BpvRect) { 0, 0, W, H }, NULL, &a, &b, NULL);
  cairo_destroy (cr);
  assert_int_equal (trace_of (s, bpv_palette_category (0), 45, H - 40).pixels, 0);
  assert_int_equal (trace_of (s, bpv_palette_category (1), 45, H - 40).pixels, 0);
  cairo_surface_destroy (s);
}

/* Two layers: layer 1's colour in A (1e-1, solid) above B (1e-3, dashed);
 * layer 2's colour (both 1e-2) between them. */
void
test_plot_compare_grad_norms (void **unused)
{
  enum { R = 100, L = 2 };
  double na[R * L], nb[R * L];
  BpvPlotNormRun a = { "A · sgd", na, R, 2 }, b = { "B · adam", nb, R, 2 };
  cairo_t *cr;
  cairo_surface_t *s = blank (&cr);
  Trace l1, l2;
  cairo_surface_t *only_a;
  Trace l1_a;

  (void) unused;
  for (int r = 0; r < R; r++)
    {
      na[r * L] = 1e-1;
      nb[r * L] = 1e-3;
      na[r * L + 1] = nb[r * L + 1] = 1e-2;
    }
  bpv_plot_compare_grad_norms (cr, &(BpvRect) { 0, 0, W, H }, &a, &b, L, NULL);
  assert_int_equal (cairo_status (cr), CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  save_png (s, "compare-norms.png");
  l1 = trace_of (s, bpv_palette_category (0), 45, H - 40);
  l2 = trace_of (s, bpv_palette_category (1), 45, H - 40);
  print_message ("layer 1 at y %.1f (%zu px), layer 2 at y %.1f\n", l1.mean_y, l1.pixels, l2.mean_y);
  assert_true (l1.pixels > 300 && l2.pixels > 150);
  /* Layer 1's pixels are in two rows, A's 1e-1 above layer 2's 1e-2 and
   * B's 1e-3 below it. */
  {
    Trace above = trace_of (s, bpv_palette_category (0), 45, (int) l2.mean_y - 20);
    Trace below = trace_of (s, bpv_palette_category (0), (int) l2.mean_y + 20, H - 40);

    assert_true (above.pixels > 300 && below.pixels > 100);
    /* Solid above, dashed below. */
    assert_true (above.columns >= above.last_x - above.first_x - 1);
    assert_true (below.columns < 0.8 * (below.last_x - below.first_x + 1));
  }

  /* B alone (A with no records): layer 1 is only its dashed line at 1e-3,
   * low on the axis. */
  only_a = blank (&cr);
  a.n_records = 0;
  bpv_plot_compare_grad_norms (cr, &(BpvRect) { 0, 0, W, H }, &a, &b, L, NULL);
  cairo_destroy (cr);
  l1_a = trace_of (only_a, bpv_palette_category (0), 45, H - 40);
  assert_true (l1_a.pixels > 50);
  assert_true (l1_a.mean_y > l1.mean_y);
  assert_true (l1_a.columns < 0.8 * (l1_a.last_x - l1_a.first_x + 1));
  cairo_surface_destroy (only_a);
  cairo_surface_destroy (s);
}
