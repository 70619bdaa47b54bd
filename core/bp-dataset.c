/* bp-dataset.c — the list of datasets, bp_dataset_open's dispatch, the
 * built-in files (Iris, digits) and split/copy/free.
 *
 * The generators are in bp-dataset-gen.c, the CSV reader in bp-dataset-csv.c.
 */
#include "config.h"

#include "bp-dataset.h"
#include "bp-rng.h"

#include <glib/gi18n-lib.h>
#include <string.h>

G_DEFINE_QUARK (bp-dataset-error-quark, bp_dataset_error)

/* Generators first, then the shipped files.  bp-dataset-gen.c implements the
 * generators; the test suite checks that every generated entry here opens
 * with the shape and task it announces. */
static const BpDatasetInfo datasets[] = {
  { "xor", "XOR: class 1 where x1 and x2 have opposite signs",
    2, 1, BP_TASK_BINARY, TRUE },
  { "circles", "An inner disk (class 1) inside an outer ring",
    2, 1, BP_TASK_BINARY, TRUE },
  { "spirals", "Two interleaved spirals",
    2, 1, BP_TASK_BINARY, TRUE },
  { "blobs", "Two Gaussian blobs",
    2, 1, BP_TASK_BINARY, TRUE },
  { "moons", "Two interleaving half moons",
    2, 1, BP_TASK_BINARY, TRUE },
  { "checkerboard", "A 4×4 checkerboard on [−1, 1]²",
    2, 1, BP_TASK_BINARY, TRUE },
  { "sine", "Regression of y = sin(πx) on [−1, 1]",
    1, 1, BP_TASK_REGRESSION, TRUE },
  { "iris", "Fisher’s Iris: 150 flowers, 4 measurements (cm), 3 species",
    4, 3, BP_TASK_MULTICLASS, FALSE },
  { "digits", "Handwritten digits (UCI): 1797 8×8 images, 10 classes",
    64, 10, BP_TASK_MULTICLASS, FALSE },
};

const BpDatasetInfo *
bp_dataset_list (gsize *n)
{
  if (n != NULL)
    *n = G_N_ELEMENTS (datasets);
  return datasets;
}

static const BpDatasetInfo *
find_info (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (datasets); i++)
    if (g_ascii_strcasecmp (name, datasets[i].name) == 0)
      return &datasets[i];
  return NULL;
}

gboolean
bp_dataset_is_generator (const char *name)
{
  const BpDatasetInfo *info;

  g_return_val_if_fail (name != NULL, FALSE);
  info = find_info (name);
  return info != NULL && info->generated;
}

/* "xor, circles, …, digits" for error messages. */
static char *
list_names (gboolean generated,
            gboolean builtin)
{
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (datasets); i++)
    {
      if (datasets[i].generated ? !generated : !builtin)
        continue;
      if (s->len > 0)
        g_string_append (s, ", ");
      g_string_append (s, datasets[i].name);
    }
  return g_string_free (s, FALSE);
}

static gboolean
has_csv_suffix (const char *path)
{
  gsize len = strlen (path);

  return len >= 4 && g_ascii_strcasecmp (path + len - 4, ".csv") == 0;
}

BpDataset *
bp_dataset_open (const char *name_or_path,
                 gsize       n_rows,
                 double      noise,
                 guint64     seed,
                 GError    **error)
{
  const BpDatasetInfo *info;
  g_autofree char *names = NULL;
  g_autofree char *shown = NULL;

  g_return_val_if_fail (name_or_path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  info = find_info (name_or_path);
  if (info != NULL && info->generated)
    return bp_dataset_generate (info->name, n_rows, noise, seed, error);
  if (info != NULL)
    return bp_dataset_load_builtin (info->name, error);
  if (has_csv_suffix (name_or_path))
    return bp_dataset_load_csv (name_or_path, NULL, error);

  /* The app saves a model it holds without data (an ONNX import whose
   * question was answered "No Data") so; say what to do instead of
   * listing names. */
  if (strcmp (name_or_path, BP_DATASET_NONE) == 0)
    {
      g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_UNKNOWN,
                   _("The model has no data (its dataset is “none”, as the app "
                     "saves a model it holds without data): give one, e.g. "
                     "--dataset FILE.csv"));
      return NULL;
    }

  names = list_names (TRUE, TRUE);
  shown = g_utf8_make_valid (name_or_path, -1);
  g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_UNKNOWN,
               _("Unknown dataset “%s”: expected one of %s, or a path ending "
                 "in .csv"), shown, names);
  return NULL;
}

/* The first of $BACKPROP_DATA_DIR, the installed pkgdatadir and the source
 * tree's data/ that holds iris.csv.  Looked up on every call (the
 * environment may change, tests set it); the result is interned, so the
 * returned string stays valid for the life of the process. */
const char *
bp_data_dir (void)
{
  const char *candidates[] = {
    g_getenv ("BACKPROP_DATA_DIR"),
    BP_PKGDATADIR,
    BP_SOURCE_DATADIR,
  };

  for (gsize i = 0; i < G_N_ELEMENTS (candidates); i++)
    {
      g_autofree char *iris = NULL;

      if (candidates[i] == NULL || candidates[i][0] == '\0')
        continue;
      iris = g_build_filename (candidates[i], "iris.csv", NULL);
      if (g_file_test (iris, G_FILE_TEST_IS_REGULAR))
        return g_intern_string (candidates[i]);
    }
  return NULL;
}

/* Iris: species is the target.  Digits: the 64 pixel counts 0…16 are scaled
 * by 1/16 here (exact, a power of two) so that the features lie in [0, 1];
 * the file keeps the original integers. */
BpDataset *
bp_dataset_load_builtin (const char  *name,
                         GError     **error)
{
  static const char * const iris_targets[] = { "species", NULL };
  static const char * const digits_targets[] = { "digit", NULL };
  const BpDatasetInfo *info;
  const char *dir;
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;
  g_autoptr(BpDataset) ds = NULL;
  gboolean digits;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  info = find_info (name);
  if (info == NULL || info->generated)
    {
      g_autofree char *names = list_names (FALSE, TRUE);
      g_autofree char *shown = g_utf8_make_valid (name, -1);

      g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_UNKNOWN,
                   _("Unknown built-in dataset “%s”: expected one of %s"),
                   shown, names);
      return NULL;
    }
  digits = strcmp (info->name, "digits") == 0;

  dir = bp_data_dir ();
  if (dir == NULL)
    {
      g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_IO,
                   _("%s: cannot find the data directory (looked for iris.csv "
                     "in $BACKPROP_DATA_DIR, %s and %s)"),
                   info->name, BP_PKGDATADIR, BP_SOURCE_DATADIR);
      return NULL;
    }

  file = g_strconcat (info->name, ".csv", NULL);
  path = g_build_filename (dir, file, NULL);
  ds = bp_dataset_load_csv (path, digits ? digits_targets : iris_targets,
                            error);
  if (ds == NULL)
    return NULL;

  if (ds->n_features != info->n_features
      || ds->n_targets != info->n_targets
      || ds->task != info->task)
    {
      g_autofree char *shown = g_filename_display_name (path);

      g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_INVALID,
                   _("%s: expected %zu features and %zu classes, found %zu features and %zu target columns"),
                   shown, info->n_features, info->n_targets,
                   ds->n_features, ds->n_targets);
      return NULL;
    }

  if (digits)
    {
      gsize n = ds->n_rows * ds->n_features;

      for (gsize i = 0; i < n; i++)
        ds->X[i] *= 1.0 / 16.0;
    }

  /* A model file names the built-in, not the path it was found at. */
  g_free (ds->name);
  g_free (ds->source);
  ds->name = g_strdup (info->name);
  ds->source = g_strdup (info->name);

  return g_steal_pointer (&ds);
}

/* A new dataset of the rows idx[0..n) of ds, in that order. */
static BpDataset *
dataset_take_rows (const BpDataset *ds,
                   const gsize     *idx,
                   gsize            n)
{
  BpDataset *out = g_new0 (BpDataset, 1);

  out->name = g_strdup (ds->name);
  out->source = g_strdup (ds->source);
  out->task = ds->task;
  out->n_rows = n;
  out->n_features = ds->n_features;
  out->n_targets = ds->n_targets;
  out->X = g_new (double, n * ds->n_features);
  out->Y = g_new (double, n * ds->n_targets);
  out->feature_names = g_strdupv (ds->feature_names);
  out->target_names = g_strdupv (ds->target_names);

  for (gsize i = 0; i < n; i++)
    {
      memcpy (out->X + i * ds->n_features, ds->X + idx[i] * ds->n_features,
              ds->n_features * sizeof (double));
      memcpy (out->Y + i * ds->n_targets, ds->Y + idx[i] * ds->n_targets,
              ds->n_targets * sizeof (double));
    }
  return out;
}

void
bp_dataset_split (const BpDataset  *ds,
                  double            test_fraction,
                  guint64           seed,
                  BpDataset       **train,
                  BpDataset       **test)
{
  g_autofree gsize *idx = NULL;
  gsize n_test;
  BpRng rng;

  g_return_if_fail (ds != NULL);
  g_return_if_fail (train != NULL && test != NULL);
  g_return_if_fail (test_fraction >= 0.0 && test_fraction <= 1.0);

  idx = g_new (gsize, ds->n_rows);
  for (gsize i = 0; i < ds->n_rows; i++)
    idx[i] = i;
  bp_rng_init (&rng, seed);
  bp_rng_shuffle (&rng, idx, ds->n_rows);

  n_test = (gsize) ((double) ds->n_rows * test_fraction);
  n_test = MIN (n_test, ds->n_rows);

  *test = dataset_take_rows (ds, idx, n_test);
  *train = dataset_take_rows (ds, idx + n_test, ds->n_rows - n_test);
}

BpDataset *
bp_dataset_new_from_rows (const char   *name,
                          const char   *source,
                          BpTask        task,
                          gsize         n_rows,
                          gsize         n_features,
                          gsize         n_targets,
                          const double *X,
                          const double *Y)
{
  BpDataset *ds = g_new0 (BpDataset, 1);

  ds->name = g_strdup (name);
  ds->source = g_strdup (source);
  ds->task = task;
  ds->n_rows = n_rows;
  ds->n_features = n_features;
  ds->n_targets = n_targets;
  /* Never NULL, also with no rows. */
  ds->X = g_new (double, MAX (n_rows * n_features, 1));
  ds->Y = g_new (double, MAX (n_rows * n_targets, 1));
  if (n_rows > 0)
    {
      memcpy (ds->X, X, n_rows * n_features * sizeof (double));
      memcpy (ds->Y, Y, n_rows * n_targets * sizeof (double));
    }
  ds->feature_names = g_new0 (char *, n_features + 1);
  for (gsize i = 0; i < n_features; i++)
    ds->feature_names[i] = g_strdup_printf ("x%zu", i + 1);
  ds->target_names = g_new0 (char *, n_targets + 1);
  for (gsize i = 0; i < n_targets; i++)
    ds->target_names[i] = g_strdup_printf ("y%zu", i + 1);
  return ds;
}

BpDataset *
bp_dataset_copy (const BpDataset *ds)
{
  BpDataset *out;

  g_return_val_if_fail (ds != NULL, NULL);

  out = g_new0 (BpDataset, 1);
  out->name = g_strdup (ds->name);
  out->source = g_strdup (ds->source);
  out->task = ds->task;
  out->n_rows = ds->n_rows;
  out->n_features = ds->n_features;
  out->n_targets = ds->n_targets;
  out->X = g_memdup2 (ds->X, ds->n_rows * ds->n_features * sizeof (double));
  out->Y = g_memdup2 (ds->Y, ds->n_rows * ds->n_targets * sizeof (double));
  out->feature_names = g_strdupv (ds->feature_names);
  out->target_names = g_strdupv (ds->target_names);
  return out;
}

void
bp_dataset_free (BpDataset *ds)
{
  if (ds == NULL)
    return;

  g_free (ds->name);
  g_free (ds->source);
  g_free (ds->X);
  g_free (ds->Y);
  g_strfreev (ds->feature_names);
  g_strfreev (ds->target_names);
  g_free (ds);
}
