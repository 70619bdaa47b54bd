/* good.c — a valid plugin with one feature of every shape the check knows:
 * an element-wise and a vector activation, a cost for any output and one
 * fused with the sigmoid, and an optimizer with state. */
#include <math.h>
#include "fixture.h"

/* f(z) = (√(z² + 1) − 1)/2 + z */
static double
bent_f (double z, const double *p)
{
  return (sqrt (z * z + 1.0) - 1.0) / 2.0 + z;
}

static double
bent_df (double z, double fz, const double *p)
{
  return z / (2.0 * sqrt (z * z + 1.0)) + 1.0;
}

/* a = softmax(z / T) */
static void
tsoft_forward (const double *z, double *a, size_t n, const double *p)
{
  double t = p[0], m = -INFINITY, s = 0.0;

  for (size_t i = 0; i < n; i++)
    m = fmax (m, z[i] / t);
  for (size_t i = 0; i < n; i++)
    s += a[i] = exp (z[i] / t - m);
  for (size_t i = 0; i < n; i++)
    a[i] /= s;
}

static void
tsoft_vjp (const double *z, const double *a, const double *g, double *out, size_t n,
           const double *p)
{
  double dot = 0.0;

  for (size_t i = 0; i < n; i++)
    dot += a[i] * g[i];
  for (size_t j = 0; j < n; j++)
    out[j] = a[j] * (g[j] - dot) / p[0];
}

static const BpParamSpec tsoft_params[] = {
  { "temperature", "T", 2.0, 1e-3, 1e3 },
};

/* l = Σ log cosh(a − y), stably */
static double
logcosh_value (const double *a, const double *z, const double *y, size_t n, const double *p)
{
  double l = 0.0;

  for (size_t k = 0; k < n; k++)
    {
      double d = fabs (a[k] - y[k]);

      l += d + log1p (exp (-2.0 * d)) - log (2.0);
    }
  return l;
}

static void
logcosh_grad_a (const double *a, const double *z, const double *y, double *out, size_t n,
                const double *p)
{
  for (size_t k = 0; k < n; k++)
    out[k] = tanh (a[k] - y[k]);
}

/* l = Σ ½(σ(z) − y)² (fixture_half_sq, ∂l/∂a = a − y), with the fused
 * ∂l/∂z = (a − y) a (1 − a) */
static void
smse_grad_z (const double *a, const double *z, const double *y, double *out, size_t n,
             const double *p)
{
  for (size_t k = 0; k < n; k++)
    out[k] = (a[k] - y[k]) * a[k] * (1.0 - a[k]);
}

/* p ← p − lr·sign(g), with a step count as state */
static void
sign_init (double *const *state, const double *p, size_t n, const double *h)
{
  for (size_t i = 0; i < n; i++)
    state[0][i] = 0.0;
}

static void
sign_step (double *p, const double *g, double *const *state, size_t n, const double *h,
           uint64_t t)
{
  for (size_t i = 0; i < n; i++)
    {
      p[i] -= h[0] * (g[i] > 0 ? 1.0 : g[i] < 0 ? -1.0 : 0.0);
      state[0][i] += 1.0;
    }
}

/* ABI 1.1: the step explained for one parameter, the count it keeps and
 * the one term the sign makes. */
static void
sign_explain (double p, double g, double l2, const double *const *state, const double *h,
              uint64_t t, BpOptimizerExplanation *out)
{
  double ge = g + l2;

  out->derived[0] = (BpOptimizerValue) { "count after", "count + 1", state[0][0] + 1.0 };
  out->n_derived = 1;
  out->terms[0] = (BpOptimizerValue) { "sign step", "−lr·sign(g)",
                                       -(h[0] * (ge > 0 ? 1.0 : ge < 0 ? -1.0 : 0.0)) };
  out->n_terms = 1;
}

static const BpParamSpec sign_hyper[] = {
  { "lr", "learning rate", 0.01, 0.0, 1e6 },
};

static const BpStateSpec sign_state[] = {
  { "count", "steps taken", 1 },
};

static const BpActivationDesc activations[] = {
  { .id = "bent_identity", .name = "Bent identity",
    .formula = "f(z) = (√(z² + 1) − 1)/2 + z",
    .f = bent_f, .df = bent_df },
  { .id = "tempered_softmax", .name = "Tempered softmax",
    .formula = "f(z)_i = e^{z_i/T} / Σ_k e^{z_k/T}",
    .params = tsoft_params, .n_params = BP_N_ELEMENTS (tsoft_params),
    .vec_forward = tsoft_forward, .vec_vjp = tsoft_vjp },
};

static const BpCostDesc costs[] = {
  { .id = "log_cosh", .name = "Log-cosh", .formula = "l = Σ_k log cosh(a_k − y_k)",
    .value = logcosh_value, .grad_a = logcosh_grad_a },
  { .id = "sigmoid_mse", .name = "MSE on a sigmoid", .formula = "l = Σ_k ½(σ(z_k) − y_k)²",
    .requires = "needs a sigmoid output layer", .output_activation = "sigmoid",
    .value = fixture_half_sq, .grad_a = fixture_half_sq_grad_a, .grad_z = smse_grad_z },
};

static const BpOptimizerDesc optimizers[] = {
  { .id = "sign_sgd", .name = "signSGD", .formula = "p ← p − lr·sign(g)",
    .hyper_specs = sign_hyper, .n_hyper = BP_N_ELEMENTS (sign_hyper),
    .state_specs = sign_state, .n_state = BP_N_ELEMENTS (sign_state),
    .init = sign_init, .step = sign_step, .explain = sign_explain },
};

BP_PLUGIN_DEFINE (.name = "loader_good", .version = "1.0",
                  .description = "A valid test plugin", .license = "MIT",
                  .activations = activations, .n_activations = BP_N_ELEMENTS (activations),
                  .costs = costs, .n_costs = BP_N_ELEMENTS (costs),
                  .optimizers = optimizers, .n_optimizers = BP_N_ELEMENTS (optimizers));
