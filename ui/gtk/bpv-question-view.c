/* bpv-question-view.c — one quiz question to answer (see
 * bpv-question-view.h).  The widget only shows and checks: the question and
 * its answer come from bpv-quiz (GTK-free), the calculator from bp-expr.
 * Its parts are a template (bpv-question-view.ui); the choices are built
 * here, one GtkCheckButton per choice in one group.
 */
#include "config.h"
#include "bpv-question-view.h"

#include <glib/gi18n.h>
#include <math.h>

#include "bp-expr.h"
#include "bpv-events.h"
#include "bpv-explain.h"

#define RESOURCE_PATH "/io/github/backprop_studio/BackpropStudio/"
/* The verdict's icons: a tick and a cross say right and wrong without
 * colour; an open eye says the answer was shown. */
#define ICON_RIGHT "emblem-ok-symbolic"
#define ICON_WRONG "window-close-symbolic"
#define ICON_SHOWN "view-reveal-symbolic"

struct _BpvQuestionView
{
  GtkWidget       parent_instance;

  /* template children */
  GtkWidget      *box;             /* the outer one (bound so that it is disposed) */
  GtkLabel       *prompt_label;
  GtkLabel       *uses_label;
  GtkWidget      *answer_box;
  GtkEntry       *entry;
  GtkLabel       *value_label;
  GtkWidget      *choices_box;
  GtkWidget      *buttons_box;
  GtkButton      *check_button;
  GtkButton      *show_button;
  GtkWidget      *verdict_box;
  GtkImage       *verdict_icon;
  GtkLabel       *verdict_label;
  GtkLabel       *mistake_label;
  GtkLabel       *worked_label;

  BpvQuestion    *question;
  GPtrArray      *choice_buttons;  /* GtkCheckButton, parallel to question->choices */
  BpvNetworkView *canvas;          /* weak */
  gboolean        answered;
  gboolean        correct;
  gboolean        gave_up;
};

G_DEFINE_FINAL_TYPE (BpvQuestionView, bpv_question_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_QUESTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_ANSWERED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* --------------------------------------------------------------- showing */

/* Pango markup from the quiz as the label's markup, or, should it not
 * parse, as the plain text it was meant to say (a label would print a
 * warning and show nothing). */
static void
set_markup_or_plain (GtkLabel   *label,
                     const char *markup,
                     const char *plain)
{
  if (markup == NULL || markup[0] == '\0')
    {
      gtk_label_set_text (label, plain != NULL ? plain : "");
      return;
    }
  if (pango_parse_markup (markup, -1, 0, NULL, NULL, NULL, NULL))
    gtk_label_set_markup (label, markup);
  else
    gtk_label_set_text (label, plain != NULL ? plain : markup);
}

static gboolean
is_numeric (const BpvQuestion *q)
{
  return q != NULL && q->kind == BPV_QUESTION_NUMERIC;
}

/* The index of the checked choice, or −1. */
static gssize
checked_choice (BpvQuestionView *self)
{
  for (guint i = 0; i < self->choice_buttons->len; i++)
    if (gtk_check_button_get_active (g_ptr_array_index (self->choice_buttons, i)))
      return i;
  return -1;
}

/* Check is there when there is something to check: a typed answer or a
 * checked choice, before the question is answered. */
static void
update_check_sensitive (BpvQuestionView *self)
{
  gboolean can = self->question != NULL && !self->answered;

  if (can && is_numeric (self->question))
    can = gtk_entry_get_text_length (self->entry) > 0;
  else if (can)
    can = checked_choice (self) >= 0;
  gtk_widget_set_sensitive (GTK_WIDGET (self->check_button), can);
  gtk_widget_set_sensitive (GTK_WIDGET (self->show_button), self->question != NULL && !self->answered);
}

static void
set_value_text (BpvQuestionView *self,
                const char      *text,
                gboolean         is_error)
{
  gtk_label_set_text (self->value_label, text);
  if (is_error)
    gtk_widget_add_css_class (GTK_WIDGET (self->value_label), "dim-label");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->value_label), "dim-label");
}

/* The calculator: what the typed text comes to, as the learner types.  A
 * text that does not parse (yet) says where, in dim text. */
static void
on_entry_changed (GtkEditable     *editable,
                  BpvQuestionView *self)
{
  const char *text = gtk_editable_get_text (editable);
  g_autoptr(GError) error = NULL;
  double v;

  update_check_sensitive (self);
  if (self->answered)
    return;
  if (text[0] == '\0')
    set_value_text (self, "", FALSE);
  else if (bp_expr_eval (text, NULL, &v, &error))
    {
      g_autofree char *num = bpv_format_number (v);
      g_autofree char *line = g_strdup_printf ("= %s", num);

      set_value_text (self, line, FALSE);
    }
  else
    set_value_text (self, error->message, TRUE);
}

static void
on_choice_toggled (GtkCheckButton  *button,
                   BpvQuestionView *self)
{
  update_check_sensitive (self);
}

static void
clear_choices (BpvQuestionView *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (self->choices_box)) != NULL)
    gtk_box_remove (GTK_BOX (self->choices_box), child);
  g_ptr_array_set_size (self->choice_buttons, 0);
}

/* One check button per choice, in one group, its label the choice's
 * markup (its plain text as the accessible name). */
static void
build_choices (BpvQuestionView *self)
{
  const BpvQuestion *q = self->question;
  GtkCheckButton *group = NULL;

  clear_choices (self);
  for (gsize i = 0; q != NULL && i < q->n_choices; i++)
    {
      const BpvChoice *c = &q->choices[i];
      GtkWidget *button = gtk_check_button_new ();
      GtkWidget *label = gtk_label_new (NULL);

      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      set_markup_or_plain (GTK_LABEL (label), c->markup, c->plain);
      gtk_check_button_set_child (GTK_CHECK_BUTTON (button), label);
      gtk_widget_add_css_class (button, "quiz-choice");
      if (c->plain != NULL)
        gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, c->plain, -1);
      if (group != NULL)
        gtk_check_button_set_group (GTK_CHECK_BUTTON (button), group);
      else
        group = GTK_CHECK_BUTTON (button);
      g_signal_connect (button, "toggled", G_CALLBACK (on_choice_toggled), self);
      gtk_box_append (GTK_BOX (self->choices_box), button);
      g_ptr_array_add (self->choice_buttons, button);
    }
}

/* What the prompt may use and how close a number must be, on one line:
 * "Use δ(3), W(3) · to 3 significant figures". */
static void
update_uses (BpvQuestionView *self)
{
  const BpvQuestion *q = self->question;
  GString *s = g_string_new (NULL);

  if (q != NULL && q->uses != NULL && q->uses[0] != '\0'
      && pango_parse_markup (q->uses, -1, 0, NULL, NULL, NULL, NULL))
    /* TRANSLATORS: %s lists values on the canvas, e.g. "δ(3), W(3)". */
    g_string_append_printf (s, _("Use %s"), q->uses);
  if (is_numeric (q) && q->tolerance_text != NULL && q->tolerance_text[0] != '\0')
    {
      g_autofree char *tol = g_markup_escape_text (q->tolerance_text, -1);

      g_string_append_printf (s, "%s%s", s->len > 0 ? " · " : "", tol);
    }
  gtk_label_set_markup (self->uses_label, s->str);
  gtk_widget_set_visible (GTK_WIDGET (self->uses_label), s->len > 0);
  g_string_free (s, TRUE);
}

static void
clear_highlights (BpvQuestionView *self)
{
  if (self->canvas != NULL)
    bpv_network_view_set_highlights (self->canvas, NULL, 0);
}

/* The inputs are about to become insensitive: a focused entry would
 * never hear that it lost the focus (GTK warns from its cursor blink), so
 * the focus is let go first; the pane gives it to "Another question". */
static void
drop_input_focus (BpvQuestionView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  if (focus != NULL
      && (gtk_widget_is_ancestor (focus, GTK_WIDGET (self->entry))
          || gtk_widget_is_ancestor (focus, self->choices_box)
          || gtk_widget_is_ancestor (focus, self->buttons_box)))
    gtk_root_set_focus (root, NULL);
}

/* After an answer: the verdict, a wrong choice's mistake, the worked
 * answer and the highlights; the inputs can no longer change. */
static void
show_outcome (BpvQuestionView *self,
              gssize           picked,
              const char      *typed_value)
{
  const BpvQuestion *q = self->question;
  g_autofree char *verdict = NULL;

  if (self->gave_up)
    verdict = g_strdup_printf ("<b>%s</b>", _("The answer"));
  else if (self->correct)
    verdict = g_strdup_printf ("<b>%s</b>", _("Right"));
  else if (typed_value != NULL)
    {
      /* TRANSLATORS: %s is the value the learner's answer came to. */
      g_autofree char *yours = g_strdup_printf (_("yours came to %s"), typed_value);
      g_autofree char *escaped = g_markup_escape_text (yours, -1);

      verdict = g_strdup_printf ("<b>%s</b>  (%s)", _("Not quite"), escaped);
    }
  else
    verdict = g_strdup_printf ("<b>%s</b>", _("Not quite"));
  gtk_image_set_from_icon_name (self->verdict_icon,
                                self->gave_up ? ICON_SHOWN : self->correct ? ICON_RIGHT : ICON_WRONG);
  gtk_label_set_markup (self->verdict_label, verdict);
  gtk_widget_remove_css_class (self->verdict_box, "success");
  gtk_widget_remove_css_class (self->verdict_box, "error");
  if (!self->gave_up)
    gtk_widget_add_css_class (self->verdict_box, self->correct ? "success" : "error");
  gtk_widget_set_visible (self->verdict_box, TRUE);

  if (!self->correct && picked >= 0 && (gsize) picked < q->n_choices && q->choices[picked].mistake != NULL)
    {
      g_autofree char *escaped = g_markup_escape_text (q->choices[picked].mistake, -1);

      gtk_label_set_markup (self->mistake_label, escaped);
      gtk_widget_set_visible (GTK_WIDGET (self->mistake_label), TRUE);
    }
  set_markup_or_plain (self->worked_label, q->worked, q->worked_plain);
  gtk_widget_set_visible (GTK_WIDGET (self->worked_label),
                          (q->worked != NULL && q->worked[0] != '\0')
                          || (q->worked_plain != NULL && q->worked_plain[0] != '\0'));

  /* The right choice is marked so (the tick in its label's place would
   * hide the learner's own choice). */
  for (guint i = 0; i < self->choice_buttons->len; i++)
    {
      GtkWidget *b = g_ptr_array_index (self->choice_buttons, i);

      if (i == q->correct)
        gtk_widget_add_css_class (b, "quiz-correct");
    }
  drop_input_focus (self);
  gtk_widget_set_sensitive (GTK_WIDGET (self->entry), FALSE);
  gtk_widget_set_sensitive (self->choices_box, FALSE);
  update_check_sensitive (self);

  if (self->canvas != NULL && q->n_highlights > 0)
    bpv_network_view_set_highlights (self->canvas, q->highlights, q->n_highlights);
}

static void
finish (BpvQuestionView *self,
        gboolean         correct,
        gboolean         gave_up,
        gssize           picked,
        const char      *typed_value)
{
  self->answered = TRUE;
  self->correct = correct;
  self->gave_up = gave_up;
  bpv_event ("QUIZ-ANSWER %s %s", gave_up ? "shown" : correct ? "right" : "wrong",
             self->question->topic != NULL ? self->question->topic : "authored");
  show_outcome (self, picked, typed_value);
  g_signal_emit (self, signals[SIGNAL_ANSWERED], 0, correct);
}

/* -------------------------------------------------------------- answering */

gboolean
bpv_question_view_check (BpvQuestionView *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *typed = NULL;
  gboolean correct = FALSE;
  double value = NAN;
  gssize picked = -1;

  g_return_val_if_fail (BPV_IS_QUESTION_VIEW (self), FALSE);

  if (self->question == NULL || self->answered)
    return FALSE;
  if (is_numeric (self->question))
    {
      typed = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->entry))));
      if (typed[0] == '\0')
        return FALSE;
    }
  else
    {
      picked = checked_choice (self);
      if (picked < 0)
        return FALSE;
      typed = g_strdup_printf ("%zd", picked);
    }
  if (!bpv_question_check (self->question, typed, &correct, &value, &error))
    {
      /* Not an answer: say why, keep the text, wait. */
      set_value_text (self, error->message, TRUE);
      gtk_widget_grab_focus (GTK_WIDGET (self->entry));
      return FALSE;
    }
  if (is_numeric (self->question))
    {
      g_autofree char *v = bpv_format_number (value);

      finish (self, correct, FALSE, -1, v);
    }
  else
    finish (self, correct, FALSE, picked, NULL);
  return TRUE;
}

void
bpv_question_view_show_answer (BpvQuestionView *self)
{
  g_return_if_fail (BPV_IS_QUESTION_VIEW (self));

  if (self->question == NULL || self->answered)
    return;
  finish (self, FALSE, TRUE, -1, NULL);
}

static void
on_check_clicked (GtkButton       *button,
                  BpvQuestionView *self)
{
  bpv_question_view_check (self);
}

static void
on_show_clicked (GtkButton       *button,
                 BpvQuestionView *self)
{
  bpv_question_view_show_answer (self);
}

static void
on_entry_activate (GtkEntry        *entry,
                   BpvQuestionView *self)
{
  bpv_question_view_check (self);
}

void
bpv_question_view_type_answer (BpvQuestionView *self,
                               const char      *text)
{
  g_return_if_fail (BPV_IS_QUESTION_VIEW (self));
  g_return_if_fail (text != NULL);

  gtk_editable_set_text (GTK_EDITABLE (self->entry), text);
}

void
bpv_question_view_pick_choice (BpvQuestionView *self,
                               gsize            index)
{
  g_return_if_fail (BPV_IS_QUESTION_VIEW (self));
  g_return_if_fail (index < self->choice_buttons->len);

  gtk_check_button_set_active (g_ptr_array_index (self->choice_buttons, index), TRUE);
}

/* ------------------------------------------------------------ the question */

void
bpv_question_view_set_question (BpvQuestionView *self,
                                BpvQuestion     *question)
{
  const BpvQuestion *q;

  g_return_if_fail (BPV_IS_QUESTION_VIEW (self));

  if (question != NULL && question == self->question)
    return;
  if (self->answered)
    clear_highlights (self);
  g_clear_pointer (&self->question, bpv_question_free);
  self->question = question;
  self->answered = self->correct = self->gave_up = FALSE;
  q = question;

  set_markup_or_plain (self->prompt_label, q != NULL ? q->prompt : NULL, q != NULL ? q->prompt_plain : NULL);
  update_uses (self);
  gtk_widget_set_visible (self->answer_box, is_numeric (q));
  gtk_widget_set_sensitive (GTK_WIDGET (self->entry), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (self->entry), "");
  set_value_text (self, "", FALSE);
  build_choices (self);
  gtk_widget_set_visible (self->choices_box, q != NULL && !is_numeric (q));
  gtk_widget_set_sensitive (self->choices_box, TRUE);
  gtk_widget_set_visible (self->buttons_box, q != NULL);
  gtk_widget_set_visible (self->verdict_box, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->mistake_label), FALSE);
  gtk_label_set_text (self->mistake_label, "");
  /* The worked answer is not even in a hidden label before an answer. */
  gtk_label_set_text (self->worked_label, "");
  gtk_widget_set_visible (GTK_WIDGET (self->worked_label), FALSE);
  update_check_sensitive (self);
  if (q != NULL)
    bpv_event ("QUIZ-QUESTION %s", q->topic != NULL ? q->topic : "authored");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUESTION]);
}

const BpvQuestion *
bpv_question_view_get_question (BpvQuestionView *self)
{
  g_return_val_if_fail (BPV_IS_QUESTION_VIEW (self), NULL);

  return self->question;
}

void
bpv_question_view_set_canvas (BpvQuestionView *self,
                              BpvNetworkView  *canvas)
{
  g_return_if_fail (BPV_IS_QUESTION_VIEW (self));
  g_return_if_fail (canvas == NULL || BPV_IS_NETWORK_VIEW (canvas));

  if (self->canvas == canvas)
    return;
  if (self->canvas != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->canvas), (gpointer *) &self->canvas);
  self->canvas = canvas;
  if (canvas != NULL)
    g_object_add_weak_pointer (G_OBJECT (canvas), (gpointer *) &self->canvas);
}

gboolean
bpv_question_view_get_answered (BpvQuestionView *self)
{
  g_return_val_if_fail (BPV_IS_QUESTION_VIEW (self), FALSE);

  return self->answered;
}

gboolean
bpv_question_view_get_correct (BpvQuestionView *self)
{
  g_return_val_if_fail (BPV_IS_QUESTION_VIEW (self), FALSE);

  return self->answered && self->correct;
}

gboolean
bpv_question_view_get_gave_up (BpvQuestionView *self)
{
  g_return_val_if_fail (BPV_IS_QUESTION_VIEW (self), FALSE);

  return self->answered && self->gave_up;
}

const char *
bpv_question_view_get_value_text (BpvQuestionView *self)
{
  g_return_val_if_fail (BPV_IS_QUESTION_VIEW (self), NULL);

  return gtk_label_get_text (self->value_label);
}

/* A label's text when it is shown. */
static void
append_shown (GString  *s,
              GtkLabel *label)
{
  const char *text = gtk_label_get_text (label);

  if (gtk_widget_get_visible (GTK_WIDGET (label)) && text[0] != '\0')
    g_string_append_printf (s, "%s\n", text);
}

char *
bpv_question_view_dup_text (BpvQuestionView *self)
{
  GString *s;

  g_return_val_if_fail (BPV_IS_QUESTION_VIEW (self), NULL);

  s = g_string_new (NULL);
  append_shown (s, self->prompt_label);
  append_shown (s, self->uses_label);
  if (gtk_widget_get_visible (self->answer_box))
    append_shown (s, self->value_label);
  for (guint i = 0; i < self->choice_buttons->len; i++)
    {
      GtkWidget *label = gtk_check_button_get_child (g_ptr_array_index (self->choice_buttons, i));

      g_string_append_printf (s, "%s\n", gtk_label_get_text (GTK_LABEL (label)));
    }
  if (gtk_widget_get_visible (self->verdict_box))
    append_shown (s, self->verdict_label);
  append_shown (s, self->mistake_label);
  append_shown (s, self->worked_label);
  return g_string_free (s, FALSE);
}

/* ---------------------------------------------------------------- GObject */

static void
bpv_question_view_dispose (GObject *object)
{
  BpvQuestionView *self = BPV_QUESTION_VIEW (object);

  if (self->answered)
    clear_highlights (self);
  bpv_question_view_set_canvas (self, NULL);
  if (self->choice_buttons != NULL)
    g_ptr_array_set_size (self->choice_buttons, 0);
  gtk_widget_dispose_template (GTK_WIDGET (self), BPV_TYPE_QUESTION_VIEW);
  G_OBJECT_CLASS (bpv_question_view_parent_class)->dispose (object);
}

static void
bpv_question_view_finalize (GObject *object)
{
  BpvQuestionView *self = BPV_QUESTION_VIEW (object);

  g_clear_pointer (&self->question, bpv_question_free);
  g_ptr_array_unref (self->choice_buttons);
  G_OBJECT_CLASS (bpv_question_view_parent_class)->finalize (object);
}

static void
bpv_question_view_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  BpvQuestionView *self = BPV_QUESTION_VIEW (object);

  switch (prop_id)
    {
    case PROP_QUESTION:
      g_value_set_pointer (value, self->question);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bpv_question_view_class_init (BpvQuestionViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bpv_question_view_dispose;
  object_class->finalize = bpv_question_view_finalize;
  object_class->get_property = bpv_question_view_get_property;

  /* The BpvQuestion shown (owned by the view; set it with
   * bpv_question_view_set_question, which says who owns it). */
  properties[PROP_QUESTION] =
    g_param_spec_pointer ("question", NULL, NULL,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_ANSWERED] =
    g_signal_new ("answered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "ui/bpv-question-view.ui");
  gtk_widget_class_bind_template_child (widget_class, BpvQuestionView, box);
  gtk_widget_class_bind_template_child (widget_class, BpvQuestionView, prompt_label);
  gtk_widget_class_bind_template_child (widget_class, BpvQuestionView, uses_label);
  gtk_widget_class_bind_template_child (widget_class, BpvQuestionView, answer_box);
  gtk_widget_class_bind_template_child (widget_class, BpvQuestionView, entry);
  gtk_widget_class_bind_template_child (widget_class, BpvQuestionView, value_label);
  gtk_widget_class_bind_template_child (widget_class, BpvQuestionView, choices_box);
  gtk_widget_class_bind_template_child (widget_class, BpvQuestionView, buttons_box);
  gtk_widget_class_bind_template_child (widget_class, BpvQuestionView, check_button);
  gtk_widget_class_bind_template_child (widget_class, BpvQuestionView, show_button);
  gtk_widget_class_bind_template_child (widget_class, BpvQuestionView, verdict_box);
  gtk_widget_class_bind_template_child (widget_class, BpvQuestionView, verdict_icon);
  gtk_widget_class_bind_template_child (widget_class, BpvQuestionView, verdict_label);
  gtk_widget_class_bind_template_child (widget_class, BpvQuestionView, mistake_label);
  gtk_widget_class_bind_template_child (widget_class, BpvQuestionView, worked_label);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "questionview");
}

static void
bpv_question_view_init (BpvQuestionView *self)
{
  self->choice_buttons = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self->entry, "changed", G_CALLBACK (on_entry_changed), self);
  g_signal_connect (self->entry, "activate", G_CALLBACK (on_entry_activate), self);
  g_signal_connect (self->check_button, "clicked", G_CALLBACK (on_check_clicked), self);
  g_signal_connect (self->show_button, "clicked", G_CALLBACK (on_show_clicked), self);
  bpv_question_view_set_question (self, NULL);
}

GtkWidget *
bpv_question_view_new (void)
{
  return g_object_new (BPV_TYPE_QUESTION_VIEW, NULL);
}
