/* bp-types.h — forward typedefs and shared enums of the core library.
 *
 * Indexing convention used by every accessor: layers are 0-based in C, so
 * C index l is layer n = l + 1 of the notation z(n) = W(n) a(n-1) + b(n);
 * a(0) is the input.  Matrices are row-major; W is out × in and row j holds
 * the weights into unit j; batch arrays are B × width, one row per sample.
 */
#pragma once

#include <glib.h>
#include "backprop-plugin.h"

G_BEGIN_DECLS

typedef struct _BpRng       BpRng;
typedef struct _BpRegistry  BpRegistry;
typedef struct _BpNetwork   BpNetwork;
typedef struct _BpLayer     BpLayer;
typedef struct _BpTrace     BpTrace;
typedef struct _BpOptimizer BpOptimizer;
typedef struct _BpDataset   BpDataset;
typedef struct _BpModel     BpModel;
typedef struct _BpTrainer   BpTrainer;
typedef struct _BpChain     BpChain;

typedef enum
{
  BP_REDUCTION_MEAN,  /* C = (1/B) Σ_s l_s, the default */
  BP_REDUCTION_SUM,   /* C = Σ_s l_s */
} BpReduction;

typedef enum
{
  BP_INIT_GLOROT_UNIFORM,  /* U(−r, r), r = √(6 / (in + out)) */
  BP_INIT_GLOROT_NORMAL,   /* N(0, 2 / (in + out)) */
  BP_INIT_HE_UNIFORM,      /* U(−r, r), r = √(6 / in) */
  BP_INIT_HE_NORMAL,       /* N(0, 2 / in) */
  BP_INIT_AUTO,            /* per layer: He uniform under a rectifier (relu, leaky_relu,
                            * elu, selu, gelu, swish, mish), Glorot uniform otherwise */
} BpInit;

/* What a layer computes (issue 13; bp-network-layers.c has the formulas).
 * Every layer maps a(n−1) to a(n); all but dense have in = out. */
typedef enum
{
  BP_LAYER_DENSE,      /* z = W a(n−1) + b, a = f(z) [+ a(skip_from)] */
  BP_LAYER_BATCHNORM,  /* per feature over the batch (eval: running statistics) */
  BP_LAYER_LAYERNORM,  /* per sample over its features */
  BP_LAYER_DROPOUT,    /* a = x ⊙ mask / (1 − p) in training, a = x in eval */
} BpLayerType;

/* Where training first met a value that is not finite (NaN, +Inf, −Inf):
 * what it was, where in the network, in which step, and the value.  The
 * network's check (bp_network_locate_nonfinite) fills the place and the
 * value; the trainer adds the step and the data row.
 *
 * Indices are 1-based, as the app and the messages show them: layer n of
 * z(n) = W(n) a(n-1) + b(n) (0 for the input), unit j of a(n) and, for a
 * weight W(n)[j,k], the unit k of a(n-1) it comes from. */
typedef enum
{
  BP_TRAIN_FAULT_NONE,
  BP_TRAIN_FAULT_INPUT,      /* the data: input j of a sample (layer 0) */
  BP_TRAIN_FAULT_Z,          /* forward: z(n)_j */
  BP_TRAIN_FAULT_A,          /* forward: a(n)_j = σ(z(n)_j) */
  BP_TRAIN_FAULT_LOSS,       /* the cost of a sample; j: the output farthest from its target */
  BP_TRAIN_FAULT_GRAD_A,     /* backward: ∂C/∂a(n)_j */
  BP_TRAIN_FAULT_DELTA,      /* backward: δ(n)_j = ∂C/∂z(n)_j */
  BP_TRAIN_FAULT_GRAD_W,     /* backward: ∂C/∂W(n)[j,k] (summed over the batch) */
  BP_TRAIN_FAULT_GRAD_B,     /* backward: ∂C/∂b(n)[j] */
  BP_TRAIN_FAULT_PARAM_W,    /* the optimizer's update made W(n)[j,k] non-finite */
  BP_TRAIN_FAULT_PARAM_B,    /* the optimizer's update made b(n)[j] non-finite */
} BpTrainFaultKind;

typedef struct
{
  BpTrainFaultKind kind;
  gsize            layer;    /* n: 1 … N; 0 for INPUT */
  BpLayerType      layer_type;  /* of layer n: a norm layer's W and b are γ and β */
  gsize            unit;     /* j: 1 … width of a(n) (INPUT: the input) */
  gsize            input;    /* k of W(n)[j,k] (GRAD_W, PARAM_W); else 0 */
  gsize            sample;   /* 1-based sample of the batch; 0 when not per sample */
  gsize            row;      /* 1-based training-set row of that sample; 0 if unknown */
  guint64          step;     /* the step that was undone, 1-based; 0 outside training */
  double           value;    /* NaN, +Inf or −Inf */
  double           from;     /* A: z(n)_j; LOSS: a(N)_j; else NaN */
  double           target;   /* LOSS: the target of unit j; else NaN */
  /* PARAM_W, PARAM_B (bp_train_fault_blame_update): the optimizer whose
   * update step made the value from finite weights and gradients, and the
   * plugin file that provides it (NULL for a built-in).  Registry-owned. */
  const char      *optimizer;
  const char      *plugin;
} BpTrainFault;

/* Errors anything a user can cause ends in.  One domain per module. */
#define BP_NETWORK_ERROR (bp_network_error_quark ())
GQuark bp_network_error_quark (void);

typedef enum
{
  BP_NETWORK_ERROR_INVALID,     /* a size or setting out of range */
  BP_NETWORK_ERROR_UNKNOWN_ID,  /* activation/cost/optimizer id not registered */
  BP_NETWORK_ERROR_SHAPE,       /* widths do not chain, data of the wrong width */
  BP_NETWORK_ERROR_NUMERIC,     /* NaN or Inf in the forward/backward pass */
} BpNetworkError;

G_END_DECLS
