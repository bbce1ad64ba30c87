/* test-quant-flow.c: observers and quantization steps against hand-computed numbers,
 * and calibrate -> fake-quant -> convert -> integer on a small conv+bn+relu graph */
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "qs-error.h"
#include "qs-npy.h"
#include "qs-quant.h"

/* ---- observers ------------------------------------------------------------------------ */

static void
test_observer_minmax (void)
{
  g_autoptr(QsObserverState) o = qs_observer_state_new (QS_OBSERVER_MINMAX, QS_QDTYPE_QINT8, 0, 0);
  const float a[] = { -1, 2, 0.5f }, b[] = { 3, -0.5f };

  g_assert_cmpfloat (qs_observer_scale (o), ==, 0);
  qs_observer_update (o, a, 3);
  qs_observer_update (o, b, 2);
  g_assert_cmpfloat (qs_observer_amax (o), ==, 3);
  g_assert_cmpfloat_with_epsilon (qs_observer_scale (o), 3.0 / 127, 1e-12);
}

static void
test_observer_moving_average (void)
{
  g_autoptr(QsObserverState) o = qs_observer_state_new (QS_OBSERVER_MOVING_AVERAGE_MINMAX,
                                                        QS_QDTYPE_QINT16, 0, 0);
  const float a[] = { -1, 2 }, b[] = { -4, 4 };

  qs_observer_update (o, a, 2);
  qs_observer_update (o, b, 2);
  /* min = -1 + 0.01 (-4 + 1) = -1.03, max = 2 + 0.01 (4 - 2) = 2.02 */
  g_assert_cmpfloat_with_epsilon (o->min, -1.03, 1e-9);
  g_assert_cmpfloat_with_epsilon (qs_observer_amax (o), 2.02, 1e-9);
  g_assert_cmpfloat_with_epsilon (qs_observer_scale (o), 2.02 / 32767, 1e-12);
}

static void
test_observer_percentile (void)
{
  g_autoptr(QsObserverState) o = qs_observer_state_new (QS_OBSERVER_PERCENTILE, QS_QDTYPE_QINT8,
                                                        90, 0);
  float x[1000];

  for (guint i = 0; i < 1000; i++)
    x[i] = (i % 2 ? 1.f : -1.f) * (i + 1) / 1000.f;
  qs_observer_update (o, x, 500);
  qs_observer_update (o, x + 500, 500);   /* grows the histogram: bins merge */
  /* 90 % of |x| (uniform on (0, 1]) lie at or below 0.9 */
  g_assert_cmpfloat_with_epsilon (qs_observer_amax (o), 0.9, 2e-3);
}

static void
test_observer_mse (void)
{
  g_autoptr(QsObserverState) o = qs_observer_state_new (QS_OBSERVER_MSE, QS_QDTYPE_QINT8, 0, 0);
  g_autofree float *x = g_new (float, 100001);

  for (guint i = 0; i < 100000; i++)
    x[i] = i / 50000.f - 1;
  x[100000] = 2;
  qs_observer_update (o, x, 100001);
  /* minimise (2 - a)^2 + 1e5 (a / 127)^2 / 12: a = 2 / (1 + 1e5 / (127^2 12)) = 1.319 */
  g_assert_cmpfloat_with_epsilon (qs_observer_amax (o), 2 / (1 + 1e5 / (127.0 * 127 * 12)), 0.01);
}

static void
test_observer_fixed (void)
{
  g_autoptr(QsObserverState) o = qs_observer_state_new (QS_OBSERVER_FIXED_SCALE, QS_QDTYPE_QINT8,
                                                        0, 1.0 / 128);

  g_assert_cmpfloat (qs_observer_scale (o), ==, 1.0 / 128);
  g_assert_cmpfloat (qs_observer_amax (o), ==, 127.0 / 128);
  g_assert_cmpfloat (qs_scale_from_amax (0, QS_QDTYPE_QINT8), >, 0);
  g_assert_cmpfloat (qs_scale_from_amax (1, QS_QDTYPE_FLOAT), ==, 0);
}

static void
test_fake_quant_steps (void)
{
  float s = 0.5f;
  QsErrorStats st;
  const float ref[] = { 1, 2 }, got[] = { 1, 2.1f };

  /* 1.25 / 0.5 = 2.5 rounds half away from zero: 3 and -3 */
  g_assert_cmpfloat (qsk_fake_quant (1.25f, s, QSK_S8), ==, 1.5f);
  g_assert_cmpfloat (qsk_fake_quant (-1.25f, s, QSK_S8), ==, -1.5f);
  g_assert_cmpfloat (qsk_fake_quant (100, s, QSK_S8), ==, 63.5f);     /* 127 * 0.5 */
  g_assert_cmpfloat (qsk_fake_quant (-100, s, QSK_S8), ==, -64);      /* -128 * 0.5 */
  qs_error_stats_compute (ref, got, 2, &st);
  /* 10 log10 (5 / 0.01) */
  g_assert_cmpfloat_with_epsilon (st.sqnr_db, 10 * log10 (5 / (0.1 * 0.1)), 1e-3);
  g_assert_cmpfloat_with_epsilon (st.max_abs, 0.1, 1e-6);
  g_assert_cmpfloat (st.cosine, >, 0.999);
}

/* ---- the flow on x -> conv (2->3, 3x3, pad 1, bias) -> bn -> relu ----------------------- */

static float conv_w[3 * 2 * 9], conv_b[3];
static const float bn_w[3] = { 1.5f, 0.5f, 1 }, bn_b[3] = { 0.1f, -0.2f, 0.3f };
static const float bn_mean[3] = { 0.2f, -0.1f, 0 }, bn_var[3] = { 2, 0.5f, 1 };

static QsType
ftype (guint rank, gint64 d0, gint64 d1, gint64 d2, gint64 d3)
{
  QsType t;
  gint64 dims[] = { d0, d1, d2, d3 };

  qs_type_set_tensor (&t, QS_DTYPE_FLOAT32, rank, dims);
  return t;
}

static void
view (GArray *views, const char *name, const float *data, guint rank, gint64 d0, gint64 d1,
      gint64 d2, gint64 d3)
{
  QsTensorView v = { .name = name, .dtype = QS_DTYPE_FLOAT32, .rank = rank, .data = data };
  gint64 dims[] = { d0, d1, d2, d3 }, n = 1;

  for (guint i = 0; i < rank; i++)
    v.dims[i] = dims[i], n *= dims[i];
  v.n_bytes = n * sizeof (float);
  g_array_append_val (views, v);
}

static QsWeights *
make_weights (char **dir)
{
  g_autoptr(GArray) views = g_array_new (FALSE, TRUE, sizeof (QsTensorView));
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  QsWeights *w;

  for (guint i = 0; i < G_N_ELEMENTS (conv_w); i++)
    conv_w[i] = (float) g_rand_double_range (rand, -0.5, 0.5) * (1 + i / 18);
  for (guint i = 0; i < 3; i++)
    conv_b[i] = (float) g_rand_double_range (rand, -0.2, 0.2);
  view (views, "conv.weight", conv_w, 4, 3, 2, 3, 3);
  view (views, "conv.bias", conv_b, 1, 3, 0, 0, 0);
  view (views, "bn.weight", bn_w, 1, 3, 0, 0, 0);
  view (views, "bn.bias", bn_b, 1, 3, 0, 0, 0);
  view (views, "bn.running_mean", bn_mean, 1, 3, 0, 0, 0);
  view (views, "bn.running_var", bn_var, 1, 3, 0, 0, 0);
  *dir = g_dir_make_tmp ("qs-quant-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (*dir, "net.safetensors", NULL);
  g_assert_true (qs_weights_save (path, (QsTensorView *) views->data, views->len, NULL, &error));
  g_assert_no_error (error);
  w = qs_weights_open (path, &error);
  g_assert_no_error (error);
  return w;
}

static QsId
add_op (QsGraph *g, QsNodeKind kind, const char *name, const char *target, QsId in, QsType t)
{
  QsId n = qs_graph_add_op (g, kind, name, target, in == QS_ID_NONE ? NULL : &in,
                            in == QS_ID_NONE ? 0 : 1, &t);

  return g->nodes[n].outputs[0];
}

static QsGraph *
build_graph (QsWeights *w)
{
  QsGraph *g = qs_graph_new ();
  gint64 k[] = { 3, 3 }, one[] = { 1, 1 };
  QsAttr cattrs[] = {
    { .name = "kernel_size", .kind = QS_ATTR_INTS, .n = 2, .ints = k },
    { .name = "stride", .kind = QS_ATTR_INTS, .n = 2, .ints = one },
    { .name = "padding", .kind = QS_ATTR_INTS, .n = 2, .ints = one },
  };
  QsAttr eps = { .name = "eps", .kind = QS_ATTR_FLOAT, .f = 1e-5 };
  QsParam cp[] = { { .name = "weight" }, { .name = "bias" } };
  QsParam bp[] = { { .name = "weight" }, { .name = "bias" },
                   { .name = "running_mean", .is_buffer = TRUE },
                   { .name = "running_var", .is_buffer = TRUE } };
  QsType t = ftype (4, 1, 3, 4, 4);
  QsId m, x, v;

  qs_graph_set_name (g, "net");
  qs_graph_add_module (g, "", "Net");
  m = qs_graph_add_module (g, "conv", "torch.nn.Conv2d");
  cp[0].type = ftype (4, 3, 2, 3, 3), cp[1].type = ftype (1, 3, 0, 0, 0);
  qs_graph_module_set_attrs (g, m, cattrs, G_N_ELEMENTS (cattrs));
  qs_graph_module_set_params (g, m, cp, 2);
  m = qs_graph_add_module (g, "bn", "torch.nn.BatchNorm2d");
  for (guint i = 0; i < 4; i++)
    bp[i].type = ftype (1, 3, 0, 0, 0);
  qs_graph_module_set_attrs (g, m, &eps, 1);
  qs_graph_module_set_params (g, m, bp, 4);
  x = add_op (g, QS_NODE_PLACEHOLDER, "x", "x", QS_ID_NONE, ftype (4, 1, 2, 4, 4));
  v = add_op (g, QS_NODE_CALL_MODULE, "conv", "conv", x, t);
  v = add_op (g, QS_NODE_CALL_MODULE, "bn", "bn", v, t);
  v = add_op (g, QS_NODE_CALL_FUNCTION, "relu", "torch.nn.functional.relu", v, t);
  qs_graph_add_op (g, QS_NODE_OUTPUT, "output", "output", &v, 1, NULL);
  g->weights = qs_weights_ref (w);
  return g;
}

typedef struct
{
  QsWeights  *weights;
  QsGraph    *graph;
  QsPrepared *prepared;
  char       *dir;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  QsPrepareOptions options = { qs_march_from_name ("nash-e"), QS_QKIND_CALIBRATION, NULL };

  f->weights = make_weights (&f->dir);
  f->graph = build_graph (f->weights);
  f->prepared = qs_pass_prepare (f->graph, &options, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  qs_prepared_free (f->prepared);
  qs_graph_unref (f->graph);
  qs_weights_unref (f->weights);
  g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL));
  g_free (f->dir);
}

static void
count_progress (guint done, guint total, gpointer data)
{
  g_assert_cmpuint (done, <=, total);
  ++*(guint *) data;
}

static QsId
fused_node (QsGraph *g)
{
  for (QsId n = 0; n < g->n_nodes; n++)
    if (g->nodes[n].op == QS_OP_CONV2D)
      return n;
  g_assert_not_reached ();
}

static QsTensor *
run_mode (QsQModel *model, QsQMode mode, QsExecValue *in)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QsExec) exec = qs_qexec_new (model, mode, NULL, &error);
  g_autoptr(GPtrArray) out = NULL;

  g_assert_no_error (error);
  out = qs_qexec_run (exec, &in, 1, NULL, 0, &error);
  g_assert_no_error (error);
  return qs_tensor_ref (((QsExecValue *) out->pdata[0])->tensor);
}

static void
test_flow (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QsCalibData) synth = qs_calib_data_new_synthetic (4, 9);
  g_autoptr(QsQModel) model = NULL, loaded = NULL;
  g_autoptr(QsExec) fexec = NULL;
  g_autoptr(GPtrArray) batches = NULL;
  g_autoptr(QsTensor) yf = NULL, yq = NULL, yi = NULL, yl = NULL;
  g_autofree char *json = NULL, *path = g_build_filename (f->dir, "net-int.qsgraph.json", NULL);
  guint calls = 0;
  QsId c = fused_node (f->prepared->graph);
  QsQWeights *w;
  double amax = 0;

  g_assert_true (qs_calib_data_is_synthetic (synth));
  g_assert_cmpuint (f->prepared->graph->nodes[c].n_fused, ==, 2);
  model = qs_calibrate (f->prepared, f->weights, synth, 0, 1, count_progress, &calls, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (calls, ==, 4);
  g_assert_cmpuint (model->n_batches, ==, 4);

  /* weights: BN folded, per-channel scale = max |w'[o]| / 127 */
  w = model->w[c];
  g_assert_nonnull (w);
  g_assert_nonnull (w->bias_q);
  for (guint o = 0; o < 3; o++)
    {
      double s = bn_w[o] / sqrt (bn_var[o] + 1e-5), m = 0, b;

      for (guint i = 0; i < 18; i++)
        m = MAX (m, fabs (conv_w[o * 18 + i] * s));
      g_assert_cmpfloat_with_epsilon (qs_tensor_f32 (w->w_scale)[o], m / 127, 1e-6 * m);
      b = (conv_b[o] - bn_mean[o]) * s + bn_b[o];
      g_assert_cmpfloat_with_epsilon (qs_tensor_f32 (w->bias)[o], b, 1e-5);
      g_assert_cmpint (((gint32 *) w->bias_q->data)[o], ==,
                       (gint32) round (b / (model->act_scale[f->prepared->graph->values[
                         f->prepared->graph->nodes[c].inputs[0]].producer]
                                            * qs_tensor_f32 (w->w_scale)[o])));
    }

  /* the activation scale is the float outputs' max over the batches / 127 */
  fexec = qs_qexec_new (model, QS_QMODE_FLOAT, NULL, &error);
  g_assert_no_error (error);
  batches = qs_calib_data_batches (synth, fexec, 0, &error);
  g_assert_no_error (error);
  for (guint b = 0; b < batches->len; b++)
    {
      GPtrArray *in = batches->pdata[b];
      g_autoptr(GPtrArray) out = qs_exec_run (fexec, (QsExecValue *const *) in->pdata, 1, &error);
      QsTensor *t = ((QsExecValue *) out->pdata[0])->tensor;

      g_assert_no_error (error);
      for (gint64 i = 0; i < t->n_elements; i++)
        amax = MAX (amax, fabs (qs_tensor_f32 (t)[i]));
    }
  g_assert_cmpfloat_with_epsilon (model->act_scale[c], amax / 127, 1e-6 * amax);

  /* fake-quant: relu'd multiples of the scale; integer: the same, bit for bit */
  yf = run_mode (model, QS_QMODE_FLOAT, ((GPtrArray *) batches->pdata[0])->pdata[0]);
  yq = run_mode (model, QS_QMODE_FAKEQUANT, ((GPtrArray *) batches->pdata[0])->pdata[0]);
  yi = run_mode (model, QS_QMODE_INT, ((GPtrArray *) batches->pdata[0])->pdata[0]);
  for (gint64 i = 0; i < yq->n_elements; i++)
    {
      float q = qs_tensor_f32 (yq)[i] / model->act_scale[c];

      g_assert_cmpfloat (qs_tensor_f32 (yq)[i], >=, 0);
      g_assert_cmpfloat_with_epsilon (q, roundf (q), 1e-4);
      g_assert_cmpfloat_with_epsilon (qs_tensor_f32 (yq)[i], qs_tensor_f32 (yf)[i],
                                      2 * model->act_scale[c]);
      g_assert_cmpfloat (qs_tensor_f32 (yi)[i], ==, qs_tensor_f32 (yq)[i]);
    }

  /* calibration JSON, and the converted graph survives a round trip */
  json = qs_qmodel_to_json (model);
  g_assert_nonnull (strstr (json, "\"synthetic\": true"));
  g_assert_true (qs_qmodel_save (model, path, &error));
  g_assert_no_error (error);
  loaded = qs_qmodel_load (path, &error);
  g_assert_no_error (error);
  yl = run_mode (loaded, QS_QMODE_INT, ((GPtrArray *) batches->pdata[0])->pdata[0]);
  g_assert_cmpmem (yl->data, yl->n_bytes, yi->data, yi->n_bytes);
}

static void
test_cancel (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QsCalibData) synth = qs_calib_data_new_synthetic (2, 1);
  g_autoptr(GCancellable) cancel = g_cancellable_new ();

  g_cancellable_cancel (cancel);
  g_assert_null (qs_calibrate (f->prepared, f->weights, synth, 0, 1, NULL, NULL, cancel, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
expect_data_error (Fixture *f, QsTensor *t, const char *name, const char *want)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, name, NULL);
  g_autoptr(QsCalibData) d = NULL;

  g_assert_true (qs_npy_save (path, t, &error));
  d = qs_calib_data_open (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (qs_calibrate (f->prepared, f->weights, d, 0, 1, NULL, NULL, NULL, &error));
  g_assert_nonnull (error);
  if (strstr (error->message, want) == NULL)
    g_error ("“%s” does not say “%s”", error->message, want);
}

static void
test_bad_data (Fixture *f, gconstpointer data)
{
  gint64 good[] = { 3, 2, 4, 4 }, empty[] = { 0, 2, 4, 4 }, wrong[] = { 3, 2, 5, 4 };
  g_autoptr(QsTensor) a = qs_tensor_new (QS_DTYPE_FLOAT32, 4, good);
  g_autoptr(QsTensor) e = qs_tensor_new (QS_DTYPE_FLOAT32, 4, empty);
  g_autoptr(QsTensor) s = qs_tensor_new (QS_DTYPE_FLOAT32, 4, wrong);
  g_autoptr(GError) error = NULL;

  qs_tensor_f32 (a)[40] = NAN;
  expect_data_error (f, a, "nan.npy", "NaN or infinity (sample 1");
  expect_data_error (f, e, "empty.npy", "empty calibration set");
  expect_data_error (f, s, "wrong.npy", "the model takes [N, 2, 4, 4]");
  g_assert_null (qs_calib_data_open ("/nonexistent.txt", NULL, &error));
  g_assert_error (error, QS_ERROR, QS_ERROR_UNSUPPORTED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/quant/observer/minmax", test_observer_minmax);
  g_test_add_func ("/quant/observer/moving-average", test_observer_moving_average);
  g_test_add_func ("/quant/observer/percentile", test_observer_percentile);
  g_test_add_func ("/quant/observer/mse", test_observer_mse);
  g_test_add_func ("/quant/observer/fixed", test_observer_fixed);
  g_test_add_func ("/quant/fake-quant-steps", test_fake_quant_steps);
  g_test_add ("/quant/flow", Fixture, NULL, fixture_setup, test_flow, fixture_teardown);
  g_test_add ("/quant/cancel", Fixture, NULL, fixture_setup, test_cancel, fixture_teardown);
  g_test_add ("/quant/bad-data", Fixture, NULL, fixture_setup, test_bad_data, fixture_teardown);
  return g_test_run ();
}
