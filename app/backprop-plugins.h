/* backprop-plugins.h — plugin loading for the `backprop` program, and the
 * `backprop plugins` command.
 *
 * The app owns the policy (bp-plugin-loader does the work): one loader for
 * the process, filling the default registry, so that every command sees the
 * same plugins and `backprop plugins` can list the refused ones with their
 * reasons.
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
gboolean        bp_cli_load_plugins         (const char  *extra_path,
                                             GError     **error);

/* `backprop plugins [--plugin-path DIR]… [check FILE.so]`; argv[0] is the
 * command name.  Loads the plugins itself if bp_cli_load_plugins has not
 * been called.  Prints its own errors ("backprop: …", one line on stderr)
 * and returns the exit status: 0, 1 (failure; for check: the file would be
 * refused) or 2 (usage). */
int             bp_cli_plugins              (int          argc,
                                             char       **argv);

/* The same as a BpCliCommand of backprop.c: FALSE with a GError (usage
 * errors in BP_CLI_ERROR_USAGE; "check" on a file that would be refused in
 * BP_CLI_ERROR_FAILED, after the steps are printed). */
gboolean        bp_cli_plugins_run          (int          argc,
                                             char       **argv,
                                             GError     **error);

/* The process's loader, or NULL before bp_cli_load_plugins. */
BpPluginLoader *bp_cli_get_plugin_loader    (void);

/* If `error` says a model names an unknown activation, cost or optimizer
 * that a refused plugin provides, appends why that plugin was refused:
 * "…; activation “swish” is not available: it is provided by plugin
 * bp-swish.so, which was refused: …".  Otherwise leaves it alone. */
void            bp_cli_plugins_explain_error (GError     *error);

G_END_DECLS
