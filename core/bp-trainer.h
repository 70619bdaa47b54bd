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
  BP_TRAIN_ERROR_PROGRESS,  /* saved progress that does not fit this run */
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
  double lr;             /* the rate the next step takes (bp_optimizer_lr); NaN: not recorded */
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
  /* BpEpochStats of every stride-th epoch and the latest, at most
   * BP_EPOCH_HISTORY_MAX_RECORDS of them (bp_epoch_history_append). */
  GArray          *history;
  /* ‖∂C/∂W(n)‖ per layer, n_layers doubles per record; one record every
   * grad_norm_stride steps (step numbers stride, 2·stride, …).  When it
   * reaches BP_GRAD_NORM_MAX_RECORDS records every other one is dropped and
   * the stride doubles, so a run of any length stays in bounded memory. */
  GArray          *grad_norms;
  guint64          grad_norm_stride;
  /* Why the last step failed (kind NONE when it did not). */
  BpTrainFault     fault;
};

#define BP_GRAD_NORM_MAX_RECORDS 4096
#define BP_EPOCH_HISTORY_MAX_RECORDS 4096

BpTrainer *bp_trainer_new           (BpNetwork           *net,
                                     BpOptimizer         *opt,
                                     const BpDataset     *train,
                                     const BpDataset     *test,
                                     const BpTrainConfig *config,
                                     GError             **error);
void       bp_trainer_free          (BpTrainer *trainer);

/* One mini-batch step.  On FALSE the network and the optimizer are as
 * before the step; for NaN/Inf the error is BP_TRAIN_ERROR_NUMERIC with
 * bp_train_fault_message's text and bp_trainer_get_fault says where. */
gboolean   bp_trainer_step          (BpTrainer *trainer,
                                     GError   **error);
/* The last step finished the epoch (the next one starts a new one). */
gboolean   bp_trainer_epoch_done    (const BpTrainer *trainer);
/* Counts the epoch as completed, evaluates the network on the training and
 * test sets and appends the BpEpochStats to the trainer's history; a copy
 * in *stats (may be NULL).  bp_trainer_run_epoch calls it at the end of its
 * epoch; a caller that steps on its own calls it when
 * bp_trainer_epoch_done. */
void       bp_trainer_finish_epoch  (BpTrainer    *trainer,
                                     BpEpochStats *stats);
/* After a step: the training-set row of sample s of its batch. */
gsize      bp_trainer_last_row      (const BpTrainer *trainer,
                                     gsize            s);
/* After a step: sample s of its batch as a trace of its own (capacity 1:
 * the sample's values, the batch's loss and gradient norms).  Free with
 * bp_trace_free. */
BpTrace   *bp_trainer_copy_sample   (const BpTrainer *trainer,
                                     gsize            s);
/* TRUE when the last step failed on a value that was not finite, with the
 * fault (step and training-set row filled in) in *fault (may be NULL);
 * FALSE (kind NONE) after a step that went well or before any. */
gboolean   bp_trainer_get_fault     (const BpTrainer *trainer,
                                     BpTrainFault    *fault);
/* The sentences a student reads: what happened, what was kept, what to
 * do, e.g. "Training stopped at step 6: ∂C/∂W(2)[3,1] is NaN after the
 * backward pass (layer 2, unit 3). The weights are as they were before
 * this step. Is the learning rate too large? Lower it, and reset the
 * weights if they have grown too large." (the step once; values as "NaN",
 * "+Inf", "−Inf").  Free with g_free. */
char      *bp_train_fault_message   (const BpTrainFault *fault);
/* After `opt`'s update step made a parameter non-finite (a PARAM_W or
 * PARAM_B fault; the gradients and weights it started from were finite):
 * notes the optimizer, and the plugin that provides it, so that the
 * message blames the update step of that plugin rather than the learning
 * rate.  The provider is looked up in the default registry; a descriptor
 * not registered there counts as unknown (NULL plugin). */
void       bp_train_fault_blame_update (BpTrainFault      *fault,
                                        const BpOptimizer *opt);
/* Steps through the rest of the current epoch, then evaluates and appends
 * a BpEpochStats (bp_trainer_finish_epoch).  `progress` (may be NULL) is called after each step with
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

/* Appends `stats` to an array of BpEpochStats kept bounded: it then holds
 * the epochs that are multiples of a stride (the smallest power of two
 * that fits them) and the latest, at most BP_EPOCH_HISTORY_MAX_RECORDS.
 * The latest is always last.  (The trainer's and the app's histories.) */
void       bp_epoch_history_append  (GArray             *history,
                                     const BpEpochStats *stats);

/* ------------------------------------------------------------ batch order
 * How BpTrainer draws its mini-batches, for a caller that draws the same
 * ones (the app's step mode): an order of the rows, walked batch by batch,
 * reshuffled in place at the end of each epoch. */

/* The generator seeded from `seed`, order = 0 … n_rows − 1, shuffled once
 * when `shuffle` (as bp_trainer_new begins). */
void       bp_train_order_init      (BpRng    *rng,
                                     gsize    *order,
                                     gsize     n_rows,
                                     guint64   seed,
                                     gboolean  shuffle);
/* Where the next batch starts: at the end of the order (*cursor ≥ n_rows)
 * the next epoch begins (*cursor = 0, the order reshuffled when
 * `shuffle`).  Returns the batch's size, batch_size or what is left of
 * the epoch (no row is dropped); its rows are order[*cursor …].  The
 * cursor is not advanced: the caller does, once it has taken the batch. */
gsize      bp_train_order_next      (BpRng    *rng,
                                     gsize    *order,
                                     gsize     n_rows,
                                     gsize    *cursor,
                                     gsize     batch_size,
                                     gboolean  shuffle);

/* ------------------------------------------------------------ checked steps
 * The halves of one training step, for a caller that stops between them
 * (the app's step mode shows the backward pass before the update);
 * bp_trainer_step and bp_train_steps_on_batch run them back to back.
 *
 * The state a step changes is the parameters and the optimizer's state
 * and step count: bp_train_state_size doubles (parameters first), and t. */
gsize      bp_train_state_size      (const BpNetwork   *net,
                                     const BpOptimizer *opt);
void       bp_train_state_save      (const BpNetwork   *net,
                                     const BpOptimizer *opt,
                                     double            *state,
                                     guint64           *t);
void       bp_train_state_restore   (BpNetwork         *net,
                                     BpOptimizer       *opt,
                                     const double      *state,
                                     guint64            t);
/* Zero ∂C/∂params, forward and backward of the batch (x, y) of B samples
 * (bp_network_gradients), then check the loss and every gradient: FALSE
 * with *fault at the first value that is not finite (its step and row not
 * set; the caller knows them), and batch norm's running statistics put
 * back as they were before this forward. */
gboolean   bp_train_gradients_checked (BpNetwork    *net,
                                       BpTrace      *trace,
                                       const double *x,
                                       const double *y,
                                       gsize         B,
                                       BpTrainFault *fault);
/* The optimizer's update from net->grads, then check the parameters: on
 * FALSE the network and the optimizer are restored from `before` and
 * t_before (as bp_train_state_save left them before the update) and *fault
 * names the parameter, the update blamed (bp_train_fault_blame_update; its
 * step and row not set). */
gboolean   bp_train_update_checked  (BpNetwork    *net,
                                     BpOptimizer  *opt,
                                     const double *before,
                                     guint64       t_before,
                                     BpTrainFault *fault);
/* Sets *error (when error is not NULL) to BP_TRAIN_ERROR_NUMERIC with
 * bp_train_fault_message's text. */
void       bp_train_fault_set_error (const BpTrainFault  *fault,
                                     GError             **error);

/* Full-batch steps on a fixed batch (a model's worked example). */
gboolean   bp_train_steps_on_batch  (BpNetwork    *net,
                                     BpOptimizer  *opt,
                                     const double *x,
                                     const double *y,
                                     gsize         B,
                                     guint64       n_steps,
                                     GError      **error);
/* The same, recording ‖∂C/∂W(n)‖ as BpTrainer does (BpTrainer.grad_norms):
 * net->n_layers values per record appended to `grad_norms` (caller-owned,
 * of doubles; may be NULL: none recorded) every *grad_norm_stride steps
 * (≥ 1, a power of two; doubled, and the records thinned, at
 * BP_GRAD_NORM_MAX_RECORDS).  Recording costs a copy per step: the norms
 * are computed by every backward pass anyway. */
gboolean   bp_train_steps_on_batch_recorded (BpNetwork    *net,
                                             BpOptimizer  *opt,
                                             const double *x,
                                             const double *y,
                                             gsize         B,
                                             guint64       n_steps,
                                             GArray       *grad_norms,
                                             guint64      *grad_norm_stride,
                                             GError      **error);

/* --------------------------------------------------------------- progress
 * Where a run stands, so that a saved experiment goes on exactly where it
 * was: a trainer that imports the progress another exported, over the same
 * network, optimizer (state and t), training rows and batch size, takes the
 * same steps, bit for bit, as the trainer that exported it would have.  The
 * parameters and the optimizer are not part of it: they are the model's
 * (bp-model.h saves both, and this as "progress").
 *
 * The order is kept whole rather than regenerated: each epoch reshuffles the
 * previous order in place, so regenerating it would mean replaying every
 * shuffle since step 0.  The epoch history and the gradient-norm records
 * belong to it because the app plots them, and the plot finds a record's
 * step from its index and the stride.
 */
typedef struct
{
  BpRng    rng;               /* the trainer's generator (used only to shuffle) */
  guint    epoch;             /* epochs completed */
  guint64  steps;             /* steps taken */
  gsize    n_rows;            /* training rows of the run, ≥ 1 */
  gsize    cursor;            /* next position in order, 0 … n_rows */
  gsize   *order;             /* n_rows row indices, a permutation (owned) */
  GArray  *history;           /* BpEpochStats; at most `epoch` of them (owned) */
  gsize    grad_norm_layers;  /* doubles per gradient-norm record */
  guint64  grad_norm_stride;  /* a power of two */
  GArray  *grad_norms;        /* doubles, grad_norm_layers per record (owned) */
} BpTrainProgress;

/* A copy of the trainer's progress; free with bp_train_progress_free. */
BpTrainProgress *bp_trainer_export_progress (const BpTrainer       *trainer);
/* Continues from `progress`: checks it (bp_train_progress_check), that it is
 * over as many rows as the trainer's training set and that its gradient-norm
 * records have one value per layer of the network; on FALSE
 * (BP_TRAIN_ERROR_PROGRESS) the trainer is unchanged.  The trainer's
 * configuration (batch size, shuffle) is its own, not the progress's. */
gboolean         bp_trainer_import_progress (BpTrainer             *trainer,
                                             const BpTrainProgress *progress,
                                             GError               **error);

/* A progress at step 0 over n_rows rows in their natural order, its
 * generator seeded as bp_trainer_new seeds it (but not shuffled yet). */
BpTrainProgress *bp_train_progress_new      (gsize                  n_rows,
                                             guint64                seed);
BpTrainProgress *bp_train_progress_copy     (const BpTrainProgress *progress);
void             bp_train_progress_free     (BpTrainProgress       *progress);
/* Every field the same, doubles bit for bit (NaN of any payload matches NaN). */
gboolean         bp_train_progress_equal    (const BpTrainProgress *a,
                                             const BpTrainProgress *b);
/* Consistent in itself: n_rows ≥ 1, cursor ≤ n_rows, the order a
 * permutation of 0 … n_rows − 1, the generator not all zero, the stride a
 * power of two, no more than BP_GRAD_NORM_MAX_RECORDS records, the last
 * record at a step ≤ steps, at most `epoch` history entries. */
gboolean         bp_train_progress_check    (const BpTrainProgress *progress,
                                             GError               **error);
/* Memory it holds, in bytes (for undo budgets). */
gsize            bp_train_progress_size     (const BpTrainProgress *progress);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BpTrainer, bp_trainer_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BpTrainProgress, bp_train_progress_free)

G_END_DECLS
