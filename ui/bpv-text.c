/* bpv-text.c — Pango labels for the drawing layer. */
#include "config.h"
#include "bpv-text.h"

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

struct _BpvText
{
  cairo_t              *cr;
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
