/* qs-qexec.c: running a quantized model: float, fake-quant and integer
 *
 * A QsQExec is a QsExec over the prepared (fused) graph with a runner that
 * replaces qs_exec_node () (qs-exec-private.h). Values stay float32
 * tensors in every mode; in fake-quant and integer mode a quantized value
 * holds exactly q * scale, so converting it back to int8 is exact.
 *
 *  - float: fused nodes run their absorbed ops in sequence (bn affine, add,
 *    relu); used for calibration, with observers fed from here.
 *  - fake-quant: conv/linear use BN-folded, fake-quantized weights and the
 *    folded float bias; a fused add first fake-quantizes the conv output at
 *    its own (pre-add) scale; every quantized node's output is
 *    fake-quantized: sat (roundf (x / scale)) * scale (qsk_fake_quant).
 *  - int: int8 conv2d and linear run qsk conv2d_q / matmul_q with int32
 *    bias and per-channel requantization, a fused or standalone int8 add
 *    runs qsk add_s8; other ops compute in float on the quantized values
 *    and requantize their output (like fake-quant).
 */
#include "qs-quant-private.h"

#include <math.h>
#include <string.h>

/* Per node, for the integer mode: the conv weights packed for the kernel, and the
 * int8 -> int8 table of a max pool or relu whose output scale differs from its input's. */
typedef struct
{
  QsTensor    *packed;        /* or NULL */
  QskConvGeom  packed_for;
  gboolean     has_lut;
  gboolean     lut_identity;
  int8_t       lut[256];
} QNodeCache;

typedef struct
{
  QsQModel         *model;
  QsQMode           mode;
  QsObserverState **obs;      /* calibration: per node, borrowed */
  QsObserverState **pre_obs;
  /* integer mode */
  guint8           *is_q;     /* per value: holds an int8 tensor of q (scale: the value's) */
  QNodeCache       *cache;    /* per node */
  size_t            layout;   /* conv2d_q's packed layout for s8 x s8, 0: none */
  GPtrArray        *free_q;   /* int8 tensors to reuse (refcount 1) */
} QExec;

static void
qexec_free (gpointer data)
{
  QExec *q = data;

  if (q->cache != NULL)
    for (QsId i = 0; i < q->model->graph->n_nodes; i++)
      g_clear_pointer (&q->cache[i].packed, qs_tensor_unref);
  g_free (q->cache);
  g_free (q->is_q);
  g_clear_pointer (&q->free_q, g_ptr_array_unref);
  qs_qmodel_unref (q->model);
  g_free (q);
}

const char *
qs_qmode_name (QsQMode mode)
{
  static const char * const names[] = { "float", "fakequant", "int" };

  g_return_val_if_fail (mode < QS_N_QMODES, NULL);
  return names[mode];
}

gboolean
qs_qmode_from_name (const char *name,
                    QsQMode    *mode)
{
  for (guint i = 0; i < QS_N_QMODES; i++)
    if (g_strcmp0 (name, qs_qmode_name (i)) == 0)
      return *mode = i, TRUE;
  return FALSE;
}

gint
qs_node_fused_index (const QsNode *node,
                     QsOp          op)
{
  for (guint i = 0; i < node->n_fused; i++)
    if (node->fused[i].op == op)
      return (gint) i;
  return -1;
}

QsQModel *
qs_qexec_get_model (QsExec *exec)
{
  return exec->runner_data ? ((QExec *) exec->runner_data)->model : NULL;
}

void
qs_qexec_set_observers (QsExec           *exec,
                        QsObserverState **act,
                        QsObserverState **pre_add)
{
  QExec *q = exec->runner_data;

  g_return_if_fail (q != NULL && q->mode == QS_QMODE_FLOAT);
  q->obs = act;
  q->pre_obs = pre_add;
}

/* ---- helpers -------------------------------------------------------------------- */

/* The value a head reads as its input x. */
static QsId
head_input (const QsNode *node)
{
  const QsAttr *a = qs_exec_arg (node, 0, "input");

  return a != NULL && a->kind == QS_ATTR_VALUE ? a->value : node->inputs[0];
}

static QskDType
qsk_type (QsQdtype d)
{
  return d == QS_QDTYPE_QINT16 ? QSK_S16 : QSK_S8;
}

static void
fake_quant (QsTensor *t,
            float     scale,
            QsQdtype  dtype)
{
  float *x = qs_tensor_f32 (t);
  QskDType k = qsk_type (dtype);

  for (gint64 i = 0; i < t->n_elements; i++)
    x[i] = qsk_fake_quant (x[i], scale, k);
}

static void
observe (QsObserverState **obs,
         QsId              id,
         const QsTensor   *t)
{
  if (obs != NULL && obs[id] != NULL && t != NULL && qs_tensor_is_float32 (t))
    qs_observer_update (obs[id], qs_tensor_f32 (t), t->n_elements);
}

/* A tensor the runner may modify: @v's own when nobody else holds it. */
static QsTensor *
take_tensor (QsExecValue *v)
{
  QsTensor *t;

  if (v == NULL || v->kind != QS_EXEC_VALUE_TENSOR || !qs_tensor_is_float32 (v->tensor))
    {
      g_clear_pointer (&v, qs_exec_value_unref);
      return NULL;
    }
  if (g_atomic_ref_count_compare (&v->ref_count, 1))
    t = qs_tensor_ref (v->tensor);
  else
    t = qs_tensor_reshape (v->tensor, v->tensor->rank, v->tensor->dims);
  qs_exec_value_unref (v);
  if (!g_atomic_ref_count_compare (&t->ref_count, 1))
    {
      QsTensor *copy = qs_tensor_reshape (t, t->rank, t->dims);

      qs_tensor_unref (t);
      t = copy;
    }
  return t;
}

float
qs_qmodel_value_scale (const QsQModel *model,
                       QsId            value,
                       QsQdtype       *dtype)
{
  const QsGraph *g = model->graph;
  QsId n = g->values[value].producer;

  while (n < g->n_nodes && model->act_scale[n] == 0
         && (qs_op_flags (g->nodes[n].op) & QS_OPF_NO_COMPUTE) && g->nodes[n].n_inputs > 0
         && g->nodes[n].kind != QS_NODE_PLACEHOLDER
         && qs_type_is_tensor (&g->values[g->nodes[n].inputs[0]].type))
    n = g->values[g->nodes[n].inputs[0]].producer;
  if (n >= g->n_nodes)
    return 0;
  if (dtype != NULL)
    *dtype = model->act_dtype[n];
  return model->act_scale[n];
}

QsTensor *
qs_qexec_bn_affine (QsExec       *exec,
                    const QsNode *node,
                    QsId          module,
                    GError      **error)
{
  const QsModule *m = &exec->graph->modules[module];
  g_autofree char *key = g_strconcat (m->path, "#qs-bn-affine", NULL);
  QsTensor *mean, *var, *gamma, *beta, *t = qs_exec_cached (exec, key);
  double eps = 1e-5;
  const QsAttr *a = qs_attrs_find (m->attrs, m->n_attrs, "eps");
  gint64 c, dims[2];

  if (t != NULL)
    return t;
  if ((mean = qs_exec_param (exec, node, m, "running_mean", TRUE, error)) == NULL
      || (var = qs_exec_param (exec, node, m, "running_var", TRUE, error)) == NULL
      || !qs_exec_param_opt (exec, node, m, "weight", &gamma, error)
      || !qs_exec_param_opt (exec, node, m, "bias", &beta, error))
    return NULL;
  if (a != NULL && (a->kind == QS_ATTR_FLOAT || a->kind == QS_ATTR_INT))
    eps = a->kind == QS_ATTR_FLOAT ? a->f : (double) a->i;
  c = mean->n_elements;
  if (var->n_elements != c || (gamma && gamma->n_elements != c) || (beta && beta->n_elements != c))
    return qs_exec_fail (error, node, QS_ERROR_WEIGHTS,
                         "module “%s”: parameters of different lengths", m->path);
  dims[0] = 2, dims[1] = c;
  t = qs_tensor_new (QS_DTYPE_FLOAT32, 2, dims);
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

/* y[n, c, ...] = y * scale[c] + shift[c] (scale NULL: 1) */
static gboolean
per_channel_affine (const QsNode *node,
                    QsTensor     *y,
                    const float  *scale,
                    const float  *shift,
                    gint64        c,
                    GError      **error)
{
  gint64 channel_axis = y->rank >= 2 ? 1 : 0, inner = 1, outer = 1;
  float *x = qs_tensor_f32 (y);

  if (y->rank == 0 || y->dims[channel_axis] != c)
    return qs_exec_fail (error, node, QS_ERROR_SHAPE,
                         "fused op: %" G_GINT64_FORMAT " channels expected", c) != NULL;
  for (guint i = channel_axis + 1; i < y->rank; i++)
    inner *= y->dims[i];
  for (guint i = 0; i < channel_axis; i++)
    outer *= y->dims[i];
  /* linear outputs [.., features]: the channel is the last axis */
  if (y->rank == 2 || (node->op == QS_OP_LINEAR && y->rank > 2))
    {
      inner = 1, outer = y->n_elements / c;
      for (gint64 o = 0; o < outer; o++)
        for (gint64 k = 0; k < c; k++)
          x[o * c + k] = x[o * c + k] * (scale ? scale[k] : 1.f) + shift[k];
      return TRUE;
    }
  for (gint64 o = 0; o < outer; o++)
    for (gint64 k = 0; k < c; k++)
      {
        float *p = x + (o * c + k) * inner;

        for (gint64 i = 0; i < inner; i++)
          p[i] = p[i] * (scale ? scale[k] : 1.f) + shift[k];
      }
  return TRUE;
}

static QsTensor *
input_tensor (QsExec       *exec,
              const QsNode *node,
              guint         index,
              GError      **error)
{
  QsExecValue *v = exec->values[node->inputs[index]];

  if (v == NULL || v->kind != QS_EXEC_VALUE_TENSOR || !qs_tensor_is_float32 (v->tensor))
    return qs_exec_fail (error, node, QS_ERROR_UNSUPPORTED,
                         "fused input %u is not a float32 tensor", index);
  return v->tensor;
}

/* ---- integer conv / linear / add ------------------------------------------------ */

static gboolean
conv_geom (QsExec         *exec,
           const QsNode   *node,
           const QsModule *m,
           const QsTensor *x,
           const QsTensor *w,
           QskConvGeom    *g)
{
  gint64 s[2] = { 1, 1 }, d[2] = { 1, 1 }, p[2] = { 0, 0 };
  const QsAttr *pad = qs_attrs_find (m->attrs, m->n_attrs, "padding");
  guint n;

  if (node->op != QS_OP_CONV2D || x->rank != 4 || w->rank != 4)
    return FALSE;
  qs_module_get_ints (m, "stride", s, 2);
  qs_module_get_ints (m, "dilation", d, 2);
  memset (g, 0, sizeof *g);
  g->n = x->dims[0], g->ic = x->dims[1], g->ih = x->dims[2], g->iw = x->dims[3];
  g->oc = w->dims[0], g->kh = w->dims[2], g->kw = w->dims[3];
  g->groups = qs_module_get_int (m, "groups", 1);
  g->sh = s[0], g->sw = s[1], g->dh = d[0], g->dw = d[1];
  if (pad != NULL && pad->kind == QS_ATTR_STRING)
    {
      if (strcmp (pad->s, "same") == 0)
        {
          gint64 th = d[0] * (g->kh - 1), tw = d[1] * (g->kw - 1);

          g->pt = th / 2, g->pb = th - th / 2, g->pl = tw / 2, g->pr = tw - tw / 2;
        }
      return TRUE;
    }
  if (pad != NULL && !qs_exec_attr_ints (exec, node, pad, TRUE, p, 2, &n, NULL))
    return FALSE;
  g->pt = g->pb = p[0], g->pl = g->pr = p[1];
  return g->groups >= 1 && (gint64) (g->ic) == w->dims[1] * (gint64) g->groups;
}

static QsTensor *
quantize_tensor (const QsTensor *x,
                 float           scale)
{
  QsTensor *q = qs_tensor_new (QS_DTYPE_INT8, x->rank, x->dims);

  qsk_quantize_f32 (x->n_elements, qs_tensor_f32 (x), scale, QSK_S8, q->data);
  return q;
}

static QsTensor *
dequantize_tensor (const QsTensor *q,
                   float           scale)
{
  QsTensor *y = qs_tensor_new (QS_DTYPE_FLOAT32, q->rank, q->dims);

  qsk_dequantize_f32 (q->n_elements, q->data, QSK_S8, scale, qs_tensor_f32 (y));
  return y;
}

static QskAct
fused_act (const QsNode *node)
{
  if (qs_node_fused_index (node, QS_OP_RELU6) >= 0)
    return QSK_ACT_RELU6;
  if (qs_node_fused_index (node, QS_OP_RELU) >= 0)
    return QSK_ACT_RELU;
  return QSK_ACT_NONE;
}

/* The int8 conv2d or linear of @node; NULL (no error) when this node
 * can't run on the integer kernels. */
static QsTensor *
run_int_weighted (QsExec       *exec,
                  QExec        *q,
                  const QsNode *node,
                  QsId          id,
                  float         out_scale,
                  gboolean      with_act,
                  GError      **error)
{
  QsQModel *model = q->model;
  QsQWeights *w = model->w[id];
  const QsModule *m = qs_graph_node_module (exec->graph, node);
  QsTensor *x;
  g_autoptr(QsTensor) xq = NULL, yq = NULL;
  QsQdtype xd = QS_QDTYPE_FLOAT;
  float xs = qs_qmodel_value_scale (model, head_input (node), &xd);
  QsExecValue *xval = exec->values[head_input (node)];
  int32_t lo, hi;

  if (w == NULL || w->rq == NULL || w->w_dtype != QS_DTYPE_INT8 || xs <= 0
      || xd != QS_QDTYPE_QINT8 || m == NULL
      || xval == NULL || xval->kind != QS_EXEC_VALUE_TENSOR)
    return NULL;
  x = xval->tensor;
  qsk_quant_act_bounds (with_act ? fused_act (node) : QSK_ACT_NONE, out_scale, QSK_S8, &lo, &hi);
  xq = quantize_tensor (x, xs);
  if (node->op == QS_OP_CONV2D)
    {
      QskConvGeom g;
      gint64 dims[4];

      if (!conv_geom (exec, node, m, x, w->w_q, &g))
        return NULL;
      dims[0] = g.n, dims[1] = g.oc, dims[2] = qsk_conv_geom_oh (&g);
      dims[3] = qsk_conv_geom_ow (&g);
      yq = qs_tensor_new (QS_DTYPE_INT8, 4, dims);
      {
        QskConv2dQArgs a = { .g = g, .x_type = QSK_S8, .w_type = QSK_S8, .y_type = QSK_S8,
                             .x = xq->data, .w = w->w_q->data, .bias = w->bias_q->data,
                             .rq = w->rq->data, .out_min = lo, .out_max = hi,
                             .y = yq->data };

        exec->k->conv2d_q (&a, exec->pool);
      }
    }
  else if (node->op == QS_OP_LINEAR && x->rank >= 1 && w->w_q->rank == 2
           && x->dims[x->rank - 1] == w->w_q->dims[1])
    {
      gint64 dims[QS_MAX_RANK];
      size_t k = w->w_q->dims[1], n = w->w_q->dims[0];

      memcpy (dims, x->dims, x->rank * sizeof (gint64));
      dims[x->rank - 1] = n;
      yq = qs_tensor_new (QS_DTYPE_INT8, x->rank, dims);
      {
        QskMatmulQArgs a = { .batch = 1, .m = x->n_elements / MAX (k, 1), .n = n, .k = k,
                             .a_type = QSK_S8, .b_type = QSK_S8, .c_type = QSK_S8,
                             .a = xq->data, .lda = k, .b = w->w_q->data, .b_k_stride = 1,
                             .b_n_stride = k, .bias = w->bias_q->data, .rq = w->rq->data,
                             .out_min = lo, .out_max = hi, .c = yq->data, .ldc = n };

        exec->k->matmul_q (&a, exec->pool);
      }
    }
  else
    return NULL;
  (void) error;
  return dequantize_tensor (yq, out_scale);
}

/* y = sat (rhaz (a * ma + b * mb)) on int8 values; NULL when not int8. */
static QsTensor *
run_int_add (QsExec        *exec,
             const QsTensor *a,
             float          as,
             const QsTensor *b,
             float          bs,
             float          ys,
             QskAct         act)
{
  QskAddS8Args args = { 0 };
  size_t ash[QSK_MAX_RANK], bsh[QSK_MAX_RANK];
  g_autoptr(QsTensor) aq = NULL, bq = NULL, yq = NULL;

  if (a->rank != b->rank || a->rank == 0 || a->rank > QSK_MAX_RANK
      || memcmp (a->dims, b->dims, a->rank * sizeof (gint64)) != 0)
    return NULL;
  for (guint i = 0; i < a->rank; i++)
    ash[i] = a->dims[i], bsh[i] = b->dims[i];
  if (!qsk_broadcast_init (&args.bc, a->rank, ash, b->rank, bsh))
    return NULL;
  aq = quantize_tensor (a, as);
  bq = quantize_tensor (b, bs);
  yq = qs_tensor_new (QS_DTYPE_INT8, a->rank, a->dims);
  args.rq = qsk_requant2_from_ratios ((double) as / ys, (double) bs / ys);
  qsk_quant_act_bounds (act, ys, QSK_S8, &args.out_min, &args.out_max);
  args.a = aq->data, args.b = bq->data, args.y = yq->data;
  exec->k->add_s8 (&args, exec->pool);
  return dequantize_tensor (yq, ys);
}

/* ---- fake-quant of quantized conv / linear / add ------------------------------------ */

/* Channel of element @i of a conv ([n, c, ...]) or linear ([..., c]) output. */
static inline gint64
channel_of (const QsTensor *y,
            gboolean        last_axis,
            gint64          inner,
            gint64          i)
{
  return last_axis ? i % y->dims[y->rank - 1] : (i / inner) % y->dims[1];
}

/* Fake-quant of a quantized conv/linear, in the integer form: the float
 * kernel runs on integer-valued x / x_scale and the integer weights (sums
 * of int8 products stay exact in float32 below 2^24), then
 *   q = sat (round ((acc + bias_q[o]) * x_scale * w_scale[o] / y_scale))
 * in double. This is the integer kernels' arithmetic up to the fixed-point
 * multiplier (2^-31 relative), so fake-quant and int agree but at ties. */
static QsTensor *
run_emulated_weighted (QsExec       *exec,
                       QExec        *q,
                       const QsNode *node,
                       QsId          id,
                       float         out_scale,
                       gboolean      with_act,
                       GError      **error)
{
  QsQWeights *w = q->model->w[id];
  QsId xv = head_input (node);
  QsQdtype xd = QS_QDTYPE_FLOAT;
  float xs = qs_qmodel_value_scale (q->model, xv, &xd);
  QsExecValue *saved = exec->values[xv];
  QsTensor *x, *xi, *acc;
  gboolean last = node->op == QS_OP_LINEAR;
  gint64 inner = 1;
  int32_t lo, hi;
  QskDType kt = qsk_type (q->model->act_dtype[id]);

  if (saved == NULL || saved->kind != QS_EXEC_VALUE_TENSOR || !qs_tensor_is_float32 (saved->tensor)
      || xs <= 0)
    return qs_exec_fail (error, node, QS_ERROR_INVALID, "quantized input without a scale");
  x = saved->tensor;
  xi = qs_tensor_new_like (x);
  for (gint64 i = 0; i < x->n_elements; i++)
    qs_tensor_f32 (xi)[i] = roundf (qs_tensor_f32 (x)[i] / xs);
  exec->values[xv] = qs_exec_value_new_tensor (xi);
  acc = take_tensor (qs_exec_node (exec, node, error));
  qs_exec_value_unref (exec->values[xv]);
  exec->values[xv] = saved;
  if (acc == NULL)
    return NULL;
  for (guint i = 2; i < acc->rank; i++)
    inner *= acc->dims[i];
  qsk_quant_act_bounds (with_act ? fused_act (node) : QSK_ACT_NONE, out_scale, kt, &lo, &hi);
  for (gint64 i = 0; i < acc->n_elements; i++)
    {
      gint64 o = channel_of (acc, last, inner, i);
      double r = (double) xs * qs_tensor_f32 (w->w_scale)[o] / out_scale;
      double v = round (((double) qs_tensor_f32 (acc)[i] + ((gint32 *) w->bias_q->data)[o]) * r);

      qs_tensor_f32 (acc)[i] = (float) (CLAMP (v, lo, hi) * (double) out_scale);
    }
  return acc;
}

/* y = sat (round ((qa * as + qb * bs) / ys)) * ys, in double: the float
 * model of qsk add_s8. */
static QsTensor *
emulated_add (const QsTensor *a,
              float           as,
              const QsTensor *b,
              float           bs,
              float           ys,
              QsQdtype        dtype,
              QskAct          act)
{
  QsTensor *y;
  int32_t lo, hi;

  if (a->n_elements != b->n_elements || a->rank != b->rank
      || memcmp (a->dims, b->dims, a->rank * sizeof (gint64)) != 0)
    return NULL;
  qsk_quant_act_bounds (act, ys, qsk_type (dtype), &lo, &hi);
  y = qs_tensor_new_like (a);
  for (gint64 i = 0; i < a->n_elements; i++)
    {
      double qa = roundf (qs_tensor_f32 (a)[i] / as), qb = roundf (qs_tensor_f32 (b)[i] / bs);
      double v = round ((qa * as + qb * bs) / ys);

      qs_tensor_f32 (y)[i] = (float) (CLAMP (v, lo, hi) * (double) ys);
    }
  return y;
}

/* A quantized add in fake-quant or int mode; NULL when the inputs aren't
 * quantized tensors of one shape. */
static QsTensor *
quantized_add (QsExec          *exec,
               QExec           *q,
               const QsTensor  *a,
               QsId             av,
               const QsTensor  *b,
               QsId             bv,
               QsId             id,
               QskAct           act)
{
  QsQdtype ad = QS_QDTYPE_FLOAT, bd = QS_QDTYPE_FLOAT, yd = q->model->act_dtype[id];
  float as = av == QS_ID_NONE ? q->model->pre_add_scale[id]
                              : qs_qmodel_value_scale (q->model, av, &ad);
  float bs = qs_qmodel_value_scale (q->model, bv, &bd);
  float ys = q->model->act_scale[id];
  QsTensor *y = NULL;

  if (av == QS_ID_NONE)
    ad = yd;
  if (a == NULL || b == NULL || as <= 0 || bs <= 0 || ys <= 0 || ad != yd || bd != yd)
    return NULL;
  if (q->mode == QS_QMODE_INT && yd == QS_QDTYPE_QINT8)
    y = run_int_add (exec, a, as, b, bs, ys, act);
  return y ? y : emulated_add (a, as, b, bs, ys, yd, act);
}

/* ---- integer mode: int8 values between integer nodes ------------------------------ *
 *
 * In integer mode a node whose output is quantized to int8 returns an int8 tensor of q
 * (is_q[value]); its scale is qs_qmodel_value_scale () of the value, so q * scale is
 * exactly the float the value held before.  Integer consumers (conv, linear, add, max
 * pool, relu, views) read q directly; any other node sees a float copy (q * scale) made
 * for its call only; callers and node callbacks get float (export_value ()).  int8
 * buffers are recycled by size (release_value ()), conv weights packed once per node. */

#define FREE_Q_MAX 64

/* An int8 tensor of @dims, from the free list when one of that size is there. */
static QsTensor *
take_q (QExec        *q,
        guint         rank,
        const gint64 *dims)
{
  gint64 n = 1;

  for (guint i = 0; i < rank; i++)
    n *= dims[i];
  for (guint i = q->free_q->len; i-- > 0;)
    {
      QsTensor *t = q->free_q->pdata[i];

      if (t->n_elements == n)
        {
          g_ptr_array_steal_index_fast (q->free_q, i);
          t->rank = rank;
          memcpy (t->dims, dims, rank * sizeof (gint64));
          return t;
        }
    }
  return qs_tensor_new (QS_DTYPE_INT8, rank, dims);
}

/* Gives @t (one reference) back for reuse. */
static void
give_q (QExec    *q,
        QsTensor *t)
{
  if (t->dtype == QS_DTYPE_INT8 && g_atomic_ref_count_compare (&t->ref_count, 1)
      && q->free_q->len < FREE_Q_MAX)
    g_ptr_array_add (q->free_q, t);
  else
    qs_tensor_unref (t);
}

static void
release_value (QsExec      *exec,
               QsId         value,
               QsExecValue *v,
               gpointer     data)
{
  QExec *q = data;

  if (q->is_q != NULL && v->kind == QS_EXEC_VALUE_TENSOR && v->tensor->dtype == QS_DTYPE_INT8
      && g_atomic_ref_count_compare (&v->ref_count, 1))
    {
      QsTensor *t = qs_tensor_ref (v->tensor);

      qs_exec_value_unref (v);
      give_q (q, t);
      return;
    }
  qs_exec_value_unref (v);
}

static gboolean
value_is_q (QsExec *exec,
            QExec  *q,
            QsId    value)
{
  QsExecValue *v = exec->values[value];

  return q->is_q != NULL && q->is_q[value] && v != NULL && v->kind == QS_EXEC_VALUE_TENSOR
         && v->tensor->dtype == QS_DTYPE_INT8;
}

/* q * scale of an int8 value, as a new float tensor */
static QsTensor *
dequantize_value (QExec          *q,
                  QsId            value,
                  const QsTensor *t)
{
  QsTensor *y = qs_tensor_new (QS_DTYPE_FLOAT32, t->rank, t->dims);

  qsk_dequantize_f32 (t->n_elements, t->data, QSK_S8,
                      qs_qmodel_value_scale (q->model, value, NULL), qs_tensor_f32 (y));
  return y;
}

static QsExecValue *
export_value (QsExec      *exec,
              QsId         value,
              QsExecValue *v,
              gpointer     data)
{
  QExec *q = data;

  if (q->is_q != NULL && q->is_q[value] && v->kind == QS_EXEC_VALUE_TENSOR
      && v->tensor->dtype == QS_DTYPE_INT8)
    return qs_exec_value_new_tensor (dequantize_value (q, value, v->tensor));
  return qs_exec_value_ref (v);
}

/* The int8 q of tensor value @value at @scale: its own tensor when it holds q, else
 * the float value quantized into *tmp (give it back with give_q ()). */
static const QsTensor *
input_q (QsExec    *exec,
         QExec     *q,
         QsId       value,
         float      scale,
         QsTensor **tmp)
{
  QsExecValue *v = exec->values[value];
  QsTensor *t;

  *tmp = NULL;
  if (value_is_q (exec, q, value))
    return v->tensor;
  if (v == NULL || v->kind != QS_EXEC_VALUE_TENSOR || !qs_tensor_is_float32 (v->tensor))
    return NULL;
  t = take_q (q, v->tensor->rank, v->tensor->dims);
  qsk_quantize_f32 (t->n_elements, qs_tensor_f32 (v->tensor), scale, QSK_S8, t->data);
  return *tmp = t;
}

static gboolean
is_tensor_value (QsExec *exec,
                 QExec  *q,
                 QsId    value)
{
  QsExecValue *v = exec->values[value];

  return v != NULL && v->kind == QS_EXEC_VALUE_TENSOR
         && (qs_tensor_is_float32 (v->tensor) || value_is_q (exec, q, value));
}

/* The conv's weights packed for exec->k->conv2d_q (cached per node), or NULL. */
static const void *
packed_weights (QsExec            *exec,
                QExec             *q,
                QsId               id,
                const QskConvGeom *g)
{
  QNodeCache *c = &q->cache[id];
  size_t size;

  if (q->layout == 0)
    return NULL;
  if (c->packed != NULL && memcmp (&c->packed_for, g, sizeof *g) == 0)
    return c->packed->data;
  g_clear_pointer (&c->packed, qs_tensor_unref);
  size = qsk_conv2d_q_packed_size (g, q->layout);
  if (size == 0)
    return NULL;
  c->packed = qs_tensor_new (QS_DTYPE_UINT8, 1, (gint64[]) { (gint64) size });
  qsk_conv2d_q_pack (g, q->layout, QSK_S8, q->model->w[id]->w_q->data, c->packed->data);
  c->packed_for = *g;
  return c->packed->data;
}

/* The int8 conv/linear group of @node (folded bn, fused add, relu), input to output in
 * int8; FALSE (nothing done) when it does not qualify. */
static gboolean
int_weighted_node (QsExec       *exec,
                   QExec        *q,
                   const QsNode *node,
                   QsId          id,
                   QsExecValue **out)
{
  QsQModel *model = q->model;
  QsQWeights *w = model->w[id];
  const QsModule *m = qs_graph_node_module (exec->graph, node);
  gint add = qs_node_fused_index (node, QS_OP_ADD);
  float ys = model->act_scale[id], target = add >= 0 ? model->pre_add_scale[id] : ys;
  float xs, bs = 0;
  QsQdtype xd = QS_QDTYPE_FLOAT, bd = QS_QDTYPE_FLOAT;
  QsId xv = head_input (node), bv = QS_ID_NONE;
  const QsTensor *xt, *xq, *bq = NULL;
  QsTensor *xtmp = NULL, *btmp = NULL, *yq = NULL;
  gint64 dims[QS_MAX_RANK];
  guint rank;
  int32_t lo, hi;

  if (w == NULL || w->bias_q == NULL || w->rq == NULL || w->w_dtype != QS_DTYPE_INT8
      || ys <= 0 || target <= 0 || m == NULL || !is_tensor_value (exec, q, xv))
    return FALSE;
  for (guint i = 0; i < node->n_fused; i++)
    if (node->fused[i].op != QS_OP_BATCH_NORM && node->fused[i].op != QS_OP_ADD
        && node->fused[i].op != QS_OP_RELU && node->fused[i].op != QS_OP_RELU6)
      return FALSE;
  xs = qs_qmodel_value_scale (model, xv, &xd);
  if (xs <= 0 || xd != QS_QDTYPE_QINT8)
    return FALSE;
  xt = exec->values[xv]->tensor;
  if (node->op == QS_OP_CONV2D)
    {
      QskConvGeom g;

      if (!conv_geom (exec, node, m, xt, w->w_q, &g))
        return FALSE;
      rank = 4;
      dims[0] = g.n, dims[1] = g.oc, dims[2] = qsk_conv_geom_oh (&g);
      dims[3] = qsk_conv_geom_ow (&g);
    }
  else if (node->op == QS_OP_LINEAR && xt->rank >= 1 && w->w_q->rank == 2
           && xt->dims[xt->rank - 1] == w->w_q->dims[1])
    {
      rank = xt->rank;
      memcpy (dims, xt->dims, rank * sizeof (gint64));
      dims[rank - 1] = w->w_q->dims[0];
    }
  else
    return FALSE;
  if (add >= 0)
    {
      guint k = node->n_inputs;
      const QsTensor *bt;

      for (guint i = 0; i < node->n_fused; i++)
        k -= node->fused[i].n_inputs;
      for (gint i = 0; i < add; i++)
        k += node->fused[i].n_inputs;
      bv = node->inputs[k];
      if (!is_tensor_value (exec, q, bv))
        return FALSE;
      bt = exec->values[bv]->tensor;
      bs = qs_qmodel_value_scale (model, bv, &bd);
      if (bs <= 0 || bd != QS_QDTYPE_QINT8 || bt->rank != rank || rank > QSK_MAX_RANK
          || memcmp (bt->dims, dims, rank * sizeof (gint64)) != 0)
        return FALSE;
    }

  if ((xq = input_q (exec, q, xv, xs, &xtmp)) == NULL)
    return FALSE;
  yq = take_q (q, rank, dims);
  qsk_quant_act_bounds (add < 0 ? fused_act (node) : QSK_ACT_NONE, target, QSK_S8, &lo, &hi);
  if (node->op == QS_OP_CONV2D)
    {
      QskConv2dQArgs a = { .x_type = QSK_S8, .w_type = QSK_S8, .y_type = QSK_S8,
                           .x = xq->data, .w = w->w_q->data, .bias = w->bias_q->data,
                           .rq = w->rq->data, .out_min = lo, .out_max = hi, .y = yq->data };

      conv_geom (exec, node, m, xt, w->w_q, &a.g);
      if ((a.w_packed = packed_weights (exec, q, id, &a.g)) != NULL)
        a.w_pack = q->layout;
      exec->k->conv2d_q (&a, exec->pool);
    }
  else
    {
      size_t k = w->w_q->dims[1], n = w->w_q->dims[0];
      QskMatmulQArgs a = { .batch = 1, .m = xq->n_elements / MAX (k, 1), .n = n, .k = k,
                           .a_type = QSK_S8, .b_type = QSK_S8, .c_type = QSK_S8,
                           .a = xq->data, .lda = k, .b = w->w_q->data, .b_k_stride = 1,
                           .b_n_stride = k, .bias = w->bias_q->data, .rq = w->rq->data,
                           .out_min = lo, .out_max = hi, .c = yq->data, .ldc = n };

      exec->k->matmul_q (&a, exec->pool);
    }
  if (xtmp != NULL)
    give_q (q, xtmp);
  if (add >= 0)
    {
      QskAddS8Args a = { 0 };
      size_t sh[QSK_MAX_RANK];
      QsTensor *sum;

      if ((bq = input_q (exec, q, bv, bs, &btmp)) == NULL)
        {
          give_q (q, yq);
          return FALSE;
        }
      for (guint i = 0; i < rank; i++)
        sh[i] = dims[i];
      qsk_broadcast_init (&a.bc, rank, sh, rank, sh);
      a.rq = qsk_requant2_from_ratios ((double) target / ys, (double) bs / ys);
      qsk_quant_act_bounds (fused_act (node), ys, QSK_S8, &a.out_min, &a.out_max);
      sum = take_q (q, rank, dims);
      a.a = yq->data, a.b = bq->data, a.y = sum->data;
      exec->k->add_s8 (&a, exec->pool);
      give_q (q, yq);
      if (btmp != NULL)
        give_q (q, btmp);
      yq = sum;
    }
  *out = qs_exec_value_new_tensor (yq);
  return TRUE;
}

/* A standalone quantized int8 add. */
static gboolean
int_add_node (QsExec       *exec,
              QExec        *q,
              const QsNode *node,
              QsId          id,
              QsExecValue **out)
{
  QsQModel *model = q->model;
  QsId av = node->inputs[0], bv = node->inputs[1];
  QsQdtype ad = QS_QDTYPE_FLOAT, bd = QS_QDTYPE_FLOAT;
  float as, bs, ys = model->act_scale[id];
  const QsTensor *at, *bt, *aq, *bq;
  QsTensor *atmp = NULL, *btmp = NULL, *y;
  QskAddS8Args a = { 0 };
  size_t sh[QSK_MAX_RANK];

  if (!is_tensor_value (exec, q, av) || !is_tensor_value (exec, q, bv))
    return FALSE;
  as = qs_qmodel_value_scale (model, av, &ad);
  bs = qs_qmodel_value_scale (model, bv, &bd);
  at = exec->values[av]->tensor, bt = exec->values[bv]->tensor;
  if (as <= 0 || bs <= 0 || ys <= 0 || ad != QS_QDTYPE_QINT8 || bd != QS_QDTYPE_QINT8
      || at->rank != bt->rank || at->rank == 0 || at->rank > QSK_MAX_RANK
      || memcmp (at->dims, bt->dims, at->rank * sizeof (gint64)) != 0)
    return FALSE;
  aq = input_q (exec, q, av, as, &atmp);
  bq = input_q (exec, q, bv, bs, &btmp);
  for (guint i = 0; i < at->rank; i++)
    sh[i] = at->dims[i];
  qsk_broadcast_init (&a.bc, at->rank, sh, at->rank, sh);
  a.rq = qsk_requant2_from_ratios ((double) as / ys, (double) bs / ys);
  qsk_quant_act_bounds (QSK_ACT_NONE, ys, QSK_S8, &a.out_min, &a.out_max);
  y = take_q (q, at->rank, at->dims);
  a.a = aq->data, a.b = bq->data, a.y = y->data;
  exec->k->add_s8 (&a, exec->pool);
  if (atmp != NULL)
    give_q (q, atmp);
  if (btmp != NULL)
    give_q (q, btmp);
  *out = qs_exec_value_new_tensor (y);
  return TRUE;
}

/* The table taking q at @xs through @op (max pool: identity; relu; relu6) to the
 * output's q at @ys, computed as the float path does: fq (f (q * xs)). */
static const QNodeCache *
node_lut (QExec *q,
          QsId   id,
          QsOp   op,
          float  xs,
          float  ys)
{
  QNodeCache *c = &q->cache[id];
  float v[256];

  if (c->has_lut)
    return c;
  for (int i = 0; i < 256; i++)
    {
      int8_t x = (int8_t) (i - 128);

      qsk_dequantize_f32 (1, &x, QSK_S8, xs, &v[i]);
      if (op == QS_OP_RELU || op == QS_OP_RELU6)
        v[i] = v[i] < 0 ? 0 : v[i];
      if (op == QS_OP_RELU6)
        v[i] = v[i] > 6.f ? 6.f : v[i];
    }
  qsk_quantize_f32 (256, v, ys, QSK_S8, c->lut);
  c->lut_identity = TRUE;
  for (int i = 0; i < 256; i++)
    c->lut_identity &= c->lut[i] == i - 128;
  c->has_lut = TRUE;
  return c;
}

/* int8 max pool (pool2d_s8, then the table to the output scale: max commutes with the
 * monotone fq ()), or an elementwise relu / relu6 (the table). */
static gboolean
int_table_node (QsExec       *exec,
                QExec        *q,
                const QsNode *node,
                QsId          id,
                QsExecValue **out)
{
  QsQdtype xd = QS_QDTYPE_FLOAT;
  QsId xv = head_input (node);
  float xs, ys = q->model->act_scale[id];
  const QsTensor *xt, *xq;
  const QNodeCache *c;
  QsTensor *xtmp = NULL, *y;

  if ((node->op == QS_OP_RELU || node->op == QS_OP_RELU6) && node->n_inputs != 1)
    return FALSE;
  if (!is_tensor_value (exec, q, xv))
    return FALSE;
  xs = qs_qmodel_value_scale (q->model, xv, &xd);
  xt = exec->values[xv]->tensor;
  if (xs <= 0 || ys <= 0 || xd != QS_QDTYPE_QINT8)
    return FALSE;
  c = node_lut (q, id, node->op, xs, ys);
  if (node->op == QS_OP_MAX_POOL2D)
    {
      QskPool2dS8Args a = { 0 };
      gint64 dims[4];

      if (xt->rank != 4 || !qs_exec_pool_geom (exec, node, xt, &a.g, NULL))
        return FALSE;
      if ((xq = input_q (exec, q, xv, xs, &xtmp)) == NULL)
        return FALSE;
      dims[0] = a.g.n, dims[1] = a.g.c;
      dims[2] = qsk_pool_out_size (a.g.ih, a.g.kh, a.g.sh, a.g.pt, a.g.pb, a.g.ceil_mode);
      dims[3] = qsk_pool_out_size (a.g.iw, a.g.kw, a.g.sw, a.g.pl, a.g.pr, a.g.ceil_mode);
      y = take_q (q, 4, dims);
      a.x = xq->data, a.y = y->data;
      exec->k->pool2d_s8 (&a, exec->pool);
      if (!c->lut_identity)
        {
          QsTensor *z = take_q (q, 4, dims);
          QskLutS8Args l = { .count = y->n_elements, .table = c->lut, .x = y->data,
                             .y = z->data };

          exec->k->lut_s8 (&l, exec->pool);
          give_q (q, y);
          y = z;
        }
    }
  else
    {
      QskLutS8Args l = { .table = c->lut };

      if ((xq = input_q (exec, q, xv, xs, &xtmp)) == NULL)
        return FALSE;
      y = take_q (q, xt->rank, xt->dims);
      l.count = y->n_elements, l.x = xq->data, l.y = y->data;
      exec->k->lut_s8 (&l, exec->pool);
    }
  if (xtmp != NULL)
    give_q (q, xtmp);
  *out = qs_exec_value_new_tensor (y);
  return TRUE;
}

/* A view or identity that is not quantized itself: runs on the int8 tensor (the shape
 * ops take any dtype); the result keeps the input's scale (qs_qmodel_value_scale ()
 * looks through such nodes). */
static gboolean
int_view_node (QsExec       *exec,
               QExec        *q,
               const QsNode *node,
               QsExecValue **out,
               GError      **error)
{
  switch ((int) node->op)
    {
    case QS_OP_FLATTEN:
    case QS_OP_RESHAPE:
    case QS_OP_CONTIGUOUS:
    case QS_OP_DROPOUT:
    case QS_OP_IDENTITY:
      break;
    default:
      return FALSE;
    }
  if (node->n_inputs < 1 || !value_is_q (exec, q, node->inputs[0])
      || head_input (node) != node->inputs[0]
      || !(qs_op_flags (node->op) & QS_OPF_NO_COMPUTE) || node->n_outputs < 1
      || qs_qmodel_value_scale (q->model, node->inputs[0], NULL) <= 0
      || qs_qmodel_value_scale (q->model, node->outputs[0], NULL)
         != qs_qmodel_value_scale (q->model, node->inputs[0], NULL))
    return FALSE;
  for (guint i = 1; i < node->n_inputs; i++)
    if (value_is_q (exec, q, node->inputs[i]))
      return FALSE;
  *out = qs_exec_node (exec, node, error);
  return TRUE;
}

static QsExecValue *runner_common (QsExec       *exec,
                                   const QsNode *node,
                                   QExec        *q,
                                   GError      **error);

/* Integer mode: the node in int8 when it can, else on float copies of its int8 inputs;
 * a quantized int8 output is returned as q. */
static QsExecValue *
runner_int (QsExec       *exec,
            const QsNode *node,
            QExec        *q,
            GError      **error)
{
  QsQModel *model = q->model;
  QsId id = (QsId) (node - exec->graph->nodes);
  QsId out_value = node->n_outputs > 0 ? node->outputs[0] : QS_ID_NONE;
  gboolean q8 = model->act_scale[id] > 0 && model->act_dtype[id] == QS_QDTYPE_QINT8
                && out_value != QS_ID_NONE;
  QsExecValue *out = NULL;
  QsId *swapped = g_newa (QsId, node->n_inputs + 1);
  QsExecValue **saved = g_newa (QsExecValue *, node->n_inputs + 1);
  guint n_swapped = 0;
  gboolean done = FALSE;

  if (q8 && model->w[id] != NULL)
    done = int_weighted_node (exec, q, node, id, &out);
  else if (q8 && node->n_fused == 0 && node->op == QS_OP_ADD && node->n_inputs == 2)
    done = int_add_node (exec, q, node, id, &out);
  else if (q8 && node->n_fused == 0
           && (node->op == QS_OP_MAX_POOL2D || node->op == QS_OP_RELU
               || node->op == QS_OP_RELU6))
    done = int_table_node (exec, q, node, id, &out);
  else if (!q8 && model->act_scale[id] == 0 && node->n_fused == 0)
    {
      if (int_view_node (exec, q, node, &out, error))
        {
          if (out_value != QS_ID_NONE)
            q->is_q[out_value] = out != NULL;
          return out;
        }
    }
  if (done)
    {
      q->is_q[out_value] = TRUE;
      return out;
    }

  /* float on float copies of the int8 inputs */
  for (guint i = 0; i < node->n_inputs; i++)
    {
      QsId v = node->inputs[i];
      gboolean seen = FALSE;

      for (guint j = 0; j < n_swapped; j++)
        seen |= swapped[j] == v;
      if (seen || !value_is_q (exec, q, v))
        continue;
      swapped[n_swapped] = v;
      saved[n_swapped++] = exec->values[v];
      exec->values[v] = qs_exec_value_new_tensor (dequantize_value (q, v,
                                                                     exec->values[v]->tensor));
    }
  out = runner_common (exec, node, q, error);
  for (guint j = 0; j < n_swapped; j++)
    {
      qs_exec_value_unref (exec->values[swapped[j]]);
      exec->values[swapped[j]] = saved[j];
    }
  if (out_value != QS_ID_NONE)
    q->is_q[out_value] = FALSE;
  if (out == NULL || !q8 || out->kind != QS_EXEC_VALUE_TENSOR
      || !qs_tensor_is_float32 (out->tensor))
    return out;
  {
    /* the float value is fq (x) = q * scale already: quantizing it gives q back */
    QsTensor *t = take_q (q, out->tensor->rank, out->tensor->dims);

    qsk_quantize_f32 (t->n_elements, qs_tensor_f32 (out->tensor), model->act_scale[id],
                      QSK_S8, t->data);
    qs_exec_value_unref (out);
    q->is_q[out_value] = TRUE;
    return qs_exec_value_new_tensor (t);
  }
}

/* ---- the runner ----------------------------------------------------------------- */

/* A quantized conv/linear head with its fused bn (folded), add and relu. */
static QsTensor *
run_quantized_group (QsExec       *exec,
                     QExec        *q,
                     const QsNode *node,
                     QsId          id,
                     GError      **error)
{
  QsQModel *model = q->model;
  gint add = qs_node_fused_index (node, QS_OP_ADD);
  float target = add >= 0 ? model->pre_add_scale[id] : model->act_scale[id];
  guint k = node->n_inputs;
  g_autoptr(QsTensor) y = NULL;
  QsTensor *other, *sum;

  if (q->mode == QS_QMODE_INT && model->act_dtype[id] == QS_QDTYPE_QINT8)
    y = run_int_weighted (exec, q, node, id, target, add < 0, error);
  if (y == NULL && (y = run_emulated_weighted (exec, q, node, id, target, add < 0, error)) == NULL)
    return NULL;
  if (add < 0)
    return g_steal_pointer (&y);
  for (guint i = 0; i < node->n_fused; i++)
    k -= node->fused[i].n_inputs;
  for (gint i = 0; i < add; i++)
    k += node->fused[i].n_inputs;
  if ((other = input_tensor (exec, node, k, error)) == NULL)
    return NULL;
  sum = quantized_add (exec, q, y, QS_ID_NONE, other, node->inputs[k], id, fused_act (node));
  if (sum == NULL)
    return qs_exec_fail (error, node, QS_ERROR_UNSUPPORTED,
                         "fused add: the other input is not a quantized tensor of the same "
                         "shape");
  return sum;
}

/* A conv/linear/bn/matmul head and its absorbed ops in float (calibration,
 * or a node quantized without an input scale). */
static QsTensor *
run_group (QsExec       *exec,
           QExec        *q,
           const QsNode *node,
           QsId          id,
           GError      **error)
{
  QsQModel *model = q->model;
  QsQWeights *w = model->w[id];
  gboolean quant = q->mode != QS_QMODE_FLOAT;
  gboolean folded = quant && w != NULL;
  guint k = node->n_inputs;
  g_autoptr(QsTensor) y = NULL;
  float pre = model->pre_add_scale[id];

  if (folded && w->bias_q != NULL && model->act_scale[id] > 0)
    return run_quantized_group (exec, q, node, id, error);
  for (guint i = 0; i < node->n_fused; i++)
    k -= node->fused[i].n_inputs;
  y = take_tensor (qs_exec_node (exec, node, error));
  if (y == NULL)
    return error && *error ? NULL
           : qs_exec_fail (error, node, QS_ERROR_UNSUPPORTED, "does not give a float tensor");
  /* the module's own bias was replaced by the folded one in the cache; a
   * bias-free module gets the folded bias here */
  if (folded && w->bias != NULL
      && qs_module_find_param (&exec->graph->modules[node->module], "bias") == NULL
      && !per_channel_affine (node, y, NULL, qs_tensor_f32 (w->bias), w->bias->n_elements, error))
    return NULL;
  for (guint i = 0; i < node->n_fused; i++)
    {
      const QsFused *f = &node->fused[i];

      if (f->op == QS_OP_BATCH_NORM && !folded)
        {
          QsTensor *aff = qs_qexec_bn_affine (exec, node, f->module, error);

          if (aff == NULL || !per_channel_affine (node, y, qs_tensor_f32 (aff),
                                                  qs_tensor_f32 (aff) + aff->dims[1],
                                                  aff->dims[1], error))
            return NULL;
        }
      else if (f->op == QS_OP_ADD)
        {
          QsTensor *other = input_tensor (exec, node, k, error);
          float *a, *b;

          if (other == NULL)
            return NULL;
          if (q->pre_obs != NULL)
            observe (q->pre_obs, id, y);
          if (quant && pre > 0)
            fake_quant (y, pre, model->act_dtype[id]);
          if (other->n_elements != y->n_elements)
            return qs_exec_fail (error, node, QS_ERROR_UNSUPPORTED,
                                 "fused add of tensors of different shapes");
          a = qs_tensor_f32 (y), b = qs_tensor_f32 (other);
          for (gint64 e = 0; e < y->n_elements; e++)
            a[e] += b[e];
        }
      else if (f->op == QS_OP_RELU || f->op == QS_OP_RELU6)
        {
          float *a = qs_tensor_f32 (y), hi = f->op == QS_OP_RELU6 ? 6.f : INFINITY;

          for (gint64 e = 0; e < y->n_elements; e++)
            a[e] = a[e] < 0 ? 0 : a[e] > hi ? hi : a[e];
        }
      k += f->n_inputs;
    }
  return g_steal_pointer (&y);
}

static QsExecValue *
runner (QsExec       *exec,
        const QsNode *node,
        gpointer      data,
        GError      **error)
{
  QExec *q = data;

  if (q->mode == QS_QMODE_INT)
    return runner_int (exec, node, q, error);
  return runner_common (exec, node, q, error);
}

static QsExecValue *
runner_common (QsExec       *exec,
               const QsNode *node,
               QExec        *q,
               GError      **error)
{
  QsQModel *model = q->model;
  QsId id = (QsId) (node - exec->graph->nodes);
  QsTensor *y = NULL;
  QsExecValue *out;
  gboolean quantized = model->act_scale[id] > 0 && q->mode != QS_QMODE_FLOAT;

  if (node->n_fused > 0 || (q->mode != QS_QMODE_FLOAT && model->w[id] != NULL))
    {
      if ((y = run_group (exec, q, node, id, error)) == NULL)
        return NULL;
    }
  else
    {
      if (quantized && node->op == QS_OP_ADD && node->n_inputs == 2)
        y = quantized_add (exec, q, input_tensor (exec, node, 0, NULL), node->inputs[0],
                           input_tensor (exec, node, 1, NULL), node->inputs[1], id,
                           QSK_ACT_NONE);
      if (y == NULL)
        {
          out = qs_exec_node (exec, node, error);
          if (out == NULL)
            return NULL;
          if (out->kind == QS_EXEC_VALUE_TENSOR)
            observe (q->obs, id, out->tensor);
          if (!quantized || out->kind != QS_EXEC_VALUE_TENSOR
              || !qs_tensor_is_float32 (out->tensor))
            return out;
          y = take_tensor (out);
        }
    }
  if (q->mode == QS_QMODE_FLOAT && node->n_fused > 0)
    observe (q->obs, id, y);
  if (quantized)
    fake_quant (y, model->act_scale[id], model->act_dtype[id]);
  return qs_exec_value_new_tensor (y);
}

/* ---- construction ----------------------------------------------------------------- */

static void
override_params (QsExec   *exec,
                 QsQModel *model)
{
  for (QsId id = 0; id < model->graph->n_nodes; id++)
    {
      const QsNode *node = &model->graph->nodes[id];
      const QsModule *m;
      g_autofree char *wkey = NULL, *bkey = NULL;

      if (model->w[id] == NULL || node->module == QS_ID_NONE)
        continue;
      m = &model->graph->modules[node->module];
      wkey = *m->path ? g_strconcat (m->path, ".weight", NULL) : g_strdup ("weight");
      bkey = *m->path ? g_strconcat (m->path, ".bias", NULL) : g_strdup ("bias");
      if (model->w[id]->bias_q != NULL)
        {
          /* run_emulated_weighted (): integer-valued weights, bias added later */
          QsTensor *wi = qs_tensor_to_float32 (model->w[id]->w_q);

          qs_exec_cache (exec, wkey, wi);
          if (qs_module_find_param (m, "bias") != NULL)
            qs_exec_cache (exec, bkey, qs_tensor_new_like (model->w[id]->bias));
          continue;
        }
      qs_exec_cache (exec, wkey, qs_tensor_ref (model->w[id]->w_fq));
      if (model->w[id]->bias != NULL && qs_module_find_param (m, "bias") != NULL)
        qs_exec_cache (exec, bkey, qs_tensor_ref (model->w[id]->bias));
    }
}

QsExec *
qs_qexec_new (QsQModel            *model,
              QsQMode              mode,
              const QsExecOptions *options,
              GError             **error)
{
  QsExec *exec;
  QExec *q;

  g_return_val_if_fail (model != NULL && mode < QS_N_QMODES, NULL);
  exec = qs_exec_new (model->graph, model->weights, options, error);
  if (exec == NULL)
    return NULL;
  q = g_new0 (QExec, 1);
  q->model = qs_qmodel_ref (model);
  q->mode = mode;
  exec->runner = runner;
  exec->runner_data = q;
  exec->runner_free = qexec_free;
  if (mode != QS_QMODE_FLOAT)
    override_params (exec, model);
  if (mode == QS_QMODE_INT)
    {
      q->is_q = g_new0 (guint8, MAX (model->graph->n_values, 1));
      q->cache = g_new0 (QNodeCache, MAX (model->graph->n_nodes, 1));
      q->layout = qsk_conv2d_q_pack_layout (exec->k->conv2d_q, QSK_S8, QSK_S8);
      q->free_q = g_ptr_array_new_with_free_func ((GDestroyNotify) qs_tensor_unref);
      exec->runner_export = export_value;
      exec->runner_release = release_value;
    }
  return exec;
}

GPtrArray *
qs_qexec_quantize_inputs (QsExec             *exec,
                          QsExecValue *const *inputs,
                          guint               n_inputs)
{
  QExec *q = exec->runner_data;
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) qs_exec_value_unref);

  for (guint i = 0; i < n_inputs; i++)
    {
      QsId ph = i < qs_exec_get_n_inputs (exec) ? qs_exec_get_input_node (exec, i) : QS_ID_NONE;
      QsExecValue *v = inputs[i];

      if (q != NULL && q->mode != QS_QMODE_FLOAT && ph != QS_ID_NONE
          && q->model->act_scale[ph] > 0 && v->kind == QS_EXEC_VALUE_TENSOR
          && qs_tensor_is_float32 (v->tensor))
        {
          QsTensor *t = qs_tensor_reshape (v->tensor, v->tensor->rank, v->tensor->dims);

          fake_quant (t, q->model->act_scale[ph], q->model->act_dtype[ph]);
          g_ptr_array_add (out, qs_exec_value_new_tensor (t));
        }
      else
        g_ptr_array_add (out, qs_exec_value_ref (v));
    }
  return out;
}

GPtrArray *
qs_qexec_run (QsExec             *exec,
              QsExecValue *const *inputs,
              guint               n_inputs,
              const char *const  *until,
              guint               n_until,
              GError            **error)
{
  g_autoptr(GPtrArray) in = qs_qexec_quantize_inputs (exec, inputs, n_inputs);

  if (n_until > 0)
    return qs_exec_run_until (exec, (QsExecValue *const *) in->pdata, in->len, until, n_until,
                              error);
  return qs_exec_run (exec, (QsExecValue *const *) in->pdata, in->len, error);
}
