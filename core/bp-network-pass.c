/* bp-network-pass.c — the forward and backward passes over a batch: z and
 * a forward, the cost, δ and ∂C/∂W, ∂C/∂b backward (the formulas are at
 * each function), and the trace (BpTrace) that records what a pass computed.
 *
 * Shapes: B samples; layer l has W (out × in), b (out); the trace holds
 * z, a, ∂C/∂a, δ as B × out, row s = sample s.  The matrix products are
 * bp-matmul.c's, whose order of additions is fixed by the shapes alone, so
 * the same seed gives the same bits on every x86-64 CPU.
 */
#include "bp-matmul.h"
#include "bp-network.h"
#include "bp-network-private.h"
#include "bp-util.h"

#include <math.h>
#include <string.h>

/* a = f(z) over n values of one sample (vector activations) or of the
 * whole batch (element-wise ones: then n = B·out and `width` is unused). */
static void
activate (const BpLayer *L,
          const double  *z,
          double        *a,
          gsize          B)
{
  const BpActivationDesc *act = L->act;
  gsize n = B * L->out;

  if (act->vec_forward != NULL)
    {
      for (gsize s = 0; s < B; s++)
        act->vec_forward (z + s * L->out, a + s * L->out, L->out, L->act_params);
    }
  else if (act->f_array != NULL)
    act->f_array (z, a, n, L->act_params);
  else
    for (gsize i = 0; i < n; i++)
      a[i] = act->f (z[i], L->act_params);
}

/* δ = (∂a/∂z)ᵀ g for the batch: g ⊙ f′(z) element-wise, or the activation's
 * vector-Jacobian product per sample.  δ and g may not alias. */
BP_HOT static void
activate_backward (const BpLayer *L,
                   const double  *z,
                   const double  *a,
                   const double  *g,
                   double        *delta,
                   gsize          B)
{
  const BpActivationDesc *act = L->act;
  gsize n = B * L->out;

  if (act->vec_vjp != NULL)
    {
      for (gsize s = 0; s < B; s++)
        {
          gsize o = s * L->out;
          act->vec_vjp (z + o, a + o, g + o, delta + o, L->out, L->act_params);
        }
    }
  else if (act->df_array != NULL)
    {
      act->df_array (z, a, delta, n, L->act_params);
      for (gsize i = 0; i < n; i++)
        delta[i] *= g[i];
    }
  else
    for (gsize i = 0; i < n; i++)
      delta[i] = g[i] * act->df (z[i], a[i], L->act_params);
}

void
_bp_network_activate (const BpLayer *L,
                      const double  *z,
                      double        *a,
                      gsize          B)
{
  activate (L, z, a, B);
}

void
_bp_network_activate_backward (const BpLayer *L,
                               const double  *z,
                               const double  *a,
                               const double  *g,
                               double        *delta,
                               gsize          B)
{
  activate_backward (L, z, a, g, delta, B);
}

/* z = W x + b for B rows of x (B × in) into z (B × out). */
static void
dense_forward (const BpLayer *L,
               const double  *x,
               double        *z,
               gsize          B)
{
  bp_matmul_forward (L->W, L->b, x, z, B, L->in, L->out);
}

/* ‖∂C/∂W‖², one long dot over the contiguous block. */
static inline double
norm2_rows (const BpLayer *L)
{
  gsize n = L->in * L->out;

  return bp_dot (L->dW, L->dW, n);
}

/* Given δ (B × out) and the layer input x (B × in):
 *   ∂C/∂W += δᵀ x,  ∂C/∂b += Σ_s δ_s,  and, if gx is not NULL,
 *   ∂C/∂x = δ W (B × in) into gx.
 * If norm2 is not NULL it receives ‖∂C/∂W‖², computed while ∂C/∂W is
 * still in cache. */
BP_HOT void
_bp_network_dense_backward (BpLayer      *L,
                            const double *x,
                            const double *delta,
                            double       *gx,
                            gsize         B,
                            double       *norm2)
{
  gsize in = L->in, out = L->out;

  for (gsize s = 0; s < B; s++)
    {
      const double *ds = delta + s * out;
      for (gsize j = 0; j < out; j++)
        L->db[j] += ds[j];
    }

  bp_matmul_backward_weights (L->dW, delta, x, B, in, out);
  if (norm2 != NULL)
    *norm2 = norm2_rows (L);
  if (gx != NULL)
    bp_matmul_backward_input (gx, delta, L->W, B, in, out);
}

void
bp_network_forward (const BpNetwork *net,
                    BpTrace         *t,
                    const double    *x,
                    gsize            B)
{
  const double *in;

  g_return_if_fail (net != NULL && t != NULL && x != NULL);
  g_return_if_fail (B >= 1 && B <= t->capacity);
  g_return_if_fail (bp_trace_fits (t, net));

  t->batch = B;
  t->eval = net->eval;
  memcpy (t->input, x, B * net->n_inputs * sizeof (double));
  in = t->input;
  for (gsize l = 0; l < net->n_layers; l++)
    {
      const BpLayer *L = &net->layers[l];

      /* Any other kind of layer: bp-network-layers.c (per layer, so the
       * dense loop below stays as it is). */
      if (G_UNLIKELY (L->type != BP_LAYER_DENSE || L->skip_from >= 0))
        _bp_network_layer_forward (net, t, l, in, B);
      else
        {
          /* z(n) = W(n) a(n−1) + b(n);  a(n) = f(z(n)) */
          dense_forward (L, in, t->z[l], B);
          activate (L, t->z[l], t->a[l], B);
        }
      in = t->a[l];
    }
}

static inline double
reduction_scale (const BpNetwork *net,
                 gsize            B)
{
  return net->reduction == BP_REDUCTION_MEAN ? 1.0 / (double) B : 1.0;
}

double
bp_network_cost (const BpNetwork *net,
                 BpTrace         *t,
                 const double    *y)
{
  gsize N = net->n_layers, out = bp_network_n_outputs (net), B = t->batch;
  const BpCostDesc *cost = net->cost;
  double sum = 0.0;

  memcpy (t->target, y, B * out * sizeof (double));
  for (gsize s = 0; s < B; s++)
    {
      gsize o = s * out;
      double l = cost->value (t->a[N - 1] + o, t->z[N - 1] + o, y + o, out, net->cost_params);

      t->per_sample_loss[s] = l;
      sum += l;
    }
  t->loss = reduction_scale (net, B) * sum;
  return t->loss;
}

/* Output layer.  ∂C/∂a(N) = scale · ∂l/∂a;  δ(N) = (∂a(N)/∂z(N))ᵀ ∂C/∂a(N),
 * or, for a cost defined on its output activation, δ(N) = scale · ∂l/∂z
 * in the stable fused form (σ(z) − y, softmax(z) − y). */
void
_bp_network_output_backward (const BpNetwork *net,
                             BpTrace         *t,
                             const double    *y,
                             gboolean         fused)
{
  gsize N = net->n_layers, B = t->batch, out = net->layers[N - 1].out;
  const BpCostDesc *cost = net->cost;
  double scale = reduction_scale (net, B);

  for (gsize s = 0; s < B; s++)
    {
      gsize o = s * out;
      const double *a = t->a[N - 1] + o, *z = t->z[N - 1] + o, *ys = y + o;
      double *g = t->dC_da[N - 1] + o;

      cost->grad_a (a, z, ys, g, out, net->cost_params);
      for (gsize k = 0; k < out; k++)
        g[k] *= scale;
      if (fused)
        {
          double *d = t->dC_dz[N - 1] + o;

          cost->grad_z (a, z, ys, d, out, net->cost_params);
          for (gsize k = 0; k < out; k++)
            d[k] *= scale;
        }
    }
}

double
bp_network_backward (BpNetwork    *net,
                     BpTrace      *t,
                     const double *y)
{
  gsize N = net->n_layers, B = t->batch;
  const BpLayer *last = &net->layers[N - 1];
  const BpCostDesc *cost = net->cost;
  gboolean fused;

  g_return_val_if_fail (bp_trace_fits (t, net), NAN);

  if (!bp_network_is_plain (net))
    return _bp_network_backward_layers (net, t, y);

  bp_network_cost (net, t, y);

  fused = cost->grad_z != NULL && g_strcmp0 (last->act_id, cost->output_activation) == 0;
  _bp_network_output_backward (net, t, y, fused);
  if (!fused)
    activate_backward (last, t->z[N - 1], t->a[N - 1], t->dC_da[N - 1], t->dC_dz[N - 1], B);

  /* Hidden layers, from the output back to the input:
   *   ∂C/∂W(n) += δ(n) a(n−1)ᵀ,  ∂C/∂b(n) += δ(n)
   *   ∂C/∂a(n−1) = W(n)ᵀ δ(n),  δ(n−1) = σ′(z(n−1)) ⊙ ∂C/∂a(n−1) */
  for (gsize l = N; l-- > 0;)
    {
      BpLayer *L = &net->layers[l];
      const double *x = l > 0 ? t->a[l - 1] : t->input;
      double *gx = NULL;

      if (l > 0)
        gx = t->keep ? t->dC_da[l - 1] : t->scratch;
      double n2;

      _bp_network_dense_backward (L, x, t->dC_dz[l], gx, B, t->keep ? &n2 : NULL);
      if (t->keep)
        t->grad_norm[l] = sqrt (n2);
      if (l > 0)
        activate_backward (&net->layers[l - 1], t->z[l - 1], t->a[l - 1], gx,
                           t->dC_dz[l - 1], B);
    }

  return t->loss;
}

double
bp_network_gradients (BpNetwork    *net,
                      BpTrace      *t,
                      const double *x,
                      const double *y,
                      gsize         B)
{
  bp_network_zero_grad (net);
  bp_network_forward (net, t, x, B);
  return bp_network_backward (net, t, y);
}

BP_HOT void
bp_network_grad_norms (const BpNetwork *net,
                       double          *norms)
{
  for (gsize l = 0; l < net->n_layers; l++)
    {
      const BpLayer *L = &net->layers[l];

      norms[l] = L->type == BP_LAYER_DENSE ? sqrt (norm2_rows (L))
                                           : sqrt (bp_dot (L->dW, L->dW, bp_layer_n_weights (L)));
    }
}

gsize
bp_network_scratch_size (const BpNetwork *net)
{
  gsize w = net->n_inputs;

  for (gsize l = 0; l < net->n_layers; l++)
    w = MAX (w, net->layers[l].out);
  return 4 * w;
}

void
bp_network_predict (const BpNetwork *net,
                    const double    *x,
                    double          *out,
                    double          *scratch)
{
  gsize w = bp_network_scratch_size (net) / 4;
  double *z = scratch, *a = scratch + w, *b = scratch + 2 * w;
  const double *in = x;

  if (!bp_network_is_plain (net))
    {
      /* One sample: in eval mode (a batch of one has no batch statistics,
       * and a plot should not draw dropout masks).  Not a hot path: the
       * app draws only plain networks. */
      BpNetwork eval_net = *net;
      g_autoptr(BpTrace) t = bp_trace_new (net, 1);

      eval_net.eval = TRUE;
      bp_network_forward (&eval_net, t, x, 1);
      memcpy (out, t->a[net->n_layers - 1], bp_network_n_outputs (net) * sizeof (double));
      return;
    }

  for (gsize l = 0; l < net->n_layers; l++)
    {
      const BpLayer *L = &net->layers[l];

      dense_forward (L, in, z, 1);
      activate (L, z, a, 1);
      /* ping-pong a and b so that `in` stays valid */
      in = a;
      a = b;
      b = (double *) in;
    }
  memcpy (out, in, bp_network_n_outputs (net) * sizeof (double));
}

void
bp_network_act_jacobian (const BpNetwork *net,
                         const BpTrace   *t,
                         gsize            layer,
                         gsize            s,
                         double          *J)
{
  const BpLayer *L = &net->layers[layer];
  gsize n = L->out;
  const double *z = bp_trace_z (t, layer, s), *a = bp_trace_a (t, layer, s);

  /* Under a skip, a = f(z) + a(j): the Jacobian is f's. */
  if (t->h != NULL && t->h[layer] != NULL)
    a = t->h[layer] + s * n;

  memset (J, 0, n * n * sizeof (double));
  if (L->act->vec_vjp != NULL)
    {
      /* Row i of J is Jᵀ e_i. */
      g_autofree double *e = g_new0 (double, n);

      for (gsize i = 0; i < n; i++)
        {
          e[i] = 1.0;
          L->act->vec_vjp (z, a, e, J + i * n, n, L->act_params);
          e[i] = 0.0;
        }
    }
  else
    for (gsize i = 0; i < n; i++)
      J[i * n + i] = L->act->df (z[i], a[i], L->act_params);
}

/* ------------------------------------------------------------------ trace */

/* What the trace holds for a layer beyond z, a, ∂C/∂a, δ: its type, and
 * for dense whether it has a skip (then it keeps f(z)). */
static guint
trace_kind (const BpLayer *L)
{
  return (guint) L->type * 2 + (L->skip_from >= 0 ? 1 : 0);
}

BpTrace *
bp_trace_new (const BpNetwork *net,
              gsize            capacity)
{
  BpTrace *t;
  gsize max_width = net->n_inputs;

  g_return_val_if_fail (net != NULL, NULL);
  g_return_val_if_fail (capacity >= 1, NULL);

  t = g_new0 (BpTrace, 1);
  t->capacity = capacity;
  t->n_layers = net->n_layers;
  t->n_inputs = net->n_inputs;
  t->keep = TRUE;
  t->widths = g_new (gsize, MAX (net->n_layers, 1));
  t->z = g_new0 (double *, MAX (net->n_layers, 1));
  t->a = g_new0 (double *, MAX (net->n_layers, 1));
  t->dC_da = g_new0 (double *, MAX (net->n_layers, 1));
  t->dC_dz = g_new0 (double *, MAX (net->n_layers, 1));
  t->kinds = g_new0 (guint, MAX (net->n_layers, 1));
  t->h = g_new0 (double *, MAX (net->n_layers, 1));
  t->xhat = g_new0 (double *, MAX (net->n_layers, 1));
  t->mu = g_new0 (double *, MAX (net->n_layers, 1));
  t->inv_std = g_new0 (double *, MAX (net->n_layers, 1));
  t->mask = g_new0 (double *, MAX (net->n_layers, 1));
  t->running_before = g_new0 (double *, MAX (net->n_layers, 1));
  t->input = g_new0 (double, capacity * net->n_inputs);
  t->target = g_new0 (double, capacity * bp_network_n_outputs (net));
  for (gsize l = 0; l < net->n_layers; l++)
    {
      gsize n = capacity * net->layers[l].out;

      t->widths[l] = net->layers[l].out;
      max_width = MAX (max_width, net->layers[l].out);
      t->z[l] = g_new0 (double, n);
      t->a[l] = g_new0 (double, n);
      t->dC_da[l] = g_new0 (double, n);
      t->dC_dz[l] = g_new0 (double, n);
      t->kinds[l] = trace_kind (&net->layers[l]);
      _bp_network_trace_alloc_layer (t, &net->layers[l], l);
    }
  t->per_sample_loss = g_new0 (double, capacity);
  t->grad_norm = g_new0 (double, MAX (net->n_layers, 1));
  t->scratch = g_new0 (double, capacity * max_width + 2 * max_width);
  return t;
}

void
bp_trace_free (BpTrace *t)
{
  if (t == NULL)
    return;
  for (gsize l = 0; l < t->n_layers; l++)
    {
      g_free (t->z[l]);
      g_free (t->a[l]);
      g_free (t->dC_da[l]);
      g_free (t->dC_dz[l]);
      _bp_network_trace_free_layer (t, l);
    }
  g_free (t->kinds);
  g_free (t->h);
  g_free (t->xhat);
  g_free (t->mu);
  g_free (t->inv_std);
  g_free (t->mask);
  g_free (t->running_before);
  g_free (t->z);
  g_free (t->a);
  g_free (t->dC_da);
  g_free (t->dC_dz);
  g_free (t->widths);
  g_free (t->input);
  g_free (t->target);
  g_free (t->per_sample_loss);
  g_free (t->grad_norm);
  g_free (t->scratch);
  g_free (t);
}

gboolean
bp_trace_fits (const BpTrace   *t,
               const BpNetwork *net)
{
  if (t->n_layers != net->n_layers || t->n_inputs != net->n_inputs)
    return FALSE;
  for (gsize l = 0; l < net->n_layers; l++)
    if (t->widths[l] != net->layers[l].out || t->kinds[l] != trace_kind (&net->layers[l]))
      return FALSE;
  return TRUE;
}

const double *
bp_trace_z (const BpTrace *t, gsize layer, gsize s)
{
  g_return_val_if_fail (layer < t->n_layers && s < t->batch, NULL);
  return t->z[layer] + s * t->widths[layer];
}

const double *
bp_trace_a (const BpTrace *t, gsize layer, gsize s)
{
  g_return_val_if_fail (layer < t->n_layers && s < t->batch, NULL);
  return t->a[layer] + s * t->widths[layer];
}

const double *
bp_trace_dC_da (const BpTrace *t, gsize layer, gsize s)
{
  g_return_val_if_fail (layer < t->n_layers && s < t->batch, NULL);
  return t->dC_da[layer] + s * t->widths[layer];
}

const double *
bp_trace_dC_dz (const BpTrace *t, gsize layer, gsize s)
{
  g_return_val_if_fail (layer < t->n_layers && s < t->batch, NULL);
  return t->dC_dz[layer] + s * t->widths[layer];
}

const double *
bp_trace_a_prev (const BpTrace *t, gsize layer, gsize s)
{
  g_return_val_if_fail (layer < t->n_layers && s < t->batch, NULL);
  if (layer == 0)
    return t->input + s * t->n_inputs;
  return t->a[layer - 1] + s * t->widths[layer - 1];
}
