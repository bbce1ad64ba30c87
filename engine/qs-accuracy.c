/* qs-accuracy.c: per-node float vs fake-quant vs integer
 *
 * Runs the model three times on the same inputs, keeping the output of
 * every quantized node and every model output, and compares them: cosine
 * similarity, SQNR, max abs error, the fraction of integer outputs within
 * 1 LSB of fake-quant. The cause of a node's error is decided locally, by
 * quantizing the node's float output with the node's own scale: the error
 * energy of values beyond the range (clipping: |x| > qmax * scale) against
 * that of the values inside it (rounding). Whichever is larger names the
 * cause; docs/quantization.md explains it.
 */
#include "qs-quant-private.h"

#include <math.h>
#include <string.h>

void
qs_error_stats_compute (const float  *ref,
                        const float  *got,
                        gint64        n,
                        QsErrorStats *out)
{
  double dot = 0, rr = 0, gg = 0, ee = 0, mx = 0;

  for (gint64 i = 0; i < n; i++)
    {
      double r = ref[i], g = got[i], e = g - r;

      dot += r * g, rr += r * r, gg += g * g, ee += e * e;
      mx = MAX (mx, fabs (e));
    }
  out->n = n;
  out->max_abs = mx;
  out->cosine = rr > 0 && gg > 0 ? dot / sqrt (rr * gg) : (rr == gg ? 1 : 0);
  out->sqnr_db = ee > 0 ? 10 * log10 (MAX (rr, 1e-300) / ee) : INFINITY;
}

void
qs_accuracy_report_free (QsAccuracyReport *report)
{
  if (report == NULL)
    return;
  g_array_unref (report->entries);
  g_free (report);
}

/* Quantized nodes and model outputs (or, before a wrapped call, what it reads). */
static GArray *
report_targets (QsQModel *model,
                GArray   *is_output)
{
  QsGraph *g = model->graph;
  GArray *t = g_array_new (FALSE, FALSE, sizeof (QsId));
  gboolean wrapped = FALSE;

  for (QsId n = 0; n < g->n_nodes; n++)
    wrapped |= g->nodes[n].op == QS_OP_WRAPPED;
  for (QsId n = 0; n < g->n_nodes; n++)
    {
      const QsNode *node = &g->nodes[n];
      gboolean end = wrapped ? node->op == QS_OP_WRAPPED : node->kind == QS_NODE_OUTPUT;

      if (end)
        for (guint i = 0; i < node->n_inputs; i++)
          {
            QsId v = node->inputs[i];
            gboolean yes = TRUE;

            if (!qs_type_is_tensor (&g->values[v].type))
              continue;
            g_array_append_val (t, v);
            g_array_append_val (is_output, yes);
          }
      else if (model->act_scale[n] > 0 && node->n_outputs > 0
               && node->kind != QS_NODE_PLACEHOLDER)
        {
          gboolean no = FALSE;

          g_array_append_val (t, node->outputs[0]);
          g_array_append_val (is_output, no);
        }
    }
  return t;
}

static GPtrArray *
run_mode (QsQModel           *model,
          QsQMode             mode,
          QsExecValue *const *inputs,
          guint               n_inputs,
          GArray             *targets,
          int                 n_threads,
          GError            **error)
{
  QsExecOptions options = { n_threads };
  g_autoptr(QsExec) exec = qs_qexec_new (model, mode, &options, error);
  g_autoptr(GPtrArray) in = NULL;
  GPtrArray *res;

  if (exec == NULL)
    return NULL;
  in = qs_qexec_quantize_inputs (exec, inputs, n_inputs);
  res = qs_exec_run_values (exec, (QsExecValue *const *) in->pdata, in->len,
                            (const QsId *) targets->data, targets->len, error);
  if (res == NULL)
    g_prefix_error (error, "%s run: ", qs_qmode_name (mode));
  return res;
}

static void
local_cause (QsAccuracyEntry *e,
             const float     *ref,
             gint64           n)
{
  gint32 qmax = qs_qdtype_qmax (e->dtype);
  double amax = e->scale * qmax, clip = 0, rnd = 0;
  gint64 clipped = 0;

  e->cause = "-";
  if (qmax == 0 || e->scale <= 0)
    return;
  for (gint64 i = 0; i < n; i++)
    {
      double a = fabs (ref[i]);

      if (a > amax + 0.5 * e->scale)
        clip += (a - amax) * (a - amax), clipped++;
      else
        {
          double d = ref[i] - qsk_fake_quant (ref[i], (float) e->scale,
                                              e->dtype == QS_QDTYPE_QINT16 ? QSK_S16 : QSK_S8);

          rnd += d * d;
        }
    }
  e->clipped = n ? (double) clipped / n : 0;
  e->clip_energy = clip, e->round_energy = rnd;
  e->cause = clip > rnd ? "clipping" : "rounding";
}

static gboolean
fill_entry (QsQModel        *model,
            QsId             value,
            const QsExecValue *f,
            const QsExecValue *fq,
            const QsExecValue *q,
            QsAccuracyEntry *e)
{
  const float *a, *b, *c;
  gint64 n, within = 0;
  QsQdtype dt = QS_QDTYPE_FLOAT;

  if (f->kind != QS_EXEC_VALUE_TENSOR || fq->kind != QS_EXEC_VALUE_TENSOR
      || q->kind != QS_EXEC_VALUE_TENSOR || !qs_tensor_is_float32 (f->tensor)
      || f->tensor->n_elements != fq->tensor->n_elements
      || f->tensor->n_elements != q->tensor->n_elements)
    return FALSE;
  e->node = model->graph->values[value].producer;
  e->name = model->graph->nodes[e->node].name;
  e->scale = qs_qmodel_value_scale (model, value, &dt);
  e->dtype = e->scale > 0 ? dt : QS_QDTYPE_FLOAT;
  a = qs_tensor_f32 (f->tensor), b = qs_tensor_f32 (fq->tensor), c = qs_tensor_f32 (q->tensor);
  n = f->tensor->n_elements;
  qs_error_stats_compute (a, b, n, &e->fq);
  qs_error_stats_compute (a, c, n, &e->q);
  qs_error_stats_compute (b, c, n, &e->q_vs_fq);
  for (gint64 i = 0; i < n; i++)
    {
      double lsb = e->scale > 0 ? e->scale : MAX (fabs (b[i]) * 1e-6, 1e-12);

      within += fabs ((double) c[i] - b[i]) <= lsb * 1.0001;
    }
  e->lsb_within1 = n ? (double) within / n : 1;
  local_cause (e, a, n);
  return TRUE;
}

QsAccuracyReport *
qs_accuracy_report_new (QsQModel           *model,
                        QsExecValue *const *inputs,
                        guint               n_inputs,
                        int                 n_threads,
                        GError            **error)
{
  g_autoptr(GArray) is_output = g_array_new (FALSE, FALSE, sizeof (gboolean));
  g_autoptr(GArray) targets = report_targets (model, is_output);
  g_autoptr(GPtrArray) f = NULL, fq = NULL, q = NULL;
  QsAccuracyReport *r;

  if ((f = run_mode (model, QS_QMODE_FLOAT, inputs, n_inputs, targets, n_threads, error)) == NULL
      || (fq = run_mode (model, QS_QMODE_FAKEQUANT, inputs, n_inputs, targets, n_threads,
                         error)) == NULL
      || (q = run_mode (model, QS_QMODE_INT, inputs, n_inputs, targets, n_threads, error)) == NULL)
    return NULL;
  r = g_new0 (QsAccuracyReport, 1);
  r->entries = g_array_new (FALSE, TRUE, sizeof (QsAccuracyEntry));
  for (guint i = 0; i < targets->len; i++)
    {
      QsAccuracyEntry e = { 0 };

      if (!fill_entry (model, g_array_index (targets, QsId, i), f->pdata[i], fq->pdata[i],
                       q->pdata[i], &e))
        continue;
      e.is_output = g_array_index (is_output, gboolean, i);
      g_array_append_val (r->entries, e);
    }
  return r;
}

static void
text_row (GString               *s,
          const QsAccuracyEntry *e)
{
  g_string_append_printf (s, "%-32s %-6s %8.2f %8.2f %8.5f %10.4g %8.2f %7.3f%% %7.3f%%  %s\n",
                          e->name, e->scale > 0 ? qs_qdtype_name (e->dtype) : "float",
                          e->fq.sqnr_db, e->q.sqnr_db, e->q.cosine, e->q.max_abs,
                          e->q_vs_fq.sqnr_db, 100 * e->lsb_within1, 100 * e->clipped, e->cause);
}

char *
qs_accuracy_report_to_text (const QsAccuracyReport *report)
{
  GString *s = g_string_new (NULL);
#define HEADER "%-32s %-6s %8s %8s %8s %10s %8s %8s %8s  %s\n"

  g_string_append_printf (s, HEADER, "node", "dtype", "fq dB", "int dB", "int cos", "int max|e|",
                          "int/fq", "<=1LSB", "clipped", "cause");
  for (guint i = 0; i < report->entries->len; i++)
    if (!g_array_index (report->entries, QsAccuracyEntry, i).is_output)
      text_row (s, &g_array_index (report->entries, QsAccuracyEntry, i));
  g_string_append (s, "\nModel outputs (SQNR against float; int/fq: integer against fake-quant)\n");
  g_string_append_printf (s, HEADER, "output", "dtype", "fq dB", "int dB", "int cos",
                          "int max|e|", "int/fq", "<=1LSB", "clipped", "cause");
  for (guint i = 0; i < report->entries->len; i++)
    if (g_array_index (report->entries, QsAccuracyEntry, i).is_output)
      text_row (s, &g_array_index (report->entries, QsAccuracyEntry, i));
  return g_string_free (s, FALSE);
#undef HEADER
}

static void
json_stats (GString            *s,
            const char         *key,
            const QsErrorStats *st)
{
  g_string_append_printf (s, ", \"%s\": {\"cosine\": ", key);
  qs_quant_json_number (s, st->cosine);
  g_string_append (s, ", \"sqnr_db\": ");
  qs_quant_json_number (s, st->sqnr_db);
  g_string_append (s, ", \"max_abs\": ");
  qs_quant_json_number (s, st->max_abs);
  g_string_append (s, "}");
}

char *
qs_accuracy_report_to_json (const QsAccuracyReport *report)
{
  GString *s = g_string_new ("{\"nodes\": [");

  for (guint i = 0; i < report->entries->len; i++)
    {
      const QsAccuracyEntry *e = &g_array_index (report->entries, QsAccuracyEntry, i);

      g_string_append_printf (s, "%s\n  {\"node\": ", i ? "," : "");
      qs_quant_json_string (s, e->name);
      g_string_append_printf (s, ", \"output\": %s, \"dtype\": \"%s\", \"scale\": ",
                              e->is_output ? "true" : "false",
                              e->scale > 0 ? qs_qdtype_name (e->dtype) : "float");
      qs_quant_json_number (s, e->scale);
      json_stats (s, "fakequant", &e->fq);
      json_stats (s, "int", &e->q);
      json_stats (s, "int_vs_fakequant", &e->q_vs_fq);
      g_string_append (s, ", \"within_1_lsb\": ");
      qs_quant_json_number (s, e->lsb_within1);
      g_string_append (s, ", \"clipped\": ");
      qs_quant_json_number (s, e->clipped);
      g_string_append (s, ", \"clip_energy\": ");
      qs_quant_json_number (s, e->clip_energy);
      g_string_append (s, ", \"round_energy\": ");
      qs_quant_json_number (s, e->round_energy);
      g_string_append_printf (s, ", \"cause\": \"%s\"}", e->cause);
    }
  g_string_append (s, "\n]}\n");
  return g_string_free (s, FALSE);
}
