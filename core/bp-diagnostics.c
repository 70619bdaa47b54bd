/* bp-diagnostics.c — unit state (see bp-diagnostics.h for the verdicts). */
#include "config.h"
#include "bp-diagnostics.h"

#include <math.h>
#include <string.h>

/* ------------------------------------------------------------- unit state */

void
bp_diag_unit_derivatives (const BpNetwork *net,
                          const BpTrace   *trace,
                          gsize            layer,
                          gsize            s,
                          double          *deriv)
{
  const BpLayer *L;
  const double *z, *a;
  gsize n;

  g_return_if_fail (net != NULL && trace != NULL && deriv != NULL);
  g_return_if_fail (layer < net->n_layers && s < trace->batch);

  L = &net->layers[layer];
  n = L->out;
  z = bp_trace_z (trace, layer, s);
  a = bp_trace_a (trace, layer, s);
  if (L->act->df != NULL)
    {
      for (gsize j = 0; j < n; j++)
        deriv[j] = L->act->df (z[j], a[j], L->act_params);
      return;
    }
  if (n > BP_DIAG_JACOBIAN_MAX_UNITS)
    {
      for (gsize j = 0; j < n; j++)
        deriv[j] = NAN;
      return;
    }
  {
    /* (∂a/∂z)_jj is entry j of (∂a/∂z)ᵀ e_j: one row of the Jacobian at a
     * time (as bp_network_act_jacobian builds it, from a zeroed row), so
     * the n × n matrix is never held. */
    double e[BP_DIAG_JACOBIAN_MAX_UNITS] = { 0 };
    double row[BP_DIAG_JACOBIAN_MAX_UNITS];

    for (gsize j = 0; j < n; j++)
      {
        memset (row, 0, n * sizeof (double));
        e[j] = 1.0;
        L->act->vec_vjp (z, a, e, row, n, L->act_params);
        e[j] = 0.0;
        deriv[j] = row[j];
      }
  }
}

gboolean
bp_diag_unit_dead (const BpNetwork *net,
                   const BpTrace   *trace,
                   gsize            layer,
                   gsize            unit)
{
  const BpLayer *L;

  g_return_val_if_fail (net != NULL && trace != NULL, FALSE);
  g_return_val_if_fail (layer < net->n_layers, FALSE);
  g_return_val_if_fail (unit < net->layers[layer].out, FALSE);

  L = &net->layers[layer];
  if (L->act->df == NULL)
    return FALSE;
  for (gsize s = 0; s < trace->batch; s++)
    {
      double z = bp_trace_z (trace, layer, s)[unit];
      double a = bp_trace_a (trace, layer, s)[unit];

      if (z > 0 || L->act->df (z, a, L->act_params) != 0)
        return FALSE;
    }
  return TRUE;
}

void
bp_diag_unit_states (const BpNetwork *net,
                     const BpTrace   *trace,
                     gsize            layer,
                     gsize            s,
                     double          *deriv,
                     BpDiagUnitState *states)
{
  g_autofree double *own = NULL;
  gsize n;

  g_return_if_fail (net != NULL && trace != NULL && states != NULL);
  g_return_if_fail (layer < net->n_layers && s < trace->batch);

  n = net->layers[layer].out;
  if (deriv == NULL)
    deriv = own = g_new (double, n);
  bp_diag_unit_derivatives (net, trace, layer, s, deriv);
  for (gsize j = 0; j < n; j++)
    {
      if (bp_diag_unit_dead (net, trace, layer, j))
        states[j] = BP_DIAG_UNIT_DEAD;
      else if (fabs (deriv[j]) < BP_DIAG_SATURATION_LEVEL)
        states[j] = BP_DIAG_UNIT_SATURATED;
      else
        states[j] = BP_DIAG_UNIT_OK;
    }
}
