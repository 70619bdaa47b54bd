/* bp-record-file.c — saving and loading a recording ("backprop-record/2";
 * version 1 files still load).
 *
 *   backprop-record/2 H\n            the format and version, and H: the
 *                                    header's length in bytes
 *   { "optimizer": "adam",           H bytes of JSON: the shapes
 *     "params": P, "optimizer_state": S, "running": R,
 *     "rows": N, "layers": L, "budget": bytes,
 *     "stride": k, "bucket_width": w,
 *     "snapshots": n, "buckets": m }
 *   n snapshots                      each 14 + P + S + R + N words:
 *                                    step, epoch, cursor, t, latest_only,
 *                                    the trainer's generator (4), the
 *                                    network's (4), the schedule's step
 *                                    (t − schedule_t0, or 2⁶⁴ − 1: not
 *                                    known), the P + S + R
 *                                    doubles, the N row indices of the order
 *   m buckets                        each 4 + 3·(L + 1) words: index, first
 *                                    step, last step, n, then the doubles
 *                                    (bp-record-private.h)
 *
 * A word is 8 bytes, little-endian: an unsigned integer, or a double's
 * IEEE bits (so a loaded recording has the saved bits).  Binary rather than
 * JSON numbers: a 10⁵-step recording of a 10⁵-parameter network would be
 * hundreds of MB of text and slow to read back exactly.
 *
 * Version 1 (before learning-rate schedules) is version 2 without the
 * schedule's step: 13 head words a snapshot.  Its snapshots load with the
 * step BP_RECORD_SCHEDULE_UNKNOWN (2⁶⁴ − 1), written so in version 2 too,
 * and bp_record_restore refuses to put a scheduled optimizer back from one
 * (bp-record.c says why).
 */
#include "config.h"
#include "bp-record.h"
#include "bp-record-private.h"
#include "bp-model.h"

#include <glib/gi18n-lib.h>
#include <inttypes.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#define FORMAT_PREFIX   "backprop-record/"
#define FORMAT_VERSION  2
/* Words before a snapshot's doubles, by version. */
#define SNAP_HEAD_WORDS_V1 13
#define SNAP_HEAD_WORDS    14
#define BUCKET_HEAD_WORDS 4
/* Most doubles of optimizer state per parameter (Adam has 2). */
#define MAX_STATE_PER_PARAM 16

/* ------------------------------------------------------------------ words */

static void
put_word (GByteArray *out,
          guint64     w)
{
  guint64 le = GUINT64_TO_LE (w);

  g_byte_array_append (out, (const guint8 *) &le, 8);
}

static void
put_double (GByteArray *out,
            double      d)
{
  guint64 w;

  memcpy (&w, &d, 8);
  put_word (out, w);
}

static guint64
get_word (const guint8 *p)
{
  guint64 le;

  memcpy (&le, p, 8);
  return GUINT64_FROM_LE (le);
}

static double
get_double (const guint8 *p)
{
  guint64 w = get_word (p);
  double d;

  memcpy (&d, &w, 8);
  return d;
}

/* ----------------------------------------------------------------- saving */

char *
bp_record_to_data (const BpRecord *rec,
                   gsize          *len)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *header = NULL;
  g_autofree char *first = NULL;
  GByteArray *out;
  gsize nv;

  g_return_val_if_fail (rec != NULL && len != NULL, NULL);

  json_builder_begin_object (b);
#define MEMBER_INT(name, v) \
  (json_builder_set_member_name (b, name), json_builder_add_int_value (b, (gint64) (v)))
  json_builder_set_member_name (b, "optimizer");
  json_builder_add_string_value (b, rec->opt_id != NULL ? rec->opt_id : "");
  MEMBER_INT ("params", rec->n_params);
  MEMBER_INT ("optimizer_state", rec->n_state);
  MEMBER_INT ("running", rec->n_running);
  MEMBER_INT ("rows", rec->n_rows);
  MEMBER_INT ("layers", rec->n_layers);
  MEMBER_INT ("budget", MIN (rec->budget, (gsize) G_MAXINT64));
  MEMBER_INT ("stride", rec->stride);
  MEMBER_INT ("bucket_width", rec->bucket_width);
  MEMBER_INT ("snapshots", rec->snaps->len);
  MEMBER_INT ("buckets", rec->n_buckets);
#undef MEMBER_INT
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  header = json_generator_to_data (gen, NULL);

  out = g_byte_array_new ();
  first = g_strdup_printf (FORMAT_PREFIX "%d %" G_GSIZE_FORMAT "\n", FORMAT_VERSION,
                           strlen (header));
  g_byte_array_append (out, (const guint8 *) first, strlen (first));
  g_byte_array_append (out, (const guint8 *) header, strlen (header));

  nv = rec->n_params + rec->n_state + rec->n_running;
  for (guint i = 0; i < rec->snaps->len; i++)
    {
      const BpRecordSnap *s = g_ptr_array_index (rec->snaps, i);

      put_word (out, s->step);
      put_word (out, s->epoch);
      put_word (out, s->cursor);
      put_word (out, s->t);
      put_word (out, s->latest_only ? 1 : 0);
      for (int k = 0; k < 4; k++)
        put_word (out, s->rng[k]);
      for (int k = 0; k < 4; k++)
        put_word (out, s->net_rng[k]);
      put_word (out, s->schedule_step);
      for (gsize k = 0; k < nv; k++)
        put_double (out, s->values[k]);
      for (gsize k = 0; k < rec->n_rows; k++)
        put_word (out, s->order[k]);
    }
  for (gsize i = 0; i < rec->n_buckets; i++)
    {
      const BpRecordBucket *bk = &rec->buckets[i];
      gsize m = BP_RECORD_BUCKET_VALUES (rec->n_layers);
      const double *v = rec->bucket_values + i * m;

      put_word (out, bk->index);
      put_word (out, bk->first_step);
      put_word (out, bk->last_step);
      put_word (out, bk->n);
      for (gsize k = 0; k < m; k++)
        put_double (out, v[k]);
    }
  *len = out->len;
  /* NUL-terminated for free, though the payload is binary. */
  g_byte_array_append (out, (const guint8 *) "", 1);
  return (char *) g_byte_array_free (out, FALSE);
}

gboolean
bp_record_save (const BpRecord *rec,
                const char     *path,
                GError        **error)
{
  g_autofree char *data = NULL;
  g_autoptr(GError) local = NULL;
  gsize len;

  g_return_val_if_fail (rec != NULL && path != NULL, FALSE);

  data = bp_record_to_data (rec, &len);
  /* Written to a temporary file and renamed: a crash leaves the old one. */
  if (!g_file_set_contents (path, data, (gssize) len, &local))
    {
      g_set_error (error, BP_RECORD_ERROR, BP_RECORD_ERROR_IO, "%s: %s", path, local->message);
      return FALSE;
    }
  return TRUE;
}

/* ---------------------------------------------------------------- loading */

typedef struct
{
  const char *name;      /* for messages */
  JsonObject *header;
} Reader;

/* Header member `key`: an integer in [lo, hi]. */
static gboolean
header_uint (Reader      *r,
             const char  *key,
             guint64      lo,
             guint64      hi,
             guint64     *out,
             GError     **error)
{
  JsonNode *node = json_object_get_member (r->header, key);
  gint64 v;

  if (node == NULL)
    {
      g_set_error (error, BP_RECORD_ERROR, BP_RECORD_ERROR_INVALID,
                   _("%s: header: “%s” is missing"), r->name, key);
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64
      || (v = json_node_get_int (node)) < 0 || (guint64) v < lo || (guint64) v > hi)
    {
      g_set_error (error, BP_RECORD_ERROR, BP_RECORD_ERROR_INVALID,
                   _("%s: header: “%s”: expected an integer from %" PRIu64
                     " to %" PRIu64), r->name, key, lo, hi);
      return FALSE;
    }
  *out = (guint64) v;
  return TRUE;
}

static gboolean
is_power_of_two (guint64 v)
{
  return v != 0 && (v & (v - 1)) == 0;
}

/* The first line: "backprop-record/V H\n".  Sets *version (1 or 2),
 * *header_at and *header_len. */
static gboolean
read_first_line (const char  *data,
                 gsize        len,
                 const char  *name,
                 guint       *version_out,
                 gsize       *header_at,
                 gsize       *header_len,
                 GError     **error)
{
  const char *nl = memchr (data, '\n', MIN (len, 64));
  g_autofree char *line = NULL;
  char *end = NULL;
  guint64 version, h;

  if (len < strlen (FORMAT_PREFIX) || memcmp (data, FORMAT_PREFIX, strlen (FORMAT_PREFIX)) != 0
      || nl == NULL)
    {
      g_set_error (error, BP_RECORD_ERROR, BP_RECORD_ERROR_FORMAT,
                   _("%s: not a recording (it does not start with “backprop-record/”)"), name);
      return FALSE;
    }
  line = g_strndup (data, (gsize) (nl - data));
  version = g_ascii_strtoull (line + strlen (FORMAT_PREFIX), &end, 10);
  if (end == line + strlen (FORMAT_PREFIX) || *end != ' ')
    {
      g_set_error (error, BP_RECORD_ERROR, BP_RECORD_ERROR_FORMAT,
                   _("%s: line 1: expected “backprop-record/VERSION LENGTH”"), name);
      return FALSE;
    }
  if (version < 1 || version > FORMAT_VERSION)
    {
      g_set_error (error, BP_RECORD_ERROR, BP_RECORD_ERROR_FORMAT,
                   _("%s: format version %" PRIu64 " %s (this program reads versions 1 to %d)"),
                   name, version, version > FORMAT_VERSION ? _("is newer than this program’s")
                                                           : _("is unknown"), FORMAT_VERSION);
      return FALSE;
    }
  h = g_ascii_strtoull (end + 1, &end, 10);
  *header_at = (gsize) (nl - data) + 1;
  if (*end != '\0' || end == line || h == 0 || h > len - *header_at)
    {
      g_set_error (error, BP_RECORD_ERROR, BP_RECORD_ERROR_INVALID,
                   _("%s: line 1: the header length is not a number of bytes in the file"), name);
      return FALSE;
    }
  *header_len = (gsize) h;
  *version_out = (guint) version;
  return TRUE;
}

static gboolean
all_finite (const double *v,
            gsize         n,
            gsize        *bad)
{
  for (gsize i = 0; i < n; i++)
    if (!isfinite (v[i]))
      {
        *bad = i;
        return FALSE;
      }
  return TRUE;
}

static gboolean
read_snapshot (BpRecord      *rec,
               guint          version,
               const guint8  *p,
               gsize          offset,
               gsize          i,
               guint8        *seen,
               const char    *name,
               GError       **error)
{
  BpRecordSnap *s = bp_record_snap_new (rec);
  const BpRecordSnap *prev = i > 0 ? g_ptr_array_index (rec->snaps, i - 1) : NULL;
  gsize nv = rec->n_params + rec->n_state + rec->n_running, bad;
  guint64 latest;
  const char *what = NULL;

  s->step = get_word (p);
  s->epoch = get_word (p + 8);
  s->cursor = get_word (p + 16);
  s->t = get_word (p + 24);
  latest = get_word (p + 32);
  s->latest_only = latest == 1;
  for (int k = 0; k < 4; k++)
    {
      s->rng[k] = get_word (p + 40 + 8 * k);
      s->net_rng[k] = get_word (p + 72 + 8 * k);
    }
  p += 8 * SNAP_HEAD_WORDS_V1;
  s->schedule_step = BP_RECORD_SCHEDULE_UNKNOWN;
  if (version >= 2)
    s->schedule_step = get_word (p), p += 8;
  for (gsize k = 0; k < nv; k++)
    s->values[k] = get_double (p + 8 * k);
  p += 8 * nv;
  for (gsize k = 0; k < rec->n_rows; k++)
    s->order[k] = get_word (p + 8 * k);
  g_ptr_array_add (rec->snaps, s);

  if (latest > 1)
    what = _("latest_only is neither 0 nor 1");
  else if (prev != NULL && s->step <= prev->step)
    what = _("its step is not after the previous one");
  else if (i > 0 && !s->latest_only && s->step % rec->stride != 0)
    what = _("its step is not a multiple of the stride");
  else if (s->latest_only && i + 1 != rec->snaps->len)
    what = _("a latest-only snapshot is not the last");
  else if (s->schedule_step > s->t && s->schedule_step != BP_RECORD_SCHEDULE_UNKNOWN)
    what = _("the schedule's step is after the optimizer's");
  else if (s->epoch > G_MAXUINT)
    what = _("the epoch is out of range");
  else if (s->cursor > rec->n_rows)
    what = _("the position in the sample order is past its end");
  else if (rec->n_rows > 0 && s->rng[0] == 0 && s->rng[1] == 0 && s->rng[2] == 0 && s->rng[3] == 0)
    what = _("the trainer's generator is all zero");
  else if (!all_finite (s->values, nv, &bad))
    what = bad < rec->n_params ? _("a parameter is not finite")
           : bad < rec->n_params + rec->n_state ? _("an optimizer state value is not finite")
           : _("a running statistic is not finite");
  if (what == NULL)
    {
      memset (seen, 0, rec->n_rows);
      for (gsize k = 0; k < rec->n_rows && what == NULL; k++)
        {
          if (s->order[k] >= rec->n_rows)
            what = _("the sample order names a row past the last");
          else if (seen[s->order[k]]++)
            what = _("the sample order names a row twice");
        }
    }
  if (what == NULL)
    return TRUE;
  g_set_error (error, BP_RECORD_ERROR, BP_RECORD_ERROR_INVALID,
               _("%s: byte %zu (snapshot %zu, step %"
                 PRIu64 "): %s"), name, offset, i, s->step, what);
  return FALSE;
}

static gboolean
read_bucket (BpRecord      *rec,
             const guint8  *p,
             gsize          offset,
             gsize          i,
             const char    *name,
             GError       **error)
{
  BpRecordBucket b;
  const BpRecordBucket *prev;
  gsize m = BP_RECORD_BUCKET_VALUES (rec->n_layers);
  guint64 w = rec->bucket_width;
  const char *what = NULL;

  b.index = get_word (p);
  b.first_step = get_word (p + 8);
  b.last_step = get_word (p + 16);
  b.n = get_word (p + 24);
  prev = i > 0 ? &rec->buckets[i - 1] : NULL;
  if (b.first_step == 0 || b.first_step > b.last_step)
    what = _("its first step is 0 or after its last");
  else if ((b.first_step - 1) / w != b.index || (b.last_step - 1) / w != b.index)
    what = _("its steps are not in its bucket");
  else if (b.n == 0 || b.n > b.last_step - b.first_step + 1)
    what = _("its count of steps does not fit its span");
  else if (prev != NULL && (b.index <= prev->index || b.first_step <= prev->last_step))
    what = _("it is not after the previous bucket");
  if (what != NULL)
    {
      g_set_error (error, BP_RECORD_ERROR, BP_RECORD_ERROR_INVALID,
                   _("%s: byte %zu (statistics bucket %zu): %s"),
                   name, offset, i, what);
      return FALSE;
    }
  rec->buckets[rec->n_buckets++] = b;
  p += 8 * BUCKET_HEAD_WORDS;
  for (gsize k = 0; k < m; k++)
    rec->bucket_values[i * m + k] = get_double (p + 8 * k);
  return TRUE;
}

BpRecord *
bp_record_load_data (const char  *data,
                     gsize        len,
                     const char  *display_name,
                     GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local = NULL;
  g_autoptr(BpRecord) rec = NULL;
  g_autofree guint8 *seen = NULL;
  Reader r = { display_name != NULL ? display_name : "recording", NULL };
  JsonNode *root;
  gsize header_at, header_len, offset, snap_words, bucket_words;
  guint version;
  guint64 P, S, R, N, L, budget, stride, width, n_snaps, n_buckets;
  const char *opt_id;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  if (!read_first_line (data, len, r.name, &version, &header_at, &header_len, error))
    return NULL;
  if (!json_parser_load_from_data (parser, data + header_at, (gssize) header_len, &local))
    {
      g_set_error (error, BP_RECORD_ERROR, BP_RECORD_ERROR_INVALID, "%s: header: %s",
                   r.name, local->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, BP_RECORD_ERROR, BP_RECORD_ERROR_INVALID,
                   _("%s: header: expected a JSON object"), r.name);
      return NULL;
    }
  r.header = json_node_get_object (root);
  {
    JsonNode *node = json_object_get_member (r.header, "optimizer");

    if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
        || json_node_get_value_type (node) != G_TYPE_STRING
        || *(opt_id = json_node_get_string (node)) == '\0')
      {
        g_set_error (error, BP_RECORD_ERROR, BP_RECORD_ERROR_INVALID,
                     _("%s: header: “optimizer”: expected an optimizer’s id"), r.name);
        return NULL;
      }
  }
  if (!header_uint (&r, "params", 0, BP_MODEL_MAX_PARAMS, &P, error)
      || !header_uint (&r, "optimizer_state", 0, P * MAX_STATE_PER_PARAM, &S, error)
      || !header_uint (&r, "running", 0, 2 * BP_MAX_WIDTH * BP_MAX_LAYERS, &R, error)
      || !header_uint (&r, "rows", 0, BP_MODEL_MAX_DATASET_ROWS, &N, error)
      || !header_uint (&r, "layers", 1, BP_MAX_LAYERS, &L, error)
      || !header_uint (&r, "budget", 0, G_MAXINT64, &budget, error)
      || !header_uint (&r, "stride", 1, G_GUINT64_CONSTANT (1) << 62, &stride, error)
      || !header_uint (&r, "bucket_width", 1, G_GUINT64_CONSTANT (1) << 62, &width, error)
      || !header_uint (&r, "snapshots", 1, G_MAXINT32, &n_snaps, error)
      || !header_uint (&r, "buckets", 0, BP_RECORD_MAX_BUCKETS, &n_buckets, error))
    return NULL;
  if (!is_power_of_two (stride) || !is_power_of_two (width))
    {
      g_set_error (error, BP_RECORD_ERROR, BP_RECORD_ERROR_INVALID,
                   _("%s: header: “%s” is not a power of two"), r.name,
                   !is_power_of_two (stride) ? "stride" : "bucket_width");
      return NULL;
    }

  rec = bp_record_new ((gsize) budget);
  bp_record_shape (rec, opt_id, P, S, R, N, L);
  rec->stride = stride;
  rec->bucket_width = width;
  if (n_snaps > rec->max_snapshots)
    {
      g_set_error (error, BP_RECORD_ERROR, BP_RECORD_ERROR_INVALID,
                   _("%s: header: %" PRIu64 " snapshots, more than its budget of %"
                     PRIu64 " bytes holds (%zu)"),
                   r.name, n_snaps, budget, rec->max_snapshots);
      return NULL;
    }

  /* The exact size, before anything is allocated for the payload. */
  snap_words = (version >= 2 ? SNAP_HEAD_WORDS : SNAP_HEAD_WORDS_V1) + P + S + R + N;
  bucket_words = BUCKET_HEAD_WORDS + BP_RECORD_BUCKET_VALUES (L);
  offset = header_at + header_len;
  {
    gsize rest = len - offset;

    if (rest / 8 / snap_words < n_snaps
        || rest - n_snaps * snap_words * 8 != n_buckets * bucket_words * 8)
      {
        g_set_error (error, BP_RECORD_ERROR, BP_RECORD_ERROR_INVALID,
                     _("%s: byte %zu: the header announces %" PRIu64
                       " snapshots and %" PRIu64 " buckets (%" PRIu64
                       " bytes), but %zu bytes follow"),
                     r.name, offset, n_snaps, n_buckets,
                     (guint64) (n_snaps * snap_words + n_buckets * bucket_words) * 8, rest);
        return NULL;
      }
  }

  seen = g_malloc (MAX (N, 1));
  for (gsize i = 0; i < n_snaps; i++, offset += 8 * snap_words)
    if (!read_snapshot (rec, version, (const guint8 *) data + offset, offset, i, seen, r.name, error))
      return NULL;
  for (gsize i = 0; i < n_buckets; i++, offset += 8 * bucket_words)
    if (!read_bucket (rec, (const guint8 *) data + offset, offset, i, r.name, error))
      return NULL;
  return g_steal_pointer (&rec);
}

BpRecord *
bp_record_load (const char  *path,
                GError     **error)
{
  g_autofree char *data = NULL;
  g_autoptr(GError) local = NULL;
  gsize len;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &data, &len, &local))
    {
      g_set_error (error, BP_RECORD_ERROR, BP_RECORD_ERROR_IO, "%s", local->message);
      return NULL;
    }
  return bp_record_load_data (data, len, path, error);
}
