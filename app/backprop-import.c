/* backprop-import.c — `backprop import MODEL.onnx [-o MODEL.bpmodel.json]`:
 * a network trained elsewhere (core/bp-onnx-read.c) as a model file, with
 * a summary of what was read.  Nothing is written when the file holds
 * something we do not read; the error names the file and the node.
 */
#include "config.h"
#include "backprop-cli.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "bp-onnx.h"
#include "bp-util.h"

/* MODEL.onnx → MODEL.bpmodel.json, beside it. */
static char *
default_output (const char *onnx_path)
{
  g_autofree char *stem = g_strdup (onnx_path);
  gsize len = strlen (stem);

  if (len > 5 && g_ascii_strcasecmp (stem + len - 5, ".onnx") == 0)
    stem[len - 5] = '\0';
  return g_strconcat (stem, ".bpmodel.json", NULL);
}

/* "tanh", "leaky_relu alpha=0.1": an activation with its parameters. */
static char *
format_activation (const BpLayer *L)
{
  GString *s = g_string_new (L->act_id);

  for (gsize i = 0; i < L->act->n_params; i++)
    {
      char buf[32];

      g_string_append_printf (s, " %s=%s", L->act->params[i].name,
                              bp_format_double (buf, L->act_params[i]));
    }
  return g_string_free (s, FALSE);
}

/* What was read, one line a layer, as `backprop info` names things. */
static void
print_summary (FILE          *out,
               const BpModel *model)
{
  const BpNetwork *net = model->network;

  fprintf (out, "%s\n", model->description);
  fprintf (out, _("  input: %zu features\n"), net->n_inputs);
  for (gsize l = 0; l < net->n_layers; l++)
    {
      const BpLayer *L = &net->layers[l];
      g_autofree char *act = format_activation (L);
      char a[32], b[32];

      if (L->type == BP_LAYER_DENSE)
        fprintf (out, _("  layer %zu: dense %zu → %zu, %s"), l + 1, L->in, L->out, act);
      else if (L->type == BP_LAYER_BATCHNORM)
        fprintf (out, _("  layer %zu: batchnorm %zu (eps=%s momentum=%s, running statistics), %s"),
                 l + 1, L->out, bp_format_double (a, L->eps), bp_format_double (b, L->momentum),
                 act);
      else
        fprintf (out, _("  layer %zu: layernorm %zu (eps=%s), %s"),
                 l + 1, L->out, bp_format_double (a, L->eps), act);
      if (L->skip_from >= 0)
        fprintf (out, _(", + a(%zd) (skip connection)"), L->skip_from);
      fputc ('\n', out);
    }
  fprintf (out, _("  %zu parameters; cost %s (fits the output), optimizer sgd; "
                  "no dataset yet\n"), net->n_params, net->cost_id);
}

gboolean
backprop_import_command (int      argc,
                         char   **argv,
                         GError **error)
{
  g_autoptr(GOptionContext) context = NULL;
  g_auto(GStrv) args = NULL;
  g_autoptr(BpModel) model = NULL;
  g_autofree char *output = NULL;
  gboolean to_stdout;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      N_("Write the model file here, or to standard output for “-” "
         "(default: MODEL.bpmodel.json beside MODEL.onnx)"), "FILE" },
    { NULL }
  };

  context = backprop_cli_context_new ("import", "MODEL.onnx [-o MODEL.bpmodel.json]",
    _("Read a network trained elsewhere from an ONNX file (torch.onnx.export of\n"
      "a multilayer perceptron in eval mode) and write it as a model file: its\n"
      "layers and weights, the cost that fits its output (softmax: softmax_ce,\n"
      "sigmoid: bce, otherwise mse) and SGD.  It has no dataset: give one with\n"
      "--dataset DATA.csv to train, trace or render it."),
    _("Read: Gemm, MatMul + Add, Relu, LeakyRelu, Sigmoid, Tanh, Softplus, Elu,\n"
      "Selu, Softsign, HardSigmoid, Sin, Clip(−1, 1), Softmax on the last axis, an\n"
      "Add of two branches (a skip connection), BatchNormalization,\n"
      "LayerNormalization, Dropout and Identity; float32 or float64 tensors.\n"
      "Anything else is refused with the node named.\n"
      "\n"
      "Example:\n"
      "  backprop import net.onnx -o net.bpmodel.json\n"
      "  backprop trace --eval net.bpmodel.json --dataset data.csv"),
    entries);
  if (!backprop_cli_parse (context, argc, argv, &args, 1, 1, error))
    return FALSE;
  if (output == NULL)
    output = default_output (args[0]);
  to_stdout = g_str_equal (output, "-");
  if (!to_stdout && g_str_equal (output, args[0]))
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
                   _("import: the model file would overwrite the ONNX file %s"), args[0]);
      return FALSE;
    }

  model = bp_onnx_import_file (args[0], error);
  if (model == NULL)
    return FALSE;

  /* The model on stdout leaves stderr for the summary. */
  print_summary (to_stdout ? stderr : stdout, model);
  if (to_stdout)
    {
      gsize len;
      g_autofree char *json = bp_model_to_json (model, &len);

      fwrite (json, 1, len, stdout);
      return TRUE;
    }
  if (!bp_model_save_file (model, output, error))
    return FALSE;
  printf (_("wrote %s\n"), output);
  return TRUE;
}
