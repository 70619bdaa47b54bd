/* bpv-stepper.h — step mode: one sample or one mini-batch at a time,
 * layer by layer, forwards and backwards.  GTK-free (GLib and the core).
 *
 * A step is a cycle of stops.  With N layers:
 *
 *   INPUT              a(0) = x of the batch is at the input
 *   FORWARD  layer 0   z(1) = W(1) a(0) + b(1), a(1) = σ(z(1))
 *   …
 *   FORWARD  layer N−1 a(N), the output
 *   COST               C at the output
 *   BACKWARD layer N−1 δ(N) and ∂C/∂W(N), ∂C/∂b(N)
 *   …
 *   BACKWARD layer 0   δ(1) and ∂C/∂W(1), ∂C/∂b(1)
 *   UPDATE             the optimizer step: W and b change
 *
 * so 2N + 3 stops; `layer` is the C index (0-based) of the layer a
 * FORWARD/BACKWARD stop is at.  The numbers of the whole cycle are computed
 * once when it begins (one forward and one backward of the core, into the
 * stepper's trace); the stops only say how much of them to show.  The
 * parameters and optimizer state before the update are kept, so stepping
 * back across UPDATE restores them exactly, and earlier cycles are kept (up
 * to a memory budget) so stepping back can cross into the previous step.
 * A cycle stepped back over is replayed (same batch) when stepping forward
 * again, unless bpv_stepper_reset() dropped it.
 *
 * The stepper borrows the live network, optimizer and training set: it
 * changes net->params, net->grads and the optimizer state at UPDATE (and
 * back).  Anything else that changes them must call bpv_stepper_reset().
 *
 * Animation: each move forward starts a transition whose progress goes
 * from 0 to 1 over the stop duration (bpv_stepper_advance); moves back are
 * immediate.  With auto-play on, bpv_stepper_tick also takes the next stop
 * once a transition has finished and a short hold has passed.
 */
#pragma once

#include <glib.h>

#include "bp-network.h"
#include "bp-optimizer.h"
#include "bp-dataset.h"
#include "bp-rng.h"

G_BEGIN_DECLS

typedef enum
{
  BPV_STEP_IDLE,      /* no batch in flight: the weights as they are */
  BPV_STEP_INPUT,     /* the batch is at the input */
  BPV_STEP_FORWARD,   /* z and a of `layer` are known */
  BPV_STEP_COST,      /* the cost is known */
  BPV_STEP_BACKWARD,  /* δ, ∂C/∂W and ∂C/∂b of `layer` are known */
  BPV_STEP_UPDATE,    /* the optimizer step has been applied */
} BpvStepPhase;

typedef struct _BpvStepper BpvStepper;

/* What a training forward pass changes in the network besides the trace:
 * batch norm's running statistics and the generator of the dropout masks.
 * Saved before a pass that must leave no trace (the canvas's probe) or be
 * computed again the same (a step-mode cycle), put back after or before. */
typedef struct
{
  double  *running;   /* mean then variance of each batch-norm layer, owned */
  gsize    n_running;
  BpRng    rng;
  gboolean has_rng;
} BpvPassState;

void          bpv_pass_state_save           (BpvPassState    *state,
                                             const BpNetwork *net);
void          bpv_pass_state_restore        (const BpvPassState *state,
                                             BpNetwork          *net);
void          bpv_pass_state_clear          (BpvPassState    *state);

/* The stepper borrows all three; they must outlive it.  `first_step` is
 * the number of optimizer steps the network has had so far (the step
 * count continues from it). */
BpvStepper   *bpv_stepper_new               (BpNetwork       *net,
                                             BpOptimizer     *opt,
                                             const BpDataset *train,
                                             gsize            batch_size,
                                             guint64          seed,
                                             guint64          first_step);
void          bpv_stepper_free              (BpvStepper *st);

/* Where the batches come from, for a saved run that continues exactly:
 * the generator, the shuffled order of the training rows (owned by the
 * stepper) and the next position in it (a batch in flight whose update is
 * not applied counts as not taken). */
void          bpv_stepper_get_batch_source  (const BpvStepper *st,
                                             BpRng            *rng,
                                             const gsize     **order,
                                             gsize            *n_rows,
                                             gsize            *cursor);
/* Continues from there (call it IDLE); FALSE when it does not fit the
 * training set. */
gboolean      bpv_stepper_set_batch_source  (BpvStepper   *st,
                                             const BpRng  *rng,
                                             const gsize  *order,
                                             gsize         n_rows,
                                             gsize         cursor);

/* Drops the cycle in flight (the parameters are left as they are now) and
 * every kept cycle; the stepper becomes IDLE.  Call it whenever something
 * else changed the parameters, the optimizer or its settings. */
void          bpv_stepper_reset             (BpvStepper *st,
                                             guint64     first_step);
/* Takes effect at the next cycle; also drops the kept cycles. */
void          bpv_stepper_set_batch_size    (BpvStepper *st,
                                             gsize       batch_size);
gsize         bpv_stepper_get_batch_size    (const BpvStepper *st);

/* One stop forward.  From IDLE or UPDATE this begins the next cycle (the
 * next batch, or the replay of one stepped back over): FALSE with a
 * BP_TRAIN_ERROR_NUMERIC error (bp_train_fault_message) naming the layer
 * and unit when its numbers or the update are not finite (nothing
 * changes then; bpv_stepper_get_fault says where). */
gboolean      bpv_stepper_next              (BpvStepper *st,
                                             GError    **error);
/* One stop back; FALSE when there is nothing before (IDLE with no kept
 * cycle).  Crossing UPDATE backwards restores the parameters and optimizer
 * state from before the update. */
gboolean      bpv_stepper_back              (BpvStepper *st);
/* Forward to the last stop of the current phase (the whole forward pass,
 * the whole backward pass, …); from UPDATE, the INPUT of the next cycle. */
gboolean      bpv_stepper_next_phase        (BpvStepper *st,
                                             GError    **error);
/* Forward to UPDATE of the current cycle; from IDLE or UPDATE, of the
 * next one. */
gboolean      bpv_stepper_finish_step       (BpvStepper *st,
                                             GError    **error);

/* TRUE when the last cycle begun or updated failed on a value that was not
 * finite, with the fault in *fault (may be NULL); FALSE once a cycle began
 * well. */
gboolean      bpv_stepper_get_fault         (const BpvStepper *st,
                                             BpTrainFault     *fault);

BpvStepPhase  bpv_stepper_get_phase         (const BpvStepper *st);
/* The C index of the layer of a FORWARD/BACKWARD stop; for other phases
 * 0 (INPUT, IDLE) or N−1 (COST, UPDATE). */
gsize         bpv_stepper_get_layer         (const BpvStepper *st);
/* Stop index within the cycle (0 = INPUT … 2N+2 = UPDATE), −1 when IDLE. */
int           bpv_stepper_get_position      (const BpvStepper *st);
int           bpv_stepper_get_n_positions   (const BpvStepper *st);
/* Has the stop shown layer `layer`'s forward values yet (z, a), its
 * backward values (δ, ∂C/∂W)?  FALSE for every layer when IDLE. */
gboolean      bpv_stepper_forward_known     (const BpvStepper *st,
                                             gsize             layer);
gboolean      bpv_stepper_backward_known    (const BpvStepper *st,
                                             gsize             layer);
gboolean      bpv_stepper_cost_known        (const BpvStepper *st);

/* The trace of the cycle in flight (every value of it, whatever the stop),
 * or NULL when IDLE.  Owned by the stepper. */
const BpTrace *bpv_stepper_get_trace        (const BpvStepper *st);
/* ∂C/∂params of the cycle (net->grads layout), NULL when IDLE. */
const double *bpv_stepper_get_grads         (const BpvStepper *st);
/* The parameters before the cycle's update (NULL when IDLE) and after it
 * (NULL before UPDATE). */
const double *bpv_stepper_get_params_before (const BpvStepper *st);
const double *bpv_stepper_get_params_after  (const BpvStepper *st);
/* The batch of the cycle: B rows, their indices into the training set. */
gsize         bpv_stepper_get_batch         (const BpvStepper *st,
                                             const gsize     **rows);
/* The sample of the batch that is shown (0 ≤ s < B). */
void          bpv_stepper_set_sample        (BpvStepper *st,
                                             gsize       s);
gsize         bpv_stepper_get_sample        (const BpvStepper *st);
/* Optimizer steps taken so far, counting from `first_step`. */
guint64       bpv_stepper_get_step_count    (const BpvStepper *st);
/* Kept cycles before the one in flight. */
guint         bpv_stepper_get_n_kept        (const BpvStepper *st);

/* ------------------------------------------------------------- animation */
/* Seconds one transition takes (> 0). */
void          bpv_stepper_set_stop_duration (BpvStepper *st,
                                             double      seconds);
double        bpv_stepper_get_stop_duration (const BpvStepper *st);
/* 0 … 1 through the transition into the current stop; 1 at rest. */
double        bpv_stepper_get_progress      (const BpvStepper *st);
gboolean      bpv_stepper_is_animating      (const BpvStepper *st);

void          bpv_stepper_set_autoplay      (BpvStepper *st,
                                             gboolean    autoplay);
gboolean      bpv_stepper_get_autoplay      (const BpvStepper *st);

typedef enum
{
  BPV_TICK_IDLE,       /* nothing moves: no redraw needed */
  BPV_TICK_ANIMATING,  /* a transition is running */
  BPV_TICK_STEPPED,    /* auto-play took the next stop */
  BPV_TICK_ERROR,      /* auto-play stopped on an error (autoplay is off now) */
} BpvTickResult;

/* Advances the clock by `seconds`. */
BpvTickResult bpv_stepper_tick              (BpvStepper *st,
                                             double      seconds,
                                             GError    **error);

const char   *bpv_step_phase_to_string      (BpvStepPhase phase);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BpvStepper, bpv_stepper_free)

G_END_DECLS
