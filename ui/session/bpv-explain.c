/* bpv-explain.c — the inspector's text and numbers (see bpv-explain.h). */
#include "config.h"
#include "bpv-explain.h"

#include <math.h>
#include <string.h>

#include <pango/pango.h>

#include "bp-gradcheck.h"
#include "bp-trainer.h"
#include "bp-util.h"
#include "bpv-events.h"
#include "bpv-latex.h"
#include "bpv-math.h"

/* U+2060: no line break here. */
#define WORD_JOINER "\u2060"
/* Terms of a sum written out, largest first, before the rest is folded
 * into "+ n more terms, sum …" (a sum of MAX_TERMS + 1 is shown whole). */
#define MAX_TERMS   4
/* Entries of a vector written out before "…". */
#define MAX_ENTRIES 6
/* A sigmoid or tanh unit whose slope σ′(z) is below this passes less
 * than a hundredth of the gradient: "saturated". */
#define SATURATED_SLOPE 0.01
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

char *
bpv_format_number (double v)
{
  char buf[64];
  GString *s;

  /* As the core's messages name them: "NaN", "+Inf", "−Inf". */
  if (!isfinite (v))
    return g_strdup (bp_nonfinite_name (v));
  if (v == 0)
    return g_strdup ("0");
  g_snprintf (buf, sizeof buf, "%.4g", v);
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

/* Numbers and subscripts inline: a small ring of buffers would be fragile,
 * so the builders below keep their strings in a GPtrArray that owns them. */
typedef struct
{
  GPtrArray *keep;
} Pool;

/* `s` (newly allocated) now belongs to the pool; returns it. */
static const char *
pool_keep (Pool *pool,
           char *s)
{
  g_ptr_array_add (pool->keep, s);
  return s;
}

static const char *
num (Pool  *pool,
     double v)
{
  return pool_keep (pool, bpv_format_number (v));
}

static const char *
sub (Pool  *pool,
     gsize  n)
{
  return pool_keep (pool, bpv_subscript (n));
}

static const char *
esc (Pool       *pool,
     const char *text)
{
  return pool_keep (pool, g_markup_escape_text (text != NULL ? text : "", -1));
}

/* A descriptor's formula as math (bpv-math.h), not its TeX source. */
static const char *
math (Pool       *pool,
      const char *formula)
{
  return pool_keep (pool, bpv_math_to_markup (formula));
}

static const char *
phase_words (BpvSession *session)
{
  BpvStepper *st = bpv_session_get_stepper (session);

  if (bpv_session_get_running (session))
    return "training";
  switch (bpv_stepper_get_phase (st))
    {
    case BPV_STEP_INPUT:    return "step mode: the input";
    case BPV_STEP_FORWARD:  return "step mode: forward pass";
    case BPV_STEP_COST:     return "step mode: the cost";
    case BPV_STEP_BACKWARD: return "step mode: backward pass";
    case BPV_STEP_UPDATE:   return "step mode: the update · the numbers of the pass before it";
    case BPV_STEP_IDLE:
    default:                return "at rest";
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
  if (!bpv_session_get_running (session) && bpv_stepper_get_phase (st) == BPV_STEP_UPDATE)
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
static void
append_delta_terms (BpvExplanation  *ex,
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
    g_string_append_printf (eq, "δ(%zu)%s = σ′(z(%zu)%s) · Σ<sub>k</sub> W(%zu)<sub>k</sub>%s δ(%zu)<sub>k</sub>"
                            "   <small>(%zu %s through layer\u00a0%zu)</small>\n      = %s × [",
                            n, jj, n, jj, n + 1, jj, n + 1, terms->n_terms,
                            terms->n_terms == 1 ? "path" : "paths", n + 1,
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
    g_string_append_printf (eq, " + <i>%zu more term%s, sum</i> %s", n_rest, n_rest == 1 ? "" : "s",
                            num (pool, rest));
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
    g_string_append_printf (eq, " + <i>%zu more term%s, sum</i> %s", n - shown,
                            n - shown == 1 ? "" : "s", num (pool, rest));
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
      g_string_append_printf (eq, "  • through batch norm layer %zu: γ%s/√(running var + eps) · δ(%zu)%s = "
                              "<b>%s</b>   <small>(eval mode: the running statistics are "
                              "constants, one term)</small>\n",
                              q, ii, q, ii, num (pool, nt->term[0]));
      return;
    }
  g_string_append_printf (eq, "  • through %s norm layer %zu: (1/√(σ² + eps)) · (γ%s δ(%zu)%s − mean(γδ(%zu))%s "
                          "− x̂(%zu)%s · mean(γδ(%zu) ⊙ x̂(%zu))%s)   <small>(σ², means over %s)</small>\n",
                          batch ? "batch" : "layer", q, ii, q, ii, q, ii, q, ii, q, q, ii,
                          batch ? pool_keep (pool, g_strdup_printf ("the batch of %zu", t->batch))
                                : pool_keep (pool, g_strdup_printf ("the sample’s %zu features",
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
      g_string_append_printf (eq, "  • around layer%s %zu%s%s (the skip from a(%zu) into a(%zu)): "
                              "∂C/∂a(%zu)%s · 1 = <b>%s</b>\n",
                              q > n + 1 ? "s" : "", n + 1, q > n + 1 ? "–" : "",
                              q > n + 1 ? pool_keep (pool, g_strdup_printf ("%zu", q)) : "",
                              n, q, q, ii, num (pool, path->product));
      break;
    case BP_PATH_DENSE:
      g_string_append_printf (eq, "  • through layer %zu: Σ<sub>k</sub> W(%zu)<sub>k</sub>%s δ(%zu)<sub>k</sub> = ",
                              q, q, ii, q);
      append_products (eq, pool, path->factors[1].data, path->factors[0].data, path->factors[0].cols);
      g_string_append_printf (eq, " = <b>%s</b>\n", num (pool, path->product));
      break;
    case BP_PATH_NORM:
      append_norm_path (eq, pool, net, t, path, ii);
      break;
    case BP_PATH_DROPOUT:
      g_string_append_printf (eq, "  • through dropout layer %zu: ∂C/∂a(%zu)%s · mask%s/(1 − p) = %s × %s = "
                              "<b>%s</b>%s\n",
                              q, q, ii, ii, num (pool, path->factors[0].data[0]),
                              num (pool, path->factors[1].data[0]), num (pool, path->product),
                              path->factors[1].data[0] == 0 ? "   <small>(dropped in this sample)</small>" : "");
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
    g_string_append_printf (eq, "δ(%zu)%s = ∂C/∂a(%zu)%s   <small>(dropout has no z)</small>", n, ii, n, ii);
  else
    g_string_append_printf (eq, "δ(%zu)%s = σ′(z(%zu)%s) · ∂C/∂a(%zu)%s", n, ii, n, ii, n, ii);
  g_string_append_printf (eq, "   <small>(%zu path%s into a(%zu)%s)</small>\n", gp->n_paths,
                          gp->n_paths == 1 ? "" : "s", n, ii);
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
                          !batch ? pool_keep (pool, g_strdup_printf ("μ, σ² of the sample over its %zu features", w))
                          : t->eval ? "μ, σ²: the running statistics (eval mode)"
                          : pool_keep (pool, g_strdup_printf ("μ, σ² of unit %zu over the batch of %zu", j + 1,
                                                              t->batch)));
  if (!fwd)
    {
      g_string_append_printf (eq, "      = ?   <i>(the forward pass has not reached layer %zu)</i>\n", n);
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
        g_string_append_printf (eq, "\n∂C/∂β(%zu)%s = Σ<sub>s</sub> δ(%zu)%s;  this sample: <b>%s</b>",
                                n, jj, n, jj, num (pool, bp_chain_product (c)));
      else
        g_string_append_printf (eq, "\n∂C/∂γ(%zu)%s = Σ<sub>s</sub> δ(%zu)%s x̂(%zu)%s;  this sample: "
                                "%s × %s = <b>%s</b>",
                                n, jj, n, jj, n, jj, num (pool, bp_trace_dC_dz (t, l, s)[j]),
                                num (pool, t->xhat[l][s * L->out + j]), num (pool, bp_chain_product (c)));
      if (t->batch > 1)
        g_string_append_printf (eq, ", summed over the batch of %zu: <b>%s</b>", t->batch,
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
    g_string_append_printf (eq, "a(%zu)%s = a(%zu)%s = <b>%s</b>   <small>(eval mode: dropout passes "
                            "its input through)</small>\n", n, jj, n - 1, jj,
                            num (pool, bp_trace_a (t, l, s)[j]));
  else
    {
      double mask = t->mask[l][s * L->out + j];

      g_string_append_printf (eq, "a(%zu)%s = a(%zu)%s · mask%s/(1 − p) = %s × %s/(1 − %s) = <b>%s</b>   "
                              "<small>(%s in this sample)</small>\n",
                              n, jj, n - 1, jj, jj, num (pool, bp_trace_a_prev (t, l, s)[j]),
                              num (pool, mask), num (pool, L->p), num (pool, bp_trace_a (t, l, s)[j]),
                              mask == 0 ? "dropped" : "kept");
    }
  ex->a = bp_trace_a (t, l, s)[j];
  if (!bpv_session_backward_known (session, l))
    {
      g_string_append_printf (eq, "δ(%zu)%s = ∂C/∂a(%zu)%s = ?   <i>(the backward pass has not reached "
                              "layer %zu)</i>", n, jj, n, jj, n);
      return;
    }
  ex->neuron_delta = bp_trace_dC_dz (t, l, s)[j];
  if (n == net->n_layers)
    g_string_append_printf (eq, "δ(%zu)%s = ∂C/∂a(%zu)%s = <b>%s</b>   <small>(dropout has no z)</small>",
                            n, jj, n, jj, num (pool, ex->neuron_delta));
  else
    append_delta_terms (ex, eq, pool, net, t, s, l, j);
}

static void
explain_input (BpvExplanation *ex,
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

  ex->title = g_strdup_printf ("Input a(0)%s", sub (pool, j + 1));
  ex->a = x;
  g_string_append_printf (eq, "a(0)%s = x%s = <b>%s</b>", sub (pool, j + 1), sub (pool, j + 1),
                          num (pool, x));
  if (name != NULL)
    g_string_append_printf (eq, "\nfeature “%s” of the sample", esc (pool, name));
}

static void
explain_neuron (BpvExplanation *ex,
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

  ex->title = g_strdup_printf ("Neuron a(%zu)%s%s", n, jj, n == N ? " (output)" : "");

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
    g_string_append_printf (eq, "      = ?   <i>(the forward pass has not reached layer %zu)</i>\n", n);

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
            g_string_append (eq, "   <b>dead</b> for this sample: no gradient passes");
          else if ((g_strcmp0 (L->act->id, "sigmoid") == 0 || g_strcmp0 (L->act->id, "tanh") == 0)
                   && fabs (ds) < SATURATED_SLOPE)
            g_string_append (eq, "   <b>saturated</b>: the gradient is squashed");
          g_string_append (eq, "\n");
        }
      else
        {
          double *J = g_new (double, L->out * L->out);

          bp_network_act_jacobian (net, t, l, s, J);
          ds = J[j * L->out + j];
          g_string_append_printf (eq, "∂a/∂z is a full Jacobian (%s): ∂a%s/∂z%s = <b>%s</b>\n",
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
        g_string_append_printf (eq, "target y%s = %s,   cost of the sample l = %s   <small>(%s)</small>\n",
                                jj, num (pool, y[j]), num (pool, t->per_sample_loss[s]),
                                math (pool, net->cost->formula));
    }

  /* δ(n)_j */
  if (!bwd)
    {
      g_string_append_printf (eq, "δ(%zu)%s = ∂C/∂z(%zu)%s = ?   <i>(the backward pass has not reached layer %zu)</i>",
                              n, jj, n, jj, n);
      return;
    }
  ex->neuron_delta = bp_trace_dC_dz (t, l, s)[j];
  if (n == N)
    {
      gboolean fused = net->cost->grad_z != NULL && net->cost->output_activation != NULL
                       && L->skip_from < 0
                       && g_strcmp0 (net->cost->output_activation, L->act_id) == 0;

      if (fused)
        g_string_append_printf (eq, "δ(%zu)%s = ∂C/∂z(%zu)%s = <b>%s</b>   <small>(%s on %s, "
                                "computed directly from z: (a − y)%s)</small>",
                                n, jj, n, jj, num (pool, ex->neuron_delta), esc (pool, net->cost->id),
                                esc (pool, L->act->id), t->batch > 1 ? "/B" : "");
      else
        g_string_append_printf (eq, "δ(%zu)%s = ∂C/∂a(%zu)%s · σ′(z) = %s × %s = <b>%s</b>",
                                n, jj, n, jj, num (pool, bp_trace_dC_da (t, l, s)[j]),
                                num (pool, ds), num (pool, ex->neuron_delta));
    }
  else
    append_delta_terms (ex, eq, pool, net, t, s, l, j);
  if (L->type != BP_LAYER_DENSE)
    append_norm_gradients (eq, pool, net, t, s, l, j);
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
      g_string_append_printf (s, "   <small>1×%zu row</small>", f->cols);
      break;
    case BP_FACTOR_DIAG:
      g_string_append (s, "diag");
      append_vector (s, pool, f->data, f->rows, 1);
      g_string_append_printf (s, "   <small>%zu×%zu diagonal: σ′(z(%zu))</small>", f->rows, f->rows,
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
          g_string_append_printf (s, "[row 1: ");
          append_vector (s, pool, f->data, f->cols, 1);
          g_string_append_printf (s, "; …]   <small>%zu×%zu, ‖·‖ = %s", f->rows, f->cols,
                                  num (pool, sqrt (norm)));
        }
      if (f->role == BP_FACTOR_DZ_DA)
        g_string_append_printf (s, ": the weights W(%zu)", f->layer);
      else
        g_string_append (s, ": the activation's Jacobian");
      g_string_append (s, "</small>");
      break;
    case BP_FACTOR_COLUMN:
      g_string_append_printf (s, "a(%zu)%s · e%s = %s in row %zu, 0 elsewhere   <small>%zu×1 column</small>",
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
  gboolean at_update = !running && bpv_stepper_get_phase (st) == BPV_STEP_UPDATE;

  jk = pool_keep (pool, g_strdup_printf ("%s,%s", jj, kk));
  ex->title = g_strdup_printf ("Weight W(%zu)%s", n, jk);
  ex->weight = L->W[j * L->in + k];
  ex->batch = t->batch;

  g_string_append_printf (eq, "W(%zu)%s = <b>%s</b>   <small>from a(%zu)%s to a(%zu)%s</small>\n",
                          n, jk, num (pool, ex->weight), n - 1, kk, n, jj);
  if (fwd_prev)
    ex->a_prev = bp_trace_a_prev (t, l, s)[k];
  if (bwd)
    ex->delta = bp_trace_dC_dz (t, l, s)[j];

  g_string_append_printf (eq, "∂C/∂W(%zu)%s = δ(%zu)%s · a(%zu)%s\n", n, jk, n, jj, n - 1, kk);
  if (bwd && fwd_prev)
    {
      ex->product = ex->delta * ex->a_prev;
      g_string_append_printf (eq, "      = %s × %s\n      = <b>%s</b>   <small>(this sample)</small>\n",
                              num (pool, ex->delta), num (pool, ex->a_prev), num (pool, ex->product));
      ex->batch_gradient = L->dW[j * L->in + k];
      if (t->batch > 1)
        g_string_append_printf (eq, "summed over the batch of %zu: ∂C/∂W(%zu)%s = <b>%s</b>\n",
                                t->batch, n, jk, num (pool, ex->batch_gradient));
    }
  else if (!bwd)
    g_string_append_printf (eq, "      = ? × %s   <i>(δ(%zu) comes with the backward pass)</i>\n",
                            fwd_prev ? num (pool, ex->a_prev) : "?", n);
  else
    g_string_append (eq, "      = ?\n");

  /* Where δ(n)ⱼ comes from: its terms, to check by hand. */
  if (bwd)
    {
      gsize N = net->n_layers;

      if (n < N)
        {
          g_string_append (eq, "where ");
          append_delta_terms (ex, eq, pool, net, t, s, l, j);
          g_string_append (eq, "\n");
        }
      else
        g_string_append_printf (eq, "where δ(%zu)%s = ∂C/∂z(%zu)%s comes from the cost (%s)\n",
                                n, jj, n, jj, esc (pool, net->cost->id));
    }

  if (at_update)
    {
      ex->weight_after = live->W[j * live->in + k];
      g_string_append_printf (eq, "update (%s): W(%zu)%s  %s → <b>%s</b>   <small>(Δ = %s)</small>\n",
                              esc (pool, bpv_session_get_optimizer (session)->id), n, jk,
                              num (pool, ex->weight), num (pool, ex->weight_after),
                              num (pool, ex->weight_after - ex->weight));
    }
  /* Drop the last newline. */
  if (eq->len > 0 && eq->str[eq->len - 1] == '\n')
    g_string_truncate (eq, eq->len - 1);

  /* The chain rule, factor by factor. */
  if (running)
    {
      ex->chain = g_strdup ("<i>Pause training to see the chain rule of one sample.</i>");
      return;
    }
  if (!bwd)
    {
      ex->chain = g_strdup_printf ("<i>The chain rule appears when the backward pass reaches "
                                   "W(%zu).</i>", n);
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
    g_string_append_printf (c, "product of the %zu factors = <b>%s</b>   %s δ(%zu)%s · a(%zu)%s = %s\n",
                            chain->n_factors, num (pool, ex->chain_product),
                            fabs (ex->chain_product - ex->backprop)
                              <= CHAIN_REL_TOL * MAX (CHAIN_MIN_SCALE, fabs (ex->backprop))
                                 + CHAIN_ABS_TOL ? "✓ equals" : "≠",
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
      g_string_append_printf (c, "\n<small>(the chain starts at ∂C/∂a(%zu): a(%zu) takes its gradient "
                              "by more than one path, or from a norm or dropout layer, and the backward "
                              "pass sums them there; select a neuron of layer %zu to see its paths)</small>",
                              chain->start, chain->start, chain->start);
    if (chain->fused)
      g_string_append_printf (c, "\n<small>(%s on %s: the product starts from the stable "
                              "δ(%zu) = ∂C/∂z(%zu), as backprop does)</small>",
                              esc (pool, net->cost->id),
                              esc (pool, net->layers[net->n_layers - 1].act->id),
                              net->n_layers, net->n_layers);
    ex->chain = g_string_free (c, FALSE);
  }
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

  ex = g_new0 (BpvExplanation, 1);
  ex->hit = *hit;
  ex->weight = ex->weight_after = ex->delta = ex->a_prev = NAN;
  ex->product = ex->backprop = ex->chain_product = ex->batch_gradient = NAN;
  ex->z = ex->a = ex->dsigma = ex->neuron_delta = NAN;
  ex->delta_scale = ex->delta_shown = ex->delta_rest = NAN;
  pool.keep = g_ptr_array_new_with_free_func (g_free);
  eq = g_string_new (NULL);
  net = pass_network (session, &owned);
  B = t->batch;

  if (hit->kind == BPV_HIT_NEURON && hit->layer == 0)
    explain_input (ex, session, &pool, eq);
  else if (hit->kind == BPV_HIT_NEURON || net->layers[hit->layer - 1].type != BP_LAYER_DENSE)
    /* A norm or dropout layer joins unit j to unit j: its "edge" is the unit. */
    explain_neuron (ex, session, net, &pool, eq);
  else
    explain_edge (ex, session, net, &pool, eq);

  ex->context = g_strdup_printf ("sample %zu of %zu · training row %zu · step %" G_GUINT64_FORMAT
                                 " · %s",
                                 s + 1, B, bpv_session_get_shown_row (session) + 1,
                                 bpv_explain_shown_step (session), phase_words (session));
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

  st = bpv_session_get_stepper (session);
  phase = bpv_stepper_get_phase (st);
  if (bpv_session_get_running (session) || phase == BPV_STEP_IDLE)
    return bpv_session_get_step_count (session);
  return bpv_stepper_get_step_count (st) + (phase == BPV_STEP_UPDATE ? 0 : 1);
}

BpvChainQuiz *
bpv_explain_chain_quiz (BpvSession *session)
{
  BpvChainQuiz *q;
  gsize s = 0;
  const BpTrace *t;
  const BpNetwork *live;
  g_autoptr(BpNetwork) owned_net = NULL;
  BpNetwork *net;
  gboolean owned = FALSE;
  double b2, h = FD_STEP;

  g_return_val_if_fail (BPV_IS_SESSION (session), NULL);

  q = g_new0 (BpvChainQuiz, 1);
  q->a1 = q->z2 = q->a2 = q->w2 = q->dtanh = q->answer = q->numeric = NAN;
  q->w2_after = q->z2_after = q->dtanh_after = q->answer_after = NAN;
  live = bpv_session_get_network (session);
  t = bpv_session_get_trace (session, &s);
  q->fits = live->n_inputs == 1 && live->n_layers == 2 && live->layers[0].out == 1
            && live->layers[1].out == 1 && g_strcmp0 (live->layers[1].act_id, "tanh") == 0
            && t != NULL && bp_trace_fits (t, live);
  if (!q->fits)
    {
      q->markup = g_strdup ("<i>(The live answer needs the example’s 1–1–1 network with tanh at layer 2.)</i>");
      return q;
    }
  q->known = bpv_session_forward_known (session, 1);
  if (!q->known)
    {
      q->markup = g_strdup ("<b>Answer: (C)</b>  ∂a(2)/∂a(1) = tanh′(z(2)) · w(2) = (1 − a(2)²) · w(2)   "
                            "<i>(its numbers appear when the forward pass reaches layer 2)</i>");
      return q;
    }

  /* The weights of the pass shown, as the inspector's: not the live ones,
   * which at the UPDATE stop already hold the step's result. */
  net = pass_network (session, &owned);
  if (owned)
    owned_net = net;
  q->a1 = bp_trace_a (t, 0, s)[0];
  q->z2 = bp_trace_z (t, 1, s)[0];
  q->a2 = bp_trace_a (t, 1, s)[0];
  q->w2 = net->layers[1].W[0];
  b2 = net->layers[1].b[0];
  q->dtanh = 1 - q->a2 * q->a2;
  q->answer = q->dtanh * q->w2;
  q->numeric = (tanh (q->w2 * (q->a1 + h) + b2) - tanh (q->w2 * (q->a1 - h) + b2)) / (2 * h);
  q->after_update = owned && live->layers[0].act->f != NULL;
  if (q->after_update)
    {
      /* The same sample through the weights after the step. */
      const BpLayer *L1 = &live->layers[0], *L2 = &live->layers[1];
      double x = t->input[s * t->n_inputs];
      double a1 = L1->act->f (L1->W[0] * x + L1->b[0], L1->act_params);

      q->w2_after = L2->W[0];
      q->z2_after = q->w2_after * a1 + L2->b[0];
      q->dtanh_after = 1 - tanh (q->z2_after) * tanh (q->z2_after);
      q->answer_after = q->dtanh_after * q->w2_after;
    }
  bpv_event ("QUIZ a1=%.17g z2=%.17g w2=%.17g answer=%.17g fd=%.17g", q->a1, q->z2, q->w2, q->answer,
             q->numeric);
  {
    GString *m = g_string_new (NULL);

    g_string_append_printf (m, "<b>Answer: (C)</b>  ∂a(2)/∂a(1) = tanh′(z(2)) · w(2) = (1 − a(2)²) · w(2)%s"
                            "%.4f · %.4f = <b>%.5f</b>   (a(1) = %.4f, z(2) = %.4f; "
                            "nudging a(1) by ±10⁻⁶ changes a(2) at the rate %.5f)",
                            q->after_update ? "\n<b>Before the step</b> (the pass shown): " : " = ",
                            q->dtanh, q->w2, q->answer, q->a1, q->z2, q->numeric);
    if (q->after_update)
      g_string_append_printf (m, "\n<b>After the step</b> (the new weights, same sample): w(2) = %.4f, "
                              "z(2) = %.4f, so ∂a(2)/∂a(1) = %.4f · %.4f = %.5f",
                              q->w2_after, q->z2_after, q->dtanh_after, q->w2_after, q->answer_after);
    q->markup = g_string_free (m, FALSE);
  }
  return q;
}

void
bpv_chain_quiz_free (BpvChainQuiz *quiz)
{
  if (quiz == NULL)
    return;
  g_free (quiz->markup);
  g_free (quiz);
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
                   ? "an input has no parameter to check: C compares the gradient of a weight, "
                     "or of a neuron's bias, with finite differences"
                   : "select a weight or a neuron first");
      return FALSE;
    }
  if (bpv_session_get_running (session))
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   "pause training to compare with finite differences");
      return FALSE;
    }
  live = bpv_session_get_network (session);
  ds = bpv_session_get_train (session);
  st = bpv_session_get_stepper (session);
  nf = ds->n_features;
  nt = ds->n_targets;
  l = hit->layer - 1;
  /* A weight, or for a neuron its bias b(n)ⱼ (∂C/∂b = Σₛ δ(n)ⱼ: δ checked). */
  if (live->layers[l].type == BP_LAYER_DROPOUT)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   "a dropout layer has no parameter to check");
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
                   "select a weight to copy its derivation");
      return NULL;
    }
  if (bpv_session_get_running (session))
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   "pause training to copy the derivation of one sample");
      return NULL;
    }
  if (!bpv_session_backward_known (session, hit->layer - 1))
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   "the backward pass has not reached W(%zu) yet: step on to copy its derivation",
                   hit->layer);
      return NULL;
    }
  t = bpv_session_get_trace (session, &s);
  if (t == NULL)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID, "no pass to derive from");
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
