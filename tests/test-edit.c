/* test-edit.c — the edit model: for every kind of edit, the result is a
 * valid network, what it keeps keeps its bits, what is new follows the
 * seed rule, the same edit twice gives the same bits, undo gives back every
 * bit and redo the edit again; invalid edits change nothing; a long random
 * sequence undoes to the start; the memory cap and the dirty flag.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "bp-edit.h"
#include "bp-registry.h"
#include "bp-rng.h"
#include "test-util.h"
#include "test-edit-fixtures.h"

/* --------------------------------------------------------------- layers */

static void
test_insert_layer (void **state)
{
  g_autoptr(BpModel) model = tied_model ();
  BpEdit e = { .kind = BP_EDIT_INSERT_LAYER, .layer = 1, .width = 5, .activation = "relu" };
  g_autoptr(BpModel) out = check_edit (model, &e);
  g_autofree double *W1 = fresh_weights (model, 1, 8, 5);
  g_autofree double *W2 = fresh_weights (model, 2, 5, 8);
  const BpLayer *L;

  assert_int_equal (out->network->n_layers, 4);
  assert_layer_kept (out, 0, model, 0);
  assert_layer_kept (out, 3, model, 2);
  /* The new layer: W from the rule, b zero. */
  L = &out->network->layers[1];
  assert_int_equal (L->in, 8);
  assert_int_equal (L->out, 5);
  assert_string_equal (L->act_id, "relu");
  assert_true (same_doubles (L->W, W1, 40));
  for (gsize j = 0; j < 5; j++)
    assert_true (L->b[j] == 0.0);
  /* The layer after it takes 5 inputs now: new W, its b kept. */
  L = &out->network->layers[2];
  assert_int_equal (L->in, 5);
  assert_true (same_doubles (L->W, W2, 40));
  assert_true (same_doubles (L->b, model->network->layers[1].b, 8));
  /* The optimizer starts again, and so does the run. */
  assert_true (out->optimizer->t == 0);
  assert_null (out->progress);
  assert_string_equal (out->network->cost_id, "bce");

  /* A new layer as wide as the next one's input: the next keeps all. */
  {
    BpEdit same = { .kind = BP_EDIT_INSERT_LAYER, .layer = 2, .width = 8, .activation = "tanh" };
    g_autoptr(BpModel) out2 = check_edit (model, &same);

    assert_layer_kept (out2, 0, model, 0);
    assert_layer_kept (out2, 1, model, 1);
    assert_layer_kept (out2, 3, model, 2);
  }
  /* At the front, and at the end of a free model (a new output layer). */
  {
    BpEdit front = { .kind = BP_EDIT_INSERT_LAYER, .layer = 0, .width = 3, .activation = "tanh" };
    g_autoptr(BpModel) out3 = check_edit (model, &front);
    g_autoptr(BpModel) fm = free_model ();
    BpEdit end = { .kind = BP_EDIT_INSERT_LAYER, .layer = 4, .width = 6, .activation = "linear" };
    g_autoptr(BpModel) out4 = check_edit (fm, &end);

    assert_int_equal (out3->network->layers[0].in, 2);
    assert_int_equal (out3->network->layers[1].in, 3);
    assert_layer_kept (out3, 2, model, 1);
    for (gsize l = 0; l < 4; l++)
      assert_layer_kept (out4, l, fm, l);
    assert_int_equal (bp_network_n_outputs (out4->network), 6);
  }
}

/* The rule depends on the seed, the place and the shape only, not on what
 * happened before: the same insertion into two differently trained models
 * with the same seed gives the same new layer. */
static void
test_new_parameters_follow_the_seed (void **state)
{
  g_autoptr(BpModel) a = tied_model ();
  g_autoptr(BpModel) b = bp_model_new_default ();
  g_autoptr(GError) error = NULL;
  BpEdit e = { .kind = BP_EDIT_INSERT_LAYER, .layer = 1, .width = 5, .activation = "relu" };
  BpEdit seed = { .kind = BP_EDIT_SET_SEED, .seed = 43 };

  assert_true (bp_edit_perform (a, &e, &error));
  assert_true (bp_edit_perform (b, &e, &error));
  assert_true (same_doubles (a->network->layers[1].W, b->network->layers[1].W, 40));
  assert_false (same_doubles (a->network->layers[0].W, b->network->layers[0].W, 16));

  /* Another seed, another layer. */
  assert_true (bp_edit_perform (b, &seed, &error));
  assert_true (bp_edit_perform (b, &(BpEdit) { .kind = BP_EDIT_REMOVE_LAYER, .layer = 1 }, &error));
  assert_true (bp_edit_perform (b, &e, &error));
  assert_false (same_doubles (a->network->layers[1].W, b->network->layers[1].W, 40));

  /* The derived seeds differ in every field. */
  assert_true (bp_edit_derive_seed (1, 2, 3, 4) != bp_edit_derive_seed (2, 2, 3, 4));
  assert_true (bp_edit_derive_seed (1, 2, 3, 4) != bp_edit_derive_seed (1, 3, 3, 4));
  assert_true (bp_edit_derive_seed (1, 2, 3, 4) != bp_edit_derive_seed (1, 2, 4, 4));
  assert_true (bp_edit_derive_seed (1, 2, 3, 4) != bp_edit_derive_seed (1, 2, 3, 5));
  assert_true (bp_edit_derive_seed (1, 2, 3, 4) == bp_edit_derive_seed (1, 2, 3, 4));
}

static void
test_remove_layer (void **state)
{
  g_autoptr(BpModel) model = tied_model ();
  BpEdit e = { .kind = BP_EDIT_REMOVE_LAYER, .layer = 1 };
  g_autoptr(BpModel) out = check_edit (model, &e);
  BpEdit first = { .kind = BP_EDIT_REMOVE_LAYER, .layer = 0 };
  g_autoptr(BpModel) out2 = check_edit (model, &first);
  g_autofree double *W0 = fresh_weights (model, 0, 2, 8);

  /* 2-8-8-1 less layer 2: layer 3 still takes 8 inputs and keeps all. */
  assert_int_equal (out->network->n_layers, 2);
  assert_layer_kept (out, 0, model, 0);
  assert_layer_kept (out, 1, model, 2);
  assert_true (out->optimizer->t == 0);
  assert_null (out->progress);

  /* Less layer 1: layer 2 takes the 2 inputs now (new W, b kept). */
  assert_int_equal (out2->network->layers[0].in, 2);
  assert_true (same_doubles (out2->network->layers[0].W, W0, 16));
  assert_true (same_doubles (out2->network->layers[0].b, model->network->layers[1].b, 8));
  assert_layer_kept (out2, 1, model, 2);
}

static void
test_move_layer (void **state)
{
  g_autoptr(BpModel) model = free_model ();
  BpEdit e = { .kind = BP_EDIT_MOVE_LAYER, .layer = 1, .to = 2 };
  g_autoptr(BpModel) out = check_edit (model, &e);
  g_autofree double *W1 = fresh_weights (model, 1, 8, 8);
  g_autofree double *W3 = fresh_weights (model, 3, 5, 2);
  const BpNetwork *net = out->network;

  /* 3-8-5-8-2 → 3-8-8-5-2. */
  assert_int_equal (net->layers[1].out, 8);
  assert_int_equal (net->layers[2].out, 5);
  assert_layer_kept (out, 0, model, 0);
  /* old layer 3 (8 tanh) now at 2, after 8 units instead of 5: new W */
  assert_string_equal (net->layers[1].act_id, "tanh");
  assert_true (same_doubles (net->layers[1].W, W1, 64));
  assert_true (same_doubles (net->layers[1].b, model->network->layers[2].b, 8));
  /* old layer 2 (5 relu) now at 3, still after 8 units: kept */
  assert_layer_kept (out, 2, model, 1);
  /* the output now after 5 units */
  assert_true (same_doubles (net->layers[3].W, W3, 10));
  assert_true (same_doubles (net->layers[3].b, model->network->layers[3].b, 2));

  /* Moving back gives the old shapes again (new W where inputs changed). */
  {
    BpEdit back = { .kind = BP_EDIT_MOVE_LAYER, .layer = 2, .to = 1 };
    g_autoptr(BpModel) out2 = check_edit (out, &back);

    for (gsize l = 0; l < 4; l++)
      {
        assert_int_equal (out2->network->layers[l].in, model->network->layers[l].in);
        assert_int_equal (out2->network->layers[l].out, model->network->layers[l].out);
      }
    assert_layer_kept (out2, 1, model, 1);
  }
}

static void
test_width (void **state)
{
  g_autoptr(BpModel) model = tied_model ();
  BpEdit grow = { .kind = BP_EDIT_SET_WIDTH, .layer = 0, .width = 10 };
  g_autoptr(BpModel) out = check_edit (model, &grow);
  g_autofree double *W0 = fresh_weights (model, 0, 2, 10);
  g_autofree double *W1 = fresh_weights (model, 1, 10, 8);
  const BpLayer *L0 = &out->network->layers[0], *L1 = &out->network->layers[1];
  const BpLayer *O0 = &model->network->layers[0], *O1 = &model->network->layers[1];

  /* Rows 1–8 of W(1) and b(1) kept, rows 9–10 new, their b zero. */
  assert_true (same_doubles (L0->W, O0->W, 16));
  assert_true (same_doubles (L0->W + 16, W0 + 16, 4));
  assert_true (same_doubles (L0->b, O0->b, 8));
  assert_true (L0->b[8] == 0.0 && L0->b[9] == 0.0);
  /* Columns 1–8 of W(2) kept, 9–10 new; b(2) and layer 3 kept. */
  for (gsize j = 0; j < 8; j++)
    {
      assert_true (same_doubles (L1->W + j * 10, O1->W + j * 8, 8));
      assert_true (same_doubles (L1->W + j * 10 + 8, W1 + j * 10 + 8, 2));
    }
  assert_true (same_doubles (L1->b, O1->b, 8));
  assert_layer_kept (out, 2, model, 2);
  assert_true (out->optimizer->t == 0);

  /* Narrower: the overlap is kept. */
  {
    BpEdit shrink = { .kind = BP_EDIT_SET_WIDTH, .layer = 1, .width = 3 };
    g_autoptr(BpModel) out2 = check_edit (model, &shrink);
    const BpLayer *N1 = &out2->network->layers[1], *N2 = &out2->network->layers[2];
    const BpLayer *O2 = &model->network->layers[2];

    assert_layer_kept (out2, 0, model, 0);
    assert_true (same_doubles (N1->W, O1->W, 24));
    assert_true (same_doubles (N1->b, O1->b, 3));
    assert_true (same_doubles (N2->W, O2->W, 3));
    assert_true (same_doubles (N2->b, O2->b, 1));
  }

  /* One unit more: row 9 of a fresh 9-wide layer; once more: row 10 of a
   * fresh 10-wide one (the shape after each edit). */
  {
    g_autoptr(GError) error = NULL;
    BpEdit add = { .kind = BP_EDIT_ADD_UNIT, .layer = 1 };
    g_autoptr(BpModel) out3 = check_edit (model, &add);
    g_autoptr(BpModel) out4 = check_edit (out3, &add);
    g_autofree double *W9 = fresh_weights (model, 1, 8, 9);
    g_autofree double *W10 = fresh_weights (model, 1, 8, 10);
    g_autofree double *N9 = fresh_weights (model, 2, 9, 1);
    g_autofree double *N10 = fresh_weights (model, 2, 10, 1);
    const BpLayer *A = &out4->network->layers[1], *B = &out4->network->layers[2];

    assert_int_equal (A->out, 10);
    assert_true (same_doubles (A->W, O1->W, 64));
    assert_true (same_doubles (A->W + 64, W9 + 64, 8));
    assert_true (same_doubles (A->W + 72, W10 + 72, 8));
    assert_true (same_doubles (B->W, model->network->layers[2].W, 8));
    assert_true (B->W[8] == N9[8] && B->W[9] == N10[9]);
  }
}

static void
test_remove_unit (void **state)
{
  g_autoptr(BpModel) model = tied_model ();
  BpEdit e = { .kind = BP_EDIT_REMOVE_UNIT, .layer = 0, .unit = 3 };
  g_autoptr(BpModel) out = check_edit (model, &e);
  const BpLayer *L0 = &out->network->layers[0], *L1 = &out->network->layers[1];
  const BpLayer *O0 = &model->network->layers[0], *O1 = &model->network->layers[1];

  /* Unit 4 (index 3) is gone from W(1), b(1) and the columns of W(2);
   * everything else keeps its bits, nothing is new. */
  assert_int_equal (L0->out, 7);
  assert_true (same_doubles (L0->W, O0->W, 6));
  assert_true (same_doubles (L0->W + 6, O0->W + 8, 8));
  assert_true (same_doubles (L0->b, O0->b, 3));
  assert_true (same_doubles (L0->b + 3, O0->b + 4, 4));
  for (gsize j = 0; j < 8; j++)
    {
      assert_true (same_doubles (L1->W + j * 7, O1->W + j * 8, 3));
      assert_true (same_doubles (L1->W + j * 7 + 3, O1->W + j * 8 + 4, 4));
    }
  assert_true (same_doubles (L1->b, O1->b, 8));
  assert_layer_kept (out, 2, model, 2);
}

/* ---------------------------------------------------- activation and cost */

static void
test_activation (void **state)
{
  g_autoptr(BpModel) model = tied_model ();
  BpEdit e = { .kind = BP_EDIT_SET_ACTIVATION, .layer = 1, .activation = "relu" };
  g_autoptr(BpModel) out = check_edit (model, &e);
  const double alpha = 0.2;
  BpEdit leaky = { .kind = BP_EDIT_SET_ACTIVATION, .layer = 0, .activation = "leaky_relu",
                   .act_params = &alpha };
  g_autoptr(BpModel) out2 = check_edit (model, &leaky);

  /* Every weight, the optimizer state and the progress stay. */
  assert_string_equal (out->network->layers[1].act_id, "relu");
  assert_true (same_doubles (out->network->params, model->network->params,
                             model->network->n_params));
  assert_true (out->optimizer->t == model->optimizer->t);
  assert_true (same_doubles (out->optimizer->state, model->optimizer->state,
                             bp_optimizer_state_size (model->optimizer)));
  assert_non_null (out->progress);
  assert_true (out2->network->layers[0].act_params[0] == 0.2);
}

static void
test_output_activation_and_cost (void **state)
{
  g_autoptr(BpModel) model = tied_model ();
  BpEdit linear = { .kind = BP_EDIT_SET_ACTIVATION, .layer = 2, .activation = "linear" };
  BpEdit softmax = { .kind = BP_EDIT_SET_ACTIVATION, .layer = 2, .activation = "softmax",
                     .adapt = TRUE };

  /* bce needs a sigmoid output: refused, unless asked to switch the cost. */
  expect_refused (model, &linear, BP_EDIT_ERROR_COST, "needs a sigmoid output layer");
  linear.adapt = TRUE;
  {
    g_autoptr(BpModel) out = check_edit (model, &linear);
    g_autoptr(BpModel) out2 = check_edit (model, &softmax);
    g_autofree char *label = bp_edit_describe (model, &linear);

    assert_string_equal (out->network->cost_id, "mse");
    assert_string_equal (out->network->layers[2].act_id, "linear");
    assert_true (same_doubles (out->network->params, model->network->params,
                               model->network->n_params));
    assert_string_equal (out2->network->cost_id, "softmax_ce");
    assert_string_equal (label, "Change activation of layer 3 to linear, cost to mse");
  }

  /* A cost that needs another output: refused, unless asked to switch it. */
  {
    g_autoptr(BpModel) fm = free_model ();
    BpEdit bce = { .kind = BP_EDIT_SET_COST, .cost = "bce" };
    BpEdit mse = { .kind = BP_EDIT_SET_COST, .cost = "mse" };
    BpEdit sum = { .kind = BP_EDIT_SET_REDUCTION, .reduction = BP_REDUCTION_SUM };

    expect_refused (fm, &bce, BP_EDIT_ERROR_COST, "needs a sigmoid output layer");
    expect_refused (fm, &(BpEdit) { .kind = BP_EDIT_SET_COST, .cost = "nope" },
                    BP_EDIT_ERROR_UNKNOWN_ID, "unknown cost");
    bce.adapt = TRUE;
    {
      g_autoptr(BpModel) out = check_edit (fm, &bce);
      g_autoptr(BpModel) out2 = check_edit (model, &mse);
      g_autoptr(BpModel) out3 = check_edit (model, &sum);

      assert_string_equal (out->network->cost_id, "bce");
      assert_string_equal (out->network->layers[3].act_id, "sigmoid");
      assert_true (same_doubles (out->network->params, fm->network->params,
                                 fm->network->n_params));
      assert_string_equal (out2->network->cost_id, "mse");
      assert_string_equal (out2->network->layers[2].act_id, "sigmoid");
      assert_int_equal (out3->network->reduction, BP_REDUCTION_SUM);
      assert_true (out3->optimizer->t == model->optimizer->t);
    }
  }
}

/* ----------------------------------------------- optimizer and settings */

static void
test_optimizer (void **state)
{
  g_autoptr(BpModel) model = tied_model ();
  const char *names[] = { "lr", "momentum" };
  const double values[] = { 0.05, 0.8 };
  BpEdit e = { .kind = BP_EDIT_SET_OPTIMIZER, .optimizer = "momentum", .n_hyper = 2,
               .hyper_names = names, .hyper_values = values };
  g_autoptr(BpModel) out = check_edit (model, &e);
  BpEdit lr = { .kind = BP_EDIT_SET_HYPER, .name = "lr", .value = 0.01 };
  g_autoptr(BpModel) out2 = check_edit (model, &lr);
  BpEdit wd = { .kind = BP_EDIT_SET_HYPER, .name = "weight_decay", .value = 1e-4 };
  g_autoptr(BpModel) out3 = check_edit (model, &wd);
  double v;

  assert_string_equal (out->optimizer->id, "momentum");
  assert_true (out->optimizer->t == 0);
  assert_true (bp_optimizer_get (out->optimizer, "lr", &v) && v == 0.05);
  assert_true (bp_optimizer_get (out->optimizer, "momentum", &v) && v == 0.8);
  for (gsize i = 0; i < bp_optimizer_state_size (out->optimizer); i++)
    assert_true (out->optimizer->state[i] == 0.0);
  assert_true (same_doubles (out->network->params, model->network->params,
                             model->network->n_params));

  /* A hyperparameter: the state stays. */
  assert_true (bp_optimizer_get (out2->optimizer, "lr", &v) && v == 0.01);
  assert_true (out2->optimizer->t == model->optimizer->t);
  assert_true (same_doubles (out2->optimizer->state, model->optimizer->state,
                             bp_optimizer_state_size (model->optimizer)));
  assert_true (out3->optimizer->weight_decay == 1e-4);
  assert_non_null (out2->progress);

  expect_refused (model, &(BpEdit) { .kind = BP_EDIT_SET_HYPER, .name = "lr", .value = -1 },
                  BP_EDIT_ERROR_INVALID, "out of range");
  expect_refused (model, &(BpEdit) { .kind = BP_EDIT_SET_HYPER, .name = "lr", .value = NAN },
                  BP_EDIT_ERROR_INVALID, "out of range");
  expect_refused (model, &(BpEdit) { .kind = BP_EDIT_SET_HYPER, .name = "speed", .value = 1 },
                  BP_EDIT_ERROR_INVALID, "no hyperparameter “speed”");
  expect_refused (model, &(BpEdit) { .kind = BP_EDIT_SET_OPTIMIZER, .optimizer = "lbfgs" },
                  BP_EDIT_ERROR_UNKNOWN_ID, "unknown optimizer “lbfgs”");
  {
    const char *bad[] = { "beta1" };
    const double one[] = { 1.5 };

    expect_refused (model, &(BpEdit) { .kind = BP_EDIT_SET_OPTIMIZER, .optimizer = "adam",
                                       .n_hyper = 1, .hyper_names = bad, .hyper_values = one },
                    BP_EDIT_ERROR_INVALID, "beta1");
  }
}

static void
test_training_settings (void **state)
{
  g_autoptr(BpModel) model = tied_model ();
  BpEdit e = { .kind = BP_EDIT_SET_TRAINING, .epochs = 50, .batch_size = 4 };
  g_autoptr(BpModel) out = check_edit (model, &e);
  g_autofree char *label = bp_edit_describe (model, &e);

  assert_int_equal (out->epochs, 50);
  assert_int_equal (out->batch_size, 4);
  assert_non_null (out->progress);
  assert_string_equal (label, "Change epochs to 50 and batch size to 4");
  expect_refused (model, &(BpEdit) { .kind = BP_EDIT_SET_TRAINING, .epochs = 5, .batch_size = 0 },
                  BP_EDIT_ERROR_INVALID, "batch size 0");
}

static void
test_dataset (void **state)
{
  g_autoptr(BpModel) model = tied_model ();
  /* moons (2 → 1, binary) to a 4 → 3 multiclass set. */
  BpEdit e = { .kind = BP_EDIT_SET_DATASET, .dataset = "iris", .rows = 0, .noise = -1,
               .test_fraction = 0.25, .n_inputs = 4, .n_outputs = 3,
               .task = BP_TASK_MULTICLASS };
  g_autoptr(BpModel) out = check_edit (model, &e);
  g_autofree double *W0 = fresh_weights (model, 0, 4, 8);
  g_autofree double *W2 = fresh_weights (model, 2, 8, 3);
  const BpNetwork *net = out->network;

  assert_int_equal (net->n_inputs, 4);
  assert_int_equal (bp_network_n_outputs (net), 3);
  assert_true (same_doubles (net->layers[0].W, W0, 32));
  assert_true (same_doubles (net->layers[0].b, model->network->layers[0].b, 8));
  assert_layer_kept (out, 1, model, 1);
  assert_true (same_doubles (net->layers[2].W, W2, 24));
  for (gsize j = 0; j < 3; j++)
    assert_true (net->layers[2].b[j] == 0.0);
  assert_string_equal (net->layers[2].act_id, "softmax");
  assert_string_equal (net->cost_id, "softmax_ce");
  assert_string_equal (out->dataset, "iris");
  assert_true (out->test_fraction == 0.25);
  assert_true (out->optimizer->t == 0);
  assert_null (out->progress);

  /* Same widths (other rows and noise): every weight stays; a new run. */
  {
    BpEdit more = { .kind = BP_EDIT_SET_DATASET, .dataset = "moons", .rows = 800, .noise = 0.3,
                    .test_fraction = 0.2, .n_inputs = 2, .n_outputs = 1,
                    .task = BP_TASK_BINARY };
    g_autoptr(BpModel) out2 = check_edit (model, &more);

    assert_true (same_doubles (out2->network->params, model->network->params,
                               model->network->n_params));
    assert_int_equal (out2->dataset_rows, 800);
    assert_true (out2->dataset_noise == 0.3);
    assert_true (out2->optimizer->t == 0);
    assert_null (out2->progress);
  }

  expect_refused (model, &(BpEdit) { .kind = BP_EDIT_SET_DATASET, .dataset = "moons",
                                     .test_fraction = 1.0 },
                  BP_EDIT_ERROR_INVALID, "test fraction");
  expect_refused (model, &(BpEdit) { .kind = BP_EDIT_SET_DATASET, .dataset = "",
                                     .test_fraction = 0.2 },
                  BP_EDIT_ERROR_INVALID, "empty");
  expect_refused (model, &(BpEdit) { .kind = BP_EDIT_SET_DATASET, .dataset = "moons",
                                     .test_fraction = 0.2, .n_inputs = 4097, .n_outputs = 1 },
                  BP_EDIT_ERROR_INVALID, "4097");
}

static void
test_reset_seed_init (void **state)
{
  g_autoptr(BpModel) model = tied_model ();
  BpEdit reset = { .kind = BP_EDIT_RESET_WEIGHTS };
  g_autoptr(BpModel) out = check_edit (model, &reset);
  g_autoptr(BpModel) fresh = bp_model_new_default ();
  BpEdit seed = { .kind = BP_EDIT_SET_SEED, .seed = 5, .reset = TRUE };
  g_autoptr(BpModel) out2 = check_edit (model, &seed);
  BpEdit seed_only = { .kind = BP_EDIT_SET_SEED, .seed = 6 };
  g_autoptr(BpModel) out3 = check_edit (model, &seed_only);
  BpEdit init = { .kind = BP_EDIT_SET_INIT, .init = BP_INIT_HE_NORMAL, .reset = TRUE };
  g_autoptr(BpModel) out4 = check_edit (model, &init);
  BpNetwork *expect = bp_network_copy (model->network);
  BpRng rng;

  /* The weights a model file without W would get. */
  assert_true (bp_network_equal (out->network, fresh->network));
  assert_true (out->optimizer->t == 0);
  assert_null (out->progress);

  bp_rng_init (&rng, 5);
  bp_network_init_weights (expect, BP_INIT_GLOROT_UNIFORM, &rng);
  assert_true (bp_network_equal (out2->network, expect));
  assert_true (out2->seed == 5);

  assert_true (out3->seed == 6);
  assert_true (bp_network_equal (out3->network, model->network));
  assert_null (out3->progress);

  bp_rng_init (&rng, 42);
  bp_network_init_weights (expect, BP_INIT_HE_NORMAL, &rng);
  assert_true (bp_network_equal (out4->network, expect));
  bp_network_free (expect);

  expect_refused (model, &(BpEdit) { .kind = BP_EDIT_SET_INIT, .init = (BpInit) 9 },
                  BP_EDIT_ERROR_INVALID, "initialisation");
}

/* ------------------------------------------------------- invalid edits */

static void
test_invalid_edits (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) model = tied_model ();
  g_autoptr(BpModel) fm = free_model ();
  g_autoptr(BpModel) one = bp_model_copy (fm);
  g_autoptr(BpModel) deep = bp_model_copy (fm);

  /* A one-layer model and a 32-layer one. */
  while (one->network->n_layers > 1)
    assert_true (bp_edit_perform (one, &(BpEdit) { .kind = BP_EDIT_REMOVE_LAYER, .layer = 0 },
                                  &error));
  while (deep->network->n_layers < BP_MAX_LAYERS)
    assert_true (bp_edit_perform (deep, &(BpEdit) { .kind = BP_EDIT_INSERT_LAYER, .layer = 1,
                                                    .width = 2, .activation = "tanh" }, &error));
  assert_valid (deep);

  expect_refused (one, &(BpEdit) { .kind = BP_EDIT_REMOVE_LAYER, .layer = 0 },
                  BP_EDIT_ERROR_INVALID, "only layer");
  expect_refused (deep, &(BpEdit) { .kind = BP_EDIT_INSERT_LAYER, .layer = 1, .width = 2,
                                    .activation = "tanh" },
                  BP_EDIT_ERROR_INVALID, "at most 32 layers");
  expect_refused (model, &(BpEdit) { .kind = BP_EDIT_INSERT_LAYER, .layer = 1, .width = 0,
                                     .activation = "tanh" },
                  BP_EDIT_ERROR_INVALID, "not 0");
  expect_refused (model, &(BpEdit) { .kind = BP_EDIT_INSERT_LAYER, .layer = 1, .width = 4097,
                                     .activation = "tanh" },
                  BP_EDIT_ERROR_INVALID, "not 4097");
  expect_refused (model, &(BpEdit) { .kind = BP_EDIT_SET_WIDTH, .layer = 0, .width = 0 },
                  BP_EDIT_ERROR_INVALID, "not 0");
  expect_refused (model, &(BpEdit) { .kind = BP_EDIT_SET_WIDTH, .layer = 0, .width = 4097 },
                  BP_EDIT_ERROR_INVALID, "not 4097");
  expect_refused (model, &(BpEdit) { .kind = BP_EDIT_INSERT_LAYER, .layer = 4, .width = 3,
                                     .activation = "tanh" },
                  BP_EDIT_ERROR_INVALID, "position 5");
  expect_refused (model, &(BpEdit) { .kind = BP_EDIT_REMOVE_LAYER, .layer = 3 },
                  BP_EDIT_ERROR_INVALID, "no layer 4");
  expect_refused (model, &(BpEdit) { .kind = BP_EDIT_MOVE_LAYER, .layer = 0, .to = 3 },
                  BP_EDIT_ERROR_INVALID, "position 4");
  expect_refused (model, &(BpEdit) { .kind = BP_EDIT_SET_ACTIVATION, .layer = 7,
                                     .activation = "tanh" },
                  BP_EDIT_ERROR_INVALID, "no layer 8");
  expect_refused (model, &(BpEdit) { .kind = BP_EDIT_REMOVE_UNIT, .layer = 0, .unit = 8 },
                  BP_EDIT_ERROR_INVALID, "no unit 9");
  {
    g_autoptr(BpModel) narrow = bp_model_copy (one);

    assert_true (bp_edit_perform (narrow, &(BpEdit) { .kind = BP_EDIT_SET_WIDTH, .layer = 0,
                                                      .width = 1 }, &error));
    expect_refused (narrow, &(BpEdit) { .kind = BP_EDIT_REMOVE_UNIT, .layer = 0, .unit = 0 },
                    BP_EDIT_ERROR_INVALID, "only unit");
  }
  expect_refused (model, &(BpEdit) { .kind = BP_EDIT_INSERT_LAYER, .layer = 1, .width = 3,
                                     .activation = "swishy" },
                  BP_EDIT_ERROR_UNKNOWN_ID, "unknown activation “swishy”");
  expect_refused (model, &(BpEdit) { .kind = BP_EDIT_SET_ACTIVATION, .layer = 0,
                                     .activation = "swishy" },
                  BP_EDIT_ERROR_UNKNOWN_ID, "unknown activation “swishy”");
  {
    const double bad_alpha = 1e9;

    expect_refused (model, &(BpEdit) { .kind = BP_EDIT_SET_ACTIVATION, .layer = 0,
                                       .activation = "leaky_relu", .act_params = &bad_alpha },
                    BP_EDIT_ERROR_INVALID, "out of range");
  }
  /* The data fixes the output width of a tied model. */
  expect_refused (model, &(BpEdit) { .kind = BP_EDIT_SET_WIDTH, .layer = 2, .width = 2 },
                  BP_EDIT_ERROR_SHAPE, "dataset");
  expect_refused (model, &(BpEdit) { .kind = BP_EDIT_REMOVE_LAYER, .layer = 2 },
                  BP_EDIT_ERROR_SHAPE, "dataset");
  expect_refused (model, &(BpEdit) { .kind = BP_EDIT_INSERT_LAYER, .layer = 3, .width = 4,
                                     .activation = "sigmoid" },
                  BP_EDIT_ERROR_SHAPE, "dataset");
  /* Moving the sigmoid output away leaves bce without its output. */
  {
    g_autoptr(BpModel) bce = bp_model_copy (fm);

    assert_true (bp_edit_perform (bce, &(BpEdit) { .kind = BP_EDIT_SET_COST, .cost = "bce",
                                                   .adapt = TRUE }, &error));
    expect_refused (bce, &(BpEdit) { .kind = BP_EDIT_MOVE_LAYER, .layer = 3, .to = 0 },
                    BP_EDIT_ERROR_COST, "needs a sigmoid output layer");
  }
  expect_refused (fm, &(BpEdit) { .kind = BP_EDIT_SET_REDUCTION, .reduction = (BpReduction) 7 },
                  BP_EDIT_ERROR_INVALID, "reduction");
  /* Refused half-way (the activation is already set on the working copy
   * when the asked-for cost turns out not to fit): nothing changes. */
  expect_refused (model, &(BpEdit) { .kind = BP_EDIT_SET_ACTIVATION, .layer = 2,
                                     .activation = "linear", .adapt = TRUE, .cost = "bce" },
                  BP_EDIT_ERROR_COST, "needs a sigmoid output layer");
  /* A worked example fixes the output width too. */
  {
    g_autoptr(BpModel) example = bp_model_copy (fm);

    example->n_samples = 1;
    example->inputs = g_new0 (double, 3);
    example->targets = g_new0 (double, 2);
    expect_refused (example, &(BpEdit) { .kind = BP_EDIT_ADD_UNIT, .layer = 3 },
                    BP_EDIT_ERROR_SHAPE, "worked example");
  }
}

/* ------------------------------------------------------------- history */

/* A random edit, valid or not, for the long sequence. */
static BpEdit
random_edit (BpRng         *rng,
             const BpModel *model)
{
  static const char *const acts[] = { "tanh", "relu", "sigmoid", "linear", "softplus", "nope" };
  static const char *const costs[] = { "mse", "bce", "softmax_ce" };
  static const char *const opts[] = { "sgd", "momentum", "rmsprop", "adam" };
  static const char *const hypers[] = { "lr", "momentum", "weight_decay", "beta1" };
  gsize n = model->network->n_layers;
  BpEdit e = { .kind = (BpEditKind) bp_rng_below (rng, BP_EDIT_INSERT_TYPED + 1) };

  e.layer = (gsize) bp_rng_below (rng, n + 1);    /* sometimes one too far */
  e.to = (gsize) bp_rng_below (rng, n);
  e.width = 1 + (gsize) bp_rng_below (rng, 9);
  e.unit = (gsize) bp_rng_below (rng, 6);
  e.activation = acts[bp_rng_below (rng, G_N_ELEMENTS (acts))];
  e.adapt = bp_rng_below (rng, 2);
  e.cost = costs[bp_rng_below (rng, G_N_ELEMENTS (costs))];
  e.reduction = (BpReduction) bp_rng_below (rng, 2);
  e.optimizer = opts[bp_rng_below (rng, G_N_ELEMENTS (opts))];
  e.name = hypers[bp_rng_below (rng, G_N_ELEMENTS (hypers))];
  e.value = bp_rng_uniform (rng) * 0.2;
  e.epochs = (guint) bp_rng_below (rng, 200);
  e.batch_size = (gsize) bp_rng_below (rng, 64);
  e.dataset = bp_rng_below (rng, 2) ? "moons" : "blobs";
  e.rows = (gsize) bp_rng_below (rng, 500);
  e.noise = bp_rng_uniform (rng) - 0.2;
  e.test_fraction = bp_rng_uniform (rng) * 0.5;
  e.n_inputs = 2;
  e.n_outputs = 1 + (gsize) bp_rng_below (rng, 3);
  e.task = e.n_outputs == 1 ? BP_TASK_BINARY : BP_TASK_MULTICLASS;
  e.seed = bp_rng_below (rng, 1000);
  e.init = (BpInit) bp_rng_below (rng, 4);
  e.reset = bp_rng_below (rng, 2);
  e.from = (gsize) bp_rng_below (rng, n + 1);
  e.layer_type = (BpLayerType) bp_rng_below (rng, BP_LAYER_DROPOUT + 1);
  return e;
}

static void
random_sequence_undoes (const BpModel *start,
                        guint64        seed)
{
  g_autoptr(BpModel) model = bp_model_copy (start);
  g_autoptr(BpModel) end = NULL;
  g_autoptr(BpEditHistory) h = bp_edit_history_new (0, 0);
  guint applied = 0, refused = 0, undone = 0, redone = 0, beyond_dense = 0;
  BpRng rng;

  bp_rng_init (&rng, seed);
  for (guint i = 0; i < 200; i++)
    {
      g_autoptr(GError) error = NULL;
      BpEdit e = random_edit (&rng, model);
      guint before = bp_edit_history_n_undo (h);

      if (bp_edit_apply (h, model, &e, &error))
        {
          applied++;
          beyond_dense += !bp_network_is_plain (model->network);
          assert_valid (model);
          assert_true (bp_edit_history_n_undo (h) == before ||
                       bp_edit_history_n_undo (h) == before + 1);
        }
      else
        {
          refused++;
          assert_non_null (error);
          assert_true (error->domain == BP_EDIT_ERROR);
          assert_int_equal (bp_edit_history_n_undo (h), before);
        }
    }
  /* Both kinds happened plenty (the exact split is the RNG's). */
  assert_true (applied > 60 && refused > 20);
  /* Skips, norm and dropout layers were among them. */
  print_message ("%u of %u edits left layers beyond dense\n", beyond_dense, applied);
  assert_true (beyond_dense > 0);
  assert_true (bp_edit_history_n_undo (h) <= 200);

  end = bp_model_copy (model);
  while (bp_edit_undo (h, model))
    undone++;
  assert_int_equal (undone, bp_edit_history_n_redo (h));
  assert_models_equal (model, start);
  assert_false (bp_edit_history_is_dirty (h));

  while (bp_edit_redo (h, model))
    redone++;
  assert_int_equal (redone, undone);
  assert_models_equal (model, end);
}

/* 200 random edits (valid or not) on a model tied to its dataset and on a
 * free one, then undo all the way: back to the start exactly; redo all the
 * way: the end again. */
static void
test_random_sequence_undoes (void **state)
{
  g_autoptr(BpModel) tied = tied_model ();
  g_autoptr(BpModel) untied = free_model ();

  random_sequence_undoes (tied, 2024);
  random_sequence_undoes (untied, 7);
}

static void
test_dirty_flag (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) model = tied_model ();
  g_autoptr(BpEditHistory) h = bp_edit_history_new (0, 0);
  BpEdit lr1 = { .kind = BP_EDIT_SET_HYPER, .name = "lr", .value = 0.01 };
  BpEdit lr2 = { .kind = BP_EDIT_SET_HYPER, .name = "lr", .value = 0.02 };

  assert_false (bp_edit_history_is_dirty (h));
  assert_false (bp_edit_can_undo (h));
  assert_false (bp_edit_undo (h, model));
  assert_false (bp_edit_redo (h, model));
  assert_null (bp_edit_undo_label (h));

  assert_true (bp_edit_apply (h, model, &lr1, &error));
  assert_true (bp_edit_history_is_dirty (h));
  bp_edit_history_mark_saved (h);
  assert_false (bp_edit_history_is_dirty (h));

  /* The same value again is no change: no step, still clean. */
  assert_true (bp_edit_apply (h, model, &lr1, &error));
  assert_int_equal (bp_edit_history_n_undo (h), 1);
  assert_false (bp_edit_history_is_dirty (h));

  /* Undo away from the saved state and back. */
  assert_true (bp_edit_undo (h, model));
  assert_true (bp_edit_history_is_dirty (h));
  assert_true (bp_edit_redo (h, model));
  assert_false (bp_edit_history_is_dirty (h));

  assert_true (bp_edit_apply (h, model, &lr2, &error));
  assert_true (bp_edit_history_is_dirty (h));
  assert_true (bp_edit_undo (h, model));
  assert_false (bp_edit_history_is_dirty (h));

  /* Undo past the saved state, then a new edit: the saved state is gone
   * (the redo steps are dropped), dirty until saved. */
  assert_true (bp_edit_undo (h, model));
  assert_true (bp_edit_apply (h, model, &lr2, &error));
  assert_int_equal (bp_edit_history_n_redo (h), 0);
  assert_true (bp_edit_history_is_dirty (h));
  assert_true (bp_edit_undo (h, model));
  assert_true (bp_edit_history_is_dirty (h));
  assert_true (bp_edit_redo (h, model));
  bp_edit_history_mark_saved (h);
  assert_false (bp_edit_history_is_dirty (h));

  /* A change made elsewhere (training) that is not an undo step. */
  bp_edit_history_mark_changed (h);
  assert_true (bp_edit_history_is_dirty (h));
  bp_edit_history_mark_saved (h);

  /* One that is: undo takes the model back before it. */
  {
    g_autoptr(BpModel) before = bp_model_copy (model);
    BpModel *snapshot = bp_model_copy (model);

    train_a_little (model);
    bp_edit_history_record (h, snapshot, "Train 5 steps");
    assert_true (bp_edit_history_is_dirty (h));
    assert_string_equal (bp_edit_undo_label (h), "Train 5 steps");
    assert_true (bp_edit_undo (h, model));
    assert_models_equal (model, before);
    assert_false (bp_edit_history_is_dirty (h));
  }

  /* Clearing forgets the steps, not the dirty state. */
  assert_true (bp_edit_redo (h, model));
  bp_edit_history_clear (h);
  assert_false (bp_edit_can_undo (h));
  assert_false (bp_edit_can_redo (h));
  assert_true (bp_edit_history_is_dirty (h));
  assert_int_equal (bp_edit_history_size (h), 0);
}

static void
test_memory_cap (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) model = tied_model ();
  g_autoptr(BpModel) after_three = NULL;
  gsize one = bp_edit_model_size (model);

  /* At most 3 steps. */
  {
    g_autoptr(BpEditHistory) h = bp_edit_history_new (3, 0);

    for (guint i = 0; i < 6; i++)
      {
        BpEdit e = { .kind = BP_EDIT_SET_TRAINING, .epochs = 10 + i, .batch_size = 8 };

        assert_true (bp_edit_apply (h, model, &e, &error));
        if (i == 2)
          after_three = bp_model_copy (model);
      }
    assert_int_equal (bp_edit_history_n_undo (h), 3);
    assert_int_equal (model->epochs, 15);
    while (bp_edit_undo (h, model))
      ;
    /* Back three steps only: the state after the third edit. */
    assert_int_equal (model->epochs, 12);
    assert_models_equal (model, after_three);
    assert_true (bp_edit_history_size (h) >= 3 * one);
  }

  /* A budget under two snapshots keeps the nearest step of each side. */
  {
    g_autoptr(BpEditHistory) h = bp_edit_history_new (0, one + one / 2);

    for (guint i = 0; i < 4; i++)
      {
        BpEdit e = { .kind = BP_EDIT_SET_TRAINING, .epochs = 20 + i, .batch_size = 8 };

        assert_true (bp_edit_apply (h, model, &e, &error));
      }
    assert_int_equal (bp_edit_history_n_undo (h), 1);
    assert_true (bp_edit_undo (h, model));
    assert_int_equal (model->epochs, 22);
    assert_false (bp_edit_can_undo (h));
    assert_true (bp_edit_redo (h, model));
    assert_int_equal (model->epochs, 23);
  }

  /* The defaults: 200 steps, and a 784-128-64-10 Adam snapshot is ~4.4 MB,
   * so 128 MiB keeps about 30 of them. */
  {
    g_autoptr(BpModel) big = bp_model_new ();
    gsize size;

    big->network = bp_network_new (784, &error);
    assert_true (bp_network_add_layer (big->network, 128, "relu", NULL, &error));
    assert_true (bp_network_add_layer (big->network, 64, "relu", NULL, &error));
    assert_true (bp_network_add_layer (big->network, 10, "linear", NULL, &error));
    big->optimizer = bp_optimizer_new (NULL, "adam", big->network->n_params, &error);
    size = bp_edit_model_size (big);
    assert_true (size > 4300000 && size < 4500000);
    assert_int_equal (BP_EDIT_HISTORY_MAX_BYTES / size, 30);
  }
}

static void
test_labels (void **state)
{
  g_autoptr(BpModel) model = tied_model ();
  static const struct { BpEdit e; const char *label; } cases[] = {
    { { .kind = BP_EDIT_INSERT_LAYER, .layer = 1, .width = 8, .activation = "tanh" },
      "Insert layer 2 (8 tanh)" },
    { { .kind = BP_EDIT_REMOVE_LAYER, .layer = 1 }, "Remove layer 2 (8 tanh)" },
    { { .kind = BP_EDIT_MOVE_LAYER, .layer = 0, .to = 1 }, "Move layer 1 to position 2" },
    { { .kind = BP_EDIT_SET_ACTIVATION, .layer = 0, .activation = "relu" },
      "Change activation of layer 1 to relu" },
    { { .kind = BP_EDIT_SET_WIDTH, .layer = 1, .width = 12 }, "Change width of layer 2 to 12" },
    { { .kind = BP_EDIT_ADD_UNIT, .layer = 0 }, "Add a unit to layer 1" },
    { { .kind = BP_EDIT_REMOVE_UNIT, .layer = 0, .unit = 2 }, "Remove unit 3 of layer 1" },
    { { .kind = BP_EDIT_SET_COST, .cost = "mse" }, "Change cost to mse" },
    { { .kind = BP_EDIT_SET_REDUCTION, .reduction = BP_REDUCTION_SUM },
      "Change reduction to sum" },
    { { .kind = BP_EDIT_SET_OPTIMIZER, .optimizer = "sgd" }, "Change optimizer to sgd" },
    { { .kind = BP_EDIT_SET_HYPER, .name = "lr", .value = 0.05 }, "Change lr to 0.05" },
    { { .kind = BP_EDIT_SET_TRAINING, .epochs = 200, .batch_size = 32 },
      "Change batch size to 32" },
    { { .kind = BP_EDIT_SET_DATASET, .dataset = "spirals" }, "Change dataset to spirals" },
    { { .kind = BP_EDIT_RESET_WEIGHTS }, "Reset weights from seed 42" },
    { { .kind = BP_EDIT_SET_SEED, .seed = 7, .reset = TRUE },
      "Change seed to 7 and reset weights" },
    { { .kind = BP_EDIT_SET_INIT, .init = BP_INIT_HE_UNIFORM },
      "Change initialisation to he_uniform" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *label = bp_edit_describe (model, &cases[i].e);

      assert_string_equal (label, cases[i].label);
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_insert_layer),
    cmocka_unit_test (test_new_parameters_follow_the_seed),
    cmocka_unit_test (test_remove_layer),
    cmocka_unit_test (test_move_layer),
    cmocka_unit_test (test_width),
    cmocka_unit_test (test_remove_unit),
    cmocka_unit_test (test_activation),
    cmocka_unit_test (test_output_activation_and_cost),
    cmocka_unit_test (test_optimizer),
    cmocka_unit_test (test_training_settings),
    cmocka_unit_test (test_dataset),
    cmocka_unit_test (test_reset_seed_init),
    cmocka_unit_test (test_invalid_edits),
    cmocka_unit_test (test_random_sequence_undoes),
    cmocka_unit_test (test_dirty_flag),
    cmocka_unit_test (test_memory_cap),
    cmocka_unit_test (test_labels),
    cmocka_unit_test (test_skip),
    cmocka_unit_test (test_move_skip),
    cmocka_unit_test (test_resize_skip_ends),
    cmocka_unit_test (test_insert_typed),
    cmocka_unit_test (test_edits_around_typed_layers),
  };

  return cmocka_run_group_tests_name ("edit", tests, NULL, NULL);
}
