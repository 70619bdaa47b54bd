/* bp-matmul.h — the three matrix products of a dense layer over a batch,
 * with a summation order that is fixed by the shapes alone (internal).
 *
 * BLAS kernels pick their blocking, their FMA use and so their order of
 * additions by CPU, so the same seed gave different bits on different
 * machines.  These kernels are blocked for the cache and the registers, but
 * every output element is summed in one documented order, the same with or
 * without AVX2 (no FMA: core is built with -ffp-contract=off), the same
 * for any batch size:
 *
 *   forward         z = b + dot (W(j), x(s)) in the order of bp_dot ()
 *   weight grads    ∂C/∂W[j,k] + δ[0,j] x[0,k] + δ[1,j] x[1,k] + …, s in order
 *   input grads     0 + δ[s,0] W[0,k] + δ[s,1] W[1,k] + …, j in order
 *
 * Row-major throughout: W is out × in, x and gx are B × in, z and δ are
 * B × out.
 *
 * BACKPROP_NO_SIMD=1 in the environment makes these kernels use their
 * baseline (SSE2) build even where AVX2 is available: the tests compare
 * the bits of both.
 */
#pragma once

#include <glib.h>

#include "bp-util.h"

G_BEGIN_DECLS

/* Σ_k x_k y_k with eight partial sums (lane k mod 8 for the whole blocks
 * of eight, then one block of four into the first four lanes, then a
 * scalar tail), reduced as ((l0+l4) + (l1+l5)) + ((l2+l6) + (l3+l7)) + tail.
 * The generic vectors keep this order in SSE2 and AVX alike. */
static inline double
bp_dot (const double *restrict x,
        const double *restrict y,
        gsize                  n)
{
  bp_v4d s0 = { 0, 0, 0, 0 }, s1 = { 0, 0, 0, 0 };
  double tail = 0.0;
  gsize k = 0;

  for (; k + 8 <= n; k += 8)
    {
      bp_v4d x0, x1, y0, y1;

      BP_V4D_LOAD (x0, x + k);
      BP_V4D_LOAD (x1, x + k + 4);
      BP_V4D_LOAD (y0, y + k);
      BP_V4D_LOAD (y1, y + k + 4);
      s0 += x0 * y0;
      s1 += x1 * y1;
    }
  if (k + 4 <= n)
    {
      bp_v4d x0, y0;

      BP_V4D_LOAD (x0, x + k);
      BP_V4D_LOAD (y0, y + k);
      s0 += x0 * y0;
      k += 4;
    }
  for (; k < n; k++)
    tail += x[k] * y[k];
  s0 += s1;
  return ((s0[0] + s0[1]) + (s0[2] + s0[3])) + tail;
}

/* Forward: z (B × out) = x (B × in) · Wᵀ + b, each row as
 * z[s,j] = b[j] + bp_dot (W + j·in, x + s·in, in). */
void bp_matmul_forward          (const double *W,
                                 const double *b,
                                 const double *x,
                                 double       *z,
                                 gsize         B,
                                 gsize         in,
                                 gsize         out);

/* Backward, weights: dW (out × in) += δᵀ (out × B) · x (B × in). */
void bp_matmul_backward_weights (double       *dW,
                                 const double *delta,
                                 const double *x,
                                 gsize         B,
                                 gsize         in,
                                 gsize         out);

/* Backward, input: gx (B × in) = δ (B × out) · W (out × in). */
void bp_matmul_backward_input   (double       *gx,
                                 const double *delta,
                                 const double *W,
                                 gsize         B,
                                 gsize         in,
                                 gsize         out);

/* TRUE when the AVX2 build of the kernels is in use. */
gboolean bp_matmul_uses_avx2    (void);

G_END_DECLS
