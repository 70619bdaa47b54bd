/* bench-render.c — how long the drawing layer takes, against its targets
 * (software cairo, one core, 1920×1080):
 *
 *   animation frame of a teaching network (≤ ~500 edges)   ≤ 16 ms
 *   frame of 784-128-64-10 while training (new W each frame) ≤ 33 ms
 *   200×200 decision map, 2-8-8-1                            ≤ 4 ms
 *   200×200 decision map, 2-64-64-64-1                       ≤ 16 ms
 *
 * Frames are painted exactly as the app's snapshot() would: through a
 * BpvRenderCache, into a 1920×1080 ARGB32 image surface.  Each figure is
 * the mean over the frames after a warm-up, with the worst frame beside it.
 * Run with `meson test --benchmark -C BUILD bench-render` (OPENBLAS_NUM_THREADS=1).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bp-network.h"
#include "bp-rng.h"
#include "bpv-heatmap.h"
#include "bpv-layout.h"
#include "bpv-render.h"

#define WIDTH  1920
#define HEIGHT 1080

static int failures;

static BpNetwork *
make_net (const gsize *widths,
          gsize        n,
          const char  *hidden,
          const char  *output,
          guint64      seed)
{
  BpNetwork *net = bp_network_new (widths[0], NULL);
  BpRng rng;

  for (gsize i = 1; i < n; i++)
    bp_network_add_layer (net, widths[i], i + 1 == n ? output : hidden, NULL, NULL);
  bp_rng_init (&rng, seed);
  bp_network_init_weights (net, BP_INIT_GLOROT_UNIFORM, &rng);
  return net;
}

static BpTrace *
make_trace (BpNetwork *net,
            gsize      B,
            guint64    seed)
{
  BpTrace *trace = bp_trace_new (net, B);
  gsize n_out = bp_network_n_outputs (net);
  g_autofree double *x = g_new (double, B * net->n_inputs);
  g_autofree double *y = g_new0 (double, B * n_out);
  BpRng rng;

  bp_rng_init (&rng, seed);
  for (gsize i = 0; i < B * net->n_inputs; i++)
    x[i] = bp_rng_uniform (&rng) * 2 - 1;
  for (gsize s = 0; s < B; s++)
    y[s * n_out + s % n_out] = 1;
  trace->keep = TRUE;
  bp_network_gradients (net, trace, x, y, B);
  return trace;
}

static void
report (const char *what,
        double      mean_ms,
        double      worst_ms,
        double      target_ms)
{
  gboolean ok = mean_ms <= target_ms;

  printf ("%-58s %8.2f ms  (worst %7.2f)  target ≤ %4.0f ms  %s\n",
          what, mean_ms, worst_ms, target_ms, ok ? "OK" : "OVER");
  if (!ok)
    failures++;
}

typedef void (*FrameFunc) (BpvRenderState *state, guint frame, gpointer data);

/* Paints n frames (after `warm` unmeasured ones); frame() sets the state. */
static void
time_frames (const char      *what,
             BpvLayout       *layout,
             BpvRenderState  *state,
             guint            warm,
             guint            n,
             FrameFunc        frame,
             gpointer         data,
             double           target_ms)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, WIDTH, HEIGHT);
  double total = 0, worst = 0;

  for (guint i = 0; i < warm + n; i++)
    {
      cairo_t *cr = cairo_create (surface);
      gint64 t0, t1;

      frame (state, i, data);
      t0 = g_get_monotonic_time ();
      bpv_network_render (cr, layout, state);
      cairo_surface_flush (surface);
      t1 = g_get_monotonic_time ();
      cairo_destroy (cr);
      if (i >= warm)
        {
          double ms = (double) (t1 - t0) / 1000.0;

          total += ms;
          worst = MAX (worst, ms);
        }
    }
  cairo_surface_destroy (surface);
  report (what, total / n, worst, target_ms);
}

/* One full animation cycle of a step, 60 frames per phase segment:
 * forward through every layer, cost, backward, update. */
typedef struct
{
  gsize            n_layers;
  const double    *old_params;
  const BpvLayout *layout;
  BpvRenderCache  *cache;
  double           prepare_ms;
} Cycle;

static void
animate (BpvRenderState *state,
         guint           frame,
         gpointer        data)
{
  Cycle *c = data;
  guint per = 30, segments = (guint) (2 * c->n_layers + 2);

  /* After the step, before its animation: what the app does on idle. */
  if (frame == 0)
    {
      gint64 t0 = g_get_monotonic_time ();

      state->old_params = c->old_params;
      bpv_render_cache_prepare (c->cache, c->layout, state);
      c->prepare_ms = (double) (g_get_monotonic_time () - t0) / 1000.0;
    }
  guint seg = (frame / per) % segments;
  double t = (double) (frame % per) / per;

  state->t = t;
  state->old_params = NULL;
  if (seg < c->n_layers)
    {
      state->phase = BPV_PHASE_FORWARD;
      state->layer = seg + 1;
    }
  else if (seg == c->n_layers)
    state->phase = BPV_PHASE_COST;
  else if (seg < 2 * c->n_layers + 1)
    {
      state->phase = BPV_PHASE_BACKWARD;
      state->layer = c->n_layers - (seg - c->n_layers - 1);
    }
  else
    {
      state->phase = BPV_PHASE_UPDATE;
      state->old_params = c->old_params;
    }
  /* A hovered neuron moving around, as under a pointer. */
  state->hover = (BpvHit) { BPV_HIT_NEURON, 1 + frame / 17 % c->n_layers, frame / 5 % 4, 0 };
}

typedef struct
{
  BpNetwork *net;
  BpRng      rng;
} Training;

/* New weights every frame, as while training: the cached matrices are
 * repainted each time. */
static void
train_frame (BpvRenderState *state,
             guint           frame,
             gpointer        data)
{
  Training *tr = data;

  for (gsize i = 0; i < tr->net->n_params; i++)
    {
      tr->net->params[i] += 1e-3 * (bp_rng_uniform (&tr->rng) - 0.5);
      tr->net->grads[i] *= 0.9 + 0.2 * bp_rng_uniform (&tr->rng);
    }
  state->hover = (BpvHit) { BPV_HIT_NEURON, 1, frame % 4, 0 };
}

static void
bench_animation (const char  *name,
                 const gsize *widths,
                 gsize        n)
{
  g_autoptr(BpNetwork) net = make_net (widths, n, "tanh", "sigmoid", 1);
  g_autoptr(BpTrace) trace = make_trace (net, 8, 2);
  g_autoptr(BpvRenderCache) cache = bpv_render_cache_new ();
  g_autoptr(BpvLayout) layout = NULL;
  g_autofree double *old = g_memdup2 (net->params, net->n_params * sizeof (double));
  BpvLayoutParams params;
  BpvRenderState state;
  Cycle cycle;
  g_autofree char *what = NULL;
  gsize edges = 0;

  for (gsize l = 0; l < net->n_layers; l++)
    edges += net->layers[l].in * net->layers[l].out;
  /* The update phase shows a real step's change. */
  for (gsize i = 0; i < net->n_params; i++)
    net->params[i] -= 0.5 * net->grads[i];

  bpv_layout_params_init (&params, WIDTH, HEIGHT);
  layout = bpv_layout_new (net, &params);
  bpv_render_state_init (&state, net, trace);
  state.cache = cache;
  cycle.n_layers = net->n_layers;
  cycle.old_params = old;
  cycle.layout = layout;
  cycle.cache = cache;
  what = g_strdup_printf ("frame, %s (%" G_GSIZE_FORMAT " edges), animated step", name, edges);
  time_frames (what, layout, &state, 0, (guint) (30 * (2 * n + 2)), animate, &cycle, 16);
  printf ("%-58s %8.2f ms\n", "  … preparing the cache after the step (once, on idle)", cycle.prepare_ms);

  /* Training at full speed: new weights for every frame, no animation. */
  {
    Training tr;

    tr.net = net;
    bp_rng_init (&tr.rng, 9);
    state.phase = BPV_PHASE_IDLE;
    state.old_params = NULL;
    g_free (what);
    what = g_strdup_printf ("frame, %s, weights change every frame", name);
    time_frames (what, layout, &state, 3, 30, train_frame, &tr, 33);
  }
}

static void
static_frame (BpvRenderState *state,
              guint           frame,
              gpointer        data)
{
  state->hover = (BpvHit) { BPV_HIT_EDGE, 1 + frame % 3, frame % 10, frame % 64 };
}

static void
bench_mnist (void)
{
  const gsize widths[] = { 784, 128, 64, 10 };
  g_autoptr(BpNetwork) net = make_net (widths, 4, "relu", "softmax", 3);
  g_autoptr(BpTrace) trace = make_trace (net, 32, 4);
  g_autoptr(BpvRenderCache) cache = bpv_render_cache_new ();
  g_autoptr(BpvLayout) layout = NULL;
  BpvLayoutParams params;
  BpvRenderState state;
  Training tr;

  bpv_layout_params_init (&params, WIDTH, HEIGHT);
  params.input_image_width = params.input_image_height = 28;
  layout = bpv_layout_new (net, &params);
  bpv_render_state_init (&state, net, trace);
  state.cache = cache;
  tr.net = net;
  bp_rng_init (&tr.rng, 5);
  time_frames ("frame, 784-128-64-10, weights change every frame", layout, &state,
               5, 60, train_frame, &tr, 33);
  state.view = BPV_VIEW_GRADIENTS;
  time_frames ("frame, 784-128-64-10, gradients view, new ∂C/∂W every frame", layout, &state,
               5, 60, train_frame, &tr, 33);
  state.view = BPV_VIEW_WEIGHTS;
  time_frames ("frame, 784-128-64-10, static weights (cached)", layout, &state,
               5, 60, static_frame, NULL, 33);
}

static void
bench_heatmap (const char  *name,
               const gsize *widths,
               gsize        n,
               double       target_ms)
{
  g_autoptr(BpNetwork) net = make_net (widths, n, "tanh", "sigmoid", 7);
  g_autoptr(BpvDecisionMap) map = bpv_decision_map_new (200, 200);
  g_autoptr(BpvNeuronMaps) maps = bpv_neuron_maps_new (net, 24);
  g_autoptr(BpTrace) trace = bp_trace_new (net, BPV_HEATMAP_BATCH);
  BpvPlane plane = { -1.5, 1.5, -1.5, 1.5 };
  double total = 0, worst = 0, total_maps = 0, total_draw = 0;
  guint warm = 3, runs = 30;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 800, 800);
  BpvRect rect = { 0, 0, 800, 800 };
  g_autofree char *what = NULL;

  for (guint i = 0; i < warm + runs; i++)
    {
      gint64 t0 = g_get_monotonic_time (), t1, t2, t3;
      cairo_t *cr;

      bpv_heatmap_compute (net, &plane, map, NULL, trace);
      t1 = g_get_monotonic_time ();
      bpv_heatmap_compute (net, &plane, map, maps, trace);
      t2 = g_get_monotonic_time ();
      cr = cairo_create (surface);
      bpv_decision_map_render (cr, &rect, map, NULL, NULL, NULL);
      cairo_destroy (cr);
      t3 = g_get_monotonic_time ();
      if (i >= warm)
        {
          total += (double) (t1 - t0) / 1000.0;
          worst = MAX (worst, (double) (t1 - t0) / 1000.0);
          total_maps += (double) (t2 - t1) / 1000.0;
          total_draw += (double) (t3 - t2) / 1000.0;
        }
    }
  cairo_surface_destroy (surface);
  what = g_strdup_printf ("decision map 200×200, %s", name);
  report (what, total / runs, worst, target_ms);
  printf ("  … %" G_GSIZE_FORMAT " of %d points through the network (output %.3f … %.3f)\n",
          map->n_evaluated, 200 * 200, map->v_min, map->v_max);
  printf ("%-58s %8.2f ms\n", "  … with the 24×24 neuron maps in the same pass", total_maps / runs);
  printf ("%-58s %8.2f ms\n", "  … drawing it at 800×800 (no points)", total_draw / runs);
}

int
main (void)
{
  const gsize small[] = { 2, 8, 8, 1 };
  const gsize teaching[] = { 2, 16, 16, 12, 1 };
  const gsize deep[] = { 2, 64, 64, 64, 1 };

  printf ("bench-render: software cairo %s, one thread, %d×%d ARGB32\n",
          cairo_version_string (), WIDTH, HEIGHT);
  /* Load the fonts before timing anything. */
  {
    g_autoptr(BpNetwork) net = make_net (small, 4, "tanh", "sigmoid", 1);
    g_autoptr(BpvLayout) layout = NULL;
    cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 64, 64);
    cairo_t *cr = cairo_create (s);
    BpvLayoutParams params;
    BpvRenderState state;

    bpv_layout_params_init (&params, 64, 64);
    layout = bpv_layout_new (net, &params);
    bpv_render_state_init (&state, net, NULL);
    bpv_network_render (cr, layout, &state);
    cairo_destroy (cr);
    cairo_surface_destroy (s);
  }

  bench_animation ("2-8-8-1", small, 4);
  bench_animation ("2-16-16-12-1", teaching, 5);
  bench_mnist ();
  bench_heatmap ("2-8-8-1", small, 4, 4);
  bench_heatmap ("2-64-64-64-1", deep, 5, 16);

  if (failures > 0)
    printf ("%d figure%s over target\n", failures, failures == 1 ? "" : "s");
  return 0;
}
