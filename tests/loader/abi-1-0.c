/* abi-1-0.c — loads: an optimizer plugin built against the ABI 1.0 header
 * (abi-1.0/backprop-plugin.h, the header as it was before the minor bump,
 * kept verbatim), so it has no `explain`.  The host must still load it and
 * show its state arrays by their names.
 *
 *   v ← μv + g;  p ← p − lr·v   (momentum under another id)
 */
#include "backprop-plugin.h"

static const BpParamSpec old_hyper[] = {
  { "lr", "learning rate", 0.1, 0.0, 1e6 },
  { "momentum", "momentum μ", 0.9, 0.0, 1.0 },
};

static const BpStateSpec old_state[] = {
  { "velocity", "μ·v + g, the running sum of gradients", 1 },
};

static void
old_step (double *p, const double *g, double *const *state, size_t n,
          const double *h, uint64_t t)
{
  double *v = state[0];

  for (size_t i = 0; i < n; i++)
    {
      v[i] = h[1] * v[i] + g[i];
      p[i] -= h[0] * v[i];
    }
}

static const BpOptimizerDesc optimizers[] = {
  { .id = "old_momentum", .name = "Momentum (ABI 1.0)", .formula = "v ← μv + g;  p ← p − lr·v",
    .hyper_specs = old_hyper, .n_hyper = BP_N_ELEMENTS (old_hyper),
    .state_specs = old_state, .n_state = BP_N_ELEMENTS (old_state),
    .step = old_step },
};

BP_PLUGIN_DEFINE (.name = "abi_1_0", .version = "1.0",
                  .description = "An optimizer built against plugin ABI 1.0", .license = "MIT",
                  .optimizers = optimizers, .n_optimizers = BP_N_ELEMENTS (optimizers));
