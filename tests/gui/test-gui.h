/* test-gui-logs.h — what the tests on a display (tests/gui/) do with GLib
 * and GTK's log: fail on any warning or critical.  Include after cmocka.h;
 * main () installs the writer (g_log_set_writer_func (fail_on_warnings,
 * NULL, NULL)) and counts unexpected_logs at the end, teardown calls
 * assert_no_new_warnings.
 */
#pragma once

#include <stdio.h>

#include <glib.h>

/* Any GLib or GTK warning or critical fails the test run: a critical is a
 * broken contract even when the widget goes on.  GTK's own warnings that
 * say nothing about our code may be let through here, each with the reason;
 * GTK 4.8 under Xvfb has printed none in these tests so far (normal and
 * ASan builds), so the list is empty. */
static const struct
{
  const char *domain;
  const char *prefix;
} allowed_logs[] = {
  { NULL, NULL },
};

static guint unexpected_logs;

static G_GNUC_UNUSED GLogWriterOutput
fail_on_warnings (GLogLevelFlags   level,
                  const GLogField *fields,
                  gsize            n_fields,
                  gpointer         data)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    {
      const char *domain = "", *message = "";
      gboolean allowed = FALSE;

      for (gsize i = 0; i < n_fields; i++)
        if (g_str_equal (fields[i].key, "GLIB_DOMAIN") && fields[i].length < 0)
          domain = fields[i].value;
        else if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0)
          message = fields[i].value;
      for (gsize i = 0; allowed_logs[i].domain != NULL; i++)
        if (g_str_equal (domain, allowed_logs[i].domain)
            && g_str_has_prefix (message, allowed_logs[i].prefix))
          allowed = TRUE;
      if (!allowed)
        {
          g_atomic_int_inc (&unexpected_logs);
          fprintf (stderr, "%s: unexpected %s from %s: %s\n", g_get_prgname () != NULL ? g_get_prgname () : "test",
                   (level & G_LOG_LEVEL_WARNING) ? "warning" : "critical",
                   domain[0] != '\0' ? domain : "the program", message);
        }
    }
  return g_log_writer_default (level, fields, n_fields, data);
}

/* The warnings since the last check fail the current test (called from
 * teardown, on the main thread). */
static G_GNUC_UNUSED void
assert_no_new_warnings (void)
{
  static guint seen;
  guint now = g_atomic_int_get (&unexpected_logs);

  if (now != seen)
    {
      guint n = now - seen;

      seen = now;
      fail_msg ("%u GLib/GTK warning(s) or critical(s), see above", n);
    }
}
