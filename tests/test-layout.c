/* test-layout.c — is every shipped example readable on a projector?
 *
 * Each example of data/examples/ (and the built-in default experiment) is
 * painted at the sizes its panels have in a 1920×1080 window, in normal
 * mode and in presentation mode, by the app's own drawing code, and the
 * labels it drew (bpv_text_record_labels: the very boxes painting used)
 * are checked:
 *   - none is smaller than 11 pt (BPV_TEXT_MIN_SIZE, 14.7 px) in normal
 *     mode, nor than 1.5 × that in presentation mode;
 *   - none leaves the canvas or is cut by the clip of its panel;
 *   - no two overlap;
 *   - the outputs of a classifier carry their class names ("0"…"9",
 *     "setosa"…), the input units show their values, the cost is shown.
 * No display: cairo image surfaces only.
 */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <glib/gstdio.h>

#include "bp-dataset.h"
#include "bp-model.h"
#include "bp-network.h"
#include "bpv-heatmap.h"
#include "bpv-plot.h"
#include "bpv-render.h"
#include "bpv-text.h"

/* The panels of the window at 1920×1080 (measured with the app under
 * Xvfb: BACKPROP_STUDIO_TRACE_EVENTS=1 prints CANVAS …), widget units. */
typedef struct
{
  const char *mode;
  double      scale;         /* text scale */
  double      canvas_w, canvas_h;
  double      plot_w, plot_h; /* one of the four plots; 0: hidden */
} Screen;

static const Screen screens[] = {
  { "normal", 1.0, 847, 632, 277, 202 },
  { "presentation", BPV_PRESENTATION_SCALE, 1499, 795, 0, 0 },
  /* The same with the example's explanation closed (or none, as for the
   * default experiment). */
  { "normal without explanation", 1.0, 847, 694, 277, 202 },
  { "presentation without explanation", BPV_PRESENTATION_SCALE, 1499, 857, 0, 0 },
};

/* Allowances for the rounding of text extents. */
#define OVERLAP_SLACK 0.5
#define CLIP_SLACK    0.5
/* Batch norm in training mode needs a batch: the first rows, this many. */
#define NORM_BATCH    8

typedef struct
{
  char      *name;
  BpModel   *model;
  BpDataset *dataset;
  BpTrace   *trace;
} Example;

static void
example_free (Example *ex)
{
  g_free (ex->name);
  g_clear_pointer (&ex->trace, bp_trace_free);
  g_clear_pointer (&ex->dataset, bp_dataset_free);
  g_clear_pointer (&ex->model, bp_model_free);
}

/* The model, its dataset and one traced sample (the first row), as step
 * mode shows it. */
static void
example_load (Example    *ex,
              const char *path)
{
  g_autoptr(GError) error = NULL;
  BpNetwork *net;
  gsize B;

  memset (ex, 0, sizeof *ex);
  if (path == NULL)
    {
      ex->name = g_strdup ("default");
      ex->model = bp_model_new_default ();
    }
  else
    {
      ex->name = g_path_get_basename (path);
      ex->model = bp_model_load_file (path, NULL, &error);
    }
  assert_non_null (ex->model);
  assert_non_null (ex->model->dataset);
  ex->dataset = bp_dataset_open (ex->model->dataset, ex->model->dataset_rows,
                                 ex->model->dataset_noise, ex->model->seed, &error);
  if (ex->dataset == NULL)
    fail_msg ("%s: %s", ex->name, error->message);
  if (path == NULL)
    assert_true (bp_model_fit_to_data (ex->model, ex->dataset->n_features, ex->dataset->n_targets,
                                       ex->dataset->task, &error));
  net = ex->model->network;
  assert_int_equal (net->n_inputs, ex->dataset->n_features);
  /* One sample, or as many as batch norm needs in training mode. */
  B = bp_network_check_batch (net, 1, NULL) ? 1 : MIN (ex->dataset->n_rows, NORM_BATCH);
  ex->trace = bp_trace_new (net, B);
  ex->trace->keep = TRUE;
  bp_network_gradients (net, ex->trace, ex->dataset->X, ex->dataset->Y, B);
}

static GPtrArray *
example_paths (void)
{
  const char *src = g_getenv ("BACKPROP_SOURCE_DIR");
  g_autofree char *dir = g_build_filename (src != NULL ? src : ".", "data", "examples", NULL);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  assert_non_null (d);
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".bpmodel.json"))
      g_ptr_array_add (paths, g_build_filename (dir, name, NULL));
  g_ptr_array_sort (paths, (GCompareFunc) g_strcmp0);
  assert_true (paths->len >= 7);
  return paths;
}

/* Networks with every layer type beyond dense (issue 13), until examples
 * of each ship: a deep sigmoid net on the moons with skips, with batch
 * norm and layer norm, and with dropout.  Written to a new temporary
 * folder; the caller removes the files and the folder. */
static const char *const layer_models[][2] = {
  { "layers-skips.bpmodel.json",
    "{\"format\": \"backprop-model/1\", \"name\": \"Deep sigmoid with skips\", \"seed\": 9,"
    " \"layers\": [{\"in\": 2, \"out\": 6, \"activation\": \"sigmoid\"},"
    " {\"in\": 6, \"out\": 6, \"activation\": \"sigmoid\"},"
    " {\"in\": 6, \"out\": 6, \"activation\": \"sigmoid\", \"skip_from\": 1},"
    " {\"in\": 6, \"out\": 6, \"activation\": \"sigmoid\"},"
    " {\"in\": 6, \"out\": 6, \"activation\": \"sigmoid\", \"skip_from\": 3},"
    " {\"in\": 6, \"out\": 6, \"activation\": \"sigmoid\", \"skip_from\": 2},"
    " {\"in\": 6, \"out\": 1, \"activation\": \"sigmoid\"}],"
    " \"cost\": \"bce\", \"dataset\": {\"name\": \"moons\", \"rows\": 200}}" },
  { "layers-norm.bpmodel.json",
    "{\"format\": \"backprop-model/1\", \"name\": \"Deep sigmoid with batch norm\", \"seed\": 9,"
    " \"layers\": [{\"in\": 2, \"out\": 6, \"activation\": \"linear\"},"
    " {\"type\": \"batchnorm\", \"in\": 6, \"out\": 6, \"activation\": \"sigmoid\"},"
    " {\"in\": 6, \"out\": 6, \"activation\": \"linear\"},"
    " {\"type\": \"layernorm\", \"in\": 6, \"out\": 6, \"activation\": \"sigmoid\"},"
    " {\"in\": 6, \"out\": 1, \"activation\": \"sigmoid\"}],"
    " \"cost\": \"bce\", \"dataset\": {\"name\": \"moons\", \"rows\": 200}}" },
  { "layers-dropout.bpmodel.json",
    "{\"format\": \"backprop-model/1\", \"name\": \"Dropout\", \"seed\": 9,"
    " \"layers\": [{\"in\": 2, \"out\": 24, \"activation\": \"relu\"},"
    " {\"type\": \"dropout\", \"in\": 24, \"out\": 24, \"p\": 0.5},"
    " {\"in\": 24, \"out\": 1, \"activation\": \"sigmoid\"}],"
    " \"cost\": \"bce\", \"dataset\": {\"name\": \"moons\", \"rows\": 200}}" },
};

static char *
write_layer_models (GPtrArray *paths)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("test-layout-XXXXXX", &error);

  assert_non_null (dir);
  for (gsize i = 0; i < G_N_ELEMENTS (layer_models); i++)
    {
      char *path = g_build_filename (dir, layer_models[i][0], NULL);

      assert_true (g_file_set_contents (path, layer_models[i][1], -1, &error));
      g_ptr_array_add (paths, path);
    }
  return dir;
}

typedef void (*ExampleCheck) (Example  *ex,
                              gpointer  data);

/* Runs `check` on each example of data/examples/, on the networks of
 * layer_models, then on the built-in default experiment, each loaded just
 * for it (example_load). */
static void
each_example (ExampleCheck check,
              gpointer     data)
{
  g_autoptr(GPtrArray) paths = example_paths ();
  guint shipped = paths->len;
  g_autofree char *tmp = write_layer_models (paths);

  for (guint e = 0; e <= paths->len; e++)
    {
      Example ex;

      example_load (&ex, e < paths->len ? g_ptr_array_index (paths, e) : NULL);
      check (&ex, data);
      example_free (&ex);
    }
  for (guint e = shipped; e < paths->len; e++)
    g_remove (g_ptr_array_index (paths, e));
  g_rmdir (tmp);
}

/* ------------------------------------------------------------ the checks */

static gboolean
inside (const BpvRect *in,
        const BpvRect *out,
        double         slack)
{
  return in->x >= out->x - slack && in->y >= out->y - slack
         && in->x + in->width <= out->x + out->width + slack
         && in->y + in->height <= out->y + out->height + slack;
}

static gboolean
overlap (const BpvRect *a,
         const BpvRect *b)
{
  return a->x + OVERLAP_SLACK < b->x + b->width && b->x + OVERLAP_SLACK < a->x + a->width
         && a->y + OVERLAP_SLACK < b->y + b->height && b->y + OVERLAP_SLACK < a->y + a->height;
}

/* Sizes, clipping and overlaps of the labels of one picture; returns the
 * number of problems (each printed). */
static int
check_labels (const char    *what,
              GArray        *labels,
              const BpvRect *bounds,
              double         min_size)
{
  int problems = 0;

  for (guint i = 0; i < labels->len; i++)
    {
      const BpvLabel *l = &g_array_index (labels, BpvLabel, i);

      if (l->size < min_size - 1e-6)
        {
          print_message ("%s: \"%s\" is %.1f px, below %.1f\n", what, l->text, l->size, min_size);
          problems++;
        }
      if (!inside (&l->rect, bounds, CLIP_SLACK) || !inside (&l->rect, &l->clip, CLIP_SLACK))
        {
          print_message ("%s: \"%s\" at %.0f,%.0f %.0f×%.0f is clipped (panel %.0f,%.0f %.0f×%.0f)\n",
                         what, l->text, l->rect.x, l->rect.y, l->rect.width, l->rect.height,
                         l->clip.x, l->clip.y, l->clip.width, l->clip.height);
          problems++;
        }
      for (guint j = 0; j < i; j++)
        {
          const BpvLabel *m = &g_array_index (labels, BpvLabel, j);

          if (overlap (&l->rect, &m->rect))
            {
              print_message ("%s: \"%s\" overlaps \"%s\"\n", what, l->text, m->text);
              problems++;
            }
        }
    }
  return problems;
}

static gboolean
has_label_starting (GArray     *labels,
                    const char *prefix)
{
  for (guint i = 0; i < labels->len; i++)
    if (g_str_has_prefix (g_array_index (labels, BpvLabel, i).text, prefix))
      return TRUE;
  return FALSE;
}

typedef enum
{
  STOP_IDLE,
  STOP_COST,
  STOP_COST_SIGMA,  /* the cost with the σ′ overlay */
  STOP_BACKWARD,
  STOP_GRADIENTS,   /* gradient view, global scale, σ′ overlay, values in the neurons */
  N_STOPS
} Stop;

static const char *const stop_names[] = { "idle", "cost", "cost+σ′", "backward", "gradients+σ′+global+values" };

/* The canvas (network and legend) of `ex` on `screen` at `stop`. */
static GArray *
paint_canvas_layout (Example      *ex,
                     const Screen *screen,
                     Stop          stop,
                     BpvLayout   **layout_out)
{
  BpNetwork *net = ex->model->network;
  cairo_surface_t *surface;
  cairo_t *cr;
  BpvRenderState state;
  BpvLayoutParams params;
  g_autoptr(BpvLayout) layout = NULL;
  GArray *labels = bpv_label_list_new ();
  double legend_h;
  BpvRect legend;

  bpv_render_state_init (&state, net, ex->trace);
  state.text_scale = screen->scale;
  if (ex->dataset->task == BP_TASK_MULTICLASS)
    state.output_names = (const char * const *) ex->dataset->target_names;
  switch (stop)
    {
    case STOP_COST:
    case STOP_COST_SIGMA:
      state.phase = BPV_PHASE_COST;
      state.layer = net->n_layers;
      state.show_derivatives = stop == STOP_COST_SIGMA;
      break;
    case STOP_BACKWARD:
      state.phase = BPV_PHASE_BACKWARD;
      state.layer = 1;
      break;
    case STOP_GRADIENTS:
      state.view = BPV_VIEW_GRADIENTS;
      state.scale = BPV_SCALE_GLOBAL;
      state.show_derivatives = TRUE;
      state.show_values = TRUE;
      break;
    case STOP_IDLE:
    case N_STOPS:
    default:
      break;
    }

  legend_h = bpv_network_canvas_legend_height (&state, screen->canvas_w, screen->canvas_h);
  bpv_layout_params_init (&params, screen->canvas_w, screen->canvas_h - legend_h);
  params.text_scale = screen->scale;
  if (net->n_inputs == 64)
    params.input_image_width = params.input_image_height = 8;
  layout = bpv_layout_new (net, &params);

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) screen->canvas_w,
                                        (int) screen->canvas_h);
  cr = cairo_create (surface);
  bpv_text_record_labels (cr, labels);
  bpv_network_render (cr, layout, &state);
  legend = (BpvRect) { 0, screen->canvas_h - legend_h, screen->canvas_w, legend_h };
  cairo_identity_matrix (cr);
  cairo_reset_clip (cr);
  bpv_network_render_legend (cr, &state, &legend);
  assert_int_equal (cairo_status (cr), CAIRO_STATUS_SUCCESS);
  if (g_getenv ("TEST_LAYOUT_PNG_DIR") != NULL)
    {
      g_autofree char *file = g_strdup_printf ("%s/%s-%s-%d.png", g_getenv ("TEST_LAYOUT_PNG_DIR"),
                                               ex->name, screen->mode, (int) stop);

      cairo_surface_write_to_png (surface, file);
    }
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  if (layout_out != NULL)
    *layout_out = g_steal_pointer (&layout);
  return labels;
}

static GArray *
paint_canvas (Example      *ex,
              const Screen *screen,
              Stop          stop)
{
  return paint_canvas_layout (ex, screen, stop, NULL);
}

/* Does segment (x0, y0)–(x1, y1) pass through `r`? */
static gboolean
segment_crosses (double         x0,
                 double         y0,
                 double         x1,
                 double         y1,
                 const BpvRect *r)
{
  /* Sampled finely enough for label-sized boxes. */
  for (int i = 0; i <= 400; i++)
    {
      double t = i / 400.0, x = x0 + t * (x1 - x0), y = y0 + t * (y1 - y0);

      if (x > r->x && x < r->x + r->width && y > r->y && y < r->y + r->height)
        return TRUE;
    }
  return FALSE;
}

/* "C = …" where no edge into the output runs under it, and a network
 * that uses the height of its canvas (deep-sigmoid was squeezed into a
 * quarter of it). */
static void
cost_clear_and_height_used_in (Example  *ex,
                               gpointer  data)
{
  for (gsize s = 0; s < G_N_ELEMENTS (screens); s++)
    {
      g_autoptr(BpvLayout) layout = NULL;
      g_autoptr(GArray) labels = paint_canvas_layout (ex, &screens[s], STOP_COST, &layout);
      gsize N = layout->n_columns - 1;
      const BpvBundle *b = &layout->bundles[N];
      const BpvColumn *l = &layout->columns[N - 1], *r = &layout->columns[N];
      double tallest = 0, room;

      for (guint i = 0; i < labels->len; i++)
        {
          const BpvLabel *c = &g_array_index (labels, BpvLabel, i);

          if (!g_str_has_prefix (c->text, "C = "))
            continue;
          if (b->kind == BPV_BUNDLE_MATRIX)
            {
              if (c->rect.x < b->matrix.x + b->matrix.width && b->matrix.x < c->rect.x + c->rect.width
                  && c->rect.y < b->matrix.y + b->matrix.height && b->matrix.y < c->rect.y + c->rect.height)
                fail_msg ("%s, %s: the cost is drawn over W(%zu)", ex->name, screens[s].mode, N);
            }
          else
            for (gsize j = 0; j < b->rows; j++)
              for (gsize k = 0; k < b->cols; k++)
                if (segment_crosses (l->ux[k], l->uy[k], r->ux[j], r->uy[j], &c->rect))
                  fail_msg ("%s, %s: the edge W(%zu)%zu,%zu crosses \"%s\"", ex->name,
                            screens[s].mode, N, j + 1, k + 1, c->text);
        }
      for (gsize n = 0; n <= N; n++)
        if (layout->columns[n].n_units >= 6)
          tallest = MAX (tallest, layout->columns[n].bounds.height);
      room = layout->params.height - layout->columns[0].header.height;
      if (tallest > 0 && tallest < 0.55 * room)
        fail_msg ("%s, %s: the network is %.0f px tall in %.0f px", ex->name, screens[s].mode,
                  tallest, room);
    }
}

static void
test_cost_clear_and_height_used (void **unused)
{
  (void) unused;
  each_example (cost_clear_and_height_used_in, NULL);
}

static void
canvas_readable_in (Example  *ex,
                    gpointer  data)
{
  int *problems = data;

  for (gsize s = 0; s < G_N_ELEMENTS (screens); s++)
    for (int stop = 0; stop < N_STOPS; stop++)
      {
        g_autoptr(GArray) labels = paint_canvas (ex, &screens[s], (Stop) stop);
        g_autofree char *what = g_strdup_printf ("%s, %s, %s", ex->name, screens[s].mode,
                                                 stop_names[stop]);
        BpvRect bounds = { 0, 0, screens[s].canvas_w, screens[s].canvas_h };

        double smallest = G_MAXDOUBLE;

        assert_true (labels->len > 0);
        for (guint i = 0; i < labels->len; i++)
          smallest = MIN (smallest, g_array_index (labels, BpvLabel, i).size);
        if (stop == STOP_COST_SIGMA)
          print_message ("%s: %u labels, the smallest %.1f px\n", what, labels->len, smallest);
        *problems += check_labels (what, labels, &bounds, BPV_TEXT_MIN_SIZE * screens[s].scale);
      }
}

static void
test_canvas_readable (void **unused)
{
  int problems = 0;

  (void) unused;
  each_example (canvas_readable_in, &problems);
  assert_int_equal (problems, 0);
}

/* Presentation mode draws at least 1.5 × as large as normal mode, strokes
 * too (they follow the layout's font size). */
static void
presentation_larger_in (Example  *ex,
                        gpointer  data)
{
  double font[2], smallest[2];

  for (gsize s = 0; s < 2; s++)
    {
      BpvLayoutParams params;
      g_autoptr(BpvLayout) layout = NULL;
      g_autoptr(GArray) labels = paint_canvas (ex, &screens[s], STOP_COST);

      bpv_layout_params_init (&params, screens[s].canvas_w, screens[s].canvas_h);
      params.text_scale = screens[s].scale;
      layout = bpv_layout_new (ex->model->network, &params);
      font[s] = layout->font_size;
      smallest[s] = G_MAXDOUBLE;
      for (guint i = 0; i < labels->len; i++)
        smallest[s] = MIN (smallest[s], g_array_index (labels, BpvLabel, i).size);
    }
  if (font[1] < 1.5 * font[0] - 1e-9 || smallest[1] < 1.5 * smallest[0] - 1e-9)
    fail_msg ("%s: presentation font %.1f (smallest label %.1f) vs normal %.1f (%.1f)",
              ex->name, font[1], smallest[1], font[0], smallest[0]);
}

static void
test_presentation_larger (void **unused)
{
  (void) unused;
  each_example (presentation_larger_in, NULL);
}

/* The legend keeps its height when G switches to the gradients (whose
 * legend has the δ ring), so the network does not jump under the pointer. */
static void
network_stays_put_in (Example  *ex,
                      gpointer  data)
{
  for (gsize s = 0; s < G_N_ELEMENTS (screens); s++)
    {
      BpvRenderState state;
      double weights, gradients;

      bpv_render_state_init (&state, ex->model->network, ex->trace);
      state.text_scale = screens[s].scale;
      weights = bpv_network_canvas_legend_height (&state, screens[s].canvas_w, screens[s].canvas_h);
      state.view = BPV_VIEW_GRADIENTS;
      gradients = bpv_network_canvas_legend_height (&state, screens[s].canvas_w, screens[s].canvas_h);
      if (weights != gradients)
        fail_msg ("%s, %s: the legend is %.0f px in the weights view, %.0f px with gradients",
                  ex->name, screens[s].mode, weights, gradients);
    }
}

static void
test_network_stays_put (void **unused)
{
  (void) unused;
  each_example (network_stays_put_in, NULL);
}

/* The outputs say which class each one is; the input units their values. */
static void
class_names_and_inputs_in (Example  *ex,
                           gpointer  data)
{
  int *classifiers = data;

  for (gsize s = 0; s < G_N_ELEMENTS (screens); s++)
    {
      g_autoptr(GArray) labels = paint_canvas (ex, &screens[s], STOP_COST);
      g_autoptr(GArray) with_sigma = paint_canvas (ex, &screens[s], STOP_COST_SIGMA);
      const BpNetwork *net = ex->model->network;

      if (!has_label_starting (labels, "C = ") || !has_label_starting (with_sigma, "C = "))
        fail_msg ("%s, %s: the cost is not shown", ex->name, screens[s].mode);
      if (ex->dataset->task == BP_TASK_MULTICLASS)
        {
          gsize n_out = net->layers[net->n_layers - 1].out;

          (*classifiers)++;
          for (gsize j = 0; j < n_out; j++)
            {
              g_autofree char *prefix = g_strdup_printf ("<b>%s</b>", ex->dataset->target_names[j]);

              if (!has_label_starting (labels, prefix))
                fail_msg ("%s, %s: output %zu does not say it is class \"%s\"", ex->name,
                          screens[s].mode, j + 1, ex->dataset->target_names[j]);
            }
        }
      if (net->n_inputs <= 16)
        for (gsize k = 0; k < net->n_inputs; k++)
          {
            char want[32];

            g_snprintf (want, sizeof want, "%.2f", ex->trace->input[k]);
            if (!has_label_starting (labels, want))
              fail_msg ("%s, %s: input %zu does not show its value %s", ex->name,
                        screens[s].mode, k + 1, want);
          }
    }
}

static void
test_class_names_and_inputs (void **unused)
{
  int classifiers = 0;

  (void) unused;
  each_example (class_names_and_inputs_in, &classifiers);
  /* iris and digits */
  assert_true (classifiers >= 2);
}

/* -------------------------------------------------------------- the plots */

typedef enum
{
  PLOT_NORMS_EMPTY,
  PLOT_NORMS,
  PLOT_HISTOGRAM_W,
  PLOT_HISTOGRAM_GRAD,
  PLOT_LOSS,
  PLOT_ACCURACY,
  PLOT_DECISION,
  N_PLOTS
} Plot;

static const char *const plot_names[] = {
  "‖∂C/∂W‖ empty", "‖∂C/∂W‖", "histogram W(1)", "histogram ∂C/∂W(1)", "loss", "accuracy", "decision map",
};

/* One of the plot panels of `ex`, as the window shows it at `w` × `h`;
 * NULL when the example has no such plot. */
static GArray *
paint_plot (Example *ex,
            Plot     plot,
            double   w,
            double   h,
            double   scale)
{
  BpNetwork *net = ex->model->network;
  const BpLayer *L = &net->layers[0];
  gsize N = net->n_layers, R = 60;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) w, (int) h);
  cairo_t *cr = cairo_create (surface);
  GArray *labels = bpv_label_list_new ();
  BpvRect rect = { 0, 0, w, h };
  BpvPlotStyle style;
  g_autofree double *norms = g_new (double, R * N);
  BpEpochStats stats[12];

  bpv_text_record_labels (cr, labels);
  bpv_plot_style_init (&style);
  style.text_scale = scale;
  /* A fan of norms, each layer a decade below the next, as in a deep
   * sigmoid network (the first ones vanish). */
  for (gsize r = 0; r < R; r++)
    for (gsize l = 0; l < N; l++)
      norms[r * N + l] = pow (10, -0.9 * (double) (N - 1 - l)) * (1 + 0.3 * sin ((double) (r * 7 + l)));
  for (guint e = 0; e < G_N_ELEMENTS (stats); e++)
    stats[e] = (BpEpochStats) { e + 1, (e + 1) * 20, 0.7 / (e + 1), 0.5 + 0.04 * e,
                                0.8 / (e + 1), 0.48 + 0.04 * e };
  switch (plot)
    {
    case PLOT_NORMS_EMPTY:
      style.title = "‖∂C/∂W(n)‖ per layer";
      bpv_plot_grad_norms (cr, &rect, NULL, 0, N, 1, &style);
      break;
    case PLOT_NORMS:
      style.title = "‖∂C/∂W(n)‖ per layer";
      bpv_plot_grad_norms (cr, &rect, norms, R, N, 10, &style);
      break;
    case PLOT_HISTOGRAM_W:
      style.title = "Weights W(1)";
      bpv_plot_histogram (cr, &rect, L->W, L->in * L->out, 0, "W(1)", &style);
      break;
    case PLOT_HISTOGRAM_GRAD:
      style.title = "Gradients ∂C/∂W(1)";
      bpv_plot_histogram (cr, &rect, L->dW, L->in * L->out, 0, "∂C/∂W(1)", &style);
      break;
    case PLOT_LOSS:
      bpv_plot_loss (cr, &rect, stats, G_N_ELEMENTS (stats), &style);
      break;
    case PLOT_ACCURACY:
      bpv_plot_accuracy (cr, &rect, stats, G_N_ELEMENTS (stats), &style);
      break;
    case PLOT_DECISION:
      if (net->n_inputs == 2)
        {
          g_autoptr(BpvDecisionMap) map = bpv_decision_map_new (60, 60);
          BpvDecisionStyle dstyle;
          BpvPlane plane;

          bpv_plane_for_dataset (ex->dataset, &plane);
          bpv_heatmap_compute (net, &plane, map, NULL, NULL);
          bpv_decision_style_init (&dstyle);
          dstyle.text_scale = scale;
          bpv_decision_map_render (cr, &rect, map, ex->dataset, NULL, &dstyle);
        }
      break;
    case N_PLOTS:
    default:
      break;
    }
  assert_int_equal (cairo_status (cr), CAIRO_STATUS_SUCCESS);
  if (g_getenv ("TEST_LAYOUT_PNG_DIR") != NULL)
    {
      g_autofree char *file = g_strdup_printf ("%s/%s-plot-%d-%g.png", g_getenv ("TEST_LAYOUT_PNG_DIR"),
                                               ex->name, (int) plot, scale);

      cairo_surface_write_to_png (surface, file);
    }
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  return labels;
}

/* The plots under the canvas (normal mode: presentation mode hides them)
 * and the decision map beside it. */
static void
plots_readable_in (Example  *ex,
                   gpointer  data)
{
  int *problems = data;
  /* The decision map's panel at 1920×1080: 410 wide, 330 tall, less its
   * margins. */
  const double decision_w = 394, decision_h = 314;

  for (int plot = 0; plot < N_PLOTS; plot++)
    {
      double w = plot == PLOT_DECISION ? decision_w : screens[0].plot_w;
      double h = plot == PLOT_DECISION ? decision_h : screens[0].plot_h;
      g_autoptr(GArray) labels = paint_plot (ex, (Plot) plot, w, h, 1.0);
      g_autofree char *what = g_strdup_printf ("%s, %s", ex->name, plot_names[plot]);
      BpvRect bounds = { 0, 0, w, h };

      *problems += check_labels (what, labels, &bounds, BPV_TEXT_MIN_SIZE);
      /* Presentation mode keeps the decision map (at the same size). */
      if (plot == PLOT_DECISION)
        {
          g_autoptr(GArray) large = paint_plot (ex, (Plot) plot, w, h, BPV_PRESENTATION_SCALE);
          g_autofree char *what_large = g_strdup_printf ("%s, presentation", what);

          *problems += check_labels (what_large, large, &bounds, BPV_TEXT_MIN_SIZE * BPV_PRESENTATION_SCALE);
        }
      /* A histogram's range is read from its x ticks: several. */
      if (plot == PLOT_HISTOGRAM_W || plot == PLOT_HISTOGRAM_GRAD)
        {
          guint below = 0;

          for (guint i = 0; i < labels->len; i++)
            {
              const BpvLabel *l = &g_array_index (labels, BpvLabel, i);
              double mid = l->rect.y + l->rect.height / 2;

              GString *g = g_string_new (l->text);
              g_autofree char *t = NULL;
              char *end = NULL;

              /* A number ("−0.5", "5e-07") in the band under the axis. */
              g_string_replace (g, "−", "-", 0);
              t = g_string_free (g, FALSE);
              g_ascii_strtod (t, &end);
              if (mid > h * 0.7 && end != t && *end == '\0')
                below++;
            }
          if (below < 3)
            {
              print_message ("%s: %u x tick labels\n", what, below);
              (*problems)++;
            }
        }
    }
}

static void
test_plots_readable (void **unused)
{
  int problems = 0;

  (void) unused;
  each_example (plots_readable_in, &problems);
  assert_int_equal (problems, 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_canvas_readable),
    cmocka_unit_test (test_presentation_larger),
    cmocka_unit_test (test_network_stays_put),
    cmocka_unit_test (test_cost_clear_and_height_used),
    cmocka_unit_test (test_class_names_and_inputs),
    cmocka_unit_test (test_plots_readable),
  };

  return cmocka_run_group_tests_name ("layout", tests, NULL, NULL);
}
