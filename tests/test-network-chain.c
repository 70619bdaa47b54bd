/* test-network-chain.c — the chain rule as factors: bp_chain's factor
 * lists and δ terms against the backward pass and against central
 * differences, the fused output layers where they saturate, and the
 * errors.  Part of the test-network program (test-network.h).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-util.h"
#include "test-network.h"

#include <math.h>
#include <string.h>

#include "bp-chain.h"
#include "bp-network.h"
#include "bp-rng.h"

typedef struct
{
  const char  *name;
  gsize        n_in;
  gsize        n_layers;
  gsize        widths[4];
  const char  *acts[4];
  const char  *cost;
  gsize        B;
} NetSpec;

static const NetSpec chain_specs[] = {
  { "tanh-sigmoid-linear, mse", 3, 3, { 4, 3, 2 }, { "tanh", "sigmoid", "linear" }, "mse", 3 },
  { "softmax output, mse (full Jacobian)", 3, 2, { 4, 3 }, { "tanh", "softmax" }, "mse", 2 },
  { "softmax hidden layer", 2, 3, { 4, 3, 2 }, { "softplus", "softmax", "tanh" }, "mse", 2 },
  { "sigmoid output, bce (fused)", 3, 3, { 4, 3, 1 }, { "leaky_relu", "tanh", "sigmoid" }, "bce", 3 },
  { "softmax output, softmax_ce (fused)", 3, 3, { 5, 4, 3 }, { "sigmoid", "tanh", "softmax" },
    "softmax_ce", 3 },
  { "one layer, mse", 2, 1, { 2 }, { "sigmoid" }, "mse", 2 },
};

static void
check_factor_list (const BpNetwork *net,
                   const BpTrace   *trace,
                   const BpChain   *chain,
                   gsize            s,
                   gsize            l,
                   gsize            j,
                   gsize            k)
{
  gsize N = net->n_layers, f = 0;
  const BpChainFactor *F = chain->factors;

  assert_int_equal (chain->n_factors, 2 * (N - l) + 1);
  assert_int_equal (chain->layer, l + 1);
  assert_int_equal (chain->sample, s);
  assert_int_equal (chain->j, j);
  assert_int_equal (chain->k, k);

  /* First: the row ∂C/∂a(N), equal to the trace's. */
  {
    g_autofree char *label = g_strdup_printf ("∂C/∂a(%zu)", N);

    assert_int_equal (F[0].kind, BP_FACTOR_ROW);
    assert_int_equal (F[0].role, BP_FACTOR_DC_DA);
    assert_int_equal (F[0].layer, N);
    assert_int_equal (F[0].rows, 1);
    assert_int_equal (F[0].cols, net->layers[N - 1].out);
    assert_string_equal (F[0].label, label);
    assert_memory_equal (F[0].data, bp_trace_dC_da (trace, N - 1, s),
                         F[0].cols * sizeof (double));
  }
  f = 1;
  /* Then for n = N … i: ∂a(n)/∂z(n), and W(n) between layers. */
  for (gsize m = N; m-- > l;)
    {
      const BpLayer *L = &net->layers[m];
      gboolean vector = L->act->vec_vjp != NULL;
      g_autofree char *label = g_strdup_printf ("∂a(%zu)/∂z(%zu)", m + 1, m + 1);
      const double *z = bp_trace_z (trace, m, s), *a = bp_trace_a (trace, m, s);

      assert_true (f < chain->n_factors);
      assert_int_equal (F[f].kind, vector ? BP_FACTOR_MATRIX : BP_FACTOR_DIAG);
      assert_int_equal (F[f].role, BP_FACTOR_DA_DZ);
      assert_int_equal (F[f].layer, m + 1);
      assert_int_equal (F[f].rows, L->out);
      assert_int_equal (F[f].cols, L->out);
      assert_string_equal (F[f].label, label);
      if (vector)
        for (gsize r = 0; r < L->out; r++)
          for (gsize c = 0; c < L->out; c++)
            assert_near (F[f].data[r * L->out + c], a[r] * ((r == c) - a[c]), 0.0, 1e-16);
      else
        for (gsize r = 0; r < L->out; r++)
          assert_bits (F[f].data[r], L->act->df (z[r], a[r], L->act_params));
      f++;

      if (m > l)
        {
          g_autofree char *wlabel = g_strdup_printf ("∂z(%zu)/∂a(%zu)", m + 1, m);

          assert_int_equal (F[f].kind, BP_FACTOR_MATRIX);
          assert_int_equal (F[f].role, BP_FACTOR_DZ_DA);
          assert_int_equal (F[f].layer, m + 1);
          assert_int_equal (F[f].rows, L->out);
          assert_int_equal (F[f].cols, L->in);
          assert_string_equal (F[f].label, wlabel);
          assert_memory_equal (F[f].data, L->W, L->out * L->in * sizeof (double));
          f++;
        }
    }
  /* Last: the column ∂z(i)/∂W(i)_jk = a(i−1)_k e_j. */
  assert_int_equal (f, chain->n_factors - 1);
  assert_int_equal (F[f].kind, BP_FACTOR_COLUMN);
  assert_int_equal (F[f].role, BP_FACTOR_DZ_DW);
  assert_int_equal (F[f].layer, l + 1);
  assert_int_equal (F[f].rows, net->layers[l].out);
  assert_int_equal (F[f].cols, 1);
  assert_true (g_str_has_prefix (F[f].label, "∂z("));
  for (gsize r = 0; r < F[f].rows; r++)
    assert_bits (F[f].data[r], r == j ? bp_trace_a_prev (trace, l, s)[k] : 0.0);
}

void
test_chain_rule (void **state)
{
  gsize n_chains = 0;

  for (gsize c = 0; c < G_N_ELEMENTS (chain_specs); c++)
    {
      const NetSpec *sp = &chain_specs[c];
      g_autoptr(BpNetwork) net = make_net (sp->n_in, sp->n_layers, sp->widths, sp->acts, sp->cost);
      g_autoptr(BpTrace) trace = bp_trace_new (net, sp->B);
      g_autofree double *x = g_new (double, sp->B * sp->n_in);
      g_autofree double *y = g_new (double, sp->B * bp_network_n_outputs (net));
      BpRng rng;

      bp_rng_init (&rng, 1000 + c);
      randomize (net, &rng, 1.5, 0.5);
      fill_uniform (&rng, x, sp->B * sp->n_in, -1.5, 1.5);
      fill_targets (net, &rng, y, sp->B);
      bp_network_gradients (net, trace, x, y, sp->B);

      for (gsize l = 0; l < net->n_layers; l++)
        {
          const BpLayer *L = &net->layers[l];

          for (gsize j = 0; j < L->out; j++)
            for (gsize k = 0; k < L->in; k++)
              {
                double sum = 0.0, scale = 0.0;

                for (gsize s = 0; s < sp->B; s++)
                  {
                    g_autoptr(GError) error = NULL;
                    g_autoptr(BpChain) chain = bp_chain_new (net, trace, s, l, j, k, &error);
                    double from_trace, product;

                    assert_null (error);
                    assert_non_null (chain);
                    check_factor_list (net, trace, chain, s, l, j, k);

                    from_trace = bp_trace_dC_dz (trace, l, s)[j] * bp_trace_a_prev (trace, l, s)[k];
                    product = bp_chain_product (chain);
                    assert_bits (chain->backprop, from_trace);
                    if (!(fabs (product - from_trace) <= 1e-12 * fabs (from_trace) + 1e-300))
                      fail_msg ("%s: W(%zu)[%zu,%zu] sample %zu: chain product %.17g, "
                                "backprop %.17g", sp->name, l + 1, j + 1, k + 1, s + 1,
                                product, from_trace);
                    sum += chain->backprop;
                    scale += fabs (chain->backprop);
                    n_chains++;
                  }
                assert_near (L->dW[j * L->in + k], sum, 1e-12, 1e-15 * scale);
              }
        }
    }
  assert_true (n_chains > 200);
}

/* δ(n)ᵢ written out as σ′(z(n)ᵢ) Σₖ W(n+1)ₖᵢ δ(n+1)ₖ (or through the full
 * Jacobian of a hidden softmax): for every hidden unit of every network
 * above and of a deep sigmoid stack, the terms add up to the δ the
 * backward pass computed, they come largest first, any fold (the first m
 * shown, the rest summed) adds up to the same sum, and δ · a(n−1)ₖ is the
 * gradient the inspector shows for each weight into the unit. */
static void
check_delta_terms (const NetSpec *sp,
                   guint64        seed,
                   gsize         *n_checked)
{
  g_autoptr(BpNetwork) net = make_net (sp->n_in, sp->n_layers, sp->widths, sp->acts, sp->cost);
  g_autoptr(BpTrace) trace = bp_trace_new (net, sp->B);
  g_autofree double *x = g_new (double, sp->B * sp->n_in);
  g_autofree double *y = g_new (double, sp->B * bp_network_n_outputs (net));
  BpRng rng;

  bp_rng_init (&rng, seed);
  randomize (net, &rng, 1.5, 0.5);
  fill_uniform (&rng, x, sp->B * sp->n_in, -1.5, 1.5);
  fill_targets (net, &rng, y, sp->B);
  bp_network_gradients (net, trace, x, y, sp->B);

  for (gsize l = 0; l + 1 < net->n_layers; l++)
    for (gsize i = 0; i < net->layers[l].out; i++)
      for (gsize s = 0; s < sp->B; s++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(BpDeltaTerms) t = bp_delta_terms_new (net, trace, s, l, i, &error);
          double want = bp_trace_dC_dz (trace, l, s)[i], abs_sum = 0.0;
          gboolean jac = net->layers[l].act->vec_vjp != NULL;

          assert_null (error);
          assert_non_null (t);
          assert_int_equal (t->layer, l + 1);
          assert_int_equal (t->unit, i);
          assert_int_equal (t->jacobian, jac);
          assert_int_equal (t->n_terms, jac ? net->layers[l].out : net->layers[l + 1].out);
          assert_bits (t->backprop, want);
          for (gsize m = 0; m < t->n_terms; m++)
            {
              abs_sum += fabs (t->terms[m].product);
              assert_bits (t->terms[m].product, t->terms[m].factor * t->terms[m].value);
              if (!jac)
                {
                  const BpLayer *Ln = &net->layers[l + 1];

                  assert_bits (t->terms[m].factor, Ln->W[t->terms[m].index * Ln->in + i]);
                  assert_bits (t->terms[m].value,
                               bp_trace_dC_dz (trace, l + 1, s)[t->terms[m].index]);
                }
              if (m > 0)
                assert_true (fabs (t->terms[m - 1].product) >= fabs (t->terms[m].product));
            }
          if (!(fabs (t->delta - want) <= 1e-12 * fabs (t->scale) * abs_sum + 1e-300))
            fail_msg ("%s: δ(%zu)[%zu] sample %zu: the terms give %.17g, backprop %.17g",
                      sp->name, l + 1, i + 1, s + 1, t->delta, want);
          for (gsize shown = 0; shown <= t->n_terms; shown++)
            {
              gsize n_rest = 99;
              double head = 0.0, rest = bp_delta_terms_rest (t, shown, &n_rest);

              for (gsize m = 0; m < shown; m++)
                head += t->terms[m].product;
              assert_int_equal (n_rest, t->n_terms - shown);
              assert_near (head + rest, t->sum, 0.0, 1e-13 * abs_sum);
            }
          /* The gradient of every weight into the unit: δ · a(n−1)ₖ. */
          for (gsize k = 0; k < net->layers[l].in; k++)
            {
              double a = bp_trace_a_prev (trace, l, s)[k];

              assert_near (t->delta * a, want * a, 0.0,
                           1e-12 * fabs (t->scale) * abs_sum * fabs (a) + 1e-300);
            }
          (*n_checked)++;
        }
}

void
test_delta_terms (void **state)
{
  static const NetSpec deep = {
    "deep sigmoid, bce", 2, 4, { 8, 8, 8, 1 }, { "sigmoid", "sigmoid", "sigmoid", "sigmoid" }, "bce", 2
  };
  gsize n_checked = 0;

  for (gsize c = 0; c < G_N_ELEMENTS (chain_specs); c++)
    check_delta_terms (&chain_specs[c], 2000 + c, &n_checked);
  check_delta_terms (&deep, 77, &n_checked);
  assert_true (n_checked > 100);
}

void
test_delta_terms_errors (void **state)
{
  const gsize widths[] = { 3, 2 };
  const char *acts[] = { "tanh", "sigmoid" };
  g_autoptr(BpNetwork) net = make_net (2, 2, widths, acts, "bce");
  g_autoptr(BpTrace) trace = bp_trace_new (net, 1);
  g_autoptr(GError) error = NULL;
  const double x[] = { 0.5, -0.5 }, y[] = { 1, 0 };

  bp_network_forward (net, trace, x, 1);
  bp_network_backward (net, trace, y);
  /* The output's δ comes from the cost, not from terms. */
  assert_null (bp_delta_terms_new (net, trace, 0, 1, 0, &error));
  assert_error_contains (error, "cost");
  g_clear_error (&error);
  assert_null (bp_delta_terms_new (net, trace, 0, 0, 3, &error));
  assert_error_contains (error, "a(1)[4]");
  g_clear_error (&error);
  assert_null (bp_delta_terms_new (net, trace, 1, 0, 0, &error));
  assert_error_contains (error, "sample 2");
}

/* A fused cost at saturation: σ(z) = 1 exactly (z = 40) with y = 0, or a
 * softmax unit at exactly 0 with y = 1.  Backprop uses the stable δ = a − y
 * and stays finite (check_finite allows ∂C/∂a(N) = ±∞ there, as a display
 * value); the chain's product must still be the same finite gradient, not
 * ∞·0 = NaN. */
void
test_chain_fused_saturated (void **state)
{
  char first_bad[256] = "";
  int n_bad = 0, n_checked = 0;

  for (int which = 0; which < 2; which++)
    {
      const gsize widths_bce[] = { 2, 1 }, widths_ce[] = { 2, 3 };
      const char *acts_bce[] = { "tanh", "sigmoid" }, *acts_ce[] = { "tanh", "softmax" };
      g_autoptr(BpNetwork) net = which == 0
        ? make_net (2, 2, widths_bce, acts_bce, "bce")
        : make_net (2, 2, widths_ce, acts_ce, "softmax_ce");
      g_autoptr(BpTrace) trace = bp_trace_new (net, 1);
      g_autoptr(GError) error = NULL;
      const double x[] = { 0.4, -0.3 };
      const double y_bce[] = { 0.0 }, y_ce[] = { 0.0, 1.0, 0.0 };
      BpRng rng;

      bp_rng_init (&rng, 40 + which);
      randomize (net, &rng, 1.0, 0.1);
      if (which == 0)
        net->layers[1].b[0] = 40.0;        /* σ(≈40) == 1.0 */
      else
        {
          net->layers[1].b[0] = 400.0;     /* softmax ≈ (1, e^−800, …) */
          net->layers[1].b[1] = -400.0;
        }
      bp_network_gradients (net, trace, x, which == 0 ? y_bce : y_ce, 1);
      assert_true (bp_network_check_finite (net, trace, &error));
      assert_true (which == 0 ? trace->a[1][0] == 1.0 : trace->a[1][1] == 0.0);

      for (gsize l = 0; l < 2; l++)
        for (gsize j = 0; j < net->layers[l].out; j++)
          for (gsize k = 0; k < net->layers[l].in; k++)
            {
              g_autoptr(BpChain) chain = bp_chain_new (net, trace, 0, l, j, k, &error);
              double product = bp_chain_product (chain);

              assert_true (isfinite (chain->backprop));
              n_checked++;
              if (!(fabs (product - chain->backprop) <= 1e-12 * fabs (chain->backprop)))
                {
                  /* Report after the loops, so that everything is freed. */
                  if (n_bad++ == 0)
                    g_snprintf (first_bad, sizeof first_bad,
                                "%s saturated: W(%zu)[%zu,%zu]: chain product %.17g, backprop %.17g",
                                net->cost_id, l + 1, j + 1, k + 1, product, chain->backprop);
                }
            }
    }
  assert_int_equal (n_checked, 2 * 2 + 2 * 1 + 2 * 2 + 3 * 2);
  if (n_bad > 0)
    fail_msg ("%d of %d chains differ from backprop; first: %s", n_bad, n_checked, first_bad);
}

void
test_chain_errors (void **state)
{
  const gsize widths[] = { 3, 2 };
  const char *acts[] = { "tanh", "linear" };
  g_autoptr(BpNetwork) net = make_net (2, 2, widths, acts, "mse");
  g_autoptr(BpNetwork) other = make_net (3, 2, widths, acts, "mse");
  g_autoptr(BpTrace) trace = bp_trace_new (net, 2);
  g_autoptr(BpTrace) other_trace = bp_trace_new (other, 2);
  const double x[] = { 0.1, 0.2, 0.3, 0.4 }, y[] = { 0, 0, 0, 0 };
  GError *error = NULL;

  bp_network_forward (net, trace, x, 2);
  bp_network_backward (net, trace, y);

  /* No such weight: j, k, layer or sample out of range. */
  assert_null (bp_chain_new (net, trace, 0, 0, 3, 0, &error));
  assert_true (g_error_matches (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID));
  g_clear_error (&error);
  assert_null (bp_chain_new (net, trace, 0, 1, 0, 3, &error));
  assert_true (g_error_matches (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID));
  g_clear_error (&error);
  assert_null (bp_chain_new (net, trace, 0, 2, 0, 0, &error));
  assert_non_null (error);
  g_clear_error (&error);
  assert_null (bp_chain_new (net, trace, 2, 0, 0, 0, &error));
  assert_non_null (error);
  g_clear_error (&error);
  /* A trace of another network. */
  assert_null (bp_chain_new (net, other_trace, 0, 0, 0, 0, &error));
  assert_true (g_error_matches (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_SHAPE));
  g_clear_error (&error);
}
