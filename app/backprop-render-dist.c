/* backprop-render-dist.c — `backprop render --record FILE --distributions
 * w|grad|units`: the distributions over a recording's kept steps
 * (core/bp-record-dist.h), drawn by the app's code (ui/render/bpv-plot-dist.c).
 *
 * The gradients need the rows the run trained on: the model's inline batch
 * when it has one (what `train --record` trains on then), else its dataset
 * split into train and test by its test fraction and seed, as `backprop
 * train` splits it.
 */
#include "config.h"
#include "backprop-cli.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <stdio.h>

#include "bp-diagnostics.h"
#include "bp-record-dist.h"
#include "bpv-export.h"
#include "bpv-plot-dist.h"

typedef struct
{
  const BpRecordDist *dist;
  int                 which;   /* 0 w, 1 grad, 2 units */
  gsize               layer;   /* 0-based */
  const char         *name;    /* "W(2)" */
  BpvTheme            theme;
} DistPicture;

static void
paint_dist (cairo_t  *cr,
            double    width,
            double    height,
            gpointer  user_data)
{
  DistPicture *pic = user_data;
  BpvRect rect = { 0, 0, width, height };
  BpvPlotStyle style;

  bpv_plot_style_init (&style);
  style.theme = pic->theme;
  if (pic->which == 2)
    bpv_plot_dist_units (cr, &rect, pic->dist, &style);
  else
    bpv_plot_dist_histograms (cr, &rect, pic->dist,
                              pic->which == 0 ? BP_RECORD_DIST_WEIGHTS : BP_RECORD_DIST_GRADIENTS,
                              pic->layer, pic->name, &style);
}

gboolean
backprop_render_dist (BpModel    *model,
                      const char *model_name,
                      const char *dataset,
                      gboolean    fit,
                      const char *record_path,
                      int         which,
                      guint64     layer,
                      const char *output,
                      double      width,
                      double      height,
                      gboolean    dark,
                      GError    **error)
{
  g_autoptr(BpRecord) rec = NULL;
  g_autoptr(BpDataset) ds = NULL;
  g_autoptr(BpDataset) train = NULL;
  g_autoptr(BpDataset) test = NULL;
  g_autoptr(BpRecordDist) dist = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *name = NULL;
  const double *X, *Y;
  gsize n_rows;
  DistPicture pic;
  BpvFormat format;
  BpNetwork *net;

  if (!bpv_format_from_path (output, &format, error))
    return FALSE;
  rec = bp_record_load (record_path, error);
  if (rec == NULL)
    return FALSE;
  if (model->n_samples > 0 && dataset == NULL)
    {
      X = model->inputs;
      Y = model->targets;
      n_rows = model->n_samples;
    }
  else
    {
      ds = backprop_cli_open_dataset (model, model_name, dataset, 0, -1, fit, error);
      if (ds == NULL)
        return FALSE;
      bp_dataset_split (ds, model->test_fraction, model->seed, &train, &test);
      X = train->X;
      Y = train->Y;
      n_rows = train->n_rows;
    }
  net = model->network;
  if (layer > net->n_layers)
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
                   "render: --layer: %s has %" G_GSIZE_FORMAT " layer%s, got %" G_GUINT64_FORMAT,
                   model_name, net->n_layers, net->n_layers == 1 ? "" : "s", layer);
      return FALSE;
    }
  if (layer == 0)
    layer = 1;
  dist = bp_record_dist_compute (rec, net, X, Y, n_rows, NULL, NULL, &local);
  if (dist == NULL)
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_FAILED,
                   _("%s: not a recording of %s: %s"), record_path, model_name, local->message);
      return FALSE;
    }
  name = bp_diag_grad_layer_name (net, layer - 1);
  if (name == NULL && which != 2)
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
                   _("render: --layer %" PRIu64 ": a dropout layer has no parameters"),
                   layer);
      return FALSE;
    }
  pic = (DistPicture) { dist, which, layer - 1, name, dark ? BPV_THEME_DARK : BPV_THEME_LIGHT };
  if (!bpv_export (output, format, width, height, 1, paint_dist, &pic, error))
    return FALSE;
  printf (_("%s: distributions of %" PRIu64 " kept steps (%" PRIu64 "–%" PRIu64 "), "
            "each pass over %" PRIu64 " of %" PRIu64 " training rows\n"),
          output, (guint64) dist->n_steps, dist->steps[0], dist->steps[dist->n_steps - 1],
          (guint64) dist->rows_used, (guint64) dist->rows_total);
  return TRUE;
}
