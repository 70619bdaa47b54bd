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
  g_autofree char *file = NULL;
  g_auto(GStrv) paths = NULL;
  char *builtin;

  g_return_val_if_fail (name != NULL, NULL);

  if (g_file_test (name, G_FILE_TEST_EXISTS))
    return g_strdup (name);
  builtin = bpv_lesson_find_builtin (name);
  if (builtin != NULL)
    return builtin;
  /* The file's name as `backprop lesson list` shows it ("04-chain-rule"). */
  file = g_strconcat (name, BPV_LESSON_SUFFIX, NULL);
  paths = bpv_lesson_list_builtin ();
  for (guint i = 0; paths[i] != NULL; i++)
    {
      g_autofree char *base = g_path_get_basename (paths[i]);

      if (g_str_equal (base, file))
        return g_strdup (paths[i]);
    }
  return g_strdup (name);
}
