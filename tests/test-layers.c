/* test-layers.c — the layer types of issue 13: dense with a skip
 * connection, batch norm, layer norm and dropout.  Small cases computed by
 * hand (the closed forms are in the comments), both modes, the running
 * statistics, the model file (round trip and the errors that name the
 * layer) and the faults that name the new parameters.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-util.h"

#include <math.h>
#include <string.h>

#include "bp-model.h"
#include "bp-network.h"

/* A network of `n_in` inputs with one identity dense layer (W = I, b = 0,
 * linear) in front, so that ∂C/∂a(1) shows what the layer under test sends
 * back to its input. */
static BpNetwork *
identity_front (gsize n_in)
{
  g_autoptr(GError) error = NULL;
  BpNetwork *net = bp_network_new (n_in, &error);

  assert_non_null (net);
  assert_true (bp_network_add_layer (net, n_in, "linear", NULL, &error));
  for (gsize j = 0; j < n_in; j++)
    net->layers[0].W[j * n_in + j] = 1.0;
  return net;
}

/* Two dense layers, the second adding a(1):
 *   a1 = x = 3;  z2 = 2·3 + 1 = 7;  a2 = 7 + a1 = 10
 * mse, B = 1, y = 0:  ∂C/∂a2 = 10 = δ2;  ∂C/∂W2 = δ2·a1 = 30;  ∂C/∂b2 = 10
 * ∂C/∂a1 = W2·δ2 + ∂C/∂a2 = 20 + 10 = 30 (both paths);  ∂C/∂W1 = 30·3 = 90. */
static void
test_skip_by_hand (void **state)
{
  g_autoptr(BpNetwork) net = identity_front (1);
  g_autoptr(BpTrace) t = NULL;
  g_autoptr(GError) error = NULL;
  double x = 3.0, y = 0.0;

  (void) state;
  assert_true (bp_network_add_layer (net, 1, "linear", NULL, &error));
  net->layers[1].W[0] = 2.0;
  net->layers[1].b[0] = 1.0;
  assert_true (bp_network_set_skip (net, 1, 1, &error));
  assert_false (bp_network_is_plain (net));
  t = bp_trace_new (net, 1);
  assert_bits (bp_network_gradients (net, t, &x, &y, 1), 50.0);
  assert_bits (t->z[1][0], 7.0);
  assert_bits (t->a[1][0], 10.0);
  assert_bits (t->dC_dz[1][0], 10.0);
  assert_bits (net->layers[1].dW[0], 30.0);
  assert_bits (net->layers[1].db[0], 10.0);
  assert_bits (t->dC_da[0][0], 30.0);
  assert_bits (net->layers[0].dW[0], 90.0);

  /* A cost that reads the output as σ(z) cannot take a skip into it. */
  assert_true (bp_network_set_activation (net, 1, "sigmoid", NULL, &error));
  assert_false (bp_network_set_cost (net, "bce", NULL, &error));
  assert_error_contains (error, "adds a skip connection");
  g_clear_error (&error);

  /* A skip from a later layer, or of another width, is refused. */
  assert_false (bp_network_set_skip (net, 1, 2, &error));
  assert_error_contains (error, "layer 2");
  g_clear_error (&error);
  assert_true (bp_network_add_layer (net, 2, "linear", NULL, &error));
  assert_false (bp_network_set_skip (net, 2, 0, &error));
  assert_error_contains (error, "widths must be equal");
}

/* Batch norm over x = (1, 3) of one feature, γ = 2, β = 0.5, mse to 0 over
 * B = 2 (mean):  μ = 2, σ² = 1, r = 1/√(1 + eps), x̂ = (−r, r),
 * z = 2x̂ + 0.5;  δ = z/2 = x̂ + 0.25;  ∂C/∂γ = Σ δ x̂ = 2r²,  ∂C/∂β = 0.5;
 * with d = γδ = 2x̂ + 0.5, mean(d) = 0.5, mean(d x̂) = 2r²:
 * ∂C/∂x = r (d − 0.5 − x̂·2r²) = 2r x̂ (1 − r²).
 * Running statistics after the pass: mean 0.1·2 = 0.2, var 0.9 + 0.1·1·2/1 = 1.1. */
static void
test_batchnorm_by_hand (void **state)
{
  g_autoptr(BpNetwork) net = identity_front (1);
  g_autoptr(BpTrace) t = NULL;
  g_autoptr(GError) error = NULL;
  double x[2] = { 1.0, 3.0 }, y[2] = { 0.0, 0.0 };
  double eps = 1e-5, r = 1.0 / sqrt (1.0 + eps);
  BpLayer *L;

  (void) state;
  assert_true (bp_network_add_batchnorm (net, eps, 0.1, NULL, &error));
  L = &net->layers[1];
  assert_int_equal (net->n_params, 2 + 2);
  L->W[0] = 2.0;
  L->b[0] = 0.5;
  t = bp_trace_new (net, 2);
  bp_network_gradients (net, t, x, y, 2);
  for (gsize s = 0; s < 2; s++)
    {
      double xh = s == 0 ? -r : r;

      assert_near (t->z[1][s], 2.0 * xh + 0.5, 1e-15, 0);
      assert_near (t->dC_dz[1][s], xh + 0.25, 1e-15, 0);
      assert_near (t->dC_da[0][s], 2.0 * r * xh * (1.0 - r * r), 1e-9, 1e-20);
    }
  assert_near (L->dW[0], 2.0 * r * r, 1e-15, 0);
  assert_near (L->db[0], 0.5, 1e-15, 0);
  assert_near (L->running_mean[0], 0.2, 1e-15, 0);
  assert_near (L->running_var[0], 1.1, 1e-15, 0);

  /* A step undone on a NaN takes its update of the statistics back. */
  bp_network_undo_running_stats (net, t);
  assert_bits (L->running_mean[0], 0.0);
  assert_bits (L->running_var[0], 1.0);
  bp_network_forward (net, t, x, 2);

  /* Eval mode: the running statistics, left as they are. */
  net->eval = TRUE;
  bp_network_gradients (net, t, x, y, 2);
  for (gsize s = 0; s < 2; s++)
    {
      double xh = (x[s] - 0.2) / sqrt (1.1 + eps);

      assert_near (t->z[1][s], 2.0 * xh + 0.5, 1e-15, 0);
      /* ∂C/∂x = γ δ / √(var + eps), δ = z/2 */
      assert_near (t->dC_da[0][s], 2.0 * (xh + 0.25) / sqrt (1.1 + eps), 1e-14, 0);
    }
  assert_near (L->running_mean[0], 0.2, 1e-15, 0);
  assert_near (L->running_var[0], 1.1, 1e-15, 0);

  /* A training batch of one is refused, saying why. */
  net->eval = FALSE;
  assert_false (bp_network_check_batch (net, 1, &error));
  assert_error_contains (error, "layer 2 is a batch-norm layer");
  g_clear_error (&error);
  assert_true (bp_network_check_batch (net, 2, &error));
}

/* Layer norm of one sample x = (1, 3), γ = (1, 2), β = (0, 1):
 * μ = 2, σ² = 1, r = 1/√(1 + eps), x̂ = (−r, r), z = (−r, 2r + 1). */
static void
test_layernorm_by_hand (void **state)
{
  g_autoptr(BpNetwork) net = identity_front (2);
  g_autoptr(BpTrace) t = NULL;
  g_autoptr(GError) error = NULL;
  double x[2] = { 1.0, 3.0 }, y[2] = { 0.0, 0.0 };
  double eps = 1e-5, r = 1.0 / sqrt (1.0 + eps);
  BpLayer *L;

  (void) state;
  assert_true (bp_network_add_layernorm (net, eps, "tanh", &error));
  L = &net->layers[1];
  L->W[1] = 2.0;
  L->b[1] = 1.0;
  t = bp_trace_new (net, 1);
  bp_network_gradients (net, t, x, y, 1);
  assert_near (t->z[1][0], -r, 1e-15, 0);
  assert_near (t->z[1][1], 2.0 * r + 1.0, 1e-15, 0);
  assert_near (t->a[1][1], tanh (2.0 * r + 1.0), 1e-15, 0);
  /* ∂C/∂β = δ, ∂C/∂γ = δ x̂ with δ = tanh(z)·(1 − tanh²(z)) */
  for (gsize j = 0; j < 2; j++)
    {
      double a = t->a[1][j], d = a * (1.0 - a * a);

      assert_near (L->db[j], d, 1e-12, 0);
      assert_near (L->dW[j], d * (j == 0 ? -r : r), 1e-12, 0);
    }
  /* The features' gradients sum to zero (the mean is taken out). */
  assert_near (t->dC_da[0][0] + t->dC_da[0][1], 0.0, 0, 1e-15);
}

/* Dropout p = 0.5 with the fixed mask (1, 0): x = (2, 4) → a = (4, 0);
 * mse to 0: ∂C/∂a = (4, 0), ∂C/∂x = ∂C/∂a ⊙ mask / 0.5 = (8, 0).
 * Eval: a = x. */
static void
test_dropout_by_hand (void **state)
{
  g_autoptr(BpNetwork) net = identity_front (2);
  g_autoptr(BpTrace) t = NULL;
  g_autoptr(GError) error = NULL;
  double x[2] = { 2.0, 4.0 }, y[2] = { 0.0, 0.0 }, mask[2] = { 1.0, 0.0 }, bad[2] = { 1.0, 0.5 };

  (void) state;
  assert_false (bp_network_add_dropout (net, 1.0, &error));
  assert_error_contains (error, "[0, 1)");
  g_clear_error (&error);
  assert_true (bp_network_add_dropout (net, 0.5, &error));
  assert_int_equal (net->n_params, 4 + 2);
  assert_false (bp_network_set_mask (net, 1, bad, 1, &error));
  assert_error_contains (error, "only 0 and 1");
  g_clear_error (&error);
  assert_true (bp_network_set_mask (net, 1, mask, 1, &error));
  t = bp_trace_new (net, 1);
  bp_network_gradients (net, t, x, y, 1);
  assert_bits (t->a[1][0], 4.0);
  assert_bits (t->a[1][1], 0.0);
  assert_bits (t->dC_da[0][0], 8.0);
  assert_bits (t->dC_da[0][1], 0.0);
  assert_bits (t->mask[1][1], 0.0);

  /* A batch larger than the fixed mask is refused. */
  assert_false (bp_network_check_batch (net, 2, &error));
  assert_error_contains (error, "layer 2 is a dropout layer");
  g_clear_error (&error);

  net->eval = TRUE;
  bp_network_gradients (net, t, x, y, 1);
  assert_bits (t->a[1][0], 2.0);
  assert_bits (t->a[1][1], 4.0);
  assert_bits (t->dC_da[0][0], 2.0);
}

/* Drawn masks come from the network's generator: the same seed, the same
 * masks; about 1 − p of the units kept. */
static void
test_dropout_drawn (void **state)
{
  enum { B = 64, W = 16 };
  g_autoptr(BpNetwork) a = identity_front (W);
  g_autoptr(BpNetwork) b = NULL;
  g_autoptr(BpTrace) ta = NULL;
  g_autoptr(BpTrace) tb = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree double *x = g_new (double, B * W);
  double kept = 0.0;

  (void) state;
  for (gsize i = 0; i < B * W; i++)
    x[i] = 1.0;
  assert_true (bp_network_add_dropout (a, 0.25, &error));
  bp_network_seed (a, 7);
  b = bp_network_copy (a);
  ta = bp_trace_new (a, B);
  tb = bp_trace_new (b, B);
  bp_network_forward (a, ta, x, B);
  bp_network_forward (b, tb, x, B);
  assert_true (same_doubles (ta->mask[1], tb->mask[1], B * W));
  for (gsize i = 0; i < B * W; i++)
    kept += ta->mask[1][i];
  assert_near (kept / (B * W), 0.75, 0, 0.06);
  /* The next pass draws new masks. */
  bp_network_forward (a, tb, x, B);
  assert_false (same_doubles (ta->mask[1], tb->mask[1], B * W));
}

/* Every kind at once, in a file: it loads, saves back byte for byte, and
 * the copy keeps every field. */
static const char all_kinds[] =
  "{\n"
  "  \"format\": \"backprop-model/1\", \"seed\": 5,\n"
  "  \"layers\": [\n"
  "    { \"in\": 3, \"out\": 4, \"activation\": \"tanh\" },\n"
  "    { \"type\": \"batchnorm\", \"in\": 4, \"out\": 4, \"activation\": \"sigmoid\",\n"
  "      \"gamma\": [1.5, 0.5, 1, 2], \"beta\": [0.1, 0, -0.2, 0.3], \"momentum\": 0.2,\n"
  "      \"running_mean\": [0.1, -0.2, 0.3, 0], \"running_var\": [0.5, 1.5, 2, 0.8] },\n"
  "    { \"in\": 4, \"out\": 4, \"activation\": \"relu\", \"skip_from\": 1 },\n"
  "    { \"type\": \"layernorm\", \"in\": 4, \"out\": 4, \"eps\": 0.001 },\n"
  "    { \"type\": \"dropout\", \"in\": 4, \"out\": 4, \"p\": 0.5,\n"
  "      \"mask\": [[1, 0, 1, 1], [0, 1, 1, 1]] },\n"
  "    { \"in\": 4, \"out\": 3, \"activation\": \"linear\", \"skip_from\": 0 }\n"
  "  ],\n"
  "  \"inputs\": [[0.1, 0.2, -0.3], [0.5, -0.1, 0.4]],\n"
  "  \"targets\": [[0, 1, 0], [1, 0, 1]]\n"
  "}\n";

static void
test_model_round_trip (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) m = bp_model_load_data (all_kinds, -1, "all.json", NULL, &error);
  g_autoptr(BpModel) back = NULL;
  g_autoptr(BpModel) copy = NULL;
  g_autofree char *json = NULL;
  g_autofree char *json2 = NULL;
  const BpNetwork *net;

  (void) state;
  if (m == NULL)
    fail_msg ("%s", error->message);
  net = m->network;
  assert_int_equal (net->layers[1].type, BP_LAYER_BATCHNORM);
  assert_bits (net->layers[1].momentum, 0.2);
  assert_bits (net->layers[1].eps, 1e-5);
  assert_bits (net->layers[1].running_var[3], 0.8);
  assert_int_equal (net->layers[2].skip_from, 1);
  assert_bits (net->layers[3].eps, 0.001);
  assert_string_equal (net->layers[3].act_id, "linear");
  assert_int_equal (net->layers[4].mask_rows, 2);
  assert_int_equal (net->layers[5].skip_from, 0);
  assert_int_equal (net->n_params, 16 + 8 + 20 + 8 + 0 + 15);

  json = bp_model_to_json (m, NULL);
  back = bp_model_load_data (json, -1, "back.json", NULL, &error);
  if (back == NULL)
    fail_msg ("%s", error->message);
  assert_models_equal (m, back);
  json2 = bp_model_to_json (back, NULL);
  assert_string_equal (json, json2);

  copy = bp_model_copy (m);
  assert_models_equal (m, copy);
  copy->network->layers[1].running_mean[0] = 7.0;
  assert_false (bp_network_equal (m->network, copy->network));
  copy->network->layers[1].running_mean[0] = m->network->layers[1].running_mean[0];
  copy->network->layers[4].mask[0] = 0.0;
  assert_false (bp_network_equal (m->network, copy->network));
}

/* A bad file: the error names the file, the layer and what is wrong. */
static void
expect_error (const char *from,
              const char *to,
              const char *want)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) text = g_string_new (all_kinds);
  g_autoptr(BpModel) m = NULL;

  assert_true (g_string_replace (text, from, to, 1) == 1);
  m = bp_model_load_data (text->str, -1, "bad.json", NULL, &error);
  if (m != NULL)
    fail_msg ("loaded with %s → %s", from, to);
  assert_error_contains (error, "bad.json");
  assert_error_contains (error, want);
}

static void
test_model_errors (void **state)
{
  (void) state;
  expect_error ("\"skip_from\": 1", "\"skip_from\": 3",
                "layer 3 (layers[2].skip_from in the file): a skip from a(3) into layer 3");
  expect_error ("\"skip_from\": 1", "\"skip_from\": 0", "layer 3 (layers[2].skip_from");
  expect_error ("\"skip_from\": 0", "\"skip_from\": 2", "widths must be equal");
  expect_error ("[0, 1, 1, 1]]", "[0, 1, 1]]", "layer 5 (layers[4].mask[1] in the file)");
  expect_error ("[0, 1, 1, 1]]", "[0, 1, 1, 0.5]]", "layers[4].mask[1][3]");
  expect_error ("[[1, 0, 1, 1], [0, 1, 1, 1]]", "[[1, 0, 1, 1]]",
                "layer 5 (layers[4].mask in the file): expected 2 rows");
  expect_error ("\"p\": 0.5", "\"p\": 1", "layer 5 (layers[4].p in the file)");
  expect_error ("\"p\": 0.5", "\"p\": -0.1", "outside [0, 1)");
  expect_error ("[0.5, 1.5, 2, 0.8]", "[0.5, -1.5, 2, 0.8]",
                "layer 2 (layers[1].running_var[1] in the file): -1.5 is negative");
  expect_error ("{ \"type\": \"layernorm\", \"in\": 4, \"out\": 4",
                "{ \"type\": \"layernorm\", \"in\": 4, \"out\": 3",
                "layer 4 (layers[3].out in the file): a layernorm layer keeps the width");
  expect_error ("\"type\": \"layernorm\"", "\"type\": \"groupnorm\"",
                "layer 4 (layers[3].type in the file): unknown layer type \"groupnorm\"");
  expect_error ("\"gamma\": [1.5, 0.5, 1, 2]", "\"gamma\": [1.5, 0.5, 1]",
                "layer 2 (layers[1].gamma in the file)");
}

/* A non-finite γ is named as γ, in a batch-norm layer. */
static void
test_fault_names_gamma (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) m = bp_model_load_data (all_kinds, -1, "all.json", NULL, &error);
  g_autofree char *what = NULL;
  BpTrainFault fault;

  (void) state;
  assert_non_null (m);
  m->network->layers[1].W[2] = NAN;
  assert_true (bp_network_locate_nonfinite_param (m->network, &fault));
  what = bp_train_fault_describe (&fault);
  if (strstr (what, "γ(2)[3]") == NULL || strstr (what, "batch-norm layer") == NULL)
    fail_msg ("%s", what);
}

/* A plain dense network is unchanged by any of it: the same bits through
 * the plain path whichever mode. */
static void
test_dense_same_in_both_modes (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpNetwork) net = bp_network_new (2, &error);
  g_autoptr(BpTrace) t = NULL;
  double x[4] = { 0.3, -0.2, 0.9, 0.1 }, y[2] = { 1.0, 0.0 }, g1[16], l1, l2;
  BpRng rng;

  (void) state;
  assert_true (bp_network_add_layer (net, 3, "tanh", NULL, &error));
  assert_true (bp_network_add_layer (net, 1, "sigmoid", NULL, &error));
  assert_true (bp_network_is_plain (net));
  bp_rng_init (&rng, 3);
  bp_network_init_weights (net, BP_INIT_GLOROT_UNIFORM, &rng);
  t = bp_trace_new (net, 2);
  l1 = bp_network_gradients (net, t, x, y, 2);
  memcpy (g1, net->grads, net->n_params * sizeof (double));
  net->eval = TRUE;
  l2 = bp_network_gradients (net, t, x, y, 2);
  assert_bits (l1, l2);
  assert_true (same_doubles (g1, net->grads, net->n_params));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_skip_by_hand),
    cmocka_unit_test (test_batchnorm_by_hand),
    cmocka_unit_test (test_layernorm_by_hand),
    cmocka_unit_test (test_dropout_by_hand),
    cmocka_unit_test (test_dropout_drawn),
    cmocka_unit_test (test_model_round_trip),
    cmocka_unit_test (test_model_errors),
    cmocka_unit_test (test_fault_names_gamma),
    cmocka_unit_test (test_dense_same_in_both_modes),
  };

  return cmocka_run_group_tests_name ("layers", tests, NULL, NULL);
}
