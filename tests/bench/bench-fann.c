/* bench-fann.c — FANN's side of bench-train: a double-precision FANN
 * network with the same widths and data as ours, trained one epoch at a
 * time by fann_train_epoch.  Part of the bench-train program
 * (bench-train.h).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "bp-network.h"

#include "bench-train.h"

#define FANN_ERROR (g_quark_from_static_string ("bench-fann-error"))

typedef struct
{
  struct fann            *ann;
  struct fann_train_data *data;
  const BpDataset        *ds;
} FannSide;

static void
fann_side_free (FannSide *side)
{
  if (side == NULL)
    return;
  g_clear_pointer (&side->data, fann_destroy_train);
  g_clear_pointer (&side->ann, fann_destroy);
  g_free (side);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FannSide, fann_side_free)

static gboolean
fann_chunk (gpointer   data,
            guint64   *n_samples,
            GError   **error)
{
  FannSide *side = data;
  float mse = fann_train_epoch (side->ann, side->data);

  if (!isfinite (mse))
    {
      g_set_error (error, FANN_ERROR, 0, "FANN diverged (MSE %g)", mse);
      return FALSE;
    }
  *n_samples += side->data->num_data;
  return TRUE;
}

/* The fraction of rows whose largest output (or, for one output, whether it
 * is above 0.5) matches the target's. */
static double
fann_accuracy (struct fann     *ann,
               const BpDataset *ds)
{
  gsize nf = ds->n_features, nt = ds->n_targets, hits = 0;

  for (gsize s = 0; s < ds->n_rows; s++)
    {
      const fann_type *out = fann_run (ann, ds->X + s * nf);
      const double *y = ds->Y + s * nt;

      if (nt == 1)
        hits += (out[0] > 0.5) == (y[0] > 0.5);
      else
        {
          gsize best = 0, truth = 0;

          for (gsize k = 1; k < nt; k++)
            {
              if (out[k] > out[best])
                best = k;
              if (y[k] > y[truth])
                truth = k;
            }
          hits += best == truth;
        }
    }
  return (double) hits / (double) ds->n_rows;
}

static void
fann_report (gpointer data)
{
  FannSide *side = data;

  g_print ("  %-46s MSE %.4g, accuracy %.3f\n", "",
           fann_get_MSE (side->ann), fann_accuracy (side->ann, side->ds));
}

/* FANN's activations carry a steepness s: FANN_SIGMOID is 1/(1 + e^(−2sx))
 * and FANN_SIGMOID_SYMMETRIC is tanh(sx), so s = 0.5 gives the logistic
 * function and s = 1 gives tanh, our sigmoid and tanh. */
gboolean
bench_fann_side_init (BenchSide                     *out,
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
                      GError                       **error)
{
  g_autoptr(FannSide) side = g_new0 (FannSide, 1);
  unsigned int layers[BP_MAX_LAYERS + 1];
  gsize nf = ds->n_features, nt = ds->n_targets;

  side->ds = ds;
  g_assert (n_widths <= G_N_ELEMENTS (layers));
  for (gsize l = 0; l < n_widths; l++)
    layers[l] = widths[l];
  side->ann = fann_create_standard_array (n_widths, layers);
  if (side->ann == NULL)
    {
      g_set_error (error, FANN_ERROR, 0, "fann_create_standard_array failed");
      return FALSE;
    }
  fann_set_activation_function_hidden (side->ann, hidden);
  fann_set_activation_steepness_hidden (side->ann, hidden_steepness);
  fann_set_activation_function_output (side->ann, output);
  fann_set_activation_steepness_output (side->ann, output_steepness);
  fann_set_training_algorithm (side->ann, algorithm);
  fann_set_learning_rate (side->ann, (float) lr);
  fann_set_learning_momentum (side->ann, 0.0f);
  /* FANN's default error function is its "tanh" one; plain mse is ours. */
  fann_set_train_error_function (side->ann, FANN_ERRORFUNC_LINEAR);
  /* fann_create_* seeds rand() from /dev/urandom; make the run repeatable. */
  srand ((unsigned int) BENCH_SEED);
  fann_randomize_weights (side->ann, -0.1, 0.1);

  side->data = fann_create_train (ds->n_rows, nf, nt);
  if (side->data == NULL)
    {
      g_set_error (error, FANN_ERROR, 0, "fann_create_train failed");
      return FALSE;
    }
  for (gsize s = 0; s < ds->n_rows; s++)
    {
      memcpy (side->data->input[s], ds->X + s * nf, nf * sizeof (fann_type));
      memcpy (side->data->output[s], ds->Y + s * nt, nt * sizeof (fann_type));
    }
  *out = (BenchSide) {
    .key = g_strdup (key),
    .label = label,
    .chunk = fann_chunk,
    .report = fann_report,
    .free_data = (GDestroyNotify) fann_side_free,
    .data = g_steal_pointer (&side),
  };
  return TRUE;
}

