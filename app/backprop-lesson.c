/* backprop-lesson.c — `backprop lesson check FILE…` and `backprop lesson
 * list`: what a lecturer runs on a lesson written in a text editor before
 * taking it to class (bpv-lesson.h plays it).
 *
 * check prints one line per problem and per warning on stdout, each naming
 * the file, the step and the field, then "FILE: ok (N steps)" for a lesson
 * without problems; the summary of a failure is main()'s one error line.
 */
#include "config.h"
#include "backprop-cli.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "bpv-lesson.h"

static gboolean
check_files (char   **files,
             GError **error)
{
  guint bad = 0, n = 0;

  for (gsize f = 0; files[f] != NULL; f++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(BpvLesson) lesson = NULL;
      g_autoptr(GString) report = g_string_new (NULL);
      gboolean ok;

      n++;
      lesson = bpv_lesson_load (files[f], &local_error);
      if (lesson == NULL)
        {
          printf ("%s\n", local_error->message);
          bad++;
          continue;
        }
      ok = bpv_lesson_check (lesson, report, &local_error);
      fputs (report->str, stdout);
      if (ok)
        printf (dngettext (GETTEXT_PACKAGE, "%s: ok (%zu step)\n", "%s: ok (%zu steps)\n",
                           bpv_lesson_get_n_steps (lesson)),
                files[f], bpv_lesson_get_n_steps (lesson));
      else
        bad++;
    }
  if (bad > 0)
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_FAILED,
                   dngettext (GETTEXT_PACKAGE, "%u of %u lesson file has problems",
                              "%u of %u lesson files have problems", n),
                   bad, n);
      return FALSE;
    }
  return TRUE;
}

/* "ID<TAB>TITLE" per built-in lesson, in the course's order. */
static gboolean
list_builtin (GError **error)
{
  g_auto(GStrv) paths = bpv_lesson_list_builtin ();
  guint bad = 0;

  if (paths[0] == NULL)
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_FAILED,
                   _("no built-in lessons (looked in the data directory's lessons/; "
                     "$BACKPROP_DATA_DIR sets that directory)"));
      return FALSE;
    }
  for (gsize i = 0; paths[i] != NULL; i++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(BpvLesson) lesson = bpv_lesson_load (paths[i], &local_error);

      if (lesson == NULL)
        {
          fprintf (stderr, "backprop: %s\n", local_error->message);
          bad++;
          continue;
        }
      printf ("%s\t%s\n", bpv_lesson_get_id (lesson), bpv_lesson_get_title (lesson));
    }
  if (bad > 0)
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_FAILED,
                   dngettext (GETTEXT_PACKAGE, "%u built-in lesson does not load",
                              "%u built-in lessons do not load", bad),
                   bad);
      return FALSE;
    }
  return TRUE;
}

gboolean
backprop_lesson_command (int      argc,
                         char   **argv,
                         GError **error)
{
  g_autoptr(GOptionContext) context = NULL;
  g_auto(GStrv) args = NULL;

  /* handout has options of its own (backprop-lesson-handout.c). */
  if (argc > 1 && g_str_equal (argv[1], "handout"))
    return backprop_lesson_handout_command (argc - 1, argv + 1, error);

  context = backprop_cli_context_new ("lesson", _("check FILE… | list | handout FILE -o HANDOUT.pdf"),
    _("Check lessons (\"format\": \"backprop-lesson/1\") or list the built-in ones.\n"
      "\n"
      "  check FILE…  play every step of each lesson on a fresh network: every\n"
      "               model, selection and action applied, every question asked\n"
      "               and every answer computed; one line per problem, naming\n"
      "               the file, the step and the field\n"
      "  list         the built-in lessons: id and title, one a line\n"
      "  handout      a printable worksheet (PDF); see “backprop lesson handout --help”"),
    NULL, NULL);
  if (!backprop_cli_parse (context, argc, argv, &args, 1, G_MAXUINT, error))
    return FALSE;

  if (g_str_equal (args[0], "check"))
    {
      if (args[1] == NULL)
        {
          g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
                       _("lesson check needs one or more lesson files"));
          return FALSE;
        }
      return check_files (args + 1, error);
    }
  if (g_str_equal (args[0], "list"))
    {
      if (args[1] != NULL)
        {
          g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
                       _("lesson list takes no arguments"));
          return FALSE;
        }
      return list_builtin (error);
    }
  g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
               _("unknown lesson command “%s” (expected “check” or “list”)"), args[0]);
  return FALSE;
}
