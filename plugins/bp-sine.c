/* bp-sine.c — the sine activation as a Backprop Studio plugin.
 *
 *   σ(z) = sin z
 *
 * Periodic, so it never saturates (SIREN-style networks use it).
 */
#include <math.h>

#include "backprop-plugin.h"

static double
sine_f (double z, const double *params)
{
  return sin (z);
}

static double
sine_df (double z, double fz, const double *params)
{
  /* cos z, not ±√(1 − sin²z): the sign is lost in the cheap form. */
  return cos (z);
}

static const BpActivationDesc activations[] = {
  {
    .id = "sine", .name = "Sine",
    .formula = "σ(z) = sin z",
    .derivative_formula = "σ′(z) = cos z",
    .f = sine_f, .df = sine_df,
  },
};

BP_PLUGIN_DEFINE (.name = "sine", .version = "1.0",
                  .description = "Sine activation, as torch.sin",
                  .license = "GPL-3.0-or-later",
                  .activations = activations, .n_activations = BP_N_ELEMENTS (activations));
