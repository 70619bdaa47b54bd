/* bpv-inspector.c — the selection explained (see bpv-inspector.h). */
#include "config.h"
#include "bpv-inspector.h"

#include <glib/gi18n.h>
#include <adwaita.h>
#include <math.h>

#include "bpv-events.h"

struct _BpvInspector
{
  GtkWidget       parent_instance;

  GtkStack       *stack;
  GtkLabel       *title_label;
  GtkLabel       *context_label;
  GtkLabel       *equations_label;
  GtkLabel       *chain_heading;
  GtkLabel       *chain_label;
  GtkBox         *check_box;
  GtkLabel       *check_label;
  GtkWidget      *latex_button;

  BpvSession     *session;
  gulong          values_id;
  gulong          selection_id;
  gulong          structure_id;
  BpvExplanation *explanation;
  char           *last_event;
  guint64         serial;         /* of the numbers shown */
};

G_DEFINE_FINAL_TYPE (BpvInspector, bpv_inspector, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
log_explanation (BpvInspector *self)
{
  const BpvExplanation *ex = self->explanation;
  g_autofree char *line = NULL;

  if (!bpv_events_enabled () || ex == NULL || bpv_session_get_running (self->session))
    return;
  if (ex->hit.kind == BPV_HIT_EDGE)
    line = g_strdup_printf ("INSPECTOR edge %zu %zu %zu delta=%.17g a=%.17g product=%.17g "
                            "backprop=%.17g chain=%.17g gradient=%.17g factors=%zu",
                            ex->hit.layer, ex->hit.j + 1, ex->hit.k + 1, ex->delta, ex->a_prev,
                            ex->product, ex->backprop, ex->chain_product, ex->batch_gradient,
                            ex->n_factors);
  else if (ex->hit.kind == BPV_HIT_SKIP)
    line = g_strdup_printf ("INSPECTOR skip %zu %zu", ex->hit.j, ex->hit.layer);
  else
    line = g_strdup_printf ("INSPECTOR neuron %zu %zu z=%.17g a=%.17g dsigma=%.17g delta=%.17g",
                            ex->hit.layer, ex->hit.j + 1, ex->z, ex->a, ex->dsigma,
                            ex->neuron_delta);
  /* Only when something changed: autoplay redraws often. */
  if (g_strcmp0 (line, self->last_event) == 0)
    return;
  g_free (self->last_event);
  self->last_event = g_steal_pointer (&line);
  bpv_event ("%s", self->last_event);
}

void
bpv_inspector_refresh (BpvInspector *self)
{
  const BpvHit *hit;
  const BpvExplanation *ex;

  g_return_if_fail (BPV_IS_INSPECTOR (self));

  g_clear_pointer (&self->explanation, bpv_explanation_free);
  if (self->session != NULL)
    self->serial = bpv_session_get_values_serial (self->session);
  if (self->session == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }
  hit = bpv_session_get_selection (self->session);
  self->explanation = bpv_explain (self->session, hit);
  ex = self->explanation;
  if (ex == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }
  gtk_label_set_markup (self->title_label, ex->title);
  gtk_label_set_markup (self->context_label, ex->context);
  gtk_label_set_markup (self->equations_label, ex->equations);
  gtk_widget_set_visible (GTK_WIDGET (self->chain_heading), ex->chain != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->chain_label), ex->chain != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->check_box), ex->hit.kind == BPV_HIT_EDGE
                          || (ex->hit.kind == BPV_HIT_NEURON && ex->hit.layer > 0));
  gtk_widget_set_visible (self->latex_button, ex->hit.kind == BPV_HIT_EDGE);
  if (ex->chain != NULL)
    gtk_label_set_markup (self->chain_label, ex->chain);
  gtk_stack_set_visible_child_name (self->stack, "details");
  log_explanation (self);
}

static void
on_values_changed (BpvSession   *session,
                   BpvInspector *self)
{
  if (bpv_session_get_selection (session)->kind == BPV_HIT_NONE)
    return;
  /* The animation alone changes no number. */
  if (bpv_session_get_values_serial (session) == self->serial)
    return;
  /* During training the numbers change ~30 times a second: the owner
   * refreshes the text at the pace of its status line, so that the step
   * and loss here and there are of the same snapshot (two timers of their
   * own showed different steps). */
  if (bpv_session_get_running (session))
    return;
  /* The numbers changed: an old check result no longer applies. */
  gtk_widget_set_visible (GTK_WIDGET (self->check_label), FALSE);
  bpv_inspector_refresh (self);
}

static void
on_selection_changed (BpvSession   *session,
                      BpvInspector *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->check_label), FALSE);
  bpv_inspector_refresh (self);
}

gboolean
bpv_inspector_check_gradient (BpvInspector *self,
                              double       *backprop,
                              double       *numeric)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *b = NULL, *n = NULL, *d = NULL, *f = NULL, *verdict = NULL, *markup = NULL;
  BpGradCheckEntry check;
  double diff;

  g_return_val_if_fail (BPV_IS_INSPECTOR (self), FALSE);

  if (self->session == NULL)
    return FALSE;
  if (!bpv_explain_gradcheck (self->session, bpv_session_get_selection (self->session),
                              &check, &error))
    {
      g_autofree char *msg = g_markup_escape_text (error->message, -1);

      gtk_label_set_markup (self->check_label, msg);
      gtk_widget_set_visible (GTK_WIDGET (self->check_label), TRUE);
      return FALSE;
    }
  diff = fabs (check.backprop - check.fd.derivative);
  b = bpv_format_number (check.backprop);
  n = bpv_format_number (check.fd.derivative);
  d = bpv_format_number (diff);
  f = bpv_format_number (check.fd.floor);
  /* Central differences cannot see below their own rounding (≈ ε·C/h):
   * say how far they can be trusted, and call the gradient wrong only
   * when it misses by well above that. */
  switch (check.verdict)
    {
    case BP_FD_AGREES:
      verdict = g_strdup_printf (_("✓ they agree to within the finite-difference noise of %s"), f);
      break;
    case BP_FD_DIFFERS:
      verdict = g_strdup_printf (_("⚠ they differ by %s, %.0f× the finite-difference noise of %s"),
                                 d, check.ratio, f);
      break;
    case BP_FD_NOT_RESOLVABLE:
    default:
      if (check.ratio <= 1.0)
        verdict = g_strdup_printf (_("◌ not resolvable: the finite-difference noise, %s, "
                                   "is %.2g %% of this gradient, too large to tell "
                                   "(they differ by %s)"),
                                   f, 100 * check.fd.floor / MAX (fabs (check.fd.derivative),
                                                                  fabs (check.backprop)), d);
      else
        verdict = g_strdup_printf (_("◌ not resolvable: they differ by %s, above the "
                                   "finite-difference noise of %s but not well above it"),
                                   d, f);
      break;
    }
  {
    const BpvHit *hit = bpv_session_get_selection (self->session);
    /* Say what is checked: a neuron's δ through its bias. */
    g_autofree char *what = hit->kind == BPV_HIT_EDGE
      ? g_strdup_printf (_("Checks ∂C/∂W(%zu)[%zu,%zu] on the batch of this pass."), hit->layer,
                         hit->j + 1, hit->k + 1)
      : g_strdup_printf (_("Checks this neuron's δ through its bias: ∂C/∂b(%zu)[%zu] = Σ δ(%zu)[%zu] "
                         "over the batch of this pass."), hit->layer, hit->j + 1, hit->layer, hit->j + 1);
    const char *p = hit->kind == BPV_HIT_EDGE ? "W" : "b";
    const char *v = hit->kind == BPV_HIT_EDGE ? "w" : "b";

    markup = g_strdup_printf (_("<small>%s</small>\n"
                              "backprop      ∂C/∂%s = <b>%s</b>\n"
                              "finite diff.  (C(%s+h) − C(%s−h))/2h → <b>%s</b>\n"
                              "<small>(steps h and 2h, extrapolated to h → 0)</small>\n"
                              "%s"),
                              what, p, b, v, v, n, verdict);
  }
  gtk_label_set_markup (self->check_label, markup);
  gtk_widget_set_visible (GTK_WIDGET (self->check_label), TRUE);
  bpv_event ("CHECK backprop=%.17g numeric=%.17g rel=%.3g floor=%.3g verdict=%s",
             check.backprop, check.fd.derivative,
             diff / MAX (MAX (fabs (check.backprop), fabs (check.fd.derivative)), 1e-8),
             check.fd.floor, bp_fd_verdict_to_string (check.verdict));
  if (backprop != NULL)
    *backprop = check.backprop;
  if (numeric != NULL)
    *numeric = check.fd.derivative;
  return TRUE;
}

static void
bpv_inspector_dispose (GObject *object)
{
  BpvInspector *self = BPV_INSPECTOR (object);

  bpv_inspector_set_session (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), BPV_TYPE_INSPECTOR);
  G_OBJECT_CLASS (bpv_inspector_parent_class)->dispose (object);
}

static void
bpv_inspector_finalize (GObject *object)
{
  BpvInspector *self = BPV_INSPECTOR (object);

  bpv_explanation_free (self->explanation);
  g_free (self->last_event);
  G_OBJECT_CLASS (bpv_inspector_parent_class)->finalize (object);
}

static void
bpv_inspector_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  BpvInspector *self = BPV_INSPECTOR (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bpv_inspector_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  BpvInspector *self = BPV_INSPECTOR (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      bpv_inspector_set_session (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bpv_inspector_class_init (BpvInspectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bpv_inspector_dispose;
  object_class->finalize = bpv_inspector_finalize;
  object_class->get_property = bpv_inspector_get_property;
  object_class->set_property = bpv_inspector_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, BPV_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/backprop_studio/BackpropStudio/ui/bpv-inspector.ui");
  gtk_widget_class_bind_template_child (widget_class, BpvInspector, stack);
  gtk_widget_class_bind_template_child (widget_class, BpvInspector, title_label);
  gtk_widget_class_bind_template_child (widget_class, BpvInspector, context_label);
  gtk_widget_class_bind_template_child (widget_class, BpvInspector, equations_label);
  gtk_widget_class_bind_template_child (widget_class, BpvInspector, chain_heading);
  gtk_widget_class_bind_template_child (widget_class, BpvInspector, chain_label);
  gtk_widget_class_bind_template_child (widget_class, BpvInspector, check_box);
  gtk_widget_class_bind_template_child (widget_class, BpvInspector, check_label);
  gtk_widget_class_bind_template_child (widget_class, BpvInspector, latex_button);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "inspector");
}

static void
bpv_inspector_init (BpvInspector *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
bpv_inspector_new (void)
{
  return g_object_new (BPV_TYPE_INSPECTOR, NULL);
}

void
bpv_inspector_set_session (BpvInspector *self,
                           BpvSession   *session)
{
  g_return_if_fail (BPV_IS_INSPECTOR (self));

  if (self->session == session)
    return;
  if (self->session != NULL)
    {
      g_clear_signal_handler (&self->values_id, self->session);
      g_clear_signal_handler (&self->selection_id, self->session);
      g_clear_signal_handler (&self->structure_id, self->session);
      g_clear_object (&self->session);
    }
  if (session != NULL)
    {
      self->session = g_object_ref (session);
      self->values_id = g_signal_connect (session, "values-changed",
                                          G_CALLBACK (on_values_changed), self);
      self->selection_id = g_signal_connect (session, "selection-changed",
                                             G_CALLBACK (on_selection_changed), self);
      self->structure_id = g_signal_connect (session, "structure-changed",
                                             G_CALLBACK (on_selection_changed), self);
    }
  if (self->stack != NULL)
    bpv_inspector_refresh (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

const BpvExplanation *
bpv_inspector_get_explanation (BpvInspector *self)
{
  g_return_val_if_fail (BPV_IS_INSPECTOR (self), NULL);

  return self->explanation;
}

char *
bpv_inspector_dup_text (BpvInspector *self)
{
  g_return_val_if_fail (BPV_IS_INSPECTOR (self), NULL);

  if (self->explanation == NULL)
    return g_strdup ("");
  /* What the label shows, as text. */
  return g_strdup (gtk_label_get_text (self->equations_label));
}
