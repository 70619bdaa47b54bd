/* test-window-stepnums.c — the numbers of step mode on one screen: the
 * title, the phase card, the inspector and the timeline name the same step
 * in the same words at every stop of a step (the timeline said "Now: step
 * 0 of 0" while the title said "step 1"), and the output units keep their
 * class names at every stop (in step mode, beside a narrow canvas, they
 * fell back to bare values).
 *
 * BPV_STEPNUMS_SHOTS=DIR saves the window at the backward stop of the
 * output layer as DIR/step-mode-backward.png.
 */

#include "config.h"

#include "test-window.h"

#include <inttypes.h>
#include <string.h>

#include "bpv-explain.h"
#include "bpv-inspector.h"
#include "bpv-render.h"
#include "bpv-text.h"
#include "bpv-timeline.h"

/* iris: a classifier of three named classes, 4–8–8–3. */
int
setup_iris (void **state)
{
  g_autoptr(GError) error = NULL;
  Fixture *f;

  setup (state);
  f = *state;
  assert_true (bpv_session_set_dataset (f->session, "iris", 0, -1, -1, &error));
  assert_null (error);
  assert_true (spin_until (has_layout, f, 10));
  spin (0.3);
  return 0;
}

/* The labels the canvas draws now, as its snapshot draws them. */
static GArray *
canvas_labels (Fixture *f)
{
  BpvNetworkView *view = view_of (f);
  int w = gtk_widget_get_width (GTK_WIDGET (view)), h = gtk_widget_get_height (GTK_WIDGET (view));
  const BpvLayout *layout = bpv_network_view_get_layout (view);
  GArray *labels = bpv_label_list_new ();
  BpvRenderState state;
  cairo_surface_t *surface;
  cairo_t *cr;

  assert_non_null (layout);
  bpv_network_view_get_render_state (view, &state);
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
  cr = cairo_create (surface);
  bpv_text_record_labels (cr, labels);
  bpv_network_render (cr, layout, &state);
  bpv_text_record_labels (cr, NULL);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  return labels;
}

static gboolean
has_label (GArray     *labels,
           const char *needle)
{
  for (guint i = 0; i < labels->len; i++)
    if (strstr (g_array_index (labels, BpvLabel, i).text, needle) != NULL)
      return TRUE;
  return FALSE;
}

static gboolean
at_rest (gpointer data)
{
  Fixture *f = data;

  return !bpv_session_is_animating (f->session);
}

/* Every stop of one step of iris, and the rest after it. */
void
test_step_mode_texts_agree (void **state)
{
  Fixture *f = *state;
  AdwWindowTitle *title = template_child (f, "window_title");
  GtkLabel *detail = template_child (f, "phase_detail");
  BpvTimeline *tl = template_child (f, "timeline");
  BpvInspector *inspector = BPV_INSPECTOR (bpv_window_get_inspector (f->window));
  const BpDataset *ds = bpv_session_get_dataset (f->session);
  gsize N = bpv_session_get_network (f->session)->n_layers;
  BpvHit hit = { BPV_HIT_EDGE, N, 1, 1 };
  BpvStepper *st = bpv_session_get_stepper (f->session);
  int stops = 0, named = 0;
  gboolean shot = FALSE;

  assert_int_equal (ds->task, BP_TASK_MULTICLASS);
  assert_non_null (ds->target_names);
  assert_int_equal (g_strv_length (ds->target_names), 3);
  bpv_session_set_selection (f->session, &hit);
  spin (0.1);
  do
    {
      g_autofree char *step = NULL, *in_title = NULL, *in_timeline = NULL;
      const char *sub, *text, *card, *context;
      BpvStepPhase phase;
      guint64 k;

      activate (f, "step");
      assert_true (spin_until (at_rest, f, 20));
      spin (0.05);
      stops++;
      phase = bpv_stepper_get_phase (st);
      k = bpv_explain_shown_step (f->session);
      assert_int_equal (k, 1);
      sub = adw_window_title_get_subtitle (title);
      text = bpv_timeline_get_text (tl);
      card = gtk_label_get_text (detail);
      context = bpv_inspector_get_explanation (inspector)->context;
      if (phase != BPV_STEP_UPDATE)
        {
          /* Step 1 in flight: none done yet, and all four say so. */
          step = g_strdup ("step 1 (in progress)");
          in_timeline = g_strdup ("Now: 0 steps done, step 1 in progress");
        }
      else
        {
          /* The update applied: step 1 is done, the present is step 1. */
          step = g_strdup ("step 1");
          in_timeline = g_strdup ("Now: step 1 of 1 (");
          assert_null (strstr (sub, "in progress"));
          assert_null (strstr (card, "in progress"));
          assert_null (strstr (context, "in progress"));
        }
      in_title = g_strdup_printf (" · %s", step);
      if (strstr (sub, in_title) == NULL || !g_str_has_prefix (text, in_timeline)
          || strstr (card, step) == NULL || strstr (context, in_title) == NULL)
        fail_msg ("%s: the title says “%s”, the timeline “%s”, the card “%s”, the inspector “%s”",
                  bpv_step_phase_to_string (phase), sub, text, card, context);
      /* Once the output layer has its values, its labels name the
       * classes at every stop. */
      if (phase == BPV_STEP_COST || phase == BPV_STEP_BACKWARD || phase == BPV_STEP_UPDATE
          || (phase == BPV_STEP_FORWARD && bpv_stepper_get_layer (st) + 1 == N))
        {
          g_autoptr(GArray) labels = canvas_labels (f);

          for (guint c = 0; c < 3; c++)
            if (!has_label (labels, ds->target_names[c]))
              fail_msg ("%s: no label names class “%s”", bpv_step_phase_to_string (phase),
                        ds->target_names[c]);
          named++;
        }
      if (!shot && phase == BPV_STEP_BACKWARD && bpv_stepper_get_layer (st) + 1 == N)
        {
          window_shot (f, g_getenv ("BPV_STEPNUMS_SHOTS"), "step-mode-backward.png");
          shot = TRUE;
        }
    }
  while (bpv_stepper_get_phase (st) != BPV_STEP_UPDATE && stops < 30);
  print_message ("%d stops, the class names checked at %d\n", stops, named);
  assert_int_equal (bpv_stepper_get_phase (st), BPV_STEP_UPDATE);
  assert_true (named >= 4);
}
