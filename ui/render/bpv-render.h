/* bpv-render.h — paints a network: neurons, edges (or weight matrices),
 * labels, the forward/cost/backward/update animation, selection and
 * overlays.  GTK-free: the widget's snapshot(), the PNG/SVG/PDF export and
 * the headless tests all call bpv_network_render.
 *
 * What is shown (see the legend, bpv_network_render_legend):
 *   WEIGHTS view    edge colour = sign of W (blue −, orange +; negative
 *                   edges also dashed), width and opacity = |W|;
 *   GRADIENTS view  edge colour = sign of ∂C/∂W (net->grads, the sum the
 *                   last backward left there), width = |∂C/∂W| on a log
 *                   scale (4 decades); neuron ring = δ(n) = ∂C/∂z(n).
 *   neuron fill     a(n) of the chosen sample (diverging scale).
 *   scale           each layer normalised by its own max |value| (over the
 *                   whole traced batch) or all layers by the global one;
 *                   the input always by its own, and the fill of a layer
 *                   whose activation stays in [−1, 1] (σ, tanh, softmax)
 *                   always by 1, its natural range.
 *
 * Animation (state->phase, state->layer = n, state->t ∈ [0, 1]):
 *   FORWARD  n = 1…N  pulses travel along W(n) from a(n−1) to a(n); columns
 *                     0…n−1 are filled, a(n) fills in as the pulses land.
 *   COST              all filled; "C = …" fades in next to the output.
 *   BACKWARD n = N…1  pulses travel right to left along W(n), coloured by
 *                     ∂C/∂W(n); bundles after n show their gradients; δ
 *                     rings are shown on a(n+1)…a(N), a(n)'s fades in as
 *                     the stop begins; a(n−1)'s waits for the next stop.
 *   UPDATE            every bundle goes from old_params (if given) to the
 *                     current weights as t goes 0 → 1.
 *   IDLE              the picture at rest (rings in the GRADIENTS view).
 *
 * Highlights (state->highlights, a quiz's answer): each neuron, edge or
 * skip arc in a wide halo of the theme's accent, over the selection and
 * under the labels, so that the answer's elements stand out on a projector
 * without hiding their colours.
 *
 * Fault (state->fault, when training stopped on NaN/Inf): the value at
 * fault is marked on top of everything in the fault colour: a neuron (z, a,
 * the cost, δ, ∂C/∂b, b) by a double ring, an edge (∂C/∂W, W) by a wide
 * halo along it (a cell outline in a weight matrix), the input by a dashed
 * box around the whole input column and a ring on the input; each with a
 * badge naming the value ("NaN", "+Inf", "−Inf").
 *
 * Performance: with a BpvRenderCache the static edge layer (per bundle and
 * view) is painted once into image surfaces and blitted each frame; only
 * neurons, pulses and highlights are painted live.  The cache notices by
 * itself when the parameters or gradients changed (it hashes them), when
 * the layout, view, scale, theme or device scale changed.
 */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "bp-network.h"
#include "bpv-heatmap.h"
#include "bpv-layout.h"
#include "bpv-palette.h"

G_BEGIN_DECLS

/* Presentation mode: every label and stroke this many times larger. */
#define BPV_PRESENTATION_SCALE 1.5

typedef enum
{
  BPV_VIEW_WEIGHTS,
  BPV_VIEW_GRADIENTS,
} BpvView;

typedef enum
{
  BPV_SCALE_LAYER,    /* each layer by its own max |value| */
  BPV_SCALE_GLOBAL,   /* every layer by the largest over the network */
} BpvScale;

typedef enum
{
  BPV_PHASE_IDLE,
  BPV_PHASE_FORWARD,
  BPV_PHASE_COST,
  BPV_PHASE_BACKWARD,
  BPV_PHASE_UPDATE,
} BpvPhase;

/* Caller-owned cache of painted edge layers; one per widget. */
typedef struct _BpvRenderCache BpvRenderCache;

typedef struct
{
  const BpNetwork *net;            /* required */
  const BpTrace   *trace;          /* optional: a forward (and backward) ran on it */
  gsize            sample;         /* row of the trace shown (clamped) */
  BpvView          view;
  BpvScale         scale;
  BpvTheme         theme;

  BpvPhase         phase;
  gsize            layer;          /* n of the phase (FORWARD, BACKWARD) */
  double           t;              /* progress in [0, 1] */
  const double    *old_params;     /* UPDATE: net->n_params values before the step, or NULL */

  BpvHit           hover;          /* BPV_HIT_NONE for none */
  BpvHit           selection;
  BpvHit           path_edge;      /* an edge: emphasise every path from it to the output */
  const BpvHit    *highlights;     /* what a quiz's answer involves (borrowed, may be NULL):
                                    * neurons, edges and skip arcs, each in an accent halo */
  gsize            n_highlights;

  gboolean         show_labels;    /* headers, W(n) labels; default TRUE */
  gboolean         show_cost;      /* "C = …" from trace->loss (outside FORWARD); default TRUE */
  gboolean         show_targets;   /* y next to the outputs (trace->target); default TRUE */
  gboolean         show_values;    /* numbers inside big enough neurons; default FALSE */
  gboolean         show_derivatives; /* σ′(z) per neuron; marks saturated and dead units */
  const BpvNeuronMaps *neuron_maps;  /* optional: drawn inside hidden neurons */
  BpTrainFault     fault;          /* kind NONE: no marker (the default) */

  const char * const *output_names; /* optional, NULL-terminated: the class
                                    * of each output unit ("0"…"9", "setosa"…);
                                    * without, several outputs are "class k" */
  double           text_scale;     /* legend labels × this (presentation mode); 0 = 1.
                                    * The network's come from BpvLayoutParams */

  BpvRenderCache  *cache;          /* optional, caller-owned */
  double           device_scale;   /* device pixels per widget unit (HiDPI); 0 = 1 */
} BpvRenderState;

/* How the renderer paints one edge of value v (W or ∂C/∂W) under a
 * normaliser max_abs: exposed so that tests and legends agree with it. */
typedef struct
{
  BpvRgba  color;   /* opacity in color.a */
  double   width;   /* line width, world units */
  gboolean dashed;  /* v < 0 */
} BpvEdgeStyle;

/* Defaults: sample 0, WEIGHTS, per-layer scale, light theme, IDLE, no
 * hover/selection/path, labels, cost and targets on. */
void            bpv_render_state_init        (BpvRenderState       *state,
                                              const BpNetwork      *net,
                                              const BpTrace        *trace);

/* Paints the network as `layout` places it (zoom and pan applied), on a
 * cleared background of the theme.  Does not change `state`, only the
 * cache it points to. */
void            bpv_network_render           (cairo_t              *cr,
                                              const BpvLayout      *layout,
                                              const BpvRenderState *state);
/* The legend of the current view and scale inside `rect` (widget units,
 * no zoom): the diverging colour bar with its end values, solid/dashed
 * line key, what fill and ring mean, and the overlay marks in use. */
void            bpv_network_render_legend    (cairo_t              *cr,
                                              const BpvRenderState *state,
                                              const BpvRect        *rect);
/* The height a legend wants at `width` (one or two rows of keys). */
double          bpv_network_legend_height    (const BpvRenderState *state,
                                              double                width);
/* How a canvas of width × height is shared: the legend's height at the
 * bottom (the network gets the rest), as the app's canvas does it. */
double          bpv_network_canvas_legend_height (const BpvRenderState *state,
                                                  double                width,
                                                  double                height);

/* A whole picture for export: background, title line (model name may be
 * NULL), the network fitted into the rest, the legend at the bottom.  The
 * layout is made inside from `params` (its width/height are overridden). */
void            bpv_network_render_page      (cairo_t               *cr,
                                              const BpvRenderState  *state,
                                              const BpvLayoutParams *params,
                                              const char            *title,
                                              double                 width,
                                              double                 height);

BpvEdgeStyle    bpv_render_edge_style        (BpvView               view,
                                              BpvTheme              theme,
                                              double                v,
                                              double                max_abs);
/* The fill of a neuron of activation a under normaliser max_abs. */
BpvRgba         bpv_render_neuron_fill       (BpvTheme              theme,
                                              double                a,
                                              double                max_abs);
/* The normaliser the renderer uses for the edges of W(n) (n ≥ 1) or for
 * the neurons of a(n) (n ≥ 0, needs a trace; 0 without) in `state`. */
double          bpv_render_edge_max          (const BpvRenderState *state,
                                              gsize                 layer);
double          bpv_render_neuron_max        (const BpvRenderState *state,
                                              gsize                 layer);

/* What the edges of W(n) show at this stop, the painter's own decision:
 * state->view, except that during the backward pass the layers it has
 * passed (n ≥ state->layer) show ∂C/∂W and the others W, and that the
 * update shows the weights moving.  The legend's caption follows it. */
BpvView         bpv_render_bundle_view       (const BpvRenderState *state,
                                              gsize                 layer);
/* Has this stop computed a(n) and z(n)?  In the forward pass at n: for
 * 0…n−1, and n once its pulses have landed (t = 1); else yes.  FALSE
 * without a trace. */
gboolean        bpv_render_forward_known     (const BpvRenderState *state,
                                              gsize                 layer);
/* Has this stop computed δ(n) (n ≥ 1)?  During the backward pass at n:
 * for n…N, as the stepper's bpv_stepper_backward_known; at rest and at the
 * update: yes; in the forward pass and at the cost: no.  FALSE without a
 * trace.  Tooltips say "?" where it is FALSE. */
gboolean        bpv_render_delta_known       (const BpvRenderState *state,
                                              gsize                 layer);
/* How visible the δ rings of column n are (0: none drawn): only where
 * δ(n) is known, during the backward pass or in the gradients view. */
double          bpv_render_ring_alpha        (const BpvRenderState *state,
                                              gsize                 layer);
/* The legend's first item, e.g. "W(1)–W(2) weights, ∂C/∂W(3) gradients
 * (log |·|) · scaled per layer".  Free with g_free. */
char           *bpv_render_legend_caption    (const BpvRenderState *state);

/* What the canvas's "C = …" is, e.g. "mse · this sample" (a trace of one
 * row), "mse · mean over this batch of 8", with " · before the step" at the
 * update; its value in *value.  NULL when no cost is shown (no trace, or
 * not finite).  Free with g_free. */
char           *bpv_render_cost_caption      (const BpvRenderState *state,
                                              double               *value);

/* Where a fault is marked and selected: the neuron a(n)_j (n = 0 for the
 * input) or, for a weight or its gradient, the edge W(n)_jk.  FALSE for
 * kind NONE. */
gboolean        bpv_render_fault_hit         (const BpTrainFault   *fault,
                                              BpvHit               *hit);

/* One line describing a hit for a tooltip, e.g.
 * "W(2)₁,₃ = −0.412   ∂C/∂W = 0.0031" or "a(1)₂ = 0.73   z = 0.93   δ = …".
 * NULL for BPV_HIT_NONE.  Free with g_free. */
char           *bpv_render_describe_hit      (const BpvRenderState *state,
                                              const BpvHit         *hit);

/* What the bundle into a(n) shows, for captions: "W" (dense), "γ" (batch
 * or layer norm) or "mask" (dropout).  Static. */
const char     *bpv_render_layer_symbol      (const BpLayer        *layer);

BpvRenderCache *bpv_render_cache_new         (void);
void            bpv_render_cache_free        (BpvRenderCache       *cache);
/* Paints ahead of time every cached layer the animation of the current
 * step will need (weights, gradients, and the old weights when
 * state->old_params is set), so that no frame pays for it at a phase
 * change.  Call after a training step, e.g. from an idle callback; cheap
 * when nothing changed. */
void            bpv_render_cache_prepare     (BpvRenderCache       *cache,
                                              const BpvLayout      *layout,
                                              const BpvRenderState *state);
/* Drops every painted layer (e.g. when memory matters). */
void            bpv_render_cache_invalidate  (BpvRenderCache       *cache);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BpvRenderCache, bpv_render_cache_free)

G_END_DECLS
