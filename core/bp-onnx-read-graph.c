/* bp-onnx-read-graph.c — the ONNX reader's walk over the nodes.
 *
 * Nodes come in topological order (ONNX requires it).  Each extends the
 * frontier, the last layer's output so far: Gemm or MatMul starts a dense
 * layer (z(n) = W(n) a(n−1) + b(n)), BatchNormalization and
 * LayerNormalization a norm layer, an activation op sets the activation
 * of the layer whose z is the frontier, and an Add of the frontier and an
 * earlier a(j) is a skip, a(n) = σ(z(n)) + a(j).  A layer whose z goes on
 * into the next layer without an activation is linear.  A node that reads
 * anything but the frontier (a branch) is refused, except that Add.
 */
#include "config.h"
#include "bp-onnx-read-private.h"
#include "bp-registry.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

GArray *
_bp_onnx_users (BpOnnxReader *r,
                const char   *name)
{
  GArray *a = name != NULL ? g_hash_table_lookup (r->users, name) : NULL;

  return a != NULL ? a : r->no_users;
}

const char *
_bp_onnx_canonical (BpOnnxReader *r,
                    const char   *name)
{
  const char *c = name != NULL ? g_hash_table_lookup (r->aliases, name) : NULL;

  return c != NULL ? c : name;
}

gsize
_bp_onnx_value_width (BpOnnxReader      *r,
                      const BpOnnxValue *v)
{
  if (v->layer == 0)
    return r->n_inputs;
  return ((BpOnnxLayer *) g_ptr_array_index (r->layers, v->layer - 1))->out;
}

static void
set_value (BpOnnxReader    *r,
           const char      *name,
           BpOnnxValueKind  kind,
           gsize            layer)
{
  BpOnnxValue *v = g_new (BpOnnxValue, 1);

  v->kind = kind;
  v->layer = layer;
  g_hash_table_replace (r->values, (gpointer) name, v);
}

static gboolean
check_output (BpOnnxReader          *r,
              const Onnx__NodeProto *node,
              GError               **error)
{
  if (node->n_output < 1 || node->output[0] == NULL || node->output[0][0] == '\0')
    return _bp_onnx_fail (r, error, BP_ONNX_ERROR_INVALID, node, _("the node has no output"));
  if (g_hash_table_contains (r->values, node->output[0]) ||
      g_hash_table_contains (r->aliases, node->output[0]) ||
      _bp_onnx_const (r, node->output[0]) != NULL)
    return _bp_onnx_fail (r, error, BP_ONNX_ERROR_INVALID, node,
                          _("its output “%s” is also defined elsewhere"), node->output[0]);
  /* Extra outputs (Dropout's mask, BatchNormalization's batch statistics,
   * LayerNormalization's mean) exist only for training: refuse them when
   * anything reads them. */
  for (gsize i = 1; i < node->n_output; i++)
    if (node->output[i] != NULL && node->output[i][0] != '\0' &&
        _bp_onnx_users (r, node->output[i])->len > 0)
      return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node,
                              _("its output %zu (“%s”) is used"), i + 1, node->output[i]);
  return TRUE;
}

gboolean
_bp_onnx_take_frontier (BpOnnxReader          *r,
                        const Onnx__NodeProto *node,
                        const char            *input,
                        gsize                 *width,
                        GError               **error)
{
  BpOnnxValue *v;

  input = _bp_onnx_canonical (r, input);
  if (input == NULL || r->frontier == NULL || !g_str_equal (input, r->frontier))
    {
      if (input != NULL && _bp_onnx_const (r, input) != NULL)
        return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node,
                                _("its input “%s” is a constant, not the previous layer's output"),
                                input);
      if (input == NULL || !g_hash_table_contains (r->values, input))
        return _bp_onnx_fail (r, error, BP_ONNX_ERROR_INVALID, node,
                              _("its input “%s” is not defined before it"), input != NULL ? input : "");
      return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node,
                              _("its input “%s” is not the previous layer's output (a branch)"), input);
    }
  v = g_hash_table_lookup (r->values, input);
  if (v->kind == BP_ONNX_VALUE_Z)
    {
      BpOnnxLayer *L = g_ptr_array_index (r->layers, v->layer - 1);

      /* z goes on without an activation: the layer is linear. */
      L->final = TRUE;
      L->bias_pending = FALSE;
      v->kind = BP_ONNX_VALUE_A;
    }
  *width = _bp_onnx_value_width (r, v);
  return TRUE;
}

/* The limits of a model file, before any data is read: a forged shape
 * is refused by what it claims. */
static gboolean
check_layer (BpOnnxReader          *r,
             const Onnx__NodeProto *node,
             guint64                out,
             guint64                n_params,
             GError               **error)
{
  if (r->layers->len >= BP_MAX_LAYERS)
    return _bp_onnx_fail (r, error, BP_ONNX_ERROR_LIMIT, node,
                          _("more than %d layers (a model holds at most %d)"),
                          BP_MAX_LAYERS, BP_MAX_LAYERS);
  if (out == 0)
    return _bp_onnx_fail (r, error, BP_ONNX_ERROR_INVALID, node, _("a layer of width 0"));
  if (out > BP_MAX_WIDTH)
    return _bp_onnx_fail (r, error, BP_ONNX_ERROR_LIMIT, node,
                          _("a layer of %llu units (at most %d in a layer)"),
                          (unsigned long long) out, BP_MAX_WIDTH);
  if (n_params > BP_MODEL_MAX_PARAMS - r->n_params)
    return _bp_onnx_fail (r, error, BP_ONNX_ERROR_LIMIT, node,
                          _("more than %zu parameters (the limit of a model)"),
                          (gsize) BP_MODEL_MAX_PARAMS);
  return TRUE;
}

BpOnnxLayer *
_bp_onnx_add_layer (BpOnnxReader          *r,
                    const Onnx__NodeProto *node,
                    BpLayerType            type,
                    gsize                  in,
                    gsize                  out,
                    gsize                  n_params,
                    const char            *output,
                    GError               **error)
{
  BpOnnxLayer *L;

  if (!check_layer (r, node, out, n_params, error))
    return NULL;
  r->n_params += n_params;

  L = g_new0 (BpOnnxLayer, 1);
  L->type = type;
  L->in = in;
  L->out = out;
  L->skip_from = -1;
  L->eps = BP_NORM_DEFAULT_EPS;
  L->momentum = BP_NORM_DEFAULT_MOMENTUM;
  L->node = node->name;
  L->op = node->op_type;
  g_ptr_array_add (r->layers, L);
  set_value (r, output, BP_ONNX_VALUE_Z, r->layers->len);
  r->frontier = output;
  return L;
}

gboolean
_bp_onnx_set_activation (BpOnnxReader          *r,
                         const Onnx__NodeProto *node,
                         const char            *input,
                         const char            *output,
                         const char            *act_id,
                         gboolean               has_param,
                         double                 param,
                         GError               **error)
{
  BpOnnxValue *v;
  BpOnnxLayer *L;

  input = _bp_onnx_canonical (r, input);
  v = input != NULL ? g_hash_table_lookup (r->values, input) : NULL;
  if (v == NULL || r->frontier == NULL || !g_str_equal (input, r->frontier))
    {
      gsize unused;

      return _bp_onnx_take_frontier (r, node, input, &unused, error);
    }
  if (v->kind != BP_ONNX_VALUE_Z)
    {
      L = v->layer > 0 ? g_ptr_array_index (r->layers, v->layer - 1) : NULL;
      if (L == NULL)
        return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node,
                                _("an activation of the network's input, before any layer"));
      if (L->skip_from >= 0)
        return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node,
                                _("an activation after a skip connection's Add "
                                  "(σ(z(n) + a(j))): a skip adds a(j) after the activation"));
      return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node,
                              _("a second activation of layer %zu (it has %s from node “%s”)"),
                              v->layer, L->act_id != NULL ? L->act_id : "linear",
                              L->act_node != NULL ? L->act_node : "");
    }
  if (!check_output (r, node, error))
    return FALSE;
  L = g_ptr_array_index (r->layers, v->layer - 1);
  L->act_id = act_id;
  L->has_param = has_param;
  L->act_param = param;
  L->act_node = node->name;
  L->act_op = node->op_type;
  L->final = TRUE;
  L->bias_pending = FALSE;
  set_value (r, output, BP_ONNX_VALUE_A, v->layer);
  r->frontier = output;
  return TRUE;
}

/* Identity and Dropout (eval: the identity), and Flatten of the 2-D input:
 * the output is the input under another name, an alias every later node
 * sees through (torch may read a value both directly and through an
 * Identity). */
static gboolean
read_alias (BpOnnxReader          *r,
            const Onnx__NodeProto *node,
            GError               **error)
{
  const char *in = _bp_onnx_canonical (r, node->n_input > 0 ? node->input[0] : NULL);
  BpOnnxValue *v = in != NULL ? g_hash_table_lookup (r->values, in) : NULL;

  if (v == NULL)
    {
      gsize unused;

      return _bp_onnx_take_frontier (r, node, in, &unused, error);
    }
  if (g_str_equal (node->op_type, "Flatten"))
    {
      gint64 axis = _bp_onnx_attr_int (node, "axis", 1);

      if (v->layer != 0 || r->layers->len > 0 || (axis != 1 && axis != -1))
        return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node,
                                _("a Flatten other than of the 2-D input (axis 1)"));
    }
  if (g_str_equal (node->op_type, "Dropout") && node->n_input > 2 &&
      node->input[2][0] != '\0')
    {
      double training;
      g_autoptr(GError) local = NULL;

      if (!_bp_onnx_read_scalar (r, node, node->input[2], &training, &local) || training != 0)
        return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node,
                                _("a Dropout in training mode"));
    }
  if (!check_output (r, node, error))
    return FALSE;
  g_hash_table_insert (r->aliases, node->output[0], (gpointer) in);
  return TRUE;
}

/* z = A·B' + C with B' = B or Bᵀ: a dense layer.  A MatMul is the same
 * without C; its bias is the Add that follows (read_add). */
static gboolean
read_gemm (BpOnnxReader          *r,
           const Onnx__NodeProto *node,
           GError               **error)
{
  gboolean gemm = g_str_equal (node->op_type, "Gemm");
  gboolean transB = gemm && _bp_onnx_attr_int (node, "transB", 0) != 0;
  BpOnnxTensor W = { 0 }, C = { 0 };
  const Onnx__TensorProto *Wt;
  BpOnnxLayer *L;
  gsize in, out;

  if (node->n_input < 2 || (!gemm && node->n_input != 2) || node->n_input > 3)
    return _bp_onnx_fail (r, error, BP_ONNX_ERROR_INVALID, node,
                          _("%zu inputs"), node->n_input);
  if (gemm)
    {
      const Onnx__AttributeProto *alpha = _bp_onnx_attr (node, "alpha");
      const Onnx__AttributeProto *beta = _bp_onnx_attr (node, "beta");

      if (_bp_onnx_attr_int (node, "transA", 0) != 0)
        return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node, _("transA = 1"));
      if (alpha != NULL && alpha->f != 1.0f)
        return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node,
                                _("alpha = %g"), (double) alpha->f);
      if (beta != NULL && beta->f != 1.0f && node->n_input == 3)
        return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node,
                                _("beta = %g"), (double) beta->f);
    }
  if (!_bp_onnx_take_frontier (r, node, node->input[0], &in, error))
    return FALSE;
  Wt = _bp_onnx_const (r, node->input[1]);
  if (Wt != NULL && Wt->n_dims == 2 && Wt->dims[0] >= 0 && Wt->dims[1] >= 0 &&
      !check_layer (r, node, (guint64) Wt->dims[transB ? 0 : 1],
                    MIN ((guint64) Wt->dims[0], BP_MODEL_MAX_PARAMS + 1) *
                    (MIN ((guint64) Wt->dims[1], BP_MODEL_MAX_PARAMS + 1) + 1), error))
    return FALSE;
  if (!_bp_onnx_read_const (r, node, node->input[1], &W, error))
    return FALSE;
  if (W.n_dims != 2)
    {
      _bp_onnx_tensor_clear (&W);
      return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node,
                              _("a weight tensor “%s” of %zu dimensions (a matrix expected)"),
                              node->input[1], W.n_dims);
    }
  out = (gsize) W.dims[transB ? 0 : 1];
  if ((gsize) W.dims[transB ? 1 : 0] != in)
    {
      _bp_onnx_tensor_clear (&W);
      return _bp_onnx_fail (r, error, BP_ONNX_ERROR_INVALID, node,
                            _("weight “%s” is %lld × %lld but its input has %zu values"),
                            node->input[1], (long long) W.dims[0], (long long) W.dims[1], in);
    }
  if (gemm && node->n_input == 3 && node->input[2][0] != '\0')
    {
      if (!_bp_onnx_read_const (r, node, node->input[2], &C, error))
        {
          _bp_onnx_tensor_clear (&W);
          return FALSE;
        }
      if (C.n != out || C.n_dims > 2 || (C.n_dims == 2 && C.dims[0] != 1))
        {
          _bp_onnx_tensor_clear (&W);
          _bp_onnx_tensor_clear (&C);
          return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node,
                                  _("a bias “%s” of %zu values for %zu units"),
                                  node->input[2], C.n, out);
        }
    }
  if (!check_output (r, node, error) ||
      (L = _bp_onnx_add_layer (r, node, BP_LAYER_DENSE, in, out, out * in + out,
                               node->output[0], error)) == NULL)
    {
      _bp_onnx_tensor_clear (&W);
      _bp_onnx_tensor_clear (&C);
      return FALSE;
    }
  /* Ours is W(n) out × in, row j the weights into unit j: torch's
   * Linear.weight, which Gemm reads with transB = 1. */
  if (transB)
    L->W = g_steal_pointer (&W.v);
  else
    {
      L->W = g_new (double, out * in);
      for (gsize j = 0; j < out; j++)
        for (gsize k = 0; k < in; k++)
          L->W[j * in + k] = W.v[k * out + j];
      _bp_onnx_tensor_clear (&W);
    }
  L->b = C.v != NULL ? g_steal_pointer (&C.v) : g_new0 (double, out);
  L->bias_pending = !gemm || node->n_input < 3 || node->input[2][0] == '\0';
  return TRUE;
}

/* The skip connection a(n) = σ(z(n)) + a(j) (the frontier plus an earlier
 * layer's output), or the bias after a MatMul. */
static gboolean
read_add (BpOnnxReader          *r,
          const Onnx__NodeProto *node,
          GError               **error)
{
  const char *x, *y;
  BpOnnxValue *vx, *vy;
  BpOnnxLayer *L;

  if (node->n_input != 2)
    return _bp_onnx_fail (r, error, BP_ONNX_ERROR_INVALID, node, _("%zu inputs"), node->n_input);
  x = _bp_onnx_canonical (r, node->input[0]);
  y = _bp_onnx_canonical (r, node->input[1]);
  if (_bp_onnx_const (r, x) != NULL)
    {
      const char *t = x;

      x = y;
      y = t;
    }
  if (r->frontier == NULL || !g_str_equal (x, r->frontier))
    {
      const char *t = x;

      x = y;
      y = t;
    }
  vx = g_hash_table_lookup (r->values, x);
  if (vx == NULL || !g_str_equal (x, r->frontier))
    {
      gsize unused;

      /* Neither input is the frontier: this names the first one's fault. */
      return _bp_onnx_take_frontier (r, node, node->input[0], &unused, error);
    }
  L = vx->layer > 0 ? g_ptr_array_index (r->layers, vx->layer - 1) : NULL;

  if (_bp_onnx_const (r, y) != NULL)
    {
      BpOnnxTensor b;

      if (L == NULL || vx->kind != BP_ONNX_VALUE_Z || !L->bias_pending)
        return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node,
                                _("an Add of a constant other than the bias after a MatMul"));
      if (!_bp_onnx_read_const (r, node, y, &b, error))
        return FALSE;
      if (b.n != L->out)
        {
          _bp_onnx_tensor_clear (&b);
          return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node,
                                  _("a bias “%s” of %zu values for %zu units"), y, b.n, L->out);
        }
      if (!check_output (r, node, error))
        {
          _bp_onnx_tensor_clear (&b);
          return FALSE;
        }
      g_free (L->b);
      L->b = g_steal_pointer (&b.v);
      L->bias_pending = FALSE;
      set_value (r, node->output[0], BP_ONNX_VALUE_Z, vx->layer);
      r->frontier = node->output[0];
      return TRUE;
    }

  vy = g_hash_table_lookup (r->values, y);
  if (vy == NULL)
    return _bp_onnx_fail (r, error, BP_ONNX_ERROR_INVALID, node,
                          _("its input “%s” is not defined before it"), y);
  if (L == NULL || L->type != BP_LAYER_DENSE)
    return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node,
                            _("a skip connection onto %s (only a dense layer's output takes one)"),
                            L == NULL ? _("the input") : bp_layer_type_to_string (L->type));
  if (L->skip_from >= 0)
    return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node,
                            _("a second skip connection onto layer %zu"), vx->layer);
  if (vy->kind != BP_ONNX_VALUE_A || vy->layer >= vx->layer)
    return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node,
                            _("“%s” is not an earlier layer's output a(j) (a skip adds a(j) "
                              "after the activation: a(n) = σ(z(n)) + a(j))"), y);
  if (_bp_onnx_value_width (r, vy) != L->out)
    return _bp_onnx_fail (r, error, BP_ONNX_ERROR_INVALID, node,
                          _("adds a(%zu) of %zu values to a layer of %zu units"),
                          vy->layer, _bp_onnx_value_width (r, vy), L->out);
  if (!check_output (r, node, error))
    return FALSE;
  L->skip_from = (gssize) vy->layer;
  L->final = TRUE;
  L->bias_pending = FALSE;
  vx->kind = BP_ONNX_VALUE_A;
  set_value (r, node->output[0], BP_ONNX_VALUE_A, vx->layer);
  r->frontier = node->output[0];
  return TRUE;
}

gboolean
_bp_onnx_read_vector (BpOnnxReader          *r,
                      const Onnx__NodeProto *node,
                      const char            *name,
                      gsize                  width,
                      double               **out,
                      GError               **error)
{
  BpOnnxTensor t;

  if (!_bp_onnx_read_const (r, node, name, &t, error))
    return FALSE;
  if (t.n != width)
    {
      _bp_onnx_tensor_clear (&t);
      return _bp_onnx_fail (r, error, BP_ONNX_ERROR_INVALID, node,
                            _("“%s” holds %zu values for %zu features"), name, t.n, width);
    }
  *out = g_steal_pointer (&t.v);
  return TRUE;
}

static gboolean
read_batchnorm (BpOnnxReader          *r,
                const Onnx__NodeProto *node,
                GError               **error)
{
  double *vec[4] = { NULL, NULL, NULL, NULL };
  const Onnx__AttributeProto *m;
  BpOnnxLayer *L;
  gsize width;

  if (node->n_input != 5)
    return _bp_onnx_fail (r, error, BP_ONNX_ERROR_INVALID, node, _("%zu inputs"), node->n_input);
  if (_bp_onnx_attr_int (node, "training_mode", 0) != 0)
    return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node,
                            _("training_mode = 1 (export the model in eval mode)"));
  if (_bp_onnx_attr_int (node, "spatial", 1) != 1)
    return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node, _("spatial = 0"));
  if (!_bp_onnx_take_frontier (r, node, node->input[0], &width, error))
    return FALSE;
  for (int i = 0; i < 4; i++)
    if (!_bp_onnx_read_vector (r, node, node->input[i + 1], width, &vec[i], error))
      goto fail;
  for (gsize j = 0; j < width; j++)
    if (vec[3][j] < 0)
      {
        _bp_onnx_fail (r, error, BP_ONNX_ERROR_INVALID, node,
                       _("running variance “%s” has a negative value"), node->input[4]);
        goto fail;
      }
  if (!check_output (r, node, error) ||
      (L = _bp_onnx_add_layer (r, node, BP_LAYER_BATCHNORM, width, width, 2 * width,
                               node->output[0], error)) == NULL)
    goto fail;
  L->W = vec[0];
  L->b = vec[1];
  L->mean = vec[2];
  L->var = vec[3];
  L->eps = _bp_onnx_attr_float (node, "epsilon", 1e-5);
  /* ONNX's momentum weighs the old running value (0.9), torch's the new
   * batch (0.1); as with ε, the shortest decimal that gives the same
   * float32, so 0.1 comes back as 0.1. */
  if ((m = _bp_onnx_attr (node, "momentum")) != NULL)
    {
      double d = 1.0 - (double) m->f;

      for (int digits = 1; digits <= 17; digits++)
        {
          char buf[G_ASCII_DTOSTR_BUF_SIZE], format[8];
          double t;

          g_snprintf (format, sizeof format, "%%.%dg", digits);
          t = g_ascii_strtod (g_ascii_formatd (buf, sizeof buf, format, d), NULL);
          if ((float) (1.0 - t) == m->f)
            {
              d = t;
              break;
            }
        }
      L->momentum = CLAMP (d, 0.0, 1.0);
    }
  if (!(L->eps > 0))
    return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node,
                            _("epsilon = %g (it must be > 0)"), L->eps);
  return TRUE;

fail:
  for (int i = 0; i < 4; i++)
    g_free (vec[i]);
  return FALSE;
}

static gboolean
read_layernorm (BpOnnxReader          *r,
                const Onnx__NodeProto *node,
                GError               **error)
{
  gint64 axis = _bp_onnx_attr_int (node, "axis", -1);
  double *gamma = NULL, *beta = NULL;
  BpOnnxLayer *L;
  gsize width;

  if (node->n_input < 2 || node->n_input > 3)
    return _bp_onnx_fail (r, error, BP_ONNX_ERROR_INVALID, node, _("%zu inputs"), node->n_input);
  if (axis != -1 && axis != 1)
    return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node,
                            _("axis = %lld (the last axis expected)"), (long long) axis);
  if (!_bp_onnx_take_frontier (r, node, node->input[0], &width, error))
    return FALSE;
  if (!_bp_onnx_read_vector (r, node, node->input[1], width, &gamma, error))
    return FALSE;
  if (node->n_input == 3 && node->input[2][0] != '\0')
    {
      if (!_bp_onnx_read_vector (r, node, node->input[2], width, &beta, error))
        {
          g_free (gamma);
          return FALSE;
        }
    }
  else
    beta = g_new0 (double, width);
  if (!check_output (r, node, error) ||
      (L = _bp_onnx_add_layer (r, node, BP_LAYER_LAYERNORM, width, width, 2 * width,
                               node->output[0], error)) == NULL)
    {
      g_free (gamma);
      g_free (beta);
      return FALSE;
    }
  L->W = gamma;
  L->b = beta;
  L->eps = _bp_onnx_attr_float (node, "epsilon", 1e-5);
  if (!(L->eps > 0))
    return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node,
                            _("epsilon = %g (it must be > 0)"), L->eps);
  return TRUE;
}

/* Clip to [−1, 1] is hard tanh: the bounds are inputs from opset 11 on,
 * attributes before. */
static gboolean
read_clip (BpOnnxReader          *r,
           const Onnx__NodeProto *node,
           GError               **error)
{
  double lo = -INFINITY, hi = INFINITY;

  if (node->n_input >= 2 && node->input[1][0] != '\0' &&
      !_bp_onnx_read_scalar (r, node, node->input[1], &lo, error))
    return FALSE;
  if (node->n_input >= 3 && node->input[2][0] != '\0' &&
      !_bp_onnx_read_scalar (r, node, node->input[2], &hi, error))
    return FALSE;
  if (_bp_onnx_attr (node, "min") != NULL)
    lo = _bp_onnx_attr_float (node, "min", lo);
  if (_bp_onnx_attr (node, "max") != NULL)
    hi = _bp_onnx_attr_float (node, "max", hi);
  if (lo != -1.0 || hi != 1.0)
    return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node,
                            _("a Clip to [%g, %g] (only [−1, 1], hard tanh)"), lo, hi);
  return _bp_onnx_set_activation (r, node, node->input[0], node->output[0], "hard_tanh",
                                  FALSE, 0, error);
}

/* PRelu with one slope for every unit is leaky ReLU: our writer's form
 * when α is no float32 (a float64 file), and torch's nn.PReLU().  The
 * slope is a value of the file, taken as it is. */
static gboolean
read_prelu (BpOnnxReader          *r,
            const Onnx__NodeProto *node,
            GError               **error)
{
  BpOnnxTensor t;
  double alpha;

  if (node->n_input != 2)
    return _bp_onnx_fail (r, error, BP_ONNX_ERROR_INVALID, node, _("%zu inputs"), node->n_input);
  if (!_bp_onnx_read_const (r, node, node->input[1], &t, error))
    return FALSE;
  alpha = t.n > 0 ? t.v[0] : 0;
  for (gsize j = 1; j < t.n; j++)
    if (t.v[j] != alpha)
      {
        _bp_onnx_tensor_clear (&t);
        return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node,
                                _("a PRelu with a slope per unit (only one slope, leaky ReLU)"));
      }
  if (t.n == 0)
    {
      _bp_onnx_tensor_clear (&t);
      return _bp_onnx_fail (r, error, BP_ONNX_ERROR_INVALID, node, _("an empty slope"));
    }
  _bp_onnx_tensor_clear (&t);
  return _bp_onnx_set_activation (r, node, node->input[0], node->output[0], "leaky_relu",
                                  TRUE, alpha, error);
}

/* The ops that are one activation each; their parameters are checked
 * against the plugin's formula (plugins/bp-*.c). */
static gboolean
read_activation (BpOnnxReader          *r,
                 const Onnx__NodeProto *node,
                 GError               **error)
{
  static const struct { const char *op, *id; } simple[] = {
    { "Relu", "relu" }, { "Sigmoid", "sigmoid" }, { "Tanh", "tanh" },
    { "Softplus", "softplus" }, { "Softsign", "softsign" }, { "Sin", "sine" },
  };
  const char *op = node->op_type;
  const char *in = node->n_input > 0 ? node->input[0] : NULL;
  const char *out = node->n_output > 0 ? node->output[0] : NULL;

  if (node->n_input != 1)
    return _bp_onnx_fail (r, error, BP_ONNX_ERROR_INVALID, node, _("%zu inputs"), node->n_input);
  for (gsize i = 0; i < G_N_ELEMENTS (simple); i++)
    if (g_str_equal (op, simple[i].op))
      return _bp_onnx_set_activation (r, node, in, out, simple[i].id, FALSE, 0, error);
  if (g_str_equal (op, "LeakyRelu"))
    return _bp_onnx_set_activation (r, node, in, out, "leaky_relu", TRUE,
                                    _bp_onnx_attr_float (node, "alpha", 0.01), error);
  if (g_str_equal (op, "Elu"))
    return _bp_onnx_set_activation (r, node, in, out, "elu", TRUE,
                                    _bp_onnx_attr_float (node, "alpha", 1.0), error);
  if (g_str_equal (op, "Selu"))
    {
      /* plugins/bp-selu.c's λ and α, as ONNX's defaults store them. */
      const Onnx__AttributeProto *a = _bp_onnx_attr (node, "alpha");
      const Onnx__AttributeProto *g = _bp_onnx_attr (node, "gamma");

      if ((a != NULL && a->f != (float) 1.6732632423543772848170429916717) ||
          (g != NULL && g->f != (float) 1.0507009873554804934193349852946))
        return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node,
                                _("a Selu with other constants than λ ≈ 1.0507, α ≈ 1.6733"));
      return _bp_onnx_set_activation (r, node, in, out, "selu", FALSE, 0, error);
    }
  if (g_str_equal (op, "HardSigmoid"))
    {
      /* plugins/bp-hard_sigmoid.c: min(max(z + 3, 0), 6)/6 = max(0, min(1, z/6 + 1/2)). */
      const Onnx__AttributeProto *a = _bp_onnx_attr (node, "alpha");
      const Onnx__AttributeProto *b = _bp_onnx_attr (node, "beta");
      float alpha = a != NULL ? a->f : 0.2f, beta = b != NULL ? b->f : 0.5f;

      if (alpha != (float) (1.0 / 6.0) || beta != 0.5f)
        return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node,
                                _("a HardSigmoid with α = %g, β = %g (only α = 1/6, β = 1/2)"),
                                (double) alpha, (double) beta);
      return _bp_onnx_set_activation (r, node, in, out, "hard_sigmoid", FALSE, 0, error);
    }
  if (g_str_equal (op, "Softmax"))
    {
      gint64 axis = _bp_onnx_attr_int (node, "axis", r->opset >= 13 ? -1 : 1);

      /* The input is 2-D, so before opset 13 (which flattened from `axis`
       * on) axis 1 is the same last axis. */
      if (axis != -1 && axis != 1)
        return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node,
                                _("a Softmax over axis %lld (only the last axis)"),
                                (long long) axis);
      return _bp_onnx_set_activation (r, node, in, out, "softmax", FALSE, 0, error);
    }
  g_assert_not_reached ();
}

typedef gboolean (*ReadFunc) (BpOnnxReader *, const Onnx__NodeProto *, GError **);

static const struct
{
  const char *op;
  ReadFunc    read;
} readers[] = {
  { "Gemm", read_gemm }, { "MatMul", read_gemm }, { "Add", read_add },
  { "Identity", read_alias }, { "Dropout", read_alias }, { "Flatten", read_alias },
  { "BatchNormalization", read_batchnorm }, { "LayerNormalization", read_layernorm },
  { "Clip", read_clip }, { "PRelu", read_prelu },
  { "Relu", read_activation }, { "Sigmoid", read_activation }, { "Tanh", read_activation },
  { "Softplus", read_activation }, { "Softsign", read_activation }, { "Sin", read_activation },
  { "LeakyRelu", read_activation }, { "Elu", read_activation }, { "Selu", read_activation },
  { "HardSigmoid", read_activation }, { "Softmax", read_activation },
};

/* The dense layers' parameters as their weights' shapes state them, all
 * summed before any is read: a model over the limit is refused without
 * first converting its tens of megabytes of weights. */
static gboolean
check_param_total (BpOnnxReader  *r,
                   GError       **error)
{
  Onnx__GraphProto *g = r->graph;
  guint64 total = 0;

  for (gsize i = 0; i < g->n_node; i++)
    {
      const Onnx__NodeProto *node = g->node[i];
      const Onnx__TensorProto *W;
      gboolean transB;
      guint64 in, out;

      if (node->op_type == NULL || node->n_input < 2 ||
          (!g_str_equal (node->op_type, "Gemm") && !g_str_equal (node->op_type, "MatMul")) ||
          (W = _bp_onnx_const (r, node->input[1])) == NULL || W->n_dims != 2 ||
          W->dims[0] < 0 || W->dims[1] < 0)
        continue;
      transB = g_str_equal (node->op_type, "Gemm") && _bp_onnx_attr_int (node, "transB", 0) != 0;
      out = MIN ((guint64) W->dims[transB ? 0 : 1], BP_MODEL_MAX_PARAMS + 1);
      in = MIN ((guint64) W->dims[transB ? 1 : 0], BP_MODEL_MAX_PARAMS + 1);
      total += out * (in + 1);
      if (total > BP_MODEL_MAX_PARAMS)
        return _bp_onnx_fail (r, error, BP_ONNX_ERROR_LIMIT, node,
                              _("more than %zu parameters (the limit of a model)"),
                              (gsize) BP_MODEL_MAX_PARAMS);
    }
  return TRUE;
}

static gboolean
reads_constants_only (BpOnnxReader          *r,
                      const Onnx__NodeProto *node)
{
  gboolean any = FALSE;

  for (gsize k = 0; k < node->n_input; k++)
    {
      if (node->input[k][0] == '\0')
        continue;
      if (_bp_onnx_const (r, node->input[k]) == NULL &&
          !g_hash_table_contains (r->const_exprs, node->input[k]))
        return FALSE;
      any = TRUE;
    }
  return any;
}

gboolean
_bp_onnx_walk (BpOnnxReader  *r,
               GError       **error)
{
  Onnx__GraphProto *g = r->graph;

  if (!check_param_total (r, error))
    return FALSE;

  for (gsize i = 0; i < g->n_node; i++)
    {
      const Onnx__NodeProto *node = g->node[i];
      const char *op = node->op_type != NULL ? node->op_type : "";
      gboolean matched = FALSE;

      if (r->done[i])
        continue;
      if (node->domain != NULL && node->domain[0] != '\0' && !g_str_equal (node->domain, "ai.onnx"))
        return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node,
                                _("an operator of domain “%s”"), node->domain);
      /* Every operator we read has an input and an output: the readers
       * may take input[0] and output[0] from here on. */
      if (node->n_input < 1 || node->n_output < 1)
        return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node,
                                _("a node without inputs or outputs"));
      for (gsize k = 0; k < node->n_input; k++)
        if (node->input[k] == NULL)
          return _bp_onnx_fail (r, error, BP_ONNX_ERROR_INVALID, node, _("an unnamed input"));
      for (gsize k = 0; k < node->n_output; k++)
        if (node->output[k] == NULL)
          return _bp_onnx_fail (r, error, BP_ONNX_ERROR_INVALID, node, _("an unnamed output"));

      /* A node of constants alone (our writer's Sqrt(var + ε) of batch
       * norm) is no layer: the pattern that reads it takes it, and
       * anything else reading it is refused as reading no layer. */
      if (reads_constants_only (r, node))
        {
          for (gsize k = 0; k < node->n_output; k++)
            if (node->output[k][0] != '\0')
              g_hash_table_add (r->const_exprs, node->output[k]);
          continue;
        }
      if (g_str_equal (op, "Sub"))
        {
          if (!_bp_onnx_read_batchnorm_pattern (r, i, error))
            return FALSE;
          continue;
        }
      if (g_str_equal (op, "ReduceMean"))
        {
          if (!_bp_onnx_read_layernorm_pattern (r, i, error))
            return FALSE;
          continue;
        }
      if (!_bp_onnx_read_composite (r, i, &matched, error))
        return FALSE;
      if (matched)
        continue;
      for (gsize k = 0; k < G_N_ELEMENTS (readers); k++)
        if (g_str_equal (op, readers[k].op))
          {
            if (!readers[k].read (r, node, error))
              return FALSE;
            matched = TRUE;
            break;
          }
      if (!matched)
        return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node,
                                _("this operator is not supported"));
    }
  return TRUE;
}
