/* bp-plugin-error.h — the BP_PLUGIN_ERROR domain and the steps a plugin
 * goes through, shared by the loader (bp-plugin-loader.h), the scanner
 * protocol (bp-plugin-scan.h) and the numeric check (bp-plugin-check.h).
 *
 * It sits below all three so that none of them has to include another to
 * report an error: the check fails with BP_PLUGIN_ERROR_NUMERIC without
 * knowing about the loader that runs it.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BP_PLUGIN_ERROR (bp_plugin_error_quark ())
GQuark bp_plugin_error_quark (void);

/* Why a plugin was refused; each code belongs to one step. */
typedef enum
{
  BP_PLUGIN_ERROR_OPEN,          /* open: the dynamic loader refused it */
  BP_PLUGIN_ERROR_SYMBOL,        /* symbol: no BP_PLUGIN_SYMBOL exported */
  BP_PLUGIN_ERROR_DESCRIPTOR,    /* descriptor: it returned NULL */
  BP_PLUGIN_ERROR_ABI,           /* abi: major differs or minor is newer */
  BP_PLUGIN_ERROR_FIELD,         /* fields: a required field missing or invalid */
  BP_PLUGIN_ERROR_DUPLICATE_ID,  /* ids: an id twice, or already registered */
  BP_PLUGIN_ERROR_NUMERIC,       /* numeric: a derivative or optimizer is wrong */
  BP_PLUGIN_ERROR_CRASH,         /* the scanner died (a signal) or exited without a verdict */
  BP_PLUGIN_ERROR_TIMEOUT,       /* the scanner did not finish in time and was killed */
  BP_PLUGIN_ERROR_NOT_A_MODULE,  /* file: not a shared object */
  BP_PLUGIN_ERROR_UNREADABLE,    /* file: missing, unreadable, a directory, a dangling link */
  BP_PLUGIN_ERROR_SCANNER,       /* the scanner program itself could not be run */
} BpPluginError;

typedef enum
{
  BP_PLUGIN_STEP_FILE,
  BP_PLUGIN_STEP_OPEN,
  BP_PLUGIN_STEP_SYMBOL,
  BP_PLUGIN_STEP_DESCRIPTOR,
  BP_PLUGIN_STEP_ABI,
  BP_PLUGIN_STEP_FIELDS,
  BP_PLUGIN_STEP_IDS,
  BP_PLUGIN_STEP_NUMERIC,
  BP_PLUGIN_STEP_REGISTER,
  BP_PLUGIN_N_STEPS
} BpPluginStep;

/* "file", "open", … "register" (static strings). */
const char *bp_plugin_step_to_string    (BpPluginStep   step);
/* The step named `name` ("file" … "register"); FALSE if none is. */
gboolean    bp_plugin_step_from_string  (const char    *name,
                                         BpPluginStep  *step);
/* "OPEN", "SYMBOL", … "SCANNER" (the enum name without its prefix; static). */
const char *bp_plugin_error_to_string   (BpPluginError  code);
gboolean    bp_plugin_error_from_string (const char    *name,
                                         BpPluginError *code);

/* A BP_REGISTRY_ERROR from bp_registry_add_plugin or _validate_plugin as a
 * BP_PLUGIN_ERROR with the same message (ABI, FIELD, DUPLICATE_ID; any
 * other error becomes FIELD).  Free with g_error_free. */
GError     *bp_plugin_error_from_registry (const GError *registry_error);
/* The step a BP_PLUGIN_ERROR made by bp_plugin_error_from_registry belongs
 * to: "abi", "ids" or "fields". */
BpPluginStep bp_plugin_error_get_step     (const GError *error);

G_END_DECLS
