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
/* Shows a message as a toast. */
void        bpv_window_toast          (BpvWindow      *self,
                                       const char     *message);

G_END_DECLS
