/* fuzz-trace.c — the worked example end to end, as `backprop trace` and the
 * app's chain-rule view run it: a model from the input, forward and backward
 * on its inline batch (or on a small batch drawn from its seed when it has
 * none), the finiteness check, the chain of factors of a few weights, one
 * optimizer step and writing the model.
 *
 * Contracts checked:
 *  - bp_network_check_finite: TRUE means the cost and every gradient are
 *    finite (the trainer steps on that word); FALSE sets a
 *    BP_NETWORK_ERROR_NUMERIC error;
 *  - bp_chain_new succeeds for every weight of every sample and refuses a
 *    weight or sample out of range; where the pass is finite, the product
 *    of the chain equals δ(i)_j·a(i−1)_k of the trace to rounding (bounded
 *    by the same product over the magnitudes of the terms: absolute values,
 *    and diag(a) + a aᵀ for a softmax Jacobian, see abs_product);
 *  - bp_model_to_json gives NULL exactly when a parameter or the optimizer
 *    state is not finite, and otherwise text that loads back to the same
 *    network.
 */
#include "fuzz-common.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "bp-chain.h"
#include "bp-model.h"
#include "bp-network.h"
#include "bp-optimizer.h"
#include "bp-rng.h"
#include "bp-util.h"

/* Each run stays in the milliseconds: larger networks are the loader
 * target's business. */
#define MAX_WORK (1 << 18)
#define SYNTH_BATCH 3

static gboolean
all_finite_state (const BpOptimizer *opt)
{
  return bp_all_finite (opt->hyper, opt->desc->n_hyper)
         && isfinite (opt->weight_decay)
         && (opt->t == 0 || bp_all_finite (opt->state, bp_optimizer_state_size (opt)));
}

/* The chain with every factor replaced by a bound on the magnitude of the
 * terms that make it up: the product bounds the terms of both sums (the
 * chain's and backprop's), hence their rounding errors.  For an element-wise
 * factor that is its absolute value.  A vector activation's Jacobian has
 * already cancelled inside it: softmax's J = diag(a) − a aᵀ, and backprop's
 * vjp a ⊙ (g − aᵀg) cancels the same way, so its terms are bounded by
 * diag(a) + a aᵀ instead (softmax is the only vector activation built in). */
static double
abs_product (const BpNetwork *net,
             const BpTrace   *trace,
             const BpChain   *chain)
{
  BpChain copy = *chain;
  g_autofree BpChainFactor *factors = g_memdup2 (chain->factors,
                                                 chain->n_factors * sizeof (BpChainFactor));
  g_autofree double *fused = NULL;
  GPtrArray *data = g_ptr_array_new_with_free_func (g_free);
  double result;

  for (gsize i = 0; i < chain->n_factors; i++)
    {
      const BpChainFactor *f = &chain->factors[i];
      gsize n = f->kind == BP_FACTOR_DIAG ? f->rows : f->rows * f->cols;
      double *d = g_new (double, MAX (n, 1));

      if (f->role == BP_FACTOR_DA_DZ && f->kind == BP_FACTOR_MATRIX)
        {
          const double *a = bp_trace_a (trace, f->layer - 1, chain->sample);

          FUZZ_ASSERT (g_strcmp0 (net->layers[f->layer - 1].act_id, "softmax") == 0,
                       "a Jacobian matrix for activation %s", net->layers[f->layer - 1].act_id);
          for (gsize r = 0; r < f->rows; r++)
            for (gsize c = 0; c < f->cols; c++)
              d[r * f->cols + c] = fabs (a[r]) * ((r == c ? 1.0 : 0.0) + fabs (a[c]));
        }
      else
        for (gsize m = 0; m < n; m++)
          d[m] = fabs (f->data[m]);
      factors[i].data = d;
      g_ptr_array_add (data, d);
    }
  copy.factors = factors;
  if (chain->fused)
    {
      gsize n = chain->factors[0].cols;

      fused = g_new (double, n);
      for (gsize m = 0; m < n; m++)
        fused[m] = fabs (chain->fused_dC_dz[m]);
      copy.fused_dC_dz = fused;
    }
  result = bp_chain_product (&copy);
  g_ptr_array_unref (data);
  return result;
}

static void
check_chain (const BpNetwork *net,
             const BpTrace   *trace,
             gsize            s,
             gsize            l,
             gsize            j,
             gsize            k,
             gboolean         finite,
             gsize            sum_widths)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpChain) chain = bp_chain_new (net, trace, s, l, j, k, &error);
  double p, bound, tol;

  FUZZ_ASSERT (chain != NULL, "no chain for W(%zu)[%zu,%zu], sample %zu: %s",
               l + 1, j + 1, k + 1, s + 1, error->message);
  FUZZ_ASSERT (chain->n_factors >= 2, "%zu factors", chain->n_factors);
  p = bp_chain_product (chain);
  if (!finite)
    return;
  /* Where softmax saturates, its explicit Jacobian product and backprop's
   * vjp a_j(g_j − a·g) both cancel deeply and may differ in every digit of
   * a tiny result; abs_product bounds the terms before the cancellation, so
   * the tolerance is on the scale of those terms, not of the result. */
  bound = abs_product (net, trace, chain);
  if (!isfinite (p) || !isfinite (chain->backprop) || !isfinite (bound))
    return;
  tol = 64.0 * DBL_EPSILON * (double) (sum_widths + chain->n_factors) * bound + 1e-300;
  FUZZ_ASSERT (fabs (p - chain->backprop) <= tol,
               "W(%zu)[%zu,%zu], sample %zu: chain product %.17g but backprop %.17g "
               "(|terms| %.3g)", l + 1, j + 1, k + 1, s + 1, p, chain->backprop, bound);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) model = NULL;
  g_autoptr(BpModel) again = NULL;
  g_autoptr(BpTrace) trace = NULL;
  g_autofree double *xs = NULL;
  g_autofree double *ys = NULL;
  g_autofree char *json = NULL;
  BpNetwork *net;
  const double *x, *y;
  gsize B, n_in, n_out, widths, N;
  gboolean finite;
  double loss;

  fuzz_init ();

  model = bp_model_load_data ((const char *) data, (gssize) size, "fuzz.json", NULL, NULL);
  if (model == NULL)
    return 0;
  net = model->network;
  N = net->n_layers;
  n_in = net->n_inputs;
  n_out = bp_network_n_outputs (net);
  widths = n_in;
  for (gsize l = 0; l < N; l++)
    widths += net->layers[l].out;

  B = model->inputs != NULL ? model->n_samples : SYNTH_BATCH;
  if ((net->n_params + widths) * B > MAX_WORK)
    return 0;

  if (model->inputs != NULL)
    {
      x = model->inputs;
      y = model->targets;
    }
  else
    {
      /* A batch from the model's seed: inputs in [−2, 2], targets that fit
       * the output (one-hot under a vector output, 0/1 otherwise). */
      const BpLayer *last = &net->layers[N - 1];
      BpRng rng;

      bp_rng_init (&rng, model->seed);
      xs = g_new (double, B * n_in);
      ys = g_new0 (double, B * n_out);
      for (gsize i = 0; i < B * n_in; i++)
        xs[i] = bp_rng_range (&rng, -2.0, 2.0);
      for (gsize s = 0; s < B; s++)
        {
          if (last->act->vec_forward != NULL)
            ys[s * n_out + s % n_out] = 1.0;
          else
            for (gsize k = 0; k < n_out; k++)
              ys[s * n_out + k] = (double) ((s + k) % 2);
        }
      x = xs;
      y = ys;
    }

  trace = bp_trace_new (net, B);
  trace->keep = TRUE;
  loss = bp_network_gradients (net, trace, x, y, B);

  finite = bp_network_check_finite (net, trace, &error);
  if (finite)
    {
      FUZZ_ASSERT (error == NULL, "error set on success");
      FUZZ_ASSERT (isfinite (loss), "check passed with C = %g", loss);
      FUZZ_ASSERT (bp_all_finite (net->grads, net->n_params),
                   "check passed with a non-finite gradient");
    }
  else
    {
      FUZZ_ASSERT (error != NULL && g_error_matches (error, BP_NETWORK_ERROR,
                                                     BP_NETWORK_ERROR_NUMERIC),
                   "check failed without a numeric error");
      g_clear_error (&error);
    }

  /* The first and last weight of each layer, for the first and last sample. */
  for (gsize l = 0; l < N; l++)
    {
      const BpLayer *L = &net->layers[l];

      check_chain (net, trace, 0, l, 0, 0, finite, widths);
      check_chain (net, trace, B - 1, l, L->out - 1, L->in - 1, finite, widths);
      check_chain (net, trace, B / 2, l, L->out / 2, L->in / 2, finite, widths);
    }
  {
    g_autoptr(BpChain) c1 = bp_chain_new (net, trace, B, 0, 0, 0, &error);

    FUZZ_ASSERT (c1 == NULL && error != NULL, "a chain for sample %zu of %zu", B + 1, B);
    g_clear_error (&error);
  }
  {
    g_autoptr(BpChain) c2 = bp_chain_new (net, trace, 0, N - 1, n_out, 0, &error);

    FUZZ_ASSERT (c2 == NULL && error != NULL, "a chain for unit %zu of %zu", n_out + 1, n_out);
    g_clear_error (&error);
  }

  if (finite)
    bp_optimizer_step (model->optimizer, net->params, net->grads);

  json = bp_model_to_json (model, NULL);
  if (json == NULL)
    {
      FUZZ_ASSERT (!bp_all_finite (net->params, net->n_params)
                   || !all_finite_state (model->optimizer),
                   "a finite model was not written");
      return 0;
    }
  FUZZ_ASSERT (bp_all_finite (net->params, net->n_params) && all_finite_state (model->optimizer),
               "a non-finite model was written");
  again = bp_model_load_data (json, -1, "saved.json", NULL, &error);
  FUZZ_ASSERT (again != NULL, "what was written does not load: %s", error->message);
  FUZZ_ASSERT (bp_network_equal (net, again->network), "the network changed in a round trip");
  return 0;
}
