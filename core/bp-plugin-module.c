/* bp-plugin-module.c — the steps every plugin file goes through in a
 * process that opens it: "file" (is it a shared object at all), then
 * "open", "symbol" and "descriptor".  The scanner child runs them first,
 * where a crash costs only the child; after an OK verdict the host runs
 * "open" to "descriptor" again to register the plugin (see
 * bp-plugin-private.h).  One copy of each step, so that both give the same
 * message for the same failure.
 */
#include "config.h"
#include "bp-plugin-private.h"
#include "bp-util.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

char *
bp_plugin_module_shown_name (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);

  return bp_shown (base, -1, BP_SHOWN_MAX_CHARS);
}

/* Cheap and runs no plugin code, so the host does it in-process. */
gboolean
bp_plugin_module_probe (const char  *path,
                        GError     **error)
{
  g_autofree char *base = bp_plugin_module_shown_name (path);
  GStatBuf st, lst;
  unsigned char magic[4] = { 0 };
  ssize_t n;
  int fd;

  if (g_stat (path, &st) != 0)
    {
      int saved = errno;

      if (saved == ENOENT && g_lstat (path, &lst) == 0)
        g_set_error (error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_UNREADABLE,
                     _("“%s” is a dangling symbolic link"), base);
      else
        g_set_error (error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_UNREADABLE,
                     _("“%s” cannot be read: %s"), base, g_strerror (saved));
      return FALSE;
    }
  if (S_ISDIR (st.st_mode))
    {
      g_set_error (error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_UNREADABLE,
                   _("“%s” is a directory, not a plugin file"), base);
      return FALSE;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_UNREADABLE,
                   _("“%s” is not a regular file"), base);
      return FALSE;
    }

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_UNREADABLE,
                   _("“%s” cannot be read: %s"), base, g_strerror (saved));
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
                   _("“%s” cannot be read: %s"), base, g_strerror (saved));
      return FALSE;
    }
  close (fd);

#if defined(__ELF__)
  if (n < 4 || memcmp (magic, "\177ELF", 4) != 0)
    {
      g_set_error (error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_NOT_A_MODULE,
                   _("“%s” is not a shared object (it has no ELF header)"), base);
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
                     _("“%s” is not a shared object (it has no Mach-O header)"), base);
        return FALSE;
      }
  }
#elif defined(G_OS_WIN32)
  if (n < 2 || memcmp (magic, "MZ", 2) != 0)
    {
      g_set_error (error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_NOT_A_MODULE,
                   _("“%s” is not a DLL (it has no MZ header)"), base);
      return FALSE;
    }
#endif
  return TRUE;
}

const BpPluginDesc *
bp_plugin_module_open (const char        *path,
                       BpPluginStepFunc   announce,
                       gpointer           data,
                       gboolean           resident,
                       GModule          **module_out,
                       BpPluginStep      *failed,
                       GError           **error)
{
  g_autofree char *base = bp_plugin_module_shown_name (path);
  gpointer symbol = NULL;
  const BpPluginDesc *desc;
  GModule *module;

  if (announce != NULL)
    announce (BP_PLUGIN_STEP_OPEN, data);
  *failed = BP_PLUGIN_STEP_OPEN;
  /* Resolve every symbol now (no G_MODULE_BIND_LAZY): a missing one is an
   * "open" failure here, not a crash later. */
  module = g_module_open (path, G_MODULE_BIND_LOCAL);
  if (module == NULL)
    {
      g_set_error (error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_OPEN,
                   _("“%s” could not be opened: %s"), base, g_module_error ());
      return NULL;
    }
  if (resident)
    g_module_make_resident (module);

  if (announce != NULL)
    announce (BP_PLUGIN_STEP_SYMBOL, data);
  *failed = BP_PLUGIN_STEP_SYMBOL;
  if (!g_module_symbol (module, BP_PLUGIN_SYMBOL, &symbol) || symbol == NULL)
    {
      g_set_error (error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_SYMBOL,
                   _("“%s” does not export “%s” (declare the plugin with BP_PLUGIN_DEFINE)"),
                   base, BP_PLUGIN_SYMBOL);
      if (!resident)
        g_module_close (module);
      return NULL;
    }

  if (announce != NULL)
    announce (BP_PLUGIN_STEP_DESCRIPTOR, data);
  *failed = BP_PLUGIN_STEP_DESCRIPTOR;
  desc = ((BpPluginGetDescriptorFunc) symbol) ();
  if (desc == NULL)
    {
      g_set_error (error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_DESCRIPTOR,
                   _("“%s”: %s() returned NULL instead of a descriptor"), base, BP_PLUGIN_SYMBOL);
      if (!resident)
        g_module_close (module);
      return NULL;
    }
  *module_out = module;
  return desc;
}
