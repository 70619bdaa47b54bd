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
