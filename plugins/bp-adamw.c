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

/* What the next step does to one parameter: the decay first, as the step
 * applies it, then the Adam step split over the old m and this g (m is
 * linear in both). */
static void
adamw_explain (double p, double g, double l2, const double *const *state,
               const double *hyper, uint64_t t, BpOptimizerExplanation *out)
{
  double lr = hyper[0], beta1 = hyper[1], beta2 = hyper[2], eps = hyper[3];
  double wd = hyper[4];
  double bc1 = 1.0 - pow (beta1, (double) t);
  double bc2 = 1.0 - pow (beta2, (double) t);
  double step_size = lr / bc1;
  double m = state[0][0] * beta1 + (1.0 - beta1) * g;
  double v = state[1][0] * beta2 + (1.0 - beta2) * g * g;
  double den = sqrt (v) / sqrt (bc2) + eps;
  size_t d = 0, k = 0;

  (void) l2;  /* always 0: the host leaves the decay to this optimizer */
  out->derived[d++] = (BpOptimizerValue) { "m after", "β₁·m + (1 − β₁)·g", m };
  out->derived[d++] = (BpOptimizerValue) { "v after", "β₂·v + (1 − β₂)·g²", v };
  out->derived[d++] = (BpOptimizerValue) { "m̂", "m/(1 − β₁ᵗ): m without its bias towards 0",
                                           m / bc1 };
  out->derived[d++] = (BpOptimizerValue) { "v̂", "v/(1 − β₂ᵗ): v without its bias towards 0",
                                           v / bc2 };
  out->derived[d++] = (BpOptimizerValue) { "effective step",
                                           "lr·m̂/(√v̂ + ε), subtracted from the parameter",
                                           step_size * (m / den) };
  out->n_derived = d;
  /* p·(1 − lr·λ) − p as the step rounds it, so that the terms add up. */
  out->terms[k++] = (BpOptimizerValue) { "decoupled weight decay", "−lr·λ·p (not through m, v)",
                                         p * (1.0 - lr * wd) - p };
  out->terms[k++] = (BpOptimizerValue) { "momentum", "−lr/(1 − β₁ᵗ)·β₁·m_before/(√v̂ + ε)",
                                         -step_size * (state[0][0] * beta1 / den) };
  out->terms[k++] = (BpOptimizerValue) { "gradient step", "−lr/(1 − β₁ᵗ)·(1 − β₁)·g/(√v̂ + ε)",
                                         -step_size * ((1.0 - beta1) * g / den) };
  out->n_terms = k;
}

static const BpOptimizerDesc optimizers[] = {
  {
    .id = "adamw", .name = "AdamW",
    .formula = "p ← p(1 − lr·λ);  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  "
               "p ← p − lr·m̂/(√v̂ + ε)",
    .hyper_specs = adamw_hyper, .n_hyper = BP_N_ELEMENTS (adamw_hyper),
    .state_specs = adamw_state, .n_state = BP_N_ELEMENTS (adamw_state),
    .step = adamw_step, .explain = adamw_explain,
  },
};

BP_PLUGIN_DEFINE (.name = "adamw", .version = "1.0",
                  .description = "Adam with decoupled weight decay, as torch.optim.AdamW",
                  .license = "GPL-3.0-or-later",
                  .optimizers = optimizers, .n_optimizers = BP_N_ELEMENTS (optimizers));
