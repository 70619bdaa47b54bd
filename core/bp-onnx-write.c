/* bp-onnx-write.c — a network as an ONNX model (bp_onnx_export_bytes,
 * bp_onnx_export_file).
 *
 * The graph, for layer n with input x = a(n−1) (a(0) is "input", the last
 * a is "output", both [batch, width] with a symbolic batch):
 *   dense      z = Gemm(x, W, b, transB = 1)       W stored out × in, as ours
 *              a = act(z), or h = act(z), a = Add(h, a(j)) with a skip
 *   batchnorm  z = BatchNormalization(x, γ, β, running mean, running var)
 *   layernorm  z = LayerNormalization(x, γ, β, axis = −1)
 *              a = act(z)
 *   dropout    nothing: the export is of the eval-mode network
 * and each activation is its ONNX operator, or a composition of operators
 * computing exactly the plugin's formula (bp-onnx-write-act.c).
 *
 * Precision.  Tensors are float32 when every W, b, γ, β and running
 * statistic is exactly a float32 (an imported float32 model gives back its
 * bytes), else float64.  ONNX attributes are float32 whatever the tensors,
 * so in a float64 file an operator whose parameter is an attribute (LeakyRelu
 * α, Elu α, Selu, an epsilon) is used only when the value is exactly a
 * float32; otherwise the same formula is written with operators and
 * constant tensors of the file's type (PRelu for a leaky slope, the
 * ReduceMean…Div pattern for layer norm, Sub/Mul/Add with 1/√(var + eps)
 * for batch norm), so the file computes our forward pass to rounding.  In a
 * float32 file every operator rounds to float32 anyway, and the attribute
 * forms are kept.
 *
 * The messages are protoc-c's (onnx.pb-c.h); every block they point to is
 * owned by the BpOnnxWriter's `mem` and freed after packing.
 */
#include "config.h"
#include "bp-onnx-write-private.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

/* Opset 17 is the first with a LayerNormalization operator; IR version 8
 * is what onnx 1.12 (Debian's) pairs with it. */
#define ONNX_OPSET       17
#define ONNX_IR_VERSION  8
#define ONNX_PRODUCER    "backprop-studio"
#define BATCH_DIM        "batch"

/* ------------------------------------------------------------ the messages */

static gpointer
wr_alloc (BpOnnxWriter *w,
          gsize         size)
{
  gpointer p = g_malloc0 (size);

  g_ptr_array_add (w->mem, p);
  return p;
}

static char * G_GNUC_PRINTF (2, 3)
wr_printf (BpOnnxWriter     *w,
           const char *format,
           ...)
{
  va_list args;
  char *s;

  va_start (args, format);
  s = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (w->mem, s);
  return s;
}

static Onnx__TypeProto *
wr_tensor_type (BpOnnxWriter *w,
                int32_t       elem,
                gboolean      batch,
                gsize         width)
{
  Onnx__TypeProto *type = wr_alloc (w, sizeof *type);
  Onnx__TypeProto__Tensor *tensor = wr_alloc (w, sizeof *tensor);
  Onnx__TensorShapeProto *shape = wr_alloc (w, sizeof *shape);
  Onnx__TensorShapeProto__Dimension **dims = wr_alloc (w, 2 * sizeof *dims);
  gsize n = 0;

  onnx__type_proto__init (type);
  onnx__type_proto__tensor__init (tensor);
  onnx__tensor_shape_proto__init (shape);
  if (batch)
    {
      dims[n] = wr_alloc (w, sizeof **dims);
      onnx__tensor_shape_proto__dimension__init (dims[n]);
      dims[n]->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
      dims[n]->dim_param = (char *) BATCH_DIM;
      n++;
    }
  dims[n] = wr_alloc (w, sizeof **dims);
  onnx__tensor_shape_proto__dimension__init (dims[n]);
  dims[n]->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
  dims[n]->dim_value = (int64_t) width;
  n++;
  shape->n_dim = n;
  shape->dim = dims;
  tensor->has_elem_type = TRUE;
  tensor->elem_type = elem;
  tensor->shape = shape;
  type->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
  type->tensor_type = tensor;
  return type;
}

static Onnx__ValueInfoProto *
wr_value_info_new (BpOnnxWriter *w,
                   const char   *name,
                   int32_t       elem,
                   gboolean      batch,
                   gsize         width)
{
  Onnx__ValueInfoProto *info = wr_alloc (w, sizeof *info);

  onnx__value_info_proto__init (info);
  info->name = (char *) name;
  info->type = wr_tensor_type (w, elem, batch, width);
  return info;
}

const char *
_bp_onnx_write_tensor (BpOnnxWriter *w,
                       const char   *what,
                       int32_t       elem,
                       gboolean      batch,
                       gsize         width)
{
  const char *name = g_str_equal (what, "t")
                     ? wr_printf (w, "layer%" G_GSIZE_FORMAT ".t%u", w->layer, ++w->n_tmp)
                     : wr_printf (w, "layer%" G_GSIZE_FORMAT ".%s", w->layer, what);

  g_ptr_array_add (w->infos, wr_value_info_new (w, name, elem, batch, width));
  return name;
}

const char *
_bp_onnx_write_tmp (BpOnnxWriter *w,
                    gsize         width)
{
  return _bp_onnx_write_tensor (w, "t", w->dtype, TRUE, width);
}

Onnx__NodeProto *
_bp_onnx_write_node (BpOnnxWriter *w,
                     const char   *op,
                     const char   *out,
                     ...)
{
  Onnx__NodeProto *node = wr_alloc (w, sizeof *node);
  const char *inputs[8];
  gsize n = 0;
  va_list args;

  va_start (args, out);
  for (const char *s = va_arg (args, const char *); s != NULL; s = va_arg (args, const char *))
    {
      g_assert (n < G_N_ELEMENTS (inputs));
      inputs[n++] = s;
    }
  va_end (args);

  onnx__node_proto__init (node);
  node->op_type = (char *) op;
  node->name = wr_printf (w, "%s/%s", out, op);
  node->n_input = n;
  node->input = wr_alloc (w, n * sizeof (char *));
  memcpy (node->input, inputs, n * sizeof (char *));
  node->n_output = 1;
  node->output = wr_alloc (w, sizeof (char *));
  node->output[0] = (char *) out;
  g_ptr_array_add (w->nodes, node);
  return node;
}

static Onnx__AttributeProto *
wr_attr_add (BpOnnxWriter    *w,
             Onnx__NodeProto *node,
             const char      *name)
{
  Onnx__AttributeProto *attr = wr_alloc (w, sizeof *attr);
  Onnx__AttributeProto **list = wr_alloc (w, (node->n_attribute + 1) * sizeof *list);

  onnx__attribute_proto__init (attr);
  attr->name = (char *) name;
  attr->has_type = TRUE;
  if (node->n_attribute > 0)
    memcpy (list, node->attribute, node->n_attribute * sizeof *list);
  list[node->n_attribute++] = attr;
  node->attribute = list;
  return attr;
}

void
_bp_onnx_write_attr_int (BpOnnxWriter    *w,
                         Onnx__NodeProto *node,
                         const char      *name,
                         int64_t          value)
{
  Onnx__AttributeProto *attr = wr_attr_add (w, node, name);

  attr->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
  attr->has_i = TRUE;
  attr->i = value;
}

static void
wr_attr_ints (BpOnnxWriter    *w,
              Onnx__NodeProto *node,
              const char      *name,
              int64_t          value)
{
  Onnx__AttributeProto *attr = wr_attr_add (w, node, name);

  attr->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
  attr->n_ints = 1;
  attr->ints = wr_alloc (w, sizeof (int64_t));
  attr->ints[0] = value;
}

void
_bp_onnx_write_attr_float (BpOnnxWriter    *w,
                           Onnx__NodeProto *node,
                           const char      *name,
                           double           value)
{
  Onnx__AttributeProto *attr = wr_attr_add (w, node, name);

  attr->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
  attr->has_f = TRUE;
  attr->f = (float) value;
}

static gboolean
is_float32 (double v)
{
  return (double) (float) v == v;
}

gboolean
_bp_onnx_write_attr_exact (const BpOnnxWriter *w,
                           double              v)
{
  return w->dtype == T_FLOAT || is_float32 (v);
}

/* An initialiser of the file's type, raw_data little-endian; dims[n_dims]
 * (none: a scalar) hold n values of v. */
static void
wr_init (BpOnnxWriter  *w,
         const char    *name,
         const double  *v,
         gsize          n,
         const int64_t *dims,
         gsize          n_dims)
{
  Onnx__TensorProto *t = wr_alloc (w, sizeof *t);
  guint8 *raw;

  onnx__tensor_proto__init (t);
  t->name = (char *) name;
  t->has_data_type = TRUE;
  t->data_type = w->dtype;
  t->n_dims = n_dims;
  t->dims = wr_alloc (w, MAX (n_dims, 1) * sizeof (int64_t));
  if (n_dims > 0)
    memcpy (t->dims, dims, n_dims * sizeof (int64_t));
  if (w->dtype == T_FLOAT)
    {
      raw = wr_alloc (w, MAX (n, 1) * 4);
      for (gsize i = 0; i < n; i++)
        {
          union { float f; guint32 u; } bits = { .f = (float) v[i] };
          guint32 le = GUINT32_TO_LE (bits.u);

          memcpy (raw + 4 * i, &le, 4);
        }
      t->raw_data.len = 4 * n;
    }
  else
    {
      raw = wr_alloc (w, MAX (n, 1) * 8);
      for (gsize i = 0; i < n; i++)
        {
          union { double d; guint64 u; } bits = { .d = v[i] };
          guint64 le = GUINT64_TO_LE (bits.u);

          memcpy (raw + 8 * i, &le, 8);
        }
      t->raw_data.len = 8 * n;
    }
  t->has_raw_data = TRUE;
  t->raw_data.data = raw;
  g_ptr_array_add (w->inits, t);
}

/* A layer's vector (b, γ, …) as "layer3.<what>", [n]. */
static const char *
wr_init_vector (BpOnnxWriter *w,
                const char   *what,
                const double *v,
                gsize         n)
{
  const char *name = wr_printf (w, "layer%" G_GSIZE_FORMAT ".%s", w->layer, what);
  int64_t dims[1] = { (int64_t) n };

  wr_init (w, name, v, n, dims, 1);
  return name;
}

/* The scalar constant `v` of the file's type (one initialiser per value:
 * "const.1", …), which ONNX broadcasts against a whole tensor. */
const char *
_bp_onnx_write_const (BpOnnxWriter *w,
                      double        v)
{
  union { double d; gint64 u; } bits = { .d = v };
  const char *name = g_hash_table_lookup (w->consts, &bits.u);
  gint64 *key;

  if (name != NULL)
    return name;
  name = wr_printf (w, "const.%u", g_hash_table_size (w->consts) + 1);
  key = wr_alloc (w, sizeof *key);
  *key = bits.u;
  g_hash_table_insert (w->consts, key, (gpointer) name);
  wr_init (w, name, &v, 1, NULL, 0);
  return name;
}

/* ------------------------------------------------------------------ layers */

/* Gemm(x, W, b, transB = 1) = x Wᵀ + b: z(n) = W(n) a(n−1) + b(n) row by
 * row, W kept out × in as ours. */
static void
emit_dense (BpOnnxWriter  *w,
            const BpLayer *L,
            const char    *x,
            const char    *z)
{
  const char *W = wr_printf (w, "layer%" G_GSIZE_FORMAT ".W", w->layer);
  int64_t dims[2] = { (int64_t) L->out, (int64_t) L->in };
  const char *b;
  Onnx__NodeProto *node;

  wr_init (w, W, L->W, L->out * L->in, dims, 2);
  b = wr_init_vector (w, "b", L->b, L->out);
  node = _bp_onnx_write_node (w, "Gemm", z, x, W, b, NULL);
  _bp_onnx_write_attr_int (w, node, "transB", 1);
}

/* Eval mode: z = γ ⊙ (x − running_mean)/√(running_var + eps) + β. */
static void
emit_batchnorm (BpOnnxWriter  *w,
                const BpLayer *L,
                const char    *x,
                const char    *z)
{
  const char *gamma = wr_init_vector (w, "gamma", L->W, L->out);
  const char *beta = wr_init_vector (w, "beta", L->b, L->out);
  const char *mean = wr_init_vector (w, "running_mean", L->running_mean, L->out);
  const char *var = wr_init_vector (w, "running_var", L->running_var, L->out);
  const char *ve, *sd, *inv, *d, *xh, *g;

  if (_bp_onnx_write_attr_exact (w, L->eps))
    {
      Onnx__NodeProto *node = _bp_onnx_write_node (w, "BatchNormalization", z,
                                                   x, gamma, beta, mean, var, NULL);

      _bp_onnx_write_attr_float (w, node, "epsilon", L->eps);
      /* ONNX's momentum weighs the old running value, ours (torch's) the
       * batch's: 0.1 is ONNX's 0.9.  Only training would use it. */
      _bp_onnx_write_attr_float (w, node, "momentum", 1.0 - L->momentum);
      return;
    }
  /* The operations of bp-network-layers.c: inv = 1/√(var + eps),
   * x̂ = (x − μ)·inv, z = γ·x̂ + β. */
  ve = _bp_onnx_write_tensor (w, "t", w->dtype, FALSE, L->out);
  sd = _bp_onnx_write_tensor (w, "t", w->dtype, FALSE, L->out);
  inv = _bp_onnx_write_tensor (w, "inv_std", w->dtype, FALSE, L->out);
  d = _bp_onnx_write_tmp (w, L->out);
  xh = _bp_onnx_write_tensor (w, "xhat", w->dtype, TRUE, L->out);
  g = _bp_onnx_write_tmp (w, L->out);
  _bp_onnx_write_node (w, "Add", ve, var, _bp_onnx_write_const (w, L->eps), NULL);
  _bp_onnx_write_node (w, "Sqrt", sd, ve, NULL);
  _bp_onnx_write_node (w, "Reciprocal", inv, sd, NULL);
  _bp_onnx_write_node (w, "Sub", d, x, mean, NULL);
  _bp_onnx_write_node (w, "Mul", xh, d, inv, NULL);
  _bp_onnx_write_node (w, "Mul", g, xh, gamma, NULL);
  _bp_onnx_write_node (w, "Add", z, g, beta, NULL);
}

/* Per sample over its units: z = γ ⊙ (x − μ_s)/√(σ²_s + eps) + β, σ²
 * biased. */
static void
emit_layernorm (BpOnnxWriter  *w,
                const BpLayer *L,
                const char    *x,
                const char    *z)
{
  const char *gamma = wr_init_vector (w, "gamma", L->W, L->out);
  const char *beta = wr_init_vector (w, "beta", L->b, L->out);
  const char *mu, *d, *sq, *var, *ve, *sd, *xh, *g;
  Onnx__NodeProto *node;

  if (_bp_onnx_write_attr_exact (w, L->eps))
    {
      node = _bp_onnx_write_node (w, "LayerNormalization", z, x, gamma, beta, NULL);
      _bp_onnx_write_attr_int (w, node, "axis", -1);
      _bp_onnx_write_attr_float (w, node, "epsilon", L->eps);
      /* Mean and variance in the tensors' precision (the default is
       * float32 whatever the input). */
      if (w->dtype == T_DOUBLE)
        _bp_onnx_write_attr_int (w, node, "stash_type", T_DOUBLE);
      return;
    }
  /* The pattern older exporters emit (and readers know): ReduceMean, Sub,
   * Pow, ReduceMean, Add, Sqrt, Div, Mul, Add. */
  mu = _bp_onnx_write_tensor (w, "mean", w->dtype, TRUE, 1);
  d = _bp_onnx_write_tmp (w, L->out);
  sq = _bp_onnx_write_tmp (w, L->out);
  var = _bp_onnx_write_tensor (w, "var", w->dtype, TRUE, 1);
  ve = _bp_onnx_write_tensor (w, "t", w->dtype, TRUE, 1);
  sd = _bp_onnx_write_tensor (w, "t", w->dtype, TRUE, 1);
  xh = _bp_onnx_write_tensor (w, "xhat", w->dtype, TRUE, L->out);
  g = _bp_onnx_write_tmp (w, L->out);
  node = _bp_onnx_write_node (w, "ReduceMean", mu, x, NULL);
  wr_attr_ints (w, node, "axes", -1);
  _bp_onnx_write_attr_int (w, node, "keepdims", 1);
  _bp_onnx_write_node (w, "Sub", d, x, mu, NULL);
  _bp_onnx_write_node (w, "Pow", sq, d, _bp_onnx_write_const (w, 2.0), NULL);
  node = _bp_onnx_write_node (w, "ReduceMean", var, sq, NULL);
  wr_attr_ints (w, node, "axes", -1);
  _bp_onnx_write_attr_int (w, node, "keepdims", 1);
  _bp_onnx_write_node (w, "Add", ve, var, _bp_onnx_write_const (w, L->eps), NULL);
  _bp_onnx_write_node (w, "Sqrt", sd, ve, NULL);
  _bp_onnx_write_node (w, "Div", xh, d, sd, NULL);
  _bp_onnx_write_node (w, "Mul", g, xh, gamma, NULL);
  _bp_onnx_write_node (w, "Add", z, g, beta, NULL);
}

static gboolean
is_linear (const BpLayer *L)
{
  return g_str_equal (L->act_id, "linear");
}

/* Layer n (w->layer) from x = a(n−1) to `a`; a(j) of a skip in `as`. */
static gboolean
emit_layer (BpOnnxWriter   *w,
            const BpLayer  *L,
            const char    **as,
            const char     *a,
            GError        **error)
{
  const char *x = as[w->layer - 1];
  gboolean skip = L->type == BP_LAYER_DENSE && L->skip_from >= 0;
  const BpOnnxActivation *act = NULL;
  const char *h, *z;

  /* linear has no node: the layer's operator writes a (or h) directly. */
  if (!is_linear (L) && (act = _bp_onnx_write_find_activation (L, w->layer, error)) == NULL)
    return FALSE;
  h = skip ? _bp_onnx_write_tensor (w, "h", w->dtype, TRUE, L->out) : a;
  z = act == NULL ? h : _bp_onnx_write_tensor (w, "z", w->dtype, TRUE, L->out);
  switch (L->type)
    {
    case BP_LAYER_DENSE:
      emit_dense (w, L, x, z);
      break;
    case BP_LAYER_BATCHNORM:
      emit_batchnorm (w, L, x, z);
      break;
    case BP_LAYER_LAYERNORM:
      emit_layernorm (w, L, x, z);
      break;
    case BP_LAYER_DROPOUT:
      /* Eval mode: a(n) = a(n−1).  The caller names it. */
      return TRUE;
    }
  if (act != NULL)
    _bp_onnx_write_activation (w, act, L, z, h);
  if (skip)
    _bp_onnx_write_node (w, "Add", a, h, as[L->skip_from], NULL);
  return TRUE;
}

/* ---------------------------------------------------------------- the model */

/* float32 when every parameter and running statistic is exactly one; a
 * network without parameters (dropout alone) has no bytes to keep, and is
 * float64, which rounds nothing of its input. */
static int32_t
choose_dtype (const BpNetwork *net)
{
  if (net->n_params == 0)
    return T_DOUBLE;
  for (gsize i = 0; i < net->n_params; i++)
    if (!is_float32 (net->params[i]))
      return T_DOUBLE;
  for (gsize l = 0; l < net->n_layers; l++)
    {
      const BpLayer *L = &net->layers[l];

      if (L->running_mean == NULL)
        continue;
      for (gsize j = 0; j < L->out; j++)
        if (!is_float32 (L->running_mean[j]) || !is_float32 (L->running_var[j]))
          return T_DOUBLE;
    }
  return T_FLOAT;
}

static GBytes *
export_network (BpOnnxWriter   *w,
                const BpModel  *model,
                GError        **error)
{
  const BpNetwork *net = model->network;
  g_autofree const char **as = g_new0 (const char *, net->n_layers + 1);
  Onnx__ModelProto m = ONNX__MODEL_PROTO__INIT;
  Onnx__GraphProto graph = ONNX__GRAPH_PROTO__INIT;
  Onnx__OperatorSetIdProto opset = ONNX__OPERATOR_SET_ID_PROTO__INIT;
  Onnx__OperatorSetIdProto *opsets[1] = { &opset };
  Onnx__ValueInfoProto *input, *output;
  gsize len;
  guint8 *buf;

  as[0] = "input";
  for (gsize l = 0; l < net->n_layers; l++)
    {
      const BpLayer *L = &net->layers[l];
      gboolean last = l + 1 == net->n_layers;

      w->layer = l + 1;
      w->n_tmp = 0;
      if (L->type == BP_LAYER_DROPOUT)
        {
          as[l + 1] = as[l];
          if (last)
            _bp_onnx_write_node (w, "Identity", "output", as[l], NULL);
          continue;
        }
      as[l + 1] = last ? "output" : _bp_onnx_write_tensor (w, "a", w->dtype, TRUE, L->out);
      if (!emit_layer (w, L, as, as[l + 1], error))
        return NULL;
    }

  input = wr_value_info_new (w, "input", w->dtype, TRUE, net->n_inputs);
  output = wr_value_info_new (w, "output", w->dtype, TRUE, bp_network_n_outputs (net));
  graph.name = model->name != NULL && *model->name != '\0' ? model->name : (char *) "network";
  graph.n_node = w->nodes->len;
  graph.node = (Onnx__NodeProto **) w->nodes->pdata;
  graph.n_initializer = w->inits->len;
  graph.initializer = (Onnx__TensorProto **) w->inits->pdata;
  graph.n_input = 1;
  graph.input = &input;
  graph.n_output = 1;
  graph.output = &output;
  graph.n_value_info = w->infos->len;
  graph.value_info = (Onnx__ValueInfoProto **) w->infos->pdata;

  opset.domain = (char *) "";
  opset.has_version = TRUE;
  opset.version = ONNX_OPSET;
  m.has_ir_version = TRUE;
  m.ir_version = ONNX_IR_VERSION;
  m.n_opset_import = 1;
  m.opset_import = opsets;
  m.producer_name = (char *) ONNX_PRODUCER;
  m.producer_version = (char *) PACKAGE_VERSION;
  if (model->description != NULL && *model->description != '\0')
    m.doc_string = model->description;
  m.graph = &graph;

  len = onnx__model_proto__get_packed_size (&m);
  buf = g_malloc (MAX (len, 1));
  onnx__model_proto__pack (&m, buf);
  return g_bytes_new_take (buf, len);
}

GBytes *
bp_onnx_export_bytes (const BpModel  *model,
                      GError        **error)
{
  BpOnnxWriter w = { 0 };
  GBytes *bytes;

  g_return_val_if_fail (model != NULL && model->network != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  w.net = model->network;
  w.dtype = choose_dtype (model->network);
  w.mem = g_ptr_array_new_with_free_func (g_free);
  w.nodes = g_ptr_array_new ();
  w.inits = g_ptr_array_new ();
  w.infos = g_ptr_array_new ();
  w.consts = g_hash_table_new (g_int64_hash, g_int64_equal);
  bytes = export_network (&w, model, error);
  g_hash_table_unref (w.consts);
  g_ptr_array_unref (w.infos);
  g_ptr_array_unref (w.inits);
  g_ptr_array_unref (w.nodes);
  g_ptr_array_unref (w.mem);
  return bytes;
}

gboolean
bp_onnx_export_file (const BpModel  *model,
                     const char     *path,
                     GError        **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *display = NULL;
  gsize len;
  const char *data;

  g_return_val_if_fail (model != NULL && path != NULL, FALSE);

  bytes = bp_onnx_export_bytes (model, error);
  if (bytes == NULL)
    return FALSE;
  data = g_bytes_get_data (bytes, &len);
  /* A temporary file next to `path`, synced and renamed over it: a reader
   * sees the old file or the whole new one. */
  if (!g_file_set_contents_full (path, data, (gssize) len,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0666, &local))
    {
      display = g_filename_display_name (path);
      g_set_error (error, BP_ONNX_ERROR, BP_ONNX_ERROR_IO, _("%s: cannot write it: %s"),
                   display, local->message);
      return FALSE;
    }
  return TRUE;
}
