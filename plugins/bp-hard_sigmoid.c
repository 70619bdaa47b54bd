/* bp-hard_sigmoid.c — PyTorch's hard sigmoid as a Backprop Studio plugin.
 *
 *   σ(z) = relu6(z + 3)/6 = min(max(z + 3, 0), 6)/6   (torch.nn.Hardsigmoid)
 *
 * At the kinks z = ±3 the derivative is taken as 0, as torch's backward
 * does: σ′(z) = 1/6 only for −3 < z < 3.
 */
#include <math.h>

#include "backprop-plugin.h"

static double
hard_sigmoid_f (double z, const double *params)
{
  /* The same operations, in the same order, as torch's kernel. */
  return fmin (fmax (z + 3.0, 0.0), 6.0) / 6.0;
}

static double
hard_sigmoid_df (double z, double fz, const double *params)
{
  /* Tested on z, not on σ(z): z + 3 rounds to 6 for z just below 3, so
   * σ(z) = 1 does not mean z ≥ 3.  (torch's float64 backward returns the
   * single-precision 1/6, 0.16666667163…; this is the exact 1/6.) */
  return z > -3.0 && z < 3.0 ? 1.0 / 6.0 : 0.0;
}

static const BpActivationDesc activations[] = {
  {
    .id = "hard_sigmoid", .name = "Hard sigmoid",
    .formula = "σ(z) = min(max(z + 3, 0), 6)/6",
    .derivative_formula = "σ′(z) = 1/6 if −3 < z < 3, else 0",
    .f = hard_sigmoid_f, .df = hard_sigmoid_df,
  },
};

BP_PLUGIN_DEFINE (.name = "hard_sigmoid", .version = "1.0",
                  .description = "Piecewise-linear sigmoid, as torch.nn.Hardsigmoid",
                  .license = "GPL-3.0-or-later",
                  .activations = activations, .n_activations = BP_N_ELEMENTS (activations));
