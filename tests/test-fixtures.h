/* test-fixtures.h — data that the benchmark and the soak run make for
 * themselves, with no file to read.
 */
#pragma once

#include <glib.h>

#include "bp-dataset.h"
#include "bp-rng.h"

/* A "digits-like" problem of any size: n_rows rows of n_features values
 * uniform in [0, 1), each with a class drawn uniformly, one-hot over
 * n_classes; the same rows for the same seed.  Built field by field as
 * bp_dataset_free expects (GLib allocations, NULL-terminated name arrays).
 * The caller owns the dataset: free it with bp_dataset_free. */
static inline BpDataset *
fixture_random_classification (const char *name,
                               gsize       n_rows,
                               gsize       n_features,
                               gsize       n_classes,
                               guint64     seed)
{
  BpDataset *ds = g_new0 (BpDataset, 1);
  BpRng rng;

  bp_rng_init (&rng, seed);
  ds->name = g_strdup (name);
  ds->source = g_strdup_printf ("random(%" G_GSIZE_FORMAT ")", n_rows);
  ds->task = BP_TASK_MULTICLASS;
  ds->n_rows = n_rows;
  ds->n_features = n_features;
  ds->n_targets = n_classes;
  ds->X = g_new (double, n_rows * n_features);
  ds->Y = g_new0 (double, n_rows * n_classes);
  for (gsize i = 0; i < n_rows * n_features; i++)
    ds->X[i] = bp_rng_uniform (&rng);
  for (gsize s = 0; s < n_rows; s++)
    ds->Y[s * n_classes + bp_rng_below (&rng, n_classes)] = 1.0;

  ds->feature_names = g_new0 (char *, n_features + 1);
  for (gsize j = 0; j < n_features; j++)
    ds->feature_names[j] = g_strdup_printf ("x%" G_GSIZE_FORMAT, j);
  ds->target_names = g_new0 (char *, n_classes + 1);
  for (gsize k = 0; k < n_classes; k++)
    ds->target_names[k] = g_strdup_printf ("%" G_GSIZE_FORMAT, k);
  return ds;
}
