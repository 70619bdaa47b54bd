/* bp-plugin-check.h — the numeric check a plugin passes before it is
 * registered: every derivative it provides against central differences of
 * the function it belongs to, and every optimizer on a small quadratic.
 *
 * The loader runs it in the scanner child (a plugin that loops or crashes
 * here takes down only that child); the UI and the tests may call it
 * directly on a descriptor they trust not to hang.
 *
 * Tolerance.  A derivative d and its central difference c agree when
 *
 *   |d − c| ≤ max (1e−4 · max (|d|, |c|), 1e−7)
 *
 * that is a relative error of 1e−4 with an absolute floor of 1e−7.  The
 * differences use h = 1e−5 · max (1, √|z|); their own error is the
 * truncation h²·f‴/6 ≈ 1e−10 plus the rounding ε·|f|/h ≈ 1e−11·|f|, far below
 * the tolerance for honest code, while any wrong formula is off by far more.
 * The floor keeps derivatives that are almost zero (saturated tails) from
 * failing on rounding alone.
 *
 * Points where f is not smooth (a kink like relu's at 0, or a jump) are
 * skipped, not failed: there the one-sided differences disagree, or the
 * differences with h and h/8 disagree.  At least half the points of the grid
 * must be smooth, or the check fails (there would be nothing left to check).
 */
#pragma once

#include "bp-types.h"

G_BEGIN_DECLS

#define BP_PLUGIN_CHECK_RTOL 1e-4
#define BP_PLUGIN_CHECK_ATOL 1e-7

/* Checks every feature of `desc` with its default parameters; the first
 * failure sets a BP_PLUGIN_ERROR_NUMERIC error that names the plugin, the
 * feature, the worst point and both values:
 *
 *   plugin “bp-swish”: activation “swish”: f′(2.5) = 0.91 but the central
 *   difference gives 1.08862 (relative error 0.16)
 *
 * `desc` must have passed bp_registry_validate_plugin (its fields are not
 * checked again).  A cost's output activation is looked up in `desc` first,
 * then in the default registry. */
gboolean bp_plugin_check_numeric    (const BpPluginDesc     *desc,
                                     GError                **error);

/* Element-wise: f and df on z ∈ [−40, 40] (step 1/4) and ±100, ±1000; f and
 * df finite everywhere there; f_array/df_array, if set, agree with f/df.
 * Vector: vec_vjp against differences of gᵀ·vec_forward for random z and g,
 * and both finite for inputs up to ±1000.  `params` NULL: the defaults. */
gboolean bp_plugin_check_activation (const BpActivationDesc *act,
                                     const double           *params,
                                     GError                **error);

/* grad_a against differences of `value` at random a, y in (0.05, 0.95); for
 * a cost that names an output activation, through that activation (z
 * random, a = f(z); targets summing to 1 for a vector activation), and
 * grad_z too.  `output_activation` NULL: looked up in the default registry. */
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

G_END_DECLS
