/* bp-onnx-read-pattern.c — operations exporters write as several nodes:
 * layer normalisation as torch writes it below opset 17
 *
 *   μ = ReduceMean(x), d = x − μ, v = ReduceMean(d^2), x̂ = d / √(v + ε),
 *   y = x̂ · γ + β,
 *
 * batch normalisation as our writer spells it when ε is not a float32
 * (bp-onnx-write.c),
 *
 *   inv = Reciprocal(Sqrt(var + ε)) (constants only), y = (x − mean)·inv·γ + β,
 *
 * and the activations without an ONNX operator of their own, in the forms
 * torch (opset 14) and our writer use: swish x·Sigmoid(x), mish
 * x·Tanh(Softplus(x)), softsign x / (|x| + 1), gelu x·(Erf(x/√2) + 1)·½,
 * hard sigmoid Clip(x + 3, 0, 6)/6 (the writer's float64 form), gaussian
 * Exp(Neg(x·x)), elu and selu as Where(x > 0, …) (the writer's float64
 * forms when α is no float32).
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
  const char *x = _bp_onnx_canonical (r, mean->n_input > 0 ? mean->input[0] : NULL);
  const char *d, *gname = NULL, *bname = NULL;
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
          sub->n_input == 2 && g_str_equal (_bp_onnx_canonical (r, sub->input[0]), x) &&
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
  if (mul != NULL && !_bp_onnx_read_vector (r, mul, gname, width, &gamma, error))
    return FALSE;
  if (shift != NULL && !_bp_onnx_read_vector (r, shift, bname, width, &beta, error))
    {
      g_free (gamma);
      return FALSE;
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

/* The node writing `name`, if one not read yet does. */
static const Onnx__NodeProto *
producer (BpOnnxReader *r,
          const char   *name,
          const char   *op,
          gsize        *index)
{
  for (gsize i = 0; name != NULL && i < r->graph->n_node; i++)
    {
      const Onnx__NodeProto *node = r->graph->node[i];

      if (node->n_output >= 1 && g_str_equal (node->output[0], name))
        {
          if (r->done[i] || !g_str_equal (node->op_type, op))
            return NULL;
          *index = i;
          return node;
        }
    }
  return NULL;
}

/* The exponential branch of our writer's float64 elu and selu:
 * Where(Greater(x, 0), pos, c·(Exp(x) − 1)), each intermediate read once.
 * TRUE with c and the five nodes (Greater, Exp, Sub, Mul, Where). */
static gboolean
exp_branch (BpOnnxReader          *r,
            const Onnx__NodeProto *where,
            gsize                  i_where,
            const char            *x,
            double                *c,
            gsize                 *idx)
{
  const Onnx__NodeProto *gt, *exp_, *sub, *mul;
  const char *cname;
  g_autoptr(GError) local = NULL;

  if (where->n_input != 3 ||
      (gt = producer (r, where->input[0], "Greater", &idx[0])) == NULL || gt->n_input != 2 ||
      !g_str_equal (_bp_onnx_canonical (r, gt->input[0]), x) || !const_is (r, gt->input[1], 0) ||
      (mul = producer (r, where->input[2], "Mul", &idx[3])) == NULL || mul->n_input != 2 ||
      (sub = producer (r, mul->input[1], "Sub", &idx[2])) == NULL || sub->n_input != 2 ||
      !const_is (r, sub->input[1], 1) ||
      (exp_ = producer (r, sub->input[0], "Exp", &idx[1])) == NULL || exp_->n_input != 1 ||
      !g_str_equal (_bp_onnx_canonical (r, exp_->input[0]), x) ||
      _bp_onnx_users (r, gt->output[0])->len != 1 || _bp_onnx_users (r, exp_->output[0])->len != 1 ||
      _bp_onnx_users (r, sub->output[0])->len != 1 || _bp_onnx_users (r, mul->output[0])->len != 1)
    return FALSE;
  cname = mul->input[0];
  if (_bp_onnx_const (r, cname) == NULL || !_bp_onnx_read_scalar (r, mul, cname, c, &local))
    return FALSE;
  idx[4] = i_where;
  return TRUE;
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

  if (mul == NULL || (o = other_input (mul, y)) == NULL ||
      !g_str_equal (_bp_onnx_canonical (r, o), x))
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
  gsize branch[5], n_branch = 0;
  gboolean has_param = FALSE;
  double param = 0;

  *matched = FALSE;
  if (node->n_input < 1 || node->n_output < 1 || node->output[0][0] == '\0')
    return TRUE;
  x = _bp_onnx_canonical (r, node->input[0]);

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
           n2->n_input == 2 && g_str_equal (_bp_onnx_canonical (r, n2->input[0]), x) &&
           g_str_equal (n2->input[1], n1->output[0]))
    {
      id = "softsign";
      last = n2;
      n_done = 2;
    }
  else if (g_str_equal (op, "Add") && node->n_input == 2 &&
           const_is (r, other_input (node, node->input[0]), 3) &&
           (n1 = sole_user (r, node->output[0], "Clip", &i1)) != NULL && n1->n_input == 3 &&
           g_str_equal (n1->input[0], node->output[0]) &&
           const_is (r, n1->input[1], 0) && const_is (r, n1->input[2], 6) &&
           (n2 = sole_user (r, n1->output[0], "Div", &i2)) != NULL && n2->n_input == 2 &&
           g_str_equal (n2->input[0], n1->output[0]) && const_is (r, n2->input[1], 6))
    {
      id = "hard_sigmoid";
      last = n2;
      n_done = 2;
    }
  else if (g_str_equal (op, "Greater") && node->n_input == 2 && const_is (r, node->input[1], 0) &&
           (n1 = sole_user (r, node->output[0], "Where", &i1)) != NULL && n1->n_input == 3 &&
           g_str_equal (_bp_onnx_canonical (r, n1->input[1]), x) &&
           exp_branch (r, n1, i1, x, &param, branch))
    {
      /* elu with an α that is no float32: z if z > 0, else α(e^z − 1). */
      id = "elu";
      has_param = TRUE;
      last = n1;
      n_branch = 5;
    }
  else if (g_str_equal (op, "Mul") && node->n_input == 2 &&
           const_is (r, node->input[1], 1.0507009873554804934193349852946) &&
           (n1 = sole_user (r, node->output[0], "Where", &i1)) != NULL && n1->n_input == 3 &&
           g_str_equal (n1->input[1], node->output[0]) &&
           exp_branch (r, n1, i1, x, &param, branch) &&
           param == 1.0507009873554804934193349852946 * 1.6732632423543772848170429916717)
    {
      /* selu in float64: λz if z > 0, else λα(e^z − 1) (plugins/bp-selu.c). */
      id = "selu";
      last = n1;
      n_branch = 5;
    }
  else if (g_str_equal (op, "Mul") && node->n_input == 2 &&
           g_str_equal (node->input[0], node->input[1]) &&
           (n1 = sole_user (r, node->output[0], "Neg", &i1)) != NULL &&
           (n2 = sole_user (r, n1->output[0], "Exp", &i2)) != NULL)
    {
      /* plugins/bp-gaussian.c: e^{−z²}, as our writer spells it. */
      id = "gaussian";
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

  if (!_bp_onnx_set_activation (r, node, x, last->output[0], id, has_param, param, error))
    return FALSE;
  for (gsize k = 0; k < n_branch; k++)
    r->done[branch[k]] = TRUE;
  {
    gsize idx[4] = { i1, i2, i3, i4 };

    for (gsize k = 0; k < n_done; k++)
      r->done[idx[k]] = TRUE;
  }
  *matched = TRUE;
  return TRUE;
}

gboolean
_bp_onnx_read_batchnorm_pattern (BpOnnxReader  *r,
                                 gsize          index,
                                 GError       **error)
{
  const Onnx__NodeProto *sub = r->graph->node[index], *mul, *scale, *shift, *recip, *sq, *add;
  gsize i_mul, i_scale, i_shift, i_recip, i_sq, i_add;
  const char *inv, *gname, *bname, *vname, *ename;
  double *vec[4] = { NULL, NULL, NULL, NULL };
  const char *names[4];
  BpOnnxLayer *L;
  BpOnnxTensor e;
  double eps;
  gsize width;

  if (sub->n_input != 2 || _bp_onnx_const (r, sub->input[1]) == NULL ||
      (mul = sole_user (r, sub->output[0], "Mul", &i_mul)) == NULL ||
      (inv = other_input (mul, sub->output[0])) == NULL ||
      (recip = producer (r, inv, "Reciprocal", &i_recip)) == NULL || recip->n_input != 1 ||
      (sq = producer (r, recip->input[0], "Sqrt", &i_sq)) == NULL || sq->n_input != 1 ||
      (add = producer (r, sq->input[0], "Add", &i_add)) == NULL || add->n_input != 2 ||
      _bp_onnx_const (r, add->input[0]) == NULL || _bp_onnx_const (r, add->input[1]) == NULL ||
      (scale = sole_user (r, mul->output[0], "Mul", &i_scale)) == NULL ||
      (gname = other_input (scale, mul->output[0])) == NULL || _bp_onnx_const (r, gname) == NULL ||
      (shift = sole_user (r, scale->output[0], "Add", &i_shift)) == NULL ||
      (bname = other_input (shift, scale->output[0])) == NULL || _bp_onnx_const (r, bname) == NULL)
    return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, sub,
                            _("a Sub that does not start batch normalisation "
                              "((x − mean)·Reciprocal(Sqrt(var + ε))·γ + β)"));
  if (!_bp_onnx_take_frontier (r, sub, sub->input[0], &width, error))
    return FALSE;
  /* var + ε: ε is the one value (the second, when both are). */
  if (!_bp_onnx_read_const (r, add, add->input[1], &e, error))
    return FALSE;
  vname = add->input[0];
  ename = add->input[1];
  if (e.n != 1)
    {
      vname = add->input[1];
      ename = add->input[0];
    }
  _bp_onnx_tensor_clear (&e);
  if (!_bp_onnx_read_scalar (r, add, ename, &eps, error))
    return FALSE;
  if (!(eps > 0))
    return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, add,
                            _("epsilon = %g (it must be > 0)"), eps);
  names[0] = gname;
  names[1] = bname;
  names[2] = sub->input[1];
  names[3] = vname;
  for (int k = 0; k < 4; k++)
    if (!_bp_onnx_read_vector (r, sub, names[k], width, &vec[k], error))
      goto fail;
  for (gsize j = 0; j < width; j++)
    if (vec[3][j] < 0)
      {
        _bp_onnx_fail (r, error, BP_ONNX_ERROR_INVALID, sub,
                       _("running variance “%s” has a negative value"), vname);
        goto fail;
      }
  if ((L = _bp_onnx_add_layer (r, sub, BP_LAYER_BATCHNORM, width, width, 2 * width,
                               shift->output[0], error)) == NULL)
    goto fail;
  L->W = vec[0];
  L->b = vec[1];
  L->mean = vec[2];
  L->var = vec[3];
  L->eps = eps;
  L->op = "BatchNormalization";
  r->done[i_mul] = r->done[i_scale] = r->done[i_shift] = TRUE;
  r->done[i_recip] = r->done[i_sq] = r->done[i_add] = TRUE;
  return TRUE;

fail:
  for (int k = 0; k < 4; k++)
    g_free (vec[k]);
  return FALSE;
}
