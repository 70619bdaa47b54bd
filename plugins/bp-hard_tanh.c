/* bp-hard_tanh.c — the hard tanh as a Backprop Studio plugin.
 *
 *   σ(z) = min(max(z, −1), 1)                    (torch.nn.Hardtanh())
 *
 * At the kinks z = ±1 the derivative is taken as 0, as torch's backward
 * does: σ′(z) = 1 only for −1 < z < 1.
 */
#include <math.h>

#include "backprop-plugin.h"

static double
hard_tanh_f (double z, const double *params)
{
  return fmin (fmax (z, -1.0), 1.0);
}

static double
hard_tanh_df (double z, double fz, const double *params)
{
  return z > -1.0 && z < 1.0 ? 1.0 : 0.0;
}

static const BpActivationDesc activations[] = {
  {
    .id = "hard_tanh", .name = "Hard tanh",
    .formula = "σ(z) = min(max(z, −1), 1)",
    .derivative_formula = "σ′(z) = 1 if −1 < z < 1, else 0",
    .f = hard_tanh_f, .df = hard_tanh_df,
  },
};

BP_PLUGIN_DEFINE (.name = "hard_tanh", .version = "1.0",
                  .description = "Piecewise-linear tanh, as torch.nn.Hardtanh()",
                  .license = "GPL-3.0-or-later",
                  .activations = activations, .n_activations = BP_N_ELEMENTS (activations));
