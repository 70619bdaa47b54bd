/* bpv-lesson-pane.c — the lesson pane (see bpv-lesson-pane.h).
 */
#include "config.h"
#include "bpv-lesson-pane.h"

#include <glib/gi18n.h>

struct _BpvLessonPane
{
  GtkWidget        parent_instance;

  /* template children */
  GtkWidget       *box;
  GtkLabel        *lesson_title_label;
  GtkLabel        *step_label;
  GtkProgressBar  *progress_bar;
  GtkScrolledWindow *scroller;
  GtkLabel        *step_title_label;
  GtkLabel        *text_label;
  GtkLabel        *question_error_label;
  BpvQuestionView *question_view;
  GtkWidget       *hint_box;
  GtkLabel        *hint_label;
  GtkButton       *retry_button;
  GtkButton       *back_button;
  GtkButton       *next_button;
  GtkButton       *leave_button;

  gboolean         has_hint;   /* the step has a condition to go on */
  gboolean         show_answer; /* scroll the verdict into view once laid out */
};

G_DEFINE_FINAL_TYPE (BpvLessonPane, bpv_lesson_pane, GTK_TYPE_WIDGET)

/* The line saying what to do shows while Next waits for it, and Try Again
 * while a wrong answer can be taken back: they follow the buttons, whose
 * sensitivity is their action's enabled state. */
static void
update_hint (BpvLessonPane *self)
{
  gboolean retry = gtk_widget_get_sensitive (GTK_WIDGET (self->retry_button));

  gtk_widget_set_visible (GTK_WIDGET (self->retry_button), retry);
  gtk_widget_set_visible (self->hint_box,
                          (self->has_hint || retry)
                          && !gtk_widget_get_sensitive (GTK_WIDGET (self->next_button)));
}

static void
on_next_sensitive (GObject       *button,
                   GParamSpec    *pspec,
                   BpvLessonPane *self)
{
  update_hint (self);
}

/* Answered: the verdict and the worked answer appear under the question,
 * below what the pane shows when the step's text is long — a learner would
 * see only the inputs grey out.  Once the new content is laid out (the
 * adjustment changes), scroll it into view, keeping the question's top
 * visible when it does not all fit. */
static void
on_answered (BpvLessonPane *self)
{
  self->show_answer = TRUE;
  gtk_widget_queue_resize (GTK_WIDGET (self->scroller));
}

static gboolean
scroll_to_answer (gpointer data)
{
  BpvLessonPane *self = data;
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (self->scroller);
  GtkWidget *content = gtk_scrolled_window_get_child (self->scroller);
  GtkWidget *qv = GTK_WIDGET (self->question_view);
  graphene_point_t top = GRAPHENE_POINT_INIT (0, 0), in_content;
  double value;

  if (GTK_IS_VIEWPORT (content))
    content = gtk_viewport_get_child (GTK_VIEWPORT (content));
  if (content == NULL || !gtk_widget_compute_point (qv, content, &top, &in_content))
    return G_SOURCE_REMOVE;
  value = MIN (in_content.y, in_content.y + gtk_widget_get_height (qv)
                             - gtk_adjustment_get_page_size (adj));
  if (value > gtk_adjustment_get_value (adj))
    gtk_adjustment_set_value (adj, value);
  return G_SOURCE_REMOVE;
}

/* The range changes while the viewport is laid out, before the question
 * view has its new place: look once the layout is done. */
static void
on_scroll_range_changed (GtkAdjustment *adj,
                         BpvLessonPane *self)
{
  if (!self->show_answer)
    return;
  self->show_answer = FALSE;
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, scroll_to_answer, g_object_ref (self), g_object_unref);
}

static void
bpv_lesson_pane_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), BPV_TYPE_LESSON_PANE);
  G_OBJECT_CLASS (bpv_lesson_pane_parent_class)->dispose (object);
}

static void
bpv_lesson_pane_class_init (BpvLessonPaneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bpv_lesson_pane_dispose;

  g_type_ensure (BPV_TYPE_QUESTION_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/backprop_studio/BackpropStudio/ui/bpv-lesson-pane.ui");
  gtk_widget_class_bind_template_child (widget_class, BpvLessonPane, box);
  gtk_widget_class_bind_template_child (widget_class, BpvLessonPane, lesson_title_label);
  gtk_widget_class_bind_template_child (widget_class, BpvLessonPane, step_label);
  gtk_widget_class_bind_template_child (widget_class, BpvLessonPane, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, BpvLessonPane, scroller);
  gtk_widget_class_bind_template_child (widget_class, BpvLessonPane, step_title_label);
  gtk_widget_class_bind_template_child (widget_class, BpvLessonPane, text_label);
  gtk_widget_class_bind_template_child (widget_class, BpvLessonPane, question_error_label);
  gtk_widget_class_bind_template_child (widget_class, BpvLessonPane, question_view);
  gtk_widget_class_bind_template_child (widget_class, BpvLessonPane, hint_box);
  gtk_widget_class_bind_template_child (widget_class, BpvLessonPane, hint_label);
  gtk_widget_class_bind_template_child (widget_class, BpvLessonPane, retry_button);
  gtk_widget_class_bind_template_child (widget_class, BpvLessonPane, back_button);
  gtk_widget_class_bind_template_child (widget_class, BpvLessonPane, next_button);
  gtk_widget_class_bind_template_child (widget_class, BpvLessonPane, leave_button);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "lessonpane");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
bpv_lesson_pane_init (BpvLessonPane *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self->next_button, "notify::sensitive", G_CALLBACK (on_next_sensitive), self);
  g_signal_connect (self->retry_button, "notify::sensitive", G_CALLBACK (on_next_sensitive), self);
  g_signal_connect_swapped (self->question_view, "answered", G_CALLBACK (on_answered), self);
  g_signal_connect (gtk_scrolled_window_get_vadjustment (self->scroller), "changed",
                    G_CALLBACK (on_scroll_range_changed), self);
  update_hint (self);
}

GtkWidget *
bpv_lesson_pane_new (void)
{
  return g_object_new (BPV_TYPE_LESSON_PANE, NULL);
}

void
bpv_lesson_pane_show_step (BpvLessonPane   *self,
                           const BpvLesson *lesson,
                           gsize            index,
                           BpvQuestion     *question,
                           const char      *question_error)
{
  const BpvLessonStep *step;
  gsize n;
  g_autofree char *progress = NULL;
  g_autofree char *hint = NULL;
  gboolean last;

  g_return_if_fail (BPV_IS_LESSON_PANE (self));
  g_return_if_fail (lesson != NULL);

  n = bpv_lesson_get_n_steps (lesson);
  g_return_if_fail (index < n);
  step = bpv_lesson_get_step (lesson, index);
  last = index + 1 == n;

  gtk_label_set_text (self->lesson_title_label, bpv_lesson_get_title (lesson));
  /* TRANSLATORS: the lesson pane's progress, "Step 3 of 9". */
  progress = g_strdup_printf (_("Step %zu of %zu"), index + 1, n);
  gtk_label_set_text (self->step_label, progress);
  gtk_progress_bar_set_fraction (self->progress_bar, (double) (index + 1) / (double) n);
  gtk_label_set_text (self->step_title_label, step->title != NULL ? step->title : "");
  gtk_widget_set_visible (GTK_WIDGET (self->step_title_label), step->title != NULL && step->title[0] != '\0');
  gtk_label_set_markup (self->text_label, step->text != NULL ? step->text : "");

  bpv_question_view_set_question (self->question_view, question);
  gtk_widget_set_visible (GTK_WIDGET (self->question_view), question != NULL);
  gtk_label_set_text (self->question_error_label, question_error != NULL ? question_error : "");
  gtk_widget_set_visible (GTK_WIDGET (self->question_error_label), question_error != NULL);

  hint = bpv_lesson_continue_hint (lesson, index);
  self->has_hint = hint != NULL;
  gtk_label_set_text (self->hint_label, hint != NULL ? hint : "");
  update_hint (self);

  /* The last step's Next ends the lesson. */
  gtk_button_set_label (self->next_button, last ? _("_Finish") : _("_Next"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->next_button),
                               last ? _("End the lesson") : _("The next step"));
  /* A new step is read from its top. */
  self->show_answer = FALSE;
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->scroller), 0);
}

void
bpv_lesson_pane_clear (BpvLessonPane *self)
{
  g_return_if_fail (BPV_IS_LESSON_PANE (self));

  bpv_question_view_set_question (self->question_view, NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->question_view), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->question_error_label), FALSE);
  gtk_label_set_text (self->lesson_title_label, "");
  gtk_label_set_text (self->step_label, "");
  gtk_label_set_text (self->step_title_label, "");
  gtk_label_set_text (self->text_label, "");
  self->has_hint = FALSE;
  update_hint (self);
}

BpvQuestionView *
bpv_lesson_pane_get_question_view (BpvLessonPane *self)
{
  g_return_val_if_fail (BPV_IS_LESSON_PANE (self), NULL);

  return self->question_view;
}

void
bpv_lesson_pane_set_canvas (BpvLessonPane  *self,
                            BpvNetworkView *canvas)
{
  g_return_if_fail (BPV_IS_LESSON_PANE (self));

  bpv_question_view_set_canvas (self->question_view, canvas);
}

static void
append_label (GString  *s,
              GtkLabel *label)
{
  const char *text = gtk_label_get_text (label);

  if (gtk_widget_get_visible (GTK_WIDGET (label)) && text != NULL && text[0] != '\0')
    g_string_append_printf (s, "%s\n", text);
}

char *
bpv_lesson_pane_dup_text (BpvLessonPane *self)
{
  GString *s;

  g_return_val_if_fail (BPV_IS_LESSON_PANE (self), NULL);

  s = g_string_new (NULL);
  append_label (s, self->lesson_title_label);
  append_label (s, self->step_label);
  append_label (s, self->step_title_label);
  append_label (s, self->text_label);
  append_label (s, self->question_error_label);
  if (gtk_widget_get_visible (GTK_WIDGET (self->question_view)))
    {
      g_autofree char *q = bpv_question_view_dup_text (self->question_view);

      g_string_append_printf (s, "%s\n", q);
    }
  if (gtk_widget_get_visible (self->hint_box))
    append_label (s, self->hint_label);
  return g_string_free (s, FALSE);
}
