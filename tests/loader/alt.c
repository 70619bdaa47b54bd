/* alt.c — another valid plugin: f(z) = z / (1 + |z|). */
#include <math.h>
#include "backprop-plugin.h"

static double
alt_f (double z, const double *p)
{
  return z / (1.0 + fabs (z));
}

static double
alt_df (double z, double fz, const double *p)
{
  return 1.0 / ((1.0 + fabs (z)) * (1.0 + fabs (z)));
}

static const BpActivationDesc activations[] = {
  { .id = "alt_softsign", .name = "Softsign (test copy)", .formula = "f(z) = z/(1 + |z|)",
    .f = alt_f, .df = alt_df },
};

BP_PLUGIN_DEFINE (.name = "loader_alt", .version = "2.0",
                  .activations = activations, .n_activations = BP_N_ELEMENTS (activations));
