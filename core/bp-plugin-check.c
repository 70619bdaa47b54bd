/* bp-plugin-check.c — a plugin's derivatives against central differences.
 *
 * Every comparison goes through one 1-D helper, central_difference(): it
 * gives c = (φ(x + h) − φ(x − h)) / 2h for a scalar function φ of one
 * coordinate, and says whether φ is smooth enough at x for c to mean
 * anything.  Activations, vector activations and costs only differ in the
 * φ they hand it.
 */
#include "bp-plugin-check.h"
#include "bp-util.h"
#include "bp-plugin-loader.h"
#include "bp-registry.h"
#include "bp-rng.h"

#include <math.h>
#include <string.h>

#define GRID_MIN   (-40.0)
#define GRID_STEP  0.25
#define GRID_N     321        /* −40, −39.75, …, 40 */
#define CHECK_SEED G_GUINT64_CONSTANT (0x6261636b70726f70)  /* "backprop" */

/* Optimizer check: f(p) = ½ Σ cᵢ pᵢ². */
#define OPT_STEPS 300
static const double opt_c[] = { 0.2, 0.5, 1.0, 2.0 };

/* Written past the end of every output array; a function that overwrites
 * it writes more than it was asked for. */
#define GUARD     4
#define GUARD_BITS G_GUINT64_CONSTANT (0x7ff4dead7ff4beef)

/* ------------------------------------------------------------ formatting */

static char *
fmt (double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (v))
    return g_strdup ("NaN");
  if (isinf (v))
    return g_strdup (v > 0 ? "∞" : "−∞");
  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.6g", v));
}

static char *
fmt_vec (const double *v,
         size_t        n)
{
  GString *s = g_string_new ("(");
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  for (size_t i = 0; i < n; i++)
    g_string_append_printf (s, "%s%s", i > 0 ? ", " : "",
                            g_ascii_formatd (buf, sizeof buf, "%.4g", v[i]));
  g_string_append_c (s, ')');
  return g_string_free (s, FALSE);
}

static double
rel_error (double got,
           double want)
{
  double scale = MAX (fabs (got), fabs (want));

  return fabs (got - want) / MAX (scale, BP_PLUGIN_CHECK_ATOL);
}

static char *
fmt_rel (double got,
         double want)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.2g", rel_error (got, want)));
}

/* ---------------------------------------------------------- the comparison */

/* How far outside the tolerance `got` is from `want`: ≤ 1 agrees. */
static double
violation (double got,
           double want)
{
  double tol = MAX (BP_PLUGIN_CHECK_RTOL * MAX (fabs (got), fabs (want)),
                    BP_PLUGIN_CHECK_ATOL);

  return fabs (got - want) / tol;
}

/* The worst disagreement seen so far. */
typedef struct
{
  gboolean found;
  double   ratio;
  double   x;
  double   got;
  double   want;
  size_t   index;
  int      trial;
} Worst;

static void
worst_update (Worst  *w,
              double  x,
              double  got,
              double  want,
              size_t  index,
              int     trial)
{
  double r = violation (got, want);

  if (r > 1.0 && (!w->found || r > w->ratio))
    {
      w->found = TRUE;
      w->ratio = r;
      w->x = x;
      w->got = got;
      w->want = want;
      w->index = index;
      w->trial = trial;
    }
}

typedef double (*ScalarFunc) (gpointer data,
                              double   x);

typedef struct
{
  double   c;       /* (φ(x + h) − φ(x − h)) / 2h */
  gboolean smooth;  /* c can be compared with φ′(x) */
} Difference;

/* Central difference of φ at x, φ(x) = fx given.  h = 1e−5·max(1, √|x|)
 * keeps the rounding error ε|φ|/h small even at |x| = 1000, and divides by
 * the step actually taken, (x + h) − (x − h), not 2h.
 *
 * φ is not smooth at x when
 *  - the differences with h and h/8 disagree (a kink or jump between x − h
 *    and x + h but not at x: only one of them straddles it), or
 *  - the one-sided differences disagree by about as much with h/8 as with h
 *    (a kink at x itself: for smooth φ their gap is h·φ″, which shrinks 8×
 *    with h; at a kink it is the jump in φ′, whatever h). */
static Difference
central_difference (ScalarFunc fn,
                    gpointer   data,
                    double     x,
                    double     fx)
{
  Difference d = { NAN, FALSE };
  double h = 1e-5 * MAX (1.0, sqrt (fabs (x)));
  double xp = x + h, xm = x - h, xp8 = x + h / 8, xm8 = x - h / 8;
  double fp = fn (data, xp), fm = fn (data, xm);
  double fp8 = fn (data, xp8), fm8 = fn (data, xm8);
  double c1, c8, j1, j8, scale;

  if (!isfinite (fp) || !isfinite (fm) || !isfinite (fp8) || !isfinite (fm8) || !isfinite (fx))
    return d;

  c1 = (fp - fm) / (xp - xm);
  c8 = (fp8 - fm8) / (xp8 - xm8);
  j1 = (fp - fx) / (xp - x) - (fx - fm) / (x - xm);
  j8 = (fp8 - fx) / (xp8 - x) - (fx - fm8) / (x - xm8);
  scale = MAX (1.0, MAX (fabs (c1), fabs (c8)));

  d.c = c1;
  d.smooth = fabs (c1 - c8) <= 1e-5 * scale
             && !(fabs (j8) > 1e-7 * scale && fabs (j8) > 0.5 * fabs (j1));
  return d;
}

/* ----------------------------------------------------------- guarded arrays */

static double *
guarded_new (size_t n)
{
  double *v = g_new0 (double, n + GUARD);
  guint64 bits = GUARD_BITS;

  for (size_t i = n; i < n + GUARD; i++)
    memcpy (&v[i], &bits, sizeof bits);
  return v;
}

static gboolean
guard_intact (const double *v,
              size_t        n)
{
  guint64 bits = GUARD_BITS;

  for (size_t i = n; i < n + GUARD; i++)
    if (memcmp (&v[i], &bits, sizeof bits) != 0)
      return FALSE;
  return TRUE;
}

static double *
default_params (const BpParamSpec *specs,
                size_t             n)
{
  double *p = g_new0 (double, MAX (n, 1));

  for (size_t i = 0; i < n; i++)
    p[i] = specs[i].default_value;
  return p;
}

static gboolean
numeric_error (GError    **error,
               const char *format,
               ...) G_GNUC_PRINTF (2, 3);

static gboolean
numeric_error (GError    **error,
               const char *format,
               ...)
{
  va_list args;
  char *msg;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_NUMERIC, msg);
  g_free (msg);
  return FALSE;
}

/* ------------------------------------------------- element-wise activations */

typedef struct
{
  const BpActivationDesc *act;
  const double           *params;
} ActCtx;

static double
act_f (gpointer data,
       double   z)
{
  ActCtx *ctx = data;

  return ctx->act->f (z, ctx->params);
}

static gboolean
check_elementwise (const BpActivationDesc *act,
                   const double           *params,
                   GError                **error)
{
  static const double extra[] = { -1000.0, -100.0, 100.0, 1000.0 };
  const size_t n = GRID_N + G_N_ELEMENTS (extra);
  g_autofree double *z = g_new (double, n);
  g_autofree double *fz = g_new (double, n);
  g_autofree double *dz = g_new (double, n);
  ActCtx ctx = { act, params };
  Worst worst = { FALSE, 0, 0, 0, 0, 0, 0 };
  size_t smooth = 0;

  for (size_t i = 0; i < GRID_N; i++)
    z[i] = GRID_MIN + GRID_STEP * (double) i;
  for (size_t i = 0; i < G_N_ELEMENTS (extra); i++)
    z[GRID_N + i] = extra[i];

  for (size_t i = 0; i < n; i++)
    {
      Difference d;

      fz[i] = act->f (z[i], params);
      if (!isfinite (fz[i]))
        {
          g_autofree char *zs = fmt (z[i]), *fs = fmt (fz[i]);

          return numeric_error (error, "activation “%s”: f(%s) = %s, but f must be "
                                "finite for every finite z", act->id, zs, fs);
        }
      dz[i] = act->df (z[i], fz[i], params);
      if (!isfinite (dz[i]))
        {
          g_autofree char *zs = fmt (z[i]), *ds = fmt (dz[i]);

          return numeric_error (error, "activation “%s”: f′(%s) = %s, but f′ must be "
                                "finite for every finite z", act->id, zs, ds);
        }

      d = central_difference (act_f, &ctx, z[i], fz[i]);
      if (!d.smooth)
        continue;
      smooth++;
      worst_update (&worst, z[i], dz[i], d.c, i, 0);
    }

  if (worst.found)
    {
      g_autofree char *zs = fmt (worst.x), *gs = fmt (worst.got), *ws = fmt (worst.want);
      g_autofree char *rs = fmt_rel (worst.got, worst.want);

      return numeric_error (error, "activation “%s”: f′(%s) = %s but the central "
                            "difference gives %s (relative error %s)",
                            act->id, zs, gs, ws, rs);
    }
  if (smooth < n / 2)
    return numeric_error (error, "activation “%s”: f is not smooth at %zu of %zu "
                          "points of z ∈ [−40, 40]; its derivative cannot be checked",
                          act->id, n - smooth, n);

  /* The optional fast paths must compute the same functions. */
  if (act->f_array != NULL)
    {
      g_autofree double *a = guarded_new (n);

      act->f_array (z, a, n, params);
      if (!guard_intact (a, n))
        return numeric_error (error, "activation “%s”: f_array writes past the end "
                              "of its output", act->id);
      for (size_t i = 0; i < n; i++)
        if (!(violation (a[i], fz[i]) <= 1.0))
          {
            g_autofree char *zs = fmt (z[i]), *as = fmt (a[i]), *fs = fmt (fz[i]);

            return numeric_error (error, "activation “%s”: f_array gives %s at z = %s "
                                  "but f(%s) = %s", act->id, as, zs, zs, fs);
          }
    }
  if (act->df_array != NULL)
    {
      g_autofree double *d = guarded_new (n);

      act->df_array (z, fz, d, n, params);
      if (!guard_intact (d, n))
        return numeric_error (error, "activation “%s”: df_array writes past the end "
                              "of its output", act->id);
      for (size_t i = 0; i < n; i++)
        if (!(violation (d[i], dz[i]) <= 1.0))
          {
            g_autofree char *zs = fmt (z[i]), *as = fmt (d[i]), *fs = fmt (dz[i]);

            return numeric_error (error, "activation “%s”: df_array gives %s at z = %s "
                                  "but f′(%s) = %s", act->id, as, zs, zs, fs);
          }
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
  size_t                  n;
  size_t                  j;
} VecCtx;

/* φ(x) = gᵀ f(z + (x − z_j) e_j) */
static double
vec_dot (gpointer data,
         double   x)
{
  VecCtx *ctx = data;
  double s = 0.0;

  memcpy (ctx->zt, ctx->z, ctx->n * sizeof (double));
  ctx->zt[ctx->j] = x;
  ctx->act->vec_forward (ctx->zt, ctx->a, ctx->n, ctx->params);
  for (size_t i = 0; i < ctx->n; i++)
    s += ctx->g[i] * ctx->a[i];
  return s;
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
  if (!guard_intact (a, n))
    return numeric_error (error, "activation “%s”: vec_forward writes past the end "
                          "of its output", act->id);
  for (size_t i = 0; i < n; i++)
    if (!isfinite (a[i]))
      {
        g_autofree char *zs = fmt_vec (z, n), *as = fmt (a[i]);

        return numeric_error (error, "activation “%s”: vec_forward at z = %s gives "
                              "a[%zu] = %s, but f must be finite for every finite z",
                              act->id, zs, i, as);
      }
  act->vec_vjp (z, a, g, out, n, params);
  if (!guard_intact (out, n))
    return numeric_error (error, "activation “%s”: vec_vjp writes past the end "
                          "of its output", act->id);
  for (size_t i = 0; i < n; i++)
    if (!isfinite (out[i]))
      {
        g_autofree char *zs = fmt_vec (z, n), *gs = fmt_vec (g, n), *os = fmt (out[i]);

        return numeric_error (error, "activation “%s”: vec_vjp at z = %s, g = %s gives "
                              "(∂a/∂z)ᵀg[%zu] = %s, but it must be finite",
                              act->id, zs, gs, i, os);
      }
  return TRUE;
}

static gboolean
check_vector (const BpActivationDesc *act,
              const double           *params,
              GError                **error)
{
  static const size_t sizes[] = { 1, 2, 3, 6 };
  static const double large[] = { 1000.0, -1000.0, 0.0, 999.5, -3.0, 100.0 };
  const size_t max_n = 6;
  g_autofree double *z = g_new0 (double, max_n);
  g_autofree double *g = g_new0 (double, max_n);
  g_autofree double *zt = g_new0 (double, max_n);
  g_autofree double *scratch = guarded_new (max_n);
  g_autofree double *a = NULL, *out = NULL;
  BpRng rng;
  Worst worst = { FALSE, 0, 0, 0, 0, 0, 0 };
  double worst_z[6], worst_g[6];
  size_t worst_n = 0, points = 0, smooth = 0;

  bp_rng_init (&rng, CHECK_SEED);

  /* Finite for large inputs (a softmax must subtract the maximum). */
  for (size_t k = 0; k < G_N_ELEMENTS (sizes); k++)
    {
      size_t n = sizes[k];

      g_clear_pointer (&a, g_free);
      g_clear_pointer (&out, g_free);
      a = guarded_new (n);
      out = guarded_new (n);
      for (size_t i = 0; i < n; i++)
        g[i] = 1.0 - 0.25 * (double) i;
      if (!vec_eval (act, params, large, g, a, out, n, error))
        return FALSE;
    }

  for (size_t k = 0; k < G_N_ELEMENTS (sizes); k++)
    for (int trial = 0; trial < 3; trial++)
      {
        size_t n = sizes[k];
        VecCtx ctx = { act, params, z, g, zt, scratch, n, 0 };
        double phi0 = 0.0;

        for (size_t i = 0; i < n; i++)
          {
            z[i] = bp_rng_range (&rng, -4.0, 4.0);
            g[i] = bp_rng_range (&rng, -1.0, 1.0);
          }
        g_clear_pointer (&a, g_free);
        g_clear_pointer (&out, g_free);
        a = guarded_new (n);
        out = guarded_new (n);
        if (!vec_eval (act, params, z, g, a, out, n, error))
          return FALSE;
        for (size_t i = 0; i < n; i++)
          phi0 += g[i] * a[i];

        for (size_t j = 0; j < n; j++)
          {
            Difference d;
            gboolean was_found = worst.found;
            double was_ratio = worst.ratio;

            ctx.j = j;
            d = central_difference (vec_dot, &ctx, z[j], phi0);
            points++;
            if (!d.smooth)
              continue;
            smooth++;
            worst_update (&worst, z[j], out[j], d.c, j, trial);
            if (worst.found && (!was_found || worst.ratio > was_ratio))
              {
                memcpy (worst_z, z, n * sizeof (double));
                memcpy (worst_g, g, n * sizeof (double));
                worst_n = n;
              }
          }
      }

  if (worst.found)
    {
      g_autofree char *zs = fmt_vec (worst_z, worst_n), *gs = fmt_vec (worst_g, worst_n);
      g_autofree char *os = fmt (worst.got), *ws = fmt (worst.want);
      g_autofree char *rs = fmt_rel (worst.got, worst.want);

      return numeric_error (error, "activation “%s”: vec_vjp at z = %s, g = %s gives "
                            "(∂a/∂z)ᵀg[%zu] = %s but the central difference gives %s "
                            "(relative error %s)", act->id, zs, gs, worst.index, os, ws, rs);
    }
  if (smooth < points / 2)
    return numeric_error (error, "activation “%s”: vec_forward is not smooth at %zu of "
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
    params = defaults = default_params (act->params, act->n_params);
  if (act->f != NULL && act->df != NULL)
    return check_elementwise (act, params, error);
  if (act->vec_forward != NULL && act->vec_vjp != NULL)
    return check_vector (act, params, error);
  return numeric_error (error, "activation “%s” has neither f and df nor vec_forward "
                        "and vec_vjp", act->id != NULL ? act->id : "");
}

/* ------------------------------------------------------------------- costs */

#define COST_N      3
#define COST_TRIALS 5

typedef struct
{
  const BpCostDesc       *cost;
  const double           *params;
  const BpActivationDesc *act;      /* output activation, or NULL: a = z */
  const double           *act_params;
  const double           *z;
  const double           *y;
  double                  zt[COST_N];
  double                  at[COST_N];
  size_t                  j;
} CostCtx;

/* The output a = f(z) (a = z without an output activation). */
static void
cost_forward (const CostCtx *ctx,
              const double  *z,
              double        *a)
{
  if (ctx->act == NULL)
    memcpy (a, z, COST_N * sizeof (double));
  else if (ctx->act->f != NULL)
    for (size_t i = 0; i < COST_N; i++)
      a[i] = ctx->act->f (z[i], ctx->act_params);
  else
    ctx->act->vec_forward (z, a, COST_N, ctx->act_params);
}

/* φ(x) = l(f(z + (x − z_j) e_j), y) */
static double
cost_phi (gpointer data,
          double   x)
{
  CostCtx *ctx = data;

  memcpy (ctx->zt, ctx->z, sizeof ctx->zt);
  ctx->zt[ctx->j] = x;
  cost_forward (ctx, ctx->zt, ctx->at);
  return ctx->cost->value (ctx->at, ctx->zt, ctx->y, COST_N, ctx->params);
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
    memcpy (gz, ga, COST_N * sizeof (double));
  else if (ctx->act->df != NULL)
    for (size_t i = 0; i < COST_N; i++)
      gz[i] = ctx->act->df (z[i], a[i], ctx->act_params) * ga[i];
  else
    ctx->act->vec_vjp (z, a, ga, gz, COST_N, ctx->act_params);
}

typedef struct
{
  Worst  w;
  double z[COST_N];
  double y[COST_N];
} CostWorst;

static gboolean
check_grads_finite (const BpCostDesc *cost,
                    const char       *which,
                    const double     *g,
                    const double     *a,
                    const double     *y,
                    GError          **error)
{
  if (!guard_intact (g, COST_N))
    return numeric_error (error, "cost “%s”: %s writes past the end of its output",
                          cost->id, which);
  for (size_t i = 0; i < COST_N; i++)
    if (!isfinite (g[i]))
      {
        g_autofree char *as = fmt_vec (a, COST_N), *ys = fmt_vec (y, COST_N);
        g_autofree char *gs = fmt (g[i]);

        return numeric_error (error, "cost “%s”: %s[%zu] = %s at a = %s, y = %s, but it "
                              "must be finite", cost->id, which, i, gs, as, ys);
      }
  return TRUE;
}

gboolean
bp_plugin_check_cost (const BpCostDesc       *cost,
                      const double           *params,
                      const BpActivationDesc *output_activation,
                      GError                **error)
{
  g_autofree double *defaults = NULL;
  g_autofree double *act_defaults = NULL;
  g_autofree double *ga = guarded_new (COST_N);
  g_autofree double *gz = guarded_new (COST_N);
  double z[COST_N], a[COST_N], y[COST_N], chain[COST_N];
  CostCtx ctx;
  CostWorst worst_a, worst_z;
  const BpActivationDesc *act = output_activation;
  BpRng rng;

  g_return_val_if_fail (cost != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (params == NULL)
    params = defaults = default_params (cost->params, cost->n_params);
  if (act == NULL && cost->output_activation != NULL && cost->output_activation[0] != '\0')
    {
      act = bp_registry_lookup_activation (NULL, cost->output_activation);
      if (act == NULL)
        return numeric_error (error, "cost “%s” cannot be checked: its output activation "
                              "“%s” is not available", cost->id, cost->output_activation);
    }

  memset (&ctx, 0, sizeof ctx);
  memset (&worst_a, 0, sizeof worst_a);
  memset (&worst_z, 0, sizeof worst_z);
  ctx.cost = cost;
  ctx.params = params;
  ctx.act = act;
  if (act != NULL)
    ctx.act_params = act_defaults = default_params (act->params, act->n_params);
  ctx.z = z;
  ctx.y = y;

  bp_rng_init (&rng, CHECK_SEED + 1);
  for (int trial = 0; trial < COST_TRIALS; trial++)
    {
      double l, sum = 0.0;

      /* Probabilities in (0.05, 0.95): a directly without an output
       * activation, else z such that a sigmoid gives about that range. */
      for (size_t i = 0; i < COST_N; i++)
        {
          z[i] = act == NULL ? bp_rng_range (&rng, 0.05, 0.95) : bp_rng_range (&rng, -3.0, 3.0);
          y[i] = bp_rng_range (&rng, 0.05, 0.95);
          sum += y[i];
        }
      /* A vector output (softmax) is a distribution; so are its targets. */
      if (act != NULL && act->vec_forward != NULL)
        for (size_t i = 0; i < COST_N; i++)
          y[i] /= sum;
      cost_forward (&ctx, z, a);

      l = cost->value (a, z, y, COST_N, params);
      if (!isfinite (l))
        {
          g_autofree char *as = fmt_vec (a, COST_N), *ys = fmt_vec (y, COST_N);
          g_autofree char *ls = fmt (l);

          return numeric_error (error, "cost “%s”: l = %s at a = %s, y = %s, but it must "
                                "be finite", cost->id, ls, as, ys);
        }

      cost->grad_a (a, z, y, ga, COST_N, params);
      if (!check_grads_finite (cost, "grad_a", ga, a, y, error))
        return FALSE;
      cost_chain (&ctx, z, a, ga, chain);
      if (cost->grad_z != NULL)
        {
          cost->grad_z (a, z, y, gz, COST_N, params);
          if (!check_grads_finite (cost, "grad_z", gz, a, y, error))
            return FALSE;
        }

      for (size_t j = 0; j < COST_N; j++)
        {
          Difference d;
          gboolean was = worst_a.w.found;
          double ratio = worst_a.w.ratio;

          ctx.j = j;
          d = central_difference (cost_phi, &ctx, z[j], l);
          if (!d.smooth)
            continue;
          worst_update (&worst_a.w, z[j], chain[j], d.c, j, trial);
          if (worst_a.w.found && (!was || worst_a.w.ratio > ratio))
            {
              memcpy (worst_a.z, z, sizeof z);
              memcpy (worst_a.y, y, sizeof y);
            }
          if (cost->grad_z != NULL)
            {
              was = worst_z.w.found;
              ratio = worst_z.w.ratio;
              worst_update (&worst_z.w, z[j], gz[j], d.c, j, trial);
              if (worst_z.w.found && (!was || worst_z.w.ratio > ratio))
                {
                  memcpy (worst_z.z, z, sizeof z);
                  memcpy (worst_z.y, y, sizeof y);
                }
            }
        }
    }

  if (worst_a.w.found)
    {
      g_autofree char *gs = fmt (worst_a.w.got), *ws = fmt (worst_a.w.want);
      g_autofree char *rs = fmt_rel (worst_a.w.got, worst_a.w.want);
      g_autofree char *ys = fmt_vec (worst_a.y, COST_N);

      if (act == NULL)
        {
          g_autofree char *as = fmt_vec (worst_a.z, COST_N);

          return numeric_error (error, "cost “%s”: ∂l/∂a[%zu] = %s at a = %s, y = %s but "
                                "the central difference gives %s (relative error %s)",
                                cost->id, worst_a.w.index, gs, as, ys, ws, rs);
        }
      else
        {
          g_autofree char *zs = fmt_vec (worst_a.z, COST_N);

          return numeric_error (error, "cost “%s”: grad_a through its output activation "
                                "“%s” gives ∂l/∂z[%zu] = %s at z = %s, y = %s but the "
                                "central difference gives %s (relative error %s)",
                                cost->id, act->id, worst_a.w.index, gs, zs, ys, ws, rs);
        }
    }
  if (worst_z.w.found)
    {
      g_autofree char *gs = fmt (worst_z.w.got), *ws = fmt (worst_z.w.want);
      g_autofree char *rs = fmt_rel (worst_z.w.got, worst_z.w.want);
      g_autofree char *zs = fmt_vec (worst_z.z, COST_N), *ys = fmt_vec (worst_z.y, COST_N);

      return numeric_error (error, "cost “%s”: grad_z gives ∂l/∂z[%zu] = %s at z = %s, "
                            "y = %s but the central difference through “%s” gives %s "
                            "(relative error %s)", cost->id, worst_z.w.index, gs, zs, ys,
                            act->id, ws, rs);
    }
  return TRUE;
}

/* -------------------------------------------------------------- optimizers */

static double
quadratic (const double *p,
           size_t        n)
{
  double f = 0.0;

  for (size_t i = 0; i < n; i++)
    f += 0.5 * opt_c[i] * p[i] * p[i];
  return f;
}

gboolean
bp_plugin_check_optimizer (const BpOptimizerDesc *opt,
                           const double          *hyper,
                           GError               **error)
{
  const size_t n = G_N_ELEMENTS (opt_c);
  g_autofree double *defaults = NULL;
  g_autofree double *p = guarded_new (n);
  g_autofree double *g = g_new0 (double, n);
  g_autoptr(GPtrArray) state = g_ptr_array_new_with_free_func (g_free);
  double f0, f1;

  g_return_val_if_fail (opt != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (hyper == NULL)
    hyper = defaults = default_params (opt->hyper_specs, opt->n_hyper);

  for (size_t s = 0; s < opt->n_state; s++)
    g_ptr_array_add (state, guarded_new (opt->state_specs[s].per_param * n));
  g_ptr_array_add (state, NULL);
  for (size_t i = 0; i < n; i++)
    p[i] = 1.0;
  f0 = quadratic (p, n);

  if (opt->init != NULL)
    opt->init ((double *const *) state->pdata, p, n, hyper);

  for (guint64 t = 1; t <= OPT_STEPS; t++)
    {
      for (size_t i = 0; i < n; i++)
        g[i] = opt_c[i] * p[i];
      opt->step (p, g, (double *const *) state->pdata, n, hyper, t);

      if (!guard_intact (p, n))
        return numeric_error (error, "optimizer “%s”: step writes past the end of p",
                              opt->id);
      for (size_t i = 0; i < n; i++)
        if (!isfinite (p[i]))
          {
            g_autofree char *ps = fmt (p[i]);

            return numeric_error (error, "optimizer “%s”: with the default "
                                  "hyperparameters on f(p) = ½Σ cᵢpᵢ², step %" G_GUINT64_FORMAT
                                  " made p[%zu] = %s (it diverges)", opt->id, t, i, ps);
          }
      for (size_t s = 0; s < opt->n_state; s++)
        {
          const double *v = g_ptr_array_index (state, s);
          size_t len = opt->state_specs[s].per_param * n;

          if (!guard_intact (v, len))
            return numeric_error (error, "optimizer “%s”: step writes past the end of "
                                  "its state “%s”", opt->id, opt->state_specs[s].name);
          for (size_t i = 0; i < len; i++)
            if (!isfinite (v[i]))
              {
                g_autofree char *vs = fmt (v[i]);

                return numeric_error (error, "optimizer “%s”: with the default "
                                      "hyperparameters on f(p) = ½Σ cᵢpᵢ², step %"
                                      G_GUINT64_FORMAT " made its state %s[%zu] = %s",
                                      opt->id, t, opt->state_specs[s].name, i, vs);
              }
        }
    }

  f1 = quadratic (p, n);
  if (!(f1 < f0))
    {
      g_autofree char *s0 = fmt (f0), *s1 = fmt (f1);

      return numeric_error (error, "optimizer “%s”: %d steps with the default "
                            "hyperparameters on f(p) = ½Σ cᵢpᵢ² from p = 1 took f from "
                            "%s to %s instead of lowering it (it diverges or moves uphill)",
                            opt->id, OPT_STEPS, s0, s1);
    }
  return TRUE;
}

/* ------------------------------------------------------------- the plugin */

gboolean
bp_plugin_check_numeric (const BpPluginDesc *desc,
                         GError            **error)
{
  GError *local = NULL;

  g_return_val_if_fail (desc != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (size_t i = 0; i < desc->n_activations && local == NULL; i++)
    bp_plugin_check_activation (&desc->activations[i], NULL, &local);

  for (size_t i = 0; i < desc->n_costs && local == NULL; i++)
    {
      const BpCostDesc *c = &desc->costs[i];
      const BpActivationDesc *act = NULL;

      /* The output activation may come with the cost in the same plugin. */
      if (c->output_activation != NULL)
        for (size_t k = 0; k < desc->n_activations && act == NULL; k++)
          if (g_strcmp0 (desc->activations[k].id, c->output_activation) == 0)
            act = &desc->activations[k];
      bp_plugin_check_cost (c, NULL, act, &local);
    }

  for (size_t i = 0; i < desc->n_optimizers && local == NULL; i++)
    bp_plugin_check_optimizer (&desc->optimizers[i], NULL, &local);

  if (local != NULL)
    {
      g_autofree char *shown = bp_shown (desc->name != NULL ? desc->name : "", -1,
                                         BP_SHOWN_MAX_CHARS);

      g_prefix_error (&local, "plugin “%s”: ", shown);
      g_propagate_error (error, local);
      return FALSE;
    }
  return TRUE;
}
