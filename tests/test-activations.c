/* test-activations.c — the built-in activations: derivatives against
 * central differences and exact references, the array fast paths, the
 * saturated tails, softmax, and every allowed activation × cost pairing
 * inside a small network (bp_gradcheck).  The costs' own tests are in
 * test-activations-costs.c, in the same program.
 *
 * Reference values quoted to 20 digits were computed with mpmath at 200
 * bits.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-util.h"
#include "test-activations.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "bp-chain.h"
#include "bp-gradcheck.h"
#include "bp-math.h"
#include "bp-network.h"
#include "bp-registry.h"
#include "bp-rng.h"

/* ------------------------------------------------------------ helpers */

const BpActivationDesc *
act (const char *id)
{
  const BpActivationDesc *a = bp_registry_lookup_activation (NULL, id);

  assert_non_null (a);
  return a;
}

const BpCostDesc *
cost (const char *id)
{
  const BpCostDesc *c = bp_registry_lookup_cost (NULL, id);

  assert_non_null (c);
  return c;
}

/* The element-wise built-ins with the parameters they are tested with. */
static const double leaky_alpha[] = { 0.2 };

typedef struct
{
  const char   *id;
  const double *params;
  gboolean      kinked;   /* not differentiable at 0 */
} ElemCase;

static const ElemCase elem_cases[] = {
  { "sigmoid", NULL, FALSE },
  { "tanh", NULL, FALSE },
  { "relu", NULL, TRUE },
  { "leaky_relu", leaky_alpha, TRUE },
  { "softplus", NULL, FALSE },
  { "linear", NULL, FALSE },
};

static const char *const all_activations[] = {
  "sigmoid", "tanh", "relu", "leaky_relu", "softplus", "linear", "softmax",
};

/* The derivative each activation should have, from a form that is
 * accurate in both tails (the code computes it from z too, not as the
 * cheap σ(1 − σ), which is 0 for z ≥ 37):
 *   σ′(z) = e^−|z| / (1 + e^−|z|)²,  tanh′(z) = 4 / (e^z + e^−z)²
 *   = 4e^−2|z| / (1 + e^−2|z|)²,  softplus′ = σ. */
static double
exact_derivative (const char *id,
                  double      z)
{
  if (g_str_equal (id, "sigmoid"))
    {
      double e = exp (-fabs (z));
      return e / ((1.0 + e) * (1.0 + e));
    }
  if (g_str_equal (id, "tanh"))
    {
      double e = exp (-2.0 * fabs (z));
      return 4.0 * e / ((1.0 + e) * (1.0 + e));
    }
  if (g_str_equal (id, "softplus"))
    return z >= 0 ? 1.0 / (1.0 + exp (-z)) : exp (z) / (1.0 + exp (z));
  if (g_str_equal (id, "relu"))
    return z > 0 ? 1.0 : 0.0;
  if (g_str_equal (id, "leaky_relu"))
    return z > 0 ? 1.0 : leaky_alpha[0];
  if (g_str_equal (id, "linear"))
    return 1.0;
  g_assert_not_reached ();
}

static const double z_grid[] = {
  0.0, 1e-8, -1e-8, 1e-3, -1e-3, 0.25, -0.25, 0.5, -0.5, 1.0, -1.0, 1.7, -1.7,
  2.0, -2.0, 3.3, -3.3, 5.0, -5.0, 8.0, -8.0, 12.5, -12.5, 20.0, -20.0,
  30.0, -30.0, 36.0, -36.0, 40.0, -40.0,
};

/* --------------------------------------------------- element-wise derivs */

static void
test_df_vs_central_differences (void **state)
{
  for (gsize c = 0; c < G_N_ELEMENTS (elem_cases); c++)
    {
      const ElemCase *ec = &elem_cases[c];
      const BpActivationDesc *a = act (ec->id);

      for (gsize i = 0; i < G_N_ELEMENTS (z_grid); i++)
        {
          double z = z_grid[i];
          double h = 1e-5 * MAX (1.0, fabs (z));
          double fp, fm, fd, d, round_err;

          if (ec->kinked && z == 0.0)
            continue;   /* checked exactly in test_exact_values */
          if (ec->kinked)
            h = MIN (h, fabs (z) / 4);   /* stay on one side of the kink */

          fp = a->f (z + h, ec->params);
          fm = a->f (z - h, ec->params);
          fd = (fp - fm) / ((z + h) - (z - h));
          d = a->df (z, a->f (z, ec->params), ec->params);

          /* Truncation O(h²·f‴/6) relative, plus the rounding of the two
           * f values divided by 2h. */
          round_err = 4 * DBL_EPSILON * (fabs (fp) + fabs (fm)) / (2 * h);
          if (!(fabs (d - fd) <= 1e-6 * fabs (fd) + round_err))
            {
              print_error ("%s′(%g): df = %.17g, central difference = %.17g\n",
                           ec->id, z, d, fd);
              fail ();
            }
        }
    }
}

static void
test_df_vs_exact_derivative (void **state)
{
  /* Relative accuracy in both tails: σ′(±40) = 4.25e−18 and tanh′(±20)
   * = 1.7e−17 to 1e−14 relative, where the cheap forms σ(1 − σ) and
   * 1 − tanh² (PyTorch's autograd) give 0 on the positive side. */
  for (gsize c = 0; c < G_N_ELEMENTS (elem_cases); c++)
    {
      const ElemCase *ec = &elem_cases[c];
      const BpActivationDesc *a = act (ec->id);

      for (gsize i = 0; i < G_N_ELEMENTS (z_grid); i++)
        {
          double z = z_grid[i];
          double d, want;

          if (ec->kinked && z == 0.0)
            continue;
          d = a->df (z, a->f (z, ec->params), ec->params);
          want = exact_derivative (ec->id, z);
          assert_near (d, want, 1e-14, 0.0);
        }
    }
}

static void
test_array_paths_match_scalar (void **state)
{
  const gsize n = 2000;
  g_autofree double *z = g_new (double, n);
  g_autofree double *a_arr = g_new (double, n);
  g_autofree double *d_arr = g_new (double, n);
  BpRng rng;
  int n_with_arrays = 0;

  bp_rng_init (&rng, 11);
  for (gsize i = 0; i < n; i++)
    z[i] = i < G_N_ELEMENTS (z_grid) ? z_grid[i] : bp_rng_range (&rng, -60.0, 60.0);
  z[n - 1] = -0.0;
  z[n - 2] = 800.0;
  z[n - 3] = -800.0;

  for (gsize c = 0; c < G_N_ELEMENTS (elem_cases); c++)
    {
      const ElemCase *ec = &elem_cases[c];
      const BpActivationDesc *a = act (ec->id);

      /* Both fast paths or neither. */
      assert_true ((a->f_array == NULL) == (a->df_array == NULL));
      if (a->f_array == NULL)
        continue;
      n_with_arrays++;
      a->f_array (z, a_arr, n, ec->params);
      a->df_array (z, a_arr, d_arr, n, ec->params);
      for (gsize i = 0; i < n; i++)
        {
          double f = a->f (z[i], ec->params);

          assert_bits (a_arr[i], f);
          assert_bits (d_arr[i], a->df (z[i], f, ec->params));
        }
    }
  /* sigmoid, tanh, relu, leaky_relu have them. */
  assert_int_equal (n_with_arrays, 4);
}

static void
test_exact_values (void **state)
{
  const BpActivationDesc *relu = act ("relu"), *leaky = act ("leaky_relu");
  const BpActivationDesc *sig = act ("sigmoid"), *th = act ("tanh");
  const BpActivationDesc *sp = act ("softplus"), *lin = act ("linear");
  const double alpha_default[] = { 0.01 };

  /* relu′(0) = 0 (PyTorch), for +0 and −0. */
  assert_bits (relu->f (0.0, NULL), 0.0);
  assert_bits (relu->df (0.0, 0.0, NULL), 0.0);
  assert_bits (relu->df (-0.0, 0.0, NULL), 0.0);
  assert_bits (relu->df (1e-300, 1e-300, NULL), 1.0);

  /* leaky′(0) = α, and α is the parameter passed, not a constant. */
  assert_int_equal (leaky->n_params, 1);
  assert_string_equal (leaky->params[0].name, "alpha");
  assert_bits (leaky->params[0].default_value, 0.01);
  assert_bits (leaky->df (0.0, 0.0, leaky_alpha), 0.2);
  assert_bits (leaky->df (0.0, 0.0, alpha_default), 0.01);
  assert_bits (leaky->f (-3.0, leaky_alpha), -3.0 * 0.2);
  assert_bits (leaky->df (-3.0, -0.6, leaky_alpha), 0.2);
  assert_bits (leaky->f (2.5, leaky_alpha), 2.5);
  assert_bits (leaky->df (2.5, 2.5, leaky_alpha), 1.0);

  /* σ(−40) = 4.2483542552915889773e−18 > 0, σ′(−40) =
   * 4.2483542552915889592e−18, neither flushed nor clipped. */
  {
    double s = sig->f (-40.0, NULL);

    assert_true (s > 0.0);
    assert_near (s, 4.2483542552915889773e-18, 1e-15, 0.0);
    assert_near (sig->df (-40.0, s, NULL), 4.2483542552915889592e-18, 1e-15, 0.0);
    /* Deeper: σ(−700) ≈ 9.86e−305 is still a normal double. */
    assert_true (sig->f (-700.0, NULL) > 0.0);
    assert_near (sig->f (-700.0, NULL), exp (-700.0), 1e-14, 0.0);
    /* No overflow on either side. */
    assert_bits (sig->f (800.0, NULL), 1.0);
    assert_bits (sig->f (-800.0, NULL), 0.0);
    assert_bits (sig->f (0.0, NULL), 0.5);
  }

  /* softplus(50) = 50 + 1.9e−22 = 50 in double; softplus(−50) = e^−50 =
   * 1.928749847963917783e−22; softplus(800) = 800, finite; softplus(0) =
   * ln 2. */
  assert_bits (sp->f (50.0, NULL), 50.0);
  assert_near (sp->f (-50.0, NULL), 1.928749847963917783e-22, 1e-12, 0.0);
  assert_bits (sp->f (800.0, NULL), 800.0);
  assert_true (isfinite (sp->f (800.0, NULL)));
  assert_true (sp->f (-800.0, NULL) >= 0.0 && sp->f (-800.0, NULL) < 1e-300);
  assert_near (sp->f (0.0, NULL), M_LN2, 2e-16, 0.0);
  assert_near (sp->df (-50.0, sp->f (-50.0, NULL), NULL), 1.928749847963917783e-22, 1e-12, 0.0);
  assert_bits (sp->df (800.0, 800.0, NULL), 1.0);

  /* tanh′ = sech² z, relatively exact also where tanh rounds to ±1. */
  for (gsize i = 0; i < G_N_ELEMENTS (z_grid); i++)
    {
      double t = th->f (z_grid[i], NULL);

      assert_near (t, tanh (z_grid[i]), 4 * DBL_EPSILON, 0.0);
      assert_near (th->df (z_grid[i], t, NULL), exact_derivative ("tanh", z_grid[i]),
                   8 * DBL_EPSILON, 0.0);
    }
  assert_bits (th->f (0.0, NULL), 0.0);
  assert_bits (th->f (40.0, NULL), 1.0);
  assert_bits (th->f (-800.0, NULL), -1.0);
  assert_bits (th->df (0.0, 0.0, NULL), 1.0);

  assert_bits (lin->f (-7.25, NULL), -7.25);
  assert_bits (lin->df (-7.25, -7.25, NULL), 1.0);
}

/* The largest ulp distance seen in a sweep, and the z it was at. */
typedef struct
{
  guint64 ulps;
  double  at;
} Worst;

static void
worst_note (Worst  *worst,
            double  got,
            double  want,
            double  z)
{
  guint64 d = ulp_distance (got, want);

  if (d > worst->ulps)
    *worst = (Worst) { d, z };
}

/* σ and tanh use the core's own vectorisable exp (bp-math.h), documented
 * as within 4 and 3 ulp.  The reference is long double libm (64-bit
 * mantissa), rounded once to double. */
static void
test_accuracy_vs_long_double (void **state)
{
  const BpActivationDesc *sig = act ("sigmoid"), *th = act ("tanh");
  Worst worst_sig = { 0 }, worst_tanh = { 0 };
  BpRng rng;

  bp_rng_init (&rng, 4);
  for (int i = 0; i < 200000; i++)
    {
      double z;
      long double zl;
      double ref_sig, ref_tanh;

      if (i < 80001)
        z = -40.0 + 0.001 * i;                       /* dense on [−40, 40] */
      else if (i < 120000)
        z = bp_rng_range (&rng, -745.0, 745.0);
      else if (i < 160000)
        z = ldexp (bp_rng_range (&rng, -1.0, 1.0), -(int) bp_rng_below (&rng, 60));
      else
        z = bp_rng_range (&rng, -0.35, 0.35);        /* around tanh's switch at 0.3 */
      zl = z;
      ref_sig = (double) (zl >= 0 ? 1.0L / (1.0L + expl (-zl)) : expl (zl) / (1.0L + expl (zl)));
      ref_tanh = (double) tanhl (zl);

      worst_note (&worst_sig, sig->f (z, NULL), ref_sig, z);
      worst_note (&worst_tanh, th->f (z, NULL), ref_tanh, z);
    }
  if (worst_sig.ulps > 4 || worst_tanh.ulps > 3)
    fail_msg ("σ worst %" G_GUINT64_FORMAT " ulp at z = %.17g; tanh worst %"
              G_GUINT64_FORMAT " ulp at z = %.17g",
              worst_sig.ulps, worst_sig.at, worst_tanh.ulps, worst_tanh.at);
}

/* |got − want| in ulps of `want` (a double's ulp at want's binade; long
 * double arithmetic, so a fraction of an ulp shows). */
static double
ulp_error_ld (double      got,
              long double want)
{
  int e;

  frexpl (want, &e);
  return (double) (fabsl ((long double) got - want) / ldexpl (1.0L, e - 53));
}

/* bp-math.h's exp (from a table of 2^{j/128}), documented as within
 * 0.51 ulp over [−700, 700] and 0.75 ulp below, where T·q is subnormal;
 * against long double libm.  The Taylor series it replaced was 1.2 ulp
 * off: this fails if the accuracy goes back. */
static void
test_exp_core_accuracy (void **state)
{
  double worst = 0.0, worst_low = 0.0, at = 0.0, at_low = 0.0;
  BpRng rng;

  bp_rng_init (&rng, 13);
  for (int i = 0; i < 400000; i++)
    {
      double x = i % 2 ? bp_rng_range (&rng, -700.0, 700.0)
                       : ldexp (bp_rng_range (&rng, -1.0, 1.0), -(int) bp_rng_below (&rng, 40));
      double err = ulp_error_ld (bp_exp_core (x), expl ((long double) x));

      if (err > worst)
        worst = err, at = x;
    }
  for (int i = 0; i < 20000; i++)
    {
      double x = bp_rng_range (&rng, -708.0, -700.0);
      double err = ulp_error_ld (bp_exp_core (x), expl ((long double) x));

      if (err > worst_low)
        worst_low = err, at_low = x;
    }
  if (worst > 0.52 || worst_low > 0.76)
    fail_msg ("exp worst %.3f ulp at x = %.17g, %.3f ulp below −700 at %.17g",
              worst, at, worst_low, at_low);
  assert_true (bp_exp_core (0.0) == 1.0);
  assert_true (bp_exp_core (-0.0) == 1.0);
}

/* σ′ and tanh′ in long double (64-bit mantissa), rounded once to double,
 * from the closed forms σ′ = e/(1 + e)² with e = e^−|z| and
 * sech² z = 4e/(1 + e)² with e = e^−2|z|: no cancellation, so the few
 * extra bits make them references to well under an ulp of a double. */
static double
sigmoid_prime_ld (double z)
{
  long double e = expl (-fabsl ((long double) z));

  return (double) (e / ((1.0L + e) * (1.0L + e)));
}

static double
sech2_ld (double z)
{
  long double e = expl (-2.0L * fabsl ((long double) z));

  return (double) (4.0L * e / ((1.0L + e) * (1.0L + e)));
}

/* The saturated tails, where σ(1 − σ) and 1 − tanh² lose every digit
 * (σ′(30) 1e−3 off, σ′(37) = 0; tanh′(15) 4e−4 off, tanh′(20) = 0): every
 * derivative within 4 ulp of the closed form, through df, df_array and
 * softplus′ = σ, at the points the issue names and densely over the whole
 * double range (subnormal results included). */
static void
test_derivative_tails_ulp (void **state)
{
  static const double pts[] = { 15.0, 20.0, 25.0, 30.0, 37.0, 40.0, 700.0 };
  const BpActivationDesc *sig = act ("sigmoid"), *th = act ("tanh"), *sp = act ("softplus");
  double z[2 * G_N_ELEMENTS (pts)], a[G_N_ELEMENTS (z)], d[G_N_ELEMENTS (z)];
  Worst worst_sig = { 0 }, worst_tanh = { 0 };
  BpRng rng;

  for (gsize i = 0; i < G_N_ELEMENTS (pts); i++)
    {
      z[2 * i] = pts[i];
      z[2 * i + 1] = -pts[i];
    }
  /* Independently: σ′(37) = e^−37(1 − 2e^−37 + …) = 8.533047625744066e−17,
   * tanh′(20) = 4e^−40(1 − 2e^−40 + …) = 1.6993417021166355e−17. */
  assert_near (sig->df (37.0, sig->f (37.0, NULL), NULL), 8.533047625744066e-17, 1e-15, 0.0);
  assert_near (th->df (20.0, th->f (20.0, NULL), NULL), 1.6993417021166355e-17, 1e-15, 0.0);

  for (gsize i = 0; i < G_N_ELEMENTS (z); i++)
    {
      double fs = sig->f (z[i], NULL), ft = th->f (z[i], NULL);

      if (ulp_distance (sig->df (z[i], fs, NULL), sigmoid_prime_ld (z[i])) > 4 ||
          ulp_distance (sp->df (z[i], sp->f (z[i], NULL), NULL),
                        (double) (z[i] >= 0 ? 1.0L / (1.0L + expl (-(long double) z[i]))
                                            : expl ((long double) z[i]) /
                                              (1.0L + expl ((long double) z[i])))) > 4 ||
          ulp_distance (th->df (z[i], ft, NULL), sech2_ld (z[i])) > 4)
        fail_msg ("z = %g: σ′ = %.17g (want %.17g), tanh′ = %.17g (want %.17g)", z[i],
                  sig->df (z[i], fs, NULL), sigmoid_prime_ld (z[i]),
                  th->df (z[i], ft, NULL), sech2_ld (z[i]));
    }
  /* The array paths the backward pass uses. */
  sig->f_array (z, a, G_N_ELEMENTS (z), NULL);
  sig->df_array (z, a, d, G_N_ELEMENTS (z), NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (z); i++)
    assert_true (ulp_distance (d[i], sigmoid_prime_ld (z[i])) <= 4);
  th->f_array (z, a, G_N_ELEMENTS (z), NULL);
  th->df_array (z, a, d, G_N_ELEMENTS (z), NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (z); i++)
    assert_true (ulp_distance (d[i], sech2_ld (z[i])) <= 4);

  bp_rng_init (&rng, 5);
  for (int i = 0; i < 200000; i++)
    {
      double zz;

      if (i < 80000)
        zz = bp_rng_range (&rng, -45.0, 45.0);
      else if (i < 160000)
        zz = bp_rng_range (&rng, -760.0, 760.0);
      else
        zz = ldexp (bp_rng_range (&rng, -1.0, 1.0), -(int) bp_rng_below (&rng, 60));
      worst_note (&worst_sig, sig->df (zz, sig->f (zz, NULL), NULL), sigmoid_prime_ld (zz), zz);
      worst_note (&worst_tanh, th->df (zz, th->f (zz, NULL), NULL), sech2_ld (zz), zz);
    }
  if (worst_sig.ulps > 4 || worst_tanh.ulps > 4)
    fail_msg ("σ′ worst %" G_GUINT64_FORMAT " ulp at z = %.17g; tanh′ worst %"
              G_GUINT64_FORMAT " ulp at z = %.17g",
              worst_sig.ulps, worst_sig.at, worst_tanh.ulps, worst_tanh.at);
}

/* The backward pass of a whole network carries the tail derivative: a
 * sigmoid (tanh) layer saturated at z ∈ {±15 … ±700}, mse with y = 0 and
 * sum reduction, so δ_s = a_s σ′(z_s) where a − y = a is exact; with
 * σ(1 − σ) δ was 0 from z = 37 on. */
static void
test_backward_saturated_layer (void **state)
{
  static const char *const ids[] = { "sigmoid", "tanh" };
  static const double pts[] = { 15.0, 20.0, 25.0, 30.0, 37.0, 40.0, 700.0,
                                -15.0, -20.0, -25.0, -30.0, -37.0, -40.0, -700.0 };
  const gsize B = G_N_ELEMENTS (pts);
  double y[G_N_ELEMENTS (pts)] = { 0 };

  for (gsize c = 0; c < G_N_ELEMENTS (ids); c++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BpNetwork) net = bp_network_new (1, &error);
      g_autoptr(BpTrace) trace = NULL;

      assert_non_null (net);
      assert_true (bp_network_add_layer (net, 1, ids[c], NULL, &error));
      assert_true (bp_network_set_cost (net, "mse", NULL, &error));
      net->reduction = BP_REDUCTION_SUM;
      net->layers[0].W[0] = 1.0;
      net->layers[0].b[0] = 0.0;
      trace = bp_trace_new (net, B);
      bp_network_forward (net, trace, pts, B);
      bp_network_zero_grad (net);
      bp_network_backward (net, trace, y);
      for (gsize s = 0; s < B; s++)
        {
          double a = trace->a[0][s];
          double want = a * (c == 0 ? sigmoid_prime_ld (pts[s]) : sech2_ld (pts[s]));

          if (a == 0.0)
            continue;
          assert_true (trace->dC_dz[0][s] != 0.0 || want == 0.0);
          assert_near (trace->dC_dz[0][s], want, 6 * DBL_EPSILON, 0.0);
        }
    }
}

/* A network's leaky layer must use the α it was given. */
static void
test_leaky_alpha_in_network (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpNetwork) net = bp_network_new (1, &error);
  g_autoptr(BpTrace) trace = NULL;
  const double x[] = { -2.0 };
  const double y[] = { 0.0 };

  assert_non_null (net);
  assert_true (bp_network_add_layer (net, 1, "leaky_relu", leaky_alpha, &error));
  assert_null (error);
  assert_bits (net->layers[0].act_params[0], 0.2);
  net->layers[0].W[0] = 1.5;
  net->layers[0].b[0] = 0.0;
  trace = bp_trace_new (net, 1);
  bp_network_forward (net, trace, x, 1);
  /* z = −3, a = 0.2·(−3) = −0.6 */
  assert_bits (trace->z[0][0], -3.0);
  assert_bits (trace->a[0][0], 0.2 * -3.0);
  bp_network_zero_grad (net);
  bp_network_backward (net, trace, y);
  /* δ = (a − y)·α = −0.6·0.2 = −0.12, ∂C/∂W = δ·x = 0.24 */
  assert_near (trace->dC_dz[0][0], -0.12, 1e-15, 0.0);
  assert_near (net->layers[0].dW[0], 0.24, 1e-15, 0.0);
}

/* -------------------------------------------------------------- softmax */

static void
test_softmax_forward (void **state)
{
  const BpActivationDesc *sm = act ("softmax");
  BpRng rng;
  double a[8];

  assert_null (sm->f);
  assert_null (sm->df);
  assert_non_null (sm->vec_forward);
  assert_non_null (sm->vec_vjp);

  bp_rng_init (&rng, 3);
  for (int r = 0; r < 200; r++)
    {
      double z[8], sum = 0.0;

      for (int i = 0; i < 8; i++)
        z[i] = bp_rng_range (&rng, -30.0, 30.0);
      sm->vec_forward (z, a, 8, NULL);
      for (int i = 0; i < 8; i++)
        {
          assert_true (a[i] >= 0.0 && a[i] <= 1.0);
          sum += a[i];
        }
      assert_near (sum, 1.0, 0.0, 8 * DBL_EPSILON);
    }

  /* Stable for huge z: softmax(1000, 999, 998) = softmax(2, 1, 0) =
   * 0.66524095577482188953, 0.24472847105479765247, 0.090030573170380457998 */
  {
    const double z[] = { 1000.0, 999.0, 998.0 };
    const double zn[] = { -998.0, -999.0, -1000.0 };

    sm->vec_forward (z, a, 3, NULL);
    assert_near (a[0], 0.66524095577482188953, 1e-15, 0.0);
    assert_near (a[1], 0.24472847105479765247, 1e-15, 0.0);
    assert_near (a[2], 0.090030573170380457998, 1e-15, 0.0);
    sm->vec_forward (zn, a, 3, NULL);
    assert_near (a[0], 0.66524095577482188953, 1e-15, 0.0);
    assert_near (a[2], 0.090030573170380457998, 1e-15, 0.0);
  }
  {
    const double z[] = { 1000.0, -1000.0 };

    sm->vec_forward (z, a, 2, NULL);
    assert_bits (a[0], 1.0);
    assert_bits (a[1], 0.0);
  }
  /* One unit: always 1. */
  {
    const double z[] = { -123.0 };

    sm->vec_forward (z, a, 1, NULL);
    assert_bits (a[0], 1.0);
  }
}

static void
test_softmax_jacobian_and_vjp (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpNetwork) net = bp_network_new (3, &error);
  g_autoptr(BpTrace) trace = NULL;
  const BpActivationDesc *sm = act ("softmax");
  const gsize n = 5;
  double x[2 * 3] = { 0.3, -1.2, 0.8, 2.0, 0.1, -0.4 };
  double J[5 * 5], g[5], out[5];
  BpRng rng;

  assert_true (bp_network_add_layer (net, n, "softmax", NULL, &error));
  assert_null (error);
  bp_rng_init (&rng, 8);
  for (gsize i = 0; i < net->n_params; i++)
    net->params[i] = bp_rng_range (&rng, -2.0, 2.0);
  trace = bp_trace_new (net, 2);
  bp_network_forward (net, trace, x, 2);

  for (gsize s = 0; s < 2; s++)
    {
      const double *a = bp_trace_a (trace, 0, s), *z = bp_trace_z (trace, 0, s);

      bp_network_act_jacobian (net, trace, 0, s, J);
      /* ∂a_i/∂z_j = a_i(δ_ij − a_j) */
      for (gsize i = 0; i < n; i++)
        for (gsize j = 0; j < n; j++)
          assert_near (J[i * n + j], a[i] * ((i == j) - a[j]), 0.0, 1e-16);

      /* Each row of J against central differences of softmax. */
      for (gsize j = 0; j < n; j++)
        {
          double zp[5], zm[5], ap[5], am[5], h = 1e-6;

          memcpy (zp, z, sizeof zp);
          memcpy (zm, z, sizeof zm);
          zp[j] += h;
          zm[j] -= h;
          sm->vec_forward (zp, ap, n, NULL);
          sm->vec_forward (zm, am, n, NULL);
          for (gsize i = 0; i < n; i++)
            assert_near (J[i * n + j], (ap[i] - am[i]) / (zp[j] - zm[j]), 0.0, 1e-9);
        }

      /* vjp(g) = Jᵀ g */
      for (gsize i = 0; i < n; i++)
        g[i] = bp_rng_range (&rng, -1.0, 1.0);
      sm->vec_vjp (z, a, g, out, n, NULL);
      for (gsize j = 0; j < n; j++)
        {
          double want = 0.0;

          for (gsize i = 0; i < n; i++)
            want += J[i * n + j] * g[i];
          assert_near (out[j], want, 0.0, 1e-15);
        }
    }
}

/* A vector activation whose Jacobian is not symmetric, so that a
 * transposed Jacobian shows: a_i = Σ_{k ≤ i} z_k (cumulative sum),
 * ∂a_i/∂z_j = [j ≤ i], (Jᵀg)_j = Σ_{i ≥ j} g_i. */
static void
cumsum_forward (const double *z, double *a, size_t n, const double *p)
{
  double s = 0.0;

  for (size_t i = 0; i < n; i++)
    a[i] = (s += z[i]);
}

static void
cumsum_vjp (const double *z, const double *a, const double *g, double *out, size_t n,
            const double *p)
{
  double s = 0.0;

  for (size_t j = n; j-- > 0;)
    out[j] = (s += g[j]);
}

static const BpActivationDesc cumsum_act[] = {
  {
    .id = "test_cumsum", .name = "Cumulative sum (test)",
    .formula = "a_i = Σ_{k≤i} z_k",
    .vec_forward = cumsum_forward, .vec_vjp = cumsum_vjp,
  },
};

static const BpPluginDesc cumsum_plugin = {
  .abi_major = BP_PLUGIN_ABI_MAJOR,
  .abi_minor = BP_PLUGIN_ABI_MINOR,
  .name = "test-cumsum",
  .version = "1",
  .description = "a non-symmetric vector activation for the tests",
  .license = "GPL-3.0-or-later",
  .activations = cumsum_act,
  .n_activations = 1,
};

static void
test_vector_jacobian_orientation (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpNetwork) net = NULL;
  g_autoptr(BpTrace) trace = NULL;
  const gsize n = 3;
  const double x[] = { 0.5, -1.0 };
  const double y[] = { 0.1, 0.2, -0.3 };
  double J[9];

  assert_true (bp_registry_add_plugin (bp_registry_get_default (), &cumsum_plugin,
                                       "(test)", &error));
  assert_null (error);

  net = bp_network_new (2, &error);
  assert_true (bp_network_add_layer (net, n, "test_cumsum", NULL, &error));
  assert_null (error);
  for (gsize i = 0; i < net->n_params; i++)
    net->params[i] = 0.1 * (double) (i + 1) * (i % 2 ? -1 : 1);
  trace = bp_trace_new (net, 1);
  bp_network_forward (net, trace, x, 1);

  bp_network_act_jacobian (net, trace, 0, 0, J);
  /* Row i = ∂a_i/∂z: lower triangular ones. */
  for (gsize i = 0; i < n; i++)
    for (gsize j = 0; j < n; j++)
      assert_bits (J[i * n + j], j <= i ? 1.0 : 0.0);

  /* And the chain rule through it agrees with backprop for every weight. */
  bp_network_zero_grad (net);
  bp_network_backward (net, trace, y);
  for (gsize j = 0; j < n; j++)
    for (gsize k = 0; k < 2; k++)
      {
        g_autoptr(BpChain) chain = bp_chain_new (net, trace, 0, 0, j, k, &error);

        assert_non_null (chain);
        assert_near (bp_chain_product (chain), chain->backprop, 1e-13, 0.0);
        assert_near (chain->backprop, net->layers[0].dW[j * 2 + k], 1e-13, 0.0);
      }
}

/* ------------------------------------------- activation × cost, gradcheck */

static double
min_abs_z_of_kinked (const BpNetwork *net,
                     const BpTrace   *trace)
{
  double m = INFINITY;

  for (gsize l = 0; l < net->n_layers; l++)
    {
      const char *id = net->layers[l].act_id;

      if (!g_str_equal (id, "relu") && !g_str_equal (id, "leaky_relu"))
        continue;
      for (gsize i = 0; i < trace->batch * trace->widths[l]; i++)
        m = MIN (m, fabs (trace->z[l][i]));
    }
  return m;
}

/* Inputs and weights away from relu's kink: draws until every relu/leaky
 * pre-activation is at least 1e−3 away from 0 (a gradcheck step moves z by
 * about 1e−6). */
static void
randomize_away_from_kinks (BpNetwork *net,
                           double    *x,
                           gsize      B,
                           guint64    seed)
{
  g_autoptr(BpTrace) trace = bp_trace_new (net, B);

  for (guint64 attempt = 0; attempt < 1000; attempt++)
    {
      BpRng rng;

      bp_rng_init (&rng, seed * 1000 + attempt);
      bp_network_init_weights (net, BP_INIT_GLOROT_UNIFORM, &rng);
      for (gsize l = 0; l < net->n_layers; l++)
        for (gsize j = 0; j < net->layers[l].out; j++)
          net->layers[l].b[j] = bp_rng_range (&rng, -0.5, 0.5);
      for (gsize i = 0; i < B * net->n_inputs; i++)
        x[i] = bp_rng_range (&rng, -2.0, 2.0);
      bp_network_forward (net, trace, x, B);
      if (min_abs_z_of_kinked (net, trace) > 1e-3)
        return;
    }
  fail_msg ("no draw kept relu pre-activations away from 0");
}

static void
fill_targets (const char *cost_id,
              double     *y,
              gsize       B,
              gsize       n_out,
              BpRng      *rng)
{
  for (gsize s = 0; s < B; s++)
    {
      double *ys = y + s * n_out;

      if (g_str_equal (cost_id, "softmax_ce"))
        {
          double t = 0.0;

          /* Sample 0 one-hot, the others soft. */
          for (gsize k = 0; k < n_out; k++)
            ys[k] = s == 0 ? (k == 1) : bp_rng_range (rng, 0.05, 1.0);
          for (gsize k = 0; k < n_out; k++)
            t += ys[k];
          for (gsize k = 0; k < n_out; k++)
            ys[k] /= t;
        }
      else if (g_str_equal (cost_id, "bce"))
        for (gsize k = 0; k < n_out; k++)
          ys[k] = s == 0 ? (double) (k % 2) : bp_rng_uniform (rng);
      else
        for (gsize k = 0; k < n_out; k++)
          ys[k] = bp_rng_range (rng, -1.0, 1.0);
    }
}

static void
test_gradcheck_all_pairings (void **state)
{
  const gsize n_in = 3, n_hidden = 4, n_out = 3, B = 3;
  static const char *const costs[] = { "mse", "bce", "softmax_ce" };
  int n_checked = 0;
  guint64 seed = 1;

  for (gsize h = 0; h < G_N_ELEMENTS (all_activations); h++)
    for (gsize o = 0; o < G_N_ELEMENTS (all_activations); o++)
      for (gsize c = 0; c < G_N_ELEMENTS (costs); c++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(BpNetwork) net = bp_network_new (n_in, &error);
          const BpCostDesc *cd = cost (costs[c]);
          const double *hp = g_str_equal (all_activations[h], "leaky_relu") ? leaky_alpha : NULL;
          const double *op = g_str_equal (all_activations[o], "leaky_relu") ? leaky_alpha : NULL;
          double x[3 * 3], y[3 * 3];
          BpGradCheckLayer res[2];
          double worst;
          BpRng rng;

          assert_true (bp_network_add_layer (net, n_hidden, all_activations[h], hp, &error));
          assert_true (bp_network_add_layer (net, n_out, all_activations[o], op, &error));
          assert_null (error);

          if (cd->output_activation != NULL &&
              !g_str_equal (cd->output_activation, all_activations[o]))
            {
              /* Not allowed: refused with a message naming the cost. */
              assert_false (bp_network_set_cost (net, costs[c], NULL, &error));
              assert_non_null (error);
              assert_non_null (strstr (error->message, costs[c]));
              continue;
            }
          assert_true (bp_network_set_cost (net, costs[c], NULL, &error));
          assert_null (error);

          randomize_away_from_kinks (net, x, B, seed++);
          bp_rng_init (&rng, 500 + seed);
          fill_targets (costs[c], y, B, n_out, &rng);

          worst = bp_gradcheck (net, x, y, B, 1e-6, res);
          if (!(worst < 1e-6))
            {
              print_error ("hidden %s, output %s, cost %s: max rel error %.3g "
                           "(layer 1: %.3g at %zu, bp %.17g vs fd %.17g; "
                           "layer 2: %.3g at %zu, bp %.17g vs fd %.17g)\n",
                           all_activations[h], all_activations[o], costs[c], worst,
                           res[0].max_rel_error, res[0].worst_index,
                           res[0].worst_backprop, res[0].worst_numeric,
                           res[1].max_rel_error, res[1].worst_index,
                           res[1].worst_backprop, res[1].worst_numeric);
              fail ();
            }
          n_checked++;
        }
  /* 7 hidden × (7 with mse + sigmoid/bce + softmax/softmax_ce). */
  assert_int_equal (n_checked, 7 * 9);
}

/* Saturated units, with bce on a sigmoid output at z ≈ +30 (σ = 1 − 9e−14).
 *
 * Wrong labels (y = 0): the loss is ≈ 30 and ∂C/∂z of the output is O(1)
 * (σ(z) − y; mse would give σ′ ≈ 1e−13).  The hidden sigmoid units sit at
 * z ≈ ±4 (σ′ ≈ 0.018): with C ≈ 30, central differences (h = 1e−5)
 * resolve a gradient only to ≈ ε·C/h ≈ 3e−10, so units much deeper in
 * saturation cannot be checked to 1e−6 relative at this loss.
 *
 * Right labels (y = 1): the loss is ≈ 1e−13, computed from z without
 * cancellation, and the hidden units are at z ≈ ±20.  Every gradient is
 * then below gradcheck's 1e−8 floor, so this checks them to ≈ 1e−14
 * absolute and, above all, that nothing is NaN or flushed. */
static void
test_gradcheck_saturated (void **state)
{
  for (int right = 0; right < 2; right++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BpNetwork) net = bp_network_new (2, &error);
      g_autoptr(BpTrace) trace = NULL;
      const double x[] = { 1.0, 0.5, 0.5, 1.0 };
      const double W1[] = { 0.5, -0.3, 0.2, 0.4, -0.1, 0.6 };
      const double W2[] = { 1.5, -2.0, 1.0 };
      const double tail = right ? 20.0 : 4.0;
      double y[2];
      BpGradCheckLayer res[2];
      double worst, loss;

      assert_true (bp_network_add_layer (net, 3, "sigmoid", NULL, &error));
      assert_true (bp_network_add_layer (net, 1, "sigmoid", NULL, &error));
      assert_true (bp_network_set_cost (net, "bce", NULL, &error));
      assert_null (error);
      trace = bp_trace_new (net, 2);

      /* Unit 1 at z ≈ −tail, unit 2 moderate, unit 3 at z ≈ +tail. */
      memcpy (net->layers[0].W, W1, sizeof W1);
      net->layers[0].b[0] = -tail;
      net->layers[0].b[1] = 0.1;
      net->layers[0].b[2] = tail;
      memcpy (net->layers[1].W, W2, sizeof W2);
      net->layers[1].b[0] = 30.0;

      bp_network_forward (net, trace, x, 2);
      assert_true (trace->z[0][0] < -tail + 1.0 && trace->z[0][2] > tail - 1.0);
      assert_true (trace->z[1][0] > 29.0 && trace->z[1][1] > 29.0);
      y[0] = y[1] = right ? 1.0 : 0.0;

      bp_network_zero_grad (net);
      loss = bp_network_backward (net, trace, y);
      assert_true (isfinite (loss));
      if (right)
        assert_true (loss > 1e-14 && loss < 1e-12);
      else
        assert_true (loss > 29.0 && loss < 32.0);
      for (gsize i = 0; i < net->n_params; i++)
        assert_true (isfinite (net->grads[i]));
      /* The unit deepest in its negative tail still passes a gradient on. */
      assert_true (net->layers[0].dW[0] != 0.0);
      if (right)
        assert_true (fabs (net->layers[0].dW[0]) < 1e-20);
      else
        assert_true (fabs (net->layers[0].dW[0]) > 1e-3 && fabs (net->layers[0].dW[0]) < 0.1);

      worst = bp_gradcheck (net, x, y, 2, 1e-5, res);
      if (!(worst < 1e-6))
        {
          print_error ("saturated (%s labels): max rel error %.3g (layer 1 %.3g at %zu: "
                       "%.17g vs %.17g; layer 2 %.3g)\n", right ? "right" : "wrong",
                       worst, res[0].max_rel_error, res[0].worst_index,
                       res[0].worst_backprop, res[0].worst_numeric, res[1].max_rel_error);
          fail ();
        }
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_df_vs_central_differences),
    cmocka_unit_test (test_df_vs_exact_derivative),
    cmocka_unit_test (test_array_paths_match_scalar),
    cmocka_unit_test (test_exact_values),
    cmocka_unit_test (test_accuracy_vs_long_double),
    cmocka_unit_test (test_exp_core_accuracy),
    cmocka_unit_test (test_derivative_tails_ulp),
    cmocka_unit_test (test_backward_saturated_layer),
    cmocka_unit_test (test_costs_confident),
    cmocka_unit_test (test_leaky_alpha_in_network),
    cmocka_unit_test (test_softmax_forward),
    cmocka_unit_test (test_softmax_jacobian_and_vjp),
    cmocka_unit_test (test_vector_jacobian_orientation),
    cmocka_unit_test (test_cost_mse),
    cmocka_unit_test (test_cost_bce),
    cmocka_unit_test (test_cost_bce_stable),
    cmocka_unit_test (test_cost_softmax_ce),
    cmocka_unit_test (test_gradcheck_all_pairings),
    cmocka_unit_test (test_gradcheck_saturated),
  };

  return cmocka_run_group_tests_name ("activations", tests, NULL, NULL);
}
