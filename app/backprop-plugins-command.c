/* backprop-plugins-command.c — the `backprop plugins` command: list what is
 * loaded (the built-ins too) and what was refused and why, or check one
 * file step by step.  The loading itself is backprop-plugins.c's.
 */
#include "config.h"
#include "backprop-cli.h"
#include "backprop-plugins.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The width of the id column in the list: at least that of a short id, and
 * at most this, so that one long id overflows its own line rather than
 * pushing every formula to the right. */
#define ID_COLUMN_MIN  4
#define ID_COLUMN_MAX  32

/* --------------------------------------------------------------- printing */

static const char *
or_empty (const char *s)
{
  return s != NULL ? s : "";
}

static void
print_feature (const char *kind,
               const char *id,
               const char *formula,
               int         id_width)
{
  printf ("    %-10s  %-*s  %s\n", kind, id_width, id, or_empty (formula));
}

static int
id_width (const BpPluginDesc *d)
{
  size_t w = ID_COLUMN_MIN;

  for (size_t i = 0; i < d->n_activations; i++)
    w = MAX (w, strlen (d->activations[i].id));
  for (size_t i = 0; i < d->n_costs; i++)
    w = MAX (w, strlen (d->costs[i].id));
  for (size_t i = 0; i < d->n_optimizers; i++)
    w = MAX (w, strlen (d->optimizers[i].id));
  return (int) MIN (w, ID_COLUMN_MAX);
}

static void
print_plugin (const BpRegisteredPlugin *rp)
{
  const BpPluginDesc *d = rp->desc;
  int w = id_width (d);

  /* The built-ins' source is "(built in)", a file's is a path. */
  if (rp->source[0] == '(')
    printf ("  %s %s %s\n", d->name, d->version, rp->source);
  else
    printf ("  %s %s (%s)\n", d->name, d->version, rp->source);
  if (d->description != NULL && d->description[0] != '\0')
    printf ("    %s\n", d->description);
  for (size_t i = 0; i < d->n_activations; i++)
    print_feature ("activation", d->activations[i].id, d->activations[i].formula, w);
  for (size_t i = 0; i < d->n_costs; i++)
    print_feature ("cost", d->costs[i].id, d->costs[i].formula, w);
  for (size_t i = 0; i < d->n_optimizers; i++)
    print_feature ("optimizer", d->optimizers[i].id,
                   d->optimizers[i].formula != NULL ? d->optimizers[i].formula
                                                    : d->optimizers[i].name, w);
}

static void
print_list (BpPluginLoader *loader)
{
  g_auto(GStrv) dirs = bp_plugin_loader_get_search_path (loader);
  g_autoptr(GPtrArray) refused = bp_plugin_loader_list_refused (loader);
  BpRegistry *reg = bp_registry_get_default ();
  guint n = bp_registry_n_plugins (reg);

  printf ("Plugin search path (the first file of a name wins):\n");
  for (guint i = 0; dirs[i] != NULL; i++)
    printf ("  %s\n", dirs[i]);

  printf ("\nLoaded plugins:\n");
  for (guint i = 0; i < n; i++)
    {
      printf ("\n");
      print_plugin (bp_registry_get_plugin (reg, i));
    }

  printf ("\nRefused plugins:%s\n", refused->len == 0 ? " none" : "");
  for (guint i = 0; i < refused->len; i++)
    {
      const BpPluginRecord *r = g_ptr_array_index (refused, i);

      printf ("\n  %s\n", r->path);
      printf ("    refused at step “%s” (%s): %s\n", bp_plugin_step_to_string (r->step),
              bp_plugin_error_to_string (r->error->code), r->error->message);
    }
}

/* ------------------------------------------------------------------ check */

/* The built-ins and every plugin loaded so far except `path` itself: what
 * `path` would be registered alongside. */
static BpRegistry *
registry_without (const char *path)
{
  BpRegistry *def = bp_registry_get_default ();
  BpRegistry *reg = bp_registry_new ();
  char *self = realpath (path, NULL);

  for (guint i = 0; i < bp_registry_n_plugins (def); i++)
    {
      const BpRegisteredPlugin *rp = bp_registry_get_plugin (def, i);
      char *other = realpath (rp->source, NULL);
      gboolean same = self != NULL && other != NULL && strcmp (self, other) == 0;

      free (other);
      if (!same)
        bp_registry_add_plugin (reg, rp->desc, rp->source, NULL);
    }
  free (self);
  return reg;
}

static gboolean
check_with (BpRegistry  *reg,
            const char  *path,
            GError     **error)
{
  g_autoptr(BpPluginLoader) loader = bp_plugin_loader_new (reg);
  g_autoptr(GError) local = NULL;
  const BpPluginRecord *r;
  g_autofree char *base = g_path_get_basename (path);
  gboolean ok;

  /* Always a fresh scan in the child: no cached verdict. */
  bp_plugin_loader_set_cache_file (loader, NULL);
  bp_plugin_loader_set_use_default_path (loader, FALSE);
  ok = bp_plugin_loader_load_file (loader, path, &local);
  r = bp_plugin_loader_get_record (loader, bp_plugin_loader_get_n_records (loader) - 1);
  backprop_plugins_report_loading (loader);

  printf ("Checking %s\n", path);
  for (guint s = 0; s < BP_PLUGIN_N_STEPS; s++)
    {
      const char *name = bp_plugin_step_to_string (s);

      if (!ok && s == r->step)
        printf ("  %-10s  FAILED  %s\n", name, r->error->message);
      else if (!ok && s > r->step)
        printf ("  %-10s  not run\n", name);
      else if (s == BP_PLUGIN_STEP_DESCRIPTOR && r->name != NULL)
        printf ("  %-10s  passed  plugin “%s” %s\n", name, r->name, or_empty (r->version));
      else if (s == BP_PLUGIN_STEP_IDS && r->features[0] != NULL)
        {
          g_autofree char *list = g_strjoinv (", ", r->features);

          printf ("  %-10s  passed  %s\n", name, list);
        }
      else
        printf ("  %-10s  passed\n", name);
    }
  if (ok)
    {
      printf ("%s would be loaded.\n", base);
      return TRUE;
    }
  printf ("%s would be refused.\n", base);
  g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_FAILED,
               "%s would be refused at step “%s”: %s", path,
               bp_plugin_step_to_string (r->step), local->message);
  return FALSE;
}

static gboolean
check_file (const char  *path,
            GError     **error)
{
  /* The plugin's module stays loaded; only the registry goes. */
  BpRegistry *reg = registry_without (path);
  gboolean ok = check_with (reg, path, error);

  bp_registry_free (reg);
  return ok;
}

/* ---------------------------------------------------------------- command */

gboolean
backprop_plugins_command (int      argc,
                          char   **argv,
                          GError **error)
{
  g_auto(GStrv) plugin_paths = NULL;
  g_auto(GStrv) args = NULL;
  g_autoptr(GOptionContext) context = NULL;
  const GOptionEntry entries[] = {
    { "plugin-path", 'P', 0, G_OPTION_ARG_FILENAME_ARRAY, &plugin_paths,
      N_("Search DIR for plugins before the default directories (may be repeated)"), "DIR" },
    { NULL }
  };
  guint n;
  /* The module suffix and the installed directory are filled in, so that
   * a translation holds the whole sentence. */
  g_autofree char *summary = g_strdup_printf (_("List the plugins: the loaded ones with their "
                                                "activations, costs and optimizers (the built-ins "
                                                "too), and the refused ones with the reason.  With "
                                                "\"check FILE.%s\", load and check one file step by "
                                                "step."), G_MODULE_SUFFIX);
  g_autofree char *description =
    g_strdup_printf (_("Plugins are searched in the --plugin-path directories, then\n"
                       "$BACKPROP_PLUGIN_PATH, then ~/.local/share/backprop-studio/plugins,\n"
                       "then %s;\n"
                       "the first file of a name wins.  Each new or changed file is\n"
                       "checked in a separate process (backprop-plugin-scanner) that\n"
                       "may take $BACKPROP_PLUGIN_SCAN_TIMEOUT seconds (default 10).\n"
                       "\n"
                       "\"check\" exits with 0 if the file would be loaded, 1 if not.\n"
                       "\n"
                       "Examples:\n"
                       "  backprop plugins\n"
                       "  backprop plugins --plugin-path ./my-plugins\n"
                       "  backprop plugins check ~/.local/share/backprop-studio/plugins/isru.so"),
                     BP_PLUGINDIR);

  context = backprop_cli_context_new ("plugins", "[check FILE." G_MODULE_SUFFIX "]",
                                      summary, description, entries);
  if (!backprop_cli_parse (context, argc, argv, &args, 0, 2, error))
    return FALSE;
  n = g_strv_length (args);
  if (n > 0 && !g_str_equal (args[0], "check"))
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
                   "plugins: unknown subcommand \"%s\" (see \"backprop plugins --help\")",
                   args[0]);
      return FALSE;
    }
  if (n == 1)
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
                   "plugins check: missing FILE." G_MODULE_SUFFIX
                   " (see \"backprop plugins --help\")");
      return FALSE;
    }

  /* The --plugin-path directories come first only if nothing was loaded
   * yet; after an earlier backprop_plugins_load they can only add names. */
  {
    g_autofree char *extra = plugin_paths != NULL
                             ? g_strjoinv (G_SEARCHPATH_SEPARATOR_S, plugin_paths) : NULL;

    if (!backprop_plugins_load (extra, error))
      return FALSE;
  }

  if (n == 2)
    return check_file (args[1], error);

  print_list (backprop_plugins_get_loader ());
  return TRUE;
}

