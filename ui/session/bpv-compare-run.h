/* bpv-compare-run.h — two experiments trained in lockstep for the compare
 * view: A and B, each a BpvSession of its own (so the canvases, the
 * selection and the inspector work on each as in the main window), trained
 * together by bpv_session_compare_steps: the same rows in the same batches
 * at every step (B fed A's order, core/bp-compare.h), the step counts
 * always equal.
 *
 * Both start at step 0 of the comparison: A is the model given, weights
 * and optimizer state included, without its run's progress (its recording
 * stays with the main window; the origin says which step of that run A
 * was taken at); B is A with one change, or another model.
 *
 * GTK-free: the window calls bpv_compare_run_step from its frame clock
 * while "running" is set, and reads the sessions' recordings for the plots
 * and the timeline.
 */
#pragma once

#include <glib-object.h>

#include "bpv-session.h"

G_BEGIN_DECLS

/* What "Compare With a Variant…" changes in B. */
typedef enum
{
  BPV_COMPARE_CHANGE_ACTIVATION,     /* every hidden layer's activation (an id) */
  BPV_COMPARE_CHANGE_OPTIMIZER,      /* an optimizer id */
  BPV_COMPARE_CHANGE_LEARNING_RATE,  /* a number > 0 */
  BPV_COMPARE_CHANGE_SEED,           /* new initial weights from this seed */
  BPV_COMPARE_CHANGE_INIT,           /* new initial weights by this scheme */
  BPV_COMPARE_N_CHANGES
} BpvCompareChange;

#define BPV_TYPE_COMPARE_RUN (bpv_compare_run_get_type ())
G_DECLARE_FINAL_TYPE (BpvCompareRun, bpv_compare_run, BPV, COMPARE_RUN, GObject)

/* A over a copy of `a`, B over a copy of `b`.  NULL with the error when
 * they cannot be trained on the same rows (bp_compare_check_data's
 * message) or a dataset cannot be loaded. */
BpvCompareRun *bpv_compare_run_new            (const BpModel     *a,
                                               const BpModel     *b,
                                               GError           **error);
/* B is A with `change` set to `value` (text as typed: "relu", "adam",
 * "0.01", "7", "he"); for an optimizer, `rate` (as typed; NULL or empty:
 * A's rate carries over, as in the sidebar) is B's learning rate.  NULL
 * with a message naming the value when it does not parse or is not known,
 * or when B would be what A is already. */
BpvCompareRun *bpv_compare_run_new_variant    (const BpModel     *a,
                                               BpvCompareChange   change,
                                               const char        *value,
                                               const char        *rate,
                                               GError           **error);
/* The learning rate an optimizer starts with (its "lr" hyper-parameter's
 * default: adam 0.001, sgd 0.1); FALSE when the id is not known or it has
 * no "lr". */
gboolean       bpv_compare_run_default_rate   (const char        *optimizer_id,
                                               double            *lr);
/* The step of the main window's run A was taken at (0 by default): the
 * comparison's steps count from there. */
void           bpv_compare_run_set_origin     (BpvCompareRun     *self,
                                               guint64            step);
guint64        bpv_compare_run_get_origin     (BpvCompareRun     *self);

/* The two sessions (owned by the run). */
BpvSession    *bpv_compare_run_get_a          (BpvCompareRun *self);
BpvSession    *bpv_compare_run_get_b          (BpvCompareRun *self);
/* What differs, bp_compare_describe_differences's text (owned). */
const char    *bpv_compare_run_get_difference (BpvCompareRun *self);
/* "A · tanh", "B · relu": each side's values of what differs (owned). */
const char    *bpv_compare_run_get_caption    (BpvCompareRun *self,
                                               gboolean       b);
/* Same layer count and shapes: a weight of A is a weight of B. */
gboolean       bpv_compare_run_layers_match   (BpvCompareRun *self);

/* n lockstep steps of both (see bpv_session_compare_steps); FALSE with
 * the error when one failed (NaN/Inf): "running" is then cleared. */
gboolean       bpv_compare_run_step           (BpvCompareRun *self,
                                               guint          n,
                                               GError       **error);
guint64        bpv_compare_run_get_step_count (BpvCompareRun *self);
/* The "running" property: the window steps while it is set. */
void           bpv_compare_run_set_running    (BpvCompareRun *self,
                                               gboolean       running);
gboolean       bpv_compare_run_get_running    (BpvCompareRun *self);

/* Shows both at the latest kept step ≤ `step` of A's recording (the same
 * step in B's: both keep the same steps).  FALSE with an error when none
 * is kept there. */
gboolean       bpv_compare_run_show_step      (BpvCompareRun *self,
                                               guint64        step,
                                               GError       **error);
void           bpv_compare_run_show_present   (BpvCompareRun *self);
/* The step both show. */
guint64        bpv_compare_run_get_shown_step (BpvCompareRun *self);

/* The batch loss of A and B recorded at `step` (the statistics bucket
 * that holds it: its mean); FALSE when not recorded. */
gboolean       bpv_compare_run_loss_at        (BpvCompareRun *self,
                                               guint64        step,
                                               double        *loss_a,
                                               double        *loss_b);
/* The batch loss of one run over the steps: one point per statistics
 * bucket (its last step, its mean).  Returns n; *steps and *loss are
 * newly allocated (g_free). */
gsize          bpv_compare_run_get_losses     (BpvCompareRun *self,
                                               gboolean       b,
                                               double       **steps,
                                               double       **loss);
/* Weight W(layer)[j, k] of A and of B at each kept step of the
 * recordings (read from their kept steps).  Returns n (0 when the weight is not
 * one of both); arrays newly allocated (g_free). */
gsize          bpv_compare_run_get_weight_history (BpvCompareRun *self,
                                                   gsize          layer,
                                                   gsize          j,
                                                   gsize          k,
                                                   double       **steps,
                                                   double       **in_a,
                                                   double       **in_b);

G_END_DECLS
