/* qs-pipeline.c: a project through every step, writing what it asks for */
#include "qs-pipeline-private.h"

#include <glib/gstdio.h>
#include <math.h>

#include "qs-error.h"
#include "qs-graph-json.h"

static const char * const step_names[QS_N_STEPS] = {
  "load", "prepare", "calibrate", "convert", "accuracy", "estimate", "write",
};

const char *
qs_step_name (QsStep step)
{
  g_return_val_if_fail (step < QS_N_STEPS, "invalid");
  return step_names[step];
}

typedef struct
{
  QsPipelineProgress progress;
  gpointer           user_data;
} ProgressCtx;

static void
on_calib_progress (guint    done,
                   guint    total,
                   gpointer user_data)
{
  ProgressCtx *ctx = user_data;

  /* the end of the step is reported once, by step_done () */
  if (ctx->progress != NULL && total > 0 && done < total)
    ctx->progress (QS_STEP_CALIBRATE, (double) done / total, ctx->user_data);
}

static void
step_done (QsPipelineResult  *r,
           QsStep             step,
           gint64             start,
           const ProgressCtx *ctx)
{
  r->seconds[step] = (g_get_monotonic_time () - start) / 1e6;
  if (ctx->progress != NULL)
    ctx->progress (step, 1.0, ctx->user_data);
}

/* The project's calibration settings as a data source; none chosen means
 * a small synthetic set, said loudly. */
static QsCalibData *
open_data (QsPipelineResult  *r,
           GError           **error)
{
  const QsCalibSettings *c = &r->project->calib;
  QsCalibImageOptions image = { { 0 }, { 1, 1, 1, 1 } };
  g_autofree char *path = NULL;

  switch (c->kind)
    {
    case QS_CALIB_DATA_FILE:
    case QS_CALIB_DATA_IMAGES:
      path = qs_project_dup_path (r->project, c->path);
      for (guint i = 0; i < MIN (c->n_channels, 4); i++)
        {
          image.mean[i] = (float) c->mean[i];
          image.std[i] = (float) (c->std[i] > 0 ? c->std[i] : 1);
        }
      return qs_calib_data_open (path, c->kind == QS_CALIB_DATA_IMAGES ? &image : NULL, error);
    case QS_CALIB_DATA_SYNTHETIC:
      return qs_calib_data_new_synthetic (MAX (c->count, 1), c->seed);
    case QS_CALIB_DATA_NONE:
    case QS_N_CALIB_DATA_KINDS:
    default:
      g_ptr_array_add (r->warnings, g_strdup ("the project names no calibration data: "
                                              "calibrated on 8 synthetic samples; the "
                                              "accuracy numbers are synthetic"));
      return qs_calib_data_new_synthetic (8, 0);
    }
}

static char *
output_dir (QsPipelineResult        *r,
            const QsPipelineOptions *options)
{
  if (options->output_dir != NULL)
    return g_build_filename (options->output_dir, r->name, NULL);
  return qs_project_dup_path (r->project, r->project->output_dir ? r->project->output_dir
                                                                  : "output");
}

static gboolean
write_text (QsPipelineResult *r,
            const char       *dir,
            const char       *suffix,
            const char       *text,
            GError          **error)
{
  g_autofree char *base = g_strconcat (r->name, suffix, NULL);
  g_autofree char *path = g_build_filename (dir, base, NULL);

  if (!g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error))
    return FALSE;
  g_ptr_array_add (r->outputs, g_steal_pointer (&path));
  return TRUE;
}

static gboolean
write_outputs (QsPipelineResult        *r,
               const QsPipelineOptions *options,
               GError                 **error)
{
  g_autofree char *dir = output_dir (r, options);
  guint outputs = r->project->outputs ? r->project->outputs
                                      : QS_OUTPUT_MODEL | QS_OUTPUT_JSON_REPORT
                                        | QS_OUTPUT_HTML_REPORT;

  if (g_mkdir_with_parents (dir, 0755) != 0)
    return g_set_error (error, QS_ERROR, QS_ERROR_IO, "cannot create the output folder %s: %s",
                        dir, g_strerror (errno)), FALSE;
  if (outputs & QS_OUTPUT_MODEL)
    {
      g_autofree char *base = g_strconcat (r->name, ".int.qsgraph.json", NULL);
      g_autofree char *path = g_build_filename (dir, base, NULL);

      if (!qs_qmodel_save (r->model, path, error))
        return FALSE;
      g_ptr_array_add (r->outputs, g_steal_pointer (&path));
    }
  if (outputs & QS_OUTPUT_PREPARED_GRAPH)
    {
      g_autofree char *base = g_strconcat (r->name, ".prepared.qsgraph.json", NULL);
      g_autofree char *path = g_build_filename (dir, base, NULL);

      if (!qs_graph_save (r->prepared->graph, path, error))
        return FALSE;
      g_ptr_array_add (r->outputs, g_steal_pointer (&path));
    }
  if (outputs & QS_OUTPUT_JSON_REPORT)
    {
      g_autofree char *json = qs_pipeline_result_to_json (r);

      if (!write_text (r, dir, ".report.json", json, error))
        return FALSE;
    }
  if (outputs & QS_OUTPUT_HTML_REPORT)
    {
      g_autofree char *html = qs_pipeline_result_to_html (r);

      if (!write_text (r, dir, ".report.html", html, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
cancelled (GCancellable *cancellable,
           GError      **error)
{
  return g_cancellable_set_error_if_cancelled (cancellable, error);
}

/* Calibrate, then measure the accuracy on the first batch. */
static gboolean
quantize (QsPipelineResult        *r,
          const QsPipelineOptions *options,
          ProgressCtx             *ctx,
          GCancellable            *cancellable,
          GError                 **error)
{
  g_autoptr(QsCalibData) data = NULL;
  g_autoptr(QsExec) exec = NULL;
  g_autoptr(GPtrArray) batches = NULL;
  QsExecOptions exec_options = { options->n_threads };
  guint batches_wanted = options->max_batches ? options->max_batches : r->project->calib.batches;
  gint64 t0 = g_get_monotonic_time ();
  GPtrArray *first;

  if ((data = open_data (r, error)) == NULL)
    return g_prefix_error (error, "calibrate: "), FALSE;
  r->synthetic = qs_calib_data_is_synthetic (data);
  r->data_label = g_strdup (qs_calib_data_describe (data));
  r->model = qs_calibrate (r->prepared, r->graph->weights, data, batches_wanted,
                           options->n_threads, on_calib_progress, ctx, cancellable, error);
  if (r->model == NULL)
    return g_prefix_error (error, "calibrate: "), FALSE;
  step_done (r, QS_STEP_CALIBRATE, t0, ctx);

  /* Convert happens inside the model (folded BN, integer weights); here it
   * is checked by building the integer executor. */
  t0 = g_get_monotonic_time ();
  exec = qs_qexec_new (r->model, QS_QMODE_INT, &exec_options, error);
  if (exec == NULL)
    return g_prefix_error (error, "convert: "), FALSE;
  g_clear_pointer (&exec, qs_exec_free);
  step_done (r, QS_STEP_CONVERT, t0, ctx);
  if (cancelled (cancellable, error))
    return FALSE;

  t0 = g_get_monotonic_time ();
  exec = qs_qexec_new (r->model, QS_QMODE_FLOAT, &exec_options, error);
  if (exec == NULL || (batches = qs_calib_data_batches (data, exec, 1, error)) == NULL)
    return g_prefix_error (error, "accuracy: "), FALSE;
  first = batches->pdata[0];
  r->accuracy = qs_accuracy_report_new (r->model, (QsExecValue *const *) first->pdata,
                                        first->len, options->n_threads, error);
  if (r->accuracy == NULL)
    return g_prefix_error (error, "accuracy: "), FALSE;
  step_done (r, QS_STEP_ACCURACY, t0, ctx);
  return TRUE;
}

static gboolean
estimate (QsPipelineResult        *r,
          const QsPipelineOptions *options,
          GError                 **error)
{
  g_autoptr(QsCostModel) cost = qs_cost_model_load (options->cost_file, error);
  const QsCostParams *params;
  guint threads;

  if (cost == NULL || (params = qs_cost_model_get (cost, r->project->march, error)) == NULL)
    return g_prefix_error (error, "estimate: "), FALSE;
  threads = options->est_threads ? options->est_threads
                                 : MAX (qs_march_info (r->project->march)->cores, 1);
  r->estimate = qs_cost_estimate (r->prepared, params, threads);
  if (!qs_cost_model_is_calibrated (cost, r->project->march))
    g_ptr_array_add (r->warnings,
                     g_strdup_printf ("the latency parameters for %s are priors, not fitted "
                                      "to measurements", qs_march_name (r->project->march)));
  return TRUE;
}

static gboolean
prepare (QsPipelineResult  *r,
         GError           **error)
{
  g_autoptr(QsRuleSet) rules = qs_project_dup_rule_set (r->project);
  QsPrepareOptions options = { r->project->march, qs_rule_set_get_kind (rules), rules };

  r->prepared = qs_pass_prepare (r->graph, &options, error);
  if (r->prepared == NULL)
    return g_prefix_error (error, "prepare: "), FALSE;
  return TRUE;
}

static gboolean
load (QsPipelineResult  *r,
      GError           **error)
{
  g_autofree char *base = g_path_get_basename (r->project_file);
  char *dot = strrchr (base, '.');

  if (dot != NULL)
    *dot = '\0';
  r->name = g_strdup (base);
  r->project = qs_project_load (r->project_file, QS_PROJECT_LOAD_DEFAULT, error);
  if (r->project == NULL)
    return g_prefix_error (error, "load: "), FALSE;
  for (guint i = 0; i < r->project->warnings->len; i++)
    g_ptr_array_add (r->warnings,
                     g_strdup (((QsProjectWarning *) r->project->warnings->pdata[i])->message));
  r->graph = qs_project_load_graph (r->project, TRUE, error);
  if (r->graph == NULL)
    return g_prefix_error (error, "load: "), FALSE;
  if (r->graph->weights == NULL)
    return g_set_error (error, QS_ERROR, QS_ERROR_WEIGHTS,
                        "load: %s has no weights; calibration and convert need them: trace "
                        "the model with weights", r->project->graph_path), FALSE;
  return TRUE;
}

QsPipelineResult *
qs_pipeline_run (const char               *project_file,
                 const QsPipelineOptions  *options,
                 QsPipelineProgress        progress,
                 gpointer                  user_data,
                 GCancellable             *cancellable,
                 GError                  **error)
{
  g_autoptr(QsPipelineResult) r = g_new0 (QsPipelineResult, 1);
  QsPipelineOptions defaults = { 0 };
  ProgressCtx ctx = { progress, user_data };
  gint64 t0;

  g_return_val_if_fail (project_file != NULL, NULL);
  if (options == NULL)
    options = &defaults;
  r->project_file = g_strdup (project_file);
  r->outputs = g_ptr_array_new_with_free_func (g_free);
  r->warnings = g_ptr_array_new_with_free_func (g_free);

  t0 = g_get_monotonic_time ();
  if (!load (r, error))
    return NULL;
  step_done (r, QS_STEP_LOAD, t0, &ctx);
  t0 = g_get_monotonic_time ();
  if (cancelled (cancellable, error) || !prepare (r, error))
    return NULL;
  step_done (r, QS_STEP_PREPARE, t0, &ctx);
  if (cancelled (cancellable, error) || !quantize (r, options, &ctx, cancellable, error))
    return NULL;
  t0 = g_get_monotonic_time ();
  if (cancelled (cancellable, error) || !estimate (r, options, error))
    return NULL;
  step_done (r, QS_STEP_ESTIMATE, t0, &ctx);
  t0 = g_get_monotonic_time ();
  if (cancelled (cancellable, error))
    return NULL;
  if (!write_outputs (r, options, error))
    return g_prefix_error (error, "write: "), NULL;
  step_done (r, QS_STEP_WRITE, t0, &ctx);
  return g_steal_pointer (&r);
}

void
qs_pipeline_result_free (QsPipelineResult *r)
{
  if (r == NULL)
    return;
  g_free (r->project_file);
  g_free (r->name);
  g_free (r->data_label);
  g_clear_pointer (&r->estimate, qs_cost_estimate_free);
  g_clear_pointer (&r->accuracy, qs_accuracy_report_free);
  g_clear_pointer (&r->model, qs_qmodel_unref);
  g_clear_pointer (&r->prepared, qs_prepared_free);
  g_clear_pointer (&r->graph, qs_graph_unref);
  g_clear_pointer (&r->project, qs_project_free);
  g_clear_pointer (&r->outputs, g_ptr_array_unref);
  g_clear_pointer (&r->warnings, g_ptr_array_unref);
  g_free (r);
}

const char *
qs_pipeline_result_get_name (const QsPipelineResult *r)
{
  return r->name;
}

double
qs_pipeline_result_get_seconds (const QsPipelineResult *r,
                                QsStep                  step)
{
  g_return_val_if_fail (step < QS_N_STEPS, 0);
  return r->seconds[step];
}

double
qs_pipeline_result_get_work_seconds (const QsPipelineResult *r)
{
  double s = 0;

  for (guint i = 0; i < QS_N_STEPS; i++)
    s += r->seconds[i];
  return s;
}

const char * const *
qs_pipeline_result_get_outputs (const QsPipelineResult *r)
{
  /* NULL-terminate lazily: the array is only appended to while running. */
  if (r->outputs->len == 0 || r->outputs->pdata[r->outputs->len - 1] != NULL)
    g_ptr_array_add (r->outputs, NULL);
  return (const char * const *) r->outputs->pdata;
}

const QsCostEstimate *
qs_pipeline_result_get_estimate (const QsPipelineResult *r)
{
  return r->estimate;
}

double
qs_pipeline_result_get_output_sqnr (const QsPipelineResult *r)
{
  double lowest = INFINITY;

  for (guint i = 0; r->accuracy && i < r->accuracy->entries->len; i++)
    {
      const QsAccuracyEntry *e = &g_array_index (r->accuracy->entries, QsAccuracyEntry, i);

      if (e->is_output)
        lowest = MIN (lowest, e->q.sqnr_db);
    }
  return lowest;
}

gboolean
qs_pipeline_result_is_synthetic (const QsPipelineResult *r)
{
  return r->synthetic;
}
