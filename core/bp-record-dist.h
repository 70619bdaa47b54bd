/* bp-record-dist.h — distributions over a recording's kept steps (issue
 * 15, "Distributions over time"): per layer and per kept step, the
 * histogram of W(n), of ∂C/∂W(n), and the fractions of dead and of
 * saturated units.
 *
 * What is computed at each kept step
 *
 *   The step is restored (bp_record_restore) into a copy of the given
 *   network; the live network is never touched.  W(n) is read from the
 *   snapshot.  ∂C/∂W(n) comes from one forward and backward pass
 *   (bp_network_gradients, the network's cost and reduction, training mode
 *   as the trainer runs it) over the pass rows: every training row when
 *   there are at most BP_RECORD_DIST_MAX_ROWS, else that many rows taken
 *   evenly, row ⌊i·N/M⌋ for i < M (N rows, M = BP_RECORD_DIST_MAX_ROWS) —
 *   the same rows at every step.  So with all rows in their order the
 *   gradient is the full-batch gradient of the run at that step, bit for
 *   bit.
 *
 *   Units, from the same pass (dense layers only; NaN for batch-norm,
 *   layer-norm and dropout layers):
 *     dead       z ≤ 0 and σ′(z) = 0 for every pass row (bp_diag_unit_dead,
 *                the canvas's verdict): a ReLU-family unit that passes
 *                nothing back;
 *     saturated  not dead, and |σ′(z)| < BP_DIAG_SATURATION_LEVEL (0.01)
 *                with a ≠ 0 for more than half the pass rows (strictly):
 *                the flat tails of sigmoid and tanh, for most samples.
 *                (A rectifier switched off, a = 0 and σ′ = 0, is not a
 *                tail: the canvas marks such a sample, this count does
 *                not; a ReLU unit off for every row is dead.)
 *   Each is a fraction of the layer's units.
 *
 * Bins (shared by every step of a layer and quantity, so columns compare)
 *
 *   W(n): BP_RECORD_DIST_W_BINS linear bins over [−m, m], m the largest
 *   |w| of the layer over all kept steps (1 when every w is 0); the count
 *   is odd, so 0 sits in the middle of a bin.
 *
 *   ∂C/∂W(n): symmetric logarithmic bins, because a gradient shrinks by
 *   decades as training goes on and linear bins would put every later step
 *   in the middle bin.  BP_RECORD_DIST_BINS_PER_DECADE bins a decade on
 *   each side, edges at 10^(j/4); the top bin holds the largest |g| of all
 *   steps, and the range reaches BP_RECORD_DIST_DECADES decades below it
 *   (or down to the smallest non-zero |g|, when that is higher).  One
 *   middle bin holds every |g| below that, zeros included: 2K + 1 bins.
 *
 *   Non-finite values are counted per step, not binned.
 *
 * Implemented in bp-record-dist.c.  Deterministic: the same recording and
 * rows give the same counts on every machine.
 */
#pragma once

#include "bp-network.h"
#include "bp-record.h"

G_BEGIN_DECLS

#define BP_RECORD_DIST_ERROR (bp_record_dist_error_quark ())
GQuark bp_record_dist_error_quark (void);

typedef enum
{
  BP_RECORD_DIST_ERROR_EMPTY,      /* no kept step, or no rows */
  BP_RECORD_DIST_ERROR_MISMATCH,   /* the network or rows are not the recording's */
  BP_RECORD_DIST_ERROR_CANCELLED,  /* the progress callback said stop */
} BpRecordDistError;

/* Rows of the pass at most (see above). */
#define BP_RECORD_DIST_MAX_ROWS        1024
/* Linear bins of W(n). */
#define BP_RECORD_DIST_W_BINS          41
/* ∂C/∂W(n): bins per decade, and the decades below the largest |g|. */
#define BP_RECORD_DIST_BINS_PER_DECADE 4
#define BP_RECORD_DIST_DECADES         6
/* A unit is saturated when |σ′(z)| < BP_DIAG_SATURATION_LEVEL for more
 * than this share of the pass rows. */
#define BP_RECORD_DIST_SATURATED_SHARE 0.5

typedef enum
{
  BP_RECORD_DIST_WEIGHTS,     /* W(n) */
  BP_RECORD_DIST_GRADIENTS,   /* ∂C/∂W(n) */
  BP_RECORD_DIST_N_QUANTITIES,
} BpRecordDistQuantity;

/* One layer's histograms of one quantity, one per kept step. */
typedef struct
{
  gboolean  symlog;     /* FALSE: linear bins over [lo, hi]; TRUE: see above */
  double    lo, hi;     /* linear: the range; symlog: lo = τ, the smallest
                         * |v| binned by magnitude (the middle bin holds
                         * |v| < τ), hi = the top bin's upper edge */
  int       j_lo;       /* symlog: bin edges at 10^(j / bins per decade), */
  gsize     half;       /* from j_lo, `half` bins a side (K) */
  gsize     n_bins;     /* 0 when the layer has no weights (dropout) */
  gsize     n_values;   /* values binned at each step: the layer's weights */
  guint32  *counts;     /* n_steps × n_bins, step by step */
  guint32  *nonfinite;  /* n_steps */
  guint32   max_count;  /* the largest count of any bin and step */
} BpRecordDistHist;

typedef struct
{
  gsize             n_steps;     /* the recording's kept steps */
  guint64          *steps;       /* n_steps, increasing */
  gsize             n_layers;
  gsize             rows_used;   /* rows of each pass */
  gsize             rows_total;  /* training rows given */
  BpRecordDistHist *hist[BP_RECORD_DIST_N_QUANTITIES];  /* n_layers each */
  double           *dead;        /* n_steps × n_layers fractions; NaN: not a dense layer */
  double           *saturated;   /* n_steps × n_layers */
} BpRecordDist;

/* Called after each kept step with how many are done of how many; return
 * FALSE to stop (the computation then fails with
 * BP_RECORD_DIST_ERROR_CANCELLED). */
typedef gboolean (*BpRecordDistProgress) (gsize    done,
                                          gsize    total,
                                          gpointer user_data);

/* The distributions of every kept step of `rec`, restored into a copy of
 * `net` (shaped as the recorded network; it is not changed), with the
 * training rows X (n_rows × n_inputs) and Y (n_rows × n_outputs): the rows
 * the run trained on (the recording's bp_record_n_rows; other rows give
 * other gradients, and a different count is an error).  `progress` may be
 * NULL.  NULL with an error when there is nothing to compute, the shapes
 * differ or it was stopped.  Free with bp_record_dist_free. */
BpRecordDist *bp_record_dist_compute    (const BpRecord       *rec,
                                         const BpNetwork      *net,
                                         const double         *X,
                                         const double         *Y,
                                         gsize                 n_rows,
                                         BpRecordDistProgress  progress,
                                         gpointer              user_data,
                                         GError              **error);
void          bp_record_dist_free       (BpRecordDist         *dist);

/* The pass of kept step i, as bp_record_dist_compute runs it: restores
 * the step into `net` (shaped as the recording's; changed) and runs the
 * forward and backward pass over the pass rows, leaving ∂C/∂W in
 * net->grads and z, a, δ in `trace` (capacity ≥ bp_record_dist_n_rows).
 * FALSE with an error when the network is not the recording's. */
gboolean      bp_record_dist_pass       (const BpRecord       *rec,
                                         gsize                 i,
                                         BpNetwork            *net,
                                         BpTrace              *trace,
                                         const double         *X,
                                         const double         *Y,
                                         gsize                 n_rows,
                                         GError              **error);
/* How many rows the pass takes of n_rows, and row k of them. */
gsize         bp_record_dist_n_rows     (gsize                 n_rows);
gsize         bp_record_dist_row        (gsize                 n_rows,
                                         gsize                 k);

/* The bin that holds v (finite), and v's position along the bins as a
 * number in [0, n_bins]: bin b spans [b, b + 1] (linear inside a bin;
 * for symlog bins, in log10 |v|).  What the drawing's y axis is. */
gsize         bp_record_dist_bin        (const BpRecordDistHist *hist,
                                         double                  v);
double        bp_record_dist_position   (const BpRecordDistHist *hist,
                                         double                  v);
/* The values bin b spans (symlog: the middle bin is [−τ, τ]). */
void          bp_record_dist_bin_range  (const BpRecordDistHist *hist,
                                         gsize                   b,
                                         double                 *lo,
                                         double                 *hi);
/* The column of the latest kept step ≤ step, or −1. */
gssize        bp_record_dist_find       (const BpRecordDist     *dist,
                                         guint64                 step);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BpRecordDist, bp_record_dist_free)

G_END_DECLS
