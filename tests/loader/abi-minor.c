/* abi-minor.c — refused: built for ABI 1.(minor + 1), newer than the host. */
#include "fixture.h"

static const BpActivationDesc activations[] = {
  { .id = "future_minor", .name = "future", .formula = "f(z) = z", .f = fixture_identity_f,
    .df = fixture_identity_df },
};

FIXTURE_DEFINE_WITH_ABI (BP_PLUGIN_ABI_MAJOR, BP_PLUGIN_ABI_MINOR + 1,
                         .name = "abi_minor", .version = "1.0",
                         .activations = activations, .n_activations = BP_N_ELEMENTS (activations));
