/* test-window-lesson.c — a lesson played end to end in the real window
 * under a display (Xvfb), by a generic player that knows nothing of the
 * lesson but what the file says:
 *
 *   test-window-lesson LESSON.bplesson.json
 *   (or $BPV_TEST_LESSON; default: lessons/play.bplesson.json here)
 *
 * For every step it answers the question the pane holds through the
 * question view's widgets — correctly, except on the first question, which
 * it first answers wrong and checks is marked wrong (then Try Again) — and
 * meets the step's condition to go on (training until the loss is below x,
 * the edit asked for) before Next, which must then be enabled; the last
 * Next ends the lesson.  Back replays the step before; undo never changes
 * the step; a malformed lesson leaves the model as it was; a lesson opened
 * as a file (or dropped) plays in the window.  Any GLib or
 * GTK warning fails.  $BPV_TEST_SHOTS (a folder): a picture of the window
 * at each step with a question, once answered.
 *
 * Helper `course` registers one test per built-in lesson with it
 * (tests/gui/meson.build).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <adwaita.h>
#include <math.h>
#include <string.h>

#include "bp-model.h"
#include "bpv-lesson-pane.h"
#include "bpv-question-view.h"
#include "bpv-trainer-thread.h"
#include "bpv-window.h"

#include "../test-main-loop.h"
#include "test-gui.h"

/* Bounds on waits for what the window does by itself (a deadline against a
 * hang, not a claim about speed: training under ASan on a busy machine). */
#define LAYOUT_WAIT_S  30
#define TRAIN_WAIT_S   600

static const char *lesson_path;

typedef struct
{
  BpvSession *session;   /* the window's first; it may get others */
  BpvWindow  *window;
  guint       changed;   /* "lesson-changed" */
} Fixture;

static gboolean
has_layout (gpointer data)
{
  Fixture *f = data;

  return bpv_network_view_get_layout (BPV_NETWORK_VIEW (bpv_window_get_network_view (f->window))) != NULL;
}

static void
on_lesson_changed (BpvWindow *window,
                   Fixture   *f)
{
  f->changed++;
}

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);
  g_autoptr(BpModel) model = bp_model_new_default ();
  g_autoptr(GError) error = NULL;

  f->session = bpv_session_new (model, &error);
  assert_non_null (f->session);
  f->window = bpv_window_new (NULL, f->session);
  g_signal_connect (f->window, "lesson-changed", G_CALLBACK (on_lesson_changed), f);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1280, 900);
  gtk_window_present (GTK_WINDOW (f->window));
  assert_true (spin_until (has_layout, f, LAYOUT_WAIT_S));
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;

  bpv_session_pause (bpv_window_get_session (f->window));
  gtk_window_destroy (GTK_WINDOW (f->window));
  spin (0.05);
  g_object_unref (f->session);
  g_free (f);
  assert_no_new_warnings ();
  return 0;
}

static BpvSession *
session_of (Fixture *f)
{
  return bpv_window_get_session (f->window);
}

static gboolean
enabled (Fixture    *f,
         const char *action)
{
  return g_action_group_get_action_enabled (G_ACTION_GROUP (f->window), action);
}

static void
activate (Fixture    *f,
          const char *action,
          GVariant   *parameter)
{
  g_action_group_activate_action (G_ACTION_GROUP (f->window), action, parameter);
}

static BpvLessonPane *
pane_of (Fixture *f)
{
  return BPV_LESSON_PANE (bpv_window_get_lesson_pane (f->window));
}

static BpvQuestionView *
question_view_of (Fixture *f)
{
  return bpv_lesson_pane_get_question_view (pane_of (f));
}

static void
start (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  BpvLesson *lesson = bpv_lesson_load (lesson_path, &error);

  if (lesson == NULL)
    fail_msg ("%s", error->message);
  if (!bpv_window_start_lesson (f->window, lesson, lesson_path, 0, TRUE, &error))
    fail_msg ("%s", error->message);
  assert_non_null (bpv_window_get_lesson (f->window));
  assert_int_equal (bpv_window_get_lesson_step (f->window), 0);
}

/* The pane says where the learner is. */
static void
assert_pane_at (Fixture *f,
                gsize    i)
{
  BpvLesson *lesson = bpv_window_get_lesson (f->window);
  g_autofree char *text = bpv_lesson_pane_dup_text (pane_of (f));
  g_autofree char *where = g_strdup_printf ("Step %zu of %zu", i + 1, bpv_lesson_get_n_steps (lesson));

  assert_int_equal (bpv_window_get_lesson_step (f->window), i);
  if (strstr (text, where) == NULL || strstr (text, bpv_lesson_get_title (lesson)) == NULL)
    fail_msg ("the pane does not say “%s” of “%s”:\n%s", where, bpv_lesson_get_title (lesson), text);
}

/* ------------------------------------------------------------ answering */

/* A typed number the question accepts: the answer to more figures than it
 * asks for, written with a point whatever the locale. */
static char *
right_text (const BpvQuestion *q)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.10g", q->answer));
}

/* One no tolerance accepts: half its size and one more away. */
static char *
wrong_text (const BpvQuestion *q)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.10g", q->answer + 0.5 * fabs (q->answer) + 1));
}

/* Answers through the view's entry or choices and its Check button. */
static void
answer (Fixture  *f,
        gboolean  right)
{
  BpvQuestionView *view = question_view_of (f);
  const BpvQuestion *q = bpv_question_view_get_question (view);

  assert_non_null (q);
  assert_false (bpv_question_view_get_answered (view));
  if (q->kind == BPV_QUESTION_NUMERIC)
    {
      g_autofree char *typed = right ? right_text (q) : wrong_text (q);

      bpv_question_view_type_answer (view, typed);
    }
  else
    {
      assert_true (q->n_choices >= 2);
      bpv_question_view_pick_choice (view, right ? q->correct : (q->correct + 1) % q->n_choices);
    }
  assert_true (bpv_question_view_check (view));
  spin (0.05);
  assert_true (bpv_question_view_get_answered (view));
  if (right != bpv_question_view_get_correct (view))
    fail_msg ("a %s answer to “%s” was marked %s", right ? "right" : "wrong", q->prompt_plain,
              right ? "wrong" : "right");
}

/* The first question: wrong first, marked wrong, Next still waiting if it
 * waits for a right answer; then Try Again brings it back unanswered. */
static void
answer_wrong_then_retry (Fixture             *f,
                         const BpvLessonStep *step)
{
  answer (f, FALSE);
  if (step->continue_kind == BPV_LESSON_CONTINUE_CORRECT)
    assert_false (enabled (f, "lesson-next"));
  assert_true (enabled (f, "lesson-retry"));
  activate (f, "lesson-retry", NULL);
  assert_false (bpv_question_view_get_answered (question_view_of (f)));
  assert_false (enabled (f, "lesson-retry"));
}

/* ------------------------------------------------------ going on */

static gboolean
can_go_on (gpointer data)
{
  return enabled (data, "lesson-next");
}

/* Trains with the Train button's action until Next is enabled, and leaves
 * it training: Next pauses it first (and stays enabled after the pause). */
static void
train_until_next (Fixture *f,
                  double   loss)
{
  activate (f, "play", NULL);
  assert_true (bpv_session_get_running (session_of (f)));
  if (!spin_until (can_go_on, f, TRAIN_WAIT_S))
    fail_msg ("the loss %g did not come below %g", bpv_session_get_loss (session_of (f)), loss);
}

typedef struct
{
  Fixture *f;
  gsize    from;
} LeftStep;

/* Next has taken effect: another step, or the lesson is over. */
static gboolean
left_step (gpointer data)
{
  LeftStep *l = data;

  return bpv_window_get_lesson (l->f->window) == NULL
         || bpv_window_get_lesson_step (l->f->window) != l->from;
}

/* A skip connection into the first layer that can take one. */
static void
add_skip (Fixture *f)
{
  const BpNetwork *net = bpv_session_get_network (session_of (f));
  guint before = net->n_layers;

  for (guint layer = 1; layer < before; layer++)
    {
      activate (f, "edit-skip", g_variant_new ("(ui)", layer, -1));
      if (can_go_on (f))
        return;
    }
}

/* The edit the step asks for, as the palette and the canvas ask for it. */
static void
make_edit (Fixture       *f,
           BpvLessonEdit  edit)
{
  const BpNetwork *net = bpv_session_get_network (session_of (f));

  switch (edit)
    {
    case BPV_LESSON_EDIT_INSERT_LAYER:
      activate (f, "edit-insert", g_variant_new ("(us)", 1, "tanh"));
      break;
    case BPV_LESSON_EDIT_REMOVE_LAYER:
      assert_true (net->n_layers > 1);
      activate (f, "edit-remove", g_variant_new_uint32 (0));
      break;
    case BPV_LESSON_EDIT_ACTIVATION:
      activate (f, "edit-activation",
                g_variant_new ("(us)", 0, g_strcmp0 (net->layers[0].act_id, "relu") == 0 ? "tanh" : "relu"));
      break;
    case BPV_LESSON_EDIT_SKIP:
      add_skip (f);
      break;
    case BPV_LESSON_EDIT_WIDTH:
    case BPV_LESSON_EDIT_ANY:
    default:
      activate (f, "edit-width", g_variant_new ("(ui)", 0, 1));
      break;
    }
}

/* Meets the step's condition to go on (the question is answered already). */
static void
meet_condition (Fixture             *f,
                const BpvLessonStep *step)
{
  switch (step->continue_kind)
    {
    case BPV_LESSON_CONTINUE_LOSS_BELOW:
      /* (The step's own training may have brought it there.) */
      if (!enabled (f, "lesson-next"))
        train_until_next (f, step->loss);
      break;
    case BPV_LESSON_CONTINUE_EDIT:
      assert_false (enabled (f, "lesson-next"));
      make_edit (f, step->edit);
      break;
    case BPV_LESSON_CONTINUE_NEXT:
    case BPV_LESSON_CONTINUE_ANSWERED:
    case BPV_LESSON_CONTINUE_CORRECT:
    default:
      break;
    }
}

/* The window as GTK draws it, as a PNG in $BPV_TEST_SHOTS. */
static void
shoot (Fixture    *f,
       const char *name)
{
  const char *dir = g_getenv ("BPV_TEST_SHOTS");

  if (dir == NULL || dir[0] == '\0')
    return;
  spin (0.3);
  assert_true (gui_window_shot (GTK_WIDGET (f->window), dir, name));
}

/* The step's view is the window's: each flag it sets is its action's
 * state (and the step unit the session's). */
static void
assert_view (Fixture             *f,
             gsize                i,
             const BpvLessonView *view)
{
  const struct
  {
    BpvLessonFlag flag;
    const char   *action;
  } flags[] = {
    { view->gradients, "gradient-view" },
    { view->sigma_prime, "show-derivatives" },
    { view->global_scale, "global-scale" },
    { view->values, "show-values" },
  };

  for (gsize k = 0; k < G_N_ELEMENTS (flags); k++)
    if (flags[k].flag != BPV_LESSON_FLAG_KEEP)
      {
        g_autoptr(GVariant) state = g_action_group_get_action_state (G_ACTION_GROUP (f->window),
                                                                     flags[k].action);

        if (g_variant_get_boolean (state) != (flags[k].flag == BPV_LESSON_FLAG_ON))
          fail_msg ("step %zu: win.%s is not %s", i + 1, flags[k].action,
                    flags[k].flag == BPV_LESSON_FLAG_ON ? "on" : "off");
      }
  if (view->step_sample != BPV_LESSON_FLAG_KEEP)
    assert_int_equal (bpv_session_get_step_sample (session_of (f)),
                      view->step_sample == BPV_LESSON_FLAG_ON);
}

/* Plays step i: answer, condition, Next. */
static void
play_step (Fixture  *f,
           gsize     i,
           gboolean *wrong_tried)
{
  BpvLesson *lesson = bpv_window_get_lesson (f->window);
  const BpvLessonStep *step = bpv_lesson_get_step (lesson, i);
  BpvQuestionView *view = question_view_of (f);

  assert_pane_at (f, i);
  assert_view (f, i, &step->view);
  if (step->question.kind != BPV_LESSON_QUESTION_NONE && bpv_question_view_get_question (view) == NULL)
    {
      g_autofree char *text = bpv_lesson_pane_dup_text (pane_of (f));

      fail_msg ("step %zu: its question was not asked:\n%s", i + 1, text);
    }
  if (bpv_question_view_get_question (view) != NULL)
    {
      g_autofree char *shot = g_strdup_printf ("%s-step-%zu.png", bpv_lesson_get_id (lesson), i + 1);

      /* Nothing goes on before the answer the step waits for. */
      if (step->continue_kind == BPV_LESSON_CONTINUE_ANSWERED
          || step->continue_kind == BPV_LESSON_CONTINUE_CORRECT)
        assert_false (enabled (f, "lesson-next"));
      if (!*wrong_tried)
        {
          answer_wrong_then_retry (f, step);
          *wrong_tried = TRUE;
        }
      answer (f, TRUE);
      shoot (f, shot);
    }
  meet_condition (f, step);
  if (!enabled (f, "lesson-next"))
    {
      g_autofree char *text = bpv_lesson_pane_dup_text (pane_of (f));

      fail_msg ("step %zu: Next stays disabled after its condition was met:\n%s", i + 1, text);
    }
  activate (f, "lesson-next", NULL);
  {
    LeftStep l = { f, i };

    assert_true (spin_until (left_step, &l, LAYOUT_WAIT_S));
  }
  assert_false (bpv_session_get_running (session_of (f)));
}

/* Every step to the end: the last Next ends the lesson. */
static void
test_play_to_the_end (void **state)
{
  Fixture *f = *state;
  gboolean wrong_tried = FALSE;
  gsize n;

  start (f);
  n = bpv_lesson_get_n_steps (bpv_window_get_lesson (f->window));
  assert_true (n >= 1);
  for (gsize i = 0; i < n; i++)
    {
      guint changed = f->changed;

      play_step (f, i, &wrong_tried);
      assert_int_equal (f->changed, changed + 1);
      if (i + 1 < n)
        assert_int_equal (bpv_window_get_lesson_step (f->window), i + 1);
    }
  /* Finished, not left: the pane gave its place back. */
  assert_null (bpv_window_get_lesson (f->window));
  assert_false (enabled (f, "lesson-next"));
  assert_false (enabled (f, "lesson-leave"));
}

/* Back re-enters the step before as replaying the lesson gives it; undo
 * and redo of the learner's edits leave the step where it is. */
static void
test_back_and_undo (void **state)
{
  Fixture *f = *state;
  gboolean wrong_tried = TRUE;
  BpvLesson *lesson;
  g_autoptr(BpvSession) replayed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *want = NULL, *got = NULL;
  double lr;

  start (f);
  lesson = bpv_window_get_lesson (f->window);
  if (bpv_lesson_get_n_steps (lesson) < 2)
    skip ();
  assert_false (enabled (f, "lesson-back"));
  play_step (f, 0, &wrong_tried);
  assert_pane_at (f, 1);
  assert_true (enabled (f, "lesson-back"));

  /* A learner's edit any network takes: the sidebar's learning rate. */
  lr = bpv_session_get_learning_rate (session_of (f));
  assert_true (bpv_session_set_learning_rate (session_of (f), lr / 2, &error));
  assert_true (bpv_session_get_learning_rate (session_of (f)) < lr);
  activate (f, "undo", NULL);
  assert_true (bpv_session_get_learning_rate (session_of (f)) == lr);
  assert_pane_at (f, 1);
  activate (f, "redo", NULL);
  assert_pane_at (f, 1);

  activate (f, "lesson-back", NULL);
  assert_pane_at (f, 0);
  assert_false (enabled (f, "lesson-back"));
  assert_true (bpv_lesson_replay (lesson, 0, &replayed, NULL, &error));
  want = bpv_session_checksum (replayed);
  got = bpv_session_checksum (session_of (f));
  assert_string_equal (got, want);

  activate (f, "lesson-leave", NULL);
  assert_null (bpv_window_get_lesson (f->window));
}

/* A lesson that does not load says which file, step and field, in a
 * dialog, and the model stays as it was. */
static void
test_malformed_lesson (void **state)
{
  Fixture *f = *state;
  g_autofree char *bad = g_build_filename (GUI_FIXTURE_DIR, "lessons", "broken.bplesson.json", NULL);
  g_autofree char *before = bpv_session_checksum (session_of (f));
  g_autofree char *after = NULL;
  g_autoptr(GError) error = NULL;
  BpvLesson *lesson = bpv_lesson_load (bad, &error);
  AdwMessageDialog *dialog;

  assert_null (lesson);
  if (strstr (error->message, "broken.bplesson.json") == NULL || strstr (error->message, "step 2") == NULL
      || strstr (error->message, "contineu") == NULL)
    fail_msg ("the message does not name the file, the step and the field: %s", error->message);
  assert_false (bpv_window_open_lesson (f->window, bad));
  dialog = gui_find_message (error->message);
  assert_non_null (dialog);
  gtk_window_close (GTK_WINDOW (dialog));
  spin (0.05);
  assert_null (gui_find_message (error->message));
  assert_null (bpv_window_get_lesson (f->window));
  assert_true (session_of (f) == f->session);
  after = bpv_session_checksum (session_of (f));
  assert_string_equal (after, before);
}

static gboolean
pane_mapped (gpointer data)
{
  return gtk_widget_get_mapped (bpv_window_get_lesson_pane (data));
}

static gboolean
pane_unmapped (gpointer data)
{
  return !pane_mapped (data);
}

/* A lesson opened as a file (win.open-file, as Open and a file dropped on
 * a window without an application do) plays in the window, and its pane
 * is on screen until the lesson is left. */
static void
test_open_file_plays_lesson (void **state)
{
  Fixture *f = *state;
  g_autoptr(GFile) file = g_file_new_for_commandline_arg (lesson_path);
  g_autofree char *path = g_file_get_path (file);

  assert_false (pane_mapped (f->window));
  activate (f, "open-file", g_variant_new_string (lesson_path));
  assert_non_null (bpv_window_get_lesson (f->window));
  assert_string_equal (bpv_window_get_lesson_path (f->window), path);
  assert_pane_at (f, 0);
  assert_true (spin_until (pane_mapped, f->window, LAYOUT_WAIT_S));
  activate (f, "lesson-leave", NULL);
  assert_null (bpv_window_get_lesson (f->window));
  assert_true (spin_until (pane_unmapped, f->window, LAYOUT_WAIT_S));
}

int
main (int    argc,
      char **argv)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_play_to_the_end, setup, teardown),
    cmocka_unit_test_setup_teardown (test_back_and_undo, setup, teardown),
    cmocka_unit_test_setup_teardown (test_malformed_lesson, setup, teardown),
    cmocka_unit_test_setup_teardown (test_open_file_plays_lesson, setup, teardown),
  };
  g_autofree char *fixture = g_build_filename (GUI_FIXTURE_DIR, "lessons", "play.bplesson.json", NULL);
  g_autofree char *name = NULL;
  int failed;

  lesson_path = argc > 1 ? argv[1] : g_getenv ("BPV_TEST_LESSON");
  if (lesson_path == NULL || lesson_path[0] == '\0')
    lesson_path = fixture;
  if (!gui_test_init ("test-window-lesson"))
    return 1;
  name = g_strdup_printf ("lesson %s", lesson_path);
  failed = cmocka_run_group_tests_name (name, tests, NULL, NULL);
  bpv_background_wait_all ();
  return failed + gui_logs_failed ();
}
