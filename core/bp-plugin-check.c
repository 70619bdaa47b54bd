/* bp-plugin-check.c — a plugin's derivatives against finite differences.
 *
 * Every comparison goes through one 1-D helper, check_point(): for a scalar
 * function φ of one coordinate x and the derivative the plugin claims there,
 * it asks bp_fd_estimate for φ′(x) and its noise floor at a few steps h, and
 * calls the derivative wrong only when it misses the estimate by well above
 * the floor.  Activations, vector activations and costs only differ in the
 * φ they hand it and in where they put the points.
 *
 * Where the points go.  A fixed grid misses a derivative that is wrong only
 * between its points, so besides the grid (kept: its points are the ones
 * the messages have always named) every check draws jittered points, one
 * in each cell of a fine partition, from a generator seeded by the
 * feature's id: the same plugin always gets the same points and so the same
 * verdict, and no interval wider than two cells (0.02) goes unvisited on
 * [−100, 100].  Beyond, out to |z| = 1000, they are drawn log-uniformly.
 *
 * Which step.  Most points of the bulk are settled before any estimate:
 * the derivative agrees to 10⁻⁶ with two plain central differences
 * (quick_agrees).  Otherwise a step of 10⁻⁴·max(1, |x|) usually resolves φ′
 * to many digits.  In a saturated tail φ′ is
 * tiny and φ changes by less than its own rounding over that step; there
 * the same estimate is made with steps from 10⁻⁶ to 10⁻¹ of max(1, |x|), and
 * the one with the lowest floor decides (the floor grows with the step's
 * truncation, because the estimator measures the noise from the differences
 * of order 5 to 8, and shrinks as φ changes by more than rounding).  A
 * refusal needs the second-best step to disagree too, so one step whose
 * noise estimate came out low by chance cannot refuse a plugin, and the
 * next longer step must not find φ far noisier than the best one did (see
 * check_point: φ computed in pieces coarser than the stencil).
 *
 * What the floor cannot see.  It is the noise of φ, measured; it is not the
 * rounding of the plugin's derivative itself, which may legitimately be a
 * few hundred units of roundoff of the terms it is made of (σ′ = a(1 − a)
 * from a rounded a, a − y for a saturated a).  DERIV_ULPS of those terms
 * are added to the floor.  Where a refusal is at stake, two more are
 * measured and added: the noise of the derivative's own formula (it may
 * cancel terms far larger than its result) and the grain of φ (a φ that
 * moves in coarse jumps looks like a smooth line to a stencil whose steps
 * line up with them).  A wrong formula misses by a factor, a sign, a
 * dropped term: far more.
 *
 * Where φ is flat.  If φ has the same value at all 17 points of a step, the
 * differences say φ′ ≈ 0 but not how close: φ may be exactly constant there
 * (relu below 0) or merely computed too coarsely to move (½z(1 + erf(z/√2))
 * is exactly 0 for z < −8.3 although z·Φ(z) is not).  The claimed φ′ is
 * then held against the largest slope that rounding could hide, a change of
 * FLAT_ULPS units of roundoff of max(1, |x|, |φ|) across the step: relu′ = 1
 * below 0 fails that, a correct gelu′ of 10⁻¹⁷ does not.  A step at which φ
 * repeats a value between neighbours without being flat resolves nothing
 * and is not used.
 */
#include "bp-plugin-check.h"
#include "bp-gradcheck.h"
#include "bp-util.h"
#include "bp-registry.h"
#include "bp-rng.h"

#include <float.h>
#include <math.h>
#include <string.h>

#define GRID_MIN   (-40.0)
#define GRID_STEP  0.25
#define GRID_N     321        /* −40, −39.75, …, 40 */
#define CHECK_SEED G_GUINT64_CONSTANT (0x6261636b70726f70)  /* "backprop" */

/* Jittered points: one in each cell of width JITTER_CELL on
 * [−JITTER_MAX, JITTER_MAX], and TAIL_POINTS per side log-uniformly on
 * JITTER_MAX < |z| ≤ TAIL_MAX (0.2 % apart: 0.2 at 100, 2 at 1000). */
#define JITTER_CELL 0.01
#define JITTER_MAX  100.0
#define JITTER_N    20000
#define TAIL_POINTS 1024
#define TAIL_MAX    1000.0

/* Vector activations and costs: sizes 1 … MAX_N. */
#define MAX_N 8

/* The derivative's own rounding allowed for, in units of roundoff of the
 * magnitudes it is computed from; and the change across a step that
 * rounding could hide where φ is flat. */
#define DERIV_ULPS 256.0
#define FLAT_ULPS  16.0
#define UNIT_ROUNDOFF (DBL_EPSILON / 2)
/* Below this φ and φ′ are subnormal or nearly: nothing to resolve. */
#define TINY 1e-290
/* √130 / 12, the rounding of the estimate in units of σ/h (bp-gradcheck.c). */
#define RICHARDSON_NOISE 0.9501461875826902

/* The steps tried, as fractions of max(1, |x|); the first settles most
 * points. */
static const double step_factors[] = { 1e-4, 1e-6, 1e-5, 1e-3, 1e-2, 1e-1 };
#define N_STEPS G_N_ELEMENTS (step_factors)
/* See check_point(). */
#define PIECE_JUMP 1e8
#define DERIV_NOISE_STEP 1e-9
#define FD_POINTS 17

/* Optimizer check: f(p) = ½ Σ cᵢ pᵢ². */
#define OPT_STEPS 300
static const double opt_c[] = { 0.2, 0.5, 1.0, 2.0 };

/* Written past the end of every output array; a function that overwrites
 * it writes more than it was asked for. */
#define GUARD     4
#define GUARD_BITS G_GUINT64_CONSTANT (0x7ff4dead7ff4beef)

static guint64 jitter_salt;

void
bp_plugin_check_set_jitter_salt (guint64 salt)
{
  jitter_salt = salt;
}

/* The seed of a feature's points: its id, so the verdict does not depend
 * on what else was checked before it. */
static guint64
feature_seed (const char *id,
              guint64     kind)
{
  guint64 h = G_GUINT64_CONSTANT (14695981039346656037);  /* FNV-1a */

  for (const unsigned char *p = (const unsigned char *) (id != NULL ? id : ""); *p; p++)
    h = (h ^ *p) * G_GUINT64_CONSTANT (1099511628211);
  return CHECK_SEED ^ h ^ (kind << 56) ^ (jitter_salt * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));
}

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

static char *
fmt2 (double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isinf (v))
    return g_strdup ("∞");
  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.2g", v));
}

/* ---------------------------------------------------------- the comparison */

/* How far outside the fixed tolerance `got` is from `want`: ≤ 1 agrees.
 * Only for the fast paths f_array/df_array, which must compute the same
 * numbers as f/df, not for derivatives against differences. */
static double
violation (double got,
           double want)
{
  double tol = MAX (BP_PLUGIN_CHECK_RTOL * MAX (fabs (got), fabs (want)),
                    BP_PLUGIN_CHECK_ATOL);

  return fabs (got - want) / tol;
}

/* A derivative that the differences call wrong. */
typedef struct
{
  double x;
  double analytic;
  double numeric;   /* the estimate of φ′(x) */
  double floor;     /* its noise floor, with the allowance */
  double ratio;     /* |analytic − numeric| / floor */
} Miss;

/* The worst miss seen so far, and where. */
typedef struct
{
  gboolean found;
  Miss     miss;
  size_t   index;
  size_t   n;
  double   z[MAX_N];
  double   g[MAX_N];   /* the vector g, or the targets y */
} Worst;

static gboolean
worst_update (Worst        *w,
              const Miss   *m,
              size_t        index)
{
  if (w->found && !(m->ratio > w->miss.ratio))
    return FALSE;
  w->found = TRUE;
  w->miss = *m;
  w->index = index;
  return TRUE;
}

/* "… gives 1 (off by 0.09, 3.9e+09 × its noise floor 2.3e-11)" */
static char *
fmt_miss (const Miss *m)
{
  g_autofree char *ws = fmt (m->numeric), *os = fmt2 (fabs (m->analytic - m->numeric));
  g_autofree char *rs = fmt2 (m->ratio), *fs = fmt2 (m->floor);

  return g_strdup_printf ("%s (off by %s, %s × its noise floor %s)", ws, os, rs, fs);
}

/* Records the values the estimator asks for, times a power of two that
 * brings them near 1: the estimator squares differences of the values,
 * which underflow below |φ| ≈ 10⁻¹⁵⁴ and overflow above 10¹⁵⁴. */
typedef struct
{
  BpFdFunc fn;
  gpointer data;
  double   scale;
  double   v[FD_POINTS];
  int      k;
} Recorder;

static double
record (double   x,
        gpointer data)
{
  Recorder *r = data;
  double v = r->fn (x, r->data) * r->scale;

  if (r->k < FD_POINTS)
    r->v[r->k] = v;
  r->k++;
  return v;
}

typedef struct
{
  gboolean usable;
  double   numeric;
  double   floor;
  double   ratio;
} Step;

/* φ′(x) and its floor at the step h, against `analytic`. */
static Step
step_compare (BpFdFunc fn,
              gpointer data,
              double   x,
              double   h,
              double   fx,
              double   f_scale,
              double   analytic,
              double   allowance)
{
  Recorder rec = { fn, data, 1.0, { 0 }, 0 };
  BpFdEstimate e;
  Step s = { FALSE, NAN, INFINITY, INFINITY };
  gboolean flat = TRUE, repeats = FALSE;
  double top = 0.0;
  int exponent;

  if (fx != 0.0 && isfinite (fx))
    {
      frexp (fx, &exponent);
      rec.scale = ldexp (1.0, -exponent);
    }
  bp_fd_estimate (record, &rec, x, h, f_scale * rec.scale, &e);
  if (rec.k != FD_POINTS || !isfinite (e.derivative) || !isfinite (e.floor))
    return s;
  e.derivative /= rec.scale;
  e.floor /= rec.scale;
  for (int i = 0; i < FD_POINTS; i++)
    {
      rec.v[i] /= rec.scale;
      top = MAX (top, fabs (rec.v[i]));
      flat = flat && rec.v[i] == rec.v[0];
      repeats = repeats || (i > 0 && rec.v[i] == rec.v[i - 1]);
    }

  s.usable = TRUE;
  if (top < TINY && fabs (analytic) < TINY)
    {
      /* Subnormal or zero: there is nothing to tell apart. */
      s.numeric = e.derivative;
      s.floor = 0.0;
      s.ratio = 0.0;
    }
  else if (flat)
    {
      double sigma = FLAT_ULPS * UNIT_ROUNDOFF * MAX (MAX (1.0, fabs (x)), top);

      s.numeric = 0.0;
      s.floor = BP_FD_FLOOR_SIGMAS * RICHARDSON_NOISE * sigma / h + allowance;
      s.ratio = analytic == 0.0 ? 0.0 : fabs (analytic) / s.floor;
    }
  else if (repeats)
    s.usable = FALSE;
  else
    {
      s.numeric = e.derivative;
      s.floor = e.floor + allowance;
      s.ratio = fabs (analytic - s.numeric) / s.floor;
    }
  return s;
}

/* The slope that rounding of the terms φ is made of could hide over the
 * step h: FLAT_ULPS units of roundoff of max(1, |x|, |φ|) across it, in the
 * units of the floor.  ½z(1 + erf(z/√2)) is made of terms of size |z|
 * however small it is. */
static double
hidden_slope (double x,
              double fx,
              double h)
{
  double sigma = FLAT_ULPS * UNIT_ROUNDOFF * MAX (MAX (1.0, fabs (x)), fabs (fx));

  return BP_FD_FLOOR_SIGMAS * RICHARDSON_NOISE * sigma / h;
}

/* The grain of φ near x, as a noise.  From a step δ up (×16 at a time)
 * until φ no longer repeats a value between neighbours: where it repeats
 * but moves, the smallest jump it makes is its grain; where it stops
 * repeating, its second differences (its roundoff, for a smooth φ).  Half
 * the largest of those.  A smooth φ in double gives about its roundoff; a
 * φ computed in single precision, or from an argument rounded to float,
 * moves in jumps far coarser than that, and a stencil that happens to line
 * up with them (one jump per step) measures no noise at all.  0 if φ is
 * exactly constant at every step tried; ∞ if it never stops repeating
 * values (nothing can be resolved). */
static double
grain_noise (BpFdFunc fn,
             gpointer data,
             double   x,
             double   delta)
{
  double grain = 0.0;
  gboolean ever_moved = FALSE;

  for (int tries = 0; tries < 8; tries++, delta *= 16)
    {
      double v[FD_POINTS], jump = INFINITY, second = 0.0;
      gboolean repeats = FALSE;

      for (int i = 0; i < FD_POINTS; i++)
        {
          v[i] = fn (x + (i - FD_POINTS / 2) * delta, data);
          if (!isfinite (v[i]))
            return INFINITY;
          if (i > 0 && v[i] == v[i - 1])
            repeats = TRUE;
          else if (i > 0)
            jump = MIN (jump, fabs (v[i] - v[i - 1]));
          if (i > 1)
            second = MAX (second, fabs (v[i] - 2 * v[i - 1] + v[i - 2]));
        }
      if (!repeats)
        return MAX (grain, second) / 2;
      if (isfinite (jump))
        {
          ever_moved = TRUE;
          grain = MAX (grain, jump);
        }
    }
  return ever_moved ? INFINITY : 0.0;
}

/* Is `analytic` φ′(x)?  FALSE, with `miss` filled, only when the best
 * step and the second best both disagree, the best by well above its
 * floor, and neither of these explains the disagreement:
 *
 *  - φ computed in pieces.  The smooth part of φ raises the floor by at
 *    most h⁷ from one step to the next (differences of order ≤ 8), 10⁷ a
 *    decade.  If the next longer step sees far more noise than that, or
 *    repeats values, φ may be computed in pieces coarser than the best
 *    step's stencil (½z(1 + erf(z/√2)) near z = −8.3 is ½z times one
 *    rounding unit over stretches of 0.1), and the best step measured the
 *    slope of one piece, not φ′.  Then a disagreement that the rounding of
 *    φ's terms could hide at that longer step (hidden_slope) is not held
 *    against the plugin; a larger one still is (tanh′ = 0 at z = 14.5,
 *    where the next step's stencil spans all of tanh's bend).
 *
 *  - φ moving in jumps coarser than a double's roundoff (grain_noise).
 *
 *  - the rounding of the derivative's own formula.  sin(z)/z's derivative
 *    cos(z)/z − sin(z)/z² cancels terms of size 1/z² near 0.  Measured
 *    only where a refusal is at stake: `dfn` (the derivative at another
 *    x, may be NULL) at 17 points a few roundoffs apart; the noise of
 *    those values, BP_FD_FLOOR_SIGMAS times, joins the floor. */
static gboolean
check_point (BpFdFunc fn,
             gpointer data,
             BpFdFunc dfn,
             double   x,
             double   fx,
             double   f_scale,
             double   analytic,
             double   allowance,
             Miss    *miss)
{
  double scale = MAX (1.0, fabs (x));
  Step steps[N_STEPS];
  int best = -1, second = -1, next = -1;
  double off, own = 0.0, grain, floor_best, floor_second;

  steps[0] = step_compare (fn, data, x, step_factors[0] * scale, fx, f_scale, analytic, allowance);
  if (steps[0].usable && steps[0].ratio <= 1.0
      && (steps[0].floor <= BP_FD_DEFAULT_RESOLUTION * fabs (steps[0].numeric)
          || steps[0].ratio == 0.0))
    return TRUE;

  for (size_t k = 1; k < N_STEPS; k++)
    steps[k] = step_compare (fn, data, x, step_factors[k] * scale, fx, f_scale, analytic,
                              allowance);
  for (int k = 0; k < (int) N_STEPS; k++)
    {
      if (!steps[k].usable)
        continue;
      if (best < 0 || steps[k].floor < steps[best].floor)
        {
          second = best;
          best = k;
        }
      else if (second < 0 || steps[k].floor < steps[second].floor)
        second = k;
    }
  if (best < 0 || second < 0)
    return TRUE;
  if (!(steps[best].ratio > BP_FD_WELL_ABOVE) || !(steps[second].ratio > 1.0))
    return TRUE;

  off = fabs (analytic - steps[best].numeric);
  for (int k = 0; k < (int) N_STEPS; k++)
    if (step_factors[k] > step_factors[best]
        && (next < 0 || step_factors[k] < step_factors[next]))
      next = k;
  if (next >= 0
      && !(steps[next].usable && steps[next].floor <= PIECE_JUMP * steps[best].floor)
      && off <= BP_FD_WELL_ABOVE * hidden_slope (x, fx, step_factors[next] * scale))
    return TRUE;

  grain = grain_noise (fn, data, x, DERIV_NOISE_STEP * scale);
  if (!isfinite (grain))
    return TRUE;
  floor_best = steps[best].floor + BP_FD_FLOOR_SIGMAS * RICHARDSON_NOISE * grain
                                   / (step_factors[best] * scale);
  floor_second = steps[second].floor + BP_FD_FLOOR_SIGMAS * RICHARDSON_NOISE * grain
                                       / (step_factors[second] * scale);
  if (!(off > BP_FD_WELL_ABOVE * floor_best)
      || !(fabs (analytic - steps[second].numeric) > floor_second))
    return TRUE;

  if (dfn != NULL)
    {
      BpFdEstimate e;

      bp_fd_estimate (dfn, data, x, DERIV_NOISE_STEP * scale, 0.0, &e);
      own = BP_FD_FLOOR_SIGMAS * e.noise;
      if (!isfinite (own))
        return TRUE;
      if (!(off > BP_FD_WELL_ABOVE * (floor_best + own))
          || !(fabs (analytic - steps[second].numeric) > floor_second + own))
        return TRUE;
    }

  miss->x = x;
  miss->analytic = analytic;
  miss->numeric = steps[best].numeric;
  miss->floor = floor_best + own;
  miss->ratio = off / miss->floor;
  return FALSE;
}

/* The plain central differences at x with h = 1e−5·max(1, √|x|) and h/8,
 * and whether φ is smooth there: the two must agree (else a kink or jump
 * lies between x − h and x + h but not at x), and the one-sided
 * differences must disagree by less with h/8 than with h (for smooth φ
 * their gap is h·φ″, which shrinks 8×; at a kink at x it is the jump in φ′,
 * whatever h).  Kinks are skipped, not failed: a derivative there is a
 * choice (relu′(0)). */
typedef struct
{
  gboolean smooth;
  double   c1;
  double   c8;
} Quick;

static Quick
quick_differences (BpFdFunc fn,
                   gpointer data,
                   double   x,
                   double   fx)
{
  Quick q = { FALSE, NAN, NAN };
  double h = 1e-5 * MAX (1.0, sqrt (fabs (x)));
  double xp = x + h, xm = x - h, xp8 = x + h / 8, xm8 = x - h / 8;
  double fp = fn (xp, data), fm = fn (xm, data);
  double fp8 = fn (xp8, data), fm8 = fn (xm8, data);
  double j1, j8, scale;

  if (!isfinite (fp) || !isfinite (fm) || !isfinite (fp8) || !isfinite (fm8) || !isfinite (fx))
    return q;

  q.c1 = (fp - fm) / (xp - xm);
  q.c8 = (fp8 - fm8) / (xp8 - xm8);
  j1 = (fp - fx) / (xp - x) - (fx - fm) / (x - xm);
  j8 = (fp8 - fx) / (xp8 - x) - (fx - fm8) / (x - xm8);
  scale = MAX (1.0, MAX (fabs (q.c1), fabs (q.c8)));

  q.smooth = fabs (q.c1 - q.c8) <= 1e-5 * scale
             && !(fabs (j8) > 1e-7 * scale && fabs (j8) > 0.5 * fabs (j1));
  return q;
}

/* The fast acceptance, before any estimate: the derivative agrees with
 * both plain differences to QUICK_AGREE, and they with each other (so
 * their rounding and truncation are below that too).  A wrong formula
 * cannot agree that closely except where it happens to be right; where
 * the differences are too noisy to tell (a tail), the estimate decides.
 * Most points of the bulk are settled here with 4 values of φ instead of
 * 17 or more. */
#define QUICK_AGREE 1e-6

static gboolean
quick_agrees (const Quick *q,
              double       x,
              double       fx,
              double       analytic)
{
  double tol = QUICK_AGREE * fabs (analytic);

  /* φ exactly flat at both steps, and the derivative below the slope that
   * rounding could hide even at the longest step (the strictest the flat
   * rule in step_compare can be): relu below 0, elu's f = −1 below −37
   * where f′ = e^z is 10⁻¹⁷. */
  if (q->c1 == 0.0 && q->c8 == 0.0)
    return fabs (analytic)
           <= hidden_slope (x, fx, step_factors[N_STEPS - 1] * MAX (1.0, fabs (x)));
  return fabs (analytic - q->c1) <= tol && fabs (analytic - q->c8) <= tol;
}

/* φ is checked at x unless it has a kink there; FALSE with `miss` filled
 * when the derivative is wrong. */
static gboolean
check_at (BpFdFunc fn,
          gpointer data,
          BpFdFunc dfn,
          double   x,
          double   fx,
          double   f_scale,
          double   analytic,
          double   allowance,
          gboolean *smooth,
          Miss    *miss)
{
  Quick q = quick_differences (fn, data, x, fx);

  *smooth = q.smooth;
  if (!q.smooth || quick_agrees (&q, x, fx, analytic))
    return TRUE;
  return check_point (fn, data, dfn, x, fx, f_scale, analytic, allowance, miss);
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

/* Moves the guard of an array of GUARD + at least n doubles to v[n]. */
static void
guard_set (double *v,
           size_t  n)
{
  guint64 bits = GUARD_BITS;

  for (size_t i = n; i < n + GUARD; i++)
    memcpy (&v[i], &bits, sizeof bits);
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

  bp_rng_init (&rng, feature_seed (act->id, 1));
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
    }

  for (size_t i = 0; i < n; i++)
    {
      Miss m;
      gboolean smooth;

      if (!check_at (act_f, &ctx, act_df, z[i], fz[i], 0.0, dz[i],
                     DERIV_ULPS * UNIT_ROUNDOFF * (fabs (dz[i]) + fabs (fz[i])), &smooth, &m))
        worst_update (&worst, &m, i);
      if (smooth && i < n_grid)
        smooth_grid++;
    }

  if (worst.found)
    {
      g_autofree char *zs = fmt (worst.miss.x), *gs = fmt (worst.miss.analytic);
      g_autofree char *ms = fmt_miss (&worst.miss);

      return numeric_error (error, "activation “%s”: f′(%s) = %s but the central "
                            "difference gives %s", act->id, zs, gs, ms);
    }
  if (smooth_grid < n_grid / 2)
    return numeric_error (error, "activation “%s”: f is not smooth at %zu of %zu "
                          "points of z ∈ [−40, 40]; its derivative cannot be checked",
                          act->id, n_grid - smooth_grid, n_grid);

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
  double                 *o;      /* scratch */
  size_t                  n;
  size_t                  j;
} VecCtx;

/* φ(x) = gᵀ f(z + (x − z_j) e_j) */
static double
vec_dot (double   x,
         gpointer data)
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

/* (∂a/∂z)ᵀg at z + (x − z_j) e_j, element j */
static double
vec_vjp_j (double   x,
           gpointer data)
{
  VecCtx *ctx = data;

  memcpy (ctx->zt, ctx->z, ctx->n * sizeof (double));
  ctx->zt[ctx->j] = x;
  ctx->act->vec_forward (ctx->zt, ctx->a, ctx->n, ctx->params);
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
  g_autofree double *scratch = guarded_new (MAX_N);
  g_autofree double *scratch_out = guarded_new (MAX_N);
  g_autofree double *a = NULL, *out = NULL;
  BpRng rng;
  Worst worst;
  size_t points = 0, smooth = 0;

  memset (&worst, 0, sizeof worst);
  bp_rng_init (&rng, feature_seed (act->id, 2));

  /* Finite for large inputs (a softmax must subtract the maximum). */
  for (size_t n = 1; n <= MAX_N; n++)
    {
      g_clear_pointer (&a, g_free);
      g_clear_pointer (&out, g_free);
      a = guarded_new (n);
      out = guarded_new (n);
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
          a = guarded_new (n);
          out = guarded_new (n);
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
              ok = check_at (vec_dot, &ctx, vec_vjp_j, z[j], phi0, terms, out[j], allowance,
                             &was_smooth, &m);
              smooth += was_smooth;
              if (!ok && worst_update (&worst, &m, j))
                {
                  memcpy (worst.z, z, n * sizeof (double));
                  memcpy (worst.g, g, n * sizeof (double));
                  worst.n = n;
                }
            }
        }

  if (worst.found)
    {
      g_autofree char *zs = fmt_vec (worst.z, worst.n), *gs = fmt_vec (worst.g, worst.n);
      g_autofree char *os = fmt (worst.miss.analytic), *ms = fmt_miss (&worst.miss);

      return numeric_error (error, "activation “%s”: vec_vjp at n = %zu, z = %s, g = %s "
                            "gives (∂a/∂z)ᵀg[%zu] = %s but the central difference gives %s",
                            act->id, worst.n, zs, gs, worst.index, os, ms);
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

/* φ(x) = l(f(z + (x − z_j) e_j), y) */
static double
cost_phi (double   x,
          gpointer data)
{
  CostCtx *ctx = data;

  memcpy (ctx->zt, ctx->z, ctx->n * sizeof (double));
  ctx->zt[ctx->j] = x;
  cost_forward (ctx, ctx->zt, ctx->at);
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

  memcpy (ctx->zt, ctx->z, ctx->n * sizeof (double));
  ctx->zt[ctx->j] = x;
  cost_forward (ctx, ctx->zt, ctx->at);
  ctx->cost->grad_a (ctx->at, ctx->zt, ctx->y, ctx->ga, ctx->n, ctx->params);
  cost_chain (ctx, ctx->zt, ctx->at, ctx->ga, ctx->g);
  return ctx->g[ctx->j];
}

static double
cost_grad_z_j (double   x,
               gpointer data)
{
  CostCtx *ctx = data;

  memcpy (ctx->zt, ctx->z, ctx->n * sizeof (double));
  ctx->zt[ctx->j] = x;
  cost_forward (ctx, ctx->zt, ctx->at);
  ctx->cost->grad_z (ctx->at, ctx->zt, ctx->y, ctx->g, ctx->n, ctx->params);
  return ctx->g[ctx->j];
}

static gboolean
all_finite (const double *v,
            size_t        n)
{
  for (size_t i = 0; i < n; i++)
    if (!isfinite (v[i]))
      return FALSE;
  return TRUE;
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
        g_autofree char *as = fmt_vec (a, n), *ys = fmt_vec (y, n);
        g_autofree char *gs = fmt (g[i]);

        return numeric_error (error, "cost “%s”: %s[%zu] = %s at n = %zu, a = %s, y = %s, "
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
  g_autofree double *ga = guarded_new (MAX_N);
  g_autofree double *gz = guarded_new (MAX_N);
  double z[MAX_N], a[MAX_N], y[MAX_N], chain[MAX_N];
  CostCtx ctx;
  Worst worst_a, worst_z;
  const BpActivationDesc *act = output_activation;
  const CostRegime *regimes;
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
  regimes = act == NULL ? cost_regimes_a : cost_regimes_z;

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

  bp_rng_init (&rng, feature_seed (cost->id, 3));
  G_STATIC_ASSERT (G_N_ELEMENTS (cost_regimes_a) == G_N_ELEMENTS (cost_regimes_z));
  for (size_t r = 0; r < G_N_ELEMENTS (cost_regimes_a); r++)
    for (size_t n = 1; n <= MAX_N; n++)
      for (int trial = 0; trial < COST_TRIALS; trial++)
        {
          const CostRegime *regime = &regimes[r];
          gboolean grad_a_ok, grad_z_ok = FALSE;
          double l, ga_terms = 0.0;

          ctx.n = n;
          guard_set (ga, n);
          guard_set (gz, n);
          cost_draw (&rng, regime, act, n, z, y);
          cost_forward (&ctx, z, a);

          l = cost->value (a, z, y, n, params);
          if (!isfinite (l))
            {
              g_autofree char *as = fmt_vec (a, n), *ys = fmt_vec (y, n);
              g_autofree char *ls = fmt (l);

              if (!regime->strict)
                continue;
              return numeric_error (error, "cost “%s”: l = %s at n = %zu, a = %s, y = %s, "
                                    "but it must be finite", cost->id, ls, n, as, ys);
            }

          cost->grad_a (a, z, y, ga, n, params);
          if (!guard_intact (ga, n))
            return numeric_error (error, "cost “%s”: grad_a writes past the end of its "
                                  "output", cost->id);
          if (regime->strict && !check_grads_finite (cost, "grad_a", ga, a, y, n, error))
            return FALSE;
          cost_chain (&ctx, z, a, ga, chain);
          grad_a_ok = all_finite (chain, n);
          if (cost->grad_z != NULL)
            {
              cost->grad_z (a, z, y, gz, n, params);
              if (!guard_intact (gz, n))
                return numeric_error (error, "cost “%s”: grad_z writes past the end of "
                                      "its output", cost->id);
              if (regime->strict && !check_grads_finite (cost, "grad_z", gz, a, y, n, error))
                return FALSE;
              grad_z_ok = all_finite (gz, n);
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
                  && !check_at (cost_phi, &ctx, cost_chain_j, z[j], l, 0.0, chain[j],
                                DERIV_ULPS * UNIT_ROUNDOFF
                                * (terms + fabs (chain[j]) + fabs (ga[j])), &smooth, &m)
                  && worst_update (&worst_a, &m, j))
                {
                  memcpy (worst_a.z, z, n * sizeof (double));
                  memcpy (worst_a.g, y, n * sizeof (double));
                  worst_a.n = n;
                }
              if (grad_z_ok
                  && !check_at (cost_phi, &ctx, cost_grad_z_j, z[j], l, 0.0, gz[j],
                                DERIV_ULPS * UNIT_ROUNDOFF * (terms + fabs (gz[j])), &smooth, &m)
                  && worst_update (&worst_z, &m, j))
                {
                  memcpy (worst_z.z, z, n * sizeof (double));
                  memcpy (worst_z.g, y, n * sizeof (double));
                  worst_z.n = n;
                }
            }
        }

  if (worst_a.found)
    {
      g_autofree char *gs = fmt (worst_a.miss.analytic), *ms = fmt_miss (&worst_a.miss);
      g_autofree char *ys = fmt_vec (worst_a.g, worst_a.n);
      g_autofree char *zs = fmt_vec (worst_a.z, worst_a.n);

      if (act == NULL)
        return numeric_error (error, "cost “%s”: ∂l/∂a[%zu] = %s at n = %zu, a = %s, "
                              "y = %s but the central difference gives %s",
                              cost->id, worst_a.index, gs, worst_a.n, zs, ys, ms);
      return numeric_error (error, "cost “%s”: grad_a through its output activation "
                            "“%s” gives ∂l/∂z[%zu] = %s at n = %zu, z = %s, y = %s but the "
                            "central difference gives %s",
                            cost->id, act->id, worst_a.index, gs, worst_a.n, zs, ys, ms);
    }
  if (worst_z.found)
    {
      g_autofree char *gs = fmt (worst_z.miss.analytic), *ms = fmt_miss (&worst_z.miss);
      g_autofree char *zs = fmt_vec (worst_z.z, worst_z.n), *ys = fmt_vec (worst_z.g, worst_z.n);

      return numeric_error (error, "cost “%s”: grad_z gives ∂l/∂z[%zu] = %s at n = %zu, "
                            "z = %s, y = %s but the central difference through “%s” gives %s",
                            cost->id, worst_z.index, gs, worst_z.n, zs, ys,
                            act != NULL ? act->id : "the identity", ms);
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
