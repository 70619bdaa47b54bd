/* test-window-edit.c — the window's edits: the actions the palette and the
 * canvas ask for, undo and redo with the menu and buttons that name them,
 * the actions the shortcut table names, a CSV opened as the dataset, the
 * palette's items, and the unsaved-changes question (see test-window.h).
 */
#include "config.h"

#include "test-window.h"

#include "bpv-trainer-thread.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "bp-edit.h"
#include "bp-model.h"
#include "bp-registry.h"
#include "bpv-inspector.h"
#include "bpv-network-view.h"
#include "bpv-shortcuts.h"
#include "bpv-window.h"

/* ------------------------------------------------------------ editing */

static void
activate_with (Fixture    *f,
               const char *action,
               GVariant   *parameter)
{
  g_action_group_activate_action (G_ACTION_GROUP (f->window), action, parameter);
}

/* The edits the palette and the canvas ask for, undo and redo, and the
 * title's unsaved-changes mark. */
void
test_edit_actions (void **state)
{
  Fixture *f = *state;
  const BpNetwork *net;

  assert_string_equal (gtk_window_get_title (GTK_WINDOW (f->window)), "Backprop Studio");
  assert_false (enabled (f, "undo"));
  activate_with (f, "edit-insert", g_variant_new ("(us)", 1, "relu"));
  net = bpv_session_get_network (f->session);
  assert_int_equal (net->n_layers, 4);
  assert_string_equal (net->layers[1].act_id, "relu");
  assert_true (enabled (f, "undo"));
  assert_string_equal (gtk_window_get_title (GTK_WINDOW (f->window)),
                       "• Untitled — Backprop Studio");
  assert_true (spin_until (five_columns, view_of (f), 60));
  /* Screen readers hear the new layer: the canvas's accessible label and
   * description follow the edit. */
  {
    g_autofree char *description = bpv_network_view_describe (view_of (f));
    g_autofree char *wrong = NULL;

    assert_non_null (strstr (description, "Layer 2, a(2) = relu(z(2)): 8 units."));
    assert_non_null (strstr (description, "Output layer 4, a(4) = sigmoid(z(4)): 1 unit."));
    wrong = gtk_test_accessible_check_property (GTK_ACCESSIBLE (view_of (f)),
                                                GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description);
    if (wrong != NULL)
      fail_msg ("accessible description: %s", wrong);
    g_clear_pointer (&wrong, g_free);
    wrong = gtk_test_accessible_check_property (GTK_ACCESSIBLE (view_of (f)),
                                                GTK_ACCESSIBLE_PROPERTY_LABEL, "Network 2–8–8–8–1");
    if (wrong != NULL)
      fail_msg ("accessible label: %s", wrong);
  }

  activate_with (f, "edit-activation", g_variant_new ("(us)", 0, "sigmoid"));
  assert_string_equal (bpv_session_get_network (f->session)->layers[0].act_id, "sigmoid");
  activate_with (f, "edit-width", g_variant_new ("(ui)", 0, 1));
  assert_int_equal (bpv_session_get_network (f->session)->layers[0].out, 9);
  activate_with (f, "edit-move", g_variant_new ("(uu)", 1, 0));
  assert_string_equal (bpv_session_get_network (f->session)->layers[0].act_id, "relu");
  activate_with (f, "edit-cost", g_variant_new_string ("mse"));
  assert_string_equal (bpv_session_get_network (f->session)->cost_id, "mse");

  for (int i = 0; i < 5; i++)
    activate (f, "undo");
  net = bpv_session_get_network (f->session);
  assert_int_equal (net->n_layers, 3);
  assert_false (enabled (f, "undo"));
  assert_true (enabled (f, "redo"));
  assert_string_equal (gtk_window_get_title (GTK_WINDOW (f->window)), "Backprop Studio");
  activate (f, "redo");
  assert_int_equal (bpv_session_get_network (f->session)->n_layers, 4);

  /* The keyboard's edits act on the selected layer: none selected, the
   * last hidden one. */
  activate (f, "insert-layer-after");
  assert_int_equal (bpv_session_get_network (f->session)->n_layers, 5);
  activate (f, "add-unit");
  assert_int_equal (bpv_session_get_network (f->session)->layers[3].out, 9);
  activate (f, "remove-layer");
  assert_int_equal (bpv_session_get_network (f->session)->n_layers, 4);
  /* The output layer cannot go: the data fixes it. */
  {
    BpvHit out = { BPV_HIT_NEURON, 4, 0, 0 };

    bpv_session_set_selection (f->session, &out);
    assert_false (enabled (f, "remove-layer"));
  }
}

static void
count_items_changed (GMenuModel *model,
                     int         position,
                     int         removed,
                     int         added,
                     guint      *count)
{
  (*count)++;
}

static char *
menu_label (GMenuModel *menu,
            int         i)
{
  char *label = NULL;

  assert_true (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_LABEL, "s", &label));
  return label;
}

/* The main menu's Undo and Redo name the step.  Their section changes
 * when a label does, not with every frame of training: each change makes
 * the menu's popover build new buttons, and the 30-minute app soak grew
 * with them. */
void
test_undo_menu_follows_labels (void **state)
{
  Fixture *f = *state;
  GMenuModel *section = G_MENU_MODEL (template_child (f, "edit_section"));
  guint changes = 0, values = 0;
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  gulong changed_id, values_id;

  assert_int_equal (g_menu_model_get_n_items (section), 2);
  changed_id = g_signal_connect (section, "items-changed", G_CALLBACK (count_items_changed), &changes);
  values_id = g_signal_connect (f->session, "values-changed", G_CALLBACK (count_signal), &values);

  /* Frames of training: the labels stay, so does the section. */
  assert_true (bpv_session_play (f->session, NULL));
  while (values < 40 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  assert_true (values >= 40);
  print_message ("%u frames of values while training, %u changes of the undo section\n", values, changes);
  assert_int_equal (changes, 0);
  bpv_session_pause (f->session);
  assert_true (spin_until (not_running, f->session, 30));
  spin (0.1);
  /* The run is a step to undo, and the menu says so. */
  {
    g_autofree char *undo = menu_label (section, 0);

    if (!g_str_has_prefix (undo, "_Undo Train "))
      fail_msg ("the undo item after a run: %s", undo);
  }

  /* Many edits: still the two items, naming the last step. */
  for (int i = 0; i < 60; i++)
    activate_with (f, "edit-width", g_variant_new ("(ui)", 0, i % 2 == 0 ? 1 : -1));
  activate (f, "undo");
  assert_int_equal (g_menu_model_get_n_items (section), 2);
  {
    g_autofree char *undo = menu_label (section, 0);
    g_autofree char *redo = menu_label (section, 1);
    g_autofree char *want_undo = g_strdup_printf ("_Undo %s", bp_edit_undo_label (bpv_session_get_history (f->session)));
    g_autofree char *want_redo = g_strdup_printf ("_Redo %s", bp_edit_redo_label (bpv_session_get_history (f->session)));

    assert_string_equal (undo, want_undo);
    assert_string_equal (redo, want_redo);
  }
  /* The palette's buttons (template children) name the same steps. */
  {
    GtkWidget *undo = GTK_WIDGET (template_child (f, "undo_button"));
    GtkWidget *redo = GTK_WIDGET (template_child (f, "redo_button"));
    g_autofree char *want_undo = g_strdup_printf ("Undo %s (Ctrl+Z)", bp_edit_undo_label (bpv_session_get_history (f->session)));
    g_autofree char *want_redo = g_strdup_printf ("Redo %s (Ctrl+Shift+Z)", bp_edit_redo_label (bpv_session_get_history (f->session)));

    assert_string_equal (gtk_widget_get_tooltip_text (undo), want_undo);
    assert_string_equal (gtk_widget_get_tooltip_text (redo), want_redo);
  }
  g_signal_handler_disconnect (f->session, values_id);
  g_signal_handler_disconnect (section, changed_id);
}

/* Every window action the shortcut table names exists, so a key in the
 * table (and the help overlay) does something. */
void
test_shortcut_actions_exist (void **state)
{
  Fixture *f = *state;
  gsize n = 0;
  const BpvShortcut *table = bpv_shortcuts_get (&n);
  guint checked = 0;

  for (gsize i = 0; i < n; i++)
    {
      /* GtkApplicationWindow adds win.show-help-overlay for an application
       * with a help overlay; this window has no application. */
      if (table[i].action == NULL || !g_str_has_prefix (table[i].action, "win.")
          || g_str_equal (table[i].action, "win.show-help-overlay"))
        continue;
      if (!g_action_group_has_action (G_ACTION_GROUP (f->window), table[i].action + strlen ("win.")))
        fail_msg ("the shortcut table names %s, which the window does not have", table[i].action);
      checked++;
    }
  assert_true (checked >= 25);
}

/* A CSV given to the window (as a dropped file or the Open dialog give
 * it, through bpv_window_open_file) becomes the dataset; undo goes back. */
void
test_open_csv_file (void **state)
{
  Fixture *f = *state;
  const char *dir = g_getenv ("BACKPROP_DATA_DIR");
  g_autofree char *path = g_build_filename (dir != NULL ? dir : BP_SOURCE_DATADIR, "iris.csv", NULL);

  activate_with (f, "open-file", g_variant_new_string (path));
  assert_string_equal (bpv_session_get_model (f->session)->dataset, path);
  assert_int_equal (bpv_session_get_network (f->session)->n_inputs, 4);
  assert_int_equal (bpv_session_get_network (f->session)->layers[2].out, 3);
  assert_int_equal (bpv_session_get_train (f->session)->n_features, 4);
  activate (f, "undo");
  assert_int_equal (bpv_session_get_network (f->session)->n_inputs, 2);
  assert_string_equal (bpv_session_get_dataset (f->session)->name, "moons");
}

/* A dense-layer item per registered activation, with its formula. */
void
test_palette (void **state)
{
  Fixture *f = *state;
  GtkWidget *box = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (f->window),
                                                              BPV_TYPE_WINDOW, "palette_box"));
  guint n_acts = 0, layers = 0, costs = 0;
  const char **ids = bp_registry_list_ids (bp_registry_get_default (), BP_FEATURE_ACTIVATION, &n_acts);
  gboolean tanh_formula = FALSE;

  g_free (ids);
  assert_non_null (box);
  for (GtkWidget *item = gtk_widget_get_first_child (box); item != NULL;
       item = gtk_widget_get_next_sibling (item))
    {
      const char *what = g_object_get_data (G_OBJECT (item), "bpv-drag");

      if (what == NULL)
        continue;
      layers += g_str_has_prefix (what, "layer:");
      costs += g_str_has_prefix (what, "cost:");
      if (g_str_equal (what, "layer:tanh"))
        {
          const BpActivationDesc *d = bp_registry_lookup_activation (bp_registry_get_default (), "tanh");
          const char *tip = gtk_widget_get_tooltip_text (item);

          tanh_formula = tip != NULL && strstr (tip, d->formula) != NULL;
        }
    }
  assert_int_equal (layers, n_acts);
  assert_true (n_acts >= 7);
  assert_true (costs >= 3);
  assert_true (tanh_formula);

  /* A disabled plugin's features leave the palette at once (here two
   * built-ins stand in for them), and come back. */
  {
    const char *hidden[] = { "activation relu", "cost mse", NULL };
    guint relu = 0, mse = 0, n = 0;

    bpv_window_set_hidden_features (hidden);
    bpv_window_refresh_features (f->window);
    for (GtkWidget *item = gtk_widget_get_first_child (box); item != NULL;
         item = gtk_widget_get_next_sibling (item))
      {
        const char *what = g_object_get_data (G_OBJECT (item), "bpv-drag");

        n += what != NULL && g_str_has_prefix (what, "layer:");
        relu += what != NULL && g_str_equal (what, "layer:relu");
        mse += what != NULL && g_str_equal (what, "cost:mse");
      }
    assert_int_equal (n, n_acts - 1);
    assert_int_equal (relu + mse, 0);
    bpv_window_set_hidden_features (NULL);
    bpv_window_refresh_features (f->window);
    n = 0;
    for (GtkWidget *item = gtk_widget_get_first_child (box); item != NULL;
         item = gtk_widget_get_next_sibling (item))
      {
        const char *what = g_object_get_data (G_OBJECT (item), "bpv-drag");

        n += what != NULL && g_str_has_prefix (what, "layer:");
      }
    assert_int_equal (n, n_acts);
  }
}

gboolean
find_label (GtkWidget  *widget,
            const char *needle)
{
  if (GTK_IS_LABEL (widget) && strstr (gtk_label_get_text (GTK_LABEL (widget)), needle) != NULL)
    return TRUE;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    if (find_label (c, needle))
      return TRUE;
  return FALSE;
}

static gboolean
window_says_no_earlier (gpointer data)
{
  return find_label (data, "no earlier a(j) has the 8 units of a(1)");
}

/* The palette's layers beyond dense, and the edits their drops ask for: each
 * is one undo step that gives the session's model the right layer; a drop
 * that breaks a width rule says so. */
void
test_edit_layer_types (void **state)
{
  Fixture *f = *state;
  GtkWidget *box = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (f->window),
                                                              BPV_TYPE_WINDOW, "palette_box"));
  const BpEditHistory *h = bpv_session_get_history (f->session);
  const BpNetwork *net;
  guint items = 0;

  for (GtkWidget *item = gtk_widget_get_first_child (box); item != NULL;
       item = gtk_widget_get_next_sibling (item))
    {
      const char *what = g_object_get_data (G_OBJECT (item), "bpv-drag");
      const char *tip = gtk_widget_get_tooltip_text (item);

      if (what == NULL || !(g_str_has_prefix (what, "skip:") || g_str_has_prefix (what, "typed:")))
        continue;
      items++;
      assert_true (gtk_widget_get_sensitive (item));
      assert_null (strstr (tip, "Not yet"));
    }
  assert_int_equal (items, 4);

  /* The drop indicator says what a drop would do, and by which rule. */
  {
    BpvNetworkView *view = view_of (f);
    const BpvLayout *layout = bpv_network_view_get_layout (view);
    BpvRect r;
    g_autofree char *onto2 = NULL, *onto1 = NULL, *onto0 = NULL, *gap2 = NULL, *gap_bad = NULL;

    assert_non_null (layout);
    assert_true (bpv_layout_drop_rect (layout, &(BpvDropSlot) { BPV_DROP_LAYER, 1 }, &r));
    onto2 = bpv_network_view_dup_drop_text (view, "skip:nearest", r.x + r.width / 2,
                                            r.y + r.height / 2);
    assert_true (bpv_layout_drop_rect (layout, &(BpvDropSlot) { BPV_DROP_LAYER, 0 }, &r));
    onto1 = bpv_network_view_dup_drop_text (view, "skip:nearest", r.x + r.width / 2,
                                            r.y + r.height / 2);
    assert_true (bpv_layout_drop_rect (layout, &(BpvDropSlot) { BPV_DROP_GAP, 2 }, &r));
    gap2 = bpv_network_view_dup_drop_text (view, "typed:batchnorm", r.x + r.width / 2,
                                           r.y + r.height / 2);
    gap_bad = bpv_network_view_dup_drop_text (view, "skip:nearest", r.x + r.width / 2,
                                              r.y + r.height / 2);
    /* The input (2 wide): no later a(n) has its width either. */
    assert_true (bpv_layout_column_rect (layout, 0, &r));
    onto0 = bpv_network_view_dup_drop_text (view, "skip:nearest", r.x + r.width / 2,
                                            r.y + r.height / 2);
    assert_string_equal (onto0, "cannot add a skip connection a(0) → a(1): a(0) has 2 units "
                         "and a(1) has 8 (a skip adds them, so the widths must be equal)");
    assert_string_equal (onto2, "Add skip connection a(1) → a(2) "
                         "(the nearest earlier a(j) as wide as a(2); "
                         "drag the handle at its start to choose another)");
    /* a(1) can take no skip (no earlier a(j) has its 8 units): dropped on,
     * it starts one, into the nearest later a(n) as wide. */
    assert_string_equal (onto1, "Add skip connection a(1) → a(2) (no earlier a(j) is as wide "
                         "as a(1), so it starts the skip: into the nearest later a(n) as wide)");
    assert_string_equal (gap2, "Insert batch norm after layer 2");
    assert_null (gap_bad);
  }

  /* 2-8-8-1: batch norm after layer 2, one step. */
  activate_with (f, "edit-insert-typed", g_variant_new ("(us)", 2, "batchnorm"));
  net = bpv_session_get_network (f->session);
  assert_int_equal (net->n_layers, 4);
  assert_int_equal (net->layers[2].type, BP_LAYER_BATCHNORM);
  assert_int_equal (net->layers[2].out, 8);
  assert_int_equal (bp_edit_history_n_undo (h), 1);
  assert_string_equal (bp_edit_undo_label (h), "Insert batch norm after layer 2");
  /* The canvas draws what it can of it (frames go by). */
  spin (0.5);
  activate (f, "undo");
  assert_true (bp_network_is_plain (bpv_session_get_network (f->session)));
  activate (f, "redo");
  assert_int_equal (bpv_session_get_network (f->session)->layers[2].type, BP_LAYER_BATCHNORM);
  activate (f, "undo");

  /* A skip onto layer 2 comes from the nearest a(j) of its width: a(1). */
  activate_with (f, "edit-skip", g_variant_new ("(ui)", 1, -1));
  net = bpv_session_get_network (f->session);
  assert_int_equal (net->layers[1].skip_from, 1);
  assert_string_equal (bp_edit_undo_label (h), "Add skip connection a(1) → a(2)");
  assert_int_equal (bp_edit_history_n_undo (h), 1);
  activate_with (f, "edit-remove-skip", g_variant_new_uint32 (1));
  assert_true (bp_network_is_plain (bpv_session_get_network (f->session)));
  assert_string_equal (bp_edit_undo_label (h), "Remove skip connection a(1) → a(2)");

  /* Onto layer 1 (8 wide, after the 2 inputs): no source; a message, no step. */
  activate_with (f, "edit-skip", g_variant_new ("(ui)", 0, -1));
  assert_true (bp_network_is_plain (bpv_session_get_network (f->session)));
  assert_int_equal (bp_edit_history_n_undo (h), 2);
  assert_true (spin_until (window_says_no_earlier, f->window, 10));

  /* Dropout and layer norm, each one step. */
  activate_with (f, "edit-insert-typed", g_variant_new ("(us)", 1, "dropout"));
  activate_with (f, "edit-insert-typed", g_variant_new ("(us)", 1, "layernorm"));
  net = bpv_session_get_network (f->session);
  assert_int_equal (net->layers[1].type, BP_LAYER_LAYERNORM);
  assert_int_equal (net->layers[2].type, BP_LAYER_DROPOUT);
  assert_int_equal (bp_edit_history_n_undo (h), 4);
}

static gboolean
window_says_widths_differ (gpointer data)
{
  return find_label (data, "cannot start the skip into a(3) at a(0): a(0) has 2 units and "
                           "a(3) has 8");
}

/* The centre of column n's box (widget pixels). */
static void
column_centre (BpvNetworkView *view,
               gsize           n,
               double         *x,
               double         *y)
{
  BpvRect r;

  assert_true (bpv_layout_column_rect (bpv_network_view_get_layout (view), n, &r));
  *x = r.x + r.width / 2;
  *y = r.y + r.height / 2;
}

/* The handle of the skip into a(n) (widget pixels), in the layout of now
 * (the canvas lays out again when its size changes). */
static void
handle_centre (BpvNetworkView *view,
               gsize           n,
               double         *x,
               double         *y)
{
  double radius;

  assert_true (bpv_layout_skip_handle (bpv_network_view_get_layout (view), n, x, y, &radius));
}

/* The handle of the selected skip into a(n) taken to the centre of
 * column c and dropped there: what the drop returns. */
static gboolean
drag_handle_to (BpvNetworkView *view,
                gsize           n,
                gsize           c)
{
  double x, y;

  handle_centre (view, n, &x, &y);
  assert_true (bpv_network_view_skip_handle_begin (view, x, y));
  column_centre (view, c, &x, &y);
  return bpv_network_view_skip_handle_drop (view, x, y);
}

/* The selected skip's handle, dragged by the code the canvas's drag
 * gesture runs (e2e-edit.sh drags it with the mouse): it snaps to the
 * sources a skip into a(3) can have, says what a drop does or why not,
 * a drop is one undo step, a refused drop says why and changes nothing,
 * Escape (cancel) changes nothing.  Then a width edit of one end changes
 * both. */
void
test_edit_skip_handle (void **state)
{
  Fixture *f = *state;
  BpvNetworkView *view = view_of (f);
  const BpEditHistory *h = bpv_session_get_history (f->session);
  const BpvLayout *layout;
  double hx, hy, x, y;
  guint steps;

  /* 2-8-8-8-1 with the skip a(2) → a(3) (the nearest source); a(1) is
   * another source, a(0) (2 wide) is not. */
  activate_with (f, "edit-insert", g_variant_new ("(us)", 1, "tanh"));
  activate_with (f, "edit-skip", g_variant_new ("(ui)", 2, -1));
  assert_int_equal (bpv_session_get_network (f->session)->layers[2].skip_from, 2);
  assert_true (spin_until (five_columns, view, 60));
  layout = bpv_network_view_get_layout (view);
  assert_int_equal (layout->bundles[3].skip_from, 2);
  steps = bp_edit_history_n_undo (h);

  /* No handle before the arc is selected. */
  handle_centre (view, 3, &hx, &hy);
  assert_false (bpv_network_view_skip_handle_begin (view, hx, hy));
  bpv_session_set_selection (f->session, &(BpvHit) { BPV_HIT_SKIP, 3, 2, 0 });
  /* Only the handle starts a drag: not the arc's other end. */
  {
    double ax[4], ay[4], ex, ey;

    assert_true (bpv_layout_skip_arc (layout, 3, ax, ay));
    bpv_layout_to_widget (layout, ax[3], ay[3], &ex, &ey);
    assert_false (bpv_network_view_skip_handle_begin (view, ex, ey));
  }
  assert_null (bpv_network_view_get_skip_handle_text (view));

  assert_true (bpv_network_view_skip_handle_begin (view, hx, hy));
  /* Over a(1): the move. */
  column_centre (view, 1, &x, &y);
  bpv_network_view_skip_handle_motion (view, x, y);
  assert_int_equal (bpv_network_view_get_skip_handle_source (view), 1);
  assert_string_equal (bpv_network_view_get_skip_handle_text (view),
                       "Move skip connection a(2) → a(3) to a(1) → a(3)");
  /* Over a(0): why not. */
  column_centre (view, 0, &x, &y);
  bpv_network_view_skip_handle_motion (view, x, y);
  assert_int_equal (bpv_network_view_get_skip_handle_source (view), -1);
  assert_non_null (strstr (bpv_network_view_get_skip_handle_text (view),
                           "a(0) has 2 units and a(3) has 8"));
  /* Between a(0) and a(1), off the columns: snaps to a(1), the nearest
   * that can; right of a(2), to a(2) (where it starts: nothing to do). */
  {
    BpvRect gap;

    assert_true (bpv_layout_drop_rect (layout, &(BpvDropSlot) { BPV_DROP_GAP, 0 }, &gap));
    bpv_network_view_skip_handle_motion (view, gap.x + gap.width / 2, gap.y + gap.height / 2);
    assert_int_equal (bpv_network_view_get_skip_handle_source (view), 1);
    assert_true (bpv_layout_drop_rect (layout, &(BpvDropSlot) { BPV_DROP_GAP, 2 }, &gap));
    bpv_network_view_skip_handle_motion (view, gap.x + gap.width / 2, gap.y + gap.height / 2);
    assert_int_equal (bpv_network_view_get_skip_handle_source (view), 2);
    assert_non_null (strstr (bpv_network_view_get_skip_handle_text (view), "Drop on another a(j)"));
  }
  /* The canvas draws it (frames go by while it is dragged). */
  spin (0.3);
  /* Escape: nothing changes. */
  bpv_network_view_skip_handle_cancel (view);
  assert_null (bpv_network_view_get_skip_handle_text (view));
  assert_false (bpv_network_view_skip_handle_drop (view, x, y));
  assert_int_equal (bpv_session_get_network (f->session)->layers[2].skip_from, 2);
  assert_int_equal (bp_edit_history_n_undo (h), steps);

  /* Dropped on a(1): one step, the arc stays selected at its new start. */
  assert_true (drag_handle_to (view, 3, 1));
  assert_int_equal (bpv_session_get_network (f->session)->layers[2].skip_from, 1);
  assert_int_equal (bp_edit_history_n_undo (h), steps + 1);
  assert_string_equal (bp_edit_undo_label (h), "Move skip connection a(2) → a(3) to a(1) → a(3)");
  assert_true (bpv_hit_equal (bpv_session_get_selection (f->session),
                              &(BpvHit) { BPV_HIT_SKIP, 3, 1, 0 }));
  activate (f, "undo");
  assert_int_equal (bpv_session_get_network (f->session)->layers[2].skip_from, 2);
  activate (f, "redo");
  assert_int_equal (bpv_session_get_network (f->session)->layers[2].skip_from, 1);

  /* Dropped on a(0): refused with the reason, nothing changes. */
  bpv_session_set_selection (f->session, &(BpvHit) { BPV_HIT_SKIP, 3, 1, 0 });
  assert_true (drag_handle_to (view, 3, 0));
  assert_int_equal (bpv_session_get_network (f->session)->layers[2].skip_from, 1);
  assert_int_equal (bp_edit_history_n_undo (h), steps + 1);
  assert_true (spin_until (window_says_widths_differ, f->window, 10));

  /* The keyboard's way: the layer menu (Menu, Shift+F10) of layer 3 has
   * Skip From with the sources a skip into a(3) can have, the current one
   * ticked, each asking win.edit-skip for its a(j). */
  {
    GtkWidget *popover = NULL;
    GMenuModel *menu, *sources = NULL;
    g_autofree char *first = NULL, *second = NULL;
    g_autoptr(GVariant) target = NULL, want = NULL;

    assert_true (bpv_network_view_popup_layer_menu (view, 2, -1, -1));
    for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (view)); c != NULL;
         c = gtk_widget_get_next_sibling (c))
      if (GTK_IS_POPOVER_MENU (c))
        popover = c;
    assert_non_null (popover);
    menu = gtk_popover_menu_get_menu_model (GTK_POPOVER_MENU (popover));
    for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
      {
        g_autofree char *label = NULL;

        /* (Sections have no label.) */
        if (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_LABEL, "s", &label)
            && g_strcmp0 (label, "Skip _From") == 0)
          sources = g_menu_model_get_item_link (menu, i, G_MENU_LINK_SUBMENU);
      }
    assert_non_null (sources);
    assert_int_equal (g_menu_model_get_n_items (sources), 2);
    first = menu_label (sources, 0);
    second = menu_label (sources, 1);
    assert_string_equal (first, "a(1), 8 units  ✓");
    assert_string_equal (second, "a(2), 8 units");
    target = g_menu_model_get_item_attribute_value (sources, 1, G_MENU_ATTRIBUTE_TARGET, NULL);
    want = g_variant_ref_sink (g_variant_new ("(ui)", 2, 2));
    assert_true (g_variant_equal (target, want));
    g_object_unref (sources);
    gtk_popover_popdown (GTK_POPOVER (popover));
  }
  /* Its item a(2) (the action with the a(j)) moves it back. */
  activate_with (f, "edit-skip", g_variant_new ("(ui)", 2, 2));
  assert_int_equal (bpv_session_get_network (f->session)->layers[2].skip_from, 2);
  assert_string_equal (bp_edit_undo_label (h), "Move skip connection a(1) → a(3) to a(2) → a(3)");

  /* A unit added to a(2) (the + under its header, the layer menu, a key)
   * goes to a(3) too, which the skip adds it to: one step, not a refusal. */
  activate_with (f, "edit-width", g_variant_new ("(ui)", 1, 1));
  assert_int_equal (bpv_session_get_network (f->session)->layers[1].out, 9);
  assert_int_equal (bpv_session_get_network (f->session)->layers[2].out, 9);
  assert_string_equal (bp_edit_undo_label (h), "Add a unit to layers 2 and 3 (a skip ties their widths)");
  activate (f, "undo");
  assert_int_equal (bpv_session_get_network (f->session)->layers[1].out, 8);
  assert_int_equal (bpv_session_get_network (f->session)->layers[2].out, 8);
}

static gboolean
message_dialog_shown (gpointer data)
{
  GListModel *tops = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (tops); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (tops, i);

      if (ADW_IS_MESSAGE_DIALOG (w) && gtk_widget_get_visible (GTK_WIDGET (w)))
        {
          *(AdwMessageDialog **) data = ADW_MESSAGE_DIALOG (w);
          return TRUE;
        }
    }
  return FALSE;
}

/* Saving names the window's file; closing with unsaved changes asks, and
 * Cancel keeps the window. */
void
test_save_and_close_question (void **state)
{
  Fixture *f = *state;
  g_autofree char *dir = g_dir_make_tmp ("test-window-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "mine.bpmodel.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(BpModel) loaded = NULL;
  AdwMessageDialog *dialog = NULL;

  activate_with (f, "edit-insert", g_variant_new ("(us)", 2, "tanh"));
  assert_true (bpv_window_save_to (f->window, file, &error));
  assert_true (g_file_equal (bpv_window_get_file (f->window), file));
  assert_string_equal (gtk_window_get_title (GTK_WINDOW (f->window)),
                       "mine.bpmodel.json — Backprop Studio");
  loaded = bp_model_load_file (path, NULL, &error);
  assert_non_null (loaded);
  assert_int_equal (loaded->network->n_layers, 4);

  /* Clean: closing does not ask (the close is not let through here: the
   * fixture destroys the window). */
  assert_false (message_dialog_shown (&dialog));
  activate_with (f, "edit-width", g_variant_new ("(ui)", 0, -1));
  assert_string_equal (gtk_window_get_title (GTK_WINDOW (f->window)),
                       "• mine.bpmodel.json — Backprop Studio");
  gtk_window_close (GTK_WINDOW (f->window));
  assert_true (spin_until (message_dialog_shown, &dialog, 5));
  adw_message_dialog_response (dialog, "cancel");
  spin (0.2);
  assert_true (gtk_widget_get_visible (GTK_WIDGET (f->window)));
  assert_true (bpv_session_is_dirty (f->session));
  g_unlink (path);
  g_rmdir (dir);
}


/* The spin buttons inside `w`, in order. */
static void
collect_spins (GtkWidget *w,
               GPtrArray *out)
{
  if (GTK_IS_SPIN_BUTTON (w))
    g_ptr_array_add (out, w);
  for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
    collect_spins (c, out);
}

static gboolean
trained_400 (gpointer data)
{
  return bpv_session_get_step_count (data) >= 400;
}

/* With BPV_SCHEDULE_SHOTS set to a folder: 400 steps trained (the rate
 * panel under the loss shows the schedule) and the sidebar scrolled to the
 * schedule, as a PNG there. */
static void
schedule_shot (Fixture    *f,
               GtkWidget  *group,
               const char *name)
{
  GtkWidget *sw = gtk_widget_get_ancestor (group, GTK_TYPE_SCROLLED_WINDOW);
  double x, y;

  bpv_session_set_speed (f->session, 0.6);
  assert_true (bpv_session_play (f->session, NULL));
  assert_true (spin_until (trained_400, f->session, 120));
  bpv_session_pause (f->session);
  assert_true (spin_until (not_running, f->session, 120));
  adw_flap_set_reveal_flap (template_child (f, "flap"), TRUE);
  spin (0.5);
  if (sw != NULL && gtk_widget_translate_coordinates (group, sw, 0, 0, &x, &y))
    {
      GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (sw));

      gtk_adjustment_set_value (adj, gtk_adjustment_get_value (adj) + y - 12);
    }
  window_shot (f, g_getenv ("BPV_SCHEDULE_SHOTS"), name);
}

/* The sidebar's schedule: the kind from the combo row, then a row per
 * parameter whose spin button sets it; each an undo step. */
void
test_schedule_sidebar (void **state)
{
  Fixture *f = *state;
  AdwComboRow *row = template_child (f, "schedule_row");
  GtkWidget *group = template_child (f, "schedule_group");
  g_autoptr(GPtrArray) spins = g_ptr_array_new ();

  assert_int_equal (adw_combo_row_get_selected (row), BP_SCHEDULE_NONE);
  collect_spins (group, spins);
  assert_int_equal (spins->len, 0);

  adw_combo_row_set_selected (row, BP_SCHEDULE_COSINE);
  assert_int_equal (bpv_session_get_schedule (f->session)->kind, BP_SCHEDULE_COSINE);
  assert_string_equal (bp_edit_undo_label (bpv_session_get_history (f->session)),
                       "Change schedule to cosine (t_max 100, eta_min 0)");
  collect_spins (group, spins);
  assert_int_equal (spins->len, 2);   /* t_max, eta_min */
  assert_true (gtk_spin_button_get_value (g_ptr_array_index (spins, 0)) == 100);
  gtk_spin_button_set_value (g_ptr_array_index (spins, 0), 250);
  assert_true (bpv_session_get_schedule (f->session)->phases[0].t_max == 250);
  assert_string_equal (bp_edit_undo_label (bpv_session_get_history (f->session)),
                       "Change schedule to cosine (t_max 250, eta_min 0)");

  /* Warm-up: its three rows in place of the cosine's. */
  adw_combo_row_set_selected (row, BP_SCHEDULE_LINEAR);
  g_ptr_array_set_size (spins, 0);
  collect_spins (group, spins);
  assert_int_equal (spins->len, 3);

  /* Undo comes back through the session: the row follows. */
  assert_true (bpv_session_undo (f->session));
  assert_int_equal (adw_combo_row_get_selected (row), BP_SCHEDULE_COSINE);
  g_ptr_array_set_size (spins, 0);
  collect_spins (group, spins);
  assert_int_equal (spins->len, 2);
  assert_true (gtk_spin_button_get_value (g_ptr_array_index (spins, 0)) == 250);

  /* Warm-up, then cosine: the warm-up's length is also the milestone. */
  adw_combo_row_set_selected (row, BP_SCHEDULE_SEQUENTIAL);
  assert_true (bp_schedule_is_warmup_cosine (bpv_session_get_schedule (f->session)));
  g_ptr_array_set_size (spins, 0);
  collect_spins (group, spins);
  assert_int_equal (spins->len, 4);   /* warm-up steps, start factor, T_max, η_min */
  assert_true (gtk_spin_button_get_value (g_ptr_array_index (spins, 0)) == 5);
  assert_true (gtk_spin_button_get_value (g_ptr_array_index (spins, 2)) == 100);
  gtk_spin_button_set_value (g_ptr_array_index (spins, 0), 20);
  gtk_spin_button_set_value (g_ptr_array_index (spins, 2), 300);
  {
    const BpSchedule *s = bpv_session_get_schedule (f->session);

    assert_int_equal (s->milestones[0], 20);
    assert_int_equal (s->phases[0].total_iters, 20);
    assert_int_equal (s->phases[1].t_max, 300);
    assert_true (bp_schedule_is_warmup_cosine (s));
  }
  assert_string_equal (bp_edit_undo_label (bpv_session_get_history (f->session)),
                       "Change schedule to sequential (linear (start_factor 0.333333, "
                       "end_factor 1, total_iters 20) until step 20, then cosine (t_max 300, "
                       "eta_min 0))");
  if (g_getenv ("BPV_SCHEDULE_SHOTS") != NULL)
    schedule_shot (f, group, "schedule-warmup-cosine.png");

  /* Another shape (from a file) is shown, not edited: no spin buttons. */
  {
    g_autoptr(GError) error = NULL;
    BpSchedule other = *bpv_session_get_schedule (f->session);

    other.phases[1].kind = BP_SCHEDULE_EXPONENTIAL;
    other.phases[1].gamma = 0.5;
    assert_true (bpv_session_set_schedule (f->session, &other, &error));
    g_ptr_array_set_size (spins, 0);
    collect_spins (group, spins);
    assert_int_equal (spins->len, 0);
    assert_int_equal (adw_combo_row_get_selected (row), BP_SCHEDULE_SEQUENTIAL);
  }
  assert_true (bpv_session_undo (f->session));
  g_ptr_array_set_size (spins, 0);
  collect_spins (group, spins);
  assert_int_equal (spins->len, 4);
  assert_true (gtk_spin_button_get_value (g_ptr_array_index (spins, 2)) == 300);
}
