/* bp-selu.c — the scaled exponential linear unit as a Backprop Studio
 * plugin.
 *
 *   σ(z) = λz if z > 0, else λα(e^z − 1)        (torch.nn.SELU)
 *
 * λ and α are the fixed constants of Klambauer et al. (2017) that make
 * activations self-normalising; PyTorch uses the same digits.
 */
#include <math.h>

#include "backprop-plugin.h"

#define SELU_ALPHA 1.6732632423543772848170429916717
#define SELU_SCALE 1.0507009873554804934193349852946

static double
selu_f (double z, const double *params)
{
  /* expm1 keeps full precision near 0, where e^z − 1 would cancel. */
  return z > 0 ? SELU_SCALE * z : SELU_SCALE * SELU_ALPHA * expm1 (z);
}

static double
selu_df (double z, double fz, const double *params)
{
  /* σ′(0) = λα, as torch (0 takes the z ≤ 0 branch).  Computed from z, not
   * as σ(z) + λα, which would cancel for z ≪ 0. */
  return z > 0 ? SELU_SCALE : SELU_SCALE * SELU_ALPHA * exp (z);
}

static const BpActivationDesc activations[] = {
  {
    .id = "selu", .name = "SELU",
    .formula = "σ(z) = λz if z > 0, else λα(e^{z} − 1),  λ ≈ 1.0507, α ≈ 1.6733",
    .derivative_formula = "σ′(z) = λ if z > 0, else λαe^{z}",
    .f = selu_f, .df = selu_df,
  },
};

BP_PLUGIN_DEFINE (.name = "selu", .version = "1.0",
                  .description = "Scaled exponential linear unit (Klambauer et al., 2017), "
                                 "as torch.nn.SELU",
                  .license = "GPL-3.0-or-later",
                  .activations = activations, .n_activations = BP_N_ELEMENTS (activations));
