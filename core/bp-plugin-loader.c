/* bp-plugin-loader.c — the plugin search path, the scanner child and its
 * verdict cache, and registration (see bp-plugin-loader.h).
 *
 * The scanner protocol, written by bp_plugin_scanner_run() in the child and
 * read by parse_scan() in the host, one item a line, strings escaped with
 * g_strescape():
 *
 *   backprop-plugin-scanner 1      header (the protocol version)
 *   step NAME                      a step begins ("file" … "numeric")
 *   abi MAJOR MINOR                read from the descriptor
 *   plugin NAME                    the descriptor's name, once the ABI passed
 *   version VERSION
 *   feature KIND ID                every id, once the fields passed
 *   OK                             the verdict: all steps passed, or
 *   ERROR CODE MESSAGE             the first failure (CODE: bp_plugin_error_to_string)
 *
 * The last "step" line tells in which step a crash or a time-out happened.
 */
#include "config.h"
#include "bp-plugin-loader.h"
#include "bp-plugin-check.h"
#include "bp-util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gmodule.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
# include <sys/prctl.h>
#endif

#define SCANNER_NAME        "backprop-plugin-scanner"
#define PROTOCOL_HEADER     "backprop-plugin-scanner 1"
#define DEFAULT_TIMEOUT     10.0
#define CACHE_HOST_ID       PACKAGE_VERSION " abi " G_STRINGIFY (BP_PLUGIN_ABI_MAJOR) "." \
                            G_STRINGIFY (BP_PLUGIN_ABI_MINOR) " protocol 1"

G_DEFINE_QUARK (bp-plugin-error-quark, bp_plugin_error)

/* ------------------------------------------------------------------- names */

static const char *const step_names[BP_PLUGIN_N_STEPS] = {
  [BP_PLUGIN_STEP_FILE] = "file",
  [BP_PLUGIN_STEP_OPEN] = "open",
  [BP_PLUGIN_STEP_SYMBOL] = "symbol",
  [BP_PLUGIN_STEP_DESCRIPTOR] = "descriptor",
  [BP_PLUGIN_STEP_ABI] = "abi",
  [BP_PLUGIN_STEP_FIELDS] = "fields",
  [BP_PLUGIN_STEP_IDS] = "ids",
  [BP_PLUGIN_STEP_NUMERIC] = "numeric",
  [BP_PLUGIN_STEP_REGISTER] = "register",
};

static const char *const error_names[] = {
  [BP_PLUGIN_ERROR_OPEN] = "OPEN",
  [BP_PLUGIN_ERROR_SYMBOL] = "SYMBOL",
  [BP_PLUGIN_ERROR_DESCRIPTOR] = "DESCRIPTOR",
  [BP_PLUGIN_ERROR_ABI] = "ABI",
  [BP_PLUGIN_ERROR_FIELD] = "FIELD",
  [BP_PLUGIN_ERROR_DUPLICATE_ID] = "DUPLICATE_ID",
  [BP_PLUGIN_ERROR_NUMERIC] = "NUMERIC",
  [BP_PLUGIN_ERROR_CRASH] = "CRASH",
  [BP_PLUGIN_ERROR_TIMEOUT] = "TIMEOUT",
  [BP_PLUGIN_ERROR_NOT_A_MODULE] = "NOT_A_MODULE",
  [BP_PLUGIN_ERROR_UNREADABLE] = "UNREADABLE",
  [BP_PLUGIN_ERROR_SCANNER] = "SCANNER",
};

const char *
bp_plugin_step_to_string (BpPluginStep step)
{
  g_return_val_if_fail (step < BP_PLUGIN_N_STEPS, "unknown");
  return step_names[step];
}

static gboolean
step_from_string (const char   *name,
                  BpPluginStep *step)
{
  for (guint i = 0; i < BP_PLUGIN_N_STEPS; i++)
    if (g_strcmp0 (step_names[i], name) == 0)
      {
        *step = i;
        return TRUE;
      }
  return FALSE;
}

const char *
bp_plugin_error_to_string (BpPluginError code)
{
  g_return_val_if_fail ((guint) code < G_N_ELEMENTS (error_names), "UNKNOWN");
  return error_names[code];
}

gboolean
bp_plugin_error_from_string (const char    *name,
                             BpPluginError *code)
{
  for (guint i = 0; i < G_N_ELEMENTS (error_names); i++)
    if (g_strcmp0 (error_names[i], name) == 0)
      {
        *code = i;
        return TRUE;
      }
  return FALSE;
}

/* The registry's checks, reported in this domain with the same message. */
static GError *
from_registry_error (const GError *e)
{
  BpPluginError code = BP_PLUGIN_ERROR_FIELD;

  if (e->domain == BP_REGISTRY_ERROR)
    switch ((BpRegistryError) e->code)
      {
      case BP_REGISTRY_ERROR_ABI:
        code = BP_PLUGIN_ERROR_ABI;
        break;
      case BP_REGISTRY_ERROR_FIELD:
        code = BP_PLUGIN_ERROR_FIELD;
        break;
      case BP_REGISTRY_ERROR_DUPLICATE_ID:
        code = BP_PLUGIN_ERROR_DUPLICATE_ID;
        break;
      default:
        break;
      }
  return g_error_new_literal (BP_PLUGIN_ERROR, code, e->message);
}

static BpPluginStep
step_of_registry_error (const GError *e)
{
  switch (e->code)
    {
    case BP_PLUGIN_ERROR_ABI:
      return BP_PLUGIN_STEP_ABI;
    case BP_PLUGIN_ERROR_DUPLICATE_ID:
      return BP_PLUGIN_STEP_IDS;
    default:
      return BP_PLUGIN_STEP_FIELDS;
    }
}

/* A file's name for a message: its basename, escaped and cut (a file name
 * may be any bytes). */
static char *
shown_base (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);

  return bp_shown (base, -1, BP_SHOWN_MAX_CHARS);
}

/* ------------------------------------------------------------- file check */

/* Step "file": a readable regular file that starts like a shared object.
 * Cheap and runs no plugin code, so the host does it in-process. */
static gboolean
probe_file (const char  *path,
            GError     **error)
{
  g_autofree char *base = shown_base (path);
  GStatBuf st, lst;
  unsigned char magic[4] = { 0 };
  ssize_t n;
  int fd;

  if (g_stat (path, &st) != 0)
    {
      int saved = errno;

      if (saved == ENOENT && g_lstat (path, &lst) == 0)
        g_set_error (error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_UNREADABLE,
                     "“%s” is a dangling symbolic link", base);
      else
        g_set_error (error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_UNREADABLE,
                     "“%s” cannot be read: %s", base, g_strerror (saved));
      return FALSE;
    }
  if (S_ISDIR (st.st_mode))
    {
      g_set_error (error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_UNREADABLE,
                   "“%s” is a directory, not a plugin file", base);
      return FALSE;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_UNREADABLE,
                   "“%s” is not a regular file", base);
      return FALSE;
    }

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_UNREADABLE,
                   "“%s” cannot be read: %s", base, g_strerror (saved));
      return FALSE;
    }
  do
    n = read (fd, magic, sizeof magic);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    {
      int saved = errno;

      close (fd);
      g_set_error (error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_UNREADABLE,
                   "“%s” cannot be read: %s", base, g_strerror (saved));
      return FALSE;
    }
  close (fd);

#if defined(__ELF__)
  if (n < 4 || memcmp (magic, "\177ELF", 4) != 0)
    {
      g_set_error (error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_NOT_A_MODULE,
                   "“%s” is not a shared object (it has no ELF header)", base);
      return FALSE;
    }
#elif defined(__APPLE__)
  {
    static const unsigned char machos[][4] = {
      { 0xfe, 0xed, 0xfa, 0xce }, { 0xce, 0xfa, 0xed, 0xfe },
      { 0xfe, 0xed, 0xfa, 0xcf }, { 0xcf, 0xfa, 0xed, 0xfe },
      { 0xca, 0xfe, 0xba, 0xbe }, { 0xbe, 0xba, 0xfe, 0xca },
    };
    gboolean ok = FALSE;

    for (guint i = 0; i < G_N_ELEMENTS (machos) && n == 4; i++)
      ok = ok || memcmp (magic, machos[i], 4) == 0;
    if (!ok)
      {
        g_set_error (error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_NOT_A_MODULE,
                     "“%s” is not a shared object (it has no Mach-O header)", base);
        return FALSE;
      }
  }
#elif defined(G_OS_WIN32)
  if (n < 2 || memcmp (magic, "MZ", 2) != 0)
    {
      g_set_error (error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_NOT_A_MODULE,
                   "“%s” is not a DLL (it has no MZ header)", base);
      return FALSE;
    }
#endif
  return TRUE;
}

/* ----------------------------------------------------- the scanner (child) */

static void
emit_step (FILE         *out,
           BpPluginStep  step)
{
  /* Flushed at once: if the next step crashes, the host knows which. */
  fprintf (out, "step %s\n", step_names[step]);
  fflush (out);
}

static void
emit_string (FILE       *out,
             const char *key,
             const char *value)
{
  g_autofree char *escaped = g_strescape (value != NULL ? value : "", NULL);

  fprintf (out, "%s %s\n", key, escaped);
}

static gboolean
emit_verdict (FILE   *out,
              GError *error)
{
  if (error == NULL)
    fputs ("OK\n", out);
  else
    {
      g_autofree char *escaped = g_strescape (error->message, NULL);

      fprintf (out, "ERROR %s %s\n",
               error->domain == BP_PLUGIN_ERROR
                 ? bp_plugin_error_to_string (error->code) : "FIELD",
               escaped);
    }
  fflush (out);
  return error == NULL;
}

static void
emit_features (FILE               *out,
               const BpPluginDesc *desc)
{
  for (size_t i = 0; i < desc->n_activations; i++)
    fprintf (out, "feature activation %s\n", desc->activations[i].id);
  for (size_t i = 0; i < desc->n_costs; i++)
    fprintf (out, "feature cost %s\n", desc->costs[i].id);
  for (size_t i = 0; i < desc->n_optimizers; i++)
    fprintf (out, "feature optimizer %s\n", desc->optimizers[i].id);
  fflush (out);
}

gboolean
bp_plugin_scanner_run (const char *path,
                       FILE       *out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) reg_error = NULL;
  g_autofree char *base = NULL;
  GModule *module;
  gpointer symbol = NULL;
  const BpPluginDesc *desc;

  g_return_val_if_fail (path != NULL && out != NULL, FALSE);

  base = shown_base (path);
  fputs (PROTOCOL_HEADER "\n", out);

  emit_step (out, BP_PLUGIN_STEP_FILE);
  if (!probe_file (path, &error))
    return emit_verdict (out, error);

  emit_step (out, BP_PLUGIN_STEP_OPEN);
  /* Resolve every symbol now (no G_MODULE_BIND_LAZY): a missing one is an
   * "open" failure here, not a crash later in the host. */
  module = g_module_open (path, G_MODULE_BIND_LOCAL);
  if (module == NULL)
    {
      g_set_error (&error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_OPEN,
                   "“%s” could not be opened: %s", base, g_module_error ());
      return emit_verdict (out, error);
    }
  /* The scanner exits right after its verdict; never unload plugin code. */
  g_module_make_resident (module);

  emit_step (out, BP_PLUGIN_STEP_SYMBOL);
  if (!g_module_symbol (module, BP_PLUGIN_SYMBOL, &symbol) || symbol == NULL)
    {
      g_set_error (&error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_SYMBOL,
                   "“%s” does not export “%s” (declare the plugin with BP_PLUGIN_DEFINE)",
                   base, BP_PLUGIN_SYMBOL);
      return emit_verdict (out, error);
    }

  emit_step (out, BP_PLUGIN_STEP_DESCRIPTOR);
  desc = ((BpPluginGetDescriptorFunc) symbol) ();
  if (desc == NULL)
    {
      g_set_error (&error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_DESCRIPTOR,
                   "“%s”: %s() returned NULL instead of a descriptor", base, BP_PLUGIN_SYMBOL);
      return emit_verdict (out, error);
    }
  fprintf (out, "abi %u %u\n", desc->abi_major, desc->abi_minor);

  /* ABI, then the fields and the ids within the plugin: the registry's own
   * checks, without a registry. */
  emit_step (out, BP_PLUGIN_STEP_ABI);
  if (!bp_registry_validate_plugin (NULL, desc, &reg_error))
    {
      error = from_registry_error (reg_error);
      if (error->code != BP_PLUGIN_ERROR_ABI)
        {
          emit_string (out, "plugin", desc->name);
          emit_string (out, "version", desc->version);
          emit_step (out, BP_PLUGIN_STEP_FIELDS);
        }
      if (error->code == BP_PLUGIN_ERROR_DUPLICATE_ID)
        emit_step (out, BP_PLUGIN_STEP_IDS);
      return emit_verdict (out, error);
    }
  emit_string (out, "plugin", desc->name);
  emit_string (out, "version", desc->version);
  emit_step (out, BP_PLUGIN_STEP_FIELDS);
  emit_features (out, desc);

  /* Against the built-ins; the host checks against earlier plugins when it
   * registers. */
  emit_step (out, BP_PLUGIN_STEP_IDS);
  if (!bp_registry_validate_plugin (bp_registry_get_default (), desc, &reg_error))
    {
      error = from_registry_error (reg_error);
      return emit_verdict (out, error);
    }

  emit_step (out, BP_PLUGIN_STEP_NUMERIC);
  if (!bp_plugin_check_numeric (desc, &error))
    return emit_verdict (out, error);

  return emit_verdict (out, NULL);
}

/* ------------------------------------------------------ the scanner (host) */

void
bp_plugin_scan_free (BpPluginScan *scan)
{
  if (scan == NULL)
    return;
  g_free (scan->path);
  g_clear_error (&scan->error);
  g_free (scan->name);
  g_free (scan->version);
  g_strfreev (scan->features);
  g_free (scan);
}

static const char *
signal_name (int sig)
{
  switch (sig)
    {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS:  return "SIGBUS";
    case SIGILL:  return "SIGILL";
    case SIGFPE:  return "SIGFPE";
    case SIGABRT: return "SIGABRT";
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
    case SIGTRAP: return "SIGTRAP";
    case SIGSYS:  return "SIGSYS";
    case SIGPIPE: return "SIGPIPE";
    case SIGALRM: return "SIGALRM";
    default:      return NULL;
    }
}

typedef enum
{
  SCAN_NO_PROTOCOL,  /* not even the header: not our scanner */
  SCAN_NO_VERDICT,   /* it stopped before a verdict */
  SCAN_VERDICT,      /* OK (`*verdict` NULL) or ERROR (`*verdict` set) */
} ScanOutput;

/* Reads the scanner's output into `scan`. */
static ScanOutput
parse_scan (BpPluginScan *scan,
            const char   *text,
            GError      **verdict)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr(GPtrArray) features = g_ptr_array_new_with_free_func (g_free);
  ScanOutput result = SCAN_NO_PROTOCOL;

  for (guint i = 0; lines[i] != NULL && result != SCAN_VERDICT; i++)
    {
      const char *line = lines[i];

      if (result == SCAN_NO_PROTOCOL)
        {
          /* Anything before the header is not ours. */
          if (g_str_equal (line, PROTOCOL_HEADER))
            result = SCAN_NO_VERDICT;
          continue;
        }
      if (g_str_has_prefix (line, "step "))
        {
          BpPluginStep step;

          if (step_from_string (line + 5, &step))
            scan->reached = step;
        }
      else if (g_str_has_prefix (line, "abi "))
        {
          guint major = 0, minor = 0;

          if (sscanf (line + 4, "%u %u", &major, &minor) == 2)
            {
              scan->abi_major = major;
              scan->abi_minor = minor;
            }
        }
      else if (g_str_has_prefix (line, "plugin "))
        {
          g_free (scan->name);
          scan->name = g_strcompress (line + 7);
        }
      else if (g_str_has_prefix (line, "version "))
        {
          g_free (scan->version);
          scan->version = g_strcompress (line + 8);
        }
      else if (g_str_has_prefix (line, "feature "))
        g_ptr_array_add (features, g_strdup (line + 8));
      else if (g_str_equal (line, "OK"))
        result = SCAN_VERDICT;
      else if (g_str_has_prefix (line, "ERROR "))
        {
          const char *rest = line + 6;
          const char *sp = strchr (rest, ' ');
          g_autofree char *name = g_strndup (rest, sp != NULL ? (gsize) (sp - rest) : strlen (rest));
          g_autofree char *msg = g_strcompress (sp != NULL ? sp + 1 : "");
          BpPluginError code = BP_PLUGIN_ERROR_FIELD;

          bp_plugin_error_from_string (name, &code);
          *verdict = g_error_new_literal (BP_PLUGIN_ERROR, code, msg);
          result = SCAN_VERDICT;
        }
    }

  g_ptr_array_add (features, NULL);
  g_strfreev (scan->features);
  scan->features = (char **) g_ptr_array_steal (features, NULL);
  return result;
}

static void
scanner_child_setup (gpointer data)
{
  /* Its own process group, so a time-out kills whatever it started too; and
   * it dies with the host (Linux), so a hanging plugin never outlives us. */
  setpgid (0, 0);
#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif
}

struct _BpPluginLoader
{
  BpRegistry *reg;
  GPtrArray  *extra_dirs;       /* char* */
  gboolean    use_default_path;
  char       *cache_file;       /* NULL: no cache */
  GKeyFile   *cache;            /* loaded lazily */
  gboolean    cache_dirty;
  char       *scanner;
  GPtrArray  *warnings;         /* char*, NULL-terminated */
  char      **skip;             /* basenames load_all passes over, or NULL */
  guint       n_warnings_taken;
  guint       n_records_taken;  /* records whose `printed` was taken */
  double      timeout;          /* ≤ 0: the default */
  GPtrArray  *records;          /* Record* */
  GHashTable *seen;             /* basename → record */
  guint       n_scans;
};

typedef struct
{
  BpPluginRecord pub;           /* first: a Record* is a BpPluginRecord* */
  GModule       *module;
} Record;

static double
scan_timeout (BpPluginLoader *loader)
{
  const char *env;

  if (loader->timeout > 0)
    return loader->timeout;
  env = g_getenv ("BACKPROP_PLUGIN_SCAN_TIMEOUT");
  if (env != NULL && env[0] != '\0')
    {
      char *end = NULL;
      double v = g_ascii_strtod (env, &end);

      if (end != env && *end == '\0' && v > 0 && v < 3600)
        return v;
    }
  return DEFAULT_TIMEOUT;
}

static BpPluginScan *
run_scanner (BpPluginLoader *loader,
             const char     *path)
{
  g_autoptr(BpPluginScan) scan = g_new0 (BpPluginScan, 1);
  g_autoptr(GError) spawn_error = NULL;
  g_autoptr(GString) output = g_string_new (NULL);
  g_autofree char *base = shown_base (path);
  g_autoptr(GError) verdict = NULL;
  const char *scanner = bp_plugin_loader_get_scanner (loader);
  const char *argv[] = { scanner, path, NULL };
  double timeout = scan_timeout (loader);
  gint64 deadline;
  GPid pid = 0;
  int out_fd = -1, status = 0;
  gboolean eof = FALSE, exited = FALSE, timed_out = FALSE;
  ScanOutput parsed;
  char tbuf[G_ASCII_DTOSTR_BUF_SIZE];

  scan->path = g_strdup (path);
  scan->reached = BP_PLUGIN_STEP_FILE;

  if (!g_spawn_async_with_pipes (NULL, (char **) argv, NULL,
                                 G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDIN_FROM_DEV_NULL,
                                 scanner_child_setup, NULL, &pid,
                                 NULL, &out_fd, NULL, &spawn_error))
    {
      g_set_error (&scan->error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_SCANNER,
                   "the plugin scanner “%s” could not be started to check “%s”: %s "
                   "(set BACKPROP_PLUGIN_SCANNER to its path)",
                   scanner, base, spawn_error->message);
      return g_steal_pointer (&scan);
    }
  loader->n_scans++;

  /* Read its verdict until it exits and closes the pipe, or the time is up.
   * Plain poll and waitpid: the core has no main loop to lean on. */
  deadline = g_get_monotonic_time () + (gint64) (timeout * G_USEC_PER_SEC);
  while (!(eof && exited))
    {
      gint64 now = g_get_monotonic_time ();
      int wait_ms;

      if (now >= deadline)
        {
          timed_out = TRUE;
          break;
        }
      wait_ms = (int) MIN ((deadline - now) / 1000 + 1, 50);

      if (!eof)
        {
          GPollFD pfd = { out_fd, G_IO_IN | G_IO_HUP | G_IO_ERR, 0 };

          if (g_poll (&pfd, 1, exited ? 0 : wait_ms) > 0)
            {
              char buf[4096];
              ssize_t n = read (out_fd, buf, sizeof buf);

              if (n > 0)
                g_string_append_len (output, buf, n);
              else if (n == 0 || (errno != EINTR && errno != EAGAIN))
                eof = TRUE;
            }
          else if (exited)
            eof = TRUE;  /* it exited and nothing is left: something else holds the pipe */
        }
      else
        g_usleep (MIN (wait_ms, 5) * 1000);

      if (!exited)
        {
          /* WNOWAIT: leave it a zombie, so that its pid and process group
           * id stay ours until the group is killed below. */
          siginfo_t info;

          memset (&info, 0, sizeof info);
          if (waitid (P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0)
            exited = info.si_pid == pid;
          else if (errno != EINTR)
            exited = TRUE;
        }
    }

  /* Whatever it started goes with it, and a child that ran out of time is
   * stopped; then it is reaped. */
  kill (-pid, SIGKILL);
  if (!exited)
    kill (pid, SIGKILL);
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  close (out_fd);
  g_spawn_close_pid (pid);

  parsed = parse_scan (scan, output->str, &verdict);

  /* A verdict stands, whatever happened after it (the scanner _exit()s
   * right after writing it). */
  if (parsed == SCAN_VERDICT)
    scan->error = g_steal_pointer (&verdict);  /* NULL for OK */
  else if (timed_out)
    g_set_error (&scan->error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_TIMEOUT,
                 "“%s” did not finish its check within %s s (it may loop forever); "
                 "it was stopped in step “%s”", base,
                 g_ascii_formatd (tbuf, sizeof tbuf, "%g", timeout),
                 step_names[scan->reached]);
  else if (WIFSIGNALED (status))
    {
      const char *name = signal_name (WTERMSIG (status));
      g_autofree char *sig = name != NULL ? g_strdup (name)
                                          : g_strdup_printf ("signal %d", WTERMSIG (status));

      g_set_error (&scan->error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_CRASH,
                   "“%s” crashed with %s while being loaded or checked (in step “%s”)",
                   base, sig, step_names[scan->reached]);
    }
  else if (parsed == SCAN_NO_PROTOCOL)
    g_set_error (&scan->error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_SCANNER,
                 "“%s” is not a working Backprop Studio plugin scanner (it exited "
                 "with status %d without a word of the protocol)",
                 scanner, WIFEXITED (status) ? WEXITSTATUS (status) : -1);
  else
    g_set_error (&scan->error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_CRASH,
                 "“%s” made the scanner exit with status %d while being loaded or "
                 "checked (in step “%s”), without a verdict", base,
                 WIFEXITED (status) ? WEXITSTATUS (status) : -1,
                 step_names[scan->reached]);

  return g_steal_pointer (&scan);
}

/* ------------------------------------------------------------------ cache */

typedef struct
{
  gint64  size;
  gint64  mtime;
  gint64  mtime_ns;
  guint64 inode;
} FileId;

static gboolean
file_id (const char *path,
         FileId     *id)
{
  GStatBuf st;

  if (g_stat (path, &st) != 0)
    return FALSE;
  id->size = (gint64) st.st_size;
  id->mtime = (gint64) st.st_mtime;
#if defined(__APPLE__)
  id->mtime_ns = (gint64) st.st_mtimespec.tv_nsec;
#elif defined(G_OS_UNIX)
  id->mtime_ns = (gint64) st.st_mtim.tv_nsec;
#else
  id->mtime_ns = 0;
#endif
  id->inode = (guint64) st.st_ino;
  return TRUE;
}

static GKeyFile *
cache_get (BpPluginLoader *loader)
{
  if (loader->cache_file == NULL)
    return NULL;
  if (loader->cache == NULL)
    {
      loader->cache = g_key_file_new ();
      /* Missing or damaged: start empty; it is only a cache. */
      g_key_file_load_from_file (loader->cache, loader->cache_file, G_KEY_FILE_NONE, NULL);
    }
  return loader->cache;
}

static char *
cache_group (const char *path)
{
  /* A path may hold characters a group name cannot ([, ], newlines). */
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, path, -1);
}

static BpPluginScan *
cache_lookup (BpPluginLoader *loader,
              const char     *path,
              const FileId   *id)
{
  GKeyFile *kf = cache_get (loader);
  g_autofree char *group = cache_group (path);
  g_autofree char *host = NULL, *cpath = NULL, *verdict = NULL, *step = NULL;
  g_autoptr(BpPluginScan) scan = NULL;
  BpPluginStep s;

  if (kf == NULL || !g_key_file_has_group (kf, group))
    return NULL;
  host = g_key_file_get_string (kf, group, "host", NULL);
  cpath = g_key_file_get_string (kf, group, "path", NULL);
  if (g_strcmp0 (host, CACHE_HOST_ID) != 0 || g_strcmp0 (cpath, path) != 0
      || g_key_file_get_int64 (kf, group, "size", NULL) != id->size
      || g_key_file_get_int64 (kf, group, "mtime", NULL) != id->mtime
      || g_key_file_get_int64 (kf, group, "mtime_ns", NULL) != id->mtime_ns
      || g_key_file_get_uint64 (kf, group, "inode", NULL) != id->inode)
    return NULL;

  verdict = g_key_file_get_string (kf, group, "verdict", NULL);
  step = g_key_file_get_string (kf, group, "step", NULL);
  if (verdict == NULL || step == NULL || !step_from_string (step, &s))
    return NULL;

  scan = g_new0 (BpPluginScan, 1);
  scan->path = g_strdup (path);
  scan->reached = s;
  scan->name = g_key_file_get_string (kf, group, "name", NULL);
  scan->version = g_key_file_get_string (kf, group, "version", NULL);
  scan->features = g_key_file_get_string_list (kf, group, "features", NULL, NULL);
  if (scan->features == NULL)
    scan->features = g_new0 (char *, 1);
  if (!g_str_equal (verdict, "OK"))
    {
      g_autofree char *code_name = g_key_file_get_string (kf, group, "code", NULL);
      g_autofree char *message = g_key_file_get_string (kf, group, "message", NULL);
      BpPluginError code;

      if (message == NULL || !bp_plugin_error_from_string (code_name, &code))
        return NULL;
      scan->error = g_error_new_literal (BP_PLUGIN_ERROR, code, message);
    }
  return g_steal_pointer (&scan);
}

static void
cache_store (BpPluginLoader     *loader,
             const BpPluginScan *scan,
             const FileId       *id)
{
  GKeyFile *kf = cache_get (loader);
  g_autofree char *group = NULL;

  if (kf == NULL)
    return;
  group = cache_group (scan->path);
  g_key_file_remove_group (kf, group, NULL);
  g_key_file_set_string (kf, group, "path", scan->path);
  g_key_file_set_string (kf, group, "host", CACHE_HOST_ID);
  g_key_file_set_int64 (kf, group, "size", id->size);
  g_key_file_set_int64 (kf, group, "mtime", id->mtime);
  g_key_file_set_int64 (kf, group, "mtime_ns", id->mtime_ns);
  g_key_file_set_uint64 (kf, group, "inode", id->inode);
  g_key_file_set_string (kf, group, "verdict", scan->error == NULL ? "OK" : "ERROR");
  g_key_file_set_string (kf, group, "step", step_names[scan->reached]);
  if (scan->error != NULL)
    {
      g_key_file_set_string (kf, group, "code", bp_plugin_error_to_string (scan->error->code));
      g_key_file_set_string (kf, group, "message", scan->error->message);
    }
  if (scan->name != NULL)
    g_key_file_set_string (kf, group, "name", scan->name);
  if (scan->version != NULL)
    g_key_file_set_string (kf, group, "version", scan->version);
  g_key_file_set_string_list (kf, group, "features",
                              (const char *const *) scan->features,
                              g_strv_length (scan->features));
  loader->cache_dirty = TRUE;
}

static void
cache_save (BpPluginLoader *loader)
{
  g_autofree char *dir = NULL;
  g_autoptr(GError) error = NULL;

  if (loader->cache == NULL || !loader->cache_dirty)
    return;
  loader->cache_dirty = FALSE;
  dir = g_path_get_dirname (loader->cache_file);
  /* A cache that cannot be written only costs a scan next time. */
  if (g_mkdir_with_parents (dir, 0700) != 0
      || !g_key_file_save_to_file (loader->cache, loader->cache_file, &error))
    g_debug ("plugin scan cache %s not written: %s", loader->cache_file,
             error != NULL ? error->message : g_strerror (errno));
}

/* ----------------------------------------------------------------- loader */

static void
record_free (gpointer data)
{
  Record *r = data;

  g_free (r->pub.path);
  g_free (r->pub.name);
  g_free (r->pub.version);
  g_free (r->pub.printed);
  g_clear_error (&r->pub.error);
  g_strfreev (r->pub.features);
  /* r->module stays open: registered descriptors point into it. */
  g_free (r);
}

BpPluginLoader *
bp_plugin_loader_new (BpRegistry *reg)
{
  BpPluginLoader *loader = g_new0 (BpPluginLoader, 1);

  loader->reg = reg != NULL ? reg : bp_registry_get_default ();
  loader->extra_dirs = g_ptr_array_new_with_free_func (g_free);
  loader->use_default_path = TRUE;
  loader->cache_file = g_build_filename (g_get_user_cache_dir (), "backprop-studio",
                                         "plugin-scan.ini", NULL);
  loader->records = g_ptr_array_new_with_free_func (record_free);
  loader->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  loader->warnings = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (loader->warnings, NULL);
  return loader;
}

void
bp_plugin_loader_free (BpPluginLoader *loader)
{
  if (loader == NULL)
    return;
  cache_save (loader);
  g_ptr_array_unref (loader->extra_dirs);
  g_free (loader->cache_file);
  g_clear_pointer (&loader->cache, g_key_file_unref);
  g_free (loader->scanner);
  g_ptr_array_unref (loader->records);
  g_hash_table_unref (loader->seen);
  g_ptr_array_unref (loader->warnings);
  g_strfreev (loader->skip);
  g_free (loader);
}

void
bp_plugin_loader_add_search_path (BpPluginLoader *loader,
                                  const char     *dir)
{
  g_return_if_fail (loader != NULL && dir != NULL);
  g_ptr_array_add (loader->extra_dirs, g_strdup (dir));
}

void
bp_plugin_loader_set_skip (BpPluginLoader     *loader,
                           const char * const *basenames)
{
  g_return_if_fail (loader != NULL);
  g_strfreev (loader->skip);
  loader->skip = basenames != NULL ? g_strdupv ((char **) basenames) : NULL;
}

void
bp_plugin_loader_set_use_default_path (BpPluginLoader *loader,
                                       gboolean        use)
{
  g_return_if_fail (loader != NULL);
  loader->use_default_path = use;
}

void
bp_plugin_loader_set_cache_file (BpPluginLoader *loader,
                                 const char     *path)
{
  g_return_if_fail (loader != NULL);
  cache_save (loader);
  g_clear_pointer (&loader->cache, g_key_file_unref);
  g_free (loader->cache_file);
  loader->cache_file = g_strdup (path);
}

void
bp_plugin_loader_set_scanner (BpPluginLoader *loader,
                              const char     *path)
{
  g_return_if_fail (loader != NULL);
  g_free (loader->scanner);
  loader->scanner = g_strdup (path);
}

const char *
bp_plugin_loader_get_scanner (BpPluginLoader *loader)
{
  const char *env;

  g_return_val_if_fail (loader != NULL, NULL);
  if (loader->scanner == NULL)
    {
      env = g_getenv ("BACKPROP_PLUGIN_SCANNER");
      if (env != NULL && env[0] != '\0')
        loader->scanner = g_strdup (env);
      else if (bp_plugin_running_uninstalled ())
        loader->scanner = g_strdup (BP_BUILD_PLUGIN_SCANNER);
      else
        loader->scanner = g_strdup (BP_PLUGIN_SCANNER);
    }
  return loader->scanner;
}

void
bp_plugin_loader_set_scan_timeout (BpPluginLoader *loader,
                                   double          seconds)
{
  g_return_if_fail (loader != NULL);
  loader->timeout = seconds;
}

gboolean
bp_plugin_running_uninstalled (void)
{
  static gsize once;
  static gboolean uninstalled;

  if (g_once_init_enter (&once))
    {
      char *exe = realpath ("/proc/self/exe", NULL);
      char *root = realpath (BP_BUILD_ROOT, NULL);

      if (exe != NULL && root != NULL)
        {
          g_autofree char *prefix = g_strconcat (root, G_DIR_SEPARATOR_S, NULL);

          uninstalled = g_str_has_prefix (exe, prefix);
        }
      free (exe);
      free (root);
      g_once_init_leave (&once, 1);
    }
  return uninstalled;
}

char **
bp_plugin_loader_get_search_path (BpPluginLoader *loader)
{
  GPtrArray *dirs = g_ptr_array_new ();

  g_return_val_if_fail (loader != NULL, NULL);

  for (guint i = 0; i < loader->extra_dirs->len; i++)
    g_ptr_array_add (dirs, g_strdup (g_ptr_array_index (loader->extra_dirs, i)));
  if (loader->use_default_path)
    {
      const char *env = g_getenv ("BACKPROP_PLUGIN_PATH");

      if (env != NULL)
        {
          g_auto(GStrv) parts = g_strsplit (env, G_SEARCHPATH_SEPARATOR_S, -1);

          for (guint i = 0; parts[i] != NULL; i++)
            if (parts[i][0] != '\0')
              g_ptr_array_add (dirs, g_strdup (parts[i]));
        }
      g_ptr_array_add (dirs, g_build_filename (g_get_user_data_dir (), "backprop-studio",
                                               "plugins", NULL));
      if (bp_plugin_running_uninstalled ())
        g_ptr_array_add (dirs, g_strdup (BP_BUILD_PLUGINDIR));
      g_ptr_array_add (dirs, g_strdup (BP_PLUGINDIR));
    }
  g_ptr_array_add (dirs, NULL);
  return (char **) g_ptr_array_free (dirs, FALSE);
}

static Record *
record_new (BpPluginLoader *loader,
            const char     *path)
{
  Record *r = g_new0 (Record, 1);

  r->pub.path = g_strdup (path);
  r->pub.features = g_new0 (char *, 1);
  g_ptr_array_add (loader->records, r);
  return r;
}

static void
record_take_scan (Record       *r,
                  BpPluginScan *scan)
{
  g_free (r->pub.name);
  g_free (r->pub.version);
  g_strfreev (r->pub.features);
  r->pub.name = g_steal_pointer (&scan->name);
  r->pub.version = g_steal_pointer (&scan->version);
  r->pub.features = g_steal_pointer (&scan->features);
  if (r->pub.features == NULL)
    r->pub.features = g_new0 (char *, 1);
}

static gboolean
record_refuse (Record        *r,
               BpPluginStep   step,
               const GError  *why,
               GError       **error)
{
  g_clear_error (&r->pub.error);
  r->pub.error = g_error_copy (why);
  r->pub.step = step;
  if (error != NULL)
    *error = g_error_copy (why);
  return FALSE;
}

/* Standard output kept away from a plugin's code: fd 1 points at a
 * temporary file between stdout_guard_begin and stdout_guard_end, and what
 * arrived there (printf or write) is returned.  The stdio buffer is
 * flushed on both sides, so our own output goes before and the plugin's
 * buffered printf lands in the file, not later on the real stdout. */
typedef struct
{
  int   saved;      /* the real fd 1, or −1 */
  FILE *capture;
} StdoutGuard;

static void
stdout_guard_begin (StdoutGuard *g)
{
  fflush (stdout);
  g->saved = -1;
  g->capture = tmpfile ();
  if (g->capture == NULL)
    return;
  g->saved = dup (STDOUT_FILENO);
  if (g->saved < 0 || dup2 (fileno (g->capture), STDOUT_FILENO) < 0)
    {
      if (g->saved >= 0)
        close (g->saved);
      g->saved = -1;
      g_clear_pointer (&g->capture, fclose);
    }
}

/* What was written, escaped and cut for a message, or NULL. */
static char *
stdout_guard_end (StdoutGuard *g)
{
  char buf[4096];
  size_t n;
  long size;

  if (g->capture == NULL)
    return NULL;
  fflush (stdout);
  dup2 (g->saved, STDOUT_FILENO);
  close (g->saved);
  size = ftell (g->capture);
  if (size <= 0)
    size = lseek (fileno (g->capture), 0, SEEK_END);
  rewind (g->capture);
  n = size > 0 ? fread (buf, 1, sizeof buf, g->capture) : 0;
  fclose (g->capture);
  if (n == 0)
    return NULL;
  {
    g_autofree char *shown = bp_shown (buf, (gssize) n, 200);

    if ((long) n < size)
      return g_strdup_printf ("%s (%ld bytes in all)", shown, size);
    return g_steal_pointer (&shown);
  }
}

static gboolean register_steps (BpPluginLoader *loader,
                                Record         *r,
                                GError        **error);

/* After an OK verdict: open it here and register it, with standard output
 * guarded (the constructor and the descriptor function are plugin code). */
static gboolean
register_in_process (BpPluginLoader *loader,
                     Record         *r,
                     GError        **error)
{
  StdoutGuard guard;
  gboolean ok;

  stdout_guard_begin (&guard);
  ok = register_steps (loader, r, error);
  g_free (r->pub.printed);
  r->pub.printed = stdout_guard_end (&guard);
  return ok;
}

static gboolean
register_steps (BpPluginLoader *loader,
                Record         *r,
                GError        **error)
{
  g_autofree char *base = shown_base (r->pub.path);
  g_autoptr(GError) local = NULL;
  g_autoptr(GError) reg_error = NULL;
  gpointer symbol = NULL;
  const BpPluginDesc *desc;
  GModule *module;

  module = g_module_open (r->pub.path, G_MODULE_BIND_LOCAL);
  if (module == NULL)
    {
      g_set_error (&local, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_OPEN,
                   "“%s” could not be opened: %s", base, g_module_error ());
      return record_refuse (r, BP_PLUGIN_STEP_OPEN, local, error);
    }
  if (!g_module_symbol (module, BP_PLUGIN_SYMBOL, &symbol) || symbol == NULL)
    {
      g_set_error (&local, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_SYMBOL,
                   "“%s” does not export “%s” (declare the plugin with BP_PLUGIN_DEFINE)",
                   base, BP_PLUGIN_SYMBOL);
      g_module_close (module);
      return record_refuse (r, BP_PLUGIN_STEP_SYMBOL, local, error);
    }
  desc = ((BpPluginGetDescriptorFunc) symbol) ();
  if (desc == NULL)
    {
      g_set_error (&local, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_DESCRIPTOR,
                   "“%s”: %s() returned NULL instead of a descriptor", base, BP_PLUGIN_SYMBOL);
      g_module_close (module);
      return record_refuse (r, BP_PLUGIN_STEP_DESCRIPTOR, local, error);
    }
  /* ABI, fields and ids again, now against everything registered so far
   * (earlier plugins included); all or nothing. */
  if (!bp_registry_add_plugin (loader->reg, desc, r->pub.path, &reg_error))
    {
      local = from_registry_error (reg_error);
      g_module_close (module);
      return record_refuse (r, step_of_registry_error (local), local, error);
    }

  g_module_make_resident (module);
  r->module = module;
  r->pub.desc = desc;
  r->pub.step = BP_PLUGIN_STEP_REGISTER;
  g_clear_error (&r->pub.error);
  return TRUE;
}

static gboolean
load_one (BpPluginLoader *loader,
          const char     *path,
          GError        **error)
{
  Record *r = record_new (loader, path);
  g_autoptr(GError) local = NULL;
  g_autoptr(BpPluginScan) scan = NULL;
  FileId id;

  if (!probe_file (path, &local) || !file_id (path, &id))
    {
      if (local == NULL)
        g_set_error (&local, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_UNREADABLE,
                     "“%s” cannot be read", path);
      return record_refuse (r, BP_PLUGIN_STEP_FILE, local, error);
    }

  scan = cache_lookup (loader, path, &id);
  if (scan != NULL)
    r->pub.from_cache = TRUE;
  else
    {
      scan = run_scanner (loader, path);
      /* A scanner that could not run says nothing about the plugin. */
      if (scan->error == NULL || scan->error->code != BP_PLUGIN_ERROR_SCANNER)
        cache_store (loader, scan, &id);
    }

  record_take_scan (r, scan);
  if (scan->error != NULL)
    return record_refuse (r, scan->reached, scan->error, error);
  return register_in_process (loader, r, error);
}

gboolean
bp_plugin_loader_load_file (BpPluginLoader *loader,
                            const char     *path,
                            GError        **error)
{
  gboolean ok;

  g_return_val_if_fail (loader != NULL && path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_hash_table_replace (loader->seen, g_path_get_basename (path), GINT_TO_POINTER (1));
  ok = load_one (loader, path, error);
  cache_save (loader);
  return ok;
}

static gint
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static gboolean
is_candidate (const char *name)
{
  return name[0] != '.' && g_str_has_suffix (name, "." G_MODULE_SUFFIX)
         && strlen (name) > strlen ("." G_MODULE_SUFFIX);
}

/* How many directories $BACKPROP_PLUGIN_PATH adds to the search path (as
 * bp_plugin_loader_get_search_path splits it). */
static guint
n_env_dirs (BpPluginLoader *loader)
{
  const char *env = g_getenv ("BACKPROP_PLUGIN_PATH");
  g_auto(GStrv) parts = NULL;
  guint n = 0;

  if (!loader->use_default_path || env == NULL)
    return 0;
  parts = g_strsplit (env, G_SEARCHPATH_SEPARATOR_S, -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (parts[i][0] != '\0')
      n++;
  return n;
}

const char * const *
bp_plugin_loader_get_warnings (BpPluginLoader *loader)
{
  g_return_val_if_fail (loader != NULL, NULL);
  return (const char * const *) loader->warnings->pdata;
}

char **
bp_plugin_loader_take_messages (BpPluginLoader *loader)
{
  GPtrArray *out = g_ptr_array_new ();

  g_return_val_if_fail (loader != NULL, NULL);
  for (; loader->n_warnings_taken < loader->warnings->len - 1; loader->n_warnings_taken++)
    g_ptr_array_add (out, g_strdup (g_ptr_array_index (loader->warnings, loader->n_warnings_taken)));
  for (; loader->n_records_taken < loader->records->len; loader->n_records_taken++)
    {
      const Record *r = g_ptr_array_index (loader->records, loader->n_records_taken);
      g_autofree char *base = NULL;
      g_autofree char *path = NULL;

      if (r->pub.printed == NULL)
        continue;
      base = shown_base (r->pub.path);
      path = bp_shown (r->pub.path, -1, 200);
      g_ptr_array_add (out, g_strdup_printf ("plugin %s (%s) wrote to standard output while it "
                                             "was loaded; kept off standard output: “%s”",
                                             base, path, r->pub.printed));
    }
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

gboolean
bp_plugin_loader_load_all (BpPluginLoader *loader,
                           GError        **error)
{
  g_auto(GStrv) dirs = NULL;
  g_autoptr(GHashTable) skipped = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gboolean ok = TRUE;
  guint n_explicit;

  g_return_val_if_fail (loader != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  dirs = bp_plugin_loader_get_search_path (loader);
  n_explicit = loader->extra_dirs->len + n_env_dirs (loader);
  for (guint d = 0; dirs[d] != NULL; d++)
    {
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      /* opendir, not g_dir_open: the errno says whether it is missing. */
      DIR *dir = opendir (dirs[d]);
      int saved = errno;
      struct dirent *entry;

      if (dir == NULL)
        {
          gboolean env_dir = d >= loader->extra_dirs->len && d < n_explicit;
          g_autofree char *shown = NULL;
          g_autofree char *warning = NULL;

          /* A default directory that does not exist is normal.  Any other
           * directory that cannot be read is said the same way, wherever
           * it was named: silence would leave only "unknown activation"
           * to explain a plugin that was never looked at. */
          if (d >= n_explicit && saved == ENOENT)
            continue;
          shown = bp_shown (dirs[d], -1, 200);
          warning = g_strdup_printf ("cannot read the plugin directory “%s” (%s): %s; "
                                     "its plugins are not loaded", shown,
                                     d < loader->extra_dirs->len ? "from --plugin-path"
                                     : env_dir ? "from $BACKPROP_PLUGIN_PATH"
                                     : "a default directory",
                                     g_strerror (saved));
          if (ok)
            g_set_error_literal (error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_UNREADABLE, warning);
          ok = FALSE;
          if (!g_strv_contains ((const char * const *) loader->warnings->pdata, warning))
            g_ptr_array_insert (loader->warnings, loader->warnings->len - 1,
                                g_steal_pointer (&warning));
          continue;
        }
      while ((entry = readdir (dir)) != NULL)
        if (is_candidate (entry->d_name))
          g_ptr_array_add (names, g_strdup (entry->d_name));
      closedir (dir);

      /* A fixed order: which of two clashing plugins wins must not depend
       * on the file system. */
      g_ptr_array_sort (names, compare_names);
      for (guint i = 0; i < names->len; i++)
        {
          const char *base = g_ptr_array_index (names, i);
          g_autofree char *path = NULL;

          if (g_hash_table_contains (loader->seen, base) || g_hash_table_contains (skipped, base))
            continue;  /* first name wins */
          if (loader->skip != NULL && g_strv_contains ((const char * const *) loader->skip, base))
            {
              g_hash_table_add (skipped, g_strdup (base));
              continue;
            }
          g_hash_table_add (loader->seen, g_strdup (base));
          path = g_build_filename (dirs[d], base, NULL);
          load_one (loader, path, NULL);
        }
    }
  cache_save (loader);
  return ok;
}

BpPluginScan *
bp_plugin_loader_scan_file (BpPluginLoader *loader,
                            const char     *path)
{
  g_autoptr(GError) local = NULL;
  BpPluginScan *scan;

  g_return_val_if_fail (loader != NULL && path != NULL, NULL);

  if (!probe_file (path, &local))
    {
      scan = g_new0 (BpPluginScan, 1);
      scan->path = g_strdup (path);
      scan->reached = BP_PLUGIN_STEP_FILE;
      scan->features = g_new0 (char *, 1);
      scan->error = g_steal_pointer (&local);
      return scan;
    }
  scan = run_scanner (loader, path);
  if (scan->features == NULL)
    scan->features = g_new0 (char *, 1);
  return scan;
}

guint
bp_plugin_loader_get_n_records (BpPluginLoader *loader)
{
  g_return_val_if_fail (loader != NULL, 0);
  return loader->records->len;
}

const BpPluginRecord *
bp_plugin_loader_get_record (BpPluginLoader *loader,
                             guint           i)
{
  g_return_val_if_fail (loader != NULL, NULL);
  g_return_val_if_fail (i < loader->records->len, NULL);
  return g_ptr_array_index (loader->records, i);
}

static GPtrArray *
list_records (BpPluginLoader *loader,
              gboolean        loaded)
{
  GPtrArray *out = g_ptr_array_new ();

  g_return_val_if_fail (loader != NULL, out);
  for (guint i = 0; i < loader->records->len; i++)
    {
      const BpPluginRecord *r = g_ptr_array_index (loader->records, i);

      if ((r->desc != NULL) == loaded)
        g_ptr_array_add (out, (gpointer) r);
    }
  return out;
}

GPtrArray *
bp_plugin_loader_list_loaded (BpPluginLoader *loader)
{
  return list_records (loader, TRUE);
}

GPtrArray *
bp_plugin_loader_list_refused (BpPluginLoader *loader)
{
  return list_records (loader, FALSE);
}

/* The refused record whose scan found `id`, and the feature's kind. */
static const BpPluginRecord *
find_refused_provider (BpPluginLoader  *loader,
                       const char      *id,
                       char           **kind)
{
  for (guint i = 0; i < loader->records->len; i++)
    {
      const BpPluginRecord *r = g_ptr_array_index (loader->records, i);

      if (r->desc != NULL)
        continue;
      for (guint f = 0; r->features != NULL && r->features[f] != NULL; f++)
        {
          const char *sp = strchr (r->features[f], ' ');

          if (sp != NULL && g_str_equal (sp + 1, id))
            {
              if (kind != NULL)
                *kind = g_strndup (r->features[f], sp - r->features[f]);
              return r;
            }
        }
    }
  return NULL;
}

const char *
bp_plugin_loader_find_provider_of (BpPluginLoader *loader,
                                   const char     *id)
{
  const BpPluginRecord *r;

  g_return_val_if_fail (loader != NULL && id != NULL, NULL);
  r = find_refused_provider (loader, id, NULL);
  return r != NULL ? r->path : NULL;
}

char *
bp_plugin_loader_explain_missing (BpPluginLoader *loader,
                                  const char     *id)
{
  g_autofree char *kind = NULL;
  g_autofree char *base = NULL;
  const BpPluginRecord *r;

  g_return_val_if_fail (loader != NULL && id != NULL, NULL);
  r = find_refused_provider (loader, id, &kind);
  if (r == NULL)
    return NULL;
  base = g_path_get_basename (r->path);
  return g_strdup_printf ("%s “%s” is not available: it is provided by plugin %s, "
                          "which was refused: %s", kind, id, base,
                          r->error != NULL ? r->error->message : "(no reason recorded)");
}

guint
bp_plugin_loader_get_n_scans (BpPluginLoader *loader)
{
  g_return_val_if_fail (loader != NULL, 0);
  return loader->n_scans;
}
