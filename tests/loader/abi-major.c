/* abi-major.c — refused: built for ABI major 2 (the host has 1). */
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
  { .id = "future_major", .name = "future", .formula = "f(z) = z", .f = fx_f, .df = fx_df },
};

/* Written out instead of BP_PLUGIN_DEFINE, which always sets the host's ABI. */
static const BpPluginDesc desc = {
  .abi_major = BP_PLUGIN_ABI_MAJOR + 1, .abi_minor = 0,
  .name = "abi_major", .version = "1.0",
  .activations = activations, .n_activations = BP_N_ELEMENTS (activations),
};

BP_PLUGIN_EXPORT const BpPluginDesc *bp_plugin_get_descriptor (void);

BP_PLUGIN_EXPORT const BpPluginDesc *
bp_plugin_get_descriptor (void)
{
  return &desc;
}
