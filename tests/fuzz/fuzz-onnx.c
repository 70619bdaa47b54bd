/* fuzz-onnx.c — the ONNX reader, bp_onnx_import_data, on any bytes.
 *
 * Contracts checked (bp-onnx.h):
 *  - a refused file sets exactly one BP_ONNX_ERROR whose message starts
 *    with the name given;
 *  - an imported model is complete: its network validates, it has the
 *    optimizer and no dataset, and it runs a forward pass in eval mode;
 *  - it is a model like any other: saved and loaded back, the same bits.
 * No plugin is loaded here, so a graph naming elu or selu is refused with
 * the unknown-activation message: the rest of the reader is what is fuzzed.
 */
#include "fuzz-common.h"

#include <string.h>

#include "bp-onnx.h"

#define NAME "fuzz.onnx"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) model = NULL;
  g_autoptr(BpModel) reloaded = NULL;
  g_autofree char *saved = NULL;
  g_autofree double *x = NULL;
  BpTrace *trace;
  BpNetwork *net;
  gsize len = 0;

  fuzz_init ();

  model = bp_onnx_import_data (data, size, NAME, &error);
  FUZZ_ASSERT_VERDICT (model, error, BP_ONNX_ERROR, NAME);
  if (model == NULL)
    return 0;
  net = model->network;
  FUZZ_ASSERT (bp_network_validate (net, &error), "invalid network: %s", error->message);
  FUZZ_ASSERT (model->optimizer != NULL && model->dataset == NULL, "incomplete model");
  FUZZ_ASSERT (g_str_has_prefix (model->description, "Imported from " NAME ": "),
               "description %s", model->description);

  /* Two rows of a ramp, in eval mode (running statistics). */
  x = g_new (double, 2 * net->n_inputs);
  for (gsize i = 0; i < 2 * net->n_inputs; i++)
    x[i] = (double) i / 8.0 - 1.0;
  net->eval = TRUE;
  trace = bp_trace_new (net, 2);
  bp_network_forward (net, trace, x, 2);
  bp_trace_free (trace);
  net->eval = FALSE;

  saved = bp_model_to_json (model, &len);
  reloaded = bp_model_load_data (saved, (gssize) len, "saved.json", NULL, &error);
  FUZZ_ASSERT (reloaded != NULL, "the imported model does not load back: %s", error->message);
  FUZZ_ASSERT (bp_model_equal (model, reloaded), "saved and loaded, it differs: %s",
               bp_model_diff (model, reloaded));
  return 0;
}
