/* test-window-timeline.c — the timeline under the canvas (bpv-timeline.c)
 * in the real window: it follows a run, the slider's key bindings and a
 * drag (the value a drag sets) show a past step on the canvas, "Back to
 * Now" and "Resume from Here" act, and undo brings the present back; and
 * the same scrubbing while the run goes on training; the inspector's
 * optimizer section at a past step is that step's.  With
 * BPV_TIMELINE_SHOTS set to a folder, the window is saved there as PNGs.
 *
 * The keys go through GtkRange's "move-slider" keybinding signal (what
 * Left, Right, Home and End emit); the pointer drag is not synthesised
 * (GTK 4 has no API for it): the drag test sets the slider's value. */
#include "config.h"

#include "test-window.h"
#include "test-gui.h"

#include "bpv-inspector.h"
#include "bpv-palette.h"
#include "bpv-plot-view.h"
#include "bpv-timeline.h"

static void
shot (Fixture    *f,
      const char *name)
{
  window_shot (f, g_getenv ("BPV_TIMELINE_SHOTS"), name);
}

static gboolean
trained_200 (gpointer data)
{
  Fixture *f = data;

  return bpv_session_get_step_count (f->session) >= 200;
}

/* The title's subtitle says the canvas shows the past ("step 0 of 200
 * (the past)"), not the present's epoch figures. */
static gboolean
title_says_past (gpointer data)
{
  const char *sub = adw_window_title_get_subtitle (template_child (data, "window_title"));

  return sub != NULL && strstr (sub, " · step 0 of ") != NULL && strstr (sub, "(the past)") != NULL
         && strstr (sub, "epoch") == NULL;
}

static const BpNetwork *
canvas_net (Fixture *f)
{
  BpvRenderState state = { 0 };

  bpv_network_view_get_render_state (view_of (f), &state);
  return state.net;
}

/* Columns that are the accent colour (either theme's) over most of the
 * plot's height, painted at 800 × 480: the timeline's marker. */
static int
marker_columns_of (BpvPlotView *view)
{
  guint32 light = bpv_rgba_to_argb32 (bpv_theme_colors (BPV_THEME_LIGHT)->accent);
  guint32 dark = bpv_rgba_to_argb32 (bpv_theme_colors (BPV_THEME_DARK)->accent);
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 800, 480);
  cairo_t *cr = cairo_create (s);
  const guint8 *data;
  int stride, columns = 0;

  bpv_plot_view_paint (view, cr, 800, 480);
  cairo_destroy (cr);
  cairo_surface_flush (s);
  data = cairo_image_surface_get_data (s);
  stride = cairo_image_surface_get_stride (s);
  for (int x = 0; x < 800; x++)
    {
      int n = 0;

      for (int y = 0; y < 480; y++)
        {
          guint32 p = ((const guint32 *) (data + y * stride))[x] & 0xffffff;

          n += p == (light & 0xffffff) || p == (dark & 0xffffff);
        }
      columns += n >= 200;
    }
  cairo_surface_destroy (s);
  return columns;
}

static int
marker_columns (Fixture    *f,
                const char *view)
{
  return marker_columns_of (template_child (f, view));
}

/* The histogram's column: a header (the "Over Time" toggle, the
 * distributions' menu), the histogram and the Distributions plot (not
 * template children of their own). */
static GtkWidget *
plot_column (Fixture *f)
{
  return gtk_widget_get_parent (template_child (f, "histogram_view"));
}

static GtkToggleButton *
over_time_toggle (Fixture *f)
{
  return GTK_TOGGLE_BUTTON (gtk_widget_get_first_child (gtk_widget_get_first_child (plot_column (f))));
}

static GtkMenuButton *
distributions_menu (Fixture *f)
{
  return GTK_MENU_BUTTON (gtk_widget_get_last_child (gtk_widget_get_first_child (plot_column (f))));
}

static BpvPlotView *
distributions_view (Fixture *f)
{
  return BPV_PLOT_VIEW (gtk_widget_get_last_child (plot_column (f)));
}

static gboolean
distributions_ready (gpointer data)
{
  const char *status = NULL;

  return bpv_session_get_distributions (data, &status) != NULL && status == NULL;
}

void
test_timeline_scrubs (void **state)
{
  Fixture *f = *state;
  BpvTimeline *tl = template_child (f, "timeline");
  GtkWidget *scale = bpv_timeline_get_scale (tl);
  const BpNetwork *live = bpv_session_get_network (f->session);
  gsize P = live->n_params;
  g_autofree double *present = NULL;
  g_autofree double *initial = g_memdup2 (live->params, P * sizeof (double));
  const BpRecord *rec;
  guint64 steps;
  gsize n;
  g_autofree char *expect = NULL;

  assert_false (gtk_widget_get_sensitive (scale));
  /* The histogram's column on the distributions for the run. */
  gtk_toggle_button_set_active (over_time_toggle (f), TRUE);
  bpv_session_set_speed (f->session, 1.0);
  assert_true (bpv_session_play (f->session, NULL));
  assert_non_null (strstr (bpv_timeline_get_text (tl), "Recording"));
  assert_true (spin_until (trained_200, f, 120));
  bpv_session_pause (f->session);
  assert_true (spin_until (not_running, f->session, 120));
  steps = bpv_session_get_step_count (f->session);
  present = g_memdup2 (live->params, P * sizeof (double));
  rec = bpv_session_get_record (f->session);
  n = bp_record_n (rec);
  assert_true (gtk_widget_get_sensitive (scale));
  expect = g_strdup_printf ("Now: step %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT, steps, steps);
  assert_non_null (strstr (bpv_timeline_get_text (tl), expect));
  assert_int_equal ((gsize) gtk_range_get_value (GTK_RANGE (scale)), n - 1);
  shot (f, "timeline-now.png");

  /* Keys: Left is one kept step back, Home the first (step 0). */
  gtk_widget_grab_focus (scale);
  g_signal_emit_by_name (scale, "move-slider", GTK_SCROLL_STEP_LEFT);
  assert_true (bpv_session_is_viewing_past (f->session));
  assert_int_equal (bpv_session_get_shown_step (f->session), bp_record_step_at (rec, n - 2));
  assert_non_null (strstr (bpv_timeline_get_text (tl), "Past: step"));
  g_signal_emit_by_name (scale, "move-slider", GTK_SCROLL_START);
  assert_int_equal (bpv_session_get_shown_step (f->session), 0);
  assert_true (spin_until (title_says_past, f, 10));
  /* The canvas draws the shown copy: the untrained network. */
  assert_true (canvas_net (f) != live);
  assert_memory_equal (canvas_net (f)->params, initial, P * sizeof (double));
  assert_memory_equal (live->params, present, P * sizeof (double));
  spin (0.2);

  /* A drag's value: the middle of the run. */
  gtk_range_set_value (GTK_RANGE (scale), (double) (n / 2));
  assert_int_equal (bpv_session_get_shown_step (f->session), bp_record_step_at (rec, n / 2));
  spin (0.3);
  shot (f, "timeline-past.png");
  /* The norms plot (x: steps) marks the shown step with a thin column. */
  {
    int cols = marker_columns (f, "norms_view");

    assert_true (cols >= 1 && cols <= 4);
  }
  /* So does the Distributions plot, on screen since the run: its worker
   * computed every kept step again when the run handed the recording
   * back. */
  {
    const BpRecordDist *dist;
    int cols;

    assert_true (spin_until (distributions_ready, f->session, 120));
    dist = bpv_session_get_distributions (f->session, NULL);
    assert_int_equal (dist->n_steps, n);
    for (guint q = 0; q < 3; q++)
      {
        bpv_plot_view_set_quantity (distributions_view (f), q);
        cols = marker_columns_of (distributions_view (f));
        assert_true (cols >= 1 && cols <= 4);
      }
    bpv_plot_view_set_quantity (distributions_view (f), 1);
    spin (0.3);
    shot (f, "timeline-distributions.png");
  }
  /* Its layer: the spin button's (in the menu above it), and a weight
   * selected on the canvas chooses its own. */
  {
    GtkPopover *popover = gtk_menu_button_get_popover (distributions_menu (f));
    GtkSpinButton *layer = GTK_SPIN_BUTTON (gtk_widget_get_last_child (gtk_popover_get_child (popover)));
    BpvHit hit = { BPV_HIT_EDGE, 3, 0, 1 };
    guint shown;

    gtk_spin_button_set_value (layer, 2);
    g_object_get (distributions_view (f), "layer", &shown, NULL);
    assert_int_equal (shown, 2);
    bpv_session_set_selection (f->session, &hit);
    g_object_get (distributions_view (f), "layer", &shown, NULL);
    assert_int_equal (shown, 3);
    assert_int_equal ((int) gtk_spin_button_get_value (layer), 3);
  }

  /* Back to Now. */
  assert_true (gtk_widget_activate_action (GTK_WIDGET (tl), "timeline.present", NULL));
  assert_false (bpv_session_is_viewing_past (f->session));
  assert_ptr_equal (canvas_net (f), bpv_session_get_network (f->session));
  assert_int_equal (marker_columns (f, "norms_view"), 0);
  assert_int_equal ((gsize) gtk_range_get_value (GTK_RANGE (scale)), n - 1);
}

void
test_timeline_resume_and_undo (void **state)
{
  Fixture *f = *state;
  BpvTimeline *tl = template_child (f, "timeline");
  GtkWidget *scale = bpv_timeline_get_scale (tl);
  const BpRecord *rec;
  guint64 steps, fork;
  gsize n;
  g_autofree char *expect = NULL;

  bpv_session_set_speed (f->session, 1.0);
  assert_true (bpv_session_play (f->session, NULL));
  assert_true (spin_until (trained_200, f, 120));
  bpv_session_pause (f->session);
  assert_true (spin_until (not_running, f->session, 120));
  steps = bpv_session_get_step_count (f->session);
  rec = bpv_session_get_record (f->session);
  n = bp_record_n (rec);
  fork = bp_record_step_at (rec, n / 2);
  gtk_range_set_value (GTK_RANGE (scale), (double) (n / 2));
  assert_true (gtk_widget_activate_action (GTK_WIDGET (tl), "timeline.resume", NULL));
  assert_false (bpv_session_is_viewing_past (f->session));
  assert_int_equal (bpv_session_get_step_count (f->session), fork);
  /* The fork is the undo menu's latest entry; undo is the present. */
  activate (f, "undo");
  assert_int_equal (bpv_session_get_step_count (f->session), steps);
  /* The slider is at the present again, which is the last kept step. */
  expect = g_strdup_printf ("Now: step %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT, steps, steps);
  assert_non_null (strstr (bpv_timeline_get_text (tl), expect));
  assert_int_equal ((gsize) gtk_range_get_value (GTK_RANGE (scale)), n - 1);
}

/* The slider's range reaches the window's "upper" (a position). */
static gboolean
slider_upper_reaches (gpointer data)
{
  Fixture *f = data;
  GtkWidget *scale = bpv_timeline_get_scale (template_child (f, "timeline"));

  return gtk_adjustment_get_upper (gtk_range_get_adjustment (GTK_RANGE (scale)))
         >= (double) GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (f->window), "upper"));
}

static gboolean
trained_past (gpointer data)
{
  Fixture *f = data;

  return bpv_session_get_step_count (f->session)
         >= GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (f->window), "until"));
}

/* Scrubbing while training runs: the slider is live, a drag shows a past
 * step and it stays on the canvas while the present trains on (the step
 * count and the slider's range grow, the shown parameters do not change);
 * Resume from Here waits for a pause; Back to Now shows the present, which
 * never stopped. */
void
test_timeline_scrubs_while_training (void **state)
{
  Fixture *f = *state;
  BpvTimeline *tl = template_child (f, "timeline");
  GtkWidget *scale = bpv_timeline_get_scale (tl);
  GtkAdjustment *adj = gtk_range_get_adjustment (GTK_RANGE (scale));
  const BpNetwork *live = bpv_session_get_network (f->session);
  gsize P = live->n_params;
  g_autofree double *initial = g_memdup2 (live->params, P * sizeof (double));
  g_autoptr(GError) error = NULL;
  double upper;
  guint64 steps;

  bpv_session_set_speed (f->session, 1.0);
  assert_true (bpv_session_play (f->session, NULL));
  assert_true (spin_until (trained_200, f, 120));
  /* The window brings the timeline up to date with its title, every
   * 100 ms while training. */
  g_object_set_data (G_OBJECT (f->window), "upper", GSIZE_TO_POINTER (2));
  assert_true (spin_until (slider_upper_reaches, f, 60));
  assert_true (bpv_session_get_running (f->session));
  assert_true (gtk_widget_get_sensitive (scale));
  assert_non_null (strstr (bpv_timeline_get_text (tl), "Recording: now step "));

  /* A drag's value: the first kept step, step 0. */
  gtk_range_set_value (GTK_RANGE (scale), 0);
  assert_true (bpv_session_is_viewing_past (f->session));
  assert_int_equal (bpv_session_get_shown_step (f->session), 0);
  assert_true (canvas_net (f) != live);
  assert_memory_equal (canvas_net (f)->params, initial, P * sizeof (double));
  assert_non_null (strstr (bpv_timeline_get_text (tl), "Past: step 0 of "));
  upper = gtk_adjustment_get_upper (adj);
  steps = bpv_session_get_step_count (f->session);

  /* The present trains on under the past. */
  g_object_set_data (G_OBJECT (f->window), "until", GSIZE_TO_POINTER ((gsize) steps + 300));
  assert_true (spin_until (trained_past, f, 120));
  assert_true (bpv_session_get_running (f->session));
  assert_true (bpv_session_is_viewing_past (f->session));
  assert_int_equal (bpv_session_get_shown_step (f->session), 0);
  assert_memory_equal (canvas_net (f)->params, initial, P * sizeof (double));
  assert_true (spin_until (title_says_past, f, 10));
  /* The range grows (the slider's upper end is the present). */
  g_object_set_data (G_OBJECT (f->window), "upper", GSIZE_TO_POINTER ((gsize) upper + 1));
  assert_true (spin_until (slider_upper_reaches, f, 60));
  assert_true (gtk_range_get_value (GTK_RANGE (scale)) == 0);
  assert_non_null (strstr (bpv_timeline_get_text (tl), "Past: step 0 of "));
  /* The card says which step is whose: no batch cost of the present
   * beside the past's canvas. */
  assert_non_null (strstr (gtk_label_get_text (template_child (f, "phase_detail")),
                           "the canvas: step 0, the past"));
  shot (f, "timeline-past-while-training.png");

  /* Forking replaces the present: not while it trains. */
  assert_false (bpv_session_resume_from (f->session, 0, &error));
  assert_string_equal (error->message, "Pause training to resume from a past step");
  assert_true (bpv_session_get_running (f->session));

  /* Another past step while training: the middle of what is kept. */
  gtk_range_set_value (GTK_RANGE (scale), floor (gtk_adjustment_get_upper (adj) / 2));
  assert_true (bpv_session_is_viewing_past (f->session));
  assert_true (bpv_session_get_shown_step (f->session) > 0);
  assert_true (bpv_session_get_shown_step (f->session) < bpv_session_get_step_count (f->session));

  /* Back to Now: the present, still training. */
  assert_true (gtk_widget_activate_action (GTK_WIDGET (tl), "timeline.present", NULL));
  assert_false (bpv_session_is_viewing_past (f->session));
  assert_ptr_equal (canvas_net (f), bpv_session_get_network (f->session));
  steps = bpv_session_get_step_count (f->session);
  g_object_set_data (G_OBJECT (f->window), "until", GSIZE_TO_POINTER ((gsize) steps + 100));
  assert_true (spin_until (trained_past, f, 120));
  assert_false (bpv_session_is_viewing_past (f->session));
  bpv_session_pause (f->session);
  assert_true (spin_until (not_running, f->session, 120));
}

/* The inspector's text contains the string set as "want" on the window. */
static gboolean
inspector_says (gpointer data)
{
  Fixture *f = data;
  BpvInspector *inspector = BPV_INSPECTOR (bpv_window_get_inspector (f->window));
  const BpvExplanation *ex = bpv_inspector_get_explanation (inspector);

  return ex != NULL && ex->text != NULL
         && strstr (ex->text, g_object_get_data (G_OBJECT (f->window), "want")) != NULL;
}

/* Adam's m and v for a selected weight, scrubbed back: the inspector
 * names the past step and shows the state restored from the recording for
 * it (not the present's, as it did), and the present's again after Back
 * to Now. */
void
test_timeline_past_optimizer (void **state)
{
  Fixture *f = *state;
  BpvTimeline *tl = template_child (f, "timeline");
  GtkWidget *scale = bpv_timeline_get_scale (tl);
  BpvInspector *inspector = BPV_INSPECTOR (bpv_window_get_inspector (f->window));
  BpvHit hit = { BPV_HIT_EDGE, 2, 0, 3 };
  const BpNetwork *live;
  g_autoptr(BpOptimizer) past = NULL;
  g_autoptr(BpNetwork) past_net = NULL;
  g_autofree char *want = NULL;
  const BpvExplanation *ex;
  const BpRecord *rec;
  guint64 step;
  gsize n, w;

  assert_true (bpv_session_set_optimizer (f->session, "adam", NULL));
  live = bpv_session_get_network (f->session);
  w = (gsize) (live->layers[1].W - live->params) + 3;
  bpv_session_set_selection (f->session, &hit);
  bpv_session_set_speed (f->session, 1.0);
  assert_true (bpv_session_play (f->session, NULL));
  assert_true (spin_until (trained_200, f, 120));
  bpv_session_pause (f->session);
  assert_true (spin_until (not_running, f->session, 120));
  live = bpv_session_get_network (f->session);
  rec = bpv_session_get_record (f->session);
  n = bp_record_n (rec);

  gtk_range_set_value (GTK_RANGE (scale), (double) (n / 2));
  step = bpv_session_get_shown_step (f->session);
  assert_int_equal (step, bp_record_step_at (rec, n / 2));
  past = bp_optimizer_copy (bpv_session_get_optimizer (f->session));
  past_net = bp_network_copy (live);
  assert_true (bp_record_restore (rec, n / 2, past_net, past, NULL, NULL));
  want = g_strdup_printf ("Optimizer (adam) at step %" G_GUINT64_FORMAT "  after %"
                          G_GUINT64_FORMAT " steps: m = ", step, step);
  g_object_set_data (G_OBJECT (f->window), "want", want);
  assert_true (spin_until (inspector_says, f, 10));
  ex = bpv_inspector_get_explanation (inspector);
  assert_true (ex->weight == past_net->params[w]);
  assert_true (ex->optimizer.slots[0] == past->state_views[0][w]);
  assert_true (ex->optimizer.slots[1] == past->state_views[1][w]);
  assert_true (ex->optimizer.slots[0] != bpv_session_get_optimizer (f->session)->state_views[0][w]);
  spin (0.3);
  shot (f, "past-adam.png");

  assert_true (gtk_widget_activate_action (GTK_WIDGET (tl), "timeline.present", NULL));
  g_free (want);
  want = g_strdup_printf ("Optimizer (adam)  after %" G_GUINT64_FORMAT " steps: m = ",
                          bpv_session_get_optimizer (f->session)->t);
  g_object_set_data (G_OBJECT (f->window), "want", want);
  assert_true (spin_until (inspector_says, f, 10));
  ex = bpv_inspector_get_explanation (inspector);
  assert_true (ex->optimizer.slots[0] == bpv_session_get_optimizer (f->session)->state_views[0][w]);
}

static gboolean
distributions_while_training (gpointer data)
{
  Fixture *f = data;
  const BpRecordDist *dist = bpv_session_get_distributions (f->session, NULL);
  gsize after = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (f->window), "after"));

  return bpv_session_get_running (f->session) && dist != NULL && dist->n_steps > after;
}

/* Four plot columns of 180 px at least in the 1280-pixel window; the
 * histogram's column shows the histogram now or, toggled from its header
 * (a focusable button: Space activates it), the distributions over time,
 * which follow the run while it trains. */
void
test_plots_over_time (void **state)
{
  Fixture *f = *state;
  GtkWidget *box = template_child (f, "plots_box");
  GtkWidget *histogram = template_child (f, "histogram_view");
  GtkWidget *toggle = GTK_WIDGET (over_time_toggle (f));
  GtkWidget *dists = GTK_WIDGET (distributions_view (f));
  const BpRecordDist *dist;
  int columns = 0, min_width, nat;

  gtk_widget_measure (GTK_WIDGET (f->window), GTK_ORIENTATION_HORIZONTAL, -1, &min_width, &nat, NULL, NULL);
  assert_true (min_width <= 1280);
  assert_true (gtk_widget_get_width (GTK_WIDGET (f->window)) <= 1280);
  for (GtkWidget *c = gtk_widget_get_first_child (box); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      assert_true (gtk_widget_get_width (c) >= 180);
      columns++;
    }
  assert_int_equal (columns, 4);

  /* The histogram now, the distributions' menu off. */
  assert_true (gtk_widget_get_mapped (histogram));
  assert_false (gtk_widget_get_visible (dists));
  assert_false (gtk_widget_get_sensitive (GTK_WIDGET (distributions_menu (f))));
  assert_true (gtk_widget_get_focusable (toggle));
  assert_non_null (gtk_widget_get_tooltip_text (toggle));

  /* What Space or Enter on the focused toggle does (GtkButton clicks
   * 250 ms after its activation). */
  gtk_widget_grab_focus (toggle);
  assert_true (gtk_widget_has_focus (toggle));
  gtk_widget_activate (toggle);
  spin (0.5);
  assert_true (gtk_toggle_button_get_active (over_time_toggle (f)));
  assert_false (gtk_widget_get_visible (histogram));
  assert_true (gtk_widget_get_mapped (dists));
  assert_true (gtk_widget_get_width (dists) >= 180);
  assert_true (gtk_widget_get_sensitive (GTK_WIDGET (distributions_menu (f))));

  /* While the run trains the distributions are computed from a copy of
   * its recording, and again later with more kept steps. */
  bpv_session_set_speed (f->session, 1.0);
  assert_true (bpv_session_play (f->session, NULL));
  g_object_set_data (G_OBJECT (f->window), "after", GSIZE_TO_POINTER (0));
  assert_true (spin_until (distributions_while_training, f, 120));
  dist = bpv_session_get_distributions (f->session, NULL);
  g_object_set_data (G_OBJECT (f->window), "after", GSIZE_TO_POINTER (dist->n_steps));
  assert_true (spin_until (distributions_while_training, f, 120));
  bpv_plot_view_set_quantity (distributions_view (f), 1);
  spin (0.3);
  shot (f, "plots-over-time-training.png");

  /* A double-click's action (plot.open-large): the same plot, large, in a window of its
   * own that follows the small one's choices and the session. */
  {
    GtkWindow *large;
    BpvPlotView *big;
    guint quantity;
    const char *dir = g_getenv ("BPV_TIMELINE_SHOTS");

    GListModel *toplevels = gtk_window_get_toplevels ();
    guint before = g_list_model_get_n_items (toplevels);

    assert_true (gtk_widget_activate_action (dists, "plot.open-large", NULL));
    assert_int_equal (g_list_model_get_n_items (toplevels), before + 1);
    large = bpv_plot_view_open_large (distributions_view (f));
    assert_int_equal (g_list_model_get_n_items (toplevels), before + 2);
    big = BPV_PLOT_VIEW (gtk_window_get_child (large));
    assert_ptr_equal (gtk_window_get_transient_for (large), GTK_WINDOW (f->window));
    assert_int_equal (bpv_plot_view_get_kind (big), BPV_PLOT_DISTRIBUTIONS);
    g_object_get (big, "quantity", &quantity, NULL);
    assert_int_equal (quantity, 1);
    bpv_plot_view_set_quantity (distributions_view (f), 0);
    g_object_get (big, "quantity", &quantity, NULL);
    assert_int_equal (quantity, 0);
    bpv_plot_view_set_quantity (distributions_view (f), 1);
    spin (0.5);
    assert_true (gtk_widget_get_width (GTK_WIDGET (big)) >= 800);
    assert_true (gtk_widget_get_height (GTK_WIDGET (big)) >= 500);
    if (dir != NULL && dir[0] != '\0')
      assert_true (gui_window_shot (GTK_WIDGET (large), dir, "plots-distributions-large.png"));
    gtk_window_destroy (large);
    /* The other closes with Escape. */
    for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
      {
        g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, i);

        if (w != GTK_WINDOW (f->window) && gtk_window_get_transient_for (w) == GTK_WINDOW (f->window)
            && BPV_IS_PLOT_VIEW (gtk_window_get_child (w)))
          {
            assert_true (gtk_widget_activate_action (GTK_WIDGET (w), "window.close", NULL));
            break;
          }
      }
    spin (0.2);
    assert_int_equal (g_list_model_get_n_items (toplevels), before);
  }
  bpv_session_pause (f->session);
  assert_true (spin_until (not_running, f->session, 120));

  /* Back to the histogram: the distributions are no longer computed. */
  gtk_widget_activate (toggle);
  spin (0.5);
  assert_true (gtk_widget_get_mapped (histogram));
  assert_false (gtk_widget_get_visible (dists));
  shot (f, "plots-histogram.png");
}
