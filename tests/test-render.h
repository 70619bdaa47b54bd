/* test-render.h — what the two files of the test-render program share:
 * pixels and colours of a painted surface, the networks and passes the
 * pictures are made of, and the output tests for its main.
 * Include after <cmocka.h>.
 */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "bp-network.h"
#include "bpv-layout.h"
#include "bpv-render.h"

/* test-render.c: helpers */

/* The ARGB32 pixel of an image surface at widget point (x, y), which must
 * be inside it. */
guint32          pixel_at          (cairo_surface_t      *surface,
                                    double                x,
                                    double                y);
/* The largest difference of one 8-bit channel between two pixels. */
int              channel_diff      (guint32               a,
                                    guint32               b);
void             assert_color_impl (guint32               got,
                                    guint32               want,
                                    int                   tolerance,
                                    const char           *what,
                                    const char           *file,
                                    int                   line);
/* A layout drawn by bpv_network_render on a new image surface of its size
 * (the caller destroys it). */
cairo_surface_t *paint             (const BpvLayout      *layout,
                                    const BpvRenderState *state);
/* A network of n layers of those widths and activations, glorot weights
 * from a fixed seed (the caller frees it). */
BpNetwork       *make_net          (const gsize          *widths,
                                    gsize                 n,
                                    const char           *hidden,
                                    const char           *output);
/* A forward and backward pass over B samples that keeps every layer (the
 * caller frees the trace). */
BpTrace         *run_pass          (BpNetwork            *net,
                                    const double         *x,
                                    const double         *y,
                                    gsize                 B);
/* The tiny fixture of tests/cli/tiny.json (the caller frees it), and its
 * 3 samples' inputs and targets, 2 a sample. */
BpNetwork       *tiny_net          (void);
extern const double tiny_x[6];
extern const double tiny_y[6];
/* The widget point at fraction t along the edge from neuron k of column
 * n − 1 to neuron j of column n. */
void             edge_midpoint     (const BpvLayout      *layout,
                                    gsize                 n,
                                    gsize                 j,
                                    gsize                 k,
                                    double                t,
                                    double               *x,
                                    double               *y);

/* A pixel within 2 levels a channel of the colour wanted (cairo truncates
 * 16-bit channels). */
#define assert_color(got, want, what) \
  assert_color_impl ((got), (want), 2, (what), __FILE__, __LINE__)

/* test-render-output.c */
void test_heatmap                       (void **unused);
void test_plots                         (void **unused);
void test_plot_marker                   (void **unused);
void test_export                        (void **unused);
void test_describe_hit                  (void **unused);
void test_describe_hit_no_negative_zero (void **unused);
void test_fault_marker                  (void **unused);
void test_fault_in_export               (void **unused);
void test_describe_nonfinite            (void **unused);

/* test-render-compare.c: the compare view's plots */
void test_plot_compare_loss             (void **unused);
void test_plot_compare_marker           (void **unused);
void test_plot_compare_no_weight        (void **unused);
void test_plot_compare_grad_norms       (void **unused);

/* test-render-layers.c: skips, norm layers, dropout */
void test_skip_arc                      (void **unused);
void test_norm_column                   (void **unused);
void test_dropped_unit                  (void **unused);
void test_every_type_drawable           (void **unused);
void test_grad_norm_names               (void **unused);
void test_skip_arc_hit                  (void **unused);
void test_legend_names_gamma            (void **unused);
