/* test-trainer.c — mini-batch training: XOR converges, runs are
 * deterministic, the history and gradient norms are kept, NaN and
 * divergence stop a step and leave the network as it was, no row is
 * dropped from an epoch, and a step taken in halves is the trainer's step.
 * (Saved progress: test-trainer-progress.c.)
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-util.h"
#include "test-trainer-fixtures.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "bp-dataset.h"
#include "bp-model.h"
#include "bp-network.h"
#include "bp-optimizer.h"
#include "bp-rng.h"
#include "bp-trainer.h"
#include "bp-util.h"

/* ------------------------------------------------------------------- XOR */

/* 2-4-1, tanh hidden, sigmoid output, bce, adam lr 0.05, full batch,
 * glorot_uniform weights from seed 1.  It needs 123 epochs (one step each)
 * to get the mean loss below 0.01 (from 0.71 after the first). */
#define XOR_EPOCHS_MAX 200

static void
test_xor_converges (void **state)
{
  g_autoptr(BpDataset) ds = xor_dataset ();
  g_autoptr(BpNetwork) net = make_net (2, 4, "tanh", 1, "sigmoid", "bce", 1);
  g_autoptr(BpOptimizer) opt = make_opt ("adam", net->n_params, 0.05);
  g_autoptr(BpTrainer) tr = NULL;
  g_autoptr(GError) error = NULL;
  const BpTrainConfig config = { .batch_size = 4, .shuffle = FALSE, .seed = 7, .keep_trace = TRUE };
  const BpEpochStats *last = NULL;
  double first_loss = NAN;
  guint epochs = 0;

  tr = bp_trainer_new (net, opt, ds, NULL, &config, &error);
  assert_non_null (tr);
  while (epochs < XOR_EPOCHS_MAX)
    {
      if (!bp_trainer_run_epoch (tr, NULL, NULL, &error))
        fail_msg ("epoch %u: %s", epochs + 1, error->message);
      epochs++;
      last = bp_trainer_last_epoch (tr);
      if (epochs == 1)
        first_loss = last->train_loss;
      if (last->train_loss < 0.01)
        break;
    }
  print_message ("XOR: mean loss %.6g after %u epochs (first epoch %.6g)\n",
                 last->train_loss, epochs, first_loss);
  assert_true (last->train_loss < 0.01);
  assert_true (first_loss > 0.5);   /* it did start from chance */
  assert_near (last->train_accuracy, 1.0, 0.0, 0.0);
  assert_true (isnan (last->test_loss));
  assert_true (isnan (last->test_accuracy));
  assert_int_equal (last->epoch, epochs);
  assert_int_equal (last->step, epochs);
  assert_int_equal (tr->steps, epochs);
  assert_int_equal (opt->t, epochs);

  /* The network now computes XOR. */
  {
    g_autofree double *scratch = g_new (double, bp_network_scratch_size (net));

    for (int r = 0; r < 4; r++)
      {
        double out;

        bp_network_predict (net, xor_X + 2 * r, &out, scratch);
        assert_true (fabs (out - xor_Y[r]) < 0.05);
      }
  }
}

/* ---------------------------------------------------------- determinism */

static BpNetwork *
train_line (guint64  init_seed,
            guint64  shuffle_seed,
            gboolean keep_trace,
            guint    epochs,
            GArray **grad_norms_out)
{
  g_autoptr(BpDataset) ds = line_dataset ();
  BpNetwork *net = make_net (2, 5, "tanh", 1, "linear", "mse", init_seed);
  g_autoptr(BpOptimizer) opt = make_opt ("momentum", net->n_params, 0.05);
  g_autoptr(BpTrainer) tr = NULL;
  g_autoptr(GError) error = NULL;
  const BpTrainConfig config = {
    .batch_size = 3, .shuffle = TRUE, .seed = shuffle_seed, .keep_trace = keep_trace,
  };

  tr = bp_trainer_new (net, opt, ds, NULL, &config, &error);
  assert_non_null (tr);
  for (guint e = 0; e < epochs; e++)
    assert_true (bp_trainer_run_epoch (tr, NULL, NULL, &error));
  assert_int_equal (tr->history->len, epochs);
  /* 10 rows in batches of 3: 3 + 3 + 3 + 1, four steps an epoch. */
  assert_int_equal (tr->steps, 4 * epochs);
  if (grad_norms_out != NULL)
    *grad_norms_out = g_array_ref (tr->grad_norms);
  return net;
}

static void
test_determinism (void **state)
{
  g_autoptr(BpNetwork) a = train_line (3, 100, TRUE, 5, NULL);
  g_autoptr(BpNetwork) b = train_line (3, 100, TRUE, 5, NULL);
  g_autoptr(BpNetwork) c = train_line (3, 101, TRUE, 5, NULL);
  g_autoptr(BpNetwork) d = train_line (4, 100, TRUE, 5, NULL);

  /* Same seeds: the same bits. */
  assert_true (bp_network_equal (a, b));
  assert_memory_equal (a->params, b->params, a->n_params * sizeof (double));
  /* Another shuffle seed, or another init seed: different parameters. */
  assert_false (bp_network_equal (a, c));
  assert_false (bp_network_equal (a, d));
}

static void
test_keep_trace_does_not_change_training (void **state)
{
  GArray *norms_kept = NULL, *norms_not = NULL;
  g_autoptr(BpNetwork) kept = train_line (3, 100, TRUE, 4, &norms_kept);
  g_autoptr(BpNetwork) not_kept = train_line (3, 100, FALSE, 4, &norms_not);

  assert_memory_equal (kept->params, not_kept->params, kept->n_params * sizeof (double));
  /* n_layers norms per step only when the trace is kept. */
  assert_int_equal (norms_kept->len, 4 * 4 * kept->n_layers);
  assert_int_equal (norms_not->len, 0);
  for (guint i = 0; i < norms_kept->len; i++)
    {
      double v = g_array_index (norms_kept, double, i);

      assert_true (isfinite (v) && v > 0.0);
    }
  g_array_unref (norms_kept);
  g_array_unref (norms_not);
}

/* ------------------------------------------------------ history and norms */

static void
test_history_and_grad_norms (void **state)
{
  g_autoptr(BpDataset) train = line_dataset ();
  g_autoptr(BpDataset) test = line_dataset ();
  g_autoptr(BpNetwork) net = make_net (2, 3, "sigmoid", 1, "linear", "mse", 5);
  g_autoptr(BpOptimizer) opt = make_opt ("sgd", net->n_params, 0.1);
  g_autoptr(BpTrainer) tr = NULL;
  g_autoptr(GError) error = NULL;
  const BpTrainConfig config = { .batch_size = 4, .shuffle = TRUE, .seed = 1, .keep_trace = TRUE };
  double norms[2];

  tr = bp_trainer_new (net, opt, train, test, &config, &error);
  assert_non_null (tr);
  assert_null (bp_trainer_last_epoch (tr));

  for (guint e = 1; e <= 6; e++)
    {
      const BpEpochStats *st;
      double loss, acc;

      assert_true (bp_trainer_run_epoch (tr, NULL, NULL, &error));
      assert_int_equal (tr->history->len, e);
      st = bp_trainer_last_epoch (tr);
      assert_ptr_equal (st, &g_array_index (tr->history, BpEpochStats, e - 1));
      assert_int_equal (st->epoch, e);
      /* 10 rows in batches of 4: 3 steps an epoch. */
      assert_int_equal (st->step, 3 * e);
      /* The recorded losses are the network's over the sets right now. */
      bp_evaluate (net, train, &loss, &acc);
      assert_near (st->train_loss, loss, 0.0, 0.0);
      assert_true (isnan (st->train_accuracy));   /* regression */
      bp_evaluate (net, test, &loss, &acc);
      assert_near (st->test_loss, loss, 0.0, 0.0);
      assert_true (isfinite (st->test_loss));

      /* n_layers norms per step, the last ones those of the last step's
       * gradients (still in net->grads after the update). */
      assert_int_equal (tr->grad_norms->len, 3 * e * net->n_layers);
      bp_network_grad_norms (net, norms);
      for (gsize l = 0; l < net->n_layers; l++)
        {
          double got = g_array_index (tr->grad_norms, double,
                                      tr->grad_norms->len - net->n_layers + l);

          assert_near (got, norms[l], 0.0, 0.0);
          assert_near (got, tr->trace->grad_norm[l], 0.0, 0.0);
        }
    }
  /* Training a line with sgd brings the loss down. */
  assert_true (g_array_index (tr->history, BpEpochStats, 5).train_loss <
               g_array_index (tr->history, BpEpochStats, 0).train_loss);

  /* evaluate by hand: mean of ½(out − y)² over the rows. */
  {
    g_autofree double *scratch = g_new (double, bp_network_scratch_size (net));
    double sum = 0.0, loss, acc;

    for (gsize r = 0; r < train->n_rows; r++)
      {
        double out;

        bp_network_predict (net, train->X + 2 * r, &out, scratch);
        sum += 0.5 * (out - train->Y[r]) * (out - train->Y[r]);
      }
    bp_evaluate (net, train, &loss, &acc);
    assert_near (loss, sum / 10, 1e-14, 0.0);
  }
}

static int progress_calls;
static double progress_last;

static void
on_progress (double   fraction,
             gpointer data)
{
  assert_ptr_equal (data, &progress_calls);
  assert_true (fraction > progress_last);
  progress_last = fraction;
  progress_calls++;
}

/* ------------------------------------------------ last partial batch used */

static void
test_partial_last_batch (void **state)
{
  g_autoptr(BpDataset) ds = line_dataset ();
  g_autoptr(BpNetwork) net = make_net (2, 3, "tanh", 1, "linear", "mse", 9);
  g_autoptr(BpNetwork) by_hand = bp_network_copy (net);
  g_autoptr(BpOptimizer) opt = make_opt ("sgd", net->n_params, 0.1);
  g_autoptr(BpOptimizer) opt_hand = make_opt ("sgd", net->n_params, 0.1);
  g_autoptr(BpTrainer) tr = NULL;
  g_autoptr(BpTrace) trace = bp_trace_new (by_hand, 4);
  g_autoptr(GError) error = NULL;
  const BpTrainConfig config = { .batch_size = 4, .shuffle = FALSE, .seed = 0, .keep_trace = TRUE };

  tr = bp_trainer_new (net, opt, ds, NULL, &config, &error);
  assert_non_null (tr);
  progress_calls = 0;
  progress_last = 0.0;
  assert_true (bp_trainer_run_epoch (tr, on_progress, &progress_calls, &error));
  /* 4 + 4 + 2: three steps, the last with the 2 remaining rows. */
  assert_int_equal (tr->steps, 3);
  assert_int_equal (progress_calls, 3);
  assert_near (progress_last, 1.0, 0.0, 0.0);
  assert_int_equal (tr->trace->batch, 2);
  assert_int_equal (bp_trainer_last_epoch (tr)->step, 3);

  /* The same three steps by hand, rows 0–3, 4–7, 8–9 in order. */
  for (gsize start = 0; start < 10; start += 4)
    {
      gsize B = MIN (4, 10 - start);

      bp_network_gradients (by_hand, trace, ds->X + 2 * start, ds->Y + start, B);
      bp_optimizer_step (opt_hand, by_hand->params, by_hand->grads);
    }
  assert_memory_equal (net->params, by_hand->params, net->n_params * sizeof (double));

  /* A batch larger than the set is full batch: one step an epoch. */
  {
    g_autoptr(BpNetwork) net2 = make_net (2, 3, "tanh", 1, "linear", "mse", 9);
    g_autoptr(BpOptimizer) opt2 = make_opt ("sgd", net2->n_params, 0.1);
    const BpTrainConfig big = { .batch_size = 1000, .shuffle = TRUE, .seed = 0, .keep_trace = FALSE };
    g_autoptr(BpTrainer) tr2 = bp_trainer_new (net2, opt2, ds, NULL, &big, &error);

    assert_non_null (tr2);
    assert_int_equal (tr2->config.batch_size, 10);
    assert_true (bp_trainer_run_epoch (tr2, NULL, NULL, &error));
    assert_true (bp_trainer_run_epoch (tr2, NULL, NULL, &error));
    assert_int_equal (tr2->steps, 2);
  }
}

/* ------------------------------------------------ steps on a fixed batch */

static void
test_steps_on_batch_equals_by_hand (void **state)
{
  g_autoptr(BpNetwork) net = make_net (2, 4, "tanh", 1, "sigmoid", "bce", 11);
  g_autoptr(BpNetwork) by_hand = bp_network_copy (net);
  g_autoptr(BpOptimizer) opt = make_opt ("adam", net->n_params, 0.03);
  g_autoptr(BpOptimizer) opt_hand = make_opt ("adam", net->n_params, 0.03);
  g_autoptr(BpTrace) trace = bp_trace_new (by_hand, 4);
  g_autoptr(GError) error = NULL;

  assert_true (bp_train_steps_on_batch (net, opt, xor_X, xor_Y, 4, 7, &error));
  assert_null (error);
  for (int i = 0; i < 7; i++)
    {
      bp_network_gradients (by_hand, trace, xor_X, xor_Y, 4);
      bp_optimizer_step (opt_hand, by_hand->params, by_hand->grads);
    }
  assert_int_equal (opt->t, 7);
  assert_memory_equal (net->params, by_hand->params, net->n_params * sizeof (double));
  assert_memory_equal (opt->state, opt_hand->state,
                       bp_optimizer_state_size (opt) * sizeof (double));
  /* It did move. */
  {
    g_autoptr(BpNetwork) start = make_net (2, 4, "tanh", 1, "sigmoid", "bce", 11);

    assert_false (bp_network_equal (net, start));
  }
  /* Zero steps: nothing changes. */
  {
    g_autoptr(BpNetwork) before = bp_network_copy (net);

    assert_true (bp_train_steps_on_batch (net, opt, xor_X, xor_Y, 4, 0, &error));
    assert_true (bp_network_equal (net, before));
    assert_int_equal (opt->t, 7);
  }
}

/* ------------------------------------------------------------- NaN input */

static void
test_nan_input_stops_step (void **state)
{
  double X[8];
  g_autoptr(BpDataset) ds = NULL;
  g_autoptr(BpNetwork) net = make_net (2, 3, "tanh", 1, "sigmoid", "bce", 2);
  g_autoptr(BpOptimizer) opt = make_opt ("momentum", net->n_params, 0.1);
  g_autoptr(BpTrainer) tr = NULL;
  g_autofree double *params = NULL, *ostate = NULL;
  GError *error = NULL;
  const BpTrainConfig config = { .batch_size = 4, .shuffle = FALSE, .seed = 0, .keep_trace = TRUE };

  memcpy (X, xor_X, sizeof X);
  ds = make_dataset ("xor-nan", BP_TASK_BINARY, 4, 2, 1, X, xor_Y);
  tr = bp_trainer_new (net, opt, ds, NULL, &config, &error);
  assert_non_null (tr);

  /* One good step first, so there is optimizer state to protect. */
  assert_true (bp_trainer_step (tr, &error));
  ds->X[2 * 2 + 1] = NAN;   /* row 3, input 2 */
  params = g_memdup2 (net->params, net->n_params * sizeof (double));
  ostate = g_memdup2 (opt->state, bp_optimizer_state_size (opt) * sizeof (double));

  assert_false (bp_trainer_step (tr, &error));
  assert_true (g_error_matches (error, BP_TRAIN_ERROR, BP_TRAIN_ERROR_NUMERIC));
  assert_string_equal (error->message,
                       "Training stopped at step 2: input 2 of sample 3 is NaN in the data "
                       "(layer 0, unit 2). The weights are as they were before this step. "
                       "The data has a value that is not a number.");
  g_clear_error (&error);
  /* The same as data: the input column and the row of the bad value. */
  {
    BpTrainFault f;

    assert_true (bp_trainer_get_fault (tr, &f));
    assert_int_equal (f.kind, BP_TRAIN_FAULT_INPUT);
    assert_int_equal (f.layer, 0);
    assert_int_equal (f.unit, 2);
    assert_int_equal (f.input, 0);
    assert_int_equal (f.sample, 3);
    assert_int_equal (f.row, 3);      /* not shuffled: sample s is row s */
    assert_int_equal (f.step, 2);
    assert_true (isnan (f.value));
  }
  /* The network and the optimizer are exactly as before the step. */
  assert_memory_equal (net->params, params, net->n_params * sizeof (double));
  assert_memory_equal (opt->state, ostate, bp_optimizer_state_size (opt) * sizeof (double));
  assert_int_equal (opt->t, 1);
  assert_int_equal (tr->steps, 1);

  /* run_epoch reports the same and records no epoch. */
  assert_false (bp_trainer_run_epoch (tr, NULL, NULL, &error));
  assert_true (g_error_matches (error, BP_TRAIN_ERROR, BP_TRAIN_ERROR_NUMERIC));
  g_clear_error (&error);
  assert_int_equal (tr->history->len, 0);
  assert_memory_equal (net->params, params, net->n_params * sizeof (double));

  /* Repaired data trains again, and the fault is gone. */
  ds->X[2 * 2 + 1] = 1.0;
  assert_true (bp_trainer_step (tr, &error));
  assert_int_equal (tr->steps, 2);
  {
    BpTrainFault f;

    assert_false (bp_trainer_get_fault (tr, &f));
    assert_int_equal (f.kind, BP_TRAIN_FAULT_NONE);
  }
}

/* ------------------------------------------------------------ divergence */

/* Runs steps until one fails (at most max_steps), checking that the failed
 * step left parameters, optimizer state and t exactly as before it. */
static guint
run_until_failure (BpTrainer *tr,
                   guint      max_steps,
                   GError   **error)
{
  BpNetwork *net = tr->net;
  BpOptimizer *opt = tr->opt;
  gsize ns = bp_optimizer_state_size (opt);
  g_autofree double *params = g_new (double, net->n_params);
  g_autofree double *ostate = g_new (double, MAX (ns, 1));

  for (guint i = 1; i <= max_steps; i++)
    {
      guint64 t = opt->t;

      memcpy (params, net->params, net->n_params * sizeof (double));
      memcpy (ostate, opt->state, ns * sizeof (double));
      if (!bp_trainer_step (tr, error))
        {
          assert_memory_equal (net->params, params, net->n_params * sizeof (double));
          assert_memory_equal (opt->state, ostate, ns * sizeof (double));
          assert_int_equal (opt->t, t);
          assert_int_equal (tr->steps, i - 1);
          return i;
        }
      for (gsize p = 0; p < net->n_params; p++)
        assert_true (isfinite (net->params[p]));
    }
  return 0;
}

static void
test_divergence_stops_step (void **state)
{
  g_autoptr(GError) set_error = NULL;

  /* lr = 1e300 is not a learning rate the optimizer accepts … */
  {
    g_autoptr(BpOptimizer) opt = make_opt ("sgd", 3, 0.1);

    assert_false (bp_optimizer_set (opt, "lr", 1e300, &set_error));
    assert_non_null (set_error);
  }

  /* … so diverge with the largest one, 1e6.  (a) A linear regression: each
   * step multiplies the weights by ≈ −1e6 until the loss overflows, which
   * is caught before the update. */
  {
    g_autoptr(BpDataset) ds = line_dataset ();
    g_autoptr(BpNetwork) net = make_net (2, 3, "linear", 1, "linear", "mse", 1);
    g_autoptr(BpOptimizer) opt = make_opt ("momentum", net->n_params, 1e6);
    const BpTrainConfig config = { .batch_size = 10, .shuffle = FALSE, .seed = 0, .keep_trace = TRUE };
    g_autoptr(BpTrainer) tr = bp_trainer_new (net, opt, ds, NULL, &config, NULL);
    g_autoptr(GError) error = NULL;
    guint failed_at = run_until_failure (tr, 200, &error);

    assert_true (failed_at > 1);
    assert_true (g_error_matches (error, BP_TRAIN_ERROR, BP_TRAIN_ERROR_NUMERIC));
    assert_error_contains (error, "layer");
    assert_error_contains (error, "The weights are as they were before this step.");
  }

  /* (b) Weight decay 1e6 at lr 1e6 multiplies every parameter by ≈ −1e12
   * while tanh and the bce-from-z keep the forward pass finite, so it is
   * the update itself that overflows: caught after it and undone. */
  {
    g_autoptr(BpDataset) ds = xor_dataset ();
    g_autoptr(BpNetwork) net = make_net (2, 4, "tanh", 1, "sigmoid", "bce", 1);
    g_autoptr(BpOptimizer) opt = make_opt ("sgd", net->n_params, 1e6);
    const BpTrainConfig config = { .batch_size = 4, .shuffle = FALSE, .seed = 0, .keep_trace = TRUE };
    g_autoptr(BpTrainer) tr = NULL;
    g_autoptr(GError) error = NULL;
    guint failed_at;

    assert_true (bp_optimizer_set (opt, "weight_decay", 1e6, &set_error));
    tr = bp_trainer_new (net, opt, ds, NULL, &config, NULL);
    failed_at = run_until_failure (tr, 200, &error);
    assert_true (failed_at > 1);
    assert_true (g_error_matches (error, BP_TRAIN_ERROR, BP_TRAIN_ERROR_NUMERIC));
    assert_error_contains (error, "the update made");
    assert_error_contains (error, "Is the learning rate too large?");
    {
      BpTrainFault f;
      const BpLayer *L;

      assert_true (bp_trainer_get_fault (tr, &f));
      assert_true (f.kind == BP_TRAIN_FAULT_PARAM_W || f.kind == BP_TRAIN_FAULT_PARAM_B);
      assert_int_equal (f.step, failed_at);
      assert_true (f.layer >= 1 && f.layer <= net->n_layers);
      L = &net->layers[f.layer - 1];
      assert_true (f.unit >= 1 && f.unit <= L->out);
      if (f.kind == BP_TRAIN_FAULT_PARAM_W)
        assert_true (f.input >= 1 && f.input <= L->in);
      else
        assert_int_equal (f.input, 0);
      assert_int_equal (f.sample, 0);   /* the update is not per sample */
      assert_false (isfinite (f.value));
    }
  }
}

/* ------------------------------------------------- the halves of a step */

static void
assert_epochs_equal (const BpEpochStats *x,
                     const BpEpochStats *y)
{
  assert_int_equal (x->epoch, y->epoch);
  assert_int_equal (x->step, y->step);
  assert_memory_equal (&x->train_loss, &y->train_loss, sizeof (double));
  assert_memory_equal (&x->train_accuracy, &y->train_accuracy, sizeof (double));
  assert_memory_equal (&x->test_loss, &y->test_loss, sizeof (double));
  assert_memory_equal (&x->test_accuracy, &y->test_accuracy, sizeof (double));
}

/* Stepping by hand — bp_train_gradients_checked, then bp_train_state_save
 * and bp_train_update_checked, bp_trainer_finish_epoch when
 * bp_trainer_epoch_done — gives the same bits as bp_trainer_run_epoch. */
static void
test_halves_equal_run_epoch (void **state)
{
  g_autoptr(BpDataset) ds = line_dataset ();
  g_autoptr(BpNetwork) a = make_net (2, 5, "tanh", 1, "linear", "mse", 3);
  g_autoptr(BpNetwork) b = bp_network_copy (a);
  g_autoptr(BpOptimizer) opt_a = make_opt ("adam", a->n_params, 0.01);
  g_autoptr(BpOptimizer) opt_b = bp_optimizer_copy (opt_a);
  const BpTrainConfig config = { .batch_size = 4, .shuffle = TRUE, .seed = 5, .keep_trace = TRUE };
  g_autoptr(BpTrainer) tr_a = bp_trainer_new (a, opt_a, ds, NULL, &config, NULL);
  g_autoptr(BpTrainer) tr_b = bp_trainer_new (b, opt_b, ds, NULL, &config, NULL);
  g_autoptr(BpTrace) trace = bp_trace_new (a, config.batch_size);
  g_autofree double *before = g_new (double, bp_train_state_size (a, opt_a));
  g_autofree double *x = g_new (double, config.batch_size * ds->n_features);
  g_autofree double *y = g_new (double, config.batch_size * ds->n_targets);
  BpEpochStats st;

  (void) state;
  for (int e = 0; e < 3; e++)
    {
      /* a: one step at a time, the epoch closed by hand. */
      do
        assert_true (bp_trainer_step (tr_a, NULL));
      while (!bp_trainer_epoch_done (tr_a));
      bp_trainer_finish_epoch (tr_a, &st);
      assert_int_equal (st.epoch, e + 1);
      assert_int_equal (st.step, tr_a->steps);
      assert_epochs_equal (&st, bp_trainer_last_epoch (tr_a));
      assert_true (bp_trainer_run_epoch (tr_b, NULL, NULL, NULL));
      assert_epochs_equal (bp_trainer_last_epoch (tr_b), &st);
      assert_memory_equal (a->params, b->params, a->n_params * sizeof (double));
    }

  /* The halves on the batch the trainer would take next. */
  {
    gsize B = config.batch_size;
    BpTrainFault fault;
    guint64 t;

    assert_true (bp_trainer_step (tr_a, NULL));
    for (gsize s = 0; s < B; s++)
      {
        gsize r = bp_trainer_last_row (tr_a, s);

        memcpy (x + s * ds->n_features, ds->X + r * ds->n_features,
                ds->n_features * sizeof (double));
        memcpy (y + s * ds->n_targets, ds->Y + r * ds->n_targets,
                ds->n_targets * sizeof (double));
      }
    assert_true (bp_train_gradients_checked (b, trace, x, y, B, &fault));
    bp_train_state_save (b, opt_b, before, &t);
    assert_int_equal (t, opt_b->t);
    assert_true (bp_train_update_checked (b, opt_b, before, t, &fault));
    assert_memory_equal (a->params, b->params, a->n_params * sizeof (double));
    assert_int_equal (opt_a->t, opt_b->t);

    /* bp_trainer_copy_sample: sample 1 of that batch, as a trace of its own. */
    {
      g_autoptr(BpTrace) one = bp_trainer_copy_sample (tr_a, 1);

      assert_int_equal (one->batch, 1);
      assert_memory_equal (one->input, x + ds->n_features, ds->n_features * sizeof (double));
      assert_memory_equal (one->a[a->n_layers - 1], trace->a[a->n_layers - 1] + 1,
                           sizeof (double));
      assert_true (one->loss == tr_a->trace->loss);
    }
  }
}

/* An update that makes a parameter infinite is undone from the state
 * given, t included, and the fault names a parameter. */
static void
test_update_checked_restores (void **state)
{
  g_autoptr(BpNetwork) net = make_net (2, 3, "tanh", 1, "linear", "mse", 1);
  g_autoptr(BpOptimizer) opt = make_opt ("momentum", net->n_params, 0.1);
  g_autofree double *before = g_new (double, bp_train_state_size (net, opt));
  g_autofree double *params = g_memdup2 (net->params, net->n_params * sizeof (double));
  g_autoptr(GError) error = NULL;
  BpTrainFault fault;
  guint64 t;

  (void) state;
  bp_network_zero_grad (net);
  net->grads[0] = INFINITY;
  bp_train_state_save (net, opt, before, &t);
  assert_false (bp_train_update_checked (net, opt, before, t, &fault));
  assert_true (fault.kind == BP_TRAIN_FAULT_PARAM_W || fault.kind == BP_TRAIN_FAULT_PARAM_B);
  assert_memory_equal (net->params, params, net->n_params * sizeof (double));
  assert_int_equal (opt->t, t);
  fault.step = 1;
  bp_train_fault_set_error (&fault, &error);
  assert_true (g_error_matches (error, BP_TRAIN_ERROR, BP_TRAIN_ERROR_NUMERIC));
  assert_error_contains (error, "Training stopped at step 1");
}

/* Learning rate 100 on a linear network: each step multiplies the weights
 * until z(2) overflows and cancels (∞ − ∞) at step 8.  The fault says so,
 * as data, and the failed step left everything as it was before it. */
static void
test_lr100_fault (void **state)
{
  g_autoptr(BpDataset) ds = NULL;
  g_autoptr(BpNetwork) net = NULL;
  g_autoptr(BpOptimizer) opt = NULL;
  g_autoptr(BpTrainer) tr = NULL;
  g_autoptr(GError) error = NULL;
  const BpTrainConfig config = { .batch_size = 16, .shuffle = TRUE, .seed = 1, .keep_trace = TRUE };
  BpTrainFault f;
  guint failed_at;
  BpRng rng;

  ds = bp_dataset_generate ("moons", 200, 0.1, 1, &error);
  assert_non_null (ds);
  net = bp_network_new (2, &error);
  assert_true (bp_network_add_layer (net, 8, "linear", NULL, &error));
  assert_true (bp_network_add_layer (net, 8, "linear", NULL, &error));
  assert_true (bp_network_add_layer (net, 1, "sigmoid", NULL, &error));
  assert_true (bp_network_set_cost (net, "bce", NULL, &error));
  bp_rng_init (&rng, 1);
  bp_network_init_weights (net, BP_INIT_GLOROT_UNIFORM, &rng);
  opt = make_opt ("sgd", net->n_params, 100);
  tr = bp_trainer_new (net, opt, ds, NULL, &config, &error);
  assert_non_null (tr);

  assert_false (bp_trainer_get_fault (tr, &f));
  failed_at = run_until_failure (tr, 1000, &error);
  assert_true (failed_at > 1 && failed_at < 100);
  assert_true (g_error_matches (error, BP_TRAIN_ERROR, BP_TRAIN_ERROR_NUMERIC));
  assert_true (bp_trainer_get_fault (tr, &f));
  assert_int_equal (f.step, failed_at);
  assert_int_equal (f.kind, BP_TRAIN_FAULT_Z);
  assert_int_equal (f.layer, 2);
  assert_true (f.unit >= 1 && f.unit <= 8);
  assert_int_equal (f.input, 0);
  assert_true (f.sample >= 1 && f.sample <= 16);
  assert_true (f.row >= 1 && f.row <= 200);
  assert_false (isfinite (f.value));
  {
    /* The message is built from the same fault. */
    g_autofree char *message = bp_train_fault_message (&f);

    assert_string_equal (error->message, message);
  }
  /* The row is the training-set row of the sample: it alone overflows too. */
  {
    g_autoptr(BpTrace) trace = bp_trace_new (net, 1);
    const double *x = ds->X + (f.row - 1) * ds->n_features;
    const double *y = ds->Y + (f.row - 1) * ds->n_targets;
    BpTrainFault one;

    bp_network_gradients (net, trace, x, y, 1);
    assert_true (bp_network_locate_nonfinite (net, trace, &one));
    assert_int_equal (one.kind, BP_TRAIN_FAULT_Z);
    assert_int_equal (one.layer, f.layer);
    assert_int_equal (one.unit, f.unit);
  }
  /* A failed step is not counted, and trying again fails the same way. */
  assert_int_equal (tr->steps, failed_at - 1);
  g_clear_error (&error);
  assert_false (bp_trainer_step (tr, &error));
  {
    BpTrainFault again;

    assert_true (bp_trainer_get_fault (tr, &again));
    assert_int_equal (again.step, f.step);
    assert_int_equal (again.unit, f.unit);
  }
}

/* A cost of +Inf at the first step: (a − y)² of an output of 1e200. */
static void
test_inf_loss_fault (void **state)
{
  g_autoptr(BpDataset) ds = line_dataset ();
  g_autoptr(BpNetwork) net = make_net (2, 3, "tanh", 1, "linear", "mse", 1);
  g_autoptr(BpOptimizer) opt = make_opt ("sgd", net->n_params, 0.1);
  const BpTrainConfig config = { .batch_size = 10, .shuffle = FALSE, .seed = 0, .keep_trace = TRUE };
  g_autoptr(BpTrainer) tr = NULL;
  g_autoptr(GError) error = NULL;
  BpTrainFault f;

  /* tanh keeps a(1) in (−1, 1); b(2) = 1e200 puts every output near it. */
  net->layers[1].b[0] = 1e200;
  tr = bp_trainer_new (net, opt, ds, NULL, &config, &error);
  assert_non_null (tr);
  assert_int_equal (run_until_failure (tr, 10, &error), 1);
  assert_true (bp_trainer_get_fault (tr, &f));
  assert_int_equal (f.kind, BP_TRAIN_FAULT_LOSS);
  assert_int_equal (f.layer, 2);
  assert_int_equal (f.unit, 1);
  assert_int_equal (f.sample, 1);
  assert_int_equal (f.row, 1);
  assert_int_equal (f.step, 1);
  assert_true (isinf (f.value) && f.value > 0);
  assert_true (fabs (f.from - 1e200) < 1e186);
  assert_true (f.target == ds->Y[0]);
  assert_error_contains (error, "Training stopped at step 1: the cost is +Inf for sample 1 "
                                "(layer 2, the output, unit 1: a(2)[1] = 1e+200 where the target is ");
  /* The first step: no hint about the learning rate. */
  assert_null (strstr (error->message, "learning rate"));
  assert_true (net->layers[1].b[0] == 1e200);
}

/* The sentences, one per kind: the step once, "NaN" whatever the sign bit
 * (printf would say "-nan"), "+Inf" and "−Inf". */
static void
test_fault_messages (void **state)
{
  BpTrainFault f = { .kind = BP_TRAIN_FAULT_GRAD_W, .layer = 2, .unit = 3, .input = 1,
                     .step = 6, .value = -NAN, .from = NAN, .target = NAN };
  g_autofree char *grad_w = NULL, *param_b = NULL, *delta = NULL, *a = NULL, *no_step = NULL;

  assert_true (signbit (f.value));
  grad_w = bp_train_fault_message (&f);
  assert_string_equal (grad_w, "Training stopped at step 6: ∂C/∂W(2)[3,1] is NaN after the "
                               "backward pass (layer 2, unit 3). The weights are as they were "
                               "before this step. Is the learning rate too large? Lower it, and "
                               "reset the weights if they have grown too large.");
  f = (BpTrainFault) { .kind = BP_TRAIN_FAULT_PARAM_B, .layer = 1, .unit = 4, .step = 1,
                       .value = -INFINITY, .from = NAN, .target = NAN };
  param_b = bp_train_fault_message (&f);
  assert_string_equal (param_b, "Training stopped at step 1: the update made b(1)[4] −Inf "
                                "(layer 1, unit 4). The weights are as they were before this "
                                "step. Is the learning rate too large?");
  f = (BpTrainFault) { .kind = BP_TRAIN_FAULT_DELTA, .layer = 3, .unit = 2, .sample = 5,
                       .step = 9, .value = INFINITY, .from = NAN, .target = NAN };
  delta = bp_train_fault_message (&f);
  assert_string_equal (delta, "Training stopped at step 9: δ(3)[2] = ∂C/∂z(3)[2] is +Inf after "
                              "the backward pass (layer 3, unit 2, sample 5). The weights are as "
                              "they were before this step. Is the learning rate too large? Lower "
                              "it, and reset the weights if they have grown too large.");
  f = (BpTrainFault) { .kind = BP_TRAIN_FAULT_A, .layer = 1, .unit = 1, .sample = 2,
                       .step = 3, .value = NAN, .from = -INFINITY, .target = NAN };
  a = bp_train_fault_describe (&f);
  assert_string_equal (a, "a(1)[1] is NaN in the forward pass, from z(1)[1] = −Inf "
                          "(layer 1, unit 1, sample 2)");
  f.step = 0;
  no_step = bp_train_fault_message (&f);
  assert_string_equal (no_step, "A(1)[1] is NaN in the forward pass, from z(1)[1] = −Inf "
                                "(layer 1, unit 1, sample 2).");
  assert_string_equal (bp_nonfinite_name (-NAN), "NaN");
  assert_null (bp_nonfinite_name (1e308));
  assert_string_equal (bp_train_fault_kind_to_string (BP_TRAIN_FAULT_GRAD_W), "grad-W");
}

/* ------------------------------------------------- bounded epoch history */

static void
assert_history_even (const GArray *h,
                     guint         last_epoch)
{
  const BpEpochStats *d = (const BpEpochStats *) (gconstpointer) h->data;
  guint stride;

  assert_true (h->len >= 1 && h->len <= BP_EPOCH_HISTORY_MAX_RECORDS);
  assert_int_equal (d[h->len - 1].epoch, last_epoch);
  if (h->len < 3)
    return;
  /* Every stride-th epoch from the first multiple on, then the latest. */
  stride = d[1].epoch - d[0].epoch;
  assert_true (stride >= 1 && (stride & (stride - 1)) == 0);
  assert_int_equal (d[0].epoch, stride);
  for (guint i = 1; i + 1 < h->len; i++)
    assert_int_equal (d[i].epoch, (i + 1) * stride);
  assert_true (d[h->len - 1].epoch > d[h->len - 2].epoch);
  assert_true (last_epoch - d[h->len - 2].epoch <= stride);
  /* A coarser stride would not have been needed … and the bound holds. */
  assert_true (stride == 1 || last_epoch / (stride / 2) > BP_EPOCH_HISTORY_MAX_RECORDS - 1);
}

static void
test_epoch_history_bounded (void **state)
{
  g_autoptr(GArray) h = g_array_new (FALSE, TRUE, sizeof (BpEpochStats));

  for (guint e = 1; e <= 1000000; e++)
    {
      BpEpochStats st = { .epoch = e, .step = 10 * (guint64) e, .train_loss = 1.0 / e };

      bp_epoch_history_append (h, &st);
      assert_true (h->len <= BP_EPOCH_HISTORY_MAX_RECORDS);
      if (e == 4095 || e == 4096 || e == 4097 || e == 8191 || e == 8193 || e % 99991 == 0)
        assert_history_even (h, e);
    }
  assert_history_even (h, 1000000);
  /* 1 000 000 / 256 = 3906 multiples of 256, and the latest. */
  assert_int_equal (g_array_index (h, BpEpochStats, 1).epoch, 512);
  assert_int_equal (h->len, 1000000 / 256 + 1);
  {
    const BpEpochStats *last = &g_array_index (h, BpEpochStats, h->len - 1);

    assert_int_equal (last->step, 10000000);
    assert_true (last->train_loss == 1.0 / 1000000);
  }
}

/* bp_trainer_run_epoch keeps the bounded history: a one-step epoch run
 * 20 000 times holds at most BP_EPOCH_HISTORY_MAX_RECORDS, the latest last. */
static void
test_run_epoch_history_bounded (void **state)
{
  g_autoptr(BpDataset) ds = xor_dataset ();
  g_autoptr(BpNetwork) net = make_net (2, 3, "tanh", 1, "sigmoid", "bce", 4);
  g_autoptr(BpOptimizer) opt = make_opt ("sgd", net->n_params, 0.5);
  const BpTrainConfig config = { .batch_size = 4, .shuffle = FALSE, .seed = 0, .keep_trace = TRUE };
  g_autoptr(BpTrainer) tr = bp_trainer_new (net, opt, ds, NULL, &config, NULL);
  g_autoptr(GError) error = NULL;

  for (guint e = 1; e <= 20000; e++)
    {
      assert_true (bp_trainer_run_epoch (tr, NULL, NULL, &error));
      assert_true (tr->history->len <= BP_EPOCH_HISTORY_MAX_RECORDS);
    }
  assert_int_equal (tr->epoch, 20000);
  assert_int_equal (bp_trainer_last_epoch (tr)->epoch, 20000);
  assert_int_equal (bp_trainer_last_epoch (tr)->step, 20000);
  assert_history_even (tr->history, 20000);
  /* 20 000 / 8 = 2500 records, the last of them epoch 20 000 itself. */
  assert_int_equal (tr->history->len, 2500);
  /* The saved progress carries it and checks. */
  {
    g_autoptr(BpTrainProgress) p = bp_trainer_export_progress (tr);

    assert_true (bp_train_progress_check (p, &error));
    assert_int_equal (p->history->len, 2500);
  }
}

/* ----------------------------------------------------------------- setup */

static void
test_trainer_new_errors (void **state)
{
  g_autoptr(BpDataset) ds = xor_dataset ();
  g_autoptr(BpDataset) empty = make_dataset ("empty", BP_TASK_BINARY, 0, 2, 1, NULL, NULL);
  g_autoptr(BpNetwork) wide = make_net (3, 2, "tanh", 1, "sigmoid", "bce", 1);
  g_autoptr(BpNetwork) two_out = make_net (2, 2, "tanh", 2, "sigmoid", "bce", 1);
  g_autoptr(BpNetwork) ok = make_net (2, 2, "tanh", 1, "sigmoid", "bce", 1);
  g_autoptr(BpOptimizer) opt = make_opt ("sgd", 1, 0.1);
  const BpTrainConfig config = { .batch_size = 2, .shuffle = TRUE, .seed = 0, .keep_trace = TRUE };
  GError *error = NULL;

  assert_null (bp_trainer_new (wide, opt, ds, NULL, &config, &error));
  assert_true (g_error_matches (error, BP_TRAIN_ERROR, BP_TRAIN_ERROR_SHAPE));
  assert_error_contains (error, "xor");
  g_clear_error (&error);
  assert_null (bp_trainer_new (two_out, opt, ds, NULL, &config, &error));
  assert_true (g_error_matches (error, BP_TRAIN_ERROR, BP_TRAIN_ERROR_SHAPE));
  g_clear_error (&error);
  assert_null (bp_trainer_new (ok, opt, empty, NULL, &config, &error));
  assert_true (g_error_matches (error, BP_TRAIN_ERROR, BP_TRAIN_ERROR_EMPTY));
  g_clear_error (&error);
  /* A test set of the wrong shape is refused too. */
  {
    g_autoptr(BpDataset) bad_test = make_dataset ("bad", BP_TASK_BINARY, 1, 3, 1,
                                                  (const double[]) { 1, 2, 3 },
                                                  (const double[]) { 0 });

    assert_null (bp_trainer_new (ok, opt, ds, bad_test, &config, &error));
    assert_true (g_error_matches (error, BP_TRAIN_ERROR, BP_TRAIN_ERROR_SHAPE));
    g_clear_error (&error);
  }
  /* A fitting trainer resizes the optimizer to the network. */
  {
    g_autoptr(BpTrainer) tr = bp_trainer_new (ok, opt, ds, NULL, &config, &error);

    assert_non_null (tr);
    assert_int_equal (opt->n_params, ok->n_params);
  }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_xor_converges),
    cmocka_unit_test (test_determinism),
    cmocka_unit_test (test_keep_trace_does_not_change_training),
    cmocka_unit_test (test_history_and_grad_norms),
    cmocka_unit_test (test_partial_last_batch),
    cmocka_unit_test (test_steps_on_batch_equals_by_hand),
    cmocka_unit_test (test_nan_input_stops_step),
    cmocka_unit_test (test_divergence_stops_step),
    cmocka_unit_test (test_halves_equal_run_epoch),
    cmocka_unit_test (test_update_checked_restores),
    cmocka_unit_test (test_lr100_fault),
    cmocka_unit_test (test_inf_loss_fault),
    cmocka_unit_test (test_fault_messages),
    cmocka_unit_test (test_epoch_history_bounded),
    cmocka_unit_test (test_run_epoch_history_bounded),
    cmocka_unit_test (test_trainer_new_errors),
  };

  return cmocka_run_group_tests_name ("trainer", tests, NULL, NULL);
}
