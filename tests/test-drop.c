/* test-drop.c — where a drag ends on the canvas, without a display:
 * bpv_layout_drop_slot (onto a layer, into a gap), bpv_layout_drop_rect
 * (the indicator) and bpv_layout_header_layer (where a layer is picked up),
 * at the zoom of the fitted view and zoomed in and panned.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "bp-model.h"
#include "bpv-layout.h"

/* Widget x of column n's centre line. */
static double
column_wx (const BpvLayout *layout,
           gsize            n)
{
  double wx, wy;

  bpv_layout_to_widget (layout, layout->columns[n].x, 0, &wx, &wy);
  return wx;
}

static double
middle_wy (const BpvLayout *layout)
{
  double wx, wy;

  bpv_layout_to_widget (layout, 0, layout->content.y + layout->content.height / 2, &wx, &wy);
  return wy;
}

static void
check_layout (const BpvLayout *layout,
              gsize            n_layers)
{
  BpvDropSlot slot;
  BpvRect r;
  double y = middle_wy (layout);
  gsize layer = 99;

  assert_int_equal (layout->n_columns, n_layers + 1);
  for (gsize n = 1; n <= n_layers; n++)
    {
      /* On a column: that layer (0-based n − 1). */
      assert_true (bpv_layout_drop_slot (layout, column_wx (layout, n), y, &slot));
      assert_int_equal (slot.kind, BPV_DROP_LAYER);
      assert_int_equal (slot.index, n - 1);
      assert_true (bpv_layout_drop_rect (layout, &slot, &r));
      assert_true (r.x <= column_wx (layout, n) && column_wx (layout, n) <= r.x + r.width);
    }
  for (gsize c = 0; c < n_layers; c++)
    {
      /* Halfway between columns c and c + 1: the gap before layer c. */
      double mid = (column_wx (layout, c) + column_wx (layout, c + 1)) / 2;

      assert_true (bpv_layout_drop_slot (layout, mid, y, &slot));
      assert_int_equal (slot.kind, BPV_DROP_GAP);
      assert_int_equal (slot.index, c);
      assert_true (bpv_layout_drop_rect (layout, &slot, &r));
      assert_true (r.x <= mid && mid <= r.x + r.width);
      assert_true (r.width < (column_wx (layout, c + 1) - column_wx (layout, c)) / 2);
    }
  /* The input column and left of it: gap 0; right of the output: the gap
   * before the output layer. */
  assert_true (bpv_layout_drop_slot (layout, column_wx (layout, 0), y, &slot));
  assert_int_equal (slot.kind, BPV_DROP_GAP);
  assert_int_equal (slot.index, 0);
  assert_true (bpv_layout_drop_slot (layout, column_wx (layout, 0) - 500, y, &slot));
  assert_int_equal (slot.kind, BPV_DROP_GAP);
  assert_int_equal (slot.index, 0);
  assert_true (bpv_layout_drop_slot (layout, column_wx (layout, n_layers) + 5000, y, &slot));
  assert_int_equal (slot.kind, BPV_DROP_GAP);
  assert_int_equal (slot.index, n_layers - 1);

  /* Headers: a layer's header picks it up; the input's and the space
   * between units do not. */
  for (gsize n = 0; n <= n_layers; n++)
    {
      const BpvColumn *col = &layout->columns[n];
      double wx, wy;

      bpv_layout_to_widget (layout, col->x, col->header.y + col->header.height / 2, &wx, &wy);
      if (n == 0)
        assert_false (bpv_layout_header_layer (layout, wx, wy, &layer));
      else
        {
          assert_true (bpv_layout_header_layer (layout, wx, wy, &layer));
          assert_int_equal (layer, n - 1);
        }
    }
  assert_false (bpv_layout_header_layer (layout, column_wx (layout, 1), y, &layer));

  slot.kind = BPV_DROP_NONE;
  assert_false (bpv_layout_drop_rect (layout, &slot, &r));
  slot.kind = BPV_DROP_GAP;
  slot.index = n_layers;
  assert_false (bpv_layout_drop_rect (layout, &slot, &r));
}

static void
test_drop_slots (void **state)
{
  g_autoptr(BpModel) model = bp_model_new_default ();
  BpvLayoutParams params;
  BpvLayout *layout;

  (void) state;
  bpv_layout_params_init (&params, 900, 520);
  layout = bpv_layout_new (model->network, &params);
  check_layout (layout, model->network->n_layers);
  /* Zoomed and panned: the same answers at the moved places. */
  bpv_layout_set_view (layout, 2.5, -300, -40);
  check_layout (layout, model->network->n_layers);
  bpv_layout_free (layout);
}

/* The − and + under each hidden layer's header: hit where drawn, not on
 * a neuron, and not for the output layer. */
static void
test_width_buttons (void **state)
{
  g_autoptr(BpModel) model = bp_model_new_default ();
  const BpNetwork *net = model->network;
  BpvLayoutParams params;
  BpvLayout *layout;

  (void) state;
  bpv_layout_params_init (&params, 900, 520);
  layout = bpv_layout_new (net, &params);
  for (gsize l = 0; l < net->n_layers; l++)
    {
      BpvRect m, p;
      gsize hit = 99;
      BpvHit neuron = BPV_HIT_INIT;

      assert_true (bpv_layout_width_buttons (layout, l, &m, &p));
      assert_true (m.width > 4 && m.height > 4 && m.x + m.width <= p.x);
      if (l + 1 < net->n_layers)
        {
          assert_int_equal (bpv_layout_width_button_at (layout, net->n_layers - 1, m.x + m.width / 2,
                                                        m.y + m.height / 2, &hit), -1);
          assert_int_equal (hit, l);
          assert_int_equal (bpv_layout_width_button_at (layout, net->n_layers - 1, p.x + p.width / 2,
                                                        p.y + p.height / 2, &hit), +1);
          assert_int_equal (hit, l);
        }
      else
        assert_int_equal (bpv_layout_width_button_at (layout, net->n_layers - 1, p.x + p.width / 2,
                                                      p.y + p.height / 2, &hit), 0);
      /* Not over a neuron. */
      assert_false (bpv_layout_hit_test (layout, p.x + p.width / 2, p.y + p.height / 2, &neuron)
                    && neuron.kind == BPV_HIT_NEURON);
    }
  assert_false (bpv_layout_width_buttons (layout, net->n_layers, &(BpvRect) { 0 }, &(BpvRect) { 0 }));
  bpv_layout_free (layout);
}

static void
test_drop_one_layer (void **state)
{
  g_autoptr(BpNetwork) net = bp_network_new (3, NULL);
  BpvLayoutParams params;
  BpvLayout *layout;

  (void) state;
  assert_true (bp_network_add_layer (net, 2, "sigmoid", NULL, NULL));
  bpv_layout_params_init (&params, 640, 400);
  layout = bpv_layout_new (net, &params);
  check_layout (layout, 1);
  bpv_layout_free (layout);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_drop_slots),
    cmocka_unit_test (test_drop_one_layer),
    cmocka_unit_test (test_width_buttons),
  };

  return cmocka_run_group_tests_name ("drop", tests, NULL, NULL);
}
