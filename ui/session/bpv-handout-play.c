/* bpv-handout-play.c — a lesson played into a handout (see
 * bpv-handout-play.h).
 */
#include "config.h"
#include "bpv-handout-play.h"

#include <string.h>

#include "bpv-explain.h"
#include "bpv-quiz.h"

/* The window's view settings as a lesson leaves them: a step's "view"
 * changes what it names and keeps the rest, so they carry over from step
 * to step.  The start is the window's default. */
typedef struct
{
  gboolean gradients;
  gboolean sigma_prime;
  gboolean global_scale;
  gboolean values;
} View;

static void
view_apply (View                *view,
            const BpvLessonView *step)
{
  if (step->gradients != BPV_LESSON_FLAG_KEEP)
    view->gradients = step->gradients == BPV_LESSON_FLAG_ON;
  if (step->sigma_prime != BPV_LESSON_FLAG_KEEP)
    view->sigma_prime = step->sigma_prime == BPV_LESSON_FLAG_ON;
  if (step->global_scale != BPV_LESSON_FLAG_KEEP)
    view->global_scale = step->global_scale == BPV_LESSON_FLAG_ON;
  if (step->values != BPV_LESSON_FLAG_KEEP)
    view->values = step->values == BPV_LESSON_FLAG_ON;
}

/* The figure as the canvas would show it at this point: the session's
 * state (network, shown pass, stop, selection, maps) under the view. */
static void
add_figure (BpvHandout *handout,
            BpvSession *session,
            const View *view)
{
  const BpNetwork *net = bpv_session_get_network (session);
  const BpDataset *ds = bpv_session_get_dataset (session);
  const BpModel *model = bpv_session_get_model (session);
  BpvRenderState state;
  BpvLayoutParams params;
  gsize sample = 0;

  bpv_render_state_init (&state, net, bpv_session_get_trace (session, &sample));
  bpv_session_fill_render_state (session, &state);
  state.view = view->gradients ? BPV_VIEW_GRADIENTS : BPV_VIEW_WEIGHTS;
  state.scale = view->global_scale ? BPV_SCALE_GLOBAL : BPV_SCALE_LAYER;
  state.show_derivatives = view->sigma_prime;
  state.show_values = view->values;
  /* As the canvas: the outputs carry the classes' names. */
  if (ds != NULL && net->n_layers > 0 && ds->task == BP_TASK_MULTICLASS && ds->target_names != NULL
      && g_strv_length (ds->target_names) == net->layers[net->n_layers - 1].out)
    state.output_names = (const char * const *) ds->target_names;

  bpv_layout_params_init (&params, 1, 1);  /* the size is the handout's */
  bpv_session_input_image (session, &params.input_image_width, &params.input_image_height);
  bpv_handout_set_figure (handout, &state, &params,
                          model->name != NULL && *model->name != '\0' ? model->name : NULL);
}

/* Does step i want the ‖∂C/∂W‖ plot beside its network, as the learner
 * would look at it: it trained, or its question is about the norms. */
static gboolean
wants_grad_norms (const BpvLessonStep *step)
{
  const BpvLessonQuestion *q = &step->question;

  for (gsize a = 0; a < step->n_actions; a++)
    if (step->actions[a].kind == BPV_LESSON_ACTION_TRAIN)
      return TRUE;
  return (q->answer != NULL && strstr (q->answer, "norm_dW") != NULL)
         || g_strcmp0 (q->topic, "predict-smallest-norm") == 0;
}

static void
add_grad_norms (BpvHandout *handout,
                BpvSession *session)
{
  const double *norms = NULL;
  gsize n_layers = 0;
  guint64 stride = 1;
  gsize n = bpv_session_get_grad_norms (session, &norms, &n_layers, &stride);

  /* Before any training there is nothing to plot. */
  if (n > 0)
    bpv_handout_set_grad_norms (handout, norms, n, n_layers, stride,
                                bpv_session_get_grad_norm_names (session));
}

static void
add_question (BpvHandout        *handout,
              const BpvQuestion *q)
{
  g_autoptr(GPtrArray) choices = g_ptr_array_new ();
  g_autofree char *number = NULL;
  BpvHandoutQuestion hq = { 0 };

  hq.prompt = q->prompt;
  hq.worked = q->worked;
  if (q->kind == BPV_QUESTION_NUMERIC)
    {
      number = bpv_format_number (q->answer);
      hq.answer = number;
      hq.tolerance = q->tolerance_text;
      hq.uses = q->uses;
    }
  else
    {
      for (gsize c = 0; c < q->n_choices; c++)
        g_ptr_array_add (choices, q->choices[c].markup);
      g_ptr_array_add (choices, NULL);
      hq.choices = (const char * const *) choices->pdata;
      hq.answer = q->correct < q->n_choices ? q->choices[q->correct].markup : NULL;
    }
  bpv_handout_set_question (handout, &hq);
}

BpvHandout *
bpv_handout_play (BpvLesson  *lesson,
                  GError    **error)
{
  g_autoptr(BpvHandout) handout = NULL;
  g_autoptr(BpvSession) session = NULL;
  View view = { FALSE, FALSE, FALSE, FALSE };

  g_return_val_if_fail (lesson != NULL, NULL);

  handout = bpv_handout_new (bpv_lesson_get_title (lesson), bpv_lesson_get_summary (lesson));
  for (gsize i = 0; i < bpv_lesson_get_n_steps (lesson); i++)
    {
      const BpvLessonStep *step = bpv_lesson_get_step (lesson, i);
      g_autoptr(BpvQuestion) q = NULL;
      BpvLessonView step_view;
      GError *local_error = NULL;

      if (session == NULL || bpv_lesson_step_loads_model (lesson, i))
        {
          g_clear_object (&session);
          session = bpv_lesson_new_session (lesson, i, error);
          if (session == NULL)
            return NULL;
        }
      if (!bpv_lesson_apply_step (lesson, i, session, &step_view, error))
        return NULL;
      view_apply (&view, &step_view);

      bpv_handout_add_step (handout, step->title, step->text);
      add_figure (handout, session, &view);
      if (wants_grad_norms (step))
        add_grad_norms (handout, session);
      q = bpv_lesson_question (lesson, i, session, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return NULL;
        }
      if (q != NULL)
        add_question (handout, q);
    }
  return g_steal_pointer (&handout);
}
