/* bp-compare.h — two training runs in lockstep: the same training rows and
 * the same mini-batches at every step, for comparing two models that differ
 * in one thing (an activation, the optimizer, the rate, the initialisation).
 *
 * The order of the rows is drawn once, from A's seed, and B is fed that
 * same order: B's trainer takes A's order and generator (and so A's
 * reshuffles at every epoch), whatever B's own seed.  Every step then checks
 * that both were given the same rows, so a lockstep that broke would be an
 * error, not a quietly different comparison.
 *
 * Used by `backprop compare` (app/backprop-compare.c); nothing here prints.
 */
#pragma once

#include "bp-model.h"
#include "bp-trainer.h"

G_BEGIN_DECLS

#define BP_COMPARE_ERROR (bp_compare_error_quark ())
GQuark bp_compare_error_quark (void);

typedef enum
{
  BP_COMPARE_ERROR_DATA,      /* the two models name different datasets */
  BP_COMPARE_ERROR_WIDTH,     /* input or output widths differ */
  BP_COMPARE_ERROR_LOCKSTEP,  /* the two runs were given different rows */
} BpCompareError;

typedef struct
{
  BpTrainer *a;               /* owned; over A's network and optimizer */
  BpTrainer *b;               /* owned; over B's, fed A's order */
  gboolean   layers_matched;  /* same layer count and each layer's in × out */
} BpCompare;

/* FALSE (BP_COMPARE_ERROR_DATA or _WIDTH) with a message saying what
 * differs when A and B cannot be trained on the same rows: their input or
 * output widths, or — unless `data_overridden` (one dataset given for
 * both) — their dataset, its rows, noise or test fraction. */
gboolean   bp_compare_check_data     (const BpModel *a,
                                      const BpModel *b,
                                      gboolean       data_overridden,
                                      GError       **error);
/* What differs between A and B among the settings a comparison is about,
 * e.g. "activation of layer 2: tanh → relu; optimizer: sgd → adam; lr: 0.1
 * → 0.001", in the order: activation per layer (or the layer shapes),
 * cost, optimizer, lr, its other hyper-parameters, schedule, init, seed,
 * weights (W and b as loaded).  NULL when none of these differ.  Free
 * with g_free. */
char      *bp_compare_describe_differences (const BpModel *a,
                                            const BpModel *b);
/* Same number of layers, each of the same type and in × out: ‖∂C/∂W(n)‖
 * of A and B are then of the same quantity. */
gboolean   bp_compare_layers_match   (const BpNetwork *a,
                                      const BpNetwork *b);
/* Two trainers over `train` (and `test`, may be NULL) with `config`; B
 * gets A's row order and generator.  The networks, optimizers and datasets
 * are borrowed and must outlive the comparison.  NULL with the trainer's
 * error (prefixed "A: " or "B: ").  Free with bp_compare_free. */
BpCompare *bp_compare_new            (BpNetwork           *net_a,
                                      BpOptimizer         *opt_a,
                                      BpNetwork           *net_b,
                                      BpOptimizer         *opt_b,
                                      const BpDataset     *train,
                                      const BpDataset     *test,
                                      const BpTrainConfig *config,
                                      GError             **error);
void       bp_compare_free           (BpCompare *cmp);
/* One step of each on the same mini-batch, A first.  FALSE when either
 * failed (its error prefixed "A: " or "B: "; a NaN undoes that run's step
 * as bp_trainer_step does) or when the two were given different rows
 * (BP_COMPARE_ERROR_LOCKSTEP, which is a bug). */
gboolean   bp_compare_step           (BpCompare *cmp,
                                      GError   **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BpCompare, bp_compare_free)

G_END_DECLS
