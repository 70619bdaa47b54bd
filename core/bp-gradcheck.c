/* bp-gradcheck.c — derivatives against central finite differences, with
 * their noise floor.
 *
 * The estimate: D(h) = (f(x+h) − f(x−h)) / 2h = f′ + h²f‴/6 + O(h⁴), so the
 * Richardson combination R = (4·D(h) − D(2h)) / 3 cancels the h² term.  Its
 * rounding error, with independent errors of size σ in each f:
 *   R = [8(f₁ − f₋₁) − (f₂ − f₋₂)] / 12h  →  σ·√130 / 12h ≈ 0.95·σ/h.
 * The floor is BP_FD_FLOOR_SIGMAS of those.
 *
 * σ from the values themselves: the k-th differences Δᵏf of values h
 * apart are h^k·f⁽ᵏ⁾ plus noise, and a noise of variance σ² gives
 * E[(Δᵏf)²] = C(2k, k)·σ², so σ² ≈ mean (Δᵏf)² · (k!)² / (2k)!.  The
 * largest of k = 5 … 8 is taken.  R is exact for polynomials of degree 4,
 * so the smooth parts that can reach it start at h⁵f⁽⁵⁾: R's truncation,
 * ≈ h⁴f⁽⁵⁾/30 ≈ Δ⁵f / 30h, is below the floor that the k = 5 term alone
 * gives.  A kink (relu) or a steep f inside the stencil inflates σ, and it
 * should: R is then off by about as much.
 *
 * Why 17 values: σ estimated from few values is itself uncertain, and the
 * error of R against it has a heavy (Student-t-like) tail.  Simulated with
 * pure Gaussian and pure uniform noise (10⁷ draws each), |R − f′| exceeds
 * 4 of R's estimated standard deviations in 0.15 % of draws, 7.6 in 10⁻⁵
 * and never 16 (the largest was 13.9); from 9 values (orders 4 to 6) it
 * exceeded 13 in 10⁻⁵ draws and reached 35.
 */
#include "bp-gradcheck.h"

#include <float.h>
#include <math.h>
#include <string.h>

#define REL_FLOOR 1e-8
#define STENCIL   8                       /* x − 8h … x + 8h */
#define N_POINTS  (2 * STENCIL + 1)
#define UNIT_ROUNDOFF (DBL_EPSILON / 2)
/* √130 / 12: the rounding of R in units of σ/h. */
#define RICHARDSON_NOISE 0.9501461875826902

/* σ from the differences of order k of the values v[0 … N_POINTS−1]:
 * over all of them, or over those whose window holds the centre, if that
 * is larger.  A kink between x − h and x + h, where it throws R off most,
 * is in few windows; averaged over all of them it would be diluted. */
static double
difference_noise (const double *v,
                  int           k)
{
  double d[N_POINTS];
  double all = 0.0, centre = 0.0, gamma = 1.0;
  int n = N_POINTS, n_centre = 0;

  memcpy (d, v, sizeof d);
  for (int order = 0; order < k; order++, n--)
    for (int i = 0; i + 1 < n; i++)
      d[i] = d[i + 1] - d[i];
  for (int i = 0; i < n; i++)
    {
      all += d[i] * d[i];
      /* window i holds v[i … i+k] */
      if (i < STENCIL && i + k > STENCIL)
        {
          centre += d[i] * d[i];
          n_centre++;
        }
    }
  /* (k!)² / (2k)! = Π_{i=1..k} i / (k + i) */
  for (int i = 1; i <= k; i++)
    gamma *= (double) i / (double) (k + i);
  return sqrt (gamma * MAX (all / n, centre / n_centre));
}

void
bp_fd_estimate (BpFdFunc      f,
                gpointer      user_data,
                double        x,
                double        h,
                double        f_scale,
                BpFdEstimate *estimate)
{
  double v[N_POINTS], at[N_POINTS];
  double d1, d2, sigma = 0.0, known;
  gboolean finite = TRUE;

  g_return_if_fail (f != NULL && estimate != NULL);
  g_return_if_fail (h > 0);

  for (int i = 0; i < N_POINTS; i++)
    {
      at[i] = x + (i - STENCIL) * h;
      v[i] = f (at[i], user_data);
      if (!isfinite (v[i]))
        finite = FALSE;
    }

  estimate->x = x;
  estimate->h = h;
  if (!finite)
    {
      estimate->derivative = estimate->central = NAN;
      estimate->noise = estimate->floor = INFINITY;
      return;
    }

  /* The steps actually taken, x ± h rounded, not exactly 2h and 4h. */
  d1 = (v[STENCIL + 1] - v[STENCIL - 1]) / (at[STENCIL + 1] - at[STENCIL - 1]);
  d2 = (v[STENCIL + 2] - v[STENCIL - 2]) / (at[STENCIL + 2] - at[STENCIL - 2]);
  estimate->central = d1;
  estimate->derivative = d1 + (d1 - d2) / 3.0;

  for (int k = 5; k <= 8; k++)
    sigma = MAX (sigma, difference_noise (v, k));
  if (!(f_scale > 0))
    for (int i = 0; i < N_POINTS; i++)
      f_scale = MAX (f_scale, fabs (v[i]));
  known = UNIT_ROUNDOFF * f_scale;
  estimate->noise = MAX (sigma, known);
  estimate->floor = BP_FD_FLOOR_SIGMAS * RICHARDSON_NOISE * estimate->noise / h;
}

double
bp_fd_floor_ratio (double              analytic,
                   const BpFdEstimate *estimate)
{
  double d;

  g_return_val_if_fail (estimate != NULL, INFINITY);

  d = fabs (analytic - estimate->derivative);
  if (!isfinite (d) || !isfinite (estimate->floor))
    return INFINITY;
  if (d == 0.0)
    return 0.0;
  return estimate->floor > 0 ? d / estimate->floor : INFINITY;
}

BpFdVerdict
bp_fd_verdict (double              analytic,
               const BpFdEstimate *estimate,
               double              resolution)
{
  double ratio;

  g_return_val_if_fail (estimate != NULL, BP_FD_NOT_RESOLVABLE);

  if (!(resolution > 0))
    resolution = BP_FD_DEFAULT_RESOLUTION;
  if (!isfinite (estimate->derivative) || !isfinite (estimate->floor))
    return BP_FD_NOT_RESOLVABLE;
  if (!isfinite (analytic))
    return BP_FD_DIFFERS;

  /* A parameter that f does not see at all (a weight from an input that is
   * always 0): f is the same number at all 17 points and the analytic
   * value is exactly 0 too.  Nothing to resolve, nothing to disagree. */
  if (analytic == 0.0 && estimate->derivative == 0.0)
    return BP_FD_AGREES;
  ratio = bp_fd_floor_ratio (analytic, estimate);
  if (ratio > BP_FD_WELL_ABOVE)
    return BP_FD_DIFFERS;
  if (ratio <= 1.0 && estimate->floor <= resolution * fabs (estimate->derivative))
    return BP_FD_AGREES;
  return BP_FD_NOT_RESOLVABLE;
}

const char *
bp_fd_verdict_to_string (BpFdVerdict verdict)
{
  switch (verdict)
    {
    case BP_FD_AGREES:
      return "agrees";
    case BP_FD_NOT_RESOLVABLE:
      return "not resolvable";
    case BP_FD_DIFFERS:
      return "differs";
    default:
      return "unknown";
    }
}

/* ----------------------------------------------------------- the network */

static double
cost_at (BpNetwork    *net,
         BpTrace      *trace,
         const double *x,
         const double *y,
         gsize         B)
{
  bp_network_forward (net, trace, x, B);
  return bp_network_cost (net, trace, y);
}

double
bp_gradcheck_param (BpNetwork    *net,
                    BpTrace      *trace,
                    const double *x,
                    const double *y,
                    gsize         B,
                    gsize         index,
                    double        eps)
{
  double saved = net->params[index];
  double h = (eps > 0 ? eps : 1e-6) * MAX (1.0, fabs (saved));
  double cp, cm;

  g_return_val_if_fail (index < net->n_params, NAN);

  net->params[index] = saved + h;
  cp = cost_at (net, trace, x, y, B);
  net->params[index] = saved - h;
  cm = cost_at (net, trace, x, y, B);
  net->params[index] = saved;
  /* (p + h) − (p − h) is the step actually taken, not exactly 2h. */
  return (cp - cm) / ((saved + h) - (saved - h));
}

double
bp_gradcheck_cost_scale (const BpNetwork *net,
                         const BpTrace   *trace)
{
  gsize N = net->n_layers, B = trace->batch;
  const BpLayer *last = &net->layers[N - 1];
  /* The output layer of a fused cost (bce on sigmoid, softmax_ce on
   * softmax) computes C from z, so a's rounding does not reach C. */
  gboolean fused = net->cost->grad_z != NULL
                   && g_strcmp0 (last->act_id, net->cost->output_activation) == 0;
  double w = net->reduction == BP_REDUCTION_MEAN ? 1.0 / (double) B : 1.0;
  double scale = 0.0;

  g_return_val_if_fail (trace->keep, NAN);

  for (gsize s = 0; s < B; s++)
    scale += w * fabs (trace->per_sample_loss[s]);

  for (gsize l = 0; l < N; l++)
    {
      const BpLayer *L = &net->layers[l];

      for (gsize s = 0; s < B; s++)
        {
          const double *in = bp_trace_a_prev (trace, l, s);
          const double *z = bp_trace_z (trace, l, s);
          const double *a = bp_trace_a (trace, l, s);
          const double *delta = bp_trace_dC_dz (trace, l, s);
          const double *da = bp_trace_dC_da (trace, l, s);

          for (gsize j = 0; j < L->out; j++)
            {
              double terms;

              /* Dense: the terms of W a + b.  Norm layers (γ x̂ + β, one
               * γ per unit) and dropout (no parameters) have fewer. */
              if (L->type == BP_LAYER_DROPOUT)
                terms = fabs (in[j]);
              else if (L->type != BP_LAYER_DENSE)
                terms = fabs (L->b[j]) + fabs (L->W[j] * in[j]);
              else
                {
                  terms = fabs (L->b[j]);
                  for (gsize k = 0; k < L->in; k++)
                    terms += fabs (L->W[j * L->in + k] * in[k]);
                }
              scale += fabs (delta[j]) * (terms + fabs (z[j]));
              if (!(l == N - 1 && fused))
                scale += fabs (da[j] * a[j]);
            }
        }
    }
  return scale;
}

typedef struct
{
  BpNetwork    *net;
  BpTrace      *trace;
  const double *x;
  const double *y;
  gsize         B;
  gsize         index;
} CostAlong;

/* C as a function of the one parameter p = net->params[index]. */
static double
cost_along (double   p,
            gpointer user_data)
{
  CostAlong *c = user_data;

  c->net->params[c->index] = p;
  return cost_at (c->net, c->trace, c->x, c->y, c->B);
}

static void
check_one (CostAlong        *c,
           double            eps,
           double            resolution,
           double            cost_scale,
           double            backprop,
           BpGradCheckEntry *entry)
{
  double saved = c->net->params[c->index];
  double h = (eps > 0 ? eps : 1e-6) * MAX (1.0, fabs (saved));

  entry->index = c->index;
  entry->backprop = backprop;
  bp_fd_estimate (cost_along, c, saved, h, cost_scale, &entry->fd);
  c->net->params[c->index] = saved;
  entry->verdict = bp_fd_verdict (backprop, &entry->fd, resolution);
  entry->ratio = bp_fd_floor_ratio (backprop, &entry->fd);
}

/* Backprop on the batch (into net->grads) and the cost scale, on `trace`. */
static double
backward_and_scale (BpNetwork    *net,
                    BpTrace      *trace,
                    const double *x,
                    const double *y,
                    gsize         B)
{
  trace->keep = TRUE;
  bp_network_gradients (net, trace, x, y, B);
  return bp_gradcheck_cost_scale (net, trace);
}

BpFdVerdict
bp_gradcheck_entry (BpNetwork        *net,
                    const double     *x,
                    const double     *y,
                    gsize             B,
                    gsize             index,
                    double            eps,
                    double            resolution,
                    const double     *backprop,
                    BpGradCheckEntry *entry)
{
  g_autoptr(BpTrace) trace = NULL;
  CostAlong c = { net, NULL, x, y, B, index };
  double scale;

  g_return_val_if_fail (net != NULL && x != NULL && y != NULL && B >= 1, BP_FD_NOT_RESOLVABLE);
  g_return_val_if_fail (index < net->n_params && entry != NULL, BP_FD_NOT_RESOLVABLE);

  trace = bp_trace_new (net, B);
  c.trace = trace;
  scale = backward_and_scale (net, trace, x, y, B);
  check_one (&c, eps, resolution, scale,
             backprop != NULL ? *backprop : net->grads[index], entry);
  return entry->verdict;
}

BpFdVerdict
bp_gradcheck_network (BpNetwork        *net,
                      const double     *x,
                      const double     *y,
                      gsize             B,
                      double            eps,
                      double            resolution,
                      const double     *backprop,
                      BpGradCheckLayer *layers,
                      BpGradCheckEntry *entries)
{
  g_autoptr(BpTrace) trace = NULL;
  CostAlong c = { net, NULL, x, y, B, 0 };
  BpFdVerdict worst = BP_FD_AGREES;
  double scale;
  gsize off = 0;

  g_return_val_if_fail (net != NULL && x != NULL && y != NULL && B >= 1, BP_FD_NOT_RESOLVABLE);

  trace = bp_trace_new (net, B);
  c.trace = trace;
  scale = backward_and_scale (net, trace, x, y, B);
  if (backprop == NULL)
    backprop = net->grads;

  for (gsize l = 0; l < net->n_layers; l++)
    {
      const BpLayer *L = &net->layers[l];
      gsize n = bp_layer_n_weights (L) + bp_layer_n_biases (L);
      BpGradCheckLayer r = { 0 };

      for (gsize i = 0; i < n; i++)
        {
          BpGradCheckEntry e;
          double g = backprop[off + i], num, abs_err, rel;

          c.index = off + i;
          check_one (&c, eps, resolution, scale, g, &e);
          if (entries != NULL)
            entries[off + i] = e;

          num = e.fd.central;
          abs_err = fabs (g - num);
          rel = abs_err / MAX (MAX (fabs (g), fabs (num)), REL_FLOOR);
          if (isnan (rel))
            rel = INFINITY;
          if (rel > r.max_rel_error || i == 0)
            {
              r.max_rel_error = rel;
              r.worst_index = i;
              r.worst_backprop = g;
              r.worst_numeric = num;
            }
          r.max_abs_error = MAX (r.max_abs_error, abs_err);

          switch (e.verdict)
            {
            case BP_FD_AGREES:
              r.n_agree++;
              break;
            case BP_FD_NOT_RESOLVABLE:
              r.n_not_resolvable++;
              break;
            case BP_FD_DIFFERS:
            default:
              r.n_differ++;
              break;
            }
          if (i == 0 || e.ratio > r.worst.ratio)
            r.worst = e;
          worst = MAX (worst, e.verdict);
        }
      if (layers != NULL)
        layers[l] = r;
      off += n;
    }
  return worst;
}

double
bp_gradcheck (BpNetwork        *net,
              const double     *x,
              const double     *y,
              gsize             B,
              double            eps,
              BpGradCheckLayer *result)
{
  g_autofree BpGradCheckLayer *layers = NULL;
  double worst = 0.0;

  g_return_val_if_fail (net != NULL && x != NULL && y != NULL && B >= 1, NAN);

  layers = g_new0 (BpGradCheckLayer, net->n_layers);
  bp_gradcheck_network (net, x, y, B, eps, 0, NULL, layers, NULL);
  for (gsize l = 0; l < net->n_layers; l++)
    {
      worst = MAX (worst, layers[l].max_rel_error);
      if (result != NULL)
        result[l] = layers[l];
    }
  return worst;
}
