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

const char *
bp_nonfinite_name (double value)
{
  /* printf gives "-nan" for a NaN with the sign bit set (0 · −∞ is one):
   * its sign means nothing, and students should not have to read it. */
  if (isnan (value))
    return "NaN";
  if (isinf (value))
    return value > 0 ? "+Inf" : "−Inf";
  return NULL;
}

char *
bp_format_value (char   *buf,
                 double  value)
{
  const char *name = bp_nonfinite_name (value);

  g_return_val_if_fail (buf != NULL, NULL);

  if (name != NULL)
    return strcpy (buf, name);
  return g_ascii_formatd (buf, 32, "%g", value);
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
  /* x·0 is 0 for a finite x and NaN for ±∞ or NaN, so a sum of such
   * products is NaN exactly when some x is not finite.  Four independent
   * vector sums keep the adds from waiting on each other. */
  bp_v4d a0 = { 0, 0, 0, 0 }, a1 = a0, a2 = a0, a3 = a0;
  double tail = 0.0;
  gsize i = 0;

  for (; i + 16 <= n; i += 16)
    {
      bp_v4d v0, v1, v2, v3;

      BP_V4D_LOAD (v0, x + i);
      BP_V4D_LOAD (v1, x + i + 4);
      BP_V4D_LOAD (v2, x + i + 8);
      BP_V4D_LOAD (v3, x + i + 12);
      a0 += v0 * 0.0;
      a1 += v1 * 0.0;
      a2 += v2 * 0.0;
      a3 += v3 * 0.0;
    }
  for (; i < n; i++)
    tail += x[i] * 0.0;
  a0 += a1 + a2 + a3;
  return !isnan (a0[0] + a0[1] + a0[2] + a0[3] + tail);
}

char *
bp_shown (const char *value,
          gssize      len,
          gsize       max_chars)
{
  GString *out;
  const char *p, *end;
  gsize n_chars = 0;

  if (value == NULL)
    return g_strdup ("(null)");
  if (len < 0)
    len = (gssize) strlen (value);
  out = g_string_sized_new (MIN ((gsize) len, max_chars * 4) + 16);
  p = value;
  end = value + len;
  while (p < end && n_chars < max_chars)
    {
      gunichar c = g_utf8_get_char_validated (p, end - p);

      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_string_append_printf (out, "\\x%02X", (guint) (guchar) *p);
          p++;
        }
      else if (c == '\\')
        {
          g_string_append (out, "\\\\");
          p++;
        }
      else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
        {
          g_string_append_printf (out, "\\x%02X", (guint) c);
          p = g_utf8_next_char (p);
        }
      else
        {
          const char *next = g_utf8_next_char (p);

          g_string_append_len (out, p, next - p);
          p = next;
        }
      n_chars++;
    }
  if (p < end)
    g_string_append_printf (out, "… (%" G_GSSIZE_FORMAT " bytes)", len);
  return g_string_free (out, FALSE);
}
