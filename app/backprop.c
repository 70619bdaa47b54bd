/* backprop.c — the `backprop` command-line program: its main(), the table
 * of commands and their dispatch, and error reporting.  What the commands
 * share is in backprop-cli.c; each command is in a file of its own
 * (backprop-train.c, backprop-compare.c, backprop-trace.c, backprop-info.c,
 * backprop-render.c, backprop-plugins-command.c, backprop-lesson.c).
 *
 * The exit status is 0 on success, 2 for a usage error and 1 for anything
 * else; an error is always one line "backprop: <message>" on stderr.
 */
#include "config.h"
#include "backprop-cli.h"
#include "backprop-crash.h"
#include "backprop-plugins.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

typedef struct
{
  const char *name;
  const char *summary;
  gboolean  (*run) (int argc, char **argv, GError **error);
} BackpropCliCommand;

static const BackpropCliCommand commands[] = {
  { "train",     N_("Train a model on a dataset or on its inline batch"),
    backprop_train_command },
  { "compare",   N_("Train two models in lockstep and print them side by side"),
    backprop_compare_command },
  { "trace",     N_("Print one forward/backward pass of the inline batch as JSON"),
    backprop_trace_command },
  { "gradcheck", N_("Compare backprop gradients with finite differences"),
    backprop_trace_gradcheck_command },
  { "info",      N_("Describe a model file"),
    backprop_info_command },
  { "datasets",  N_("List the datasets"),
    backprop_info_datasets_command },
  { "plugins",   N_("List the plugins (and refused ones), or check one"),
    backprop_plugins_command },
  { "render",    N_("Draw a model's network as a PNG, SVG or PDF picture"),
    backprop_render_command },
  { "export",    N_("Write a model's network as an ONNX model"),
    backprop_export_command },
  { "lesson",    N_("Check a lesson file, or list the built-in lessons"),
    backprop_lesson_command },
  { "import",    N_("Read an ONNX network (from PyTorch) into a model file"),
    backprop_import_command },
};

static void
print_overview (FILE *out)
{
  fputs (_("Usage:\n"
           "  backprop COMMAND [OPTION…] [ARGUMENT…]\n"
           "\n"
           "Train and inspect small neural networks described by model files\n"
           "(\"format\": \"backprop-model/1\").\n"
           "\n"
           "Commands:\n"), out);
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-10s  %s\n", commands[i].name, _(commands[i].summary));
  fputs (_("\n"
           "Options:\n"
           "  -h, --help     Show this help\n"
           "  -V, --version  Show the version\n"
           "\n"
           "Run \"backprop COMMAND --help\" for the options of a command.\n"
           "Exit status: 0 on success, 1 on failure, 2 for a usage error.\n"), out);
}

static const BackpropCliCommand *
find_command (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (commands[i].name, name))
      return &commands[i];
  return NULL;
}

/* One line, whatever the message: the contract with scripts reading stderr. */
static void
print_error (const GError *error)
{
  g_autofree char *line = g_strdup (error->message);

  for (char *p = line; *p != '\0'; p++)
    if (*p == '\n' || *p == '\r' || *p == '\t')
      *p = ' ';
  g_strchomp (line);
  fprintf (stderr, "backprop: %s\n", line);
  fflush (stderr);
}

static gboolean
is_usage_error (const GError *error)
{
  return error->domain == G_OPTION_ERROR
         || g_error_matches (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE);
}

/* Output goes to a pipe or a file as often as to a terminal: a full disk or
 * a closed pipe must not pass for success. */
static gboolean
flush_stdout (GError **error)
{
  if (fflush (stdout) != 0 || ferror (stdout))
    {
      int saved = errno;

      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_FAILED,
                   _("cannot write to standard output: %s"), g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

static int
run (int      argc,
     char   **argv,
     GError **error)
{
  const BackpropCliCommand *command;

  if (argc < 2)
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
                   _("no command given (see \"backprop --help\")"));
      return 2;
    }

  if (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h")
      || g_str_equal (argv[1], "help") || g_str_equal (argv[1], "-?"))
    {
      /* "backprop help train" is "backprop train --help". */
      if (g_str_equal (argv[1], "help") && argc > 2)
        {
          char *help_argv[] = { argv[2], (char *) "--help", NULL };

          command = find_command (argv[2]);
          if (command == NULL)
            {
              g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
                           _("unknown command \"%s\" (see \"backprop --help\")"),
                           argv[2]);
              return 2;
            }
          return command->run (2, help_argv, error) ? 0 : 1;
        }
      print_overview (stdout);
      return 0;
    }

  if (g_str_equal (argv[1], "--version") || g_str_equal (argv[1], "-V"))
    {
      printf ("backprop (Backprop Studio) %s\n", PACKAGE_VERSION);
      return 0;
    }

  command = find_command (argv[1]);
  if (command == NULL)
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
                   argv[1][0] == '-' ? _("unknown option \"%s\" (see \"backprop --help\")")
                                     : _("unknown command \"%s\" (see \"backprop --help\")"),
                   argv[1]);
      return 2;
    }

  /* "plugins" loads them itself, its --plugin-path directories first.
   * Every other command takes --plugin-path DIR too: it is searched before
   * BACKPROP_PLUGIN_PATH and the user and installed directories. */
  if (!g_str_equal (command->name, "plugins"))
    {
      g_autofree char *extra = NULL;
      int kept = 1;

      for (int i = 1; i < argc; i++)
        {
          const char *value = NULL;

          if (g_str_equal (argv[i], "--plugin-path"))
            {
              if (i + 1 >= argc)
                {
                  g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
                               _("--plugin-path needs a directory"));
                  return 2;
                }
              value = argv[++i];
            }
          else if (g_str_has_prefix (argv[i], "--plugin-path="))
            value = argv[i] + strlen ("--plugin-path=");
          if (value != NULL)
            {
              char *joined = extra == NULL ? g_strdup (value)
                             : g_strconcat (extra, G_SEARCHPATH_SEPARATOR_S, value, NULL);

              g_free (extra);
              extra = joined;
              continue;
            }
          argv[kept++] = argv[i];
        }
      argc = kept;
      argv[argc] = NULL;
      if (!backprop_plugins_load (extra, error))
        return 1;
      backprop_crash_guard_plugins (backprop_plugins_get_loader (), command->name);
    }
  if (!command->run (argc - 1, argv + 1, error))
    return is_usage_error (*error) ? 2 : 1;
  return 0;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  /* Messages in the user's language and charset, but numbers always with a
   * "." so that output is the same everywhere. */
  setlocale (LC_ALL, "");
  setlocale (LC_NUMERIC, "C");
  /* The build tree's po/ when run uninstalled (tests, `meson devenv`). */
  bindtextdomain (GETTEXT_PACKAGE, bp_plugin_running_uninstalled () ? BP_BUILD_LOCALEDIR
                                                                    : BP_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("backprop");

  status = run (argc, argv, &error);

  if (!flush_stdout (status == 0 ? &error : NULL) && status == 0)
    status = 1;
  if (error != NULL)
    {
      print_error (error);
      if (status == 0)
        status = 1;
    }
  return status;
}
