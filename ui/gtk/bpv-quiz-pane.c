/* bpv-quiz-pane.c — the Quiz pane (see bpv-quiz-pane.h): asks bpv-quiz
 * for questions about what the session shows, keeps the score, and
 * decides when a question makes way for a new one.  The question itself is
 * a BpvQuestionView (template child).
 */
#include "config.h"
#include "bpv-quiz-pane.h"

#include <glib/gi18n.h>

#include "bpv-events.h"
#include "bpv-explain.h"

#define RESOURCE_PATH "/io/github/backprop_studio/BackpropStudio/"
/* "Another question" tries this many seeds for a topic other than the
 * one shown before it settles for the same topic with new numbers. */
#define ANOTHER_TRIES 8
/* The question asks for its whole height up to this many pixels, or this
 * share of the column the pane is in when that is more (then it scrolls):
 * the column keeps room for the inspector below, and in a window of 900
 * pixels for the decision map above. */
#define QUESTION_FIT_MAX   340
#define QUESTION_FIT_SHARE 0.7

/* What a question is about: the stop (step and position in its cycle),
 * the selection and the network's shape (a count of structure changes). */
typedef struct
{
  guint64 step;
  int     position;
  BpvHit  selection;
  guint   structure;
} About;

struct _BpvQuizPane
{
  GtkWidget          parent_instance;

  /* template children */
  GtkWidget         *box;              /* the outer one (bound so that it is disposed) */
  GtkLabel          *heading_label;
  GtkButton         *another_button;
  GtkLabel          *note_label;
  GtkLabel          *status_label;
  GtkScrolledWindow *scroller;
  BpvQuestionView   *question_view;

  BpvSession        *session;
  About              about;            /* of the question shown */
  guint              structure;        /* structure changes seen */
  guint64            seed;             /* of the next question */
  guint              asked;
  guint              right;
  gboolean           stepping;         /* the pane itself steps (PREDICT) */
  GtkRoot           *root;             /* whose css-classes are followed while mapped */
  guint              refit_id;         /* a tick callback that fits the question again */
  guint              refit_frames;     /* frames it has seen */
};

G_DEFINE_FINAL_TYPE (BpvQuizPane, bpv_quiz_pane, GTK_TYPE_WIDGET)

static About
about_now (BpvQuizPane *self)
{
  BpvStepper *st = bpv_session_get_stepper (self->session);
  About a = {
    .step = bpv_explain_shown_step (self->session),
    .position = bpv_stepper_get_position (st),
    .selection = *bpv_session_get_selection (self->session),
    .structure = self->structure,
  };

  return a;
}

static gboolean
about_equal (const About *a,
             const About *b)
{
  return a->step == b->step && a->position == b->position && a->structure == b->structure
         && bpv_hit_equal (&a->selection, &b->selection);
}

static void
set_note (BpvQuizPane *self,
          const char  *text)
{
  gtk_label_set_text (self->note_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->note_label), text != NULL);
}

/* "Quiz", then "Quiz · 3 of 4 right" once something was answered. */
static void
update_heading (BpvQuizPane *self)
{
  g_autofree char *heading = NULL;

  if (self->asked == 0)
    heading = g_strdup (_("Quiz"));
  else
    /* TRANSLATORS: the session's score, "Quiz · 3 of 4 right". */
    heading = g_strdup_printf (dngettext (GETTEXT_PACKAGE, "Quiz · %u of %u right",
                                          "Quiz · %u of %u right", self->asked),
                               self->right, self->asked);
  gtk_label_set_text (self->heading_label, heading);
}

/* Why the shown (unanswered) question no longer matches the screen, and
 * how to get back to it; NULL when it matches. */
static char *
note_for (BpvQuizPane *self)
{
  About now;

  if (bpv_session_get_running (self->session))
    return g_strdup (_("Training has moved the numbers on: pause, then answer or ask another question."));
  now = about_now (self);
  if (about_equal (&now, &self->about))
    return NULL;
  if (now.structure != self->about.structure)
    return g_strdup (_("The network changed after this question was asked: ask another question."));
  if (now.step != self->about.step || now.position != self->about.position)
    {
      g_autofree char *step = g_strdup_printf ("%" G_GUINT64_FORMAT, self->about.step);
      gboolean back = now.step > self->about.step
                      || (now.step == self->about.step && now.position > self->about.position);

      /* Asked at rest (no stop: the network between steps). */
      if (self->about.position < 0)
        return back
               ? g_strdup_printf (_("This question is about the network at rest after step %s; step back to see it."), step)
               : g_strdup_printf (_("This question is about the network at rest after step %s; step forward to see it."), step);
      return back
             /* TRANSLATORS: stop %d of step %s, as the phase card numbers them. */
             ? g_strdup_printf (_("This question is about stop %d of step %s; step back to see it."),
                                self->about.position + 1, step)
             : g_strdup_printf (_("This question is about stop %d of step %s; step forward to see it."),
                                self->about.position + 1, step);
    }
  return g_strdup (_("This question was asked about the selection before: it still stands."));
}

static void fit_question (BpvQuizPane *self);

/* The frame after the one that restyled the pane (ticks come before a
 * frame's layout, which applies the new style): its sizes are the new
 * ones then. */
static gboolean
refit_tick (GtkWidget     *widget,
            GdkFrameClock *clock,
            gpointer       data)
{
  BpvQuizPane *self = BPV_QUIZ_PANE (widget);

  if (self->refit_frames++ == 0)
    return G_SOURCE_CONTINUE;
  self->refit_id = 0;
  fit_question (self);
  return G_SOURCE_REMOVE;
}

static void
queue_refit (BpvQuizPane *self)
{
  self->refit_frames = 0;
  if (self->refit_id == 0)
    self->refit_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), refit_tick, NULL, NULL);
}

/* The question's height as its least (up to QUESTION_FIT_*): a box
 * shares out only what is left over its children's least heights, and the
 * inspector below would take most of it, cutting the worked answer off. */
static void
fit_question (BpvQuizPane *self)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self->scroller)), natural = 0, most = QUESTION_FIT_MAX;
  GtkWidget *holder = gtk_widget_get_parent (GTK_WIDGET (self));
  GtkWidget *column = holder != NULL ? gtk_widget_get_parent (holder) : NULL;

  if (width <= 0)
    {
      /* Not laid out yet (asked before being shown): after it is. */
      queue_refit (self);
      return;
    }
  if (column != NULL)
    most = MAX (most, (int) (QUESTION_FIT_SHARE * gtk_widget_get_height (column)));
  gtk_widget_measure (GTK_WIDGET (self->question_view), GTK_ORIENTATION_VERTICAL, width, NULL, &natural,
                      NULL, NULL);
  gtk_scrolled_window_set_min_content_height (self->scroller, MIN (natural, most));
}

/* ------------------------------------------------------------- questions */

static BpvQuestion *
generate (BpvQuizPane *self,
          int          kind,
          const char  *topic,
          GError     **error)
{
  BpvQuizContext ctx;

  bpv_quiz_context_from_session (&ctx, self->session);
  return bpv_quiz_generate (&ctx, kind, topic, self->seed++, error);
}

static void
show_question (BpvQuizPane *self,
               BpvQuestion *q,
               const GError *error)
{
  self->about = about_now (self);
  set_note (self, NULL);
  bpv_question_view_set_question (self->question_view, q);
  gtk_widget_set_visible (GTK_WIDGET (self->question_view), q != NULL);
  gtk_label_set_text (self->status_label, error != NULL ? error->message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), error != NULL);
  if (q == NULL && error != NULL)
    bpv_event ("QUIZ-NONE %s", error->message);
  fit_question (self);
}

gboolean
bpv_quiz_pane_ask (BpvQuizPane *self,
                   int          kind,
                   const char  *topic,
                   GError     **error)
{
  g_autoptr(GError) local = NULL;
  BpvQuestion *q;

  g_return_val_if_fail (BPV_IS_QUIZ_PANE (self), FALSE);
  g_return_val_if_fail (self->session != NULL, FALSE);

  q = generate (self, kind, topic, &local);
  show_question (self, q, local);
  if (q == NULL && error != NULL)
    *error = g_steal_pointer (&local);
  return q != NULL;
}

void
bpv_quiz_pane_another (BpvQuizPane *self)
{
  const BpvQuestion *shown;
  g_autofree char *last_topic = NULL;
  g_autoptr(GError) error = NULL;
  BpvQuestion *q = NULL;

  g_return_if_fail (BPV_IS_QUIZ_PANE (self));

  if (self->session == NULL)
    return;
  shown = bpv_question_view_get_question (self->question_view);
  last_topic = shown != NULL ? g_strdup (shown->topic) : NULL;
  for (int i = 0; i < ANOTHER_TRIES; i++)
    {
      g_clear_pointer (&q, bpv_question_free);
      g_clear_error (&error);
      q = generate (self, -1, NULL, &error);
      if (q == NULL || last_topic == NULL || g_strcmp0 (q->topic, last_topic) != 0)
        break;
    }
  show_question (self, q, error);
}

void
bpv_quiz_pane_shown (BpvQuizPane *self)
{
  About now;

  g_return_if_fail (BPV_IS_QUIZ_PANE (self));

  if (self->session == NULL || bpv_session_get_running (self->session))
    return;
  now = about_now (self);
  if (bpv_question_view_get_question (self->question_view) == NULL
      || (bpv_question_view_get_answered (self->question_view) && !about_equal (&now, &self->about)))
    bpv_quiz_pane_ask (self, -1, NULL, NULL);
  else
    {
      g_autofree char *note = note_for (self);

      set_note (self, note);
    }
}

/* The stop, the selection or the network changed. */
static void
on_session_changed (BpvQuizPane *self)
{
  g_autofree char *note = NULL;

  if (self->stepping || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;  /* the map handler catches up */
  if (bpv_question_view_get_question (self->question_view) == NULL)
    {
      /* Nothing fitted before (say, no weight selected): maybe now. */
      if (!bpv_session_get_running (self->session))
        {
          About now = about_now (self);

          if (!about_equal (&now, &self->about))
            bpv_quiz_pane_ask (self, -1, NULL, NULL);
        }
      return;
    }
  note = note_for (self);
  if (note != NULL && bpv_question_view_get_answered (self->question_view)
      && !bpv_session_get_running (self->session))
    bpv_quiz_pane_ask (self, -1, NULL, NULL);
  else if (!bpv_question_view_get_answered (self->question_view))
    set_note (self, note);
}

static void
on_structure_changed (BpvQuizPane *self)
{
  self->structure++;
  on_session_changed (self);
}

/* A PREDICT question's "then step and see": on to the update stop, so
 * the canvas shows the weights move as predicted (or not).  Only inside a
 * step's cycle: at rest the next step would take another sample, and so
 * another gradient than the one the question was about. */
static void
step_to_update (BpvQuizPane *self)
{
  BpvStepper *st = bpv_session_get_stepper (self->session);
  int n = bpv_stepper_get_n_positions (st);

  if (bpv_stepper_get_phase (st) == BPV_STEP_IDLE || bpv_stepper_get_phase (st) == BPV_STEP_UPDATE)
    {
      bpv_event ("QUIZ-STEPPED phase=none");
      return;
    }
  self->stepping = TRUE;
  for (int i = 0; i < n && bpv_stepper_get_phase (st) != BPV_STEP_UPDATE; i++)
    if (!bpv_session_step (self->session, NULL))
      break;
  self->stepping = FALSE;
  /* The answered question stays with its worked answer at this stop. */
  self->about = about_now (self);
  bpv_event ("QUIZ-STEPPED phase=%s", bpv_stepper_get_phase (st) == BPV_STEP_UPDATE ? "update" : "other");
}

static void
on_answered (BpvQuestionView *view,
             gboolean         correct,
             BpvQuizPane     *self)
{
  const BpvQuestion *q = bpv_question_view_get_question (view);

  self->asked++;
  if (correct)
    self->right++;
  update_heading (self);
  set_note (self, NULL);
  fit_question (self);
  bpv_event ("QUIZ-SCORE right=%u asked=%u", self->right, self->asked);
  /* The inputs let the focus go (bpv-question-view.c): the next step. */
  if (gtk_widget_get_root (GTK_WIDGET (self)) != NULL
      && gtk_root_get_focus (gtk_widget_get_root (GTK_WIDGET (self))) == NULL)
    gtk_widget_grab_focus (GTK_WIDGET (self->another_button));
  if (q != NULL && q->step_to_see && self->session != NULL && !bpv_session_get_running (self->session))
    step_to_update (self);
}

static void
on_another_clicked (GtkButton   *button,
                    BpvQuizPane *self)
{
  bpv_quiz_pane_another (self);
}

/* Presentation mode (a class on the window) changes the text's size. */
static void
on_root_classes (GObject     *root,
                 GParamSpec  *pspec,
                 BpvQuizPane *self)
{
  queue_refit (self);
}

static void
on_map (GtkWidget *widget,
        gpointer   data)
{
  BpvQuizPane *self = BPV_QUIZ_PANE (widget);

  self->root = gtk_widget_get_root (widget);
  g_signal_connect (self->root, "notify::css-classes", G_CALLBACK (on_root_classes), self);
  bpv_quiz_pane_shown (self);
  fit_question (self);
}

static void
on_unmap (GtkWidget *widget,
          gpointer   data)
{
  BpvQuizPane *self = BPV_QUIZ_PANE (widget);

  if (self->root != NULL)
    g_signal_handlers_disconnect_by_func (self->root, on_root_classes, self);
  self->root = NULL;
  if (self->refit_id != 0)
    gtk_widget_remove_tick_callback (widget, self->refit_id);
  self->refit_id = 0;
}

/* --------------------------------------------------------------- public */

void
bpv_quiz_pane_set_session (BpvQuizPane *self,
                           BpvSession  *session)
{
  g_return_if_fail (BPV_IS_QUIZ_PANE (self));
  g_return_if_fail (session == NULL || BPV_IS_SESSION (session));

  if (self->session == session)
    return;
  if (self->session != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->session, self);
      g_clear_object (&self->session);
    }
  bpv_question_view_set_question (self->question_view, NULL);
  if (session == NULL)
    return;
  self->session = g_object_ref (session);
  g_signal_connect_swapped (session, "values-changed", G_CALLBACK (on_session_changed), self);
  g_signal_connect_swapped (session, "selection-changed", G_CALLBACK (on_session_changed), self);
  g_signal_connect_swapped (session, "notify::running", G_CALLBACK (on_session_changed), self);
  g_signal_connect_swapped (session, "structure-changed", G_CALLBACK (on_structure_changed), self);
}

void
bpv_quiz_pane_set_canvas (BpvQuizPane    *self,
                          BpvNetworkView *canvas)
{
  g_return_if_fail (BPV_IS_QUIZ_PANE (self));

  bpv_question_view_set_canvas (self->question_view, canvas);
}

BpvQuestionView *
bpv_quiz_pane_get_question_view (BpvQuizPane *self)
{
  g_return_val_if_fail (BPV_IS_QUIZ_PANE (self), NULL);

  return self->question_view;
}

guint
bpv_quiz_pane_get_asked (BpvQuizPane *self)
{
  g_return_val_if_fail (BPV_IS_QUIZ_PANE (self), 0);

  return self->asked;
}

guint
bpv_quiz_pane_get_right (BpvQuizPane *self)
{
  g_return_val_if_fail (BPV_IS_QUIZ_PANE (self), 0);

  return self->right;
}

const char *
bpv_quiz_pane_get_note (BpvQuizPane *self)
{
  g_return_val_if_fail (BPV_IS_QUIZ_PANE (self), NULL);

  return gtk_widget_get_visible (GTK_WIDGET (self->note_label)) ? gtk_label_get_text (self->note_label) : "";
}

/* ---------------------------------------------------------------- GObject */

static void
bpv_quiz_pane_dispose (GObject *object)
{
  BpvQuizPane *self = BPV_QUIZ_PANE (object);

  if (self->session != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->session, self);
      g_clear_object (&self->session);
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), BPV_TYPE_QUIZ_PANE);
  G_OBJECT_CLASS (bpv_quiz_pane_parent_class)->dispose (object);
}

static void
bpv_quiz_pane_class_init (BpvQuizPaneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bpv_quiz_pane_dispose;

  g_type_ensure (BPV_TYPE_QUESTION_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "ui/bpv-quiz-pane.ui");
  gtk_widget_class_bind_template_child (widget_class, BpvQuizPane, box);
  gtk_widget_class_bind_template_child (widget_class, BpvQuizPane, heading_label);
  gtk_widget_class_bind_template_child (widget_class, BpvQuizPane, another_button);
  gtk_widget_class_bind_template_child (widget_class, BpvQuizPane, note_label);
  gtk_widget_class_bind_template_child (widget_class, BpvQuizPane, status_label);
  gtk_widget_class_bind_template_child (widget_class, BpvQuizPane, scroller);
  gtk_widget_class_bind_template_child (widget_class, BpvQuizPane, question_view);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "quizpane");
}

static void
bpv_quiz_pane_init (BpvQuizPane *self)
{
  self->seed = 1;
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self->question_view, "answered", G_CALLBACK (on_answered), self);
  g_signal_connect (self->another_button, "clicked", G_CALLBACK (on_another_clicked), self);
  /* Shown again: catch up with what changed while hidden. */
  g_signal_connect (self, "map", G_CALLBACK (on_map), NULL);
  g_signal_connect (self, "unmap", G_CALLBACK (on_unmap), NULL);
  update_heading (self);
}

GtkWidget *
bpv_quiz_pane_new (void)
{
  return g_object_new (BPV_TYPE_QUIZ_PANE, NULL);
}
