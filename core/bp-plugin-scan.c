/* bp-plugin-scan.c — both ends of the scanner protocol (see
 * bp-plugin-scan.h): the child writes it (bp_plugin_scanner_run, in
 * backprop-plugin-scanner), the host starts the child and reads it
 * (bp_plugin_scan_spawn, for the loader).  Kept in one file so that the
 * writer and the reader are read side by side.
 *
 * The protocol, one item a line, strings escaped with g_strescape():
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
#include "bp-plugin-private.h"
#include "bp-plugin-check.h"
#include "bp-registry.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <signal.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
# include <sys/prctl.h>
#endif

#define PROTOCOL_HEADER "backprop-plugin-scanner 1"

/* How long the host waits at most between two looks at the child (ms):
 * short enough that a child that exits is reaped soon after. */
#define POLL_SLICE_MS    50
/* …and once the pipe is closed, between two looks at whether it exited. */
#define REAP_SLICE_MS    5
/* Read from the pipe in pieces of this size. */
#define READ_CHUNK       4096

/* -------------------------------------------------------- the child's end */

static void
emit_step (FILE         *out,
           BpPluginStep  step)
{
  /* Flushed at once: if the next step crashes, the host knows which. */
  fprintf (out, "step %s\n", bp_plugin_step_to_string (step));
  fflush (out);
}

static void
announce_step (BpPluginStep step,
               gpointer     out)
{
  emit_step (out, step);
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
  GModule *module = NULL;
  BpPluginStep failed;
  const BpPluginDesc *desc;

  g_return_val_if_fail (path != NULL && out != NULL, FALSE);

  fputs (PROTOCOL_HEADER "\n", out);

  emit_step (out, BP_PLUGIN_STEP_FILE);
  if (!bp_plugin_module_probe (path, &error))
    return emit_verdict (out, error);

  /* The scanner exits right after its verdict: resident, never unloaded. */
  desc = bp_plugin_module_open (path, announce_step, out, TRUE, &module, &failed, &error);
  if (desc == NULL)
    return emit_verdict (out, error);
  fprintf (out, "abi %u %u\n", desc->abi_major, desc->abi_minor);

  /* ABI, then the fields and the ids within the plugin: the registry's own
   * checks, without a registry. */
  emit_step (out, BP_PLUGIN_STEP_ABI);
  if (!bp_registry_validate_plugin (NULL, desc, &reg_error))
    {
      error = bp_plugin_error_from_registry (reg_error);
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
      error = bp_plugin_error_from_registry (reg_error);
      return emit_verdict (out, error);
    }

  emit_step (out, BP_PLUGIN_STEP_NUMERIC);
  if (!bp_plugin_check_numeric (desc, &error))
    return emit_verdict (out, error);

  return emit_verdict (out, NULL);
}

/* ---------------------------------------------------------- the host's end */

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

/* What follows "KEY " at the start of a protocol line, or NULL if the
 * line is not a KEY line. */
static const char *
value_of (const char *line,
          const char *key)
{
  size_t n = strlen (key);

  return strncmp (line, key, n) == 0 && line[n] == ' ' ? line + n + 1 : NULL;
}

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
      const char *value;

      if (result == SCAN_NO_PROTOCOL)
        {
          /* Anything before the header is not ours. */
          if (g_str_equal (line, PROTOCOL_HEADER))
            result = SCAN_NO_VERDICT;
          continue;
        }
      if ((value = value_of (line, "step")) != NULL)
        {
          BpPluginStep step;

          if (bp_plugin_step_from_string (value, &step))
            scan->reached = step;
        }
      else if ((value = value_of (line, "abi")) != NULL)
        {
          guint major = 0, minor = 0;

          if (sscanf (value, "%u %u", &major, &minor) == 2)
            {
              scan->abi_major = major;
              scan->abi_minor = minor;
            }
        }
      else if ((value = value_of (line, "plugin")) != NULL)
        {
          g_free (scan->name);
          scan->name = g_strcompress (value);
        }
      else if ((value = value_of (line, "version")) != NULL)
        {
          g_free (scan->version);
          scan->version = g_strcompress (value);
        }
      else if ((value = value_of (line, "feature")) != NULL)
        g_ptr_array_add (features, g_strdup (value));
      else if (g_str_equal (line, "OK"))
        result = SCAN_VERDICT;
      else if ((value = value_of (line, "ERROR")) != NULL)
        {
          const char *sp = strchr (value, ' ');
          g_autofree char *name = g_strndup (value, sp != NULL ? (gsize) (sp - value)
                                                               : strlen (value));
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

BpPluginScan *
bp_plugin_scan_spawn (const char *scanner,
                      const char *path,
                      double      timeout,
                      gboolean   *started)
{
  g_autoptr(BpPluginScan) scan = g_new0 (BpPluginScan, 1);
  g_autoptr(GError) spawn_error = NULL;
  g_autoptr(GString) output = g_string_new (NULL);
  g_autofree char *base = bp_plugin_module_shown_name (path);
  g_autoptr(GError) verdict = NULL;
  const char *argv[] = { scanner, path, NULL };
  gint64 deadline;
  GPid pid = 0;
  int out_fd = -1, status = 0;
  gboolean eof = FALSE, exited = FALSE, timed_out = FALSE;
  ScanOutput parsed;
  char tbuf[G_ASCII_DTOSTR_BUF_SIZE];

  *started = FALSE;
  scan->path = g_strdup (path);
  scan->reached = BP_PLUGIN_STEP_FILE;

  if (!g_spawn_async_with_pipes (NULL, (char **) argv, NULL,
                                 G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDIN_FROM_DEV_NULL,
                                 scanner_child_setup, NULL, &pid,
                                 NULL, &out_fd, NULL, &spawn_error))
    {
      g_set_error (&scan->error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_SCANNER,
                   _("the plugin scanner “%s” could not be started to check “%s”: %s "
                     "(set BACKPROP_PLUGIN_SCANNER to its path)"),
                   scanner, base, spawn_error->message);
      return g_steal_pointer (&scan);
    }
  *started = TRUE;

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
      wait_ms = (int) MIN ((deadline - now) / 1000 + 1, POLL_SLICE_MS);

      if (!eof)
        {
          GPollFD pfd = { out_fd, G_IO_IN | G_IO_HUP | G_IO_ERR, 0 };

          if (g_poll (&pfd, 1, exited ? 0 : wait_ms) > 0)
            {
              char buf[READ_CHUNK];
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
        g_usleep (MIN (wait_ms, REAP_SLICE_MS) * 1000);

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
                 _("“%s” did not finish its check within %s s (it may loop forever); "
                   "it was stopped in step “%s”"), base,
                 g_ascii_formatd (tbuf, sizeof tbuf, "%g", timeout),
                 bp_plugin_step_to_string (scan->reached));
  else if (WIFSIGNALED (status))
    {
      const char *name = signal_name (WTERMSIG (status));
      g_autofree char *sig = name != NULL ? g_strdup (name)
                                          : g_strdup_printf (_("signal %d"), WTERMSIG (status));

      g_set_error (&scan->error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_CRASH,
                   _("“%s” crashed with %s while being loaded or checked (in step “%s”)"),
                   base, sig, bp_plugin_step_to_string (scan->reached));
    }
  else if (parsed == SCAN_NO_PROTOCOL)
    g_set_error (&scan->error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_SCANNER,
                 _("“%s” is not a working Backprop Studio plugin scanner (it exited "
                   "with status %d without a word of the protocol)"),
                 scanner, WIFEXITED (status) ? WEXITSTATUS (status) : -1);
  else
    g_set_error (&scan->error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_CRASH,
                 _("“%s” made the scanner exit with status %d while being loaded or "
                   "checked (in step “%s”), without a verdict"), base,
                 WIFEXITED (status) ? WEXITSTATUS (status) : -1,
                 bp_plugin_step_to_string (scan->reached));

  return g_steal_pointer (&scan);
}
