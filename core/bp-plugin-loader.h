/* bp-plugin-loader.h — finds plugin files, checks each one in a short-lived
 * child process, and registers those that pass.
 *
 * Search path (the first file of a given name wins; later files of the same
 * name are not looked at):
 *   1. directories added with bp_plugin_loader_add_search_path (the CLI's
 *      --plugin-path), in the order added;
 *   2. $BACKPROP_PLUGIN_PATH (G_SEARCHPATH_SEPARATOR-separated);
 *   3. g_get_user_data_dir()/backprop-studio/plugins;
 *   4. the build tree's plugins/ directory, only when this executable lives
 *      in the build tree (an uninstalled run uses the plugins built with it
 *      rather than an older installed set);
 *   5. the installed plugin directory (BP_PLUGINDIR).
 * Only files ending in "." G_MODULE_SUFFIX are candidates.
 *
 * Each candidate goes step by step and stops at the first failure, which is
 * recorded as a per-plugin GError (BP_PLUGIN_ERROR):
 *   file → open → symbol → descriptor → ABI → fields → ids → numeric → register
 * "file" is checked in-process (readable, a shared object).  "open" to
 * "numeric" run in the scanner (backprop-plugin-scanner, found through
 * $BACKPROP_PLUGIN_SCANNER, then the build tree when uninstalled, then
 * libexecdir), which prints one verdict; a crash or a time-out
 * ($BACKPROP_PLUGIN_SCAN_TIMEOUT seconds, default 10) there only costs the
 * child.  Verdicts are cached in g_get_user_cache_dir()/backprop-studio/
 * plugin-scan.ini under the file's path, size, mtime and inode, so an
 * unchanged file is not scanned again.  After an OK verdict the host opens
 * the file itself and registers it with bp_registry_add_plugin, which checks
 * the ABI, the fields and the ids again against the live registry (a plugin
 * whose id an earlier plugin took is refused there).
 *
 * Nothing a plugin prints while the host opens and registers it reaches
 * standard output (where `backprop trace` writes its JSON): file
 * descriptor 1 points at a temporary file meanwhile, and what arrived there
 * is kept in the record (BpPluginRecord.printed) for the caller to report,
 * naming the plugin.
 *
 * A search-path directory that cannot be read is skipped, and said: each
 * gives one line from bp_plugin_loader_get_warnings (a default directory
 * that does not exist is normal and gives none).
 *
 * The files: bp-plugin-error.h (the error domain and the steps),
 * bp-plugin-module.c (the steps "file" to "descriptor", in whichever
 * process opens the plugin), bp-plugin-scan.{c,h} (the scanner child and
 * its protocol), bp-plugin-cache.c (the verdicts), bp-plugin-loader.c (the
 * search path, the records, registering), bp-plugin-check*.c (the numeric
 * step).
 *
 * A loader is not thread-safe; use it from one thread.
 */
#pragma once

#include "bp-plugin-error.h"
#include "bp-plugin-scan.h"
#include "bp-registry.h"

G_BEGIN_DECLS

/* What is known about one plugin file. */
typedef struct
{
  char               *path;
  char               *name;       /* the descriptor's name, or NULL if not reached */
  char               *version;    /* the descriptor's version, or NULL */
  const BpPluginDesc *desc;       /* loaded: the registered descriptor; refused: NULL */
  GError             *error;      /* refused: why (BP_PLUGIN_ERROR); loaded: NULL */
  BpPluginStep        step;       /* loaded: REGISTER; refused: the step that failed */
  char              **features;   /* "activation swish", "cost huber", … as far as the
                                   * scan got (NULL-terminated, maybe empty) */
  gboolean            from_cache; /* the verdict came from the cache, not a scan */
  char               *printed;    /* what it wrote on standard output while the host
                                   * loaded it (kept off stdout: see below), escaped
                                   * and cut for a message; NULL if nothing */
} BpPluginRecord;

typedef struct _BpPluginLoader BpPluginLoader;

/* `reg` NULL: the default registry.  The loader does not own `reg`. */
BpPluginLoader       *bp_plugin_loader_new               (BpRegistry     *reg);
void                  bp_plugin_loader_free              (BpPluginLoader *loader);

/* An explicit directory, searched before the default ones. */
void                  bp_plugin_loader_add_search_path   (BpPluginLoader *loader,
                                                          const char     *dir);
/* FALSE: search only the explicit directories (tests).  Default TRUE. */
void                  bp_plugin_loader_set_use_default_path (BpPluginLoader *loader,
                                                             gboolean        use);
/* File names (basenames, "bp-swish.so") that bp_plugin_loader_load_all
 * passes over: not loaded, not recorded, so a later load_all without them
 * in the list loads them.  A skipped name still hides files of the same
 * name later in the search path (the first name wins, even when it is
 * switched off).  NULL: none.  The list is copied. */
void                  bp_plugin_loader_set_skip          (BpPluginLoader     *loader,
                                                          const char * const *basenames);
/* The directories searched, in order; free with g_strfreev. */
char                **bp_plugin_loader_get_search_path   (BpPluginLoader *loader);

/* Where verdicts are cached; NULL: no cache.  Default:
 * g_get_user_cache_dir()/backprop-studio/plugin-scan.ini. */
void                  bp_plugin_loader_set_cache_file    (BpPluginLoader *loader,
                                                          const char     *path);
/* The scanner program; NULL: the default (see above). */
void                  bp_plugin_loader_set_scanner       (BpPluginLoader *loader,
                                                          const char     *path);
const char           *bp_plugin_loader_get_scanner       (BpPluginLoader *loader);
/* Seconds the scanner may take for one file; ≤ 0: the default. */
void                  bp_plugin_loader_set_scan_timeout  (BpPluginLoader *loader,
                                                          double          seconds);

/* Loads every candidate of the search path not looked at yet.  A refused
 * plugin is recorded, never an error, and so is a directory that cannot be
 * read (bp_plugin_loader_get_warnings); FALSE (with the first of those
 * warnings) when one of them could not be read this time, every other
 * directory having been loaded all the same. */
gboolean              bp_plugin_loader_load_all          (BpPluginLoader *loader,
                                                          GError        **error);
/* Loads one file (its name need not be new).  FALSE with the same error the
 * record keeps. */
gboolean              bp_plugin_loader_load_file         (BpPluginLoader *loader,
                                                          const char     *path,
                                                          GError        **error);
/* Runs the file check and the scanner on `path`, fresh (no cache), and
 * reports how far it got.  Never NULL; free with bp_plugin_scan_free. */
BpPluginScan         *bp_plugin_loader_scan_file         (BpPluginLoader *loader,
                                                          const char     *path);

/* Every file looked at, loaded or refused, in order.  Owned by the loader. */
guint                 bp_plugin_loader_get_n_records     (BpPluginLoader *loader);
const BpPluginRecord *bp_plugin_loader_get_record        (BpPluginLoader *loader,
                                                          guint           i);
/* Loaded (record->desc != NULL) or refused records; free the array only. */
GPtrArray            *bp_plugin_loader_list_loaded       (BpPluginLoader *loader);
GPtrArray            *bp_plugin_loader_list_refused      (BpPluginLoader *loader);

/* The path of a refused plugin whose scan found a feature `id`, or NULL. */
const char           *bp_plugin_loader_find_provider_of  (BpPluginLoader *loader,
                                                          const char     *id);
/* "activation “swish” is not available: it is provided by plugin
 * bp-swish.so, which was refused: …", or NULL when no refused plugin is
 * known to provide `id`. */
char                 *bp_plugin_loader_explain_missing   (BpPluginLoader *loader,
                                                          const char     *id);

/* One line per search-path directory that could not be read ("cannot
 * read the plugin directory “DIR” (from $BACKPROP_PLUGIN_PATH): Permission
 * denied; its plugins are not loaded"), the same for every source of the
 * directory.  NULL-terminated, owned by the loader. */
const char * const   *bp_plugin_loader_get_warnings      (BpPluginLoader *loader);

/* What the user should be told about loading, each line once: the
 * warnings above, and "plugin NAME.so (PATH) wrote to standard output
 * while it was loaded; kept off standard output: “…”" — the lines not
 * taken before.  Free with g_strfreev (never NULL). */
char                **bp_plugin_loader_take_messages     (BpPluginLoader *loader);

/* How many times the scanner was started (a cached verdict starts none). */
guint                 bp_plugin_loader_get_n_scans       (BpPluginLoader *loader);

/* Is this executable running from the build tree? */
gboolean              bp_plugin_running_uninstalled      (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BpPluginLoader, bp_plugin_loader_free)

G_END_DECLS
