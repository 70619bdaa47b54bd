/* bpv-latex.h — a weight's gradient, derived with its numbers, as LaTeX.
 *
 * For W(n)_jk and one sample of a pass (forward and backward run on the
 * trace): ∂C/∂W(n)_jk = δ(n)_j a(n−1)_k with both numbers and the result;
 * δ(n)_j as its terms σ′(z(n)_j) Σ_k W(n+1)_kj δ(n+1)_k (largest paths
 * first, the rest summed with their count; bp_delta_terms_new) down to the
 * value; and the chain rule ∂C/∂a(N) · ∂a(N)/∂z(N) ⋯ ∂z(n)/∂W(n)_jk with
 * every factor's values (matrices up to MAX_MATRIX wide in full, larger ones
 * by shape and norm) and their product.
 *
 * Beyond dense layers: where the gradient reaches a(n)_j by more than one
 * path (a skip from a(n)) or through a norm or dropout layer, δ(n)_j is
 * written as its paths (around, through; batch norm's three terms; the
 * dropout factor) and their sum, and the chain starts at the ∂C/∂a(m)
 * where they meet (bp_grad_paths_new, BpChain.start).  On a norm layer the
 * "weight" is γ_j (k = 0): ∂C/∂γ_j = δ_j x̂_j.
 *
 * The snippet is display math and text for the body of a document and
 * needs nothing but LaTeX itself (no packages), so it pastes into any
 * article; `pdflatex` compiles it wrapped in \documentclass{article}.
 */
#pragma once

#include "bp-chain.h"

G_BEGIN_DECLS

/* `layer` is the C index (0-based).  NULL with an error for a weight that
 * does not exist (or a dropout layer, which has none).  Free with g_free. */
char *bpv_latex_weight_derivation (const BpNetwork *net,
                                   const BpTrace   *trace,
                                   gsize            sample,
                                   gsize            layer,
                                   gsize            j,
                                   gsize            k,
                                   GError         **error);
/* A number as LaTeX math: "-1.788\times10^{-6}", "0.2391", "0" for −0. */
char *bpv_latex_number            (double           value);

G_END_DECLS
