/* test-cost: the NASH latency model (engine/qs-cost.c)
 *
 * Formulas on hand-computed kernels, padding and monotonicity on small
 * generated graphs, and every demo/torchvision model against recorded
 * estimates (data/cost/nash-cost.json as built in).
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "qs-cost-private.h"
#include "qs-error.h"
#include "qs-graph-json.h"

/* Round numbers so every expected value is mental arithmetic. */
static QsCostParams
simple_params (void)
{
  QsCostParams p = { 0 };

  p.clock_mhz = 1000;            /* 1 cycle = 1 ns */
  p.tae_macs_per_cycle = 1000;
  p.tae_eff = 0.5;
  p.tae_k_half = 0;              /* no small-channel falloff unless a test sets it */
  p.tae_n_half = 0;
  p.ratio_int16_one = 2;
  p.ratio_int16_both = 4;
  p.ratio_fp16 = 4;
  p.vec_elems_per_cycle = 100;
  p.vec_ratio_16 = 2;
  p.lut_passes = 2;
  p.move_bytes_per_cycle = 64;
  p.fixed_cycles = 100;
  p.ddr_gbps = 10;
  p.ddr_eff = 0.5;               /* 5 bytes per ns */
  p.onchip_kib = 1;
  p.align = 16;
  p.host_us = 100;
  p.host_us_per_mib = 10;
  p.cpu_gmacs = 1;
  p.cpu_gbps = 1;
  p.boundary_us = 20;
  p.cores = 1;
  return p;
}

static void
test_formula_tae (void)
{
  QsCostParams p = simple_params ();
  QsCostKernel k = { 0 };
  QsNodeCost c;

  k.kind = QS_KERNEL_TAE;
  k.tae_macs = 1e6, k.tae_k = 144, k.tae_n = 32;
  /* 1e6 MACs / (1000 x 0.5) = 2000 cycles = 2 µs, + 0.1 µs fixed */
  g_assert_cmpfloat_with_epsilon (qs_cost_kernel_time (&k, &p, 1, &c), 2.1, 1e-9);
  g_assert_cmpint (c.bound, ==, QS_BOUND_COMPUTE);
  /* k_half = 144, n_half = 32: each factor halves the efficiency */
  p.tae_k_half = 144, p.tae_n_half = 32;
  g_assert_cmpfloat_with_epsilon (qs_cost_kernel_time (&k, &p, 1, NULL), 8.1, 1e-9);
  p = simple_params ();
  k.tae_dtype = QS_TAE_INT16_ONE;
  g_assert_cmpfloat_with_epsilon (qs_cost_kernel_time (&k, &p, 1, NULL), 4.1, 1e-9);
  k.tae_dtype = QS_TAE_INT16_BOTH;
  g_assert_cmpfloat_with_epsilon (qs_cost_kernel_time (&k, &p, 1, NULL), 8.1, 1e-9);
}

static void
test_formula_ddr (void)
{
  QsCostParams p = simple_params ();
  QsCostKernel k = { 0 };
  QsNodeCost c;

  k.kind = QS_KERNEL_TAE;
  k.tae_macs = 1e6, k.tae_k = 144, k.tae_n = 32;
  /* 1 MB weights at 5 B/ns = 200 µs: DDR-bound, compute hidden under it */
  k.weight_bytes = 1e6;
  g_assert_cmpfloat_with_epsilon (qs_cost_kernel_time (&k, &p, 1, &c), 200.1, 1e-9);
  g_assert_cmpint (c.bound, ==, QS_BOUND_DDR);
  g_assert_cmpuint (c.ddr_bytes, ==, 1000000);
  /* activations spill only beyond the on-chip 1 KiB */
  k.weight_bytes = 0;
  k.n_tensors = 2, k.tensor_bytes[0] = 1024, k.tensor_bytes[1] = 1024 + 5000;
  g_assert_cmpfloat_with_epsilon (qs_cost_kernel_time (&k, &p, 1, &c), 2.1, 1e-9);
  g_assert_cmpuint (c.ddr_bytes, ==, 5000);
  /* two cores sharing the DDR halve the bandwidth */
  k.tensor_bytes[1] = 1024 + 50000;
  g_assert_cmpfloat_with_epsilon (qs_cost_kernel_time (&k, &p, 2, NULL), 20.1, 1e-9);
}

static void
test_formula_vector (void)
{
  QsCostParams p = simple_params ();
  QsCostKernel k = { 0 };
  QsNodeCost c;

  k.kind = QS_KERNEL_VEC;
  /* 1000 plain + 1000 LUT elements x 2 passes = 3000 / 100 = 30 cycles */
  k.vec_elems = 1000, k.lut_elems = 1000;
  g_assert_cmpfloat_with_epsilon (qs_cost_kernel_time (&k, &p, 1, &c), 0.13, 1e-9);
  g_assert_cmpint (c.bound, ==, QS_BOUND_FIXED);
  k.vec_elems = 100000, k.lut_elems = 0;
  g_assert_cmpfloat_with_epsilon (qs_cost_kernel_time (&k, &p, 1, &c), 1.1, 1e-9);
  g_assert_cmpint (c.bound, ==, QS_BOUND_VECTOR);
  k.vec_wide = TRUE;
  g_assert_cmpfloat_with_epsilon (qs_cost_kernel_time (&k, &p, 1, NULL), 2.1, 1e-9);
  /* requantizing 10000 input elements: one more vector pass */
  k.vec_wide = FALSE, k.requant_elems = 10000;
  g_assert_cmpfloat_with_epsilon (qs_cost_kernel_time (&k, &p, 1, NULL), 1.2, 1e-9);
}

static void
test_formula_move_cpu_host (void)
{
  QsCostParams p = simple_params ();
  QsCostKernel k = { 0 };
  QsNodeCost c;

  k.kind = QS_KERNEL_MOVE;
  k.move_bytes = 64000;   /* 1000 cycles */
  g_assert_cmpfloat_with_epsilon (qs_cost_kernel_time (&k, &p, 1, &c), 1.1, 1e-9);
  g_assert_cmpint (c.bound, ==, QS_BOUND_MOVE);
  memset (&k, 0, sizeof k);
  k.kind = QS_KERNEL_CPU;
  k.macs = 1e6;           /* 1000 µs at 1 GMAC/s */
  k.cpu_bytes = 2000;     /* 2 µs at 1 GB/s */
  k.crossings = 2;        /* 2 x 20 µs */
  g_assert_cmpfloat_with_epsilon (qs_cost_kernel_time (&k, &p, 1, &c), 1042, 1e-9);
  g_assert_cmpint (c.bound, ==, QS_BOUND_CPU);
  g_assert_true (c.on_cpu);
  g_assert_cmpfloat_with_epsilon (qs_cost_host_us (&p, 2 * 1024 * 1024), 120, 1e-9);
}

/* x [1, cin, hw, hw] -> conv (cout, k x k, groups) -> [op] -> output */
static QsGraph *
conv_graph (guint       cin,
            guint       cout,
            guint       ksize,
            guint       groups,
            guint       hw,
            const char *then)
{
  g_autoptr(GString) s = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  QsGraph *g;

  g_string_append_printf (s,
    "{\"format\":\"quantscope-graph\",\"version\":1,\"model\":{\"name\":\"t\",\"metadata\":{}},"
    "\"weights\":null,\"modules\":[{\"path\":\"\",\"type\":\"Net\"},"
    "{\"path\":\"conv\",\"type\":\"torch.nn.Conv2d\",\"attrs\":{\"in_channels\":%u,"
    "\"out_channels\":%u,\"kernel_size\":[%u,%u],\"stride\":[1,1],\"padding\":[%u,%u],"
    "\"groups\":%u},\"params\":[{\"name\":\"weight\",\"dtype\":\"float32\","
    "\"shape\":[%u,%u,%u,%u]}]}],\"values\":["
    "{\"id\":0,\"dtype\":\"float32\",\"shape\":[1,%u,%u,%u]},"
    "{\"id\":1,\"dtype\":\"float32\",\"shape\":[1,%u,%u,%u]},"
    "{\"id\":2,\"dtype\":\"float32\",\"shape\":[1,%u,%u,%u]}],\"nodes\":["
    "{\"id\":0,\"name\":\"x\",\"kind\":\"placeholder\",\"target\":\"x\",\"inputs\":[],"
    "\"outputs\":[0],\"args\":[]},"
    "{\"id\":1,\"name\":\"conv\",\"kind\":\"call_module\",\"target\":\"conv\",\"inputs\":[0],"
    "\"outputs\":[1],\"args\":[{\"value\":0}]},",
    cin, cout, ksize, ksize, ksize / 2, ksize / 2, groups, cout, cin / groups, ksize, ksize,
    cin, hw, hw, cout, hw, hw, cout, hw, hw);
  if (then != NULL)
    g_string_append_printf (s,
      "{\"id\":2,\"name\":\"%s\",\"kind\":\"call_function\",\"target\":\"torch.%s\","
      "\"inputs\":[1],\"outputs\":[2],\"args\":[{\"value\":1}]},"
      "{\"id\":3,\"name\":\"output\",\"kind\":\"output\",\"target\":\"output\",\"inputs\":[2],"
      "\"outputs\":[],\"args\":[[{\"value\":2}]]}],\"wrapped\":[]}", then, then);
  else
    g_string_append (s,
      "{\"id\":2,\"name\":\"output\",\"kind\":\"output\",\"target\":\"output\",\"inputs\":[1],"
      "\"outputs\":[],\"args\":[[{\"value\":1}]]}],\"wrapped\":[]}");
  g = qs_graph_load_from_data (s->str, s->len, "conv.qsgraph.json", QS_GRAPH_LOAD_NO_WEIGHTS,
                               &error);
  g_assert_no_error (error);
  return g;
}

/* The time of the node named @name (all kernels when NULL), µs. */
static double
graph_time (QsGraph      *g,
            QsMarch       march,
            const char   *rules_json,
            const QsCostParams *p,
            const char   *name,
            QsCostKernel *kernel_out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QsRuleSet) rules = NULL;
  g_autoptr(QsPrepared) prepared = NULL;
  g_autoptr(QsCostKernels) ks = NULL;
  QsPrepareOptions options = { march, QS_QKIND_CALIBRATION, NULL };
  double t = 0;

  if (rules_json != NULL)
    {
      rules = qs_rule_set_load_from_data (rules_json, strlen (rules_json), "rules.json", &error);
      g_assert_no_error (error);
      options.rules = rules;
    }
  prepared = qs_pass_prepare (g, &options, &error);
  g_assert_no_error (error);
  ks = qs_cost_kernels_extract (prepared, p);
  for (guint i = 0; i < ks->kernels->len; i++)
    {
      QsCostKernel *k = &g_array_index (ks->kernels, QsCostKernel, i);

      if (name != NULL && g_strcmp0 (prepared->graph->nodes[k->node].name, name) != 0)
        continue;
      t += qs_cost_kernel_time (k, p, 1, NULL);
      if (kernel_out != NULL)
        *kernel_out = *k;
    }
  return t;
}

static double
conv_time (guint cin, guint cout, guint groups, const char *rules, QsCostKernel *k)
{
  QsCostParams p = simple_params ();
  g_autoptr(QsGraph) g = conv_graph (cin, cout, 3, groups, 16, NULL);

  p.tae_k_half = 64, p.tae_n_half = 32;
  return graph_time (g, QS_MARCH_NASH_E, rules, &p, "conv", k);
}

static void
test_extract_conv (void)
{
  QsCostKernel k;

  /* 3 -> 64 channels, 3x3, 16x16: reduction padded to 16 x 9 = 144 */
  conv_time (3, 64, 1, NULL, &k);
  g_assert_cmpint (k.kind, ==, QS_KERNEL_TAE);
  g_assert_cmpfloat (k.tae_k, ==, 144);
  g_assert_cmpfloat (k.tae_n, ==, 64);
  g_assert_cmpfloat (k.tae_macs, ==, 256.0 * 144 * 64);
  g_assert_cmpfloat (k.macs, ==, 256.0 * 27 * 64);
  g_assert_cmpfloat (k.weight_bytes, ==, 64.0 * 3 * 9);
  /* depthwise runs on the vector engine: one MAC per tap */
  conv_time (32, 32, 32, NULL, &k);
  g_assert_cmpint (k.kind, ==, QS_KERNEL_VEC);
  g_assert_cmpfloat (k.vec_elems, ==, 32.0 * 256 * 9);
}

static void
test_alignment_staircase (void)
{
  /* channels pad to 16 on NASH: 17..32 cost the same, 33 costs more */
  double t17 = conv_time (17, 17, 1, NULL, NULL), t32 = conv_time (32, 32, 1, NULL, NULL);
  double t16 = conv_time (16, 16, 1, NULL, NULL), t33 = conv_time (33, 33, 1, NULL, NULL);

  g_assert_cmpfloat_with_epsilon (t17, t32, 1e-9);
  g_assert_cmpfloat (t16, <, t17);
  g_assert_cmpfloat (t32, <, t33);
  g_assert_cmpfloat_with_epsilon (conv_time (20, 64, 1, NULL, NULL),
                                   conv_time (32, 64, 1, NULL, NULL), 1e-9);
}

static void
test_monotonic_channels (void)
{
  double prev = 0;

  for (guint c = 1; c <= 300; c += 7)
    {
      double t = conv_time (c, c, 1, NULL, NULL);

      g_assert_cmpfloat (t, >=, prev);
      prev = t;
    }
  prev = 0;
  for (guint c = 1; c <= 300; c += 5)
    {
      double t = conv_time (64, c, 1, NULL, NULL);

      g_assert_cmpfloat (t, >=, prev);
      prev = t;
    }
}

static void
test_monotonic_dtype (void)
{
  static const char *int16_act =
    "{\"kind\":\"calibration\",\"rules\":[{\"op\":\"conv2d\",\"activation\":\"qint16\"}]}";
  static const char *int16_both =
    "{\"kind\":\"calibration\",\"rules\":[{\"op\":\"conv2d\",\"activation\":\"qint16\","
    "\"weight\":\"qint16\"}]}";

  for (guint c = 8; c <= 256; c *= 2)
    {
      double t8 = conv_time (c, c, 1, NULL, NULL);
      double t16 = conv_time (c, c, 1, int16_act, NULL);
      double t1616 = conv_time (c, c, 1, int16_both, NULL);

      g_assert_cmpfloat (t16, >=, t8);
      g_assert_cmpfloat (t1616, >=, t16);
      /* depthwise (vector engine) too */
      g_assert_cmpfloat (conv_time (c, c, c, int16_act, NULL), >=, conv_time (c, c, c, NULL, NULL));
    }
}

static void
test_vector_ops (void)
{
  QsCostParams p = simple_params ();
  g_autoptr(QsGraph) g = conv_graph (16, 16, 1, 1, 8, "sigmoid");
  g_autoptr(QsGraph) sm = conv_graph (16, 16, 1, 1, 8, "softmax");
  QsCostKernel k;

  /* sigmoid: a LUT activation over 16 x 8 x 8 elements */
  graph_time (g, QS_MARCH_NASH_E, NULL, &p, "sigmoid", &k);
  g_assert_cmpint (k.kind, ==, QS_KERNEL_VEC);
  g_assert_cmpfloat (k.lut_elems, ==, 1024);
  g_assert_cmpfloat (k.vec_elems, ==, 0);
  /* softmax: five plain vector passes and one LUT pass (exp) */
  graph_time (sm, QS_MARCH_NASH_E, NULL, &p, "softmax", &k);
  g_assert_cmpfloat (k.lut_elems, ==, 1024);
  g_assert_cmpfloat (k.vec_elems, ==, 4 * 1024);
}

static void
test_cpu_fallback (void)
{
  static const char *float_sigmoid =
    "{\"kind\":\"calibration\",\"rules\":[{\"op\":\"sigmoid\",\"activation\":\"float\"}]}";
  QsCostParams p = simple_params ();
  g_autoptr(QsGraph) g = conv_graph (16, 16, 1, 1, 8, "sigmoid");
  QsCostKernel k;
  double t = graph_time (g, QS_MARCH_NASH_E, float_sigmoid, &p, "sigmoid", &k);

  g_assert_cmpint (k.kind, ==, QS_KERNEL_CPU);
  g_assert_cmpuint (k.crossings, ==, 1);
  /* 1024 float elements in and out = 8192 B at 1 GB/s, + one crossing */
  g_assert_cmpfloat_with_epsilon (t, 8.192 + 20, 1e-9);
}

/* Recorded estimates (ms, one thread, default calibration qconfig) of the
 * built-in parameters. Tolerance 1%: a formula or parameter change that
 * moves a model more than that must re-record (and re-justify) them. */
static const struct
{
  const char *model;
  QsMarch     march;
  double      ms;
} golden[] = {
#include "test-cost-golden.inc"
};

static void
test_models_golden (void)
{
  g_autoptr(QsCostModel) model = NULL;
  g_autoptr(GError) error = NULL;
  const char *src = g_getenv ("QS_SOURCE_DIR") ? g_getenv ("QS_SOURCE_DIR") : QS_SOURCE_DIR;
  g_autofree char *file = g_build_filename (src, "data", "cost", "nash-cost.json", NULL);

  /* The source file, so a refit that was not rebuilt still tests what is on disk. */
  model = qs_cost_model_load (file, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (golden); i++)
    {
      g_autofree char *base = g_strconcat (golden[i].model, ".qsgraph.json", NULL);
      g_autofree char *path = g_build_filename (src, "data", "models", base, NULL);
      g_autoptr(QsGraph) g = NULL;
      g_autoptr(QsPrepared) prepared = NULL;
      g_autoptr(QsCostEstimate) e = NULL;
      QsPrepareOptions options = { golden[i].march, QS_QKIND_CALIBRATION, NULL };
      const QsCostParams *p;

      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        {
          g_test_message ("%s missing: skipped", path);
          continue;
        }
      g = qs_graph_load (path, QS_GRAPH_LOAD_NO_WEIGHTS, &error);
      g_assert_no_error (error);
      prepared = qs_pass_prepare (g, &options, &error);
      g_assert_no_error (error);
      p = qs_cost_model_get (model, golden[i].march, &error);
      g_assert_no_error (error);
      e = qs_cost_estimate (prepared, p, 1);
      g_test_message ("%s on %s: %.4f ms (recorded %.4f)", golden[i].model,
                      qs_march_name (golden[i].march), e->total_us / 1000, golden[i].ms);
      g_assert_cmpfloat (fabs (e->total_us / 1000 / golden[i].ms - 1), <=, 0.01);
      g_assert_cmpfloat_with_epsilon (e->bpu_us + e->cpu_us + e->host_us, e->total_us, 1e-6);
    }
}

static void
test_model_file (void)
{
  g_autoptr(QsCostModel) model = qs_cost_model_load (NULL, NULL);
  g_autoptr(QsCostModel) copy = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;

  g_assert_nonnull (model);
  for (QsMarch m = 0; m < QS_N_MARCHES; m++)
    g_assert_nonnull (qs_cost_model_get (model, m, NULL));
  g_assert_true (qs_cost_model_is_calibrated (model, QS_MARCH_NASH_E));
  g_assert_false (qs_cost_model_is_calibrated (model, QS_MARCH_NASH_H));
  g_assert_cmpstr (qs_cost_model_get_source (model, QS_MARCH_NASH_E, "tae_eff"), ==, "fitted");
  g_assert_true (g_str_has_prefix (qs_cost_model_get_source (model, QS_MARCH_NASH_E,
                                                             "ddr_eff"), "fact"));
  /* round trip */
  data = qs_cost_model_to_data (model);
  copy = qs_cost_model_load_from_data (data, strlen (data), "copy.json", &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (qs_cost_model_get (copy, QS_MARCH_NASH_M, NULL)->clock_mhz, ==, 1500);
  /* a bad file names the parameter */
  qs_cost_model_free (qs_cost_model_load_from_data (
    "{\"marches\":{\"nash-e\":{\"params\":{}}}}", -1, "bad.json", &error));
  g_assert_error (error, QS_ERROR, QS_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "clock_mhz"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cost/formula/tae", test_formula_tae);
  g_test_add_func ("/cost/formula/ddr", test_formula_ddr);
  g_test_add_func ("/cost/formula/vector", test_formula_vector);
  g_test_add_func ("/cost/formula/move-cpu-host", test_formula_move_cpu_host);
  g_test_add_func ("/cost/extract/conv", test_extract_conv);
  g_test_add_func ("/cost/extract/vector-ops", test_vector_ops);
  g_test_add_func ("/cost/extract/cpu-fallback", test_cpu_fallback);
  g_test_add_func ("/cost/alignment-staircase", test_alignment_staircase);
  g_test_add_func ("/cost/monotonic/channels", test_monotonic_channels);
  g_test_add_func ("/cost/monotonic/dtype", test_monotonic_dtype);
  g_test_add_func ("/cost/file", test_model_file);
  g_test_add_func ("/cost/models-golden", test_models_golden);
  return g_test_run ();
}
