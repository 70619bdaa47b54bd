/* bp-plugin-check-optimizer.c — an optimizer on a small quadratic: it must
 * stay finite, keep within its arrays, and go downhill (see
 * bp-plugin-check.h).
 */
#include "bp-plugin-check-private.h"

#include <math.h>

/* Optimizer check: f(p) = ½ Σ cᵢ pᵢ². */
#define OPT_STEPS 300
static const double opt_c[] = { 0.2, 0.5, 1.0, 2.0 };

/* -------------------------------------------------------------- optimizers */

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

  for (guint64 t = 1; t <= OPT_STEPS; t++)
    {
      for (size_t i = 0; i < n; i++)
        g[i] = opt_c[i] * p[i];
      opt->step (p, g, (double *const *) state->pdata, n, hyper, t);

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
