/* backprop-studio.c — the Backprop Studio application: policy only.
 *
 * It decides which experiment opens (the built-in default, or a model file
 * given on the command line), where plugins come from (the same loader and
 * search path as the `backprop` command line, so plugin activations, costs
 * and optimizers appear in the pickers), and what happens without a
 * display: one line saying so, then the default experiment is trained and
 * drawn to a PNG with the same render functions the window uses.
 *
 *   backprop-studio [--headless] [-o PICTURE.png] [MODEL.json | DATA.csv]
 */
#include "config.h"
#include "bpv-trainer-thread.h"

#include <adwaita.h>
#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>
#include <glib/gstdio.h>
#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bp-dataset.h"
#include "bp-model.h"
#include "bp-plugin-loader.h"
#include "bp-trainer.h"
#include "bpv-events.h"
#include "bpv-export.h"
#include "bpv-heatmap.h"
#include "bpv-plot.h"
#include "bpv-render.h"
#include "bpv-window.h"
#include "backprop-preferences.h"

#ifdef BPS_HAVE_OPENBLAS
# include <cblas.h>
#endif

#define APP_ID "io.github.backprop_studio.BackpropStudio"

static BpPluginLoader *plugin_loader;
/* Plugin files (basenames) the user switched off (GSettings
 * disabled-plugins, read at start-up). */
static char **disabled_plugins;

static GSettings *app_settings (void);

/* Loads what is new on the search path, passing over the files the user
 * switched off (they still hide later files of the same name), and says
 * on stderr what loading had to say (a directory that cannot be read, a
 * plugin that printed on standard output).  Returns how many records were
 * added. */
static guint
load_new_plugins (void)
{
  guint before = bp_plugin_loader_get_n_records (plugin_loader);
  g_auto(GStrv) lines = NULL;

  bp_plugin_loader_set_skip (plugin_loader, (const char * const *) disabled_plugins);
  bp_plugin_loader_load_all (plugin_loader, NULL);
  lines = bp_plugin_loader_take_messages (plugin_loader);
  for (guint i = 0; lines[i] != NULL; i++)
    fprintf (stderr, "backprop-studio: warning: %s\n", lines[i]);
  return bp_plugin_loader_get_n_records (plugin_loader) - before;
}

/* Loads the plugins of the search path into the default registry, as
 * backprop_plugins_load does for the command line.  Refused plugins are
 * remembered and shown, never fatal. */
static void
load_plugins (void)
{
  plugin_loader = bp_plugin_loader_new (NULL);
  if (app_settings () != NULL)
    disabled_plugins = g_settings_get_strv (app_settings (), "disabled-plugins");
  load_new_plugins ();
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

static gboolean
is_csv_path (const char *path)
{
  return path != NULL && (g_str_has_suffix (path, ".csv") || g_str_has_suffix (path, ".CSV"));
}

/* The experiment a file on the command line (or opened) stands for: a
 * model file as it is, a CSV as the dataset of the default experiment
 * (fitted to its widths when the dataset is loaded). */
static BpModel *
model_for_path (const char  *path,
                GError     **error)
{
  BpModel *model;

  if (!is_csv_path (path))
    return bp_model_load_file (path, NULL, error);
  model = bp_model_new_default ();
  g_free (model->dataset);
  model->dataset = g_strdup (path);
  model->dataset_rows = 0;
  model->dataset_noise = -1.0;
  return model;
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

/* Trains the default experiment (or `model_path`: a model file, or a CSV
 * for the default experiment to train on) and draws it. */
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

  model = model_path != NULL ? model_for_path (model_path, &error) : bp_model_new_default ();
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
  bp_network_gradients (model->network, trace, train->X, train->Y, 1);

  bpv_render_state_init (&picture.state, model->network, trace);
  if (data->task == BP_TASK_MULTICLASS)
    picture.state.output_names = (const char * const *) data->target_names;  /* the classes' names */
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

/* What the session offers, probed once without autolaunching a bus: a
 * session bus we can connect to ($DBUS_SESSION_BUS_ADDRESS, else
 * $XDG_RUNTIME_DIR/bus, never "autolaunch:"), and on it the dconf service
 * (running or activatable).  Root on a console, SSH and containers have
 * neither: the dconf backend then cannot write (GSettings undoes every
 * change and dconf prints a warning for each), and GTK's accessibility
 * bridge warns that it has no bus. */
static gboolean have_session_bus;
static gboolean have_dconf;

static void
probe_session (void)
{
  static gboolean probed;
  g_autofree char *address = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(GVariant) names = NULL;

  if (probed)
    return;
  probed = TRUE;
  address = g_strdup (g_getenv ("DBUS_SESSION_BUS_ADDRESS"));
  if (address == NULL || address[0] == '\0')
    {
      g_autofree char *socket = g_build_filename (g_get_user_runtime_dir (), "bus", NULL);

      g_clear_pointer (&address, g_free);
      if (g_file_test (socket, G_FILE_TEST_EXISTS) && !g_file_test (socket, G_FILE_TEST_IS_DIR))
        {
          g_autofree char *escaped = g_dbus_address_escape_value (socket);

          address = g_strconcat ("unix:path=", escaped, NULL);
        }
    }
  if (address == NULL || strstr (address, "autolaunch:") != NULL)
    return;
  bus = g_dbus_connection_new_for_address_sync (address,
                                                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                                | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                NULL, NULL, NULL);
  if (bus == NULL)
    return;
  have_session_bus = TRUE;
  owned = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", "ca.desrt.dconf"), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, 2000, NULL, NULL);
  if (owned != NULL)
    g_variant_get (owned, "(b)", &have_dconf);
  if (!have_dconf)
    {
      names = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                           "org.freedesktop.DBus", "ListActivatableNames", NULL,
                                           G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NONE, 2000,
                                           NULL, NULL);
      if (names != NULL)
        {
          g_autofree const char **list = NULL;

          g_variant_get (names, "(^a&s)", &list);
          have_dconf = g_strv_contains (list, "ca.desrt.dconf");
        }
    }
  g_dbus_connection_close_sync (bus, NULL, NULL);
}

/* Where the settings live: what $GSETTINGS_BACKEND asks for, if it is
 * set; dconf (GLib's default) when it can be reached; otherwise a key
 * file, $XDG_CONFIG_HOME/backprop-studio/settings.ini, which needs no
 * bus and keeps what the user chose across restarts. */
static GSettingsBackend *
settings_backend (void)
{
  g_autofree char *file = NULL;
  const char *env = g_getenv ("GSETTINGS_BACKEND");

  probe_session ();
  if ((env != NULL && env[0] != '\0') || have_dconf)
    return NULL;
  file = g_build_filename (g_get_user_config_dir (), "backprop-studio", "settings.ini", NULL);
  return g_keyfile_settings_backend_new (file, "/io/github/backprop_studio/BackpropStudio/",
                                         "BackpropStudio");
}

/* The application's settings, or NULL when the schema is not installed
 * (an uninstalled run without GSETTINGS_SCHEMA_DIR): then nothing is
 * remembered.  This file is the only one that touches GSettings. */
static GSettings *
app_settings (void)
{
  static GSettings *settings;
  static gboolean looked;

  if (!looked)
    {
      GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
      g_autoptr(GSettingsSchema) schema = NULL;

      looked = TRUE;
      if (source != NULL)
        schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
      if (schema != NULL)
        {
          g_autoptr(GSettingsBackend) backend = settings_backend ();

          settings = g_settings_new_full (schema, backend, NULL);
        }
    }
  return settings;
}

#define MAX_RECENT 10

/* The Open Recent submenu every window shows, from recent-files. */
static GMenu *
recent_menu (void)
{
  static GMenu *menu;
  g_auto(GStrv) recent = NULL;

  if (menu == NULL)
    menu = g_menu_new ();
  g_menu_remove_all (menu);
  if (app_settings () == NULL)
    return menu;
  recent = g_settings_get_strv (app_settings (), "recent-files");
  for (guint i = 0; recent[i] != NULL; i++)
    {
      g_autofree char *base = g_path_get_basename (recent[i]);
      GMenuItem *item;

      if (!g_file_test (recent[i], G_FILE_TEST_IS_REGULAR))
        continue;
      item = g_menu_item_new (base, NULL);
      g_menu_item_set_action_and_target_value (item, "win.open-file",
                                               g_variant_new_string (recent[i]));
      g_menu_append_item (menu, item);
      g_object_unref (item);
    }
  return menu;
}

/* Most recent first, each path once; also in the desktop's list of recent
 * files (GtkRecentManager), where Files and the file chooser show it. */
static void
remember_recent (const char *path)
{
  GSettings *settings = app_settings ();
  g_auto(GStrv) old = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) recent = NULL;
  guint n = 1;

  if (path == NULL)
    return;
  {
    g_autofree char *uri = g_filename_to_uri (path, NULL, NULL);

    if (uri != NULL)
      gtk_recent_manager_add_item (gtk_recent_manager_get_default (), uri);
  }
  if (settings == NULL)
    return;
  old = g_settings_get_strv (settings, "recent-files");
  builder = g_strv_builder_new ();
  g_strv_builder_add (builder, path);
  for (guint i = 0; old[i] != NULL && n < MAX_RECENT; i++)
    if (g_strcmp0 (old[i], path) != 0)
      {
        g_strv_builder_add (builder, old[i]);
        n++;
      }
  recent = g_strv_builder_end (builder);
  g_settings_set_strv (settings, "recent-files", (const char * const *) recent);
  recent_menu ();
}

static void
on_window_file (BpvWindow  *window,
                GParamSpec *pspec,
                gpointer    data)
{
  GFile *file = bpv_window_get_file (window);
  g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

  remember_recent (path);
  if (path != NULL && app_settings () != NULL)
    g_settings_set_string (app_settings (), "last-experiment", path);
}

static BpvWindow *open_window (AdwApplication *app,
                               BpModel        *model);

/* ---------------------------------------------------------------- autosave
 *
 * The experiment is written (atomically) to
 * $XDG_STATE_HOME/backprop-studio/autosave.bpmodel.json a moment after each
 * edit, every few seconds while training, and when a window closes or the
 * application quits; at start-up without a file to open it is restored.
 * So a crash or a kill -9 loses at most the last seconds of training. */

#define AUTOSAVE_DELAY_MS     700
#define AUTOSAVE_INTERVAL_S   4

static char *
autosave_path (void)
{
  return g_build_filename (g_get_user_state_dir (), "backprop-studio", "autosave.bpmodel.json", NULL);
}

static void
autosave_now (BpvWindow *window)
{
  BpvSession *session = bpv_window_get_session (window);
  g_autofree char *path = autosave_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  if (session == NULL)
    return;
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      fprintf (stderr, "backprop-studio: cannot create %s: %s\n", dir, g_strerror (errno));
      return;
    }
  if (!bpv_session_write_copy (session, path, &error))
    {
      fprintf (stderr, "backprop-studio: autosave: %s\n", error->message);
      return;
    }
  bpv_event ("AUTOSAVED %s layers=%zu", path, bpv_session_get_network (session)->n_layers);
}

typedef struct
{
  BpvWindow *window;       /* not a reference: the sources go with it */
  guint      later_id;
  guint      tick_id;
} Autosave;

static void
autosave_free (gpointer data)
{
  Autosave *a = data;

  g_clear_handle_id (&a->later_id, g_source_remove);
  g_clear_handle_id (&a->tick_id, g_source_remove);
  g_free (a);
}

static gboolean
autosave_later (gpointer data)
{
  Autosave *a = data;

  a->later_id = 0;
  autosave_now (a->window);
  return G_SOURCE_REMOVE;
}

static gboolean
autosave_tick (gpointer data)
{
  Autosave *a = data;
  BpvSession *session = bpv_window_get_session (a->window);

  if (session != NULL && bpv_session_get_running (session))
    autosave_now (a->window);
  return G_SOURCE_CONTINUE;
}

static void
on_session_edited (BpvSession *session,
                   BpvWindow  *window)
{
  Autosave *a = g_object_get_data (G_OBJECT (window), "bpv-autosave");

  if (a != NULL && a->later_id == 0)
    a->later_id = g_timeout_add (AUTOSAVE_DELAY_MS, autosave_later, a);
}

/* Runs after the window's own handler, so only when the window really
 * closes: clean (saved, or nothing changed) it is autosaved; still dirty,
 * the user chose Discard, and what was discarded is not brought back at
 * the next start. */
static gboolean
on_close_request (BpvWindow *window,
                  gpointer   data)
{
  BpvSession *session = bpv_window_get_session (window);

  if (session != NULL && bpv_session_is_dirty (session))
    {
      g_autofree char *path = autosave_path ();

      if (g_unlink (path) == 0)
        bpv_event ("AUTOSAVE removed (changes discarded)");
    }
  else
    autosave_now (window);
  return FALSE;
}

static void
autosave_watch (BpvWindow *window)
{
  Autosave *a = g_new0 (Autosave, 1);

  a->window = window;
  a->tick_id = g_timeout_add_seconds (AUTOSAVE_INTERVAL_S, autosave_tick, a);
  g_object_set_data_full (G_OBJECT (window), "bpv-autosave", a, autosave_free);
  /* The session lives and dies with the window (which holds the only
   * reference), so the window's pointer is good for as long as the
   * handler can run. */
  g_signal_connect (bpv_window_get_session (window), "edited",
                    G_CALLBACK (on_session_edited), window);
  g_signal_connect_after (window, "close-request", G_CALLBACK (on_close_request), NULL);
}

static gboolean
same_contents (const char *a,
               const char *b)
{
  g_autofree char *x = NULL, *y = NULL;
  gsize nx = 0, ny = 0;

  return g_file_get_contents (a, &x, &nx, NULL) && g_file_get_contents (b, &y, &ny, NULL)
         && nx == ny && memcmp (x, y, nx) == 0;
}

/* The autosaved experiment in a window, named by the file it came from;
 * FALSE when there is none (or it does not load). */
static gboolean
restore_autosave (AdwApplication *app)
{
  g_autofree char *path = autosave_path ();
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) model = NULL;
  g_autofree char *last = NULL;
  g_autofree char *sum = NULL;
  BpvWindow *window;

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return FALSE;
  model = bp_model_load_file (path, NULL, &error);
  if (model == NULL)
    {
      fprintf (stderr, "backprop-studio: the autosaved experiment does not load: %s\n",
               error->message);
      return FALSE;
    }
  window = open_window (app, model);
  if (window == NULL)
    return FALSE;
  if (app_settings () != NULL)
    last = g_settings_get_string (app_settings (), "last-experiment");
  if (last != NULL && last[0] != '\0' && g_file_test (last, G_FILE_TEST_IS_REGULAR))
    {
      g_autoptr(GFile) file = g_file_new_for_path (last);

      bpv_window_set_file (window, file);
    }
  /* Unsaved unless it is what the file holds. */
  if (last == NULL || last[0] == '\0' || !same_contents (path, last))
    bpv_session_mark_changed (bpv_window_get_session (window));
  sum = bpv_session_checksum (bpv_window_get_session (window));
  bpv_event ("RESTORED %s layers=%zu checksum=%s", path,
             bpv_session_get_network (bpv_window_get_session (window))->n_layers, sum);
  bpv_window_toast (window, "Restored the experiment you had open (autosaved)");
  return TRUE;
}

/* The window a newly opened experiment may take the place of: the active
 * one, when closing it would lose nothing (no unsaved changes, not
 * training, no question pending).  NULL otherwise: a new window then. */
static BpvWindow *
replaceable_window (AdwApplication *app)
{
  GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (app));
  BpvSession *session;

  if (!BPV_IS_WINDOW (active))
    return NULL;
  session = bpv_window_get_session (BPV_WINDOW (active));
  if (session == NULL || bpv_session_is_dirty (session) || bpv_session_get_running (session))
    return NULL;
  return BPV_WINDOW (active);
}

/* `old` (from replaceable_window) gives way to `window`, which takes its
 * size. */
static void
replace_window (BpvWindow *old,
                BpvWindow *window)
{
  int w, h;

  if (old == NULL || window == NULL || old == window)
    return;
  gtk_window_get_default_size (GTK_WINDOW (old), &w, &h);
  if (!gtk_window_is_maximized (GTK_WINDOW (old)) && w > 0 && h > 0)
    gtk_window_set_default_size (GTK_WINDOW (window), w, h);
  bpv_event ("REPLACED window");
  gtk_window_destroy (GTK_WINDOW (old));
}

/* A model file named in its window; a CSV as the dataset of the default
 * experiment.  It takes the place of the active window when that has
 * nothing unsaved, and opens a window of its own otherwise.  A file that
 * does not load is reported in the active window (and at start-up, where
 * there is none, the default experiment opens with the report). */
static void
open_path (AdwApplication *app,
           GFile          *file)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_file_get_path (file);
  g_autoptr(BpModel) model = NULL;
  gboolean csv = is_csv_path (path);
  BpvWindow *old = replaceable_window (app);
  GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (app));
  BpvWindow *window;

  model = path != NULL ? model_for_path (path, &error) : NULL;
  if (model == NULL)
    {
      const char *why = error != NULL ? error->message : "only local files can be opened";

      fprintf (stderr, "backprop-studio: %s\n", why);
      if (BPV_IS_WINDOW (active))
        {
          bpv_window_toast (BPV_WINDOW (active), why);
          return;
        }
      model = bp_model_new_default ();
      window = open_window (app, model);
      if (window != NULL)
        bpv_window_toast (window, why);
      return;
    }
  window = open_window (app, model);
  if (window == NULL)
    return;
  replace_window (old, window);
  remember_recent (path);
  if (!csv)
    {
      g_autofree char *sum = bpv_session_checksum (bpv_window_get_session (window));

      bpv_window_set_file (window, file);
      bpv_event ("OPENED %s layers=%zu checksum=%s", path,
                 bpv_session_get_network (bpv_window_get_session (window))->n_layers, sum);
    }
}

/* ------------------------------------------------------------ preferences */

static AdwPreferencesWindow *preferences;

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       app)
{
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (preferences == NULL)
    {
      preferences = bps_preferences_new (parent, app_settings (), plugin_loader,
                                         (const char * const *) disabled_plugins);
      g_object_add_weak_pointer (G_OBJECT (preferences), (gpointer *) &preferences);
    }
  bpv_event ("PREFERENCES shown");
  gtk_window_present (GTK_WINDOW (preferences));
}

static void
apply_colour_scheme (GSettings  *settings,
                     const char *key,
                     gpointer    data)
{
  g_autofree char *nick = g_settings_get_string (settings, "colour-scheme");
  AdwColorScheme scheme = ADW_COLOR_SCHEME_DEFAULT;

  if (g_str_equal (nick, "light"))
    scheme = ADW_COLOR_SCHEME_FORCE_LIGHT;
  else if (g_str_equal (nick, "dark"))
    scheme = ADW_COLOR_SCHEME_FORCE_DARK;
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), scheme);
}

/* A plugin file appeared in (or changed in) the user plugin folder: load
 * what is new, and show it without a restart. */
static guint rescan_id;

static gboolean
rescan_plugins (gpointer app)
{
  guint added;

  rescan_id = 0;
  added = load_new_plugins ();
  bpv_event ("PLUGINS rescanned added=%u", added);
  if (added == 0)
    return G_SOURCE_REMOVE;
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (BPV_IS_WINDOW (l->data))
      {
        const BpPluginRecord *r =
          bp_plugin_loader_get_record (plugin_loader, bp_plugin_loader_get_n_records (plugin_loader) - 1);
        g_autofree char *base = g_path_get_basename (r->path);
        g_autofree char *msg = r->error == NULL
                               ? g_strdup_printf ("Plugin %s loaded", base)
                               : g_strdup_printf ("Plugin %s was refused: %s", base, r->error->message);

        bpv_window_refresh_features (l->data);
        bpv_window_toast (l->data, msg);
      }
  if (preferences != NULL)
    bps_preferences_refresh (preferences, plugin_loader, (const char * const *) disabled_plugins);
  return G_SOURCE_REMOVE;
}

/* A plugin switched off in Preferences: its features leave the palettes at
 * once (they stay registered, so models using them still open, and it is
 * not loaded at the next start).  Switched on: a plugin skipped at start
 * is loaded now. */
static void
on_disabled_plugins_changed (GSettings  *settings,
                             const char *key,
                             gpointer    app)
{
  g_autoptr(GStrvBuilder) hidden = g_strv_builder_new ();
  g_auto(GStrv) features = NULL;
  guint added;

  g_clear_pointer (&disabled_plugins, g_strfreev);
  disabled_plugins = g_settings_get_strv (settings, "disabled-plugins");
  for (guint i = 0; i < bp_plugin_loader_get_n_records (plugin_loader); i++)
    {
      const BpPluginRecord *r = bp_plugin_loader_get_record (plugin_loader, i);
      g_autofree char *base = g_path_get_basename (r->path);

      if (r->desc != NULL && r->features != NULL
          && g_strv_contains ((const char * const *) disabled_plugins, base))
        g_strv_builder_addv (hidden, (const char **) r->features);
    }
  features = g_strv_builder_end (hidden);
  bpv_window_set_hidden_features ((const char * const *) features);
  added = load_new_plugins ();
  bpv_event ("PLUGINS hidden=%u added=%u", g_strv_length (features), added);
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (BPV_IS_WINDOW (l->data))
      bpv_window_refresh_features (l->data);
}

static void
on_plugin_dir_changed (GFileMonitor      *monitor,
                       GFile             *file,
                       GFile             *other,
                       GFileMonitorEvent  event,
                       gpointer           app)
{
  if (event != G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT && event != G_FILE_MONITOR_EVENT_CREATED
      && event != G_FILE_MONITOR_EVENT_MOVED_IN && event != G_FILE_MONITOR_EVENT_RENAMED)
    return;
  if (rescan_id != 0)
    g_source_remove (rescan_id);
  /* A copy arrives in pieces: wait for it to settle. */
  rescan_id = g_timeout_add (600, rescan_plugins, app);
}

static void
watch_plugin_dir (AdwApplication *app)
{
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "backprop-studio", "plugins", NULL);
  g_autoptr(GFile) dir = NULL;
  GFileMonitor *monitor;

  if (g_mkdir_with_parents (path, 0700) != 0)
    return;
  dir = g_file_new_for_path (path);
  monitor = g_file_monitor_directory (dir, G_FILE_MONITOR_WATCH_MOVES, NULL, NULL);
  if (monitor == NULL)
    return;
  g_signal_connect (monitor, "changed", G_CALLBACK (on_plugin_dir_changed), app);
  /* Lives as long as the application. */
  g_object_set_data_full (G_OBJECT (app), "bps-plugin-monitor", monitor, g_object_unref);
}

static gboolean
scale_to_global (GValue   *value,
                 GVariant *variant,
                 gpointer  data)
{
  g_value_set_boolean (value, g_str_equal (g_variant_get_string (variant, NULL), "global"));
  return TRUE;
}

static GVariant *
global_to_scale (const GValue       *value,
                 const GVariantType *type,
                 gpointer            data)
{
  return g_variant_new_string (g_value_get_boolean (value) ? "global" : "per-layer");
}

/* The window's size and view options follow the settings both ways. */
static void
bind_window_settings (BpvWindow *window)
{
  GSettings *settings = app_settings ();
  GtkWidget *view = bpv_window_get_network_view (window);

  if (settings == NULL)
    return;
  g_settings_bind (settings, "window-width", window, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "window-height", window, "default-height", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "window-maximized", window, "maximized", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "gradient-view", view, "gradients", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "show-sigma-prime", view, "show-derivatives", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "show-neuron-maps", view, "show-neuron-maps", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "presentation-mode", view, "presentation", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (settings, "colour-scale", view, "global-scale",
                                G_SETTINGS_BIND_DEFAULT, scale_to_global, global_to_scale,
                                NULL, NULL);
  g_settings_bind (settings, "animation-speed", bpv_window_get_session (window), "speed",
                   G_SETTINGS_BIND_DEFAULT);
}

/* ---------------------------------------------------------------- examples
 *
 * Model files in <data dir>/examples (bp_data_dir: $BACKPROP_DATA_DIR, the
 * installed pkgdatadir or the source tree); each opens in a window of its
 * own with its description as the explanation. */

static const struct
{
  const char *id;
  const char *label;
} examples[] = {
  { "chain-rule", "The Chain Rule: Two Neurons" },
  { "xor", "XOR" },
  { "spirals-sigmoid", "Spirals with Sigmoid (vanishing gradients)" },
  { "spirals-relu", "Spirals with ReLU" },
  { "deep-sigmoid", "A Deep Sigmoid Network" },
  { "iris", "Iris" },
  { "digits", "Handwritten Digits" },
};

static GMenuModel *
examples_menu (void)
{
  static GMenu *menu;

  if (menu == NULL)
    {
      menu = g_menu_new ();
      for (guint i = 0; i < G_N_ELEMENTS (examples); i++)
        {
          GMenuItem *item = g_menu_item_new (examples[i].label, NULL);

          g_menu_item_set_action_and_target_value (item, "app.open-example",
                                                   g_variant_new_string (examples[i].id));
          g_menu_append_item (menu, item);
          g_object_unref (item);
        }
    }
  return G_MENU_MODEL (menu);
}

static void
open_example_activated (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       app)
{
  const char *id = g_variant_get_string (parameter, NULL);
  const char *dir = bp_data_dir ();
  g_autofree char *name = g_strdup_printf ("%s.bpmodel.json", id);
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) model = NULL;
  BpvWindow *old = replaceable_window (app);
  BpvWindow *window;

  if (dir != NULL)
    path = g_build_filename (dir, "examples", name, NULL);
  model = path != NULL ? bp_model_load_file (path, NULL, &error) : NULL;
  if (model == NULL)
    {
      GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (app));
      g_autofree char *msg = g_strdup_printf ("The example “%s” is not there: %s", id,
                                              error != NULL ? error->message : "no data directory");

      if (BPV_IS_WINDOW (active))
        bpv_window_toast (BPV_WINDOW (active), msg);
      else
        fprintf (stderr, "backprop-studio: %s\n", msg);
      return;
    }
  window = open_window (app, model);
  if (window == NULL)
    return;
  replace_window (old, window);
  bpv_window_show_explanation (window, model->name, model->description,
                               g_str_equal (id, "chain-rule"));
  bpv_event ("EXAMPLE %s layers=%zu", id,
             bpv_session_get_network (bpv_window_get_session (window))->n_layers);
}

static BpvWindow *
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
          return NULL;
        }
    }
  window = bpv_window_new (GTK_APPLICATION (app), session);
  bind_window_settings (window);
  g_signal_connect (window, "notify::file", G_CALLBACK (on_window_file), NULL);
  autosave_watch (window);
  bpv_window_set_examples (window, examples_menu ());
  bpv_window_set_recent (window, G_MENU_MODEL (recent_menu ()));
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
  return window;
}

static void
on_activate (AdwApplication *app)
{
  g_autoptr(BpModel) model = NULL;

  if (restore_autosave (app))
    return;
  model = bp_model_new_default ();
  open_window (app, model);
}

static void
on_activate_example (AdwApplication *app,
                     const char     *example)
{
  g_action_group_activate_action (G_ACTION_GROUP (app), "open-example",
                                  g_variant_new_string (example));
  /* An unknown name opens nothing: the default experiment then. */
  if (gtk_application_get_windows (GTK_APPLICATION (app)) == NULL)
    on_activate (app);
}

static void
on_open (AdwApplication  *app,
         GFile          **files,
         int              n_files,
         const char      *hint)
{
  for (int i = 0; i < n_files; i++)
    open_path (app, files[i]);
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       app)
{
  GList *windows;

  bpv_event ("ACTION quit");
  /* Each window closes as its close button would: one with unsaved
   * changes asks first (and Cancel keeps it, and the application, open);
   * the others are autosaved as they close.  The application ends with
   * its last window. */
  windows = g_list_copy_deep (gtk_application_get_windows (GTK_APPLICATION (app)),
                              (GCopyFunc) (void (*) (void)) g_object_ref, NULL);
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);
  g_list_free_full (windows, g_object_unref);
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
    { "open-example", open_example_activated, "s", NULL, NULL, { 0 } },
    { "preferences", preferences_activated, NULL, NULL, NULL, { 0 } },
  };
  static const struct { const char *action; const char *accels[3]; } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "win.export", { "<Control>e", NULL } },
    { "win.copy-latex", { "<Control><Shift>c", NULL } },
    { "win.open", { "<Control>o", NULL } },
    { "app.preferences", { "<Control>comma", NULL } },
    { "win.save", { "<Control>s", NULL } },
    { "win.save-as", { "<Control><Shift>s", NULL } },
    { "win.undo", { "<Control>z", NULL } },
    { "win.redo", { "<Control><Shift>z", "<Control>y", NULL } },
    { "win.insert-layer-after", { "<Control><Shift>l", NULL } },
    { "win.layer-menu", { "<Shift>F10", NULL } },
    { "win.toggle-sidebar", { "F9", NULL } },
    { "win.zoom-in", { "<Control>plus", "<Control>equal", NULL } },
    { "win.zoom-out", { "<Control>minus", NULL } },
    { "win.zoom-reset", { "<Control>0", NULL } },
    { "win.show-help-overlay", { "F1", "<Control>question", NULL } },
  };

  g_action_map_add_action_entries (G_ACTION_MAP (app), entries, G_N_ELEMENTS (entries), app);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (app), accels[i].action, accels[i].accels);
  if (app_settings () != NULL)
    {
      apply_colour_scheme (app_settings (), "colour-scheme", NULL);
      g_signal_connect (app_settings (), "changed::colour-scheme",
                        G_CALLBACK (apply_colour_scheme), NULL);
      g_signal_connect (app_settings (), "changed::disabled-plugins",
                        G_CALLBACK (on_disabled_plugins_changed), app);
    }
  watch_plugin_dir (app);
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
  g_autofree char *example = NULL;
  g_auto(GStrv) rest = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AdwApplication) app = NULL;
  const GOptionEntry entries[] = {
    { "headless", 0, 0, G_OPTION_ARG_NONE, &headless,
      "Do not open a window: train and write a picture", NULL },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      "Where the headless picture goes (default backprop-studio.png)", "FILE.png" },
    { "example", 0, 0, G_OPTION_ARG_STRING, &example,
      "Open an example (chain-rule, xor, spirals-sigmoid, spirals-relu, deep-sigmoid, iris, "
      "digits) instead of the last experiment", "NAME" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL, "[MODEL.json | DATA.csv]" },
    { NULL }
  };
  int status;

  context = g_option_context_new ("— backpropagation made visible");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
                                "Opens the window on the built-in default experiment (a 2-8-8-1 "
                                "network on \"moons\"), on MODEL.json, or on the default network "
                                "fitted to DATA.csv (a header row; the last column is the "
                                "target).  Without a display it says so, trains the experiment "
                                "and writes a picture of it.");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "backprop-studio: %s\n", error->message);
      return 2;
    }
  if (rest != NULL && g_strv_length (rest) > 1)
    {
      fprintf (stderr, "backprop-studio: one model or CSV file at most\n");
      return 2;
    }

#ifdef BPS_HAVE_OPENBLAS
  /* Training runs on one worker thread; OpenBLAS's own pool would spin on
   * the other cores and take the one the window draws on. */
  openblas_set_num_threads (1);
#endif
#ifdef __GLIBC__
  /* Image surfaces (the canvas: 1.5 MB at 663×554, some 30 a second
   * while training; the window's frame; heat maps) come and go all the
   * time.  glibc maps blocks of 128 kB and more on their own, but raises
   * that threshold to the largest block freed (up to 32 MB): after the
   * first frames every surface came from the heap, and the holes they
   * left between small blocks that live on stayed resident (in the
   * 30-minute app soak 13-17 MB of the heap was free, and the anonymous
   * memory after the warm-up was 57 MB).  With the threshold fixed at
   * 128 kB surfaces are unmapped when freed (45 MB). */
  mallopt (M_MMAP_THRESHOLD, 128 * 1024);
#endif
  /* Without a session bus GTK's accessibility bridge has nothing to talk
   * to and says so on every start; an explicit GTK_A11Y still wins. */
  probe_session ();
  if (!have_session_bus)
    g_setenv ("GTK_A11Y", "none", FALSE);
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
               rest == NULL ? "default experiment"
               : is_csv_path (rest[0]) ? "default experiment on the CSV" : "model", output);
      fflush (stderr);
      return run_headless (rest != NULL ? rest[0] : NULL, output);
    }

  /* The resources first: GtkApplication's own startup looks for the
   * shortcuts window (gtk/help-overlay.ui) under the application's path. */
  bpv_ui_init ();
  app = adw_application_new (APP_ID, G_APPLICATION_NON_UNIQUE | G_APPLICATION_HANDLES_OPEN);
  g_signal_connect (app, "startup", G_CALLBACK (on_startup), NULL);
  if (example != NULL)
    g_signal_connect (app, "activate", G_CALLBACK (on_activate_example), example);
  else
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
  g_clear_pointer (&disabled_plugins, g_strfreev);
  return status;
}
