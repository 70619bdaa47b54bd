/* bp-kl_divergence.c — the Kullback–Leibler divergence as a Backprop
 * Studio plugin.
 *
 *   l = Σ_k y_k log(y_k/a_k),  with 0·log 0 = 0
 *
 * y is a target probability vector (y_k ≥ 0) and a the network's, so the
 * output layer must be a softmax.  Per sample this is
 * torch.nn.KLDivLoss(reduction='sum') applied to log a.  It differs from
 * softmax cross-entropy only by the target's entropy Σ y log y, a
 * constant, so both have the same gradient.
 */
#include <math.h>

#include "backprop-plugin.h"

static double
kl_value (const double *a, const double *z, const double *y, size_t n,
          const double *params)
{
  /* From z, not a: log a_k = z_k − logsumexp(z) is finite even where a_k
   * has underflowed to 0. */
  double m = -INFINITY, s = 0.0, lse, l = 0.0;

  for (size_t k = 0; k < n; k++)
    m = fmax (m, z[k]);
  for (size_t k = 0; k < n; k++)
    s += exp (z[k] - m);
  lse = m + log (s);
  for (size_t k = 0; k < n; k++)
    if (y[k] != 0.0)
      l += y[k] * (log (y[k]) - (z[k] - lse));
  return l;
}

static void
kl_grad_a (const double *a, const double *z, const double *y, double *out,
           size_t n, const double *params)
{
  /* ∂l/∂a_k = −y_k/a_k; a zero target contributes 0 even where a_k = 0. */
  for (size_t k = 0; k < n; k++)
    out[k] = y[k] != 0.0 ? -y[k] / a[k] : 0.0;
}

static void
kl_grad_z (const double *a, const double *z, const double *y, double *out,
           size_t n, const double *params)
{
  /* Through the softmax: ∂l/∂z_j = a_j Σ_k y_k − y_j (= a_j − y_j for a
   * probability target).  The stable fused form the host uses instead of
   * chaining −y/a through the softmax Jacobian. */
  double sy = 0.0;

  for (size_t k = 0; k < n; k++)
    sy += y[k];
  for (size_t k = 0; k < n; k++)
    out[k] = a[k] * sy - y[k];
}

static const BpCostDesc costs[] = {
  {
    .id = "kl_divergence", .name = "KL divergence",
    .formula = "l = Σ_k y_k log(y_k / a_k)",
    .requires = "needs a softmax output layer",
    .output_activation = "softmax",
    .value = kl_value, .grad_a = kl_grad_a, .grad_z = kl_grad_z,
  },
};

BP_PLUGIN_DEFINE (.name = "kl_divergence", .version = "1.0",
                  .description = "Kullback–Leibler divergence of the softmax output from a "
                                 "target distribution, as torch.nn.KLDivLoss",
                  .license = "GPL-3.0-or-later",
                  .costs = costs, .n_costs = BP_N_ELEMENTS (costs));
