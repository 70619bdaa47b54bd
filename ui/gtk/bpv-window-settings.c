/* bpv-window-settings.c — the settings sidebar: the dataset and its
 * parameters, the optimizer, the cost, the step unit, the hidden layers and
 * an activation per layer.  bpv_window_sync_settings sets the widgets from
 * the session; the handlers (bpv_window_connect_settings) set the session
 * from the widgets, never while the first runs (`updating`).
 *
 * The learning rate, batch size, decay, seed and speed are bound to the
 * session's properties instead (set_session in bpv-window.c).
 *
 * The learning-rate schedule: a kind (schedule_row) and a row per parameter
 * of that kind, rebuilt when the kind changes; each change is one undo step
 * (bpv_session_set_schedule).  The sequential kind is offered as "Warm-up,
 * then cosine" (bp_schedule_init_warmup_cosine): its rows are the warm-up's
 * length (also the milestone) and start factor and the cosine's T_max and
 * η_min.  A sequential schedule of another shape, from a file, is shown as
 * its description only.
 */
#include "config.h"
#include "bpv-window-private.h"

#include <glib/gi18n.h>

#include "bp-registry.h"

/* Spin buttons that regenerate the dataset wait for the hand to rest. */
#define DATASET_DEBOUNCE_MS 350

static GtkStringList *
registry_list (BpFeatureKind kind,
               const char   *current,
               guint        *selected)
{
  guint n = 0;
  const char **ids = bp_registry_list_ids (bp_registry_get_default (), kind, &n);
  GtkStringList *list = gtk_string_list_new (NULL);

  *selected = 0;
  for (guint i = 0; i < n; i++)
    {
      gtk_string_list_append (list, ids[i]);
      if (g_strcmp0 (ids[i], current) == 0)
        *selected = i;
    }
  g_free (ids);
  return list;
}

static const char *
combo_selected_string (AdwComboRow *row)
{
  GObject *item = adw_combo_row_get_selected_item (row);

  return item != NULL ? gtk_string_object_get_string (GTK_STRING_OBJECT (item)) : NULL;
}

static gboolean
same_strings (GListModel *a,
              GListModel *b)
{
  guint n;

  if (a == NULL || b == NULL || (n = g_list_model_get_n_items (a)) != g_list_model_get_n_items (b))
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GtkStringObject) x = g_list_model_get_item (a, i);
      g_autoptr(GtkStringObject) y = g_list_model_get_item (b, i);

      if (g_strcmp0 (gtk_string_object_get_string (x), gtk_string_object_get_string (y)) != 0)
        return FALSE;
    }
  return TRUE;
}

/* Replaces the model only when its strings changed: a new model under an
 * open or closing popover would select again later. */
static void
set_combo (AdwComboRow   *row,
           GtkStringList *list,
           guint          selected)
{
  if (!same_strings (adw_combo_row_get_model (row), G_LIST_MODEL (list)))
    adw_combo_row_set_model (row, G_LIST_MODEL (list));
  if (adw_combo_row_get_selected (row) != selected)
    adw_combo_row_set_selected (row, selected);
  g_object_unref (list);
}

static void
on_activation_selected (AdwComboRow *row,
                        GParamSpec  *pspec,
                        BpvWindow   *self)
{
  g_autoptr(GError) error = NULL;
  gsize layer = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (row), "layer"));
  const char *id = combo_selected_string (row);

  if (self->updating || id == NULL)
    return;
  if (!bpv_session_set_activation (self->session, layer, id, &error))
    {
      bpv_window_toast (self, error->message);
      bpv_window_sync_settings (self);
    }
}

static void
rebuild_layer_rows (BpvWindow *self)
{
  const BpNetwork *net = bpv_session_get_network (self->session);

  for (guint i = 0; i < self->layer_rows->len; i++)
    adw_preferences_group_remove (self->layers_group, g_ptr_array_index (self->layer_rows, i));
  g_ptr_array_set_size (self->layer_rows, 0);
  for (gsize l = 0; l < net->n_layers; l++)
    {
      AdwComboRow *row = ADW_COMBO_ROW (adw_combo_row_new ());
      g_autofree char *title = g_strdup_printf (l + 1 == net->n_layers ? _("Layer %zu (output)") : _("Layer %zu"),
                                                l + 1);
      g_autofree char *subtitle = g_strdup_printf (ngettext ("%zu unit · a(%zu) = σ(z(%zu))",
                                                             "%zu units · a(%zu) = σ(z(%zu))",
                                                             net->layers[l].out),
                                                   net->layers[l].out, l + 1, l + 1);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      g_object_set_data (G_OBJECT (row), "layer", GSIZE_TO_POINTER (l));
      g_signal_connect (row, "notify::selected", G_CALLBACK (on_activation_selected), self);
      adw_preferences_group_add (self->layers_group, GTK_WIDGET (row));
      g_ptr_array_add (self->layer_rows, row);
    }
}

/* ---------------------------------------------------------- the schedule */

/* A schedule parameter's row: its label and the spin button's range. */
typedef struct
{
  const char *name;     /* bp_schedule_set's */
  const char *title;    /* translatable */
  const char *subtitle;
  double      lower, upper, step;
  guint       digits;
} ScheduleParam;

static const ScheduleParam schedule_params[] = {
  { "step_size", N_("Step size"), N_("Steps between decays"), 1, 1e7, 1, 0 },
  { "gamma", N_("Factor γ"), N_("The rate is multiplied by it"), 0.0001, 2, 0.01, 4 },
  { "t_max", N_("Period T_max"), N_("Steps from the base rate down to the minimum"), 1, 1e7, 10, 0 },
  { "eta_min", N_("Minimum rate η_min"), NULL, 0, 10, 0.0001, 5 },
  { "start_factor", N_("Start factor"), N_("× the base rate at the first step"), 0.001, 1, 0.01, 3 },
  { "end_factor", N_("End factor"), N_("× the base rate after the warm-up"), 0, 1, 0.01, 3 },
  { "total_iters", N_("Warm-up steps"), NULL, 1, 1e7, 1, 0 },
  /* Warm-up, then cosine: the linear phase's total_iters and milestone. */
  { "warmup", N_("Warm-up steps"), N_("Up to the base rate, then the cosine starts"), 1, 1e7, 1, 0 },
};

/* The rows of "Warm-up, then cosine", and which phase each one sets. */
static const char * const warmup_cosine_names[] = { "warmup", "start_factor", "t_max", "eta_min", NULL };
static const char * const no_rows[] = { NULL };

static guint
warmup_cosine_phase (const char *name)
{
  return g_str_equal (name, "t_max") || g_str_equal (name, "eta_min") ? 1 : 0;
}

/* A parameter of a schedule as the sidebar names it (warmup_cosine_names
 * for the sequential kind). */
static double
schedule_value (const BpSchedule *s,
                const char       *name)
{
  if (s->kind != BP_SCHEDULE_SEQUENTIAL)
    return bp_schedule_get (s, name);
  if (g_str_equal (name, "warmup"))
    return (double) s->milestones[0];
  return bp_schedule_phase_get (&s->phases[warmup_cosine_phase (name)], name);
}

static gboolean
schedule_set_value (BpSchedule  *s,
                    const char  *name,
                    double       value,
                    GError     **error)
{
  if (s->kind != BP_SCHEDULE_SEQUENTIAL)
    return bp_schedule_set (s, name, value, error);
  if (g_str_equal (name, "warmup"))
    {
      /* The warm-up ends where the cosine starts. */
      if (!bp_schedule_phase_set (&s->phases[0], "total_iters", value, error))
        return FALSE;
      s->milestones[0] = s->phases[0].total_iters;
      return TRUE;
    }
  return bp_schedule_phase_set (&s->phases[warmup_cosine_phase (name)], name, value, error);
}

/* Which rows a schedule has: its kind, or a sequential one of another
 * shape than the sidebar's (shown, not edited). */
static guint
schedule_rows_key (const BpSchedule *s)
{
  if (s->kind == BP_SCHEDULE_SEQUENTIAL && !bp_schedule_is_warmup_cosine (s))
    return BP_N_SCHEDULES + 1;
  return s->kind + 1;
}

static const ScheduleParam *
schedule_param (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (schedule_params); i++)
    if (g_strcmp0 (schedule_params[i].name, name) == 0)
      return &schedule_params[i];
  g_return_val_if_reached (NULL);
}

static void
on_schedule_param_changed (GtkSpinButton *spin,
                           BpvWindow     *self)
{
  g_autoptr(GError) error = NULL;
  BpSchedule s;

  if (self->updating)
    return;
  s = *bpv_session_get_schedule (self->session);
  if (!schedule_set_value (&s, g_object_get_data (G_OBJECT (spin), "name"),
                           gtk_spin_button_get_value (spin), &error) ||
      !bpv_session_set_schedule (self->session, &s, &error))
    {
      bpv_window_toast (self, error->message);
      bpv_window_sync_settings (self);
    }
}

/* A row per parameter of s's kind, in place of the rows of the last one. */
static void
rebuild_schedule_rows (BpvWindow        *self,
                       const BpSchedule *s)
{
  const char * const *names = bp_schedule_param_names (s->kind);
  guint key = schedule_rows_key (s);

  for (guint i = 0; i < self->schedule_rows->len; i++)
    adw_preferences_group_remove (self->schedule_group, g_ptr_array_index (self->schedule_rows, i));
  g_ptr_array_set_size (self->schedule_rows, 0);
  if (s->kind == BP_SCHEDULE_SEQUENTIAL)
    names = warmup_cosine_names;
  if (key == BP_N_SCHEDULES + 1)
    {
      /* Only the file can say more phases; the row says what they are. */
      g_autofree char *what = bp_schedule_describe (s);
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     _("Other phases, from the model file"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), what);
      adw_preferences_group_add (self->schedule_group, row);
      g_ptr_array_add (self->schedule_rows, row);
      names = no_rows;
    }
  for (gsize i = 0; names[i] != NULL; i++)
    {
      const ScheduleParam *sp = schedule_param (names[i]);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *spin = gtk_spin_button_new_with_range (sp->lower, sp->upper, sp->step);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _(sp->title));
      if (sp->subtitle != NULL)
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _(sp->subtitle));
      gtk_spin_button_set_digits (GTK_SPIN_BUTTON (spin), sp->digits);
      gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
      g_object_set_data (G_OBJECT (spin), "name", (gpointer) sp->name);
      g_object_set_data (G_OBJECT (row), "spin", spin);
      g_signal_connect (spin, "value-changed", G_CALLBACK (on_schedule_param_changed), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
      adw_preferences_group_add (self->schedule_group, row);
      g_ptr_array_add (self->schedule_rows, row);
    }
  g_object_set_data (G_OBJECT (self->schedule_group), "kind", GUINT_TO_POINTER (key));
}

static void
sync_schedule (BpvWindow *self)
{
  const BpSchedule *s = bpv_session_get_schedule (self->session);

  if (adw_combo_row_get_selected (self->schedule_row) != (guint) s->kind)
    adw_combo_row_set_selected (self->schedule_row, s->kind);
  /* A sequential schedule of another shape is rebuilt every time: its
   * one row shows its numbers. */
  if (GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (self->schedule_group), "kind")) !=
      schedule_rows_key (s) || schedule_rows_key (s) == BP_N_SCHEDULES + 1)
    rebuild_schedule_rows (self, s);
  for (guint i = 0; i < self->schedule_rows->len; i++)
    {
      GtkSpinButton *spin = g_object_get_data (g_ptr_array_index (self->schedule_rows, i), "spin");

      if (spin != NULL)
        gtk_spin_button_set_value (spin, schedule_value (s, g_object_get_data (G_OBJECT (spin),
                                                                               "name")));
    }
}

static void
on_schedule_selected (AdwComboRow *row,
                      GParamSpec  *pspec,
                      BpvWindow   *self)
{
  g_autoptr(GError) error = NULL;
  BpSchedule s;

  if (self->updating || adw_combo_row_get_selected (row) >= BP_N_SCHEDULES)
    return;
  bp_schedule_init (&s, adw_combo_row_get_selected (row));
  if (!bpv_session_set_schedule (self->session, &s, &error))
    {
      bpv_window_toast (self, error->message);
      bpv_window_sync_settings (self);
    }
}

/* Widgets from the session; no handler acts while this runs. */
void
bpv_window_sync_settings (BpvWindow *self)
{
  const BpNetwork *net = bpv_session_get_network (self->session);
  const BpModel *model = bpv_session_get_model (self->session);
  const BpDataset *ds = bpv_session_get_dataset (self->session);
  GString *hidden = g_string_new (NULL);
  GtkStringList *list;
  guint sel;

  self->updating = TRUE;

  /* (The list is made before its selection is read.) */
  list = registry_list (BP_FEATURE_OPTIMIZER, bpv_session_get_optimizer (self->session)->id, &sel);
  set_combo (self->optimizer_row, list, sel);
  list = registry_list (BP_FEATURE_COST, net->cost_id, &sel);
  set_combo (self->cost_row, list, sel);
  if (self->layer_rows->len != net->n_layers)
    rebuild_layer_rows (self);
  for (gsize l = 0; l < net->n_layers; l++)
    {
      list = registry_list (BP_FEATURE_ACTIVATION, net->layers[l].act_id, &sel);
      set_combo (g_ptr_array_index (self->layer_rows, l), list, sel);
    }

  for (gsize l = 0; l + 1 < net->n_layers; l++)
    g_string_append_printf (hidden, "%s%zu", l > 0 ? ", " : "", net->layers[l].out);
  gtk_editable_set_text (GTK_EDITABLE (self->hidden_row), hidden->str);
  g_string_free (hidden, TRUE);

  /* The dataset list: generators and built-ins, and a CSV when loaded. */
  {
    gsize n = 0;
    const BpDatasetInfo *info = bp_dataset_list (&n);
    guint selected = 0;
    g_autofree char *subtitle = NULL;

    list = gtk_string_list_new (NULL);
    g_ptr_array_set_size (self->dataset_names, 0);
    for (gsize i = 0; i < n; i++)
      {
        gtk_string_list_append (list, info[i].name);
        g_ptr_array_add (self->dataset_names, g_strdup (info[i].name));
        if (g_strcmp0 (info[i].name, model->dataset) == 0)
          selected = (guint) i;
      }
    if (model->dataset != NULL && g_str_has_suffix (model->dataset, ".csv"))
      {
        g_autofree char *base = g_path_get_basename (model->dataset);

        gtk_string_list_append (list, base);
        g_ptr_array_add (self->dataset_names, g_strdup (model->dataset));
        selected = (guint) n;
      }
    /* A model without data (an imported one) says so, and keeps its place
     * in the list until another dataset is chosen. */
    if (g_strcmp0 (model->dataset, BPV_SESSION_NO_DATA) == 0)
      {
        gtk_string_list_append (list, ds->name);
        g_ptr_array_add (self->dataset_names, g_strdup (BPV_SESSION_NO_DATA));
        selected = (guint) n;
      }
    set_combo (self->dataset_row, list, selected);
    subtitle = g_strdup_printf (_("%zu rows: %zu train, %zu test · %zu → %zu"),
                                ds->n_rows, bpv_session_get_train (self->session)->n_rows,
                                bpv_session_get_test (self->session) != NULL
                                ? bpv_session_get_test (self->session)->n_rows : 0,
                                ds->n_features, ds->n_targets);
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->dataset_row), subtitle);
  }
  if (model->dataset_rows > 0)
    gtk_adjustment_set_value (self->rows_adjustment, (double) model->dataset_rows);
  if (model->dataset_noise >= 0)
    gtk_adjustment_set_value (self->noise_adjustment, model->dataset_noise);
  gtk_adjustment_set_value (self->test_adjustment, model->test_fraction);
  adw_combo_row_set_selected (self->step_unit_row,
                              bpv_session_get_step_sample (self->session) ? 0 : 1);
  sync_schedule (self);
  self->updating = FALSE;
}

/* `force`: regenerate even when the name is the same (rows, noise or the
 * split changed). */
static void
apply_dataset (BpvWindow *self,
               gboolean   force)
{
  g_autoptr(GError) error = NULL;
  guint i = adw_combo_row_get_selected (self->dataset_row);
  const char *name;
  double noise;

  if (i >= self->dataset_names->len)
    return;
  name = g_ptr_array_index (self->dataset_names, i);
  if (!force && g_strcmp0 (name, bpv_session_get_model (self->session)->dataset) == 0)
    return;
  /* Noise means something else for each generator (moons' 0.1 blurs the
   * spirals' arms into each other): another generator starts from its
   * own default. */
  noise = gtk_adjustment_get_value (self->noise_adjustment);
  if (g_strcmp0 (name, bpv_session_get_model (self->session)->dataset) != 0
      && bp_dataset_default_noise (name) >= 0)
    noise = bp_dataset_default_noise (name);
  if (!bpv_session_set_dataset (self->session, name,
                                (gsize) gtk_adjustment_get_value (self->rows_adjustment),
                                noise, gtk_adjustment_get_value (self->test_adjustment), &error))
    {
      bpv_window_toast (self, error->message);
      bpv_window_sync_settings (self);
    }
}

static gboolean
apply_dataset_later (gpointer data)
{
  BpvWindow *self = data;

  self->dataset_timeout_id = 0;
  apply_dataset (self, TRUE);
  return G_SOURCE_REMOVE;
}

static void
on_dataset_param_changed (GtkAdjustment *adj,
                          BpvWindow     *self)
{
  if (self->updating)
    return;
  g_clear_handle_id (&self->dataset_timeout_id, g_source_remove);
  self->dataset_timeout_id = g_timeout_add (DATASET_DEBOUNCE_MS, apply_dataset_later, self);
}

static void
on_dataset_selected (AdwComboRow *row,
                     GParamSpec  *pspec,
                     BpvWindow   *self)
{
  if (!self->updating)
    apply_dataset (self, FALSE);
}

/* The optimizer's or the cost's row (both lists of registered ids). */
static void
on_feature_selected (AdwComboRow *row,
                     GParamSpec  *pspec,
                     BpvWindow   *self)
{
  g_autoptr(GError) error = NULL;
  const char *id = combo_selected_string (row);
  gboolean done;

  if (self->updating || id == NULL)
    return;
  if (row == self->optimizer_row)
    done = bpv_session_set_optimizer (self->session, id, &error);
  else
    done = bpv_session_set_cost (self->session, id, &error);
  if (!done)
    {
      bpv_window_toast (self, error->message);
      bpv_window_sync_settings (self);
    }
}

static void
on_step_unit_selected (AdwComboRow *row,
                       GParamSpec  *pspec,
                       BpvWindow   *self)
{
  if (!self->updating)
    bpv_session_set_step_sample (self->session, adw_combo_row_get_selected (row) == 0);
}

static void
on_hidden_apply (AdwEntryRow *row,
                 BpvWindow   *self)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) parts = g_strsplit_set (gtk_editable_get_text (GTK_EDITABLE (row)), ", ;", -1);
  g_autoptr(GArray) widths = g_array_new (FALSE, FALSE, sizeof (gsize));

  for (guint i = 0; parts[i] != NULL; i++)
    {
      guint64 w;

      if (parts[i][0] == '\0')
        continue;
      if (!g_ascii_string_to_unsigned (parts[i], 10, 1, BP_MAX_WIDTH, &w, NULL))
        {
          g_autofree char *msg = g_strdup_printf (_("“%s” is not a layer width (1 to %d)"),
                                                  parts[i], BP_MAX_WIDTH);

          bpv_window_toast (self, msg);
          bpv_window_sync_settings (self);
          return;
        }
      {
        gsize v = (gsize) w;

        g_array_append_val (widths, v);
      }
    }
  if (!bpv_session_set_hidden_layers (self->session, (gsize *) widths->data, widths->len, &error))
    {
      bpv_window_toast (self, error->message);
      bpv_window_sync_settings (self);
    }
}

void
bpv_window_connect_settings (BpvWindow *self)
{
  g_signal_connect (self->dataset_row, "notify::selected", G_CALLBACK (on_dataset_selected), self);
  g_signal_connect (self->optimizer_row, "notify::selected", G_CALLBACK (on_feature_selected), self);
  g_signal_connect (self->cost_row, "notify::selected", G_CALLBACK (on_feature_selected), self);
  g_signal_connect (self->step_unit_row, "notify::selected", G_CALLBACK (on_step_unit_selected), self);
  g_signal_connect (self->schedule_row, "notify::selected", G_CALLBACK (on_schedule_selected), self);
  g_signal_connect (self->hidden_row, "apply", G_CALLBACK (on_hidden_apply), self);
  g_signal_connect (self->rows_adjustment, "value-changed", G_CALLBACK (on_dataset_param_changed), self);
  g_signal_connect (self->noise_adjustment, "value-changed", G_CALLBACK (on_dataset_param_changed), self);
  g_signal_connect (self->test_adjustment, "value-changed", G_CALLBACK (on_dataset_param_changed), self);
}
