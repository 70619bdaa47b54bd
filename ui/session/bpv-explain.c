/* bpv-explain.c — the inspector's text and numbers (see bpv-explain.h). */
#include "config.h"
#include "bpv-explain-private.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include <pango/pango.h>

#include "bp-gradcheck.h"
#include "bp-trainer.h"
#include "bp-util.h"
#include "bpv-events.h"
#include "bpv-latex.h"

/* U+2060: no line break here. */
#define WORD_JOINER "\u2060"
/* Entries of a vector written out before "…". */
#define MAX_ENTRIES 6
/* The chain's product "equals" backprop's ∂C/∂W when they agree to about
 * nine digits (the product is the same numbers multiplied in another
 * order): relative to |∂C/∂W|, taken as at least 1e-12, plus 1e-300 so
 * that two zeros agree. */
#define CHAIN_REL_TOL   1e-9
#define CHAIN_MIN_SCALE 1e-12
#define CHAIN_ABS_TOL   1e-300
/* The finite-difference step of the numeric checks: about the cube root
 * of the double epsilon, where a central difference's truncation and
 * rounding errors balance. */
#define FD_STEP         1e-6
/* A selected skip lists ∂C/∂a(n) of this many units of a(n) (then "…"). */
#define SKIP_UNITS_SHOWN 4

char *
bpv_format_number (double v)
{
  return bpv_format_number_digits (v, 4);
}

char *
bpv_format_number_digits (double v,
                          int    digits)
{
  char buf[64];
  GString *s;

  /* As the core's messages name them: "NaN", "+Inf", "−Inf". */
  if (!isfinite (v))
    return g_strdup (bp_nonfinite_name (v));
  if (v == 0)
    return g_strdup ("0");
  g_snprintf (buf, sizeof buf, "%.*g", CLAMP (digits, 1, 17), v);
  s = g_string_new (NULL);
  for (const char *p = buf; *p != '\0'; p++)
    {
      if (*p == '-')
        g_string_append (s, "−");
      else if (*p == 'e')
        {
          /* e-05 → e−5, e+07 → e7 */
          g_string_append_c (s, 'e');
          if (p[1] == '-')
            g_string_append (s, "−");
          p++;
          while (p[1] == '0' && p[2] != '\0')
            p++;
        }
      else
        g_string_append_c (s, *p);
    }
  return g_string_free (s, FALSE);
}

char *
bpv_subscript (gsize n)
{
  static const char *digits[] = { "₀", "₁", "₂", "₃", "₄", "₅", "₆", "₇", "₈", "₉" };
  char buf[32];
  GString *s = g_string_new (NULL);

  g_snprintf (buf, sizeof buf, "%zu", n);
  for (const char *p = buf; *p != '\0'; p++)
    g_string_append (s, digits[*p - '0']);
  return g_string_free (s, FALSE);
}


static const char *
phase_words (BpvSession *session)
{
  BpvStepper *st = bpv_session_get_stepper (session);

  if (bpv_session_is_viewing_past (session))
    return _("a past step, from the recording");
  if (bpv_session_get_running (session))
    return _("training");
  switch (bpv_stepper_get_phase (st))
    {
    case BPV_STEP_INPUT:    return _("step mode: the input");
    case BPV_STEP_FORWARD:  return _("step mode: forward pass");
    case BPV_STEP_COST:     return _("step mode: the cost");
    case BPV_STEP_BACKWARD: return _("step mode: backward pass");
    case BPV_STEP_UPDATE:   return _("step mode: the update · the numbers of the pass before it");
    case BPV_STEP_IDLE:
    default:                return _("at rest");
    }
}

/* The network whose parameters produced the shown trace: at the UPDATE
 * stop the live one already has the new weights. */
static BpNetwork *
pass_network (BpvSession *session,
              gboolean   *owned)
{
  BpvStepper *st = bpv_session_get_stepper (session);
  const BpNetwork *net = bpv_session_get_network (session);

  *owned = FALSE;
  if (!bpv_session_get_running (session) && bpv_stepper_get_phase (st) == BPV_STEP_UPDATE
      && !bpv_session_is_viewing_past (session))
    {
      BpNetwork *copy = bp_network_copy (net);

      memcpy (copy->params, bpv_stepper_get_params_before (st), copy->n_params * sizeof (double));
      *owned = TRUE;
      return copy;
    }
  return (BpNetwork *) net;
}

static gsize
param_offset (const BpNetwork *net,
              gsize            layer)
{
  gsize off = 0;

  for (gsize l = 0; l < layer; l++)
    off += bp_layer_n_weights (&net->layers[l]) + bp_layer_n_biases (&net->layers[l]);
  return off;
}

static void
append_vector (GString      *s,
               Pool         *pool,
               const double *v,
               gsize         n,
               gsize         stride)
{
  g_string_append (s, "[");
  for (gsize i = 0; i < n && i < MAX_ENTRIES; i++)
    g_string_append_printf (s, "%s%s", i > 0 ? ", " : "", num (pool, v[i * stride]));
  if (n > MAX_ENTRIES)
    g_string_append (s, ", …");
  g_string_append (s, "]");
}


/* The core's label, with the weight's indices as subscripts. */
static const char *
factor_label (Pool                *pool,
              const BpChainFactor *f,
              const char          *jk)
{
  /* A word joiner after the "/": Pango may break after a slash, and
   * "∂a(2)/" at the end of a line and "∂z(2)" on the next is unreadable. */
  if (f->role != BP_FACTOR_DZ_DW)
    {
      g_auto(GStrv) parts = g_strsplit (f->label, "/", -1);
      g_autofree char *joined = g_strjoinv ("/" WORD_JOINER, parts);

      return esc (pool, joined);
    }
  return pool_keep (pool, g_strdup_printf ("∂z(%zu)/" WORD_JOINER "∂W(%zu)%s",
                                           f->layer, f->layer, jk));
}

static void
append_factor (GString             *s,
               Pool                *pool,
               const BpChainFactor *f,
               const BpChain       *chain,
               const char          *jk)
{
  g_string_append_printf (s, "  %s = ", factor_label (pool, f, jk));
  switch (f->kind)
    {
    case BP_FACTOR_ROW:
      append_vector (s, pool, f->data, f->cols, 1);
      g_string_append_printf (s, _("   <small>1×%zu row</small>"), f->cols);
      break;
    case BP_FACTOR_DIAG:
      g_string_append (s, "diag");
      append_vector (s, pool, f->data, f->rows, 1);
      g_string_append_printf (s, _("   <small>%zu×%zu diagonal: σ′(z(%zu))</small>"), f->rows, f->rows,
                              f->layer);
      break;
    case BP_FACTOR_MATRIX:
      if (f->rows == 1)
        {
          append_vector (s, pool, f->data, f->cols, 1);
          g_string_append_printf (s, "   <small>1×%zu", f->cols);
        }
      else
        {
          double norm = 0;

          for (gsize i = 0; i < f->rows * f->cols; i++)
            norm += f->data[i] * f->data[i];
          g_string_append (s, _("[row 1: "));
          append_vector (s, pool, f->data, f->cols, 1);
          g_string_append_printf (s, "; …]   <small>%zu×%zu, ‖·‖ = %s", f->rows, f->cols,
                                  num (pool, sqrt (norm)));
        }
      if (f->role == BP_FACTOR_DZ_DA)
        g_string_append_printf (s, _(": the weights W(%zu)"), f->layer);
      else
        g_string_append (s, _(": the activation's Jacobian"));
      g_string_append (s, "</small>");
      break;
    case BP_FACTOR_COLUMN:
      g_string_append_printf (s, _("a(%zu)%s · e%s = %s in row %zu, 0 elsewhere   <small>%zu×1 column</small>"),
                              f->layer - 1, sub (pool, chain->k + 1), sub (pool, chain->j + 1),
                              num (pool, f->data[chain->j]), chain->j + 1, f->rows);
      break;
    default:
      break;
    }
  g_string_append (s, "\n");
}

static void
explain_edge (BpvExplanation *ex,
              BpvSession     *session,
              BpNetwork      *net,
              Pool           *pool,
              GString        *eq)
{
  gsize s = 0;
  const BpTrace *t = bpv_session_get_trace (session, &s);
  BpvStepper *st = bpv_session_get_stepper (session);
  gsize n = ex->hit.layer, l = n - 1, j = ex->hit.j, k = ex->hit.k;
  const BpLayer *L = &net->layers[l];
  const BpLayer *live = &bpv_session_get_network (session)->layers[l];
  const char *jk;
  const char *jj = sub (pool, j + 1), *kk = sub (pool, k + 1);
  gboolean bwd = bpv_session_backward_known (session, l);
  gboolean fwd_prev = l == 0 || bpv_session_forward_known (session, l - 1);
  gboolean running = bpv_session_get_running (session);
  /* A past step shown is at rest, whatever the stepper's stop. */
  gboolean at_update = !running && bpv_stepper_get_phase (st) == BPV_STEP_UPDATE
                       && !bpv_session_is_viewing_past (session);

  jk = pool_keep (pool, g_strdup_printf ("%s,%s", jj, kk));
  ex->title = g_strdup_printf (_("Weight W(%zu)%s"), n, jk);
  ex->weight = L->W[j * L->in + k];
  ex->batch = t->batch;

  g_string_append_printf (eq, _("W(%zu)%s = <b>%s</b>   <small>from a(%zu)%s to a(%zu)%s</small>\n"),
                          n, jk, num (pool, ex->weight), n - 1, kk, n, jj);
  if (fwd_prev)
    ex->a_prev = bp_trace_a_prev (t, l, s)[k];
  if (bwd)
    ex->delta = bp_trace_dC_dz (t, l, s)[j];

  g_string_append_printf (eq, "∂C/∂W(%zu)%s = δ(%zu)%s · a(%zu)%s\n", n, jk, n, jj, n - 1, kk);
  if (bwd && fwd_prev)
    {
      ex->product = ex->delta * ex->a_prev;
      g_string_append_printf (eq, _("      = %s × %s\n      = <b>%s</b>   <small>(this sample)</small>\n"),
                              num (pool, ex->delta), num (pool, ex->a_prev), num (pool, ex->product));
      ex->batch_gradient = L->dW[j * L->in + k];
      if (t->batch > 1)
        g_string_append_printf (eq, _("summed over the batch of %zu: ∂C/∂W(%zu)%s = <b>%s</b>\n"),
                                t->batch, n, jk, num (pool, ex->batch_gradient));
    }
  else if (!bwd)
    g_string_append_printf (eq, _("      = ? × %s   <i>(δ(%zu) comes with the backward pass)</i>\n"),
                            fwd_prev ? num (pool, ex->a_prev) : "?", n);
  else
    g_string_append (eq, "      = ?\n");

  /* Where δ(n)ⱼ comes from: its terms, to check by hand. */
  if (bwd)
    {
      gsize N = net->n_layers;

      if (n < N)
        {
          g_string_append (eq, _("where "));
          _bpv_explain_append_delta_terms (ex, eq, pool, net, t, s, l, j);
          g_string_append (eq, "\n");
        }
      else
        g_string_append_printf (eq, _("where δ(%zu)%s = ∂C/∂z(%zu)%s comes from the cost (%s)\n"),
                                n, jj, n, jj, esc (pool, net->cost->id));
    }

  if (at_update)
    ex->weight_after = live->W[j * live->in + k];
  ex->has_optimizer = TRUE;
  {
    ExplainedParam p = {
      .index = (gsize) (live->W - bpv_session_get_network (session)->params) + j * live->in + k,
      .name = pool_keep (pool, g_strdup_printf ("W(%zu)%s", n, jk)),
      .symbol = "W",
      .before = ex->weight,
      .after = ex->weight_after,
    };

    _bpv_explain_optimizer (session, &p, at_update, pool, eq, &ex->optimizer);
  }
  /* Drop the last newline. */
  if (eq->len > 0 && eq->str[eq->len - 1] == '\n')
    g_string_truncate (eq, eq->len - 1);

  /* The chain rule, factor by factor. */
  if (running)
    {
      ex->chain = g_strdup (_("<i>Pause training to see the chain rule of one sample.</i>"));
      return;
    }
  if (!bwd)
    {
      ex->chain = g_strdup_printf (_("<i>The chain rule appears when the backward pass reaches "
                                   "W(%zu).</i>"), n);
      return;
    }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(BpChain) chain = bp_chain_new (net, t, s, l, j, k, &error);
    GString *c;

    if (chain == NULL)
      {
        ex->chain = g_markup_escape_text (error->message, -1);
        return;
      }
    c = g_string_new (NULL);
    ex->chain_product = bp_chain_product (chain);
    ex->backprop = chain->backprop;
    ex->n_factors = chain->n_factors;
    /* The result first, so it is in view without scrolling past a long
     * chain (deep-sigmoid's W(1) has 19 factors). */
    g_string_append_printf (c, _("product of the %zu factors = <b>%s</b>   %s δ(%zu)%s · a(%zu)%s = %s\n"),
                            chain->n_factors, num (pool, ex->chain_product),
                            fabs (ex->chain_product - ex->backprop)
                              <= CHAIN_REL_TOL * MAX (CHAIN_MIN_SCALE, fabs (ex->backprop))
                                 + CHAIN_ABS_TOL ? _("✓ equals") : "≠",
                            n, jj, n - 1, kk, num (pool, ex->backprop));
    g_string_append_printf (c, "∂C/∂W(%zu)%s = ", n, jk);
    for (gsize f = 0; f < chain->n_factors; f++)
      g_string_append_printf (c, "%s%s", f > 0 ? " · " : "", factor_label (pool, &chain->factors[f], jk));
    g_string_append (c, "\n");
    for (gsize f = 0; f < chain->n_factors; f++)
      append_factor (c, pool, &chain->factors[f], chain, jk);
    /* Drop the last newline. */
    g_string_truncate (c, c->len - 1);
    if (chain->start < net->n_layers)
      g_string_append_printf (c, _("\n<small>(the chain starts at ∂C/∂a(%zu): a(%zu) takes its gradient "
                              "by more than one path, or from a norm or dropout layer, and the backward "
                              "pass sums them there; select a neuron of layer %zu to see its paths)</small>"),
                              chain->start, chain->start, chain->start);
    if (chain->fused)
      g_string_append_printf (c, _("\n<small>(%s on %s: the product starts from the stable "
                              "δ(%zu) = ∂C/∂z(%zu), as backprop does)</small>"),
                              esc (pool, net->cost->id),
                              esc (pool, net->layers[net->n_layers - 1].act->id),
                              net->n_layers, net->n_layers);
    ex->chain = g_string_free (c, FALSE);
  }
}

/* Does `net` have the skip connection `hit` names? */
static gboolean
skip_exists (const BpNetwork *net,
             const BpvHit    *hit)
{
  return hit->layer >= 1 && hit->layer <= net->n_layers
         && net->layers[hit->layer - 1].type == BP_LAYER_DENSE
         && net->layers[hit->layer - 1].skip_from >= 0
         && (gsize) net->layers[hit->layer - 1].skip_from == hit->j;
}

/* The skip connection into a(n) from a(j): the identity path of the chain
 * rule, ∂a(n)/∂a(j) = diag(σ′)W(n)… + I, and the ∂C/∂a(n) of the shown
 * sample that it adds into ∂C/∂a(j) unchanged. */
static void
explain_skip (BpvExplanation  *ex,
              BpvSession      *session,
              const BpNetwork *net,
              Pool            *pool,
              GString         *eq)
{
  gsize s = 0;
  const BpTrace *t = bpv_session_get_trace (session, &s);
  gsize n = ex->hit.layer, l = n - 1, j = ex->hit.j;
  const BpLayer *L = &net->layers[l];

  ex->title = g_strdup_printf (_("Skip connection a(%zu) → a(%zu)"), j, n);
  g_string_append_printf (eq, _("a(%zu) = σ(W(%zu) a(%zu) + b(%zu)) + a(%zu)   "
                          "<small>(a(%zu) is added unchanged)</small>\n"), n, n, n - 1, n, j, j);
  if (j + 1 == n)
    g_string_append_printf (eq, "∂a(%zu)/∂a(%zu) = diag(σ′(z(%zu))) W(%zu) + <b>I</b>\n", n, j, n, n);
  else
    g_string_append_printf (eq, "∂a(%zu)/∂a(%zu) = diag(σ′(z(%zu))) W(%zu) ∂a(%zu)/∂a(%zu) + <b>I</b>\n",
                            n, j, n, n, n - 1, j);
  g_string_append_printf (eq, _("<small>(the I is the identity path: the gradient reaching a(%zu) flows "
                          "back around the layers, neither multiplied by a weight nor squashed by a "
                          "σ′)</small>\n"), n);
  g_string_append_printf (eq, "∂C/∂a(%zu) += ∂C/∂a(%zu)", j, n);
  if (!bpv_session_backward_known (session, l))
    g_string_append_printf (eq, _(" = ?   <i>(the backward pass has not reached layer %zu)</i>\n"), n);
  else
    {
      const double *g = bp_trace_dC_da (t, l, s);
      gsize shown = MIN (L->out, (gsize) SKIP_UNITS_SHOWN);

      g_string_append (eq, " = (");
      for (gsize u = 0; u < shown; u++)
        g_string_append_printf (eq, "%s%s", u > 0 ? ", " : "", num (pool, g[u]));
      g_string_append_printf (eq, _("%s)   <small>(this sample, units 1…%zu of %zu)</small>\n"),
                              shown < L->out ? ", …" : "", shown, L->out);
    }
  if (j >= 1)
    g_string_append_printf (eq, _("<small>(select a unit of a(%zu) to see both paths summed: "
                            "through the layers and around them)</small>"), j);
  else
    g_string_append (eq, _("<small>(a(0) is the input: no weight below it learns from what the skip "
                         "carries back)</small>"));
}

BpvExplanation *
bpv_explain (BpvSession   *session,
             const BpvHit *hit)
{
  BpvExplanation *ex;
  Pool pool;
  GString *eq;
  BpNetwork *net;
  gboolean owned;
  gsize s = 0, B;
  const BpTrace *t;

  g_return_val_if_fail (BPV_IS_SESSION (session), NULL);

  if (hit == NULL || hit->kind == BPV_HIT_NONE)
    return NULL;
  t = bpv_session_get_trace (session, &s);
  if (t == NULL)
    return NULL;
  if (hit->kind == BPV_HIT_SKIP && !skip_exists (bpv_session_get_network (session), hit))
    return NULL;

  ex = g_new0 (BpvExplanation, 1);
  ex->hit = *hit;
  ex->weight = ex->weight_after = ex->delta = ex->a_prev = NAN;
  ex->bias = ex->bias_after = ex->gamma = ex->gamma_after = NAN;
  ex->product = ex->backprop = ex->chain_product = ex->batch_gradient = NAN;
  ex->z = ex->a = ex->dsigma = ex->neuron_delta = NAN;
  ex->delta_scale = ex->delta_shown = ex->delta_rest = NAN;
  pool.keep = g_ptr_array_new_with_free_func (g_free);
  eq = g_string_new (NULL);
  net = pass_network (session, &owned);
  B = t->batch;

  if (hit->kind == BPV_HIT_SKIP)
    explain_skip (ex, session, net, &pool, eq);
  else if (hit->kind == BPV_HIT_NEURON && hit->layer == 0)
    _bpv_explain_input (ex, session, &pool, eq);
  else if (hit->kind == BPV_HIT_NEURON || net->layers[hit->layer - 1].type != BP_LAYER_DENSE)
    /* A norm or dropout layer joins unit j to unit j: its "edge" is the unit. */
    _bpv_explain_neuron (ex, session, net, &pool, eq);
  else
    explain_edge (ex, session, net, &pool, eq);

  {
    g_autofree char *step = bpv_explain_step_text (session);

    /* TRANSLATORS: "sample 1 of 1 · training row 37 · step 1 (in progress) · step mode: …" */
    ex->context = g_strdup_printf (_("sample %zu of %zu · training row %zu · %s · %s"),
                                   s + 1, B, bpv_session_get_shown_row (session) + 1,
                                   step, phase_words (session));
  }
  ex->equations = g_string_free (eq, FALSE);
  {
    g_autofree char *plain = NULL;

    if (pango_parse_markup (ex->equations, -1, 0, NULL, &plain, NULL, NULL))
      ex->text = g_steal_pointer (&plain);
    else
      ex->text = g_strdup (ex->equations);
  }
  if (owned)
    bp_network_free (net);
  g_ptr_array_unref (pool.keep);
  return ex;
}

void
bpv_explanation_free (BpvExplanation *ex)
{
  if (ex == NULL)
    return;
  g_free (ex->title);
  g_free (ex->context);
  g_free (ex->equations);
  g_free (ex->chain);
  g_free (ex->text);
  g_free (ex);
}

guint64
bpv_explain_shown_step (BpvSession *session)
{
  BpvStepper *st;
  BpvStepPhase phase;

  g_return_val_if_fail (BPV_IS_SESSION (session), 0);

  /* Scrubbed back on the timeline: the numbers are that step's. */
  if (bpv_session_is_viewing_past (session))
    return bpv_session_get_shown_step (session);
  st = bpv_session_get_stepper (session);
  phase = bpv_stepper_get_phase (st);
  if (bpv_session_get_running (session) || phase == BPV_STEP_IDLE)
    return bpv_session_get_step_count (session);
  return bpv_stepper_get_step_count (st) + (phase == BPV_STEP_UPDATE ? 0 : 1);
}

gboolean
bpv_explain_step_in_progress (BpvSession *session)
{
  BpvStepPhase phase;

  g_return_val_if_fail (BPV_IS_SESSION (session), FALSE);

  if (bpv_session_is_viewing_past (session) || bpv_session_get_running (session))
    return FALSE;
  phase = bpv_stepper_get_phase (bpv_session_get_stepper (session));
  return phase != BPV_STEP_IDLE && phase != BPV_STEP_UPDATE;
}

char *
bpv_explain_step_text (BpvSession *session)
{
  guint64 step = bpv_explain_shown_step (session);

  /* "step 1" alone reads as one step done while the timeline counts
   * none: say that this one is still being computed. */
  if (bpv_explain_step_in_progress (session))
    return g_strdup_printf (_("step %" PRIu64 " (in progress)"), step);
  return g_strdup_printf (_("step %" PRIu64), step);
}

gboolean
bpv_explain_gradcheck (BpvSession       *session,
                       const BpvHit     *hit,
                       BpGradCheckEntry *check,
                       GError          **error)
{
  const BpNetwork *live;
  const BpDataset *ds;
  BpvStepper *st;
  g_autoptr(BpNetwork) net = NULL;
  g_autofree double *x = NULL, *y = NULL;
  const gsize *rows = NULL;
  gsize B, l, index, nf, nt, probe;

  g_return_val_if_fail (BPV_IS_SESSION (session), FALSE);
  g_return_val_if_fail (check != NULL, FALSE);

  if (hit == NULL || hit->kind == BPV_HIT_NONE || (hit->kind == BPV_HIT_NEURON && hit->layer == 0))
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   hit != NULL && hit->kind == BPV_HIT_NEURON
                   ? _("an input has no parameter to check: C compares the gradient of a weight, "
                     "or of a neuron's bias, with finite differences")
                   : _("select a weight or a neuron first"));
      return FALSE;
    }
  if (bpv_session_get_running (session))
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   _("pause training to compare with finite differences"));
      return FALSE;
    }
  live = bpv_session_get_network (session);
  ds = bpv_session_get_train (session);
  st = bpv_session_get_stepper (session);
  nf = ds->n_features;
  nt = ds->n_targets;
  l = hit->layer - 1;
  /* A weight, or for a neuron its bias b(n)ⱼ (∂C/∂b = Σₛ δ(n)ⱼ: δ checked). */
  if (hit->kind == BPV_HIT_SKIP)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   _("a skip connection has no parameter to check: it adds a(%zu) unchanged"), hit->j);
      return FALSE;
    }
  if (live->layers[l].type == BP_LAYER_DROPOUT)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   _("a dropout layer has no parameter to check"));
      return FALSE;
    }
  if (hit->kind == BPV_HIT_EDGE && live->layers[l].type == BP_LAYER_DENSE)
    index = param_offset (live, l) + hit->j * live->layers[l].in + hit->k;
  else if (hit->kind == BPV_HIT_EDGE)  /* a norm layer: γⱼ */
    index = param_offset (live, l) + hit->j;
  else
    index = param_offset (live, l) + bp_layer_n_weights (&live->layers[l]) + hit->j;

  /* The batch and the weights of the shown pass. */
  net = bp_network_copy (live);
  if (bpv_stepper_get_phase (st) != BPV_STEP_IDLE)
    {
      B = bpv_stepper_get_batch (st, &rows);
      memcpy (net->params, bpv_stepper_get_params_before (st), net->n_params * sizeof (double));
    }
  else
    {
      probe = bpv_session_get_shown_row (session);
      rows = &probe;
      B = 1;
    }
  x = g_new (double, B * nf);
  y = g_new (double, B * nt);
  for (gsize s = 0; s < B; s++)
    {
      memcpy (x + s * nf, ds->X + rows[s] * nf, nf * sizeof (double));
      memcpy (y + s * nt, ds->Y + rows[s] * nt, nt * sizeof (double));
    }
  /* Backprop on the copy, so the comparison does not depend on what the
   * screen shows; finite differences with their noise floor, so that a
   * gradient too small for them (deep in deep-sigmoid) is "not
   * resolvable", not "wrong". */
  bp_gradcheck_entry (net, x, y, B, index, FD_STEP, 0, NULL, check);
  return TRUE;
}

char *
bpv_explain_latex (BpvSession   *session,
                   const BpvHit *hit,
                   GError      **error)
{
  BpNetwork *net;
  gboolean owned;
  gsize s = 0;
  const BpTrace *t;
  char *latex;

  g_return_val_if_fail (BPV_IS_SESSION (session), NULL);

  if (hit == NULL || hit->kind != BPV_HIT_EDGE)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   _("select a weight to copy its derivation"));
      return NULL;
    }
  if (bpv_session_get_running (session))
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   _("pause training to copy the derivation of one sample"));
      return NULL;
    }
  if (!bpv_session_backward_known (session, hit->layer - 1))
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   _("the backward pass has not reached W(%zu) yet: step on to copy its derivation"),
                   hit->layer);
      return NULL;
    }
  t = bpv_session_get_trace (session, &s);
  if (t == NULL)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID, _("no pass to derive from"));
      return NULL;
    }
  /* The weights of the shown pass (before the update at the UPDATE stop). */
  net = pass_network (session, &owned);
  /* A norm layer's "edge" is its γⱼ (k = 0); dropout has none (an error). */
  latex = bpv_latex_weight_derivation (net, t, s, hit->layer - 1, hit->j,
                                       net->layers[hit->layer - 1].type == BP_LAYER_DENSE ? hit->k : 0,
                                       error);
  if (owned)
    bp_network_free (net);
  return latex;
}
