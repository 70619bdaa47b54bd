/* bpv-export.h — writes a drawing to a PNG, SVG or PDF file through cairo's
 * image, SVG and PDF surfaces, so export uses exactly the code that paints
 * the screen.
 */
#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

#define BPV_EXPORT_ERROR (bpv_export_error_quark ())
GQuark bpv_export_error_quark (void);

typedef enum
{
  BPV_EXPORT_ERROR_FORMAT,  /* unknown file extension */
  BPV_EXPORT_ERROR_WRITE,   /* cairo could not write the file */
} BpvExportError;

typedef enum
{
  BPV_FORMAT_PNG,
  BPV_FORMAT_SVG,
  BPV_FORMAT_PDF,
} BpvFormat;

/* Paints a width × height picture (units: pixels for PNG, points for
 * SVG/PDF) into cr. */
typedef void (*BpvPaintFunc) (cairo_t  *cr,
                              double    width,
                              double    height,
                              gpointer  user_data);

/* From the extension (case-insensitive ".png", ".svg", ".pdf"). */
gboolean bpv_format_from_path (const char  *path,
                               BpvFormat   *format,
                               GError     **error);

/* Creates the surface, calls `paint` once, finishes and writes `path`.
 * PNG: `scale` > 0 multiplies the pixel size (1 = width × height pixels).
 * Errors name the file. */
gboolean bpv_export           (const char   *path,
                               BpvFormat     format,
                               double        width,
                               double        height,
                               double        scale,
                               BpvPaintFunc  paint,
                               gpointer      user_data,
                               GError      **error);

/* Paints page `page` (from 0) of a document of width × height points. */
typedef void (*BpvPaintPageFunc) (cairo_t  *cr,
                                  gsize     page,
                                  double    width,
                                  double    height,
                                  gpointer  user_data);

/* A PDF of `n_pages` pages, each painted by one call of `paint` on the
 * same cairo_t (state saved and restored around it), for documents such
 * as a lesson's handout.  Errors name the file; a failed file is
 * removed. */
gboolean bpv_export_pdf_pages (const char        *path,
                               double             width,
                               double             height,
                               gsize              n_pages,
                               BpvPaintPageFunc   paint,
                               gpointer           user_data,
                               GError           **error);

G_END_DECLS
