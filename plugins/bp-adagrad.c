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

/* What the next step does to one parameter: linear in g once s is
 * known, so the L2 term splits off. */
static void
adagrad_explain (double p, double g, double l2, const double *const *state,
                 const double *hyper, uint64_t t, BpOptimizerExplanation *out)
{
  double lr = hyper[0], eps = hyper[1];
  double ge = g + l2;
  double s = state[0][0] + ge * ge;
  double den = sqrt (s) + eps;
  size_t k = 0;

  out->derived[0] = (BpOptimizerValue) { "s after", "s + g²", s };
  out->derived[1] = (BpOptimizerValue) { "√s + ε", "what the step divides by", den };
  out->n_derived = 2;
  out->terms[k++] = (BpOptimizerValue) { "gradient step", "−lr·g/(√s + ε)", -lr * (g / den) };
  if (l2 != 0.0)
    out->terms[k++] = (BpOptimizerValue) { "weight decay", "−lr·λ·p/(√s + ε)", -lr * (l2 / den) };
  out->n_terms = k;
}

static const BpOptimizerDesc optimizers[] = {
  {
    .id = "adagrad", .name = "Adagrad",
    .formula = "s ← s + g²;  p ← p − lr·g/(√s + ε)",
    .hyper_specs = adagrad_hyper, .n_hyper = BP_N_ELEMENTS (adagrad_hyper),
    .state_specs = adagrad_state, .n_state = BP_N_ELEMENTS (adagrad_state),
    .step = adagrad_step, .explain = adagrad_explain,
  },
};

BP_PLUGIN_DEFINE (.name = "adagrad", .version = "1.0",
                  .description = "Adagrad, as torch.optim.Adagrad",
                  .license = "GPL-3.0-or-later",
                  .optimizers = optimizers, .n_optimizers = BP_N_ELEMENTS (optimizers));
