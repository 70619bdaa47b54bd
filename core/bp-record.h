/* bp-record.h — a recording of a training run, within a memory budget,
 * from which any kept step can be shown again or trained on from.
 *
 * What is kept
 *
 *   Snapshots.  At a kept step: the parameters, the optimizer's whole state
 *   (its state arrays, t and the learning-rate schedule's step t −
 *   schedule_t0: what `backprop train -o` saves), batch norm's
 *   running statistics, the dropout generator (BpNetwork.rng) and the
 *   trainer's progress (step, epochs completed, the sample order, the
 *   position in it and the shuffling generator).  Restoring a snapshot and
 *   training M more steps gives the bits the run had M steps later.
 *
 *   Statistics of every step, in buckets: the batch loss and ‖∂C/∂W(n)‖ of
 *   each layer (BpTrace.loss and grad_norm after the step), each as min, max
 *   and mean over the bucket's steps, so that a spike survives decimation.
 *
 * The policy: every k steps, k doubling when the budget is full.
 *
 *   A step is kept when it is a multiple of the stride k (1 at first), or is
 *   the first step recorded (usually step 0, the untrained network), or was
 *   asked for with bp_record_add_latest (the end of a run, a pause) — such a
 *   step is dropped when a later one is added, so only the newest is kept
 *   off the grid.  When the snapshots would exceed max_snapshots, k doubles
 *   and the snapshots off the new grid are dropped (the first one stays):
 *   the kept steps always span the whole run, evenly, at most 2k apart.
 *
 *   Statistics go into buckets of w consecutive steps ((i·w, (i+1)·w]);
 *   at BP_RECORD_MAX_BUCKETS buckets neighbours are merged pairwise and w
 *   doubles.
 *
 * The bound.  With P parameters, S optimizer state doubles, R running
 * statistics (2 × the width of each batch-norm layer), N training rows, L
 * layers and a budget of `budget` bytes:
 *
 *   snapshot bytes   s = 8·(P + S + R + N) + BP_RECORD_SNAPSHOT_OVERHEAD
 *   statistics       b = BP_RECORD_MAX_BUCKETS · (32 + 24·(L + 1))
 *   the record       c = sizeof (BpRecord), about 130 bytes
 *   max_snapshots    M = max (3, ⌊(budget − b − c) / s⌋)
 *   memory           ≤ b + M·s + c  (bp_record_bound), which is ≤ budget
 *                    unless the budget cannot hold three snapshots.
 *
 * A step at or before the last recorded one (training resumed from a
 * restored step) forks the run: what was recorded after it is dropped
 * first (a statistics bucket that straddles the fork goes too).
 *
 * Files ("MODEL.bprecord" beside the model): a first line of text
 * "backprop-record/2 H\n", then H bytes of a JSON header (the shapes, the
 * stride, the counts), then the snapshots and buckets as little-endian
 * 64-bit words (IEEE doubles bit for bit, integers unsigned); the layout is
 * in bp-record-file.c.  Version 1 files (before schedules) still load; their
 * snapshots do not know the schedule's step.  Loading checks every count, the exact size, the
 * order of the steps and that each sample order is a permutation: a bad
 * file is an error naming it and the place, never a crash.
 *
 * Implemented in bp-record.c (the policy, restore) and bp-record-file.c
 * (save, load).
 */
#pragma once

#include "bp-network.h"
#include "bp-optimizer.h"
#include "bp-trainer.h"

G_BEGIN_DECLS

#define BP_RECORD_ERROR (bp_record_error_quark ())
GQuark bp_record_error_quark (void);

typedef enum
{
  BP_RECORD_ERROR_IO,        /* cannot read or write the file */
  BP_RECORD_ERROR_FORMAT,    /* not a recording, or a newer version */
  BP_RECORD_ERROR_INVALID,   /* a field or a value out of place: names it */
  BP_RECORD_ERROR_MISMATCH,  /* the network, optimizer or data are not the recorded run's */
} BpRecordError;

/* Statistics buckets at most (a 10⁵-step run keeps every 32nd step's
 * neighbourhood as min/max/mean). */
#define BP_RECORD_MAX_BUCKETS        4096
/* Bytes of a snapshot besides its doubles and its sample order. */
#define BP_RECORD_SNAPSHOT_OVERHEAD  160
/* The app's and the CLI's default budget: 64 MiB. */
#define BP_RECORD_DEFAULT_BUDGET     ((gsize) 64 << 20)

typedef struct _BpRecord BpRecord;

/* One statistics bucket: steps first … last, n of them recorded. */
typedef struct
{
  guint64       first_step;
  guint64       last_step;
  guint64       n;
  double        loss_min, loss_max, loss_mean;
  /* n_layers values each (bp_record_n_layers), owned by the record and
   * valid until it next changes; the mean of layer l is norm_sum[l] / n. */
  const double *norm_min;
  const double *norm_max;
  const double *norm_sum;
} BpRecordStats;

/* An empty recording that will hold at most about `budget` bytes (see the
 * bound above; the shapes are taken from the first bp_record_add).  Free
 * with bp_record_free. */
BpRecord   *bp_record_new            (gsize            budget);
void        bp_record_free           (BpRecord        *rec);
/* A deep copy: the same kept steps, statistics and policy, bit for bit.
 * Free with bp_record_free. */
BpRecord   *bp_record_copy           (const BpRecord  *rec);

/* After each optimizer step (and once before the first, for step 0):
 * records the step's statistics (tr->trace's loss and gradient norms) and,
 * when the step is on the grid, a snapshot.  The step is tr->steps; net
 * and opt are the trainer's.  Cheap when not kept: a few dozen doubles.
 * Adding the same step again only updates its epoch count (call it after
 * bp_trainer_finish_epoch too, so a kept epoch end has the count after
 * it).  FALSE (BP_RECORD_ERROR_MISMATCH) when the network, optimizer or
 * training rows are not shaped as the recorded ones; nothing changes. */
gboolean    bp_record_add            (BpRecord        *rec,
                                      const BpNetwork *net,
                                      const BpOptimizer *opt,
                                      const BpTrainer *tr,
                                      GError         **error);
/* The same, and keeps this step whatever the grid (until a later step is
 * added): call it where a run stops or pauses, so the latest is kept. */
gboolean    bp_record_add_latest     (BpRecord        *rec,
                                      const BpNetwork *net,
                                      const BpOptimizer *opt,
                                      const BpTrainer *tr,
                                      GError         **error);

/* Where a run stands, for a caller that draws its batches itself (the
 * app's step mode, bp_train_order_next) rather than through a BpTrainer;
 * bp_record_add fills one from its trainer. */
typedef struct
{
  guint64       step;        /* optimizer steps taken */
  guint         epoch;       /* epochs completed */
  const BpRng  *rng;         /* the order's generator (NULL when n_rows is 0) */
  const gsize  *order;       /* n_rows row indices */
  gsize         n_rows;      /* training rows; the same at every add */
  gsize         cursor;      /* next position in order, ≤ n_rows */
  double        loss;        /* the step's batch loss C */
  const double *grad_norms;  /* its ‖∂C/∂W(n)‖, one per layer; NULL: no
                              * statistics for this step */
} BpRecordPosition;

/* The position of `tr`: its steps, epochs, order, generator and cursor,
 * and — when `stats` — its trace's loss and gradient norms (otherwise NaN
 * and NULL: no statistics).  A caller that counts steps from elsewhere
 * (a run resumed at a later step) sets step and epoch after. */
void        bp_record_position_of_trainer (BpRecordPosition *pos,
                                           const BpTrainer  *tr,
                                           gboolean          stats);
/* bp_record_add (`latest` FALSE) or bp_record_add_latest (TRUE) from a
 * position instead of a trainer. */
gboolean    bp_record_add_position   (BpRecord        *rec,
                                      const BpNetwork *net,
                                      const BpOptimizer *opt,
                                      const BpRecordPosition *pos,
                                      gboolean         latest,
                                      GError         **error);

/* Kept steps, in increasing order. */
gsize       bp_record_n              (const BpRecord  *rec);
guint64     bp_record_step_at        (const BpRecord  *rec,
                                      gsize            i);
/* The parameters of kept step i, laid out as BpNetwork.params of the
 * recorded network (bp_record_n_params of them), owned by the record and
 * valid until it next changes: one weight's history without restoring
 * the whole network at every step. */
const double *bp_record_params_at    (const BpRecord  *rec,
                                      gsize            i);
gsize       bp_record_n_params       (const BpRecord  *rec);
/* The index of the latest kept step ≤ step, or −1 when there is none. */
gssize      bp_record_find           (const BpRecord  *rec,
                                      guint64          step);
/* Puts kept step i back: into `net` (parameters, running statistics,
 * dropout generator), `opt` (state, t and the schedule's step; its cached
 * rate is dropped; may be NULL) and `tr` (its
 * progress; the epoch history and the gradient-norm records after the step
 * are dropped; its configuration, batch size and shuffle, stays its own
 * and must be the run's for the same steps to follow; may be NULL).
 * FALSE (BP_RECORD_ERROR_MISMATCH, naming what differs) when they are not
 * shaped as the recorded run, or when `opt` has a schedule and the step
 * came from a version 1 file (which does not say where the schedule
 * stood); nothing changes.
 * The recording itself is not changed: the next bp_record_add forks it. */
gboolean    bp_record_restore        (const BpRecord  *rec,
                                      gsize            i,
                                      BpNetwork       *net,
                                      BpOptimizer     *opt,
                                      BpTrainer       *tr,
                                      GError         **error);
/* Kept step i's epochs completed, and its batch order: the generator,
 * the order (bp_record_n_rows values written to `order`) and the position
 * in it — what a step-mode caller puts back (bp_record_restore with no
 * trainer for the rest). */
guint       bp_record_epoch_at       (const BpRecord  *rec,
                                      gsize            i);
gsize       bp_record_n_rows         (const BpRecord  *rec);
void        bp_record_order_at       (const BpRecord  *rec,
                                      gsize            i,
                                      BpRng           *rng,
                                      gsize           *order,
                                      gsize           *cursor);
/* Kept steps i of a and j of b hold the same state, bit for bit. */
gboolean    bp_record_snapshot_equal (const BpRecord  *a,
                                      gsize            i,
                                      const BpRecord  *b,
                                      gsize            j);

/* Statistics buckets, in increasing order of steps. */
gsize       bp_record_n_stats        (const BpRecord  *rec);
void        bp_record_stats_at       (const BpRecord  *rec,
                                      gsize            i,
                                      BpRecordStats   *stats);
gsize       bp_record_n_layers       (const BpRecord  *rec);

/* The grid: kept steps are multiples of the stride; a bucket is this many
 * steps wide. */
guint64     bp_record_stride         (const BpRecord  *rec);
guint64     bp_record_bucket_width   (const BpRecord  *rec);
gsize       bp_record_budget         (const BpRecord  *rec);
gsize       bp_record_max_snapshots  (const BpRecord  *rec);
/* Bytes held now, and the most it can ever hold (0 before the first add). */
gsize       bp_record_bytes          (const BpRecord  *rec);
gsize       bp_record_bound          (const BpRecord  *rec);
/* The recorded optimizer's id (NULL before the first add). */
const char *bp_record_optimizer_id   (const BpRecord  *rec);

/* Files: see above.  Errors name `path` (or display_name) and the place. */
gboolean    bp_record_save           (const BpRecord  *rec,
                                      const char      *path,
                                      GError         **error);
BpRecord   *bp_record_load           (const char      *path,
                                      GError         **error);
/* The file's bytes (free with g_free), and back. */
char       *bp_record_to_data        (const BpRecord  *rec,
                                      gsize           *len);
BpRecord   *bp_record_load_data      (const char      *data,
                                      gsize            len,
                                      const char      *display_name,
                                      GError         **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BpRecord, bp_record_free)

G_END_DECLS
