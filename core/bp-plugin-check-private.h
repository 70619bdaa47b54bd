/* bp-plugin-check-private.h — what the files of the numeric check share
 * (see bp-plugin-check.c for the family).  Not installed, not for callers
 * of bp-plugin-check.h.
 */
#pragma once

#include <float.h>

#include "bp-gradcheck.h"
#include "bp-plugin-check.h"

G_BEGIN_DECLS

/* Vector activations and costs: sizes 1 … MAX_N. */
#define MAX_N 8

/* The derivative's own rounding allowed for, in units of roundoff of the
 * magnitudes it is computed from (σ′ = a(1 − a) from a rounded a). */
#define DERIV_ULPS 256.0
#define UNIT_ROUNDOFF (DBL_EPSILON / 2)

/* Doubles written past the end of every output array a plugin fills; a
 * function that overwrites them writes more than it was asked for. */
#define GUARD 4

/* Which points a seed draws: part of the seed, so that an activation and a
 * cost of the same id get different points.  The values are in every
 * verdict ever cached: do not renumber. */
typedef enum
{
  BP_PLUGIN_CHECK_SEED_ELEMENTWISE = 1,
  BP_PLUGIN_CHECK_SEED_VECTOR      = 2,
  BP_PLUGIN_CHECK_SEED_COST        = 3,
} BpPluginCheckSeedKind;

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

/* ------------------------------------------------------- bp-plugin-check.c */

/* The seed of a feature's points: its id, so the verdict does not depend
 * on what else was checked before it. */
guint64   _bp_plugin_check_seed           (const char            *id,
                                           BpPluginCheckSeedKind  kind);

/* A value, or a vector "(1, 2.5)", for a message.  Free with g_free. */
char     *_bp_plugin_check_fmt            (double                 v);
char     *_bp_plugin_check_fmt_vec        (const double          *v,
                                           size_t                 n);

/* n zeroes followed by GUARD guard values; free with g_free. */
double   *_bp_plugin_check_guarded_new    (size_t                 n);
/* Moves the guard of an array of GUARD + at least n doubles to v[n]. */
void      _bp_plugin_check_guard_set      (double                *v,
                                           size_t                 n);
gboolean  _bp_plugin_check_guard_intact   (const double          *v,
                                           size_t                 n);

/* The defaults of `specs` (at least one element); free with g_free. */
double   *_bp_plugin_check_default_params (const BpParamSpec     *specs,
                                           size_t                 n);

/* Sets a BP_PLUGIN_ERROR_NUMERIC error; returns FALSE. */
gboolean  _bp_plugin_check_error          (GError               **error,
                                           const char            *format,
                                           ...) G_GNUC_PRINTF (2, 3);

/* ------------------------------------------------- bp-plugin-check-point.c */

/* φ is checked at x unless it has a kink there (`*smooth` FALSE); FALSE
 * with `miss` filled when `analytic` is wrong.  `fn` is φ, `dfn` the
 * derivative at another x (may be NULL), `fx` = φ(x), `f_scale` the size
 * of the terms φ sums (0: |φ|), `allowance` the rounding the derivative's
 * own formula may have. */
gboolean  _bp_plugin_check_at             (BpFdFunc               fn,
                                           gpointer               data,
                                           BpFdFunc               dfn,
                                           double                 x,
                                           double                 fx,
                                           double                 f_scale,
                                           double                 analytic,
                                           double                 allowance,
                                           gboolean              *smooth,
                                           Miss                  *miss);
/* Keeps `m` if it is worse than the worst so far; TRUE if it did. */
gboolean  _bp_plugin_check_worst_update   (Worst                 *w,
                                           const Miss            *m,
                                           size_t                 index);
/* "1 (off by 0.09, 3.9e+09 × its noise floor 2.3e-11)"; free with g_free. */
char     *_bp_plugin_check_fmt_miss       (const Miss            *m);
/* How far outside BP_PLUGIN_CHECK_RTOL/ATOL `got` is from `want`: ≤ 1
 * agrees.  Only for f_array/df_array against f/df. */
double    _bp_plugin_check_violation      (double                 got,
                                           double                 want);

G_END_DECLS
