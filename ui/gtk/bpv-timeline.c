/* bpv-timeline.c — the timeline under the canvas (see bpv-timeline.h). */
#include "config.h"
#include "bpv-timeline.h"
#include "bpv-explain.h"

#include <inttypes.h>
#include <math.h>

#include <glib/gi18n.h>

#define RESOURCE_PATH "/io/github/backprop_studio/BackpropStudio/"
/* Ticks under the slider at most: a long run gets every n-th kept step's
 * tick, or they would merge into a bar. */
#define MAX_TICKS 64

struct _BpvTimeline
{
  GtkWidget       parent_instance;

  GtkWidget      *box;
  GtkDrawingArea *sparkline;
  GtkScale       *scale;
  GtkAdjustment  *adjustment;
  GtkLabel       *label;

  BpvSession     *session;
  gboolean        updating;      /* the slider is moved by refresh, not the user */
  /* The slider's positions: the kept steps, then "now" when the present
   * step is not kept (n_positions = n_kept + has_now). */
  gsize           n_kept;
  gboolean        has_now;
  gsize           now_index;     /* the present's position */
  guint64         ticks_for;     /* the last kept step the ticks were made for */
  gsize           ticks_n;
  char           *text;
};

G_DEFINE_FINAL_TYPE (BpvTimeline, bpv_timeline, GTK_TYPE_WIDGET)

/* ------------------------------------------------------------- the ticks */

static void
update_ticks (BpvTimeline    *self,
              const BpRecord *rec)
{
  gsize n = self->n_kept;
  guint64 last = n > 0 ? bp_record_step_at (rec, n - 1) : 0;
  gsize every;

  if (n == self->ticks_n && last == self->ticks_for)
    return;
  self->ticks_n = n;
  self->ticks_for = last;
  gtk_scale_clear_marks (self->scale);
  if (n < 2)
    return;
  every = (n + MAX_TICKS - 1) / MAX_TICKS;
  for (gsize i = 0; i < n; i += every)
    gtk_scale_add_mark (self->scale, (double) i, GTK_POS_BOTTOM, NULL);
  if ((n - 1) % every != 0)
    gtk_scale_add_mark (self->scale, (double) (n - 1), GTK_POS_BOTTOM, NULL);
}

/* --------------------------------------------------------------- refresh */

static void
set_text (BpvTimeline *self,
          char        *text)
{
  g_free (self->text);
  self->text = text;
  gtk_label_set_text (self->label, text);
}

/* Reads the recording locked: while training runs the worker adds to it
 * (bpv_session_lock_record). */
static void
refresh (BpvTimeline *self)
{
  const BpRecord *rec = self->session != NULL ? bpv_session_lock_record (self->session) : NULL;
  gboolean viewing = self->session != NULL && bpv_session_is_viewing_past (self->session);
  guint64 now = self->session != NULL ? bpv_session_get_step_count (self->session) : 0;
  gsize n = rec != NULL ? bp_record_n (rec) : 0;
  double value;

  /* While training runs the worker's recording is ahead of the present
   * the window shows (its last snapshot): the slider ends at the present. */
  if (n > 0 && bpv_session_get_running (self->session))
    n = (gsize) (bp_record_find (rec, now) + 1);
  self->updating = TRUE;
  self->n_kept = n;
  {
    /* The present is a kept step, or (not kept yet, or after an undo) a
     * position of its own at the end. */
    gssize at = n > 0 ? bp_record_find (rec, now) : -1;

    self->has_now = n > 0 && !(at >= 0 && bp_record_step_at (rec, (gsize) at) == now);
    self->now_index = self->has_now ? n : (gsize) MAX (at, 0);
  }
  if (n == 0)
    {
      gtk_adjustment_configure (self->adjustment, 0, 0, 0, 1, 10, 0);
      gtk_widget_set_sensitive (GTK_WIDGET (self->scale), FALSE);
      gtk_scale_clear_marks (self->scale);
      self->ticks_n = 0;
      if (self->session != NULL && bpv_session_get_running (self->session))
        set_text (self, g_strdup (_("Recording…")));
      else
        set_text (self, g_strdup (_("Nothing recorded yet: train or step")));
    }
  else
    {
      guint64 shown = viewing ? bpv_session_get_shown_step (self->session) : now;
      guint64 stride = bp_record_stride (rec);
      g_autofree char *kept = NULL;

      if (viewing)
        value = (double) MAX (bp_record_find (rec, shown), 0);
      else
        value = (double) self->now_index;
      gtk_adjustment_configure (self->adjustment, value, 0,
                                (double) (n - 1 + (self->has_now ? 1 : 0)), 1, 10, 0);
      gtk_widget_set_sensitive (GTK_WIDGET (self->scale), TRUE);
      update_ticks (self, rec);
      kept = g_strdup_printf (dngettext (GETTEXT_PACKAGE, "kept: every step",
                                         "kept: every %" PRIu64 " steps",
                                         (unsigned long) stride),
                              stride);
      if (!viewing && bpv_session_get_running (self->session))
        /* TRANSLATORS: "Recording: now step 1200 (kept: every 4 steps)" */
        set_text (self, g_strdup_printf (_("Recording: now step %" PRIu64 " (%s)"), now, kept));
      else if (bpv_explain_step_in_progress (self->session))
        /* Between the stops of step mode the title says "step 1 (in
         * progress)": the present is the steps done, and the one in
         * flight is named by the same number.  (Without "kept: …", which
         * the label had no room for beside the inspector.) */
        /* TRANSLATORS: "Now: 0 steps done, step 1 in progress" */
        set_text (self, g_strdup_printf (dngettext (GETTEXT_PACKAGE,
                                                    "Now: %" PRIu64 " step done, step %" PRIu64
                                                    " in progress",
                                                    "Now: %" PRIu64 " steps done, step %" PRIu64
                                                    " in progress",
                                                    (unsigned long) now),
                                         now, bpv_explain_shown_step (self->session)));
      else
        /* TRANSLATORS: "Past: step 300 of 1200 (kept: every 4 steps)" */
        set_text (self, g_strdup_printf (viewing ? _("Past: step %" PRIu64 " of %" PRIu64 " (%s)")
                                                 : _("Now: step %" PRIu64 " of %" PRIu64 " (%s)"),
                                         shown, now, kept));
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "timeline.present", viewing);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "timeline.resume",
                                 viewing && !bpv_session_get_running (self->session));
  if (viewing)
    gtk_widget_add_css_class (GTK_WIDGET (self), "past");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "past");
  gtk_widget_queue_draw (GTK_WIDGET (self->sparkline));
  if (self->session != NULL)
    bpv_session_unlock_record (self->session);
  self->updating = FALSE;
}

static void
on_value_changed (GtkAdjustment *adjustment,
                  BpvTimeline   *self)
{
  const BpRecord *rec;
  guint64 step;
  gsize i;
  g_autoptr(GError) error = NULL;

  if (self->updating || self->session == NULL)
    return;
  i = (gsize) MAX (lround (gtk_adjustment_get_value (adjustment)), 0);
  if (i == self->now_index)
    {
      bpv_session_show_present (self->session);
      refresh (self);
      return;
    }
  /* The step of position i, read locked: a running worker may thin the
   * recording between two main-loop iterations, and n_kept is from the
   * last refresh. */
  rec = bpv_session_lock_record (self->session);
  step = rec != NULL && i < bp_record_n (rec) ? bp_record_step_at (rec, i) : G_MAXUINT64;
  bpv_session_unlock_record (self->session);
  if (step == G_MAXUINT64)
    ;
  else if (!bpv_session_show_step (self->session, step, &error))
    {
      refresh (self);
      set_text (self, g_strdup (error->message));
      return;
    }
  refresh (self);
}

/* ------------------------------------------------------------- sparkline */

/* The batch loss's bucket means over the steps, on a log scale (a loss
 * falls by decades) fitted to the height: the shape of the run behind the
 * slider (its axis is the kept steps', which are evenly spaced). */
static double
sparkline_y (double loss)
{
  return loss > 0 ? log10 (loss) : NAN;
}

static void
draw_sparkline_locked (cairo_t        *cr,
                       int             width,
                       int             height,
                       BpvTimeline    *self,
                       const BpRecord *rec)
{
  gsize nb = rec != NULL ? bp_record_n_stats (rec) : 0;
  gsize n = rec != NULL ? bp_record_n (rec) : 0;
  double lo = INFINITY, hi = -INFINITY;
  guint64 first, last;
  BpRecordStats st;
  gboolean started = FALSE;

  /* The recording as it is now (a running worker adds to it between
   * refreshes), not n_kept. */
  if (nb < 2 || n < 2)
    return;
  first = bp_record_step_at (rec, 0);
  last = MAX (bp_record_step_at (rec, n - 1), bpv_session_get_step_count (self->session));
  if (last <= first)
    return;
  for (gsize b = 0; b < nb; b++)
    {
      double v;

      bp_record_stats_at (rec, b, &st);
      v = sparkline_y (st.loss_mean);
      if (isfinite (v))
        {
          lo = MIN (lo, v);
          hi = MAX (hi, v);
        }
    }
  if (!(hi > lo))
    return;
  for (gsize b = 0; b < nb; b++)
    {
      double x, y, v;

      bp_record_stats_at (rec, b, &st);
      v = sparkline_y (st.loss_mean);
      if (!isfinite (v))
        continue;
      x = width * (double) (0.5 * (double) (st.first_step + st.last_step) - (double) first)
          / (double) (last - first);
      y = height - 3 - (height - 6) * (v - lo) / (hi - lo);
      if (!started)
        {
          cairo_move_to (cr, x, height);
          started = TRUE;
        }
      cairo_line_to (cr, x, y);
    }
  cairo_line_to (cr, width, height);
  cairo_close_path (cr);
  /* Quiet behind the slider: the accent's blue at a fifth. */
  cairo_set_source_rgba (cr, 0.21, 0.52, 0.89, 0.2);
  cairo_fill (cr);
}

static void
draw_sparkline (GtkDrawingArea *area,
                cairo_t        *cr,
                int             width,
                int             height,
                gpointer        data)
{
  BpvTimeline *self = data;

  if (self->session == NULL)
    return;
  draw_sparkline_locked (cr, width, height, self, bpv_session_lock_record (self->session));
  bpv_session_unlock_record (self->session);
}

/* ------------------------------------------------------------- actions */

static void
present_activated (GtkWidget  *widget,
                   const char *name,
                   GVariant   *parameter)
{
  BpvTimeline *self = BPV_TIMELINE (widget);

  if (self->session != NULL)
    bpv_session_show_present (self->session);
  refresh (self);
}

static void
resume_activated (GtkWidget  *widget,
                  const char *name,
                  GVariant   *parameter)
{
  BpvTimeline *self = BPV_TIMELINE (widget);
  g_autoptr(GError) error = NULL;

  if (self->session == NULL || !bpv_session_is_viewing_past (self->session))
    return;
  if (!bpv_session_resume_from (self->session, bpv_session_get_shown_step (self->session), &error))
    {
      set_text (self, g_strdup (error->message));
      return;
    }
  refresh (self);
}

/* ------------------------------------------------------------- public */

/* While training runs the window calls bpv_timeline_refresh with its
 * title's update instead of every snapshot: their step numbers agree. */
static void
on_session_changed (BpvTimeline *self)
{
  if (!bpv_session_get_running (self->session))
    refresh (self);
}

static void
on_running_changed (BpvTimeline *self)
{
  refresh (self);
}

void
bpv_timeline_refresh (BpvTimeline *self)
{
  g_return_if_fail (BPV_IS_TIMELINE (self));

  refresh (self);
}

void
bpv_timeline_set_session (BpvTimeline *self,
                          BpvSession  *session)
{
  g_return_if_fail (BPV_IS_TIMELINE (self));
  g_return_if_fail (session == NULL || BPV_IS_SESSION (session));

  if (self->session == session)
    return;
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_set_object (&self->session, session);
  if (session != NULL)
    {
      g_signal_connect_swapped (session, "history-changed", G_CALLBACK (on_session_changed), self);
      g_signal_connect_swapped (session, "values-changed", G_CALLBACK (on_session_changed), self);
      g_signal_connect_swapped (session, "notify::running", G_CALLBACK (on_running_changed), self);
    }
  self->ticks_n = 0;
  refresh (self);
}

const char *
bpv_timeline_get_text (BpvTimeline *self)
{
  g_return_val_if_fail (BPV_IS_TIMELINE (self), NULL);
  return self->text != NULL ? self->text : "";
}

GtkWidget *
bpv_timeline_get_scale (BpvTimeline *self)
{
  g_return_val_if_fail (BPV_IS_TIMELINE (self), NULL);
  return GTK_WIDGET (self->scale);
}

/* ------------------------------------------------------------- GObject */

static void
bpv_timeline_dispose (GObject *object)
{
  BpvTimeline *self = BPV_TIMELINE (object);

  if (self->session != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->session, self);
      g_clear_object (&self->session);
    }
  g_clear_pointer (&self->text, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), BPV_TYPE_TIMELINE);
  G_OBJECT_CLASS (bpv_timeline_parent_class)->dispose (object);
}

static void
bpv_timeline_class_init (BpvTimelineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bpv_timeline_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "ui/bpv-timeline.ui");
  gtk_widget_class_bind_template_child (widget_class, BpvTimeline, box);
  gtk_widget_class_bind_template_child (widget_class, BpvTimeline, sparkline);
  gtk_widget_class_bind_template_child (widget_class, BpvTimeline, scale);
  gtk_widget_class_bind_template_child (widget_class, BpvTimeline, adjustment);
  gtk_widget_class_bind_template_child (widget_class, BpvTimeline, label);
  gtk_widget_class_install_action (widget_class, "timeline.present", NULL, present_activated);
  gtk_widget_class_install_action (widget_class, "timeline.resume", NULL, resume_activated);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "timeline");
}

static void
bpv_timeline_init (BpvTimeline *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_drawing_area_set_draw_func (self->sparkline, draw_sparkline, self, NULL);
  g_signal_connect (self->adjustment, "value-changed", G_CALLBACK (on_value_changed), self);
  refresh (self);
}
