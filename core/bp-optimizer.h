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
 *
 * A learning-rate schedule (bp-schedule.h) is stepped once after every
 * optimizer step.  hyper's "lr" stays the base rate (the file's "lr", torch's
 * initial_lr); the rate a step uses is bp_optimizer_lr's, a function of the
 * schedule and of the steps taken since it was set (t − schedule_t0), and
 * is put in hyper for the length of the step, so plugin optimizers read it
 * as they read a constant rate.  Restoring t (bp_train_state_restore)
 * therefore restores the rate too.
 */
#pragma once

#include "bp-types.h"
#include "bp-schedule.h"

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
  BpSchedule             schedule;
  guint64                schedule_t0;  /* t when the schedule was set */
  /* Cache of bp_optimizer_lr: the rate at schedule step lr_n. */
  gboolean               lr_valid;
  guint64                lr_n;
  double                 lr;
};

/* `reg` NULL means the default registry. */
BpOptimizer *bp_optimizer_new               (BpRegistry  *reg,
                                             const char  *id,
                                             gsize        n_params,
                                             GError     **error);
void         bp_optimizer_free              (BpOptimizer *opt);
BpOptimizer *bp_optimizer_copy              (const BpOptimizer *opt);
/* Resizes for a new parameter count and clears the state and t. */
void         bp_optimizer_reset             (BpOptimizer *opt,
                                             gsize        n_params);
/* By name ("lr", "momentum", "alpha", "beta1", "beta2", "eps",
 * "weight_decay"); checks the spec's range. */
gboolean     bp_optimizer_set               (BpOptimizer *opt,
                                             const char  *name,
                                             double       value,
                                             GError     **error);
gboolean     bp_optimizer_get               (const BpOptimizer *opt,
                                             const char        *name,
                                             double            *value);
/* One step: p is updated in place from g (both n_params long). */
void         bp_optimizer_step              (BpOptimizer  *opt,
                                             double       *p,
                                             const double *g);
/* Sets the schedule (a copy of s, checked as bp_schedule_set checks) and
 * starts it: the next step is its step 0, as a torch scheduler made now. */
gboolean     bp_optimizer_set_schedule      (BpOptimizer      *opt,
                                             const BpSchedule *s,
                                             GError          **error);
/* The learning rate the next step uses: the base "lr" under the schedule
 * after t − schedule_t0 steps.  Cached; from step 0 again only when t went
 * back. */
double       bp_optimizer_lr                (BpOptimizer *opt);
/* The same, for a const optimizer: the cache is not updated. */
double       bp_optimizer_peek_lr           (const BpOptimizer *opt);
/* The rate the last step took (t ≥ 1; at t = 0, the first step's). */
double       bp_optimizer_last_lr           (const BpOptimizer *opt);
/* The schedule's step count, torch's last_epoch: t − schedule_t0. */
guint64      bp_optimizer_schedule_step     (const BpOptimizer *opt);
/* Puts the schedule at step n with rate lr (a saved run): t must be ≥ n. */
void         bp_optimizer_restore_schedule  (BpOptimizer *opt,
                                             guint64      n,
                                             double       lr);
/* State array i (per_param × n_params doubles). */
double      *bp_optimizer_state             (const BpOptimizer *opt,
                                             gsize              i);
gsize        bp_optimizer_state_size        (const BpOptimizer *opt);

/* What the optimizer holds for one parameter, and what its next step
 * does to it (bp_optimizer_explain).  Strings belong to the optimizer's
 * descriptor (static in the host or the plugin). */
typedef struct
{
  gsize                  i;           /* the parameter's index */
  guint64                t;           /* the step explained (t + 1 of the optimizer) */
  double                 lr;          /* the rate of that step (the schedule's) */
  double                 l2;          /* coupled weight-decay gradient λ·p, or 0 */
  /* The state arrays' values for parameter i before the step, named by
   * desc->state_specs (per_param == 1 arrays; NaN for the others). */
  gsize                  n_slots;
  const char            *slot_names[BP_OPTIMIZER_EXPLAIN_MAX];
  const char            *slot_descriptions[BP_OPTIMIZER_EXPLAIN_MAX];
  double                 slots[BP_OPTIMIZER_EXPLAIN_MAX];
  /* From desc->explain; all zero (no derived values, no terms) when the
   * optimizer has none (a plugin built for ABI 1.0). */
  gboolean               has_terms;
  BpOptimizerExplanation ex;
  double                 sum;         /* Σ ex.terms[].value: the update */
} BpOptimizerStepView;

/* Fills *view for parameter i of p (opt->n_params long) with gradient
 * g[i], as the next bp_optimizer_step (opt, p, g) would see it: the
 * scheduled rate, the host's L2 term, `init` before the first step.  Does
 * not change opt.  Returns view->has_terms. */
gboolean     bp_optimizer_explain           (const BpOptimizer   *opt,
                                             const double        *p,
                                             const double        *g,
                                             gsize                i,
                                             BpOptimizerStepView *view);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BpOptimizer, bp_optimizer_free)

G_END_DECLS
