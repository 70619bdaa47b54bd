/* bp-model-read-progress.c — reading a model file's optional "progress"
 * object: where a training run stands (steps, epoch, the row order and the
 * generator state), its per-epoch history and its gradient-norm records.
 * The rules are bp-model.h's; each value is checked with its path, and the
 * whole against bp_train_progress_check.
 */
#include "config.h"
#include "bp-model.h"
#include "bp-model-private.h"

#include <glib/gi18n-lib.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

/* A number, or null for NaN (history and gradient norms may hold NaN). */
static gboolean
read_number_or_null (Loader     *ld,
                     JsonNode   *node,
                     const char *path,
                     double     *out)
{
  if (JSON_NODE_TYPE (node) == JSON_NODE_NULL)
    {
      *out = NAN;
      return TRUE;
    }
  return _bp_model_read_number (ld, node, path, out);
}

/* An array of `n` numbers or nulls; `base`[row] is its path. */
static gboolean
read_numbers_or_null (Loader     *ld,
                      JsonNode   *node,
                      const char *base,
                      gsize       row,
                      gsize       n,
                      double     *out)
{
  JsonArray *arr;
  gsize len = 0;

  if (JSON_NODE_TYPE (node) != JSON_NODE_ARRAY ||
      (len = json_array_get_length (json_node_get_array (node))) != n)
    {
      g_autofree char *path = g_strdup_printf ("%s[%zu]", base, row);

      if (JSON_NODE_TYPE (node) != JSON_NODE_ARRAY)
        return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path,
                               ngettext ("expected an array of %zu number, got %s",
                                         "expected an array of %zu numbers, got %s", n),
                               n, _bp_model_node_kind (node));
      return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path, ngettext ("expected %zu number, got %zu", "expected %zu numbers, got %zu", n),
                             n, len);
    }
  arr = json_node_get_array (node);
  for (gsize i = 0; i < n; i++)
    {
      JsonNode *elem = json_array_get_element (arr, (guint) i);

      if (JSON_NODE_TYPE (elem) == JSON_NODE_NULL)
        out[i] = NAN;
      else if (!_bp_model_node_number (elem, &out[i]) || !isfinite (out[i]))
        {
          g_autofree char *path = g_strdup_printf ("%s[%zu][%zu]", base, row, i);

          if (!_bp_model_node_number (elem, &out[i]))
            return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path,
                                   _("expected a number or null, got %s"), _bp_model_node_kind (elem));
          return _bp_model_number_error (ld, elem, path);
        }
    }
  return TRUE;
}

/* A required member of `obj`, an integer in [min, max]. */
static gboolean
read_member_integer (Loader     *ld,
                     JsonObject *obj,
                     const char *base,
                     const char *name,
                     gint64      min,
                     gint64      max,
                     gint64     *out)
{
  JsonNode *node = json_object_get_member (obj, name);
  g_autofree char *path = g_strdup_printf ("%s.%s", base, name);

  if (node == NULL)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, base, _("missing \"%s\""), name);
  return _bp_model_read_integer (ld, node, path, min, max, out);
}

/* "rng": four strings of hex digits, the xoshiro256** state. */
static gboolean
read_rng_state (Loader     *ld,
                JsonNode   *node,
                BpRng      *rng)
{
  JsonArray *arr;

  if (JSON_NODE_TYPE (node) != JSON_NODE_ARRAY ||
      json_array_get_length (json_node_get_array (node)) != 4)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, "progress.rng",
                           _("expected an array of 4 strings of hex digits (the generator state)"));
  arr = json_node_get_array (node);
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *path = g_strdup_printf ("progress.rng[%u]", i);
      JsonNode *elem = json_array_get_element (arr, i);
      const char *str;
      gsize len;

      if (!_bp_model_read_string (ld, elem, path, &str))
        return FALSE;
      len = strlen (str);
      for (gsize k = 0; k < len; k++)
        if (!g_ascii_isxdigit (str[k]))
          len = 0;
      if (len < 1 || len > 16 ||
          !g_ascii_string_to_unsigned (str, 16, 0, G_MAXUINT64, &rng->s[i], NULL))
        {
          g_autofree char *quoted = _bp_model_quote (str);

          return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path,
                                 _("expected 1 to 16 hex digits, got %s"), quoted);
        }
    }
  if ((rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3]) == 0)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, "progress.rng",
                           _("the generator state is all zero, which no seed gives"));
  return TRUE;
}

/* "order": a permutation of 0 … n − 1.  Paths are built only for a
 * message: orders can be long. */
static gboolean
read_order (Loader     *ld,
            JsonNode   *node,
            gsize       n,
            gsize      *order)
{
  g_autofree guint8 *seen = NULL;
  JsonArray *arr;
  gsize len;

  if (JSON_NODE_TYPE (node) != JSON_NODE_ARRAY)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, "progress.order",
                           _("expected an array of %zu row indices, got %s"),
                           n, _bp_model_node_kind (node));
  arr = json_node_get_array (node);
  if ((len = json_array_get_length (arr)) != n)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, "progress.order",
                           _("expected %zu row indices (one per row, \"rows\"), got %zu"), n, len);
  seen = g_new0 (guint8, n);
  for (gsize i = 0; i < n; i++)
    {
      JsonNode *elem = json_array_get_element (arr, (guint) i);
      gint64 v;

      if (JSON_NODE_TYPE (elem) == JSON_NODE_VALUE &&
          json_node_get_value_type (elem) == G_TYPE_INT64 &&
          (v = json_node_get_int (elem)) >= 0 && (guint64) v < n)
        order[i] = (gsize) v;
      else
        {
          g_autofree char *path = g_strdup_printf ("progress.order[%zu]", i);

          if (!_bp_model_read_integer (ld, elem, path, 0, (gint64) n - 1, &v))
            return FALSE;
          order[i] = (gsize) v;
        }
      if (seen[order[i]]++)
        {
          g_autofree char *path = g_strdup_printf ("progress.order[%zu]", i);

          return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path,
                                 _("row %zu appears twice (the order is a permutation of 0 to %zu)"),
                                 order[i], n - 1);
        }
    }
  return TRUE;
}

static gboolean
read_history (Loader          *ld,
              JsonNode        *node,
              BpTrainProgress *p)
{
  JsonArray *arr;
  gsize len;

  if (JSON_NODE_TYPE (node) != JSON_NODE_ARRAY)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, "progress.history",
                           _("expected an array of epoch records, got %s"),
                           _bp_model_node_kind (node));
  arr = json_node_get_array (node);
  if ((len = json_array_get_length (arr)) > p->epoch)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, "progress.history",
                           _("%zu epoch records, but \"epoch\" says %u epochs completed"),
                           len, p->epoch);
  for (gsize r = 0; r < len; r++)
    {
      JsonNode *row = json_array_get_element (arr, (guint) r);
      g_autofree char *path = g_strdup_printf ("progress.history[%zu]", r);
      g_autofree char *epoch_path = g_strdup_printf ("%s[0]", path);
      g_autofree char *step_path = g_strdup_printf ("%s[1]", path);
      BpEpochStats st = { .lr = NAN };
      double values[4];
      JsonArray *cells;
      gint64 v;
      guint n_cells = JSON_NODE_TYPE (row) == JSON_NODE_ARRAY
                      ? json_array_get_length (json_node_get_array (row)) : 0;

      if (n_cells != 6 && n_cells != 7)
        return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path,
                               _("expected [epoch, step, train_loss, train_accuracy, test_loss, "
                                 "test_accuracy] and optionally the learning rate"));
      cells = json_node_get_array (row);
      if (!_bp_model_read_integer (ld, json_array_get_element (cells, 0), epoch_path, 1, G_MAXUINT,
                                   &v))
        return FALSE;
      st.epoch = (guint) v;
      if (!_bp_model_read_integer (ld, json_array_get_element (cells, 1), step_path, 0, G_MAXINT64,
                                   &v))
        return FALSE;
      st.step = (guint64) v;
      for (guint k = 0; k < 4; k++)
        {
          g_autofree char *cell_path = g_strdup_printf ("%s[%u]", path, k + 2);

          if (!read_number_or_null (ld, json_array_get_element (cells, k + 2), cell_path,
                                    &values[k]))
            return FALSE;
        }
      st.train_loss = values[0];
      st.train_accuracy = values[1];
      st.test_loss = values[2];
      st.test_accuracy = values[3];
      if (n_cells == 7)
        {
          g_autofree char *lr_path = g_strdup_printf ("%s[6]", path);

          if (!_bp_model_read_number_in (ld, json_array_get_element (cells, 6), lr_path, 0.0,
                                         G_MAXDOUBLE, &st.lr))
            return FALSE;
        }
      g_array_append_val (p->history, st);
    }
  return TRUE;
}

static gboolean
read_grad_norms (Loader          *ld,
                 JsonNode        *node,
                 gsize            n_layers,
                 BpTrainProgress *p)
{
  const char *base = "progress.grad_norms";
  JsonObject *obj = NULL;
  JsonNode *rec_node;
  JsonArray *records;
  gint64 stride, layers;
  gsize n;

  if (!_bp_model_read_object (ld, node, base, &obj) ||
      !read_member_integer (ld, obj, base, "stride", 1, (gint64) 1 << 62, &stride) ||
      !read_member_integer (ld, obj, base, "layers", 1, BP_MAX_LAYERS, &layers))
    return FALSE;
  if ((stride & (stride - 1)) != 0)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, "progress.grad_norms.stride",
                           _("%" PRId64 " is not a power of two"), stride);
  if ((gsize) layers != n_layers)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, "progress.grad_norms.layers",
                           _("%" PRId64 " does not match the %zu layers of the network"),
                           layers, n_layers);
  if ((rec_node = json_object_get_member (obj, "records")) == NULL)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, base, _("missing \"records\""));
  if (JSON_NODE_TYPE (rec_node) != JSON_NODE_ARRAY)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, "progress.grad_norms.records",
                           _("expected an array of records, got %s"), _bp_model_node_kind (rec_node));
  records = json_node_get_array (rec_node);
  n = json_array_get_length (records);
  if (n > BP_GRAD_NORM_MAX_RECORDS)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, "progress.grad_norms.records",
                           _("%zu records; at most %d are kept"), n, BP_GRAD_NORM_MAX_RECORDS);
  if (n > 0 && (guint64) stride > p->steps / n)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, "progress.grad_norms.records",
                           _("%zu records every %" PRId64 " steps go past step %"
                             PRIu64 " (\"steps\")"), n, stride, p->steps);
  p->grad_norm_stride = (guint64) stride;
  p->grad_norm_layers = (gsize) layers;
  g_array_set_size (p->grad_norms, (guint) (n * n_layers));
  for (gsize r = 0; r < n; r++)
    if (!read_numbers_or_null (ld, json_array_get_element (records, (guint) r),
                               "progress.grad_norms.records", r, n_layers,
                               &g_array_index (p->grad_norms, double, r * n_layers)))
      return FALSE;
  return TRUE;
}

gboolean
_bp_model_read_progress (Loader     *ld,
                         JsonObject *root,
                         BpModel    *model)
{
  JsonNode *node = json_object_get_member (root, "progress");
  const char *base = "progress";
  g_autoptr(BpTrainProgress) p = NULL;
  g_autoptr(GError) local = NULL;
  JsonObject *obj = NULL;
  JsonNode *member;
  gint64 version, rows, v;

  if (node == NULL)
    return TRUE;
  if (!_bp_model_read_object (ld, node, base, &obj) ||
      !read_member_integer (ld, obj, base, "version", 1, G_MAXINT64, &version))
    return FALSE;
  /* A later writer's progress may mean something else: leave it out
   * rather than continue from a misread position (see bp-model.h). */
  if (version > BP_MODEL_PROGRESS_VERSION)
    return TRUE;

  if (!read_member_integer (ld, obj, base, "rows", 1, BP_MODEL_MAX_DATASET_ROWS, &rows))
    return FALSE;
  p = bp_train_progress_new ((gsize) rows, 0);
  if (!read_member_integer (ld, obj, base, "steps", 0, G_MAXINT64, &v))
    return FALSE;
  p->steps = (guint64) v;
  if (!read_member_integer (ld, obj, base, "epoch", 0, G_MAXUINT, &v))
    return FALSE;
  p->epoch = (guint) v;
  if (!read_member_integer (ld, obj, base, "cursor", 0, rows, &v))
    return FALSE;
  p->cursor = (gsize) v;
  if ((member = json_object_get_member (obj, "rng")) == NULL)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, base, _("missing \"rng\""));
  if (!read_rng_state (ld, member, &p->rng))
    return FALSE;
  if ((member = json_object_get_member (obj, "order")) != NULL &&
      !read_order (ld, member, p->n_rows, p->order))
    return FALSE;
  if ((member = json_object_get_member (obj, "history")) != NULL &&
      !read_history (ld, member, p))
    return FALSE;
  if ((member = json_object_get_member (obj, "grad_norms")) != NULL &&
      !read_grad_norms (ld, member, model->network->n_layers, p))
    return FALSE;

  /* Everything bp_train_progress_check looks at was checked above, with its
   * path; this is the same rule, kept in one place. */
  if (!bp_train_progress_check (p, &local))
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, base, "%s", local->message);
  model->progress = g_steal_pointer (&p);
  return TRUE;
}

