/* bp-trainer-online.c — the fused online step: one sample, SGD or SGD
 * with momentum, the backward pass and the update in one sweep over each
 * layer's parameters (see bp-trainer-online.h).
 *
 * The same bits as the general step.  There, ∂C/∂params is zeroed and then
 * accumulated, and the optimizer reads it back; here each value is kept in
 * a register, with the same operations in the same order:
 *
 *   ∂C/∂W[j,k] = 0 + δ_j x_k          (bp_matmul_backward_weights, B = 1)
 *   ∂C/∂b[j]   = 0 + δ_j              (dense_backward)
 *   ∂C/∂x[k]   = ((0 + δ_0 W[0,k]) + δ_1 W[1,k]) + …   (bp_matmul_backward_input)
 *   g          = ∂C/∂p + λ p          (bp_optimizer_step, only when λ ≠ 0)
 *   sgd        p = p − lr g
 *   momentum   v = μ v + g;  p = p − lr v
 *
 * ("0 +" matters: it turns a −0 product into +0, as the zeroed block does.)
 * ∂C/∂x[k] is read from the old W(n), before the row is updated, as the
 * general step computes every gradient before any update.
 *
 * The undo.  The general step stops if the loss or a gradient is not
 * finite, and undoes the update if a parameter is not.  A gradient that is
 * not finite always makes its parameter's update non-finite (p − lr·∞, or
 * 0·∞ = NaN when lr = 0; likewise through λp and μv), so checking the loss
 * and every new parameter catches every step the general one would refuse.
 * The check is a sum of p·0 (NaN exactly when some p is not finite), kept
 * in vector lanes beside the update.  Old values go to the backup in the
 * same sweep; on a failed check everything is restored and the trainer
 * runs the step the general way, which names the value.
 */
#include "bp-trainer-online.h"

#include "bp-registry.h"
#include "bp-trainer.h"
#include "bp-util.h"

#include <math.h>
#include <string.h>

/* The built-in optimizers whose update the sweep does itself, found by
 * their descriptors (a plugin may register its own "sgd"; only the
 * built-in one is known to compute p − lr·g). */
typedef enum
{
  ONLINE_NONE,
  ONLINE_SGD,
  ONLINE_MOMENTUM,
} OnlineRule;

static OnlineRule
online_rule (const BpOptimizerDesc *desc)
{
  static const BpOptimizerDesc *sgd, *momentum;
  static gsize found;

  if (g_once_init_enter (&found))
    {
      const BpPluginDesc *builtin = bp_builtins_get_descriptor ();

      for (size_t i = 0; i < builtin->n_optimizers; i++)
        {
          const BpOptimizerDesc *d = &builtin->optimizers[i];

          if (g_str_equal (d->id, "sgd"))
            sgd = d;
          else if (g_str_equal (d->id, "momentum"))
            momentum = d;
        }
      g_once_init_leave (&found, 1);
    }
  if (desc == sgd)
    return ONLINE_SGD;
  if (desc == momentum)
    return ONLINE_MOMENTUM;
  return ONLINE_NONE;
}

gboolean
bp_train_online_applies (const BpNetwork   *net,
                         const BpOptimizer *opt,
                         const BpTrace     *trace,
                         gsize              B)
{
  OnlineRule rule;

  if (B != 1 || trace->keep || opt->n_params != net->n_params || net->n_layers == 0)
    return FALSE;
  rule = online_rule (opt->desc);
  /* The built-ins have no init and no decoupled decay; the check keeps it
   * so if they ever get one. */
  if (rule == ONLINE_NONE || opt->desc->init != NULL
      || bp_param_index (opt->desc->hyper_specs, opt->desc->n_hyper, "weight_decay") >= 0)
    return FALSE;
  /* Every layer of a network is dense today.  When other layer types (or
   * skip connections) exist, this is where they go to the general path. */
  return TRUE;
}

/* δ = (∂a/∂z)ᵀ g of one sample, as bp-network-pass.c computes it for a
 * batch (element-wise: f′(z) first, then times g). */
static void
online_activate_backward (const BpLayer *L,
                          const double  *z,
                          const double  *a,
                          const double  *g,
                          double        *delta)
{
  const BpActivationDesc *act = L->act;
  gsize n = L->out;

  if (act->vec_vjp != NULL)
    act->vec_vjp (z, a, g, delta, n, L->act_params);
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

/* What one layer's sweep needs.  W is out × in; the backups and the
 * velocities are at the same offsets in their own blocks. */
typedef struct
{
  double       *W, *b;
  double       *W_old, *b_old;   /* the backup */
  double       *vW, *vb;         /* momentum's velocity, or NULL */
  double       *vW_old, *vb_old;
  const double *x;               /* a(n−1) */
  const double *delta;           /* δ(n) */
  double       *gx;              /* ∂C/∂a(n−1), or NULL for the first layer */
  gsize         in, out;
  double        lr, mu, wd;
} OnlineSweep;

#define SPLAT(a) ((bp_v4d) { (a), (a), (a), (a) })

/* One parameter's update from its gradient g, in bp_optimizer_step's
 * order; `p` and `v` updated in place.  A macro so that the same text
 * serves four lanes and one. */
#define ONLINE_UPDATE(p, v, g, momentum, decay, lr, mu, wd) \
  do {                                                      \
    if (decay)                                              \
      g = g + wd * p;                                       \
    if (momentum)                                           \
      {                                                     \
        v = mu * v + g;                                     \
        p = p - lr * v;                                     \
      }                                                     \
    else                                                    \
      p = p - lr * g;                                       \
  } while (0)

/* The sweep over one layer: ∂C/∂x from the old W, the update of W and b,
 * the old values to the backup.  Returns the sum of new·0 (NaN when a new
 * parameter is not finite).  `has_gx`, `momentum` and `decay` are
 * constants where it is inlined, so each case is its own loop. */
static inline __attribute__ ((always_inline)) double
sweep_body (const OnlineSweep *s,
            gboolean           has_gx,
            gboolean           momentum,
            gboolean           decay)
{
  gsize in = s->in, out = s->out;
  bp_v4d lr4 = SPLAT (s->lr), mu4 = SPLAT (s->mu), wd4 = SPLAT (s->wd), zero4 = SPLAT (0.0);
  bp_v4d acc4 = zero4;
  double lr = s->lr, mu = s->mu, wd = s->wd, acc = 0.0;

  if (has_gx)
    memset (s->gx, 0, in * sizeof (double));
  for (gsize j = 0; j < out; j++)
    {
      double dj = s->delta[j];
      double *restrict w = s->W + j * in, *restrict w_old = s->W_old + j * in;
      double *restrict v = momentum ? s->vW + j * in : NULL;
      double *restrict v_old = momentum ? s->vW_old + j * in : NULL;
      const double *restrict x = s->x;
      double *restrict gx = s->gx;
      bp_v4d dj4 = SPLAT (dj);
      gsize k = 0;

      for (; k + 4 <= in; k += 4)
        {
          bp_v4d p, x4, g, vk = zero4;

          BP_V4D_LOAD (p, w + k);
          BP_V4D_LOAD (x4, x + k);
          memcpy (w_old + k, &p, sizeof p);
          if (has_gx)
            {
              bp_v4d c;

              BP_V4D_LOAD (c, gx + k);
              c = c + dj4 * p;
              memcpy (gx + k, &c, sizeof c);
            }
          g = zero4 + dj4 * x4;
          if (momentum)
            {
              BP_V4D_LOAD (vk, v + k);
              memcpy (v_old + k, &vk, sizeof vk);
            }
          ONLINE_UPDATE (p, vk, g, momentum, decay, lr4, mu4, wd4);
          if (momentum)
            memcpy (v + k, &vk, sizeof vk);
          memcpy (w + k, &p, sizeof p);
          acc4 = acc4 + p * zero4;
        }
      for (; k < in; k++)
        {
          double p = w[k], g, vk = 0.0;

          w_old[k] = p;
          if (has_gx)
            gx[k] = gx[k] + dj * p;
          g = 0.0 + dj * x[k];
          if (momentum)
            {
              vk = v[k];
              v_old[k] = vk;
            }
          ONLINE_UPDATE (p, vk, g, momentum, decay, lr, mu, wd);
          if (momentum)
            v[k] = vk;
          w[k] = p;
          acc = acc + p * 0.0;
        }

      /* The bias: ∂C/∂b[j] = 0 + δ_j. */
      {
        double p = s->b[j], g = 0.0 + dj, vk = 0.0;

        s->b_old[j] = p;
        if (momentum)
          {
            vk = s->vb[j];
            s->vb_old[j] = vk;
          }
        ONLINE_UPDATE (p, vk, g, momentum, decay, lr, mu, wd);
        if (momentum)
          s->vb[j] = vk;
        s->b[j] = p;
        acc = acc + p * 0.0;
      }
    }
  return acc + ((acc4[0] + acc4[1]) + (acc4[2] + acc4[3]));
}

/* sweep_body with its cases as constants (an AVX2 clone where the CPU has
 * it: the same operations, so the same bits). */
BP_HOT static double
sweep_layer (const OnlineSweep *s)
{
  gboolean momentum = s->vW != NULL, decay = s->wd != 0.0;

  if (s->gx != NULL)
    {
      if (momentum)
        return decay ? sweep_body (s, TRUE, TRUE, TRUE) : sweep_body (s, TRUE, TRUE, FALSE);
      return decay ? sweep_body (s, TRUE, FALSE, TRUE) : sweep_body (s, TRUE, FALSE, FALSE);
    }
  if (momentum)
    return decay ? sweep_body (s, FALSE, TRUE, TRUE) : sweep_body (s, FALSE, TRUE, FALSE);
  return decay ? sweep_body (s, FALSE, FALSE, TRUE) : sweep_body (s, FALSE, FALSE, FALSE);
}

/* δ(N) of the sample into trace->dC_dz[N − 1], as bp_network_backward
 * computes it (after bp_network_cost). */
static void
output_delta (const BpNetwork *net,
              BpTrace         *t,
              const double    *y)
{
  gsize N = net->n_layers;
  const BpLayer *last = &net->layers[N - 1];
  const BpCostDesc *cost = net->cost;
  gsize out = last->out;
  /* reduction_scale for B = 1: 1/1 for a mean, 1 for a sum. */
  double scale = net->reduction == BP_REDUCTION_MEAN ? 1.0 / 1.0 : 1.0;
  const double *a = t->a[N - 1], *z = t->z[N - 1];
  double *g = t->dC_da[N - 1], *d = t->dC_dz[N - 1];

  cost->grad_a (a, z, y, g, out, net->cost_params);
  for (gsize k = 0; k < out; k++)
    g[k] *= scale;
  if (cost->grad_z != NULL && g_strcmp0 (last->act_id, cost->output_activation) == 0)
    {
      cost->grad_z (a, z, y, d, out, net->cost_params);
      for (gsize k = 0; k < out; k++)
        d[k] *= scale;
    }
  else
    online_activate_backward (last, z, a, g, d);
}

gboolean
bp_train_online_step (BpNetwork    *net,
                      BpOptimizer  *opt,
                      BpTrace      *t,
                      const double *x,
                      const double *y,
                      double       *backup)
{
  gboolean momentum = online_rule (opt->desc) == ONLINE_MOMENTUM;
  double *v = momentum ? bp_optimizer_state (opt, 0) : NULL;
  double *v_backup = backup + net->n_params + (momentum ? v - opt->state : 0);
  guint64 t_before = opt->t;
  double check;

  bp_network_forward (net, t, x, 1);
  check = bp_network_cost (net, t, y) * 0.0;
  output_delta (net, t, y);

  opt->t++;
  for (gsize l = net->n_layers; l-- > 0;)
    {
      BpLayer *L = &net->layers[l];
      gsize at = (gsize) (L->W - net->params), at_b = (gsize) (L->b - net->params);
      OnlineSweep s = {
        .W = L->W, .b = L->b,
        .W_old = backup + at, .b_old = backup + at_b,
        .vW = momentum ? v + at : NULL, .vb = momentum ? v + at_b : NULL,
        .vW_old = v_backup + at, .vb_old = v_backup + at_b,
        .x = l > 0 ? t->a[l - 1] : t->input,
        .delta = t->dC_dz[l],
        .gx = l > 0 ? t->scratch : NULL,
        .in = L->in, .out = L->out,
        /* sgd: lr; momentum: lr, μ (the built-ins' order) */
        .lr = opt->hyper[0], .mu = momentum ? opt->hyper[1] : 0.0,
        .wd = opt->weight_decay,
      };

      check = check + sweep_layer (&s);
      if (l > 0)
        online_activate_backward (&net->layers[l - 1], t->z[l - 1], t->a[l - 1], t->scratch,
                                  t->dC_dz[l - 1]);
    }
  if (isfinite (check))
    return TRUE;
  bp_train_state_restore (net, opt, backup, t_before);
  return FALSE;
}
