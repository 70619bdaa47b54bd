/* bpv-lesson-markup.c — the light markup of a lesson's texts, as Pango
 * markup for the app and as plain text for the handout's PDF and the tests
 * (see bpv_lesson_markup_to_pango in bpv-lesson.h).
 *
 * Lecturers write "<", "&" and "a < b" in their texts: everything that is
 * not one of the few marks is escaped, so no text can break the label that
 * shows it.  $math$ goes through bpv-math, the same TeX subset the rest of
 * the app shows formulas in (z_1, W^T, \sigma'(z)).
 */
#include "config.h"
#include "bpv-lesson-private.h"

#include <glib/gi18n.h>
#include <pango/pango.h>
#include <string.h>

#include "bpv-math.h"

typedef enum
{
  MARK_BOLD,
  MARK_ITALIC,
} Mark;

static const char * const mark_text[] = { "**", "*" };
static const char * const mark_open[] = { "<b>", "<i>" };
static const char * const mark_close[] = { "</b>", "</i>" };

typedef struct
{
  const char *start;   /* the whole text: positions are counted from here */
  GString    *markup;
  GString    *plain;
  Mark        stack[2];
  const char *opened_at[2];
  int         depth;
} Writer;

/* 1-based characters from the start of the text, as an editor counts. */
static glong
position (const Writer *w,
          const char   *p)
{
  return g_utf8_pointer_to_offset (w->start, p) + 1;
}

static void
put_text (Writer     *w,
          const char *text,
          gssize      len)
{
  g_autofree char *escaped = NULL;

  if (len < 0)
    len = (gssize) strlen (text);
  escaped = g_markup_escape_text (text, len);
  g_string_append (w->markup, escaped);
  g_string_append_len (w->plain, text, len);
}

/* The plain text of a formula's Pango markup: entities decoded, and the
 * scripts Unicode has no characters for written as "^x", "_x" or "^(xy)"
 * (a transpose as "ᵀ") rather than run into the line. */
static char *
markup_to_plain (const char *markup)
{
  static const struct
  {
    const char *open, *close, *mark;
  } scripts[] = {
    { "<sup>", "</sup>", "^" },
    { "<sub>", "</sub>", "_" },
  };
  g_autoptr(GString) s = g_string_new (markup);
  char *text = NULL;

  g_string_replace (s, "<sup>T</sup>", "ᵀ", 0);
  for (gsize i = 0; i < G_N_ELEMENTS (scripts); i++)
    {
      char *open;

      while ((open = strstr (s->str, scripts[i].open)) != NULL)
        {
          gsize at = open - s->str;
          const char *inner = open + strlen (scripts[i].open);
          const char *close = strstr (inner, scripts[i].close);
          gsize inner_len = close != NULL ? (gsize) (close - inner) : strlen (inner);
          gboolean one = g_utf8_strlen (inner, inner_len) == 1;
          g_autofree char *repl = g_strdup_printf ("%s%s%.*s%s", scripts[i].mark, one ? "" : "(",
                                                   (int) inner_len, inner, one ? "" : ")");

          g_string_erase (s, at, (inner - open) + inner_len
                                 + (close != NULL ? strlen (scripts[i].close) : 0));
          g_string_insert (s, at, repl);
        }
    }
  if (!pango_parse_markup (s->str, -1, 0, NULL, &text, NULL, NULL))
    return g_strdup (markup);
  return text;
}

static void
put_math (Writer     *w,
          const char *tex,
          gsize       len)
{
  g_autofree char *src = g_strndup (tex, len);
  g_autofree char *markup = bpv_math_to_markup (src);
  /* In plain text a subscript that Unicode can write is written so. */
  g_autofree char *flat = bpv_math_to_markup_flat (src);
  g_autofree char *plain = markup_to_plain (flat);

  g_string_append (w->markup, markup);
  g_string_append (w->plain, plain);
}

static gboolean
toggle (Writer      *w,
        Mark         mark,
        const char  *at,
        GError     **error)
{
  if (w->depth > 0 && w->stack[w->depth - 1] == mark)
    {
      w->depth--;
      g_string_append (w->markup, mark_close[mark]);
      return TRUE;
    }
  for (int i = 0; i < w->depth; i++)
    if (w->stack[i] == mark)
      {
        g_set_error (error, BPV_LESSON_ERROR, BPV_LESSON_ERROR_INVALID,
                     _("at character %ld: ‘%s’ closes before the ‘%s’ opened at character %ld"),
                     position (w, at), mark_text[mark], mark_text[w->stack[w->depth - 1]],
                     position (w, w->opened_at[w->depth - 1]));
        return FALSE;
      }
  w->stack[w->depth] = mark;
  w->opened_at[w->depth] = at;
  w->depth++;
  g_string_append (w->markup, mark_open[mark]);
  return TRUE;
}

/* A "*" or "**" that no mark is open for and that a space follows is
 * text, as in "2 * 3" (Markdown's rule). */
static gboolean
opens_nothing (const Writer *w,
               const char   *p,
               const char   *end)
{
  Mark mark = p + 1 < end && p[1] == '*' ? MARK_BOLD : MARK_ITALIC;
  const char *after = p + (mark == MARK_BOLD ? 2 : 1);

  for (int i = 0; i < w->depth; i++)
    if (w->stack[i] == mark)
      return FALSE;
  return after >= end || g_ascii_isspace (*after);
}

/* One paragraph, [p, end): its single line breaks are spaces. */
static gboolean
put_paragraph (Writer      *w,
               const char  *p,
               const char  *end,
               GError     **error)
{
  while (p < end)
    {
      const char *run = p;

      /* Plain text up to the next mark. */
      while (p < end && strchr ("\\*`$\n", *p) == NULL)
        p++;
      if (p > run)
        put_text (w, run, p - run);
      if (p >= end)
        break;

      switch (*p)
        {
        case '\n':
          put_text (w, " ", 1);
          p++;
          break;

        case '\\':
          /* The next character as it is ("\*", "\$", "\\"). */
          if (p + 1 < end)
            {
              const char *next = g_utf8_next_char (p + 1);

              put_text (w, p + 1, next - (p + 1));
              p = next;
            }
          else
            {
              put_text (w, p, 1);
              p++;
            }
          break;

        case '*':
          if (opens_nothing (w, p, end))
            {
              put_text (w, p, 1);
              p++;
            }
          else if (p + 1 < end && p[1] == '*')
            {
              if (!toggle (w, MARK_BOLD, p, error))
                return FALSE;
              p += 2;
            }
          else
            {
              if (!toggle (w, MARK_ITALIC, p, error))
                return FALSE;
              p++;
            }
          break;

        case '`':
          {
            const char *close = memchr (p + 1, '`', end - (p + 1));

            if (close == NULL)
              {
                g_set_error (error, BPV_LESSON_ERROR, BPV_LESSON_ERROR_INVALID,
                             _("at character %ld: ‘`’ is not closed in its paragraph"),
                             position (w, p));
                return FALSE;
              }
            g_string_append (w->markup, "<tt>");
            put_text (w, p + 1, close - (p + 1));
            g_string_append (w->markup, "</tt>");
            p = close + 1;
          }
          break;

        case '$':
          {
            /* TeX inside: "\$" is a dollar sign, not the end. */
            const char *close = p + 1;

            while (close < end && *close != '$')
              close += (*close == '\\' && close + 1 < end) ? 2 : 1;
            if (close >= end)
              {
                g_set_error (error, BPV_LESSON_ERROR, BPV_LESSON_ERROR_INVALID,
                             _("at character %ld: ‘$’ is not closed in its paragraph"),
                             position (w, p));
                return FALSE;
              }
            put_math (w, p + 1, close - (p + 1));
            p = close + 1;
          }
          break;

        default:
          g_assert_not_reached ();
        }
    }
  if (w->depth > 0)
    {
      g_set_error (error, BPV_LESSON_ERROR, BPV_LESSON_ERROR_INVALID,
                   _("at character %ld: ‘%s’ is not closed in its paragraph"),
                   position (w, w->opened_at[w->depth - 1]), mark_text[w->stack[w->depth - 1]]);
      return FALSE;
    }
  return TRUE;
}

/* A line of nothing but spaces ends a paragraph. */
static gboolean
is_blank_line (const char *p,
               const char *end)
{
  while (p < end && *p != '\n')
    {
      if (!g_ascii_isspace (*p))
        return FALSE;
      p++;
    }
  return TRUE;
}

char *
bpv_lesson_markup_to_pango (const char  *text,
                            char       **plain,
                            GError     **error)
{
  Writer w = { 0 };
  const char *p, *end;
  gboolean first = TRUE;

  g_return_val_if_fail (text != NULL, NULL);

  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, BPV_LESSON_ERROR, BPV_LESSON_ERROR_INVALID, _("not valid UTF-8"));
      return NULL;
    }
  w.start = text;
  w.markup = g_string_new (NULL);
  w.plain = g_string_new (NULL);
  p = text;
  end = text + strlen (text);
  while (p < end)
    {
      const char *para, *para_end;

      /* Skip blank lines, then take lines up to the next blank one. */
      while (p < end && is_blank_line (p, end))
        {
          const char *nl = memchr (p, '\n', end - p);

          p = nl != NULL ? nl + 1 : end;
        }
      if (p >= end)
        break;
      para = p;
      para_end = p;
      while (para_end < end && !is_blank_line (para_end, end))
        {
          const char *nl = memchr (para_end, '\n', end - para_end);

          para_end = nl != NULL ? nl + 1 : end;
        }
      p = para_end;
      /* The last line break of a paragraph is not a space in it. */
      while (para_end > para && g_ascii_isspace (para_end[-1]))
        para_end--;
      if (!first)
        {
          g_string_append (w.markup, "\n\n");
          g_string_append (w.plain, "\n\n");
        }
      first = FALSE;
      w.depth = 0;
      if (!put_paragraph (&w, para, para_end, error))
        {
          g_string_free (w.markup, TRUE);
          g_string_free (w.plain, TRUE);
          return NULL;
        }
    }
  if (plain != NULL)
    *plain = g_string_free (w.plain, FALSE);
  else
    g_string_free (w.plain, TRUE);
  return g_string_free (w.markup, FALSE);
}
