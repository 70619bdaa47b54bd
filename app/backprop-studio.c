/* backprop-studio.c — the Backprop Studio application: policy only.
 *
 * It decides which experiment opens (the built-in default, or a model file
 * given on the command line), where plugins come from (the same loader and
 * search path as the `backprop` command line, so plugin activations, costs
 * and optimizers appear in the pickers), and what happens without a
 * display: one line saying so, then the default experiment is trained and
 * drawn to a PNG with the same render functions the window uses.
 *
 *   backprop-studio [--headless] [-o PICTURE.png] [MODEL.json]
 */
#include "config.h"
#include "bpv-trainer-thread.h"

#include <adwaita.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bp-model.h"
#include "bp-plugin-loader.h"
#include "bp-trainer.h"
#include "bpv-events.h"
#include "bpv-export.h"
#include "bpv-heatmap.h"
#include "bpv-plot.h"
#include "bpv-render.h"
#include "bpv-window.h"

#ifdef BPS_HAVE_OPENBLAS
# include <cblas.h>
#endif

#define APP_ID "io.github.backprop_studio.BackpropStudio"

static BpPluginLoader *plugin_loader;

/* Loads the plugins of the search path into the default registry, as
 * bp_cli_load_plugins does for the command line.  Refused plugins are
 * remembered and shown, never fatal. */
static void
load_plugins (void)
{
  g_autoptr(GError) error = NULL;

  plugin_loader = bp_plugin_loader_new (NULL);
  bp_plugin_loader_load_all (plugin_loader, &error);
}

static char *
refused_plugins_text (void)
{
  g_autoptr(GPtrArray) refused = NULL;
  const BpPluginRecord *r;
  g_autofree char *base = NULL;

  if (plugin_loader == NULL)
    return NULL;
  refused = bp_plugin_loader_list_refused (plugin_loader);
  if (refused->len == 0)
    return NULL;
  r = g_ptr_array_index (refused, 0);
  base = g_path_get_basename (r->path);
  if (refused->len == 1)
    return g_strdup_printf ("Plugin %s was refused: %s", base, r->error->message);
  return g_strdup_printf ("%u plugins were refused; %s: %s", refused->len, base,
                          r->error->message);
}

/* ------------------------------------------------------------- headless */

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
  double side = p->map != NULL ? MIN (width * 0.36, height * 0.62) : 0;
  double left = width - side;

  bpv_network_render_page (cr, &p->state, &p->params, p->title, left, height);
  if (p->map != NULL)
    {
      BpvRect map_rect = { left, 0, side, side };
      BpvRect loss_rect = { left, side, side, height - side };
      BpvDecisionStyle style;
      BpvPlotStyle plot;

      bpv_decision_style_init (&style);
      style.boundary = 0.5;
      cairo_save (cr);
      bpv_decision_map_render (cr, &map_rect, p->map, p->train, p->test, &style);
      cairo_restore (cr);
      bpv_plot_style_init (&plot);
      cairo_save (cr);
      bpv_plot_loss (cr, &loss_rect, p->epochs, p->n_epochs, &plot);
      cairo_restore (cr);
    }
}

/* Trains the default experiment (or `model_path`) and draws it. */
static int
run_headless (const char *model_path,
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

  model = model_path != NULL ? bp_model_load_file (model_path, NULL, &error) : bp_model_new_default ();
  if (model == NULL)
    goto fail;
  data = bp_dataset_open (model->dataset != NULL ? model->dataset : "moons",
                          model->dataset_rows, model->dataset_noise, model->seed, &error);
  if (data == NULL
      || !bp_model_fit_to_data (model, data->n_features, data->n_targets, data->task, &error))
    goto fail;
  bp_dataset_split (data, model->test_fraction, model->seed, &train, &test);
  config.batch_size = model->batch_size > 0 ? model->batch_size : 16;
  config.shuffle = TRUE;
  config.seed = model->seed;
  config.keep_trace = TRUE;
  trainer = bp_trainer_new (model->network, model->optimizer, train, test, &config, &error);
  if (trainer == NULL)
    goto fail;
  epochs = model->epochs > 0 ? model->epochs : 100;
  for (guint e = 0; e < epochs; e++)
    if (!bp_trainer_run_epoch (trainer, NULL, NULL, &error))
      goto fail;
  last = bp_trainer_last_epoch (trainer);

  /* One sample's forward and backward, for the neuron fills and δ rings. */
  trace = bp_trace_new (model->network, 1);
  bp_network_zero_grad (model->network);
  bp_network_forward (model->network, trace, train->X, 1);
  bp_network_backward (model->network, trace, train->Y);

  bpv_render_state_init (&picture.state, model->network, trace);
  bpv_layout_params_init (&picture.params, 100, 100);
  picture.map = NULL;
  if (model->network->n_inputs == 2)
    {
      BpvPlane plane;

      bpv_plane_for_dataset (data, &plane);
      map = bpv_decision_map_new (200, 200);
      bpv_heatmap_compute (model->network, &plane, map, NULL, NULL);
      picture.map = map;
    }
  picture.train = train;
  picture.test = test;
  picture.epochs = (const BpEpochStats *) trainer->history->data;
  picture.n_epochs = trainer->history->len;
  title = g_strdup_printf ("%s · %s · %u epochs · train loss %.4f", model->name,
                           data->name, epochs, last->train_loss);
  picture.title = title;
  if (!bpv_export (output, BPV_FORMAT_PNG, 1600, 900, 1.0, paint_picture, &picture, &error))
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

/* ------------------------------------------------------------------ GUI */

static void
open_window (AdwApplication *app,
             BpModel        *model)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpvSession) session = NULL;
  g_autofree char *refused = NULL;
  BpvWindow *window;

  session = bpv_session_new (model, &error);
  if (session == NULL)
    {
      g_autoptr(BpModel) fallback = bp_model_new_default ();

      fprintf (stderr, "backprop-studio: %s; opening the default experiment\n", error->message);
      g_clear_error (&error);
      session = bpv_session_new (fallback, &error);
      if (session == NULL)
        {
          fprintf (stderr, "backprop-studio: %s\n", error->message);
          return;
        }
    }
  window = bpv_window_new (GTK_APPLICATION (app), session);
  {
    /* Not larger than the screen (a projector may be 1280 × 1024). */
    GListModel *monitors = gdk_display_get_monitors (gdk_display_get_default ());
    g_autoptr(GdkMonitor) monitor = g_list_model_get_item (monitors, 0);
    int w, h;

    gtk_window_get_default_size (GTK_WINDOW (window), &w, &h);
    if (monitor != NULL)
      {
        GdkRectangle geometry;

        gdk_monitor_get_geometry (monitor, &geometry);
        gtk_window_set_default_size (GTK_WINDOW (window), MIN (w, geometry.width),
                                     MIN (h, geometry.height));
      }
  }
  gtk_window_present (GTK_WINDOW (window));
  if ((refused = refused_plugins_text ()) != NULL)
    bpv_window_toast (window, refused);
}

static void
on_activate (AdwApplication *app)
{
  g_autoptr(BpModel) model = bp_model_new_default ();

  open_window (app, model);
}

static void
on_open (AdwApplication  *app,
         GFile          **files,
         int              n_files,
         const char      *hint)
{
  for (int i = 0; i < n_files; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *path = g_file_get_path (files[i]);
      g_autoptr(BpModel) model = NULL;

      model = path != NULL ? bp_model_load_file (path, NULL, &error) : NULL;
      if (model == NULL)
        {
          fprintf (stderr, "backprop-studio: %s\n",
                   error != NULL ? error->message : "only local files can be opened");
          model = bp_model_new_default ();
        }
      open_window (app, model);
    }
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       app)
{
  bpv_event ("ACTION quit");
  g_application_quit (G_APPLICATION (app));
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       app)
{
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (app));
  const char *developers[] = { "The Backprop Studio authors", NULL };

  adw_show_about_window (parent,
                         "application-name", "Backprop Studio",
                         "application-icon", "applications-science-symbolic",
                         "version", PACKAGE_VERSION,
                         "comments", "Backpropagation made visible: every number of the chain rule, "
                                     "layer by layer.",
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "developers", developers,
                         NULL);
}

static void
on_startup (AdwApplication *app)
{
  const GActionEntry entries[] = {
    { "quit", quit_activated, NULL, NULL, NULL, { 0 } },
    { "about", about_activated, NULL, NULL, NULL, { 0 } },
  };
  static const struct { const char *action; const char *accels[3]; } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "win.export", { "<Control>e", NULL } },
    { "win.open-csv", { "<Control>o", NULL } },
    { "win.toggle-sidebar", { "F9", NULL } },
    { "win.zoom-in", { "<Control>plus", "<Control>equal", NULL } },
    { "win.zoom-out", { "<Control>minus", NULL } },
    { "win.zoom-reset", { "<Control>0", NULL } },
    { "win.show-help-overlay", { "F1", "<Control>question", NULL } },
  };

  g_action_map_add_action_entries (G_ACTION_MAP (app), entries, G_N_ELEMENTS (entries), app);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (app), accels[i].action, accels[i].accels);
}

static gboolean
have_display (void)
{
  const char *x = g_getenv ("DISPLAY");
  const char *w = g_getenv ("WAYLAND_DISPLAY");

  if ((x == NULL || x[0] == '\0') && (w == NULL || w[0] == '\0'))
    return FALSE;
  return gtk_init_check ();
}

int
main (int    argc,
      char **argv)
{
  gboolean headless = FALSE;
  g_autofree char *output = NULL;
  g_auto(GStrv) rest = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AdwApplication) app = NULL;
  const GOptionEntry entries[] = {
    { "headless", 0, 0, G_OPTION_ARG_NONE, &headless,
      "Do not open a window: train and write a picture", NULL },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      "Where the headless picture goes (default backprop-studio.png)", "FILE.png" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL, "[MODEL.json]" },
    { NULL }
  };
  int status;

  context = g_option_context_new ("[MODEL.json] — backpropagation made visible");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
                                "Opens the window on the built-in default experiment (a 2-8-8-1 "
                                "network on \"moons\") or on MODEL.json.  Without a display it "
                                "says so, trains the experiment and writes a picture of it.");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "backprop-studio: %s\n", error->message);
      return 2;
    }
  if (rest != NULL && g_strv_length (rest) > 1)
    {
      fprintf (stderr, "backprop-studio: one model file at most\n");
      return 2;
    }

#ifdef BPS_HAVE_OPENBLAS
  /* Training runs on one worker thread; OpenBLAS's own pool would spin on
   * the other cores and take the one the window draws on. */
  openblas_set_num_threads (1);
#endif
  load_plugins ();

  if (output == NULL)
    output = g_strdup (g_getenv ("BACKPROP_STUDIO_PNG") != NULL
                       ? g_getenv ("BACKPROP_STUDIO_PNG") : "backprop-studio.png");
  if (headless)
    return run_headless (rest != NULL ? rest[0] : NULL, output);
  if (!have_display ())
    {
      /* One line, then the useful work. */
      fprintf (stderr, "backprop-studio: no display (DISPLAY and WAYLAND_DISPLAY unset or "
                       "unusable); training the %s and writing %s instead\n",
               rest != NULL ? "model" : "default experiment", output);
      fflush (stderr);
      return run_headless (rest != NULL ? rest[0] : NULL, output);
    }

  /* The resources first: GtkApplication's own startup looks for the
   * shortcuts window (gtk/help-overlay.ui) under the application's path. */
  bpv_ui_init ();
  app = adw_application_new (APP_ID, G_APPLICATION_NON_UNIQUE | G_APPLICATION_HANDLES_OPEN);
  g_signal_connect (app, "startup", G_CALLBACK (on_startup), NULL);
  g_signal_connect (app, "activate", G_CALLBACK (on_activate), NULL);
  g_signal_connect (app, "open", G_CALLBACK (on_open), NULL);
  {
    /* The model file, if any, goes to GApplication as the file to open. */
    char *app_argv[3] = { argv[0], rest != NULL ? rest[0] : NULL, NULL };

    status = g_application_run (G_APPLICATION (app), rest != NULL ? 2 : 1, app_argv);
    /* The process must not exit under a training worker. */
    bpv_background_wait_all ();
  }
  g_clear_pointer (&plugin_loader, bp_plugin_loader_free);
  return status;
}
