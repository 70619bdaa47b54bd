/* replay.c — a main() for a fuzz target without libFuzzer: runs
 * LLVMFuzzerTestOneInput once on every file named, and on every file of
 * every directory named.  The meson build links each target with it, so
 * that the regression inputs and the seed corpus run in the ordinary gcc
 * build and in its ASan/UBSan build, with or without clang.
 *
 *   replay-TARGET FILE|DIR…
 *
 * Exits 1 when an argument cannot be read (a crash of the target takes the
 * process down itself); prints how many inputs ran.
 */
#include "fuzz-common.h"

#include <string.h>

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

static gboolean
run_file (const char *path,
          guint      *n)
{
  g_autofree char *data = NULL;
  g_autoptr(GError) error = NULL;
  gsize len;

  if (!g_file_get_contents (path, &data, &len, &error))
    {
      fprintf (stderr, "replay: %s\n", error->message);
      return FALSE;
    }
  /* A copy of exactly len bytes, so that ASan sees a read past the end. */
  {
    g_autofree uint8_t *exact = g_memdup2 (data, MAX (len, 1));

    LLVMFuzzerTestOneInput (exact, len);
  }
  (*n)++;
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  guint n = 0;
  gboolean ok = TRUE;

  for (int i = 1; i < argc; i++)
    {
      if (g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(GDir) dir = g_dir_open (argv[i], 0, &error);
          g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
          const char *name;

          if (dir == NULL)
            {
              fprintf (stderr, "replay: %s\n", error->message);
              ok = FALSE;
              continue;
            }
          while ((name = g_dir_read_name (dir)) != NULL)
            if (name[0] != '.' && !g_str_has_suffix (name, ".md"))
              g_ptr_array_add (names, g_build_filename (argv[i], name, NULL));
          g_ptr_array_sort (names, compare_paths);
          for (guint k = 0; k < names->len; k++)
            ok &= run_file (g_ptr_array_index (names, k), &n);
        }
      else
        ok &= run_file (argv[i], &n);
    }
  printf ("%u input%s replayed\n", n, n == 1 ? "" : "s");
  return ok ? 0 : 1;
}
