/* test-overlay.c: per-node overlays and their colours */
#include <math.h>

#include "qs-graph-json.h"
#include "qs-overlay.h"
#include "qs-summary.h"

static char *
model_path (const char *name)
{
  const char *srcdir = g_getenv ("QS_SOURCE_DIR");

  return g_build_filename (srcdir ? srcdir : ".", "data", "models", name, NULL);
}

static gboolean
color_equal (const QsColor *a,
             const QsColor *b)
{
  return a->red == b->red && a->green == b->green && a->blue == b->blue;
}

/* MACs stand in for latency until the estimator fills it. */
static void
test_overlay_macs (void)
{
  g_autofree char *path = model_path ("resnet18.qsgraph.json");
  g_autoptr (GError) error = NULL;
  g_autoptr (QsGraph) graph = qs_graph_load (path, QS_GRAPH_LOAD_NO_WEIGHTS, &error);
  g_autoptr (QsOverlay) overlay = NULL;
  QsId heaviest = QS_ID_NONE, lightest = QS_ID_NONE;
  double min, max;
  QsColor hot, cool, none, c;

  g_assert_no_error (error);
  overlay = qs_overlay_new_macs (graph);
  g_assert_cmpuint (qs_overlay_get_n_nodes (overlay), ==, graph->n_nodes);
  g_assert_cmpstr (qs_overlay_get_label (overlay), ==, "MACs");
  g_assert_true (qs_overlay_get_range (overlay, &min, &max));
  g_assert_cmpfloat (min, >, 0);
  g_assert_cmpfloat (max, >, min);
  for (QsId n = 0; n < graph->n_nodes; n++)
    {
      double v = qs_overlay_get_value (overlay, n);
      guint64 macs = qs_node_macs (graph, &graph->nodes[n]);

      if (macs == 0)
        {
          g_assert_true (isnan (v));
          g_assert_false (qs_overlay_node_color (overlay, n, &none));
          g_assert_cmpuint (qs_overlay_bucket (overlay, n, 8, 99), ==, 99);
          continue;
        }
      g_assert_cmpfloat (v, ==, (double) macs);
      if (v == max)
        heaviest = n;
      if (v == min)
        lightest = n;
    }
  g_assert_cmpuint (heaviest, !=, QS_ID_NONE);
  g_assert_cmpuint (lightest, !=, QS_ID_NONE);
  g_assert_true (qs_overlay_node_color (overlay, heaviest, &hot));
  g_assert_true (qs_overlay_node_color (overlay, lightest, &cool));
  /* Hot is red, cool is blue, and the ends of the scale match. */
  g_assert_cmpfloat (hot.red, >, hot.blue);
  g_assert_cmpfloat (cool.blue, >, cool.red);
  qs_overlay_scale_color (overlay, 1, &c);
  g_assert_true (color_equal (&c, &hot));
  g_assert_cmpuint (qs_overlay_bucket (overlay, heaviest, 8, 99), ==, 7);
  g_assert_cmpuint (qs_overlay_bucket (overlay, lightest, 8, 99), ==, 0);
}

static void
test_overlay_scales (void)
{
  static const char * const bounds[] = { "compute", "DDR", "vector", NULL };
  g_autoptr (QsOverlay) sqnr = qs_overlay_new ("SQNR", "dB", QS_COLOR_SCALE_HEAT_INVERSE, 3);
  g_autoptr (QsOverlay) bound = qs_overlay_new ("Bound", NULL, QS_COLOR_SCALE_CATEGORY, 3);
  g_autofree char *text = NULL;
  QsColor good, bad, c0, c1;

  qs_overlay_set_value (sqnr, 0, 40);
  qs_overlay_set_value (sqnr, 1, 10);
  g_assert_true (qs_overlay_node_color (sqnr, 0, &good));
  g_assert_true (qs_overlay_node_color (sqnr, 1, &bad));
  /* High SQNR is good: cool. */
  g_assert_cmpfloat (good.blue, >, good.red);
  g_assert_cmpfloat (bad.red, >, bad.blue);
  g_assert_false (qs_overlay_node_color (sqnr, 2, &c0));
  text = qs_overlay_format_value (sqnr, 35.1);
  g_assert_cmpstr (text, ==, "35.1 dB");

  qs_overlay_set_categories (bound, bounds);
  qs_overlay_set_value (bound, 0, 1);
  qs_overlay_set_value (bound, 1, 2);
  g_assert_true (qs_overlay_node_color (bound, 0, &c0));
  g_assert_true (qs_overlay_node_color (bound, 1, &c1));
  g_assert_false (color_equal (&c0, &c1));
  g_clear_pointer (&text, g_free);
  text = qs_overlay_format_value (bound, 1);
  g_assert_cmpstr (text, ==, "DDR");
  g_assert_cmpuint (qs_overlay_bucket (bound, 1, 8, 99), ==, 2);
}

static void
test_overlay_palettes (void)
{
  QsColor a, b;

  /* Every qconfig dtype has its own colour. */
  for (guint i = 0; i < QS_N_QDTYPES; i++)
    for (guint k = i + 1; k < QS_N_QDTYPES; k++)
      {
        qs_palette_qdtype (i, &a);
        qs_palette_qdtype (k, &b);
        g_assert_false (color_equal (&a, &b));
      }
  qs_palette_op_class (QS_OP_CLASS_CONV, &a);
  qs_palette_op_class (QS_OP_CLASS_ACTIVATION, &b);
  g_assert_false (color_equal (&a, &b));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/overlay/macs", test_overlay_macs);
  g_test_add_func ("/overlay/scales", test_overlay_scales);
  g_test_add_func ("/overlay/palettes", test_overlay_palettes);
  return g_test_run ();
}
