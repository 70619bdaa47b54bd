/* bench-record-dist.c — what the distributions over a recording
 * (core/bp-record-dist.h) cost: a 10⁵-step spirals run recorded within the
 * default budget (64 MiB), then bp_record_dist_compute over every kept
 * step, as the app's worker and `render --distributions` run it.
 *
 * A benchmark, not a test: it prints figures and exits 0 unless a step
 * fails.
 *
 *   run     2-16-16-1 (tanh, tanh, sigmoid; bce), 400 spirals rows, B = 1,
 *           momentum: the kept steps are the recording's (every k steps, k
 *           doubling), the pass rows all 400.
 *   time    the thread's CPU time of one computation, and per kept step.
 *
 *   bench-record-dist [--steps N]
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
#include "bp-record-dist.h"
#include "bp-rng.h"
#include "bp-trainer.h"
#include "../test-record-run.h"

#define LONG_RUN 100000

static double
cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpRecord) rec = bp_record_new (BP_RECORD_DEFAULT_BUDGET);
  g_autoptr(BpRecordDist) dist = NULL;
  BpTrainConfig config = { .batch_size = 1, .shuffle = TRUE, .seed = 3 };
  guint64 steps = LONG_RUN;
  gsize bins = 0, bytes;
  double t0, train_s, dist_s;
  BpRng rng;
  Run run;

  if (argc == 3 && strcmp (argv[1], "--steps") == 0)
    steps = g_ascii_strtoull (argv[2], NULL, 10);
  run.ds = bp_dataset_generate ("spirals", 400, -1, 3, &error);
  if (run.ds == NULL)
    g_error ("%s", error->message);
  run.net = bp_network_new (2, &error);
  if (!bp_network_add_layer (run.net, 16, "tanh", NULL, &error)
      || !bp_network_add_layer (run.net, 16, "tanh", NULL, &error)
      || !bp_network_add_layer (run.net, 1, "sigmoid", NULL, &error)
      || !bp_network_set_cost (run.net, "bce", NULL, &error))
    g_error ("%s", error->message);
  bp_rng_init (&rng, 2);
  bp_network_init_weights (run.net, BP_INIT_GLOROT_UNIFORM, &rng);
  run.opt = bp_optimizer_new (NULL, "momentum", run.net->n_params, &error);
  if (run.opt == NULL || !bp_optimizer_set (run.opt, "lr", 0.01, &error))
    g_error ("%s", error->message);
  run.tr = bp_trainer_new (run.net, run.opt, run.ds, NULL, &config, &error);
  if (run.tr == NULL || !bp_record_add (rec, run.net, run.opt, run.tr, &error))
    g_error ("%s", error ? error->message : "trainer");

  t0 = cpu_seconds ();
  for (guint64 i = 0; i < steps; i++)
    if (!bp_trainer_step (run.tr, &error) || !bp_record_add (rec, run.net, run.opt, run.tr, &error))
      g_error ("%s", error->message);
  bp_record_add_latest (rec, run.net, run.opt, run.tr, NULL);
  train_s = cpu_seconds () - t0;

  t0 = cpu_seconds ();
  dist = bp_record_dist_compute (rec, run.net, run.ds->X, run.ds->Y, run.ds->n_rows, NULL, NULL, &error);
  dist_s = cpu_seconds () - t0;
  if (dist == NULL)
    g_error ("%s", error->message);
  bytes = 2 * dist->n_steps * dist->n_layers * sizeof (double);
  for (int q = 0; q < BP_RECORD_DIST_N_QUANTITIES; q++)
    for (gsize l = 0; l < dist->n_layers; l++)
      {
        bins += dist->hist[q][l].n_bins;
        bytes += dist->n_steps * (dist->hist[q][l].n_bins + 1) * sizeof (guint32);
      }

  printf ("spirals 2-16-16-1, %" G_GUINT64_FORMAT " steps (B = 1, momentum), trained and recorded in %.2f s CPU\n",
          steps, train_s);
  printf ("  recording   %" G_GSIZE_FORMAT " kept steps (every %" G_GUINT64_FORMAT "), %.1f MiB\n",
          bp_record_n (rec), bp_record_stride (rec), (double) bp_record_bytes (rec) / (1 << 20));
  printf ("  pass rows   %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT "\n", dist->rows_used, dist->rows_total);
  printf ("  histograms  %" G_GSIZE_FORMAT " layers × 2 quantities, %" G_GSIZE_FORMAT " bins in all; "
          "the result holds %.1f MiB\n", dist->n_layers, bins, (double) bytes / (1 << 20));
  printf ("  distributions computed in %.2f s CPU (%.0f µs per kept step)\n",
          dist_s, 1e6 * dist_s / dist->n_steps);
  run_clear (&run);
  return 0;
}
