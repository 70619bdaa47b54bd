/* test-session-schedule.c — the learning-rate schedule in the session:
 * setting it is one undo step (and setting the same one is none), a bad
 * one is refused without a step, training records the scheduled rate with
 * each epoch, and the loss plot draws it in a panel of its own. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-session.h"

#include <math.h>
#include <string.h>

#include "bpv-plot.h"

#include "../test-main-loop.h"

static gboolean
three_periods (gpointer data)
{
  return bpv_session_get_step_count (data) >= 300;
}

static gboolean
stopped (gpointer data)
{
  return !bpv_session_get_running (data);
}

/* Pixels of the plot in colour c (the rate's line is the only thing drawn
 * in palette category 2), in rows [y0, y1). */
static gsize
count_color (cairo_surface_t *surface,
             BpvRgba          c,
             int              y0,
             int              y1)
{
  const guint8 *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);
  int w = cairo_image_surface_get_width (surface);
  gsize n = 0;

  cairo_surface_flush (surface);
  for (int y = y0; y < y1; y++)
    for (int x = 0; x < w; x++)
      {
        const guint8 *p = data + y * stride + 4 * x;   /* B, G, R, A */

        if (abs (p[2] - (int) (c.r * 255)) <= 3 && abs (p[1] - (int) (c.g * 255)) <= 3 &&
            abs (p[0] - (int) (c.b * 255)) <= 3)
          n++;
      }
  return n;
}

/* Rate-coloured pixels in the top and bottom 30 % of a 640 × 420 plot. */
static void
plot_rate_pixels (const BpEpochStats *stats,
                  gsize               n,
                  gsize              *top,
                  gsize              *bottom)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 640, 420);
  cairo_t *cr = cairo_create (surface);
  BpvRect rect = { 0, 0, 640, 420 };

  bpv_plot_loss (cr, &rect, stats, n, NULL);
  *top = count_color (surface, bpv_palette_category (2), 0, 126);
  *bottom = count_color (surface, bpv_palette_category (2), 294, 420);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

void
test_session_schedule (void **state)
{
  g_autoptr(BpvSession) s = default_session ();
  g_autoptr(GError) error = NULL;
  const BpEpochStats *stats;
  gsize n, top, bottom;
  BpSchedule cosine, bad;
  double base = bpv_session_get_learning_rate (s);
  guint64 t0 = bpv_session_get_optimizer (s)->t;

  (void) state;
  bp_schedule_init (&cosine, BP_SCHEDULE_COSINE);
  assert_true (bp_schedule_set (&cosine, "t_max", 100, NULL));
  assert_true (bp_schedule_set (&cosine, "eta_min", base / 10, NULL));
  assert_true (bpv_session_set_schedule (s, &cosine, &error));
  {
    g_autofree char *what = bp_schedule_describe (&cosine);
    g_autofree char *label = g_strdup_printf ("Change schedule to %s", what);

    assert_string_equal (bp_edit_undo_label (bpv_session_get_history (s)), label);
  }
  assert_true (bp_schedule_equal (bpv_session_get_schedule (s), &cosine));

  /* The same again is no step; a bad one is an error and no step. */
  assert_true (bpv_session_undo (s));
  assert_int_equal (bpv_session_get_schedule (s)->kind, BP_SCHEDULE_NONE);
  assert_true (bpv_session_redo (s));
  assert_true (bpv_session_set_schedule (s, &cosine, NULL));
  assert_true (bpv_session_undo (s));
  assert_int_equal (bpv_session_get_schedule (s)->kind, BP_SCHEDULE_NONE);
  assert_true (bpv_session_redo (s));
  bad = cosine;
  bad.phases[0].t_max = 0;
  assert_false (bpv_session_set_schedule (s, &bad, &error));
  assert_non_null (strstr (error->message, "t_max"));
  assert_true (bp_schedule_equal (bpv_session_get_schedule (s), &cosine));

  /* Train over three periods: each epoch keeps the rate the schedule gives
   * after its steps. */
  bpv_session_set_speed (s, 1.0);
  assert_true (bpv_session_play (s, NULL));
  spin_until (three_periods, s, 120);
  bpv_session_pause (s);
  spin_until (stopped, s, 120);
  stats = bpv_session_get_epochs (s, &n);
  assert_true (n >= 5);
  for (gsize i = 0; i < n; i++)
    if (!(stats[i].lr == bp_schedule_lr_at (&cosine, base, stats[i].step - t0)))
      fail_msg ("epoch %u (step %" G_GUINT64_FORMAT "): rate %.17g, schedule %.17g",
                stats[i].epoch, stats[i].step, stats[i].lr,
                bp_schedule_lr_at (&cosine, base, stats[i].step - t0));
  assert_true (bpv_plot_rate_varies (stats, n));

  /* Drawn under the loss, and only there. */
  plot_rate_pixels (stats, n, &top, &bottom);
  assert_true (bottom > 100);
  assert_int_equal (top, 0);
  {
    /* A constant rate: no panel. */
    g_autofree BpEpochStats *flat = g_memdup2 (stats, n * sizeof *stats);

    for (gsize i = 0; i < n; i++)
      flat[i].lr = base;
    assert_false (bpv_plot_rate_varies (flat, n));
    plot_rate_pixels (flat, n, &top, &bottom);
    assert_int_equal (bottom, 0);
  }

  /* Undo: the training, then the schedule. */
  assert_true (bpv_session_undo (s));
  assert_true (bp_schedule_equal (bpv_session_get_schedule (s), &cosine));
  assert_true (bpv_session_undo (s));
  assert_int_equal (bpv_session_get_schedule (s)->kind, BP_SCHEDULE_NONE);
}
