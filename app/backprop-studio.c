/* backprop-studio.c — main() of the Backprop Studio application: the
 * command line, the process's memory and thread settings, and the choice
 * between a window (backprop-studio-application.c) and headless mode
 * (backprop-studio-headless.c), which runs without a display.
 *
 *   backprop-studio [--headless] [-o PICTURE.png] [--example NAME] [--lesson FILE]
 *                   [MODEL.json | DATA.csv]
 */
#include "config.h"
#include "backprop-studio-application.h"
#include "backprop-studio-headless.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>

#include "bp-plugin-loader.h"
#include "bpv-trainer-thread.h"
#include "bpv-window.h"

#ifdef BACKPROP_STUDIO_HAVE_OPENBLAS
# include <cblas.h>
#endif

/* Also the settings schema's id, and the desktop file's name. */
#define APP_ID "io.github.backprop_studio.BackpropStudio"

/* Where the headless picture goes without -o or $BACKPROP_STUDIO_PNG. */
#define DEFAULT_PICTURE "backprop-studio.png"

/* glibc's threshold for serving a block with mmap: see tune_process. */
#define MMAP_THRESHOLD_BYTES (128 * 1024)

/* Memory and threads for a process that draws while it trains. */
static void
tune_process (void)
{
#ifdef BACKPROP_STUDIO_HAVE_OPENBLAS
  /* Training runs on one worker thread; OpenBLAS's own pool would spin on
   * the other cores and take the one the window draws on. */
  openblas_set_num_threads (1);
#endif
#ifdef __GLIBC__
  /* Image surfaces (the canvas: 1.5 MB at 663×554, some 30 a second
   * while training; the window's frame; heat maps) come and go all the
   * time.  glibc maps blocks of 128 kB and more on their own, but raises
   * that threshold to the largest block freed (up to 32 MB): after the
   * first frames every surface came from the heap, and the holes they
   * left between small blocks that live on stayed resident (in the
   * 30-minute app soak 13-17 MB of the heap was free, and the anonymous
   * memory after the warm-up was 57 MB).  With the threshold fixed at
   * 128 kB surfaces are unmapped when freed (45 MB). */
  mallopt (M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES);
#endif
}

/* Messages in the user's language (LANGUAGE, LC_ALL, LC_MESSAGES, LANG),
 * from the build tree's po/ when run uninstalled.  Before the options are
 * parsed, so that --help is translated too. */
static void
init_i18n (void)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, bp_plugin_running_uninstalled () ? BP_BUILD_LOCALEDIR
                                                                    : BP_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}

static gboolean
have_display (void)
{
  const char *x = g_getenv ("DISPLAY");
  const char *w = g_getenv ("WAYLAND_DISPLAY");

  if ((x == NULL || x[0] == '\0') && (w == NULL || w[0] == '\0'))
    return FALSE;
  return gtk_init_check ();
}

int
main (int    argc,
      char **argv)
{
  gboolean headless = FALSE;
  g_autofree char *output = NULL;
  g_autofree char *example = NULL;
  g_autofree char *lesson = NULL;
  g_auto(GStrv) rest = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BackpropStudioApplication) app = NULL;
  const GOptionEntry entries[] = {
    { "headless", 0, 0, G_OPTION_ARG_NONE, &headless,
      N_("Do not open a window: train and write a picture"), NULL },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      N_("Where the headless picture goes (default backprop-studio.png)"), N_("FILE.png") },
    { "example", 0, 0, G_OPTION_ARG_STRING, &example,
      N_("Open an example (chain-rule, xor, spirals-sigmoid, spirals-relu, deep-sigmoid, iris, "
      "digits) instead of the last experiment"), N_("NAME") },
    { "lesson", 0, 0, G_OPTION_ARG_FILENAME, &lesson,
      N_("Play a lesson (a .bplesson.json file, or a built-in lesson's id) from its first step"),
      N_("FILE") },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL, N_("[MODEL.json | DATA.csv | NET.onnx]") },
    { NULL }
  };
  const char *model_path;
  int status;

  init_i18n ();
  context = g_option_context_new (_("— backpropagation made visible"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
                                _("Opens the window on the built-in default experiment (a 2-8-8-1 "
                                "network on \"moons\"), on MODEL.json, on the network of NET.onnx "
                                "(imported; it asks for data of its widths), or on the default "
                                "network fitted to DATA.csv (a header row; the last column is the "
                                "target).  Without a display it says so, trains the experiment "
                                "and writes a picture of it."));
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "backprop-studio: %s\n", error->message);
      return 2;
    }
  if (rest != NULL && g_strv_length (rest) > 1)
    {
      fprintf (stderr, _("backprop-studio: one model or CSV file at most\n"));
      return 2;
    }
  model_path = rest != NULL ? rest[0] : NULL;

  tune_process ();
  /* Before GTK starts (have_display): it sets up the process's session
   * and loads the plugins, which headless mode needs as well. */
  app = backprop_studio_application_new (APP_ID);

  if (output == NULL)
    output = g_strdup (g_getenv ("BACKPROP_STUDIO_PNG") != NULL
                       ? g_getenv ("BACKPROP_STUDIO_PNG") : DEFAULT_PICTURE);
  if (headless)
    return backprop_studio_headless_run (model_path, output);
  if (!have_display ())
    return backprop_studio_headless_run_no_display (model_path, output);

  /* The resources first: GtkApplication's own startup looks for the
   * shortcuts window (gtk/help-overlay.ui) under the application's path. */
  bpv_ui_init ();
  backprop_studio_application_set_example (app, example);
  backprop_studio_application_set_lesson (app, lesson);
  {
    /* The model file, if any, goes to GApplication as the file to open. */
    char *app_argv[3] = { argv[0], (char *) model_path, NULL };

    status = g_application_run (G_APPLICATION (app), model_path != NULL ? 2 : 1, app_argv);
    /* The process must not exit under a training worker. */
    bpv_background_wait_all ();
  }
  return status;
}
