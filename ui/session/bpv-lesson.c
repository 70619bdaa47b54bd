/* bpv-lesson.c — a lesson: loading it (bpv-lesson-read.c reads and
 * validates), its getters, the messages that name a place in it, and the
 * built-in lessons (see bpv-lesson.h).
 */
#include "config.h"
#include "bpv-lesson-private.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "bp-dataset.h"

G_DEFINE_QUARK (bpv-lesson-error-quark, bpv_lesson_error)

/* ------------------------------------------------------------ messages */

char *
_bpv_lesson_place (const char *file_name,
                   gssize      step,
                   const char *title,
                   const char *field)
{
  GString *s = g_string_new (file_name);

  if (step >= 0 && title != NULL)
    /* TRANSLATORS: the place of a problem in a lesson file: "step 3 (‘The chain rule’)" */
    g_string_append_printf (s, _(": step %zu (‘%s’)"), (gsize) step + 1, title);
  else if (step >= 0)
    g_string_append_printf (s, _(": step %zu"), (gsize) step + 1);
  if (field != NULL)
    g_string_append_printf (s, step >= 0 ? _(", field ‘%s’") : _(": field ‘%s’"), field);
  g_string_append (s, ": ");
  return g_string_free (s, FALSE);
}

static void
set_error_va (GError    **error,
              int         code,
              const char *file_name,
              gssize      step,
              const char *title,
              const char *field,
              const char *format,
              va_list     args)
{
  g_autofree char *place = NULL;
  g_autofree char *what = NULL;

  if (error == NULL)
    return;
  place = _bpv_lesson_place (file_name, step, title, field);
  what = g_strdup_vprintf (format, args);
  g_set_error (error, BPV_LESSON_ERROR, code, "%s%s", place, what);
}

void
_bpv_lesson_set_error (GError    **error,
                       int         code,
                       const char *file_name,
                       gssize      step,
                       const char *title,
                       const char *field,
                       const char *format,
                       ...)
{
  va_list args;

  va_start (args, format);
  set_error_va (error, code, file_name, step, title, field, format, args);
  va_end (args);
}

void
_bpv_lesson_step_error (GError         **error,
                        int              code,
                        const BpvLesson *lesson,
                        gsize            step,
                        const char      *field,
                        const char      *format,
                        ...)
{
  va_list args;

  va_start (args, format);
  set_error_va (error, code, lesson->file_name, (gssize) step,
                step < lesson->n_steps ? lesson->steps[step].title : NULL, field, format, args);
  va_end (args);
}

BpvLesson *
bpv_lesson_load_with_languages (const char         *json,
                                gsize               len,
                                const char         *base_dir,
                                const char         *display_name,
                                const char * const *languages,
                                GError            **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  g_autoptr(BpvLesson) lesson = g_new0 (BpvLesson, 1);

  g_return_val_if_fail (json != NULL, NULL);
  g_return_val_if_fail (display_name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  lesson->file_name = g_strdup (display_name);
  if (!json_parser_load_from_data (parser, json, (gssize) len, &local_error))
    {
      /* json-glib says "<data>:3:7: Parse error: …": keep the line and
       * column, the file is named already. */
      const char *what = local_error->message;

      if (g_str_has_prefix (what, "<data>:"))
        what += strlen ("<data>:");
      _bpv_lesson_set_error (error, BPV_LESSON_ERROR_PARSE, display_name, -1, NULL, NULL,
                             _("not valid JSON: %s"), what);
      return NULL;
    }
  if (!_bpv_lesson_read (lesson, json_parser_get_root (parser), base_dir, languages, error))
    return NULL;
  return g_steal_pointer (&lesson);
}

BpvLesson *
bpv_lesson_load_data (const char  *json,
                      gsize        len,
                      const char  *base_dir,
                      const char  *display_name,
                      GError     **error)
{
  return bpv_lesson_load_with_languages (json, len, base_dir, display_name, NULL, error);
}

BpvLesson *
bpv_lesson_load (const char  *path,
                 GError     **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *dir = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize len;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &contents, &len, &local_error))
    {
      g_set_error (error, BPV_LESSON_ERROR, BPV_LESSON_ERROR_IO, "%s", local_error->message);
      return NULL;
    }
  dir = g_path_get_dirname (path);
  return bpv_lesson_load_data (contents, len, dir, path, error);
}

static void
question_clear (BpvLessonQuestion *q)
{
  g_free (q->topic);
  g_free (q->ask);
  g_free (q->ask_plain);
  g_free (q->answer);
  g_strfreev (q->choices);
  g_strfreev (q->choices_plain);
  g_free (q->worked);
  g_free (q->worked_plain);
}

void
bpv_lesson_free (BpvLesson *lesson)
{
  if (lesson == NULL)
    return;
  for (gsize i = 0; i < lesson->n_steps; i++)
    {
      BpvLessonStep *s = &lesson->steps[i];

      g_free (s->title);
      g_free (s->text);
      g_free (s->text_plain);
      g_clear_pointer (&s->model, bp_model_free);
      for (gsize a = 0; a < s->n_actions; a++)
        g_free (s->actions[a].id);
      g_free (s->actions);
      question_clear (&s->question);
      g_clear_pointer (&lesson->entered[i], bp_network_free);
    }
  g_free (lesson->steps);
  g_free (lesson->entered);
  g_clear_pointer (&lesson->model, bp_model_free);
  g_free (lesson->file_name);
  g_free (lesson->id);
  g_free (lesson->title);
  g_free (lesson->summary);
  g_free (lesson);
}

/* ------------------------------------------------------------- getters */

const char *
bpv_lesson_get_id (const BpvLesson *lesson)
{
  return lesson->id;
}

const char *
bpv_lesson_get_title (const BpvLesson *lesson)
{
  return lesson->title;
}

const char *
bpv_lesson_get_summary (const BpvLesson *lesson)
{
  return lesson->summary;
}

const char *
bpv_lesson_get_file_name (const BpvLesson *lesson)
{
  return lesson->file_name;
}

gsize
bpv_lesson_get_n_steps (const BpvLesson *lesson)
{
  return lesson->n_steps;
}

const BpvLessonStep *
bpv_lesson_get_step (const BpvLesson *lesson,
                     gsize            i)
{
  g_return_val_if_fail (i < lesson->n_steps, NULL);

  return &lesson->steps[i];
}

/* ----------------------------------------------------- built-in lessons */

static char *
builtin_dir (void)
{
  const char *dir = bp_data_dir ();

  return dir != NULL ? g_build_filename (dir, "lessons", NULL) : NULL;
}

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

char **
bpv_lesson_list_builtin (void)
{
  g_autofree char *dir_path = builtin_dir ();
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) paths = g_ptr_array_new ();
  const char *name;

  if (dir_path != NULL)
    dir = g_dir_open (dir_path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, BPV_LESSON_SUFFIX))
      g_ptr_array_add (paths, g_build_filename (dir_path, name, NULL));
  /* "01-…", "02-…": the file names give the course's order. */
  g_ptr_array_sort (paths, compare_paths);
  g_ptr_array_add (paths, NULL);
  return (char **) g_ptr_array_steal (paths, NULL);
}

char *
bpv_lesson_find_builtin (const char *id)
{
  g_auto(GStrv) paths = bpv_lesson_list_builtin ();

  g_return_val_if_fail (id != NULL, NULL);

  for (gsize i = 0; paths[i] != NULL; i++)
    {
      g_autoptr(BpvLesson) lesson = bpv_lesson_load (paths[i], NULL);

      if (lesson != NULL && g_str_equal (lesson->id, id))
        return g_strdup (paths[i]);
    }
  return NULL;
}
