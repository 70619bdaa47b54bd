/* bp-network-private.h — what the files of the bp-network family share:
 * the activation of a layer (bp-network-pass.c) for the per-type passes of
 * bp-network-layers.c.  Core only; not installed.
 */
#pragma once

#include "bp-network.h"

G_BEGIN_DECLS

/* a = f(z) for B rows of layer L (B × out). */
void   _bp_network_activate           (const BpLayer *L,
                                       const double  *z,
                                       double        *a,
                                       gsize          B);
/* δ = (∂a/∂z)ᵀ g for B rows; `a` is f(z). */
void   _bp_network_activate_backward  (const BpLayer *L,
                                       const double  *z,
                                       const double  *a,
                                       const double  *g,
                                       double        *delta,
                                       gsize          B);
/* ∂C/∂a(N) of the last forward against y (with the 1/B of the mean), and
 * δ(N) in the cost's stable form when `fused`. */
void   _bp_network_output_backward    (const BpNetwork *net,
                                       BpTrace         *t,
                                       const double    *y,
                                       gboolean         fused);
/* Forward of layer l when it is not a plain dense layer: x (B × in) in,
 * the trace's z[l], a[l] and what the backward needs out. */
void   _bp_network_layer_forward      (const BpNetwork *net,
                                       BpTrace         *t,
                                       gsize            l,
                                       const double    *x,
                                       gsize            B);
/* A dense layer's backward (bp-network-pass.c), given δ (B × out) and its
 * input x (B × in): ∂C/∂W += δᵀ x, ∂C/∂b += Σ_s δ_s, ∂C/∂x = δ W into gx
 * unless NULL, ‖∂C/∂W‖² into norm2 unless NULL. */
void   _bp_network_dense_backward     (BpLayer         *L,
                                       const double    *x,
                                       const double    *delta,
                                       double          *gx,
                                       gsize            B,
                                       double          *norm2);
/* The backward pass of a network that is not plain (bp_network_is_plain):
 * the cost of the last forward, then every layer by its type, skip paths
 * added into the ∂C/∂a they come from.  Returns C. */
double _bp_network_backward_layers    (BpNetwork       *net,
                                       BpTrace         *t,
                                       const double    *y);
/* The trace's extra arrays for layer l of `net` (h, x̂, μ, 1/σ, mask), and
 * their release. */
void   _bp_network_trace_alloc_layer  (BpTrace         *t,
                                       const BpLayer   *L,
                                       gsize            l);
void   _bp_network_trace_free_layer   (BpTrace         *t,
                                       gsize            l);

G_END_DECLS
