/* bpv-compare-run.c — two experiments in lockstep (see bpv-compare-run.h). */
#include "config.h"
#include "bpv-compare-run.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "bp-compare.h"

struct _BpvCompareRun
{
  GObject     parent_instance;

  BpvSession *a;
  BpvSession *b;
  /* The lockstep trainers over the sessions' live models: made at the
   * first step, dropped when either model changes (an edit, a setter) or
   * a step fails, and made again from there at the next step. */
  BpCompare  *cmp;
  gulong      edited_a, edited_b;
  gulong      reshaped_a, reshaped_b;
  gboolean    running;
  guint64     origin;
  char       *difference;
  char       *caption_a;
  char       *caption_b;
};

enum {
  PROP_0,
  PROP_RUNNING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BpvCompareRun, bpv_compare_run, G_TYPE_OBJECT)

static void
bpv_compare_run_dispose (GObject *object)
{
  BpvCompareRun *self = BPV_COMPARE_RUN (object);

  g_clear_pointer (&self->cmp, bp_compare_free);
  g_clear_signal_handler (&self->edited_a, self->a);
  g_clear_signal_handler (&self->edited_b, self->b);
  g_clear_signal_handler (&self->reshaped_a, self->a);
  g_clear_signal_handler (&self->reshaped_b, self->b);
  g_clear_object (&self->a);
  g_clear_object (&self->b);
  G_OBJECT_CLASS (bpv_compare_run_parent_class)->dispose (object);
}

static void
bpv_compare_run_finalize (GObject *object)
{
  BpvCompareRun *self = BPV_COMPARE_RUN (object);

  g_free (self->difference);
  g_free (self->caption_a);
  g_free (self->caption_b);
  G_OBJECT_CLASS (bpv_compare_run_parent_class)->finalize (object);
}

static void
bpv_compare_run_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  BpvCompareRun *self = BPV_COMPARE_RUN (object);

  switch (prop_id)
    {
    case PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bpv_compare_run_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  BpvCompareRun *self = BPV_COMPARE_RUN (object);

  switch (prop_id)
    {
    case PROP_RUNNING:
      bpv_compare_run_set_running (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bpv_compare_run_class_init (BpvCompareRunClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = bpv_compare_run_dispose;
  object_class->finalize = bpv_compare_run_finalize;
  object_class->get_property = bpv_compare_run_get_property;
  object_class->set_property = bpv_compare_run_set_property;

  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
bpv_compare_run_init (BpvCompareRun *self)
{
}

/* A model changed (an edit or a setter on either canvas): the trainers
 * over the old one go; the next step makes new ones from there. */
static void
on_edited (BpvSession    *session,
           BpvCompareRun *self)
{
  g_clear_pointer (&self->cmp, bp_compare_free);
}

/* A number (as bp-compare formats it) keeps its name: "lr 0.1"; an id
 * stands alone: "tanh". */
static gboolean
is_number (const char *s)
{
  char *end = NULL;

  g_ascii_strtod (s, &end);
  return end != s && *end == '\0';
}

/* Each side's values of what differs, from "name: x → y; …": "A · tanh". */
static char *
make_caption (const char *difference,
              gboolean    b)
{
  g_autoptr(GString) s = g_string_new (b ? "B" : "A");
  g_auto(GStrv) items = NULL;
  g_autofree char *last = NULL;
  guint n = 0;

  if (difference == NULL)
    return g_string_free (g_steal_pointer (&s), FALSE);
  items = g_strsplit (difference, "; ", -1);
  for (guint i = 0; items[i] != NULL && n < 3; i++)
    {
      const char *colon = strstr (items[i], ": ");
      const char *arrow = colon != NULL ? strstr (colon, " → ") : NULL;
      g_autofree char *name = NULL, *value = NULL, *part = NULL;

      if (arrow == NULL)
        continue;
      name = g_strndup (items[i], colon - items[i]);
      value = b ? g_strdup (arrow + strlen (" → "))
                : g_strndup (colon + 2, arrow - (colon + 2));
      part = is_number (value) ? g_strdup_printf ("%s %s", name, value) : g_strdup (value);
      /* Every hidden layer changed alike: once. */
      if (g_strcmp0 (part, last) == 0)
        continue;
      g_string_append (s, n == 0 ? " · " : ", ");
      g_string_append (s, part);
      g_free (last);
      last = g_steal_pointer (&part);
      n++;
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* A model for the comparison: a copy without its run's progress, so that
 * both begin at step 0. */
static BpModel *
start_copy (const BpModel *model)
{
  BpModel *copy = bp_model_copy (model);

  g_clear_pointer (&copy->progress, bp_train_progress_free);
  return copy;
}

static BpvCompareRun *
run_new (BpvSession *a,
         BpvSession *b,
         GError    **error)
{
  BpvCompareRun *self;

  if (!bp_compare_check_data (bpv_session_get_model (a), bpv_session_get_model (b),
                              FALSE, error))
    return NULL;
  self = g_object_new (BPV_TYPE_COMPARE_RUN, NULL);
  self->a = g_object_ref (a);
  self->b = g_object_ref (b);
  self->difference = bp_compare_describe_differences (bpv_session_get_model (a),
                                                      bpv_session_get_model (b));
  self->caption_a = make_caption (self->difference, FALSE);
  self->caption_b = make_caption (self->difference, TRUE);
  /* Any change of a model (a setter emits "edited", a new shape
   * "structure-changed"): the trainers borrow its network and optimizer. */
  self->edited_a = g_signal_connect (a, "edited", G_CALLBACK (on_edited), self);
  self->edited_b = g_signal_connect (b, "edited", G_CALLBACK (on_edited), self);
  self->reshaped_a = g_signal_connect (a, "structure-changed", G_CALLBACK (on_edited), self);
  self->reshaped_b = g_signal_connect (b, "structure-changed", G_CALLBACK (on_edited), self);
  return self;
}

BpvCompareRun *
bpv_compare_run_new (const BpModel *a,
                     const BpModel *b,
                     GError       **error)
{
  g_autoptr(BpModel) ma = NULL;
  g_autoptr(BpModel) mb = NULL;
  g_autoptr(BpvSession) sa = NULL;
  g_autoptr(BpvSession) sb = NULL;

  g_return_val_if_fail (a != NULL && b != NULL, NULL);

  if (!bp_compare_check_data (a, b, FALSE, error))
    return NULL;
  ma = start_copy (a);
  mb = start_copy (b);
  if ((sa = bpv_session_new (ma, error)) == NULL
      || (sb = bpv_session_new (mb, error)) == NULL)
    return NULL;
  return run_new (sa, sb, error);
}

/* A learning rate as typed: FALSE with a message naming it. */
static gboolean
parse_rate (const char  *text,
            double      *lr,
            GError     **error)
{
  char *end = NULL;

  *lr = g_ascii_strtod (text, &end);
  if (end == text || *end != '\0' || !(*lr > 0) || !isfinite (*lr))
    {
      g_set_error (error, BP_COMPARE_ERROR, BP_COMPARE_ERROR_DATA,
                   _("“%s” is not a learning rate: give a number above 0, e.g. 0.01"),
                   text);
      return FALSE;
    }
  return TRUE;
}

/* Applies the change to B's session (with B's learning rate `rate` for
 * an optimizer, when given): FALSE with a message naming the value. */
static gboolean
apply_change (BpvSession       *b,
              BpvCompareChange  change,
              const char       *value,
              const char       *rate,
              GError          **error)
{
  const BpNetwork *net = bpv_session_get_network (b);

  switch (change)
    {
    case BPV_COMPARE_CHANGE_ACTIVATION:
      {
        gboolean any = FALSE;

        /* The hidden layers: the output's activation goes with the cost. */
        for (gsize l = 0; l + 1 < net->n_layers; l++)
          if (net->layers[l].act_id != NULL)
            {
              if (!bpv_session_set_activation (b, l, value, error))
                return FALSE;
              any = TRUE;
            }
        if (!any)
          {
            g_set_error (error, BP_COMPARE_ERROR, BP_COMPARE_ERROR_DATA,
                         _("the network has no hidden layer whose activation could change"));
            return FALSE;
          }
        return TRUE;
      }
    case BPV_COMPARE_CHANGE_OPTIMIZER:
      {
        double lr = 0;

        /* The rate is checked first: a refused one changes nothing. */
        if (rate != NULL && *rate != '\0' && !parse_rate (rate, &lr, error))
          return FALSE;
        return bpv_session_set_optimizer (b, value, error)
               && (lr == 0 || bpv_session_set_learning_rate (b, lr, error));
      }
    case BPV_COMPARE_CHANGE_LEARNING_RATE:
      {
        double lr;

        return parse_rate (value, &lr, error)
               && bpv_session_set_learning_rate (b, lr, error);
      }
    case BPV_COMPARE_CHANGE_SEED:
      {
        guint64 seed;

        if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT64, &seed, NULL))
          {
            g_set_error (error, BP_COMPARE_ERROR, BP_COMPARE_ERROR_DATA,
                         _("“%s” is not a seed: give a whole number, e.g. 7"), value);
            return FALSE;
          }
        bpv_session_set_seed (b, seed);
        bpv_session_reset_weights (b);
        return TRUE;
      }
    case BPV_COMPARE_CHANGE_INIT:
    case BPV_COMPARE_N_CHANGES:
    default:
      g_return_val_if_reached (FALSE);
    }
}

BpvCompareRun *
bpv_compare_run_new_variant (const BpModel     *a,
                             BpvCompareChange   change,
                             const char        *value,
                             const char        *rate,
                             GError           **error)
{
  g_autoptr(BpModel) ma = NULL;
  g_autoptr(BpModel) mb = NULL;
  g_autoptr(BpvSession) sa = NULL;
  g_autoptr(BpvSession) sb = NULL;
  g_autofree char *v = NULL, *r = NULL;
  BpvCompareRun *self;

  g_return_val_if_fail (a != NULL && value != NULL, NULL);
  g_return_val_if_fail (change < BPV_COMPARE_N_CHANGES, NULL);

  v = g_strstrip (g_strdup (value));
  r = rate != NULL ? g_strstrip (g_strdup (rate)) : NULL;
  ma = start_copy (a);
  mb = start_copy (a);
  if (change == BPV_COMPARE_CHANGE_INIT)
    {
      /* The scheme goes into B's model before its session makes it; the
       * weights are then drawn again with it from the same seed. */
      if (!bp_init_from_string (v, &mb->init))
        {
          g_set_error (error, BP_COMPARE_ERROR, BP_COMPARE_ERROR_DATA,
                       _("“%s” is not an initialisation scheme: give glorot_uniform, glorot_normal, he_uniform, he_normal or auto"),
                       v);
          return NULL;
        }
    }
  if ((sa = bpv_session_new (ma, error)) == NULL
      || (sb = bpv_session_new (mb, error)) == NULL)
    return NULL;
  if (change == BPV_COMPARE_CHANGE_INIT)
    bpv_session_reset_weights (sb);
  else if (!apply_change (sb, change, v, r, error))
    return NULL;
  self = run_new (sa, sb, error);
  if (self != NULL && self->difference == NULL)
    {
      g_set_error (error, BP_COMPARE_ERROR, BP_COMPARE_ERROR_DATA,
                   _("“%s” is what A has already: B would be the same"), v);
      g_clear_object (&self);
    }
  return self;
}

BpvSession *
bpv_compare_run_get_a (BpvCompareRun *self)
{
  g_return_val_if_fail (BPV_IS_COMPARE_RUN (self), NULL);
  return self->a;
}

BpvSession *
bpv_compare_run_get_b (BpvCompareRun *self)
{
  g_return_val_if_fail (BPV_IS_COMPARE_RUN (self), NULL);
  return self->b;
}

const char *
bpv_compare_run_get_difference (BpvCompareRun *self)
{
  g_return_val_if_fail (BPV_IS_COMPARE_RUN (self), NULL);
  return self->difference;
}

const char *
bpv_compare_run_get_caption (BpvCompareRun *self,
                             gboolean       b)
{
  g_return_val_if_fail (BPV_IS_COMPARE_RUN (self), NULL);
  return b ? self->caption_b : self->caption_a;
}

gboolean
bpv_compare_run_default_rate (const char *optimizer_id,
                              double     *lr)
{
  g_autoptr(GError) error = NULL;
  BpOptimizer *opt;
  gboolean found;

  g_return_val_if_fail (optimizer_id != NULL && lr != NULL, FALSE);

  opt = bp_optimizer_new (NULL, optimizer_id, 1, &error);
  if (opt == NULL)
    return FALSE;
  found = bp_optimizer_get (opt, "lr", lr);
  bp_optimizer_free (opt);
  return found;
}

void
bpv_compare_run_set_origin (BpvCompareRun *self,
                            guint64        step)
{
  g_return_if_fail (BPV_IS_COMPARE_RUN (self));
  self->origin = step;
}

guint64
bpv_compare_run_get_origin (BpvCompareRun *self)
{
  g_return_val_if_fail (BPV_IS_COMPARE_RUN (self), 0);
  return self->origin;
}

gboolean
bpv_compare_run_layers_match (BpvCompareRun *self)
{
  g_return_val_if_fail (BPV_IS_COMPARE_RUN (self), FALSE);
  return bp_compare_layers_match (bpv_session_get_model (self->a)->network,
                                  bpv_session_get_model (self->b)->network);
}

gboolean
bpv_compare_run_step (BpvCompareRun *self,
                      guint          n,
                      GError       **error)
{
  g_return_val_if_fail (BPV_IS_COMPARE_RUN (self), FALSE);

  if (self->cmp == NULL)
    self->cmp = bpv_session_compare_new (self->a, self->b, error);
  if (self->cmp == NULL
      || !bpv_session_compare_steps (self->a, self->b, self->cmp, n, error))
    {
      g_clear_pointer (&self->cmp, bp_compare_free);
      bpv_compare_run_set_running (self, FALSE);
      return FALSE;
    }
  return TRUE;
}

guint64
bpv_compare_run_get_step_count (BpvCompareRun *self)
{
  g_return_val_if_fail (BPV_IS_COMPARE_RUN (self), 0);
  return bpv_session_get_step_count (self->a);
}

void
bpv_compare_run_set_running (BpvCompareRun *self,
                             gboolean       running)
{
  g_return_if_fail (BPV_IS_COMPARE_RUN (self));

  running = !!running;
  if (running == self->running)
    return;
  self->running = running;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

gboolean
bpv_compare_run_get_running (BpvCompareRun *self)
{
  g_return_val_if_fail (BPV_IS_COMPARE_RUN (self), FALSE);
  return self->running;
}

gboolean
bpv_compare_run_show_step (BpvCompareRun *self,
                           guint64        step,
                           GError       **error)
{
  const BpRecord *rec;
  gssize i;

  g_return_val_if_fail (BPV_IS_COMPARE_RUN (self), FALSE);

  /* A's kept step: B keeps the same ones (the same steps recorded), and
   * shows it too. */
  rec = bpv_session_get_record (self->a);
  if (rec != NULL && (i = bp_record_find (rec, step)) >= 0)
    step = bp_record_step_at (rec, i);
  if (step >= bpv_compare_run_get_step_count (self))
    {
      bpv_compare_run_show_present (self);
      return TRUE;
    }
  return bpv_session_show_step (self->a, step, error)
         && bpv_session_show_step (self->b, step, error);
}

void
bpv_compare_run_show_present (BpvCompareRun *self)
{
  g_return_if_fail (BPV_IS_COMPARE_RUN (self));

  bpv_session_show_present (self->a);
  bpv_session_show_present (self->b);
}

guint64
bpv_compare_run_get_shown_step (BpvCompareRun *self)
{
  g_return_val_if_fail (BPV_IS_COMPARE_RUN (self), 0);
  return bpv_session_get_shown_step (self->a);
}

/* The bucket of `rec` that holds `step`: its mean loss. */
static gboolean
loss_at (const BpRecord *rec,
         guint64         step,
         double         *loss)
{
  gsize n = rec != NULL ? bp_record_n_stats (rec) : 0;

  for (gsize i = 0; i < n; i++)
    {
      BpRecordStats st;

      bp_record_stats_at (rec, i, &st);
      if (st.first_step <= step && step <= st.last_step && st.n > 0)
        {
          *loss = st.loss_mean;
          return TRUE;
        }
    }
  return FALSE;
}

gboolean
bpv_compare_run_loss_at (BpvCompareRun *self,
                         guint64        step,
                         double        *loss_a,
                         double        *loss_b)
{
  g_return_val_if_fail (BPV_IS_COMPARE_RUN (self), FALSE);

  return loss_at (bpv_session_get_record (self->a), step, loss_a)
         && loss_at (bpv_session_get_record (self->b), step, loss_b);
}

gsize
bpv_compare_run_get_losses (BpvCompareRun *self,
                            gboolean       b,
                            double       **steps,
                            double       **loss)
{
  const BpRecord *rec;
  gsize n, m = 0;

  g_return_val_if_fail (BPV_IS_COMPARE_RUN (self), 0);

  rec = bpv_session_get_record (b ? self->b : self->a);
  n = rec != NULL ? bp_record_n_stats (rec) : 0;
  *steps = g_new (double, MAX (n, 1));
  *loss = g_new (double, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    {
      BpRecordStats st;

      bp_record_stats_at (rec, i, &st);
      if (st.n == 0)
        continue;
      (*steps)[m] = (double) st.last_step;
      (*loss)[m] = st.loss_mean;
      m++;
    }
  return m;
}

/* Where W(layer)[j, k] is in net->params. */
static gsize
weight_index (const BpNetwork *net,
              gsize            layer,
              gsize            j,
              gsize            k)
{
  const BpLayer *L = &net->layers[layer - 1];

  return (gsize) (L->W - net->params) + j * L->in + k;
}

static gboolean
is_weight (const BpNetwork *net,
           gsize            layer,
           gsize            j,
           gsize            k)
{
  return layer >= 1 && layer <= net->n_layers
         && net->layers[layer - 1].type == BP_LAYER_DENSE
         && j < net->layers[layer - 1].out && k < net->layers[layer - 1].in;
}

gsize
bpv_compare_run_get_weight_history (BpvCompareRun *self,
                                    gsize          layer,
                                    gsize          j,
                                    gsize          k,
                                    double       **steps,
                                    double       **in_a,
                                    double       **in_b)
{
  const BpRecord *ra, *rb;
  gsize n, wa, wb, m = 0;

  g_return_val_if_fail (BPV_IS_COMPARE_RUN (self), 0);

  *steps = *in_a = *in_b = NULL;
  ra = bpv_session_get_record (self->a);
  rb = bpv_session_get_record (self->b);
  if (ra == NULL || rb == NULL
      || !is_weight (bpv_session_get_model (self->a)->network, layer, j, k)
      || !is_weight (bpv_session_get_model (self->b)->network, layer, j, k))
    return 0;
  /* The weight's place in each parameter block, read from each kept
   * step's parameters (no network restored per step). */
  wa = weight_index (bpv_session_get_model (self->a)->network, layer, j, k);
  wb = weight_index (bpv_session_get_model (self->b)->network, layer, j, k);
  if (wa >= bp_record_n_params (ra) || wb >= bp_record_n_params (rb))
    return 0;
  n = bp_record_n (ra);
  *steps = g_new (double, MAX (n, 1));
  *in_a = g_new (double, MAX (n, 1));
  *in_b = g_new (double, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    {
      guint64 step = bp_record_step_at (ra, i);
      gssize ib = bp_record_find (rb, step);

      /* Both keep the same steps; a step B did not keep is left out. */
      if (ib < 0 || bp_record_step_at (rb, ib) != step)
        continue;
      (*in_a)[m] = bp_record_params_at (ra, i)[wa];
      (*in_b)[m] = bp_record_params_at (rb, (gsize) ib)[wb];
      (*steps)[m] = (double) step;
      m++;
    }
  return m;
}
