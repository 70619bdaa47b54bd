/* bp-chain.c — the factors of ∂C/∂W(i)_jk for one sample, as numbers. */
#include "config.h"
#include "bp-chain.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static BpChainFactor *
add_factor (GArray       *factors,
            BpFactorKind  kind,
            BpFactorRole  role,
            gsize         layer,
            gsize         rows,
            gsize         cols,
            char         *label)
{
  BpChainFactor f = { kind, role, layer, rows, cols, NULL, label };
  gsize n = kind == BP_FACTOR_DIAG ? rows : rows * cols;

  f.data = g_new0 (double, MAX (n, 1));
  g_array_append_val (factors, f);
  return &g_array_index (factors, BpChainFactor, factors->len - 1);
}

/* The slope σ′(z(n)) of unit m of layer l for sample s: under a skip the
 * activation's value is h = f(z), not a = h + a(j). */
static double
unit_slope (const BpLayer *L,
            const BpTrace *t,
            gsize          l,
            gsize          s,
            gsize          m)
{
  const double *f = L->skip_from >= 0 ? t->h[l] + s * L->out : bp_trace_a (t, l, s);

  return L->act->df (bp_trace_z (t, l, s)[m], f[m], L->act_params);
}

/* Does a(p) (1-based; p ≥ 1) feed some layer's skip? */
static gboolean
feeds_skip (const BpNetwork *net,
            gsize            p)
{
  for (gsize q = 0; q < net->n_layers; q++)
    if (net->layers[q].skip_from == (gssize) p)
      return TRUE;
  return FALSE;
}

/* The C index of the layer whose ∂C/∂a the chain of layer `layer` starts
 * from: up the layers while a(m+1) feeds only dense layer m+1 (see
 * BpChain.start).  N − 1 for a plain chain. */
static gsize
chain_start (const BpNetwork *net,
             gsize            layer)
{
  gsize m = layer;

  while (m + 1 < net->n_layers && net->layers[m + 1].type == BP_LAYER_DENSE &&
         !feeds_skip (net, m + 1))
    m++;
  return m;
}

static gboolean
check_trace (const BpNetwork  *net,
             const BpTrace    *trace,
             GError          **error)
{
  if (!bp_trace_fits (trace, net) || trace->batch == 0)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_SHAPE,
                   _("the trace does not belong to this network or holds no pass"));
      return FALSE;
    }
  return TRUE;
}

static const char *
param_name (BpChainParam param)
{
  return param == BP_CHAIN_GAMMA ? "γ" : param == BP_CHAIN_BETA ? "β" : "W";
}

BpChain *
bp_chain_new (const BpNetwork *net,
              const BpTrace   *trace,
              gsize            sample,
              gsize            layer,
              gsize            j,
              gsize            k,
              GError         **error)
{
  gboolean norm;

  g_return_val_if_fail (net != NULL && trace != NULL, NULL);

  norm = layer < net->n_layers && (net->layers[layer].type == BP_LAYER_BATCHNORM ||
                                   net->layers[layer].type == BP_LAYER_LAYERNORM);
  return bp_chain_new_param (net, trace, sample, layer, j, k,
                             norm ? BP_CHAIN_GAMMA : BP_CHAIN_WEIGHT, error);
}

BpChain *
bp_chain_new_param (const BpNetwork *net,
                    const BpTrace   *trace,
                    gsize            sample,
                    gsize            layer,
                    gsize            j,
                    gsize            k,
                    BpChainParam     param,
                    GError         **error)
{
  GArray *factors;
  BpChain *chain;
  BpChainFactor *f;
  const BpLayer *Li;
  gsize N = net->n_layers, m;
  gboolean norm;

  g_return_val_if_fail (net != NULL && trace != NULL, NULL);

  if (!check_trace (net, trace, error))
    return NULL;
  if (layer < N && net->layers[layer].type == BP_LAYER_DROPOUT)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   _("layer %zu is a dropout layer: it has no parameters to differentiate"),
                   layer + 1);
      return NULL;
    }
  norm = layer < N && net->layers[layer].type != BP_LAYER_DENSE;
  if (sample >= trace->batch || layer >= N || j >= net->layers[layer].out ||
      (norm ? k != 0 || param == BP_CHAIN_WEIGHT
            : k >= net->layers[layer].in || param != BP_CHAIN_WEIGHT))
    {
      if (norm || param != BP_CHAIN_WEIGHT)
        g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                     _("no parameter %s(%zu)[%zu] for sample %zu in this network"),
                     param_name (param), layer + 1, j + 1, sample + 1);
      else
        g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                     _("no weight W(%zu)[%zu,%zu] for sample %zu in this network"),
                     layer + 1, j + 1, k + 1, sample + 1);
      return NULL;
    }

  Li = &net->layers[layer];
  m = chain_start (net, layer);
  factors = g_array_new (FALSE, TRUE, sizeof (BpChainFactor));

  /* ∂C/∂a(m): a row, including the 1/B of the mean. */
  f = add_factor (factors, BP_FACTOR_ROW, BP_FACTOR_DC_DA, m + 1, 1, net->layers[m].out,
                  g_strdup_printf ("∂C/∂a(%zu)", m + 1));
  memcpy (f->data, bp_trace_dC_da (trace, m, sample), f->cols * sizeof (double));

  for (gsize l = m + 1; l-- > layer;)
    {
      const BpLayer *L = &net->layers[l];
      gsize n = L->out;

      /* ∂a(n)/∂z(n): diagonal σ′(z(n)) or the full Jacobian (softmax). */
      if (L->act->vec_vjp != NULL)
        {
          f = add_factor (factors, BP_FACTOR_MATRIX, BP_FACTOR_DA_DZ, l + 1, n, n,
                          g_strdup_printf ("∂a(%zu)/∂z(%zu)", l + 1, l + 1));
          bp_network_act_jacobian (net, trace, l, sample, f->data);
        }
      else
        {
          f = add_factor (factors, BP_FACTOR_DIAG, BP_FACTOR_DA_DZ, l + 1, n, n,
                          g_strdup_printf ("∂a(%zu)/∂z(%zu)", l + 1, l + 1));
          for (gsize u = 0; u < n; u++)
            f->data[u] = unit_slope (L, trace, l, sample, u);
        }

      /* ∂z(n)/∂a(n−1) = W(n), down to the layer of the weight. */
      if (l > layer)
        {
          f = add_factor (factors, BP_FACTOR_MATRIX, BP_FACTOR_DZ_DA, l + 1, L->out, L->in,
                          g_strdup_printf ("∂z(%zu)/∂a(%zu)", l + 1, l));
          memcpy (f->data, L->W, L->out * L->in * sizeof (double));
        }
    }

  /* ∂z(i)/∂W(i)_jk = a(i−1)_k e_j: only row j depends on W_jk; for a norm
   * layer ∂z(i)/∂γ_j = x̂_j e_j and ∂z(i)/∂β_j = e_j. */
  if (param == BP_CHAIN_WEIGHT)
    f = add_factor (factors, BP_FACTOR_COLUMN, BP_FACTOR_DZ_DW, layer + 1, Li->out, 1,
                    g_strdup_printf ("∂z(%zu)/∂W(%zu)_%zu%zu", layer + 1, layer + 1, j + 1, k + 1));
  else
    f = add_factor (factors, BP_FACTOR_COLUMN, BP_FACTOR_DZ_DW, layer + 1, Li->out, 1,
                    g_strdup_printf ("∂z(%zu)/∂%s(%zu)_%zu", layer + 1, param_name (param),
                                     layer + 1, j + 1));
  switch (param)
    {
    case BP_CHAIN_WEIGHT:
      f->data[j] = bp_trace_a_prev (trace, layer, sample)[k];
      break;
    case BP_CHAIN_GAMMA:
      f->data[j] = trace->xhat[layer][sample * Li->out + j];
      break;
    case BP_CHAIN_BETA:
      f->data[j] = 1.0;
      break;
    }

  chain = g_new0 (BpChain, 1);
  chain->sample = sample;
  chain->layer = layer + 1;
  chain->j = j;
  chain->k = k;
  chain->param = param;
  chain->start = m + 1;
  chain->backprop = bp_trace_dC_dz (trace, layer, sample)[j] * f->data[j];
  {
    const BpLayer *last = &net->layers[N - 1];

    /* As the backward pass decides (bp-network-layers.c). */
    chain->fused = m + 1 == N && net->cost->grad_z != NULL && last->skip_from < 0 &&
                   last->type != BP_LAYER_DROPOUT &&
                   g_strcmp0 (last->act_id, net->cost->output_activation) == 0;
    if (chain->fused)
      chain->fused_dC_dz = g_memdup2 (bp_trace_dC_dz (trace, N - 1, sample),
                                      last->out * sizeof (double));
  }
  chain->n_factors = factors->len;
  chain->factors = (BpChainFactor *) g_array_free (factors, FALSE);
  return chain;
}

void
bp_chain_free (BpChain *chain)
{
  if (chain == NULL)
    return;
  for (gsize i = 0; i < chain->n_factors; i++)
    {
      g_free (chain->factors[i].data);
      g_free (chain->factors[i].label);
    }
  g_free (chain->factors);
  g_free (chain->fused_dC_dz);
  g_free (chain);
}

double
bp_chain_product (const BpChain *chain)
{
  /* A running row vector v, multiplied by each factor in turn. */
  g_autofree double *v = NULL;
  gsize n, first = 1;
  double result = 0.0;

  g_return_val_if_fail (chain != NULL && chain->n_factors >= 2, 0.0);
  g_return_val_if_fail (chain->factors[0].kind == BP_FACTOR_ROW, 0.0);

  n = chain->factors[0].cols;
  if (chain->fused)
    {
      /* δ(N) = ∂C/∂a(N) · ∂a(N)/∂z(N), in the cost's stable form. */
      v = g_memdup2 (chain->fused_dC_dz, n * sizeof (double));
      first = 2;
    }
  else
    v = g_memdup2 (chain->factors[0].data, n * sizeof (double));

  for (gsize i = first; i < chain->n_factors; i++)
    {
      const BpChainFactor *f = &chain->factors[i];

      switch (f->kind)
        {
        case BP_FACTOR_DIAG:
          for (gsize m = 0; m < n; m++)
            v[m] *= f->data[m];
          break;
        case BP_FACTOR_MATRIX:
          {
            double *w = g_new0 (double, f->cols);

            for (gsize r = 0; r < f->rows; r++)
              for (gsize c = 0; c < f->cols; c++)
                w[c] += v[r] * f->data[r * f->cols + c];
            g_free (v);
            v = w;
            n = f->cols;
          }
          break;
        case BP_FACTOR_COLUMN:
          result = 0.0;
          for (gsize m = 0; m < n; m++)
            result += v[m] * f->data[m];
          return result;
        case BP_FACTOR_ROW:
          g_return_val_if_reached (0.0);
        }
    }
  g_return_val_if_reached (0.0);
}

/* ------------------------------------------------------------ δ terms */

static int
compare_terms (gconstpointer pa,
               gconstpointer pb)
{
  const BpDeltaTerm *a = pa, *b = pb;
  double x = fabs (a->product), y = fabs (b->product);

  /* Largest first; NaN last; ties by index so the order is stable. */
  if (x > y || (!isnan (x) && isnan (y)))
    return -1;
  if (x < y || (isnan (x) && !isnan (y)))
    return 1;
  return a->index < b->index ? -1 : a->index > b->index;
}

/* δ(n) of layer `layer` is σ′ · W(n+1)ᵀ δ(n+1) alone: the next layer is
 * dense, no skip reads a(n), and layer n has a z (not dropout). */
static gboolean
delta_is_one_path (const BpNetwork *net,
                   gsize            layer)
{
  return net->layers[layer + 1].type == BP_LAYER_DENSE &&
         net->layers[layer].type != BP_LAYER_DROPOUT && !feeds_skip (net, layer + 1);
}

BpDeltaTerms *
bp_delta_terms_new (const BpNetwork *net,
                    const BpTrace   *trace,
                    gsize            sample,
                    gsize            layer,
                    gsize            unit,
                    GError         **error)
{
  const BpLayer *L, *Ln;
  const double *dn;
  BpDeltaTerms *t;

  g_return_val_if_fail (net != NULL && trace != NULL, NULL);

  if (!check_trace (net, trace, error))
    return NULL;
  if (sample >= trace->batch || layer + 1 >= net->n_layers || unit >= net->layers[layer].out)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   _("no hidden unit a(%zu)[%zu] for sample %zu in this network "
                     "(the output's δ comes from the cost)"),
                   layer + 1, unit + 1, sample + 1);
      return NULL;
    }

  L = &net->layers[layer];
  Ln = &net->layers[layer + 1];
  dn = bp_trace_dC_dz (trace, layer + 1, sample);
  t = g_new0 (BpDeltaTerms, 1);
  t->sample = sample;
  t->layer = layer + 1;
  t->unit = unit;
  t->backprop = bp_trace_dC_dz (trace, layer, sample)[unit];

  if (!delta_is_one_path (net, layer))
    {
      /* δ(n)ᵢ = σ′(z(n)ᵢ) · ∂C/∂a(n)ᵢ, the latter the sum of its paths
       * (dropout: δ = ∂C/∂a, no σ′). */
      t->paths = bp_grad_paths_new (net, trace, sample, layer, unit, error);
      if (t->paths == NULL)
        {
          bp_delta_terms_free (t);
          return NULL;
        }
      t->sum = t->paths->sum;
      if (L->type == BP_LAYER_DROPOUT)
        t->scale = 1.0;
      else if (L->act->vec_vjp == NULL)
        t->scale = unit_slope (L, trace, layer, sample, unit);
      else
        {
          /* A full Jacobian: δ(n)ᵢ = Σₘ J[m,i] ∂C/∂a(n)ₘ, the paths those of m = i. */
          g_autofree double *J = g_new (double, L->out * L->out);
          const double *g = bp_trace_dC_da (trace, layer, sample);

          bp_network_act_jacobian (net, trace, layer, sample, J);
          t->jacobian = TRUE;
          t->scale = 1.0;
          t->n_terms = L->out;
          t->terms = g_new0 (BpDeltaTerm, L->out);
          for (gsize m = 0; m < L->out; m++)
            t->terms[m] = (BpDeltaTerm) { m, J[m * L->out + unit], g[m], J[m * L->out + unit] * g[m] };
          t->sum = 0.0;
          for (gsize m = 0; m < t->n_terms; m++)
            t->sum += t->terms[m].product;
          qsort (t->terms, t->n_terms, sizeof (BpDeltaTerm), compare_terms);
        }
      t->delta = t->scale * t->sum;
      return t;
    }

  if (L->act->vec_vjp == NULL)
    {
      /* δ(n)ᵢ = σ′(z(n)ᵢ) Σₖ W(n+1)ₖᵢ δ(n+1)ₖ: W is out × in, so column i. */
      t->scale = unit_slope (L, trace, layer, sample, unit);
      t->n_terms = Ln->out;
      t->terms = g_new0 (BpDeltaTerm, MAX (t->n_terms, 1));
      for (gsize k = 0; k < Ln->out; k++)
        {
          BpDeltaTerm *term = &t->terms[k];

          term->index = k;
          term->factor = Ln->W[k * Ln->in + unit];
          term->value = dn[k];
          term->product = term->factor * term->value;
        }
    }
  else
    {
      /* δ(n)ᵢ = Σₘ J[m,i] gₘ with g = W(n+1)ᵀ δ(n+1) and J[m,i] = ∂aₘ/∂zᵢ. */
      g_autofree double *J = g_new (double, L->out * L->out);

      bp_network_act_jacobian (net, trace, layer, sample, J);
      t->jacobian = TRUE;
      t->scale = 1.0;
      t->n_terms = L->out;
      t->terms = g_new0 (BpDeltaTerm, MAX (t->n_terms, 1));
      for (gsize m = 0; m < L->out; m++)
        {
          BpDeltaTerm *term = &t->terms[m];
          double g = 0.0;

          for (gsize k = 0; k < Ln->out; k++)
            g += Ln->W[k * Ln->in + m] * dn[k];
          term->index = m;
          term->factor = J[m * L->out + unit];
          term->value = g;
          term->product = term->factor * term->value;
        }
    }

  /* Summed in index order, as the backward pass adds them, before sorting. */
  t->sum = 0.0;
  for (gsize i = 0; i < t->n_terms; i++)
    t->sum += t->terms[i].product;
  t->delta = t->jacobian ? t->sum : t->sum * t->scale;
  qsort (t->terms, t->n_terms, sizeof (BpDeltaTerm), compare_terms);
  return t;
}

void
bp_delta_terms_free (BpDeltaTerms *terms)
{
  if (terms == NULL)
    return;
  bp_grad_paths_free (terms->paths);
  g_free (terms->terms);
  g_free (terms);
}

double
bp_delta_terms_rest (const BpDeltaTerms *terms,
                     gsize               shown,
                     gsize              *n_rest)
{
  double rest = 0.0;

  g_return_val_if_fail (terms != NULL, 0.0);

  for (gsize i = shown; i < terms->n_terms; i++)
    rest += terms->terms[i].product;
  if (n_rest != NULL)
    *n_rest = terms->n_terms > shown ? terms->n_terms - shown : 0;
  return rest;
}

/* ------------------------------------------------------ paths and terms */

gboolean
bp_norm_terms (const BpNetwork *net,
               const BpTrace   *trace,
               gsize            sample,
               gsize            layer,
               gsize            unit,
               BpNormTerms     *out)
{
  const BpLayer *L;
  const double *d, *xh;
  gsize w, B;
  double inv, sd = 0.0, sdx = 0.0;

  g_return_val_if_fail (net != NULL && trace != NULL && out != NULL, FALSE);
  g_return_val_if_fail (layer < net->n_layers && sample < trace->batch, FALSE);

  L = &net->layers[layer];
  if (L->type != BP_LAYER_BATCHNORM && L->type != BP_LAYER_LAYERNORM)
    return FALSE;
  g_return_val_if_fail (unit < L->out, FALSE);

  w = L->out;
  B = trace->batch;
  d = trace->dC_dz[layer];
  xh = trace->xhat[layer];
  memset (out, 0, sizeof *out);
  out->type = L->type;
  out->g = L->W[unit] * d[sample * w + unit];
  out->xhat = xh[sample * w + unit];
  /* The same sums in the same order as the backward pass
   * (bp-network-layers.c), so the terms add up to its value. */
  if (L->type == BP_LAYER_BATCHNORM)
    {
      inv = trace->inv_std[layer][unit];
      for (gsize s = 0; s < B; s++)
        {
          sd += d[s * w + unit];
          sdx += d[s * w + unit] * xh[s * w + unit];
        }
      out->mean_g = L->W[unit] * sd / (double) B;
      out->mean_gx = L->W[unit] * sdx / (double) B;
      out->eval = trace->eval;
    }
  else
    {
      inv = trace->inv_std[layer][sample];
      for (gsize j = 0; j < w; j++)
        {
          sd += L->W[j] * d[sample * w + j];
          sdx += L->W[j] * d[sample * w + j] * xh[sample * w + j];
        }
      out->mean_g = sd / (double) w;
      out->mean_gx = sdx / (double) w;
    }
  out->inv_std = inv;
  if (out->eval)
    {
      /* The running statistics are constants: only γ/√(var + eps) · δ. */
      out->mean_g = out->mean_gx = 0.0;
      out->term[0] = L->W[unit] * inv * d[sample * w + unit];
    }
  else
    {
      out->term[0] = inv * out->g;
      out->term[1] = -inv * out->mean_g;
      out->term[2] = -inv * out->xhat * out->mean_gx;
    }
  out->sum = out->term[0] + out->term[1] + out->term[2];
  return TRUE;
}

/* A path of two 1 × 1 factors: ∂C/∂a(n)ᵤ and ∂a(n)ᵤ/∂a(j)ᵤ. */
static void
scalar_path (BpGradPath *p,
             gsize       from,
             gsize       to,
             double      dC_da,
             double      factor)
{
  p->n_factors = 2;
  p->factors = g_new0 (BpChainFactor, 2);
  p->factors[0] = (BpChainFactor) { BP_FACTOR_ROW, BP_FACTOR_DC_DA, from, 1, 1,
                                    g_new (double, 1), g_strdup_printf ("∂C/∂a(%zu)", from) };
  p->factors[0].data[0] = dC_da;
  p->factors[1] = (BpChainFactor) { BP_FACTOR_COLUMN, BP_FACTOR_DA_DA, from, 1, 1,
                                    g_new (double, 1),
                                    g_strdup_printf ("∂a(%zu)/∂a(%zu)", from, to) };
  p->factors[1].data[0] = factor;
  p->product = dC_da * factor;
}

BpGradPaths *
bp_grad_paths_new (const BpNetwork *net,
                   const BpTrace   *trace,
                   gsize            sample,
                   gsize            layer,
                   gsize            unit,
                   GError         **error)
{
  GArray *paths;
  BpGradPaths *gp;
  const BpLayer *Ln;
  gsize A = layer + 1, N;  /* a(A) is the output of layer `layer` */
  BpGradPath p;

  g_return_val_if_fail (net != NULL && trace != NULL, NULL);

  if (!check_trace (net, trace, error))
    return NULL;
  N = net->n_layers;
  if (sample >= trace->batch || layer + 1 >= N || unit >= net->layers[layer].out)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   _("no hidden unit a(%zu)[%zu] for sample %zu in this network"),
                   A, unit + 1, sample + 1);
      return NULL;
    }

  paths = g_array_new (FALSE, TRUE, sizeof (BpGradPath));
  /* Around: every skip that reads a(A), in the order backprop adds them
   * (from the top layer down; the skip of layer A+1 before its own input
   * gradient). */
  for (gsize q = N; q-- > layer + 1;)
    if (net->layers[q].skip_from == (gssize) A)
      {
        memset (&p, 0, sizeof p);
        p.kind = BP_PATH_SKIP;
        p.layer = q + 1;
        scalar_path (&p, q + 1, A, bp_trace_dC_da (trace, q, sample)[unit], 1.0);
        g_array_append_val (paths, p);
      }

  /* Through layer A+1. */
  memset (&p, 0, sizeof p);
  p.layer = A + 1;
  Ln = &net->layers[layer + 1];
  switch (Ln->type)
    {
    case BP_LAYER_DENSE:
      {
        const double *dn = bp_trace_dC_dz (trace, layer + 1, sample);

        p.kind = BP_PATH_DENSE;
        p.n_factors = 2;
        p.factors = g_new0 (BpChainFactor, 2);
        p.factors[0] = (BpChainFactor) { BP_FACTOR_ROW, BP_FACTOR_DELTA, A + 1, 1, Ln->out,
                                         g_memdup2 (dn, Ln->out * sizeof (double)),
                                         g_strdup_printf ("δ(%zu)", A + 1) };
        p.factors[1] = (BpChainFactor) { BP_FACTOR_COLUMN, BP_FACTOR_DZ_DA, A + 1, Ln->out, 1,
                                         g_new (double, Ln->out),
                                         g_strdup_printf ("∂z(%zu)/∂a(%zu)", A + 1, A) };
        p.product = 0.0;
        for (gsize k = 0; k < Ln->out; k++)
          {
            p.factors[1].data[k] = Ln->W[k * Ln->in + unit];
            p.product += dn[k] * p.factors[1].data[k];
          }
      }
      break;
    case BP_LAYER_BATCHNORM:
    case BP_LAYER_LAYERNORM:
      p.kind = BP_PATH_NORM;
      bp_norm_terms (net, trace, sample, layer + 1, unit, &p.norm);
      p.product = p.norm.sum;
      break;
    case BP_LAYER_DROPOUT:
      p.kind = BP_PATH_DROPOUT;
      scalar_path (&p, A + 1, A, bp_trace_dC_da (trace, layer + 1, sample)[unit],
                   trace->eval ? 1.0
                               : trace->mask[layer + 1][sample * Ln->out + unit] / (1.0 - Ln->p));
      break;
    }
  g_array_append_val (paths, p);

  gp = g_new0 (BpGradPaths, 1);
  gp->sample = sample;
  gp->layer = A;
  gp->unit = unit;
  gp->backprop = bp_trace_dC_da (trace, layer, sample)[unit];
  gp->n_paths = paths->len;
  gp->paths = (BpGradPath *) g_array_free (paths, FALSE);
  for (gsize i = 0; i < gp->n_paths; i++)
    gp->sum += gp->paths[i].product;
  return gp;
}

void
bp_grad_paths_free (BpGradPaths *paths)
{
  if (paths == NULL)
    return;
  for (gsize i = 0; i < paths->n_paths; i++)
    {
      for (gsize f = 0; f < paths->paths[i].n_factors; f++)
        {
          g_free (paths->paths[i].factors[f].data);
          g_free (paths->paths[i].factors[f].label);
        }
      g_free (paths->paths[i].factors);
    }
  g_free (paths->paths);
  g_free (paths);
}
