/* test-session-schedule.c — the learning-rate schedule in the session:
 * setting it is one undo step (and setting the same one is none), a bad
 * one is refused without a step, training records the scheduled rate with
 * each epoch, and the loss plot draws it in a panel of its own; step mode
 * records the epochs, their rates and the schedule's steps as a run does. */
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

/* Step mode under a schedule records what a training run records: the
 * epochs (a run's end at the same steps: the order's rows all taken) with
 * the rate the next step takes, for the loss plot's rate panel; the
 * recording's kept steps with the epoch count and the schedule's step (a
 * kept step restored takes the rate the schedule gives there); and a step
 * back over an epoch's end takes the epoch back.  Before, step mode kept
 * no epochs at all and recorded every step at epoch 0. */
void
test_session_schedule_step_mode (void **state)
{
  g_autoptr(BpvSession) s = default_session ();
  g_autoptr(GError) error = NULL;
  const BpEpochStats *stats;
  const BpRecord *rec;
  gsize n, per_epoch, B;
  BpSchedule sched;
  double base = bpv_session_get_learning_rate (s);
  guint64 t0 = bpv_session_get_optimizer (s)->t;

  (void) state;
  bp_schedule_init (&sched, BP_SCHEDULE_STEP);
  assert_true (bp_schedule_set (&sched, "step_size", 3, NULL));
  assert_true (bp_schedule_set (&sched, "gamma", 0.5, NULL));
  assert_true (bpv_session_set_schedule (s, &sched, &error));
  bpv_session_set_step_sample (s, FALSE);
  B = bpv_session_get_batch_size (s);
  per_epoch = (bpv_session_get_train (s)->n_rows + B - 1) / B;
  while (bpv_session_get_step_count (s) < 2 * per_epoch + 3)
    assert_true (bpv_session_step (s, &error));

  assert_int_equal (bpv_session_get_epoch (s), 2);
  stats = bpv_session_get_epochs (s, &n);
  assert_int_equal (n, 2);
  for (gsize i = 0; i < n; i++)
    {
      guint64 step = t0 + (i + 1) * per_epoch;

      assert_int_equal (stats[i].epoch, i + 1);
      assert_int_equal (stats[i].step, step);
      if (!(stats[i].lr == bp_schedule_lr_at (&sched, base, step - t0)))
        fail_msg ("epoch %zu: rate %.17g, schedule %.17g", i + 1, stats[i].lr,
                  bp_schedule_lr_at (&sched, base, step - t0));
      assert_true (isfinite (stats[i].train_loss) && isfinite (stats[i].test_loss));
    }
  assert_true (bpv_plot_rate_varies (stats, n));

  rec = bpv_session_get_record (s);
  assert_int_equal (bp_record_n (rec), 2 * per_epoch + 4);
  {
    g_autoptr(BpOptimizer) opt = bp_optimizer_copy (bpv_session_get_optimizer (s));
    g_autoptr(BpNetwork) net = bp_network_copy (bpv_session_get_network (s));

    for (gsize i = 0; i < bp_record_n (rec); i++)
      {
        guint64 step = bp_record_step_at (rec, i);

        assert_int_equal (bp_record_epoch_at (rec, i), (step - t0) / per_epoch);
        assert_true (bp_record_restore (rec, i, net, opt, NULL, &error));
        assert_int_equal (bp_optimizer_schedule_step (opt), step - t0);
        assert_true (bp_optimizer_lr (opt) == bp_schedule_lr_at (&sched, base, step - t0));
      }
  }

  /* Back over the second epoch's end: 9 stops a step, the update last. */
  while (bpv_session_get_step_count (s) > t0 + 2 * per_epoch - 1)
    assert_true (bpv_session_step_back (s));
  assert_int_equal (bpv_session_get_epoch (s), 1);
  stats = bpv_session_get_epochs (s, &n);
  assert_int_equal (n, 1);
  assert_int_equal (stats[0].step, t0 + per_epoch);
}
