/* qs-document-pipeline.c: fuse, prepare, calibrate, convert and estimate in
 * worker threads, and the results they leave in the document */
#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "qs-document-private.h"
#include "qs-error.h"
#include "qs-loader.h"
#include "qs-quant-job.h"

#define properties qs_document_properties

/* ---- results ---------------------------------------------------------------------------- */

void
qs_document_results_clear (QsDocumentResults *results)
{
  g_clear_pointer (&results->estimate, qs_cost_estimate_free);
  g_clear_pointer (&results->layout, qs_layout_free);
  g_clear_pointer (&results->prepared, qs_prepared_free);
  g_clear_pointer (&results->qconfigs, qs_qconfig_map_free);
}

gboolean
qs_document_compute_results (QsGraph             *graph,
                             const QsRuleSet     *rules,
                             QsMarch              march,
                             const QsCostParams  *params,
                             QsDocumentResults   *out,
                             GError             **error)
{
  QsPrepareOptions options = { march, qs_rule_set_get_kind (rules), rules };

  out->qconfigs = qs_qconfig_resolve (graph, rules, march);
  if ((out->prepared = qs_pass_prepare (graph, &options, error)) == NULL)
    return FALSE;
  /* Here rather than on the main loop: the canvas shows the prepared graph. */
  out->layout = qs_lay_out_graph (out->prepared->graph);
  if (params != NULL && march != QS_MARCH_NONE)
    out->estimate = qs_cost_estimate (out->prepared, params, MAX ((guint) params->cores, 1));
  return TRUE;
}

/* Prepared node -> source node: the head of a fused group. */
static void
build_maps (QsDocument *self)
{
  QsPrepared *p = self->prepared;
  guint n;

  g_clear_pointer (&self->from_prepared, g_free);
  g_clear_pointer (&self->time_index, g_free);
  if (p == NULL)
    return;
  n = p->graph->n_nodes;
  self->from_prepared = g_new (QsId, n);
  self->time_index = g_new (gint, n);
  for (guint i = 0; i < n; i++)
    {
      self->from_prepared[i] = QS_ID_NONE;
      self->time_index[i] = -1;
    }
  for (guint i = 0; p->fusion != NULL && i < p->fusion->n_input_nodes; i++)
    {
      QsId out = p->fusion->node_map[i];

      if (out < n && self->from_prepared[out] == QS_ID_NONE)
        self->from_prepared[out] = i;
    }
  for (guint i = 0; self->estimate != NULL && i < self->estimate->nodes->len; i++)
    {
      const QsNodeCost *c = &g_array_index (self->estimate->nodes, QsNodeCost, i);

      if (c->node < n)
        self->time_index[c->node] = (gint) i;
    }
}

void
qs_document_install_results (QsDocument        *self,
                             QsDocumentResults *results)
{
  /* The map refers to the graph, the estimate to the prepared graph. */
  g_clear_pointer (&self->estimate, qs_cost_estimate_free);
  self->prepared = NULL;
  g_clear_pointer (&self->prepared_canvas, qs_document_canvas_unref);
  g_clear_pointer (&self->qconfigs, qs_qconfig_map_free);
  self->qconfigs = g_steal_pointer (&results->qconfigs);
  if (results->prepared != NULL && results->layout != NULL)
    {
      self->prepared_canvas = qs_document_canvas_new_prepared (g_steal_pointer (&results->prepared),
                                                               g_steal_pointer (&results->layout));
      self->prepared = qs_document_canvas_get_prepared (self->prepared_canvas);
    }
  /* The newest graph shows: a Fuse step's until the next prepare. */
  self->canvas = self->prepared_canvas ? self->prepared_canvas : self->fused_canvas;
  self->estimate = g_steal_pointer (&results->estimate);
  if (self->estimate != NULL && self->cost_model != NULL)
    self->estimate->calibrated = qs_cost_model_is_calibrated (self->cost_model,
                                                              self->estimate->march);
  build_maps (self);
  qs_document_update_actions (self);
  qs_document_emit_results_changed (self);
}

const QsCostParams *
qs_document_get_cost_params (QsDocument *self)
{
  QsMarch march = qs_document_get_march (self);

  if (march == QS_MARCH_NONE || self->cost_model == NULL)
    return NULL;
  return qs_cost_model_get (self->cost_model, march, NULL);
}

/* ---- refresh after edits ------------------------------------------------------------------ */

typedef struct
{
  QsGraph          *graph;
  QsRuleSet        *rules;
  QsMarch           march;
  QsCostParams      params;
  gboolean          have_params;
  guint             serial;
  QsDocumentResults results;
} RefreshJob;

static void
refresh_job_free (gpointer data)
{
  RefreshJob *job = data;

  qs_document_results_clear (&job->results);
  qs_rule_set_free (job->rules);
  qs_graph_unref (job->graph);
  g_free (job);
}

static void
refresh_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  RefreshJob *job = task_data;
  GError *error = NULL;

  if (!qs_document_compute_results (job->graph, job->rules, job->march,
                                    job->have_params ? &job->params : NULL,
                                    &job->results, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_refresh_done_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  QsDocument *self = QS_DOCUMENT (source);
  RefreshJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);

  self->n_refreshing--;
  /* Only the newest refresh counts; older ones were made on older rules. */
  if (job->serial == self->refresh_serial && job->graph == self->graph)
    {
      if (ok)
        qs_document_install_results (self, &job->results);
      else
        qs_document_emit_message (self, error->message);
    }
  if (self->n_refreshing == 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[QS_DOCUMENT_PROP_UPDATING]);
}

void
qs_document_queue_refresh (QsDocument *self)
{
  g_autoptr (GTask) task = NULL;
  const QsCostParams *params;
  RefreshJob *job;

  if (self->graph == NULL)
    return;
  job = g_new0 (RefreshJob, 1);
  job->graph = qs_graph_ref (self->graph);
  job->rules = qs_project_dup_rule_set (self->project);
  job->march = self->project->march;
  job->serial = ++self->refresh_serial;
  if ((params = qs_document_get_cost_params (self)) != NULL)
    {
      job->params = *params;
      job->have_params = TRUE;
    }
  task = g_task_new (self, NULL, on_refresh_done_cb, NULL);
  g_task_set_source_tag (task, qs_document_queue_refresh);
  g_task_set_task_data (task, job, refresh_job_free);
  if (self->n_refreshing++ == 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[QS_DOCUMENT_PROP_UPDATING]);
  g_task_run_in_thread (task, refresh_thread);
}

/* ---- steps ------------------------------------------------------------------------------ */

typedef struct
{
  QsDocumentStep    step;
  QsGraph          *graph;
  QsRuleSet        *rules;
  QsMarch           march;
  QsCostParams      params;
  gboolean          have_params;
  guint             serial;
  QsQuantDataSpec   spec;
  char             *data_path;
  QsDocumentResults results;
  QsFuseReport     *fusion;
  QsGraph          *fused;
  QsLayout         *fused_layout;
  QsQuantResult    *quant;
  guint             done;     /* batches, atomic */
  guint             total;
} RunJob;

static void
run_job_free (gpointer data)
{
  RunJob *job = data;

  qs_document_results_clear (&job->results);
  g_clear_pointer (&job->fusion, qs_fuse_report_free);
  g_clear_pointer (&job->fused_layout, qs_layout_free);
  g_clear_pointer (&job->fused, qs_graph_unref);
  g_clear_pointer (&job->quant, qs_quant_result_free);
  qs_rule_set_free (job->rules);
  qs_graph_unref (job->graph);
  g_free (job->data_path);
  g_free (job);
}

const char *
qs_document_step_name (QsDocumentStep step)
{
  static const char * const names[] = { "fuse", "prepare", "calibrate", "convert", "estimate" };

  g_return_val_if_fail (step < QS_N_DOCUMENT_STEPS, NULL);
  return names[step];
}

static void
on_batch_done (guint    done,
               guint    total,
               gpointer user_data)
{
  RunJob *job = user_data;

  g_atomic_int_set (&job->total, total);
  g_atomic_int_set (&job->done, done);
}

static gboolean
run_fuse (RunJob        *job,
          GError       **error)
{
  g_autoptr (QsQconfigMap) map = qs_qconfig_resolve (job->graph, job->rules, job->march);
  QsFuseOptions options = { map };

  job->fused = qs_pass_fuse (job->graph, &options, &job->fusion, error);
  if (job->fused == NULL)
    return FALSE;
  job->fused_layout = qs_lay_out_graph (job->fused);
  return TRUE;
}

static void
run_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  RunJob *job = task_data;
  GError *error = NULL;
  gboolean ok;

  switch (job->step)
    {
    case QS_DOCUMENT_STEP_FUSE:
      ok = run_fuse (job, &error);
      break;
    case QS_DOCUMENT_STEP_CALIBRATE:
      ok = qs_document_compute_results (job->graph, job->rules, job->march,
                                        job->have_params ? &job->params : NULL,
                                        &job->results, &error)
           && (job->quant = qs_quant_calibrate (job->results.prepared, job->graph->weights,
                                                &job->spec, on_batch_done, job,
                                                cancellable, &error)) != NULL;
      break;
    case QS_DOCUMENT_STEP_CONVERT:
      ok = qs_quant_convert (job->quant, &job->spec, NULL, cancellable, &error);
      break;
    case QS_DOCUMENT_STEP_PREPARE:
    case QS_DOCUMENT_STEP_ESTIMATE:
    default:
      ok = qs_document_compute_results (job->graph, job->rules, job->march,
                                        job->have_params ? &job->params : NULL,
                                        &job->results, &error);
      break;
    }
  if (ok && g_cancellable_set_error_if_cancelled (cancellable, &error))
    ok = FALSE;
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static gboolean
poll_progress_cb (gpointer user_data)
{
  GTask *task = user_data;
  QsDocument *self = g_task_get_source_object (task);
  RunJob *job = g_task_get_task_data (task);
  guint done = g_atomic_int_get (&job->done);
  guint total = g_atomic_int_get (&job->total);
  g_autofree char *status = NULL;

  if (total == 0)
    return G_SOURCE_CONTINUE;
  self->progress = (double) done / total;
  g_object_notify_by_pspec (G_OBJECT (self), properties[QS_DOCUMENT_PROP_PROGRESS]);
  status = g_strdup_printf (_("Calibrating, batch %u of %u"), done, total);
  qs_document_set_status (self, status);
  return G_SOURCE_CONTINUE;
}

static void
set_running (QsDocument *self,
             int         step)
{
  self->running = step;
  self->progress = 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[QS_DOCUMENT_PROP_PROGRESS]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[QS_DOCUMENT_PROP_BUSY]);
  qs_document_update_actions (self);
}

static char *
describe_success (QsDocument *self,
                  RunJob     *job)
{
  switch (job->step)
    {
    case QS_DOCUMENT_STEP_FUSE:
      return g_strdup_printf (_("Fused: %u groups, %u near misses"), self->fusion->groups->len,
                              self->fusion->near_misses->len);
    case QS_DOCUMENT_STEP_PREPARE:
      return g_strdup_printf (_("Prepared: %u kernels, %u observers"),
                              self->prepared->graph->n_nodes, self->prepared->observers->len);
    case QS_DOCUMENT_STEP_CALIBRATE:
      return g_strdup_printf (_("Calibrated on %u batches of %s"),
                              qs_quant_result_get_n_batches (self->quant),
                              qs_quant_result_describe_data (self->quant));
    case QS_DOCUMENT_STEP_CONVERT:
      return g_strdup (_("Converted: accuracy measured against float"));
    case QS_DOCUMENT_STEP_ESTIMATE:
    default:
      if (self->estimate == NULL)
        return g_strdup (_("No estimate: choose a march"));
      return g_strdup_printf (_("Estimated %.3f ms per inference on %s"),
                              self->estimate->total_us / 1000,
                              qs_march_name (self->estimate->march));
    }
}

static void
install_run (QsDocument *self,
             RunJob     *job)
{
  gboolean current = job->serial == self->refresh_serial && job->graph == self->graph;

  if (job->step == QS_DOCUMENT_STEP_FUSE)
    {
      if (job->graph != self->graph)
        return;
      g_clear_pointer (&self->fused_canvas, qs_document_canvas_unref);
      self->fused_canvas = qs_document_canvas_new_fused (g_steal_pointer (&job->fused),
                                                         g_steal_pointer (&job->fusion),
                                                         g_steal_pointer (&job->fused_layout));
      self->fusion = qs_document_canvas_get_report (self->fused_canvas);
      self->canvas = self->fused_canvas;
      qs_document_emit_results_changed (self);
      return;
    }
  if (job->step == QS_DOCUMENT_STEP_CONVERT)
    {
      if (current)
        self->quant = g_steal_pointer (&job->quant);
      qs_document_emit_results_changed (self);
      return;
    }
  /* Rules edited while the step ran: its results are stale. */
  if (!current)
    return;
  if (job->results.prepared != NULL)
    qs_document_install_results (self, &job->results);
  if (job->quant != NULL)
    {
      g_clear_pointer (&self->quant, qs_quant_result_free);
      self->quant = g_steal_pointer (&job->quant);
      g_object_notify_by_pspec (G_OBJECT (self), properties[QS_DOCUMENT_PROP_CALIBRATED]);
      qs_document_emit_results_changed (self);
    }
}

static void
on_run_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  QsDocument *self = QS_DOCUMENT (source);
  GTask *outer = user_data;
  RunJob *job = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;
  g_autofree char *status = NULL;

  g_clear_handle_id (&self->progress_source, g_source_remove);
  g_clear_object (&self->run_cancellable);
  if (g_task_propagate_boolean (G_TASK (result), &error))
    {
      install_run (self, job);
      status = describe_success (self, job);
      qs_document_set_status (self, status);
      set_running (self, -1);
      self->progress = 1;
      g_object_notify_by_pspec (G_OBJECT (self), properties[QS_DOCUMENT_PROP_PROGRESS]);
      g_task_return_boolean (outer, TRUE);
    }
  else
    {
      /* Convert lent its calibration to the thread: give it back. */
      if (job->step == QS_DOCUMENT_STEP_CONVERT && job->serial == self->refresh_serial)
        self->quant = g_steal_pointer (&job->quant);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        qs_document_set_status (self, _("Cancelled"));
      else
        {
          qs_document_set_status (self, error->message);
          qs_document_emit_message (self, error->message);
        }
      set_running (self, -1);
      g_task_return_error (outer, error);
    }
  g_object_unref (outer);
}

static void
fill_spec (QsDocument *self,
           RunJob     *job)
{
  const QsCalibSettings *c = &self->project->calib;

  job->spec.n_threads = (int) MIN (g_get_num_processors (), 4);
  job->spec.batches = c->batches;
  switch (c->kind)
    {
    case QS_CALIB_DATA_FILE:
    case QS_CALIB_DATA_IMAGES:
      job->spec.kind = c->kind == QS_CALIB_DATA_FILE ? QS_QUANT_DATA_FILE : QS_QUANT_DATA_IMAGES;
      job->data_path = qs_project_dup_path (self->project, c->path);
      job->spec.path = job->data_path;
      for (guint i = 0; i < MIN (c->n_channels, 4); i++)
        {
          job->spec.mean[i] = (float) c->mean[i];
          job->spec.std[i] = (float) c->std[i];
        }
      break;
    case QS_CALIB_DATA_SYNTHETIC:
      job->spec.kind = QS_QUANT_DATA_SYNTHETIC;
      job->spec.seed = c->seed;
      job->spec.count = c->count;
      break;
    case QS_CALIB_DATA_NONE:
    default:
      job->spec.kind = 0;
      break;
    }
}

static const char *
step_status (QsDocumentStep step)
{
  switch (step)
    {
    case QS_DOCUMENT_STEP_FUSE: return _("Fusing…");
    case QS_DOCUMENT_STEP_PREPARE: return _("Preparing…");
    case QS_DOCUMENT_STEP_CALIBRATE: return _("Calibrating…");
    case QS_DOCUMENT_STEP_CONVERT: return _("Converting…");
    case QS_DOCUMENT_STEP_ESTIMATE:
    default: return _("Estimating…");
    }
}

void
qs_document_run_async (QsDocument          *self,
                       QsDocumentStep       step,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  GTask *outer;
  g_autoptr (GTask) task = NULL;
  const QsCostParams *params;
  RunJob *job;

  g_return_if_fail (QS_IS_DOCUMENT (self));
  g_return_if_fail (step < QS_N_DOCUMENT_STEPS);

  outer = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (outer, qs_document_run_async);
  if (self->graph == NULL || self->running >= 0
      || (step == QS_DOCUMENT_STEP_CONVERT && self->quant == NULL))
    {
      const char *why = self->graph == NULL ? _("Nothing is open")
                        : self->running >= 0 ? _("Another step is still running")
                        : _("Calibrate first: convert needs the calibrated scales");

      qs_document_emit_message (self, why);
      g_task_return_new_error (outer, QS_ERROR, QS_ERROR_INVALID, "%s", why);
      g_object_unref (outer);
      return;
    }

  job = g_new0 (RunJob, 1);
  job->step = step;
  job->graph = qs_graph_ref (self->graph);
  job->rules = qs_project_dup_rule_set (self->project);
  job->march = self->project->march;
  job->serial = self->refresh_serial;
  if ((params = qs_document_get_cost_params (self)) != NULL)
    {
      job->params = *params;
      job->have_params = TRUE;
    }
  fill_spec (self, job);
  if (step == QS_DOCUMENT_STEP_CONVERT)
    job->quant = g_steal_pointer (&self->quant);

  self->run_cancellable = g_cancellable_new ();
  task = g_task_new (self, self->run_cancellable, on_run_done_cb, outer);
  g_task_set_source_tag (task, run_thread);
  g_task_set_task_data (task, job, run_job_free);
  set_running (self, step);
  qs_document_set_status (self, step_status (step));
  if (step == QS_DOCUMENT_STEP_CALIBRATE)
    self->progress_source = g_timeout_add_full (G_PRIORITY_DEFAULT, 100, poll_progress_cb,
                                                g_object_ref (task), g_object_unref);
  g_task_run_in_thread (task, run_thread);
}

gboolean
qs_document_run_finish (QsDocument    *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
qs_document_cancel (QsDocument *self)
{
  g_return_if_fail (QS_IS_DOCUMENT (self));
  if (self->run_cancellable != NULL)
    g_cancellable_cancel (self->run_cancellable);
}

/* ---- result accessors --------------------------------------------------------------------- */

const QsQconfigMap *
qs_document_get_qconfigs (QsDocument *self)
{
  g_return_val_if_fail (QS_IS_DOCUMENT (self), NULL);
  return self->qconfigs;
}

QsPrepared *
qs_document_get_prepared (QsDocument *self)
{
  g_return_val_if_fail (QS_IS_DOCUMENT (self), NULL);
  return self->prepared;
}

QsDocumentCanvas *
qs_document_get_canvas (QsDocument *self)
{
  g_return_val_if_fail (QS_IS_DOCUMENT (self), NULL);
  return self->canvas;
}

QsFuseReport *
qs_document_get_fusion (QsDocument *self)
{
  g_return_val_if_fail (QS_IS_DOCUMENT (self), NULL);
  return self->fusion;
}

const QsCostEstimate *
qs_document_get_estimate (QsDocument *self)
{
  g_return_val_if_fail (QS_IS_DOCUMENT (self), NULL);
  return self->estimate;
}

gboolean
qs_document_get_node_error (QsDocument *self,
                            QsId        prepared_node,
                            double     *sqnr_db,
                            double     *cosine)
{
  g_return_val_if_fail (QS_IS_DOCUMENT (self), FALSE);
  return qs_quant_result_get_error (self->quant, prepared_node, sqnr_db, cosine);
}

gboolean
qs_document_get_calibrated (QsDocument *self)
{
  g_return_val_if_fail (QS_IS_DOCUMENT (self), FALSE);
  return self->quant != NULL;
}

QsId
qs_document_to_prepared (QsDocument *self,
                         QsId        node)
{
  QsFuseReport *fusion;

  g_return_val_if_fail (QS_IS_DOCUMENT (self), QS_ID_NONE);
  if (self->prepared == NULL || (fusion = self->prepared->fusion) == NULL
      || node >= fusion->n_input_nodes)
    return QS_ID_NONE;
  return fusion->node_map[node];
}

QsId
qs_document_from_prepared (QsDocument *self,
                           QsId        prepared_node)
{
  g_return_val_if_fail (QS_IS_DOCUMENT (self), QS_ID_NONE);
  if (self->from_prepared == NULL || prepared_node >= self->prepared->graph->n_nodes)
    return QS_ID_NONE;
  return self->from_prepared[prepared_node];
}

double
qs_document_get_node_time (QsDocument *self,
                           QsId        node)
{
  QsId p = qs_document_to_prepared (self, node);
  gint i;

  if (p == QS_ID_NONE || self->time_index == NULL || p >= self->prepared->graph->n_nodes)
    return -1;
  if ((i = self->time_index[p]) < 0)
    return -1;
  return g_array_index (self->estimate->nodes, QsNodeCost, i).time_us;
}

/* ---- overlays for the canvas ------------------------------------------------------------- */

/* The value @name has at prepared node @p; FALSE when there is none. */
static gboolean
prepared_value (QsDocument *self,
                const char *name,
                QsId        p,
                double     *value)
{
  const QsNodeCost *cost;
  double sqnr;

  if (self->prepared == NULL || p >= self->prepared->graph->n_nodes)
    return FALSE;
  if (g_str_equal (name, "error"))
    {
      if (!qs_quant_result_get_error (self->quant, p, &sqnr, NULL))
        return FALSE;
      /* Exact nodes (+inf) show as the best colour, not as missing. */
      *value = isfinite (sqnr) ? sqnr : 100;
      return TRUE;
    }
  if (self->time_index == NULL || self->time_index[p] < 0)
    return FALSE;
  cost = &g_array_index (self->estimate->nodes, QsNodeCost, self->time_index[p]);
  *value = g_str_equal (name, "bound") ? cost->bound : cost->time_us;
  return TRUE;
}

/* Node @n of @graph -> the prepared node whose value it shows: itself on
 * the prepared graph; a source node's fused node; a node of the Fuse
 * step's graph through the source head of its group. */
static QsId
to_prepared_node (QsDocument *self,
                  QsGraph    *graph,
                  QsId        n)
{
  if (self->prepared != NULL && graph == self->prepared->graph)
    return n;
  if (graph == self->graph)
    return qs_document_to_prepared (self, n);
  return qs_document_to_prepared (self, qs_document_canvas_to_source (self->fused_canvas, n));
}

QsOverlay *
qs_document_dup_overlay (QsDocument *self,
                         const char *name,
                         QsGraph    *graph)
{
  g_autoptr (QsOverlay) overlay = NULL;
  const char *bounds[QS_N_BOUNDS + 1] = { NULL };
  gboolean known;

  g_return_val_if_fail (QS_IS_DOCUMENT (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  known = graph != NULL
          && (graph == self->graph
              || (self->prepared != NULL && graph == self->prepared->graph)
              || (self->fused_canvas != NULL
                  && graph == qs_document_canvas_get_graph (self->fused_canvas)));
  if (!known)
    return NULL;
  if (g_str_equal (name, "latency") && self->estimate != NULL)
    overlay = qs_overlay_new (_("Estimated latency"), "µs", QS_COLOR_SCALE_HEAT_LOG,
                              graph->n_nodes);
  else if (g_str_equal (name, "bound") && self->estimate != NULL)
    {
      overlay = qs_overlay_new (_("Bound"), NULL, QS_COLOR_SCALE_CATEGORY, graph->n_nodes);
      for (guint b = 0; b < QS_N_BOUNDS; b++)
        bounds[b] = qs_bound_name (b);
      qs_overlay_set_categories (overlay, bounds);
    }
  else if (g_str_equal (name, "error") && qs_quant_result_has_accuracy (self->quant))
    overlay = qs_overlay_new (_("SQNR, integer vs float"), "dB", QS_COLOR_SCALE_HEAT_INVERSE,
                              graph->n_nodes);
  else
    return NULL;

  for (QsId n = 0; n < graph->n_nodes; n++)
    {
      double value;

      if (prepared_value (self, name, to_prepared_node (self, graph, n), &value))
        qs_overlay_set_value (overlay, n, value);
    }
  return g_steal_pointer (&overlay);
}
