/* qs-calib.c: calibration (observers over batches) and the weight half of
 * convert (BN folding, weight quantization, int32 bias, requantization)
 */
#include "qs-quant-private.h"

#include <math.h>
#include <string.h>

/* ---- the model ------------------------------------------------------------------ */

void
qs_qweights_free (QsQWeights *w)
{
  if (w == NULL)
    return;
  g_clear_pointer (&w->w_q, qs_tensor_unref);
  g_clear_pointer (&w->w_scale, qs_tensor_unref);
  g_clear_pointer (&w->w_fq, qs_tensor_unref);
  g_clear_pointer (&w->bias, qs_tensor_unref);
  g_clear_pointer (&w->bias_q, qs_tensor_unref);
  g_clear_pointer (&w->rq, qs_tensor_unref);
  g_free (w);
}

QsQModel *
qs_qmodel_new_empty (QsGraph   *graph,
                     QsWeights *weights)
{
  QsQModel *m = g_new0 (QsQModel, 1);
  guint n = MAX (graph->n_nodes, 1);

  g_atomic_ref_count_init (&m->ref_count);
  m->graph = qs_graph_ref (graph);
  weights = weights ? weights : graph->weights;
  m->weights = weights ? qs_weights_ref (weights) : NULL;
  m->act_dtype = g_new (QsQdtype, n);
  for (guint i = 0; i < n; i++)
    m->act_dtype[i] = QS_QDTYPE_FLOAT;
  m->act_scale = g_new0 (float, n);
  m->act_amax = g_new0 (float, n);
  m->pre_add_scale = g_new0 (float, n);
  m->w = g_new0 (QsQWeights *, n);
  return m;
}

QsQModel *
qs_qmodel_ref (QsQModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);
  g_atomic_ref_count_inc (&model->ref_count);
  return model;
}

void
qs_qmodel_unref (QsQModel *model)
{
  if (model == NULL || !g_atomic_ref_count_dec (&model->ref_count))
    return;
  for (QsId i = 0; i < model->graph->n_nodes; i++)
    qs_qweights_free (model->w[i]);
  g_free (model->w);
  g_free (model->act_dtype);
  g_free (model->act_scale);
  g_free (model->act_amax);
  g_free (model->pre_add_scale);
  g_free (model->march);
  g_free (model->data_label);
  g_clear_pointer (&model->weights, qs_weights_unref);
  qs_graph_unref (model->graph);
  g_free (model);
}

/* ---- weights ---------------------------------------------------------------------- */

/* Folds a fused BN into (weight, bias): w[o] *= scale[o], b = b * scale + shift. */
static gboolean
fold_bn (QsExec       *exec,
         const QsNode *node,
         QsTensor     *w,
         QsTensor     *b,
         GError      **error)
{
  gint bn = qs_node_fused_index (node, QS_OP_BATCH_NORM);
  QsTensor *aff;
  gint64 oc = w->dims[0], per = w->n_elements / MAX (oc, 1);

  if (bn < 0)
    return TRUE;
  if ((aff = qs_qexec_bn_affine (exec, node, node->fused[bn].module, error)) == NULL)
    return FALSE;
  if (aff->dims[1] != oc)
    return qs_exec_fail (error, node, QS_ERROR_SHAPE,
                         "fused batch norm has %" G_GINT64_FORMAT " channels, the weight %"
                         G_GINT64_FORMAT, aff->dims[1], oc) != NULL;
  for (gint64 o = 0; o < oc; o++)
    {
      float s = qs_tensor_f32 (aff)[o], sh = qs_tensor_f32 (aff)[oc + o];

      for (gint64 i = 0; i < per; i++)
        qs_tensor_f32 (w)[o * per + i] *= s;
      qs_tensor_f32 (b)[o] = qs_tensor_f32 (b)[o] * s + sh;
    }
  return TRUE;
}

gboolean
qs_qmodel_quantize_weights (QsQModel *model,
                            QsExec   *exec,
                            QsId      id,
                            QsQdtype  dtype,
                            gboolean  per_channel,
                            GError  **error)
{
  const QsNode *node = &model->graph->nodes[id];
  const QsModule *m = qs_graph_node_module (model->graph, node);
  QsTensor *w0, *b0;
  g_autoptr(QsTensor) w = NULL, b = NULL;
  QsQWeights *q;
  gint64 oc, per, dims[1];
  QskDType kt = dtype == QS_QDTYPE_QINT16 ? QSK_S16 : QSK_S8;
  double tensor_amax = 0;

  if (m == NULL || (dtype != QS_QDTYPE_QINT8 && dtype != QS_QDTYPE_QINT16)
      || (node->op != QS_OP_CONV2D && node->op != QS_OP_CONV1D && node->op != QS_OP_LINEAR))
    return TRUE;  /* stays float: documented */
  if ((w0 = qs_exec_param (exec, node, m, "weight", TRUE, error)) == NULL
      || !qs_exec_param_opt (exec, node, m, "bias", &b0, error))
    return FALSE;
  oc = w0->dims[0], per = w0->n_elements / MAX (oc, 1);
  w = qs_tensor_reshape (w0, w0->rank, w0->dims);
  dims[0] = oc;
  b = b0 ? qs_tensor_reshape (b0, 1, dims) : qs_tensor_new (QS_DTYPE_FLOAT32, 1, dims);
  if (!fold_bn (exec, node, w, b, error))
    return FALSE;

  q = g_new0 (QsQWeights, 1);
  q->w_dtype = dtype == QS_QDTYPE_QINT16 ? QS_DTYPE_INT16 : QS_DTYPE_INT8;
  q->w_scale = qs_tensor_new (QS_DTYPE_FLOAT32, 1, dims);
  q->w_q = qs_tensor_new (q->w_dtype, w->rank, w->dims);
  q->w_fq = qs_tensor_new_like (w);
  for (gint64 o = 0; o < oc; o++)
    {
      double amax = 0;

      for (gint64 i = 0; i < per; i++)
        amax = MAX (amax, fabs (qs_tensor_f32 (w)[o * per + i]));
      qs_tensor_f32 (q->w_scale)[o] = (float) qs_scale_from_amax (amax, dtype);
      tensor_amax = MAX (tensor_amax, amax);
    }
  for (gint64 o = 0; o < oc; o++)
    {
      float s = per_channel ? qs_tensor_f32 (q->w_scale)[o]
                            : (float) qs_scale_from_amax (tensor_amax, dtype);

      qs_tensor_f32 (q->w_scale)[o] = s;
      qsk_quantize_f32 (per, qs_tensor_f32 (w) + o * per, s, kt,
                        (char *) q->w_q->data + o * per * qsk_dtype_size (kt));
      qsk_dequantize_f32 (per, (char *) q->w_q->data + o * per * qsk_dtype_size (kt), kt, s,
                          qs_tensor_f32 (q->w_fq) + o * per);
    }
  q->bias = g_steal_pointer (&b);
  qs_qweights_free (model->w[id]);
  model->w[id] = q;
  qs_qmodel_finish_requant (model, id);
  return TRUE;
}

void
qs_qmodel_finish_requant (QsQModel *model,
                          QsId      id)
{
  const QsNode *node = &model->graph->nodes[id];
  QsQWeights *w = model->w[id];
  float xs = qs_qmodel_value_scale (model, node->inputs[0], NULL);
  float ys = qs_node_fused_index (node, QS_OP_ADD) >= 0 ? model->pre_add_scale[id]
                                                        : model->act_scale[id];
  gint64 oc, dims[2];

  if (w == NULL)
    return;
  g_clear_pointer (&w->bias_q, qs_tensor_unref);
  g_clear_pointer (&w->rq, qs_tensor_unref);
  if (xs <= 0 || ys <= 0)
    return;
  oc = w->w_scale->n_elements;
  dims[0] = oc, dims[1] = 2;
  w->bias_q = qs_tensor_new (QS_DTYPE_INT32, 1, dims);
  w->rq = qs_tensor_new (QS_DTYPE_INT32, 2, dims);
  for (gint64 o = 0; o < oc; o++)
    {
      double acc_scale = (double) xs * qs_tensor_f32 (w->w_scale)[o];
      double bq = round (qs_tensor_f32 (w->bias)[o] / acc_scale);
      QskRequant rq = qsk_requant_from_ratio (MIN (acc_scale / ys, 1e9));

      ((gint32 *) w->bias_q->data)[o] = (gint32) CLAMP (bq, -2147483647.0, 2147483647.0);
      ((gint32 *) w->rq->data)[2 * o] = rq.mult;
      ((gint32 *) w->rq->data)[2 * o + 1] = rq.shift;
    }
}

/* ---- calibration ---------------------------------------------------------------- */

typedef struct
{
  QsObserverState **act;
  QsObserverState **pre;
  guint             n;
} Observers;

static void
observers_clear (Observers *o)
{
  for (guint i = 0; i < o->n; i++)
    {
      qs_observer_state_free (o->act[i]);
      qs_observer_state_free (o->pre[i]);
    }
  g_free (o->act);
  g_free (o->pre);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Observers, observers_clear)

static void
place_observers (QsPrepared *prepared,
                 QsQModel   *model,
                 Observers  *obs)
{
  QsGraph *g = prepared->graph;

  obs->n = g->n_nodes;
  obs->act = g_new0 (QsObserverState *, MAX (obs->n, 1));
  obs->pre = g_new0 (QsObserverState *, MAX (obs->n, 1));
  for (guint i = 0; i < prepared->observers->len; i++)
    {
      const QsObserverSpec *s = &g_array_index (prepared->observers, QsObserverSpec, i);

      if (s->point == QS_OBSERVE_WEIGHT || qs_qdtype_qmax (s->dtype) == 0
          || obs->act[s->node] != NULL)
        continue;
      obs->act[s->node] = qs_observer_state_new (s->observer, s->dtype, s->percentile,
                                                 s->fixed_scale);
      model->act_dtype[s->node] = s->dtype;
      if (s->point == QS_OBSERVE_ACTIVATION
          && qs_node_fused_index (&g->nodes[s->node], QS_OP_ADD) >= 0)
        obs->pre[s->node] = qs_observer_state_new (s->observer == QS_OBSERVER_FIXED_SCALE
                                                   ? QS_OBSERVER_MINMAX : s->observer,
                                                   s->dtype, s->percentile, 0);
    }
}

/* The values observed: what a calibration run must compute. */
static GArray *
observed_values (QsGraph   *g,
                 Observers *obs)
{
  GArray *v = g_array_new (FALSE, FALSE, sizeof (QsId));

  for (QsId n = 0; n < g->n_nodes; n++)
    if (obs->act[n] != NULL && g->nodes[n].n_outputs > 0)
      g_array_append_val (v, g->nodes[n].outputs[0]);
  return v;
}

static gboolean
calibrate_batches (QsExec        *exec,
                   Observers     *obs,
                   GPtrArray     *batches,
                   GArray        *targets,
                   QsProgressFunc progress,
                   gpointer       user_data,
                   GCancellable  *cancellable,
                   GError       **error)
{
  for (guint b = 0; b < batches->len; b++)
    {
      GPtrArray *in = batches->pdata[b];
      g_autoptr(GPtrArray) res = NULL;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      for (guint i = 0; i < in->len; i++)
        {
          QsId ph = qs_exec_get_input_node (exec, i);
          QsExecValue *v = in->pdata[i];

          if (obs->act[ph] != NULL && v->kind == QS_EXEC_VALUE_TENSOR)
            qs_observer_update (obs->act[ph], qs_tensor_f32 (v->tensor), v->tensor->n_elements);
        }
      res = qs_exec_run_values (exec, (QsExecValue *const *) in->pdata, in->len,
                                (const QsId *) targets->data, targets->len, error);
      if (res == NULL)
        {
          g_prefix_error (error, "calibration batch %u: ", b + 1);
          return FALSE;
        }
      if (progress != NULL)
        progress (b + 1, batches->len, user_data);
    }
  return TRUE;
}

static gboolean
finish_model (QsPrepared *prepared,
              QsQModel   *model,
              Observers  *obs,
              QsExec     *exec,
              GError    **error)
{
  for (guint n = 0; n < obs->n; n++)
    {
      if (obs->act[n] != NULL)
        {
          model->act_scale[n] = (float) qs_observer_scale (obs->act[n]);
          model->act_amax[n] = (float) qs_observer_amax (obs->act[n]);
          if (model->act_scale[n] <= 0)
            model->act_dtype[n] = QS_QDTYPE_FLOAT;  /* never ran */
        }
      if (obs->pre[n] != NULL)
        model->pre_add_scale[n] = (float) qs_observer_scale (obs->pre[n]);
    }
  for (guint i = 0; i < prepared->observers->len; i++)
    {
      const QsObserverSpec *s = &g_array_index (prepared->observers, QsObserverSpec, i);

      if (s->point == QS_OBSERVE_WEIGHT
          && !qs_qmodel_quantize_weights (model, exec, s->node, s->dtype, s->per_channel, error))
        return FALSE;
    }
  return TRUE;
}

QsQModel *
qs_calibrate (QsPrepared     *prepared,
              QsWeights      *weights,
              QsCalibData    *data,
              guint           max_batches,
              int             n_threads,
              QsProgressFunc  progress,
              gpointer        user_data,
              GCancellable   *cancellable,
              GError        **error)
{
  g_autoptr(QsQModel) model = NULL;
  g_autoptr(QsExec) exec = NULL;
  g_autoptr(GPtrArray) batches = NULL;
  g_autoptr(GArray) targets = NULL;
  g_auto(Observers) obs = { 0 };
  QsExecOptions options = { n_threads };
  const char *march;

  g_return_val_if_fail (prepared != NULL && data != NULL, NULL);
  model = qs_qmodel_new_empty (prepared->graph, weights);
  if (model->weights == NULL)
    return g_set_error (error, QS_ERROR, QS_ERROR_WEIGHTS,
                        "%s has no weights: calibration runs the model; trace it with weights "
                        "(quantscope-trace without --no-weights)", prepared->graph->name), NULL;
  march = g_hash_table_lookup (prepared->graph->metadata, "quantscope.march");
  model->march = g_strdup (march);
  model->data_label = g_strdup (qs_calib_data_describe (data));
  if ((exec = qs_qexec_new (model, QS_QMODE_FLOAT, &options, error)) == NULL)
    return NULL;
  place_observers (prepared, model, &obs);
  qs_qexec_set_observers (exec, obs.act, obs.pre);
  if ((batches = qs_calib_data_batches (data, exec, max_batches, error)) == NULL)
    return NULL;
  targets = observed_values (prepared->graph, &obs);
  if (!calibrate_batches (exec, &obs, batches, targets, progress, user_data, cancellable, error))
    return NULL;
  model->n_batches = batches->len;
  if (!finish_model (prepared, model, &obs, exec, error))
    return NULL;
  return g_steal_pointer (&model);
}
