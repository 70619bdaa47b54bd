/* bp-model-prescan.c — one pass over a model file's text before json-glib
 * parses it.
 *
 * Why json-glib alone is not enough (json-glib 1.6, each case a test in
 * tests/test-model.c's test_bad_syntax):
 *   - it parses recursively with no depth limit: a few hundred thousand "["
 *     overflow the stack and kill the process instead of giving an error;
 *   - it reads an integer above 2⁶³ − 1 as a wrapped-around value, so
 *     "out": 18446744073709551615 would load as some other width;
 *   - it accepts hex and octal literals (0x10, 010), which JSON does not
 *     have and other readers of the file would not read the same way.
 * So here the nesting is bounded and every number literal is checked
 * against the JSON grammar, with the line and column in the message as
 * json-glib's own parse errors have them; a NUL byte is refused the same
 * way.  Everything else (syntax, UTF-8) is json-glib's.
 */
#include "bp-model.h"
#include "bp-model-private.h"

#include <string.h>

/* Nesting deeper than this is refused before parsing.  The format itself
 * needs 5 levels (root, layers, layer, W, row). */
#define MAX_DEPTH 64

static gboolean
fail_at (Loader     *ld,
         const char *line_start,
         const char *p,
         gsize       line,
         const char *msg)
{
  g_set_error (ld->error, BP_MODEL_ERROR, BP_MODEL_ERROR_PARSE, "%s:%zu:%zu: %s",
               ld->name, line, (gsize) (p - line_start) + 1, msg);
  return FALSE;
}

/* A JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? without the
 * sign (json-glib reads the sign as its own token).  *is_int: no fraction
 * and no exponent. */
static gboolean
valid_number (const char *s,
              gsize       n,
              gboolean   *is_int)
{
  gsize i = 0;

  *is_int = TRUE;
  if (n > 0 && s[0] == '0')
    i = 1;
  else if (n > 0 && s[0] >= '1' && s[0] <= '9')
    while (i < n && g_ascii_isdigit (s[i]))
      i++;
  else
    return FALSE;
  if (i < n && s[i] == '.')
    {
      gsize start = ++i;

      *is_int = FALSE;
      while (i < n && g_ascii_isdigit (s[i]))
        i++;
      if (i == start)
        return FALSE;
    }
  if (i < n && (s[i] == 'e' || s[i] == 'E'))
    {
      gsize start;

      *is_int = FALSE;
      i++;
      if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
      start = i;
      while (i < n && g_ascii_isdigit (s[i]))
        i++;
      if (i == start)
        return FALSE;
    }
  return i == n;
}

/* The pass lexes as json-glib's scanner does, so that no bracket it skips
 * is one json-glib counts: "…" strings with backslash escapes, '…' strings
 * without, C comments (slash-star to star-slash), and comments from a lone
 * slash to the next slash (json-glib's single-line comment pair is "//").
 * Whatever it leaves unterminated, json-glib reports as an error, so the
 * pass stops there. */
gboolean
_bp_model_prescan (Loader     *ld,
                   const char *data,
                   gsize       len)
{
  const char *p = data, *end = data + len, *line_start = data;
  gsize line = 1, depth = 0;

#define NEWLINE_AT(q) G_STMT_START { line++; line_start = (q) + 1; } G_STMT_END

  while (p < end)
    {
      char c = *p;

      if (c == '\0')
        return fail_at (ld, line_start, p, line, "NUL byte in the file");
      if (c == '\n')
        {
          NEWLINE_AT (p);
          p++;
        }
      else if (c == '"' || c == '\'')
        {
          for (p++; p < end && *p != c; p++)
            {
              if (*p == '\\' && c == '"' && p + 1 < end)
                p++;
              if (*p == '\n')
                NEWLINE_AT (p);
            }
          if (p >= end)
            return TRUE;
          p++;
        }
      else if (c == '/')
        {
          gboolean multi = p + 1 < end && p[1] == '*';

          for (p += multi ? 2 : 1; p < end; p++)
            {
              if (multi ? (*p == '*' && p + 1 < end && p[1] == '/') : *p == '/')
                break;
              if (*p == '\n')
                NEWLINE_AT (p);
            }
          if (p >= end)
            return TRUE;
          p += multi ? 2 : 1;
        }
      else if (c == '[' || c == '{')
        {
          if (++depth > MAX_DEPTH)
            return fail_at (ld, line_start, p, line,
                            "nested more than " G_STRINGIFY (MAX_DEPTH) " levels deep");
          p++;
        }
      else if (c == ']' || c == '}')
        {
          if (depth > 0)
            depth--;
          p++;
        }
      else if (g_ascii_isdigit (c) || c == '.')
        {
          const char *start = p;
          gboolean after_e = FALSE, is_int;

          /* The scanner's token: alphanumerics and dots, and a sign right
           * after an e. */
          for (p++; p < end; p++)
            {
              if (g_ascii_isalnum (*p) || *p == '.')
                after_e = *p == 'e' || *p == 'E';
              else if ((*p == '+' || *p == '-') && after_e)
                after_e = FALSE;
              else
                break;
            }
          if (!valid_number (start, (gsize) (p - start), &is_int))
            {
              g_autofree char *tok = g_strndup (start, MIN ((gsize) (p - start), 40));
              g_autofree char *msg = g_strdup_printf ("invalid number \"%s\"", tok);

              return fail_at (ld, line_start, start, line, msg);
            }
          if (is_int && (p - start > 19 ||
                         (p - start == 19 && memcmp (start, "9223372036854775807", 19) > 0)))
            {
              g_autofree char *tok = g_strndup (start, MIN ((gsize) (p - start), 40));
              g_autofree char *msg =
                g_strdup_printf ("integer %s%s does not fit in 64 bits "
                                 "(write it with an exponent, like 1e20)",
                                 tok, p - start > 40 ? "..." : "");

              return fail_at (ld, line_start, start, line, msg);
            }
        }
      else if (g_ascii_isalpha (c) || c == '_')
        {
          /* An identifier (true, false, null, or an error): its digits
           * are not a number. */
          for (p++; p < end && (g_ascii_isalnum (*p) || *p == '_' || (guchar) *p >= 0x80); p++)
            ;
        }
      else
        p++;
    }
#undef NEWLINE_AT
  return TRUE;
}

