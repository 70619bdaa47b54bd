/* wrong-derivative.c — refused: swish with a wrong derivative. */
#include <math.h>
#include "backprop-plugin.h"

static double
fx_f (double z, const double *p)
{
  return z / (1.0 + exp (-z));
}

static double
fx_df (double z, double fz, const double *p)
{
  return 1.0 / (1.0 + exp (-z));  /* forgets the z·σ′(z) term */
}

static const BpActivationDesc activations[] = {
  { .id = "wrong_swish", .name = "wrong_swish", .formula = "f(z)", .f = fx_f, .df = fx_df },
};

BP_PLUGIN_DEFINE (.name = "wrong_derivative", .version = "1.0",
                  .activations = activations, .n_activations = BP_N_ELEMENTS (activations));
