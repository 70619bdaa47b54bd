/* missing-f.c — refused: a derivative without its function (f is NULL). */
#include "fixture.h"

static const BpActivationDesc activations[] = {
  { .id = "no_f", .name = "no f", .formula = "f(z) = ?", .f = NULL,
    .df = fixture_identity_df },
};

BP_PLUGIN_DEFINE (.name = "missing_f", .version = "1.0",
                  .activations = activations, .n_activations = BP_N_ELEMENTS (activations));
