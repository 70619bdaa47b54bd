/* test-diagnostics.c — unit state (saturated, dead) against hand-set
 * pre-activations, and against the definitions the canvas used before it
 * moved here (df per unit, the diagonal of the full Jacobian); gradient
 * health: the verdict, its smoothing and its warning text.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-util.h"

#include <math.h>

#include "bp-diagnostics.h"
#include "bp-network.h"
#include "bp-rng.h"

/* ------------------------------------------------------------ helpers */

/* One layer of `width` units on one input, W = 1 and b = bias[j], so that
 * z_j = x_s + bias[j] for sample s. */
static BpNetwork *
one_layer (gsize         width,
           const char   *act,
           const double *bias)
{
  g_autoptr(GError) error = NULL;
  BpNetwork *net = bp_network_new (1, &error);

  assert_non_null (net);
  if (!bp_network_add_layer (net, width, act, NULL, &error))
    fail_msg ("add_layer %s: %s", act, error->message);
  for (gsize j = 0; j < width; j++)
    {
      net->layers[0].W[j] = 1.0;
      net->layers[0].b[j] = bias != NULL ? bias[j] : 0.0;
    }
  return net;
}

static BpTrace *
forward (const BpNetwork *net,
         const double    *x,
         gsize            B)
{
  BpTrace *trace = bp_trace_new (net, B);

  bp_network_forward (net, trace, x, B);
  return trace;
}

/* σ′ as the canvas derived it: df per unit, or the diagonal of the full
 * Jacobian for vector activations. */
static double
reference_derivative (const BpNetwork *net,
                      const BpTrace   *trace,
                      gsize            layer,
                      gsize            s,
                      gsize            j)
{
  const BpLayer *L = &net->layers[layer];
  gsize n = L->out;
  g_autofree double *J = NULL;

  if (L->act->df != NULL)
    return L->act->df (bp_trace_z (trace, layer, s)[j], bp_trace_a (trace, layer, s)[j],
                       L->act_params);
  J = g_new (double, n * n);
  bp_network_act_jacobian (net, trace, layer, s, J);
  return J[j * n + j];
}

/* -------------------------------------------------------------- tests */

/* relu: a unit whose z ≤ 0 for every sample is dead; one that is positive
 * for a single sample is not, though its σ′ is 0 for the others, where it
 * counts as saturated. */
static void
test_relu_dead (void **state)
{
  const double bias[3] = { -5.0, -1.5, 1.0 };
  const double x[3] = { 0.0, 1.0, 2.0 };
  g_autoptr(BpNetwork) net = one_layer (3, "relu", bias);
  g_autoptr(BpTrace) trace = forward (net, x, 3);
  BpDiagUnitState st[3];
  double d[3];

  (void) state;
  assert_true (bp_diag_unit_dead (net, trace, 0, 0));
  assert_false (bp_diag_unit_dead (net, trace, 0, 1));   /* z = 0.5 for x = 2 */
  assert_false (bp_diag_unit_dead (net, trace, 0, 2));

  bp_diag_unit_states (net, trace, 0, 0, d, st);
  assert_int_equal (st[0], BP_DIAG_UNIT_DEAD);
  assert_int_equal (st[1], BP_DIAG_UNIT_SATURATED);        /* z = −1.5: σ′ = 0 */
  assert_int_equal (st[2], BP_DIAG_UNIT_OK);
  assert_bits (d[0], 0.0);
  assert_bits (d[2], 1.0);

  bp_diag_unit_states (net, trace, 0, 2, NULL, st);
  assert_int_equal (st[0], BP_DIAG_UNIT_DEAD);
  assert_int_equal (st[1], BP_DIAG_UNIT_OK);
  assert_int_equal (st[2], BP_DIAG_UNIT_OK);
}

/* sigmoid: σ′ = σ(1 − σ) < 0.01 beyond |z| ≈ 4.6; never dead, even where
 * it is flat for every sample (z > 0 there, or σ′ ≠ 0). */
static void
test_sigmoid_saturated (void **state)
{
  const double bias[4] = { 0.0, 4.0, 5.0, -20.0 };
  const double x[2] = { 0.0, 0.5 };
  g_autoptr(BpNetwork) net = one_layer (4, "sigmoid", bias);
  g_autoptr(BpTrace) trace = forward (net, x, 2);
  BpDiagUnitState st[4];
  double d[4];

  (void) state;
  bp_diag_unit_states (net, trace, 0, 0, d, st);
  assert_int_equal (st[0], BP_DIAG_UNIT_OK);
  assert_near (d[0], 0.25, 1e-15, 0);
  assert_int_equal (st[1], BP_DIAG_UNIT_OK);         /* σ′(4) ≈ 0.0177 */
  assert_int_equal (st[2], BP_DIAG_UNIT_SATURATED);  /* σ′(5) ≈ 0.0066 */
  assert_int_equal (st[3], BP_DIAG_UNIT_SATURATED);
  assert_false (bp_diag_unit_dead (net, trace, 0, 3));
  bp_diag_unit_states (net, trace, 0, 1, d, st);
  assert_int_equal (st[1], BP_DIAG_UNIT_OK);         /* σ′(4.5) ≈ 0.0109 */
  assert_int_equal (st[2], BP_DIAG_UNIT_SATURATED);  /* σ′(5.5) ≈ 0.0041 */
}

/* linear: σ′ = 1 everywhere, so never saturated, and never dead even
 * where z < 0. */
static void
test_linear_never_flagged (void **state)
{
  const double x[1] = { -3.0 };
  g_autoptr(BpNetwork) net = one_layer (2, "linear", NULL);
  g_autoptr(BpTrace) trace = forward (net, x, 1);
  BpDiagUnitState st[2];

  (void) state;
  bp_diag_unit_states (net, trace, 0, 0, NULL, st);
  assert_int_equal (st[0], BP_DIAG_UNIT_OK);
  assert_int_equal (st[1], BP_DIAG_UNIT_OK);
  assert_false (bp_diag_unit_dead (net, trace, 0, 0));
}

/* Every derivative, bit for bit the canvas's old definition, over a deep
 * mixed network (element-wise and softmax). */
static void
test_matches_reference (void **state)
{
  static const struct { gsize width; const char *act; } layers[] = {
    { 5, "tanh" }, { 7, "relu" }, { 4, "sigmoid" }, { 6, "softmax" },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(BpNetwork) net = bp_network_new (3, &error);
  g_autoptr(BpTrace) trace = NULL;
  BpRng rng;
  double x[4 * 3];
  gsize seen[3] = { 0 };

  (void) state;
  for (gsize l = 0; l < G_N_ELEMENTS (layers); l++)
    assert_true (bp_network_add_layer (net, layers[l].width, layers[l].act, NULL, &error));
  bp_rng_init (&rng, 7);
  bp_network_init_weights (net, BP_INIT_GLOROT_UNIFORM, &rng);
  for (gsize l = 0; l < net->n_layers; l++)
    for (gsize j = 0; j < net->layers[l].out; j++)
      net->layers[l].b[j] = bp_rng_range (&rng, -3, 3);
  for (gsize i = 0; i < G_N_ELEMENTS (x); i++)
    x[i] = bp_rng_range (&rng, -4, 4);
  trace = forward (net, x, 4);

  for (gsize l = 0; l < net->n_layers; l++)
    for (gsize s = 0; s < 4; s++)
      {
        gsize n = net->layers[l].out;
        double d[8];
        BpDiagUnitState st[8];

        bp_diag_unit_states (net, trace, l, s, d, st);
        for (gsize j = 0; j < n; j++)
          {
            gboolean dead = bp_diag_unit_dead (net, trace, l, j);
            double want = reference_derivative (net, trace, l, s, j);

            assert_bits (d[j], want);
            seen[st[j]]++;
            assert_int_equal (st[j], dead ? BP_DIAG_UNIT_DEAD
                                     : fabs (want) < BP_DIAG_SATURATION_LEVEL ? BP_DIAG_UNIT_SATURATED
                                     : BP_DIAG_UNIT_OK);
          }
      }
  /* The biases of ±3 make all three verdicts occur. */
  assert_true (seen[BP_DIAG_UNIT_OK] > 0);
  assert_true (seen[BP_DIAG_UNIT_SATURATED] > 0);
  assert_true (seen[BP_DIAG_UNIT_DEAD] > 0);
}

/* softmax: never dead; a unit that takes (almost) all the mass, or almost
 * none, has ∂a_j/∂z_j = a_j(1 − a_j) ≈ 0. */
static void
test_softmax (void **state)
{
  const double bias[3] = { 12.0, 0.0, 0.0 };
  const double x[1] = { 0.0 };
  g_autoptr(BpNetwork) net = one_layer (3, "softmax", bias);
  g_autoptr(BpTrace) trace = forward (net, x, 1);
  BpDiagUnitState st[3];
  double d[3];

  (void) state;
  bp_diag_unit_states (net, trace, 0, 0, d, st);
  for (gsize j = 0; j < 3; j++)
    {
      double a = bp_trace_a (trace, 0, 0)[j];

      assert_near (d[j], a * (1 - a), 1e-9, 0);
      assert_int_equal (st[j], BP_DIAG_UNIT_SATURATED);
      assert_false (bp_diag_unit_dead (net, trace, 0, j));
    }
}

/* A softmax wider than BP_DIAG_JACOBIAN_MAX_UNITS: σ′ unknown (NaN), so
 * no unit is flagged. */
static void
test_wide_softmax_unknown (void **state)
{
  gsize n = BP_DIAG_JACOBIAN_MAX_UNITS + 1;
  const double x[1] = { 0.0 };
  g_autoptr(BpNetwork) net = one_layer (n, "softmax", NULL);
  g_autoptr(BpTrace) trace = forward (net, x, 1);
  g_autofree BpDiagUnitState *st = g_new (BpDiagUnitState, n);
  g_autofree double *d = g_new (double, n);

  (void) state;
  bp_diag_unit_states (net, trace, 0, 0, d, st);
  for (gsize j = 0; j < n; j++)
    {
      assert_true (isnan (d[j]));
      assert_int_equal (st[j], BP_DIAG_UNIT_OK);
    }
}

/* ------------------------------------------------------ gradient health */

static void
test_grad_health (void **unused)
{
  const double ok[] = { 0.5, 1.0, 2.0 };
  const double vanish[] = { 1.0, 1e-5, 2.0 };
  const double explode[] = { 1.0, 1.0, 1e4 };
  const double nan3[] = { 1.0, NAN, 1.0 };
  BpDiagGradHealth h[3];

  (void) unused;
  bp_diag_grad_health (ok, 3, h);
  assert_true (h[0] == BP_DIAG_GRAD_OK && h[1] == BP_DIAG_GRAD_OK && h[2] == BP_DIAG_GRAD_OK);
  bp_diag_grad_health (vanish, 3, h);
  assert_true (h[0] == BP_DIAG_GRAD_OK && h[1] == BP_DIAG_GRAD_VANISHING && h[2] == BP_DIAG_GRAD_OK);
  bp_diag_grad_health (explode, 3, h);
  assert_true (h[0] == BP_DIAG_GRAD_OK && h[1] == BP_DIAG_GRAD_OK && h[2] == BP_DIAG_GRAD_EXPLODING);
  bp_diag_grad_health (nan3, 3, h);
  assert_true (h[1] == BP_DIAG_GRAD_EXPLODING && h[0] == BP_DIAG_GRAD_OK);
  /* Nothing flows back through dead units: zero is vanishing, even when
   * every layer is zero (there is no median to compare with then). */
  {
    const double dead[] = { 0.0, 0.0, 0.0 };
    const double one_dead[] = { 0.0, 0.5, 1.0 };

    bp_diag_grad_health (dead, 3, h);
    assert_true (h[0] == BP_DIAG_GRAD_VANISHING && h[1] == BP_DIAG_GRAD_VANISHING
                 && h[2] == BP_DIAG_GRAD_VANISHING);
    bp_diag_grad_health (one_dead, 3, h);
    assert_true (h[0] == BP_DIAG_GRAD_VANISHING && h[1] == BP_DIAG_GRAD_OK && h[2] == BP_DIAG_GRAD_OK);
  }
}

/* The thresholds are strict and relative to the others' median: with two
 * other layers that is the geometric mean of the two, so one huge layer
 * does not make a normal one look vanishing. */
static void
test_grad_median (void **unused)
{
  const double even[] = { 1.0, 100.0 };
  const double three[] = { 1.0, 1e-2, 1e4 };
  const double at_ratio[] = { 1.0, 1e-3, 1.0 };
  BpDiagGradHealth h[3];

  (void) unused;
  assert_near (bp_diag_grad_median (even, 2, G_MAXSIZE), 10.0, 1e-15, 0);
  assert_bits (bp_diag_grad_median (three, 3, G_MAXSIZE), 1.0);
  assert_near (bp_diag_grad_median (three, 3, 1), 100.0, 1e-15, 0);
  assert_true (isnan (bp_diag_grad_median (even, 1, 0)));
  /* Layer 1 against √(10⁻² · 10⁴) = 10: OK (their plain mean, 5000,
   * would have called it vanishing). */
  bp_diag_grad_health (three, 3, h);
  assert_int_equal (h[0], BP_DIAG_GRAD_OK);
  /* Exactly 10⁻³ × the median is not below it. */
  bp_diag_grad_health (at_ratio, 3, h);
  assert_int_equal (h[1], BP_DIAG_GRAD_OK);
}

/* The running average in orders of magnitude over n_records / 25 records,
 * zeros and non-finite records left out of the mean. */
static void
test_grad_smooth (void **unused)
{
  enum { R = 50, L = 2 };
  double norms[R * L], smooth[R * L];

  (void) unused;
  for (gsize r = 0; r < R; r++)
    {
      norms[r * L + 0] = r % 2 == 0 ? 1e-2 : 1e-4;   /* window 2: mean 10⁻³ */
      norms[r * L + 1] = r < 10 ? 0.0 : r < 20 ? NAN : 5.0;
    }
  bp_diag_grad_smooth (norms, R, L, smooth);
  assert_near (smooth[0 * L + 0], 1e-2, 1e-12, 0);
  for (gsize r = 1; r < R; r++)
    assert_near (smooth[r * L + 0], 1e-3, 1e-12, 0);
  assert_bits (smooth[5 * L + 1], 0.0);            /* only zeros */
  assert_true (isnan (smooth[15 * L + 1]));        /* only NaN */
  assert_bits (smooth[10 * L + 1], 0.0);           /* a zero and a NaN */
  assert_near (smooth[21 * L + 1], 5.0, 1e-15, 0);
}

/* The latest smoothed record and its health, as the plot computes them. */
static void
test_grad_latest_health (void **unused)
{
  enum { R = 100, L = 4 };
  double norms[R * L] = { 0 }, smooth[R * L], latest[L];
  BpDiagGradHealth h[L], want[L];

  (void) unused;
  assert_false (bp_diag_grad_latest_health (norms, 0, L, latest, h));
  assert_int_equal (h[0], BP_DIAG_GRAD_OK);
  for (gsize r = 0; r < R; r++)
    {
      norms[r * L + 0] = 1e-6 * (1 + r % 3);
      norms[r * L + 1] = 0.5;
      norms[r * L + 2] = 0.5;
      /* One record above 10³ × the median does not flag layer 4: the
       * window of 4 averages it down to 10. */
      norms[r * L + 3] = r == R - 1 ? 1e4 : 1.0;
    }
  assert_true (bp_diag_grad_latest_health (norms, R, L, latest, h));
  bp_diag_grad_smooth (norms, R, L, smooth);
  bp_diag_grad_health (smooth + (R - 1) * L, L, want);
  for (gsize l = 0; l < L; l++)
    {
      assert_bits (latest[l], smooth[(R - 1) * L + l]);
      assert_int_equal (h[l], want[l]);
    }
  assert_int_equal (h[0], BP_DIAG_GRAD_VANISHING);
  assert_int_equal (h[1], BP_DIAG_GRAD_OK);
  assert_int_equal (h[2], BP_DIAG_GRAD_OK);
  assert_int_equal (h[3], BP_DIAG_GRAD_OK);
  assert_near (latest[3], 10.0, 1e-12, 0);
  assert_true (bp_diag_grad_latest_health (norms, R, L, NULL, h));
}

/* The warning the plot shows and `backprop train` prints. */
static void
test_grad_verdict (void **unused)
{
  const double norms[] = { 0.0, 0.0, 1e9, 1.0, 1e-7, 1.0, 1.0, 1.0 };
  BpDiagGradHealth h[8];
  g_autofree char *all = NULL;
  g_autofree char *one = NULL;

  (void) unused;
  bp_diag_grad_health (norms, 8, h);
  all = bp_diag_grad_verdict (norms, h, 8);
  assert_string_equal (all, "⚠ W(1), W(2) zero · W(5) vanishing · W(3) exploding");
  h[0] = h[1] = h[2] = BP_DIAG_GRAD_OK;
  one = bp_diag_grad_verdict (norms, h, 8);
  assert_string_equal (one, "⚠ W(5) vanishing");
  h[4] = BP_DIAG_GRAD_OK;
  assert_null (bp_diag_grad_verdict (norms, h, 8));
  assert_null (bp_diag_grad_verdict (NULL, NULL, 0));
  assert_int_equal (bp_diag_grad_kind (0.0, BP_DIAG_GRAD_VANISHING), BP_DIAG_GRAD_KIND_ZERO);
  assert_int_equal (bp_diag_grad_kind (NAN, BP_DIAG_GRAD_EXPLODING), BP_DIAG_GRAD_KIND_EXPLODING);
  assert_string_equal (bp_diag_grad_kind_to_string (BP_DIAG_GRAD_KIND_VANISHING), "vanishing");
}

/* dense, dense, dropout, batch norm: the dropout layer's record (0: it
 * has no parameters) is no norm, so it is neither in the median nor in the
 * verdict, and the norm layer is named γ as the plot names it. */
static BpNetwork *
mixed_network (void)
{
  g_autoptr(GError) error = NULL;
  BpNetwork *net = bp_network_new (2, &error);

  assert_non_null (net);
  assert_true (bp_network_add_layer (net, 3, "sigmoid", NULL, &error));
  assert_true (bp_network_add_layer (net, 3, "sigmoid", NULL, &error));
  assert_true (bp_network_add_dropout (net, 0.5, &error));
  assert_true (bp_network_add_batchnorm (net, 1e-5, 0.9, "linear", &error));
  return net;
}

static void
test_grad_net_dropout_left_out (void **unused)
{
  enum { L = 4 };
  /* W(2) = 2000 against the others with parameters, {1, 100}: below 10³ ×
   * their median 10 (the geometric mean of an even count).  Counting the
   * dropout layer's 0 as a norm makes the median of {1, 0, 100} just 1,
   * W(2) "exploding", and the dropout layer "zero". */
  const double norms[L] = { 1.0, 2e3, 0.0, 100.0 };
  g_autoptr(BpNetwork) net = mixed_network ();
  g_autofree char *old = NULL;
  g_autofree char *name = NULL;
  double latest[L];
  BpDiagGradHealth h[L];

  (void) unused;
  /* What the dropout layer did to the plain verdict. */
  bp_diag_grad_health (norms, L, h);
  old = bp_diag_grad_verdict (norms, h, L);
  assert_string_equal (old, "⚠ W(3) zero · W(2) exploding");
  assert_near (bp_diag_grad_median (norms, L, 1), 1.0, 0, 0);

  assert_true (bp_diag_grad_net_health (net, norms, 1, latest, h));
  assert_true (isnan (latest[2]));
  assert_near (bp_diag_grad_median ((const double[]) { latest[0], latest[3] }, 2, G_MAXSIZE),
               10.0, 1e-12, 0);
  for (gsize l = 0; l < L; l++)
    assert_int_equal (h[l], BP_DIAG_GRAD_OK);
  assert_null (bp_diag_grad_net_verdict (net, latest, h));

  /* Over 10³ × the median of the others {1, 1}: exploding, with the
   * dropout layer still left out and the norm layer named γ(4). */
  {
    const double big[L] = { 1.0, 2e3, 0.0, 1e-4 };
    g_autofree char *verdict = NULL;

    assert_true (bp_diag_grad_net_health (net, big, 1, latest, h));
    assert_int_equal (h[1], BP_DIAG_GRAD_EXPLODING);
    assert_int_equal (h[2], BP_DIAG_GRAD_OK);
    assert_int_equal (h[3], BP_DIAG_GRAD_VANISHING);
    verdict = bp_diag_grad_net_verdict (net, latest, h);
    assert_string_equal (verdict, "⚠ γ(4) vanishing · W(2) exploding");
  }

  name = bp_diag_grad_layer_name (net, 3);
  assert_string_equal (name, "γ(4)");
  assert_null (bp_diag_grad_layer_name (net, 2));
  assert_false (bp_diag_grad_net_health (net, norms, 0, latest, h));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_relu_dead),
    cmocka_unit_test (test_sigmoid_saturated),
    cmocka_unit_test (test_linear_never_flagged),
    cmocka_unit_test (test_matches_reference),
    cmocka_unit_test (test_softmax),
    cmocka_unit_test (test_wide_softmax_unknown),
    cmocka_unit_test (test_grad_health),
    cmocka_unit_test (test_grad_median),
    cmocka_unit_test (test_grad_smooth),
    cmocka_unit_test (test_grad_latest_health),
    cmocka_unit_test (test_grad_verdict),
    cmocka_unit_test (test_grad_net_dropout_left_out),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
