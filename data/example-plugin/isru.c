/* isru.c — the inverse square root unit, an out-of-tree Backprop Studio
 * plugin: f(z) = z / √(1 + αz²), f′(z) = (1 / √(1 + αz²))³ = (f(z)/z)³. */
#include <math.h>
#include <backprop-plugin.h>

static double
isru_f (double z, const double *p)
{
  return z / sqrt (1.0 + p[0] * z * z);
}

static double
isru_df (double z, double fz, const double *p)
{
  double s = 1.0 / sqrt (1.0 + p[0] * z * z);

  return s * s * s;
}

static const BpParamSpec isru_params[] = {
  { "alpha", "how soon f saturates at ±1/√α", 1.0, 1e-6, 1e6 },
};

static const BpActivationDesc activations[] = {
  { .id = "isru", .name = "ISRU",
    .formula = "f(z) = z/√(1 + αz²)",
    .derivative_formula = "f′(z) = (1/√(1 + αz²))³",
    .params = isru_params, .n_params = BP_N_ELEMENTS (isru_params),
    .f = isru_f, .df = isru_df },
};

BP_PLUGIN_DEFINE (.name = "isru", .version = "1.0",
                  .description = "Inverse square root unit (example plugin)",
                  .license = "MIT",
                  .activations = activations, .n_activations = BP_N_ELEMENTS (activations));
