/* test-pass.h — one forward and backward pass on tests/cli/layers.json
 * (dense, batch norm, a skip from a(1), layer norm, dropout with a fixed
 * mask, a skip from the input; B = 3), which the chain-rule and the
 * expression tests both check every number of.  Include after <cmocka.h>.
 */
#pragma once

#include <glib.h>

#include "bp-model.h"
#include "bp-network.h"

typedef struct
{
  BpModel   *model;  /* NULL for a network built in the test */
  BpNetwork *net;
  BpTrace   *trace;
} Pass;

/* The model's inputs and targets through the network in `eval` mode or
 * training mode; the test fails if the file does not load. */
static inline void
pass_layers_json (Pass     *p,
                  gboolean  eval)
{
  g_autoptr(GError) error = NULL;
  const char *src = g_getenv ("BACKPROP_SOURCE_DIR");
  g_autofree char *path = g_build_filename (src != NULL ? src : ".", "tests", "cli", "layers.json",
                                            NULL);

  p->model = bp_model_load_file (path, NULL, &error);
  if (p->model == NULL)
    fail_msg ("%s: %s", path, error->message);
  p->net = p->model->network;
  p->net->eval = eval;
  p->trace = bp_trace_new (p->net, p->model->n_samples);
  bp_network_gradients (p->net, p->trace, p->model->inputs, p->model->targets,
                        p->model->n_samples);
}
