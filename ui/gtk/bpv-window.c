/* bpv-window.c — the main window (see bpv-window.h): the object and its
 * template, the session's signals, the phase card and the title, the
 * explanation banner, the fault bar, export, and where tests are told
 * things are (PROBE, PALETTE…).  Its other files are listed in
 * bpv-window-private.h. */
#include "config.h"
#include "bpv-window-private.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "bp-registry.h"
#include "bpv-events.h"
#include "bpv-export.h"
#include "bpv-math.h"
#include "bpv-resources.h"

#define RESOURCE_PATH "/io/github/backprop_studio/BackpropStudio/"
/* The phase card and title follow training at most this often. */
#define STATUS_INTERVAL_US 100000
/* The phase card shows a vector's first entries, then "…". */
#define VECTOR_SHOWN 4
/* An error's toast stays this long (seconds), twice Adwaita's default. */
#define ERROR_TOAST_S 10
/* The canvas's size is stable when unchanged this long (the sidebar's
 * fold animation is over): then tests are told where things are. */
#define PROBE_STABLE_US 400000
/* An export's size: pixels for PNG, points for SVG and PDF (both 16:10). */
#define EXPORT_PNG_WIDTH     1600
#define EXPORT_PNG_HEIGHT    1000
#define EXPORT_VECTOR_WIDTH  960
#define EXPORT_VECTOR_HEIGHT 600

G_DEFINE_FINAL_TYPE (BpvWindow, bpv_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_FILE,
  PROP_SESSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

void
bpv_ui_init (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      GdkDisplay *display = gdk_display_get_default ();

      bpv_register_resource ();
      g_type_ensure (BPV_TYPE_NETWORK_VIEW);
      g_type_ensure (BPV_TYPE_PLOT_VIEW);
      g_type_ensure (BPV_TYPE_INSPECTOR);
      g_type_ensure (BPV_TYPE_QUIZ_PANE);
      g_type_ensure (BPV_TYPE_TIMELINE);
      g_type_ensure (BPV_TYPE_LESSON_PANE);
      if (display != NULL)
        {
          GtkCssProvider *css = gtk_css_provider_new ();

          gtk_css_provider_load_from_resource (css, RESOURCE_PATH "ui/bpv.css");
          gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (css),
                                                      GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
          g_object_unref (css);
        }
      g_once_init_leave (&once, 1);
    }
}

/* ------------------------------------------------------------ the status */

static char *
shape_text (const BpNetwork *net)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "%zu", net->n_inputs);
  for (gsize l = 0; l < net->n_layers; l++)
    g_string_append_printf (s, "–%zu", net->layers[l].out);
  return g_string_free (s, FALSE);
}

static void
update_title (BpvWindow *self)
{
  const BpNetwork *net = bpv_session_get_network (self->session);
  const BpDataset *ds = bpv_session_get_dataset (self->session);
  g_autofree char *shape = shape_text (net);
  g_autofree char *sub = NULL;
  gsize n_epochs;
  const BpEpochStats *ep = bpv_session_get_epochs (self->session, &n_epochs);
  g_autofree char *step = bpv_explain_step_text (self->session);
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "%s · %s · %s", ds->name, shape, step);
  /* Scrubbed back: the canvas is that step's, the epochs' figures are not. */
  if (bpv_session_is_viewing_past (self->session))
    g_string_append_printf (s, _(" of %" PRIu64 " (the past)"),
                            bpv_session_get_step_count (self->session));
  else if (n_epochs > 0)
    {
      const BpEpochStats *last = &ep[n_epochs - 1];

      g_autofree char *loss = bpv_format_number (last->train_loss);

      /* Say which loss: the training set's mean at the end of an epoch
       * (the loss plot's "train"), not one batch's or one sample's cost. */
      g_string_append_printf (s, _(" · epoch %u · mean training loss %s"), last->epoch, loss);
      if (!isnan (last->test_accuracy))
        g_string_append_printf (s, _(" · test accuracy %.1f %%"), 100 * last->test_accuracy);
    }
  if (bpv_session_get_running (self->session))
    g_string_append_printf (s, _(" · %.0f steps/s"), bpv_session_get_steps_per_second (self->session));
  sub = g_string_free (s, FALSE);
  adw_window_title_set_subtitle (self->window_title, sub);
  bpv_window_update_file_title (self);
}

/* "• name.bpmodel.json — Backprop Studio"; the untouched default experiment
 * is just "Backprop Studio"; a model imported from ONNX and not saved yet
 * is "name (imported from net.onnx)". */
void
bpv_window_update_file_title (BpvWindow *self)
{
  gboolean dirty = bpv_session_is_dirty (self->session);
  g_autofree char *base = self->file != NULL ? g_file_get_basename (self->file) : NULL;
  g_autofree char *title = NULL;
  g_autofree char *heading = NULL;

  if (base == NULL && self->imported_from != NULL)
    base = bpv_window_imported_title (self);
  if (base == NULL && !dirty)
    title = g_strdup ("Backprop Studio");
  else
    title = g_strdup_printf ("%s%s — Backprop Studio", dirty ? "• " : "",
                             base != NULL ? base : _("Untitled"));
  heading = base == NULL && !dirty ? g_strdup ("Backprop Studio")
                                   : g_strdup_printf ("%s%s", dirty ? "• " : "",
                                                      base != NULL ? base : _("Untitled"));
  if (g_strcmp0 (gtk_window_get_title (GTK_WINDOW (self)), title) != 0)
    gtk_window_set_title (GTK_WINDOW (self), title);
  if (g_strcmp0 (adw_window_title_get_title (self->window_title), heading) != 0)
    adw_window_title_set_title (self->window_title, heading);
}

/* The phase card's formula for the forward stop at layer n (1-based), in
 * the app's notation, for what layer n is. */
static char *
forward_formula (const BpNetwork *net,
                 gsize            n)
{
  const BpLayer *L = &net->layers[n - 1];
  const char *act = L->act->id;

  switch (L->type)
    {
    case BP_LAYER_BATCHNORM:
    case BP_LAYER_LAYERNORM:
      return g_strdup_printf ("x̂ = (a(%zu) − μ)/√(σ² + ε) %s,   z(%zu) = γ(%zu) ⊙ x̂ + β(%zu),   "
                              "a(%zu) = %s(z(%zu))",
                              n - 1, L->type == BP_LAYER_LAYERNORM ? _("over each sample’s units")
                                     : net->eval ? _("(running μ, σ²)") : _("over the batch"),
                              n, n, n, n, act, n);
    case BP_LAYER_DROPOUT:
      return net->eval ? g_strdup_printf (_("a(%zu) = a(%zu)   (dropout passes everything at eval)"),
                                          n, n - 1)
                       : g_strdup_printf ("a(%zu) = a(%zu) ⊙ mask(%zu) / (1 − %g)", n, n - 1, n, L->p);
    case BP_LAYER_DENSE:
    default:
      if (L->skip_from >= 0)
        return g_strdup_printf ("z(%zu) = W(%zu) a(%zu) + b(%zu),   a(%zu) = %s(z(%zu)) + a(%zd)",
                                n, n, n - 1, n, n, act, n, L->skip_from);
      return g_strdup_printf ("z(%zu) = W(%zu) a(%zu) + b(%zu),   a(%zu) = %s(z(%zu))",
                              n, n, n - 1, n, n, act, n);
    }
}

/* What ∂C/∂a(n) gathers from the layers that read a(n): the next layer,
 * and each skip that adds a(n) to a later output. */
static char *
gathered_formula (const BpNetwork *net,
                  gsize            n)
{
  GString *s = g_string_new (NULL);
  const BpLayer *next = &net->layers[n];

  switch (next->type)
    {
    case BP_LAYER_BATCHNORM:
    case BP_LAYER_LAYERNORM:
      /* Its three terms are the inspector's (select a unit): the card has
       * room for one line. */
      g_string_append_printf (s, _("δ(%zu) back through %s(%zu)"), n + 1,
                              next->type == BP_LAYER_BATCHNORM ? "BN" : "LN", n + 1);
      break;
    case BP_LAYER_DROPOUT:
      g_string_append_printf (s, "mask(%zu)/(1 − %g) ⊙ ∂C/∂a(%zu)", n + 1, next->p, n + 1);
      break;
    case BP_LAYER_DENSE:
    default:
      g_string_append_printf (s, "W(%zu)ᵀ δ(%zu)", n + 1, n + 1);
      break;
    }
  for (gsize m = n + 1; m < net->n_layers; m++)
    if (net->layers[m].skip_from == (gssize) n)
      g_string_append_printf (s, " + ∂C/∂a(%zu) (skip)", m + 1);
  return g_string_free (s, FALSE);
}

/* The phase card's formula for the backward stop at layer n: the first
 * line, and what the stop computes for the parameters (NULL when it is on
 * the first line already), which goes before the stop's place on the
 * second. */
static char *
backward_formula (const BpNetwork  *net,
                  gsize             n,
                  char            **param)
{
  const BpLayer *L = &net->layers[n - 1];
  gsize N = net->n_layers;
  g_autofree char *gathered = NULL;

  *param = NULL;
  if (bp_network_is_plain (net))
    {
      /* The dense chain's familiar form. */
      if (n == N)
        return g_strdup_printf ("δ(%zu) = ∂C/∂a(%zu) ⊙ σ′(z(%zu)),   ∂C/∂W(%zu) = δ(%zu) a(%zu)ᵀ",
                                n, n, n, n, n, n - 1);
      return g_strdup_printf ("δ(%zu) = σ′(z(%zu)) ⊙ W(%zu)ᵀ δ(%zu),   ∂C/∂W(%zu) = δ(%zu) a(%zu)ᵀ",
                              n, n, n + 1, n + 1, n, n, n - 1);
    }
  gathered = n == N ? g_strdup_printf (_("∂C/∂a(%zu) from the cost"), n) : gathered_formula (net, n);
  switch (L->type)
    {
    case BP_LAYER_DROPOUT:
      *param = g_strdup_printf ("∂C/∂a(%zu) = mask(%zu)/(1 − %g) ⊙ ∂C/∂a(%zu)", n - 1, n, L->p, n);
      return g_strdup_printf ("∂C/∂a(%zu) = %s", n, gathered);
    case BP_LAYER_BATCHNORM:
    case BP_LAYER_LAYERNORM:
      *param = g_strdup_printf ("∂C/∂γ(%zu) = Σ δ(%zu) ⊙ x̂,  ∂C/∂β(%zu) = Σ δ(%zu)", n, n, n, n);
      break;
    case BP_LAYER_DENSE:
    default:
      *param = g_strdup_printf ("∂C/∂W(%zu) = δ(%zu) a(%zu)ᵀ", n, n, n - 1);
      break;
    }
  return g_strdup_printf ("δ(%zu) = σ′(z(%zu)) ⊙ ∂C/∂a(%zu),  ∂C/∂a(%zu) = %s", n, n, n, n, gathered);
}

static char *
vector_text (const double *v,
             gsize         n)
{
  GString *s = g_string_new ("(");

  for (gsize i = 0; i < n && i < VECTOR_SHOWN; i++)
    {
      g_autofree char *x = bpv_format_number (v[i]);

      g_string_append_printf (s, "%s%s", i > 0 ? ", " : "", x);
    }
  if (n > VECTOR_SHOWN)
    g_string_append (s, ", …");
  g_string_append (s, ")");
  return g_string_free (s, FALSE);
}

/* The card over the canvas: what the current stop computes, in the
 * notation of the inspector. */
void
bpv_window_update_phase (BpvWindow *self)
{
  BpvSession *session = self->session;
  BpvStepper *st = bpv_session_get_stepper (session);
  const BpNetwork *net = bpv_session_get_network (session);
  gsize N = net->n_layers, sample = 0;
  const BpTrace *t = bpv_session_get_trace (session, &sample);
  g_autofree char *title = NULL, *detail = NULL;
  BpvStepPhase phase = bpv_stepper_get_phase (st);
  gsize n = bpv_stepper_get_layer (st) + 1;
  gsize B = bpv_stepper_get_batch (st, NULL);
  g_autofree char *step = bpv_explain_step_text (session);
  /* TRANSLATORS: "step 1 (in progress) · stop 5 of 7 · one sample" */
  g_autofree char *where = g_strdup_printf (_("%s · stop %d of %d · %s"), step,
                                            bpv_stepper_get_position (st) + 1,
                                            bpv_stepper_get_n_positions (st),
                                            B == 1 ? _("one sample") : _("a mini-batch"));

  if (bpv_session_get_running (session) && bpv_session_is_viewing_past (session))
    {
      /* Scrubbed back while training: the canvas is the past's, the
       * batch cost and epoch are the present's, so neither is shown. */
      title = g_strdup (bpv_session_get_stopping (session) ? _("Pausing…") : _("Training"));
      detail = g_strdup_printf (_("now step %" PRIu64 " · %.0f steps/s · the canvas: step %"
                                  PRIu64 ", the past\nBack to Now shows the present; Space "
                                  "pauses."),
                                bpv_session_get_step_count (session),
                                bpv_session_get_steps_per_second (session),
                                bpv_session_get_shown_step (session));
    }
  else if (bpv_session_get_running (session))
    {
      g_autofree char *loss = bpv_format_number (bpv_session_get_loss (session));

      title = g_strdup (bpv_session_get_stopping (session) ? _("Pausing…") : _("Training"));
      detail = g_strdup_printf (_("step %" PRIu64 " · epoch %u · cost of this step’s batch of %zu "
                                "C = %s · %.0f steps/s\nSpace pauses; → then steps through one sample."),
                                bpv_explain_shown_step (session), bpv_session_get_epoch (session),
                                bpv_session_get_batch_size (session), loss,
                                bpv_session_get_steps_per_second (session));
    }
  else
    switch (phase)
      {
      case BPV_STEP_INPUT:
        {
          g_autofree char *x = vector_text (t->input + sample * t->n_inputs, t->n_inputs);
          g_autofree char *y = vector_text (t->target + sample * bp_network_n_outputs (net),
                                            bp_network_n_outputs (net));

          title = g_strdup (_("Input"));
          detail = g_strdup_printf (_("a(0) = x = %s,   target y = %s\n%s"), x, y, where);
        }
        break;
      case BPV_STEP_FORWARD:
        {
          g_autofree char *formula = forward_formula (net, n);

          title = g_strdup_printf (_("Forward pass · layer %zu of %zu"), n, N);
          detail = g_strdup_printf ("%s\n%s", formula, where);
        }
        break;
      case BPV_STEP_COST:
        {
          g_autofree char *c = bpv_format_number (t->loss);
          g_autofree char *fm = bpv_math_to_markup_flat (net->cost->formula);

          title = g_strdup (C_("phase card", "Cost"));
          /* Whose cost, as the canvas's label says (bpv_render_cost_caption). */
          if (t->batch == 1)
            detail = g_strdup_printf (_("C = <b>%s</b>, this sample’s cost   (%s: %s)\n%s"), c,
                                      net->cost->id, fm, where);
          else
            detail = g_strdup_printf (net->reduction == BP_REDUCTION_SUM
                                      ? _("C = <b>%s</b>, the sum over this batch of %zu   (%s: %s)\n%s")
                                      : _("C = <b>%s</b>, the mean over this batch of %zu   (%s: %s)\n%s"), c, t->batch,
                                      net->cost->id, fm, where);
        }
        break;
      case BPV_STEP_BACKWARD:
        {
          g_autofree char *param = NULL;
          g_autofree char *formula = backward_formula (net, n, &param);

          title = g_strdup_printf (_("Backward pass · layer %zu"), n);
          detail = param != NULL ? g_strdup_printf ("%s\n%s · %s", formula, param, where)
                                 : g_strdup_printf ("%s\n%s", formula, where);
        }
        break;
      case BPV_STEP_UPDATE:
        {
          const BpOptimizer *opt = bpv_session_get_optimizer (session);
          g_autofree char *fm = bpv_math_to_markup_flat (opt->desc->formula);
          /* The rate this step took: a schedule's, not the base rate. */
          g_autofree char *lr = bpv_format_number (bp_optimizer_last_lr (opt));
          g_autofree char *c = bpv_format_number (t->loss);

          /* Two states on screen at once: say which is which. */
          title = g_strdup_printf (_("Update · %s"), opt->desc->name);
          detail = g_strdup_printf (_("%s,   lr = %s · the edges move to the weights <b>after</b> the step\n"
                                    "<b>Before</b> it: C = %s and the a, z, δ, ∂C/∂W shown · %s"),
                                    fm, lr, c, where);
        }
        break;
      case BPV_STEP_IDLE:
      default:
        title = g_strdup (_("Ready"));
        /* Every detail is two lines: the canvas below never moves. */
        detail = g_strdup (_("→ steps through one sample: forward, cost, backward, update.\n"
                           "Space trains · G shows gradients · click a neuron or a weight."));
        break;
      }
  gtk_label_set_markup (self->phase_label, title);
  gtk_label_set_markup (self->phase_detail, detail);
}

static gboolean
status_later (gpointer data)
{
  BpvWindow *self = data;

  self->status_id = 0;
  self->last_status = g_get_monotonic_time ();
  update_title (self);
  bpv_window_update_phase (self);
  /* While training, the inspector's and the timeline's numbers follow
   * here, with the title's (at rest they follow the session by themselves). */
  if (bpv_session_get_running (self->session))
    {
      bpv_inspector_refresh (self->inspector);
      bpv_timeline_refresh (self->timeline);
    }
  return G_SOURCE_REMOVE;
}

static void
on_values_changed (BpvSession *session,
                   BpvWindow  *self)
{
  gint64 now = g_get_monotonic_time ();
  guint64 serial = bpv_session_get_values_serial (session);

  /* The animation alone changes no text. */
  if (serial == self->status_serial)
    return;
  self->status_serial = serial;
  if (!bpv_session_get_running (session) || now - self->last_status >= STATUS_INTERVAL_US)
    {
      g_clear_handle_id (&self->status_id, g_source_remove);
      status_later (self);
    }
  else if (self->status_id == 0)
    self->status_id = g_timeout_add (STATUS_INTERVAL_US / 1000, status_later, self);
  bpv_window_update_actions (self);
}

static void
on_message (BpvSession *session,
            const char *text,
            gboolean    is_error,
            BpvWindow  *self)
{
  AdwToast *toast;

  /* A stop on NaN/Inf is told by the fault bar, which stays. */
  if (is_error && bpv_session_get_fault (session, NULL))
    return;
  toast = adw_toast_new (text);

  if (is_error)
    {
      adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
      adw_toast_set_timeout (toast, ERROR_TOAST_S);
    }
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

void
bpv_window_update_fault (BpvWindow *self)
{
  BpTrainFault fault;
  gboolean has = bpv_session_get_fault (self->session, &fault);

  if (has)
    {
      g_autofree char *message = bp_train_fault_message (&fault);
      double lr = bpv_session_get_learning_rate (self->session);
      g_autofree char *lower = g_strdup_printf (_("Lower the Rate to %g"), lr / 10);

      gtk_label_set_text (self->fault_label, message);
      gtk_button_set_label (self->lower_rate_button, lower);
    }
  gtk_revealer_set_reveal_child (self->fault_revealer, has);
  bpv_window_update_actions (self);
}

void
bpv_window_toast (BpvWindow  *self,
                  const char *message)
{
  g_return_if_fail (BPV_IS_WINDOW (self));

  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

static void
on_edited (BpvSession *session,
           BpvWindow  *self)
{
  bpv_window_sync_settings (self);
  bpv_window_update_file_title (self);
  bpv_window_update_actions (self);
  bpv_window_update_undo (self);
}

/* The decision map only means something for two inputs. */
static void
update_panels (BpvWindow *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->decision_view),
                          bpv_session_get_network (self->session)->n_inputs == 2);
  bpv_window_update_side_column (self);
}

static void
on_structure_changed (BpvSession *session,
                      BpvWindow  *self)
{
  update_panels (self);
  bpv_window_sync_settings (self);
  update_title (self);
  bpv_window_update_phase (self);
  bpv_window_update_actions (self);
  /* Tests find the new columns' places. */
  if (self->probe_since != 0 && gtk_widget_get_mapped (GTK_WIDGET (self)))
    bpv_window_log_probe (self);
}

/* ------------------------------------------------------------------ map */

/* Where the dataset row is once the sidebar has slid in (it is not on
 * screen before): a test clicks it to change the dataset.  The last step
 * of the animation is laid out after it is notified, so the place is read
 * at the next frame's tick (an idle could wait behind the redraws of a
 * busy canvas). */
static gboolean
log_sidebar (GtkWidget     *row,
             GdkFrameClock *clock,
             gpointer       data)
{
  GtkWidget *window = GTK_WIDGET (gtk_widget_get_root (row));
  GtkWidget *flap = gtk_widget_get_ancestor (row, ADW_TYPE_FLAP);
  graphene_point_t p, q;
  double sx = 0, sy = 0;

  if ((guint64) gdk_frame_clock_get_frame_counter (clock) <= GPOINTER_TO_SIZE (data))
    return G_SOURCE_CONTINUE;
  /* (Hidden again meanwhile: nothing to click.) */
  if (flap == NULL || adw_flap_get_reveal_progress (ADW_FLAP (flap)) < 1.0)
    return G_SOURCE_REMOVE;
  gtk_native_get_surface_transform (GTK_NATIVE (window), &sx, &sy);
  p = GRAPHENE_POINT_INIT (gtk_widget_get_width (row) / 2.f, gtk_widget_get_height (row) / 2.f);
  if (gtk_widget_compute_point (row, window, &p, &q))
    bpv_event ("SIDEBAR dataset x=%d y=%d", (int) lround (q.x + sx), (int) lround (q.y + sy));
  return G_SOURCE_REMOVE;
}

static void
on_flap_progress (AdwFlap    *flap,
                  GParamSpec *pspec,
                  BpvWindow  *self)
{
  GtkWidget *row = GTK_WIDGET (self->dataset_row);
  GdkFrameClock *clock = gtk_widget_get_frame_clock (row);

  if (bpv_events_enabled () && adw_flap_get_reveal_progress (flap) >= 1.0
      && gtk_widget_get_mapped (row) && clock != NULL)
    gtk_widget_add_tick_callback (row, log_sidebar,
                                  GSIZE_TO_POINTER ((gsize) gdk_frame_clock_get_frame_counter (clock)),
                                  NULL);
}

static gboolean
first_frames (GtkWidget     *widget,
              GdkFrameClock *clock,
              gpointer       user_data)
{
  BpvWindow *self = BPV_WINDOW (widget);
  GskRenderer *renderer;
  int w = gtk_widget_get_width (GTK_WIDGET (self->network_view));
  int h = gtk_widget_get_height (GTK_WIDGET (self->network_view));
  gint64 now = gdk_frame_clock_get_frame_time (clock);

  /* Tick callbacks run before layout: wait for a laid-out canvas. */
  if (bpv_network_view_get_layout (self->network_view) == NULL)
    return G_SOURCE_CONTINUE;
  if (self->probe_since == 0)
    {
      renderer = gtk_native_get_renderer (GTK_NATIVE (self));
      bpv_event ("MAPPED renderer=%s", renderer != NULL ? G_OBJECT_TYPE_NAME (renderer) : "none");
    }
  if (self->probe_since == 0 || w != self->probe_width || h != self->probe_height)
    {
      self->probe_since = now;
      self->probe_width = w;
      self->probe_height = h;
      return G_SOURCE_CONTINUE;
    }
  if (now - self->probe_since < PROBE_STABLE_US)
    return G_SOURCE_CONTINUE;
  bpv_window_log_probe (self);
  return G_SOURCE_REMOVE;
}

static void
on_map (GtkWidget *widget,
        BpvWindow *self)
{
  if (self->mapped_logged)
    return;
  self->mapped_logged = TRUE;
  gtk_widget_add_tick_callback (widget, first_frames, NULL, NULL);
}

/* --------------------------------------------------------------- export */

typedef struct
{
  BpvRenderState  state;
  BpvLayoutParams params;
  const char     *title;
} ExportPaint;

static void
export_paint (cairo_t  *cr,
              double    width,
              double    height,
              gpointer  user_data)
{
  ExportPaint *ep = user_data;

  bpv_network_render_page (cr, &ep->state, &ep->params, ep->title, width, height);
}

gboolean
bpv_window_export (BpvWindow   *self,
                   const char  *path,
                   GError     **error)
{
  ExportPaint ep;
  BpvFormat format;
  g_autofree char *title = NULL;
  const BpNetwork *net;
  g_autofree char *shape = NULL;
  g_autofree char *step = NULL;
  double w, h;

  g_return_val_if_fail (BPV_IS_WINDOW (self), FALSE);

  if (!bpv_format_from_path (path, &format, error))
    return FALSE;
  net = bpv_session_get_network (self->session);
  shape = shape_text (net);
  bpv_network_view_get_render_state (self->network_view, &ep.state);
  bpv_layout_params_init (&ep.params, 100, 100);
  bpv_session_input_image (self->session, &ep.params.input_image_width,
                           &ep.params.input_image_height);
  /* The step as the title bar says it: mid-step, the one in progress. */
  step = bpv_explain_step_text (self->session);
  title = g_strdup_printf ("%s · %s · %s", bpv_session_get_dataset (self->session)->name, shape, step);
  ep.title = title;
  w = format == BPV_FORMAT_PNG ? EXPORT_PNG_WIDTH : EXPORT_VECTOR_WIDTH;
  h = format == BPV_FORMAT_PNG ? EXPORT_PNG_HEIGHT : EXPORT_VECTOR_HEIGHT;
  if (!bpv_export (path, format, w, h, 1.0, export_paint, &ep, error))
    return FALSE;
  bpv_event ("EXPORT %s", path);
  return TRUE;
}

/* -------------------------------------------------------------- GObject */

static void
bpv_window_dispose (GObject *object)
{
  BpvWindow *self = BPV_WINDOW (object);

  g_clear_handle_id (&self->dataset_timeout_id, g_source_remove);
  g_clear_handle_id (&self->status_id, g_source_remove);
  if (self->close_question != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->close_question, self);
      g_object_remove_weak_pointer (G_OBJECT (self->close_question), (gpointer *) &self->close_question);
      self->close_question = NULL;
    }
  if (self->session != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->session, self);
      /* Training stops with the window. */
      bpv_session_pause (self->session);
      for (guint i = 0; i < G_N_ELEMENTS (self->session_bindings); i++)
        g_clear_object (&self->session_bindings[i]);
      g_clear_object (&self->session);
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), BPV_TYPE_WINDOW);
  G_OBJECT_CLASS (bpv_window_parent_class)->dispose (object);
}

static void
bpv_window_finalize (GObject *object)
{
  BpvWindow *self = BPV_WINDOW (object);

  g_ptr_array_unref (self->layer_rows);
  g_ptr_array_unref (self->schedule_rows);
  g_ptr_array_unref (self->dataset_names);
  g_clear_object (&self->file);
  g_clear_object (&self->imported_from);
  g_free (self->explain_title);
  g_free (self->explain_text);
  bpv_window_lesson_finalize (self);
  G_OBJECT_CLASS (bpv_window_parent_class)->finalize (object);
}

static void
bpv_window_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  BpvWindow *self = BPV_WINDOW (object);

  switch (prop_id)
    {
    case PROP_FILE:
      g_value_set_object (value, self->file);
      break;
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bpv_window_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  BpvWindow *self = BPV_WINDOW (object);

  switch (prop_id)
    {
    case PROP_FILE:
      bpv_window_set_file (self, g_value_get_object (value));
      break;
    case PROP_SESSION:
      bpv_window_set_session (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bpv_window_class_init (BpvWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bpv_window_dispose;
  object_class->finalize = bpv_window_finalize;
  object_class->get_property = bpv_window_get_property;
  object_class->set_property = bpv_window_set_property;
  GTK_WINDOW_CLASS (klass)->close_request = bpv_window_close_request;

  /* The model file the window shows (NULL: not saved yet). */
  properties[PROP_FILE] =
    g_param_spec_object ("file", NULL, NULL, G_TYPE_FILE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The experiment shown; a lesson may bring another (bpv_window_set_session). */
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, BPV_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  bpv_window_lesson_class_init (object_class);

  bpv_ui_init ();
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "ui/bpv-window.ui");
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, flap);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, play_button);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, network_view);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, timeline);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, phase_label);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, phase_detail);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, decision_view);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, norms_view);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, histogram_view);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, loss_view);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, accuracy_view);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, inspector);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, quiz_revealer);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, quiz_pane);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, side_paned);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, side_stack);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, lesson_pane);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, lessons_menu);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, dataset_row);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, rows_adjustment);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, noise_adjustment);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, test_adjustment);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, lr_adjustment);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, batch_adjustment);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, wd_adjustment);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, seed_adjustment);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, speed_adjustment);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, step_unit_row);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, optimizer_row);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, cost_row);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, hidden_row);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, layers_group);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, schedule_group);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, schedule_row);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, speed_label);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, palette_box);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, palette_scroller);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, palette_separator);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, plots_box);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, undo_button);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, redo_button);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, edit_section);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, examples_menu);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, recent_menu);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, explain_revealer);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, explain_label);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, fault_revealer);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, fault_label);
  gtk_widget_class_bind_template_child (widget_class, BpvWindow, lower_rate_button);
}

/* The palette scrolled: its items moved on the screen (for tests). */
static void
on_palette_scrolled (BpvWindow *self)
{
  if (bpv_events_enabled () && self->probe_since != 0 && gtk_widget_get_mapped (GTK_WIDGET (self)))
    bpv_window_log_probe (self);
}

static void
bpv_window_init (BpvWindow *self)
{
  self->layer_rows = g_ptr_array_new ();
  self->schedule_rows = g_ptr_array_new ();
  self->dataset_names = g_ptr_array_new_with_free_func (g_free);
  gtk_widget_init_template (GTK_WIDGET (self));
  bpv_window_build_palette (self);
  bpv_window_install_actions (self);
  bpv_window_install_key_shortcuts (self);
  bpv_lesson_pane_set_canvas (self->lesson_pane, self->network_view);
  /* The histogram shows what the canvas shows, whatever the session. */
  g_object_bind_property (self->network_view, "gradients", self->histogram_view, "gradients",
                          G_BINDING_SYNC_CREATE);
  g_signal_connect (self, "map", G_CALLBACK (on_map), self);
  g_signal_connect (self->flap, "notify::reveal-progress", G_CALLBACK (on_flap_progress), self);
  g_signal_connect_swapped (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (self->palette_scroller)),
                            "value-changed", G_CALLBACK (on_palette_scrolled), self);
}

/* The sidebar's numbers follow the session's properties both ways. */
static void
bind_session (BpvWindow  *self,
              BpvSession *session)
{
  const GBindingFlags both = G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE;
  const struct
  {
    const char    *property;
    GtkAdjustment *adjustment;
  } bound[G_N_ELEMENTS (self->session_bindings)] = {
    { "learning-rate", self->lr_adjustment },
    { "batch-size", self->batch_adjustment },
    { "weight-decay", self->wd_adjustment },
    { "seed", self->seed_adjustment },
    { "speed", self->speed_adjustment },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bound); i++)
    self->session_bindings[i] = g_object_ref (g_object_bind_property (session, bound[i].property,
                                                                      bound[i].adjustment, "value",
                                                                      both));
}

/* The window lets go of its session: its signals, its bindings, and its
 * training, which stops. */
static void
unset_session (BpvWindow *self)
{
  if (self->session == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->session, self);
  for (guint i = 0; i < G_N_ELEMENTS (self->session_bindings); i++)
    if (self->session_bindings[i] != NULL)
      {
        g_binding_unbind (self->session_bindings[i]);
        g_clear_object (&self->session_bindings[i]);
      }
  bpv_session_pause (self->session);
  g_clear_object (&self->session);
}

static void
set_session (BpvWindow  *self,
             BpvSession *session)
{
  unset_session (self);
  self->session = g_object_ref (session);
  bpv_network_view_set_session (self->network_view, session);
  bpv_plot_view_set_session (self->decision_view, session);
  bpv_plot_view_set_session (self->norms_view, session);
  bpv_plot_view_set_session (self->histogram_view, session);
  bpv_plot_view_set_session (self->loss_view, session);
  bpv_plot_view_set_session (self->accuracy_view, session);
  bpv_inspector_set_session (self->inspector, session);
  bpv_quiz_pane_set_session (self->quiz_pane, session);
  bpv_quiz_pane_set_canvas (self->quiz_pane, self->network_view);
  bpv_timeline_set_session (self->timeline, session);

  bind_session (self, session);

  g_signal_connect (session, "values-changed", G_CALLBACK (on_values_changed), self);
  g_signal_connect (session, "structure-changed", G_CALLBACK (on_structure_changed), self);
  g_signal_connect (session, "message", G_CALLBACK (on_message), self);
  g_signal_connect (session, "edited", G_CALLBACK (on_edited), self);
  g_signal_connect_swapped (session, "selection-changed", G_CALLBACK (bpv_window_update_actions), self);
  g_signal_connect_swapped (session, "notify::running", G_CALLBACK (bpv_window_update_actions), self);
  g_signal_connect_swapped (session, "notify::stopping", G_CALLBACK (bpv_window_update_actions), self);
  g_signal_connect_swapped (session, "notify::running", G_CALLBACK (bpv_window_update_play_button), self);
  g_signal_connect_swapped (session, "notify::stopping", G_CALLBACK (bpv_window_update_play_button), self);
  /* A run that ends is a step in the undo history. */
  g_signal_connect_swapped (session, "notify::running", G_CALLBACK (bpv_window_update_undo), self);
  g_signal_connect_swapped (session, "notify::autoplay", G_CALLBACK (bpv_window_update_actions), self);
  g_signal_connect_swapped (session, "notify::has-fault", G_CALLBACK (bpv_window_update_fault), self);
  g_signal_connect_swapped (session, "notify::learning-rate", G_CALLBACK (bpv_window_update_fault), self);

  bpv_window_sync_settings (self);
  if (!self->settings_connected)
    {
      bpv_window_connect_settings (self);
      self->settings_connected = TRUE;
    }

  update_panels (self);
  update_title (self);
  bpv_window_update_phase (self);
  bpv_window_update_fault (self);
  bpv_window_update_play_button (self);
  bpv_window_update_undo (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->network_view));
}

BpvWindow *
bpv_window_new (GtkApplication *application,
                BpvSession     *session)
{
  BpvWindow *self;

  g_return_val_if_fail (BPV_IS_SESSION (session), NULL);

  self = g_object_new (BPV_TYPE_WINDOW, "application", application, NULL);
  set_session (self, session);
  return self;
}

BpvSession *
bpv_window_get_session (BpvWindow *self)
{
  g_return_val_if_fail (BPV_IS_WINDOW (self), NULL);

  return self->session;
}

void
bpv_window_set_session (BpvWindow  *self,
                        BpvSession *session)
{
  g_return_if_fail (BPV_IS_WINDOW (self));
  g_return_if_fail (BPV_IS_SESSION (session));

  if (self->session == session)
    return;
  set_session (self, session);
  bpv_window_update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

GtkWidget *
bpv_window_get_network_view (BpvWindow *self)
{
  g_return_val_if_fail (BPV_IS_WINDOW (self), NULL);

  return GTK_WIDGET (self->network_view);
}

GtkWidget *
bpv_window_get_inspector (BpvWindow *self)
{
  g_return_val_if_fail (BPV_IS_WINDOW (self), NULL);

  return GTK_WIDGET (self->inspector);
}

GFile *
bpv_window_get_file (BpvWindow *self)
{
  g_return_val_if_fail (BPV_IS_WINDOW (self), NULL);

  return self->file;
}

void
bpv_window_set_file (BpvWindow *self,
                     GFile     *file)
{
  g_return_if_fail (BPV_IS_WINDOW (self));
  g_return_if_fail (file == NULL || G_IS_FILE (file));

  if (self->file == file || (self->file != NULL && file != NULL && g_file_equal (self->file, file)))
    return;
  g_set_object (&self->file, file);
  if (self->session != NULL)
    bpv_window_update_file_title (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE]);
}

/* ------------------------------------------------------------ explanation */

void
bpv_window_set_examples (BpvWindow  *self,
                         GMenuModel *examples)
{
  g_return_if_fail (BPV_IS_WINDOW (self));
  g_return_if_fail (G_IS_MENU_MODEL (examples));

  g_menu_remove_all (self->examples_menu);
  g_menu_append_section (self->examples_menu, NULL, examples);
}

void
bpv_window_set_lessons (BpvWindow  *self,
                        GMenuModel *lessons)
{
  g_return_if_fail (BPV_IS_WINDOW (self));
  g_return_if_fail (G_IS_MENU_MODEL (lessons));

  g_menu_remove_all (self->lessons_menu);
  g_menu_append_section (self->lessons_menu, NULL, lessons);
}

void
bpv_window_set_recent (BpvWindow  *self,
                       GMenuModel *recent)
{
  g_return_if_fail (BPV_IS_WINDOW (self));
  g_return_if_fail (G_IS_MENU_MODEL (recent));

  g_menu_remove_all (self->recent_menu);
  g_menu_append_section (self->recent_menu, NULL, recent);
}

void
bpv_window_update_explanation (BpvWindow *self)
{
  g_autofree char *title = NULL;
  g_autofree char *text = NULL;
  g_autofree char *markup = NULL;

  if (self->explain_text == NULL)
    return;
  title = g_markup_escape_text (self->explain_title != NULL ? self->explain_title : "", -1);
  text = g_markup_escape_text (self->explain_text, -1);
  markup = g_strdup_printf ("<b>%s</b>   %s", title, text);
  if (g_strcmp0 (gtk_label_get_label (self->explain_label), markup) != 0)
    gtk_label_set_markup (self->explain_label, markup);
}

void
bpv_window_show_explanation (BpvWindow  *self,
                             const char *title,
                             const char *text,
                             gboolean    chain_quiz)
{
  g_return_if_fail (BPV_IS_WINDOW (self));

  g_free (self->explain_title);
  g_free (self->explain_text);
  self->explain_title = g_strdup (title);
  self->explain_text = g_strdup (text);
  bpv_window_update_explanation (self);
  gtk_revealer_set_reveal_child (self->explain_revealer, text != NULL);
  bpv_event ("EXPLAIN %s", title != NULL ? title : "");
  if (chain_quiz)
    {
      /* The walkthrough's question, on the live network: the pane asks
       * and checks it (or says why it cannot). */
      bpv_quiz_pane_ask (self->quiz_pane, BPV_QUESTION_EXPRESSION, "expr-da-da", NULL);
      gtk_revealer_set_reveal_child (self->quiz_revealer, TRUE);
    }
}

static gboolean
relog_probe (gpointer data)
{
  BpvWindow *self = data;

  if (gtk_widget_get_mapped (GTK_WIDGET (self)) && self->session != NULL)
    bpv_window_log_probe (self);
  return G_SOURCE_REMOVE;
}

void
bpv_window_refresh_features (BpvWindow *self)
{
  g_return_if_fail (BPV_IS_WINDOW (self));

  bpv_window_build_palette (self);
  bpv_window_sync_settings (self);
  bpv_window_update_actions (self);
  if (self->probe_since != 0 && gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      /* The new items are laid out at the next frame. */
      g_idle_add_full (G_PRIORITY_LOW, relog_probe, g_object_ref (self), g_object_unref);
    }
}
