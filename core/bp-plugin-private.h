/* bp-plugin-private.h — what the files of the plugin library share and
 * nobody else sees:
 *
 *   bp-plugin-module.c  the in-process steps "file", "open", "symbol",
 *                       "descriptor", done alike by the scanner child and
 *                       by the host when it registers;
 *   bp-plugin-scan.c    starting the scanner and reading its verdict;
 *   bp-plugin-cache.c   the verdict cache.
 *
 * bp-plugin-loader.c puts them together.
 */
#pragma once

#include <gmodule.h>

#include "backprop-plugin.h"
#include "bp-plugin-scan.h"

G_BEGIN_DECLS

/* ------------------------------------------------------ bp-plugin-module.c */

/* A file's name for a message: its basename, escaped and cut (a file name
 * may be any bytes).  Free with g_free. */
char               *bp_plugin_module_shown_name (const char        *path);

/* Step "file": a readable regular file that starts like a shared object.
 * Runs no plugin code.  FALSE with BP_PLUGIN_ERROR_UNREADABLE or
 * _NOT_A_MODULE. */
gboolean            bp_plugin_module_probe      (const char        *path,
                                                 GError           **error);

/* Called as each step begins (the scanner writes it out at once, so that a
 * crash in the step is located). */
typedef void      (*BpPluginStepFunc)           (BpPluginStep       step,
                                                 gpointer           data);

/* Steps "open", "symbol" and "descriptor": opens `path` with every symbol
 * resolved now (a missing one fails "open" rather than crashing later) and
 * asks it for its descriptor.  `announce` may be NULL.  `resident`: the
 * module is made resident as soon as it is open (the scanner never unloads
 * plugin code); otherwise it is closed again on failure, and on success
 * `*module` is the caller's to keep or close.  NULL on failure, with
 * `*failed` the step and `error` set (BP_PLUGIN_ERROR_OPEN, _SYMBOL or
 * _DESCRIPTOR).  The descriptor belongs to the module. */
const BpPluginDesc *bp_plugin_module_open       (const char        *path,
                                                 BpPluginStepFunc   announce,
                                                 gpointer           data,
                                                 gboolean           resident,
                                                 GModule          **module,
                                                 BpPluginStep      *failed,
                                                 GError           **error);

/* -------------------------------------------------------- bp-plugin-scan.c */

/* Runs `scanner` on `path` (already through the "file" step) and waits at
 * most `timeout` seconds for its verdict.  Never NULL: a crash, a time-out
 * or a scanner that cannot run is the returned scan's error.  `*started`:
 * whether a process was started.  Free with bp_plugin_scan_free. */
BpPluginScan       *bp_plugin_scan_spawn        (const char        *scanner,
                                                 const char        *path,
                                                 double             timeout,
                                                 gboolean          *started);

/* ------------------------------------------------------- bp-plugin-cache.c */

/* What identifies one version of a file: a cached verdict holds only
 * while all of these are unchanged. */
typedef struct
{
  gint64  size;
  gint64  mtime;
  gint64  mtime_ns;
  guint64 inode;
} BpPluginFileId;

typedef struct _BpPluginCache BpPluginCache;

/* FALSE if `path` cannot be stat()ed. */
gboolean            bp_plugin_cache_file_id     (const char           *path,
                                                 BpPluginFileId       *id);

/* A cache kept in the key file `file`, read on first use.  Free with
 * bp_plugin_cache_free, which saves it first. */
BpPluginCache      *bp_plugin_cache_new         (const char           *file);
void                bp_plugin_cache_free        (BpPluginCache        *cache);
/* Lookup, store and save do nothing on a NULL cache (no cache file).
 * Writes what was stored since the last save, if anything.  A cache that
 * cannot be written only costs a scan next time: no error. */
void                bp_plugin_cache_save        (BpPluginCache        *cache);
/* The verdict stored for this version of `path` by this host, or NULL
 * (also for a NULL `cache`: no cache).  Free with bp_plugin_scan_free. */
BpPluginScan       *bp_plugin_cache_lookup      (BpPluginCache        *cache,
                                                 const char           *path,
                                                 const BpPluginFileId *id);
/* Replaces what is stored for scan->path; written by the next save. */
void                bp_plugin_cache_store       (BpPluginCache        *cache,
                                                 const BpPluginScan   *scan,
                                                 const BpPluginFileId *id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BpPluginCache, bp_plugin_cache_free)

G_END_DECLS
