/* backprop-studio-headless.h — backprop-studio without a window: it trains
 * the experiment and writes a picture of it with the same render functions
 * the window uses (`--headless`, or no display).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Trains the default experiment (or `model_path`: a model file, or a CSV
 * for the default experiment to train on) and draws it to the PNG file
 * `output`; says so in one line on stdout, or what failed on stderr.
 * Returns the exit status: 0, or 1 on failure.  The plugins must be loaded
 * first. */
int  backprop_studio_headless_run            (const char *model_path,
                                              const char *output);

/* The same, when there is no display to open a window on: first one line
 * on stderr that says so and what is done instead. */
int  backprop_studio_headless_run_no_display (const char *model_path,
                                              const char *output);

G_END_DECLS
