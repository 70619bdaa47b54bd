/* bp-rprop.c — resilient backpropagation as a Backprop Studio plugin.
 *
 *   Δ ← clamp(Δ·η₊ if g·g_prev > 0, Δ·η₋ if < 0, else Δ; Δmin, Δmax)
 *   g ← 0 where g·g_prev < 0;  p ← p − sign(g)·Δ;  g_prev ← g
 *
 * Exactly torch.optim.Rprop (Riedmiller & Braun, 1993, the variant without
 * weight backtracking): only the sign of the gradient is used, and each
 * parameter adapts its own step Δ.  After a sign change the step shrinks,
 * the parameter stays put once, and the stored gradient is 0 so the next
 * step neither grows nor shrinks Δ.  Meant for full-batch training.
 */
#include <math.h>

#include "backprop-plugin.h"

/* The hyperparameters must keep 0 ≤ η₋ < 1 < η₊ and Δmin ≤ Δmax; the
 * ranges below guarantee the first, the user the second. */
static const BpParamSpec rprop_hyper[] = {
  { "lr", "initial step size Δ", 0.01, 0.0, 1e6 },
  { "etaminus", "η₋: step factor after a sign change", 0.5, 0.0, 0.999999 },
  { "etaplus", "η₊: step factor while the sign holds", 1.2, 1.000001, 100.0 },
  { "step_size_min", "smallest step Δmin", 1e-6, 0.0, 1e6 },
  { "step_size_max", "largest step Δmax", 50.0, 0.0, 1e6 },
};

static const BpStateSpec rprop_state[] = {
  { "prev", "gradient of the previous step (0 after a sign change)", 1 },
  { "step_size", "per-parameter step size Δ", 1 },
};

static void
rprop_init (double *const *state, const double *p, size_t n, const double *hyper)
{
  double *step_size = state[1];

  /* torch starts every Δ at lr; prev stays 0 as the host zeroed it. */
  for (size_t i = 0; i < n; i++)
    step_size[i] = hyper[0];
}

static void
rprop_step (double *p, const double *g, double *const *state, size_t n,
            const double *hyper, uint64_t t)
{
  double etaminus = hyper[1], etaplus = hyper[2];
  double step_min = hyper[3], step_max = hyper[4];
  double *prev = state[0], *step_size = state[1];

  for (size_t i = 0; i < n; i++)
    {
      /* As torch: the sign of the product (which may underflow to 0), not
       * the product of the signs. */
      double s = g[i] * prev[i];
      double gi = g[i];

      if (s > 0)
        step_size[i] *= etaplus;
      else if (s < 0)
        step_size[i] *= etaminus;
      step_size[i] = fmin (fmax (step_size[i], step_min), step_max);

      if (s < 0)
        gi = 0.0;
      if (gi > 0)
        p[i] -= step_size[i];
      else if (gi < 0)
        p[i] += step_size[i];
      prev[i] = gi;
    }
}

/* What the next step does to one parameter: a step of ±Δ by the sign
 * alone, so nothing splits (an L2 term only changes the sign seen). */
static void
rprop_explain (double p, double g, double l2, const double *const *state,
               const double *hyper, uint64_t t, BpOptimizerExplanation *out)
{
  double etaminus = hyper[1], etaplus = hyper[2];
  double step_min = hyper[3], step_max = hyper[4];
  double gi = g + l2;
  double s = gi * state[0][0];
  double step_size = state[1][0];

  if (s > 0)
    step_size *= etaplus;
  else if (s < 0)
    step_size *= etaminus;
  step_size = fmin (fmax (step_size, step_min), step_max);
  if (s < 0)
    gi = 0.0;

  out->derived[0] = (BpOptimizerValue) { "Δ after", "Δ·η₊ or Δ·η₋ by the sign of g·g_prev, clamped", step_size };
  out->n_derived = 1;
  out->terms[0] = (BpOptimizerValue) { "sign step", "−sign(g)·Δ (0 after a sign change)",
                                       gi > 0 ? -step_size : gi < 0 ? step_size : 0.0 };
  out->n_terms = 1;
}

static const BpOptimizerDesc optimizers[] = {
  {
    .id = "rprop", .name = "Rprop",
    .formula = "Δ ← clamp(Δ·η₊ if g·g_prev > 0, Δ·η₋ if < 0; Δmin, Δmax);  "
               "p ← p − sign(g)·Δ",
    .hyper_specs = rprop_hyper, .n_hyper = BP_N_ELEMENTS (rprop_hyper),
    .state_specs = rprop_state, .n_state = BP_N_ELEMENTS (rprop_state),
    .init = rprop_init, .step = rprop_step, .explain = rprop_explain,
  },
};

BP_PLUGIN_DEFINE (.name = "rprop", .version = "1.0",
                  .description = "Resilient backpropagation, as torch.optim.Rprop",
                  .license = "GPL-3.0-or-later",
                  .optimizers = optimizers, .n_optimizers = BP_N_ELEMENTS (optimizers));
