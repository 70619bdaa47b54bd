/* bpv-stepper.c — the step-mode state machine (see bpv-stepper.h). */
#include "bpv-stepper.h"

#include <math.h>
#include <string.h>

#include "bp-trainer.h"
#include "bp-util.h"

/* Kept cycles may use this much memory (parameters and optimizer state
 * before and after each update); at least one is always kept. */
#define KEPT_BUDGET_BYTES (64u * 1024u * 1024u)
/* …and at most this many, however small the network: stepping back further
 * than that by hand is not something anyone does. */
#define KEPT_MAX          512u
/* What a kept cycle costs besides its two states: the Cycle and its
 * allocations' headers, roughly. */
#define KEPT_OVERHEAD     64u
/* Auto-play holds each stop for this fraction of the stop duration. */
#define HOLD_FRACTION     0.6
/* A new stepper's transitions last this long (the session sets its own
 * from the speed at once). */
#define DEFAULT_DURATION  0.6
/* Transitions between 10 ms (all but a jump) and a minute (slower helps
 * no one): outside, a caller's number is a mistake. */
#define MIN_DURATION      0.01
#define MAX_DURATION      60.0

typedef struct
{
  gsize    B;
  gsize   *rows;
  double  *before;     /* params, then optimizer state */
  guint64  t_before;
  double  *after;      /* NULL until the update has been applied */
  guint64  t_after;
  /* What the training forward pass changes besides the parameters, as
   * it was before this cycle's: batch norm's running statistics and the
   * generator of the dropout masks.  A cycle computed again (stepping
   * back into it, a replay) starts from them, so that its masks are the
   * ones shown before and its statistics count once. */
  BpvPassState pass;   /* .running NULL until first computed */
} Cycle;

struct _BpvStepper
{
  BpNetwork       *net;
  BpOptimizer     *opt;
  const BpDataset *train;
  gsize            batch_size;

  /* the batch source: BpTrainer's (bp_train_order_*), always shuffled */
  BpRng            rng;
  gsize           *order;
  gsize            cursor;

  /* the cycle in flight */
  Cycle           *cycle;      /* NULL when IDLE */
  int              pos;        /* −1 when IDLE */
  BpTrace         *trace;
  double          *grads;      /* copy of net->grads after the backward */
  double          *x, *y;
  gsize            sample;

  GQueue           kept;       /* Cycle*, oldest first, all at UPDATE */
  GQueue           redo;       /* Cycle*, next first (stepped back over) */

  guint64          steps;
  BpTrainFault     fault;      /* why the last cycle failed; kind NONE if it did not */

  double           duration;
  double           progress;
  gboolean         autoplay;
  double           hold;
};

/* --------------------------------------------------------------- helpers */

static gsize
state_size (const BpvStepper *st)
{
  return bp_train_state_size (st->net, st->opt);
}

static void
cycle_free (Cycle *c)
{
  if (c == NULL)
    return;
  g_free (c->rows);
  g_free (c->before);
  g_free (c->after);
  bpv_pass_state_clear (&c->pass);
  g_free (c);
}

static gsize
n_layers (const BpvStepper *st)
{
  return st->net->n_layers;
}

static int
last_pos (const BpvStepper *st)
{
  return 2 * (int) n_layers (st) + 2;
}

static BpvStepPhase
phase_at (const BpvStepper *st,
          int               pos)
{
  int N = (int) n_layers (st);

  if (pos < 0)
    return BPV_STEP_IDLE;
  if (pos == 0)
    return BPV_STEP_INPUT;
  if (pos <= N)
    return BPV_STEP_FORWARD;
  if (pos == N + 1)
    return BPV_STEP_COST;
  if (pos <= 2 * N + 1)
    return BPV_STEP_BACKWARD;
  return BPV_STEP_UPDATE;
}

static void
clear_queue (GQueue *q)
{
  Cycle *c;

  while ((c = g_queue_pop_head (q)) != NULL)
    cycle_free (c);
}

static void
ensure_buffers (BpvStepper *st,
                gsize       B)
{
  if (st->trace == NULL || st->trace->capacity < B || !bp_trace_fits (st->trace, st->net))
    {
      g_clear_pointer (&st->trace, bp_trace_free);
      st->trace = bp_trace_new (st->net, MAX (B, st->batch_size));
      st->trace->keep = TRUE;
      g_free (st->x);
      g_free (st->y);
      st->x = g_new (double, MAX (B, st->batch_size) * st->net->n_inputs);
      st->y = g_new (double, MAX (B, st->batch_size) * bp_network_n_outputs (st->net));
    }
  if (st->grads == NULL)
    st->grads = g_new (double, MAX (st->net->n_params, 1));
}

/* ------------------------------------------------------------ pass state */

void
bpv_pass_state_save (BpvPassState    *state,
                     const BpNetwork *net)
{
  gsize at = 0;

  g_return_if_fail (state != NULL && net != NULL);

  state->n_running = 0;
  for (gsize l = 0; l < net->n_layers; l++)
    if (net->layers[l].type == BP_LAYER_BATCHNORM)
      state->n_running += 2 * net->layers[l].out;
  g_free (state->running);
  state->running = g_new (double, MAX (state->n_running, 1));
  for (gsize l = 0; l < net->n_layers; l++)
    {
      const BpLayer *L = &net->layers[l];

      if (L->type != BP_LAYER_BATCHNORM)
        continue;
      memcpy (state->running + at, L->running_mean, L->out * sizeof (double));
      memcpy (state->running + at + L->out, L->running_var, L->out * sizeof (double));
      at += 2 * L->out;
    }
  state->has_rng = net->rng != NULL;
  if (state->has_rng)
    state->rng = *net->rng;
}

void
bpv_pass_state_restore (const BpvPassState *state,
                        BpNetwork          *net)
{
  gsize at = 0;

  g_return_if_fail (state != NULL && net != NULL && state->running != NULL);

  for (gsize l = 0; l < net->n_layers && at < state->n_running; l++)
    {
      BpLayer *L = &net->layers[l];

      if (L->type != BP_LAYER_BATCHNORM)
        continue;
      memcpy (L->running_mean, state->running + at, L->out * sizeof (double));
      memcpy (L->running_var, state->running + at + L->out, L->out * sizeof (double));
      at += 2 * L->out;
    }
  if (state->has_rng && net->rng != NULL)
    *net->rng = state->rng;
}

void
bpv_pass_state_clear (BpvPassState *state)
{
  g_clear_pointer (&state->running, g_free);
  state->n_running = 0;
}

/* The next B rows of the shuffled order (a new shuffle at the end). */
static Cycle *
draw_batch (BpvStepper *st)
{
  const BpDataset *ds = st->train;
  Cycle *c = g_new0 (Cycle, 1);

  c->B = bp_train_order_next (&st->rng, st->order, ds->n_rows, &st->cursor,
                              st->batch_size, TRUE);
  c->rows = g_new (gsize, c->B);
  memcpy (c->rows, st->order + st->cursor, c->B * sizeof (gsize));
  st->cursor += c->B;
  return c;
}

/* Forward and backward of the cycle's batch on the current parameters,
 * which are saved as the cycle's "before". */
static gboolean
compute_cycle (BpvStepper *st,
               Cycle      *c,
               GError    **error)
{
  const BpDataset *ds = st->train;
  gsize nf = ds->n_features, nt = ds->n_targets;
  BpTrainFault fault;

  /* Batch norm in training mode needs two samples at least: say so. */
  if (!bp_network_check_batch (st->net, c->B, error))
    return FALSE;
  ensure_buffers (st, c->B);
  if (c->pass.running == NULL)
    bpv_pass_state_save (&c->pass, st->net);
  else
    bpv_pass_state_restore (&c->pass, st->net);
  for (gsize s = 0; s < c->B; s++)
    {
      memcpy (st->x + s * nf, ds->X + c->rows[s] * nf, nf * sizeof (double));
      memcpy (st->y + s * nt, ds->Y + c->rows[s] * nt, nt * sizeof (double));
    }
  if (c->before == NULL)
    c->before = g_new (double, MAX (state_size (st), 1));
  bp_train_state_save (st->net, st->opt, c->before, &c->t_before);

  if (!bp_train_gradients_checked (st->net, st->trace, st->x, st->y, c->B, &fault))
    {
      fault.step = st->steps + 1;
      if (fault.sample >= 1 && fault.sample <= c->B)
        fault.row = c->rows[fault.sample - 1] + 1;
      st->fault = fault;
      bp_train_fault_set_error (&fault, error);
      return FALSE;
    }
  memcpy (st->grads, st->net->grads, st->net->n_params * sizeof (double));
  return TRUE;
}

static void
trim_kept (BpvStepper *st)
{
  gsize per = 2 * state_size (st) * sizeof (double) + KEPT_OVERHEAD;
  guint max_n = (guint) MAX (1, MIN (KEPT_MAX, KEPT_BUDGET_BYTES / per));

  while (g_queue_get_length (&st->kept) > max_n)
    cycle_free (g_queue_pop_head (&st->kept));
}

/* Takes the next cycle (a replay or a new batch) and computes it; the old
 * one (at UPDATE, or none) is kept only once the new one stands. */
static gboolean
begin_cycle (BpvStepper *st,
             GError    **error)
{
  Cycle *c;
  gboolean replay = !g_queue_is_empty (&st->redo);

  c = replay ? g_queue_pop_head (&st->redo) : draw_batch (st);
  if (!compute_cycle (st, c, error))
    {
      if (replay)
        g_queue_push_head (&st->redo, c);
      else
        cycle_free (c);
      /* The failed pass left its numbers in the trace and grads: the
       * cycle in flight (if any) needs them back. */
      if (st->cycle != NULL)
        {
          Cycle *cur = st->cycle;

          bp_train_state_restore (st->net, st->opt, cur->before, cur->t_before);
          compute_cycle (st, cur, NULL);
          bp_train_state_restore (st->net, st->opt, cur->after, cur->t_after);
        }
      return FALSE;
    }
  if (st->cycle != NULL)
    {
      g_queue_push_tail (&st->kept, st->cycle);
      trim_kept (st);
    }
  st->fault.kind = BP_TRAIN_FAULT_NONE;
  st->cycle = c;
  st->pos = 0;
  st->sample = MIN (st->sample, c->B - 1);
  return TRUE;
}

static gboolean
apply_update (BpvStepper *st,
              GError    **error)
{
  BpNetwork *net = st->net;
  Cycle *c = st->cycle;

  memcpy (net->grads, st->grads, net->n_params * sizeof (double));
  /* On NaN/Inf the parameters and the optimizer go back to the cycle's
   * "before" (the state the update started from). */
  if (!bp_train_update_checked (net, st->opt, c->before, c->t_before, &st->fault))
    {
      st->fault.step = st->steps + 1;
      bp_train_fault_set_error (&st->fault, error);
      return FALSE;
    }
  if (c->after == NULL)
    c->after = g_new (double, MAX (state_size (st), 1));
  bp_train_state_save (st->net, st->opt, c->after, &c->t_after);
  st->steps++;
  return TRUE;
}

/* Makes the last kept cycle the one in flight, at UPDATE: its numbers are
 * recomputed from its parameters before the update (the same bits). */
static void
resume_kept (BpvStepper *st)
{
  Cycle *c = g_queue_pop_tail (&st->kept);

  bp_train_state_restore (st->net, st->opt, c->before, c->t_before);
  compute_cycle (st, c, NULL);
  bp_train_state_restore (st->net, st->opt, c->after, c->t_after);
  st->cycle = c;
  st->pos = last_pos (st);
  st->sample = MIN (st->sample, c->B - 1);
}

/* ------------------------------------------------------------------ API */

BpvStepper *
bpv_stepper_new (BpNetwork       *net,
                 BpOptimizer     *opt,
                 const BpDataset *train,
                 gsize            batch_size,
                 guint64          seed,
                 guint64          first_step)
{
  BpvStepper *st;

  g_return_val_if_fail (net != NULL && opt != NULL && train != NULL, NULL);
  g_return_val_if_fail (train->n_rows > 0, NULL);
  g_return_val_if_fail (train->n_features == net->n_inputs, NULL);
  g_return_val_if_fail (train->n_targets == bp_network_n_outputs (net), NULL);

  st = g_new0 (BpvStepper, 1);
  st->net = net;
  st->opt = opt;
  st->train = train;
  st->batch_size = CLAMP (batch_size, 1, train->n_rows);
  if (opt->n_params != net->n_params)
    bp_optimizer_reset (opt, net->n_params);
  st->order = g_new (gsize, train->n_rows);
  bp_train_order_init (&st->rng, st->order, train->n_rows, seed, TRUE);
  st->pos = -1;
  st->steps = first_step;
  st->duration = DEFAULT_DURATION;
  st->progress = 1.0;
  g_queue_init (&st->kept);
  g_queue_init (&st->redo);
  return st;
}

void
bpv_stepper_free (BpvStepper *st)
{
  if (st == NULL)
    return;
  cycle_free (st->cycle);
  clear_queue (&st->kept);
  clear_queue (&st->redo);
  bp_trace_free (st->trace);
  g_free (st->grads);
  g_free (st->x);
  g_free (st->y);
  g_free (st->order);
  g_free (st);
}

void
bpv_stepper_reset (BpvStepper *st,
                   guint64     first_step)
{
  g_return_if_fail (st != NULL);

  g_clear_pointer (&st->cycle, cycle_free);
  clear_queue (&st->kept);
  clear_queue (&st->redo);
  st->pos = -1;
  st->steps = first_step;
  st->progress = 1.0;
  st->hold = 0.0;
  st->fault.kind = BP_TRAIN_FAULT_NONE;
  if (st->opt->n_params != st->net->n_params)
    bp_optimizer_reset (st->opt, st->net->n_params);
  /* The network may have a new shape. */
  g_clear_pointer (&st->trace, bp_trace_free);
  g_clear_pointer (&st->grads, g_free);
}

void
bpv_stepper_set_batch_size (BpvStepper *st,
                            gsize       batch_size)
{
  g_return_if_fail (st != NULL);

  batch_size = CLAMP (batch_size, 1, st->train->n_rows);
  if (batch_size == st->batch_size)
    return;
  st->batch_size = batch_size;
  /* A different batch size makes the kept and replayed cycles another
   * experiment. */
  clear_queue (&st->redo);
}

gsize
bpv_stepper_get_batch_size (const BpvStepper *st)
{
  return st->batch_size;
}

gboolean
bpv_stepper_next (BpvStepper *st,
                  GError    **error)
{
  g_return_val_if_fail (st != NULL, FALSE);

  if (st->pos < 0 || st->pos == last_pos (st))
    {
      if (!begin_cycle (st, error))
        return FALSE;
    }
  else if (st->pos + 1 == last_pos (st))
    {
      if (!apply_update (st, error))
        return FALSE;
      st->pos++;
    }
  else
    st->pos++;
  st->progress = 0.0;
  st->hold = 0.0;
  return TRUE;
}

gboolean
bpv_stepper_back (BpvStepper *st)
{
  g_return_val_if_fail (st != NULL, FALSE);

  st->progress = 1.0;
  st->hold = 0.0;
  if (st->pos < 0)
    {
      if (g_queue_is_empty (&st->kept))
        return FALSE;
      resume_kept (st);
      return TRUE;
    }
  if (st->pos == last_pos (st))
    {
      /* Back across the update: the parameters and state from before. */
      bp_train_state_restore (st->net, st->opt, st->cycle->before, st->cycle->t_before);
      st->steps--;
      st->pos--;
      return TRUE;
    }
  if (st->pos > 0)
    {
      st->pos--;
      return TRUE;
    }
  /* At INPUT: this cycle is replayed if we come forward again, from the
   * running statistics and masks it began with. */
  bpv_pass_state_restore (&st->cycle->pass, st->net);
  g_queue_push_head (&st->redo, st->cycle);
  st->cycle = NULL;
  st->pos = -1;
  if (!g_queue_is_empty (&st->kept))
    resume_kept (st);
  return TRUE;
}

gboolean
bpv_stepper_next_phase (BpvStepper *st,
                        GError    **error)
{
  BpvStepPhase target;

  g_return_val_if_fail (st != NULL, FALSE);

  if (!bpv_stepper_next (st, error))
    return FALSE;
  target = phase_at (st, st->pos);
  while (st->pos < last_pos (st) && phase_at (st, st->pos + 1) == target)
    if (!bpv_stepper_next (st, error))
      return FALSE;
  return TRUE;
}

gboolean
bpv_stepper_finish_step (BpvStepper *st,
                         GError    **error)
{
  g_return_val_if_fail (st != NULL, FALSE);

  /* From IDLE or UPDATE this is the whole of the next step. */
  if ((st->pos < 0 || st->pos == last_pos (st)) && !bpv_stepper_next (st, error))
    return FALSE;
  while (st->pos < last_pos (st))
    if (!bpv_stepper_next (st, error))
      return FALSE;
  return TRUE;
}

BpvStepPhase
bpv_stepper_get_phase (const BpvStepper *st)
{
  return phase_at (st, st->pos);
}

gsize
bpv_stepper_get_layer (const BpvStepper *st)
{
  int N = (int) n_layers (st);

  switch (phase_at (st, st->pos))
    {
    case BPV_STEP_FORWARD:
      return (gsize) (st->pos - 1);
    case BPV_STEP_BACKWARD:
      return (gsize) (2 * N + 1 - st->pos);
    case BPV_STEP_COST:
    case BPV_STEP_UPDATE:
      return (gsize) (N - 1);
    case BPV_STEP_IDLE:
    case BPV_STEP_INPUT:
    default:
      return 0;
    }
}

int
bpv_stepper_get_position (const BpvStepper *st)
{
  return st->pos;
}

int
bpv_stepper_get_n_positions (const BpvStepper *st)
{
  return last_pos (st) + 1;
}

gboolean
bpv_stepper_forward_known (const BpvStepper *st,
                           gsize             layer)
{
  return st->pos >= 1 + (int) layer;
}

gboolean
bpv_stepper_backward_known (const BpvStepper *st,
                            gsize             layer)
{
  return st->pos >= 0 && layer < n_layers (st)
         && st->pos >= 2 * (int) n_layers (st) + 1 - (int) layer;
}

gboolean
bpv_stepper_cost_known (const BpvStepper *st)
{
  return st->pos >= (int) n_layers (st) + 1;
}

const BpTrace *
bpv_stepper_get_trace (const BpvStepper *st)
{
  return st->cycle != NULL ? st->trace : NULL;
}

const double *
bpv_stepper_get_grads (const BpvStepper *st)
{
  return st->cycle != NULL ? st->grads : NULL;
}

const double *
bpv_stepper_get_params_before (const BpvStepper *st)
{
  return st->cycle != NULL ? st->cycle->before : NULL;
}

const double *
bpv_stepper_get_params_after (const BpvStepper *st)
{
  return st->cycle != NULL ? st->cycle->after : NULL;
}

gsize
bpv_stepper_get_batch (const BpvStepper *st,
                       const gsize     **rows)
{
  if (rows != NULL)
    *rows = st->cycle != NULL ? st->cycle->rows : NULL;
  return st->cycle != NULL ? st->cycle->B : 0;
}

void
bpv_stepper_set_sample (BpvStepper *st,
                        gsize       s)
{
  g_return_if_fail (st != NULL);

  st->sample = st->cycle != NULL ? MIN (s, st->cycle->B - 1) : 0;
}

gsize
bpv_stepper_get_sample (const BpvStepper *st)
{
  return st->sample;
}

guint64
bpv_stepper_get_step_count (const BpvStepper *st)
{
  return st->steps;
}

gboolean
bpv_stepper_get_fault (const BpvStepper *st,
                       BpTrainFault     *fault)
{
  if (fault != NULL)
    *fault = st->fault;
  return st->fault.kind != BP_TRAIN_FAULT_NONE;
}

guint
bpv_stepper_get_n_kept (const BpvStepper *st)
{
  return g_queue_get_length ((GQueue *) &st->kept);
}

void
bpv_stepper_set_stop_duration (BpvStepper *st,
                               double      seconds)
{
  g_return_if_fail (st != NULL);

  st->duration = CLAMP (seconds, MIN_DURATION, MAX_DURATION);
}

double
bpv_stepper_get_stop_duration (const BpvStepper *st)
{
  return st->duration;
}

double
bpv_stepper_get_progress (const BpvStepper *st)
{
  return st->progress;
}

gboolean
bpv_stepper_is_animating (const BpvStepper *st)
{
  return st->progress < 1.0;
}

void
bpv_stepper_set_autoplay (BpvStepper *st,
                          gboolean    autoplay)
{
  st->autoplay = !!autoplay;
  st->hold = 0.0;
}

gboolean
bpv_stepper_get_autoplay (const BpvStepper *st)
{
  return st->autoplay;
}

BpvTickResult
bpv_stepper_tick (BpvStepper *st,
                  double      seconds,
                  GError    **error)
{
  g_return_val_if_fail (st != NULL, BPV_TICK_IDLE);

  if (!(seconds > 0))
    seconds = 0;
  if (st->progress < 1.0)
    {
      st->progress = MIN (1.0, st->progress + seconds / st->duration);
      return BPV_TICK_ANIMATING;
    }
  if (!st->autoplay)
    return BPV_TICK_IDLE;
  st->hold += seconds;
  if (st->hold < HOLD_FRACTION * st->duration)
    return BPV_TICK_IDLE;
  if (!bpv_stepper_next (st, error))
    {
      st->autoplay = FALSE;
      return BPV_TICK_ERROR;
    }
  return BPV_TICK_STEPPED;
}

const char *
bpv_step_phase_to_string (BpvStepPhase phase)
{
  switch (phase)
    {
    case BPV_STEP_IDLE:     return "idle";
    case BPV_STEP_INPUT:    return "input";
    case BPV_STEP_FORWARD:  return "forward";
    case BPV_STEP_COST:     return "cost";
    case BPV_STEP_BACKWARD: return "backward";
    case BPV_STEP_UPDATE:   return "update";
    default:                return "unknown";
    }
}

void
bpv_stepper_get_batch_source (const BpvStepper *st,
                              BpRng            *rng,
                              const gsize     **order,
                              gsize            *n_rows,
                              gsize            *cursor)
{
  g_return_if_fail (st != NULL);

  *rng = st->rng;
  *order = st->order;
  *n_rows = st->train->n_rows;
  *cursor = st->cursor;
  /* A batch in flight whose update is not applied yet is taken again. */
  if (st->cycle != NULL && bpv_stepper_get_phase (st) != BPV_STEP_UPDATE
      && *cursor >= st->cycle->B)
    *cursor -= st->cycle->B;
}

gboolean
bpv_stepper_set_batch_source (BpvStepper   *st,
                              const BpRng  *rng,
                              const gsize  *order,
                              gsize         n_rows,
                              gsize         cursor)
{
  g_return_val_if_fail (st != NULL && rng != NULL && order != NULL, FALSE);

  if (n_rows != st->train->n_rows || cursor > n_rows)
    return FALSE;
  for (gsize i = 0; i < n_rows; i++)
    if (order[i] >= n_rows)
      return FALSE;
  st->rng = *rng;
  memcpy (st->order, order, n_rows * sizeof (gsize));
  st->cursor = cursor;
  return TRUE;
}
