/* bp-plugin-scan.h — the scanner child: a short-lived process
 * (backprop-plugin-scanner) that loads and checks one plugin file, so that
 * a plugin that crashes or loops takes down only that process.
 *
 * The loader (bp-plugin-loader.h) starts it and reads its verdict; this
 * header is for what both sides share: the result of a scan, and the
 * child's end of the protocol (described in bp-plugin-scan.c).
 */
#pragma once

#include <stdio.h>

#include "bp-plugin-error.h"

G_BEGIN_DECLS

/* The result of running the scanner on one file (no cache, no registering). */
typedef struct
{
  char         *path;
  BpPluginStep  reached;     /* the last step begun */
  GError       *error;       /* NULL: every step up to "numeric" passed */
  char         *name;        /* NULL if the descriptor was not reached */
  char         *version;
  guint         abi_major;   /* valid when reached > BP_PLUGIN_STEP_DESCRIPTOR */
  guint         abi_minor;
  char        **features;    /* "kind id", NULL-terminated */
} BpPluginScan;

void     bp_plugin_scan_free   (BpPluginScan *scan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BpPluginScan, bp_plugin_scan_free)

/* The scanner's side of the protocol: runs the steps "file" to "numeric" on
 * `path` in this process and writes them and the verdict to `out`.  Only
 * for backprop-plugin-scanner: a plugin that crashes or hangs here takes the
 * calling process with it.  Returns TRUE for an OK verdict. */
gboolean bp_plugin_scanner_run (const char   *path,
                                FILE         *out);

G_END_DECLS
