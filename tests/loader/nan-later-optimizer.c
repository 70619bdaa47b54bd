/* nan-later-optimizer.c — loads (plain SGD passes the check's 300 steps),
 * then its update turns the first weight into NaN at step 1001.  Training
 * must stop there, name this plugin's update step (not the learning rate),
 * and keep the 1000 good steps. */
#include <math.h>
#include "backprop-plugin.h"

static void
step (double *p, const double *g, double *const *state, size_t n, const double *h,
      uint64_t t)
{
  for (size_t i = 0; i < n; i++)
    p[i] -= h[0] * g[i];
  if (t == 1001)
    p[0] = NAN;
}

static const BpParamSpec hyper[] = {
  { "lr", "learning rate", 0.1, 0.0, 1e6 },
};

static const BpOptimizerDesc optimizers[] = {
  { .id = "sgd_nan_later", .name = "SGD that fails at step 1001", .formula = "p ← p − lr·g",
    .hyper_specs = hyper, .n_hyper = BP_N_ELEMENTS (hyper), .step = step },
};

BP_PLUGIN_DEFINE (.name = "nan_later_optimizer", .version = "1.0",
                  .optimizers = optimizers, .n_optimizers = BP_N_ELEMENTS (optimizers));
