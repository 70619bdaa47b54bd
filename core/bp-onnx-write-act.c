/* bp-onnx-write-act.c — each activation the app ships as ONNX operators
 * (bp-onnx-write.c writes the rest of the graph).
 *
 * Each form computes exactly the formula of the built-in or plugin of that
 * id (plugins/bp-*.c); where ONNX has the operator and its float32
 * attributes can hold the parameters at the file's precision, the
 * operator, otherwise a composition with constant tensors.
 */
#include "config.h"
#include "bp-onnx-write-private.h"
#include "bp-registry.h"

#include <glib/gi18n-lib.h>
#include <math.h>

/* ------------------------------------------------------------- activations
 * Each writes y = σ(x) for x, y of the layer's width, as the plugin (or
 * built-in) of that id computes it.  `ref` is that formula in C: before
 * writing, the registered activation is evaluated against it, so that a
 * third-party plugin reusing a shipped id with other math is refused
 * instead of exported as something it does not compute.
 */
static void
emit_softmax (BpOnnxWriter  *w,
              const BpLayer *L,
              const char    *x,
              const char    *y)
{
  _bp_onnx_write_attr_int (w, _bp_onnx_write_node (w, "Softmax", y, x, NULL), "axis", -1);
}

/* z if z > 0, else αz.  PRelu (slope·x for x < 0, x otherwise: the same
 * values, 0 included) takes α as a tensor when a float32 attribute cannot
 * hold it (0.01 is not a float32). */
static void
emit_leaky_relu (BpOnnxWriter  *w,
                 const BpLayer *L,
                 const char    *x,
                 const char    *y)
{
  double alpha = L->act_params[0];

  if (_bp_onnx_write_attr_exact (w, alpha))
    _bp_onnx_write_attr_float (w, _bp_onnx_write_node (w, "LeakyRelu", y, x, NULL),
                               "alpha", alpha);
  else
    _bp_onnx_write_node (w, "PRelu", y, x, _bp_onnx_write_const (w, alpha), NULL);
}

/* Where(x > 0, pos, c·(e^x − 1)): the negative branch of elu and selu,
 * c = α (elu) or λα (selu).  e^x − 1 where we compute expm1: the same to
 * 1e−16 absolute, ONNX having no expm1. */
static void
emit_exp_branch (BpOnnxWriter *w,
                 gsize         n,
                 const char   *x,
                 const char   *pos,
                 double        c,
                 const char   *y)
{
  const char *gt = _bp_onnx_write_tensor (w, "t", T_BOOL, TRUE, n);
  const char *e = _bp_onnx_write_tmp (w, n), *em1 = _bp_onnx_write_tmp (w, n);
  const char *neg = _bp_onnx_write_tmp (w, n);

  _bp_onnx_write_node (w, "Greater", gt, x, _bp_onnx_write_const (w, 0.0), NULL);
  _bp_onnx_write_node (w, "Exp", e, x, NULL);
  _bp_onnx_write_node (w, "Sub", em1, e, _bp_onnx_write_const (w, 1.0), NULL);
  _bp_onnx_write_node (w, "Mul", neg, _bp_onnx_write_const (w, c), em1, NULL);
  _bp_onnx_write_node (w, "Where", y, gt, pos, neg, NULL);
}

/* bp-elu.c: z if z > 0, else α(e^z − 1). */
static void
emit_elu (BpOnnxWriter  *w,
          const BpLayer *L,
          const char    *x,
          const char    *y)
{
  double alpha = L->act_params[0];

  if (_bp_onnx_write_attr_exact (w, alpha))
    _bp_onnx_write_attr_float (w, _bp_onnx_write_node (w, "Elu", y, x, NULL), "alpha", alpha);
  else
    emit_exp_branch (w, L->out, x, x, alpha, y);
}

/* bp-selu.c's constants, to the digits it has them. */
#define SELU_ALPHA 1.6732632423543772848170429916717
#define SELU_SCALE 1.0507009873554804934193349852946

/* bp-selu.c: λz if z > 0, else λα(e^z − 1).  Neither constant is a
 * float32, so a float64 file spells it out. */
static void
emit_selu (BpOnnxWriter  *w,
           const BpLayer *L,
           const char    *x,
           const char    *y)
{
  if (w->dtype == T_FLOAT)
    {
      Onnx__NodeProto *node = _bp_onnx_write_node (w, "Selu", y, x, NULL);

      _bp_onnx_write_attr_float (w, node, "alpha", SELU_ALPHA);
      _bp_onnx_write_attr_float (w, node, "gamma", SELU_SCALE);
    }
  else
    {
      const char *pos = _bp_onnx_write_tmp (w, L->out);

      _bp_onnx_write_node (w, "Mul", pos, x, _bp_onnx_write_const (w, SELU_SCALE), NULL);
      /* The plugin's SELU_SCALE * SELU_ALPHA * expm1 (z) multiplies the
       * two constants first. */
      emit_exp_branch (w, L->out, x, pos, SELU_SCALE * SELU_ALPHA, y);
    }
}

/* bp-gelu.c, the exact form: x·½(1 + erf(x/√2)), in the order
 * torch.onnx.export writes it (Div, Erf, Add, Mul x, Mul ½), which readers
 * know as gelu. */
static void
emit_gelu (BpOnnxWriter  *w,
           const BpLayer *L,
           const char    *x,
           const char    *y)
{
  gsize n = L->out;
  const char *s = _bp_onnx_write_tmp (w, n), *e = _bp_onnx_write_tmp (w, n);
  const char *p = _bp_onnx_write_tmp (w, n), *xp = _bp_onnx_write_tmp (w, n);

  _bp_onnx_write_node (w, "Div", s, x, _bp_onnx_write_const (w, G_SQRT2), NULL);
  _bp_onnx_write_node (w, "Erf", e, s, NULL);
  _bp_onnx_write_node (w, "Add", p, e, _bp_onnx_write_const (w, 1.0), NULL);
  _bp_onnx_write_node (w, "Mul", xp, x, p, NULL);
  _bp_onnx_write_node (w, "Mul", y, xp, _bp_onnx_write_const (w, 0.5), NULL);
}

/* bp-swish.c: x·s(x), s the logistic function. */
static void
emit_swish (BpOnnxWriter  *w,
            const BpLayer *L,
            const char    *x,
            const char    *y)
{
  const char *s = _bp_onnx_write_tmp (w, L->out);

  _bp_onnx_write_node (w, "Sigmoid", s, x, NULL);
  _bp_onnx_write_node (w, "Mul", y, x, s, NULL);
}

/* bp-mish.c: x·tanh(softplus(x)). */
static void
emit_mish (BpOnnxWriter  *w,
           const BpLayer *L,
           const char    *x,
           const char    *y)
{
  const char *sp = _bp_onnx_write_tmp (w, L->out), *t = _bp_onnx_write_tmp (w, L->out);

  _bp_onnx_write_node (w, "Softplus", sp, x, NULL);
  _bp_onnx_write_node (w, "Tanh", t, sp, NULL);
  _bp_onnx_write_node (w, "Mul", y, x, t, NULL);
}

/* bp-hard_sigmoid.c: min(max(x + 3, 0), 6)/6.  HardSigmoid(α = 1/6,
 * β = ½), max(0, min(1, αx + β)), is the same function, but its float32 α
 * is not 1/6 and αx + β rounds otherwise: it is kept for float32 files,
 * and a float64 file has the plugin's operations in its order. */
static void
emit_hard_sigmoid (BpOnnxWriter  *w,
                   const BpLayer *L,
                   const char    *x,
                   const char    *y)
{
  const char *s, *c;
  Onnx__NodeProto *node;

  if (w->dtype == T_FLOAT)
    {
      node = _bp_onnx_write_node (w, "HardSigmoid", y, x, NULL);
      _bp_onnx_write_attr_float (w, node, "alpha", 1.0 / 6.0);
      _bp_onnx_write_attr_float (w, node, "beta", 0.5);
      return;
    }
  s = _bp_onnx_write_tmp (w, L->out);
  c = _bp_onnx_write_tmp (w, L->out);
  _bp_onnx_write_node (w, "Add", s, x, _bp_onnx_write_const (w, 3.0), NULL);
  _bp_onnx_write_node (w, "Clip", c, s, _bp_onnx_write_const (w, 0.0),
                       _bp_onnx_write_const (w, 6.0), NULL);
  _bp_onnx_write_node (w, "Div", y, c, _bp_onnx_write_const (w, 6.0), NULL);
}

/* bp-hard_tanh.c: min(max(x, −1), 1). */
static void
emit_hard_tanh (BpOnnxWriter  *w,
                const BpLayer *L,
                const char    *x,
                const char    *y)
{
  _bp_onnx_write_node (w, "Clip", y, x, _bp_onnx_write_const (w, -1.0),
                       _bp_onnx_write_const (w, 1.0), NULL);
}

/* bp-gaussian.c: e^{−x²}. */
static void
emit_gaussian (BpOnnxWriter  *w,
               const BpLayer *L,
               const char    *x,
               const char    *y)
{
  const char *sq = _bp_onnx_write_tmp (w, L->out), *neg = _bp_onnx_write_tmp (w, L->out);

  _bp_onnx_write_node (w, "Mul", sq, x, x, NULL);
  _bp_onnx_write_node (w, "Neg", neg, sq, NULL);
  _bp_onnx_write_node (w, "Exp", y, neg, NULL);
}

/* The formulas the nodes compute, to check the registered math against. */
static double
ref_sigmoid (double z, const double *p)
{
  return 1.0 / (1.0 + exp (-z));
}

static double
ref_tanh (double z, const double *p)
{
  return tanh (z);
}

static double
ref_relu (double z, const double *p)
{
  return z > 0 ? z : 0.0;
}

static double
ref_leaky_relu (double z, const double *p)
{
  return z > 0 ? z : p[0] * z;
}

static double
ref_softplus (double z, const double *p)
{
  return log1p (exp (z));
}

static double
ref_softsign (double z, const double *p)
{
  return z / (1.0 + fabs (z));
}

static double
ref_sine (double z, const double *p)
{
  return sin (z);
}

static double
ref_elu (double z, const double *p)
{
  return z > 0 ? z : p[0] * (exp (z) - 1.0);
}

static double
ref_selu (double z, const double *p)
{
  return z > 0 ? SELU_SCALE * z : SELU_SCALE * SELU_ALPHA * (exp (z) - 1.0);
}

static double
ref_gelu (double z, const double *p)
{
  return z * 0.5 * (1.0 + erf (z / G_SQRT2));
}

static double
ref_swish (double z, const double *p)
{
  return z * ref_sigmoid (z, p);
}

static double
ref_mish (double z, const double *p)
{
  return z * tanh (log1p (exp (z)));
}

static double
ref_hard_sigmoid (double z, const double *p)
{
  return fmin (fmax (z + 3.0, 0.0), 6.0) / 6.0;
}

static double
ref_hard_tanh (double z, const double *p)
{
  return fmin (fmax (z, -1.0), 1.0);
}

static double
ref_gaussian (double z, const double *p)
{
  return exp (-z * z);
}

/* `op`: an operator of x alone, without attributes; else `emit`. */
static const BpOnnxActivation activations[] = {
  { "sigmoid",      "Sigmoid",  NULL,              ref_sigmoid },
  { "tanh",         "Tanh",     NULL,              ref_tanh },
  { "relu",         "Relu",     NULL,              ref_relu },
  { "leaky_relu",   NULL,       emit_leaky_relu,   ref_leaky_relu },
  { "softplus",     "Softplus", NULL,              ref_softplus },
  { "softmax",      NULL,       emit_softmax,      NULL },
  { "elu",          NULL,       emit_elu,          ref_elu },
  { "selu",         NULL,       emit_selu,         ref_selu },
  { "gelu",         NULL,       emit_gelu,         ref_gelu },
  { "swish",        NULL,       emit_swish,        ref_swish },
  { "mish",         NULL,       emit_mish,         ref_mish },
  { "softsign",     "Softsign", NULL,              ref_softsign },
  { "hard_sigmoid", NULL,       emit_hard_sigmoid, ref_hard_sigmoid },
  { "hard_tanh",    NULL,       emit_hard_tanh,    ref_hard_tanh },
  { "sine",         "Sin",      NULL,              ref_sine },
  { "gaussian",     NULL,       emit_gaussian,     ref_gaussian },
};

/* Does the registered activation compute the formula we would write?  At
 * points on both sides of every kink and through the curved parts, to
 * 1e−12 (the shipped plugins agree to a few ulp; another formula under the
 * same id does not). */
static gboolean
computes_formula (const BpLayer          *L,
                  const BpOnnxActivation *a)
{
  static const double points[] = {
    -7.5, -4.0, -3.0, -2.5, -1.25, -1.0, -0.75, -0.3, -1e-3, 0.0,
    1e-3, 0.3, 0.75, 1.0, 1.25, 2.5, 3.0, 4.0, 7.5, 15.0,
  };

  if (a->ref == NULL)
    return L->act->vec_forward != NULL;
  if (L->act->f == NULL)
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (points); i++)
    {
      double ours = L->act->f (points[i], L->act_params);
      double want = a->ref (points[i], L->act_params);

      if (!(fabs (ours - want) <= 1e-12 * MAX (1.0, fabs (want))))
        return FALSE;
    }
  return TRUE;
}

const BpOnnxActivation *
_bp_onnx_write_find_activation (const BpLayer  *L,
                                gsize           layer,
                                GError        **error)
{
  for (gsize i = 0; i < G_N_ELEMENTS (activations); i++)
    if (g_str_equal (activations[i].id, L->act_id))
      {
        if (computes_formula (L, &activations[i]))
          return &activations[i];
        g_set_error (error, BP_ONNX_ERROR, BP_ONNX_ERROR_EXPORT,
                     _("layer %zu: the activation “%s” registered here does "
                       "not compute the formula of the shipped “%s” (another plugin took "
                       "its id), so it has no ONNX form"),
                     layer, L->act_id, L->act_id);
        return NULL;
      }
  g_set_error (error, BP_ONNX_ERROR, BP_ONNX_ERROR_EXPORT,
               _("layer %zu: the activation “%s” has no ONNX form "
                 "(ONNX export knows the built-in activations and the shipped plugins’)"),
               layer, L->act_id);
  return NULL;
}

void
_bp_onnx_write_activation (BpOnnxWriter           *w,
                           const BpOnnxActivation *act,
                           const BpLayer          *L,
                           const char             *x,
                           const char             *y)
{
  if (act->op != NULL)
    _bp_onnx_write_node (w, act->op, y, x, NULL);
  else
    act->emit (w, L, x, y);
}
