/* bp-nesterov.c — SGD with Nesterov momentum as a Backprop Studio plugin.
 *
 *   v ← μv + g;  p ← p − lr·(g + μv)
 *
 * Exactly torch.optim.SGD(lr, momentum=μ, dampening=0, nesterov=True): the
 * gradient is taken at p and the look-ahead is folded into the update
 * (Sutskever et al., 2013).  The host zeroes v, so the first step is
 * v = g as in torch.  Weight decay, if the user sets one, is added to g by
 * the host (coupled L2, as torch's weight_decay).
 */
#include "backprop-plugin.h"

static const BpParamSpec nesterov_hyper[] = {
  { "lr", "learning rate", 0.1, 0.0, 1e6 },
  { "momentum", "momentum μ", 0.9, 0.0, 1.0 },
};

static const BpStateSpec nesterov_state[] = {
  { "v", "momentum buffer", 1 },
};

static void
nesterov_step (double *p, const double *g, double *const *state, size_t n,
               const double *hyper, uint64_t t)
{
  double lr = hyper[0], mu = hyper[1];
  double *v = state[0];

  for (size_t i = 0; i < n; i++)
    {
      v[i] = mu * v[i] + g[i];
      p[i] -= lr * (g[i] + mu * v[i]);
    }
}

/* What the next step does to one parameter: p − lr·(g + μ(μv + g))
 * = p − lr·μ²·v − lr·(1 + μ)·g, the old velocity's part and this
 * gradient's. */
static void
nesterov_explain (double p, double g, double l2, const double *const *state,
                  const double *hyper, uint64_t t, BpOptimizerExplanation *out)
{
  double lr = hyper[0], mu = hyper[1], v = state[0][0];
  size_t k = 0;

  out->derived[0] = (BpOptimizerValue) { "v after", "μ·v + g", mu * v + (g + l2) };
  out->n_derived = 1;
  out->terms[k++] = (BpOptimizerValue) { "momentum", "−lr·μ²·v", -lr * (mu * mu * v) };
  out->terms[k++] = (BpOptimizerValue) { "gradient step", "−lr·(1 + μ)·g", -lr * ((1.0 + mu) * g) };
  if (l2 != 0.0)
    out->terms[k++] = (BpOptimizerValue) { "weight decay", "−lr·(1 + μ)·λ·p",
                                           -lr * ((1.0 + mu) * l2) };
  out->n_terms = k;
}

static const BpOptimizerDesc optimizers[] = {
  {
    .id = "nesterov", .name = "SGD with Nesterov momentum",
    .formula = "v ← μv + g;  p ← p − lr·(g + μv)",
    .hyper_specs = nesterov_hyper, .n_hyper = BP_N_ELEMENTS (nesterov_hyper),
    .state_specs = nesterov_state, .n_state = BP_N_ELEMENTS (nesterov_state),
    .step = nesterov_step, .explain = nesterov_explain,
  },
};

BP_PLUGIN_DEFINE (.name = "nesterov", .version = "1.0",
                  .description = "SGD with Nesterov momentum, as torch.optim.SGD(nesterov=True)",
                  .license = "GPL-3.0-or-later",
                  .optimizers = optimizers, .n_optimizers = BP_N_ELEMENTS (optimizers));
