/* test-trainer-fixtures.h — the datasets, networks and optimizers the
 * trainer's suites (test-trainer.c, test-trainer-progress.c) build.
 * Include after <cmocka.h>. */
#pragma once

#include <string.h>

#include "bp-dataset.h"
#include "bp-network.h"
#include "bp-optimizer.h"
#include "bp-rng.h"

/* A dataset owned the way bp_dataset_free expects (g_new, g_strdup). */
static inline BpDataset *
make_dataset (const char   *name,
              BpTask        task,
              gsize         n_rows,
              gsize         n_features,
              gsize         n_targets,
              const double *X,
              const double *Y)
{
  return bp_dataset_new_from_rows (name, "test-trainer.c", task, n_rows, n_features, n_targets, X, Y);
}

static const double xor_X[] = { 0, 0, 0, 1, 1, 0, 1, 1 };
static const double xor_Y[] = { 0, 1, 1, 0 };

static inline BpDataset *
xor_dataset (void)
{
  return make_dataset ("xor", BP_TASK_BINARY, 4, 2, 1, xor_X, xor_Y);
}

/* 10 rows of a noisy line, y = 0.5x₁ − 0.25x₂ + 0.1 + noise. */
static inline BpDataset *
line_dataset (void)
{
  double X[10 * 2], Y[10];
  BpRng rng;

  bp_rng_init (&rng, 10);
  for (gsize r = 0; r < 10; r++)
    {
      X[2 * r] = bp_rng_range (&rng, -1.0, 1.0);
      X[2 * r + 1] = bp_rng_range (&rng, -1.0, 1.0);
      Y[r] = 0.5 * X[2 * r] - 0.25 * X[2 * r + 1] + 0.1 + 0.01 * bp_rng_normal (&rng);
    }
  return make_dataset ("line", BP_TASK_REGRESSION, 10, 2, 1, X, Y);
}

static inline BpNetwork *
make_net (gsize        n_in,
          gsize        hidden,
          const char  *hidden_act,
          gsize        n_out,
          const char  *out_act,
          const char  *cost_id,
          guint64      seed)
{
  g_autoptr(GError) error = NULL;
  BpNetwork *net = bp_network_new (n_in, &error);
  BpRng rng;

  assert_non_null (net);
  assert_true (bp_network_add_layer (net, hidden, hidden_act, NULL, &error));
  assert_true (bp_network_add_layer (net, n_out, out_act, NULL, &error));
  if (!bp_network_set_cost (net, cost_id, NULL, &error))
    fail_msg ("%s", error->message);
  bp_rng_init (&rng, seed);
  bp_network_init_weights (net, BP_INIT_GLOROT_UNIFORM, &rng);
  return net;
}

static inline BpOptimizer *
make_opt (const char *id,
          gsize       n,
          double      lr)
{
  g_autoptr(GError) error = NULL;
  BpOptimizer *opt = bp_optimizer_new (NULL, id, n, &error);

  assert_non_null (opt);
  assert_true (bp_optimizer_set (opt, "lr", lr, &error));
  return opt;
}
