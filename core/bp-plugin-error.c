/* bp-plugin-error.c — the BP_PLUGIN_ERROR domain and the names of the
 * steps and codes (see bp-plugin-error.h).  The names are part of the
 * scanner protocol and of the verdict cache: do not change them.
 */
#include "bp-plugin-error.h"
#include "bp-registry.h"

G_DEFINE_QUARK (bp-plugin-error-quark, bp_plugin_error)

static const char *const step_names[BP_PLUGIN_N_STEPS] = {
  [BP_PLUGIN_STEP_FILE] = "file",
  [BP_PLUGIN_STEP_OPEN] = "open",
  [BP_PLUGIN_STEP_SYMBOL] = "symbol",
  [BP_PLUGIN_STEP_DESCRIPTOR] = "descriptor",
  [BP_PLUGIN_STEP_ABI] = "abi",
  [BP_PLUGIN_STEP_FIELDS] = "fields",
  [BP_PLUGIN_STEP_IDS] = "ids",
  [BP_PLUGIN_STEP_NUMERIC] = "numeric",
  [BP_PLUGIN_STEP_REGISTER] = "register",
};

static const char *const error_names[] = {
  [BP_PLUGIN_ERROR_OPEN] = "OPEN",
  [BP_PLUGIN_ERROR_SYMBOL] = "SYMBOL",
  [BP_PLUGIN_ERROR_DESCRIPTOR] = "DESCRIPTOR",
  [BP_PLUGIN_ERROR_ABI] = "ABI",
  [BP_PLUGIN_ERROR_FIELD] = "FIELD",
  [BP_PLUGIN_ERROR_DUPLICATE_ID] = "DUPLICATE_ID",
  [BP_PLUGIN_ERROR_NUMERIC] = "NUMERIC",
  [BP_PLUGIN_ERROR_CRASH] = "CRASH",
  [BP_PLUGIN_ERROR_TIMEOUT] = "TIMEOUT",
  [BP_PLUGIN_ERROR_NOT_A_MODULE] = "NOT_A_MODULE",
  [BP_PLUGIN_ERROR_UNREADABLE] = "UNREADABLE",
  [BP_PLUGIN_ERROR_SCANNER] = "SCANNER",
};

/* The index of `name` in `names`, or -1. */
static int
name_index (const char *const *names,
            guint               n,
            const char         *name)
{
  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (names[i], name) == 0)
      return (int) i;
  return -1;
}

const char *
bp_plugin_step_to_string (BpPluginStep step)
{
  g_return_val_if_fail (step < BP_PLUGIN_N_STEPS, "unknown");
  return step_names[step];
}

gboolean
bp_plugin_step_from_string (const char   *name,
                            BpPluginStep *step)
{
  int i = name_index (step_names, G_N_ELEMENTS (step_names), name);

  if (i < 0)
    return FALSE;
  *step = (BpPluginStep) i;
  return TRUE;
}

const char *
bp_plugin_error_to_string (BpPluginError code)
{
  g_return_val_if_fail ((guint) code < G_N_ELEMENTS (error_names), "UNKNOWN");
  return error_names[code];
}

gboolean
bp_plugin_error_from_string (const char    *name,
                             BpPluginError *code)
{
  int i = name_index (error_names, G_N_ELEMENTS (error_names), name);

  if (i < 0)
    return FALSE;
  *code = (BpPluginError) i;
  return TRUE;
}

GError *
bp_plugin_error_from_registry (const GError *e)
{
  BpPluginError code = BP_PLUGIN_ERROR_FIELD;

  if (e->domain == BP_REGISTRY_ERROR)
    switch ((BpRegistryError) e->code)
      {
      case BP_REGISTRY_ERROR_ABI:
        code = BP_PLUGIN_ERROR_ABI;
        break;
      case BP_REGISTRY_ERROR_FIELD:
        code = BP_PLUGIN_ERROR_FIELD;
        break;
      case BP_REGISTRY_ERROR_DUPLICATE_ID:
        code = BP_PLUGIN_ERROR_DUPLICATE_ID;
        break;
      default:
        break;
      }
  return g_error_new_literal (BP_PLUGIN_ERROR, code, e->message);
}

BpPluginStep
bp_plugin_error_get_step (const GError *e)
{
  switch (e->code)
    {
    case BP_PLUGIN_ERROR_ABI:
      return BP_PLUGIN_STEP_ABI;
    case BP_PLUGIN_ERROR_DUPLICATE_ID:
      return BP_PLUGIN_STEP_IDS;
    default:
      return BP_PLUGIN_STEP_FIELDS;
    }
}
