/* soak.c — long training runs, with the memory measured on the way.
 *
 *   soak [--teach-steps N] [--mnist-steps M]
 *
 * Two runs through BpTrainer with the trace kept (keep_trace TRUE, as the
 * app trains): N steps (default 10⁷) of the teaching net, 2-8-8-1
 * tanh/tanh/sigmoid with bce and Adam on "moons", batches of 16; and M
 * steps (default 10⁵) of a 784-128-64-10 relu/relu/softmax net with
 * softmax_ce and Adam on 1000 random 784-pixel rows of 10 classes, batches
 * of 32.  The memory — VmRSS and VmHWM from /proc/self/status, and the heap
 * in use from mallinfo2(), which reads 0 under valgrind, whose allocator
 * it does not see — is read at the start, after a warm-up (a tenth
 * of the steps, at least 10⁴: by then the per-layer gradient-norm history
 * has reached its cap) and at the end.  From the warm-up to the end, both
 * must stay flat: RSS within 3 % (+ 256 KiB of slack for page rounding) and
 * the heap within 1 % (+ 64 KiB).  Exits 1 if not, or if training fails.
 *
 * Not a regular test: meson registers it as a benchmark, and
 * tests/hardening.sh runs it (long form) and under valgrind (short counts).
 */
#include "config.h"

#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bp-dataset.h"
#include "bp-network.h"
#include "bp-optimizer.h"
#include "bp-rng.h"
#include "bp-trainer.h"

#include "../test-fixtures.h"

/* The data of the large net: 1000 random 784-pixel rows of 10 classes. */
#define SOAK_ROWS           1000
#define SOAK_FEATURES       784
#define SOAK_CLASSES        10

#define RSS_TOLERANCE       0.03
#define RSS_SLACK_KB        256
#define HEAP_TOLERANCE      0.01
#define HEAP_SLACK_BYTES    (64 * 1024)
#define MIN_WARMUP          10000

typedef struct
{
  long   rss_kb;
  long   hwm_kb;
  size_t heap;   /* bytes malloc'ed and not freed: arena + mmapped chunks */
} Memory;

static long
status_kb (const char *status,
           const char *key)
{
  const char *p = strstr (status, key);

  return p != NULL ? strtol (p + strlen (key), NULL, 10) : -1;
}

static Memory
memory_now (void)
{
  g_autofree char *status = NULL;
  struct mallinfo2 mi = mallinfo2 ();
  Memory m;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    status = g_strdup ("");
  m.rss_kb = status_kb (status, "VmRSS:");
  m.hwm_kb = status_kb (status, "VmHWM:");
  m.heap = mi.uordblks + mi.hblkhd;
  return m;
}

static void
print_memory (const char   *run,
              const char   *when,
              guint64       steps,
              const Memory *m)
{
  printf ("%-6s %-8s %10" G_GUINT64_FORMAT " steps  VmRSS %8ld kB  VmHWM %8ld kB  "
          "heap in use %10zu B\n", run, when, steps, m->rss_kb, m->hwm_kb, m->heap);
  fflush (stdout);
}

static BpNetwork *
make_network (gsize                    n_inputs,
              const gsize             *widths,
              const char *const       *activations,
              gsize                    n_layers,
              const char              *cost,
              guint64                  seed)
{
  g_autoptr(BpNetwork) net = bp_network_new (n_inputs, NULL);
  BpRng rng;

  for (gsize l = 0; l < n_layers; l++)
    if (!bp_network_add_layer (net, widths[l], activations[l], NULL, NULL))
      g_error ("cannot add layer %zu", l + 1);
  if (!bp_network_set_cost (net, cost, NULL, NULL))
    g_error ("cannot set the cost %s", cost);
  bp_rng_init (&rng, seed);
  bp_network_init_weights (net, BP_INIT_GLOROT_UNIFORM, &rng);
  return g_steal_pointer (&net);
}


static gboolean
flat (const char   *run,
      const Memory *warm,
      const Memory *end)
{
  long rss_limit = (long) ((double) warm->rss_kb * (1.0 + RSS_TOLERANCE)) + RSS_SLACK_KB;
  size_t heap_limit = (size_t) ((double) warm->heap * (1.0 + HEAP_TOLERANCE)) + HEAP_SLACK_BYTES;
  gboolean ok = TRUE;

  printf ("%-6s growth after warm-up: VmRSS %+ld kB (%+.2f %%), heap %+ld B (%+.2f %%)\n", run,
          end->rss_kb - warm->rss_kb,
          100.0 * (double) (end->rss_kb - warm->rss_kb) / (double) MAX (warm->rss_kb, 1),
          (long) end->heap - (long) warm->heap,
          100.0 * ((double) end->heap - (double) warm->heap) / (double) MAX (warm->heap, 1));
  if (end->rss_kb > rss_limit)
    {
      printf ("%-6s FAIL: VmRSS grew from %ld kB to %ld kB (limit %ld kB)\n", run,
              warm->rss_kb, end->rss_kb, rss_limit);
      ok = FALSE;
    }
  if (end->heap > heap_limit)
    {
      printf ("%-6s FAIL: the heap grew from %zu B to %zu B (limit %zu B)\n", run,
              warm->heap, end->heap, heap_limit);
      ok = FALSE;
    }
  return ok;
}

/* Trains `steps` steps, measuring as it goes.  FALSE on a training error
 * or memory that is not flat. */
static gboolean
soak (const char      *run,
      BpNetwork       *net,
      const BpDataset *ds,
      gsize            batch,
      guint64          steps)
{
  g_autoptr(BpOptimizer) opt = NULL;
  g_autoptr(BpTrainer) trainer = NULL;
  g_autoptr(GError) error = NULL;
  BpTrainConfig config = { .batch_size = batch, .shuffle = TRUE, .seed = 7, .keep_trace = TRUE };
  guint64 warmup = MIN (steps, MAX (steps / 10, MIN_WARMUP));
  Memory start, warm, end;
  gint64 t0;
  double seconds;

  opt = bp_optimizer_new (NULL, "adam", net->n_params, &error);
  g_assert_no_error (error);
  trainer = bp_trainer_new (net, opt, ds, NULL, &config, &error);
  g_assert_no_error (error);

  start = memory_now ();
  print_memory (run, "start", 0, &start);
  t0 = g_get_monotonic_time ();
  for (guint64 i = 0; i < steps; i++)
    {
      if (!bp_trainer_step (trainer, &error))
        {
          printf ("%-6s FAIL at step %" G_GUINT64_FORMAT ": %s\n", run, i + 1, error->message);
          return FALSE;
        }
      if (i + 1 == warmup)
        {
          warm = memory_now ();
          print_memory (run, "warm-up", i + 1, &warm);
        }
    }
  seconds = (double) (g_get_monotonic_time () - t0) / G_USEC_PER_SEC;
  end = memory_now ();
  print_memory (run, "end", steps, &end);
  printf ("%-6s %" G_GUINT64_FORMAT " steps in %.1f s (%.0f steps/s), last batch loss %.4g, "
          "%u gradient-norm records (stride %" G_GUINT64_FORMAT ")\n", run, steps, seconds,
          (double) steps / MAX (seconds, 1e-9), trainer->trace->loss,
          trainer->grad_norms->len / (guint) net->n_layers, trainer->grad_norm_stride);
  if (!isfinite (trainer->trace->loss))
    {
      printf ("%-6s FAIL: the loss is %g\n", run, trainer->trace->loss);
      return FALSE;
    }
  return flat (run, &warm, &end);
}

int
main (int    argc,
      char **argv)
{
  gint64 teach_steps = 10000000, mnist_steps = 100000;
  gboolean ok = TRUE;
  const GOptionEntry entries[] = {
    { "teach-steps", 0, 0, G_OPTION_ARG_INT64, &teach_steps,
      "Steps of the 2-8-8-1 net (default 10^7; 0 skips it)", "N" },
    { "mnist-steps", 0, 0, G_OPTION_ARG_INT64, &mnist_steps,
      "Steps of the 784-128-64-10 net (default 10^5; 0 skips it)", "M" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— long training runs, memory measured");
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || teach_steps < 0 || mnist_steps < 0)
    {
      fprintf (stderr, "soak: %s\n", error != NULL ? error->message : "negative step count");
      return 2;
    }

  if (teach_steps > 0)
    {
      static const gsize widths[] = { 8, 8, 1 };
      static const char *const acts[] = { "tanh", "tanh", "sigmoid" };
      g_autoptr(BpNetwork) net = make_network (2, widths, acts, 3, "bce", 42);
      g_autoptr(BpDataset) ds = bp_dataset_generate ("moons", 400, 0.1, 42, &error);

      g_assert_no_error (error);
      ok &= soak ("teach", net, ds, 16, (guint64) teach_steps);
    }
  if (mnist_steps > 0)
    {
      static const gsize widths[] = { 128, 64, 10 };
      static const char *const acts[] = { "relu", "relu", "softmax" };
      g_autoptr(BpNetwork) net = make_network (SOAK_FEATURES, widths, acts, 3, "softmax_ce", 42);
      g_autoptr(BpDataset) ds = fixture_random_classification ("random-784", SOAK_ROWS,
                                                             SOAK_FEATURES, SOAK_CLASSES, 42);

      ok &= soak ("mnist", net, ds, 32, (guint64) mnist_steps);
    }
  printf ("soak: %s\n", ok ? "memory flat, training finite" : "FAILED");
  return ok ? 0 : 1;
}
