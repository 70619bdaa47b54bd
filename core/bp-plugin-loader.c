/* bp-plugin-loader.c — the host side of plugin loading (see
 * bp-plugin-loader.h): the search path, and for each candidate the steps
 * in order, stopping at the first failure (libpeas's peas-engine.c):
 *
 *   file      bp_plugin_module_probe, in-process (runs no plugin code);
 *   open …    a cached verdict (bp-plugin-cache.c), or the scanner child
 *   numeric   (bp-plugin-scan.c), where a crash costs only the child;
 *   register  bp_plugin_module_open here, then bp_registry_add_plugin,
 *             with standard output guarded.
 *
 * Every file looked at leaves a record, loaded or refused with its GError.
 */
#include "config.h"
#include "bp-plugin-loader.h"
#include "bp-plugin-private.h"
#include "bp-util.h"

#include <dirent.h>
#include <glib/gi18n-lib.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Seconds the scanner may take for one file, unless told otherwise. */
#define DEFAULT_TIMEOUT     10.0
/* Longer than any honest scan: a $BACKPROP_PLUGIN_SCAN_TIMEOUT beyond it
 * is taken for a mistake and ignored. */
#define MAX_TIMEOUT         3600.0
/* What a plugin printed while it was loaded is kept up to this many bytes,
 * and shown up to this many characters (the total size is said). */
#define PRINTED_MAX_BYTES   4096
#define PRINTED_MAX_CHARS   200
/* A directory or a path in a message is cut to this many characters. */
#define SHOWN_PATH_CHARS    200

struct _BpPluginLoader
{
  BpRegistry    *reg;
  GPtrArray     *extra_dirs;       /* char* */
  gboolean       use_default_path;
  BpPluginCache *cache;            /* NULL: no cache */
  char          *scanner;
  GPtrArray     *warnings;         /* char*, NULL-terminated */
  char         **skip;             /* basenames load_all passes over, or NULL */
  guint          n_warnings_taken;
  guint          n_records_taken;  /* records whose `printed` was taken */
  double         timeout;          /* ≤ 0: the default */
  GPtrArray     *records;          /* Record* */
  GHashTable    *seen;             /* basename → record */
  guint          n_scans;
};

typedef struct
{
  BpPluginRecord pub;           /* first: a Record* is a BpPluginRecord* */
  GModule       *module;
} Record;

static double
scan_timeout (BpPluginLoader *loader)
{
  const char *env;

  if (loader->timeout > 0)
    return loader->timeout;
  env = g_getenv ("BACKPROP_PLUGIN_SCAN_TIMEOUT");
  if (env != NULL && env[0] != '\0')
    {
      char *end = NULL;
      double v = g_ascii_strtod (env, &end);

      if (end != env && *end == '\0' && v > 0 && v < MAX_TIMEOUT)
        return v;
    }
  return DEFAULT_TIMEOUT;
}

/* Steps "open" to "numeric" in the scanner child, counted. */
static BpPluginScan *
scan_file (BpPluginLoader *loader,
           const char     *path)
{
  gboolean started = FALSE;
  BpPluginScan *scan = bp_plugin_scan_spawn (bp_plugin_loader_get_scanner (loader), path,
                                             scan_timeout (loader), &started);

  if (started)
    loader->n_scans++;
  return scan;
}

static void
record_free (gpointer data)
{
  Record *r = data;

  g_free (r->pub.path);
  g_free (r->pub.name);
  g_free (r->pub.version);
  g_free (r->pub.printed);
  g_clear_error (&r->pub.error);
  g_strfreev (r->pub.features);
  /* r->module stays open: registered descriptors point into it. */
  g_free (r);
}

BpPluginLoader *
bp_plugin_loader_new (BpRegistry *reg)
{
  BpPluginLoader *loader = g_new0 (BpPluginLoader, 1);
  g_autofree char *cache_file = g_build_filename (g_get_user_cache_dir (), "backprop-studio",
                                                  "plugin-scan.ini", NULL);

  loader->reg = reg != NULL ? reg : bp_registry_get_default ();
  loader->extra_dirs = g_ptr_array_new_with_free_func (g_free);
  loader->use_default_path = TRUE;
  loader->cache = bp_plugin_cache_new (cache_file);
  loader->records = g_ptr_array_new_with_free_func (record_free);
  loader->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  loader->warnings = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (loader->warnings, NULL);
  return loader;
}

void
bp_plugin_loader_free (BpPluginLoader *loader)
{
  if (loader == NULL)
    return;
  g_clear_pointer (&loader->cache, bp_plugin_cache_free);
  g_ptr_array_unref (loader->extra_dirs);
  g_free (loader->scanner);
  g_ptr_array_unref (loader->records);
  g_hash_table_unref (loader->seen);
  g_ptr_array_unref (loader->warnings);
  g_strfreev (loader->skip);
  g_free (loader);
}

void
bp_plugin_loader_add_search_path (BpPluginLoader *loader,
                                  const char     *dir)
{
  g_return_if_fail (loader != NULL && dir != NULL);
  g_ptr_array_add (loader->extra_dirs, g_strdup (dir));
}

void
bp_plugin_loader_set_skip (BpPluginLoader     *loader,
                           const char * const *basenames)
{
  g_return_if_fail (loader != NULL);
  g_strfreev (loader->skip);
  loader->skip = basenames != NULL ? g_strdupv ((char **) basenames) : NULL;
}

void
bp_plugin_loader_set_use_default_path (BpPluginLoader *loader,
                                       gboolean        use)
{
  g_return_if_fail (loader != NULL);
  loader->use_default_path = use;
}

void
bp_plugin_loader_set_cache_file (BpPluginLoader *loader,
                                 const char     *path)
{
  g_return_if_fail (loader != NULL);
  g_clear_pointer (&loader->cache, bp_plugin_cache_free);
  if (path != NULL)
    loader->cache = bp_plugin_cache_new (path);
}

void
bp_plugin_loader_set_scanner (BpPluginLoader *loader,
                              const char     *path)
{
  g_return_if_fail (loader != NULL);
  g_free (loader->scanner);
  loader->scanner = g_strdup (path);
}

const char *
bp_plugin_loader_get_scanner (BpPluginLoader *loader)
{
  const char *env;

  g_return_val_if_fail (loader != NULL, NULL);
  if (loader->scanner == NULL)
    {
      env = g_getenv ("BACKPROP_PLUGIN_SCANNER");
      if (env != NULL && env[0] != '\0')
        loader->scanner = g_strdup (env);
      else if (bp_plugin_running_uninstalled ())
        loader->scanner = g_strdup (BP_BUILD_PLUGIN_SCANNER);
      else
        loader->scanner = g_strdup (BP_PLUGIN_SCANNER);
    }
  return loader->scanner;
}

void
bp_plugin_loader_set_scan_timeout (BpPluginLoader *loader,
                                   double          seconds)
{
  g_return_if_fail (loader != NULL);
  loader->timeout = seconds;
}

gboolean
bp_plugin_running_uninstalled (void)
{
  static gsize once;
  static gboolean uninstalled;

  if (g_once_init_enter (&once))
    {
      char *exe = realpath ("/proc/self/exe", NULL);
      char *root = realpath (BP_BUILD_ROOT, NULL);

      if (exe != NULL && root != NULL)
        {
          g_autofree char *prefix = g_strconcat (root, G_DIR_SEPARATOR_S, NULL);

          uninstalled = g_str_has_prefix (exe, prefix);
        }
      free (exe);
      free (root);
      g_once_init_leave (&once, 1);
    }
  return uninstalled;
}

char **
bp_plugin_loader_get_search_path (BpPluginLoader *loader)
{
  GPtrArray *dirs = g_ptr_array_new ();

  g_return_val_if_fail (loader != NULL, NULL);

  for (guint i = 0; i < loader->extra_dirs->len; i++)
    g_ptr_array_add (dirs, g_strdup (g_ptr_array_index (loader->extra_dirs, i)));
  if (loader->use_default_path)
    {
      const char *env = g_getenv ("BACKPROP_PLUGIN_PATH");

      if (env != NULL)
        {
          g_auto(GStrv) parts = g_strsplit (env, G_SEARCHPATH_SEPARATOR_S, -1);

          for (guint i = 0; parts[i] != NULL; i++)
            if (parts[i][0] != '\0')
              g_ptr_array_add (dirs, g_strdup (parts[i]));
        }
      g_ptr_array_add (dirs, g_build_filename (g_get_user_data_dir (), "backprop-studio",
                                               "plugins", NULL));
      if (bp_plugin_running_uninstalled ())
        g_ptr_array_add (dirs, g_strdup (BP_BUILD_PLUGINDIR));
      g_ptr_array_add (dirs, g_strdup (BP_PLUGINDIR));
    }
  g_ptr_array_add (dirs, NULL);
  return (char **) g_ptr_array_free (dirs, FALSE);
}

static Record *
record_new (BpPluginLoader *loader,
            const char     *path)
{
  Record *r = g_new0 (Record, 1);

  r->pub.path = g_strdup (path);
  r->pub.features = g_new0 (char *, 1);
  g_ptr_array_add (loader->records, r);
  return r;
}

static void
record_take_scan (Record       *r,
                  BpPluginScan *scan)
{
  g_free (r->pub.name);
  g_free (r->pub.version);
  g_strfreev (r->pub.features);
  r->pub.name = g_steal_pointer (&scan->name);
  r->pub.version = g_steal_pointer (&scan->version);
  r->pub.features = g_steal_pointer (&scan->features);
  if (r->pub.features == NULL)
    r->pub.features = g_new0 (char *, 1);
}

static gboolean
record_refuse (Record        *r,
               BpPluginStep   step,
               const GError  *why,
               GError       **error)
{
  g_clear_error (&r->pub.error);
  r->pub.error = g_error_copy (why);
  r->pub.step = step;
  if (error != NULL)
    *error = g_error_copy (why);
  return FALSE;
}

/* Standard output kept away from a plugin's code: fd 1 points at a
 * temporary file between stdout_guard_begin and stdout_guard_end, and what
 * arrived there (printf or write) is returned.  The stdio buffer is
 * flushed on both sides, so our own output goes before and the plugin's
 * buffered printf lands in the file, not later on the real stdout. */
typedef struct
{
  int   saved;      /* the real fd 1, or −1 */
  FILE *capture;
} StdoutGuard;

static void
stdout_guard_begin (StdoutGuard *g)
{
  fflush (stdout);
  g->saved = -1;
  g->capture = tmpfile ();
  if (g->capture == NULL)
    return;
  g->saved = dup (STDOUT_FILENO);
  if (g->saved < 0 || dup2 (fileno (g->capture), STDOUT_FILENO) < 0)
    {
      if (g->saved >= 0)
        close (g->saved);
      g->saved = -1;
      g_clear_pointer (&g->capture, fclose);
    }
}

/* What was written, escaped and cut for a message, or NULL. */
static char *
stdout_guard_end (StdoutGuard *g)
{
  char buf[PRINTED_MAX_BYTES];
  size_t n;
  long size;

  if (g->capture == NULL)
    return NULL;
  fflush (stdout);
  dup2 (g->saved, STDOUT_FILENO);
  close (g->saved);
  size = ftell (g->capture);
  if (size <= 0)
    size = lseek (fileno (g->capture), 0, SEEK_END);
  rewind (g->capture);
  n = size > 0 ? fread (buf, 1, sizeof buf, g->capture) : 0;
  fclose (g->capture);
  if (n == 0)
    return NULL;
  {
    g_autofree char *shown = bp_shown (buf, (gssize) n, PRINTED_MAX_CHARS);

    if ((long) n < size)
      return g_strdup_printf ("%s (%ld bytes in all)", shown, size);
    return g_steal_pointer (&shown);
  }
}

static gboolean register_steps (BpPluginLoader *loader,
                                Record         *r,
                                GError        **error);

/* After an OK verdict: open it here and register it, with standard output
 * guarded (the constructor and the descriptor function are plugin code). */
static gboolean
register_in_process (BpPluginLoader *loader,
                     Record         *r,
                     GError        **error)
{
  StdoutGuard guard;
  gboolean ok;

  stdout_guard_begin (&guard);
  ok = register_steps (loader, r, error);
  g_free (r->pub.printed);
  r->pub.printed = stdout_guard_end (&guard);
  return ok;
}

static gboolean
register_steps (BpPluginLoader *loader,
                Record         *r,
                GError        **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(GError) reg_error = NULL;
  const BpPluginDesc *desc;
  GModule *module = NULL;
  BpPluginStep failed;

  /* Not resident yet: a plugin refused below is closed again. */
  desc = bp_plugin_module_open (r->pub.path, NULL, NULL, FALSE, &module, &failed, &local);
  if (desc == NULL)
    return record_refuse (r, failed, local, error);
  /* ABI, fields and ids again, now against everything registered so far
   * (earlier plugins included); all or nothing. */
  if (!bp_registry_add_plugin (loader->reg, desc, r->pub.path, &reg_error))
    {
      local = bp_plugin_error_from_registry (reg_error);
      g_module_close (module);
      return record_refuse (r, bp_plugin_error_get_step (local), local, error);
    }

  g_module_make_resident (module);
  r->module = module;
  r->pub.desc = desc;
  r->pub.step = BP_PLUGIN_STEP_REGISTER;
  g_clear_error (&r->pub.error);
  return TRUE;
}

static gboolean
load_one (BpPluginLoader *loader,
          const char     *path,
          GError        **error)
{
  Record *r = record_new (loader, path);
  g_autoptr(GError) local = NULL;
  g_autoptr(BpPluginScan) scan = NULL;
  BpPluginFileId id;

  if (!bp_plugin_module_probe (path, &local) || !bp_plugin_cache_file_id (path, &id))
    {
      if (local == NULL)
        g_set_error (&local, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_UNREADABLE,
                     _("“%s” cannot be read"), path);
      return record_refuse (r, BP_PLUGIN_STEP_FILE, local, error);
    }

  scan = bp_plugin_cache_lookup (loader->cache, path, &id);
  if (scan != NULL)
    r->pub.from_cache = TRUE;
  else
    {
      scan = scan_file (loader, path);
      /* A scanner that could not run says nothing about the plugin. */
      if (scan->error == NULL || scan->error->code != BP_PLUGIN_ERROR_SCANNER)
        bp_plugin_cache_store (loader->cache, scan, &id);
    }

  record_take_scan (r, scan);
  if (scan->error != NULL)
    return record_refuse (r, scan->reached, scan->error, error);
  return register_in_process (loader, r, error);
}

gboolean
bp_plugin_loader_load_file (BpPluginLoader *loader,
                            const char     *path,
                            GError        **error)
{
  gboolean ok;

  g_return_val_if_fail (loader != NULL && path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_hash_table_replace (loader->seen, g_path_get_basename (path), GINT_TO_POINTER (1));
  ok = load_one (loader, path, error);
  bp_plugin_cache_save (loader->cache);
  return ok;
}

static gint
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static gboolean
is_candidate (const char *name)
{
  return name[0] != '.' && g_str_has_suffix (name, "." G_MODULE_SUFFIX)
         && strlen (name) > strlen ("." G_MODULE_SUFFIX);
}

/* How many directories $BACKPROP_PLUGIN_PATH adds to the search path (as
 * bp_plugin_loader_get_search_path splits it). */
static guint
n_env_dirs (BpPluginLoader *loader)
{
  const char *env = g_getenv ("BACKPROP_PLUGIN_PATH");
  g_auto(GStrv) parts = NULL;
  guint n = 0;

  if (!loader->use_default_path || env == NULL)
    return 0;
  parts = g_strsplit (env, G_SEARCHPATH_SEPARATOR_S, -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (parts[i][0] != '\0')
      n++;
  return n;
}

const char * const *
bp_plugin_loader_get_warnings (BpPluginLoader *loader)
{
  g_return_val_if_fail (loader != NULL, NULL);
  return (const char * const *) loader->warnings->pdata;
}

char **
bp_plugin_loader_take_messages (BpPluginLoader *loader)
{
  GPtrArray *out = g_ptr_array_new ();

  g_return_val_if_fail (loader != NULL, NULL);
  for (; loader->n_warnings_taken < loader->warnings->len - 1; loader->n_warnings_taken++)
    g_ptr_array_add (out, g_strdup (g_ptr_array_index (loader->warnings, loader->n_warnings_taken)));
  for (; loader->n_records_taken < loader->records->len; loader->n_records_taken++)
    {
      const Record *r = g_ptr_array_index (loader->records, loader->n_records_taken);
      g_autofree char *base = NULL;
      g_autofree char *path = NULL;

      if (r->pub.printed == NULL)
        continue;
      base = bp_plugin_module_shown_name (r->pub.path);
      path = bp_shown (r->pub.path, -1, SHOWN_PATH_CHARS);
      g_ptr_array_add (out, g_strdup_printf (_("plugin %s (%s) wrote to standard output while it "
                                               "was loaded; kept off standard output: “%s”"),
                                             base, path, r->pub.printed));
    }
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

gboolean
bp_plugin_loader_load_all (BpPluginLoader *loader,
                           GError        **error)
{
  g_auto(GStrv) dirs = NULL;
  g_autoptr(GHashTable) skipped = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gboolean ok = TRUE;
  guint n_explicit;

  g_return_val_if_fail (loader != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  dirs = bp_plugin_loader_get_search_path (loader);
  n_explicit = loader->extra_dirs->len + n_env_dirs (loader);
  for (guint d = 0; dirs[d] != NULL; d++)
    {
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      /* opendir, not g_dir_open: the errno says whether it is missing. */
      DIR *dir = opendir (dirs[d]);
      int saved = errno;
      struct dirent *entry;

      if (dir == NULL)
        {
          gboolean env_dir = d >= loader->extra_dirs->len && d < n_explicit;
          g_autofree char *shown = NULL;
          g_autofree char *warning = NULL;

          /* A default directory that does not exist is normal.  Any other
           * directory that cannot be read is said the same way, wherever
           * it was named: silence would leave only "unknown activation"
           * to explain a plugin that was never looked at. */
          if (d >= n_explicit && saved == ENOENT)
            continue;
          shown = bp_shown (dirs[d], -1, SHOWN_PATH_CHARS);
          warning = g_strdup_printf (_("cannot read the plugin directory “%s” (%s): %s; "
                                       "its plugins are not loaded"), shown,
                                     d < loader->extra_dirs->len ? _("from --plugin-path")
                                     : env_dir ? _("from $BACKPROP_PLUGIN_PATH")
                                     : _("a default directory"),
                                     g_strerror (saved));
          if (ok)
            g_set_error_literal (error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_UNREADABLE, warning);
          ok = FALSE;
          if (!g_strv_contains ((const char * const *) loader->warnings->pdata, warning))
            g_ptr_array_insert (loader->warnings, loader->warnings->len - 1,
                                g_steal_pointer (&warning));
          continue;
        }
      while ((entry = readdir (dir)) != NULL)
        if (is_candidate (entry->d_name))
          g_ptr_array_add (names, g_strdup (entry->d_name));
      closedir (dir);

      /* A fixed order: which of two clashing plugins wins must not depend
       * on the file system. */
      g_ptr_array_sort (names, compare_names);
      for (guint i = 0; i < names->len; i++)
        {
          const char *base = g_ptr_array_index (names, i);
          g_autofree char *path = NULL;

          if (g_hash_table_contains (loader->seen, base) || g_hash_table_contains (skipped, base))
            continue;  /* first name wins */
          if (loader->skip != NULL && g_strv_contains ((const char * const *) loader->skip, base))
            {
              g_hash_table_add (skipped, g_strdup (base));
              continue;
            }
          g_hash_table_add (loader->seen, g_strdup (base));
          path = g_build_filename (dirs[d], base, NULL);
          load_one (loader, path, NULL);
        }
    }
  bp_plugin_cache_save (loader->cache);
  return ok;
}

BpPluginScan *
bp_plugin_loader_scan_file (BpPluginLoader *loader,
                            const char     *path)
{
  g_autoptr(GError) local = NULL;
  BpPluginScan *scan;

  g_return_val_if_fail (loader != NULL && path != NULL, NULL);

  if (!bp_plugin_module_probe (path, &local))
    {
      scan = g_new0 (BpPluginScan, 1);
      scan->path = g_strdup (path);
      scan->reached = BP_PLUGIN_STEP_FILE;
      scan->features = g_new0 (char *, 1);
      scan->error = g_steal_pointer (&local);
      return scan;
    }
  scan = scan_file (loader, path);
  if (scan->features == NULL)
    scan->features = g_new0 (char *, 1);
  return scan;
}

guint
bp_plugin_loader_get_n_records (BpPluginLoader *loader)
{
  g_return_val_if_fail (loader != NULL, 0);
  return loader->records->len;
}

const BpPluginRecord *
bp_plugin_loader_get_record (BpPluginLoader *loader,
                             guint           i)
{
  g_return_val_if_fail (loader != NULL, NULL);
  g_return_val_if_fail (i < loader->records->len, NULL);
  return g_ptr_array_index (loader->records, i);
}

static GPtrArray *
list_records (BpPluginLoader *loader,
              gboolean        loaded)
{
  GPtrArray *out = g_ptr_array_new ();

  g_return_val_if_fail (loader != NULL, out);
  for (guint i = 0; i < loader->records->len; i++)
    {
      const BpPluginRecord *r = g_ptr_array_index (loader->records, i);

      if ((r->desc != NULL) == loaded)
        g_ptr_array_add (out, (gpointer) r);
    }
  return out;
}

GPtrArray *
bp_plugin_loader_list_loaded (BpPluginLoader *loader)
{
  return list_records (loader, TRUE);
}

GPtrArray *
bp_plugin_loader_list_refused (BpPluginLoader *loader)
{
  return list_records (loader, FALSE);
}

/* The refused record whose scan found `id`, and the feature's kind. */
static const BpPluginRecord *
find_refused_provider (BpPluginLoader  *loader,
                       const char      *id,
                       char           **kind)
{
  for (guint i = 0; i < loader->records->len; i++)
    {
      const BpPluginRecord *r = g_ptr_array_index (loader->records, i);

      if (r->desc != NULL)
        continue;
      for (guint f = 0; r->features != NULL && r->features[f] != NULL; f++)
        {
          const char *sp = strchr (r->features[f], ' ');

          if (sp != NULL && g_str_equal (sp + 1, id))
            {
              if (kind != NULL)
                *kind = g_strndup (r->features[f], sp - r->features[f]);
              return r;
            }
        }
    }
  return NULL;
}

const char *
bp_plugin_loader_find_provider_of (BpPluginLoader *loader,
                                   const char     *id)
{
  const BpPluginRecord *r;

  g_return_val_if_fail (loader != NULL && id != NULL, NULL);
  r = find_refused_provider (loader, id, NULL);
  return r != NULL ? r->path : NULL;
}

char *
bp_plugin_loader_explain_missing (BpPluginLoader *loader,
                                  const char     *id)
{
  g_autofree char *kind = NULL;
  g_autofree char *base = NULL;
  const BpPluginRecord *r;

  g_return_val_if_fail (loader != NULL && id != NULL, NULL);
  r = find_refused_provider (loader, id, &kind);
  if (r == NULL)
    return NULL;
  base = g_path_get_basename (r->path);
  return g_strdup_printf (_("%s “%s” is not available: it is provided by plugin %s, "
                            "which was refused: %s"), kind, id, base,
                          r->error != NULL ? r->error->message : _("(no reason recorded)"));
}

guint
bp_plugin_loader_get_n_scans (BpPluginLoader *loader)
{
  g_return_val_if_fail (loader != NULL, 0);
  return loader->n_scans;
}
