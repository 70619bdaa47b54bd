/* bpv-text.c — Pango labels for the drawing layer. */
#include "config.h"
#include "bpv-text.h"

#include <math.h>
#include <pango/pangocairo.h>

#define BPV_FONT_FAMILY "Cantarell, Inter, DejaVu Sans, Sans"
#define BPV_MONO_FAMILY "DejaVu Sans Mono, Monospace"
/* Fonts (size, weight, family and transformation) a font map makes before
 * it is replaced; see fonts_note (). */
#define MAX_FONTS 128

/* The labels' own font map, one per thread (as Pango's default is).
 * Pango keeps every font a map has made, with its glyph and extents
 * caches (some 50 kB), for as long as the map lives; label sizes follow
 * the layout (the radius of the neurons) and the zoom continuously, so
 * with the default map the app kept growing (the app soak: 36 MB in 30
 * minutes of edits and zooming; test-render: 2000 sizes kept 100 MB).
 * This map is replaced after MAX_FONTS fonts; a label being drawn keeps
 * the old one until it is freed. */
typedef struct
{
  PangoFontMap *map;
  GHashTable   *seen;  /* "size flags matrix" → NULL */
} Fonts;

static void
fonts_free (gpointer data)
{
  Fonts *fonts = data;

  g_clear_object (&fonts->map);
  g_clear_pointer (&fonts->seen, g_hash_table_unref);
  g_free (fonts);
}

static GPrivate fonts_key = G_PRIVATE_INIT (fonts_free);

static Fonts *
fonts_get (void)
{
  Fonts *fonts = g_private_get (&fonts_key);

  if (fonts == NULL)
    {
      fonts = g_new0 (Fonts, 1);
      fonts->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_private_set (&fonts_key, fonts);
    }
  if (fonts->map == NULL)
    fonts->map = pango_cairo_font_map_new ();
  return fonts;
}

/* Counts the fonts the map is asked for; past MAX_FONTS the next labels
 * get a new map. */
static void
fonts_note (cairo_t      *cr,
            double        size,
            BpvTextFlags  flags)
{
  Fonts *fonts = fonts_get ();
  cairo_matrix_t m;
  char *key;

  cairo_get_matrix (cr, &m);
  key = g_strdup_printf ("%a %d %a %a %a %a", size, (int) flags, m.xx, m.yx, m.xy, m.yy);
  if (g_hash_table_contains (fonts->seen, key))
    {
      g_free (key);
      return;
    }
  if (g_hash_table_size (fonts->seen) >= MAX_FONTS)
    {
      g_clear_object (&fonts->map);
      g_hash_table_remove_all (fonts->seen);
    }
  g_hash_table_add (fonts->seen, key);
}

static const cairo_user_data_key_t labels_key;

static void
label_clear (gpointer data)
{
  g_free (((BpvLabel *) data)->text);
}

GArray *
bpv_label_list_new (void)
{
  GArray *labels = g_array_new (FALSE, TRUE, sizeof (BpvLabel));

  g_array_set_clear_func (labels, label_clear);
  return labels;
}

void
bpv_text_record_labels (cairo_t *cr,
                        GArray  *labels)
{
  g_return_if_fail (cr != NULL);

  cairo_set_user_data (cr, &labels_key, labels, NULL);
}

/* The device-space box of user-space rectangle (x, y, w, h). */
static BpvRect
device_box (cairo_t *cr,
            double   x,
            double   y,
            double   w,
            double   h)
{
  double xs[4] = { x, x + w, x, x + w }, ys[4] = { y, y, y + h, y + h };
  double x0 = G_MAXDOUBLE, y0 = G_MAXDOUBLE, x1 = -G_MAXDOUBLE, y1 = -G_MAXDOUBLE;

  for (int i = 0; i < 4; i++)
    {
      cairo_user_to_device (cr, &xs[i], &ys[i]);
      x0 = MIN (x0, xs[i]);
      y0 = MIN (y0, ys[i]);
      x1 = MAX (x1, xs[i]);
      y1 = MAX (y1, ys[i]);
    }
  return (BpvRect) { x0, y0, x1 - x0, y1 - y0 };
}

static void
record_label (cairo_t    *cr,
              GArray     *labels,
              const char *markup,
              double      size,
              double      x,
              double      y,
              double      w,
              double      h)
{
  BpvLabel label;
  cairo_matrix_t m;
  double cx0, cy0, cx1, cy1;

  cairo_get_matrix (cr, &m);
  label.text = g_strdup (markup);
  label.size = size * sqrt (fabs (m.xx * m.yy - m.xy * m.yx));
  label.rect = device_box (cr, x, y, w, h);
  cairo_clip_extents (cr, &cx0, &cy0, &cx1, &cy1);
  label.clip = device_box (cr, cx0, cy0, cx1 - cx0, cy1 - cy0);
  g_array_append_val (labels, label);
}

struct _BpvText
{
  cairo_t              *cr;
  GArray               *labels;   /* recording, or NULL */
  PangoLayout          *layout;
  PangoFontDescription *font;
  double                size;
  BpvTextFlags          flags;
};

BpvText *
bpv_text_new (cairo_t *cr)
{
  BpvText *text = g_new0 (BpvText, 1);
  cairo_font_options_t *options = cairo_font_options_create ();
  PangoContext *context;

  text->cr = cr;
  text->labels = cairo_get_user_data (cr, &labels_key);
  context = pango_font_map_create_context (fonts_get ()->map);
  pango_cairo_update_context (cr, context);
  text->layout = pango_layout_new (context);
  g_object_unref (context);
  /* Unhinted metrics: labels keep their proportions at any zoom and in
   * vector export. */
  cairo_font_options_set_hint_metrics (options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style (options, CAIRO_HINT_STYLE_SLIGHT);
  cairo_font_options_set_antialias (options, CAIRO_ANTIALIAS_GRAY);
  pango_cairo_context_set_font_options (context, options);
  pango_layout_context_changed (text->layout);
  cairo_font_options_destroy (options);
  text->font = pango_font_description_new ();
  text->size = -1;
  text->flags = (BpvTextFlags) -1;
  return text;
}

void
bpv_text_free (BpvText *text)
{
  if (text == NULL)
    return;
  g_object_unref (text->layout);
  pango_font_description_free (text->font);
  g_free (text);
}

static void
prepare (BpvText      *text,
         const char   *markup,
         double        size,
         BpvTextFlags  flags)
{
  if (size != text->size || flags != text->flags)
    {
      pango_font_description_set_family (text->font,
                                         (flags & BPV_TEXT_MONO) ? BPV_MONO_FAMILY : BPV_FONT_FAMILY);
      pango_font_description_set_weight (text->font,
                                         (flags & BPV_TEXT_BOLD) ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
      pango_font_description_set_absolute_size (text->font, MAX (size, 1.0) * PANGO_SCALE);
      pango_layout_set_font_description (text->layout, text->font);
      text->size = size;
      text->flags = flags;
    }
  fonts_note (text->cr, size, flags);
  /* The CTM may have changed since the last label (zoom). */
  pango_cairo_update_layout (text->cr, text->layout);
  pango_layout_set_markup (text->layout, markup, -1);
}

void
bpv_text_measure (BpvText      *text,
                  const char   *markup,
                  double        size,
                  BpvTextFlags  flags,
                  double       *width,
                  double       *height)
{
  PangoRectangle logical;

  prepare (text, markup, size, flags);
  pango_layout_get_extents (text->layout, NULL, &logical);
  if (width != NULL)
    *width = (double) logical.width / PANGO_SCALE;
  if (height != NULL)
    *height = (double) logical.height / PANGO_SCALE;
}

double
bpv_text_draw (BpvText      *text,
               const char   *markup,
               double        x,
               double        y,
               double        xalign,
               double        yalign,
               double        size,
               BpvTextFlags  flags,
               BpvRgba       color)
{
  PangoRectangle logical;
  double w, h;

  prepare (text, markup, size, flags);
  pango_layout_get_extents (text->layout, NULL, &logical);
  w = (double) logical.width / PANGO_SCALE;
  h = (double) logical.height / PANGO_SCALE;
  cairo_save (text->cr);
  bpv_set_source_rgba (text->cr, color);
  cairo_move_to (text->cr,
                 x - w * xalign - (double) logical.x / PANGO_SCALE,
                 y - h * yalign - (double) logical.y / PANGO_SCALE);
  pango_cairo_show_layout (text->cr, text->layout);
  cairo_restore (text->cr);
  if (text->labels != NULL && *markup != '\0')
    record_label (text->cr, text->labels, markup, size, x - w * xalign, y - h * yalign, w, h);
  return w;
}

#ifdef __SANITIZE_ADDRESS__
/* Fontconfig keeps its pattern and cache chains for the life of the
 * process, and cannot be shut down while Pango and cairo still cache fonts
 * (FcFini asserts).  Everything that draws text links this file, so this is
 * where LeakSanitizer is told: these are fontconfig's, not leaks of ours
 * (our allocations on top of it are still checked). */
const char *__lsan_default_suppressions (void);

const char *
__lsan_default_suppressions (void)
{
  return "leak:libfontconfig.so\n";
}

/* …and not to list the suppressions used on stderr, where the CLI's
 * contract is one line per error. */
const char *__lsan_default_options (void);

const char *
__lsan_default_options (void)
{
  return "print_suppressions=0";
}
#endif
