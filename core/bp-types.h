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
} BpInit;

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
