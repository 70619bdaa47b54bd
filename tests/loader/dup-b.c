/* dup-b.c — provides "twin" too (refused: dup-a had it first). */
#include <math.h>
#include "backprop-plugin.h"

static double
fx_f (double z, const double *p)
{
  return 2.0 * z;
}

static double
fx_df (double z, double fz, const double *p)
{
  return 2.0;
}

static const BpActivationDesc activations[] = {
  { .id = "twin", .name = "twin", .formula = "f(z)", .f = fx_f, .df = fx_df },
};

BP_PLUGIN_DEFINE (.name = "dup_b", .version = "1.0",
                  .activations = activations, .n_activations = BP_N_ELEMENTS (activations));
