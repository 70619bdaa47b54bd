/* test-util.h — assertions the cmocka suites share: numbers within a
 * tolerance, numbers bit for bit, distances in ulps, an error that says what
 * it should, and two models that are the same.
 * Include after <cmocka.h>. */
#pragma once

#include <glib.h>
#include <math.h>
#include <string.h>

/* n doubles, bit for bit (two empty arrays are equal). */
static inline gboolean
same_doubles (const double *a,
              const double *b,
              gsize         n)
{
  return n == 0 || memcmp (a, b, n * sizeof (double)) == 0;
}

/* |got − want| ≤ abs_tol + rel·|want|, with both numbers in the message. */
static inline void
assert_near_impl (double      got,
                  double      want,
                  double      rel,
                  double      abs_tol,
                  const char *expr,
                  const char *file,
                  int         line)
{
  double tol = abs_tol + rel * fabs (want);

  if (!(fabs (got - want) <= tol))
    {
      print_error ("%s = %.17g, expected %.17g (|diff| %.3g > tolerance %.3g)\n",
                   expr, got, want, fabs (got - want), tol);
      _fail (file, line);
    }
}

#define assert_near(got, want, rel, abs_tol) \
  assert_near_impl ((got), (want), (rel), (abs_tol), #got, __FILE__, __LINE__)

/* The same double, bit for bit (so −0 ≠ +0, and a NaN equals its bits). */
static inline void
assert_bits_impl (double      got,
                  double      want,
                  const char *expr,
                  const char *file,
                  int         line)
{
  if (memcmp (&got, &want, sizeof (double)) != 0)
    {
      print_error ("%s = %a (%.17g), expected exactly %a (%.17g)\n",
                   expr, got, got, want, want);
      _fail (file, line);
    }
}

#define assert_bits(got, want) \
  assert_bits_impl ((got), (want), #got, __FILE__, __LINE__)

/* Doubles mapped to integers that are consecutive for consecutive doubles
 * (across zero too), so that a difference counts ulps. */
static inline gint64
ulp_ordered (double x)
{
  gint64 i;

  memcpy (&i, &x, sizeof i);
  return i < 0 ? G_MININT64 - i : i;
}

/* How many representable doubles apart a and b are (0: the same number,
 * and −0 and +0 count as the same). */
static inline guint64
ulp_distance (double a,
              double b)
{
  gint64 d = ulp_ordered (a) - ulp_ordered (b);

  return d < 0 ? (guint64) -d : (guint64) d;
}

#define assert_error_contains(error, substring)                                   \
  do {                                                                            \
    assert_non_null (error);                                                      \
    if (strstr ((error)->message, (substring)) == NULL)                           \
      fail_msg ("error “%s” does not contain “%s”", (error)->message, (substring)); \
  } while (0)

/* bp_model_equal, naming the first member that differs (bp_model_diff).  A
 * macro, so that only the suites that use it need bp-model.h. */
#define assert_models_equal(a, b)                                                  \
  do {                                                                            \
    const char *diff_ = bp_model_diff ((a), (b));                                 \
    if (diff_ != NULL)                                                            \
      fail_msg ("models %s and %s differ: %s", #a, #b, diff_);                    \
  } while (0)
