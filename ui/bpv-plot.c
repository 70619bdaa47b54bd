/* bpv-plot.c — training plots with cairo. */
#include "config.h"
#include "bpv-plot.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bpv-text.h"

void
bpv_plot_style_init (BpvPlotStyle *style)
{
  g_return_if_fail (style != NULL);

  *style = (BpvPlotStyle) { .theme = BPV_THEME_LIGHT, .frame = TRUE };
}

/* ------------------------------------------------------------- the frame */

typedef struct
{
  cairo_t              *cr;
  const BpvThemeColors *tc;
  BpvTheme              theme;
  BpvText              *text;
  double                f;        /* font size */
  BpvRect               plot;     /* the data area */
  double                x0, x1;   /* data range along x */
  double                y0, y1;   /* along y (log10 units when log_y) */
  gboolean              log_y;
} Frame;

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

static double
frame_x (const Frame *fr,
         double       x)
{
  return fr->plot.x + (x - fr->x0) / (fr->x1 - fr->x0) * fr->plot.width;
}

static double
frame_y (const Frame *fr,
         double       y)
{
  double v = fr->log_y ? log10 (y) : y;

  return fr->plot.y + (fr->y1 - v) / (fr->y1 - fr->y0) * fr->plot.height;
}

/* Panel, title; leaves fr->plot as the data area. */
static gboolean
frame_begin (Frame              *fr,
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
  fr->f = style->font_size > 0 ? style->font_size
                               : CLAMP (MIN (rect->width / 26.0, rect->height / 16.0), 12.0, 20.0);
  title = style->title != NULL ? style->title : default_title;

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

    bpv_text_draw (fr->text, escaped, rect->x + 0.8 * fr->f, rect->y + 0.5 * fr->f, 0, 0,
                   fr->f * 1.05, BPV_TEXT_BOLD, fr->tc->text);
  }
  fr->plot = (BpvRect) {
    rect->x + 4.2 * fr->f,
    rect->y + 2.4 * fr->f,
    rect->width - 4.2 * fr->f - 0.9 * fr->f - right_room,
    rect->height - 2.4 * fr->f - 2.9 * fr->f,
  };
  return fr->plot.width > 10 && fr->plot.height > 10;
}

static void
frame_end (Frame *fr)
{
  bpv_text_free (fr->text);
  cairo_restore (fr->cr);
}

static void
frame_message (Frame      *fr,
               const char *message)
{
  bpv_text_draw (fr->text, message, fr->plot.x + fr->plot.width / 2, fr->plot.y + fr->plot.height / 2,
                 0.5, 0.5, fr->f * 0.9, BPV_TEXT_NORMAL, fr->tc->text_muted);
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

/* A norm for a key: two significant digits ("0.031", "2.4e-05"), into
 * `buf`; "—" when there is none. */
static const char *
format_norm (double v,
             char   buf[G_ASCII_DTOSTR_BUF_SIZE])
{
  if (!isfinite (v))
    return isnan (v) ? "—" : "∞";
  g_snprintf (buf, G_ASCII_DTOSTR_BUF_SIZE, v != 0 && (fabs (v) < 1e-3 || fabs (v) >= 1e4) ? "%.1e" : "%.2g", v);
  return buf;
}

/* Axes, grid lines, ticks and axis titles. */
static void
frame_axes (Frame      *fr,
            const char *x_title,
            const char *y_title,
            gboolean    percent_y)
{
  cairo_t *cr = fr->cr;
  double f = fr->f, sx;

  cairo_save (cr);
  cairo_set_line_width (cr, 1.0);

  /* y grid and ticks */
  if (fr->log_y)
    {
      int e0 = (int) ceil (fr->y0 - 1e-9), e1 = (int) floor (fr->y1 + 1e-9);
      int every = MAX (1, (int) ceil ((double) (e1 - e0 + 1) / MAX (fr->plot.height / (1.6 * f), 1)));

      for (int e = e0; e <= e1; e++)
        {
          double py = frame_y (fr, pow (10, e));

          if (e % every != 0)
            continue;
          bpv_set_source_rgba (cr, bpv_rgba_with_alpha (fr->tc->grid, 0.6));
          cairo_move_to (cr, fr->plot.x, py);
          cairo_rel_line_to (cr, fr->plot.width, 0);
          cairo_stroke (cr);
          {
            g_autofree char *s = format_power (e);

            bpv_text_draw (fr->text, s, fr->plot.x - 0.4 * f, py, 1, 0.5, 0.78 * f,
                           BPV_TEXT_NORMAL, fr->tc->text_muted);
          }
        }
    }
  else
    {
      double sy = nice_step (fr->y1 - fr->y0, (int) CLAMP (fr->plot.height / (2.2 * f), 2, 8));

      for (double v = ceil (fr->y0 / sy - 1e-9) * sy; v <= fr->y1 + 1e-9 * sy; v += sy)
        {
          double py = frame_y (fr, v);
          g_autofree char *s = percent_y ? g_strdup_printf ("%.0f%%", fabs (v) < 1e-9 ? 0.0 : v * 100)
                                         : format_tick (v, sy);

          bpv_set_source_rgba (cr, bpv_rgba_with_alpha (fr->tc->grid, 0.6));
          cairo_move_to (cr, fr->plot.x, py);
          cairo_rel_line_to (cr, fr->plot.width, 0);
          cairo_stroke (cr);
          bpv_text_draw (fr->text, s, fr->plot.x - 0.4 * f, py, 1, 0.5, 0.78 * f,
                         BPV_TEXT_NORMAL, fr->tc->text_muted);
        }
    }

  /* x ticks */
  sx = nice_step (fr->x1 - fr->x0, (int) CLAMP (fr->plot.width / (5.5 * f), 2, 10));
  bpv_set_source_rgba (cr, fr->tc->grid);
  for (double v = ceil (fr->x0 / sx - 1e-9) * sx; v <= fr->x1 + 1e-9 * sx; v += sx)
    {
      double px = frame_x (fr, v);
      g_autofree char *s = format_tick (v, sx);

      cairo_move_to (cr, px, fr->plot.y + fr->plot.height);
      cairo_rel_line_to (cr, 0, 0.3 * f);
      cairo_stroke (cr);
      bpv_text_draw (fr->text, s, px, fr->plot.y + fr->plot.height + 0.4 * f, 0.5, 0, 0.78 * f,
                     BPV_TEXT_NORMAL, fr->tc->text_muted);
    }

  bpv_set_source_rgba (cr, fr->tc->grid);
  cairo_move_to (cr, fr->plot.x, fr->plot.y);
  cairo_rel_line_to (cr, 0, fr->plot.height);
  cairo_rel_line_to (cr, fr->plot.width, 0);
  cairo_stroke (cr);

  if (x_title != NULL)
    bpv_text_draw (fr->text, x_title, fr->plot.x + fr->plot.width / 2,
                   fr->plot.y + fr->plot.height + 1.55 * f, 0.5, 0, 0.82 * f, BPV_TEXT_NORMAL,
                   fr->tc->text);
  if (y_title != NULL)
    {
      cairo_save (cr);
      cairo_translate (cr, fr->plot.x - 3.9 * f, fr->plot.y + fr->plot.height / 2);
      cairo_rotate (cr, -G_PI / 2);
      bpv_text_draw (fr->text, y_title, 0, 0, 0.5, 0, 0.82 * f, BPV_TEXT_NORMAL, fr->tc->text);
      cairo_restore (cr);
    }
  cairo_restore (cr);
}

/* A polyline through (x[i], y[i]); non-finite or (log) non-positive values
 * break it. */
static void
frame_line (Frame        *fr,
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
      last_x = frame_x (fr, x[i]);
      last_y = frame_y (fr, v);
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

/* A key of n entries in the top-right corner of the plot. */
static void
frame_key (Frame        *fr,
           const char  **labels,
           const BpvRgba *colors,
           const gboolean *dashed,
           gsize         n,
           double        x_right,
           double        y_top)
{
  cairo_t *cr = fr->cr;
  double f = fr->f, w = 0, row = 1.25 * f, box_w, box_h;

  for (gsize i = 0; i < n; i++)
    {
      double tw;

      bpv_text_measure (fr->text, labels[i], 0.8 * f, BPV_TEXT_NORMAL, &tw, NULL);
      w = MAX (w, tw);
    }
  box_w = w + 3.4 * f;
  box_h = row * (double) n + 0.5 * f;
  cairo_save (cr);
  bpv_set_source_rgba (cr, bpv_rgba_with_alpha (fr->tc->background, 0.88));
  cairo_rectangle (cr, x_right - box_w, y_top, box_w, box_h);
  cairo_fill_preserve (cr);
  bpv_set_source_rgba (cr, fr->tc->grid);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  for (gsize i = 0; i < n; i++)
    {
      double y = y_top + 0.25 * f + row * ((double) i + 0.5);

      bpv_set_source_rgba (cr, colors[i]);
      cairo_set_line_width (cr, 0.2 * f);
      if (dashed != NULL && dashed[i])
        {
          double dash[2] = { 0.35 * f, 0.25 * f };

          cairo_set_dash (cr, dash, 2, 0);
        }
      else
        cairo_set_dash (cr, NULL, 0, 0);
      cairo_move_to (cr, x_right - box_w + 0.5 * f, y);
      cairo_rel_line_to (cr, 2.0 * f, 0);
      cairo_stroke (cr);
      bpv_text_draw (fr->text, labels[i], x_right - box_w + 2.9 * f, y, 0, 0.5, 0.8 * f,
                     BPV_TEXT_NORMAL, fr->tc->text);
    }
  cairo_restore (cr);
}

/* ------------------------------------------------------ gradient health */

static int
compare_double (const void *a,
                const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* Median of the finite values of v except index `skip`; NaN if none. */
static double
median_except (const double *v,
               gsize         n,
               gsize         skip)
{
  g_autofree double *tmp = g_new (double, MAX (n, 1));
  gsize m = 0;

  for (gsize i = 0; i < n; i++)
    if (i != skip && isfinite (v[i]))
      tmp[m++] = v[i];
  if (m == 0)
    return NAN;
  qsort (tmp, m, sizeof (double), compare_double);
  if (m % 2 == 1)
    return tmp[m / 2];
  /* Norms are compared in orders of magnitude: the middle of an even
   * count is the geometric mean, so that with two other layers one huge
   * value does not make a normal layer look vanishing. */
  if (tmp[m / 2 - 1] > 0)
    return sqrt (tmp[m / 2 - 1] * tmp[m / 2]);
  return 0.5 * (tmp[m / 2 - 1] + tmp[m / 2]);
}

void
bpv_grad_health (const double  *norms,
                 gsize          n_layers,
                 BpvGradHealth *health)
{
  g_return_if_fail (norms != NULL || n_layers == 0);
  g_return_if_fail (health != NULL || n_layers == 0);

  for (gsize i = 0; i < n_layers; i++)
    {
      double v = norms[i], med;

      health[i] = BPV_GRAD_OK;
      if (!isfinite (v))
        {
          health[i] = BPV_GRAD_EXPLODING;
          continue;
        }
      if (v == 0)
        {
          health[i] = BPV_GRAD_VANISHING;
          continue;
        }
      med = median_except (norms, n_layers, i);
      if (isnan (med) || !(med > 0))
        continue;
      if (v < BPV_GRAD_VANISH_RATIO * med)
        health[i] = BPV_GRAD_VANISHING;
      else if (v > BPV_GRAD_EXPLODE_RATIO * med)
        health[i] = BPV_GRAD_EXPLODING;
    }
}

/* -------------------------------------------------------- gradient norms */

/* Layer l's norms averaged in orders of magnitude over the `window`
 * records up to each one (the norms of single mini-batches scatter over a
 * decade; the averages show which layer's gradient is smaller, and by how
 * much).  Records that are not finite and positive are left out. */
static void
smooth_norms (const double *norms,
              gsize         n_records,
              gsize         n_layers,
              gsize         l,
              gsize         window,
              double       *out)
{
  double sum = 0;
  gsize count = 0, zeros = 0;

  for (gsize r = 0; r < n_records; r++)
    {
      double v = norms[r * n_layers + l];

      if (isfinite (v) && v > 0)
        {
          sum += log10 (v);
          count++;
        }
      else if (v == 0)
        zeros++;
      if (r >= window)
        {
          double old = norms[(r - window) * n_layers + l];

          if (isfinite (old) && old > 0)
            {
              sum -= log10 (old);
              count--;
            }
          else if (old == 0)
            zeros--;
        }
      /* Only zeros: nothing flows back at all (dead units). */
      out[r] = count > 0 ? pow (10, sum / (double) count) : zeros > 0 ? 0 : NAN;
    }
}

void
bpv_plot_grad_norms (cairo_t            *cr,
                     const BpvRect      *rect,
                     const double       *norms,
                     gsize               n_records,
                     gsize               n_layers,
                     guint64             stride,
                     const BpvPlotStyle *style)
{
  Frame fr;
  double lo = INFINITY, hi = -INFINITY, right_room;
  g_autofree double *steps = NULL;
  g_autofree BpvGradHealth *health = NULL;
  g_autofree const char **labels = NULL;
  g_autofree BpvRgba *colors = NULL;
  g_autoptr(GPtrArray) owned = g_ptr_array_new_with_free_func (g_free);
  g_autofree double *smooth = NULL;
  g_autofree double *column = NULL;
  gboolean any_bad = FALSE;
  const double *latest;
  gsize window;
  char value[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_if_fail (cr != NULL && rect != NULL);
  g_return_if_fail (norms != NULL || n_records == 0);

  right_room = 0;
  if (!frame_begin (&fr, cr, rect, style, "Gradient norm ‖∂C/∂W(n)‖ per layer", right_room))
    {
      frame_end (&fr);
      return;
    }
  if (n_records == 0 || n_layers == 0)
    {
      frame_message (&fr, "No gradient records yet: train a few steps.");
      frame_end (&fr);
      return;
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
  window = MAX (n_records / 25, 1);
  smooth = g_new (double, n_records * n_layers);
  column = g_new (double, n_records);
  for (gsize l = 0; l < n_layers; l++)
    {
      smooth_norms (norms, n_records, n_layers, l, window, column);
      for (gsize r = 0; r < n_records; r++)
        smooth[r * n_layers + l] = column[r];
    }
  latest = smooth + (n_records - 1) * n_layers;
  health = g_new0 (BpvGradHealth, n_layers);
  bpv_grad_health (latest, n_layers, health);
  for (gsize l = 0; l < n_layers; l++)
    if (health[l] != BPV_GRAD_OK)
      any_bad = TRUE;

  /* The verdict gets a line of its own under the title. */
  if (any_bad)
    {
      fr.plot.y += 1.3 * fr.f;
      fr.plot.height -= 1.3 * fr.f;
    }
  fr.log_y = TRUE;
  fr.y0 = floor (log10 (lo) - 0.3);
  fr.y1 = ceil (log10 (hi) + 0.3);
  if (fr.y1 - fr.y0 < 2)
    fr.y0 = fr.y1 - 2;
  steps = g_new (double, n_records);
  for (gsize r = 0; r < n_records; r++)
    steps[r] = (double) ((r + 1) * MAX (stride, 1));
  fr.x0 = n_records > 1 ? steps[0] : 0;
  fr.x1 = n_records > 1 ? steps[n_records - 1] : steps[0] * 2;

  /* The danger zones, relative to the median of the latest record. */
  if (any_bad)
    {
      double med = median_except (latest, n_layers, G_MAXSIZE);

      if (isfinite (med) && med > 0)
        {
          double vy = frame_y (&fr, med * BPV_GRAD_VANISH_RATIO);
          double ey = frame_y (&fr, med * BPV_GRAD_EXPLODE_RATIO);
          BpvRgba band = bpv_rgba_with_alpha (fr.tc->warning, 0.22);

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
          if (vy < fr.plot.y + fr.plot.height - 1.2 * fr.f)
            bpv_text_draw (fr.text, "vanishing: below 10⁻³ × median of the other layers",
                           fr.plot.x + 0.5 * fr.f, vy + 0.3 * fr.f, 0, 0, 0.72 * fr.f,
                           BPV_TEXT_NORMAL, fr.tc->text);
          if (ey > fr.plot.y + 1.2 * fr.f)
            bpv_text_draw (fr.text, "exploding: above 10³ × median",
                           fr.plot.x + 0.5 * fr.f, ey - 0.3 * fr.f, 0, 1, 0.72 * fr.f,
                           BPV_TEXT_NORMAL, fr.tc->text);
        }
    }

  frame_axes (&fr, "training step", "‖∂C/∂W‖ (log)", FALSE);

  labels = g_new0 (const char *, n_layers);
  colors = g_new0 (BpvRgba, n_layers);
  for (gsize l = 0; l < n_layers; l++)
    {
      char *label;

      colors[l] = bpv_palette_category ((guint) l);
      if (fr.theme == BPV_THEME_DARK && l % 8 == 7)
        colors[l] = fr.tc->text;  /* Okabe–Ito black on a dark panel */
      label = g_strdup_printf ("W(%" G_GSIZE_FORMAT ") %s%s", l + 1, format_norm (latest[l], value),
                               latest[l] == 0 ? "  ⚠ zero"
                               : health[l] == BPV_GRAD_VANISHING ? "  ⚠ vanishing"
                               : health[l] == BPV_GRAD_EXPLODING ? "  ⚠ exploding" : "");
      g_ptr_array_add (owned, label);
      labels[l] = label;
      if (window > 1)
        frame_line (&fr, steps, norms + l, n_records, n_layers, bpv_rgba_with_alpha (colors[l], 0.28),
                    0.08 * fr.f, FALSE);
    }
  /* The averages over the faint records of every layer. */
  for (gsize l = 0; l < n_layers; l++)
    frame_line (&fr, steps, smooth + l, n_records, n_layers, colors[l],
                health[l] != BPV_GRAD_OK ? 0.26 * fr.f : 0.17 * fr.f, FALSE);
  frame_key (&fr, labels, colors, NULL, n_layers, fr.plot.x + fr.plot.width - 0.3 * fr.f,
             fr.plot.y + 0.3 * fr.f);

  if (any_bad)
    {
      /* Grouped by kind, short enough for a narrow panel:
       * "⚠ W(1), W(2) zero · W(3) exploding". */
      static const char *const kinds[] = { "zero", "vanishing", "exploding" };
      GString *msg = g_string_new ("⚠");

      for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
        {
          gboolean any = FALSE;

          for (gsize l = 0; l < n_layers; l++)
            {
              guint kind = latest[l] == 0 ? 0 : health[l] == BPV_GRAD_VANISHING ? 1 : 2;

              if (health[l] == BPV_GRAD_OK || kind != k)
                continue;
              g_string_append_printf (msg, "%sW(%" G_GSIZE_FORMAT ")",
                                      any ? ", " : msg->len > strlen ("⚠") ? " · " : " ", l + 1);
              any = TRUE;
            }
          if (any)
            g_string_append_printf (msg, " %s", kinds[k]);
        }
      bpv_text_draw (fr.text, msg->str, rect->x + 0.8 * fr.f, rect->y + 1.95 * fr.f,
                     0, 0, 0.9 * fr.f, BPV_TEXT_BOLD,
                     fr.theme == BPV_THEME_DARK ? fr.tc->warning : (BpvRgba) { 0.6, 0.35, 0.0, 1 });
      g_string_free (msg, TRUE);
    }
  frame_end (&fr);
}

void
bpv_plot_trainer_grad_norms (cairo_t            *cr,
                             const BpvRect      *rect,
                             const BpTrainer    *trainer,
                             const BpvPlotStyle *style)
{
  gsize n_layers;

  g_return_if_fail (trainer != NULL && trainer->net != NULL);

  n_layers = trainer->net->n_layers;
  bpv_plot_grad_norms (cr, rect,
                       trainer->grad_norms != NULL ? (const double *) (void *) trainer->grad_norms->data : NULL,
                       trainer->grad_norms != NULL && n_layers > 0 ? trainer->grad_norms->len / n_layers : 0,
                       n_layers, trainer->grad_norm_stride, style);
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
  Frame fr;
  double lo = INFINITY, hi = -INFINITY, sum = 0, width;
  gsize finite = 0, top = 0;
  g_autofree gsize *bins = NULL;
  g_autofree char *title = NULL;

  g_return_if_fail (cr != NULL && rect != NULL);
  g_return_if_fail (values != NULL || n == 0);

  title = g_strdup_printf ("Histogram of %s", x_label != NULL ? x_label : "values");
  if (!frame_begin (&fr, cr, rect, style, title, 0))
    {
      frame_end (&fr);
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
      frame_message (&fr, n == 0 ? "No values." : "No finite values.");
      frame_end (&fr);
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
  frame_axes (&fr, x_label, "count", FALSE);

  for (gsize b = 0; b < n_bins; b++)
    {
      double bx0 = frame_x (&fr, lo + width * (double) b);
      double bx1 = frame_x (&fr, lo + width * (double) (b + 1));
      double by = frame_y (&fr, (double) bins[b]);
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
      cairo_move_to (cr, frame_x (&fr, 0), fr.plot.y);
      cairo_rel_line_to (cr, 0, fr.plot.height);
      cairo_stroke (cr);
    }
  {
    double mean = sum / (double) finite, mx = frame_x (&fr, mean);
    double dash[2] = { 0.4 * fr.f, 0.25 * fr.f };
    g_autofree char *s = g_strdup_printf ("mean %.3g", mean);

    bpv_set_source_rgba (cr, fr.tc->text);
    cairo_set_dash (cr, dash, 2, 0);
    cairo_move_to (cr, mx, fr.plot.y);
    cairo_rel_line_to (cr, 0, fr.plot.height);
    cairo_stroke (cr);
    bpv_text_draw (fr.text, s, mx + 0.3 * fr.f, fr.plot.y + 0.2 * fr.f, 0, 0, 0.75 * fr.f,
                   BPV_TEXT_NORMAL, fr.tc->text);
  }
  cairo_restore (cr);

  {
    g_autofree char *s = NULL;

    if (finite < n)
      s = g_strdup_printf ("n = %" G_GSIZE_FORMAT "   ⚠ %" G_GSIZE_FORMAT " not finite", n, n - finite);
    else
      s = g_strdup_printf ("n = %" G_GSIZE_FORMAT, n);
    bpv_text_draw (fr.text, s, rect->x + rect->width - 0.8 * fr.f, rect->y + 0.6 * fr.f, 1, 0,
                   0.8 * fr.f, finite < n ? BPV_TEXT_BOLD : BPV_TEXT_NORMAL,
                   finite < n ? fr.tc->warning : fr.tc->text_muted);
  }
  frame_end (&fr);
}

/* ------------------------------------------------------- loss / accuracy */

static void
plot_history (cairo_t            *cr,
              const BpvRect      *rect,
              const BpEpochStats *stats,
              gsize               n,
              const BpvPlotStyle *style,
              gboolean            accuracy)
{
  Frame fr;
  g_autofree double *x = NULL, *train = NULL, *test = NULL;
  double lo = INFINITY, hi = -INFINITY;
  gboolean have_test = FALSE;

  g_return_if_fail (cr != NULL && rect != NULL);
  g_return_if_fail (stats != NULL || n == 0);

  if (!frame_begin (&fr, cr, rect, style, accuracy ? "Accuracy" : "Loss", 0))
    {
      frame_end (&fr);
      return;
    }
  x = g_new (double, MAX (n, 1));
  train = g_new (double, MAX (n, 1));
  test = g_new (double, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    {
      x[i] = stats[i].epoch;
      train[i] = accuracy ? stats[i].train_accuracy : stats[i].train_loss;
      test[i] = accuracy ? stats[i].test_accuracy : stats[i].test_loss;
      if (isfinite (test[i]))
        have_test = TRUE;
      for (int k = 0; k < 2; k++)
        {
          double v = k == 0 ? train[i] : test[i];

          if (isfinite (v) && (accuracy || v > 0))
            {
              lo = MIN (lo, v);
              hi = MAX (hi, v);
            }
        }
    }
  if (n == 0 || !(hi >= lo))
    {
      frame_message (&fr, n == 0 ? "No epochs yet."
                     : accuracy ? "No accuracy: this is a regression task."
                                : "No finite loss values.");
      frame_end (&fr);
      return;
    }

  fr.x0 = n > 1 ? x[0] : x[0] - 1;
  fr.x1 = n > 1 ? x[n - 1] : x[0] + 1;
  if (accuracy)
    {
      fr.y0 = 0;
      fr.y1 = 1;
    }
  else if (hi / lo > 100)
    {
      fr.log_y = TRUE;
      fr.y0 = floor (log10 (lo));
      fr.y1 = ceil (log10 (hi));
      if (fr.y1 <= fr.y0)
        fr.y1 = fr.y0 + 1;
    }
  else
    {
      fr.y0 = 0;
      fr.y1 = hi * 1.08;
    }
  frame_axes (&fr, "epoch", accuracy ? "accuracy" : fr.log_y ? "loss (log)" : "loss", accuracy);

  {
    BpvRgba colors[2] = { bpv_palette_category (0), bpv_palette_category (1) };
    const char *labels[2] = { "train", "test" };
    gboolean dashed[2] = { FALSE, TRUE };

    frame_line (&fr, x, train, n, 1, colors[0], 0.17 * fr.f, FALSE);
    if (have_test)
      frame_line (&fr, x, test, n, 1, colors[1], 0.17 * fr.f, TRUE);
    frame_key (&fr, labels, colors, dashed, have_test ? 2 : 1,
               fr.plot.x + fr.plot.width - 0.3 * fr.f,
               accuracy ? fr.plot.y + fr.plot.height - 3.3 * fr.f : fr.plot.y + 0.3 * fr.f);
  }
  {
    double last = train[n - 1];
    g_autofree char *s = accuracy ? g_strdup_printf ("train %.1f%%%s", last * 100, "")
                                  : g_strdup_printf ("epoch %.0f mean · train %.4g", x[n - 1], last);

    if (have_test && isfinite (test[n - 1]))
      {
        g_autofree char *t = accuracy ? g_strdup_printf ("%s · test %.1f%%", s, test[n - 1] * 100)
                                      : g_strdup_printf ("%s · test %.4g", s, test[n - 1]);

        g_free (s);
        s = g_steal_pointer (&t);
      }
    bpv_text_draw (fr.text, s, rect->x + rect->width - 0.8 * fr.f, rect->y + 0.6 * fr.f, 1, 0,
                   0.8 * fr.f, BPV_TEXT_NORMAL, fr.tc->text_muted);
  }
  frame_end (&fr);
}

void
bpv_plot_loss (cairo_t            *cr,
               const BpvRect      *rect,
               const BpEpochStats *stats,
               gsize               n,
               const BpvPlotStyle *style)
{
  plot_history (cr, rect, stats, n, style, FALSE);
}

void
bpv_plot_accuracy (cairo_t            *cr,
                   const BpvRect      *rect,
                   const BpEpochStats *stats,
                   gsize               n,
                   const BpvPlotStyle *style)
{
  plot_history (cr, rect, stats, n, style, TRUE);
}
