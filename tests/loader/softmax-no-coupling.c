/* softmax-no-coupling.c — refused: softmaxes whose vector-Jacobian
 * product drops (or halves) the coupling term −a_j Σ_i a_i g_i for some
 * sizes only.  The test checks every activation on its own. */
#include "fixture.h"

static void
vjp (const double *a, const double *g, double *out, size_t n, double coupling)
{
  double dot = 0.0;

  for (size_t i = 0; i < n; i++)
    dot += a[i] * g[i];
  for (size_t j = 0; j < n; j++)
    out[j] = a[j] * (g[j] - coupling * dot);
}

/* no coupling for n = 4, 5 and n ≥ 7 */
static void
vjp_45_7up (const double *z, const double *a, const double *g, double *out, size_t n,
            const double *p)
{
  vjp (a, g, out, n, n == 4 || n == 5 || n >= 7 ? 0.0 : 1.0);
}

/* no coupling for n = 7 only */
static void
vjp_7 (const double *z, const double *a, const double *g, double *out, size_t n,
       const double *p)
{
  vjp (a, g, out, n, n == 7 ? 0.0 : 1.0);
}

/* half the coupling for n = 5 */
static void
vjp_half5 (const double *z, const double *a, const double *g, double *out, size_t n,
           const double *p)
{
  vjp (a, g, out, n, n == 5 ? 0.5 : 1.0);
}

static const BpActivationDesc activations[] = {
  { .id = "softmax_45_7up", .name = "no coupling for n = 4, 5, ≥ 7", .formula = "softmax",
    .vec_forward = fixture_softmax, .vec_vjp = vjp_45_7up },
  { .id = "softmax_7", .name = "no coupling for n = 7", .formula = "softmax",
    .vec_forward = fixture_softmax, .vec_vjp = vjp_7 },
  { .id = "softmax_half5", .name = "half the coupling for n = 5", .formula = "softmax",
    .vec_forward = fixture_softmax, .vec_vjp = vjp_half5 },
};

BP_PLUGIN_DEFINE (.name = "softmax_no_coupling", .version = "1.0",
                  .activations = activations, .n_activations = BP_N_ELEMENTS (activations));
