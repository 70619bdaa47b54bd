/* bp-mae.c — the absolute-error cost as a Backprop Studio plugin.
 *
 *   l = Σ_k |a_k − y_k|
 *
 * Per sample this is torch.nn.L1Loss(reduction='sum'); the host takes the
 * mean over the batch, which makes it the mean absolute error.
 */
#include <math.h>

#include "backprop-plugin.h"

static double
mae_value (const double *a, const double *z, const double *y, size_t n,
           const double *params)
{
  double l = 0.0;

  for (size_t k = 0; k < n; k++)
    l += fabs (a[k] - y[k]);
  return l;
}

static void
mae_grad_a (const double *a, const double *z, const double *y, double *out,
            size_t n, const double *params)
{
  /* |d| has no derivative at d = 0; the subgradient sign(d) with
   * sign(0) = 0 is used, as torch's L1Loss backward.  A unit already on its
   * target is left alone. */
  for (size_t k = 0; k < n; k++)
    {
      double d = a[k] - y[k];

      out[k] = d > 0 ? 1.0 : d < 0 ? -1.0 : 0.0;
    }
}

static const BpCostDesc costs[] = {
  {
    .id = "mae", .name = "Mean absolute error",
    .formula = "l = Σ_k |a_k − y_k|",
    .value = mae_value, .grad_a = mae_grad_a,
  },
};

BP_PLUGIN_DEFINE (.name = "mae", .version = "1.0",
                  .description = "Absolute-error (L1) cost, as torch.nn.L1Loss summed over "
                                 "the output units",
                  .license = "GPL-3.0-or-later",
                  .costs = costs, .n_costs = BP_N_ELEMENTS (costs));
