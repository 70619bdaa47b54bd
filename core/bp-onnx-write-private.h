/* bp-onnx-write-private.h — what the ONNX writer's files share: the
 * BpOnnxWriter that builds the messages (bp-onnx-write.c) and the activations'
 * ONNX forms (bp-onnx-write-act.c).  Every string and block a message
 * points to belongs to the BpOnnxWriter's `mem`; names passed in must live as
 * long (literals, or returned by these functions).
 */
#pragma once

#include "bp-onnx.h"

#include "onnx.pb-c.h"

G_BEGIN_DECLS

#define T_FLOAT   ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT
#define T_DOUBLE  ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE
#define T_BOOL    ONNX__TENSOR_PROTO__DATA_TYPE__BOOL

typedef struct
{
  const BpNetwork *net;
  int32_t          dtype;    /* T_FLOAT or T_DOUBLE: every tensor of the file */
  GPtrArray       *mem;      /* every block the messages point to */
  GPtrArray       *nodes;    /* Onnx__NodeProto * */
  GPtrArray       *inits;    /* Onnx__TensorProto * */
  GPtrArray       *infos;    /* Onnx__ValueInfoProto * of intermediate tensors */
  GHashTable      *consts;   /* the bits of a scalar → its initialiser's name */
  gsize            layer;    /* 1-based, as messages and names show it */
  guint            n_tmp;    /* temporaries of this layer */
} BpOnnxWriter;

/* A new tensor of this layer, "layer3.z" (or "layer3.t2" for `what` "t"),
 * with its value_info: [batch, width] when `batch`, else [width]. */
const char      *_bp_onnx_write_tensor     (BpOnnxWriter    *w,
                                            const char      *what,
                                            int32_t          elem,
                                            gboolean         batch,
                                            gsize            width);
/* The usual temporary: [batch, width] of the file's type. */
const char      *_bp_onnx_write_tmp        (BpOnnxWriter    *w,
                                            gsize            width);
/* A node op(inputs…) → out, named after its output; the inputs are names,
 * NULL-terminated. */
Onnx__NodeProto *_bp_onnx_write_node       (BpOnnxWriter    *w,
                                            const char      *op,
                                            const char      *out,
                                            ...) G_GNUC_NULL_TERMINATED;
void             _bp_onnx_write_attr_int   (BpOnnxWriter    *w,
                                            Onnx__NodeProto *node,
                                            const char      *name,
                                            int64_t          value);
/* ONNX attributes are float32: check _bp_onnx_write_attr_exact first. */
void             _bp_onnx_write_attr_float (BpOnnxWriter    *w,
                                            Onnx__NodeProto *node,
                                            const char      *name,
                                            double           value);
/* Whether a float32 attribute says `v` as precisely as the file's tensors
 * do: always in a float32 file, only for float32 values in a float64 one. */
gboolean         _bp_onnx_write_attr_exact (const BpOnnxWriter *w,
                                            double              v);
/* The scalar constant `v` of the file's type, which ONNX broadcasts
 * against a whole tensor. */
const char      *_bp_onnx_write_const      (BpOnnxWriter    *w,
                                            double           v);

/* Writes y = σ(x) for the layer's activation (x, y of its width). */
typedef void (*BpOnnxEmitFunc) (BpOnnxWriter  *w,
                                const BpLayer *L,
                                const char    *x,
                                const char    *y);

typedef struct
{
  const char      *id;
  const char      *op;    /* an operator of x alone, without attributes, or NULL */
  BpOnnxEmitFunc   emit;  /* when op is NULL */
  double         (*ref) (double z, const double *params);  /* the formula in C; NULL: softmax */
} BpOnnxActivation;

/* The ONNX form of layer L's activation (not linear, which has none), or
 * NULL with BP_ONNX_ERROR_EXPORT naming the layer (1-based) and the id. */
const BpOnnxActivation *_bp_onnx_write_find_activation (const BpLayer  *L,
                                                        gsize           layer,
                                                        GError        **error);
/* Writes y = σ(x) of layer L with `act` (from _bp_onnx_write_find_activation). */
void _bp_onnx_write_activation (BpOnnxWriter           *w,
                                const BpOnnxActivation *act,
                                const BpLayer          *L,
                                const char             *x,
                                const char             *y);

G_END_DECLS
