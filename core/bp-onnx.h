/* bp-onnx.h — networks trained elsewhere: ONNX import, and export of ours.
 *
 * Import reads the graphs torch.onnx.export produces for multilayer
 * perceptrons in eval mode (its default opset and later): Gemm (any transA
 * = 0, transB, alpha = beta = 1), MatMul followed by Add of a bias, Relu,
 * LeakyRelu, Sigmoid, Tanh, Softplus, Elu, Softmax on the last axis, Add of
 * two branches (a skip connection, a(n) = σ(z(n)) + a(j)),
 * BatchNormalization (its running statistics), layer normalisation (a
 * LayerNormalization node, or the ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/
 * Div/Mul/Add pattern older exporters emit), Dropout and Identity (dropped),
 * Flatten of a 2-D input; float32 and float64 initialisers (float32 values
 * are exact in double).  Anything else is refused with the node's name, its
 * op type and what is supported: never a partial or silently changed
 * network.  Limits are the model file's: BP_MAX_LAYERS layers, BP_MAX_WIDTH
 * units in a layer, BP_MODEL_MAX_PARAMS parameters.
 *
 * Export writes any network the app builds as an ONNX model (opset 17,
 * one input "input" of shape [batch, in], one output "output"): Gemm with
 * transB = 1 for a dense layer, the activation as its ONNX operator (or a
 * composition of operators where ONNX has none), Add for a skip,
 * BatchNormalization with the running statistics, LayerNormalization, and
 * nothing for dropout (eval mode).  Initialisers are float32 when every
 * parameter of the network is exactly a float32 (an imported float32
 * model gives back the same bytes), float64 otherwise.
 *
 * The protobuf messages are protoc-c's, generated from Debian's onnx.proto
 * (core/meson.build).  Implemented in bp-onnx-read*.c and bp-onnx-write.c.
 */
#pragma once

#include "bp-model.h"

G_BEGIN_DECLS

#define BP_ONNX_ERROR (bp_onnx_error_quark ())
GQuark bp_onnx_error_quark (void);

typedef enum
{
  BP_ONNX_ERROR_IO,           /* cannot read or write the file */
  BP_ONNX_ERROR_PARSE,        /* not a protobuf ModelProto */
  BP_ONNX_ERROR_UNSUPPORTED,  /* a node, type or shape we do not read: names it */
  BP_ONNX_ERROR_INVALID,      /* inconsistent: a missing initialiser, a shape mismatch */
  BP_ONNX_ERROR_LIMIT,        /* more layers, units or parameters than we hold */
  BP_ONNX_ERROR_EXPORT,       /* a network that cannot be written (names the layer) */
} BpOnnxError;

/* The network of an ONNX model as a BpModel: its layers with their weights,
 * the cost that fits its output (softmax: softmax_ce, sigmoid: bce,
 * otherwise mse), SGD with the default rate, no dataset (the caller asks
 * for one of matching width) and the name and a description saying where
 * it came from ("Imported from net.onnx: pytorch 1.13.0, opset 14").
 * `name` is what messages call the data (the file's name).  NULL with an
 * error naming `name`, and the node, field or initialiser at fault.  Free
 * with bp_model_free. */
BpModel  *bp_onnx_import_data   (const guint8 *data,
                                 gsize         len,
                                 const char   *name,
                                 GError      **error);

/* bp_onnx_import_data of the file at `path`. */
BpModel  *bp_onnx_import_file   (const char   *path,
                                 GError      **error);

/* The model's network as a serialised ONNX ModelProto.  NULL
 * (BP_ONNX_ERROR_EXPORT) with a message naming the layer when it holds
 * something ONNX cannot express (an activation from a third-party plugin).
 * Free with g_bytes_unref. */
GBytes   *bp_onnx_export_bytes  (const BpModel *model,
                                 GError       **error);

/* bp_onnx_export_bytes written atomically to `path`. */
gboolean  bp_onnx_export_file   (const BpModel *model,
                                 const char    *path,
                                 GError       **error);

G_END_DECLS
