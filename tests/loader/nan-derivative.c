/* nan-derivative.c — refused: the derivative is NaN for z > 10. */
#include <math.h>
#include "backprop-plugin.h"

static double
fx_f (double z, const double *p)
{
  return tanh (z);
}

static double
fx_df (double z, double fz, const double *p)
{
  return z > 10.0 ? NAN : 1.0 - fz * fz;
}

static const BpActivationDesc activations[] = {
  { .id = "nan_deriv", .name = "nan_deriv", .formula = "f(z)", .f = fx_f, .df = fx_df },
};

BP_PLUGIN_DEFINE (.name = "nan_derivative", .version = "1.0",
                  .activations = activations, .n_activations = BP_N_ELEMENTS (activations));
