/* diverging-optimizer.c — refused: steps uphill, p ← p + lr·g. */
#include "backprop-plugin.h"

static void
step (double *p, const double *g, double *const *state, size_t n, const double *h,
      uint64_t t)
{
  for (size_t i = 0; i < n; i++)
    p[i] += h[0] * g[i];  /* the wrong sign */
}

static const BpParamSpec hyper[] = {
  { "lr", "learning rate", 0.1, 0.0, 1e6 },
};

static const BpOptimizerDesc optimizers[] = {
  { .id = "uphill", .name = "Uphill", .formula = "p ← p + lr·g",
    .hyper_specs = hyper, .n_hyper = BP_N_ELEMENTS (hyper), .step = step },
};

BP_PLUGIN_DEFINE (.name = "diverging_optimizer", .version = "1.0",
                  .optimizers = optimizers, .n_optimizers = BP_N_ELEMENTS (optimizers));
