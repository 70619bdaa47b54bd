/* backprop-studio-application.c — the application class (see
 * backprop-studio-application.h).
 */
#include "config.h"
#include "backprop-studio-application.h"
#include "backprop-studio-autosave.h"
#include "backprop-studio-data.h"
#include "backprop-studio-examples.h"
#include "backprop-studio-files.h"
#include "backprop-studio-lessons.h"
#include "backprop-studio-preferences.h"
#include "backprop-studio-settings.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "bp-model.h"
#include "bp-plugin-loader.h"
#include "bpv-lesson.h"
#include "bpv-events.h"
#include "bpv-shortcuts.h"
#include "bpv-window.h"

/* A plugin file arrives in pieces (a copy, a build): rescan once the
 * folder has been quiet this long. */
#define PLUGIN_RESCAN_DELAY_MS  600

/* Only the user may write the user plugin folder: its plugins run in the
 * app's process. */
#define PLUGIN_DIR_MODE         0700

struct _BackpropStudioApplication
{
  AdwApplication        parent_instance;

  BackpropStudioDesktop desktop;
  GSettings            *settings;          /* NULL without the schema */
  BpPluginLoader       *loader;
  /* Plugin files (basenames) the user switched off (disabled-plugins). */
  char                **disabled_plugins;
  GFileMonitor         *plugin_monitor;    /* the user plugin folder */
  guint                 rescan_id;
  AdwPreferencesWindow *preferences;       /* weak: while it is open */
  GMenu                *recent;            /* every window's Open Recent */
  GMenuModel           *examples;          /* every window's Examples */
  GMenuModel           *lessons;           /* every window's Lessons (built in) */
  char                 *example;           /* --example, or NULL */
  char                 *lesson;            /* --lesson, or NULL */
};

G_DEFINE_FINAL_TYPE (BackpropStudioApplication, backprop_studio_application, ADW_TYPE_APPLICATION)

/* ----------------------------------------------------------------- plugins */

/* Loads what is new on the search path, passing over the files the user
 * switched off (they still hide later files of the same name), and says
 * on stderr what loading had to say (a directory that cannot be read, a
 * plugin that printed on standard output).  Returns how many records were
 * added. */
static guint
load_new_plugins (BackpropStudioApplication *self)
{
  guint before = bp_plugin_loader_get_n_records (self->loader);
  g_auto(GStrv) lines = NULL;

  bp_plugin_loader_set_skip (self->loader, (const char * const *) self->disabled_plugins);
  bp_plugin_loader_load_all (self->loader, NULL);
  lines = bp_plugin_loader_take_messages (self->loader);
  for (guint i = 0; lines[i] != NULL; i++)
    fprintf (stderr, "backprop-studio: warning: %s\n", lines[i]);
  return bp_plugin_loader_get_n_records (self->loader) - before;
}

/* What a new window says about refused plugins; NULL if none was. */
static char *
refused_plugins_text (BackpropStudioApplication *self)
{
  g_autoptr(GPtrArray) refused = bp_plugin_loader_list_refused (self->loader);
  const BpPluginRecord *r;
  g_autofree char *base = NULL;

  if (refused->len == 0)
    return NULL;
  r = g_ptr_array_index (refused, 0);
  base = g_path_get_basename (r->path);
  if (refused->len == 1)
    return g_strdup_printf (_("Plugin %s was refused: %s"), base, r->error->message);
  return g_strdup_printf (ngettext ("%u plugin was refused; %s: %s", "%u plugins were refused; %s: %s",
                                    refused->len), refused->len, base,
                          r->error->message);
}

static void
refresh_window_features (BackpropStudioApplication *self)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (BPV_IS_WINDOW (l->data))
      bpv_window_refresh_features (l->data);
}

/* A plugin file appeared in (or changed in) the user plugin folder: load
 * what is new, and show it without a restart. */
static gboolean
rescan_plugins (gpointer data)
{
  BackpropStudioApplication *self = data;
  const BpPluginRecord *r;
  g_autofree char *base = NULL;
  g_autofree char *msg = NULL;
  guint added;

  self->rescan_id = 0;
  added = load_new_plugins (self);
  bpv_event ("PLUGINS rescanned added=%u", added);
  if (added == 0)
    return G_SOURCE_REMOVE;
  /* The last one found is the one the windows tell of. */
  r = bp_plugin_loader_get_record (self->loader, bp_plugin_loader_get_n_records (self->loader) - 1);
  base = g_path_get_basename (r->path);
  msg = r->error == NULL ? g_strdup_printf (_("Plugin %s loaded"), base)
                         : g_strdup_printf (_("Plugin %s was refused: %s"), base, r->error->message);
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (BPV_IS_WINDOW (l->data))
      {
        bpv_window_refresh_features (l->data);
        bpv_window_toast (l->data, msg);
      }
  if (self->preferences != NULL)
    backprop_studio_preferences_refresh (self->preferences, self->loader,
                                         (const char * const *) self->disabled_plugins);
  return G_SOURCE_REMOVE;
}

/* A plugin switched off in Preferences: its features leave the palettes at
 * once (they stay registered, so models using them still open, and it is
 * not loaded at the next start).  Switched on: a plugin skipped at start
 * is loaded now. */
static void
on_disabled_plugins_changed (GSettings                 *settings,
                             const char                *key,
                             BackpropStudioApplication *self)
{
  g_autoptr(GStrvBuilder) hidden = g_strv_builder_new ();
  g_auto(GStrv) features = NULL;
  guint added;

  g_clear_pointer (&self->disabled_plugins, g_strfreev);
  self->disabled_plugins = g_settings_get_strv (settings, "disabled-plugins");
  for (guint i = 0; i < bp_plugin_loader_get_n_records (self->loader); i++)
    {
      const BpPluginRecord *r = bp_plugin_loader_get_record (self->loader, i);
      g_autofree char *base = g_path_get_basename (r->path);

      if (r->desc != NULL && r->features != NULL
          && g_strv_contains ((const char * const *) self->disabled_plugins, base))
        g_strv_builder_addv (hidden, (const char **) r->features);
    }
  features = g_strv_builder_end (hidden);
  bpv_window_set_hidden_features ((const char * const *) features);
  added = load_new_plugins (self);
  bpv_event ("PLUGINS hidden=%u added=%u", g_strv_length (features), added);
  refresh_window_features (self);
}

static void
on_plugin_dir_changed (GFileMonitor              *monitor,
                       GFile                     *file,
                       GFile                     *other,
                       GFileMonitorEvent          event,
                       BackpropStudioApplication *self)
{
  if (event != G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT && event != G_FILE_MONITOR_EVENT_CREATED
      && event != G_FILE_MONITOR_EVENT_MOVED_IN && event != G_FILE_MONITOR_EVENT_RENAMED)
    return;
  g_clear_handle_id (&self->rescan_id, g_source_remove);
  self->rescan_id = g_timeout_add (PLUGIN_RESCAN_DELAY_MS, rescan_plugins, self);
}

static void
watch_plugin_dir (BackpropStudioApplication *self)
{
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "backprop-studio", "plugins",
                                            NULL);
  g_autoptr(GFile) dir = NULL;

  if (g_mkdir_with_parents (path, PLUGIN_DIR_MODE) != 0)
    return;
  dir = g_file_new_for_path (path);
  self->plugin_monitor = g_file_monitor_directory (dir, G_FILE_MONITOR_WATCH_MOVES, NULL, NULL);
  if (self->plugin_monitor == NULL)
    return;
  g_signal_connect (self->plugin_monitor, "changed", G_CALLBACK (on_plugin_dir_changed), self);
}

/* ----------------------------------------------------------------- windows */

static void
on_window_file (BpvWindow                 *window,
                GParamSpec                *pspec,
                BackpropStudioApplication *self)
{
  GFile *file = bpv_window_get_file (window);
  g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

  backprop_studio_files_remember_recent (self->recent, self->settings, path);
  if (path != NULL && self->settings != NULL)
    g_settings_set_string (self->settings, "last-experiment", path);
}

/* Not larger than the screen (a projector may be 1280 × 1024). */
static void
fit_to_monitor (GtkWindow *window)
{
  GListModel *monitors = gdk_display_get_monitors (gdk_display_get_default ());
  g_autoptr(GdkMonitor) monitor = g_list_model_get_item (monitors, 0);
  GdkRectangle geometry;
  int w, h;

  gtk_window_get_default_size (window, &w, &h);
  if (monitor == NULL)
    return;
  gdk_monitor_get_geometry (monitor, &geometry);
  gtk_window_set_default_size (window, MIN (w, geometry.width), MIN (h, geometry.height));
}

/* A lesson step brought the window a new session: the settings follow it. */
static void
on_window_session (BpvWindow                 *window,
                   GParamSpec                *pspec,
                   BackpropStudioApplication *self)
{
  backprop_studio_settings_bind_window (self->settings, window);
}

/* A window on `session`, set up as every window is; not shown yet. */
static BpvWindow *
new_window (BackpropStudioApplication *self,
            BpvSession                *session)
{
  BpvWindow *window = bpv_window_new (GTK_APPLICATION (self), session);

  backprop_studio_settings_bind_window (self->settings, window);
  g_signal_connect (window, "notify::file", G_CALLBACK (on_window_file), self);
  g_signal_connect (window, "notify::session", G_CALLBACK (on_window_session), self);
  backprop_studio_autosave_watch (window);
  bpv_window_set_examples (window, self->examples);
  if (self->lessons != NULL)
    bpv_window_set_lessons (window, self->lessons);
  backprop_studio_files_update_recent (self->recent, self->settings);
  bpv_window_set_recent (window, G_MENU_MODEL (self->recent));
  fit_to_monitor (GTK_WINDOW (window));
  return window;
}

static void
show_window (BackpropStudioApplication *self,
             BpvWindow                 *window)
{
  g_autofree char *refused = NULL;

  gtk_window_present (GTK_WINDOW (window));
  if ((refused = refused_plugins_text (self)) != NULL)
    bpv_window_toast (window, refused);
}

/* A window on `model`, or on the default experiment (said on stderr) when
 * `model` cannot be shown; NULL when neither can. */
static BpvWindow *
open_window (BackpropStudioApplication *self,
             BpModel                   *model)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpvSession) session = NULL;
  BpvWindow *window;

  session = bpv_session_new (model, &error);
  if (session == NULL)
    {
      g_autoptr(BpModel) fallback = bp_model_new_default ();

      fprintf (stderr, _("backprop-studio: %s; opening the default experiment\n"), error->message);
      g_clear_error (&error);
      session = bpv_session_new (fallback, &error);
      if (session == NULL)
        {
          fprintf (stderr, "backprop-studio: %s\n", error->message);
          return NULL;
        }
    }
  window = new_window (self, session);
  show_window (self, window);
  return window;
}

/* The window a newly opened experiment may take the place of: the active
 * one, when closing it would lose nothing (no unsaved changes, not
 * training, no lesson, no question pending).  NULL otherwise: a new window
 * then. */
static BpvWindow *
replaceable_window (BackpropStudioApplication *self)
{
  GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (self));
  BpvSession *session;

  if (!BPV_IS_WINDOW (active))
    return NULL;
  session = bpv_window_get_session (BPV_WINDOW (active));
  if (session == NULL || bpv_session_is_dirty (session) || bpv_session_get_running (session)
      || bpv_window_get_lesson (BPV_WINDOW (active)) != NULL)
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

/* Says why a lesson does not open: over the active window and on stderr;
 * at start-up, when there is no window, the default experiment opens with
 * the message. */
static void
report_lesson_error (BackpropStudioApplication *self,
                     const char                *message)
{
  GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (self));

  fprintf (stderr, "backprop-studio: %s\n", message);
  if (!BPV_IS_WINDOW (active))
    {
      g_autoptr(BpModel) model = bp_model_new_default ();

      active = GTK_WINDOW (open_window (self, model));
    }
  if (active != NULL)
    bpv_window_show_lesson_error (BPV_WINDOW (active), TRUE, message);
}

/* Plays the lesson at `path` in a window of its own (which takes the place
 * of the active window when that loses nothing).  A lesson that does not
 * load, or whose first step cannot be entered, opens nothing: the message
 * names the file, the step and the field, and every model stays as it
 * was. */
static void
open_lesson (BackpropStudioApplication *self,
             const char                *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) model = NULL;
  g_autoptr(BpvSession) session = NULL;
  BpvLesson *lesson = bpv_lesson_load (path, &error);
  BpvWindow *old, *window;

  if (lesson == NULL)
    {
      report_lesson_error (self, error->message);
      return;
    }
  old = replaceable_window (self);
  /* The first step brings the lesson's own session. */
  model = bp_model_new_default ();
  session = bpv_session_new (model, &error);
  if (session == NULL)
    {
      bpv_lesson_free (lesson);
      report_lesson_error (self, error->message);
      return;
    }
  window = new_window (self, session);
  if (!bpv_window_start_lesson (window, lesson, path, 0, TRUE, &error))
    {
      gtk_window_destroy (GTK_WINDOW (window));
      report_lesson_error (self, error->message);
      return;
    }
  show_window (self, window);
  replace_window (old, window);
}

/* The autosaved experiment in a window, named by the file it came from,
 * with the lesson it was playing at its step; FALSE when there is none (or
 * it does not load). */
static gboolean
restore_autosave (BackpropStudioApplication *self)
{
  g_autoptr(BpModel) model = backprop_studio_autosave_load ();
  g_autofree char *last = NULL;
  g_autofree char *lesson_path = NULL;
  gsize step = 0;
  BpvWindow *window;

  if (model == NULL)
    return FALSE;
  window = open_window (self, model);
  if (window == NULL)
    return FALSE;
  if (self->settings != NULL)
    last = g_settings_get_string (self->settings, "last-experiment");
  backprop_studio_autosave_show_restored (window, last);
  if (backprop_studio_autosave_load_lesson (&lesson_path, &step))
    {
      g_autoptr(GError) error = NULL;
      BpvLesson *lesson = bpv_lesson_load (lesson_path, &error);

      if (lesson == NULL || !bpv_window_start_lesson (window, lesson, lesson_path, step, FALSE, &error))
        {
          fprintf (stderr, _("backprop-studio: the lesson you had open: %s\n"), error->message);
          bpv_window_show_lesson_error (window, TRUE, error->message);
        }
    }
  return TRUE;
}

/* Says why a file does not open where it cannot be missed: a dialog over
 * the active window (the message names the file, and for an ONNX file the
 * node and its op: too long for a toast); at start-up, where there is no
 * window, over the default experiment. */
static void
report_open_error (BackpropStudioApplication *self,
                   const char                *message)
{
  GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (self));
  GtkWidget *dialog;

  fprintf (stderr, "backprop-studio: %s\n", message);
  if (!BPV_IS_WINDOW (active))
    {
      g_autoptr(BpModel) model = bp_model_new_default ();

      active = GTK_WINDOW (open_window (self, model));
      if (active == NULL)
        return;
    }
  dialog = adw_message_dialog_new (active, _("Cannot Open the File"), message);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  bpv_event ("OPEN-ERROR %s", message);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* An ONNX file's network in a window of its own (or in place of the active
 * one when that loses nothing).  The import gives no data: the dataset
 * remembered for the file is used when it still fits, and the question is
 * asked otherwise, over the network shown on no data.  The window has no
 * file: the first Save is a Save As (never over the .onnx). */
static void
open_onnx (BackpropStudioApplication *self,
           GFile                     *file,
           const char                *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) model = backprop_studio_files_load_model (path, &error);
  g_autofree char *remembered = NULL;
  g_autofree char *stale = NULL;
  BpvWindow *old, *window;

  if (model == NULL)
    {
      report_open_error (self, error->message);
      return;
    }
  old = replaceable_window (self);
  remembered = backprop_studio_data_remembered (path);
  if (remembered != NULL)
    {
      g_autofree char *base = g_path_get_basename (path);

      if (!backprop_studio_data_check (model->network, base, remembered, &error))
        {
          stale = g_strdup_printf (_("The data remembered for %s cannot be used: %s"), base,
                                   error->message);
          g_clear_pointer (&remembered, g_free);
        }
    }
  g_free (model->dataset);
  model->dataset = g_strdup (remembered != NULL ? remembered : BPV_SESSION_NO_DATA);
  window = open_window (self, model);
  if (window == NULL)
    return;
  replace_window (old, window);
  backprop_studio_files_remember_recent (self->recent, self->settings, path);
  bpv_window_set_imported_from (window, file);
  backprop_studio_data_follow (window);
  bpv_event ("OPENED %s layers=%zu imported dataset=%s", path,
             bpv_session_get_network (bpv_window_get_session (window))->n_layers, model->dataset);
  if (remembered != NULL)
    backprop_studio_data_explain (window);
  else
    backprop_studio_data_ask (window, NULL);
  if (stale != NULL)
    bpv_window_toast (window, stale);
}

/* A model file named in its window; a CSV as the dataset of the default
 * experiment; an ONNX file imported (open_onnx).  It takes the place of
 * the active window when that has nothing unsaved, and opens a window of
 * its own otherwise.  A file that does not load is reported in the active
 * window (and at start-up, where there is none, the default experiment
 * opens with the report). */
static void
open_path (BackpropStudioApplication *self,
           GFile                     *file)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_file_get_path (file);
  g_autoptr(BpModel) model = NULL;
  g_autofree char *missing = NULL;
  gboolean csv = backprop_studio_files_is_csv (path);
  BpvWindow *old;
  GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (self));
  BpvWindow *window;

  if (path != NULL && g_str_has_suffix (path, BPV_LESSON_SUFFIX))
    {
      open_lesson (self, path);
      return;
    }
  if (backprop_studio_files_is_onnx (path))
    {
      open_onnx (self, file, path);
      return;
    }
  old = replaceable_window (self);
  model = path != NULL ? backprop_studio_files_load_model (path, &error) : NULL;
  /* A model whose CSV is gone opens on no data and asks for other data of
   * its widths (rather than the default experiment in its place). */
  if (model != NULL && !csv && backprop_studio_files_is_csv (model->dataset)
      && !g_file_test (model->dataset, G_FILE_TEST_EXISTS))
    {
      missing = g_steal_pointer (&model->dataset);
      model->dataset = g_strdup (BPV_SESSION_NO_DATA);
    }
  if (model == NULL)
    {
      const char *why = error != NULL ? error->message : _("only local files can be opened");

      fprintf (stderr, "backprop-studio: %s\n", why);
      if (BPV_IS_WINDOW (active))
        {
          bpv_window_toast (BPV_WINDOW (active), why);
          return;
        }
      model = bp_model_new_default ();
      window = open_window (self, model);
      if (window != NULL)
        bpv_window_toast (window, why);
      return;
    }
  window = open_window (self, model);
  if (window == NULL)
    return;
  replace_window (old, window);
  backprop_studio_files_remember_recent (self->recent, self->settings, path);
  if (!csv)
    {
      g_autofree char *sum = bpv_session_checksum (bpv_window_get_session (window));

      g_autoptr(GError) record_error = NULL;

      bpv_window_set_file (window, file);
      /* The run's recording beside it (MODEL.bprecord), when there is one. */
      if (!bpv_session_load_record (bpv_window_get_session (window), path, &record_error))
        bpv_window_toast (window, record_error->message);
      bpv_event ("OPENED %s layers=%zu checksum=%s", path,
                 bpv_session_get_network (bpv_window_get_session (window))->n_layers, sum);
      if (missing != NULL)
        backprop_studio_data_ask (window, missing);
    }
}

/* ----------------------------------------------------------------- actions */

static void
open_example_activated (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       data)
{
  BackpropStudioApplication *self = data;
  const char *id = g_variant_get_string (parameter, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) model = NULL;
  BpvWindow *old = replaceable_window (self);
  BpvWindow *window;

  model = backprop_studio_examples_load (id, &error);
  if (model == NULL)
    {
      GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (self));

      if (BPV_IS_WINDOW (active))
        bpv_window_toast (BPV_WINDOW (active), error->message);
      else
        fprintf (stderr, "backprop-studio: %s\n", error->message);
      return;
    }
  window = open_window (self, model);
  if (window == NULL)
    return;
  replace_window (old, window);
  bpv_window_show_explanation (window, model->name, model->description,
                               backprop_studio_examples_is_walkthrough (id));
  bpv_event ("EXAMPLE %s layers=%zu", id,
             bpv_session_get_network (bpv_window_get_session (window))->n_layers);
}

static void
open_lesson_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       data)
{
  open_lesson (data, g_variant_get_string (parameter, NULL));
}

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       data)
{
  BackpropStudioApplication *self = data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (self->preferences == NULL)
    {
      const char * const *disabled = (const char * const *) self->disabled_plugins;

      self->preferences = backprop_studio_preferences_new (parent, self->settings, self->loader,
                                                           disabled);
      g_object_add_weak_pointer (G_OBJECT (self->preferences), (gpointer *) &self->preferences);
    }
  bpv_event ("PREFERENCES shown");
  gtk_window_present (GTK_WINDOW (self->preferences));
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       data)
{
  GList *windows;

  bpv_event ("ACTION quit");
  /* Each window closes as its close button would: one with unsaved
   * changes asks first (and Cancel keeps it, and the application, open);
   * the others are autosaved as they close.  The application ends with
   * its last window. */
  windows = g_list_copy_deep (gtk_application_get_windows (GTK_APPLICATION (data)),
                              (GCopyFunc) (void (*) (void)) g_object_ref, NULL);
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);
  g_list_free_full (windows, g_object_unref);
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       data)
{
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (data));
  const char *developers[] = { _("The Backprop Studio authors"), NULL };

  adw_show_about_window (parent,
                         "application-name", "Backprop Studio",
                         "application-icon", "applications-science-symbolic",
                         "version", PACKAGE_VERSION,
                         "comments", _("Backpropagation made visible: every number of the chain rule, "
                                     "layer by layer."),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "translator-credits", _("translator-credits"),
                         "developers", developers,
                         NULL);
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

/* ------------------------------------------------------------ GApplication */

static void
backprop_studio_application_startup (GApplication *app)
{
  BackpropStudioApplication *self = BACKPROP_STUDIO_APPLICATION (app);
  const GActionEntry entries[] = {
    { "quit", quit_activated, NULL, NULL, NULL, { 0 } },
    { "about", about_activated, NULL, NULL, NULL, { 0 } },
    { "open-example", open_example_activated, "s", NULL, NULL, { 0 } },
    { "open-lesson", open_lesson_activated, "s", NULL, NULL, { 0 } },
    { "preferences", preferences_activated, NULL, NULL, NULL, { 0 } },
  };

  G_APPLICATION_CLASS (backprop_studio_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
  /* Read here, not at construction: headless mode has no menus. */
  self->lessons = backprop_studio_lessons_menu_new ();
  /* The keys come from the one shortcut table (ui/gtk/bpv-shortcuts.c). */
  bpv_shortcuts_install (GTK_APPLICATION (self));
  if (self->settings != NULL)
    {
      apply_colour_scheme (self->settings, "colour-scheme", NULL);
      g_signal_connect (self->settings, "changed::colour-scheme",
                        G_CALLBACK (apply_colour_scheme), NULL);
      g_signal_connect (self->settings, "changed::disabled-plugins",
                        G_CALLBACK (on_disabled_plugins_changed), self);
    }
  watch_plugin_dir (self);
}

static void
activate_default (BackpropStudioApplication *self)
{
  g_autoptr(BpModel) model = NULL;

  if (restore_autosave (self))
    return;
  model = bp_model_new_default ();
  open_window (self, model);
}

static void
backprop_studio_application_activate (GApplication *app)
{
  BackpropStudioApplication *self = BACKPROP_STUDIO_APPLICATION (app);

  if (self->lesson != NULL)
    {
      g_autofree char *path = backprop_studio_lessons_resolve (self->lesson);

      open_lesson (self, path);
      return;
    }
  if (self->example == NULL)
    {
      activate_default (self);
      return;
    }
  g_action_group_activate_action (G_ACTION_GROUP (self), "open-example",
                                  g_variant_new_string (self->example));
  /* An unknown name opens nothing: the default experiment then. */
  if (gtk_application_get_windows (GTK_APPLICATION (self)) == NULL)
    activate_default (self);
}

static void
backprop_studio_application_open (GApplication  *app,
                                  GFile        **files,
                                  int            n_files,
                                  const char    *hint)
{
  BackpropStudioApplication *self = BACKPROP_STUDIO_APPLICATION (app);

  for (int i = 0; i < n_files; i++)
    open_path (self, files[i]);
}

static void
backprop_studio_application_constructed (GObject *object)
{
  BackpropStudioApplication *self = BACKPROP_STUDIO_APPLICATION (object);
  const char *id;

  G_OBJECT_CLASS (backprop_studio_application_parent_class)->constructed (object);

  backprop_studio_settings_probe_desktop (&self->desktop);
  /* Without a session bus GTK's accessibility bridge has nothing to talk
   * to and says so on every start; an explicit GTK_A11Y still wins. */
  if (!self->desktop.have_session_bus)
    g_setenv ("GTK_A11Y", "none", FALSE);

  /* The loader and the settings the plugins are loaded with: the same as
   * the `backprop` command line's (see backprop-plugins.c).  Refused
   * plugins are remembered and shown, never fatal. */
  self->loader = bp_plugin_loader_new (NULL);
  id = g_application_get_application_id (G_APPLICATION (self));
  self->settings = backprop_studio_settings_new (id, &self->desktop);
  if (self->settings != NULL)
    self->disabled_plugins = g_settings_get_strv (self->settings, "disabled-plugins");
  load_new_plugins (self);
}

static void
backprop_studio_application_dispose (GObject *object)
{
  BackpropStudioApplication *self = BACKPROP_STUDIO_APPLICATION (object);

  g_clear_handle_id (&self->rescan_id, g_source_remove);
  if (self->plugin_monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->plugin_monitor, self);
  g_clear_object (&self->plugin_monitor);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  if (self->preferences != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->preferences), (gpointer *) &self->preferences);
  self->preferences = NULL;

  G_OBJECT_CLASS (backprop_studio_application_parent_class)->dispose (object);
}

static void
backprop_studio_application_finalize (GObject *object)
{
  BackpropStudioApplication *self = BACKPROP_STUDIO_APPLICATION (object);

  g_clear_object (&self->settings);
  g_clear_pointer (&self->loader, bp_plugin_loader_free);
  g_clear_pointer (&self->disabled_plugins, g_strfreev);
  g_clear_object (&self->recent);
  g_clear_object (&self->examples);
  g_clear_object (&self->lessons);
  g_clear_pointer (&self->example, g_free);
  g_clear_pointer (&self->lesson, g_free);

  G_OBJECT_CLASS (backprop_studio_application_parent_class)->finalize (object);
}

static void
backprop_studio_application_class_init (BackpropStudioApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->constructed = backprop_studio_application_constructed;
  object_class->dispose = backprop_studio_application_dispose;
  object_class->finalize = backprop_studio_application_finalize;
  app_class->startup = backprop_studio_application_startup;
  app_class->activate = backprop_studio_application_activate;
  app_class->open = backprop_studio_application_open;
}

static void
backprop_studio_application_init (BackpropStudioApplication *self)
{
  self->recent = g_menu_new ();
  self->examples = backprop_studio_examples_menu_new ();
}

BackpropStudioApplication *
backprop_studio_application_new (const char *application_id)
{
  g_return_val_if_fail (g_application_id_is_valid (application_id), NULL);

  return g_object_new (BACKPROP_STUDIO_TYPE_APPLICATION,
                       "application-id", application_id,
                       "flags", G_APPLICATION_NON_UNIQUE | G_APPLICATION_HANDLES_OPEN,
                       NULL);
}

void
backprop_studio_application_set_example (BackpropStudioApplication *self,
                                         const char                *id)
{
  g_return_if_fail (BACKPROP_STUDIO_IS_APPLICATION (self));

  g_free (self->example);
  self->example = g_strdup (id);
}

void
backprop_studio_application_set_lesson (BackpropStudioApplication *self,
                                        const char                *path)
{
  g_return_if_fail (BACKPROP_STUDIO_IS_APPLICATION (self));

  g_free (self->lesson);
  self->lesson = g_strdup (path);
}
