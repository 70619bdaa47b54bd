/* bp-plugin-check-point.c — the one comparison every numeric check makes:
 * a plugin's derivative at one point against finite differences.
 *
 * _bp_plugin_check_at() takes a scalar function φ of one coordinate x and
 * the derivative the plugin claims there, asks bp_fd_estimate for φ′(x) and
 * its noise floor at a few steps h, and calls the derivative wrong only
 * when it misses the estimate by well above the floor.  Activations,
 * vector activations and costs (bp-plugin-check-activation.c, -cost.c) only
 * differ in the φ they hand it and in where they put the points.
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
#include "bp-plugin-check-private.h"

#include <math.h>

/* The change across a step that rounding could hide where φ is flat, in
 * units of roundoff (DERIV_ULPS: bp-plugin-check-private.h). */
#define FLAT_ULPS  16.0
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
double
_bp_plugin_check_violation (double got,
                            double want)
{
  double tol = MAX (BP_PLUGIN_CHECK_RTOL * MAX (fabs (got), fabs (want)),
                    BP_PLUGIN_CHECK_ATOL);

  return fabs (got - want) / tol;
}

gboolean
_bp_plugin_check_worst_update (Worst        *w,
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
char *
_bp_plugin_check_fmt_miss (const Miss *m)
{
  g_autofree char *ws = _bp_plugin_check_fmt (m->numeric);
  g_autofree char *os = fmt2 (fabs (m->analytic - m->numeric));
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
gboolean
_bp_plugin_check_at (BpFdFunc fn,
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
