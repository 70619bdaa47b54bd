/* bpv-explain-neuron.c — a neuron's text in the inspector: z, a, σ′ and
 * δ as its terms or as its paths (skips, batch/layer norm, dropout), a
 * norm unit's x̂, γ and β, a dropout unit's mask.  Part of the
 * bpv-explain family (bpv-explain-private.h).
 */
#include "config.h"
#include "bpv-explain-private.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

/* Terms of a sum written out, largest first, before the rest is folded
 * into "+ n more terms, sum …" (a sum of MAX_TERMS + 1 is shown whole). */
#define MAX_TERMS   4
/* A sigmoid or tanh unit whose slope σ′(z) is below this passes less
 * than a hundredth of the gradient: "saturated". */
#define SATURATED_SLOPE 0.01

/* Indices sorted by |f[k]·g[k]|, largest first (ties by index). */
typedef struct
{
  const double *f;
  const double *g;
} MagnitudeOrder;

static gint
compare_by_magnitude (gconstpointer a,
                      gconstpointer b,
                      gpointer      data)
{
  const MagnitudeOrder *o = data;
  gsize i = *(const gsize *) a, k = *(const gsize *) b;
  double x = fabs (o->f[i] * o->g[i]), y = fabs (o->f[k] * o->g[k]);

  if (x != y)
    return x > y ? -1 : 1;
  return i < k ? -1 : i > k;
}

static void append_delta_paths (BpvExplanation     *ex,
                                GString            *eq,
                                Pool               *pool,
                                const BpNetwork    *net,
                                const BpTrace      *t,
                                const BpDeltaTerms *terms);

/* δ(n)ⱼ of a hidden unit as its terms (bp_delta_terms_new): the largest
 * paths written out, the rest summed with their count, so each number can
 * be multiplied out by hand. */
void
_bpv_explain_append_delta_terms (BpvExplanation  *ex,
                                 GString         *eq,
                                 Pool            *pool,
                                 const BpNetwork *net,
                                 const BpTrace   *t,
                                 gsize            s,
                                 gsize            l,
                                 gsize            j)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpDeltaTerms) terms = bp_delta_terms_new (net, t, s, l, j, &error);
  gsize n = l + 1, shown, n_rest = 0;
  const char *jj = sub (pool, j + 1);
  double head = 0, rest;

  if (terms == NULL)
    {
      g_string_append_printf (eq, "δ(%zu)%s: %s", n, jj, esc (pool, error->message));
      return;
    }
  if (terms->paths != NULL)
    {
      append_delta_paths (ex, eq, pool, net, t, terms);
      return;
    }
  shown = terms->n_terms <= MAX_TERMS + 1 ? terms->n_terms : MAX_TERMS;
  rest = bp_delta_terms_rest (terms, shown, &n_rest);
  if (terms->jacobian)
    g_string_append_printf (eq, "δ(%zu)%s = Σ<sub>m</sub> ∂a(%zu)<sub>m</sub>/\u2060∂z(%zu)%s · "
                            "(W(%zu)ᵀ δ(%zu))<sub>m</sub>\n      = ",
                            n, jj, n, n, jj, n + 1, n + 1);
  else
    g_string_append_printf (eq, ngettext ("δ(%zu)%s = σ′(z(%zu)%s) · Σ<sub>k</sub> W(%zu)<sub>k</sub>%s δ(%zu)<sub>k</sub>"
                                      "   <small>(%zu path through layer\u00a0%zu)</small>\n      = %s × [",
                                      "δ(%zu)%s = σ′(z(%zu)%s) · Σ<sub>k</sub> W(%zu)<sub>k</sub>%s δ(%zu)<sub>k</sub>"
                                      "   <small>(%zu paths through layer\u00a0%zu)</small>\n      = %s × [",
                                      terms->n_terms),
                            n, jj, n, jj, n + 1, jj, n + 1, terms->n_terms, n + 1,
                            num (pool, terms->scale));
  for (gsize m = 0; m < shown; m++)
    {
      const BpDeltaTerm *term = &terms->terms[m];

      head += term->product;
      /* "(w)·(δ)": no line break inside a term. */
      g_string_append_printf (eq, "%s(%s)·(%s)", m > 0 ? " + " : "",
                              num (pool, term->factor), num (pool, term->value));
    }
  if (n_rest > 0)
    g_string_append_printf (eq, ngettext (" + <i>%zu more term, sum</i> %s", " + <i>%zu more terms, sum</i> %s",
                                      n_rest), n_rest, num (pool, rest));
  if (terms->jacobian)
    g_string_append_printf (eq, "\n      = <b>%s</b>", num (pool, terms->delta));
  else
    g_string_append_printf (eq, "]\n      = %s × %s = <b>%s</b>", num (pool, terms->scale),
                            num (pool, terms->sum), num (pool, terms->delta));
  ex->delta_scale = terms->scale;
  ex->delta_shown = head;
  ex->delta_rest = rest;
  ex->n_delta_terms = terms->n_terms;
  ex->n_delta_shown = shown;
}

/* The products f[k]·g[k] written out "(f)·(g) + …": all of them in
 * order, or when there are too many the largest, the rest folded with
 * their count. */
static void
append_products (GString      *eq,
                 Pool         *pool,
                 const double *f,
                 const double *g,
                 gsize         n)
{
  g_autofree gsize *order = g_new (gsize, MAX (n, 1));
  gsize shown = n <= MAX_TERMS + 1 ? n : MAX_TERMS;
  double rest = 0;

  for (gsize k = 0; k < n; k++)
    order[k] = k;
  if (shown < n)
    g_qsort_with_data (order, (gint) n, sizeof (gsize), compare_by_magnitude,
                       &(MagnitudeOrder) { f, g });
  for (gsize m = 0; m < shown; m++)
    g_string_append_printf (eq, "%s(%s)·(%s)", m > 0 ? " + " : "", num (pool, f[order[m]]),
                            num (pool, g[order[m]]));
  for (gsize m = shown; m < n; m++)
    rest += f[order[m]] * g[order[m]];
  if (shown < n)
    g_string_append_printf (eq, ngettext (" + <i>%zu more term, sum</i> %s", " + <i>%zu more terms, sum</i> %s",
                                      n - shown), n - shown, num (pool, rest));
}

/* A norm layer's three backward terms into a(n−1)ᵢ (bp_norm_terms). */
static void
append_norm_path (GString            *eq,
                  Pool               *pool,
                  const BpNetwork    *net,
                  const BpTrace      *t,
                  const BpGradPath   *path,
                  const char         *ii)
{
  const BpNormTerms *nt = &path->norm;
  gsize q = path->layer;
  gboolean batch = nt->type == BP_LAYER_BATCHNORM;

  if (nt->eval)
    {
      g_string_append_printf (eq, _("  • through batch norm layer %zu: γ%s/√(running var + eps) · δ(%zu)%s = "
                              "<b>%s</b>   <small>(eval mode: the running statistics are "
                              "constants, one term)</small>\n"),
                              q, ii, q, ii, num (pool, nt->term[0]));
      return;
    }
  g_string_append_printf (eq, batch
                          ? _("  • through batch norm layer %zu: (1/√(σ² + eps)) · (γ%s δ(%zu)%s − mean(γδ(%zu))%s "
                              "− x̂(%zu)%s · mean(γδ(%zu) ⊙ x̂(%zu))%s)   <small>(σ², means over %s)</small>\n")
                          : _("  • through layer norm layer %zu: (1/√(σ² + eps)) · (γ%s δ(%zu)%s − mean(γδ(%zu))%s "
                              "− x̂(%zu)%s · mean(γδ(%zu) ⊙ x̂(%zu))%s)   <small>(σ², means over %s)</small>\n"),
                          q, ii, q, ii, q, ii, q, ii, q, q, ii,
                          batch ? pool_keep (pool, g_strdup_printf (_("the batch of %zu"), t->batch))
                                : pool_keep (pool, g_strdup_printf (_("the sample’s %zu features"),
                                                                    net->layers[q - 1].out)));
  g_string_append_printf (eq, "      = %s × (%s − %s − (%s)·(%s))\n", num (pool, nt->inv_std),
                          num (pool, nt->g), num (pool, nt->mean_g), num (pool, nt->xhat),
                          num (pool, nt->mean_gx));
  g_string_append_printf (eq, "      = (%s) + (%s) + (%s) = <b>%s</b>\n", num (pool, nt->term[0]),
                          num (pool, nt->term[1]), num (pool, nt->term[2]), num (pool, path->product));
}

/* One path into a(n)ᵢ (bp_grad_paths_new), its numbers multiplied out. */
static void
append_path (GString            *eq,
             Pool               *pool,
             const BpNetwork    *net,
             const BpTrace      *t,
             const BpGradPaths  *gp,
             const BpGradPath   *path,
             const char         *ii)
{
  gsize n = gp->layer, q = path->layer;

  switch (path->kind)
    {
    case BP_PATH_SKIP:
      if (q > n + 1)
        g_string_append_printf (eq, _("  • around layers %zu–%zu (the skip from a(%zu) into a(%zu)): "
                                      "∂C/∂a(%zu)%s · 1 = <b>%s</b>\n"),
                                n + 1, q, n, q, q, ii, num (pool, path->product));
      else
        g_string_append_printf (eq, _("  • around layer %zu (the skip from a(%zu) into a(%zu)): "
                                      "∂C/∂a(%zu)%s · 1 = <b>%s</b>\n"),
                                n + 1, n, q, q, ii, num (pool, path->product));
      break;
    case BP_PATH_DENSE:
      g_string_append_printf (eq, _("  • through layer %zu: Σ<sub>k</sub> W(%zu)<sub>k</sub>%s δ(%zu)<sub>k</sub> = "),
                              q, q, ii, q);
      append_products (eq, pool, path->factors[1].data, path->factors[0].data, path->factors[0].cols);
      g_string_append_printf (eq, " = <b>%s</b>\n", num (pool, path->product));
      break;
    case BP_PATH_NORM:
      append_norm_path (eq, pool, net, t, path, ii);
      break;
    case BP_PATH_DROPOUT:
      g_string_append_printf (eq, _("  • through dropout layer %zu: ∂C/∂a(%zu)%s · mask%s/(1 − p) = %s × %s = "
                              "<b>%s</b>%s\n"),
                              q, q, ii, ii, num (pool, path->factors[0].data[0]),
                              num (pool, path->factors[1].data[0]), num (pool, path->product),
                              path->factors[1].data[0] == 0 ? _("   <small>(dropped in this sample)</small>") : "");
      break;
    }
}

/* δ(n)ᵢ where the gradient reaches a(n)ᵢ by more than W(n+1)ᵀ δ(n+1) (a
 * skip from a(n), a norm or dropout layer above, or n itself dropout):
 * σ′ times the sum of the paths, each multiplied out. */
static void
append_delta_paths (BpvExplanation     *ex,
                    GString            *eq,
                    Pool               *pool,
                    const BpNetwork    *net,
                    const BpTrace      *t,
                    const BpDeltaTerms *terms)
{
  const BpGradPaths *gp = terms->paths;
  gsize n = terms->layer;
  const char *ii = sub (pool, terms->unit + 1);
  gboolean dropout = net->layers[n - 1].type == BP_LAYER_DROPOUT;

  if (terms->jacobian)
    g_string_append_printf (eq, "δ(%zu)%s = Σ<sub>m</sub> ∂a(%zu)<sub>m</sub>/\u2060∂z(%zu)%s · "
                            "∂C/∂a(%zu)<sub>m</sub>", n, ii, n, n, ii, n);
  else if (dropout)
    g_string_append_printf (eq, _("δ(%zu)%s = ∂C/∂a(%zu)%s   <small>(dropout has no z)</small>"), n, ii, n, ii);
  else
    g_string_append_printf (eq, "δ(%zu)%s = σ′(z(%zu)%s) · ∂C/∂a(%zu)%s", n, ii, n, ii, n, ii);
  g_string_append_printf (eq, ngettext ("   <small>(%zu path into a(%zu)%s)</small>\n",
                                    "   <small>(%zu paths into a(%zu)%s)</small>\n", gp->n_paths),
                          gp->n_paths, n, ii);
  for (gsize p = 0; p < gp->n_paths; p++)
    append_path (eq, pool, net, t, gp, &gp->paths[p], ii);
  g_string_append_printf (eq, "  ∂C/∂a(%zu)%s = ", n, ii);
  for (gsize p = 0; p < gp->n_paths && gp->n_paths > 1; p++)
    g_string_append_printf (eq, "%s(%s)", p > 0 ? " + " : "", num (pool, gp->paths[p].product));
  g_string_append_printf (eq, "%s<b>%s</b>\n", gp->n_paths > 1 ? " = " : "", num (pool, gp->sum));
  if (terms->jacobian)
    g_string_append_printf (eq, "δ(%zu)%s = <b>%s</b>", n, ii, num (pool, terms->delta));
  else if (dropout)
    g_string_append_printf (eq, "δ(%zu)%s = <b>%s</b>", n, ii, num (pool, terms->delta));
  else
    g_string_append_printf (eq, "δ(%zu)%s = %s × %s = <b>%s</b>", n, ii, num (pool, terms->scale),
                            num (pool, terms->sum), num (pool, terms->delta));
  ex->delta_scale = terms->scale;
  ex->delta_shown = terms->sum;
  ex->delta_rest = 0;
  ex->n_delta_terms = gp->n_paths;
  ex->n_delta_shown = gp->n_paths;
}

/* x̂ and z of a batch- or layer-norm unit: z(n)ⱼ = γⱼ x̂ⱼ + βⱼ. */
static void
append_norm_forward (BpvExplanation  *ex,
                     const BpNetwork *net,
                     const BpTrace   *t,
                     Pool            *pool,
                     GString         *eq,
                     gsize            s,
                     gsize            l,
                     gsize            j,
                     gboolean         fwd)
{
  const BpLayer *L = &net->layers[l];
  gsize n = l + 1, w = L->out;
  const char *jj = sub (pool, j + 1);
  gboolean batch = L->type == BP_LAYER_BATCHNORM;
  gsize stat = batch ? j : s;  /* μ and 1/√(σ² + eps): per unit, or per sample */

  g_string_append_printf (eq, "x̂(%zu)%s = (a(%zu)%s − μ)/√(σ² + eps)   <small>(%s)</small>\n",
                          n, jj, n - 1, jj,
                          !batch ? pool_keep (pool, g_strdup_printf (_("μ, σ² of the sample over its %zu features"), w))
                          : t->eval ? _("μ, σ²: the running statistics (eval mode)")
                          : pool_keep (pool, g_strdup_printf (_("μ, σ² of unit %zu over the batch of %zu"), j + 1,
                                                              t->batch)));
  if (!fwd)
    {
      g_string_append_printf (eq, _("      = ?   <i>(the forward pass has not reached layer %zu)</i>\n"), n);
      return;
    }
  g_string_append_printf (eq, "      = (%s − (%s)) × %s = %s\n", num (pool, bp_trace_a_prev (t, l, s)[j]),
                          num (pool, t->mu[l][stat]), num (pool, t->inv_std[l][stat]),
                          num (pool, t->xhat[l][s * w + j]));
  ex->z = bp_trace_z (t, l, s)[j];
  ex->a = bp_trace_a (t, l, s)[j];
  g_string_append_printf (eq, "z(%zu)%s = γ(%zu)%s x̂(%zu)%s + β(%zu)%s = %s × %s + %s = <b>%s</b>\n",
                          n, jj, n, jj, n, jj, n, jj, num (pool, L->W[j]),
                          num (pool, t->xhat[l][s * w + j]), num (pool, L->b[j]), num (pool, ex->z));
}

/* ∂C/∂γ(n)ⱼ and ∂C/∂β(n)ⱼ of a norm unit: this sample's chain
 * (bp_chain_new_param) and the batch's sum. */
static void
append_norm_gradients (GString         *eq,
                       Pool            *pool,
                       const BpNetwork *net,
                       const BpTrace   *t,
                       gsize            s,
                       gsize            l,
                       gsize            j)
{
  const BpLayer *L = &net->layers[l];
  const char *jj = sub (pool, j + 1);
  gsize n = l + 1;

  for (int beta = 0; beta <= 1; beta++)
    {
      g_autoptr(BpChain) c = bp_chain_new_param (net, t, s, l, j, 0,
                                                 beta ? BP_CHAIN_BETA : BP_CHAIN_GAMMA, NULL);

      if (c == NULL)
        continue;
      if (beta)
        g_string_append_printf (eq, _("\n∂C/∂β(%zu)%s = Σ<sub>s</sub> δ(%zu)%s;  this sample: <b>%s</b>"),
                                n, jj, n, jj, num (pool, bp_chain_product (c)));
      else
        g_string_append_printf (eq, _("\n∂C/∂γ(%zu)%s = Σ<sub>s</sub> δ(%zu)%s x̂(%zu)%s;  this sample: "
                                "%s × %s = <b>%s</b>"),
                                n, jj, n, jj, n, jj, num (pool, bp_trace_dC_dz (t, l, s)[j]),
                                num (pool, t->xhat[l][s * L->out + j]), num (pool, bp_chain_product (c)));
      if (t->batch > 1)
        g_string_append_printf (eq, _(", summed over the batch of %zu: <b>%s</b>"), t->batch,
                                num (pool, beta ? L->db[j] : L->dW[j]));
    }
}

/* A dropout unit: a(n)ⱼ = a(n−1)ⱼ · maskⱼ/(1 − p), no z, no σ′. */
static void
explain_dropout (BpvExplanation  *ex,
                 BpvSession      *session,
                 const BpNetwork *net,
                 Pool            *pool,
                 GString         *eq)
{
  gsize s = 0;
  const BpTrace *t = bpv_session_get_trace (session, &s);
  gsize n = ex->hit.layer, l = n - 1, j = ex->hit.j;
  const BpLayer *L = &net->layers[l];
  const char *jj = sub (pool, j + 1);

  if (!bpv_session_forward_known (session, l))
    g_string_append_printf (eq, "a(%zu)%s = a(%zu)%s · mask%s/(1 − p) = ?\n", n, jj, n - 1, jj, jj);
  else if (t->eval)
    g_string_append_printf (eq, _("a(%zu)%s = a(%zu)%s = <b>%s</b>   <small>(eval mode: dropout passes "
                            "its input through)</small>\n"), n, jj, n - 1, jj,
                            num (pool, bp_trace_a (t, l, s)[j]));
  else
    {
      double mask = t->mask[l][s * L->out + j];

      g_string_append_printf (eq, _("a(%zu)%s = a(%zu)%s · mask%s/(1 − p) = %s × %s/(1 − %s) = <b>%s</b>   "
                              "<small>(%s in this sample)</small>\n"),
                              n, jj, n - 1, jj, jj, num (pool, bp_trace_a_prev (t, l, s)[j]),
                              num (pool, mask), num (pool, L->p), num (pool, bp_trace_a (t, l, s)[j]),
                              mask == 0 ? _("dropped") : _("kept"));
    }
  ex->a = bp_trace_a (t, l, s)[j];
  if (!bpv_session_backward_known (session, l))
    {
      g_string_append_printf (eq, _("δ(%zu)%s = ∂C/∂a(%zu)%s = ?   <i>(the backward pass has not reached "
                              "layer %zu)</i>"), n, jj, n, jj, n);
      return;
    }
  ex->neuron_delta = bp_trace_dC_dz (t, l, s)[j];
  if (n == net->n_layers)
    g_string_append_printf (eq, _("δ(%zu)%s = ∂C/∂a(%zu)%s = <b>%s</b>   <small>(dropout has no z)</small>"),
                            n, jj, n, jj, num (pool, ex->neuron_delta));
  else
    _bpv_explain_append_delta_terms (ex, eq, pool, net, t, s, l, j);
}

void
_bpv_explain_input (BpvExplanation *ex,
                    BpvSession     *session,
                    Pool           *pool,
                    GString        *eq)
{
  const BpDataset *ds = bpv_session_get_dataset (session);
  gsize s = 0;
  const BpTrace *t = bpv_session_get_trace (session, &s);
  gsize j = ex->hit.j;
  double x = t->input[s * t->n_inputs + j];
  const char *name = ds->feature_names != NULL && j < g_strv_length (ds->feature_names)
                     ? ds->feature_names[j] : NULL;

  ex->title = g_strdup_printf (_("Input a(0)%s"), sub (pool, j + 1));
  ex->a = x;
  g_string_append_printf (eq, "a(0)%s = x%s = <b>%s</b>", sub (pool, j + 1), sub (pool, j + 1),
                          num (pool, x));
  if (name != NULL)
    g_string_append_printf (eq, _("\nfeature “%s” of the sample"), esc (pool, name));
}

/* The optimizer's state for the unit's parameters, as for a weight: b(n)ⱼ
 * of a dense unit, γ(n)ⱼ and β(n)ⱼ of a norm unit (`net` is the pass's
 * network: at the Update stop the one before the step). */
static void
append_unit_optimizer (BpvExplanation  *ex,
                       BpvSession      *session,
                       const BpNetwork *net,
                       Pool            *pool,
                       GString         *eq)
{
  const BpNetwork *live_net = bpv_session_get_network (session);
  gsize l = ex->hit.layer - 1, j = ex->hit.j, n = l + 1;
  const BpLayer *L = &net->layers[l], *live = &live_net->layers[l];
  BpvStepper *st = bpv_session_get_stepper (session);
  gboolean at_update = !bpv_session_get_running (session)
                       && bpv_stepper_get_phase (st) == BPV_STEP_UPDATE
                       && !bpv_session_is_viewing_past (session);
  gboolean norm = L->type != BP_LAYER_DENSE;
  const char *jj = sub (pool, j + 1);

  ex->bias = L->b[j];
  ex->bias_after = at_update ? live->b[j] : NAN;
  if (norm)
    {
      ExplainedParam p = {
        .index = (gsize) (live->W - live_net->params) + j,
        .name = pool_keep (pool, g_strdup_printf ("γ(%zu)%s", n, jj)),
        .symbol = "γ",
        .before = L->W[j],
        .after = at_update ? live->W[j] : NAN,
        .in_heading = TRUE,
      };

      ex->gamma = p.before;
      ex->gamma_after = p.after;
      ex->has_gamma_optimizer = TRUE;
      g_string_append (eq, "\n");
      _bpv_explain_optimizer (session, &p, at_update, pool, eq, &ex->gamma_optimizer);
    }
  {
    ExplainedParam p = {
      .index = (gsize) (live->b - live_net->params) + j,
      .name = pool_keep (pool, g_strdup_printf ("%s(%zu)%s", norm ? "β" : "b", n, jj)),
      .symbol = norm ? "β" : "b",
      .before = ex->bias,
      .after = ex->bias_after,
      .in_heading = TRUE,
    };

    ex->has_optimizer = TRUE;
    g_string_append (eq, "\n");
    _bpv_explain_optimizer (session, &p, at_update, pool, eq, &ex->optimizer);
  }
  if (eq->len > 0 && eq->str[eq->len - 1] == '\n')
    g_string_truncate (eq, eq->len - 1);
}

void
_bpv_explain_neuron (BpvExplanation *ex,
                     BpvSession     *session,
                     const BpNetwork *net,
                     Pool           *pool,
                     GString        *eq)
{
  gsize s = 0;
  const BpTrace *t = bpv_session_get_trace (session, &s);
  gsize n = ex->hit.layer, l = n - 1, j = ex->hit.j, N = net->n_layers;
  const BpLayer *L = &net->layers[l];
  const char *jj = sub (pool, j + 1);
  gboolean fwd = bpv_session_forward_known (session, l);
  gboolean bwd = bpv_session_backward_known (session, l);
  const double *a_prev = bp_trace_a_prev (t, l, s);
  double z = bp_trace_z (t, l, s)[j], a = bp_trace_a (t, l, s)[j];
  double f_val = a;  /* σ(z): a, less a skip's a(j) */
  double ds = NAN;

  ex->title = g_strdup_printf (n == N ? _("Neuron a(%zu)%s (output)") : _("Neuron a(%zu)%s"), n, jj);

  if (L->type == BP_LAYER_DROPOUT)
    {
      explain_dropout (ex, session, net, pool, eq);
      return;
    }
  if (L->type != BP_LAYER_DENSE)
    append_norm_forward (ex, net, t, pool, eq, s, l, j, fwd);
  else
    /* z(n)_j = Σ_k W(n)_jk a(n−1)_k + b(n)_j */
    g_string_append_printf (eq, "z(%zu)%s = Σ<sub>k</sub> W(%zu)%s<sub>k</sub> a(%zu)<sub>k</sub> + b(%zu)%s\n",
                            n, jj, n, jj, n - 1, n, jj);
  if (L->type == BP_LAYER_DENSE && fwd)
    {
      g_string_append (eq, "      = ");
      append_products (eq, pool, L->W + j * L->in, a_prev, L->in);
      g_string_append_printf (eq, " + %s\n      = <b>%s</b>\n", num (pool, L->b[j]), num (pool, z));
      ex->z = z;
      ex->a = a;
    }
  else if (L->type == BP_LAYER_DENSE)
    g_string_append_printf (eq, _("      = ?   <i>(the forward pass has not reached layer %zu)</i>\n"), n);

  /* a(n)_j = σ(z) and σ′(z) (under a skip: a = σ(z) + a(j), σ′ of σ(z)) */
  if (fwd)
    {
      if (L->skip_from >= 0)
        {
          f_val = t->h[l][s * L->out + j];
          g_string_append_printf (eq, "a(%zu)%s = σ(z) + a(%zd)%s = %s(%s) + (%s) = <b>%s</b>   "
                                  "<small>(the skip from a(%zd))</small>\n",
                                  n, jj, L->skip_from, jj, esc (pool, L->act->id), num (pool, z),
                                  num (pool, a - f_val), num (pool, a), L->skip_from);
        }
      else if (L->act->f != NULL)
        g_string_append_printf (eq, "a(%zu)%s = σ(z) = %s(%s) = <b>%s</b>\n", n, jj,
                                esc (pool, L->act->id), num (pool, z), num (pool, a));
      else  /* softmax-like: a unit depends on the whole layer */
        g_string_append_printf (eq, "a(%zu)%s = %s(z(%zu))%s = <b>%s</b>\n", n, jj,
                                esc (pool, L->act->id), n, jj, num (pool, a));
      if (L->act->df != NULL)
        {
          ds = L->act->df (z, f_val, L->act_params);
          g_string_append_printf (eq, "σ′(z) = <b>%s</b>   <small>(%s)</small>", num (pool, ds),
                                  math (pool, L->act->derivative_formula));
          if (g_strcmp0 (L->act->id, "relu") == 0 && z <= 0)
            g_string_append (eq, _("   <b>dead</b> for this sample: no gradient passes"));
          else if ((g_strcmp0 (L->act->id, "sigmoid") == 0 || g_strcmp0 (L->act->id, "tanh") == 0)
                   && fabs (ds) < SATURATED_SLOPE)
            g_string_append (eq, _("   <b>saturated</b>: the gradient is squashed"));
          g_string_append (eq, "\n");
        }
      else
        {
          double *J = g_new (double, L->out * L->out);

          bp_network_act_jacobian (net, t, l, s, J);
          ds = J[j * L->out + j];
          g_string_append_printf (eq, _("∂a/∂z is a full Jacobian (%s): ∂a%s/∂z%s = <b>%s</b>\n"),
                                  esc (pool, L->act->id), jj, jj, num (pool, ds));
          g_free (J);
        }
      ex->dsigma = ds;
    }
  else
    g_string_append_printf (eq, "a(%zu)%s = σ(z) = ?\n", n, jj);

  if (n == N && fwd)
    {
      const double *y = t->target + s * bp_network_n_outputs (net);

      if (bpv_session_backward_known (session, l) || bpv_stepper_cost_known (bpv_session_get_stepper (session))
          || bpv_stepper_get_phase (bpv_session_get_stepper (session)) == BPV_STEP_IDLE)
        g_string_append_printf (eq, _("target y%s = %s,   cost of the sample l = %s   <small>(%s)</small>\n"),
                                jj, num (pool, y[j]), num (pool, t->per_sample_loss[s]),
                                math (pool, net->cost->formula));
    }

  /* δ(n)_j */
  if (!bwd)
    {
      g_string_append_printf (eq, _("δ(%zu)%s = ∂C/∂z(%zu)%s = ?   <i>(the backward pass has not reached layer %zu)</i>"),
                              n, jj, n, jj, n);
      append_unit_optimizer (ex, session, net, pool, eq);
      return;
    }
  ex->neuron_delta = bp_trace_dC_dz (t, l, s)[j];
  if (n == N)
    {
      gboolean fused = net->cost->grad_z != NULL && net->cost->output_activation != NULL
                       && L->skip_from < 0
                       && g_strcmp0 (net->cost->output_activation, L->act_id) == 0;

      if (fused)
        g_string_append_printf (eq, _("δ(%zu)%s = ∂C/∂z(%zu)%s = <b>%s</b>   <small>(%s on %s, "
                                "computed directly from z: (a − y)%s)</small>"),
                                n, jj, n, jj, num (pool, ex->neuron_delta), esc (pool, net->cost->id),
                                esc (pool, L->act->id), t->batch > 1 ? "/B" : "");
      else
        g_string_append_printf (eq, "δ(%zu)%s = ∂C/∂a(%zu)%s · σ′(z) = %s × %s = <b>%s</b>",
                                n, jj, n, jj, num (pool, bp_trace_dC_da (t, l, s)[j]),
                                num (pool, ds), num (pool, ex->neuron_delta));
    }
  else
    _bpv_explain_append_delta_terms (ex, eq, pool, net, t, s, l, j);
  if (L->type != BP_LAYER_DENSE)
    append_norm_gradients (eq, pool, net, t, s, l, j);
  append_unit_optimizer (ex, session, net, pool, eq);
}
