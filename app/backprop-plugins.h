/* backprop-plugins.h — plugin loading for the `backprop` program.
 *
 * The app owns the policy (bp-plugin-loader does the work): one loader for
 * the process, filling the default registry, so that every command sees the
 * same plugins and `backprop plugins` (backprop-plugins-command.c) can list
 * the refused ones with their reasons.
 */
#pragma once

#include <glib.h>

#include "bp-plugin-loader.h"

G_BEGIN_DECLS

/* Loads the plugins of the search path into the default registry; call
 * once at start-up, before a model is loaded.  `extra_path` (may be NULL) is
 * a G_SEARCHPATH_SEPARATOR-separated list of directories searched first.
 * A refused plugin is not an error (it is listed by `backprop plugins`),
 * nor is a directory that cannot be read: each such directory, and each
 * plugin that printed on standard output while it was loaded, gives one
 * "backprop: warning: …" line on stderr.  Returns TRUE.  Calling it
 * again adds `extra_path` and loads what is new. */
gboolean        backprop_plugins_load           (const char  *extra_path,
                                                 GError     **error);

/* The process's loader (owned by this file, for the life of the process),
 * or NULL before backprop_plugins_load. */
BpPluginLoader *backprop_plugins_get_loader     (void);

/* Prints the warnings `loader` has not said yet, one
 * "backprop: warning: …" line each on stderr. */
void            backprop_plugins_report_loading (BpPluginLoader *loader);

/* If `error` says a model names an unknown activation, cost or optimizer
 * that a refused plugin provides, appends why that plugin was refused:
 * "…; activation “swish” is not available: it is provided by plugin
 * bp-swish.so, which was refused: …".  Otherwise leaves it alone. */
void            backprop_plugins_explain_error  (GError         *error);

G_END_DECLS
