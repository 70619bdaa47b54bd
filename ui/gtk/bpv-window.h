/* bpv-window.h — the main window: header bar with the run controls, the
 * network canvas, the plots below it, the decision map and the inspector
 * at the side, the experiment's settings in a sidebar.  Every behaviour is
 * a window action (bpv-window-actions.c).
 */
#pragma once

#include <adwaita.h>

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
GtkWidget  *bpv_window_get_network_view (BpvWindow    *self);
GtkWidget  *bpv_window_get_inspector  (BpvWindow      *self);
/* Writes the canvas as PNG, SVG or PDF (by extension), as on screen. */
gboolean    bpv_window_export         (BpvWindow      *self,
                                       const char     *path,
                                       GError        **error);
/* The model file shown (NULL until saved; property "file"): the title
 * names it, Save writes it. */
GFile      *bpv_window_get_file       (BpvWindow      *self);
void        bpv_window_set_file       (BpvWindow      *self,
                                       GFile          *file);
/* Opens a file as the Open action and a file dropped on the window do: a
 * CSV becomes the dataset (an undoable edit); anything else is a model,
 * which the application opens (g_application_open).  FALSE with a toast
 * when it cannot. */
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
