/* test-quiz.c — questions generated from the live network (bpv-quiz.h):
 * on random networks (several seeds, every built-in cost, mean and sum)
 * and on the shipped examples with skips, batch norm and dropout, at every
 * stop of a step, every topic:
 *   - a numeric answer is the trace's value and the inspector's, its
 *     worked expression reads back to it, the answer typed to 3 s.f. or as
 *     that expression is accepted and a value 1 % off is not;
 *   - exactly one choice is right, every other names its mistake, and the
 *     right one IS the formula for this network (checked on the numbers:
 *     finite differences, the backward pass's δ);
 *   - predict-sign agrees with stepping the optimizer, predict-dead with
 *     the trace, predict-smallest-norm with the norms;
 *   - the same context and seed give the same question.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bp-optimizer.h"
#include "bpv-explain.h"
#include "bpv-quiz.h"
#include "bpv-session.h"
#include "test-session.h"

#define N_KINDS BPV_QUESTION_N_KINDS

/* How often each topic was asked, over the whole program. */
static GHashTable *asked;

static void
count_topic (const char *topic)
{
  if (asked == NULL)
    asked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_insert (asked, g_strdup (topic),
                       GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (asked, topic)) + 1));
}

static double
eval_in (const BpvQuizContext *ctx,
         const char           *text)
{
  g_autoptr(GError) error = NULL;
  BpExprContext e;
  double v = NAN;

  bpv_quiz_context_to_expr (ctx, &e);
  if (!bp_expr_eval (text, &e, &v, &error))
    fail_msg ("‘%s’: %s", text, error->message);
  return v;
}

static gboolean
typed_ok (const BpvQuestion *q,
          const char        *typed)
{
  g_autoptr(GError) error = NULL;
  gboolean correct = FALSE;

  if (!bpv_question_check (q, typed, &correct, NULL, &error))
    fail_msg ("‘%s’ does not parse: %s", typed, error->message);
  return correct;
}

/* What every numeric question must do. */
static void
check_numeric (const BpvQuizContext *ctx,
               const BpvQuestion    *q)
{
  g_autoptr(GError) error = NULL;
  char buf[64];
  double v;
  gboolean correct;

  assert_non_null (q->quantity);
  assert_non_null (q->tolerance_text);
  assert_non_null (q->uses);
  assert_int_equal (q->sig_figs, 3);
  assert_true (isfinite (q->answer));
  /* the answer is the quantity's value on the pass shown */
  assert_close (eval_in (ctx, q->quantity), q->answer, 1e-12);
  /* the worked expression is in the worked text and multiplies out */
  assert_non_null (q->worked_expr);
  if (strstr (q->worked_plain, q->worked_expr) == NULL)
    fail_msg ("the worked text does not show ‘%s’: %s", q->worked_expr, q->worked_plain);
  assert_true (bp_expr_eval (q->worked_expr, NULL, &v, NULL));
  if (!bp_expr_close (v, q->answer, 3, 0, 0))
    fail_msg ("%s: ‘%s’ = %.17g is not %.17g", q->topic, q->worked_expr, v, q->answer);
  /* typed to 3 s.f., or as the worked expression: right; 1 % off: wrong */
  g_snprintf (buf, sizeof buf, "%.3g", q->answer);
  if (!typed_ok (q, buf))
    fail_msg ("%s: %s typed for %.17g was refused", q->topic, buf, q->answer);
  assert_true (typed_ok (q, q->worked_expr));
  if (q->answer != 0)
    {
      g_snprintf (buf, sizeof buf, "%.6g", q->answer * 1.01);
      assert_false (typed_ok (q, buf));
    }
  /* not a number: an error, not a wrong answer */
  assert_false (bpv_question_check (q, "0,5", &correct, NULL, &error));
  assert_non_null (strstr (error->message, "use a point"));
  /* the answer is not in the prompt */
  if (fabs (q->answer) > 0)
    {
      g_autofree char *shown = bpv_format_number (q->answer);

      if (strlen (shown) > 3 && strstr (q->prompt_plain, shown) != NULL)
        fail_msg ("the prompt gives the answer %s: %s", shown, q->prompt_plain);
    }
}

/* What every choice question must do. */
static void
check_choices (const BpvQuestion *q)
{
  g_autoptr(GError) error = NULL;
  gsize n_right = 0;

  assert_true (q->n_choices >= 2);
  assert_true (q->correct < q->n_choices);
  for (gsize i = 0; i < q->n_choices; i++)
    {
      char idx[16];

      assert_non_null (q->choices[i].plain);
      assert_non_null (q->choices[i].markup);
      if (q->choices[i].mistake == NULL)
        {
          n_right++;
          assert_int_equal (i, q->correct);
        }
      else
        assert_true (strlen (q->choices[i].mistake) > 10);
      for (gsize m = 0; m < i; m++)
        assert_string_not_equal (q->choices[i].plain, q->choices[m].plain);
      g_snprintf (idx, sizeof idx, "%zu", i);
      assert_true (typed_ok (q, idx) == (i == q->correct));
    }
  assert_int_equal (n_right, 1);
  assert_false (bpv_question_check (q, "99", NULL, NULL, &error));
  assert_true (g_error_matches (error, BPV_QUIZ_ERROR, BPV_QUIZ_ERROR_ANSWER));
  if (q->kind != BPV_QUESTION_PREDICT && strstr (q->prompt_plain, q->choices[q->correct].plain))
    fail_msg ("the prompt gives the answer ‘%s’: %s", q->choices[q->correct].plain, q->prompt_plain);
}

static void
check_highlights (const BpNetwork   *net,
                  const BpvQuestion *q)
{
  if (q->n_highlights < 1)
    fail_msg ("%s: nothing highlighted", q->topic);
  for (gsize i = 0; i < q->n_highlights; i++)
    {
      const BpvHit *h = &q->highlights[i];

      assert_true (h->layer <= net->n_layers);
      if (h->kind == BPV_HIT_NEURON)
        assert_true (h->j < (h->layer == 0 ? net->n_inputs : net->layers[h->layer - 1].out));
      else if (h->kind == BPV_HIT_EDGE)
        {
          assert_true (h->layer >= 1);
          assert_true (h->j < net->layers[h->layer - 1].out);
          assert_true (h->k < net->layers[h->layer - 1].in);
        }
      else
        assert_int_equal (h->kind, BPV_HIT_SKIP);
    }
}

/* W at p as the shown pass used it (at the UPDATE stop the network has
 * the new weights already). */
static double
shown_w (const BpvQuizContext *ctx,
         const double         *p)
{
  return ctx->params != NULL ? ctx->params[p - ctx->net->params] : *p;
}

static const char *
prime_name (const BpLayer *L)
{
  return strcmp (L->act->id, "sigmoid") == 0 ? "σ" : L->act->id;
}

/* The right choice IS the formula: checked on this network's numbers. */
static void
check_right_formula (const BpvQuizContext *ctx,
                     const BpvQuestion    *q)
{
  const BpNetwork *net = ctx->net;
  const BpTrace *t = ctx->trace;
  const char *right = q->kind == BPV_QUESTION_NUMERIC ? NULL : q->choices[q->correct].plain;
  gsize s = ctx->sample, N = net->n_layers, j;

  if (strcmp (q->topic, "expr-da-da") == 0)
    {
      const BpLayer *L;
      g_autofree char *want = NULL;
      gboolean skip;

      assert_int_equal (sscanf (q->prompt_plain, "Which expression is ∂a(%zu)", &j), 1);
      L = &net->layers[j - 1];
      skip = L->skip_from == (gssize) j - 1;
      want = g_strdup_printf ("%s′(z(%zu)) W(%zu)%s", prime_name (L), j, j, skip ? " + I" : "");
      assert_string_equal (right, want);
      /* σ′(z(j)) W(j) against a central difference of a(j) in a(j−1) */
      for (gsize u = 0; u < L->out; u++)
        for (gsize v = 0; v < L->in; v++)
          {
            double z = bp_trace_z (t, j - 1, s)[u], w = shown_w (ctx, &L->W[u * L->in + v]), h = 1e-6;
            double fz = L->skip_from >= 0 ? t->h[j - 1][s * L->out + u] : bp_trace_a (t, j - 1, s)[u];
            double fd = (L->act->f (z + h * w, L->act_params) - L->act->f (z - h * w, L->act_params))
                        / (2 * h);

            if (fabs (z) > 1e-4 || strcmp (L->act->id, "relu") != 0)
              assert_true (fabs (L->act->df (z, fz, L->act_params) * w - fd) <= 1e-6 * (1 + fabs (fd)));
          }
    }
  else if (strcmp (q->topic, "expr-dC-dz-out") == 0)
    {
      const BpLayer *L = &net->layers[N - 1];
      double scale = net->reduction == BP_REDUCTION_MEAN ? 1.0 / t->batch : 1.0;
      gboolean slope = strcmp (net->cost->id, "mse") == 0 && strcmp (L->act->id, "linear") != 0;
      g_autofree char *want = NULL;

      want = g_strdup_printf ("(a(%zu) − y)%s%s%s%s", N, scale != 1.0 || net->reduction
                              == BP_REDUCTION_MEAN ? "/B" : "", slope ? " ⊙ " : "",
                              slope ? prime_name (L) : "", slope ? "′" : "");
      if (slope)
        {
          g_autofree char *tail = g_strdup_printf ("(z(%zu))", N);
          g_autofree char *w2 = g_strconcat (want, tail, NULL);

          assert_string_equal (right, w2);
        }
      else
        assert_string_equal (right, want);
      for (gsize u = 0; u < L->out; u++)
        {
          double a = bp_trace_a (t, N - 1, s)[u], y = t->target[s * L->out + u];
          double d = (a - y) * scale;

          if (slope)
            d *= L->act->df (bp_trace_z (t, N - 1, s)[u], a, L->act_params);
          assert_true (fabs (d - bp_trace_dC_dz (t, N - 1, s)[u])
                       <= 1e-12 * fabs (d) + 1e-15);
        }
    }
  else if (strcmp (q->topic, "expr-delta-rec") == 0)
    {
      const BpLayer *L, *next;
      gboolean any_skip = FALSE;

      assert_int_equal (sscanf (q->prompt_plain, "Which expression gives δ(%zu)", &j), 1);
      L = &net->layers[j - 1];
      next = &net->layers[j];
      g_autofree char *head = g_strdup_printf ("%s′(z(%zu)) ⊙ (W(%zu)ᵀ δ(%zu)", prime_name (L), j,
                                               j + 1, j + 1);
      assert_true (g_str_has_prefix (right, head));
      /* δ(j) = σ′(z(j)) ⊙ (W(j+1)ᵀ δ(j+1) + ∂C/∂a(n) of each skip out of a(j)) */
      for (gsize u = 0; u < L->out; u++)
        {
          double g = 0, d;

          for (gsize k = 0; k < next->out; k++)
            g += shown_w (ctx, &next->W[k * next->in + u]) * bp_trace_dC_dz (t, j, s)[k];
          for (gsize n = j + 1; n <= N; n++)
            if (net->layers[n - 1].skip_from == (gssize) j)
              {
                g += bp_trace_dC_da (t, n - 1, s)[u];
                any_skip = TRUE;
              }
          d = L->act->df (bp_trace_z (t, j - 1, s)[u],
                          L->skip_from >= 0 ? t->h[j - 1][s * L->out + u] : bp_trace_a (t, j - 1, s)[u],
                          L->act_params) * g;
          if (!(fabs (d - bp_trace_dC_dz (t, j - 1, s)[u]) <= 1e-10 * fabs (d) + 1e-15))
            fail_msg ("δ(%zu)%zu = %.17g, the formula gives %.17g (%s, layer types %d %d, skip %d)",
                      j, u, bp_trace_dC_dz (t, j - 1, s)[u], d, L->act->id, L->type, next->type,
                      (int) L->skip_from);
        }
      assert_true ((strstr (right, "∂C/∂a(") != NULL) == any_skip);
    }
  else if (strcmp (q->topic, "predict-smallest-norm") == 0)
    {
      gsize best = G_MAXSIZE;
      double best_norm = INFINITY;
      g_autofree char *want = NULL;

      for (gsize l = 0; l < N; l++)
        {
          const BpLayer *L = &net->layers[l];
          double sum = 0;

          if (L->type == BP_LAYER_DROPOUT)
            continue;
          for (gsize i = 0; i < bp_layer_n_weights (L); i++)
            sum += L->dW[i] * L->dW[i];
          if (sqrt (sum) < best_norm)
            {
              best_norm = sqrt (sum);
              best = l;
            }
        }
      want = g_strdup_printf ("%s(%zu)", net->layers[best].type == BP_LAYER_DENSE ? "W" : "γ",
                              best + 1);
      assert_string_equal (right, want);
    }
  else if (strcmp (q->topic, "predict-dead") == 0)
    {
      g_autoptr(GString) want = g_string_new (NULL);
      gsize n, count = 0;

      assert_int_equal (sscanf (q->prompt_plain, "Which units of layer %zu", &n), 1);
      for (gsize u = 0; u < net->layers[n - 1].out; u++)
        {
          gboolean dead = TRUE;

          for (gsize r = 0; r < t->batch; r++)
            dead &= bp_trace_z (t, n - 1, r)[u] <= 0;
          if (dead)
            g_string_append_printf (want, "%s%zu", count++ > 0 ? ", " : "", u + 1);
        }
      if (count == 0)
        g_string_assign (want, "none");
      else
        g_string_prepend (want, count == 1 ? "unit " : "units ");
      assert_string_equal (right, want->str);
    }
  else if (strcmp (q->topic, "predict-sign") == 0 && strcmp (ctx->optimizer->id, "sgd") == 0
           && ctx->optimizer->weight_decay == 0)
    {
      /* plain SGD: against the gradient */
      const BpvHit *h = &q->highlights[0];
      const BpLayer *L = &net->layers[h->layer - 1];

      assert_int_equal (h->kind, BPV_HIT_EDGE);
      assert_string_equal (right, L->dW[h->j * L->in + h->k] < 0 ? "up" : "down");
    }
  else if (strcmp (q->topic, "factor") == 0)
    {
      assert_non_null (strstr (q->prompt_plain, "▢"));
      assert_non_null (strstr (q->worked_plain, right));
    }
}

/* Every topic with a few seeds: the invariants, and the same question
 * again from the same seed. */
static void
ask_everything (const BpvQuizContext *ctx)
{
  for (int kind = 0; kind < N_KINDS; kind++)
    for (const char *const *topic = bpv_quiz_topics (kind); *topic != NULL; topic++)
      for (guint64 seed = 0; seed < 3; seed++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(BpvQuestion) q = bpv_quiz_generate (ctx, kind, *topic, seed, &error);
          g_autoptr(BpvQuestion) again = NULL;

          if (q == NULL)
            {
              assert_true (g_error_matches (error, BPV_QUIZ_ERROR, BPV_QUIZ_ERROR_NOTHING_FITS));
              assert_true (strlen (error->message) > 5);
              continue;
            }
          count_topic (*topic);
          assert_string_equal (q->topic, *topic);
          assert_int_equal (q->kind, kind);
          assert_true (strlen (q->prompt_plain) > 10);
          assert_true (strlen (q->worked_plain) > 10);
          check_highlights (ctx->net, q);
          if (kind == BPV_QUESTION_NUMERIC)
            check_numeric (ctx, q);
          else
            check_choices (q);
          check_right_formula (ctx, q);

          again = bpv_quiz_generate (ctx, kind, *topic, seed, NULL);
          assert_non_null (again);
          assert_string_equal (again->prompt_plain, q->prompt_plain);
          assert_string_equal (again->worked_plain, q->worked_plain);
          assert_int_equal (again->correct, q->correct);
          for (gsize i = 0; i < q->n_choices; i++)
            assert_string_equal (again->choices[i].plain, q->choices[i].plain);
        }
}

/* ------------------------------------------------------- random networks */

typedef struct
{
  const char *cost;
  const char *out_act;
  gsize       n_out;
} CostCase;

static const CostCase costs[] = {
  { "mse", "linear", 2 },
  { "mse", "sigmoid", 1 },
  { "mse", "tanh", 2 },
  { "bce", "sigmoid", 2 },
  { "softmax_ce", "softmax", 3 },
};

static const char *const hidden_acts[] = { "sigmoid", "tanh", "relu", "leaky_relu", "softplus" };

static void
test_random_networks (void **state)
{
  (void) state;

  for (guint64 seed = 1; seed <= 4; seed++)
    for (gsize c = 0; c < G_N_ELEMENTS (costs); c++)
      for (int reduction = 0; reduction < 2; reduction++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(BpNetwork) net = bp_network_new (3, &error);
          g_autoptr(BpTrace) trace = NULL;
          g_autoptr(BpOptimizer) opt = NULL;
          static const char *const opts[] = { "sgd", "momentum", "adam" };
          gsize B = (seed % 2) ? 4 : 1, n_hidden = 1 + seed % 3;
          g_autofree double *x = NULL, *y = NULL;
          BpvQuizContext ctx;
          BpRng rng;

          bp_rng_init (&rng, seed * 100 + c);
          for (gsize l = 0; l < n_hidden; l++)
            assert_true (bp_network_add_layer (net, 2 + bp_rng_below (&rng, 4),
                                               hidden_acts[bp_rng_below (&rng, 5)], NULL, &error));
          assert_true (bp_network_add_layer (net, costs[c].n_out, costs[c].out_act, NULL, &error));
          assert_true (bp_network_set_cost (net, costs[c].cost, NULL, &error));
          net->reduction = reduction ? BP_REDUCTION_SUM : BP_REDUCTION_MEAN;
          bp_network_init_weights (net, BP_INIT_GLOROT_UNIFORM, &rng);
          x = g_new (double, B * 3);
          y = g_new0 (double, B * costs[c].n_out);
          for (gsize i = 0; i < B * 3; i++)
            x[i] = bp_rng_range (&rng, -2, 2);
          for (gsize r = 0; r < B; r++)
            {
              if (strcmp (costs[c].cost, "softmax_ce") == 0)
                y[r * costs[c].n_out + bp_rng_below (&rng, costs[c].n_out)] = 1;
              else
                for (gsize k = 0; k < costs[c].n_out; k++)
                  y[r * costs[c].n_out + k] = strcmp (costs[c].cost, "bce") == 0
                                              ? (double) bp_rng_below (&rng, 2)
                                              : bp_rng_range (&rng, -1, 1);
            }
          trace = bp_trace_new (net, B);
          /* the optimizer with some state: a step taken first */
          opt = bp_optimizer_new (NULL, opts[seed % 3], net->n_params, &error);
          assert_non_null (opt);
          bp_network_gradients (net, trace, x, y, B);
          bp_optimizer_step (opt, net->params, net->grads);
          bp_network_gradients (net, trace, x, y, B);

          bpv_quiz_context_init (&ctx);
          ctx.net = net;
          ctx.trace = trace;
          ctx.sample = B - 1;
          ctx.cost = trace->loss;
          ctx.optimizer = opt;
          ask_everything (&ctx);
        }
}

/* --------------------------------------------------------- the examples */

/* Numeric answers compared with the inspector's. */
static guint n_inspected;

/* A numeric answer is the inspector's number for the unit or weight it
 * highlights first. */
static void
check_against_inspector (BpvSession        *s,
                         const BpvQuestion *q)
{
  g_autoptr(BpvExplanation) ex = NULL;
  const BpvHit *h = &q->highlights[0];
  double shown = NAN;

  if (q->kind != BPV_QUESTION_NUMERIC || strcmp (q->topic, "numeric-cost") == 0)
    return;
  ex = bpv_explain (s, h);
  assert_non_null (ex);
  if (strcmp (q->topic, "numeric-dW") == 0)
    shown = ex->batch == 1 ? ex->batch_gradient : ex->product;
  else if (strcmp (q->topic, "numeric-delta") == 0)
    shown = ex->neuron_delta;
  else if (strcmp (q->topic, "numeric-z") == 0)
    shown = ex->z;
  else if (strcmp (q->topic, "numeric-a") == 0)
    shown = ex->a;
  else if (strcmp (q->topic, "numeric-sigma-prime") == 0)
    shown = ex->dsigma;
  /* a value the stop has not computed yet is NaN in the inspector: the
   * question asked for the next one */
  if (!isnan (shown))
    {
      assert_close (q->answer, shown, 1e-12);
      n_inspected++;
    }
}

/* A numeric question in step mode asks only for what the stop lets one
 * compute: δ(n) of a hidden layer once δ(n+1) is shown, z(n) once a(n−1)
 * is.  n is 1-based; the session takes the C index n − 1. */
static void
check_known (BpvSession        *s,
             const BpvQuestion *q)
{
  gsize n, j;

  if (q->kind == BPV_QUESTION_NUMERIC && sscanf (q->quantity, "delta(%zu)[%zu]", &n, &j) == 2
      && n < bpv_session_get_network (s)->n_layers)
    assert_true (bpv_session_backward_known (s, n));
  if (q->kind == BPV_QUESTION_NUMERIC && sscanf (q->quantity, "z(%zu)[%zu]", &n, &j) == 2)
    assert_true (n == 1 || bpv_session_forward_known (s, n - 2));
}

static void
test_examples_every_stop (void **state)
{
  static const char *const examples[] = { "chain-rule", "xor", "deep-sigmoid-skips",
                                           "deep-sigmoid-batchnorm", "dropout", "spirals-relu",
                                           "iris" };

  (void) state;
  for (gsize e = 0; e < G_N_ELEMENTS (examples); e++)
    {
      g_autoptr(BpvSession) s = example_session (examples[e]);
      BpvStepper *st = bpv_session_get_stepper (s);
      int stops = 0;

      do
        {
          BpvQuizContext ctx;

          assert_true (bpv_session_step (s, NULL));
          stops++;
          bpv_quiz_context_from_session (&ctx, s);
          ask_everything (&ctx);
          for (int kind = 0; kind < N_KINDS; kind++)
            {
              g_autoptr(BpvQuestion) q = bpv_quiz_generate (&ctx, kind, NULL, stops, NULL);

              if (q == NULL)
                continue;
              check_against_inspector (s, q);
              check_known (s, q);
            }
        }
      while (bpv_stepper_get_phase (st) != BPV_STEP_UPDATE && stops < 200);
    }
  assert_true (n_inspected >= 20);
}

/* predict-sign against stepping: the answer at the last stop before the
 * update is what the update does, for SGD, momentum and Adam. */
static void
test_predict_sign_steps (void **state)
{
  static const char *const opts[] = { "sgd", "momentum", "adam" };

  (void) state;
  for (gsize o = 0; o < G_N_ELEMENTS (opts); o++)
    {
      g_autoptr(BpvSession) s = example_session ("xor");
      BpvStepper *st;
      int checked = 0;

      assert_true (bpv_session_set_optimizer (s, opts[o], NULL));
      st = bpv_session_get_stepper (s);  /* a new model, a new stepper */
      for (int step = 0; step < 3; step++)
        {
          g_autoptr(GPtrArray) qs = g_ptr_array_new_with_free_func ((GDestroyNotify) bpv_question_free);
          const BpNetwork *net;
          const double *before;

          /* to the last stop before the update: the backward pass at layer 1 */
          do
            assert_true (bpv_session_step (s, NULL));
          while (bpv_stepper_get_position (st)
                 != 2 * (int) bpv_session_get_network (s)->n_layers + 1);
          for (guint64 seed = 0; seed < 6; seed++)
            {
              BpvQuizContext ctx;
              BpvQuestion *q;

              bpv_quiz_context_from_session (&ctx, s);
              q = bpv_quiz_generate (&ctx, BPV_QUESTION_PREDICT, "predict-sign", seed, NULL);
              assert_non_null (q);
              assert_true (q->step_to_see);
              g_ptr_array_add (qs, q);
            }
          assert_true (bpv_session_step (s, NULL));
          assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_UPDATE);
          net = bpv_session_get_network (s);
          before = bpv_stepper_get_params_before (st);
          for (guint i = 0; i < qs->len; i++)
            {
              const BpvQuestion *q = g_ptr_array_index (qs, i);
              const BpvHit *h = &q->highlights[0];
              const BpLayer *L = &net->layers[h->layer - 1];
              gsize idx = (gsize) (L->W - net->params) + h->j * L->in + h->k;
              double d = net->params[idx] - before[idx];

              assert_true (d != 0);
              assert_string_equal (q->choices[q->correct].plain, d > 0 ? "up" : "down");
              checked++;
            }
          /* and the update stop itself asks no more */
          {
            BpvQuizContext ctx;
            g_autoptr(GError) error = NULL;
            g_autoptr(BpvQuestion) q = NULL;

            bpv_quiz_context_from_session (&ctx, s);
            q = bpv_quiz_generate (&ctx, BPV_QUESTION_PREDICT, "predict-sign", 0, &error);
            assert_null (q);
            assert_true (g_error_matches (error, BPV_QUIZ_ERROR, BPV_QUIZ_ERROR_NOTHING_FITS));
          }
        }
      assert_int_equal (checked, 18);
    }
}

static void
test_authored (void **state)
{
  g_autoptr(BpvSession) s = example_session ("xor");
  g_autoptr(GError) error = NULL;
  g_autoptr(BpvQuestion) q = NULL;
  g_autoptr(BpvQuestion) c = NULL;
  static const char *const choices[] = { "<b>W(2)</b>", "W(2)ᵀ", "σ′" };
  BpvQuizContext ctx;
  const BpNetwork *net;
  char buf[64];

  (void) state;
  bpv_quiz_context_from_session (&ctx, s);
  net = ctx.net;
  q = bpv_quiz_authored_numeric (&ctx, "What is <i>B</i> times ∂C/∂W(2)[1,1]?", "dC_dW(2)[1,1] * B",
                                 0, &error);
  assert_non_null (q);
  assert_close (q->answer, net->layers[1].dW[0] * ctx.trace->batch, 1e-15);
  assert_string_equal (q->prompt_plain, "What is B times ∂C/∂W(2)[1,1]?");
  g_snprintf (buf, sizeof buf, "%.3g", q->answer);
  assert_true (typed_ok (q, buf));
  /* the worked answer puts the live numbers in, and they give the answer */
  assert_non_null (q->worked_expr);
  assert_null (strstr (q->worked_expr, "dC_dW"));
  assert_non_null (strstr (q->worked_plain, q->worked_expr));
  assert_true (typed_ok (q, q->worked_expr));
  g_clear_pointer (&q, bpv_question_free);
  q = bpv_quiz_authored_numeric (&ctx, "?", "delt(2)[1]", 3, &error);
  assert_null (q);
  assert_true (g_error_matches (error, BP_EXPR_ERROR, BP_EXPR_ERROR_UNKNOWN_NAME));
  assert_non_null (strstr (error->message, "at character 1: unknown name ‘delt’"));

  c = bpv_quiz_authored_choice ("Which is ∂z(2)/∂a(1)?", choices, 3, 0, "It is <b>W(2)</b>.");
  assert_string_equal (c->choices[0].plain, "W(2)");
  assert_string_equal (c->worked_plain, "It is W(2).");
  assert_true (typed_ok (c, "0"));
  assert_false (typed_ok (c, " 2 "));
}

static void
test_any_kind_and_errors (void **state)
{
  g_autoptr(BpvSession) s = example_session ("chain-rule");
  g_autoptr(GError) error = NULL;
  g_autoptr(BpvQuestion) q = NULL;
  BpvQuizContext ctx;

  (void) state;
  bpv_quiz_context_from_session (&ctx, s);
  /* any kind: something fits the chain-rule example as it opens */
  for (guint64 seed = 0; seed < 8; seed++)
    {
      g_autoptr(BpvQuestion) any = bpv_quiz_generate (&ctx, -1, NULL, seed, &error);

      assert_non_null (any);
    }
  q = bpv_quiz_generate (&ctx, -1, "no-such-topic", 0, &error);
  assert_null (q);
  assert_true (g_error_matches (error, BPV_QUIZ_ERROR, BPV_QUIZ_ERROR_UNKNOWN_TOPIC));
  g_clear_error (&error);
  /* the chain-rule example has no ReLU: no dead units to ask about */
  q = bpv_quiz_generate (&ctx, BPV_QUESTION_PREDICT, "predict-dead", 0, &error);
  assert_null (q);
  assert_true (g_error_matches (error, BPV_QUIZ_ERROR, BPV_QUIZ_ERROR_NOTHING_FITS));
}

static int
every_topic_asked (void **state)
{
  (void) state;
  for (int kind = 0; kind < N_KINDS; kind++)
    for (const char *const *topic = bpv_quiz_topics (kind); *topic != NULL; topic++)
      if (asked == NULL || g_hash_table_lookup (asked, *topic) == NULL)
        {
          print_error ("topic %s was never asked\n", *topic);
          return -1;
        }
  g_clear_pointer (&asked, g_hash_table_unref);
  return 0;
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_random_networks),
    cmocka_unit_test (test_examples_every_stop),
    cmocka_unit_test (test_predict_sign_steps),
    cmocka_unit_test (test_authored),
    cmocka_unit_test (test_any_kind_and_errors),
  };

  return cmocka_run_group_tests (tests, NULL, every_topic_asked);
}
