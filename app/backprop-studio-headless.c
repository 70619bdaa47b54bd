/* backprop-studio-headless.c — training and drawing without a window (see
 * backprop-studio-headless.h).
 */
#include "config.h"
#include "backprop-studio-headless.h"
#include "backprop-studio-data.h"
#include "backprop-studio-files.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>

#include "bp-dataset.h"
#include "bp-model.h"
#include "bp-network.h"
#include "bp-trainer.h"
#include "bpv-export.h"
#include "bpv-heatmap.h"
#include "bpv-plot.h"
#include "bpv-render.h"

/* The picture: the size `backprop render` draws by default, a 16:9 page. */
#define PICTURE_WIDTH   1600
#define PICTURE_HEIGHT  900

/* The decision map's square side as a share of the page's width and
 * height: the network keeps about two thirds of the width, and the loss
 * plot below the map keeps about a third of the height. */
#define MAP_WIDTH_SHARE   0.36
#define MAP_HEIGHT_SHARE  0.62

/* Cells of the decision map: finer than the picture shows it in. */
#define MAP_CELLS  200

/* A single output's decision level (σ > 0.5 is class 1). */
#define MAP_BOUNDARY  0.5

/* What the experiment trains with when its model file leaves it at 0. */
#define DEFAULT_BATCH_SIZE  16
#define DEFAULT_EPOCHS      100

/* The default experiment's dataset when the model names none. */
#define DEFAULT_DATASET  "moons"

/* bpv_network_render_page lays the network out in the page it is given:
 * the size the parameters start with is replaced. */
#define LAYOUT_PLACEHOLDER_SIZE  100

typedef struct
{
  BpvRenderState        state;
  BpvLayoutParams       params;
  const BpvDecisionMap *map;
  const BpDataset      *train;
  const BpDataset      *test;
  const BpEpochStats   *epochs;
  gsize                 n_epochs;
  const char           *title;
} Picture;

static void
paint_picture (cairo_t  *cr,
               double    width,
               double    height,
               gpointer  user_data)
{
  Picture *p = user_data;
  double side = p->map != NULL ? MIN (width * MAP_WIDTH_SHARE, height * MAP_HEIGHT_SHARE) : 0;
  double left = width - side;

  bpv_network_render_page (cr, &p->state, &p->params, p->title, left, height);
  if (p->map != NULL)
    {
      BpvRect map_rect = { left, 0, side, side };
      BpvRect loss_rect = { left, side, side, height - side };
      BpvDecisionStyle style;
      BpvPlotStyle plot;

      bpv_decision_style_init (&style);
      style.boundary = MAP_BOUNDARY;
      cairo_save (cr);
      bpv_decision_map_render (cr, &map_rect, p->map, p->train, p->test, &style);
      cairo_restore (cr);
      bpv_plot_style_init (&plot);
      cairo_save (cr);
      bpv_plot_loss (cr, &loss_rect, p->epochs, p->n_epochs, &plot);
      cairo_restore (cr);
    }
}

int
backprop_studio_headless_run (const char *model_path,
                              const char *output)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) model = NULL;
  g_autoptr(BpDataset) data = NULL;
  g_autoptr(BpDataset) train = NULL;
  g_autoptr(BpDataset) test = NULL;
  g_autoptr(BpTrainer) trainer = NULL;
  g_autoptr(BpTrace) trace = NULL;
  g_autoptr(BpvDecisionMap) map = NULL;
  BpTrainConfig config = { 0 };
  const BpEpochStats *last;
  Picture picture;
  g_autofree char *title = NULL;
  guint epochs;

  g_return_val_if_fail (output != NULL, 1);

  model = model_path != NULL ? backprop_studio_files_load_model (model_path, &error)
                             : bp_model_new_default ();
  if (model == NULL)
    goto fail;
  /* An ONNX file has no data: the one chosen for it in the window, if any
   * (the default dataset would refit the network and lose its weights). */
  if (backprop_studio_files_is_onnx (model_path) && model->dataset == NULL
      && (model->dataset = backprop_studio_data_remembered (model_path)) == NULL)
    {
      g_autofree char *base = g_path_get_basename (model_path);

      g_set_error (&error, BP_DATASET_ERROR, BP_DATASET_ERROR_INVALID,
                   _("%s has no data: open it in the window once to choose a dataset of its "
                     "widths, which is then remembered"), base);
      goto fail;
    }
  data = bp_dataset_open (model->dataset != NULL ? model->dataset : DEFAULT_DATASET,
                          model->dataset_rows, model->dataset_noise, model->seed, &error);
  if (data == NULL
      || !bp_model_fit_to_data (model, data->n_features, data->n_targets, data->task, &error))
    goto fail;
  bp_dataset_split (data, model->test_fraction, model->seed, &train, &test);
  config.batch_size = model->batch_size > 0 ? model->batch_size : DEFAULT_BATCH_SIZE;
  config.shuffle = TRUE;
  config.seed = model->seed;
  config.keep_trace = TRUE;
  trainer = bp_trainer_new (model->network, model->optimizer, train, test, &config, &error);
  if (trainer == NULL)
    goto fail;
  epochs = model->epochs > 0 ? model->epochs : DEFAULT_EPOCHS;
  for (guint e = 0; e < epochs; e++)
    if (!bp_trainer_run_epoch (trainer, NULL, NULL, &error))
      goto fail;
  last = bp_trainer_last_epoch (trainer);

  /* One sample's forward and backward, for the neuron fills and δ rings. */
  trace = bp_trace_new (model->network, 1);
  bp_network_gradients (model->network, trace, train->X, train->Y, 1);

  bpv_render_state_init (&picture.state, model->network, trace);
  if (data->task == BP_TASK_MULTICLASS)
    picture.state.output_names = (const char * const *) data->target_names;  /* the classes' names */
  bpv_layout_params_init (&picture.params, LAYOUT_PLACEHOLDER_SIZE, LAYOUT_PLACEHOLDER_SIZE);
  picture.map = NULL;
  if (model->network->n_inputs == 2)
    {
      BpvPlane plane;

      bpv_plane_for_dataset (data, &plane);
      map = bpv_decision_map_new (MAP_CELLS, MAP_CELLS);
      bpv_heatmap_compute (model->network, &plane, map, NULL, NULL);
      picture.map = map;
    }
  picture.train = train;
  picture.test = test;
  picture.epochs = (const BpEpochStats *) trainer->history->data;
  picture.n_epochs = trainer->history->len;
  title = g_strdup_printf (_("%s · %s · %u epochs · train loss %.4f"), model->name,
                           data->name, epochs, last->train_loss);
  picture.title = title;
  if (!bpv_export (output, BPV_FORMAT_PNG, PICTURE_WIDTH, PICTURE_HEIGHT, 1.0,
                   paint_picture, &picture, &error))
    goto fail;
  if (isnan (last->test_accuracy))
    printf ("backprop-studio: trained %u epochs (train loss %.4f); wrote %s\n",
            epochs, last->train_loss, output);
  else
    printf ("backprop-studio: trained %u epochs (train loss %.4f, test accuracy %.1f %%); wrote %s\n",
            epochs, last->train_loss, 100 * last->test_accuracy, output);
  return 0;

fail:
  fprintf (stderr, "backprop-studio: %s\n", error->message);
  return 1;
}

int
backprop_studio_headless_run_no_display (const char *model_path,
                                         const char *output)
{
  /* One line, then the useful work. */
  fprintf (stderr, "backprop-studio: no display (DISPLAY and WAYLAND_DISPLAY unset or "
                   "unusable); training the %s and writing %s instead\n",
           model_path == NULL ? "default experiment"
           : backprop_studio_files_is_csv (model_path) ? "default experiment on the CSV" : "model",
           output);
  fflush (stderr);
  return backprop_studio_headless_run (model_path, output);
}
