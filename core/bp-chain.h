/* bp-chain.h — the chain rule as data.
 *
 * For one sample s and one weight W(i)_jk of a network with N layers:
 *
 *   ∂C/∂W(i)_jk = ∂C/∂a(N) · ∂a(N)/∂z(N) · ∂z(N)/∂a(N−1) · ∂a(N−1)/∂z(N−1)
 *                 ⋯ ∂a(i)/∂z(i) · ∂z(i)/∂W(i)_jk
 *
 * with ∂C/∂a(N) a row vector (1 × n_N), ∂a(n)/∂z(n) an n×n Jacobian
 * (diagonal σ′(z(n)) for element-wise activations, full for softmax),
 * ∂z(n)/∂a(n−1) = W(n), and ∂z(i)/∂W(i)_jk = a(i−1)_k e_j (a column).
 * Multiplying the factors left to right gives a 1 × 1 result: the gradient
 * of C for this one sample (with the 1/B of the mean inside ∂C/∂a(N)).
 *
 * Fused costs: with bce on σ and softmax_ce on softmax the backward pass
 * uses the stable δ(N) = (a − y)/B.  Where the output saturates to exactly
 * 0 or 1 in floating point (|z| ≳ 37 for σ), the textbook factors are
 * ∂C/∂a(N) = ±∞ and ∂a(N)/∂z(N) = 0, whose product is NaN.  The chain keeps
 * both factors for display and also carries the fused row δ(N)
 * (`fused_dC_dz`); bp_chain_product starts from it, exactly as backprop
 * does, so the product always equals the gradient.
 */
#pragma once

#include "bp-network.h"

G_BEGIN_DECLS

typedef enum
{
  BP_FACTOR_ROW,     /* 1 × cols */
  BP_FACTOR_DIAG,    /* rows × rows, only the diagonal stored (rows values) */
  BP_FACTOR_MATRIX,  /* rows × cols, row-major */
  BP_FACTOR_COLUMN,  /* rows × 1 */
} BpFactorKind;

typedef enum
{
  BP_FACTOR_DC_DA,   /* ∂C/∂a(N) */
  BP_FACTOR_DA_DZ,   /* ∂a(n)/∂z(n) */
  BP_FACTOR_DZ_DA,   /* ∂z(n)/∂a(n−1) = W(n) */
  BP_FACTOR_DZ_DW,   /* ∂z(i)/∂W(i)_jk */
} BpFactorRole;

typedef struct
{
  BpFactorKind kind;
  BpFactorRole role;
  gsize        layer;   /* n, 1-based as shown */
  gsize        rows;
  gsize        cols;
  double      *data;
  char        *label;   /* "∂a(2)/∂z(2)" */
} BpChainFactor;

struct _BpChain
{
  gsize          sample;
  gsize          layer;     /* i, 1-based */
  gsize          j, k;
  gsize          n_factors;
  BpChainFactor *factors;
  double         backprop;  /* δ(i)_j · a(i−1)_k of this sample, from the trace */
  gboolean       fused;        /* the cost's stable ∂l/∂z was used at the output */
  double        *fused_dC_dz;  /* δ(N) of this sample when fused, else NULL */
};

/* Needs a trace on which forward and backward have run.  `layer` is the
 * C index (0-based); the chain reports 1-based layers. */
BpChain *bp_chain_new      (const BpNetwork *net,
                            const BpTrace   *trace,
                            gsize            sample,
                            gsize            layer,
                            gsize            j,
                            gsize            k,
                            GError         **error);
void     bp_chain_free     (BpChain *chain);
/* The product of the factors, evaluated left to right (from δ(N) in place
 * of the first two factors when the cost is fused; see above). */
double   bp_chain_product  (const BpChain *chain);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BpChain, bp_chain_free)

/* δ of a hidden unit written out as its terms, so each can be checked with
 * a calculator.  For a unit i of hidden layer n (1-based, n < N):
 *
 *   δ(n)ᵢ = σ′(z(n)ᵢ) · Σₖ W(n+1)ₖᵢ δ(n+1)ₖ        (element-wise σ)
 *
 * one term per unit k of layer n+1: the path from i through k to the
 * output.  For an activation with a full Jacobian (softmax in a hidden
 * layer) the sum runs over the units m of layer n instead:
 *
 *   δ(n)ᵢ = Σₘ (∂a(n)ₘ/∂z(n)ᵢ) · (W(n+1)ᵀ δ(n+1))ₘ    (scale = 1)
 *
 * Terms are sorted by |product|, largest first, so a reader can show the
 * few paths that matter and fold the rest (bp_delta_terms_rest). */
typedef struct
{
  gsize  index;     /* k (element-wise) or m (Jacobian), 0-based */
  double factor;    /* W(n+1)ₖᵢ, or ∂a(n)ₘ/∂z(n)ᵢ */
  double value;     /* δ(n+1)ₖ, or (W(n+1)ᵀ δ(n+1))ₘ */
  double product;   /* factor · value */
} BpDeltaTerm;

typedef struct
{
  gsize        sample;
  gsize        layer;     /* n, 1-based as shown */
  gsize        unit;      /* i, 0-based */
  gboolean     jacobian;  /* the second form above */
  double       scale;     /* σ′(z(n)ᵢ), or 1 for the Jacobian form */
  double       sum;       /* Σ of the products, in index order as backprop adds them */
  double       delta;     /* scale · sum: δ(n)ᵢ as these terms give it */
  double       backprop;  /* δ(n)ᵢ of the trace, for comparison */
  gsize        n_terms;
  BpDeltaTerm *terms;     /* largest |product| first */
} BpDeltaTerms;

/* Needs a trace on which forward and backward have run.  `layer` is the
 * C index (0-based) of a hidden layer (not the output: its δ comes from
 * the cost).  Free with bp_delta_terms_free. */
BpDeltaTerms *bp_delta_terms_new  (const BpNetwork *net,
                                   const BpTrace   *trace,
                                   gsize            sample,
                                   gsize            layer,
                                   gsize            unit,
                                   GError         **error);
void          bp_delta_terms_free (BpDeltaTerms *terms);
/* The sum of the terms after the first `shown` (in sorted order), and how
 * many there are: what "+ (… n more terms)" stands for. */
double        bp_delta_terms_rest (const BpDeltaTerms *terms,
                                   gsize               shown,
                                   gsize              *n_rest);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BpDeltaTerms, bp_delta_terms_free)

G_END_DECLS
