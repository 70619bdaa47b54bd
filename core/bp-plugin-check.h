/* bp-plugin-check.h — the numeric check a plugin passes before it is
 * registered: every derivative it provides against central differences of
 * the function it belongs to, and every optimizer on a small quadratic.
 *
 * The loader runs it in the scanner child (a plugin that loops or crashes
 * here takes down only that child); the UI and the tests may call it
 * directly on a descriptor they trust not to hang.
 *
 * Tolerance.  A derivative d that agrees to 10⁻⁶ (relative) with the plain
 * central differences at h = 10⁻⁵·max(1, √|z|) and h/8, which agree with
 * each other as closely, passes at once; that settles most points of the
 * bulk.  Any other d is compared with bp_fd_estimate's Richardson estimate
 * c (bp-gradcheck.h), whose noise floor is measured from the function's own
 * values, at steps from 10⁻⁶ to 10⁻¹ of max(1, |z|): in a saturated tail
 * only a long step lets f change by more than its rounding.  d is wrong
 * when, at the step with the lowest floor,
 *
 *   |d − c| > BP_FD_WELL_ABOVE · (floor + 256 u · |terms of d|)
 *
 * (u the unit roundoff; the second term is the rounding the plugin's own
 * formula may have, σ′ = a(1 − a) from a rounded a), d misses by more than
 * the floor at the second-lowest step too, the next longer step does not
 * see f far noisier (which would mean f is computed in pieces coarser
 * than the best step, so that step measured the slope of a piece), and
 * neither the grain of f (the smallest jump it makes, measured: f summed
 * in float, log(1 + 10⁻⁸)) nor the measured noise of d's own formula
 * (cos z/z − sin z/z² near 0) accounts for the miss.  There
 * is no fixed relative tolerance: σ′(−30) = 9.4e−14 is checked to many
 * digits since σ(−30) itself is exact, σ′(30) only as far as 1 − σ(30) is
 * resolved, and where f is exactly flat d must be below the slope its
 * rounding could hide.
 *
 * Points where f is not smooth (a kink like relu's at 0, or a jump) are
 * skipped, not failed: there the one-sided differences disagree, or the
 * differences with h and h/8 disagree.  At least half the points of the grid
 * must be smooth, or the check fails (there would be nothing left to check).
 *
 * Points.  Element-wise: the grid z ∈ [−40, 40] in steps of 1/4 and ±100,
 * ±1000, then one jittered point in each 0.01-wide cell of [−100, 100] and
 * 1024 per side log-uniformly on 100 < |z| ≤ 1000.  Vector activations:
 * every n from 1 to 8, with z moderate, saturated (spread ±30) and far
 * from 0.  Costs: every n from 1 to 8, soft and hard (0/1, one-hot)
 * targets, outputs in (0, 1), near 0 and 1, outside [0, 1] and up to ±1000
 * (through an output activation: z up to ±700).  The jitter is seeded by
 * the feature's id, so a plugin always gets the same verdict.
 */
#pragma once

#include "bp-plugin-error.h"
#include "bp-types.h"

G_BEGIN_DECLS

/* Only for f_array/df_array against f/df (the same numbers by another
 * path), not for derivatives. */
#define BP_PLUGIN_CHECK_RTOL 1e-4
#define BP_PLUGIN_CHECK_ATOL 1e-7

/* Checks every feature of `desc` with its default parameters; the first
 * failure sets a BP_PLUGIN_ERROR_NUMERIC error that names the plugin, the
 * feature, the worst point and both values:
 *
 *   plugin “wrong_derivative”: activation “wrong_swish”: f′(-1.84562) =
 *   0.136388 but the central difference gives -0.0810011 (off by 0.22,
 *   3.2e+12 × its noise floor 6.9e-14)
 *
 * (vector activations and costs also name n, the whole z or a, and g or y).
 *
 * `desc` must have passed bp_registry_validate_plugin (its fields are not
 * checked again).  A cost's output activation is looked up in `desc` first,
 * then in the default registry. */
gboolean bp_plugin_check_numeric    (const BpPluginDesc     *desc,
                                     GError                **error);

/* Element-wise: f and df at the points above; f and df finite everywhere
 * there; f_array/df_array, if set, agree with f/df.  Vector: vec_vjp
 * against differences of gᵀ·vec_forward for random z and g, and both
 * finite for inputs up to ±1000.  `params` NULL: the defaults. */
gboolean bp_plugin_check_activation (const BpActivationDesc *act,
                                     const double           *params,
                                     GError                **error);

/* grad_a against differences of `value` at the points above; for a cost
 * that names an output activation, through that activation (a = f(z);
 * targets summing to 1 for a vector activation), and grad_z too.  Where a
 * is in (0.05, 0.95), l and the gradients must be finite; elsewhere a
 * non-finite l is taken as outside the cost's domain and the point is
 * skipped.  `output_activation` NULL: looked up in the default registry. */
gboolean bp_plugin_check_cost       (const BpCostDesc       *cost,
                                     const double           *params,
                                     const BpActivationDesc *output_activation,
                                     GError                **error);

/* 300 steps on f(p) = ½ Σ cᵢ pᵢ² (four parameters, distinct cᵢ) from p = 1:
 * p and the state stay finite and f ends lower than it started.  `hyper`
 * NULL: the defaults. */
gboolean bp_plugin_check_optimizer  (const BpOptimizerDesc  *opt,
                                     const double           *hyper,
                                     GError                **error);

/* For tests and development: moves every jittered point (0, the default,
 * is what the loader uses).  Not thread-safe; set it before checking. */
void     bp_plugin_check_set_jitter_salt (guint64 salt);

G_END_DECLS
