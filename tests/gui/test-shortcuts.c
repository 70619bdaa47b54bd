/* test-shortcuts.c — the one table of shortcuts (bpv-shortcuts.c) against
 * the places that show them, without a display: the help overlay
 * (ui/gtk/bpv-help-overlay.ui) line by line and in order, and the README's
 * shortcut table key by key, both ways.  A shortcut added to the table and
 * not shown, or shown and not in the table, fails here.  The accelerators
 * the application installs and the window's single keys come from the
 * table itself (bpv_shortcuts_install, bpv_shortcuts_lookup_key).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "bpv-shortcuts.h"

/* Keys of the table the README's shortcut table does not list (it is the
 * user manual's short list): in the help overlay only.  A key added to the
 * table must be added to the README or here, with a reason. */
static const char *const readme_omits[] = {
  NULL,
};

/* Words in the README's key cells that are not keys. */
static const char *const readme_not_keys[] = { "right click", NULL };

typedef struct
{
  char *group;
  char *title;
  char *keys;
} Line;

static void
line_free (gpointer data)
{
  Line *l = data;

  g_free (l->group);
  g_free (l->title);
  g_free (l->keys);
  g_free (l);
}

/* ------------------------------------------------------- the help overlay */

typedef struct
{
  GPtrArray *lines;      /* Line */
  GPtrArray *classes;    /* char*: the open <object>s' classes */
  char      *property;   /* the open <property>'s name */
  char      *group;      /* the current group's title */
  Line      *shortcut;   /* the open GtkShortcutsShortcut */
} OverlayParse;

static const char *
innermost (OverlayParse *p)
{
  return p->classes->len > 0 ? g_ptr_array_index (p->classes, p->classes->len - 1) : "";
}

static void
overlay_start (GMarkupParseContext *context,
               const char          *element,
               const char         **names,
               const char         **values,
               gpointer             data,
               GError             **error)
{
  OverlayParse *p = data;
  const char *klass = NULL, *name = NULL;

  for (int i = 0; names[i] != NULL; i++)
    {
      if (g_str_equal (names[i], "class"))
        klass = values[i];
      else if (g_str_equal (names[i], "name"))
        name = values[i];
    }
  if (g_str_equal (element, "object"))
    {
      g_ptr_array_add (p->classes, g_strdup (klass != NULL ? klass : ""));
      if (g_strcmp0 (klass, "GtkShortcutsShortcut") == 0)
        {
          p->shortcut = g_new0 (Line, 1);
          p->shortcut->group = g_strdup (p->group);
        }
    }
  else if (g_str_equal (element, "property"))
    {
      g_free (p->property);
      p->property = g_strdup (name);
    }
}

static void
overlay_end (GMarkupParseContext *context,
             const char          *element,
             gpointer             data,
             GError             **error)
{
  OverlayParse *p = data;

  if (g_str_equal (element, "object"))
    {
      if (g_str_equal (innermost (p), "GtkShortcutsShortcut"))
        g_ptr_array_add (p->lines, g_steal_pointer (&p->shortcut));
      g_ptr_array_remove_index (p->classes, p->classes->len - 1);
    }
  else if (g_str_equal (element, "property"))
    g_clear_pointer (&p->property, g_free);
}

static void
overlay_text (GMarkupParseContext *context,
              const char          *text,
              gsize                len,
              gpointer             data,
              GError             **error)
{
  OverlayParse *p = data;
  char **field = NULL;

  if (p->property == NULL)
    return;
  if (g_str_equal (innermost (p), "GtkShortcutsGroup") && g_str_equal (p->property, "title"))
    field = &p->group;
  else if (p->shortcut != NULL && g_str_equal (p->property, "title"))
    field = &p->shortcut->title;
  else if (p->shortcut != NULL && g_str_equal (p->property, "accelerator"))
    field = &p->shortcut->keys;
  if (field != NULL)
    {
      g_free (*field);
      *field = g_strndup (text, len);
    }
}

/* The overlay's lines, in order. */
static GPtrArray *
overlay_lines (void)
{
  static const GMarkupParser parser = { overlay_start, overlay_end, overlay_text, NULL, NULL };
  g_autofree char *path = g_build_filename (SOURCE_ROOT, "ui", "gtk", "bpv-help-overlay.ui", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  OverlayParse p = { g_ptr_array_new_with_free_func (line_free),
                     g_ptr_array_new_with_free_func (g_free), NULL, NULL, NULL };
  GMarkupParseContext *context = g_markup_parse_context_new (&parser, 0, &p, NULL);

  if (!g_file_get_contents (path, &text, NULL, &error)
      || !g_markup_parse_context_parse (context, text, -1, &error)
      || !g_markup_parse_context_end_parse (context, &error))
    fail_msg ("%s: %s", path, error->message);
  g_markup_parse_context_free (context);
  g_ptr_array_unref (p.classes);
  g_free (p.group);
  return p.lines;
}

/* The table's lines as the overlay should show them: entries in a row
 * with the same section and title share a line, their keys joined. */
static GPtrArray *
table_lines (void)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (line_free);
  gsize n = 0;
  const BpvShortcut *table = bpv_shortcuts_get (&n);

  for (gsize i = 0; i < n; i++)
    {
      Line *last = lines->len > 0 ? g_ptr_array_index (lines, lines->len - 1) : NULL;

      if (last != NULL && g_str_equal (last->group, table[i].section)
          && g_str_equal (last->title, table[i].title))
        {
          char *keys = g_strconcat (last->keys, " ", table[i].keys, NULL);

          g_free (last->keys);
          last->keys = keys;
          continue;
        }
      last = g_new0 (Line, 1);
      last->group = g_strdup (table[i].section);
      last->title = g_strdup (table[i].title);
      last->keys = g_strdup (table[i].keys);
      g_ptr_array_add (lines, last);
    }
  return lines;
}

static void
test_overlay_matches_table (void **state)
{
  g_autoptr(GPtrArray) shown = overlay_lines ();
  g_autoptr(GPtrArray) want = table_lines ();

  assert_true (want->len >= 30);
  for (guint i = 0; i < MAX (shown->len, want->len); i++)
    {
      Line *s = i < shown->len ? g_ptr_array_index (shown, i) : NULL;
      Line *w = i < want->len ? g_ptr_array_index (want, i) : NULL;

      if (s == NULL || w == NULL
          || g_strcmp0 (s->group, w->group) != 0 || g_strcmp0 (s->title, w->title) != 0
          || g_strcmp0 (s->keys, w->keys) != 0)
        fail_msg ("line %u: the help overlay has %s / %s / %s, the table %s / %s / %s", i + 1,
                  s != NULL ? s->group : "nothing", s != NULL ? s->title : "", s != NULL ? s->keys : "",
                  w != NULL ? w->group : "nothing", w != NULL ? w->title : "", w != NULL ? w->keys : "");
    }
}

/* ------------------------------------------------------------- the README */

/* An accelerator as the README writes it: "Ctrl+Shift+Z", "Alt+←", "+". */
static char *
readme_spelling (const char *accel)
{
  static const struct { guint keyval; const char *text; } names[] = {
    { GDK_KEY_space, "Space" }, { GDK_KEY_Right, "→" }, { GDK_KEY_Left, "←" },
    { GDK_KEY_Up, "↑" }, { GDK_KEY_Down, "↓" }, { GDK_KEY_Return, "Enter" },
    { GDK_KEY_comma, "," }, { GDK_KEY_plus, "+" }, { GDK_KEY_minus, "−" },
    { GDK_KEY_question, "?" },
  };
  guint keyval = 0;
  GdkModifierType mods = 0;
  GString *s = g_string_new (NULL);
  const char *name = NULL;

  if (!gtk_accelerator_parse (accel, &keyval, &mods))
    fail_msg ("“%s” is not an accelerator", accel);
  if (mods & GDK_CONTROL_MASK)
    g_string_append (s, "Ctrl+");
  if (mods & GDK_SHIFT_MASK)
    g_string_append (s, "Shift+");
  if (mods & GDK_ALT_MASK)
    g_string_append (s, "Alt+");
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (names[i].keyval == keyval)
      name = names[i].text;
  if (name != NULL)
    g_string_append (s, name);
  else if (keyval >= GDK_KEY_a && keyval <= GDK_KEY_z)
    g_string_append_c (s, (char) g_ascii_toupper ((char) keyval));
  else
    g_string_append (s, gdk_keyval_name (keyval));
  return g_string_free (s, FALSE);
}

/* The keys in the README's shortcut table (its first and third columns):
 * "Ctrl+S / Ctrl+Shift+S", "Menu, Shift+F10, right click",
 * "↑ / ↓ (canvas focused)". */
static GHashTable *
readme_keys (void)
{
  g_autofree char *path = g_build_filename (SOURCE_ROOT, "README.md", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  GHashTable *keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gboolean in_table = FALSE;

  if (!g_file_get_contents (path, &text, NULL, &error))
    fail_msg ("%s: %s", path, error->message);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) cells = NULL;

      if (g_str_has_prefix (lines[i], "| key | action | key | action |"))
        {
          in_table = TRUE;
          continue;
        }
      if (!in_table || g_str_has_prefix (lines[i], "|---"))
        continue;
      if (!g_str_has_prefix (lines[i], "|"))
        break;
      cells = g_strsplit (lines[i], "|", -1);
      for (guint c = 1; c <= 3 && cells[c] != NULL; c += 2)
        {
          g_autofree char *cell = g_strdup (cells[c]);
          char *paren = strchr (cell, '(');
          g_auto(GStrv) words = NULL;

          if (paren != NULL)
            *paren = '\0';
          /* Stripped first: "Ctrl+, " is a key, not a list. */
          g_strstrip (cell);
          words = g_regex_split_simple (" / |, ", cell, 0, 0);
          for (guint w = 0; words[w] != NULL; w++)
            {
              char *word = g_strstrip (words[w]);

              if (word[0] != '\0' && !g_strv_contains (readme_not_keys, word))
                g_hash_table_add (keys, g_strdup (word));
            }
        }
    }
  assert_true (in_table);
  return keys;
}

static void
test_readme_matches_table (void **state)
{
  g_autoptr(GHashTable) readme = readme_keys ();
  g_autoptr(GHashTable) table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gsize n = 0;
  const BpvShortcut *shortcuts = bpv_shortcuts_get (&n);
  GHashTableIter iter;
  gpointer key;

  for (gsize i = 0; i < n; i++)
    {
      g_auto(GStrv) accels = g_strsplit (shortcuts[i].keys, " ", -1);

      for (guint k = 0; accels[k] != NULL; k++)
        g_hash_table_add (table, readme_spelling (accels[k]));
    }
  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (readme, key) && !g_strv_contains (readme_omits, key))
      fail_msg ("%s is in the shortcut table but not in the README's", (const char *) key);
  g_hash_table_iter_init (&iter, readme);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (table, key))
      fail_msg ("the README lists %s, the shortcut table does not", (const char *) key);
  for (guint i = 0; readme_omits[i] != NULL; i++)
    {
      if (!g_hash_table_contains (table, readme_omits[i]))
        fail_msg ("%s is left out of the README but is no shortcut", readme_omits[i]);
      if (g_hash_table_contains (readme, readme_omits[i]))
        fail_msg ("%s is in the README now: take it off readme_omits", readme_omits[i]);
    }
}

/* ------------------------------------------------------------- the table */

/* Each key parses, is claimed once, and has the modifiers its kind can
 * carry: a single key never has Ctrl or Alt (the window's key controller
 * leaves those alone). */
static void
test_table_is_consistent (void **state)
{
  gsize n = 0;
  const BpvShortcut *table = bpv_shortcuts_get (&n);
  g_autoptr(GHashTable) claimed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (gsize i = 0; i < n; i++)
    {
      g_autofree char *all = g_strjoin (" ", table[i].keys, table[i].more_keys, NULL);
      g_auto(GStrv) accels = g_strsplit (all, " ", -1);

      assert_non_null (table[i].section);
      assert_non_null (table[i].title);
      assert_true ((table[i].action == NULL) == (table[i].kind == BPV_SHORTCUT_CANVAS));
      if (table[i].kind == BPV_SHORTCUT_KEY)
        assert_true (g_str_has_prefix (table[i].action, "win."));
      for (guint k = 0; accels[k] != NULL; k++)
        {
          guint keyval = 0;
          GdkModifierType mods = 0;
          g_autofree char *name = NULL;

          if (!gtk_accelerator_parse (accels[k], &keyval, &mods))
            fail_msg ("%s: “%s” is not an accelerator", table[i].title, accels[k]);
          if (table[i].kind == BPV_SHORTCUT_KEY && (mods & ~GDK_SHIFT_MASK) != 0)
            fail_msg ("%s: a single key with Ctrl or Alt: %s", table[i].title, accels[k]);
          name = gtk_accelerator_name (keyval, mods);
          if (table[i].kind != BPV_SHORTCUT_CANVAS && !g_hash_table_add (claimed, g_steal_pointer (&name)))
            fail_msg ("%s: %s belongs to another shortcut", table[i].title, accels[k]);
        }
    }
}

/* The window's key controller finds single keys, shifted or not, and
 * leaves what the application's accelerators and the canvas handle. */
static void
test_lookup_key (void **state)
{
  assert_string_equal (bpv_shortcuts_lookup_key (GDK_KEY_space, 0), "win.play");
  assert_string_equal (bpv_shortcuts_lookup_key (GDK_KEY_space, GDK_SHIFT_MASK), "win.autoplay");
  assert_string_equal (bpv_shortcuts_lookup_key (GDK_KEY_Right, GDK_SHIFT_MASK), "win.step-phase");
  assert_string_equal (bpv_shortcuts_lookup_key (GDK_KEY_r, 0), "win.reset");
  assert_string_equal (bpv_shortcuts_lookup_key (GDK_KEY_plus, GDK_SHIFT_MASK), "win.add-unit");
  assert_string_equal (bpv_shortcuts_lookup_key (GDK_KEY_equal, 0), "win.add-unit");
  assert_string_equal (bpv_shortcuts_lookup_key (GDK_KEY_KP_Subtract, 0), "win.remove-unit");
  assert_string_equal (bpv_shortcuts_lookup_key (GDK_KEY_KP_Delete, 0), "win.remove-layer");
  assert_string_equal (bpv_shortcuts_lookup_key (GDK_KEY_F5, 0), "win.presentation");
  assert_null (bpv_shortcuts_lookup_key (GDK_KEY_r, GDK_SHIFT_MASK));
  assert_null (bpv_shortcuts_lookup_key (GDK_KEY_z, GDK_CONTROL_MASK));
  assert_null (bpv_shortcuts_lookup_key (GDK_KEY_F9, 0));
  assert_null (bpv_shortcuts_lookup_key (GDK_KEY_Escape, 0));
}

/* What bpv_shortcuts_install gives the application: every accelerator of
 * the table, shown keys first, and nothing for single keys. */
static void
test_install (void **state)
{
  g_autoptr(GtkApplication) app = gtk_application_new (NULL, G_APPLICATION_DEFAULT_FLAGS);
  g_auto(GStrv) redo = NULL;
  g_auto(GStrv) play = NULL;
  g_auto(GStrv) help = NULL;
  g_auto(GStrv) quit = NULL;
  guint keyval = 0;
  GdkModifierType mods = 0;

  bpv_shortcuts_install (app);
  redo = gtk_application_get_accels_for_action (app, "win.redo");
  assert_int_equal (g_strv_length (redo), 2);
  assert_true (gtk_accelerator_parse (redo[0], &keyval, &mods));
  assert_int_equal (keyval, GDK_KEY_z);
  assert_int_equal (mods, GDK_CONTROL_MASK | GDK_SHIFT_MASK);
  assert_true (gtk_accelerator_parse (redo[1], &keyval, &mods));
  assert_int_equal (keyval, GDK_KEY_y);
  assert_int_equal (mods, GDK_CONTROL_MASK);
  help = gtk_application_get_accels_for_action (app, "win.show-help-overlay");
  assert_int_equal (g_strv_length (help), 2);
  quit = gtk_application_get_actions_for_accel (app, "<Control>q");
  assert_int_equal (g_strv_length (quit), 1);
  assert_string_equal (quit[0], "app.quit");
  play = gtk_application_get_accels_for_action (app, "win.play");
  assert_int_equal (g_strv_length (play), 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_overlay_matches_table),
    cmocka_unit_test (test_readme_matches_table),
    cmocka_unit_test (test_table_is_consistent),
    cmocka_unit_test (test_lookup_key),
    cmocka_unit_test (test_install),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
