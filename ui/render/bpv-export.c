/* bpv-export.c — PNG, SVG and PDF files from one paint function. */
#include "config.h"
#include "bpv-export.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <glib/gstdio.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>

G_DEFINE_QUARK (bpv-export-error-quark, bpv_export_error)

gboolean
bpv_format_from_path (const char  *path,
                      BpvFormat   *format,
                      GError     **error)
{
  g_autofree char *lower = NULL;

  g_return_val_if_fail (path != NULL && format != NULL, FALSE);

  lower = g_ascii_strdown (path, -1);
  if (g_str_has_suffix (lower, ".png"))
    *format = BPV_FORMAT_PNG;
  else if (g_str_has_suffix (lower, ".svg"))
    *format = BPV_FORMAT_SVG;
  else if (g_str_has_suffix (lower, ".pdf"))
    *format = BPV_FORMAT_PDF;
  else
    {
      g_set_error (error, BPV_EXPORT_ERROR, BPV_EXPORT_ERROR_FORMAT,
                   "%s: unknown image format (the name must end in .png, .svg or .pdf)", path);
      return FALSE;
    }
  return TRUE;
}

static cairo_status_t
write_to_file (void                *closure,
               const unsigned char *data,
               unsigned int         length)
{
  return fwrite (data, 1, length, closure) == length ? CAIRO_STATUS_SUCCESS
                                                     : CAIRO_STATUS_WRITE_ERROR;
}

/* Our own stream, so that a failure says why (cairo only says "error
 * while writing to output stream"). */
static FILE *
open_file (const char  *path,
           const char  *what,
           GError     **error)
{
  FILE *file = g_fopen (path, "wb");

  if (file == NULL)
    {
      int saved = errno;

      g_set_error (error, BPV_EXPORT_ERROR, BPV_EXPORT_ERROR_WRITE,
                   "%s: cannot write %s: %s", path, what, g_strerror (saved));
    }
  return file;
}

/* Finishes and destroys `surface`, closes `file`; on any failure removes
 * `path` and says why. */
static gboolean
close_file (const char       *path,
            const char       *what,
            FILE             *file,
            cairo_surface_t  *surface,
            cairo_status_t    status,
            GError          **error)
{
  int saved;

  cairo_surface_finish (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);

  saved = ferror (file) ? errno : 0;
  if (fclose (file) != 0 && saved == 0)
    saved = errno;
  if (status == CAIRO_STATUS_SUCCESS && saved == 0)
    return TRUE;

  if (saved != 0)
    g_set_error (error, BPV_EXPORT_ERROR, BPV_EXPORT_ERROR_WRITE,
                 "%s: cannot write %s: %s", path, what, g_strerror (saved));
  else
    g_set_error (error, BPV_EXPORT_ERROR, BPV_EXPORT_ERROR_WRITE,
                 "%s: cannot write %s: %s", path, what, cairo_status_to_string (status));
  g_unlink (path);
  return FALSE;
}

gboolean
bpv_export (const char   *path,
            BpvFormat     format,
            double        width,
            double        height,
            double        scale,
            BpvPaintFunc  paint,
            gpointer      user_data,
            GError      **error)
{
  cairo_surface_t *surface;
  cairo_status_t status;
  cairo_t *cr;
  FILE *file;

  g_return_val_if_fail (path != NULL && paint != NULL, FALSE);
  g_return_val_if_fail (width >= 1 && height >= 1, FALSE);

  if (!(scale > 0))
    scale = 1;

  file = open_file (path, "the image", error);
  if (file == NULL)
    return FALSE;

  switch (format)
    {
    case BPV_FORMAT_PNG:
      surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32,
                                            (int) ceil (width * scale),
                                            (int) ceil (height * scale));
      cairo_surface_set_device_scale (surface, scale, scale);
      break;
    case BPV_FORMAT_SVG:
      surface = cairo_svg_surface_create_for_stream (write_to_file, file, width, height);
      break;
    case BPV_FORMAT_PDF:
    default:
      surface = cairo_pdf_surface_create_for_stream (write_to_file, file, width, height);
      break;
    }

  cr = cairo_create (surface);
  paint (cr, width, height, user_data);
  status = cairo_status (cr);
  cairo_destroy (cr);
  if (status == CAIRO_STATUS_SUCCESS && format == BPV_FORMAT_PNG)
    status = cairo_surface_write_to_png_stream (surface, write_to_file, file);
  return close_file (path, "the image", file, surface, status, error);
}

gboolean
bpv_export_pdf_pages (const char       *path,
                      double            width,
                      double            height,
                      gsize             n_pages,
                      BpvPaintPageFunc  paint,
                      gpointer          user_data,
                      GError          **error)
{
  cairo_surface_t *surface;
  cairo_status_t status = CAIRO_STATUS_SUCCESS;
  cairo_t *cr;
  FILE *file;

  g_return_val_if_fail (path != NULL && paint != NULL, FALSE);
  g_return_val_if_fail (width >= 1 && height >= 1 && n_pages >= 1, FALSE);

  file = open_file (path, "the document", error);
  if (file == NULL)
    return FALSE;
  surface = cairo_pdf_surface_create_for_stream (write_to_file, file, width, height);
  cr = cairo_create (surface);
  for (gsize page = 0; page < n_pages && status == CAIRO_STATUS_SUCCESS; page++)
    {
      cairo_save (cr);
      paint (cr, page, width, height, user_data);
      cairo_restore (cr);
      cairo_show_page (cr);
      status = cairo_status (cr);
    }
  cairo_destroy (cr);
  return close_file (path, "the document", file, surface, status, error);
}
