/* fuzz-model.c — the model file loader, bp_model_load_data, on any bytes.
 *
 * Contracts checked (bp-model.h):
 *  - a refused file sets exactly one BP_MODEL_ERROR whose message starts
 *    with the display name;
 *  - a loaded model holds only finite numbers, so bp_model_to_json gives
 *    text, and loading that text gives back the same network bit for bit
 *    and the same text again (save-then-load is the identity).
 */
#include "fuzz-common.h"

#include <string.h>

#include "bp-model.h"

#define NAME "fuzz.json"
/* Larger models are loaded, but not written and read back: a 2²⁵-parameter
 * network is 800 MB of JSON, which would only measure the allocator. */
#define MAX_ROUND_TRIP_VALUES (1 << 16)

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) model = NULL;
  g_autoptr(BpModel) again = NULL;
  g_autofree char *json = NULL;
  g_autofree char *json2 = NULL;
  gsize len = 0, len2 = 0, values;

  fuzz_init ();

  model = bp_model_load_data ((const char *) data, (gssize) size, NAME, NULL, &error);
  FUZZ_ASSERT_VERDICT (model, error, BP_MODEL_ERROR, NAME);
  if (model == NULL)
    return 0;
  FUZZ_ASSERT (model->network != NULL && model->optimizer != NULL, "incomplete model");

  values = model->network->n_params
           + model->n_samples * (model->network->n_inputs
                                 + bp_network_n_outputs (model->network));
  if (values > MAX_ROUND_TRIP_VALUES)
    return 0;

  json = bp_model_to_json (model, &len);
  FUZZ_ASSERT (json != NULL, "a loaded model cannot be written");
  FUZZ_ASSERT (strlen (json) == len, "length %zu but strlen %zu", len, strlen (json));

  again = bp_model_load_data (json, (gssize) len, "saved.json", NULL, &error);
  FUZZ_ASSERT (again != NULL, "what was written does not load: %s\n%s",
               error->message, json);
  FUZZ_ASSERT (bp_network_equal (model->network, again->network),
               "the network changed in a round trip:\n%s", json);
  FUZZ_ASSERT (again->n_samples == model->n_samples, "the worked example changed");

  json2 = bp_model_to_json (again, &len2);
  FUZZ_ASSERT (json2 != NULL && len2 == len && memcmp (json, json2, len) == 0,
               "written twice, the text differs:\n%s\n----\n%s", json, json2);
  return 0;
}
