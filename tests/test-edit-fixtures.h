/* test-edit-fixtures.h — the models the test-edit program (test-edit.c,
 * test-edit-layers.c) edits, and the checks every
 * edit goes through (check_edit: the contract of bp-edit.h; expect_refused:
 * an edit refused changes nothing).  Include after <cmocka.h>. */
#pragma once

#include <string.h>

#include "bp-edit.h"
#include "bp-rng.h"
#include "test-util.h"

/* Layer la of a and layer lb of b: same shape, activation, W and b bits. */
static inline void
assert_layer_kept (const BpModel *a,
                   gsize          la,
                   const BpModel *b,
                   gsize          lb)
{
  const BpLayer *x = &a->network->layers[la], *y = &b->network->layers[lb];

  assert_int_equal (x->in, y->in);
  assert_int_equal (x->out, y->out);
  assert_string_equal (x->act_id, y->act_id);
  assert_true (same_doubles (x->W, y->W, x->in * x->out));
  assert_true (same_doubles (x->b, y->b, x->out));
}

/* What the rule of bp-edit.h says a new out × in layer at `layer` gets. */
static inline double *
fresh_weights (const BpModel *model,
               gsize          layer,
               gsize          in,
               gsize          out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpNetwork) one = bp_network_new (in, &error);
  BpRng rng;

  assert_non_null (one);
  assert_true (bp_network_add_layer (one, out, "linear", NULL, &error));
  bp_rng_init (&rng, bp_edit_derive_seed (model->seed, layer, in, out));
  bp_network_init_weights (one, model->init, &rng);
  return g_memdup2 (one->layers[0].W, in * out * sizeof (double));
}

static inline void
assert_valid (const BpModel *model)
{
  g_autoptr(GError) error = NULL;

  if (!bp_network_validate (model->network, &error))
    fail_msg ("invalid network after an edit: %s", error->message);
  assert_int_equal (model->optimizer->n_params, model->network->n_params);
}

/* A few optimizer steps, so that the weights, the biases and the optimizer
 * state are all non-trivial. */
static inline void
train_a_little (BpModel *model)
{
  g_autoptr(GError) error = NULL;
  gsize n_in = model->network->n_inputs, n_out = bp_network_n_outputs (model->network);
  g_autofree double *x = g_new (double, 4 * n_in);
  g_autofree double *y = g_new (double, 4 * n_out);
  BpRng rng;

  bp_rng_init (&rng, 99);
  for (gsize i = 0; i < 4 * n_in; i++)
    x[i] = bp_rng_range (&rng, -1, 1);
  for (gsize i = 0; i < 4 * n_out; i++)
    y[i] = bp_rng_uniform (&rng) < 0.5 ? 0.0 : 1.0;
  if (!bp_train_steps_on_batch (model->network, model->optimizer, x, y, 4, 5, &error))
    fail_msg ("%s", error->message);
}

static inline BpTrainProgress *
some_progress (void)
{
  BpTrainProgress *p = bp_train_progress_new (16, 3);

  bp_rng_shuffle (&p->rng, p->order, 16);
  p->steps = 5;
  p->epoch = 1;
  p->cursor = 4;
  return p;
}

/* The default experiment (2-8-8-1 tanh/tanh/sigmoid, bce, adam, "moons"),
 * trained a little, with progress: tied to its data. */
static inline BpModel *
tied_model (void)
{
  BpModel *model = bp_model_new_default ();

  train_a_little (model);
  model->progress = some_progress ();
  return model;
}

/* 3-8-5-8-2 tanh/relu/tanh/linear, mse, momentum; no dataset (free to
 * change its output width). */
static inline BpModel *
free_model (void)
{
  g_autoptr(GError) error = NULL;
  BpModel *model = bp_model_new ();
  static const struct { gsize out; const char *act; } layers[] = {
    { 8, "tanh" }, { 5, "relu" }, { 8, "tanh" }, { 2, "linear" },
  };
  BpRng rng;

  model->seed = 7;
  model->network = bp_network_new (3, &error);
  for (gsize l = 0; l < G_N_ELEMENTS (layers); l++)
    assert_true (bp_network_add_layer (model->network, layers[l].out, layers[l].act, NULL, &error));
  model->optimizer = bp_optimizer_new (NULL, "momentum", model->network->n_params, &error);
  assert_non_null (model->optimizer);
  bp_rng_init (&rng, model->seed);
  bp_network_init_weights (model->network, model->init, &rng);
  train_a_little (model);
  model->progress = some_progress ();
  return model;
}

/* Applies `edit` through a history on a copy of `model`, and checks the
 * contract every edit has: a valid network; the same edit on another copy
 * (bp_edit_perform) gives the same bits; undo gives back `model` exactly;
 * redo gives the edit's result again.  Returns the edited copy. */
static inline BpModel *
check_edit (const BpModel *model,
            const BpEdit  *edit)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpEditHistory) h = bp_edit_history_new (0, 0);
  g_autoptr(BpModel) again = bp_model_copy (model);
  BpModel *edited = bp_model_copy (model);
  g_autofree char *label = bp_edit_describe (model, edit);

  if (!bp_edit_apply (h, edited, edit, &error))
    fail_msg ("“%s” failed: %s", label, error->message);
  assert_valid (edited);
  assert_true (bp_edit_can_undo (h));
  assert_false (bp_edit_can_redo (h));
  assert_string_equal (bp_edit_undo_label (h), label);

  if (!bp_edit_perform (again, edit, &error))
    fail_msg ("“%s” failed the second time: %s", label, error->message);
  assert_models_equal (edited, again);

  assert_true (bp_edit_undo (h, edited));
  assert_models_equal (edited, model);
  assert_false (bp_edit_can_undo (h));
  assert_true (bp_edit_can_redo (h));
  assert_string_equal (bp_edit_redo_label (h), label);

  assert_true (bp_edit_redo (h, edited));
  assert_models_equal (edited, again);
  return edited;
}

/* `edit` must fail with `code` and a message containing `needle`, and
 * change neither the model nor the history. */
static inline void
expect_refused (const BpModel *model,
                const BpEdit  *edit,
                int            code,
                const char    *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpEditHistory) h = bp_edit_history_new (0, 0);
  g_autoptr(BpModel) work = bp_model_copy (model);
  BpEdit first = { .kind = BP_EDIT_SET_TRAINING, .epochs = 3, .batch_size = 5 };
  guint64 version;

  /* One step in the history first, so "unchanged" is not just "empty". */
  assert_true (bp_edit_apply (h, work, &first, &error));
  {
    g_autoptr(BpModel) before = bp_model_copy (work);

    version = bp_edit_history_version (h);
    if (bp_edit_apply (h, work, edit, &error))
      {
        g_autofree char *label = bp_edit_describe (model, edit);

        fail_msg ("“%s” succeeded; expected an error containing “%s”", label, needle);
      }
    assert_non_null (error);
    if (error->domain != BP_EDIT_ERROR || error->code != code ||
        strstr (error->message, needle) == NULL)
      fail_msg ("got (%d) “%s”, want (%d) …%s…", error->code, error->message, code, needle);
    assert_models_equal (work, before);
    assert_int_equal (bp_edit_history_n_undo (h), 1);
    assert_int_equal (bp_edit_history_n_redo (h), 0);
    assert_true (bp_edit_history_version (h) == version);
    g_clear_error (&error);

    /* bp_edit_perform refuses it the same way. */
    assert_false (bp_edit_perform (work, edit, &error));
    assert_true (g_error_matches (error, BP_EDIT_ERROR, code));
    assert_models_equal (work, before);
  }
}

/* test-edit-layers.c: the layers beyond dense. */
void test_skip                      (void **state);
void test_move_skip                 (void **state);
void test_resize_skip_ends          (void **state);
void test_insert_typed              (void **state);
void test_edits_around_typed_layers (void **state);
