/* bp-onnx-read-pattern.c — operations exporters write as several nodes:
 * layer normalisation as torch writes it below opset 17
 *
 *   μ = ReduceMean(x), d = x − μ, v = ReduceMean(d^2), x̂ = d / √(v + ε),
 *   y = x̂ · γ + β,
 *
 * and the activations without an ONNX operator of their own, in the forms
 * torch (opset 14) and our writer use: swish x·Sigmoid(x), mish
 * x·Tanh(Softplus(x)), softsign x / (|x| + 1), gelu x·(Erf(x/√2) + 1)·½.
 * Every intermediate value must be read by the pattern alone, so nothing
 * else can depend on a value we do not keep.
 */
#include "config.h"
#include "bp-onnx-read-private.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

/* The one node reading `name`, if it is an `op` not read yet; else NULL. */
static const Onnx__NodeProto *
sole_user (BpOnnxReader *r,
           const char   *name,
           const char   *op,
           gsize        *index)
{
  GArray *users = _bp_onnx_users (r, name);
  const Onnx__NodeProto *node;
  gsize i;

  if (users->len != 1)
    return NULL;
  i = g_array_index (users, gsize, 0);
  node = r->graph->node[i];
  if (r->done[i] || node->op_type == NULL || !g_str_equal (node->op_type, op) ||
      node->n_output < 1 || node->output[0][0] == '\0')
    return NULL;
  *index = i;
  return node;
}

/* For a two-input node one of whose inputs is `name`: the other one. */
static const char *
other_input (const Onnx__NodeProto *node,
             const char            *name)
{
  if (node->n_input != 2)
    return NULL;
  if (g_str_equal (node->input[0], name))
    return node->input[1];
  if (g_str_equal (node->input[1], name))
    return node->input[0];
  return NULL;
}

/* Is `name` a one-value constant equal to `want` (its float32 rounding in
 * a float32 file)? */
static gboolean
const_is (BpOnnxReader *r,
          const char   *name,
          double        want)
{
  g_autoptr(GError) local = NULL;
  BpOnnxTensor t;
  gboolean ok;

  if (name == NULL || _bp_onnx_const (r, name) == NULL ||
      !_bp_onnx_read_const (r, r->graph->node[0], name, &t, &local))
    return FALSE;
  ok = t.n == 1 && t.v[0] == (t.is_f32 ? (double) (float) want : want);
  _bp_onnx_tensor_clear (&t);
  return ok;
}

/* ReduceMean over the last axis, keeping it. */
static gboolean
is_mean_last (BpOnnxReader          *r,
              const Onnx__NodeProto *node)
{
  const Onnx__AttributeProto *axes = _bp_onnx_attr (node, "axes");

  if (_bp_onnx_attr_int (node, "keepdims", 1) != 1 || node->n_input < 1)
    return FALSE;
  if (axes != NULL)
    return axes->n_ints == 1 && (axes->ints[0] == -1 || axes->ints[0] == 1) && node->n_input == 1;
  /* Opset 18 moved the axes to an input. */
  return node->n_input == 2 && (const_is (r, node->input[1], -1) || const_is (r, node->input[1], 1));
}

gboolean
_bp_onnx_read_layernorm_pattern (BpOnnxReader  *r,
                                 gsize          index,
                                 GError       **error)
{
  const Onnx__NodeProto *mean = r->graph->node[index], *sub, *pow, *var, *add, *sqrt_, *div;
  const Onnx__NodeProto *mul = NULL, *shift = NULL, *last;
  const char *x = mean->n_input > 0 ? mean->input[0] : NULL, *d, *gname = NULL, *bname = NULL;
  gsize i_sub, i_pow, i_var, i_add, i_sqrt, i_div, i_mul = 0, i_shift = 0, i_other;
  double *gamma = NULL, *beta = NULL;
  GArray *d_users;
  BpOnnxLayer *L;
  const char *step;
  double eps;
  gsize width;

#define EXPECT(cond, what) G_STMT_START { if (!(cond)) { step = (what); goto refuse; } } G_STMT_END

  EXPECT (x != NULL && mean->n_output >= 1 && is_mean_last (r, mean), _("a mean over the last axis"));
  EXPECT ((sub = sole_user (r, mean->output[0], "Sub", &i_sub)) != NULL &&
          sub->n_input == 2 && g_str_equal (sub->input[0], x) &&
          g_str_equal (sub->input[1], mean->output[0]), _("Sub(x, mean)"));
  d = sub->output[0];
  d_users = _bp_onnx_users (r, d);
  EXPECT (d_users->len == 2, _("x − mean read by Pow and Div"));
  i_pow = g_array_index (d_users, gsize, 0);
  i_other = g_array_index (d_users, gsize, 1);
  if (!g_str_equal (r->graph->node[i_pow]->op_type, "Pow"))
    {
      gsize t = i_pow;

      i_pow = i_other;
      i_other = t;
    }
  pow = r->graph->node[i_pow];
  EXPECT (g_str_equal (pow->op_type, "Pow") && pow->n_input == 2 && pow->n_output >= 1 &&
          g_str_equal (pow->input[0], d) && const_is (r, pow->input[1], 2), _("Pow(x − mean, 2)"));
  EXPECT ((var = sole_user (r, pow->output[0], "ReduceMean", &i_var)) != NULL &&
          is_mean_last (r, var), _("the mean of the squares"));
  EXPECT ((add = sole_user (r, var->output[0], "Add", &i_add)) != NULL &&
          other_input (add, var->output[0]) != NULL &&
          _bp_onnx_const (r, other_input (add, var->output[0])) != NULL, _("Add(variance, ε)"));
  if (!_bp_onnx_read_scalar (r, add, other_input (add, var->output[0]), &eps, error))
    return FALSE;
  EXPECT (eps > 0, _("ε > 0"));
  EXPECT ((sqrt_ = sole_user (r, add->output[0], "Sqrt", &i_sqrt)) != NULL, _("Sqrt"));
  EXPECT ((div = sole_user (r, sqrt_->output[0], "Div", &i_div)) != NULL && i_div == i_other &&
          div->n_input == 2 && g_str_equal (div->input[0], d) &&
          g_str_equal (div->input[1], sqrt_->output[0]), _("Div(x − mean, √(variance + ε))"));
  last = div;
  if ((mul = sole_user (r, div->output[0], "Mul", &i_mul)) != NULL &&
      (gname = other_input (mul, div->output[0])) != NULL && _bp_onnx_const (r, gname) != NULL)
    {
      last = mul;
      if ((shift = sole_user (r, mul->output[0], "Add", &i_shift)) != NULL &&
          (bname = other_input (shift, mul->output[0])) != NULL && _bp_onnx_const (r, bname) != NULL)
        last = shift;
      else
        shift = NULL;
    }
  else
    mul = NULL;
#undef EXPECT

  if (!_bp_onnx_take_frontier (r, mean, x, &width, error))
    return FALSE;
  if (mul != NULL)
    {
      BpOnnxTensor t;

      if (!_bp_onnx_read_const (r, mul, gname, &t, error))
        return FALSE;
      if (t.n != width)
        {
          _bp_onnx_tensor_clear (&t);
          return _bp_onnx_fail (r, error, BP_ONNX_ERROR_INVALID, mul,
                                _("“%s” holds %zu values for %zu features"), gname, t.n, width);
        }
      gamma = g_steal_pointer (&t.v);
    }
  if (shift != NULL)
    {
      BpOnnxTensor t;

      if (!_bp_onnx_read_const (r, shift, bname, &t, error))
        {
          g_free (gamma);
          return FALSE;
        }
      if (t.n != width)
        {
          _bp_onnx_tensor_clear (&t);
          g_free (gamma);
          return _bp_onnx_fail (r, error, BP_ONNX_ERROR_INVALID, shift,
                                _("“%s” holds %zu values for %zu features"), bname, t.n, width);
        }
      beta = g_steal_pointer (&t.v);
    }
  if ((L = _bp_onnx_add_layer (r, mean, BP_LAYER_LAYERNORM, width, width, 2 * width,
                               last->output[0], error)) == NULL)
    {
      g_free (gamma);
      g_free (beta);
      return FALSE;
    }
  if (gamma == NULL)
    {
      gamma = g_new (double, width);
      for (gsize j = 0; j < width; j++)
        gamma[j] = 1.0;
    }
  L->W = gamma;
  L->b = beta != NULL ? beta : g_new0 (double, width);
  L->eps = eps;
  L->op = "LayerNormalization";
  r->done[i_sub] = r->done[i_pow] = r->done[i_var] = r->done[i_add] = TRUE;
  r->done[i_sqrt] = r->done[i_div] = TRUE;
  if (mul != NULL)
    r->done[i_mul] = TRUE;
  if (shift != NULL)
    r->done[i_shift] = TRUE;
  return TRUE;

refuse:
  return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, mean,
                          _("a ReduceMean that does not start layer normalisation "
                            "(ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul, Add): "
                            "expected %s"), step);
}

/* x·f(x) closing a composite: the Mul reading `y` and `x`. */
static const Onnx__NodeProto *
times_x (BpOnnxReader *r,
         const char   *y,
         const char   *x,
         gsize        *index)
{
  const Onnx__NodeProto *mul = sole_user (r, y, "Mul", index);
  const char *o;

  if (mul == NULL || (o = other_input (mul, y)) == NULL || !g_str_equal (o, x))
    return NULL;
  return mul;
}

gboolean
_bp_onnx_read_composite (BpOnnxReader  *r,
                         gsize          index,
                         gboolean      *matched,
                         GError       **error)
{
  const Onnx__NodeProto *node = r->graph->node[index], *n1, *n2, *n3, *n4;
  const char *op = node->op_type, *x, *id = NULL;
  gsize i1 = 0, i2 = 0, i3 = 0, i4 = 0, n_done = 0;
  const Onnx__NodeProto *last = NULL;

  *matched = FALSE;
  if (node->n_input < 1 || node->n_output < 1 || node->output[0][0] == '\0')
    return TRUE;
  x = node->input[0];

  if (g_str_equal (op, "Sigmoid") && node->n_input == 1 &&
      (n1 = times_x (r, node->output[0], x, &i1)) != NULL)
    {
      id = "swish";
      last = n1;
      n_done = 1;
    }
  else if (g_str_equal (op, "Softplus") && node->n_input == 1 &&
           (n1 = sole_user (r, node->output[0], "Tanh", &i1)) != NULL &&
           (n2 = times_x (r, n1->output[0], x, &i2)) != NULL)
    {
      id = "mish";
      last = n2;
      n_done = 2;
    }
  else if (g_str_equal (op, "Abs") && node->n_input == 1 &&
           (n1 = sole_user (r, node->output[0], "Add", &i1)) != NULL &&
           const_is (r, other_input (n1, node->output[0]), 1) &&
           (n2 = sole_user (r, n1->output[0], "Div", &i2)) != NULL &&
           n2->n_input == 2 && g_str_equal (n2->input[0], x) &&
           g_str_equal (n2->input[1], n1->output[0]))
    {
      id = "softsign";
      last = n2;
      n_done = 2;
    }
  else if (g_str_equal (op, "Div") && node->n_input == 2 && const_is (r, node->input[1], G_SQRT2) &&
           (n1 = sole_user (r, node->output[0], "Erf", &i1)) != NULL &&
           (n2 = sole_user (r, n1->output[0], "Add", &i2)) != NULL &&
           const_is (r, other_input (n2, n1->output[0]), 1) &&
           (n3 = times_x (r, n2->output[0], x, &i3)) != NULL &&
           (n4 = sole_user (r, n3->output[0], "Mul", &i4)) != NULL &&
           const_is (r, other_input (n4, n3->output[0]), 0.5))
    {
      id = "gelu";
      last = n4;
      n_done = 4;
    }
  if (id == NULL)
    return TRUE;

  if (!_bp_onnx_set_activation (r, node, x, last->output[0], id, FALSE, 0, error))
    return FALSE;
  {
    gsize idx[4] = { i1, i2, i3, i4 };

    for (gsize k = 0; k < n_done; k++)
      r->done[idx[k]] = TRUE;
  }
  *matched = TRUE;
  return TRUE;
}
