/* test-session-explain.c — the inspector's numbers on a session (bpv-explain):
 * δ · a, the chain product, the batch gradient and a finite-difference
 * check agree; δ's terms add up, also through skips, batch norm, layer
 * norm and dropout; what it shows at each stop of step mode, and the
 * optimizer's state at a past step.  Part of the test-session program
 * (test-session.h).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-session.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bp-model.h"
#include "bpv-explain.h"
#include "bpv-session.h"
#include "bpv-trainer-thread.h"

/* The inspector's numbers for a weight: δ · a is the backprop value, the
 * chain's product equals it, and so does the gradient of the (one-sample)
 * batch; finite differences agree. */
void
test_explain_weight (void **state)
{
  g_autoptr(BpvSession) s = default_session ();
  BpvHit hit = { BPV_HIT_EDGE, 2, 0, 2 };
  g_autoptr(BpvExplanation) ex = NULL;
  const BpNetwork *net = bpv_session_get_network (s);
  BpGradCheckEntry check;

  (void) state;
  bpv_session_set_selection (s, &hit);
  ex = bpv_explain (s, &hit);
  assert_non_null (ex);
  assert_string_equal (ex->title, "Weight W(2)₁,₃");
  assert_true (ex->product == ex->delta * ex->a_prev);
  assert_true (ex->product == ex->backprop);
  assert_close (ex->chain_product, ex->backprop, 1e-12);
  assert_int_equal (ex->n_factors, 5);
  assert_int_equal (ex->batch, 1);
  assert_true (ex->batch_gradient == net->layers[1].dW[0 * 8 + 2]);
  assert_close (ex->batch_gradient, ex->product, 1e-12);
  assert_non_null (strstr (ex->text, "∂C/∂W(2)₁,₃ = δ(2)₁ · a(1)₃"));
  assert_non_null (ex->chain);

  assert_true (bpv_explain_gradcheck (s, &hit, &check, NULL));
  assert_true (check.backprop == ex->batch_gradient);
  assert_close (check.fd.derivative, check.backprop, 1e-6);
  assert_int_equal (check.verdict, BP_FD_AGREES);
}

void
test_explain_neuron (void **state)
{
  g_autoptr(BpvSession) s = default_session ();
  BpvHit hit = { BPV_HIT_NEURON, 1, 3, 0 };
  g_autoptr(BpvExplanation) ex = NULL;
  const BpNetwork *net = bpv_session_get_network (s);
  const BpTrace *t = bpv_session_get_trace (s, NULL);
  const BpLayer *L = &net->layers[0];
  double z = L->b[3];

  (void) state;
  ex = bpv_explain (s, &hit);
  for (gsize k = 0; k < L->in; k++)
    z += L->W[3 * L->in + k] * t->input[k];
  assert_close (ex->z, z, 1e-14);
  assert_true (ex->a == t->a[0][3]);
  assert_close (ex->dsigma, 1 - ex->a * ex->a, 1e-14);
  assert_true (ex->neuron_delta == t->dC_dz[0][3]);
  assert_non_null (strstr (ex->text, "z(1)₄ = Σ"));
  /* δ as its terms: the 8 paths through layer 2, the 4 largest written
   * out and the other 4 folded with their count. */
  assert_non_null (strstr (ex->text, "δ(1)₄ = σ′(z(1)₄) · Σk W(2)k₄ δ(2)k"));
  assert_non_null (strstr (ex->text, "4 more terms, sum"));
  assert_int_equal (ex->n_delta_terms, 8);
  assert_int_equal (ex->n_delta_shown, 4);
  assert_close ((ex->delta_shown + ex->delta_rest) * ex->delta_scale, ex->neuron_delta, 1e-12);
}

/* For every hidden neuron and every weight of the default network after a
 * whole backward pass: the δ terms the inspector shows (written out plus
 * folded) add up to the δ it shows, and δ · a to the gradient it shows;
 * the z expansion says how many terms it folds. */
void
test_explain_delta_terms_add_up (void **state)
{
  g_autoptr(BpvSession) s = default_session ();
  const BpNetwork *net = bpv_session_get_network (s);
  gsize n_checked = 0;

  (void) state;
  for (int i = 0; i < 8; i++)  /* INPUT, F1–F3, COST, B3–B1 */
    assert_true (bpv_session_step (s, NULL));
  for (gsize l = 0; l < net->n_layers; l++)
    for (gsize j = 0; j < net->layers[l].out; j++)
      {
        BpvHit neuron = { BPV_HIT_NEURON, l + 1, j, 0 };
        g_autoptr(BpvExplanation) ex = bpv_explain (s, &neuron);

        if (l + 1 < net->n_layers)
          {
            assert_int_equal (ex->n_delta_terms, net->layers[l + 1].out);
            assert_close ((ex->delta_shown + ex->delta_rest) * ex->delta_scale, ex->neuron_delta,
                          1e-12);
            n_checked++;
          }
        if (net->layers[l].in > 5)
          {
            g_autofree char *folded = g_strdup_printf ("+ %zu more terms, sum", net->layers[l].in - 4);

            assert_non_null (strstr (ex->text, folded));
          }
        for (gsize k = 0; k < net->layers[l].in; k++)
          {
            BpvHit edge = { BPV_HIT_EDGE, l + 1, j, k };
            g_autoptr(BpvExplanation) ew = bpv_explain (s, &edge);

            assert_close (ew->delta * ew->a_prev, ew->product, 1e-15);
            assert_close (ew->chain_product, ew->product, 1e-12);
            if (l + 1 < net->n_layers)
              {
                assert_close ((ew->delta_shown + ew->delta_rest) * ew->delta_scale * ew->a_prev,
                              ew->product, 1e-12);
                assert_non_null (strstr (ew->text, "where δ("));
              }
          }
      }
  assert_true (n_checked >= 16);
}

/* In step mode a weight's gradient is unknown until the backward pass
 * reaches its layer; at the update the chain still uses the weights the
 * pass used. */
void
test_explain_follows_the_stops (void **state)
{
  g_autoptr(BpvSession) s = default_session ();
  BpvHit hit = { BPV_HIT_EDGE, 2, 1, 4 };
  BpvExplanation *ex;

  (void) state;
  for (int i = 0; i < 6; i++)  /* INPUT, F1–F3, COST, B3 */
    assert_true (bpv_session_step (s, NULL));
  ex = bpv_explain (s, &hit);
  assert_true (isnan (ex->delta));
  assert_true (isfinite (ex->a_prev));
  assert_non_null (strstr (ex->chain, "appears when the backward pass reaches W(2)"));
  bpv_explanation_free (ex);

  assert_true (bpv_session_step (s, NULL));  /* B2 */
  ex = bpv_explain (s, &hit);
  assert_true (isfinite (ex->delta));
  assert_close (ex->chain_product, ex->backprop, 1e-12);
  bpv_explanation_free (ex);

  assert_true (bpv_session_step (s, NULL));  /* B1 */
  assert_true (bpv_session_step (s, NULL));  /* UPDATE */
  ex = bpv_explain (s, &hit);
  assert_true (isfinite (ex->weight_after));
  assert_true (ex->weight_after != ex->weight);
  assert_close (ex->chain_product, ex->backprop, 1e-12);
  bpv_explanation_free (ex);
}

/* C on any weight of deep-sigmoid: correct gradients of 1e−8 and less
 * (the example that teaches vanishing gradients) were "they differ" when
 * the check was a relative error; now none differs, and those below the
 * finite differences' noise floor say so. */
void
test_gradcheck_deep_sigmoid (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (g_getenv ("BACKPROP_DATA_DIR"), "examples",
                                            "deep-sigmoid.bpmodel.json", NULL);
  g_autoptr(BpModel) model = bp_model_load_file (path, NULL, &error);
  g_autoptr(BpvSession) s = NULL;
  const BpNetwork *net;
  gsize n_agree = 0, n_not_resolvable = 0;

  (void) state;
  assert_non_null (model);
  s = bpv_session_new (model, &error);
  assert_non_null (s);
  net = bpv_session_get_network (s);
  for (gsize l = 0; l < net->n_layers; l++)
    for (gsize j = 0; j < net->layers[l].out; j++)
      for (gsize k = 0; k < net->layers[l].in; k++)
        {
          BpvHit hit = { BPV_HIT_EDGE, l + 1, j, k };
          BpGradCheckEntry check;

          assert_true (bpv_explain_gradcheck (s, &hit, &check, &error));
          if (check.verdict == BP_FD_DIFFERS)
            fail_msg ("W(%zu)[%zu,%zu]: backprop %.17g numeric %.17g floor %.3g", l + 1,
                      j + 1, k + 1, check.backprop, check.fd.derivative, check.fd.floor);
          n_agree += check.verdict == BP_FD_AGREES;
          n_not_resolvable += check.verdict == BP_FD_NOT_RESOLVABLE;
        }
  assert_true (n_agree > 0 && n_not_resolvable > 0);

  /* The session's heat-map task holds it until its result is handed back
   * on this main context: let it go here, not in the next test, whose
   * trainer would then be waited for by this session's dispose. */
  g_clear_object (&s);
  do
    bpv_background_wait_all ();
  while (g_main_context_iteration (NULL, FALSE));
}

/* ------------------------------------------- the chain beyond dense layers */

/* Ends `net` as `model`'s network ends (its output layer and cost) and
 * draws its weights from `seed`. */
static void
end_like (const BpModel *model,
          BpNetwork     *net,
          guint64        seed)
{
  const BpLayer *last = &model->network->layers[model->network->n_layers - 1];
  g_autoptr(GError) error = NULL;
  BpRng rng;

  assert_true (bp_network_add_layer (net, last->out, last->act_id, NULL, &error));
  assert_true (bp_network_set_cost (net, model->network->cost_id, NULL, &error));
  bp_rng_init (&rng, seed);
  bp_network_init_weights (net, BP_INIT_GLOROT_UNIFORM, &rng);
}

/* A session of `model` with `net` (taken) as its network and batches of
 * `batch`, stepped to the end of a backward pass over the whole batch. */
static BpvSession *
stepped_session (BpModel   *model,
                 BpNetwork *net,
                 gsize      batch)
{
  g_autoptr(GError) error = NULL;
  BpvSession *session;

  bp_network_free (model->network);
  model->network = net;
  model->batch_size = batch;
  session = bpv_session_new (model, &error);
  if (session == NULL)
    fail_msg ("%s", error->message);
  bpv_session_set_step_sample (session, FALSE);
  /* At rest everything counts as known: step into a cycle first. */
  do
    if (!bpv_session_step (session, &error))
      fail_msg ("%s", error->message);
  while (!bpv_session_backward_known (session, 0));
  return session;
}

/* The default example (moons) on 2 → 4 tanh → 4 tanh (+ a(1), a skip) →
 * batch norm (sigmoid) → 1 with the example's cost, stepped to the end of
 * the backward pass, so that the trace holds a training batch (batch norm
 * needs B ≥ 2; a batch of 8 so that every term shows). */
static BpvSession *
skip_batchnorm_session (void)
{
  g_autoptr(BpModel) model = bp_model_new_default ();
  g_autoptr(GError) error = NULL;
  BpNetwork *net = bp_network_new (2, &error);

  assert_true (bp_network_add_layer (net, 4, "tanh", NULL, &error));
  assert_true (bp_network_add_layer (net, 4, "tanh", NULL, &error));
  assert_true (bp_network_set_skip (net, 1, 1, &error));
  assert_true (bp_network_add_batchnorm (net, BP_NORM_DEFAULT_EPS, BP_NORM_DEFAULT_MOMENTUM,
                                         "sigmoid", &error));
  end_like (model, net, 5);
  /* γ and β away from 1 and 0, so that every term shows. */
  for (gsize j = 0; j < 4; j++)
    {
      net->layers[2].W[j] = 0.5 + 0.25 * (double) j;
      net->layers[2].b[j] = 0.1 * (double) j - 0.1;
    }
  return stepped_session (model, net, 8);
}

/* A skip from a(1) into a(2): the inspector shows both paths into a(1),
 * their numbers add up to ∂C/∂a(1) and δ(1) = σ′ × the sum. */
void
test_explain_skip_paths (void **state)
{
  g_autoptr(BpvSession) s = skip_batchnorm_session ();
  BpvHit hit = { BPV_HIT_NEURON, 1, 2, 0 };
  g_autoptr(BpvExplanation) ex = bpv_explain (s, &hit);
  gsize sample = 0;
  const BpTrace *t = bpv_session_get_trace (s, &sample);

  (void) state;
  assert_non_null (ex);
  assert_non_null (strstr (ex->text, "δ(1)₃ = σ′(z(1)₃) · ∂C/∂a(1)₃   (2 paths into a(1)₃)\n"));
  assert_non_null (strstr (ex->text, "  • around layer 2 (the skip from a(1) into a(2)): ∂C/∂a(2)₃ · 1 = "));
  assert_non_null (strstr (ex->text, "  • through layer 2: Σk W(2)k₃ δ(2)k = "));
  assert_non_null (strstr (ex->text, "  ∂C/∂a(1)₃ = ("));
  assert_int_equal (ex->n_delta_terms, 2);
  assert_close (ex->delta_shown, bp_trace_dC_da (t, 0, sample)[2], 1e-12);
  assert_close (ex->delta_shown * ex->delta_scale, ex->neuron_delta, 1e-12);

  /* a(2) = σ(z) + a(1), and the slope of σ(z), not of a */
  {
    BpvHit h2 = { BPV_HIT_NEURON, 2, 1, 0 };
    g_autoptr(BpvExplanation) e2 = bpv_explain (s, &h2);

    assert_non_null (strstr (e2->text, "a(2)₂ = σ(z) + a(1)₂ = tanh("));
    assert_close (e2->dsigma, 1 - tanh (e2->z) * tanh (e2->z), 1e-12);
  }
  /* W(1)'s chain starts at a(1), where the two paths meet. */
  {
    BpvHit edge = { BPV_HIT_EDGE, 1, 2, 1 };
    g_autoptr(BpvExplanation) ew = bpv_explain (s, &edge);

    assert_int_equal (ew->n_factors, 3);
    assert_close (ew->chain_product, ew->backprop, 1e-12);
    assert_non_null (strstr (ew->chain, "the chain starts at ∂C/∂a(1)"));
  }
}

/* Batch norm: the three terms of the gradient into a(2) with the batch's
 * means, adding up; x̂, z and ∂C/∂γ, ∂C/∂β of the norm unit. */
void
test_explain_batchnorm_terms (void **state)
{
  g_autoptr(BpvSession) s = skip_batchnorm_session ();
  BpvHit hit = { BPV_HIT_NEURON, 2, 3, 0 };
  BpvHit bn = { BPV_HIT_NEURON, 3, 3, 0 };
  g_autoptr(BpvExplanation) ex = bpv_explain (s, &hit);
  g_autoptr(BpvExplanation) eb = bpv_explain (s, &bn);
  gsize sample = 0;
  const BpTrace *t = bpv_session_get_trace (s, &sample);
  const BpNetwork *net = bpv_session_get_network (s);
  g_autofree char *means = g_strdup_printf ("(σ², means over the batch of %zu)", t->batch);

  (void) state;
  assert_true (t->batch >= 3);
  assert_non_null (strstr (ex->text, "δ(2)₄ = σ′(z(2)₄) · ∂C/∂a(2)₄   (1 path into a(2)₄)\n"));
  assert_non_null (strstr (ex->text, "  • through batch norm layer 3: (1/√(σ² + eps)) · (γ₄ δ(3)₄ − "
                                     "mean(γδ(3))₄ − x̂(3)₄ · mean(γδ(3) ⊙ x̂(3))₄)"));
  assert_non_null (strstr (ex->text, means));
  assert_close (ex->delta_shown, bp_trace_dC_da (t, 1, sample)[3], 1e-12);
  assert_close (ex->delta_shown * ex->delta_scale, ex->neuron_delta, 1e-12);

  assert_non_null (strstr (eb->text, "x̂(3)₄ = (a(2)₄ − μ)/√(σ² + eps)"));
  assert_non_null (strstr (eb->text, "z(3)₄ = γ(3)₄ x̂(3)₄ + β(3)₄ = "));
  assert_non_null (strstr (eb->text, "∂C/∂γ(3)₄ = Σs δ(3)₄ x̂(3)₄;  this sample: "));
  assert_non_null (strstr (eb->text, "∂C/∂β(3)₄ = Σs δ(3)₄;  this sample: "));
  assert_close (eb->z, bp_trace_z (t, 2, sample)[3], 1e-15);
  assert_true (isfinite (net->layers[2].dW[3]));
}

/* Layer norm and dropout: 2 → 4 tanh → layer norm → dropout (p = 0.5) →
 * the example's output.  The paths through each add up to δ, a dropout
 * unit shows its mask, and a dropped unit passes no gradient. */
void
test_explain_layernorm_dropout (void **state)
{
  g_autoptr(BpModel) model = bp_model_new_default ();
  g_autoptr(GError) error = NULL;
  g_autoptr(BpvSession) s = NULL;
  BpNetwork *net = bp_network_new (2, &error);
  const BpTrace *t;
  gsize sample = 0;

  (void) state;
  assert_true (bp_network_add_layer (net, 4, "tanh", NULL, &error));
  assert_true (bp_network_add_layernorm (net, BP_NORM_DEFAULT_EPS, NULL, &error));
  assert_true (bp_network_add_dropout (net, 0.5, &error));
  end_like (model, net, 9);
  s = stepped_session (model, net, 4);
  t = bpv_session_get_trace (s, &sample);

  for (gsize j = 0; j < 4; j++)
    {
      BpvHit h1 = { BPV_HIT_NEURON, 1, j, 0 }, h2 = { BPV_HIT_NEURON, 2, j, 0 };
      BpvHit h3 = { BPV_HIT_NEURON, 3, j, 0 };
      g_autoptr(BpvExplanation) e1 = bpv_explain (s, &h1);
      g_autoptr(BpvExplanation) e2 = bpv_explain (s, &h2);
      g_autoptr(BpvExplanation) e3 = bpv_explain (s, &h3);
      double mask = t->mask[2][sample * 4 + j];

      assert_non_null (strstr (e1->text, "  • through layer norm layer 2: (1/√(σ² + eps)) · ("));
      assert_non_null (strstr (e1->text, "features)"));
      assert_close (e1->delta_shown * e1->delta_scale, e1->neuron_delta, 1e-12);
      assert_non_null (strstr (e2->text, "  • through dropout layer 3: ∂C/∂a(3)"));
      assert_close (e2->delta_shown * e2->delta_scale, e2->neuron_delta, 1e-12);
      assert_non_null (strstr (e3->text, mask == 0 ? "(dropped in this sample)" : "(kept in this sample)"));
      assert_non_null (strstr (e3->text, "· mask"));
      if (mask == 0)
        assert_true (e2->delta_shown == 0);
    }
}

/* A selected skip arc (a(1) into a(2)): the inspector explains the
 * identity path with the ∂C/∂a(2) of the shown sample it adds into
 * ∂C/∂a(1), and points to a unit of a(1) for both paths summed; a
 * selection naming a skip that is not there is dropped. */
void
test_explain_selected_skip (void **state)
{
  g_autoptr(BpvSession) s = skip_batchnorm_session ();
  BpvHit hit = { BPV_HIT_SKIP, 2, 1, 0 }, wrong = { BPV_HIT_SKIP, 2, 0, 0 };
  g_autoptr(BpvExplanation) ex = bpv_explain (s, &hit);
  g_autoptr(GError) error = NULL;
  BpGradCheckEntry check;
  gsize sample = 0;
  const BpTrace *t = bpv_session_get_trace (s, &sample);
  const double *g = bp_trace_dC_da (t, 1, sample);
  g_autoptr(GString) want = g_string_new ("∂C/∂a(1) += ∂C/∂a(2) = (");

  (void) state;
  assert_non_null (ex);
  assert_string_equal (ex->title, "Skip connection a(1) → a(2)");
  assert_non_null (strstr (ex->text, "a(2) = σ(W(2) a(1) + b(2)) + a(1)"));
  assert_non_null (strstr (ex->text, "∂a(2)/∂a(1) = diag(σ′(z(2))) W(2) + I\n"));
  assert_non_null (strstr (ex->text, "the I is the identity path"));
  for (gsize u = 0; u < 4; u++)
    {
      g_autofree char *v = bpv_format_number (g[u]);

      g_string_append_printf (want, "%s%s", u > 0 ? ", " : "", v);
    }
  g_string_append (want, ")   (this sample, units 1…4 of 4)\n");
  assert_non_null (strstr (ex->text, want->str));
  assert_non_null (strstr (ex->text, "select a unit of a(1) to see both paths summed"));
  assert_null (ex->chain);
  /* A skip that is not there explains nothing; a skip has no parameter. */
  assert_null (bpv_explain (s, &wrong));
  assert_false (bpv_explain_gradcheck (s, &hit, &check, &error));
  assert_non_null (strstr (error->message, "skip connection has no parameter"));

  /* A selection naming a skip that is not there is dropped. */
  bpv_session_set_selection (s, &hit);
  assert_int_equal (bpv_session_get_selection (s)->kind, BPV_HIT_SKIP);
  bpv_session_set_selection (s, &wrong);
  assert_int_equal (bpv_session_get_selection (s)->kind, BPV_HIT_NONE);
}

/* Away from the Update stop, Adam's next step with the gradient g the
 * inspector shows (the batch's ∂C/∂W): its m̂, v̂ and effective step,
 * worked out here from the state `opt` and the hyperparameters, equal
 * those in the section (ex.derived) and in its text. */
static void
assert_adam_next_step (const BpOptimizer         *opt,
                       const BpOptimizerStepView *view,
                       const char                *text,
                       gsize                      index,
                       double                     p,
                       double                     g)
{
  double b1, b2, eps, lr = bp_optimizer_peek_lr (opt);
  double ge = g + opt->weight_decay * p;
  double t = (double) opt->t + 1;
  double m, v, mhat, vhat, step;

  assert_true (bp_optimizer_get (opt, "beta1", &b1));
  assert_true (bp_optimizer_get (opt, "beta2", &b2));
  assert_true (bp_optimizer_get (opt, "eps", &eps));
  m = b1 * opt->state_views[0][index] + (1 - b1) * ge;
  v = b2 * opt->state_views[1][index] + (1 - b2) * ge * ge;
  mhat = m / (1 - pow (b1, t));
  vhat = v / (1 - pow (b2, t));
  step = lr * mhat / (sqrt (vhat) + eps);
  assert_false (view->has_terms);
  assert_int_equal (view->ex.n_terms, 0);
  assert_int_equal (view->ex.n_derived, 5);
  assert_string_equal (view->ex.derived[2].name, "m̂");
  assert_string_equal (view->ex.derived[3].name, "v̂");
  assert_string_equal (view->ex.derived[4].name, "effective step");
  assert_close (view->ex.derived[2].value, mhat, 1e-12);
  assert_close (view->ex.derived[3].value, vhat, 1e-12);
  assert_close (view->ex.derived[4].value, step, 1e-12);
  assert_true (mhat != 0.0 && vhat != 0.0);
  assert_non_null (strstr (text, "\nfor the next step, with g = "));
  assert_non_null (strstr (text, " · m̂ = "));
  assert_non_null (strstr (text, " · effective step = "));
}

/* The "Optimizer (adam)" section (bpv-explain-optimizer.c) for a weight:
 * before the update its slots are the live m and v; at the Update stop of
 * the third step the step is explained from the state before it, its
 * "m after" is the live m now, and its terms add up to the Δ the line
 * above shows (weight_after − weight), to 1e-15 of the larger of |W| and
 * |Δ| (Δ itself is rounded at W's size). */
void
test_explain_optimizer_terms (void **state)
{
  g_autoptr(BpvSession) s = default_session ();
  BpvHit hit = { BPV_HIT_EDGE, 2, 1, 4 };
  const BpNetwork *net = bpv_session_get_network (s);
  gsize index = (gsize) (net->layers[1].W - net->params) + 1 * net->layers[1].in + 4;
  BpvExplanation *ex;

  (void) state;
  assert_true (bpv_session_set_optimizer (s, "adam", NULL));
  for (int i = 0; i < 2 * 9; i++)  /* two whole steps */
    assert_true (bpv_session_step (s, NULL));
  for (int i = 0; i < 8; i++)      /* INPUT … B1 of the third */
    assert_true (bpv_session_step (s, NULL));
  ex = bpv_explain (s, &hit);
  {
    const BpOptimizer *opt = bpv_session_get_optimizer (s);

    assert_true (ex->has_optimizer);
    assert_false (ex->optimizer.has_terms);
    assert_string_equal (ex->optimizer.slot_names[0], "m");
    assert_true (ex->optimizer.slots[0] == opt->state_views[0][index]);
    assert_true (ex->optimizer.slots[1] == opt->state_views[1][index]);
    assert_true (ex->optimizer.slots[0] != 0.0);
    assert_non_null (strstr (ex->text, "Optimizer (adam)"));
    assert_non_null (strstr (ex->text, "after 2 steps: m = "));
    assert_adam_next_step (opt, &ex->optimizer, ex->text, index, ex->weight, ex->batch_gradient);
  }
  bpv_explanation_free (ex);

  assert_true (bpv_session_step (s, NULL));  /* UPDATE */
  ex = bpv_explain (s, &hit);
  {
    const BpOptimizer *opt = bpv_session_get_optimizer (s);
    const BpOptimizerStepView *v = &ex->optimizer;
    double dw = ex->weight_after - ex->weight;

    assert_true (v->has_terms);
    assert_int_equal (v->t, 3);
    assert_string_equal (v->ex.derived[0].name, "m after");
    assert_true (v->ex.derived[0].value == opt->state_views[0][index]);
    assert_true (v->ex.derived[1].value == opt->state_views[1][index]);
    assert_string_equal (v->ex.derived[2].name, "m̂");
    assert_int_equal (v->ex.n_terms, 2);
    if (!(fabs (v->sum - dw) <= 1e-15 * fmax (fabs (ex->weight), fabs (dw))))
      fail_msg ("Σ terms %.17g ≠ W after − W before %.17g", v->sum, dw);
    assert_true (dw != 0.0);
    assert_non_null (strstr (ex->text, "the update, term by term"));
    assert_non_null (strstr (ex->text, "effective step"));
  }
  bpv_explanation_free (ex);
}

/* Steps until the stepper is at its Update stop for the `nth` time. */
static void
step_to_update (BpvSession *s,
                int         nth)
{
  g_autoptr(GError) error = NULL;

  for (int i = 0; i < 200 && nth > 0; i++)
    {
      if (!bpv_session_step (s, &error))
        fail_msg ("%s", error->message);
      if (bpv_stepper_get_phase (bpv_session_get_stepper (s)) == BPV_STEP_UPDATE)
        nth--;
    }
  assert_int_equal (nth, 0);
}

/* At the Update stop: a view's terms add up to after − before (to 1e-15 of
 * the larger of the value and the Δ, as for a weight), and Δ ≠ 0. */
static void
assert_terms_add_up (const BpOptimizerStepView *v,
                     double                     before,
                     double                     after)
{
  double d = after - before;

  assert_true (v->has_terms);
  assert_true (d != 0.0);
  if (!(fabs (v->sum - d) <= 1e-15 * fmax (fabs (before), fabs (d))))
    fail_msg ("Σ terms %.17g ≠ after − before %.17g", v->sum, d);
}

/* The same section for a selected unit's bias b(2)₂: before the update its
 * slots are the live m and v at b's index; at the Update stop the step is
 * explained term by term and adds up to b after − b before.  A batch-norm
 * unit has two: γ and β, each with its own state. */
void
test_explain_optimizer_bias (void **state)
{
  g_autoptr(BpvSession) s = default_session ();
  BpvHit hit = { BPV_HIT_NEURON, 2, 1, 0 };
  const BpNetwork *net = bpv_session_get_network (s);
  gsize index = (gsize) (net->layers[1].b - net->params) + 1;
  BpvExplanation *ex;

  (void) state;
  assert_true (bpv_session_set_optimizer (s, "adam", NULL));
  for (int i = 0; i < 2 * 9 + 8; i++)  /* two whole steps, INPUT … B1 of the third */
    assert_true (bpv_session_step (s, NULL));
  ex = bpv_explain (s, &hit);
  {
    const BpOptimizer *opt = bpv_session_get_optimizer (s);

    assert_true (ex->has_optimizer);
    assert_false (ex->has_gamma_optimizer);
    assert_false (ex->optimizer.has_terms);
    assert_true (ex->bias == net->layers[1].b[1]);
    assert_true (isnan (ex->bias_after));
    assert_string_equal (ex->optimizer.slot_names[0], "m");
    assert_true (ex->optimizer.slots[0] == opt->state_views[0][index]);
    assert_true (ex->optimizer.slots[1] == opt->state_views[1][index]);
    assert_true (ex->optimizer.slots[0] != 0.0);
    assert_non_null (strstr (ex->text, "\nOptimizer (adam) for b(2)₂  after 2 steps: m = "));
  }
  bpv_explanation_free (ex);

  assert_true (bpv_session_step (s, NULL));  /* UPDATE */
  ex = bpv_explain (s, &hit);
  {
    const BpOptimizer *opt = bpv_session_get_optimizer (s);
    const BpOptimizerStepView *v = &ex->optimizer;

    assert_int_equal (v->t, 3);
    assert_true (ex->bias_after == net->layers[1].b[1]);
    assert_true (v->ex.derived[0].value == opt->state_views[0][index]);
    assert_true (v->ex.derived[1].value == opt->state_views[1][index]);
    assert_terms_add_up (v, ex->bias, ex->bias_after);
    assert_non_null (strstr (ex->text, "update (adam): b(2)₂  "));
    assert_non_null (strstr (ex->text, "\nOptimizer (adam) for b(2)₂\nstep 3, lr = "));
    assert_non_null (strstr (ex->text, "= b after − b before = "));
  }
  bpv_explanation_free (ex);

  /* A batch-norm unit: γ(3)₄ and β(3)₄. */
  {
    g_autoptr(BpvSession) bn = skip_batchnorm_session ();
    BpvHit unit = { BPV_HIT_NEURON, 3, 3, 0 };
    const BpNetwork *bnet;
    const BpLayer *L;
    g_autoptr(BpvExplanation) e = NULL;

    assert_true (bpv_session_set_optimizer (bn, "adam", NULL));
    step_to_update (bn, 2);
    bnet = bpv_session_get_network (bn);
    L = &bnet->layers[2];
    e = bpv_explain (bn, &unit);
    assert_true (e->has_optimizer && e->has_gamma_optimizer);
    assert_true (e->gamma_after == L->W[3] && e->bias_after == L->b[3]);
    assert_terms_add_up (&e->gamma_optimizer, e->gamma, e->gamma_after);
    assert_terms_add_up (&e->optimizer, e->bias, e->bias_after);
    /* Each from its own state: m after is the live m at γ's, β's index. */
    assert_true (e->gamma_optimizer.ex.derived[0].value
                 == bpv_session_get_optimizer (bn)->state_views[0][L->W - bnet->params + 3]);
    assert_true (e->optimizer.ex.derived[0].value
                 == bpv_session_get_optimizer (bn)->state_views[0][L->b - bnet->params + 3]);
    assert_non_null (strstr (e->text, "Optimizer (adam) for γ(3)₄"));
    assert_non_null (strstr (e->text, "Optimizer (adam) for β(3)₄"));
    assert_non_null (strstr (e->text, "= γ after − γ before = "));
    assert_non_null (strstr (e->text, "= β after − β before = "));
  }
}

/* Scrubbed back on the timeline, the "Optimizer (adam)" section explains
 * the past with the past's state: for a weight and a bias, m and v equal
 * the live optimizer's as it was after that step in step mode (kept then,
 * not restored from the recording), t is that step's and the heading
 * names it.  Shown while the stepper stands at an Update stop, the past is
 * at rest (no update explained from the present's cycle); Back to Now
 * gives the present's state unchanged, and its Update stop explained as
 * before. */
void
test_explain_optimizer_past (void **state)
{
  enum { STEPS = 6, PAST = 3 };
  g_autoptr(BpvSession) s = default_session ();
  BpvHit edge = { BPV_HIT_EDGE, 2, 1, 4 };
  BpvHit unit = { BPV_HIT_NEURON, 2, 1, 0 };
  const BpNetwork *net = bpv_session_get_network (s);
  gsize w = (gsize) (net->layers[1].W - net->params) + 1 * net->layers[1].in + 4;
  gsize b = (gsize) (net->layers[1].b - net->params) + 1;
  BpOptimizer *kept[STEPS + 1] = { NULL };
  g_autoptr(BpOptimizer) present = NULL;
  g_autoptr(GError) error = NULL;
  BpvExplanation *ex;

  (void) state;
  assert_true (bpv_session_set_optimizer (s, "adam", NULL));
  kept[0] = bp_optimizer_copy (bpv_session_get_optimizer (s));
  for (guint64 k = 1; k <= STEPS; k++)
    {
      for (int stop = 0; stop < 100 && bpv_session_get_step_count (s) < k; stop++)
        assert_true (bpv_session_step (s, NULL));
      kept[k] = bp_optimizer_copy (bpv_session_get_optimizer (s));
    }
  step_to_update (s, 1);  /* the Update stop of step STEPS + 1 */
  present = bp_optimizer_copy (bpv_session_get_optimizer (s));
  assert_int_equal (present->t, STEPS + 1);

  if (!bpv_session_show_step (s, PAST, &error))
    fail_msg ("%s", error->message);
  assert_int_equal (bpv_session_get_shown_step (s), PAST);
  assert_int_equal (bpv_session_get_shown_optimizer (s)->t, PAST);
  /* The same copy until the shown step changes. */
  assert_ptr_equal (bpv_session_get_shown_optimizer (s), bpv_session_get_shown_optimizer (s));
  ex = bpv_explain (s, &edge);
  assert_true (ex->has_optimizer);
  assert_false (ex->optimizer.has_terms);
  assert_true (isnan (ex->weight_after));
  assert_string_equal (ex->optimizer.slot_names[0], "m");
  assert_string_equal (ex->optimizer.slot_names[1], "v");
  assert_true (ex->optimizer.slots[0] == kept[PAST]->state_views[0][w]);
  assert_true (ex->optimizer.slots[1] == kept[PAST]->state_views[1][w]);
  /* … not the present's. */
  assert_true (ex->optimizer.slots[0] != present->state_views[0][w]);
  assert_non_null (strstr (ex->text, "Optimizer (adam) at step 3  after 3 steps: m = "));
  assert_null (strstr (ex->text, "update (adam)"));
  /* The next step's m̂, v̂ from the past's state and the past's gradient. */
  assert_adam_next_step (kept[PAST], &ex->optimizer, ex->text, w, ex->weight, ex->batch_gradient);
  assert_true (ex->batch_gradient == bpv_session_get_network (s)->grads[w]);
  bpv_explanation_free (ex);

  ex = bpv_explain (s, &unit);
  assert_true (ex->optimizer.slots[0] == kept[PAST]->state_views[0][b]);
  assert_true (ex->optimizer.slots[1] == kept[PAST]->state_views[1][b]);
  assert_true (isnan (ex->bias_after));
  assert_non_null (strstr (ex->text, "Optimizer (adam) for b(2)₂ at step 3  after 3 steps: m = "));
  bpv_explanation_free (ex);

  /* Another kept step: another state. */
  assert_true (bpv_session_show_step (s, 1, NULL));
  ex = bpv_explain (s, &edge);
  assert_true (ex->optimizer.slots[0] == kept[1]->state_views[0][w]);
  assert_true (ex->optimizer.slots[1] == kept[1]->state_views[1][w]);
  assert_non_null (strstr (ex->text, "after 1 steps: m = "));
  bpv_explanation_free (ex);

  /* Back to Now: the present's state, untouched, and its Update stop. */
  bpv_session_show_present (s);
  assert_ptr_equal (bpv_session_get_shown_optimizer (s), bpv_session_get_optimizer (s));
  assert_memory_equal (bpv_session_get_optimizer (s)->state, present->state,
                       bp_optimizer_state_size (present) * sizeof (double));
  assert_int_equal (bpv_session_get_optimizer (s)->t, STEPS + 1);
  ex = bpv_explain (s, &edge);
  assert_true (ex->optimizer.has_terms);
  assert_int_equal (ex->optimizer.t, STEPS + 1);
  assert_true (ex->optimizer.ex.derived[0].value == present->state_views[0][w]);
  assert_null (strstr (ex->text, " at step "));
  bpv_explanation_free (ex);

  /* Stepping from a past step goes on from the present (the past is not
   * a place to step from: Resume from Here forks). */
  assert_true (bpv_session_show_step (s, PAST, NULL));
  assert_true (bpv_session_step (s, NULL));
  assert_false (bpv_session_is_viewing_past (s));
  ex = bpv_explain (s, &edge);
  assert_true (ex->optimizer.slots[0] == bpv_session_get_optimizer (s)->state_views[0][w]);
  bpv_explanation_free (ex);

  for (gsize k = 0; k <= STEPS; k++)
    bp_optimizer_free (kept[k]);
}
