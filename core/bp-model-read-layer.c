/* bp-model-read-layer.c — reading the layers of issue 13 from a model
 * file: "skip_from" of a dense layer, and batch-norm, layer-norm and
 * dropout layers with their defaults (bp-model.h gives the members).
 * Errors name the layer, as every reader's do:
 *
 *   model.json: layer 3 (layers[2].mask[1][0] in the file): 0.5 is not 0 or 1
 */
#include "config.h"
#include "bp-model-private.h"

#include <glib/gi18n-lib.h>
#include <inttypes.h>
#include <math.h>

/* An optional number member in [min, max], else `def`. */
static gboolean
read_optional (Loader     *ld,
               JsonObject *obj,
               gsize       l,
               const char *name,
               double      min,
               double      max,
               double      def,
               double     *out)
{
  JsonNode *node = json_object_get_member (obj, name);
  g_autofree char *path = NULL;

  *out = def;
  if (node == NULL)
    return TRUE;
  path = g_strdup_printf ("layers[%zu].%s", l, name);
  return _bp_model_read_number_in (ld, node, path, min, max, out);
}

/* A layer's "type" (absent: dense). */
gboolean
_bp_model_read_layer_type (Loader      *ld,
                           JsonObject  *obj,
                           gsize        l,
                           BpLayerType *type)
{
  JsonNode *node = json_object_get_member (obj, "type");
  g_autofree char *path = NULL;
  const char *s;

  *type = BP_LAYER_DENSE;
  if (node == NULL)
    return TRUE;
  path = g_strdup_printf ("layers[%zu].type", l);
  if (!_bp_model_read_string (ld, node, path, &s))
    return FALSE;
  if (!bp_layer_type_from_string (s, type))
    {
      g_autofree char *quoted = _bp_model_quote (s);

      return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path,
                             _("unknown layer type %s (known: dense, batchnorm, layernorm, dropout)"),
                             quoted);
    }
  return TRUE;
}

gboolean
_bp_model_read_skip (Loader     *ld,
                     JsonObject *obj,
                     gsize       l,
                     BpNetwork  *net)
{
  JsonNode *node = json_object_get_member (obj, "skip_from");
  g_autofree char *path = NULL;
  gsize width;
  gint64 j;

  if (node == NULL)
    return TRUE;
  path = g_strdup_printf ("layers[%zu].skip_from", l);
  if (!_bp_model_read_integer (ld, node, path, 0, BP_MAX_LAYERS, &j))
    return FALSE;
  /* Layer n = l + 1 may add a(j) for 0 ≤ j < n. */
  if ((gsize) j > l)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path,
                           _("a skip from a(%" PRId64 ") into layer %zu: a skip must come "
                             "from an earlier layer (0 ≤ skip_from < %zu; 0 is the input)"),
                           j, l + 1, l + 1);
  width = j == 0 ? net->n_inputs : net->layers[j - 1].out;
  if (width != net->layers[l].out)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path,
                           _("a skip from a(%" PRId64 "), %zu wide, into a layer %zu wide "
                             "(the widths must be equal)"), j, width, net->layers[l].out);
  net->layers[l].skip_from = (gssize) j;
  return TRUE;
}

gboolean
_bp_model_read_layer_kind (Loader      *ld,
                           JsonObject  *obj,
                           gsize        l,
                           BpLayerType  type,
                           gsize        width,
                           BpNetwork   *net)
{
  g_autofree char *path = g_strdup_printf ("layers[%zu]", l);
  g_autoptr(GError) local = NULL;
  const char *act_id = NULL;
  JsonNode *node;
  double eps, momentum, p;
  gboolean ok = FALSE;

  g_assert (width == bp_network_n_outputs (net));

  if (json_object_has_member (obj, "skip_from"))
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path,
                           _("only a dense layer can have \"skip_from\""));
  if (type != BP_LAYER_DROPOUT && (node = json_object_get_member (obj, "activation")) != NULL)
    {
      g_autofree char *act_path = g_strdup_printf ("layers[%zu].activation", l);

      if (!_bp_model_read_string (ld, node, act_path, &act_id))
        return FALSE;
      if (bp_registry_lookup_activation (ld->reg, act_id) == NULL)
        return _bp_model_fail (ld, BP_MODEL_ERROR_UNKNOWN_ID, act_path,
                               _("unknown activation \"%s\""), act_id);
    }

  switch (type)
    {
    case BP_LAYER_BATCHNORM:
      if (!read_optional (ld, obj, l, "eps", G_MINDOUBLE, G_MAXDOUBLE, BP_NORM_DEFAULT_EPS, &eps) ||
          !read_optional (ld, obj, l, "momentum", 0.0, 1.0, BP_NORM_DEFAULT_MOMENTUM, &momentum))
        return FALSE;
      ok = bp_network_add_batchnorm (net, eps, momentum, act_id, &local);
      break;
    case BP_LAYER_LAYERNORM:
      if (!read_optional (ld, obj, l, "eps", G_MINDOUBLE, G_MAXDOUBLE, BP_NORM_DEFAULT_EPS, &eps))
        return FALSE;
      ok = bp_network_add_layernorm (net, eps, act_id, &local);
      break;
    case BP_LAYER_DROPOUT:
      if ((node = json_object_get_member (obj, "p")) == NULL)
        return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path,
                               _("missing \"p\" (the probability of dropping a unit)"));
      {
        g_autofree char *p_path = g_strdup_printf ("layers[%zu].p", l);

        if (!_bp_model_read_number (ld, node, p_path, &p))
          return FALSE;
        if (!(p >= 0.0 && p < 1.0))
          return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, p_path,
                                 _("p = %g is outside [0, 1) (1 would drop every unit)"), p);
      }
      ok = bp_network_add_dropout (net, p, &local);
      break;
    case BP_LAYER_DENSE:
      g_assert_not_reached ();
    }
  if (!ok)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path, "%s", local->message);
  /* The activation's own parameters (leaky_relu's α …), as a dense layer
   * reads them. */
  if (act_id != NULL && type != BP_LAYER_DROPOUT)
    {
      const BpActivationDesc *act = bp_registry_lookup_activation (ld->reg, act_id);
      g_autofree double *ap = g_new0 (double, MAX (act->n_params, 1));

      if (act->n_params > 0 &&
          (!_bp_model_read_params (ld, obj, path, act->params, act->n_params, ap) ||
           !bp_network_set_activation (net, net->n_layers - 1, act_id, ap, &local)))
        return local != NULL
               ? _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path, "%s", local->message)
               : FALSE;
    }
  return TRUE;
}

/* An optional array of `n` numbers into `out` (left as it is when absent). */
static gboolean
read_optional_row (Loader     *ld,
                   JsonObject *obj,
                   gsize       l,
                   const char *name,
                   gsize       n,
                   double     *out)
{
  JsonNode *node = json_object_get_member (obj, name);
  g_autofree char *path = NULL;

  if (node == NULL)
    return TRUE;
  path = g_strdup_printf ("layers[%zu].%s", l, name);
  return _bp_model_read_numbers (ld, node, path, -1, n, out);
}

static gboolean
read_mask (Loader     *ld,
           JsonNode   *node,
           gsize       l,
           BpNetwork  *net)
{
  g_autofree char *path = g_strdup_printf ("layers[%zu].mask", l);
  g_autofree double *mask = NULL;
  g_autoptr(GError) local = NULL;
  gsize w = net->layers[l].out, rows;

  if (!_bp_model_check_rows (ld, node, path, w, &rows))
    return FALSE;
  mask = g_new (double, rows * w);
  for (gsize r = 0; r < rows; r++)
    {
      if (!_bp_model_read_numbers (ld, json_array_get_element (json_node_get_array (node), (guint) r),
                                   path, (gssize) r, w, mask + r * w))
        return FALSE;
      for (gsize j = 0; j < w; j++)
        if (mask[r * w + j] != 0.0 && mask[r * w + j] != 1.0)
          {
            g_autofree char *p = g_strdup_printf ("%s[%zu][%zu]", path, r, j);

            return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, p,
                                   _("%g is not 0 or 1 (a dropout mask keeps a unit or drops it)"),
                                   mask[r * w + j]);
          }
    }
  if (!bp_network_set_mask (net, l, mask, rows, &local))
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path, "%s", local->message);
  return TRUE;
}

gboolean
_bp_model_read_layer_values (Loader     *ld,
                             JsonObject *obj,
                             gsize       l,
                             BpNetwork  *net)
{
  BpLayer *L = &net->layers[l];
  JsonNode *node;

  if (L->type == BP_LAYER_DROPOUT)
    {
      if ((node = json_object_get_member (obj, "mask")) != NULL)
        return read_mask (ld, node, l, net);
      return TRUE;
    }
  if (!read_optional_row (ld, obj, l, "gamma", L->out, L->W) ||
      !read_optional_row (ld, obj, l, "beta", L->out, L->b))
    return FALSE;
  if (L->type != BP_LAYER_BATCHNORM)
    return TRUE;
  if (!read_optional_row (ld, obj, l, "running_mean", L->out, L->running_mean) ||
      !read_optional_row (ld, obj, l, "running_var", L->out, L->running_var))
    return FALSE;
  for (gsize j = 0; j < L->out; j++)
    if (L->running_var[j] < 0.0)
      {
        g_autofree char *p = g_strdup_printf ("layers[%zu].running_var[%zu]", l, j);

        return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, p,
                               _("%g is negative (a variance is ≥ 0)"), L->running_var[j]);
      }
  return TRUE;
}
