/* test-optimizer.c — the built-in optimizers against numbers worked out by
 * hand, weight decay, hyperparameter errors, copy/reset and convergence.
 *
 * The problem: f(p) = ½(p₁² + 4p₂²), so g = (p₁, 4p₂), from p = (1, −2).
 * Steps of sgd and momentum are exact decimals worked out by hand below;
 * for rmsprop and adam the first step is by hand and steps 2–3 were
 * evaluated with mpmath at 200 bits from the formulas in bp-optimizer.h.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-util.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "bp-network.h"
#include "bp-optimizer.h"
#include "bp-registry.h"

/* ------------------------------------------------------------ helpers */

#define TOL 1e-12

static BpOptimizer *
new_opt (const char *id,
         gsize       n)
{
  g_autoptr(GError) error = NULL;
  BpOptimizer *opt = bp_optimizer_new (NULL, id, n, &error);

  if (opt == NULL)
    fail_msg ("bp_optimizer_new (%s): %s", id, error->message);
  return opt;
}

static void
set (BpOptimizer *opt,
     const char  *name,
     double       value)
{
  g_autoptr(GError) error = NULL;

  if (!bp_optimizer_set (opt, name, value, &error))
    fail_msg ("set %s = %g: %s", name, value, error->message);
}

/* g = ∇f = (p₁, 4p₂) */
static void
quad_grad (const double *p,
           double       *g)
{
  g[0] = p[0];
  g[1] = 4.0 * p[1];
}

/* Three steps from (1, −2), checking p after each against want[t][2]. */
static void
three_steps (BpOptimizer  *opt,
             const double  want[3][2])
{
  double p[2] = { 1.0, -2.0 }, g[2];

  for (int t = 0; t < 3; t++)
    {
      quad_grad (p, g);
      bp_optimizer_step (opt, p, g);
      assert_int_equal (opt->t, t + 1);
      assert_near (p[0], want[t][0], TOL, 1e-15);
      assert_near (p[1], want[t][1], TOL, 1e-15);
    }
}

/* -------------------------------------------------------- by-hand steps */

/* sgd, lr = 0.1:  p ← p − 0.1 g
 *   t=1: g = (1, −8)        p = (0.9, −1.2)
 *   t=2: g = (0.9, −4.8)    p = (0.81, −0.72)
 *   t=3: g = (0.81, −2.88)  p = (0.729, −0.432) */
static void
test_sgd_steps (void **state)
{
  static const double want[3][2] = { { 0.9, -1.2 }, { 0.81, -0.72 }, { 0.729, -0.432 } };
  g_autoptr(BpOptimizer) opt = new_opt ("sgd", 2);
  double lr;

  assert_true (bp_optimizer_get (opt, "lr", &lr));
  assert_near (lr, 0.1, 0.0, 0.0);   /* the default */
  assert_int_equal (bp_optimizer_state_size (opt), 0);
  three_steps (opt, want);
}

/* momentum, lr = 0.1, μ = 0.9:  v ← μv + g (v₀ = 0),  p ← p − lr·v
 *   t=1: g = (1, −8)     v = (1, −8)                         p = (0.9, −1.2)
 *   t=2: g = (0.9, −4.8) v = (0.9 + 0.9, −7.2 − 4.8) = (1.8, −12)
 *                        p = (0.9 − 0.18, −1.2 + 1.2) = (0.72, 0)
 *   t=3: g = (0.72, 0)   v = (1.62 + 0.72, −10.8) = (2.34, −10.8)
 *                        p = (0.72 − 0.234, 0 + 1.08) = (0.486, 1.08)
 * (The dampened form v ← μv + (1 − μ)g would give p = (0.99, −1.92) at t=1.) */
static void
test_momentum_steps (void **state)
{
  static const double want[3][2] = { { 0.9, -1.2 }, { 0.72, 0.0 }, { 0.486, 1.08 } };
  g_autoptr(BpOptimizer) opt = new_opt ("momentum", 2);
  double mu;

  assert_true (bp_optimizer_get (opt, "momentum", &mu));
  assert_near (mu, 0.9, 0.0, 0.0);
  set (opt, "lr", 0.1);
  assert_int_equal (bp_optimizer_state_size (opt), 2);
  three_steps (opt, want);
  assert_near (bp_optimizer_state (opt, 0)[0], 2.34, TOL, 0.0);
  assert_near (bp_optimizer_state (opt, 0)[1], -10.8, TOL, 0.0);
}

/* rmsprop, lr = 0.1, α = 0.99, ε = 0.1 (large, so that ε inside or outside
 * the root and v₀ = 0 vs v₀ = g² all give different numbers):
 *   v ← αv + (1 − α)g²,  p ← p − lr·g / (√v + ε)
 *   t=1: g = (1, −8), v = (0.01, 0.64), √v = (0.1, 0.8)
 *        p = (1 − 0.1·1/0.2, −2 + 0.1·8/0.9) = (0.5, −1.1111111111111111)
 *   t=2: p = (0.26343151548749087, −0.67179080601443889)
 *        v = (0.0124, 0.83113086419753086)
 *   t=3: p = (0.1402669154284107, −0.4149063759774799) */
static void
test_rmsprop_steps (void **state)
{
  static const double want[3][2] = {
    { 0.5, -1.1111111111111111 },
    { 0.26343151548749087, -0.67179080601443889 },
    { 0.1402669154284107, -0.4149063759774799 },
  };
  g_autoptr(BpOptimizer) opt = new_opt ("rmsprop", 2);

  set (opt, "lr", 0.1);
  set (opt, "alpha", 0.99);
  set (opt, "eps", 0.1);
  three_steps (opt, want);
  assert_near (bp_optimizer_state (opt, 0)[0], 0.012969961633520361, TOL, 0.0);
  assert_near (bp_optimizer_state (opt, 0)[1], 0.89502801748284027, TOL, 0.0);
}

/* adam, lr = 0.1, β₁ = 0.9, β₂ = 0.999, ε = 0.1:
 *   m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²,
 *   p ← p − lr·(m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
 *   t=1: m = 0.1g, v = 0.001g², so m̂ = g, v̂ = g² and
 *        p = (1 − 0.1·1/1.1, −2 + 0.1·8/8.1) = (0.90909090909090909, −1.9012345679012346)
 *   t=2: p = (0.81889110238066367, −1.8026615055074511)
 *   t=3: p = (0.72968756782781974, −1.7044021191013838)
 *        m = (0.24470729205624819, −2.0535090466474249)
 *        v = (0.0024942034722689624, 0.17364273108382083)
 * (ε inside the root would give p₁ = 1 − 0.1/√1.1 = 0.9047 at t=1; no bias
 * correction would give p₁ = 1 − 0.1·0.1/(√0.001 + 0.1) = 0.9240.) */
static void
test_adam_steps (void **state)
{
  static const double want[3][2] = {
    { 0.90909090909090909, -1.9012345679012346 },
    { 0.81889110238066367, -1.8026615055074511 },
    { 0.72968756782781974, -1.7044021191013838 },
  };
  g_autoptr(BpOptimizer) opt = new_opt ("adam", 2);
  double v;

  assert_true (bp_optimizer_get (opt, "beta1", &v));
  assert_near (v, 0.9, 0.0, 0.0);
  assert_true (bp_optimizer_get (opt, "beta2", &v));
  assert_near (v, 0.999, 0.0, 0.0);
  assert_true (bp_optimizer_get (opt, "eps", &v));
  assert_near (v, 1e-8, 0.0, 0.0);
  set (opt, "lr", 0.1);
  set (opt, "eps", 0.1);
  assert_int_equal (bp_optimizer_state_size (opt), 4);
  three_steps (opt, want);
  assert_near (bp_optimizer_state (opt, 0)[0], 0.24470729205624819, TOL, 0.0);
  assert_near (bp_optimizer_state (opt, 0)[1], -2.0535090466474249, TOL, 0.0);
  assert_near (bp_optimizer_state (opt, 1)[0], 0.0024942034722689624, TOL, 0.0);
  assert_near (bp_optimizer_state (opt, 1)[1], 0.17364273108382083, TOL, 0.0);
}

/* ---------------------------------------------------------- weight decay */

/* Coupled L2: the optimizer sees g + λp.  λ = 0.5:
 *   sgd, lr 0.1:   t=1: g' = (1 + 0.5, −8 − 1) = (1.5, −9)   p = (0.85, −1.1)
 *                  t=2: g' = (0.85 + 0.425, −4.4 − 0.55) = (1.275, −4.95)
 *                       p = (0.7225, −0.605)
 *                  t=3: g' = (1.08375, −2.7225)                p = (0.614125, −0.33275)
 *   momentum, lr 0.1, μ 0.9 (the decay goes into v):
 *                  t=1: v = (1.5, −9)                          p = (0.85, −1.1)
 *                  t=2: v = (1.35 + 1.275, −8.1 − 4.95) = (2.625, −13.05)
 *                       p = (0.5875, 0.205)
 *                  t=3: g' = (0.5875 + 0.29375, 0.82 + 0.1025) = (0.88125, 0.9225)
 *                       v = (3.24375, −10.8225)               p = (0.263125, 1.28725)
 *   adam, lr 0.1, ε 0.1 (mpmath for t=2,3):
 *                  t=1: p = (1 − 0.1·1.5/1.6, −2 + 0.1·9/9.1) = (0.90625, −1.9010989010989011)
 *                  t=2: p = (0.81313225363751558, −1.8023873995917126)
 *                  t=3: p = (0.7209538075928458, −1.7039870932582407) */
static void
test_weight_decay (void **state)
{
  static const double sgd_want[3][2] = {
    { 0.85, -1.1 }, { 0.7225, -0.605 }, { 0.614125, -0.33275 },
  };
  static const double momentum_want[3][2] = {
    { 0.85, -1.1 }, { 0.5875, 0.205 }, { 0.263125, 1.28725 },
  };
  static const double adam_want[3][2] = {
    { 0.90625, -1.9010989010989011 },
    { 0.81313225363751558, -1.8023873995917126 },
    { 0.7209538075928458, -1.7039870932582407 },
  };
  double wd;

  {
    g_autoptr(BpOptimizer) opt = new_opt ("sgd", 2);

    assert_true (bp_optimizer_get (opt, "weight_decay", &wd));
    assert_near (wd, 0.0, 0.0, 0.0);
    set (opt, "weight_decay", 0.5);
    assert_true (bp_optimizer_get (opt, "weight_decay", &wd));
    assert_near (wd, 0.5, 0.0, 0.0);
    three_steps (opt, sgd_want);
  }
  {
    g_autoptr(BpOptimizer) opt = new_opt ("momentum", 2);

    set (opt, "lr", 0.1);
    set (opt, "weight_decay", 0.5);
    three_steps (opt, momentum_want);
  }
  {
    g_autoptr(BpOptimizer) opt = new_opt ("adam", 2);

    set (opt, "lr", 0.1);
    set (opt, "eps", 0.1);
    set (opt, "weight_decay", 0.5);
    three_steps (opt, adam_want);
  }
}

/* The decay reaches every parameter of a network, biases included (as
 * torch.optim does): with zero gradients, sgd multiplies every W and b by
 * 1 − lr·λ = 1 − 0.1·0.2 = 0.98 per step. */
static void
test_weight_decay_includes_biases (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpNetwork) net = bp_network_new (2, &error);
  g_autoptr(BpOptimizer) opt = NULL;
  g_autofree double *before = NULL;

  assert_true (bp_network_add_layer (net, 3, "tanh", NULL, &error));
  assert_true (bp_network_add_layer (net, 1, "linear", NULL, &error));
  for (gsize i = 0; i < net->n_params; i++)
    net->params[i] = 0.5 + 0.25 * (double) i;
  before = g_memdup2 (net->params, net->n_params * sizeof (double));
  bp_network_zero_grad (net);

  opt = new_opt ("sgd", net->n_params);
  set (opt, "weight_decay", 0.2);
  bp_optimizer_step (opt, net->params, net->grads);
  bp_optimizer_step (opt, net->params, net->grads);
  for (gsize i = 0; i < net->n_params; i++)
    assert_near (net->params[i], before[i] * 0.98 * 0.98, 1e-15, 0.0);
  assert_near (net->layers[0].b[2], (0.5 + 0.25 * 8) * 0.9604, 1e-15, 0.0);
  assert_near (net->layers[1].b[0], (0.5 + 0.25 * 12) * 0.9604, 1e-15, 0.0);
  /* The decay did not write into the caller's gradients. */
  for (gsize i = 0; i < net->n_params; i++)
    assert_true (net->grads[i] == 0.0);
}

/* An optimizer that declares its own "weight_decay" (decoupled, AdamW
 * style) must not also get the host's coupled L2:
 *   p ← p − lr·g − lr·wd·p  (host adding wd·p to g would double the decay) */
static void
sgdw_step (double *p, const double *g, double *const *state, size_t n,
           const double *h, uint64_t t)
{
  for (size_t i = 0; i < n; i++)
    p[i] -= h[0] * g[i] + h[0] * h[1] * p[i];
}

static const BpParamSpec sgdw_hyper[] = {
  { "lr", "learning rate", 0.1, 0.0, 10.0 },
  { "weight_decay", "decoupled decay", 0.0, 0.0, 1.0 },
};

static const BpOptimizerDesc sgdw_opt[] = {
  {
    .id = "test_sgdw", .name = "SGD with decoupled decay (test)",
    .formula = "p ← p − lr·g − lr·wd·p",
    .hyper_specs = sgdw_hyper, .n_hyper = G_N_ELEMENTS (sgdw_hyper),
    .step = sgdw_step,
  },
};

static const BpPluginDesc sgdw_plugin = {
  .abi_major = BP_PLUGIN_ABI_MAJOR,
  .abi_minor = BP_PLUGIN_ABI_MINOR,
  .name = "test-sgdw",
  .version = "1",
  .optimizers = sgdw_opt,
  .n_optimizers = 1,
};

static void
test_decoupled_weight_decay (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpOptimizer) opt = NULL;
  double p[2] = { 1.0, -2.0 }, g[2] = { 0.0, 0.0 }, wd;

  assert_true (bp_registry_add_plugin (bp_registry_get_default (), &sgdw_plugin, "(test)", &error));
  opt = new_opt ("test_sgdw", 2);
  set (opt, "weight_decay", 0.5);
  /* It is the optimizer's own hyperparameter, not the host's. */
  assert_true (bp_optimizer_get (opt, "weight_decay", &wd));
  assert_near (wd, 0.5, 0.0, 0.0);
  assert_near (opt->hyper[1], 0.5, 0.0, 0.0);
  assert_near (opt->weight_decay, 0.0, 0.0, 0.0);
  bp_optimizer_step (opt, p, g);
  /* p·(1 − 0.1·0.5) = p·0.95, not p·0.9025. */
  assert_near (p[0], 0.95, 1e-15, 0.0);
  assert_near (p[1], -1.9, 1e-15, 0.0);
}

/* ---------------------------------------------------------------- errors */

static void
test_set_errors (void **state)
{
  g_autoptr(BpOptimizer) adam = new_opt ("adam", 3);
  g_autoptr(BpOptimizer) mom = new_opt ("momentum", 3);
  GError *error = NULL;
  double v;

  assert_null (bp_optimizer_new (NULL, "adamax_of_doom", 3, &error));
  assert_true (g_error_matches (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_UNKNOWN_ID));
  assert_error_contains (error, "adamax_of_doom");
  g_clear_error (&error);

  /* An unknown name lists the real ones. */
  assert_false (bp_optimizer_set (adam, "beta3", 0.5, &error));
  assert_true (g_error_matches (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID));
  assert_error_contains (error, "beta3");
  assert_error_contains (error, "beta2");
  assert_error_contains (error, "weight_decay");
  g_clear_error (&error);
  assert_false (bp_optimizer_set (adam, "momentum", 0.5, &error));
  assert_non_null (error);
  g_clear_error (&error);
  assert_false (bp_optimizer_get (adam, "beta3", &v));

  /* Out of range, and NaN, for each kind of bound. */
  {
    const struct { BpOptimizer *opt; const char *name; double value; } bad[] = {
      { adam, "lr", -0.001 },
      { adam, "lr", NAN },
      { adam, "lr", 1e300 },
      { adam, "beta1", 1.0 },
      { adam, "beta1", -0.1 },
      { adam, "beta2", 1.5 },
      { adam, "eps", 2.0 },
      { adam, "weight_decay", -1.0 },
      { adam, "weight_decay", NAN },
      { mom, "momentum", 1.5 },
      { mom, "momentum", -0.5 },
    };

    for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        double before, after;

        assert_true (bp_optimizer_get (bad[i].opt, bad[i].name, &before));
        if (bp_optimizer_set (bad[i].opt, bad[i].name, bad[i].value, &error))
          fail_msg ("%s = %g was accepted", bad[i].name, bad[i].value);
        assert_true (g_error_matches (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID));
        assert_error_contains (error, bad[i].name);
        assert_error_contains (error, "range");
        g_clear_error (&error);
        /* The value is unchanged. */
        assert_true (bp_optimizer_get (bad[i].opt, bad[i].name, &after));
        assert_memory_equal (&before, &after, sizeof (double));
      }
  }

  /* The ends of the ranges are accepted. */
  assert_true (bp_optimizer_set (adam, "beta1", 0.0, &error));
  assert_true (bp_optimizer_set (adam, "beta1", 0.999999999, &error));
  assert_true (bp_optimizer_set (mom, "momentum", 1.0, &error));
  assert_true (bp_optimizer_set (adam, "lr", 0.0, &error));
  assert_null (error);
}

/* ------------------------------------------------------------ copy/reset */

static void
test_copy_and_reset (void **state)
{
  g_autoptr(BpOptimizer) opt = new_opt ("adam", 2);
  g_autoptr(BpOptimizer) copy = NULL;
  g_autoptr(BpOptimizer) fresh = new_opt ("adam", 2);
  double p[2] = { 1.0, -2.0 }, q[2], r[2] = { 1.0, -2.0 }, g[2];
  double lr;

  set (opt, "lr", 0.05);
  set (opt, "weight_decay", 0.01);
  for (int t = 0; t < 2; t++)
    {
      quad_grad (p, g);
      bp_optimizer_step (opt, p, g);
    }
  copy = bp_optimizer_copy (opt);
  assert_int_equal (copy->t, 2);
  assert_string_equal (copy->id, "adam");
  assert_true (bp_optimizer_get (copy, "lr", &lr));
  assert_near (lr, 0.05, 0.0, 0.0);
  assert_near (copy->weight_decay, 0.01, 0.0, 0.0);
  assert_int_equal (bp_optimizer_state_size (copy), 4);
  assert_memory_equal (copy->state, opt->state, 4 * sizeof (double));
  /* Own state arrays, with views into them. */
  assert_true (copy->state != opt->state);
  assert_ptr_equal (bp_optimizer_state (copy, 0), copy->state);
  assert_ptr_equal (bp_optimizer_state (copy, 1), copy->state + 2);

  /* The same step on both gives the same bits; stepping the copy again
   * leaves the original alone. */
  memcpy (q, p, sizeof q);
  quad_grad (p, g);
  bp_optimizer_step (opt, p, g);
  bp_optimizer_step (copy, q, g);
  assert_memory_equal (p, q, sizeof p);
  assert_memory_equal (copy->state, opt->state, 4 * sizeof (double));
  bp_optimizer_step (copy, q, g);
  assert_int_equal (opt->t, 3);
  assert_int_equal (copy->t, 4);
  assert_true (memcmp (copy->state, opt->state, 4 * sizeof (double)) != 0);

  /* Reset clears state and t: the next step is a fresh optimizer's first. */
  bp_optimizer_reset (opt, 2);
  assert_int_equal (opt->t, 0);
  for (int i = 0; i < 4; i++)
    assert_true (opt->state[i] == 0.0);
  set (fresh, "lr", 0.05);
  set (fresh, "weight_decay", 0.01);
  memcpy (q, r, sizeof q);
  quad_grad (r, g);
  bp_optimizer_step (opt, r, g);
  bp_optimizer_step (fresh, q, g);
  assert_memory_equal (r, q, sizeof r);
  /* Hyperparameters survive a reset. */
  assert_true (bp_optimizer_get (opt, "lr", &lr));
  assert_near (lr, 0.05, 0.0, 0.0);
  assert_near (opt->weight_decay, 0.01, 0.0, 0.0);

  /* Reset to another size resizes the state. */
  bp_optimizer_reset (opt, 7);
  assert_int_equal (opt->n_params, 7);
  assert_int_equal (bp_optimizer_state_size (opt), 14);
  assert_ptr_equal (bp_optimizer_state (opt, 1), opt->state + 7);
  {
    double p7[7] = { 1, 2, 3, 4, 5, 6, 7 }, g7[7] = { 1, 1, 1, 1, 1, 1, 1 };

    bp_optimizer_step (opt, p7, g7);
    for (int i = 0; i < 7; i++)
      assert_true (p7[i] < i + 1);
    assert_near (bp_optimizer_state (opt, 0)[6], 0.1 * (1.0 + 0.01 * 7), 1e-15, 0.0);
  }
}

/* ------------------------------------------------------------ convergence */

/* f(p) = ½ Σ c_i p_i² with curvatures 0.5 … 4: every optimizer brings f
 * below 1 % of its start in 200 steps at lr = 0.05. */
static void
test_each_decreases_quadratic (void **state)
{
  static const char *const ids[] = { "sgd", "momentum", "rmsprop", "adam" };
  static const double c[5] = { 0.5, 1.0, 2.0, 3.0, 4.0 };

  for (gsize o = 0; o < G_N_ELEMENTS (ids); o++)
    {
      g_autoptr(BpOptimizer) opt = new_opt (ids[o], 5);
      double p[5] = { 1.0, -2.0, 0.5, 1.5, -1.0 }, g[5];
      double f0 = 0.0, f = 0.0;

      set (opt, "lr", 0.05);
      for (int i = 0; i < 5; i++)
        f0 += 0.5 * c[i] * p[i] * p[i];
      for (int t = 0; t < 200; t++)
        {
          for (int i = 0; i < 5; i++)
            g[i] = c[i] * p[i];
          bp_optimizer_step (opt, p, g);
        }
      for (int i = 0; i < 5; i++)
        {
          assert_true (isfinite (p[i]));
          f += 0.5 * c[i] * p[i] * p[i];
        }
      if (!(f < 0.01 * f0))
        fail_msg ("%s: f went from %g to %g in 200 steps", ids[o], f0, f);
      assert_int_equal (opt->t, 200);
    }
}

/* ------------------------------------------------- what a step holds */

/* For each built-in, with and without the host's L2, over 8 steps of a
 * 4-parameter quadratic: bp_optimizer_explain's terms for parameter i add
 * up to the change the step then makes, and its "… after" values are the
 * state the step leaves.  The bound is 1e-15 relative to the larger of
 * |w| and |Δw|: p + Δ rounds to a double of w's size, so Δw itself carries
 * an error of half an ulp of w (2⁻⁵³|w|); the measured worst is printed. */
static void
test_explain_terms_add_up (void **state)
{
  static const char *const ids[] = { "sgd", "momentum", "rmsprop", "adam" };
  static const double c[4] = { 0.5, 1.0, 2.0, 3.0 };
  double worst = 0.0;

  for (gsize o = 0; o < G_N_ELEMENTS (ids); o++)
    for (int decay = 0; decay < 2; decay++)
      {
        g_autoptr(BpOptimizer) opt = new_opt (ids[o], 4);
        double p[4] = { 1.0, -2.0, 0.25, 1.5 }, g[4];

        set (opt, "lr", 0.05);
        set (opt, "weight_decay", decay ? 0.01 : 0.0);
        for (int t = 0; t < 8; t++)
          {
            BpOptimizerStepView views[4];
            double before[4];

            for (int i = 0; i < 4; i++)
              g[i] = c[i] * p[i];
            for (gsize i = 0; i < 4; i++)
              {
                assert_true (bp_optimizer_explain (opt, p, g, i, &views[i]));
                assert_int_equal (views[i].t, opt->t + 1);
                assert_int_equal (views[i].ex.n_terms, (decay ? 1 : 0) + (o == 0 ? 1 : o == 2 ? 1 : 2));
              }
            memcpy (before, p, sizeof p);
            bp_optimizer_step (opt, p, g);
            for (gsize i = 0; i < 4; i++)
              {
                double dw = p[i] - before[i];
                double scale = fmax (fabs (before[i]), fabs (dw));
                double err = fabs (views[i].sum - dw) / scale;

                worst = fmax (worst, err);
                if (!(err <= 1e-15))
                  fail_msg ("%s (wd %d) step %d, p[%zu]: Δw = %.17g but the terms add up "
                            "to %.17g", ids[o], decay, t + 1, i, dw, views[i].sum);
                /* The state the step left is the "… after" value shown. */
                for (gsize k = 0; k < opt->desc->n_state; k++)
                  assert_true (views[i].ex.derived[k].value == opt->state_views[k][i]);
              }
          }
      }
  print_message ("worst |Σ terms − Δw| / max(|w|, |Δw|) = %.3g\n", worst);
}

/* Adam's m̂, v̂ and effective step against the formulas written out here,
 * at step 3 with a schedule-free lr = 0.01. */
static void
test_explain_adam_values (void **state)
{
  g_autoptr(BpOptimizer) opt = new_opt ("adam", 1);
  BpOptimizerStepView view;
  double p[1] = { 0.5 }, g[1];
  double m = 0.0, v = 0.0, mhat, vhat;

  set (opt, "lr", 0.01);
  for (int t = 1; t <= 3; t++)
    {
      g[0] = 2.0 * p[0] - 0.3;
      assert_true (bp_optimizer_explain (opt, p, g, 0, &view));
      /* The slots are the state before the step. */
      assert_string_equal (view.slot_names[0], "m");
      assert_string_equal (view.slot_names[1], "v");
      assert_near (view.slots[0], m, 1e-14, 0.0);
      assert_near (view.slots[1], v, 1e-14, 0.0);
      m = 0.9 * m + 0.1 * g[0];
      v = 0.999 * v + 0.001 * g[0] * g[0];
      mhat = m / (1.0 - pow (0.9, t));
      vhat = v / (1.0 - pow (0.999, t));
      assert_string_equal (view.ex.derived[2].name, "m̂");
      assert_near (view.ex.derived[2].value, mhat, 1e-13, 0.0);
      assert_string_equal (view.ex.derived[3].name, "v̂");
      assert_near (view.ex.derived[3].value, vhat, 1e-13, 0.0);
      assert_string_equal (view.ex.derived[4].name, "effective step");
      assert_near (view.ex.derived[4].value, 0.01 * mhat / (sqrt (vhat) + 1e-8), 1e-13, 0.0);
      /* Without decay the terms are the effective step, downhill. */
      assert_near (view.sum, -view.ex.derived[4].value, 1e-13, 0.0);
      bp_optimizer_step (opt, p, g);
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_sgd_steps),
    cmocka_unit_test (test_momentum_steps),
    cmocka_unit_test (test_rmsprop_steps),
    cmocka_unit_test (test_adam_steps),
    cmocka_unit_test (test_weight_decay),
    cmocka_unit_test (test_weight_decay_includes_biases),
    cmocka_unit_test (test_decoupled_weight_decay),
    cmocka_unit_test (test_set_errors),
    cmocka_unit_test (test_copy_and_reset),
    cmocka_unit_test (test_each_decreases_quadratic),
    cmocka_unit_test (test_explain_terms_add_up),
    cmocka_unit_test (test_explain_adam_values),
  };

  return cmocka_run_group_tests_name ("optimizer", tests, NULL, NULL);
}
