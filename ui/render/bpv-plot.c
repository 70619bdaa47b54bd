/* bpv-plot.c — training plots with cairo. */
#include "config.h"
#include "bpv-plot.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bp-diagnostics.h"
#include "bpv-text.h"
#include "bpv-plot-private.h"

void
bpv_plot_style_init (BpvPlotStyle *style)
{
  g_return_if_fail (style != NULL);

  *style = (BpvPlotStyle) { .theme = BPV_THEME_LIGHT, .frame = TRUE };
}

/* ------------------------------------------------------------- the frame */

static double
nice_step (double range,
           int    n)
{
  double raw = range / MAX (n, 1), p, m;

  if (!(raw > 0) || !isfinite (raw))
    return 1;
  p = pow (10, floor (log10 (raw)));
  m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

double
bpv_plot_frame_x (const BpvPlotFrame *fr,
                  double              x)
{
  return fr->plot.x + (x - fr->x0) / (fr->x1 - fr->x0) * fr->plot.width;
}

double
bpv_plot_frame_y (const BpvPlotFrame *fr,
                  double              y)
{
  double v = fr->log_y ? log10 (y) : y;

  return fr->plot.y + (fr->y1 - v) / (fr->y1 - fr->y0) * fr->plot.height;
}

/* The font size of a panel in `rect`, text_scale included. */
double
bpv_plot_frame_font_size (const BpvRect      *rect,
                          const BpvPlotStyle *style)
{
  double f = style->font_size > 0 ? style->font_size
                                  : CLAMP (MIN (rect->width / 26.0, rect->height / 16.0), 12.0, 20.0);

  return MAX (f, BPV_TEXT_MIN_SIZE) * (style->text_scale > 0 ? style->text_scale : 1.0);
}

/* Panel, title; leaves fr->plot as the data area (its left side is fitted
 * to the y tick labels later, by bpv_plot_frame_fit_y). */
gboolean
bpv_plot_frame_begin (BpvPlotFrame       *fr,
                      cairo_t            *cr,
                      const BpvRect      *rect,
                      const BpvPlotStyle *style,
                      const char         *default_title,
                      double              right_room)
{
  BpvPlotStyle defaults;
  const char *title;

  if (style == NULL)
    {
      bpv_plot_style_init (&defaults);
      style = &defaults;
    }
  memset (fr, 0, sizeof *fr);
  fr->cr = cr;
  fr->theme = style->theme;
  fr->tc = bpv_theme_colors (style->theme);
  fr->rect = *rect;
  fr->f = bpv_plot_frame_font_size (rect, style);
  title = style->title != NULL ? style->title : default_title;
  fr->mark = style->mark && isfinite (style->mark_x);
  fr->mark_x = style->mark_x;
  fr->mark_label = style->mark_label;

  cairo_save (cr);
  cairo_rectangle (cr, rect->x, rect->y, rect->width, rect->height);
  cairo_clip (cr);
  if (style->frame)
    {
      bpv_set_source_rgba (cr, fr->tc->panel);
      cairo_paint (cr);
    }
  fr->text = bpv_text_new (cr);
  {
    g_autofree char *escaped = g_markup_escape_text (title, -1);
    double w, h;

    bpv_text_measure (fr->text, escaped, TITLE_EM * fr->f, BPV_TEXT_BOLD, &w, &h);
    /* A title wider than the panel is left out, not cut. */
    if (w <= rect->width - 2 * PAD_EM * fr->f)
      {
        bpv_text_draw (fr->text, escaped, rect->x + PAD_EM * fr->f, rect->y + TITLE_Y_EM * fr->f, 0, 0,
                       TITLE_EM * fr->f, BPV_TEXT_BOLD, fr->tc->text);
        fr->title_right = rect->x + PAD_EM * fr->f + w;
      }
    else
      fr->title_right = rect->x;
  }
  fr->plot = (BpvRect) {
    rect->x + 4.2 * fr->f,
    rect->y + PLOT_TOP_EM * fr->f,
    rect->width - 4.2 * fr->f - PAD_EM * fr->f - right_room,
    rect->height - PLOT_TOP_EM * fr->f - PLOT_BOTTOM_EM * fr->f,
  };
  return fr->plot.width > 10 && fr->plot.height > 10;
}

void
bpv_plot_frame_end (BpvPlotFrame *fr)
{
  bpv_text_free (fr->text);
  cairo_restore (fr->cr);
}

/* A message in the data area, broken into lines that fit its width. */
void
bpv_plot_frame_message (BpvPlotFrame *fr,
                        const char   *message)
{
  g_auto(GStrv) words = g_strsplit (message, " ", -1);
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  GString *line = g_string_new (NULL);
  double f = fr->f, max_w = fr->rect.width - 2 * PAD_EM * f, lh = LINE_EM * f, y;

  for (int i = 0; words[i] != NULL; i++)
    {
      g_autofree char *longer = line->len > 0 ? g_strdup_printf ("%s %s", line->str, words[i])
                                              : g_strdup (words[i]);
      double w;

      bpv_text_measure (fr->text, longer, f, BPV_TEXT_NORMAL, &w, NULL);
      if (w > max_w && line->len > 0)
        {
          g_ptr_array_add (lines, g_string_free (line, FALSE));
          line = g_string_new (words[i]);
        }
      else
        g_string_assign (line, longer);
    }
  g_ptr_array_add (lines, g_string_free (line, FALSE));
  y = fr->rect.y + PLOT_TOP_EM * f
      + MAX ((fr->rect.height - PLOT_TOP_EM * f - lh * lines->len) / 2, 0);
  for (guint i = 0; i < lines->len; i++)
    {
      const char *l = g_ptr_array_index (lines, i);
      double w;

      bpv_text_measure (fr->text, l, f, BPV_TEXT_NORMAL, &w, NULL);
      if (w <= max_w && y + lh <= fr->rect.y + fr->rect.height)
        bpv_text_draw (fr->text, l, fr->rect.x + fr->rect.width / 2, y + lh * i, 0.5, 0, f,
                       BPV_TEXT_NORMAL, fr->tc->text_muted);
    }
}

static char *
format_tick (double v,
             double step)
{
  if (fabs (v) < 1e-9 * step)
    v = 0;
  if (step >= 1 && fabs (v) < 1e6)
    return g_strdup_printf ("%.0f", v);
  return g_strdup_printf ("%g", v);
}

/* "10⁻³" */
static char *
format_power (int e)
{
  static const char *sup[] = { "⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹" };
  GString *s = g_string_new ("10");
  char buf[16];

  if (e < 0)
    g_string_append (s, "⁻");
  g_snprintf (buf, sizeof buf, "%d", abs (e));
  for (char *c = buf; *c != '\0'; c++)
    g_string_append (s, sup[*c - '0']);
  return g_string_free (s, FALSE);
}

void
bpv_plot_frame_mark (BpvPlotFrame *fr,
                     gboolean      label)
{
  cairo_t *cr = fr->cr;
  double px, w, half;

  if (!fr->mark || fr->mark_x < fr->x0 || fr->mark_x > fr->x1)
    return;
  /* On whole pixels, so that the column is the accent colour itself and
   * not a blend with what is under it. */
  px = round (bpv_plot_frame_x (fr, fr->mark_x));
  half = MAX (1.0, round (0.06 * fr->f));
  cairo_save (cr);
  bpv_set_source_rgba (cr, fr->tc->accent);
  cairo_rectangle (cr, px - half, fr->plot.y, 2 * half, fr->plot.height);
  cairo_fill (cr);
  cairo_restore (cr);
  if (!label || fr->mark_label == NULL)
    return;
  /* The label at the top of the data area, right of the marker, or left
   * of it when it would leave the data area; "shown" when neither has
   * room for it (a narrow panel), else nothing. */
  for (int i = 0; i < 2; i++)
    {
      const char *text = i == 0 ? fr->mark_label : _("shown");
      double gap = half + 0.25 * fr->f, y = fr->plot.y + 0.1 * fr->f;

      bpv_text_measure (fr->text, text, fr->f, BPV_TEXT_NORMAL, &w, NULL);
      if (px + gap + w <= fr->plot.x + fr->plot.width)
        {
          bpv_text_draw (fr->text, text, px + gap, y, 0, 0, fr->f, BPV_TEXT_NORMAL, fr->tc->accent);
          return;
        }
      if (px - gap - w >= fr->plot.x)
        {
          bpv_text_draw (fr->text, text, px - gap, y, 1, 0, fr->f, BPV_TEXT_NORMAL, fr->tc->accent);
          return;
        }
    }
}

/* The y tick labels, as bpv_plot_frame_axes draws them: (value, text) pairs. */
static GPtrArray *
frame_y_ticks (BpvPlotFrame  *fr,
               GArray       **values)
{
  GPtrArray *texts = g_ptr_array_new_with_free_func (g_free);

  *values = g_array_new (FALSE, FALSE, sizeof (double));
  if (fr->log_y)
    {
      int e0 = (int) ceil (fr->y0 - 1e-9), e1 = (int) floor (fr->y1 + 1e-9);

      fr->y_every = MAX (1, (int) ceil ((double) (e1 - e0 + 1)
                                        / MAX (fr->plot.height / (Y_TICK_SPACING_EM * fr->f), 1)));
      for (int e = e0; e <= e1; e++)
        if (e % fr->y_every == 0)
          {
            double v = pow (10, e);

            g_array_append_val (*values, v);
            g_ptr_array_add (texts, format_power (e));
          }
    }
  else
    {
      double sy = nice_step (fr->y1 - fr->y0, (int) CLAMP (fr->plot.height / (2.2 * fr->f), 2, 8));

      fr->y_step = sy;
      for (double v = ceil (fr->y0 / sy - 1e-9) * sy; v <= fr->y1 + 1e-9 * sy; v += sy)
        {
          g_array_append_val (*values, v);
          g_ptr_array_add (texts, fr->percent_y ? g_strdup_printf ("%.0f%%", fabs (v) < 1e-9 ? 0.0 : v * 100)
                                                : format_tick (v, sy));
        }
    }
  return texts;
}

/* Moves the data area's left side to leave just the room its y tick
 * labels and the y title need.  Call once y0, y1, log_y and percent_y are
 * set, before anything uses bpv_plot_frame_x. */
void
bpv_plot_frame_fit_y (BpvPlotFrame *fr)
{
  g_autoptr(GArray) values = NULL;
  g_autoptr(GPtrArray) texts = frame_y_ticks (fr, &values);
  double widest = 0, th, right = fr->plot.x + fr->plot.width, left;

  for (guint i = 0; i < texts->len; i++)
    {
      double w;

      bpv_text_measure (fr->text, g_ptr_array_index (texts, i), fr->f, BPV_TEXT_NORMAL, &w, NULL);
      widest = MAX (widest, w);
    }
  bpv_text_measure (fr->text, "Mg", fr->f, BPV_TEXT_NORMAL, NULL, &th);
  left = fr->rect.x + PAD_EM * fr->f + th + 0.3 * fr->f + widest + TICK_GAP_EM * fr->f;
  fr->plot.x = left;
  fr->plot.width = right - left;
}

/* The x tick labels of step sx that fit: inside the panel and clear of
 * the one before.  When `draw`, draws every tick and those labels; returns
 * how many labels; *first_left: where the first begins. */
static guint
x_tick_labels (BpvPlotFrame *fr,
               double        sx,
               gboolean      draw,
               double       *first_left,
               gboolean     *crowded)
{
  double f = fr->f, last_right = -G_MAXDOUBLE;
  guint n = 0;

  if (crowded != NULL)
    *crowded = FALSE;

  for (double v = ceil (fr->x0 / sx - 1e-9) * sx; v <= fr->x1 + 1e-9 * sx; v += sx)
    {
      double px = bpv_plot_frame_x (fr, v), w;
      g_autofree char *s = format_tick (v, sx);

      if (draw)
        {
          cairo_move_to (fr->cr, px, fr->plot.y + fr->plot.height);
          cairo_rel_line_to (fr->cr, 0, 0.3 * f);
          cairo_stroke (fr->cr);
        }
      bpv_text_measure (fr->text, s, f, BPV_TEXT_NORMAL, &w, NULL);
      if (px - w / 2 < fr->rect.x + 0.2 * f || px + w / 2 > fr->rect.x + fr->rect.width - 0.2 * f)
        continue;
      if (px - w / 2 < last_right + 0.5 * f)
        {
          if (crowded != NULL)
            *crowded = TRUE;
          continue;
        }
      if (draw)
        bpv_text_draw (fr->text, s, px, fr->plot.y + fr->plot.height + TICK_GAP_EM * f, 0.5, 0,
                       f, BPV_TEXT_NORMAL, fr->tc->text_muted);
      last_right = px + w / 2;
      if (first_left != NULL && n == 0)
        *first_left = MIN (*first_left, px - w / 2);
      n++;
    }
  return n;
}

/* Axes, grid lines, ticks and axis titles. */
void
bpv_plot_frame_axes (BpvPlotFrame *fr,
                     const char   *x_title,
                     const char   *y_title,
                     gboolean      percent_y)
{
  cairo_t *cr = fr->cr;
  double f = fr->f, sx, th;
  g_autoptr(GArray) values = NULL;
  g_autoptr(GPtrArray) texts = NULL;
  double first_left = G_MAXDOUBLE;

  fr->percent_y = percent_y;
  texts = frame_y_ticks (fr, &values);
  cairo_save (cr);
  cairo_set_line_width (cr, 1.0);

  /* x ticks: at least three labelled when there is room (a histogram's
   * range is read from them) */
  sx = nice_step (fr->x1 - fr->x0, (int) CLAMP (fr->plot.width / (X_TICK_SPACING_EM * f), 2, 10));
  if ((fr->x1 - fr->x0) / sx < 2 && fr->plot.width >= 3 * X_TICK_SPACING_EM * f)
    sx = nice_step (fr->x1 - fr->x0, 4);
  /* The labels at the ends may not fit in the panel: then another step
   * that leaves three, best with every tick labelled (not "−0.012,
   * −0.002, 0.008" from a step whose labels crowd each other out). */
  if (x_tick_labels (fr, sx, FALSE, NULL, NULL) < 3)
    {
      double fallback = sx;

      for (int n = 20; n >= 2; n--)
        {
          double step = nice_step (fr->x1 - fr->x0, n);
          gboolean crowded;
          guint labels = x_tick_labels (fr, step, FALSE, NULL, &crowded);

          if (labels >= 3 && !crowded)
            {
              fallback = step;
              break;
            }
          if (labels >= 3 && fallback == sx)
            fallback = step;
        }
      sx = fallback;
    }
  bpv_set_source_rgba (cr, fr->tc->grid);
  x_tick_labels (fr, sx, TRUE, &first_left, NULL);

  /* y grid and ticks; the bottom label gives way to an x label under the
   * corner. */
  for (guint i = 0; i < texts->len; i++)
    {
      double py = bpv_plot_frame_y (fr, g_array_index (values, double, i));

      bpv_set_source_rgba (cr, bpv_rgba_with_alpha (fr->tc->grid, 0.6));
      cairo_move_to (cr, fr->plot.x, py);
      cairo_rel_line_to (cr, fr->plot.width, 0);
      cairo_stroke (cr);
      if (first_left < fr->plot.x - TICK_GAP_EM * f + 0.5 * f
          && py + 0.65 * f > fr->plot.y + fr->plot.height + TICK_GAP_EM * f)
        continue;
      bpv_text_draw (fr->text, g_ptr_array_index (texts, i), fr->plot.x - TICK_GAP_EM * f, py, 1, 0.5, f,
                     BPV_TEXT_NORMAL, fr->tc->text_muted);
    }

  bpv_set_source_rgba (cr, fr->tc->grid);
  cairo_move_to (cr, fr->plot.x, fr->plot.y);
  cairo_rel_line_to (cr, 0, fr->plot.height);
  cairo_rel_line_to (cr, fr->plot.width, 0);
  cairo_stroke (cr);

  if (x_title != NULL)
    {
      double w;

      bpv_text_measure (fr->text, x_title, f, BPV_TEXT_NORMAL, &w, &th);
      if (w <= fr->rect.width - 2 * PAD_EM * f
          && fr->plot.y + fr->plot.height + X_TITLE_EM * f + th <= fr->rect.y + fr->rect.height)
        bpv_text_draw (fr->text, x_title,
                       CLAMP (fr->plot.x + fr->plot.width / 2, fr->rect.x + PAD_EM * f + w / 2,
                              fr->rect.x + fr->rect.width - PAD_EM * f - w / 2),
                       fr->plot.y + fr->plot.height + X_TITLE_EM * f, 0.5, 0, f, BPV_TEXT_NORMAL,
                       fr->tc->text);
    }
  if (y_title != NULL)
    {
      double w;

      bpv_text_measure (fr->text, y_title, f, BPV_TEXT_NORMAL, &w, &th);
      /* Along the axis, when the axis is long enough for it. */
      if (w <= fr->plot.height)
        {
          cairo_save (cr);
          cairo_translate (cr, fr->rect.x + PAD_EM * f, fr->plot.y + fr->plot.height / 2);
          cairo_rotate (cr, -G_PI / 2);
          bpv_text_draw (fr->text, y_title, 0, 0, 0.5, 0, f, BPV_TEXT_NORMAL, fr->tc->text);
          cairo_restore (cr);
        }
    }
  cairo_restore (cr);
}

/* A polyline through (x[i], y[i]); non-finite or (log) non-positive values
 * break it. */
void
bpv_plot_frame_line (BpvPlotFrame *fr,
                     const double *x,
                     const double *y,
                     gsize         n,
                     gsize         y_stride,
                     BpvRgba       color,
                     double        width,
                     gboolean      dashed)
{
  cairo_t *cr = fr->cr;
  gboolean pen = FALSE;
  gsize drawn = 0;
  double last_x = 0, last_y = 0;

  cairo_save (cr);
  cairo_rectangle (cr, fr->plot.x, fr->plot.y - 2, fr->plot.width + 2, fr->plot.height + 4);
  cairo_clip (cr);
  for (gsize i = 0; i < n; i++)
    {
      double v = y[i * y_stride];

      if (!isfinite (v) || (fr->log_y && !(v > 0)) || !isfinite (x[i]))
        {
          pen = FALSE;
          continue;
        }
      last_x = bpv_plot_frame_x (fr, x[i]);
      last_y = bpv_plot_frame_y (fr, v);
      if (pen)
        cairo_line_to (cr, last_x, last_y);
      else
        cairo_move_to (cr, last_x, last_y);
      pen = TRUE;
      drawn++;
    }
  bpv_set_source_rgba (cr, color);
  cairo_set_line_width (cr, width);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  if (dashed)
    {
      double dash[2] = { 3 * width, 2.2 * width };

      cairo_set_dash (cr, dash, 2, 0);
    }
  cairo_stroke (cr);
  /* A single point (or the last one) as a dot, so one epoch shows. */
  if (drawn > 0)
    {
      cairo_set_dash (cr, NULL, 0, 0);
      cairo_arc (cr, last_x, last_y, width * 1.3, 0, 2 * G_PI);
      cairo_fill (cr);
    }
  cairo_restore (cr);
}

/* The middle of the row under the title (a key, a verdict), for which
 * the caller moves the data area down by LINE_EM. */
static double
frame_row_y (const BpvPlotFrame *fr)
{
  return fr->rect.y + (TITLE_Y_EM + 1.2 * TITLE_EM + 0.1 + 0.65) * fr->f;
}

/* A key sample: a short line, solid or dashed, ending at (x + len, y). */
static void
key_stroke (BpvPlotFrame *fr,
            double        x,
            double        y,
            BpvRgba       color,
            gboolean      dashed)
{
  cairo_t *cr = fr->cr;

  cairo_save (cr);
  bpv_set_source_rgba (cr, color);
  cairo_set_line_width (cr, 0.2 * fr->f);
  if (dashed)
    {
      double dash[2] = { 0.35 * fr->f, 0.25 * fr->f };

      cairo_set_dash (cr, dash, 2, 0);
    }
  cairo_move_to (cr, x, y);
  cairo_rel_line_to (cr, KEY_STROKE_EM * fr->f, 0);
  cairo_stroke (cr);
  cairo_restore (cr);
}

/* A key of n entries as one row of text beside the title when it fits
 * there, else on a row of its own under it (the data area moves down):
 * never over the data.  Entries that fit in neither are left out. */
void
bpv_plot_frame_header_key (BpvPlotFrame    *fr,
                           const char     **labels,
                           const BpvRgba   *colors,
                           const gboolean  *dashed,
                           gsize            n)
{
  double f = fr->f, total = 0, y, x;
  double right = fr->rect.x + fr->rect.width - PAD_EM * f;
  g_autofree double *w = g_new0 (double, MAX (n, 1));

  for (gsize i = 0; i < n; i++)
    {
      bpv_text_measure (fr->text, labels[i], f, BPV_TEXT_NORMAL, &w[i], NULL);
      total += (i > 0 ? 0.8 * f : 0) + (KEY_STROKE_EM + KEY_GAP_EM) * f + w[i];
    }
  if (right - total >= fr->title_right + f)
    y = fr->rect.y + TITLE_Y_EM * f + 0.5 * TITLE_EM * f * 1.2;
  else
    {
      /* A row of its own. */
      y = frame_row_y (fr);
      fr->plot.y += LINE_EM * f;
      fr->plot.height -= LINE_EM * f;
      total = MIN (total, right - fr->rect.x - PAD_EM * f);
    }
  x = right - total;
  for (gsize i = 0; i < n; i++)
    {
      double need = (KEY_STROKE_EM + KEY_GAP_EM) * f + w[i];

      if (x + need > right + 0.5)
        break;
      key_stroke (fr, x, y, colors[i], dashed != NULL && dashed[i]);
      bpv_text_draw (fr->text, labels[i], x + (KEY_STROKE_EM + KEY_GAP_EM) * f, y, 0, 0.5, f,
                     BPV_TEXT_NORMAL, fr->tc->text);
      x += need + 0.8 * f;
    }
}

/* -------------------------------------------------------- gradient norms */

/* The verdict's colour on a light panel: the theme's warning orange is too
 * light for bold text on white, this darker one reads. */
static const BpvRgba VERDICT_ON_LIGHT = { 0.6, 0.35, 0.0, 1 };

/* Layer l's colour: Okabe–Ito's eight, then two more that none of them
 * resembles, so that up to ten layers are told apart by colour alone
 * (beyond ten, every other round of colours is dashed). */
static BpvRgba
layer_color (const BpvPlotFrame *fr,
             gsize               l)
{
  static const BpvRgba extra[2] = {
    { 136 / 255.0, 34 / 255.0, 85 / 255.0, 1 },    /* wine */
    { 68 / 255.0, 170 / 255.0, 153 / 255.0, 1 },   /* teal */
  };
  gsize i = l % 10;

  if (i >= 8)
    return extra[i - 8];
  if (fr->theme == BPV_THEME_DARK && i == 7)
    return fr->tc->text;  /* Okabe–Ito black on a dark panel */
  return bpv_palette_category ((guint) i);
}

BpvRgba
bpv_plot_frame_layer_color (const BpvPlotFrame *fr,
                            gsize               l)
{
  return layer_color (fr, l);
}

static gboolean
layer_dashed (gsize l)
{
  return (l / 10) % 2 == 1;
}

typedef struct
{
  gsize  layer;
  double target;   /* where its line ends */
  double y;        /* where its label goes */
  int    rank;     /* lower is kept first when they do not all fit */
} EndLabel;

static int
compare_end_target (const void *a,
                    const void *b)
{
  double x = ((const EndLabel *) a)->target, y = ((const EndLabel *) b)->target;

  return (x > y) - (x < y);
}

/* Names at the right end of the lines ("W(3)"), each joined to its line:
 * pushed apart where lines end close together; when they cannot all fit,
 * the first and last layer and those in trouble keep theirs. */
static void
paint_end_labels (BpvPlotFrame           *fr,
                  const double           *latest,
                  const BpDiagGradHealth *health,
                  gsize                   n_layers,
                  const char *const      *names)
{
  cairo_t *cr = fr->cr;
  double f = fr->f, lh, x = fr->plot.x + fr->plot.width + 0.3 * f;
  double top = fr->plot.y - 0.4 * f, bottom = fr->plot.y + fr->plot.height + 0.4 * f;
  g_autofree EndLabel *all = g_new0 (EndLabel, MAX (n_layers, 1));
  g_autofree EndLabel *kept = g_new0 (EndLabel, MAX (n_layers, 1));
  gsize n = 0, m = 0;
  gsize capacity;

  bpv_text_measure (fr->text, "W(1)", f, BPV_TEXT_NORMAL, NULL, &lh);
  for (gsize l = 0; l < n_layers; l++)
    {
      double v = latest[l];
      double ty = isfinite (v) && v > 0 ? bpv_plot_frame_y (fr, v) : fr->plot.y + fr->plot.height;

      all[n++] = (EndLabel) { l, CLAMP (ty, top + lh / 2, bottom - lh / 2), 0,
                              health[l] != BP_DIAG_GRAD_OK ? 0 : l == 0 || l + 1 == n_layers ? 1 : 2 };
    }
  capacity = (gsize) MAX (floor ((bottom - top) / lh), 0);
  /* Keep by rank, then in layer order. */
  for (int rank = 0; rank <= 2 && m < capacity; rank++)
    for (gsize i = 0; i < n && m < capacity; i++)
      if (all[i].rank == rank)
        kept[m++] = all[i];
  qsort (kept, m, sizeof (EndLabel), compare_end_target);
  /* Down from the top, then back up from the bottom. */
  for (gsize i = 0; i < m; i++)
    kept[i].y = MAX (kept[i].target, i > 0 ? kept[i - 1].y + lh : top + lh / 2);
  for (gsize i = m; i-- > 0;)
    kept[i].y = MIN (kept[i].y, i + 1 < m ? kept[i + 1].y - lh : bottom - lh / 2);

  for (gsize i = 0; i < m; i++)
    {
      gsize l = kept[i].layer;
      BpvRgba color = layer_color (fr, l);
      g_autofree char *name = names != NULL ? g_strdup (names[l]) : g_strdup_printf ("W(%" G_GSIZE_FORMAT ")", l + 1);
      g_autofree char *label = g_strdup_printf ("%s%s", name, health[l] != BP_DIAG_GRAD_OK ? " ⚠" : "");

      cairo_save (cr);
      bpv_set_source_rgba (cr, color);
      cairo_set_line_width (cr, 0.17 * f);
      if (layer_dashed (l))
        {
          double dash[2] = { 0.35 * f, 0.25 * f };

          cairo_set_dash (cr, dash, 2, 0);
        }
      cairo_move_to (cr, fr->plot.x + fr->plot.width, kept[i].target);
      cairo_line_to (cr, x, kept[i].y);
      cairo_rel_line_to (cr, 0.9 * f, 0);
      cairo_stroke (cr);
      cairo_restore (cr);
      bpv_text_draw (fr->text, label, x + 1.2 * f, kept[i].y, 0, 0.5, f,
                     health[l] != BP_DIAG_GRAD_OK ? BPV_TEXT_BOLD : BPV_TEXT_NORMAL, fr->tc->text);
    }
}

static void grad_norms_paint (cairo_t            *cr,
                              const BpvRect      *rect,
                              const double       *norms,
                              gsize               n_records,
                              gsize               n_layers,
                              guint64             stride,
                              const BpvPlotStyle *style,
                              const char *const  *names);

void
bpv_plot_grad_norms (cairo_t            *cr,
                     const BpvRect      *rect,
                     const double       *norms,
                     gsize               n_records,
                     gsize               n_layers,
                     guint64             stride,
                     const BpvPlotStyle *style)
{
  g_autofree double *kept = NULL;
  g_autofree const char **names = NULL;
  g_autofree char *title = NULL;
  GString *none;
  BpvPlotStyle own;
  gsize m = 0;

  g_return_if_fail (cr != NULL && rect != NULL);
  g_return_if_fail (norms != NULL || n_records == 0);

  if (style == NULL || style->layer_names == NULL)
    {
      grad_norms_paint (cr, rect, norms, n_records, n_layers, stride, style, NULL);
      return;
    }
  /* Only the layers with parameters have a line (and a verdict); the
   * others are named in the title, so that none is left out silently. */
  names = g_new0 (const char *, MAX (n_layers, 1));
  none = g_string_new (NULL);
  for (gsize l = 0; l < n_layers; l++)
    if (style->layer_names[l] != NULL)
      names[m++] = style->layer_names[l];
    else
      g_string_append_printf (none, "%s%" G_GSIZE_FORMAT, none->len > 0 ? ", " : "", l + 1);
  kept = g_new (double, MAX (n_records * m, 1));
  for (gsize r = 0; r < n_records; r++)
    for (gsize l = 0, i = 0; l < n_layers; l++)
      if (style->layer_names[l] != NULL)
        kept[r * m + i++] = norms[r * n_layers + l];
  own = *style;
  if (none->len > 0)
    {
      title = g_strdup_printf (_("%s · layer %s: dropout, no parameters"),
                               style->title != NULL ? style->title : _("Gradient norm ‖∂C/∂W(n)‖ per layer"),
                               none->str);
      own.title = title;
    }
  g_string_free (none, TRUE);
  grad_norms_paint (cr, rect, kept, n_records, m, stride, &own, names);
}

/* The plot of n_layers lines named `names` (NULL: "W(n)"). */
static void
grad_norms_paint (cairo_t            *cr,
                  const BpvRect      *rect,
                  const double       *norms,
                  gsize               n_records,
                  gsize               n_layers,
                  guint64             stride,
                  const BpvPlotStyle *style,
                  const char *const  *names)
{
  BpvPlotFrame fr;
  double lo = INFINITY, hi = -INFINITY, right_room;
  g_autofree double *steps = NULL;
  g_autofree BpDiagGradHealth *health = NULL;
  g_autofree double *smooth = NULL;
  g_autofree char *verdict = NULL;
  const double *latest;
  gsize window;

  g_return_if_fail (cr != NULL && rect != NULL);
  g_return_if_fail (norms != NULL || n_records == 0);

  right_room = 0;
  if (!bpv_plot_frame_begin (&fr, cr, rect, style, _("Gradient norm ‖∂C/∂W(n)‖ per layer"), right_room))
    {
      bpv_plot_frame_end (&fr);
      return;
    }
  if (n_records == 0 || n_layers == 0)
    {
      bpv_plot_frame_message (&fr, _("No gradient records yet: train a few steps."));
      bpv_plot_frame_end (&fr);
      return;
    }
  {
    /* The lines' names go right of the data, never over it. */
    g_autofree char *widest = g_strdup_printf ("W(%" G_GSIZE_FORMAT ") ⚠", n_layers);
    double w;

    bpv_text_measure (fr.text, widest, fr.f, BPV_TEXT_BOLD, &w, NULL);
    for (gsize l = 0; names != NULL && l < n_layers; l++)
      {
        g_autofree char *named = g_strdup_printf ("%s ⚠", names[l]);
        double wn;

        bpv_text_measure (fr.text, named, fr.f, BPV_TEXT_BOLD, &wn, NULL);
        w = MAX (w, wn);
      }
    fr.plot.width -= w + 1.5 * fr.f;
  }

  for (gsize i = 0; i < n_records * n_layers; i++)
    if (isfinite (norms[i]) && norms[i] > 0)
      {
        lo = MIN (lo, norms[i]);
        hi = MAX (hi, norms[i]);
      }
  if (!(hi >= lo))
    {
      lo = 1e-8;
      hi = 1;
    }
  /* Each layer's line is drawn twice: every record, faint, and its
   * running average in orders of magnitude over about a 25th of the run,
   * which the verdict and the key are read from. */
  window = MAX (n_records / BP_DIAG_GRAD_SMOOTH_DIVISOR, 1);
  smooth = g_new (double, n_records * n_layers);
  bp_diag_grad_smooth (norms, n_records, n_layers, smooth);
  latest = smooth + (n_records - 1) * n_layers;
  health = g_new0 (BpDiagGradHealth, n_layers);
  bp_diag_grad_health (latest, n_layers, health);
  verdict = bp_diag_grad_verdict_named (latest, health, n_layers, names);

  /* The verdict gets a line of its own under the title. */
  if (verdict != NULL)
    {
      fr.plot.y += LINE_EM * fr.f;
      fr.plot.height -= LINE_EM * fr.f;
    }
  fr.log_y = TRUE;
  fr.y0 = floor (log10 (lo) - 0.3);
  fr.y1 = ceil (log10 (hi) + 0.3);
  if (fr.y1 - fr.y0 < 2)
    fr.y0 = fr.y1 - 2;
  bpv_plot_frame_fit_y (&fr);
  steps = g_new (double, n_records);
  for (gsize r = 0; r < n_records; r++)
    steps[r] = (double) ((r + 1) * MAX (stride, 1));
  fr.x0 = n_records > 1 ? steps[0] : 0;
  fr.x1 = n_records > 1 ? steps[n_records - 1] : steps[0] * 2;

  /* The danger zones, relative to the median of the latest record. */
  if (verdict != NULL)
    {
      double med = bp_diag_grad_median (latest, n_layers, G_MAXSIZE);

      if (isfinite (med) && med > 0)
        {
          double vy = bpv_plot_frame_y (&fr, med * BP_DIAG_GRAD_VANISH_RATIO);
          double ey = bpv_plot_frame_y (&fr, med * BP_DIAG_GRAD_EXPLODE_RATIO);
          BpvRgba band = bpv_rgba_with_alpha (fr.tc->warning, 0.22);
          const char *vanish = _(BP_DIAG_GRAD_VANISHING_TEXT);
          const char *explode = _(BP_DIAG_GRAD_EXPLODING_TEXT);
          double w;

          cairo_save (cr);
          cairo_rectangle (cr, fr.plot.x, fr.plot.y, fr.plot.width, fr.plot.height);
          cairo_clip (cr);
          bpv_set_source_rgba (cr, band);
          if (vy < fr.plot.y + fr.plot.height)
            cairo_rectangle (cr, fr.plot.x, vy, fr.plot.width, fr.plot.y + fr.plot.height - vy);
          if (ey > fr.plot.y)
            cairo_rectangle (cr, fr.plot.x, fr.plot.y, fr.plot.width, ey - fr.plot.y);
          cairo_fill (cr);
          cairo_restore (cr);
          /* The bands' names where they fit in the data area. */
          bpv_text_measure (fr.text, vanish, fr.f, BPV_TEXT_NORMAL, &w, NULL);
          if (vy < fr.plot.y + fr.plot.height - 1.4 * fr.f && w <= fr.plot.width - fr.f)
            bpv_text_draw (fr.text, vanish, fr.plot.x + 0.5 * fr.f, vy + 0.1 * fr.f, 0, 0, fr.f,
                           BPV_TEXT_NORMAL, fr.tc->text);
          bpv_text_measure (fr.text, explode, fr.f, BPV_TEXT_NORMAL, &w, NULL);
          if (ey > fr.plot.y + 1.4 * fr.f && w <= fr.plot.width - fr.f)
            bpv_text_draw (fr.text, explode, fr.plot.x + 0.5 * fr.f, ey - 0.1 * fr.f, 0, 1, fr.f,
                           BPV_TEXT_NORMAL, fr.tc->text);
        }
    }

  bpv_plot_frame_axes (&fr, _("training step"), _("‖∂C/∂W‖ (log)"), FALSE);

  for (gsize l = 0; l < n_layers; l++)
    if (window > 1)
      bpv_plot_frame_line (&fr, steps, norms + l, n_records, n_layers,
                           bpv_rgba_with_alpha (layer_color (&fr, l), 0.28), 0.08 * fr.f, FALSE);
  /* The averages over the faint records of every layer. */
  for (gsize l = 0; l < n_layers; l++)
    bpv_plot_frame_line (&fr, steps, smooth + l, n_records, n_layers, layer_color (&fr, l),
                         health[l] != BP_DIAG_GRAD_OK ? 0.26 * fr.f : 0.17 * fr.f, layer_dashed (l));
  paint_end_labels (&fr, latest, health, n_layers, names);
  bpv_plot_frame_mark (&fr, TRUE);

  if (verdict != NULL)
    {
      /* "⚠ W(1), W(2) zero · W(3) exploding", as `backprop train` warns. */
      GString *msg = g_string_new (verdict);
      double w;

      bpv_text_measure (fr.text, msg->str, fr.f, BPV_TEXT_BOLD, &w, NULL);
      if (w > rect->width - 2 * PAD_EM * fr.f)
        {
          /* Too long for the panel: how many, the names are marked ⚠. */
          gsize bad = 0;

          for (gsize l = 0; l < n_layers; l++)
            bad += health[l] != BP_DIAG_GRAD_OK;
          g_string_printf (msg, ngettext ("⚠ %zu layer out of range", "⚠ %zu layers out of range", bad), bad);
          bpv_text_measure (fr.text, msg->str, fr.f, BPV_TEXT_BOLD, &w, NULL);
        }
      if (w <= rect->width - 2 * PAD_EM * fr.f)
        bpv_text_draw (fr.text, msg->str, rect->x + PAD_EM * fr.f, frame_row_y (&fr), 0, 0.5,
                       fr.f, BPV_TEXT_BOLD,
                       fr.theme == BPV_THEME_DARK ? fr.tc->warning : VERDICT_ON_LIGHT);
      g_string_free (msg, TRUE);
    }
  bpv_plot_frame_end (&fr);
}

/* -------------------------------------------------------------- histogram */

void
bpv_plot_histogram (cairo_t            *cr,
                    const BpvRect      *rect,
                    const double       *values,
                    gsize               n,
                    gsize               n_bins,
                    const char         *x_label,
                    const BpvPlotStyle *style)
{
  BpvPlotFrame fr;
  double lo = INFINITY, hi = -INFINITY, sum = 0, width;
  gsize finite = 0, top = 0;
  g_autofree gsize *bins = NULL;
  g_autofree char *title = NULL;

  g_return_if_fail (cr != NULL && rect != NULL);
  g_return_if_fail (values != NULL || n == 0);

  title = g_strdup_printf (_("Histogram of %s"), x_label != NULL ? x_label : _("values"));
  if (!bpv_plot_frame_begin (&fr, cr, rect, style, title, 0))
    {
      bpv_plot_frame_end (&fr);
      return;
    }
  for (gsize i = 0; i < n; i++)
    if (isfinite (values[i]))
      {
        lo = MIN (lo, values[i]);
        hi = MAX (hi, values[i]);
        sum += values[i];
        finite++;
      }
  if (finite == 0)
    {
      bpv_plot_frame_message (&fr, n == 0 ? _("No values.") : _("No finite values."));
      bpv_plot_frame_end (&fr);
      return;
    }
  if (n_bins == 0)
    n_bins = (gsize) CLAMP (sqrt ((double) finite), 5.0, 60.0);
  if (hi - lo < 1e-12 * MAX (fabs (hi), 1e-300))
    {
      double pad = fabs (hi) > 0 ? fabs (hi) * 0.1 : 1.0;

      lo -= pad;
      hi += pad;
    }
  bins = g_new0 (gsize, n_bins);
  width = (hi - lo) / (double) n_bins;
  for (gsize i = 0; i < n; i++)
    if (isfinite (values[i]))
      {
        gsize b = (gsize) MIN ((values[i] - lo) / width, (double) (n_bins - 1));

        bins[b]++;
      }
  for (gsize b = 0; b < n_bins; b++)
    top = MAX (top, bins[b]);

  fr.x0 = lo;
  fr.x1 = hi;
  fr.y0 = 0;
  fr.y1 = (double) top * 1.08;
  bpv_plot_frame_fit_y (&fr);
  bpv_plot_frame_axes (&fr, x_label, _("count"), FALSE);

  for (gsize b = 0; b < n_bins; b++)
    {
      double bx0 = bpv_plot_frame_x (&fr, lo + width * (double) b);
      double bx1 = bpv_plot_frame_x (&fr, lo + width * (double) (b + 1));
      double by = bpv_plot_frame_y (&fr, (double) bins[b]);
      double centre = lo + width * ((double) b + 0.5);
      double s = bpv_scale_linear (centre, MAX (fabs (lo), fabs (hi)));

      if (bins[b] == 0)
        continue;
      /* Sign by hue, as everywhere else. */
      bpv_set_source_rgba (cr, bpv_palette_diverging (fr.theme, s < 0 ? MIN (s, -0.45) : MAX (s, 0.45)));
      cairo_rectangle (cr, bx0 + 0.5, by, MAX (bx1 - bx0 - 1, 0.5), fr.plot.y + fr.plot.height - by);
      cairo_fill (cr);
    }

  cairo_save (cr);
  cairo_set_line_width (cr, 0.12 * fr.f);
  if (lo < 0 && hi > 0)
    {
      bpv_set_source_rgba (cr, fr.tc->text_muted);
      cairo_move_to (cr, bpv_plot_frame_x (&fr, 0), fr.plot.y);
      cairo_rel_line_to (cr, 0, fr.plot.height);
      cairo_stroke (cr);
    }
  {
    double mean = sum / (double) finite, mx = bpv_plot_frame_x (&fr, mean);
    double dash[2] = { 0.4 * fr.f, 0.25 * fr.f };
    g_autofree char *s = g_strdup_printf (_("mean %.3g"), mean);
    double w;

    bpv_set_source_rgba (cr, fr.tc->text);
    cairo_set_dash (cr, dash, 2, 0);
    cairo_move_to (cr, mx, fr.plot.y);
    cairo_rel_line_to (cr, 0, fr.plot.height);
    cairo_stroke (cr);
    /* Beside its line, on the side with room. */
    bpv_text_measure (fr.text, s, fr.f, BPV_TEXT_NORMAL, &w, NULL);
    if (mx + 0.3 * fr.f + w <= fr.plot.x + fr.plot.width)
      bpv_text_draw (fr.text, s, mx + 0.3 * fr.f, fr.plot.y + 0.1 * fr.f, 0, 0, fr.f,
                     BPV_TEXT_NORMAL, fr.tc->text);
    else if (mx - 0.3 * fr.f - w >= fr.plot.x)
      bpv_text_draw (fr.text, s, mx - 0.3 * fr.f, fr.plot.y + 0.1 * fr.f, 1, 0, fr.f,
                     BPV_TEXT_NORMAL, fr.tc->text);
  }
  cairo_restore (cr);

  {
    g_autofree char *s = NULL;
    double w;

    if (finite < n)
      s = g_strdup_printf (_("n = %zu   ⚠ %zu not finite"), n, n - finite);
    else
      s = g_strdup_printf ("n = %" G_GSIZE_FORMAT, n);
    /* In the title row, when the title leaves room for it. */
    bpv_text_measure (fr.text, s, fr.f, finite < n ? BPV_TEXT_BOLD : BPV_TEXT_NORMAL, &w, NULL);
    if (rect->x + rect->width - PAD_EM * fr.f - w >= fr.title_right + fr.f)
      bpv_text_draw (fr.text, s, rect->x + rect->width - PAD_EM * fr.f, rect->y + TITLE_Y_EM * fr.f, 1, 0,
                     fr.f, finite < n ? BPV_TEXT_BOLD : BPV_TEXT_NORMAL,
                     finite < n ? fr.tc->warning : fr.tc->text_muted);
  }
  bpv_plot_frame_end (&fr);
}
