/* bp-model-read-schedule.c — reading the optimizer's "schedule" and the
 * schedule's part of "optimizer.state":
 *
 *   "schedule": { "id": "cosine", "t_max": 500, "eta_min": 0 }
 *   "schedule": { "id": "sequential", "milestones": [ 10 ],
 *                 "schedules": [ { "id": "linear", "total_iters": 10 },
 *                                { "id": "cosine", "t_max": 490 } ] }
 *   "state": { "t": 812, "schedule": { "step": 312, "lr": 0.0123… }, … }
 *
 * "step" is torch's last_epoch, "lr" the rate the next step uses; with the
 * optimizer's "lr" (the base rate) they are all a run needs to go on with
 * the same bits.
 */
#include "config.h"
#include "bp-model-private.h"
#include "bp-optimizer.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

/* One schedule that is not sequential, at `path` ("optimizer.schedule" or
 * "optimizer.schedule.schedules[i]"): its "id" and parameters. */
static gboolean
read_phase (Loader          *ld,
            JsonObject      *obj,
            const char      *path,
            gboolean         may_nest,
            BpSchedulePhase *out,
            gboolean        *sequential)
{
  g_autoptr(GList) names = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *id_path = g_strdup_printf ("%s.id", path);
  JsonNode *id_node = json_object_get_member (obj, "id");
  const char *id = NULL;
  BpScheduleKind kind;
  BpSchedule s;

  if (id_node == NULL)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path,
                           _("missing \"id\" (one of none, step, exponential, cosine, linear, "
                             "sequential)"));
  if (!_bp_model_read_string (ld, id_node, id_path, &id))
    return FALSE;
  kind = bp_schedule_kind_from_id (id);
  if (kind == BP_N_SCHEDULES || (!may_nest && (kind == BP_SCHEDULE_SEQUENTIAL ||
                                               kind == BP_SCHEDULE_NONE)))
    {
      g_autofree char *quoted = _bp_model_quote (id);

      if (may_nest)
        return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, id_path,
                               _("unknown schedule %s (known: none, step, exponential, cosine, "
                                 "linear, sequential)"), quoted);
      return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, id_path,
                             _("schedule %s cannot be part of a sequential schedule (one of "
                               "step, exponential, cosine, linear)"), quoted);
    }
  *sequential = kind == BP_SCHEDULE_SEQUENTIAL;
  if (*sequential)
    return TRUE;
  bp_schedule_init (&s, kind);
  names = json_object_get_members (obj);
  for (GList *it = names; it != NULL; it = it->next)
    {
      const char *name = it->data;
      g_autofree char *member = NULL;
      double v;

      if (strcmp (name, "id") == 0)
        continue;
      member = g_strdup_printf ("%s.%s", path, name);
      if (!_bp_model_read_number (ld, json_object_get_member (obj, name), member, &v))
        return FALSE;
      if (!bp_schedule_set (&s, name, v, &local))
        return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, member, "%s", local->message);
    }
  *out = s.phases[0];
  return TRUE;
}

/* "schedules": [ {…}, {…} ], "milestones": [ k ] of a sequential schedule. */
static gboolean
read_sequential (Loader     *ld,
                 JsonObject *obj,
                 BpSchedule *s)
{
  const char *path = "optimizer.schedule";
  g_autoptr(GError) local = NULL;
  BpSchedulePhase phases[BP_SCHEDULE_MAX_PHASES];
  guint64 milestones[BP_SCHEDULE_MAX_PHASES - 1];
  JsonNode *list_node = json_object_get_member (obj, "schedules");
  JsonNode *ms_node = json_object_get_member (obj, "milestones");
  g_autoptr(GList) names = json_object_get_members (obj);
  JsonArray *list, *ms;
  guint n;

  for (GList *it = names; it != NULL; it = it->next)
    if (strcmp (it->data, "id") != 0 && strcmp (it->data, "schedules") != 0 &&
        strcmp (it->data, "milestones") != 0)
      {
        g_autofree char *quoted = _bp_model_quote (it->data);

        return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path,
                               _("a sequential schedule has no member %s (it has: schedules, "
                                 "milestones)"), quoted);
      }
  if (list_node == NULL || ms_node == NULL)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path,
                           _("a sequential schedule needs \"schedules\" and \"milestones\""));
  if (!JSON_NODE_HOLDS_ARRAY (list_node))
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, "optimizer.schedule.schedules",
                           _("expected an array, got %s"), _bp_model_node_kind (list_node));
  if (!JSON_NODE_HOLDS_ARRAY (ms_node))
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, "optimizer.schedule.milestones",
                           _("expected an array, got %s"), _bp_model_node_kind (ms_node));
  list = json_node_get_array (list_node);
  ms = json_node_get_array (ms_node);
  n = json_array_get_length (list);
  if (n < 2 || n > BP_SCHEDULE_MAX_PHASES)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, "optimizer.schedule.schedules",
                           _("%u schedules (a sequential schedule has 2 to %d)"), n,
                           BP_SCHEDULE_MAX_PHASES);
  /* torch refuses anything but one milestone fewer than schedules. */
  if (json_array_get_length (ms) != n - 1)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, "optimizer.schedule.milestones",
                           _("%u milestones for %u schedules (one fewer: where each schedule "
                             "after the first starts)"), json_array_get_length (ms), n);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *p = g_strdup_printf ("optimizer.schedule.schedules[%u]", i);
      JsonObject *phase = NULL;
      gboolean nested = FALSE;

      if (!_bp_model_read_object (ld, json_array_get_element (list, i), p, &phase) ||
          !read_phase (ld, phase, p, FALSE, &phases[i], &nested))
        return FALSE;
    }
  for (guint i = 0; i + 1 < n; i++)
    {
      g_autofree char *p = g_strdup_printf ("optimizer.schedule.milestones[%u]", i);
      gint64 m;

      if (!_bp_model_read_integer (ld, json_array_get_element (ms, i), p, 1,
                                   G_GINT64_CONSTANT (9007199254740992), &m))
        return FALSE;
      milestones[i] = (guint64) m;
    }
  if (!bp_schedule_set_sequential (s, phases, n, milestones, &local))
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, "optimizer.schedule.milestones", "%s",
                           local->message);
  return TRUE;
}

gboolean
_bp_model_read_schedule (Loader      *ld,
                         JsonNode    *node,
                         BpOptimizer *opt)
{
  g_autoptr(GError) local = NULL;
  JsonObject *obj = NULL;
  gboolean sequential = FALSE;
  BpSchedule s;

  if (!_bp_model_read_object (ld, node, "optimizer.schedule", &obj))
    return FALSE;
  bp_schedule_init (&s, BP_SCHEDULE_NONE);
  if (!read_phase (ld, obj, "optimizer.schedule", TRUE, &s.phases[0], &sequential))
    return FALSE;
  s.kind = s.phases[0].kind;
  if (sequential && !read_sequential (ld, obj, &s))
    return FALSE;
  if (!bp_optimizer_set_schedule (opt, &s, &local))
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, "optimizer.schedule", "%s",
                           local->message);
  return TRUE;
}

gboolean
_bp_model_read_schedule_state (Loader      *ld,
                               JsonNode    *node,
                               BpOptimizer *opt)
{
  const char *path = "optimizer.state.schedule";
  JsonObject *obj = NULL;
  JsonNode *step_node, *lr_node;
  gint64 step;
  double lr;

  if (!_bp_model_read_object (ld, node, path, &obj))
    return FALSE;
  if (opt->schedule.kind == BP_SCHEDULE_NONE)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path,
                           _("a schedule's state, but the optimizer has no \"schedule\""));
  step_node = json_object_get_member (obj, "step");
  lr_node = json_object_get_member (obj, "lr");
  if (step_node == NULL || lr_node == NULL)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path, _("expected \"step\" and \"lr\""));
  if (!_bp_model_read_integer (ld, step_node, "optimizer.state.schedule.step", 0,
                               (gint64) MIN (opt->t, (guint64) G_MAXINT64), &step) ||
      !_bp_model_read_number_in (ld, lr_node, "optimizer.state.schedule.lr", 0.0, G_MAXDOUBLE,
                                 &lr))
    return FALSE;
  bp_optimizer_restore_schedule (opt, (guint64) step, lr);
  return TRUE;
}
