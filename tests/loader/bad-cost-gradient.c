/* bad-cost-gradient.c — refused: l = Σ ½(a − y)² with ∂l/∂a = 2(a − y). */
#include "fixture.h"

static void
grad_a (const double *a, const double *z, const double *y, double *out, size_t n,
        const double *p)
{
  for (size_t k = 0; k < n; k++)
    out[k] = 2.0 * (a[k] - y[k]);  /* twice too large */
}

static const BpCostDesc costs[] = {
  { .id = "double_mse", .name = "double MSE", .formula = "l = Σ_k ½(a_k − y_k)²",
    .value = fixture_half_sq, .grad_a = grad_a },
};

BP_PLUGIN_DEFINE (.name = "bad_cost_gradient", .version = "1.0",
                  .costs = costs, .n_costs = BP_N_ELEMENTS (costs));
