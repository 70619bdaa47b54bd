/* bpv-session-edit.c — every change to the model that is an undo step:
 * the settings (learning rate, batch size, weight decay, seed, optimizer,
 * cost, activations, hidden layers, dataset), bp-edit.h's edits and a reset
 * of the weights; undo and redo; saving and the checksum. */
#include "config.h"
#include "bpv-session-private.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <math.h>

#include "bp-registry.h"
#include "bpv-events.h"

/* A change made by a setter, recorded for undo: a copy of the model before
 * it (taken by change_begin), and a label for the menu. */
static BpModel *
change_begin (BpvSession *self)
{
  _bpv_session_record_training (self, self->thread != NULL && !self->stopping);
  _bpv_session_store_progress (self);
  return bp_model_copy (self->model);
}

/* Call it last: "edited" tells the window, which asks the stepper (can ←
 * step back?), so the stepper and the data must follow the model first. */
static void
change_end (BpvSession *self,
            BpModel    *before,
            char       *label)
{
  bp_edit_history_record (self->history, before, label);
  bpv_event ("EDIT %s layers=%zu", label, self->model->network->n_layers);
  g_free (label);
  _bpv_session_clear_fault (self);
  _bpv_session_emit (self, SIGNAL_EDITED);
}

/* A hyperparameter of the optimizer changed (recorded by change_end): a
 * run goes on with it, the number shown follows. */
static void
hyper_changed (BpvSession     *self,
               BpModel        *before,
               char           *label,
               BpvSessionProp  prop)
{
  change_end (self, before, label);
  _bpv_session_restart_if_running (self);
  _bpv_session_notify (self, prop);
  _bpv_session_emit_values (self);
}

/* An optimizer with decoupled decay has its own hyperparameter; the
 * others take BpOptimizer's weight_decay. */
static gboolean
has_own_decay (const BpOptimizer *opt)
{
  return bp_param_index (opt->desc->hyper_specs, opt->desc->n_hyper, "weight_decay") >= 0;
}

static void
reset_weights (BpvSession *self)
{
  BpRng rng;

  if (self->thread != NULL)
    _bpv_session_discard_thread (self);
  bpv_stepper_set_autoplay (self->stepper, FALSE);
  bp_rng_init (&rng, self->model->seed);
  bp_network_init_weights (_bpv_session_net (self), self->model->init, &rng);
  bp_network_zero_grad (_bpv_session_net (self));
  bp_optimizer_reset (self->model->optimizer, _bpv_session_net (self)->n_params);
  _bpv_session_clear_history (self);
  bpv_stepper_reset (self->stepper, 0);
  _bpv_session_invalidate_values (self);
  _bpv_session_notify (self, PROP_AUTOPLAY);
  _bpv_session_emit_values (self);
}

void
bpv_session_reset_weights (BpvSession *self)
{
  BpModel *before;

  g_return_if_fail (BPV_IS_SESSION (self));

  before = change_begin (self);
  reset_weights (self);
  change_end (self, before, g_strdup (_("Reset weights")));
}

gboolean
bpv_session_set_learning_rate (BpvSession *self,
                               double      lr,
                               GError    **error)
{
  g_return_val_if_fail (BPV_IS_SESSION (self), FALSE);

  BpModel *before;

  if (lr == bpv_session_get_learning_rate (self))
    return TRUE;
  before = change_begin (self);
  /* A cycle in flight takes the new rate at its update. */
  if (!bp_optimizer_set (self->model->optimizer, "lr", lr, error))
    {
      bp_model_free (before);
      return FALSE;
    }
  hyper_changed (self, before, g_strdup_printf (_("Change learning rate to %g"), lr),
                 PROP_LEARNING_RATE);
  return TRUE;
}

double
bpv_session_get_learning_rate (BpvSession *self)
{
  double lr = NAN;

  bp_optimizer_get (self->model->optimizer, "lr", &lr);
  return lr;
}

gboolean
bpv_session_set_schedule (BpvSession       *self,
                          const BpSchedule *schedule,
                          GError          **error)
{
  BpModel *before;
  g_autofree char *what = NULL;

  g_return_val_if_fail (BPV_IS_SESSION (self), FALSE);
  g_return_val_if_fail (schedule != NULL, FALSE);

  if (bp_schedule_equal (schedule, bpv_session_get_schedule (self)))
    return TRUE;
  before = change_begin (self);
  if (!bp_optimizer_set_schedule (self->model->optimizer, schedule, error))
    {
      bp_model_free (before);
      return FALSE;
    }
  what = bp_schedule_describe (schedule);
  hyper_changed (self, before, g_strdup_printf (_("Change schedule to %s"), what),
                 PROP_LEARNING_RATE);
  return TRUE;
}

const BpSchedule *
bpv_session_get_schedule (BpvSession *self)
{
  g_return_val_if_fail (BPV_IS_SESSION (self), NULL);

  return &self->model->optimizer->schedule;
}

void
bpv_session_set_batch_size (BpvSession *self,
                            gsize       batch_size)
{
  g_return_if_fail (BPV_IS_SESSION (self));

  BpModel *before;

  batch_size = MAX (batch_size, 1);
  if (batch_size == self->model->batch_size)
    return;
  before = change_begin (self);
  self->model->batch_size = batch_size;
  change_end (self, before, g_strdup_printf (_("Change batch size to %zu"), batch_size));
  _bpv_session_update_stepper_batch (self);
  _bpv_session_restart_if_running (self);
  _bpv_session_notify (self, PROP_BATCH_SIZE);
}

gsize
bpv_session_get_batch_size (BpvSession *self)
{
  return self->model->batch_size;
}

gboolean
bpv_session_set_weight_decay (BpvSession *self,
                              double      weight_decay,
                              GError    **error)
{
  BpOptimizer *opt;
  BpModel *before;

  g_return_val_if_fail (BPV_IS_SESSION (self), FALSE);

  opt = self->model->optimizer;
  if (weight_decay == bpv_session_get_weight_decay (self))
    return TRUE;
  if (!(weight_decay >= 0 && isfinite (weight_decay)))
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   _("weight decay must be a finite number ≥ 0"));
      return FALSE;
    }
  before = change_begin (self);
  if (has_own_decay (opt))
    {
      if (!bp_optimizer_set (opt, "weight_decay", weight_decay, error))
        {
          bp_model_free (before);
          return FALSE;
        }
    }
  else
    opt->weight_decay = weight_decay;
  hyper_changed (self, before, g_strdup_printf (_("Change weight decay to %g"), weight_decay),
                 PROP_WEIGHT_DECAY);
  return TRUE;
}

double
bpv_session_get_weight_decay (BpvSession *self)
{
  const BpOptimizer *opt = self->model->optimizer;
  double wd;

  if (has_own_decay (opt) && bp_optimizer_get (opt, "weight_decay", &wd))
    return wd;
  return opt->weight_decay;
}

void
bpv_session_set_seed (BpvSession *self,
                      guint64     seed)
{
  g_return_if_fail (BPV_IS_SESSION (self));

  BpModel *before;

  if (seed == self->model->seed)
    return;
  before = change_begin (self);
  self->model->seed = seed;
  _bpv_session_notify (self, PROP_SEED);
  /* The seed names the starting weights: start from them. */
  reset_weights (self);
  _bpv_session_rebuild_stepper (self);
  change_end (self, before, g_strdup_printf (_("Change seed to %" PRIu64), seed));
}

guint64
bpv_session_get_seed (BpvSession *self)
{
  return self->model->seed;
}

gboolean
bpv_session_set_optimizer (BpvSession *self,
                           const char *id,
                           GError    **error)
{
  BpOptimizer *old, *opt;
  BpModel *before;
  double lr = NAN, wd;
  gboolean was_running;

  g_return_val_if_fail (BPV_IS_SESSION (self), FALSE);

  old = self->model->optimizer;
  if (g_strcmp0 (old->id, id) == 0)
    return TRUE;
  opt = bp_optimizer_new (NULL, id, _bpv_session_net (self)->n_params, error);
  if (opt == NULL)
    return FALSE;
  /* The learning rate and decay carry over where the new one takes them. */
  if (bp_optimizer_get (old, "lr", &lr))
    bp_optimizer_set (opt, "lr", lr, NULL);
  /* So does the schedule, from the new optimizer's first step. */
  bp_optimizer_set_schedule (opt, &old->schedule, NULL);
  wd = bpv_session_get_weight_decay (self);
  if (has_own_decay (opt))
    bp_optimizer_set (opt, "weight_decay", wd, NULL);
  else
    opt->weight_decay = wd;

  was_running = self->thread != NULL && !self->stopping;
  _bpv_session_discard_thread (self);
  before = change_begin (self);
  bp_optimizer_free (old);
  self->model->optimizer = opt;
  _bpv_session_rebuild_stepper (self);
  change_end (self, before, g_strdup_printf (_("Change optimizer to %s"), id));
  _bpv_session_notify (self, PROP_LEARNING_RATE);
  _bpv_session_notify (self, PROP_WEIGHT_DECAY);
  if (was_running)
    _bpv_session_start_thread (self, NULL);
  _bpv_session_emit_values (self);
  return TRUE;
}

static void
network_changed_in_place (BpvSession *self)
{
  _bpv_session_discard_thread (self);
  bp_optimizer_reset (self->model->optimizer, _bpv_session_net (self)->n_params);
  bpv_stepper_reset (self->stepper, self->steps);
  _bpv_session_invalidate_values (self);
  _bpv_session_emit (self, SIGNAL_STRUCTURE_CHANGED);
  _bpv_session_emit_values (self);
}

gboolean
bpv_session_set_cost (BpvSession *self,
                      const char *id,
                      GError    **error)
{
  g_return_val_if_fail (BPV_IS_SESSION (self), FALSE);

  BpModel *before;

  if (g_strcmp0 (_bpv_session_net (self)->cost_id, id) == 0)
    return TRUE;
  before = change_begin (self);
  if (!bp_network_set_cost (_bpv_session_net (self), id, NULL, error))
    {
      bp_model_free (before);
      return FALSE;
    }
  change_end (self, before, g_strdup_printf (_("Change cost to %s"), id));
  network_changed_in_place (self);
  return TRUE;
}

gboolean
bpv_session_set_activation (BpvSession *self,
                            gsize       layer,
                            const char *id,
                            GError    **error)
{
  BpNetwork *net;
  BpModel *before;

  g_return_val_if_fail (BPV_IS_SESSION (self), FALSE);

  net = _bpv_session_net (self);
  g_return_val_if_fail (layer < net->n_layers, FALSE);
  if (g_strcmp0 (net->layers[layer].act_id, id) == 0)
    return TRUE;
  before = change_begin (self);
  if (!bp_network_set_activation (net, layer, id, NULL, error))
    {
      bp_model_free (before);
      return FALSE;
    }
  change_end (self, before,
              g_strdup_printf (_("Change activation of layer %zu to %s"), layer + 1, id));
  network_changed_in_place (self);
  return TRUE;
}

gboolean
bpv_session_set_hidden_layers (BpvSession  *self,
                               const gsize *widths,
                               gsize        n,
                               GError     **error)
{
  BpNetwork *old;
  g_autoptr(BpNetwork) net = NULL;
  const BpLayer *out;
  BpModel *before;
  BpRng rng;

  g_return_val_if_fail (BPV_IS_SESSION (self), FALSE);

  old = _bpv_session_net (self);
  if (n + 1 > BP_MAX_LAYERS)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   _("at most %d hidden layers"), BP_MAX_LAYERS - 1);
      return FALSE;
    }
  if (n == old->n_layers - 1)
    {
      gboolean same = TRUE;

      for (gsize l = 0; l < n; l++)
        same = same && widths[l] == old->layers[l].out;
      if (same)
        return TRUE;
    }
  if ((net = bp_network_new (old->n_inputs, error)) == NULL)
    return FALSE;
  for (gsize l = 0; l < n; l++)
    {
      /* A new layer takes the activation of the hidden layer it replaces,
       * or of the last hidden one. */
      const char *act = old->n_layers > 1
                        ? old->layers[MIN (l, old->n_layers - 2)].act_id : "tanh";

      if (!bp_network_add_layer (net, widths[l], act, NULL, error))
        return FALSE;
    }
  out = &old->layers[old->n_layers - 1];
  if (!bp_network_add_layer (net, out->out, out->act_id, out->act_params, error)
      || !bp_network_set_cost (net, old->cost_id, old->cost_params, error))
    return FALSE;
  net->reduction = old->reduction;

  _bpv_session_discard_thread (self);
  before = change_begin (self);
  bp_rng_init (&rng, self->model->seed);
  bp_network_init_weights (net, self->model->init, &rng);
  bp_network_free (self->model->network);
  self->model->network = g_steal_pointer (&net);
  bp_optimizer_reset (self->model->optimizer, self->model->network->n_params);
  _bpv_session_structure_changed (self);
  change_end (self, before, g_strdup (_("Change hidden layers")));
  return TRUE;
}

gboolean
bpv_session_set_dataset (BpvSession *self,
                         const char *name_or_path,
                         gsize       rows,
                         double      noise,
                         double      test_fraction,
                         GError    **error)
{
  BpModel *before;
  g_autofree char *label = NULL;

  g_return_val_if_fail (BPV_IS_SESSION (self), FALSE);
  g_return_val_if_fail (name_or_path != NULL, FALSE);

  /* The worker may still hold the old shape: it goes first. */
  _bpv_session_discard_thread (self);
  before = change_begin (self);
  if (!_bpv_session_load_dataset (self, name_or_path, rows, noise, test_fraction, error))
    {
      bp_model_free (before);
      return FALSE;
    }
  bp_optimizer_reset (self->model->optimizer, _bpv_session_net (self)->n_params);
  bpv_event ("DATASET %s rows=%zu features=%zu targets=%zu", self->data->name,
             self->data->n_rows, self->data->n_features, self->data->n_targets);
  /* The name may be the window's, which "structure-changed" rebuilds. */
  {
    g_autofree char *base = g_path_get_basename (name_or_path);

    label = g_strdup_printf (_("Change dataset to %s"), base);
  }
  _bpv_session_structure_changed (self);
  change_end (self, before, g_steal_pointer (&label));
  return TRUE;
}

/* ------------------------------------------------------------------ edits */

/* The model's contents were replaced (an edit, undo, redo): the data it
 * names, the stepper, the layouts and the settings shown follow it. */
void
_bpv_session_after_model_change (BpvSession *self)
{
  g_autofree char *key = _bpv_session_data_key (self->model);

  if (g_strcmp0 (key, self->data_key) != 0)
    {
      g_autoptr(GError) error = NULL;

      if (!_bpv_session_load_model_dataset (self, &error))
        _bpv_session_emit_message (self, error->message, TRUE);
    }
  _bpv_session_clear_fault (self);
  _bpv_session_structure_changed (self);
  _bpv_session_notify (self, PROP_LEARNING_RATE);
  _bpv_session_notify (self, PROP_WEIGHT_DECAY);
  _bpv_session_notify (self, PROP_BATCH_SIZE);
  _bpv_session_notify (self, PROP_SEED);
  _bpv_session_emit (self, SIGNAL_EDITED);
}

gboolean
bpv_session_edit (BpvSession   *self,
                  const BpEdit *edit,
                  GError      **error)
{
  g_autofree char *label = NULL;
  guint64 version;

  g_return_val_if_fail (BPV_IS_SESSION (self), FALSE);
  g_return_val_if_fail (edit != NULL, FALSE);

  label = bp_edit_describe (self->model, edit);
  /* The worker trains a copy of the old shape: it goes first. */
  _bpv_session_discard_thread (self);
  /* The undo step keeps where the run stood. */
  _bpv_session_store_progress (self);
  version = bp_edit_history_version (self->history);
  if (!bp_edit_apply (self->history, self->model, edit, error))
    return FALSE;
  if (bp_edit_history_version (self->history) == version)
    return TRUE;
  bpv_event ("EDIT %s layers=%zu", label, _bpv_session_net (self)->n_layers);
  _bpv_session_after_model_change (self);
  return TRUE;
}

static gboolean
undo_redo (BpvSession *self,
           gboolean    redo)
{
  g_autofree char *label = NULL;

  if (redo ? !bp_edit_can_redo (self->history) : !bp_edit_can_undo (self->history))
    return FALSE;
  label = g_strdup (redo ? bp_edit_redo_label (self->history)
                         : bp_edit_undo_label (self->history));
  _bpv_session_discard_thread (self);
  /* Training just recorded is what undo takes back first. */
  if (!redo && bp_edit_can_undo (self->history))
    {
      g_free (label);
      label = g_strdup (bp_edit_undo_label (self->history));
    }
  _bpv_session_store_progress (self);
  if (!(redo ? bp_edit_redo (self->history, self->model)
             : bp_edit_undo (self->history, self->model)))
    return FALSE;
  bpv_event ("%s %s layers=%zu", redo ? "REDO" : "UNDO", label, _bpv_session_net (self)->n_layers);
  _bpv_session_record_clear_shown (self);
  _bpv_session_after_model_change (self);
  _bpv_session_apply_progress (self);
  if (!redo)
    _bpv_session_record_after_undo (self);
  return TRUE;
}

gboolean
bpv_session_undo (BpvSession *self)
{
  g_return_val_if_fail (BPV_IS_SESSION (self), FALSE);
  return undo_redo (self, FALSE);
}

gboolean
bpv_session_redo (BpvSession *self)
{
  g_return_val_if_fail (BPV_IS_SESSION (self), FALSE);
  return undo_redo (self, TRUE);
}

const BpEditHistory *
bpv_session_get_history (BpvSession *self)
{
  g_return_val_if_fail (BPV_IS_SESSION (self), NULL);
  return self->history;
}

gboolean
bpv_session_is_dirty (BpvSession *self)
{
  g_return_val_if_fail (BPV_IS_SESSION (self), FALSE);
  return self->trained_unrecorded || bp_edit_history_is_dirty (self->history);
}

gboolean
bpv_session_save (BpvSession *self,
                  const char *path,
                  GError    **error)
{
  g_return_val_if_fail (BPV_IS_SESSION (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  /* While training, the run so far becomes an undo step, and the saved
   * state is the one after it. */
  _bpv_session_record_training (self, self->thread != NULL && !self->stopping);
  _bpv_session_store_progress (self);
  if (!bp_model_save_file (self->model, path, error))
    return FALSE;
  /* The recording beside it (MODEL.bprecord); none while a run holds it. */
  if (!bpv_session_save_record (self, path, error))
    return FALSE;
  bp_edit_history_mark_saved (self->history);
  _bpv_session_emit (self, SIGNAL_EDITED);
  return TRUE;
}

void
bpv_session_mark_changed (BpvSession *self)
{
  g_return_if_fail (BPV_IS_SESSION (self));

  bp_edit_history_mark_changed (self->history);
  _bpv_session_emit (self, SIGNAL_EDITED);
}

gboolean
bpv_session_write_copy (BpvSession *self,
                        const char *path,
                        GError    **error)
{
  g_return_val_if_fail (BPV_IS_SESSION (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  _bpv_session_store_progress (self);
  return bp_model_save_file (self->model, path, error);
}

char *
bpv_session_checksum (BpvSession *self)
{
  g_autofree char *json = NULL;
  g_autoptr(BpModel) copy = NULL;
  gsize len = 0;

  g_return_val_if_fail (BPV_IS_SESSION (self), NULL);

  /* The network and its settings, not where a run stands. */
  copy = bp_model_copy (self->model);
  g_clear_pointer (&copy->progress, bp_train_progress_free);
  if (copy->optimizer != NULL)
    bp_optimizer_reset (copy->optimizer, copy->network->n_params);
  json = bp_model_to_json (copy, &len);
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) json, len);
}

