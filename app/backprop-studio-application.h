/* backprop-studio-application.h — the Backprop Studio application: policy
 * only.
 *
 * It owns what lives as long as the process: the settings, the plugin
 * loader (the same search path as the `backprop` command line, so plugin
 * activations, costs and optimizers appear in the pickers) with the
 * plugins the user switched off, and the watch on the user plugin folder
 * that loads new plugins without a restart.  It decides which experiment a
 * window opens on (the autosave, the built-in default, a file, an
 * example), and it sets up the application actions and their accelerators.
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define BACKPROP_STUDIO_TYPE_APPLICATION (backprop_studio_application_get_type ())

G_DECLARE_FINAL_TYPE (BackpropStudioApplication, backprop_studio_application,
                      BACKPROP_STUDIO, APPLICATION, AdwApplication)

/* A new application with id `application_id`.  Before it returns it probes
 * the desktop session (without a session bus it sets GTK_A11Y=none, unless
 * GTK_A11Y is set: so it must come before GTK is initialized), opens the
 * settings and loads the plugins into the default registry, so that
 * headless mode, which never runs the application, has them too. */
BackpropStudioApplication *backprop_studio_application_new         (const char *application_id);

/* Open example `id` ("xor", …) instead of the last experiment when the
 * application is activated without files (--example).  NULL: the last
 * experiment. */
void                       backprop_studio_application_set_example (BackpropStudioApplication *self,
                                                                    const char                *id);

/* Play the lesson `path` (a file, or a built-in lesson's id) when the
 * application is activated without files (--lesson); it wins over
 * set_example.  NULL: none. */
void                       backprop_studio_application_set_lesson  (BackpropStudioApplication *self,
                                                                    const char                *path);

G_END_DECLS
