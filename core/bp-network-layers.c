/* bp-network-layers.c — the forward/backward pairs of the layers that are
 * not a plain dense layer (issue 13): dense with a skip connection, batch
 * norm, layer norm and dropout.  A plain dense chain never comes here
 * (bp-network-pass.c dispatches per layer), so its loops and bits stay as
 * they were.
 *
 * Notation as in bp-network.h: layer n maps x = a(n−1) (B × in) to a(n)
 * (B × out); g = ∂C/∂a(n), δ = ∂C/∂z(n), both B × out; row s is sample s.
 * The trace keeps what each backward needs (f(z) under a skip, x̂, μ,
 * 1/√(σ² + eps), the dropout mask).
 */
#include "bp-matmul.h"
#include "bp-network-private.h"

#include <math.h>
#include <string.h>

/* a(j) of the trace: the input for j = 0. */
static const double *
trace_a_of (const BpTrace *t,
            gsize          j)
{
  return j == 0 ? t->input : t->a[j - 1];
}

/* ------------------------------------------------------ dense with a skip
 * Forward:  z = W x + b,  h = f(z),  a = h + a(j)            (B × out each)
 * Backward: δ = f′(z) ⊙ g (through h),  ∂C/∂W += δᵀ x,  ∂C/∂b += Σ_s δ,
 *           ∂C/∂x = δ W,  and ∂C/∂a(j) += g: the path around the layers.
 */
static void
skip_forward (const BpLayer *L,
              BpTrace       *t,
              gsize          l,
              const double  *x,
              gsize          B)
{
  const double *aj = trace_a_of (t, (gsize) L->skip_from);
  gsize n = B * L->out;

  bp_matmul_forward (L->W, L->b, x, t->z[l], B, L->in, L->out);
  _bp_network_activate (L, t->z[l], t->h[l], B);
  for (gsize i = 0; i < n; i++)
    t->a[l][i] = t->h[l][i] + aj[i];
}

/* ------------------------------------------------------------ batch norm
 * Training, per feature j over the batch:
 *   μ_j = (1/B) Σ_s x_sj,  σ²_j = (1/B) Σ_s (x_sj − μ_j)²  (biased),
 *   x̂ = (x − μ)/√(σ² + eps),  z = γ ⊙ x̂ + β,  a = f(z);
 *   then running_mean ← (1−m)·running_mean + m·μ and
 *   running_var ← (1−m)·running_var + m·σ²·B/(B−1)  (PyTorch's BatchNorm1d).
 * Eval: μ and σ² are the running statistics, which stay as they are.
 * Backward (training), with d = γ ⊙ δ, per feature over the batch — three
 * terms, because every sample's x̂ depends on the whole batch:
 *   ∂C/∂x = (1/√(σ² + eps)) · (d − mean_s(d) − x̂ · mean_s(d ⊙ x̂))
 * Eval: ∂C/∂x = γ ⊙ δ / √(running_var + eps).
 * Both: ∂C/∂γ += Σ_s δ ⊙ x̂,  ∂C/∂β += Σ_s δ.
 */
static void
batchnorm_forward (const BpNetwork *net,
                   const BpLayer   *L,
                   BpTrace         *t,
                   gsize            l,
                   const double    *x,
                   gsize            B)
{
  gsize w = L->out;
  double *mu = t->mu[l], *inv = t->inv_std[l], *xh = t->xhat[l], *z = t->z[l];

  for (gsize j = 0; j < w; j++)
    {
      double m, v;

      if (net->eval)
        {
          m = L->running_mean[j];
          v = L->running_var[j];
        }
      else
        {
          double sum = 0.0, sq = 0.0;

          for (gsize s = 0; s < B; s++)
            sum += x[s * w + j];
          m = sum / (double) B;
          for (gsize s = 0; s < B; s++)
            {
              double d = x[s * w + j] - m;
              sq += d * d;
            }
          v = sq / (double) B;
          t->running_before[l][j] = L->running_mean[j];
          t->running_before[l][w + j] = L->running_var[j];
          /* B = 1 is refused before (bp_network_check_batch); should one
           * come through, the running variance is left alone rather than
           * divided by zero. */
          L->running_mean[j] = (1.0 - L->momentum) * L->running_mean[j] + L->momentum * m;
          if (B > 1)
            L->running_var[j] = (1.0 - L->momentum) * L->running_var[j] +
                                L->momentum * v * (double) B / (double) (B - 1);
        }
      mu[j] = m;
      inv[j] = 1.0 / sqrt (v + L->eps);
      for (gsize s = 0; s < B; s++)
        {
          gsize i = s * w + j;

          xh[i] = (x[i] - m) * inv[j];
          z[i] = L->W[j] * xh[i] + L->b[j];
        }
    }
  _bp_network_activate (L, z, t->a[l], B);
}

static void
batchnorm_backward (BpLayer       *L,
                    const BpTrace *t,
                    gsize          l,
                    double        *gx,
                    gsize          B)
{
  gsize w = L->out;
  const double *d = t->dC_dz[l], *xh = t->xhat[l], *inv = t->inv_std[l];

  for (gsize j = 0; j < w; j++)
    {
      double sd = 0.0, sdx = 0.0;

      for (gsize s = 0; s < B; s++)
        {
          sd += d[s * w + j];
          sdx += d[s * w + j] * xh[s * w + j];
        }
      L->dW[j] += sdx;
      L->db[j] += sd;
      if (gx == NULL)
        continue;
      if (t->eval)
        {
          for (gsize s = 0; s < B; s++)
            gx[s * w + j] = L->W[j] * inv[j] * d[s * w + j];
        }
      else
        {
          /* mean_s(γ δ) and mean_s(γ δ x̂) */
          double md = L->W[j] * sd / (double) B, mdx = L->W[j] * sdx / (double) B;

          for (gsize s = 0; s < B; s++)
            {
              gsize i = s * w + j;
              gx[i] = inv[j] * (L->W[j] * d[i] - md - xh[i] * mdx);
            }
        }
    }
}

/* ------------------------------------------------------------ layer norm
 * Per sample s over its features (the same in both modes):
 *   μ_s = (1/n) Σ_j x_sj,  σ²_s = (1/n) Σ_j (x_sj − μ_s)²  (biased),
 *   x̂ = (x − μ_s)/√(σ²_s + eps),  z = γ ⊙ x̂ + β,  a = f(z).
 * Backward, with d = γ ⊙ δ, per sample over its features:
 *   ∂C/∂x_s = (1/√(σ²_s + eps)) · (d_s − mean_j(d_s) − x̂_s · mean_j(d_s ⊙ x̂_s)),
 *   ∂C/∂γ += Σ_s δ ⊙ x̂,  ∂C/∂β += Σ_s δ.
 */
static void
layernorm_forward (const BpLayer *L,
                   BpTrace       *t,
                   gsize          l,
                   const double  *x,
                   gsize          B)
{
  gsize w = L->out;

  for (gsize s = 0; s < B; s++)
    {
      const double *xs = x + s * w;
      double *xh = t->xhat[l] + s * w, *z = t->z[l] + s * w;
      double sum = 0.0, sq = 0.0, m, inv;

      for (gsize j = 0; j < w; j++)
        sum += xs[j];
      m = sum / (double) w;
      for (gsize j = 0; j < w; j++)
        sq += (xs[j] - m) * (xs[j] - m);
      inv = 1.0 / sqrt (sq / (double) w + L->eps);
      t->mu[l][s] = m;
      t->inv_std[l][s] = inv;
      for (gsize j = 0; j < w; j++)
        {
          xh[j] = (xs[j] - m) * inv;
          z[j] = L->W[j] * xh[j] + L->b[j];
        }
    }
  _bp_network_activate (L, t->z[l], t->a[l], B);
}

static void
layernorm_backward (BpLayer       *L,
                    const BpTrace *t,
                    gsize          l,
                    double        *gx,
                    gsize          B)
{
  gsize w = L->out;

  for (gsize s = 0; s < B; s++)
    {
      const double *d = t->dC_dz[l] + s * w, *xh = t->xhat[l] + s * w;
      double md = 0.0, mdx = 0.0, inv = t->inv_std[l][s];

      for (gsize j = 0; j < w; j++)
        {
          L->dW[j] += d[j] * xh[j];
          L->db[j] += d[j];
          md += L->W[j] * d[j];
          mdx += L->W[j] * d[j] * xh[j];
        }
      if (gx == NULL)
        continue;
      md /= (double) w;
      mdx /= (double) w;
      for (gsize j = 0; j < w; j++)
        gx[s * w + j] = inv * (L->W[j] * d[j] - md - xh[j] * mdx);
    }
}

/* --------------------------------------------------------------- dropout
 * Training: a = x ⊙ mask / (1 − p), the mask (B × out of 0/1) the model's
 * (its first B rows, used at every step: a fixed mask makes results
 * checkable) or drawn from the network's generator, sample by sample, unit
 * by unit, a unit kept when its uniform draw u ≥ p (probability 1 − p).
 * Eval: a = x (the mask all ones).
 * Backward: ∂C/∂x = g ⊙ mask / (1 − p) (eval: g).  There is no z: the
 * trace's z is x and δ is g, so that every array of the pass is defined.
 */
static void
dropout_forward (const BpNetwork *net,
                 const BpLayer   *L,
                 BpTrace         *t,
                 gsize            l,
                 const double    *x,
                 gsize            B)
{
  gsize w = L->out;
  double keep = 1.0 / (1.0 - L->p);
  double *mask = t->mask[l];

  memcpy (t->z[l], x, B * w * sizeof (double));
  for (gsize s = 0; s < B; s++)
    for (gsize j = 0; j < w; j++)
      {
        gsize i = s * w + j;

        if (net->eval)
          mask[i] = 1.0;
        else if (L->mask != NULL)
          mask[i] = L->mask[s * w + j];
        else
          mask[i] = bp_rng_uniform (net->rng) >= L->p ? 1.0 : 0.0;
        t->a[l][i] = net->eval ? x[i] : x[i] * mask[i] * keep;
      }
}

static void
dropout_backward (const BpLayer *L,
                  BpTrace       *t,
                  gsize          l,
                  double        *gx,
                  gsize          B)
{
  gsize n = B * L->out;
  double keep = 1.0 / (1.0 - L->p);
  const double *g = t->dC_da[l];

  memcpy (t->dC_dz[l], g, n * sizeof (double));
  if (gx == NULL)
    return;
  for (gsize i = 0; i < n; i++)
    gx[i] = t->eval ? g[i] : g[i] * t->mask[l][i] * keep;
}

/* ---------------------------------------------------------------- driver */

void
_bp_network_layer_forward (const BpNetwork *net,
                           BpTrace         *t,
                           gsize            l,
                           const double    *x,
                           gsize            B)
{
  const BpLayer *L = &net->layers[l];

  switch (L->type)
    {
    case BP_LAYER_DENSE:
      skip_forward (L, t, l, x, B);
      break;
    case BP_LAYER_BATCHNORM:
      batchnorm_forward (net, L, t, l, x, B);
      break;
    case BP_LAYER_LAYERNORM:
      layernorm_forward (L, t, l, x, B);
      break;
    case BP_LAYER_DROPOUT:
      dropout_forward (net, L, t, l, x, B);
      break;
    }
}

double
_bp_network_backward_layers (BpNetwork    *net,
                             BpTrace      *t,
                             const double *y)
{
  gsize N = net->n_layers, B = t->batch;
  const BpLayer *last = &net->layers[N - 1];
  const BpCostDesc *cost = net->cost;
  gboolean fused;

  bp_network_cost (net, t, y);

  /* Every ∂C/∂a(n) below the output is a sum (the layer above, and any
   * skip from it): start them at zero. */
  for (gsize l = 0; l + 1 < N; l++)
    memset (t->dC_da[l], 0, B * t->widths[l] * sizeof (double));

  /* The output, as bp_network_backward does; fused only where a(N) = f(z(N)). */
  fused = cost->grad_z != NULL && last->type != BP_LAYER_DROPOUT && last->skip_from < 0 &&
          g_strcmp0 (last->act_id, cost->output_activation) == 0;
  _bp_network_output_backward (net, t, y, fused);

  for (gsize l = N; l-- > 0;)
    {
      BpLayer *L = &net->layers[l];
      const double *x = l > 0 ? t->a[l - 1] : t->input;
      const double *g = t->dC_da[l];
      double *gx = l > 0 ? t->scratch : NULL;
      gboolean have_delta = fused && l + 1 == N;

      if (L->type != BP_LAYER_DROPOUT && !have_delta)
        _bp_network_activate_backward (L, t->z[l], L->skip_from >= 0 ? t->h[l] : t->a[l],
                                       g, t->dC_dz[l], B);
      switch (L->type)
        {
        case BP_LAYER_DENSE:
          _bp_network_dense_backward (L, x, t->dC_dz[l], gx, B, NULL);
          /* The path around: ∂C/∂a(j) += ∂C/∂a(n) (nothing to add for x). */
          if (L->skip_from > 0)
            {
              double *gj = t->dC_da[L->skip_from - 1];

              for (gsize i = 0; i < B * L->out; i++)
                gj[i] += g[i];
            }
          break;
        case BP_LAYER_BATCHNORM:
          batchnorm_backward (L, t, l, gx, B);
          break;
        case BP_LAYER_LAYERNORM:
          layernorm_backward (L, t, l, gx, B);
          break;
        case BP_LAYER_DROPOUT:
          dropout_backward (L, t, l, gx, B);
          break;
        }
      /* ‖∂C/∂W‖ (or ‖∂C/∂γ, ∂C/∂β‖) summed as bp_network_grad_norms does. */
      t->grad_norm[l] = sqrt (bp_dot (L->dW, L->dW, bp_layer_n_weights (L)));
      if (gx != NULL)
        {
          double *ga = t->dC_da[l - 1];

          for (gsize i = 0; i < B * L->in; i++)
            ga[i] += gx[i];
        }
    }
  return t->loss;
}

/* ------------------------------------------------------------------ trace */

void
_bp_network_trace_alloc_layer (BpTrace       *t,
                               const BpLayer *L,
                               gsize          l)
{
  gsize n = t->capacity * L->out;

  switch (L->type)
    {
    case BP_LAYER_DENSE:
      if (L->skip_from >= 0)
        t->h[l] = g_new0 (double, n);
      break;
    case BP_LAYER_BATCHNORM:
    case BP_LAYER_LAYERNORM:
      if (L->type == BP_LAYER_BATCHNORM)
        t->running_before[l] = g_new0 (double, 2 * L->out);
      t->xhat[l] = g_new0 (double, n);
      t->mu[l] = g_new0 (double, MAX (t->capacity, L->out));
      t->inv_std[l] = g_new0 (double, MAX (t->capacity, L->out));
      break;
    case BP_LAYER_DROPOUT:
      t->mask[l] = g_new0 (double, n);
      break;
    }
}

void
_bp_network_trace_free_layer (BpTrace *t,
                              gsize    l)
{
  g_clear_pointer (&t->h[l], g_free);
  g_clear_pointer (&t->xhat[l], g_free);
  g_clear_pointer (&t->mu[l], g_free);
  g_clear_pointer (&t->inv_std[l], g_free);
  g_clear_pointer (&t->mask[l], g_free);
  g_clear_pointer (&t->running_before[l], g_free);
}

void
bp_network_undo_running_stats (BpNetwork     *net,
                               const BpTrace *t)
{
  g_return_if_fail (bp_trace_fits (t, net));

  if (t->eval || t->batch == 0)
    return;
  for (gsize l = 0; l < net->n_layers; l++)
    {
      BpLayer *L = &net->layers[l];

      if (L->type != BP_LAYER_BATCHNORM)
        continue;
      memcpy (L->running_mean, t->running_before[l], L->out * sizeof (double));
      memcpy (L->running_var, t->running_before[l] + L->out, L->out * sizeof (double));
    }
}
