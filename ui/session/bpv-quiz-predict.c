/* bpv-quiz-predict.c — predict, then step and see: does a weight go up or
 * down in this update (worked out with the real optimizer on a copy), which
 * layer has the smallest ‖∂C/∂W‖ (the norms the plot shows), which ReLU
 * units are dead on this batch.
 */
#include "config.h"

#include "bpv-quiz-private.h"

#include <math.h>
#include <string.h>

#include "bpv-explain.h"

/* Tries this many random weights for one whose update is not ~0. */
#define SIGN_TRIES 64

/* ----------------------------------------------------------- up or down */

gboolean
_bpv_quiz_predict_sign (const BpvQuizContext *ctx,
                        BpvQuizBuild         *b,
                        GError              **error)
{
  const BpNetwork *net = ctx->net;
  const BpvHit *h = &ctx->selection;
  g_autoptr(BpOptimizer) opt = NULL;
  g_autofree double *p = NULL;
  g_autofree char *wname = NULL, *before = NULL, *after = NULL, *delta = NULL, *grad = NULL;
  g_autoptr(GArray) dense = g_array_new (FALSE, FALSE, sizeof (gsize));
  gsize n = 0, j = 0, k = 0, idx = 0;
  gboolean found = FALSE;
  const BpLayer *L;
  double d, g;

  if (ctx->optimizer == NULL || ctx->optimizer->n_params != net->n_params)
    return _bpv_quiz_no_fit (error, _("no optimizer to predict with"));
  if (ctx->params != NULL)
    return _bpv_quiz_no_fit (error, _("the update has already been made at this stop"));
  if (!ctx->update_pending)
    return _bpv_quiz_no_fit (error, _("no update is under way: step into a pass first"));
  if (!_bpv_quiz_bwd_known (ctx, 1))
    return _bpv_quiz_no_fit (error, _("the gradient is not known yet at this stop"));

  /* the real optimizer, on copies: its state (velocity, moments) counts */
  opt = bp_optimizer_copy (ctx->optimizer);
  p = g_memdup2 (net->params, net->n_params * sizeof (double));
  bp_optimizer_step (opt, p, net->grads);

  for (gsize l = 0; l < net->n_layers; l++)
    if (net->layers[l].type == BP_LAYER_DENSE)
      g_array_append_val (dense, l);
  if (dense->len == 0)
    return _bpv_quiz_no_fit (error, _("the network has no dense layer"));
  for (gsize t = 0; t <= SIGN_TRIES && !found; t++)
    {
      if (t == 0)
        {
          if (h->kind != BPV_HIT_EDGE || h->layer < 1 || h->layer > net->n_layers
              || net->layers[h->layer - 1].type != BP_LAYER_DENSE)
            continue;
          n = h->layer;
          j = h->j;
          k = h->k;
        }
      else
        {
          n = g_array_index (dense, gsize, _bpv_quiz_pick (b, dense->len)) + 1;
          j = _bpv_quiz_pick (b, net->layers[n - 1].out);
          k = _bpv_quiz_pick (b, net->layers[n - 1].in);
        }
      L = &net->layers[n - 1];
      idx = (gsize) (L->W - net->params) + j * L->in + k;
      d = p[idx] - net->params[idx];
      /* an update of 0 (or lost in the rounding of W) has no direction */
      found = d != 0 && fabs (d) > 1e-12 * fabs (net->params[idx]);
    }
  if (!found)
    return _bpv_quiz_no_fit (error, _("this update moves no weight that can be asked about"));

  L = &net->layers[n - 1];
  g = L->dW[j * L->in + k];
  wname = _bpv_quiz_sub2 ("W", n, j + 1, k + 1);
  before = bpv_format_number (net->params[idx]);
  after = bpv_format_number (p[idx]);
  delta = bpv_format_number (d);
  grad = bpv_format_number (g);
  {
    const char *up = _("up");
    const char *down = _("down");
    gboolean against = (d > 0) == (g < 0);
    g_autofree char *wrong = against
      ? g_strdup_printf (_("the step goes against the gradient: ∂C/∂%s = %s, so %s moves the other"
                           " way, down the slope of C"), wname, grad, wname)
      : g_strdup_printf (_("this gradient (%s) alone would say so, but %s keeps going with what"
                           " the earlier steps built up (its state)"), grad, ctx->optimizer->id);

    _bpv_quiz_add_choice (b, d > 0 ? up : down, NULL);
    _bpv_quiz_add_choice (b, d > 0 ? down : up, wrong);
  }
  b->q->step_to_see = TRUE;
  _bpv_quiz_hl_edge (b, n, j, k);
  _bpv_quiz_set_prompt (b, g_strdup_printf (_("After this update (%s), does %s go up or down?"),
                                            ctx->optimizer->id, wname));
  if (strcmp (ctx->optimizer->id, "sgd") == 0 && ctx->optimizer->weight_decay == 0)
    {
      /* The rate the step takes (a schedule's, not the base rate). */
      double lr = bp_optimizer_peek_lr (ctx->optimizer);
      g_autofree char *lrs = NULL;

      lrs = bpv_format_number (lr);
      _bpv_quiz_set_worked (b, g_strdup_printf (_("SGD moves a weight against its gradient: Δ%s ="
                                                  " −lr · ∂C/∂%s = −%s × %s = %s, so %s goes from"
                                                  " %s to %s."),
                                                wname, wname, lrs, grad, delta, wname, before,
                                                after));
    }
  else
    _bpv_quiz_set_worked (b, g_strdup_printf (_("∂C/∂%s = %s; %s (with its state of the steps so"
                                                " far) moves %s by %s, from %s to %s."),
                                              wname, grad, ctx->optimizer->id, wname, delta, before,
                                              after));
  return TRUE;
}

/* --------------------------------------------------- the smallest ‖∂C/∂W‖ */

static char *
param_name (const BpLayer *L,
            gsize          n)
{
  if (L->type == BP_LAYER_BATCHNORM || L->type == BP_LAYER_LAYERNORM)
    return g_strdup_printf ("γ(%zu)", n);
  return g_strdup_printf ("W(%zu)", n);
}

gboolean
_bpv_quiz_predict_norm (const BpvQuizContext *ctx,
                        BpvQuizBuild         *b,
                        GError              **error)
{
  const BpNetwork *net = ctx->net;
  g_autofree double *norms = g_new0 (double, net->n_layers);
  g_autoptr(GArray) layers = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_autoptr(GString) list = g_string_new (NULL);
  g_autofree char *best_name = NULL;
  gsize best = G_MAXSIZE, n_wrong = 0;

  if (!_bpv_quiz_bwd_known (ctx, 1))
    return _bpv_quiz_no_fit (error, _("the gradients are not known yet at this stop"));
  bp_network_grad_norms (net, norms);
  for (gsize l = 0; l < net->n_layers; l++)
    if (net->layers[l].type != BP_LAYER_DROPOUT && isfinite (norms[l]))
      {
        g_array_append_val (layers, l);
        if (best == G_MAXSIZE || norms[l] < norms[best])
          best = l;
      }
  if (layers->len < 2)
    return _bpv_quiz_no_fit (error, _("needs two layers with parameters"));
  for (guint i = 0; i < layers->len; i++)
    {
      gsize l = g_array_index (layers, gsize, i);

      /* a near tie is no question */
      if (l != best && norms[l] <= norms[best] * (1 + 1e-6))
        return _bpv_quiz_no_fit (error, _("two layers have the same ‖∂C/∂W‖"));
    }
  best_name = param_name (&net->layers[best], best + 1);
  _bpv_quiz_add_choice (b, best_name, NULL);
  bp_rng_shuffle (&b->rng, (gsize *) layers->data, layers->len);
  for (guint i = 0; i < layers->len; i++)
    {
      gsize l = g_array_index (layers, gsize, i);
      g_autofree char *name = param_name (&net->layers[l], l + 1);
      g_autofree char *v = bpv_format_number (norms[l]);
      g_autofree char *vb = bpv_format_number (norms[best]);

      if (l == best || n_wrong >= 5)
        continue;
      _bpv_quiz_add_choice (b, name, NULL);
      g_free (g_array_index (b->choices, BpvChoice, b->choices->len - 1).mistake);
      g_array_index (b->choices, BpvChoice, b->choices->len - 1).mistake
        = g_strdup_printf (_("‖∂C/∂%s‖ = %s is larger than ‖∂C/∂%s‖ = %s"), name, v, best_name, vb);
      n_wrong++;
    }
  for (gsize l = 0; l < net->n_layers; l++)
    if (net->layers[l].type != BP_LAYER_DROPOUT)
      {
        g_autofree char *name = param_name (&net->layers[l], l + 1);
        g_autofree char *v = bpv_format_number (norms[l]);

        g_string_append_printf (list, "%s‖∂C/∂%s‖ = %s", list->len > 0 ? ", " : "", name, v);
        _bpv_quiz_hl_neuron (b, l + 1, 0);
      }
  _bpv_quiz_set_prompt (b, g_strdup (_("Which layer has the smallest gradient norm ‖∂C/∂W‖ in"
                                       " this step (the Frobenius norm the plot shows)?")));
  _bpv_quiz_set_worked (b, g_strdup_printf (_("%s: the smallest is %s's. Each δ is multiplied by"
                                              " σ′ and W on its way back, so layers far from the"
                                              " output often get smaller gradients (vanishing"
                                              " gradients)."),
                                            list->str, best_name));
  return TRUE;
}

/* ------------------------------------------------------------- dead units */

static gboolean
relu_like (const BpLayer *L)
{
  return L->type != BP_LAYER_DROPOUT && strcmp (L->act->id, "relu") == 0;
}

/* "units 2, 5", "unit 3", "none" for a 0/1 set over w units. */
static char *
set_text (const gboolean *set,
          gsize           w)
{
  GString *s = g_string_new (NULL);
  gsize count = 0;

  for (gsize u = 0; u < w; u++)
    if (set[u])
      {
        g_string_append_printf (s, "%s%zu", count > 0 ? ", " : "", u + 1);
        count++;
      }
  if (count == 0)
    {
      g_string_free (s, TRUE);
      return g_strdup (_("none"));
    }
  {
    g_autofree char *list = g_string_free (s, FALSE);

    /* TRANSLATORS: %s is a list of unit numbers, "2, 5" */
    return g_strdup_printf (dngettext (GETTEXT_PACKAGE, "unit %s", "units %s", count), list);
  }
}

gboolean
_bpv_quiz_predict_dead (const BpvQuizContext *ctx,
                        BpvQuizBuild         *b,
                        GError              **error)
{
  const BpNetwork *net = ctx->net;
  const BpTrace *t = ctx->trace;
  const BpvHit *h = &ctx->selection;
  g_autoptr(GArray) relu = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_autofree gboolean *dead = NULL, *alt = NULL;
  g_autofree double *zmax = NULL;
  g_autofree gsize *first_alive = NULL;
  g_autofree char *right = NULL;
  g_autoptr(GString) worked = g_string_new (NULL);
  gsize n, w, B = t->batch;
  const BpLayer *L;

  for (gsize l = 0; l < net->n_layers; l++)
    if (relu_like (&net->layers[l]) && _bpv_quiz_fwd_known (ctx, l + 1))
      g_array_append_val (relu, l);
  if (relu->len == 0)
    return _bpv_quiz_no_fit (error, _("the network has no ReLU layer that has run forward"));
  /* 0 on one sample is not dead: that takes the batch */
  if (B < 2)
    return _bpv_quiz_no_fit (error, _("dead units show on a batch of several samples: step by"
                                      " mini-batch"));
  if ((h->kind == BPV_HIT_NEURON || h->kind == BPV_HIT_EDGE) && h->layer >= 1
      && h->layer <= net->n_layers && relu_like (&net->layers[h->layer - 1])
      && _bpv_quiz_fwd_known (ctx, h->layer))
    n = h->layer;
  else
    n = g_array_index (relu, gsize, _bpv_quiz_pick (b, relu->len)) + 1;
  L = &net->layers[n - 1];
  w = L->out;
  dead = g_new0 (gboolean, w);
  alt = g_new0 (gboolean, w);
  zmax = g_new (double, w);
  first_alive = g_new0 (gsize, w);
  for (gsize u = 0; u < w; u++)
    {
      dead[u] = TRUE;
      zmax[u] = -INFINITY;
      for (gsize s = 0; s < B; s++)
        {
          double z = bp_trace_z (t, n - 1, s)[u];

          zmax[u] = MAX (zmax[u], z);
          /* f(z) = 0 (under a skip a = f(z) + a(j): f's value counts) */
          if (L->act->f (z, L->act_params) != 0.0 && dead[u])
            {
              dead[u] = FALSE;
              first_alive[u] = s;
            }
        }
    }
  right = set_text (dead, w);
  _bpv_quiz_add_choice (b, right, NULL);

  /* wrong sets: dead on the shown sample only; one live unit added; one
   * dead unit left out; none; all */
  for (gsize u = 0; u < w; u++)
    alt[u] = L->act->f (bp_trace_z (t, n - 1, ctx->sample)[u], L->act_params) == 0.0;
  {
    g_autofree char *txt = set_text (alt, w);

    _bpv_quiz_add_choice (b, txt, _("0 on the shown sample only: a dead unit is 0 on every sample"
                                    " of the batch"));
  }
  {
    g_autofree gsize *order = g_new (gsize, w);

    for (gsize u = 0; u < w; u++)
      order[u] = u;
    bp_rng_shuffle (&b->rng, order, w);
    for (gsize i = 0; i < w; i++)
      if (!dead[order[i]])
        {
          gsize u = order[i];
          g_autofree char *txt = NULL;
          g_autofree char *zs = bpv_format_number (bp_trace_z (t, n - 1, first_alive[u])[u]);
          g_autofree char *why = g_strdup_printf (_("unit %zu is alive: z = %s > 0 on sample %zu"),
                                                  u + 1, zs, first_alive[u] + 1);

          memcpy (alt, dead, w * sizeof (gboolean));
          alt[u] = TRUE;
          txt = set_text (alt, w);
          _bpv_quiz_add_choice (b, txt, why);
          break;
        }
    for (gsize i = 0; i < w; i++)
      if (dead[order[i]])
        {
          gsize u = order[i];
          g_autofree char *txt = NULL;
          g_autofree char *zs = bpv_format_number (zmax[u]);
          g_autofree char *why = g_strdup_printf (_("unit %zu is dead too: its z is at most %s ≤ 0"
                                                    " over the %zu samples"), u + 1, zs, B);

          memcpy (alt, dead, w * sizeof (gboolean));
          alt[u] = FALSE;
          txt = set_text (alt, w);
          _bpv_quiz_add_choice (b, txt, why);
          break;
        }
  }
  /* drop duplicates (a wrong set that is the right one, or another) */
  for (guint i = 1; i < b->choices->len; i++)
    for (guint m = 0; m < i; m++)
      if (strcmp (g_array_index (b->choices, BpvChoice, i).plain,
                  g_array_index (b->choices, BpvChoice, m).plain) == 0)
        {
          BpvChoice *c = &g_array_index (b->choices, BpvChoice, i);

          g_free (c->plain);
          g_free (c->markup);
          g_free (c->mistake);
          g_array_remove_index (b->choices, i);
          i--;
          break;
        }
  if (b->choices->len < 2)
    {
      memset (alt, 0, w * sizeof (gboolean));
      for (gsize u = 0; u < w; u++)
        alt[u] = !dead[u];
      {
        g_autofree char *txt = set_text (alt, w);

        if (strcmp (txt, right) != 0)
          _bpv_quiz_add_choice (b, txt, _("those are the live units: a dead unit is 0 on every"
                                          " sample"));
      }
    }
  if (b->choices->len < 2)
    return _bpv_quiz_no_fit (error, _("layer %zu gives no choice to make"), n);

  for (gsize u = 0; u < w && u < 64; u++)
    {
      g_autofree char *zs = bpv_format_number (zmax[u]);

      g_string_append_printf (worked, "%s%zu: %s", u > 0 ? ", " : "", u + 1, zs);
      /* the dead units, or the whole layer when none is */
      if (dead[u] || strcmp (right, _("none")) == 0)
        _bpv_quiz_hl_neuron (b, n, u);
    }
  _bpv_quiz_set_prompt (b, g_strdup_printf (dngettext (GETTEXT_PACKAGE,
                                                          "Which units of layer %zu (relu) are dead"
                                                          " on this batch of %zu sample, that is"
                                                          " a = 0 on every sample?",
                                                          "Which units of layer %zu (relu) are dead"
                                                          " on this batch of %zu samples, that is"
                                                          " a = 0 on every sample?", B), n, B));
  _bpv_quiz_set_worked (b, g_strdup_printf (_("relu(z) = 0 for z ≤ 0: a unit is dead when its z"
                                              " is ≤ 0 on every sample, and then no gradient"
                                              " reaches its weights. The largest z of each unit"
                                              " over the batch: %s. Dead: %s."),
                                            worked->str, right));
  return TRUE;
}
