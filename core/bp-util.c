/* bp-util.c — shortest round-trip formatting of doubles. */
#include "bp-util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

char *
bp_format_double (char   *buf,
                  double  value)
{
  g_return_val_if_fail (buf != NULL, NULL);

  if (isnan (value))
    return strcpy (buf, "NaN");
  if (isinf (value))
    return strcpy (buf, value > 0 ? "Infinity" : "-Infinity");
  if (value == 0.0)
    return strcpy (buf, signbit (value) ? "-0" : "0");

  /* The first precision that reads back to the same bits; g_ascii_strtod
   * and g_ascii_formatd ignore the locale, so "." is always the separator. */
  for (int prec = 15; prec <= 17; prec++)
    {
      char fmt[8];

      g_snprintf (fmt, sizeof fmt, "%%.%dg", prec);
      g_ascii_formatd (buf, 32, fmt, value);
      if (g_ascii_strtod (buf, NULL) == value)
        break;
    }
  return buf;
}

void
bp_string_append_double (GString *s,
                         double   value)
{
  char buf[32];

  g_string_append (s, bp_format_double (buf, value));
}

BP_HOT gboolean
bp_all_finite (const double *x,
               gsize         n)
{
  /* x·0 is 0 for a finite x and NaN for ±∞ or NaN, so the sum of the
   * products is NaN exactly when some x is not finite. */
  bp_v4d acc = { 0, 0, 0, 0 };
  double tail = 0.0;
  gsize i = 0;

  for (; i + 4 <= n; i += 4)
    {
      bp_v4d v;

      BP_V4D_LOAD (v, x + i);
      acc += v * 0.0;
    }
  for (; i < n; i++)
    tail += x[i] * 0.0;
  return !isnan (acc[0] + acc[1] + acc[2] + acc[3] + tail);
}
