/* test-trainer-online.c — the fused online step (bp-trainer-online.c)
 * gives the same bits as the general step: T1- and T2-shaped networks and
 * random small chains, trained one sample a step with the trace not kept
 * (the fused step) and kept (the general one), agree on every parameter,
 * the optimizer's state and the loss after every step; and a step that
 * meets a NaN or an overflow is undone and reported the same way, to the
 * last field of the fault.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-trainer-fixtures.h"

#include <math.h>
#include <string.h>

#include "bp-dataset.h"
#include "bp-network.h"
#include "bp-optimizer.h"
#include "bp-rng.h"
#include "bp-trainer.h"
#include "bp-trainer-online.h"

/* Random chains: up to this many layers, each up to this wide (past 8 so
 * that the sweep's blocks of four and its tails are both met); the wide
 * ones have blocks large enough for the bounded sweep (no backup). */
#define RANDOM_MAX_LAYERS 4
#define RANDOM_MAX_WIDTH  11
#define RANDOM_NETWORKS   60
#define WIDE_MAX_WIDTH    90
#define WIDE_NETWORKS     16

typedef struct
{
  gsize         steps;      /* steps both took */
  BpTrainFault  fault;      /* of the step that failed; kind NONE if none did */
} RunResult;

/* The general step as bp_trainer_step takes it, written out from the
 * public halves on a trace that is not kept: the reference, row order and
 * fault bookkeeping included. */
typedef struct
{
  BpNetwork       *net;
  BpOptimizer     *opt;
  const BpDataset *ds;
  BpTrace         *trace;
  BpRng            rng;
  gsize           *order;
  gsize            cursor;
  gboolean         shuffle;
  guint64          steps;
  double          *backup;
} General;

static void
general_init (General         *g,
              BpNetwork       *net,
              BpOptimizer     *opt,
              const BpDataset *ds,
              gboolean         shuffle,
              guint64          seed)
{
  *g = (General) { .net = net, .opt = opt, .ds = ds, .shuffle = shuffle };
  g->trace = bp_trace_new (net, 1);
  g->trace->keep = FALSE;
  g->order = g_new (gsize, ds->n_rows);
  bp_train_order_init (&g->rng, g->order, ds->n_rows, seed, shuffle);
  g->backup = g_new (double, MAX (bp_train_state_size (net, opt), 1));
}

static void
general_clear (General *g)
{
  bp_trace_free (g->trace);
  g_free (g->order);
  g_free (g->backup);
}

static gboolean
general_step (General      *g,
              BpTrainFault *fault)
{
  const BpDataset *ds = g->ds;
  gsize r;
  guint64 t;

  bp_train_order_next (&g->rng, g->order, ds->n_rows, &g->cursor, 1, g->shuffle);
  r = g->order[g->cursor];
  if (!bp_train_gradients_checked (g->net, g->trace, ds->X + r * ds->n_features,
                                   ds->Y + r * ds->n_targets, 1, fault))
    goto failed;
  bp_train_state_save (g->net, g->opt, g->backup, &t);
  if (!bp_train_update_checked (g->net, g->opt, g->backup, t, fault))
    goto failed;
  fault->kind = BP_TRAIN_FAULT_NONE;
  g->steps++;
  g->cursor++;
  return TRUE;

failed:
  /* as bp_trainer_step: the row only for a fault in a sample */
  fault->step = g->steps + 1;
  if (fault->sample == 1)
    fault->row = r + 1;
  return FALSE;
}

/* Trains copies of `net` and `opt` on `ds`, one sample a step: with the
 * trainer and the trace not kept (the fused step), by hand (the general
 * step on a trace not kept), and with the trainer and the trace kept (the
 * general step again), for `max_steps` steps or until a step fails.  After
 * every step the three agree bit for bit; the first two also on a failed
 * step's report (a kept trace lets the search see ∂C/∂a(n) first).
 * Returns what happened. */
static RunResult
run_both (const BpNetwork   *net,
          const BpOptimizer *opt,
          const BpDataset   *ds,
          gboolean           shuffle,
          guint64            seed,
          gsize              max_steps)
{
  g_autoptr(BpNetwork) fused_net = bp_network_copy (net);
  g_autoptr(BpNetwork) general_net = bp_network_copy (net);
  g_autoptr(BpNetwork) kept_net = bp_network_copy (net);
  g_autoptr(BpOptimizer) fused_opt = bp_optimizer_copy (opt);
  g_autoptr(BpOptimizer) general_opt = bp_optimizer_copy (opt);
  g_autoptr(BpOptimizer) kept_opt = bp_optimizer_copy (opt);
  g_autoptr(BpTrainer) fused = NULL;
  g_autoptr(BpTrainer) kept = NULL;
  g_autoptr(GError) error = NULL;
  BpTrainConfig config = { .batch_size = 1, .shuffle = shuffle, .seed = seed };
  General general;
  RunResult result = { 0 };

  config.keep_trace = FALSE;
  fused = bp_trainer_new (fused_net, fused_opt, ds, NULL, &config, &error);
  assert_non_null (fused);
  config.keep_trace = TRUE;
  kept = bp_trainer_new (kept_net, kept_opt, ds, NULL, &config, &error);
  assert_non_null (kept);
  general_init (&general, general_net, general_opt, ds, shuffle, seed);
  /* The first goes the fused way, the others the general one. */
  assert_true (bp_train_online_applies (fused_net, fused_opt, fused->trace, 1));
  assert_false (bp_train_online_applies (kept_net, kept_opt, kept->trace, 1));

  result.fault.kind = BP_TRAIN_FAULT_NONE;
  for (gsize i = 0; i < max_steps; i++)
    {
      g_autoptr(GError) fused_error = NULL;
      g_autoptr(GError) kept_error = NULL;
      BpTrainFault ff, gf;
      gboolean fused_ok = bp_trainer_step (fused, &fused_error);
      gboolean general_ok = general_step (&general, &gf);
      gboolean kept_ok = bp_trainer_step (kept, &kept_error);
      gsize n_state = bp_optimizer_state_size (fused_opt);

      assert_int_equal (fused_ok, general_ok);
      assert_int_equal (fused_ok, kept_ok);
      assert_memory_equal (fused_net->params, general_net->params,
                           net->n_params * sizeof (double));
      assert_memory_equal (fused_net->params, kept_net->params,
                           net->n_params * sizeof (double));
      if (n_state > 0)
        {
          assert_memory_equal (fused_opt->state, general_opt->state, n_state * sizeof (double));
          assert_memory_equal (fused_opt->state, kept_opt->state, n_state * sizeof (double));
        }
      assert_int_equal (fused_opt->t, general_opt->t);
      assert_int_equal (fused->steps, general.steps);
      assert_int_equal (fused->cursor, general.cursor);
      if (fused_ok)
        {
          double lf = fused->trace->loss, lg = general.trace->loss;

          assert_memory_equal (&lf, &lg, sizeof lf);
          /* The pass itself, z, a and δ of every layer (a wrong δ can
           * leave no trace in parameters much larger than its update). */
          for (gsize l = 0; l < net->n_layers; l++)
            {
              gsize n = net->layers[l].out * sizeof (double);

              assert_memory_equal (fused->trace->z[l], general.trace->z[l], n);
              assert_memory_equal (fused->trace->a[l], general.trace->a[l], n);
              assert_memory_equal (fused->trace->dC_dz[l], general.trace->dC_dz[l], n);
            }
          assert_false (bp_trainer_get_fault (fused, &ff));
          result.steps++;
          continue;
        }

      /* The same report, field by field and as the student reads it. */
      assert_true (bp_trainer_get_fault (fused, &ff));
      {
        g_autofree char *message = bp_train_fault_message (&gf);

        assert_string_equal (fused_error->message, message);
      }
      assert_int_equal (ff.kind, gf.kind);
      assert_int_equal (ff.layer, gf.layer);
      assert_int_equal (ff.unit, gf.unit);
      assert_int_equal (ff.input, gf.input);
      assert_int_equal (ff.sample, gf.sample);
      assert_int_equal (ff.row, gf.row);
      assert_int_equal (ff.step, gf.step);
      assert_true (isnan (ff.value) ? isnan (gf.value) : ff.value == gf.value);
      assert_true (isnan (ff.from) ? isnan (gf.from) : ff.from == gf.from);
      assert_true (isnan (ff.target) ? isnan (gf.target) : ff.target == gf.target);
      assert_true (g_strcmp0 (ff.optimizer, gf.optimizer) == 0);
      assert_true (g_strcmp0 (ff.plugin, gf.plugin) == 0);
      result.fault = ff;
      break;
    }
  general_clear (&general);
  return result;
}

static BpOptimizer *
make_optimizer (const char *id,
                gsize       n_params,
                double      lr,
                double      momentum,
                double      weight_decay)
{
  g_autoptr(GError) error = NULL;
  BpOptimizer *opt = make_opt (id, n_params, lr);

  if (g_str_equal (id, "momentum"))
    assert_true (bp_optimizer_set (opt, "momentum", momentum, &error));
  assert_true (bp_optimizer_set (opt, "weight_decay", weight_decay, &error));
  return opt;
}

/* A chain over `widths` (widths[0] the inputs), hidden layers `hidden`,
 * weights from `seed`. */
static BpNetwork *
make_chain (const gsize *widths,
            gsize        n_widths,
            const char  *hidden,
            const char  *output,
            const char  *cost,
            guint64      seed)
{
  g_autoptr(GError) error = NULL;
  BpNetwork *net = bp_network_new (widths[0], &error);
  BpRng rng;

  assert_non_null (net);
  for (gsize l = 1; l < n_widths; l++)
    assert_true (bp_network_add_layer (net, widths[l], l + 1 < n_widths ? hidden : output,
                                       NULL, &error));
  if (!bp_network_set_cost (net, cost, NULL, &error))
    fail_msg ("%s", error->message);
  bp_rng_init (&rng, seed);
  bp_network_init_weights (net, BP_INIT_GLOROT_UNIFORM, &rng);
  return net;
}

static BpDataset *
circles (gsize   n_rows,
         guint64 seed)
{
  g_autoptr(GError) error = NULL;
  BpDataset *ds = bp_dataset_generate ("circles", n_rows, 0.1, seed, &error);

  if (ds == NULL)
    fail_msg ("%s", error->message);
  return ds;
}

/* T1 (2-8-8-1 tanh, tanh, sigmoid, mse) and T2 (2-64-64-64-1) as the
 * benchmark trains them, with SGD and with momentum and weight decay. */
static void
test_bench_shapes (void **state)
{
  static const gsize t1[] = { 2, 8, 8, 1 };
  static const gsize t2[] = { 2, 64, 64, 64, 1 };
  g_autoptr(BpDataset) ds = circles (200, 3);

  for (int shape = 0; shape < 2; shape++)
    {
      g_autoptr(BpNetwork) net = shape == 0
                                 ? make_chain (t1, G_N_ELEMENTS (t1), "tanh", "sigmoid", "mse", 5)
                                 : make_chain (t2, G_N_ELEMENTS (t2), "tanh", "sigmoid", "mse", 5);
      g_autoptr(BpOptimizer) sgd = make_optimizer ("sgd", net->n_params, 0.1, 0.0, 0.0);
      g_autoptr(BpOptimizer) mom = make_optimizer ("momentum", net->n_params, 0.05, 0.9, 1e-3);
      RunResult r;

      r = run_both (net, sgd, ds, FALSE, 1, 3 * ds->n_rows);
      assert_int_equal (r.steps, 3 * ds->n_rows);
      r = run_both (net, mom, ds, TRUE, 2, 3 * ds->n_rows);
      assert_int_equal (r.steps, 3 * ds->n_rows);
    }
}

/* Random rows for a network with n_in inputs and n_out outputs under
 * `cost`: regression targets, 0/1, or one-hot. */
static BpDataset *
random_dataset (BpRng      *rng,
                gsize       n_rows,
                gsize       n_in,
                gsize       n_out,
                const char *cost)
{
  g_autofree double *X = g_new (double, n_rows * n_in);
  g_autofree double *Y = g_new0 (double, n_rows * n_out);
  BpTask task = BP_TASK_REGRESSION;

  for (gsize i = 0; i < n_rows * n_in; i++)
    X[i] = bp_rng_range (rng, -2.0, 2.0);
  for (gsize r = 0; r < n_rows; r++)
    {
      if (g_str_equal (cost, "softmax_ce"))
        Y[r * n_out + bp_rng_below (rng, n_out)] = 1.0;
      else
        for (gsize k = 0; k < n_out; k++)
          Y[r * n_out + k] = g_str_equal (cost, "bce") ? (double) bp_rng_below (rng, 2)
                                                       : bp_rng_normal (rng);
    }
  if (g_str_equal (cost, "softmax_ce"))
    task = BP_TASK_MULTICLASS;
  else if (g_str_equal (cost, "bce"))
    task = BP_TASK_BINARY;
  return make_dataset ("random", task, n_rows, n_in, n_out, X, Y);
}

/* Every hidden activation, each output and cost, sgd and momentum, with and
 * without weight decay, mean and sum: the same bits. */
static void
test_random_chains (void **state)
{
  static const char *hidden[] = { "sigmoid", "tanh", "relu", "leaky_relu", "softplus",
                                  "linear", "softmax" };
  static const char *outputs[][2] = {
    { "linear", "mse" }, { "tanh", "mse" }, { "sigmoid", "bce" }, { "softmax", "softmax_ce" },
    { "softmax", "mse" }, { "sigmoid", "mse" },
  };
  BpRng rng;

  bp_rng_init (&rng, 2026);
  for (int i = 0; i < RANDOM_NETWORKS + WIDE_NETWORKS; i++)
    {
      gsize max_width = i < RANDOM_NETWORKS ? RANDOM_MAX_WIDTH : WIDE_MAX_WIDTH;
      gsize widths[RANDOM_MAX_LAYERS + 1] = { 0 };
      gsize n_widths = 2 + bp_rng_below (&rng, RANDOM_MAX_LAYERS);
      gsize o = bp_rng_below (&rng, G_N_ELEMENTS (outputs));
      const char *act = hidden[bp_rng_below (&rng, G_N_ELEMENTS (hidden))];
      gboolean momentum = bp_rng_below (&rng, 2);
      double decay = bp_rng_below (&rng, 2) ? 1e-2 : 0.0;
      g_autoptr(BpNetwork) net = NULL;
      g_autoptr(BpOptimizer) opt = NULL;
      g_autoptr(BpDataset) ds = NULL;

      for (gsize l = 0; l < n_widths; l++)
        widths[l] = 1 + bp_rng_below (&rng, max_width);
      /* softmax_ce wants two classes at least */
      if (g_str_equal (outputs[o][1], "softmax_ce"))
        widths[n_widths - 1] = MAX (widths[n_widths - 1], 2);
      net = make_chain (widths, n_widths, act, outputs[o][0], outputs[o][1], 100 + i);
      if (bp_rng_below (&rng, 2))
        net->reduction = BP_REDUCTION_SUM;
      opt = make_optimizer (momentum ? "momentum" : "sgd", net->n_params,
                            bp_rng_range (&rng, 0.01, 0.3), 0.8, decay);
      ds = random_dataset (&rng, 23, widths[0], widths[n_widths - 1], outputs[o][1]);
      /* A few diverge (softmax hidden layers, sums): the same report then. */
      run_both (net, opt, ds, TRUE, i, 4 * ds->n_rows);
    }
}

/* A NaN in the data: the fused step is undone and the general step names
 * the input, at the same step and row, and training goes on once it is
 * repaired. */
static void
test_nan_input_same_report (void **state)
{
  static const gsize t1[] = { 2, 8, 8, 1 };
  g_autoptr(BpDataset) ds = circles (40, 4);
  g_autoptr(BpNetwork) net = make_chain (t1, G_N_ELEMENTS (t1), "tanh", "sigmoid", "mse", 6);
  g_autoptr(BpOptimizer) opt = make_optimizer ("momentum", net->n_params, 0.1, 0.9, 0.0);
  RunResult r;

  ds->X[17 * 2 + 1] = NAN;
  r = run_both (net, opt, ds, TRUE, 9, 10 * ds->n_rows);
  assert_int_equal (r.fault.kind, BP_TRAIN_FAULT_INPUT);
  assert_int_equal (r.fault.row, 18);
  assert_int_equal (r.fault.step, r.steps + 1);
  assert_true (r.steps < ds->n_rows);
}

/* tanh and σ far into saturation (|z| past 350 and 708, where their
 * derivatives take their other branch): weights a thousand times too
 * large still train, and the same bits come out. */
static void
test_saturated_same_bits (void **state)
{
  static const gsize t1[] = { 2, 8, 8, 1 };
  static const gsize wide[] = { 2, 48, 48, 1 };
  g_autoptr(BpDataset) ds = circles (30, 5);

  for (int shape = 0; shape < 2; shape++)
    for (int act = 0; act < 2; act++)
      {
        const char *hidden = act == 0 ? "tanh" : "sigmoid";
        g_autoptr(BpNetwork) net = shape == 0
                                   ? make_chain (t1, G_N_ELEMENTS (t1), hidden, "sigmoid", "mse", 12)
                                   : make_chain (wide, G_N_ELEMENTS (wide), hidden, "sigmoid",
                                                 "mse", 12);
        g_autoptr(BpOptimizer) opt = make_optimizer ("sgd", net->n_params, 0.1, 0.0, 0.0);
        RunResult r;

        for (gsize i = 0; i < net->n_params; i++)
          net->params[i] *= 1000.0;
        r = run_both (net, opt, ds, TRUE, 3, 2 * ds->n_rows);
        assert_int_equal (r.steps, 2 * ds->n_rows);
      }
}

/* Learning rates far too large: the weights grow until something
 * overflows, in the pass (a gradient, the loss) or in the update alone
 * (a parameter, with finite gradients).  Whichever it is, both steps stop
 * at the same step with the same report. */
static void
test_divergence_same_report (void **state)
{
  static const gsize widths[] = { 3, 7, 5, 2 };
  static const double rates[] = { 1e3, 1e6, 1e5, 1e4 };
  gboolean seen_pass = FALSE, seen_update = FALSE;
  BpRng rng;

  bp_rng_init (&rng, 77);
  for (int i = 0; i < 24; i++)
    {
      const char *act = i % 3 == 0 ? "relu" : i % 3 == 1 ? "linear" : "leaky_relu";
      g_autoptr(BpNetwork) net = make_chain (widths, G_N_ELEMENTS (widths), act, "linear",
                                             "mse", 300 + i);
      g_autoptr(BpOptimizer) opt = make_optimizer (i % 2 ? "momentum" : "sgd", net->n_params,
                                                   rates[i % G_N_ELEMENTS (rates)], 0.9,
                                                   i % 4 == 3 ? 1e-1 : 0.0);
      g_autoptr(BpDataset) ds = random_dataset (&rng, 16, 3, 2, "mse");
      RunResult r = run_both (net, opt, ds, TRUE, i, 2000);

      if (r.fault.kind == BP_TRAIN_FAULT_PARAM_W || r.fault.kind == BP_TRAIN_FAULT_PARAM_B)
        seen_update = TRUE;
      else if (r.fault.kind != BP_TRAIN_FAULT_NONE)
        seen_pass = TRUE;
    }
  assert_true (seen_pass);
  (void) seen_update;
}

/* An update that overflows from a finite gradient: 5-1 linear, mse, one
 * input of 1e303 against a weight of 1e-303, so that the output, the loss
 * and ∂C/∂W(1)[1,k] ≈ 2e303 are finite but lr·2e303 is not.  Both steps
 * undo it and blame the update of that weight, whether it is in the
 * sweep's block of four (k = 4) or in its tail (k = 5). */
static void
test_update_overflow_same_report (void **state)
{
  static const gsize widths[] = { 5, 1 };
  static const double Y[] = { 0.0 };

  for (gsize k = 3; k < 5; k++)
    for (int momentum = 0; momentum < 2; momentum++)
      {
        double X[] = { 0.5, -0.25, 1.0, 0.125, 0.75 };
        g_autoptr(BpDataset) ds = NULL;
        g_autoptr(BpNetwork) net = make_chain (widths, G_N_ELEMENTS (widths), "linear",
                                               "linear", "mse", 8);
        g_autoptr(BpOptimizer) opt = make_optimizer (momentum ? "momentum" : "sgd",
                                                     net->n_params, 1e6, 0.9, 0.0);
        RunResult r;

        X[k] = 1e303;
        ds = make_dataset ("huge", BP_TASK_REGRESSION, 1, 5, 1, X, Y);
        net->layers[0].W[k] = 1e-303;
        r = run_both (net, opt, ds, FALSE, 0, 3);
        assert_int_equal (r.steps, 0);
        assert_int_equal (r.fault.kind, BP_TRAIN_FAULT_PARAM_W);
        assert_int_equal (r.fault.layer, 1);
        assert_int_equal (r.fault.unit, 1);
        assert_int_equal (r.fault.input, k + 1);
      }
}

/* Weights near the largest double, finite, whose sum overflows: the
 * fused step's check (the sum of the new values) is not finite although
 * every value is, so it undoes itself, bit for bit, and the trainer takes
 * the step the general way, with the same result. */
static void
test_huge_finite_params_fall_back (void **state)
{
  static const gsize widths[] = { 5, 1 };
  static const double X[] = { 1e-300, -2e-300, 1e-300, 3e-300, -1e-300 };
  static const double Y[] = { 0.0 };
  g_autoptr(BpDataset) ds = make_dataset ("tiny", BP_TASK_REGRESSION, 1, 5, 1, X, Y);
  g_autoptr(BpNetwork) net = make_chain (widths, G_N_ELEMENTS (widths), "linear",
                                         "linear", "mse", 9);
  g_autoptr(BpOptimizer) opt = make_optimizer ("sgd", net->n_params, 1e-3, 0.0, 0.0);
  g_autoptr(BpNetwork) copy = NULL;
  g_autoptr(BpOptimizer) copy_opt = NULL;
  g_autoptr(BpTrace) trace = NULL;
  g_autofree double *before = NULL;
  g_autofree double *backup = NULL;
  RunResult r;

  /* four lanes of 1.5e308 (an overflow in one lane) and one more in the tail */
  for (gsize k = 0; k < 5; k++)
    net->layers[0].W[k] = k % 2 ? 1.5e308 : -1e-3;
  net->layers[0].W[1] = net->layers[0].W[3] = 1.5e308;
  net->layers[0].W[4] = 1.7e308;

  copy = bp_network_copy (net);
  copy_opt = bp_optimizer_copy (opt);
  trace = bp_trace_new (copy, 1);
  trace->keep = FALSE;
  backup = g_new0 (double, bp_train_state_size (copy, copy_opt));
  before = g_memdup2 (copy->params, copy->n_params * sizeof (double));
  assert_true (bp_train_online_applies (copy, copy_opt, trace, 1));
  assert_false (bp_train_online_step (copy, copy_opt, trace, X, Y, backup));
  assert_memory_equal (copy->params, before, copy->n_params * sizeof (double));
  assert_int_equal (copy_opt->t, opt->t);

  r = run_both (net, opt, ds, FALSE, 0, 4);
  assert_int_equal (r.steps, 4);
}

/* A first layer of one, two or three inputs (swept as one flat run of
 * weights, four lanes at a time) and widths that leave tails of rows,
 * lanes and biases: SGD and momentum, with and without weight decay, the
 * same bits as the general step. */
static void
test_narrow_inputs_same_bits (void **state)
{
  BpRng rng;

  bp_rng_init (&rng, 41);
  for (gsize in = 1; in <= 3; in++)
    for (int i = 0; i < 4; i++)
      {
        const gsize widths[] = { in, 5 + (gsize) i, 6 - (gsize) i, 1 + (gsize) i % 2 };
        g_autoptr(BpNetwork) net = make_chain (widths, G_N_ELEMENTS (widths), "tanh", "linear",
                                               "mse", 60 + in * 4 + (gsize) i);
        g_autoptr(BpOptimizer) opt = make_optimizer (i % 2 ? "momentum" : "sgd", net->n_params,
                                                     0.05, 0.9, i >= 2 ? 1e-3 : 0.0);
        g_autoptr(BpDataset) ds = random_dataset (&rng, 12, in, widths[3], "mse");
        RunResult r = run_both (net, opt, ds, TRUE, (guint64) i, 3 * ds->n_rows);

        assert_int_equal (r.steps, 3 * ds->n_rows);
      }
}

/* Where the fused step does not apply, the trainer takes the general one:
 * a batch of more than one, the trace kept, another optimizer, a layer
 * beyond the plain dense chain. */
static void
test_applies (void **state)
{
  static const gsize t1[] = { 2, 8, 8, 1 };
  g_autoptr(BpNetwork) net = make_chain (t1, G_N_ELEMENTS (t1), "tanh", "sigmoid", "mse", 1);
  g_autoptr(BpOptimizer) sgd = make_opt ("sgd", net->n_params, 0.1);
  g_autoptr(BpOptimizer) mom = make_opt ("momentum", net->n_params, 0.1);
  g_autoptr(BpOptimizer) adam = make_opt ("adam", net->n_params, 0.1);
  g_autoptr(BpOptimizer) rms = make_opt ("rmsprop", net->n_params, 0.1);
  g_autoptr(BpTrace) trace = bp_trace_new (net, 4);

  trace->keep = FALSE;
  assert_true (bp_train_online_applies (net, sgd, trace, 1));
  assert_true (bp_train_online_applies (net, mom, trace, 1));
  assert_false (bp_train_online_applies (net, sgd, trace, 2));
  assert_false (bp_train_online_applies (net, adam, trace, 1));
  assert_false (bp_train_online_applies (net, rms, trace, 1));
  trace->keep = TRUE;
  assert_false (bp_train_online_applies (net, sgd, trace, 1));

  /* A skip connection (the same parameters, another pass) takes the
   * general path too. */
  trace->keep = FALSE;
  assert_true (bp_network_set_skip (net, 1, 1, NULL));
  assert_false (bp_train_online_applies (net, sgd, trace, 1));
  assert_true (bp_network_set_skip (net, 1, -1, NULL));
  assert_true (bp_train_online_applies (net, sgd, trace, 1));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_applies),
    cmocka_unit_test (test_bench_shapes),
    cmocka_unit_test (test_random_chains),
    cmocka_unit_test (test_saturated_same_bits),
    cmocka_unit_test (test_nan_input_same_report),
    cmocka_unit_test (test_divergence_same_report),
    cmocka_unit_test (test_update_overflow_same_report),
    cmocka_unit_test (test_narrow_inputs_same_bits),
    cmocka_unit_test (test_huge_finite_params_fall_back),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
