/* test-graph.c: IR construction, analysis, verify, dump, op table */
#include <string.h>

#include "qs-error.h"
#include "qs-graph.h"
#include "qs-shape.h"

static QsType
tensor (gint64 n, gint64 c, gint64 h, gint64 w)
{
  QsType t;
  gint64 dims[] = { n, c, h, w };

  qs_type_set_tensor (&t, QS_DTYPE_FLOAT32, 4, dims);
  return t;
}

static void
add_conv_module (QsGraph *g, const char *path, gint64 in_c, gint64 out_c, gint64 stride)
{
  gint64 k[] = { 3, 3 }, s[] = { stride, stride }, p[] = { 1, 1 };
  QsAttr attrs[] = {
    { .name = "in_channels", .kind = QS_ATTR_INT, .i = in_c },
    { .name = "out_channels", .kind = QS_ATTR_INT, .i = out_c },
    { .name = "kernel_size", .kind = QS_ATTR_INTS, .n = 2, .ints = k },
    { .name = "stride", .kind = QS_ATTR_INTS, .n = 2, .ints = s },
    { .name = "padding", .kind = QS_ATTR_INTS, .n = 2, .ints = p },
  };
  QsParam param = { .name = "weight" };
  gint64 wdims[] = { out_c, in_c, 3, 3 };
  QsId id = qs_graph_add_module (g, path, "torch.nn.Conv2d");

  qs_type_set_tensor (&param.type, QS_DTYPE_FLOAT32, 4, wdims);
  qs_graph_module_set_attrs (g, id, attrs, G_N_ELEMENTS (attrs));
  qs_graph_module_set_params (g, id, &param, 1);
}

/* x -> conv1 -> relu -> add(relu, x') -> output, with x' = conv2(x) */
static QsGraph *
build_small (gint64 conv2_out)
{
  QsGraph *g = qs_graph_new ();
  QsType t = tensor (1, 8, 16, 16), t2 = tensor (1, conv2_out, 16, 16);
  QsId x, c1, r, c2, a;

  qs_graph_set_name (g, "small");
  qs_graph_add_module (g, "", "Net");
  add_conv_module (g, "conv1", 8, 8, 1);
  add_conv_module (g, "conv2", 8, conv2_out, 1);
  x = qs_graph_add_op (g, QS_NODE_PLACEHOLDER, "x", "x", NULL, 0, &t);
  x = g->nodes[x].outputs[0];
  c1 = qs_graph_add_op (g, QS_NODE_CALL_MODULE, "conv1", "conv1", &x, 1, &t);
  c1 = g->nodes[c1].outputs[0];
  r = qs_graph_add_op (g, QS_NODE_CALL_FUNCTION, "relu", "torch.nn.functional.relu", &c1, 1, &t);
  r = g->nodes[r].outputs[0];
  c2 = qs_graph_add_op (g, QS_NODE_CALL_MODULE, "conv2", "conv2", &x, 1, &t2);
  c2 = g->nodes[c2].outputs[0];
  {
    QsId in[] = { r, c2 };

    a = qs_graph_add_op (g, QS_NODE_CALL_FUNCTION, "add", "operator.add", in, 2, &t);
    a = g->nodes[a].outputs[0];
  }
  qs_graph_add_op (g, QS_NODE_OUTPUT, "output", "output", &a, 1, NULL);
  return g;
}

static void
test_build_and_verify (void)
{
  g_autoptr(QsGraph) g = build_small (8);
  g_autoptr(GError) error = NULL;
  guint n_uses;
  const QsId *uses;

  g_assert_true (qs_graph_verify (g, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g->n_nodes, ==, 6);
  g_assert_cmpuint (g->n_values, ==, 5);
  g_assert_cmpint (g->nodes[1].op, ==, QS_OP_CONV2D);
  g_assert_cmpint (g->nodes[2].op, ==, QS_OP_RELU);
  g_assert_cmpint (g->nodes[4].op, ==, QS_OP_ADD);
  g_assert_cmpint (g->nodes[0].op, ==, QS_OP_INPUT);
  /* x feeds conv1 and conv2 */
  uses = qs_graph_value_uses (g, 0, &n_uses);
  g_assert_cmpuint (n_uses, ==, 2);
  g_assert_cmpuint (uses[0], ==, 1);
  g_assert_cmpuint (uses[1], ==, 3);
  g_assert_cmpuint (g->values[4].producer, ==, 4);
  g_assert_cmpuint (g->modules[1].parent, ==, 0);
  g_assert_cmpuint (g->modules[1].n_calls, ==, 1);
}

static void
test_shape_mismatch (void)
{
  g_autoptr(QsGraph) g = build_small (8);
  g_autoptr(GError) error = NULL;

  /* conv2 records 8 channels; make the module say 16 */
  g->modules[2].attrs[1].i = 16;
  g_assert_false (qs_graph_verify (g, &error));
  g_assert_error (error, QS_ERROR, QS_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "conv2"));
}

static void
test_broadcast_error (void)
{
  g_autoptr(QsGraph) g = build_small (4);
  g_autoptr(GError) error = NULL;

  /* conv2 outputs 4 channels, add needs them to broadcast with 8 */
  g_assert_false (qs_graph_verify (g, &error));
  g_assert_error (error, QS_ERROR, QS_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "do not broadcast"));
}

static void
test_dangling_and_cycle (void)
{
  g_autoptr(QsGraph) g = build_small (8);
  g_autoptr(GError) error = NULL;
  QsId orphan;

  /* relu reads the add's output: a cycle relu -> add -> relu */
  g->nodes[2].inputs[0] = 4;
  g->analyzed = FALSE;
  g_assert_false (qs_graph_verify (g, &error));
  g_assert_error (error, QS_ERROR, QS_ERROR_CYCLE);
  if (g_test_verbose ()) g_printerr ("%s\n", error->message);
  g_assert_nonnull (strstr (error->message, "add -> relu -> add"));
  g_clear_error (&error);

  /* a value nobody produces */
  g->nodes[2].inputs[0] = 1;
  orphan = qs_graph_add_value (g, NULL);
  g->nodes[4].inputs[1] = orphan;
  g->analyzed = FALSE;
  g_assert_false (qs_graph_verify (g, &error));
  g_assert_error (error, QS_ERROR, QS_ERROR_DANGLING);
  g_assert_nonnull (strstr (error->message, "“add”"));
}

static void
test_out_of_order (void)
{
  g_autoptr(QsGraph) g = qs_graph_new ();
  g_autoptr(GError) error = NULL;
  QsType t = tensor (1, 1, 1, 1);
  QsId v0 = qs_graph_add_value (g, &t), v1 = qs_graph_add_value (g, &t);

  qs_graph_add_node (g, QS_NODE_PLACEHOLDER, "x", "x", NULL, 0, &v0, 1);
  qs_graph_add_node (g, QS_NODE_OUTPUT, "output", NULL, &v1, 1, NULL, 0);
  qs_graph_add_node (g, QS_NODE_CALL_METHOD, "r", "relu", &v0, 1, &v1, 1);
  g_assert_false (qs_graph_verify (g, &error));
  g_assert_error (error, QS_ERROR, QS_ERROR_CYCLE);
  g_assert_nonnull (strstr (error->message, "topological order"));
}

static void
test_produced_twice (void)
{
  g_autoptr(QsGraph) g = build_small (8);
  g_autoptr(GError) error = NULL;

  g->nodes[3].outputs[0] = 1;
  g->analyzed = FALSE;
  g_assert_false (qs_graph_analyze (g, &error));
  g_assert_error (error, QS_ERROR, QS_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "produced by both"));
}

static void
test_duplicate_names (void)
{
  g_autoptr(QsGraph) g = build_small (8);
  g_autoptr(GError) error = NULL;

  g->nodes[3].name = g->nodes[1].name;
  g_assert_false (qs_graph_verify (g, &error));
  g_assert_error (error, QS_ERROR, QS_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "two nodes are named “conv1”"));
}

static void
test_dump_and_copy (void)
{
  g_autoptr(QsGraph) g = build_small (8);
  g_autoptr(QsGraph) copy = NULL;
  g_autofree char *dump = NULL;
  g_autofree char *dump2 = NULL;
  const char *expected =
    "graph small\n"
    "module <root> : Net\n"
    "module conv1 : torch.nn.Conv2d in_channels=8 out_channels=8 kernel_size=[3,3] "
    "stride=[1,1] padding=[1,1] {weight:float32[8,8,3,3]}\n"
    "module conv2 : torch.nn.Conv2d in_channels=8 out_channels=8 kernel_size=[3,3] "
    "stride=[1,1] padding=[1,1] {weight:float32[8,8,3,3]}\n"
    "%0 x = placeholder[x] input () -> v0:float32[1,8,16,16]\n"
    "%1 conv1 = call_module[conv1] conv2d (v0) -> v1:float32[1,8,16,16]\n"
    "%2 relu = call_function[torch.nn.functional.relu] relu (v1) -> v2:float32[1,8,16,16]\n"
    "%3 conv2 = call_module[conv2] conv2d (v0) -> v3:float32[1,8,16,16]\n"
    "%4 add = call_function[operator.add] add (v2, v3) -> v4:float32[1,8,16,16]\n"
    "%5 output = output[output] output (v4)\n";

  g_assert_true (qs_graph_verify (g, NULL));
  dump = qs_graph_dump (g);
  g_assert_cmpstr (dump, ==, expected);
  copy = qs_graph_copy (g);
  g_assert_true (qs_graph_verify (copy, NULL));
  dump2 = qs_graph_dump (copy);
  g_assert_cmpstr (dump, ==, dump2);
}

static void
test_op_table (void)
{
  g_assert_cmpint (qs_op_from_target (QS_TARGET_MODULE, "torch.nn.Conv2d"), ==, QS_OP_CONV2D);
  g_assert_cmpint (qs_op_from_target (QS_TARGET_MODULE, "torch.nn.modules.conv.Conv2d"), ==,
                   QS_OP_CONV2D);
  g_assert_cmpint (qs_op_from_target (QS_TARGET_FUNCTION, "torch.add"), ==, QS_OP_ADD);
  g_assert_cmpint (qs_op_from_target (QS_TARGET_FUNCTION, "operator.add"), ==, QS_OP_ADD);
  g_assert_cmpint (qs_op_from_target (QS_TARGET_METHOD, "relu"), ==, QS_OP_RELU);
  g_assert_cmpint (qs_op_from_target (QS_TARGET_METHOD, "view"), ==, QS_OP_RESHAPE);
  g_assert_cmpint (qs_op_from_target (QS_TARGET_FUNCTION, "relu"), ==, QS_OP_UNKNOWN);
  g_assert_cmpint (qs_op_from_target (QS_TARGET_FUNCTION, "torchvision.ops.nms"), ==,
                   QS_OP_UNKNOWN);
  g_assert_cmpint (qs_op_from_name ("conv2d"), ==, QS_OP_CONV2D);
  for (guint i = 0; i < QS_N_OPS; i++)
    g_assert_cmpint (qs_op_from_name (qs_op_name (i)), ==, i);
  g_assert_true (qs_op_flags (QS_OP_CONV2D) & QS_OPF_WEIGHTS);
  g_assert_cmpint (qs_op_engine (QS_OP_CONV2D), ==, QS_ENGINE_TAE);
  g_assert_cmpint (qs_op_fuse_role (QS_OP_BATCH_NORM), ==, QS_FUSE_ROLE_BN);
  g_assert_cmpint (qs_op_class (QS_OP_CAT), ==, QS_OP_CLASS_MOVE);
}

static void
test_unknown_op_is_not_an_error (void)
{
  g_autoptr(QsGraph) g = qs_graph_new ();
  QsType t = tensor (1, 4, 8, 8);
  QsId x, y;

  x = qs_graph_add_op (g, QS_NODE_PLACEHOLDER, "x", "x", NULL, 0, &t);
  x = g->nodes[x].outputs[0];
  y = qs_graph_add_op (g, QS_NODE_CALL_FUNCTION, "nms", "torchvision.ops.nms", &x, 1, &t);
  g_assert_cmpint (g->nodes[y].op, ==, QS_OP_UNKNOWN);
  y = g->nodes[y].outputs[0];
  qs_graph_add_op (g, QS_NODE_OUTPUT, "output", NULL, &y, 1, NULL);
  g_assert_true (qs_graph_verify (g, NULL));
}

static void
test_broadcast (void)
{
  QsType a = tensor (1, 8, 16, 16), b, out;
  gint64 dims[] = { 8, 1, 1 };

  qs_type_set_tensor (&b, QS_DTYPE_FLOAT32, 3, dims);
  g_assert_true (qs_shape_broadcast (&a, &b, &out));
  g_assert_cmpuint (out.rank, ==, 4);
  g_assert_cmpint (out.dims[1], ==, 8);
  g_assert_cmpint (out.dims[3], ==, 16);
  dims[0] = 3;
  qs_type_set_tensor (&b, QS_DTYPE_FLOAT32, 3, dims);
  g_assert_false (qs_shape_broadcast (&a, &b, &out));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/graph/build-and-verify", test_build_and_verify);
  g_test_add_func ("/graph/shape-mismatch", test_shape_mismatch);
  g_test_add_func ("/graph/broadcast-error", test_broadcast_error);
  g_test_add_func ("/graph/dangling-and-cycle", test_dangling_and_cycle);
  g_test_add_func ("/graph/out-of-order", test_out_of_order);
  g_test_add_func ("/graph/produced-twice", test_produced_twice);
  g_test_add_func ("/graph/duplicate-names", test_duplicate_names);
  g_test_add_func ("/graph/dump-and-copy", test_dump_and_copy);
  g_test_add_func ("/graph/op-table", test_op_table);
  g_test_add_func ("/graph/unknown-op", test_unknown_op_is_not_an_error);
  g_test_add_func ("/graph/broadcast", test_broadcast);
  return g_test_run ();
}
