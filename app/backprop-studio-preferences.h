/* backprop-studio-preferences.h — the Preferences window of backprop-studio:
 * appearance (colour scheme, animation speed) and the plugins (loaded ones
 * with their features and formulas, refused ones greyed with the reason, a
 * switch per plugin to disable it at the next start).
 *
 * In app/ because it binds GSettings, which only app/ touches.
 */
#pragma once

#include <adwaita.h>

#include "bp-plugin-loader.h"

G_BEGIN_DECLS

/* `settings` may be NULL (no schema installed: nothing is remembered and
 * the switches are insensitive).  `loader` may be NULL (no plugins).
 * `disabled` lists the plugin files (basenames) skipped at start-up. */
AdwPreferencesWindow *backprop_studio_preferences_new     (GtkWindow            *parent,
                                                          GSettings            *settings,
                                                          BpPluginLoader       *loader,
                                                          const char * const   *disabled);
/* Rebuilds the Plugins page (after a rescan found new plugins). */
void                  backprop_studio_preferences_refresh (AdwPreferencesWindow *window,
                                                          BpPluginLoader       *loader,
                                                          const char * const   *disabled);

G_END_DECLS
