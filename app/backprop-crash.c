/* backprop-crash.c — name the plugin that crashed the program.
 *
 * At install time (not in the handler) every loaded plugin's executable
 * segments are looked up with dl_iterate_phdr and stored with a ready-made
 * message in a static table.  The handler only reads that table, compares
 * the faulting instruction's address (from the ucontext) with it, and
 * calls write(2), sigaction(2) and raise(3), which are async-signal-safe.
 *
 * Only the program counter is looked at: a plugin that crashes inside libc
 * or libm (a bad pointer passed to memcpy) is not recognised, and that
 * fault goes to the previous handler as any other.
 */
#include "config.h"
#include "backprop-crash.h"

#include <link.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#define MAX_RANGES 256
#define ALT_STACK_SIZE (64 * 1024)

typedef struct
{
  uintptr_t   start;
  uintptr_t   end;
  const char *message;   /* "backprop: plugin “NAME” (PATH) crashed with " */
  size_t      length;
} CodeRange;

static const int fatal_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL };

static CodeRange ranges[MAX_RANGES];
static size_t n_ranges;
static char *activity;          /* " while training\n" */
static size_t activity_length;
static struct sigaction previous[G_N_ELEMENTS (fatal_signals)];
static char alt_stack[ALT_STACK_SIZE];

/* --------------------------------------------------------- install time */

typedef struct
{
  uintptr_t   address;   /* any address inside the plugin (its descriptor) */
  const char *message;
  size_t      length;
} Lookup;

static int
add_object_ranges (struct dl_phdr_info *info,
                   size_t               size,
                   void                *data)
{
  const Lookup *lookup = data;
  gboolean contains = FALSE;

  for (int i = 0; i < info->dlpi_phnum && !contains; i++)
    {
      const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
      uintptr_t start = info->dlpi_addr + ph->p_vaddr;

      contains = ph->p_type == PT_LOAD
                 && lookup->address >= start && lookup->address < start + ph->p_memsz;
    }
  if (!contains)
    return 0;

  for (int i = 0; i < info->dlpi_phnum && n_ranges < MAX_RANGES; i++)
    {
      const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

      if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
        continue;
      ranges[n_ranges].start = info->dlpi_addr + ph->p_vaddr;
      ranges[n_ranges].end = ranges[n_ranges].start + ph->p_memsz;
      ranges[n_ranges].message = lookup->message;
      ranges[n_ranges].length = lookup->length;
      n_ranges++;
    }
  return 1;
}

static const char *
activity_of (const char *command)
{
  static const struct { const char *command, *activity; } activities[] = {
    { "train", "training" },
    { "trace", "tracing the worked example" },
    { "gradcheck", "checking gradients" },
    { "info", "reading the model" },
    { "render", "rendering" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (activities); i++)
    if (g_strcmp0 (command, activities[i].command) == 0)
      return activities[i].activity;
  return "running";
}

/* ------------------------------------------------------------ the handler */

static void
write_all (const char *s,
           size_t      n)
{
  while (n > 0)
    {
      ssize_t w = write (STDERR_FILENO, s, n);

      if (w <= 0)
        return;
      s += w;
      n -= (size_t) w;
    }
}

static uintptr_t
program_counter (const void *context)
{
  const ucontext_t *uc = context;

#if defined(__x86_64__)
  return (uintptr_t) uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__i386__)
  return (uintptr_t) uc->uc_mcontext.gregs[REG_EIP];
#elif defined(__aarch64__)
  return (uintptr_t) uc->uc_mcontext.pc;
#else
  (void) uc;
  return 0;
#endif
}

static const char *
signal_name (int sig)
{
  switch (sig)
    {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    default: return "a signal";
    }
}

static void
on_fatal_signal (int        sig,
                 siginfo_t *info,
                 void      *context)
{
  uintptr_t pc = program_counter (context);
  size_t which = 0;

  for (size_t i = 0; i < n_ranges; i++)
    if (pc >= ranges[i].start && pc < ranges[i].end)
      {
        const char *name = signal_name (sig);
        struct sigaction dfl;

        write_all (ranges[i].message, ranges[i].length);
        write_all (name, strlen (name));
        write_all (activity, activity_length);

        memset (&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigemptyset (&dfl.sa_mask);
        sigaction (sig, &dfl, NULL);
        raise (sig);
        return;
      }

  /* Not a plugin's fault: hand it on.  A fault the kernel raised happens
   * again when we return, now to the previous handler; a signal someone
   * sent is sent again. */
  for (size_t k = 0; k < G_N_ELEMENTS (fatal_signals); k++)
    if (fatal_signals[k] == sig)
      which = k;
  sigaction (sig, &previous[which], NULL);
  if (info == NULL || info->si_code <= 0)
    raise (sig);
}

void
backprop_crash_guard_plugins (BpPluginLoader *loader,
                              const char     *command)
{
  struct sigaction action;
  stack_t current;

  if (loader == NULL || n_ranges > 0)
    return;

  for (guint i = 0; i < bp_plugin_loader_get_n_records (loader); i++)
    {
      const BpPluginRecord *r = bp_plugin_loader_get_record (loader, i);
      Lookup lookup;

      if (r->desc == NULL)
        continue;
      /* Lives as long as the process: the handler may need it at any time. */
      lookup.message = g_strdup_printf ("backprop: plugin “%s” (%s) crashed with ",
                                        r->name != NULL ? r->name : r->desc->name, r->path);
      lookup.length = strlen (lookup.message);
      lookup.address = (uintptr_t) r->desc;
      dl_iterate_phdr (add_object_ranges, &lookup);
    }
  if (n_ranges == 0)
    return;

  activity = g_strdup_printf (" while %s\n", activity_of (command));
  activity_length = strlen (activity);

  /* A plugin that recurses without end overflows the stack: the handler
   * then needs a stack of its own (unless something, a sanitizer, set one). */
  if (sigaltstack (NULL, &current) == 0 && (current.ss_flags & SS_DISABLE))
    {
      stack_t alt = { .ss_sp = alt_stack, .ss_size = sizeof alt_stack, .ss_flags = 0 };

      sigaltstack (&alt, NULL);
    }

  memset (&action, 0, sizeof action);
  action.sa_sigaction = on_fatal_signal;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset (&action.sa_mask);
  for (gsize k = 0; k < G_N_ELEMENTS (fatal_signals); k++)
    sigaction (fatal_signals[k], &action, &previous[k]);
}
