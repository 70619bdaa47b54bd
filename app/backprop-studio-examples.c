/* backprop-studio-examples.c — the examples (see backprop-studio-examples.h). */
#include "config.h"
#include "backprop-studio-examples.h"

#include <glib/gi18n.h>

#include "bp-dataset.h"

static const struct
{
  const char *id;
  const char *label;
} examples[] = {
  { "one-neuron", N_("One Neuron") },
  { "three-layers", N_("Three Small Layers") },
  { "chain-rule", N_("The Chain Rule: Two Neurons") },
  { "xor", N_("XOR") },
  { "spirals-sigmoid", N_("Spirals with Sigmoid (vanishing gradients)") },
  { "spirals-relu", N_("Spirals with ReLU") },
  { "dead-relu", N_("Dead ReLUs") },
  { "deep-sigmoid", N_("A Deep Sigmoid Network") },
  { "deep-sigmoid-skips", N_("A Deep Sigmoid Network with Skip Connections") },
  { "deep-sigmoid-batchnorm", N_("A Deep Sigmoid Network with Batch Norm") },
  { "dropout", N_("Dropout against Overfitting") },
  { "iris", N_("Iris") },
  { "digits", N_("Handwritten Digits") },
};

/* The example whose explanation walks through the chain rule step by step. */
#define WALKTHROUGH_EXAMPLE "chain-rule"

GMenuModel *
backprop_studio_examples_menu_new (void)
{
  GMenu *menu = g_menu_new ();

  for (guint i = 0; i < G_N_ELEMENTS (examples); i++)
    {
      GMenuItem *item = g_menu_item_new (_(examples[i].label), NULL);

      g_menu_item_set_action_and_target_value (item, "app.open-example",
                                               g_variant_new_string (examples[i].id));
      g_menu_append_item (menu, item);
      g_object_unref (item);
    }
  return G_MENU_MODEL (menu);
}

BpModel *
backprop_studio_examples_load (const char  *id,
                               GError     **error)
{
  const char *dir = bp_data_dir ();
  g_autofree char *name = g_strdup_printf ("%s.bpmodel.json", id);
  g_autofree char *path = NULL;
  g_autoptr(GError) local_error = NULL;
  BpModel *model = NULL;

  g_return_val_if_fail (id != NULL, NULL);

  if (dir != NULL)
    path = g_build_filename (dir, "examples", name, NULL);
  if (path != NULL)
    model = bp_model_load_file (path, NULL, &local_error);
  if (model == NULL)
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                 _("The example “%s” is not there: %s"), id,
                 local_error != NULL ? local_error->message : _("no data directory"));
  return model;
}

gboolean
backprop_studio_examples_is_walkthrough (const char *id)
{
  return g_str_equal (id, WALKTHROUGH_EXAMPLE);
}
