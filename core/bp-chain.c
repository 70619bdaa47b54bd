/* bp-chain.c — the factors of ∂C/∂W(i)_jk for one sample, as numbers. */
#include "bp-chain.h"

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

/* The factors and terms here are those of a plain dense chain.  A skip
 * (two paths) or a norm layer (every sample's δ depends on the batch) is
 * refused until the chain learns them (issue 13's inspector part). */
static gboolean
check_plain (const BpNetwork  *net,
             GError          **error)
{
  if (bp_network_check_plain (net, error))
    return TRUE;
  g_prefix_error (error, "the chain rule as factors is only written out for a chain of "
                  "dense layers yet: ");
  return FALSE;
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
  GArray *factors;
  BpChain *chain;
  BpChainFactor *f;
  gsize N = net->n_layers;

  g_return_val_if_fail (net != NULL && trace != NULL, NULL);

  if (!bp_trace_fits (trace, net) || trace->batch == 0)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_SHAPE,
                   "the trace does not belong to this network or holds no pass");
      return NULL;
    }
  if (!check_plain (net, error))
    return NULL;
  if (sample >= trace->batch || layer >= N ||
      j >= net->layers[layer].out || k >= net->layers[layer].in)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   "no weight W(%zu)[%zu,%zu] for sample %zu in this network",
                   layer + 1, j + 1, k + 1, sample + 1);
      return NULL;
    }

  factors = g_array_new (FALSE, TRUE, sizeof (BpChainFactor));

  /* ∂C/∂a(N): a row, including the 1/B of the mean. */
  f = add_factor (factors, BP_FACTOR_ROW, BP_FACTOR_DC_DA, N, 1, net->layers[N - 1].out,
                  g_strdup_printf ("∂C/∂a(%zu)", N));
  memcpy (f->data, bp_trace_dC_da (trace, N - 1, sample), f->cols * sizeof (double));

  for (gsize l = N; l-- > layer;)
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
          const double *z = bp_trace_z (trace, l, sample);
          const double *a = bp_trace_a (trace, l, sample);

          f = add_factor (factors, BP_FACTOR_DIAG, BP_FACTOR_DA_DZ, l + 1, n, n,
                          g_strdup_printf ("∂a(%zu)/∂z(%zu)", l + 1, l + 1));
          for (gsize m = 0; m < n; m++)
            f->data[m] = L->act->df (z[m], a[m], L->act_params);
        }

      /* ∂z(n)/∂a(n−1) = W(n), down to the layer of the weight. */
      if (l > layer)
        {
          f = add_factor (factors, BP_FACTOR_MATRIX, BP_FACTOR_DZ_DA, l + 1, L->out, L->in,
                          g_strdup_printf ("∂z(%zu)/∂a(%zu)", l + 1, l));
          memcpy (f->data, L->W, L->out * L->in * sizeof (double));
        }
    }

  /* ∂z(i)/∂W(i)_jk = a(i−1)_k e_j: only row j depends on W_jk. */
  f = add_factor (factors, BP_FACTOR_COLUMN, BP_FACTOR_DZ_DW, layer + 1,
                  net->layers[layer].out, 1,
                  g_strdup_printf ("∂z(%zu)/∂W(%zu)_%zu%zu", layer + 1, layer + 1, j + 1, k + 1));
  f->data[j] = bp_trace_a_prev (trace, layer, sample)[k];

  chain = g_new0 (BpChain, 1);
  chain->sample = sample;
  chain->layer = layer + 1;
  chain->j = j;
  chain->k = k;
  chain->backprop = bp_trace_dC_dz (trace, layer, sample)[j] *
                    bp_trace_a_prev (trace, layer, sample)[k];
  {
    const BpLayer *last = &net->layers[N - 1];

    chain->fused = net->cost->grad_z != NULL &&
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

  if (!bp_trace_fits (trace, net) || trace->batch == 0)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_SHAPE,
                   "the trace does not belong to this network or holds no pass");
      return NULL;
    }
  if (!check_plain (net, error))
    return NULL;
  if (sample >= trace->batch || layer + 1 >= net->n_layers || unit >= net->layers[layer].out)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   "no hidden unit a(%zu)[%zu] for sample %zu in this network "
                   "(the output's δ comes from the cost)",
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

  if (L->act->vec_vjp == NULL)
    {
      /* δ(n)ᵢ = σ′(z(n)ᵢ) Σₖ W(n+1)ₖᵢ δ(n+1)ₖ: W is out × in, so column i. */
      t->scale = L->act->df (bp_trace_z (trace, layer, sample)[unit],
                             bp_trace_a (trace, layer, sample)[unit], L->act_params);
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
