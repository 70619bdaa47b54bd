/* bpv-plot-dist.c — distributions over kept steps (see bpv-plot-dist.h). */
#include "config.h"
#include "bpv-plot-dist.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "bp-diagnostics.h"
#include "bpv-plot-private.h"

/* The colour key right of a heat map: its gap from the data, its bar's
 * width and the gap to its labels, in em. */
#define RAMP_KEY_GAP_EM       0.6
#define RAMP_KEY_BAR_EM       0.8
#define RAMP_KEY_LABEL_GAP_EM 0.3
/* Ticks on the value axis at least this far apart (em). */
#define VALUE_TICK_EM  1.6
/* The caption is left out rather than leave the data area lower than
 * this (em). */
#define CAPTION_MIN_PLOT_EM 6.0
/* A count of 1 on the ramp (see count_t). */
#define RAMP_FLOOR     0.15

/* viridis (matplotlib's, CC0) at nine points: lightness rises from end to
 * end, so the order survives a projector's washed-out colours and a
 * grayscale print. */
static const guint8 VIRIDIS[9][3] = {
  { 0x44, 0x01, 0x54 }, { 0x47, 0x2c, 0x7a }, { 0x3b, 0x52, 0x8b },
  { 0x2c, 0x72, 0x8e }, { 0x21, 0x91, 0x8c }, { 0x28, 0xae, 0x80 },
  { 0x5e, 0xc9, 0x62 }, { 0xad, 0xdc, 0x30 }, { 0xfd, 0xe7, 0x25 },
};

BpvRgba
bpv_plot_dist_ramp (double   t,
                    BpvTheme theme)
{
  double u, f;
  int i;

  t = CLAMP (isfinite (t) ? t : 0, 0, 1);
  /* Few is the end nearest the panel: light on light, dark on dark. */
  u = (theme == BPV_THEME_DARK ? t : 1 - t) * 8;
  i = MIN ((int) floor (u), 7);
  f = u - i;
  return (BpvRgba) {
    ((1 - f) * VIRIDIS[i][0] + f * VIRIDIS[i + 1][0]) / 255.0,
    ((1 - f) * VIRIDIS[i][1] + f * VIRIDIS[i + 1][1]) / 255.0,
    ((1 - f) * VIRIDIS[i][2] + f * VIRIDIS[i + 1][2]) / 255.0,
    1,
  };
}

/* "steps 0–5000" */
static char *
steps_text (const BpRecordDist *dist)
{
  return g_strdup_printf (_("steps %" PRIu64 "–%" PRIu64),
                          dist->steps[0], dist->steps[dist->n_steps - 1]);
}

/* `title` when it fits the panel's title row, else `shorter`: a narrow
 * panel still says what it shows. */
static const char *
fitting_title (cairo_t            *cr,
               const BpvRect      *rect,
               const BpvPlotStyle *style,
               const char         *title,
               const char         *shorter)
{
  BpvPlotStyle defaults;
  g_autoptr(BpvText) text = bpv_text_new (cr);
  g_autofree char *escaped = g_markup_escape_text (title, -1);
  double f, w;

  if (style == NULL)
    {
      bpv_plot_style_init (&defaults);
      style = &defaults;
    }
  f = bpv_plot_frame_font_size (rect, style);
  bpv_text_measure (text, escaped, TITLE_EM * f, BPV_TEXT_BOLD, &w, NULL);
  return w <= rect->width - 2 * PAD_EM * f ? title : shorter;
}

/* The x axis: the kept steps' span (one step: a little either side). */
static void
set_step_axis (BpvPlotFrame       *fr,
               const BpRecordDist *dist)
{
  fr->x0 = (double) dist->steps[0];
  fr->x1 = (double) dist->steps[dist->n_steps - 1];
  if (fr->x1 <= fr->x0)
    {
      fr->x0 -= 1;
      fr->x1 += 1;
    }
}

/* The caption under the axes, in muted text: broken at its " · " into as
 * few lines as fit the panel (a piece wider than the panel is left out);
 * the data area gives up the room.  Returns the lines to draw_caption. */
static GPtrArray *
reserve_caption (BpvPlotFrame *fr,
                 const char   *caption)
{
  g_auto(GStrv) pieces = g_strsplit (caption, " · ", -1);
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  double max_w = fr->rect.width - 2 * PAD_EM * fr->f;
  GString *line = NULL;

  for (int i = 0; pieces[i] != NULL; i++)
    {
      g_autofree char *longer = line != NULL ? g_strdup_printf ("%s · %s", line->str, pieces[i])
                                             : g_strdup (pieces[i]);
      g_autofree char *escaped = g_markup_escape_text (longer, -1);
      double w;

      bpv_text_measure (fr->text, escaped, fr->f, BPV_TEXT_NORMAL, &w, NULL);
      if (w <= max_w || line == NULL)
        {
          if (line == NULL)
            line = g_string_new (NULL);
          g_string_assign (line, longer);
          continue;
        }
      g_ptr_array_add (lines, g_string_free (line, FALSE));
      line = g_string_new (pieces[i]);
    }
  if (line != NULL)
    g_ptr_array_add (lines, g_string_free (line, FALSE));
  /* A small panel keeps its data area: the caption goes (the CLI's
   * picture and a larger panel have it). */
  if (fr->plot.height - LINE_EM * fr->f * lines->len < CAPTION_MIN_PLOT_EM * fr->f)
    g_ptr_array_set_size (lines, 0);
  fr->plot.height -= LINE_EM * fr->f * lines->len;
  return lines;
}

static void
draw_caption (BpvPlotFrame *fr,
              GPtrArray    *lines)
{
  double f = fr->f, y = fr->rect.y + fr->rect.height - (LINE_EM * lines->len + 0.1) * f;

  for (guint i = 0; i < lines->len; i++)
    {
      g_autofree char *escaped = g_markup_escape_text (g_ptr_array_index (lines, i), -1);
      double w;

      bpv_text_measure (fr->text, escaped, f, BPV_TEXT_NORMAL, &w, NULL);
      if (w <= fr->rect.width - 2 * PAD_EM * f && y >= fr->plot.y + fr->plot.height)
        bpv_text_draw (fr->text, escaped, fr->rect.x + PAD_EM * f, y, 0, 0, f,
                       BPV_TEXT_NORMAL, fr->tc->text_muted);
      y += LINE_EM * f;
    }
  g_ptr_array_unref (lines);
}

/* "over all 400 training rows" or "over 1024 of 60000 training rows,
 * evenly spaced": what each step's pass ran on. */
static char *
rows_text (const BpRecordDist *dist)
{
  if (dist->rows_used == dist->rows_total)
    return g_strdup_printf (ngettext ("over the %" PRIu64 " training row",
                                      "over all %" PRIu64 " training rows",
                                      dist->rows_total), (guint64) dist->rows_total);
  return g_strdup_printf (_("over %" PRIu64 " of %" PRIu64 " training rows, evenly spaced"),
                          (guint64) dist->rows_used, (guint64) dist->rows_total);
}

/* "0.25" and the like for a linear tick. */
static char *
format_value (double v,
              double step)
{
  if (fabs (v) < 1e-9 * step)
    v = 0;
  return g_strdup_printf ("%g", v);
}

/* "10⁻³", "−10⁻³" */
static char *
format_power (int  e,
              int  sign)
{
  g_autofree char *power = bpv_plot_format_power (e);

  return g_strconcat (sign < 0 ? "−" : "", power, NULL);
}

/* Adds the tick at bin position y unless it would crowd one already
 * there (closer than VALUE_TICK_EM along the axis). */
static void
add_tick (const BpvPlotFrame     *fr,
          const BpRecordDistHist *h,
          GArray                 *pos,
          GPtrArray              *labels,
          double                  y,
          char                   *label)
{
  double px_per_bin = fr->plot.height / MAX ((double) h->n_bins, 1);

  for (guint i = 0; i < pos->len; i++)
    if (fabs (g_array_index (pos, double, i) - y) * px_per_bin < VALUE_TICK_EM * fr->f)
      {
        g_free (label);
        return;
      }
  g_array_append_val (pos, y);
  g_ptr_array_add (labels, label);
}

/* The value axis' ticks at bin positions: linear values at a round step,
 * or 0 and ±10ᵏ at the decades the bins span (the largest first, those
 * that would crowd the ones before left out). */
static void
value_ticks (const BpvPlotFrame     *fr,
             const BpRecordDistHist *h,
             GArray                 *pos,
             GPtrArray              *labels)
{
  double room = MAX (fr->plot.height / (VALUE_TICK_EM * fr->f), 2);

  if (!h->symlog)
    {
      double raw = (h->hi - h->lo) / MIN (room, 6), p = pow (10, floor (log10 (raw))), m = raw / p;
      double step = (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;

      for (double v = ceil (h->lo / step - 1e-9) * step; v <= h->hi + 1e-9 * step; v += step)
        add_tick (fr, h, pos, labels, bp_record_dist_position (h, v), format_value (v, step));
      return;
    }
  {
    int e_lo = (int) ceil ((double) h->j_lo / BP_RECORD_DIST_BINS_PER_DECADE - 1e-9);
    int e_hi = (int) floor (log10 (h->hi) + 1e-9);

    add_tick (fr, h, pos, labels, h->half + 0.5, g_strdup ("0"));
    for (int e = e_hi; e >= e_lo; e--)
      for (int sign = -1; sign <= 1; sign += 2)
        add_tick (fr, h, pos, labels, bp_record_dist_position (h, sign * pow (10, e)),
                  format_power (e, sign));
  }
}

/* The step whose column covers x: kept steps own the span from halfway to
 * the one before to halfway to the one after. */
static gsize
column_at (const BpRecordDist *dist,
           double              step)
{
  gsize lo = 0, hi = dist->n_steps - 1;

  while (lo < hi)
    {
      gsize mid = (lo + hi + 1) / 2;

      if ((double) dist->steps[mid - 1] + ((double) dist->steps[mid] - dist->steps[mid - 1]) / 2 <= step)
        lo = mid;
      else
        hi = mid - 1;
    }
  return lo;
}

/* Where count c (≥ 1) of at most `most` sits on the ramp: log scale from
 * RAMP_FLOOR (one value: not the ramp's faintest end, which would vanish
 * into the panel) to 1. */
static double
count_t (guint32 c,
         guint32 most)
{
  if (most <= 1)
    return 1;
  return RAMP_FLOOR + (1 - RAMP_FLOOR) * log ((double) c) / log ((double) most);
}

/* The heat map as an image, one pixel per screen column and per bin,
 * scaled up the bins with nearest-neighbour filtering: a column per kept
 * step would be thousands of rectangles. */
static void
paint_cells (BpvPlotFrame           *fr,
             const BpRecordDist     *dist,
             const BpRecordDistHist *h)
{
  cairo_t *cr = fr->cr;
  int w = MAX ((int) ceil (fr->plot.width), 1), nb = (int) h->n_bins, stride;
  cairo_surface_t *img = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, nb);
  guint32 *data;

  stride = cairo_image_surface_get_stride (img) / 4;
  cairo_surface_flush (img);
  data = (guint32 *) cairo_image_surface_get_data (img);
  for (int px = 0; px < w; px++)
    {
      double step = fr->x0 + (px + 0.5) / w * (fr->x1 - fr->x0);
      gsize i = column_at (dist, step);
      const guint32 *row = h->counts + i * h->n_bins;

      for (int b = 0; b < nb; b++)
        {
          guint32 c = row[b], argb = 0;

          if (c > 0)
            argb = bpv_rgba_to_argb32 (bpv_plot_dist_ramp (count_t (c, h->max_count), fr->theme));
          /* bin 0 (the lowest values) at the bottom row */
          data[(nb - 1 - b) * stride + px] = argb;
        }
    }
  cairo_surface_mark_dirty (img);
  cairo_save (cr);
  cairo_rectangle (cr, fr->plot.x, fr->plot.y, fr->plot.width, fr->plot.height);
  cairo_clip (cr);
  cairo_translate (cr, fr->plot.x, fr->plot.y);
  cairo_scale (cr, fr->plot.width / w, fr->plot.height / nb);
  cairo_set_source_surface (cr, img, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_paint (cr);
  cairo_restore (cr);
  cairo_surface_destroy (img);
}

/* The colour key right of the data area: the ramp from 1 to the largest
 * count (log scale, as the cells). */
static void
paint_key (BpvPlotFrame           *fr,
           const BpRecordDistHist *h)
{
  cairo_t *cr = fr->cr;
  double f = fr->f, x = fr->plot.x + fr->plot.width + RAMP_KEY_GAP_EM * f, top = fr->plot.y, height = fr->plot.height;
  g_autofree char *most = g_strdup_printf ("%u", h->max_count);
  cairo_pattern_t *ramp = cairo_pattern_create_linear (0, top + height, 0, top);

  for (int k = 0; k <= 8; k++)
    {
      BpvRgba c = bpv_plot_dist_ramp (RAMP_FLOOR + (1 - RAMP_FLOOR) * k / 8.0, fr->theme);

      cairo_pattern_add_color_stop_rgb (ramp, k / 8.0, c.r, c.g, c.b);
    }
  cairo_save (cr);
  cairo_rectangle (cr, x, top, RAMP_KEY_BAR_EM * f, height);
  cairo_set_source (cr, ramp);
  cairo_fill (cr);
  cairo_restore (cr);
  cairo_pattern_destroy (ramp);
  bpv_text_draw (fr->text, most, x + (RAMP_KEY_BAR_EM + RAMP_KEY_LABEL_GAP_EM) * f, top, 0, 0, f, BPV_TEXT_NORMAL, fr->tc->text_muted);
  bpv_text_draw (fr->text, "1", x + (RAMP_KEY_BAR_EM + RAMP_KEY_LABEL_GAP_EM) * f, top + height, 0, 1, f, BPV_TEXT_NORMAL,
                 fr->tc->text_muted);
  if (height > 5 * f)
    {
      cairo_save (cr);
      cairo_translate (cr, x + (RAMP_KEY_BAR_EM + RAMP_KEY_LABEL_GAP_EM) * f, top + height / 2);
      cairo_rotate (cr, -G_PI / 2);
      bpv_text_draw (fr->text, _("count"), 0, 0, 0.5, 0, f, BPV_TEXT_NORMAL, fr->tc->text_muted);
      cairo_restore (cr);
    }
}

/* The marker over a heat map: a line of the panel's colour each side keeps
 * it apart from cells of any colour. */
static void
paint_mark (BpvPlotFrame *fr)
{
  cairo_t *cr = fr->cr;
  double px, half;

  if (!fr->mark || fr->mark_x < fr->x0 || fr->mark_x > fr->x1)
    return;
  px = round (bpv_plot_frame_x (fr, fr->mark_x));
  half = MAX (1.0, round (0.06 * fr->f));
  cairo_save (cr);
  bpv_set_source_rgba (cr, fr->tc->panel);
  cairo_rectangle (cr, px - half - 1, fr->plot.y, 2 * half + 2, fr->plot.height);
  cairo_fill (cr);
  cairo_restore (cr);
  bpv_plot_frame_mark (fr, TRUE);
}

char *
bpv_plot_dist_caption (const BpRecordDist   *dist,
                       BpRecordDistQuantity  q,
                       gsize                 layer)
{
  g_autofree char *rows = NULL;
  const BpRecordDistHist *h;
  guint64 nonfinite = 0;
  char *caption;

  g_return_val_if_fail (dist != NULL && dist->n_steps > 0, NULL);
  g_return_val_if_fail (q == BP_RECORD_DIST_N_QUANTITIES || layer < dist->n_layers, NULL);

  rows = rows_text (dist);
  if (q == BP_RECORD_DIST_N_QUANTITIES)
    return g_strdup_printf (_("dead: z ≤ 0 and σ′(z) = 0 for every row · saturated: |σ′(z)| < %g "
                              "and a ≠ 0 for more than half the rows · %s"),
                            BP_DIAG_SATURATION_LEVEL, rows);
  h = &dist->hist[q][layer];
  for (gsize i = 0; i < dist->n_steps && h->nonfinite != NULL; i++)
    nonfinite += h->nonfinite[i];
  if (q == BP_RECORD_DIST_WEIGHTS)
    caption = g_strdup_printf (_("%" PRIu64 " values per step · count on a log scale"),
                               (guint64) h->n_values);
  else if (h->half == 0)
    caption = g_strdup_printf (_("∂C/∂W %s · every value is 0"), rows);
  else
    {
      g_autofree char *tau = h->j_lo % BP_RECORD_DIST_BINS_PER_DECADE == 0
                             ? format_power (h->j_lo / BP_RECORD_DIST_BINS_PER_DECADE, 1)
                             : g_strdup_printf ("%.2g", h->lo);

      caption = g_strdup_printf (_("∂C/∂W %s · log bins; |g| < %s in the middle · count on a log scale"),
                                 rows, tau);
    }
  if (nonfinite > 0)
    {
      char *more = g_strdup_printf (_("%s · %" PRIu64 " non-finite left out"), caption, nonfinite);

      g_free (caption);
      caption = more;
    }
  return caption;
}

void
bpv_plot_dist_message (cairo_t            *cr,
                       const BpvRect      *rect,
                       const char         *title,
                       const char         *message,
                       const BpvPlotStyle *style)
{
  BpvPlotFrame fr;
  BpvPlotStyle own;

  g_return_if_fail (cr != NULL && rect != NULL && message != NULL);

  if (style != NULL)
    own = *style;
  else
    bpv_plot_style_init (&own);
  own.title = title;
  bpv_plot_frame_begin (&fr, cr, rect, &own, _("Distributions"), 0);
  bpv_plot_frame_message (&fr, message);
  bpv_plot_frame_end (&fr);
}

void
bpv_plot_dist_histograms (cairo_t              *cr,
                          const BpvRect        *rect,
                          const BpRecordDist   *dist,
                          BpRecordDistQuantity  q,
                          gsize                 layer,
                          const char           *layer_name,
                          const BpvPlotStyle   *style)
{
  g_autofree char *name = NULL;
  g_autofree char *title = NULL;
  g_autofree char *span = NULL;
  g_autofree char *caption = NULL;
  g_autoptr(GArray) pos = NULL;
  g_autoptr(GPtrArray) labels = NULL;
  const BpRecordDistHist *h;
  BpvPlotFrame fr;
  GPtrArray *lines;

  g_return_if_fail (cr != NULL && rect != NULL && dist != NULL && layer_name != NULL);
  g_return_if_fail (q < BP_RECORD_DIST_N_QUANTITIES && layer < dist->n_layers);
  g_return_if_fail (dist->n_steps > 0);

  h = &dist->hist[q][layer];
  name = q == BP_RECORD_DIST_GRADIENTS ? g_strdup_printf ("∂C/∂%s", layer_name) : g_strdup (layer_name);
  span = steps_text (dist);
  /* Translators: "W(2) over steps 0–5000" */
  title = g_strdup_printf (_("%s over %s"), name, span);
  if (!bpv_plot_frame_begin (&fr, cr, rect, style, fitting_title (cr, rect, style, title, name), 0))
    {
      bpv_plot_frame_end (&fr);
      return;
    }
  if (h->n_bins == 0)
    {
      g_autofree char *text = g_strdup_printf (_("Layer %" PRIu64 " has no parameters "
                                                 "(dropout): choose another layer."), (guint64) layer + 1);

      bpv_plot_frame_message (&fr, text);
      bpv_plot_frame_end (&fr);
      return;
    }
  caption = bpv_plot_dist_caption (dist, q, layer);
  lines = reserve_caption (&fr, caption);
  {
    /* The key's bar, and its labels: the largest count, or the rotated
     * "count" beside the bar when that is wider. */
    g_autofree char *most = g_strdup_printf ("%u", h->max_count);
    double w, th;

    bpv_text_measure (fr.text, most, fr.f, BPV_TEXT_NORMAL, &w, &th);
    fr.plot.width -= (RAMP_KEY_GAP_EM + RAMP_KEY_BAR_EM + RAMP_KEY_LABEL_GAP_EM) * fr.f + MAX (w, th);
  }
  fr.y0 = 0;
  fr.y1 = (double) h->n_bins;
  pos = g_array_new (FALSE, FALSE, sizeof (double));
  labels = g_ptr_array_new_with_free_func (g_free);
  value_ticks (&fr, h, pos, labels);
  fr.y_ticks = (const double *) pos->data;
  fr.y_tick_labels = (const char *const *) labels->pdata;
  fr.n_y_ticks = pos->len;
  bpv_plot_frame_fit_y (&fr);
  set_step_axis (&fr, dist);
  paint_cells (&fr, dist, h);
  bpv_plot_frame_axes (&fr, _("step"), name, FALSE);
  paint_key (&fr, h);
  paint_mark (&fr);
  draw_caption (&fr, lines);
  bpv_plot_frame_end (&fr);
}

void
bpv_plot_dist_units (cairo_t            *cr,
                     const BpvRect      *rect,
                     const BpRecordDist *dist,
                     const BpvPlotStyle *style)
{
  g_autofree char *span = NULL;
  g_autofree char *title = NULL;
  g_autofree char *caption = NULL;
  g_autofree double *x = NULL;
  g_autoptr(GPtrArray) key = NULL;
  g_autoptr(GArray) colors = NULL;
  g_autoptr(GArray) dashed = NULL;
  BpvPlotFrame fr;
  GPtrArray *lines;
  gsize n, L;

  g_return_if_fail (cr != NULL && rect != NULL && dist != NULL && dist->n_steps > 0);

  n = dist->n_steps;
  L = dist->n_layers;
  span = steps_text (dist);
  /* Translators: "Dead and saturated units over steps 0–5000" */
  title = g_strdup_printf (_("Dead and saturated units over %s"), span);
  if (!bpv_plot_frame_begin (&fr, cr, rect, style,
                             fitting_title (cr, rect, style, title, _("Dead and saturated units")), 0))
    {
      bpv_plot_frame_end (&fr);
      return;
    }
  caption = bpv_plot_dist_caption (dist, BP_RECORD_DIST_N_QUANTITIES, 0);

  /* The key: a colour per layer, then what solid and dashed mean. */
  key = g_ptr_array_new_with_free_func (g_free);
  colors = g_array_new (FALSE, FALSE, sizeof (BpvRgba));
  dashed = g_array_new (FALSE, FALSE, sizeof (gboolean));
  for (gsize l = 0; l < L; l++)
    if (isfinite (dist->dead[l]))
      {
        BpvRgba c = bpv_plot_frame_layer_color (&fr, l);
        gboolean no = FALSE;

        g_ptr_array_add (key, g_strdup_printf ("a(%" G_GSIZE_FORMAT ")", l + 1));
        g_array_append_val (colors, c);
        g_array_append_val (dashed, no);
      }
  {
    gboolean no = FALSE, yes = TRUE;

    g_ptr_array_add (key, g_strdup (_("dead")));
    g_array_append_val (colors, fr.tc->text);
    g_array_append_val (dashed, no);
    g_ptr_array_add (key, g_strdup (_("saturated")));
    g_array_append_val (colors, fr.tc->text);
    g_array_append_val (dashed, yes);
  }
  bpv_plot_frame_header_key (&fr, (const char **) key->pdata, (const BpvRgba *) colors->data,
                             (const gboolean *) dashed->data, key->len);
  lines = reserve_caption (&fr, caption);
  fr.y0 = 0;
  fr.y1 = 1;
  bpv_plot_frame_fit_y (&fr);
  set_step_axis (&fr, dist);
  /* no y title: the title says what the percentages are of */
  bpv_plot_frame_axes (&fr, _("step"), NULL, TRUE);
  x = g_new (double, n);
  for (gsize i = 0; i < n; i++)
    x[i] = (double) dist->steps[i];
  for (gsize l = 0; l < L; l++)
    if (isfinite (dist->dead[l]))
      {
        BpvRgba c = bpv_plot_frame_layer_color (&fr, l);

        bpv_plot_frame_line (&fr, x, dist->saturated + l, n, L, c, 0.14 * fr.f, TRUE);
        bpv_plot_frame_line (&fr, x, dist->dead + l, n, L, c, 0.14 * fr.f, FALSE);
      }
  bpv_plot_frame_mark (&fr, TRUE);
  draw_caption (&fr, lines);
  bpv_plot_frame_end (&fr);
}
