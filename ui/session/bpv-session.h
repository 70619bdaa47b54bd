/* bpv-session.h — one experiment as the window shows it: the model (network,
 * optimizer, settings), its dataset split into train/test, the step-mode
 * stepper, the training worker, the history of gradient norms and epochs,
 * the heat maps and the selection.
 *
 * GTK-free (a GObject): the widgets read it and call its methods; it never
 * draws.  All of it runs on the main thread; training runs on a worker
 * (BpvTrainerThread) that owns copies, and its snapshots are applied here.
 *
 * Signals:
 *   structure-changed  the network's shape or the dataset was replaced:
 *                      layouts, maps and pickers must be rebuilt;
 *   values-changed     parameters, trace, phase or progress changed: redraw;
 *   history-changed    new gradient-norm records or epochs: replot;
 *   selection-changed  the selected neuron/edge changed;
 *   message (s, b)     a message for the user (toast); b = TRUE for an
 *                      error that stopped something (NaN/Inf);
 *   notify::has-fault  training stopped on NaN/Inf (bpv_session_get_fault),
 *                      or that fault was cleared;
 *   edited             the undo history or the dirty state changed (an
 *                      edit, a setter, undo/redo, training, a save).
 *
 * Every setter below that changes the model (activation, cost, optimizer,
 * hyperparameters, dataset, seed, hidden layers, reset) is recorded in the
 * session's undo history, as bpv_session_edit's edits are.
 *
 * Implemented by a family of files, one a section below (the list is in
 * bpv-session-private.h): bpv-session.c (the object, what is shown, the
 * selection), bpv-session-heatmaps.c, -history.c, -training.c (running),
 * -edit.c (settings, edits, saving), -record.c (the recording) and -dist.c
 * (the distributions over it).
 */
#pragma once

#include <glib-object.h>

#include "bp-compare.h"
#include "bp-edit.h"
#include "bp-model.h"
#include "bp-dataset.h"
#include "bp-record.h"
#include "bp-record-dist.h"
#include "bp-trainer.h"
#include "bpv-heatmap.h"
#include "bpv-layout.h"
#include "bpv-render.h"
#include "bpv-stepper.h"

G_BEGIN_DECLS

#define BPV_TYPE_SESSION (bpv_session_get_type ())
G_DECLARE_FINAL_TYPE (BpvSession, bpv_session, BPV, SESSION, GObject)

/* A copy of `model` is taken.  Its dataset (or "moons") is generated or
 * loaded; FALSE/NULL with the error when that fails. */
BpvSession          *bpv_session_new                (const BpModel *model,
                                                     GError       **error);

const BpModel       *bpv_session_get_model          (BpvSession *self);
/* The live network (during training: the latest snapshot's values). */
const BpNetwork     *bpv_session_get_network        (BpvSession *self);
const BpOptimizer   *bpv_session_get_optimizer      (BpvSession *self);
const BpDataset     *bpv_session_get_dataset        (BpvSession *self);
const BpDataset     *bpv_session_get_train          (BpvSession *self);
const BpDataset     *bpv_session_get_test           (BpvSession *self);
BpvStepper          *bpv_session_get_stepper        (BpvSession *self);

/* ---------------------------------------------------------- what is shown */
/* The trace shown and its sample: the step-mode cycle's, else the latest
 * training snapshot's, else a forward/backward of the probe row. */
const BpTrace       *bpv_session_get_trace          (BpvSession *self,
                                                     gsize      *sample);
/* The training-set row of that sample. */
gsize                bpv_session_get_shown_row      (BpvSession *self);
/* Fills net, trace, sample, phase, layer, t, old_params, selection,
 * path_edge, neuron_maps and fault; leaves the rest of `state` alone. */
void                 bpv_session_fill_render_state  (BpvSession     *self,
                                                     BpvRenderState *state);
/* Changes whenever the numbers shown change (not when only the step-mode
 * animation moves): what follows the numbers can skip the rest. */
guint64              bpv_session_get_values_serial  (BpvSession *self);
/* Is this value computed at the current stop?  (Always TRUE outside step
 * mode.) */
gboolean             bpv_session_forward_known      (BpvSession *self,
                                                     gsize       layer);
gboolean             bpv_session_backward_known     (BpvSession *self,
                                                     gsize       layer);
/* n_inputs is a square image (8×8 digits): its size, else FALSE. */
gboolean             bpv_session_input_image        (BpvSession *self,
                                                     gsize      *width,
                                                     gsize      *height);
/* -------------------------------------------------------------- heat maps */
/* For 2-input networks, the maps of the current parameters (recomputed
 * when stale, at most ~8 times a second during training); NULL otherwise. */
const BpvDecisionMap *bpv_session_get_decision_map  (BpvSession *self);
const BpvNeuronMaps *bpv_session_get_neuron_maps    (BpvSession *self);
double               bpv_session_get_decision_level (BpvSession *self);

/* ---------------------------------------------------------------- history */
/* ‖∂C/∂W(n)‖ records resampled to a uniform stride for bpv_plot_grad_norms:
 * returns n_records; *norms (n_records × n_layers) is owned by the session
 * and valid until the next call. */
gsize                bpv_session_get_grad_norms     (BpvSession     *self,
                                                     const double  **norms,
                                                     gsize          *n_layers,
                                                     guint64        *stride);
/* The name of each layer's line in that plot ("W(1)", "γ(2)"; NULL for a
 * dropout layer, which has no parameters), for BpvPlotStyle.layer_names;
 * NULL for a plain dense network (every line "W(n)").  Owned by the
 * session, valid until the next call. */
const char *const   *bpv_session_get_grad_norm_names (BpvSession *self);
const BpEpochStats  *bpv_session_get_epochs         (BpvSession *self,
                                                     gsize      *n);
guint64              bpv_session_get_step_count     (BpvSession *self);
guint                bpv_session_get_epoch          (BpvSession *self);
double               bpv_session_get_steps_per_second (BpvSession *self);
/* The cost of the shown batch (NaN when unknown). */
double               bpv_session_get_loss           (BpvSession *self);

/* ----------------------------------------------------- running (training) */
gboolean             bpv_session_get_running        (BpvSession *self);
/* Stop asked, final snapshot not yet in. */
gboolean             bpv_session_get_stopping       (BpvSession *self);
/* Training or a step stopped on a value that was not finite: TRUE with
 * where and what in *fault (may be NULL; its step counts from step 0).  The
 * session then selected the value at fault (a neuron, or an edge for a
 * weight) and shows the sample it happened on.  The fault stays until the
 * model changes (any setter or edit, undo, redo, reset) or training or
 * stepping gets past the step that failed; "has-fault" follows it. */
gboolean             bpv_session_get_fault          (BpvSession   *self,
                                                     BpTrainFault *fault);
/* Forgets the fault (the user dismissed it). */
void                 bpv_session_clear_fault        (BpvSession *self);
gboolean             bpv_session_play               (BpvSession *self,
                                                     GError    **error);
void                 bpv_session_pause              (BpvSession *self);
/* Step mode; while training runs these pause it first and act when the
 * worker has handed its parameters back.  FALSE with an error for NaN/Inf
 * (also sent as a message). */
gboolean             bpv_session_step               (BpvSession *self,
                                                     GError    **error);
gboolean             bpv_session_step_back          (BpvSession *self);
gboolean             bpv_session_step_phase         (BpvSession *self,
                                                     GError    **error);
gboolean             bpv_session_can_step_back      (BpvSession *self);
void                 bpv_session_set_autoplay       (BpvSession *self,
                                                     gboolean    autoplay);
gboolean             bpv_session_get_autoplay       (BpvSession *self);
/* Advances the step-mode animation; TRUE while something moves (keep the
 * tick callback), FALSE when at rest. */
gboolean             bpv_session_tick               (BpvSession *self,
                                                     double      seconds);
gboolean             bpv_session_is_animating       (BpvSession *self);

/* 0 (slow, classroom) … 1 (as fast as possible). */
void                 bpv_session_set_speed          (BpvSession *self,
                                                     double      speed);
double               bpv_session_get_speed          (BpvSession *self);
/* Step mode takes one sample (TRUE) or one mini-batch (FALSE). */
void                 bpv_session_set_step_sample    (BpvSession *self,
                                                     gboolean    one_sample);
gboolean             bpv_session_get_step_sample    (BpvSession *self);

/* -------------------------------------------------- settings (undo steps) */
/* New weights from the seed, optimizer state cleared, history cleared. */
void                 bpv_session_reset_weights      (BpvSession *self);
gboolean             bpv_session_set_learning_rate  (BpvSession *self,
                                                     double      lr,
                                                     GError    **error);
double               bpv_session_get_learning_rate  (BpvSession *self);
/* The learning-rate schedule (bp-schedule.h), one undo step; it starts at
 * the next step, as a torch scheduler made then.  A run goes on with it. */
gboolean             bpv_session_set_schedule       (BpvSession       *self,
                                                     const BpSchedule *schedule,
                                                     GError          **error);
/* Owned by the session's optimizer: valid until the next change. */
const BpSchedule    *bpv_session_get_schedule       (BpvSession *self);
void                 bpv_session_set_batch_size     (BpvSession *self,
                                                     gsize       batch_size);
gsize                bpv_session_get_batch_size     (BpvSession *self);
gboolean             bpv_session_set_weight_decay   (BpvSession *self,
                                                     double      weight_decay,
                                                     GError    **error);
double               bpv_session_get_weight_decay   (BpvSession *self);
void                 bpv_session_set_seed           (BpvSession *self,
                                                     guint64     seed);
guint64              bpv_session_get_seed           (BpvSession *self);
gboolean             bpv_session_set_optimizer      (BpvSession *self,
                                                     const char *id,
                                                     GError    **error);
gboolean             bpv_session_set_cost           (BpvSession *self,
                                                     const char *id,
                                                     GError    **error);
/* `layer` is the C index. */
gboolean             bpv_session_set_activation     (BpvSession *self,
                                                     gsize       layer,
                                                     const char *id,
                                                     GError    **error);
/* Hidden widths (the output width follows the dataset); re-initialises. */
gboolean             bpv_session_set_hidden_layers  (BpvSession  *self,
                                                     const gsize *widths,
                                                     gsize        n,
                                                     GError     **error);
/* A generator or built-in name, or a CSV path; rows/noise as for
 * bp_dataset_open (0 and < 0: defaults).  The input and output layers
 * follow the dataset's widths.  BPV_SESSION_NO_DATA (also as a model's
 * dataset) is two rows of zeros as wide as the network: a model that has
 * no data (an imported one whose data the user did not choose) shows its
 * network and a forward pass on an input of zeros. */
#define BPV_SESSION_NO_DATA BP_DATASET_NONE

gboolean             bpv_session_set_dataset        (BpvSession *self,
                                                     const char *name_or_path,
                                                     gsize       rows,
                                                     double      noise,
                                                     double      test_fraction,
                                                     GError    **error);

/* --------------------------------------- the recording (-record.c) */
/* Every run and every step-mode step is recorded within
 * BP_RECORD_DEFAULT_BUDGET (64 MiB; every k steps, k doubling: bp-record.h).
 * Owned by the session; NULL while training runs (the worker holds it). */
const BpRecord      *bpv_session_get_record         (BpvSession *self);
/* The recording to read, also while training runs (then the worker's: it
 * waits for the unlock before adding its next step).  Pair every lock with
 * an unlock within one main-loop iteration; locks nest.  NULL (still to
 * unlock) when there is none yet.  Not owned. */
const BpRecord      *bpv_session_lock_record        (BpvSession *self);
void                 bpv_session_unlock_record      (BpvSession *self);
/* Shows the latest kept step ≤ `step` (a copy of the network: get_network,
 * the trace, the maps and the render state read it; the present is left
 * alone; while training runs it goes on training, and the past stays on
 * screen).  FALSE with an error when no step was kept there. */
gboolean             bpv_session_show_step          (BpvSession *self,
                                                     guint64     step,
                                                     GError    **error);
/* Back to the present (no-op when already there). */
void                 bpv_session_show_present       (BpvSession *self);
gboolean             bpv_session_is_viewing_past    (BpvSession *self);
/* The step shown: the past one, else the present's step count. */
guint64              bpv_session_get_shown_step     (BpvSession *self);
/* The optimizer as at the shown step: at the present the live one
 * (bpv_session_get_optimizer); at a past step a copy with that step's
 * state, t and schedule restored from the recording, kept until the shown
 * step changes; NULL at a past step whose optimizer state the recording
 * cannot give (another optimizer since, or a schedule and a version 1
 * file).  Owned by the session. */
const BpOptimizer   *bpv_session_get_shown_optimizer (BpvSession *self);
/* Puts the kept step ≤ `step` back into the live network, optimizer and
 * progress: one undo step ("Resume from Step N"; undo gives back the
 * present and what was recorded after the step).  Training or stepping
 * then forks the run.  FALSE with an error while training runs. */
gboolean             bpv_session_resume_from        (BpvSession *self,
                                                     guint64     step,
                                                     GError    **error);
/* MODEL.json's recording is MODEL.bprecord (free with g_free). */
char                *bpv_session_record_path        (const char *model_path);
/* Saves the recording beside the model (nothing when empty); loads it when
 * the file exists (TRUE when it does not). */
gboolean             bpv_session_save_record        (BpvSession *self,
                                                     const char *model_path,
                                                     GError    **error);
gboolean             bpv_session_load_record        (BpvSession *self,
                                                     const char *model_path,
                                                     GError    **error);

/* ------------------------------- distributions over the recording (-dist.c) */
/* bp-record-dist.h's histograms and unit fractions of every kept step,
 * computed on a worker from copies: call when a plot that shows them is
 * visible (cheap when the recording has not changed since);
 * "history-changed" says when they are ready. */
void                 bpv_session_update_distributions (BpvSession *self);
/* The latest computed (owned by the session; NULL when there are none, or
 * the latest computation failed), and in *status (may be NULL; owned by
 * the session) NULL when they are current, else what to say instead or
 * beside them: being computed, nothing recorded yet, the error.  While
 * new ones are computed the last ones are returned: they may not fit a
 * network whose shape has changed since. */
const BpRecordDist  *bpv_session_get_distributions    (BpvSession  *self,
                                                       const char **status);

/* ------------------------------------------ lockstep (-compare.c) */
/* Two trainers over a's and b's live networks and optimizers, on a's
 * training rows, B fed A's order (bp_compare_new); the batch size and the
 * seed as a's own run would take them here (its seed + its steps).  Both
 * sessions are brought back to the present and their recordings note
 * where the run starts.  NULL with the error when the data differ
 * (bp_compare_check_data) or the trainers cannot be made.  Neither may be
 * training.  The result borrows both models: free it (bp_compare_free)
 * before either changes. */
BpCompare           *bpv_session_compare_new        (BpvSession  *a,
                                                     BpvSession  *b,
                                                     GError     **error);
/* Up to n lockstep steps of `cmp` (made by bpv_session_compare_new over a
 * and b, on the calling thread): each session's step count, gradient-norm
 * records, epochs and recording follow as after a run of its own, and both
 * emit history-changed and values-changed once at the end.  FALSE with
 * the error at the first step that fails (NaN/Inf in either run: both are
 * left at the step before it, and `cmp` must then be freed). */
gboolean             bpv_session_compare_steps      (BpvSession  *a,
                                                     BpvSession  *b,
                                                     BpCompare   *cmp,
                                                     guint        n,
                                                     GError     **error);

/* A copy of the model as shown (free with bp_model_free): at a past step
 * (the timeline scrubbed back), that step's weights, running statistics
 * and optimizer state, restored from the recording; else the present's.
 * The progress is the present's.  *shown_step (may be NULL) gets the step
 * shown.  NULL with an error when the step cannot be restored, or for a
 * past step while training runs (the run holds the recording). */
BpModel             *bpv_session_copy_shown_model   (BpvSession  *self,
                                                     guint64     *shown_step,
                                                     GError     **error);
/* Makes `from`'s model as it shows it (a past step: its run forked there,
 * as by bpv_session_resume_from) this session's model, with its step count,
 * epochs and batches, as one undo step named `label`; `from`'s recording
 * comes along when this session has one (undo gives back the model and
 * the recording it replaced).  FALSE with an error while either trains. */
gboolean             bpv_session_keep_from          (BpvSession  *self,
                                                     BpvSession  *from,
                                                     const char  *label,
                                                     GError     **error);

/* -------------------------------------------------------------- selection */
void                 bpv_session_set_selection      (BpvSession   *self,
                                                     const BpvHit *hit);
const BpvHit        *bpv_session_get_selection      (BpvSession *self);

/* ------------------------------------------------------------------ edits */
/* Applies a bp-edit.h edit through the undo history; stops training first
 * (the worker has the old shape) and rebuilds the stepper, the layouts and
 * the maps.  FALSE with the BP_EDIT_ERROR when refused (nothing changes). */
gboolean             bpv_session_edit               (BpvSession   *self,
                                                     const BpEdit *edit,
                                                     GError      **error);
/* FALSE when there is nothing to undo / redo. */
gboolean             bpv_session_undo               (BpvSession *self);
gboolean             bpv_session_redo               (BpvSession *self);
/* Labels, counts and the dirty state (owned by the session). */
const BpEditHistory *bpv_session_get_history        (BpvSession *self);
gboolean             bpv_session_is_dirty           (BpvSession *self);
/* Writes the model (weights, optimizer and its state, settings) as JSON,
 * atomically, and marks the history saved. */
gboolean             bpv_session_save               (BpvSession *self,
                                                     const char *path,
                                                     GError    **error);
/* The model differs from its file in a way no undo step records (it was
 * restored from an autosave): it becomes dirty. */
void                 bpv_session_mark_changed       (BpvSession *self);
/* The same file, without marking anything saved (an autosave). */
gboolean             bpv_session_write_copy         (BpvSession *self,
                                                     const char *path,
                                                     GError    **error);
/* SHA-256 of the model's JSON without the optimizer state and progress:
 * the same network and settings give the same string.  Free with g_free. */
char                *bpv_session_checksum           (BpvSession *self);

G_END_DECLS
