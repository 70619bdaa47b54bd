/* test-record-run.h — a training run in progress, what bp_record_add reads:
 * shared by test-record.c and bench/bench-record.c, which build theirs. */
#pragma once

#include "bp-dataset.h"
#include "bp-network.h"
#include "bp-optimizer.h"
#include "bp-trainer.h"

typedef struct
{
  BpDataset   *ds;
  BpNetwork   *net;
  BpOptimizer *opt;
  BpTrainer   *tr;    /* over net, opt and ds */
} Run;

static inline void
run_clear (Run *run)
{
  bp_trainer_free (run->tr);
  bp_optimizer_free (run->opt);
  bp_network_free (run->net);
  bp_dataset_free (run->ds);
}
