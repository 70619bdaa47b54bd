/* dup-a.c — provides "twin" (loads: first). */
#include "fixture.h"

static const BpActivationDesc activations[] = {
  { .id = "twin", .name = "twin", .formula = "f(z)", .f = fixture_identity_f,
    .df = fixture_identity_df },
};

BP_PLUGIN_DEFINE (.name = "dup_a", .version = "1.0",
                  .activations = activations, .n_activations = BP_N_ELEMENTS (activations));
