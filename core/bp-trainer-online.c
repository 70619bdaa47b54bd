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
 * finite, and undoes the update if a parameter is not.  Two ways keep that:
 *
 * - Bounds first (SGD): after the forward pass, sums of |W|, |b|, |a| and
 *   |f′(z)| bound every gradient, every ∂C/∂a and every new parameter
 *   before anything is written.  When the bounds are far from overflow
 *   (below 2^1000, with a factor 2 for rounding at each step) and the loss
 *   is finite, nothing the general step checks can be non-finite, and the
 *   sweep writes no backup.  Otherwise nothing has been written yet and the
 *   trainer takes the step the general way.
 * - Backup and check (momentum, whose velocity has no bound until it is
 *   read, and hidden vector activations, whose δ cannot be bounded before
 *   ∂C/∂a is known): the sweep saves the old values and sums the new ones
 *   (not finite when one of them is not, and, harmlessly, when finite
 *   values near 1e308 overflow the sum: the general step then takes the
 *   step, with the same result).  A gradient that is not
 *   finite always makes its parameter's update non-finite (p − lr·∞, or
 *   0·∞ = NaN when lr = 0; likewise through λp and μv), so checking the
 *   loss and the new parameters catches every step the general one would
 *   refuse; then everything is restored and the trainer takes the step the
 *   general way, which names the value.
 */
#include "bp-trainer-online.h"

/* GCC would turn the sweep's stores of old values to the backup into
 * memmove calls of a few doubles each (loop distribution), each with
 * vzeroupper and every vector register spilled around it: T1's step made
 * three of them.  The stores stay in the loop that loads the values. */
#if defined (__GNUC__) && !defined (__clang__)
# pragma GCC optimize ("no-tree-loop-distribute-patterns")
#endif

#include "bp-math.h"
#include "bp-registry.h"
#include "bp-trainer.h"
#include "bp-util.h"

#include <math.h>
#include <string.h>

/* A macro, like BP_V4D_LOAD: a vector returned by value would warn about
 * the AVX calling convention (vectors go by pointer here for the same
 * reason). */
#define SPLAT(a) ((bp_v4d) { (a), (a), (a), (a) })

typedef gint64 v4i __attribute__ ((vector_size (32)));

/* |v|, lane by lane (clears the sign bits). */
#define V4D_ABS(v) \
  ((bp_v4d) ((v4i) (v) & (v4i) { G_MAXINT64, G_MAXINT64, G_MAXINT64, G_MAXINT64 }))

/* The built-ins the fused step knows the formulas of, found by their
 * descriptors (a plugin may register its own "sgd"; only the built-in one
 * is known to compute p − lr·g). */
typedef struct
{
  const BpOptimizerDesc  *sgd, *momentum;
  const BpActivationDesc *tanh, *sigmoid;
} OnlineBuiltins;

/* A built-in optimizer the sweep can stand in for: bp_optimizer_step
 * calls no init and adds the host's weight decay (the built-ins have
 * neither init nor a decay of their own; kept NULL if they ever get one). */
static const BpOptimizerDesc *
plain_update (const BpOptimizerDesc *d)
{
  if (d->init != NULL || bp_param_index (d->hyper_specs, d->n_hyper, "weight_decay") >= 0)
    return NULL;
  return d;
}

static const OnlineBuiltins *
online_builtins (void)
{
  static OnlineBuiltins builtins;
  static gsize found;

  if (g_once_init_enter (&found))
    {
      const BpPluginDesc *desc = bp_builtins_get_descriptor ();

      for (size_t i = 0; i < desc->n_optimizers; i++)
        {
          const BpOptimizerDesc *d = &desc->optimizers[i];

          if (g_str_equal (d->id, "sgd"))
            builtins.sgd = plain_update (d);
          else if (g_str_equal (d->id, "momentum"))
            builtins.momentum = plain_update (d);
        }
      for (size_t i = 0; i < desc->n_activations; i++)
        {
          const BpActivationDesc *d = &desc->activations[i];

          if (g_str_equal (d->id, "tanh"))
            builtins.tanh = d;
          else if (g_str_equal (d->id, "sigmoid"))
            builtins.sigmoid = d;
        }
      g_once_init_leave (&found, 1);
    }
  return &builtins;
}

typedef enum
{
  ONLINE_NONE,
  ONLINE_SGD,
  ONLINE_MOMENTUM,
} OnlineRule;

static OnlineRule
online_rule (const BpOptimizerDesc *desc)
{
  const OnlineBuiltins *builtins = online_builtins ();

  if (desc == builtins->sgd)
    return ONLINE_SGD;
  if (desc == builtins->momentum)
    return ONLINE_MOMENTUM;
  return ONLINE_NONE;
}

/* Every layer a dense one without a skip (batch norm, layer norm, dropout
 * and skips take the general path) whose W (out × in) and b (out) sit where
 * bp-network.c lays them out, back to back, and nothing else in the
 * block: the sweep relies on it for the backup's and momentum's offsets. */
static gboolean
dense_chain (const BpNetwork *net)
{
  gsize at = 0, in = net->n_inputs;

  /* bp_network_is_plain's test in the same loop (this runs every step) */
  for (gsize l = 0; l < net->n_layers; l++)
    {
      const BpLayer *L = &net->layers[l];

      if (L->type != BP_LAYER_DENSE || L->skip_from >= 0)
        return FALSE;
      if (L->in != in || L->W != net->params + at || L->b != L->W + L->in * L->out)
        return FALSE;
      at += L->in * L->out + L->out;
      in = L->out;
    }
  return at == net->n_params;
}

gboolean
bp_train_online_applies (const BpNetwork   *net,
                         const BpOptimizer *opt,
                         const BpTrace     *trace,
                         gsize              B)
{
  return B == 1 && !trace->keep && opt->n_params == net->n_params && net->n_layers > 0
         && online_rule (opt->desc) != ONLINE_NONE && dense_chain (net);
}

/* Σ|x_i| (∞ or NaN when some x_i is not finite): an upper bound of every
 * |x_i|, in one pass with four independent vector sums (only a bound: the
 * order of its additions does not matter). */
BP_HOT static double
abs_sum (const double *x,
         gsize         n)
{
  bp_v4d s0 = SPLAT (0.0), s1 = s0, s2 = s0, s3 = s0;
  double tail = 0.0;
  gsize i = 0;

  for (; i + 16 <= n; i += 16)
    {
      bp_v4d v0, v1, v2, v3;

      BP_V4D_LOAD (v0, x + i);
      BP_V4D_LOAD (v1, x + i + 4);
      BP_V4D_LOAD (v2, x + i + 8);
      BP_V4D_LOAD (v3, x + i + 12);
      s0 += V4D_ABS (v0);
      s1 += V4D_ABS (v1);
      s2 += V4D_ABS (v2);
      s3 += V4D_ABS (v3);
    }
  for (; i < n; i++)
    tail += fabs (x[i]);
  s0 += s1 + s2 + s3;
  return ((s0[0] + s0[1]) + (s0[2] + s0[3])) + tail;
}

/* z_j = b_j + W(j)·x for `rows` consecutive rows (1 or 4) from row j0, each
 * dot in bp_dot ()'s order (eight lanes: the first four for k mod 8 < 4,
 * then one block of four into them, a scalar tail; reduced as bp_dot
 * reduces), as bp_matmul_forward computes them; returns Σ|W| of the rows.
 * `rows` is a constant where it is inlined. */
static inline __attribute__ ((always_inline)) double
forward_rows (const double *restrict W,
              const double *restrict b,
              const double *restrict x,
              double       *restrict z,
              gsize                  in,
              gsize                  j0,
              gsize                  rows)
{
  bp_v4d lo[4], hi[4], abs_lo = SPLAT (0.0), abs_hi = SPLAT (0.0);
  double tail[4], abs_tail = 0.0;
  gsize k = 0;

  for (gsize r = 0; r < rows; r++)
    {
      lo[r] = hi[r] = SPLAT (0.0);
      tail[r] = 0.0;
    }
  for (; k + 8 <= in; k += 8)
    {
      bp_v4d xa, xA, sum_lo = SPLAT (0.0), sum_hi = SPLAT (0.0);

      BP_V4D_LOAD (xa, x + k);
      BP_V4D_LOAD (xA, x + k + 4);
      for (gsize r = 0; r < rows; r++)
        {
          bp_v4d w, v;

          BP_V4D_LOAD (w, W + (j0 + r) * in + k);
          BP_V4D_LOAD (v, W + (j0 + r) * in + k + 4);
          lo[r] += w * xa;
          hi[r] += v * xA;
          sum_lo += V4D_ABS (w);
          sum_hi += V4D_ABS (v);
        }
      abs_lo += sum_lo;
      abs_hi += sum_hi;
    }
  if (k + 4 <= in)
    {
      bp_v4d xa;

      BP_V4D_LOAD (xa, x + k);
      for (gsize r = 0; r < rows; r++)
        {
          bp_v4d w;

          BP_V4D_LOAD (w, W + (j0 + r) * in + k);
          lo[r] += w * xa;
          abs_lo += V4D_ABS (w);
        }
      k += 4;
    }
  for (; k < in; k++)
    for (gsize r = 0; r < rows; r++)
      {
        double w = W[(j0 + r) * in + k];

        tail[r] += w * x[k];
        abs_tail += fabs (w);
      }
  if (rows == 4)
    {
      /* The four rows' ((l0 + l1) + (l2 + l3)) at once: pairs of lanes
       * side by side, added, then the halves: the same additions as the
       * row-by-row form below, in four vector additions and six shuffles
       * instead of some forty scalar operations. */
      bp_v4d l0 = lo[0] + hi[0], l1 = lo[1] + hi[1], l2 = lo[2] + hi[2], l3 = lo[3] + hi[3];
      bp_v4d t0 = __builtin_shufflevector (l0, l1, 0, 4, 2, 6)
                  + __builtin_shufflevector (l0, l1, 1, 5, 3, 7);
      bp_v4d t1 = __builtin_shufflevector (l2, l3, 0, 4, 2, 6)
                  + __builtin_shufflevector (l2, l3, 1, 5, 3, 7);
      bp_v4d sum = __builtin_shufflevector (t0, t1, 0, 1, 4, 5)
                   + __builtin_shufflevector (t0, t1, 2, 3, 6, 7);
      bp_v4d tails = { tail[0], tail[1], tail[2], tail[3] }, b4;

      BP_V4D_LOAD (b4, b + j0);
      b4 = b4 + (sum + tails);
      memcpy (z + j0, &b4, sizeof b4);
    }
  else
    for (gsize r = 0; r < rows; r++)
      {
        bp_v4d l = lo[r] + hi[r];

        z[j0 + r] = b[j0 + r] + (((l[0] + l[1]) + (l[2] + l[3])) + tail[r]);
      }
  abs_lo += abs_hi;
  return ((abs_lo[0] + abs_lo[1]) + (abs_lo[2] + abs_lo[3])) + abs_tail;
}

/* z = W x + b of one sample, bit for bit as bp_matmul_forward (B = 1),
 * and Σ|W| from the same loads.  The rows go from the last to the first
 * (their order changes no bit): the sweep that follows starts at the
 * first, which are then the ones still in L1. */
static inline __attribute__ ((always_inline)) double
forward_layer_body (const BpLayer *L,
                    const double  *x,
                    double        *z,
                    gboolean       sums)
{
  double sum = 0.0;
  gsize j = L->out;

  while (j % 4 != 0)
    {
      j--;
      sum += forward_rows (L->W, L->b, x, z, L->in, j, 1);
    }
  while (j > 0)
    {
      j -= 4;
      sum += forward_rows (L->W, L->b, x, z, L->in, j, 4);
    }
  return sums ? sum : 0.0;
}

/* forward_layer_body; Σ|W| only when `sums` (the bounds want it: without
 * them its additions are dropped from the loop). */
BP_HOT static double
forward_layer (const BpLayer *L,
               const double  *x,
               double        *z,
               gboolean       sums)
{
  if (sums)
    return forward_layer_body (L, x, z, TRUE);
  return forward_layer_body (L, x, z, FALSE);
}

/* ------------------------------------------------------------- forward */

/* Beyond these |z| the built-ins' f′ takes another branch than the one
 * that shares e^{−2|z|} (tanh, sech²) or e^{−|z|} (σ, σ′) with f: see
 * bp-math.h (tanh clamps its exponent at 350, sech²_core holds to 354;
 * σ and σ′ both hold to 708). */
#define TANH_SHARED_MAX    350.0
#define SIGMOID_SHARED_MAX 708.0

/* a = tanh z and d = tanh′ z = sech² z of n values, bit for bit as
 * tanh_f_array and tanh_df_array give them.  Where |z| ≤ 350 both are
 * built from the same e = e^{−2|z|} (the expression bp_tanh writes, so
 * the compiler computes it once): sech² z = 4e/(1 + e)², bp_sech2_core's
 * formula with the same e.  Elsewhere (and for NaN) bp_sech2 itself. */
BP_HOT static void
tanh_both (const double *restrict z,
           double       *restrict a,
           double       *restrict d,
           gsize                  n)
{
  int others = 0;

  for (gsize i = 0; i < n; i++)
    {
      double ax = fabs (z[i]);
      double c = ax > TANH_SHARED_MAX ? TANH_SHARED_MAX : ax;
      double e = bp_exp_core (-2.0 * c);

      a[i] = bp_tanh (z[i]);
      d[i] = 4.0 * e / ((1.0 + e) * (1.0 + e));
      others |= !(ax <= TANH_SHARED_MAX);
    }
  if (others)
    for (gsize i = 0; i < n; i++)
      if (!(fabs (z[i]) <= TANH_SHARED_MAX))
        d[i] = bp_sech2 (z[i]);
}

/* a = σ(z) and d = σ′(z), bit for bit as sigmoid_f_array and
 * sigmoid_df_array give them: bp_sigmoid_core and bp_sigmoid_prime_core
 * share e = e^{−|z|}; past |z| = 708 (and for NaN) the tails. */
BP_HOT static void
sigmoid_both (const double *restrict z,
              double       *restrict a,
              double       *restrict d,
              gsize                  n)
{
  int others = 0;

  for (gsize i = 0; i < n; i++)
    {
      a[i] = bp_sigmoid_core (z[i]);
      d[i] = bp_sigmoid_prime_core (z[i]);
      others |= !(fabs (z[i]) <= SIGMOID_SHARED_MAX);
    }
  if (others)
    for (gsize i = 0; i < n; i++)
      if (!(fabs (z[i]) <= SIGMOID_SHARED_MAX))
        {
          a[i] = bp_sigmoid (z[i]);
          d[i] = bp_sigmoid_prime (z[i]);
        }
}

/* a = f(z) of one sample, as bp-network-pass.c's activate () computes it,
 * and for an element-wise f also d = f′(z) (NULL: not wanted).  Returns
 * FALSE when f′ was wanted but f is a vector activation (no d). */
static gboolean
online_activate (const BpLayer *L,
                 const double  *z,
                 double        *a,
                 double        *d)
{
  const BpActivationDesc *act = L->act;
  const OnlineBuiltins *builtins = online_builtins ();
  gsize n = L->out;

  if (d != NULL && act == builtins->tanh)
    {
      tanh_both (z, a, d, n);
      return TRUE;
    }
  if (d != NULL && act == builtins->sigmoid)
    {
      sigmoid_both (z, a, d, n);
      return TRUE;
    }
  if (act->vec_forward != NULL)
    act->vec_forward (z, a, n, L->act_params);
  else if (act->f_array != NULL)
    act->f_array (z, a, n, L->act_params);
  else
    for (gsize i = 0; i < n; i++)
      a[i] = act->f (z[i], L->act_params);
  if (d == NULL)
    return TRUE;
  if (act->vec_vjp != NULL)
    return FALSE;
  if (act->df_array != NULL)
    act->df_array (z, a, d, n, L->act_params);
  else
    for (gsize i = 0; i < n; i++)
      d[i] = act->df (z[i], a[i], L->act_params);
  return TRUE;
}

/* The cost computes δ(N) from z(N) itself (σ(z) − y, softmax(z) − y),
 * as bp_network_backward decides it. */
static gboolean
cost_gives_delta (const BpNetwork *net)
{
  const BpLayer *last = &net->layers[net->n_layers - 1];

  return net->cost->grad_z != NULL
         && g_strcmp0 (last->act_id, net->cost->output_activation) == 0;
}

/* bp_network_forward for one sample, and f′(z(n)) of every layer whose δ
 * is f′ ⊙ ∂C/∂a (all but an output whose cost gives δ(N)) into
 * trace->dC_dz[n], for layer_delta; has_d[n] says it is there (not for a
 * vector activation).  Returns TRUE when it is for every hidden layer.
 * With `bounds`, w_sum[n] = Σ|W(n)| + Σ|b(n)| (for sgd_bounded; Σ|W| from
 * the loads of the product); without, w_sum is 0. */
static gboolean
online_forward (const BpNetwork *net,
                BpTrace         *t,
                const double    *x,
                gboolean        *has_d,
                double          *w_sum,
                gboolean         bounds)
{
  gsize N = net->n_layers;
  gboolean elementwise = TRUE, want_output_d = !cost_gives_delta (net);
  const double *in;

  t->batch = 1;
  memcpy (t->input, x, net->n_inputs * sizeof (double));
  in = t->input;
  for (gsize l = 0; l < N; l++)
    {
      const BpLayer *L = &net->layers[l];
      gboolean hidden = l + 1 < N;
      double *d = hidden || want_output_d ? t->dC_dz[l] : NULL;

      /* z(n) = W(n) a(n−1) + b(n);  a(n) = f(z(n)) */
      w_sum[l] = forward_layer (L, in, t->z[l], bounds);
      if (bounds)
        w_sum[l] += abs_sum (L->b, L->out);
      has_d[l] = online_activate (L, t->z[l], t->a[l], d) && d != NULL;
      if (hidden)
        elementwise = elementwise && has_d[l];
      in = t->a[l];
    }
  return elementwise;
}

/* δ(n) = (∂a(n)/∂z(n))ᵀ g, g = ∂C/∂a(n), into trace->dC_dz[n] as
 * bp-network-pass.c's activate_backward computes it: f′ ⊙ g from the f′
 * online_forward left there (f′ times g for df_array, g times f′ for df:
 * the same bits either way), or the vector-Jacobian product. */
static inline __attribute__ ((always_inline)) void
layer_delta (const BpLayer *L,
             BpTrace       *t,
             gsize          l,
             gboolean       has_d,
             const double  *g)
{
  double *restrict delta = t->dC_dz[l];
  const double *restrict gr = g;
  gsize n = L->out;

  /* restrict and n in a local: a store through delta could otherwise
   * alias L->out and g, and the loop would go one value at a time */
  if (has_d)
    for (gsize i = 0; i < n; i++)
      delta[i] *= gr[i];
  else
    L->act->vec_vjp (t->z[l], t->a[l], g, delta, L->out, L->act_params);
}

/* --------------------------------------------------- backward and update */

/* What one layer's sweep needs.  W is out × in; the backups and the
 * velocities are at the same offsets in their own blocks. */
typedef struct
{
  double       *W, *b;
  double       *W_old, *b_old;   /* the backup, or NULL when bounded */
  double       *vW, *vb;         /* momentum's velocity, or NULL */
  double       *vW_old, *vb_old;
  const double *x;               /* a(n−1) */
  const double *delta;           /* δ(n) */
  double       *gx;              /* ∂C/∂a(n−1), or NULL for the first layer */
  gsize         in, out;
  double        lr, mu, wd;
} OnlineSweep;

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

/* Four lanes of one row, W[j, k…k+3] at w: *c += δ_j·(old W) (∂C/∂x,
 * when has_gx), the old values to the backup, the update, and the new
 * values into *acc (the check: see the top). */
static inline __attribute__ ((always_inline)) void
sweep_lanes (double       *w,
             double       *w_old,
             double       *v,
             double       *v_old,
             const bp_v4d *x4,
             const bp_v4d *d4,
             bp_v4d       *c,
             bp_v4d       *acc,
             const bp_v4d *lr4,
             const bp_v4d *mu4,
             const bp_v4d *wd4,
             gboolean      has_gx,
             gboolean      momentum,
             gboolean      decay,
             gboolean      backup)
{
  bp_v4d p, g, vk = SPLAT (0.0);

  BP_V4D_LOAD (p, w);
  if (backup)
    memcpy (w_old, &p, sizeof p);
  if (has_gx)
    *c = *c + *d4 * p;
  g = SPLAT (0.0) + *d4 * *x4;
  if (momentum)
    {
      BP_V4D_LOAD (vk, v);
      memcpy (v_old, &vk, sizeof vk);
    }
  ONLINE_UPDATE (p, vk, g, momentum, decay, *lr4, *mu4, *wd4);
  if (momentum)
    memcpy (v, &vk, sizeof vk);
  memcpy (w, &p, sizeof p);
  if (backup)
    *acc = *acc + p;
}

/* The same for one weight, W[j, k] at w, and the bias (x = 1 for it, as
 * ∂C/∂b = 0 + δ_j: 0 + δ_j·1 is the same value). */
static inline __attribute__ ((always_inline)) void
sweep_one (double       *w,
           double       *w_old,
           double       *v,
           double       *v_old,
           double        x,
           double        d,
           double       *c,
           double       *acc,
           double        lr,
           double        mu,
           double        wd,
           gboolean      has_gx,
           gboolean      momentum,
           gboolean      decay,
           gboolean      backup)
{
  double p = *w, g, vk = 0.0;

  if (backup)
    *w_old = p;
  if (has_gx)
    *c = *c + d * p;
  g = 0.0 + d * x;
  if (momentum)
    {
      vk = *v;
      *v_old = vk;
    }
  ONLINE_UPDATE (p, vk, g, momentum, decay, lr, mu, wd);
  if (momentum)
    *v = vk;
  *w = p;
  if (backup)
    *acc = *acc + p;
}

/* b[j … j + rows − 1]: four lanes at a time, as a row of W whose x is 1
 * (∂C/∂b = 0 + δ_j·1, the same value as 0 + δ_j), then one by one. */
static inline __attribute__ ((always_inline)) void
sweep_biases (double       *restrict b,
              double       *restrict b_old,
              double       *restrict vb,
              double       *restrict vb_old,
              const double *restrict delta,
              gsize                  j,
              gsize                  rows,
              const double          *hyper,
              double                *acc,
              bp_v4d                *acc4,
              gboolean               momentum,
              gboolean               decay,
              gboolean               backup)
{
  double lr = hyper[0], mu = hyper[1], wd = hyper[2], unused = 0.0;
  bp_v4d lr4 = SPLAT (lr), mu4 = SPLAT (mu), wd4 = SPLAT (wd), one4 = SPLAT (1.0);
  bp_v4d unused4 = SPLAT (0.0);
  gsize r = j;

  for (; r + 4 <= j + rows; r += 4)
    {
      bp_v4d d4;

      BP_V4D_LOAD (d4, delta + r);
      sweep_lanes (b + r, backup ? b_old + r : NULL,
                   momentum ? vb + r : NULL, momentum ? vb_old + r : NULL,
                   &one4, &d4, &unused4, acc4, &lr4, &mu4, &wd4,
                   FALSE, momentum, decay, backup);
    }
  for (; r < j + rows; r++)
    sweep_one (b + r, backup ? b_old + r : NULL,
               momentum ? vb + r : NULL, momentum ? vb_old + r : NULL,
               1.0, delta[r], &unused, acc, lr, mu, wd,
               FALSE, momentum, decay, backup);
}

/* Rows of W swept together: ∂C/∂x[k] is loaded and stored once for them,
 * and summed in row order in a register. */
#define SWEEP_ROWS 4

/* Rows j … j + rows − 1 of the sweep (sweep_body), `rows` 1 or
 * SWEEP_ROWS and a constant where it is inlined.  The struct's pointers
 * come in as locals: stores through W could otherwise alias them (the
 * core builds with -fno-strict-aliasing) and be reloaded every lane. */
static inline __attribute__ ((always_inline)) void
sweep_rows (double       *restrict W,
            double       *restrict W_old,
            double       *restrict b,
            double       *restrict b_old,
            double       *restrict vW,
            double       *restrict vW_old,
            double       *restrict vb,
            double       *restrict vb_old,
            const double *restrict x,
            const double *restrict delta,
            double       *restrict gx,
            gsize                  in,
            gsize                  j,
            gsize                  rows,
            const double          *hyper,
            double                *acc,
            bp_v4d                *acc4,
            gboolean               has_gx,
            gboolean               momentum,
            gboolean               decay,
            gboolean               backup)
{
  double lr = hyper[0], mu = hyper[1], wd = hyper[2], unused = 0.0;
  bp_v4d lr4 = SPLAT (lr), mu4 = SPLAT (mu), wd4 = SPLAT (wd);
  gsize k = 0;

  for (; k + 4 <= in; k += 4)
    {
      bp_v4d x4, c = SPLAT (0.0);

      BP_V4D_LOAD (x4, x + k);
      /* the first rows start ∂C/∂x at 0 (no memset of it before) */
      if (has_gx && j > 0)
        BP_V4D_LOAD (c, gx + k);
      for (gsize r = 0; r < rows; r++)
        {
          gsize at = (j + r) * in + k;
          bp_v4d d4 = SPLAT (delta[j + r]);

          sweep_lanes (W + at, backup ? W_old + at : NULL,
                       momentum ? vW + at : NULL, momentum ? vW_old + at : NULL,
                       &x4, &d4, &c, acc4, &lr4, &mu4, &wd4,
                       has_gx, momentum, decay, backup);
        }
      if (has_gx)
        memcpy (gx + k, &c, sizeof c);
    }
  for (; k < in; k++)
    {
      if (has_gx && j == 0)
        gx[k] = 0.0;
      for (gsize r = 0; r < rows; r++)
        {
          gsize at = (j + r) * in + k;

          sweep_one (W + at, backup ? W_old + at : NULL,
                     momentum ? vW + at : NULL, momentum ? vW_old + at : NULL,
                     x[k], delta[j + r], has_gx ? gx + k : &unused, acc, lr, mu, wd,
                     has_gx, momentum, decay, backup);
        }
    }
  sweep_biases (b, b_old, vb, vb_old, delta, j, rows, hyper, acc, acc4,
                momentum, decay, backup);
}

/* The first layer when it has fewer than four inputs (T1: two): no
 * ∂C/∂x to compute, so W is swept as one flat run of out·in weights,
 * four lanes at a time, W[i] with δ of its row i / in and x of its column
 * i mod in (rows of `in` < 4 lanes would otherwise go one by one), then
 * the biases.  `in` is a constant where it is inlined. */
static inline __attribute__ ((always_inline)) void
sweep_flat (const OnlineSweep *s,
            gsize              in,
            const double      *hyper,
            double            *acc,
            bp_v4d            *acc4,
            gboolean           momentum,
            gboolean           decay,
            gboolean           backup)
{
  double *restrict W = s->W, *restrict W_old = s->W_old;
  double *restrict vW = s->vW, *restrict vW_old = s->vW_old;
  const double *restrict x = s->x, *restrict delta = s->delta;
  double lr = hyper[0], mu = hyper[1], wd = hyper[2], unused = 0.0;
  bp_v4d lr4 = SPLAT (lr), mu4 = SPLAT (mu), wd4 = SPLAT (wd), unused4 = SPLAT (0.0);
  gsize n = s->out * in, i = 0;
  /* i is a multiple of 4: where `in` divides 4 (1, 2), lane q's column
   * (i + q) mod in is q mod in for every i, and its row (i + q)/in is
   * i/in + q/in */
  bp_v4d x4 = { x[0 % in], x[1 % in], x[2 % in], x[3 % in] };

  for (; i + 4 <= n; i += 4)
    {
      bp_v4d d4;

      if (in == 1)
        BP_V4D_LOAD (d4, delta + i);
      else if (in == 2)
        d4 = (bp_v4d) { delta[i / 2], delta[i / 2], delta[i / 2 + 1], delta[i / 2 + 1] };
      else
        for (gsize q = 0; q < 4; q++)
          {
            x4[q] = x[(i + q) % in];
            d4[q] = delta[(i + q) / in];
          }
      sweep_lanes (W + i, backup ? W_old + i : NULL,
                   momentum ? vW + i : NULL, momentum ? vW_old + i : NULL,
                   &x4, &d4, &unused4, acc4, &lr4, &mu4, &wd4,
                   FALSE, momentum, decay, backup);
    }
  for (; i < n; i++)
    sweep_one (W + i, backup ? W_old + i : NULL,
               momentum ? vW + i : NULL, momentum ? vW_old + i : NULL,
               x[i % in], delta[i / in], &unused, acc, lr, mu, wd,
               FALSE, momentum, decay, backup);
  sweep_biases (s->b, s->b_old, s->vb, s->vb_old, delta, 0, s->out, hyper, acc, acc4,
                momentum, decay, backup);
}

/* The sweep over one layer: ∂C/∂x from the old W, the update of W and b,
 * and with `backup` the old values to the backup.  Returns the sum of
 * the new values (not finite when one is not; 0 without `backup`, whose
 * bounds said they are finite).  The flags are constants where it is
 * inlined, so each case is its own loop. */
static inline __attribute__ ((always_inline)) double
sweep_body (const OnlineSweep *s,
            gboolean           has_gx,
            gboolean           momentum,
            gboolean           decay,
            gboolean           backup)
{
  const double hyper[3] = { s->lr, s->mu, s->wd };
  bp_v4d acc4 = SPLAT (0.0);
  double acc = 0.0;
  gsize j = 0;

  if (!has_gx && s->in < 4)
    {
      /* each width its own loop, with `in` a constant (T1's is 2) */
      if (s->in == 1)
        sweep_flat (s, 1, hyper, &acc, &acc4, momentum, decay, backup);
      else if (s->in == 2)
        sweep_flat (s, 2, hyper, &acc, &acc4, momentum, decay, backup);
      else
        sweep_flat (s, 3, hyper, &acc, &acc4, momentum, decay, backup);
      return acc + ((acc4[0] + acc4[1]) + (acc4[2] + acc4[3]));
    }
#define SWEEP_ROWS_OF(rows) \
  sweep_rows (s->W, s->W_old, s->b, s->b_old, s->vW, s->vW_old, s->vb, s->vb_old, \
              s->x, s->delta, s->gx, s->in, j, rows, hyper, &acc, &acc4,      \
              has_gx, momentum, decay, backup)
  for (; j + SWEEP_ROWS <= s->out; j += SWEEP_ROWS)
    SWEEP_ROWS_OF (SWEEP_ROWS);
  for (; j < s->out; j++)
    SWEEP_ROWS_OF (1);
#undef SWEEP_ROWS_OF
  return acc + ((acc4[0] + acc4[1]) + (acc4[2] + acc4[3]));
}

/* sweep_body with its cases as constants (inlined in sweep_all, an AVX2
 * clone where the CPU has it: the same operations, so the same bits).
 * Momentum always has a backup. */
#define SWEEP_DECAY(s, gx, mom, bak) \
  ((s)->wd != 0.0 ? sweep_body (s, gx, mom, TRUE, bak) : sweep_body (s, gx, mom, FALSE, bak))

static inline __attribute__ ((always_inline)) double
sweep_layer (const OnlineSweep *s)
{
  if (s->W_old == NULL)
    return s->gx != NULL ? SWEEP_DECAY (s, TRUE, FALSE, FALSE)
                         : SWEEP_DECAY (s, FALSE, FALSE, FALSE);
  if (s->vW != NULL)
    return s->gx != NULL ? SWEEP_DECAY (s, TRUE, TRUE, TRUE) : SWEEP_DECAY (s, FALSE, TRUE, TRUE);
  return s->gx != NULL ? SWEEP_DECAY (s, TRUE, FALSE, TRUE) : SWEEP_DECAY (s, FALSE, FALSE, TRUE);
}

/* The backward sweep of every layer, from the last to the first, and
 * δ(n−1) between them (layer_delta): one function, an AVX2 clone where the
 * CPU has it, rather than a call through the clones' dispatch per layer.
 * Returns the sum of the sweeps' checks.  The backups and velocities are
 * at the parameters' offsets in `backup`, `v` and `v_backup`. */
BP_HOT static double
sweep_all (BpNetwork      *net,
           BpTrace        *t,
           const gboolean *has_d,
           double         *backup,
           double         *v,
           double         *v_backup,
           gboolean        bounded,
           gboolean        momentum,
           double          lr,
           double          mu,
           double          wd)
{
  double check = 0.0;

  for (gsize l = net->n_layers; l-- > 0;)
    {
      BpLayer *L = &net->layers[l];
      gsize at = (gsize) (L->W - net->params), at_b = (gsize) (L->b - net->params);
      OnlineSweep s = {
        .W = L->W, .b = L->b,
        .W_old = bounded ? NULL : backup + at, .b_old = bounded ? NULL : backup + at_b,
        .vW = momentum ? v + at : NULL, .vb = momentum ? v + at_b : NULL,
        .vW_old = v_backup + at, .vb_old = v_backup + at_b,
        .x = l > 0 ? t->a[l - 1] : t->input,
        .delta = t->dC_dz[l],
        .gx = l > 0 ? t->scratch : NULL,
        .in = L->in, .out = L->out,
        /* sgd: lr; momentum: lr, μ (the built-ins' order) */
        .lr = lr, .mu = mu, .wd = wd,
      };

      check = check + sweep_layer (&s);
      if (l == 0)
        break;
      layer_delta (&net->layers[l - 1], t, l - 1, has_d[l - 1], t->scratch);
    }
  return check;
}

/* Below this many parameters the block and its backup stay in L1, and
 * writing the backup costs less than computing the bounds (T1, 2-8-8-1:
 * 113 parameters; T2, 2-64-64-64-1: 8,577). */
#define ONLINE_BOUNDED_MIN_PARAMS 2048

/* Far from overflow: a bound below this leaves room for every rounding
 * and for the products of the next layer's bound. */
#define ONLINE_LIMIT 0x1p1000

/* TRUE when, from the forward pass and δ(N), no gradient, no ∂C/∂a and no
 * new parameter of an SGD step can be infinite or NaN.  Layer n, with
 * D ≥ Σ|δ(n)|, X ≥ Σ|a(n−1)|, M = Σ|W(n)| + Σ|b(n)|:
 *   |∂C/∂W|, |∂C/∂b| ≤ D (X + 1)        (+ λM with weight decay)
 *   |new p| ≤ M + lr · that
 *   Σ|δ(n−1)| ≤ Σ|f′(z(n−1))| · max|∂C/∂a(n−1)| ≤ Σ|f′(z(n−1))| · D M
 * each with a factor 2 for rounding.  f′(z(n−1)) is in trace->dC_dz[n − 2]
 * and M in w_sum[n − 1] (online_forward). */
static gboolean
sgd_bounded (const BpNetwork *net,
             const BpTrace   *t,
             const double    *w_sum,
             double           lr,
             double           wd)
{
  gsize N = net->n_layers;
  double D = abs_sum (t->dC_dz[N - 1], net->layers[N - 1].out);

  if (!isfinite (t->loss))
    return FALSE;
  for (gsize l = N; l-- > 0;)
    {
      const BpLayer *L = &net->layers[l];
      double X = abs_sum (l > 0 ? t->a[l - 1] : t->input, L->in);
      double M = w_sum[l];
      double G = 2.0 * D * (X + 1.0);

      if (wd != 0.0)
        G = 2.0 * (G + wd * M);
      if (!(2.0 * (M + lr * G) <= ONLINE_LIMIT))
        return FALSE;
      if (l > 0)
        {
          D = 4.0 * abs_sum (t->dC_dz[l - 1], L->in) * D * M;
          if (!(D <= ONLINE_LIMIT))
            return FALSE;
        }
    }
  return TRUE;
}

/* δ(N) of the sample into trace->dC_dz[N − 1], as bp_network_backward
 * computes it (after bp_network_cost); `has_d`: f′(z(N)) is there already
 * (online_forward). */
static void
output_delta (const BpNetwork *net,
              BpTrace         *t,
              const double    *y,
              gboolean         has_d)
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
  if (cost_gives_delta (net))
    {
      cost->grad_z (a, z, y, d, out, net->cost_params);
      for (gsize k = 0; k < out; k++)
        d[k] *= scale;
    }
  else
    layer_delta (last, t, N - 1, has_d, g);
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
  /* The scheduled rate, as bp_optimizer_step puts it in hyper[0]. */
  double lr = bp_optimizer_lr (opt), mu = momentum ? opt->hyper[1] : 0.0, wd = opt->weight_decay;
  guint64 t_before = opt->t;
  /* SGD on a block too large for L1: bound everything before writing
   * anything (see the top). */
  gboolean bounded = !momentum && net->n_params >= ONLINE_BOUNDED_MIN_PARAMS;
  gboolean has_d[BP_MAX_LAYERS], elementwise;
  double w_sum[BP_MAX_LAYERS];
  double check;

  elementwise = online_forward (net, t, x, has_d, w_sum, bounded);
  check = bp_network_cost (net, t, y) * 0.0;
  output_delta (net, t, y, has_d[net->n_layers - 1]);
  bounded = bounded && elementwise;
  if (bounded && !sgd_bounded (net, t, w_sum, lr, wd))
    return FALSE;

  opt->t++;
  check = check + sweep_all (net, t, has_d, backup, v, v_backup, bounded, momentum, lr, mu, wd);
  if (bounded || isfinite (check))
    return TRUE;
  bp_train_state_restore (net, opt, backup, t_before);
  return FALSE;
}
