/* bp-plugin-cache.c — the scanner's verdicts, kept in a key file
 * (g_get_user_cache_dir()/backprop-studio/plugin-scan.ini by default) so
 * that an unchanged plugin file is not scanned again at every start.
 *
 * One group a file, named by the SHA-256 of its path; a verdict holds only
 * for the same path, size, mtime (to the nanosecond) and inode, and only
 * for the host that wrote it (CACHE_HOST_ID: a new version, ABI or protocol
 * scans everything again).  A missing or damaged cache is an empty one.
 */
#include "config.h"
#include "bp-plugin-private.h"

#include <errno.h>
#include <glib/gstdio.h>

#define CACHE_HOST_ID PACKAGE_VERSION " abi " G_STRINGIFY (BP_PLUGIN_ABI_MAJOR) "." \
                      G_STRINGIFY (BP_PLUGIN_ABI_MINOR) " protocol 1"

/* Only the user may read what plugins were found where. */
#define CACHE_DIR_MODE 0700

struct _BpPluginCache
{
  char     *file;
  GKeyFile *kf;     /* loaded lazily */
  gboolean  dirty;
};

gboolean
bp_plugin_cache_file_id (const char     *path,
                         BpPluginFileId *id)
{
  GStatBuf st;

  if (g_stat (path, &st) != 0)
    return FALSE;
  id->size = (gint64) st.st_size;
  id->mtime = (gint64) st.st_mtime;
#if defined(__APPLE__)
  id->mtime_ns = (gint64) st.st_mtimespec.tv_nsec;
#elif defined(G_OS_UNIX)
  id->mtime_ns = (gint64) st.st_mtim.tv_nsec;
#else
  id->mtime_ns = 0;
#endif
  id->inode = (guint64) st.st_ino;
  return TRUE;
}

BpPluginCache *
bp_plugin_cache_new (const char *file)
{
  BpPluginCache *cache = g_new0 (BpPluginCache, 1);

  cache->file = g_strdup (file);
  return cache;
}

void
bp_plugin_cache_free (BpPluginCache *cache)
{
  if (cache == NULL)
    return;
  bp_plugin_cache_save (cache);
  g_clear_pointer (&cache->kf, g_key_file_unref);
  g_free (cache->file);
  g_free (cache);
}

static GKeyFile *
cache_get (BpPluginCache *cache)
{
  if (cache->kf == NULL)
    {
      cache->kf = g_key_file_new ();
      /* Missing or damaged: start empty; it is only a cache. */
      g_key_file_load_from_file (cache->kf, cache->file, G_KEY_FILE_NONE, NULL);
    }
  return cache->kf;
}

static char *
cache_group (const char *path)
{
  /* A path may hold characters a group name cannot ([, ], newlines). */
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, path, -1);
}

BpPluginScan *
bp_plugin_cache_lookup (BpPluginCache        *cache,
                        const char           *path,
                        const BpPluginFileId *id)
{
  g_autofree char *group = cache_group (path);
  g_autofree char *host = NULL, *cpath = NULL, *verdict = NULL, *step = NULL;
  g_autoptr(BpPluginScan) scan = NULL;
  BpPluginStep s;
  GKeyFile *kf;

  if (cache == NULL)
    return NULL;
  kf = cache_get (cache);
  if (!g_key_file_has_group (kf, group))
    return NULL;
  host = g_key_file_get_string (kf, group, "host", NULL);
  cpath = g_key_file_get_string (kf, group, "path", NULL);
  if (g_strcmp0 (host, CACHE_HOST_ID) != 0 || g_strcmp0 (cpath, path) != 0
      || g_key_file_get_int64 (kf, group, "size", NULL) != id->size
      || g_key_file_get_int64 (kf, group, "mtime", NULL) != id->mtime
      || g_key_file_get_int64 (kf, group, "mtime_ns", NULL) != id->mtime_ns
      || g_key_file_get_uint64 (kf, group, "inode", NULL) != id->inode)
    return NULL;

  verdict = g_key_file_get_string (kf, group, "verdict", NULL);
  step = g_key_file_get_string (kf, group, "step", NULL);
  if (verdict == NULL || step == NULL || !bp_plugin_step_from_string (step, &s))
    return NULL;

  scan = g_new0 (BpPluginScan, 1);
  scan->path = g_strdup (path);
  scan->reached = s;
  scan->name = g_key_file_get_string (kf, group, "name", NULL);
  scan->version = g_key_file_get_string (kf, group, "version", NULL);
  scan->features = g_key_file_get_string_list (kf, group, "features", NULL, NULL);
  if (scan->features == NULL)
    scan->features = g_new0 (char *, 1);
  if (!g_str_equal (verdict, "OK"))
    {
      g_autofree char *code_name = g_key_file_get_string (kf, group, "code", NULL);
      g_autofree char *message = g_key_file_get_string (kf, group, "message", NULL);
      BpPluginError code;

      if (message == NULL || !bp_plugin_error_from_string (code_name, &code))
        return NULL;
      scan->error = g_error_new_literal (BP_PLUGIN_ERROR, code, message);
    }
  return g_steal_pointer (&scan);
}

void
bp_plugin_cache_store (BpPluginCache        *cache,
                       const BpPluginScan   *scan,
                       const BpPluginFileId *id)
{
  g_autofree char *group = NULL;
  GKeyFile *kf;

  if (cache == NULL)
    return;
  kf = cache_get (cache);
  group = cache_group (scan->path);
  g_key_file_remove_group (kf, group, NULL);
  g_key_file_set_string (kf, group, "path", scan->path);
  g_key_file_set_string (kf, group, "host", CACHE_HOST_ID);
  g_key_file_set_int64 (kf, group, "size", id->size);
  g_key_file_set_int64 (kf, group, "mtime", id->mtime);
  g_key_file_set_int64 (kf, group, "mtime_ns", id->mtime_ns);
  g_key_file_set_uint64 (kf, group, "inode", id->inode);
  g_key_file_set_string (kf, group, "verdict", scan->error == NULL ? "OK" : "ERROR");
  g_key_file_set_string (kf, group, "step", bp_plugin_step_to_string (scan->reached));
  if (scan->error != NULL)
    {
      g_key_file_set_string (kf, group, "code", bp_plugin_error_to_string (scan->error->code));
      g_key_file_set_string (kf, group, "message", scan->error->message);
    }
  if (scan->name != NULL)
    g_key_file_set_string (kf, group, "name", scan->name);
  if (scan->version != NULL)
    g_key_file_set_string (kf, group, "version", scan->version);
  g_key_file_set_string_list (kf, group, "features",
                              (const char *const *) scan->features,
                              g_strv_length (scan->features));
  cache->dirty = TRUE;
}

void
bp_plugin_cache_save (BpPluginCache *cache)
{
  g_autofree char *dir = NULL;
  g_autoptr(GError) error = NULL;

  if (cache == NULL || cache->kf == NULL || !cache->dirty)
    return;
  cache->dirty = FALSE;
  dir = g_path_get_dirname (cache->file);
  /* A cache that cannot be written only costs a scan next time. */
  if (g_mkdir_with_parents (dir, CACHE_DIR_MODE) != 0
      || !g_key_file_save_to_file (cache->kf, cache->file, &error))
    g_debug ("plugin scan cache %s not written: %s", cache->file,
             error != NULL ? error->message : g_strerror (errno));
}
