/* fixture.h — the few functions the broken-plugin fixtures share, so that
 * each fixture shows only what it breaks (its ABI, an id, a constructor, a
 * wrong gradient) and not the same healthy boilerplate again.
 *
 * Header only, on top of the public backprop-plugin.h and libm: every
 * fixture is still one standalone shared module, built the way a third
 * party builds a plugin.  test-plugin-check.c includes it too, for the
 * same functions checked in-process.  static inline: a fixture that uses
 * only some of them gets no unused-function warning for the others.
 */
#pragma once

#include <math.h>

#include "backprop-plugin.h"

/* f(z) = z, f′(z) = 1: the activation of the fixtures whose fault lies
 * elsewhere. */
static inline double
fixture_identity_f (double        z,
                    const double *p)
{
  return z;
}

static inline double
fixture_identity_df (double        z,
                     double        fz,
                     const double *p)
{
  return 1.0;
}

/* f(z) = 2z, f′(z) = 2: another healthy activation, told apart from the
 * identity by its values. */
static inline double
fixture_twice_f (double        z,
                 const double *p)
{
  return 2.0 * z;
}

static inline double
fixture_twice_df (double        z,
                  double        fz,
                  const double *p)
{
  return 2.0;
}

/* l = Σ ½(a − y)², ∂l/∂a = a − y. */
static inline double
fixture_half_sq (const double *a,
                 const double *z,
                 const double *y,
                 size_t        n,
                 const double *p)
{
  double l = 0.0;

  for (size_t k = 0; k < n; k++)
    l += 0.5 * (a[k] - y[k]) * (a[k] - y[k]);
  return l;
}

static inline void
fixture_half_sq_grad_a (const double *a,
                        const double *z,
                        const double *y,
                        double       *out,
                        size_t        n,
                        const double *p)
{
  for (size_t k = 0; k < n; k++)
    out[k] = a[k] - y[k];
}

/* a = softmax(z), with the largest z subtracted so that it stays finite. */
static inline void
fixture_softmax (const double *z,
                 double       *a,
                 size_t        n,
                 const double *p)
{
  double m = -INFINITY, s = 0.0;

  for (size_t i = 0; i < n; i++)
    m = fmax (m, z[i]);
  for (size_t i = 0; i < n; i++)
    s += a[i] = exp (z[i] - m);
  for (size_t i = 0; i < n; i++)
    a[i] /= s;
}

/* BP_PLUGIN_DEFINE always declares the host's ABI; the ABI fixtures name
 * another, so they write the descriptor and its entry point themselves. */
#define FIXTURE_DEFINE_WITH_ABI(major, minor, ...)                          \
  static const BpPluginDesc fixture_desc_ = {                              \
    .abi_major = (major),                                                  \
    .abi_minor = (minor),                                                  \
    __VA_ARGS__                                                            \
  };                                                                       \
  BP_PLUGIN_EXPORT const BpPluginDesc *bp_plugin_get_descriptor (void);    \
  BP_PLUGIN_EXPORT const BpPluginDesc *bp_plugin_get_descriptor (void)     \
  {                                                                        \
    return &fixture_desc_;                                                 \
  }                                                                        \
  /* a redundant prototype, so that the `;` after the macro is valid C */  \
  const BpPluginDesc *bp_plugin_get_descriptor (void)
