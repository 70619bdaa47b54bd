/* bp-hinge.c — the hinge cost as a Backprop Studio plugin.
 *
 *   l = Σ_k max(0, 1 − t_k a_k),  t_k = +1 if y_k > 0, else −1
 *
 * The targets are class labels.  Both usual encodings work: 0/1 labels map
 * to t = 2y − 1, and ±1 labels are used as they are.  (Any y > 0 counts as
 * the positive class.)  The outputs a_k are raw scores, so a linear or tanh
 * output layer is the natural choice; any is accepted.
 */
#include "backprop-plugin.h"

static double
label_sign (double y)
{
  return y > 0 ? 1.0 : -1.0;
}

static double
hinge_value (const double *a, const double *z, const double *y, size_t n,
             const double *params)
{
  double l = 0.0;

  for (size_t k = 0; k < n; k++)
    {
      double margin = 1.0 - label_sign (y[k]) * a[k];

      if (margin > 0)
        l += margin;
    }
  return l;
}

static void
hinge_grad_a (const double *a, const double *z, const double *y, double *out,
              size_t n, const double *params)
{
  /* Subgradient: −t_k while the margin is violated (t_k a_k < 1), else 0.
   * At the kink t_k a_k = 1 it is 0, as torch's relu backward gives for
   * relu(1 − t·a): a unit exactly on the margin is left alone. */
  for (size_t k = 0; k < n; k++)
    {
      double t = label_sign (y[k]);

      out[k] = 1.0 - t * a[k] > 0 ? -t : 0.0;
    }
}

static const BpCostDesc costs[] = {
  {
    .id = "hinge", .name = "Hinge",
    .formula = "l = Σ_k max(0, 1 − t_k a_k),  t_k = +1 if y_k > 0, else −1",
    .value = hinge_value, .grad_a = hinge_grad_a,
  },
};

BP_PLUGIN_DEFINE (.name = "hinge", .version = "1.0",
                  .description = "Hinge (margin) cost for 0/1 or ±1 labels",
                  .license = "GPL-3.0-or-later",
                  .costs = costs, .n_costs = BP_N_ELEMENTS (costs));
