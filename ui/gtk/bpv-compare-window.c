/* bpv-compare-window.c — A and B side by side (see bpv-compare-window.h). */
#include "config.h"
#include "bpv-compare-window.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "bpv-events.h"
#include "bpv-inspector.h"
#include "bpv-network-view.h"
#include "bpv-plot-compare.h"

#define RESOURCE_PATH "/io/github/backprop_studio/BackpropStudio/"
/* Training takes at most this much of a frame (µs): the steps a frame
 * double while a frame's steps take less than half of it, and halve when
 * they take more. */
#define FRAME_BUDGET_US   12000
#define MAX_STEPS_A_FRAME 4096
/* While training, the selected weight's history (restored from every
 * kept snapshot) is computed again at most this often (µs). */
#define WEIGHT_REFRESH_US 500000

struct _BpvCompareWindow
{
  AdwWindow       parent_instance;

  AdwWindowTitle *window_title;
  GtkButton      *play_button;
  GtkButton      *keep_button;
  GtkLabel       *caption_a;
  GtkLabel       *caption_b;
  BpvNetworkView *view_a;
  BpvNetworkView *view_b;
  BpvInspector   *inspector_a;
  BpvInspector   *inspector_b;
  GtkScale       *scale;
  GtkAdjustment  *adjustment;
  GtkLabel       *step_label;
  GtkDrawingArea *loss_plot;
  GtkDrawingArea *norms_plot;
  GtkDrawingArea *weight_plot;

  BpvCompareRun  *run;
  BpvSession     *main_session;  /* weak: the main window's, for Keep B */
  guint           tick_id;
  guint           steps_a_frame;
  gboolean        updating;      /* the slider is moved by refresh, not the user */
  gboolean        syncing;       /* a selection copied to the other side */
  char           *step_text;
  char           *error_text;    /* why training stopped, until the next step */

  /* The selected weight's history, and what it was computed for. */
  gsize           weight_n;
  double         *weight_steps, *weight_a, *weight_b;
  BpvHit          weight_hit;
  guint64         weight_for_step;
  gint64          weight_time;
};

G_DEFINE_FINAL_TYPE (BpvCompareWindow, bpv_compare_window, ADW_TYPE_WINDOW)

static BpvTheme
current_theme (void)
{
  return adw_style_manager_get_dark (adw_style_manager_get_default ())
         ? BPV_THEME_DARK : BPV_THEME_LIGHT;
}

static BpvSession *
session_a (BpvCompareWindow *self)
{
  return bpv_compare_run_get_a (self->run);
}

static BpvSession *
session_b (BpvCompareWindow *self)
{
  return bpv_compare_run_get_b (self->run);
}

/* The plots' style: the theme, and the marker at the step shown while the
 * timeline is scrubbed back. */
static void
plot_style (BpvCompareWindow *self,
            BpvPlotStyle     *style,
            char            **label)
{
  bpv_plot_style_init (style);
  style->theme = current_theme ();
  *label = NULL;
  if (bpv_session_is_viewing_past (session_a (self)))
    {
      guint64 shown = bpv_compare_run_get_shown_step (self->run);

      *label = g_strdup_printf (_("step %" PRIu64), shown);
      style->mark = TRUE;
      style->mark_x = (double) shown;
      style->mark_label = *label;
    }
}

/* ------------------------------------------------------------- the plots */

static void
draw_loss (GtkDrawingArea *area,
           cairo_t        *cr,
           int             width,
           int             height,
           gpointer        data)
{
  BpvCompareWindow *self = data;
  g_autofree double *xa = NULL, *ya = NULL, *xb = NULL, *yb = NULL;
  g_autofree char *label = NULL;
  BpvPlotSeries a, b;
  BpvPlotStyle style;

  plot_style (self, &style, &label);
  /* The keys name the runs by letter (the captions above say the rest):
   * the captions with their rates do not fit both keys in a panel. */
  a.label = "A";
  a.n = bpv_compare_run_get_losses (self->run, FALSE, &xa, &ya);
  a.x = xa;
  a.y = ya;
  b.label = "B";
  b.n = bpv_compare_run_get_losses (self->run, TRUE, &xb, &yb);
  b.x = xb;
  b.y = yb;
  bpv_plot_compare_loss (cr, &(BpvRect) { 0, 0, width, height }, &a, &b, &style);
}

static void
draw_norms (GtkDrawingArea *area,
            cairo_t        *cr,
            int             width,
            int             height,
            gpointer        data)
{
  BpvCompareWindow *self = data;
  g_autofree char *label = NULL;
  BpvPlotNormRun a = { 0 }, b = { 0 };
  gsize layers_a = 0, layers_b = 0;
  BpvPlotStyle style;

  plot_style (self, &style, &label);
  a.label = bpv_compare_run_get_caption (self->run, FALSE);
  b.label = bpv_compare_run_get_caption (self->run, TRUE);
  a.n_records = bpv_session_get_grad_norms (session_a (self), &a.norms, &layers_a, &a.stride);
  b.n_records = bpv_session_get_grad_norms (session_b (self), &b.norms, &layers_b, &b.stride);
  /* Of the same quantity only when the layers match: else A's alone. */
  if (!bpv_compare_run_layers_match (self->run) || layers_a != layers_b)
    b.n_records = 0;
  bpv_plot_compare_grad_norms (cr, &(BpvRect) { 0, 0, width, height }, &a, &b, layers_a, &style);
}

/* The weight selected on A's canvas (the same one on B's when the shapes
 * match), or FALSE. */
static gboolean
selected_weight (BpvCompareWindow *self,
                 BpvHit           *hit)
{
  const BpvHit *sel = bpv_session_get_selection (session_a (self));
  const BpNetwork *net = bpv_session_get_network (session_a (self));

  if (sel->kind != BPV_HIT_EDGE || sel->layer < 1 || sel->layer > net->n_layers
      || net->layers[sel->layer - 1].type != BP_LAYER_DENSE)
    return FALSE;
  *hit = *sel;
  return TRUE;
}

static void
update_weight_history (BpvCompareWindow *self,
                       const BpvHit     *hit)
{
  guint64 step = bpv_compare_run_get_step_count (self->run);
  gint64 now = g_get_monotonic_time ();
  gboolean same_hit = memcmp (hit, &self->weight_hit, sizeof *hit) == 0;

  if (same_hit && step == self->weight_for_step)
    return;
  /* Reading every kept snapshot is not for every frame of a run. */
  if (same_hit && bpv_compare_run_get_running (self->run)
      && now - self->weight_time < WEIGHT_REFRESH_US)
    return;
  g_clear_pointer (&self->weight_steps, g_free);
  g_clear_pointer (&self->weight_a, g_free);
  g_clear_pointer (&self->weight_b, g_free);
  self->weight_n = bpv_compare_run_get_weight_history (self->run, hit->layer, hit->j, hit->k,
                                                       &self->weight_steps, &self->weight_a,
                                                       &self->weight_b);
  self->weight_hit = *hit;
  self->weight_for_step = step;
  self->weight_time = now;
}

static void
draw_weight (GtkDrawingArea *area,
             cairo_t        *cr,
             int             width,
             int             height,
             gpointer        data)
{
  BpvCompareWindow *self = data;
  g_autofree char *label = NULL, *name = NULL;
  BpvPlotSeries a = { 0 }, b = { 0 };
  BpvPlotStyle style;
  BpvHit hit;

  plot_style (self, &style, &label);
  a.label = "A";
  b.label = "B";
  if (selected_weight (self, &hit))
    {
      update_weight_history (self, &hit);
      name = g_strdup_printf ("W(%zu)[%zu,%zu]", hit.layer, hit.j + 1, hit.k + 1);
      a.x = b.x = self->weight_steps;
      a.y = self->weight_a;
      b.y = self->weight_b;
      a.n = b.n = self->weight_n;
    }
  bpv_plot_compare_weight (cr, &(BpvRect) { 0, 0, width, height }, name, &a, &b, &style);
}

static void
queue_plots (BpvCompareWindow *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self->loss_plot));
  gtk_widget_queue_draw (GTK_WIDGET (self->norms_plot));
  gtk_widget_queue_draw (GTK_WIDGET (self->weight_plot));
}

/* ----------------------------------------------- the timeline and labels */

/* "A · sgd — step 40", or, when A was taken at step 260 of the main
 * window's run, "A · sgd — from step 260 + 40": the comparison counts its
 * own steps from there. */
static char *
caption_text (BpvCompareWindow *self,
              gboolean          b)
{
  guint64 origin = bpv_compare_run_get_origin (self->run);
  guint64 shown = bpv_session_get_shown_step (b ? session_b (self) : session_a (self));
  const char *caption = bpv_compare_run_get_caption (self->run, b);

  if (origin > 0)
    return g_strdup_printf (_("%s — from step %" PRIu64 " + %" PRIu64), caption, origin, shown);
  return g_strdup_printf (_("%s — step %" PRIu64), caption, shown);
}

static void
refresh_labels (BpvCompareWindow *self)
{
  guint64 now = bpv_compare_run_get_step_count (self->run);
  guint64 shown = bpv_compare_run_get_shown_step (self->run);
  gboolean past = bpv_session_is_viewing_past (session_a (self));
  g_autofree char *where = NULL, *ca = NULL, *cb = NULL;
  double la, lb;

  /* Each canvas's caption says its step, read from its own session. */
  ca = caption_text (self, FALSE);
  cb = caption_text (self, TRUE);
  gtk_label_set_text (self->caption_a, ca);
  gtk_label_set_text (self->caption_b, cb);

  where = past ? g_strdup_printf (_("Step %" PRIu64 " of %" PRIu64), shown, now)
               : g_strdup_printf (_("Step %" PRIu64), now);
  g_free (self->step_text);
  if (self->error_text != NULL)
    self->step_text = g_strdup_printf (_("%s · stopped: %s"), where, self->error_text);
  else if (bpv_compare_run_loss_at (self->run, shown, &la, &lb))
    self->step_text = g_strdup_printf (_("%s · batch loss: A %.4g, B %.4g, B − A %+.4g"),
                                       where, la, lb, lb - la);
  else
    self->step_text = g_steal_pointer (&where);
  gtk_label_set_text (self->step_label, self->step_text);
}

static void
refresh_timeline (BpvCompareWindow *self)
{
  const BpRecord *rec = bpv_session_get_record (session_a (self));
  gsize n = rec != NULL ? bp_record_n (rec) : 0;
  double value = n > 0 ? (double) (n - 1) : 0;

  if (n > 0 && bpv_session_is_viewing_past (session_a (self)))
    value = (double) MAX (bp_record_find (rec, bpv_compare_run_get_shown_step (self->run)), 0);
  self->updating = TRUE;
  gtk_adjustment_configure (self->adjustment, value, 0, MAX (n, 1) - 1.0 + 0.0, 1, 10, 0);
  self->updating = FALSE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->scale),
                            n > 1 && !bpv_compare_run_get_running (self->run));
}

static void
refresh (BpvCompareWindow *self)
{
  refresh_timeline (self);
  refresh_labels (self);
  queue_plots (self);
}

static void
on_value_changed (GtkAdjustment    *adjustment,
                  BpvCompareWindow *self)
{
  const BpRecord *rec = bpv_session_get_record (session_a (self));
  g_autoptr(GError) error = NULL;
  gsize i;

  if (self->updating || rec == NULL || bp_record_n (rec) == 0)
    return;
  i = (gsize) MIN (round (gtk_adjustment_get_value (adjustment)), bp_record_n (rec) - 1);
  if (i + 1 == bp_record_n (rec))
    bpv_compare_run_show_present (self->run);
  else if (!bpv_compare_run_show_step (self->run, bp_record_step_at (rec, i), &error))
    {
      g_free (self->error_text);
      self->error_text = g_strdup (error->message);
    }
  bpv_event ("COMPARE shown step=%" G_GUINT64_FORMAT, bpv_compare_run_get_shown_step (self->run));
  refresh_labels (self);
  queue_plots (self);
}

/* -------------------------------------------------------------- training */

static void
stopped_with (BpvCompareWindow *self,
              const GError     *error)
{
  g_free (self->error_text);
  self->error_text = g_strdup (error->message);
  bpv_event ("COMPARE error %s", error->message);
}

static gboolean
tick (GtkWidget     *widget,
      GdkFrameClock *clock,
      gpointer       data)
{
  BpvCompareWindow *self = data;
  g_autoptr(GError) error = NULL;
  gint64 start, took;

  if (!bpv_compare_run_get_running (self->run))
    {
      self->tick_id = 0;
      return G_SOURCE_REMOVE;
    }
  start = g_get_monotonic_time ();
  if (!bpv_compare_run_step (self->run, self->steps_a_frame, &error))
    {
      stopped_with (self, error);
      self->tick_id = 0;
      refresh (self);
      return G_SOURCE_REMOVE;
    }
  took = g_get_monotonic_time () - start;
  if (took < FRAME_BUDGET_US / 2 && self->steps_a_frame < MAX_STEPS_A_FRAME)
    self->steps_a_frame *= 2;
  else if (took > FRAME_BUDGET_US && self->steps_a_frame > 1)
    self->steps_a_frame /= 2;
  return G_SOURCE_CONTINUE;
}

static void
on_running (BpvCompareRun    *run,
            GParamSpec       *pspec,
            BpvCompareWindow *self)
{
  gboolean running = bpv_compare_run_get_running (run);

  gtk_button_set_icon_name (self->play_button, running ? "media-playback-pause-symbolic"
                                                       : "media-playback-start-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->play_button),
                               running ? _("Pause both (Space)") : _("Train both (Space)"));
  if (running && self->tick_id == 0)
    {
      g_clear_pointer (&self->error_text, g_free);
      self->steps_a_frame = 1;
      self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), tick, self, NULL);
    }
  else if (!running && self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
  bpv_event ("COMPARE %s step=%" G_GUINT64_FORMAT, running ? "train" : "pause",
             bpv_compare_run_get_step_count (run));
  refresh (self);
}

static void
play_activated (GtkWidget  *widget,
                const char *name,
                GVariant   *parameter)
{
  BpvCompareWindow *self = BPV_COMPARE_WINDOW (widget);

  bpv_compare_run_set_running (self->run, !bpv_compare_run_get_running (self->run));
}

static void
step_activated (GtkWidget  *widget,
                const char *name,
                GVariant   *parameter)
{
  BpvCompareWindow *self = BPV_COMPARE_WINDOW (widget);
  g_autoptr(GError) error = NULL;

  bpv_compare_run_set_running (self->run, FALSE);
  g_clear_pointer (&self->error_text, g_free);
  if (!bpv_compare_run_step (self->run, 1, &error))
    stopped_with (self, error);
  bpv_event ("COMPARE step step=%" G_GUINT64_FORMAT, bpv_compare_run_get_step_count (self->run));
  refresh (self);
}

static void
present_activated (GtkWidget  *widget,
                   const char *name,
                   GVariant   *parameter)
{
  BpvCompareWindow *self = BPV_COMPARE_WINDOW (widget);

  bpv_compare_run_show_present (self->run);
  refresh (self);
}

static void say_refused (GtkWindow  *parent,
                         const char *message);

/* "Keep B (adam, lr 0.001, from step 260)": the main window's undo step. */
static char *
keep_label (BpvCompareWindow *self)
{
  const char *caption = bpv_compare_run_get_caption (self->run, TRUE);
  guint64 origin = bpv_compare_run_get_origin (self->run);
  const char *what = g_str_has_prefix (caption, "B · ") ? caption + strlen ("B · ") : NULL;

  if (what != NULL && origin > 0)
    return g_strdup_printf (_("Keep B (%s, from step %" PRIu64 ")"), what, origin);
  if (what != NULL)
    return g_strdup_printf (_("Keep B (%s)"), what);
  return g_strdup (_("Keep B"));
}

/* B, as shown, becomes the main window's model (one undo step there),
 * and the comparison closes. */
static void
keep_activated (GtkWidget  *widget,
                const char *name,
                GVariant   *parameter)
{
  BpvCompareWindow *self = BPV_COMPARE_WINDOW (widget);
  g_autoptr(GError) error = NULL;
  g_autofree char *label = NULL;

  if (self->main_session == NULL)
    {
      say_refused (GTK_WINDOW (self), _("The main window's experiment is gone"));
      return;
    }
  bpv_compare_run_set_running (self->run, FALSE);
  label = keep_label (self);
  if (!bpv_session_keep_from (self->main_session, session_b (self), label, &error))
    {
      say_refused (GTK_WINDOW (self), error->message);
      return;
    }
  bpv_event ("COMPARE kept B step=%" G_GUINT64_FORMAT,
             bpv_session_get_step_count (self->main_session));
  gtk_window_destroy (GTK_WINDOW (self));
}

/* ------------------------------------------------- the sessions' signals */

static void
on_values_changed (BpvSession       *session,
                   BpvCompareWindow *self)
{
  /* Once for both: B's signal follows A's at every lockstep step. */
  if (session == session_b (self))
    refresh (self);
}

/* A weight or neuron selected on one canvas is selected on the other when
 * the shapes match: the same weight of A and of B. */
static void
on_selection_changed (BpvSession       *session,
                      BpvCompareWindow *self)
{
  BpvSession *other = session == session_a (self) ? session_b (self) : session_a (self);

  if (!self->syncing && bpv_compare_run_layers_match (self->run))
    {
      self->syncing = TRUE;
      bpv_session_set_selection (other, bpv_session_get_selection (session));
      self->syncing = FALSE;
    }
  gtk_widget_queue_draw (GTK_WIDGET (self->weight_plot));
}

/* ---------------------------------------------------------------- object */

static void
bpv_compare_window_dispose (GObject *object)
{
  BpvCompareWindow *self = BPV_COMPARE_WINDOW (object);

  if (self->run != NULL)
    {
      /* Stopped without telling this window, which is going. */
      g_signal_handlers_disconnect_by_data (self->run, self);
      g_signal_handlers_disconnect_by_data (session_a (self), self);
      g_signal_handlers_disconnect_by_data (session_b (self), self);
      bpv_compare_run_set_running (self->run, FALSE);
    }
  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
  if (self->view_a != NULL)
    bpv_network_view_set_session (self->view_a, NULL);
  if (self->view_b != NULL)
    bpv_network_view_set_session (self->view_b, NULL);
  if (self->inspector_a != NULL)
    bpv_inspector_set_session (self->inspector_a, NULL);
  if (self->inspector_b != NULL)
    bpv_inspector_set_session (self->inspector_b, NULL);
  g_clear_object (&self->run);
  g_clear_weak_pointer (&self->main_session);
  gtk_widget_dispose_template (GTK_WIDGET (self), BPV_TYPE_COMPARE_WINDOW);
  G_OBJECT_CLASS (bpv_compare_window_parent_class)->dispose (object);
}

static void
bpv_compare_window_finalize (GObject *object)
{
  BpvCompareWindow *self = BPV_COMPARE_WINDOW (object);

  g_free (self->step_text);
  g_free (self->error_text);
  g_free (self->weight_steps);
  g_free (self->weight_a);
  g_free (self->weight_b);
  G_OBJECT_CLASS (bpv_compare_window_parent_class)->finalize (object);
}

static void
bpv_compare_window_class_init (BpvCompareWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bpv_compare_window_dispose;
  object_class->finalize = bpv_compare_window_finalize;

  g_type_ensure (BPV_TYPE_NETWORK_VIEW);
  g_type_ensure (BPV_TYPE_INSPECTOR);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "ui/bpv-compare-window.ui");
  gtk_widget_class_bind_template_child (widget_class, BpvCompareWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, BpvCompareWindow, play_button);
  gtk_widget_class_bind_template_child (widget_class, BpvCompareWindow, keep_button);
  gtk_widget_class_bind_template_child (widget_class, BpvCompareWindow, caption_a);
  gtk_widget_class_bind_template_child (widget_class, BpvCompareWindow, caption_b);
  gtk_widget_class_bind_template_child (widget_class, BpvCompareWindow, view_a);
  gtk_widget_class_bind_template_child (widget_class, BpvCompareWindow, view_b);
  gtk_widget_class_bind_template_child (widget_class, BpvCompareWindow, inspector_a);
  gtk_widget_class_bind_template_child (widget_class, BpvCompareWindow, inspector_b);
  gtk_widget_class_bind_template_child (widget_class, BpvCompareWindow, scale);
  gtk_widget_class_bind_template_child (widget_class, BpvCompareWindow, adjustment);
  gtk_widget_class_bind_template_child (widget_class, BpvCompareWindow, step_label);
  gtk_widget_class_bind_template_child (widget_class, BpvCompareWindow, loss_plot);
  gtk_widget_class_bind_template_child (widget_class, BpvCompareWindow, norms_plot);
  gtk_widget_class_bind_template_child (widget_class, BpvCompareWindow, weight_plot);
  gtk_widget_class_install_action (widget_class, "compare.play", NULL, play_activated);
  gtk_widget_class_install_action (widget_class, "compare.step", NULL, step_activated);
  gtk_widget_class_install_action (widget_class, "compare.present", NULL, present_activated);
  gtk_widget_class_install_action (widget_class, "compare.keep-b", NULL, keep_activated);
  /* As in the main window: Space trains or pauses, → steps (the canvas
   * passes ← and → on). */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_space, 0, "compare.play", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, 0, "compare.step", NULL);
}

static void
bpv_compare_window_init (BpvCompareWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_drawing_area_set_draw_func (self->loss_plot, draw_loss, self, NULL);
  gtk_drawing_area_set_draw_func (self->norms_plot, draw_norms, self, NULL);
  gtk_drawing_area_set_draw_func (self->weight_plot, draw_weight, self, NULL);
  g_signal_connect (self->adjustment, "value-changed", G_CALLBACK (on_value_changed), self);
  self->steps_a_frame = 1;
}

BpvCompareWindow *
bpv_compare_window_new (GtkWindow     *parent,
                        BpvSession    *main_session,
                        BpvCompareRun *run)
{
  BpvCompareWindow *self;
  g_autofree char *subtitle = NULL, *keep = NULL, *tooltip = NULL;
  const char *difference;

  g_return_val_if_fail (BPV_IS_COMPARE_RUN (run), NULL);
  g_return_val_if_fail (main_session == NULL || BPV_IS_SESSION (main_session), NULL);

  self = g_object_new (BPV_TYPE_COMPARE_WINDOW,
                       "transient-for", parent,
                       "application", parent != NULL ? gtk_window_get_application (parent) : NULL,
                       NULL);
  self->run = g_object_ref (run);
  g_set_weak_pointer (&self->main_session, main_session);
  difference = bpv_compare_run_get_difference (run) != NULL
               ? bpv_compare_run_get_difference (run) : _("nothing");
  if (bpv_compare_run_get_origin (run) > 0)
    subtitle = g_strdup_printf (_("B differs from A in: %s · both start from step %" PRIu64
                                  " of the main window’s run"),
                                difference, bpv_compare_run_get_origin (run));
  else
    subtitle = g_strdup_printf (_("B differs from A in: %s"), difference);
  adw_window_title_set_subtitle (self->window_title, subtitle);
  /* Keep B needs the main window's experiment. */
  keep = keep_label (self);
  tooltip = g_strdup_printf (_("%s: B as shown becomes the main window’s model; undo there "
                               "gives back the one before"), keep);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->keep_button), tooltip);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "compare.keep-b", main_session != NULL);
  bpv_network_view_set_session (self->view_a, session_a (self));
  bpv_network_view_set_session (self->view_b, session_b (self));
  bpv_inspector_set_session (self->inspector_a, session_a (self));
  bpv_inspector_set_session (self->inspector_b, session_b (self));
  g_signal_connect (run, "notify::running", G_CALLBACK (on_running), self);
  g_signal_connect (session_a (self), "values-changed", G_CALLBACK (on_values_changed), self);
  g_signal_connect (session_b (self), "values-changed", G_CALLBACK (on_values_changed), self);
  g_signal_connect (session_a (self), "selection-changed", G_CALLBACK (on_selection_changed), self);
  g_signal_connect (session_b (self), "selection-changed", G_CALLBACK (on_selection_changed), self);
  refresh (self);
  bpv_event ("COMPARE opened a=\"%s\" b=\"%s\"", bpv_compare_run_get_caption (run, FALSE),
             bpv_compare_run_get_caption (run, TRUE));
  return self;
}

BpvCompareRun *
bpv_compare_window_get_run (BpvCompareWindow *self)
{
  g_return_val_if_fail (BPV_IS_COMPARE_WINDOW (self), NULL);
  return self->run;
}

const char *
bpv_compare_window_get_step_text (BpvCompareWindow *self)
{
  g_return_val_if_fail (BPV_IS_COMPARE_WINDOW (self), NULL);
  return self->step_text;
}

GtkWidget *
bpv_compare_window_get_view (BpvCompareWindow *self,
                             gboolean          b)
{
  g_return_val_if_fail (BPV_IS_COMPARE_WINDOW (self), NULL);
  return GTK_WIDGET (b ? self->view_b : self->view_a);
}

GtkWidget *
bpv_compare_window_get_inspector (BpvCompareWindow *self,
                                  gboolean          b)
{
  g_return_val_if_fail (BPV_IS_COMPARE_WINDOW (self), NULL);
  return GTK_WIDGET (b ? self->inspector_b : self->inspector_a);
}

const char *
bpv_compare_window_get_caption (BpvCompareWindow *self,
                                gboolean          b)
{
  g_return_val_if_fail (BPV_IS_COMPARE_WINDOW (self), NULL);
  return gtk_label_get_text (b ? self->caption_b : self->caption_a);
}

GtkWidget *
bpv_compare_window_get_scale (BpvCompareWindow *self)
{
  g_return_val_if_fail (BPV_IS_COMPARE_WINDOW (self), NULL);
  return GTK_WIDGET (self->scale);
}

/* --------------------------------------------------------------- dialogs */

static GtkWidget *
say_refused_dialog (GtkWindow  *parent,
                    const char *message)
{
  AdwMessageDialog *dialog;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (parent, _("Cannot Compare"), message));
  adw_message_dialog_add_response (dialog, "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
  return GTK_WIDGET (dialog);
}

static void
say_refused (GtkWindow  *parent,
             const char *message)
{
  say_refused_dialog (parent, message);
}

/* What each choice of the variant dialog changes, its label and an
 * example value. */
static const struct
{
  BpvCompareChange  change;
  const char       *label;
  const char       *example;
} variant_choices[] = {
  { BPV_COMPARE_CHANGE_ACTIVATION, N_("Hidden activation"), N_("e.g. relu, tanh, sigmoid") },
  { BPV_COMPARE_CHANGE_OPTIMIZER, N_("Optimizer"), N_("e.g. adam, sgd, rmsprop") },
  { BPV_COMPARE_CHANGE_LEARNING_RATE, N_("Learning rate"), N_("e.g. 0.01") },
  { BPV_COMPARE_CHANGE_SEED, N_("Initial weights: seed"), N_("e.g. 7") },
  { BPV_COMPARE_CHANGE_INIT, N_("Initial weights: scheme"), N_("e.g. he_normal, glorot_uniform") },
};

/* What a dialog asking for B needs when it answers: the window, the main
 * window's session (for Keep B), A's model as the main window showed it
 * (a copy: the main window's may change meanwhile) and the step it was
 * taken at, and the variant dialog's fields. */
typedef struct
{
  GtkWindow   *parent;
  BpvSession  *main_session;
  BpModel     *model;
  guint64      origin;
  gboolean     past;
  GtkDropDown *choice;
  GtkEntry    *value;
  GtkWidget   *rate_box;
  GtkEntry    *rate;
  gboolean     rate_typed;    /* the user typed B's rate: leave it */
  gboolean     setting_rate;
} AskB;

static void
ask_b_free (gpointer data)
{
  AskB *ask = data;

  g_clear_object (&ask->parent);
  g_clear_object (&ask->main_session);
  g_clear_pointer (&ask->model, bp_model_free);
  g_free (ask);
}

/* A as `main_session` shows it; NULL with the error when its past step
 * cannot be restored. */
static AskB *
ask_b_new (GtkWindow   *parent,
           BpvSession  *main_session,
           GError     **error)
{
  AskB *ask = g_new0 (AskB, 1);

  ask->parent = parent != NULL ? g_object_ref (parent) : NULL;
  ask->main_session = g_object_ref (main_session);
  ask->past = bpv_session_is_viewing_past (main_session);
  ask->model = bpv_session_copy_shown_model (main_session, &ask->origin, error);
  if (ask->model == NULL)
    {
      ask_b_free (ask);
      return NULL;
    }
  return ask;
}

static gboolean
asks_optimizer (AskB *vd)
{
  guint i = MIN (gtk_drop_down_get_selected (vd->choice), G_N_ELEMENTS (variant_choices) - 1);

  return variant_choices[i].change == BPV_COMPARE_CHANGE_OPTIMIZER;
}

/* An optimizer named: B's rate is offered as its own default (A's rate
 * under another optimizer teaches the wrong thing: SGD's 0.3 saturates
 * Adam within a few dozen steps), until the user types one. */
static void
offer_rate (AskB *vd)
{
  const char *id = gtk_editable_get_text (GTK_EDITABLE (vd->value));
  g_autofree char *trimmed = g_strstrip (g_strdup (id));
  char text[G_ASCII_DTOSTR_BUF_SIZE];
  double lr;

  if (vd->rate_typed || !asks_optimizer (vd))
    return;
  vd->setting_rate = TRUE;
  if (bpv_compare_run_default_rate (trimmed, &lr))
    gtk_editable_set_text (GTK_EDITABLE (vd->rate), g_ascii_formatd (text, sizeof text, "%g", lr));
  else
    gtk_editable_set_text (GTK_EDITABLE (vd->rate), "");
  vd->setting_rate = FALSE;
}

static void
on_variant_value (GtkEditable *value,
                  AskB        *vd)
{
  offer_rate (vd);
}

static void
on_rate_changed (GtkEditable *rate,
                 AskB        *vd)
{
  if (!vd->setting_rate)
    vd->rate_typed = gtk_editable_get_text (rate)[0] != '\0';
}

static void
on_choice (GtkDropDown *choice,
           GParamSpec  *pspec,
           AskB        *vd)
{
  guint i = MIN (gtk_drop_down_get_selected (choice), G_N_ELEMENTS (variant_choices) - 1);

  gtk_entry_set_placeholder_text (vd->value, _(variant_choices[i].example));
  gtk_widget_set_visible (vd->rate_box, asks_optimizer (vd));
  offer_rate (vd);
}

/* The comparison of A (taken at vd->origin) and `run`'s B, in its window. */
static void
open_window (AskB          *ask,
             BpvCompareRun *run)
{
  bpv_compare_run_set_origin (run, ask->origin);
  gtk_window_present (GTK_WINDOW (bpv_compare_window_new (ask->parent, ask->main_session, run)));
}

static void
on_variant_response (AdwMessageDialog *dialog,
                     const char       *response,
                     AskB             *vd)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpvCompareRun) run = NULL;
  guint i;

  if (g_strcmp0 (response, "compare") != 0)
    return;
  i = MIN (gtk_drop_down_get_selected (vd->choice), G_N_ELEMENTS (variant_choices) - 1);
  run = bpv_compare_run_new_variant (vd->model, variant_choices[i].change,
                                     gtk_editable_get_text (GTK_EDITABLE (vd->value)),
                                     asks_optimizer (vd)
                                     ? gtk_editable_get_text (GTK_EDITABLE (vd->rate)) : NULL,
                                     &error);
  if (run == NULL)
    {
      say_refused (vd->parent, error->message);
      return;
    }
  open_window (vd, run);
}

GtkWidget *
bpv_compare_window_ask_variant (GtkWindow  *parent,
                                BpvSession *main_session)
{
  AdwMessageDialog *dialog;
  g_autoptr(GError) error = NULL;
  AskB *vd;
  const char *labels[G_N_ELEMENTS (variant_choices) + 1] = { NULL };
  g_autofree char *body = NULL;
  GtkWidget *box, *rate_label;

  g_return_val_if_fail (BPV_IS_SESSION (main_session), NULL);

  if ((vd = ask_b_new (parent, main_session, &error)) == NULL)
    return say_refused_dialog (parent, error->message);
  for (gsize i = 0; i < G_N_ELEMENTS (variant_choices); i++)
    labels[i] = _(variant_choices[i].label);
  vd->choice = GTK_DROP_DOWN (gtk_drop_down_new_from_strings (labels));
  vd->value = GTK_ENTRY (gtk_entry_new ());
  gtk_entry_set_activates_default (vd->value, TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (vd->choice), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("What to change"), -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (vd->value), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("B's value"), -1);
  /* B's learning rate, for another optimizer. */
  vd->rate_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  rate_label = gtk_label_new (_("B's learning rate"));
  vd->rate = GTK_ENTRY (gtk_entry_new ());
  gtk_widget_set_hexpand (GTK_WIDGET (vd->rate), TRUE);
  gtk_entry_set_activates_default (vd->rate, TRUE);
  gtk_entry_set_placeholder_text (vd->rate, _("A's rate"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (vd->rate),
                               _("The optimizer's usual rate; empty: A's rate carries over"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (vd->rate), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("B's learning rate"), -1);
  gtk_box_append (GTK_BOX (vd->rate_box), rate_label);
  gtk_box_append (GTK_BOX (vd->rate_box), GTK_WIDGET (vd->rate));
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (vd->choice));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (vd->value));
  gtk_box_append (GTK_BOX (box), vd->rate_box);

  if (vd->past)
    body = g_strdup_printf (_("Change one thing: A is the network as shown, at step %" PRIu64
                              " (its weights and optimizer state then), B the same with this "
                              "change. Both train from there on the same batches, step for "
                              "step."), vd->origin);
  else
    body = g_strdup (_("Change one thing: A is the network as it is now, B the same with this "
                       "change. Both train on the same batches, step for step."));
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (parent, _("Compare With a Variant"), body));
  adw_message_dialog_set_extra_child (dialog, box);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "compare", _("C_ompare"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "compare", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "compare");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect (vd->choice, "notify::selected", G_CALLBACK (on_choice), vd);
  g_signal_connect (vd->value, "changed", G_CALLBACK (on_variant_value), vd);
  g_signal_connect (vd->rate, "changed", G_CALLBACK (on_rate_changed), vd);
  on_choice (vd->choice, NULL, vd);
  g_signal_connect_data (dialog, "response", G_CALLBACK (on_variant_response), vd,
                         (GClosureNotify) (void (*) (void)) ask_b_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (GTK_WIDGET (vd->value));
  return GTK_WIDGET (dialog);
}

gboolean
bpv_compare_window_open_file (GtkWindow   *parent,
                              BpvSession  *main_session,
                              const char  *path,
                              GError     **error)
{
  g_autoptr(BpModel) b = NULL;
  g_autoptr(BpvCompareRun) run = NULL;
  AskB *ask;

  g_return_val_if_fail (BPV_IS_SESSION (main_session) && path != NULL, FALSE);

  b = bp_model_load_file (path, NULL, error);
  if (b == NULL)
    return FALSE;
  if ((ask = ask_b_new (parent, main_session, error)) == NULL)
    return FALSE;
  run = bpv_compare_run_new (ask->model, b, error);
  if (run == NULL)
    {
      g_autofree char *name = g_path_get_basename (path);

      g_prefix_error (error, _("%s: "), name);
      ask_b_free (ask);
      return FALSE;
    }
  open_window (ask, run);
  ask_b_free (ask);
  return TRUE;
}

static void
on_file_response (GtkNativeDialog *chooser,
                  int              response,
                  AskB            *fa)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      path = file != NULL ? g_file_get_path (file) : NULL;
      if (path != NULL && !bpv_compare_window_open_file (fa->parent, fa->main_session, path, &error))
        say_refused (fa->parent, error->message);
    }
  g_object_unref (chooser);
}

void
bpv_compare_window_ask_file (GtkWindow  *parent,
                             BpvSession *main_session)
{
  GtkFileChooserNative *chooser;
  GtkFileFilter *filter;
  AskB *fa;

  g_return_if_fail (BPV_IS_SESSION (main_session));

  /* Only the window and the session are needed: A is taken when the file
   * is chosen, as the main window shows it then. */
  fa = g_new0 (AskB, 1);
  fa->parent = parent != NULL ? g_object_ref (parent) : NULL;
  fa->main_session = g_object_ref (main_session);
  filter = gtk_file_filter_new ();
  chooser = gtk_file_chooser_native_new (_("Compare With File"), parent,
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("C_ompare"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("Models"));
  gtk_file_filter_add_pattern (filter, "*.json");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_object_unref (filter);
  g_signal_connect_data (chooser, "response", G_CALLBACK (on_file_response), fa,
                         (GClosureNotify) (void (*) (void)) ask_b_free, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}
