/* qs-cost.c: kernel features and the per-kernel time formulas
 *
 * Formulas and their sources: docs/nash-cost-model.md. Features are
 * extracted once per prepared graph (shapes, padded sizes, bytes, dtypes);
 * times are cheap functions of features and parameters, so the fitting
 * tool can evaluate them thousands of times.
 */
#include "config.h"

#include <math.h>

#include "qs-cost-private.h"
#include "qs-summary.h"

static double
pad_to (double n,
        double align)
{
  if (align <= 1 || n <= 0)
    return n;
  return ceil (n / align) * align;
}

static guint
qdtype_bytes (QsQdtype dtype)
{
  switch (dtype)
    {
    case QS_QDTYPE_QINT8:
      return 1;
    case QS_QDTYPE_QINT16:
    case QS_QDTYPE_FP16:
      return 2;
    case QS_QDTYPE_FLOAT:
    case QS_N_QDTYPES:
    default:
      return 4;
    }
}

static const QsType *
value_type (const QsGraph *g,
            QsId           value)
{
  const QsType *t = &g->values[value].type;

  return qs_type_is_tensor (t) ? t : NULL;
}

static double
type_elems (const QsType *t)
{
  return t != NULL ? (double) MAX (qs_type_n_elements (t), 0) : 0;
}

/* Elements with the channel axis padded: axis 1 of NCHW-like tensors, the
 * last axis of rank-2 ones. */
static double
padded_elems (const QsType *t,
              double        align)
{
  gint64 c;
  double n = type_elems (t);

  if (t == NULL || t->rank < 2 || n <= 0)
    return n;
  c = t->rank == 2 ? t->dims[1] : t->dims[1];
  if (c <= 0)
    return n;
  return n / (double) c * pad_to ((double) c, align);
}

/* Looks through bookkeeping nodes (getitem, reshape, ...) to the node that
 * computed a value, as prepare does. */
static QsId
real_producer (const QsGraph *g,
               QsId           value)
{
  QsId n = g->values[value].producer;

  while (n != QS_ID_NONE && (qs_op_flags (g->nodes[n].op) & QS_OPF_NO_COMPUTE)
         && g->nodes[n].kind != QS_NODE_PLACEHOLDER && g->nodes[n].n_inputs > 0
         && qs_type_is_tensor (&g->values[g->nodes[n].inputs[0]].type))
    n = g->values[g->nodes[n].inputs[0]].producer;
  return n;
}

static gboolean
node_on_cpu (const QsPrepared *p,
             QsId              id)
{
  const QsNode *node = &p->graph->nodes[id];
  QsOpFlags flags = qs_op_flags (node->op);

  if (node->kind == QS_NODE_PLACEHOLDER || node->kind == QS_NODE_OUTPUT
      || node->kind == QS_NODE_GET_ATTR)
    return FALSE;
  if (node->wrapped != QS_ID_NONE || qs_op_engine (node->op) == QS_ENGINE_CPU)
    return TRUE;
  if (flags & QS_OPF_NO_COMPUTE)
    return FALSE;
  /* A quantizable op prepare did not replace stays float on the CPU. */
  return (flags & QS_OPF_QUANT) && p->replaced[id] == NULL;
}

static QsTaeDtype
tae_dtype (const QsQconfig *q,
           gboolean         has_weight)
{
  QsQdtype w = has_weight ? q->weight : q->activation;

  if (q->activation == QS_QDTYPE_FP16 || w == QS_QDTYPE_FP16)
    return QS_TAE_FP16;
  if (q->activation == QS_QDTYPE_QINT16 && w == QS_QDTYPE_QINT16)
    return QS_TAE_INT16_BOTH;
  if (q->activation == QS_QDTYPE_QINT16 || w == QS_QDTYPE_QINT16)
    return QS_TAE_INT16_ONE;
  return QS_TAE_INT8;
}

static double
kernel_area (const QsModule *m)
{
  gint64 k[2] = { 1, 1 };

  if (m == NULL || qs_module_get_ints (m, "kernel_size", k, 2) == 0)
    return 1;
  return (double) MAX (k[0], 1) * (double) MAX (k[1], 1);
}

static void
extract_tae (const QsGraph  *g,
             const QsNode   *node,
             const QsType   *x,
             const QsType   *y,
             double          align,
             QsCostKernel   *k)
{
  const QsModule *m = qs_graph_node_module (g, node);
  double out_c = 0, red = 0, positions = 0, area = 1;

  if (node->op == QS_OP_LINEAR || node->op == QS_OP_MATMUL)
    {
      if (x == NULL || y == NULL || x->rank < 1 || y->rank < 1)
        return;
      red = (double) x->dims[x->rank - 1];
      out_c = (double) y->dims[y->rank - 1];
      positions = out_c > 0 ? type_elems (y) / out_c : 0;
    }
  else if (m != NULL && y != NULL && y->rank >= 2)
    {
      double groups = MAX (qs_module_get_int (m, "groups", 1), 1);
      double in_c = (double) qs_module_get_int (m, "in_channels", 0);

      area = kernel_area (m);
      out_c = (double) y->dims[1] / groups;
      red = in_c / groups;
      positions = type_elems (y) / MAX ((double) y->dims[1], 1) * groups;
      if (node->op == QS_OP_CONV_TRANSPOSE2D && x != NULL && x->rank >= 2)
        {
          /* Each input position scatters into area outputs. */
          positions = type_elems (x) / MAX ((double) x->dims[1], 1) * groups;
        }
    }
  k->tae_k = pad_to (red, align) * area;
  k->tae_n = pad_to (out_c, align);
  k->tae_macs = positions * k->tae_k * k->tae_n;
}

static double
vector_passes (QsOp     op,
               gboolean *lut)
{
  *lut = FALSE;
  switch (op)
    {
    case QS_OP_SIGMOID:
    case QS_OP_TANH:
    case QS_OP_SILU:
    case QS_OP_HARDSWISH:
    case QS_OP_HARDSIGMOID:
    case QS_OP_GELU:
    case QS_OP_EXP:
      *lut = TRUE;
      return 1;
    case QS_OP_SOFTMAX:
      /* max, sub, exp (LUT), sum, reciprocal, mul */
      *lut = TRUE;
      return 5;
    case QS_OP_LAYER_NORM:
    case QS_OP_GROUP_NORM:
      /* mean, sub, square + mean (var), rsqrt, mul + add */
      return 5;
    default:
      return 1;
    }
}

static void
extract_vector (const QsGraph *g,
                const QsNode  *node,
                const QsType  *x,
                const QsType  *y,
                double         align,
                QsCostKernel  *k)
{
  const QsModule *m = qs_graph_node_module (g, node);
  double out_pad = padded_elems (y, align);
  gboolean lut;
  double passes = vector_passes (node->op, &lut);

  switch (node->op)
    {
    case QS_OP_CONV1D:
    case QS_OP_CONV2D:
      /* depthwise: one MAC per tap and output element */
      k->vec_elems = out_pad * kernel_area (m);
      return;
    case QS_OP_MAX_POOL2D:
    case QS_OP_AVG_POOL2D:
      k->vec_elems = out_pad * kernel_area (m);
      return;
    case QS_OP_ADAPTIVE_AVG_POOL2D:
    case QS_OP_MEAN:
    case QS_OP_SUM:
      k->vec_elems = padded_elems (x, align);
      return;
    default:
      break;
    }
  if (lut)
    {
      k->lut_elems = out_pad;
      k->vec_elems = out_pad * (passes - 1);
    }
  else
    k->vec_elems = out_pad * passes;
}

static gboolean
is_depthwise (const QsGraph *g,
              const QsNode  *node)
{
  const QsModule *m = qs_graph_node_module (g, node);
  gint64 groups, in_c;

  if (m == NULL || (node->op != QS_OP_CONV2D && node->op != QS_OP_CONV1D))
    return FALSE;
  groups = qs_module_get_int (m, "groups", 1);
  in_c = qs_module_get_int (m, "in_channels", 0);
  return groups > 1 && groups == in_c;
}

static double
weight_bytes (const QsGraph *g,
              const QsNode  *node,
              QsQdtype       wdtype)
{
  const QsModule *m = qs_graph_node_module (g, node);
  const QsParam *w, *b;
  double bytes = 0;

  if (m == NULL)
    return 0;
  if ((w = qs_module_find_param (m, "weight")) != NULL)
    bytes += type_elems (&w->type) * qdtype_bytes (wdtype);
  if ((b = qs_module_find_param (m, "bias")) != NULL)
    bytes += type_elems (&b->type) * 4;
  return bytes;
}

static void
add_tensor (QsCostKernel *k,
            double        bytes)
{
  if (k->n_tensors < QS_COST_MAX_TENSORS)
    k->tensor_bytes[k->n_tensors++] = bytes;
  else
    k->tensor_bytes[QS_COST_MAX_TENSORS - 1] += bytes;
}

/* Inputs: requantize where the producing kernel's dtype differs, and count
 * BPU<->CPU crossings. */
static void
extract_inputs (const QsPrepared *p,
                const QsNode     *node,
                const guint8     *on_cpu,
                gboolean          self_cpu,
                QsQdtype          act,
                QsCostKernel     *k)
{
  const QsGraph *g = p->graph;

  for (guint i = 0; i < node->n_inputs; i++)
    {
      const QsType *t = value_type (g, node->inputs[i]);
      QsId src;
      QsQdtype src_act;

      if (t == NULL || g->values[node->inputs[i]].producer == QS_ID_NONE)
        continue;
      src = real_producer (g, node->inputs[i]);
      add_tensor (k, type_elems (t) * qdtype_bytes (self_cpu ? QS_QDTYPE_FLOAT : act));
      if (src == QS_ID_NONE || g->nodes[src].kind == QS_NODE_PLACEHOLDER)
        continue;
      if (on_cpu[src] != self_cpu)
        {
          k->crossings++;
          continue;
        }
      src_act = p->qconfigs->nodes[src].qconfig.activation;
      if (!self_cpu && src_act != act)
        k->requant_elems += type_elems (t);
    }
}

static void
extract_one (const QsPrepared   *p,
             QsId                id,
             const guint8       *on_cpu,
             const QsCostParams *params,
             QsCostKernels      *ks)
{
  const QsGraph *g = p->graph;
  const QsNode *node = &g->nodes[id];
  const QsQconfig *q = &p->qconfigs->nodes[id].qconfig;
  const QsType *x = node->n_inputs > 0 ? value_type (g, node->inputs[0]) : NULL;
  const QsType *y = node->n_outputs > 0 ? value_type (g, node->outputs[0]) : NULL;
  QsCostKernel k = { 0 };
  QsEngine engine = qs_op_engine (node->op);
  gboolean has_w = (qs_op_flags (node->op) & QS_OPF_WEIGHTS) != 0;
  QsQdtype act = on_cpu[id] ? QS_QDTYPE_FLOAT : q->activation;

  k.node = id;
  k.op_class = qs_op_class (node->op);
  k.macs = (double) qs_node_macs (g, node);
  if (act == QS_QDTYPE_FLOAT && !on_cpu[id])
    act = QS_QDTYPE_QINT8;  /* float on the BPU is not a thing: a bookkeeping op */
  if (on_cpu[id])
    k.kind = QS_KERNEL_CPU;
  else if (engine == QS_ENGINE_TAE && !is_depthwise (g, node))
    k.kind = QS_KERNEL_TAE;
  else if (engine == QS_ENGINE_TAE || engine == QS_ENGINE_VEC)
    k.kind = QS_KERNEL_VEC;
  else if (engine == QS_ENGINE_MOVE)
    k.kind = QS_KERNEL_MOVE;
  else
    return;
  k.tae_dtype = tae_dtype (q, has_w);
  k.vec_wide = act != QS_QDTYPE_QINT8;
  extract_inputs (p, node, on_cpu, on_cpu[id], act, &k);
  for (guint o = 0; o < node->n_outputs; o++)
    add_tensor (&k, type_elems (value_type (g, node->outputs[o])) * qdtype_bytes (act));
  if (has_w)
    k.weight_bytes = weight_bytes (g, node, on_cpu[id] ? QS_QDTYPE_FLOAT : q->weight);
  switch (k.kind)
    {
    case QS_KERNEL_TAE:
      extract_tae (g, node, x, y, params->align, &k);
      break;
    case QS_KERNEL_VEC:
      extract_vector (g, node, x, y, params->align, &k);
      break;
    case QS_KERNEL_MOVE:
      k.move_bytes = type_elems (y) * qdtype_bytes (act);
      if (node->op == QS_OP_CHUNK || node->op == QS_OP_SPLIT)
        k.move_bytes = type_elems (x) * qdtype_bytes (act);
      break;
    case QS_KERNEL_CPU:
      for (guint t = 0; t < k.n_tensors; t++)
        k.cpu_bytes += k.tensor_bytes[t];
      break;
    case QS_KERNEL_NONE:
    default:
      break;
    }
  if (k.kind == QS_KERNEL_CPU)
    ks->macs_float += (guint64) k.macs;
  else if (k.tae_dtype == QS_TAE_FP16)
    ks->macs_fp16 += (guint64) k.macs;
  else if (k.tae_dtype == QS_TAE_INT8)
    ks->macs_int8 += (guint64) k.macs;
  else
    ks->macs_int16 += (guint64) k.macs;
  g_array_append_val (ks->kernels, k);
}

static double
io_bytes (const QsGraph *g)
{
  double bytes = 0;

  for (QsId id = 0; id < g->n_nodes; id++)
    {
      const QsNode *node = &g->nodes[id];

      /* Inputs arrive as 8-bit images or features; outputs leave as float. */
      if (node->kind == QS_NODE_PLACEHOLDER)
        bytes += type_elems (value_type (g, node->outputs[0]));
      else if (node->kind == QS_NODE_OUTPUT)
        for (guint i = 0; i < node->n_inputs; i++)
          bytes += type_elems (value_type (g, node->inputs[i])) * 4;
    }
  return bytes;
}

QsCostKernels *
qs_cost_kernels_extract (const QsPrepared   *prepared,
                         const QsCostParams *params)
{
  const QsGraph *g;
  QsCostKernels *ks;
  g_autofree guint8 *on_cpu = NULL;

  g_return_val_if_fail (prepared != NULL && params != NULL, NULL);
  g = prepared->graph;
  ks = g_new0 (QsCostKernels, 1);
  ks->kernels = g_array_sized_new (FALSE, FALSE, sizeof (QsCostKernel), g->n_nodes);
  on_cpu = g_new0 (guint8, MAX (g->n_nodes, 1));
  for (QsId id = 0; id < g->n_nodes; id++)
    on_cpu[id] = node_on_cpu (prepared, id);
  for (QsId id = 0; id < g->n_nodes; id++)
    extract_one (prepared, id, on_cpu, params, ks);
  ks->io_bytes = io_bytes (g);
  return ks;
}

void
qs_cost_kernels_free (QsCostKernels *kernels)
{
  if (kernels == NULL)
    return;
  g_array_unref (kernels->kernels);
  g_free (kernels);
}

static double
tae_ratio (const QsCostParams *p,
           QsTaeDtype          dtype)
{
  switch (dtype)
    {
    case QS_TAE_INT16_ONE:
      return p->ratio_int16_one;
    case QS_TAE_INT16_BOTH:
      return p->ratio_int16_both;
    case QS_TAE_FP16:
      return p->ratio_fp16;
    case QS_TAE_INT8:
    default:
      return 1;
    }
}

/* Cycles on the tensor engine: padded MACs at a sustained efficiency that
 * falls for small reductions and few output channels, k / (k + k_half). */
static double
tae_cycles (const QsCostKernel *k,
            const QsCostParams *p)
{
  double util;

  if (k->tae_macs <= 0)
    return 0;
  util = p->tae_eff * (k->tae_k / (k->tae_k + p->tae_k_half))
         * (k->tae_n / (k->tae_n + p->tae_n_half));
  return k->tae_macs * tae_ratio (p, k->tae_dtype) / (p->tae_macs_per_cycle * util);
}

static double
vector_cycles (const QsCostKernel *k,
               const QsCostParams *p)
{
  double elems = k->vec_elems + k->lut_elems * p->lut_passes + k->requant_elems;

  return elems * (k->vec_wide ? p->vec_ratio_16 : 1) / p->vec_elems_per_cycle;
}

static double
spilled_bytes (const QsCostKernel *k,
               const QsCostParams *p)
{
  double onchip = p->onchip_kib * 1024, bytes = k->weight_bytes;

  for (guint t = 0; t < k->n_tensors; t++)
    bytes += MAX (k->tensor_bytes[t] - onchip, 0);
  return bytes;
}

double
qs_cost_kernel_time (const QsCostKernel *k,
                     const QsCostParams *p,
                     double              ddr_share,
                     QsNodeCost         *out)
{
  double us_per_cycle = 1.0 / p->clock_mhz;
  double compute = 0, memory, fixed = p->fixed_cycles * us_per_cycle, extra = 0, bytes;
  QsBound bound = QS_BOUND_COMPUTE;

  bytes = k->kind == QS_KERNEL_CPU ? 0 : spilled_bytes (k, p);
  memory = bytes / (p->ddr_gbps * 1e3 * p->ddr_eff / MAX (ddr_share, 1));
  switch (k->kind)
    {
    case QS_KERNEL_TAE:
      compute = tae_cycles (k, p) * us_per_cycle;
      extra = k->requant_elems / p->vec_elems_per_cycle * us_per_cycle;
      break;
    case QS_KERNEL_VEC:
      compute = vector_cycles (k, p) * us_per_cycle;
      bound = QS_BOUND_VECTOR;
      break;
    case QS_KERNEL_MOVE:
      compute = (k->move_bytes / p->move_bytes_per_cycle
                 + k->requant_elems / p->vec_elems_per_cycle) * us_per_cycle;
      bound = QS_BOUND_MOVE;
      break;
    case QS_KERNEL_CPU:
      compute = k->macs / (p->cpu_gmacs * 1e3) + k->cpu_bytes / (p->cpu_gbps * 1e3);
      fixed = 0;
      bound = QS_BOUND_CPU;
      break;
    case QS_KERNEL_NONE:
    default:
      return 0;
    }
  extra += k->crossings * p->boundary_us;
  if (k->kind != QS_KERNEL_CPU && memory > compute)
    bound = QS_BOUND_DDR;
  if (k->kind != QS_KERNEL_CPU && fixed > MAX (compute, memory))
    bound = QS_BOUND_FIXED;
  if (out != NULL)
    {
      out->node = k->node;
      out->op_class = k->op_class;
      out->bound = bound;
      out->compute_us = compute;
      out->memory_us = memory;
      out->fixed_us = fixed;
      out->extra_us = extra;
      out->macs = (guint64) k->macs;
      out->ddr_bytes = (guint64) bytes;
      out->on_cpu = k->kind == QS_KERNEL_CPU;
      out->time_us = MAX (compute, memory) + fixed + extra;
    }
  return MAX (compute, memory) + fixed + extra;
}

double
qs_cost_host_us (const QsCostParams *p,
                 double              io_bytes_)
{
  return p->host_us + p->host_us_per_mib * io_bytes_ / (1024.0 * 1024.0);
}

double
qs_cost_kernels_time (const QsCostKernels *ks,
                      const QsCostParams  *p,
                      double               ddr_share,
                      double              *bpu_us,
                      double              *cpu_us)
{
  double bpu = 0, cpu = 0;

  for (guint i = 0; i < ks->kernels->len; i++)
    {
      const QsCostKernel *k = &g_array_index (ks->kernels, QsCostKernel, i);
      double t = qs_cost_kernel_time (k, p, ddr_share, NULL);

      if (k->kind == QS_KERNEL_CPU)
        cpu += t;
      else
        bpu += t;
    }
  if (bpu_us != NULL)
    *bpu_us = bpu;
  if (cpu_us != NULL)
    *cpu_us = cpu;
  return bpu + cpu;
}

double
qs_cost_kernels_fps (const QsCostKernels *ks,
                     const QsCostParams  *p,
                     double               total_us,
                     guint                threads)
{
  /* Threads overlap host, CPU and BPU work of different inferences; the
   * BPU cores are the shared resource, and active cores share the DDR. */
  double active = MIN ((double) threads, MAX (p->cores, 1));
  double bpu_n = 0;

  qs_cost_kernels_time (ks, p, p->cores > 1 ? active : 1, &bpu_n, NULL);
  return 1e6 / MAX (total_us / threads, bpu_n / active);
}

QsCostEstimate *
qs_cost_estimate (const QsPrepared   *prepared,
                  const QsCostParams *params,
                  guint               threads)
{
  g_autoptr(QsCostKernels) ks = NULL;
  QsCostEstimate *e;

  g_return_val_if_fail (prepared != NULL && params != NULL, NULL);
  ks = qs_cost_kernels_extract (prepared, params);
  e = g_new0 (QsCostEstimate, 1);
  e->march = prepared->qconfigs->march;
  e->threads = MAX (threads, 1);
  e->nodes = g_array_sized_new (FALSE, TRUE, sizeof (QsNodeCost), ks->kernels->len);
  for (guint i = 0; i < ks->kernels->len; i++)
    {
      const QsCostKernel *k = &g_array_index (ks->kernels, QsCostKernel, i);
      const QsQconfig *q = &prepared->qconfigs->nodes[k->node].qconfig;
      QsNodeCost c = { 0 };

      qs_cost_kernel_time (k, params, 1, &c);
      c.activation = c.on_cpu ? QS_QDTYPE_FLOAT : q->activation;
      c.weight = !(qs_op_flags (prepared->graph->nodes[k->node].op) & QS_OPF_WEIGHTS)
                 ? QS_QDTYPE_FLOAT : c.on_cpu ? QS_QDTYPE_FLOAT : q->weight;
      g_array_append_val (e->nodes, c);
      if (c.on_cpu)
        e->cpu_us += c.time_us;
      else
        e->bpu_us += c.time_us;
      e->class_us[c.op_class] += c.time_us;
      e->bound_us[c.bound] += c.time_us;
      e->ddr_bytes += c.ddr_bytes;
      e->macs += c.macs;
    }
  e->io_bytes = (guint64) ks->io_bytes;
  e->host_us = qs_cost_host_us (params, ks->io_bytes);
  e->bound_us[QS_BOUND_HOST] += e->host_us;
  e->total_us = e->bpu_us + e->cpu_us + e->host_us;
  e->macs_int8 = ks->macs_int8;
  e->macs_int16 = ks->macs_int16;
  e->macs_fp16 = ks->macs_fp16;
  e->macs_float = ks->macs_float;
  e->fps_1 = 1e6 / e->total_us;
  e->fps_n = qs_cost_kernels_fps (ks, params, e->total_us, e->threads);
  return e;
}

void
qs_cost_estimate_free (QsCostEstimate *estimate)
{
  if (estimate == NULL)
    return;
  g_array_unref (estimate->nodes);
  g_free (estimate);
}
