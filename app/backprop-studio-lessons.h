/* backprop-studio-lessons.h — the lessons backprop-studio offers: the
 * built-in course (bpv_lesson_list_builtin: <data dir>/lessons) in the main
 * menu's Lessons submenu, and what `--lesson` names (a file, or the id of a
 * built-in lesson).
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The Lessons submenu: one item per built-in lesson, by its title,
 * activating "app.open-lesson" with the lesson's path.  A lesson that does
 * not load is left out (said on stderr).  Full transfer. */
GMenuModel *backprop_studio_lessons_menu_new (void);

/* The lesson file `name` stands for: itself when it is a file, else the
 * built-in lesson of that id ("chain-rule") or file name without its
 * suffix ("04-chain-rule"), else itself (whose loading then says it is not
 * there).  Full transfer. */
char       *backprop_studio_lessons_resolve  (const char *name);

G_END_DECLS
