/* bp-plugin-check-optimizer.c — an optimizer on a small quadratic: it must
 * stay finite, keep within its arrays, go downhill, and (ABI 1.1) the
 * terms its `explain` gives must add up to the change its step makes (see
 * bp-plugin-check.h).
 */
#include "bp-plugin-check-private.h"

#include <math.h>

/* Optimizer check: f(p) = ½ Σ cᵢ pᵢ². */
#define OPT_STEPS 300
static const double opt_c[] = { 0.2, 0.5, 1.0, 2.0 };

/* -------------------------------------------------------------- optimizers */

/* explain's terms against the step: relative to the larger of |p| and
 * |Δp|, since p + Δ is rounded at p's size.  Lenient next to the 1e-15 the
 * shipped ones meet: this catches a wrong formula, not a rounding order. */
#define EXPLAIN_REL_TOL 1e-12

/* explain can run on this optimizer: one value per parameter per array. */
static gboolean
explainable (const BpOptimizerDesc *opt)
{
  if (opt->explain == NULL || opt->n_state > BP_OPTIMIZER_EXPLAIN_MAX)
    return FALSE;
  for (size_t s = 0; s < opt->n_state; s++)
    if (opt->state_specs[s].per_param != 1)
      return FALSE;
  return TRUE;
}

/* Σ of explain's terms for p[i] before the step t; NaN when it gave none
 * or more than it may. */
static double
explained_sum (const BpOptimizerDesc *opt,
               const double          *p,
               const double          *g,
               GPtrArray             *state,
               size_t                 i,
               const double          *hyper,
               guint64                t)
{
  BpOptimizerExplanation ex = { 0 };
  const double *slots[BP_OPTIMIZER_EXPLAIN_MAX];
  double sum = 0.0;

  for (size_t s = 0; s < opt->n_state; s++)
    slots[s] = (const double *) g_ptr_array_index (state, s) + i;
  opt->explain (p[i], g[i], 0.0, slots, hyper, t, &ex);
  if (ex.n_terms == 0 || ex.n_terms > BP_OPTIMIZER_EXPLAIN_MAX ||
      ex.n_derived > BP_OPTIMIZER_EXPLAIN_MAX)
    return NAN;
  for (size_t k = 0; k < ex.n_terms; k++)
    sum += ex.terms[k].value;
  return sum;
}

static double
quadratic (const double *p,
           size_t        n)
{
  double f = 0.0;

  for (size_t i = 0; i < n; i++)
    f += 0.5 * opt_c[i] * p[i] * p[i];
  return f;
}

gboolean
bp_plugin_check_optimizer (const BpOptimizerDesc *opt,
                           const double          *hyper,
                           GError               **error)
{
  const size_t n = G_N_ELEMENTS (opt_c);
  g_autofree double *defaults = NULL;
  g_autofree double *p = _bp_plugin_check_guarded_new (n);
  g_autofree double *g = g_new0 (double, n);
  g_autoptr(GPtrArray) state = g_ptr_array_new_with_free_func (g_free);
  double f0, f1;
  double before[G_N_ELEMENTS (opt_c)], explained[G_N_ELEMENTS (opt_c)];
  gboolean check_explain;

  g_return_val_if_fail (opt != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (hyper == NULL)
    hyper = defaults = _bp_plugin_check_default_params (opt->hyper_specs, opt->n_hyper);

  for (size_t s = 0; s < opt->n_state; s++)
    g_ptr_array_add (state, _bp_plugin_check_guarded_new (opt->state_specs[s].per_param * n));
  g_ptr_array_add (state, NULL);
  for (size_t i = 0; i < n; i++)
    p[i] = 1.0;
  f0 = quadratic (p, n);

  if (opt->init != NULL)
    opt->init ((double *const *) state->pdata, p, n, hyper);
  check_explain = explainable (opt);

  for (guint64 t = 1; t <= OPT_STEPS; t++)
    {
      for (size_t i = 0; i < n; i++)
        g[i] = opt_c[i] * p[i];
      for (size_t i = 0; i < n && check_explain; i++)
        {
          before[i] = p[i];
          explained[i] = explained_sum (opt, p, g, state, i, hyper, t);
        }
      opt->step (p, g, (double *const *) state->pdata, n, hyper, t);
      for (size_t i = 0; i < n && check_explain; i++)
        {
          double dp = p[i] - before[i];

          if (!(fabs (explained[i] - dp) <= EXPLAIN_REL_TOL * fmax (fabs (before[i]), fabs (dp))))
            {
              g_autofree char *es = _bp_plugin_check_fmt (explained[i]);
              g_autofree char *ds = _bp_plugin_check_fmt (dp);

              return _bp_plugin_check_error (error, "optimizer “%s”: at step %" G_GUINT64_FORMAT
                                             " its explain gives terms that add up to %s, but "
                                             "the step changed p[%zu] by %s", opt->id, t, es,
                                             i, ds);
            }
        }

      if (!_bp_plugin_check_guard_intact (p, n))
        return _bp_plugin_check_error (error, "optimizer “%s”: step writes past the end of p",
                                       opt->id);
      for (size_t i = 0; i < n; i++)
        if (!isfinite (p[i]))
          {
            g_autofree char *ps = _bp_plugin_check_fmt (p[i]);

            return _bp_plugin_check_error (error, "optimizer “%s”: with the default "
                                           "hyperparameters on f(p) = ½Σ cᵢpᵢ², step %" G_GUINT64_FORMAT
                                           " made p[%zu] = %s (it diverges)", opt->id, t, i, ps);
          }
      for (size_t s = 0; s < opt->n_state; s++)
        {
          const double *v = g_ptr_array_index (state, s);
          size_t len = opt->state_specs[s].per_param * n;

          if (!_bp_plugin_check_guard_intact (v, len))
            return _bp_plugin_check_error (error, "optimizer “%s”: step writes past the end of "
                                           "its state “%s”", opt->id, opt->state_specs[s].name);
          for (size_t i = 0; i < len; i++)
            if (!isfinite (v[i]))
              {
                g_autofree char *vs = _bp_plugin_check_fmt (v[i]);

                return _bp_plugin_check_error (error, "optimizer “%s”: with the default "
                                               "hyperparameters on f(p) = ½Σ cᵢpᵢ², step %"
                                               G_GUINT64_FORMAT " made its state %s[%zu] = %s",
                                               opt->id, t, opt->state_specs[s].name, i, vs);
              }
        }
    }

  f1 = quadratic (p, n);
  if (!(f1 < f0))
    {
      g_autofree char *s0 = _bp_plugin_check_fmt (f0), *s1 = _bp_plugin_check_fmt (f1);

      return _bp_plugin_check_error (error, "optimizer “%s”: %d steps with the default "
                                     "hyperparameters on f(p) = ½Σ cᵢpᵢ² from p = 1 took f from "
                                     "%s to %s instead of lowering it (it diverges or moves uphill)",
                                     opt->id, OPT_STEPS, s0, s1);
    }
  return TRUE;
}
