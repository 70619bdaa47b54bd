/* bp-onnx.c — what the ONNX reader and writer share: their error domain.
 * The reader is bp-onnx-read*.c, the writer bp-onnx-write.c. */
#include "bp-onnx.h"

G_DEFINE_QUARK (bp-onnx-error-quark, bp_onnx_error)
