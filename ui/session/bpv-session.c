/* bpv-session.c — one experiment as the window shows it: the object, its
 * properties and signals, the model and its data, what is shown (trace,
 * probe, render state), the selection and the fault.  The rest of the
 * family is listed in bpv-session-private.h. */
#include "config.h"
#include "bpv-session-private.h"

#include <glib/gi18n.h>
#include <string.h>

#include <math.h>

#include "bp-util.h"
#include "bpv-events.h"

/* A model that names no optimizer trains with plain gradient descent, and
 * one without a batch size takes mini-batches of 16 (the "batch-size"
 * property's default). */
#define DEFAULT_OPTIMIZER  "sgd"
#define DEFAULT_BATCH_SIZE 16
/* The "batch-size" property's upper bound: more rows than any dataset the
 * app opens, so that it only guards against nonsense. */
#define MAX_BATCH_SIZE     1000000
/* The speed slider starts in the middle (see bpv_session_set_speed). */
#define DEFAULT_SPEED      0.5
/* At least this much of a dataset trains: a test fraction above it would
 * leave too few rows to learn from. */
#define MAX_TEST_FRACTION  0.9
/* The ranges the properties accept, and their defaults (what a slider or
 * spin button bound to them offers): a learning rate from 1e-6 to 100
 * (0.1 to begin with), a weight decay up to 10, and the default
 * experiment's seed (bp-model.c). */
#define LR_MIN             1e-6
#define LR_MAX             100.0
#define LR_DEFAULT         0.1
#define WEIGHT_DECAY_MAX   10.0
#define SEED_DEFAULT       42
/* A split needs a row on each side. */
#define MIN_DATASET_ROWS   2
/* Inputs shown as an image: a square of at least 4×4 pixels (fewer are
 * drawn as separate neurons). */
#define MIN_IMAGE_INPUTS   16

G_DEFINE_FINAL_TYPE (BpvSession, bpv_session, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void prepare_shown (BpvSession *self);

/* ---------------------------------------------------------------- helpers */

void
_bpv_session_notify (BpvSession     *self,
                     BpvSessionProp  prop)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

void
_bpv_session_emit (BpvSession       *self,
                   BpvSessionSignal  signal)
{
  g_signal_emit (self, signals[signal], 0);
}

/* Numbers changed (not only the animation's progress): what is shown is
 * brought up to date here, so that drawing only reads. */
void
_bpv_session_emit_values (BpvSession *self)
{
  self->values_serial++;
  prepare_shown (self);
  _bpv_session_emit (self, SIGNAL_VALUES_CHANGED);
}

/* Only a redraw: the maps arrived, the animation moved. */
void
_bpv_session_emit_redraw (BpvSession *self)
{
  _bpv_session_emit (self, SIGNAL_VALUES_CHANGED);
}

void
_bpv_session_emit_message (BpvSession *self,
                           const char *text,
                           gboolean    is_error)
{
  if (is_error)
    bpv_event ("ERROR %s", text);
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, text, is_error);
}

static void
clamp_selection (BpvSession *self)
{
  const BpNetwork *net = _bpv_session_net (self);
  BpvHit *h = &self->selection;
  gboolean ok = TRUE;

  if (h->kind == BPV_HIT_NEURON)
    ok = h->layer <= net->n_layers
         && h->j < (h->layer == 0 ? net->n_inputs : net->layers[h->layer - 1].out);
  else if (h->kind == BPV_HIT_EDGE)
    ok = h->layer >= 1 && h->layer <= net->n_layers
         && h->j < net->layers[h->layer - 1].out && h->k < net->layers[h->layer - 1].in
         /* batch/layer norm and dropout: edge (j, j) only */
         && (net->layers[h->layer - 1].type == BP_LAYER_DENSE || h->j == h->k);
  else if (h->kind == BPV_HIT_SKIP)
    ok = h->layer >= 1 && h->layer <= net->n_layers
         && net->layers[h->layer - 1].type == BP_LAYER_DENSE
         && net->layers[h->layer - 1].skip_from >= 0
         && h->j == (gsize) net->layers[h->layer - 1].skip_from;
  if (!ok)
    {
      BpvHit none = BPV_HIT_INIT;

      *h = none;
      _bpv_session_emit (self, SIGNAL_SELECTION_CHANGED);
    }
}

/* Training stopped on `fault`: keep it, select the value at fault so that
 * the inspector shows its numbers, and show the sample it happened on (the
 * probe runs the parameters of before the step: the same numbers). */
void
_bpv_session_set_fault (BpvSession         *self,
                        const BpTrainFault *fault)
{
  BpvHit hit;

  self->fault = *fault;
  bpv_event ("FAULT kind=%s layer=%zu unit=%zu input=%zu sample=%zu row=%zu step=%" G_GUINT64_FORMAT
             " value=%s", bp_train_fault_kind_to_string (fault->kind), fault->layer, fault->unit,
             fault->input, fault->sample, fault->row, fault->step,
             bp_nonfinite_name (fault->value) != NULL ? bp_nonfinite_name (fault->value)
                                                      : "finite");
  if (fault->row >= 1 && fault->row <= self->train->n_rows)
    {
      self->probe_row = fault->row - 1;
      self->probe_dirty = TRUE;
    }
  if (bpv_render_fault_hit (fault, &hit) && !bpv_hit_equal (&hit, &self->selection))
    {
      self->selection = hit;
      clamp_selection (self);
      _bpv_session_emit (self, SIGNAL_SELECTION_CHANGED);
    }
  _bpv_session_notify (self, PROP_HAS_FAULT);
}

/* The fault no longer describes the network (an edit, undo, a reset, a new
 * run): its marker and the offer to fix it go. */
void
_bpv_session_clear_fault (BpvSession *self)
{
  if (self->fault.kind == BP_TRAIN_FAULT_NONE)
    return;
  self->fault.kind = BP_TRAIN_FAULT_NONE;
  bpv_event ("FAULT cleared");
  _bpv_session_notify (self, PROP_HAS_FAULT);
}

void
_bpv_session_invalidate_values (BpvSession *self)
{
  self->probe_dirty = TRUE;
  self->maps_dirty = TRUE;
}

gboolean
_bpv_session_is_stepping (BpvSession *self)
{
  /* A past step shown is at rest: its probe, not the cycle in flight. */
  return self->stepper != NULL && self->shown_net == NULL
         && bpv_stepper_get_phase (self->stepper) != BPV_STEP_IDLE;
}

/* After the network's shape or the dataset changed. */
void
_bpv_session_structure_changed (BpvSession *self)
{
  g_clear_pointer (&self->probe_trace, bp_trace_free);
  g_clear_pointer (&self->snap_trace, bp_trace_free);
  g_clear_pointer (&self->decision, bpv_decision_map_free);
  g_clear_pointer (&self->neuron_maps, bpv_neuron_maps_free);
  g_clear_pointer (&self->maps_trace, bp_trace_free);
  self->maps_generation++;
  if (self->train->n_features >= 2)
    bpv_plane_for_dataset (self->data, &self->plane);
  self->probe_row = MIN (self->probe_row, self->train->n_rows - 1);
  _bpv_session_clear_history (self);
  _bpv_session_rebuild_stepper (self);
  _bpv_session_invalidate_values (self);
  clamp_selection (self);
  _bpv_session_emit (self, SIGNAL_STRUCTURE_CHANGED);
  _bpv_session_emit_values (self);
}

/* ---------------------------------------------------------------- GObject */

static void
bpv_session_dispose (GObject *object)
{
  BpvSession *self = BPV_SESSION (object);

  /* No callback reaches a disposed session, and no worker outlives it
   * (one that has already delivered its last snapshot may still be
   * freeing its copies). */
  g_clear_pointer (&self->thread, bpv_trainer_thread_detach);
  _bpv_session_dist_cancel (self);
  bpv_background_wait_all ();
  g_clear_handle_id (&self->maps_timeout_id, g_source_remove);
  G_OBJECT_CLASS (bpv_session_parent_class)->dispose (object);
}

static void
bpv_session_finalize (GObject *object)
{
  BpvSession *self = BPV_SESSION (object);

  bpv_stepper_free (self->stepper);
  bp_model_free (self->model);
  bp_dataset_free (self->data);
  bp_dataset_free (self->train);
  bp_dataset_free (self->test);
  bp_trace_free (self->snap_trace);
  bp_trace_free (self->probe_trace);
  bp_trace_free (self->maps_trace);
  bpv_decision_map_free (self->decision);
  bpv_neuron_maps_free (self->neuron_maps);
  g_array_unref (self->norm_steps);
  g_array_unref (self->norms);
  g_array_unref (self->epochs);
  g_free (self->resampled);
  for (gsize l = 0; l < self->n_norm_names; l++)
    g_free (self->norm_names[l]);
  g_free (self->norm_names);
  bp_model_free (self->before_training);
  bp_edit_history_free (self->history);
  bp_record_free (self->record);
  bp_network_free (self->shown_net);
  bp_optimizer_free (self->shown_opt);
  g_free (self->fork_data);
  g_free (self->data_key);
  _bpv_session_dist_clear (self);
  G_OBJECT_CLASS (bpv_session_parent_class)->finalize (object);
}

static void
bpv_session_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  BpvSession *self = BPV_SESSION (object);

  switch (prop_id)
    {
    case PROP_RUNNING:
      g_value_set_boolean (value, bpv_session_get_running (self));
      break;
    case PROP_STOPPING:
      g_value_set_boolean (value, self->stopping);
      break;
    case PROP_AUTOPLAY:
      g_value_set_boolean (value, bpv_session_get_autoplay (self));
      break;
    case PROP_SPEED:
      g_value_set_double (value, self->speed);
      break;
    case PROP_LEARNING_RATE:
      g_value_set_double (value, bpv_session_get_learning_rate (self));
      break;
    case PROP_BATCH_SIZE:
      g_value_set_uint (value, (guint) self->model->batch_size);
      break;
    case PROP_STEP_SAMPLE:
      g_value_set_boolean (value, self->step_sample);
      break;
    case PROP_WEIGHT_DECAY:
      g_value_set_double (value, bpv_session_get_weight_decay (self));
      break;
    case PROP_SEED:
      g_value_set_uint64 (value, self->model->seed);
      break;
    case PROP_HAS_FAULT:
      g_value_set_boolean (value, self->fault.kind != BP_TRAIN_FAULT_NONE);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bpv_session_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  BpvSession *self = BPV_SESSION (object);
  g_autoptr(GError) error = NULL;

  switch (prop_id)
    {
    case PROP_AUTOPLAY:
      bpv_session_set_autoplay (self, g_value_get_boolean (value));
      break;
    case PROP_SPEED:
      bpv_session_set_speed (self, g_value_get_double (value));
      break;
    case PROP_LEARNING_RATE:
      bpv_session_set_learning_rate (self, g_value_get_double (value), &error);
      break;
    case PROP_BATCH_SIZE:
      bpv_session_set_batch_size (self, g_value_get_uint (value));
      break;
    case PROP_STEP_SAMPLE:
      bpv_session_set_step_sample (self, g_value_get_boolean (value));
      break;
    case PROP_WEIGHT_DECAY:
      bpv_session_set_weight_decay (self, g_value_get_double (value), &error);
      break;
    case PROP_SEED:
      bpv_session_set_seed (self, g_value_get_uint64 (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  if (error != NULL)
    _bpv_session_emit_message (self, error->message, FALSE);
}

static void
bpv_session_class_init (BpvSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = bpv_session_dispose;
  object_class->finalize = bpv_session_finalize;
  object_class->get_property = bpv_session_get_property;
  object_class->set_property = bpv_session_set_property;

  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE, ro);
  properties[PROP_STOPPING] =
    g_param_spec_boolean ("stopping", NULL, NULL, FALSE, ro);
  properties[PROP_AUTOPLAY] =
    g_param_spec_boolean ("autoplay", NULL, NULL, FALSE, rw);
  properties[PROP_SPEED] =
    g_param_spec_double ("speed", NULL, NULL, 0.0, 1.0, DEFAULT_SPEED, rw);
  properties[PROP_LEARNING_RATE] =
    g_param_spec_double ("learning-rate", NULL, NULL, LR_MIN, LR_MAX, LR_DEFAULT, rw);
  properties[PROP_BATCH_SIZE] =
    g_param_spec_uint ("batch-size", NULL, NULL, 1, MAX_BATCH_SIZE, DEFAULT_BATCH_SIZE, rw);
  properties[PROP_STEP_SAMPLE] =
    g_param_spec_boolean ("step-sample", NULL, NULL, TRUE, rw);
  properties[PROP_WEIGHT_DECAY] =
    g_param_spec_double ("weight-decay", NULL, NULL, 0.0, WEIGHT_DECAY_MAX, 0.0, rw);
  properties[PROP_SEED] =
    g_param_spec_uint64 ("seed", NULL, NULL, 0, G_MAXUINT64, SEED_DEFAULT, rw);
  /* Training stopped on NaN/Inf and nothing has changed since
   * (bpv_session_get_fault). */
  properties[PROP_HAS_FAULT] =
    g_param_spec_boolean ("has-fault", NULL, NULL, FALSE, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_STRUCTURE_CHANGED] =
    g_signal_new ("structure-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_VALUES_CHANGED] =
    g_signal_new ("values-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_HISTORY_CHANGED] =
    g_signal_new ("history-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_SELECTION_CHANGED] =
    g_signal_new ("selection-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);
  signals[SIGNAL_EDITED] =
    g_signal_new ("edited", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
bpv_session_init (BpvSession *self)
{
  BpvHit none = BPV_HIT_INIT;

  self->norm_steps = g_array_new (FALSE, FALSE, sizeof (guint64));
  self->norms = g_array_new (FALSE, FALSE, sizeof (double));
  self->epochs = g_array_new (FALSE, FALSE, sizeof (BpEpochStats));
  self->step_sample = TRUE;
  self->speed = DEFAULT_SPEED;
  self->snap_loss = NAN;
  self->selection = none;
  self->fault.kind = BP_TRAIN_FAULT_NONE;
  self->history = bp_edit_history_new (0, 0);
}

/* --------------------------------------------------------- model and data */

/* Which data a model's dataset reference names. */
char *
_bpv_session_data_key (const BpModel *model)
{
  return g_strdup_printf ("%s|%zu|%.17g|%.17g",
                          model->dataset != NULL ? model->dataset : BPV_SESSION_DEFAULT_DATASET,
                          model->dataset_rows, model->dataset_noise, model->test_fraction);
}

/* BPV_SESSION_NO_DATA: rows of zeros as wide as the network, so that a
 * model without data (an imported one) still shows its network and a
 * forward pass; the name says what they are. */
static BpDataset *
no_data (const BpNetwork *net)
{
  gsize n_out = bp_network_n_outputs (net);
  g_autofree double *X = g_new0 (double, MIN_DATASET_ROWS * net->n_inputs);
  g_autofree double *Y = g_new0 (double, MIN_DATASET_ROWS * n_out);

  return bp_dataset_new_from_rows (_("no data (zeros)"), BPV_SESSION_NO_DATA, BP_TASK_REGRESSION,
                                   MIN_DATASET_ROWS, net->n_inputs, n_out, X, Y);
}

gboolean
_bpv_session_load_dataset (BpvSession *self,
                           const char *name_or_path,
                           gsize       rows,
                           double      noise,
                           double      test_fraction,
                           GError    **error)
{
  g_autoptr(BpDataset) data = NULL;
  BpDataset *train = NULL, *test = NULL;

  data = g_strcmp0 (name_or_path, BPV_SESSION_NO_DATA) == 0 ? no_data (self->model->network)
         : bp_dataset_open (name_or_path, rows, noise, self->model->seed, error);
  if (data == NULL)
    return FALSE;
  if (data->n_rows < MIN_DATASET_ROWS)
    {
      g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_INVALID,
                   _("dataset “%s” has %zu rows: at least %d are needed"),
                   data->name, data->n_rows, MIN_DATASET_ROWS);
      return FALSE;
    }
  test_fraction = CLAMP (test_fraction, 0.0, MAX_TEST_FRACTION);
  bp_dataset_split (data, test_fraction, self->model->seed, &train, &test);
  if (train->n_rows == 0)
    {
      bp_dataset_free (train);
      bp_dataset_free (test);
      g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_INVALID,
                   _("dataset “%s”: no training rows are left after the split"), data->name);
      return FALSE;
    }
  if (!bp_model_fit_to_data (self->model, data->n_features, data->n_targets, data->task, error))
    {
      bp_dataset_free (train);
      bp_dataset_free (test);
      return FALSE;
    }
  bp_dataset_free (self->data);
  bp_dataset_free (self->train);
  bp_dataset_free (self->test);
  self->data = g_steal_pointer (&data);
  self->train = train;
  self->test = test;
  if (g_strcmp0 (self->model->dataset, name_or_path) != 0)
    {
      g_free (self->model->dataset);
      self->model->dataset = g_strdup (name_or_path);
    }
  self->model->dataset_rows = rows;
  self->model->dataset_noise = noise;
  self->model->test_fraction = test_fraction;
  g_free (self->data_key);
  self->data_key = _bpv_session_data_key (self->model);
  return TRUE;
}

gboolean
_bpv_session_load_model_dataset (BpvSession *self,
                                 GError    **error)
{
  const BpModel *m = self->model;
  /* A copy: loading replaces the model's own string. */
  g_autofree char *name = g_strdup (m->dataset != NULL ? m->dataset : BPV_SESSION_DEFAULT_DATASET);

  return _bpv_session_load_dataset (self, name, m->dataset_rows, m->dataset_noise,
                                    m->test_fraction >= 0 ? m->test_fraction
                                                          : BPV_SESSION_DEFAULT_TEST_FRACTION,
                                    error);
}

BpvSession *
bpv_session_new (const BpModel *model,
                 GError       **error)
{
  g_autoptr(BpvSession) self = NULL;

  g_return_val_if_fail (model != NULL && model->network != NULL, NULL);

  self = g_object_new (BPV_TYPE_SESSION, NULL);
  self->model = bp_model_copy (model);
  if (self->model->optimizer == NULL)
    {
      self->model->optimizer = bp_optimizer_new (NULL, DEFAULT_OPTIMIZER,
                                                 self->model->network->n_params, error);
      if (self->model->optimizer == NULL)
        return NULL;
    }
  if (self->model->batch_size == 0)
    self->model->batch_size = DEFAULT_BATCH_SIZE;
  if (!_bpv_session_load_model_dataset (self, error))
    return NULL;
  if (self->train->n_features >= 2)
    bpv_plane_for_dataset (self->data, &self->plane);
  _bpv_session_rebuild_stepper (self);
  _bpv_session_apply_progress (self);
  _bpv_session_invalidate_values (self);
  prepare_shown (self);
  return g_steal_pointer (&self);
}

const BpModel *
bpv_session_get_model (BpvSession *self)
{
  return self->model;
}

const BpNetwork *
bpv_session_get_network (BpvSession *self)
{
  return _bpv_session_shown_net (self);
}

const BpOptimizer *
bpv_session_get_optimizer (BpvSession *self)
{
  return self->model->optimizer;
}

const BpDataset *
bpv_session_get_dataset (BpvSession *self)
{
  return self->data;
}

const BpDataset *
bpv_session_get_train (BpvSession *self)
{
  return self->train;
}

const BpDataset *
bpv_session_get_test (BpvSession *self)
{
  return self->test;
}

BpvStepper *
bpv_session_get_stepper (BpvSession *self)
{
  return self->stepper;
}

/* ---------------------------------------------------------- what is shown */

/* The probe through batch norm: this many rows at most (its statistics
 * need a batch; the stepper's default batch). */
#define PROBE_NORM_BATCH 8

static void
update_probe (BpvSession *self)
{
  BpNetwork *net = _bpv_session_shown_net (self);
  const BpDataset *ds = self->train;
  gsize r = MIN (self->probe_row, ds->n_rows - 1);
  gsize B = 1;

  /* Batch norm in training mode needs a batch: the probe row and the rows
   * after it (sample 1 is the probe row).  Dense, skips, layer norm and
   * dropout show the one row. */
  if (!bp_network_check_batch (net, 1, NULL))
    {
      B = MIN (ds->n_rows, PROBE_NORM_BATCH);
      while (B > 2 && !bp_network_check_batch (net, B, NULL))
        B--;
    }
  if (self->probe_trace == NULL || !bp_trace_fits (self->probe_trace, net)
      || self->probe_trace->capacity < B)
    {
      g_clear_pointer (&self->probe_trace, bp_trace_free);
      self->probe_trace = bp_trace_new (net, B);
    }
  if (bp_network_is_plain (net))
    bp_network_gradients (net, self->probe_trace,
                          ds->X + r * ds->n_features, ds->Y + r * ds->n_targets, 1);
  else
    {
      /* A look, not a step: batch norm's running statistics and the
       * dropout generator are left as they were. */
      BpvPassState saved = { 0 };
      g_autofree double *x = g_new (double, B * ds->n_features);
      g_autofree double *y = g_new (double, B * ds->n_targets);

      for (gsize s = 0; s < B; s++)
        {
          gsize row = (r + s) % ds->n_rows;

          memcpy (x + s * ds->n_features, ds->X + row * ds->n_features, ds->n_features * sizeof (double));
          memcpy (y + s * ds->n_targets, ds->Y + row * ds->n_targets, ds->n_targets * sizeof (double));
        }
      bpv_pass_state_save (&saved, net);
      if (bp_network_check_batch (net, B, NULL))
        bp_network_gradients (net, self->probe_trace, x, y, B);
      bpv_pass_state_restore (&saved, net);
      bpv_pass_state_clear (&saved);
    }
  self->probe_dirty = FALSE;
}

const BpTrace *
bpv_session_get_trace (BpvSession *self,
                       gsize      *sample)
{
  if (_bpv_session_is_stepping (self))
    {
      if (sample != NULL)
        *sample = bpv_stepper_get_sample (self->stepper);
      return bpv_stepper_get_trace (self->stepper);
    }
  if (sample != NULL)
    *sample = 0;
  /* A past step shown while training runs: its own probe, below. */
  if (self->thread != NULL && self->shown_net == NULL && self->snap_trace != NULL)
    return self->snap_trace;
  if (self->thread != NULL && self->shown_net == NULL)
    {
      /* Before the first snapshot: the probe as it was. */
      if (self->probe_trace == NULL)
        update_probe (self);
      return self->probe_trace;
    }
  if (self->probe_dirty || self->probe_trace == NULL)
    update_probe (self);
  return self->probe_trace;
}

gsize
bpv_session_get_shown_row (BpvSession *self)
{
  if (_bpv_session_is_stepping (self))
    {
      const gsize *rows;
      gsize B = bpv_stepper_get_batch (self->stepper, &rows);
      gsize s = bpv_stepper_get_sample (self->stepper);

      return s < B ? rows[s] : 0;
    }
  if (self->thread != NULL && self->shown_net == NULL && self->snap_trace != NULL)
    return self->snap_row;
  return MIN (self->probe_row, self->train->n_rows - 1);
}

void
bpv_session_fill_render_state (BpvSession     *self,
                               BpvRenderState *state)
{
  gsize sample = 0;

  state->net = _bpv_session_shown_net (self);
  state->trace = bpv_session_get_trace (self, &sample);
  state->sample = sample;
  state->old_params = NULL;
  state->t = 1.0;
  state->layer = 0;
  state->phase = BPV_PHASE_IDLE;
  if (_bpv_session_is_stepping (self))
    {
      BpvStepper *st = self->stepper;
      double t = bpv_stepper_get_progress (st);
      gsize layer = bpv_stepper_get_layer (st);

      switch (bpv_stepper_get_phase (st))
        {
        case BPV_STEP_INPUT:
          /* The pulses have not left the input yet. */
          state->phase = BPV_PHASE_FORWARD;
          state->layer = 1;
          state->t = 0.0;
          break;
        case BPV_STEP_FORWARD:
          state->phase = BPV_PHASE_FORWARD;
          state->layer = layer + 1;
          state->t = t;
          break;
        case BPV_STEP_COST:
          state->phase = BPV_PHASE_COST;
          state->layer = _bpv_session_net (self)->n_layers;
          state->t = t;
          break;
        case BPV_STEP_BACKWARD:
          state->phase = BPV_PHASE_BACKWARD;
          state->layer = layer + 1;
          state->t = t;
          break;
        case BPV_STEP_UPDATE:
          state->phase = BPV_PHASE_UPDATE;
          state->layer = _bpv_session_net (self)->n_layers;
          state->t = t;
          state->old_params = bpv_stepper_get_params_before (st);
          break;
        case BPV_STEP_IDLE:
        default:
          break;
        }
    }
  state->selection = self->selection;
  if (self->selection.kind == BPV_HIT_EDGE)
    state->path_edge = self->selection;
  else
    {
      BpvHit none = BPV_HIT_INIT;

      state->path_edge = none;
    }
  state->neuron_maps = bpv_session_get_neuron_maps (self);
  state->fault = self->fault;
}

guint64
bpv_session_get_values_serial (BpvSession *self)
{
  return self->values_serial;
}

gboolean
bpv_session_forward_known (BpvSession *self,
                           gsize       layer)
{
  return !_bpv_session_is_stepping (self) || bpv_stepper_forward_known (self->stepper, layer);
}

gboolean
bpv_session_backward_known (BpvSession *self,
                            gsize       layer)
{
  return !_bpv_session_is_stepping (self) || bpv_stepper_backward_known (self->stepper, layer);
}

gboolean
bpv_session_input_image (BpvSession *self,
                         gsize      *width,
                         gsize      *height)
{
  gsize n = _bpv_session_net (self)->n_inputs;
  gsize side = (gsize) (sqrt ((double) n) + 0.5);

  if (n < MIN_IMAGE_INPUTS || side * side != n)
    return FALSE;
  *width = *height = side;
  return TRUE;
}

static void
prepare_shown (BpvSession *self)
{
  if (!_bpv_session_is_stepping (self) && self->thread == NULL
      && (self->probe_dirty || self->probe_trace == NULL))
    update_probe (self);
  if (_bpv_session_net (self)->n_inputs == BPV_SESSION_PLANE_INPUTS)
    _bpv_session_update_maps (self);
}

double
bpv_session_get_loss (BpvSession *self)
{
  const BpTrace *t = bpv_session_get_trace (self, NULL);

  if (_bpv_session_is_stepping (self) && !bpv_stepper_cost_known (self->stepper))
    return NAN;
  return t != NULL ? t->loss : NAN;
}

/* -------------------------------------------------------------- the fault */

gboolean
bpv_session_get_fault (BpvSession   *self,
                       BpTrainFault *fault)
{
  g_return_val_if_fail (BPV_IS_SESSION (self), FALSE);

  if (fault != NULL)
    *fault = self->fault;
  return self->fault.kind != BP_TRAIN_FAULT_NONE;
}

void
bpv_session_clear_fault (BpvSession *self)
{
  g_return_if_fail (BPV_IS_SESSION (self));

  if (self->fault.kind == BP_TRAIN_FAULT_NONE)
    return;
  _bpv_session_clear_fault (self);
  _bpv_session_emit_values (self);
}

/* -------------------------------------------------------------- selection */

void
bpv_session_set_selection (BpvSession   *self,
                           const BpvHit *hit)
{
  BpvHit none = BPV_HIT_INIT;

  g_return_if_fail (BPV_IS_SESSION (self));

  if (hit == NULL)
    hit = &none;
  if (bpv_hit_equal (hit, &self->selection))
    return;
  self->selection = *hit;
  clamp_selection (self);
  _bpv_session_emit (self, SIGNAL_SELECTION_CHANGED);
  _bpv_session_emit_values (self);
}

const BpvHit *
bpv_session_get_selection (BpvSession *self)
{
  return &self->selection;
}

