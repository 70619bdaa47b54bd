/* bp-builtins.c — the built-in activations, costs and optimizers.
 *
 * They are declared through the same BpPluginDesc a plugin uses, so there is
 * one registration path.  Derivatives are exact and never clipped, and
 * computed from z: σ′ = σ(z)σ(−z), tanh′ = sech² z, not PyTorch's σ(1 − σ)
 * and 1 − tanh², which lose every digit once a rounds to ±1 (σ′(37) = 0
 * instead of 8.5e−17).  The costs at a confident output likewise: the loss
 * by log-sum-exp with log1p, δ of the dominant unit as minus the others'.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include "bp-registry.h"
#include "bp-util.h"
#include "bp-math.h"

#include <glib/gi18n-lib.h>
#include <math.h>

/* The largest |z| the _core forms of bp-math.h take (e^{−|z|} is normal up
 * to 708; sech² squares it); beyond, their _tail forms (libm). */
#define SIGMOID_CORE_MAX 708.0
#define SECH2_CORE_MAX   354.0

/* The _array forms of σ and tanh take `restrict` arrays (every caller
 * passes distinct ones): without it GCC vectorises no loop whose exp looks
 * its 2^{j/128} up in bp-math.h's table (a gather), and goes one value at
 * a time.
 *
 * The _array forms below write the core pass and the tail pass out for
 * each function rather than through a shared helper: each loop then reads
 * as the formula it computes, compiles with its core inlined and
 * vectorised, and is what tests/reference/mutants plants its bugs in. */

/* ---------------------------------------------------------------- sigmoid */

static double
sigmoid_f (double z, const double *p)
{
  return bp_sigmoid (z);
}

static double
sigmoid_df (double z, double fz, const double *p)
{
  return bp_sigmoid_prime (z);
}

BP_HOT static void
sigmoid_f_array (const double *restrict z, double *restrict a, size_t n, const double *p)
{
  /* A vectorised pass, then libm for the rare |z| > 708 (subnormal tails).
   * An output layer of one or two units takes the scalar path directly. */
  int tails = 0;

  if (n < 4)
    {
      for (size_t i = 0; i < n; i++)
        a[i] = bp_sigmoid (z[i]);
      return;
    }
  for (size_t i = 0; i < n; i++)
    {
      a[i] = bp_sigmoid_core (z[i]);
      tails |= fabs (z[i]) > SIGMOID_CORE_MAX;
    }
  if (tails)
    for (size_t i = 0; i < n; i++)
      if (fabs (z[i]) > SIGMOID_CORE_MAX)
        a[i] = bp_sigmoid_tail (z[i]);
}

BP_HOT static void
sigmoid_df_array (const double *restrict z, const double *a, double *restrict d, size_t n,
                 const double *p)
{
  int tails = 0;

  for (size_t i = 0; i < n; i++)
    {
      d[i] = bp_sigmoid_prime_core (z[i]);
      tails |= fabs (z[i]) > SIGMOID_CORE_MAX;
    }
  if (tails)
    for (size_t i = 0; i < n; i++)
      if (fabs (z[i]) > SIGMOID_CORE_MAX)
        d[i] = bp_sigmoid_prime_tail (z[i]);
}

/* ------------------------------------------------------------------- tanh */

static double
tanh_f (double z, const double *p)
{
  return bp_tanh (z);
}

static double
tanh_df (double z, double fz, const double *p)
{
  return bp_sech2 (z);
}

BP_HOT static void
tanh_f_array (const double *restrict z, double *restrict a, size_t n, const double *p)
{
  for (size_t i = 0; i < n; i++)
    a[i] = bp_tanh (z[i]);
}

BP_HOT static void
tanh_df_array (const double *restrict z, const double *a, double *restrict d, size_t n,
              const double *p)
{
  int tails = 0;

  for (size_t i = 0; i < n; i++)
    {
      d[i] = bp_sech2_core (z[i]);
      tails |= fabs (z[i]) > SECH2_CORE_MAX;
    }
  if (tails)
    for (size_t i = 0; i < n; i++)
      if (fabs (z[i]) > SECH2_CORE_MAX)
        d[i] = bp_sech2_tail (z[i]);
}

/* ------------------------------------------------------------------- relu */

static double
relu_f (double z, const double *p)
{
  return z > 0 ? z : 0.0;
}

static double
relu_df (double z, double fz, const double *p)
{
  /* relu′(0) = 0, as PyTorch. */
  return z > 0 ? 1.0 : 0.0;
}

BP_HOT static void
relu_f_array (const double *z, double *a, size_t n, const double *p)
{
  for (size_t i = 0; i < n; i++)
    a[i] = z[i] > 0 ? z[i] : 0.0;
}

BP_HOT static void
relu_df_array (const double *z, const double *a, double *d, size_t n, const double *p)
{
  for (size_t i = 0; i < n; i++)
    d[i] = z[i] > 0 ? 1.0 : 0.0;
}

/* ------------------------------------------------------------- leaky_relu */

static double
leaky_f (double z, const double *p)
{
  return z > 0 ? z : p[0] * z;
}

static double
leaky_df (double z, double fz, const double *p)
{
  /* leaky_relu′(0) = α. */
  return z > 0 ? 1.0 : p[0];
}

BP_HOT static void
leaky_f_array (const double *z, double *a, size_t n, const double *p)
{
  double alpha = p[0];

  for (size_t i = 0; i < n; i++)
    a[i] = z[i] > 0 ? z[i] : alpha * z[i];
}

BP_HOT static void
leaky_df_array (const double *z, const double *a, double *d, size_t n, const double *p)
{
  double alpha = p[0];

  for (size_t i = 0; i < n; i++)
    d[i] = z[i] > 0 ? 1.0 : alpha;
}

static const BpParamSpec leaky_params[] = {
  { "alpha", "slope for z ≤ 0", 0.01, -1e6, 1e6 },
};

/* --------------------------------------------------------------- softplus */

static double
softplus_f (double z, const double *p)
{
  /* log(1 + e^z) = max(z, 0) + log1p(e^−|z|): exact everywhere, no cut-off. */
  return fmax (z, 0.0) + log1p (exp (-fabs (z)));
}

static double
softplus_df (double z, double fz, const double *p)
{
  return bp_sigmoid (z);
}

/* ----------------------------------------------------------------- linear */

static double
linear_f (double z, const double *p)
{
  return z;
}

static double
linear_df (double z, double fz, const double *p)
{
  return 1.0;
}

/* ---------------------------------------------------------------- softmax */

static void
softmax_forward (const double *z, double *a, size_t n, const double *p)
{
  double m = -INFINITY, s = 0.0;

  for (size_t i = 0; i < n; i++)
    m = fmax (m, z[i]);
  for (size_t i = 0; i < n; i++)
    {
      a[i] = exp (z[i] - m);
      s += a[i];
    }
  for (size_t i = 0; i < n; i++)
    a[i] /= s;
}

static void
softmax_vjp (const double *z, const double *a, const double *g, double *out, size_t n,
             const double *p)
{
  /* ∂a_i/∂z_j = a_i (δ_ij − a_j), so (Jᵀg)_j = a_j (g_j − Σ_i a_i g_i).
   * With Σ a = 1 and m the largest unit, g_j − Σ_i a_i g_i
   * = (g_j − g_m) − Σ_{i≠m} a_i (g_i − g_m): the dominant unit's factor is
   * a sum of small terms, not g_m − a_m g_m − … with a_m rounded to 1. */
  double dot = 0.0;
  size_t m = 0;

  for (size_t i = 1; i < n; i++)
    if (a[i] > a[m])
      m = i;
  for (size_t i = 0; i < n; i++)
    if (i != m)
      dot += a[i] * (g[i] - g[m]);
  for (size_t j = 0; j < n; j++)
    out[j] = a[j] * ((g[j] - g[m]) - dot);
}

static const BpActivationDesc builtin_activations[] = {
  {
    .id = "sigmoid", .name = "Sigmoid",
    .formula = "σ(z) = 1/(1 + e^{−z})",
    .derivative_formula = "σ′(z) = σ(z)(1 − σ(z))",
    .f = sigmoid_f, .df = sigmoid_df,
    .f_array = sigmoid_f_array, .df_array = sigmoid_df_array,
  },
  {
    .id = "tanh", .name = "Tanh",
    .formula = "σ(z) = tanh z",
    .derivative_formula = "σ′(z) = 1 − tanh² z",
    .f = tanh_f, .df = tanh_df,
    .f_array = tanh_f_array, .df_array = tanh_df_array,
  },
  {
    .id = "relu", .name = "ReLU",
    .formula = "σ(z) = max(0, z)",
    .derivative_formula = "σ′(z) = 1 if z > 0, else 0",
    .f = relu_f, .df = relu_df,
    .f_array = relu_f_array, .df_array = relu_df_array,
  },
  {
    .id = "leaky_relu", .name = "Leaky ReLU",
    .formula = "σ(z) = z if z > 0, else αz",
    .derivative_formula = "σ′(z) = 1 if z > 0, else α",
    .params = leaky_params, .n_params = G_N_ELEMENTS (leaky_params),
    .f = leaky_f, .df = leaky_df,
    .f_array = leaky_f_array, .df_array = leaky_df_array,
  },
  {
    .id = "softplus", .name = "Softplus",
    .formula = "σ(z) = log(1 + e^{z})",
    .derivative_formula = "σ′(z) = 1/(1 + e^{−z})",
    .f = softplus_f, .df = softplus_df,
  },
  {
    .id = "linear", .name = "Linear",
    .formula = "σ(z) = z",
    .derivative_formula = "σ′(z) = 1",
    .f = linear_f, .df = linear_df,
  },
  {
    .id = "softmax", .name = "Softmax",
    .formula = "σ(z)_i = e^{z_i} / Σ_k e^{z_k}",
    .derivative_formula = "∂σ_i/∂z_j = σ_i(δ_ij − σ_j)",
    .vec_forward = softmax_forward, .vec_vjp = softmax_vjp,
  },
};

/* ------------------------------------------------------------------ costs */

static double
mse_value (const double *a, const double *z, const double *y, size_t n, const double *p)
{
  double l = 0.0;

  for (size_t k = 0; k < n; k++)
    {
      double d = a[k] - y[k];
      l += 0.5 * d * d;
    }
  return l;
}

static void
mse_grad_a (const double *a, const double *z, const double *y, double *out, size_t n,
            const double *p)
{
  for (size_t k = 0; k < n; k++)
    out[k] = a[k] - y[k];
}

static double
bce_value (const double *a, const double *z, const double *y, size_t n, const double *p)
{
  /* −[y log σ(z) + (1−y) log(1−σ(z))] = (1 − y)·z + log1p(e^−z) for z ≥ 0,
   * −y·z + log1p(e^z) below: two terms of one sign, finite for every
   * finite z, and at y = 1, z = 40 exactly log1p(e^−40), not 40 − 40 + … */
  double l = 0.0;

  for (size_t k = 0; k < n; k++)
    {
      double w = z[k] >= 0 ? 1.0 - y[k] : -y[k];

      l += w * z[k] + log1p (exp (-fabs (z[k])));
    }
  return l;
}

static void
bce_grad_a (const double *a, const double *z, const double *y, double *out, size_t n,
            const double *p)
{
  /* ∂l/∂a = −y/a + (1−y)/(1−a), with a = σ(z) and 1 − a = σ(−z) from z
   * (the output layer is a sigmoid): 1 − a from a rounded a would be 0 at
   * z = 40.  A term whose weight is 0 contributes 0 even where σ
   * underflows. */
  for (size_t k = 0; k < n; k++)
    {
      double g = 0.0;

      if (y[k] != 0.0)
        g -= y[k] / bp_sigmoid (z[k]);
      if (y[k] != 1.0)
        g += (1.0 - y[k]) / bp_sigmoid (-z[k]);
      out[k] = g;
    }
}

static void
bce_grad_z (const double *a, const double *z, const double *y, double *out, size_t n,
            const double *p)
{
  /* ∂l/∂z = σ(z) − y, for z ≥ 0 as (1 − y) − σ(−z): at y = 1, z = 40 that
   * is −σ(−40) = −4.2e−18, where a − y is 0. */
  for (size_t k = 0; k < n; k++)
    out[k] = z[k] >= 0 ? (1.0 - y[k]) - bp_sigmoid (-z[k]) : bp_sigmoid (z[k]) - y[k];
}

static double
softmax_ce_value (const double *a, const double *z, const double *y, size_t n,
                  const double *p)
{
  /* −Σ y_k log softmax(z)_k = Σ y_k (logsumexp(z) − z_k), with
   * logsumexp(z) − z_k = (z_m − z_k) + log1p(Σ_{i≠m} e^{z_i − z_m}) for the
   * largest z_m: log of a sum that rounds to 1 would lose the loss of a
   * confident right answer (9.358e−14 at z = (30, 0, −30), not 9.237e−14). */
  double s = 0.0, lse1p, l = 0.0;
  size_t m = 0;

  for (size_t k = 1; k < n; k++)
    if (z[k] > z[m])
      m = k;
  for (size_t k = 0; k < n; k++)
    if (k != m)
      s += exp (z[k] - z[m]);
  lse1p = log1p (s);
  for (size_t k = 0; k < n; k++)
    if (y[k] != 0.0)
      l += y[k] * ((z[m] - z[k]) + lse1p);
  return l;
}

static void
softmax_ce_grad_a (const double *a, const double *z, const double *y, double *out, size_t n,
                   const double *p)
{
  for (size_t k = 0; k < n; k++)
    out[k] = y[k] != 0.0 ? -y[k] / a[k] : 0.0;
}

static void
softmax_ce_grad_z (const double *a, const double *z, const double *y, double *out, size_t n,
                   const double *p)
{
  /* ∂l/∂z_j = a_j Σ_k y_k − y_j (= a_j − y_j for probability targets).
   * These sum to 0 (Σ a = 1), so the largest unit's is minus the others':
   * −Σ_{k≠m} a_k exactly, where a_m − 1 with a_m rounded to 1 is not. */
  double sy = 0.0, rest = 0.0;
  size_t m = 0;

  for (size_t k = 0; k < n; k++)
    {
      sy += y[k];
      if (a[k] > a[m])
        m = k;
    }
  for (size_t k = 0; k < n; k++)
    if (k != m)
      {
        out[k] = a[k] * sy - y[k];
        rest += out[k];
      }
  out[m] = -rest;
}

static const BpCostDesc builtin_costs[] = {
  {
    .id = "mse", .name = "Mean squared error",
    .formula = "l = Σ_k ½(a_k − y_k)²",
    .value = mse_value, .grad_a = mse_grad_a,
  },
  {
    .id = "bce", .name = "Binary cross-entropy",
    .formula = "l = −Σ_k [y_k log a_k + (1 − y_k) log(1 − a_k)]",
    .requires = N_("needs a sigmoid output layer"),  /* translated where shown */
    .output_activation = "sigmoid",
    .value = bce_value, .grad_a = bce_grad_a, .grad_z = bce_grad_z,
  },
  {
    .id = "softmax_ce", .name = "Softmax cross-entropy",
    .formula = "l = −Σ_k y_k log softmax(z)_k",
    .requires = N_("needs a softmax output layer"),
    .output_activation = "softmax",
    .value = softmax_ce_value, .grad_a = softmax_ce_grad_a, .grad_z = softmax_ce_grad_z,
  },
};

/* ------------------------------------------------------------- optimizers */

BP_HOT static void
sgd_step (double *p, const double *g, double *const *state, size_t n,
          const double *h, uint64_t t)
{
  double lr = h[0];

  for (size_t i = 0; i < n; i++)
    p[i] -= lr * g[i];
}

BP_HOT static void
momentum_step (double *p, const double *g, double *const *state, size_t n,
               const double *h, uint64_t t)
{
  double lr = h[0], mu = h[1];
  double *v = state[0];

  for (size_t i = 0; i < n; i++)
    {
      v[i] = mu * v[i] + g[i];
      p[i] -= lr * v[i];
    }
}

BP_HOT static void
rmsprop_step (double *p, const double *g, double *const *state, size_t n,
              const double *h, uint64_t t)
{
  double lr = h[0], alpha = h[1], eps = h[2];
  double *v = state[0];

  for (size_t i = 0; i < n; i++)
    {
      v[i] = alpha * v[i] + (1.0 - alpha) * g[i] * g[i];
      p[i] -= lr * g[i] / (sqrt (v[i]) + eps);
    }
}

BP_HOT static void
adam_step (double *p, const double *g, double *const *state, size_t n,
           const double *h, uint64_t t)
{
  double lr = h[0], beta1 = h[1], beta2 = h[2], eps = h[3];
  double *m = state[0], *v = state[1];
  /* The same order of operations as torch.optim.Adam. */
  double bc1 = 1.0 - pow (beta1, (double) t);
  double bc2 = 1.0 - pow (beta2, (double) t);
  double step_size = lr / bc1;
  double bc2_sqrt = sqrt (bc2);

  for (size_t i = 0; i < n; i++)
    {
      m[i] = m[i] * beta1 + g[i] * (1.0 - beta1);
      v[i] = v[i] * beta2 + g[i] * g[i] * (1.0 - beta2);
      p[i] += -step_size * (m[i] / (sqrt (v[i]) / bc2_sqrt + eps));
    }
}

/* What the next step does to one parameter (BpOptimizerDesc.explain): the
 * same arithmetic as the steps above, its terms split where the update is
 * linear in them. */

static void
put (BpOptimizerValue *v,
     size_t           *n,
     const char       *name,
     const char       *description,
     double            value)
{
  if (*n >= BP_OPTIMIZER_EXPLAIN_MAX)
    return;
  v[*n] = (BpOptimizerValue) { name, description, value };
  (*n)++;
}

/* A weight-decay term only when there is one, so that plain runs show no
 * zero term. */
static void
put_decay (BpOptimizerExplanation *out,
           double                  l2,
           double                  value)
{
  if (l2 != 0.0)
    put (out->terms, &out->n_terms, N_("weight decay"), N_("the L2 term λ·p added to g"), value);
}

static void
sgd_explain (double p, double g, double l2, const double *const *state,
             const double *h, uint64_t t, BpOptimizerExplanation *out)
{
  double lr = h[0];

  put (out->terms, &out->n_terms, N_("gradient step"), N_("−lr·g"), -lr * g);
  put_decay (out, l2, -lr * l2);
}

static void
momentum_explain (double p, double g, double l2, const double *const *state,
                  const double *h, uint64_t t, BpOptimizerExplanation *out)
{
  double lr = h[0], mu = h[1], v = state[0][0];

  put (out->derived, &out->n_derived, N_("v after"), N_("μ·v + g"), mu * v + (g + l2));
  put (out->terms, &out->n_terms, N_("momentum"), N_("−lr·μ·v"), -lr * (mu * v));
  put (out->terms, &out->n_terms, N_("gradient step"), N_("−lr·g"), -lr * g);
  put_decay (out, l2, -lr * l2);
}

static void
rmsprop_explain (double p, double g, double l2, const double *const *state,
                 const double *h, uint64_t t, BpOptimizerExplanation *out)
{
  double lr = h[0], alpha = h[1], eps = h[2];
  double ge = g + l2;
  double v = alpha * state[0][0] + (1.0 - alpha) * ge * ge;
  double den = sqrt (v) + eps;

  put (out->derived, &out->n_derived, N_("v after"), N_("α·v + (1 − α)·g²"), v);
  put (out->derived, &out->n_derived, N_("√v + ε"), N_("what the step divides by"), den);
  put (out->terms, &out->n_terms, N_("gradient step"), N_("−lr·g/(√v + ε)"), -lr * g / den);
  put_decay (out, l2, -lr * l2 / den);
}

static void
adam_explain (double p, double g, double l2, const double *const *state,
              const double *h, uint64_t t, BpOptimizerExplanation *out)
{
  double lr = h[0], beta1 = h[1], beta2 = h[2], eps = h[3];
  double ge = g + l2;
  double bc1 = 1.0 - pow (beta1, (double) t);
  double bc2 = 1.0 - pow (beta2, (double) t);
  double step_size = lr / bc1;
  double m = state[0][0] * beta1 + ge * (1.0 - beta1);
  double v = state[1][0] * beta2 + ge * ge * (1.0 - beta2);
  /* As adam_step: lr/(1 − β₁ᵗ) · m / (√v/√(1 − β₂ᵗ) + ε) = lr·m̂/(√v̂ + ε). */
  double den = sqrt (v) / sqrt (bc2) + eps;

  put (out->derived, &out->n_derived, N_("m after"), N_("β₁·m + (1 − β₁)·g"), m);
  put (out->derived, &out->n_derived, N_("v after"), N_("β₂·v + (1 − β₂)·g²"), v);
  put (out->derived, &out->n_derived, N_("m̂"),
       N_("m/(1 − β₁ᵗ): m without its bias towards 0"), m / bc1);
  put (out->derived, &out->n_derived, N_("v̂"),
       N_("v/(1 − β₂ᵗ): v without its bias towards 0"), v / bc2);
  put (out->derived, &out->n_derived, N_("effective step"),
       N_("lr·m̂/(√v̂ + ε), subtracted from the parameter"), step_size * (m / den));
  /* m is linear in the old m and in g, so the step splits over them. */
  put (out->terms, &out->n_terms, N_("momentum"), N_("−lr/(1 − β₁ᵗ)·β₁·m_before/(√v̂ + ε)"),
       -step_size * (state[0][0] * beta1 / den));
  put (out->terms, &out->n_terms, N_("gradient step"), N_("−lr/(1 − β₁ᵗ)·(1 − β₁)·g/(√v̂ + ε)"),
       -step_size * (g * (1.0 - beta1) / den));
  put_decay (out, l2, -step_size * (l2 * (1.0 - beta1) / den));
}

static const BpParamSpec sgd_hyper[] = {
  { "lr", "learning rate", 0.1, 0.0, 1e6 },
};

static const BpParamSpec momentum_hyper[] = {
  { "lr", "learning rate", 0.1, 0.0, 1e6 },
  { "momentum", "momentum μ", 0.9, 0.0, 1.0 },
};

static const BpParamSpec rmsprop_hyper[] = {
  { "lr", "learning rate", 0.01, 0.0, 1e6 },
  { "alpha", "decay of the squared-gradient average", 0.99, 0.0, 1.0 },
  { "eps", "added to √v", 1e-8, 0.0, 1.0 },
};

static const BpParamSpec adam_hyper[] = {
  { "lr", "learning rate", 0.001, 0.0, 1e6 },
  { "beta1", "decay of the gradient average m", 0.9, 0.0, 0.999999999 },
  { "beta2", "decay of the squared-gradient average v", 0.999, 0.0, 0.999999999 },
  { "eps", "added to √v̂", 1e-8, 0.0, 1.0 },
};

static const BpStateSpec velocity_state[] = {
  { "v", "velocity", 1 },
};

static const BpStateSpec square_avg_state[] = {
  { "v", "running average of g²", 1 },
};

static const BpStateSpec adam_state[] = {
  { "m", "running average of g", 1 },
  { "v", "running average of g²", 1 },
};

static const BpOptimizerDesc builtin_optimizers[] = {
  {
    .id = "sgd", .name = "Stochastic gradient descent",
    .formula = "p ← p − lr·g",
    .hyper_specs = sgd_hyper, .n_hyper = G_N_ELEMENTS (sgd_hyper),
    .step = sgd_step, .explain = sgd_explain,
  },
  {
    .id = "momentum", .name = "SGD with momentum",
    .formula = "v ← μv + g;  p ← p − lr·v",
    .hyper_specs = momentum_hyper, .n_hyper = G_N_ELEMENTS (momentum_hyper),
    .state_specs = velocity_state, .n_state = G_N_ELEMENTS (velocity_state),
    .step = momentum_step, .explain = momentum_explain,
  },
  {
    .id = "rmsprop", .name = "RMSprop",
    .formula = "v ← αv + (1−α)g²;  p ← p − lr·g/(√v + ε)",
    .hyper_specs = rmsprop_hyper, .n_hyper = G_N_ELEMENTS (rmsprop_hyper),
    .state_specs = square_avg_state, .n_state = G_N_ELEMENTS (square_avg_state),
    .step = rmsprop_step, .explain = rmsprop_explain,
  },
  {
    .id = "adam", .name = "Adam",
    .formula = "m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  p ← p − lr·m̂/(√v̂ + ε)",
    .hyper_specs = adam_hyper, .n_hyper = G_N_ELEMENTS (adam_hyper),
    .state_specs = adam_state, .n_state = G_N_ELEMENTS (adam_state),
    .step = adam_step, .explain = adam_explain,
  },
};

/* The same descriptor type a plugin declares with BP_PLUGIN_DEFINE (not the
 * macro itself: the core must not export a plugin's entry point). */
static const BpPluginDesc builtin_plugin = {
  .abi_major = BP_PLUGIN_ABI_MAJOR,
  .abi_minor = BP_PLUGIN_ABI_MINOR,
  .name = "builtin",
  .version = PACKAGE_VERSION,
  .description = "The activations, costs and optimizers built into Backprop Studio",
  .license = "GPL-3.0-or-later",
  .activations = builtin_activations, .n_activations = G_N_ELEMENTS (builtin_activations),
  .costs = builtin_costs, .n_costs = G_N_ELEMENTS (builtin_costs),
  .optimizers = builtin_optimizers, .n_optimizers = G_N_ELEMENTS (builtin_optimizers),
};

const BpPluginDesc *
bp_builtins_get_descriptor (void)
{
  return &builtin_plugin;
}
