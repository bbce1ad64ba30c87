/* test-exec.c: the float executor on small hand-built graphs, checked
 * against numbers worked out by hand, and its errors */
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "qs-error.h"
#include "qs-exec.h"

typedef struct
{
  GArray *views;   /* QsTensorView, borrowing names and data */
} Weights;

static QsType
ftype (guint rank, gint64 d0, gint64 d1, gint64 d2, gint64 d3)
{
  QsType t;
  gint64 dims[] = { d0, d1, d2, d3 };

  qs_type_set_tensor (&t, QS_DTYPE_FLOAT32, rank, dims);
  return t;
}

static void
add_weight (GArray *views, const char *name, const float *data, guint rank,
            gint64 d0, gint64 d1, gint64 d2, gint64 d3)
{
  QsTensorView v = { .name = name, .dtype = QS_DTYPE_FLOAT32, .rank = rank, .data = data };
  gint64 dims[] = { d0, d1, d2, d3 };
  gint64 n = 1;

  for (guint i = 0; i < rank; i++)
    v.dims[i] = dims[i], n *= dims[i];
  v.n_bytes = n * sizeof (float);
  g_array_append_val (views, v);
}

/* Saves the views as safetensors in a temporary file and maps them. */
static QsWeights *
save_weights (GArray *views)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("qs-exec-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "w.safetensors", NULL);
  QsWeights *w;

  g_assert_no_error (error);
  g_assert_true (qs_weights_save (path, (QsTensorView *) views->data, views->len, NULL, &error));
  g_assert_no_error (error);
  w = qs_weights_open (path, &error);
  g_assert_no_error (error);
  g_unlink (path);
  g_rmdir (dir);
  return w;
}

static QsId
out_of (QsGraph *g, QsId node)
{
  return g->nodes[node].outputs[0];
}

static QsId
op (QsGraph *g, QsNodeKind kind, const char *name, const char *target,
    const QsId *in, guint n_in, QsType t)
{
  return out_of (g, qs_graph_add_op (g, kind, name, target, in, n_in, &t));
}

static void
finish (QsGraph *g, QsId result)
{
  qs_graph_add_op (g, QS_NODE_OUTPUT, "output", "output", &result, 1, NULL);
}

static QsExecValue *
input (const float *data, guint rank, gint64 d0, gint64 d1, gint64 d2, gint64 d3)
{
  gint64 dims[] = { d0, d1, d2, d3 };

  return qs_exec_value_new_tensor (qs_tensor_new_from_data (QS_DTYPE_FLOAT32, rank, dims, data));
}

/* Runs @g on @x; returns the first output's tensor (owned) or NULL + error. */
static QsTensor *
run1 (QsGraph *g, QsWeights *w, QsExecValue *x, GError **error)
{
  QsExecOptions options = { .n_threads = 2 };
  g_autoptr(QsExec) exec = qs_exec_new (g, w, &options, error);
  g_autoptr(GPtrArray) out = NULL;
  QsExecValue *v;

  g_assert_nonnull (exec);
  out = qs_exec_run (exec, &x, 1, error);
  qs_exec_value_unref (x);
  if (out == NULL)
    return NULL;
  v = out->pdata[0];
  g_assert_cmpint (v->kind, ==, QS_EXEC_VALUE_TENSOR);
  return qs_tensor_ref (v->tensor);
}

static void
assert_floats (const QsTensor *t, const float *want, gint64 n)
{
  g_assert_cmpint (t->n_elements, ==, n);
  for (gint64 i = 0; i < n; i++)
    g_assert_cmpfloat_with_epsilon (qs_tensor_f32 (t)[i], want[i], 1e-5);
}

static void
add_conv3x3 (QsGraph *g, const char *path, gboolean bias)
{
  gint64 k[] = { 3, 3 }, one[] = { 1, 1 };
  QsAttr attrs[] = {
    { .name = "in_channels", .kind = QS_ATTR_INT, .i = 1 },
    { .name = "out_channels", .kind = QS_ATTR_INT, .i = 1 },
    { .name = "kernel_size", .kind = QS_ATTR_INTS, .n = 2, .ints = k },
    { .name = "stride", .kind = QS_ATTR_INTS, .n = 2, .ints = one },
    { .name = "padding", .kind = QS_ATTR_INTS, .n = 2, .ints = one },
  };
  QsParam params[] = { { .name = "weight" }, { .name = "bias" } };
  QsId m = qs_graph_add_module (g, path, "torch.nn.Conv2d");

  params[0].type = ftype (4, 1, 1, 3, 3);
  params[1].type = ftype (1, 1, 0, 0, 0);
  qs_graph_module_set_attrs (g, m, attrs, G_N_ELEMENTS (attrs));
  qs_graph_module_set_params (g, m, params, bias ? 2 : 1);
}

static const float ones9[9] = { 1, 1, 1, 1, 1, 1, 1, 1, 1 };
static const float bias_m20[1] = { -20 };
static const float x9[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };

/* x -> conv(ones 3x3, pad 1, bias -20) -> relu -> + x */
static QsGraph *
build_conv_relu_add (void)
{
  QsGraph *g = qs_graph_new ();
  QsType t = ftype (4, 1, 1, 3, 3);
  QsId x, c, r, in[2];

  qs_graph_add_module (g, "", "Net");
  add_conv3x3 (g, "conv", TRUE);
  x = op (g, QS_NODE_PLACEHOLDER, "x", "x", NULL, 0, t);
  c = op (g, QS_NODE_CALL_MODULE, "conv", "conv", &x, 1, t);
  r = op (g, QS_NODE_CALL_FUNCTION, "relu", "torch.nn.functional.relu", &c, 1, t);
  in[0] = r, in[1] = x;
  finish (g, op (g, QS_NODE_CALL_FUNCTION, "add", "operator.add", in, 2, t));
  return g;
}

static void
test_conv_relu_add (void)
{
  g_autoptr(QsGraph) g = build_conv_relu_add ();
  g_autoptr(GArray) views = g_array_new (FALSE, TRUE, sizeof (QsTensorView));
  g_autoptr(QsWeights) w = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(QsTensor) y = NULL;
  /* 3x3 window sums of 1..9 with zero padding, minus 20, relu, plus x */
  const float want[9] = { 0 + 1, 1 + 2, 0 + 3, 7 + 4, 25 + 5, 13 + 6, 4 + 7, 19 + 8, 8 + 9 };

  add_weight (views, "conv.weight", ones9, 4, 1, 1, 3, 3);
  add_weight (views, "conv.bias", bias_m20, 1, 1, 0, 0, 0);
  w = save_weights (views);
  y = run1 (g, w, input (x9, 4, 1, 1, 3, 3), &error);
  g_assert_no_error (error);
  assert_floats (y, want, 9);
}

static void
test_linear (void)
{
  g_autoptr(QsGraph) g = qs_graph_new ();
  g_autoptr(GArray) views = g_array_new (FALSE, TRUE, sizeof (QsTensorView));
  g_autoptr(QsWeights) w = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(QsTensor) y = NULL;
  static const float wt[6] = { 1, 0, -1, 2, 1, 0 }, b[2] = { 0.5f, -1 }, x[3] = { 1, 2, 3 };
  const float want[2] = { 1 - 3 + 0.5f, 2 + 2 - 1 };
  QsParam params[] = { { .name = "weight" }, { .name = "bias" } };
  QsId m, v;

  qs_graph_add_module (g, "", "Net");
  m = qs_graph_add_module (g, "fc", "torch.nn.Linear");
  params[0].type = ftype (2, 2, 3, 0, 0);
  params[1].type = ftype (1, 2, 0, 0, 0);
  qs_graph_module_set_params (g, m, params, 2);
  v = op (g, QS_NODE_PLACEHOLDER, "x", "x", NULL, 0, ftype (2, 1, 3, 0, 0));
  finish (g, op (g, QS_NODE_CALL_MODULE, "fc", "fc", &v, 1, ftype (2, 1, 2, 0, 0)));
  add_weight (views, "fc.weight", wt, 2, 2, 3, 0, 0);
  add_weight (views, "fc.bias", b, 1, 2, 0, 0, 0);
  w = save_weights (views);
  y = run1 (g, w, input (x, 2, 1, 3, 0, 0), &error);
  g_assert_no_error (error);
  g_assert_cmpint (y->rank, ==, 2);
  assert_floats (y, want, 2);
}

static void
test_batch_norm (void)
{
  g_autoptr(QsGraph) g = qs_graph_new ();
  g_autoptr(GArray) views = g_array_new (FALSE, TRUE, sizeof (QsTensorView));
  g_autoptr(QsWeights) w = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(QsTensor) y = NULL;
  static const float gamma[2] = { 2, 1 }, beta[2] = { 0, 1 }, mean[2] = { 1, 0 },
                     var[2] = { 4, 0.25f }, x[4] = { 1, 3, 1, -1 };
  /* (x - mean) / sqrt (var) * gamma + beta; eps = 0 */
  const float want[4] = { 0, 2, 3, -1 };
  QsParam params[4] = { { .name = "weight" }, { .name = "bias" },
                        { .name = "running_mean", .is_buffer = TRUE },
                        { .name = "running_var", .is_buffer = TRUE } };
  QsAttr eps = { .name = "eps", .kind = QS_ATTR_FLOAT, .f = 0 };
  QsId m, v;

  qs_graph_add_module (g, "", "Net");
  m = qs_graph_add_module (g, "bn", "torch.nn.BatchNorm2d");
  for (guint i = 0; i < 4; i++)
    params[i].type = ftype (1, 2, 0, 0, 0);
  qs_graph_module_set_params (g, m, params, 4);
  qs_graph_module_set_attrs (g, m, &eps, 1);
  v = op (g, QS_NODE_PLACEHOLDER, "x", "x", NULL, 0, ftype (4, 1, 2, 2, 1));
  finish (g, op (g, QS_NODE_CALL_MODULE, "bn", "bn", &v, 1, ftype (4, 1, 2, 2, 1)));
  add_weight (views, "bn.weight", gamma, 1, 2, 0, 0, 0);
  add_weight (views, "bn.bias", beta, 1, 2, 0, 0, 0);
  add_weight (views, "bn.running_mean", mean, 1, 2, 0, 0, 0);
  add_weight (views, "bn.running_var", var, 1, 2, 0, 0, 0);
  w = save_weights (views);
  y = run1 (g, w, input (x, 4, 1, 2, 2, 1), &error);
  g_assert_no_error (error);
  assert_floats (y, want, 4);
}

/* x -> conv (ones 3x3, bias -20) -> bn -> relu: the float executor folds the three
 * into one kernel call when nothing observes the intermediate values; asking for the
 * conv's output (run_until) or watching nodes (a callback) must still see them. */
static void
count_folded_nodes (QsExec *exec, QsId node, const QsExecValue *value, gpointer data)
{
  ++*(int *) data;
}

static void
test_conv_bn_relu_folded (void)
{
  g_autoptr(QsGraph) g = qs_graph_new ();
  g_autoptr(GArray) views = g_array_new (FALSE, TRUE, sizeof (QsTensorView));
  g_autoptr(QsWeights) w = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(QsExec) exec = NULL;
  QsExecOptions options = { .n_threads = 2 };
  static const float gamma[1] = { 1 }, beta[1] = { 0.5f }, mean[1] = { 2 }, var[1] = { 4 };
  /* conv: window sums minus 20; bn: v / 2 - 0.5; relu */
  const float want_conv[9] = { -8, 1, -4, 7, 25, 13, 4, 19, 8 };
  const float want[9] = { 0, 0, 0, 3, 12, 6, 1.5f, 9, 3.5f };
  QsParam params[4] = { { .name = "weight" }, { .name = "bias" },
                        { .name = "running_mean", .is_buffer = TRUE },
                        { .name = "running_var", .is_buffer = TRUE } };
  QsAttr eps = { .name = "eps", .kind = QS_ATTR_FLOAT, .f = 0 };
  QsType t = ftype (4, 1, 1, 3, 3);
  const char *until[2] = { "conv", "relu" };
  QsExecValue *x = input (x9, 4, 1, 1, 3, 3);
  QsId m, v;
  int seen = 0;

  qs_graph_add_module (g, "", "Net");
  add_conv3x3 (g, "conv", TRUE);
  m = qs_graph_add_module (g, "bn", "torch.nn.BatchNorm2d");
  for (guint i = 0; i < 4; i++)
    params[i].type = ftype (1, 1, 0, 0, 0);
  qs_graph_module_set_params (g, m, params, 4);
  qs_graph_module_set_attrs (g, m, &eps, 1);
  v = op (g, QS_NODE_PLACEHOLDER, "x", "x", NULL, 0, t);
  v = op (g, QS_NODE_CALL_MODULE, "conv", "conv", &v, 1, t);
  v = op (g, QS_NODE_CALL_MODULE, "bn", "bn", &v, 1, t);
  finish (g, op (g, QS_NODE_CALL_FUNCTION, "relu", "torch.nn.functional.relu", &v, 1, t));
  add_weight (views, "conv.weight", ones9, 4, 1, 1, 3, 3);
  add_weight (views, "conv.bias", bias_m20, 1, 1, 0, 0, 0);
  add_weight (views, "bn.weight", gamma, 1, 1, 0, 0, 0);
  add_weight (views, "bn.bias", beta, 1, 1, 0, 0, 0);
  add_weight (views, "bn.running_mean", mean, 1, 1, 0, 0, 0);
  add_weight (views, "bn.running_var", var, 1, 1, 0, 0, 0);
  w = save_weights (views);
  exec = qs_exec_new (g, w, &options, &error);
  g_assert_no_error (error);

  for (int round = 0; round < 2; round++)   /* the second run reuses the cached folds */
    {
      g_autoptr(GPtrArray) out = qs_exec_run (exec, &x, 1, &error);

      g_assert_no_error (error);
      assert_floats (((QsExecValue *) out->pdata[0])->tensor, want, 9);
    }
  {
    g_autoptr(GPtrArray) out = qs_exec_run_until (exec, &x, 1, until, 1, &error);

    g_assert_no_error (error);
    assert_floats (((QsExecValue *) out->pdata[0])->tensor, want_conv, 9);
  }
  {
    g_autoptr(GPtrArray) out = qs_exec_run_until (exec, &x, 1, until, 2, &error);

    g_assert_no_error (error);
    assert_floats (((QsExecValue *) out->pdata[0])->tensor, want_conv, 9);
    assert_floats (((QsExecValue *) out->pdata[1])->tensor, want, 9);
  }
  qs_exec_set_node_callback (exec, count_folded_nodes, &seen);
  {
    g_autoptr(GPtrArray) out = qs_exec_run (exec, &x, 1, &error);

    g_assert_no_error (error);
    assert_floats (((QsExecValue *) out->pdata[0])->tensor, want, 9);
    g_assert_cmpint (seen, >=, 4);
  }
  qs_exec_value_unref (x);
}

/* cat ([a, a * 2], dim=1) -> flatten (1) */
static void
test_cat_flatten_scalar (void)
{
  g_autoptr(QsGraph) g = qs_graph_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(QsTensor) y = NULL;
  static const float x[4] = { 1, 2, 3, 4 };
  const float want[8] = { 1, 2, 3, 4, 2, 4, 6, 8 };
  QsId a, b, c, pair[2], node;
  QsAttr mul[] = { { .name = "0", .kind = QS_ATTR_VALUE }, { .name = "1", .kind = QS_ATTR_INT, .i = 2 } };
  QsAttr cat[] = { { .name = "0", .kind = QS_ATTR_VALUES, .n = 2, .values = pair },
                   { .name = "dim", .kind = QS_ATTR_INT, .i = 1 } };
  QsAttr flat[] = { { .name = "0", .kind = QS_ATTR_VALUE }, { .name = "1", .kind = QS_ATTR_INT, .i = 1 } };

  qs_graph_add_module (g, "", "Net");
  a = op (g, QS_NODE_PLACEHOLDER, "x", "x", NULL, 0, ftype (4, 1, 1, 2, 2));
  node = qs_graph_add_op (g, QS_NODE_CALL_FUNCTION, "mul", "operator.mul", &a, 1,
                          (QsType[]) { ftype (4, 1, 1, 2, 2) });
  mul[0].value = a;
  qs_graph_node_set_attrs (g, node, mul, 2);
  b = out_of (g, node);
  pair[0] = a, pair[1] = b;
  node = qs_graph_add_op (g, QS_NODE_CALL_FUNCTION, "cat", "torch.cat", pair, 2,
                          (QsType[]) { ftype (4, 1, 2, 2, 2) });
  qs_graph_node_set_attrs (g, node, cat, 2);
  c = out_of (g, node);
  node = qs_graph_add_op (g, QS_NODE_CALL_FUNCTION, "flatten", "torch.flatten", &c, 1,
                          (QsType[]) { ftype (2, 1, 8, 0, 0) });
  flat[0].value = c;
  qs_graph_node_set_attrs (g, node, flat, 2);
  finish (g, out_of (g, node));
  y = run1 (g, NULL, input (x, 4, 1, 1, 2, 2), &error);
  g_assert_no_error (error);
  g_assert_cmpint (y->rank, ==, 2);
  g_assert_cmpint (y->dims[1], ==, 8);
  assert_floats (y, want, 8);
}

/* maxpool, avgpool (k2 s2) and adaptive avg pool to 1x1 on 4x4 = 1..16 */
static void
test_pooling (void)
{
  const char *targets[] = { "max", "avg", "adaptive" };
  const float want[3][4] = { { 6, 8, 14, 16 }, { 3.5f, 5.5f, 11.5f, 13.5f }, { 8.5f } };
  float x[16];

  for (guint i = 0; i < 16; i++)
    x[i] = i + 1;
  for (guint t = 0; t < 3; t++)
    {
      g_autoptr(QsGraph) g = qs_graph_new ();
      g_autoptr(GError) error = NULL;
      g_autoptr(QsTensor) y = NULL;
      QsAttr attrs[] = { { .name = "kernel_size", .kind = QS_ATTR_INT, .i = 2 },
                         { .name = "stride", .kind = QS_ATTR_INT, .i = 2 },
                         { .name = "output_size", .kind = QS_ATTR_INT, .i = 1 } };
      const char *types[] = { "torch.nn.MaxPool2d", "torch.nn.AvgPool2d",
                              "torch.nn.AdaptiveAvgPool2d" };
      QsId m, v;

      qs_graph_add_module (g, "", "Net");
      m = qs_graph_add_module (g, targets[t], types[t]);
      qs_graph_module_set_attrs (g, m, t == 2 ? attrs + 2 : attrs, t == 2 ? 1 : 2);
      v = op (g, QS_NODE_PLACEHOLDER, "x", "x", NULL, 0, ftype (4, 1, 1, 4, 4));
      finish (g, op (g, QS_NODE_CALL_MODULE, targets[t], targets[t], &v, 1,
                     t == 2 ? ftype (4, 1, 1, 1, 1) : ftype (4, 1, 1, 2, 2)));
      y = run1 (g, NULL, input (x, 4, 1, 1, 4, 4), &error);
      g_assert_no_error (error);
      assert_floats (y, want[t], t == 2 ? 1 : 4);
    }
}

/* x.view (x.size (0), -1) and getitem on the tuple of a split */
static void
test_shape_values (void)
{
  g_autoptr(QsGraph) g = qs_graph_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(QsTensor) y = NULL;
  static const float x[6] = { 1, 2, 3, 4, 5, 6 };
  const float want[2] = { 5, 6 };
  QsType it = { .dtype = QS_DTYPE_INT_SCALAR }, tt = { .dtype = QS_DTYPE_TUPLE };
  QsId a, n, v, s, node;
  QsAttr size[] = { { .name = "0", .kind = QS_ATTR_VALUE }, { .name = "1", .kind = QS_ATTR_INT, .i = 0 } };
  QsAttr view[] = { { .name = "0", .kind = QS_ATTR_VALUE }, { .name = "1", .kind = QS_ATTR_VALUE },
                    { .name = "2", .kind = QS_ATTR_INT, .i = -1 } };
  QsAttr split[] = { { .name = "0", .kind = QS_ATTR_VALUE }, { .name = "1", .kind = QS_ATTR_INT, .i = 2 },
                     { .name = "dim", .kind = QS_ATTR_INT, .i = 1 } };
  QsAttr item[] = { { .name = "0", .kind = QS_ATTR_VALUE }, { .name = "1", .kind = QS_ATTR_INT, .i = -1 } };
  QsId in2[2];

  qs_graph_add_module (g, "", "Net");
  a = op (g, QS_NODE_PLACEHOLDER, "x", "x", NULL, 0, ftype (3, 1, 3, 2, 0));
  node = qs_graph_add_op (g, QS_NODE_CALL_METHOD, "size", "size", &a, 1, &it);
  size[0].value = a;
  qs_graph_node_set_attrs (g, node, size, 2);
  n = out_of (g, node);
  in2[0] = a, in2[1] = n;
  node = qs_graph_add_op (g, QS_NODE_CALL_METHOD, "view", "view", in2, 2,
                          (QsType[]) { ftype (2, 1, 6, 0, 0) });
  view[0].value = a, view[1].value = n;
  qs_graph_node_set_attrs (g, node, view, 3);
  v = out_of (g, node);
  node = qs_graph_add_op (g, QS_NODE_CALL_FUNCTION, "split", "torch.split", &v, 1, &tt);
  split[0].value = v;
  qs_graph_node_set_attrs (g, node, split, 3);
  s = out_of (g, node);
  node = qs_graph_add_op (g, QS_NODE_CALL_FUNCTION, "getitem", "operator.getitem", &s, 1,
                          (QsType[]) { ftype (2, 1, 2, 0, 0) });
  item[0].value = s;
  qs_graph_node_set_attrs (g, node, item, 2);
  finish (g, out_of (g, node));
  y = run1 (g, NULL, input (x, 3, 1, 3, 2, 0), &error);
  g_assert_no_error (error);
  g_assert_cmpint (y->rank, ==, 2);
  assert_floats (y, want, 2);
}

/* ---- errors ------------------------------------------------------------------- */

static void
assert_error_mentions (const GError *error, int code, const char *a, const char *b)
{
  g_assert_error (error, QS_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, a));
  if (b != NULL)
    g_assert_nonnull (strstr (error->message, b));
}

static void
test_error_input_shape (void)
{
  g_autoptr(QsGraph) g = build_conv_relu_add ();
  g_autoptr(GError) error = NULL;
  g_autoptr(QsTensor) y = run1 (g, NULL, input (x9, 4, 1, 1, 1, 9), &error);

  g_assert_null (y);
  assert_error_mentions (error, QS_ERROR_SHAPE, "“x”", "float32[1,1,3,3]");
}

static void
test_error_nan (void)
{
  g_autoptr(QsGraph) g = build_conv_relu_add ();
  g_autoptr(GError) error = NULL;
  float x[9];
  g_autoptr(QsTensor) y = NULL;

  memcpy (x, x9, sizeof x);
  x[4] = NAN;
  y = run1 (g, NULL, input (x, 4, 1, 1, 3, 3), &error);
  g_assert_null (y);
  assert_error_mentions (error, QS_ERROR_INVALID, "“x”", "NaN");
}

static void
test_error_missing_weight (void)
{
  g_autoptr(QsGraph) g = build_conv_relu_add ();
  g_autoptr(GArray) views = g_array_new (FALSE, TRUE, sizeof (QsTensorView));
  g_autoptr(QsWeights) w = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(QsTensor) y = NULL;

  add_weight (views, "conv.weight", ones9, 4, 1, 1, 3, 3);
  w = save_weights (views);
  y = run1 (g, w, input (x9, 4, 1, 1, 3, 3), &error);
  g_assert_null (y);
  assert_error_mentions (error, QS_ERROR_WEIGHTS, "conv.bias", "“conv”");

  g_clear_error (&error);
  y = run1 (g, NULL, input (x9, 4, 1, 1, 3, 3), &error);
  g_assert_null (y);
  assert_error_mentions (error, QS_ERROR_WEIGHTS, "conv.weight", "no weights");
}

static void
count_nodes (QsExec *exec, QsId node, const QsExecValue *value, gpointer user_data)
{
  (*(guint *) user_data)++;
}

/* x -> relu -> mystery.op -> output: the unknown op fails the run, naming
 * node and target; --until relu runs fine. */
static void
test_error_unsupported_and_until (void)
{
  g_autoptr(QsGraph) g = qs_graph_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(QsTensor) y = NULL;
  g_autoptr(QsExec) exec = NULL;
  g_autoptr(GPtrArray) out = NULL;
  g_autoptr(QsExecValue) x = input (x9, 4, 1, 1, 3, 3);
  QsType t = ftype (4, 1, 1, 3, 3);
  const char *until[] = { "relu" };
  guint n_called = 0;
  QsId v;

  qs_graph_add_module (g, "", "Net");
  v = op (g, QS_NODE_PLACEHOLDER, "x", "x", NULL, 0, t);
  v = op (g, QS_NODE_CALL_FUNCTION, "relu", "torch.relu", &v, 1, t);
  finish (g, op (g, QS_NODE_CALL_FUNCTION, "mystery", "mylib.mystery_op", &v, 1, t));
  y = run1 (g, NULL, qs_exec_value_ref (x), &error);
  g_assert_null (y);
  assert_error_mentions (error, QS_ERROR_UNSUPPORTED, "“mystery”", "mylib.mystery_op");
  g_clear_error (&error);

  exec = qs_exec_new (g, NULL, NULL, NULL);
  qs_exec_set_node_callback (exec, count_nodes, &n_called);
  out = qs_exec_run_until (exec, &x, 1, until, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (out->len, ==, 1);
  g_assert_cmpuint (n_called, ==, 2);
  assert_floats (((QsExecValue *) out->pdata[0])->tensor, x9, 9);
  g_clear_pointer (&out, g_ptr_array_unref);

  until[0] = "nope";
  out = qs_exec_run_until (exec, &x, 1, until, 1, &error);
  g_assert_null (out);
  assert_error_mentions (error, QS_ERROR_DANGLING, "“nope”", NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/exec/conv-relu-add", test_conv_relu_add);
  g_test_add_func ("/exec/linear", test_linear);
  g_test_add_func ("/exec/batch-norm", test_batch_norm);
  g_test_add_func ("/exec/conv-bn-relu-folded", test_conv_bn_relu_folded);
  g_test_add_func ("/exec/cat-flatten-scalar", test_cat_flatten_scalar);
  g_test_add_func ("/exec/pooling", test_pooling);
  g_test_add_func ("/exec/shape-values", test_shape_values);
  g_test_add_func ("/exec/error/input-shape", test_error_input_shape);
  g_test_add_func ("/exec/error/nan", test_error_nan);
  g_test_add_func ("/exec/error/missing-weight", test_error_missing_weight);
  g_test_add_func ("/exec/error/unsupported-and-until", test_error_unsupported_and_until);
  return g_test_run ();
}
