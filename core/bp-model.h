/* bp-model.h — model files: JSON, "format": "backprop-model/1".
 *
 *   {
 *     "format": "backprop-model/1",               required
 *     "name": "…", "description": "…",            default "" and ""
 *     "seed": 42,                                  default 0
 *     "init": "glorot_uniform",                    for layers without W/b: also
 *                                                  glorot_normal, he_uniform, he_normal,
 *                                                  auto (He under relu-like, else Glorot)
 *     "layers": [                                  required, 1–32 layers
 *       { "in": 2, "out": 8, "activation": "tanh",
 *         "alpha": 0.01,                           activation parameters by name
 *         "skip_from": 1,                          optional: a(n) = σ(z(n)) + a(j),
 *                                                  0 ≤ j < n, a(j) as wide as "out"
 *         "W": [[…], …],                           out rows × in; optional
 *         "b": […] },                              out; optional
 *       { "type": "batchnorm", "in": 8, "out": 8,  "type" defaults to "dense";
 *         "activation": "linear",                  norm layers: in = out, default linear
 *         "eps": 1e-5, "momentum": 0.1,            defaults (layernorm: eps only)
 *         "gamma": […], "beta": […],               out each; default 1 and 0
 *         "running_mean": […], "running_var": […] },  batchnorm; default 0 and 1 (≥ 0)
 *       { "type": "layernorm", "in": 8, "out": 8, … },
 *       { "type": "dropout", "in": 8, "out": 8, "p": 0.5,   0 ≤ p < 1
 *         "mask": [[1, 0, …], …] }                 optional: one row of 0/1 per sample
 *                                                  of "inputs", used at every step;
 *                                                  absent: drawn from the seed
 *     ],
 *     "cost": "mse" | { "id": "huber", "delta": 1 },   default "mse"
 *     "reduction": "mean" | "sum",                 default "mean"
 *     "optimizer": { "id": "sgd", "lr": 0.1, "momentum": …, "alpha": …,
 *                    "beta1": …, "beta2": …, "eps": …, "weight_decay": …,
 *                    "schedule": { "id": "cosine", "t_max": 500, "eta_min": 0 },
 *                    "state": { "t": 12, "v": […], …,
 *                               "schedule": { "step": 12, "lr": … } } },
 *                                                  default sgd, lr 0.1, no schedule
 *       "schedule" (bp-schedule.h), stepped after every optimizer step as
 *       torch.optim.lr_scheduler: { "id": "step", "step_size": k, "gamma": g },
 *       { "id": "exponential", "gamma": g }, { "id": "cosine", "t_max": T,
 *       "eta_min": m }, { "id": "linear", "start_factor": s, "end_factor": e,
 *       "total_iters": n }, { "id": "sequential", "schedules": [ {…}, {…} ],
 *       "milestones": [ k ] } (SequentialLR: the second from step k, e.g. a
 *       linear warm-up then a cosine).  "lr" is the base rate; the state's schedule holds
 *       the schedule's step count and the rate the next step takes.
 *     "dataset": "spirals" | { "name": "spirals", "rows": 400,
 *                              "noise": 0.1, "test_fraction": 0.2 },
 *     "training": { "epochs": 100, "batch_size": 32 },
 *     "progress": { … },     where a training run stands; optional, see below
 *     "inputs":  [[…], …],   B rows × in   ─┐ a worked example;
 *     "targets": [[…], …]    B rows × out  ─┘ both or neither
 *   }
 *
 * The formulas of each type are in bp-network-layers.c.  A dense layer is
 * written back exactly as before ("skip_from" only when it has one); the
 * other types are written with every member.
 *
 * W and b missing from a layer are initialised from the seed with "init"
 * (all such layers, in order, from one BpRng seeded with "seed").  Every
 * number must be finite.  Saving writes the shortest round-trip form of each
 * double, atomically (write, then rename), so save-then-load gives back the
 * same bits.
 *
 * "progress" (a BpTrainProgress, see bp-trainer.h) is written only when the
 * model has one:
 *
 *   "progress": {
 *     "version": 2,                                required; see below (1: no lr)
 *     "steps": 30, "epoch": 3,                     steps taken, epochs completed
 *     "rows": 40,                                  training rows of the run
 *     "cursor": 12,                                next position in "order"
 *     "rng": ["9e3779b97f4a7c15", …],              4 × 16 hex digits, xoshiro256** state
 *     "order": [3, 17, …],                         "rows" indices; absent: 0, 1, 2, …
 *     "history": [[epoch, step, train_loss, train_accuracy,
 *                  test_loss, test_accuracy, lr], …], NaN is written as null;
 *                                                  lr (the rate after the epoch) optional
 *     "grad_norms": { "stride": 1, "layers": 3,    one record every stride steps,
 *                     "records": [[…], …] }        "layers" numbers (or null) each
 *   }
 *
 * It is checked on load as bp_train_progress_check does, and against the
 * network (a record has one value per layer), with errors naming the path
 * ("progress.order[7]: row 3 appears twice").  A "progress" whose "version"
 * is newer than this reader's is skipped (the model loads without it, so
 * training restarts from the saved weights at step 0); unknown members of a
 * version-1 or -2 object are ignored.  Whether it fits the dataset (its row count)
 * is only known when the dataset is opened: bp_trainer_import_progress.
 *
 * Implemented in bp-model.c (the object), bp-model-read.c and
 * bp-model-read-progress.c (loading), bp-model-prescan.c (what json-glib
 * does not check) and bp-model-write.c (saving).
 */
#pragma once

#include "bp-network.h"
#include "bp-optimizer.h"
#include "bp-trainer.h"

G_BEGIN_DECLS

#define BP_MODEL_ERROR (bp_model_error_quark ())
GQuark bp_model_error_quark (void);

typedef enum
{
  BP_MODEL_ERROR_IO,          /* cannot read or write the file */
  BP_MODEL_ERROR_PARSE,       /* not JSON: names line and column */
  BP_MODEL_ERROR_FORMAT,      /* missing or unknown "format" */
  BP_MODEL_ERROR_INVALID,     /* a field of the wrong type, shape or range */
  BP_MODEL_ERROR_UNKNOWN_ID,  /* an activation/cost/optimizer not registered */
} BpModelError;

/* What a model file may hold (larger is refused on load, so edits keep to
 * it too). */
#define BP_MODEL_MAX_PARAMS       ((gsize) 1 << 25)  /* parameters of the network */
#define BP_MODEL_MAX_BATCH_SIZE   1000000            /* training.batch_size, rows of inputs */
#define BP_MODEL_MAX_DATASET_ROWS 10000000           /* dataset.rows, progress.rows */

struct _BpModel
{
  char        *name;
  char        *description;
  guint64      seed;
  BpInit       init;
  BpNetwork   *network;
  BpOptimizer *optimizer;
  /* dataset reference (NULL: none) */
  char        *dataset;
  gsize        dataset_rows;        /* 0: the dataset's default */
  double       dataset_noise;       /* < 0: the dataset's default */
  double       test_fraction;       /* default 0.2 */
  /* training settings */
  guint        epochs;              /* default 100 */
  gsize        batch_size;          /* default 32 */
  /* worked example (NULL when absent) */
  gsize        n_samples;
  double      *inputs;              /* n_samples × n_inputs */
  double      *targets;             /* n_samples × n_outputs */
  /* where training stands (NULL: not started, or not kept) */
  BpTrainProgress *progress;
};

BpModel *bp_model_new              (void);
void     bp_model_free             (BpModel *model);
BpModel *bp_model_copy             (const BpModel *model);

/* Whether a and b hold the same model, bit for bit (doubles by their bits:
 * −0 ≠ +0, a NaN equals the same NaN): name, description, seed, init; the
 * network as bp_network_equal compares it (widths, activations and their
 * parameters, cost_id and the cost's parameters, reduction, every W and b);
 * the optimizer (id, hyper-parameters, weight decay, t, state); the dataset
 * reference and the training settings; the worked example; the training
 * progress.  The gradients are not compared: they are scratch of the last
 * step.  The edit history uses it to skip edits that change nothing. */
gboolean bp_model_equal            (const BpModel *a,
                                    const BpModel *b);
/* The same comparison, saying where: the first member that differs
 * ("seed", "network", "optimizer state", "progress", …), or NULL when the
 * models are equal.  A static string (for messages and tests). */
const char *bp_model_diff         (const BpModel *a,
                                    const BpModel *b);

/* The built-in default experiment: 2-8-8-1 tanh/tanh/sigmoid, bce, adam,
 * on "moons". */
BpModel *bp_model_new_default      (void);

/* Refits the model to data of another shape: when the input or output
 * width differs, the first layer takes n_inputs, the output layer becomes
 * n_outputs wide with the activation and cost of the task (BpTask:
 * binary → sigmoid + bce, multiclass → softmax + softmax_ce, regression →
 * linear + mse), hidden layers keep their widths and activations, every
 * weight is initialised again from the model's seed and the optimizer's
 * state is cleared.  A worked example (inputs/targets) is dropped, and so
 * is the training progress.  Does nothing when the widths already match.
 * (bp-edit.h's dataset edit keeps the weights whose shapes do not change.) */
gboolean bp_model_fit_to_data      (BpModel  *model,
                                    gsize     n_inputs,
                                    gsize     n_outputs,
                                    int       task,
                                    GError  **error);

/* `reg` NULL means the default registry.  Errors name `display_name` (or
 * the path) and the place: "model.json: layers[1].W[3]: expected 8 numbers,
 * got 7". */
BpModel *bp_model_load_file        (const char  *path,
                                    BpRegistry  *reg,
                                    GError     **error);
BpModel *bp_model_load_data        (const char  *data,
                                    gssize       len,
                                    const char  *display_name,
                                    BpRegistry  *reg,
                                    GError     **error);
char    *bp_model_to_json          (const BpModel *model,
                                    gsize         *len);
gboolean bp_model_save_file        (const BpModel *model,
                                    const char    *path,
                                    GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BpModel, bp_model_free)

G_END_DECLS
