/* synthetic-graph.c: ResNet-like graphs of any size for benchmarks
 *
 * Blocks of conv -> bn -> relu with a residual add every second block;
 * every conv and bn is its own module with its weights listed.
 */
#include "synthetic-graph.h"

static void
add_bn_module (QsGraph *g, const char *path, gint64 c)
{
  gint64 dims[] = { c };
  QsAttr attr = { .name = "num_features", .kind = QS_ATTR_INT, .i = c };
  QsParam p = { .name = "weight" };
  QsId m = qs_graph_add_module (g, path, "torch.nn.BatchNorm2d");

  qs_type_set_tensor (&p.type, QS_DTYPE_FLOAT32, 1, dims);
  qs_graph_module_set_attrs (g, m, &attr, 1);
  qs_graph_module_set_params (g, m, &p, 1);
}

static QsId
add_conv (QsGraph *g, guint i, QsId x, gint64 c, gint64 hw)
{
  char path[64];
  gint64 k[] = { 3, 3 }, one[] = { 1, 1 }, dims[] = { 1, c, hw, hw }, wdims[] = { c, c, 3, 3 };
  QsAttr attrs[] = {
    { .name = "in_channels", .kind = QS_ATTR_INT, .i = c },
    { .name = "out_channels", .kind = QS_ATTR_INT, .i = c },
    { .name = "kernel_size", .kind = QS_ATTR_INTS, .n = 2, .ints = k },
    { .name = "stride", .kind = QS_ATTR_INTS, .n = 2, .ints = one },
    { .name = "padding", .kind = QS_ATTR_INTS, .n = 2, .ints = one },
  };
  QsParam p = { .name = "weight" };
  QsAttr arg = { .name = "0", .kind = QS_ATTR_VALUE, .value = x };
  QsType t;
  QsId m, n;

  g_snprintf (path, sizeof path, "layer%u.conv", i);
  m = qs_graph_add_module (g, path, "torch.nn.Conv2d");
  qs_type_set_tensor (&p.type, QS_DTYPE_FLOAT32, 4, wdims);
  qs_graph_module_set_attrs (g, m, attrs, G_N_ELEMENTS (attrs));
  qs_graph_module_set_params (g, m, &p, 1);
  qs_type_set_tensor (&t, QS_DTYPE_FLOAT32, 4, dims);
  n = qs_graph_add_op (g, QS_NODE_CALL_MODULE, path, path, &x, 1, &t);
  qs_graph_node_set_attrs (g, n, &arg, 1);
  qs_graph_node_set_source (g, n, "models/synthetic.py", 10 + i % 50, "x = self.conv(x)");
  return g->nodes[n].outputs[0];
}

QsGraph *
qs_bench_synthetic_graph (guint n_nodes)
{
  QsGraph *g = qs_graph_new ();
  gint64 dims[] = { 1, 64, 56, 56 };
  QsType t;
  QsId x, skip;
  char name[64];

  qs_graph_set_name (g, "synthetic");
  qs_graph_add_module (g, "", "Synthetic");
  qs_type_set_tensor (&t, QS_DTYPE_FLOAT32, 4, dims);
  x = qs_graph_add_op (g, QS_NODE_PLACEHOLDER, "x", "x", NULL, 0, &t);
  x = skip = g->nodes[x].outputs[0];
  for (guint i = 0; g->n_nodes + 3 < n_nodes; i++)
    {
      QsId in[2], n;

      x = add_conv (g, i, x, 64, 56);
      g_snprintf (name, sizeof name, "layer%u.bn", i);
      add_bn_module (g, name, 64);
      n = qs_graph_add_op (g, QS_NODE_CALL_MODULE, name, name, &x, 1, &t);
      x = g->nodes[n].outputs[0];
      g_snprintf (name, sizeof name, "relu_%u", i);
      n = qs_graph_add_op (g, QS_NODE_CALL_METHOD, name, "relu", &x, 1, &t);
      x = g->nodes[n].outputs[0];
      if (i % 2 == 1)
        {
          in[0] = x;
          in[1] = skip;
          g_snprintf (name, sizeof name, "add_%u", i);
          n = qs_graph_add_op (g, QS_NODE_CALL_FUNCTION, name, "operator.add", in, 2, &t);
          x = g->nodes[n].outputs[0];
          skip = x;
        }
    }
  qs_graph_add_op (g, QS_NODE_OUTPUT, "output", NULL, &x, 1, NULL);
  if (!qs_graph_verify (g, NULL))
    g_error ("the synthetic graph is invalid");
  return g;
}

