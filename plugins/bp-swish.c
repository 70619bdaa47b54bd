/* bp-swish.c — Swish (SiLU) as a Backprop Studio plugin.
 *
 *   σ(z) = z·s(z),  s(z) = 1/(1 + e^{−z})      (torch.nn.SiLU)
 *
 * s is the logistic function; σ is the app's name for the activation.
 */
#include <math.h>

#include "backprop-plugin.h"

/* The logistic function without ever exponentiating a positive number: no
 * overflow, full precision on both tails. */
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
swish_f (double z, const double *params)
{
  return z * logistic (z);
}

static double
swish_df (double z, double fz, const double *params)
{
  /* σ′(z) = s(z)(1 + z(1 − s(z))), PyTorch's form, with 1 − s(z) computed
   * as s(−z).  The cheap form σ(z) + s(z)(1 − σ(z)) is not used: for large
   * z it subtracts two numbers of size z and returns 0 instead of 1 once
   * z > 2⁵³. */
  return logistic (z) * (1.0 + z * logistic (-z));
}

static const BpActivationDesc activations[] = {
  {
    .id = "swish", .name = "Swish (SiLU)",
    .formula = "σ(z) = z·s(z),  s(z) = 1/(1 + e^{−z})",
    .derivative_formula = "σ′(z) = s(z)(1 + z(1 − s(z)))",
    .f = swish_f, .df = swish_df,
  },
};

BP_PLUGIN_DEFINE (.name = "swish", .version = "1.0",
                  .description = "Swish / sigmoid-weighted linear unit (Ramachandran et al., 2017), "
                                 "as torch.nn.SiLU",
                  .license = "GPL-3.0-or-later",
                  .activations = activations, .n_activations = BP_N_ELEMENTS (activations));
