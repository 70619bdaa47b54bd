/* bp-record-private.h — what bp-record.c and bp-record-file.c share: the
 * recording's layout. */
#pragma once

#include "bp-record.h"

G_BEGIN_DECLS

/* The statistics of one bucket: loss min, max, sum; then ‖∂C/∂W(n)‖ min
 * (L values), max (L), sum (L).  Sums rather than means, so that merging
 * two buckets adds exactly what one bucket twice as wide would hold. */
#define BP_RECORD_BUCKET_VALUES(L) (3 * ((L) + 1))

typedef struct
{
  guint64  index;        /* steps index·w + 1 … (index + 1)·w */
  guint64  first_step;
  guint64  last_step;
  guint64  n;
} BpRecordBucket;

/* A snapshot's schedule_step when the file did not say (version 1): kept
 * as it is through a save, so that a guess never becomes a fact. */
#define BP_RECORD_SCHEDULE_UNKNOWN G_MAXUINT64

/* One kept step.  `values` holds P parameters, S optimizer state doubles,
 * R running statistics (mean then variance of each batch-norm layer, in
 * layer order); `order` follows it in the same allocation. */
typedef struct
{
  guint64   step;
  guint64   epoch;
  guint64   cursor;
  guint64   t;
  /* The learning-rate schedule's step (t − schedule_t0, torch's
   * last_epoch): t alone does not say it when the schedule was set after
   * the first step.  BP_RECORD_SCHEDULE_UNKNOWN in a snapshot read from a
   * version 1 file. */
  guint64   schedule_step;
  guint64   rng[4];        /* the trainer's (shuffling) */
  guint64   net_rng[4];    /* the network's (dropout masks) */
  gboolean  latest_only;   /* off the grid: dropped when a later step comes */
  double   *values;
  guint64  *order;         /* n_rows */
} BpRecordSnap;

struct _BpRecord
{
  gsize      budget;
  gboolean   shaped;         /* the shapes below are set */
  char      *opt_id;
  gsize      n_params;       /* P */
  gsize      n_state;        /* S */
  gsize      n_running;      /* R */
  gsize      n_rows;         /* N; 0 when recorded without a trainer */
  gsize      n_layers;       /* L */
  gsize      max_snapshots;  /* M */
  guint64    stride;         /* k */
  GPtrArray *snaps;          /* BpRecordSnap *, by increasing step */
  guint64    bucket_width;   /* w */
  /* Allocated once, for BP_RECORD_MAX_BUCKETS, when the shapes are set (a
   * GArray would round its capacity up to a power of two, past the bound). */
  BpRecordBucket *buckets;   /* n_buckets of them, by increasing index */
  double    *bucket_values;  /* BP_RECORD_BUCKET_VALUES (L) per bucket */
  gsize      n_buckets;
};

/* Sets the shapes (P, S, R, N, L, the optimizer) and from them M. */
void          bp_record_shape       (BpRecord     *rec,
                                     const char   *opt_id,
                                     gsize         n_params,
                                     gsize         n_state,
                                     gsize         n_running,
                                     gsize         n_rows,
                                     gsize         n_layers);
/* A snapshot of the record's shape, values and order zeroed. */
BpRecordSnap *bp_record_snap_new    (const BpRecord *rec);
void          bp_record_snap_free   (gpointer       snap);
gsize         bp_record_snap_bytes  (const BpRecord *rec);
gsize         bp_record_bucket_bytes (const BpRecord *rec);

G_END_DECLS
