/* test-loader.c — the plugin loader (bp-plugin-loader) on real files: every
 * broken fixture is refused with its exact error while the host goes on and
 * good plugins load alongside; first name wins along the search path;
 * verdicts are cached and a changed file is scanned again.
 *
 * The fixtures (BACKPROP_LOADER_FIXTURES) are the shared modules built next
 * to this test; the scanner is BACKPROP_PLUGIN_SCANNER, its time-out
 * BACKPROP_PLUGIN_SCAN_TIMEOUT (2 s, for loop-forever.so).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <utime.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "bp-model.h"
#include "bp-plugin-loader.h"
#include "bp-registry.h"
#include "bp-trainer.h"

static const char *fixture_dir;
static char *tmp_root;
static char *shipped_dir;
static GPtrArray *registries;  /* freed at the end; plugin modules stay loaded */

#define assert_has(haystack, needle)                                          \
  do {                                                                        \
    if (strstr ((haystack), (needle)) == NULL)                                \
      fail_msg ("“%s” does not contain “%s”", (haystack), (needle));          \
  } while (0)

/* ---------------------------------------------------------------- helpers */

static char *
fixture (const char *name)
{
  return g_strdup_printf ("%s/%s.%s", fixture_dir, name, G_MODULE_SUFFIX);
}

/* A new empty directory under the temporary root. */
static char *
new_dir (const char *name)
{
  char *dir = g_build_filename (tmp_root, name, NULL);

  assert_int_equal (g_mkdir_with_parents (dir, 0755), 0);
  return dir;
}

static char *
copy_fixture (const char *name,
              const char *dir,
              const char *as)
{
  g_autofree char *src = fixture (name);
  g_autofree char *base = g_strdup_printf ("%s.%s", as != NULL ? as : name, G_MODULE_SUFFIX);
  char *dst = g_build_filename (dir, base, NULL);
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr(GError) error = NULL;

  if (!g_file_get_contents (src, &data, &len, &error)
      || !g_file_set_contents (dst, data, len, &error))
    fail_msg ("copying %s: %s", src, error->message);
  return dst;
}

static BpRegistry *
builtin_registry (void)
{
  BpRegistry *reg = bp_registry_new ();

  assert_true (bp_registry_add_plugin (reg, bp_builtins_get_descriptor (), "(built in)", NULL));
  g_ptr_array_add (registries, reg);
  return reg;
}

/* Only the explicit directories, no cache unless a test sets one. */
static BpPluginLoader *
test_loader (BpRegistry *reg)
{
  BpPluginLoader *loader = bp_plugin_loader_new (reg);

  bp_plugin_loader_set_use_default_path (loader, FALSE);
  bp_plugin_loader_set_cache_file (loader, NULL);
  return loader;
}

static const BpPluginRecord *
record_of (BpPluginLoader *loader,
           const char     *basename)
{
  for (guint i = 0; i < bp_plugin_loader_get_n_records (loader); i++)
    {
      const BpPluginRecord *r = bp_plugin_loader_get_record (loader, i);
      g_autofree char *base = g_path_get_basename (r->path);

      if (g_str_equal (base, basename))
        return r;
    }
  fail_msg ("no record for %s", basename);
  return NULL;
}

static void
remove_tree (const char *path)
{
  GDir *dir;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_SYMLINK) && g_file_test (path, G_FILE_TEST_IS_DIR)
      && (dir = g_dir_open (path, 0, NULL)) != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
      g_dir_close (dir);
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

/* ------------------------------------------------- each fixture's error */

typedef struct
{
  const char   *file;
  BpPluginError code;
  BpPluginStep  step;
  gboolean      exact;    /* message equals `message`, else contains it */
  const char   *message;
} Case;

static const Case cases[] = {
  { "abi-major", BP_PLUGIN_ERROR_ABI, BP_PLUGIN_STEP_ABI, TRUE,
    "plugin ABI 2.0 is not compatible with this host's ABI 1.1 (the major version must match)" },
  { "abi-minor", BP_PLUGIN_ERROR_ABI, BP_PLUGIN_STEP_ABI, TRUE,
    "plugin ABI 1.2 is newer than this host's ABI 1.1 (built for a later Backprop Studio)" },
  { "no-symbol", BP_PLUGIN_ERROR_SYMBOL, BP_PLUGIN_STEP_SYMBOL, TRUE,
    "“no-symbol.so” does not export “bp_plugin_get_descriptor” (declare the plugin with "
    "BP_PLUGIN_DEFINE)" },
  { "null-descriptor", BP_PLUGIN_ERROR_DESCRIPTOR, BP_PLUGIN_STEP_DESCRIPTOR, TRUE,
    "“null-descriptor.so”: bp_plugin_get_descriptor() returned NULL instead of a descriptor" },
  { "empty-id", BP_PLUGIN_ERROR_FIELD, BP_PLUGIN_STEP_FIELDS, TRUE,
    "plugin “empty_id”: activation 0 has an empty id" },
  { "missing-f", BP_PLUGIN_ERROR_FIELD, BP_PLUGIN_STEP_FIELDS, TRUE,
    "plugin “missing_f”: activation “no_f” has no function f" },
  { "dup-builtin", BP_PLUGIN_ERROR_DUPLICATE_ID, BP_PLUGIN_STEP_IDS, TRUE,
    "plugin “dup_builtin”: id “relu” is already built in" },
  { "wrong-derivative", BP_PLUGIN_ERROR_NUMERIC, BP_PLUGIN_STEP_NUMERIC, FALSE,
    "plugin “wrong_derivative”: activation “wrong_swish”: f′(" },
  { "nan-derivative", BP_PLUGIN_ERROR_NUMERIC, BP_PLUGIN_STEP_NUMERIC, TRUE,
    "plugin “nan_derivative”: activation “nan_deriv”: f′(10.25) = NaN, but f′ must be "
    "finite for every finite z" },
  { "bad-cost-gradient", BP_PLUGIN_ERROR_NUMERIC, BP_PLUGIN_STEP_NUMERIC, FALSE,
    "plugin “bad_cost_gradient”: cost “double_mse”: ∂l/∂a[" },
  /* The blind spots of the old fixed-grid check (test-plugin-check tests
   * each of their features on its own). */
  { "between-grid", BP_PLUGIN_ERROR_NUMERIC, BP_PLUGIN_STEP_NUMERIC, FALSE,
    "plugin “between_grid”: activation “tanh_x2”: f′(2.0" },
  { "wrong-tails", BP_PLUGIN_ERROR_NUMERIC, BP_PLUGIN_STEP_NUMERIC, FALSE,
    "plugin “wrong_tails”: activation “sigmoid_zero16”: f′(" },
  { "softmax-no-coupling", BP_PLUGIN_ERROR_NUMERIC, BP_PLUGIN_STEP_NUMERIC, FALSE,
    "plugin “softmax_no_coupling”: activation “softmax_45_7up”: vec_vjp at n = " },
  { "cost-doubled", BP_PLUGIN_ERROR_NUMERIC, BP_PLUGIN_STEP_NUMERIC, FALSE,
    "plugin “cost_doubled”: cost “mse_hard”: ∂l/∂a[" },
  { "diverging-optimizer", BP_PLUGIN_ERROR_NUMERIC, BP_PLUGIN_STEP_NUMERIC, FALSE,
    "plugin “diverging_optimizer”: optimizer “uphill”: 300 steps with the default "
    "hyperparameters on f(p) = ½Σ cᵢpᵢ² from p = 1 took f from 1.85 to " },
  { "bad-explain", BP_PLUGIN_ERROR_NUMERIC, BP_PLUGIN_STEP_NUMERIC, FALSE,
    "plugin “bad_explain”: optimizer “half_explained”: at step 2 its explain gives terms "
    "that add up to " },
  { "crash-constructor", BP_PLUGIN_ERROR_CRASH, BP_PLUGIN_STEP_OPEN, TRUE,
    "“crash-constructor.so” crashed with SIGSEGV while being loaded or checked "
    "(in step “open”)" },
  { "loop-forever", BP_PLUGIN_ERROR_TIMEOUT, BP_PLUGIN_STEP_NUMERIC, TRUE,
    "“loop-forever.so” did not finish its check within 2 s (it may loop forever); "
    "it was stopped in step “numeric”" },
};

static void
assert_case (const Case   *c,
             const GError *error)
{
  if (error == NULL)
    fail_msg ("%s: loaded, but should fail with %s", c->file,
              bp_plugin_error_to_string (c->code));
  if (!g_error_matches (error, BP_PLUGIN_ERROR, c->code))
    fail_msg ("%s: expected %s, got %s: %s", c->file, bp_plugin_error_to_string (c->code),
              error->domain == BP_PLUGIN_ERROR ? bp_plugin_error_to_string (error->code) : "?",
              error->message);
  if (c->exact)
    assert_string_equal (error->message, c->message);
  else
    assert_has (error->message, c->message);
}

static void
test_each_broken_fixture (void **state)
{
  BpRegistry *reg = builtin_registry ();
  g_autoptr(BpPluginLoader) loader = test_loader (reg);
  g_autofree char *good = fixture ("good");
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const Case *c = &cases[i];
      g_autofree char *path = fixture (c->file);
      g_autoptr(GError) local = NULL;
      const BpPluginRecord *r;

      assert_false (bp_plugin_loader_load_file (loader, path, &local));
      assert_case (c, local);

      /* The record keeps the same error and the step that failed. */
      r = bp_plugin_loader_get_record (loader, bp_plugin_loader_get_n_records (loader) - 1);
      assert_string_equal (r->path, path);
      assert_null (r->desc);
      assert_case (c, r->error);
      if (r->step != c->step)
        fail_msg ("%s: failed in step %s, expected %s", c->file,
                  bp_plugin_step_to_string (r->step), bp_plugin_step_to_string (c->step));

      /* Nothing of it was registered. */
      assert_int_equal (bp_registry_n_plugins (reg), 1);
    }

  /* The host survived every one of them, and a good plugin still loads. */
  assert_true (bp_plugin_loader_load_file (loader, good, &error));
  assert_null (error);
  assert_int_equal (bp_registry_n_plugins (reg), 2);
  assert_non_null (bp_registry_lookup_activation (reg, "bent_identity"));
  assert_non_null (bp_registry_lookup_cost (reg, "sigmoid_mse"));
  assert_non_null (bp_registry_lookup_optimizer (reg, "sign_sgd"));
  assert_string_equal (bp_registry_lookup_provider (reg, "bent_identity")->source, good);
}

static void
test_scan_records_ids (void **state)
{
  g_autoptr(BpPluginLoader) loader = test_loader (builtin_registry ());
  g_autofree char *wrong = fixture ("wrong-derivative");
  const BpPluginRecord *r;

  assert_false (bp_plugin_loader_load_file (loader, wrong, NULL));
  r = bp_plugin_loader_get_record (loader, 0);
  assert_string_equal (r->name, "wrong_derivative");
  assert_string_equal (r->version, "1.0");
  assert_non_null (r->features[0]);
  assert_string_equal (r->features[0], "activation wrong_swish");
  assert_null (r->features[1]);
}

static void
test_not_a_module (void **state)
{
  g_autofree char *dir = new_dir ("not-a-module");
  g_autofree char *bad = g_build_filename (dir, "bad.so", NULL);
  g_autoptr(BpPluginLoader) loader = test_loader (builtin_registry ());
  g_autoptr(GError) error = NULL;

  assert_true (g_file_set_contents (bad, "This is a text file, not a plugin.\n", -1, NULL));
  assert_false (bp_plugin_loader_load_file (loader, bad, &error));
  assert_true (g_error_matches (error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_NOT_A_MODULE));
  assert_string_equal (error->message, "“bad.so” is not a shared object (it has no ELF header)");
  assert_int_equal (bp_plugin_loader_get_record (loader, 0)->step, BP_PLUGIN_STEP_FILE);
  /* Told apart in the host: no child was needed. */
  assert_int_equal (bp_plugin_loader_get_n_scans (loader), 0);
}

/* chmod 000 does not stop root (CI runs as root), so a directory and a
 * dangling symbolic link with plugin names stand in for unreadable files
 * there; as another user the chmod 000 file is tested as well. */
static void
test_unreadable (void **state)
{
  g_autofree char *dir = new_dir ("unreadable");
  g_autofree char *as_dir = g_build_filename (dir, "a-directory.so", NULL);
  g_autofree char *dangling = g_build_filename (dir, "dangling.so", NULL);
  g_autofree char *target = g_build_filename (dir, "gone", "nothing.so", NULL);
  g_autofree char *locked = NULL;
  g_autoptr(BpPluginLoader) loader = test_loader (builtin_registry ());
  g_autoptr(GPtrArray) refused = NULL;
  gboolean root = geteuid () == 0;
  GError *error = NULL;

  assert_int_equal (g_mkdir (as_dir, 0755), 0);
  assert_int_equal (symlink (target, dangling), 0);
  if (!root)
    {
      locked = copy_fixture ("good", dir, "locked");
      assert_int_equal (g_chmod (locked, 0), 0);
    }

  assert_false (bp_plugin_loader_load_file (loader, as_dir, &error));
  assert_true (g_error_matches (error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_UNREADABLE));
  assert_string_equal (error->message, "“a-directory.so” is a directory, not a plugin file");
  g_clear_error (&error);

  assert_false (bp_plugin_loader_load_file (loader, dangling, &error));
  assert_true (g_error_matches (error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_UNREADABLE));
  assert_string_equal (error->message, "“dangling.so” is a dangling symbolic link");
  g_clear_error (&error);

  if (!root)
    {
      assert_false (bp_plugin_loader_load_file (loader, locked, &error));
      assert_true (g_error_matches (error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_UNREADABLE));
      assert_string_equal (error->message, "“locked.so” cannot be read: Permission denied");
      g_clear_error (&error);
    }

  /* The same through the search path: candidates by name, refused by the
   * file step. */
  {
    g_autoptr(BpPluginLoader) all = test_loader (builtin_registry ());

    bp_plugin_loader_add_search_path (all, dir);
    assert_true (bp_plugin_loader_load_all (all, NULL));
    refused = bp_plugin_loader_list_refused (all);
    assert_int_equal (refused->len, root ? 2 : 3);
    for (guint i = 0; i < refused->len; i++)
      {
        const BpPluginRecord *r = g_ptr_array_index (refused, i);

        assert_true (g_error_matches (r->error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_UNREADABLE));
      }
    assert_int_equal (bp_plugin_loader_get_n_scans (all), 0);
  }
}

/* ---------------------------------------------- one directory, all of them */

static void
test_load_all_survives_everything (void **state)
{
  g_autofree char *dir = new_dir ("everything");
  g_autofree char *bad = g_build_filename (dir, "bad.so", NULL);
  BpRegistry *reg = builtin_registry ();
  g_autoptr(BpPluginLoader) loader = test_loader (reg);
  g_autoptr(GPtrArray) loaded = NULL;
  g_autoptr(GPtrArray) refused = NULL;
  g_autofree char *why = NULL;
  g_autofree char *dup_a = NULL;
  g_autofree char *expected = NULL;
  const BpPluginRecord *r;
  const char *provider;

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    g_free (copy_fixture (cases[i].file, dir, NULL));
  g_free (copy_fixture ("good", dir, NULL));
  g_free (copy_fixture ("alt", dir, NULL));
  g_free (copy_fixture ("dup-b", dir, NULL));
  dup_a = copy_fixture ("dup-a", dir, NULL);
  assert_true (g_file_set_contents (bad, "not a plugin", -1, NULL));

  bp_plugin_loader_add_search_path (loader, dir);
  assert_true (bp_plugin_loader_load_all (loader, NULL));

  loaded = bp_plugin_loader_list_loaded (loader);
  refused = bp_plugin_loader_list_refused (loader);
  /* In name order: alt, dup-a, good. */
  assert_int_equal (loaded->len, 3);
  assert_int_equal (refused->len, G_N_ELEMENTS (cases) + 2);  /* + bad.so, dup-b.so */
  assert_string_equal (((const BpPluginRecord *) g_ptr_array_index (loaded, 0))->name, "loader_alt");
  assert_string_equal (((const BpPluginRecord *) g_ptr_array_index (loaded, 1))->name, "dup_a");
  assert_string_equal (((const BpPluginRecord *) g_ptr_array_index (loaded, 2))->name, "loader_good");
  assert_int_equal (bp_registry_n_plugins (reg), 4);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *base = g_strdup_printf ("%s.so", cases[i].file);

      r = record_of (loader, base);
      assert_case (&cases[i], r->error);
      assert_int_equal (r->step, cases[i].step);
    }

  /* Two plugins with one id: the first (by name) wins, the second is refused
   * when it is registered, naming the first. */
  r = record_of (loader, "dup-b.so");
  assert_true (g_error_matches (r->error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_DUPLICATE_ID));
  expected = g_strdup_printf ("plugin “dup_b”: id “twin” is already provided by plugin "
                              "“dup_a” (%s)", dup_a);
  assert_string_equal (r->error->message, expected);
  assert_int_equal (r->step, BP_PLUGIN_STEP_IDS);
  assert_true (bp_registry_lookup_activation (reg, "twin")->f (3.0, NULL) == 3.0);

  r = record_of (loader, "bad.so");
  assert_true (g_error_matches (r->error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_NOT_A_MODULE));

  /* A model that needs a feature of a refused plugin can say why. */
  provider = bp_plugin_loader_find_provider_of (loader, "wrong_swish");
  assert_non_null (provider);
  assert_true (g_str_has_suffix (provider, "/wrong-derivative.so"));
  why = bp_plugin_loader_explain_missing (loader, "wrong_swish");
  assert_non_null (why);
  assert_true (g_str_has_prefix (why, "activation “wrong_swish” is not available: it is "
                                 "provided by plugin wrong-derivative.so, which was refused: "
                                 "plugin “wrong_derivative”: activation “wrong_swish”: f′("));
  assert_null (bp_plugin_loader_find_provider_of (loader, "bent_identity"));
  assert_null (bp_plugin_loader_find_provider_of (loader, "no_such_id"));
  assert_null (bp_plugin_loader_explain_missing (loader, "no_such_id"));
}

/* ------------------------------------------------------ first name wins */

static void
test_first_name_wins (void **state)
{
  g_autofree char *dir1 = new_dir ("first/explicit");
  g_autofree char *dir2 = new_dir ("first/env");
  g_autofree char *user = g_build_filename (g_get_user_data_dir (), "backprop-studio",
                                            "plugins", NULL);
  g_autofree char *cache = g_build_filename (tmp_root, "first", "cache.ini", NULL);
  g_autofree char *p1 = NULL, *p2 = NULL, *p3 = NULL;
  g_auto(GStrv) path = NULL;
  guint n;

  assert_int_equal (g_mkdir_with_parents (user, 0755), 0);
  p1 = copy_fixture ("good", dir1, "same");
  p2 = copy_fixture ("alt", dir2, "same");
  p3 = copy_fixture ("dup-a", user, "same");
  g_setenv ("BACKPROP_PLUGIN_PATH", dir2, TRUE);

  /* The order: explicit, environment, user data, build tree (this test runs
   * uninstalled), installed. */
  {
    g_autoptr(BpPluginLoader) loader = bp_plugin_loader_new (builtin_registry ());

    bp_plugin_loader_add_search_path (loader, dir1);
    path = bp_plugin_loader_get_search_path (loader);
    n = g_strv_length (path);
    assert_int_equal (n, 5);
    assert_string_equal (path[0], dir1);
    assert_string_equal (path[1], dir2);
    assert_string_equal (path[2], user);
    assert_true (bp_plugin_running_uninstalled ());
    assert_string_equal (path[3], BP_BUILD_PLUGINDIR);
    assert_string_equal (path[4], BP_PLUGINDIR);
  }

  /* Explicit before the environment before the user's directory. */
  {
    BpRegistry *reg = builtin_registry ();
    g_autoptr(BpPluginLoader) loader = bp_plugin_loader_new (reg);
    const BpPluginRecord *r;

    bp_plugin_loader_set_cache_file (loader, cache);
    bp_plugin_loader_add_search_path (loader, dir1);
    assert_true (bp_plugin_loader_load_all (loader, NULL));
    r = record_of (loader, "same.so");
    assert_string_equal (r->path, p1);
    assert_non_null (bp_registry_lookup_activation (reg, "bent_identity"));
    assert_null (bp_registry_lookup_activation (reg, "alt_softsign"));
    assert_null (bp_registry_lookup_activation (reg, "twin"));
  }
  {
    BpRegistry *reg = builtin_registry ();
    g_autoptr(BpPluginLoader) loader = bp_plugin_loader_new (reg);

    bp_plugin_loader_set_cache_file (loader, cache);
    assert_true (bp_plugin_loader_load_all (loader, NULL));
    assert_string_equal (record_of (loader, "same.so")->path, p2);
    assert_non_null (bp_registry_lookup_activation (reg, "alt_softsign"));
    assert_null (bp_registry_lookup_activation (reg, "bent_identity"));
  }
  g_unsetenv ("BACKPROP_PLUGIN_PATH");
  {
    BpRegistry *reg = builtin_registry ();
    g_autoptr(BpPluginLoader) loader = bp_plugin_loader_new (reg);

    bp_plugin_loader_set_cache_file (loader, cache);
    assert_true (bp_plugin_loader_load_all (loader, NULL));
    assert_string_equal (record_of (loader, "same.so")->path, p3);
    assert_non_null (bp_registry_lookup_activation (reg, "twin"));
    assert_null (bp_registry_lookup_activation (reg, "alt_softsign"));
  }
  remove_tree (user);
}

static void
test_missing_explicit_dir (void **state)
{
  g_autoptr(BpPluginLoader) loader = test_loader (builtin_registry ());
  g_autofree char *missing = g_build_filename (tmp_root, "no-such-dir", NULL);
  g_autoptr(GError) error = NULL;

  bp_plugin_loader_add_search_path (loader, missing);
  assert_false (bp_plugin_loader_load_all (loader, &error));
  assert_true (g_error_matches (error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_UNREADABLE));
  assert_has (error->message, "cannot read the plugin directory “");
}

/* ------------------------------------------------------------------ cache */

static void
assert_same_outcome (BpPluginLoader *a,
                     BpPluginLoader *b)
{
  assert_int_equal (bp_plugin_loader_get_n_records (a), bp_plugin_loader_get_n_records (b));
  for (guint i = 0; i < bp_plugin_loader_get_n_records (a); i++)
    {
      const BpPluginRecord *ra = bp_plugin_loader_get_record (a, i);
      const BpPluginRecord *rb = bp_plugin_loader_get_record (b, i);

      assert_string_equal (ra->path, rb->path);
      assert_int_equal (ra->desc != NULL, rb->desc != NULL);
      assert_int_equal (ra->step, rb->step);
      assert_int_equal (g_strcmp0 (ra->name, rb->name), 0);  /* both NULL for a crash */
      if (ra->error != NULL)
        {
          assert_int_equal (ra->error->code, rb->error->code);
          assert_string_equal (ra->error->message, rb->error->message);
        }
      assert_int_equal (g_strv_length (ra->features), g_strv_length (rb->features));
    }
}

static BpPluginLoader *
cached_loader (const char *dir,
               const char *cache)
{
  BpPluginLoader *loader = test_loader (builtin_registry ());

  bp_plugin_loader_set_cache_file (loader, cache);
  bp_plugin_loader_add_search_path (loader, dir);
  assert_true (bp_plugin_loader_load_all (loader, NULL));
  return loader;
}

static void
test_cache (void **state)
{
  g_autofree char *dir = new_dir ("cache/plugins");
  g_autofree char *cache = g_build_filename (tmp_root, "cache", "scan.ini", NULL);
  g_autofree char *wrong = NULL, *alt = NULL, *nan = fixture ("nan-derivative");
  g_autoptr(BpPluginLoader) first = NULL;
  g_autoptr(BpPluginLoader) second = NULL;
  g_autoptr(BpPluginLoader) third = NULL;
  g_autoptr(BpPluginLoader) fourth = NULL;
  g_autofree char *data = NULL;
  gsize len;
  const BpPluginRecord *r;
  GStatBuf st;
  struct utimbuf times;

  g_free (copy_fixture ("good", dir, NULL));
  g_free (copy_fixture ("crash-constructor", dir, NULL));
  alt = copy_fixture ("alt", dir, NULL);
  wrong = copy_fixture ("wrong-derivative", dir, NULL);

  /* First time: every file is scanned, and the verdicts are written. */
  first = cached_loader (dir, cache);
  assert_int_equal (bp_plugin_loader_get_n_scans (first), 4);
  assert_false (bp_plugin_loader_get_record (first, 0)->from_cache);
  assert_true (g_file_test (cache, G_FILE_TEST_IS_REGULAR));
  assert_non_null (record_of (first, "good.so")->desc);
  assert_int_equal (record_of (first, "crash-constructor.so")->error->code, BP_PLUGIN_ERROR_CRASH);

  /* Second time: no scanner at all, the same outcome, OK plugins registered. */
  second = cached_loader (dir, cache);
  assert_int_equal (bp_plugin_loader_get_n_scans (second), 0);
  assert_same_outcome (first, second);
  for (guint i = 0; i < bp_plugin_loader_get_n_records (second); i++)
    assert_true (bp_plugin_loader_get_record (second, i)->from_cache);
  assert_non_null (record_of (second, "good.so")->desc);
  assert_non_null (record_of (second, "alt.so")->desc);
  /* The ids a refused plugin had are remembered too. */
  assert_non_null (bp_plugin_loader_find_provider_of (second, "wrong_swish"));

  /* A changed file is scanned again (and only it). */
  assert_true (g_file_get_contents (nan, &data, &len, NULL));
  assert_true (g_file_set_contents (wrong, data, len, NULL));
  third = cached_loader (dir, cache);
  assert_int_equal (bp_plugin_loader_get_n_scans (third), 1);
  r = record_of (third, "wrong-derivative.so");
  assert_false (r->from_cache);
  assert_has (r->error->message, "activation “nan_deriv”: f′(10.25) = NaN");

  /* A new modification time alone is a change too. */
  assert_int_equal (g_stat (alt, &st), 0);
  times.actime = st.st_atime;
  times.modtime = st.st_mtime + 10;
  assert_int_equal (g_utime (alt, &times), 0);
  fourth = cached_loader (dir, cache);
  assert_int_equal (bp_plugin_loader_get_n_scans (fourth), 1);
  assert_false (record_of (fourth, "alt.so")->from_cache);
  assert_non_null (record_of (fourth, "alt.so")->desc);
}

static void
test_scanner_missing (void **state)
{
  g_autofree char *dir = new_dir ("no-scanner");
  g_autofree char *cache = g_build_filename (dir, "scan.ini", NULL);
  g_autofree char *good = fixture ("good");
  g_autoptr(BpPluginLoader) loader = test_loader (builtin_registry ());
  g_autoptr(BpPluginLoader) again = test_loader (builtin_registry ());
  g_autoptr(GError) error = NULL;

  bp_plugin_loader_set_cache_file (loader, cache);
  bp_plugin_loader_set_scanner (loader, "/nonexistent/backprop-plugin-scanner");
  assert_false (bp_plugin_loader_load_file (loader, good, &error));
  assert_true (g_error_matches (error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_SCANNER));
  assert_has (error->message, "the plugin scanner “/nonexistent/backprop-plugin-scanner” "
              "could not be started to check “good.so”");

  /* That verdict is about the scanner, not the plugin: not cached. */
  bp_plugin_loader_set_cache_file (again, cache);
  assert_true (bp_plugin_loader_load_file (again, good, NULL));
  assert_int_equal (bp_plugin_loader_get_n_scans (again), 1);
}

/* ------------------------------------------------------------ scan report */

static void
test_scan_report (void **state)
{
  g_autoptr(BpPluginLoader) loader = test_loader (builtin_registry ());
  g_autofree char *good = fixture ("good");
  g_autofree char *crash = fixture ("crash-constructor");
  g_autofree char *empty = fixture ("empty-id");
  g_autoptr(BpPluginScan) ok = bp_plugin_loader_scan_file (loader, good);
  g_autoptr(BpPluginScan) crashed = bp_plugin_loader_scan_file (loader, crash);
  g_autoptr(BpPluginScan) field = bp_plugin_loader_scan_file (loader, empty);
  const char *const features[] = {
    "activation bent_identity", "activation tempered_softmax", "cost log_cosh",
    "cost sigmoid_mse", "optimizer sign_sgd", NULL
  };

  assert_null (ok->error);
  assert_int_equal (ok->reached, BP_PLUGIN_STEP_NUMERIC);
  assert_string_equal (ok->name, "loader_good");
  assert_string_equal (ok->version, "1.0");
  assert_int_equal (ok->abi_major, BP_PLUGIN_ABI_MAJOR);
  assert_int_equal (ok->abi_minor, BP_PLUGIN_ABI_MINOR);
  assert_true (g_strv_equal ((const char *const *) ok->features, features));

  assert_true (g_error_matches (crashed->error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_CRASH));
  assert_int_equal (crashed->reached, BP_PLUGIN_STEP_OPEN);
  assert_null (crashed->name);

  assert_true (g_error_matches (field->error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_FIELD));
  assert_int_equal (field->reached, BP_PLUGIN_STEP_FIELDS);
  assert_string_equal (field->name, "empty_id");
  assert_null (field->features[0]);

  /* scan_file never registers anything. */
  assert_int_equal (bp_plugin_loader_get_n_records (loader), 0);
  assert_int_equal (bp_plugin_loader_get_n_scans (loader), 3);
}

/* ------------------------------------------------------ shipped plugins */

static void
test_shipped_plugins_load (void **state)
{
  BpRegistry *reg = builtin_registry ();
  g_autoptr(BpPluginLoader) loader = test_loader (reg);
  g_autoptr(GPtrArray) refused = NULL;
  g_autoptr(GPtrArray) loaded = NULL;

  bp_plugin_loader_add_search_path (loader, shipped_dir);
  assert_true (bp_plugin_loader_load_all (loader, NULL));
  refused = bp_plugin_loader_list_refused (loader);
  loaded = bp_plugin_loader_list_loaded (loader);
  for (guint i = 0; i < refused->len; i++)
    {
      const BpPluginRecord *r = g_ptr_array_index (refused, i);

      fail_msg ("%s refused: %s", r->path, r->error->message);
    }
  assert_true (loaded->len >= 1);
  assert_int_equal (bp_registry_n_plugins (reg), loaded->len + 1);
}

/* Files switched off (the app's Preferences) are passed over by load_all,
 * still hide later files of the same name, and load once switched on. */
static void
test_skip (void **state)
{
  BpRegistry *reg = builtin_registry ();
  g_autoptr(BpPluginLoader) loader = test_loader (reg);
  g_autofree char *first = new_dir ("skip-first");
  g_autofree char *second = new_dir ("skip-second");
  g_autofree char *good = copy_fixture ("good", first, NULL);
  g_autofree char *shadow = copy_fixture ("alt", second, "good");
  g_autofree char *alt = copy_fixture ("alt", second, NULL);
  const char *off[] = { "good.so", NULL };

  bp_plugin_loader_add_search_path (loader, first);
  bp_plugin_loader_add_search_path (loader, second);
  bp_plugin_loader_set_skip (loader, off);
  assert_true (bp_plugin_loader_load_all (loader, NULL));
  /* Only alt.so: neither good.so was looked at. */
  assert_int_equal (bp_plugin_loader_get_n_records (loader), 1);
  assert_string_equal (bp_plugin_loader_get_record (loader, 0)->path, alt);
  assert_null (bp_registry_lookup_activation (reg, "bent_identity"));

  /* Switched on: the first good.so loads now, the shadowed one never. */
  bp_plugin_loader_set_skip (loader, NULL);
  assert_true (bp_plugin_loader_load_all (loader, NULL));
  assert_int_equal (bp_plugin_loader_get_n_records (loader), 2);
  assert_string_equal (bp_plugin_loader_get_record (loader, 1)->path, good);
  assert_non_null (bp_registry_lookup_activation (reg, "bent_identity"));
}

/* ----------------------------------------------------- what plugins say */

/* A plugin that prints on stdout while it is opened: nothing reaches the
 * host's fd 1 (where `backprop trace` writes JSON), and the record and the
 * messages say which plugin printed what. */
static void
test_plugin_stdout_kept_off (void **state)
{
  g_autoptr(BpPluginLoader) loader = test_loader (builtin_registry ());
  g_autofree char *path = fixture ("prints-stdout");
  g_autofree char *capture_path = g_build_filename (tmp_root, "stdout.txt", NULL);
  g_autofree char *captured = NULL;
  g_auto(GStrv) messages = NULL;
  g_autoptr(GError) error = NULL;
  const BpPluginRecord *r;
  int saved, capture;

  /* Our fd 1 goes to a file for the load, to see what would have reached
   * the real standard output. */
  fflush (stdout);
  saved = dup (1);
  capture = g_open (capture_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  assert_true (saved >= 0 && capture >= 0);
  assert_true (dup2 (capture, 1) >= 0);
  close (capture);
  assert_true (bp_plugin_loader_load_file (loader, path, &error));
  fflush (stdout);
  dup2 (saved, 1);
  close (saved);

  assert_true (g_file_get_contents (capture_path, &captured, NULL, NULL));
  assert_string_equal (captured, "");
  r = record_of (loader, "prints-stdout.so");
  assert_non_null (r->desc);
  assert_non_null (r->printed);
  assert_has (r->printed, "hello from prints-stdout: loaded\\x0A");
  assert_has (r->printed, "raw write from prints-stdout");
  messages = bp_plugin_loader_take_messages (loader);
  assert_int_equal (g_strv_length (messages), 1);
  assert_has (messages[0], "plugin prints-stdout.so (");
  assert_has (messages[0], "wrote to standard output while it was loaded");
  /* Said once. */
  g_strfreev (g_steal_pointer (&messages));
  messages = bp_plugin_loader_take_messages (loader);
  assert_int_equal (g_strv_length (messages), 0);
}

/* An id of 10 000 bytes that are not UTF-8: refused, and the message is
 * valid UTF-8, escapes the bytes and is short. */
static void
test_bad_id_escaped_and_cut (void **state)
{
  g_autoptr(BpPluginLoader) loader = test_loader (builtin_registry ());
  g_autofree char *path = fixture ("bad-utf8-id");
  g_autoptr(GError) error = NULL;

  assert_false (bp_plugin_loader_load_file (loader, path, &error));
  assert_true (g_error_matches (error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_FIELD));
  assert_true (g_utf8_validate (error->message, -1, NULL));
  assert_has (error->message, "plugin “bad_utf8_id”: activation id “bad\\xFF\\xFE\\x01idxxx");
  assert_has (error->message, "… (10000 bytes)” is not a valid id");
  assert_true (strlen (error->message) < 400);
}

/* A plugin directory that cannot be read says so in the same way whether
 * it came from the loader's own path (--plugin-path) or from
 * $BACKPROP_PLUGIN_PATH; the other directories still load. */
static void
test_unreadable_dirs_warn_alike (void **state)
{
  g_autoptr(BpPluginLoader) loader = bp_plugin_loader_new (builtin_registry ());
  g_autofree char *good_dir = new_dir ("warn-good");
  g_autofree char *good = copy_fixture ("good", good_dir, NULL);
  /* A file where a directory should be: unreadable as a directory even for
   * root, whom a mode of 000 does not stop. */
  g_autofree char *not_dir_a = g_build_filename (tmp_root, "not-a-dir-a", NULL);
  g_autofree char *not_dir_b = g_build_filename (tmp_root, "not-a-dir-b", NULL);
  g_autofree char *env = NULL;
  g_autoptr(GError) error = NULL;
  const char * const *warnings;
  g_auto(GStrv) messages = NULL;

  assert_true (g_file_set_contents (not_dir_a, "", 0, NULL));
  assert_true (g_file_set_contents (not_dir_b, "", 0, NULL));
  env = g_strjoin (G_SEARCHPATH_SEPARATOR_S, not_dir_b, good_dir, NULL);
  g_setenv ("BACKPROP_PLUGIN_PATH", env, TRUE);
  bp_plugin_loader_set_cache_file (loader, NULL);
  bp_plugin_loader_add_search_path (loader, not_dir_a);

  assert_false (bp_plugin_loader_load_all (loader, &error));
  g_unsetenv ("BACKPROP_PLUGIN_PATH");
  assert_true (g_error_matches (error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_UNREADABLE));
  warnings = bp_plugin_loader_get_warnings (loader);
  assert_int_equal (g_strv_length ((char **) warnings), 2);
  {
    g_autofree char *a = g_strdup_printf ("cannot read the plugin directory “%s” (from "
                                          "--plugin-path): Not a directory; its plugins are "
                                          "not loaded", not_dir_a);
    g_autofree char *b = g_strdup_printf ("cannot read the plugin directory “%s” (from "
                                          "$BACKPROP_PLUGIN_PATH): Not a directory; its plugins "
                                          "are not loaded", not_dir_b);

    assert_string_equal (warnings[0], a);
    assert_string_equal (warnings[1], b);
    assert_string_equal (error->message, a);
  }
  /* The readable directory after them was loaded all the same. */
  assert_non_null (record_of (loader, "good.so")->desc);
  messages = bp_plugin_loader_take_messages (loader);
  assert_int_equal (g_strv_length (messages), 2);
}

/* An optimizer plugin that passes the check, then makes a weight NaN at
 * step 1001: training stops there, the message names the plugin's update
 * step (not the learning rate), and the network keeps step 1000. */
static void
test_plugin_optimizer_fault_named (void **state)
{
  static const char json[] =
    "{ \"format\": \"backprop-model/1\", \"seed\": 3, \"cost\": \"mse\",\n"
    "  \"layers\": [ { \"in\": 2, \"out\": 2, \"activation\": \"tanh\" },\n"
    "              { \"in\": 2, \"out\": 1, \"activation\": \"sigmoid\" } ],\n"
    "  \"optimizer\": { \"id\": \"sgd_nan_later\", \"lr\": 0.1 },\n"
    "  \"inputs\": [[0, 0], [0, 1], [1, 0], [1, 1]], \"targets\": [[0], [1], [1], [0]] }\n";
  /* The default registry: the trainer names providers from there. */
  g_autoptr(BpPluginLoader) loader = bp_plugin_loader_new (NULL);
  g_autofree char *path = fixture ("nan-later-optimizer");
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) model = NULL;
  g_autofree double *before = NULL;

  bp_plugin_loader_set_use_default_path (loader, FALSE);
  bp_plugin_loader_set_cache_file (loader, NULL);
  assert_true (bp_plugin_loader_load_file (loader, path, &error));
  model = bp_model_load_data (json, -1, "nan.json", NULL, &error);
  assert_non_null (model);

  assert_true (bp_train_steps_on_batch (model->network, model->optimizer, model->inputs,
                                        model->targets, model->n_samples, 1000, &error));
  before = g_memdup2 (model->network->params, model->network->n_params * sizeof (double));
  assert_false (bp_train_steps_on_batch (model->network, model->optimizer, model->inputs,
                                         model->targets, model->n_samples, 1, &error));
  assert_true (g_error_matches (error, BP_TRAIN_ERROR, BP_TRAIN_ERROR_NUMERIC));
  assert_has (error->message, "W(1)[1,1] NaN");
  assert_has (error->message, "The update step of optimizer “sgd_nan_later” from plugin "
                              "nan-later-optimizer.so made it from finite weights and gradients: "
                              "the plugin is at fault.");
  if (strstr (error->message, "learning rate") != NULL)
    fail_msg ("blames the learning rate: %s", error->message);
  /* The good steps are kept: the weights and the step count of step 1000. */
  assert_int_equal (model->optimizer->t, 1000);
  assert_memory_equal (before, model->network->params,
                       model->network->n_params * sizeof (double));
}

/* ---------------------------------------------------------------- models */

static void
test_model_names_ids_not_paths (void **state)
{
  static const char json[] =
    "{ \"format\": \"backprop-model/1\",\n"
    "  \"layers\": [ { \"in\": 2, \"out\": 1,\n"
    "                \"activation\": \"/usr/lib/backprop-studio/plugins/bp-swish.so\" } ] }\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) model = bp_model_load_data (json, -1, "model.json", NULL, &error);

  assert_null (model);
  assert_true (g_error_matches (error, BP_MODEL_ERROR, BP_MODEL_ERROR_UNKNOWN_ID));
  assert_has (error->message, "model.json: layer 1 (layers[0].activation in the file): unknown activation");
  assert_has (error->message, "ids are names, never paths");
}

/* The loader's own time-out wins over BACKPROP_PLUGIN_SCAN_TIMEOUT (2 s
 * here), and ≤ 0 gives the default back: loop-forever.so is stopped at the
 * time set, which its message names. */
static void
test_scan_timeout_setter (void **state)
{
  BpRegistry *reg = builtin_registry ();
  g_autoptr(BpPluginLoader) loader = test_loader (reg);
  g_autofree char *path = fixture ("loop-forever");

  assert_string_equal (g_getenv ("BACKPROP_PLUGIN_SCAN_TIMEOUT"), "2");

  bp_plugin_loader_set_scan_timeout (loader, 0.5);
  {
    g_autoptr(GError) error = NULL;

    assert_false (bp_plugin_loader_load_file (loader, path, &error));
    assert_true (g_error_matches (error, BP_PLUGIN_ERROR, BP_PLUGIN_ERROR_TIMEOUT));
    assert_has (error->message, "did not finish its check within 0.5 s");
  }

  /* ≤ 0: back to the environment's value. */
  bp_plugin_loader_set_scan_timeout (loader, -1);
  {
    g_autoptr(BpPluginLoader) again = test_loader (builtin_registry ());
    g_autoptr(GError) error = NULL;

    bp_plugin_loader_set_scan_timeout (again, 0);
    assert_false (bp_plugin_loader_load_file (again, path, &error));
    assert_has (error->message, "did not finish its check within 2 s");
  }
}

/* Error codes travel from the scanner to the host by name. */
static void
test_error_names (void **state)
{
  static const char *const unknown[] = { "", "open", "OPEN ", "TIMEOUTS", "NUMERIC\n", "UNKNOWN" };

  for (int c = BP_PLUGIN_ERROR_OPEN; c <= BP_PLUGIN_ERROR_SCANNER; c++)
    {
      BpPluginError code = (BpPluginError) -1;
      const char *name = bp_plugin_error_to_string (c);

      assert_true (bp_plugin_error_from_string (name, &code));
      assert_int_equal (code, c);
    }
  assert_string_equal (bp_plugin_error_to_string (BP_PLUGIN_ERROR_DUPLICATE_ID), "DUPLICATE_ID");
  assert_string_equal (bp_plugin_error_to_string (BP_PLUGIN_ERROR_NOT_A_MODULE), "NOT_A_MODULE");
  for (gsize i = 0; i < G_N_ELEMENTS (unknown); i++)
    {
      BpPluginError code = BP_PLUGIN_ERROR_CRASH;

      assert_false (bp_plugin_error_from_string (unknown[i], &code));
      /* A name not known leaves the code as it was. */
      assert_int_equal (code, BP_PLUGIN_ERROR_CRASH);
    }
  {
    BpPluginError code = BP_PLUGIN_ERROR_CRASH;

    assert_false (bp_plugin_error_from_string (NULL, &code));
    assert_int_equal (code, BP_PLUGIN_ERROR_CRASH);
  }
}

/* Plugin ABI 1.1: an optimizer built against the 1.0 header (no explain)
 * loads, and its state arrays are shown by name with their values; one
 * built against 1.1 explains its step, and the terms add up to it. */
static void
test_optimizer_state_old_and_new (void **state)
{
  BpRegistry *reg = builtin_registry ();
  g_autoptr(BpPluginLoader) loader = test_loader (reg);
  g_autofree char *old = fixture ("abi-1-0");
  g_autofree char *good = fixture ("good");
  g_autoptr(GError) error = NULL;
  g_autoptr(BpOptimizer) om = NULL;
  g_autoptr(BpOptimizer) sign = NULL;
  BpOptimizerStepView view;
  double p[2] = { 1.0, -2.0 }, g[2] = { 0.5, -4.0 }, before;

  assert_true (bp_plugin_loader_load_file (loader, old, &error));
  assert_null (error);
  assert_int_equal (record_of (loader, "abi-1-0." G_MODULE_SUFFIX)->desc->abi_minor, 0);
  assert_true (bp_plugin_loader_load_file (loader, good, &error));

  om = bp_optimizer_new (reg, "old_momentum", 2, &error);
  assert_non_null (om);
  assert_null (om->desc->explain);
  bp_optimizer_step (om, p, g);
  bp_optimizer_step (om, p, g);
  /* v = 0.9·0.5 + 0.5 = 0.95 after two steps. */
  assert_false (bp_optimizer_explain (om, p, g, 0, &view));
  assert_int_equal (view.n_slots, 1);
  assert_string_equal (view.slot_names[0], "velocity");
  assert_true (view.slots[0] == om->state_views[0][0]);
  assert_true (fabs (view.slots[0] - 0.95) < 1e-15);
  assert_int_equal (view.ex.n_terms, 0);
  assert_int_equal (view.ex.n_derived, 0);

  sign = bp_optimizer_new (reg, "sign_sgd", 2, &error);
  assert_non_null (sign);
  assert_true (bp_optimizer_explain (sign, p, g, 1, &view));
  assert_string_equal (view.slot_names[0], "count");
  assert_string_equal (view.ex.terms[0].name, "sign step");
  before = p[1];
  bp_optimizer_step (sign, p, g);
  assert_true (fabs (view.sum - (p[1] - before)) <= 1e-15 * fabs (before));
  assert_true (view.ex.derived[0].value == sign->state_views[0][1]);
}

int
main (int    argc,
      char **argv)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_each_broken_fixture),
    cmocka_unit_test (test_scan_records_ids),
    cmocka_unit_test (test_not_a_module),
    cmocka_unit_test (test_unreadable),
    cmocka_unit_test (test_load_all_survives_everything),
    cmocka_unit_test (test_first_name_wins),
    cmocka_unit_test (test_missing_explicit_dir),
    cmocka_unit_test (test_cache),
    cmocka_unit_test (test_scanner_missing),
    cmocka_unit_test (test_scan_report),
    cmocka_unit_test (test_shipped_plugins_load),
    cmocka_unit_test (test_model_names_ids_not_paths),
    cmocka_unit_test (test_skip),
    cmocka_unit_test (test_plugin_stdout_kept_off),
    cmocka_unit_test (test_bad_id_escaped_and_cut),
    cmocka_unit_test (test_unreadable_dirs_warn_alike),
    cmocka_unit_test (test_plugin_optimizer_fault_named),
    cmocka_unit_test (test_scan_timeout_setter),
    cmocka_unit_test (test_error_names),
    cmocka_unit_test (test_optimizer_state_old_and_new),
  };
  g_autofree char *data_home = NULL, *cache_home = NULL;
  int status;

  fixture_dir = g_getenv ("BACKPROP_LOADER_FIXTURES");
  if (fixture_dir == NULL || g_getenv ("BACKPROP_PLUGIN_SCANNER") == NULL
      || g_getenv ("BACKPROP_BUILD_DIR") == NULL)
    {
      fprintf (stderr, "test-loader: run it with meson test (BACKPROP_LOADER_FIXTURES, "
               "BACKPROP_PLUGIN_SCANNER and BACKPROP_BUILD_DIR must be set)\n");
      return 1;
    }
  shipped_dir = g_build_filename (g_getenv ("BACKPROP_BUILD_DIR"), "plugins", NULL);

  /* Before anything asks GLib for the user directories: they are cached. */
  tmp_root = g_dir_make_tmp ("backprop-loader-XXXXXX", NULL);
  data_home = g_build_filename (tmp_root, "xdg-data", NULL);
  cache_home = g_build_filename (tmp_root, "xdg-cache", NULL);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_setenv ("XDG_CACHE_HOME", cache_home, TRUE);
  g_unsetenv ("BACKPROP_PLUGIN_PATH");
  registries = g_ptr_array_new_with_free_func ((GDestroyNotify) bp_registry_free);

  status = cmocka_run_group_tests (tests, NULL, NULL);
  g_ptr_array_unref (registries);
  remove_tree (tmp_root);
  g_free (tmp_root);
  g_free (shipped_dir);
  return status;
}
