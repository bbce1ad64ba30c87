/* qs-convert.c: calibration results as JSON, and the converted (integer)
 * graph on disk: GRAPH.qsgraph.json (the fused graph, metadata
 * "quantscope.converted") + GRAPH.safetensors (float parameters and the
 * "quant.*" tensors, see qs-quant.h)
 */
#include "qs-quant-private.h"

#include <math.h>
#include <string.h>

#include "qs-graph-json.h"
#include "qs-safetensors.h"

#define CONVERTED_KEY "quantscope.converted"

void
qs_quant_json_string (GString    *out,
                      const char *s)
{
  g_string_append_c (out, '"');
  for (; s != NULL && *s; s++)
    {
      if (*s == '"' || *s == '\\')
        g_string_append_printf (out, "\\%c", *s);
      else if ((guchar) *s < 0x20)
        g_string_append_printf (out, "\\u%04x", (guchar) *s);
      else
        g_string_append_c (out, *s);
    }
  g_string_append_c (out, '"');
}

void
qs_quant_json_number (GString *out,
                      double   v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (v))
    g_string_append (out, "null");
  else
    g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.9g", v));
}

gboolean
qs_graph_is_converted (QsGraph *graph)
{
  return g_hash_table_contains (graph->metadata, CONVERTED_KEY);
}

char *
qs_qmodel_to_json (const QsQModel *model)
{
  GString *s = g_string_new ("{\n  \"graph\": ");
  const QsGraph *g = model->graph;
  gboolean first = TRUE;

  qs_quant_json_string (s, g->name);
  g_string_append (s, ",\n  \"march\": ");
  qs_quant_json_string (s, model->march);
  g_string_append (s, ",\n  \"data\": ");
  qs_quant_json_string (s, model->data_label);
  g_string_append_printf (s, ",\n  \"synthetic\": %s,\n  \"batches\": %u,\n  \"activations\": [",
                          model->data_label && g_str_has_prefix (model->data_label, "synthetic")
                          ? "true" : "false", model->n_batches);
  for (QsId n = 0; n < g->n_nodes; n++)
    {
      if (model->act_scale[n] <= 0)
        continue;
      g_string_append_printf (s, "%s\n    {\"node\": ", first ? "" : ",");
      qs_quant_json_string (s, g->nodes[n].name);
      g_string_append_printf (s, ", \"dtype\": \"%s\", \"scale\": ",
                              qs_qdtype_name (model->act_dtype[n]));
      qs_quant_json_number (s, model->act_scale[n]);
      g_string_append (s, ", \"amax\": ");
      qs_quant_json_number (s, model->act_amax[n]);
      if (model->pre_add_scale[n] > 0)
        {
          g_string_append (s, ", \"pre_add_scale\": ");
          qs_quant_json_number (s, model->pre_add_scale[n]);
        }
      g_string_append (s, "}");
      first = FALSE;
    }
  g_string_append (s, "\n  ],\n  \"weights\": [");
  first = TRUE;
  for (QsId n = 0; n < g->n_nodes; n++)
    {
      QsQWeights *w = model->w[n];

      if (w == NULL)
        continue;
      g_string_append_printf (s, "%s\n    {\"node\": ", first ? "" : ",");
      qs_quant_json_string (s, g->nodes[n].name);
      g_string_append_printf (s, ", \"dtype\": \"%s\", \"bn_folded\": %s, \"scales\": [",
                              w->w_dtype == QS_DTYPE_INT16 ? "qint16" : "qint8",
                              qs_node_fused_index (&g->nodes[n], QS_OP_BATCH_NORM) >= 0
                              ? "true" : "false");
      for (gint64 o = 0; o < w->w_scale->n_elements; o++)
        {
          if (o)
            g_string_append (s, ", ");
          qs_quant_json_number (s, qs_tensor_f32 (w->w_scale)[o]);
        }
      g_string_append (s, "]}");
      first = FALSE;
    }
  g_string_append (s, "\n  ]\n}\n");
  return g_string_free (s, FALSE);
}

/* ---- saving ------------------------------------------------------------------------- */

static void
add_view (GArray     *views,
          GPtrArray  *names,
          char       *name,   /* owned */
          const QsTensor *t)
{
  QsTensorView v = { name, t->dtype, t->rank, { 0 }, t->data, t->n_bytes };

  memcpy (v.dims, t->dims, sizeof v.dims);
  g_ptr_array_add (names, name);
  g_array_append_val (views, v);
}

static char *
weights_path_for (const char *filename)
{
  g_autofree char *base = g_str_has_suffix (filename, ".qsgraph.json")
                          ? g_strndup (filename, strlen (filename) - strlen (".qsgraph.json"))
                          : g_strdup (filename);

  return g_strconcat (base, ".safetensors", NULL);
}

static void
add_quant_tensors (QsQModel  *model,
                   GArray    *views,
                   GPtrArray *names,
                   GPtrArray *keep)
{
  QsGraph *g = model->graph;

  for (QsId n = 0; n < g->n_nodes; n++)
    {
      const char *name = g->nodes[n].name;
      QsQWeights *w = model->w[n];

      if (model->act_scale[n] > 0 || model->pre_add_scale[n] > 0)
        {
          float act[3] = { model->act_scale[n], (float) model->act_dtype[n],
                           model->pre_add_scale[n] };
          gint64 dims[1] = { 3 };
          QsTensor *t = qs_tensor_new_from_data (QS_DTYPE_FLOAT32, 1, dims, act);

          g_ptr_array_add (keep, t);
          add_view (views, names, g_strdup_printf ("quant.%s.act", name), t);
        }
      if (w == NULL)
        continue;
      add_view (views, names, g_strdup_printf ("quant.%s.weight", name), w->w_q);
      add_view (views, names, g_strdup_printf ("quant.%s.w_scale", name), w->w_scale);
      add_view (views, names, g_strdup_printf ("quant.%s.bias_f", name), w->bias);
      if (w->bias_q != NULL)
        {
          add_view (views, names, g_strdup_printf ("quant.%s.bias", name), w->bias_q);
          add_view (views, names, g_strdup_printf ("quant.%s.rq", name), w->rq);
        }
    }
}

gboolean
qs_qmodel_save (QsQModel   *model,
                const char *filename,
                GError    **error)
{
  g_autofree char *wpath = weights_path_for (filename);
  g_autofree char *wbase = g_path_get_basename (wpath);
  g_autoptr(GArray) views = g_array_new (FALSE, FALSE, sizeof (QsTensorView));
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func ((GDestroyNotify) qs_tensor_unref);
  g_autoptr(GHashTable) meta = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(QsGraph) copy = NULL;

  g_return_val_if_fail (model != NULL && filename != NULL, FALSE);
  for (guint i = 0; model->weights && i < qs_weights_get_n_tensors (model->weights); i++)
    {
      QsTensorView v;

      qs_weights_get_nth (model->weights, i, &v);
      if (g_str_has_prefix (v.name, "quant."))
        continue;
      g_ptr_array_add (names, g_strdup (v.name));
      v.name = names->pdata[names->len - 1];
      g_array_append_val (views, v);
    }
  add_quant_tensors (model, views, names, keep);
  g_hash_table_insert (meta, (gpointer) CONVERTED_KEY, (gpointer) "int");
  if (!qs_weights_save (wpath, (QsTensorView *) views->data, views->len, meta, error))
    return FALSE;
  copy = qs_graph_copy (model->graph);
  g_free (copy->weights_file);
  copy->weights_file = g_strdup (wbase);
  qs_graph_set_metadata (copy, CONVERTED_KEY, "int");
  qs_graph_set_metadata (copy, "quantscope.calibration_data",
                         model->data_label ? model->data_label : "");
  return qs_graph_save (copy, filename, error);
}

/* ---- loading ------------------------------------------------------------------------ */

static QsTensor *
view_tensor (QsWeights  *w,
             const char *node,
             const char *what,
             QsDtype     dtype)
{
  g_autofree char *key = g_strdup_printf ("quant.%s.%s", node, what);
  QsTensorView v;

  if (!qs_weights_lookup (w, key, &v) || (dtype != QS_DTYPE_UNKNOWN && v.dtype != dtype))
    return NULL;
  return qs_tensor_new_from_data (v.dtype, v.rank, v.dims, v.data);
}

static gboolean
load_node (QsQModel *model,
           QsId      n,
           GError  **error)
{
  const char *name = model->graph->nodes[n].name;
  g_autoptr(QsTensor) act = view_tensor (model->weights, name, "act", QS_DTYPE_FLOAT32);
  g_autoptr(QsTensor) wq = view_tensor (model->weights, name, "weight", QS_DTYPE_UNKNOWN);
  QsQWeights *w;
  QskDType kt;

  if (act != NULL && act->n_elements == 3)
    {
      model->act_scale[n] = qs_tensor_f32 (act)[0];
      model->act_dtype[n] = (QsQdtype) qs_tensor_f32 (act)[1];
      model->pre_add_scale[n] = qs_tensor_f32 (act)[2];
      model->act_amax[n] = model->act_scale[n] * qs_qdtype_qmax (model->act_dtype[n]);
    }
  if (wq == NULL)
    return TRUE;
  w = g_new0 (QsQWeights, 1);
  model->w[n] = w;
  w->w_dtype = wq->dtype;
  w->w_q = g_steal_pointer (&wq);
  w->w_scale = view_tensor (model->weights, name, "w_scale", QS_DTYPE_FLOAT32);
  w->bias = view_tensor (model->weights, name, "bias_f", QS_DTYPE_FLOAT32);
  w->bias_q = view_tensor (model->weights, name, "bias", QS_DTYPE_INT32);
  w->rq = view_tensor (model->weights, name, "rq", QS_DTYPE_INT32);
  if ((w->w_dtype != QS_DTYPE_INT8 && w->w_dtype != QS_DTYPE_INT16) || w->w_scale == NULL
      || w->bias == NULL || w->w_scale->n_elements != w->w_q->dims[0]
      || (w->bias_q == NULL) != (w->rq == NULL))
    return g_set_error (error, QS_ERROR, QS_ERROR_WEIGHTS,
                        "%s: the quantized weights of node “%s” are incomplete or malformed",
                        qs_weights_get_filename (model->weights), name), FALSE;
  kt = w->w_dtype == QS_DTYPE_INT16 ? QSK_S16 : QSK_S8;
  w->w_fq = qs_tensor_new (QS_DTYPE_FLOAT32, w->w_q->rank, w->w_q->dims);
  {
    gint64 oc = w->w_q->dims[0], per = w->w_q->n_elements / MAX (oc, 1);

    for (gint64 o = 0; o < oc; o++)
      qsk_dequantize_f32 (per, (char *) w->w_q->data + o * per * qsk_dtype_size (kt), kt,
                          qs_tensor_f32 (w->w_scale)[o], qs_tensor_f32 (w->w_fq) + o * per);
  }
  return TRUE;
}

QsQModel *
qs_qmodel_load (const char *filename,
                GError    **error)
{
  g_autoptr(QsGraph) graph = qs_graph_load (filename, QS_GRAPH_LOAD_DEFAULT, error);
  g_autoptr(QsQModel) model = NULL;
  const char *march;

  if (graph == NULL)
    return NULL;
  if (!qs_graph_is_converted (graph))
    return g_set_error (error, QS_ERROR, QS_ERROR_INVALID,
                        "%s is not a converted graph (quantscope-cli convert writes one)",
                        filename), NULL;
  if (graph->weights == NULL)
    return g_set_error (error, QS_ERROR, QS_ERROR_WEIGHTS,
                        "%s: the converted graph's weights file is missing", filename), NULL;
  model = qs_qmodel_new_empty (graph, graph->weights);
  march = g_hash_table_lookup (graph->metadata, "quantscope.march");
  model->march = g_strdup (march);
  model->data_label = g_strdup (g_hash_table_lookup (graph->metadata,
                                                     "quantscope.calibration_data"));
  for (QsId n = 0; n < graph->n_nodes; n++)
    if (!load_node (model, n, error))
      return NULL;
  return g_steal_pointer (&model);
}
