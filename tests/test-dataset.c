/* test-dataset.c — generators, split/copy, the CSV reader and the shipped
 * Iris and digits files.
 *
 * Runs with BACKPROP_DATA_DIR pointing at the source tree's data/.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "bp-dataset.h"

static const char * const generator_names[] = {
  "xor", "circles", "spirals", "blobs", "moons", "checkerboard", "sine",
};

/* ---------------------------------------------------------------- helpers */

static BpDataset *
parse (const char          *csv,
       const char * const  *targets,
       GError             **error)
{
  return bp_dataset_parse_csv (csv, strlen (csv), "t.csv", targets, error);
}

static void
assert_error (const GError *error,
              int           code,
              const char   *prefix,
              const char   *needle)
{
  assert_non_null (error);
  if (!g_error_matches (error, BP_DATASET_ERROR, code)
      || !g_str_has_prefix (error->message, prefix)
      || (needle != NULL && strstr (error->message, needle) == NULL))
    print_message ("unexpected error (code %d, want %d): %s\n",
                   error->code, code, error->message);
  assert_true (g_error_matches (error, BP_DATASET_ERROR, code));
  assert_true (g_str_has_prefix (error->message, prefix));
  if (needle != NULL)
    assert_non_null (strstr (error->message, needle));
}

/* Parses `csv` expecting failure with `code`, a message starting with the
 * display name and containing `needle`. */
static void
expect_csv_error (const char          *csv,
                  const char * const  *targets,
                  int                  code,
                  const char          *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpDataset) ds = parse (csv, targets, &error);

  assert_null (ds);
  assert_error (error, code, "t.csv", needle);
}

static gsize
count_ones (const BpDataset *ds)
{
  gsize ones = 0;

  for (gsize i = 0; i < ds->n_rows; i++)
    ones += ds->Y[i] == 1.0;
  return ones;
}

static gboolean
all_finite (const double *v,
            gsize         n)
{
  for (gsize i = 0; i < n; i++)
    if (!isfinite (v[i]))
      return FALSE;
  return TRUE;
}

static void
assert_close (double a,
              double b,
              double tol)
{
  if (!(fabs (a - b) <= tol))
    print_message ("%.17g and %.17g differ by more than %g\n", a, b, tol);
  assert_true (fabs (a - b) <= tol);
}

/* ------------------------------------------------------------- generators */

static void
test_generators_deterministic (void **state)
{
  for (gsize g = 0; g < G_N_ELEMENTS (generator_names); g++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BpDataset) a = bp_dataset_generate (generator_names[g], 0, -1, 42, &error);
      g_autoptr(BpDataset) b = bp_dataset_generate (generator_names[g], 0, -1, 42, &error);
      g_autoptr(BpDataset) c = bp_dataset_generate (generator_names[g], 0, -1, 43, &error);

      assert_null (error);
      assert_non_null (a);
      assert_non_null (b);
      assert_non_null (c);
      assert_int_equal (a->n_rows, b->n_rows);
      assert_memory_equal (a->X, b->X, a->n_rows * a->n_features * sizeof (double));
      assert_memory_equal (a->Y, b->Y, a->n_rows * a->n_targets * sizeof (double));
      assert_int_equal (a->n_rows, c->n_rows);
      assert_true (memcmp (a->X, c->X, a->n_rows * a->n_features * sizeof (double)) != 0);
    }
}

static void
test_generators_shape (void **state)
{
  for (gsize g = 0; g < G_N_ELEMENTS (generator_names); g++)
    {
      const char *name = generator_names[g];
      gboolean sine = strcmp (name, "sine") == 0;
      g_autoptr(GError) error = NULL;
      g_autoptr(BpDataset) def = bp_dataset_generate (name, 0, -1, 1, &error);
      g_autoptr(BpDataset) odd = bp_dataset_generate (name, 101, 0.1, 1, &error);

      assert_null (error);
      assert_string_equal (def->name, name);
      assert_string_equal (def->source, name);
      assert_int_equal (def->n_rows, sine ? 200 : 400);
      assert_int_equal (def->n_features, sine ? 1 : 2);
      assert_int_equal (def->n_targets, 1);
      assert_int_equal (def->task, sine ? BP_TASK_REGRESSION : BP_TASK_BINARY);
      assert_int_equal (g_strv_length (def->feature_names), def->n_features);
      assert_string_equal (def->feature_names[0], sine ? "x" : "x1");
      if (!sine)
        assert_string_equal (def->feature_names[1], "x2");
      assert_int_equal (g_strv_length (def->target_names), 1);

      assert_int_equal (odd->n_rows, 101);
      assert_true (all_finite (def->X, def->n_rows * def->n_features));
      assert_true (all_finite (def->Y, def->n_rows));
      assert_true (all_finite (odd->X, odd->n_rows * odd->n_features));
    }
}

static void
test_generators_balanced (void **state)
{
  for (gsize g = 0; g < G_N_ELEMENTS (generator_names); g++)
    {
      g_autoptr(BpDataset) even = NULL;
      g_autoptr(BpDataset) odd = NULL;
      gsize ones;

      if (strcmp (generator_names[g], "sine") == 0)
        continue;
      even = bp_dataset_generate (generator_names[g], 400, -1, 7, NULL);
      odd = bp_dataset_generate (generator_names[g], 101, -1, 7, NULL);

      for (gsize i = 0; i < even->n_rows; i++)
        assert_true (even->Y[i] == 0.0 || even->Y[i] == 1.0);
      assert_int_equal (count_ones (even), 200);
      ones = count_ones (odd);
      assert_true (ones == 50 || ones == 51);
    }
}

static void
test_generators_range (void **state)
{
  /* Without noise the inputs lie in [−1.2, 1.2]; with the default noise
   * they stay within a few standard deviations of that. */
  for (gsize g = 0; g < G_N_ELEMENTS (generator_names); g++)
    {
      g_autoptr(BpDataset) clean = bp_dataset_generate (generator_names[g], 2000, 0.0, 3, NULL);
      g_autoptr(BpDataset) noisy = bp_dataset_generate (generator_names[g], 2000, -1, 3, NULL);
      gsize n = clean->n_rows * clean->n_features;

      for (gsize i = 0; i < n; i++)
        {
          assert_true (fabs (clean->X[i]) <= 1.2 + 1e-12);
          assert_true (fabs (noisy->X[i]) <= 2.5);
        }
    }
}

static void
test_generators_labels (void **state)
{
  /* With noise 0 every point sits where its label says. */
  g_autoptr(BpDataset) xor = bp_dataset_generate ("xor", 500, 0.0, 5, NULL);
  g_autoptr(BpDataset) circles = bp_dataset_generate ("circles", 500, 0.0, 5, NULL);
  g_autoptr(BpDataset) board = bp_dataset_generate ("checkerboard", 500, 0.0, 5, NULL);
  g_autoptr(BpDataset) moons = bp_dataset_generate ("moons", 500, 0.0, 5, NULL);
  g_autoptr(BpDataset) spirals = bp_dataset_generate ("spirals", 500, 0.0, 5, NULL);
  g_autoptr(BpDataset) blobs = bp_dataset_generate ("blobs", 50, 0.0, 5, NULL);
  g_autoptr(BpDataset) sine = bp_dataset_generate ("sine", 500, 0.0, 5, NULL);

  for (gsize i = 0; i < 500; i++)
    {
      const double *x = xor->X + 2 * i;
      const double *c = circles->X + 2 * i;
      const double *b = board->X + 2 * i;
      const double *m = moons->X + 2 * i;
      const double *s = spirals->X + 2 * i;
      double r = hypot (c[0], c[1]);
      int cell = (int) floor ((b[0] + 1) * 2) + (int) floor ((b[1] + 1) * 2);
      double mu = m[0] / 0.8 + 0.5, mv = m[1] / 0.8 + 0.25;
      double t = hypot (s[0], s[1]);
      double arm = 1.75 * 2 * G_PI * t + spirals->Y[i] * G_PI;

      assert_true (xor->Y[i] == (x[0] * x[1] < 0 ? 1.0 : 0.0));
      if (circles->Y[i] == 1.0)
        assert_true (r < 0.5);
      else
        assert_true (r >= 0.7 - 1e-12 && r <= 1.0 + 1e-12);
      assert_true (board->Y[i] == (double) (cell % 2));
      if (moons->Y[i] == 0.0)
        assert_close (mu * mu + mv * mv, 1.0, 1e-12);
      else
        assert_close ((1 - mu) * (1 - mu) + (0.5 - mv) * (0.5 - mv), 1.0, 1e-12);
      assert_close (s[0], t * cos (arm), 1e-12);
      assert_close (s[1], t * sin (arm), 1e-12);
      /* Our sine is built from + − × ÷; it agrees with libm's. */
      assert_close (sine->Y[i], sin (G_PI * sine->X[i]), 4e-16);
      assert_true (sine->X[i] >= -1.0 && sine->X[i] < 1.0);
    }
  for (gsize i = 0; i < 50; i++)
    {
      double centre = blobs->Y[i] == 1.0 ? 0.5 : -0.5;

      assert_true (blobs->X[2 * i] == centre && blobs->X[2 * i + 1] == centre);
    }
}

static void
test_generators_noise (void **state)
{
  /* Same seed, same underlying points: the noise is exactly the jitter. */
  g_autoptr(BpDataset) clean = bp_dataset_generate ("blobs", 4000, 0.0, 11, NULL);
  g_autoptr(BpDataset) noisy = bp_dataset_generate ("blobs", 4000, 0.3, 11, NULL);
  g_autoptr(BpDataset) sine0 = bp_dataset_generate ("sine", 0, 0.0, 11, NULL);
  g_autoptr(BpDataset) sine1 = bp_dataset_generate ("sine", 0, 0.2, 11, NULL);
  double sum = 0, sum2 = 0, sd;
  gsize n = clean->n_rows * 2;

  for (gsize i = 0; i < n; i++)
    {
      double d = noisy->X[i] - clean->X[i];

      sum += d;
      sum2 += d * d;
    }
  sd = sqrt (sum2 / n - (sum / n) * (sum / n));
  assert_close (sd, 0.3, 0.015);
  assert_close (sum / n, 0.0, 0.015);
  assert_memory_equal (clean->Y, noisy->Y, clean->n_rows * sizeof (double));

  /* The sine's noise goes on the target. */
  assert_memory_equal (sine0->X, sine1->X, sine0->n_rows * sizeof (double));
  assert_true (memcmp (sine0->Y, sine1->Y, sine0->n_rows * sizeof (double)) != 0);
}

static void
test_generate_invalid (void **state)
{
  struct { const char *name; gsize rows; double noise; int code; } cases[] = {
    { "spiral", 0, -1, BP_DATASET_ERROR_UNKNOWN },
    { "iris", 0, -1, BP_DATASET_ERROR_UNKNOWN },
    { "spirals", 10000001, -1, BP_DATASET_ERROR_INVALID },
    { "spirals", 0, NAN, BP_DATASET_ERROR_INVALID },
    { "spirals", 0, INFINITY, BP_DATASET_ERROR_INVALID },
    { "spirals", 0, -INFINITY, BP_DATASET_ERROR_INVALID },
    { "spirals", 0, 1e6, BP_DATASET_ERROR_INVALID },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BpDataset) ds = bp_dataset_generate (cases[i].name, cases[i].rows,
                                                     cases[i].noise, 1, &error);

      assert_null (ds);
      assert_error (error, cases[i].code, "", NULL);
    }
}

static void
test_generate_case_insensitive (void **state)
{
  g_autoptr(BpDataset) a = bp_dataset_generate ("Spirals", 10, -1, 1, NULL);
  g_autoptr(BpDataset) b = bp_dataset_open ("SPIRALS", 10, -1, 1, NULL);

  assert_non_null (a);
  assert_non_null (b);
  assert_string_equal (a->name, "spirals");
  assert_memory_equal (a->X, b->X, 20 * sizeof (double));
}

/* ------------------------------------------------------ list, open, split */

static void
test_list_opens (void **state)
{
  const BpDatasetInfo *list;
  gsize n = 0;
  gboolean seen_builtin = FALSE;

  list = bp_dataset_list (&n);
  assert_int_equal (n, 9);
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BpDataset) ds = bp_dataset_open (list[i].name, 0, -1, 1, &error);

      /* Generators first. */
      if (!list[i].generated)
        seen_builtin = TRUE;
      else
        assert_false (seen_builtin);

      if (ds == NULL)
        print_message ("%s: %s\n", list[i].name, error->message);
      assert_non_null (ds);
      assert_string_equal (ds->name, list[i].name);
      assert_int_equal (ds->n_features, list[i].n_features);
      assert_int_equal (ds->n_targets, list[i].n_targets);
      assert_int_equal (ds->task, list[i].task);
      assert_non_null (list[i].description);
    }
}

static void
test_open_unknown (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error2 = NULL;
  g_autoptr(GError) error3 = NULL;
  g_autoptr(BpDataset) ds = bp_dataset_open ("nope", 0, -1, 1, &error);
  g_autoptr(BpDataset) ds2 = bp_dataset_open ("/nonexistent/x.CSV", 0, -1, 1, &error2);
  g_autoptr(BpDataset) ds3 = bp_dataset_load_builtin ("spirals", &error3);

  assert_null (ds);
  assert_error (error, BP_DATASET_ERROR_UNKNOWN, "", "“nope”");
  assert_non_null (strstr (error->message, "checkerboard"));
  assert_non_null (strstr (error->message, "digits"));
  assert_non_null (strstr (error->message, ".csv"));

  assert_null (ds2);
  assert_error (error2, BP_DATASET_ERROR_IO, "/nonexistent/x.CSV", NULL);

  assert_null (ds3);
  assert_error (error3, BP_DATASET_ERROR_UNKNOWN, "", "iris");
}

/* A dataset whose row i is x = i, y = (2i, −i). */
static BpDataset *
make_indexed (gsize n)
{
  BpDataset *ds = g_new0 (BpDataset, 1);
  const char *features[] = { "i", NULL };
  const char *targets[] = { "a", "b", NULL };

  ds->name = g_strdup ("indexed");
  ds->source = g_strdup ("indexed.csv");
  ds->task = BP_TASK_REGRESSION;
  ds->n_rows = n;
  ds->n_features = 1;
  ds->n_targets = 2;
  ds->X = g_new (double, n);
  ds->Y = g_new (double, 2 * n);
  ds->feature_names = g_strdupv ((char **) features);
  ds->target_names = g_strdupv ((char **) targets);
  for (gsize i = 0; i < n; i++)
    {
      ds->X[i] = i;
      ds->Y[2 * i] = 2.0 * i;
      ds->Y[2 * i + 1] = -(double) i;
    }
  return ds;
}

static void
test_split (void **state)
{
  g_autoptr(BpDataset) ds = make_indexed (103);
  g_autoptr(BpDataset) train = NULL;
  g_autoptr(BpDataset) test = NULL;
  g_autoptr(BpDataset) train2 = NULL;
  g_autoptr(BpDataset) test2 = NULL;
  g_autoptr(BpDataset) train3 = NULL;
  g_autoptr(BpDataset) test3 = NULL;
  g_autofree int *seen = g_new0 (int, 103);
  gboolean in_order = TRUE;

  bp_dataset_split (ds, 0.25, 9, &train, &test);
  assert_int_equal (test->n_rows, 25);           /* ⌊103 · 0.25⌋ */
  assert_int_equal (train->n_rows, 78);
  assert_int_equal (train->n_features, 1);
  assert_int_equal (test->n_targets, 2);
  assert_string_equal (train->name, "indexed");
  assert_string_equal (test->source, "indexed.csv");
  assert_string_equal (test->target_names[1], "b");
  assert_int_equal (train->task, BP_TASK_REGRESSION);

  /* Disjoint and covering, rows kept whole. */
  for (gsize i = 0; i < test->n_rows; i++)
    {
      gsize k = (gsize) test->X[i];

      seen[k]++;
      assert_true (test->Y[2 * i] == 2.0 * k && test->Y[2 * i + 1] == -(double) k);
    }
  for (gsize i = 0; i < train->n_rows; i++)
    {
      gsize k = (gsize) train->X[i];

      seen[k]++;
      assert_true (train->Y[2 * i] == 2.0 * k && train->Y[2 * i + 1] == -(double) k);
      in_order = in_order && k == i;
    }
  for (gsize k = 0; k < 103; k++)
    assert_int_equal (seen[k], 1);
  assert_false (in_order);   /* shuffled */

  /* Same seed, same split; another seed, another. */
  bp_dataset_split (ds, 0.25, 9, &train2, &test2);
  assert_memory_equal (test->X, test2->X, 25 * sizeof (double));
  bp_dataset_split (ds, 0.25, 10, &train3, &test3);
  assert_true (memcmp (test->X, test3->X, 25 * sizeof (double)) != 0);
}

static void
test_split_edges (void **state)
{
  g_autoptr(BpDataset) ds = make_indexed (10);
  g_autoptr(BpDataset) train = NULL;
  g_autoptr(BpDataset) test = NULL;
  g_autoptr(BpDataset) train1 = NULL;
  g_autoptr(BpDataset) test1 = NULL;
  g_autoptr(BpDataset) empty = make_indexed (0);
  g_autoptr(BpDataset) train2 = NULL;
  g_autoptr(BpDataset) test2 = NULL;

  bp_dataset_split (ds, 0.0, 1, &train, &test);
  assert_int_equal (test->n_rows, 0);
  assert_int_equal (train->n_rows, 10);

  bp_dataset_split (ds, 1.0, 1, &train1, &test1);
  assert_int_equal (test1->n_rows, 10);
  assert_int_equal (train1->n_rows, 0);
  assert_int_equal (train1->n_features, 1);

  bp_dataset_split (empty, 0.5, 1, &train2, &test2);
  assert_int_equal (test2->n_rows, 0);
  assert_int_equal (train2->n_rows, 0);
}

static void
test_copy (void **state)
{
  g_autoptr(BpDataset) ds = bp_dataset_generate ("moons", 50, -1, 2, NULL);
  g_autoptr(BpDataset) copy = bp_dataset_copy (ds);

  assert_true (copy->X != ds->X);
  assert_memory_equal (copy->X, ds->X, 100 * sizeof (double));
  assert_memory_equal (copy->Y, ds->Y, 50 * sizeof (double));
  assert_string_equal (copy->name, "moons");
  assert_string_equal (copy->feature_names[1], "x2");
  assert_int_equal (copy->task, BP_TASK_BINARY);
  copy->X[0] += 1;
  assert_true (copy->X[0] != ds->X[0]);
  bp_dataset_free (NULL);
}

/* -------------------------------------------------------------------- CSV */

/* 10⁶ columns: refused from the header, naming the file, the line and the
 * column count, and not as "input width … is out of range" later.  4097
 * features are one too many; 4096 load. */
static void
test_csv_too_many_columns (void **state)
{
  static const gsize widths[] = { 1000000, 4098 };
  g_autoptr(GString) ok = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BpDataset) ds = NULL;

  for (gsize w = 0; w < G_N_ELEMENTS (widths); w++)
    {
      g_autoptr(GString) csv = g_string_new (NULL);
      g_autoptr(GError) local = NULL;
      g_autofree char *want = NULL;

      for (gsize j = 0; j + 1 < widths[w]; j++)
        g_string_append_printf (csv, "c%zu,", j);
      g_string_append (csv, "y\n");
      for (gsize j = 0; j + 1 < widths[w]; j++)
        g_string_append (csv, "0,");
      g_string_append (csv, "1\n");
      assert_null (bp_dataset_parse_csv (csv->str, csv->len, "wide.csv", NULL, &local));
      assert_true (g_error_matches (local, BP_DATASET_ERROR, BP_DATASET_ERROR_INVALID));
      want = g_strdup_printf ("wide.csv:1: the header has %zu columns, %zu of them features, "
                              "but a network takes at most 4096 inputs (one per feature column)",
                              widths[w], widths[w] - 1);
      assert_string_equal (local->message, want);
    }

  for (gsize j = 0; j < 4096; j++)
    g_string_append_printf (ok, "c%zu,", j);
  g_string_append (ok, "y\n");
  for (gsize j = 0; j < 4096; j++)
    g_string_append (ok, "0.5,");
  g_string_append (ok, "1\n");
  ds = bp_dataset_parse_csv (ok->str, ok->len, "edge.csv", NULL, &error);
  assert_non_null (ds);
  assert_int_equal (ds->n_features, 4096);
}

static void
test_csv_regression (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpDataset) ds = parse ("a,b,y\n1,2,3.5\n-4e-1,5,6\n", NULL, &error);

  assert_null (error);
  assert_int_equal (ds->task, BP_TASK_REGRESSION);
  assert_int_equal (ds->n_rows, 2);
  assert_int_equal (ds->n_features, 2);
  assert_int_equal (ds->n_targets, 1);
  assert_string_equal (ds->name, "t.csv");
  assert_string_equal (ds->feature_names[0], "a");
  assert_string_equal (ds->feature_names[1], "b");
  assert_null (ds->feature_names[2]);
  assert_string_equal (ds->target_names[0], "y");
  assert_true (ds->X[0] == 1 && ds->X[1] == 2 && ds->X[2] == -0.4 && ds->X[3] == 5);
  assert_true (ds->Y[0] == 3.5 && ds->Y[1] == 6);
}

static void
test_csv_binary (void **state)
{
  g_autoptr(BpDataset) ds = parse ("x,label\n0.5,1\n0.1,0\n0.7,1.0\n", NULL, NULL);
  g_autoptr(BpDataset) reg = parse ("x,label\n0.5,1\n0.1,0\n0.7,2\n", NULL, NULL);

  assert_int_equal (ds->task, BP_TASK_BINARY);
  assert_int_equal (ds->n_targets, 1);
  assert_string_equal (ds->target_names[0], "label");
  assert_true (ds->Y[0] == 1 && ds->Y[1] == 0 && ds->Y[2] == 1);
  assert_int_equal (reg->task, BP_TASK_REGRESSION);
}

static void
test_csv_labels (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpDataset) ds = parse ("x,animal\n1,cat\n2,dog\n3,cat\n4,bird\n",
                                   NULL, &error);
  static const double want[] = {
    1, 0, 0,
    0, 1, 0,
    1, 0, 0,
    0, 0, 1,
  };

  assert_null (error);
  assert_int_equal (ds->task, BP_TASK_MULTICLASS);
  assert_int_equal (ds->n_rows, 4);
  assert_int_equal (ds->n_features, 1);
  assert_int_equal (ds->n_targets, 3);
  assert_int_equal (g_strv_length (ds->target_names), 3);
  assert_string_equal (ds->target_names[0], "cat");
  assert_string_equal (ds->target_names[1], "dog");
  assert_string_equal (ds->target_names[2], "bird");
  assert_memory_equal (ds->Y, want, sizeof want);
}

static void
test_csv_labels_after_numbers (void **state)
{
  /* The column reads as numbers until the quoted "2"; from then on every
   * cell is a label, and the earlier ones are labels as written. */
  g_autoptr(GError) error = NULL;
  g_autoptr(BpDataset) ds = parse ("x,c\n1,1\n2,\"2\"\n\n3,two\n4,1.0\n5,1\n",
                                   NULL, &error);

  assert_null (error);
  assert_int_equal (ds->task, BP_TASK_MULTICLASS);
  assert_int_equal (ds->n_rows, 5);
  assert_int_equal (ds->n_targets, 4);
  assert_string_equal (ds->target_names[0], "1");
  assert_string_equal (ds->target_names[1], "2");
  assert_string_equal (ds->target_names[2], "two");
  assert_string_equal (ds->target_names[3], "1.0");
  assert_true (ds->Y[0 * 4 + 0] == 1 && ds->Y[3 * 4 + 3] == 1 && ds->Y[4 * 4 + 0] == 1);
}

static void
test_csv_quoted (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpDataset) ds =
    parse ("\"width, cm\",\"say \"\"hi\"\"\",kind\n"
           "\"1.5\", 2 ,\"a \"\"b\"\", c\"\n"
           " \"3\" ,4,\"two\nlines\"\n",
           NULL, &error);

  assert_null (error);
  assert_int_equal (ds->n_rows, 2);
  assert_string_equal (ds->feature_names[0], "width, cm");
  assert_string_equal (ds->feature_names[1], "say \"hi\"");
  assert_true (ds->X[0] == 1.5 && ds->X[1] == 2 && ds->X[2] == 3 && ds->X[3] == 4);
  assert_int_equal (ds->task, BP_TASK_MULTICLASS);
  assert_string_equal (ds->target_names[0], "a \"b\", c");
  assert_string_equal (ds->target_names[1], "two\nlines");
}

static void
test_csv_crlf_bom_blanks (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpDataset) ds = parse ("\xEF\xBB\xBF a ,\tb\t, y \r\n"
                                   " 1 , 2 ,0\r\n"
                                   "\r\n"
                                   "3,4, 1\r\n"
                                   "\r\n   \r\n\n",
                                   NULL, &error);

  assert_null (error);
  assert_int_equal (ds->n_rows, 2);
  assert_string_equal (ds->feature_names[0], "a");
  assert_string_equal (ds->feature_names[1], "b");
  assert_string_equal (ds->target_names[0], "y");
  assert_int_equal (ds->task, BP_TASK_BINARY);
  assert_true (ds->X[0] == 1 && ds->X[1] == 2 && ds->X[2] == 3 && ds->X[3] == 4);
}

static void
test_csv_targets (void **state)
{
  static const char * const targets[] = { "y2", "y1", NULL };
  static const char * const mid[] = { "c", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(BpDataset) ds = parse ("y1,x,y2,z\n0,1,1,7\n1,2,0,8\n", targets, &error);
  g_autoptr(BpDataset) ds2 = parse ("a,c,b\n1,p,2\n3,q,4\n", mid, &error);

  assert_null (error);
  assert_int_equal (ds->n_features, 2);
  assert_string_equal (ds->feature_names[0], "x");
  assert_string_equal (ds->feature_names[1], "z");
  assert_int_equal (ds->n_targets, 2);
  assert_string_equal (ds->target_names[0], "y2");
  assert_string_equal (ds->target_names[1], "y1");
  /* Two 0/1 columns are still regression: binary means one column. */
  assert_int_equal (ds->task, BP_TASK_REGRESSION);
  assert_true (ds->X[0] == 1 && ds->X[1] == 7 && ds->X[2] == 2 && ds->X[3] == 8);
  assert_true (ds->Y[0] == 1 && ds->Y[1] == 0 && ds->Y[2] == 0 && ds->Y[3] == 1);

  assert_int_equal (ds2->task, BP_TASK_MULTICLASS);
  assert_string_equal (ds2->feature_names[1], "b");
  assert_true (ds2->X[0] == 1 && ds2->X[1] == 2 && ds2->X[2] == 3 && ds2->X[3] == 4);
}

static void
test_csv_malformed (void **state)
{
  static const char * const unknown[] = { "y", "nope", NULL };
  static const char * const twice[] = { "y", "y", NULL };
  static const char * const none[] = { NULL };
  static const char * const all[] = { "a", "b", NULL };
  static const char * const two[] = { "a", "y", NULL };

  expect_csv_error ("", NULL, BP_DATASET_ERROR_PARSE, "empty");
  expect_csv_error ("\xEF\xBB\xBF\r\n \n\n", NULL, BP_DATASET_ERROR_PARSE, "empty");
  expect_csv_error ("a,b,y\n", NULL, BP_DATASET_ERROR_PARSE, "no data rows");
  expect_csv_error ("a,b,y\r\n\r\n\r\n", NULL, BP_DATASET_ERROR_PARSE, "no data rows");
  expect_csv_error ("a,b\n1,2\n3\n", NULL, BP_DATASET_ERROR_PARSE,
                    "t.csv:3: expected 2 fields, got 1");
  expect_csv_error ("a,b\n1,2\n3,4,5\n", NULL, BP_DATASET_ERROR_PARSE,
                    "t.csv:3: expected 2 fields, got 3");
  expect_csv_error ("a,b,y\n1,2,0\n4,abc,1\n", NULL, BP_DATASET_ERROR_PARSE,
                    "t.csv:3: column 2 (“b”): “abc” is not a number");
  expect_csv_error ("a,b,y\n1,nan,0\n", NULL, BP_DATASET_ERROR_PARSE,
                    "t.csv:2: column 2 (“b”): “nan” is not a number");
  expect_csv_error ("a,b,y\n-inf,1,0\n", NULL, BP_DATASET_ERROR_PARSE,
                    "t.csv:2: column 1 (“a”): “-inf” is not a number");
  expect_csv_error ("a,b,y\n1e999,1,0\n", NULL, BP_DATASET_ERROR_PARSE,
                    "t.csv:2: column 1 (“a”): “1e999” is not a number");
  expect_csv_error ("a,b,y\n,1,0\n", NULL, BP_DATASET_ERROR_PARSE,
                    "t.csv:2: column 1 (“a”): “” is not a number");
  expect_csv_error ("a,b,y\n1 2,1,0\n", NULL, BP_DATASET_ERROR_PARSE,
                    "t.csv:2: column 1 (“a”): “1 2” is not a number");
  expect_csv_error ("a,b,y\n1,2,0\n", unknown, BP_DATASET_ERROR_INVALID,
                    "no column is named “nope”; the columns are “a”, “b”, “y”");
  expect_csv_error ("a,b,y\n1,2,0\n", twice, BP_DATASET_ERROR_INVALID, "twice");
  expect_csv_error ("a,b,y\n1,2,0\n", none, BP_DATASET_ERROR_INVALID, "no target");
  expect_csv_error ("a,b\n1,2\n", all, BP_DATASET_ERROR_INVALID, "feature");
  expect_csv_error ("y\n1\n", NULL, BP_DATASET_ERROR_INVALID, "feature");
  expect_csv_error ("a,b,a\n1,2,0\n", NULL, BP_DATASET_ERROR_PARSE,
                    "t.csv:1: column 3 (“a”) has the same name as column 1");
  expect_csv_error ("a,,y\n1,2,0\n", NULL, BP_DATASET_ERROR_PARSE,
                    "t.csv:1: column 2 of the header has no name");
  expect_csv_error ("1,2,3\n4,5,6\n", NULL, BP_DATASET_ERROR_PARSE,
                    "t.csv:1: the first line holds numbers");
  expect_csv_error ("a,y\n1,\"open\n2,3\n", NULL, BP_DATASET_ERROR_PARSE,
                    "t.csv:2: column 2: the quoted field opened here is never closed");
  expect_csv_error ("a,y\n1,\"x\"y\n", NULL, BP_DATASET_ERROR_PARSE,
                    "t.csv:2: column 2: unexpected text after the closing quote");
  expect_csv_error ("a,y\n1,0\n2,\n", NULL, BP_DATASET_ERROR_PARSE,
                    "t.csv:3: column 2 (“y”): the cell is empty");
  expect_csv_error ("a,y\n1,cat\n2,\"\"\n", NULL, BP_DATASET_ERROR_PARSE,
                    "t.csv:3: column 2 (“y”): the cell is empty");
  expect_csv_error ("a,y\n1,0\n2,NaN\n", NULL, BP_DATASET_ERROR_PARSE,
                    "t.csv:3: column 2 (“y”): “NaN” is not a finite number");
  expect_csv_error ("a,y,b\n1,0,3\n2,cat,4\n", two, BP_DATASET_ERROR_INVALID,
                    "t.csv:3: column 2 (“y”): “cat” is a text label");
}

static void
test_csv_error_lines (void **state)
{
  /* Line numbers count physical lines: blank lines and line breaks inside
   * quotes included. */
  expect_csv_error ("\n\nx,y\n1,\"multi\nline\"\n\nbad,zz\n", NULL,
                    BP_DATASET_ERROR_PARSE,
                    "t.csv:7: column 1 (“x”): “bad” is not a number");
  /* Long cells are cut short in the message. */
  expect_csv_error ("x,y\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,1\n",
                    NULL, BP_DATASET_ERROR_PARSE,
                    "“AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA…” is not a number");
}

static void
test_csv_invalid_utf8 (void **state)
{
  /* Names and labels come out as valid UTF-8 whatever the bytes. */
  g_autoptr(GError) error = NULL;
  g_autoptr(BpDataset) ds = parse ("x\xff,y\n1,\xfe" "a\n", NULL, &error);
  g_autoptr(GError) error2 = NULL;
  g_autoptr(BpDataset) bad = parse ("x,y\n\xff,1\n", NULL, &error2);

  assert_null (error);
  assert_true (g_utf8_validate (ds->feature_names[0], -1, NULL));
  assert_true (g_utf8_validate (ds->target_names[0], -1, NULL));
  assert_null (bad);
  assert_error (error2, BP_DATASET_ERROR_PARSE, "t.csv:2: column 1", NULL);
  assert_true (g_utf8_validate (error2->message, -1, NULL));
}

static void
test_csv_nul_bytes (void **state)
{
  static const char data[] = "x,y\n1\0" "2,3\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(BpDataset) ds = bp_dataset_parse_csv (data, sizeof data - 1, "t.csv",
                                                  NULL, &error);

  assert_null (ds);
  assert_error (error, BP_DATASET_ERROR_PARSE, "t.csv:2: column 1", "not a number");
}

static void
test_csv_large (void **state)
{
  /* 100 000 rows, 4 features and a label: one linear pass. */
  g_autoptr(GString) csv = g_string_new ("a,b,c,d,label\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(BpDataset) ds = NULL;
  gint64 start;
  double elapsed;

  for (int i = 0; i < 100000; i++)
    g_string_append_printf (csv, "%d,%d.5,-%d,%de-3,%s\n", i, i % 7, i % 13, i,
                            i % 3 == 0 ? "red" : i % 3 == 1 ? "green" : "blue");

  start = g_get_monotonic_time ();
  ds = bp_dataset_parse_csv (csv->str, csv->len, "big.csv", NULL, &error);
  elapsed = (g_get_monotonic_time () - start) / 1e6;
  print_message ("100k rows parsed in %.3f s\n", elapsed);

  assert_null (error);
  assert_int_equal (ds->n_rows, 100000);
  assert_int_equal (ds->n_features, 4);
  assert_int_equal (ds->n_targets, 3);
  assert_true (ds->X[4 * 99999] == 99999 && ds->X[4 * 99999 + 3] == 99.999);
  assert_true (ds->Y[3 * 99999 + 0] == 1);   /* 99999 % 3 == 0: red */
  /* The time is printed, not asserted: a busy machine is no bug (the test's
   * timeout stops a parser that hangs). */
}

static void
test_csv_too_many_rows (void **state)
{
  /* 10 000 001 data rows of "0,0": refused once the limit is passed. */
  gsize rows = 10000001;
  gsize len = 4 + 4 * rows;
  g_autofree char *data = g_malloc (len);
  g_autoptr(GError) error = NULL;
  g_autoptr(BpDataset) ds = NULL;

  memcpy (data, "a,y\n", 4);
  for (gsize i = 0; i < rows; i++)
    memcpy (data + 4 + 4 * i, "0,0\n", 4);
  ds = bp_dataset_parse_csv (data, len, "huge.csv", NULL, &error);

  assert_null (ds);
  assert_error (error, BP_DATASET_ERROR_INVALID, "huge.csv:10000002:", "10000000");
}

static void
test_csv_files (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("bp-dataset-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "my data.csv", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.csv", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad.csv", NULL);
  g_autofree char *big = g_build_filename (dir, "big.csv", NULL);
  g_autofree char *subdir = g_build_filename (dir, "sub.csv", NULL);
  g_autoptr(BpDataset) ds = NULL;
  g_autoptr(BpDataset) opened = NULL;
  int fd;

  assert_non_null (dir);
  assert_true (g_file_set_contents (path, "x,y\n1,2\n3,4\n", -1, NULL));
  assert_true (g_file_set_contents (bad, "x,y\n1,2\n3,four,5\n", -1, NULL));
  assert_int_equal (g_mkdir (subdir, 0700), 0);
  /* A sparse file one byte over 1 GiB: refused from its size alone. */
  fd = g_open (big, O_CREAT | O_WRONLY, 0600);
  assert_true (fd >= 0);
  assert_int_equal (ftruncate (fd, ((off_t) 1 << 30) + 1), 0);
  close (fd);

  ds = bp_dataset_load_csv (path, NULL, &error);
  assert_null (error);
  assert_string_equal (ds->name, "my data.csv");
  assert_string_equal (ds->source, path);
  assert_int_equal (ds->n_rows, 2);
  opened = bp_dataset_open (path, 0, -1, 1, &error);
  assert_null (error);
  assert_memory_equal (opened->X, ds->X, 2 * sizeof (double));

  {
    g_autoptr(GError) e1 = NULL;
    g_autoptr(GError) e2 = NULL;
    g_autoptr(GError) e3 = NULL;
    g_autoptr(GError) e4 = NULL;
    g_autoptr(BpDataset) d1 = bp_dataset_load_csv (missing, NULL, &e1);
    g_autoptr(BpDataset) d2 = bp_dataset_load_csv (bad, NULL, &e2);
    g_autoptr(BpDataset) d3 = bp_dataset_load_csv (big, NULL, &e3);
    g_autoptr(BpDataset) d4 = bp_dataset_load_csv (subdir, NULL, &e4);
    g_autofree char *line3 = g_strconcat (bad, ":3: expected 2 fields, got 3", NULL);

    assert_null (d1);
    assert_error (e1, BP_DATASET_ERROR_IO, missing, NULL);
    assert_null (d2);
    assert_error (e2, BP_DATASET_ERROR_PARSE, line3, NULL);
    assert_null (d3);
    assert_error (e3, BP_DATASET_ERROR_INVALID, big, "1 GiB");
    assert_null (d4);
    assert_error (e4, BP_DATASET_ERROR_IO, subdir, NULL);
  }

  g_remove (path);
  g_remove (bad);
  g_remove (big);
  g_rmdir (subdir);
  assert_int_equal (g_rmdir (dir), 0);
}

/* --------------------------------------------------------- shipped files */

static void
test_data_dir (void **state)
{
  const char *dir = bp_data_dir ();
  g_autofree char *iris = NULL;

  assert_non_null (dir);
  assert_string_equal (dir, g_getenv ("BACKPROP_DATA_DIR"));
  iris = g_build_filename (dir, "iris.csv", NULL);
  assert_true (g_file_test (iris, G_FILE_TEST_IS_REGULAR));
}

static void
test_iris (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpDataset) ds = bp_dataset_load_builtin ("iris", &error);
  gsize per_class[3] = { 0, 0, 0 };

  assert_null (error);
  assert_string_equal (ds->name, "iris");
  assert_string_equal (ds->source, "iris");
  assert_int_equal (ds->task, BP_TASK_MULTICLASS);
  assert_int_equal (ds->n_rows, 150);
  assert_int_equal (ds->n_features, 4);
  assert_int_equal (ds->n_targets, 3);
  assert_string_equal (ds->feature_names[0], "sepal_length");
  assert_string_equal (ds->feature_names[3], "petal_width");
  assert_string_equal (ds->target_names[0], "setosa");
  assert_string_equal (ds->target_names[1], "versicolor");
  assert_string_equal (ds->target_names[2], "virginica");
  assert_true (ds->X[0] == 5.1 && ds->X[1] == 3.5 && ds->X[2] == 1.4 && ds->X[3] == 0.2);

  for (gsize i = 0; i < 150; i++)
    {
      double sum = 0;

      for (gsize k = 0; k < 3; k++)
        {
          assert_true (ds->Y[3 * i + k] == 0 || ds->Y[3 * i + k] == 1);
          sum += ds->Y[3 * i + k];
          per_class[k] += ds->Y[3 * i + k] == 1;
        }
      assert_true (sum == 1);
    }
  assert_int_equal (per_class[0], 50);
  assert_int_equal (per_class[1], 50);
  assert_int_equal (per_class[2], 50);
}

static void
test_digits (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpDataset) ds = bp_dataset_open ("digits", 0, -1, 1, &error);
  double max = 0;

  assert_null (error);
  assert_string_equal (ds->name, "digits");
  assert_int_equal (ds->task, BP_TASK_MULTICLASS);
  assert_int_equal (ds->n_rows, 1797);
  assert_int_equal (ds->n_features, 64);
  assert_int_equal (ds->n_targets, 10);
  assert_string_equal (ds->feature_names[0], "p0");
  assert_string_equal (ds->feature_names[63], "p63");
  for (int k = 0; k < 10; k++)
    {
      char want[2] = { (char) ('0' + k), 0 };

      assert_string_equal (ds->target_names[k], want);
      /* The first ten images are 0…9 in order. */
      assert_true (ds->Y[10 * k + k] == 1);
    }
  for (gsize i = 0; i < ds->n_rows * ds->n_features; i++)
    {
      /* Pixel counts 0…16 scaled by 1/16: multiples of 1/16 in [0, 1]. */
      assert_true (ds->X[i] >= 0.0 && ds->X[i] <= 1.0);
      assert_true (ds->X[i] * 16 == floor (ds->X[i] * 16));
      max = MAX (max, ds->X[i]);
    }
  assert_true (max == 1.0);
  /* The first image's third pixel is 5 / 16. */
  assert_true (ds->X[2] == 5.0 / 16.0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_generators_deterministic),
    cmocka_unit_test (test_generators_shape),
    cmocka_unit_test (test_generators_balanced),
    cmocka_unit_test (test_generators_range),
    cmocka_unit_test (test_generators_labels),
    cmocka_unit_test (test_generators_noise),
    cmocka_unit_test (test_generate_invalid),
    cmocka_unit_test (test_generate_case_insensitive),
    cmocka_unit_test (test_list_opens),
    cmocka_unit_test (test_open_unknown),
    cmocka_unit_test (test_split),
    cmocka_unit_test (test_split_edges),
    cmocka_unit_test (test_copy),
    cmocka_unit_test (test_csv_regression),
    cmocka_unit_test (test_csv_binary),
    cmocka_unit_test (test_csv_labels),
    cmocka_unit_test (test_csv_labels_after_numbers),
    cmocka_unit_test (test_csv_quoted),
    cmocka_unit_test (test_csv_crlf_bom_blanks),
    cmocka_unit_test (test_csv_targets),
    cmocka_unit_test (test_csv_malformed),
    cmocka_unit_test (test_csv_error_lines),
    cmocka_unit_test (test_csv_invalid_utf8),
    cmocka_unit_test (test_csv_nul_bytes),
    cmocka_unit_test (test_csv_large),
    cmocka_unit_test (test_csv_too_many_rows),
    cmocka_unit_test (test_csv_files),
    cmocka_unit_test (test_data_dir),
    cmocka_unit_test (test_iris),
    cmocka_unit_test (test_digits),
    cmocka_unit_test (test_csv_too_many_columns),
  };

  return cmocka_run_group_tests_name ("dataset", tests, NULL, NULL);
}
