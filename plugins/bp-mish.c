/* bp-mish.c — Mish as a Backprop Studio plugin.
 *
 *   σ(z) = z·tanh(softplus(z)),  softplus(z) = log(1 + e^z)   (torch.nn.Mish)
 */
#include <math.h>

#include "backprop-plugin.h"

/* log(1 + e^z) = max(z, 0) + log1p(e^{−|z|}): never overflows, and exact
 * on both tails (e^1000 would be +∞). */
static double
softplus (double z)
{
  return fmax (z, 0.0) + log1p (exp (-fabs (z)));
}

/* The logistic function s(z) = 1/(1 + e^{−z}) = softplus′(z), without
 * exponentiating a positive number. */
static double
logistic (double z)
{
  if (z >= 0)
    return 1.0 / (1.0 + exp (-z));
  else
    {
      double e = exp (z);
      return e / (1.0 + e);
    }
}

static double
mish_f (double z, const double *params)
{
  return z * tanh (softplus (z));
}

static double
mish_df (double z, double fz, const double *params)
{
  /* σ′(z) = tanh(sp) + z·s(z)·sech²(sp), sp = softplus(z), as PyTorch's
   * backward.  From z rather than σ(z): tanh(sp) = σ(z)/z is undefined at
   * z = 0.  For |z| large, z·s(z) is finite and sech² is 0 or 1, so the
   * result is finite for every finite z. */
  double t = tanh (softplus (z));

  return t + z * logistic (z) * (1.0 - t * t);
}

static const BpActivationDesc activations[] = {
  {
    .id = "mish", .name = "Mish",
    .formula = "σ(z) = z·tanh(softplus(z)),  softplus(z) = log(1 + e^{z})",
    .derivative_formula = "σ′(z) = tanh(softplus(z)) + z·s(z)·sech²(softplus(z)),  "
                          "s(z) = 1/(1 + e^{−z})",
    .f = mish_f, .df = mish_df,
  },
};

BP_PLUGIN_DEFINE (.name = "mish", .version = "1.0",
                  .description = "Mish (Misra, 2019), as torch.nn.Mish",
                  .license = "GPL-3.0-or-later",
                  .activations = activations, .n_activations = BP_N_ELEMENTS (activations));
