/* bp-rng.c — xoshiro256** (Blackman & Vigna), seeded through splitmix64.
 *
 * Everything here is integer arithmetic or correctly rounded IEEE
 * operations (+ − × ÷ √), and the logarithm is our own polynomial, so a seed
 * gives the same doubles on every machine and every libm.
 */
#include "bp-rng.h"

#include <math.h>

static inline guint64
rotl (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

static guint64
splitmix64 (guint64 *state)
{
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

void
bp_rng_init (BpRng   *rng,
             guint64  seed)
{
  guint64 sm = seed;

  g_return_if_fail (rng != NULL);

  for (int i = 0; i < 4; i++)
    rng->s[i] = splitmix64 (&sm);
}

guint64
bp_rng_next (BpRng *rng)
{
  guint64 *s = rng->s;
  guint64 result = rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);

  return result;
}

double
bp_rng_uniform (BpRng *rng)
{
  /* The top 53 bits, scaled by 2^-53: exact. */
  return (double) (bp_rng_next (rng) >> 11) * 0x1.0p-53;
}

double
bp_rng_range (BpRng  *rng,
              double  lo,
              double  hi)
{
  return lo + (hi - lo) * bp_rng_uniform (rng);
}

guint64
bp_rng_below (BpRng   *rng,
              guint64  n)
{
  guint64 limit, x;

  g_return_val_if_fail (n > 0, 0);

  /* Rejection sampling: no modulo bias. */
  limit = G_MAXUINT64 - G_MAXUINT64 % n;
  do
    x = bp_rng_next (rng);
  while (x >= limit);

  return x % n;
}

void
bp_rng_shuffle (BpRng *rng,
                gsize *idx,
                gsize  n)
{
  for (gsize i = n; i > 1; i--)
    {
      gsize j = (gsize) bp_rng_below (rng, i);
      gsize t = idx[i - 1];

      idx[i - 1] = idx[j];
      idx[j] = t;
    }
}

double
bp_det_log (double x)
{
  /* fdlibm's scheme with Taylor coefficients: x = m·2^e, m in [√½, √2),
   * f = m − 1 (exact), s = f/(2 + f), so log m = 2·atanh s = f − s(f − R)
   * with R = Σ_{k≥1} 2s^{2k}/(2k+1); written as
   * log m = f − (f²/2 − s(f²/2 + R)) to keep the rounding below an ulp.
   * |s| ≤ 0.1716, so terms to s^30 leave less than 1e−23.  ln 2 is split
   * into a head with trailing zeros (e·ln2_hi is exact) and a tail. */
  static const double ln2_hi = 6.93147180369123816490e-01;
  static const double ln2_lo = 1.90821492927058770002e-10;
  double m, f, s, z, R, hfsq;
  int e;

  if (!(x > 0.0))
    return x == 0.0 ? -INFINITY : NAN;
  if (isinf (x))
    return x;

  m = frexp (x, &e);           /* m in [0.5, 1), exact */
  if (m < 0.70710678118654752440)
    {
      m *= 2.0;
      e -= 1;
    }
  f = m - 1.0;
  s = f / (2.0 + f);
  z = s * s;
  R = 0.0;
  for (int k = 15; k >= 1; k--)
    R = (R + 2.0 / (2 * k + 1)) * z;
  hfsq = 0.5 * f * f;
  return (double) e * ln2_hi - ((hfsq - (s * (hfsq + R) + (double) e * ln2_lo)) - f);
}

double
bp_rng_normal (BpRng *rng)
{
  /* Marsaglia's polar method; we drop the second variate so that each call
   * consumes a predictable stream (no hidden cached value in the state). */
  double u, v, s;

  do
    {
      u = 2.0 * bp_rng_uniform (rng) - 1.0;
      v = 2.0 * bp_rng_uniform (rng) - 1.0;
      s = u * u + v * v;
    }
  while (s >= 1.0 || s == 0.0);

  return u * sqrt (-2.0 * bp_det_log (s) / s);
}
