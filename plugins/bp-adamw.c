/* bp-adamw.c — AdamW as a Backprop Studio plugin.
 *
 *   p ← p(1 − lr·λ);  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;
 *   p ← p − lr·m̂/(√v̂ + ε),  m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ)
 *
 * Exactly torch.optim.AdamW (Loshchilov & Hutter, 2019): the weight decay
 * λ shrinks p directly instead of entering g, so it is not rescaled by
 * the adaptive step.  Because it lists a hyperparameter named
 * "weight_decay", the host does not add its own L2 term to g.
 */
#include <math.h>

#include "backprop-plugin.h"

static const BpParamSpec adamw_hyper[] = {
  { "lr", "learning rate", 0.001, 0.0, 1e6 },
  { "beta1", "decay of the gradient average m", 0.9, 0.0, 0.999999999 },
  { "beta2", "decay of the squared-gradient average v", 0.999, 0.0, 0.999999999 },
  { "eps", "added to √v̂", 1e-8, 0.0, 1.0 },
  { "weight_decay", "decoupled weight decay λ", 0.01, 0.0, 1e6 },
};

static const BpStateSpec adamw_state[] = {
  { "m", "running average of g", 1 },
  { "v", "running average of g²", 1 },
};

static void
adamw_step (double *p, const double *g, double *const *state, size_t n,
            const double *hyper, uint64_t t)
{
  double lr = hyper[0], beta1 = hyper[1], beta2 = hyper[2], eps = hyper[3];
  double wd = hyper[4];
  double *m = state[0], *v = state[1];
  /* The same order of operations as torch.optim.AdamW. */
  double decay = 1.0 - lr * wd;
  double bc1 = 1.0 - pow (beta1, (double) t);
  double bc2 = 1.0 - pow (beta2, (double) t);
  double step_size = lr / bc1;
  double bc2_sqrt = sqrt (bc2);

  for (size_t i = 0; i < n; i++)
    {
      p[i] *= decay;
      m[i] = m[i] * beta1 + (1.0 - beta1) * g[i];
      v[i] = v[i] * beta2 + (1.0 - beta2) * g[i] * g[i];
      p[i] += -step_size * (m[i] / (sqrt (v[i]) / bc2_sqrt + eps));
    }
}

static const BpOptimizerDesc optimizers[] = {
  {
    .id = "adamw", .name = "AdamW",
    .formula = "p ← p(1 − lr·λ);  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  "
               "p ← p − lr·m̂/(√v̂ + ε)",
    .hyper_specs = adamw_hyper, .n_hyper = BP_N_ELEMENTS (adamw_hyper),
    .state_specs = adamw_state, .n_state = BP_N_ELEMENTS (adamw_state),
    .step = adamw_step,
  },
};

BP_PLUGIN_DEFINE (.name = "adamw", .version = "1.0",
                  .description = "Adam with decoupled weight decay, as torch.optim.AdamW",
                  .license = "GPL-3.0-or-later",
                  .optimizers = optimizers, .n_optimizers = BP_N_ELEMENTS (optimizers));
