/* bpv-window-files.c — the window's files: open (a model or an ONNX file
 * in a new window, a CSV as the dataset), save and save as (never over the
 * .onnx a model was imported from), export of the canvas and of the
 * network as ONNX, files dropped on the window (a lesson too), and the
 * unsaved-changes question on close.
 *
 * The actions are installed by bpv_window_install_file_actions (called
 * from bpv_window_install_actions); their shortcuts are in bpv-shortcuts.c.
 */
#include "config.h"
#include "bpv-window-private.h"

#include <glib/gi18n.h>
#include <string.h>

#include "bp-onnx.h"
#include "bpv-events.h"

/* The file choosers' patterns, spelled in either case because a pattern
 * matches case-sensitively: models are *.bpmodel.json, networks from other
 * tools *.onnx, datasets *.csv, exports *.png, *.svg or *.pdf
 * (bpv_window_export picks the format by suffix). */
#define MODEL_PATTERN  "*.[jJ][sS][oO][nN]"
#define ONNX_PATTERN   "*.[oO][nN][nN][xX]"
#define ONNX_SUFFIX    ".onnx"
#define CSV_PATTERN    "*.[cC][sS][vV]"
#define EXPORT_PATTERN "*.[pPsS][nNvVdD][gGfF]"
#define LESSON_PATTERN "*.[bB][pP][lL][eE][sS][sS][oO][nN].[jJ][sS][oO][nN]"

/* ----------------------------------------------------------- file dialogs */

/* The chosen file's local path, or NULL (cancelled, or not a local file). */
static char *
chosen_path (GtkNativeDialog *dialog,
             int              response)
{
  g_autoptr(GFile) file = NULL;

  if (response != GTK_RESPONSE_ACCEPT)
    return NULL;
  file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  return file != NULL ? g_file_get_path (file) : NULL;
}

/* A CSV file becomes the dataset (an undoable edit); a toast says why not. */
static gboolean
open_csv (BpvWindow  *self,
          const char *path)
{
  g_autoptr(GError) error = NULL;

  if (!bpv_session_set_dataset (self->session, path, 0, -1,
                                gtk_adjustment_get_value (self->test_adjustment), &error))
    {
      bpv_window_toast (self, error->message);
      return FALSE;
    }
  return TRUE;
}

static void
toast_exported (BpvWindow  *self,
                const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *msg = g_strdup_printf (_("Exported “%s”"), base);

  bpv_window_toast (self, msg);
}

static void
export_response (GtkNativeDialog *dialog,
                 int              response,
                 BpvWindow       *self)
{
  g_autofree char *path = chosen_path (dialog, response);
  g_autoptr(GError) error = NULL;

  if (path != NULL && !bpv_window_export (self, path, &error))
    bpv_window_toast (self, error->message);
  else if (path != NULL)
    toast_exported (self, path);
  g_object_unref (dialog);
}

static void
add_filter (GtkFileChooser *chooser,
            const char     *name,
            const char     *pattern)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, name);
  gtk_file_filter_add_pattern (filter, pattern);
  gtk_file_chooser_add_filter (chooser, filter);
  g_object_unref (filter);
}

static void
export_activated (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       data)
{
  BpvWindow *self = data;
  GtkFileChooserNative *dialog;

  dialog = gtk_file_chooser_native_new (_("Export Canvas"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), "network.png");
  add_filter (GTK_FILE_CHOOSER (dialog), _("PNG, SVG or PDF"), EXPORT_PATTERN);
  g_signal_connect (dialog, "response", G_CALLBACK (export_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* Says why the network could not be written: the core's message names the
 * layer, which is too long for a toast. */
static void
show_export_error (BpvWindow  *self,
                   const char *message)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Cannot Export as ONNX"), message);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  bpv_event ("EXPORT-ONNX-ERROR %s", message);
  gtk_window_present (GTK_WINDOW (dialog));
}

gboolean
bpv_window_export_onnx (BpvWindow  *self,
                        const char *path,
                        GError    **error)
{
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail (BPV_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!bp_onnx_export_file (bpv_session_get_model (self->session), path, &local))
    {
      show_export_error (self, local->message);
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  bpv_event ("EXPORTED-ONNX %s", path);
  return TRUE;
}

static void
export_onnx_response (GtkNativeDialog *dialog,
                      int              response,
                      BpvWindow       *self)
{
  g_autofree char *path = chosen_path (dialog, response);

  /* A refusal is shown by bpv_window_export_onnx. */
  if (path != NULL && bpv_window_export_onnx (self, path, NULL))
    toast_exported (self, path);
  g_object_unref (dialog);
}

/* The name a model's file is proposed under, without its folder: the
 * file's own, else the ONNX file's with `suffix` (net.onnx → net.SUFFIX),
 * else the model's name, else "network". */
static char *
proposed_name (BpvWindow  *self,
               const char *suffix)
{
  const BpModel *model = bpv_session_get_model (self->session);
  g_autofree char *stem = NULL;
  char *name;

  if (self->imported_from != NULL)
    {
      g_autofree char *base = g_file_get_basename (self->imported_from);

      if (g_str_has_suffix (base, ONNX_SUFFIX) || g_str_has_suffix (base, ".ONNX"))
        base[strlen (base) - strlen (ONNX_SUFFIX)] = '\0';
      stem = g_steal_pointer (&base);
    }
  else
    stem = g_strdup (model->name != NULL && model->name[0] != '\0' ? model->name : "network");
  name = g_strconcat (stem, suffix, NULL);
  g_strdelimit (name, "/\\", '-');
  return name;
}

static void
export_onnx_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       data)
{
  BpvWindow *self = data;
  GtkFileChooserNative *dialog;
  g_autofree char *name = NULL;

  dialog = gtk_file_chooser_native_new (_("Export as ONNX"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  if (self->file != NULL)
    {
      g_autofree char *base = g_file_get_basename (self->file);

      /* net.bpmodel.json → net.onnx */
      if (g_str_has_suffix (base, ".bpmodel.json"))
        base[strlen (base) - strlen (".bpmodel.json")] = '\0';
      name = g_strconcat (base, ONNX_SUFFIX, NULL);
    }
  else
    name = proposed_name (self, ONNX_SUFFIX);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  add_filter (GTK_FILE_CHOOSER (dialog), _("ONNX models"), ONNX_PATTERN);
  g_signal_connect (dialog, "response", G_CALLBACK (export_onnx_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
open_csv_response (GtkNativeDialog *dialog,
                   int              response,
                   BpvWindow       *self)
{
  g_autofree char *path = chosen_path (dialog, response);

  if (path != NULL)
    open_csv (self, path);
  g_object_unref (dialog);
}

static void
open_csv_activated (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       data)
{
  BpvWindow *self = data;
  GtkFileChooserNative *dialog;

  dialog = gtk_file_chooser_native_new (_("Open CSV Dataset"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  add_filter (GTK_FILE_CHOOSER (dialog), _("CSV files"), CSV_PATTERN);
  g_signal_connect (dialog, "response", G_CALLBACK (open_csv_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* ------------------------------------------------------------------ files */

static void
log_file (BpvWindow  *self,
          const char *what,
          GFile      *file)
{
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *sum = bpv_session_checksum (self->session);

  bpv_event ("%s %s layers=%zu checksum=%s", what, path != NULL ? path : "?",
             bpv_session_get_network (self->session)->n_layers, sum);
}

gboolean
bpv_window_save_to (BpvWindow *self,
                    GFile     *file,
                    GError   **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (BPV_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  path = g_file_get_path (file);
  if (path == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _("only local files can be saved"));
      return FALSE;
    }
  if (!bpv_session_save (self->session, path, error))
    return FALSE;
  /* Saved: from now on the model is its own file. */
  g_clear_object (&self->imported_from);
  bpv_window_set_file (self, file);
  /* Tell the application (recent files) even when the file is the same. */
  g_object_notify (G_OBJECT (self), "file");
  log_file (self, "SAVED", file);
  bpv_window_update_file_title (self);
  return TRUE;
}

gboolean
bpv_window_open_file (BpvWindow *self,
                      GFile     *file)
{
  g_autofree char *path = NULL;
  GtkApplication *app;

  g_return_val_if_fail (BPV_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  path = g_file_get_path (file);
  if (path == NULL)
    {
      bpv_window_toast (self, _("Only local files can be opened"));
      return FALSE;
    }
  if (g_str_has_suffix (path, ".csv") || g_str_has_suffix (path, ".CSV"))
    return open_csv (self, path);
  app = gtk_window_get_application (GTK_WINDOW (self));
  /* A lesson plays here when no application picks a window for it. */
  if (app == NULL && g_str_has_suffix (path, BPV_LESSON_SUFFIX))
    return bpv_window_open_lesson (self, path);
  if (app == NULL)
    {
      bpv_window_toast (self, _("Models open in a new window of the application"));
      return FALSE;
    }
  g_application_open (G_APPLICATION (app), &file, 1, "");
  return TRUE;
}

static void
open_response (GtkNativeDialog *dialog,
               int              response,
               BpvWindow       *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      if (file != NULL)
        bpv_window_open_file (self, file);
    }
  g_object_unref (dialog);
}

static void
open_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       data)
{
  BpvWindow *self = data;
  GtkFileChooserNative *dialog;
  GtkFileFilter *all = gtk_file_filter_new ();

  dialog = gtk_file_chooser_native_new (_("Open Model or Dataset"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_file_filter_set_name (all, _("Models and CSV datasets"));
  gtk_file_filter_add_pattern (all, MODEL_PATTERN);
  gtk_file_filter_add_pattern (all, ONNX_PATTERN);
  gtk_file_filter_add_pattern (all, CSV_PATTERN);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), all);
  g_object_unref (all);
  add_filter (GTK_FILE_CHOOSER (dialog), _("Models (*.bpmodel.json)"), MODEL_PATTERN);
  add_filter (GTK_FILE_CHOOSER (dialog), _("ONNX models"), ONNX_PATTERN);
  add_filter (GTK_FILE_CHOOSER (dialog), _("CSV datasets"), CSV_PATTERN);
  g_signal_connect (dialog, "response", G_CALLBACK (open_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* Open Lesson…: a lesson opens as a dropped one does (the application
 * picks its window). */
static void
open_lesson_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       data)
{
  BpvWindow *self = data;
  GtkFileChooserNative *dialog;

  dialog = gtk_file_chooser_native_new (_("Open Lesson"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  add_filter (GTK_FILE_CHOOSER (dialog), _("Lessons (*.bplesson.json)"), LESSON_PATTERN);
  g_signal_connect (dialog, "response", G_CALLBACK (open_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
open_file_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       data)
{
  g_autoptr(GFile) file = g_file_new_for_commandline_arg (g_variant_get_string (parameter, NULL));

  bpv_window_open_file (data, file);
}

/* Closes the window once the question (transient for it) is gone: a
 * window finalized under its dialog leaves the dialog's handlers on a
 * dead object. */
static gboolean
close_later (gpointer data)
{
  BpvWindow *self = data;

  self->close_confirmed = TRUE;
  gtk_window_close (GTK_WINDOW (self));
  return G_SOURCE_REMOVE;
}

/* After Save As from the close question, the window closes. */
#define CLOSE_AFTER_SAVE "bpv-close-after-save"

static void
save_as_response (GtkNativeDialog *dialog,
                  int              response,
                  BpvWindow       *self)
{
  gboolean close = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), CLOSE_AFTER_SAVE));

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autoptr(GError) error = NULL;

      if (file != NULL && !bpv_window_save_to (self, file, &error))
        bpv_window_toast (self, error->message);
      else if (file != NULL && close)
        g_idle_add_full (G_PRIORITY_LOW, close_later, g_object_ref (self), g_object_unref);
    }
  g_object_unref (dialog);
}

static void
save_as (BpvWindow *self,
         gboolean   close_after)
{
  GtkFileChooserNative *dialog;
  g_autofree char *name = NULL;

  dialog = gtk_file_chooser_native_new (_("Save Model"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  if (self->file != NULL)
    gtk_file_chooser_set_file (GTK_FILE_CHOOSER (dialog), self->file, NULL);
  else
    {
      /* An imported model: X.bpmodel.json beside X.onnx. */
      if (self->imported_from != NULL)
        {
          g_autoptr(GFile) folder = g_file_get_parent (self->imported_from);

          if (folder != NULL)
            gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (dialog), folder, NULL);
        }
      name = proposed_name (self, ".bpmodel.json");
      gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
    }
  add_filter (GTK_FILE_CHOOSER (dialog), _("Models (*.bpmodel.json)"), MODEL_PATTERN);
  g_object_set_data (G_OBJECT (dialog), CLOSE_AFTER_SAVE, GINT_TO_POINTER (close_after));
  g_signal_connect (dialog, "response", G_CALLBACK (save_as_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
save_as_activated (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       data)
{
  save_as (data, FALSE);
}

static void
save_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       data)
{
  BpvWindow *self = data;
  g_autoptr(GError) error = NULL;

  if (self->file == NULL)
    {
      save_as (self, FALSE);
      return;
    }
  if (!bpv_window_save_to (self, self->file, &error))
    bpv_window_toast (self, error->message);
  else
    {
      g_autofree char *base = g_file_get_basename (self->file);
      g_autofree char *msg = g_strdup_printf (_("Saved “%s”"), base);

      bpv_window_toast (self, msg);
    }
}

void
bpv_window_set_imported_from (BpvWindow *self,
                              GFile     *file)
{
  g_return_if_fail (BPV_IS_WINDOW (self));
  g_return_if_fail (file == NULL || G_IS_FILE (file));

  g_set_object (&self->imported_from, file);
  if (self->session != NULL)
    bpv_window_update_file_title (self);
}

GFile *
bpv_window_get_imported_from (BpvWindow *self)
{
  g_return_val_if_fail (BPV_IS_WINDOW (self), NULL);

  return self->imported_from;
}

char *
bpv_window_imported_title (BpvWindow *self)
{
  const BpModel *model = bpv_session_get_model (self->session);
  g_autofree char *base = g_file_get_basename (self->imported_from);

  if (model->name == NULL || model->name[0] == '\0')
    return g_strdup_printf (_("imported from %s"), base);
  return g_strdup_printf (_("%s (imported from %s)"), model->name, base);
}

/* A file dropped on the window: the first of the list. */
static gboolean
on_file_drop (GtkDropTarget *target,
              const GValue  *value,
              double         x,
              double         y,
              BpvWindow     *self)
{
  GSList *files;

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  files = g_value_get_boxed (value);
  if (files == NULL)
    return FALSE;
  {
    g_autofree char *uri = g_file_get_uri (files->data);

    bpv_event ("DROP file %s", uri);
  }
  return bpv_window_open_file (self, files->data);
}

/* ------------------------------------------------- unsaved changes on close */

static void
close_response (AdwMessageDialog *dialog,
                const char       *response,
                BpvWindow        *self)
{
  bpv_event ("CLOSE %s", response);
  if (g_str_equal (response, "discard"))
    g_idle_add_full (G_PRIORITY_LOW, close_later, g_object_ref (self), g_object_unref);
  else if (g_str_equal (response, "save"))
    {
      g_autoptr(GError) error = NULL;

      if (self->file == NULL)
        save_as (self, TRUE);
      else if (!bpv_window_save_to (self, self->file, &error))
        bpv_window_toast (self, error->message);
      else
        g_idle_add_full (G_PRIORITY_LOW, close_later, g_object_ref (self), g_object_unref);
    }
}

gboolean
bpv_window_close_request (GtkWindow *window)
{
  BpvWindow *self = BPV_WINDOW (window);
  GtkWidget *dialog;
  g_autofree char *base = NULL;

  if (self->close_confirmed || self->session == NULL || !bpv_session_is_dirty (self->session))
    return FALSE;
  /* Asked again (Ctrl+Q twice): the same question. */
  if (self->close_question != NULL)
    {
      gtk_window_present (self->close_question);
      return TRUE;
    }
  base = self->file != NULL ? g_file_get_basename (self->file) : g_strdup (_("Untitled"));
  dialog = adw_message_dialog_new (window, _("Save Changes?"), NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("“%s” has changes that are not saved. "
                                  "Without saving, they are lost."), base);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "discard", _("_Discard"),
                                    "save", _("_Save"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "discard",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "save",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "save");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (close_response), self);
  self->close_question = GTK_WINDOW (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->close_question);
  bpv_event ("CLOSE asking");
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

void
bpv_window_install_file_actions (BpvWindow *self)
{
  const GActionEntry entries[] = {
    { "export", export_activated, NULL, NULL, NULL, { 0 } },
    { "export-onnx", export_onnx_activated, NULL, NULL, NULL, { 0 } },
    { "open-csv", open_csv_activated, NULL, NULL, NULL, { 0 } },
    { "open", open_activated, NULL, NULL, NULL, { 0 } },
    { "open-file", open_file_activated, "s", NULL, NULL, { 0 } },
    { "open-lesson", open_lesson_activated, NULL, NULL, NULL, { 0 } },
    { "save", save_activated, NULL, NULL, NULL, { 0 } },
    { "save-as", save_as_activated, NULL, NULL, NULL, { 0 } },
  };
  GtkDropTarget *files;

  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
  /* Model files, ONNX files and CSV datasets dropped on the window. */
  files = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (files, "drop", G_CALLBACK (on_file_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (files));
}
