/* bp-plugin-check-activation.c — an activation's derivative against finite
 * differences: element-wise f′ at a fixed grid plus jittered points, and a
 * vector activation's vec_vjp against differences of gᵀ·vec_forward (see
 * bp-plugin-check.h for the points and the tolerance).
 */
#include "bp-plugin-check-private.h"
#include "bp-rng.h"

#include <math.h>
#include <string.h>

/* The fixed grid, z ∈ [−40, 40] in steps of 1/4: the points the messages
 * have always named. */
#define GRID_MIN   (-40.0)
#define GRID_STEP  0.25
#define GRID_N     321        /* −40, −39.75, …, 40 */

/* Jittered points: one in each cell of width JITTER_CELL on
 * [−JITTER_MAX, JITTER_MAX], and TAIL_POINTS per side log-uniformly on
 * JITTER_MAX < |z| ≤ TAIL_MAX (0.2 % apart: 0.2 at 100, 2 at 1000). */
#define JITTER_CELL 0.01
#define JITTER_MAX  100.0
#define JITTER_N    20000
#define TAIL_POINTS 1024
#define TAIL_MAX    1000.0

/* ------------------------------------------------- element-wise activations */

typedef struct
{
  const BpActivationDesc *act;
  const double           *params;
} ActCtx;

static double
act_f (double   z,
       gpointer data)
{
  ActCtx *ctx = data;

  return ctx->act->f (z, ctx->params);
}

static double
act_df (double   z,
        gpointer data)
{
  ActCtx *ctx = data;

  return ctx->act->df (z, ctx->act->f (z, ctx->params), ctx->params);
}

/* The grid, then one point in each jitter cell, then the tails. */
static double *
activation_points (const BpActivationDesc *act,
                   size_t                 *n_points,
                   size_t                 *n_grid)
{
  static const double extra[] = { -1000.0, -100.0, 100.0, 1000.0 };
  const size_t n = GRID_N + G_N_ELEMENTS (extra) + JITTER_N + 2 * TAIL_POINTS;
  double *z = g_new (double, n);
  size_t k = 0;
  BpRng rng;

  bp_rng_init (&rng, _bp_plugin_check_seed (act->id, BP_PLUGIN_CHECK_SEED_ELEMENTWISE));
  for (size_t i = 0; i < GRID_N; i++)
    z[k++] = GRID_MIN + GRID_STEP * (double) i;
  for (size_t i = 0; i < G_N_ELEMENTS (extra); i++)
    z[k++] = extra[i];
  *n_grid = k;
  for (size_t i = 0; i < JITTER_N; i++)
    z[k++] = -JITTER_MAX + JITTER_CELL * ((double) i + bp_rng_uniform (&rng));
  for (size_t i = 0; i < 2 * TAIL_POINTS; i++)
    {
      double u = ((double) (i / 2) + bp_rng_uniform (&rng)) / TAIL_POINTS;
      double r = JITTER_MAX * pow (TAIL_MAX / JITTER_MAX, u);

      z[k++] = i % 2 == 0 ? r : -r;
    }
  g_assert (k == n);
  *n_points = n;
  return z;
}

/* `got`, what the fast path `which` wrote (n values, then the guard),
 * against `want`, the same values from the scalar `ref` at the same z. */
static gboolean
check_fast_path (const BpActivationDesc *act,
                 const char             *which,
                 const char             *ref,
                 const double           *z,
                 const double           *got,
                 const double           *want,
                 size_t                  n,
                 GError                **error)
{
  if (!_bp_plugin_check_guard_intact (got, n))
    return _bp_plugin_check_error (error, "activation “%s”: %s writes past the end "
                                   "of its output", act->id, which);
  for (size_t i = 0; i < n; i++)
    if (!(_bp_plugin_check_violation (got[i], want[i]) <= 1.0))
      {
        g_autofree char *zs = _bp_plugin_check_fmt (z[i]);
        g_autofree char *gs = _bp_plugin_check_fmt (got[i]);
        g_autofree char *ws = _bp_plugin_check_fmt (want[i]);

        return _bp_plugin_check_error (error, "activation “%s”: %s gives %s at z = %s "
                                       "but %s(%s) = %s", act->id, which, gs, zs, ref, zs, ws);
      }
  return TRUE;
}

static gboolean
check_elementwise (const BpActivationDesc *act,
                   const double           *params,
                   GError                **error)
{
  size_t n, n_grid;
  g_autofree double *z = activation_points (act, &n, &n_grid);
  g_autofree double *fz = g_new (double, n);
  g_autofree double *dz = g_new (double, n);
  ActCtx ctx = { act, params };
  Worst worst;
  size_t smooth_grid = 0;

  memset (&worst, 0, sizeof worst);
  for (size_t i = 0; i < n; i++)
    {
      fz[i] = act->f (z[i], params);
      if (!isfinite (fz[i]))
        {
          g_autofree char *zs = _bp_plugin_check_fmt (z[i]);
          g_autofree char *fs = _bp_plugin_check_fmt (fz[i]);

          return _bp_plugin_check_error (error, "activation “%s”: f(%s) = %s, but f must be "
                                         "finite for every finite z", act->id, zs, fs);
        }
      dz[i] = act->df (z[i], fz[i], params);
      if (!isfinite (dz[i]))
        {
          g_autofree char *zs = _bp_plugin_check_fmt (z[i]);
          g_autofree char *ds = _bp_plugin_check_fmt (dz[i]);

          return _bp_plugin_check_error (error, "activation “%s”: f′(%s) = %s, but f′ must be "
                                         "finite for every finite z", act->id, zs, ds);
        }
    }

  for (size_t i = 0; i < n; i++)
    {
      Miss m;
      gboolean smooth;

      if (!_bp_plugin_check_at (act_f, &ctx, act_df, z[i], fz[i], 0.0, dz[i],
                                DERIV_ULPS * UNIT_ROUNDOFF * (fabs (dz[i]) + fabs (fz[i])),
                                &smooth, &m))
        _bp_plugin_check_worst_update (&worst, &m, i);
      if (smooth && i < n_grid)
        smooth_grid++;
    }

  if (worst.found)
    {
      g_autofree char *zs = _bp_plugin_check_fmt (worst.miss.x);
      g_autofree char *gs = _bp_plugin_check_fmt (worst.miss.analytic);
      g_autofree char *ms = _bp_plugin_check_fmt_miss (&worst.miss);

      return _bp_plugin_check_error (error, "activation “%s”: f′(%s) = %s but the central "
                                     "difference gives %s", act->id, zs, gs, ms);
    }
  if (smooth_grid < n_grid / 2)
    return _bp_plugin_check_error (error, "activation “%s”: f is not smooth at %zu of %zu "
                                   "points of z ∈ [−40, 40]; its derivative cannot be checked",
                                   act->id, n_grid - smooth_grid, n_grid);

  /* The optional fast paths must compute the same functions. */
  if (act->f_array != NULL)
    {
      g_autofree double *a = _bp_plugin_check_guarded_new (n);

      act->f_array (z, a, n, params);
      if (!check_fast_path (act, "f_array", "f", z, a, fz, n, error))
        return FALSE;
    }
  if (act->df_array != NULL)
    {
      g_autofree double *d = _bp_plugin_check_guarded_new (n);

      act->df_array (z, fz, d, n, params);
      if (!check_fast_path (act, "df_array", "f′", z, d, dz, n, error))
        return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------ vector activations */

typedef struct
{
  const BpActivationDesc *act;
  const double           *params;
  const double           *z;      /* the point */
  const double           *g;
  double                 *zt;     /* scratch: z with z[j] = x */
  double                 *a;      /* scratch */
  double                 *o;      /* scratch */
  size_t                  n;
  size_t                  j;
} VecCtx;

/* a = f(zt) at zt = z + (x − z_j) e_j. */
static void
vec_forward_at (VecCtx *ctx,
                double  x)
{
  memcpy (ctx->zt, ctx->z, ctx->n * sizeof (double));
  ctx->zt[ctx->j] = x;
  ctx->act->vec_forward (ctx->zt, ctx->a, ctx->n, ctx->params);
}

/* φ(x) = gᵀ f(z + (x − z_j) e_j) */
static double
vec_dot (double   x,
         gpointer data)
{
  VecCtx *ctx = data;
  double s = 0.0;

  vec_forward_at (ctx, x);
  for (size_t i = 0; i < ctx->n; i++)
    s += ctx->g[i] * ctx->a[i];
  return s;
}

/* (∂a/∂z)ᵀg at z + (x − z_j) e_j, element j */
static double
vec_vjp_j (double   x,
           gpointer data)
{
  VecCtx *ctx = data;

  vec_forward_at (ctx, x);
  ctx->act->vec_vjp (ctx->zt, ctx->a, ctx->g, ctx->o, ctx->n, ctx->params);
  return ctx->o[ctx->j];
}

static gboolean
vec_eval (const BpActivationDesc *act,
          const double           *params,
          const double           *z,
          const double           *g,
          double                 *a,
          double                 *out,
          size_t                  n,
          GError                **error)
{
  act->vec_forward (z, a, n, params);
  if (!_bp_plugin_check_guard_intact (a, n))
    return _bp_plugin_check_error (error, "activation “%s”: vec_forward writes past the end "
                                   "of its output", act->id);
  for (size_t i = 0; i < n; i++)
    if (!isfinite (a[i]))
      {
        g_autofree char *zs = _bp_plugin_check_fmt_vec (z, n);
        g_autofree char *as = _bp_plugin_check_fmt (a[i]);

        return _bp_plugin_check_error (error, "activation “%s”: vec_forward at z = %s gives "
                                       "a[%zu] = %s, but f must be finite for every finite z",
                                       act->id, zs, i, as);
      }
  act->vec_vjp (z, a, g, out, n, params);
  if (!_bp_plugin_check_guard_intact (out, n))
    return _bp_plugin_check_error (error, "activation “%s”: vec_vjp writes past the end "
                                   "of its output", act->id);
  for (size_t i = 0; i < n; i++)
    if (!isfinite (out[i]))
      {
        g_autofree char *zs = _bp_plugin_check_fmt_vec (z, n);
        g_autofree char *gs = _bp_plugin_check_fmt_vec (g, n);
        g_autofree char *os = _bp_plugin_check_fmt (out[i]);

        return _bp_plugin_check_error (error, "activation “%s”: vec_vjp at z = %s, g = %s gives "
                                       "(∂a/∂z)ᵀg[%zu] = %s, but it must be finite",
                                       act->id, zs, gs, i, os);
      }
  return TRUE;
}

/* Where the vector points are drawn: moderate, saturated, far from 0. */
typedef struct
{
  double lo, hi, offset;
  int    trials;
} VecRegime;

static const VecRegime vec_regimes[] = {
  { -4.0, 4.0, 0.0, 3 },
  { -30.0, 30.0, 0.0, 2 },
  { -4.0, 4.0, 500.0, 1 },
};

static gboolean
check_vector (const BpActivationDesc *act,
              const double           *params,
              GError                **error)
{
  static const double large[MAX_N] = { 1000.0, -1000.0, 0.0, 999.5, -3.0, 100.0, -500.0, 700.0 };
  double z[MAX_N], g[MAX_N], zt[MAX_N];
  g_autofree double *scratch = _bp_plugin_check_guarded_new (MAX_N);
  g_autofree double *scratch_out = _bp_plugin_check_guarded_new (MAX_N);
  g_autofree double *a = NULL, *out = NULL;
  BpRng rng;
  Worst worst;
  size_t points = 0, smooth = 0;

  memset (&worst, 0, sizeof worst);
  bp_rng_init (&rng, _bp_plugin_check_seed (act->id, BP_PLUGIN_CHECK_SEED_VECTOR));

  /* Finite for large inputs (a softmax must subtract the maximum). */
  for (size_t n = 1; n <= MAX_N; n++)
    {
      g_clear_pointer (&a, g_free);
      g_clear_pointer (&out, g_free);
      a = _bp_plugin_check_guarded_new (n);
      out = _bp_plugin_check_guarded_new (n);
      for (size_t i = 0; i < n; i++)
        g[i] = 1.0 - 0.25 * (double) i;
      if (!vec_eval (act, params, large, g, a, out, n, error))
        return FALSE;
    }

  for (size_t n = 1; n <= MAX_N; n++)
    for (size_t r = 0; r < G_N_ELEMENTS (vec_regimes); r++)
      for (int trial = 0; trial < vec_regimes[r].trials; trial++)
        {
          VecCtx ctx = { act, params, z, g, zt, scratch, scratch_out, n, 0 };
          double phi0 = 0.0, terms = 0.0, gsum = 0.0;

          for (size_t i = 0; i < n; i++)
            {
              z[i] = vec_regimes[r].offset
                     + bp_rng_range (&rng, vec_regimes[r].lo, vec_regimes[r].hi);
              g[i] = bp_rng_range (&rng, -1.0, 1.0);
            }
          g_clear_pointer (&a, g_free);
          g_clear_pointer (&out, g_free);
          a = _bp_plugin_check_guarded_new (n);
          out = _bp_plugin_check_guarded_new (n);
          if (!vec_eval (act, params, z, g, a, out, n, error))
            return FALSE;
          for (size_t i = 0; i < n; i++)
            {
              phi0 += g[i] * a[i];
              terms += fabs (g[i] * a[i]);
              gsum += fabs (g[i]);
            }

          for (size_t j = 0; j < n; j++)
            {
              Miss m;
              double allowance;
              gboolean ok, was_smooth;

              ctx.j = j;
              points++;
              /* out_j = a_j (g_j − Σ a_i g_i) and the like: the rounding of
               * its terms. */
              allowance = DERIV_ULPS * UNIT_ROUNDOFF
                          * (fabs (out[j]) + terms + fabs (a[j]) * gsum);
              ok = _bp_plugin_check_at (vec_dot, &ctx, vec_vjp_j, z[j], phi0, terms, out[j],
                                        allowance, &was_smooth, &m);
              smooth += was_smooth;
              if (!ok && _bp_plugin_check_worst_update (&worst, &m, j))
                {
                  memcpy (worst.z, z, n * sizeof (double));
                  memcpy (worst.g, g, n * sizeof (double));
                  worst.n = n;
                }
            }
        }

  if (worst.found)
    {
      g_autofree char *zs = _bp_plugin_check_fmt_vec (worst.z, worst.n);
      g_autofree char *gs = _bp_plugin_check_fmt_vec (worst.g, worst.n);
      g_autofree char *os = _bp_plugin_check_fmt (worst.miss.analytic);
      g_autofree char *ms = _bp_plugin_check_fmt_miss (&worst.miss);

      return _bp_plugin_check_error (error, "activation “%s”: vec_vjp at n = %zu, z = %s, g = %s "
                                     "gives (∂a/∂z)ᵀg[%zu] = %s but the central difference gives %s",
                                     act->id, worst.n, zs, gs, worst.index, os, ms);
    }
  if (smooth < points / 2)
    return _bp_plugin_check_error (error, "activation “%s”: vec_forward is not smooth at %zu of "
                                   "%zu random points; its derivative cannot be checked",
                                   act->id, points - smooth, points);
  return TRUE;
}

gboolean
bp_plugin_check_activation (const BpActivationDesc *act,
                            const double           *params,
                            GError                **error)
{
  g_autofree double *defaults = NULL;

  g_return_val_if_fail (act != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (params == NULL)
    params = defaults = _bp_plugin_check_default_params (act->params, act->n_params);
  if (act->f != NULL && act->df != NULL)
    return check_elementwise (act, params, error);
  if (act->vec_forward != NULL && act->vec_vjp != NULL)
    return check_vector (act, params, error);
  return _bp_plugin_check_error (error, "activation “%s” has neither f and df nor vec_forward "
                                 "and vec_vjp", act->id != NULL ? act->id : "");
}
