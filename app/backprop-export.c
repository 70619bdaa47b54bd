/* backprop-export.c — `backprop export MODEL.json [-o MODEL.onnx]`: a
 * model's network as an ONNX model (core/bp-onnx-write.c), for other tools
 * to run.  The file is written atomically; nothing is written when the
 * network holds something ONNX cannot express, and the error names the
 * model file and the layer.
 */
#include "config.h"
#include "backprop-cli.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "bp-onnx.h"
#include "onnx.pb-c.h"

/* MODEL.bpmodel.json or MODEL.json → MODEL.onnx, beside it. */
static char *
default_output (const char *model_path)
{
  g_autofree char *stem = g_strdup (model_path);
  const char *suffixes[] = { ".bpmodel.json", ".json" };

  for (gsize i = 0; i < G_N_ELEMENTS (suffixes); i++)
    if (g_str_has_suffix (stem, suffixes[i]) && strlen (stem) > strlen (suffixes[i]))
      {
        stem[strlen (stem) - strlen (suffixes[i])] = '\0';
        break;
      }
  return g_strconcat (stem, ".onnx", NULL);
}

/* "float32" or "float64": what the writer chose, read back from the bytes
 * (the choice is the writer's; the summary only reports it). */
static const char *
tensor_type (GBytes *bytes)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  Onnx__ModelProto *m = onnx__model_proto__unpack (NULL, len, data);
  const char *type = "?";

  if (m != NULL && m->graph != NULL && m->graph->n_initializer > 0)
    type = m->graph->initializer[0]->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT
           ? "float32" : "float64";
  if (m != NULL)
    onnx__model_proto__free_unpacked (m, NULL);
  return type;
}

gboolean
backprop_export_command (int      argc,
                         char   **argv,
                         GError **error)
{
  g_autoptr(GOptionContext) context = NULL;
  g_auto(GStrv) args = NULL;
  g_autoptr(BpModel) model = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *output = NULL;
  const char *path;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      N_("Write the ONNX model here (default: the model's name with .onnx)"), "FILE.onnx" },
    { NULL }
  };

  context = backprop_cli_context_new ("export", "MODEL.json [-o FILE.onnx]",
    _("Write a model's network as an ONNX model (opset 17) that other tools\n"
      "run with the same outputs: one input \"input\" [batch, inputs], one\n"
      "output \"output\" [batch, outputs], the eval-mode network (batch norm\n"
      "with its running statistics, no dropout).  Tensors are float32 when\n"
      "every parameter is exactly a float32, float64 otherwise.  The cost and\n"
      "the optimizer are not part of an ONNX model."),
    _("Example:\n"
      "  backprop export net.bpmodel.json -o net.onnx"),
    entries);
  if (!backprop_cli_parse (context, argc, argv, &args, 1, 1, error))
    return FALSE;
  path = args[0];
  if (output == NULL)
    output = default_output (path);
  if (g_str_equal (output, path))
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
                   _("export: the ONNX file would overwrite the model file %s"), path);
      return FALSE;
    }

  model = backprop_cli_load_model (path, error);
  if (model == NULL)
    return FALSE;
  bytes = bp_onnx_export_bytes (model, &local);
  if (bytes == NULL)
    {
      /* The writer's message names the layer; this says which model. */
      g_set_error (error, BP_ONNX_ERROR, local->code, "%s: %s", path, local->message);
      return FALSE;
    }
  /* Its message names the output file. */
  if (!bp_onnx_export_file (model, output, error))
    return FALSE;
  printf (_("wrote %s: %zu layers, %s tensors, ONNX opset 17, %zu bytes\n"),
          output, model->network->n_layers, tensor_type (bytes), g_bytes_get_size (bytes));
  return TRUE;
}
