/* bp-rng.h — the explicit, seeded PRNG.  xoshiro256** seeded through
 * splitmix64.  Uses only integer arithmetic and IEEE +,−,×,÷,√, plus its own
 * logarithm, so the same seed gives the same numbers on any machine.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

struct _BpRng
{
  guint64 s[4];
};

typedef struct _BpRng BpRng;

void    bp_rng_init     (BpRng *rng, guint64 seed);
guint64 bp_rng_next     (BpRng *rng);
/* Uniform in [0, 1) with 53 random bits. */
double  bp_rng_uniform  (BpRng *rng);
/* Uniform in [lo, hi). */
double  bp_rng_range    (BpRng *rng, double lo, double hi);
/* Standard normal (Marsaglia's polar method). */
double  bp_rng_normal   (BpRng *rng);
/* Uniform integer in [0, n); n > 0. */
guint64 bp_rng_below    (BpRng *rng, guint64 n);
/* Fisher–Yates shuffle of an index array. */
void    bp_rng_shuffle  (BpRng *rng, gsize *idx, gsize n);
/* A deterministic natural logarithm (no libm), x > 0. */
double  bp_det_log      (double x);

G_END_DECLS
