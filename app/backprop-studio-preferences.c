/* backprop-studio-preferences.c — the Preferences window (see backprop-studio-preferences.h). */
#include "config.h"
#include "backprop-studio-preferences.h"

#include <glib/gi18n.h>
#include <string.h>

#include "bpv-events.h"
#include "bpv-math.h"

#define PLUGINS_GROUP "backprop-studio-plugins-group"

/* The window opens tall enough for the plugin list and its formulas. */
#define WINDOW_WIDTH   640
#define WINDOW_HEIGHT  720
/* The animation-speed slider: long enough to aim with the mouse, in steps
 * of 5 % of its range (0 to 1). */
#define SPEED_SCALE_WIDTH  200
#define SPEED_SCALE_STEP   0.05

static const char *scheme_nicks[] = { "follow", "light", "dark" };

static void
on_scheme_selected (AdwComboRow *row,
                    GParamSpec  *pspec,
                    GSettings   *settings)
{
  guint i = adw_combo_row_get_selected (row);

  if (i < G_N_ELEMENTS (scheme_nicks))
    g_settings_set_string (settings, "colour-scheme", scheme_nicks[i]);
}

static AdwPreferencesPage *
appearance_page (GSettings *settings)
{
  AdwPreferencesPage *page = ADW_PREFERENCES_PAGE (adw_preferences_page_new ());
  AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  AdwComboRow *scheme = ADW_COMBO_ROW (adw_combo_row_new ());
  AdwActionRow *speed = ADW_ACTION_ROW (adw_action_row_new ());
  GtkWidget *scale = gtk_scale_new_with_range (GTK_ORIENTATION_HORIZONTAL, 0, 1, SPEED_SCALE_STEP);
  const char *labels[] = { _("Follow the system"), _("Light"), _("Dark"), NULL };
  g_autoptr(GtkStringList) list = gtk_string_list_new (labels);

  adw_preferences_page_set_title (page, _("Appearance"));
  adw_preferences_page_set_icon_name (page, "applications-graphics-symbolic");
  adw_preferences_group_set_title (group, _("Appearance"));

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (scheme), _("Colour scheme"));
  adw_combo_row_set_model (scheme, G_LIST_MODEL (list));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (speed), _("Animation speed"));
  adw_action_row_set_subtitle (speed, _("How fast step mode moves from stop to stop, and training runs"));
  gtk_widget_set_size_request (scale, SPEED_SCALE_WIDTH, -1);
  gtk_widget_set_valign (scale, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (speed, scale);
  if (settings != NULL)
    {
      g_autofree char *nick = g_settings_get_string (settings, "colour-scheme");

      for (guint i = 0; i < G_N_ELEMENTS (scheme_nicks); i++)
        if (g_str_equal (nick, scheme_nicks[i]))
          adw_combo_row_set_selected (scheme, i);
      g_signal_connect_object (scheme, "notify::selected", G_CALLBACK (on_scheme_selected),
                               settings, 0);
      g_settings_bind (settings, "animation-speed", gtk_range_get_adjustment (GTK_RANGE (scale)),
                       "value", G_SETTINGS_BIND_DEFAULT);
    }
  else
    {
      gtk_widget_set_sensitive (GTK_WIDGET (scheme), FALSE);
      gtk_widget_set_sensitive (GTK_WIDGET (speed), FALSE);
    }
  adw_preferences_group_add (group, GTK_WIDGET (scheme));
  adw_preferences_group_add (group, GTK_WIDGET (speed));
  adw_preferences_page_add (page, group);
  return page;
}

/* --------------------------------------------------------------- plugins */

static gboolean
strv_has (const char * const *v,
          const char         *s)
{
  return v != NULL && g_strv_contains (v, s);
}

static void
on_plugin_switch (GtkSwitch  *sw,
                  GParamSpec *pspec,
                  GSettings  *settings)
{
  const char *file = g_object_get_data (G_OBJECT (sw), "backprop-studio-file");
  g_auto(GStrv) old = g_settings_get_strv (settings, "disabled-plugins");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) now = NULL;
  gboolean enabled = gtk_switch_get_active (sw);

  for (guint i = 0; old[i] != NULL; i++)
    if (!g_str_equal (old[i], file))
      g_strv_builder_add (builder, old[i]);
  if (!enabled)
    g_strv_builder_add (builder, file);
  now = g_strv_builder_end (builder);
  g_settings_set_strv (settings, "disabled-plugins", (const char * const *) now);
  bpv_event ("PLUGIN %s enabled=%d", file, enabled);
}

static GtkWidget *
plugin_switch (GSettings  *settings,
               const char *file,
               gboolean    active)
{
  GtkWidget *sw = gtk_switch_new ();

  gtk_switch_set_active (GTK_SWITCH (sw), active);
  gtk_widget_set_valign (sw, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (sw, _("Offer this plugin's features (off: gone from the palette at "
                                   "once, not loaded at the next start)"));
  g_object_set_data_full (G_OBJECT (sw), "backprop-studio-file", g_strdup (file), g_free);
  if (settings != NULL)
    g_signal_connect_object (sw, "notify::active", G_CALLBACK (on_plugin_switch), settings, 0);
  else
    gtk_widget_set_sensitive (sw, FALSE);
  return sw;
}

/* One feature of a plugin: "KIND ID — NAME" over its formulas (`subtitle`,
 * Pango markup). */
static void
add_feature_row (AdwExpanderRow *row,
                 const char     *kind,
                 const char     *id,
                 const char     *name,
                 const char     *subtitle)
{
  g_autofree char *title = g_markup_printf_escaped ("%s %s — %s", kind, id, name);
  GtkWidget *r = adw_action_row_new ();

  /* Markup on, for the formulas as math; the title is escaped. */
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (r), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (r), subtitle);
  adw_expander_row_add_row (row, r);
}

static void
add_feature_rows (AdwExpanderRow     *row,
                  const BpPluginDesc *desc)
{
  for (size_t i = 0; i < desc->n_activations; i++)
    {
      const BpActivationDesc *a = &desc->activations[i];
      g_autofree char *f = bpv_math_to_markup (a->formula);
      g_autofree char *d = bpv_math_to_markup (a->derivative_formula);
      g_autofree char *sub = g_strdup_printf ("%s\n%s", f, d);

      add_feature_row (row, "activation", a->id, a->name, sub);
    }
  for (size_t i = 0; i < desc->n_costs; i++)
    {
      const BpCostDesc *c = &desc->costs[i];
      g_autofree char *f = bpv_math_to_markup (c->formula);

      add_feature_row (row, "cost", c->id, c->name, f);
    }
  for (size_t i = 0; i < desc->n_optimizers; i++)
    {
      const BpOptimizerDesc *o = &desc->optimizers[i];
      g_autofree char *f = bpv_math_to_markup (o->formula);

      add_feature_row (row, "optimizer", o->id, o->name, f);
    }
}

static AdwPreferencesGroup *
plugins_group (GSettings          *settings,
               BpPluginLoader     *loader,
               const char * const *disabled)
{
  AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  guint n = loader != NULL ? bp_plugin_loader_get_n_records (loader) : 0;
  g_autoptr(GHashTable) shown = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  adw_preferences_group_set_title (group, _("Plugins"));
  adw_preferences_group_set_description (group,
                                         _("Activations, costs and optimizers from plugin files. "
                                         "New files in the user plugin folder appear here "
                                         "without a restart."));
  {
    /* The built-ins, for their formulas. */
    GtkWidget *row = adw_expander_row_new ();

    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Built-in"));
    adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), _("Always loaded"));
    add_feature_rows (ADW_EXPANDER_ROW (row), bp_builtins_get_descriptor ());
    adw_preferences_group_add (group, row);
  }
  for (guint i = 0; i < n; i++)
    {
      const BpPluginRecord *r = bp_plugin_loader_get_record (loader, i);
      g_autofree char *file = g_path_get_basename (r->path);
      g_autofree char *title = NULL;
      GtkWidget *row = adw_expander_row_new ();

      g_hash_table_add (shown, g_strdup (file));
      title = g_strdup_printf ("%s %s", r->name != NULL ? r->name : file,
                               r->version != NULL ? r->version : "");
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      if (r->error != NULL)
        {
          g_autofree char *sub = g_strdup_printf (_("%s — refused at “%s”: %s"), file,
                                                  bp_plugin_step_to_string (r->step),
                                                  r->error->message);

          adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), sub);
          gtk_widget_add_css_class (row, "dim-label");
          gtk_widget_set_tooltip_text (row, sub);
        }
      else
        {
          adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), file);
          if (r->desc != NULL)
            add_feature_rows (ADW_EXPANDER_ROW (row), r->desc);
        }
      adw_expander_row_add_action (ADW_EXPANDER_ROW (row),
                                   plugin_switch (settings, file, !strv_has (disabled, file)));
      adw_preferences_group_add (group, row);
    }
  /* Disabled at start-up: not loaded, so no record. */
  for (guint i = 0; disabled != NULL && disabled[i] != NULL; i++)
    {
      GtkWidget *row;

      if (g_hash_table_contains (shown, disabled[i]))
        continue;
      row = adw_expander_row_new ();
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), disabled[i]);
      adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), _("Disabled: not loaded"));
      gtk_widget_add_css_class (row, "dim-label");
      adw_expander_row_add_action (ADW_EXPANDER_ROW (row), plugin_switch (settings, disabled[i], FALSE));
      adw_preferences_group_add (group, row);
    }
  return group;
}

void
backprop_studio_preferences_refresh (AdwPreferencesWindow *window,
                                     BpPluginLoader       *loader,
                                     const char * const   *disabled)
{
  AdwPreferencesPage *page = g_object_get_data (G_OBJECT (window), "backprop-studio-plugins-page");
  AdwPreferencesGroup *old = g_object_get_data (G_OBJECT (window), PLUGINS_GROUP);
  GSettings *settings = g_object_get_data (G_OBJECT (window), "backprop-studio-settings");
  AdwPreferencesGroup *group;

  g_return_if_fail (page != NULL);

  if (old != NULL)
    adw_preferences_page_remove (page, old);
  group = plugins_group (settings, loader, disabled);
  g_object_set_data (G_OBJECT (window), PLUGINS_GROUP, group);
  adw_preferences_page_add (page, group);
}

AdwPreferencesWindow *
backprop_studio_preferences_new (GtkWindow          *parent,
                                 GSettings          *settings,
                                 BpPluginLoader     *loader,
                                 const char * const *disabled)
{
  AdwPreferencesWindow *window = ADW_PREFERENCES_WINDOW (adw_preferences_window_new ());
  AdwPreferencesPage *plugins = ADW_PREFERENCES_PAGE (adw_preferences_page_new ());

  gtk_window_set_transient_for (GTK_WINDOW (window), parent);
  gtk_window_set_modal (GTK_WINDOW (window), FALSE);
  gtk_window_set_default_size (GTK_WINDOW (window), WINDOW_WIDTH, WINDOW_HEIGHT);
  if (settings != NULL)
    g_object_set_data_full (G_OBJECT (window), "backprop-studio-settings", g_object_ref (settings), g_object_unref);
  adw_preferences_window_add (window, appearance_page (settings));
  adw_preferences_page_set_title (plugins, _("Plugins"));
  adw_preferences_page_set_icon_name (plugins, "application-x-addon-symbolic");
  g_object_set_data (G_OBJECT (window), "backprop-studio-plugins-page", plugins);
  adw_preferences_window_add (window, plugins);
  backprop_studio_preferences_refresh (window, loader, disabled);
  return window;
}
