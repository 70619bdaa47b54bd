/* bp-softsign.c — softsign as a Backprop Studio plugin.
 *
 *   σ(z) = z/(1 + |z|)                           (torch.nn.Softsign)
 */
#include <math.h>

#include "backprop-plugin.h"

static double
softsign_f (double z, const double *params)
{
  return z / (1.0 + fabs (z));
}

static double
softsign_df (double z, double fz, const double *params)
{
  /* σ′(z) = 1/(1 + |z|)².  The cheap form (1 − |σ(z)|)² would cancel for
   * large |z|, where |σ(z)| rounds to 1.  For |z| > 10¹⁵⁴ the square
   * overflows to +∞ and σ′ is 0, the correctly rounded value. */
  double d = 1.0 + fabs (z);

  return 1.0 / (d * d);
}

static const BpActivationDesc activations[] = {
  {
    .id = "softsign", .name = "Softsign",
    .formula = "σ(z) = z/(1 + |z|)",
    .derivative_formula = "σ′(z) = 1/(1 + |z|)²",
    .f = softsign_f, .df = softsign_df,
  },
};

BP_PLUGIN_DEFINE (.name = "softsign", .version = "1.0",
                  .description = "Softsign, as torch.nn.Softsign",
                  .license = "GPL-3.0-or-later",
                  .activations = activations, .n_activations = BP_N_ELEMENTS (activations));
