/* bpv-lesson-play.c — playing a lesson on a session: the model a step is
 * entered on, its actions, the condition to go on, and checking a whole
 * lesson by playing it (see bpv-lesson.h).
 *
 * Everything here goes through the session's public API, the calls the
 * window's buttons make (step, step back, reset, the setters): a lesson
 * step leaves the session exactly as a learner clicking would, undo
 * history included.  Training is synchronous, through step mode, so that
 * `lesson check` and the handout, which have no main loop, see the same
 * numbers as the app.
 */
#include "config.h"
#include "bpv-lesson-private.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

/* ------------------------------------------------------------- models */

/* The object data that says which of the lesson's models a session of
 * bpv_lesson_new_session was made for. */
#define SESSION_MODEL_KEY  "bpv-lesson-model"

const BpModel *
bpv_lesson_get_model (const BpvLesson *lesson,
                      gsize            i)
{
  g_return_val_if_fail (i < lesson->n_steps, NULL);

  for (gsize s = i + 1; s-- > 0;)
    if (lesson->steps[s].model != NULL)
      return lesson->steps[s].model;
  return lesson->model;
}

gboolean
bpv_lesson_step_loads_model (const BpvLesson *lesson,
                             gsize            i)
{
  g_return_val_if_fail (i < lesson->n_steps, FALSE);

  return i == 0 || lesson->steps[i].model != NULL;
}

BpvSession *
bpv_lesson_new_session (const BpvLesson *lesson,
                        gsize            i,
                        GError         **error)
{
  g_autoptr(GError) local_error = NULL;
  BpvSession *session;

  g_return_val_if_fail (i < lesson->n_steps, NULL);

  session = bpv_session_new (bpv_lesson_get_model (lesson, i), &local_error);
  if (session == NULL)
    _bpv_lesson_step_error (error, BPV_LESSON_ERROR_MODEL, lesson, i, "model", "%s",
                            local_error->message);
  else
    g_object_set_data (G_OBJECT (session), SESSION_MODEL_KEY,
                       (gpointer) bpv_lesson_get_model (lesson, i));
  return session;
}

/* Is the session on the model?  One of bpv_lesson_new_session says which
 * it was made for; another (restored from an autosave) is judged by its
 * layers (the dataset may have refitted the widths of the ends). */
static gboolean
session_fits_model (BpvSession    *session,
                    const BpModel *model)
{
  const BpNetwork *a = bpv_session_get_network (session);
  const BpNetwork *b = model->network;
  gpointer made_for = g_object_get_data (G_OBJECT (session), SESSION_MODEL_KEY);

  if (made_for != NULL)
    return made_for == model;
  if (a->n_layers != b->n_layers)
    return FALSE;
  for (gsize l = 0; l < a->n_layers; l++)
    if (a->layers[l].type != b->layers[l].type)
      return FALSE;
  return TRUE;
}

/* ------------------------------------------------------------ actions */

/* The width of a(n): the inputs for n = 0. */
static gsize
width_of (const BpNetwork *net,
          gsize            n)
{
  return n == 0 ? net->n_inputs : net->layers[n - 1].out;
}

static char *
no_such_layer (gsize layer,
               gsize N)
{
  return g_strdup_printf (dngettext (GETTEXT_PACKAGE,
                                     "layer %zu is not there: the network has %zu layer",
                                     "layer %zu is not there: the network has %zu layers", N),
                          layer, N);
}

gboolean
_bpv_lesson_check_hit (BpvLesson        *lesson,
                       gsize             i,
                       const char       *field,
                       const BpNetwork  *net,
                       const BpvHit     *hit,
                       GError          **error)
{
  gsize N = net->n_layers;
  const char *key = NULL;
  g_autofree char *what = NULL;

  if (hit->layer > N)
    {
      key = "layer";
      what = no_such_layer (hit->layer, N);
    }
  else if (hit->kind == BPV_HIT_NEURON)
    {
      gsize width = width_of (net, hit->layer);

      if (hit->j >= width)
        {
          key = "unit";
          what = g_strdup_printf (dngettext (GETTEXT_PACKAGE,
                                             "unit %zu of a(%zu) is not there: a(%zu) has %zu unit",
                                             "unit %zu of a(%zu) is not there: a(%zu) has %zu units",
                                             width),
                                  hit->j + 1, hit->layer, hit->layer, width);
        }
    }
  else if (net->layers[hit->layer - 1].type != BP_LAYER_DENSE)
    {
      key = "layer";
      what = g_strdup_printf (_("layer %zu has no weight matrix W(%zu) (it is not a dense layer)"),
                              hit->layer, hit->layer);
    }
  else if (hit->j >= net->layers[hit->layer - 1].out || hit->k >= net->layers[hit->layer - 1].in)
    {
      key = hit->j >= net->layers[hit->layer - 1].out ? "row" : "col";
      what = g_strdup_printf (_("W(%zu)[%zu,%zu] is not there: W(%zu) is %zu × %zu"),
                              hit->layer, hit->j + 1, hit->k + 1, hit->layer,
                              net->layers[hit->layer - 1].out, net->layers[hit->layer - 1].in);
    }
  if (key != NULL)
    {
      g_autofree char *f = g_strconcat (field, ".", key, NULL);

      _bpv_lesson_step_error (error, BPV_LESSON_ERROR_APPLY, lesson, i, f, "%s", what);
      return FALSE;
    }
  return TRUE;
}

/* A stop's place in the cycle, as bpv_stepper_get_position counts:
 * INPUT 0, FORWARD l at 1 + l, COST N + 1, BACKWARD l at 2N + 1 − l,
 * UPDATE 2N + 2 (l the C index). */
static int
stop_position (BpvStepPhase phase,
               gsize        layer,
               gsize        N)
{
  switch (phase)
    {
    case BPV_STEP_INPUT:
      return 0;
    case BPV_STEP_FORWARD:
      return 1 + (int) layer;
    case BPV_STEP_COST:
      return (int) N + 1;
    case BPV_STEP_BACKWARD:
      return 2 * (int) N + 1 - (int) layer;
    case BPV_STEP_UPDATE:
      return 2 * (int) N + 2;
    case BPV_STEP_IDLE:
    default:
      return -1;
    }
}

/* Training or a step in the app may be running on the worker: a lesson
 * step acts on the parameters it hands back. */
static void
pause_training (BpvSession *session)
{
  if (!bpv_session_get_running (session))
    return;
  bpv_session_pause (session);
  while (bpv_session_get_running (session))
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
go_to_stop (BpvLesson              *lesson,
            gsize                   i,
            const char             *field,
            const BpvLessonAction  *a,
            BpvSession             *session,
            GError                **error)
{
  BpvStepper *st = bpv_session_get_stepper (session);
  gsize N = bpv_session_get_network (session)->n_layers;
  int update = stop_position (BPV_STEP_UPDATE, 0, N);
  int target, pos;
  gsize layer;
  g_autoptr(GError) local_error = NULL;

  if (a->layer > N)
    {
      g_autofree char *f = g_strconcat (field, ".layer", NULL);
      g_autofree char *what = no_such_layer (a->layer, N);

      _bpv_lesson_step_error (error, BPV_LESSON_ERROR_APPLY, lesson, i, f, "%s", what);
      return FALSE;
    }
  pos = bpv_stepper_get_position (st);
  if (a->phase == BPV_STEP_IDLE)
    {
      /* Out of the cycle in flight without changing a weight: back to its
       * beginning and before it (the previous update, if one is kept, shows
       * the same weights). */
      while (pos >= 0 && pos != update && bpv_session_step_back (session))
        pos = bpv_stepper_get_position (st);
      return TRUE;
    }
  /* Without a layer: the last stop of the phase (the whole pass shown). */
  if (a->layer > 0)
    layer = a->layer - 1;
  else
    layer = a->phase == BPV_STEP_FORWARD ? N - 1 : 0;
  target = stop_position (a->phase, layer, N);

  /* Earlier in the cycle in flight: back, so no update is applied. */
  if (pos >= 0 && pos < update && target < pos)
    {
      while (pos > target && bpv_session_step_back (session))
        pos = bpv_stepper_get_position (st);
      return TRUE;
    }
  /* Else forwards, into the next cycle if need be: one cycle at most. */
  for (int moves = 0; pos != target && moves <= update + 1; moves++)
    {
      if (!bpv_session_step (session, &local_error))
        {
          _bpv_lesson_step_error (error, BPV_LESSON_ERROR_APPLY, lesson, i, field, "%s",
                                  local_error->message);
          return FALSE;
        }
      pos = bpv_stepper_get_position (st);
    }
  if (pos != target)
    {
      /* Not expected: the stepper's stops are counted as above. */
      _bpv_lesson_step_error (error, BPV_LESSON_ERROR_APPLY, lesson, i, field,
                              _("step mode did not reach this stop"));
      return FALSE;
    }
  return TRUE;
}

/* `n` optimizer steps of the model's mini-batch, whatever the step mode
 * shows; the cycle in flight counts as the first. */
static gboolean
train (BpvLesson              *lesson,
       gsize                   i,
       const char             *field,
       const BpvLessonAction  *a,
       BpvSession             *session,
       GError                **error)
{
  gboolean one_sample = bpv_session_get_step_sample (session);
  guint64 n = a->steps, goal;
  g_autoptr(GError) local_error = NULL;
  gboolean ok = TRUE;

  if (a->epochs > 0)
    {
      gsize rows = bpv_session_get_train (session)->n_rows;
      gsize B = MAX (bpv_session_get_batch_size (session), 1);

      n = (guint64) a->epochs * ((rows + B - 1) / B);
    }
  goal = bpv_session_get_step_count (session) + n;
  bpv_session_set_step_sample (session, FALSE);
  while (ok && bpv_session_get_step_count (session) < goal)
    ok = bpv_session_step_phase (session, &local_error);
  bpv_session_set_step_sample (session, one_sample);
  if (!ok)
    _bpv_lesson_step_error (error, BPV_LESSON_ERROR_APPLY, lesson, i, field, "%s",
                            local_error->message);
  return ok;
}

static gboolean
apply_action (BpvLesson              *lesson,
              gsize                   i,
              gsize                   index,
              const BpvLessonAction  *a,
              BpvSession             *session,
              GError                **error)
{
  g_autofree char *field = g_strdup_printf ("actions[%zu]", index + 1);
  g_autoptr(GError) local_error = NULL;
  const BpNetwork *net = bpv_session_get_network (session);
  const char *sub = "";
  gboolean ok = TRUE;

  switch (a->kind)
    {
    case BPV_LESSON_ACTION_RESET:
      bpv_session_reset_weights (session);
      return TRUE;

    case BPV_LESSON_ACTION_GOTO:
      return go_to_stop (lesson, i, field, a, session, error);

    case BPV_LESSON_ACTION_SELECT:
      if (!_bpv_lesson_check_hit (lesson, i, field, net, &a->hit, error))
        return FALSE;
      bpv_session_set_selection (session, &a->hit);
      return TRUE;

    case BPV_LESSON_ACTION_TRAIN:
      return train (lesson, i, field, a, session, error);

    case BPV_LESSON_ACTION_SET_LR:
      sub = ".set.learning_rate";
      ok = bpv_session_set_learning_rate (session, a->value, &local_error);
      break;

    case BPV_LESSON_ACTION_SET_OPTIMIZER:
      sub = ".set.optimizer";
      ok = bpv_session_set_optimizer (session, a->id, &local_error);
      break;

    case BPV_LESSON_ACTION_SET_ACTIVATION:
      if (a->layer > net->n_layers)
        {
          g_autofree char *f = g_strconcat (field, ".set.layer", NULL);
          g_autofree char *what = no_such_layer (a->layer, net->n_layers);

          _bpv_lesson_step_error (error, BPV_LESSON_ERROR_APPLY, lesson, i, f, "%s", what);
          return FALSE;
        }
      sub = ".set.activation";
      ok = bpv_session_set_activation (session, a->layer - 1, a->id, &local_error);
      break;

    default:
      g_assert_not_reached ();
    }
  if (!ok)
    {
      g_autofree char *f = g_strconcat (field, sub, NULL);

      _bpv_lesson_step_error (error, BPV_LESSON_ERROR_APPLY, lesson, i, f, "%s",
                              local_error->message);
    }
  return ok;
}

gboolean
bpv_lesson_apply_step (BpvLesson      *lesson,
                       gsize           i,
                       BpvSession     *session,
                       BpvLessonView  *view_out,
                       GError        **error)
{
  const BpvLessonStep *step;

  g_return_val_if_fail (lesson != NULL, FALSE);
  g_return_val_if_fail (i < lesson->n_steps, FALSE);
  g_return_val_if_fail (BPV_IS_SESSION (session), FALSE);

  step = &lesson->steps[i];
  if (bpv_lesson_step_loads_model (lesson, i)
      && !session_fits_model (session, bpv_lesson_get_model (lesson, i)))
    {
      _bpv_lesson_step_error (error, BPV_LESSON_ERROR_MODEL, lesson, i, "model",
                              _("the session is not on this step's model "
                                "(enter the step on bpv_lesson_new_session's)"));
      return FALSE;
    }
  pause_training (session);
  if (view_out != NULL)
    *view_out = step->view;
  if (step->view.step_sample != BPV_LESSON_FLAG_KEEP)
    bpv_session_set_step_sample (session, step->view.step_sample == BPV_LESSON_FLAG_ON);
  for (gsize a = 0; a < step->n_actions; a++)
    if (!apply_action (lesson, i, a, &step->actions[a], session, error))
      return FALSE;
  g_clear_pointer (&lesson->entered[i], bp_network_free);
  lesson->entered[i] = bp_network_copy (bpv_session_get_network (session));
  return TRUE;
}

gboolean
bpv_lesson_replay (BpvLesson      *lesson,
                   gsize           i,
                   BpvSession    **session_out,
                   BpvLessonView  *view_out,
                   GError        **error)
{
  g_autoptr(BpvSession) session = NULL;
  gsize first = i;

  g_return_val_if_fail (lesson != NULL, FALSE);
  g_return_val_if_fail (i < lesson->n_steps, FALSE);
  g_return_val_if_fail (session_out != NULL, FALSE);

  while (!bpv_lesson_step_loads_model (lesson, first))
    first--;
  session = bpv_lesson_new_session (lesson, first, error);
  if (session == NULL)
    return FALSE;
  for (gsize s = first; s <= i; s++)
    if (!bpv_lesson_apply_step (lesson, s, session, s == i ? view_out : NULL, error))
      return FALSE;
  *session_out = g_steal_pointer (&session);
  return TRUE;
}

/* ------------------------------------------------------- going on */

/* Did the learner make this kind of edit since the step was entered? */
static gboolean
edit_made (BpvLessonEdit    edit,
           const BpNetwork *before,
           const BpNetwork *now)
{
  gboolean same_depth = before->n_layers == now->n_layers;

  switch (edit)
    {
    case BPV_LESSON_EDIT_INSERT_LAYER:
      return now->n_layers > before->n_layers;
    case BPV_LESSON_EDIT_REMOVE_LAYER:
      return now->n_layers < before->n_layers;
    case BPV_LESSON_EDIT_WIDTH:
      for (gsize l = 0; same_depth && l < now->n_layers; l++)
        if (now->layers[l].out != before->layers[l].out)
          return TRUE;
      return FALSE;
    case BPV_LESSON_EDIT_ACTIVATION:
      for (gsize l = 0; same_depth && l < now->n_layers; l++)
        if (g_strcmp0 (now->layers[l].act_id, before->layers[l].act_id) != 0)
          return TRUE;
      return FALSE;
    case BPV_LESSON_EDIT_SKIP:
      for (gsize l = 0; same_depth && l < now->n_layers; l++)
        if (now->layers[l].skip_from != before->layers[l].skip_from)
          return TRUE;
      return FALSE;
    case BPV_LESSON_EDIT_ANY:
    default:
      return TRUE;
    }
}

gboolean
bpv_lesson_can_continue (BpvLesson   *lesson,
                         gsize        i,
                         BpvSession  *session,
                         gboolean     answered,
                         gboolean     correct,
                         guint        edits_since_entered)
{
  const BpvLessonStep *step;

  g_return_val_if_fail (lesson != NULL, FALSE);
  g_return_val_if_fail (i < lesson->n_steps, FALSE);

  step = &lesson->steps[i];
  switch (step->continue_kind)
    {
    case BPV_LESSON_CONTINUE_ANSWERED:
      return answered || correct;
    case BPV_LESSON_CONTINUE_CORRECT:
      return correct;
    case BPV_LESSON_CONTINUE_LOSS_BELOW:
      {
        double loss = session != NULL ? bpv_session_get_loss (session) : NAN;

        return isfinite (loss) && loss < step->loss;
      }
    case BPV_LESSON_CONTINUE_EDIT:
      if (edits_since_entered == 0)
        return FALSE;
      /* Entered before this process (a restored autosave): the count is
       * all there is to go by. */
      if (lesson->entered[i] == NULL || session == NULL)
        return TRUE;
      return edit_made (step->edit, lesson->entered[i], bpv_session_get_network (session));
    case BPV_LESSON_CONTINUE_NEXT:
    default:
      return TRUE;
    }
}

char *
bpv_lesson_continue_hint (const BpvLesson *lesson,
                          gsize            i)
{
  static const char * const edits[] = {
    [BPV_LESSON_EDIT_ANY] = N_("Change the network to go on"),
    [BPV_LESSON_EDIT_INSERT_LAYER] = N_("Insert a layer to go on"),
    [BPV_LESSON_EDIT_REMOVE_LAYER] = N_("Remove a layer to go on"),
    [BPV_LESSON_EDIT_ACTIVATION] = N_("Change an activation to go on"),
    [BPV_LESSON_EDIT_WIDTH] = N_("Change a layer's width to go on"),
    [BPV_LESSON_EDIT_SKIP] = N_("Add or remove a skip connection to go on"),
  };
  const BpvLessonStep *step;

  g_return_val_if_fail (i < lesson->n_steps, NULL);

  step = &lesson->steps[i];
  switch (step->continue_kind)
    {
    case BPV_LESSON_CONTINUE_ANSWERED:
      return g_strdup (_("Answer the question to go on"));
    case BPV_LESSON_CONTINUE_CORRECT:
      return g_strdup (_("Answer the question correctly to go on"));
    case BPV_LESSON_CONTINUE_LOSS_BELOW:
      return g_strdup_printf (_("Train until the loss is below %g"), step->loss);
    case BPV_LESSON_CONTINUE_EDIT:
      return g_strdup (_(edits[step->edit]));
    case BPV_LESSON_CONTINUE_NEXT:
    default:
      return NULL;
    }
}

/* ------------------------------------------------------------ checking */

/* An authored answer that is only a number: it cannot follow the live
 * network (the design allows it only when exact by construction). */
static gboolean
is_bare_number (const char *text)
{
  char *end;

  g_ascii_strtod (text, &end);
  if (end == text)
    return FALSE;
  while (g_ascii_isspace (*end))
    end++;
  return *end == '\0';
}

static void
report_line (GString    *report,
             const char *message)
{
  if (report != NULL)
    {
      g_string_append (report, message);
      g_string_append_c (report, '\n');
    }
}

gboolean
bpv_lesson_check (BpvLesson  *lesson,
                  GString    *report,
                  GError    **error)
{
  g_autoptr(BpvSession) session = NULL;
  guint problems = 0;

  g_return_val_if_fail (lesson != NULL, FALSE);

  for (gsize i = 0; i < lesson->n_steps; i++)
    {
      const BpvLessonStep *step = &lesson->steps[i];
      g_autoptr(GError) e = NULL;
      BpvQuestion *q;

      if (bpv_lesson_step_loads_model (lesson, i))
        {
          g_clear_object (&session);
          session = bpv_lesson_new_session (lesson, i, &e);
          if (session == NULL)
            {
              report_line (report, e->message);
              problems++;
              continue;
            }
        }
      /* The steps on a model that did not load are not played. */
      if (session == NULL)
        continue;
      if (!bpv_lesson_apply_step (lesson, i, session, NULL, &e))
        {
          report_line (report, e->message);
          g_clear_error (&e);
          problems++;
        }
      q = bpv_lesson_question (lesson, i, session, &e);
      if (q == NULL && e != NULL)
        {
          report_line (report, e->message);
          problems++;
        }
      g_clear_pointer (&q, bpv_question_free);
      if (step->question.kind == BPV_LESSON_QUESTION_NUMERIC && is_bare_number (step->question.answer))
        {
          /* "FILE: warning: step 2 (‘Title’), field ‘question.answer’: …" */
          g_autofree char *file = g_strdup_printf ("%s: %s", lesson->file_name, _("warning"));
          g_autofree char *place = _bpv_lesson_place (file, (gssize) i, step->title,
                                                      "question.answer");
          g_autofree char *line = NULL;

          line = g_strdup_printf (_("%sa bare number (“%s”) does not follow the live network: "
                                    "compute it from quantities such as dC_dW(2)[1,3], unless it "
                                    "is exact by construction"),
                                  place, step->question.answer);
          report_line (report, line);
        }
    }
  if (problems > 0)
    {
      g_set_error (error, BPV_LESSON_ERROR, BPV_LESSON_ERROR_CHECK,
                   dngettext (GETTEXT_PACKAGE, "%s: %u problem", "%s: %u problems", problems),
                   lesson->file_name, problems);
      return FALSE;
    }
  return TRUE;
}
