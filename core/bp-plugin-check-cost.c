/* bp-plugin-check-cost.c — a cost's gradients against finite differences
 * of its value: grad_a (through the cost's output activation, if it names
 * one) and the fused grad_z, for every n up to MAX_N, soft and hard
 * targets, outputs from the bulk to ±1000 (see bp-plugin-check.h).
 */
#include "bp-plugin-check-private.h"
#include "bp-registry.h"
#include "bp-rng.h"
#include "bp-util.h"

#include <math.h>
#include <string.h>

/* ------------------------------------------------------------------- costs */

/* Where the cost points are drawn: a (no output activation) or z is
 * `centre` ± r with r uniform in [lo, hi) (log-uniform if `log`), either
 * sign; `hard`: targets 0/1 (one-hot for a vector output activation);
 * `strict`: the unsaturated points where l and its gradient must be finite
 * (elsewhere a non-finite l is outside the cost's domain, e.g. a log of an
 * output outside (0, 1), and the point is skipped). */
typedef struct
{
  double   centre, lo, hi;
  gboolean log;
  gboolean hard;
  gboolean strict;
} CostRegime;

/* Without an output activation: a itself. */
static const CostRegime cost_regimes_a[] = {
  { 0.5, 0.0, 0.45, FALSE, FALSE, TRUE },   /* (0.05, 0.95), soft targets */
  { 0.5, 0.0, 0.45, FALSE, TRUE, TRUE },    /* hard targets */
  { 0.5, 0.45, 0.5, FALSE, FALSE, FALSE },  /* near 0 and 1 */
  { 0.5, 0.45, 0.5, FALSE, TRUE, FALSE },
  { 0.5, 0.5, 4.0, FALSE, FALSE, FALSE },   /* outside [0, 1] */
  { 0.5, 0.5, 4.0, FALSE, TRUE, FALSE },
  { 0.0, 4.0, 1000.0, TRUE, FALSE, FALSE }, /* large magnitudes */
  { 0.0, 4.0, 1000.0, TRUE, TRUE, FALSE },
};

/* Through an output activation: z. */
static const CostRegime cost_regimes_z[] = {
  { 0.0, 0.0, 3.0, FALSE, FALSE, TRUE },
  { 0.0, 0.0, 3.0, FALSE, TRUE, TRUE },
  { 0.0, 3.0, 12.0, FALSE, FALSE, FALSE },  /* saturating */
  { 0.0, 3.0, 12.0, FALSE, TRUE, FALSE },
  { 0.0, 12.0, 40.0, FALSE, FALSE, FALSE }, /* saturated */
  { 0.0, 12.0, 40.0, FALSE, TRUE, FALSE },
  { 0.0, 40.0, 700.0, TRUE, FALSE, FALSE }, /* far */
  { 0.0, 40.0, 700.0, TRUE, TRUE, FALSE },
};

#define COST_TRIALS 2

typedef struct
{
  const BpCostDesc       *cost;
  const double           *params;
  const BpActivationDesc *act;      /* output activation, or NULL: a = z */
  const double           *act_params;
  const double           *z;
  const double           *y;
  size_t                  n;
  double                  zt[MAX_N];
  double                  at[MAX_N];
  double                  ga[MAX_N + GUARD];
  double                  g[MAX_N + GUARD];
  size_t                  j;
} CostCtx;

/* The output a = f(z) (a = z without an output activation). */
static void
cost_forward (const CostCtx *ctx,
              const double  *z,
              double        *a)
{
  if (ctx->act == NULL)
    memcpy (a, z, ctx->n * sizeof (double));
  else if (ctx->act->f != NULL)
    for (size_t i = 0; i < ctx->n; i++)
      a[i] = ctx->act->f (z[i], ctx->act_params);
  else
    ctx->act->vec_forward (z, a, ctx->n, ctx->act_params);
}

/* at = f(zt) at zt = z + (x − z_j) e_j. */
static void
cost_forward_at (CostCtx *ctx,
                 double   x)
{
  memcpy (ctx->zt, ctx->z, ctx->n * sizeof (double));
  ctx->zt[ctx->j] = x;
  cost_forward (ctx, ctx->zt, ctx->at);
}

/* φ(x) = l(f(z + (x − z_j) e_j), y) */
static double
cost_phi (double   x,
          gpointer data)
{
  CostCtx *ctx = data;

  cost_forward_at (ctx, x);
  return ctx->cost->value (ctx->at, ctx->zt, ctx->y, ctx->n, ctx->params);
}

/* ∂l/∂z from ∂l/∂a through the output activation. */
static void
cost_chain (const CostCtx *ctx,
            const double  *z,
            const double  *a,
            const double  *ga,
            double        *gz)
{
  if (ctx->act == NULL)
    memcpy (gz, ga, ctx->n * sizeof (double));
  else if (ctx->act->df != NULL)
    for (size_t i = 0; i < ctx->n; i++)
      gz[i] = ctx->act->df (z[i], a[i], ctx->act_params) * ga[i];
  else
    ctx->act->vec_vjp (z, a, ga, gz, ctx->n, ctx->act_params);
}

/* The gradients at z + (x − z_j) e_j, element j: grad_a through the
 * output activation, and grad_z. */
static double
cost_chain_j (double   x,
              gpointer data)
{
  CostCtx *ctx = data;

  cost_forward_at (ctx, x);
  ctx->cost->grad_a (ctx->at, ctx->zt, ctx->y, ctx->ga, ctx->n, ctx->params);
  cost_chain (ctx, ctx->zt, ctx->at, ctx->ga, ctx->g);
  return ctx->g[ctx->j];
}

static double
cost_grad_z_j (double   x,
               gpointer data)
{
  CostCtx *ctx = data;

  cost_forward_at (ctx, x);
  ctx->cost->grad_z (ctx->at, ctx->zt, ctx->y, ctx->g, ctx->n, ctx->params);
  return ctx->g[ctx->j];
}

static gboolean
check_grads_finite (const BpCostDesc *cost,
                    const char       *which,
                    const double     *g,
                    const double     *a,
                    const double     *y,
                    size_t            n,
                    GError          **error)
{
  for (size_t i = 0; i < n; i++)
    if (!isfinite (g[i]))
      {
        g_autofree char *as = _bp_plugin_check_fmt_vec (a, n);
        g_autofree char *ys = _bp_plugin_check_fmt_vec (y, n);
        g_autofree char *gs = _bp_plugin_check_fmt (g[i]);

        return _bp_plugin_check_error (error, "cost “%s”: %s[%zu] = %s at n = %zu, a = %s, y = %s, "
                                       "but it must be finite", cost->id, which, i, gs, n, as, ys);
      }
  return TRUE;
}

static void
cost_draw (BpRng                  *rng,
           const CostRegime       *regime,
           const BpActivationDesc *act,
           size_t                  n,
           double                 *z,
           double                 *y)
{
  double sum = 0.0;

  for (size_t i = 0; i < n; i++)
    {
      double r = regime->log ? regime->lo * pow (regime->hi / regime->lo, bp_rng_uniform (rng))
                             : bp_rng_range (rng, regime->lo, regime->hi);

      z[i] = regime->centre + (bp_rng_uniform (rng) < 0.5 ? -r : r);
      y[i] = regime->hard ? (double) bp_rng_below (rng, 2) : bp_rng_range (rng, 0.05, 0.95);
      sum += y[i];
    }
  /* A vector output (softmax) is a distribution; so are its targets. */
  if (act != NULL && act->vec_forward != NULL)
    {
      if (regime->hard)
        {
          size_t k = bp_rng_below (rng, n);

          for (size_t i = 0; i < n; i++)
            y[i] = i == k ? 1.0 : 0.0;
        }
      else
        for (size_t i = 0; i < n; i++)
          y[i] /= sum;
    }
}

gboolean
bp_plugin_check_cost (const BpCostDesc       *cost,
                      const double           *params,
                      const BpActivationDesc *output_activation,
                      GError                **error)
{
  g_autofree double *defaults = NULL;
  g_autofree double *act_defaults = NULL;
  g_autofree double *ga = _bp_plugin_check_guarded_new (MAX_N);
  g_autofree double *gz = _bp_plugin_check_guarded_new (MAX_N);
  double z[MAX_N], a[MAX_N], y[MAX_N], chain[MAX_N];
  CostCtx ctx;
  Worst worst_a, worst_z;
  const BpActivationDesc *act = output_activation;
  const CostRegime *regimes;
  BpRng rng;

  g_return_val_if_fail (cost != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (params == NULL)
    params = defaults = _bp_plugin_check_default_params (cost->params, cost->n_params);
  if (act == NULL && cost->output_activation != NULL && cost->output_activation[0] != '\0')
    {
      act = bp_registry_lookup_activation (NULL, cost->output_activation);
      if (act == NULL)
        return _bp_plugin_check_error (error, "cost “%s” cannot be checked: its output activation "
                                       "“%s” is not available", cost->id, cost->output_activation);
    }
  regimes = act == NULL ? cost_regimes_a : cost_regimes_z;

  memset (&ctx, 0, sizeof ctx);
  memset (&worst_a, 0, sizeof worst_a);
  memset (&worst_z, 0, sizeof worst_z);
  ctx.cost = cost;
  ctx.params = params;
  ctx.act = act;
  if (act != NULL)
    ctx.act_params = act_defaults = _bp_plugin_check_default_params (act->params, act->n_params);
  ctx.z = z;
  ctx.y = y;

  bp_rng_init (&rng, _bp_plugin_check_seed (cost->id, BP_PLUGIN_CHECK_SEED_COST));
  G_STATIC_ASSERT (G_N_ELEMENTS (cost_regimes_a) == G_N_ELEMENTS (cost_regimes_z));
  for (size_t r = 0; r < G_N_ELEMENTS (cost_regimes_a); r++)
    for (size_t n = 1; n <= MAX_N; n++)
      for (int trial = 0; trial < COST_TRIALS; trial++)
        {
          const CostRegime *regime = &regimes[r];
          gboolean grad_a_ok, grad_z_ok = FALSE;
          double l, ga_terms = 0.0;

          ctx.n = n;
          _bp_plugin_check_guard_set (ga, n);
          _bp_plugin_check_guard_set (gz, n);
          cost_draw (&rng, regime, act, n, z, y);
          cost_forward (&ctx, z, a);

          l = cost->value (a, z, y, n, params);
          if (!isfinite (l))
            {
              g_autofree char *as = _bp_plugin_check_fmt_vec (a, n);
              g_autofree char *ys = _bp_plugin_check_fmt_vec (y, n);
              g_autofree char *ls = _bp_plugin_check_fmt (l);

              if (!regime->strict)
                continue;
              return _bp_plugin_check_error (error, "cost “%s”: l = %s at n = %zu, a = %s, y = %s, "
                                             "but it must be finite", cost->id, ls, n, as, ys);
            }

          cost->grad_a (a, z, y, ga, n, params);
          if (!_bp_plugin_check_guard_intact (ga, n))
            return _bp_plugin_check_error (error, "cost “%s”: grad_a writes past the end of its "
                                           "output", cost->id);
          if (regime->strict && !check_grads_finite (cost, "grad_a", ga, a, y, n, error))
            return FALSE;
          cost_chain (&ctx, z, a, ga, chain);
          grad_a_ok = bp_all_finite (chain, n);
          if (cost->grad_z != NULL)
            {
              cost->grad_z (a, z, y, gz, n, params);
              if (!_bp_plugin_check_guard_intact (gz, n))
                return _bp_plugin_check_error (error, "cost “%s”: grad_z writes past the end of "
                                               "its output", cost->id);
              if (regime->strict && !check_grads_finite (cost, "grad_z", gz, a, y, n, error))
                return FALSE;
              grad_z_ok = bp_all_finite (gz, n);
            }
          /* A saturated output may make ∂l/∂a infinite (−y/a at a = 0)
           * where the fused grad_z, which the host then uses, is finite;
           * without grad_z an infinite gradient is the host's to report. */
          if (!grad_a_ok && !grad_z_ok)
            continue;
          for (size_t i = 0; i < n; i++)
            if (isfinite (ga[i]))
              ga_terms += fabs (a[i] * ga[i]);

          for (size_t j = 0; j < n; j++)
            {
              Miss m;
              double terms;
              gboolean smooth;

              ctx.j = j;
              /* The rounding of a − y, of −y/a, of a_j (g_j − Σ a_i g_i). */
              terms = fabs (a[j]) + fabs (y[j]) + ga_terms;
              if (grad_a_ok
                  && !_bp_plugin_check_at (cost_phi, &ctx, cost_chain_j, z[j], l, 0.0, chain[j],
                                           DERIV_ULPS * UNIT_ROUNDOFF
                                           * (terms + fabs (chain[j]) + fabs (ga[j])), &smooth, &m)
                  && _bp_plugin_check_worst_update (&worst_a, &m, j))
                {
                  memcpy (worst_a.z, z, n * sizeof (double));
                  memcpy (worst_a.g, y, n * sizeof (double));
                  worst_a.n = n;
                }
              if (grad_z_ok
                  && !_bp_plugin_check_at (cost_phi, &ctx, cost_grad_z_j, z[j], l, 0.0, gz[j],
                                           DERIV_ULPS * UNIT_ROUNDOFF * (terms + fabs (gz[j])),
                                           &smooth, &m)
                  && _bp_plugin_check_worst_update (&worst_z, &m, j))
                {
                  memcpy (worst_z.z, z, n * sizeof (double));
                  memcpy (worst_z.g, y, n * sizeof (double));
                  worst_z.n = n;
                }
            }
        }

  if (worst_a.found)
    {
      g_autofree char *gs = _bp_plugin_check_fmt (worst_a.miss.analytic);
      g_autofree char *ms = _bp_plugin_check_fmt_miss (&worst_a.miss);
      g_autofree char *ys = _bp_plugin_check_fmt_vec (worst_a.g, worst_a.n);
      g_autofree char *zs = _bp_plugin_check_fmt_vec (worst_a.z, worst_a.n);

      if (act == NULL)
        return _bp_plugin_check_error (error, "cost “%s”: ∂l/∂a[%zu] = %s at n = %zu, a = %s, "
                                       "y = %s but the central difference gives %s",
                                       cost->id, worst_a.index, gs, worst_a.n, zs, ys, ms);
      return _bp_plugin_check_error (error, "cost “%s”: grad_a through its output activation "
                                     "“%s” gives ∂l/∂z[%zu] = %s at n = %zu, z = %s, y = %s but the "
                                     "central difference gives %s",
                                     cost->id, act->id, worst_a.index, gs, worst_a.n, zs, ys, ms);
    }
  if (worst_z.found)
    {
      g_autofree char *gs = _bp_plugin_check_fmt (worst_z.miss.analytic);
      g_autofree char *ms = _bp_plugin_check_fmt_miss (&worst_z.miss);
      g_autofree char *zs = _bp_plugin_check_fmt_vec (worst_z.z, worst_z.n);
      g_autofree char *ys = _bp_plugin_check_fmt_vec (worst_z.g, worst_z.n);

      return _bp_plugin_check_error (error, "cost “%s”: grad_z gives ∂l/∂z[%zu] = %s at n = %zu, "
                                     "z = %s, y = %s but the central difference through “%s” gives %s",
                                     cost->id, worst_z.index, gs, worst_z.n, zs, ys,
                                     act != NULL ? act->id : "the identity", ms);
    }
  return TRUE;
}
