/* bpv-explain-optimizer.c — the inspector's "Optimizer (id)" section for a
 * selected weight, or a selected unit's bias (a norm unit's γ and β): what
 * the optimizer holds for it and, at the Update stop, the step it took
 * split into its terms (bp_optimizer_explain).
 *
 * Outside the Update stop the live optimizer's arrays are shown as they
 * are (the state after the steps taken), and under them the derived
 * values of the next step with the gradient at hand (Adam's m̂, v̂ and
 * effective step).  Scrubbed back on the timeline,
 * the state is the shown step's, restored from the recording beside the
 * past network (bpv_session_get_shown_optimizer), and the heading names
 * that step: the past's weights never sit beside the present's m and v.
 * There is no Update stop in the past.  At the Update stop the live
 * state is already the one after the step, so the step is explained from
 * the cycle's "before" (parameters, then optimizer state: see
 * bpv-stepper.h) with the gradient the update used; its terms then add up
 * to W after − W before (b after − b before), the Δ the line above shows.
 */
#include "config.h"
#include "bpv-explain-private.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "bp-optimizer.h"
#include "bpv-stepper.h"

/* "name = value", and the description small, for one value of a view. */
static void
append_value (GString    *eq,
              Pool       *pool,
              const char *name,
              const char *description,
              double      value)
{
  g_string_append_printf (eq, "   %s = <b>%s</b>", esc (pool, _(name)), num (pool, value));
  if (description != NULL && description[0] != '\0')
    g_string_append_printf (eq, "   <small>%s</small>", esc (pool, _(description)));
  g_string_append (eq, "\n");
}

/* The step explained from the state before the update of the cycle at its
 * Update stop; FALSE when the stepper has no such cycle. */
static gboolean
view_of_update (BpvSession          *session,
                gsize                index,
                BpOptimizerStepView *view)
{
  BpvStepper *st = bpv_session_get_stepper (session);
  const BpOptimizer *live = bpv_session_get_optimizer (session);
  const BpNetwork *net = bpv_session_get_network (session);
  const double *before = bpv_stepper_get_params_before (st);
  const double *grads = bpv_stepper_get_grads (st);
  g_autoptr(BpOptimizer) opt = NULL;

  if (before == NULL || grads == NULL || live->t == 0)
    return FALSE;
  opt = bp_optimizer_copy (live);
  memcpy (opt->state, before + net->n_params, bp_optimizer_state_size (opt) * sizeof (double));
  opt->t = live->t - 1;
  opt->lr_valid = FALSE;
  bp_optimizer_explain (opt, before, grads, index, view);
  return TRUE;
}

void
_bpv_explain_optimizer (BpvSession           *session,
                        const ExplainedParam *p,
                        gboolean              at_update,
                        Pool                 *pool,
                        GString              *eq,
                        BpOptimizerStepView  *view)
{
  gboolean past = bpv_session_is_viewing_past (session);
  const BpOptimizer *live = bpv_session_get_optimizer (session);
  const BpOptimizer *opt = bpv_session_get_shown_optimizer (session);
  const BpNetwork *net = bpv_session_get_network (session);
  gsize index = p->index;
  const char *heading;
  const char *id = opt != NULL ? opt->id : live->id;

  g_return_if_fail (index < net->n_params);

  if (past)
    at_update = FALSE;
  if (at_update)
    g_string_append_printf (eq, _("update (%s): %s  %s → <b>%s</b>   <small>(Δ = %s)</small>\n"),
                            esc (pool, id), p->name, num (pool, p->before),
                            num (pool, p->after), num (pool, p->after - p->before));
  if (past)
    {
      const char *step = pool_keep (pool, g_strdup_printf ("%" G_GUINT64_FORMAT,
                                                           bpv_session_get_shown_step (session)));

      if (!p->in_heading)
        /* TRANSLATORS: a heading; the optimizer's id, "adam", and the past
         * step shown on the timeline */
        heading = pool_keep (pool, g_strdup_printf (_("Optimizer (%s) at step %s"),
                                                    esc (pool, id), step));
      else
        /* TRANSLATORS: a heading; the optimizer's id, "adam", a parameter,
         * "b(2)₃", and the past step shown on the timeline */
        heading = pool_keep (pool, g_strdup_printf (_("Optimizer (%s) for %s at step %s"),
                                                    esc (pool, id), p->name, step));
    }
  else if (!p->in_heading)
    /* TRANSLATORS: a heading; %s is the optimizer's id, "adam" */
    heading = pool_keep (pool, g_strdup_printf (_("Optimizer (%s)"), esc (pool, id)));
  else
    /* TRANSLATORS: a heading; the optimizer's id, "adam", and a parameter, "b(2)₃" */
    heading = pool_keep (pool, g_strdup_printf (_("Optimizer (%s) for %s"), esc (pool, id),
                                                p->name));
  if (opt == NULL)
    {
      /* A past step whose optimizer state the recording cannot give:
       * say so rather than show the present's. */
      memset (view, 0, sizeof *view);
      view->i = index;
      view->lr = NAN;
      view->sum = NAN;
      g_string_append_printf (eq, "<b>%s</b>  <i>%s</i>", heading,
                              _("its state at this step is not in the recording"));
      return;
    }
  if (!(at_update && view_of_update (session, index, view)))
    {
      /* The state on one line, so that the chain below stays in view;
       * the step that made it is not at hand here.  Under it, small, what
       * the next step would make of it with the gradient at hand (m̂, v̂
       * and the effective step for Adam): derived values only, with the
       * g they take, since that g may not be the next batch's. */
      double g = net->grads[index];

      bp_optimizer_explain (opt, net->params, net->grads, index, view);
      view->has_terms = FALSE;
      view->ex.n_terms = 0;
      view->sum = NAN;
      g_string_append_printf (eq, "<b>%s</b>  ", heading);
      if (view->n_slots == 0)
        g_string_append (eq, _("keeps no state"));
      else
        g_string_append_printf (eq, "%s ", pool_keep (pool, g_strdup_printf (
          /* TRANSLATORS: %s is a number of steps; the state's values follow */
          _("after %s steps:"), pool_keep (pool, g_strdup_printf ("%" G_GUINT64_FORMAT, opt->t)))));
      for (gsize k = 0; k < view->n_slots; k++)
        g_string_append_printf (eq, "%s%s = %s", k > 0 ? " · " : "",
                                esc (pool, _(view->slot_names[k])), num (pool, view->slots[k]));
      if (view->ex.n_derived == 0)
        return;
      g_string_append_printf (eq, "\n<small>%s", pool_keep (pool, g_strdup_printf (
        /* TRANSLATORS: %s is the gradient ∂C/∂p the values after it take */
        _("for the next step, with g = %s:"), num (pool, g))));
      for (gsize k = 0; k < view->ex.n_derived; k++)
        g_string_append_printf (eq, "%s%s = %s", k > 0 ? " · " : " ",
                                esc (pool, _(view->ex.derived[k].name)),
                                num (pool, view->ex.derived[k].value));
      g_string_append (eq, "</small>");
      return;
    }

  g_string_append_printf (eq, "\n<b>%s</b>\n", heading);
  g_string_append_printf (eq, "%s\n", pool_keep (pool, g_strdup_printf (
    /* TRANSLATORS: %s is a step number, then the learning rate */
    _("step %s, lr = %s; its state before the step:"),
    pool_keep (pool, g_strdup_printf ("%" G_GUINT64_FORMAT, view->t)), num (pool, view->lr))));
  if (view->n_slots == 0)
    g_string_append_printf (eq, "   <i>%s</i>\n", _("none: this optimizer keeps no state"));
  for (gsize k = 0; k < view->n_slots; k++)
    append_value (eq, pool, view->slot_names[k], view->slot_descriptions[k], view->slots[k]);

  if (!view->has_terms)
    {
      g_string_append_printf (eq, "<small>%s</small>",
                              _("This optimizer does not explain its steps (a plugin built "
                                "for plugin ABI 1.0): only its state is shown."));
      return;
    }

  if (view->ex.n_derived > 0)
    g_string_append_printf (eq, "%s\n", _("in this step:"));
  for (gsize k = 0; k < view->ex.n_derived; k++)
    append_value (eq, pool, view->ex.derived[k].name, view->ex.derived[k].description,
                  view->ex.derived[k].value);

  g_string_append_printf (eq, "%s\n", _("the update, term by term:"));
  for (gsize k = 0; k < view->ex.n_terms; k++)
    append_value (eq, pool, view->ex.terms[k].name, view->ex.terms[k].description,
                  view->ex.terms[k].value);
  g_string_append_printf (eq, "   Σ = <b>%s</b>   <small>%s</small>\n", num (pool, view->sum),
                          pool_keep (pool, g_strdup_printf (
                            /* TRANSLATORS: the parameter's symbol, "W" or "b", twice; then
                             * the difference */
                            _("= %s after − %s before = %s"), p->symbol, p->symbol,
                            num (pool, p->after - p->before))));
}
