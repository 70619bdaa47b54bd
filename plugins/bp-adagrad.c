/* bp-adagrad.c — Adagrad as a Backprop Studio plugin.
 *
 *   s ← s + g²;  p ← p − lr·g/(√s + ε)
 *
 * Exactly torch.optim.Adagrad(lr, lr_decay=0, initial_accumulator_value=0,
 * eps=ε) (Duchi et al., 2011): each parameter's step shrinks with the sum
 * of its squared gradients.  The host zeroes s.  Weight decay, if the user
 * sets one, is added to g by the host (coupled L2, as torch's).
 */
#include <math.h>

#include "backprop-plugin.h"

static const BpParamSpec adagrad_hyper[] = {
  { "lr", "learning rate", 0.01, 0.0, 1e6 },
  { "eps", "added to √s", 1e-10, 0.0, 1.0 },
};

static const BpStateSpec adagrad_state[] = {
  { "s", "sum of g²", 1 },
};

static void
adagrad_step (double *p, const double *g, double *const *state, size_t n,
              const double *hyper, uint64_t t)
{
  double lr = hyper[0], eps = hyper[1];
  double *s = state[0];

  /* The same order of operations as torch: addcmul, sqrt + eps, addcdiv. */
  for (size_t i = 0; i < n; i++)
    {
      s[i] += g[i] * g[i];
      p[i] += -lr * (g[i] / (sqrt (s[i]) + eps));
    }
}

static const BpOptimizerDesc optimizers[] = {
  {
    .id = "adagrad", .name = "Adagrad",
    .formula = "s ← s + g²;  p ← p − lr·g/(√s + ε)",
    .hyper_specs = adagrad_hyper, .n_hyper = BP_N_ELEMENTS (adagrad_hyper),
    .state_specs = adagrad_state, .n_state = BP_N_ELEMENTS (adagrad_state),
    .step = adagrad_step,
  },
};

BP_PLUGIN_DEFINE (.name = "adagrad", .version = "1.0",
                  .description = "Adagrad, as torch.optim.Adagrad",
                  .license = "GPL-3.0-or-later",
                  .optimizers = optimizers, .n_optimizers = BP_N_ELEMENTS (optimizers));
