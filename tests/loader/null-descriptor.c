/* null-descriptor.c — refused: the entry point returns NULL. */
#include "backprop-plugin.h"

BP_PLUGIN_EXPORT const BpPluginDesc *bp_plugin_get_descriptor (void);

BP_PLUGIN_EXPORT const BpPluginDesc *
bp_plugin_get_descriptor (void)
{
  return NULL;
}
