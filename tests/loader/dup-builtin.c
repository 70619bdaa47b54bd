/* dup-builtin.c — refused: its id "relu" is a built-in. */
#include <math.h>
#include "backprop-plugin.h"

static double
fx_f (double z, const double *p)
{
  return z > 0 ? z : 0.0;
}

static double
fx_df (double z, double fz, const double *p)
{
  return z > 0 ? 1.0 : 0.0;
}

static const BpActivationDesc activations[] = {
  { .id = "relu", .name = "relu", .formula = "f(z)", .f = fx_f, .df = fx_df },
};

BP_PLUGIN_DEFINE (.name = "dup_builtin", .version = "1.0",
                  .activations = activations, .n_activations = BP_N_ELEMENTS (activations));
