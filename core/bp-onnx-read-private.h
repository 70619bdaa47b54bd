/* bp-onnx-read-private.h — what the ONNX reader's files share.
 *
 * bp-onnx-read.c unpacks the ModelProto, checks the graph's one input and
 * output, and turns the layers the walk found into a BpModel;
 * bp-onnx-read-graph.c walks the nodes in their (topological) order and
 * maps them onto layers; bp-onnx-read-pattern.c recognises the
 * multi-node forms exporters write for one operation (layer
 * normalisation, swish, mish, gelu, softsign); bp-onnx-read-tensor.c reads
 * initialisers, Constant nodes and attributes.
 *
 * The walk keeps one "frontier": the value that is the last layer's output
 * so far.  Every node but a skip's Add must extend it, so a branch we
 * cannot express is refused at the node that starts it.
 */
#pragma once

#include "bp-onnx.h"
#include "onnx.pb-c.h"

G_BEGIN_DECLS

/* What a dynamic value (a node's output, or the graph input) is. */
typedef enum
{
  BP_ONNX_VALUE_A,  /* a(j), final: the input (j = 0) or a layer's output */
  BP_ONNX_VALUE_Z,  /* layer j's output before its activation (which may still come) */
} BpOnnxValueKind;

typedef struct
{
  BpOnnxValueKind kind;
  gsize           layer;  /* j: 0 is the input, 1 … the layers */
} BpOnnxValue;

/* A layer as read, before it becomes part of a BpNetwork. */
typedef struct
{
  BpLayerType  type;
  gsize        in;
  gsize        out;
  const char  *act_id;       /* static; NULL: linear */
  double       act_param;    /* the activation's one parameter (alpha) */
  gboolean     has_param;
  const char  *act_node;     /* the node that set the activation (for messages) */
  const char  *act_op;
  double      *W;            /* dense: out × in; norm: γ (out); owned */
  double      *b;            /* out; owned */
  double      *mean;         /* batchnorm: running statistics; owned */
  double      *var;
  double       eps;
  double       momentum;     /* torch's: 1 − ONNX's */
  gssize       skip_from;    /* −1: none */
  gboolean     bias_pending; /* dense from a MatMul: an Add of the bias may follow */
  gboolean     final;        /* no activation may follow (one set, or a skip) */
  const char  *node;         /* the node that made it; owned by the ModelProto */
  const char  *op;
} BpOnnxLayer;

/* A tensor's values as doubles (float32 values are exact in double). */
typedef struct
{
  gsize    n_dims;
  gint64   dims[8];
  gsize    n;
  double  *v;        /* n values, owned */
  gboolean is_f32;   /* stored as float32 */
} BpOnnxTensor;

/* A node input pointed at the value an alias stands for, and what it was. */
typedef struct
{
  char **slot;
  char  *orig;
} BpOnnxRewrite;

typedef struct
{
  const char        *name;       /* what messages call the file */
  Onnx__GraphProto  *graph;
  gint64             opset;      /* of the default domain */
  GHashTable        *consts;     /* name → Onnx__TensorProto * (borrowed) */
  GHashTable        *values;     /* name → BpOnnxValue * (owned) */
  GArray            *rewritten;  /* BpOnnxRewrite: inputs that named an alias */
  GHashTable        *aliases;    /* an Identity's, Dropout's or Flatten's output → its input's
                                  * name in `values` (borrowed) */
  GHashTable        *const_exprs; /* outputs of nodes reading constants only (a set) */
  GHashTable        *users;      /* name → GArray of node indices (gsize) that read it */
  GArray            *no_users;   /* empty: what _bp_onnx_users returns for no reader */
  gboolean          *done;       /* per node: handled already (constants, patterns) */
  GPtrArray         *layers;     /* BpOnnxLayer *, owned */
  const char        *frontier;   /* the last layer's output so far */
  gsize              n_inputs;
  gsize              n_params;
} BpOnnxReader;


/* Sets error (BP_ONNX_ERROR `code`) "NAME: node “N” (Op): MESSAGE", with
 * "; supported: …" (the operators we read) when `supported`, and returns
 * FALSE.  An error already set stays (the first one wins). */
gboolean  _bp_onnx_error          (BpOnnxReader          *r,
                                   GError               **error,
                                   BpOnnxError            code,
                                   const Onnx__NodeProto *node,
                                   gboolean               supported,
                                   const char            *format,
                                   ...) G_GNUC_PRINTF (6, 7);
/* A refusal of something we do not read, with the list; a failure
 * (limits, inconsistent files) without it. */
#define _bp_onnx_refuse(r, error, code, node, ...) \
  _bp_onnx_error ((r), (error), (code), (node), TRUE, __VA_ARGS__)
#define _bp_onnx_fail(r, error, code, node, ...) \
  _bp_onnx_error ((r), (error), (code), (node), FALSE, __VA_ARGS__)

/* bp-onnx-read-tensor.c */
/* The constant (initialiser, Constant node, or Identity of one) called
 * `name`, NULL when there is none. */
Onnx__TensorProto *_bp_onnx_const (BpOnnxReader *r,
                                   const char   *name);
/* Reads constant `name` for `node` into `out` (free with
 * _bp_onnx_tensor_clear): float32 or float64 only, as many values as its
 * dims say, every one finite. */
gboolean  _bp_onnx_read_const     (BpOnnxReader          *r,
                                   const Onnx__NodeProto *node,
                                   const char            *name,
                                   BpOnnxTensor          *out,
                                   GError               **error);
void      _bp_onnx_tensor_clear   (BpOnnxTensor *t);
/* A one-value constant (any shape holding one value) into *out. */
gboolean  _bp_onnx_read_scalar    (BpOnnxReader          *r,
                                   const Onnx__NodeProto *node,
                                   const char            *name,
                                   double                *out,
                                   GError               **error);
/* The attribute `name` of `node`, or NULL. */
const Onnx__AttributeProto *_bp_onnx_attr (const Onnx__NodeProto *node,
                                           const char            *name);
gint64    _bp_onnx_attr_int       (const Onnx__NodeProto *node,
                                   const char            *name,
                                   gint64                 fallback);
/* A float attribute as the double it most likely was before ONNX stored
 * it as a float32 (see the .c); `fallback` when absent. */
double    _bp_onnx_attr_float     (const Onnx__NodeProto *node,
                                   const char            *name,
                                   double                 fallback);
/* The shortest decimal whose float32 rounding is `f`, as a double. */
double    _bp_onnx_float_decimal  (float f);

/* bp-onnx-read-graph.c */
/* Reads constant `name` of exactly `width` values (a norm layer's γ, β,
 * running statistics) into *out (owned by the caller). */
gboolean  _bp_onnx_read_vector    (BpOnnxReader          *r,
                                   const Onnx__NodeProto *node,
                                   const char            *name,
                                   gsize                  width,
                                   double               **out,
                                   GError               **error);
/* Walks the graph's nodes into r->layers; r->frontier must name the input. */
gboolean  _bp_onnx_walk           (BpOnnxReader  *r,
                                   GError       **error);
/* The name `name` stands for in r->values (itself unless an alias). */
const char *_bp_onnx_canonical    (BpOnnxReader *r,
                                   const char   *name);
/* The width of a value (its layer's out, or the input's). */
gsize     _bp_onnx_value_width    (BpOnnxReader      *r,
                                   const BpOnnxValue *v);
/* Checks that `input` of `node` is the frontier and makes it final (a
 * layer still without activation becomes linear); *width its width. */
gboolean  _bp_onnx_take_frontier  (BpOnnxReader          *r,
                                   const Onnx__NodeProto *node,
                                   const char            *input,
                                   gsize                 *width,
                                   GError               **error);
/* Appends a layer (checking BP_MAX_LAYERS, BP_MAX_WIDTH and the parameter
 * limit for `n_params` more) and makes `output` its Z the frontier. */
BpOnnxLayer *_bp_onnx_add_layer   (BpOnnxReader          *r,
                                   const Onnx__NodeProto *node,
                                   BpLayerType            type,
                                   gsize                  in,
                                   gsize                  out,
                                   gsize                  n_params,
                                   const char            *output,
                                   GError               **error);
/* Sets the frontier layer's activation (checking it may take one) and makes
 * `output` its final a(n). */
gboolean  _bp_onnx_set_activation (BpOnnxReader          *r,
                                   const Onnx__NodeProto *node,
                                   const char            *input,
                                   const char            *output,
                                   const char            *act_id,
                                   gboolean               has_param,
                                   double                 param,
                                   GError               **error);
/* The nodes reading `name` (never NULL). */
GArray   *_bp_onnx_users          (BpOnnxReader *r,
                                   const char   *name);

/* bp-onnx-read-pattern.c */
/* Layer normalisation written out as ReduceMean … Add from `node` (a
 * ReduceMean). */
gboolean  _bp_onnx_read_layernorm_pattern (BpOnnxReader          *r,
                                           gsize                  index,
                                           GError               **error);
/* Batch normalisation as our writer spells it out, from node `index` (the
 * Sub of the mean). */
gboolean  _bp_onnx_read_batchnorm_pattern (BpOnnxReader          *r,
                                           gsize                  index,
                                           GError               **error);
/* An activation written as several nodes starting at node `index`
 * (Sigmoid of swish, Softplus of mish, Div of gelu, Abs of softsign):
 * TRUE and *matched = TRUE when it was one (and is now read), TRUE and
 * *matched = FALSE when the node is not such a start. */
gboolean  _bp_onnx_read_composite (BpOnnxReader  *r,
                                   gsize          index,
                                   gboolean      *matched,
                                   GError       **error);

G_END_DECLS
