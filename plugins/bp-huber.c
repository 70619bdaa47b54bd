/* bp-huber.c — the Huber cost as a Backprop Studio plugin.
 *
 *   l = Σ_k h(a_k − y_k),  h(d) = ½d² if |d| ≤ δ, else δ(|d| − ½δ)
 *
 * Quadratic near the target, linear far from it, so outliers pull with a
 * bounded force δ.  Per sample this is torch.nn.HuberLoss(reduction='sum',
 * delta=δ); the host takes the mean over the batch.
 */
#include <math.h>

#include "backprop-plugin.h"

static const BpParamSpec huber_params[] = {
  { "delta", "δ: where the cost turns from quadratic to linear", 1.0, 1e-6, 1e6 },
};

static double
huber_value (const double *a, const double *z, const double *y, size_t n,
             const double *params)
{
  double delta = params[0];
  double l = 0.0;

  for (size_t k = 0; k < n; k++)
    {
      double d = fabs (a[k] - y[k]);

      /* Both branches give ½δ² at |d| = δ: the cost is continuous there. */
      l += d <= delta ? 0.5 * d * d : delta * (d - 0.5 * delta);
    }
  return l;
}

static void
huber_grad_a (const double *a, const double *z, const double *y, double *out,
              size_t n, const double *params)
{
  double delta = params[0];

  /* ∂l/∂a_k = clamp(a_k − y_k, −δ, δ).  The two pieces meet with the same
   * slope ±δ, so there is no kink to choose a value at. */
  for (size_t k = 0; k < n; k++)
    out[k] = fmin (fmax (a[k] - y[k], -delta), delta);
}

static const BpCostDesc costs[] = {
  {
    .id = "huber", .name = "Huber",
    .formula = "l = Σ_k h(a_k − y_k),  h(d) = ½d² if |d| ≤ δ, else δ(|d| − ½δ)",
    .params = huber_params, .n_params = BP_N_ELEMENTS (huber_params),
    .value = huber_value, .grad_a = huber_grad_a,
  },
};

BP_PLUGIN_DEFINE (.name = "huber", .version = "1.0",
                  .description = "Huber cost, as torch.nn.HuberLoss summed over the output units",
                  .license = "GPL-3.0-or-later",
                  .costs = costs, .n_costs = BP_N_ELEMENTS (costs));
