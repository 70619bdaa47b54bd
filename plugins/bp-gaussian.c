/* bp-gaussian.c — the Gaussian bump as a Backprop Studio plugin.
 *
 *   σ(z) = e^{−z²}
 */
#include <math.h>

#include "backprop-plugin.h"

static double
gaussian_f (double z, const double *params)
{
  /* For |z| > 10¹⁵⁴, z·z overflows to +∞ and e^{−∞} = 0: still exact. */
  return exp (-z * z);
}

static double
gaussian_df (double z, double fz, const double *params)
{
  /* The cheap form σ′(z) = −2z·σ(z).  z·σ(z) is multiplied first: it is at
   * most 0.43, whereas −2z alone overflows for z near DBL_MAX (and −∞ · 0
   * would be NaN). */
  return -2.0 * (z * fz);
}

static const BpActivationDesc activations[] = {
  {
    .id = "gaussian", .name = "Gaussian",
    .formula = "σ(z) = e^{−z²}",
    .derivative_formula = "σ′(z) = −2z·e^{−z²}",
    .f = gaussian_f, .df = gaussian_df,
  },
};

BP_PLUGIN_DEFINE (.name = "gaussian", .version = "1.0",
                  .description = "Gaussian activation e^{−z²}",
                  .license = "GPL-3.0-or-later",
                  .activations = activations, .n_activations = BP_N_ELEMENTS (activations));
