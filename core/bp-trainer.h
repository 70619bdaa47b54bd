/* bp-trainer.h — mini-batch training with everything kept for display.
 *
 * Each step: zero the gradients, forward, backward, check that the loss and
 * every gradient are finite, optimizer step, check the parameters.  If
 * anything is NaN or Inf the step is undone (parameters and optimizer state
 * as before it) and the error names the layer and unit.
 */
#pragma once

#include "bp-network.h"
#include "bp-optimizer.h"
#include "bp-dataset.h"

G_BEGIN_DECLS

#define BP_TRAIN_ERROR (bp_train_error_quark ())
GQuark bp_train_error_quark (void);

typedef enum
{
  BP_TRAIN_ERROR_SHAPE,     /* dataset widths do not match the network */
  BP_TRAIN_ERROR_NUMERIC,   /* NaN/Inf: names layer and unit */
  BP_TRAIN_ERROR_EMPTY,     /* no training rows */
} BpTrainError;

typedef struct
{
  gsize    batch_size;   /* ≥ 1; larger than the set means full batch */
  gboolean shuffle;      /* reshuffle every epoch from the seed */
  guint64  seed;
  gboolean keep_trace;   /* keep ∂C/∂a of every layer (the app wants it) */
} BpTrainConfig;

typedef struct
{
  guint  epoch;          /* 1-based */
  guint64 step;          /* optimizer steps so far */
  double train_loss;     /* mean per-sample loss over the training set */
  double train_accuracy; /* NaN for regression */
  double test_loss;      /* NaN when there is no test set */
  double test_accuracy;
} BpEpochStats;

struct _BpTrainer
{
  BpNetwork       *net;        /* borrowed */
  BpOptimizer     *opt;        /* borrowed */
  const BpDataset *train;      /* borrowed */
  const BpDataset *test;       /* borrowed, may be NULL */
  BpTrainConfig    config;
  BpTrace         *trace;      /* of the last step */
  BpRng            rng;
  gsize           *order;      /* shuffled row indices */
  gsize            cursor;     /* next row in order */
  guint            epoch;      /* epochs completed */
  guint64          steps;
  double          *xb, *yb;    /* the current mini-batch */
  double          *backup;     /* params + optimizer state before a step */
  GArray          *history;    /* BpEpochStats per epoch */
  /* ‖∂C/∂W(n)‖ per layer, n_layers doubles per record; one record every
   * grad_norm_stride steps (step numbers stride, 2·stride, …).  When it
   * reaches BP_GRAD_NORM_MAX_RECORDS records every other one is dropped and
   * the stride doubles, so a run of any length stays in bounded memory. */
  GArray          *grad_norms;
  guint64          grad_norm_stride;
};

#define BP_GRAD_NORM_MAX_RECORDS 4096

BpTrainer *bp_trainer_new           (BpNetwork           *net,
                                     BpOptimizer         *opt,
                                     const BpDataset     *train,
                                     const BpDataset     *test,
                                     const BpTrainConfig *config,
                                     GError             **error);
void       bp_trainer_free          (BpTrainer *trainer);

/* One mini-batch step.  On FALSE the network is as before the step. */
gboolean   bp_trainer_step          (BpTrainer *trainer,
                                     GError   **error);
/* Steps through the rest of the current epoch, then evaluates and appends
 * a BpEpochStats.  `progress` (may be NULL) is called after each step with
 * the fraction of the epoch done. */
gboolean   bp_trainer_run_epoch     (BpTrainer *trainer,
                                     void     (*progress) (double fraction, gpointer data),
                                     gpointer   data,
                                     GError   **error);
/* Mean per-sample loss and accuracy of the network on a dataset. */
void       bp_evaluate              (const BpNetwork *net,
                                     const BpDataset *ds,
                                     double          *loss,
                                     double          *accuracy);

const BpEpochStats *bp_trainer_last_epoch (const BpTrainer *trainer);

/* Full-batch steps on a fixed batch (a model's worked example). */
gboolean   bp_train_steps_on_batch  (BpNetwork    *net,
                                     BpOptimizer  *opt,
                                     const double *x,
                                     const double *y,
                                     gsize         B,
                                     guint64       n_steps,
                                     GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BpTrainer, bp_trainer_free)

G_END_DECLS
