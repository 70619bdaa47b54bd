/* bp-gradcheck.c — backprop against central finite differences.
 *
 * ∂C/∂p ≈ (C(p + h) − C(p − h)) / 2h, with an error of O(h²·C‴); h scales
 * with |p| so that p ± h is a real change in floating point.
 */
#include "bp-gradcheck.h"

#include <math.h>

#define REL_FLOOR 1e-8

static double
cost_at (BpNetwork    *net,
         BpTrace      *trace,
         const double *x,
         const double *y,
         gsize         B)
{
  bp_network_forward (net, trace, x, B);
  return bp_network_cost (net, trace, y);
}

double
bp_gradcheck_param (BpNetwork    *net,
                    BpTrace      *trace,
                    const double *x,
                    const double *y,
                    gsize         B,
                    gsize         index,
                    double        eps)
{
  double saved = net->params[index];
  double h = (eps > 0 ? eps : 1e-6) * MAX (1.0, fabs (saved));
  double cp, cm;

  g_return_val_if_fail (index < net->n_params, NAN);

  net->params[index] = saved + h;
  cp = cost_at (net, trace, x, y, B);
  net->params[index] = saved - h;
  cm = cost_at (net, trace, x, y, B);
  net->params[index] = saved;
  /* (p + h) − (p − h) is the step actually taken, not exactly 2h. */
  return (cp - cm) / ((saved + h) - (saved - h));
}

double
bp_gradcheck (BpNetwork        *net,
              const double     *x,
              const double     *y,
              gsize             B,
              double            eps,
              BpGradCheckLayer *result)
{
  g_autoptr(BpTrace) trace = bp_trace_new (net, B);
  double worst = 0.0;
  gsize off = 0;

  g_return_val_if_fail (net != NULL && x != NULL && y != NULL && B >= 1, NAN);

  /* Backprop gradients: they stay in net->grads for the caller. */
  bp_network_zero_grad (net);
  bp_network_forward (net, trace, x, B);
  bp_network_backward (net, trace, y);

  for (gsize l = 0; l < net->n_layers; l++)
    {
      const BpLayer *L = &net->layers[l];
      gsize n = L->in * L->out + L->out;
      BpGradCheckLayer r = { 0.0, 0.0, 0, 0.0, 0.0 };

      for (gsize i = 0; i < n; i++)
        {
          double g = net->grads[off + i];
          double num = bp_gradcheck_param (net, trace, x, y, B, off + i, eps);
          double abs_err = fabs (g - num);
          double rel = abs_err / MAX (MAX (fabs (g), fabs (num)), REL_FLOOR);

          if (isnan (rel))
            rel = INFINITY;
          if (rel > r.max_rel_error || i == 0)
            {
              r.max_rel_error = rel;
              r.worst_index = i;
              r.worst_backprop = g;
              r.worst_numeric = num;
            }
          r.max_abs_error = MAX (r.max_abs_error, abs_err);
        }
      if (result != NULL)
        result[l] = r;
      worst = MAX (worst, r.max_rel_error);
      off += n;
    }
  return worst;
}
