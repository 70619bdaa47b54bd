/* cost-doubled.c — refused: costs whose gradient is doubled only for hard
 * 0/1 targets, for n ≠ 3, for outputs outside [0, 1], for large outputs,
 * or (through a sigmoid) for saturated z.  The test checks every cost on
 * its own. */
#include <math.h>
#include "fixture.h"

static void
grad_hard (const double *a, const double *z, const double *y, double *out, size_t n,
           const double *p)
{
  for (size_t k = 0; k < n; k++)
    out[k] = (y[k] == 0.0 || y[k] == 1.0 ? 2.0 : 1.0) * (a[k] - y[k]);
}

static void
grad_not3 (const double *a, const double *z, const double *y, double *out, size_t n,
           const double *p)
{
  for (size_t k = 0; k < n; k++)
    out[k] = (n != 3 ? 2.0 : 1.0) * (a[k] - y[k]);
}

static void
grad_outside (const double *a, const double *z, const double *y, double *out, size_t n,
              const double *p)
{
  for (size_t k = 0; k < n; k++)
    out[k] = (a[k] < 0.0 || a[k] > 1.0 ? 2.0 : 1.0) * (a[k] - y[k]);
}

static void
grad_large (const double *a, const double *z, const double *y, double *out, size_t n,
            const double *p)
{
  for (size_t k = 0; k < n; k++)
    out[k] = (fabs (a[k]) > 50.0 ? 2.0 : 1.0) * (a[k] - y[k]);
}

/* binary cross-entropy on a sigmoid output, from z */
static double
bce (const double *a, const double *z, const double *y, size_t n, const double *p)
{
  double l = 0.0;

  for (size_t k = 0; k < n; k++)
    l += fmax (z[k], 0.0) - z[k] * y[k] + log1p (exp (-fabs (z[k])));
  return l;
}

static void
bce_grad_a (const double *a, const double *z, const double *y, double *out, size_t n,
            const double *p)
{
  for (size_t k = 0; k < n; k++)
    out[k] = (y[k] != 0.0 ? -y[k] / a[k] : 0.0) + (y[k] != 1.0 ? (1.0 - y[k]) / (1.0 - a[k]) : 0.0);
}

/* σ(z) − y, doubled where the target is hard */
static void
bce_grad_z_hard (const double *a, const double *z, const double *y, double *out, size_t n,
                 const double *p)
{
  for (size_t k = 0; k < n; k++)
    out[k] = (y[k] == 0.0 || y[k] == 1.0 ? 2.0 : 1.0) * (a[k] - y[k]);
}

static const BpCostDesc costs[] = {
  { .id = "mse_hard", .name = "doubled for hard targets", .formula = "½Σ(a − y)²",
    .value = fixture_half_sq, .grad_a = grad_hard },
  { .id = "mse_not3", .name = "doubled for n ≠ 3", .formula = "½Σ(a − y)²",
    .value = fixture_half_sq, .grad_a = grad_not3 },
  { .id = "mse_outside", .name = "doubled outside [0, 1]", .formula = "½Σ(a − y)²",
    .value = fixture_half_sq, .grad_a = grad_outside },
  { .id = "mse_large", .name = "doubled for |a| > 50", .formula = "½Σ(a − y)²",
    .value = fixture_half_sq, .grad_a = grad_large },
  { .id = "bce_hard", .name = "grad_z doubled for hard targets", .formula = "bce",
    .requires = "needs a sigmoid output layer", .output_activation = "sigmoid",
    .value = bce, .grad_a = bce_grad_a, .grad_z = bce_grad_z_hard },
};

BP_PLUGIN_DEFINE (.name = "cost_doubled", .version = "1.0",
                  .costs = costs, .n_costs = BP_N_ELEMENTS (costs));
