/* test-trainer-progress.c — where a run stands (BpTrainProgress): a saved
 * experiment reopens exactly where it was, progress that does not fit is
 * refused with a message, and its size counts what the undo budget must.
 * (Split from test-trainer.c, whose helpers are in test-trainer-fixtures.h.)
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-util.h"
#include "test-trainer-fixtures.h"

#include <math.h>
#include <string.h>

#include "bp-dataset.h"
#include "bp-model.h"
#include "bp-trainer.h"

/* --------------------------------------------------------------- resuming
 * "A saved experiment reopens exactly where it was; training on from there
 * gives the same numbers as not having saved."  Each case trains one model
 * N + M steps straight, and another N steps, saves it (with its progress)
 * to JSON, loads that into a fresh model and a fresh trainer over data made
 * again from the file's dataset reference, and trains M more: parameters,
 * optimizer state and the trainer's progress must be the same bits.
 */

/* The default experiment with another optimizer and dataset size. */
static BpModel *
resume_model (const char *opt_id,
              gsize       batch)
{
  g_autoptr(GError) error = NULL;
  BpModel *model = bp_model_new_default ();

  bp_optimizer_free (model->optimizer);
  model->optimizer = make_opt (opt_id, model->network->n_params, 0.05);
  g_free (model->dataset);
  model->dataset = g_strdup ("moons");
  model->dataset_rows = 50;        /* 40 training rows */
  model->dataset_noise = 0.1;
  model->test_fraction = 0.2;
  model->batch_size = batch;
  return model;
}

/* The data of a model's dataset reference, split as the app splits it. */
static void
model_data (const BpModel  *model,
            BpDataset     **train,
            BpDataset     **test)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpDataset) all = bp_dataset_open (model->dataset, model->dataset_rows,
                                              model->dataset_noise, model->seed, &error);

  if (all == NULL)
    fail_msg ("%s", error->message);
  bp_dataset_split (all, model->test_fraction, model->seed, train, test);
  assert_int_equal ((*train)->n_rows, 40);
}

typedef struct
{
  BpModel   *model;
  BpDataset *train, *test;
  BpTrainer *tr;
} Run;

static void
run_start (Run           *run,
           BpModel       *model,
           guint64        seed)
{
  g_autoptr(GError) error = NULL;
  BpTrainConfig config = { .batch_size = model->batch_size, .shuffle = TRUE, .seed = seed,
                           .keep_trace = TRUE };

  run->model = model;
  model_data (model, &run->train, &run->test);
  run->tr = bp_trainer_new (model->network, model->optimizer, run->train, run->test, &config,
                            &error);
  if (run->tr == NULL)
    fail_msg ("%s", error->message);
}

static void
run_clear (Run *run)
{
  bp_trainer_free (run->tr);
  bp_dataset_free (run->train);
  bp_dataset_free (run->test);
  bp_model_free (run->model);
}

static void
run_steps (Run     *run,
           guint64  n,
           gboolean by_epochs)
{
  g_autoptr(GError) error = NULL;

  if (by_epochs)
    for (guint64 i = 0; i < n; i++)
      assert_true (bp_trainer_run_epoch (run->tr, NULL, NULL, &error));
  else
    for (guint64 i = 0; i < n; i++)
      if (!bp_trainer_step (run->tr, &error))
        fail_msg ("%s", error->message);
}

/* N steps, save, load, M more (epochs instead of steps for M when
 * `by_epochs`) against N + M straight. */
static void
check_resume (const char *opt_id,
              gsize       batch,
              guint64     n_before,
              guint64     n_after,
              gboolean    by_epochs)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpTrainProgress) p_straight = NULL;
  g_autoptr(BpTrainProgress) p_resumed = NULL;
  g_autofree char *json = NULL;
  Run straight = { 0 }, first = { 0 }, resumed = { 0 };
  BpModel *loaded;
  gsize len;

  run_start (&straight, resume_model (opt_id, batch), 11);
  run_steps (&straight, n_before, FALSE);
  run_steps (&straight, n_after, by_epochs);

  run_start (&first, resume_model (opt_id, batch), 11);
  run_steps (&first, n_before, FALSE);
  first.model->progress = bp_trainer_export_progress (first.tr);
  json = bp_model_to_json (first.model, &len);
  assert_non_null (json);
  assert_non_null (strstr (json, "\"progress\""));
  loaded = bp_model_load_data (json, (gssize) len, "saved.json", NULL, &error);
  if (loaded == NULL)
    fail_msg ("%s", error->message);
  assert_non_null (loaded->progress);
  assert_true (bp_train_progress_equal (loaded->progress, first.model->progress));

  /* Another trainer seed: after the import it must not matter. */
  run_start (&resumed, loaded, 12345);
  if (!bp_trainer_import_progress (resumed.tr, loaded->progress, &error))
    fail_msg ("%s", error->message);
  run_steps (&resumed, n_after, by_epochs);

  assert_int_equal (resumed.tr->steps, straight.tr->steps);
  assert_memory_equal (resumed.model->network->params, straight.model->network->params,
                       straight.model->network->n_params * sizeof (double));
  assert_true (resumed.model->optimizer->t == straight.model->optimizer->t);
  assert_memory_equal (resumed.model->optimizer->state, straight.model->optimizer->state,
                       bp_optimizer_state_size (straight.model->optimizer) * sizeof (double));
  p_straight = bp_trainer_export_progress (straight.tr);
  p_resumed = bp_trainer_export_progress (resumed.tr);
  assert_true (bp_train_progress_equal (p_straight, p_resumed));

  run_clear (&straight);
  run_clear (&first);
  run_clear (&resumed);
}

static void
test_resume_is_exact (void **state)
{
  /* 40 rows in batches of 6: 7 steps an epoch (the last of 4 rows). */
  check_resume ("adam", 6, 10, 12, FALSE);      /* mid-epoch, across two epoch ends */
  check_resume ("adam", 6, 7, 9, FALSE);        /* at an epoch end: the reshuffle comes after */
  check_resume ("momentum", 6, 3, 20, FALSE);
  check_resume ("rmsprop", 8, 5, 11, FALSE);
  check_resume ("adam", 6, 0, 5, FALSE);        /* before the first step */
  check_resume ("adam", 6, 10, 2, TRUE);        /* epochs: the history goes on too */
  /* Full batch past BP_GRAD_NORM_MAX_RECORDS: the stride doubled. */
  check_resume ("sgd", 40, 4200, 300, FALSE);
}

/* The progress of a trainer on 40 rows, and trainers it does not fit. */
static void
test_import_progress_errors (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpTrainProgress) p = NULL;
  g_autoptr(BpTrainProgress) bad = NULL;
  g_autoptr(BpDataset) line = line_dataset ();
  g_autoptr(BpNetwork) net = make_net (2, 3, "tanh", 1, "linear", "mse", 1);
  g_autoptr(BpOptimizer) opt = make_opt ("sgd", net->n_params, 0.1);
  g_autoptr(BpTrainer) tr = NULL;
  g_autofree gsize *order = NULL;
  const BpTrainConfig config = { .batch_size = 3, .shuffle = TRUE, .seed = 1, .keep_trace = TRUE };
  Run run = { 0 };

  run_start (&run, resume_model ("adam", 6), 11);
  run_steps (&run, 9, FALSE);
  p = bp_trainer_export_progress (run.tr);
  assert_true (bp_train_progress_check (p, &error));
  assert_int_equal (p->n_rows, 40);
  assert_int_equal (p->steps, 9);
  assert_int_equal (p->epoch, 0);     /* steps do not complete epochs; run_epoch does */
  assert_int_equal (p->cursor, 12);
  assert_int_equal (p->grad_norms->len, 9 * 3);

  tr = bp_trainer_new (net, opt, line, NULL, &config, &error);
  assert_non_null (tr);
  order = g_memdup2 (tr->order, 10 * sizeof (gsize));

  /* 40 rows into a trainer of 10. */
  assert_false (bp_trainer_import_progress (tr, p, &error));
  assert_true (g_error_matches (error, BP_TRAIN_ERROR, BP_TRAIN_ERROR_PROGRESS));
  assert_error_contains (error, "40 training rows");
  g_clear_error (&error);
  assert_int_equal (tr->steps, 0);
  assert_memory_equal (tr->order, order, 10 * sizeof (gsize));

  /* Gradient norms of 3 layers into a 2-layer network. */
  bad = bp_train_progress_copy (p);
  bad->n_rows = 10;
  for (gsize i = 0; i < 10; i++)
    bad->order[i] = 9 - i;
  bad->cursor = 3;
  assert_false (bp_trainer_import_progress (tr, bad, &error));
  assert_error_contains (error, "3 layers");
  g_clear_error (&error);

  /* Without the records it fits; the trainer continues from it. */
  g_array_set_size (bad->grad_norms, 0);
  assert_true (bp_trainer_import_progress (tr, bad, &error));
  assert_int_equal (tr->steps, 9);
  assert_int_equal (tr->cursor, 3);
  assert_true (tr->order[0] == 9);
  assert_true (bp_trainer_step (tr, &error));
  assert_int_equal (tr->cursor, 6);

  /* What bp_train_progress_check refuses. */
  {
    static const struct { int what; const char *needle; } cases[] = {
      { 0, "past the 10 rows" },
      { 1, "appears twice" },
      { 2, "is not a row" },
      { 3, "all zero" },
      { 4, "not a power of two" },
      { 5, "go past step" },
      { 6, "epoch records" },
    };

    for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
      {
        g_autoptr(BpTrainProgress) q = bp_train_progress_copy (bad);
        double norms[2] = { 1, 2 };

        switch (cases[c].what)
          {
          case 0: q->cursor = 11; break;
          case 1: q->order[4] = q->order[5]; break;
          case 2: q->order[4] = 10; break;
          case 3: memset (q->rng.s, 0, sizeof q->rng.s); break;
          case 4: q->grad_norm_stride = 3; break;
          case 5:
            q->grad_norm_layers = 2;
            for (int k = 0; k < 5; k++)
              g_array_append_vals (q->grad_norms, norms, 2);
            q->grad_norm_stride = 2;     /* 5 records every 2 steps: step 10 > 9 */
            break;
          default:
            {
              BpEpochStats st = { .epoch = 1 };

              g_array_append_val (q->history, st);   /* epoch is 0 */
            }
            break;
          }
        assert_false (bp_train_progress_check (q, &error));
        assert_error_contains (error, cases[c].needle);
        g_clear_error (&error);
        assert_false (bp_trainer_import_progress (tr, q, &error));
        assert_true (g_error_matches (error, BP_TRAIN_ERROR, BP_TRAIN_ERROR_PROGRESS));
        g_clear_error (&error);
        assert_int_equal (tr->steps, 10);
      }
  }
  run_clear (&run);
}

/* bp_train_progress_size counts what the undo budget must: the order, the
 * history and the gradient-norm records, growing by exactly their sizes. */
static void
test_progress_size (void **state)
{
  BpTrainProgress *small = bp_train_progress_new (10, 1);
  BpTrainProgress *big = bp_train_progress_new (1000, 1);
  BpTrainProgress *copy;
  BpEpochStats stats = { 1, 10, 0.5, 0.75, NAN, NAN };
  gsize base;
  double norms[4] = { 1, 2, 3, 4 };

  assert_int_equal (bp_train_progress_size (NULL), 0);
  base = bp_train_progress_size (small);
  assert_true (base >= sizeof (BpTrainProgress) + 10 * sizeof (gsize));
  assert_int_equal (bp_train_progress_size (big) - base, 990 * sizeof (gsize));

  for (int i = 0; i < 5; i++)
    g_array_append_val (small->history, stats);
  assert_int_equal (bp_train_progress_size (small) - base, 5 * sizeof (BpEpochStats));
  g_array_append_vals (small->grad_norms, norms, 4);
  assert_int_equal (bp_train_progress_size (small) - base,
                    5 * sizeof (BpEpochStats) + 4 * sizeof (double));

  /* A copy holds as much. */
  copy = bp_train_progress_copy (small);
  assert_int_equal (bp_train_progress_size (copy), bp_train_progress_size (small));

  bp_train_progress_free (copy);
  bp_train_progress_free (small);
  bp_train_progress_free (big);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_resume_is_exact),
    cmocka_unit_test (test_import_progress_errors),
    cmocka_unit_test (test_progress_size),
  };

  return cmocka_run_group_tests_name ("trainer-progress", tests, NULL, NULL);
}
