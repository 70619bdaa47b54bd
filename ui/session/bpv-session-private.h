/* bpv-session-private.h — what the bpv-session*.c family shares: the
 * instance struct, the property and signal ids, and the internal functions
 * one file of the family calls in another.  Not installed, not for the
 * widgets: they use bpv-session.h.
 *
 * The family (GTK-free, like the rest of ui/session/):
 *   bpv-session.c           the object: properties, signals, model and data,
 *                           what is shown (trace, probe, render state),
 *                           the selection and the fault;
 *   bpv-session-training.c  the worker thread's runs and their snapshots,
 *                           and step mode (the stepper);
 *   bpv-session-history.c   the gradient-norm records, the epochs, their
 *                           resampling, and the progress a file keeps;
 *   bpv-session-heatmaps.c  the decision map and the neurons' maps over the
 *                           input plane, recomputed when stale;
 *   bpv-session-edit.c      every change that is an undo step (settings,
 *                           edits, reset), undo/redo, save;
 *   bpv-session-dist.c      the distributions over the recording, on a worker.
 *   bpv-session-record.c    the recording of every run, a past step shown,
 *                           resuming from one (a fork), MODEL.bprecord.
 */
#pragma once

#include "bpv-session.h"
#include "bp-record.h"
#include "bp-record-dist.h"
#include "bpv-trainer-thread.h"

G_BEGIN_DECLS

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

  /* training (bpv-session-training.c) */
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

  /* history (bpv-session-history.c) */
  GArray           *norm_steps;   /* guint64 */
  GArray           *norms;        /* double, n_layers per record */
  GArray           *epochs;       /* BpEpochStats */
  double           *resampled;
  char            **norm_names;      /* bpv_session_get_grad_norm_names, n_layers entries */
  gsize             n_norm_names;
  guint64           steps;
  guint             epoch;

  /* heat maps (bpv-session-heatmaps.c) */
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

  /* the recording (bpv-session-record.c): NULL while a worker holds it */
  BpRecord         *record;
  /* bpv_session_lock_record: how deep, the worker whose recording is
   * locked (NULL: the session's own) and that recording */
  guint             record_locks;
  BpvTrainerThread *record_locked;
  const BpRecord   *locked_record;
  BpNetwork        *shown_net;    /* a past step shown, or NULL: the present */
  guint64           shown_step;
  /* The optimizer as at shown_step (restored beside shown_net), or NULL:
   * the present, or a past whose state the recording cannot give. */
  BpOptimizer      *shown_opt;
  char             *fork_data;    /* the recording before the last fork */
  gsize             fork_len;
  guint             fork_depth;   /* undo steps with that fork's step */

  /* distributions over the recording (bpv-session-dist.c) */
  BpRecordDist     *dist;             /* the latest computed, or NULL */
  char             *dist_key;         /* the recording it was computed from */
  char             *dist_error;       /* why the latest computation failed */
  GCancellable     *dist_cancel;      /* the running worker's, or NULL */
  char             *dist_running_key; /* what that worker computes */
  gint64            dist_live_time;   /* when the last computation ended */

  /* edits and their undo history (bpv-session-edit.c) */
  BpEditHistory    *history;
  char             *data_key;     /* the dataset reference `data` was loaded from */
};

typedef enum {
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
} BpvSessionProp;

/* _bpv_session_emit takes those without arguments; "message" goes through
 * _bpv_session_emit_message. */
typedef enum {
  SIGNAL_STRUCTURE_CHANGED,
  SIGNAL_VALUES_CHANGED,
  SIGNAL_HISTORY_CHANGED,
  SIGNAL_SELECTION_CHANGED,
  SIGNAL_MESSAGE,
  SIGNAL_EDITED,
  N_SIGNALS
} BpvSessionSignal;

/* The default dataset of a model that names none, and the test fraction
 * of one that sets none (a fifth of the rows, held out). */
#define BPV_SESSION_DEFAULT_DATASET       "moons"
#define BPV_SESSION_DEFAULT_TEST_FRACTION 0.2

/* The heat maps are drawn over the input plane: for networks of exactly
 * two inputs. */
#define BPV_SESSION_PLANE_INPUTS          2

static inline BpNetwork *
_bpv_session_net (BpvSession *self)
{
  return self->model->network;
}

/* bpv-session.c */
void     _bpv_session_notify               (BpvSession         *self,
                                            BpvSessionProp      prop);
void     _bpv_session_emit                 (BpvSession         *self,
                                            BpvSessionSignal    signal);
/* Numbers changed: what is shown is brought up to date, then
 * "values-changed" (the values serial moves). */
void     _bpv_session_emit_values          (BpvSession         *self);
/* Only a redraw: "values-changed", the serial stays. */
void     _bpv_session_emit_redraw          (BpvSession         *self);
void     _bpv_session_emit_message         (BpvSession         *self,
                                            const char         *text,
                                            gboolean            is_error);
void     _bpv_session_set_fault            (BpvSession         *self,
                                            const BpTrainFault *fault);
void     _bpv_session_clear_fault          (BpvSession         *self);
void     _bpv_session_invalidate_values    (BpvSession         *self);
gboolean _bpv_session_is_stepping          (BpvSession         *self);
void     _bpv_session_structure_changed    (BpvSession         *self);
/* Which data a model's dataset reference names (free with g_free). */
char    *_bpv_session_data_key             (const BpModel      *model);
gboolean _bpv_session_load_dataset         (BpvSession         *self,
                                            const char         *name_or_path,
                                            gsize               rows,
                                            double              noise,
                                            double              test_fraction,
                                            GError            **error);
/* The data the model names, with the defaults above for what it leaves
 * unset. */
gboolean _bpv_session_load_model_dataset   (BpvSession         *self,
                                            GError            **error);
/* bpv-session-edit.c: the model was replaced (undo, redo, an edit, B
 * kept from a comparison): the data, the layouts and the numbers follow. */
void     _bpv_session_after_model_change   (BpvSession         *self);

/* bpv-session-training.c */
/* A new stepper for the model, the data, the step size and the speed. */
void     _bpv_session_rebuild_stepper      (BpvSession         *self);
void     _bpv_session_update_stepper_batch (BpvSession         *self);
void     _bpv_session_start_thread         (BpvSession         *self,
                                            GError            **error);
void     _bpv_session_discard_thread       (BpvSession         *self);
void     _bpv_session_restart_if_running   (BpvSession         *self);
/* The run so far becomes an undo step ("Train N Steps"). */
void     _bpv_session_record_training      (BpvSession         *self,
                                            gboolean            continuing);

/* bpv-session-history.c */
void     _bpv_session_clear_history        (BpvSession         *self);
void     _bpv_session_append_record        (BpvSession         *self,
                                            guint64             step,
                                            const double       *norms);
void     _bpv_session_drop_records_after   (BpvSession         *self,
                                            guint64             step);
/* Where the run stands, into the model (for a file or an undo step), and
 * back from it (after opening, undo, redo). */
void     _bpv_session_store_progress       (BpvSession         *self);
void     _bpv_session_apply_progress       (BpvSession         *self);

/* bpv-session-dist.c: stops the worker (it finishes on its own and is
 * ignored); and that, and frees what was computed. */
void             _bpv_session_dist_cancel      (BpvSession         *self);
void             _bpv_session_dist_clear       (BpvSession         *self);

/* bpv-session-record.c */
/* The recording (a new one if none), for a worker to own; and back. */
BpRecord        *_bpv_session_record_take      (BpvSession         *self);
void             _bpv_session_record_give_back (BpvSession         *self,
                                                BpRecord           *rec);
/* Step mode: the stepper's position after a step (trace: its statistics)
 * or before the first one (NULL). */
void             _bpv_session_record_step_mode (BpvSession         *self,
                                                const BpTrace      *trace);
/* The network shown: a past step's copy, or the live one. */
BpNetwork       *_bpv_session_shown_net        (BpvSession         *self);
void             _bpv_session_record_clear_shown (BpvSession       *self);
/* Training or stepping from a past step shown: back to the present, and a
 * message saying so (Resume from Here forks instead). */
void             _bpv_session_record_leave_past (BpvSession        *self);
/* After an undo: undoing a fork puts back what it truncated. */
void             _bpv_session_record_after_undo (BpvSession        *self);

/* bpv-session-heatmaps.c */
void     _bpv_session_update_maps          (BpvSession         *self);

G_END_DECLS
