/* empty-id.c — refused: an activation with an empty id. */
#include "fixture.h"

static const BpActivationDesc activations[] = {
  { .id = "", .name = "nameless", .formula = "f(z) = z", .f = fixture_identity_f,
    .df = fixture_identity_df },
};

BP_PLUGIN_DEFINE (.name = "empty_id", .version = "1.0",
                  .activations = activations, .n_activations = BP_N_ELEMENTS (activations));
