/* bpv-session-heatmaps.c — the maps of a 2-input network over its input
 * plane: the decision map (the output at every point, under the data) and
 * each neuron's map (its activation at every point).  Recomputed when the
 * parameters move: at once when cheap, else on a worker with a copy, and
 * throttled during training. */
#include "config.h"
#include "bpv-session-private.h"

#include <math.h>

/* Multiply-adds one recomputation of the maps may take: the grids are as
 * fine as that allows (a 2-input network of a few hundred parameters gets
 * the finest grids; a big one, coarser ones at the same cost). */
#define MAPS_BUDGET          2.0e7
/* Of that budget, the decision map's share; the neurons' maps get the rest
 * (they are many small tiles, the decision map one large picture). */
#define MAPS_DECISION_SHARE  0.75
/* Points per side of the decision map and of each neuron's map: below the
 * minimum the picture is too coarse to read, above the maximum a finer
 * grid is not seen at the size they are drawn. */
#define DECISION_GRID_MIN    24
#define DECISION_GRID_MAX    160
#define NEURON_GRID_MIN      6
#define NEURON_GRID_MAX      28
/* Up to this many multiply-adds the maps are computed at once on the main
 * thread, so that the first frame already has them; above, on a worker. */
#define MAPS_SYNC_BUDGET     6.0e6
/* During training, the maps follow the parameters at most every 120 ms
 * (about 8 times a second): more would take the worker's time for
 * pictures no one can follow. */
#define MAPS_INTERVAL_US     120000
/* The decision boundary is drawn at the middle of the output's range:
 * 0 for tanh (−1…1), ½ for the others (0…1). */
#define DECISION_LEVEL_TANH  0.0
#define DECISION_LEVEL       0.5

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
  *nx = (gsize) CLAMP (sqrt (MAPS_DECISION_SHARE * MAPS_BUDGET / per_point),
                       DECISION_GRID_MIN, DECISION_GRID_MAX);
  *grid = (gsize) CLAMP (sqrt ((1.0 - MAPS_DECISION_SHARE) * MAPS_BUDGET / per_point),
                         NEURON_GRID_MIN, NEURON_GRID_MAX);
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
  if (job->generation != self->maps_generation
      || !bpv_neuron_maps_fit (job->neurons, _bpv_session_net (self)))
    return;
  g_clear_pointer (&self->decision, bpv_decision_map_free);
  g_clear_pointer (&self->neuron_maps, bpv_neuron_maps_free);
  self->decision = g_steal_pointer (&job->decision);
  self->neuron_maps = g_steal_pointer (&job->neurons);
  _bpv_session_emit_redraw (self);
  /* Parameters that moved meanwhile get their maps next. */
  if (self->maps_dirty)
    _bpv_session_update_maps (self);
}

static gboolean
maps_later (gpointer data)
{
  BpvSession *self = data;

  self->maps_timeout_id = 0;
  if (self->maps_dirty)
    {
      gboolean was_busy = self->maps_busy;

      _bpv_session_update_maps (self);
      /* Computed at once (small networks): show them. */
      if (!was_busy && !self->maps_busy && !self->maps_dirty)
        _bpv_session_emit_redraw (self);
    }
  return G_SOURCE_REMOVE;
}

void
_bpv_session_update_maps (BpvSession *self)
{
  const BpNetwork *net = _bpv_session_shown_net (self);
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
        {
          gint64 wait_us = MAPS_INTERVAL_US - (now - self->maps_time);

          /* Rounded up to the next millisecond: not before it is due. */
          self->maps_timeout_id = g_timeout_add ((guint) (wait_us / 1000) + 1, maps_later, self);
        }
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

const BpvDecisionMap *
bpv_session_get_decision_map (BpvSession *self)
{
  if (_bpv_session_net (self)->n_inputs != BPV_SESSION_PLANE_INPUTS)
    return NULL;
  return self->decision;
}

const BpvNeuronMaps *
bpv_session_get_neuron_maps (BpvSession *self)
{
  /* Maps made for another shape are not shown. */
  if (_bpv_session_net (self)->n_inputs != BPV_SESSION_PLANE_INPUTS || self->neuron_maps == NULL
      || !bpv_neuron_maps_fit (self->neuron_maps, _bpv_session_net (self)))
    return NULL;
  return self->neuron_maps;
}

double
bpv_session_get_decision_level (BpvSession *self)
{
  const BpNetwork *net = _bpv_session_net (self);

  return g_strcmp0 (net->layers[net->n_layers - 1].act_id, "tanh") == 0
         ? DECISION_LEVEL_TANH : DECISION_LEVEL;
}

