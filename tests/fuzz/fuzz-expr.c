/* fuzz-expr.c — the calculator and the named quantities (bp-expr.h) on any
 * text: what a learner types into the answer box and what a lesson file
 * says its answer is.
 *
 * The text is evaluated three ways: as a calculator (no quantities), on a
 * small network with batch norm, a skip and dropout after one pass (every
 * quantity exists), and as `lesson check` does (the shape only).
 *
 * Contracts checked:
 *  - TRUE gives a finite number and sets no error; FALSE sets one
 *    BP_EXPR_ERROR and leaves the result alone;
 *  - every error but a non-finite result names its place, "at character
 *    N: …", with 1 ≤ N ≤ the text's length in characters + 1;
 *  - what evaluates on the network also passes the shape check, and what
 *    the calculator evaluates gives the same number on the network;
 *  - bp_expr_substitute at 17 digits gives text the calculator reads back
 *    to the very same number;
 *  - bp_expr_close accepts a number as its own answer.
 */
#include "fuzz-common.h"

#include <math.h>
#include <string.h>

#include "bp-expr.h"
#include "bp-network.h"

static BpNetwork *net;
static BpTrace *trace;

static void
make_network (void)
{
  static const double x[6] = { 0.5, -1.0, 0.25, 2.0, -0.75, 1.5 };
  static const double y[3] = { 1.0, 0.0, 1.0 };
  BpRng rng;

  net = bp_network_new (2, NULL);
  bp_network_add_layer (net, 2, "tanh", NULL, NULL);
  bp_network_add_batchnorm (net, 1e-5, 0.1, "relu", NULL);
  bp_network_add_layer (net, 2, "sigmoid", NULL, NULL);
  bp_network_set_skip (net, 2, 1, NULL);
  bp_network_add_dropout (net, 0.5, NULL);
  bp_network_add_layer (net, 1, "sigmoid", NULL, NULL);
  bp_network_set_cost (net, "bce", NULL, NULL);
  bp_rng_init (&rng, 3);
  bp_network_init_weights (net, BP_INIT_GLOROT_UNIFORM, &rng);
  bp_network_seed (net, 5);
  trace = bp_trace_new (net, 3);
  bp_network_gradients (net, trace, x, y, 3);
}

static void
check_verdict (const char *text,
               gboolean    ok,
               double      v,
               GError     *error)
{
  if (ok)
    {
      FUZZ_ASSERT (error == NULL, "error set on success: %s", error->message);
      FUZZ_ASSERT (isfinite (v), "‘%s’ gave %g", text, v);
      FUZZ_ASSERT (bp_expr_close (v, v, 3, 0, 0), "%.17g is not close to itself", v);
      return;
    }
  FUZZ_ASSERT (error != NULL && error->domain == BP_EXPR_ERROR, "no BP_EXPR_ERROR for ‘%s’",
               text);
  FUZZ_ASSERT (v == 12345.0, "the result was written on failure");
  if (error->code != BP_EXPR_ERROR_MATH && g_utf8_validate (text, -1, NULL))
    {
      long at = 0;

      FUZZ_ASSERT (sscanf (error->message, "at character %ld:", &at) == 1,
                   "the error does not name its place: %s", error->message);
      FUZZ_ASSERT (at >= 1 && at <= g_utf8_strlen (text, -1) + 1, "character %ld of ‘%s’", at,
                   text);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(GError) e1 = NULL;
  g_autoptr(GError) e2 = NULL;
  g_autoptr(GError) e3 = NULL;
  BpExprContext ctx;
  double calc = 12345.0, live = 12345.0;
  gboolean ok_calc, ok_live, ok_shape;

  fuzz_init ();
  if (net == NULL)
    make_network ();
  ctx = (BpExprContext) { net, trace, 1, NULL, trace->loss, 0.1, NULL };

  ok_calc = bp_expr_eval (text, NULL, &calc, &e1);
  check_verdict (text, ok_calc, calc, e1);
  ok_live = bp_expr_eval (text, &ctx, &live, &e2);
  check_verdict (text, ok_live, live, e2);
  ok_shape = bp_expr_check (text, net, &e3);
  if (!ok_shape)
    FUZZ_ASSERT (e3 != NULL && e3->domain == BP_EXPR_ERROR, "no error from the shape check");
  FUZZ_ASSERT (!ok_live || ok_shape, "‘%s’ evaluates but fails the shape check: %s", text,
               e3 != NULL ? e3->message : "");
  FUZZ_ASSERT (!ok_calc || (ok_live && (live == calc || (isnan (live) && isnan (calc)))),
               "‘%s’: the calculator gives %.17g, the network %.17g", text, calc, live);
  /* the values put in at 17 digits: the calculator gives the same bits */
  {
    g_autofree char *sub = bp_expr_substitute (text, &ctx, 17, NULL, NULL);
    double back = NAN;

    FUZZ_ASSERT ((sub != NULL) == ok_live, "substitute and eval disagree on ‘%s’", text);
    if (sub != NULL)
      FUZZ_ASSERT (bp_expr_eval (sub, NULL, &back, NULL) && back == live,
                   "‘%s’ → ‘%s’ gives %.17g, not %.17g", text, sub, back, live);
  }
  return 0;
}
