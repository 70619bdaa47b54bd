/* bpv-session.c — one experiment: model, data, stepper, worker, history
 * (see bpv-session.h). */
#include "config.h"
#include "bpv-session.h"

#include <math.h>
#include <string.h>

#include "bp-edit.h"
#include "bp-registry.h"
#include "bp-util.h"
#include "bpv-events.h"
#include "bpv-trainer-thread.h"

/* Gradient-norm records kept (every other one is dropped beyond). */
#define MAX_RECORDS      4096
/* Points of the resampled series handed to the plot. */
#define PLOT_POINTS      1024
/* Heat maps: multiply-adds per recomputation, and how often during training. */
#define MAPS_BUDGET      2.0e7
#define MAPS_INTERVAL_US 120000
#define MAPS_SYNC_BUDGET 6.0e6

struct _BpvSession
{
  GObject           parent_instance;

  BpModel          *model;        /* network, optimizer and settings */
  BpDataset        *data;
  BpDataset        *train;
  BpDataset        *test;

  BpvStepper       *stepper;
  gboolean          step_sample;
  double            speed;

  /* training */
  BpvTrainerThread *thread;       /* non-NULL while running (or stopping) */
  gboolean          stopping;
  gboolean          restart_after_stop;
  gboolean          step_after_stop;
  BpTrace          *snap_trace;   /* the latest snapshot's sample */
  gsize             snap_row;
  double            snap_loss;
  double            steps_per_second;
  /* The model before the run (for its undo step), the step it started at,
   * and whether it has trained since (unsaved work not yet recorded). */
  BpModel          *before_training;
  guint64           steps_at_start;
  gboolean          trained_unrecorded;

  /* the probe: shown when neither stepping nor training */
  BpTrace          *probe_trace;
  gsize             probe_row;
  gboolean          probe_dirty;

  /* history */
  GArray           *norm_steps;   /* guint64 */
  GArray           *norms;        /* double, n_layers per record */
  GArray           *epochs;       /* BpEpochStats */
  double           *resampled;
  guint64           steps;
  guint             epoch;

  /* heat maps */
  BpvPlane          plane;
  BpvDecisionMap   *decision;
  BpvNeuronMaps    *neuron_maps;
  BpTrace          *maps_trace;
  gboolean          maps_dirty;
  gint64            maps_time;
  gboolean          maps_busy;        /* a worker computes them */
  guint             maps_timeout_id;  /* a throttled recomputation */
  guint             maps_generation;  /* bumped when the shape changes */

  BpvHit            selection;
  guint64           values_serial;

  /* Why training (or a step) stopped on NaN/Inf, until something changes
   * the model or training goes on; kind NONE otherwise. */
  BpTrainFault      fault;

  /* edits and their undo history */
  BpEditHistory    *history;
  char             *data_key;     /* the dataset reference `data` was loaded from */
};

G_DEFINE_FINAL_TYPE (BpvSession, bpv_session, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_RUNNING,
  PROP_STOPPING,
  PROP_AUTOPLAY,
  PROP_SPEED,
  PROP_LEARNING_RATE,
  PROP_BATCH_SIZE,
  PROP_STEP_SAMPLE,
  PROP_WEIGHT_DECAY,
  PROP_SEED,
  PROP_HAS_FAULT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  STRUCTURE_CHANGED,
  VALUES_CHANGED,
  HISTORY_CHANGED,
  SELECTION_CHANGED,
  MESSAGE,
  EDITED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void start_thread (BpvSession *self, GError **error);
static void selection_clamp (BpvSession *self);

/* ---------------------------------------------------------------- helpers */

static BpNetwork *
net_of (BpvSession *self)
{
  return self->model->network;
}

static double
stop_duration_for (double speed)
{
  return 2.5 * pow (0.02, CLAMP (speed, 0.0, 1.0));
}

static double
train_rate_for (double speed)
{
  return speed >= 0.995 ? 0.0 : 2.0 * pow (5000.0, CLAMP (speed, 0.0, 1.0));
}

static void prepare_shown (BpvSession *self);

/* Numbers changed (not only the animation's progress): what is shown is
 * brought up to date here, so that drawing only reads. */
static void
emit_values (BpvSession *self)
{
  self->values_serial++;
  prepare_shown (self);
  g_signal_emit (self, signals[VALUES_CHANGED], 0);
}

/* Only a redraw: the maps arrived, the animation moved. */
static void
emit_redraw (BpvSession *self)
{
  g_signal_emit (self, signals[VALUES_CHANGED], 0);
}

static void
emit_message (BpvSession *self,
              const char *text,
              gboolean    is_error)
{
  if (is_error)
    bpv_event ("ERROR %s", text);
  g_signal_emit (self, signals[MESSAGE], 0, text, is_error);
}

static void store_progress (BpvSession *self);

/* A run of training is one undo step, "Train N steps": recorded when the
 * worker hands back, when it is dropped for an edit, and at a save or a
 * setter while it runs (`continuing`: the rest of the run is a step of its
 * own), so that the steps stay in the order things happened. */
static void
record_training (BpvSession *self,
                 gboolean    continuing)
{
  g_autofree char *label = NULL;

  if (self->before_training == NULL)
    return;
  if (self->steps > self->steps_at_start)
    {
      label = g_strdup_printf ("Train %" G_GUINT64_FORMAT " Step%s",
                               self->steps - self->steps_at_start,
                               self->steps - self->steps_at_start == 1 ? "" : "s");
      store_progress (self);
      bp_edit_history_record (self->history, g_steal_pointer (&self->before_training), label);
      bpv_event ("EDIT %s layers=%zu", label, self->model->network->n_layers);
    }
  g_clear_pointer (&self->before_training, bp_model_free);
  self->trained_unrecorded = FALSE;
  if (continuing)
    {
      /* The progress stored above is the state this copy starts from. */
      if (label == NULL)
        store_progress (self);
      self->before_training = bp_model_copy (self->model);
      self->steps_at_start = self->steps;
    }
}

/* Training stopped on `fault`: keep it, select the value at fault so that
 * the inspector shows its numbers, and show the sample it happened on (the
 * probe runs the parameters of before the step: the same numbers). */
static void
set_fault (BpvSession         *self,
           const BpTrainFault *fault)
{
  BpvHit hit;

  self->fault = *fault;
  bpv_event ("FAULT kind=%s layer=%zu unit=%zu input=%zu sample=%zu row=%zu step=%" G_GUINT64_FORMAT
             " value=%s", bp_train_fault_kind_to_string (fault->kind), fault->layer, fault->unit,
             fault->input, fault->sample, fault->row, fault->step,
             bp_nonfinite_name (fault->value) != NULL ? bp_nonfinite_name (fault->value) : "finite");
  if (fault->row >= 1 && fault->row <= self->train->n_rows)
    {
      self->probe_row = fault->row - 1;
      self->probe_dirty = TRUE;
    }
  if (bpv_render_fault_hit (fault, &hit) && !bpv_hit_equal (&hit, &self->selection))
    {
      self->selection = hit;
      selection_clamp (self);
      g_signal_emit (self, signals[SELECTION_CHANGED], 0);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_FAULT]);
}

/* The fault no longer describes the network (an edit, undo, a reset, a new
 * run): its marker and the offer to fix it go. */
static void
clear_fault (BpvSession *self)
{
  if (self->fault.kind == BP_TRAIN_FAULT_NONE)
    return;
  self->fault.kind = BP_TRAIN_FAULT_NONE;
  bpv_event ("FAULT cleared");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_FAULT]);
}

/* A change made by a setter, recorded for undo: a copy of the model before
 * it (taken by change_begin), and a label for the menu. */
static BpModel *
change_begin (BpvSession *self)
{
  record_training (self, self->thread != NULL && !self->stopping);
  store_progress (self);
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
  clear_fault (self);
  g_signal_emit (self, signals[EDITED], 0);
}

static void
clear_history (BpvSession *self)
{
  g_array_set_size (self->norm_steps, 0);
  g_array_set_size (self->norms, 0);
  g_array_set_size (self->epochs, 0);
  self->steps = 0;
  self->epoch = 0;
  self->steps_per_second = 0;
  g_signal_emit (self, signals[HISTORY_CHANGED], 0);
}

static void
append_record (BpvSession   *self,
               guint64       step,
               const double *norms)
{
  gsize nl = net_of (self)->n_layers;

  g_array_append_val (self->norm_steps, step);
  g_array_append_vals (self->norms, norms, nl);
  if (self->norm_steps->len > MAX_RECORDS)
    {
      /* Keep every other record, always the latest. */
      guint64 *s = (guint64 *) self->norm_steps->data;
      double *d = (double *) self->norms->data;
      guint n = self->norm_steps->len, kept = 0;

      for (guint i = (n - 1) % 2; i < n; i += 2, kept++)
        {
          s[kept] = s[i];
          memmove (d + kept * nl, d + i * nl, nl * sizeof (double));
        }
      g_array_set_size (self->norm_steps, kept);
      g_array_set_size (self->norms, kept * nl);
    }
}

static void
drop_records_after (BpvSession *self,
                    guint64     step)
{
  gsize nl = net_of (self)->n_layers;
  guint n = self->norm_steps->len;

  while (n > 0 && g_array_index (self->norm_steps, guint64, n - 1) > step)
    n--;
  g_array_set_size (self->norm_steps, n);
  g_array_set_size (self->norms, n * nl);
}

static void
invalidate_values (BpvSession *self)
{
  self->probe_dirty = TRUE;
  self->maps_dirty = TRUE;
}

static gboolean
is_stepping (BpvSession *self)
{
  return self->stepper != NULL && bpv_stepper_get_phase (self->stepper) != BPV_STEP_IDLE;
}

static void
rebuild_stepper (BpvSession *self)
{
  g_clear_pointer (&self->stepper, bpv_stepper_free);
  self->stepper = bpv_stepper_new (net_of (self), self->model->optimizer, self->train,
                                   self->step_sample ? 1 : self->model->batch_size,
                                   self->model->seed, self->steps);
  bpv_stepper_set_stop_duration (self->stepper, stop_duration_for (self->speed));
}

static void
selection_clamp (BpvSession *self)
{
  const BpNetwork *net = net_of (self);
  BpvHit *h = &self->selection;
  gboolean ok = TRUE;

  if (h->kind == BPV_HIT_NEURON)
    ok = h->layer <= net->n_layers
         && h->j < (h->layer == 0 ? net->n_inputs : net->layers[h->layer - 1].out);
  else if (h->kind == BPV_HIT_EDGE)
    ok = h->layer >= 1 && h->layer <= net->n_layers
         && h->j < net->layers[h->layer - 1].out && h->k < net->layers[h->layer - 1].in;
  if (!ok)
    {
      BpvHit none = BPV_HIT_INIT;

      *h = none;
      g_signal_emit (self, signals[SELECTION_CHANGED], 0);
    }
}

/* After the network's shape or the dataset changed. */
static void
structure_changed (BpvSession *self)
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
  clear_history (self);
  rebuild_stepper (self);
  invalidate_values (self);
  selection_clamp (self);
  g_signal_emit (self, signals[STRUCTURE_CHANGED], 0);
  emit_values (self);
}

/* Training can't go on with another shape: drop the worker (the network
 * keeps the latest parameters and optimizer state it sent). */
static void
discard_thread (BpvSession *self)
{
  if (self->thread == NULL)
    return;
  g_clear_pointer (&self->thread, bpv_trainer_thread_detach);
  self->stopping = FALSE;
  self->restart_after_stop = FALSE;
  self->step_after_stop = FALSE;
  /* The optimizer's state came with the latest parameters. */
  record_training (self, FALSE);
  bpv_event ("TRAIN stopped step=%" G_GUINT64_FORMAT, self->steps);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STOPPING]);
}

/* Hyperparameters changed while training: stop, and start again from the
 * handed-back state with the new settings. */
static void
restart_if_running (BpvSession *self)
{
  if (self->thread == NULL || self->stopping)
    return;
  bpv_session_pause (self);
  self->restart_after_stop = TRUE;
  self->step_after_stop = FALSE;
}

/* --------------------------------------------------------------- snapshots */

static void
apply_snapshot (BpvTrainSnapshot *snap,
                gpointer          user_data)
{
  BpvSession *self = user_data;
  BpNetwork *net = net_of (self);
  BpOptimizer *opt = self->model->optimizer;
  gsize nl = net->n_layers;

  if (snap->n_params == net->n_params && snap->n_layers == nl)
    {
      memcpy (net->params, snap->params, net->n_params * sizeof (double));
      memcpy (net->grads, snap->grads, net->n_params * sizeof (double));
      if (snap->opt_state_size == bp_optimizer_state_size (opt))
        {
          memcpy (opt->state, snap->opt_state, snap->opt_state_size * sizeof (double));
          opt->t = snap->opt_t;
        }
      if (snap->trace != NULL && bp_trace_fits (snap->trace, net))
        {
          g_clear_pointer (&self->snap_trace, bp_trace_free);
          self->snap_trace = g_steal_pointer (&snap->trace);
          self->snap_row = snap->row;
          self->snap_loss = snap->batch_loss;
        }
      self->steps = snap->step;
      self->epoch = snap->epoch;
      /* Training went through the step that failed: the fault is history
       * (a run started again unchanged fails at it again and keeps it). */
      if (self->fault.kind != BP_TRAIN_FAULT_NONE && snap->step >= self->fault.step)
        clear_fault (self);
      for (guint r = 0; r < snap->norm_steps->len; r++)
        append_record (self, g_array_index (snap->norm_steps, guint64, r),
                       &g_array_index (snap->norms, double, r * nl));
      /* Bounded as the trainer's: a long run keeps every stride-th epoch. */
      for (guint e = 0; e < snap->epochs->len; e++)
        bp_epoch_history_append (self->epochs, &g_array_index (snap->epochs, BpEpochStats, e));
      if (snap->steps_per_second > 0)
        self->steps_per_second = snap->steps_per_second;
      self->maps_dirty = TRUE;
      /* Trained weights are unsaved work from the first step (once: the
       * title and the autosave follow the change, not every snapshot). */
      if (!snap->final && !self->trained_unrecorded && self->steps > self->steps_at_start)
        {
          self->trained_unrecorded = TRUE;
          g_signal_emit (self, signals[EDITED], 0);
        }
    }

  if (snap->final)
    {
      g_autoptr(GError) step_error = NULL;

      g_clear_pointer (&self->thread, bpv_trainer_thread_detach);
      self->stopping = FALSE;
      g_clear_pointer (&self->snap_trace, bp_trace_free);
      record_training (self, FALSE);
      g_signal_emit (self, signals[EDITED], 0);
      bpv_stepper_reset (self->stepper, self->steps);
      invalidate_values (self);
      bpv_event ("TRAIN stopped step=%" G_GUINT64_FORMAT, self->steps);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STOPPING]);
      if (snap->error != NULL)
        {
          self->restart_after_stop = FALSE;
          self->step_after_stop = FALSE;
          if (snap->fault.kind != BP_TRAIN_FAULT_NONE)
            set_fault (self, &snap->fault);
          emit_message (self, snap->error->message, TRUE);
        }
      if (self->restart_after_stop)
        {
          g_autoptr(GError) error = NULL;

          self->restart_after_stop = FALSE;
          start_thread (self, &error);
          if (error != NULL)
            emit_message (self, error->message, TRUE);
        }
      else if (self->step_after_stop)
        {
          self->step_after_stop = FALSE;
          if (!bpv_session_step (self, &step_error))
            emit_message (self, step_error->message, TRUE);
        }
    }

  bpv_train_snapshot_free (snap);
  g_signal_emit (self, signals[HISTORY_CHANGED], 0);
  emit_values (self);
}

static void
start_thread (BpvSession *self,
              GError    **error)
{
  BpTrainConfig config = {
    .batch_size = self->model->batch_size,
    .shuffle = TRUE,
    .seed = self->model->seed + self->steps,
    .keep_trace = TRUE,
  };

  g_return_if_fail (self->thread == NULL);

  store_progress (self);
  g_clear_pointer (&self->before_training, bp_model_free);
  self->before_training = bp_model_copy (self->model);
  self->steps_at_start = self->steps;
  self->trained_unrecorded = FALSE;
  bpv_stepper_reset (self->stepper, self->steps);
  self->thread = bpv_trainer_thread_new (net_of (self), self->model->optimizer, self->train,
                                         self->test, &config, self->steps, self->epoch,
                                         train_rate_for (self->speed), apply_snapshot, self,
                                         error);
  if (self->thread == NULL)
    {
      g_clear_pointer (&self->before_training, bp_model_free);
      return;
    }
  bpv_event ("TRAIN started step=%" G_GUINT64_FORMAT, self->steps);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

/* ----------------------------------------------------------------- GObject */

static void
bpv_session_dispose (GObject *object)
{
  BpvSession *self = BPV_SESSION (object);

  /* No callback reaches a disposed session, and no worker outlives it
   * (one that has already delivered its last snapshot may still be
   * freeing its copies). */
  g_clear_pointer (&self->thread, bpv_trainer_thread_detach);
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
  bp_model_free (self->before_training);
  bp_edit_history_free (self->history);
  g_free (self->data_key);
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
    emit_message (self, error->message, FALSE);
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
    g_param_spec_double ("speed", NULL, NULL, 0.0, 1.0, 0.5, rw);
  properties[PROP_LEARNING_RATE] =
    g_param_spec_double ("learning-rate", NULL, NULL, 1e-6, 100.0, 0.1, rw);
  properties[PROP_BATCH_SIZE] =
    g_param_spec_uint ("batch-size", NULL, NULL, 1, 1000000, 16, rw);
  properties[PROP_STEP_SAMPLE] =
    g_param_spec_boolean ("step-sample", NULL, NULL, TRUE, rw);
  properties[PROP_WEIGHT_DECAY] =
    g_param_spec_double ("weight-decay", NULL, NULL, 0.0, 10.0, 0.0, rw);
  properties[PROP_SEED] =
    g_param_spec_uint64 ("seed", NULL, NULL, 0, G_MAXUINT64, 42, rw);
  /* Training stopped on NaN/Inf and nothing has changed since
   * (bpv_session_get_fault). */
  properties[PROP_HAS_FAULT] =
    g_param_spec_boolean ("has-fault", NULL, NULL, FALSE, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[STRUCTURE_CHANGED] =
    g_signal_new ("structure-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[VALUES_CHANGED] =
    g_signal_new ("values-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[HISTORY_CHANGED] =
    g_signal_new ("history-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SELECTION_CHANGED] =
    g_signal_new ("selection-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);
  signals[EDITED] =
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
  self->speed = 0.5;
  self->snap_loss = NAN;
  self->selection = none;
  self->fault.kind = BP_TRAIN_FAULT_NONE;
  self->history = bp_edit_history_new (0, 0);
}

/* --------------------------------------------------------------------- API */

/* Which data a model's dataset reference names. */
static char *
data_key_of (const BpModel *model)
{
  return g_strdup_printf ("%s|%zu|%.17g|%.17g",
                          model->dataset != NULL ? model->dataset : "moons",
                          model->dataset_rows, model->dataset_noise, model->test_fraction);
}

static gboolean
load_dataset (BpvSession *self,
              const char *name_or_path,
              gsize       rows,
              double      noise,
              double      test_fraction,
              GError    **error)
{
  g_autoptr(BpDataset) data = NULL;
  BpDataset *train = NULL, *test = NULL;

  data = bp_dataset_open (name_or_path, rows, noise, self->model->seed, error);
  if (data == NULL)
    return FALSE;
  if (data->n_rows < 2)
    {
      g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_INVALID,
                   "dataset “%s” has %zu rows: at least 2 are needed", data->name, data->n_rows);
      return FALSE;
    }
  test_fraction = CLAMP (test_fraction, 0.0, 0.9);
  bp_dataset_split (data, test_fraction, self->model->seed, &train, &test);
  if (train->n_rows == 0)
    {
      bp_dataset_free (train);
      bp_dataset_free (test);
      g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_INVALID,
                   "dataset “%s”: no training rows are left after the split", data->name);
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
  self->data_key = data_key_of (self->model);
  return TRUE;
}

/* A saved run goes on where it stood: its step count (which seeds the next
 * samples), its epochs and the step mode's batches.  Also after undo and
 * redo, whose snapshots carry the progress of their moment. */
static void
apply_progress (BpvSession *self)
{
  const BpTrainProgress *p = self->model->progress;

  if (p == NULL || p->n_rows != self->train->n_rows)
    return;
  self->steps = p->steps;
  self->epoch = p->epoch;
  g_array_set_size (self->epochs, 0);
  g_array_append_vals (self->epochs, p->history->data, p->history->len);
  g_array_set_size (self->norm_steps, 0);
  g_array_set_size (self->norms, 0);
  if (p->grad_norm_layers == net_of (self)->n_layers && p->grad_norm_layers > 0)
    for (gsize r = 0; r < p->grad_norms->len / p->grad_norm_layers; r++)
      append_record (self, (r + 1) * p->grad_norm_stride,
                     &g_array_index (p->grad_norms, double, r * p->grad_norm_layers));
  g_clear_pointer (&self->stepper, bpv_stepper_free);
  rebuild_stepper (self);
  bpv_stepper_set_batch_source (self->stepper, &p->rng, p->order, p->n_rows, p->cursor);
  g_signal_emit (self, signals[HISTORY_CHANGED], 0);
}

BpvSession *
bpv_session_new (const BpModel *model,
                 GError       **error)
{
  g_autoptr(BpvSession) self = NULL;
  g_autofree char *dataset = NULL;

  g_return_val_if_fail (model != NULL && model->network != NULL, NULL);

  self = g_object_new (BPV_TYPE_SESSION, NULL);
  self->model = bp_model_copy (model);
  if (self->model->optimizer == NULL)
    {
      self->model->optimizer = bp_optimizer_new (NULL, "sgd", self->model->network->n_params,
                                                 error);
      if (self->model->optimizer == NULL)
        return NULL;
    }
  if (self->model->batch_size == 0)
    self->model->batch_size = 16;
  dataset = g_strdup (self->model->dataset != NULL ? self->model->dataset : "moons");
  if (!load_dataset (self, dataset, self->model->dataset_rows, self->model->dataset_noise,
                     self->model->test_fraction >= 0 ? self->model->test_fraction : 0.2, error))
    return NULL;
  if (self->train->n_features >= 2)
    bpv_plane_for_dataset (self->data, &self->plane);
  rebuild_stepper (self);
  apply_progress (self);
  invalidate_values (self);
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
  return net_of (self);
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

static void
update_probe (BpvSession *self)
{
  BpNetwork *net = net_of (self);
  const BpDataset *ds = self->train;
  gsize r = MIN (self->probe_row, ds->n_rows - 1);

  if (self->probe_trace == NULL || !bp_trace_fits (self->probe_trace, net))
    {
      g_clear_pointer (&self->probe_trace, bp_trace_free);
      self->probe_trace = bp_trace_new (net, 1);
    }
  bp_network_gradients (net, self->probe_trace,
                        ds->X + r * ds->n_features, ds->Y + r * ds->n_targets, 1);
  self->probe_dirty = FALSE;
}

const BpTrace *
bpv_session_get_trace (BpvSession *self,
                       gsize      *sample)
{
  if (is_stepping (self))
    {
      if (sample != NULL)
        *sample = bpv_stepper_get_sample (self->stepper);
      return bpv_stepper_get_trace (self->stepper);
    }
  if (sample != NULL)
    *sample = 0;
  if (self->thread != NULL && self->snap_trace != NULL)
    return self->snap_trace;
  if (self->thread != NULL)
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
  if (is_stepping (self))
    {
      const gsize *rows;
      gsize B = bpv_stepper_get_batch (self->stepper, &rows);
      gsize s = bpv_stepper_get_sample (self->stepper);

      return s < B ? rows[s] : 0;
    }
  if (self->thread != NULL && self->snap_trace != NULL)
    return self->snap_row;
  return MIN (self->probe_row, self->train->n_rows - 1);
}

void
bpv_session_fill_render_state (BpvSession     *self,
                               BpvRenderState *state)
{
  gsize sample = 0;

  state->net = net_of (self);
  state->trace = bpv_session_get_trace (self, &sample);
  state->sample = sample;
  state->old_params = NULL;
  state->t = 1.0;
  state->layer = 0;
  state->phase = BPV_PHASE_IDLE;
  if (is_stepping (self))
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
          state->layer = net_of (self)->n_layers;
          state->t = t;
          break;
        case BPV_STEP_BACKWARD:
          state->phase = BPV_PHASE_BACKWARD;
          state->layer = layer + 1;
          state->t = t;
          break;
        case BPV_STEP_UPDATE:
          state->phase = BPV_PHASE_UPDATE;
          state->layer = net_of (self)->n_layers;
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
  return !is_stepping (self) || bpv_stepper_forward_known (self->stepper, layer);
}

gboolean
bpv_session_backward_known (BpvSession *self,
                            gsize       layer)
{
  return !is_stepping (self) || bpv_stepper_backward_known (self->stepper, layer);
}

gboolean
bpv_session_input_image (BpvSession *self,
                         gsize      *width,
                         gsize      *height)
{
  gsize n = net_of (self)->n_inputs;
  gsize side = (gsize) (sqrt ((double) n) + 0.5);

  if (n < 16 || side * side != n)
    return FALSE;
  *width = *height = side;
  return TRUE;
}

/* The heat maps of a parameter set, computed off the main thread when
 * they are expensive. */
typedef struct
{
  BpNetwork      *net;
  BpvPlane        plane;
  BpvDecisionMap *decision;
  BpvNeuronMaps  *neurons;
  guint           generation;
} MapsJob;

static void
maps_job_free (gpointer data)
{
  MapsJob *job = data;

  bp_network_free (job->net);
  bpv_decision_map_free (job->decision);
  bpv_neuron_maps_free (job->neurons);
  g_free (job);
}

static void
maps_grid_sizes (const BpNetwork *net,
                 gsize           *nx,
                 gsize           *grid)
{
  double per_point = (double) MAX (net->n_params, 1);

  /* Finer grids for small networks; the cost stays bounded for big ones. */
  *nx = (gsize) CLAMP (sqrt (0.75 * MAPS_BUDGET / per_point), 24, 160);
  *grid = (gsize) CLAMP (sqrt (0.25 * MAPS_BUDGET / per_point), 6, 28);
}

static void
maps_thread (GTask        *task,
             gpointer      source,
             gpointer      data,
             GCancellable *cancellable)
{
  MapsJob *job = data;

  bpv_heatmap_compute (job->net, &job->plane, job->decision, job->neurons, NULL);
  g_task_return_boolean (task, TRUE);
  bpv_background_release ();
}

static void update_maps (BpvSession *self);
static gboolean maps_later (gpointer data);

static void
maps_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  BpvSession *self = BPV_SESSION (source);
  MapsJob *job = g_task_get_task_data (G_TASK (result));

  self->maps_busy = FALSE;
  /* Results for an older shape or dataset are of no use. */
  if (job->generation != self->maps_generation || !bpv_neuron_maps_fit (job->neurons, net_of (self)))
    return;
  g_clear_pointer (&self->decision, bpv_decision_map_free);
  g_clear_pointer (&self->neuron_maps, bpv_neuron_maps_free);
  self->decision = g_steal_pointer (&job->decision);
  self->neuron_maps = g_steal_pointer (&job->neurons);
  emit_redraw (self);
  /* Parameters that moved meanwhile get their maps next. */
  if (self->maps_dirty)
    update_maps (self);
}

static gboolean
maps_later (gpointer data)
{
  BpvSession *self = data;

  self->maps_timeout_id = 0;
  if (self->maps_dirty)
    {
      gboolean was_busy = self->maps_busy;

      update_maps (self);
      /* Computed at once (small networks): show them. */
      if (!was_busy && !self->maps_busy && !self->maps_dirty)
        emit_redraw (self);
    }
  return G_SOURCE_REMOVE;
}

static void
update_maps (BpvSession *self)
{
  const BpNetwork *net = net_of (self);
  gint64 now = g_get_monotonic_time ();
  gsize nx, grid;

  if (!self->maps_dirty && self->decision != NULL)
    return;
  if (self->maps_busy)
    return;
  if (self->decision != NULL && self->thread != NULL && now - self->maps_time < MAPS_INTERVAL_US)
    {
      /* Not more often than that during training: later. */
      if (self->maps_timeout_id == 0)
        self->maps_timeout_id = g_timeout_add ((guint) ((MAPS_INTERVAL_US - (now - self->maps_time)) / 1000) + 1,
                                               maps_later, self);
      return;
    }

  maps_grid_sizes (net, &nx, &grid);
  self->maps_dirty = FALSE;
  self->maps_time = now;
  if ((double) net->n_params * (double) (nx * nx + grid * grid) <= MAPS_SYNC_BUDGET)
    {
      /* Cheap: at once, so the first frame already has them. */
      if (self->decision == NULL || self->decision->nx != nx)
        {
          g_clear_pointer (&self->decision, bpv_decision_map_free);
          self->decision = bpv_decision_map_new (nx, nx);
        }
      if (self->neuron_maps == NULL || self->neuron_maps->grid != grid
          || !bpv_neuron_maps_fit (self->neuron_maps, net))
        {
          g_clear_pointer (&self->neuron_maps, bpv_neuron_maps_free);
          self->neuron_maps = bpv_neuron_maps_new (net, grid);
        }
      if (self->maps_trace == NULL || !bp_trace_fits (self->maps_trace, net))
        {
          g_clear_pointer (&self->maps_trace, bp_trace_free);
          self->maps_trace = bp_trace_new (net, BPV_HEATMAP_BATCH);
        }
      bpv_heatmap_compute (net, &self->plane, self->decision, self->neuron_maps, self->maps_trace);
      return;
    }

  /* Expensive: on a worker, with a copy; the old maps stay until then. */
  {
    g_autoptr(GTask) task = g_task_new (self, NULL, maps_done, NULL);
    MapsJob *job = g_new0 (MapsJob, 1);

    job->net = bp_network_copy (net);
    job->plane = self->plane;
    job->decision = bpv_decision_map_new (nx, nx);
    job->neurons = bpv_neuron_maps_new (net, grid);
    job->generation = self->maps_generation;
    g_task_set_task_data (task, job, maps_job_free);
    self->maps_busy = TRUE;
    bpv_background_hold ();
    g_task_run_in_thread (task, maps_thread);
  }
}

static void
prepare_shown (BpvSession *self)
{
  if (!is_stepping (self) && self->thread == NULL
      && (self->probe_dirty || self->probe_trace == NULL))
    update_probe (self);
  if (net_of (self)->n_inputs == 2)
    update_maps (self);
}

const BpvDecisionMap *
bpv_session_get_decision_map (BpvSession *self)
{
  if (net_of (self)->n_inputs != 2)
    return NULL;
  return self->decision;
}

const BpvNeuronMaps *
bpv_session_get_neuron_maps (BpvSession *self)
{
  /* Maps made for another shape are not shown. */
  if (net_of (self)->n_inputs != 2 || self->neuron_maps == NULL
      || !bpv_neuron_maps_fit (self->neuron_maps, net_of (self)))
    return NULL;
  return self->neuron_maps;
}

double
bpv_session_get_decision_level (BpvSession *self)
{
  const BpNetwork *net = net_of (self);

  return g_strcmp0 (net->layers[net->n_layers - 1].act_id, "tanh") == 0 ? 0.0 : 0.5;
}

/* The gradient-norm records at steps stride, 2·stride, … n_out·stride,
 * each the latest record at or before its step (n_layers values each),
 * into `out`: what the plot draws and what a file keeps. */
static void
resample_records (BpvSession *self,
                  guint64     stride,
                  gsize       n_out,
                  double     *out)
{
  gsize nl = net_of (self)->n_layers;
  guint n = self->norm_steps->len, i = 0;
  const guint64 *steps = (const guint64 *) self->norm_steps->data;
  const double *src = (const double *) self->norms->data;

  for (gsize r = 0; r < n_out; r++)
    {
      guint64 step = (r + 1) * stride;

      while (i + 1 < n && steps[i + 1] <= step)
        i++;
      memcpy (out + r * nl, src + i * nl, nl * sizeof (double));
    }
}

gsize
bpv_session_get_grad_norms (BpvSession     *self,
                            const double  **norms,
                            gsize          *n_layers,
                            guint64        *stride)
{
  gsize nl = net_of (self)->n_layers;
  guint n = self->norm_steps->len;
  const guint64 *steps = (const guint64 *) self->norm_steps->data;
  guint64 last, st;
  gsize n_out;

  *n_layers = nl;
  *norms = NULL;
  *stride = 1;
  if (n == 0)
    return 0;
  last = steps[n - 1];
  st = MAX (1, (last + PLOT_POINTS - 1) / PLOT_POINTS);
  n_out = (gsize) MAX (1, last / st);
  g_free (self->resampled);
  self->resampled = g_new (double, n_out * nl);
  resample_records (self, st, n_out, self->resampled);
  *norms = self->resampled;
  *stride = st;
  return n_out;
}

const double *
bpv_session_get_last_grad_norms (BpvSession *self)
{
  guint n = self->norm_steps->len;

  if (n == 0)
    return NULL;
  return &g_array_index (self->norms, double, (n - 1) * net_of (self)->n_layers);
}

const BpEpochStats *
bpv_session_get_epochs (BpvSession *self,
                        gsize      *n)
{
  *n = self->epochs->len;
  return (const BpEpochStats *) self->epochs->data;
}

guint64
bpv_session_get_step_count (BpvSession *self)
{
  return self->steps;
}

guint
bpv_session_get_epoch (BpvSession *self)
{
  return self->epoch;
}

double
bpv_session_get_steps_per_second (BpvSession *self)
{
  return self->thread != NULL ? self->steps_per_second : 0.0;
}

double
bpv_session_get_loss (BpvSession *self)
{
  const BpTrace *t = bpv_session_get_trace (self, NULL);

  if (is_stepping (self) && !bpv_stepper_cost_known (self->stepper))
    return NAN;
  return t != NULL ? t->loss : NAN;
}

/* ---------------------------------------------------------------- running */

gboolean
bpv_session_get_running (BpvSession *self)
{
  return self->thread != NULL;
}

gboolean
bpv_session_get_stopping (BpvSession *self)
{
  return self->stopping;
}

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
  clear_fault (self);
  emit_values (self);
}

gboolean
bpv_session_play (BpvSession *self,
                  GError    **error)
{
  GError *local = NULL;

  g_return_val_if_fail (BPV_IS_SESSION (self), FALSE);

  if (self->thread != NULL)
    {
      if (self->stopping)
        {
          self->restart_after_stop = TRUE;
          self->step_after_stop = FALSE;
        }
      return TRUE;
    }
  bpv_session_set_autoplay (self, FALSE);
  start_thread (self, &local);
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  emit_values (self);
  return TRUE;
}

void
bpv_session_pause (BpvSession *self)
{
  g_return_if_fail (BPV_IS_SESSION (self));

  self->restart_after_stop = FALSE;
  if (self->thread == NULL || self->stopping)
    return;
  self->stopping = TRUE;
  bpv_trainer_thread_stop (self->thread);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STOPPING]);
}

static void
after_step (BpvSession *self,
            guint64     steps_before)
{
  BpvStepper *st = self->stepper;
  guint64 steps = bpv_stepper_get_step_count (st);

  if (steps > steps_before)
    {
      /* The update of this cycle was applied: one record. */
      const BpTrace *t = bpv_stepper_get_trace (st);

      if (t != NULL)
        append_record (self, steps, t->grad_norm);
      g_signal_emit (self, signals[HISTORY_CHANGED], 0);
    }
  else if (steps < steps_before)
    {
      drop_records_after (self, steps);
      g_signal_emit (self, signals[HISTORY_CHANGED], 0);
    }
  self->steps = steps;
  self->maps_dirty = TRUE;
  self->probe_dirty = TRUE;
  if (steps != steps_before)
    {
      bp_edit_history_mark_changed (self->history);
      g_signal_emit (self, signals[EDITED], 0);
    }
  /* A cycle that could not begin or update on NaN/Inf keeps its fault; a
   * step that went through ends it. */
  {
    BpTrainFault fault;

    if (bpv_stepper_get_fault (st, &fault))
      set_fault (self, &fault);
    else if (steps != steps_before)
      clear_fault (self);
  }
  emit_values (self);
}

static gboolean
step_with (BpvSession *self,
           gboolean  (*func) (BpvStepper *, GError **),
           GError    **error)
{
  guint64 before;
  gboolean ok;

  if (self->thread != NULL)
    {
      bpv_session_pause (self);
      self->step_after_stop = TRUE;
      self->restart_after_stop = FALSE;
      return TRUE;
    }
  before = bpv_stepper_get_step_count (self->stepper);
  ok = func (self->stepper, error);
  after_step (self, before);
  return ok;
}

gboolean
bpv_session_step (BpvSession *self,
                  GError    **error)
{
  g_return_val_if_fail (BPV_IS_SESSION (self), FALSE);

  return step_with (self, bpv_stepper_next, error);
}

gboolean
bpv_session_step_phase (BpvSession *self,
                        GError    **error)
{
  g_return_val_if_fail (BPV_IS_SESSION (self), FALSE);

  return step_with (self, bpv_stepper_next_phase, error);
}

gboolean
bpv_session_can_step_back (BpvSession *self)
{
  return self->thread == NULL
         && (is_stepping (self) || bpv_stepper_get_n_kept (self->stepper) > 0);
}

gboolean
bpv_session_step_back (BpvSession *self)
{
  guint64 before;
  gboolean ok;

  g_return_val_if_fail (BPV_IS_SESSION (self), FALSE);

  if (self->thread != NULL)
    return FALSE;
  before = bpv_stepper_get_step_count (self->stepper);
  ok = bpv_stepper_back (self->stepper);
  after_step (self, before);
  return ok;
}

void
bpv_session_set_autoplay (BpvSession *self,
                          gboolean    autoplay)
{
  g_return_if_fail (BPV_IS_SESSION (self));

  autoplay = !!autoplay;
  if (autoplay == bpv_stepper_get_autoplay (self->stepper))
    return;
  if (autoplay && self->thread != NULL)
    bpv_session_pause (self);
  bpv_stepper_set_autoplay (self->stepper, autoplay);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTOPLAY]);
  emit_values (self);
}

gboolean
bpv_session_get_autoplay (BpvSession *self)
{
  return bpv_stepper_get_autoplay (self->stepper);
}

gboolean
bpv_session_is_animating (BpvSession *self)
{
  return self->thread == NULL
         && (bpv_stepper_is_animating (self->stepper) || bpv_stepper_get_autoplay (self->stepper));
}

gboolean
bpv_session_tick (BpvSession *self,
                  double      seconds)
{
  g_autoptr(GError) error = NULL;
  guint64 before;
  BpvTickResult r;

  if (self->thread != NULL)
    return FALSE;
  before = bpv_stepper_get_step_count (self->stepper);
  r = bpv_stepper_tick (self->stepper, seconds, &error);
  switch (r)
    {
    case BPV_TICK_ANIMATING:
      /* Only the progress moved: redraw, the numbers are the same. */
      emit_redraw (self);
      return TRUE;
    case BPV_TICK_STEPPED:
      bpv_event ("ACTION autostep phase=%s layer=%zu",
                 bpv_step_phase_to_string (bpv_stepper_get_phase (self->stepper)),
                 bpv_stepper_get_layer (self->stepper) + 1);
      after_step (self, before);
      return TRUE;
    case BPV_TICK_ERROR:
      {
        BpTrainFault fault;

        if (bpv_stepper_get_fault (self->stepper, &fault))
          set_fault (self, &fault);
      }
      emit_message (self, error->message, TRUE);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTOPLAY]);
      emit_values (self);
      return FALSE;
    case BPV_TICK_IDLE:
    default:
      return bpv_stepper_get_autoplay (self->stepper);
    }
}

static void
reset_weights (BpvSession *self)
{
  BpRng rng;

  if (self->thread != NULL)
    discard_thread (self);
  bpv_stepper_set_autoplay (self->stepper, FALSE);
  bp_rng_init (&rng, self->model->seed);
  bp_network_init_weights (net_of (self), self->model->init, &rng);
  bp_network_zero_grad (net_of (self));
  bp_optimizer_reset (self->model->optimizer, net_of (self)->n_params);
  clear_history (self);
  bpv_stepper_reset (self->stepper, 0);
  invalidate_values (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTOPLAY]);
  emit_values (self);
}

void
bpv_session_reset_weights (BpvSession *self)
{
  BpModel *before;

  g_return_if_fail (BPV_IS_SESSION (self));

  before = change_begin (self);
  reset_weights (self);
  change_end (self, before, g_strdup ("Reset weights"));
}

/* --------------------------------------------------------------- settings */

void
bpv_session_set_speed (BpvSession *self,
                       double      speed)
{
  g_return_if_fail (BPV_IS_SESSION (self));

  speed = CLAMP (speed, 0.0, 1.0);
  if (speed == self->speed)
    return;
  self->speed = speed;
  bpv_stepper_set_stop_duration (self->stepper, stop_duration_for (speed));
  if (self->thread != NULL)
    bpv_trainer_thread_set_rate (self->thread, train_rate_for (speed));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPEED]);
}

double
bpv_session_get_speed (BpvSession *self)
{
  return self->speed;
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
  change_end (self, before, g_strdup_printf ("Change learning rate to %g", lr));
  restart_if_running (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LEARNING_RATE]);
  emit_values (self);
  return TRUE;
}

double
bpv_session_get_learning_rate (BpvSession *self)
{
  double lr = NAN;

  bp_optimizer_get (self->model->optimizer, "lr", &lr);
  return lr;
}

static void
update_stepper_batch (BpvSession *self)
{
  gsize B = self->step_sample ? 1 : self->model->batch_size;

  if (bpv_stepper_get_batch_size (self->stepper) == MIN (B, self->train->n_rows))
    return;
  bpv_stepper_set_batch_size (self->stepper, B);
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
  change_end (self, before, g_strdup_printf ("Change batch size to %zu", batch_size));
  update_stepper_batch (self);
  restart_if_running (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BATCH_SIZE]);
}

gsize
bpv_session_get_batch_size (BpvSession *self)
{
  return self->model->batch_size;
}

void
bpv_session_set_step_sample (BpvSession *self,
                             gboolean    one_sample)
{
  g_return_if_fail (BPV_IS_SESSION (self));

  one_sample = !!one_sample;
  if (one_sample == self->step_sample)
    return;
  self->step_sample = one_sample;
  update_stepper_batch (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STEP_SAMPLE]);
}

gboolean
bpv_session_get_step_sample (BpvSession *self)
{
  return self->step_sample;
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
                   "weight decay must be a finite number ≥ 0");
      return FALSE;
    }
  before = change_begin (self);
  /* An optimizer with decoupled decay has its own hyperparameter. */
  if (bp_param_index (opt->desc->hyper_specs, opt->desc->n_hyper, "weight_decay") >= 0)
    {
      if (!bp_optimizer_set (opt, "weight_decay", weight_decay, error))
        {
          bp_model_free (before);
          return FALSE;
        }
    }
  else
    opt->weight_decay = weight_decay;
  change_end (self, before, g_strdup_printf ("Change weight decay to %g", weight_decay));
  restart_if_running (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WEIGHT_DECAY]);
  emit_values (self);
  return TRUE;
}

double
bpv_session_get_weight_decay (BpvSession *self)
{
  const BpOptimizer *opt = self->model->optimizer;
  double wd;

  if (bp_param_index (opt->desc->hyper_specs, opt->desc->n_hyper, "weight_decay") >= 0
      && bp_optimizer_get (opt, "weight_decay", &wd))
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
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEED]);
  /* The seed names the starting weights: start from them. */
  reset_weights (self);
  rebuild_stepper (self);
  change_end (self, before, g_strdup_printf ("Change seed to %" G_GUINT64_FORMAT, seed));
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
  opt = bp_optimizer_new (NULL, id, net_of (self)->n_params, error);
  if (opt == NULL)
    return FALSE;
  /* The learning rate and decay carry over where the new one takes them. */
  if (bp_optimizer_get (old, "lr", &lr))
    bp_optimizer_set (opt, "lr", lr, NULL);
  wd = bpv_session_get_weight_decay (self);
  if (bp_param_index (opt->desc->hyper_specs, opt->desc->n_hyper, "weight_decay") >= 0)
    bp_optimizer_set (opt, "weight_decay", wd, NULL);
  else
    opt->weight_decay = wd;

  was_running = self->thread != NULL && !self->stopping;
  discard_thread (self);
  before = change_begin (self);
  bp_optimizer_free (old);
  self->model->optimizer = opt;
  rebuild_stepper (self);
  change_end (self, before, g_strdup_printf ("Change optimizer to %s", id));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LEARNING_RATE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WEIGHT_DECAY]);
  if (was_running)
    start_thread (self, NULL);
  emit_values (self);
  return TRUE;
}

static void
network_changed_in_place (BpvSession *self)
{
  discard_thread (self);
  bp_optimizer_reset (self->model->optimizer, net_of (self)->n_params);
  bpv_stepper_reset (self->stepper, self->steps);
  invalidate_values (self);
  g_signal_emit (self, signals[STRUCTURE_CHANGED], 0);
  emit_values (self);
}

gboolean
bpv_session_set_cost (BpvSession *self,
                      const char *id,
                      GError    **error)
{
  g_return_val_if_fail (BPV_IS_SESSION (self), FALSE);

  BpModel *before;

  if (g_strcmp0 (net_of (self)->cost_id, id) == 0)
    return TRUE;
  before = change_begin (self);
  if (!bp_network_set_cost (net_of (self), id, NULL, error))
    {
      bp_model_free (before);
      return FALSE;
    }
  change_end (self, before, g_strdup_printf ("Change cost to %s", id));
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

  net = net_of (self);
  g_return_val_if_fail (layer < net->n_layers, FALSE);
  if (g_strcmp0 (net->layers[layer].act_id, id) == 0)
    return TRUE;
  before = change_begin (self);
  if (!bp_network_set_activation (net, layer, id, NULL, error))
    {
      bp_model_free (before);
      return FALSE;
    }
  change_end (self, before, g_strdup_printf ("Change activation of layer %zu to %s", layer + 1, id));
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

  old = net_of (self);
  if (n + 1 > BP_MAX_LAYERS)
    {
      g_set_error (error, BP_NETWORK_ERROR, BP_NETWORK_ERROR_INVALID,
                   "at most %d hidden layers", BP_MAX_LAYERS - 1);
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

  discard_thread (self);
  before = change_begin (self);
  bp_rng_init (&rng, self->model->seed);
  bp_network_init_weights (net, self->model->init, &rng);
  bp_network_free (self->model->network);
  self->model->network = g_steal_pointer (&net);
  bp_optimizer_reset (self->model->optimizer, self->model->network->n_params);
  structure_changed (self);
  change_end (self, before, g_strdup ("Change hidden layers"));
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
  discard_thread (self);
  before = change_begin (self);
  if (!load_dataset (self, name_or_path, rows, noise, test_fraction, error))
    {
      bp_model_free (before);
      return FALSE;
    }
  bp_optimizer_reset (self->model->optimizer, net_of (self)->n_params);
  bpv_event ("DATASET %s rows=%zu features=%zu targets=%zu", self->data->name,
             self->data->n_rows, self->data->n_features, self->data->n_targets);
  /* The name may be the window's, which "structure-changed" rebuilds. */
  {
    g_autofree char *base = g_path_get_basename (name_or_path);

    label = g_strdup_printf ("Change dataset to %s", base);
  }
  structure_changed (self);
  change_end (self, before, g_steal_pointer (&label));
  return TRUE;
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
  selection_clamp (self);
  g_signal_emit (self, signals[SELECTION_CHANGED], 0);
  emit_values (self);
}

const BpvHit *
bpv_session_get_selection (BpvSession *self)
{
  return &self->selection;
}

void
bpv_session_set_probe_row (BpvSession *self,
                           gsize       row)
{
  g_return_if_fail (BPV_IS_SESSION (self));

  row = MIN (row, self->train->n_rows - 1);
  if (row == self->probe_row)
    return;
  self->probe_row = row;
  self->probe_dirty = TRUE;
  emit_values (self);
}

/* ------------------------------------------------------------------ edits */

/* The model's contents were replaced (an edit, undo, redo): the data it
 * names, the stepper, the layouts and the settings shown follow it. */
static void
after_model_change (BpvSession *self)
{
  g_autofree char *key = data_key_of (self->model);

  if (g_strcmp0 (key, self->data_key) != 0)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *name = g_strdup (self->model->dataset != NULL
                                        ? self->model->dataset : "moons");

      if (!load_dataset (self, name, self->model->dataset_rows, self->model->dataset_noise,
                         self->model->test_fraction >= 0 ? self->model->test_fraction : 0.2,
                         &error))
        emit_message (self, error->message, TRUE);
    }
  clear_fault (self);
  structure_changed (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LEARNING_RATE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WEIGHT_DECAY]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BATCH_SIZE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEED]);
  g_signal_emit (self, signals[EDITED], 0);
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
  discard_thread (self);
  /* The undo step keeps where the run stood. */
  store_progress (self);
  version = bp_edit_history_version (self->history);
  if (!bp_edit_apply (self->history, self->model, edit, error))
    return FALSE;
  if (bp_edit_history_version (self->history) == version)
    return TRUE;
  bpv_event ("EDIT %s layers=%zu", label, net_of (self)->n_layers);
  after_model_change (self);
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
  discard_thread (self);
  /* Training just recorded is what undo takes back first. */
  if (!redo && bp_edit_can_undo (self->history))
    {
      g_free (label);
      label = g_strdup (bp_edit_undo_label (self->history));
    }
  store_progress (self);
  if (!(redo ? bp_edit_redo (self->history, self->model)
             : bp_edit_undo (self->history, self->model)))
    return FALSE;
  bpv_event ("%s %s layers=%zu", redo ? "REDO" : "UNDO", label, net_of (self)->n_layers);
  after_model_change (self);
  apply_progress (self);
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

/* Where the run stands, for the file: the step count and the epochs (the
 * worker draws its batches from the seed and the step count), and the step
 * mode's generator, order and position, so that stepping on after opening
 * the file takes the same batches, bit for bit. */
static void
store_progress (BpvSession *self)
{
  BpTrainProgress *p;

  g_clear_pointer (&self->model->progress, bp_train_progress_free);
  if (self->steps == 0 && self->epochs->len == 0)
    return;
  p = bp_train_progress_new (self->train->n_rows, self->model->seed);
  {
    const gsize *order;
    gsize n_rows, cursor;

    bpv_stepper_get_batch_source (self->stepper, &p->rng, &order, &n_rows, &cursor);
    if (n_rows == p->n_rows)
      {
        memcpy (p->order, order, n_rows * sizeof (gsize));
        p->cursor = cursor;
      }
  }
  p->steps = self->steps;
  p->epoch = self->epoch;
  g_array_append_vals (p->history, self->epochs->data, MIN (self->epochs->len, self->epoch));
  p->grad_norm_layers = net_of (self)->n_layers;
  /* The gradient-norm records, every `stride` steps (a power of two, at
   * most PLOT_POINTS of them): each the latest record at or before its
   * step, as the plot shows them. */
  if (self->norm_steps->len > 0)
    {
      const guint64 *steps = (const guint64 *) self->norm_steps->data;
      guint64 last = MIN (steps[self->norm_steps->len - 1], self->steps), stride = 1;

      while (last / stride > PLOT_POINTS)
        stride *= 2;
      p->grad_norm_stride = stride;
      g_array_set_size (p->grad_norms, (guint) (last / stride * p->grad_norm_layers));
      resample_records (self, stride, (gsize) (last / stride), (double *) (void *) p->grad_norms->data);
    }
  self->model->progress = p;
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
  record_training (self, self->thread != NULL && !self->stopping);
  store_progress (self);
  if (!bp_model_save_file (self->model, path, error))
    return FALSE;
  bp_edit_history_mark_saved (self->history);
  g_signal_emit (self, signals[EDITED], 0);
  return TRUE;
}

void
bpv_session_mark_changed (BpvSession *self)
{
  g_return_if_fail (BPV_IS_SESSION (self));

  bp_edit_history_mark_changed (self->history);
  g_signal_emit (self, signals[EDITED], 0);
}

gboolean
bpv_session_write_copy (BpvSession *self,
                        const char *path,
                        GError    **error)
{
  g_return_val_if_fail (BPV_IS_SESSION (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  store_progress (self);
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
