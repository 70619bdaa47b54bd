/* bp-matmul.c — the matrix products of a dense layer, in plain C with a
 * fixed summation order (see bp-matmul.h for the order of each).
 *
 * Blocking never changes that order: a tile only decides which output
 * elements are summed side by side, each in its own registers, and a sum
 * over the batch or the layer width is never split.  Each kernel body is
 * compiled twice, for the x86-64 baseline (SSE2) and for AVX2 (no FMA), and
 * one of the two is picked at the first call.
 */
#include "bp-matmul.h"

#include <string.h>

#define BP_INLINE static inline __attribute__ ((always_inline))

/* A macro, like BP_V4D_LOAD: a vector returned by value would warn about
 * the AVX calling convention. */
#define V4D_SPLAT(a) ((bp_v4d) { (a), (a), (a), (a) })

BP_INLINE double
reduce_dot (bp_v4d lo,
            bp_v4d hi,
            double tail)
{
  lo += hi;
  return ((lo[0] + lo[1]) + (lo[2] + lo[3])) + tail;
}

/* Four dots in bp_dot ()'s order: rows w0 … w3 of W against one sample
 * x (r[i] = w_i·x).  The sample is loaded once for four rows. */
BP_INLINE void
dot_4x1 (const double *restrict W,
         gsize                  in,
         const double *restrict x,
         double                 r[4])
{
  const double *w0 = W, *w1 = W + in, *w2 = W + 2 * in, *w3 = W + 3 * in;
  bp_v4d zero = { 0, 0, 0, 0 };
  bp_v4d l0 = zero, h0 = zero, l1 = zero, h1 = zero;
  bp_v4d l2 = zero, h2 = zero, l3 = zero, h3 = zero;
  double t0 = 0.0, t1 = 0.0, t2 = 0.0, t3 = 0.0;
  gsize k = 0;

  for (; k + 8 <= in; k += 8)
    {
      bp_v4d xa, xA, w;

      BP_V4D_LOAD (xa, x + k);
      BP_V4D_LOAD (xA, x + k + 4);
      BP_V4D_LOAD (w, w0 + k);
      l0 += w * xa;
      BP_V4D_LOAD (w, w0 + k + 4);
      h0 += w * xA;
      BP_V4D_LOAD (w, w1 + k);
      l1 += w * xa;
      BP_V4D_LOAD (w, w1 + k + 4);
      h1 += w * xA;
      BP_V4D_LOAD (w, w2 + k);
      l2 += w * xa;
      BP_V4D_LOAD (w, w2 + k + 4);
      h2 += w * xA;
      BP_V4D_LOAD (w, w3 + k);
      l3 += w * xa;
      BP_V4D_LOAD (w, w3 + k + 4);
      h3 += w * xA;
    }
  if (k + 4 <= in)
    {
      bp_v4d xa, w;

      BP_V4D_LOAD (xa, x + k);
      BP_V4D_LOAD (w, w0 + k);
      l0 += w * xa;
      BP_V4D_LOAD (w, w1 + k);
      l1 += w * xa;
      BP_V4D_LOAD (w, w2 + k);
      l2 += w * xa;
      BP_V4D_LOAD (w, w3 + k);
      l3 += w * xa;
      k += 4;
    }
  for (; k < in; k++)
    {
      t0 += w0[k] * x[k];
      t1 += w1[k] * x[k];
      t2 += w2[k] * x[k];
      t3 += w3[k] * x[k];
    }
  r[0] = reduce_dot (l0, h0, t0);
  r[1] = reduce_dot (l1, h1, t1);
  r[2] = reduce_dot (l2, h2, t2);
  r[3] = reduce_dot (l3, h3, t3);
}

/* z[s,j] = b[j] + W(j)·x(s).  Four rows of W (in L1) against every
 * sample in turn (from L2), then the next four rows. */
BP_INLINE void
forward_body (const double *W,
              const double *b,
              const double *x,
              double       *z,
              gsize         B,
              gsize         in,
              gsize         out)
{
  gsize j = 0;

  for (; j + 4 <= out; j += 4)
    for (gsize s = 0; s < B; s++)
      {
        double r[4];

        dot_4x1 (W + j * in, in, x + s * in, r);
        for (gsize i = 0; i < 4; i++)
          z[s * out + j + i] = b[j + i] + r[i];
      }
  for (; j < out; j++)
    for (gsize s = 0; s < B; s++)
      z[s * out + j] = b[j] + bp_dot (W + j * in, x + s * in, in);
}

/* C (M × N) += A · P, summed over p = 0 … np−1 in order, where
 * A(i, p) = A[i·ai + p·ap] and row p of P starts at P + p·ldp.  Tiles of
 * 4 rows × 8 columns of C stay in registers for the whole sum; the loop
 * over columns is outside the loop over rows so that the 8-column panel of
 * P is read from L1 by every tile of the column. */
BP_INLINE void
accumulate_body (double       *C,
                 gsize         ldc,
                 const double *A,
                 gsize         ai,
                 gsize         ap,
                 const double *P,
                 gsize         ldp,
                 gsize         M,
                 gsize         N,
                 gsize         np)
{
  gsize k = 0;

  for (; k + 8 <= N; k += 8)
    {
      gsize i = 0;

      for (; i + 4 <= M; i += 4)
        {
          double *c0 = C + i * ldc + k, *c1 = c0 + ldc, *c2 = c1 + ldc, *c3 = c2 + ldc;
          const double *a = A + i * ai;
          bp_v4d u0, v0, u1, v1, u2, v2, u3, v3;

          BP_V4D_LOAD (u0, c0);
          BP_V4D_LOAD (v0, c0 + 4);
          BP_V4D_LOAD (u1, c1);
          BP_V4D_LOAD (v1, c1 + 4);
          BP_V4D_LOAD (u2, c2);
          BP_V4D_LOAD (v2, c2 + 4);
          BP_V4D_LOAD (u3, c3);
          BP_V4D_LOAD (v3, c3 + 4);
          for (gsize p = 0; p < np; p++)
            {
              const double *a_p = a + p * ap;
              bp_v4d p0, p1;
              bp_v4d a0 = V4D_SPLAT (a_p[0]), a1 = V4D_SPLAT (a_p[ai]);
              bp_v4d a2 = V4D_SPLAT (a_p[2 * ai]), a3 = V4D_SPLAT (a_p[3 * ai]);

              BP_V4D_LOAD (p0, P + p * ldp + k);
              BP_V4D_LOAD (p1, P + p * ldp + k + 4);
              u0 += a0 * p0;
              v0 += a0 * p1;
              u1 += a1 * p0;
              v1 += a1 * p1;
              u2 += a2 * p0;
              v2 += a2 * p1;
              u3 += a3 * p0;
              v3 += a3 * p1;
            }
          memcpy (c0, &u0, sizeof u0);
          memcpy (c0 + 4, &v0, sizeof v0);
          memcpy (c1, &u1, sizeof u1);
          memcpy (c1 + 4, &v1, sizeof v1);
          memcpy (c2, &u2, sizeof u2);
          memcpy (c2 + 4, &v2, sizeof v2);
          memcpy (c3, &u3, sizeof u3);
          memcpy (c3 + 4, &v3, sizeof v3);
        }
      /* The last rows of the column block, one at a time. */
      for (; i < M; i++)
        {
          double *c = C + i * ldc + k;
          bp_v4d u, v;

          BP_V4D_LOAD (u, c);
          BP_V4D_LOAD (v, c + 4);
          for (gsize p = 0; p < np; p++)
            {
              bp_v4d a0 = V4D_SPLAT (A[i * ai + p * ap]), p0, p1;

              BP_V4D_LOAD (p0, P + p * ldp + k);
              BP_V4D_LOAD (p1, P + p * ldp + k + 4);
              u += a0 * p0;
              v += a0 * p1;
            }
          memcpy (c, &u, sizeof u);
          memcpy (c + 4, &v, sizeof v);
        }
    }
  /* The last columns (fewer than eight), element by element. */
  for (; k < N; k++)
    for (gsize i = 0; i < M; i++)
      {
        double c = C[i * ldc + k];

        for (gsize p = 0; p < np; p++)
          c += A[i * ai + p * ap] * P[p * ldp + k];
        C[i * ldc + k] = c;
      }
}

/* dW[j,k] += Σ_s δ[s,j] x[s,k]: C = dW, A(j, s) = δ[s·out + j], P = x. */
BP_INLINE void
backward_weights_body (double       *dW,
                       const double *delta,
                       const double *x,
                       gsize         B,
                       gsize         in,
                       gsize         out)
{
  accumulate_body (dW, in, delta, 1, out, x, in, out, in, B);
}

/* gx[s,k] = 0 + Σ_j δ[s,j] W[j,k]: C = gx, A(s, j) = δ[s·out + j], P = W. */
BP_INLINE void
backward_input_body (double       *gx,
                     const double *delta,
                     const double *W,
                     gsize         B,
                     gsize         in,
                     gsize         out)
{
  memset (gx, 0, B * in * sizeof (double));
  accumulate_body (gx, in, delta, out, 1, W, in, B, in, out);
}

/* The two builds of each kernel. */
typedef struct
{
  void (*forward)          (const double *, const double *, const double *, double *,
                            gsize, gsize, gsize);
  void (*backward_weights) (double *, const double *, const double *, gsize, gsize, gsize);
  void (*backward_input)   (double *, const double *, const double *, gsize, gsize, gsize);
} Kernels;

static void
forward_base (const double *W, const double *b, const double *x, double *z,
              gsize B, gsize in, gsize out)
{
  forward_body (W, b, x, z, B, in, out);
}

static void
backward_weights_base (double *dW, const double *delta, const double *x,
                       gsize B, gsize in, gsize out)
{
  backward_weights_body (dW, delta, x, B, in, out);
}

static void
backward_input_base (double *gx, const double *delta, const double *W,
                     gsize B, gsize in, gsize out)
{
  backward_input_body (gx, delta, W, B, in, out);
}

static const Kernels base_kernels = {
  forward_base, backward_weights_base, backward_input_base,
};

/* AVX2 without FMA: twice the width of SSE2, the same operations.  Not in
 * sanitizer builds, like BP_HOT. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__)
# define HAVE_AVX2_BUILD 1
# define BP_AVX2 __attribute__ ((target ("avx2")))

BP_AVX2 static void
forward_avx2 (const double *W, const double *b, const double *x, double *z,
              gsize B, gsize in, gsize out)
{
  forward_body (W, b, x, z, B, in, out);
}

BP_AVX2 static void
backward_weights_avx2 (double *dW, const double *delta, const double *x,
                       gsize B, gsize in, gsize out)
{
  backward_weights_body (dW, delta, x, B, in, out);
}

BP_AVX2 static void
backward_input_avx2 (double *gx, const double *delta, const double *W,
                     gsize B, gsize in, gsize out)
{
  backward_input_body (gx, delta, W, B, in, out);
}

static const Kernels avx2_kernels = {
  forward_avx2, backward_weights_avx2, backward_input_avx2,
};
#endif

static const Kernels *
kernels (void)
{
  static const Kernels *chosen;

  if (g_once_init_enter (&chosen))
    {
      const Kernels *k = &base_kernels;

#ifdef HAVE_AVX2_BUILD
      const char *no_simd = g_getenv ("BACKPROP_NO_SIMD");

      __builtin_cpu_init ();
      if (__builtin_cpu_supports ("avx2") && (no_simd == NULL || g_str_equal (no_simd, "")
                                              || g_str_equal (no_simd, "0")))
        k = &avx2_kernels;
#endif
      g_once_init_leave (&chosen, k);
    }
  return chosen;
}

gboolean
bp_matmul_uses_avx2 (void)
{
#ifdef HAVE_AVX2_BUILD
  return kernels () == &avx2_kernels;
#else
  return FALSE;
#endif
}

void
bp_matmul_forward (const double *W,
                   const double *b,
                   const double *x,
                   double       *z,
                   gsize         B,
                   gsize         in,
                   gsize         out)
{
  kernels ()->forward (W, b, x, z, B, in, out);
}

void
bp_matmul_backward_weights (double       *dW,
                            const double *delta,
                            const double *x,
                            gsize         B,
                            gsize         in,
                            gsize         out)
{
  kernels ()->backward_weights (dW, delta, x, B, in, out);
}

void
bp_matmul_backward_input (double       *gx,
                          const double *delta,
                          const double *W,
                          gsize         B,
                          gsize         in,
                          gsize         out)
{
  kernels ()->backward_input (gx, delta, W, B, in, out);
}
