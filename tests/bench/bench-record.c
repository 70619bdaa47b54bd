/* bench-record.c — what recording a run (core/bp-record.h) costs: memory
 * of a 10⁵-step recording, and time per step against training without it.
 *
 * A benchmark, not a test: it prints figures and exits 0 unless a run
 * fails.
 *
 *   memory  a 10⁵-step recording, default budget (64 MiB), of
 *           2-16-16-1 (tanh, sigmoid, bce; 400 rows, B = 1, momentum:
 *           trained for real) and 784-128-64-10 (relu, softmax_ce; 1000
 *           random rows, B = 32, Adam).  The big one is not trained 10⁵
 *           times: the policy depends only on the step numbers, so each
 *           add is given the network as it stands with the trainer's step
 *           counter advanced — the bytes are exactly those of a real run.
 *   time    each network trained with bp_record_add after every step and
 *           without, taking turns, best of --reps rounds of the thread's
 *           CPU time; the ratio is recorded / plain.
 *
 *   bench-record [--reps N] [--quick]
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bp-dataset.h"
#include "bp-network.h"
#include "bp-optimizer.h"
#include "bp-record.h"
#include "bp-rng.h"
#include "bp-trainer.h"
#include "../test-record-run.h"

#define LONG_RUN 100000

typedef struct
{
  const char  *name;
  gsize        widths[4];
  gsize        n_widths;
  const char  *hidden, *out, *cost, *opt;
  gsize        rows, batch;
  guint64      time_steps;   /* steps per timed round */
} Workload;

static const Workload workloads[] = {
  { "2-16-16-1", { 2, 16, 16, 1 }, 4, "tanh", "sigmoid", "bce", "momentum", 400, 1, 200000 },
  { "784-128-64-10", { 784, 128, 64, 10 }, 4, "relu", "softmax", "softmax_ce", "adam", 1000, 32, 100 },
};

static BpDataset *
random_dataset (const Workload *w)
{
  BpDataset *ds = g_new0 (BpDataset, 1);
  gsize nf = w->widths[0], nt = w->widths[w->n_widths - 1];
  BpRng rng;

  bp_rng_init (&rng, 1);
  ds->name = g_strdup ("random");
  ds->source = g_strdup ("bench-record.c");
  ds->task = nt == 1 ? BP_TASK_BINARY : BP_TASK_MULTICLASS;
  ds->n_rows = w->rows;
  ds->n_features = nf;
  ds->n_targets = nt;
  ds->X = g_new (double, w->rows * nf);
  ds->Y = g_new0 (double, w->rows * nt);
  for (gsize i = 0; i < w->rows * nf; i++)
    ds->X[i] = bp_rng_range (&rng, -1, 1);
  for (gsize r = 0; r < w->rows; r++)
    ds->Y[r * nt + (nt == 1 ? 0 : bp_rng_below (&rng, nt))] = nt == 1 ? (double) (r % 2) : 1.0;
  ds->feature_names = g_new0 (char *, nf + 1);
  ds->target_names = g_new0 (char *, nt + 1);
  return ds;
}

static void
run_init (Run            *run,
          const Workload *w)
{
  g_autoptr(GError) error = NULL;
  BpTrainConfig config = { .batch_size = w->batch, .shuffle = TRUE, .seed = 3 };
  BpRng rng;

  run->ds = random_dataset (w);
  run->net = bp_network_new (w->widths[0], &error);
  for (gsize l = 1; l < w->n_widths; l++)
    if (!bp_network_add_layer (run->net, w->widths[l], l + 1 < w->n_widths ? w->hidden : w->out,
                               NULL, &error))
      g_error ("%s", error->message);
  if (!bp_network_set_cost (run->net, w->cost, NULL, &error))
    g_error ("%s", error->message);
  bp_rng_init (&rng, 2);
  bp_network_init_weights (run->net, BP_INIT_GLOROT_UNIFORM, &rng);
  run->opt = bp_optimizer_new (NULL, w->opt, run->net->n_params, &error);
  if (run->opt == NULL || !bp_optimizer_set (run->opt, "lr", 0.001, &error))
    g_error ("%s", error->message);
  run->tr = bp_trainer_new (run->net, run->opt, run->ds, NULL, &config, &error);
  if (run->tr == NULL)
    g_error ("%s", error->message);
}

/* The thread's CPU time: on a machine shared with other jobs the time
 * spent waiting for a CPU does not count. */
static double
cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

/* CPU seconds for `steps` steps, adding each to `rec` when not NULL. */
static double
timed_steps (Run      *run,
             BpRecord *rec,
             guint64   steps)
{
  g_autoptr(GError) error = NULL;
  double start = cpu_seconds ();

  for (guint64 i = 0; i < steps; i++)
    if (!bp_trainer_step (run->tr, &error)
        || (rec != NULL && !bp_record_add (rec, run->net, run->opt, run->tr, &error)))
      g_error ("%s", error->message);
  return cpu_seconds () - start;
}

static void
memory_figure (const Workload *w)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpRecord) rec = bp_record_new (BP_RECORD_DEFAULT_BUDGET);
  g_autofree char *data = NULL;
  gboolean real = w->batch == 1;
  gsize len;
  Run run;

  run_init (&run, w);
  bp_record_add (rec, run.net, run.opt, run.tr, &error);
  for (guint64 s = 1; s <= LONG_RUN; s++)
    {
      if (real)
        timed_steps (&run, NULL, 1);
      else
        run.tr->steps = s;  /* see the top: the policy reads only the step */
      if (!bp_record_add (rec, run.net, run.opt, run.tr, &error))
        g_error ("%s", error->message);
    }
  bp_record_add_latest (rec, run.net, run.opt, run.tr, NULL);
  data = bp_record_to_data (rec, &len);
  printf ("%-14s %8zu params %6zu rows  %3zu kept (every %6" G_GUINT64_FORMAT ")  "
          "%4zu buckets of %2" G_GUINT64_FORMAT "  memory %6.2f MiB  bound %6.2f MiB  "
          "file %6.2f MiB  %s\n",
          w->name, run.net->n_params, run.ds->n_rows, bp_record_n (rec), bp_record_stride (rec),
          bp_record_n_stats (rec), bp_record_bucket_width (rec),
          (double) bp_record_bytes (rec) / (1 << 20), (double) bp_record_bound (rec) / (1 << 20),
          (double) len / (1 << 20), real ? "(trained)" : "(steps advanced)");
  run_clear (&run);
}

int
main (int    argc,
      char **argv)
{
  int reps = 5;

  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--reps") && i + 1 < argc)
        reps = atoi (argv[++i]);
      else if (g_str_equal (argv[i], "--quick"))
        reps = 1;
    }
  reps = MAX (reps, 1);

  printf ("# memory of a %d-step recording, budget %zu MiB\n", LONG_RUN,
          BP_RECORD_DEFAULT_BUDGET >> 20);
  for (gsize k = 0; k < G_N_ELEMENTS (workloads); k++)
    memory_figure (&workloads[k]);

  printf ("# time per step, bp_record_add after every step against none (best of %d)\n", reps);
  for (gsize k = 0; k < G_N_ELEMENTS (workloads); k++)
    {
      const Workload *w = &workloads[k];
      g_autoptr(BpRecord) rec = bp_record_new (BP_RECORD_DEFAULT_BUDGET);
      double best_plain = G_MAXDOUBLE, best_rec = G_MAXDOUBLE;
      Run plain, recorded;

      run_init (&plain, w);
      run_init (&recorded, w);
      bp_record_add (rec, recorded.net, recorded.opt, recorded.tr, NULL);
      /* Warm up both, then take turns. */
      timed_steps (&plain, NULL, w->time_steps / 10);
      timed_steps (&recorded, rec, w->time_steps / 10);
      for (int r = 0; r < reps; r++)
        {
          best_plain = MIN (best_plain, timed_steps (&plain, NULL, w->time_steps));
          best_rec = MIN (best_rec, timed_steps (&recorded, rec, w->time_steps));
        }
      printf ("%-14s B = %2zu %-9s  plain %8.2f µs/step  recorded %8.2f µs/step  "
              "ratio %.3f  (%zu kept, every %" G_GUINT64_FORMAT ")\n",
              w->name, w->batch, w->opt, 1e6 * best_plain / (double) w->time_steps,
              1e6 * best_rec / (double) w->time_steps, best_rec / best_plain,
              bp_record_n (rec), bp_record_stride (rec));
      run_clear (&plain);
      run_clear (&recorded);
    }
  return 0;
}
