/* backprop-lesson-handout.c — `backprop lesson handout FILE -o
 * handout.pdf [--lang de]`: a lesson's printable worksheet, each step's
 * figure painted by the code that paints the canvas, its question with
 * room to answer, the worked answers at the end (bpv-handout-play.h plays
 * the lesson, bpv-handout.h lays the pages out).
 *
 * A file of its own so that `lesson check|list` (backprop-lesson.c) and
 * this grow apart without touching each other.
 */
#include "config.h"
#include "backprop-cli.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "bpv-export.h"
#include "bpv-handout-play.h"
#include "bpv-lesson.h"

/* The lesson in `lang` (its texts; the lesson falls back to English, then
 * to the first language it has), or in the user's languages. */
static BpvLesson *
load_lesson (const char  *path,
             const char  *lang,
             GError     **error)
{
  const char *languages[] = { lang, NULL };
  g_autofree char *contents = NULL;
  g_autofree char *dir = NULL;
  gsize len;

  if (lang == NULL)
    return bpv_lesson_load (path, error);
  if (!g_file_get_contents (path, &contents, &len, error))
    return NULL;
  dir = g_path_get_dirname (path);
  return bpv_lesson_load_with_languages (contents, len, dir, path, languages, error);
}

gboolean
backprop_lesson_handout_command (int      argc,
                                 char   **argv,
                                 GError **error)
{
  g_autofree char *output = NULL;
  g_autofree char *lang = NULL;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      N_("The PDF to write"), N_("FILE.pdf") },
    { "lang", 0, 0, G_OPTION_ARG_STRING, &lang,
      N_("The language of the lesson's texts (e.g. de; default: the user's)"), N_("LANG") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(BpvLesson) lesson = NULL;
  g_autoptr(BpvHandout) handout = NULL;
  g_auto(GStrv) args = NULL;
  g_autofree char **cmd_argv = NULL;
  gsize n_pages = 0;

  context = backprop_cli_context_new ("lesson handout", _("FILE -o HANDOUT.pdf"),
    _("Print a lesson as a worksheet: an A4 PDF with the lesson's title, a line for\n"
      "name and date, each step's text, its figure (the network as the app draws it\n"
      "at that step) and its question with room to answer, and the worked answers,\n"
      "with the live network's numbers, on the last pages."),
    NULL, entries);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  /* Messages say "lesson handout: …", as the command is typed. */
  cmd_argv = g_new0 (char *, argc + 1);
  memcpy (cmd_argv, argv, sizeof (char *) * argc);
  cmd_argv[0] = (char *) "lesson handout";
  if (!backprop_cli_parse (context, argc, cmd_argv, &args, 1, 1, error))
    return FALSE;
  if (output == NULL)
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
                   _("lesson handout: no output: pass -o FILE.pdf"));
      return FALSE;
    }
  if (!g_str_has_suffix (output, ".pdf") && !g_str_has_suffix (output, ".PDF"))
    {
      g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
                   _("lesson handout: %s: a handout is a PDF (the name must end in .pdf)"), output);
      return FALSE;
    }
  if (lang != NULL)
    {
      if (*lang == '\0' || strpbrk (lang, " /") != NULL)
        {
          g_set_error (error, BACKPROP_CLI_ERROR, BACKPROP_CLI_ERROR_USAGE,
                       _("lesson handout: --lang: expected a language code such as “de”, got “%s”"),
                       lang);
          return FALSE;
        }
      /* The handout's own words (“Worked answers”) in that language too,
       * where a translation exists. */
      g_setenv ("LANGUAGE", lang, TRUE);
    }

  lesson = load_lesson (args[0], lang, error);
  if (lesson == NULL)
    return FALSE;
  handout = bpv_handout_play (lesson, error);
  if (handout == NULL)
    return FALSE;
  if (!bpv_handout_write_pdf (handout, output, &n_pages, error))
    return FALSE;
  printf (dngettext (GETTEXT_PACKAGE, "%s: %zu page\n", "%s: %zu pages\n", n_pages),
          output, n_pages);
  return TRUE;
}
