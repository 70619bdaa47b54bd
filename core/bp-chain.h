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
 *
 * More than one path (issue 13).  With a skip, a(j) feeds layer j+1 and
 * the layer n that adds it (a(n) = σ(z(n)) + a(j)), so
 *
 *   ∂C/∂a(j) = ∂C/∂a(j+1) ∂a(j+1)/∂a(j)  +  ∂C/∂a(n) · I
 *              (through the layers)          (around them)
 *
 * and no single product of Jacobians gives it; a batch-norm layer mixes
 * the samples (its backward pass has three terms, each over the batch),
 * layer norm the features, and dropout scales by mask/(1 − p).  So:
 *  - bp_chain_new runs the product only as far up as it holds and starts
 *    at that ∂C/∂a(m) of the trace (BpChain.start);
 *  - bp_grad_paths_new writes the paths into one a(j)ᵤ out as data (each
 *    path's factors or terms and product, and their sum = ∂C/∂a(j)ᵤ);
 *  - bp_norm_terms gives a norm layer's three terms with their values;
 *  - bp_delta_terms_new writes δ = σ′ · (the sum of the paths) there;
 *  - bp_chain_new_param gives the chain of a norm layer's γⱼ and βⱼ.
 * Every number is the trace's to rounding (tests/test-chain.c: 1e-12).
 */
#pragma once

#include "bp-network.h"

G_BEGIN_DECLS

typedef struct _BpGradPaths BpGradPaths;

typedef enum
{
  BP_FACTOR_ROW,     /* 1 × cols */
  BP_FACTOR_DIAG,    /* rows × rows, only the diagonal stored (rows values) */
  BP_FACTOR_MATRIX,  /* rows × cols, row-major */
  BP_FACTOR_COLUMN,  /* rows × 1 */
} BpFactorKind;

typedef enum
{
  BP_FACTOR_DC_DA,   /* ∂C/∂a(N), or ∂C/∂a(m) where the chain starts */
  BP_FACTOR_DA_DZ,   /* ∂a(n)/∂z(n) */
  BP_FACTOR_DZ_DA,   /* ∂z(n)/∂a(n−1) = W(n) */
  BP_FACTOR_DZ_DW,   /* ∂z(i)/∂W(i)_jk, ∂z(i)/∂γ(i)_j or ∂z(i)/∂β(i)_j */
  BP_FACTOR_DELTA,   /* δ(n) as a row (a path of bp_grad_paths_new) */
  BP_FACTOR_DA_DA,   /* ∂a(n)ᵤ/∂a(j)ᵤ of a path: 1 around a skip, mask/(1−p) */
} BpFactorRole;

/* What the chain differentiates: a dense layer's weight, or a norm
 * layer's γ or β (its "weights": z = γ ⊙ x̂ + β). */
typedef enum
{
  BP_CHAIN_WEIGHT,
  BP_CHAIN_GAMMA,
  BP_CHAIN_BETA,
} BpChainParam;

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
  BpChainParam   param;
  /* m (1-based): the chain starts from ∂C/∂a(m); N for a plain chain.
   * Above the first a(m) (m ≥ i) that feeds more than one layer (a skip
   * from it) or a layer that is not dense (a norm layer mixes the batch,
   * dropout has no z), ∂C/∂a(m) is no longer one product of Jacobians, so
   * the chain starts there with ∂C/∂a(m) from the trace: the sum of the
   * paths into a(m) (bp_grad_paths_new writes them out). */
  gsize          start;
};

/* Needs a trace on which forward and backward have run.  `layer` is the
 * C index (0-based); the chain reports 1-based layers.  On a norm layer
 * this is the chain of γ_j (k must be 0); a dropout layer has no
 * parameters (an error). */
BpChain *bp_chain_new      (const BpNetwork *net,
                            const BpTrace   *trace,
                            gsize            sample,
                            gsize            layer,
                            gsize            j,
                            gsize            k,
                            GError         **error);
/* The chain of a norm layer's γ_j or β_j (`param` GAMMA or BETA), or
 * of W_jk (WEIGHT, as bp_chain_new).  For a norm layer the last factor is
 * ∂z(i)/∂γ_j = x̂_j e_j or ∂z(i)/∂β_j = e_j, and `backprop` is δ_j x̂_j or
 * δ_j of this sample: summed over the batch they give ∂C/∂γ_j, ∂C/∂β_j. */
BpChain *bp_chain_new_param (const BpNetwork *net,
                             const BpTrace   *trace,
                             gsize            sample,
                             gsize            layer,
                             gsize            j,
                             gsize            k,
                             BpChainParam     param,
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
  /* Not NULL where ∂C/∂a(n)ᵢ is more than W(n+1)ᵀ δ(n+1) (a skip from a(n),
   * a norm or dropout layer above, or n itself dropout): then there are no
   * terms, `sum` is paths->sum and δ = scale · sum (scale σ′, 1 for
   * dropout).  With a full Jacobian the terms are J[m,i] · ∂C/∂a(n)ₘ
   * (values from the trace) and the paths those of m = i. */
  BpGradPaths *paths;
} BpDeltaTerms;

/* Needs a trace on which forward and backward have run.  `layer` is the
 * C index (0-based) of a hidden layer (not the output: its δ comes from
 * the cost).  Any layer type: see `paths` above.  Free with
 * bp_delta_terms_free. */
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

/* The three terms of a norm layer's backward pass for sample s, unit u:
 * with g = γ ⊙ δ(n) and 1/√(σ² + eps) of the feature (batch norm: over
 * the batch) or of the sample (layer norm: over its features),
 *
 *   ∂C/∂a(n−1)ₛᵤ = (1/√(σ² + eps)) · (gₛᵤ − mean(g) − x̂ₛᵤ · mean(g ⊙ x̂))
 *
 * the mean over the batch (batch norm: so every sample's δ depends on the
 * whole batch) or over the sample's features (layer norm).  In eval mode
 * batch norm has only the first term (the running statistics are
 * constants). */
typedef struct
{
  BpLayerType type;
  gboolean    eval;      /* batch norm in eval mode: the other terms are 0 */
  double      inv_std;   /* 1/√(σ² + eps) */
  double      g;         /* γᵤ δ(n)ₛᵤ */
  double      mean_g;    /* mean of g */
  double      xhat;      /* x̂ₛᵤ */
  double      mean_gx;   /* mean of g ⊙ x̂ */
  double      term[3];   /* inv·g, −inv·mean_g, −inv·x̂·mean_gx */
  double      sum;       /* term[0] + term[1] + term[2] */
} BpNormTerms;

/* One path by which the gradient reaches a(j)ᵤ (1 ≤ j < N) of sample s:
 * back from a layer that reads a(j). */
typedef enum
{
  BP_PATH_DENSE,     /* through layer j+1: Σₖ W(j+1)ₖᵤ δ(j+1)ₖ (factors: δ(j+1) · W(j+1)[:,u]) */
  BP_PATH_NORM,      /* through norm layer j+1: its three terms (`norm`) */
  BP_PATH_DROPOUT,   /* through dropout layer j+1: ∂C/∂a(j+1)ᵤ · maskᵤ/(1−p) */
  BP_PATH_SKIP,      /* around, from layer n with skip_from j: ∂C/∂a(n)ᵤ · 1 */
} BpPathKind;

typedef struct
{
  BpPathKind     kind;
  gsize          layer;      /* the layer it comes back from, 1-based */
  gsize          n_factors;  /* DENSE: 2 (a row δ(j+1), a column W(j+1)[:,u]);
                              * DROPOUT, SKIP: 2 (1×1: ∂C/∂a(n)ᵤ, the factor); NORM: 0 */
  BpChainFactor *factors;
  BpNormTerms    norm;       /* NORM only */
  double         product;    /* this path's share of ∂C/∂a(j)ᵤ */
} BpGradPath;

struct _BpGradPaths
{
  gsize       sample;
  gsize       layer;     /* j, 1-based */
  gsize       unit;      /* u, 0-based */
  gsize       n_paths;
  BpGradPath *paths;     /* in the order backprop adds them: the skips from
                          * the highest layer down, then through layer j+1 */
  double      sum;       /* Σ of the products, in that order */
  double      backprop;  /* ∂C/∂a(j)ᵤ of the trace */
};

/* Every path into a(j)ᵤ, j = layer + 1 (`layer` a C index < N − 1, for
 * any layer types).  Free with bp_grad_paths_free. */
BpGradPaths *bp_grad_paths_new  (const BpNetwork *net,
                                 const BpTrace   *trace,
                                 gsize            sample,
                                 gsize            layer,
                                 gsize            unit,
                                 GError         **error);
void         bp_grad_paths_free (BpGradPaths *paths);
/* The three terms of norm layer `layer` (C index) for sample s, unit u
 * (FALSE, no error, for a layer that is not a norm layer). */
gboolean     bp_norm_terms      (const BpNetwork *net,
                                 const BpTrace   *trace,
                                 gsize            sample,
                                 gsize            layer,
                                 gsize            unit,
                                 BpNormTerms     *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BpGradPaths, bp_grad_paths_free)

G_END_DECLS
