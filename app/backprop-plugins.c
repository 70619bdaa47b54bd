/* backprop-plugins.c — plugin loading for the `backprop` program (see
 * backprop-plugins.h).  The `backprop plugins` command that lists them is
 * backprop-plugins-command.c.
 */
#include "config.h"
#include "backprop-plugins.h"

#include <stdio.h>
#include <string.h>

#include "bp-model.h"

/* The one file-scope variable of the command line: the process's loader.
 * `backprop` runs one command and exits, and the registry the loader fills
 * (bp_registry_get_default) is process-wide already; the loader is what
 * remembers the refused plugins for backprop_plugins_explain_error, which
 * runs deep inside a command's model loading, where no context is passed. */
static BpPluginLoader *cli_loader;

BpPluginLoader *
backprop_plugins_get_loader (void)
{
  return cli_loader;
}

void
backprop_plugins_report_loading (BpPluginLoader *loader)
{
  g_auto(GStrv) lines = bp_plugin_loader_take_messages (loader);

  for (guint i = 0; lines[i] != NULL; i++)
    fprintf (stderr, "backprop: warning: %s\n", lines[i]);
  fflush (stderr);
}

gboolean
backprop_plugins_load (const char  *extra_path,
                       GError     **error)
{
  if (cli_loader == NULL)
    cli_loader = bp_plugin_loader_new (NULL);  /* lives as long as the process */

  if (extra_path != NULL)
    {
      g_auto(GStrv) dirs = g_strsplit (extra_path, G_SEARCHPATH_SEPARATOR_S, -1);

      for (guint i = 0; dirs[i] != NULL; i++)
        if (dirs[i][0] != '\0')
          bp_plugin_loader_add_search_path (cli_loader, dirs[i]);
    }
  /* A directory that cannot be read is a warning, whether it came from
   * --plugin-path or $BACKPROP_PLUGIN_PATH: plugins are optional, a stale
   * entry must not stop commands that need none of them, and a model that
   * does need one fails next with "unknown activation", now explained by
   * the line before it. */
  bp_plugin_loader_load_all (cli_loader, NULL);
  backprop_plugins_report_loading (cli_loader);
  return TRUE;
}

void
backprop_plugins_explain_error (GError *error)
{
  if (error == NULL || cli_loader == NULL)
    return;
  if (!g_error_matches (error, BP_MODEL_ERROR, BP_MODEL_ERROR_UNKNOWN_ID)
      && !g_error_matches (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_UNKNOWN_ID))
    return;

  /* The message names the id in quotes; find a refused plugin that has it. */
  for (guint i = 0; i < bp_plugin_loader_get_n_records (cli_loader); i++)
    {
      const BpPluginRecord *r = bp_plugin_loader_get_record (cli_loader, i);

      for (guint f = 0; r->desc == NULL && r->features[f] != NULL; f++)
        {
          const char *id = strchr (r->features[f], ' ');
          g_autofree char *ascii = NULL, *curly = NULL, *why = NULL, *message = NULL;

          if (id == NULL)
            continue;
          id++;
          ascii = g_strdup_printf ("\"%s\"", id);
          curly = g_strdup_printf ("“%s”", id);
          if (strstr (error->message, ascii) == NULL && strstr (error->message, curly) == NULL)
            continue;
          why = bp_plugin_loader_explain_missing (cli_loader, id);
          if (why == NULL)
            continue;
          message = g_strdup_printf ("%s; %s", error->message, why);
          g_free (error->message);
          error->message = g_steal_pointer (&message);
          return;
        }
    }
}
