/* backprop-render.c — `backprop render`: a model's network (or its decision
 * map) as a PNG, SVG or PDF picture, painted by exactly the code the app
 * paints its canvas with (ui/render/bpv-render.c).
 *
 * The picture shows one forward/backward pass: of the model's inline batch
 * if it has one, else of the first rows of its dataset, so that activations,
 * δ and ∂C/∂W all exist.
 */
#include "config.h"
#include "backprop-cli.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

#include "bp-network.h"
#include "bp-optimizer.h"
#include "bpv-export.h"
#include "bpv-heatmap.h"
#include "bpv-layout.h"
#include "bpv-render.h"

/* The picture without --width/--height: a 16:9 page. */
#define DEFAULT_WIDTH   1600
#define DEFAULT_HEIGHT  900
/* --width/--height: below this there is no room for a label; above, one
 * ARGB image surface alone would take a gigabyte. */
#define MIN_SIDE        16
#define MAX_SIDE        16384
/* --image WxH: each side of the input image, in pixels. */
#define MAX_IMAGE_SIDE  4096
/* --frames writes one file per step. */
#define DEFAULT_STEPS   10
#define MAX_STEPS       100000
/* --decision: cells per side of the map, finer than the picture shows them
 * (as the headless app's). */
#define DECISION_CELLS  200
/* --maps: cells per side of each neuron's small map inside its circle. */
#define NEURON_MAP_CELLS  24
/* --maps without a dataset: the input plane shown, [−1.5, 1.5]². */
#define DEFAULT_PLANE_HALF_SIDE  1.5

typedef struct
{
  BpvRenderState   state;
  BpvLayoutParams  params;
  const char      *title;
  /* --decision */
  gboolean         decision;
  BpvDecisionMap  *map;
  const BpDataset *points;
  BpvDecisionStyle decision_style;
} Picture;

static void
paint_picture (cairo_t  *cr,
               double    width,
               double    height,
               gpointer  user_data)
{
  Picture *pic = user_data;

  if (pic->decision)
    {
      const BpvThemeColors *tc = bpv_theme_colors (pic->state.theme);
      double side = MIN (width, height);
      BpvRect rect = { (width - side) / 2, 0, side, side };

      bpv_set_source_rgba (cr, tc->background);
      cairo_paint (cr);
      bpv_decision_map_render (cr, &rect, pic->map, pic->points, NULL, &pic->decision_style);
      return;
    }
  bpv_network_render_page (cr, &pic->state, &pic->params, pic->title, width, height);
}

static gboolean
parse_choice (const char         *option,
              const char         *text,
              const char * const *choices,
              int                *out,
              GError            **error)
{
  g_autofree char *list = NULL;

  if (text == NULL)
    return TRUE;
  for (int i = 0; choices[i] != NULL; i++)
    if (g_str_equal (text, choices[i]))
      {
        *out = i;
        return TRUE;
      }
  list = g_strjoinv (", ", (char **) choices);
  g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
               "render: %s: expected one of %s, got \"%s\"", option, list, text);
  return FALSE;
}

/* "W×H" or "WxH" → two numbers ≥ 1. */
static gboolean
parse_image_shape (const char *text,
                   gsize      *w,
                   gsize      *h,
                   GError    **error)
{
  g_auto(GStrv) parts = NULL;
  guint64 a, b;
  g_autofree char *norm = g_strdup (text);

  for (char *p = norm; *p != '\0'; p++)
    if (*p == 'X')
      *p = 'x';
  parts = g_strsplit (norm, "x", -1);
  if (g_strv_length (parts) != 2
      || !g_ascii_string_to_unsigned (parts[0], 10, 1, MAX_IMAGE_SIDE, &a, NULL)
      || !g_ascii_string_to_unsigned (parts[1], 10, 1, MAX_IMAGE_SIDE, &b, NULL))
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
                   "render: --image: expected WIDTHxHEIGHT (e.g. 8x8), got \"%s\"", text);
      return FALSE;
    }
  *w = a;
  *h = b;
  return TRUE;
}

/* "N,J,K" (1-based, as shown) → an edge. */
static gboolean
parse_edge (const char      *text,
            const BpNetwork *net,
            BpvHit          *hit,
            GError         **error)
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);
  guint64 v[3];

  if (g_strv_length (parts) != 3)
    goto bad;
  for (int i = 0; i < 3; i++)
    if (!g_ascii_string_to_unsigned (g_strstrip (parts[i]), 10, 1, G_MAXUINT32, &v[i], NULL))
      goto bad;
  if (v[0] > net->n_layers || v[1] > net->layers[v[0] - 1].out || v[2] > net->layers[v[0] - 1].in)
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
                   "render: --path: W(%" G_GUINT64_FORMAT ")_%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT
                   " does not exist in this network", v[0], v[1], v[2]);
      return FALSE;
    }
  *hit = (BpvHit) { BPV_HIT_EDGE, v[0], v[1] - 1, v[2] - 1 };
  return TRUE;

bad:
  g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
               "render: --path: expected LAYER,J,K counted from 1 (e.g. 2,1,3), got \"%s\"", text);
  return FALSE;
}

/* Forward and backward on the batch, gradients left in net->grads. */
static BpTrace *
trace_batch (BpNetwork    *net,
             const double *x,
             const double *y,
             gsize         B)
{
  BpTrace *trace = bp_trace_new (net, B);

  trace->keep = TRUE;
  bp_network_gradients (net, trace, x, y, B);
  return trace;
}

static gboolean
write_frames (const char *dir,
              guint64     steps,
              BpModel    *model,
              Picture    *pic,
              const double *x,
              const double *y,
              gsize       B,
              double      width,
              double      height,
              GError    **error)
{
  g_autoptr(BpOptimizer) opt = bp_optimizer_copy (model->optimizer);
  g_autoptr(BpvRenderCache) cache = bpv_render_cache_new ();

  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int saved = errno;

      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_FAILED,
                   "render: %s: cannot create the directory: %s", dir, g_strerror (saved));
      return FALSE;
    }
  for (guint64 step = 0; step <= steps; step++)
    {
      g_autoptr(BpTrace) trace = NULL;
      g_autofree char *name = g_strdup_printf ("frame-%05" G_GUINT64_FORMAT ".png", step);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *title = g_strdup_printf ("%s — step %" G_GUINT64_FORMAT, pic->title, step);
      const char *saved_title = pic->title;
      gboolean ok;

      trace = trace_batch (model->network, x, y, B);
      pic->state.trace = trace;
      pic->state.cache = cache;
      pic->title = title;
      ok = bpv_export (path, BPV_FORMAT_PNG, width, height, 1, paint_picture, pic, error);
      pic->title = saved_title;
      pic->state.trace = NULL;
      if (!ok)
        return FALSE;
      if (step < steps)
        bp_optimizer_step (opt, model->network->params, model->network->grads);
    }
  return TRUE;
}

gboolean
backprop_render_command (int      argc,
                         char   **argv,
                         GError **error)
{
  g_autofree char *output = NULL;
  g_autofree char *view_text = NULL;
  g_autofree char *phase_text = NULL;
  g_autofree char *layer_text = NULL;
  g_autofree char *t_text = NULL;
  g_autofree char *sample_text = NULL;
  g_autofree char *width_text = NULL;
  g_autofree char *height_text = NULL;
  g_autofree char *scale_text = NULL;
  g_autofree char *dataset = NULL;
  g_autofree char *rows_text = NULL;
  g_autofree char *image_text = NULL;
  g_autofree char *path_text = NULL;
  g_autofree char *frames_dir = NULL;
  g_autofree char *steps_text = NULL;
  g_autofree char *record = NULL;
  g_autofree char *at_text = NULL;
  g_autofree char *dist_text = NULL;
  g_autofree char *title_at = NULL;
  gboolean dark = FALSE, derivatives = FALSE, values = FALSE, maps = FALSE, decision = FALSE;
  /* Defaults in translated sentences: formatted, not pasted in. */
  g_autofree char *width_help = g_strdup_printf (_("Width in pixels (PNG) or points (default %d)"),
                                                 DEFAULT_WIDTH);
  g_autofree char *height_help = g_strdup_printf (_("Height (default %d)"), DEFAULT_HEIGHT);
  g_autofree char *rows_help = g_strdup_printf (_("Dataset rows in the traced batch (default %d)"),
                                                BACKPROP_CLI_TRACE_ROWS);
  g_autofree char *steps_help = g_strdup_printf (_("Training steps for --frames (default %d)"),
                                                 DEFAULT_STEPS);
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      N_("The picture to write: .png, .svg or .pdf"), "FILE" },
    { "view", 0, 0, G_OPTION_ARG_STRING, &view_text,
      N_("weights (default) or gradients"), "VIEW" },
    { "phase", 0, 0, G_OPTION_ARG_STRING, &phase_text,
      N_("idle (default), forward, cost, backward or update"), "PHASE" },
    { "layer", 0, 0, G_OPTION_ARG_STRING, &layer_text,
      N_("Layer n of the forward/backward phase, W(n) (default: 1 forward, the last backward); "
         "at backward n, δ and ∂C/∂W of layers n…N are known"), "N" },
    { "t", 0, 0, G_OPTION_ARG_STRING, &t_text,
      N_("Progress within the phase, 0 to 1 (default 0.5; 1 for cost)"), "X" },
    { "sample", 0, 0, G_OPTION_ARG_STRING, &sample_text,
      N_("Which sample of the batch the neurons show, from 1 (default 1)"), "S" },
    { "width", 0, 0, G_OPTION_ARG_STRING, &width_text,
      width_help, "W" },
    { "height", 0, 0, G_OPTION_ARG_STRING, &height_text,
      height_help, "H" },
    { "scale", 0, 0, G_OPTION_ARG_STRING, &scale_text,
      N_("Colour scale: layer (each layer its own, default) or global"), "SCALE" },
    { "dark", 0, 0, G_OPTION_ARG_NONE, &dark, N_("Dark theme"), NULL },
    { "derivatives", 0, 0, G_OPTION_ARG_NONE, &derivatives,
      N_("Show σ′(z) per neuron, saturated and dead units"), NULL },
    { "values", 0, 0, G_OPTION_ARG_NONE, &values, N_("Print activations inside the neurons"), NULL },
    { "maps", 0, 0, G_OPTION_ARG_NONE, &maps,
      N_("Draw what each neuron computes over the input plane (2 inputs)"), NULL },
    { "path", 0, 0, G_OPTION_ARG_STRING, &path_text,
      N_("Emphasise every path from edge W(N)_JK to the output"), "N,J,K" },
    { "decision", 0, 0, G_OPTION_ARG_NONE, &decision,
      N_("Draw the decision map over the data instead (2 inputs)"), NULL },
    { "image", 0, 0, G_OPTION_ARG_STRING, &image_text,
      N_("Show the input as a W×H image (default: 8x8 for digits, 28x28 for 784 inputs)"), "WxH" },
    { "dataset", 'd', 0, G_OPTION_ARG_FILENAME, &dataset,
      N_("Dataset for the trace when the model has no inline batch"), "NAME" },
    { "rows", 0, 0, G_OPTION_ARG_STRING, &rows_text,
      rows_help, "N" },
    { "frames", 0, 0, G_OPTION_ARG_FILENAME, &frames_dir,
      N_("Write one PNG per training step into DIR (with --steps)"), "DIR" },
    { "steps", 0, 0, G_OPTION_ARG_STRING, &steps_text,
      steps_help, "N" },
    { "record", 0, 0, G_OPTION_ARG_FILENAME, &record,
      N_("Draw the network as it was at a step of this recording (backprop train --record)"),
      "FILE.bprecord" },
    { "at", 0, 0, G_OPTION_ARG_STRING, &at_text,
      N_("With --record: the step (the latest kept at or before it)"), "STEP" },
    { "distributions", 0, 0, G_OPTION_ARG_STRING, &dist_text,
      N_("With --record: the distributions over the kept steps instead: w (W(n) of --layer), "
         "grad (∂C/∂W(n)) or units (dead and saturated)"), "w|grad|units" },
    { NULL }
  };
  static const char * const views[] = { "weights", "gradients", NULL };
  static const char * const phases[] = { "idle", "forward", "cost", "backward", "update", NULL };
  static const char * const scales[] = { "layer", "global", NULL };
  static const char * const dists[] = { "w", "grad", "units", NULL };
  g_autoptr(GOptionContext) context = NULL;
  g_auto(GStrv) args = NULL;
  g_autoptr(BpModel) model = NULL;
  g_autoptr(BpDataset) ds = NULL;
  g_autoptr(BpTrace) trace = NULL;
  g_autoptr(BpvNeuronMaps) neuron_maps = NULL;
  g_autoptr(BpvDecisionMap) map = NULL;
  g_autofree double *old_params = NULL;
  g_autofree char *model_name = NULL;
  Picture pic;
  BpvFormat format = BPV_FORMAT_PNG;
  BpNetwork *net;
  const double *x, *y;
  int view = 0, phase = 0, scale = 0, dist = -1;
  guint64 layer = 0, sample = 1, width = DEFAULT_WIDTH, height = DEFAULT_HEIGHT;
  guint64 rows = BACKPROP_CLI_TRACE_ROWS, steps = DEFAULT_STEPS;
  double t = -1;
  gsize B, image_w = 0, image_h = 0;
  guint64 at = 0, at_shown = 0;

  context = backprop_cli_context_new ("render", "[MODEL.json]",
    _("Draw MODEL.json's network (or the built-in default experiment) as a PNG,\n"
      "SVG or PDF picture with the app's drawing code: neurons filled by their\n"
      "activation, edges by weight or gradient, labels and a legend."),
    _("The picture shows one forward/backward pass of the model's inline batch\n"
      "(\"inputs\"/\"targets\"), or of the first rows of its dataset.\n"
      "\n"
      "Examples:\n"
      "  backprop render tiny.json -o tiny.png\n"
      "  backprop render tiny.json -o grads.svg --view gradients --phase backward --layer 1\n"
      "  backprop render -o moons.png --decision\n"
      "  backprop render model.json --frames frames/ --steps 50\n"
      "  backprop render model.json --record run.bprecord --at 300 -o step300.png\n"
      "  backprop render model.json --record run.bprecord --distributions grad --layer 2 -o g2.png"),
    entries);
  if (!backprop_cli_parse (context, argc, argv, &args, 0, 1, error))
    return FALSE;

  if (output == NULL && frames_dir == NULL)
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
                   "render: no output: pass -o FILE.png|.svg|.pdf or --frames DIR "
                   "(see \"backprop render --help\")");
      return FALSE;
    }
  if (output != NULL && !bpv_format_from_path (output, &format, error))
    {
      g_autoptr(GError) e = g_steal_pointer (error);

      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE, "render: %s", e->message);
      return FALSE;
    }
  if (!parse_choice ("--view", view_text, views, &view, error)
      || !parse_choice ("--phase", phase_text, phases, &phase, error)
      || !parse_choice ("--scale", scale_text, scales, &scale, error))
    return FALSE;
  if ((width_text != NULL
       && !backprop_cli_parse_uint ("--width", width_text, MIN_SIDE, MAX_SIDE, &width, error))
      || (height_text != NULL
          && !backprop_cli_parse_uint ("--height", height_text, MIN_SIDE, MAX_SIDE, &height, error))
      || (sample_text != NULL
          && !backprop_cli_parse_uint ("--sample", sample_text, 1, G_MAXUINT32, &sample, error))
      || (rows_text != NULL
          && !backprop_cli_parse_uint ("--rows", rows_text, 1, BACKPROP_CLI_MAX_ROWS, &rows, error))
      || (steps_text != NULL
          && !backprop_cli_parse_uint ("--steps", steps_text, 1, MAX_STEPS, &steps, error))
      || (layer_text != NULL
          && !backprop_cli_parse_uint ("--layer", layer_text, 1, BP_MAX_LAYERS, &layer, error)))
    return FALSE;
  if (t_text != NULL)
    {
      if (!backprop_cli_parse_double ("--t", t_text, FALSE, &t, error))
        return FALSE;
      if (t > 1)
        {
          g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
                       "--t: expected a number from 0 to 1, got \"%s\"", t_text);
          return FALSE;
        }
    }
  if (image_text != NULL && !parse_image_shape (image_text, &image_w, &image_h, error))
    return FALSE;
  if (dist_text != NULL && !parse_choice ("--distributions", dist_text, dists, &dist, error))
    return FALSE;
  if (dist_text != NULL && (record == NULL || at_text != NULL || output == NULL || frames_dir != NULL))
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
                   "render: --distributions needs --record FILE and -o FILE, "
                   "and takes neither --at nor --frames");
      return FALSE;
    }
  if (dist_text == NULL && (at_text != NULL) != (record != NULL))
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
                   "render: --record FILE and --at STEP go together");
      return FALSE;
    }
  if (at_text != NULL && !backprop_cli_parse_uint ("--at", at_text, 0, G_MAXUINT64, &at, error))
    return FALSE;
  if (steps_text != NULL && frames_dir == NULL)
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE, "render: --steps needs --frames DIR");
      return FALSE;
    }

  if (args[0] != NULL)
    {
      model = backprop_cli_load_model (args[0], error);
      if (model == NULL)
        return FALSE;
      model_name = g_strdup (args[0]);
    }
  else
    {
      model = bp_model_new_default ();
      model_name = g_strdup ("the default model");
    }
  if (dist_text != NULL)
    return backprop_render_dist (model, model_name, dataset, args[0] == NULL, record, dist,
                                 layer, output, (double) width, (double) height, dark, error);
  net = model->network;
  /* Every layer type of the model files is drawn; a newer one is not. */
  {
    g_autoptr(GError) local = NULL;

    if (!bpv_layout_check_drawable (net, &local))
      {
        g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_FAILED,
                     "%s: %s; `backprop render` cannot draw it yet — `backprop trace` and "
                     "`backprop train` handle it", model_name, local->message);
        return FALSE;
      }
  }

  if (layer > net->n_layers)
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
                   "render: --layer: %s has %" G_GSIZE_FORMAT " layer%s, got %" G_GUINT64_FORMAT,
                   model_name, net->n_layers, net->n_layers == 1 ? "" : "s", layer);
      return FALSE;
    }

  /* The batch to trace. */
  {
    g_auto(BackpropCliBatch) batch = { 0 };

    if (!backprop_cli_open_batch (model, model_name, dataset, rows, decision, args[0] == NULL,
                            &batch, error))
      return FALSE;
    net = model->network;  /* refitted for the default model */
    /* The weights of the recorded step; the batch stays the model's. */
    if (record != NULL
        && !backprop_record_restore_at (model, model_name, record, at, &at_shown, error))
      return FALSE;
    x = batch.x;
    y = batch.y;
    B = batch.B;
    ds = g_steal_pointer (&batch.ds);
  }
  if (sample > B)
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
                   "render: --sample: the batch has %" G_GSIZE_FORMAT " sample%s, got %" G_GUINT64_FORMAT,
                   B, B == 1 ? "" : "s", sample);
      return FALSE;
    }

  if (image_text == NULL)
    {
      const char *dsname = ds != NULL ? ds->name : model->dataset;

      if (net->n_inputs == 64 && dsname != NULL && g_str_equal (dsname, "digits"))
        image_w = image_h = 8;
      else if (net->n_inputs == 784)
        image_w = image_h = 28;
    }
  else if (image_w * image_h != net->n_inputs)
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
                   "render: --image: %" G_GSIZE_FORMAT "×%" G_GSIZE_FORMAT " pixels but the network "
                   "takes %" G_GSIZE_FORMAT " inputs", image_w, image_h, net->n_inputs);
      return FALSE;
    }
  if ((maps || decision) && net->n_inputs != 2)
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_FAILED,
                   "render: %s: %s needs a network of 2 inputs, this one takes %" G_GSIZE_FORMAT,
                   model_name, decision ? "--decision" : "--maps", net->n_inputs);
      return FALSE;
    }

  /* As `backprop trace` does: batch norm on one sample says why not. */
  if (!bp_network_check_batch (net, B, error))
    return FALSE;
  memset (&pic, 0, sizeof pic);
  trace = trace_batch (net, x, y, B);
  bpv_render_state_init (&pic.state, net, trace);
  if (ds != NULL && ds->task == BP_TASK_MULTICLASS)
    pic.state.output_names = (const char * const *) ds->target_names;  /* the classes' names */
  bpv_layout_params_init (&pic.params, (double) width, (double) height);
  pic.params.input_image_width = image_w;
  pic.params.input_image_height = image_h;
  pic.title = model->name != NULL && *model->name != '\0' ? model->name : model_name;
  if (record != NULL)
    pic.title = title_at = g_strdup_printf ("%s — step %" G_GUINT64_FORMAT, pic.title, at_shown);
  pic.state.view = view == 1 ? BPV_VIEW_GRADIENTS : BPV_VIEW_WEIGHTS;
  pic.state.scale = scale == 1 ? BPV_SCALE_GLOBAL : BPV_SCALE_LAYER;
  pic.state.theme = dark ? BPV_THEME_DARK : BPV_THEME_LIGHT;
  pic.state.phase = (BpvPhase) phase;
  pic.state.sample = sample - 1;
  pic.state.show_derivatives = derivatives;
  pic.state.show_values = values;
  if (layer == 0)
    layer = pic.state.phase == BPV_PHASE_BACKWARD ? net->n_layers : 1;
  pic.state.layer = layer;
  if (t < 0)
    t = pic.state.phase == BPV_PHASE_COST || pic.state.phase == BPV_PHASE_IDLE ? 1.0 : 0.5;
  pic.state.t = t;
  if (path_text != NULL && !parse_edge (path_text, net, &pic.state.path_edge, error))
    return FALSE;

  /* The update phase goes from the weights before a step (the traced ones)
   * to those after it. */
  if (pic.state.phase == BPV_PHASE_UPDATE)
    {
      g_autoptr(BpOptimizer) opt = bp_optimizer_copy (model->optimizer);

      old_params = g_memdup2 (net->params, net->n_params * sizeof (double));
      bp_optimizer_step (opt, net->params, net->grads);
      pic.state.old_params = old_params;
    }

  if (maps)
    {
      BpvPlane plane = { -DEFAULT_PLANE_HALF_SIDE, DEFAULT_PLANE_HALF_SIDE,
                         -DEFAULT_PLANE_HALF_SIDE, DEFAULT_PLANE_HALF_SIDE };

      if (ds != NULL)
        bpv_plane_for_dataset (ds, &plane);
      neuron_maps = bpv_neuron_maps_new (net, NEURON_MAP_CELLS);
      bpv_heatmap_compute (net, &plane, NULL, neuron_maps, NULL);
      pic.state.neuron_maps = neuron_maps;
    }
  if (decision)
    {
      BpvPlane plane;

      bpv_plane_for_dataset (ds, &plane);
      map = bpv_decision_map_new (DECISION_CELLS, DECISION_CELLS);
      bpv_heatmap_compute (net, &plane, map, NULL, NULL);
      pic.decision = TRUE;
      pic.map = map;
      pic.points = ds;
      bpv_decision_style_init (&pic.decision_style);
      pic.decision_style.theme = pic.state.theme;
      if (net->layers[net->n_layers - 1].act_id != NULL
          && g_str_equal (net->layers[net->n_layers - 1].act_id, "tanh"))
        pic.decision_style.boundary = 0;
      if (ds->feature_names != NULL && ds->feature_names[0] != NULL && ds->feature_names[1] != NULL)
        {
          pic.decision_style.x_label = ds->feature_names[0];
          pic.decision_style.y_label = ds->feature_names[1];
        }
    }

  if (output != NULL
      && !bpv_export (output, format, (double) width, (double) height, 1, paint_picture, &pic, error))
    return FALSE;

  if (frames_dir != NULL)
    {
      pic.state.phase = BPV_PHASE_IDLE;
      pic.state.old_params = NULL;
      if (!write_frames (frames_dir, steps, model, &pic, x, y, B, (double) width, (double) height, error))
        return FALSE;
    }
  return TRUE;
}
