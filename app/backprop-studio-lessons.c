/* backprop-studio-lessons.c — the lessons (see backprop-studio-lessons.h). */
#include "config.h"
#include "backprop-studio-lessons.h"

#include <stdio.h>

#include "bpv-lesson.h"

GMenuModel *
backprop_studio_lessons_menu_new (void)
{
  GMenu *menu = g_menu_new ();
  g_auto(GStrv) paths = bpv_lesson_list_builtin ();

  for (guint i = 0; paths[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BpvLesson) lesson = bpv_lesson_load (paths[i], &error);
      g_autoptr(GMenuItem) item = NULL;

      if (lesson == NULL)
        {
          fprintf (stderr, "backprop-studio: warning: %s\n", error->message);
          continue;
        }
      item = g_menu_item_new (bpv_lesson_get_title (lesson), NULL);
      g_menu_item_set_action_and_target_value (item, "app.open-lesson",
                                               g_variant_new_string (paths[i]));
      g_menu_append_item (menu, item);
    }
  return G_MENU_MODEL (menu);
}

char *
backprop_studio_lessons_resolve (const char *name)
{
  char *builtin;

  g_return_val_if_fail (name != NULL, NULL);

  if (g_file_test (name, G_FILE_TEST_EXISTS))
    return g_strdup (name);
  builtin = bpv_lesson_find_builtin (name);
  return builtin != NULL ? builtin : g_strdup (name);
}
