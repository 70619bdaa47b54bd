/* bp-diagnostics.h — facts about a network that the app shows and the CLI
 * reports: which units are saturated or dead after a forward pass.
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
void            bp_diag_unit_derivatives (const BpNetwork  *net,
                                          const BpTrace    *trace,
                                          gsize             layer,
                                          gsize             s,
                                          double           *deriv);
/* Is unit `unit` of layer `layer` dead over the whole batch of the trace:
 * z ≤ 0 and σ′ = 0 for every sample?  Always FALSE for vector activations. */
gboolean        bp_diag_unit_dead        (const BpNetwork  *net,
                                          const BpTrace    *trace,
                                          gsize             layer,
                                          gsize             unit);
/* The state of every unit of layer `layer` for sample s, into `states`
 * (out values, caller-owned), and their σ′ into `deriv` (out values,
 * caller-owned; may be NULL) as bp_diag_unit_derivatives computes them.
 * Dead comes first: a dead unit is not also called saturated. */
void            bp_diag_unit_states      (const BpNetwork  *net,
                                          const BpTrace    *trace,
                                          gsize             layer,
                                          gsize             s,
                                          double           *deriv,
                                          BpDiagUnitState  *states);

G_END_DECLS
