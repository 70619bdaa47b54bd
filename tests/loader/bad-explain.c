/* bad-explain.c — refused: momentum whose explain leaves out the momentum
 * term, so its terms do not add up to the step (ABI 1.1). */
#include "backprop-plugin.h"

static void
step (double *p, const double *g, double *const *state, size_t n, const double *h,
      uint64_t t)
{
  for (size_t i = 0; i < n; i++)
    {
      state[0][i] = h[1] * state[0][i] + g[i];
      p[i] -= h[0] * state[0][i];
    }
}

static void
explain (double p, double g, double l2, const double *const *state, const double *h,
         uint64_t t, BpOptimizerExplanation *out)
{
  out->terms[0] = (BpOptimizerValue) { "gradient step", "−lr·g", -h[0] * g };
  out->n_terms = 1;  /* −lr·μ·v is missing */
}

static const BpParamSpec hyper[] = {
  { "lr", "learning rate", 0.1, 0.0, 1e6 },
  { "momentum", "momentum μ", 0.9, 0.0, 1.0 },
};

static const BpStateSpec state_specs[] = {
  { "v", "velocity", 1 },
};

static const BpOptimizerDesc optimizers[] = {
  { .id = "half_explained", .name = "Half explained", .formula = "v ← μv + g;  p ← p − lr·v",
    .hyper_specs = hyper, .n_hyper = BP_N_ELEMENTS (hyper),
    .state_specs = state_specs, .n_state = BP_N_ELEMENTS (state_specs),
    .step = step, .explain = explain },
};

BP_PLUGIN_DEFINE (.name = "bad_explain", .version = "1.0",
                  .optimizers = optimizers, .n_optimizers = BP_N_ELEMENTS (optimizers));
