/* empty-id.c — refused: an activation with an empty id. */
#include "backprop-plugin.h"

static double
fx_f (double z, const double *p)
{
  return z;
}

static double
fx_df (double z, double fz, const double *p)
{
  return 1.0;
}

static const BpActivationDesc activations[] = {
  { .id = "", .name = "nameless", .formula = "f(z) = z", .f = fx_f, .df = fx_df },
};

BP_PLUGIN_DEFINE (.name = "empty_id", .version = "1.0",
                  .activations = activations, .n_activations = BP_N_ELEMENTS (activations));
