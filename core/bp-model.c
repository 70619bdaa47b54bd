/* bp-model.c — the model object: a network with its optimizer, dataset
 * reference, training settings, worked example and progress; the default
 * experiment, copying, comparing, refitting to data of another shape.
 *
 * The file format is bp-model.h's.  Reading it is bp-model-read.c (with
 * bp-model-read-progress.c for "progress" and bp-model-prescan.c for what
 * json-glib does not check), writing it bp-model-write.c.
 */
#include "config.h"
#include "bp-model.h"
#include "bp-dataset.h"

#include <glib/gi18n-lib.h>
#include <string.h>

G_DEFINE_QUARK (bp-model-error-quark, bp_model_error)

BpModel *
bp_model_new (void)
{
  BpModel *model = g_new0 (BpModel, 1);

  model->name = g_strdup ("");
  model->description = g_strdup ("");
  model->seed = 0;
  model->init = BP_INIT_GLOROT_UNIFORM;
  model->dataset_noise = -1.0;
  model->test_fraction = 0.2;
  model->epochs = 100;
  model->batch_size = 32;
  return model;
}

void
bp_model_free (BpModel *model)
{
  if (model == NULL)
    return;
  g_free (model->name);
  g_free (model->description);
  bp_network_free (model->network);
  bp_optimizer_free (model->optimizer);
  g_free (model->dataset);
  g_free (model->inputs);
  g_free (model->targets);
  bp_train_progress_free (model->progress);
  g_free (model);
}

BpModel *
bp_model_copy (const BpModel *model)
{
  BpModel *copy;

  g_return_val_if_fail (model != NULL, NULL);

  copy = g_new0 (BpModel, 1);
  *copy = *model;
  copy->name = g_strdup (model->name);
  copy->description = g_strdup (model->description);
  copy->network = model->network != NULL ? bp_network_copy (model->network) : NULL;
  copy->optimizer = model->optimizer != NULL ? bp_optimizer_copy (model->optimizer) : NULL;
  copy->dataset = g_strdup (model->dataset);
  copy->progress = model->progress != NULL ? bp_train_progress_copy (model->progress) : NULL;
  copy->inputs = NULL;
  copy->targets = NULL;
  if (model->network != NULL && model->inputs != NULL && model->targets != NULL)
    {
      gsize n_in = model->network->n_inputs;
      gsize n_out = bp_network_n_outputs (model->network);

      copy->inputs = g_memdup2 (model->inputs, model->n_samples * n_in * sizeof (double));
      copy->targets = g_memdup2 (model->targets, model->n_samples * n_out * sizeof (double));
    }
  else
    copy->n_samples = 0;
  return copy;
}

/* memcmp, but two empty arrays are equal whatever their pointers. */
static gboolean
same_bits (const void *a,
           const void *b,
           gsize       n)
{
  return n == 0 || memcmp (a, b, n) == 0;
}

const char *
bp_model_diff (const BpModel *a,
               const BpModel *b)
{
  const BpOptimizer *oa, *ob;

  g_return_val_if_fail (a != NULL && b != NULL, NULL);

  oa = a->optimizer;
  ob = b->optimizer;
  if (g_strcmp0 (a->name, b->name) != 0)
    return "name";
  if (g_strcmp0 (a->description, b->description) != 0)
    return "description";
  if (a->seed != b->seed)
    return "seed";
  if (a->init != b->init)
    return "init";
  if ((a->network == NULL) != (b->network == NULL) ||
      (a->network != NULL && !bp_network_equal (a->network, b->network)))
    return "network";
  if (g_strcmp0 (a->dataset, b->dataset) != 0)
    return "dataset";
  if (a->dataset_rows != b->dataset_rows)
    return "dataset_rows";
  if (!same_bits (&a->dataset_noise, &b->dataset_noise, sizeof (double)))
    return "dataset_noise";
  if (!same_bits (&a->test_fraction, &b->test_fraction, sizeof (double)))
    return "test_fraction";
  if (a->epochs != b->epochs)
    return "epochs";
  if (a->batch_size != b->batch_size)
    return "batch_size";
  if ((oa == NULL) != (ob == NULL))
    return "optimizer";
  if (oa != NULL &&
      (g_strcmp0 (oa->id, ob->id) != 0 || oa->n_params != ob->n_params))
    return "optimizer";
  if (oa != NULL && !same_bits (oa->hyper, ob->hyper, oa->desc->n_hyper * sizeof (double)))
    return "optimizer hyper-parameters";
  if (oa != NULL && !same_bits (&oa->weight_decay, &ob->weight_decay, sizeof (double)))
    return "optimizer weight_decay";
  if (oa != NULL && oa->t != ob->t)
    return "optimizer t";
  if (oa != NULL && (!bp_schedule_equal (&oa->schedule, &ob->schedule) ||
                     bp_optimizer_schedule_step (oa) != bp_optimizer_schedule_step (ob)))
    return "optimizer schedule";
  if (oa != NULL &&
      !same_bits (oa->state, ob->state, bp_optimizer_state_size (oa) * sizeof (double)))
    return "optimizer state";
  if (a->n_samples != b->n_samples || (a->inputs == NULL) != (b->inputs == NULL))
    return "worked example (inputs/targets)";
  if (a->inputs != NULL &&
      (!same_bits (a->inputs, b->inputs,
                   a->n_samples * a->network->n_inputs * sizeof (double)) ||
       !same_bits (a->targets, b->targets,
                   a->n_samples * bp_network_n_outputs (a->network) * sizeof (double))))
    return "worked example (inputs/targets)";
  if ((a->progress == NULL) != (b->progress == NULL) ||
      (a->progress != NULL && !bp_train_progress_equal (a->progress, b->progress)))
    return "progress";
  return NULL;
}

gboolean
bp_model_equal (const BpModel *a,
                const BpModel *b)
{
  return bp_model_diff (a, b) == NULL;
}

BpModel *
bp_model_new_default (void)
{
  g_autoptr(BpModel) model = bp_model_new ();
  g_autoptr(GError) error = NULL;
  static const struct { gsize out; const char *act; } layers[] = {
    { 8, "tanh" }, { 8, "tanh" }, { 1, "sigmoid" },
  };
  BpRng rng;

  g_free (model->name);
  g_free (model->description);
  model->name = g_strdup ("Default experiment");
  model->description = g_strdup ("A 2-8-8-1 tanh network learning to separate the two "
                                 "interleaved half-moons, trained with Adam on "
                                 "binary cross-entropy.");
  model->seed = 42;
  /* Glorot for its tanh layers, He for relu layers a user drags in. */
  model->init = BP_INIT_AUTO;

  /* Only the built-ins are used: a failure here is a bug, not user input. */
  model->network = bp_network_new (2, &error);
  for (gsize l = 0; model->network != NULL && error == NULL && l < G_N_ELEMENTS (layers); l++)
    bp_network_add_layer (model->network, layers[l].out, layers[l].act, NULL, &error);
  if (error == NULL)
    bp_network_set_cost (model->network, "bce", NULL, &error);
  if (error == NULL)
    model->optimizer = bp_optimizer_new (NULL, "adam", model->network->n_params, &error);
  if (error == NULL)
    bp_optimizer_set (model->optimizer, "lr", 0.03, &error);
  if (error != NULL)
    {
      g_critical ("bp_model_new_default: %s", error->message);
      return NULL;
    }

  bp_rng_init (&rng, model->seed);
  bp_network_init_weights (model->network, model->init, &rng);

  model->dataset = g_strdup ("moons");
  model->dataset_rows = 400;
  model->dataset_noise = -1.0;
  model->test_fraction = 0.2;
  model->epochs = 200;
  model->batch_size = 16;
  return g_steal_pointer (&model);
}

gboolean
bp_model_fit_to_data (BpModel  *model,
                      gsize     n_inputs,
                      gsize     n_outputs,
                      int       task,
                      GError  **error)
{
  const BpNetwork *old = model->network;
  g_autoptr(BpNetwork) net = NULL;
  g_autoptr(BpOptimizer) opt = NULL;
  const char *out_act, *cost;
  BpRng rng;

  g_return_val_if_fail (model != NULL && model->network != NULL, FALSE);

  if (old->n_inputs == n_inputs && bp_network_n_outputs (old) == n_outputs)
    return TRUE;
  /* Rebuilding keeps dense layers only: say so rather than lose the rest. */
  if (!bp_network_is_plain (old))
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_SHAPE,
                   _("the data has %zu inputs and %zu outputs, the network %zu and %zu; a "
                     "network with other layers than dense ones is not refitted to new data"),
                   n_inputs, n_outputs, old->n_inputs, bp_network_n_outputs (old));
      return FALSE;
    }

  switch (task)
    {
    case BP_TASK_BINARY:
      out_act = "sigmoid";
      cost = "bce";
      break;
    case BP_TASK_MULTICLASS:
      out_act = "softmax";
      cost = "softmax_ce";
      break;
    default:
      out_act = "linear";
      cost = "mse";
      break;
    }

  /* The hidden layers keep their widths and activations; the first takes
   * the new inputs, the output layer is rebuilt for the task. */
  if ((net = bp_network_new (n_inputs, error)) == NULL)
    return FALSE;
  for (gsize l = 0; l + 1 < old->n_layers; l++)
    if (!bp_network_add_layer (net, old->layers[l].out, old->layers[l].act_id,
                               old->layers[l].act_params, error))
      return FALSE;
  if (!bp_network_add_layer (net, n_outputs, out_act, NULL, error) ||
      !bp_network_set_cost (net, cost, NULL, error))
    return FALSE;
  net->reduction = old->reduction;

  opt = bp_optimizer_copy (model->optimizer);
  bp_optimizer_reset (opt, net->n_params);

  bp_rng_init (&rng, model->seed);
  bp_network_init_weights (net, model->init, &rng);

  bp_network_free (model->network);
  model->network = g_steal_pointer (&net);
  bp_optimizer_free (model->optimizer);
  model->optimizer = g_steal_pointer (&opt);
  g_clear_pointer (&model->inputs, g_free);
  g_clear_pointer (&model->targets, g_free);
  model->n_samples = 0;
  g_clear_pointer (&model->progress, bp_train_progress_free);
  return TRUE;
}

