/* test-record-dist.c — bp-record-dist: histograms of W(n) and ∂C/∂W(n) over
 * a recording's kept steps against direct counts, the gradient at a kept
 * step against the trainer's, dead and saturated fractions of constructed
 * networks, the bins, the pass rows, and errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "bp-diagnostics.h"
#include "bp-record-dist.h"
#include "test-trainer-fixtures.h"
#include "test-record-run.h"

/* 2-8-1 (tanh, linear, mse) on the line data, full batch in row order,
 * SGD: each step's gradient is the full-batch gradient of its start. */
static void
run_init (Run        *run,
          const char *hidden_act)
{
  g_autoptr(GError) error = NULL;
  BpTrainConfig config = { .batch_size = 10, .shuffle = FALSE, .seed = 5, .keep_trace = TRUE };

  run->ds = line_dataset ();
  run->net = make_net (2, 8, hidden_act, 1, "linear", "mse", 3);
  run->opt = make_opt ("sgd", run->net->n_params, 0.1);
  run->tr = bp_trainer_new (run->net, run->opt, run->ds, NULL, &config, &error);
  assert_non_null (run->tr);
}

static BpRecord *
record_steps (Run     *run,
              guint64  n)
{
  g_autoptr(GError) error = NULL;
  BpRecord *rec = bp_record_new (BP_RECORD_DEFAULT_BUDGET);

  assert_true (bp_record_add (rec, run->net, run->opt, run->tr, &error));
  for (guint64 i = 0; i < n; i++)
    {
      assert_true (bp_trainer_step (run->tr, &error));
      assert_true (bp_record_add (rec, run->net, run->opt, run->tr, &error));
    }
  return rec;
}

static BpRecordDist *
compute (const BpRecord *rec,
         const Run      *run)
{
  g_autoptr(GError) error = NULL;
  BpRecordDist *dist = bp_record_dist_compute (rec, run->net, run->ds->X, run->ds->Y,
                                               run->ds->n_rows, NULL, NULL, &error);

  if (dist == NULL)
    fail_msg ("%s", error->message);
  return dist;
}

/* W(n) at every kept step, counted here from the restored parameters with
 * the bins the header states: 41 over [−m, m], m the largest |w| of the
 * layer over the steps. */
static void
test_weights_direct_count (void **state)
{
  g_autoptr(BpRecord) rec = NULL;
  g_autoptr(BpRecordDist) dist = NULL;
  g_autoptr(BpNetwork) copy = NULL;
  Run run;

  (void) state;
  run_init (&run, "tanh");
  rec = record_steps (&run, 40);
  dist = compute (rec, &run);
  copy = bp_network_copy (run.net);
  assert_int_equal (dist->n_steps, bp_record_n (rec));
  assert_int_equal (dist->n_steps, 41);

  for (gsize l = 0; l < copy->n_layers; l++)
    {
      const BpRecordDistHist *h = &dist->hist[BP_RECORD_DIST_WEIGHTS][l];
      gsize nw = copy->layers[l].in * copy->layers[l].out;
      double m = 0;

      for (gsize i = 0; i < dist->n_steps; i++)
        {
          assert_true (bp_record_restore (rec, i, copy, NULL, NULL, NULL));
          for (gsize k = 0; k < nw; k++)
            m = MAX (m, fabs (copy->layers[l].W[k]));
        }
      assert_false (h->symlog);
      assert_int_equal (h->n_bins, BP_RECORD_DIST_W_BINS);
      assert_int_equal (h->n_values, nw);
      assert_true (h->hi == m && h->lo == -m);
      for (gsize i = 0; i < dist->n_steps; i++)
        {
          guint32 direct[BP_RECORD_DIST_W_BINS] = { 0 };
          gsize sum = 0;

          assert_true (bp_record_restore (rec, i, copy, NULL, NULL, NULL));
          for (gsize k = 0; k < nw; k++)
            {
              int b = (int) floor ((copy->layers[l].W[k] + m) / (2 * m) * BP_RECORD_DIST_W_BINS);

              direct[CLAMP (b, 0, BP_RECORD_DIST_W_BINS - 1)]++;
            }
          for (gsize b = 0; b < h->n_bins; b++)
            {
              assert_int_equal (h->counts[i * h->n_bins + b], direct[b]);
              sum += direct[b];
            }
          assert_int_equal (sum, nw);
          assert_int_equal (h->nonfinite[i], 0);
        }
    }
  /* The run moved its weights: the first and last columns differ. */
  {
    const BpRecordDistHist *h = &dist->hist[BP_RECORD_DIST_WEIGHTS][0];

    assert_true (memcmp (h->counts, h->counts + 40 * h->n_bins, h->n_bins * sizeof (guint32)) != 0);
  }
  run_clear (&run);
}

/* ∂C/∂W at kept step k is, bit for bit, the gradient the trainer computed
 * in step k + 1 (full batch, rows in order); and its histogram counts the
 * values into the bins whose ranges hold them. */
static void
test_gradient_is_trainers (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpRecord) rec = NULL;
  g_autoptr(BpRecordDist) dist = NULL;
  g_autoptr(BpNetwork) copy = NULL;
  g_autoptr(BpTrace) trace = NULL;
  g_autofree double *trainer_grads = NULL;
  gssize i;
  Run run;

  (void) state;
  run_init (&run, "tanh");
  rec = record_steps (&run, 25);
  /* Step 26 computes the gradient at step 25's parameters. */
  assert_true (bp_trainer_step (run.tr, &error));
  trainer_grads = g_memdup2 (run.net->grads, run.net->n_params * sizeof (double));

  copy = bp_network_copy (run.net);
  trace = bp_trace_new (copy, bp_record_dist_n_rows (run.ds->n_rows));
  i = bp_record_find (rec, 25);
  assert_int_equal (bp_record_step_at (rec, (gsize) i), 25);
  assert_true (bp_record_dist_pass (rec, (gsize) i, copy, trace, run.ds->X, run.ds->Y,
                                    run.ds->n_rows, &error));
  assert_memory_equal (copy->grads, trainer_grads, run.net->n_params * sizeof (double));

  dist = compute (rec, &run);
  for (gsize l = 0; l < copy->n_layers; l++)
    {
      const BpRecordDistHist *h = &dist->hist[BP_RECORD_DIST_GRADIENTS][l];
      g_autofree guint32 *direct = g_new0 (guint32, h->n_bins);

      assert_true (h->symlog);
      assert_int_equal (h->n_bins, 2 * h->half + 1);
      assert_true (h->half <= BP_RECORD_DIST_DECADES * BP_RECORD_DIST_BINS_PER_DECADE);
      for (gsize k = 0; k < h->n_values; k++)
        {
          double g = copy->layers[l].dW[k], lo, hi;
          gsize b = bp_record_dist_bin (h, g);

          bp_record_dist_bin_range (h, b, &lo, &hi);
          if (b == h->half)
            assert_true (fabs (g) < h->lo);
          else
            assert_true (g >= lo - 1e-12 * fabs (lo) && g <= hi + 1e-12 * fabs (hi));
          direct[b]++;
        }
      assert_memory_equal (h->counts + (gsize) i * h->n_bins, direct, h->n_bins * sizeof (guint32));
    }
  run_clear (&run);
}

/* Sets layer l's row u: W = w (every input), b = bias. */
static void
set_unit (BpNetwork *net,
          gsize      l,
          gsize      u,
          double     w,
          double     bias)
{
  BpLayer *L = &net->layers[l];

  for (gsize k = 0; k < L->in; k++)
    L->W[u * L->in + k] = w;
  L->b[u] = bias;
}

/* 2-4-1 ReLU with units 1 and 3 dead by construction (W = 0, b = −1: z =
 * −1 for every input, so no gradient ever reaches them and they stay so):
 * 2 of 4 dead at every step; the others (b = 5 > |x₁| + |x₂|) are never
 * in ReLU's flat half, so none is saturated.  Then a sigmoid layer with
 * b = 20 for three units: σ′ ≈ 2·10⁻⁹ for every row: 3 of 4 saturated,
 * none dead. */
static void
test_dead_and_saturated (void **state)
{
  g_autoptr(GError) error = NULL;

  (void) state;
  for (int sig = 0; sig < 2; sig++)
    {
      g_autoptr(BpRecord) rec = NULL;
      g_autoptr(BpRecordDist) dist = NULL;
      BpTrainConfig config = { .batch_size = 5, .shuffle = TRUE, .seed = 5, .keep_trace = TRUE };
      Run run;

      run.ds = line_dataset ();
      run.net = make_net (2, 4, sig ? "sigmoid" : "relu", 1, "linear", "mse", 3);
      run.opt = make_opt ("sgd", run.net->n_params, 0.05);
      for (gsize u = 0; u < 4; u++)
        {
          if (sig)
            set_unit (run.net, 0, u, 0.5, u < 3 ? 20 : 0);
          else
            set_unit (run.net, 0, u, u % 2 == 1 ? 0 : 0.5, u % 2 == 1 ? -1 : 5);
        }
      run.tr = bp_trainer_new (run.net, run.opt, run.ds, NULL, &config, &error);
      assert_non_null (run.tr);
      rec = record_steps (&run, 12);
      dist = compute (rec, &run);
      assert_int_equal (dist->rows_used, 10);
      for (gsize i = 0; i < dist->n_steps; i++)
        {
          assert_true (dist->dead[i * 2 + 0] == (sig ? 0.0 : 0.5));
          assert_true (dist->saturated[i * 2 + 0] == (sig ? 0.75 : 0.0));
          /* the linear output is neither */
          assert_true (dist->dead[i * 2 + 1] == 0.0);
          assert_true (dist->saturated[i * 2 + 1] == 0.0);
        }
      run_clear (&run);
    }
}

/* Positions and ranges agree with the bins, on both kinds of bins. */
static void
test_bins (void **state)
{
  g_autoptr(BpRecord) rec = NULL;
  g_autoptr(BpRecordDist) dist = NULL;
  BpRng rng;
  Run run;

  (void) state;
  run_init (&run, "tanh");
  rec = record_steps (&run, 10);
  dist = compute (rec, &run);
  bp_rng_init (&rng, 4);
  for (int q = 0; q < BP_RECORD_DIST_N_QUANTITIES; q++)
    {
      const BpRecordDistHist *h = &dist->hist[q][0];

      for (int t = 0; t < 2000; t++)
        {
          /* values spread over many decades, both signs */
          double v = (bp_rng_uniform (&rng) < 0.5 ? -1 : 1)
                     * pow (10, bp_rng_range (&rng, log10 (h->hi) - 9, log10 (h->hi) - 1e-9));
          gsize b = bp_record_dist_bin (h, v);
          double p = bp_record_dist_position (h, v), lo, hi;

          bp_record_dist_bin_range (h, b, &lo, &hi);
          assert_true (p >= b - 1e-9 && p <= b + 1 + 1e-9);
          assert_true (v >= lo - 1e-12 * fabs (lo) && v <= hi + 1e-12 * fabs (hi));
        }
      /* bins tile the range without gaps */
      for (gsize b = 0; b + 1 < h->n_bins; b++)
        {
          double lo0, hi0, lo1, hi1;

          bp_record_dist_bin_range (h, b, &lo0, &hi0);
          bp_record_dist_bin_range (h, b + 1, &lo1, &hi1);
          assert_true (fabs (hi0 - lo1) <= 1e-12 * MAX (fabs (hi0), 1e-300));
        }
    }
  run_clear (&run);
}

/* More rows than the pass takes: 1024 of them, evenly, in order. */
static void
test_pass_rows (void **state)
{
  gsize last = 0;

  (void) state;
  assert_int_equal (bp_record_dist_n_rows (10), 10);
  assert_int_equal (bp_record_dist_n_rows (5000), BP_RECORD_DIST_MAX_ROWS);
  assert_int_equal (bp_record_dist_row (10, 7), 7);
  for (gsize k = 0; k < BP_RECORD_DIST_MAX_ROWS; k++)
    {
      gsize r = bp_record_dist_row (5000, k);

      assert_true (k == 0 ? r == 0 : r > last);
      assert_true (r < 5000);
      last = r;
    }
  assert_int_equal (bp_record_dist_row (5000, 512), 2500);
}

static gboolean
stop_at_three (gsize    done,
               gsize    total,
               gpointer data)
{
  int *calls = data;

  (void) total;
  (*calls)++;
  return done < 3;
}

/* Other rows, or a stop, are errors; nothing is returned. */
static void
test_errors (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpRecord) rec = NULL;
  BpRecordDist *dist;
  int calls = 0;
  Run run;

  (void) state;
  run_init (&run, "tanh");
  rec = record_steps (&run, 10);
  dist = bp_record_dist_compute (rec, run.net, run.ds->X, run.ds->Y, 9, NULL, NULL, &error);
  assert_null (dist);
  assert_true (g_error_matches (error, BP_RECORD_DIST_ERROR, BP_RECORD_DIST_ERROR_MISMATCH));
  assert_non_null (strstr (error->message, "10 rows"));
  g_clear_error (&error);

  dist = bp_record_dist_compute (rec, run.net, run.ds->X, run.ds->Y, 10, stop_at_three, &calls, &error);
  assert_null (dist);
  assert_int_equal (calls, 3);
  assert_true (g_error_matches (error, BP_RECORD_DIST_ERROR, BP_RECORD_DIST_ERROR_CANCELLED));
  run_clear (&run);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_weights_direct_count),
    cmocka_unit_test (test_gradient_is_trainers),
    cmocka_unit_test (test_dead_and_saturated),
    cmocka_unit_test (test_bins),
    cmocka_unit_test (test_pass_rows),
    cmocka_unit_test (test_errors),
  };

  return cmocka_run_group_tests_name ("record-dist", tests, NULL, NULL);
}
