/* backprop-plugin-scanner.c — checks one plugin file in a process of its
 * own, so that a plugin that crashes or loops while it is loaded or checked
 * takes down only this process.  Installed in libexecdir; the loader starts
 * it (see bp-plugin-loader.h) and reads its verdict from standard output
 * (the protocol: bp-plugin-scan.c).
 *
 *   backprop-plugin-scanner FILE.so
 *
 * Exit status 0 after any verdict (OK or ERROR: the verdict is the answer),
 * 2 for a usage error.  Anything else — a signal, another status, no
 * verdict — is the plugin's doing.
 */
#include "config.h"

#include <fcntl.h>
#include <libintl.h>
#include <locale.h>
#include <stdio.h>
#include <unistd.h>

#include "bp-plugin-loader.h"
#include "bp-plugin-scan.h"

#if defined(__SANITIZE_ADDRESS__)
# define BP_HAVE_ASAN 1
#elif defined(__has_feature)
# if __has_feature(address_sanitizer)
#  define BP_HAVE_ASAN 1
# endif
#endif

#ifdef BP_HAVE_ASAN
/* Under AddressSanitizer, let a plugin's SIGSEGV kill the scanner like it
 * would in a normal build (the host reports the signal), instead of
 * AddressSanitizer turning it into an exit status.  ASAN_OPTIONS from the
 * environment still override this. */
const char *__asan_default_options (void);

__attribute__((used, visibility ("default"))) const char *
__asan_default_options (void)
{
  return "handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0";
}
#endif

int
main (int    argc,
      char **argv)
{
  FILE *out;
  int fd;

  setlocale (LC_ALL, "");
  setlocale (LC_NUMERIC, "C");
  /* The verdict's message (core/bp-plugin-module.c) in the user's
   * language: the loader shows it as it comes. */
  bindtextdomain (GETTEXT_PACKAGE, bp_plugin_running_uninstalled () ? BP_BUILD_LOCALEDIR
                                                                    : BP_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");

  if (argc != 2)
    {
      fprintf (stderr, "Usage: %s FILE.%s\n"
               "Checks one Backprop Studio plugin for the plugin loader.\n",
               argv[0], G_MODULE_SUFFIX);
      return 2;
    }

  /* The verdict goes to the real standard output; whatever the plugin
   * prints there goes to standard error instead, so it cannot be taken for
   * (or garble) the verdict. */
  fd = dup (STDOUT_FILENO);
  if (fd < 0 || dup2 (STDERR_FILENO, STDOUT_FILENO) < 0)
    {
      perror ("backprop-plugin-scanner");
      return 1;
    }
  fcntl (fd, F_SETFD, FD_CLOEXEC);
  out = fdopen (fd, "w");
  if (out == NULL)
    {
      perror ("backprop-plugin-scanner");
      return 1;
    }

  bp_plugin_scanner_run (argv[1], out);
  fflush (out);

  /* No atexit handlers, no plugin destructors, no leak report: after the
   * verdict nothing the plugin does may change the answer. */
  _exit (0);
}
