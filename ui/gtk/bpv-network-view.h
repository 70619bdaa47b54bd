/* bpv-network-view.h — the network canvas: a GtkWidget whose snapshot()
 * paints the session through bpv_network_render (GTK-free), with hover
 * (tooltip), click selection, zoom (scroll, pinch, actions) and pan (drag).
 * It drives the step-mode animation from the frame clock.
 *
 * Editing: palette items dropped on the canvas, column headers dragged
 * to another gap or off the canvas, and a layer's context menu (right
 * click, Menu key) become the window's win.edit-* actions (see the .c).
 *
 * Widget actions (group "canvas"): canvas.zoom-in, canvas.zoom-out,
 * canvas.zoom-reset.
 */
#pragma once

#include <gtk/gtk.h>

#include "bpv-render.h"
#include "bpv-session.h"

G_BEGIN_DECLS

#define BPV_TYPE_NETWORK_VIEW (bpv_network_view_get_type ())
G_DECLARE_FINAL_TYPE (BpvNetworkView, bpv_network_view, BPV, NETWORK_VIEW, GtkWidget)

GtkWidget       *bpv_network_view_new               (void);

void             bpv_network_view_set_session       (BpvNetworkView *self,
                                                     BpvSession     *session);
BpvSession      *bpv_network_view_get_session       (BpvNetworkView *self);

void             bpv_network_view_set_view          (BpvNetworkView *self,
                                                     BpvView         view);
BpvView          bpv_network_view_get_view          (BpvNetworkView *self);
void             bpv_network_view_set_scale         (BpvNetworkView *self,
                                                     BpvScale        scale);
BpvScale         bpv_network_view_get_scale         (BpvNetworkView *self);
void             bpv_network_view_set_show_derivatives (BpvNetworkView *self,
                                                        gboolean        show);
gboolean         bpv_network_view_get_show_derivatives (BpvNetworkView *self);
void             bpv_network_view_set_show_values   (BpvNetworkView *self,
                                                     gboolean        show);
gboolean         bpv_network_view_get_show_values   (BpvNetworkView *self);
void             bpv_network_view_set_show_neuron_maps (BpvNetworkView *self,
                                                        gboolean        show);
gboolean         bpv_network_view_get_show_neuron_maps (BpvNetworkView *self);

/* 1 = fitted; pan in widget units. */
void             bpv_network_view_set_zoom          (BpvNetworkView *self,
                                                     double          zoom,
                                                     double          focus_x,
                                                     double          focus_y);
double           bpv_network_view_get_zoom          (BpvNetworkView *self);
void             bpv_network_view_reset_zoom        (BpvNetworkView *self);

/* The layout of the last allocation (NULL before the first), for tests and
 * for finding where things are. */
const BpvLayout *bpv_network_view_get_layout        (BpvNetworkView *self);
/* A point (widget coordinates) on edge W(n)_jk that hit-tests as that
 * edge; FALSE when none is found. */
gboolean         bpv_network_view_find_edge_point   (BpvNetworkView *self,
                                                     gsize           layer,
                                                     gsize           j,
                                                     gsize           k,
                                                     double         *x,
                                                     double         *y);
/* What a click at (x, y) would select. */
gboolean         bpv_network_view_hit               (BpvNetworkView *self,
                                                     double          x,
                                                     double          y,
                                                     BpvHit         *hit);
/* Selects what is at (x, y) as a click does (clears on empty space). */
void             bpv_network_view_click             (BpvNetworkView *self,
                                                     double          x,
                                                     double          y);

/* The render state the next snapshot would use (for export). */
void             bpv_network_view_get_render_state  (BpvNetworkView *self,
                                                     BpvRenderState *state);
BpvTheme         bpv_network_view_get_theme         (BpvNetworkView *self);
/* The elements a quiz's answer involves, drawn in an accent halo until
 * replaced (n_hits 0: none).  Copied.  The getter's array is owned by the
 * view, valid until the next set. */
void             bpv_network_view_set_highlights    (BpvNetworkView *self,
                                                     const BpvHit   *hits,
                                                     gsize           n_hits);
const BpvHit    *bpv_network_view_get_highlights    (BpvNetworkView *self,
                                                     gsize          *n_hits);

/* Pops up the context menu of layer `layer` (0-based) pointing at (x, y),
 * or below its column header when x or y is < 0.  FALSE when there is no
 * such layer. */
gboolean         bpv_network_view_popup_layer_menu  (BpvNetworkView *self,
                                                     gsize           layer,
                                                     double          x,
                                                     double          y);
/* The layer keyboard edits act on (0-based): the selection's, else the
 * last hidden layer. */
gsize            bpv_network_view_current_layer    (BpvNetworkView *self);
/* Moves the selection as the canvas's keys do when it has the focus (↑ ↓
 * within a layer, Alt+← Alt+→ across layers, Enter onto the weights into a
 * neuron, Escape back; see bpv-network-view.c).  TRUE when the key is one
 * of them. */
gboolean         bpv_network_view_key_navigate     (BpvNetworkView *self,
                                                    guint           keyval,
                                                    GdkModifierType state);
/* The accessible description the canvas carries: its layers (activation,
 * width), the cost, the selection with its numbers, and the keys. */
char            *bpv_network_view_describe         (BpvNetworkView *self);
/* What the drop indicator says a drop of `what` (a palette item's string,
 * "skip:nearest", "typed:batchnorm"…) at the widget point would do, or why
 * it cannot; NULL when it says nothing (the other drops).  Free with
 * g_free. */
char            *bpv_network_view_dup_drop_text    (BpvNetworkView *self,
                                                    const char     *what,
                                                    double          x,
                                                    double          y);

/* The grab handle at the start of the selected skip arc: dragged to
 * another column it moves the skip's start there (win.edit-skip, one undo
 * step), snapping to the nearest a(j) as wide as a(n); a drop on a column
 * that cannot be the source is refused with the reason as a toast; Escape
 * cancels.  The canvas's drag gesture calls these; tests may too (widget
 * coordinates).
 *
 * _begin: starts a drag when (x, y) is on the selected skip's handle
 * (FALSE, and nothing starts, elsewhere).  _motion: the pointer moved.
 * _drop: ends the drag there; TRUE when an edit was asked for (made or
 * refused by the window).  _cancel: ends it with no edit. */
gboolean         bpv_network_view_skip_handle_begin (BpvNetworkView *self,
                                                     double          x,
                                                     double          y);
void             bpv_network_view_skip_handle_motion (BpvNetworkView *self,
                                                      double          x,
                                                      double          y);
gboolean         bpv_network_view_skip_handle_drop  (BpvNetworkView *self,
                                                     double          x,
                                                     double          y);
void             bpv_network_view_skip_handle_cancel (BpvNetworkView *self);
/* While the handle is dragged: what a drop where the pointer is would do
 * (the edit's undo label) or why it cannot; NULL when no drag.  Owned by
 * the view, valid until the pointer moves. */
const char      *bpv_network_view_get_skip_handle_text (BpvNetworkView *self);
/* While the handle is dragged: the a(j) a drop there would choose, or −1
 * when it would be refused; −1 when no drag. */
gssize           bpv_network_view_get_skip_handle_source (BpvNetworkView *self);

G_END_DECLS
