/* backprop-cli.c — what the commands of `backprop` share: option contexts
 * and parsing, option values, and opening a model, its dataset or its
 * batch (see backprop-cli.h).
 */
#include "config.h"
#include "backprop-cli.h"
#include "backprop-plugins.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "bp-network.h"

G_DEFINE_QUARK (backprop-cli-error-quark, backprop_cli_error)

GOptionContext *
backprop_cli_context_new (const char         *command,
                    const char         *parameter_string,
                    const char         *summary,
                    const char         *description,
                    const GOptionEntry *entries)
{
  g_autofree char *prgname = g_strdup_printf ("backprop %s", command);
  GOptionContext *context;

  /* GOption's "Usage:" line and messages use the program name. */
  g_set_prgname (prgname);
  context = g_option_context_new (parameter_string);
  if (summary != NULL)
    g_option_context_set_summary (context, summary);
  if (description != NULL)
    g_option_context_set_description (context, description);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  /* run() in backprop.c takes --plugin-path out of argv before a command
   * parses it (the plugins must be loaded before a model names one); this
   * entry is there so that the command's --help lists it, and its value,
   * never set, is static only because the context outlives this function.
   * "plugins" has its own. */
  if (!g_str_equal (command, "plugins"))
    {
      static char **unused = NULL;
      const GOptionEntry plugin_path[] = {
        { "plugin-path", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &unused,
          N_("Search DIR for plugins before the default directories (may be repeated)"), "DIR" },
        { NULL }
      };

      g_option_context_add_main_entries (context, plugin_path, GETTEXT_PACKAGE);
    }
  return context;
}

gboolean
backprop_cli_parse (GOptionContext *context,
              int             argc,
              char          **argv,
              char         ***rest,
              guint           min_args,
              guint           max_args,
              GError        **error)
{
  g_autofree char **args = NULL;
  g_auto(GStrv) remaining = NULL;
  g_autoptr(GError) local_error = NULL;
  const GOptionEntry remaining_entry[] = {
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &remaining, NULL, NULL },
    { NULL }
  };
  const char *command = argv[0];
  guint n;
  int n_args = argc;

  g_option_context_add_main_entries (context, remaining_entry, NULL);

  /* g_option_context_parse rearranges the array it is given; parse a
   * shallow copy so that argv itself is left alone. */
  args = g_new0 (char *, argc + 1);
  memcpy (args, argv, sizeof (char *) * argc);
  if (!g_option_context_parse (context, &n_args, &args, &local_error))
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
                   _("%s: %s (see \"backprop %s --help\")"),
                   command, local_error->message, command);
      return FALSE;
    }

  n = remaining != NULL ? g_strv_length (remaining) : 0;
  if (n < min_args)
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
                   _("%s: missing argument (see \"backprop %s --help\")"),
                   command, command);
      return FALSE;
    }
  if (n > max_args)
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
                   _("%s: unexpected argument \"%s\" (see \"backprop %s --help\")"),
                   command, remaining[max_args], command);
      return FALSE;
    }

  if (remaining == NULL)
    remaining = g_new0 (char *, 1);
  *rest = g_steal_pointer (&remaining);
  return TRUE;
}

gboolean
backprop_cli_parse_uint (const char *option,
                   const char *text,
                   guint64     min,
                   guint64     max,
                   guint64    *out,
                   GError    **error)
{
  if (text == NULL
      || !g_ascii_string_to_unsigned (text, 10, min, max, out, NULL))
    {
      if (max == G_MAXUINT64)
        g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
                     _("%s: expected a whole number of at least %" PRIu64
                       ", got \"%s\""), option, min, text ? text : "");
      else
        g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
                     _("%s: expected a whole number from %" PRIu64
                       " to %" PRIu64 ", got \"%s\""),
                     option, min, max, text ? text : "");
      return FALSE;
    }
  return TRUE;
}

gboolean
backprop_cli_parse_double (const char *option,
                     const char *text,
                     gboolean    strictly_positive,
                     double     *out,
                     GError    **error)
{
  char *end = NULL;
  double value = 0;

  if (text != NULL)
    value = g_ascii_strtod (text, &end);
  if (text == NULL || end == text || *end != '\0' || !isfinite (value)
      || (strictly_positive ? !(value > 0) : !(value >= 0)))
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
                   _("%s: expected a number %s 0, got \"%s\""), option,
                   strictly_positive ? ">" : ">=", text ? text : "");
      return FALSE;
    }
  *out = value;
  return TRUE;
}

BpModel *
backprop_cli_load_model (const char  *path,
                   GError     **error)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, BP_MODEL_ERROR, BP_MODEL_ERROR_IO,
                   _("%s: is a directory, not a model file"), path);
      return NULL;
    }
  {
    BpModel *model = bp_model_load_file (path, NULL, error);

    /* Say which refused or missing plugin would have provided an id. */
    if (model == NULL && error != NULL)
      backprop_plugins_explain_error (*error);
    return model;
  }
}

BpDataset *
backprop_cli_open_dataset (BpModel    *model,
                     const char *model_name,
                     const char *override,
                     gsize       rows,
                     double      noise,
                     gboolean    fit,
                     GError    **error)
{
  g_autoptr(BpDataset) ds = NULL;
  const char *name = override != NULL ? override : model->dataset;
  gsize n_outputs;

  if (name == NULL)
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_FAILED,
                   _("%s: the model names no dataset; pass --dataset NAME or FILE.csv "
                     "(see \"backprop datasets\")"), model_name);
      return NULL;
    }

  ds = bp_dataset_open (name,
                        rows > 0 ? rows : model->dataset_rows,
                        noise >= 0 ? noise : model->dataset_noise,
                        model->seed, error);
  if (ds == NULL)
    return NULL;

  /* Without a model file the default network is fitted to the dataset:
   * its widths, and the output and cost of the task. */
  if (fit && !bp_model_fit_to_data (model, ds->n_features, ds->n_targets, ds->task, error))
    return NULL;
  n_outputs = bp_network_n_outputs (model->network);

  if (ds->n_features != model->network->n_inputs)
    {
      g_autofree char *has = g_strdup_printf (ngettext ("%zu feature", "%zu features", ds->n_features),
                                              ds->n_features);
      g_autofree char *takes = g_strdup_printf (ngettext ("%zu input", "%zu inputs",
                                                          model->network->n_inputs),
                                                model->network->n_inputs);

      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_FAILED,
                   _("%s: the dataset has %s but the network of %s takes %s"),
                   name, has, model_name, takes);
      return NULL;
    }
  if (ds->n_targets != n_outputs)
    {
      g_autofree char *has = g_strdup_printf (ngettext ("%zu target column", "%zu target columns",
                                                        ds->n_targets), ds->n_targets);
      g_autofree char *outputs = g_strdup_printf (ngettext ("%zu output", "%zu outputs", n_outputs),
                                                  n_outputs);

      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_FAILED,
                   _("%s: the dataset has %s but the network of %s has %s"),
                   name, has, model_name, outputs);
      return NULL;
    }
  if (ds->n_rows == 0)
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_FAILED,
                   _("%s: the dataset has no rows"), name);
      return NULL;
    }
  return g_steal_pointer (&ds);
}

gboolean
backprop_cli_open_batch (BpModel          *model,
                         const char       *model_name,
                         const char       *override,
                         gsize             max_rows,
                         gboolean          want_dataset,
                         gboolean          fit,
                         BackpropCliBatch *batch,
                         GError          **error)
{
  gboolean inline_batch = model->inputs != NULL && model->n_samples > 0;

  memset (batch, 0, sizeof *batch);
  if (inline_batch && override == NULL && !want_dataset)
    {
      batch->x = model->inputs;
      batch->y = model->targets;
      batch->B = model->n_samples;
      batch->source = "its inline batch";
      return TRUE;
    }

  if (override == NULL && model->dataset == NULL)
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_FAILED,
                   inline_batch
                   ? _("%s: the model has an inline batch and names no dataset; pass --dataset "
                       "NAME or FILE.csv (see \"backprop datasets\")")
                   : _("%s: the model has no inline batch (\"inputs\"/\"targets\") and names no "
                       "dataset; pass --dataset NAME or FILE.csv (see \"backprop datasets\")"),
                   model_name);
      return FALSE;
    }
  batch->ds = backprop_cli_open_dataset (model, model_name, override, 0, -1, fit, error);
  if (batch->ds == NULL)
    {
      if (!inline_batch && override == NULL)
        g_prefix_error (error, _("%s: no inline batch, and its dataset: "), model_name);
      return FALSE;
    }
  batch->x = batch->ds->X;
  batch->y = batch->ds->Y;
  batch->B = MIN (batch->ds->n_rows, MAX (max_rows, 1));
  batch->source = batch->ds->name;
  return TRUE;
}

void
backprop_cli_batch_clear (BackpropCliBatch *batch)
{
  g_clear_pointer (&batch->ds, bp_dataset_free);
  memset (batch, 0, sizeof *batch);
}

const char *
backprop_cli_task_to_string (BpTask task)
{
  switch (task)
    {
    case BP_TASK_REGRESSION:
      return "regression";
    case BP_TASK_BINARY:
      return "binary";
    case BP_TASK_MULTICLASS:
      return "multiclass";
    default:
      return "unknown";
    }
}
