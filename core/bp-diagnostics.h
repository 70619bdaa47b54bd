/* bp-diagnostics.h — facts about a network that the app shows and the CLI
 * reports: which units are saturated or dead after a forward pass, and
 * which layers' gradients vanish or explode during training.
 *
 * They live here, not in the drawing code, so that the canvas and
 * `backprop` reach the same verdict by calling the same function.  Plain
 * data in, plain data out; every buffer is the caller's.
 */
#pragma once

#include "bp-network.h"

G_BEGIN_DECLS

/* ------------------------------------------------------------- unit state */

typedef enum
{
  BP_DIAG_UNIT_OK,
  BP_DIAG_UNIT_SATURATED,  /* |σ′(z)| < BP_DIAG_SATURATION_LEVEL for this
                            * sample (and not dead): almost no gradient
                            * flows back through the unit */
  BP_DIAG_UNIT_DEAD,       /* z ≤ 0 and σ′(z) = 0 for every sample of the
                            * trace (element-wise activations only): none
                            * flows back through it at all */
} BpDiagUnitState;

/* Below this |σ′(z)| a unit passes back less than 1 % of ∂C/∂a: the
 * flat tails of sigmoid and tanh, where learning stalls. */
#define BP_DIAG_SATURATION_LEVEL 0.01
/* σ′ of a vector activation (softmax) is the diagonal of ∂a/∂z, which
 * costs one vector-Jacobian product per unit, O(n²) per layer and sample:
 * wider layers get NaN (never saturated) rather than stall a frame. */
#define BP_DIAG_JACOBIAN_MAX_UNITS 256

/* σ′(z) of every unit of layer `layer` (0-based: the layer of
 * a(layer + 1)) for sample s of the trace's last forward pass, into
 * `deriv` (layer's out values, caller-owned): df(z, a) for element-wise
 * activations, the diagonal of ∂a/∂z for vector ones (NaN when the layer
 * is wider than BP_DIAG_JACOBIAN_MAX_UNITS). */
void            bp_diag_unit_derivatives    (const BpNetwork *net,
                                             const BpTrace   *trace,
                                             gsize            layer,
                                             gsize            s,
                                             double          *deriv);
/* Is unit `unit` of layer `layer` dead over the whole batch of the trace:
 * z ≤ 0 and σ′ = 0 for every sample?  Always FALSE for vector activations. */
gboolean        bp_diag_unit_dead           (const BpNetwork *net,
                                             const BpTrace   *trace,
                                             gsize            layer,
                                             gsize            unit);
/* The state of every unit of layer `layer` for sample s, into `states`
 * (out values, caller-owned), and their σ′ into `deriv` (out values,
 * caller-owned; may be NULL) as bp_diag_unit_derivatives computes them.
 * Dead comes first: a dead unit is not also called saturated. */
void            bp_diag_unit_states         (const BpNetwork *net,
                                             const BpTrace   *trace,
                                             gsize            layer,
                                             gsize            s,
                                             double          *deriv,
                                             BpDiagUnitState *states);

/* -------------------------------------------------------- gradient health
 * A layer's ‖∂C/∂W(n)‖ is judged against the median of the other layers'
 * (of an even count, the geometric mean of the middle two; a single layer
 * is OK unless non-finite): norms are compared in orders of magnitude, and
 * a layer far below the others learns nothing while the rest move on.
 */

typedef enum
{
  BP_DIAG_GRAD_OK,
  BP_DIAG_GRAD_VANISHING,   /* < BP_DIAG_GRAD_VANISH_RATIO × the median of
                             * the other layers, or exactly 0 */
  BP_DIAG_GRAD_EXPLODING,   /* non-finite, or > BP_DIAG_GRAD_EXPLODE_RATIO ×
                             * the median of the other layers */
} BpDiagGradHealth;

/* Three decades either way: well beyond the decade over which single
 * mini-batches scatter a layer's norm, so a flag means the layer is out of
 * step with the others, not unlucky. */
#define BP_DIAG_GRAD_VANISH_RATIO  1e-3
#define BP_DIAG_GRAD_EXPLODE_RATIO 1e3
/* The verdict reads a running average over this fraction (1/25) of the
 * records, in orders of magnitude, so that one noisy batch does not flag a
 * layer. */
#define BP_DIAG_GRAD_SMOOTH_DIVISOR 25

/* What the warnings say the bands mean (the app labels its bands so, and
 * `backprop train` explains its warnings with them).  Marked for
 * translation: show them through _(). */
#define BP_DIAG_GRAD_VANISHING_TEXT N_("vanishing: below 10⁻³ × median of the other layers")
#define BP_DIAG_GRAD_EXPLODING_TEXT N_("exploding: above 10³ × median")

/* How the verdict names a layer in trouble: "zero" is vanishing at exactly
 * 0 (nothing flows back at all: dead units). */
typedef enum
{
  BP_DIAG_GRAD_KIND_ZERO,
  BP_DIAG_GRAD_KIND_VANISHING,
  BP_DIAG_GRAD_KIND_EXPLODING,
  BP_DIAG_GRAD_N_KINDS,
} BpDiagGradKind;

/* Median of the finite values of norms[0 … n − 1] except index `skip`
 * (G_MAXSIZE: none), the geometric mean of the middle two of an even
 * count; NaN if there is none. */
double          bp_diag_grad_median         (const double *norms,
                                             gsize         n,
                                             gsize         skip);
/* Classifies each of n_layers norms against the median of the others.
 * `health` has n_layers entries (caller-owned). */
void            bp_diag_grad_health         (const double     *norms,
                                             gsize             n_layers,
                                             BpDiagGradHealth *health);
/* Every layer's norms averaged in orders of magnitude over the window of
 * MAX (n_records / BP_DIAG_GRAD_SMOOTH_DIVISOR, 1) records up to each one.
 * `norms` and `smooth` (caller-owned) hold n_records × n_layers values,
 * record by record (as BpTrainer.grad_norms).  Records that are not finite
 * and positive are left out; a window of only zeros averages to 0, one of
 * nothing usable to NaN. */
void            bp_diag_grad_smooth         (const double *norms,
                                             gsize         n_records,
                                             gsize         n_layers,
                                             double       *smooth);
/* The verdict the app's gradient plot shows: the latest record of
 * bp_diag_grad_smooth into `latest` (n_layers, caller-owned; may be NULL)
 * and its bp_diag_grad_health into `health` (n_layers, caller-owned).
 * Returns FALSE (and every layer OK) when there is no record. */
gboolean        bp_diag_grad_latest_health  (const double     *norms,
                                             gsize             n_records,
                                             gsize             n_layers,
                                             double           *latest,
                                             BpDiagGradHealth *health);
/* The word for a layer whose health is not OK, from its norm. */
BpDiagGradKind  bp_diag_grad_kind           (double            norm,
                                             BpDiagGradHealth  health);
const char     *bp_diag_grad_kind_to_string (BpDiagGradKind  kind);
/* The one-line warning, grouped by kind: "⚠ W(1), W(2) zero · W(3)
 * exploding" (layers whose health is OK are left out).  NULL when every
 * layer is OK; otherwise free with g_free. */
char           *bp_diag_grad_verdict        (const double           *norms,
                                             const BpDiagGradHealth *health,
                                             gsize                   n_layers);
/* The same naming layer l names[l] ("γ(2)") instead of "W(l + 1)";
 * names NULL: as bp_diag_grad_verdict. */
char           *bp_diag_grad_verdict_named  (const double           *norms,
                                             const BpDiagGradHealth *health,
                                             gsize                   n_layers,
                                             const char *const      *names);

/* ------------------------------------------------ gradient health of a net
 * The same verdict on a whole network's records (n_layers = its n_layers),
 * as the app's gradient plot reaches it: a dropout layer has no parameters,
 * so its record (0) is no norm at all; it is left out of the medians and of
 * the verdict, and every other layer is judged against the rest.
 */

/* How the plot names layer l's norm: "W(3)" for a dense layer (‖∂C/∂W‖),
 * "γ(2)" for a norm layer (‖∂C/∂γ‖); NULL for a dropout layer, which has
 * none.  Free with g_free. */
char           *bp_diag_grad_layer_name     (const BpNetwork  *net,
                                             gsize             l);
/* bp_diag_grad_latest_health over the layers with parameters only:
 * `latest` (net->n_layers, caller-owned; may be NULL) gets NaN and
 * `health` (net->n_layers, caller-owned) OK for a dropout layer.  Returns
 * FALSE (and every layer OK) when there is no record. */
gboolean        bp_diag_grad_net_health     (const BpNetwork  *net,
                                             const double     *norms,
                                             gsize             n_records,
                                             double           *latest,
                                             BpDiagGradHealth *health);
/* bp_diag_grad_verdict_named with bp_diag_grad_layer_name's names: "⚠ γ(2)
 * vanishing"; a dropout layer is never named.  NULL when every layer is
 * OK; otherwise free with g_free. */
char           *bp_diag_grad_net_verdict    (const BpNetwork        *net,
                                             const double           *latest,
                                             const BpDiagGradHealth *health);

G_END_DECLS
