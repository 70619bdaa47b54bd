/* test-compare-run.c — the compare view's lockstep (bpv-session-compare.c,
 * bpv-compare-run.c): A and B take the same rows in the same batches at
 * every step and always stand at the same step; each trains exactly as a
 * trainer of its own over those batches would; B made as "A with one
 * change" differs in that change only; both recordings keep the same
 * steps, so the timeline shows both at one step. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-session.h"

#include <string.h>

#include "bpv-compare-run.h"

static BpvCompareRun *
variant (const BpModel    *a,
         BpvCompareChange  change,
         const char       *value)
{
  g_autoptr(GError) error = NULL;
  BpvCompareRun *run = bpv_compare_run_new_variant (a, change, value, NULL, &error);

  if (run == NULL)
    fail_msg ("variant %s: %s", value, error->message);
  return run;
}

/* Every step: the same rows in A's batch and in B's, the same step count;
 * and after 120 steps (an epoch is 20 batches of 16: six epochs, so the
 * order was reshuffled five times) each network holds the bits of a
 * BpTrainer of its own given A's configuration — the batches it was fed
 * are the batches a run of A takes. */
static void
test_lockstep_same_batches (void **state)
{
  g_autoptr(BpModel) model = test_example_model ("spirals-sigmoid");
  g_autoptr(BpvCompareRun) run = variant (model, BPV_COMPARE_CHANGE_OPTIMIZER, "adam");
  BpvSession *a = bpv_compare_run_get_a (run), *b = bpv_compare_run_get_b (run);
  g_autoptr(BpCompare) cmp = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BpNetwork) net_a = bp_network_copy (bpv_session_get_network (a));
  g_autoptr(BpNetwork) net_b = bp_network_copy (bpv_session_get_network (b));
  g_autoptr(BpOptimizer) opt_a = bp_optimizer_copy (bpv_session_get_optimizer (a));
  g_autoptr(BpOptimizer) opt_b = bp_optimizer_copy (bpv_session_get_optimizer (b));
  g_autoptr(BpTrainer) own_a = NULL;
  g_autoptr(BpTrainer) own_b = NULL;
  BpTrainConfig config = {
    .batch_size = bpv_session_get_batch_size (a),
    .shuffle = TRUE,
    .seed = bpv_session_get_seed (a),
    .keep_trace = TRUE,
  };
  gsize rows_differ = 0;

  (void) state;
  assert_string_equal (bpv_session_get_optimizer (b)->id, "adam");
  own_a = bp_trainer_new (net_a, opt_a, bpv_session_get_train (a), NULL, &config, &error);
  own_b = bp_trainer_new (net_b, opt_b, bpv_session_get_train (a), NULL, &config, &error);
  assert_non_null (own_a);
  assert_non_null (own_b);

  cmp = bpv_session_compare_new (a, b, &error);
  assert_non_null (cmp);
  for (guint step = 1; step <= 120; step++)
    {
      gsize B;

      assert_true (bpv_session_compare_steps (a, b, cmp, 1, &error));
      assert_true (bp_trainer_step (own_a, &error));
      assert_true (bp_trainer_step (own_b, &error));
      assert_int_equal (bpv_session_get_step_count (a), step);
      assert_int_equal (bpv_session_get_step_count (b), step);
      B = MIN (config.batch_size, cmp->a->cursor);
      assert_int_equal (B, 16);
      for (gsize s = 0; s < B; s++)
        {
          gsize row = bp_trainer_last_row (cmp->a, s);

          assert_int_equal (bp_trainer_last_row (cmp->b, s), row);
          assert_int_equal (bp_trainer_last_row (own_a, s), row);
          assert_int_equal (bp_trainer_last_row (own_b, s), row);
          /* The order is shuffled: not simply the rows in turn. */
          rows_differ += row != ((step - 1) * 16 + s) % 400;
        }
    }
  assert_true (rows_differ > 0);
  assert_int_equal (bpv_session_get_epoch (a), 6);
  assert_int_equal (bpv_session_get_epoch (b), 6);
  assert_memory_equal (bpv_session_get_network (a)->params, net_a->params,
                       net_a->n_params * sizeof (double));
  assert_memory_equal (bpv_session_get_network (b)->params, net_b->params,
                       net_b->n_params * sizeof (double));
  /* And they did train differently: SGD against Adam. */
  assert_true (memcmp (net_a->params, net_b->params, net_a->n_params * sizeof (double)) != 0);
}

/* B is A with the change, and nothing else: the same weights for an
 * activation; the captions say each side's value. */
static void
test_variant_captions (void **state)
{
  g_autoptr(BpModel) model = test_example_model ("spirals-sigmoid");
  g_autoptr(BpvCompareRun) act = variant (model, BPV_COMPARE_CHANGE_ACTIVATION, "relu");
  g_autoptr(BpvCompareRun) lr = variant (model, BPV_COMPARE_CHANGE_LEARNING_RATE, " 0.05 ");
  g_autoptr(BpvCompareRun) seed = variant (model, BPV_COMPARE_CHANGE_SEED, "7");
  g_autoptr(BpvCompareRun) init = variant (model, BPV_COMPARE_CHANGE_INIT, "he_normal");
  const BpNetwork *na = bpv_session_get_network (bpv_compare_run_get_a (act));
  const BpNetwork *nb = bpv_session_get_network (bpv_compare_run_get_b (act));

  (void) state;
  assert_string_equal (bpv_compare_run_get_caption (act, FALSE), "A · sigmoid");
  assert_string_equal (bpv_compare_run_get_caption (act, TRUE), "B · relu");
  for (gsize l = 0; l + 1 < nb->n_layers; l++)
    assert_string_equal (nb->layers[l].act_id, "relu");
  assert_string_equal (nb->layers[nb->n_layers - 1].act_id, "sigmoid");
  assert_memory_equal (na->params, model->network->params, na->n_params * sizeof (double));
  assert_memory_equal (nb->params, na->params, na->n_params * sizeof (double));
  assert_true (bpv_compare_run_layers_match (act));

  assert_string_equal (bpv_compare_run_get_caption (lr, FALSE), "A · lr 0.3");
  assert_string_equal (bpv_compare_run_get_caption (lr, TRUE), "B · lr 0.05");
  assert_string_equal (bpv_compare_run_get_caption (seed, FALSE), "A · seed 5");
  assert_string_equal (bpv_compare_run_get_caption (seed, TRUE), "B · seed 7");
  assert_non_null (strstr (bpv_compare_run_get_difference (seed), "initial weights differ"));
  assert_non_null (strstr (bpv_compare_run_get_caption (init, TRUE), "he_normal"));
}

/* Another optimizer takes the rate given with it (the captions then show
 * both rates); without one, A's carries over as in the sidebar.  The rate
 * offered is the optimizer's own default. */
static void
test_variant_optimizer_rate (void **state)
{
  g_autoptr(BpModel) model = test_example_model ("spirals-sigmoid");
  g_autoptr(GError) error = NULL;
  g_autoptr(BpvCompareRun) with = bpv_compare_run_new_variant (model, BPV_COMPARE_CHANGE_OPTIMIZER,
                                                               "adam", " 0.01 ", &error);
  g_autoptr(BpvCompareRun) without = variant (model, BPV_COMPARE_CHANGE_OPTIMIZER, "adam");
  double lr = 0;

  (void) state;
  if (with == NULL)
    fail_msg ("%s", error->message);
  assert_true (bpv_session_get_learning_rate (bpv_compare_run_get_b (with)) == 0.01);
  assert_true (bpv_session_get_learning_rate (bpv_compare_run_get_a (with)) == 0.3);
  assert_string_equal (bpv_compare_run_get_caption (with, FALSE), "A · sgd, lr 0.3");
  assert_string_equal (bpv_compare_run_get_caption (with, TRUE), "B · adam, lr 0.01");
  assert_true (bpv_session_get_learning_rate (bpv_compare_run_get_b (without)) == 0.3);
  assert_string_equal (bpv_compare_run_get_caption (without, TRUE), "B · adam");

  assert_true (bpv_compare_run_default_rate ("adam", &lr));
  assert_true (lr == 0.001);
  assert_true (bpv_compare_run_default_rate ("sgd", &lr));
  assert_true (lr == 0.1);
  assert_false (bpv_compare_run_default_rate ("no-such-optimizer", &lr));
}

/* Bad values are refused with a message naming them. */
static void
test_variant_refused (void **state)
{
  g_autoptr(BpModel) model = test_example_model ("spirals-sigmoid");
  struct { BpvCompareChange change; const char *value, *rate, *says; } bad[] = {
    { BPV_COMPARE_CHANGE_LEARNING_RATE, "fast", NULL, "“fast”" },
    { BPV_COMPARE_CHANGE_LEARNING_RATE, "-1", NULL, "“-1”" },
    { BPV_COMPARE_CHANGE_SEED, "7x", NULL, "“7x”" },
    { BPV_COMPARE_CHANGE_INIT, "zeros!", NULL, "“zeros!”" },
    { BPV_COMPARE_CHANGE_ACTIVATION, "sigmoid", NULL, "already" },
    { BPV_COMPARE_CHANGE_OPTIMIZER, "no-such-optimizer", NULL, "no-such-optimizer" },
    { BPV_COMPARE_CHANGE_OPTIMIZER, "adam", "0,01", "“0,01”" },
    { BPV_COMPARE_CHANGE_OPTIMIZER, "sgd", "0.3", "already" },
    { BPV_COMPARE_CHANGE_ACTIVATION, "no-such-activation", NULL, "no-such-activation" },
  };

  (void) state;
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BpvCompareRun) run = bpv_compare_run_new_variant (model, bad[i].change,
                                                                  bad[i].value, bad[i].rate,
                                                                  &error);

      assert_null (run);
      assert_non_null (error);
      if (strstr (error->message, bad[i].says) == NULL)
        fail_msg ("%s: “%s” does not say %s", bad[i].value, error->message, bad[i].says);
    }
}

/* A model on other data is refused (Compare With File…). */
static void
test_other_data_refused (void **state)
{
  g_autoptr(BpModel) spirals = test_example_model ("spirals-sigmoid");
  g_autoptr(BpModel) xor = test_example_model ("xor");
  g_autoptr(BpModel) relu = test_example_model ("spirals-relu");
  g_autoptr(GError) error = NULL;
  g_autoptr(BpvCompareRun) refused = bpv_compare_run_new (spirals, xor, &error);
  g_autoptr(BpvCompareRun) fine = NULL;

  (void) state;
  assert_null (refused);
  assert_true (g_error_matches (error, BP_COMPARE_ERROR, BP_COMPARE_ERROR_DATA)
               || g_error_matches (error, BP_COMPARE_ERROR, BP_COMPARE_ERROR_WIDTH));
  g_clear_error (&error);
  fine = bpv_compare_run_new (spirals, relu, &error);
  if (fine == NULL)
    fail_msg ("%s", error->message);
  assert_non_null (strstr (bpv_compare_run_get_caption (fine, TRUE), "relu"));
}

/* 300 steps: both recordings keep the same steps; showing a past step
 * shows it in both; the loss at a step is each run's; the weight's
 * history starts at the same value (same initial weights) and parts. */
static void
test_run_records_and_scrubs (void **state)
{
  g_autoptr(BpModel) model = test_example_model ("spirals-sigmoid");
  g_autoptr(BpvCompareRun) run = variant (model, BPV_COMPARE_CHANGE_OPTIMIZER, "adam");
  BpvSession *a = bpv_compare_run_get_a (run), *b = bpv_compare_run_get_b (run);
  g_autoptr(GError) error = NULL;
  g_autofree double *steps = NULL, *wa = NULL, *wb = NULL, *ls = NULL, *ll = NULL;
  const BpRecord *ra, *rb;
  double la, lb;
  gsize n;

  gint64 start;

  (void) state;
  start = g_get_monotonic_time ();
  for (int i = 0; i < 3; i++)
    assert_true (bpv_compare_run_step (run, 100, &error));
  /* Reported, not asserted (no wall-clock checks in tests). */
  print_message ("300 lockstep steps of both (spirals, 2-16-16-16-16-1, batch 16, both "
                 "recorded): %.1f ms\n", (g_get_monotonic_time () - start) / 1000.0);
  assert_int_equal (bpv_compare_run_get_step_count (run), 300);
  assert_int_equal (bpv_session_get_step_count (b), 300);
  ra = bpv_session_get_record (a);
  rb = bpv_session_get_record (b);
  assert_int_equal (bp_record_n (ra), bp_record_n (rb));
  for (gsize i = 0; i < bp_record_n (ra); i++)
    assert_int_equal (bp_record_step_at (ra, i), bp_record_step_at (rb, i));
  assert_int_equal (bp_record_step_at (ra, bp_record_n (ra) - 1), 300);
  assert_true (bp_record_bytes (ra) <= bp_record_bound (ra) && bp_record_bound (ra) <= bp_record_budget (ra));
  print_message ("each recording after 300 steps: %zu kept steps, %zu bytes (bound %zu)\n",
                 bp_record_n (ra), bp_record_bytes (ra), bp_record_bound (ra));

  assert_true (bpv_compare_run_show_step (run, 150, &error));
  assert_true (bpv_session_is_viewing_past (a));
  assert_true (bpv_session_is_viewing_past (b));
  assert_int_equal (bpv_session_get_shown_step (a), bpv_session_get_shown_step (b));
  assert_true (bpv_compare_run_get_shown_step (run) <= 150);
  /* Training goes on from the present. */
  assert_true (bpv_compare_run_step (run, 1, &error));
  assert_false (bpv_session_is_viewing_past (a));
  assert_false (bpv_session_is_viewing_past (b));
  assert_int_equal (bpv_compare_run_get_step_count (run), 301);

  assert_true (bpv_compare_run_loss_at (run, 200, &la, &lb));
  assert_true (isfinite (la) && isfinite (lb) && la != lb);
  n = bpv_compare_run_get_losses (run, FALSE, &ls, &ll);
  assert_true (n > 100);
  assert_true (ls[n - 1] == 301);

  n = bpv_compare_run_get_weight_history (run, 2, 3, 1, &steps, &wa, &wb);
  assert_int_equal (n, bp_record_n (ra));
  assert_true (steps[0] == 0);
  assert_true (wa[0] == wb[0]);
  assert_true (wa[n - 1] != wb[n - 1]);
  assert_true (wa[n - 1] == bpv_session_get_network (a)->layers[1].W[3 * 16 + 1]);
  assert_true (wb[n - 1] == bpv_session_get_network (b)->layers[1].W[3 * 16 + 1]);
  /* Not a weight of the network. */
  g_clear_pointer (&steps, g_free);
  g_clear_pointer (&wa, g_free);
  g_clear_pointer (&wb, g_free);
  assert_int_equal (bpv_compare_run_get_weight_history (run, 9, 0, 0, &steps, &wa, &wb), 0);
}

/* A from a past step: the copy holds that step's weights and optimizer
 * state.  Keeping B: A's session takes B's model, weights, optimizer, step
 * count and recording as one undo step; undo gives every one of them back. */
static void
test_copy_shown_and_keep (void **state)
{
  g_autoptr(BpModel) model = test_example_model ("spirals-sigmoid");
  g_autoptr(BpvCompareRun) run = variant (model, BPV_COMPARE_CHANGE_OPTIMIZER, "adam");
  BpvSession *a = bpv_compare_run_get_a (run), *b = bpv_compare_run_get_b (run);
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) past = NULL;
  g_autoptr(BpModel) present = NULL;
  g_autoptr(BpNetwork) net_before = NULL;
  g_autoptr(BpModel) past_b = NULL;
  gsize kept_before, n_undo;
  guint64 shown = 0;

  (void) state;
  assert_true (bpv_compare_run_step (run, 64, &error));
  /* A past step of A, as the timeline shows it. */
  assert_true (bpv_session_show_step (a, 32, &error));
  past = bpv_session_copy_shown_model (a, &shown, &error);
  assert_non_null (past);
  assert_int_equal (shown, 32);
  assert_memory_equal (past->network->params, bpv_session_get_network (a)->params,
                       past->network->n_params * sizeof (double));
  {
    /* The optimizer's state of step 32: 32 optimizer steps taken. */
    g_autoptr(BpNetwork) scratch = bp_network_copy (past->network);
    g_autoptr(BpOptimizer) opt = bp_optimizer_copy (past->optimizer);
    const BpRecord *rec = bpv_session_get_record (a);

    assert_true (bp_record_restore (rec, bp_record_find (rec, 32), scratch, opt, NULL, &error));
    assert_true (past->optimizer->t == 32 && opt->t == 32);
  }
  bpv_session_show_present (a);
  present = bpv_session_copy_shown_model (a, &shown, &error);
  assert_int_equal (shown, 64);
  assert_true (present->optimizer->t == 64);

  /* Keep B, scrubbed back to step 32, as A's model. */
  assert_true (bpv_compare_run_step (run, 16, &error));
  net_before = bp_network_copy (bpv_session_get_network (a));
  kept_before = bp_record_n (bpv_session_get_record (a));
  assert_true (bpv_compare_run_show_step (run, 32, &error));
  past_b = bpv_session_copy_shown_model (b, NULL, &error);
  bpv_compare_run_show_present (run);
  assert_true (bpv_session_show_step (b, 32, &error));
  n_undo = bp_edit_history_n_undo (bpv_session_get_history (a));
  if (!bpv_session_keep_from (a, b, "Keep B", &error))
    fail_msg ("%s", error->message);
  assert_string_equal (bpv_session_get_optimizer (a)->id, "adam");
  assert_true (bpv_session_get_optimizer (a)->t == 32);
  assert_memory_equal (bpv_session_get_optimizer (a)->state, past_b->optimizer->state,
                       2 * past_b->network->n_params * sizeof (double));
  assert_memory_equal (bpv_session_get_network (a)->params, past_b->network->params,
                       past_b->network->n_params * sizeof (double));
  assert_false (bpv_session_is_viewing_past (a));
  assert_int_equal (bpv_session_get_step_count (a), 32);
  assert_string_equal (bp_record_optimizer_id (bpv_session_get_record (a)), "adam");
  assert_int_equal (bp_edit_history_n_undo (bpv_session_get_history (a)), n_undo + 1);
  assert_string_equal (bp_edit_undo_label (bpv_session_get_history (a)), "Keep B");

  assert_true (bpv_session_undo (a));
  assert_string_equal (bpv_session_get_optimizer (a)->id, "sgd");
  assert_memory_equal (bpv_session_get_network (a)->params, net_before->params,
                       net_before->n_params * sizeof (double));
  assert_int_equal (bpv_session_get_step_count (a), 80);
  assert_false (bpv_session_is_viewing_past (a));
  assert_string_equal (bp_record_optimizer_id (bpv_session_get_record (a)), "sgd");
  assert_int_equal (bp_record_n (bpv_session_get_record (a)), kept_before);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_lockstep_same_batches),
    cmocka_unit_test (test_variant_captions),
    cmocka_unit_test (test_variant_optimizer_rate),
    cmocka_unit_test (test_variant_refused),
    cmocka_unit_test (test_other_data_refused),
    cmocka_unit_test (test_run_records_and_scrubs),
    cmocka_unit_test (test_copy_shown_and_keep),
  };

  return cmocka_run_group_tests_name ("compare-run", tests, NULL, NULL);
}
