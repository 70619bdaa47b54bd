/* bpv-window.h — the main window: header bar with the run controls, the
 * network canvas, the plots below it, the decision map and the inspector
 * at the side, the experiment's settings in a sidebar.  Every behaviour is
 * a window action (bpv-window-actions.c).
 */
#pragma once

#include <adwaita.h>

#include "bpv-lesson.h"
#include "bpv-session.h"

G_BEGIN_DECLS

#define BPV_TYPE_WINDOW (bpv_window_get_type ())
G_DECLARE_FINAL_TYPE (BpvWindow, bpv_window, BPV, WINDOW, AdwApplicationWindow)

/* Registers the widget library's resources and types; called by the
 * window itself, and by tests that use the widgets alone. */
void        bpv_ui_init               (void);

BpvWindow  *bpv_window_new            (GtkApplication *application,
                                       BpvSession     *session);
BpvSession *bpv_window_get_session    (BpvWindow      *self);
/* Shows another session (property "session"; the window takes a
 * reference): a lesson step that loads a model of its own, or Back to
 * one, brings a new session.  Training of the old one stops. */
void        bpv_window_set_session    (BpvWindow      *self,
                                       BpvSession     *session);
GtkWidget  *bpv_window_get_network_view (BpvWindow    *self);
GtkWidget  *bpv_window_get_inspector  (BpvWindow      *self);
/* Writes the model's network as an ONNX model (bp_onnx_export_file):
 * FALSE with the core's message (BP_ONNX_ERROR_EXPORT names the layer
 * ONNX cannot express), which a dialog over the window also shows (the
 * event log says EXPORT-ONNX-ERROR message). */
gboolean    bpv_window_export_onnx    (BpvWindow      *self,
                                       const char     *path,
                                       GError        **error);
/* Writes the canvas as PNG, SVG or PDF (by extension), as on screen. */
gboolean    bpv_window_export         (BpvWindow      *self,
                                       const char     *path,
                                       GError        **error);
/* The model file shown (NULL until saved; property "file"): the title
 * names it, Save writes it. */
GFile      *bpv_window_get_file       (BpvWindow      *self);
void        bpv_window_set_file       (BpvWindow      *self,
                                       GFile          *file);
/* The ONNX file the model was imported from (NULL: none; property-less:
 * set once by the application after the import, cleared by a save).  The
 * title says "name (imported from net.onnx)" and the first Save is a Save
 * As that proposes net.bpmodel.json beside it: the .onnx is never written
 * over.  The window takes a reference. */
void        bpv_window_set_imported_from (BpvWindow   *self,
                                       GFile          *file);
GFile      *bpv_window_get_imported_from (BpvWindow   *self);
/* Opens a file as the Open action and a file dropped on the window do: a
 * CSV becomes the dataset (an undoable edit); anything else is a model
 * (*.bpmodel.json, *.onnx) or a lesson (*.bplesson.json), which the
 * application opens
 * (g_application_open) — a lesson plays in this window when there is no
 * application.  FALSE with a toast when it cannot. */
gboolean    bpv_window_open_file      (BpvWindow      *self,
                                       GFile          *file);
/* Saves the model to `file` (atomically) and makes it the window's file. */
gboolean    bpv_window_save_to        (BpvWindow      *self,
                                       GFile          *file,
                                       GError        **error);
/* The Examples submenu of the primary menu (items made by the
 * application, e.g. app.open-example::xor). */
void        bpv_window_set_examples   (BpvWindow      *self,
                                       GMenuModel     *examples);
/* The Lessons submenu's built-in lessons (items made by the application,
 * e.g. app.open-lesson::PATH); Open Lesson… follows them. */
void        bpv_window_set_lessons    (BpvWindow      *self,
                                       GMenuModel     *lessons);
/* Plays `lesson` (full transfer, taken even on failure), read from `path`
 * (may be NULL), from step `step` (0-based): the lesson pane takes the top
 * of the right column.  `apply`: the step is applied as Next applies it (a
 * step that loads a model brings a new session); FALSE: it is shown on
 * the session as it is (a restored autosave).  FALSE with the error, and
 * the window as it was, when the step cannot be entered.  The window says
 * "lesson-changed" after each step entered and when the lesson is left;
 * the event log has LESSON-OPEN id n_steps, LESSON-STEP i (1-based),
 * LESSON-DONE and LESSON-LEAVE. */
gboolean    bpv_window_start_lesson   (BpvWindow      *self,
                                       BpvLesson      *lesson,
                                       const char     *path,
                                       gsize           step,
                                       gboolean        apply,
                                       GError        **error);
/* Loads the lesson file and plays it from its first step in this window;
 * FALSE with bpv_window_show_lesson_error when it cannot (the model is
 * untouched). */
gboolean    bpv_window_open_lesson    (BpvWindow      *self,
                                       const char     *path);
/* Says why a lesson cannot open or go on (`message` names the file, the
 * step and the field) in a dialog over the window: too long for a toast,
 * and a lecturer wants to read it whole.  `opening`: the heading says the
 * lesson cannot be opened (else that the step cannot be entered). */
void        bpv_window_show_lesson_error (BpvWindow   *self,
                                       gboolean        opening,
                                       const char     *message);
/* Closes the lesson pane; the network stays as it is. */
void        bpv_window_leave_lesson   (BpvWindow      *self);
/* The lesson played (owned by the window; NULL for none), its file (NULL
 * when none or not given) and its step (0-based). */
BpvLesson  *bpv_window_get_lesson     (BpvWindow      *self);
const char *bpv_window_get_lesson_path (BpvWindow     *self);
gsize       bpv_window_get_lesson_step (BpvWindow     *self);
GtkWidget  *bpv_window_get_lesson_pane (BpvWindow     *self);
/* The Open Recent submenu (items of win.open-file with a path). */
void        bpv_window_set_recent     (BpvWindow      *self,
                                       GMenuModel     *recent);
/* A paragraph under the header bar that explains what is shown (an
 * example's description).  `chain_quiz`: also open the Quiz pane on
 * "which expression is ∂a(j)/∂a(j−1)?" (topic expr-da-da), checked and
 * worked out on the live network (for the chain-rule walkthrough). */
void        bpv_window_show_explanation (BpvWindow    *self,
                                       const char     *title,
                                       const char     *text,
                                       gboolean        chain_quiz);
/* The registry changed (a plugin was loaded): the palette and the
 * pickers list what it has now. */
void        bpv_window_refresh_features (BpvWindow    *self);
/* Features ("activation swish", "cost huber", "optimizer nesterov") the
 * palettes of every window leave out from their next build (those of
 * disabled plugins); NULL: none. */
void        bpv_window_set_hidden_features (const char * const *features);
/* Shows a message as a toast. */
void        bpv_window_toast          (BpvWindow      *self,
                                       const char     *message);

G_END_DECLS
