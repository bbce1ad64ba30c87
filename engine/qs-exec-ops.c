/* qs-exec-ops.c: the float executor's compute ops, each a call into the
 * kernels library (kernels/qsk.h)
 *
 * Every op reads its hyperparameters from the module (call_module) or from
 * the FX arguments (call_function / call_method), checks them, allocates
 * its output and runs one kernel. Shapes come from the actual inputs, never
 * from the recorded types, so a wrong recording cannot overrun a buffer.
 */
#include "qs-exec-private.h"

#include <math.h>
#include <string.h>

static QsTensor *
new_f32 (guint         rank,
         const gint64 *dims)
{
  return qs_tensor_new (QS_DTYPE_FLOAT32, rank, dims);
}

static gint64
prod (const gint64 *dims,
      guint         from,
      guint         to)
{
  gint64 n = 1;

  for (guint i = from; i < to; i++)
    n *= dims[i];
  return n;
}

static const QsModule *
need_module (QsExec        *exec,
             const QsNode  *node,
             GError       **error)
{
  const QsModule *m = qs_graph_node_module (exec->graph, node);

  if (m == NULL)
    {
      g_autofree char *what = qs_exec_describe_node (exec, node);

      return qs_exec_fail (error, node, QS_ERROR_UNSUPPORTED,
                           "%s: only the nn.Module form of this op is supported; the "
                           "functional form needs its weights as graph values", what);
    }
  return m;
}

/* ---- convolution -------------------------------------------------------------- */

static QsTensor *bn_affine (QsExec         *exec,
                            const QsNode   *node,
                            const QsModule *m,
                            GError        **error);

/* The node reading @value as its only input when it is @value's only remaining use
 * and its own output is still needed (so @value is no pinned target), else NULL. */
static const QsNode *
sole_consumer (QsExec   *exec,
               QsId      value,
               QsOp      op)
{
  const QsId *u;
  const QsNode *node;
  guint n;

  if (exec->uses == NULL || exec->uses[value] != 1)
    return NULL;
  u = qs_graph_value_uses (exec->graph, value, &n);
  if (n != 1)
    return NULL;
  node = &exec->graph->nodes[u[0]];
  if (node->op != op || node->n_inputs != 1 || node->inputs[0] != value
      || node->n_outputs < 1 || exec->uses[node->outputs[0]] == 0)
    return NULL;
  return node;
}

/* Folding conv + batch-norm (+ relu) into one kernel call, in float runs without node
 * callbacks or a runner (those observe every intermediate value).  Sets *bn, *relu
 * (or NULL) and the BN's cached per-channel affine. */
static void
fusion_plan (QsExec        *exec,
             const QsNode  *conv,
             gint64         oc,
             const QsNode **bn,
             QsTensor     **affine,
             const QsNode **relu)
{
  const QsModule *m;
  g_autoptr(GError) ignored = NULL;

  *bn = *relu = NULL, *affine = NULL;
  if (exec->func != NULL || exec->runner != NULL || conv->n_outputs < 1
      || g_getenv ("QS_EXEC_NO_FUSION") != NULL)
    return;
  *bn = sole_consumer (exec, conv->outputs[0], QS_OP_BATCH_NORM);
  if (*bn == NULL || (m = qs_graph_node_module (exec->graph, *bn)) == NULL
      || (*affine = bn_affine (exec, *bn, m, &ignored)) == NULL || (*affine)->dims[1] != oc)
    {
      *bn = NULL, *affine = NULL;
      return;
    }
  *relu = sole_consumer (exec, (*bn)->outputs[0], QS_OP_RELU);
}

/* The conv's weights (folded with a batch-norm affine when given) and bias, packed for
 * the kernel the executor calls; cached per module (and batch-norm). */
static gboolean
conv_weights (QsExec            *exec,
              const QsModule    *m,
              const QsNode      *bn,
              const QskConvGeom *g,
              QsTensor          *w,
              QsTensor          *b,
              QsTensor          *affine,
              QsTensor         **w_out,
              QsTensor         **b_out,
              QsTensor         **packed,
              size_t            *layout)
{
  const QsModule *bm = bn ? qs_graph_node_module (exec->graph, bn) : NULL;
  g_autofree char *key = g_strconcat (m->path, "#", bm ? bm->path : "", NULL);
  g_autofree char *kw = g_strconcat (key, "#w", NULL), *kb = g_strconcat (key, "#b", NULL);
  g_autofree char *kp = g_strconcat (key, "#packed", NULL);
  size_t size;

  *layout = qsk_conv2d_f32_pack_layout (exec->k->conv2d_f32);
  *w_out = w, *b_out = b, *packed = NULL;
  if (affine != NULL)
    {
      if ((*w_out = qs_exec_cached (exec, kw)) == NULL)
        {
          const float *sc = qs_tensor_f32 (affine), *sh = sc + affine->dims[1];
          gint64 oc = affine->dims[1], per = w->n_elements / oc, bdim = oc;
          QsTensor *fw = qs_tensor_new_like (w), *fb = new_f32 (1, &bdim);

          for (gint64 o = 0; o < oc; o++)
            {
              for (gint64 e = 0; e < per; e++)
                qs_tensor_f32 (fw)[o * per + e] = qs_tensor_f32 (w)[o * per + e] * sc[o];
              qs_tensor_f32 (fb)[o] = (float) ((b ? (double) qs_tensor_f32 (b)[o] : 0.0) * sc[o]
                                               + sh[o]);
            }
          *w_out = qs_exec_cache (exec, kw, fw);
          qs_exec_cache (exec, kb, fb);
        }
      *b_out = qs_exec_cached (exec, kb);
    }
  size = qsk_conv2d_f32_packed_size (g, *layout);
  if (size == 0)
    return TRUE;
  if ((*packed = qs_exec_cached (exec, kp)) == NULL)
    {
      gint64 n = (gint64) (size / sizeof (float));

      *packed = new_f32 (1, &n);
      qsk_conv2d_f32_pack (g, *layout, qs_tensor_f32 (*w_out), qs_tensor_f32 (*packed));
      qs_exec_cache (exec, kp, *packed);
    }
  return TRUE;
}

/* Reads stride, padding, dilation for @spatial dims into the 2-D geometry
 * (conv1d uses the width axis). */
static gboolean
conv_params (QsExec         *exec,
             const QsNode   *node,
             const QsModule *m,
             guint           spatial,
             const gint64   *k,
             gint64         *s,
             gint64         *p0,
             gint64         *p1,
             gint64         *d,
             GError        **error)
{
  const QsAttr *pad = qs_attrs_find (m->attrs, m->n_attrs, "padding");
  const char *mode = qs_exec_attr_string (qs_attrs_find (m->attrs, m->n_attrs, "padding_mode"),
                                          "zeros");
  gint64 p[2] = { 0, 0 };
  guint n;

  for (guint i = 0; i < spatial; i++)
    s[i] = 1, d[i] = 1;
  qs_module_get_ints (m, "stride", s, spatial);
  qs_module_get_ints (m, "dilation", d, spatial);
  if (strcmp (mode, "zeros") != 0)
    return qs_exec_fail (error, node, QS_ERROR_UNSUPPORTED,
                         "module “%s”: padding_mode='%s' is not supported (only 'zeros')",
                         m->path, mode) != NULL;
  if (pad != NULL && pad->kind == QS_ATTR_STRING && strcmp (pad->s, "same") == 0)
    {
      for (guint i = 0; i < spatial; i++)
        {
          gint64 total = d[i] * (k[i] - 1);

          p0[i] = total / 2, p1[i] = total - total / 2;
        }
      return TRUE;
    }
  if (pad != NULL && !(pad->kind == QS_ATTR_STRING && strcmp (pad->s, "valid") == 0)
      && !qs_exec_attr_ints (exec, node, pad, TRUE, p, spatial, &n, error))
    return FALSE;
  for (guint i = 0; i < spatial; i++)
    {
      if (s[i] < 1 || d[i] < 1 || p[i] < 0)
        return qs_exec_fail (error, node, QS_ERROR_INVALID,
                             "module “%s”: stride, dilation or padding out of range",
                             m->path) != NULL;
      p0[i] = p1[i] = p[i];
    }
  return TRUE;
}

static QsTensor *
run_conv (QsExec        *exec,
          const QsNode  *node,
          GError       **error)
{
  const QsModule *m = need_module (exec, node, error);
  QsTensor *x, *w, *b, *y;
  gboolean transposed = node->op == QS_OP_CONV_TRANSPOSE2D;
  guint spatial = node->op == QS_OP_CONV1D ? 1 : 2;
  gint64 k[2], s[2], p0[2], p1[2], d[2], opad[2] = { 0, 0 }, groups, ic, oc, oh, ow;
  gint64 dims[4];
  QskConvGeom g = { 0 };

  if (m == NULL || (x = qs_exec_arg_tensor (exec, node, 0, "input", error)) == NULL
      || (w = qs_exec_param (exec, node, m, "weight", TRUE, error)) == NULL
      || !qs_exec_param_opt (exec, node, m, "bias", &b, error))
    return NULL;
  groups = qs_module_get_int (m, "groups", 1);
  if (x->rank != spatial + 2 || w->rank != spatial + 2 || groups < 1)
    return qs_exec_fail (error, node, QS_ERROR_SHAPE,
                         "module “%s”: expected a rank-%u input and weight, got ranks %u "
                         "and %u", m->path, spatial + 2, x->rank, w->rank);
  for (guint i = 0; i < spatial; i++)
    k[i] = w->dims[2 + i];
  ic = transposed ? w->dims[0] : w->dims[1] * groups;
  oc = transposed ? w->dims[1] * groups : w->dims[0];
  if (x->dims[1] != ic || oc % groups != 0 || ic % groups != 0
      || (b != NULL && (b->rank != 1 || b->dims[0] != oc)))
    return qs_exec_fail (error, node, QS_ERROR_SHAPE,
                         "module “%s”: input has %" G_GINT64_FORMAT " channels, the weight "
                         "expects %" G_GINT64_FORMAT " (groups=%" G_GINT64_FORMAT ")",
                         m->path, x->dims[1], ic, groups);
  if (!conv_params (exec, node, m, spatial, k, s, p0, p1, d, error))
    return NULL;
  if (transposed)
    qs_module_get_ints (m, "output_padding", opad, spatial);

  /* conv1d is a conv2d of height 1 */
  g.n = x->dims[0], g.ic = ic, g.oc = oc, g.groups = groups;
  g.ih = spatial == 2 ? x->dims[2] : 1, g.iw = x->dims[x->rank - 1];
  g.kh = spatial == 2 ? k[0] : 1, g.kw = k[spatial - 1];
  g.sh = spatial == 2 ? s[0] : 1, g.sw = s[spatial - 1];
  g.dh = spatial == 2 ? d[0] : 1, g.dw = d[spatial - 1];
  g.pt = spatial == 2 ? p0[0] : 0, g.pb = spatial == 2 ? p1[0] : 0;
  g.pl = p0[spatial - 1], g.pr = p1[spatial - 1];
  if (transposed)
    {
      gint64 th = (g.ih - 1) * g.sh + g.dh * (g.kh - 1) + opad[0] + 1;
      gint64 tw = (g.iw - 1) * g.sw + g.dw * (g.kw - 1) + opad[spatial - 1] + 1;

      oh = th - (gint64) (g.pt + g.pb), ow = tw - (gint64) (g.pl + g.pr);
    }
  else
    {
      gint64 sh = (gint64) (g.ih + g.pt + g.pb) - (gint64) (g.dh * (g.kh - 1)) - 1;
      gint64 sw = (gint64) (g.iw + g.pl + g.pr) - (gint64) (g.dw * (g.kw - 1)) - 1;

      oh = sh < 0 ? 0 : sh / (gint64) g.sh + 1, ow = sw < 0 ? 0 : sw / (gint64) g.sw + 1;
    }
  if (oh <= 0 || ow <= 0)
    return qs_exec_fail (error, node, QS_ERROR_SHAPE,
                         "module “%s”: the input is too small for the kernel", m->path);
  dims[0] = g.n, dims[1] = oc;
  if (spatial == 2)
    dims[2] = oh, dims[3] = ow;
  else
    dims[2] = ow;
  y = new_f32 (spatial + 2, dims);
  if (transposed)
    {
      QskConvTranspose2dF32Args a = { .g = g, .out_pad_h = spatial == 2 ? opad[0] : 0,
                                      .out_pad_w = opad[spatial - 1], .x = x->data,
                                      .w = w->data, .bias = b ? b->data : NULL,
                                      .y = y->data };

      exec->k->conv_transpose2d_f32 (&a, exec->pool);
    }
  else
    {
      const QsNode *bn = NULL, *relu = NULL;
      QsTensor *affine = NULL, *fw, *fb, *packed;
      size_t layout;
      QskConv2dF32Args a = { .g = g, .x = x->data, .y = y->data,
                             .out_min = -INFINITY, .out_max = INFINITY };

      if (spatial == 2)
        fusion_plan (exec, node, oc, &bn, &affine, &relu);
      conv_weights (exec, m, bn, &g, w, b, affine, &fw, &fb, &packed, &layout);
      a.w = fw->data, a.bias = fb ? fb->data : NULL;
      if (packed != NULL)
        a.w_packed = packed->data, a.w_pack = layout;
      if (relu != NULL)
        a.out_min = 0.0f;
      exec->k->conv2d_f32 (&a, exec->pool);
      if (bn != NULL)
        {
          if (exec->folded == NULL)
            exec->folded = g_new0 (guint8, exec->graph->n_nodes);
          exec->folded[bn - exec->graph->nodes] = 1;
          if (relu != NULL)
            exec->folded[relu - exec->graph->nodes] = 1;
        }
    }
  return y;
}

/* ---- linear, matmul ----------------------------------------------------------- */

static QsTensor *
run_linear (QsExec        *exec,
            const QsNode  *node,
            GError       **error)
{
  const QsModule *m = need_module (exec, node, error);
  QsTensor *x, *w, *b, *y;
  gint64 dims[QS_MAX_RANK];

  if (m == NULL || (x = qs_exec_arg_tensor (exec, node, 0, "input", error)) == NULL
      || (w = qs_exec_param (exec, node, m, "weight", TRUE, error)) == NULL
      || !qs_exec_param_opt (exec, node, m, "bias", &b, error))
    return NULL;
  if (x->rank < 1 || w->rank != 2 || x->dims[x->rank - 1] != w->dims[1]
      || (b != NULL && (b->rank != 1 || b->dims[0] != w->dims[0])))
    return qs_exec_fail (error, node, QS_ERROR_SHAPE,
                         "module “%s”: input's last dimension does not match the weight's "
                         "in_features", m->path);
  memcpy (dims, x->dims, x->rank * sizeof (gint64));
  dims[x->rank - 1] = w->dims[0];
  y = new_f32 (x->rank, dims);
  {
    size_t k = w->dims[1], n = w->dims[0];
    QskMatmulF32Args a = { .batch = 1, .m = x->n_elements / MAX (k, 1), .n = n, .k = k,
                           .a = x->data, .lda = k, .b = w->data, .b_k_stride = 1,
                           .b_n_stride = k, .bias = b ? b->data : NULL, .c = y->data,
                           .ldc = n, .out_min = -INFINITY, .out_max = INFINITY };

    exec->k->matmul_f32 (&a, exec->pool);
  }
  return y;
}

static QsTensor *
run_matmul (QsExec        *exec,
            const QsNode  *node,
            GError       **error)
{
  QsTensor *a, *b, *y;
  gint64 dims[QS_MAX_RANK];
  const QsTensor *batched;
  gint64 m, n, k, batch;

  if ((a = qs_exec_arg_tensor (exec, node, 0, "input", error)) == NULL
      || (b = qs_exec_arg_tensor (exec, node, 1, "other", error)) == NULL)
    return NULL;
  if (a->rank < 2 || b->rank < 2)
    return qs_exec_fail (error, node, QS_ERROR_UNSUPPORTED,
                         "matmul of rank-%u by rank-%u tensors: only ranks 2 and up are "
                         "supported", a->rank, b->rank);
  m = a->dims[a->rank - 2], k = a->dims[a->rank - 1], n = b->dims[b->rank - 1];
  batched = a->rank >= b->rank ? a : b;
  batch = prod (batched->dims, 0, batched->rank - 2);
  if (b->dims[b->rank - 2] != k
      || (a->rank > 2 && b->rank > 2
          && (a->rank != b->rank
              || memcmp (a->dims, b->dims, (a->rank - 2) * sizeof (gint64)) != 0)))
    return qs_exec_fail (error, node, QS_ERROR_SHAPE,
                         "matmul shapes do not match (batch broadcasting beyond a rank-2 "
                         "operand is not supported)");
  memcpy (dims, batched->dims, batched->rank * sizeof (gint64));
  dims[batched->rank - 2] = m, dims[batched->rank - 1] = n;
  y = new_f32 (batched->rank, dims);
  {
    QskMatmulF32Args args = { .batch = batch, .m = m, .n = n, .k = k, .a = a->data,
                              .a_batch_stride = a->rank > 2 ? m * k : 0, .lda = k,
                              .b = b->data, .b_batch_stride = b->rank > 2 ? k * n : 0,
                              .b_k_stride = n, .b_n_stride = 1, .c = y->data,
                              .c_batch_stride = m * n, .ldc = n,
                              .out_min = -INFINITY, .out_max = INFINITY };

    exec->k->matmul_f32 (&args, exec->pool);
  }
  return y;
}

/* ---- normalisation ------------------------------------------------------------ */

static QsTensor *
bn_affine (QsExec         *exec,
           const QsNode   *node,
           const QsModule *m,
           GError        **error)
{
  g_autofree char *key = g_strconcat (m->path, "#bn-affine", NULL);
  QsTensor *mean, *var, *gamma, *beta, *t = qs_exec_cached (exec, key);
  double eps = 1e-5;
  const QsAttr *a = qs_attrs_find (m->attrs, m->n_attrs, "eps");
  gint64 c, dims[2];

  if (t != NULL)
    return t;
  if (qs_module_find_param (m, "running_mean") == NULL)
    return qs_exec_fail (error, node, QS_ERROR_UNSUPPORTED,
                         "module “%s” has no running statistics "
                         "(track_running_stats=False): batch statistics are not supported",
                         m->path);
  if ((mean = qs_exec_param (exec, node, m, "running_mean", TRUE, error)) == NULL
      || (var = qs_exec_param (exec, node, m, "running_var", TRUE, error)) == NULL)
    return NULL;
  if (!qs_exec_param_opt (exec, node, m, "weight", &gamma, error)
      || !qs_exec_param_opt (exec, node, m, "bias", &beta, error))
    return NULL;
  if (a != NULL && !qs_exec_attr_double (exec, node, a, 1e-5, &eps, error))
    return NULL;
  c = mean->n_elements;
  if (var->n_elements != c || (gamma && gamma->n_elements != c) || (beta && beta->n_elements != c))
    return qs_exec_fail (error, node, QS_ERROR_WEIGHTS,
                         "module “%s”: parameters of different lengths", m->path);
  /* row 0: scale = gamma / sqrt (var + eps); row 1: shift = beta - mean * scale */
  dims[0] = 2, dims[1] = c;
  t = new_f32 (2, dims);
  for (gint64 i = 0; i < c; i++)
    {
      float *sc = qs_tensor_f32 (t), *sh = sc + c;
      double s = (gamma ? qs_tensor_f32 (gamma)[i] : 1.0)
                 / sqrt ((double) qs_tensor_f32 (var)[i] + eps);

      sc[i] = (float) s;
      sh[i] = (float) ((beta ? qs_tensor_f32 (beta)[i] : 0.0) - qs_tensor_f32 (mean)[i] * s);
    }
  return qs_exec_cache (exec, key, t);
}

static QsTensor *
run_batch_norm (QsExec        *exec,
                const QsNode  *node,
                GError       **error)
{
  const QsModule *m = need_module (exec, node, error);
  QsTensor *x, *affine, *y;

  if (m == NULL || (x = qs_exec_arg_tensor (exec, node, 0, "input", error)) == NULL
      || (affine = bn_affine (exec, node, m, error)) == NULL)
    return NULL;
  if (x->rank < 2 || x->dims[1] != affine->dims[1])
    return qs_exec_fail (error, node, QS_ERROR_SHAPE,
                         "module “%s”: input has %" G_GINT64_FORMAT " channels, the module %"
                         G_GINT64_FORMAT, m->path, x->rank >= 2 ? x->dims[1] : 0,
                         affine->dims[1]);
  y = qs_tensor_new_like (x);
  {
    QskBatchNormF32Args a = { .n = x->dims[0], .c = x->dims[1], .hw = prod (x->dims, 2, x->rank),
                              .x = x->data, .scale = affine->data,
                              .shift = qs_tensor_f32 (affine) + affine->dims[1],
                              .y = y->data };

    exec->k->batch_norm_f32 (&a, exec->pool);
  }
  return y;
}

static QsTensor *
run_layer_norm (QsExec        *exec,
                const QsNode  *node,
                GError       **error)
{
  const QsModule *m = need_module (exec, node, error);
  QsTensor *x, *gamma, *beta, *y;
  gint64 shape[QS_MAX_RANK], cols;
  double eps = 1e-5;
  guint n;

  if (m == NULL || (x = qs_exec_arg_tensor (exec, node, 0, "input", error)) == NULL)
    return NULL;
  if (!qs_exec_attr_ints (exec, node, qs_attrs_find (m->attrs, m->n_attrs, "normalized_shape"),
                          FALSE, shape, QS_MAX_RANK, &n, error)
      || !qs_exec_attr_double (exec, node, qs_attrs_find (m->attrs, m->n_attrs, "eps"), 1e-5,
                               &eps, error))
    return NULL;
  if (n == 0 || n > x->rank
      || memcmp (shape, x->dims + x->rank - n, n * sizeof (gint64)) != 0)
    return qs_exec_fail (error, node, QS_ERROR_SHAPE,
                         "module “%s”: normalized_shape does not match the input's last "
                         "dimensions", m->path);
  cols = prod (shape, 0, n);
  if (!qs_exec_param_opt (exec, node, m, "weight", &gamma, error)
      || !qs_exec_param_opt (exec, node, m, "bias", &beta, error))
    return NULL;
  y = qs_tensor_new_like (x);
  {
    QskLayerNormF32Args a = { .rows = x->n_elements / MAX (cols, 1), .cols = cols,
                              .eps = (float) eps, .x = x->data,
                              .gamma = gamma ? gamma->data : NULL,
                              .beta = beta ? beta->data : NULL, .y = y->data };

    exec->k->layer_norm_f32 (&a, exec->pool);
  }
  return y;
}

/* ---- activations, softmax ----------------------------------------------------- */

static gboolean
unary_kind (QsExec         *exec,
            const QsNode   *node,
            const QsModule *m,
            QskUnaryOp     *op,
            float          *alpha,
            GError        **error)
{
  double a = 0.01, lo = -1, hi = 1;
  const char *approx;

  switch (node->op)
    {
    case QS_OP_RELU:        *op = QSK_UNARY_RELU; return TRUE;
    case QS_OP_SIGMOID:     *op = QSK_UNARY_SIGMOID; return TRUE;
    case QS_OP_TANH:        *op = QSK_UNARY_TANH; return TRUE;
    case QS_OP_SILU:        *op = QSK_UNARY_SILU; return TRUE;
    case QS_OP_HARDSWISH:   *op = QSK_UNARY_HARDSWISH; return TRUE;
    case QS_OP_HARDSIGMOID: *op = QSK_UNARY_HARDSIGMOID; return TRUE;
    case QS_OP_RELU6:
      *op = QSK_UNARY_RELU6;
      if (m != NULL || strcmp (node->target, "torch.nn.functional.relu6") == 0)
        return TRUE;
      /* F.hardtanh (x, min_val=-1, max_val=1): only the relu6 bounds */
      if (!qs_exec_attr_double (exec, node, qs_exec_arg (node, 1, "min_val"), -1, &lo, error)
          || !qs_exec_attr_double (exec, node, qs_exec_arg (node, 2, "max_val"), 1, &hi, error))
        return FALSE;
      if (lo != 0 || hi != 6)
        return qs_exec_fail (error, node, QS_ERROR_UNSUPPORTED,
                             "hardtanh (%g, %g) is not supported: only (0, 6), relu6",
                             lo, hi) != NULL;
      return TRUE;
    case QS_OP_LEAKY_RELU:
      *op = QSK_UNARY_LEAKY_RELU;
      if (!qs_exec_attr_double (exec, node, qs_exec_param_attr (node, m, "negative_slope", 1),
                                0.01, &a, error))
        return FALSE;
      *alpha = (float) a;
      return TRUE;
    case QS_OP_GELU:
      approx = qs_exec_attr_string (qs_exec_param_attr (node, m, "approximate", 99), "none");
      *op = strcmp (approx, "tanh") == 0 ? QSK_UNARY_GELU_TANH : QSK_UNARY_GELU;
      return TRUE;
    default:
      g_assert_not_reached ();
    }
}

static QsTensor *
run_unary (QsExec        *exec,
           const QsNode  *node,
           GError       **error)
{
  const QsModule *m = qs_graph_node_module (exec->graph, node);
  QsTensor *x, *y;
  QskUnaryF32Args a = { 0 };

  if ((x = qs_exec_arg_tensor (exec, node, 0, "input", error)) == NULL
      || !unary_kind (exec, node, m, &a.op, &a.alpha, error))
    return NULL;
  y = qs_tensor_new_like (x);
  a.count = x->n_elements, a.x = x->data, a.y = y->data;
  exec->k->unary_f32 (&a, exec->pool);
  return y;
}

/* nn.Hardtanh, F.hardtanh (x, min_val=-1, max_val=1), torch.clamp (x, min, max) */
static QsTensor *
run_hardtanh (QsExec        *exec,
              const QsNode  *node,
              GError       **error)
{
  const QsModule *m = qs_graph_node_module (exec->graph, node);
  gboolean clamp = strcmp (node->target, "torch.clamp") == 0;
  QsTensor *x, *y;
  double lo, hi;

  if ((x = qs_exec_arg_tensor (exec, node, 0, "input", error)) == NULL
      || !qs_exec_attr_double (exec, node, qs_exec_param_attr (node, m, clamp ? "min" : "min_val", 1),
                               clamp ? -INFINITY : -1, &lo, error)
      || !qs_exec_attr_double (exec, node, qs_exec_param_attr (node, m, clamp ? "max" : "max_val", 2),
                               clamp ? INFINITY : 1, &hi, error))
    return NULL;
  if (lo > hi)
    return qs_exec_fail (error, node, QS_ERROR_INVALID, "min %g is above max %g", lo, hi);
  y = qs_tensor_new_like (x);
  for (gint64 i = 0; i < x->n_elements; i++)
    qs_tensor_f32 (y)[i] = (float) CLAMP ((double) qs_tensor_f32 (x)[i], lo, hi);
  return y;
}

static QsTensor *
run_exp (QsExec        *exec,
         const QsNode  *node,
         GError       **error)
{
  QsTensor *x = qs_exec_arg_tensor (exec, node, 0, "input", error), *y;

  if (x == NULL)
    return NULL;
  y = qs_tensor_new_like (x);
  for (gint64 i = 0; i < x->n_elements; i++)
    qs_tensor_f32 (y)[i] = expf (qs_tensor_f32 (x)[i]);
  return y;
}

static QsTensor *
run_softmax (QsExec        *exec,
             const QsNode  *node,
             GError       **error)
{
  const QsModule *m = qs_graph_node_module (exec->graph, node);
  QsTensor *x, *y;
  gint64 dim;
  guint axis;

  if ((x = qs_exec_arg_tensor (exec, node, 0, "input", error)) == NULL
      || !qs_exec_attr_int (exec, node, qs_exec_param_attr (node, m, "dim", 1), G_MININT64,
                            &dim, error))
    return NULL;
  if (dim == G_MININT64 || !qs_exec_dim (dim, x->rank, &axis))
    return qs_exec_fail (error, node, QS_ERROR_INVALID,
                         "softmax needs a dim within the input's rank %u", x->rank);
  y = qs_tensor_new_like (x);
  {
    QskSoftmaxF32Args a = { .outer = prod (x->dims, 0, axis),
                            .axis_len = x->rank ? x->dims[axis] : 1,
                            .inner = prod (x->dims, axis + 1, x->rank),
                            .x = x->data, .y = y->data };

    exec->k->softmax_f32 (&a, exec->pool);
  }
  return y;
}

/* ---- elementwise binary ops --------------------------------------------------- */

typedef struct
{
  QsTensor *tensor;    /* borrowed, or NULL for a scalar */
  double    f;
  gboolean  is_int;
  gint64    i;
} Operand;

static gboolean
get_operand (QsExec       *exec,
             const QsNode *node,
             guint         pos,
             const char   *kwarg,
             Operand      *o,
             GError      **error)
{
  const QsAttr *a = qs_exec_arg (node, pos, kwarg);
  QsExecValue *v = qs_exec_arg_value (exec, node, pos, kwarg);

  memset (o, 0, sizeof *o);
  if (v != NULL && v->kind == QS_EXEC_VALUE_TENSOR)
    {
      if (!qs_tensor_is_float32 (v->tensor))
        return qs_exec_fail (error, node, QS_ERROR_UNSUPPORTED,
                             "operand %u is a %s tensor: the float executor runs float32 only",
                             pos, qs_dtype_name (v->tensor->dtype)) != NULL;
      o->tensor = v->tensor;
      return TRUE;
    }
  o->is_int = (v != NULL && (v->kind == QS_EXEC_VALUE_INT || v->kind == QS_EXEC_VALUE_BOOL))
              || (v == NULL && a != NULL && (a->kind == QS_ATTR_INT || a->kind == QS_ATTR_BOOL));
  if (o->is_int)
    {
      o->i = v ? (v->kind == QS_EXEC_VALUE_INT ? v->i : v->b) : (a->kind == QS_ATTR_INT ? a->i : a->b);
      o->f = (double) o->i;
      return TRUE;
    }
  if (a == NULL && v == NULL)
    return qs_exec_fail (error, node, QS_ERROR_INVALID, "operand %u is missing", pos) != NULL;
  return qs_exec_attr_double (exec, node, a, 0, &o->f, error);
}

static QsExecValue *
scalar_binary (const QsNode  *node,
               const Operand *a,
               const Operand *b,
               GError       **error)
{
  if (a->is_int && b->is_int && node->op != QS_OP_DIV)
    switch (node->op)
      {
      case QS_OP_ADD: return qs_exec_value_new_int (a->i + b->i);
      case QS_OP_SUB: return qs_exec_value_new_int (a->i - b->i);
      case QS_OP_MUL: return qs_exec_value_new_int (a->i * b->i);
      default: g_assert_not_reached ();
      }
  switch (node->op)
    {
    case QS_OP_ADD: return qs_exec_value_new_float (a->f + b->f);
    case QS_OP_SUB: return qs_exec_value_new_float (a->f - b->f);
    case QS_OP_MUL: return qs_exec_value_new_float (a->f * b->f);
    case QS_OP_DIV:
      if (b->f == 0)
        return qs_exec_fail (error, node, QS_ERROR_INVALID, "division by zero");
      return qs_exec_value_new_float (a->f / b->f);
    default: g_assert_not_reached ();
    }
}

/* The operand as (rank, size_t shape, data); a scalar is a 1-element tensor. */
static const float *
operand_shape (const Operand *o,
               float         *scalar,
               size_t        *rank,
               size_t        *shape)
{
  if (o->tensor == NULL || o->tensor->rank == 0)
    {
      *rank = 1, shape[0] = 1;
      if (o->tensor != NULL)
        return qs_tensor_f32 (o->tensor);
      *scalar = (float) o->f;
      return scalar;
    }
  *rank = o->tensor->rank;
  for (guint i = 0; i < o->tensor->rank; i++)
    shape[i] = o->tensor->dims[i];
  return qs_tensor_f32 (o->tensor);
}

static QsExecValue *
run_binary (QsExec        *exec,
            const QsNode  *node,
            GError       **error)
{
  Operand a, b;
  QskBinaryF32Args args = { 0 };
  size_t ar, br, as[QS_MAX_RANK], bs[QS_MAX_RANK];
  float sa, sb;
  gint64 dims[QSK_MAX_RANK];
  double alpha = 1;
  QsTensor *y;
  guint out_rank;

  if (!get_operand (exec, node, 0, "input", &a, error)
      || !get_operand (exec, node, 1, "other", &b, error)
      || !qs_exec_attr_double (exec, node, qs_exec_arg (node, 99, "alpha"), 1, &alpha, error))
    return NULL;
  if (alpha != 1)
    return qs_exec_fail (error, node, QS_ERROR_UNSUPPORTED, "alpha=%g is not supported", alpha);
  if (a.tensor == NULL && b.tensor == NULL)
    return scalar_binary (node, &a, &b, error);
  if ((a.tensor && a.tensor->rank > QSK_MAX_RANK) || (b.tensor && b.tensor->rank > QSK_MAX_RANK))
    return qs_exec_fail (error, node, QS_ERROR_UNSUPPORTED,
                         "tensors of rank above %d are not supported", QSK_MAX_RANK);
  args.a = operand_shape (&a, &sa, &ar, as);
  args.b = operand_shape (&b, &sb, &br, bs);
  if (!qsk_broadcast_init (&args.bc, ar, as, br, bs))
    return qs_exec_fail (error, node, QS_ERROR_SHAPE, "operand shapes do not broadcast");
  out_rank = MAX (a.tensor ? a.tensor->rank : 0, b.tensor ? b.tensor->rank : 0);
  for (guint i = 0; i < out_rank; i++)
    dims[i] = args.bc.shape[args.bc.rank - out_rank + i];
  y = new_f32 (out_rank, dims);
  args.y = y->data;
  args.op = node->op == QS_OP_ADD ? QSK_BINARY_ADD : node->op == QS_OP_SUB ? QSK_BINARY_SUB
            : node->op == QS_OP_MUL ? QSK_BINARY_MUL : QSK_BINARY_DIV;
  exec->k->binary_f32 (&args, exec->pool);
  return qs_exec_value_new_tensor (y);
}

/* ---- pooling, resize ---------------------------------------------------------- */

gboolean
qs_exec_pool_geom (QsExec         *exec,
                   const QsNode   *node,
                   const QsTensor *x,
                   QskPoolGeom    *g,
                   GError        **error)
{
  const QsModule *m = qs_graph_node_module (exec->graph, node);
  gboolean avg = node->op == QS_OP_AVG_POOL2D;
  gint64 k[2], s[2], p[2] = { 0, 0 }, d[2] = { 1, 1 }, divisor;
  guint nk, ns, np, nd;

  if (!qs_exec_attr_ints (exec, node, qs_exec_param_attr (node, m, "kernel_size", 1), TRUE, k,
                          2, &nk, error)
      || !qs_exec_attr_ints (exec, node, qs_exec_param_attr (node, m, "stride", 2), TRUE, s, 2,
                             &ns, error)
      || !qs_exec_attr_ints (exec, node, qs_exec_param_attr (node, m, "padding", 3), TRUE, p, 2,
                             &np, error)
      || (!avg && !qs_exec_attr_ints (exec, node, qs_exec_param_attr (node, m, "dilation", 4),
                                      TRUE, d, 2, &nd, error))
      || (avg && !qs_exec_attr_int (exec, node,
                                    qs_exec_param_attr (node, m, "divisor_override", 6), 0,
                                    &divisor, error)))
    return FALSE;
  if (nk != 2 || x->rank != 4 || (!avg && (d[0] != 1 || d[1] != 1)) || (avg && divisor != 0))
    return qs_exec_fail (error, node, QS_ERROR_UNSUPPORTED,
                         "pooling needs a 4-D input and a 2-D kernel; dilation and "
                         "divisor_override are not supported") != NULL;
  if (ns != 2)
    s[0] = k[0], s[1] = k[1];
  memset (g, 0, sizeof *g);
  g->n = x->dims[0], g->c = x->dims[1], g->ih = x->dims[2], g->iw = x->dims[3];
  g->kh = k[0], g->kw = k[1], g->sh = s[0], g->sw = s[1];
  g->pt = g->pb = p[0], g->pl = g->pr = p[1];
  g->ceil_mode = qs_exec_attr_bool (qs_exec_param_attr (node, m, "ceil_mode", avg ? 4 : 5),
                                    FALSE);
  g->count_include_pad = qs_exec_attr_bool (qs_exec_param_attr (node, m, "count_include_pad", 5),
                                            TRUE);
  g->mode = avg ? QSK_POOL_AVG : QSK_POOL_MAX;
  if (k[0] < 1 || k[1] < 1 || s[0] < 1 || s[1] < 1 || p[0] < 0 || p[1] < 0
      || 2 * p[0] > k[0] || 2 * p[1] > k[1] || x->dims[2] + 2 * p[0] < k[0]
      || x->dims[3] + 2 * p[1] < k[1])
    return qs_exec_fail (error, node, QS_ERROR_INVALID,
                         "pooling kernel, stride or padding out of range for the input") != NULL;
  return TRUE;
}

static QsTensor *
run_pool (QsExec        *exec,
          const QsNode  *node,
          GError       **error)
{
  QsTensor *x, *y;
  gint64 dims[4];
  QskPool2dF32Args a = { 0 };

  if ((x = qs_exec_arg_tensor (exec, node, 0, "input", error)) == NULL
      || !qs_exec_pool_geom (exec, node, x, &a.g, error))
    return NULL;
  dims[0] = a.g.n, dims[1] = a.g.c;
  dims[2] = qsk_pool_out_size (a.g.ih, a.g.kh, a.g.sh, a.g.pt, a.g.pb, a.g.ceil_mode);
  dims[3] = qsk_pool_out_size (a.g.iw, a.g.kw, a.g.sw, a.g.pl, a.g.pr, a.g.ceil_mode);
  y = new_f32 (4, dims);
  a.x = x->data, a.y = y->data;
  exec->k->pool2d_f32 (&a, exec->pool);
  return y;
}

static QsTensor *
run_adaptive_pool (QsExec        *exec,
                   const QsNode  *node,
                   GError       **error)
{
  const QsModule *m = qs_graph_node_module (exec->graph, node);
  QsTensor *x, *y;
  gint64 size[2], dims[4];
  guint n;

  if ((x = qs_exec_arg_tensor (exec, node, 0, "input", error)) == NULL
      || !qs_exec_attr_ints (exec, node, qs_exec_param_attr (node, m, "output_size", 1), TRUE,
                             size, 2, &n, error))
    return NULL;
  if (x->rank != 4 || n != 2)
    return qs_exec_fail (error, node, QS_ERROR_UNSUPPORTED,
                         "adaptive pooling needs a 4-D input and a 2-D output_size");
  memcpy (dims, x->dims, sizeof dims);
  for (guint i = 0; i < 2; i++)
    if (size[i] >= 0)
      dims[2 + i] = size[i];
  if (dims[2] < 1 || dims[3] < 1)
    return qs_exec_fail (error, node, QS_ERROR_INVALID, "output_size must be positive");
  y = new_f32 (4, dims);
  {
    QskAdaptivePool2dF32Args a = { .n = dims[0], .c = dims[1], .ih = x->dims[2],
                                   .iw = x->dims[3], .oh = dims[2], .ow = dims[3],
                                   .x = x->data, .y = y->data };

    exec->k->adaptive_avg_pool2d_f32 (&a, exec->pool);
  }
  return y;
}

/* Scale factors: one number, or a list of two. */
static gboolean
scale_factors (QsExec        *exec,
               const QsNode  *node,
               const QsAttr  *attr,
               double        *f,
               GError       **error)
{
  if (attr != NULL && attr->kind == QS_ATTR_FLOATS && attr->n == 2)
    {
      f[0] = attr->floats[0], f[1] = attr->floats[1];
      return TRUE;
    }
  if (attr != NULL && attr->kind == QS_ATTR_INTS && attr->n == 2)
    {
      f[0] = (double) attr->ints[0], f[1] = (double) attr->ints[1];
      return TRUE;
    }
  if (!qs_exec_attr_double (exec, node, attr, 0, &f[0], error))
    return FALSE;
  f[1] = f[0];
  return TRUE;
}

static QsTensor *
run_upsample (QsExec        *exec,
              const QsNode  *node,
              GError       **error)
{
  const QsModule *m = qs_graph_node_module (exec->graph, node);
  const char *mode = qs_exec_attr_string (qs_exec_param_attr (node, m, "mode", 3), "nearest");
  QsTensor *x, *y;
  gint64 size[2], dims[4];
  double f[2];
  guint n;
  QskUpsample2dF32Args a = { 0 };

  if ((x = qs_exec_arg_tensor (exec, node, 0, "input", error)) == NULL
      || !qs_exec_attr_ints (exec, node, qs_exec_param_attr (node, m, "size", 1), TRUE, size, 2,
                             &n, error)
      || !scale_factors (exec, node, qs_exec_param_attr (node, m, "scale_factor", 2), f, error))
    return NULL;
  if (x->rank != 4)
    return qs_exec_fail (error, node, QS_ERROR_UNSUPPORTED, "resize needs a 4-D input");
  if (strcmp (mode, "nearest") == 0)
    a.mode = QSK_UPSAMPLE_NEAREST;
  else if (strcmp (mode, "bilinear") == 0)
    a.mode = QSK_UPSAMPLE_BILINEAR;
  else
    return qs_exec_fail (error, node, QS_ERROR_UNSUPPORTED,
                         "resize mode '%s' is not supported (nearest, bilinear are)", mode);
  if (qs_exec_attr_bool (qs_exec_param_attr (node, m, "antialias", 6), FALSE))
    return qs_exec_fail (error, node, QS_ERROR_UNSUPPORTED, "antialias=True is not supported");
  memcpy (dims, x->dims, sizeof dims);
  for (guint i = 0; i < 2; i++)
    dims[2 + i] = n == 2 ? size[i] : (gint64) floor (x->dims[2 + i] * f[i]);
  if (dims[2] < 1 || dims[3] < 1)
    return qs_exec_fail (error, node, QS_ERROR_INVALID,
                         "resize needs a positive size or scale_factor");
  y = new_f32 (4, dims);
  a.n = dims[0], a.c = dims[1], a.ih = x->dims[2], a.iw = x->dims[3];
  a.oh = dims[2], a.ow = dims[3];
  a.align_corners = qs_exec_attr_bool (qs_exec_param_attr (node, m, "align_corners", 4), FALSE);
  a.x = x->data, a.y = y->data;
  exec->k->upsample2d_f32 (&a, exec->pool);
  return y;
}

/* ---- reductions --------------------------------------------------------------- */

static QsTensor *
run_reduce (QsExec        *exec,
            const QsNode  *node,
            GError       **error)
{
  QsTensor *x, *y;
  gint64 dl[QS_MAX_RANK], dims[QS_MAX_RANK], ostride[QS_MAX_RANK], coord[QS_MAX_RANK] = { 0 };
  gboolean reduce[QS_MAX_RANK] = { 0 };
  gboolean keep = qs_exec_attr_bool (qs_exec_arg (node, 2, "keepdim"), FALSE);
  g_autofree double *acc = NULL;
  guint n, rank = 0;
  gint64 per = 1, off = 0, step = 1;
  const QsAttr *dt = qs_exec_arg (node, 99, "dtype");

  if ((x = qs_exec_arg_tensor (exec, node, 0, "input", error)) == NULL
      || !qs_exec_attr_ints (exec, node, qs_exec_arg (node, 1, "dim"), FALSE, dl, QS_MAX_RANK,
                             &n, error))
    return NULL;
  if (dt != NULL && dt->kind != QS_ATTR_NONE)
    return qs_exec_fail (error, node, QS_ERROR_UNSUPPORTED, "dtype= is not supported");
  for (guint i = 0; i < n; i++)
    {
      guint d;

      if (!qs_exec_dim (dl[i], x->rank, &d))
        return qs_exec_fail (error, node, QS_ERROR_INVALID, "dim %" G_GINT64_FORMAT
                             " is out of range for rank %u", dl[i], x->rank);
      reduce[d] = TRUE;
    }
  for (guint i = 0; i < x->rank; i++)
    {
      reduce[i] |= n == 0;
      if (reduce[i])
        per *= x->dims[i];
      if (!reduce[i] || keep)
        dims[rank++] = reduce[i] ? 1 : x->dims[i];
    }
  y = new_f32 (rank, dims);
  acc = g_new0 (double, MAX (y->n_elements, 1));
  /* output strides seen from the input's axes: 0 along reduced ones */
  for (gint i = (gint) x->rank - 1; i >= 0; i--)
    {
      ostride[i] = reduce[i] ? 0 : step;
      step *= reduce[i] ? 1 : x->dims[i];
    }
  for (gint64 i = 0; i < x->n_elements; i++)
    {
      acc[off] += qs_tensor_f32 (x)[i];
      for (gint a = (gint) x->rank - 1; a >= 0; a--)
        {
          off += ostride[a];
          if (++coord[a] < x->dims[a])
            break;
          off -= ostride[a] * coord[a];
          coord[a] = 0;
        }
    }
  for (gint64 i = 0; i < y->n_elements; i++)
    qs_tensor_f32 (y)[i] = (float) (node->op == QS_OP_MEAN ? acc[i] / MAX (per, 1) : acc[i]);
  return y;
}

/* ---- dispatch ----------------------------------------------------------------- */

static gboolean
is_inactive_stochastic_depth (const QsNode *node)
{
  return node->op == QS_OP_UNKNOWN
         && strcmp (node->target, "torchvision.ops.stochastic_depth.stochastic_depth") == 0
         && !qs_exec_attr_bool (qs_exec_arg (node, 3, "training"), TRUE);
}

static gpointer
unsupported (QsExec        *exec,
             const QsNode  *node,
             GError       **error)
{
  g_autofree char *what = qs_exec_describe_node (exec, node);

  if (node->op == QS_OP_WRAPPED)
    return qs_exec_fail (error, node, QS_ERROR_UNSUPPORTED,
                         "%s calls a wrapped region (Python code the executor cannot run): "
                         "run up to the values it reads instead (quantscope-cli run --until "
                         "NODE)", what);
  return qs_exec_fail (error, node, QS_ERROR_UNSUPPORTED,
                       "%s is not supported by the float executor", what);
}

static QsTensor *
run_tensor_op (QsExec        *exec,
               const QsNode  *node,
               GError       **error)
{
  switch (node->op)
    {
    case QS_OP_CONV1D:
    case QS_OP_CONV2D:
    case QS_OP_CONV_TRANSPOSE2D:    return run_conv (exec, node, error);
    case QS_OP_LINEAR:              return run_linear (exec, node, error);
    case QS_OP_MATMUL:              return run_matmul (exec, node, error);
    case QS_OP_BATCH_NORM:          return run_batch_norm (exec, node, error);
    case QS_OP_LAYER_NORM:          return run_layer_norm (exec, node, error);
    case QS_OP_RELU:
    case QS_OP_RELU6:
    case QS_OP_LEAKY_RELU:
    case QS_OP_SIGMOID:
    case QS_OP_TANH:
    case QS_OP_SILU:
    case QS_OP_HARDSWISH:
    case QS_OP_HARDSIGMOID:
    case QS_OP_GELU:                return run_unary (exec, node, error);
    case QS_OP_HARDTANH:            return run_hardtanh (exec, node, error);
    case QS_OP_SOFTMAX:             return run_softmax (exec, node, error);
    case QS_OP_EXP:                 return run_exp (exec, node, error);
    case QS_OP_MAX_POOL2D:
    case QS_OP_AVG_POOL2D:          return run_pool (exec, node, error);
    case QS_OP_ADAPTIVE_AVG_POOL2D: return run_adaptive_pool (exec, node, error);
    case QS_OP_UPSAMPLE:            return run_upsample (exec, node, error);
    case QS_OP_MEAN:
    case QS_OP_SUM:                 return run_reduce (exec, node, error);
    default:                        return unsupported (exec, node, error);
    }
}

QsExecValue *
qs_exec_node (QsExec       *exec,
              const QsNode *node,
              GError      **error)
{
  QsExecValue *out = NULL;
  QsTensor *t;

  if (node->kind == QS_NODE_GET_ATTR)
    {
      t = qs_exec_weight (exec, node, node->target, error);
      return t ? qs_exec_value_new_tensor (qs_tensor_ref (t)) : NULL;
    }
  /* a batch-norm or relu its conv already applied: pass the value through */
  if (exec->folded != NULL && exec->folded[node - exec->graph->nodes])
    {
      exec->folded[node - exec->graph->nodes] = 0;
      return qs_exec_value_ref (exec->values[node->inputs[0]]);
    }
  if (qs_exec_shape_node (exec, node, &out, error))
    return out;
  switch (node->op)
    {
    case QS_OP_ADD:
    case QS_OP_SUB:
    case QS_OP_MUL:
    case QS_OP_DIV:
      return run_binary (exec, node, error);
    case QS_OP_DROPOUT:
    case QS_OP_IDENTITY:
    case QS_OP_CONTIGUOUS:
    case QS_OP_QUANT_STUB:
    case QS_OP_DEQUANT_STUB:
      break;
    case QS_OP_UNKNOWN:
      if (!is_inactive_stochastic_depth (node))
        return unsupported (exec, node, error);
      break;
    default:
      t = run_tensor_op (exec, node, error);
      return t ? qs_exec_value_new_tensor (t) : NULL;
    }
  /* identities: the same value, shared */
  out = qs_exec_arg_value (exec, node, 0, "input");
  if (out == NULL)
    return qs_exec_fail (error, node, QS_ERROR_INVALID, "has no input value");
  return qs_exec_value_ref (out);
}
