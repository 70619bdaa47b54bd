/* bp-gradcheck.h — derivatives against central finite differences, with a
 * verdict that knows the finite differences' own noise floor.
 *
 * A central difference (f(x + h) − f(x − h)) / 2h misses f′(x) in two ways:
 * truncation, ≈ h²·f‴/6, and the rounding of f itself: an error σ in each
 * value of f becomes ≈ σ/h in the difference.  With h = 10⁻⁶ and f a batch
 * cost of 0.7, that is ≈ 10⁻¹⁰ — larger than the whole gradient of a weight
 * deep in a vanishing-gradient network.  A relative-error test calls such a
 * correct gradient wrong.  So every estimate here carries its floor, and a
 * gradient is called wrong only when it misses by well above it.
 */
#pragma once

#include "bp-network.h"

G_BEGIN_DECLS

/* ------------------------------------------------- one scalar function f(x) */

/* A function to differentiate; it may round, that is what the floor is for. */
typedef double (*BpFdFunc) (double   x,
                            gpointer user_data);

typedef struct
{
  double x;           /* where f′ was estimated */
  double h;           /* the step */
  double derivative;  /* f′(x): Richardson extrapolation of the central
                       * differences at h and 2h, (4·D(h) − D(2h)) / 3, whose
                       * truncation is O(h⁴) instead of O(h²) */
  double central;     /* the plain central difference D(h) */
  double noise;       /* σ, the rounding noise of one value of f near x */
  double floor;       /* how far `derivative` may be from f′(x) through
                       * rounding and truncation: the finite-difference
                       * noise floor, BP_FD_FLOOR_SIGMAS standard deviations */
} BpFdEstimate;

/* The floor is this many standard deviations of the derivative's rounding
 * error (itself ≈ 0.95 σ/h).  With σ measured (no f_scale), the error of a
 * correct derivative was above the floor in 0.15 % of 2·10⁷ simulated
 * cases and never above BP_FD_WELL_ABOVE floors; f_scale only raises the
 * floor. */
#define BP_FD_FLOOR_SIGMAS 4.0
/* "Well above the floor": a disagreement larger than this many floors is a
 * wrong derivative, not noise. */
#define BP_FD_WELL_ABOVE   4.0
/* A derivative is confirmed only when the floor is at most this fraction
 * of it: finite differences that cannot tell 1 % apart confirm nothing. */
#define BP_FD_DEFAULT_RESOLUTION 1e-2

/* Estimates f′(x) and its noise floor from f at x − 8h … x + 8h (17
 * calls).
 *
 * σ is the larger of two estimates.  Measured: the differences of order
 * 5 to 8 of those values, whose smooth part (≈ h⁵·f⁽⁵⁾ …) is far below
 * rounding, so what remains is noise (Hamming's difference table, as in
 * Moré & Wild's ECnoise); a kink or a steep f within ±8h shows up there as
 * well and widens the floor, as it should.  Known: `f_scale`, the sum of
 * the magnitudes of the terms that make up f near x, if the caller knows
 * it (each costs about one unit roundoff); 0 for "only |f|".  `h` > 0 is
 * absolute. */
void        bp_fd_estimate          (BpFdFunc      f,
                                     gpointer      user_data,
                                     double        x,
                                     double        h,
                                     double        f_scale,
                                     BpFdEstimate *estimate);

typedef enum
{
  BP_FD_AGREES,          /* |analytic − numeric| ≤ floor, and the floor is
                          * at most `resolution` of the derivative; or
                          * both are exactly 0 (f flat at all 17 points) */
  BP_FD_NOT_RESOLVABLE,  /* the floor is too large to tell (above
                          * `resolution` of the derivative), or the
                          * disagreement is above the floor but not well
                          * above it */
  BP_FD_DIFFERS,         /* |analytic − numeric| > BP_FD_WELL_ABOVE floors:
                          * the analytic derivative is wrong */
} BpFdVerdict;

/* The verdict on `analytic` against `estimate`; `resolution` ≤ 0 for
 * BP_FD_DEFAULT_RESOLUTION.  A non-finite estimate is NOT_RESOLVABLE; a
 * non-finite analytic value against a finite estimate DIFFERS. */
BpFdVerdict bp_fd_verdict           (double              analytic,
                                     const BpFdEstimate *estimate,
                                     double              resolution);
/* |analytic − numeric| / floor: below 1 agrees, above BP_FD_WELL_ABOVE
 * differs; 0 for 0/0, +∞ for x/0 and for non-finite values. */
double      bp_fd_floor_ratio       (double              analytic,
                                     const BpFdEstimate *estimate);
/* "agrees", "not resolvable", "differs". */
const char *bp_fd_verdict_to_string (BpFdVerdict verdict);

/* ------------------------------------------------- a network's parameters */

typedef struct
{
  gsize        index;     /* into net->params */
  double       backprop;  /* the gradient that was checked */
  BpFdEstimate fd;        /* ∂C/∂p by finite differences, with its floor */
  BpFdVerdict  verdict;
  double       ratio;     /* bp_fd_floor_ratio (backprop, &fd) */
} BpGradCheckEntry;

typedef struct
{
  /* The raw figures, no verdict: the largest relative error
   * |g − n| / max(|g|, |n|, 1e−8) of the plain central difference n = D(h)
   * and where it is (W then b).  Bounds on it cry wolf where C is large
   * against the gradient; the verdicts below do not. */
  double max_rel_error;
  double max_abs_error;
  gsize  worst_index;     /* into the layer's W then b */
  double worst_backprop;
  double worst_numeric;

  /* The verdicts, and the parameter whose disagreement is the largest
   * against its own floor (worst.index is into net->params). */
  gsize            n_agree;
  gsize            n_not_resolvable;
  gsize            n_differ;
  BpGradCheckEntry worst;
} BpGradCheckLayer;

/* The rounding noise of C in the last forward and backward pass of
 * `trace` (which must have `keep` set), as the sum of the magnitudes of
 * the terms summed into C, each weighted by how much C moves with it: the
 * per-sample losses, every |W_jk·a_k| and |b_j| of every z weighted by
 * |δ_j|, every activation weighted by |∂C/∂a|.  Times the unit roundoff,
 * a first-order estimate of the error of one evaluation of C. */
double      bp_gradcheck_cost_scale (const BpNetwork *net,
                                     const BpTrace   *trace);

/* Checks ∂C/∂p of every parameter on the batch x, y: central differences
 * with h = eps·max(1, |p|) (eps ≤ 0: 10⁻⁶), with a floor per parameter,
 * against `backprop` (n_params values, or NULL for the network's own
 * backward pass; a caller checking another gradient passes its own).
 * Leaves the backward pass's gradients in net->grads and the parameters
 * as they were.  Fills `layers[n_layers]` and `entries[n_params]` (each
 * may be NULL) and returns the worst verdict. */
BpFdVerdict bp_gradcheck_network    (BpNetwork        *net,
                                     const double     *x,
                                     const double     *y,
                                     gsize             B,
                                     double            eps,
                                     double            resolution,
                                     const double     *backprop,
                                     BpGradCheckLayer *layers,
                                     BpGradCheckEntry *entries);

/* The same for the one parameter `index`; `backprop` NULL for the
 * network's own gradient. */
BpFdVerdict bp_gradcheck_entry      (BpNetwork        *net,
                                     const double     *x,
                                     const double     *y,
                                     gsize             B,
                                     gsize             index,
                                     double            eps,
                                     double            resolution,
                                     const double     *backprop,
                                     BpGradCheckEntry *entry);

/* bp_gradcheck_network with the default resolution, returning the largest
 * relative error (the raw figure, for tests that bound it). */
double      bp_gradcheck            (BpNetwork        *net,
                                     const double     *x,
                                     const double     *y,
                                     gsize             B,
                                     double            eps,
                                     BpGradCheckLayer *result);

/* The plain central difference (C(p+h) − C(p−h)) / 2h for one parameter
 * (index into net->params), h = eps·max(1, |p|); no floor. */
double      bp_gradcheck_param      (BpNetwork    *net,
                                     BpTrace      *trace,
                                     const double *x,
                                     const double *y,
                                     gsize         B,
                                     gsize         index,
                                     double        eps);

G_END_DECLS
