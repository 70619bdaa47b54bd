/* bp-edit.c — edits to a model that keep what they can (the rules are in
 * bp-edit.h), and their labels.  The undo history is bp-edit-history.c.
 *
 * Every edit is worked on a copy of the model, which replaces the model's
 * contents only when the whole edit has succeeded: a failure anywhere
 * leaves nothing half done.  The edits that change the layers are
 * bp-edit-layers.c.
 */
#include "config.h"
#include "bp-edit.h"
#include "bp-edit-private.h"
#include "bp-registry.h"

#include <glib/gi18n-lib.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

G_DEFINE_QUARK (bp-edit-error-quark, bp_edit_error)

gboolean
_bp_edit_fail (GError     **error,
               BpEditError  code,
               const char  *fmt,
               ...)
{
  va_list args;

  va_start (args, fmt);
  g_propagate_error (error, g_error_new_valist (BP_EDIT_ERROR, code, fmt, args));
  va_end (args);
  return FALSE;
}

/* A bp_network_* / bp_optimizer_* error in the edit domain. */
gboolean
_bp_edit_fail_from (GError      **error,
                    GError       *local,
                    BpEditError   code)
{
  if (local->domain == BP_NETWORK_ERROR && local->code == BP_NETWORK_ERROR_UNKNOWN_ID)
    code = BP_EDIT_ERROR_UNKNOWN_ID;
  g_set_error_literal (error, BP_EDIT_ERROR, code, local->message);
  return FALSE;
}

/* --------------------------------------------------- activation and cost */

/* The cost an output activation goes with when the current cost cannot:
 * `wanted` if set, else the first registered cost that needs exactly this
 * activation, else mse. */
static const char *
cost_for_activation (const char *act_id,
                     const char *wanted)
{
  g_autofree const char **ids = NULL;
  guint n = 0;

  if (wanted != NULL)
    return wanted;
  ids = bp_registry_list_ids (NULL, BP_FEATURE_COST, &n);
  for (guint i = 0; i < n; i++)
    {
      const BpCostDesc *cost = bp_registry_lookup_cost (NULL, ids[i]);

      if (cost != NULL && g_strcmp0 (cost->output_activation, act_id) == 0)
        return cost->id;
    }
  return "mse";
}

/* Would setting `act_id` on `layer` clash with the cost? */
static gboolean
activation_clashes (const BpNetwork *net,
                    gsize            layer,
                    const char      *act_id)
{
  return layer + 1 == net->n_layers && net->cost->output_activation != NULL &&
         g_strcmp0 (net->cost->output_activation, act_id) != 0;
}

/* Output activation and cost together (the cost may need the activation,
 * and either order could be refused on the way). */
static gboolean
set_output_and_cost (BpNetwork     *net,
                     const char    *act_id,
                     const double  *act_params,
                     const char    *cost_id,
                     const double  *cost_params,
                     GError       **error)
{
  g_autoptr(GError) local = NULL;

  if (!bp_network_set_cost (net, "mse", NULL, &local) ||
      !bp_network_set_activation (net, net->n_layers - 1, act_id, act_params, &local))
    return _bp_edit_fail_from (error, local, BP_EDIT_ERROR_INVALID);
  if (!bp_network_set_cost (net, cost_id, cost_params, &local))
    return _bp_edit_fail_from (error, local, BP_EDIT_ERROR_COST);
  return TRUE;
}

static gboolean
set_activation (BpModel      *model,
                const BpEdit *e,
                GError      **error)
{
  BpNetwork *net = model->network;
  g_autoptr(GError) local = NULL;

  if (!_bp_edit_check_layer (net, e->layer, error) || !_bp_edit_check_activation (e->activation, error))
    return FALSE;
  if (activation_clashes (net, e->layer, e->activation))
    {
      const char *cost = cost_for_activation (e->activation, e->cost);

      if (!e->adapt)
        return _bp_edit_fail (error, BP_EDIT_ERROR_COST,
                          _("cost “%s” %s: the output layer (layer %zu) cannot become “%s” "
                            "unless the cost changes too"), net->cost_id,
                          net->cost->requires != NULL ? _(net->cost->requires)
                                                      : _("needs another output activation"),
                          net->n_layers, e->activation);
      if (bp_registry_lookup_cost (NULL, cost) == NULL)
        return _bp_edit_fail (error, BP_EDIT_ERROR_UNKNOWN_ID, _("unknown cost “%s”"), cost);
      return set_output_and_cost (net, e->activation, e->act_params, cost,
                                  e->cost != NULL ? e->cost_params : NULL, error);
    }
  if (!bp_network_set_activation (net, e->layer, e->activation, e->act_params, &local))
    return _bp_edit_fail_from (error, local, BP_EDIT_ERROR_INVALID);
  return TRUE;
}

static gboolean
set_cost (BpModel      *model,
          const BpEdit *e,
          GError      **error)
{
  BpNetwork *net = model->network;
  const BpLayer *last = &net->layers[net->n_layers - 1];
  g_autoptr(GError) local = NULL;
  const BpCostDesc *cost;

  if (e->cost == NULL || (cost = bp_registry_lookup_cost (NULL, e->cost)) == NULL)
    return _bp_edit_fail (error, BP_EDIT_ERROR_UNKNOWN_ID, "unknown cost “%s”",
                      e->cost != NULL ? e->cost : "(none)");
  if (cost->output_activation != NULL && g_strcmp0 (cost->output_activation, last->act_id) != 0)
    {
      if (!e->adapt)
        return _bp_edit_fail (error, BP_EDIT_ERROR_COST,
                          _("cost “%s” %s, but the output layer (layer %zu) is “%s”"),
                          cost->id, cost->requires != NULL ? _(cost->requires)
                                                           : _("needs another output activation"),
                          net->n_layers, last->act_id);
      if (!_bp_edit_check_activation (cost->output_activation, error))
        return FALSE;
      return set_output_and_cost (net, cost->output_activation, NULL, cost->id, e->cost_params,
                                  error);
    }
  if (!bp_network_set_cost (net, cost->id, e->cost_params, &local))
    return _bp_edit_fail_from (error, local, BP_EDIT_ERROR_INVALID);
  return TRUE;
}

/* ----------------------------------------------------- optimizer, settings */

static gboolean
set_optimizer (BpModel      *model,
               const BpEdit *e,
               GError      **error)
{
  g_autoptr(BpOptimizer) opt = NULL;
  g_autoptr(GError) local = NULL;

  if (e->optimizer == NULL)
    return _bp_edit_fail (error, BP_EDIT_ERROR_UNKNOWN_ID, "unknown optimizer “(none)”");
  if ((opt = bp_optimizer_new (NULL, e->optimizer, model->network->n_params, &local)) == NULL)
    return _bp_edit_fail_from (error, local, BP_EDIT_ERROR_UNKNOWN_ID);
  for (gsize i = 0; i < e->n_hyper; i++)
    if (!bp_optimizer_set (opt, e->hyper_names[i], e->hyper_values[i], &local))
      return _bp_edit_fail_from (error, local, BP_EDIT_ERROR_INVALID);
  bp_optimizer_free (model->optimizer);
  model->optimizer = g_steal_pointer (&opt);
  return TRUE;
}

static gboolean
set_hyper (BpModel      *model,
           const BpEdit *e,
           GError      **error)
{
  g_autoptr(GError) local = NULL;

  if (model->optimizer == NULL)
    return _bp_edit_fail (error, BP_EDIT_ERROR_INVALID, "the model has no optimizer");
  if (e->name == NULL)
    return _bp_edit_fail (error, BP_EDIT_ERROR_INVALID, "no hyperparameter named");
  if (!bp_optimizer_set (model->optimizer, e->name, e->value, &local))
    return _bp_edit_fail_from (error, local, BP_EDIT_ERROR_INVALID);
  return TRUE;
}

static gboolean
set_training (BpModel      *model,
              const BpEdit *e,
              GError      **error)
{
  if (e->epochs > G_MAXINT)
    return _bp_edit_fail (error, BP_EDIT_ERROR_INVALID, "%u epochs is out of range (0 to %d)",
                      e->epochs, G_MAXINT);
  if (e->batch_size < 1 || e->batch_size > BP_MODEL_MAX_BATCH_SIZE)
    return _bp_edit_fail (error, BP_EDIT_ERROR_INVALID,
                      "batch size %zu is out of range (1 to %d)", e->batch_size,
                      BP_MODEL_MAX_BATCH_SIZE);
  model->epochs = e->epochs;
  model->batch_size = e->batch_size;
  return TRUE;
}

static void
task_output (int          task,
             const char **act,
             const char **cost)
{
  switch (task)
    {
    case BP_TASK_BINARY:
      *act = "sigmoid";
      *cost = "bce";
      break;
    case BP_TASK_MULTICLASS:
      *act = "softmax";
      *cost = "softmax_ce";
      break;
    default:
      *act = "linear";
      *cost = "mse";
      break;
    }
}

static gboolean
set_dataset (BpModel      *model,
             const BpEdit *e,
             GError      **error)
{
  const BpNetwork *old = model->network;
  gboolean refit;

  if (e->dataset != NULL)
    {
      if (e->dataset[0] == '\0')
        return _bp_edit_fail (error, BP_EDIT_ERROR_INVALID, "the dataset name is empty");
      if (e->rows > BP_MODEL_MAX_DATASET_ROWS)
        return _bp_edit_fail (error, BP_EDIT_ERROR_INVALID,
                          "%zu rows is out of range (0 for the default, up to %d)",
                          e->rows, BP_MODEL_MAX_DATASET_ROWS);
      if (isnan (e->noise) || isinf (e->noise))
        return _bp_edit_fail (error, BP_EDIT_ERROR_INVALID, "the noise must be a finite number");
      if (!(e->test_fraction >= 0.0 && e->test_fraction < 1.0))
        return _bp_edit_fail (error, BP_EDIT_ERROR_INVALID,
                          "the test fraction %g is out of range [0, 1)", e->test_fraction);
    }
  if ((e->n_inputs == 0) != (e->n_outputs == 0))
    return _bp_edit_fail (error, BP_EDIT_ERROR_INVALID,
                      "give both the input and the output width of the data, or neither");
  if (e->n_inputs > 0 && (!_bp_edit_check_width (e->n_inputs, error) || !_bp_edit_check_width (e->n_outputs, error)))
    return FALSE;
  if (e->n_inputs > 0 && (e->task < BP_TASK_REGRESSION || e->task > BP_TASK_MULTICLASS))
    return _bp_edit_fail (error, BP_EDIT_ERROR_INVALID, "unknown task %d", e->task);

  refit = e->n_inputs > 0 &&
          (e->n_inputs != old->n_inputs || e->n_outputs != bp_network_n_outputs (old));
  if (refit)
    {
      const char *act, *cost;

      task_output (e->task, &act, &cost);
      if (!_bp_edit_refit (model, e->n_inputs, e->n_outputs, act, cost, error))
        return FALSE;
      g_clear_pointer (&model->inputs, g_free);
      g_clear_pointer (&model->targets, g_free);
      model->n_samples = 0;
    }

  g_free (model->dataset);
  model->dataset = g_strdup (e->dataset);
  if (e->dataset != NULL)
    {
      model->dataset_rows = e->rows;
      model->dataset_noise = e->noise < 0 ? -1.0 : e->noise;
      model->test_fraction = e->test_fraction;
    }
  /* New data: a new run. */
  if (model->optimizer != NULL)
    bp_optimizer_reset (model->optimizer, model->network->n_params);
  g_clear_pointer (&model->progress, bp_train_progress_free);
  return TRUE;
}

static void
reset_weights (BpModel *model)
{
  BpRng rng;

  bp_rng_init (&rng, model->seed);
  bp_network_init_weights (model->network, model->init, &rng);
  if (model->optimizer != NULL)
    bp_optimizer_reset (model->optimizer, model->network->n_params);
  g_clear_pointer (&model->progress, bp_train_progress_free);
}

/* Works the edit on `model`, a scratch copy: on FALSE it may be half
 * done. */
static gboolean
perform_on (BpModel      *model,
            const BpEdit *e,
            GError      **error)
{
  BpNetwork *net = model->network;

  switch (e->kind)
    {
    case BP_EDIT_SET_ACTIVATION:
      return set_activation (model, e, error);
    case BP_EDIT_INSERT_LAYER:
    case BP_EDIT_INSERT_TYPED:
    case BP_EDIT_REMOVE_LAYER:
    case BP_EDIT_MOVE_LAYER:
    case BP_EDIT_SET_WIDTH:
    case BP_EDIT_ADD_UNIT:
    case BP_EDIT_REMOVE_UNIT:
    case BP_EDIT_ADD_SKIP:
    case BP_EDIT_REMOVE_SKIP:
      return _bp_edit_perform_layers (model, e, error);
    case BP_EDIT_SET_COST:
      return set_cost (model, e, error);
    case BP_EDIT_SET_REDUCTION:
      if (e->reduction != BP_REDUCTION_MEAN && e->reduction != BP_REDUCTION_SUM)
        return _bp_edit_fail (error, BP_EDIT_ERROR_INVALID, "unknown reduction %d", e->reduction);
      net->reduction = e->reduction;
      return TRUE;
    case BP_EDIT_SET_OPTIMIZER:
      return set_optimizer (model, e, error);
    case BP_EDIT_SET_HYPER:
      return set_hyper (model, e, error);
    case BP_EDIT_SET_TRAINING:
      return set_training (model, e, error);
    case BP_EDIT_SET_DATASET:
      return set_dataset (model, e, error);
    case BP_EDIT_RESET_WEIGHTS:
      reset_weights (model);
      return TRUE;
    case BP_EDIT_SET_SEED:
      model->seed = e->seed;
      if (e->reset)
        reset_weights (model);
      g_clear_pointer (&model->progress, bp_train_progress_free);
      return TRUE;
    case BP_EDIT_SET_INIT:
      if ((guint) e->init > BP_INIT_AUTO)
        return _bp_edit_fail (error, BP_EDIT_ERROR_INVALID, "unknown initialisation %d", e->init);
      model->init = e->init;
      if (e->reset)
        reset_weights (model);
      return TRUE;
    default:
      return _bp_edit_fail (error, BP_EDIT_ERROR_INVALID, "unknown edit %d", e->kind);
    }
}

void
_bp_edit_swap_models (BpModel *a,
                      BpModel *b)
{
  BpModel t = *a;

  *a = *b;
  *b = t;
}

BpModel *
_bp_edit_perform_copy (const BpModel *model,
                       const BpEdit  *edit,
                       GError       **error)
{
  g_autoptr(BpModel) work = bp_model_copy (model);

  if (!perform_on (work, edit, error))
    return NULL;
  return g_steal_pointer (&work);
}

gboolean
bp_edit_perform (BpModel      *model,
                 const BpEdit *edit,
                 GError      **error)
{
  g_autoptr(BpModel) work = NULL;

  g_return_val_if_fail (model != NULL && model->network != NULL, FALSE);
  g_return_val_if_fail (edit != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((work = _bp_edit_perform_copy (model, edit, error)) == NULL)
    return FALSE;
  _bp_edit_swap_models (model, work);
  return TRUE;
}

/* --------------------------------------------------------------- labels */

/* "Add a unit to layer 2"; with the layers skips tie to it, "Add a unit to
 * layers 2 and 4 (a skip ties their widths)". */
static char *
describe_width (const BpNetwork *net,
                const BpEdit    *e)
{
  gsize tied[BP_MAX_LAYERS], n = 1;
  g_autoptr(GString) layers = g_string_new (NULL);

  if (e->with_skips && e->layer < net->n_layers && net->layers[e->layer].type == BP_LAYER_DENSE)
    n = bp_edit_skip_tied (net, e->layer, tied, NULL);
  if (n <= 1)
    {
      if (e->kind == BP_EDIT_SET_WIDTH)
        return g_strdup_printf (_("Change width of layer %zu to %zu"), e->layer + 1, e->width);
      if (e->kind == BP_EDIT_ADD_UNIT)
        return g_strdup_printf (_("Add a unit to layer %zu"), e->layer + 1);
      return g_strdup_printf (_("Remove unit %zu of layer %zu"), e->unit + 1, e->layer + 1);
    }
  for (gsize i = 0; i < n; i++)
    g_string_append_printf (layers, "%s%zu", i == 0 ? "" : i + 1 < n ? ", " : _(" and "),
                            tied[i] + 1);
  if (e->kind == BP_EDIT_SET_WIDTH)
    return g_strdup_printf (_("Change width of layers %s to %zu (a skip ties their widths)"),
                            layers->str, e->width);
  if (e->kind == BP_EDIT_ADD_UNIT)
    return g_strdup_printf (_("Add a unit to layers %s (a skip ties their widths)"), layers->str);
  return g_strdup_printf (_("Remove unit %zu of layers %s (a skip ties their widths)"),
                          e->unit + 1, layers->str);
}

char *
bp_edit_describe (const BpModel *model,
                  const BpEdit  *e)
{
  const BpNetwork *net;

  g_return_val_if_fail (model != NULL && model->network != NULL && e != NULL, NULL);

  net = model->network;
  switch (e->kind)
    {
    case BP_EDIT_INSERT_LAYER:
      return g_strdup_printf (_("Insert layer %zu (%zu %s)"), e->layer + 1, e->width,
                              e->activation != NULL ? e->activation : "?");
    case BP_EDIT_REMOVE_LAYER:
      if (e->layer < net->n_layers && net->layers[e->layer].type != BP_LAYER_DENSE)
        return g_strdup_printf (_("Remove %s (layer %zu)"), _bp_edit_type_name (net->layers[e->layer].type),
                                e->layer + 1);
      if (e->layer < net->n_layers)
        return g_strdup_printf (_("Remove layer %zu (%zu %s)"), e->layer + 1,
                                net->layers[e->layer].out, net->layers[e->layer].act_id);
      return g_strdup_printf (_("Remove layer %zu"), e->layer + 1);
    case BP_EDIT_MOVE_LAYER:
      return g_strdup_printf (_("Move layer %zu to position %zu"), e->layer + 1, e->to + 1);
    case BP_EDIT_SET_ACTIVATION:
      if (e->adapt && e->layer < net->n_layers &&
          activation_clashes (net, e->layer, e->activation))
        return g_strdup_printf (_("Change activation of layer %zu to %s, cost to %s"),
                                e->layer + 1, e->activation,
                                cost_for_activation (e->activation, e->cost));
      return g_strdup_printf (_("Change activation of layer %zu to %s"), e->layer + 1,
                              e->activation != NULL ? e->activation : "?");
    case BP_EDIT_SET_WIDTH:
    case BP_EDIT_ADD_UNIT:
    case BP_EDIT_REMOVE_UNIT:
      return describe_width (net, e);
    case BP_EDIT_SET_COST:
      {
        const BpCostDesc *cost = e->cost != NULL ? bp_registry_lookup_cost (NULL, e->cost) : NULL;
        const char *last = net->layers[net->n_layers - 1].act_id;

        if (e->adapt && cost != NULL && cost->output_activation != NULL &&
            g_strcmp0 (cost->output_activation, last) != 0)
          return g_strdup_printf (_("Change cost to %s, output activation to %s"), cost->id,
                                  cost->output_activation);
        return g_strdup_printf (_("Change cost to %s"), e->cost != NULL ? e->cost : "?");
      }
    case BP_EDIT_SET_REDUCTION:
      return g_strdup (e->reduction == BP_REDUCTION_SUM ? _("Change reduction to sum")
                                                  : _("Change reduction to mean"));
    case BP_EDIT_SET_OPTIMIZER:
      return g_strdup_printf (_("Change optimizer to %s"), e->optimizer != NULL ? e->optimizer : "?");
    case BP_EDIT_SET_HYPER:
      return g_strdup_printf (_("Change %s to %g"), e->name != NULL ? e->name : "?", e->value);
    case BP_EDIT_SET_TRAINING:
      if (e->epochs != model->epochs && e->batch_size != model->batch_size)
        return g_strdup_printf (_("Change epochs to %u and batch size to %zu"),
                                e->epochs, e->batch_size);
      if (e->epochs != model->epochs)
        return g_strdup_printf (_("Change epochs to %u"), e->epochs);
      return g_strdup_printf (_("Change batch size to %zu"), e->batch_size);
    case BP_EDIT_SET_DATASET:
      if (e->dataset == NULL)
        return g_strdup (_("Remove the dataset"));
      if (g_strcmp0 (e->dataset, model->dataset) == 0)
        return g_strdup_printf (_("Change settings of dataset %s"), e->dataset);
      return g_strdup_printf (_("Change dataset to %s"), e->dataset);
    case BP_EDIT_ADD_SKIP:
      /* Onto a layer that has a skip: its start moves (one step). */
      if (e->layer < net->n_layers && net->layers[e->layer].skip_from >= 0)
        return g_strdup_printf (_("Move skip connection a(%zd) → a(%zu) to a(%zu) → a(%zu)"),
                                net->layers[e->layer].skip_from, e->layer + 1, e->from,
                                e->layer + 1);
      return g_strdup_printf (_("Add skip connection a(%zu) → a(%zu)"), e->from, e->layer + 1);
    case BP_EDIT_REMOVE_SKIP:
      if (e->layer < net->n_layers && net->layers[e->layer].skip_from >= 0)
        return g_strdup_printf (_("Remove skip connection a(%zd) → a(%zu)"),
                                net->layers[e->layer].skip_from, e->layer + 1);
      return g_strdup_printf (_("Remove skip connection into a(%zu)"), e->layer + 1);
    case BP_EDIT_INSERT_TYPED:
      if (e->layer == 0)
        return g_strdup_printf (_("Insert %s after the input"), _bp_edit_type_name (e->layer_type));
      return g_strdup_printf (_("Insert %s after layer %zu"), _bp_edit_type_name (e->layer_type), e->layer);
    case BP_EDIT_RESET_WEIGHTS:
      return g_strdup_printf (_("Reset weights from seed %" PRIu64), model->seed);
    case BP_EDIT_SET_SEED:
      return g_strdup_printf (e->reset ? _("Change seed to %" PRIu64 " and reset weights")
                                       : _("Change seed to %" PRIu64), e->seed);
    case BP_EDIT_SET_INIT:
      return g_strdup_printf (e->reset ? _("Change initialisation to %s and reset weights")
                                       : _("Change initialisation to %s"),
                              (guint) e->init <= BP_INIT_AUTO ? bp_init_to_string (e->init)
                                                                   : "?");
    default:
      return g_strdup (_("Edit"));
    }
}
