/* backprop-cli.h — the `backprop` command-line program: its commands and the
 * helpers they share (backprop-cli.c).
 *
 * Every command parses its own options with a GOptionContext and returns
 * FALSE with a GError on failure.  main() prints that error as the one line
 * "backprop: <message>" on stderr and exits with 2 for usage errors
 * (G_OPTION_ERROR or BACKPROP_CLI_ERROR_USAGE) and 1 for anything else.
 */
#pragma once

#include <glib.h>

#include "bp-model.h"
#include "bp-dataset.h"
#include "bp-record.h"

G_BEGIN_DECLS

#define BACKPROP_CLI_ERROR (backprop_cli_error_quark ())
GQuark          backprop_cli_error_quark         (void);

typedef enum
{
  BACKPROP_CLI_ERROR_USAGE,   /* bad command line: exit status 2 */
  BACKPROP_CLI_ERROR_FAILED,  /* anything else: exit status 1 */
} BackpropCliError;

/* The commands, each in its own file (backprop-COMMAND.c): argv[0] is the
 * command name, options follow. */
gboolean        backprop_train_command           (int      argc,
                                                  char   **argv,
                                                  GError **error);
/* `backprop compare A.json B.json` (backprop-compare.c). */
gboolean        backprop_compare_command         (int      argc,
                                                  char   **argv,
                                                  GError **error);
gboolean        backprop_trace_command           (int      argc,
                                                  char   **argv,
                                                  GError **error);
gboolean        backprop_trace_gradcheck_command (int      argc,
                                                  char   **argv,
                                                  GError **error);
gboolean        backprop_info_command            (int      argc,
                                                  char   **argv,
                                                  GError **error);
gboolean        backprop_info_datasets_command   (int      argc,
                                                  char   **argv,
                                                  GError **error);
gboolean        backprop_render_command          (int      argc,
                                                  char   **argv,
                                                  GError **error);
/* `backprop export MODEL.json [-o FILE.onnx]` (backprop-export.c). */
gboolean        backprop_export_command          (int      argc,
                                                  char   **argv,
                                                  GError **error);
/* `backprop plugins [--plugin-path DIR]… [check FILE.so]`
 * (backprop-plugins-command.c).  Loads the plugins itself, its
 * --plugin-path directories first if nothing was loaded yet.  "check" on a
 * file that would be refused fails in BACKPROP_CLI_ERROR_FAILED, after the
 * steps are printed. */
gboolean        backprop_plugins_command         (int      argc,
                                                  char   **argv,
                                                  GError **error);

/* `backprop lesson check FILE… | list` (backprop-lesson.c): check fails in
 * BACKPROP_CLI_ERROR_FAILED when a lesson has a problem, after printing
 * every problem on stdout. */
gboolean        backprop_lesson_command          (int      argc,
                                                  char   **argv,
                                                  GError **error);
/* `backprop lesson handout FILE -o HANDOUT.pdf [--lang L]`
 * (backprop-lesson-handout.c); argv[0] is "handout". */
gboolean        backprop_lesson_handout_command  (int      argc,
                                                  char   **argv,
                                                  GError **error);

/* `backprop import MODEL.onnx [-o FILE]` (backprop-import.c). */
gboolean        backprop_import_command          (int      argc,
                                                  char   **argv,
                                                  GError **error);

/* The helpers the commands share (backprop-cli.c). */

/* A context whose --help reads "Usage: backprop COMMAND [OPTION…] PARAMS".
 * `entries` may be NULL. */
GOptionContext *backprop_cli_context_new         (const char         *command,
                                                  const char         *parameter_string,
                                                  const char         *summary,
                                                  const char         *description,
                                                  const GOptionEntry *entries);
/* Parses, and leaves the positional arguments in `*rest` (a NULL-terminated
 * array owned by the caller, never NULL on success).  Rejects more than
 * `max_args` or fewer than `min_args` of them. */
gboolean        backprop_cli_parse               (GOptionContext *context,
                                                  int             argc,
                                                  char          **argv,
                                                  char         ***rest,
                                                  guint           min_args,
                                                  guint           max_args,
                                                  GError        **error);

/* Option values given as text, checked with a message naming the option. */
gboolean        backprop_cli_parse_uint          (const char *option,
                                                  const char *text,
                                                  guint64     min,
                                                  guint64     max,
                                                  guint64    *out,
                                                  GError    **error);
/* A finite number > 0 (`strictly_positive`) or ≥ 0. */
gboolean        backprop_cli_parse_double        (const char *option,
                                                  const char *text,
                                                  gboolean    strictly_positive,
                                                  double     *out,
                                                  GError    **error);

/* bp_model_load_file with a clear message for a directory. */
BpModel        *backprop_cli_load_model          (const char  *path,
                                                  GError     **error);
/* The model's dataset (or `override`, a name or CSV path), generated from
 * the model's rows/noise and seed; with `fit`, refits the model's network to
 * the dataset's widths and task (bp_model_fit_to_data) first; checks its
 * widths against the network.  `model_name` is what error messages call
 * the model. */
BpDataset      *backprop_cli_open_dataset        (BpModel    *model,
                                                  const char *model_name,
                                                  const char *override,
                                                  gsize       rows,
                                                  double      noise,
                                                  gboolean    fit,
                                                  GError    **error);

/* Rows of the dataset that `trace` and `render` show when a model has no
 * inline batch (--rows overrides it). */
#define BACKPROP_CLI_TRACE_ROWS 8

/* The most rows `trace`, `gradcheck` and `render` take with --rows: they
 * keep every z, a and δ of every row, and print or draw them all. */
#define BACKPROP_CLI_MAX_ROWS 4096

/* The batch one forward/backward pass of a command runs on. */
typedef struct
{
  const double *x;       /* B × n_inputs, owned by the model or by `ds` */
  const double *y;       /* B × n_outputs */
  gsize         B;
  BpDataset    *ds;      /* owned; NULL for the model's inline batch */
  const char   *source;  /* "its inline batch", or the dataset's name */
} BackpropCliBatch;

/* The model's inline batch ("inputs"/"targets"); or, when it has none, or
 * `override` (--dataset) names a dataset, or `want_dataset`, the first
 * `max_rows` rows of the dataset as backprop_cli_open_dataset opens it (with
 * `fit`).  Clear with backprop_cli_batch_clear. */
gboolean        backprop_cli_open_batch          (BpModel          *model,
                                                  const char       *model_name,
                                                  const char       *override,
                                                  gsize             max_rows,
                                                  gboolean          want_dataset,
                                                  gboolean          fit,
                                                  BackpropCliBatch *batch,
                                                  GError          **error);
void            backprop_cli_batch_clear         (BackpropCliBatch *batch);

/* Task as a word: "regression", "binary", "multiclass". */
const char     *backprop_cli_task_to_string      (BpTask task);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (BackpropCliBatch, backprop_cli_batch_clear)

/* Recordings of a run (backprop-record.c). */
/* --record-budget MiB (NULL: BP_RECORD_DEFAULT_BUDGET) into bytes. */
gboolean        backprop_record_parse_budget     (const char     *text,
                                                  gsize          *budget,
                                                  GError        **error);
/* Saves, and says on stdout where, how many steps and how much memory. */
gboolean        backprop_record_write            (const BpRecord *rec,
                                                  const char     *path,
                                                  GError        **error);
/* Puts the latest step ≤ `step` kept in the recording at `path` into
 * model->network (saying on stderr when it is not `step` itself); the
 * step drawn in *shown. */
gboolean        backprop_record_restore_at       (BpModel        *model,
                                                  const char     *model_name,
                                                  const char     *path,
                                                  guint64         step,
                                                  guint64        *shown,
                                                  GError        **error);
/* `info --record`: the kept steps, the statistics, the memory and, when
 * `model` (named `model_name`) is given, the learning rate at each kept
 * step under its optimizer and schedule (NULL: a note that the rates need
 * the model). */
gboolean        backprop_record_print_info       (const char     *path,
                                                  const BpModel  *model,
                                                  const char     *model_name,
                                                  GError        **error);

G_END_DECLS
