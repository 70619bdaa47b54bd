/* backprop-studio-settings.c — the settings of backprop-studio and the
 * probe of the desktop session (see backprop-studio-settings.h).
 */
#include "config.h"
#include "backprop-studio-settings.h"

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>
#include <string.h>

/* How long the probe waits for the bus to answer: it runs before the first
 * window, so a bus that hangs must not hold up the start for long, while a
 * busy one still answers well within it. */
#define DBUS_CALL_TIMEOUT_MS 2000

#define DCONF_BUS_NAME "ca.desrt.dconf"

/* The key file settings go to without dconf, and the schema path in it. */
#define KEYFILE_DIR      "backprop-studio"
#define KEYFILE_NAME     "settings.ini"
#define KEYFILE_ROOT     "/io/github/backprop_studio/BackpropStudio/"
#define KEYFILE_GROUP    "BackpropStudio"

/* The session bus's address, or NULL when there is none we may use. */
static char *
session_bus_address (void)
{
  g_autofree char *address = g_strdup (g_getenv ("DBUS_SESSION_BUS_ADDRESS"));

  if (address == NULL || address[0] == '\0')
    {
      g_autofree char *socket = g_build_filename (g_get_user_runtime_dir (), "bus", NULL);

      g_clear_pointer (&address, g_free);
      if (g_file_test (socket, G_FILE_TEST_EXISTS) && !g_file_test (socket, G_FILE_TEST_IS_DIR))
        {
          g_autofree char *escaped = g_dbus_address_escape_value (socket);

          address = g_strconcat ("unix:path=", escaped, NULL);
        }
    }
  if (address == NULL || strstr (address, "autolaunch:") != NULL)
    return NULL;
  return g_steal_pointer (&address);
}

static gboolean
bus_has_dconf (GDBusConnection *bus)
{
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(GVariant) names = NULL;
  gboolean have_dconf = FALSE;

  owned = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", DCONF_BUS_NAME), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, DBUS_CALL_TIMEOUT_MS, NULL, NULL);
  if (owned != NULL)
    g_variant_get (owned, "(b)", &have_dconf);
  if (!have_dconf)
    {
      names = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                           "org.freedesktop.DBus", "ListActivatableNames", NULL,
                                           G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NONE,
                                           DBUS_CALL_TIMEOUT_MS, NULL, NULL);
      if (names != NULL)
        {
          g_autofree const char **list = NULL;

          g_variant_get (names, "(^a&s)", &list);
          have_dconf = g_strv_contains (list, DCONF_BUS_NAME);
        }
    }
  return have_dconf;
}

void
backprop_studio_settings_probe_desktop (BackpropStudioDesktop *desktop)
{
  g_autofree char *address = session_bus_address ();
  g_autoptr(GDBusConnection) bus = NULL;

  g_return_if_fail (desktop != NULL);

  desktop->have_session_bus = FALSE;
  desktop->have_dconf = FALSE;
  if (address == NULL)
    return;
  bus = g_dbus_connection_new_for_address_sync (address,
                                                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                                | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                NULL, NULL, NULL);
  if (bus == NULL)
    return;
  desktop->have_session_bus = TRUE;
  desktop->have_dconf = bus_has_dconf (bus);
  g_dbus_connection_close_sync (bus, NULL, NULL);
}

/* NULL for GLib's default backend. */
static GSettingsBackend *
settings_backend (const BackpropStudioDesktop *desktop)
{
  g_autofree char *file = NULL;
  const char *env = g_getenv ("GSETTINGS_BACKEND");

  if ((env != NULL && env[0] != '\0') || desktop->have_dconf)
    return NULL;
  file = g_build_filename (g_get_user_config_dir (), KEYFILE_DIR, KEYFILE_NAME, NULL);
  return g_keyfile_settings_backend_new (file, KEYFILE_ROOT, KEYFILE_GROUP);
}

GSettings *
backprop_studio_settings_new (const char                  *schema_id,
                              const BackpropStudioDesktop *desktop)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsBackend) backend = NULL;

  g_return_val_if_fail (schema_id != NULL, NULL);
  g_return_val_if_fail (desktop != NULL, NULL);

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, schema_id, TRUE);
  if (schema == NULL)
    return NULL;
  backend = settings_backend (desktop);
  return g_settings_new_full (schema, backend, NULL);
}

static gboolean
scale_to_global (GValue   *value,
                 GVariant *variant,
                 gpointer  data)
{
  g_value_set_boolean (value, g_str_equal (g_variant_get_string (variant, NULL), "global"));
  return TRUE;
}

static GVariant *
global_to_scale (const GValue       *value,
                 const GVariantType *type,
                 gpointer            data)
{
  return g_variant_new_string (g_value_get_boolean (value) ? "global" : "per-layer");
}

void
backprop_studio_settings_bind_window (GSettings *settings,
                                      BpvWindow *window)
{
  GtkWidget *view = bpv_window_get_network_view (window);

  if (settings == NULL)
    return;
  g_settings_bind (settings, "window-width", window, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "window-height", window, "default-height", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "window-maximized", window, "maximized", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "gradient-view", view, "gradients", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "show-sigma-prime", view, "show-derivatives", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "show-neuron-maps", view, "show-neuron-maps", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "presentation-mode", view, "presentation", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (settings, "colour-scale", view, "global-scale",
                                G_SETTINGS_BIND_DEFAULT, scale_to_global, global_to_scale,
                                NULL, NULL);
  g_settings_bind (settings, "animation-speed", bpv_window_get_session (window), "speed",
                   G_SETTINGS_BIND_DEFAULT);
}
