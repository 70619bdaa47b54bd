/* save-loop.c — the writer for the kill -9 test (test-kill9.sh).
 *
 *   save-loop OUT.json [a|b]             saves B, A, B, A, … (or A, B, …)
 *                                        to OUT.json until killed
 *   save-loop --kill-in-write OUT.json MAX_US SEED a|b
 *                                        runs `save-loop OUT.json a|b`, kills
 *                                        it with SIGKILL at a random moment
 *                                        up to MAX_US µs after its first
 *                                        temporary file appears: in the
 *                                        middle of writing, fsync or rename
 *   save-loop --references A.json B.json writes the two versions once
 *   save-loop --time                     prints the milliseconds one save
 *                                        takes
 *
 * The two versions are the same 40-160-100-4 network (23 064 parameters,
 * half a megabyte of JSON) with weights from seeds 1 and 2, built in
 * memory so that the loop starts saving at once.  Saves go through
 * bp_model_save_file, as `backprop train -o` does.  Formatting the numbers
 * takes most of a save; the temporary file exists for a few milliseconds
 * only, which random kills alone would seldom hit — hence --kill-in-write,
 * which watches the directory with inotify.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#include "bp-model.h"
#include "bp-rng.h"

static BpModel *
make_version (guint64 seed)
{
  static const gsize widths[] = { 160, 100, 4 };
  static const char *const acts[] = { "tanh", "tanh", "linear" };
  g_autoptr(BpModel) model = bp_model_new ();
  g_autoptr(GError) error = NULL;
  BpRng rng;

  g_free (model->name);
  model->name = g_strdup_printf ("kill -9 test, version %" G_GUINT64_FORMAT, seed);
  model->seed = seed;
  model->network = bp_network_new (40, &error);
  for (gsize l = 0; l < G_N_ELEMENTS (widths) && error == NULL; l++)
    bp_network_add_layer (model->network, widths[l], acts[l], NULL, &error);
  if (error == NULL)
    model->optimizer = bp_optimizer_new (NULL, "sgd", model->network->n_params, &error);
  g_assert_no_error (error);
  bp_rng_init (&rng, seed);
  bp_network_init_weights (model->network, BP_INIT_GLOROT_NORMAL, &rng);
  return g_steal_pointer (&model);
}

static void
save_or_die (const BpModel *model,
             const char    *path)
{
  g_autoptr(GError) error = NULL;

  if (!bp_model_save_file (model, path, &error))
    {
      fprintf (stderr, "save-loop: %s\n", error->message);
      exit (1);
    }
}

/* Spawns `self OUT`, waits for a file "OUT.saving-PID-XXXXXX" to be created
 * next to OUT (bp_model_save_file's temporary), sleeps up to max_us and
 * kills it. */
static int
kill_in_write (const char *out,
               const char *first,
               guint64     max_us,
               guint32     seed)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = g_path_get_dirname (out);
  g_autofree char *base = g_path_get_basename (out);
  char *child_argv[] = { self, (char *) out, (char *) first, NULL };
  char buf[4096] __attribute__ ((aligned (__alignof__ (struct inotify_event))));
  gboolean seen = FALSE;
  GRand *rand = g_rand_new_with_seed (seed);
  guint64 delay = max_us > 0 ? (guint64) g_rand_int_range (rand, 0, (gint32) MIN (max_us, G_MAXINT32)) : 0;
  int fd, status;
  pid_t pid;

  g_rand_free (rand);
  fd = inotify_init1 (IN_CLOEXEC);
  if (self == NULL || fd < 0 || inotify_add_watch (fd, dir, IN_CREATE) < 0)
    {
      perror ("save-loop: inotify");
      return 1;
    }
  if (posix_spawn (&pid, self, NULL, NULL, child_argv, environ) != 0)
    {
      perror ("save-loop: posix_spawn");
      return 1;
    }
  while (!seen)
    {
      ssize_t len = read (fd, buf, sizeof buf);

      if (len <= 0)
        break;
      for (char *p = buf; p < buf + len;)
        {
          const struct inotify_event *ev = (const struct inotify_event *) p;

          /* bp_model_save_file's temporary: OUT.saving-PID-XXXXXX */
          if (ev->len > 0 && g_str_has_prefix (ev->name, base)
              && g_str_has_prefix (ev->name + strlen (base), ".saving-"))
            seen = TRUE;
          p += sizeof *ev + ev->len;
        }
    }
  g_usleep (delay);
  kill (pid, SIGKILL);
  waitpid (pid, &status, 0);
  close (fd);
  printf ("killed %" G_GUINT64_FORMAT " µs after the temporary file appeared\n", delay);
  return seen ? 0 : 1;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(BpModel) a = NULL;
  g_autoptr(BpModel) b = NULL;

  if (argc == 6 && strcmp (argv[1], "--kill-in-write") == 0)
    return kill_in_write (argv[2], argv[5], g_ascii_strtoull (argv[3], NULL, 10),
                          (guint32) g_ascii_strtoull (argv[4], NULL, 10));

  a = make_version (1);
  b = make_version (2);

  if (argc == 4 && strcmp (argv[1], "--references") == 0)
    {
      save_or_die (a, argv[2]);
      save_or_die (b, argv[3]);
      return 0;
    }
  if (argc == 2 && strcmp (argv[1], "--time") == 0)
    {
      g_autofree char *dir = g_dir_make_tmp ("save-loop-XXXXXX", NULL);
      g_autofree char *path = g_build_filename (dir, "m.json", NULL);
      gint64 t0 = g_get_monotonic_time ();

      for (int i = 0; i < 5; i++)
        save_or_die (i % 2 ? a : b, path);
      printf ("%.0f\n", (double) (g_get_monotonic_time () - t0) / 5e3);
      g_unlink (path);
      g_rmdir (dir);
      return 0;
    }
  if (argc < 2 || argc > 3 || argv[1][0] == '-')
    {
      fprintf (stderr, "usage: save-loop OUT.json [a|b] | --kill-in-write OUT.json MAX_US SEED a|b |\n"
               "       --references A.json B.json | --time\n");
      return 2;
    }
  /* The version given first (default b), then the other, in turn. */
  for (guint64 i = argc == 3 && strcmp (argv[2], "a") == 0 ? 1 : 0;; i++)
    save_or_die (i % 2 == 0 ? b : a, argv[1]);
}
