/* test-stepper.c — the step-mode state machine, without a display: the stops
 * of a cycle in order, what each stop has computed, the numbers against
 * the core's own forward/backward, stepping back across the update and
 * into the previous step (bit for bit), replaying a step, the animation
 * clock and auto-play, a NaN stop, and that stepping one mini-batch at a
 * time gives the same weights as BpTrainer; and a network with batch
 * norm, a skip and dropout stepped through both passes, stepped back
 * (running statistics restored) and replayed (the same masks).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "bp-model.h"
#include "bp-trainer.h"
#include "bpv-stepper.h"

typedef struct
{
  BpModel   *model;
  BpDataset *data;
  BpDataset *train;
  BpDataset *test;
} Fixture;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);
  g_autoptr(GError) error = NULL;

  f->model = bp_model_new_default ();
  f->data = bp_dataset_generate ("moons", 200, 0.1, 7, &error);
  assert_non_null (f->data);
  bp_dataset_split (f->data, 0.2, 7, &f->train, &f->test);
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;

  bp_model_free (f->model);
  bp_dataset_free (f->data);
  bp_dataset_free (f->train);
  bp_dataset_free (f->test);
  g_free (f);
  return 0;
}

static BpvStepper *
new_stepper (Fixture *f,
             gsize    batch)
{
  return bpv_stepper_new (f->model->network, f->model->optimizer, f->train, batch, 11, 0);
}

static void
assert_same_doubles (const double *a,
                     const double *b,
                     gsize         n)
{
  assert_memory_equal (a, b, n * sizeof (double));
}

/* The 2N + 3 stops of one cycle, their phases and layers. */
static void
test_stops_in_order (void **state)
{
  Fixture *f = *state;
  g_autoptr(BpvStepper) st = new_stepper (f, 1);
  static const struct { BpvStepPhase phase; gsize layer; } want[] = {
    { BPV_STEP_INPUT, 0 },
    { BPV_STEP_FORWARD, 0 }, { BPV_STEP_FORWARD, 1 }, { BPV_STEP_FORWARD, 2 },
    { BPV_STEP_COST, 2 },
    { BPV_STEP_BACKWARD, 2 }, { BPV_STEP_BACKWARD, 1 }, { BPV_STEP_BACKWARD, 0 },
    { BPV_STEP_UPDATE, 2 },
  };

  assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_IDLE);
  assert_int_equal (bpv_stepper_get_position (st), -1);
  assert_null (bpv_stepper_get_trace (st));
  assert_int_equal (bpv_stepper_get_n_positions (st), 9);
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    {
      assert_true (bpv_stepper_next (st, NULL));
      assert_int_equal (bpv_stepper_get_position (st), i);
      assert_int_equal (bpv_stepper_get_phase (st), want[i].phase);
      assert_int_equal (bpv_stepper_get_layer (st), want[i].layer);
    }
  /* The next cycle begins with the next batch. */
  assert_true (bpv_stepper_next (st, NULL));
  assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_INPUT);
  assert_int_equal (bpv_stepper_get_step_count (st), 1);
  assert_int_equal (bpv_stepper_get_n_kept (st), 1);
}

/* Forward values appear layer by layer, then the cost, then δ from the
 * output back. */
static void
test_known_values (void **state)
{
  Fixture *f = *state;
  g_autoptr(BpvStepper) st = new_stepper (f, 1);

  for (int pos = 0; pos < 9; pos++)
    {
      assert_true (bpv_stepper_next (st, NULL));
      for (gsize l = 0; l < 3; l++)
        {
          assert_int_equal (bpv_stepper_forward_known (st, l), pos >= 1 + (int) l);
          /* δ(3) at stop 5, δ(2) at 6, δ(1) at 7 */
          assert_int_equal (bpv_stepper_backward_known (st, l), pos >= 7 - (int) l);
        }
      assert_int_equal (bpv_stepper_cost_known (st), pos >= 4);
    }
}

/* The cycle's numbers are one forward/backward of the core on its batch. */
static void
test_trace_is_the_core_pass (void **state)
{
  Fixture *f = *state;
  g_autoptr(BpvStepper) st = new_stepper (f, 4);
  g_autoptr(BpNetwork) net = bp_network_copy (f->model->network);
  g_autoptr(BpTrace) trace = NULL;
  const gsize *rows;
  const BpTrace *t;
  double x[4 * 2], y[4];
  gsize B;

  assert_true (bpv_stepper_next (st, NULL));
  B = bpv_stepper_get_batch (st, &rows);
  assert_int_equal (B, 4);
  for (gsize s = 0; s < B; s++)
    {
      memcpy (x + 2 * s, f->train->X + 2 * rows[s], 2 * sizeof (double));
      y[s] = f->train->Y[rows[s]];
    }
  trace = bp_trace_new (net, B);
  bp_network_gradients (net, trace, x, y, B);

  t = bpv_stepper_get_trace (st);
  assert_non_null (t);
  assert_int_equal (t->batch, B);
  assert_true (t->loss == trace->loss);
  for (gsize l = 0; l < 3; l++)
    {
      assert_same_doubles (t->a[l], trace->a[l], B * t->widths[l]);
      assert_same_doubles (t->dC_dz[l], trace->dC_dz[l], B * t->widths[l]);
    }
  assert_same_doubles (bpv_stepper_get_grads (st), net->grads, net->n_params);
  /* Nothing changed the weights before the update. */
  assert_same_doubles (f->model->network->params, net->params, net->n_params);
}

/* At UPDATE the weights change; one step back restores them, and the
 * optimizer's state, bit for bit. */
static void
test_back_across_update (void **state)
{
  Fixture *f = *state;
  g_autoptr(BpvStepper) st = new_stepper (f, 1);
  BpNetwork *net = f->model->network;
  BpOptimizer *opt = f->model->optimizer;
  gsize ns = bp_optimizer_state_size (opt);
  g_autofree double *before = g_memdup2 (net->params, net->n_params * sizeof (double));
  g_autofree double *state_before = g_memdup2 (opt->state, MAX (ns, 1) * sizeof (double));
  guint64 t_before = opt->t;
  g_autofree double *after = NULL;

  assert_true (bpv_stepper_finish_step (st, NULL));
  assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_UPDATE);
  assert_memory_not_equal (net->params, before, net->n_params * sizeof (double));
  assert_int_equal (opt->t, t_before + 1);
  assert_same_doubles (bpv_stepper_get_params_before (st), before, net->n_params);
  after = g_memdup2 (net->params, net->n_params * sizeof (double));
  assert_same_doubles (bpv_stepper_get_params_after (st), after, net->n_params);

  assert_true (bpv_stepper_back (st));
  assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_BACKWARD);
  assert_int_equal (bpv_stepper_get_layer (st), 0);
  assert_same_doubles (net->params, before, net->n_params);
  assert_same_doubles (opt->state, state_before, ns);
  assert_int_equal (opt->t, t_before);
  assert_int_equal (bpv_stepper_get_step_count (st), 0);

  /* Forward again: the same update. */
  assert_true (bpv_stepper_next (st, NULL));
  assert_same_doubles (net->params, after, net->n_params);
}

/* Back from the INPUT of step 2 lands on the UPDATE of step 1 with its
 * numbers, and on back to IDLE; forward again replays the same batches. */
static void
test_back_into_previous_step (void **state)
{
  Fixture *f = *state;
  g_autoptr(BpvStepper) st = new_stepper (f, 2);
  BpNetwork *net = f->model->network;
  g_autofree double *p0 = g_memdup2 (net->params, net->n_params * sizeof (double));
  g_autofree double *p1 = NULL, *p2 = NULL;
  g_autofree gsize *rows1 = NULL, *rows2 = NULL;
  g_autofree double *dz1 = NULL;
  const gsize *rows;
  gsize B;
  int backs = 0;

  assert_true (bpv_stepper_finish_step (st, NULL));
  p1 = g_memdup2 (net->params, net->n_params * sizeof (double));
  B = bpv_stepper_get_batch (st, &rows);
  rows1 = g_memdup2 (rows, B * sizeof (gsize));
  dz1 = g_memdup2 (bpv_stepper_get_trace (st)->dC_dz[0], B * 8 * sizeof (double));
  assert_true (bpv_stepper_finish_step (st, NULL));
  p2 = g_memdup2 (net->params, net->n_params * sizeof (double));
  B = bpv_stepper_get_batch (st, &rows);
  rows2 = g_memdup2 (rows, B * sizeof (gsize));
  assert_memory_not_equal (rows1, rows2, B * sizeof (gsize));
  assert_int_equal (bpv_stepper_get_step_count (st), 2);

  /* UPDATE(2) → … → INPUT(2): 8 steps back, then one more into step 1. */
  for (int i = 0; i < 8; i++)
    assert_true (bpv_stepper_back (st));
  assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_INPUT);
  assert_same_doubles (net->params, p1, net->n_params);
  assert_true (bpv_stepper_back (st));
  assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_UPDATE);
  assert_int_equal (bpv_stepper_get_step_count (st), 1);
  assert_same_doubles (net->params, p1, net->n_params);
  B = bpv_stepper_get_batch (st, &rows);
  assert_memory_equal (rows, rows1, B * sizeof (gsize));
  /* Its numbers are recomputed from the weights before its update. */
  assert_same_doubles (bpv_stepper_get_trace (st)->dC_dz[0], dz1, B * 8);

  /* All the way back to where we started. */
  while (bpv_stepper_back (st))
    backs++;
  assert_int_equal (backs, 9);
  assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_IDLE);
  assert_same_doubles (net->params, p0, net->n_params);
  assert_int_equal (bpv_stepper_get_step_count (st), 0);

  /* Forward: the same two batches and the same weights. */
  assert_true (bpv_stepper_finish_step (st, NULL));
  B = bpv_stepper_get_batch (st, &rows);
  assert_memory_equal (rows, rows1, B * sizeof (gsize));
  assert_same_doubles (net->params, p1, net->n_params);
  assert_true (bpv_stepper_finish_step (st, NULL));
  B = bpv_stepper_get_batch (st, &rows);
  assert_memory_equal (rows, rows2, B * sizeof (gsize));
  assert_same_doubles (net->params, p2, net->n_params);
}

static void
test_next_phase (void **state)
{
  Fixture *f = *state;
  g_autoptr(BpvStepper) st = new_stepper (f, 1);

  assert_true (bpv_stepper_next_phase (st, NULL));
  assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_INPUT);
  assert_true (bpv_stepper_next_phase (st, NULL));
  assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_FORWARD);
  assert_int_equal (bpv_stepper_get_layer (st), 2);
  assert_true (bpv_stepper_next_phase (st, NULL));
  assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_COST);
  assert_true (bpv_stepper_next_phase (st, NULL));
  assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_BACKWARD);
  assert_int_equal (bpv_stepper_get_layer (st), 0);
  assert_true (bpv_stepper_next_phase (st, NULL));
  assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_UPDATE);
  assert_int_equal (bpv_stepper_get_step_count (st), 1);
}

/* A transition takes the stop duration; auto-play holds, then steps. */
static void
test_animation_and_autoplay (void **state)
{
  Fixture *f = *state;
  g_autoptr(BpvStepper) st = new_stepper (f, 1);
  int stepped = 0;

  bpv_stepper_set_stop_duration (st, 0.5);
  assert_int_equal (bpv_stepper_tick (st, 0.1, NULL), BPV_TICK_IDLE);
  assert_true (bpv_stepper_next (st, NULL));
  assert_true (bpv_stepper_is_animating (st));
  assert_true (bpv_stepper_get_progress (st) == 0.0);
  assert_int_equal (bpv_stepper_tick (st, 0.25, NULL), BPV_TICK_ANIMATING);
  assert_true (fabs (bpv_stepper_get_progress (st) - 0.5) < 1e-12);
  assert_int_equal (bpv_stepper_tick (st, 0.5, NULL), BPV_TICK_ANIMATING);
  assert_true (bpv_stepper_get_progress (st) == 1.0);
  assert_false (bpv_stepper_is_animating (st));
  assert_int_equal (bpv_stepper_tick (st, 10.0, NULL), BPV_TICK_IDLE);
  assert_int_equal (bpv_stepper_get_position (st), 0);

  /* Steps back are immediate. */
  assert_true (bpv_stepper_next (st, NULL));
  assert_true (bpv_stepper_back (st));
  assert_false (bpv_stepper_is_animating (st));

  bpv_stepper_set_autoplay (st, TRUE);
  for (int i = 0; i < 2000 && bpv_stepper_get_step_count (st) < 2; i++)
    if (bpv_stepper_tick (st, 0.05, NULL) == BPV_TICK_STEPPED)
      stepped++;
  /* Two whole cycles of 9 stops, from INPUT of the first. */
  assert_int_equal (bpv_stepper_get_step_count (st), 2);
  assert_int_equal (stepped, 17);
}

/* An update that overflows stops with a message naming the layer and unit
 * and leaves the weights as they were; so does a forward pass that does. */
static void
test_numeric_stop (void **state)
{
  /* x = 10¹⁵²: z = 10¹⁵², the cost ½z² and ∂C/∂W = z·x = 10³⁰⁴ are finite,
   * lr · ∂C/∂W = 10³¹⁰ is not. */
  static const char csv[] = "x1,x2,y\n1e152,0,0.5\n1e152,0,0.5\n";
  static const char csv_big[] = "x1,x2,y\n1e10,0,0.5\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(BpDataset) ds = bp_dataset_parse_csv (csv, strlen (csv), "tiny.csv", NULL, NULL);
  g_autoptr(BpDataset) big = bp_dataset_parse_csv (csv_big, strlen (csv_big), "big.csv", NULL, NULL);
  g_autoptr(BpNetwork) net = bp_network_new (2, NULL);
  g_autoptr(BpOptimizer) sgd = NULL;
  g_autoptr(BpvStepper) st = NULL;
  g_autofree double *before = NULL;

  (void) state;
  assert_non_null (ds);
  assert_non_null (big);
  assert_true (bp_network_add_layer (net, 1, "linear", NULL, NULL));
  assert_true (bp_network_set_cost (net, "mse", NULL, NULL));
  net->layers[0].W[0] = 1.0;
  sgd = bp_optimizer_new (NULL, "sgd", net->n_params, NULL);
  assert_true (bp_optimizer_set (sgd, "lr", 1e6, NULL));
  before = g_memdup2 (net->params, net->n_params * sizeof (double));

  st = bpv_stepper_new (net, sgd, ds, 1, 3, 0);
  for (int i = 0; i < 4; i++)
    assert_true (bpv_stepper_next (st, NULL));
  assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_BACKWARD);
  assert_false (bpv_stepper_next (st, &error));
  assert_true (g_error_matches (error, BP_TRAIN_ERROR, BP_TRAIN_ERROR_NUMERIC));
  if (strstr (error->message, "layer 1, unit 1") == NULL || strstr (error->message, "W(1)[1,1]") == NULL)
    fail_msg ("unexpected message: %s", error->message);
  assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_BACKWARD);
  assert_same_doubles (net->params, before, net->n_params);
  g_clear_error (&error);
  g_clear_pointer (&st, bpv_stepper_free);

  /* z = 10³⁰³ · 10¹⁰ = ∞ in the forward pass: the cycle does not begin. */
  net->layers[0].W[0] = 1e303;
  memcpy (before, net->params, net->n_params * sizeof (double));
  st = bpv_stepper_new (net, sgd, big, 1, 3, 0);
  assert_false (bpv_stepper_next (st, &error));
  assert_true (g_error_matches (error, BP_TRAIN_ERROR, BP_TRAIN_ERROR_NUMERIC));
  if (strstr (error->message, "layer 1") == NULL)
    fail_msg ("unexpected message: %s", error->message);
  assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_IDLE);
  assert_same_doubles (net->params, before, net->n_params);
}

/* Stepping whole mini-batches is training: the same weights as BpTrainer
 * with the same seed and batch size. */
static void
test_same_as_trainer (void **state)
{
  Fixture *f = *state;
  g_autoptr(BpNetwork) net = bp_network_copy (f->model->network);
  g_autoptr(BpOptimizer) opt = bp_optimizer_copy (f->model->optimizer);
  g_autoptr(BpTrainer) tr = NULL;
  g_autoptr(BpvStepper) st = new_stepper (f, 16);
  BpTrainConfig config = { .batch_size = 16, .shuffle = TRUE, .seed = 11, .keep_trace = TRUE };

  tr = bp_trainer_new (net, opt, f->train, NULL, &config, NULL);
  assert_non_null (tr);
  for (int i = 0; i < 25; i++)
    {
      assert_true (bp_trainer_step (tr, NULL));
      assert_true (bpv_stepper_finish_step (st, NULL));
    }
  assert_same_doubles (f->model->network->params, net->params, net->n_params);
  assert_int_equal (bpv_stepper_get_step_count (st), 25);
}

/* reset drops everything kept; set_batch_size applies to the next cycle. */
static void
test_reset_and_batch_size (void **state)
{
  Fixture *f = *state;
  g_autoptr(BpvStepper) st = new_stepper (f, 1);

  assert_true (bpv_stepper_finish_step (st, NULL));
  assert_true (bpv_stepper_finish_step (st, NULL));
  bpv_stepper_reset (st, 2);
  assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_IDLE);
  assert_false (bpv_stepper_back (st));
  assert_int_equal (bpv_stepper_get_step_count (st), 2);
  bpv_stepper_set_batch_size (st, 8);
  assert_true (bpv_stepper_next (st, NULL));
  assert_int_equal (bpv_stepper_get_batch (st, NULL), 8);
  bpv_stepper_set_sample (st, 100);
  assert_int_equal (bpv_stepper_get_sample (st), 7);
}

/* ------------------------------------------------- layers beyond dense */

/* 2 → 6 tanh → batch norm (sigmoid) → 6 tanh + a(1) → dropout 0.5 → 1
 * sigmoid, in place of the fixture's network. */
static BpNetwork *
use_layers_net (Fixture *f)
{
  BpNetwork *net = bp_network_new (2, NULL);
  BpRng rng;

  assert_true (bp_network_add_layer (net, 6, "tanh", NULL, NULL));
  assert_true (bp_network_add_batchnorm (net, 1e-5, 0.1, "sigmoid", NULL));
  assert_true (bp_network_add_layer (net, 6, "tanh", NULL, NULL));
  assert_true (bp_network_set_skip (net, 2, 1, NULL));
  assert_true (bp_network_add_dropout (net, 0.5, NULL));
  assert_true (bp_network_add_layer (net, 1, "sigmoid", NULL, NULL));
  bp_rng_init (&rng, 3);
  bp_network_init_weights (net, BP_INIT_GLOROT_UNIFORM, &rng);
  bp_network_seed (net, 5);
  bp_network_free (f->model->network);
  f->model->network = net;
  return net;
}

/* Every stop of a cycle through the new layers in both passes, and its
 * numbers those of the core's own pass on the same batch (same masks,
 * same batch statistics). */
static void
test_layers_stop_by_stop (void **state)
{
  Fixture *f = *state;
  BpNetwork *net = use_layers_net (f);
  g_autoptr(BpNetwork) copy = bp_network_copy (net);
  g_autoptr(BpvStepper) st = new_stepper (f, 4);
  g_autoptr(BpTrace) own = NULL;
  const BpTrace *t;
  const gsize *rows;
  gsize N = net->n_layers, B, nf = f->train->n_features;
  g_autofree double *x = NULL, *y = NULL;

  assert_true (bpv_stepper_next (st, NULL));
  assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_INPUT);
  for (gsize l = 0; l < N; l++)
    {
      assert_true (bpv_stepper_next (st, NULL));
      assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_FORWARD);
      assert_int_equal (bpv_stepper_get_layer (st), l);
      assert_true (bpv_stepper_forward_known (st, l));
      assert_false (l + 1 < N && bpv_stepper_forward_known (st, l + 1));
    }
  assert_true (bpv_stepper_next (st, NULL));
  assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_COST);
  for (gsize l = N; l-- > 0;)
    {
      assert_true (bpv_stepper_next (st, NULL));
      assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_BACKWARD);
      assert_int_equal (bpv_stepper_get_layer (st), l);
      assert_true (bpv_stepper_backward_known (st, l));
    }

  B = bpv_stepper_get_batch (st, &rows);
  x = g_new (double, B * nf);
  y = g_new (double, B);
  for (gsize s = 0; s < B; s++)
    {
      memcpy (x + s * nf, f->train->X + rows[s] * nf, nf * sizeof (double));
      y[s] = f->train->Y[rows[s]];
    }
  own = bp_trace_new (copy, B);
  own->keep = TRUE;
  bp_network_gradients (copy, own, x, y, B);
  t = bpv_stepper_get_trace (st);
  for (gsize l = 0; l < N; l++)
    {
      gsize n = B * net->layers[l].out;

      assert_same_doubles (t->a[l], own->a[l], n);
      assert_same_doubles (t->dC_da[l], own->dC_da[l], n);
      if (net->layers[l].type == BP_LAYER_DROPOUT)
        assert_same_doubles (t->mask[l], own->mask[l], n);
    }
  assert_same_doubles (net->layers[1].running_mean, copy->layers[1].running_mean, 6);
  assert_same_doubles (net->layers[1].running_var, copy->layers[1].running_var, 6);

  assert_true (bpv_stepper_next (st, NULL));
  assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_UPDATE);
}

/* Back to where we started puts the running statistics back; forward
 * again replays the same masks and counts each batch's statistics once. */
static void
test_layers_back_and_replay (void **state)
{
  Fixture *f = *state;
  BpNetwork *net = use_layers_net (f);
  g_autoptr(BpvStepper) st = new_stepper (f, 4);
  g_autofree double *mean0 = g_memdup2 (net->layers[1].running_mean, 6 * sizeof (double));
  g_autofree double *mean2 = NULL, *p2 = NULL, *mask1 = NULL;
  gsize B;

  assert_true (bpv_stepper_finish_step (st, NULL));
  B = bpv_stepper_get_batch (st, NULL);
  mask1 = g_memdup2 (bpv_stepper_get_trace (st)->mask[3], B * 6 * sizeof (double));
  assert_true (bpv_stepper_finish_step (st, NULL));
  mean2 = g_memdup2 (net->layers[1].running_mean, 6 * sizeof (double));
  p2 = g_memdup2 (net->params, net->n_params * sizeof (double));
  assert_memory_not_equal (mean0, mean2, 6 * sizeof (double));

  while (bpv_stepper_back (st))
    ;
  assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_IDLE);
  assert_same_doubles (net->layers[1].running_mean, mean0, 6);

  assert_true (bpv_stepper_finish_step (st, NULL));
  assert_same_doubles (bpv_stepper_get_trace (st)->mask[3], mask1, B * 6);
  assert_true (bpv_stepper_finish_step (st, NULL));
  assert_same_doubles (net->layers[1].running_mean, mean2, 6);
  assert_same_doubles (net->params, p2, net->n_params);
}

/* A batch of one through batch norm in training mode: refused, saying why. */
static void
test_layers_batch_of_one (void **state)
{
  Fixture *f = *state;
  g_autoptr(BpvStepper) st = NULL;
  g_autoptr(GError) error = NULL;

  use_layers_net (f);
  st = new_stepper (f, 1);
  assert_false (bpv_stepper_next (st, &error));
  assert_non_null (error);
  assert_non_null (strstr (error->message, "batch-norm"));
  assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_IDLE);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_stops_in_order, setup, teardown),
    cmocka_unit_test_setup_teardown (test_known_values, setup, teardown),
    cmocka_unit_test_setup_teardown (test_trace_is_the_core_pass, setup, teardown),
    cmocka_unit_test_setup_teardown (test_back_across_update, setup, teardown),
    cmocka_unit_test_setup_teardown (test_back_into_previous_step, setup, teardown),
    cmocka_unit_test_setup_teardown (test_next_phase, setup, teardown),
    cmocka_unit_test_setup_teardown (test_animation_and_autoplay, setup, teardown),
    cmocka_unit_test_setup_teardown (test_numeric_stop, setup, teardown),
    cmocka_unit_test_setup_teardown (test_same_as_trainer, setup, teardown),
    cmocka_unit_test_setup_teardown (test_reset_and_batch_size, setup, teardown),
    cmocka_unit_test_setup_teardown (test_layers_stop_by_stop, setup, teardown),
    cmocka_unit_test_setup_teardown (test_layers_back_and_replay, setup, teardown),
    cmocka_unit_test_setup_teardown (test_layers_batch_of_one, setup, teardown),
  };

  return cmocka_run_group_tests_name ("stepper", tests, NULL, NULL);
}
