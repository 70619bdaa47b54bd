/* fuzz-csv.c — the CSV dataset loader, bp_dataset_parse_csv, on any bytes,
 * with the default target (the last column) or with named targets.
 *
 * Input: CSV text; or, when the first line starts with '@', that line names
 * the target columns separated by '|' ("@species" or "@y1|y2"; "@" alone
 * names none) and the CSV follows it.
 *
 * Contracts checked (bp-dataset.h): a refused file sets one
 * BP_DATASET_ERROR naming the file; a loaded dataset has ≥ 1 row and ≥ 1
 * feature, only finite numbers, as many names as columns, one-hot rows for
 * a multiclass task, 0/1 for a binary one, and named targets in the order
 * given; splitting and copying it keep every row.
 */
#include "fuzz-common.h"

#include <math.h>
#include <string.h>

#include "bp-dataset.h"

#define NAME "fuzz.csv"

static void
check_dataset (const BpDataset    *ds,
               const char * const *targets)
{
  gsize nx = ds->n_rows * ds->n_features, ny = ds->n_rows * ds->n_targets;

  FUZZ_ASSERT (ds->n_rows >= 1 && ds->n_features >= 1 && ds->n_targets >= 1,
               "%zu rows, %zu features, %zu targets", ds->n_rows, ds->n_features,
               ds->n_targets);
  FUZZ_ASSERT (g_strv_length (ds->feature_names) == ds->n_features, "feature names");
  FUZZ_ASSERT (g_strv_length (ds->target_names) == ds->n_targets, "target names");
  for (gsize i = 0; i < nx; i++)
    FUZZ_ASSERT (isfinite (ds->X[i]), "X[%zu] = %g", i, ds->X[i]);
  for (gsize i = 0; i < ny; i++)
    FUZZ_ASSERT (isfinite (ds->Y[i]), "Y[%zu] = %g", i, ds->Y[i]);

  switch (ds->task)
    {
    case BP_TASK_MULTICLASS:
      for (gsize r = 0; r < ds->n_rows; r++)
        {
          double sum = 0.0;

          for (gsize k = 0; k < ds->n_targets; k++)
            {
              double y = ds->Y[r * ds->n_targets + k];

              FUZZ_ASSERT (y == 0.0 || y == 1.0, "one-hot row %zu holds %g", r, y);
              sum += y;
            }
          FUZZ_ASSERT (sum == 1.0, "one-hot row %zu sums to %g", r, sum);
        }
      break;
    case BP_TASK_BINARY:
      FUZZ_ASSERT (ds->n_targets == 1, "binary task with %zu targets", ds->n_targets);
      for (gsize r = 0; r < ds->n_rows; r++)
        FUZZ_ASSERT (ds->Y[r] == 0.0 || ds->Y[r] == 1.0, "binary target %g", ds->Y[r]);
      break;
    case BP_TASK_REGRESSION:
      if (targets != NULL)
        for (gsize k = 0; k < ds->n_targets; k++)
          FUZZ_ASSERT (g_strcmp0 (ds->target_names[k], targets[k]) == 0,
                       "target %zu is “%s”, asked for “%s”", k, ds->target_names[k],
                       targets[k]);
      break;
    default:
      FUZZ_ASSERT (FALSE, "task %d", (int) ds->task);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpDataset) ds = NULL;
  g_autoptr(BpDataset) train = NULL;
  g_autoptr(BpDataset) test = NULL;
  g_autoptr(BpDataset) copy = NULL;
  g_auto(GStrv) targets = NULL;
  const char *csv = (const char *) data;
  gsize len = size;

  fuzz_init ();

  if (len > 0 && csv[0] == '@')
    {
      const char *nl = memchr (csv, '\n', len);
      gsize head = nl != NULL ? (gsize) (nl - csv) : len;
      g_autofree char *line = g_strndup (csv + 1, head - 1);

      targets = line[0] != '\0' ? g_strsplit (line, "|", 8) : g_new0 (char *, 1);
      csv += MIN (head + 1, len);
      len -= MIN (head + 1, len);
    }

  ds = bp_dataset_parse_csv (csv, len, NAME, (const char * const *) targets, &error);
  FUZZ_ASSERT_VERDICT (ds, error, BP_DATASET_ERROR, NAME);
  if (ds == NULL)
    return 0;
  check_dataset (ds, (const char * const *) targets);

  bp_dataset_split (ds, 0.25, 7, &train, &test);
  FUZZ_ASSERT (train->n_rows + test->n_rows == ds->n_rows, "the split lost rows");
  copy = bp_dataset_copy (ds);
  FUZZ_ASSERT (copy->n_rows == ds->n_rows
               && memcmp (copy->X, ds->X, ds->n_rows * ds->n_features * sizeof (double)) == 0
               && memcmp (copy->Y, ds->Y, ds->n_rows * ds->n_targets * sizeof (double)) == 0,
               "the copy differs");
  return 0;
}
