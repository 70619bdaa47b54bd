/* bp-trainer-online.h — the trainer's fused online step (internal).
 *
 * With one sample a step (B = 1), plain SGD or SGD with momentum, and no
 * trace kept for display, a step was mostly passes over the parameters:
 * zero ∂C/∂params, write them, check them, back the parameters up, read
 * both again for the update, check the parameters.  The fused step goes
 * backward once, layer by layer, and in the same sweep over W(n) computes
 * ∂C/∂a(n−1) from the old W(n) and updates W(n) and b(n).  The undo on a
 * NaN stays: for SGD, bounds from the forward pass show before anything
 * is written that nothing can overflow; otherwise the sweep saves the old
 * values and checks the new ones (bp-trainer-online.c says how).
 *
 * Every value is computed with the same operations in the same order as
 * the general step (bp_network_gradients, then bp_optimizer_step), so the
 * parameters, z, a and δ come out bit for bit the same.  net->grads is not
 * written (with the trace not kept nothing reads it).
 */
#pragma once

#include "bp-network.h"
#include "bp-optimizer.h"

G_BEGIN_DECLS

/* TRUE when bp_train_online_step can take the next step on a batch of B
 * samples: B = 1, `trace` not kept, the optimizer the built-in "sgd" or
 * "momentum", and every layer a dense one (a chain). */
gboolean bp_train_online_applies (const BpNetwork   *net,
                                  const BpOptimizer *opt,
                                  const BpTrace     *trace,
                                  gsize              B);

/* One step on the sample (x, y): forward, cost, then the fused backward
 * and update.  `backup` holds bp_train_state_size doubles; it receives the
 * state before the step.  On TRUE every value was finite and the step is
 * taken.  On FALSE some value was not finite (or may not have been): the
 * network and the optimizer are restored as they were before the step and
 * the caller takes the step again the general way, which finds and names
 * the value, or, if every value the general step checks is finite, takes
 * it with the same result. */
gboolean bp_train_online_step    (BpNetwork         *net,
                                  BpOptimizer       *opt,
                                  BpTrace           *trace,
                                  const double      *x,
                                  const double      *y,
                                  double            *backup);

G_END_DECLS
