/* bp-optimizer.c — an optimizer instance over a flat parameter block. */
#include "config.h"
#include "bp-optimizer.h"
#include "bp-registry.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

static gsize
state_doubles (const BpOptimizerDesc *desc,
               gsize                  n_params)
{
  gsize total = 0;

  for (gsize i = 0; i < desc->n_state; i++)
    total += desc->state_specs[i].per_param * n_params;
  return total;
}

static void
layout_state (BpOptimizer *opt)
{
  gsize off = 0;

  for (gsize i = 0; i < opt->desc->n_state; i++)
    {
      opt->state_views[i] = opt->state + off;
      off += opt->desc->state_specs[i].per_param * opt->n_params;
    }
}

static void
init_state (BpOptimizer *opt,
            const double *p)
{
  memset (opt->state, 0, state_doubles (opt->desc, opt->n_params) * sizeof (double));
  opt->t = 0;
  if (opt->desc->init != NULL && p != NULL)
    opt->desc->init (opt->state_views, p, opt->n_params, opt->hyper);
}

BpOptimizer *
bp_optimizer_new (BpRegistry  *reg,
                  const char  *id,
                  gsize        n_params,
                  GError     **error)
{
  const BpOptimizerDesc *desc = bp_registry_lookup_optimizer (reg, id);
  BpOptimizer *opt;

  if (desc == NULL)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_UNKNOWN_ID,
                   _("unknown optimizer “%s”"), id != NULL ? id : "(null)");
      return NULL;
    }
  opt = g_new0 (BpOptimizer, 1);
  opt->desc = desc;
  opt->id = g_strdup (desc->id);
  opt->hyper = g_new0 (double, MAX (desc->n_hyper, 1));
  for (gsize i = 0; i < desc->n_hyper; i++)
    opt->hyper[i] = desc->hyper_specs[i].default_value;
  opt->state_views = g_new0 (double *, MAX (desc->n_state, 1));
  bp_schedule_init (&opt->schedule, BP_SCHEDULE_NONE);
  bp_optimizer_reset (opt, n_params);
  return opt;
}

void
bp_optimizer_free (BpOptimizer *opt)
{
  if (opt == NULL)
    return;
  g_free (opt->id);
  g_free (opt->hyper);
  g_free (opt->state);
  g_free (opt->state_views);
  g_free (opt->scratch);
  g_free (opt);
}

BpOptimizer *
bp_optimizer_copy (const BpOptimizer *opt)
{
  BpOptimizer *copy = g_new0 (BpOptimizer, 1);
  gsize ns = state_doubles (opt->desc, opt->n_params);

  *copy = *opt;
  copy->id = g_strdup (opt->id);
  copy->hyper = g_memdup2 (opt->hyper, MAX (opt->desc->n_hyper, 1) * sizeof (double));
  copy->state = g_memdup2 (opt->state, MAX (ns, 1) * sizeof (double));
  copy->state_views = g_new0 (double *, MAX (opt->desc->n_state, 1));
  copy->scratch = g_new0 (double, MAX (opt->n_params, 1));
  layout_state (copy);
  return copy;
}

void
bp_optimizer_reset (BpOptimizer *opt,
                    gsize        n_params)
{
  gsize ns = state_doubles (opt->desc, n_params);

  opt->n_params = n_params;
  g_free (opt->state);
  g_free (opt->scratch);
  opt->state = g_new0 (double, MAX (ns, 1));
  opt->scratch = g_new0 (double, MAX (n_params, 1));
  layout_state (opt);
  init_state (opt, NULL);
  opt->schedule_t0 = 0;
  opt->lr_valid = FALSE;
}

gboolean
bp_optimizer_set (BpOptimizer  *opt,
                  const char   *name,
                  double        value,
                  GError      **error)
{
  int i = bp_param_index (opt->desc->hyper_specs, opt->desc->n_hyper, name);

  if (i < 0 && g_strcmp0 (name, "weight_decay") == 0)
    {
      if (!(value >= 0.0 && value <= 1e6))
        {
          g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                       _("optimizer “%s”: weight_decay = %g is out of range [0, 1e6]"),
                       opt->id, value);
          return FALSE;
        }
      opt->weight_decay = value;
      return TRUE;
    }
  if (i < 0)
    {
      g_autoptr(GString) names = g_string_new ("weight_decay");

      for (gsize k = 0; k < opt->desc->n_hyper; k++)
        g_string_append_printf (names, ", %s", opt->desc->hyper_specs[k].name);
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   _("optimizer “%s” has no hyperparameter “%s” (it has: %s)"),
                   opt->id, name, names->str);
      return FALSE;
    }
  if (!(value >= opt->desc->hyper_specs[i].min_value &&
        value <= opt->desc->hyper_specs[i].max_value))
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   _("optimizer “%s”: %s = %g is out of range [%g, %g]"),
                   opt->id, name, value, opt->desc->hyper_specs[i].min_value,
                   opt->desc->hyper_specs[i].max_value);
      return FALSE;
    }
  opt->hyper[i] = value;
  opt->lr_valid = FALSE;
  return TRUE;
}

gboolean
bp_optimizer_get (const BpOptimizer *opt,
                  const char        *name,
                  double            *value)
{
  int i = bp_param_index (opt->desc->hyper_specs, opt->desc->n_hyper, name);

  if (i >= 0)
    {
      *value = opt->hyper[i];
      return TRUE;
    }
  if (g_strcmp0 (name, "weight_decay") == 0)
    {
      *value = opt->weight_decay;
      return TRUE;
    }
  return FALSE;
}

void
bp_optimizer_step (BpOptimizer  *opt,
                   double       *p,
                   const double *g)
{
  const double *grad = g;
  int lr_i = bp_param_index (opt->desc->hyper_specs, opt->desc->n_hyper, "lr");
  double base = opt->hyper[lr_i];

  /* The scheduled rate, in hyper for this step only (see the header). */
  opt->hyper[lr_i] = bp_optimizer_lr (opt);
  opt->t++;
  if (opt->t == 1 && opt->desc->init != NULL)
    opt->desc->init (opt->state_views, p, opt->n_params, opt->hyper);

  /* Coupled L2 decay, g + λp, as torch.optim's weight_decay. */
  if (opt->weight_decay != 0.0 &&
      bp_param_index (opt->desc->hyper_specs, opt->desc->n_hyper, "weight_decay") < 0)
    {
      double wd = opt->weight_decay;

      for (gsize i = 0; i < opt->n_params; i++)
        opt->scratch[i] = g[i] + wd * p[i];
      grad = opt->scratch;
    }
  opt->desc->step (p, grad, opt->state_views, opt->n_params, opt->hyper, opt->t);
  opt->hyper[lr_i] = base;
}

gboolean
bp_optimizer_set_schedule (BpOptimizer      *opt,
                           const BpSchedule *s,
                           GError          **error)
{
  g_return_val_if_fail (opt != NULL && s != NULL, FALSE);

  /* One check for the file, the app and the tests. */
  if (!bp_schedule_check (s, error))
    return FALSE;
  opt->schedule = *s;
  opt->schedule_t0 = opt->t;
  opt->lr_valid = FALSE;
  return TRUE;
}

guint64
bp_optimizer_schedule_step (const BpOptimizer *opt)
{
  /* t below t0: t restored to before the schedule was set. */
  return opt->t > opt->schedule_t0 ? opt->t - opt->schedule_t0 : 0;
}

double
bp_optimizer_lr (BpOptimizer *opt)
{
  int lr_i = bp_param_index (opt->desc->hyper_specs, opt->desc->n_hyper, "lr");
  double base = opt->hyper[lr_i];
  guint64 n = bp_optimizer_schedule_step (opt);

  if (opt->schedule.kind == BP_SCHEDULE_NONE)
    return base;
  if (!opt->lr_valid || opt->lr_n > n)
    {
      opt->lr = bp_schedule_first (&opt->schedule, base);
      opt->lr_n = 0;
      opt->lr_valid = TRUE;
    }
  /* Forward from the cache, one get_lr per step, as torch gets there. */
  while (opt->lr_n < n)
    {
      opt->lr_n++;
      opt->lr = bp_schedule_next (&opt->schedule, base, opt->lr, opt->lr_n);
    }
  return opt->lr;
}

double
bp_optimizer_peek_lr (const BpOptimizer *opt)
{
  /* A shallow copy: bp_optimizer_lr writes only the cache fields, which
   * are the copy's own; hyper is only read. */
  BpOptimizer tmp = *opt;

  return bp_optimizer_lr (&tmp);
}

double
bp_optimizer_last_lr (const BpOptimizer *opt)
{
  BpOptimizer tmp = *opt;

  if (tmp.t > 0)
    tmp.t--;
  return bp_optimizer_lr (&tmp);
}

void
bp_optimizer_restore_schedule (BpOptimizer *opt,
                               guint64      n,
                               double       lr)
{
  g_return_if_fail (n <= opt->t);

  opt->schedule_t0 = opt->t - n;
  opt->lr_n = n;
  opt->lr = lr;
  opt->lr_valid = opt->schedule.kind != BP_SCHEDULE_NONE;
}

double *
bp_optimizer_state (const BpOptimizer *opt,
                    gsize              i)
{
  g_return_val_if_fail (i < opt->desc->n_state, NULL);
  return opt->state_views[i];
}

gsize
bp_optimizer_state_size (const BpOptimizer *opt)
{
  return state_doubles (opt->desc, opt->n_params);
}

/* A plugin's explain pointer took the place of reserved[0]: 1.0 plugins
 * have it zeroed, and the descriptor keeps its size. */
G_STATIC_ASSERT (sizeof (void (*) (void)) == sizeof (const void *));

gboolean
bp_optimizer_explain (const BpOptimizer   *opt,
                      const double        *p,
                      const double        *g,
                      gsize                i,
                      BpOptimizerStepView *view)
{
  const BpOptimizerDesc *desc;
  double slot_copy[BP_OPTIMIZER_EXPLAIN_MAX];
  const double *slot_ptrs[BP_OPTIMIZER_EXPLAIN_MAX];
  g_autofree double *hyper = NULL;
  gboolean per_weight;
  int lr_i;

  g_return_val_if_fail (opt != NULL && p != NULL && g != NULL && view != NULL, FALSE);
  g_return_val_if_fail (i < opt->n_params, FALSE);

  desc = opt->desc;
  memset (view, 0, sizeof *view);
  view->i = i;
  view->t = opt->t + 1;
  view->lr = bp_optimizer_peek_lr (opt);
  if (opt->weight_decay != 0.0 &&
      bp_param_index (desc->hyper_specs, desc->n_hyper, "weight_decay") < 0)
    view->l2 = opt->weight_decay * p[i];

  hyper = g_memdup2 (opt->hyper, MAX (desc->n_hyper, 1) * sizeof (double));
  lr_i = bp_param_index (desc->hyper_specs, desc->n_hyper, "lr");
  if (lr_i >= 0)
    hyper[lr_i] = view->lr;

  /* One value per parameter in each array: what explain and a one-element
   * init can handle. */
  per_weight = desc->n_state <= BP_OPTIMIZER_EXPLAIN_MAX;
  for (gsize k = 0; k < desc->n_state; k++)
    per_weight = per_weight && desc->state_specs[k].per_param == 1;
  view->n_slots = MIN (desc->n_state, BP_OPTIMIZER_EXPLAIN_MAX);
  for (gsize k = 0; k < view->n_slots; k++)
    {
      gboolean scalar = desc->state_specs[k].per_param == 1;

      view->slot_names[k] = desc->state_specs[k].name;
      view->slot_descriptions[k] = desc->state_specs[k].description;
      slot_copy[k] = scalar ? opt->state_views[k][i] : NAN;
      slot_ptrs[k] = &slot_copy[k];
    }
  /* Before the first step the state is what `init` will make it, for this
   * parameter alone (an optimizer with explain is element-wise). */
  if (opt->t == 0 && desc->init != NULL && per_weight)
    {
      double *views[BP_OPTIMIZER_EXPLAIN_MAX];

      for (gsize k = 0; k < view->n_slots; k++)
        views[k] = &slot_copy[k];
      desc->init (views, &p[i], 1, hyper);
    }
  for (gsize k = 0; k < view->n_slots; k++)
    view->slots[k] = slot_copy[k];

  if (desc->explain == NULL || !per_weight)
    return FALSE;
  desc->explain (p[i], g[i], view->l2, slot_ptrs, hyper, view->t, &view->ex);
  view->ex.n_derived = MIN (view->ex.n_derived, BP_OPTIMIZER_EXPLAIN_MAX);
  view->ex.n_terms = MIN (view->ex.n_terms, BP_OPTIMIZER_EXPLAIN_MAX);
  for (gsize k = 0; k < view->ex.n_terms; k++)
    view->sum += view->ex.terms[k].value;
  view->has_terms = TRUE;
  return TRUE;
}
