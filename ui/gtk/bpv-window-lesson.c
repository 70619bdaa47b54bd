/* bpv-window-lesson.c — the window plays a lesson (bpv-lesson.h): it enters
 * the steps (applying them to the session, or to a new one when a step
 * loads a model of its own; Back replays the lesson up to the step before),
 * applies each step's view to the canvas, puts the lesson pane over the
 * inspector in place of the decision map, and decides when Next is
 * enabled.  The actions: win.lesson-next, win.lesson-back,
 * win.lesson-leave, win.lesson-retry (the question again after a wrong
 * answer); win.open-lesson is with the other files' actions
 * (bpv-window-files.c).
 *
 * The lesson is the window's, not the model's: undo and redo change the
 * network, never the step; the application autosaves the lesson's file and
 * step with the model ("lesson-changed").
 */
#include "config.h"
#include "bpv-window-private.h"

#include <glib/gi18n.h>

#include "bpv-events.h"

/* The right column's split while a lesson runs: the pane takes all but
 * what the inspector keeps (a little more than its minimum of 240), and
 * at least this much. */
#define LESSON_PANE_MIN_HEIGHT 520
#define INSPECTOR_KEEPS        290

enum {
  LESSON_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* How a step is entered. */
typedef enum
{
  ENTER_APPLY,   /* as Next does: its actions on the session (or a new one) */
  ENTER_REPLAY,  /* as Back does: the lesson replayed up to it on a new session */
  ENTER_RESUME,  /* shown on the session as it is (a restored autosave) */
} EnterMode;

void
bpv_window_lesson_class_init (GObjectClass *object_class)
{
  /* The lesson, its step or its absence changed (the autosave keeps them). */
  signals[LESSON_CHANGED] =
    g_signal_new ("lesson-changed", G_TYPE_FROM_CLASS (object_class), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

void
bpv_window_lesson_finalize (BpvWindow *self)
{
  g_clear_pointer (&self->lesson, bpv_lesson_free);
  g_clear_pointer (&self->lesson_path, g_free);
}

/* A step's view settings on the canvas (those it leaves alone stay). */
static void
apply_view (BpvWindow           *self,
            const BpvLessonView *view)
{
  const struct
  {
    BpvLessonFlag flag;
    const char   *property;
  } flags[] = {
    { view->gradients, "gradients" },
    { view->sigma_prime, "show-derivatives" },
    { view->global_scale, "global-scale" },
    { view->values, "show-values" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (flags); i++)
    if (flags[i].flag != BPV_LESSON_FLAG_KEEP)
      g_object_set (self->network_view, flags[i].property, flags[i].flag == BPV_LESSON_FLAG_ON, NULL);
}

static guint
undo_steps (BpvWindow *self)
{
  return bp_edit_history_n_undo (bpv_session_get_history (self->session));
}

/* The pane shows the step, with its question asked on the session as the
 * step left it. */
static void
show_step (BpvWindow *self)
{
  g_autoptr(GError) error = NULL;
  BpvQuestion *question = bpv_lesson_question (self->lesson, self->lesson_step, self->session, &error);

  bpv_lesson_pane_show_step (self->lesson_pane, self->lesson, self->lesson_step, question,
                             error != NULL ? error->message : NULL);
  if (error != NULL)
    bpv_event ("LESSON-QUESTION-ERROR %s", error->message);
}

/* Enters step `i` of `lesson` (not yet the window's when a lesson starts).
 * On failure nothing has changed but, for ENTER_APPLY on the session in
 * place, what the actions before the failing one did. */
static gboolean
enter_step (BpvWindow  *self,
            BpvLesson  *lesson,
            gsize       i,
            EnterMode   mode,
            GError    **error)
{
  g_autoptr(BpvSession) fresh = NULL;
  BpvLessonView view;

  if (mode != ENTER_RESUME)
    bpv_session_pause (self->session);
  switch (mode)
    {
    case ENTER_APPLY:
      if (bpv_lesson_step_loads_model (lesson, i))
        {
          fresh = bpv_lesson_new_session (lesson, i, error);
          if (fresh == NULL || !bpv_lesson_apply_step (lesson, i, fresh, &view, error))
            return FALSE;
        }
      else if (!bpv_lesson_apply_step (lesson, i, self->session, &view, error))
        return FALSE;
      break;
    case ENTER_REPLAY:
      if (!bpv_lesson_replay (lesson, i, &fresh, &view, error))
        return FALSE;
      break;
    case ENTER_RESUME:
    default:
      break;
    }
  if (fresh != NULL)
    {
      /* The lesson's model is no file's: Save asks where. */
      bpv_window_set_file (self, NULL);
      bpv_window_set_session (self, fresh);
    }
  if (mode != ENTER_RESUME)
    apply_view (self, &view);
  self->lesson_step = i;
  self->lesson_undo_base = undo_steps (self);
  self->lesson_met = FALSE;
  return TRUE;
}

/* After a step is entered: the pane, the actions, the log, the autosave. */
static void
step_entered (BpvWindow *self)
{
  show_step (self);
  /* The step may have set the step unit, the rate, the optimizer. */
  bpv_window_sync_settings (self);
  bpv_event ("LESSON-STEP %zu", self->lesson_step + 1);
  bpv_window_update_actions (self);
  g_signal_emit (self, signals[LESSON_CHANGED], 0);
}

gboolean
bpv_window_start_lesson (BpvWindow   *self,
                         BpvLesson   *lesson,
                         const char  *path,
                         gsize        step,
                         gboolean     apply,
                         GError     **error)
{
  g_autoptr(BpvLesson) owned = lesson;

  g_return_val_if_fail (BPV_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (lesson != NULL, FALSE);

  if (step >= bpv_lesson_get_n_steps (lesson))
    {
      g_set_error (error, BPV_LESSON_ERROR, BPV_LESSON_ERROR_INVALID,
                   _("%s has %zu steps: there is no step %zu"), bpv_lesson_get_file_name (lesson),
                   bpv_lesson_get_n_steps (lesson), step + 1);
      return FALSE;
    }
  if (!enter_step (self, lesson, step, apply ? ENTER_APPLY : ENTER_RESUME, error))
    return FALSE;
  /* The pane forgets the old lesson before it goes. */
  bpv_lesson_pane_clear (self->lesson_pane);
  g_clear_pointer (&self->lesson, bpv_lesson_free);
  self->lesson = g_steal_pointer (&owned);
  g_free (self->lesson_path);
  self->lesson_path = g_strdup (path);
  bpv_event ("LESSON-OPEN %s %zu", bpv_lesson_get_id (self->lesson),
             bpv_lesson_get_n_steps (self->lesson));
  bpv_window_update_side_column (self);
  step_entered (self);
  return TRUE;
}

void
bpv_window_show_lesson_error (BpvWindow  *self,
                              gboolean    opening,
                              const char *message)
{
  GtkWidget *dialog;

  g_return_if_fail (BPV_IS_WINDOW (self));
  g_return_if_fail (message != NULL);

  bpv_event ("LESSON-ERROR %s", message);
  dialog = adw_message_dialog_new (GTK_WINDOW (self),
                                   opening ? _("The Lesson Cannot Be Opened")
                                           : _("The Lesson Cannot Go On"),
                                   message);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "close");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "close");
  gtk_window_set_destroy_with_parent (GTK_WINDOW (dialog), TRUE);
  gtk_window_present (GTK_WINDOW (dialog));
}

gboolean
bpv_window_open_lesson (BpvWindow  *self,
                        const char *path)
{
  g_autoptr(GError) error = NULL;
  BpvLesson *lesson;

  g_return_val_if_fail (BPV_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  lesson = bpv_lesson_load (path, &error);
  if (lesson == NULL || !bpv_window_start_lesson (self, lesson, path, 0, TRUE, &error))
    {
      bpv_window_show_lesson_error (self, TRUE, error->message);
      return FALSE;
    }
  return TRUE;
}

void
bpv_window_leave_lesson (BpvWindow *self)
{
  g_return_if_fail (BPV_IS_WINDOW (self));

  if (self->lesson == NULL)
    return;
  bpv_lesson_pane_clear (self->lesson_pane);
  g_clear_pointer (&self->lesson, bpv_lesson_free);
  g_clear_pointer (&self->lesson_path, g_free);
  self->lesson_step = 0;
  bpv_event ("LESSON-LEAVE");
  bpv_window_update_side_column (self);
  bpv_window_update_actions (self);
  g_signal_emit (self, signals[LESSON_CHANGED], 0);
}

BpvLesson *
bpv_window_get_lesson (BpvWindow *self)
{
  g_return_val_if_fail (BPV_IS_WINDOW (self), NULL);

  return self->lesson;
}

const char *
bpv_window_get_lesson_path (BpvWindow *self)
{
  g_return_val_if_fail (BPV_IS_WINDOW (self), NULL);

  return self->lesson_path;
}

gsize
bpv_window_get_lesson_step (BpvWindow *self)
{
  g_return_val_if_fail (BPV_IS_WINDOW (self), 0);

  return self->lesson_step;
}

GtkWidget *
bpv_window_get_lesson_pane (BpvWindow *self)
{
  g_return_val_if_fail (BPV_IS_WINDOW (self), NULL);

  return GTK_WIDGET (self->lesson_pane);
}

/* ------------------------------------------------------- enabled state */

gboolean
bpv_window_lesson_can_retry (BpvWindow *self)
{
  BpvQuestionView *view;

  if (self->lesson == NULL)
    return FALSE;
  view = bpv_lesson_pane_get_question_view (self->lesson_pane);
  return bpv_question_view_get_question (view) != NULL && bpv_question_view_get_answered (view)
         && !bpv_question_view_get_correct (view);
}

gboolean
bpv_window_lesson_can_next (BpvWindow *self)
{
  BpvQuestionView *view;
  gboolean answered, correct;
  guint undo;

  if (self->lesson == NULL || self->session == NULL)
    return FALSE;
  view = bpv_lesson_pane_get_question_view (self->lesson_pane);
  if (bpv_question_view_get_question (view) != NULL)
    {
      answered = bpv_question_view_get_answered (view);
      correct = answered && bpv_question_view_get_correct (view);
    }
  else
    {
      /* No question (or it could not be asked, which the pane says): a
       * condition on it does not hold the learner back. */
      answered = correct = TRUE;
    }
  undo = undo_steps (self);
  /* Once met, met: the loss shown after a pause (one sample's cost) may be
   * above the mean that went below the line, and Next must not go away
   * under the learner's hand. */
  if (!self->lesson_met)
    self->lesson_met = bpv_lesson_can_continue (self->lesson, self->lesson_step, self->session,
                                                answered, correct,
                                                undo > self->lesson_undo_base
                                                ? undo - self->lesson_undo_base : 0);
  return self->lesson_met;
}

/* The top of the right column: the lesson while one runs, taller than the
 * decision map was; else the decision map when it means something. */
void
bpv_window_update_side_column (BpvWindow *self)
{
  gboolean lesson = self->lesson != NULL;

  /* (Not the stack's visible child: with the decision map hidden, the
   * stack shows the lesson page whether a lesson runs or not.) */
  if (lesson && !self->lesson_shown)
    {
      self->side_position = gtk_paned_get_position (self->side_paned);
      gtk_paned_set_position (self->side_paned,
                              MAX (LESSON_PANE_MIN_HEIGHT,
                                   gtk_widget_get_height (GTK_WIDGET (self->side_paned)) - INSPECTOR_KEEPS));
    }
  else if (!lesson && self->lesson_shown)
    gtk_paned_set_position (self->side_paned, self->side_position);
  self->lesson_shown = lesson;
  gtk_stack_set_visible_child_name (self->side_stack, lesson ? "lesson" : "decision");
  gtk_widget_set_visible (GTK_WIDGET (self->side_stack),
                          lesson || gtk_widget_get_visible (GTK_WIDGET (self->decision_view)));
}

/* ------------------------------------------------------------- actions */

/* Next pressed while training: the step is entered once the worker has
 * stopped (its actions must not meet a running network). */
static void
next_after_pause (BpvWindow  *self,
                  GParamSpec *pspec,
                  BpvSession *session)
{
  if (bpv_session_get_running (session))
    return;
  g_signal_handlers_disconnect_by_func (session, next_after_pause, self);
  g_action_group_activate_action (G_ACTION_GROUP (self), "lesson-next", NULL);
}

static void
lesson_next_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       data)
{
  BpvWindow *self = data;
  g_autoptr(GError) error = NULL;

  if (self->lesson == NULL)
    return;
  if (bpv_session_get_running (self->session))
    {
      g_signal_handlers_disconnect_by_func (self->session, next_after_pause, self);
      g_signal_connect_swapped (self->session, "notify::running", G_CALLBACK (next_after_pause), self);
      bpv_session_pause (self->session);
      return;
    }
  if (self->lesson_step + 1 >= bpv_lesson_get_n_steps (self->lesson))
    {
      g_autofree char *done = g_strdup_printf (_("You finished the lesson “%s”"),
                                               bpv_lesson_get_title (self->lesson));

      bpv_event ("LESSON-DONE %s", bpv_lesson_get_id (self->lesson));
      bpv_window_toast (self, done);
      bpv_window_leave_lesson (self);
      return;
    }
  if (!enter_step (self, self->lesson, self->lesson_step + 1, ENTER_APPLY, &error))
    {
      bpv_window_show_lesson_error (self, FALSE, error->message);
      bpv_window_update_actions (self);
      return;
    }
  step_entered (self);
}

static void
lesson_back_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       data)
{
  BpvWindow *self = data;
  g_autoptr(GError) error = NULL;

  if (self->lesson == NULL || self->lesson_step == 0)
    return;
  if (!enter_step (self, self->lesson, self->lesson_step - 1, ENTER_REPLAY, &error))
    {
      bpv_window_show_lesson_error (self, FALSE, error->message);
      return;
    }
  step_entered (self);
}

/* After a wrong answer: the step's question again, unanswered. */
static void
lesson_retry_activated (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       data)
{
  BpvWindow *self = data;

  if (self->lesson == NULL)
    return;
  /* A condition on the answer is asked again. */
  self->lesson_met = FALSE;
  show_step (self);
  bpv_event ("LESSON-RETRY %zu", self->lesson_step + 1);
  bpv_window_update_actions (self);
}

static void
lesson_leave_activated (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       data)
{
  bpv_window_leave_lesson (data);
}

void
bpv_window_install_lesson_actions (BpvWindow *self)
{
  const GActionEntry entries[] = {
    { "lesson-next", lesson_next_activated, NULL, NULL, NULL, { 0 } },
    { "lesson-back", lesson_back_activated, NULL, NULL, NULL, { 0 } },
    { "lesson-leave", lesson_leave_activated, NULL, NULL, NULL, { 0 } },
    { "lesson-retry", lesson_retry_activated, NULL, NULL, NULL, { 0 } },
  };

  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
  /* An answer may be what Next waits for. */
  g_signal_connect_swapped (bpv_lesson_pane_get_question_view (self->lesson_pane), "answered",
                            G_CALLBACK (bpv_window_update_actions), self);
}
