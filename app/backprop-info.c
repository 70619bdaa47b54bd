/* backprop-info.c — the descriptive commands: `backprop info` (what a model
 * file holds) and `backprop datasets` (what can be trained on).
 */
#include "config.h"
#include "backprop-cli.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "bp-dataset.h"
#include "bp-network.h"
#include "bp-optimizer.h"
#include "bp-registry.h"
#include "bp-util.h"

/* " name=value" for each parameter of a spec array, each value in the
 * shortest form that reads back the same (what the model file holds). */
static char *
format_params (const BpParamSpec *specs,
               gsize              n,
               const double      *values)
{
  GString *out = g_string_new (NULL);

  for (gsize i = 0; i < n; i++)
    {
      char buf[32];

      g_string_append_printf (out, " %s=%s", specs[i].name,
                              bp_format_double (buf, values[i]));
    }
  return g_string_free (out, FALSE);
}

/* What a layer adds to "in → out activation": the skip of a dense layer,
 * eps (and momentum) of a norm layer, p and the mask of dropout. */
static char *
layer_kind (const BpLayer *L)
{
  char a[32], b[32];

  switch (L->type)
    {
    case BP_LAYER_DENSE:
      if (L->skip_from < 0)
        return g_strdup ("");
      return g_strdup_printf (" + a(%" G_GSSIZE_FORMAT ") (skip connection)", L->skip_from);
    case BP_LAYER_BATCHNORM:
      return g_strdup_printf (" eps=%s momentum=%s", bp_format_double (a, L->eps),
                              bp_format_double (b, L->momentum));
    case BP_LAYER_LAYERNORM:
      return g_strdup_printf (" eps=%s", bp_format_double (a, L->eps));
    case BP_LAYER_DROPOUT:
    default:
      if (L->mask != NULL)
        return g_strdup_printf ("p=%s, fixed mask of %" G_GSIZE_FORMAT " row%s",
                                bp_format_double (a, L->p), L->mask_rows,
                                L->mask_rows == 1 ? "" : "s");
      return g_strdup_printf ("p=%s, masks drawn from the seed", bp_format_double (a, L->p));
    }
}

static void
print_field (const char *label,
             const char *value)
{
  printf ("%-13s %s\n", label, value);
}

gboolean
backprop_info_command (int      argc,
                       char   **argv,
                       GError **error)
{
  g_autoptr(GOptionContext) context = NULL;
  g_auto(GStrv) args = NULL;
  g_autoptr(BpModel) model = NULL;
  g_autoptr(GString) line = g_string_new (NULL);
  const BpNetwork *net;
  const BpOptimizer *opt;
  char buf[32];
  g_autofree char *record = NULL;
  const GOptionEntry entries[] = {
    { "record", 0, 0, G_OPTION_ARG_FILENAME, &record,
      N_("Describe this recording of a run too (or alone): its kept steps and memory"),
      "FILE.bprecord" },
    { NULL }
  };

  context = backprop_cli_context_new ("info", "[MODEL.json] [--record FILE.bprecord]",
    _("Describe a model file: its layers, cost, optimizer, dataset and\n"
      "training settings; and a recording of a run (backprop train --record)."),
    NULL, entries);
  if (!backprop_cli_parse (context, argc, argv, &args, 0, 1, error))
    return FALSE;
  /* A model, a recording or both. */
  if (args[0] == NULL && record == NULL)
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
                   _("info: expected MODEL.json or --record FILE.bprecord"));
      return FALSE;
    }
  if (args[0] == NULL)
    return backprop_record_print_info (record, NULL, NULL, error);

  model = backprop_cli_load_model (args[0], error);
  if (model == NULL)
    return FALSE;
  net = model->network;
  opt = model->optimizer;

  print_field ("file", args[0]);
  print_field ("name", model->name != NULL && *model->name ? model->name : "(none)");
  print_field ("description", model->description != NULL && *model->description
                              ? model->description : "(none)");

  g_string_printf (line, "%" G_GSIZE_FORMAT " (%" G_GSIZE_FORMAT " inputs)",
                   net->n_layers, net->n_inputs);
  print_field ("layers", line->str);
  for (gsize l = 0; l < net->n_layers; l++)
    {
      const BpLayer *layer = &net->layers[l];
      g_autofree char *params = format_params (layer->act->params,
                                               layer->act->n_params,
                                               layer->act_params);

      g_autofree char *kind = layer_kind (layer);

      /* A dense layer without a skip prints as it always did. */
      printf ("  %" G_GSIZE_FORMAT ": %s%s%" G_GSIZE_FORMAT " → %" G_GSIZE_FORMAT
              " %s%s%s  (%" G_GSIZE_FORMAT " parameters)\n",
              l + 1, layer->type != BP_LAYER_DENSE ? bp_layer_type_to_string (layer->type) : "",
              layer->type != BP_LAYER_DENSE ? " " : "", layer->in, layer->out,
              layer->type != BP_LAYER_DROPOUT ? layer->act_id : "", params, kind,
              bp_layer_n_weights (layer) + bp_layer_n_biases (layer));
    }
  g_string_printf (line, "%" G_GSIZE_FORMAT, net->n_params);
  print_field ("parameters", line->str);

  {
    g_autofree char *params = format_params (net->cost->params,
                                             net->cost->n_params,
                                             net->cost_params);

    g_string_printf (line, "%s%s, %s over the batch", net->cost_id, params,
                     net->reduction == BP_REDUCTION_SUM ? "sum" : "mean");
    print_field ("cost", line->str);
  }

  {
    g_autofree char *params = format_params (opt->desc->hyper_specs,
                                             opt->desc->n_hyper, opt->hyper);

    g_string_printf (line, "%s%s", opt->id, params);
    /* Host-side L2 decay, unless the optimizer has its own. */
    if (bp_param_index (opt->desc->hyper_specs, opt->desc->n_hyper,
                        "weight_decay") < 0)
      g_string_append_printf (line, " weight_decay=%s",
                              bp_format_double (buf, opt->weight_decay));
    if (opt->t > 0)
      g_string_append_printf (line, "  (state after %" G_GUINT64_FORMAT " step%s)",
                              opt->t, opt->t == 1 ? "" : "s");
    print_field ("optimizer", line->str);
  }

  if (opt->schedule.kind != BP_SCHEDULE_NONE)
    {
      g_autofree char *sched = bp_schedule_describe (&opt->schedule);

      /* The rate the next step takes, after the steps the schedule has
       * counted: what `train` goes on with. */
      g_string_printf (line, "%s, step %" G_GUINT64_FORMAT ", next lr %s", sched,
                       bp_optimizer_schedule_step (opt),
                       bp_format_double (buf, bp_optimizer_peek_lr (opt)));
      print_field ("schedule", line->str);
    }

  g_string_printf (line, "%" G_GUINT64_FORMAT " (init %s)", model->seed,
                   bp_init_to_string (model->init));
  print_field ("seed", line->str);

  if (model->dataset != NULL)
    {
      g_string_printf (line, "%s (", model->dataset);
      if (bp_dataset_is_generator (model->dataset))
        {
          if (model->dataset_rows > 0)
            g_string_append_printf (line, "rows %" G_GSIZE_FORMAT, model->dataset_rows);
          else
            g_string_append (line, "default rows");
          if (model->dataset_noise >= 0)
            g_string_append_printf (line, ", noise %s",
                                    bp_format_double (buf, model->dataset_noise));
          else
            g_string_append (line, ", default noise");
        }
      else
        {
          /* A file: its rows are what it holds, whatever "rows" says. */
          g_autoptr(GError) local = NULL;
          g_autoptr(BpDataset) ds = bp_dataset_open (model->dataset, 0, -1, model->seed, &local);

          if (ds != NULL)
            g_string_append_printf (line, "%" G_GSIZE_FORMAT " row%s, %" G_GSIZE_FORMAT
                                    " feature%s, %" G_GSIZE_FORMAT " target column%s",
                                    ds->n_rows, ds->n_rows == 1 ? "" : "s",
                                    ds->n_features, ds->n_features == 1 ? "" : "s",
                                    ds->n_targets, ds->n_targets == 1 ? "" : "s");
          else
            g_string_append_printf (line, "cannot be read: %s", local->message);
        }
      g_string_append_printf (line, ", test fraction %s)",
                              bp_format_double (buf, model->test_fraction));
    }
  else
    g_string_assign (line, "(none)");
  print_field ("dataset", line->str);

  g_string_printf (line, "%u epoch%s, batch size %" G_GSIZE_FORMAT,
                   model->epochs, model->epochs == 1 ? "" : "s",
                   model->batch_size);
  print_field ("training", line->str);

  if (model->inputs != NULL)
    g_string_printf (line, "%" G_GSIZE_FORMAT " sample%s", model->n_samples,
                     model->n_samples == 1 ? "" : "s");
  else
    g_string_assign (line, "(none)");
  print_field ("inline batch", line->str);
  if (record != NULL)
    {
      printf ("\n");
      return backprop_record_print_info (record, model, args[0], error);
    }
  return TRUE;
}

gboolean
backprop_info_datasets_command (int      argc,
                                char   **argv,
                                GError **error)
{
  g_autoptr(GOptionContext) context = NULL;
  g_auto(GStrv) args = NULL;
  const BpDatasetInfo *list;
  gsize n = 0;
  int name_width = (int) strlen ("NAME");  /* the column header */

  context = backprop_cli_context_new ("datasets", NULL,
    _("List the datasets \"backprop train --dataset\" and model files can name:\n"
      "seeded generators and the real datasets shipped with Backprop Studio.\n"
      "A path to a CSV file with a header row works too (the last column is\n"
      "the target)."), NULL, NULL);
  if (!backprop_cli_parse (context, argc, argv, &args, 0, 0, error))
    return FALSE;

  list = bp_dataset_list (&n);
  for (gsize i = 0; i < n; i++)
    name_width = MAX (name_width, (int) strlen (list[i].name));

  printf ("%-*s  %8s  %7s  %-10s  %-9s  %s\n", name_width, "NAME",
          "FEATURES", "TARGETS", "TASK", "SOURCE", "DESCRIPTION");
  for (gsize i = 0; i < n; i++)
    printf ("%-*s  %8" G_GSIZE_FORMAT "  %7" G_GSIZE_FORMAT "  %-10s  %-9s  %s\n",
            name_width, list[i].name, list[i].n_features, list[i].n_targets,
            backprop_cli_task_to_string (list[i].task),
            list[i].generated ? "generated" : "file",
            list[i].description != NULL ? list[i].description : "");
  return TRUE;
}
