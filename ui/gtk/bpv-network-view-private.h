/* bpv-network-view-private.h — what the files of the canvas share:
 *   bpv-network-view.c        the object, its properties, the session's
 *                             signals, the layout and the snapshot;
 *   bpv-network-view-input.c  pointer and keyboard: hover, click, pan and
 *                             zoom, tooltips, the layer's menu and its − +
 *                             buttons, moving the selection by keys;
 *   bpv-network-view-dnd.c    editing by drag and drop (palette items,
 *                             column headers, a skip's handle) and the
 *                             drop indicator.
 */
#pragma once

#include "bpv-network-view.h"

G_BEGIN_DECLS

/* The zoom's range (the "zoom" property's) and one step of it (a wheel
 * notch, Ctrl+plus): 1.25⁴ ≈ 2.4 in four notches. */
#define ZOOM_MIN  0.25
#define ZOOM_MAX  12.0
#define ZOOM_STEP 1.25

struct _BpvNetworkView
{
  GtkWidget       parent_instance;

  BpvSession     *session;
  gulong          structure_id;
  gulong          values_id;
  gulong          selection_id;
  gulong          fault_id;

  BpvView         view;
  BpvScale        scale;
  gboolean        show_derivatives;
  gboolean        show_values;
  gboolean        show_neuron_maps;
  gboolean        presentation;   /* labels and strokes × BPV_PRESENTATION_SCALE */

  BpvLayout      *layout;
  BpvRenderCache *cache;
  double          legend_height;
  int             width;
  int             height;

  double          zoom;
  double          pan_x;
  double          pan_y;
  double          drag_pan_x;
  double          drag_pan_y;
  double          pinch_zoom;

  BpvHit          hover;
  GArray         *highlights;     /* BpvHit: a quiz answer's elements (accent halo) */
  double          pointer_x;
  double          pointer_y;

  guint           tick_id;
  gint64          last_frame;

  /* editing by drag and drop */
  BpvDropSlot     drop_slot;      /* the indicator; kind NONE when hidden */
  char           *drop_text;      /* what the drop would do, beside it, or NULL */
  gboolean        drop_skip;      /* a skip is dragged: mark its candidate sources */
  gssize          drop_skip_from; /* the source its drop chooses (filled), or −1 */
  gboolean        dragging_layer; /* a column header is being dragged */
  gsize           drag_layer;
  /* the grab handle of the selected skip, dragged to choose where it starts */
  gboolean        handle_drag;    /* being dragged */
  gboolean        handle_cancelled; /* by Escape: the rest of this drag is not a pan */
  gsize           handle_n;       /* the skip into a(n) */
  double          handle_x;       /* the pointer, widget pixels */
  double          handle_y;
  gssize          handle_from;    /* the a(j) a drop here chooses, or −1 (refused) */
  gssize          handle_column;  /* the column under the pointer, or −1 */
  char           *handle_text;    /* what a drop here does, or why it cannot */
  GtkWidget      *menu;           /* the layer's context menu (a GtkPopoverMenu) */
  gssize          width_layer;    /* the hidden layer under the pointer (its − + shown), or −1 */
};


/* bpv-network-view.c */
/* The render state the canvas paints with (and the tooltips read). */
void     bpv_network_view_fill_state        (BpvNetworkView *self,
                                             BpvRenderState *state);
void     bpv_network_view_relayout          (BpvNetworkView *self);
/* The view (zoom, pan) moved: the layout follows, the canvas is redrawn. */
void     bpv_network_view_apply_view        (BpvNetworkView *self);
/* Pans to (pan_x, pan_y) widget pixels; notifies "zoom". */
void     bpv_network_view_set_pan           (BpvNetworkView *self,
                                             double          pan_x,
                                             double          pan_y);

/* bpv-network-view-input.c */
/* Adds the pointer, scroll, zoom, context-menu and key controllers. */
void     bpv_network_view_install_input     (BpvNetworkView *self);
gboolean bpv_network_view_query_tooltip     (GtkWidget      *widget,
                                             int             x,
                                             int             y,
                                             gboolean        keyboard,
                                             GtkTooltip     *tooltip);
/* The layer whose column (header included) is at widget (x, y). */
gboolean bpv_network_view_layer_at          (BpvNetworkView *self,
                                             double          x,
                                             double          y,
                                             gsize          *layer);
void     bpv_network_view_snapshot_width_buttons (BpvNetworkView *self,
                                                  GtkSnapshot    *snapshot);
/* Selects `hit` and logs it (`how`: " key", "" for a click). */
void     bpv_network_view_select_hit        (BpvNetworkView *self,
                                             const BpvHit   *hit,
                                             const char     *how);

/* bpv-network-view-dnd.c */
/* Adds the drop target and the column headers' drag source. */
void     bpv_network_view_install_dnd       (BpvNetworkView *self);
void     bpv_network_view_snapshot_drop_indicator (BpvNetworkView *self,
                                                   GtkSnapshot    *snapshot);
/* While the handle is dragged: the sources it could choose, the arc as a
 * drop would make it, and what the drop does. */
void     bpv_network_view_snapshot_skip_handle (BpvNetworkView *self,
                                                GtkSnapshot    *snapshot);
/* Tells the event log where the skip arcs are, and the selected one's
 * handle and the columns (window coordinates, for tests that drag it). */
void     bpv_network_view_log_skip_handle   (BpvNetworkView *self);

G_END_DECLS
