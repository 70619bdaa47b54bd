/* bp-model-read.c — reading a "backprop-model/1" file (the format is
 * specified in bp-model.h).
 *
 * Reading goes through JsonParser, after bp-model-prescan.c has checked
 * what json-glib lets through, then walks the tree with a small set of
 * typed readers.  Each reader checks type, shape and range before anything
 * is allocated from the value, and every error starts with the display name
 * and the JSON path of the offending value (a layer also by its number,
 * counted from 1 as everywhere else):
 *
 *   model.json: layer 2 (layers[1].W[3] in the file): expected 8 numbers, got 7
 *
 * The typed readers are shared with bp-model-read-progress.c through
 * bp-model-private.h.
 */
#include "config.h"
#include "bp-model.h"
#include "bp-model-private.h"
#include "bp-util.h"

#include <glib/gi18n-lib.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

/* Rows of a worked example (inputs/targets). */
#define MAX_SAMPLES      BP_MODEL_MAX_BATCH_SIZE
/* Parameters of a whole network: one full 4096 × 4096 layer fits, a stack
 * of 32 of them (4 GiB of doubles, twice) does not. */
#define MAX_PARAMS       BP_MODEL_MAX_PARAMS

/* Sets "<name>: <path>: <message>" (no path: "<name>: <message>") and
 * returns FALSE. */
gboolean
_bp_model_fail (Loader       *ld,
                BpModelError  code,
                const char   *path,
                const char   *fmt,
                ...)
{
  g_autofree char *msg = NULL;
  va_list args;

  va_start (args, fmt);
  msg = g_strdup_vprintf (fmt, args);
  va_end (args);
  if (path != NULL && g_str_has_prefix (path, "layers["))
    {
      /* Messages count layers from 1, as the app and W(n) do; the JSON
       * path, 0-based, says where in the file. */
      guint64 n = g_ascii_strtoull (path + strlen ("layers["), NULL, 10);

      g_set_error (ld->error, BP_MODEL_ERROR, code, _("%s: layer %" PRIu64
                     " (%s in the file): %s"), ld->name, n + 1, path, msg);
    }
  else if (path != NULL && path[0] != '\0')
    g_set_error (ld->error, BP_MODEL_ERROR, code, "%s: %s: %s", ld->name, path, msg);
  else
    g_set_error (ld->error, BP_MODEL_ERROR, code, "%s: %s", ld->name, msg);
  return FALSE;
}

/* Longest quoted string in a message, "..." included: a pasted file in an
 * id field should not fill the screen. */
#define QUOTE_MAX 64

/* A user-supplied string made safe to quote in a message: escaped, and cut
 * after QUOTE_MAX characters. */
char *
_bp_model_quote (const char *s)
{
  g_autofree char *escaped = g_strescape (s != NULL ? s : "", NULL);

  if (strlen (escaped) > QUOTE_MAX)
    return g_strdup_printf ("\"%.*s...\"", QUOTE_MAX - 3, escaped);
  return g_strdup_printf ("\"%s\"", escaped);
}

static char *
format_double (double v)
{
  char buf[32];

  return g_strdup (bp_format_double (buf, v));
}

const char *
_bp_model_node_kind (JsonNode *node)
{
  GType type;

  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      return _("an object");
    case JSON_NODE_ARRAY:
      return _("an array");
    case JSON_NODE_NULL:
      return "null";
    case JSON_NODE_VALUE:
    default:
      break;
    }
  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    return _("an integer");
  if (type == G_TYPE_DOUBLE)
    return _("a number");
  if (type == G_TYPE_BOOLEAN)
    return _("a boolean");
  if (type == G_TYPE_STRING)
    return _("a string");
  return _("a value of unknown type");
}

/* TRUE if `node` is a JSON number (integer or not); its value in *out. */
gboolean
_bp_model_node_number (JsonNode *node,
                       double   *out)
{
  GType type;

  if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE)
    return FALSE;
  type = json_node_get_value_type (node);
  if (type == G_TYPE_DOUBLE)
    *out = json_node_get_double (node);
  else if (type == G_TYPE_INT64)
    *out = (double) json_node_get_int (node);
  else
    return FALSE;
  return TRUE;
}

gboolean
_bp_model_number_error (Loader     *ld,
                        JsonNode   *node,
                        const char *path)
{
  double v;

  if (_bp_model_node_number (node, &v))
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path,
                           _("number too large for a double (every number must be finite)"));
  return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path, _("expected a number, got %s"),
                         _bp_model_node_kind (node));
}

gboolean
_bp_model_read_number (Loader     *ld,
                       JsonNode   *node,
                       const char *path,
                       double     *out)
{
  if (!_bp_model_node_number (node, out) || !isfinite (*out))
    return _bp_model_number_error (ld, node, path);
  return TRUE;
}

/* A number in [min, max]. */
gboolean
_bp_model_read_number_in (Loader     *ld,
                          JsonNode   *node,
                          const char *path,
                          double      min,
                          double      max,
                          double     *out)
{
  if (!_bp_model_read_number (ld, node, path, out))
    return FALSE;
  if (!(*out >= min && *out <= max))
    {
      g_autofree char *v = format_double (*out);
      g_autofree char *lo = format_double (min);
      g_autofree char *hi = format_double (max);

      return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path, _("%s is out of range [%s, %s]"),
                             v, lo, hi);
    }
  return TRUE;
}

/* An integer in [min, max].  A number with an integral value (2.0, 1e3) is
 * accepted as well; the range is checked before the value is used, so 1e12
 * or −3 for a width is only an error. */
gboolean
_bp_model_read_integer (Loader     *ld,
                        JsonNode   *node,
                        const char *path,
                        gint64      min,
                        gint64      max,
                        gint64     *out)
{
  gint64 v;
  double d;

  if (node != NULL && JSON_NODE_TYPE (node) == JSON_NODE_VALUE &&
      json_node_get_value_type (node) == G_TYPE_INT64)
    v = json_node_get_int (node);
  else if (_bp_model_node_number (node, &d))
    {
      g_autofree char *s = format_double (d);

      if (!isfinite (d) || d != floor (d))
        return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path, _("expected an integer, got %s"), s);
      /* ±2⁶³ and beyond do not convert to gint64. */
      if (!(d >= (double) min && d <= (double) max && fabs (d) < 9.2e18))
        return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path,
                               _("%s is out of range (%" PRId64 " to %" PRId64 ")"),
                               s, min, max);
      v = (gint64) d;
    }
  else
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path, _("expected an integer, got %s"),
                           _bp_model_node_kind (node));

  if (v < min || v > max)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path,
                           _("%" PRId64 " is out of range (%" PRId64 " to %"
                             PRId64 ")"), v, min, max);
  *out = v;
  return TRUE;
}

gboolean
_bp_model_read_string (Loader      *ld,
                       JsonNode    *node,
                       const char  *path,
                       const char **out)
{
  if (JSON_NODE_TYPE (node) != JSON_NODE_VALUE ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path, _("expected a string, got %s"),
                           _bp_model_node_kind (node));
  *out = json_node_get_string (node);
  return TRUE;
}

gboolean
_bp_model_read_object (Loader      *ld,
                       JsonNode    *node,
                       const char  *path,
                       JsonObject **out)
{
  if (JSON_NODE_TYPE (node) != JSON_NODE_OBJECT)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path, _("expected an object, got %s"),
                           _bp_model_node_kind (node));
  *out = json_node_get_object (node);
  return TRUE;
}

/* `node` must be an array of exactly `n` finite numbers; they go to `out`.
 * Its path is `base`, or `base`[row] when row ≥ 0; paths are only built for
 * a message, so reading a large W costs no allocations. */
gboolean
_bp_model_read_numbers (Loader     *ld,
                        JsonNode   *node,
                        const char *base,
                        gssize      row,
                        gsize       n,
                        double     *out)
{
  g_autofree char *path = NULL;
  JsonArray *arr;
  gsize len;

  if (JSON_NODE_TYPE (node) != JSON_NODE_ARRAY)
    {
      path = row >= 0 ? g_strdup_printf ("%s[%zd]", base, row) : g_strdup (base);
      return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path,
                             ngettext ("expected an array of %zu number, got %s",
                                       "expected an array of %zu numbers, got %s", n),
                             n, _bp_model_node_kind (node));
    }
  arr = json_node_get_array (node);
  len = json_array_get_length (arr);
  if (len != n)
    {
      path = row >= 0 ? g_strdup_printf ("%s[%zd]", base, row) : g_strdup (base);
      return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path, ngettext ("expected %zu number, got %zu", "expected %zu numbers, got %zu", n),
                             n, len);
    }
  for (gsize i = 0; i < n; i++)
    {
      JsonNode *elem = json_array_get_element (arr, (guint) i);

      if (!_bp_model_node_number (elem, &out[i]) || !isfinite (out[i]))
        {
          path = row >= 0 ? g_strdup_printf ("%s[%zd][%zu]", base, row, i)
                          : g_strdup_printf ("%s[%zu]", base, i);
          return _bp_model_number_error (ld, elem, path);
        }
    }
  return TRUE;
}

/* `node` must be an array of 1 to MAX_SAMPLES rows, each an array of
 * `width` entries.  Only the shape is checked (so that nothing is allocated
 * for a file that claims a million rows of nothing); the numbers are read by
 * read_numbers. */
gboolean
_bp_model_check_rows (Loader     *ld,
                      JsonNode   *node,
                      const char *path,
                      gsize       width,
                      gsize      *n_rows)
{
  JsonArray *arr;
  gsize len;

  if (JSON_NODE_TYPE (node) != JSON_NODE_ARRAY)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path, _("expected an array of rows, got %s"),
                           _bp_model_node_kind (node));
  arr = json_node_get_array (node);
  len = json_array_get_length (arr);
  if (len < 1 || len > MAX_SAMPLES)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path, _("expected 1 to %d rows, got %zu"),
                           MAX_SAMPLES, len);
  for (gsize r = 0; r < len; r++)
    {
      JsonNode *row = json_array_get_element (arr, (guint) r);
      gsize got;

      if (JSON_NODE_TYPE (row) != JSON_NODE_ARRAY)
        {
          g_autofree char *p = g_strdup_printf ("%s[%zu]", path, r);

          return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, p,
                                 ngettext ("expected an array of %zu number, got %s",
                                           "expected an array of %zu numbers, got %s", width),
                                 width, _bp_model_node_kind (row));
        }
      got = json_array_get_length (json_node_get_array (row));
      if (got != width)
        {
          g_autofree char *p = g_strdup_printf ("%s[%zu]", path, r);

          return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, p, ngettext ("expected %zu number, got %zu", "expected %zu numbers, got %zu", width),
                                 width, got);
        }
    }
  *n_rows = len;
  return TRUE;
}

static gboolean
looks_like_path (const char *id)
{
  return strchr (id, '/') != NULL || strchr (id, '\\') != NULL ||
         g_str_has_suffix (id, ".so") || g_str_has_suffix (id, ".dll") ||
         g_str_has_suffix (id, ".dylib");
}

static gboolean
fail_unknown_id (Loader        *ld,
                 BpFeatureKind  kind,
                 const char    *path,
                 const char    *id)
{
  static const char *const kinds[] = {
    [BP_FEATURE_ACTIVATION] = "activation",
    [BP_FEATURE_COST] = "cost",
    [BP_FEATURE_OPTIMIZER] = "optimizer",
  };
  g_autofree const char **ids = NULL;
  g_autoptr(GString) known = g_string_new (NULL);
  g_autofree char *quoted = _bp_model_quote (id);
  guint n = 0;

  ids = bp_registry_list_ids (ld->reg, kind, &n);
  for (guint i = 0; i < n; i++)
    g_string_append_printf (known, "%s%s", i > 0 ? ", " : "", ids[i]);

  return _bp_model_fail (ld, BP_MODEL_ERROR_UNKNOWN_ID, path, "unknown %s %s%s; known %ss: %s",
                         kinds[kind], quoted,
                         looks_like_path (id)
                           ? " (ids are names, never paths: plugins are loaded from the plugin "
                             "search path, and a model file names what they provide by id)"
                           : "",
                         kinds[kind], n > 0 ? known->str : "(none)");
}

gboolean
_bp_model_read_params (Loader            *ld,
                       JsonObject        *obj,
                       const char        *base,
                       const BpParamSpec *specs,
                       gsize              n,
                       double            *out)
{
  for (gsize i = 0; i < n; i++)
    {
      JsonNode *node = obj != NULL ? json_object_get_member (obj, specs[i].name) : NULL;

      out[i] = specs[i].default_value;
      if (node != NULL)
        {
          g_autofree char *path = g_strdup_printf ("%s.%s", base, specs[i].name);

          if (!_bp_model_read_number_in (ld, node, path, specs[i].min_value, specs[i].max_value,
                                         &out[i]))
            return FALSE;
        }
    }
  return TRUE;
}

/* Wraps an error of bp_network_* / bp_optimizer_* with name and path. */
static gboolean
fail_from (Loader     *ld,
           const char *path,
           GError     *local)
{
  BpModelError code = BP_MODEL_ERROR_INVALID;

  if (local->domain == BP_NETWORK_ERROR && local->code == BP_NETWORK_ERROR_UNKNOWN_ID)
    code = BP_MODEL_ERROR_UNKNOWN_ID;
  return _bp_model_fail (ld, code, path, "%s", local->message);
}

static gboolean
read_layers (Loader     *ld,
             JsonObject *root,
             BpModel    *model)
{
  JsonNode *node = json_object_get_member (root, "layers");
  g_autofree gboolean *has_W = NULL;
  g_autoptr(BpNetwork) net = NULL;
  gboolean need_init = FALSE;
  gsize n_layers, total = 0;
  JsonArray *arr;

  if (node == NULL)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, NULL, _("missing \"layers\""));
  if (JSON_NODE_TYPE (node) != JSON_NODE_ARRAY)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, "layers",
                           _("expected an array of layers, got %s"),
                           _bp_model_node_kind (node));
  arr = json_node_get_array (node);
  n_layers = json_array_get_length (arr);
  if (n_layers < 1 || n_layers > BP_MAX_LAYERS)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, "layers", _("expected 1 to %d layers, got %zu"),
                           BP_MAX_LAYERS, n_layers);
  has_W = g_new0 (gboolean, n_layers);

  /* First pass: shapes and activations, building the network.  Each size is
   * range-checked before the network grows by it. */
  for (gsize l = 0; l < n_layers; l++)
    {
      g_autofree char *path = g_strdup_printf ("layers[%zu]", l);
      g_autofree char *in_path = g_strdup_printf ("layers[%zu].in", l);
      g_autofree char *out_path = g_strdup_printf ("layers[%zu].out", l);
      g_autofree char *act_path = g_strdup_printf ("layers[%zu].activation", l);
      g_autofree double *ap = NULL;
      g_autoptr(GError) local = NULL;
      const BpActivationDesc *act;
      JsonObject *obj = NULL;
      JsonNode *in_node, *out_node, *act_node;
      const char *act_id;
      gint64 in = 0, out;
      BpLayerType type;

      if (!_bp_model_read_object (ld, json_array_get_element (arr, (guint) l), path, &obj))
        return FALSE;

      in_node = json_object_get_member (obj, "in");
      if (in_node == NULL && l == 0)
        return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path,
                               _("missing \"in\" (the first layer's \"in\" is the input width)"));
      if (in_node != NULL && !_bp_model_read_integer (ld, in_node, in_path, 1, BP_MAX_WIDTH, &in))
        return FALSE;
      if (l > 0 && in_node != NULL && (gsize) in != net->layers[l - 1].out)
        return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, in_path,
                               _("%" PRId64 " does not match the \"out\" of layer %zu, %zu "
                                 "(a layer's \"in\" is the previous layer's \"out\")"),
                               in, l, net->layers[l - 1].out);

      out_node = json_object_get_member (obj, "out");
      if (out_node == NULL)
        return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path, _("missing \"out\""));
      if (!_bp_model_read_integer (ld, out_node, out_path, 1, BP_MAX_WIDTH, &out))
        return FALSE;

      if (l == 0)
        {
          net = bp_network_new ((gsize) in, &local);
          if (net == NULL)
            return fail_from (ld, in_path, local);
        }

      /* Batch norm, layer norm, dropout: bp-model-read-layer.c. */
      if (!_bp_model_read_layer_type (ld, obj, l, &type))
        return FALSE;
      if (type != BP_LAYER_DENSE)
        {
          if ((gsize) out != bp_network_n_outputs (net))
            return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, out_path,
                                   _("a %s layer keeps the width: \"out\" is %" PRId64
                                     " but \"in\" is %zu"), bp_layer_type_to_string (type), out,
                                   bp_network_n_outputs (net));
          if (!_bp_model_read_layer_kind (ld, obj, l, type, (gsize) out, net))
            return FALSE;
          has_W[l] = TRUE;
          continue;
        }
      total += bp_network_n_outputs (net) * (gsize) out + (gsize) out;
      if (total > MAX_PARAMS)
        return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path,
                               _("the network would have %zu parameters; at most %zu are supported"),
                               total, MAX_PARAMS);

      act_node = json_object_get_member (obj, "activation");
      if (act_node == NULL)
        return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path, _("missing \"activation\""));
      if (!_bp_model_read_string (ld, act_node, act_path, &act_id))
        return FALSE;
      act = bp_registry_lookup_activation (ld->reg, act_id);
      if (act == NULL)
        return fail_unknown_id (ld, BP_FEATURE_ACTIVATION, act_path, act_id);

      ap = g_new0 (double, MAX (act->n_params, 1));
      if (!_bp_model_read_params (ld, obj, path, act->params, act->n_params, ap))
        return FALSE;
      if (!bp_network_add_layer (net, (gsize) out, act->id, act->n_params > 0 ? ap : NULL, &local))
        return fail_from (ld, path, local);
      if (!_bp_model_read_skip (ld, obj, l, net))
        return FALSE;

      has_W[l] = json_object_has_member (obj, "W");
      need_init |= !has_W[l];
    }

  /* Layers without W get the values they would have if the whole network
   * were initialised from the seed: initialise all of it, then overwrite
   * what the file gives.  So a layer's initial W depends only on the seed,
   * "init" and the shapes up to it, not on which other layers carry W.
   * init_weights zeroes every b, which is also the b of a layer that has W
   * but no b. */
  if (need_init)
    {
      BpRng rng;

      bp_rng_init (&rng, model->seed);
      bp_network_init_weights (net, model->init, &rng);
    }

  /* Second pass: W and b into the finished parameter block. */
  for (gsize l = 0; l < n_layers; l++)
    {
      JsonObject *obj = json_array_get_object_element (arr, (guint) l);
      BpLayer *L = &net->layers[l];
      JsonNode *W_node = json_object_get_member (obj, "W");
      JsonNode *b_node = json_object_get_member (obj, "b");

      if (L->type != BP_LAYER_DENSE)
        {
          if (!_bp_model_read_layer_values (ld, obj, l, net))
            return FALSE;
          continue;
        }

      if (W_node != NULL)
        {
          g_autofree char *path = g_strdup_printf ("layers[%zu].W", l);
          JsonArray *rows;
          gsize n_rows;

          if (JSON_NODE_TYPE (W_node) != JSON_NODE_ARRAY)
            return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path,
                                   _("expected an array of %zu rows, got %s"),
                                   L->out, _bp_model_node_kind (W_node));
          rows = json_node_get_array (W_node);
          n_rows = json_array_get_length (rows);
          if (n_rows != L->out)
            return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path,
                                   ngettext ("expected %zu row (one per output unit), got %zu",
                                             "expected %zu rows (one per output unit), got %zu", L->out),
                                   L->out, n_rows);
          for (gsize r = 0; r < n_rows; r++)
            if (!_bp_model_read_numbers (ld, json_array_get_element (rows, (guint) r), path,
                                         (gssize) r, L->in, L->W + r * L->in))
              return FALSE;
        }
      if (b_node != NULL)
        {
          g_autofree char *path = g_strdup_printf ("layers[%zu].b", l);

          if (!_bp_model_read_numbers (ld, b_node, path, -1, L->out, L->b))
            return FALSE;
        }
    }

  model->network = g_steal_pointer (&net);
  return TRUE;
}

static gboolean
read_cost (Loader     *ld,
           JsonObject *root,
           BpModel    *model)
{
  JsonNode *node = json_object_get_member (root, "cost");
  g_autoptr(GError) local = NULL;
  g_autofree double *cp = NULL;
  const BpCostDesc *cost;
  JsonObject *obj = NULL;
  const char *id;
  const char *id_path = "cost";

  if (node == NULL)
    return TRUE;  /* the network's default, mse */

  if (JSON_NODE_TYPE (node) == JSON_NODE_OBJECT)
    {
      JsonNode *id_node;

      obj = json_node_get_object (node);
      id_node = json_object_get_member (obj, "id");
      id_path = "cost.id";
      if (id_node == NULL)
        return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, "cost", _("missing \"id\""));
      if (!_bp_model_read_string (ld, id_node, id_path, &id))
        return FALSE;
    }
  else if (JSON_NODE_TYPE (node) == JSON_NODE_VALUE &&
           json_node_get_value_type (node) == G_TYPE_STRING)
    id = json_node_get_string (node);
  else
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, "cost",
                           _("expected a cost id or an object with \"id\", got %s"),
                           _bp_model_node_kind (node));

  cost = bp_registry_lookup_cost (ld->reg, id);
  if (cost == NULL)
    return fail_unknown_id (ld, BP_FEATURE_COST, id_path, id);

  /* In a cost object every other member is a parameter of that cost. */
  if (obj != NULL)
    {
      g_autoptr(GList) names = json_object_get_members (obj);

      for (GList *it = names; it != NULL; it = it->next)
        {
          const char *name = it->data;

          if (strcmp (name, "id") != 0 &&
              bp_param_index (cost->params, cost->n_params, name) < 0)
            {
              g_autofree char *path = g_strdup_printf ("cost.%s", name);
              g_autoptr(GString) known = g_string_new (NULL);

              for (gsize i = 0; i < cost->n_params; i++)
                g_string_append_printf (known, "%s%s", i > 0 ? ", " : "", cost->params[i].name);
              if (cost->n_params == 0)
                return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path,
                                       _("cost \"%s\" has no parameter of that name (it has none)"),
                                       cost->id);
              return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path,
                                     _("cost \"%s\" has no parameter of that name (it has: %s)"),
                                     cost->id, known->str);
            }
        }
    }

  cp = g_new0 (double, MAX (cost->n_params, 1));
  if (!_bp_model_read_params (ld, obj, "cost", cost->params, cost->n_params, cp))
    return FALSE;
  if (!bp_network_set_cost (model->network, cost->id, cost->n_params > 0 ? cp : NULL, &local))
    return fail_from (ld, "cost", local);
  return TRUE;
}

static gboolean
read_optimizer (Loader     *ld,
                JsonObject *root,
                BpModel    *model)
{
  JsonNode *node = json_object_get_member (root, "optimizer");
  g_autoptr(BpOptimizer) opt = NULL;
  g_autoptr(GError) local = NULL;
  const BpOptimizerDesc *desc;
  JsonObject *obj = NULL;
  JsonNode *state_node = NULL, *schedule_node = NULL, *schedule_state = NULL;
  const char *id = "sgd";
  gsize n_params = model->network->n_params;

  if (node != NULL)
    {
      JsonNode *id_node;

      if (!_bp_model_read_object (ld, node, "optimizer", &obj))
        return FALSE;
      id_node = json_object_get_member (obj, "id");
      if (id_node != NULL && !_bp_model_read_string (ld, id_node, "optimizer.id", &id))
        return FALSE;
    }

  desc = bp_registry_lookup_optimizer (ld->reg, id);
  if (desc == NULL)
    return fail_unknown_id (ld, BP_FEATURE_OPTIMIZER, "optimizer.id", id);
  opt = bp_optimizer_new (ld->reg, desc->id, n_params, &local);
  if (opt == NULL)
    return fail_from (ld, "optimizer", local);

  if (obj != NULL)
    {
      g_autoptr(GList) names = json_object_get_members (obj);

      for (GList *it = names; it != NULL; it = it->next)
        {
          const char *name = it->data;
          g_autofree char *path = NULL;
          int i;
          double v = 0.0;

          if (strcmp (name, "id") == 0)
            continue;
          if (strcmp (name, "state") == 0 || strcmp (name, "schedule") == 0)
            {
              /* Both after the loop: a schedule starts from "lr". */
              if (name[1] == 't')
                state_node = json_object_get_member (obj, name);
              else
                schedule_node = json_object_get_member (obj, name);
              continue;
            }
          path = g_strdup_printf ("optimizer.%s", name);
          i = bp_param_index (desc->hyper_specs, desc->n_hyper, name);
          if (i < 0 && strcmp (name, "weight_decay") != 0)
            {
              g_autoptr(GString) known = g_string_new (NULL);

              for (gsize k = 0; k < desc->n_hyper; k++)
                g_string_append_printf (known, "%s, ", desc->hyper_specs[k].name);
              if (bp_param_index (desc->hyper_specs, desc->n_hyper, "weight_decay") < 0)
                g_string_append (known, "weight_decay, ");
              g_string_truncate (known, known->len - 2);
              return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path,
                                     _("unknown hyperparameter for optimizer \"%s\" (it has: %s)"),
                                     desc->id, known->str);
            }
          if (i >= 0)
            {
              if (!_bp_model_read_number_in (ld, json_object_get_member (obj, name), path,
                                             desc->hyper_specs[i].min_value,
                                             desc->hyper_specs[i].max_value, &v))
                return FALSE;
            }
          else if (!_bp_model_read_number (ld, json_object_get_member (obj, name), path, &v))
            return FALSE;
          if (!bp_optimizer_set (opt, name, v, &local))
            return fail_from (ld, path, local);
        }
    }

  if (schedule_node != NULL && !_bp_model_read_schedule (ld, schedule_node, opt))
    return FALSE;
  if (state_node != NULL)
    {
      g_autoptr(GList) names = NULL;
      JsonObject *state = NULL;

      if (!_bp_model_read_object (ld, state_node, "optimizer.state", &state))
        return FALSE;
      names = json_object_get_members (state);
      for (GList *it = names; it != NULL; it = it->next)
        {
          const char *name = it->data;
          g_autofree char *path = g_strdup_printf ("optimizer.state.%s", name);
          JsonNode *member = json_object_get_member (state, name);
          gsize i;

          if (strcmp (name, "schedule") == 0)
            {
              schedule_state = member;
              continue;
            }
          if (strcmp (name, "t") == 0)
            {
              gint64 t;

              if (!_bp_model_read_integer (ld, member, path, 0, G_MAXINT64, &t))
                return FALSE;
              opt->t = (guint64) t;
              continue;
            }
          for (i = 0; i < desc->n_state; i++)
            if (g_strcmp0 (desc->state_specs[i].name, name) == 0)
              break;
          if (i == desc->n_state)
            {
              g_autoptr(GString) known = g_string_new ("t");

              for (gsize k = 0; k < desc->n_state; k++)
                g_string_append_printf (known, ", %s", desc->state_specs[k].name);
              return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path,
                                     _("optimizer \"%s\" keeps no state of that name (it keeps: %s)"),
                                     desc->id, known->str);
            }
          /* Arrays the file leaves out stay zero, as after a reset. */
          if (!_bp_model_read_numbers (ld, member, path, -1,
                                       desc->state_specs[i].per_param * n_params,
                                       bp_optimizer_state (opt, i)))
            return FALSE;
        }
      if (schedule_state != NULL && !_bp_model_read_schedule_state (ld, schedule_state, opt))
        return FALSE;
    }

  model->optimizer = g_steal_pointer (&opt);
  return TRUE;
}

static gboolean
read_dataset (Loader     *ld,
              JsonObject *root,
              BpModel    *model)
{
  JsonNode *node = json_object_get_member (root, "dataset");
  JsonObject *obj = NULL;
  JsonNode *member;
  const char *name;

  if (node == NULL)
    return TRUE;
  if (JSON_NODE_TYPE (node) == JSON_NODE_VALUE &&
      json_node_get_value_type (node) == G_TYPE_STRING)
    {
      name = json_node_get_string (node);
      if (name[0] == '\0')
        return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, "dataset", _("the dataset name is empty"));
      model->dataset = g_strdup (name);
      return TRUE;
    }
  if (JSON_NODE_TYPE (node) != JSON_NODE_OBJECT)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, "dataset",
                           _("expected a dataset name or an object with \"name\", got %s"),
                           _bp_model_node_kind (node));

  obj = json_node_get_object (node);
  if ((member = json_object_get_member (obj, "name")) == NULL)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, "dataset", _("missing \"name\""));
  if (!_bp_model_read_string (ld, member, "dataset.name", &name))
    return FALSE;
  if (name[0] == '\0')
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, "dataset.name", _("the dataset name is empty"));

  if ((member = json_object_get_member (obj, "rows")) != NULL)
    {
      gint64 rows;

      if (!_bp_model_read_integer (ld, member, "dataset.rows", 0, BP_MODEL_MAX_DATASET_ROWS,
                                   &rows))
        return FALSE;
      model->dataset_rows = (gsize) rows;
    }
  if ((member = json_object_get_member (obj, "noise")) != NULL &&
      !_bp_model_read_number_in (ld, member, "dataset.noise", 0.0, G_MAXDOUBLE,
                                 &model->dataset_noise))
    return FALSE;
  if ((member = json_object_get_member (obj, "test_fraction")) != NULL)
    {
      if (!_bp_model_read_number_in (ld, member, "dataset.test_fraction", 0.0, 1.0,
                                     &model->test_fraction))
        return FALSE;
      if (model->test_fraction >= 1.0)
        return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, "dataset.test_fraction",
                               _("must be less than 1 (nothing would be left to train on)"));
    }
  model->dataset = g_strdup (name);
  return TRUE;
}

static gboolean
read_training (Loader     *ld,
               JsonObject *root,
               BpModel    *model)
{
  JsonNode *node = json_object_get_member (root, "training");
  JsonObject *obj = NULL;
  JsonNode *member;
  gint64 v;

  if (node == NULL)
    return TRUE;
  if (!_bp_model_read_object (ld, node, "training", &obj))
    return FALSE;
  if ((member = json_object_get_member (obj, "epochs")) != NULL)
    {
      if (!_bp_model_read_integer (ld, member, "training.epochs", 0, G_MAXINT, &v))
        return FALSE;
      model->epochs = (guint) v;
    }
  if ((member = json_object_get_member (obj, "batch_size")) != NULL)
    {
      if (!_bp_model_read_integer (ld, member, "training.batch_size", 1, MAX_SAMPLES, &v))
        return FALSE;
      model->batch_size = (gsize) v;
    }
  return TRUE;
}

static gboolean
read_example (Loader     *ld,
              JsonObject *root,
              BpModel    *model)
{
  JsonNode *in_node = json_object_get_member (root, "inputs");
  JsonNode *tg_node = json_object_get_member (root, "targets");
  gsize n_in = model->network->n_inputs;
  gsize n_out = bp_network_n_outputs (model->network);
  g_autofree double *inputs = NULL;
  g_autofree double *targets = NULL;
  gsize B, B_targets;

  if (in_node == NULL && tg_node == NULL)
    return TRUE;
  if (tg_node == NULL)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, "inputs",
                           _("given without \"targets\" (a worked example needs both)"));
  if (in_node == NULL)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, "targets",
                           _("given without \"inputs\" (a worked example needs both)"));

  if (!_bp_model_check_rows (ld, in_node, "inputs", n_in, &B) ||
      !_bp_model_check_rows (ld, tg_node, "targets", n_out, &B_targets))
    return FALSE;
  if (B_targets != B)
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, "targets",
                           ngettext ("expected %zu row (one per row of \"inputs\"), got %zu",
                                     "expected %zu rows (one per row of \"inputs\"), got %zu", B),
                           B, B_targets);

  inputs = g_new (double, B * n_in);
  targets = g_new (double, B * n_out);
  for (gsize s = 0; s < B; s++)
    {
      JsonArray *in_rows = json_node_get_array (in_node), *tg_rows = json_node_get_array (tg_node);

      if (!_bp_model_read_numbers (ld, json_array_get_element (in_rows, (guint) s),
                                   "inputs", (gssize) s, n_in, inputs + s * n_in) ||
          !_bp_model_read_numbers (ld, json_array_get_element (tg_rows, (guint) s),
                                   "targets", (gssize) s, n_out, targets + s * n_out))
        return FALSE;
    }
  /* A fixed dropout mask is one row per sample of the worked example. */
  for (gsize l = 0; l < model->network->n_layers; l++)
    {
      const BpLayer *L = &model->network->layers[l];

      if (L->mask != NULL && L->mask_rows != B)
        {
          g_autofree char *path = g_strdup_printf ("layers[%zu].mask", l);

          return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, path,
                                 ngettext ("expected %zu row (one per row of \"inputs\"), got %zu",
                                           "expected %zu rows (one per row of \"inputs\"), got %zu", B),
                                 B, L->mask_rows);
        }
    }
  model->n_samples = B;
  model->inputs = g_steal_pointer (&inputs);
  model->targets = g_steal_pointer (&targets);
  return TRUE;
}

/* The seed is a guint64.  JSON integers above 2⁶³ − 1 do not survive
 * json-glib, so such seeds are written as a decimal string; both forms are
 * read. */
static gboolean
read_seed (Loader     *ld,
           JsonNode   *node,
           guint64    *out)
{
  if (JSON_NODE_TYPE (node) == JSON_NODE_VALUE &&
      json_node_get_value_type (node) == G_TYPE_STRING)
    {
      const char *s = json_node_get_string (node);

      if (!g_ascii_string_to_unsigned (s, 10, 0, G_MAXUINT64, out, NULL))
        return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, "seed",
                               _("expected an integer from 0 to %" PRIu64
                                 ", got the string %s"), G_MAXUINT64, s);
      return TRUE;
    }
  else
    {
      gint64 v;

      if (!_bp_model_read_integer (ld, node, "seed", 0, G_MAXINT64, &v))
        return FALSE;
      *out = (guint64) v;
      return TRUE;
    }
}

static gboolean
read_header (Loader     *ld,
             JsonObject *root,
             BpModel    *model)
{
  JsonNode *node;
  const char *s;

  node = json_object_get_member (root, "format");
  if (node == NULL)
    return _bp_model_fail (ld, BP_MODEL_ERROR_FORMAT, NULL,
                           "missing \"format\" (expected \"format\": \"" BP_MODEL_FORMAT "\"); "
                           "is this a Backprop Studio model file?");
  if (JSON_NODE_TYPE (node) != JSON_NODE_VALUE ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return _bp_model_fail (ld, BP_MODEL_ERROR_FORMAT, "format",
                           "expected the string \"" BP_MODEL_FORMAT "\", got %s",
                           _bp_model_node_kind (node));
  s = json_node_get_string (node);
  if (strcmp (s, BP_MODEL_FORMAT) != 0)
    {
      g_autofree char *quoted = _bp_model_quote (s);

      return _bp_model_fail (ld, BP_MODEL_ERROR_FORMAT, "format",
                             "unknown format %s; this version reads \"" BP_MODEL_FORMAT "\"",
                             quoted);
    }

  if ((node = json_object_get_member (root, "name")) != NULL)
    {
      if (!_bp_model_read_string (ld, node, "name", &s))
        return FALSE;
      g_free (model->name);
      model->name = g_strdup (s);
    }
  if ((node = json_object_get_member (root, "description")) != NULL)
    {
      if (!_bp_model_read_string (ld, node, "description", &s))
        return FALSE;
      g_free (model->description);
      model->description = g_strdup (s);
    }
  if ((node = json_object_get_member (root, "seed")) != NULL &&
      !read_seed (ld, node, &model->seed))
    return FALSE;
  if ((node = json_object_get_member (root, "init")) != NULL)
    {
      if (!_bp_model_read_string (ld, node, "init", &s))
        return FALSE;
      if (!bp_init_from_string (s, &model->init))
        {
          g_autofree char *quoted = _bp_model_quote (s);

          return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, "init",
                                 _("unknown initialisation %s (known: %s, %s, %s, %s, %s)"), quoted,
                                 bp_init_to_string (BP_INIT_GLOROT_UNIFORM),
                                 bp_init_to_string (BP_INIT_GLOROT_NORMAL),
                                 bp_init_to_string (BP_INIT_HE_UNIFORM),
                                 bp_init_to_string (BP_INIT_HE_NORMAL),
                                 bp_init_to_string (BP_INIT_AUTO));
        }
    }
  return TRUE;
}

static gboolean
read_reduction (Loader     *ld,
                JsonObject *root,
                BpModel    *model)
{
  JsonNode *node = json_object_get_member (root, "reduction");
  const char *s;

  if (node == NULL)
    return TRUE;
  if (!_bp_model_read_string (ld, node, "reduction", &s))
    return FALSE;
  if (strcmp (s, "mean") == 0)
    model->network->reduction = BP_REDUCTION_MEAN;
  else if (strcmp (s, "sum") == 0)
    model->network->reduction = BP_REDUCTION_SUM;
  else
    {
      g_autofree char *quoted = _bp_model_quote (s);

      return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, "reduction",
                             _("unknown reduction %s (expected \"mean\" or \"sum\")"), quoted);
    }
  return TRUE;
}

/* What only the whole network can say (a skip into an output the cost
 * reads as f(z)); and the dropout generator starts from the seed. */
static gboolean
check_network (Loader  *ld,
               BpModel *model)
{
  g_autoptr(GError) local = NULL;

  bp_network_seed (model->network, model->seed);
  if (!bp_network_validate (model->network, &local))
    return _bp_model_fail (ld, BP_MODEL_ERROR_INVALID, "layers", "%s", local->message);
  return TRUE;
}

BpModel *
bp_model_load_data (const char  *data,
                    gssize       len,
                    const char  *display_name,
                    BpRegistry  *reg,
                    GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local = NULL;
  g_autoptr(BpModel) model = NULL;
  Loader ld = {
    .name = display_name != NULL ? display_name : "<data>",
    .reg = reg != NULL ? reg : bp_registry_get_default (),
    .error = error,
  };
  JsonNode *root_node;
  JsonObject *root;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (len < 0)
    len = (gssize) strlen (data);
  if (!_bp_model_prescan (&ld, data, (gsize) len))
    return NULL;

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, data, len, &local))
    {
      /* json-glib says "<data>:LINE:COL: Parse error: …"; put our name there. */
      const char *msg = local->message;

      if (g_str_has_prefix (msg, "<data>:"))
        g_set_error (error, BP_MODEL_ERROR, BP_MODEL_ERROR_PARSE, "%s:%s",
                     ld.name, msg + strlen ("<data>:"));
      else
        g_set_error (error, BP_MODEL_ERROR, BP_MODEL_ERROR_PARSE, "%s: %s", ld.name, msg);
      return NULL;
    }
  root_node = json_parser_get_root (parser);
  if (root_node == NULL)
    {
      _bp_model_fail (&ld, BP_MODEL_ERROR_PARSE, NULL, _("empty file (expected a JSON object)"));
      return NULL;
    }
  if (JSON_NODE_TYPE (root_node) != JSON_NODE_OBJECT)
    {
      _bp_model_fail (&ld, BP_MODEL_ERROR_FORMAT, NULL,
                      _("expected a JSON object at the top level, got %s"),
                      _bp_model_node_kind (root_node));
      return NULL;
    }
  root = json_node_get_object (root_node);

  /* Unknown top-level members are ignored (a newer writer may add some);
   * known ones of the wrong type are errors. */
  model = bp_model_new ();
  if (!read_header (&ld, root, model) ||
      !read_layers (&ld, root, model) ||
      !read_cost (&ld, root, model) ||
      !read_reduction (&ld, root, model) ||
      !check_network (&ld, model) ||
      !read_optimizer (&ld, root, model) ||
      !read_dataset (&ld, root, model) ||
      !read_training (&ld, root, model) ||
      !read_example (&ld, root, model) ||
      !_bp_model_read_progress (&ld, root, model))
    return NULL;
  return g_steal_pointer (&model);
}

BpModel *
bp_model_load_file (const char  *path,
                    BpRegistry  *reg,
                    GError     **error)
{
  g_autofree char *display = NULL;
  g_autofree char *data = NULL;
  g_autoptr(GError) local = NULL;
  gsize len;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  display = g_filename_display_name (path);
  if (!g_file_get_contents (path, &data, &len, &local))
    {
      g_set_error (error, BP_MODEL_ERROR, BP_MODEL_ERROR_IO, _("%s: cannot read: %s"),
                   display, local->message);
      return NULL;
    }
  if (len > G_MAXSSIZE)
    {
      g_set_error (error, BP_MODEL_ERROR, BP_MODEL_ERROR_IO, _("%s: file too large"), display);
      return NULL;
    }
  return bp_model_load_data (data, (gssize) len, display, reg, error);
}

