/* bp-expr.c — the calculator and the named quantities (bp-expr.h): a
 * recursive-descent parser that evaluates as it goes.  In check mode it
 * resolves every quantity against a network's shape and reads no value.
 */
#include "config.h"

#include "bp-expr.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

G_DEFINE_QUARK (bp-expr-error-quark, bp_expr_error)

typedef struct
{
  const char          *text;
  const char          *p;        /* the next character */
  const BpExprContext *ctx;      /* NULL: calculator or check */
  const BpNetwork     *shape;    /* check mode: the network whose shape counts */
  GError             **error;
  gboolean             failed;
  guint                depth;    /* of nested unary operators, powers and parentheses */
  GArray              *spans;    /* bp_expr_substitute: the quantities' Span, or NULL */
} Parser;

/* Where a quantity stands in the text (bytes) and what it was worth. */
typedef struct
{
  gsize  start, end;
  double value;
} Span;

/* Deeper than any formula a person writes; keeps the recursion off the
 * end of the stack on "((((…" or "− − − …" typed or fuzzed. */
#define MAX_DEPTH 200

static double parse_sum (Parser *ps);
static double parse_unary (Parser *ps);

/* The 1-based character position of `at`. */
static glong
char_pos (const Parser *ps,
          const char   *at)
{
  return g_utf8_pointer_to_offset (ps->text, at) + 1;
}

G_GNUC_PRINTF (4, 5)
static double
fail (Parser     *ps,
      const char *at,
      BpExprError code,
      const char *format,
      ...)
{
  g_autofree char *msg = NULL;
  va_list args;

  if (ps->failed)
    return NAN;
  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  /* TRANSLATORS: where a typed expression went wrong, e.g. "at character
   * 7: unknown name ‘delt’" */
  g_set_error (ps->error, BP_EXPR_ERROR, code, _("at character %ld: %s"),
               char_pos (ps, at), msg);
  ps->failed = TRUE;
  return NAN;
}

static void
skip_space (Parser *ps)
{
  while (*ps->p != '\0')
    {
      gunichar c = g_utf8_get_char (ps->p);

      if (!g_unichar_isspace (c))
        break;
      ps->p = g_utf8_next_char (ps->p);
    }
}

/* Consumes `tok` (ASCII or UTF-8) after white space. */
static gboolean
accept (Parser     *ps,
        const char *tok)
{
  gsize n = strlen (tok);

  skip_space (ps);
  if (strncmp (ps->p, tok, n) != 0)
    return FALSE;
  ps->p += n;
  return TRUE;
}

/* What is at p, for a message: "‘x’" or "the end". */
static char *
describe_here (const char *p)
{
  if (*p == '\0')
    return g_strdup (_("the end"));
  return g_strdup_printf ("‘%.*s’", (int) (g_utf8_next_char (p) - p), p);
}

static gboolean
expect (Parser     *ps,
        const char *tok)
{
  g_autofree char *here = NULL;

  if (accept (ps, tok))
    return TRUE;
  here = describe_here (ps->p);
  fail (ps, ps->p, BP_EXPR_ERROR_SYNTAX, _("expected ‘%s’, found %s"), tok, here);
  return FALSE;
}

static double
parse_number (Parser *ps)
{
  const char *start = ps->p, *q = ps->p;
  g_autofree char *copy = NULL;

  while (g_ascii_isdigit (*q))
    q++;
  if (*q == '.')
    {
      q++;
      while (g_ascii_isdigit (*q))
        q++;
    }
  if (*q == 'e' || *q == 'E')
    {
      /* 1e-5, 1e+5, and 1e−5 with the real minus the app shows */
      const char *x = q + 1;
      gboolean minus = FALSE;

      if (*x == '-' || *x == '+')
        minus = *x++ == '-';
      else if (strncmp (x, "−", strlen ("−")) == 0)
        {
          x += strlen ("−");
          minus = TRUE;
        }
      if (g_ascii_isdigit (*x))
        {
          const char *digits = x;

          while (g_ascii_isdigit (*x))
            x++;
          copy = g_strdup_printf ("%.*se%s%.*s", (int) (q - start), start, minus ? "-" : "",
                                  (int) (x - digits), digits);
          ps->p = x;
          return g_ascii_strtod (copy, NULL);
        }
    }
  if (q - start == 1 && *start == '.')
    return fail (ps, start, BP_EXPR_ERROR_SYNTAX, _("a lone ‘.’ is not a number"));
  if (*q == ',' && g_ascii_isdigit (q[1]))
    return fail (ps, q, BP_EXPR_ERROR_SYNTAX,
                 _("use a point for the decimals (1.5, not 1,5)"));
  ps->p = q;
  copy = g_strndup (start, q - start);
  return g_ascii_strtod (copy, NULL);
}

/* An identifier [A-Za-z_][A-Za-z0-9_]* at p, or NULL. */
static char *
read_name (Parser *ps)
{
  const char *q = ps->p;

  if (!(g_ascii_isalpha (*q) || *q == '_'))
    return NULL;
  while (g_ascii_isalnum (*q) || *q == '_')
    q++;
  {
    char *name = g_strndup (ps->p, q - ps->p);
    ps->p = q;
    return name;
  }
}

/* A positive integer index, 1-based. */
static gsize
parse_index (Parser *ps)
{
  const char *start;
  guint64 v = 0;

  skip_space (ps);
  start = ps->p;
  if (!g_ascii_isdigit (*ps->p))
    {
      g_autofree char *here = describe_here (ps->p);
      fail (ps, ps->p, BP_EXPR_ERROR_SYNTAX, _("expected a whole number (an index), found %s"),
            here);
      return 0;
    }
  while (g_ascii_isdigit (*ps->p) && v < G_MAXUINT32)
    v = v * 10 + (guint64) (*ps->p++ - '0');
  if (*ps->p == '.')
    {
      fail (ps, start, BP_EXPR_ERROR_SYNTAX, _("an index is a whole number"));
      return 0;
    }
  return (gsize) v;
}

/* ---------------------------------------------------------------- quantities */

typedef enum
{
  Q_Z, Q_A, Q_DELTA, Q_DC_DA, Q_SIGMA_PRIME, Q_Y,
  Q_W, Q_B, Q_GAMMA, Q_BETA, Q_DW, Q_DB, Q_DGAMMA, Q_DBETA,
  Q_COST, Q_BATCH, Q_LR, Q_NORM_DW, Q_SAMPLE_COST,
} QuantityKind;

typedef struct
{
  const char  *name;
  QuantityKind kind;
  gboolean     layer;    /* takes (n) */
  guint        n_index;  /* [j] = 1, [j,k] = 2 */
} QuantitySpec;

static const QuantitySpec quantities[] = {
  { "z", Q_Z, TRUE, 1 },
  { "a", Q_A, TRUE, 1 },
  { "delta", Q_DELTA, TRUE, 1 },
  { "dC_da", Q_DC_DA, TRUE, 1 },
  { "sigma_prime", Q_SIGMA_PRIME, TRUE, 1 },
  { "y", Q_Y, FALSE, 1 },
  { "W", Q_W, TRUE, 2 },
  { "b", Q_B, TRUE, 1 },
  { "gamma", Q_GAMMA, TRUE, 1 },
  { "beta", Q_BETA, TRUE, 1 },
  { "dC_dW", Q_DW, TRUE, 2 },
  { "dC_db", Q_DB, TRUE, 1 },
  { "dC_dgamma", Q_DGAMMA, TRUE, 1 },
  { "dC_dbeta", Q_DBETA, TRUE, 1 },
  { "cost", Q_COST, FALSE, 0 },
  { "B", Q_BATCH, FALSE, 0 },
  { "lr", Q_LR, FALSE, 0 },
  { "norm_dW", Q_NORM_DW, TRUE, 0 },
  { "sample_cost", Q_SAMPLE_COST, FALSE, 0 },
};

static const QuantitySpec *
find_quantity (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (quantities); i++)
    if (strcmp (quantities[i].name, name) == 0)
      return &quantities[i];
  return NULL;
}

static gboolean
is_norm (const BpLayer *L)
{
  return L->type == BP_LAYER_BATCHNORM || L->type == BP_LAYER_LAYERNORM;
}

/* Checks that the quantity exists in `net` (FALSE after fail ()). */
static gboolean
check_quantity (Parser             *ps,
                const char         *at,
                const QuantitySpec *q,
                const BpNetwork    *net,
                gsize               n,
                gsize               j,
                gsize               k)
{
  gsize N = net->n_layers, n_min = 1, width = 0, cols = 0;
  const BpLayer *L = NULL;

  if (q->kind == Q_A)
    n_min = 0;
  if (q->layer && (n < n_min || n > N))
    {
      fail (ps, at, BP_EXPR_ERROR_RANGE,
            _("layer %zu is out of range: %s(n) has n from %zu"
              " to %zu"),
            n, q->name, n_min, N);
      return FALSE;
    }
  if (q->layer && n >= 1)
    L = &net->layers[n - 1];

  switch (q->kind)
    {
    case Q_W:
    case Q_B:
    case Q_DW:
    case Q_DB:
      if (L->type != BP_LAYER_DENSE)
        {
          fail (ps, at, BP_EXPR_ERROR_UNKNOWN,
                _("layer %zu is a %s layer: it has no %s(%zu)%s"),
                n, bp_layer_type_to_string (L->type), q->kind == Q_W || q->kind == Q_DW ? "W" : "b",
                n, is_norm (L) ? _(" (use gamma and beta)") : "");
          return FALSE;
        }
      cols = L->in;
      break;
    case Q_GAMMA:
    case Q_BETA:
    case Q_DGAMMA:
    case Q_DBETA:
      if (!is_norm (L))
        {
          fail (ps, at, BP_EXPR_ERROR_UNKNOWN,
                _("layer %zu is a %s layer: only batch-norm and layer-norm layers"
                  " have γ and β"),
                n, bp_layer_type_to_string (L->type));
          return FALSE;
        }
      break;
    case Q_SIGMA_PRIME:
      if (L->type == BP_LAYER_DROPOUT || L->act->df == NULL)
        {
          fail (ps, at, BP_EXPR_ERROR_UNKNOWN,
                _("σ′(z(%zu)) is not element-wise here (layer %zu"
                  " is %s): it has a full Jacobian"),
                n, n, L->type == BP_LAYER_DROPOUT ? _("a dropout layer") : L->act->id);
          return FALSE;
        }
      break;
    case Q_NORM_DW:
      if (L->type == BP_LAYER_DROPOUT)
        {
          fail (ps, at, BP_EXPR_ERROR_UNKNOWN,
                _("layer %zu is a dropout layer: it has no parameters"), n);
          return FALSE;
        }
      break;
    default:
      break;
    }

  if (q->n_index == 0)
    return TRUE;
  if (q->kind == Q_Y)
    width = bp_network_n_outputs (net);
  else if (n == 0)
    width = net->n_inputs;
  else
    width = L->out;
  if (j < 1 || j > width)
    {
      g_autofree char *what = q->layer ? g_strdup_printf ("%s(%zu)", q->name, n)
                                       : g_strdup (q->name);
      fail (ps, at, BP_EXPR_ERROR_RANGE,
            _("unit %zu is out of range: %s has units 1 to %zu"),
            j, what, width);
      return FALSE;
    }
  if (q->n_index == 2 && (k < 1 || k > cols))
    {
      fail (ps, at, BP_EXPR_ERROR_RANGE,
            _("column %zu is out of range: %s(%zu) has columns 1"
              " to %zu"),
            k, q->name, n, cols);
      return FALSE;
    }
  return TRUE;
}

/* The parameter block the shown pass used, at the offset of `p` in
 * net->params. */
static const double *
shown_param (const BpExprContext *ctx,
             const double        *p)
{
  if (ctx->params == NULL)
    return p;
  return ctx->params + (p - ctx->net->params);
}

static double
quantity_value (Parser             *ps,
                const char         *at,
                const QuantitySpec *q,
                gsize               n,
                gsize               j,
                gsize               k)
{
  const BpExprContext *ctx = ps->ctx;
  const BpNetwork *net = ctx->net;
  const BpTrace *t = ctx->trace;
  gsize s = ctx->sample, l = n - 1, N = net->n_layers;
  const BpLayer *L = q->layer && n >= 1 ? &net->layers[l] : NULL;
  gboolean need_trace = !(q->kind == Q_W || q->kind == Q_B || q->kind == Q_GAMMA
                          || q->kind == Q_BETA || q->kind == Q_DW || q->kind == Q_DB
                          || q->kind == Q_DGAMMA || q->kind == Q_DBETA || q->kind == Q_COST
                          || q->kind == Q_LR || q->kind == Q_NORM_DW);

  if (need_trace && (t == NULL || s >= t->batch))
    return fail (ps, at, BP_EXPR_ERROR_UNKNOWN, _("no pass has run: ‘%s’ is not known"),
                 q->name);
  switch (q->kind)
    {
    case Q_Z:
      return bp_trace_z (t, l, s)[j - 1];
    case Q_A:
      return n == 0 ? t->input[s * net->n_inputs + j - 1] : bp_trace_a (t, l, s)[j - 1];
    case Q_DELTA:
      return bp_trace_dC_dz (t, l, s)[j - 1];
    case Q_DC_DA:
      if (!t->keep && n < N)
        return fail (ps, at, BP_EXPR_ERROR_UNKNOWN,
                     _("∂C/∂a(%zu) was not kept by this pass"), n);
      return bp_trace_dC_da (t, l, s)[j - 1];
    case Q_SIGMA_PRIME:
      {
        /* Under a skip the activation's value is h = f(z), not a = h + a(j). */
        const double *f = L->skip_from >= 0 ? t->h[l] + s * L->out : bp_trace_a (t, l, s);

        return L->act->df (bp_trace_z (t, l, s)[j - 1], f[j - 1], L->act_params);
      }
    case Q_Y:
      if (ctx->targets != NULL)
        return ctx->targets[j - 1];
      return t->target[s * bp_network_n_outputs (net) + j - 1];
    case Q_W:
    case Q_GAMMA:
      return shown_param (ctx, L->W)[(j - 1) * (q->kind == Q_W ? L->in : 1) + (k > 0 ? k - 1 : 0)];
    case Q_B:
    case Q_BETA:
      return shown_param (ctx, L->b)[j - 1];
    case Q_DW:
    case Q_DGAMMA:
      return L->dW[(j - 1) * (q->kind == Q_DW ? L->in : 1) + (k > 0 ? k - 1 : 0)];
    case Q_DB:
    case Q_DBETA:
      return L->db[j - 1];
    case Q_COST:
      if (isnan (ctx->cost))
        return fail (ps, at, BP_EXPR_ERROR_UNKNOWN, _("the cost is not known at this point"));
      return ctx->cost;
    case Q_SAMPLE_COST:
      return t->per_sample_loss[s];
    case Q_BATCH:
      return (double) t->batch;
    case Q_LR:
      if (isnan (ctx->learning_rate))
        return fail (ps, at, BP_EXPR_ERROR_UNKNOWN, _("the learning rate is not known here"));
      return ctx->learning_rate;
    case Q_NORM_DW:
      {
        g_autofree double *norms = g_new0 (double, N);

        bp_network_grad_norms (net, norms);
        return norms[l];
      }
    }
  return NAN;
}

/* After the name of a quantity: its (n) and [j] or [j,k]. */
static double
parse_quantity (Parser             *ps,
                const char         *at,
                const QuantitySpec *q)
{
  gsize n = 0, j = 0, k = 0;
  const BpNetwork *net = ps->ctx != NULL ? ps->ctx->net : ps->shape;

  if (q->layer)
    {
      if (!expect (ps, "("))
        return NAN;
      n = parse_index (ps);
      if (ps->failed || !expect (ps, ")"))
        return NAN;
    }
  if (q->n_index > 0)
    {
      if (!expect (ps, "["))
        return NAN;
      j = parse_index (ps);
      if (ps->failed)
        return NAN;
      if (q->n_index == 2)
        {
          if (!expect (ps, ","))
            return NAN;
          k = parse_index (ps);
          if (ps->failed)
            return NAN;
        }
      if (!expect (ps, "]"))
        return NAN;
    }

  if (net == NULL)
    {
      g_autofree char *typed = g_strndup (at, ps->p - at);
      return fail (ps, at, BP_EXPR_ERROR_NOT_ALLOWED,
                   _("‘%s’ is not a number you can type: type its value"), typed);
    }
  if (!check_quantity (ps, at, q, net, n, j, k))
    return NAN;
  if (ps->ctx == NULL)
    return 1.0;  /* check mode: the shape is all that counts */
  {
    double v = quantity_value (ps, at, q, n, j, k);
    Span span = { (gsize) (at - ps->text), (gsize) (ps->p - ps->text), v };

    if (ps->spans != NULL && !ps->failed)
      g_array_append_val (ps->spans, span);
    return v;
  }
}

typedef double (*Func) (double);

static double f_sigmoid (double x) { return x >= 0 ? 1.0 / (1.0 + exp (-x)) : exp (x) / (1.0 + exp (x)); }
static double f_relu (double x) { return x > 0 ? x : 0.0; }

static const struct { const char *name; Func f; } functions[] = {
  { "exp", exp }, { "ln", log }, { "log", log10 }, { "sqrt", sqrt }, { "abs", fabs },
  { "sigmoid", f_sigmoid }, { "tanh", tanh }, { "relu", f_relu },
};

static double
parse_atom (Parser *ps)
{
  const char *at;
  g_autofree char *name = NULL;

  skip_space (ps);
  at = ps->p;
  if (g_ascii_isdigit (*ps->p) || *ps->p == '.')
    return parse_number (ps);
  if (accept (ps, "("))
    {
      double v = parse_sum (ps);

      if (ps->failed || !expect (ps, ")"))
        return NAN;
      return v;
    }
  if (*ps->p == ',')
    return fail (ps, at, BP_EXPR_ERROR_SYNTAX, _("use a point for the decimals (1.5, not 1,5)"));
  name = read_name (ps);
  if (name == NULL)
    {
      g_autofree char *here = describe_here (at);
      return fail (ps, at, BP_EXPR_ERROR_SYNTAX, _("expected a number, found %s"), here);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (functions); i++)
    if (strcmp (name, functions[i].name) == 0)
      {
        double v;

        if (!expect (ps, "("))
          return NAN;
        v = parse_sum (ps);
        if (ps->failed || !expect (ps, ")"))
          return NAN;
        return functions[i].f (v);
      }
  if (strcmp (name, "e") == 0)
    return G_E;
  if (strcmp (name, "pi") == 0)
    return G_PI;
  {
    const QuantitySpec *q = find_quantity (name);

    if (q != NULL)
      return parse_quantity (ps, at, q);
  }
  return fail (ps, at, BP_EXPR_ERROR_UNKNOWN_NAME, _("unknown name ‘%s’"), name);
}

static double
parse_power (Parser *ps)
{
  double base = parse_atom (ps);

  if (ps->failed)
    return NAN;
  if (accept (ps, "^"))
    {
      double ex = parse_unary (ps);

      return ps->failed ? NAN : pow (base, ex);
    }
  return base;
}

static double
parse_unary (Parser *ps)
{
  double v;

  if (++ps->depth > MAX_DEPTH)
    {
      skip_space (ps);
      v = fail (ps, ps->p, BP_EXPR_ERROR_SYNTAX, _("nested too deeply"));
    }
  else if (accept (ps, "-") || accept (ps, "−"))
    v = -parse_unary (ps);
  else if (accept (ps, "+"))
    v = parse_unary (ps);
  else
    v = parse_power (ps);
  ps->depth--;
  return v;
}

static double
parse_term (Parser *ps)
{
  double v = parse_unary (ps);

  while (!ps->failed)
    {
      if (accept (ps, "*") || accept (ps, "×") || accept (ps, "·"))
        v *= parse_unary (ps);
      else if (accept (ps, "/") || accept (ps, "÷"))
        v /= parse_unary (ps);
      else
        break;
    }
  return v;
}

static double
parse_sum (Parser *ps)
{
  double v = parse_term (ps);

  while (!ps->failed)
    {
      if (accept (ps, "+"))
        v += parse_term (ps);
      else if (accept (ps, "-") || accept (ps, "−"))
        v -= parse_term (ps);
      else
        break;
    }
  return v;
}

static gboolean
parse_all (Parser *ps,
           double *out)
{
  double v;

  skip_space (ps);
  if (*ps->p == '\0')
    {
      fail (ps, ps->p, BP_EXPR_ERROR_SYNTAX, _("empty: type a number or an expression"));
      return FALSE;
    }
  v = parse_sum (ps);
  if (ps->failed)
    return FALSE;
  skip_space (ps);
  if (*ps->p != '\0')
    {
      g_autofree char *here = describe_here (ps->p);

      if (*ps->p == ',')
        fail (ps, ps->p, BP_EXPR_ERROR_SYNTAX, _("use a point for the decimals (1.5, not 1,5)"));
      else
        fail (ps, ps->p, BP_EXPR_ERROR_SYNTAX, _("expected an operator (+ − × ÷ ^), found %s"),
              here);
      return FALSE;
    }
  if (out != NULL)
    *out = v;
  return TRUE;
}

/* bp_expr_eval's work, with the parser given (its spans, if any, filled). */
static gboolean
evaluate (Parser *ps,
          double *out)
{
  double v = NAN;

  if (!g_utf8_validate (ps->text, -1, NULL))
    {
      g_set_error (ps->error, BP_EXPR_ERROR, BP_EXPR_ERROR_SYNTAX, _("not valid UTF-8 text"));
      return FALSE;
    }
  if (!parse_all (ps, &v))
    return FALSE;
  if (!isfinite (v))
    {
      g_set_error (ps->error, BP_EXPR_ERROR, BP_EXPR_ERROR_MATH,
                   isnan (v) ? _("the result is not a number (NaN)")
                             : _("the result is infinite"));
      return FALSE;
    }
  if (out != NULL)
    *out = v;
  return TRUE;
}

gboolean
bp_expr_eval (const char          *text,
              const BpExprContext *ctx,
              double              *out,
              GError             **error)
{
  Parser ps = { text, text, ctx, NULL, error, FALSE, 0, NULL };

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (ctx == NULL || ctx->net != NULL, FALSE);

  return evaluate (&ps, out);
}

char *
bp_expr_substitute (const char          *text,
                    const BpExprContext *ctx,
                    int                  digits,
                    double              *out,
                    GError             **error)
{
  g_autoptr(GArray) spans = g_array_new (FALSE, FALSE, sizeof (Span));
  Parser ps = { text, text, ctx, NULL, error, FALSE, 0, spans };
  GString *s;
  gsize from = 0;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (ctx != NULL && ctx->net != NULL, NULL);

  if (!evaluate (&ps, out))
    return NULL;
  s = g_string_new (NULL);
  for (guint i = 0; i < spans->len; i++)
    {
      const Span *sp = &g_array_index (spans, Span, i);
      char buf[G_ASCII_DTOSTR_BUF_SIZE], fmt[16];

      g_string_append_len (s, text + from, (gssize) (sp->start - from));
      g_snprintf (fmt, sizeof fmt, "%%.%dg", CLAMP (digits, 1, 17));
      g_ascii_formatd (buf, sizeof buf, fmt, sp->value);
      /* in parentheses when negative: "2^x" with x = −1 must stay 2^(−1) */
      g_string_append_printf (s, sp->value < 0 ? "(%s)" : "%s", buf);
      from = sp->end;
    }
  g_string_append (s, text + from);
  return g_string_free (s, FALSE);
}

gboolean
bp_expr_check (const char      *text,
               const BpNetwork *net,
               GError         **error)
{
  Parser ps = { text, text, NULL, net, error, FALSE, 0, NULL };

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (net != NULL, FALSE);

  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, BP_EXPR_ERROR, BP_EXPR_ERROR_SYNTAX, _("not valid UTF-8 text"));
      return FALSE;
    }
  return parse_all (&ps, NULL);
}

gboolean
bp_expr_close (double typed,
               double answer,
               int    sig_figs,
               double rel,
               double abs)
{
  double diff = fabs (typed - answer);

  if (!isfinite (typed) || !isfinite (answer))
    return FALSE;
  if ((rel > 0 || abs > 0) && diff <= rel * fabs (answer) + abs)
    return TRUE;
  if (sig_figs > 0)
    {
      double e, tol;

      if (answer == 0.0)
        return typed == 0.0;
      e = floor (log10 (fabs (answer)));
      tol = 0.5 * pow (10.0, e - sig_figs + 1);
      /* a hair over the half unit, so that a typed 0.01235 for 0.012345
       * is not refused by the rounding of the decimal numbers themselves */
      return diff <= tol * (1.0 + 1e-9);
    }
  return diff == 0.0;
}
