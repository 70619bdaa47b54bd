/* bench-train.h — what the files of the bench-train program share: a
 * side of a comparison (what bench-train.c times and tabulates) and
 * FANN's side (bench-fann.c).
 */
#pragma once

#include <glib.h>

#include <doublefann.h>

#include "bp-dataset.h"

/* The most --reps a run takes (the rates of a side are a fixed array). */
#define BENCH_MAX_REPS 50
/* Every side's weights and data come from this seed: repeatable runs. */
#define BENCH_SEED     G_GUINT64_CONSTANT (20240501)

typedef struct
{
  double best;     /* samples/s of the fastest repetition */
  double median;   /* samples/s, median repetition */
} BenchResult;

/* Runs one chunk of training (usually an epoch) and adds the number of
 * samples it trained on to *n_samples. */
typedef gboolean (*BenchChunkFunc) (gpointer   data,
                                    guint64   *n_samples,
                                    GError   **error);

/* One side of a comparison: a trainer and what it trains on. */
typedef struct
{
  char           *key;        /* for --summary: "T1-ours" */
  const char     *label;
  BenchChunkFunc  chunk;
  void          (*report) (gpointer data);  /* shows that it really trained */
  GDestroyNotify  free_data;
  gpointer        data;
  double          rates[BENCH_MAX_REPS];
  BenchResult     result;
} BenchSide;

/* bench-fann.c */

/* Fills *out with FANN's side: a network of those widths (widths[0] is the
 * input width), activations and steepnesses, trained by `algorithm` at
 * rate lr on ds, which must outlive it.  *out's key is a copy; label must
 * outlive it.  FALSE with error set if FANN refuses. */
gboolean bench_fann_side_init (BenchSide                     *out,
                               const char                    *key,
                               const char                    *label,
                               const gsize                   *widths,
                               gsize                          n_widths,
                               enum fann_activationfunc_enum  hidden,
                               fann_type                      hidden_steepness,
                               enum fann_activationfunc_enum  output,
                               fann_type                      output_steepness,
                               enum fann_train_enum           algorithm,
                               double                         lr,
                               const BpDataset               *ds,
                               GError                       **error);
