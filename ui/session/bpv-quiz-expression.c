/* bpv-quiz-expression.c — "which expression is …?" and "fill the missing
 * factor": choices written with the network's own layer numbers,
 * activation names and cost, where every wrong choice is a mistake
 * learners make (σ′ left out or taken at the wrong layer, W instead of
 * Wᵀ, a instead of z, the 1/B of the mean forgotten or counted twice, the
 * identity path of a skip forgotten), and a worked answer that checks the
 * right one on the live numbers.
 */
#include "config.h"

#include "bpv-quiz-private.h"

#include <math.h>
#include <string.h>

#include "bp-chain.h"
#include "bpv-explain.h"

#define MAX_CHOICES 6

/* A wrong choice before the cut to MAX_CHOICES − 1 of them. */
typedef struct
{
  char    *plain;
  char    *mistake;
  gboolean keep;  /* always offered (the skip's identity path) */
} Wrong;

static void
wrong_add (GArray     *wrongs,
           char       *plain,
           char       *mistake,
           gboolean    keep)
{
  Wrong w = { plain, mistake, keep };

  g_array_append_val (wrongs, w);
}

/* The right choice, then the kept wrong ones and as many of the others as
 * fit, picked by the seed. */
static void
add_choices (BpvQuizBuild *b,
             const char   *right,
             GArray       *wrongs)
{
  g_autofree gsize *order = g_new (gsize, MAX (wrongs->len, 1));
  gsize n = 0;

  _bpv_quiz_add_choice (b, right, NULL);
  for (gsize i = 0; i < wrongs->len; i++)
    order[i] = i;
  bp_rng_shuffle (&b->rng, order, wrongs->len);
  for (gsize pass = 0; pass < 2; pass++)
    for (gsize i = 0; i < wrongs->len; i++)
      {
        Wrong *w = &g_array_index (wrongs, Wrong, order[i]);

        if (w->plain == NULL || (pass == 0) != w->keep || n + 1 >= MAX_CHOICES)
          continue;
        /* a distractor that reads like the right one, or like another, is dropped */
        if (strcmp (w->plain, right) != 0)
          {
            gboolean dup = FALSE;

            for (guint c = 0; c < b->choices->len; c++)
              dup |= strcmp (g_array_index (b->choices, BpvChoice, c).plain, w->plain) == 0;
            if (!dup)
              {
                _bpv_quiz_add_choice (b, w->plain, w->mistake);
                n++;
              }
          }
        g_clear_pointer (&w->plain, g_free);
        g_clear_pointer (&w->mistake, g_free);
      }
  for (gsize i = 0; i < wrongs->len; i++)
    {
      g_free (g_array_index (wrongs, Wrong, i).plain);
      g_free (g_array_index (wrongs, Wrong, i).mistake);
    }
  g_array_set_size (wrongs, 0);
}

static gboolean
is_linear (const BpLayer *L)
{
  return strcmp (L->act->id, "linear") == 0;
}

/* The selected edge or neuron's layer when `ok` holds, else a random one
 * of those that it accepts; the units u (of a(n)) and v (of a(n−1)) of the
 * selection or random. */
static gboolean
pick_layer (const BpvQuizContext *ctx,
            BpvQuizBuild         *b,
            gboolean            (*ok) (const BpvQuizContext *, gsize),
            gsize                *n,
            gsize                *u,
            gsize                *v)
{
  const BpNetwork *net = ctx->net;
  const BpvHit *h = &ctx->selection;
  g_autoptr(GArray) layers = g_array_new (FALSE, FALSE, sizeof (gsize));

  if ((h->kind == BPV_HIT_EDGE || h->kind == BPV_HIT_NEURON) && h->layer >= 1
      && h->layer <= net->n_layers && ok (ctx, h->layer) && h->j < net->layers[h->layer - 1].out
      && (h->kind == BPV_HIT_NEURON || h->k < net->layers[h->layer - 1].in))
    {
      *n = h->layer;
      *u = h->j;
      *v = h->kind == BPV_HIT_EDGE ? h->k : _bpv_quiz_pick (b, net->layers[h->layer - 1].in);
      return TRUE;
    }
  for (gsize i = 1; i <= net->n_layers; i++)
    if (ok (ctx, i))
      g_array_append_val (layers, i);
  if (layers->len == 0)
    return FALSE;
  *n = g_array_index (layers, gsize, _bpv_quiz_pick (b, layers->len));
  *u = _bpv_quiz_pick (b, net->layers[*n - 1].out);
  *v = _bpv_quiz_pick (b, net->layers[*n - 1].in);
  return TRUE;
}

/* ------------------------------------------------------------ ∂a(j)/∂a(j−1) */

static gboolean
da_da_ok (const BpvQuizContext *ctx,
          gsize                 j)
{
  const BpLayer *L = &ctx->net->layers[j - 1];

  return j >= 2 && L->type == BP_LAYER_DENSE && _bpv_quiz_elementwise (L) && !is_linear (L)
         && _bpv_quiz_fwd_known (ctx, j);
}

gboolean
_bpv_quiz_expr_da_da (const BpvQuizContext *ctx,
                      BpvQuizBuild         *b,
                      GError              **error)
{
  const BpNetwork *net = ctx->net;
  g_autoptr(GArray) wrongs = g_array_new (FALSE, TRUE, sizeof (Wrong));
  g_autofree char *fp = NULL, *right = NULL, *plain_right = NULL, *ans = NULL, *fd = NULL;
  g_autofree char *s_str = NULL, *w_str = NULL, *su = NULL, *sv = NULL;
  gsize j, u, v;
  gboolean skip;
  const BpLayer *L;
  double z, s, wv, p, h = 1e-6, num;

  if (!pick_layer (ctx, b, da_da_ok, &j, &u, &v))
    return _bpv_quiz_no_fit (error, _("needs a dense layer j ≥ 2 with a non-linear element-wise"
                                      " activation"));
  L = &net->layers[j - 1];
  skip = L->skip_from == (gssize) j - 1;
  fp = _bpv_quiz_act_prime (L);
  plain_right = g_strdup_printf ("%s(z(%zu)) W(%zu)", fp, j, j);
  right = skip ? g_strdup_printf ("%s + I", plain_right) : g_strdup (plain_right);

#define SKIP_TAIL (skip ? " + I" : "")
  wrong_add (wrongs, g_strdup_printf ("%s(z(%zu))%s", fp, j, SKIP_TAIL),
             g_strdup_printf (_("%s(z(%zu)) alone is ∂a(%zu)/∂z(%zu): the chain stops before"
                                " z(%zu) = W(%zu) a(%zu) + b(%zu), whose derivative in a(%zu) is"
                                " W(%zu)"), fp, j, j, j, j, j, j - 1, j, j - 1, j), FALSE);
  wrong_add (wrongs, g_strdup_printf ("W(%zu)%s", j, SKIP_TAIL),
             g_strdup_printf (_("W(%zu) alone is ∂z(%zu)/∂a(%zu): it forgets the slope of the"
                                " activation, %s(z(%zu))"), j, j, j - 1, fp, j), FALSE);
  wrong_add (wrongs, g_strdup_printf ("%s(z(%zu)) W(%zu)%s", fp, j - 1, j, SKIP_TAIL),
             g_strdup_printf (_("σ′ at the wrong layer: a(%zu) is made from z(%zu), so the slope"
                                " is taken at z(%zu), not z(%zu)"), j, j, j, j - 1), FALSE);
  wrong_add (wrongs, g_strdup_printf ("a(%zu) W(%zu)%s", j - 1, j, SKIP_TAIL),
             g_strdup_printf (_("a instead of σ′: a(%zu) is what ∂z/∂W gives; ∂a/∂z is the"
                                " activation’s slope %s(z(%zu))"), j - 1, fp, j), FALSE);
  if (skip)
    wrong_add (wrongs, g_strdup (plain_right),
               g_strdup_printf (_("the identity path is forgotten: a(%zu) = %s(z(%zu)) +"
                                  " a(%zu) (the skip), so a(%zu) also reaches a(%zu) directly:"
                                  " + I"), j, L->act->id, j, j - 1, j - 1, j), TRUE);
#undef SKIP_TAIL
  add_choices (b, right, wrongs);

  /* the live numbers: one entry of the Jacobian, and a central difference */
  z = bp_trace_z (ctx->trace, j - 1, ctx->sample)[u];
  s = L->act->df (z, _bpv_quiz_act_value (ctx, j - 1, u), L->act_params);
  wv = _bpv_quiz_param (ctx, &L->W[u * L->in + v]);
  p = s * wv + (skip && u == v ? 1.0 : 0.0);
  num = (L->act->f (z + h * wv, L->act_params) - L->act->f (z - h * wv, L->act_params)) / (2 * h)
        + (skip && u == v ? 1.0 : 0.0);
  ans = bpv_format_number (p);
  fd = bpv_format_number (num);
  s_str = bpv_format_number (s);
  w_str = bpv_format_number (wv);
  su = bpv_subscript (u + 1);
  sv = bpv_subscript (v + 1);
  _bpv_quiz_hl_edge (b, j, u, v);
  _bpv_quiz_hl_neuron (b, j, u);
  _bpv_quiz_hl_neuron (b, j - 1, v);
  if (skip)
    _bpv_quiz_hl_skip (b, j, j - 1);

  _bpv_quiz_set_prompt (b, g_strdup_printf (_("Which expression is ∂a(%zu)/∂a(%zu), the Jacobian"
                                              " of layer %zu (%s) in its input?"),
                                            j, j - 1, j, L->act->id));
  _bpv_quiz_set_worked (b, g_strdup_printf (_("∂a(%zu)/∂a(%zu) = ∂a(%zu)/∂z(%zu) · ∂z(%zu)/∂a(%zu)"
                                              " = %s (σ′ as a diagonal matrix).\nOn the shown"
                                              " sample, entry (%zu, %zu): %s × %s%s = %s; moving"
                                              " a(%zu)%s a little moves a(%zu)%s %s times as much"
                                              " (a central difference)."),
                                            j, j - 1, j, j, j, j - 1, right, u + 1, v + 1, s_str,
                                            w_str, skip && u == v ? " + 1" : "", ans, j - 1,
                                            sv, j, su, fd));
  return TRUE;
}

/* ---------------------------------------------------------- ∂z(j)ᵤ/∂W(j)ᵤᵥ */

static gboolean
dz_dW_ok (const BpvQuizContext *ctx,
          gsize                 j)
{
  return ctx->net->layers[j - 1].type == BP_LAYER_DENSE && _bpv_quiz_fwd_known (ctx, j - 1);
}

gboolean
_bpv_quiz_expr_dz_dW (const BpvQuizContext *ctx,
                      BpvQuizBuild         *b,
                      GError              **error)
{
  g_autoptr(GArray) wrongs = g_array_new (FALSE, TRUE, sizeof (Wrong));
  g_autofree char *zu = NULL, *wuv = NULL, *av = NULL, *aju = NULL, *du = NULL, *fp = NULL;
  g_autofree char *right = NULL, *val = NULL;
  const BpLayer *L;
  gsize j, u, v;

  if (!pick_layer (ctx, b, dz_dW_ok, &j, &u, &v))
    return _bpv_quiz_no_fit (error, _("needs a dense layer"));
  L = &ctx->net->layers[j - 1];
  zu = _bpv_quiz_sub ("z", j, u + 1);
  wuv = _bpv_quiz_sub2 ("W", j, u + 1, v + 1);
  av = _bpv_quiz_sub ("a", j - 1, v + 1);
  aju = _bpv_quiz_sub ("a", j, u + 1);
  du = _bpv_quiz_sub ("δ", j, u + 1);
  fp = _bpv_quiz_act_prime (L);
  right = g_strdup (av);

  wrong_add (wrongs, g_strdup (wuv),
             g_strdup_printf (_("the weight itself: z is linear in %s, and its slope is what the"
                                " weight multiplies, %s"), wuv, av), FALSE);
  wrong_add (wrongs, g_strdup_printf ("%s(%s) %s", fp, zu, av),
             g_strdup_printf (_("%s belongs to ∂a/∂z, the next factor of the chain, not to ∂z/∂W"),
                              fp), FALSE);
  wrong_add (wrongs, g_strdup (aju),
             g_strdup_printf (_("the layer’s output, not its input: W(%zu) multiplies a(%zu)"),
                              j, j - 1), FALSE);
  wrong_add (wrongs, g_strdup_printf ("%s %s", du, av),
             g_strdup_printf (_("that is ∂C/∂%s, the whole chain, not this one factor"), wuv),
             FALSE);
  add_choices (b, right, wrongs);

  val = bpv_format_number (bp_trace_a_prev (ctx->trace, j - 1, ctx->sample)[v]);
  _bpv_quiz_hl_edge (b, j, u, v);
  _bpv_quiz_hl_neuron (b, j - 1, v);
  _bpv_quiz_set_prompt (b, g_strdup_printf (_("Which expression is ∂%s/∂%s?"), zu, wuv));
  _bpv_quiz_set_worked (b, g_strdup_printf (_("%s = Σₖ W(%zu)%sₖ a(%zu)ₖ + b(%zu)%s is linear in"
                                              " %s, with slope %s.\nOn the shown sample %s = %s."),
                                            zu, j, strrchr (zu, ')') + 1, j - 1, j,
                                            strrchr (zu, ')') + 1, wuv, av, av, val));
  return TRUE;
}

/* ------------------------------------------------------------- ∂C/∂z(N) */

gboolean
_bpv_quiz_expr_dC_dz_out (const BpvQuizContext *ctx,
                          BpvQuizBuild         *b,
                          GError              **error)
{
  const BpNetwork *net = ctx->net;
  gsize N = net->n_layers, B = ctx->trace->batch, u;
  const BpLayer *L = &net->layers[N - 1];
  const char *cost = net->cost->id;
  gboolean mean = net->reduction == BP_REDUCTION_MEAN;
  g_autoptr(GArray) wrongs = g_array_new (FALSE, TRUE, sizeof (Wrong));
  g_autofree char *fp = NULL, *right = NULL, *aN = NULL, *zN = NULL, *ob = NULL;
  g_autofree char *val = NULL, *trace_val = NULL, *how = NULL;
  const char *no_b_mistake;
  double a, y, value;

  if (L->type != BP_LAYER_DENSE || L->skip_from >= 0 || !_bpv_quiz_fwd_known (ctx, N))
    return _bpv_quiz_no_fit (error, _("needs a plain dense output layer that has run forward"));
  if (strcmp (cost, "mse") != 0 && strcmp (cost, "bce") != 0 && strcmp (cost, "softmax_ce") != 0)
    return _bpv_quiz_no_fit (error, _("the cost ‘%s’ has no written formula here"), cost);
  if (strcmp (cost, "mse") == 0 && !_bpv_quiz_elementwise (L))
    return _bpv_quiz_no_fit (error, _("mse on a %s output has a full Jacobian"), L->act->id);

  fp = _bpv_quiz_act_prime (L);
  aN = g_strdup_printf ("a(%zu)", N);
  zN = g_strdup_printf ("z(%zu)", N);
  ob = g_strdup (mean ? "/B" : "");
  no_b_mistake = mean ? _("the 1/B of the mean is forgotten: C averages the samples’ costs")
                      : _("this cost is the sum over the batch (reduction “sum”): there is no"
                          " 1/B");
  u = _bpv_quiz_pick (b, L->out);
  a = bp_trace_a (ctx->trace, N - 1, ctx->sample)[u];
  y = ctx->targets != NULL ? ctx->targets[u]
                           : ctx->trace->target[ctx->sample * L->out + u];

  if (strcmp (cost, "mse") == 0 && is_linear (L))
    {
      right = g_strdup_printf ("(%s − y)%s", aN, ob);
      wrong_add (wrongs, g_strdup_printf ("(%s − y)%s", aN, mean ? "" : "/B"), g_strdup (no_b_mistake),
                 FALSE);
      wrong_add (wrongs, g_strdup_printf ("(y − %s)%s", aN, ob),
                 g_strdup (_("the sign: ½(a − y)² grows with a when a > y, so its slope is a − y")),
                 FALSE);
      wrong_add (wrongs, mean ? g_strdup_printf ("(%s − y)²/(2B)", aN)
                              : g_strdup_printf ("½(%s − y)²", aN),
                 g_strdup (_("that is the cost itself, not its derivative")), FALSE);
      value = (a - y) / (mean ? (double) B : 1.0);
      how = g_strdup_printf (_("C = %sΣ ½(a − y)², and a linear output has a = z"),
                             mean ? "(1/B) " : "");
    }
  else if (strcmp (cost, "mse") == 0)
    {
      double s = L->act->df (bp_trace_z (ctx->trace, N - 1, ctx->sample)[u], a, L->act_params);

      right = g_strdup_printf ("(%s − y)%s ⊙ %s(%s)", aN, ob, fp, zN);
      wrong_add (wrongs, g_strdup_printf ("(%s − y)%s", aN, ob),
                 g_strdup_printf (_("%s(%s) is missing: (a − y)/B is ∂C/∂a(%zu); z reaches C"
                                    " through the activation"), fp, zN, N), FALSE);
      wrong_add (wrongs, g_strdup_printf ("(%s − y)%s ⊙ %s(%s)", aN, mean ? "" : "/B", fp, zN),
                 g_strdup (no_b_mistake), FALSE);
      wrong_add (wrongs, g_strdup_printf ("(%s − y)%s ⊙ %s(%s)", aN, ob, fp, aN),
                 g_strdup_printf (_("a instead of z: the slope is taken at z(%zu), the activation’s"
                                    " input"), N), FALSE);
      wrong_add (wrongs, g_strdup_printf ("(y − %s)%s ⊙ %s(%s)", aN, ob, fp, zN),
                 g_strdup (_("the sign: ½(a − y)² grows with a when a > y, so its slope is a − y")),
                 FALSE);
      value = (a - y) / (mean ? (double) B : 1.0) * s;
      how = mean ? g_strdup_printf (_("C = (1/B) Σ ½(a − y)², so ∂C/∂a = (a − y)/B, times the"
                                      " slope %s(z)"), fp)
                 : g_strdup_printf (_("C = Σ ½(a − y)², so ∂C/∂a = a − y, times the slope %s(z)"),
                                    fp);
    }
  else
    {
      gboolean bce = strcmp (cost, "bce") == 0;

      right = g_strdup_printf ("(%s − y)%s", aN, ob);
      wrong_add (wrongs, g_strdup_printf ("(%s − y)%s", aN, mean ? "" : "/B"), g_strdup (no_b_mistake),
                 FALSE);
      wrong_add (wrongs, g_strdup_printf ("(y − %s)%s", aN, ob),
                 g_strdup (_("the sign: the cost falls as a moves towards y, so its slope is"
                             " a − y")), FALSE);
      if (bce)
        {
          wrong_add (wrongs, g_strdup_printf ("(%s − y)%s ⊙ σ′(%s)", aN, ob, zN),
                     g_strdup (_("σ′ counted twice: the cost’s −y/a + (1 − y)/(1 − a) times"
                                 " σ′ = a(1 − a) is already a − y")), FALSE);
          wrong_add (wrongs, g_strdup_printf ("(−y/%s + (1 − y)/(1 − %s))%s", aN, aN, ob),
                     g_strdup_printf (_("that is ∂C/∂a(%zu), one step short: it still has to be"
                                        " multiplied by σ′(z(%zu))"), N, N), FALSE);
          how = g_strdup_printf (_("C = −%sΣ [y ln a + (1 − y) ln(1 − a)] with a = σ(z): ∂C/∂a"
                                   " = (−y/a + (1 − y)/(1 − a))%s and σ′ = a(1 − a), whose product"
                                   " is (a − y)%s"), mean ? "(1/B) " : "", ob, ob);
        }
      else
        {
          wrong_add (wrongs, g_strdup_printf ("(−y ⊘ %s)%s", aN, ob),
                     g_strdup_printf (_("that is ∂C/∂a(%zu); the softmax’s Jacobian diag(a) − a aᵀ"
                                        " still has to multiply it"), N), FALSE);
          wrong_add (wrongs, g_strdup_printf ("(%s − y)%s ⊙ %s ⊙ (1 − %s)", aN, ob, aN, aN),
                     g_strdup (_("softmax treated as an element-wise σ: its Jacobian is diag(a) −"
                                 " a aᵀ, and with the cross-entropy the product is a − y")), FALSE);
          how = g_strdup_printf (_("C = −%sΣ y · ln softmax(z): the softmax’s Jacobian times"
                                   " −y/a adds up to a − y (for targets that sum to 1)"),
                                 mean ? "(1/B) " : "");
        }
      value = (a - y) / (mean ? (double) B : 1.0);
    }
  add_choices (b, right, wrongs);

  val = bpv_format_number (value);
  trace_val = bpv_format_number (bp_trace_dC_dz (ctx->trace, N - 1, ctx->sample)[u]);
  _bpv_quiz_hl_neuron (b, N, u);
  _bpv_quiz_set_prompt (b, g_strdup_printf (_("The cost is %s on a %s output, over a batch of B"
                                              " samples. Which expression is δ(%zu) = ∂C/∂z(%zu)"
                                              " for one sample?"),
                                            cost, L->act->id, N, N));
  {
    g_autofree char *su = bpv_subscript (u + 1);

    _bpv_quiz_set_worked (b, g_strdup_printf (_("%s.\nδ(%zu) = %s.  On the shown sample (B ="
                                                " %zu), unit %zu: %s; the backward pass has"
                                                " δ(%zu)%s = %s."),
                                              how, N, right, B, u + 1, val, N, su, trace_val));
  }
  return TRUE;
}

/* ------------------------------------------------------ δ(j) from δ(j+1) */

static gboolean
delta_rec_ok (const BpvQuizContext *ctx,
              gsize                 j)
{
  const BpNetwork *net = ctx->net;
  const BpLayer *L = &net->layers[j - 1];

  return j < net->n_layers && L->type != BP_LAYER_DROPOUT && _bpv_quiz_elementwise (L)
         && !is_linear (L) && net->layers[j].type == BP_LAYER_DENSE
         && _bpv_quiz_bwd_known (ctx, j + 1);
}

gboolean
_bpv_quiz_expr_delta_rec (const BpvQuizContext *ctx,
                          BpvQuizBuild         *b,
                          GError              **error)
{
  const BpNetwork *net = ctx->net;
  g_autoptr(GArray) wrongs = g_array_new (FALSE, TRUE, sizeof (Wrong));
  g_autoptr(GString) skips = g_string_new (NULL);
  g_autofree char *fp = NULL, *right = NULL, *sum = NULL, *plain = NULL, *su = NULL;
  g_autofree char *s_str = NULL, *g_str = NULL, *val = NULL, *trace_val = NULL;
  const BpLayer *L, *next;
  gsize j, u, v;
  double s, g = 0;

  if (!pick_layer (ctx, b, delta_rec_ok, &j, &u, &v))
    return _bpv_quiz_no_fit (error, _("needs a hidden layer with a non-linear element-wise"
                                      " activation below a dense layer, whose δ is known"));
  L = &net->layers[j - 1];
  next = &net->layers[j];
  fp = _bpv_quiz_act_prime (L);
  /* the live ∂C/∂a(j)ᵤ: through layer j+1, plus each skip out of a(j) */
  for (gsize k = 0; k < next->out; k++)
    g += _bpv_quiz_param (ctx, &next->W[k * next->in + u])
         * bp_trace_dC_dz (ctx->trace, j, ctx->sample)[k];
  for (gsize n = j + 1; n <= net->n_layers; n++)
    if (net->layers[n - 1].type == BP_LAYER_DENSE && net->layers[n - 1].skip_from == (gssize) j)
      {
        g_string_append_printf (skips, " + ∂C/∂a(%zu)", n);
        g += bp_trace_dC_da (ctx->trace, n - 1, ctx->sample)[u];
        _bpv_quiz_hl_skip (b, n, j);
      }
  sum = g_strdup_printf ("W(%zu)ᵀ δ(%zu)%s", j + 1, j + 1, skips->str);
  right = g_strdup_printf ("%s(z(%zu)) ⊙ (%s)", fp, j, sum);

  wrong_add (wrongs, g_strdup_printf ("%s(z(%zu)) ⊙ (W(%zu) δ(%zu)%s)", fp, j, j + 1, j + 1,
                                      skips->str),
             g_strdup_printf (_("W instead of Wᵀ: δ goes back through the weights, so from the"
                                " %zu units of layer %zu to the %zu of layer %zu is W(%zu)ᵀ"),
                              next->out, j + 1, L->out, j, j + 1), FALSE);
  wrong_add (wrongs, g_strdup_printf ("%s(z(%zu)) ⊙ (%s)", fp, j + 1, sum),
             g_strdup_printf (_("σ′ at the wrong layer: δ(%zu) is ∂C/∂z(%zu), so the slope is"
                                " taken where a(%zu) is made, at z(%zu)"), j, j, j, j), FALSE);
  wrong_add (wrongs, g_strdup_printf ("%s(a(%zu)) ⊙ (%s)", fp, j, sum),
             g_strdup_printf (_("a instead of z: the slope is taken at the activation’s input"
                                " z(%zu), not its output"), j), FALSE);
  wrong_add (wrongs, g_strdup_printf ("%s", sum),
             g_strdup_printf (_("%s is missing: that is ∂C/∂a(%zu); δ(%zu) = ∂C/∂z(%zu) needs the"
                                " slope of the activation too"), fp, j, j, j), FALSE);
  if (net->reduction == BP_REDUCTION_MEAN)
    wrong_add (wrongs, g_strdup_printf ("(1/B) %s(z(%zu)) ⊙ (%s)", fp, j, sum),
               g_strdup (_("1/B twice: the 1/B of the mean is already inside δ(N), and so in"
                           " every δ below it")), FALSE);
  if (skips->len > 0)
    wrong_add (wrongs, g_strdup_printf ("%s(z(%zu)) ⊙ (W(%zu)ᵀ δ(%zu))", fp, j, j + 1, j + 1),
               g_strdup_printf (_("the identity path is forgotten: a(%zu) also reaches a later"
                                  " layer around the others (the skip), and that layer’s ∂C/∂a"
                                  " adds to ∂C/∂a(%zu)"), j, j), TRUE);
  add_choices (b, right, wrongs);

  s = L->act->df (bp_trace_z (ctx->trace, j - 1, ctx->sample)[u],
                  _bpv_quiz_act_value (ctx, j - 1, u), L->act_params);
  s_str = bpv_format_number (s);
  g_str = bpv_format_number (g);
  val = bpv_format_number (s * g);
  trace_val = bpv_format_number (bp_trace_dC_dz (ctx->trace, j - 1, ctx->sample)[u]);
  su = bpv_subscript (u + 1);
  _bpv_quiz_hl_neuron (b, j, u);
  for (gsize k = 0; k < next->out && k < 32; k++)
    {
      _bpv_quiz_hl_edge (b, j + 1, k, u);
      _bpv_quiz_hl_neuron (b, j + 1, k);
    }
  _bpv_quiz_set_prompt (b, g_strdup_printf (_("Which expression gives δ(%zu) from δ(%zu)? (Layer"
                                              " %zu is %s.)"), j, j + 1, j, L->act->id));
  _bpv_quiz_set_worked (b, g_strdup_printf (_("δ(%zu) = ∂C/∂z(%zu) = ∂a(%zu)/∂z(%zu) · ∂C/∂a(%zu),"
                                              " and ∂C/∂a(%zu) = %s: every way a(%zu) reaches"
                                              " the cost.\nOn the shown sample, unit %zu: %s × %s"
                                              " = %s; the backward pass has δ(%zu)%s = %s."),
                                            j, j, j, j, j, j, sum, j, u + 1, s_str, g_str, val, j,
                                            su, trace_val));
  return TRUE;
}

/* ------------------------------------------------------ the missing factor */

/* How a factor of the chain is written. */
static char *
factor_text (const BpNetwork     *net,
             const BpChain       *chain,
             const BpChainFactor *f)
{
  const BpLayer *L = f->layer >= 1 ? &net->layers[f->layer - 1] : NULL;

  switch (f->role)
    {
    case BP_FACTOR_DA_DZ:
      if (f->kind == BP_FACTOR_DIAG)
        {
          g_autofree char *fp = _bpv_quiz_act_prime (L);

          return g_strdup_printf ("diag(%s(z(%zu)))", fp, f->layer);
        }
      return g_strdup_printf ("J_%s(z(%zu))", L->act->id, f->layer);
    case BP_FACTOR_DZ_DA:
      return g_strdup_printf ("W(%zu)", f->layer);
    case BP_FACTOR_DZ_DW:
      {
        g_autofree char *a = _bpv_quiz_sub ("a", chain->layer - 1, chain->k + 1);
        g_autofree char *e = bpv_subscript (chain->j + 1);

        return g_strdup_printf ("%s e%s", a, e);
      }
    default:
      return g_strdup (f->label);
    }
}

static gboolean
factor_ok (const BpvQuizContext *ctx,
           gsize                 n)
{
  /* the chain of W(n) multiplies out to δ(n) a(n−1): shown once δ(n) is */
  return ctx->net->layers[n - 1].type == BP_LAYER_DENSE && _bpv_quiz_bwd_known (ctx, n);
}

gboolean
_bpv_quiz_factor (const BpvQuizContext *ctx,
                  BpvQuizBuild         *b,
                  GError              **error)
{
  const BpNetwork *net = ctx->net;
  g_autoptr(GArray) wrongs = g_array_new (FALSE, TRUE, sizeof (Wrong));
  g_autoptr(GArray) blanks = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_autoptr(GString) shown = g_string_new (NULL);
  g_autoptr(GString) full = g_string_new (NULL);
  g_autoptr(BpChain) chain = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *right = NULL, *name = NULL, *prod = NULL, *dj = NULL, *ak = NULL;
  const BpChainFactor *f;
  gsize i, u, v, blank;

  if (!pick_layer (ctx, b, factor_ok, &i, &u, &v))
    return _bpv_quiz_no_fit (error, _("needs a dense layer whose δ the backward pass has reached"));
  chain = bp_chain_new (net, ctx->trace, ctx->sample, i - 1, u, v, &local);
  if (chain == NULL)
    return _bpv_quiz_no_fit (error, "%s", local->message);
  for (gsize m = 0; m < chain->n_factors; m++)
    {
      const BpChainFactor *c = &chain->factors[m];

      if ((c->role == BP_FACTOR_DA_DZ && c->kind == BP_FACTOR_DIAG
           && !is_linear (&net->layers[c->layer - 1]))
          || c->role == BP_FACTOR_DZ_DA || c->role == BP_FACTOR_DZ_DW)
        g_array_append_val (blanks, m);
    }
  if (blanks->len == 0)
    return _bpv_quiz_no_fit (error, _("this chain has no factor to leave out"));
  blank = g_array_index (blanks, gsize, _bpv_quiz_pick (b, blanks->len));
  f = &chain->factors[blank];
  name = _bpv_quiz_sub2 ("∂C/∂W", i, u + 1, v + 1);
  for (gsize m = 0; m < chain->n_factors; m++)
    {
      g_autofree char *t = factor_text (net, chain, &chain->factors[m]);

      g_string_append_printf (shown, "%s%s", m > 0 ? " · " : "", m == blank ? "▢" : t);
      g_string_append_printf (full, "%s%s", m > 0 ? " · " : "", t);
    }
  right = factor_text (net, chain, f);

  if (f->role == BP_FACTOR_DA_DZ)
    {
      const BpLayer *L = &net->layers[f->layer - 1];
      g_autofree char *fn = _bpv_quiz_act_name (L);
      g_autofree char *fp = _bpv_quiz_act_prime (L);

      wrong_add (wrongs, g_strdup_printf ("diag(%s(z(%zu)))", fn, f->layer),
                 g_strdup_printf (_("σ instead of σ′: the factor is the activation’s slope, not"
                                    " its value")), FALSE);
      if (f->layer >= 2)
        wrong_add (wrongs, g_strdup_printf ("diag(%s(z(%zu)))", fp, f->layer - 1),
                   g_strdup_printf (_("the wrong layer: ∂a(%zu)/∂z(%zu) is the slope at z(%zu)"),
                                    f->layer, f->layer, f->layer), FALSE);
      wrong_add (wrongs, g_strdup_printf ("diag(%s(a(%zu)))", fp, f->layer),
                 g_strdup_printf (_("a instead of z: the slope is taken at z(%zu)"), f->layer),
                 FALSE);
      wrong_add (wrongs, g_strdup_printf ("W(%zu)", f->layer),
                 g_strdup_printf (_("W(%zu) is ∂z(%zu)/∂a(%zu), how z moves with the layer’s"
                                    " input; this factor is how a(%zu) moves with z(%zu)"),
                                  f->layer, f->layer, f->layer - 1, f->layer, f->layer), FALSE);
    }
  else if (f->role == BP_FACTOR_DZ_DA)
    {
      wrong_add (wrongs, g_strdup_printf ("W(%zu)ᵀ", f->layer),
                 g_strdup_printf (_("a transpose too many: read left to right, the chain’s"
                                    " factors are Jacobians and ∂z(%zu)/∂a(%zu) is W(%zu) itself"
                                    " (Wᵀ appears when δ is passed back)"),
                                  f->layer, f->layer - 1, f->layer), FALSE);
      if (f->layer >= 2)
        wrong_add (wrongs, g_strdup_printf ("W(%zu)", f->layer - 1),
                   g_strdup_printf (_("the wrong layer: z(%zu) is made with W(%zu)"), f->layer,
                                    f->layer), FALSE);
      if (f->layer < net->n_layers)
        wrong_add (wrongs, g_strdup_printf ("W(%zu)", f->layer + 1),
                   g_strdup_printf (_("the wrong layer: z(%zu) is made with W(%zu)"), f->layer,
                                    f->layer), FALSE);
      wrong_add (wrongs, g_strdup_printf ("a(%zu)", f->layer - 1),
                 g_strdup_printf (_("a(%zu) is what ∂z/∂W gives, not ∂z/∂a"), f->layer - 1),
                 FALSE);
    }
  else
    {
      g_autofree char *aj = _bpv_quiz_sub ("a", i, u + 1);
      g_autofree char *w = _bpv_quiz_sub2 ("W", i, u + 1, v + 1);
      g_autofree char *e = bpv_subscript (u + 1);
      g_autofree char *a = _bpv_quiz_sub ("a", i - 1, v + 1);
      g_autofree char *z = _bpv_quiz_sub ("z", i, u + 1);
      g_autofree char *fp = _bpv_quiz_act_prime (&net->layers[i - 1]);

      wrong_add (wrongs, g_strdup_printf ("%s e%s", aj, e),
                 g_strdup_printf (_("the layer’s output: W(%zu) multiplies its input a(%zu)"), i,
                                  i - 1), FALSE);
      wrong_add (wrongs, g_strdup_printf ("%s e%s", w, e),
                 g_strdup (_("the weight itself: z is linear in the weight, with the input as"
                             " its slope")), FALSE);
      wrong_add (wrongs, g_strdup_printf ("%s(%s) %s e%s", fp, z, a, e),
                 g_strdup_printf (_("%s is already in the factor ∂a(%zu)/∂z(%zu)"), fp, i, i),
                 FALSE);
    }
  add_choices (b, right, wrongs);

  prod = bpv_format_number (bp_chain_product (chain));
  dj = _bpv_quiz_sub ("δ", i, u + 1);
  ak = _bpv_quiz_sub ("a", i - 1, v + 1);
  _bpv_quiz_hl_edge (b, i, u, v);
  _bpv_quiz_hl_neuron (b, i, u);
  _bpv_quiz_hl_neuron (b, i - 1, v);
  _bpv_quiz_set_prompt (b, g_strdup_printf (_("Fill in the missing factor ▢ of the chain rule for"
                                              " the weight W(%zu)[%zu,%zu] (one sample):\n%s = %s"),
                                            i, u + 1, v + 1, name, shown->str));
  _bpv_quiz_set_worked (b, g_strdup_printf (_("%s = %s.\nMultiplied out on the shown sample the"
                                              " factors give %s = %s · %s, as the backward pass"
                                              " has it."),
                                            name, full->str, prod, dj, ak));
  return TRUE;
}
