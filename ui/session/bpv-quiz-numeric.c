/* bpv-quiz-numeric.c — "what is δ(2)₃?": numeric questions whose answer
 * is the trace's value (the inspector's number), with a worked answer
 * that substitutes the live numbers into the formula, as an expression
 * the calculator reads back (BpvQuestion.worked_expr).
 *
 * In step mode a question asks only for a value the shown stop lets one
 * compute (δ(n) once δ(n+1) is shown, z(n) once a(n−1) is), and prefers
 * one the stop has not shown yet.
 */
#include "config.h"

#include "bpv-quiz-private.h"

#include <math.h>
#include <string.h>

#include "bp-chain.h"
#include "bpv-explain.h"

/* Terms written out before the rest is folded into one number. */
#define SHOWN_TERMS 8

typedef struct
{
  gsize n, j, k;  /* layer 1-based, units 0-based */
} Where;

/* Picks the place: the selection when `ok` accepts it, else one of the
 * candidates, those the stop has not shown first (`fresh`). */
static gboolean
pick_place (BpvQuizBuild *b,
            GArray       *fresh,
            GArray       *stale,
            const Where  *selected,
            Where        *out)
{
  GArray *from = fresh->len > 0 ? fresh : stale;

  if (selected != NULL)
    {
      *out = *selected;
      return TRUE;
    }
  if (from->len == 0)
    return FALSE;
  *out = g_array_index (from, Where, _bpv_quiz_pick (b, from->len));
  return TRUE;
}

static void
add_where (GArray *a,
           gsize   n,
           gsize   j,
           gsize   k)
{
  Where w = { n, j, k };

  g_array_append_val (a, w);
}

/* The selected neuron (n ≥ 1) if `layer_ok` holds for its layer. */
static gboolean
selected_neuron (const BpvQuizContext *ctx,
                 gboolean            (*layer_ok) (const BpvQuizContext *, gsize),
                 Where                *w)
{
  const BpvHit *h = &ctx->selection;

  if (h->kind != BPV_HIT_NEURON || h->layer < 1 || h->layer > ctx->net->n_layers
      || h->j >= ctx->net->layers[h->layer - 1].out || !layer_ok (ctx, h->layer))
    return FALSE;
  w->n = h->layer;
  w->j = h->j;
  w->k = 0;
  return TRUE;
}

/* Random units of every layer `layer_ok` accepts, split by whether the
 * stop has shown `shown (ctx, n)` yet. */
static gboolean
pick_neuron (const BpvQuizContext *ctx,
             BpvQuizBuild         *b,
             gboolean            (*layer_ok) (const BpvQuizContext *, gsize),
             gboolean            (*shown) (const BpvQuizContext *, gsize),
             Where                *w)
{
  g_autoptr(GArray) fresh = g_array_new (FALSE, FALSE, sizeof (Where));
  g_autoptr(GArray) stale = g_array_new (FALSE, FALSE, sizeof (Where));
  Where sel;

  for (gsize n = 1; n <= ctx->net->n_layers; n++)
    if (layer_ok (ctx, n))
      add_where (shown (ctx, n) ? stale : fresh, n, 0, 0);
  if (!pick_place (b, fresh, stale, selected_neuron (ctx, layer_ok, &sel) ? &sel : NULL, w))
    return FALSE;
  if (!selected_neuron (ctx, layer_ok, &sel))
    w->j = _bpv_quiz_pick (b, ctx->net->layers[w->n - 1].out);
  return TRUE;
}

static gsize
n_outputs (const BpvQuizContext *ctx)
{
  return bp_network_n_outputs (ctx->net);
}

static double
target (const BpvQuizContext *ctx,
        gsize                 j)
{
  if (ctx->targets != NULL)
    return ctx->targets[j];
  return ctx->trace->target[ctx->sample * n_outputs (ctx) + j];
}

/* Is the output's δ the cost's fused ∂l/∂z (a − y)? */
static gboolean
fused_output (const BpNetwork *net)
{
  const BpLayer *L = &net->layers[net->n_layers - 1];

  return net->cost->grad_z != NULL && net->cost->output_activation != NULL
         && strcmp (net->cost->output_activation, L->act->id) == 0
         && L->type == BP_LAYER_DENSE && L->skip_from < 0;
}

/* " ÷ B" of the mean, written with the batch's size, or "" for a sum. */
static char *
over_b (const BpvQuizContext *ctx)
{
  if (ctx->net->reduction != BP_REDUCTION_MEAN)
    return g_strdup ("");
  return g_strdup_printf (" ÷ %zu", ctx->trace->batch);
}

/* Adds "w × d + …" of a list of (factor, value) pairs to the worked
 * expression and its text: SHOWN_TERMS of them, the rest as one number. */
static void
append_terms (BpvQuizBuild        *b,
              GString             *expr,
              const BpDeltaTerms  *terms,
              GString             *text)
{
  gsize shown = MIN (terms->n_terms, SHOWN_TERMS), n_rest = 0;
  double rest = bp_delta_terms_rest (terms, shown, &n_rest);

  for (gsize i = 0; i < shown; i++)
    {
      g_autofree char *f = _bpv_quiz_num (b, terms->terms[i].factor);
      g_autofree char *v = _bpv_quiz_num (b, terms->terms[i].value);

      g_string_append_printf (expr, "%s%s × %s", i > 0 ? " + " : "", f, v);
    }
  if (n_rest > 0)
    {
      g_autofree char *r = _bpv_quiz_num (b, rest);

      g_string_append_printf (expr, " + %s", r);
      g_string_append_printf (text, dngettext (GETTEXT_PACKAGE,
                                               " (the last number is the %zu"
                                               " smaller term folded)",
                                               " (the last number is the %zu"
                                               " smaller terms added up)", n_rest),
                              n_rest);
    }
}

/* The worked answer: how the formula goes, then "name = <the numbers> =
 * answer" (the numbers are q->worked_expr, which the calculator reads). */
static void
finish_worked (BpvQuizBuild *b,
               const char   *how,
               const char   *name,
               GString      *expr)
{
  BpvQuestion *q = b->q;
  g_autofree char *ans = bpv_format_number (q->answer);

  q->worked_expr = g_strdup (expr->str);
  _bpv_quiz_set_worked (b, g_strdup_printf ("%s\n%s = %s = %s", how, name, q->worked_expr, ans));
}

/* ------------------------------------------------------------------ δ(n)ⱼ */

static gboolean
delta_layer_ok (const BpvQuizContext *ctx,
                gsize                 n)
{
  const BpNetwork *net = ctx->net;
  const BpLayer *L = &net->layers[n - 1];

  if (L->type == BP_LAYER_DROPOUT)
    return FALSE;
  if (n == net->n_layers)
    return _bpv_quiz_fwd_known (ctx, n) && (fused_output (net) || _bpv_quiz_elementwise (L));
  return _bpv_quiz_elementwise (L) && _bpv_quiz_fwd_known (ctx, n)
         && _bpv_quiz_bwd_known (ctx, n + 1);
}

static gboolean
delta_shown (const BpvQuizContext *ctx,
             gsize                 n)
{
  return _bpv_quiz_bwd_known (ctx, n);
}

gboolean
_bpv_quiz_numeric_delta (const BpvQuizContext *ctx,
                         BpvQuizBuild         *b,
                         GError              **error)
{
  const BpNetwork *net = ctx->net;
  BpvQuestion *q = b->q;
  g_autoptr(GString) expr = g_string_new (NULL);
  g_autoptr(GString) how = g_string_new (NULL);
  g_autofree char *name = NULL, *sp = NULL;
  Where w;
  gsize N = net->n_layers;
  const BpLayer *L;

  if (!pick_neuron (ctx, b, delta_layer_ok, delta_shown, &w))
    return _bpv_quiz_no_fit (error, _("no δ can be computed from what this stop shows"));
  L = &net->layers[w.n - 1];
  name = _bpv_quiz_sub ("δ", w.n, w.j + 1);
  sp = _bpv_quiz_act_prime (L);
  q->answer = bp_trace_dC_dz (ctx->trace, w.n - 1, ctx->sample)[w.j];
  q->quantity = g_strdup_printf ("delta(%zu)[%zu]", w.n, w.j + 1);
  _bpv_quiz_hl_neuron (b, w.n, w.j);

  if (w.n == N)
    {
      g_autofree char *a = _bpv_quiz_num (b, bp_trace_a (ctx->trace, N - 1, ctx->sample)[w.j]);
      g_autofree char *y = _bpv_quiz_num (b, target (ctx, w.j));
      g_autofree char *ob = over_b (ctx);
      const char *mean = net->reduction == BP_REDUCTION_MEAN ? " / B" : "";

      if (fused_output (net))
        {
          g_string_printf (how, _("%s = (a − y)%s: the cost %s on %s makes ∂C/∂z(N) simply a − y"),
                           name, mean, net->cost->id, L->act->id);
          g_string_printf (expr, "(%s − %s)%s", a, y, ob);
          q->uses = g_strdup_printf (_("a(%zu), y, B"), N);
        }
      else if (strcmp (net->cost->id, "mse") == 0 && L->type == BP_LAYER_DENSE && L->skip_from < 0)
        {
          g_autofree char *d = _bpv_quiz_num (b, L->act->df (bp_trace_z (ctx->trace, N - 1,
                                                                         ctx->sample)[w.j],
                                                             _bpv_quiz_act_value (ctx, N - 1, w.j),
                                                             L->act_params));
          g_string_printf (how, _("%s = (a − y)%s · %s(z): ∂C/∂a of ½(a − y)², times the slope"),
                           name, mean, sp);
          g_string_printf (expr, "(%s − %s)%s × %s", a, y, ob, d);
          q->uses = g_strdup_printf (_("a(%zu), y, B, %s(z(%zu))"), N, sp, N);
        }
      else
        {
          g_autofree char *g = _bpv_quiz_num (b, bp_trace_dC_da (ctx->trace, N - 1,
                                                                 ctx->sample)[w.j]);
          g_autofree char *d = NULL;
          BpExprContext ectx;
          double dv;
          g_autofree char *qq = g_strdup_printf ("sigma_prime(%zu)[%zu]", N, w.j + 1);

          bpv_quiz_context_to_expr (ctx, &ectx);
          if (!bp_expr_eval (qq, &ectx, &dv, NULL))
            return _bpv_quiz_no_fit (error, _("σ′ of the output is not known"));
          d = _bpv_quiz_num (b, dv);
          g_string_printf (how, _("%s = ∂C/∂a(%zu) · %s(z): the cost's slope times the unit's"),
                           name, N, sp);
          g_string_printf (expr, "%s × %s", g, d);
          q->uses = g_strdup_printf (_("∂C/∂a(%zu), %s(z(%zu))"), N, sp, N);
        }
    }
  else
    {
      g_autoptr(GError) local = NULL;
      g_autoptr(BpDeltaTerms) terms = bp_delta_terms_new (net, ctx->trace, ctx->sample, w.n - 1,
                                                          w.j, &local);
      g_autofree char *scale = NULL;

      if (terms == NULL)
        return _bpv_quiz_no_fit (error, "%s", local->message);
      if (terms->jacobian)
        return _bpv_quiz_no_fit (error, _("layer %zu has a full Jacobian: no δ by hand"), w.n);
      scale = _bpv_quiz_num (b, terms->scale);
      if (terms->paths != NULL)
        {
          /* more than one path into a(n)ⱼ: their products add up */
          g_string_printf (how, _("%s = %s(z) · ∂C/∂a(%zu)ⱼ, and ∂C/∂a(%zu)ⱼ is the sum of the %zu"
                                  " paths into the unit (through the layers, around a skip)"),
                           name, sp, w.n, w.n, terms->paths->n_paths);
          g_string_printf (expr, "%s × (", scale);
          for (gsize i = 0; i < terms->paths->n_paths; i++)
            {
              const BpGradPath *p = &terms->paths->paths[i];
              g_autofree char *v = _bpv_quiz_num (b, p->product);

              g_string_append_printf (expr, "%s%s", i > 0 ? " + " : "", v);
              if (p->kind == BP_PATH_SKIP)
                _bpv_quiz_hl_skip (b, p->layer, w.n);
            }
          g_string_append (expr, ")");
          q->uses = g_strdup_printf (_("%s(z(%zu)), the paths into a(%zu)"), sp, w.n, w.n);
        }
      else
        {
          g_autofree char *sj = bpv_subscript (w.j + 1);

          g_string_printf (how, _("%s = %s(z) · Σₖ W(%zu)ₖ%s δ(%zu)ₖ"), name, sp, w.n + 1, sj,
                           w.n + 1);
          g_string_printf (expr, "%s × (", scale);
          append_terms (b, expr, terms, how);
          g_string_append (expr, ")");
          q->uses = g_strdup_printf (_("%s(z(%zu)), W(%zu), δ(%zu)"), sp, w.n, w.n + 1, w.n + 1);
        }
      for (gsize k = 0; k < net->layers[w.n].out && k < 32; k++)
        if (net->layers[w.n].type == BP_LAYER_DENSE)
          {
            _bpv_quiz_hl_neuron (b, w.n + 1, k);
            _bpv_quiz_hl_edge (b, w.n + 1, k, w.j);
          }
    }

  _bpv_quiz_set_prompt (b, g_strdup_printf (_("What is %s, the δ of unit %zu of layer %zu for the"
                                               " shown sample?"),
                                            name, w.j + 1, w.n));
  finish_worked (b, how->str, name, expr);
  return TRUE;
}

/* -------------------------------------------------------------- ∂C/∂W(n)ⱼₖ */

static gboolean
dW_layer_ok (const BpvQuizContext *ctx,
             gsize                 n)
{
  return ctx->net->layers[n - 1].type == BP_LAYER_DENSE && _bpv_quiz_bwd_known (ctx, n)
         && _bpv_quiz_fwd_known (ctx, n - 1);
}

gboolean
_bpv_quiz_numeric_dW (const BpvQuizContext *ctx,
                      BpvQuizBuild         *b,
                      GError              **error)
{
  const BpNetwork *net = ctx->net;
  const BpvHit *h = &ctx->selection;
  BpvQuestion *q = b->q;
  g_autoptr(GArray) ok = g_array_new (FALSE, FALSE, sizeof (Where));
  g_autofree char *name = NULL, *dn = NULL, *an = NULL, *d = NULL, *a = NULL, *ans = NULL;
  gsize B = ctx->trace->batch;
  double delta, aprev;
  Where w;
  const BpLayer *L;

  if (h->kind == BPV_HIT_EDGE && h->layer >= 1 && h->layer <= net->n_layers
      && dW_layer_ok (ctx, h->layer) && h->j < net->layers[h->layer - 1].out
      && h->k < net->layers[h->layer - 1].in)
    {
      w.n = h->layer;
      w.j = h->j;
      w.k = h->k;
    }
  else
    {
      for (gsize n = 1; n <= net->n_layers; n++)
        if (dW_layer_ok (ctx, n))
          add_where (ok, n, 0, 0);
      if (ok->len == 0)
        return _bpv_quiz_no_fit (error, _("no weight's gradient is known at this stop"));
      w = g_array_index (ok, Where, _bpv_quiz_pick (b, ok->len));
      w.j = _bpv_quiz_pick (b, net->layers[w.n - 1].out);
      w.k = _bpv_quiz_pick (b, net->layers[w.n - 1].in);
    }
  L = &net->layers[w.n - 1];
  name = _bpv_quiz_sub2 ("∂C/∂W", w.n, w.j + 1, w.k + 1);
  dn = _bpv_quiz_sub ("δ", w.n, w.j + 1);
  an = _bpv_quiz_sub ("a", w.n - 1, w.k + 1);
  delta = bp_trace_dC_dz (ctx->trace, w.n - 1, ctx->sample)[w.j];
  aprev = bp_trace_a_prev (ctx->trace, w.n - 1, ctx->sample)[w.k];
  d = _bpv_quiz_num (b, delta);
  a = _bpv_quiz_num (b, aprev);
  q->worked_expr = g_strdup_printf ("%s × %s", d, a);
  _bpv_quiz_hl_edge (b, w.n, w.j, w.k);
  _bpv_quiz_hl_neuron (b, w.n, w.j);
  _bpv_quiz_hl_neuron (b, w.n - 1, w.k);
  q->uses = g_strdup_printf (_("δ(%zu), a(%zu)"), w.n, w.n - 1);
  if (B == 1)
    {
      q->answer = L->dW[w.j * L->in + w.k];
      q->quantity = g_strdup_printf ("dC_dW(%zu)[%zu,%zu]", w.n, w.j + 1, w.k + 1);
      _bpv_quiz_set_prompt (b, g_strdup_printf (_("What is %s, the gradient of the batch? (The"
                                                  " batch is the one shown sample.)"), name));
    }
  else
    {
      q->answer = delta * aprev;
      q->quantity = g_strdup_printf ("delta(%zu)[%zu] * a(%zu)[%zu]", w.n, w.j + 1, w.n - 1,
                                     w.k + 1);
      _bpv_quiz_set_prompt (b, g_strdup_printf (_("What is the shown sample’s term of %s? (The"
                                                  " batch’s gradient adds up such terms over its"
                                                  " %zu samples.)"), name, B));
    }
  ans = bpv_format_number (q->answer);
  _bpv_quiz_set_worked (b, g_strdup_printf (_("%s = %s · %s for one sample (z = W a + b, so"
                                              " ∂z/∂W = a)\n%s · %s = %s = %s"),
                                            name, dn, an, dn, an, q->worked_expr, ans));
  return TRUE;
}

/* ------------------------------------------------------------ σ′(z(n)ⱼ) */

static gboolean
slope_layer_ok (const BpvQuizContext *ctx,
                gsize                 n)
{
  const BpLayer *L = &ctx->net->layers[n - 1];

  /* a linear layer's slope is 1 everywhere: nothing to work out */
  return _bpv_quiz_elementwise (L) && strcmp (L->act->id, "linear") != 0
         && _bpv_quiz_fwd_known (ctx, n);
}

static gboolean
never_shown (const BpvQuizContext *ctx,
             gsize                 n)
{
  return FALSE;
}

gboolean
_bpv_quiz_numeric_sigma_prime (const BpvQuizContext *ctx,
                               BpvQuizBuild         *b,
                               GError              **error)
{
  BpvQuestion *q = b->q;
  g_autofree char *sp = NULL, *zn = NULL, *f = NULL, *z = NULL, *ans = NULL, *how = NULL;
  g_autofree char *f_bare = NULL;
  const BpLayer *L;
  const char *id;
  double zv, fv;
  Where w;

  if (!pick_neuron (ctx, b, slope_layer_ok, never_shown, &w))
    return _bpv_quiz_no_fit (error, _("no layer with an element-wise activation has run forward"));
  L = &ctx->net->layers[w.n - 1];
  id = L->act->id;
  sp = _bpv_quiz_act_prime (L);
  zn = _bpv_quiz_sub ("z", w.n, w.j + 1);
  zv = bp_trace_z (ctx->trace, w.n - 1, ctx->sample)[w.j];
  fv = _bpv_quiz_act_value (ctx, w.n - 1, w.j);
  q->answer = L->act->df (zv, fv, L->act_params);
  q->quantity = g_strdup_printf ("sigma_prime(%zu)[%zu]", w.n, w.j + 1);
  f = _bpv_quiz_num (b, fv);
  /* bare: a function's argument, and the text */
  z = bpv_format_number_digits (zv, b->digits);
  f_bare = bpv_format_number_digits (fv, b->digits);
  if (strcmp (id, "sigmoid") == 0)
    {
      how = g_strdup (_("σ′(z) = σ(z)(1 − σ(z)) = a(1 − a)"));
      q->worked_expr = g_strdup_printf ("%s × (1 − %s)", f, f);
    }
  else if (strcmp (id, "tanh") == 0)
    {
      how = g_strdup (_("tanh′(z) = 1 − tanh²(z) = 1 − a²"));
      q->worked_expr = g_strdup_printf ("1 − %s^2", f);
    }
  else if (strcmp (id, "softplus") == 0)
    {
      how = g_strdup (_("softplus′(z) = σ(z) = 1/(1 + e^−z)"));
      q->worked_expr = g_strdup_printf ("sigmoid(%s)", z);
    }
  else
    {
      g_autofree char *v = _bpv_quiz_num (b, q->answer);

      /* relu, leaky_relu, linear and plugins: the slope is read off the formula */
      how = g_strdup_printf ("%s", L->act->derivative_formula != NULL ? L->act->derivative_formula
                                                                     : sp);
      q->worked_expr = g_strdup_printf ("%s", v);
    }
  _bpv_quiz_hl_neuron (b, w.n, w.j);
  q->uses = g_strdup_printf (_("z(%zu), a(%zu)"), w.n, w.n);
  ans = bpv_format_number (q->answer);
  _bpv_quiz_set_prompt (b, g_strdup_printf (_("What is %s(%s), the slope of unit %zu of layer %zu"
                                              " (%s) for the shown sample?"),
                                            sp, zn, w.j + 1, w.n, id));
  _bpv_quiz_set_worked (b, g_strdup_printf (_("%s; here z = %s and a = %s\n%s(%s) = %s = %s"),
                                            how, z, f_bare, sp, zn, q->worked_expr, ans));
  return TRUE;
}

/* ------------------------------------------------------- the sample's cost */

gboolean
_bpv_quiz_numeric_cost (const BpvQuizContext *ctx,
                        BpvQuizBuild         *b,
                        GError              **error)
{
  const BpNetwork *net = ctx->net;
  gsize N = net->n_layers, n_out = n_outputs (ctx);
  const char *id = net->cost->id;
  const double *a = bp_trace_a (ctx->trace, N - 1, ctx->sample);
  BpvQuestion *q = b->q;
  g_autoptr(GString) expr = g_string_new (NULL);
  const char *how;

  if (!_bpv_quiz_fwd_known (ctx, N))
    return _bpv_quiz_no_fit (error, _("the output has not been computed at this stop"));
  if (strcmp (id, "mse") == 0)
    {
      how = _("l = ½ Σₖ (aₖ − yₖ)²");
      g_string_append (expr, "0.5 × (");
      for (gsize k = 0; k < n_out; k++)
        {
          g_autofree char *ak = _bpv_quiz_num (b, a[k]);
          g_autofree char *yk = _bpv_quiz_num (b, target (ctx, k));

          g_string_append_printf (expr, "%s(%s − %s)^2", k > 0 ? " + " : "", ak, yk);
        }
      g_string_append (expr, ")");
    }
  else if (strcmp (id, "bce") == 0 || strcmp (id, "softmax_ce") == 0)
    {
      gboolean bce = strcmp (id, "bce") == 0;
      gboolean any = FALSE;

      how = bce ? _("l = −Σₖ [yₖ ln aₖ + (1 − yₖ) ln(1 − aₖ)]") : _("l = −Σₖ yₖ ln aₖ");
      g_string_append (expr, "−(");
      for (gsize k = 0; k < n_out; k++)
        {
          double y = target (ctx, k);
          g_autofree char *ak = _bpv_quiz_num (b, a[k]);
          g_autofree char *yk = _bpv_quiz_num (b, y);
          g_autofree char *yk1 = _bpv_quiz_num (b, 1.0 - y);

          if (y != 0.0)
            {
              if (y == 1.0)
                g_string_append_printf (expr, "%sln(%s)", any ? " + " : "", ak);
              else
                g_string_append_printf (expr, "%s%s × ln(%s)", any ? " + " : "", yk, ak);
              any = TRUE;
            }
          if (bce && y != 1.0)
            {
              if (y == 0.0)
                g_string_append_printf (expr, "%sln(1 − %s)", any ? " + " : "", ak);
              else
                g_string_append_printf (expr, "%s%s × ln(1 − %s)", any ? " + " : "", yk1, ak);
              any = TRUE;
            }
        }
      if (!any)
        g_string_append (expr, "0");
      g_string_append (expr, ")");
    }
  else
    return _bpv_quiz_no_fit (error, _("the cost ‘%s’ has no worked formula here"), id);

  q->answer = ctx->trace->per_sample_loss[ctx->sample];
  q->quantity = g_strdup ("sample_cost");
  q->uses = g_strdup_printf (_("a(%zu), y"), N);
  for (gsize k = 0; k < n_out && k < 32; k++)
    _bpv_quiz_hl_neuron (b, N, k);
  if (ctx->trace->batch == 1 || net->reduction == BP_REDUCTION_SUM)
    _bpv_quiz_set_prompt (b, g_strdup_printf (_("What is the cost l of the shown sample (%s)?"),
                                              id));
  else
    _bpv_quiz_set_prompt (b, g_strdup_printf (_("What is the cost l of the shown sample alone"
                                                " (%s; the batch’s C is the mean of its %zu"
                                                " samples’ l)?"),
                                              id, ctx->trace->batch));
  finish_worked (b, how, "l", expr);
  return TRUE;
}

/* ------------------------------------------------------------- z(n)ⱼ, a(n)ⱼ */

static gboolean
z_layer_ok (const BpvQuizContext *ctx,
            gsize                 n)
{
  BpLayerType t = ctx->net->layers[n - 1].type;

  return t != BP_LAYER_DROPOUT && _bpv_quiz_fwd_known (ctx, n - 1);
}

static gboolean
z_shown (const BpvQuizContext *ctx,
         gsize                 n)
{
  return _bpv_quiz_fwd_known (ctx, n);
}

gboolean
_bpv_quiz_numeric_z (const BpvQuizContext *ctx,
                     BpvQuizBuild         *b,
                     GError              **error)
{
  BpvQuestion *q = b->q;
  g_autoptr(GString) expr = g_string_new (NULL);
  g_autoptr(GString) how = g_string_new (NULL);
  g_autofree char *zn = NULL;
  const BpLayer *L;
  Where w;

  if (!pick_neuron (ctx, b, z_layer_ok, z_shown, &w))
    return _bpv_quiz_no_fit (error, _("no layer's input is known at this stop"));
  L = &ctx->net->layers[w.n - 1];
  zn = _bpv_quiz_sub ("z", w.n, w.j + 1);
  q->answer = bp_trace_z (ctx->trace, w.n - 1, ctx->sample)[w.j];
  q->quantity = g_strdup_printf ("z(%zu)[%zu]", w.n, w.j + 1);
  _bpv_quiz_hl_neuron (b, w.n, w.j);
  if (L->type == BP_LAYER_DENSE)
    {
      const double *x = bp_trace_a_prev (ctx->trace, w.n - 1, ctx->sample);
      g_autofree gsize *order = g_new (gsize, L->in);
      g_autofree char *bias = _bpv_quiz_num (b, _bpv_quiz_param (ctx, &L->b[w.j]));
      gsize shown = MIN (L->in, (gsize) SHOWN_TERMS);
      double rest = 0;

      /* the largest terms first, as the inspector writes them */
      for (gsize k = 0; k < L->in; k++)
        order[k] = k;
      for (gsize i = 0; i < L->in; i++)
        for (gsize m = i + 1; m < L->in; m++)
          {
            double pi = fabs (_bpv_quiz_param (ctx, &L->W[w.j * L->in + order[i]]) * x[order[i]]);
            double pm = fabs (_bpv_quiz_param (ctx, &L->W[w.j * L->in + order[m]]) * x[order[m]]);

            if (pm > pi)
              {
                gsize tmp = order[i];
                order[i] = order[m];
                order[m] = tmp;
              }
          }
      g_autofree char *sj = bpv_subscript (w.j + 1);

      g_string_printf (how, _("%s = Σₖ W(%zu)%sₖ a(%zu)ₖ + b(%zu)%s"), zn, w.n, sj, w.n - 1, w.n,
                       sj);
      for (gsize i = 0; i < L->in; i++)
        {
          gsize k = order[i];
          double wv = _bpv_quiz_param (ctx, &L->W[w.j * L->in + k]);

          if (i < shown)
            {
              g_autofree char *ws = _bpv_quiz_num (b, wv);
              g_autofree char *xs = _bpv_quiz_num (b, x[k]);

              g_string_append_printf (expr, "%s%s × %s", i > 0 ? " + " : "", ws, xs);
              _bpv_quiz_hl_edge (b, w.n, w.j, k);
            }
          else
            rest += wv * x[k];
        }
      if (L->in > shown)
        {
          g_autofree char *r = _bpv_quiz_num (b, rest);

          g_string_append_printf (expr, " + %s", r);
          g_string_append_printf (how, _(" (the last number before b is the other %zu terms"
                                         " added up)"), L->in - shown);
        }
      g_string_append_printf (expr, " + %s", bias);
      q->uses = g_strdup_printf (_("W(%zu), a(%zu), b(%zu)"), w.n, w.n - 1, w.n);
    }
  else
    {
      /* a norm layer: z = γ x̂ + β, x̂ the normalised input */
      g_autofree char *gs = _bpv_quiz_num (b, _bpv_quiz_param (ctx, &L->W[w.j]));
      g_autofree char *xs = _bpv_quiz_num (b, ctx->trace->xhat[w.n - 1][ctx->sample * L->out + w.j]);
      g_autofree char *bs = _bpv_quiz_num (b, _bpv_quiz_param (ctx, &L->b[w.j]));

      g_string_printf (how, _("%s = γ(%zu)ⱼ x̂ⱼ + β(%zu)ⱼ, x̂ the normalised input"), zn, w.n, w.n);
      g_string_printf (expr, "%s × %s + %s", gs, xs, bs);
      q->uses = g_strdup_printf (_("γ(%zu), x̂, β(%zu)"), w.n, w.n);
    }
  _bpv_quiz_set_prompt (b, g_strdup_printf (_("What is %s, the input of unit %zu of layer %zu for"
                                              " the shown sample?"), zn, w.j + 1, w.n));
  finish_worked (b, how->str, zn, expr);
  return TRUE;
}

static gboolean
a_layer_ok (const BpvQuizContext *ctx,
            gsize                 n)
{
  const BpLayer *L = &ctx->net->layers[n - 1];
  const char *id = L->act->id;

  if (!_bpv_quiz_fwd_known (ctx, n))
    return FALSE;
  if (L->type == BP_LAYER_DROPOUT)
    return !ctx->trace->eval;
  /* (a linear unit's a is its z: nothing to work out, unless a skip adds to it) */
  return strcmp (id, "sigmoid") == 0 || strcmp (id, "tanh") == 0 || strcmp (id, "relu") == 0
         || (strcmp (id, "linear") == 0 && L->type == BP_LAYER_DENSE && L->skip_from >= 0)
         || strcmp (id, "softplus") == 0
         || (strcmp (id, "softmax") == 0 && L->out <= 10);
}

gboolean
_bpv_quiz_numeric_a (const BpvQuizContext *ctx,
                     BpvQuizBuild         *b,
                     GError              **error)
{
  BpvQuestion *q = b->q;
  const BpTrace *t = ctx->trace;
  g_autoptr(GString) expr = g_string_new (NULL);
  g_autofree char *an = NULL, *how = NULL, *z = NULL;
  const BpLayer *L;
  const char *id;
  Where w;

  if (!pick_neuron (ctx, b, a_layer_ok, never_shown, &w))
    return _bpv_quiz_no_fit (error, _("no layer has run forward with an activation to work"
                                      " by hand"));
  L = &ctx->net->layers[w.n - 1];
  id = L->act->id;
  an = _bpv_quiz_sub ("a", w.n, w.j + 1);
  q->answer = bp_trace_a (t, w.n - 1, ctx->sample)[w.j];
  q->quantity = g_strdup_printf ("a(%zu)[%zu]", w.n, w.j + 1);
  z = bpv_format_number_digits (bp_trace_z (t, w.n - 1, ctx->sample)[w.j], b->digits);
  _bpv_quiz_hl_neuron (b, w.n, w.j);
  if (L->type == BP_LAYER_DROPOUT)
    {
      double x = bp_trace_a_prev (t, w.n - 1, ctx->sample)[w.j];
      g_autofree char *xs = _bpv_quiz_num (b, x);
      g_autofree char *ps = _bpv_quiz_num (b, L->p);

      how = g_strdup_printf (_("dropout: a = x · mask / (1 − p), the mask of this pass is %g"),
                             t->mask[w.n - 1][ctx->sample * L->out + w.j]);
      g_string_printf (expr, "%s × %g ÷ (1 − %s)", xs, t->mask[w.n - 1][ctx->sample * L->out + w.j],
                       ps);
      q->uses = g_strdup_printf (_("a(%zu), the mask, p"), w.n - 1);
    }
  else
    {
      if (strcmp (id, "softmax") == 0)
        {
          how = g_strdup (_("softmax: aⱼ = e^zⱼ / Σₖ e^zₖ"));
          g_string_printf (expr, "exp(%s) ÷ (", z);
          for (gsize k = 0; k < L->out; k++)
            {
              g_autofree char *zk = bpv_format_number_digits (bp_trace_z (t, w.n - 1,
                                                                          ctx->sample)[k],
                                                              b->digits);

              g_string_append_printf (expr, "%sexp(%s)", k > 0 ? " + " : "", zk);
            }
          g_string_append (expr, ")");
        }
      else if (strcmp (id, "linear") == 0)
        {
          how = g_strdup (_("linear: a = z"));
          g_string_printf (expr, "%s", z);
        }
      else if (strcmp (id, "softplus") == 0)
        {
          how = g_strdup (_("softplus: a = ln(1 + e^z)"));
          g_string_printf (expr, "ln(1 + exp(%s))", z);
        }
      else
        {
          g_autofree char *fn = _bpv_quiz_act_name (L);

          how = g_strdup_printf (_("a = %s(z)"), fn);
          g_string_printf (expr, "%s(%s)", id, z);
        }
      q->uses = g_strdup_printf (_("z(%zu)"), w.n);
      if (L->type == BP_LAYER_DENSE && L->skip_from >= 0)
        {
          gsize from = (gsize) L->skip_from;
          double s = from == 0 ? t->input[ctx->sample * ctx->net->n_inputs + w.j]
                               : bp_trace_a (t, from - 1, ctx->sample)[w.j];
          g_autofree char *ss = _bpv_quiz_num (b, s);
          g_autofree char *more = g_strdup_printf (_("%s, plus a(%zu)ⱼ from the skip"), how, from);

          g_free (how);
          how = g_steal_pointer (&more);
          g_string_append_printf (expr, " + %s", ss);
          _bpv_quiz_hl_skip (b, w.n, from);
        }
    }
  _bpv_quiz_set_prompt (b, g_strdup_printf (_("What is %s, the output of unit %zu of layer %zu for"
                                              " the shown sample?"), an, w.j + 1, w.n));
  finish_worked (b, how, an, expr);
  return TRUE;
}
