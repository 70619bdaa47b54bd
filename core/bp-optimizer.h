/* bp-optimizer.h — an optimizer instance: a registered BpOptimizerDesc, its
 * hyperparameter values, its per-parameter state and the step count.
 *
 * Built-in conventions (the same as PyTorch's, so a torch run agrees):
 *   sgd       p −= lr·g
 *   momentum  v = μ·v + g;  p −= lr·v                     (v starts at 0)
 *   rmsprop   v = α·v + (1−α)·g²;  p −= lr·g / (√v + ε)   (v starts at 0)
 *   adam      m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²;
 *             p −= lr·(m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + ε)
 * Weight decay (L2) adds weight_decay·p to g before the step, for every
 * parameter (biases too, as torch.optim does), unless the optimizer lists a
 * "weight_decay" hyperparameter itself (decoupled decay).
 */
#pragma once

#include "bp-types.h"

G_BEGIN_DECLS

struct _BpOptimizer
{
  const BpOptimizerDesc *desc;
  char                  *id;
  double                *hyper;        /* desc->n_hyper values */
  double                 weight_decay; /* host-side L2, see above */
  gsize                  n_params;
  double                *state;        /* all state arrays, contiguous */
  double               **state_views;  /* desc->n_state pointers into state */
  guint64                t;            /* steps taken */
  double                *scratch;      /* g + weight_decay·p */
};

/* `reg` NULL means the default registry. */
BpOptimizer *bp_optimizer_new          (BpRegistry  *reg,
                                        const char  *id,
                                        gsize        n_params,
                                        GError     **error);
void         bp_optimizer_free         (BpOptimizer *opt);
BpOptimizer *bp_optimizer_copy         (const BpOptimizer *opt);
/* Resizes for a new parameter count and clears the state and t. */
void         bp_optimizer_reset        (BpOptimizer *opt,
                                        gsize        n_params);
/* By name ("lr", "momentum", "alpha", "beta1", "beta2", "eps",
 * "weight_decay"); checks the spec's range. */
gboolean     bp_optimizer_set          (BpOptimizer *opt,
                                        const char  *name,
                                        double       value,
                                        GError     **error);
gboolean     bp_optimizer_get          (const BpOptimizer *opt,
                                        const char        *name,
                                        double            *value);
/* One step: p is updated in place from g (both n_params long). */
void         bp_optimizer_step         (BpOptimizer  *opt,
                                        double       *p,
                                        const double *g);
/* State array i (per_param × n_params doubles). */
double      *bp_optimizer_state        (const BpOptimizer *opt,
                                        gsize              i);
gsize        bp_optimizer_state_size   (const BpOptimizer *opt);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BpOptimizer, bp_optimizer_free)

G_END_DECLS
