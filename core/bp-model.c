/* bp-model.c — model files: reading, checking and writing
 * "backprop-model/1" JSON (the format is specified in bp-model.h).
 *
 * Reading goes through JsonParser, then walks the tree with a small set of
 * typed readers.  Each reader checks type, shape and range before anything
 * is allocated from the value, and every error starts with the display name
 * and the JSON path of the offending value (a layer also by its number,
 * counted from 1 as everywhere else):
 *
 *   model.json: layer 2 (layers[1].W[3] in the file): expected 8 numbers, got 7
 *
 * Writing does not use JsonGenerator: it prints doubles with "%.17g", which
 * is not the shortest form, and cannot keep −0.  We print every double with
 * bp_string_append_double, so that loading what we saved gives back the same
 * bits.
 */
#include "bp-model.h"
#include "bp-dataset.h"
#include "bp-registry.h"
#include "bp-util.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BP_MODEL_FORMAT "backprop-model/1"

/* Nesting deeper than this is refused before parsing (see prescan()).  The
 * format itself needs 5 levels (root, layers, layer, W, row). */
#define MAX_DEPTH        64
/* Rows of a worked example (inputs/targets). */
#define MAX_SAMPLES      BP_MODEL_MAX_BATCH_SIZE
/* Parameters of a whole network: one full 4096 × 4096 layer fits, a stack
 * of 32 of them (4 GiB of doubles, twice) does not. */
#define MAX_PARAMS       BP_MODEL_MAX_PARAMS
/* Rows a dataset reference may ask the generator for. */
#define MAX_DATASET_ROWS BP_MODEL_MAX_DATASET_ROWS
/* The "progress" versions this reader knows. */
#define PROGRESS_VERSION 1
/* Numbers per line when writing long flat arrays (optimizer state). */
#define WRAP             8

G_DEFINE_QUARK (bp-model-error-quark, bp_model_error)

/* ------------------------------------------------------------------ model */

BpModel *
bp_model_new (void)
{
  BpModel *model = g_new0 (BpModel, 1);

  model->name = g_strdup ("");
  model->description = g_strdup ("");
  model->seed = 0;
  model->init = BP_INIT_GLOROT_UNIFORM;
  model->dataset_noise = -1.0;
  model->test_fraction = 0.2;
  model->epochs = 100;
  model->batch_size = 32;
  return model;
}

void
bp_model_free (BpModel *model)
{
  if (model == NULL)
    return;
  g_free (model->name);
  g_free (model->description);
  bp_network_free (model->network);
  bp_optimizer_free (model->optimizer);
  g_free (model->dataset);
  g_free (model->inputs);
  g_free (model->targets);
  bp_train_progress_free (model->progress);
  g_free (model);
}

BpModel *
bp_model_copy (const BpModel *model)
{
  BpModel *copy;

  g_return_val_if_fail (model != NULL, NULL);

  copy = g_new0 (BpModel, 1);
  *copy = *model;
  copy->name = g_strdup (model->name);
  copy->description = g_strdup (model->description);
  copy->network = model->network != NULL ? bp_network_copy (model->network) : NULL;
  copy->optimizer = model->optimizer != NULL ? bp_optimizer_copy (model->optimizer) : NULL;
  copy->dataset = g_strdup (model->dataset);
  copy->progress = model->progress != NULL ? bp_train_progress_copy (model->progress) : NULL;
  copy->inputs = NULL;
  copy->targets = NULL;
  if (model->network != NULL && model->inputs != NULL && model->targets != NULL)
    {
      gsize n_in = model->network->n_inputs;
      gsize n_out = bp_network_n_outputs (model->network);

      copy->inputs = g_memdup2 (model->inputs, model->n_samples * n_in * sizeof (double));
      copy->targets = g_memdup2 (model->targets, model->n_samples * n_out * sizeof (double));
    }
  else
    copy->n_samples = 0;
  return copy;
}

/* memcmp, but two empty arrays are equal whatever their pointers. */
static gboolean
same_bits (const void *a,
           const void *b,
           gsize       n)
{
  return n == 0 || memcmp (a, b, n) == 0;
}

const char *
bp_model_diff (const BpModel *a,
               const BpModel *b)
{
  const BpOptimizer *oa, *ob;

  g_return_val_if_fail (a != NULL && b != NULL, NULL);

  oa = a->optimizer;
  ob = b->optimizer;
  if (g_strcmp0 (a->name, b->name) != 0)
    return "name";
  if (g_strcmp0 (a->description, b->description) != 0)
    return "description";
  if (a->seed != b->seed)
    return "seed";
  if (a->init != b->init)
    return "init";
  if ((a->network == NULL) != (b->network == NULL) ||
      (a->network != NULL && !bp_network_equal (a->network, b->network)))
    return "network";
  if (g_strcmp0 (a->dataset, b->dataset) != 0)
    return "dataset";
  if (a->dataset_rows != b->dataset_rows)
    return "dataset_rows";
  if (!same_bits (&a->dataset_noise, &b->dataset_noise, sizeof (double)))
    return "dataset_noise";
  if (!same_bits (&a->test_fraction, &b->test_fraction, sizeof (double)))
    return "test_fraction";
  if (a->epochs != b->epochs)
    return "epochs";
  if (a->batch_size != b->batch_size)
    return "batch_size";
  if ((oa == NULL) != (ob == NULL))
    return "optimizer";
  if (oa != NULL &&
      (g_strcmp0 (oa->id, ob->id) != 0 || oa->n_params != ob->n_params))
    return "optimizer";
  if (oa != NULL && !same_bits (oa->hyper, ob->hyper, oa->desc->n_hyper * sizeof (double)))
    return "optimizer hyper-parameters";
  if (oa != NULL && !same_bits (&oa->weight_decay, &ob->weight_decay, sizeof (double)))
    return "optimizer weight_decay";
  if (oa != NULL && oa->t != ob->t)
    return "optimizer t";
  if (oa != NULL &&
      !same_bits (oa->state, ob->state, bp_optimizer_state_size (oa) * sizeof (double)))
    return "optimizer state";
  if (a->n_samples != b->n_samples || (a->inputs == NULL) != (b->inputs == NULL))
    return "worked example (inputs/targets)";
  if (a->inputs != NULL &&
      (!same_bits (a->inputs, b->inputs,
                   a->n_samples * a->network->n_inputs * sizeof (double)) ||
       !same_bits (a->targets, b->targets,
                   a->n_samples * bp_network_n_outputs (a->network) * sizeof (double))))
    return "worked example (inputs/targets)";
  if ((a->progress == NULL) != (b->progress == NULL) ||
      (a->progress != NULL && !bp_train_progress_equal (a->progress, b->progress)))
    return "progress";
  return NULL;
}

gboolean
bp_model_equal (const BpModel *a,
                const BpModel *b)
{
  return bp_model_diff (a, b) == NULL;
}

BpModel *
bp_model_new_default (void)
{
  g_autoptr(BpModel) model = bp_model_new ();
  g_autoptr(GError) error = NULL;
  static const struct { gsize out; const char *act; } layers[] = {
    { 8, "tanh" }, { 8, "tanh" }, { 1, "sigmoid" },
  };
  BpRng rng;

  g_free (model->name);
  g_free (model->description);
  model->name = g_strdup ("Default experiment");
  model->description = g_strdup ("A 2-8-8-1 tanh network learning to separate the two "
                                 "interleaved half-moons, trained with Adam on "
                                 "binary cross-entropy.");
  model->seed = 42;
  /* Glorot for its tanh layers, He for relu layers a user drags in. */
  model->init = BP_INIT_AUTO;

  /* Only the built-ins are used: a failure here is a bug, not user input. */
  model->network = bp_network_new (2, &error);
  for (gsize l = 0; model->network != NULL && error == NULL && l < G_N_ELEMENTS (layers); l++)
    bp_network_add_layer (model->network, layers[l].out, layers[l].act, NULL, &error);
  if (error == NULL)
    bp_network_set_cost (model->network, "bce", NULL, &error);
  if (error == NULL)
    model->optimizer = bp_optimizer_new (NULL, "adam", model->network->n_params, &error);
  if (error == NULL)
    bp_optimizer_set (model->optimizer, "lr", 0.03, &error);
  if (error != NULL)
    {
      g_critical ("bp_model_new_default: %s", error->message);
      return NULL;
    }

  bp_rng_init (&rng, model->seed);
  bp_network_init_weights (model->network, model->init, &rng);

  model->dataset = g_strdup ("moons");
  model->dataset_rows = 400;
  model->dataset_noise = -1.0;
  model->test_fraction = 0.2;
  model->epochs = 200;
  model->batch_size = 16;
  return g_steal_pointer (&model);
}

gboolean
bp_model_fit_to_data (BpModel  *model,
                      gsize     n_inputs,
                      gsize     n_outputs,
                      int       task,
                      GError  **error)
{
  const BpNetwork *old = model->network;
  g_autoptr(BpNetwork) net = NULL;
  g_autoptr(BpOptimizer) opt = NULL;
  const char *out_act, *cost;
  BpRng rng;

  g_return_val_if_fail (model != NULL && model->network != NULL, FALSE);

  if (old->n_inputs == n_inputs && bp_network_n_outputs (old) == n_outputs)
    return TRUE;

  switch (task)
    {
    case BP_TASK_BINARY:
      out_act = "sigmoid";
      cost = "bce";
      break;
    case BP_TASK_MULTICLASS:
      out_act = "softmax";
      cost = "softmax_ce";
      break;
    default:
      out_act = "linear";
      cost = "mse";
      break;
    }

  /* The hidden layers keep their widths and activations; the first takes
   * the new inputs, the output layer is rebuilt for the task. */
  if ((net = bp_network_new (n_inputs, error)) == NULL)
    return FALSE;
  for (gsize l = 0; l + 1 < old->n_layers; l++)
    if (!bp_network_add_layer (net, old->layers[l].out, old->layers[l].act_id,
                               old->layers[l].act_params, error))
      return FALSE;
  if (!bp_network_add_layer (net, n_outputs, out_act, NULL, error) ||
      !bp_network_set_cost (net, cost, NULL, error))
    return FALSE;
  net->reduction = old->reduction;

  opt = bp_optimizer_copy (model->optimizer);
  bp_optimizer_reset (opt, net->n_params);

  bp_rng_init (&rng, model->seed);
  bp_network_init_weights (net, model->init, &rng);

  bp_network_free (model->network);
  model->network = g_steal_pointer (&net);
  bp_optimizer_free (model->optimizer);
  model->optimizer = g_steal_pointer (&opt);
  g_clear_pointer (&model->inputs, g_free);
  g_clear_pointer (&model->targets, g_free);
  model->n_samples = 0;
  g_clear_pointer (&model->progress, bp_train_progress_free);
  return TRUE;
}

/* ---------------------------------------------------------------- reading */

typedef struct
{
  const char  *name;   /* display name, first in every message */
  BpRegistry  *reg;
  GError     **error;
} Loader;

static gboolean fail (Loader       *ld,
                      BpModelError  code,
                      const char   *path,
                      const char   *fmt,
                      ...) G_GNUC_PRINTF (4, 5);

/* Sets "<name>: <path>: <message>" (no path: "<name>: <message>") and
 * returns FALSE. */
static gboolean
fail (Loader       *ld,
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

      g_set_error (ld->error, BP_MODEL_ERROR, code, "%s: layer %" G_GUINT64_FORMAT
                   " (%s in the file): %s", ld->name, n + 1, path, msg);
    }
  else if (path != NULL && path[0] != '\0')
    g_set_error (ld->error, BP_MODEL_ERROR, code, "%s: %s: %s", ld->name, path, msg);
  else
    g_set_error (ld->error, BP_MODEL_ERROR, code, "%s: %s", ld->name, msg);
  return FALSE;
}

/* A user-supplied string made safe to quote in a message: escaped, and cut
 * after 64 characters. */
static char *
quote (const char *s)
{
  g_autofree char *escaped = g_strescape (s != NULL ? s : "", NULL);

  if (strlen (escaped) > 64)
    return g_strdup_printf ("\"%.61s...\"", escaped);
  return g_strdup_printf ("\"%s\"", escaped);
}

static char *
format_double (double v)
{
  char buf[32];

  return g_strdup (bp_format_double (buf, v));
}

static const char *
node_kind (JsonNode *node)
{
  GType type;

  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      return "an object";
    case JSON_NODE_ARRAY:
      return "an array";
    case JSON_NODE_NULL:
      return "null";
    case JSON_NODE_VALUE:
    default:
      break;
    }
  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    return "an integer";
  if (type == G_TYPE_DOUBLE)
    return "a number";
  if (type == G_TYPE_BOOLEAN)
    return "a boolean";
  if (type == G_TYPE_STRING)
    return "a string";
  return "a value of unknown type";
}

/* TRUE if `node` is a JSON number (integer or not); its value in *out. */
static gboolean
node_number (JsonNode *node,
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

static gboolean
number_error (Loader     *ld,
              JsonNode   *node,
              const char *path)
{
  double v;

  if (node_number (node, &v))
    return fail (ld, BP_MODEL_ERROR_INVALID, path,
                 "number too large for a double (every number must be finite)");
  return fail (ld, BP_MODEL_ERROR_INVALID, path, "expected a number, got %s", node_kind (node));
}

static gboolean
read_number (Loader     *ld,
             JsonNode   *node,
             const char *path,
             double     *out)
{
  if (!node_number (node, out) || !isfinite (*out))
    return number_error (ld, node, path);
  return TRUE;
}

/* A number in [min, max]. */
static gboolean
read_number_in (Loader     *ld,
                JsonNode   *node,
                const char *path,
                double      min,
                double      max,
                double     *out)
{
  if (!read_number (ld, node, path, out))
    return FALSE;
  if (!(*out >= min && *out <= max))
    {
      g_autofree char *v = format_double (*out);
      g_autofree char *lo = format_double (min);
      g_autofree char *hi = format_double (max);

      return fail (ld, BP_MODEL_ERROR_INVALID, path, "%s is out of range [%s, %s]", v, lo, hi);
    }
  return TRUE;
}

/* An integer in [min, max].  A number with an integral value (2.0, 1e3) is
 * accepted as well; the range is checked before the value is used, so 1e12
 * or −3 for a width is only an error. */
static gboolean
read_integer (Loader     *ld,
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
  else if (node_number (node, &d))
    {
      g_autofree char *s = format_double (d);

      if (!isfinite (d) || d != floor (d))
        return fail (ld, BP_MODEL_ERROR_INVALID, path, "expected an integer, got %s", s);
      /* ±2⁶³ and beyond do not convert to gint64. */
      if (!(d >= (double) min && d <= (double) max && fabs (d) < 9.2e18))
        return fail (ld, BP_MODEL_ERROR_INVALID, path,
                     "%s is out of range (%" G_GINT64_FORMAT " to %" G_GINT64_FORMAT ")",
                     s, min, max);
      v = (gint64) d;
    }
  else
    return fail (ld, BP_MODEL_ERROR_INVALID, path, "expected an integer, got %s", node_kind (node));

  if (v < min || v > max)
    return fail (ld, BP_MODEL_ERROR_INVALID, path,
                 "%" G_GINT64_FORMAT " is out of range (%" G_GINT64_FORMAT " to %"
                 G_GINT64_FORMAT ")", v, min, max);
  *out = v;
  return TRUE;
}

static gboolean
read_string (Loader      *ld,
             JsonNode    *node,
             const char  *path,
             const char **out)
{
  if (JSON_NODE_TYPE (node) != JSON_NODE_VALUE ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return fail (ld, BP_MODEL_ERROR_INVALID, path, "expected a string, got %s", node_kind (node));
  *out = json_node_get_string (node);
  return TRUE;
}

static gboolean
read_object (Loader      *ld,
             JsonNode    *node,
             const char  *path,
             JsonObject **out)
{
  if (JSON_NODE_TYPE (node) != JSON_NODE_OBJECT)
    return fail (ld, BP_MODEL_ERROR_INVALID, path, "expected an object, got %s", node_kind (node));
  *out = json_node_get_object (node);
  return TRUE;
}

/* `node` must be an array of exactly `n` finite numbers; they go to `out`.
 * Its path is `base`, or `base`[row] when row ≥ 0; paths are only built for
 * a message, so reading a large W costs no allocations. */
static gboolean
read_numbers (Loader     *ld,
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
      return fail (ld, BP_MODEL_ERROR_INVALID, path, "expected an array of %zu number%s, got %s",
                   n, n == 1 ? "" : "s", node_kind (node));
    }
  arr = json_node_get_array (node);
  len = json_array_get_length (arr);
  if (len != n)
    {
      path = row >= 0 ? g_strdup_printf ("%s[%zd]", base, row) : g_strdup (base);
      return fail (ld, BP_MODEL_ERROR_INVALID, path, "expected %zu number%s, got %zu",
                   n, n == 1 ? "" : "s", len);
    }
  for (gsize i = 0; i < n; i++)
    {
      JsonNode *elem = json_array_get_element (arr, (guint) i);

      if (!node_number (elem, &out[i]) || !isfinite (out[i]))
        {
          path = row >= 0 ? g_strdup_printf ("%s[%zd][%zu]", base, row, i)
                          : g_strdup_printf ("%s[%zu]", base, i);
          return number_error (ld, elem, path);
        }
    }
  return TRUE;
}

/* `node` must be an array of 1 to MAX_SAMPLES rows, each an array of
 * `width` entries.  Only the shape is checked (so that nothing is allocated
 * for a file that claims a million rows of nothing); the numbers are read by
 * read_numbers. */
static gboolean
check_rows (Loader     *ld,
            JsonNode   *node,
            const char *path,
            gsize       width,
            gsize      *n_rows)
{
  JsonArray *arr;
  gsize len;

  if (JSON_NODE_TYPE (node) != JSON_NODE_ARRAY)
    return fail (ld, BP_MODEL_ERROR_INVALID, path, "expected an array of rows, got %s",
                 node_kind (node));
  arr = json_node_get_array (node);
  len = json_array_get_length (arr);
  if (len < 1 || len > MAX_SAMPLES)
    return fail (ld, BP_MODEL_ERROR_INVALID, path, "expected 1 to %d rows, got %zu",
                 MAX_SAMPLES, len);
  for (gsize r = 0; r < len; r++)
    {
      JsonNode *row = json_array_get_element (arr, (guint) r);
      gsize got;

      if (JSON_NODE_TYPE (row) != JSON_NODE_ARRAY)
        {
          g_autofree char *p = g_strdup_printf ("%s[%zu]", path, r);

          return fail (ld, BP_MODEL_ERROR_INVALID, p, "expected an array of %zu number%s, got %s",
                       width, width == 1 ? "" : "s", node_kind (row));
        }
      got = json_array_get_length (json_node_get_array (row));
      if (got != width)
        {
          g_autofree char *p = g_strdup_printf ("%s[%zu]", path, r);

          return fail (ld, BP_MODEL_ERROR_INVALID, p, "expected %zu number%s, got %zu",
                       width, width == 1 ? "" : "s", got);
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
  g_autofree char *quoted = quote (id);
  guint n = 0;

  ids = bp_registry_list_ids (ld->reg, kind, &n);
  for (guint i = 0; i < n; i++)
    g_string_append_printf (known, "%s%s", i > 0 ? ", " : "", ids[i]);

  return fail (ld, BP_MODEL_ERROR_UNKNOWN_ID, path, "unknown %s %s%s; known %ss: %s",
               kinds[kind], quoted,
               looks_like_path (id)
                 ? " (ids are names, never paths: plugins are loaded from the plugin "
                   "search path, and a model file names what they provide by id)"
                 : "",
               kinds[kind], n > 0 ? known->str : "(none)");
}

/* Reads the parameters `specs` of an activation or a cost from `obj` by
 * name (absent: the default; NULL obj: all defaults), each range-checked.
 * `base` is the path of obj ("layers[0]", "cost"). */
static gboolean
read_params (Loader            *ld,
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

          if (!read_number_in (ld, node, path, specs[i].min_value, specs[i].max_value, &out[i]))
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
  return fail (ld, code, path, "%s", local->message);
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
    return fail (ld, BP_MODEL_ERROR_INVALID, NULL, "missing \"layers\"");
  if (JSON_NODE_TYPE (node) != JSON_NODE_ARRAY)
    return fail (ld, BP_MODEL_ERROR_INVALID, "layers", "expected an array of layers, got %s",
                 node_kind (node));
  arr = json_node_get_array (node);
  n_layers = json_array_get_length (arr);
  if (n_layers < 1 || n_layers > BP_MAX_LAYERS)
    return fail (ld, BP_MODEL_ERROR_INVALID, "layers", "expected 1 to %d layers, got %zu",
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

      if (!read_object (ld, json_array_get_element (arr, (guint) l), path, &obj))
        return FALSE;

      in_node = json_object_get_member (obj, "in");
      if (in_node == NULL && l == 0)
        return fail (ld, BP_MODEL_ERROR_INVALID, path,
                     "missing \"in\" (the first layer's \"in\" is the input width)");
      if (in_node != NULL && !read_integer (ld, in_node, in_path, 1, BP_MAX_WIDTH, &in))
        return FALSE;
      if (l > 0 && in_node != NULL && (gsize) in != net->layers[l - 1].out)
        return fail (ld, BP_MODEL_ERROR_INVALID, in_path,
                     "%" G_GINT64_FORMAT " does not match the \"out\" of layer %zu, %zu "
                     "(a layer's \"in\" is the previous layer's \"out\")",
                     in, l, net->layers[l - 1].out);

      out_node = json_object_get_member (obj, "out");
      if (out_node == NULL)
        return fail (ld, BP_MODEL_ERROR_INVALID, path, "missing \"out\"");
      if (!read_integer (ld, out_node, out_path, 1, BP_MAX_WIDTH, &out))
        return FALSE;

      if (l == 0)
        {
          net = bp_network_new ((gsize) in, &local);
          if (net == NULL)
            return fail_from (ld, in_path, local);
        }
      total += bp_network_n_outputs (net) * (gsize) out + (gsize) out;
      if (total > MAX_PARAMS)
        return fail (ld, BP_MODEL_ERROR_INVALID, path,
                     "the network would have %zu parameters; at most %zu are supported",
                     total, MAX_PARAMS);

      act_node = json_object_get_member (obj, "activation");
      if (act_node == NULL)
        return fail (ld, BP_MODEL_ERROR_INVALID, path, "missing \"activation\"");
      if (!read_string (ld, act_node, act_path, &act_id))
        return FALSE;
      act = bp_registry_lookup_activation (ld->reg, act_id);
      if (act == NULL)
        return fail_unknown_id (ld, BP_FEATURE_ACTIVATION, act_path, act_id);

      ap = g_new0 (double, MAX (act->n_params, 1));
      if (!read_params (ld, obj, path, act->params, act->n_params, ap))
        return FALSE;
      if (!bp_network_add_layer (net, (gsize) out, act->id, act->n_params > 0 ? ap : NULL, &local))
        return fail_from (ld, path, local);

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

      if (W_node != NULL)
        {
          g_autofree char *path = g_strdup_printf ("layers[%zu].W", l);
          JsonArray *rows;
          gsize n_rows;

          if (JSON_NODE_TYPE (W_node) != JSON_NODE_ARRAY)
            return fail (ld, BP_MODEL_ERROR_INVALID, path,
                         "expected an array of %zu rows, got %s", L->out, node_kind (W_node));
          rows = json_node_get_array (W_node);
          n_rows = json_array_get_length (rows);
          if (n_rows != L->out)
            return fail (ld, BP_MODEL_ERROR_INVALID, path,
                         "expected %zu row%s (one per output unit), got %zu",
                         L->out, L->out == 1 ? "" : "s", n_rows);
          for (gsize r = 0; r < n_rows; r++)
            if (!read_numbers (ld, json_array_get_element (rows, (guint) r), path, (gssize) r,
                               L->in, L->W + r * L->in))
              return FALSE;
        }
      if (b_node != NULL)
        {
          g_autofree char *path = g_strdup_printf ("layers[%zu].b", l);

          if (!read_numbers (ld, b_node, path, -1, L->out, L->b))
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
        return fail (ld, BP_MODEL_ERROR_INVALID, "cost", "missing \"id\"");
      if (!read_string (ld, id_node, id_path, &id))
        return FALSE;
    }
  else if (JSON_NODE_TYPE (node) == JSON_NODE_VALUE &&
           json_node_get_value_type (node) == G_TYPE_STRING)
    id = json_node_get_string (node);
  else
    return fail (ld, BP_MODEL_ERROR_INVALID, "cost",
                 "expected a cost id or an object with \"id\", got %s", node_kind (node));

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
              return fail (ld, BP_MODEL_ERROR_INVALID, path,
                           "cost \"%s\" has no parameter of that name (%s%s)", cost->id,
                           cost->n_params > 0 ? "it has: " : "it has none",
                           known->str);
            }
        }
    }

  cp = g_new0 (double, MAX (cost->n_params, 1));
  if (!read_params (ld, obj, "cost", cost->params, cost->n_params, cp))
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
  JsonNode *state_node = NULL;
  const char *id = "sgd";
  gsize n_params = model->network->n_params;

  if (node != NULL)
    {
      JsonNode *id_node;

      if (!read_object (ld, node, "optimizer", &obj))
        return FALSE;
      id_node = json_object_get_member (obj, "id");
      if (id_node != NULL && !read_string (ld, id_node, "optimizer.id", &id))
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
          if (strcmp (name, "state") == 0)
            {
              state_node = json_object_get_member (obj, name);
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
              return fail (ld, BP_MODEL_ERROR_INVALID, path,
                           "unknown hyperparameter for optimizer \"%s\" (it has: %s)",
                           desc->id, known->str);
            }
          if (i >= 0)
            {
              if (!read_number_in (ld, json_object_get_member (obj, name), path,
                                   desc->hyper_specs[i].min_value,
                                   desc->hyper_specs[i].max_value, &v))
                return FALSE;
            }
          else if (!read_number (ld, json_object_get_member (obj, name), path, &v))
            return FALSE;
          if (!bp_optimizer_set (opt, name, v, &local))
            return fail_from (ld, path, local);
        }
    }

  if (state_node != NULL)
    {
      g_autoptr(GList) names = NULL;
      JsonObject *state = NULL;

      if (!read_object (ld, state_node, "optimizer.state", &state))
        return FALSE;
      names = json_object_get_members (state);
      for (GList *it = names; it != NULL; it = it->next)
        {
          const char *name = it->data;
          g_autofree char *path = g_strdup_printf ("optimizer.state.%s", name);
          JsonNode *member = json_object_get_member (state, name);
          gsize i;

          if (strcmp (name, "t") == 0)
            {
              gint64 t;

              if (!read_integer (ld, member, path, 0, G_MAXINT64, &t))
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
              return fail (ld, BP_MODEL_ERROR_INVALID, path,
                           "optimizer \"%s\" keeps no state of that name (it keeps: %s)",
                           desc->id, known->str);
            }
          /* Arrays the file leaves out stay zero, as after a reset. */
          if (!read_numbers (ld, member, path, -1, desc->state_specs[i].per_param * n_params,
                             bp_optimizer_state (opt, i)))
            return FALSE;
        }
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
        return fail (ld, BP_MODEL_ERROR_INVALID, "dataset", "the dataset name is empty");
      model->dataset = g_strdup (name);
      return TRUE;
    }
  if (JSON_NODE_TYPE (node) != JSON_NODE_OBJECT)
    return fail (ld, BP_MODEL_ERROR_INVALID, "dataset",
                 "expected a dataset name or an object with \"name\", got %s", node_kind (node));

  obj = json_node_get_object (node);
  if ((member = json_object_get_member (obj, "name")) == NULL)
    return fail (ld, BP_MODEL_ERROR_INVALID, "dataset", "missing \"name\"");
  if (!read_string (ld, member, "dataset.name", &name))
    return FALSE;
  if (name[0] == '\0')
    return fail (ld, BP_MODEL_ERROR_INVALID, "dataset.name", "the dataset name is empty");

  if ((member = json_object_get_member (obj, "rows")) != NULL)
    {
      gint64 rows;

      if (!read_integer (ld, member, "dataset.rows", 0, MAX_DATASET_ROWS, &rows))
        return FALSE;
      model->dataset_rows = (gsize) rows;
    }
  if ((member = json_object_get_member (obj, "noise")) != NULL &&
      !read_number_in (ld, member, "dataset.noise", 0.0, G_MAXDOUBLE, &model->dataset_noise))
    return FALSE;
  if ((member = json_object_get_member (obj, "test_fraction")) != NULL)
    {
      if (!read_number_in (ld, member, "dataset.test_fraction", 0.0, 1.0, &model->test_fraction))
        return FALSE;
      if (model->test_fraction >= 1.0)
        return fail (ld, BP_MODEL_ERROR_INVALID, "dataset.test_fraction",
                     "must be less than 1 (nothing would be left to train on)");
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
  if (!read_object (ld, node, "training", &obj))
    return FALSE;
  if ((member = json_object_get_member (obj, "epochs")) != NULL)
    {
      if (!read_integer (ld, member, "training.epochs", 0, G_MAXINT, &v))
        return FALSE;
      model->epochs = (guint) v;
    }
  if ((member = json_object_get_member (obj, "batch_size")) != NULL)
    {
      if (!read_integer (ld, member, "training.batch_size", 1, MAX_SAMPLES, &v))
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
    return fail (ld, BP_MODEL_ERROR_INVALID, "inputs",
                 "given without \"targets\" (a worked example needs both)");
  if (in_node == NULL)
    return fail (ld, BP_MODEL_ERROR_INVALID, "targets",
                 "given without \"inputs\" (a worked example needs both)");

  if (!check_rows (ld, in_node, "inputs", n_in, &B) ||
      !check_rows (ld, tg_node, "targets", n_out, &B_targets))
    return FALSE;
  if (B_targets != B)
    return fail (ld, BP_MODEL_ERROR_INVALID, "targets",
                 "expected %zu row%s (one per row of \"inputs\"), got %zu",
                 B, B == 1 ? "" : "s", B_targets);

  inputs = g_new (double, B * n_in);
  targets = g_new (double, B * n_out);
  for (gsize s = 0; s < B; s++)
    {
      if (!read_numbers (ld, json_array_get_element (json_node_get_array (in_node), (guint) s),
                         "inputs", (gssize) s, n_in, inputs + s * n_in) ||
          !read_numbers (ld, json_array_get_element (json_node_get_array (tg_node), (guint) s),
                         "targets", (gssize) s, n_out, targets + s * n_out))
        return FALSE;
    }
  model->n_samples = B;
  model->inputs = g_steal_pointer (&inputs);
  model->targets = g_steal_pointer (&targets);
  return TRUE;
}

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
  return read_number (ld, node, path, out);
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
        return fail (ld, BP_MODEL_ERROR_INVALID, path, "expected an array of %zu number%s, got %s",
                     n, n == 1 ? "" : "s", node_kind (node));
      return fail (ld, BP_MODEL_ERROR_INVALID, path, "expected %zu number%s, got %zu",
                   n, n == 1 ? "" : "s", len);
    }
  arr = json_node_get_array (node);
  for (gsize i = 0; i < n; i++)
    {
      JsonNode *elem = json_array_get_element (arr, (guint) i);

      if (JSON_NODE_TYPE (elem) == JSON_NODE_NULL)
        out[i] = NAN;
      else if (!node_number (elem, &out[i]) || !isfinite (out[i]))
        {
          g_autofree char *path = g_strdup_printf ("%s[%zu][%zu]", base, row, i);

          if (!node_number (elem, &out[i]))
            return fail (ld, BP_MODEL_ERROR_INVALID, path,
                         "expected a number or null, got %s", node_kind (elem));
          return number_error (ld, elem, path);
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
    return fail (ld, BP_MODEL_ERROR_INVALID, base, "missing \"%s\"", name);
  return read_integer (ld, node, path, min, max, out);
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
    return fail (ld, BP_MODEL_ERROR_INVALID, "progress.rng",
                 "expected an array of 4 strings of hex digits (the generator state)");
  arr = json_node_get_array (node);
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *path = g_strdup_printf ("progress.rng[%u]", i);
      JsonNode *elem = json_array_get_element (arr, i);
      const char *str;
      gsize len;

      if (!read_string (ld, elem, path, &str))
        return FALSE;
      len = strlen (str);
      for (gsize k = 0; k < len; k++)
        if (!g_ascii_isxdigit (str[k]))
          len = 0;
      if (len < 1 || len > 16 ||
          !g_ascii_string_to_unsigned (str, 16, 0, G_MAXUINT64, &rng->s[i], NULL))
        {
          g_autofree char *quoted = quote (str);

          return fail (ld, BP_MODEL_ERROR_INVALID, path,
                       "expected 1 to 16 hex digits, got %s", quoted);
        }
    }
  if ((rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3]) == 0)
    return fail (ld, BP_MODEL_ERROR_INVALID, "progress.rng",
                 "the generator state is all zero, which no seed gives");
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
    return fail (ld, BP_MODEL_ERROR_INVALID, "progress.order",
                 "expected an array of %zu row indices, got %s", n, node_kind (node));
  arr = json_node_get_array (node);
  if ((len = json_array_get_length (arr)) != n)
    return fail (ld, BP_MODEL_ERROR_INVALID, "progress.order",
                 "expected %zu row indices (one per row, \"rows\"), got %zu", n, len);
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

          if (!read_integer (ld, elem, path, 0, (gint64) n - 1, &v))
            return FALSE;
          order[i] = (gsize) v;
        }
      if (seen[order[i]]++)
        {
          g_autofree char *path = g_strdup_printf ("progress.order[%zu]", i);

          return fail (ld, BP_MODEL_ERROR_INVALID, path,
                       "row %zu appears twice (the order is a permutation of 0 to %zu)",
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
    return fail (ld, BP_MODEL_ERROR_INVALID, "progress.history",
                 "expected an array of epoch records, got %s", node_kind (node));
  arr = json_node_get_array (node);
  if ((len = json_array_get_length (arr)) > p->epoch)
    return fail (ld, BP_MODEL_ERROR_INVALID, "progress.history",
                 "%zu epoch records, but \"epoch\" says %u epochs completed", len, p->epoch);
  for (gsize r = 0; r < len; r++)
    {
      JsonNode *row = json_array_get_element (arr, (guint) r);
      g_autofree char *path = g_strdup_printf ("progress.history[%zu]", r);
      g_autofree char *epoch_path = g_strdup_printf ("%s[0]", path);
      g_autofree char *step_path = g_strdup_printf ("%s[1]", path);
      BpEpochStats st = { 0 };
      double values[4];
      JsonArray *cells;
      gint64 v;

      if (JSON_NODE_TYPE (row) != JSON_NODE_ARRAY ||
          json_array_get_length (json_node_get_array (row)) != 6)
        return fail (ld, BP_MODEL_ERROR_INVALID, path,
                     "expected [epoch, step, train_loss, train_accuracy, test_loss, "
                     "test_accuracy]");
      cells = json_node_get_array (row);
      if (!read_integer (ld, json_array_get_element (cells, 0), epoch_path, 1, G_MAXUINT, &v))
        return FALSE;
      st.epoch = (guint) v;
      if (!read_integer (ld, json_array_get_element (cells, 1), step_path, 0, G_MAXINT64, &v))
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

  if (!read_object (ld, node, base, &obj) ||
      !read_member_integer (ld, obj, base, "stride", 1, (gint64) 1 << 62, &stride) ||
      !read_member_integer (ld, obj, base, "layers", 1, BP_MAX_LAYERS, &layers))
    return FALSE;
  if ((stride & (stride - 1)) != 0)
    return fail (ld, BP_MODEL_ERROR_INVALID, "progress.grad_norms.stride",
                 "%" G_GINT64_FORMAT " is not a power of two", stride);
  if ((gsize) layers != n_layers)
    return fail (ld, BP_MODEL_ERROR_INVALID, "progress.grad_norms.layers",
                 "%" G_GINT64_FORMAT " does not match the %zu layers of the network",
                 layers, n_layers);
  if ((rec_node = json_object_get_member (obj, "records")) == NULL)
    return fail (ld, BP_MODEL_ERROR_INVALID, base, "missing \"records\"");
  if (JSON_NODE_TYPE (rec_node) != JSON_NODE_ARRAY)
    return fail (ld, BP_MODEL_ERROR_INVALID, "progress.grad_norms.records",
                 "expected an array of records, got %s", node_kind (rec_node));
  records = json_node_get_array (rec_node);
  n = json_array_get_length (records);
  if (n > BP_GRAD_NORM_MAX_RECORDS)
    return fail (ld, BP_MODEL_ERROR_INVALID, "progress.grad_norms.records",
                 "%zu records; at most %d are kept", n, BP_GRAD_NORM_MAX_RECORDS);
  if (n > 0 && (guint64) stride > p->steps / n)
    return fail (ld, BP_MODEL_ERROR_INVALID, "progress.grad_norms.records",
                 "%zu records every %" G_GINT64_FORMAT " steps go past step %"
                 G_GUINT64_FORMAT " (\"steps\")", n, stride, p->steps);
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

static gboolean
read_progress (Loader     *ld,
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
  if (!read_object (ld, node, base, &obj) ||
      !read_member_integer (ld, obj, base, "version", 1, G_MAXINT64, &version))
    return FALSE;
  /* A later writer's progress may mean something else: leave it out
   * rather than continue from a misread position (see bp-model.h). */
  if (version > PROGRESS_VERSION)
    return TRUE;

  if (!read_member_integer (ld, obj, base, "rows", 1, MAX_DATASET_ROWS, &rows))
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
    return fail (ld, BP_MODEL_ERROR_INVALID, base, "missing \"rng\"");
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
    return fail (ld, BP_MODEL_ERROR_INVALID, base, "%s", local->message);
  model->progress = g_steal_pointer (&p);
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
        return fail (ld, BP_MODEL_ERROR_INVALID, "seed",
                     "expected an integer from 0 to %" G_GUINT64_FORMAT ", got the string %s",
                     G_MAXUINT64, s);
      return TRUE;
    }
  else
    {
      gint64 v;

      if (!read_integer (ld, node, "seed", 0, G_MAXINT64, &v))
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
    return fail (ld, BP_MODEL_ERROR_FORMAT, NULL,
                 "missing \"format\" (expected \"format\": \"" BP_MODEL_FORMAT "\"); "
                 "is this a Backprop Studio model file?");
  if (JSON_NODE_TYPE (node) != JSON_NODE_VALUE ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return fail (ld, BP_MODEL_ERROR_FORMAT, "format",
                 "expected the string \"" BP_MODEL_FORMAT "\", got %s", node_kind (node));
  s = json_node_get_string (node);
  if (strcmp (s, BP_MODEL_FORMAT) != 0)
    {
      g_autofree char *quoted = quote (s);

      return fail (ld, BP_MODEL_ERROR_FORMAT, "format",
                   "unknown format %s; this version reads \"" BP_MODEL_FORMAT "\"", quoted);
    }

  if ((node = json_object_get_member (root, "name")) != NULL)
    {
      if (!read_string (ld, node, "name", &s))
        return FALSE;
      g_free (model->name);
      model->name = g_strdup (s);
    }
  if ((node = json_object_get_member (root, "description")) != NULL)
    {
      if (!read_string (ld, node, "description", &s))
        return FALSE;
      g_free (model->description);
      model->description = g_strdup (s);
    }
  if ((node = json_object_get_member (root, "seed")) != NULL &&
      !read_seed (ld, node, &model->seed))
    return FALSE;
  if ((node = json_object_get_member (root, "init")) != NULL)
    {
      if (!read_string (ld, node, "init", &s))
        return FALSE;
      if (!bp_init_from_string (s, &model->init))
        {
          g_autofree char *quoted = quote (s);

          return fail (ld, BP_MODEL_ERROR_INVALID, "init",
                       "unknown initialisation %s (known: %s, %s, %s, %s, %s)", quoted,
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
  if (!read_string (ld, node, "reduction", &s))
    return FALSE;
  if (strcmp (s, "mean") == 0)
    model->network->reduction = BP_REDUCTION_MEAN;
  else if (strcmp (s, "sum") == 0)
    model->network->reduction = BP_REDUCTION_SUM;
  else
    {
      g_autofree char *quoted = quote (s);

      return fail (ld, BP_MODEL_ERROR_INVALID, "reduction",
                   "unknown reduction %s (expected \"mean\" or \"sum\")", quoted);
    }
  return TRUE;
}

static gboolean
fail_at (Loader     *ld,
         const char *line_start,
         const char *p,
         gsize       line,
         const char *msg)
{
  g_set_error (ld->error, BP_MODEL_ERROR, BP_MODEL_ERROR_PARSE, "%s:%zu:%zu: %s",
               ld->name, line, (gsize) (p - line_start) + 1, msg);
  return FALSE;
}

/* A JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? without the
 * sign (json-glib reads the sign as its own token).  *is_int: no fraction
 * and no exponent. */
static gboolean
valid_number (const char *s,
              gsize       n,
              gboolean   *is_int)
{
  gsize i = 0;

  *is_int = TRUE;
  if (n > 0 && s[0] == '0')
    i = 1;
  else if (n > 0 && s[0] >= '1' && s[0] <= '9')
    while (i < n && g_ascii_isdigit (s[i]))
      i++;
  else
    return FALSE;
  if (i < n && s[i] == '.')
    {
      gsize start = ++i;

      *is_int = FALSE;
      while (i < n && g_ascii_isdigit (s[i]))
        i++;
      if (i == start)
        return FALSE;
    }
  if (i < n && (s[i] == 'e' || s[i] == 'E'))
    {
      gsize start;

      *is_int = FALSE;
      i++;
      if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
      start = i;
      while (i < n && g_ascii_isdigit (s[i]))
        i++;
      if (i == start)
        return FALSE;
    }
  return i == n;
}

/* One pass over the text before JsonParser sees it.  json-glib 1.6 parses
 * recursively with no depth limit (a few hundred thousand "[" overflow the
 * stack), reads an integer beyond 64 bits as a wrapped-around value, and
 * accepts hex and octal literals; so here we bound the nesting and check
 * every number literal against the JSON grammar.
 *
 * The pass lexes as json-glib's scanner does, so that no bracket it skips
 * is one json-glib counts: "…" strings with backslash escapes, '…' strings
 * without, C comments (slash-star to star-slash), and comments from a lone
 * slash to the next slash (json-glib's single-line comment pair is "//").
 * Whatever it leaves unterminated, json-glib reports as an error, so the
 * pass stops there. */
static gboolean
prescan (Loader     *ld,
         const char *data,
         gsize       len)
{
  const char *p = data, *end = data + len, *line_start = data;
  gsize line = 1, depth = 0;

#define NEWLINE_AT(q) G_STMT_START { line++; line_start = (q) + 1; } G_STMT_END

  while (p < end)
    {
      char c = *p;

      if (c == '\0')
        return fail_at (ld, line_start, p, line, "NUL byte in the file");
      if (c == '\n')
        {
          NEWLINE_AT (p);
          p++;
        }
      else if (c == '"' || c == '\'')
        {
          for (p++; p < end && *p != c; p++)
            {
              if (*p == '\\' && c == '"' && p + 1 < end)
                p++;
              if (*p == '\n')
                NEWLINE_AT (p);
            }
          if (p >= end)
            return TRUE;
          p++;
        }
      else if (c == '/')
        {
          gboolean multi = p + 1 < end && p[1] == '*';

          for (p += multi ? 2 : 1; p < end; p++)
            {
              if (multi ? (*p == '*' && p + 1 < end && p[1] == '/') : *p == '/')
                break;
              if (*p == '\n')
                NEWLINE_AT (p);
            }
          if (p >= end)
            return TRUE;
          p += multi ? 2 : 1;
        }
      else if (c == '[' || c == '{')
        {
          if (++depth > MAX_DEPTH)
            return fail_at (ld, line_start, p, line,
                            "nested more than " G_STRINGIFY (MAX_DEPTH) " levels deep");
          p++;
        }
      else if (c == ']' || c == '}')
        {
          if (depth > 0)
            depth--;
          p++;
        }
      else if (g_ascii_isdigit (c) || c == '.')
        {
          const char *start = p;
          gboolean after_e = FALSE, is_int;

          /* The scanner's token: alphanumerics and dots, and a sign right
           * after an e. */
          for (p++; p < end; p++)
            {
              if (g_ascii_isalnum (*p) || *p == '.')
                after_e = *p == 'e' || *p == 'E';
              else if ((*p == '+' || *p == '-') && after_e)
                after_e = FALSE;
              else
                break;
            }
          if (!valid_number (start, (gsize) (p - start), &is_int))
            {
              g_autofree char *tok = g_strndup (start, MIN ((gsize) (p - start), 40));
              g_autofree char *msg = g_strdup_printf ("invalid number \"%s\"", tok);

              return fail_at (ld, line_start, start, line, msg);
            }
          if (is_int && (p - start > 19 ||
                         (p - start == 19 && memcmp (start, "9223372036854775807", 19) > 0)))
            {
              g_autofree char *tok = g_strndup (start, MIN ((gsize) (p - start), 40));
              g_autofree char *msg =
                g_strdup_printf ("integer %s%s does not fit in 64 bits "
                                 "(write it with an exponent, like 1e20)",
                                 tok, p - start > 40 ? "..." : "");

              return fail_at (ld, line_start, start, line, msg);
            }
        }
      else if (g_ascii_isalpha (c) || c == '_')
        {
          /* An identifier (true, false, null, or an error): its digits
           * are not a number. */
          for (p++; p < end && (g_ascii_isalnum (*p) || *p == '_' || (guchar) *p >= 0x80); p++)
            ;
        }
      else
        p++;
    }
#undef NEWLINE_AT
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
  if (!prescan (&ld, data, (gsize) len))
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
      fail (&ld, BP_MODEL_ERROR_PARSE, NULL, "empty file (expected a JSON object)");
      return NULL;
    }
  if (JSON_NODE_TYPE (root_node) != JSON_NODE_OBJECT)
    {
      fail (&ld, BP_MODEL_ERROR_FORMAT, NULL,
            "expected a JSON object at the top level, got %s", node_kind (root_node));
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
      !read_optimizer (&ld, root, model) ||
      !read_dataset (&ld, root, model) ||
      !read_training (&ld, root, model) ||
      !read_example (&ld, root, model) ||
      !read_progress (&ld, root, model))
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
      g_set_error (error, BP_MODEL_ERROR, BP_MODEL_ERROR_IO, "%s: cannot read: %s",
                   display, local->message);
      return NULL;
    }
  if (len > G_MAXSSIZE)
    {
      g_set_error (error, BP_MODEL_ERROR, BP_MODEL_ERROR_IO, "%s: file too large", display);
      return NULL;
    }
  return bp_model_load_data (data, (gssize) len, display, reg, error);
}

/* ---------------------------------------------------------------- writing */

/* The first non-finite value of n, or -1. */
static gssize
first_non_finite (const double *v,
                  gsize         n)
{
  for (gsize i = 0; i < n; i++)
    if (!isfinite (v[i]))
      return (gssize) i;
  return -1;
}

/* JSON cannot hold NaN or ±Inf: refuse, naming where the first one is. */
static gboolean
check_finite (const BpModel  *model,
              const char     *name,
              GError        **error)
{
  const BpNetwork *net = model->network;
  const BpOptimizer *opt = model->optimizer;
  g_autofree char *where = NULL;
  gssize i;

  for (gsize l = 0; l < net->n_layers && where == NULL; l++)
    {
      const BpLayer *L = &net->layers[l];

      if ((i = first_non_finite (L->W, L->in * L->out)) >= 0)
        where = g_strdup_printf ("W(%zu)[%zu,%zu] (layers[%zu].W[%zu][%zu] in the file)",
                                 l + 1, (gsize) i / L->in + 1, (gsize) i % L->in + 1,
                                 l, (gsize) i / L->in, (gsize) i % L->in);
      else if ((i = first_non_finite (L->b, L->out)) >= 0)
        where = g_strdup_printf ("b(%zu)[%zd] (layers[%zu].b[%zd] in the file)",
                                 l + 1, i + 1, l, i);
      else if ((i = first_non_finite (L->act_params, L->act->n_params)) >= 0)
        where = g_strdup_printf ("the %s of layer %zu (layers[%zu].%s in the file)",
                                 L->act->params[i].name, l + 1, l, L->act->params[i].name);
    }
  if (where == NULL && (i = first_non_finite (net->cost_params, net->cost->n_params)) >= 0)
    where = g_strdup_printf ("cost.%s", net->cost->params[i].name);
  if (where == NULL && opt != NULL)
    {
      if ((i = first_non_finite (opt->hyper, opt->desc->n_hyper)) >= 0)
        where = g_strdup_printf ("optimizer.%s", opt->desc->hyper_specs[i].name);
      else if (!isfinite (opt->weight_decay))
        where = g_strdup ("optimizer.weight_decay");
      for (gsize k = 0; where == NULL && opt->t > 0 && k < opt->desc->n_state; k++)
        if ((i = first_non_finite (bp_optimizer_state (opt, k),
                                   opt->desc->state_specs[k].per_param * opt->n_params)) >= 0)
          where = g_strdup_printf ("optimizer.state.%s[%zd]", opt->desc->state_specs[k].name, i);
    }
  if (where == NULL && model->dataset != NULL &&
      (isnan (model->dataset_noise) || isinf (model->dataset_noise)))
    where = g_strdup ("dataset.noise");
  if (where == NULL && model->dataset != NULL && !isfinite (model->test_fraction))
    where = g_strdup ("dataset.test_fraction");
  if (where == NULL && model->inputs != NULL && model->targets != NULL)
    {
      gsize n_in = net->n_inputs, n_out = bp_network_n_outputs (net);

      if ((i = first_non_finite (model->inputs, model->n_samples * n_in)) >= 0)
        where = g_strdup_printf ("inputs[%zu][%zu]", (gsize) i / n_in, (gsize) i % n_in);
      else if ((i = first_non_finite (model->targets, model->n_samples * n_out)) >= 0)
        where = g_strdup_printf ("targets[%zu][%zu]", (gsize) i / n_out, (gsize) i % n_out);
    }
  if (where != NULL)
    {
      g_set_error (error, BP_MODEL_ERROR, BP_MODEL_ERROR_INVALID,
                   "%s: %s: not a finite number (NaN or infinite); a model file "
                   "can only hold finite numbers, so it was not saved", name, where);
      return FALSE;
    }
  /* A progress the loader would refuse is not written either. */
  if (model->progress != NULL)
    {
      g_autoptr(GError) local = NULL;

      if (!bp_train_progress_check (model->progress, &local))
        {
          g_set_error (error, BP_MODEL_ERROR, BP_MODEL_ERROR_INVALID,
                       "%s: progress: %s; it was not saved", name, local->message);
          return FALSE;
        }
      if (model->progress->grad_norms->len > 0 &&
          model->progress->grad_norm_layers != net->n_layers)
        {
          g_set_error (error, BP_MODEL_ERROR, BP_MODEL_ERROR_INVALID,
                       "%s: progress.grad_norms: records of %zu layers, but the network has "
                       "%zu; it was not saved", name, model->progress->grad_norm_layers,
                       net->n_layers);
          return FALSE;
        }
    }
  return TRUE;
}

/* A JSON string: quotes, backslash and control characters escaped, UTF-8
 * kept as it is (invalid UTF-8 becomes U+FFFD, or json-glib would refuse the
 * file). */
static void
append_string (GString    *s,
               const char *str)
{
  g_autofree char *valid = NULL;

  if (str == NULL)
    str = "";
  if (!g_utf8_validate (str, -1, NULL))
    str = valid = g_utf8_make_valid (str, -1);
  g_string_append_c (s, '"');
  for (const char *p = str; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      switch (c)
        {
        case '"':  g_string_append (s, "\\\""); break;
        case '\\': g_string_append (s, "\\\\"); break;
        case '\b': g_string_append (s, "\\b"); break;
        case '\f': g_string_append (s, "\\f"); break;
        case '\n': g_string_append (s, "\\n"); break;
        case '\r': g_string_append (s, "\\r"); break;
        case '\t': g_string_append (s, "\\t"); break;
        default:
          if (c < 0x20 || c == 0x7f)
            g_string_append_printf (s, "\\u%04x", c);
          else
            g_string_append_c (s, (char) c);
          break;
        }
    }
  g_string_append_c (s, '"');
}

/* The shortest round-trip form; −0 as "-0.0", because json-glib reads "-0"
 * as the integer 0 and the sign would be lost. */
static void
append_double (GString *s,
               double   v)
{
  if (v == 0.0 && signbit (v))
    g_string_append (s, "-0.0");
  else
    bp_string_append_double (s, v);
}

/* [a, b, c] on one line. */
static void
append_row (GString      *s,
            const double *v,
            gsize         n)
{
  g_string_append_c (s, '[');
  for (gsize i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append (s, ", ");
      append_double (s, v[i]);
    }
  g_string_append_c (s, ']');
}

/* Rows of `width` numbers, one per line, each line starting with `indent`. */
static void
append_matrix (GString      *s,
               const double *v,
               gsize         n_rows,
               gsize         width,
               const char   *indent)
{
  g_string_append (s, "[\n");
  for (gsize r = 0; r < n_rows; r++)
    {
      g_string_append_printf (s, "%s  ", indent);
      append_row (s, v + r * width, width);
      g_string_append (s, r + 1 < n_rows ? ",\n" : "\n");
    }
  g_string_append_printf (s, "%s]", indent);
}

/* A long flat array, WRAP numbers per line. */
static void
append_wrapped (GString      *s,
                const double *v,
                gsize         n,
                const char   *indent)
{
  if (n <= WRAP)
    {
      append_row (s, v, n);
      return;
    }
  g_string_append (s, "[\n");
  for (gsize i = 0; i < n; i++)
    {
      if (i % WRAP == 0)
        g_string_append_printf (s, "%s  ", indent);
      append_double (s, v[i]);
      if (i + 1 == n)
        g_string_append_c (s, '\n');
      else
        g_string_append (s, (i + 1) % WRAP == 0 ? ",\n" : ", ");
    }
  g_string_append_printf (s, "%s]", indent);
}

/* , "name": value for each parameter. */
static void
append_params (GString           *s,
               const BpParamSpec *specs,
               const double      *values,
               gsize              n)
{
  for (gsize i = 0; i < n; i++)
    {
      g_string_append (s, ", ");
      append_string (s, specs[i].name);
      g_string_append (s, ": ");
      append_double (s, values[i]);
    }
}

static void
append_optimizer (GString           *s,
                  const BpOptimizer *opt,
                  gsize              n_params)
{
  const BpOptimizerDesc *desc = opt->desc;
  /* The state is written after the first step only, and only if it belongs
   * to this network (an optimizer not reset after a change of shape holds
   * state for other parameters, which no file could load back). */
  gboolean with_state = opt->t > 0 && opt->n_params == n_params;

  g_string_append (s, with_state ? "  \"optimizer\": {\n    " : "  \"optimizer\": { ");
  g_string_append (s, "\"id\": ");
  append_string (s, opt->id);
  append_params (s, desc->hyper_specs, opt->hyper, desc->n_hyper);
  if (bp_param_index (desc->hyper_specs, desc->n_hyper, "weight_decay") < 0)
    {
      g_string_append (s, ", \"weight_decay\": ");
      append_double (s, opt->weight_decay);
    }
  if (!with_state)
    {
      g_string_append (s, " },\n");
      return;
    }
  g_string_append_printf (s, ",\n    \"state\": {\n      \"t\": %" G_GUINT64_FORMAT, opt->t);
  for (gsize k = 0; k < desc->n_state; k++)
    {
      g_string_append (s, ",\n      ");
      append_string (s, desc->state_specs[k].name);
      g_string_append (s, ": ");
      append_wrapped (s, bp_optimizer_state (opt, k),
                      desc->state_specs[k].per_param * opt->n_params, "      ");
    }
  g_string_append (s, "\n    }\n  },\n");
}

/* A number, or null for NaN and ±Inf (history and gradient norms). */
static void
append_double_or_null (GString *s,
                       double   v)
{
  if (isfinite (v))
    append_double (s, v);
  else
    g_string_append (s, "null");
}

static void
append_progress (GString               *s,
                 const BpTrainProgress *p,
                 gsize                  n_layers)
{
  gboolean identity = TRUE;

  g_string_append_printf (s, ",\n  \"progress\": {\n    \"version\": %d, \"steps\": %"
                          G_GUINT64_FORMAT ", \"epoch\": %u, \"rows\": %zu, \"cursor\": %zu,"
                          "\n    \"rng\": [", PROGRESS_VERSION, p->steps, p->epoch, p->n_rows,
                          p->cursor);
  for (int i = 0; i < 4; i++)
    g_string_append_printf (s, "%s\"%016" G_GINT64_MODIFIER "x\"", i > 0 ? ", " : "",
                            p->rng.s[i]);
  g_string_append_c (s, ']');

  for (gsize i = 0; i < p->n_rows && identity; i++)
    identity = p->order[i] == i;
  if (!identity)
    {
      g_string_append (s, ",\n    \"order\": [");
      for (gsize i = 0; i < p->n_rows; i++)
        g_string_append_printf (s, "%s%zu", i == 0 ? "\n      " : i % 16 == 0 ? ",\n      " : ", ",
                                p->order[i]);
      g_string_append (s, "\n    ]");
    }

  if (p->history->len > 0)
    {
      g_string_append (s, ",\n    \"history\": [");
      for (guint i = 0; i < p->history->len; i++)
        {
          const BpEpochStats *st = &g_array_index (p->history, BpEpochStats, i);

          g_string_append_printf (s, "%s\n      [%u, %" G_GUINT64_FORMAT ", ",
                                  i > 0 ? "," : "", st->epoch, st->step);
          append_double_or_null (s, st->train_loss);
          g_string_append (s, ", ");
          append_double_or_null (s, st->train_accuracy);
          g_string_append (s, ", ");
          append_double_or_null (s, st->test_loss);
          g_string_append (s, ", ");
          append_double_or_null (s, st->test_accuracy);
          g_string_append_c (s, ']');
        }
      g_string_append (s, "\n    ]");
    }

  /* Also with no records, when the stride is not the default: it decides
   * which steps are recorded next. */
  if (p->grad_norms->len > 0 || p->grad_norm_stride != 1)
    {
      gsize nl = p->grad_norms->len > 0 ? p->grad_norm_layers : n_layers;
      gsize n = p->grad_norms->len / nl;
      const double *d = (const double *) p->grad_norms->data;

      g_string_append_printf (s, ",\n    \"grad_norms\": { \"stride\": %" G_GUINT64_FORMAT
                              ", \"layers\": %zu, \"records\": [", p->grad_norm_stride, nl);
      for (gsize r = 0; r < n; r++)
        {
          g_string_append (s, r > 0 ? ",\n      [" : "\n      [");
          for (gsize k = 0; k < nl; k++)
            {
              if (k > 0)
                g_string_append (s, ", ");
              append_double_or_null (s, d[r * nl + k]);
            }
          g_string_append_c (s, ']');
        }
      g_string_append (s, "\n    ] }");
    }
  g_string_append (s, "\n  }");
}

static char *
to_json (const BpModel *model,
         gsize         *len)
{
  const BpNetwork *net = model->network;
  GString *s = g_string_sized_new (4096 + net->n_params * 24);

  g_string_append (s, "{\n  \"format\": \"" BP_MODEL_FORMAT "\",\n  \"name\": ");
  append_string (s, model->name);
  g_string_append (s, ",\n  \"description\": ");
  append_string (s, model->description);
  if (model->seed > (guint64) G_MAXINT64)
    g_string_append_printf (s, ",\n  \"seed\": \"%" G_GUINT64_FORMAT "\"", model->seed);
  else
    g_string_append_printf (s, ",\n  \"seed\": %" G_GUINT64_FORMAT, model->seed);
  g_string_append (s, ",\n  \"init\": ");
  append_string (s, bp_init_to_string (model->init));

  g_string_append (s, ",\n  \"layers\": [\n");
  for (gsize l = 0; l < net->n_layers; l++)
    {
      const BpLayer *L = &net->layers[l];

      g_string_append_printf (s, "    {\n      \"in\": %zu, \"out\": %zu, \"activation\": ",
                              L->in, L->out);
      append_string (s, L->act_id);
      append_params (s, L->act->params, L->act_params, L->act->n_params);
      g_string_append (s, ",\n      \"W\": ");
      append_matrix (s, L->W, L->out, L->in, "      ");
      g_string_append (s, ",\n      \"b\": ");
      append_row (s, L->b, L->out);
      g_string_append (s, l + 1 < net->n_layers ? "\n    },\n" : "\n    }\n");
    }
  g_string_append (s, "  ],\n");

  g_string_append (s, "  \"cost\": ");
  if (net->cost->n_params > 0)
    {
      g_string_append (s, "{ \"id\": ");
      append_string (s, net->cost_id);
      append_params (s, net->cost->params, net->cost_params, net->cost->n_params);
      g_string_append (s, " }");
    }
  else
    append_string (s, net->cost_id);
  g_string_append_printf (s, ",\n  \"reduction\": \"%s\",\n",
                          net->reduction == BP_REDUCTION_SUM ? "sum" : "mean");

  if (model->optimizer != NULL)
    append_optimizer (s, model->optimizer, net->n_params);

  if (model->dataset != NULL)
    {
      g_string_append (s, "  \"dataset\": { \"name\": ");
      append_string (s, model->dataset);
      /* Rows and noise are a generator's; a file has its own rows, and a
       * "rows" written for it would only mislead (`backprop info` once
       * read back 400 rows for a 300-row CSV). */
      if (model->dataset_rows > 0 && bp_dataset_is_generator (model->dataset))
        g_string_append_printf (s, ", \"rows\": %zu", model->dataset_rows);
      if (model->dataset_noise >= 0 && bp_dataset_is_generator (model->dataset))
        {
          g_string_append (s, ", \"noise\": ");
          append_double (s, model->dataset_noise);
        }
      g_string_append (s, ", \"test_fraction\": ");
      append_double (s, model->test_fraction);
      g_string_append (s, " },\n");
    }

  g_string_append_printf (s, "  \"training\": { \"epochs\": %u, \"batch_size\": %zu }",
                          model->epochs, model->batch_size);
  if (model->progress != NULL)
    append_progress (s, model->progress, net->n_layers);

  if (model->inputs != NULL && model->targets != NULL && model->n_samples > 0)
    {
      g_string_append (s, ",\n  \"inputs\": ");
      append_matrix (s, model->inputs, model->n_samples, net->n_inputs, "  ");
      g_string_append (s, ",\n  \"targets\": ");
      append_matrix (s, model->targets, model->n_samples, bp_network_n_outputs (net), "  ");
    }
  g_string_append (s, "\n}\n");

  if (len != NULL)
    *len = s->len;
  return g_string_free (s, FALSE);
}

/* Returns NULL if the model holds a non-finite number, which JSON cannot
 * represent (bp_model_save_file says where). */
char *
bp_model_to_json (const BpModel *model,
                  gsize         *len)
{
  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (model->network != NULL, NULL);

  if (!check_finite (model, "model", NULL))
    return NULL;
  return to_json (model, len);
}

/* Saving is atomic: the data goes to a temporary file next to `path`,
 * "PATH.saving-PID-XXXXXX", which is fsynced and renamed over `path`, so a
 * reader sees the old file or the new one, never half of one, and a crash
 * does not leave an empty file behind the new name.  (A symlink at `path`
 * is replaced, not followed.)  A kill -9 in the middle leaves the
 * temporary behind; the writer's PID in its name lets the next save to the
 * same path tell it from one a live save is still writing. */
#define TEMP_MARK        ".saving-"
#define TEMP_STALE_AGE_S (10 * 60)   /* whatever the PID says: no save takes this long */

static gboolean
write_atomically (const char  *path,
                  const char  *data,
                  gsize        len,
                  GError     **error)
{
  g_autofree char *tmp = g_strdup_printf ("%s" TEMP_MARK "%ld-XXXXXX", path, (long) getpid ());
  gsize done = 0;
  int fd, saved;

  fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0666);
  if (fd < 0)
    {
      saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "cannot create a temporary file next to it: %s", g_strerror (saved));
      return FALSE;
    }
  while (done < len)
    {
      ssize_t n = write (fd, data + done, len - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        goto fail;
      done += (gsize) n;
    }
  if (fsync (fd) != 0)
    goto fail;
  if (close (fd) != 0)
    {
      fd = -1;
      goto fail;
    }
  fd = -1;
  if (g_rename (tmp, path) != 0)
    goto fail;
  return TRUE;

fail:
  saved = errno;
  if (fd >= 0)
    close (fd);
  g_unlink (tmp);
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "%s", g_strerror (saved));
  return FALSE;
}

/* Removes what a killed save to `path` left behind: files in its directory
 * named exactly "BASENAME.saving-PID-XXXXXX" (our pattern, nothing else),
 * owned by us, whose writer is gone (no process PID) — or, should the PID
 * have been reused, older than TEMP_STALE_AGE_S.  A temporary of a live
 * save (this process, or another one saving to the same path) is left
 * alone.  Best effort: what cannot be removed stays. */
static void
remove_stale_temporaries (const char *path)
{
  g_autofree char *dir_name = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *prefix = g_strconcat (base, TEMP_MARK, NULL);
  gsize prefix_len = strlen (prefix);
  g_autoptr(GDir) dir = g_dir_open (dir_name, 0, NULL);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      const char *p = name + prefix_len;
      g_autofree char *full = NULL;
      char *end = NULL;
      gint64 pid;
      GStatBuf st;
      gboolean dead;

      if (strncmp (name, prefix, prefix_len) != 0 || !g_ascii_isdigit (*p))
        continue;
      pid = g_ascii_strtoll (p, &end, 10);
      if (end == NULL || *end != '-' || strlen (end + 1) != 6 || pid <= 0 || pid > G_MAXINT32)
        continue;
      for (p = end + 1; *p != '\0' && g_ascii_isalnum (*p); p++)
        ;
      if (*p != '\0')
        continue;
      full = g_build_filename (dir_name, name, NULL);
      if (g_lstat (full, &st) != 0 || !S_ISREG (st.st_mode) || st.st_uid != geteuid ())
        continue;
      dead = pid != getpid () && kill ((pid_t) pid, 0) != 0 && errno == ESRCH;
      if (dead || now - (gint64) st.st_mtime > TEMP_STALE_AGE_S)
        g_unlink (full);
    }
}

gboolean
bp_model_save_file (const BpModel  *model,
                    const char     *path,
                    GError        **error)
{
  g_autofree char *display = NULL;
  g_autofree char *json = NULL;
  g_autoptr(GError) local = NULL;
  gsize len;

  g_return_val_if_fail (model != NULL, FALSE);
  g_return_val_if_fail (model->network != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  display = g_filename_display_name (path);
  if (!check_finite (model, display, error))
    return FALSE;
  json = to_json (model, &len);

  remove_stale_temporaries (path);
  if (!write_atomically (path, json, len, &local))
    {
      g_set_error (error, BP_MODEL_ERROR, BP_MODEL_ERROR_IO, "%s: cannot save: %s",
                   display, local->message);
      return FALSE;
    }
  return TRUE;
}
