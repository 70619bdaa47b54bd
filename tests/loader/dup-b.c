/* dup-b.c — provides "twin" too (refused: dup-a had it first). */
#include "fixture.h"

static const BpActivationDesc activations[] = {
  { .id = "twin", .name = "twin", .formula = "f(z)", .f = fixture_twice_f,
    .df = fixture_twice_df },
};

BP_PLUGIN_DEFINE (.name = "dup_b", .version = "1.0",
                  .activations = activations, .n_activations = BP_N_ELEMENTS (activations));
