/* backprop-studio-files.c — the files backprop-studio opens, and the
 * recent files (see backprop-studio-files.h).
 */
#include "config.h"
#include "backprop-studio-files.h"

#include <glib/gi18n.h>
#include <gtk/gtk.h>

#include "bp-onnx.h"
#include "bpv-layout.h"

gboolean
backprop_studio_files_is_csv (const char *path)
{
  return path != NULL && (g_str_has_suffix (path, ".csv") || g_str_has_suffix (path, ".CSV"));
}

/* The canvas, the inspector and step mode draw dense layers (with skip
 * connections), batch and layer norm and dropout.  A layer they do not
 * know is refused here, where every file the app opens comes in, with the
 * layer named and the commands that do handle it. */
static gboolean
check_drawable (const BpModel  *model,
                const char     *path,
                GError        **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *name = NULL;

  if (bpv_layout_check_drawable (model->network, &local))
    return TRUE;
  name = g_filename_display_name (path);
  g_set_error (error, BP_MODEL_ERROR, BP_MODEL_ERROR_INVALID,
               _("%s: %s; Backprop Studio cannot draw it yet — `backprop trace` and "
               "`backprop train` handle it"), name, local->message);
  return FALSE;
}

gboolean
backprop_studio_files_is_onnx (const char *path)
{
  return path != NULL && (g_str_has_suffix (path, ".onnx") || g_str_has_suffix (path, ".ONNX"));
}

BpModel *
backprop_studio_files_load_model (const char  *path,
                                  GError     **error)
{
  BpModel *model;

  if (!backprop_studio_files_is_csv (path))
    {
      /* An ONNX file is imported: the core's message names the file, the
       * node and its op when it holds what we do not read. */
      model = backprop_studio_files_is_onnx (path) ? bp_onnx_import_file (path, error)
                                                   : bp_model_load_file (path, NULL, error);
      if (model != NULL && !check_drawable (model, path, error))
        g_clear_pointer (&model, bp_model_free);
      return model;
    }
  model = bp_model_new_default ();
  g_free (model->dataset);
  model->dataset = g_strdup (path);
  model->dataset_rows = 0;
  model->dataset_noise = -1.0;
  return model;
}

void
backprop_studio_files_update_recent (GMenu     *menu,
                                     GSettings *settings)
{
  g_auto(GStrv) recent = NULL;

  g_menu_remove_all (menu);
  if (settings == NULL)
    return;
  recent = g_settings_get_strv (settings, "recent-files");
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
}

void
backprop_studio_files_remember_recent (GMenu      *menu,
                                       GSettings  *settings,
                                       const char *path)
{
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
  for (guint i = 0; old[i] != NULL && n < BACKPROP_STUDIO_FILES_MAX_RECENT; i++)
    if (g_strcmp0 (old[i], path) != 0)
      {
        g_strv_builder_add (builder, old[i]);
        n++;
      }
  recent = g_strv_builder_end (builder);
  g_settings_set_strv (settings, "recent-files", (const char * const *) recent);
  backprop_studio_files_update_recent (menu, settings);
}
