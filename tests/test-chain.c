/* test-chain.c — the chain rule as data (bp-chain.h) for every layer type:
 * the factors of ∂C/∂W, ∂C/∂γ and ∂C/∂β multiply out to the trace's
 * gradient, the paths into a(j) (through the layers, around a skip,
 * through a norm layer's three terms, through dropout's mask) add up to
 * the trace's ∂C/∂a(j), and δ's terms to δ — each to 1e-12 relative.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-pass.h"
#include "test-util.h"

#include <math.h>
#include <string.h>

#include "bp-chain.h"
#include "bp-model.h"
#include "bp-network.h"

/* The standard of the brief: the numbers agree to 1e-12 of their size
 * (the absolute part only lets two zeros agree). */
#define REL 1e-12
#define ABS_TOL 1e-300

static void
pass_clear (Pass *p)
{
  bp_trace_free (p->trace);
  bp_model_free (p->model);
}

/* 2 → 3 tanh → 3 tanh → 3 tanh (+ a(1), a skip over two layers) → 1
 * linear, mse, B = 4 from a fixed seed. */
static void
pass_skip_net (Pass *p)
{
  g_autoptr(GError) error = NULL;
  BpRng rng;
  double x[8], y[4];

  p->model = NULL;
  p->net = bp_network_new (2, &error);
  assert_true (bp_network_add_layer (p->net, 3, "tanh", NULL, &error));
  assert_true (bp_network_add_layer (p->net, 3, "tanh", NULL, &error));
  assert_true (bp_network_add_layer (p->net, 3, "tanh", NULL, &error));
  assert_true (bp_network_add_layer (p->net, 1, "linear", NULL, &error));
  assert_true (bp_network_set_skip (p->net, 2, 1, &error));
  bp_rng_init (&rng, 7);
  bp_network_init_weights (p->net, BP_INIT_GLOROT_UNIFORM, &rng);
  for (gsize i = 0; i < 8; i++)
    x[i] = bp_rng_range (&rng, -1, 1);
  for (gsize i = 0; i < 4; i++)
    y[i] = bp_rng_range (&rng, -1, 1);
  p->trace = bp_trace_new (p->net, 4);
  bp_network_gradients (p->net, p->trace, x, y, 4);
}

static void
pass_clear_net (Pass *p)
{
  bp_trace_free (p->trace);
  bp_network_free (p->net);
}

/* Every parameter of every layer: the chain of each sample multiplies out
 * to its backprop value, and the samples' sum to the batch gradient. */
static void
check_every_parameter (const Pass *p)
{
  const BpNetwork *net = p->net;
  gsize B = p->trace->batch, n_checked = 0;

  for (gsize l = 0; l < net->n_layers; l++)
    {
      const BpLayer *L = &net->layers[l];

      if (L->type == BP_LAYER_DROPOUT)
        continue;
      for (gsize j = 0; j < L->out; j++)
        {
          gsize n_k = L->type == BP_LAYER_DENSE ? L->in : 2;

          for (gsize k = 0; k < n_k; k++)
            {
              BpChainParam param = L->type == BP_LAYER_DENSE ? BP_CHAIN_WEIGHT
                                   : k == 0 ? BP_CHAIN_GAMMA : BP_CHAIN_BETA;
              double want = L->type == BP_LAYER_DENSE ? L->dW[j * L->in + k]
                            : k == 0 ? L->dW[j] : L->db[j];
              double sum = 0.0;

              for (gsize s = 0; s < B; s++)
                {
                  g_autoptr(GError) error = NULL;
                  g_autoptr(BpChain) c = bp_chain_new_param (net, p->trace, s, l, j,
                                                             L->type == BP_LAYER_DENSE ? k : 0,
                                                             param, &error);
                  double product;

                  if (c == NULL)
                    fail_msg ("layer %zu: %s", l + 1, error->message);
                  product = bp_chain_product (c);
                  assert_near (product, c->backprop, REL, ABS_TOL);
                  sum += product;
                }
              assert_near (sum, want, REL, ABS_TOL);
              n_checked++;
            }
        }
    }
  assert_true (n_checked > 0);
}

/* Every hidden unit of every sample: the paths into a(n) add up to the
 * trace's ∂C/∂a(n), each path's product is what its factors or terms give,
 * and δ(n) = scale · Σ as bp_delta_terms_new writes it. */
static void
check_every_path (const Pass *p)
{
  const BpNetwork *net = p->net;

  for (gsize l = 0; l + 1 < net->n_layers; l++)
    for (gsize u = 0; u < net->layers[l].out; u++)
      for (gsize s = 0; s < p->trace->batch; s++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(BpGradPaths) gp = bp_grad_paths_new (net, p->trace, s, l, u, &error);
          g_autoptr(BpDeltaTerms) dt = bp_delta_terms_new (net, p->trace, s, l, u, &error);
          double sum = 0.0;

          assert_non_null (gp);
          assert_non_null (dt);
          for (gsize i = 0; i < gp->n_paths; i++)
            {
              const BpGradPath *path = &gp->paths[i];
              double product = 0.0;

              if (path->kind == BP_PATH_NORM)
                product = path->norm.term[0] + path->norm.term[1] + path->norm.term[2];
              else
                for (gsize m = 0; m < path->factors[0].cols; m++)
                  product += path->factors[0].data[m] * path->factors[1].data[m];
              assert_near (path->product, product, REL, ABS_TOL);
              sum += product;
            }
          assert_near (gp->sum, sum, REL, ABS_TOL);
          assert_near (gp->sum, gp->backprop, REL, ABS_TOL);
          assert_near (dt->delta, dt->backprop, REL, ABS_TOL);
        }
}

static void
test_layers_json_parameters (void **state)
{
  Pass p;

  (void) state;
  pass_layers_json (&p, FALSE);
  check_every_parameter (&p);
  pass_clear (&p);
  pass_layers_json (&p, TRUE);
  check_every_parameter (&p);
  pass_clear (&p);
}

static void
test_layers_json_paths (void **state)
{
  Pass p;

  (void) state;
  pass_layers_json (&p, FALSE);
  check_every_path (&p);
  pass_clear (&p);
  pass_layers_json (&p, TRUE);
  check_every_path (&p);
  pass_clear (&p);
}

/* A skip over two layers: a(1) gets its gradient through layer 2 and
 * around, from layer 3; both paths are non-zero and add up. */
static void
test_skip_two_paths (void **state)
{
  Pass p;

  (void) state;
  pass_skip_net (&p);
  check_every_parameter (&p);
  check_every_path (&p);
  for (gsize u = 0; u < 3; u++)
    for (gsize s = 0; s < 4; s++)
      {
        g_autoptr(BpGradPaths) gp = bp_grad_paths_new (p.net, p.trace, s, 0, u, NULL);
        g_autoptr(BpDeltaTerms) dt = bp_delta_terms_new (p.net, p.trace, s, 0, u, NULL);

        assert_int_equal (gp->n_paths, 2);
        assert_int_equal (gp->paths[0].kind, BP_PATH_SKIP);
        assert_int_equal (gp->paths[0].layer, 3);
        assert_true (gp->paths[0].factors[1].data[0] == 1.0);
        assert_true (gp->paths[0].product == bp_trace_dC_da (p.trace, 2, s)[u]);
        assert_int_equal (gp->paths[1].kind, BP_PATH_DENSE);
        assert_int_equal (gp->paths[1].layer, 2);
        assert_true (gp->paths[0].product != 0.0 && gp->paths[1].product != 0.0);
        assert_near (gp->paths[0].product + gp->paths[1].product, gp->backprop, REL, ABS_TOL);
        /* δ(1) = σ′ · (both paths) */
        assert_non_null (dt->paths);
        assert_int_equal (dt->n_terms, 0);
        assert_near (dt->scale * gp->sum, dt->backprop, REL, ABS_TOL);
      }
  /* W(1)'s chain starts at a(1) (two paths meet there), W(2)'s runs to
   * the output (a(2) and a(3) each feed one dense layer). */
  {
    g_autoptr(BpChain) c1 = bp_chain_new (p.net, p.trace, 0, 0, 1, 1, NULL);
    g_autoptr(BpChain) c2 = bp_chain_new (p.net, p.trace, 0, 1, 1, 1, NULL);
    g_autoptr(BpDeltaTerms) d2 = bp_delta_terms_new (p.net, p.trace, 0, 1, 1, NULL);

    assert_int_equal (c1->start, 1);
    assert_int_equal (c1->n_factors, 3);
    assert_int_equal (c2->start, 4);
    assert_int_equal (c2->n_factors, 7);
    /* a(2) feeds layer 3 alone: δ(2) is the plain sum of terms. */
    assert_null (d2->paths);
    assert_int_equal (d2->n_terms, 3);
  }
  pass_clear_net (&p);
}

/* Batch norm (layer 2 of layers.json, B = 3, training): the three terms
 * of the gradient into a(1) are all non-zero and add up; in eval mode
 * only the first is left. */
static void
test_batchnorm_three_terms (void **state)
{
  Pass p;
  gsize n_all = 0;

  (void) state;
  pass_layers_json (&p, FALSE);
  assert_true (p.trace->batch >= 3);
  for (gsize u = 0; u < 4; u++)
    for (gsize s = 0; s < 3; s++)
      {
        g_autoptr(BpGradPaths) gp = bp_grad_paths_new (p.net, p.trace, s, 0, u, NULL);
        const BpNormTerms *nt;

        /* around from layer 3 (skip_from 1), then through batch norm */
        assert_int_equal (gp->n_paths, 2);
        assert_int_equal (gp->paths[0].kind, BP_PATH_SKIP);
        assert_int_equal (gp->paths[1].kind, BP_PATH_NORM);
        nt = &gp->paths[1].norm;
        assert_int_equal (nt->type, BP_LAYER_BATCHNORM);
        assert_near (nt->term[0], nt->inv_std * p.net->layers[1].W[u] *
                     bp_trace_dC_dz (p.trace, 1, s)[u], REL, ABS_TOL);
        assert_near (gp->paths[0].product + nt->term[0] + nt->term[1] + nt->term[2], gp->backprop,
                     REL, ABS_TOL);
        if (nt->term[0] != 0 && nt->term[1] != 0 && nt->term[2] != 0)
          n_all++;
      }
  assert_true (n_all >= 6);
  pass_clear (&p);

  pass_layers_json (&p, TRUE);
  {
    g_autoptr(BpGradPaths) gp = bp_grad_paths_new (p.net, p.trace, 1, 0, 2, NULL);

    assert_true (gp->paths[1].norm.eval);
    assert_true (gp->paths[1].norm.term[1] == 0 && gp->paths[1].norm.term[2] == 0);
    assert_near (gp->paths[0].product + gp->paths[1].product, gp->backprop, REL, ABS_TOL);
  }
  pass_clear (&p);
}

/* Layer norm (layer 4) into a(3); dropout (layer 5) into a(4): the factor is
 * mask/(1 − p), 0 for a dropped unit. */
static void
test_layernorm_dropout_skip (void **state)
{
  Pass p;
  const BpLayer *D;

  (void) state;
  pass_layers_json (&p, FALSE);
  D = &p.net->layers[4];
  for (gsize s = 0; s < 3; s++)
    for (gsize u = 0; u < 4; u++)
      {
        g_autoptr(BpGradPaths) ln = bp_grad_paths_new (p.net, p.trace, s, 2, u, NULL);
        g_autoptr(BpGradPaths) dr = bp_grad_paths_new (p.net, p.trace, s, 3, u, NULL);
        double mask = D->mask[s * 4 + u];

        assert_int_equal (ln->paths[ln->n_paths - 1].kind, BP_PATH_NORM);
        assert_int_equal (ln->paths[ln->n_paths - 1].norm.type, BP_LAYER_LAYERNORM);
        assert_int_equal (dr->n_paths, 1);
        assert_int_equal (dr->paths[0].kind, BP_PATH_DROPOUT);
        assert_true (dr->paths[0].factors[1].data[0] == mask / (1 - D->p));
        if (mask == 0)
          assert_true (dr->paths[0].product == 0 && dr->backprop == 0);
      }
  pass_clear (&p);
}

/* The other forms: a softmax hidden layer (a full Jacobian) whose a(1)
 * also feeds a skip, and batch norm at the output under bce on σ (the
 * cost's fused δ): 2 → 3 softmax → 3 tanh (+ a(1)) → batch norm σ, B = 4. */
static void
test_jacobian_and_fused (void **state)
{
  g_autoptr(GError) error = NULL;
  Pass p = { NULL, NULL, NULL };
  BpRng rng;
  double x[8], y[12];

  (void) state;
  p.net = bp_network_new (2, &error);
  assert_true (bp_network_add_layer (p.net, 3, "softmax", NULL, &error));
  assert_true (bp_network_add_layer (p.net, 3, "tanh", NULL, &error));
  assert_true (bp_network_set_skip (p.net, 1, 1, &error));
  assert_true (bp_network_add_batchnorm (p.net, BP_NORM_DEFAULT_EPS, BP_NORM_DEFAULT_MOMENTUM,
                                         "sigmoid", &error));
  if (!bp_network_set_cost (p.net, "bce", NULL, &error))
    fail_msg ("%s", error->message);
  bp_rng_init (&rng, 11);
  bp_network_init_weights (p.net, BP_INIT_GLOROT_UNIFORM, &rng);
  for (gsize j = 0; j < 3; j++)
    {
      p.net->layers[2].W[j] = 0.8 + 0.3 * (double) j;
      p.net->layers[2].b[j] = 0.2 - 0.1 * (double) j;
    }
  for (gsize i = 0; i < 8; i++)
    x[i] = bp_rng_range (&rng, -2, 2);
  for (gsize i = 0; i < 12; i++)
    y[i] = (double) (i % 2);
  p.trace = bp_trace_new (p.net, 4);
  bp_network_gradients (p.net, p.trace, x, y, 4);
  check_every_parameter (&p);
  check_every_path (&p);
  {
    g_autoptr(BpDeltaTerms) d1 = bp_delta_terms_new (p.net, p.trace, 2, 0, 1, NULL);
    g_autoptr(BpChain) g3 = bp_chain_new (p.net, p.trace, 2, 2, 1, 0, NULL);

    assert_true (d1->jacobian);
    assert_non_null (d1->paths);
    assert_int_equal (d1->paths->n_paths, 2);
    assert_true (g3->fused);
    assert_int_equal (g3->param, BP_CHAIN_GAMMA);
  }
  pass_clear_net (&p);
}

/* A plain chain is as it was: from ∂C/∂a(N), no paths, the dense terms. */
static void
test_plain_unchanged (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpNetwork) net = bp_network_new (2, &error);
  g_autoptr(BpTrace) t = NULL;
  BpRng rng;
  double x[6] = { 0.1, -0.4, 0.7, 0.2, -0.9, 0.5 }, y[3] = { 0.3, -0.2, 0.8 };

  (void) state;
  assert_true (bp_network_add_layer (net, 3, "sigmoid", NULL, &error));
  assert_true (bp_network_add_layer (net, 1, "linear", NULL, &error));
  bp_rng_init (&rng, 1);
  bp_network_init_weights (net, BP_INIT_GLOROT_UNIFORM, &rng);
  t = bp_trace_new (net, 3);
  bp_network_gradients (net, t, x, y, 3);
  {
    g_autoptr(BpChain) c = bp_chain_new (net, t, 2, 0, 1, 0, &error);
    g_autoptr(BpDeltaTerms) d = bp_delta_terms_new (net, t, 2, 0, 1, &error);

    assert_int_equal (c->start, 2);
    assert_int_equal (c->n_factors, 5);
    assert_int_equal (c->param, BP_CHAIN_WEIGHT);
    assert_near (bp_chain_product (c), c->backprop, REL, ABS_TOL);
    assert_null (d->paths);
    assert_int_equal (d->n_terms, 1);
    assert_near (d->delta, d->backprop, REL, ABS_TOL);
  }
}

/* Dropout has no parameters; a norm layer's γ has no k. */
static void
test_errors (void **state)
{
  Pass p;
  g_autoptr(GError) e1 = NULL;
  g_autoptr(GError) e2 = NULL;
  g_autoptr(GError) e3 = NULL;

  (void) state;
  pass_layers_json (&p, FALSE);
  assert_null (bp_chain_new (p.net, p.trace, 0, 4, 0, 0, &e1));
  assert_error_contains (e1, "layer 5 is a dropout layer");
  assert_null (bp_chain_new (p.net, p.trace, 0, 1, 0, 1, &e2));
  assert_error_contains (e2, "no parameter γ(2)[1]");
  assert_null (bp_chain_new_param (p.net, p.trace, 0, 0, 0, 0, BP_CHAIN_BETA, &e3));
  assert_error_contains (e3, "no parameter β(1)[1]");
  pass_clear (&p);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_layers_json_parameters),
    cmocka_unit_test (test_layers_json_paths),
    cmocka_unit_test (test_skip_two_paths),
    cmocka_unit_test (test_batchnorm_three_terms),
    cmocka_unit_test (test_layernorm_dropout_skip),
    cmocka_unit_test (test_jacobian_and_fused),
    cmocka_unit_test (test_plain_unchanged),
    cmocka_unit_test (test_errors),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
