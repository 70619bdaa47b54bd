/* bp-dataset-csv.c — reading a dataset from CSV.
 *
 * The format is RFC 4180 with some tolerance:
 *   - a header row naming every column (non-empty, unique names) is required;
 *   - the separator is a comma; lines end in LF or CRLF; a UTF-8 byte order
 *     mark at the start is skipped;
 *   - blanks (space, tab, CR) around a field are trimmed, lines holding only
 *     blanks are skipped wherever they are (so trailing blank lines are fine);
 *   - a field may be double-quoted, with "" for a quote inside; it may then
 *     hold commas and line breaks, and its inner blanks are kept.
 *
 * Columns other than the targets are features and every cell must be a finite
 * number read by g_ascii_strtod (C locale, the whole cell).  A target column
 * is numeric (regression; a single column holding only 0 and 1 is a binary
 * task) unless one of its cells is text, in which case it holds class labels,
 * one-hot encoded in order of first appearance.  A quoted cell in a target
 * column is always text, even "3": that is how a file says that its numbers
 * are class names (data/digits.csv does, as R's write.csv does for factors).
 * Only a sole target column may hold labels.
 *
 * One pass over the data with amortised-linear arrays; when a target column
 * turns out to hold labels, the rows read so far are re-read once for it.
 * Each record is first scanned to count its fields so that a ragged row is
 * reported as such rather than as whatever its shifted cells look like.
 */
#include "config.h"
#include "bp-dataset.h"
#include "bp-network.h"

#include <glib/gi18n-lib.h>
#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#define MAX_BYTES    ((gsize) 1 << 30)
#define MAX_ROWS     ((gsize) 10000000)
#define MAX_CLASSES  1000
#define MAX_ONE_HOT  ((gsize) 1 << 28)   /* 2 GiB of doubles */
#define SHOWN_CHARS  40

typedef struct
{
  const char *display;   /* UTF-8 name for messages */
  const char *p;
  const char *end;
  gsize       line;      /* 1-based line of p */
  GString    *quoted;    /* unescaped text of the last quoted field */
} Cursor;

typedef struct
{
  const char *text;      /* not NUL-terminated; valid until the next read */
  gsize       len;
  gsize       line;      /* the line the field starts on */
  gboolean    quoted;
} Field;

static inline gboolean
is_blank (char c)
{
  return c == ' ' || c == '\t' || c == '\r';
}

/* Moves to the next line that holds more than blanks; FALSE at the end. */
static gboolean
cursor_next_record (Cursor *c)
{
  for (const char *q = c->p; q < c->end; q++)
    {
      if (*q == '\n')
        {
          c->line++;
          c->p = q + 1;
        }
      else if (!is_blank (*q))
        return TRUE;
    }
  c->p = c->end;
  return FALSE;
}

/* Reads one field (column is 0-based, for messages); *last is TRUE when
 * it ends the record. */
static gboolean
cursor_read_field (Cursor    *c,
                   gsize      column,
                   Field     *f,
                   gboolean  *last,
                   GError   **error)
{
  const char *p = c->p;
  const char *end = c->end;

  while (p < end && is_blank (*p))
    p++;
  f->line = c->line;

  if (p < end && *p == '"')
    {
      g_string_truncate (c->quoted, 0);
      p++;
      for (;;)
        {
          const char *q = memchr (p, '"', end - p);

          if (q == NULL)
            {
              g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_PARSE,
                           _("%s:%zu: column %zu: the quoted field opened here is never closed"),
                           c->display, f->line, column + 1);
              return FALSE;
            }
          for (const char *n = p; n < q; n++)
            c->line += *n == '\n';
          g_string_append_len (c->quoted, p, q - p);
          p = q + 1;
          if (p < end && *p == '"')
            {
              g_string_append_c (c->quoted, '"');
              p++;
            }
          else
            break;
        }
      while (p < end && is_blank (*p))
        p++;
      if (p < end && *p != ',' && *p != '\n')
        {
          g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_PARSE,
                       _("%s:%zu: column %zu: unexpected text after the closing quote"),
                       c->display, c->line, column + 1);
          return FALSE;
        }
      f->text = c->quoted->str;
      f->len = c->quoted->len;
      f->quoted = TRUE;
    }
  else
    {
      const char *start = p;
      const char *stop;

      while (p < end && *p != ',' && *p != '\n')
        p++;
      stop = p;
      while (stop > start && is_blank (stop[-1]))
        stop--;
      f->text = start;
      f->len = stop - start;
      f->quoted = FALSE;
    }

  *last = p >= end || *p == '\n';
  if (p < end)
    {
      c->line += *p == '\n';
      p++;
    }
  c->p = p;
  return TRUE;
}

/* Counts the fields of the record at the cursor without moving it. */
static gboolean
cursor_count_fields (Cursor    *c,
                     gsize     *n,
                     GError   **error)
{
  const char *p = c->p;
  gsize line = c->line;
  gboolean last = FALSE;
  Field f;

  *n = 0;
  while (!last)
    {
      if (!cursor_read_field (c, *n, &f, &last, error))
        return FALSE;
      (*n)++;
    }
  c->p = p;
  c->line = line;
  return TRUE;
}

typedef enum
{
  NUMBER_OK,
  NUMBER_EMPTY,
  NUMBER_NOT_FINITE,
  NUMBER_TEXT,
} NumberResult;

static NumberResult
parse_number (const Field *f,
              GString     *buf,
              double      *value)
{
  const char *t = f->text;
  gsize len = f->len;
  char *endp;

  /* Unquoted fields are trimmed already; a quoted number may have blanks. */
  while (len > 0 && is_blank (t[0]))
    {
      t++;
      len--;
    }
  while (len > 0 && is_blank (t[len - 1]))
    len--;
  if (len == 0)
    return NUMBER_EMPTY;

  g_string_truncate (buf, 0);
  g_string_append_len (buf, t, len);
  *value = g_ascii_strtod (buf->str, &endp);
  if (endp != buf->str + buf->len)
    return NUMBER_TEXT;
  return isfinite (*value) ? NUMBER_OK : NUMBER_NOT_FINITE;
}

/* A cell for a message: valid UTF-8, at most SHOWN_CHARS characters. */
static char *
shown_cell (const Field *f)
{
  g_autofree char *valid = g_utf8_make_valid (f->text, f->len);

  if (g_utf8_strlen (valid, -1) <= SHOWN_CHARS)
    return g_steal_pointer (&valid);
  else
    {
      g_autofree char *head = g_utf8_substring (valid, 0, SHOWN_CHARS);

      return g_strconcat (head, "…", NULL);
    }
}

typedef struct
{
  gsize     column;      /* 0-based column in the file */
  GArray   *values;      /* double per row while the column is numeric */
  gboolean  all01;       /* every value so far is 0 or 1 */
  GArray   *classes;     /* guint per row once it holds labels, else NULL */
} Target;

typedef struct
{
  Cursor      cur;
  const char *data_start;    /* the first data record, for re-reading */
  gsize       data_line;
  GPtrArray  *names;         /* column names, UTF-8 */
  int        *slot;          /* per column: -1 for a feature, else target */
  Target     *targets;
  gsize       n_targets;
  GArray     *X;
  gsize       n_rows;
  GPtrArray  *class_names;   /* owns the labels */
  GHashTable *class_index;   /* label → class + 1; keys borrowed */
  GString    *numbuf;
  GString    *requoted;      /* the re-reading cursor's quote buffer */
} Parser;

static void
parser_clear (Parser *p)
{
  if (p->cur.quoted != NULL)
    g_string_free (p->cur.quoted, TRUE);
  g_clear_pointer (&p->names, g_ptr_array_unref);
  g_clear_pointer (&p->slot, g_free);
  for (gsize i = 0; i < p->n_targets; i++)
    {
      g_clear_pointer (&p->targets[i].values, g_array_unref);
      g_clear_pointer (&p->targets[i].classes, g_array_unref);
    }
  g_clear_pointer (&p->targets, g_free);
  g_clear_pointer (&p->X, g_array_unref);
  g_clear_pointer (&p->class_index, g_hash_table_unref);
  g_clear_pointer (&p->class_names, g_ptr_array_unref);
  if (p->numbuf != NULL)
    g_string_free (p->numbuf, TRUE);
  if (p->requoted != NULL)
    g_string_free (p->requoted, TRUE);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Parser, parser_clear)

static const char *
column_name (const Parser *p,
             gsize         column)
{
  return g_ptr_array_index (p->names, column);
}

static gboolean
add_label (Parser       *p,
           Target       *t,
           const Field  *f,
           GError      **error)
{
  g_autofree char *label = g_utf8_make_valid (f->text, f->len);
  gpointer found = g_hash_table_lookup (p->class_index, label);
  guint k;

  if (found != NULL)
    k = GPOINTER_TO_UINT (found) - 1;
  else
    {
      if (p->class_names->len == MAX_CLASSES)
        {
          g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_INVALID,
                       _("%s:%zu: column %zu (“%s”): more than %d different class labels"),
                       p->cur.display, f->line, t->column + 1,
                       column_name (p, t->column), MAX_CLASSES);
          return FALSE;
        }
      k = p->class_names->len;
      g_hash_table_insert (p->class_index, label, GUINT_TO_POINTER (k + 1));
      g_ptr_array_add (p->class_names, g_steal_pointer (&label));
    }
  g_array_append_val (t->classes, k);
  return TRUE;
}

/* The column held numbers until now: read its first `rows` cells again, as
 * labels this time ("1.0" and "1" are different classes). */
static gboolean
switch_to_labels (Parser  *p,
                  Target  *t,
                  gsize    rows,
                  GError **error)
{
  Cursor c = p->cur;
  gsize n_cols = p->names->len;

  c.p = p->data_start;
  c.line = p->data_line;
  c.quoted = p->requoted;

  t->classes = g_array_sized_new (FALSE, FALSE, sizeof (guint),
                                  MAX (t->values->len, 16));
  g_clear_pointer (&t->values, g_array_unref);

  for (gsize r = 0; r < rows; r++)
    {
      gboolean last = FALSE;

      cursor_next_record (&c);
      for (gsize j = 0; j < n_cols; j++)
        {
          Field f;

          if (!cursor_read_field (&c, j, &f, &last, error))
            return FALSE;
          if (j == t->column && !add_label (p, t, &f, error))
            return FALSE;
        }
      g_assert (last);
    }
  return TRUE;
}

static gboolean
read_target (Parser       *p,
             Target       *t,
             const Field  *f,
             GError      **error)
{
  g_autofree char *cell = NULL;

  if (t->classes == NULL && !f->quoted)
    {
      double v;

      switch (parse_number (f, p->numbuf, &v))
        {
        case NUMBER_OK:
          g_array_append_val (t->values, v);
          t->all01 = t->all01 && (v == 0.0 || v == 1.0);
          return TRUE;
        case NUMBER_NOT_FINITE:
          cell = shown_cell (f);
          g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_PARSE,
                       _("%s:%zu: column %zu (“%s”): “%s” is not a finite number"),
                       p->cur.display, f->line, t->column + 1,
                       column_name (p, t->column), cell);
          return FALSE;
        case NUMBER_EMPTY:
        case NUMBER_TEXT:
        default:
          break;
        }
    }

  if (f->len == 0)
    {
      g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_PARSE,
                   _("%s:%zu: column %zu (“%s”): the cell is empty"),
                   p->cur.display, f->line, t->column + 1,
                   column_name (p, t->column));
      return FALSE;
    }

  if (t->classes == NULL)
    {
      /* The first text cell of a column that held numbers so far. */
      if (p->n_targets > 1)
        {
          cell = shown_cell (f);
          g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_INVALID,
                       _("%s:%zu: column %zu (“%s”): “%s” is a text label, but a column of "
                         "labels must be the only target"),
                       p->cur.display, f->line, t->column + 1,
                       column_name (p, t->column), cell);
          return FALSE;
        }
      if (!switch_to_labels (p, t, p->n_rows - 1, error))
        return FALSE;
    }
  return add_label (p, t, f, error);
}

static gboolean
read_header (Parser              *p,
             const char * const  *targets,
             GError             **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean last = FALSE;
  gboolean all_numbers = TRUE;
  gsize line = p->cur.line;
  gsize n_cols;

  /* All names first: a first line of numbers (a file without a header) is
   * reported as such, not as whatever name clash its numbers make. */
  while (!last)
    {
      Field f;
      double v;

      if (!cursor_read_field (&p->cur, p->names->len, &f, &last, error))
        return FALSE;
      all_numbers = all_numbers && !f.quoted
                    && parse_number (&f, p->numbuf, &v) == NUMBER_OK;
      g_ptr_array_add (p->names, g_utf8_make_valid (f.text, f.len));
    }
  n_cols = p->names->len;

  if (all_numbers)
    {
      g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_PARSE,
                   _("%s:%zu: the first line holds numbers; "
                     "it must be a header row naming the columns"),
                   p->cur.display, line);
      return FALSE;
    }

  for (gsize j = 0; j < n_cols; j++)
    {
      const char *name = column_name (p, j);
      gpointer other;

      if (name[0] == '\0')
        {
          g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_PARSE,
                       _("%s:%zu: column %zu of the header has no name"),
                       p->cur.display, line, j + 1);
          return FALSE;
        }
      other = g_hash_table_lookup (seen, name);
      if (other != NULL)
        {
          g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_PARSE,
                       _("%s:%zu: column %zu (“%s”) has the same name as column %u"),
                       p->cur.display, line, j + 1, name,
                       GPOINTER_TO_UINT (other));
          return FALSE;
        }
      g_hash_table_insert (seen, (gpointer) name, GUINT_TO_POINTER (j + 1));
    }

  /* Which columns are targets, in the order `targets` gives them. */
  p->slot = g_new (int, n_cols);
  for (gsize j = 0; j < n_cols; j++)
    p->slot[j] = -1;

  if (targets == NULL)
    {
      p->n_targets = 1;
      p->targets = g_new0 (Target, 1);
      p->targets[0].column = n_cols - 1;
      p->slot[n_cols - 1] = 0;
    }
  else
    {
      p->n_targets = g_strv_length ((char **) targets);
      if (p->n_targets == 0)
        {
          g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_INVALID,
                       _("%s: no target column given"), p->cur.display);
          return FALSE;
        }
      p->targets = g_new0 (Target, p->n_targets);
      for (gsize k = 0; k < p->n_targets; k++)
        {
          gpointer col = g_hash_table_lookup (seen, targets[k]);

          if (col == NULL)
            {
              g_autofree char *shown = g_utf8_make_valid (targets[k], -1);
              g_autoptr(GString) cols = g_string_new (NULL);

              for (gsize j = 0; j < n_cols; j++)
                g_string_append_printf (cols, "%s“%s”", j > 0 ? ", " : "",
                                        column_name (p, j));
              g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_INVALID,
                           _("%s: no column is named “%s”; the columns are %s"),
                           p->cur.display, shown, cols->str);
              return FALSE;
            }
          p->targets[k].column = GPOINTER_TO_UINT (col) - 1;
          if (p->slot[p->targets[k].column] >= 0)
            {
              g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_INVALID,
                           _("%s: the target column “%s” is named twice"),
                           p->cur.display, targets[k]);
              return FALSE;
            }
          p->slot[p->targets[k].column] = (int) k;
        }
    }

  for (gsize k = 0; k < p->n_targets; k++)
    {
      p->targets[k].values = g_array_new (FALSE, FALSE, sizeof (double));
      p->targets[k].all01 = TRUE;
    }

  if (p->n_targets >= n_cols)
    {
      g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_INVALID,
                   _("%s: every column is a target; at least one feature "
                     "column is needed"), p->cur.display);
      return FALSE;
    }
  /* Each feature column is one input of the network: say so here, with
   * the file and the column count, before reading the rows (rather than
   * "input width … is out of range" from the network later). */
  if (n_cols - p->n_targets > BP_MAX_WIDTH)
    {
      g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_INVALID,
                   _("%s:%zu: the header has %zu columns, "
                     "%zu of them features, but a network takes at most "
                     "%d inputs (one per feature column)"),
                   p->cur.display, line, n_cols, n_cols - p->n_targets, BP_MAX_WIDTH);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_record (Parser  *p,
             GError **error)
{
  gsize n_cols = p->names->len;
  gsize n_fields;
  gsize line = p->cur.line;

  if (!cursor_count_fields (&p->cur, &n_fields, error))
    return FALSE;
  if (n_fields != n_cols)
    {
      g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_PARSE,
                   _("%s:%zu: expected %zu fields, got %zu"),
                   p->cur.display, line, n_cols, n_fields);
      return FALSE;
    }

  for (gsize j = 0; j < n_cols; j++)
    {
      gboolean last;
      Field f;

      if (!cursor_read_field (&p->cur, j, &f, &last, error))
        return FALSE;

      if (p->slot[j] >= 0)
        {
          if (!read_target (p, &p->targets[p->slot[j]], &f, error))
            return FALSE;
        }
      else
        {
          double v;

          if (parse_number (&f, p->numbuf, &v) != NUMBER_OK)
            {
              g_autofree char *cell = shown_cell (&f);

              g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_PARSE,
                           _("%s:%zu: column %zu (“%s”): “%s” is not a number"),
                           p->cur.display, f.line, j + 1,
                           column_name (p, j), cell);
              return FALSE;
            }
          g_array_append_val (p->X, v);
        }
    }
  return TRUE;
}

static char **
strv_from_ptr_array (GPtrArray *a)
{
  char **v = g_new (char *, a->len + 1);

  for (guint i = 0; i < a->len; i++)
    v[i] = g_strdup (g_ptr_array_index (a, i));
  v[a->len] = NULL;
  return v;
}

static BpDataset *
parser_finish (Parser  *p,
               GError **error)
{
  g_autoptr(BpDataset) ds = g_new0 (BpDataset, 1);
  gsize n_cols = p->names->len;
  Target *t0 = &p->targets[0];
  gsize f = 0;

  ds->name = g_path_get_basename (p->cur.display);
  ds->source = g_strdup (p->cur.display);
  ds->n_rows = p->n_rows;
  ds->n_features = n_cols - p->n_targets;
  ds->X = g_array_steal (p->X, NULL);

  ds->feature_names = g_new (char *, ds->n_features + 1);
  for (gsize j = 0; j < n_cols; j++)
    if (p->slot[j] < 0)
      ds->feature_names[f++] = g_strdup (column_name (p, j));
  ds->feature_names[f] = NULL;

  if (t0->classes != NULL)
    {
      gsize n_classes = p->class_names->len;

      if (n_classes > MAX_ONE_HOT / MAX (p->n_rows, 1))
        {
          g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_INVALID,
                       _("%s: %zu rows of %zu classes is too large a one-hot table"),
                       p->cur.display, p->n_rows, n_classes);
          return NULL;
        }
      ds->task = BP_TASK_MULTICLASS;
      ds->n_targets = n_classes;
      ds->Y = g_new0 (double, p->n_rows * n_classes);
      for (gsize r = 0; r < p->n_rows; r++)
        ds->Y[r * n_classes + g_array_index (t0->classes, guint, r)] = 1.0;
      ds->target_names = strv_from_ptr_array (p->class_names);
    }
  else
    {
      gsize k = p->n_targets;

      ds->task = k == 1 && t0->all01 ? BP_TASK_BINARY : BP_TASK_REGRESSION;
      ds->n_targets = k;
      if (k == 1)
        ds->Y = g_array_steal (t0->values, NULL);
      else
        {
          ds->Y = g_new (double, p->n_rows * k);
          for (gsize t = 0; t < k; t++)
            for (gsize r = 0; r < p->n_rows; r++)
              ds->Y[r * k + t] = g_array_index (p->targets[t].values,
                                                double, r);
        }
      ds->target_names = g_new (char *, k + 1);
      for (gsize t = 0; t < k; t++)
        ds->target_names[t] = g_strdup (column_name (p, p->targets[t].column));
      ds->target_names[k] = NULL;
    }

  return g_steal_pointer (&ds);
}

BpDataset *
bp_dataset_parse_csv (const char          *data,
                      gsize                len,
                      const char          *display_name,
                      const char * const  *targets,
                      GError             **error)
{
  g_auto(Parser) p = { 0 };

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (display_name == NULL)
    display_name = "CSV data";

  if (len > MAX_BYTES)
    {
      g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_INVALID,
                   _("%s: larger than 1 GiB"), display_name);
      return NULL;
    }
  if (len >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    {
      data += 3;
      len -= 3;
    }

  p.cur.display = display_name;
  p.cur.p = data;
  p.cur.end = data + len;
  p.cur.line = 1;
  p.cur.quoted = g_string_new (NULL);
  p.names = g_ptr_array_new_with_free_func (g_free);
  p.X = g_array_new (FALSE, FALSE, sizeof (double));
  p.class_names = g_ptr_array_new_with_free_func (g_free);
  p.class_index = g_hash_table_new (g_str_hash, g_str_equal);
  p.numbuf = g_string_new (NULL);
  p.requoted = g_string_new (NULL);

  if (!cursor_next_record (&p.cur))
    {
      g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_PARSE,
                   _("%s: the file is empty"), display_name);
      return NULL;
    }
  if (!read_header (&p, targets, error))
    return NULL;

  if (cursor_next_record (&p.cur))
    {
      p.data_start = p.cur.p;
      p.data_line = p.cur.line;
    }
  while (cursor_next_record (&p.cur))
    {
      if (p.n_rows == MAX_ROWS)
        {
          g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_INVALID,
                       _("%s:%zu: more than %zu data rows"), display_name, p.cur.line, MAX_ROWS);
          return NULL;
        }
      p.n_rows++;
      if (!read_record (&p, error))
        return NULL;
    }

  if (p.n_rows == 0)
    {
      g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_PARSE,
                   _("%s: no data rows after the header"), display_name);
      return NULL;
    }

  return parser_finish (&p, error);
}

BpDataset *
bp_dataset_load_csv (const char          *path,
                     const char * const  *targets,
                     GError             **error)
{
  g_autofree char *display = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GError) local_error = NULL;
  BpDataset *ds;
  GStatBuf st;
  gsize len;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  display = g_filename_display_name (path);

  if (g_stat (path, &st) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_IO,
                   "%s: %s", display, g_strerror (saved_errno));
      return NULL;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_IO,
                   _("%s: not a regular file"), display);
      return NULL;
    }
  if ((guint64) st.st_size > MAX_BYTES)
    {
      g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_INVALID,
                   _("%s: larger than 1 GiB"), display);
      return NULL;
    }
  if (!g_file_get_contents (path, &contents, &len, &local_error))
    {
      g_set_error (error, BP_DATASET_ERROR, BP_DATASET_ERROR_IO,
                   "%s: %s", display, local_error->message);
      return NULL;
    }

  ds = bp_dataset_parse_csv (contents, len, display, targets, error);
  if (ds == NULL)
    return NULL;

  g_free (ds->name);
  g_free (ds->source);
  ds->name = g_filename_display_basename (path);
  ds->source = g_strdup (path);
  return ds;
}
