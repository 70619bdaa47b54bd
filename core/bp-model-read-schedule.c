/* bp-model-read-schedule.c — reading the optimizer's "schedule" and the
 * schedule's part of "optimizer.state":
 *
 *   "schedule": { "id": "cosine", "t_max": 500, "eta_min": 0 }
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

gboolean
_bp_model_read_schedule (Loader      *ld,
                         JsonNode    *node,
                         BpOptimizer *opt)
{
  g_autoptr(GList) names = NULL;
  g_autoptr(GError) local = NULL;
  JsonObject *obj = NULL;
  JsonNode *id_node;
  const char *id = NULL;
  BpScheduleKind kind;
  BpSchedule s;

  if (!_bp_model_read_object (ld, node, "optimizer.schedule", &obj))
    return FALSE;
  id_node = json_object_get_member (obj, "id");
  if (id_node == NULL)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, "optimizer.schedule",
                           _("missing \"id\" (one of none, step, exponential, cosine, linear)"));
  if (!_bp_model_read_string (ld, id_node, "optimizer.schedule.id", &id))
    return FALSE;
  kind = bp_schedule_kind_from_id (id);
  if (kind == BP_N_SCHEDULES)
    {
      g_autofree char *quoted = _bp_model_quote (id);

      return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, "optimizer.schedule.id",
                             _("unknown schedule %s (known: none, step, exponential, cosine, linear)"),
                             quoted);
    }
  bp_schedule_init (&s, kind);
  names = json_object_get_members (obj);
  for (GList *it = names; it != NULL; it = it->next)
    {
      const char *name = it->data;
      g_autofree char *path = NULL;
      double v;

      if (strcmp (name, "id") == 0)
        continue;
      path = g_strdup_printf ("optimizer.schedule.%s", name);
      if (!_bp_model_read_number (ld, json_object_get_member (obj, name), path, &v))
        return FALSE;
      if (!bp_schedule_set (&s, name, v, &local))
        return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path, "%s", local->message);
    }
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
