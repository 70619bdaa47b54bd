/* bpv-trainer-thread.h — continuous training on a worker thread.
 *
 * The worker owns copies of the network, the optimizer and the datasets
 * (the caller may change or free its own at once) and runs a BpTrainer on
 * them.  It checks a GCancellable between steps and posts snapshots to the
 * main context of the thread that created it, at most 30 times a second.
 * Snapshots go through a one-slot mailbox: a snapshot the main loop has not taken yet is merged with the next one
 * (the newest parameters win; the records since the last delivery are
 * concatenated), so the main loop is never flooded and nothing is lost.
 *
 * Stopping is asynchronous: bpv_trainer_thread_stop() returns at once; the
 * worker finishes its step and posts a final snapshot (final = TRUE, with
 * the optimizer state) — or one with an error when a step was not finite
 * (the network is as before that step).  The callback is never called
 * after bpv_trainer_thread_detach().
 *
 * GTK-free: GLib, GIO (GCancellable) and the core.
 */
#pragma once

#include <gio/gio.h>

#include "bp-network.h"
#include "bp-optimizer.h"
#include "bp-dataset.h"
#include "bp-record.h"
#include "bp-trainer.h"

G_BEGIN_DECLS

typedef struct
{
  guint64       step;            /* optimizer steps in total (start_step + this run) */
  guint         epoch;           /* epochs completed in total */
  gsize         n_params;
  double       *params;          /* the parameters after `step` */
  double       *grads;           /* ∂C/∂params of the last step's batch */
  BpTrace      *trace;           /* sample 0 of the last step's batch (capacity 1) */
  gsize         row;             /* its row in the training set */
  double        batch_loss;      /* C of the last step's batch */
  /* Per-layer ‖∂C/∂W(n)‖ records since the previous delivery. */
  gsize         n_layers;
  GArray       *norm_steps;      /* guint64: the step of each record */
  GArray       *norms;           /* double: n_layers per record */
  GArray       *epochs;          /* BpEpochStats completed since the previous delivery */
  double        steps_per_second;
  /* The optimizer after `step`: */
  double       *opt_state;       /* bp_optimizer_state_size values */
  gsize         opt_state_size;
  guint64       opt_t;
  /* Only in the final snapshot: */
  gboolean      final;
  BpRecord     *record;          /* the recording handed back (owned), or NULL */
  GError       *error;           /* why training stopped, if not asked to */
  BpTrainFault  fault;           /* for NaN/Inf (kind NONE otherwise): its step
                                  * counts from step 0 like `step`, and the
                                  * error's message says the same */
} BpvTrainSnapshot;

void bpv_train_snapshot_free (BpvTrainSnapshot *snap);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BpvTrainSnapshot, bpv_train_snapshot_free)

/* Called on the creating thread's main context; the snapshot is owned by
 * the callee (free it with bpv_train_snapshot_free). */
typedef void (*BpvTrainSnapshotFunc) (BpvTrainSnapshot *snap,
                                      gpointer          user_data);

typedef struct _BpvTrainerThread BpvTrainerThread;

/* Starts training at once on copies of `net`, `opt`, `train` and `test`
 * (may be NULL).  FALSE/NULL with a BP_TRAIN_ERROR when the trainer cannot
 * be made (shapes, empty set).  `steps_per_second` ≤ 0 means as fast as
 * possible.  `record` (may be NULL) is taken: the worker adds every step to
 * it (bp_record_add_position at the session's step numbers) and hands it
 * back in the final snapshot; it is freed if the thread is detached.  The
 * caller reads it meanwhile only between bpv_trainer_thread_lock_record and
 * _unlock_record; on failure it stays the caller's. */
BpvTrainerThread *bpv_trainer_thread_new       (const BpNetwork      *net,
                                                const BpOptimizer    *opt,
                                                const BpDataset      *train,
                                                const BpDataset      *test,
                                                const BpTrainConfig  *config,
                                                BpRecord             *record,
                                                guint64               start_step,
                                                guint                 start_epoch,
                                                double                steps_per_second,
                                                BpvTrainSnapshotFunc  func,
                                                gpointer              user_data,
                                                GError              **error);
/* Asks the worker to stop; returns at once.  The final snapshot follows. */
void              bpv_trainer_thread_stop      (BpvTrainerThread *self);
/* No more callbacks; the worker stops (if it has not) and frees itself
 * when done.  The handle is invalid afterwards.  Never blocks. */
void              bpv_trainer_thread_detach    (BpvTrainerThread *self);
gboolean          bpv_trainer_thread_is_stopping (BpvTrainerThread *self);

/* The recording the worker adds to, to read on the creating thread (the
 * timeline scrubs it while training goes on): the worker waits before its
 * next add until bpv_trainer_thread_unlock_record, so hold it briefly
 * (within one main-loop iteration) and never across a call that locks it
 * again.  NULL (locked all the same) when the worker has none: it dropped
 * one that no longer fitted, or handed it back in its final snapshot. */
const BpRecord   *bpv_trainer_thread_lock_record   (BpvTrainerThread *self);
void              bpv_trainer_thread_unlock_record (BpvTrainerThread *self);

/* Changeable while running. */
void              bpv_trainer_thread_set_rate  (BpvTrainerThread *self,
                                                double            steps_per_second);

/* For tests: `hook` runs on every training worker after each optimizer
 * step, before the snapshot is posted, with no lock held, so a test can
 * hold a worker mid-run and check that the main loop goes on.  NULL
 * removes it.  Not for the app. */
void bpv_trainer_thread_set_step_hook (void     (*hook) (gpointer data),
                                       gpointer   data);

/* Background work of the process (training workers, heat-map tasks):
 * hold before starting it, release when its thread is done with it.
 * bpv_background_wait_all () blocks until all of it has finished (a
 * worker stops at its next step once stopped or detached); call it before
 * the process exits. */
void bpv_background_hold     (void);
void bpv_background_release  (void);
void bpv_background_wait_all (void);

G_END_DECLS
