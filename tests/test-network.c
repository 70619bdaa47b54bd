/* test-network.c — the network, its forward/backward pass, the chain rule
 * as factors (in test-network-chain.c, through test-network.h), gradcheck,
 * and the limits and errors of the structure.
 *
 * Reference numbers quoted to 17 digits were computed independently with
 * mpmath at 200 bits from the exact decimal parameters.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-util.h"
#include "test-network.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "bp-gradcheck.h"
#include "bp-network.h"
#include "bp-registry.h"
#include "bp-rng.h"

/* ------------------------------------------------------------ helpers */

/* A network from a list of widths and activations; parameters left zero. */
BpNetwork *
make_net (gsize               n_in,
          gsize               n_layers,
          const gsize        *widths,
          const char *const  *acts,
          const char         *cost_id)
{
  g_autoptr(GError) error = NULL;
  BpNetwork *net = bp_network_new (n_in, &error);

  assert_non_null (net);
  for (gsize l = 0; l < n_layers; l++)
    if (!bp_network_add_layer (net, widths[l], acts[l], NULL, &error))
      fail_msg ("add_layer %zu (%s): %s", l, acts[l], error->message);
  if (cost_id != NULL && !bp_network_set_cost (net, cost_id, NULL, &error))
    fail_msg ("set_cost %s: %s", cost_id, error->message);
  return net;
}

void
randomize (BpNetwork *net,
           BpRng     *rng,
           double     weight_scale,
           double     bias_range)
{
  bp_network_init_weights (net, BP_INIT_GLOROT_UNIFORM, rng);
  for (gsize l = 0; l < net->n_layers; l++)
    {
      BpLayer *L = &net->layers[l];

      for (gsize i = 0; i < L->in * L->out; i++)
        L->W[i] *= weight_scale;
      for (gsize j = 0; j < L->out; j++)
        L->b[j] = bp_rng_range (rng, -bias_range, bias_range);
    }
}

void
fill_uniform (BpRng  *rng,
              double *v,
              gsize   n,
              double  lo,
              double  hi)
{
  for (gsize i = 0; i < n; i++)
    v[i] = bp_rng_range (rng, lo, hi);
}

/* Targets that suit the cost: one-hot/soft rows for softmax_ce, values in
 * [0, 1] for bce, anything for mse. */
void
fill_targets (const BpNetwork *net,
              BpRng           *rng,
              double          *y,
              gsize            B)
{
  gsize n = bp_network_n_outputs (net);

  for (gsize s = 0; s < B; s++)
    {
      double *ys = y + s * n;

      if (g_str_equal (net->cost_id, "softmax_ce"))
        {
          double t = 0.0;

          for (gsize k = 0; k < n; k++)
            t += (ys[k] = s % 2 == 0 ? (k == s % n) : bp_rng_range (rng, 0.05, 1.0));
          for (gsize k = 0; k < n; k++)
            ys[k] /= t;
        }
      else if (g_str_equal (net->cost_id, "bce"))
        for (gsize k = 0; k < n; k++)
          ys[k] = s % 2 == 0 ? (double) bp_rng_below (rng, 2) : bp_rng_uniform (rng);
      else
        fill_uniform (rng, ys, n, -1.0, 1.0);
    }
}

/* Central differences of order h⁴: (−C(2h) + 8C(h) − 8C(−h) + C(−2h)) / 12h. */
static double
fd4 (BpNetwork    *net,
     BpTrace      *trace,
     const double *x,
     const double *y,
     gsize         B,
     gsize         index,
     double        h)
{
  double saved = net->params[index], c[4];
  const double off[4] = { -2.0, -1.0, 1.0, 2.0 };

  for (int i = 0; i < 4; i++)
    {
      net->params[index] = saved + off[i] * h;
      bp_network_forward (net, trace, x, B);
      c[i] = bp_network_cost (net, trace, y);
    }
  net->params[index] = saved;
  return (c[0] - 8.0 * c[1] + 8.0 * c[2] - c[3]) / (12.0 * h);
}

/* ------------------------------------------------- the hand-worked 2-2-1 */

/* x = (0.5, −1), W(1) = [[0.1, 0.2], [0.3, −0.4]], b(1) = (0.5, −0.1),
 * W(2) = [[0.7, −0.6]], b(2) = 0.2, sigmoid hidden layer, mse, B = 1.
 *
 * Forward:
 *   z(1) = (0.1·0.5 + 0.2·(−1) + 0.5,  0.3·0.5 − 0.4·(−1) − 0.1) = (0.35, 0.45)
 *   a(1) = (σ(0.35), σ(0.45)) = (0.58661757891733006, 0.61063923394922199)
 *   z(2) = 0.7·0.58661757891733006 − 0.6·0.61063923394922199 + 0.2
 *        = 0.41063230524213104 − 0.36638354036953319 + 0.2 = 0.24424876487259785
 *
 * (a) sigmoid output, y = 1:
 *   a(2) = σ(0.24424876487259785) = 0.56076042342885815
 *   l = ½(a(2) − 1)² = ½·0.43923957657114185² = 0.09646570281319799
 *   ∂C/∂a(2) = a(2) − y = −0.43923957657114185
 *   δ(2) = ∂C/∂a(2)·a(2)(1 − a(2)) = −0.43923957657114185·0.24630994498…
 *        = −0.1081882967117826
 *   ∂C/∂W(2) = δ(2)·a(1) = (−0.063465156684255647, −0.066064018626354057)
 *   ∂C/∂b(2) = −0.1081882967117826
 *   ∂C/∂a(1) = W(2)ᵀ δ(2) = (0.7, −0.6)·δ(2) = (−0.075731807698247817, 0.064912978027069558)
 *   σ′(z(1)) = a(1)(1 − a(1)) = (0.2424973950225001, 0.23775895991112932)
 *   δ(1) = (−0.018364766087170015, 0.01543364214045005)
 *   ∂C/∂W(1) = δ(1) xᵀ = [[−0.0091823830435850075, 0.018364766087170015],
 *                          [0.0077168210702250249, −0.01543364214045005]]
 *
 * (b) linear output, y = 0.25:
 *   a(2) = z(2) = 0.24424876487259785,  l = ½·0.0057512351274021525² = 1.6538352745332227e−5
 *   δ(2) = a(2) − y = −0.0057512351274021525
 *   ∂C/∂W(2) = (−0.003373775626220953, −0.0035119298124587065)
 *   ∂C/∂a(1) = (−0.0040258645891815068, 0.0034507410764412915)
 *   δ(1) = (−0.00097626167558984293, 0.00082044460925729228)
 *   ∂C/∂W(1) = [[−0.00048813083779492146, 0.00097626167558984293],
 *               [0.00041022230462864614, −0.00082044460925729228]]
 */
static BpNetwork *
hand_net (const char *out_act)
{
  const gsize widths[] = { 2, 1 };
  const char *acts[] = { "sigmoid", out_act };
  BpNetwork *net = make_net (2, 2, widths, acts, "mse");
  const double W1[] = { 0.1, 0.2, 0.3, -0.4 }, b1[] = { 0.5, -0.1 };
  const double W2[] = { 0.7, -0.6 };

  memcpy (net->layers[0].W, W1, sizeof W1);
  memcpy (net->layers[0].b, b1, sizeof b1);
  memcpy (net->layers[1].W, W2, sizeof W2);
  net->layers[1].b[0] = 0.2;
  return net;
}

#define HAND_TOL 1e-12

static void
test_hand_worked_sigmoid_output (void **state)
{
  g_autoptr(BpNetwork) net = hand_net ("sigmoid");
  g_autoptr(BpTrace) trace = bp_trace_new (net, 1);
  const double x[] = { 0.5, -1.0 }, y[] = { 1.0 };
  double loss;

  bp_network_zero_grad (net);
  bp_network_forward (net, trace, x, 1);
  assert_near (trace->z[0][0], 0.35, HAND_TOL, 0.0);
  assert_near (trace->z[0][1], 0.45, HAND_TOL, 0.0);
  assert_near (trace->a[0][0], 0.58661757891733006, HAND_TOL, 0.0);
  assert_near (trace->a[0][1], 0.61063923394922199, HAND_TOL, 0.0);
  assert_near (trace->z[1][0], 0.24424876487259785, HAND_TOL, 0.0);
  assert_near (trace->a[1][0], 0.56076042342885815, HAND_TOL, 0.0);

  loss = bp_network_backward (net, trace, y);
  assert_near (loss, 0.09646570281319799, HAND_TOL, 0.0);
  assert_near (trace->loss, 0.09646570281319799, HAND_TOL, 0.0);
  assert_near (trace->per_sample_loss[0], 0.09646570281319799, HAND_TOL, 0.0);
  assert_near (trace->dC_da[1][0], -0.43923957657114185, HAND_TOL, 0.0);
  assert_near (trace->dC_dz[1][0], -0.1081882967117826, HAND_TOL, 0.0);
  assert_near (net->layers[1].dW[0], -0.063465156684255647, HAND_TOL, 0.0);
  assert_near (net->layers[1].dW[1], -0.066064018626354057, HAND_TOL, 0.0);
  assert_near (net->layers[1].db[0], -0.1081882967117826, HAND_TOL, 0.0);
  assert_near (trace->dC_da[0][0], -0.075731807698247817, HAND_TOL, 0.0);
  assert_near (trace->dC_da[0][1], 0.064912978027069558, HAND_TOL, 0.0);
  assert_near (trace->dC_dz[0][0], -0.018364766087170015, HAND_TOL, 0.0);
  assert_near (trace->dC_dz[0][1], 0.01543364214045005, HAND_TOL, 0.0);
  assert_near (net->layers[0].dW[0], -0.0091823830435850075, HAND_TOL, 0.0);
  assert_near (net->layers[0].dW[1], 0.018364766087170015, HAND_TOL, 0.0);
  assert_near (net->layers[0].dW[2], 0.0077168210702250249, HAND_TOL, 0.0);
  assert_near (net->layers[0].dW[3], -0.01543364214045005, HAND_TOL, 0.0);
  assert_near (net->layers[0].db[0], -0.018364766087170015, HAND_TOL, 0.0);
  assert_near (net->layers[0].db[1], 0.01543364214045005, HAND_TOL, 0.0);

  /* The parameter block layout: W(1), b(1), W(2), b(2). */
  assert_int_equal (net->n_params, 4 + 2 + 2 + 1);
  assert_ptr_equal (net->layers[0].W, net->params);
  assert_ptr_equal (net->layers[0].b, net->params + 4);
  assert_ptr_equal (net->layers[1].W, net->params + 6);
  assert_ptr_equal (net->layers[1].b, net->params + 8);
  assert_ptr_equal (net->layers[1].db, net->grads + 8);
  /* grad_norm of layer 1 = ‖∂C/∂W(1)‖_F = |δ(1)|·|x| */
  assert_near (trace->grad_norm[0],
               hypot (-0.018364766087170015, 0.01543364214045005) * hypot (0.5, 1.0),
               1e-12, 0.0);
}

static void
test_hand_worked_linear_output (void **state)
{
  g_autoptr(BpNetwork) net = hand_net ("linear");
  g_autoptr(BpTrace) trace = bp_trace_new (net, 1);
  const double x[] = { 0.5, -1.0 }, y[] = { 0.25 };

  bp_network_zero_grad (net);
  bp_network_forward (net, trace, x, 1);
  assert_near (trace->a[1][0], 0.24424876487259785, HAND_TOL, 0.0);
  assert_near (bp_network_backward (net, trace, y), 1.6538352745332227e-5, HAND_TOL, 0.0);
  assert_near (trace->dC_dz[1][0], -0.0057512351274021525, HAND_TOL, 0.0);
  assert_near (net->layers[1].dW[0], -0.003373775626220953, HAND_TOL, 0.0);
  assert_near (net->layers[1].dW[1], -0.0035119298124587065, HAND_TOL, 0.0);
  assert_near (net->layers[1].db[0], -0.0057512351274021525, HAND_TOL, 0.0);
  assert_near (trace->dC_da[0][0], -0.0040258645891815068, HAND_TOL, 0.0);
  assert_near (trace->dC_da[0][1], 0.0034507410764412915, HAND_TOL, 0.0);
  assert_near (trace->dC_dz[0][0], -0.00097626167558984293, HAND_TOL, 0.0);
  assert_near (trace->dC_dz[0][1], 0.00082044460925729228, HAND_TOL, 0.0);
  assert_near (net->layers[0].dW[0], -0.00048813083779492146, HAND_TOL, 0.0);
  assert_near (net->layers[0].dW[1], 0.00097626167558984293, HAND_TOL, 0.0);
  assert_near (net->layers[0].dW[2], 0.00041022230462864614, HAND_TOL, 0.0);
  assert_near (net->layers[0].dW[3], -0.00082044460925729228, HAND_TOL, 0.0);
}

/* ------------------------------------------------- reduction and batches */

/* 1-1 linear network z = 2x + 0.5, mse, x = (1, 3), y = (0, 1):
 *   z = (2.5, 6.5), l = (½·2.5², ½·5.5²) = (3.125, 15.125)
 *   sum:  C = 18.25, δ = (2.5, 5.5), ∂C/∂W = 2.5·1 + 5.5·3 = 19, ∂C/∂b = 8
 *   mean: C = 9.125, δ = (1.25, 2.75), ∂C/∂W = 9.5,             ∂C/∂b = 4 */
static void
test_mean_vs_sum (void **state)
{
  const gsize widths[] = { 1 };
  const char *acts[] = { "linear" };
  g_autoptr(BpNetwork) net = make_net (1, 1, widths, acts, "mse");
  g_autoptr(BpTrace) trace = bp_trace_new (net, 3);
  const double x[] = { 1.0, 3.0, -2.0 }, y[] = { 0.0, 1.0, 0.5 };
  double sum_loss, sum_dW, sum_db, sum_delta[3];

  net->layers[0].W[0] = 2.0;
  net->layers[0].b[0] = 0.5;
  assert_int_equal (net->reduction, BP_REDUCTION_MEAN);

  net->reduction = BP_REDUCTION_SUM;
  assert_bits (bp_network_gradients (net, trace, x, y, 2), 18.25);
  assert_bits (trace->dC_dz[0][0], 2.5);
  assert_bits (trace->dC_dz[0][1], 5.5);
  assert_bits (trace->dC_da[0][1], 5.5);
  assert_bits (net->layers[0].dW[0], 19.0);
  assert_bits (net->layers[0].db[0], 8.0);

  net->reduction = BP_REDUCTION_MEAN;
  assert_bits (bp_network_gradients (net, trace, x, y, 2), 9.125);
  /* δ includes the 1/B of the mean, and so does ∂C/∂a. */
  assert_bits (trace->dC_dz[0][0], 1.25);
  assert_bits (trace->dC_dz[0][1], 2.75);
  assert_bits (trace->dC_da[0][0], 1.25);
  assert_bits (net->layers[0].dW[0], 9.5);
  assert_bits (net->layers[0].db[0], 4.0);
  /* per-sample losses are not scaled */
  assert_bits (trace->per_sample_loss[0], 3.125);
  assert_bits (trace->per_sample_loss[1], 15.125);

  /* B = 3 (not a power of two): mean = sum / 3 to rounding. */
  net->reduction = BP_REDUCTION_SUM;
  sum_loss = bp_network_gradients (net, trace, x, y, 3);
  sum_dW = net->layers[0].dW[0];
  sum_db = net->layers[0].db[0];
  memcpy (sum_delta, trace->dC_dz[0], sizeof sum_delta);
  net->reduction = BP_REDUCTION_MEAN;
  assert_near (bp_network_gradients (net, trace, x, y, 3), sum_loss / 3, 1e-15, 0.0);
  assert_near (net->layers[0].dW[0], sum_dW / 3, 1e-15, 0.0);
  assert_near (net->layers[0].db[0], sum_db / 3, 1e-15, 0.0);
  for (int s = 0; s < 3; s++)
    assert_near (trace->dC_dz[0][s], sum_delta[s] / 3, 1e-15, 0.0);
}

static void
test_backward_accumulates (void **state)
{
  const gsize widths[] = { 4, 3, 2 };
  const char *acts[] = { "tanh", "softplus", "sigmoid" };
  g_autoptr(BpNetwork) net = make_net (3, 3, widths, acts, "bce");
  g_autoptr(BpTrace) trace = bp_trace_new (net, 5);
  g_autofree double *once = NULL;
  double x[5 * 3], y[5 * 2];
  BpRng rng;

  bp_rng_init (&rng, 77);
  randomize (net, &rng, 1.0, 0.5);
  fill_uniform (&rng, x, G_N_ELEMENTS (x), -1.0, 1.0);
  fill_targets (net, &rng, y, 5);

  /* Garbage in the gradient block: zero_grad must clear all of it. */
  for (gsize i = 0; i < net->n_params; i++)
    net->grads[i] = 1e6 + i;
  bp_network_zero_grad (net);
  for (gsize i = 0; i < net->n_params; i++)
    assert_bits (net->grads[i], 0.0);

  bp_network_forward (net, trace, x, 5);
  bp_network_backward (net, trace, y);
  once = g_memdup2 (net->grads, net->n_params * sizeof (double));
  for (gsize i = 0; i < net->n_params; i++)
    assert_true (once[i] != 0.0);

  /* A second backward without zero_grad adds the same again: 2× up to the
   * order of the additions (G + t₁ + … + t₅ instead of 2(t₁ + … + t₅)). */
  bp_network_forward (net, trace, x, 5);
  bp_network_backward (net, trace, y);
  for (gsize i = 0; i < net->n_params; i++)
    assert_near (net->grads[i], 2.0 * once[i], 1e-14, 1e-17);

  bp_network_zero_grad (net);
  for (gsize i = 0; i < net->n_params; i++)
    assert_bits (net->grads[i], 0.0);
  bp_network_forward (net, trace, x, 5);
  bp_network_backward (net, trace, y);
  assert_memory_equal (net->grads, once, net->n_params * sizeof (double));

  /* bp_network_cost alone does not touch the gradients. */
  bp_network_cost (net, trace, y);
  assert_memory_equal (net->grads, once, net->n_params * sizeof (double));

  /* With one sample every gradient is one product, so G + G = 2G exactly;
   * three backward passes give 3G to rounding. */
  bp_network_gradients (net, trace, x, y, 1);
  memcpy (once, net->grads, net->n_params * sizeof (double));
  bp_network_forward (net, trace, x, 1);
  bp_network_backward (net, trace, y);
  for (gsize i = 0; i < net->n_params; i++)
    assert_bits (net->grads[i], 2.0 * once[i]);
  bp_network_forward (net, trace, x, 1);
  bp_network_backward (net, trace, y);
  for (gsize i = 0; i < net->n_params; i++)
    assert_near (net->grads[i], 3.0 * once[i], 1e-15, 0.0);
}

/* ------------------------------------------------------------- gradcheck */

static const char *const smooth_acts[] = { "sigmoid", "tanh", "softplus", "linear", "softmax" };

static void
test_gradcheck_random_depths (void **state)
{
  BpRng rng;

  bp_rng_init (&rng, 2718);
  for (gsize depth = 1; depth <= 5; depth++)
    for (int rep = 0; rep < 4; rep++)
      {
        gsize widths[5];
        const char *acts[5];
        const char *cost_id = "mse";
        gsize n_in = 1 + bp_rng_below (&rng, 4), B = 1 + bp_rng_below (&rng, 4);
        g_autoptr(BpNetwork) net = NULL;
        g_autofree double *x = NULL, *y = NULL;
        BpGradCheckLayer res[5];
        double worst;

        for (gsize l = 0; l < depth; l++)
          {
            widths[l] = 1 + bp_rng_below (&rng, 5);
            acts[l] = smooth_acts[bp_rng_below (&rng, G_N_ELEMENTS (smooth_acts))];
          }
        /* One in three ends in a fused cost. */
        if (rep == 1)
          {
            acts[depth - 1] = "sigmoid";
            cost_id = "bce";
          }
        else if (rep == 2)
          {
            acts[depth - 1] = "softmax";
            widths[depth - 1] = MAX (widths[depth - 1], 2);
            cost_id = "softmax_ce";
          }
        net = make_net (n_in, depth, widths, acts, cost_id);
        if (rep == 3)
          net->reduction = BP_REDUCTION_SUM;
        randomize (net, &rng, 1.0, 0.3);
        x = g_new (double, B * n_in);
        y = g_new (double, B * bp_network_n_outputs (net));
        fill_uniform (&rng, x, B * n_in, -1.0, 1.0);
        fill_targets (net, &rng, y, B);

        /* h = 1e−5·max(1, |p|): about the step that balances truncation
         * (h²) against rounding (ε·C/h) in double precision. */
        worst = bp_gradcheck (net, x, y, B, 1e-5, res);
        if (!(worst < 1e-6))
          {
            for (gsize l = 0; l < depth; l++)
              print_error ("  layer %zu (%zu %s): rel %.3g at %zu: bp %.17g fd %.17g\n",
                           l + 1, widths[l], acts[l], res[l].max_rel_error,
                           res[l].worst_index, res[l].worst_backprop, res[l].worst_numeric);
            fail_msg ("depth %zu rep %d (%s, B = %zu): max rel error %.3g",
                      depth, rep, cost_id, B, worst);
          }
        /* bp_gradcheck leaves the backprop gradients in net->grads. */
        assert_true (res[0].max_abs_error >= 0.0);
      }
}

/* gradcheck itself must notice a wrong gradient: a registered activation
 * whose df is off by 1 % gives a large relative error. */
static double
bad_f (double z, const double *p)
{
  return z * z * z / 3.0 + z;
}

static double
bad_df (double z, double fz, const double *p)
{
  return 1.01 * (z * z + 1.0);
}

static const BpActivationDesc bad_act[] = {
  {
    .id = "test_bad_cubic", .name = "Wrong derivative (test)",
    .formula = "z³/3 + z",
    .f = bad_f, .df = bad_df,
  },
};

static const BpPluginDesc bad_plugin = {
  .abi_major = BP_PLUGIN_ABI_MAJOR,
  .abi_minor = BP_PLUGIN_ABI_MINOR,
  .name = "test-bad-derivative",
  .version = "1",
  .activations = bad_act,
  .n_activations = 1,
};

static void
test_gradcheck_detects_wrong_derivative (void **state)
{
  g_autoptr(GError) error = NULL;
  const gsize widths[] = { 3, 1 };
  const char *acts[] = { "test_bad_cubic", "linear" };
  g_autoptr(BpNetwork) net = NULL;
  const double x[] = { 0.3, -0.7 }, y[] = { 0.5 };
  BpGradCheckLayer res[2];
  BpRng rng;

  assert_true (bp_registry_add_plugin (bp_registry_get_default (), &bad_plugin, "(test)", &error));
  net = make_net (2, 2, widths, acts, "mse");
  bp_rng_init (&rng, 5);
  randomize (net, &rng, 1.0, 0.3);
  /* Layer 1's gradients go through the wrong df (1 % off), layer 2's do not. */
  assert_true (bp_gradcheck (net, x, y, 1, 1e-6, res) > 5e-3);
  assert_true (res[0].max_rel_error > 5e-3 && res[0].max_rel_error < 2e-2);
  assert_true (res[1].max_rel_error < 1e-7);
}

/* -------------------------------------------------------- tiny gradients */

/* A 12-layer sigmoid network, 2 units wide, 1 output.  Each layer scales a
 * perturbation by about w·σ′ ≈ 1.5·0.2, so ∂a(12)/∂W(1) ≈ 1e−7, and the
 * output error is made small (a − y = 1e−6), so that ∂C/∂W(1) ≈ 5e−14 …
 * 9e−14.  Most of that smallness sits in ∂C/∂a(12) = a − y, so finite
 * differences of C still resolve it relatively: a step h = 5e−3 moves a(12)
 * by ≈ 5e−10, far above its rounding (1e−16), and the O(h⁴) stencil keeps
 * the truncation below 1e−7. */
static void
test_tiny_gradients_deep_sigmoid (void **state)
{
  gsize widths[12];
  const char *acts[12];
  g_autoptr(BpNetwork) net = NULL;
  g_autoptr(BpTrace) trace = NULL;
  const double x[] = { 0.8, -0.6 };
  double y[1];
  double smallest = INFINITY, largest = 0.0;
  BpRng rng;

  for (gsize l = 0; l < 12; l++)
    {
      widths[l] = l == 11 ? 1 : 2;
      acts[l] = "sigmoid";
    }
  net = make_net (2, 12, widths, acts, "mse");
  trace = bp_trace_new (net, 1);
  bp_rng_init (&rng, 12);
  for (gsize l = 0; l < 12; l++)
    {
      BpLayer *L = &net->layers[l];

      for (gsize i = 0; i < L->in * L->out; i++)
        L->W[i] = (bp_rng_below (&rng, 2) ? 1.0 : -1.0) * bp_rng_range (&rng, 1.2, 1.8);
      for (gsize j = 0; j < L->out; j++)
        L->b[j] = bp_rng_range (&rng, -0.3, 0.3);
    }
  bp_network_forward (net, trace, x, 1);
  y[0] = trace->a[11][0] - 1e-6;

  bp_network_zero_grad (net);
  bp_network_backward (net, trace, y);

  for (gsize i = 0; i < 6; i++)   /* W(1) and b(1) */
    {
      double g = net->grads[i];
      double fd = fd4 (net, trace, x, y, 1, i, 5e-3);

      assert_true (g != 0.0);
      smallest = MIN (smallest, fabs (g));
      largest = MAX (largest, fabs (g));
      if (!(fabs (g - fd) <= 1e-6 * fabs (fd)))
        fail_msg ("param %zu of layer 1: backprop %.17g, finite differences %.17g "
                  "(rel %.3g)", i, g, fd, fabs (g - fd) / fabs (fd));
    }
  /* The point of the test: gradients this small are kept. */
  assert_true (largest < 1e-12);
  assert_true (smallest > 1e-14);
}

/* ------------------------------------------------------- sizes and limits */

static void
test_width_one_32_layers (void **state)
{
  gsize widths[BP_MAX_LAYERS];
  const char *acts[BP_MAX_LAYERS];
  g_autoptr(BpNetwork) net = NULL;
  g_autoptr(BpTrace) trace = NULL;
  g_autoptr(GError) error = NULL;
  const double x[] = { 0.5 }, y[] = { 0.0 };
  double out;

  for (gsize l = 0; l < BP_MAX_LAYERS; l++)
    {
      widths[l] = 1;
      acts[l] = "linear";
    }
  net = make_net (1, BP_MAX_LAYERS, widths, acts, "mse");
  assert_int_equal (net->n_layers, 32);
  assert_int_equal (net->n_params, 64);
  assert_true (bp_network_validate (net, &error));
  /* W = 1, b = 1/64 everywhere: the output is x + 32/64 = 1 exactly, and
   * ∂C/∂W(n) = (out − y)·a(n−1) = a(n−1) = 0.5 + (n − 1)/64. */
  for (gsize l = 0; l < 32; l++)
    {
      net->layers[l].W[0] = 1.0;
      net->layers[l].b[0] = 1.0 / 64;
    }
  trace = bp_trace_new (net, 1);
  bp_network_zero_grad (net);
  bp_network_forward (net, trace, x, 1);
  out = trace->a[31][0];
  assert_bits (out, 1.0);
  assert_bits (bp_network_backward (net, trace, y), 0.5);
  for (gsize l = 0; l < 32; l++)
    {
      assert_bits (net->layers[l].dW[0], 0.5 + (double) l / 64);
      assert_bits (net->layers[l].db[0], 1.0);
    }
  /* A 33rd layer is refused and changes nothing. */
  assert_false (bp_network_add_layer (net, 1, "linear", NULL, &error));
  assert_true (g_error_matches (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID));
  assert_int_equal (net->n_layers, 32);
  assert_int_equal (net->n_params, 64);
}

static void
test_width_4096 (void **state)
{
  const gsize widths[] = { BP_MAX_WIDTH, 2 };
  const char *acts[] = { "tanh", "linear" };
  g_autoptr(BpNetwork) net = make_net (3, 2, widths, acts, "mse");
  g_autoptr(BpTrace) trace = bp_trace_new (net, 2);
  g_autofree double *scratch = g_new (double, bp_network_scratch_size (net));
  double x[2 * 3], y[2 * 2], out[2];
  BpRng rng;

  assert_int_equal (net->n_params, 3 * 4096 + 4096 + 4096 * 2 + 2);
  bp_rng_init (&rng, 4096);
  randomize (net, &rng, 1.0, 0.1);
  fill_uniform (&rng, x, 6, -1.0, 1.0);
  fill_uniform (&rng, y, 4, -1.0, 1.0);
  bp_network_gradients (net, trace, x, y, 2);

  /* Forward agrees with predict, and a few gradients with finite
   * differences (one in each layer). */
  bp_network_predict (net, x + 3, out, scratch);
  assert_near (out[0], trace->a[1][2], 1e-12, 1e-15);
  assert_near (out[1], trace->a[1][3], 1e-12, 1e-15);
  {
    const gsize idx[] = { 0, 3 * 4095 + 2, 3 * 4096 + 17, 4 * 4096 + 4095, net->n_params - 1 };

    for (gsize i = 0; i < G_N_ELEMENTS (idx); i++)
      {
        double fd = bp_gradcheck_param (net, trace, x, y, 2, idx[i], 1e-5);

        assert_near (net->grads[idx[i]], fd, 1e-6, 1e-10);
      }
  }
  {
    g_autoptr(GError) error = NULL;

    assert_true (bp_network_check_finite (net, trace, &error));
  }
}

static void
test_batch_of_one (void **state)
{
  const gsize widths[] = { 3, 2 };
  const char *acts[] = { "sigmoid", "softmax" };
  g_autoptr(BpNetwork) net = make_net (2, 2, widths, acts, "softmax_ce");
  g_autoptr(BpTrace) trace = bp_trace_new (net, 1);
  const double x[] = { 0.7, -0.2 }, y[] = { 0.0, 1.0 };
  BpRng rng;

  bp_rng_init (&rng, 1);
  randomize (net, &rng, 1.0, 0.2);
  assert_true (bp_gradcheck (net, x, y, 1, 1e-6, NULL) < 1e-6);
  bp_network_gradients (net, trace, x, y, 1);
  assert_int_equal (trace->batch, 1);
  /* δ(2) = softmax(z) − y, mean over 1 sample. */
  assert_near (trace->dC_dz[1][0], trace->a[1][0] - 0.0, 1e-15, 0.0);
  assert_near (trace->dC_dz[1][1], trace->a[1][1] - 1.0, 1e-15, 1e-16);
}

static void
test_add_layer_errors (void **state)
{
  g_autoptr(BpNetwork) net = NULL;
  GError *error = NULL;
  const double bad_alpha[] = { 2e6 };
  const double nan_alpha[] = { NAN };
  const double ok_alpha[] = { -0.5 };

  assert_null (bp_network_new (0, &error));
  assert_true (g_error_matches (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID));
  g_clear_error (&error);
  assert_null (bp_network_new (BP_MAX_WIDTH + 1, &error));
  assert_true (g_error_matches (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID));
  g_clear_error (&error);

  net = bp_network_new (4, &error);
  assert_non_null (net);
  assert_int_equal (net->n_layers, 0);
  assert_string_equal (net->cost_id, "mse");
  assert_int_equal (bp_network_n_outputs (net), 4);
  /* No layers: not a valid network yet. */
  assert_false (bp_network_validate (net, &error));
  assert_non_null (error);
  g_clear_error (&error);

  assert_false (bp_network_add_layer (net, 0, "relu", NULL, &error));
  assert_true (g_error_matches (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID));
  assert_error_contains (error, "0");
  g_clear_error (&error);
  assert_false (bp_network_add_layer (net, BP_MAX_WIDTH + 1, "relu", NULL, &error));
  assert_true (g_error_matches (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID));
  assert_error_contains (error, "4097");
  g_clear_error (&error);
  assert_false (bp_network_add_layer (net, 3, "no_such_thing", NULL, &error));
  assert_true (g_error_matches (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_UNKNOWN_ID));
  assert_error_contains (error, "no_such_thing");
  g_clear_error (&error);
  assert_false (bp_network_add_layer (net, 3, NULL, NULL, &error));
  assert_true (g_error_matches (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_UNKNOWN_ID));
  g_clear_error (&error);
  assert_false (bp_network_add_layer (net, 3, "leaky_relu", bad_alpha, &error));
  assert_true (g_error_matches (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID));
  assert_error_contains (error, "alpha");
  g_clear_error (&error);
  assert_false (bp_network_add_layer (net, 3, "leaky_relu", nan_alpha, &error));
  assert_true (g_error_matches (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID));
  g_clear_error (&error);
  /* None of those changed the network. */
  assert_int_equal (net->n_layers, 0);
  assert_int_equal (net->n_params, 0);

  assert_true (bp_network_add_layer (net, 3, "leaky_relu", ok_alpha, &error));
  assert_null (error);
  assert_bits (net->layers[0].act_params[0], -0.5);
  assert_true (bp_network_add_layer (net, BP_MAX_WIDTH, "relu", NULL, &error));
  assert_int_equal (net->layers[1].in, 3);
  assert_int_equal (net->n_params, 4 * 3 + 3 + 3 * 4096 + 4096);
  /* New layers start at zero. */
  for (gsize i = 0; i < net->n_params; i++)
    assert_bits (net->params[i], 0.0);
  assert_true (bp_network_validate (net, &error));
  assert_null (error);

  /* set_activation errors leave the layer as it was. */
  assert_false (bp_network_set_activation (net, 0, "nope", NULL, &error));
  assert_true (g_error_matches (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_UNKNOWN_ID));
  g_clear_error (&error);
  assert_false (bp_network_set_activation (net, 0, "leaky_relu", bad_alpha, &error));
  assert_non_null (error);
  g_clear_error (&error);
  assert_string_equal (net->layers[0].act_id, "leaky_relu");
  assert_bits (net->layers[0].act_params[0], -0.5);
}

static void
test_set_cost_errors (void **state)
{
  const gsize widths[] = { 3, 2 };
  const char *acts[] = { "sigmoid", "tanh" };
  g_autoptr(BpNetwork) net = make_net (2, 2, widths, acts, NULL);
  GError *error = NULL;

  assert_false (bp_network_set_cost (net, "bce", NULL, &error));
  assert_true (g_error_matches (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID));
  /* The message says which cost, what it needs and what the output is. */
  assert_error_contains (error, "bce");
  assert_error_contains (error, "sigmoid");
  assert_error_contains (error, "tanh");
  assert_error_contains (error, "layer 2");
  g_clear_error (&error);
  assert_string_equal (net->cost_id, "mse");

  assert_false (bp_network_set_cost (net, "softmax_ce", NULL, &error));
  assert_error_contains (error, "softmax");
  g_clear_error (&error);
  assert_false (bp_network_set_cost (net, "hinge_of_doom", NULL, &error));
  assert_true (g_error_matches (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_UNKNOWN_ID));
  assert_error_contains (error, "hinge_of_doom");
  g_clear_error (&error);
  assert_string_equal (net->cost_id, "mse");

  /* Fixing the output makes bce acceptable. */
  assert_true (bp_network_set_activation (net, 1, "sigmoid", NULL, &error));
  assert_true (bp_network_set_cost (net, "bce", NULL, &error));
  assert_null (error);
  assert_string_equal (net->cost_id, "bce");
  assert_true (bp_network_validate (net, &error));

  /* Changing the output activation afterwards is refused, and the network
   * keeps its sigmoid output. */
  assert_false (bp_network_set_activation (net, 1, "relu", NULL, &error));
  assert_true (g_error_matches (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID));
  assert_error_contains (error, "bce");
  g_clear_error (&error);
  assert_string_equal (net->layers[1].act_id, "sigmoid");
  assert_true (bp_network_validate (net, &error));

  /* So is a new output layer that does not fit the cost. */
  assert_false (bp_network_add_layer (net, 1, "tanh", NULL, &error));
  assert_error_contains (error, "bce");
  g_clear_error (&error);
  assert_int_equal (net->n_layers, 2);
}

static void
test_copy_and_equal (void **state)
{
  const gsize widths[] = { 4, 3 };
  const char *acts[] = { "leaky_relu", "softmax" };
  g_autoptr(BpNetwork) net = make_net (3, 2, widths, acts, "softmax_ce");
  g_autoptr(BpNetwork) copy = NULL;
  g_autoptr(GError) error = NULL;
  BpRng rng;
  double saved;

  bp_rng_init (&rng, 9);
  randomize (net, &rng, 1.0, 0.5);
  for (gsize i = 0; i < net->n_params; i++)
    net->grads[i] = (double) i;
  copy = bp_network_copy (net);
  assert_true (bp_network_equal (net, copy));
  assert_true (bp_network_equal (copy, net));

  /* Deep: own blocks, own views, same values. */
  assert_true (copy->params != net->params);
  assert_true (copy->grads != net->grads);
  assert_true (copy->layers != net->layers);
  assert_ptr_equal (copy->layers[1].W, copy->params + 4 * 3 + 4);
  assert_ptr_equal (copy->layers[1].db, copy->grads + 4 * 3 + 4 + 3 * 4);
  assert_memory_equal (copy->params, net->params, net->n_params * sizeof (double));
  assert_memory_equal (copy->grads, net->grads, net->n_params * sizeof (double));
  assert_true (copy->layers[0].act_id != net->layers[0].act_id);
  assert_string_equal (copy->layers[0].act_id, "leaky_relu");
  assert_string_equal (copy->cost_id, "softmax_ce");

  /* One ulp in one parameter breaks equality; the original is unaffected. */
  saved = copy->layers[1].b[2];
  copy->layers[1].b[2] = nextafter (saved, INFINITY);
  assert_false (bp_network_equal (net, copy));
  assert_bits (net->layers[1].b[2], saved);
  copy->layers[1].b[2] = saved;
  assert_true (bp_network_equal (net, copy));

  /* −0.0 and 0.0 are different bits. */
  saved = copy->layers[0].W[0];
  copy->layers[0].W[0] = 0.0;
  net->layers[0].W[0] = -0.0;
  assert_false (bp_network_equal (net, copy));
  copy->layers[0].W[0] = net->layers[0].W[0] = saved;

  /* Gradients are not part of equality. */
  copy->grads[0] = 123.0;
  assert_true (bp_network_equal (net, copy));

  /* Activation parameter, activation, reduction and cost all count. */
  {
    const double alpha[] = { 0.3 };

    assert_true (bp_network_set_activation (copy, 0, "leaky_relu", alpha, &error));
    assert_false (bp_network_equal (net, copy));
    assert_true (bp_network_set_activation (copy, 0, "leaky_relu", NULL, &error));
    assert_true (bp_network_equal (net, copy));
    assert_true (bp_network_set_activation (copy, 0, "relu", NULL, &error));
    assert_false (bp_network_equal (net, copy));
    assert_true (bp_network_set_activation (copy, 0, "leaky_relu", NULL, &error));
    assert_true (bp_network_equal (net, copy));
  }
  copy->reduction = BP_REDUCTION_SUM;
  assert_false (bp_network_equal (net, copy));
  copy->reduction = BP_REDUCTION_MEAN;
  assert_true (bp_network_set_cost (copy, "mse", NULL, &error));
  assert_false (bp_network_equal (net, copy));

  /* A copy computes the same pass. */
  {
    g_autoptr(BpNetwork) c2 = bp_network_copy (net);
    g_autoptr(BpTrace) t1 = bp_trace_new (net, 2);
    g_autoptr(BpTrace) t2 = bp_trace_new (c2, 2);
    const double x[] = { 0.1, -0.3, 0.9, 1.1, 0.0, -2.0 };
    const double y[] = { 1, 0, 0, 0.2, 0.3, 0.5 };

    bp_network_zero_grad (net);
    bp_network_zero_grad (c2);
    bp_network_forward (net, t1, x, 2);
    bp_network_forward (c2, t2, x, 2);
    assert_bits (bp_network_backward (net, t1, y), bp_network_backward (c2, t2, y));
    assert_memory_equal (net->grads, c2->grads, net->n_params * sizeof (double));
  }
}

static void
test_check_finite_names_layer_and_unit (void **state)
{
  const gsize widths[] = { 4, 5, 2 };
  const char *acts[] = { "tanh", "relu", "linear" };
  g_autoptr(BpNetwork) net = make_net (3, 3, widths, acts, "mse");
  g_autoptr(BpTrace) trace = bp_trace_new (net, 2);
  const double x[] = { 0.1, 0.2, 0.3, -0.4, 0.5, -0.6 };
  double xbad[6];
  const double y[] = { 0, 1, 1, 0 };
  BpRng rng;
  GError *error = NULL;

  bp_rng_init (&rng, 3);
  randomize (net, &rng, 1.0, 0.5);

  bp_network_gradients (net, trace, x, y, 2);
  assert_true (bp_network_check_finite (net, trace, &error));
  assert_null (error);

  /* NaN in W(2) row 3 (the weights into unit 3 of layer 2). */
  net->layers[1].W[2 * 4 + 1] = NAN;
  bp_network_gradients (net, trace, x, y, 2);
  assert_false (bp_network_check_finite (net, trace, &error));
  assert_true (g_error_matches (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_NUMERIC));
  assert_error_contains (error, "layer 2");
  assert_error_contains (error, "unit 3");
  assert_string_equal (error->message, "z(2)[3] is NaN in the forward pass (layer 2, unit 3, sample 1)");
  g_clear_error (&error);
  /* The same place as data; the parameter itself is found too. */
  {
    BpTrainFault f;

    assert_true (bp_network_locate_nonfinite (net, trace, &f));
    assert_int_equal (f.kind, BP_TRAIN_FAULT_Z);
    assert_int_equal (f.layer, 2);
    assert_int_equal (f.unit, 3);
    assert_int_equal (f.input, 0);
    assert_int_equal (f.sample, 1);
    assert_int_equal (f.step, 0);
    assert_true (isnan (f.value));
    assert_true (bp_network_locate_nonfinite_param (net, &f));
    assert_int_equal (f.kind, BP_TRAIN_FAULT_PARAM_W);
    assert_int_equal (f.layer, 2);
    assert_int_equal (f.unit, 3);
    assert_int_equal (f.input, 2);
  }
  net->layers[1].W[2 * 4 + 1] = 0.25;
  assert_false (bp_network_locate_nonfinite_param (net, NULL));

  /* +Inf in b(3)[2]. */
  net->layers[2].b[1] = INFINITY;
  bp_network_gradients (net, trace, x, y, 2);
  assert_false (bp_network_check_finite (net, trace, &error));
  assert_error_contains (error, "layer 3");
  assert_error_contains (error, "unit 2");
  g_clear_error (&error);
  net->layers[2].b[1] = 0.0;

  /* NaN in input 2 of sample 2. */
  memcpy (xbad, x, sizeof xbad);
  xbad[3 + 1] = NAN;
  bp_network_gradients (net, trace, xbad, y, 2);
  assert_false (bp_network_check_finite (net, trace, &error));
  assert_error_contains (error, "input 2");
  assert_error_contains (error, "sample 2");
  g_clear_error (&error);
  {
    BpTrainFault f;

    assert_true (bp_network_locate_nonfinite (net, trace, &f));
    assert_int_equal (f.kind, BP_TRAIN_FAULT_INPUT);
    assert_int_equal (f.layer, 0);
    assert_int_equal (f.unit, 2);
    assert_int_equal (f.sample, 2);
  }

  /* Clean again. */
  bp_network_gradients (net, trace, x, y, 2);
  assert_true (bp_network_check_finite (net, trace, &error));
}

/* ----------------------------------------------------- batched vs looped */

static void
test_batched_matches_single (void **state)
{
  const gsize widths[] = { 40, 20 };
  const char *acts[] = { "tanh", "sigmoid" };
  const gsize B = 64, n_in = 30;
  g_autoptr(BpNetwork) net = make_net (n_in, 2, widths, acts, "mse");
  g_autoptr(BpTrace) big = bp_trace_new (net, B);
  g_autoptr(BpTrace) one = bp_trace_new (net, 1);
  g_autofree double *x = g_new (double, B * n_in);
  g_autofree double *y = g_new (double, B * 20);
  g_autofree double *batched = NULL;
  g_autofree double *scratch = g_new (double, bp_network_scratch_size (net));
  double loss_batched, loss_summed = 0.0, gmax = 0.0;
  double out[20];
  BpRng rng;

  bp_rng_init (&rng, 6464);
  randomize (net, &rng, 1.0, 0.2);
  fill_uniform (&rng, x, B * n_in, -1.0, 1.0);
  fill_uniform (&rng, y, B * 20, 0.0, 1.0);
  net->reduction = BP_REDUCTION_SUM;

  /* One batch of 64 (the BLAS path: 64·30·40 ≥ 16384 multiply-adds). */
  loss_batched = bp_network_gradients (net, big, x, y, B);
  batched = g_memdup2 (net->grads, net->n_params * sizeof (double));

  /* 64 passes of one sample (the loop path), accumulated. */
  bp_network_zero_grad (net);
  for (gsize s = 0; s < B; s++)
    {
      bp_network_forward (net, one, x + s * n_in, 1);
      loss_summed += bp_network_backward (net, one, y + s * 20);
      for (gsize l = 0; l < 2; l++)
        for (gsize j = 0; j < widths[l]; j++)
          {
            assert_near (one->z[l][j], bp_trace_z (big, l, s)[j], 1e-12, 1e-15);
            assert_near (one->a[l][j], bp_trace_a (big, l, s)[j], 1e-12, 1e-15);
            assert_near (one->dC_dz[l][j], bp_trace_dC_dz (big, l, s)[j], 1e-12, 1e-17);
          }
      /* predict is the single-sample forward, bit for bit. */
      bp_network_predict (net, x + s * n_in, out, scratch);
      assert_memory_equal (out, one->a[1], sizeof out);
      for (gsize j = 0; j < 20; j++)
        assert_near (out[j], bp_trace_a (big, 1, s)[j], 1e-12, 1e-15);
    }
  assert_near (loss_batched, loss_summed, 1e-12, 0.0);
  for (gsize i = 0; i < net->n_params; i++)
    gmax = MAX (gmax, fabs (net->grads[i]));
  for (gsize i = 0; i < net->n_params; i++)
    if (!(fabs (batched[i] - net->grads[i]) <= 1e-12 * fabs (net->grads[i]) + 1e-14 * gmax))
      fail_msg ("gradient %zu: batched %.17g, summed single passes %.17g",
                i, batched[i], net->grads[i]);
}

/* "auto" draws the same stream as the fixed schemes, layer by layer: He
 * uniform under relu-like activations, Glorot uniform under the others. */
static void
test_init_auto (void **state)
{
  const gsize widths[] = { 5, 4, 3 };
  const char *const acts[] = { "relu", "sigmoid", "leaky_relu" };
  g_autoptr(BpNetwork) a = make_net (3, 3, widths, acts, NULL);
  g_autoptr(BpNetwork) he = make_net (3, 3, widths, acts, NULL);
  g_autoptr(BpNetwork) glorot = make_net (3, 3, widths, acts, NULL);
  BpInit parsed;
  BpRng rng;

  (void) state;
  bp_rng_init (&rng, 11);
  bp_network_init_weights (a, BP_INIT_AUTO, &rng);
  bp_rng_init (&rng, 11);
  bp_network_init_weights (he, BP_INIT_HE_UNIFORM, &rng);
  bp_rng_init (&rng, 11);
  bp_network_init_weights (glorot, BP_INIT_GLOROT_UNIFORM, &rng);
  assert_memory_equal (a->layers[0].W, he->layers[0].W, 5 * 3 * sizeof (double));
  assert_memory_equal (a->layers[1].W, glorot->layers[1].W, 4 * 5 * sizeof (double));
  assert_memory_equal (a->layers[2].W, he->layers[2].W, 3 * 4 * sizeof (double));
  assert_memory_not_equal (a->layers[1].W, he->layers[1].W, 4 * 5 * sizeof (double));
  assert_true (bp_init_from_string ("auto", &parsed) && parsed == BP_INIT_AUTO);
  assert_string_equal (bp_init_to_string (BP_INIT_AUTO), "auto");
}

/* bp_trace_fits: the UI keeps one trace across edits and asks this before
 * reading it; only the shape (inputs, layer count, each width) matters. */
static void
test_trace_fits (void **state)
{
  static const gsize w32[] = { 3, 2 }, w42[] = { 4, 2 }, w33[] = { 3, 3 }, w322[] = { 3, 2, 2 };
  static const char *const ts[] = { "tanh", "sigmoid", "sigmoid" };
  static const char *const rl[] = { "relu", "linear" };
  g_autoptr(BpNetwork) net = make_net (2, 2, w32, ts, "mse");
  g_autoptr(BpNetwork) copy = bp_network_copy (net);
  g_autoptr(BpNetwork) other_acts = make_net (2, 2, w32, rl, "mse");
  g_autoptr(BpNetwork) more_inputs = make_net (3, 2, w32, ts, "mse");
  g_autoptr(BpNetwork) wider_hidden = make_net (2, 2, w42, ts, "mse");
  g_autoptr(BpNetwork) wider_output = make_net (2, 2, w33, ts, "mse");
  g_autoptr(BpNetwork) deeper = make_net (2, 3, w322, ts, "mse");
  BpTrace *t = bp_trace_new (net, 4);
  BpTrace *deep_t = bp_trace_new (deeper, 1);
  const double x[2] = { 0.5, -1.0 };

  assert_true (bp_trace_fits (t, net));
  assert_true (bp_trace_fits (t, copy));
  /* Activations and cost are not part of the shape. */
  assert_true (bp_trace_fits (t, other_acts));
  assert_false (bp_trace_fits (t, more_inputs));
  assert_false (bp_trace_fits (t, wider_hidden));
  assert_false (bp_trace_fits (t, wider_output));
  /* A layer more or less, either way round (the shorter is never read past). */
  assert_false (bp_trace_fits (t, deeper));
  assert_false (bp_trace_fits (deep_t, net));
  assert_true (bp_trace_fits (deep_t, deeper));

  /* A forward pass of fewer rows than the capacity changes nothing. */
  bp_network_forward (net, t, x, 1);
  assert_true (bp_trace_fits (t, net));
  assert_false (bp_trace_fits (t, wider_output));

  bp_trace_free (t);
  bp_trace_free (deep_t);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_init_auto),
    cmocka_unit_test (test_hand_worked_sigmoid_output),
    cmocka_unit_test (test_hand_worked_linear_output),
    cmocka_unit_test (test_mean_vs_sum),
    cmocka_unit_test (test_backward_accumulates),
    cmocka_unit_test (test_chain_rule),
    cmocka_unit_test (test_chain_fused_saturated),
    cmocka_unit_test (test_chain_errors),
    cmocka_unit_test (test_gradcheck_random_depths),
    cmocka_unit_test (test_gradcheck_detects_wrong_derivative),
    cmocka_unit_test (test_tiny_gradients_deep_sigmoid),
    cmocka_unit_test (test_width_one_32_layers),
    cmocka_unit_test (test_width_4096),
    cmocka_unit_test (test_batch_of_one),
    cmocka_unit_test (test_add_layer_errors),
    cmocka_unit_test (test_set_cost_errors),
    cmocka_unit_test (test_copy_and_equal),
    cmocka_unit_test (test_check_finite_names_layer_and_unit),
    cmocka_unit_test (test_batched_matches_single),
    cmocka_unit_test (test_delta_terms),
    cmocka_unit_test (test_delta_terms_errors),
    cmocka_unit_test (test_trace_fits),
  };

  return cmocka_run_group_tests_name ("network", tests, NULL, NULL);
}
