/* abi-minor.c — refused: built for ABI 1.(minor + 1), newer than the host. */
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
  { .id = "future_minor", .name = "future", .formula = "f(z) = z", .f = fx_f, .df = fx_df },
};

/* Written out instead of BP_PLUGIN_DEFINE, which always sets the host's ABI. */
static const BpPluginDesc desc = {
  .abi_major = BP_PLUGIN_ABI_MAJOR, .abi_minor = BP_PLUGIN_ABI_MINOR + 1,
  .name = "abi_minor", .version = "1.0",
  .activations = activations, .n_activations = BP_N_ELEMENTS (activations),
};

BP_PLUGIN_EXPORT const BpPluginDesc *bp_plugin_get_descriptor (void);

BP_PLUGIN_EXPORT const BpPluginDesc *
bp_plugin_get_descriptor (void)
{
  return &desc;
}
