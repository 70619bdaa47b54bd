/* bp-model-private.h — what the files of the bp-model family share: the
 * format string, the reader's state and its typed readers
 * (bp-model-read.c), the "progress" reader (bp-model-read-progress.c) and
 * the pre-scan (bp-model-prescan.c).  Core only; not installed.
 *
 * Every reader takes the Loader and a JSON path ("layers[1].W[3]") and, on
 * failure, sets an error naming both and returns FALSE (_bp_model_fail).
 */
#pragma once

#include "bp-model.h"
#include "bp-registry.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define BP_MODEL_FORMAT           "backprop-model/1"
/* The "progress" version this reader knows and this writer writes: 2 adds
 * the rate to the history rows (an older reader skips the progress rather
 * than refuse the file). */
#define BP_MODEL_PROGRESS_VERSION 2

/* One load in progress.  (A short name: every reader takes one.) */
typedef struct
{
  const char  *name;   /* display name, first in every message */
  BpRegistry  *reg;
  GError     **error;
} Loader;

/* Sets "<name>: <path>: <message>" (no path: "<name>: <message>"; a path
 * into "layers[i]" also names layer i + 1) and returns FALSE. */
gboolean    _bp_model_fail          (Loader        *ld,
                                     BpModelError   code,
                                     const char    *path,
                                     const char    *fmt,
                                     ...) G_GNUC_PRINTF (4, 5);
/* A user-supplied string made safe to quote in a message.  Free with
 * g_free. */
char       *_bp_model_quote         (const char    *s);
/* "a string", "an array", … for messages. */
const char *_bp_model_node_kind     (JsonNode      *node);
/* TRUE if `node` is a JSON number (integer or not); its value in *out. */
gboolean    _bp_model_node_number   (JsonNode      *node,
                                     double        *out);
/* The error for a value that should have been a finite number. */
gboolean    _bp_model_number_error  (Loader        *ld,
                                     JsonNode      *node,
                                     const char    *path);
/* A finite number. */
gboolean    _bp_model_read_number   (Loader        *ld,
                                     JsonNode      *node,
                                     const char    *path,
                                     double        *out);
/* An integer in [min, max] (2.0 and 1e3 are integers). */
gboolean    _bp_model_read_integer  (Loader        *ld,
                                     JsonNode      *node,
                                     const char    *path,
                                     gint64         min,
                                     gint64         max,
                                     gint64        *out);
/* A string, owned by the JSON tree. */
gboolean    _bp_model_read_string   (Loader        *ld,
                                     JsonNode      *node,
                                     const char    *path,
                                     const char   **out);
/* An object, owned by the JSON tree. */
gboolean    _bp_model_read_object   (Loader        *ld,
                                     JsonNode      *node,
                                     const char    *path,
                                     JsonObject   **out);

/* A finite number in [min, max]. */
gboolean    _bp_model_read_number_in (Loader       *ld,
                                      JsonNode     *node,
                                      const char   *path,
                                      double        min,
                                      double        max,
                                      double       *out);
/* The parameters `specs` of an activation or a cost from `obj` by name
 * (absent: the default; NULL obj: all defaults), each range-checked.
 * `base` is the path of obj ("layers[0]", "cost"). */
gboolean    _bp_model_read_params   (Loader            *ld,
                                     JsonObject        *obj,
                                     const char        *base,
                                     const BpParamSpec *specs,
                                     gsize              n,
                                     double            *out);
/* An array of exactly `n` finite numbers into `out`; its path is `base`,
 * or `base`[row] when row ≥ 0. */
gboolean    _bp_model_read_numbers  (Loader        *ld,
                                     JsonNode      *node,
                                     const char    *base,
                                     gssize         row,
                                     gsize          n,
                                     double        *out);
/* The shape of 1 to BP_MODEL_MAX_BATCH_SIZE rows of `width` entries. */
gboolean    _bp_model_check_rows    (Loader        *ld,
                                     JsonNode      *node,
                                     const char    *path,
                                     gsize          width,
                                     gsize         *n_rows);
/* The members of a layer of another type than dense (batchnorm,
 * layernorm, dropout), layer l of `obj`, appended to `net` with width
 * `width`: the first pass of read_layers.  Its parameters are read by
 * _bp_model_read_layer_values once the block is final. */
gboolean    _bp_model_read_layer_kind (Loader      *ld,
                                       JsonObject  *obj,
                                       gsize        l,
                                       BpLayerType  type,
                                       gsize        width,
                                       BpNetwork   *net);
/* gamma, beta, running_mean, running_var, mask of layer l (not dense). */
gboolean    _bp_model_read_layer_values (Loader     *ld,
                                         JsonObject *obj,
                                         gsize       l,
                                         BpNetwork  *net);
/* Layer l's "type" (absent: dense). */
gboolean    _bp_model_read_layer_type (Loader      *ld,
                                       JsonObject  *obj,
                                       gsize        l,
                                       BpLayerType *type);
/* "skip_from" of dense layer l (absent: none). */
gboolean    _bp_model_read_skip     (Loader        *ld,
                                     JsonObject    *obj,
                                     gsize          l,
                                     BpNetwork     *net);

/* Reads root's optional "progress" into model->progress (after the layers:
 * the gradient-norm records are checked against them). */
gboolean    _bp_model_read_progress (Loader        *ld,
                                     JsonObject    *root,
                                     BpModel       *model);

/* The optimizer's "schedule" object, set on opt (after its "lr"). */
gboolean    _bp_model_read_schedule (Loader        *ld,
                                     JsonNode      *node,
                                     BpOptimizer   *opt);
/* "optimizer.state.schedule" (after the schedule and the state's "t"). */
gboolean    _bp_model_read_schedule_state (Loader      *ld,
                                           JsonNode    *node,
                                           BpOptimizer *opt);

/* Checks `data` for what json-glib would mishandle (see
 * bp-model-prescan.c): FALSE with a BP_MODEL_ERROR_PARSE error giving line
 * and column. */
gboolean    _bp_model_prescan       (Loader        *ld,
                                     const char    *data,
                                     gsize          len);

G_END_DECLS
