/* bp-dataset.h — datasets: seeded generators, the CSV loader and the two
 * real datasets shipped in data/ (Iris, 8×8 digits).
 *
 * X is n_rows × n_features and Y is n_rows × n_targets, row-major.
 * Classification targets are one-hot over the classes, except that the
 * two-class generators (xor, circles, spirals, blobs with 2 centres, moons,
 * checkerboard) give one 0/1 column for a sigmoid output.
 */
#pragma once

#include "bp-types.h"

G_BEGIN_DECLS

/* The dataset name of a model held without data (the app's "No Data"
 * for an imported network): no dataset opens under it; bp_dataset_open
 * says to give one. */
#define BP_DATASET_NONE "none"

#define BP_DATASET_ERROR (bp_dataset_error_quark ())
GQuark bp_dataset_error_quark (void);

typedef enum
{
  BP_DATASET_ERROR_UNKNOWN,    /* no generator or built-in dataset of that name */
  BP_DATASET_ERROR_IO,         /* cannot read the file */
  BP_DATASET_ERROR_PARSE,      /* malformed CSV: names file, line and column */
  BP_DATASET_ERROR_INVALID,    /* bad parameter (size, noise, column name) */
} BpDatasetError;

typedef enum
{
  BP_TASK_REGRESSION,
  BP_TASK_BINARY,       /* one 0/1 target column */
  BP_TASK_MULTICLASS,   /* one-hot target columns */
} BpTask;

struct _BpDataset
{
  char   *name;            /* "spirals", "iris", or the CSV's basename */
  char   *source;          /* generator spec or file path, for model files */
  BpTask  task;
  gsize   n_rows;
  gsize   n_features;
  gsize   n_targets;
  double *X;
  double *Y;
  char  **feature_names;   /* n_features, NULL-terminated */
  char  **target_names;    /* class names (multiclass) or target columns; NULL-terminated */
};

typedef struct
{
  const char *name;
  const char *description;
  gsize       n_features;
  gsize       n_targets;
  BpTask      task;
  gboolean    generated;   /* TRUE for generators, FALSE for shipped files */
} BpDatasetInfo;

/* All known dataset names, generators first. */
const BpDatasetInfo *bp_dataset_list           (gsize *n);

/* A generator: "xor", "circles", "spirals", "blobs", "moons",
 * "checkerboard", "sine".  noise ≥ 0 is the standard deviation of the
 * Gaussian jitter (in input units). */
BpDataset           *bp_dataset_generate       (const char *name,
                                                gsize       n_rows,
                                                double      noise,
                                                guint64     seed,
                                                GError    **error);

/* TRUE when `name` is one of the generators, whose row count and noise a
 * model file may set; the rows of a file (iris, digits, a CSV) are the
 * file's. */
gboolean             bp_dataset_is_generator   (const char *name);

/* The noise a generator uses when asked for a negative one (the table in
 * bp-dataset-gen.c); −1 for a name that is not a generator. */
double               bp_dataset_default_noise  (const char *name);

/* A CSV file with a header row.  Numeric columns become features; the
 * target columns are named in `targets` (NULL-terminated) or, when NULL,
 * the last column.  A target column of text labels becomes one-hot
 * (classes in order of first appearance); a quoted cell in a target column
 * is always a label (so "0".."9" are classes); an unquoted numeric target is
 * regression (binary when it is one column of only 0 and 1).
 * Errors name the file, the line and the column. */
BpDataset           *bp_dataset_load_csv       (const char         *path,
                                                const char * const *targets,
                                                GError            **error);
BpDataset           *bp_dataset_parse_csv      (const char         *data,
                                                gsize               len,
                                                const char         *display_name,
                                                const char * const *targets,
                                                GError            **error);

/* "iris" or "digits", from the data directory (BACKPROP_DATA_DIR, the
 * installed pkgdatadir, then the source tree's data/). */
BpDataset           *bp_dataset_load_builtin   (const char *name,
                                                GError    **error);

/* Dispatches: a generator name (with n_rows/noise/seed), a built-in name,
 * or a path ending in .csv. */
BpDataset           *bp_dataset_open           (const char *name_or_path,
                                                gsize       n_rows,
                                                double      noise,
                                                guint64     seed,
                                                GError    **error);

/* Splits shuffled rows (from `seed`): the first ⌊n·test_fraction⌋ of the
 * shuffle go to *test.  Either output may get 0 rows. */
void                 bp_dataset_split          (const BpDataset *ds,
                                                double           test_fraction,
                                                guint64          seed,
                                                BpDataset      **train,
                                                BpDataset      **test);
/* A dataset of n_rows rows copied from X (n_rows × n_features) and Y
 * (n_rows × n_targets), its columns named x1…, y1… (a model's inline batch,
 * a test's rows).  Free with bp_dataset_free. */
BpDataset           *bp_dataset_new_from_rows  (const char   *name,
                                                const char   *source,
                                                BpTask        task,
                                                gsize         n_rows,
                                                gsize         n_features,
                                                gsize         n_targets,
                                                const double *X,
                                                const double *Y);
BpDataset           *bp_dataset_copy           (const BpDataset *ds);
void                 bp_dataset_free           (BpDataset *ds);

/* Directory holding iris.csv and digits.csv, or NULL. */
const char          *bp_data_dir               (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BpDataset, bp_dataset_free)

G_END_DECLS
