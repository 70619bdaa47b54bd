/* abi-major.c — refused: built for ABI major 2 (the host has 1). */
#include "fixture.h"

static const BpActivationDesc activations[] = {
  { .id = "future_major", .name = "future", .formula = "f(z) = z", .f = fixture_identity_f,
    .df = fixture_identity_df },
};

FIXTURE_DEFINE_WITH_ABI (BP_PLUGIN_ABI_MAJOR + 1, 0,
                         .name = "abi_major", .version = "1.0",
                         .activations = activations, .n_activations = BP_N_ELEMENTS (activations));
