/* bpv-math.c — a TeX subset to Pango markup (see bpv-math.h). */
#include "config.h"
#include "bpv-math.h"

#include <string.h>

typedef enum
{
  SYM_ORD,   /* a letter-like symbol: σ, ∂, ∞ */
  SYM_OP,    /* a large operator: Σ, ∏ (its scripts follow) */
  SYM_BIN,   /* a binary operator or relation: spaced, "a · b" */
  SYM_FUNC,  /* a function name: "tanh z" keeps its space */
} SymbolClass;

typedef struct
{
  const char  *name;
  const char  *text;
  SymbolClass  cls;
} Symbol;

static const Symbol symbols[] = {
  { "alpha", "α", SYM_ORD }, { "beta", "β", SYM_ORD }, { "gamma", "γ", SYM_ORD },
  { "delta", "δ", SYM_ORD }, { "epsilon", "ε", SYM_ORD }, { "varepsilon", "ε", SYM_ORD },
  { "zeta", "ζ", SYM_ORD }, { "eta", "η", SYM_ORD }, { "theta", "θ", SYM_ORD },
  { "vartheta", "ϑ", SYM_ORD }, { "iota", "ι", SYM_ORD }, { "kappa", "κ", SYM_ORD },
  { "lambda", "λ", SYM_ORD }, { "mu", "μ", SYM_ORD }, { "nu", "ν", SYM_ORD },
  { "xi", "ξ", SYM_ORD }, { "pi", "π", SYM_ORD }, { "rho", "ρ", SYM_ORD },
  { "sigma", "σ", SYM_ORD }, { "tau", "τ", SYM_ORD }, { "upsilon", "υ", SYM_ORD },
  { "phi", "φ", SYM_ORD }, { "varphi", "φ", SYM_ORD }, { "chi", "χ", SYM_ORD },
  { "psi", "ψ", SYM_ORD }, { "omega", "ω", SYM_ORD },
  { "Gamma", "Γ", SYM_ORD }, { "Delta", "Δ", SYM_ORD }, { "Theta", "Θ", SYM_ORD },
  { "Lambda", "Λ", SYM_ORD }, { "Xi", "Ξ", SYM_ORD }, { "Pi", "Π", SYM_ORD },
  { "Sigma", "Σ", SYM_ORD }, { "Upsilon", "Υ", SYM_ORD }, { "Phi", "Φ", SYM_ORD },
  { "Psi", "Ψ", SYM_ORD }, { "Omega", "Ω", SYM_ORD },
  { "partial", "∂", SYM_ORD }, { "nabla", "∇", SYM_ORD }, { "infty", "∞", SYM_ORD },
  { "prime", "′", SYM_ORD }, { "ell", "ℓ", SYM_ORD }, { "ldots", "…", SYM_ORD },
  { "dots", "…", SYM_ORD }, { "cdots", "⋯", SYM_ORD }, { "lvert", "|", SYM_ORD },
  { "rvert", "|", SYM_ORD }, { "vert", "|", SYM_ORD }, { "|", "‖", SYM_ORD },
  { "lVert", "‖", SYM_ORD }, { "rVert", "‖", SYM_ORD },
  { "sum", "Σ", SYM_OP }, { "prod", "∏", SYM_OP }, { "int", "∫", SYM_OP },
  { "cdot", "·", SYM_BIN }, { "times", "×", SYM_BIN }, { "pm", "±", SYM_BIN },
  { "mp", "∓", SYM_BIN }, { "div", "÷", SYM_BIN }, { "odot", "⊙", SYM_BIN },
  { "circ", "∘", SYM_BIN }, { "le", "≤", SYM_BIN }, { "leq", "≤", SYM_BIN },
  { "ge", "≥", SYM_BIN }, { "geq", "≥", SYM_BIN }, { "ne", "≠", SYM_BIN },
  { "neq", "≠", SYM_BIN }, { "approx", "≈", SYM_BIN }, { "equiv", "≡", SYM_BIN },
  { "sim", "∼", SYM_BIN }, { "propto", "∝", SYM_BIN }, { "in", "∈", SYM_BIN },
  { "to", "→", SYM_BIN }, { "rightarrow", "→", SYM_BIN }, { "leftarrow", "←", SYM_BIN },
  { "gets", "←", SYM_BIN }, { "mapsto", "↦", SYM_BIN },
};

/* Commands that take one argument and put a combining mark on it. */
static const struct { const char *name; const char *mark; } accents[] = {
  { "hat", "\xcc\x82" },    /* U+0302 */
  { "widehat", "\xcc\x82" },
  { "bar", "\xcc\x84" },    /* U+0304 */
  { "overline", "\xcc\x85" },
  { "tilde", "\xcc\x83" },  /* U+0303 */
  { "dot", "\xcc\x87" },    /* U+0307 */
  { "vec", "\xe2\x83\x97" }, /* U+20D7 */
};

typedef struct
{
  const char *p;
  int         depth;  /* of braces, against runaway input */
  gboolean    flat;   /* scripts as Unicode characters where they exist */
} Parser;

/* Unicode has sub- and superscript forms for digits, a few signs and some
 * letters: "yₖ", "e⁻ᶻ".  NULL where there is none. */
static const char *
script_char (gunichar c,
             gboolean super)
{
  static const char *sup_digits[] = { "⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹" };
  static const char *sub_digits[] = { "₀", "₁", "₂", "₃", "₄", "₅", "₆", "₇", "₈", "₉" };
  static const char *sup_lower[] = { "ᵃ", "ᵇ", "ᶜ", "ᵈ", "ᵉ", "ᶠ", "ᵍ", "ʰ", "ⁱ", "ʲ", "ᵏ", "ˡ", "ᵐ",
                                     "ⁿ", "ᵒ", "ᵖ", NULL, "ʳ", "ˢ", "ᵗ", "ᵘ", "ᵛ", "ʷ", "ˣ", "ʸ", "ᶻ" };
  static const char *sub_lower[] = { "ₐ", NULL, NULL, NULL, "ₑ", NULL, NULL, "ₕ", "ᵢ", "ⱼ", "ₖ", "ₗ", "ₘ",
                                     "ₙ", "ₒ", "ₚ", NULL, "ᵣ", "ₛ", "ₜ", "ᵤ", "ᵥ", NULL, "ₓ", NULL, NULL };

  if (c >= '0' && c <= '9')
    return super ? sup_digits[c - '0'] : sub_digits[c - '0'];
  if (c >= 'a' && c <= 'z')
    return super ? sup_lower[c - 'a'] : sub_lower[c - 'a'];
  switch (c)
    {
    case '+': return super ? "⁺" : "₊";
    case '-': case 0x2212: return super ? "⁻" : "₋";
    case '=': return super ? "⁼" : "₌";
    case '(': return super ? "⁽" : "₍";
    case ')': return super ? "⁾" : "₎";
    default:  return NULL;
    }
}

/* `arg` (markup) in sub- or superscript characters, or NULL when one of
 * its characters has no such form (or it holds markup). */
static char *
flat_script (const char *arg,
             gboolean    super)
{
  GString *s = g_string_new (NULL);

  for (const char *p = arg; *p != '\0'; p = g_utf8_next_char (p))
    {
      const char *c = script_char (g_utf8_get_char (p), super);

      if (c == NULL)
        {
          g_string_free (s, TRUE);
          return NULL;
        }
      g_string_append (s, c);
    }
  return g_string_free (s, FALSE);
}

static void parse_sequence (Parser *ps, GString *out, gboolean in_group);

static void
append_escaped_char (GString    *out,
                     const char *p,
                     gsize       len)
{
  switch (*p)
    {
    case '&': g_string_append (out, "&amp;"); break;
    case '<': g_string_append (out, "&lt;"); break;
    case '>': g_string_append (out, "&gt;"); break;
    default:  g_string_append_len (out, p, (gssize) len); break;
    }
}

static gsize
utf8_len (const char *p)
{
  const char *next = g_utf8_find_next_char (p, NULL);

  return next != NULL ? (gsize) (next - p) : strlen (p);
}

static gboolean
ascii_word_char (char c)
{
  return g_ascii_isalnum (c);
}

/* The markup without tags, to decide whether a part needs parentheses. */
static gboolean
needs_parentheses (const char *markup)
{
  g_autofree char *plain = NULL;
  const char *q;
  gboolean in_tag = FALSE;
  GString *s = g_string_new (NULL);

  for (q = markup; *q != '\0'; q++)
    {
      if (*q == '<')
        in_tag = TRUE;
      else if (*q == '>')
        in_tag = FALSE;
      else if (!in_tag)
        g_string_append_c (s, *q);
    }
  plain = g_string_free (s, FALSE);
  if (strpbrk (plain, " +-/,=") != NULL)
    return TRUE;
  for (const char *op = "−·×±"; *op != '\0'; op = g_utf8_next_char (op))
    {
      char buf[8] = { 0 };

      memcpy (buf, op, utf8_len (op));
      if (strstr (plain, buf) != NULL)
        return TRUE;
    }
  return FALSE;
}

static void
append_part (GString    *out,
             const char *part)
{
  if (needs_parentheses (part))
    g_string_append_printf (out, "(%s)", part);
  else
    g_string_append (out, part);
}

static void
skip_spaces (Parser *ps)
{
  while (*ps->p == ' ')
    ps->p++;
}

/* A braced group, its braces consumed, into `out`. */
static void
parse_group (Parser  *ps,
             GString *out)
{
  g_assert (*ps->p == '{');
  ps->p++;
  if (ps->depth > 64)
    {
      /* Runaway nesting: the rest as text, without recursion. */
      g_string_append_c (out, '{');
      return;
    }
  ps->depth++;
  parse_sequence (ps, out, TRUE);
  ps->depth--;
  if (*ps->p == '}')
    ps->p++;
}

static void parse_command (Parser *ps, GString *out);

/* The argument of ^, _ or a command: a group, a command, one word of
 * ASCII letters (and digits after them), a run of digits, or one
 * character. */
static char *
parse_argument (Parser  *ps,
                gboolean word)
{
  GString *arg = g_string_new (NULL);

  skip_spaces (ps);
  if (*ps->p == '{')
    parse_group (ps, arg);
  else if (*ps->p == '\\')
    parse_command (ps, arg);
  else if (word && g_ascii_isdigit (*ps->p))
    while (g_ascii_isdigit (*ps->p))
      g_string_append_c (arg, *ps->p++);
  else if (word && g_ascii_isalpha (*ps->p))
    while (ascii_word_char (*ps->p))
      g_string_append_c (arg, *ps->p++);
  else if (*ps->p != '\0' && *ps->p != '}')
    {
      gsize len = utf8_len (ps->p);

      append_escaped_char (arg, ps->p, len);
      ps->p += len;
    }
  return g_string_free (arg, FALSE);
}

static void
append_spaced (GString    *out,
               const char *text)
{
  if (out->len > 0 && out->str[out->len - 1] != ' ' && out->str[out->len - 1] != '(')
    g_string_append_c (out, ' ');
  g_string_append (out, text);
  g_string_append_c (out, ' ');
}

static void
parse_command (Parser  *ps,
               GString *out)
{
  g_autofree char *name = NULL;
  const char *start;

  g_assert (*ps->p == '\\');
  ps->p++;
  if (*ps->p == '\0')
    {
      g_string_append_c (out, '\\');
      return;
    }
  if (!g_ascii_isalpha (*ps->p))
    {
      /* A control symbol: spacing or an escaped character. */
      char c = *ps->p;

      if (c == '|')
        {
          g_string_append (out, "‖");
          ps->p++;
          return;
        }
      ps->p += utf8_len (ps->p);
      switch (c)
        {
        case ',': g_string_append (out, "\xe2\x80\x89"); break;  /* thin space */
        case ':': case '>': g_string_append (out, "\xe2\x81\x9f"); break;  /* medium */
        case ';': case ' ': g_string_append_c (out, ' '); break;
        case '!': break;
        case '\\': g_string_append_c (out, '\n'); break;
        default: append_escaped_char (out, &c, 1); break;
        }
      return;
    }
  start = ps->p;
  while (g_ascii_isalpha (*ps->p))
    ps->p++;
  name = g_strndup (start, (gsize) (ps->p - start));
  /* TeX ignores spaces after a control word. */
  skip_spaces (ps);

  if (strcmp (name, "frac") == 0 || strcmp (name, "dfrac") == 0 || strcmp (name, "tfrac") == 0)
    {
      g_autofree char *a = parse_argument (ps, FALSE);
      g_autofree char *b = parse_argument (ps, FALSE);

      append_part (out, a);
      g_string_append_c (out, '/');
      append_part (out, b);
      return;
    }
  if (strcmp (name, "sqrt") == 0)
    {
      g_autofree char *x = NULL;

      if (*ps->p == '[')
        {
          const char *end = strchr (ps->p, ']');

          if (end != NULL)
            {
              g_autofree char *index = g_strndup (ps->p + 1, (gsize) (end - ps->p - 1));
              g_autofree char *escaped = g_markup_escape_text (index, -1);

              g_string_append_printf (out, "<sup>%s</sup>", escaped);
              ps->p = end + 1;
            }
        }
      x = parse_argument (ps, FALSE);
      g_string_append (out, "√");
      append_part (out, x);
      return;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (accents); i++)
    if (strcmp (name, accents[i].name) == 0)
      {
        g_autofree char *x = parse_argument (ps, FALSE);

        g_string_append (out, x);
        g_string_append (out, accents[i].mark);
        return;
      }
  if (strcmp (name, "mathrm") == 0 || strcmp (name, "text") == 0 || strcmp (name, "textrm") == 0
      || strcmp (name, "operatorname") == 0 || strcmp (name, "mathit") == 0
      || strcmp (name, "mathbf") == 0 || strcmp (name, "boldsymbol") == 0)
    {
      g_autofree char *x = parse_argument (ps, FALSE);
      gboolean bold = name[4] == 'b' || name[0] == 'b';

      g_string_append_printf (out, bold ? "<b>%s</b>" : "%s", x);
      return;
    }
  if (strcmp (name, "left") == 0 || strcmp (name, "right") == 0 || strcmp (name, "big") == 0
      || strcmp (name, "Big") == 0 || strcmp (name, "displaystyle") == 0)
    {
      /* The delimiter that follows is drawn as it is; "." is none. */
      if (*ps->p == '.')
        ps->p++;
      return;
    }
  if (strcmp (name, "quad") == 0 || strcmp (name, "qquad") == 0)
    {
      g_string_append (out, name[0] == 'q' && name[1] == 'q' ? "    " : "  ");
      return;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (symbols); i++)
    if (strcmp (name, symbols[i].name) == 0)
      {
        if (symbols[i].cls == SYM_BIN)
          append_spaced (out, symbols[i].text);
        else
          g_string_append (out, symbols[i].text);
        return;
      }
  /* A function name (\tanh, \log, \erf, \softplus) or a command this
   * subset does not know: its name, with a space before a following
   * letter so "\tanh z" stays "tanh z". */
  g_string_append (out, name);
  if (ps->p > start + strlen (name) && g_ascii_isalnum (*ps->p))
    g_string_append_c (out, ' ');
}

static void
parse_sequence (Parser   *ps,
                GString  *out,
                gboolean  in_group)
{
  while (*ps->p != '\0')
    {
      char c = *ps->p;

      if (c == '}')
        {
          if (in_group)
            return;
          g_string_append_c (out, '}');
          ps->p++;
        }
      else if (c == '{')
        parse_group (ps, out);
      else if (c == '^' || c == '_')
        {
          g_autofree char *arg = NULL;

          g_autofree char *flat = NULL;

          ps->p++;
          arg = parse_argument (ps, TRUE);
          if (ps->flat && *arg != '\0' && (flat = flat_script (arg, c == '^')) != NULL)
            g_string_append (out, flat);
          else
            g_string_append_printf (out, c == '^' ? "<sup>%s</sup>" : "<sub>%s</sub>", arg);
        }
      else if (c == '\\')
        parse_command (ps, out);
      else if (c == '\'')
        {
          /* z' is z′, as in TeX's math mode. */
          g_string_append (out, "′");
          ps->p++;
        }
      else
        {
          gsize len = utf8_len (ps->p);

          append_escaped_char (out, ps->p, len);
          ps->p += len;
        }
    }
}

static char *
to_markup (const char *tex,
           gboolean    flat)
{
  Parser ps = { NULL, 0, flat };
  GString *out;

  if (tex == NULL)
    return g_strdup ("");
  if (!g_utf8_validate (tex, -1, NULL))
    {
      /* Not text: show what can be shown, escaped, never invalid markup. */
      g_autofree char *valid = g_utf8_make_valid (tex, -1);

      return g_markup_escape_text (valid, -1);
    }
  ps.p = tex;
  out = g_string_new (NULL);
  parse_sequence (&ps, out, FALSE);
  return g_string_free (out, FALSE);
}

char *
bpv_math_to_markup (const char *tex)
{
  return to_markup (tex, FALSE);
}

char *
bpv_math_to_markup_flat (const char *tex)
{
  return to_markup (tex, TRUE);
}
