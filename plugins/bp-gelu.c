/* bp-gelu.c — the Gaussian error linear unit (exact form) as a Backprop
 * Studio plugin.
 *
 *   σ(z) = z·Φ(z) = ½z(1 + erf(z/√2))           (torch.nn.GELU())
 *
 * Φ is the standard normal CDF and φ its density.
 */
#include <math.h>

#include "backprop-plugin.h"

#define SQRT1_2     0.70710678118654752440   /* 1/√2 */
#define INV_SQRT2PI 0.39894228040143267794   /* 1/√(2π) */

/* Φ(z) = ½(1 + erf(z/√2)) = ½ erfc(−z/√2).  The erfc form keeps full
 * relative precision on the negative tail, where 1 + erf(…) cancels to 0
 * (PyTorch's kernel gives σ(−10) = 0 instead of −7.6·10⁻²³). */
static double
normal_cdf (double z)
{
  return 0.5 * erfc (-z * SQRT1_2);
}

static double
gelu_f (double z, const double *params)
{
  return z * normal_cdf (z);
}

static double
gelu_df (double z, double fz, const double *params)
{
  /* σ′(z) = Φ(z) + z·φ(z).  For huge |z|, z·z overflows to +∞ and
   * e^{−∞} = 0, so the result stays finite. */
  double pdf = INV_SQRT2PI * exp (-0.5 * z * z);

  return normal_cdf (z) + z * pdf;
}

static const BpActivationDesc activations[] = {
  {
    .id = "gelu", .name = "GELU",
    .formula = "σ(z) = ½z(1 + erf(z/√2))",
    .derivative_formula = "σ′(z) = ½(1 + erf(z/√2)) + z·e^{−z²/2}/√(2π)",
    .f = gelu_f, .df = gelu_df,
  },
};

BP_PLUGIN_DEFINE (.name = "gelu", .version = "1.0",
                  .description = "Gaussian error linear unit, exact erf form "
                                 "(Hendrycks & Gimpel, 2016), as torch.nn.GELU()",
                  .license = "GPL-3.0-or-later",
                  .activations = activations, .n_activations = BP_N_ELEMENTS (activations));
