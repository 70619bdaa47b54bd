/* test-record.c — bp-record: which steps are kept, the memory bound, the
 * statistics buckets, restoring a step bit for bit (and training on from
 * it), files and their errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "bp-record.h"
#include "test-trainer-fixtures.h"
#include "test-record-run.h"

typedef enum
{
  NET_PLAIN,
  NET_BATCHNORM,
  NET_DROPOUT,
} NetKind;

/* 2-8-[batch norm | dropout]-1 on the line data, mse. */
static BpNetwork *
make_kind_net (NetKind kind)
{
  g_autoptr(GError) error = NULL;
  BpNetwork *net = bp_network_new (2, &error);
  BpRng rng;

  assert_non_null (net);
  assert_true (bp_network_add_layer (net, 8, "tanh", NULL, &error));
  if (kind == NET_BATCHNORM)
    assert_true (bp_network_add_batchnorm (net, 1e-5, 0.1, NULL, &error));
  if (kind == NET_DROPOUT)
    assert_true (bp_network_add_dropout (net, 0.3, &error));
  assert_true (bp_network_add_layer (net, 1, "linear", NULL, &error));
  assert_true (bp_network_set_cost (net, "mse", NULL, &error));
  bp_rng_init (&rng, 7);
  bp_network_init_weights (net, BP_INIT_GLOROT_UNIFORM, &rng);
  bp_network_seed (net, 99);
  return net;
}

static void
run_init (Run        *run,
          NetKind     kind,
          const char *opt_id,
          gsize       batch)
{
  g_autoptr(GError) error = NULL;
  BpTrainConfig config = { .batch_size = batch, .shuffle = TRUE, .seed = 5, .keep_trace = TRUE };

  run->ds = line_dataset ();
  run->net = make_kind_net (kind);
  run->opt = make_opt (opt_id, run->net->n_params, 0.05);
  run->tr = bp_trainer_new (run->net, run->opt, run->ds, NULL, &config, &error);
  assert_non_null (run->tr);
}

/* Steps `n` times, adding every step to `rec` (and each step's batch loss
 * to losses[step] when not NULL). */
static void
run_steps (Run      *run,
           BpRecord *rec,
           guint64   n,
           double   *losses)
{
  g_autoptr(GError) error = NULL;

  for (guint64 i = 0; i < n; i++)
    {
      assert_true (bp_trainer_step (run->tr, &error));
      if (losses != NULL)
        losses[run->tr->steps] = run->tr->trace->loss;
      if (!bp_record_add (rec, run->net, run->opt, run->tr, &error))
        fail_msg ("%s", error->message);
    }
}

/* A budget that holds `m` snapshots of run's shape beyond the statistics. */
static gsize
budget_for (const Run *run,
            gsize      m)
{
  gsize s = 8 * (run->net->n_params + bp_optimizer_state_size (run->opt) + run->ds->n_rows)
            + BP_RECORD_SNAPSHOT_OVERHEAD;
  gsize b = BP_RECORD_MAX_BUCKETS * (32 + 24 * (run->net->n_layers + 1));

  /* and room for the BpRecord itself, less than a snapshot */
  return b + m * s + 256;
}

/* Kept steps are step 0 and every multiple of the stride up to the last
 * step, and no more than the budget's snapshots; the latest asked for is
 * kept until a later step comes. */
static void
test_policy (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpRecord) rec = NULL;
  Run run;
  guint64 k;
  gsize n;

  (void) state;
  run_init (&run, NET_PLAIN, "sgd", 3);
  rec = bp_record_new (budget_for (&run, 20));
  assert_true (bp_record_add (rec, run.net, run.opt, run.tr, &error));
  run_steps (&run, rec, 1001, NULL);

  assert_int_equal (bp_record_max_snapshots (rec), 20);
  k = bp_record_stride (rec);
  n = bp_record_n (rec);
  assert_true (n <= 19);
  /* One slot stays free for the latest: at k = 32 step 608 would be the
   * 20th of 19, so k = 64 (steps 0, 64, …, 960). */
  assert_int_equal (k, 64);
  assert_int_equal (n, 1 + 1001 / k);
  for (gsize i = 0; i < n; i++)
    assert_int_equal (bp_record_step_at (rec, i), i * k);

  /* The end of the run is kept when asked, off the grid... */
  assert_true (bp_record_add_latest (rec, run.net, run.opt, run.tr, &error));
  assert_int_equal (bp_record_n (rec), n + 1);
  assert_int_equal (bp_record_step_at (rec, n), 1001);
  assert_int_equal (bp_record_find (rec, 1000), (gssize) n - 1);
  assert_int_equal (bp_record_find (rec, 5000), (gssize) n);
  /* ...until the next step supersedes it. */
  run_steps (&run, rec, 1, NULL);
  assert_int_equal (bp_record_n (rec), n);
  assert_int_equal (bp_record_step_at (rec, n - 1), 960);
  run_clear (&run);
}

/* The memory stays within the stated bound and the bound within the
 * budget; buckets cover every step once, and each keeps the min and max of
 * its steps exactly (a spike survives). */
static void
test_bounds_and_stats (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpRecord) rec = NULL;
  g_autofree double *losses = NULL;
  const guint64 steps = 10000;
  guint64 covered = 0;
  Run run;

  (void) state;
  run_init (&run, NET_PLAIN, "adam", 2);
  losses = g_new0 (double, steps + 1);
  rec = bp_record_new (budget_for (&run, 50));
  assert_true (bp_record_add (rec, run.net, run.opt, run.tr, &error));
  run_steps (&run, rec, steps, losses);

  assert_true (bp_record_bytes (rec) <= bp_record_bound (rec));
  assert_true (bp_record_bound (rec) <= bp_record_budget (rec));
  assert_true (bp_record_n_stats (rec) <= BP_RECORD_MAX_BUCKETS);
  /* 10⁴ steps in 4096 buckets: 4 steps each. */
  assert_int_equal (bp_record_bucket_width (rec), 4);
  for (gsize i = 0; i < bp_record_n_stats (rec); i++)
    {
      BpRecordStats st;
      double mn = INFINITY, mx = -INFINITY;

      bp_record_stats_at (rec, i, &st);
      assert_int_equal (st.first_step, covered + 1);
      assert_int_equal (st.n, st.last_step - st.first_step + 1);
      covered = st.last_step;
      for (guint64 s = st.first_step; s <= st.last_step; s++)
        {
          mn = MIN (mn, losses[s]);
          mx = MAX (mx, losses[s]);
        }
      assert_true (st.loss_min == mn);
      assert_true (st.loss_max == mx);
      assert_true (st.loss_min <= st.loss_mean && st.loss_mean <= st.loss_max);
      for (gsize l = 0; l < bp_record_n_layers (rec); l++)
        assert_true (st.norm_min[l] <= st.norm_sum[l] / (double) st.n * (1 + 1e-12)
                     && st.norm_sum[l] / (double) st.n <= st.norm_max[l] * (1 + 1e-12));
    }
  assert_int_equal (covered, steps);
  run_clear (&run);
}

/* Restores kept step 2 of `from` into `fresh` (a new run of the same
 * network and optimizer) and trains it to kept step n − 2 of `rec` (the
 * same recording, or `from` before it went through a file): the
 * snapshots there must be the same bits. */
static void
check_resumed (const BpRecord *rec,
               const BpRecord *from,
               Run            *fresh,
               const char     *what)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpRecord) again = NULL;
  gsize n = bp_record_n (rec);

  if (!bp_record_restore (from, 2, fresh->net, fresh->opt, fresh->tr, &error))
    fail_msg ("%s: %s", what, error->message);
  again = bp_record_new (bp_record_budget (rec));
  assert_true (bp_record_add (again, fresh->net, fresh->opt, fresh->tr, &error));
  assert_true (bp_record_snapshot_equal (rec, 2, again, 0));
  run_steps (fresh, again, bp_record_step_at (rec, n - 2) - bp_record_step_at (rec, 2), NULL);
  assert_true (bp_record_add_latest (again, fresh->net, fresh->opt, fresh->tr, &error));
  assert_int_equal (bp_record_step_at (again, bp_record_n (again) - 1),
                    bp_record_step_at (rec, n - 2));
  if (!bp_record_snapshot_equal (rec, n - 2, again, bp_record_n (again) - 1))
    fail_msg ("%s: step %" G_GUINT64_FORMAT " differs after the resume",
              what, bp_record_step_at (rec, n - 2));
}

/* The recording at step s + M equals restore (s) + M steps, bit for bit:
 * in a fresh trainer (a new recording), and in the same trainer and
 * recording (a fork that retraces the run gives back the same file). */
static void
check_resume (NetKind     kind,
              const char *opt_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpRecord) rec = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize len_before, len_after, n;
  Run run, fresh;

  run_init (&run, kind, opt_id, 4);
  rec = bp_record_new (budget_for (&run, 16));
  assert_true (bp_record_add (rec, run.net, run.opt, run.tr, &error));
  run_steps (&run, rec, 300, NULL);
  n = bp_record_n (rec);
  if (n < 5)
    fail_msg ("%s %s: %zu kept steps, stride %" G_GUINT64_FORMAT ", max %zu", opt_id,
              kind == NET_PLAIN ? "plain" : "other", n, bp_record_stride (rec), bp_record_max_snapshots (rec));

  /* From kept step 2 in a trainer of its own, to kept step n − 2. */
  run_init (&fresh, kind, opt_id, 4);
  check_resumed (rec, rec, &fresh, opt_id);
  run_clear (&fresh);

  /* A fork of the same recording from kept step 1 back to step 300. */
  before = bp_record_to_data (rec, &len_before);
  assert_true (bp_record_restore (rec, 1, run.net, run.opt, run.tr, &error));
  assert_int_equal (run.tr->steps, bp_record_step_at (rec, 1));
  assert_true (bp_record_add (rec, run.net, run.opt, run.tr, &error));
  run_steps (&run, rec, 300 - run.tr->steps, NULL);
  after = bp_record_to_data (rec, &len_after);
  assert_int_equal (len_before, len_after);
  assert_memory_equal (before, after, len_before);
  run_clear (&run);
}

static void
test_resume_bits (void **state)
{
  static const char *const optimizers[] = { "sgd", "momentum", "adam" };

  (void) state;
  for (gsize o = 0; o < G_N_ELEMENTS (optimizers); o++)
    {
      check_resume (NET_PLAIN, optimizers[o]);
      check_resume (NET_BATCHNORM, optimizers[o]);
      check_resume (NET_DROPOUT, optimizers[o]);
    }
}

/* One of each schedule, with parameters that move the rate within the
 * 300 steps of check_resume_scheduled. */
static void
make_schedule (BpScheduleKind  kind,
               BpSchedule     *s)
{
  g_autoptr(GError) error = NULL;

  bp_schedule_init (s, kind);
  if (kind == BP_SCHEDULE_STEP)
    assert_true (bp_schedule_set (s, "step_size", 7, &error)
                 && bp_schedule_set (s, "gamma", 0.9, &error));
  else if (kind == BP_SCHEDULE_EXPONENTIAL)
    assert_true (bp_schedule_set (s, "gamma", 0.99, &error));
  else if (kind == BP_SCHEDULE_COSINE)
    assert_true (bp_schedule_set (s, "t_max", 40, &error)
                 && bp_schedule_set (s, "eta_min", 0.001, &error));
  else if (kind == BP_SCHEDULE_LINEAR)
    assert_true (bp_schedule_set (s, "start_factor", 0.25, &error)
                 && bp_schedule_set (s, "total_iters", 60, &error));
}

/* check_resume with a learning-rate schedule set after 37 unrecorded
 * steps (as the app sets one mid-run): the schedule is then 37 steps
 * behind t, which t alone does not tell.  A fresh optimizer with the
 * schedule set at its step 0 (as one made from the model file) must be put
 * at the recorded schedule step, or its rates, and so its bits, differ. */
static void
check_resume_scheduled (BpScheduleKind  kind,
                        const char     *opt_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpRecord) rec = NULL;
  g_autoptr(BpRecord) loaded = NULL;
  g_autofree char *data = NULL;
  g_autofree char *what = NULL;
  BpSchedule sched;
  gsize n, len;
  Run run, fresh;

  make_schedule (kind, &sched);
  run_init (&run, NET_PLAIN, opt_id, 4);
  for (int i = 0; i < 37; i++)
    assert_true (bp_trainer_step (run.tr, &error));
  assert_true (bp_optimizer_set_schedule (run.opt, &sched, &error));
  rec = bp_record_new (budget_for (&run, 16));
  assert_true (bp_record_add (rec, run.net, run.opt, run.tr, &error));
  run_steps (&run, rec, 300, NULL);
  n = bp_record_n (rec);
  assert_true (n >= 5);
  /* The rate did move over the recorded steps (else the test proves
   * nothing about the schedule). */
  assert_true (bp_optimizer_last_lr (run.opt) != 0.05);

  /* Through a file, as the CLI's render --at reads it. */
  data = bp_record_to_data (rec, &len);
  loaded = bp_record_load_data (data, len, "scheduled.bprecord", &error);
  if (loaded == NULL)
    fail_msg ("%s", error->message);

  run_init (&fresh, NET_PLAIN, opt_id, 4);
  assert_true (bp_optimizer_set_schedule (fresh.opt, &sched, &error));
  /* A cached rate from before the restore must not survive it. */
  (void) bp_optimizer_lr (fresh.opt);
  what = g_strdup_printf ("%s, %s schedule", opt_id, bp_schedule_kind_id (kind));
  check_resumed (rec, loaded, &fresh, what);
  /* Where the restore put the schedule: 37 steps behind t. */
  run_clear (&fresh);
  run_init (&fresh, NET_PLAIN, opt_id, 4);
  assert_true (bp_optimizer_set_schedule (fresh.opt, &sched, &error));
  assert_true (bp_record_restore (loaded, 2, fresh.net, fresh.opt, fresh.tr, &error));
  assert_int_equal (bp_optimizer_schedule_step (fresh.opt), bp_record_step_at (rec, 2) - 37);
  run_clear (&fresh);
  run_clear (&run);
}

static void
test_resume_schedules (void **state)
{
  static const char *const optimizers[] = { "sgd", "adam" };

  (void) state;
  for (gsize o = 0; o < G_N_ELEMENTS (optimizers); o++)
    for (BpScheduleKind k = BP_SCHEDULE_STEP; k < BP_N_SCHEDULES; k++)
      check_resume_scheduled (k, optimizers[o]);
}

/* A version 1 file (tests/record-v1.bprecord: written before schedules, a
 * 2-4-1 sgd run of 3 steps on 3 rows) still loads and resumes without a
 * schedule; with one it is refused with a message that says why, since it
 * cannot say where the schedule stood.  Saved again, it is version 2 and
 * still does not know. */
static void
test_schedule_v1 (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpRecord) rec = NULL;
  g_autoptr(BpRecord) resaved = NULL;
  g_autoptr(BpOptimizer) opt = NULL;
  g_autoptr(BpNetwork) net = NULL;
  g_autofree char *path = NULL;
  g_autofree char *data = NULL;
  g_autofree char *params = NULL;
  BpSchedule sched;
  gsize len;

  (void) state;
  path = g_build_filename (g_getenv ("BACKPROP_SOURCE_DIR"), "tests", "record-v1.bprecord", NULL);
  rec = bp_record_load (path, &error);
  if (rec == NULL)
    fail_msg ("%s", error->message);
  assert_int_equal (bp_record_n (rec), 4);
  assert_string_equal (bp_record_optimizer_id (rec), "sgd");

  net = make_net (2, 4, "tanh", 1, "linear", "mse", 1);
  opt = make_opt ("sgd", net->n_params, 0.05);
  if (!bp_record_restore (rec, 3, net, opt, NULL, &error))
    fail_msg ("%s", error->message);
  assert_int_equal (opt->t, 3);

  make_schedule (BP_SCHEDULE_COSINE, &sched);
  assert_true (bp_optimizer_set_schedule (opt, &sched, &error));
  params = g_memdup2 (net->params, net->n_params * sizeof (double));
  memset (net->params, 0, net->n_params * sizeof (double));
  assert_false (bp_record_restore (rec, 1, net, opt, NULL, &error));
  assert_true (g_error_matches (error, BP_RECORD_ERROR, BP_RECORD_ERROR_MISMATCH));
  assert_non_null (strstr (error->message, "format version 1"));
  /* Refused before anything changed. */
  assert_int_equal (opt->t, 3);
  for (gsize i = 0; i < net->n_params; i++)
    assert_true (net->params[i] == 0.0);
  g_clear_error (&error);

  data = bp_record_to_data (rec, &len);
  assert_true (g_str_has_prefix (data, "backprop-record/2 "));
  resaved = bp_record_load_data (data, len, "resaved.bprecord", &error);
  assert_non_null (resaved);
  assert_true (bp_record_snapshot_equal (rec, 3, resaved, 3));
  assert_false (bp_record_restore (resaved, 1, net, opt, NULL, &error));
  assert_true (g_error_matches (error, BP_RECORD_ERROR, BP_RECORD_ERROR_MISMATCH));
}

/* Whole epochs (bp_trainer_run_epoch): a kept epoch end has the epoch
 * counted, so going on from it by epochs ends where the run ended, with
 * the same count. */
static void
test_resume_epochs (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpRecord) rec = NULL;
  g_autofree double *final = NULL;
  gsize per_epoch;
  gssize i;
  Run run, fresh;

  (void) state;
  run_init (&run, NET_BATCHNORM, "adam", 4);
  rec = bp_record_new (BP_RECORD_DEFAULT_BUDGET);
  assert_true (bp_record_add (rec, run.net, run.opt, run.tr, &error));
  for (int e = 0; e < 3; e++)
    {
      /* As the app steps: one step at a time to the end of the epoch. */
      do
        run_steps (&run, rec, 1, NULL);
      while (!bp_trainer_epoch_done (run.tr));
      bp_trainer_finish_epoch (run.tr, NULL);
      assert_true (bp_record_add (rec, run.net, run.opt, run.tr, &error));
    }
  assert_int_equal (run.tr->epoch, 3);
  final = g_memdup2 (run.net->params, run.net->n_params * sizeof (double));
  per_epoch = run.tr->steps / 3;

  run_init (&fresh, NET_BATCHNORM, "adam", 4);
  i = bp_record_find (rec, per_epoch);
  assert_int_equal (bp_record_step_at (rec, (gsize) i), per_epoch);
  assert_true (bp_record_restore (rec, (gsize) i, fresh.net, fresh.opt, fresh.tr, &error));
  assert_int_equal (fresh.tr->epoch, 1);
  assert_true (bp_trainer_run_epoch (fresh.tr, NULL, NULL, &error));
  assert_true (bp_trainer_run_epoch (fresh.tr, NULL, NULL, &error));
  assert_int_equal (fresh.tr->epoch, 3);
  assert_int_equal (fresh.tr->steps, run.tr->steps);
  assert_memory_equal (final, fresh.net->params, run.net->n_params * sizeof (double));
  run_clear (&fresh);
  run_clear (&run);
}

/* A caller that draws its own batches (as the app's step mode does) and
 * records positions gets the recording a BpTrainer gets, byte for byte. */
static void
test_position_as_trainer (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpRecord) by_trainer = bp_record_new (BP_RECORD_DEFAULT_BUDGET);
  g_autoptr(BpRecord) by_hand = bp_record_new (BP_RECORD_DEFAULT_BUDGET);
  g_autoptr(BpDataset) ds = line_dataset ();
  g_autoptr(BpNetwork) net = make_kind_net (NET_PLAIN);
  g_autoptr(BpOptimizer) opt = make_opt ("momentum", net->n_params, 0.05);
  g_autoptr(BpTrace) trace = bp_trace_new (net, 4);
  g_autofree double *backup = g_new (double, bp_train_state_size (net, opt));
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  gsize order[10], cursor = 0, len_a, len_b;
  double x[4 * 2], y[4];
  BpRecordPosition pos = { 0 };
  BpRng rng;
  Run run;

  (void) state;
  run_init (&run, NET_PLAIN, "momentum", 4);
  assert_true (bp_record_add (by_trainer, run.net, run.opt, run.tr, &error));
  run_steps (&run, by_trainer, 20, NULL);
  assert_true (bp_record_add_latest (by_trainer, run.net, run.opt, run.tr, &error));

  bp_train_order_init (&rng, order, ds->n_rows, 5, TRUE);
  pos.rng = &rng;
  pos.order = order;
  pos.n_rows = ds->n_rows;
  assert_true (bp_record_add_position (by_hand, net, opt, &pos, FALSE, &error));
  for (guint64 step = 1; step <= 20; step++)
    {
      BpTrainFault fault;
      gsize B = bp_train_order_next (&rng, order, ds->n_rows, &cursor, 4, TRUE);
      guint64 t;

      for (gsize s = 0; s < B; s++)
        {
          memcpy (x + 2 * s, ds->X + 2 * order[cursor + s], 2 * sizeof (double));
          y[s] = ds->Y[order[cursor + s]];
        }
      assert_true (bp_train_gradients_checked (net, trace, x, y, B, &fault));
      bp_train_state_save (net, opt, backup, &t);
      assert_true (bp_train_update_checked (net, opt, backup, t, &fault));
      cursor += B;
      pos.step = step;
      pos.cursor = cursor;
      pos.loss = trace->loss;
      pos.grad_norms = trace->grad_norm;
      assert_true (bp_record_add_position (by_hand, net, opt, &pos, step == 20, &error));
    }
  a = bp_record_to_data (by_trainer, &len_a);
  b = bp_record_to_data (by_hand, &len_b);
  assert_int_equal (len_a, len_b);
  assert_memory_equal (a, b, len_a);
  run_clear (&run);
}

/* Restoring into another shape is refused, saying what differs, and
 * changes nothing. */
static void
test_mismatch (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpRecord) rec = NULL;
  Run run, other;
  g_autofree double *params = NULL;

  (void) state;
  run_init (&run, NET_PLAIN, "adam", 4);
  rec = bp_record_new (BP_RECORD_DEFAULT_BUDGET);
  assert_true (bp_record_add (rec, run.net, run.opt, run.tr, &error));
  run_steps (&run, rec, 5, NULL);

  run_init (&other, NET_BATCHNORM, "adam", 4);
  params = g_memdup2 (other.net->params, other.net->n_params * sizeof (double));
  assert_false (bp_record_restore (rec, 1, other.net, other.opt, other.tr, &error));
  assert_true (g_error_matches (error, BP_RECORD_ERROR, BP_RECORD_ERROR_MISMATCH));
  assert_non_null (strstr (error->message, "parameters"));
  assert_memory_equal (params, other.net->params, other.net->n_params * sizeof (double));
  g_clear_error (&error);
  assert_false (bp_record_add (rec, other.net, other.opt, other.tr, &error));
  assert_true (g_error_matches (error, BP_RECORD_ERROR, BP_RECORD_ERROR_MISMATCH));
  run_clear (&other);
  g_clear_error (&error);

  run_init (&other, NET_PLAIN, "sgd", 4);
  assert_false (bp_record_restore (rec, 1, other.net, other.opt, other.tr, &error));
  assert_non_null (strstr (error->message, "“adam”"));
  run_clear (&other);
  run_clear (&run);
}

/* Saved and loaded: the same bytes, the same snapshots and statistics. */
static void
test_round_trip (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpRecord) rec = NULL;
  g_autoptr(BpRecord) loaded = NULL;
  g_autofree char *data = NULL;
  g_autofree char *data2 = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  gsize len, len2;
  Run run;

  (void) state;
  run_init (&run, NET_BATCHNORM, "adam", 4);
  rec = bp_record_new (budget_for (&run, 10));
  assert_true (bp_record_add (rec, run.net, run.opt, run.tr, &error));
  run_steps (&run, rec, 77, NULL);
  assert_true (bp_record_add_latest (rec, run.net, run.opt, run.tr, &error));

  dir = g_dir_make_tmp ("test-record-XXXXXX", &error);
  assert_non_null (dir);
  path = g_build_filename (dir, "run.bprecord", NULL);
  assert_true (bp_record_save (rec, path, &error));
  loaded = bp_record_load (path, &error);
  if (loaded == NULL)
    fail_msg ("%s", error->message);
  assert_int_equal (bp_record_n (loaded), bp_record_n (rec));
  for (gsize i = 0; i < bp_record_n (rec); i++)
    assert_true (bp_record_snapshot_equal (rec, i, loaded, i));
  assert_int_equal (bp_record_n_stats (loaded), 77);
  assert_string_equal (bp_record_optimizer_id (loaded), "adam");
  data = bp_record_to_data (rec, &len);
  data2 = bp_record_to_data (loaded, &len2);
  assert_int_equal (len, len2);
  assert_memory_equal (data, data2, len);

  /* A copy is the same recording, bit for bit, and lives on its own: the
   * original goes on recording without changing it. */
  {
    g_autoptr(BpRecord) copy = bp_record_copy (rec);
    g_autofree char *data3 = NULL;
    gsize len3, n = bp_record_n (rec);

    data3 = bp_record_to_data (copy, &len3);
    assert_int_equal (len3, len);
    assert_memory_equal (data3, data, len);
    run_steps (&run, rec, 40, NULL);
    assert_int_equal (bp_record_n (copy), n);
    assert_int_equal (bp_record_n_stats (copy), 77);
    g_free (data3);
    data3 = bp_record_to_data (copy, &len3);
    assert_memory_equal (data3, data, len);
    assert_memory_equal (bp_record_params_at (copy, n - 1), bp_record_params_at (loaded, n - 1),
                         bp_record_n_params (copy) * sizeof (double));
  }
  g_unlink (path);
  g_rmdir (dir);
  run_clear (&run);
}

/* Overwrites word `w` of snapshot `i` (of `words` words) in a copy. */
static void
poke_word (char    *data,
           gsize    payload,
           gsize    words,
           gsize    i,
           gsize    w,
           guint64  value)
{
  guint64 le = GUINT64_TO_LE (value);

  memcpy (data + payload + 8 * (i * words + w), &le, 8);
}

/* Each damage is refused with an error naming the file and the place. */
static void
test_malformed (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpRecord) rec = NULL;
  g_autofree char *good = NULL;
  gsize len, payload, words;
  const char *nl;
  Run run;
  double nan_value = NAN;
  guint64 nan_bits;
  struct { const char *what; const char *expect; } cases[] = {
    { "empty", "not a recording" },
    { "version 3", "newer" },
    { "not JSON", "header:" },
    { "no params", "“params” is missing" },
    { "stride 3", "not a power of two" },
    { "short", "bytes follow" },
    { "order twice", "names a row twice" },
    { "order past", "past the last" },
    { "steps back", "not after the previous" },
    { "nan", "parameter is not finite" },
    { "schedule after t", "schedule's step is after" },
  };

  (void) state;
  memcpy (&nan_bits, &nan_value, 8);
  run_init (&run, NET_PLAIN, "sgd", 4);
  rec = bp_record_new (BP_RECORD_DEFAULT_BUDGET);
  assert_true (bp_record_add (rec, run.net, run.opt, run.tr, &error));
  run_steps (&run, rec, 3, NULL);
  good = bp_record_to_data (rec, &len);
  nl = memchr (good, '\n', len);
  payload = (gsize) (nl - good) + 1 + g_ascii_strtoull (strchr (good, ' ') + 1, NULL, 10);
  words = 14 + run.net->n_params + bp_optimizer_state_size (run.opt) + run.ds->n_rows;

  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autofree char *bad = g_memdup2 (good, len + 1);
      g_autoptr(BpRecord) got = NULL;
      gsize bad_len = len;
      const char *w = cases[c].what;

      if (g_str_equal (w, "empty"))
        bad_len = 0;
      else if (g_str_equal (w, "version 3"))
        bad[16] = '3';
      else if (g_str_equal (w, "not JSON"))
        bad[(nl - good) + 1] = '[';
      else if (g_str_equal (w, "no params"))
        memcpy (strstr (bad, "\"params\""), "\"pxrams\"", 8);
      else if (g_str_equal (w, "stride 3"))
        *(strstr (bad, "\"stride\" : 1") + strlen ("\"stride\" : ")) = '3';
      else if (g_str_equal (w, "short"))
        bad_len = len - 8;
      else if (g_str_equal (w, "order twice"))
        poke_word (bad, payload, words, 1, words - 1, run.tr->order[0]);
      else if (g_str_equal (w, "order past"))
        poke_word (bad, payload, words, 1, words - 1, 10);
      else if (g_str_equal (w, "steps back"))
        poke_word (bad, payload, words, 2, 0, 1);
      else if (g_str_equal (w, "nan"))
        poke_word (bad, payload, words, 1, 14, nan_bits);
      else if (g_str_equal (w, "schedule after t"))
        poke_word (bad, payload, words, 2, 13, 3);

      got = bp_record_load_data (bad, bad_len, "bad.bprecord", &error);
      assert_null (got);
      assert_non_null (error);
      if (!g_str_has_prefix (error->message, "bad.bprecord: ")
          || strstr (error->message, cases[c].expect) == NULL)
        fail_msg ("%s: “%s”", w, error->message);
      g_clear_error (&error);
    }
  run_clear (&run);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_policy),
    cmocka_unit_test (test_bounds_and_stats),
    cmocka_unit_test (test_resume_bits),
    cmocka_unit_test (test_resume_schedules),
    cmocka_unit_test (test_schedule_v1),
    cmocka_unit_test (test_resume_epochs),
    cmocka_unit_test (test_position_as_trainer),
    cmocka_unit_test (test_mismatch),
    cmocka_unit_test (test_round_trip),
    cmocka_unit_test (test_malformed),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
