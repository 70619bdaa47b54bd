/* bp-expr.h — a tiny expression language: the learner's calculator and
 * the answers a lesson computes on the live network.
 *
 *   expr  := sum ;  sum := term (('+' | '-' | '−') term)*
 *   term  := unary (('*' | '/' | '×' | '÷' | '·') unary)*
 *   unary := ('-' | '+' | '−') unary | power ;  power := atom ('^' unary)?
 *   atom  := NUMBER | '(' expr ')' | FUNC '(' expr ')' | QUANTITY | 'e' | 'pi'
 *   FUNC  := exp ln log sqrt abs sigmoid tanh relu       (log is log10)
 *
 * So −2^2 = −4 and 2^3^2 = 2^9.  The decimal point is '.' in every locale:
 * "1,5" is an error that says so, not 15 nor 1.
 *
 * QUANTITYs (only with a context; n, j, k 1-based as the app shows them;
 * the shown sample s):
 *   z(n)[j] a(n)[j] delta(n)[j] dC_da(n)[j] sigma_prime(n)[j] y[j]
 *   W(n)[j,k] b(n)[j] gamma(n)[j] beta(n)[j]
 *   dC_dW(n)[j,k] dC_db(n)[j] dC_dgamma(n)[j] dC_dbeta(n)[j]   (the batch)
 *   cost B lr norm_dW(n) sample_cost (l of the shown sample alone)
 * delta is ∂C/∂z(n) of sample s (with the 1/B of the mean inside, as the
 * trace has it); a(0) is the input.  An index out of range is an error
 * that names the range.
 *
 * Errors (BP_EXPR_ERROR) name the character (1-based, counted in
 * characters, not bytes): "at character 7: unknown name ‘delt’".
 */
#pragma once

#include "bp-network.h"

G_BEGIN_DECLS

#define BP_EXPR_ERROR (bp_expr_error_quark ())
GQuark bp_expr_error_quark (void);

typedef enum
{
  BP_EXPR_ERROR_SYNTAX,       /* does not parse (the message says what was expected) */
  BP_EXPR_ERROR_UNKNOWN_NAME, /* a name that is no function, constant or quantity */
  BP_EXPR_ERROR_RANGE,        /* a layer or unit index out of range */
  BP_EXPR_ERROR_NOT_ALLOWED,  /* a quantity where only numbers may be typed */
  BP_EXPR_ERROR_UNKNOWN,      /* a quantity this network or pass does not have */
  BP_EXPR_ERROR_MATH,         /* the result is not a finite number */
} BpExprError;

typedef struct _BpExprContext BpExprContext;

/* What QUANTITYs read.  Nothing is owned. */
struct _BpExprContext
{
  const BpNetwork *net;      /* shapes, parameters and the batch gradient (net->grads) */
  const BpTrace   *trace;    /* forward and backward have run */
  gsize            sample;   /* the shown sample (row of the trace) */
  const double    *targets;  /* y of the shown sample (n_outputs values); NULL: the trace's */
  double           cost;     /* NaN when unknown */
  double           learning_rate;  /* NaN when unknown */
  /* The parameters the shown pass used, laid out as net->params (at the
   * UPDATE stop of step mode net->params are already the new ones); NULL:
   * net->params. */
  const double    *params;
};

/* Evaluates `text`.  ctx NULL: a calculator (a QUANTITY is an error "…
 * is not a number you can type").  A result that is not finite is an
 * error (BP_EXPR_ERROR_MATH). */
gboolean bp_expr_eval  (const char          *text,
                        const BpExprContext *ctx,
                        double              *out,
                        GError             **error);
/* `text` with each QUANTITY replaced by its value on `ctx` (`digits`
 * significant digits, 1 … 17, in parentheses when negative): the worked
 * answer of a lesson's "dC_dW(2)[1,3] * B" is "0.00301234 * 4".  The
 * value of `text` in *out (may be NULL).  NULL with bp_expr_eval's error.
 * Free with g_free. */
char    *bp_expr_substitute (const char          *text,
                             const BpExprContext *ctx,
                             int                  digits,
                             double              *out,
                             GError             **error);
/* Parses without evaluating: every quantity must exist in `net`'s shape
 * (index ranges, layer types); values are not read (lesson check). */
gboolean bp_expr_check (const char          *text,
                        const BpNetwork     *net,
                        GError             **error);
/* Is `typed` within tolerance of `answer`?  sig_figs > 0:
 * |typed − answer| ≤ 0.5·10^(e−sig_figs+1), e = floor(log10 |answer|)
 * (3 s.f. of 0.012345 accepts 0.0123 and 0.01235, rejects 0.0124); also
 * accepts |typed − answer| ≤ rel·|answer| + abs when rel or abs > 0.  An
 * answer of exactly 0 accepts only 0 (and what abs allows). */
gboolean bp_expr_close (double               typed,
                        double               answer,
                        int                  sig_figs,
                        double               rel,
                        double               abs);

G_END_DECLS
