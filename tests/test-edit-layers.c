/* test-edit-layers.c — the edits of the layers beyond dense: adding,
 * moving and removing a skip connection, a width edit of both ends of a
 * skip, inserting batch norm, layer norm and dropout, and the dense edits
 * around them.  Part of the test-edit program (test-edit-fixtures.h).
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

/* free_model (3-8-5-8-2) with the skip a(1) → a(3). */
static BpModel *
skip_model (void)
{
  g_autoptr(GError) error = NULL;
  BpModel *model = free_model ();
  BpEdit e = { .kind = BP_EDIT_ADD_SKIP, .layer = 2, .from = 1 };

  if (!bp_edit_perform (model, &e, &error))
    fail_msg ("%s", error->message);
  return model;
}

void
test_skip (void **state)
{
  g_autoptr(BpModel) model = free_model ();
  BpEdit add = { .kind = BP_EDIT_ADD_SKIP, .layer = 2, .from = 1 };
  g_autoptr(BpModel) out = check_edit (model, &add);
  BpEdit rm = { .kind = BP_EDIT_REMOVE_SKIP, .layer = 2 };
  g_autoptr(BpModel) back = check_edit (out, &rm);

  /* A skip has no parameters: every weight, the optimizer state and the
   * position in the run are kept. */
  for (gsize l = 0; l < 4; l++)
    assert_layer_kept (out, l, model, l);
  assert_int_equal (out->network->layers[2].skip_from, 1);
  assert_true (out->optimizer->t == model->optimizer->t);
  assert_non_null (out->progress);
  assert_true (bp_network_equal (back->network, model->network));

  /* The width rule, with both widths; a skip from a later a(j). */
  expect_refused (model, &(BpEdit) { .kind = BP_EDIT_ADD_SKIP, .layer = 2, .from = 2 },
                  BP_EDIT_ERROR_INVALID,
                  "cannot add a skip connection a(2) → a(3): a(2) has 5 units and a(3) has 8");
  expect_refused (model, &(BpEdit) { .kind = BP_EDIT_ADD_SKIP, .layer = 1, .from = 3 },
                  BP_EDIT_ERROR_INVALID, "must come from an earlier a(j)");
  expect_refused (model, &rm, BP_EDIT_ERROR_INVALID, "layer 3 has no skip connection");

  /* The source a drop onto a layer takes: the nearest earlier a(j) of the
   * layer's width (3-8-5-8-2: a(3) takes a(1); a(4), 2 wide, has none). */
  {
    g_autoptr(GError) error = NULL;
    gsize from = 99;

    assert_true (bp_edit_skip_source (model->network, 2, &from, &error));
    assert_int_equal (from, 1);
    assert_false (bp_edit_skip_source (model->network, 3, &from, &error));
    assert_true (g_error_matches (error, BP_EDIT_ERROR, BP_EDIT_ERROR_INVALID));
    assert_string_equal (error->message, "no earlier a(j) has the 2 units of a(4): a skip "
                         "connection adds a(j) to a(4), so their widths must be equal");
  }
}

/* Moving a skip's start (the arc's handle, the layer menu's "Skip From…"):
 * BP_EDIT_ADD_SKIP onto a layer that has a skip is one undo step that
 * moves it and keeps every weight; the same source again is no step; a
 * source of another width is refused with both widths and the rule. */
void
test_move_skip (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) model = free_model ();
  BpEdit wide = { .kind = BP_EDIT_INSERT_LAYER, .layer = 3, .width = 8, .activation = "tanh" };
  BpEdit add = { .kind = BP_EDIT_ADD_SKIP, .layer = 3, .from = 3 };
  BpEdit move = { .kind = BP_EDIT_ADD_SKIP, .layer = 3, .from = 1 };
  g_autoptr(BpModel) moved = NULL;
  g_autoptr(BpEditHistory) h = bp_edit_history_new (0, 0);
  g_autofree char *label = NULL;

  /* 3-8-5-8-8-2 with a(3) → a(4): a(4) may also start at a(1). */
  assert_true (bp_edit_perform (model, &wide, &error));
  assert_true (bp_edit_perform (model, &add, &error));
  assert_int_equal (model->network->layers[3].skip_from, 3);
  label = bp_edit_describe (model, &move);
  assert_string_equal (label, "Move skip connection a(3) → a(4) to a(1) → a(4)");

  /* One step (check_edit: undo gives the model back bit for bit, redo the
   * move again), every weight kept. */
  moved = check_edit (model, &move);
  assert_int_equal (moved->network->layers[3].skip_from, 1);
  for (gsize l = 0; l < model->network->n_layers; l++)
    assert_layer_kept (moved, l, model, l);

  /* Through one history: one step, undo puts the start back at a(3). */
  {
    g_autoptr(BpModel) work = bp_model_copy (model);

    assert_true (bp_edit_apply (h, work, &move, &error));
    assert_int_equal (bp_edit_history_n_undo (h), 1);
    assert_string_equal (bp_edit_undo_label (h), label);
    assert_true (bp_edit_undo (h, work));
    assert_int_equal (work->network->layers[3].skip_from, 3);
    assert_true (bp_edit_redo (h, work));
    assert_int_equal (work->network->layers[3].skip_from, 1);
    /* Where it already starts: nothing to undo, nothing unsaved. */
    assert_true (bp_edit_apply (h, work, &move, &error));
    assert_int_equal (bp_edit_history_n_undo (h), 1);
  }

  /* a(2) (5 wide) cannot start a skip into a(4) (8 wide); nor a(4) itself. */
  expect_refused (model, &(BpEdit) { .kind = BP_EDIT_ADD_SKIP, .layer = 3, .from = 2 },
                  BP_EDIT_ERROR_INVALID,
                  "cannot start the skip into a(4) at a(2): a(2) has 5 units and a(4) has 8 "
                  "(a skip adds a(j) to a(n), so their widths must be equal)");
  expect_refused (model, &(BpEdit) { .kind = BP_EDIT_ADD_SKIP, .layer = 3, .from = 4 },
                  BP_EDIT_ERROR_INVALID, "must come from an earlier a(j)");

  /* The check the canvas marks sources with says the same. */
  assert_true (bp_edit_check_skip (model->network, 3, 1, NULL));
  assert_true (bp_edit_check_skip (model->network, 3, 3, NULL));
  assert_false (bp_edit_check_skip (model->network, 3, 0, NULL));
  assert_false (bp_edit_check_skip (model->network, 3, 2, &error));
  assert_string_equal (error->message,
                       "cannot start the skip into a(4) at a(2): a(2) has 5 units and a(4) has 8 "
                       "(a skip adds a(j) to a(n), so their widths must be equal)");
}

/* A width edit with_skips changes both ends of a skip in one step (the
 * learner would otherwise be refused at the first end), keeping the
 * overlapping bits; the same unit leaves both ends; the input cannot. */
void
test_resize_skip_ends (void **state)
{
  g_autoptr(BpModel) model = skip_model ();   /* 3-8-5-8-2, a(1) → a(3) */
  BpEdit wider = { .kind = BP_EDIT_SET_WIDTH, .layer = 0, .width = 10, .with_skips = TRUE };
  BpEdit add = { .kind = BP_EDIT_ADD_UNIT, .layer = 2, .with_skips = TRUE };
  BpEdit drop = { .kind = BP_EDIT_REMOVE_UNIT, .layer = 2, .unit = 3, .with_skips = TRUE };
  g_autoptr(BpModel) a = NULL, b = NULL, c = NULL;
  g_autofree char *label = NULL;
  const BpLayer *o0 = &model->network->layers[0], *o2 = &model->network->layers[2];
  gsize tied[BP_MAX_LAYERS];
  gboolean input = TRUE;

  assert_int_equal (bp_edit_skip_tied (model->network, 2, tied, &input), 2);
  assert_int_equal (tied[0], 0);
  assert_int_equal (tied[1], 2);
  assert_false (input);
  assert_int_equal (bp_edit_skip_tied (model->network, 1, tied, NULL), 1);

  /* Without it, the first end alone is refused (test_layer_kinds_and_dense_edits). */
  label = bp_edit_describe (model, &wider);
  assert_string_equal (label, "Change width of layers 1 and 3 to 10 (a skip ties their widths)");
  a = check_edit (model, &wider);
  assert_int_equal (a->network->layers[0].out, 10);
  assert_int_equal (a->network->layers[2].out, 10);
  assert_int_equal (a->network->layers[1].in, 10);
  assert_int_equal (a->network->layers[3].in, 10);
  assert_int_equal (a->network->layers[2].skip_from, 1);
  /* The 8 old rows of both ends and their columns in the next layers keep
   * their bits. */
  assert_true (same_doubles (a->network->layers[0].W, o0->W, 8 * 3));
  assert_true (same_doubles (a->network->layers[0].b, o0->b, 8));
  assert_true (same_doubles (a->network->layers[2].W, o2->W, 8 * 5));
  for (gsize j = 0; j < 2; j++)
    assert_true (same_doubles (a->network->layers[3].W + j * 10,
                               model->network->layers[3].W + j * 8, 8));

  add.layer = 2;
  b = check_edit (model, &add);
  assert_int_equal (b->network->layers[0].out, 9);
  assert_int_equal (b->network->layers[2].out, 9);
  g_free (label);
  label = bp_edit_describe (model, &add);
  assert_string_equal (label, "Add a unit to layers 1 and 3 (a skip ties their widths)");

  /* Unit 4 leaves both ends: a(1)₅ is added to a(3)₅ still, one row up. */
  c = check_edit (model, &drop);
  assert_int_equal (c->network->layers[0].out, 7);
  assert_int_equal (c->network->layers[2].out, 7);
  assert_true (same_doubles (c->network->layers[0].W + 3 * 3, o0->W + 4 * 3, 4 * 3));
  assert_true (same_doubles (c->network->layers[2].W + 3 * 5, o2->W + 4 * 5, 4 * 5));
  g_free (label);
  label = bp_edit_describe (model, &drop);
  assert_string_equal (label, "Remove unit 4 of layers 1 and 3 (a skip ties their widths)");

  /* The ties run through a norm layer (as wide as its input):
   * 3-8-bn-5-8-2 with a(2) (the batch norm's) → a(4) ties layers 1 and 4. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(BpModel) bn = free_model ();
    BpEdit ins = { .kind = BP_EDIT_INSERT_TYPED, .layer = 1, .layer_type = BP_LAYER_BATCHNORM };
    BpEdit skip = { .kind = BP_EDIT_ADD_SKIP, .layer = 3, .from = 2 };
    g_autoptr(BpModel) e = NULL;

    assert_true (bp_edit_perform (bn, &ins, &error));
    assert_true (bp_edit_perform (bn, &skip, &error));
    assert_int_equal (bp_edit_skip_tied (bn->network, 0, tied, NULL), 2);
    assert_int_equal (tied[0], 0);
    assert_int_equal (tied[1], 3);
    e = check_edit (bn, &(BpEdit) { .kind = BP_EDIT_ADD_UNIT, .layer = 3, .with_skips = TRUE });
    assert_int_equal (e->network->layers[1].out, 9);
    assert_int_equal (e->network->layers[3].out, 9);
  }
  /* The input tied in: refused, its width is the data's. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(BpModel) d = bp_model_copy (model);
    BpEdit front = { .kind = BP_EDIT_INSERT_LAYER, .layer = 0, .width = 3, .activation = "tanh" };
    BpEdit tie = { .kind = BP_EDIT_ADD_SKIP, .layer = 0, .from = 0 };

    assert_true (bp_edit_perform (d, &front, &error));
    assert_true (bp_edit_perform (d, &tie, &error));
    expect_refused (d, &(BpEdit) { .kind = BP_EDIT_ADD_UNIT, .layer = 0, .with_skips = TRUE },
                    BP_EDIT_ERROR_SHAPE, "a skip connection ties a(1) to the input a(0)");
  }
}

void
test_insert_typed (void **state)
{
  g_autoptr(BpModel) model = free_model ();
  static const BpLayerType types[] = { BP_LAYER_BATCHNORM, BP_LAYER_LAYERNORM, BP_LAYER_DROPOUT };
  static const char *const labels[] = {
    "Insert batch norm after layer 2", "Insert layer norm after layer 2",
    "Insert dropout after layer 2",
  };
  static const char *const rm_labels[] = {
    "Remove batch norm (layer 3)", "Remove layer norm (layer 3)", "Remove dropout (layer 3)",
  };

  for (gsize t = 0; t < G_N_ELEMENTS (types); t++)
    {
      BpEdit e = { .kind = BP_EDIT_INSERT_TYPED, .layer = 2, .layer_type = types[t] };
      g_autofree char *label = bp_edit_describe (model, &e);
      g_autoptr(BpModel) out = check_edit (model, &e);
      BpEdit rm = { .kind = BP_EDIT_REMOVE_LAYER, .layer = 2 };
      g_autoptr(BpModel) back = check_edit (out, &rm);
      const BpLayer *L = &out->network->layers[2];

      assert_string_equal (label, labels[t]);
      assert_int_equal (out->network->n_layers, 5);
      assert_int_equal (L->type, types[t]);
      assert_int_equal (L->in, 5);
      assert_int_equal (L->out, 5);
      assert_string_equal (L->act_id, "linear");
      /* Every other layer keeps its bits: the new one is as wide as its input. */
      assert_layer_kept (out, 0, model, 0);
      assert_layer_kept (out, 1, model, 1);
      assert_layer_kept (out, 3, model, 2);
      assert_layer_kept (out, 4, model, 3);
      for (gsize j = 0; j < 5 && types[t] != BP_LAYER_DROPOUT; j++)
        {
          assert_true (L->W[j] == 1.0 && L->b[j] == 0.0);
          assert_true (L->eps == 1e-5);
        }
      if (types[t] == BP_LAYER_BATCHNORM)
        for (gsize j = 0; j < 5; j++)
          assert_true (L->running_mean[j] == 0.0 && L->running_var[j] == 1.0 &&
                       L->momentum == 0.1);
      if (types[t] == BP_LAYER_DROPOUT)
        assert_true (L->p == 0.5);
      /* Removing it gives the network back, bit for bit. */
      assert_true (bp_network_equal (back->network, model->network));
      {
        g_autofree char *rm_label = bp_edit_describe (out, &rm);

        assert_string_equal (rm_label, rm_labels[t]);
      }
    }

  /* After the input, and refusals: a bad type, a linear output the cost
   * cannot read. */
  {
    BpEdit first = { .kind = BP_EDIT_INSERT_TYPED, .layer = 0, .layer_type = BP_LAYER_LAYERNORM };
    g_autoptr(BpModel) out = check_edit (model, &first);
    g_autofree char *label = bp_edit_describe (model, &first);
    g_autoptr(BpModel) tied = tied_model ();

    assert_int_equal (out->network->layers[0].out, 3);
    assert_string_equal (label, "Insert layer norm after the input");
    expect_refused (model, &(BpEdit) { .kind = BP_EDIT_INSERT_TYPED, .layer = 1,
                                       .layer_type = BP_LAYER_DENSE },
                    BP_EDIT_ERROR_INVALID, "only a batch-norm, layer-norm or dropout layer");
    expect_refused (tied, &(BpEdit) { .kind = BP_EDIT_INSERT_TYPED, .layer = 3,
                                      .layer_type = BP_LAYER_BATCHNORM },
                    BP_EDIT_ERROR_COST, "bce");
  }
}

/* The dense edits on a network with norm layers and skips: they keep what
 * they can or refuse naming the rule. */
void
test_edits_around_typed_layers (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) model = free_model ();
  g_autoptr(BpModel) skip = skip_model ();
  BpEdit bn = { .kind = BP_EDIT_INSERT_TYPED, .layer = 2, .layer_type = BP_LAYER_BATCHNORM };

  /* 3-8-5-[bn 5]-8-2, trained so γ, β and the running statistics are not
   * their defaults. */
  assert_true (bp_edit_perform (model, &bn, &error));
  train_a_little (model);

  /* A width change of layer 2 carries through the batch norm. */
  {
    BpEdit e = { .kind = BP_EDIT_SET_WIDTH, .layer = 1, .width = 7 };
    g_autoptr(BpModel) out = check_edit (model, &e);
    const BpLayer *L = &out->network->layers[2], *O = &model->network->layers[2];

    assert_int_equal (L->in, 7);
    assert_int_equal (L->out, 7);
    assert_true (same_doubles (L->W, O->W, 5));
    assert_true (same_doubles (L->b, O->b, 5));
    assert_true (same_doubles (L->running_mean, O->running_mean, 5));
    assert_true (same_doubles (L->running_var, O->running_var, 5));
    assert_true (L->W[5] == 1.0 && L->b[6] == 0.0 && L->running_var[6] == 1.0);
    assert_int_equal (out->network->layers[3].in, 7);
    for (gsize j = 0; j < 8; j++)
      assert_true (same_doubles (&out->network->layers[3].W[j * 7],
                                 &model->network->layers[3].W[j * 5], 5));
  }
  /* Removing a unit removes its γ, β and statistics too. */
  {
    BpEdit e = { .kind = BP_EDIT_REMOVE_UNIT, .layer = 1, .unit = 0 };
    g_autoptr(BpModel) out = check_edit (model, &e);

    assert_int_equal (out->network->layers[2].out, 4);
    assert_true (same_doubles (out->network->layers[2].W, model->network->layers[2].W + 1, 4));
    assert_true (same_doubles (out->network->layers[2].running_mean,
                               model->network->layers[2].running_mean + 1, 4));
  }
  /* The norm layer's own width follows its input; it can change its
   * activation, a dropout layer cannot. */
  expect_refused (model, &(BpEdit) { .kind = BP_EDIT_SET_WIDTH, .layer = 2, .width = 3 },
                  BP_EDIT_ERROR_INVALID, "layer 3 is a batch norm layer, as wide as its input");
  expect_refused (model, &(BpEdit) { .kind = BP_EDIT_ADD_UNIT, .layer = 2 },
                  BP_EDIT_ERROR_INVALID, "change the width of the dense layer before it");
  {
    BpEdit e = { .kind = BP_EDIT_SET_ACTIVATION, .layer = 2, .activation = "tanh" };
    g_autoptr(BpModel) out = check_edit (model, &e);

    assert_string_equal (out->network->layers[2].act_id, "tanh");
    assert_true (same_doubles (out->network->params, model->network->params,
                               model->network->n_params));
  }
  {
    g_autoptr(BpModel) drop = free_model ();
    BpEdit d = { .kind = BP_EDIT_INSERT_TYPED, .layer = 1, .layer_type = BP_LAYER_DROPOUT };

    assert_true (bp_edit_perform (drop, &d, &error));
    expect_refused (drop, &(BpEdit) { .kind = BP_EDIT_SET_ACTIVATION, .layer = 1,
                                      .activation = "relu" },
                    BP_EDIT_ERROR_INVALID, "layer 2 is a dropout layer, which has no activation");
  }
  /* A dense layer inserted before the norm layer must be as wide as it. */
  expect_refused (model, &(BpEdit) { .kind = BP_EDIT_INSERT_LAYER, .layer = 2, .width = 4,
                                     .activation = "tanh" },
                  BP_EDIT_ERROR_INVALID, "layer 4 is a batch norm layer, as wide as its input: "
                  "a(3) would have 4 units and the layer 5");
  {
    BpEdit e = { .kind = BP_EDIT_INSERT_LAYER, .layer = 2, .width = 5, .activation = "tanh" };
    g_autoptr(BpModel) out = check_edit (model, &e);

    assert_layer_kept (out, 3, model, 2);
    assert_true (same_doubles (out->network->layers[3].running_var,
                               model->network->layers[2].running_var, 5));
  }

  /* Skips: a width either end of one depends on is refused with both widths. */
  expect_refused (skip, &(BpEdit) { .kind = BP_EDIT_SET_WIDTH, .layer = 0, .width = 6 },
                  BP_EDIT_ERROR_INVALID, "layer 3 adds a(1) to its output (a skip connection), "
                  "so a(1) and a(3) must have the same width; they would have 6 and 8 units "
                  "(remove the skip first)");
  expect_refused (skip, &(BpEdit) { .kind = BP_EDIT_ADD_UNIT, .layer = 2 },
                  BP_EDIT_ERROR_INVALID, "they would have 8 and 9 units");
  expect_refused (skip, &(BpEdit) { .kind = BP_EDIT_REMOVE_LAYER, .layer = 0 },
                  BP_EDIT_ERROR_INVALID, "cannot remove layer 1: layer 3 adds its output a(1)");
  expect_refused (skip, &(BpEdit) { .kind = BP_EDIT_MOVE_LAYER, .layer = 0, .to = 1 },
                  BP_EDIT_ERROR_INVALID, "remove the skips first");
  /* Layers in between or before it move the skip with them. */
  {
    BpEdit rm = { .kind = BP_EDIT_REMOVE_LAYER, .layer = 1 };
    BpEdit ins = { .kind = BP_EDIT_INSERT_LAYER, .layer = 1, .width = 4, .activation = "relu" };
    BpEdit front = { .kind = BP_EDIT_INSERT_LAYER, .layer = 0, .width = 3, .activation = "relu" };
    BpEdit after = { .kind = BP_EDIT_SET_WIDTH, .layer = 1, .width = 9 };
    g_autoptr(BpModel) a = check_edit (skip, &rm);
    g_autoptr(BpModel) b = check_edit (skip, &ins);
    g_autoptr(BpModel) c = check_edit (skip, &front);
    g_autoptr(BpModel) d = check_edit (skip, &after);

    assert_int_equal (a->network->layers[1].skip_from, 1);
    assert_int_equal (b->network->layers[3].skip_from, 1);
    assert_int_equal (c->network->layers[3].skip_from, 2);
    assert_int_equal (d->network->layers[2].skip_from, 1);
    assert_layer_kept (b, 0, skip, 0);
  }
}

