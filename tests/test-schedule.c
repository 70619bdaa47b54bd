/* test-schedule.c — learning-rate schedules (bp-schedule.h): the rates of
 * each schedule worked out by hand, the rate each optimizer step takes,
 * "lr" staying the base rate, the rate following t back, the errors, the
 * model file (read, written, and a run saved halfway that goes on with the
 * same bits as one that was not), the fused online step taking the same
 * rate as the general one, and a plugin optimizer given the scheduled rate;
 * SequentialLR's phases with the bits torch gives at its milestones.
 *
 * The torch side is tests/reference/torch_schedules.py.
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

#include "backprop-plugin.h"
#include "bp-model.h"
#include "bp-registry.h"
#include "bp-schedule.h"
#include "bp-trainer.h"
#include "bp-trainer-online.h"

#define TOL 1e-15

static BpSchedule
schedule (BpScheduleKind kind,
          const char    *name1,
          double         v1,
          const char    *name2,
          double         v2,
          const char    *name3,
          double         v3)
{
  g_autoptr(GError) error = NULL;
  BpSchedule s;

  bp_schedule_init (&s, kind);
  if ((name1 != NULL && !bp_schedule_set (&s, name1, v1, &error)) ||
      (name2 != NULL && !bp_schedule_set (&s, name2, v2, &error)) ||
      (name3 != NULL && !bp_schedule_set (&s, name3, v3, &error)))
    fail_msg ("%s", error->message);
  return s;
}

/* The rates of steps 0 … n − 1 from base 1, against `want`. */
static void
assert_rates (const BpSchedule *s,
              const double     *want,
              gsize             n)
{
  for (gsize k = 0; k < n; k++)
    {
      double got = bp_schedule_lr_at (s, 1.0, k);

      if (fabs (got - want[k]) > TOL)
        fail_msg ("%s step %zu: lr %.17g, want %.17g", bp_schedule_kind_id (s->kind), k,
                  got, want[k]);
    }
}

/* By hand from torch's get_lr (lr_scheduler.py), base rate 1. */
static void
test_rates_by_hand (void **state)
{
  (void) state;
  {
    /* StepLR(step_size=2, gamma=0.5): halves at steps 2, 4, … */
    BpSchedule s = schedule (BP_SCHEDULE_STEP, "step_size", 2, "gamma", 0.5, NULL, 0);
    const double want[] = { 1, 1, 0.5, 0.5, 0.25, 0.25 };

    assert_rates (&s, want, G_N_ELEMENTS (want));
  }
  {
    BpSchedule s = schedule (BP_SCHEDULE_EXPONENTIAL, "gamma", 0.5, NULL, 0, NULL, 0);
    const double want[] = { 1, 0.5, 0.25, 0.125 };

    assert_rates (&s, want, G_N_ELEMENTS (want));
  }
  {
    /* LinearLR(0.25, 1, 3): 0.25; ·(1 + 0.75/0.75) = 0.5;
     * ·(1 + 0.75/1.5) = 0.75; ·(1 + 0.75/2.25) = 1; then constant. */
    BpSchedule s = schedule (BP_SCHEDULE_LINEAR, "start_factor", 0.25, "end_factor", 1,
                             "total_iters", 3);
    const double want[] = { 0.25, 0.5, 0.75, 1, 1, 1 };

    assert_rates (&s, want, G_N_ELEMENTS (want));
  }
  {
    /* CosineAnnealingLR(T_max=2, eta_min=0): 1, ½(1 + cos π/2) = ½, 0;
     * at step 3 = T + 1 torch adds ½(1 − cos π/2) = ½ instead of dividing
     * by 1 + cos π = 0; then back up to 1 at 2T. */
    BpSchedule s = schedule (BP_SCHEDULE_COSINE, "t_max", 2, "eta_min", 0, NULL, 0);
    const double want[] = { 1, 0.5, 0, 0.5, 1 };

    assert_rates (&s, want, G_N_ELEMENTS (want));
  }
  {
    BpSchedule s;

    bp_schedule_init (&s, BP_SCHEDULE_NONE);
    assert_true (bp_schedule_lr_at (&s, 0.3, 1000) == 0.3);
  }
}

/* sgd on f(p) = ½p²: p ← p − lr·p, so p after the steps is the product of
 * (1 − lr_k), and each step must take the rate of its schedule step. */
static void
test_each_step_takes_its_rate (void **state)
{
  g_autoptr(BpOptimizer) opt = make_opt ("sgd", 1, 0.4);
  BpSchedule s = schedule (BP_SCHEDULE_STEP, "step_size", 2, "gamma", 0.5, NULL, 0);
  double p = 1.0, want = 1.0, lr;

  (void) state;
  assert_true (bp_optimizer_set_schedule (opt, &s, NULL));
  for (guint k = 0; k < 6; k++)
    {
      double g = p, rate = bp_optimizer_lr (opt);

      assert_true (rate == bp_schedule_lr_at (&s, 0.4, k));
      bp_optimizer_step (opt, &p, &g);
      want = want - rate * want;
      assert_true (p == want);
    }
  /* "lr" is the base rate still: what the file and the app show. */
  assert_true (bp_optimizer_get (opt, "lr", &lr) && lr == 0.4);
  assert_int_equal (bp_optimizer_schedule_step (opt), 6);
  assert_true (bp_optimizer_lr (opt) == 0.4 * 0.125);
}

/* The rate is the schedule's at t − t0: putting t back (the trainer's undo,
 * the stepper's back) puts the rate back, without a copy of it. */
static void
test_rate_follows_t (void **state)
{
  g_autoptr(BpOptimizer) opt = make_opt ("momentum", 1, 0.1);
  BpSchedule s = schedule (BP_SCHEDULE_COSINE, "t_max", 7, "eta_min", 0.001, NULL, 0);
  double p = 1.0, g, at3 = NAN;

  (void) state;
  /* A schedule set after two steps starts then: two steps at 0.1 first. */
  for (guint k = 0; k < 2; k++)
    {
      g = p;
      bp_optimizer_step (opt, &p, &g);
    }
  assert_true (bp_optimizer_set_schedule (opt, &s, NULL));
  assert_int_equal (bp_optimizer_schedule_step (opt), 0);
  for (guint k = 0; k < 10; k++)
    {
      if (k == 3)
        at3 = bp_optimizer_lr (opt);
      g = p;
      bp_optimizer_step (opt, &p, &g);
    }
  opt->t = 2 + 3;
  assert_true (bp_optimizer_lr (opt) == at3);
  assert_true (bp_optimizer_peek_lr (opt) == at3);
  /* Before the schedule was set: its step 0. */
  opt->t = 1;
  assert_true (bp_optimizer_lr (opt) == 0.1);
  /* A new base rate: the schedule's rates from it. */
  opt->t = 12;
  assert_true (bp_optimizer_set (opt, "lr", 0.2, NULL));
  assert_true (bp_optimizer_lr (opt) == bp_schedule_lr_at (&s, 0.2, 10));
  /* A reset starts the schedule again. */
  bp_optimizer_reset (opt, 1);
  assert_int_equal (bp_optimizer_schedule_step (opt), 0);
  assert_true (bp_optimizer_lr (opt) == 0.2);
}

static void
expect_set_error (BpScheduleKind  kind,
                  const char     *name,
                  double          value,
                  const char     *message)
{
  g_autoptr(GError) error = NULL;
  BpSchedule s;

  bp_schedule_init (&s, kind);
  assert_false (bp_schedule_set (&s, name, value, &error));
  assert_non_null (error);
  if (strstr (error->message, message) == NULL)
    fail_msg ("%s = %g: \"%s\" does not say \"%s\"", name, value, error->message, message);
}

static void
test_set_errors (void **state)
{
  (void) state;
  expect_set_error (BP_SCHEDULE_STEP, "gamma", 0, "gamma = 0 is out of range (0, 1e+06]");
  expect_set_error (BP_SCHEDULE_EXPONENTIAL, "gamma", -0.5, "gamma = -0.5");
  expect_set_error (BP_SCHEDULE_COSINE, "t_max", 0, "t_max = 0 must be a whole number");
  expect_set_error (BP_SCHEDULE_STEP, "step_size", 2.5, "step_size = 2.5");
  expect_set_error (BP_SCHEDULE_LINEAR, "start_factor", 0, "start_factor = 0 is out of range (0, 1]");
  expect_set_error (BP_SCHEDULE_LINEAR, "start_factor", 1.5, "start_factor = 1.5");
  expect_set_error (BP_SCHEDULE_LINEAR, "end_factor", 2, "end_factor = 2");
  expect_set_error (BP_SCHEDULE_COSINE, "gamma", 0.5,
                    "schedule “cosine” has no parameter “gamma” (it has: t_max, eta_min)");
  assert_int_equal (bp_schedule_kind_from_id ("warmup"), BP_N_SCHEDULES);
  assert_int_equal (bp_schedule_kind_from_id ("cosine"), BP_SCHEDULE_COSINE);
}

static const char model_head[] =
  "{\"format\": \"backprop-model/1\","
  " \"layers\": [{\"in\": 2, \"out\": 3, \"activation\": \"tanh\"},"
  "             {\"in\": 3, \"out\": 1, \"activation\": \"sigmoid\"}],"
  " \"cost\": \"mse\", \"inputs\": [[0, 1], [1, 0], [1, 1]], \"targets\": [[1], [1], [0]],"
  " \"optimizer\": {\"id\": \"adam\", \"lr\": 0.05, \"schedule\": ";

static BpModel *
load_with_schedule (const char  *sched,
                    GError     **error)
{
  g_autofree char *data = g_strconcat (model_head, sched, "}}", NULL);

  return bp_model_load_data (data, -1, "m.json", NULL, error);
}

static void
expect_file_error (const char *sched,
                   const char *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) model = load_with_schedule (sched, &error);

  assert_null (model);
  assert_non_null (error);
  if (strstr (error->message, message) == NULL)
    fail_msg ("%s: \"%s\" does not say \"%s\"", sched, error->message, message);
}

static void
test_file_errors (void **state)
{
  (void) state;
  expect_file_error ("{\"id\": \"warmup\"}",
                     "m.json: optimizer.schedule.id: unknown schedule \"warmup\"");
  expect_file_error ("{\"gamma\": 0.5}", "m.json: optimizer.schedule: missing \"id\"");
  expect_file_error ("{\"id\": \"step\", \"step_size\": 3, \"gamma\": 0}",
                     "m.json: optimizer.schedule.gamma: schedule gamma = 0 is out of range");
  expect_file_error ("{\"id\": \"cosine\", \"t_max\": 0}",
                     "m.json: optimizer.schedule.t_max: schedule t_max = 0");
  expect_file_error ("{\"id\": \"linear\", \"start_factor\": 1.5}",
                     "m.json: optimizer.schedule.start_factor:");
  expect_file_error ("{\"id\": \"exponential\", \"gamma\": \"big\"}",
                     "m.json: optimizer.schedule.gamma: expected a number, got a string");
  expect_file_error ("{\"id\": \"exponential\", \"t_max\": 3}",
                     "m.json: optimizer.schedule.t_max: schedule “exponential” has no parameter");
  expect_file_error ("7", "m.json: optimizer.schedule:");
  expect_file_error ("{\"id\": \"sequential\", \"milestones\": [3]}",
                     "m.json: optimizer.schedule: a sequential schedule needs \"schedules\" "
                     "and \"milestones\"");
  expect_file_error ("{\"id\": \"sequential\", \"milestones\": [3, 4],"
                     " \"schedules\": [{\"id\": \"exponential\"}, {\"id\": \"cosine\"}]}",
                     "m.json: optimizer.schedule.milestones: 2 milestones for 2 schedules");
  expect_file_error ("{\"id\": \"sequential\", \"milestones\": [0],"
                     " \"schedules\": [{\"id\": \"exponential\"}, {\"id\": \"cosine\"}]}",
                     "m.json: optimizer.schedule.milestones[0]: 0 is out of range");
  expect_file_error ("{\"id\": \"sequential\", \"milestones\": [5, 5], \"schedules\":"
                     " [{\"id\": \"exponential\"}, {\"id\": \"cosine\"}, {\"id\": \"step\"}]}",
                     "m.json: optimizer.schedule.milestones: milestone 2 = 5 must be ≥ 1 and "
                     "after the one before");
  expect_file_error ("{\"id\": \"sequential\", \"milestones\": [5],"
                     " \"schedules\": [{\"id\": \"exponential\"}, {\"id\": \"sequential\"}]}",
                     "m.json: optimizer.schedule.schedules[1].id: schedule \"sequential\" cannot "
                     "be part of a sequential schedule");
  expect_file_error ("{\"id\": \"sequential\", \"milestones\": [5],"
                     " \"schedules\": [{\"id\": \"exponential\"}, {\"id\": \"cosine\","
                     " \"gamma\": 2}]}",
                     "m.json: optimizer.schedule.schedules[1].gamma: schedule “cosine” has no "
                     "parameter “gamma”");
  expect_file_error ("{\"id\": \"sequential\", \"milestones\": [5], \"t_max\": 3,"
                     " \"schedules\": [{\"id\": \"exponential\"}, {\"id\": \"cosine\"}]}",
                     "m.json: optimizer.schedule: a sequential schedule has no member \"t_max\"");
  expect_file_error ("{\"id\": \"sequential\", \"milestones\": [5],"
                     " \"schedules\": [{\"id\": \"exponential\"}]}",
                     "m.json: optimizer.schedule.schedules: 1 schedules (a sequential schedule "
                     "has 2 to 4)");
}

/* SequentialLR (LinearLR(0.25, 1, 3), CosineAnnealingLR(4, 0.001),
 * milestones [3]) from base 0.01, the bits torch 1.13 gives (printed with
 * float.hex).  At the milestone torch enters the cosine by its closed form,
 * 0.001 + (0.01 − 0.001) = 0.010000000000000002, not the base 0.01 and not
 * the warm-up's last rate; the cosine then counts from there. */
static void
test_sequential_torch_bits (void **state)
{
  const double want[] = {
    0x1.47ae147ae147bp-9, 0x1.47ae147ae147bp-8, 0x1.eb851eb851eb8p-8, 0x1.47ae147ae147cp-7,
    0x1.1c7dbb305ec5cp-7, 0x1.6872b020c49bbp-8, 0x1.2fd3d3c19757cp-9, 0x1.0624dd2f1a9fcp-10,
    0x1.2fd3d3c19757ap-9, 0x1.6872b020c49bbp-8,
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *what = NULL;
  BpSchedulePhase phases[2];
  guint64 milestone = 3;
  BpSchedule s;

  (void) state;
  bp_schedule_init (&s, BP_SCHEDULE_LINEAR);
  assert_true (bp_schedule_set (&s, "start_factor", 0.25, &error));
  assert_true (bp_schedule_set (&s, "total_iters", 3, &error));
  phases[0] = s.phases[0];
  bp_schedule_init (&s, BP_SCHEDULE_COSINE);
  assert_true (bp_schedule_set (&s, "t_max", 4, &error));
  assert_true (bp_schedule_set (&s, "eta_min", 0.001, &error));
  phases[1] = s.phases[0];
  assert_true (bp_schedule_set_sequential (&s, phases, 2, &milestone, &error));
  for (gsize k = 0; k < G_N_ELEMENTS (want); k++)
    {
      double got = bp_schedule_lr_at (&s, 0.01, k);

      if (memcmp (&got, &want[k], sizeof got) != 0)
        fail_msg ("step %zu: lr %a, torch %a", k, got, want[k]);
    }
  /* What the sidebar offers is this shape. */
  assert_true (bp_schedule_is_warmup_cosine (&s));
  what = bp_schedule_describe (&s);
  assert_string_equal (what, "sequential (linear (start_factor 0.25, end_factor 1, total_iters 3)"
                       " until step 3, then cosine (t_max 4, eta_min 0.001))");
  /* bp_schedule_set names what a sequential schedule has instead. */
  assert_false (bp_schedule_set (&s, "t_max", 5, &error));
  assert_non_null (strstr (error->message, "(it has: schedules, milestones)"));
}

/* The sidebar's warm-up then cosine: the milestone is the warm-up's length,
 * and it is read back as the same shape. */
static void
test_warmup_cosine (void **state)
{
  g_autoptr(GError) error = NULL;
  BpSchedule s, other;

  (void) state;
  bp_schedule_init_warmup_cosine (&s, 8, 50);
  assert_int_equal (s.kind, BP_SCHEDULE_SEQUENTIAL);
  assert_int_equal (s.milestones[0], 8);
  assert_int_equal (s.phases[0].total_iters, 8);
  assert_int_equal (s.phases[1].t_max, 50);
  assert_true (bp_schedule_is_warmup_cosine (&s));
  assert_true (bp_schedule_check (&s, &error));
  /* Rising to the base over 8 steps, then the cosine's half period. */
  assert_true (bp_schedule_lr_at (&s, 1.0, 0) == 1.0 / 3);
  assert_true (fabs (bp_schedule_lr_at (&s, 1.0, 8) - 1.0) < TOL);
  assert_true (fabs (bp_schedule_lr_at (&s, 1.0, 8 + 25) - 0.5) < 1e-14);
  assert_true (fabs (bp_schedule_lr_at (&s, 1.0, 8 + 50)) < 1e-14);
  bp_schedule_init (&other, BP_SCHEDULE_SEQUENTIAL);
  assert_true (bp_schedule_is_warmup_cosine (&other));
  assert_false (bp_schedule_equal (&s, &other));
  other.phases[1].kind = BP_SCHEDULE_EXPONENTIAL;
  assert_false (bp_schedule_is_warmup_cosine (&other));
  /* A milestone the warm-up does not end at is another shape. */
  s.milestones[0] = 9;
  assert_false (bp_schedule_is_warmup_cosine (&s));
  s.milestones[0] = 0;
  assert_false (bp_schedule_check (&s, &error));
  assert_non_null (strstr (error->message, "milestone 1 = 0 must be ≥ 1"));
}

static void
train (BpModel *model,
       guint64  steps)
{
  g_autoptr(GError) error = NULL;

  if (!bp_train_steps_on_batch_recorded (model->network, model->optimizer, model->inputs,
                                         model->targets, model->n_samples, steps, NULL, NULL,
                                         &error))
    fail_msg ("%s", error->message);
}

static BpModel *
reload (const BpModel *model)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json = bp_model_to_json (model, NULL);
  BpModel *back = bp_model_load_data (json, -1, "saved.json", NULL, &error);

  if (back == NULL)
    fail_msg ("%s\n%s", error->message, json);
  return back;
}

/* 2N steps in one go against N, save, load, N more: the same bits, for a
 * schedule set at the start and for one set after some steps. */
static void
test_resume_same_bits (void **state)
{
  const char *schedules[] = {
    "{\"id\": \"step\", \"step_size\": 4, \"gamma\": 0.7}",
    "{\"id\": \"exponential\", \"gamma\": 0.97}",
    "{\"id\": \"cosine\", \"t_max\": 9, \"eta_min\": 0.002}",
    "{\"id\": \"linear\", \"start_factor\": 0.1, \"end_factor\": 0.9, \"total_iters\": 13}",
    /* Saved at the milestone, and saved inside the second phase. */
    "{\"id\": \"sequential\", \"milestones\": [20], \"schedules\": ["
    " {\"id\": \"linear\", \"start_factor\": 0.2, \"total_iters\": 20},"
    " {\"id\": \"cosine\", \"t_max\": 15, \"eta_min\": 0.001}]}",
    "{\"id\": \"sequential\", \"milestones\": [7, 30], \"schedules\": ["
    " {\"id\": \"exponential\", \"gamma\": 0.9}, {\"id\": \"step\", \"step_size\": 3},"
    " {\"id\": \"cosine\", \"t_max\": 4, \"eta_min\": 0.01}]}",
  };

  (void) state;
  for (gsize i = 0; i < G_N_ELEMENTS (schedules); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BpModel) whole = load_with_schedule (schedules[i], &error);
      g_autoptr(BpModel) half = load_with_schedule (schedules[i], &error);
      g_autoptr(BpModel) resumed = NULL;
      g_autoptr(BpModel) again = NULL;
      double lr_whole, lr_resumed;

      assert_non_null (whole);
      train (whole, 40);
      train (half, 20);
      resumed = reload (half);
      assert_int_equal (bp_optimizer_schedule_step (resumed->optimizer), 20);
      train (resumed, 20);
      assert_memory_equal (whole->network->params, resumed->network->params,
                           whole->network->n_params * sizeof (double));
      lr_whole = bp_optimizer_lr (whole->optimizer);
      lr_resumed = bp_optimizer_lr (resumed->optimizer);
      assert_memory_equal (&lr_whole, &lr_resumed, sizeof lr_whole);
      /* The schedule is written back as it was read. */
      again = reload (resumed);
      assert_int_equal (again->optimizer->schedule.kind, whole->optimizer->schedule.kind);
      assert_true (bp_schedule_equal (&again->optimizer->schedule, &whole->optimizer->schedule));
      assert_null (bp_model_diff (again, resumed));
    }
}

/* The fused online step (sgd, momentum; one sample, trace not kept) and the
 * general one take the same rate: the same bits after every step. */
static void
test_online_same_bits (void **state)
{
  const char *ids[] = { "sgd", "momentum" };

  (void) state;
  for (gsize i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autoptr(BpDataset) ds = line_dataset ();
      g_autoptr(BpNetwork) fused_net = make_net (2, 5, "tanh", 1, "linear", "mse", 3);
      g_autoptr(BpNetwork) kept_net = bp_network_copy (fused_net);
      g_autoptr(BpOptimizer) fused_opt = make_opt (ids[i], fused_net->n_params, 0.2);
      g_autoptr(BpOptimizer) kept_opt = NULL;
      g_autoptr(BpTrainer) fused = NULL;
      g_autoptr(BpTrainer) kept = NULL;
      g_autoptr(GError) error = NULL;
      BpTrainConfig config = { .batch_size = 1, .shuffle = TRUE, .seed = 5 };
      BpSchedule s = schedule (BP_SCHEDULE_LINEAR, "start_factor", 0.05, "end_factor", 1,
                               "total_iters", 30);

      assert_true (bp_optimizer_set_schedule (fused_opt, &s, NULL));
      kept_opt = bp_optimizer_copy (fused_opt);
      fused = bp_trainer_new (fused_net, fused_opt, ds, NULL, &config, &error);
      config.keep_trace = TRUE;
      kept = bp_trainer_new (kept_net, kept_opt, ds, NULL, &config, &error);
      assert_true (bp_train_online_applies (fused_net, fused_opt, fused->trace, 1));
      assert_false (bp_train_online_applies (kept_net, kept_opt, kept->trace, 1));
      for (guint k = 0; k < 60; k++)
        {
          assert_true (bp_trainer_step (fused, &error));
          assert_true (bp_trainer_step (kept, &error));
          assert_memory_equal (fused_net->params, kept_net->params,
                               fused_net->n_params * sizeof (double));
        }
      assert_true (bp_optimizer_lr (fused_opt) == bp_optimizer_lr (kept_opt));
      /* Warmed up (torch's recursion lands within rounding of the base). */
      assert_true (fabs (bp_optimizer_lr (fused_opt) - 0.2) < 1e-15);
    }
}

/* A plugin optimizer that keeps "lr" second among its hyperparameters and
 * records the rate it is given each step: p −= lr·g. */
static double probe_rates[16];
static guint  probe_steps;

static void
probe_step (double *p, const double *g, double *const *state, size_t n, const double *hyper,
            uint64_t t)
{
  if (probe_steps < G_N_ELEMENTS (probe_rates))
    probe_rates[probe_steps++] = hyper[1];
  for (size_t i = 0; i < n; i++)
    p[i] -= hyper[1] * g[i];
}

static const BpParamSpec probe_hyper[] = {
  { "unused", "a hyperparameter before lr", 0.5, 0.0, 1.0 },
  { "lr", "learning rate", 0.1, 0.0, 1e6 },
};

static const BpOptimizerDesc probe_optimizers[] = {
  {
    .id = "rate_probe", .name = "Rate probe (test)", .formula = "p ← p − lr·g",
    .hyper_specs = probe_hyper, .n_hyper = G_N_ELEMENTS (probe_hyper),
    .step = probe_step,
  },
};

static const BpPluginDesc probe_plugin = {
  .abi_major = BP_PLUGIN_ABI_MAJOR,
  .abi_minor = BP_PLUGIN_ABI_MINOR,
  .name = "test-schedule",
  .version = "1.0",
  .description = "An optimizer that records its rate, for test-schedule",
  .license = "GPL-3.0-or-later",
  .optimizers = probe_optimizers, .n_optimizers = G_N_ELEMENTS (probe_optimizers),
};

/* A plugin optimizer is given the scheduled rate in its "lr", wherever
 * that sits in its hyperparameters, and its "lr" is the base again after. */
static void
test_plugin_gets_scheduled_rate (void **state)
{
  g_autoptr(GError) error = NULL;
  BpRegistry *reg = bp_registry_new ();
  BpSchedule s = schedule (BP_SCHEDULE_EXPONENTIAL, "gamma", 0.5, NULL, 0, NULL, 0);
  BpOptimizer *opt;
  double p = 1.0, g = 1.0, lr;

  (void) state;
  if (!bp_registry_add_plugin (reg, &probe_plugin, "(test)", &error))
    fail_msg ("%s", error->message);
  opt = bp_optimizer_new (reg, "rate_probe", 1, &error);
  assert_non_null (opt);
  assert_true (bp_optimizer_set_schedule (opt, &s, NULL));
  probe_steps = 0;
  for (guint k = 0; k < 5; k++)
    bp_optimizer_step (opt, &p, &g);
  assert_int_equal (probe_steps, 5);
  for (guint k = 0; k < 5; k++)
    assert_true (probe_rates[k] == 0.1 * ldexp (1.0, -(int) k));
  assert_true (bp_optimizer_get (opt, "lr", &lr) && lr == 0.1);
  assert_true (bp_optimizer_get (opt, "unused", &lr) && lr == 0.5);
  bp_optimizer_free (opt);
  bp_registry_free (reg);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_rates_by_hand),
    cmocka_unit_test (test_each_step_takes_its_rate),
    cmocka_unit_test (test_rate_follows_t),
    cmocka_unit_test (test_set_errors),
    cmocka_unit_test (test_file_errors),
    cmocka_unit_test (test_sequential_torch_bits),
    cmocka_unit_test (test_warmup_cosine),
    cmocka_unit_test (test_resume_same_bits),
    cmocka_unit_test (test_online_same_bits),
    cmocka_unit_test (test_plugin_gets_scheduled_rate),
  };

  return cmocka_run_group_tests_name ("schedule", tests, NULL, NULL);
}
