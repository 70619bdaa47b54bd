/* test-examples.h — the shipped examples (data/examples/ID.bpmodel.json,
 * under BACKPROP_DATA_DIR) for the tests that start from one.  Include
 * after <cmocka.h>.
 */
#pragma once

#include <glib.h>

#include "bp-model.h"

/* The path of example `id` (free with g_free). */
static inline char *
test_example_path (const char *id)
{
  const char *dir = g_getenv ("BACKPROP_DATA_DIR");
  g_autofree char *name = g_strconcat (id, ".bpmodel.json", NULL);

  return g_build_filename (dir != NULL ? dir : "data", "examples", name, NULL);
}

/* The model of example `id` (the caller frees it); fails the test if it
 * cannot be loaded. */
static inline BpModel *
test_example_model (const char *id)
{
  g_autofree char *path = test_example_path (id);
  g_autoptr(GError) error = NULL;
  BpModel *model = bp_model_load_file (path, NULL, &error);

  if (model == NULL)
    fail_msg ("%s: %s", path, error->message);
  return model;
}
