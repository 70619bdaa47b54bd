/* bpv-lesson-question.c — a step's question on the live network (see
 * bpv_lesson_question in bpv-lesson.h): helper quiz's generator for
 * "generate", and its authored questions for "ask", whose numeric answer
 * is a bp-expr expression computed on the session's shown pass.
 */
#include "config.h"
#include "bpv-lesson-private.h"

#include <glib/gi18n.h>
#include <math.h>

/* A question generated for a step without a "seed" is the same every time
 * the step is entered (and in its handout): the seed follows from the
 * lesson and the step. */
static guint64
step_seed (const BpvLesson *lesson,
           gsize            i)
{
  return (guint64) g_str_hash (bpv_lesson_get_id (lesson)) * 1000003u + i;
}

/* The author's worked answer first, then what the quiz worked out with the
 * live numbers. */
static void
add_worked (BpvQuestion             *q,
            const BpvLessonQuestion *spec)
{
  char *markup, *plain;

  if (spec->worked == NULL)
    return;
  markup = q->worked != NULL ? g_strconcat (spec->worked, "\n\n", q->worked, NULL)
                             : g_strdup (spec->worked);
  plain = q->worked_plain != NULL ? g_strconcat (spec->worked_plain, "\n\n", q->worked_plain, NULL)
                                  : g_strdup (spec->worked_plain);
  g_free (q->worked);
  g_free (q->worked_plain);
  q->worked = markup;
  q->worked_plain = plain;
}

/* The lesson's own plain texts for an authored question: its math in
 * Unicode scripts ("W(2)₁₁") where stripping the markup would run them
 * into the line ("W(2)11"). */
static void
use_plain_texts (BpvQuestion             *q,
                 const BpvLessonQuestion *spec)
{
  g_free (q->prompt_plain);
  q->prompt_plain = g_strdup (spec->ask_plain);
  for (gsize c = 0; c < q->n_choices; c++)
    for (gsize k = 0; k < spec->n_choices; k++)
      if (g_strcmp0 (q->choices[c].markup, spec->choices[k]) == 0)
        {
          g_free (q->choices[c].plain);
          q->choices[c].plain = g_strdup (spec->choices_plain[k]);
          break;
        }
}

BpvQuestion *
bpv_lesson_question (BpvLesson   *lesson,
                     gsize        i,
                     BpvSession  *session,
                     GError     **error)
{
  const BpvLessonQuestion *spec;
  g_autoptr(GError) local_error = NULL;
  BpvQuizContext ctx;
  BpvQuestion *q = NULL;
  const char *field = "question";

  g_return_val_if_fail (lesson != NULL, NULL);
  g_return_val_if_fail (i < bpv_lesson_get_n_steps (lesson), NULL);
  g_return_val_if_fail (BPV_IS_SESSION (session), NULL);

  spec = &bpv_lesson_get_step (lesson, i)->question;
  if (spec->kind == BPV_LESSON_QUESTION_NONE)
    return NULL;

  bpv_quiz_context_from_session (&ctx, session);
  switch (spec->kind)
    {
    case BPV_LESSON_QUESTION_GENERATE:
      if (spec->has_about)
        {
          if (!_bpv_lesson_check_hit (lesson, i, "question.about", ctx.net, &spec->about, error))
            return NULL;
          ctx.selection = spec->about;
        }
      field = spec->topic != NULL ? "question.topic" : "question.generate";
      q = bpv_quiz_generate (&ctx, spec->generate, spec->topic,
                             spec->has_seed ? spec->seed : step_seed (lesson, i), &local_error);
      break;

    case BPV_LESSON_QUESTION_NUMERIC:
      field = "question.answer";
      q = bpv_quiz_authored_numeric (&ctx, spec->ask, spec->answer, spec->sig_figs, &local_error);
      if (q != NULL && !isfinite (q->answer))
        {
          _bpv_lesson_step_error (error, BPV_LESSON_ERROR_QUESTION, lesson, i, field,
                                  _("“%s” is %g on this network, not a number one can type"),
                                  spec->answer, q->answer);
          bpv_question_free (q);
          return NULL;
        }
      if (q != NULL)
        {
          add_worked (q, spec);
          use_plain_texts (q, spec);
        }
      break;

    case BPV_LESSON_QUESTION_CHOICE:
      q = bpv_quiz_authored_choice (spec->ask, (const char * const *) spec->choices,
                                    spec->n_choices, spec->correct, spec->worked);
      g_free (q->worked_plain);
      q->worked_plain = g_strdup (spec->worked_plain);
      use_plain_texts (q, spec);
      break;

    case BPV_LESSON_QUESTION_NONE:
    default:
      g_assert_not_reached ();
    }
  if (q == NULL)
    _bpv_lesson_step_error (error, BPV_LESSON_ERROR_QUESTION, lesson, i, field, "%s",
                            local_error != NULL ? local_error->message : _("no question"));
  return q;
}
