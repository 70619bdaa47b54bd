/* bp-onnx-read-tensor.c — the ONNX reader's constants and attributes:
 * initialisers and Constant nodes as doubles, and the float attributes
 * ONNX stores in float32.
 */
#include "config.h"
#include "bp-onnx-read-private.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

Onnx__TensorProto *
_bp_onnx_const (BpOnnxReader *r,
                const char   *name)
{
  if (name == NULL || name[0] == '\0')
    return NULL;
  return g_hash_table_lookup (r->consts, name);
}

void
_bp_onnx_tensor_clear (BpOnnxTensor *t)
{
  g_clear_pointer (&t->v, g_free);
  t->n = 0;
}

static const char *
dtype_name (gint32 type)
{
  static const char *const names[] = {
    "undefined", "float32", "uint8", "int8", "uint16", "int16", "int32", "int64",
    "string", "bool", "float16", "float64", "uint32", "uint64", "complex64",
    "complex128", "bfloat16",
  };

  if (type >= 0 && type < (gint32) G_N_ELEMENTS (names))
    return names[type];
  return "unknown";
}

/* Little-endian whatever the host: ONNX's raw_data is little-endian. */
static double
read_raw (const guint8 *p,
          gboolean      f32)
{
  if (f32)
    {
      guint32 u = (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
      float f;

      memcpy (&f, &u, sizeof f);
      return f;
    }
  else
    {
      guint64 u = 0;
      double d;

      for (int i = 7; i >= 0; i--)
        u = u << 8 | p[i];
      memcpy (&d, &u, sizeof d);
      return d;
    }
}

gboolean
_bp_onnx_read_const (BpOnnxReader          *r,
                     const Onnx__NodeProto *node,
                     const char            *name,
                     BpOnnxTensor          *out,
                     GError               **error)
{
  Onnx__TensorProto *t = _bp_onnx_const (r, name);
  gboolean f32;
  gsize n = 1, size;

  memset (out, 0, sizeof *out);
  if (t == NULL)
    return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node,
                            _("input “%s” is not a constant (an initialiser or a Constant node)"),
                            name != NULL ? name : "");
  if (t->data_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT &&
      t->data_type != ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE)
    return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node,
                            _("tensor “%s” holds %s values"), name, dtype_name (t->data_type));
  if (t->has_data_location && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
    return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node,
                            _("tensor “%s” is stored in an external file"), name);
  if (t->segment != NULL)
    return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node,
                            _("tensor “%s” is split into segments"), name);
  if (t->n_dims > G_N_ELEMENTS (out->dims))
    return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node,
                            _("tensor “%s” has %zu dimensions"), name, t->n_dims);
  /* Each dimension at most BP_MODEL_MAX_PARAMS keeps the product in range;
   * the count must then match the data actually stored, so a forged shape
   * never makes us allocate more than the file holds. */
  for (gsize i = 0; i < t->n_dims; i++)
    {
      if (t->dims[i] < 0 || (guint64) t->dims[i] > BP_MODEL_MAX_PARAMS)
        return _bp_onnx_fail (r, error, BP_ONNX_ERROR_LIMIT, node,
                              _("tensor “%s” has a dimension of %lld (at most %zu parameters in a model)"),
                              name, (long long) t->dims[i], (gsize) BP_MODEL_MAX_PARAMS);
      out->dims[i] = t->dims[i];
      n *= (gsize) t->dims[i];
      if (n > BP_MODEL_MAX_PARAMS)
        return _bp_onnx_fail (r, error, BP_ONNX_ERROR_LIMIT, node,
                              _("tensor “%s” holds more than %zu values, the parameter limit of a model"),
                              name, (gsize) BP_MODEL_MAX_PARAMS);
    }
  out->n_dims = t->n_dims;
  f32 = t->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
  size = f32 ? 4 : 8;
  out->is_f32 = f32;

  if (t->has_raw_data && t->raw_data.len > 0)
    {
      if (t->raw_data.len != n * size)
        return _bp_onnx_fail (r, error, BP_ONNX_ERROR_INVALID, node,
                              _("tensor “%s”: %zu bytes of data for %zu %s values"),
                              name, t->raw_data.len, n, dtype_name (t->data_type));
      out->v = g_new (double, MAX (n, 1));
      for (gsize i = 0; i < n; i++)
        out->v[i] = read_raw (t->raw_data.data + i * size, f32);
    }
  else
    {
      gsize have = f32 ? t->n_float_data : t->n_double_data;

      if (have != n)
        return _bp_onnx_fail (r, error, BP_ONNX_ERROR_INVALID, node,
                              _("tensor “%s”: %zu values for a shape of %zu"), name, have, n);
      out->v = g_new (double, MAX (n, 1));
      for (gsize i = 0; i < n; i++)
        out->v[i] = f32 ? (double) t->float_data[i] : t->double_data[i];
    }
  out->n = n;
  for (gsize i = 0; i < n; i++)
    if (!isfinite (out->v[i]))
      {
        _bp_onnx_tensor_clear (out);
        return _bp_onnx_fail (r, error, BP_ONNX_ERROR_INVALID, node,
                              _("tensor “%s”: value %zu is not finite (every number of a model must be)"),
                              name, i);
      }
  return TRUE;
}

gboolean
_bp_onnx_read_scalar (BpOnnxReader          *r,
                      const Onnx__NodeProto *node,
                      const char            *name,
                      double                *out,
                      GError               **error)
{
  BpOnnxTensor t;

  if (!_bp_onnx_read_const (r, node, name, &t, error))
    return FALSE;
  if (t.n != 1)
    {
      _bp_onnx_tensor_clear (&t);
      return _bp_onnx_refuse (r, error, BP_ONNX_ERROR_UNSUPPORTED, node,
                              _("tensor “%s” holds %zu values where one was expected"), name, t.n);
    }
  *out = t.is_f32 ? _bp_onnx_float_decimal ((float) t.v[0]) : t.v[0];
  _bp_onnx_tensor_clear (&t);
  return TRUE;
}

const Onnx__AttributeProto *
_bp_onnx_attr (const Onnx__NodeProto *node,
               const char            *name)
{
  for (gsize i = 0; i < node->n_attribute; i++)
    if (node->attribute[i]->name != NULL && g_str_equal (node->attribute[i]->name, name))
      return node->attribute[i];
  return NULL;
}

gint64
_bp_onnx_attr_int (const Onnx__NodeProto *node,
                   const char            *name,
                   gint64                 fallback)
{
  const Onnx__AttributeProto *a = _bp_onnx_attr (node, name);

  return a != NULL ? a->i : fallback;
}

/* torch's hyper-parameters (ε, a LeakyReLU slope) are Python floats,
 * doubles; ONNX keeps float attributes in float32, so 1e-5 arrives as
 * 9.99999974737875e-06.  The decimal with the fewest digits that rounds to
 * the same float32 is what the user wrote (9 digits always suffice), and it
 * is the value torch computed with: we take it. */
double
_bp_onnx_float_decimal (float f)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE], format[8];

  if (!isfinite (f))
    return f;
  for (int digits = 1; digits <= 9; digits++)
    {
      double d;

      /* g_ascii_*: a German locale must not turn the point into a comma. */
      g_snprintf (format, sizeof format, "%%.%de", digits - 1);
      d = g_ascii_strtod (g_ascii_formatd (buf, sizeof buf, format, f), NULL);
      if ((float) d == f)
        return d;
    }
  return f;
}

double
_bp_onnx_attr_float (const Onnx__NodeProto *node,
                     const char            *name,
                     double                 fallback)
{
  const Onnx__AttributeProto *a = _bp_onnx_attr (node, name);

  return a != NULL ? _bp_onnx_float_decimal (a->f) : fallback;
}
