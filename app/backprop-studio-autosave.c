/* backprop-studio-autosave.c — autosave and restore (see
 * backprop-studio-autosave.h).
 */
#include "config.h"
#include "backprop-studio-autosave.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

#include "bpv-events.h"

/* After an edit, wait this long before saving: a drag of a slider or a run
 * of keystrokes is one save, not one per change. */
#define AUTOSAVE_DELAY_MS     700
/* While training, save this often: what a crash can lose. */
#define AUTOSAVE_INTERVAL_S   4

/* Only the user may read the experiment or its folder. */
#define AUTOSAVE_DIR_MODE     0700

#define AUTOSAVE_DATA_KEY     "backprop-studio-autosave"

/* The lesson's key file: [Lesson] path=…, step=… (0-based). */
#define LESSON_GROUP          "Lesson"

/* An unsaved import's key file: [Import] path=… (the ONNX file). */
#define IMPORT_GROUP          "Import"

static char *
autosave_path (void)
{
  return g_build_filename (g_get_user_state_dir (), "backprop-studio", "autosave.bpmodel.json", NULL);
}

static char *
lesson_path (void)
{
  return g_build_filename (g_get_user_state_dir (), "backprop-studio", "autosave.lesson", NULL);
}

static char *
import_path (void)
{
  return g_build_filename (g_get_user_state_dir (), "backprop-studio", "autosave.import", NULL);
}

/* The ONNX file an unsaved imported model came from, beside the model:
 * restored, the window is titled "name (imported from net.onnx)" again
 * and not after an older experiment.  Removed once the model is saved
 * (the window then has a file and no import). */
static void
autosave_import (BpvWindow *window)
{
  g_autofree char *path = import_path ();
  g_autoptr(GKeyFile) keys = NULL;
  g_autoptr(GError) error = NULL;
  GFile *onnx = bpv_window_get_imported_from (window);
  g_autofree char *file = onnx != NULL ? g_file_get_path (onnx) : NULL;

  if (file == NULL)
    {
      g_unlink (path);
      return;
    }
  keys = g_key_file_new ();
  g_key_file_set_string (keys, IMPORT_GROUP, "path", file);
  if (!g_key_file_save_to_file (keys, path, &error))
    fprintf (stderr, "backprop-studio: autosave: %s\n", error->message);
}

/* The lesson beside the model: written when the window plays one, removed
 * when it does not. */
static void
autosave_lesson (BpvWindow *window)
{
  g_autofree char *path = lesson_path ();
  g_autoptr(GKeyFile) keys = NULL;
  g_autoptr(GError) error = NULL;
  const char *file = bpv_window_get_lesson_path (window);

  if (bpv_window_get_lesson (window) == NULL || file == NULL)
    {
      g_unlink (path);
      return;
    }
  keys = g_key_file_new ();
  g_key_file_set_string (keys, LESSON_GROUP, "path", file);
  g_key_file_set_uint64 (keys, LESSON_GROUP, "step", bpv_window_get_lesson_step (window));
  if (!g_key_file_save_to_file (keys, path, &error))
    fprintf (stderr, "backprop-studio: autosave: %s\n", error->message);
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
  if (g_mkdir_with_parents (dir, AUTOSAVE_DIR_MODE) != 0)
    {
      fprintf (stderr, _("backprop-studio: cannot create %s: %s\n"), dir, g_strerror (errno));
      return;
    }
  if (!bpv_session_write_copy (session, path, &error))
    {
      fprintf (stderr, "backprop-studio: autosave: %s\n", error->message);
      return;
    }
  autosave_lesson (window);
  autosave_import (window);
  /* (The line ends with the layers, as the tests read it.) */
  if (bpv_window_get_lesson (window) != NULL)
    bpv_event ("AUTOSAVED %s lesson-step=%zu layers=%zu", path, bpv_window_get_lesson_step (window) + 1,
               bpv_session_get_network (session)->n_layers);
  else
    bpv_event ("AUTOSAVED %s layers=%zu", path, bpv_session_get_network (session)->n_layers);
}

/* Per window, as its object data: the pending save and the training tick. */
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
  Autosave *a = g_object_get_data (G_OBJECT (window), AUTOSAVE_DATA_KEY);

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

      g_autofree char *lesson = lesson_path ();
      g_autofree char *import = import_path ();

      g_unlink (lesson);
      g_unlink (import);
      if (g_unlink (path) == 0)
        bpv_event ("AUTOSAVE removed (changes discarded)");
    }
  else
    autosave_now (window);
  return FALSE;
}

/* A lesson step entered or left: saved like an edit. */
static void
on_lesson_changed (BpvWindow *window,
                   gpointer   data)
{
  on_session_edited (bpv_window_get_session (window), window);
}

/* The session lives and dies with the window (which holds the only
 * reference), so the window's pointer is good for as long as the
 * handler can run; a lesson step may give the window a new one. */
static void
on_window_session (BpvWindow  *window,
                   GParamSpec *pspec,
                   gpointer    data)
{
  g_signal_connect (bpv_window_get_session (window), "edited",
                    G_CALLBACK (on_session_edited), window);
}

void
backprop_studio_autosave_watch (BpvWindow *window)
{
  Autosave *a;

  g_return_if_fail (BPV_IS_WINDOW (window));

  a = g_new0 (Autosave, 1);
  a->window = window;
  a->tick_id = g_timeout_add_seconds (AUTOSAVE_INTERVAL_S, autosave_tick, a);
  g_object_set_data_full (G_OBJECT (window), AUTOSAVE_DATA_KEY, a, autosave_free);
  on_window_session (window, NULL, NULL);
  g_signal_connect (window, "notify::session", G_CALLBACK (on_window_session), NULL);
  g_signal_connect (window, "lesson-changed", G_CALLBACK (on_lesson_changed), NULL);
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

BpModel *
backprop_studio_autosave_load (void)
{
  g_autofree char *path = autosave_path ();
  g_autoptr(GError) error = NULL;
  BpModel *model;

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return NULL;
  model = bp_model_load_file (path, NULL, &error);
  if (model == NULL)
    fprintf (stderr, _("backprop-studio: the autosaved experiment does not load: %s\n"),
             error->message);
  return model;
}

void
backprop_studio_autosave_show_restored (BpvWindow  *window,
                                        const char *last_experiment)
{
  g_autofree char *path = autosave_path ();
  g_autofree char *import = import_path ();
  g_autoptr(GKeyFile) keys = g_key_file_new ();
  g_autofree char *onnx = NULL;
  g_autofree char *sum = NULL;
  BpvSession *session;
  gboolean have_last = last_experiment != NULL && last_experiment[0] != '\0';

  g_return_if_fail (BPV_IS_WINDOW (window));

  session = bpv_window_get_session (window);
  if (g_key_file_load_from_file (keys, import, G_KEY_FILE_NONE, NULL))
    onnx = g_key_file_get_string (keys, IMPORT_GROUP, "path", NULL);
  if (onnx != NULL)
    {
      /* An import never saved: its provenance, not the last file saved
       * (which holds another model, and Save would overwrite it). */
      g_autoptr(GFile) file = g_file_new_for_path (onnx);

      bpv_window_set_imported_from (window, file);
      have_last = FALSE;
    }
  else if (have_last && g_file_test (last_experiment, G_FILE_TEST_IS_REGULAR))
    {
      g_autoptr(GFile) file = g_file_new_for_path (last_experiment);

      bpv_window_set_file (window, file);
    }
  /* Unsaved unless it is what the file holds. */
  if (!have_last || !same_contents (path, last_experiment))
    bpv_session_mark_changed (session);
  sum = bpv_session_checksum (session);
  bpv_event ("RESTORED %s layers=%zu checksum=%s", path,
             bpv_session_get_network (session)->n_layers, sum);
  bpv_window_toast (window, _("Restored the experiment you had open (autosaved)"));
}

gboolean
backprop_studio_autosave_load_lesson (char  **path,
                                      gsize  *step)
{
  g_autofree char *file = lesson_path ();
  g_autoptr(GKeyFile) keys = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *lesson = NULL;
  guint64 i = 0;

  g_return_val_if_fail (path != NULL && step != NULL, FALSE);

  if (!g_key_file_load_from_file (keys, file, G_KEY_FILE_NONE, NULL))
    return FALSE;
  lesson = g_key_file_get_string (keys, LESSON_GROUP, "path", &error);
  if (lesson != NULL)
    i = g_key_file_get_uint64 (keys, LESSON_GROUP, "step", &error);
  if (error != NULL)
    {
      fprintf (stderr, "backprop-studio: %s: %s\n", file, error->message);
      return FALSE;
    }
  *path = g_steal_pointer (&lesson);
  *step = (gsize) i;
  return TRUE;
}
