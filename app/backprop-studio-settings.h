/* backprop-studio-settings.h — where backprop-studio keeps its settings, and
 * what the desktop session offers (a session bus, dconf on it).
 *
 * Root on a console, SSH and containers have no session bus: the dconf
 * backend then cannot write (GSettings undoes every change and dconf prints
 * a warning for each), and GTK's accessibility bridge warns that it has no
 * bus.  So the app probes once, without autolaunching a bus, and keeps its
 * settings in a key file when dconf cannot be reached.
 */
#pragma once

#include <gio/gio.h>

#include "bpv-window.h"

G_BEGIN_DECLS

/* What the session offers, probed once at start-up. */
typedef struct
{
  gboolean have_session_bus;  /* a session bus we can connect to */
  gboolean have_dconf;        /* and on it the dconf service (running or activatable) */
} BackpropStudioDesktop;

/* Fills `desktop`: a session bus is $DBUS_SESSION_BUS_ADDRESS, else
 * $XDG_RUNTIME_DIR/bus, never "autolaunch:". */
void       backprop_studio_settings_probe_desktop (BackpropStudioDesktop       *desktop);

/* The settings of schema `schema_id` (the application id), or NULL when
 * the schema is not installed (an uninstalled run without
 * GSETTINGS_SCHEMA_DIR): then nothing is remembered.  Full transfer.
 * The backend is what $GSETTINGS_BACKEND asks for, if it is set; dconf
 * (GLib's default) when `desktop` can reach it; otherwise a key file,
 * $XDG_CONFIG_HOME/backprop-studio/settings.ini, which needs no bus and
 * keeps what the user chose across restarts. */
GSettings *backprop_studio_settings_new           (const char                  *schema_id,
                                                   const BackpropStudioDesktop *desktop);

/* `window`'s size and view options follow `settings` both ways. */
void       backprop_studio_settings_bind_window   (GSettings                   *settings,
                                                   BpvWindow                   *window);

G_END_DECLS
