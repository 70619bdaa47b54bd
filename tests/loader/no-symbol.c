/* no-symbol.c — refused: exports no bp_plugin_get_descriptor (a typo). */
#include "backprop-plugin.h"

static const BpPluginDesc desc = {
  .abi_major = BP_PLUGIN_ABI_MAJOR, .abi_minor = BP_PLUGIN_ABI_MINOR,
  .name = "no_symbol", .version = "1.0",
};

BP_PLUGIN_EXPORT const BpPluginDesc *bp_plugin_get_descriptr (void);

BP_PLUGIN_EXPORT const BpPluginDesc *
bp_plugin_get_descriptr (void)
{
  return &desc;
}
