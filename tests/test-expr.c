/* test-expr.c — the calculator and the named quantities (bp-expr.h): the
 * grammar and its precedence, errors that name the character, the decimal
 * comma refused, every QUANTITY against the trace on a dense network and
 * on tests/cli/layers.json (skips, batch norm, layer norm, dropout),
 * indices out of range naming the range, the shape check of `lesson
 * check`, and the significant-figure tolerance.
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

#include "bp-expr.h"
#include "bp-model.h"
#include "bp-network.h"

static double
calc (const char *text)
{
  g_autoptr(GError) error = NULL;
  double v = NAN;

  if (!bp_expr_eval (text, NULL, &v, &error))
    fail_msg ("‘%s’: %s", text, error->message);
  return v;
}

/* The error of `text` (calculator when ctx is NULL) has `code` and
 * contains `part`. */
static void
expect_error (const char          *text,
              const BpExprContext *ctx,
              int                  code,
              const char          *part)
{
  g_autoptr(GError) error = NULL;
  double v = 12345;

  if (bp_expr_eval (text, ctx, &v, &error))
    fail_msg ("‘%s’ evaluated to %g, expected an error containing ‘%s’", text, v, part);
  assert_true (g_error_matches (error, BP_EXPR_ERROR, code));
  if (strstr (error->message, part) == NULL)
    fail_msg ("‘%s’: the error ‘%s’ does not contain ‘%s’", text, error->message, part);
  assert_true (v == 12345);  /* *out untouched */
}

static void
test_grammar (void **state)
{
  assert_near (calc ("1 + 2 * 3"), 7, 0, 0);
  assert_near (calc ("(1 + 2) * 3"), 9, 0, 0);
  assert_near (calc ("2 ^ 3 ^ 2"), 512, 0, 0);        /* right-associative */
  assert_near (calc ("-2^2"), -4, 0, 0);              /* unary below power */
  assert_near (calc ("2^-1"), 0.5, 0, 0);
  assert_near (calc ("−3 − −2"), -1, 0, 0);           /* the real minus sign */
  assert_near (calc ("6 ÷ 4 × 2"), 3, 0, 0);          /* left to right */
  assert_near (calc ("6 / 4 · 2"), 3, 0, 0);
  assert_near (calc ("10 - 4 - 3"), 3, 0, 0);
  assert_near (calc (".5 + 0.25"), 0.75, 0, 0);
  assert_near (calc ("1e-3"), 0.001, 0, 0);
  assert_near (calc ("1.5E+2"), 150, 0, 0);
  assert_near (calc ("1.234e−5"), 1.234e-5, 0, 0);    /* as the app prints it */
  assert_near (calc ("exp(1) - e"), 0, 0, 1e-15);
  assert_near (calc ("ln(e^2)"), 2, 1e-15, 0);
  assert_near (calc ("log(1000)"), 3, 1e-15, 0);
  assert_near (calc ("sqrt(16) + abs(-3)"), 7, 0, 0);
  assert_near (calc ("sigmoid(0)"), 0.5, 0, 0);
  assert_near (calc ("sigmoid(-800)"), 0, 0, 1e-300);  /* no overflow */
  assert_near (calc ("tanh(0) + relu(-2) + relu(2)"), 2, 0, 0);
  assert_near (calc ("2 * pi"), 2 * G_PI, 0, 0);
  assert_near (calc ("  ( 1 )  "), 1, 0, 0);
}

static void
test_errors (void **state)
{
  expect_error ("1,5", NULL, BP_EXPR_ERROR_SYNTAX, "use a point");
  expect_error ("2 × 1,5", NULL, BP_EXPR_ERROR_SYNTAX, "at character 6: use a point");
  expect_error ("2 * delt", NULL, BP_EXPR_ERROR_UNKNOWN_NAME, "at character 5: unknown name ‘delt’");
  expect_error ("(1 + 2", NULL, BP_EXPR_ERROR_SYNTAX, "at character 7: expected ‘)’");
  expect_error ("1 + ", NULL, BP_EXPR_ERROR_SYNTAX, "expected a number");
  expect_error ("2 3", NULL, BP_EXPR_ERROR_SYNTAX, "at character 3: expected an operator");
  expect_error ("", NULL, BP_EXPR_ERROR_SYNTAX, "empty");
  expect_error ("1 / 0", NULL, BP_EXPR_ERROR_MATH, "infinite");
  expect_error ("ln(-1)", NULL, BP_EXPR_ERROR_MATH, "NaN");
  expect_error ("exp 2", NULL, BP_EXPR_ERROR_SYNTAX, "expected ‘(’");
  /* characters, not bytes: ‘×’ is 2 bytes in UTF-8 */
  expect_error ("2 × × 3", NULL, BP_EXPR_ERROR_SYNTAX, "at character 5:");
  /* a quantity in the calculator */
  expect_error ("delta(2)[1] * 2", NULL, BP_EXPR_ERROR_NOT_ALLOWED,
                "at character 1: ‘delta(2)[1]’ is not a number you can type");
}

static void
test_close (void **state)
{
  /* the design's example: 3 s.f. of 0.012345 */
  assert_true (bp_expr_close (0.0123, 0.012345, 3, 0, 0));
  assert_true (bp_expr_close (0.01235, 0.012345, 3, 0, 0));
  assert_false (bp_expr_close (0.0124, 0.012345, 3, 0, 0));
  assert_true (bp_expr_close (-4.56e-7, -4.5649e-7, 3, 0, 0));
  assert_false (bp_expr_close (4.56e-7, -4.5649e-7, 3, 0, 0));
  /* 1 % off is always refused at 3 s.f. */
  for (double x = 1.001; x < 10; x *= 1.37)
    assert_false (bp_expr_close (x * 1.01, x, 3, 0, 0));
  assert_true (bp_expr_close (0, 0, 3, 0, 0));
  assert_false (bp_expr_close (1e-9, 0, 3, 0, 0));
  assert_true (bp_expr_close (1e-9, 0, 3, 0, 1e-8));
  assert_true (bp_expr_close (1.05, 1.0, 0, 0.1, 0));
  assert_false (bp_expr_close (NAN, 1.0, 3, 0, 0));
}

/* ------------------------------------------------------------- quantities */

/* 3 → 4 sigmoid → 2 sigmoid, bce, B = 3. */
static void
pass_dense (Pass *p)
{
  g_autoptr(GError) error = NULL;
  BpRng rng;
  double x[9], y[6] = { 1, 0, 0, 1, 1, 1 };

  p->model = NULL;
  p->net = bp_network_new (3, &error);
  assert_true (bp_network_add_layer (p->net, 4, "sigmoid", NULL, &error));
  assert_true (bp_network_add_layer (p->net, 2, "sigmoid", NULL, &error));
  assert_true (bp_network_set_cost (p->net, "bce", NULL, &error));
  bp_rng_init (&rng, 11);
  bp_network_init_weights (p->net, BP_INIT_GLOROT_UNIFORM, &rng);
  for (gsize i = 0; i < 9; i++)
    x[i] = bp_rng_range (&rng, -1, 1);
  p->trace = bp_trace_new (p->net, 3);
  bp_network_gradients (p->net, p->trace, x, y, 3);
}

static void
pass_clear (Pass *p)
{
  bp_trace_free (p->trace);
  if (p->model != NULL)
    bp_model_free (p->model);
  else
    bp_network_free (p->net);
}

static double
q (const BpExprContext *ctx,
   const char          *fmt,
   ...)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  va_list args;
  double v = NAN;

  va_start (args, fmt);
  text = g_strdup_vprintf (fmt, args);
  va_end (args);
  if (!bp_expr_eval (text, ctx, &v, &error))
    fail_msg ("‘%s’: %s", text, error->message);
  return v;
}

/* Every quantity of every unit of every layer, against the trace and the
 * network, for each sample shown. */
static void
check_every_quantity (const Pass *p)
{
  const BpNetwork *net = p->net;
  const BpTrace *t = p->trace;
  gsize N = net->n_layers, n_out = bp_network_n_outputs (net);
  g_autofree double *norms = g_new0 (double, N);

  bp_network_grad_norms (net, norms);
  for (gsize s = 0; s < t->batch; s++)
    {
      BpExprContext ctx = { net, t, s, NULL, t->loss, 0.1, NULL };

      assert_near (q (&ctx, "cost"), t->loss, 0, 0);
      assert_near (q (&ctx, "sample_cost"), t->per_sample_loss[s], 0, 0);
      assert_near (q (&ctx, "B"), (double) t->batch, 0, 0);
      assert_near (q (&ctx, "lr"), 0.1, 0, 0);
      for (gsize j = 0; j < n_out; j++)
        assert_near (q (&ctx, "y[%zu]", j + 1), t->target[s * n_out + j], 0, 0);
      for (gsize j = 0; j < net->n_inputs; j++)
        assert_near (q (&ctx, "a(0)[%zu]", j + 1), t->input[s * net->n_inputs + j], 0, 0);
      for (gsize l = 0; l < N; l++)
        {
          const BpLayer *L = &net->layers[l];
          gsize n = l + 1;

          if (L->type != BP_LAYER_DROPOUT)
            assert_near (q (&ctx, "norm_dW(%zu)", n), norms[l], 0, 0);
          for (gsize j = 0; j < L->out; j++)
            {
              assert_near (q (&ctx, "z(%zu)[%zu]", n, j + 1), bp_trace_z (t, l, s)[j], 0, 0);
              assert_near (q (&ctx, "a(%zu)[%zu]", n, j + 1), bp_trace_a (t, l, s)[j], 0, 0);
              assert_near (q (&ctx, "delta(%zu)[%zu]", n, j + 1), bp_trace_dC_dz (t, l, s)[j], 0, 0);
              assert_near (q (&ctx, "dC_da(%zu)[%zu]", n, j + 1), bp_trace_dC_da (t, l, s)[j], 0, 0);
              if (L->type != BP_LAYER_DROPOUT)
                {
                  /* σ′ from its definition, by a central difference of f */
                  double z = bp_trace_z (t, l, s)[j], h = 1e-6;
                  double fd = (L->act->f (z + h, L->act_params) - L->act->f (z - h, L->act_params))
                              / (2 * h);

                  assert_near (q (&ctx, "sigma_prime(%zu)[%zu]", n, j + 1), fd, 1e-6, 1e-8);
                }
              if (L->type == BP_LAYER_DENSE)
                {
                  assert_near (q (&ctx, "b(%zu)[%zu]", n, j + 1), L->b[j], 0, 0);
                  assert_near (q (&ctx, "dC_db(%zu)[%zu]", n, j + 1), L->db[j], 0, 0);
                  for (gsize k = 0; k < L->in; k++)
                    {
                      assert_near (q (&ctx, "W(%zu)[%zu,%zu]", n, j + 1, k + 1), L->W[j * L->in + k],
                                   0, 0);
                      assert_near (q (&ctx, "dC_dW(%zu)[%zu, %zu]", n, j + 1, k + 1),
                                   L->dW[j * L->in + k], 0, 0);
                    }
                }
              else if (L->type != BP_LAYER_DROPOUT)
                {
                  assert_near (q (&ctx, "gamma(%zu)[%zu]", n, j + 1), L->W[j], 0, 0);
                  assert_near (q (&ctx, "beta(%zu)[%zu]", n, j + 1), L->b[j], 0, 0);
                  assert_near (q (&ctx, "dC_dgamma(%zu)[%zu]", n, j + 1), L->dW[j], 0, 0);
                  assert_near (q (&ctx, "dC_dbeta(%zu)[%zu]", n, j + 1), L->db[j], 0, 0);
                }
            }
        }
    }
}

static void
test_quantities_dense (void **state)
{
  Pass p;
  BpExprContext ctx;

  pass_dense (&p);
  check_every_quantity (&p);
  /* arithmetic over quantities: ∂C/∂W(2)[1,3] is Σ_s δ(2)₁ a(1)₃ */
  ctx = (BpExprContext) { p.net, p.trace, 0, NULL, NAN, NAN, NULL };
  {
    double sum = 0;

    for (gsize s = 0; s < 3; s++)
      {
        ctx.sample = s;
        sum += q (&ctx, "delta(2)[1] * a(1)[3]");
      }
    assert_near (sum, p.net->layers[1].dW[2], 1e-14, 1e-300);
  }
  /* the worked answer of a lesson: the quantities' values put in */
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *sub = NULL;
    double v = NAN, back = NAN;

    ctx.sample = 1;
    sub = bp_expr_substitute ("2^delta(2)[1] * (dC_dW(2)[1,3] − -B)", &ctx, 17, &v, &error);
    assert_non_null (sub);
    assert_null (strstr (sub, "delta"));
    assert_null (strstr (sub, "dC_dW"));
    assert_non_null (strstr (sub, " − -3)"));  /* B = 3, the rest of the text kept */
    assert_true (bp_expr_eval (sub, NULL, &back, &error));
    assert_near (back, v, 1e-15, 0);
    assert_near (v, q (&ctx, "2^delta(2)[1] * (dC_dW(2)[1,3] + B)"), 1e-15, 0);
    g_clear_pointer (&sub, g_free);
    sub = bp_expr_substitute ("delta(9)[1]", &ctx, 6, NULL, &error);
    assert_null (sub);
    assert_true (g_error_matches (error, BP_EXPR_ERROR, BP_EXPR_ERROR_RANGE));
  }
  /* unknown values say so */
  expect_error ("cost", &ctx, BP_EXPR_ERROR_UNKNOWN, "cost is not known");
  expect_error ("2 * lr", &ctx, BP_EXPR_ERROR_UNKNOWN, "at character 5: the learning rate");
  /* the parameters the shown pass used, not the network's */
  {
    g_autofree double *old = g_memdup2 (p.net->params, p.net->n_params * sizeof (double));

    old[p.net->layers[0].W - p.net->params + 1] = 42;
    ctx.params = old;
    assert_near (q (&ctx, "W(1)[1,2]"), 42, 0, 0);
    assert_near (q (&ctx, "dC_dW(1)[1,2]"), p.net->layers[0].dW[1], 0, 0);
  }
  pass_clear (&p);
}

static void
test_quantities_layers (void **state)
{
  Pass p;

  pass_layers_json (&p, FALSE);
  check_every_quantity (&p);
  pass_clear (&p);
}

static void
test_ranges (void **state)
{
  Pass p;
  BpExprContext ctx;
  g_autoptr(GError) error = NULL;

  pass_layers_json (&p, FALSE);
  ctx = (BpExprContext) { p.net, p.trace, 0, NULL, NAN, NAN, NULL };
  expect_error ("delta(7)[1]", &ctx, BP_EXPR_ERROR_RANGE,
                "at character 1: layer 7 is out of range: delta(n) has n from 1 to 6");
  expect_error ("1 + a(0)[9]", &ctx, BP_EXPR_ERROR_RANGE,
                "at character 5: unit 9 is out of range: a(0) has units 1 to");
  expect_error ("z(0)[1]", &ctx, BP_EXPR_ERROR_RANGE, "z(n) has n from 1 to 6");
  expect_error ("W(1)[1,99]", &ctx, BP_EXPR_ERROR_RANGE, "column 99 is out of range: W(1) has"
                " columns 1 to");
  expect_error ("W(2)[1,1]", &ctx, BP_EXPR_ERROR_UNKNOWN, "batchnorm layer");
  expect_error ("gamma(1)[1]", &ctx, BP_EXPR_ERROR_UNKNOWN, "only batch-norm and layer-norm");
  expect_error ("sigma_prime(5)[1]", &ctx, BP_EXPR_ERROR_UNKNOWN, "dropout");
  expect_error ("y[0]", &ctx, BP_EXPR_ERROR_RANGE, "unit 0 is out of range: y has units 1 to");
  expect_error ("delta(2)[1.5]", &ctx, BP_EXPR_ERROR_SYNTAX, "whole number");
  expect_error ("W(1)[1]", &ctx, BP_EXPR_ERROR_SYNTAX, "expected ‘,’");

  /* the shape check of lesson check: no values read, the same errors */
  assert_true (bp_expr_check ("dC_dW(1)[1,1] * B + gamma(2)[1] / cost", p.net, &error));
  assert_false (bp_expr_check ("delta(9)[1]", p.net, &error));
  assert_true (g_error_matches (error, BP_EXPR_ERROR, BP_EXPR_ERROR_RANGE));
  assert_non_null (strstr (error->message, "from 1 to 6"));
  g_clear_error (&error);
  assert_false (bp_expr_check ("1 +", p.net, &error));
  g_clear_error (&error);
  /* check mode does not do the arithmetic: 1/0 is the author's business at run time */
  assert_true (bp_expr_check ("1 / (cost - cost)", p.net, &error));
  pass_clear (&p);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_grammar),
    cmocka_unit_test (test_errors),
    cmocka_unit_test (test_close),
    cmocka_unit_test (test_quantities_dense),
    cmocka_unit_test (test_quantities_layers),
    cmocka_unit_test (test_ranges),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
