/* qs-document-load.c: loading a project or graph in a thread, and saving */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "qs-document-private.h"
#include "qs-error.h"
#include "qs-graph-json.h"
#include "qs-loader.h"
#include "qs-quant-job.h"

#define properties qs_document_properties

/* ---- loading ------------------------------------------------------------------------- */

typedef struct
{
  GFile            *file;
  gboolean          is_project;
  QsProject        *project;
  QsGraph          *graph;
  QsLayout         *layout;
  QsDocumentResults results;
  QsCostParams      params;
  gboolean          have_params;
  QsMarch           default_march;
} LoadJob;

static void
load_job_free (gpointer data)
{
  LoadJob *job = data;

  g_clear_object (&job->file);
  g_clear_pointer (&job->project, qs_project_free);
  g_clear_pointer (&job->layout, qs_layout_free);
  qs_document_results_clear (&job->results);
  g_clear_pointer (&job->graph, qs_graph_unref);
  g_free (job);
}

static gboolean
load_project_or_graph (LoadJob  *job,
                       GError  **error)
{
  g_autofree char *path = g_file_get_path (job->file);

  if (path == NULL)
    return g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                        _("%s is not a local file"), g_file_peek_path (job->file)), FALSE;
  job->is_project = g_str_has_suffix (path, ".qsproj");
  if (job->is_project)
    {
      if ((job->project = qs_project_load (path, QS_PROJECT_LOAD_DEFAULT, error)) == NULL)
        return FALSE;
      if ((job->graph = qs_project_load_graph (job->project, TRUE, error)) == NULL)
        return FALSE;
      qs_project_check_rules (job->project, job->graph);
      return TRUE;
    }
  if ((job->graph = qs_graph_load (path, QS_GRAPH_LOAD_DEFAULT, error)) == NULL)
    return FALSE;
  job->project = qs_project_new (QS_QKIND_CALIBRATION);
  job->project->march = job->default_march;
  return TRUE;
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  LoadJob *job = task_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (QsRuleSet) rules = NULL;

  if (!load_project_or_graph (job, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  job->layout = qs_lay_out_graph (job->graph);
  rules = qs_project_dup_rule_set (job->project);
  /* A project whose rules prepare refuses still opens: the user fixes them. */
  if (!qs_document_compute_results (job->graph, rules, job->project->march,
                                    job->have_params ? &job->params : NULL,
                                    &job->results, &error))
    g_debug ("prepare after loading: %s", error->message);
  g_task_return_boolean (task, TRUE);
}

static QsMarch
default_march (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema = NULL;
  g_autoptr (GSettings) settings = NULL;
  g_autofree char *name = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL || !g_settings_schema_has_key (schema, "default-march"))
    return qs_march_from_name ("nash-e");
  settings = g_settings_new (APP_ID);
  name = g_settings_get_string (settings, "default-march");
  return qs_march_from_name (name);
}

void
qs_document_load_async (QsDocument          *self,
                        GFile               *file,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  LoadJob *job;
  QsMarch march;

  g_return_if_fail (QS_IS_DOCUMENT (self));
  g_return_if_fail (G_IS_FILE (file));

  job = g_new0 (LoadJob, 1);
  job->file = g_object_ref (file);
  job->default_march = default_march ();
  /* Parameters for the march the file will have: known only after
   * loading, so copy them for the default and for every march. */
  march = job->default_march;
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, qs_document_load_async);
  g_task_set_task_data (task, job, load_job_free);
  if (march != QS_MARCH_NONE && qs_cost_model_get (self->cost_model, march, NULL) != NULL)
    {
      job->params = *qs_cost_model_get (self->cost_model, march, NULL);
      job->have_params = TRUE;
    }
  g_task_run_in_thread (task, load_thread);
}

static void
install_loaded (QsDocument *self,
                LoadJob    *job)
{
  qs_document_cancel (self);
  if (self->refresh_cancellable != NULL)
    g_cancellable_cancel (self->refresh_cancellable);
  qs_document_autosave_stop (self);
  qs_document_clear_results (self);
  g_clear_pointer (&self->layout, qs_layout_free);
  g_clear_pointer (&self->project, qs_project_free);
  g_clear_pointer (&self->graph, qs_graph_unref);

  g_set_object (&self->file, job->file);
  self->is_project = job->is_project;
  self->project = g_steal_pointer (&job->project);
  self->graph = g_steal_pointer (&job->graph);
  self->layout = g_steal_pointer (&job->layout);
  self->selected_node = QS_ID_NONE;
  g_array_set_size (self->selection, 0);
  self->dirty = FALSE;
  g_clear_pointer (&self->edits, qs_edit_stack_free);
  self->edits = qs_edit_stack_new (self, qs_document_snapshot_take, qs_document_snapshot_restore, qs_document_snapshot_free, 200);
  self->saved_version = self->autosaved_version = qs_edit_stack_get_version (self->edits);
  self->refresh_serial++;
  qs_document_install_results (self, &job->results);
}

gboolean
qs_document_load_finish (QsDocument    *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  LoadJob *job;

  g_return_val_if_fail (QS_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  job = g_task_get_task_data (G_TASK (result));
  /* The march of the file may differ from the one results were made for. */
  install_loaded (self, job);
  if (self->estimate != NULL && self->estimate->march != self->project->march)
    qs_document_queue_refresh (self);
  else if (self->estimate == NULL && self->project->march != QS_MARCH_NONE)
    qs_document_queue_refresh (self);
  qs_document_set_status (self, "");
  g_object_notify_by_pspec (G_OBJECT (self), properties[QS_DOCUMENT_PROP_FILE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[QS_DOCUMENT_PROP_MARCH]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[QS_DOCUMENT_PROP_SELECTED_NODE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[QS_DOCUMENT_PROP_CALIBRATED]);
  qs_document_emit_rules_changed (self);
  qs_document_notify_modified (self);
  return TRUE;
}

QsLayout *
qs_document_steal_layout (QsDocument *self)
{
  g_return_val_if_fail (QS_IS_DOCUMENT (self), NULL);
  return g_steal_pointer (&self->layout);
}

/* ---- saving ------------------------------------------------------------------------------ */

gboolean
qs_document_save (QsDocument  *self,
                  GFile       *file,
                  GError     **error)
{
  g_autofree char *path = NULL;
  g_autofree char *graph_file = NULL;
  gboolean moved;

  g_return_val_if_fail (QS_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (self->graph != NULL, FALSE);

  if (file == NULL && !self->is_project)
    return g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                        _("This graph is not a project yet: use Save As")), FALSE;
  path = g_file_get_path (file != NULL ? file : self->file);
  if (path == NULL)
    return g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                        _("Projects can only be saved to local files")), FALSE;

  moved = !self->is_project || g_strcmp0 (path, self->project->filename) != 0;
  if (moved)
    {
      /* The graph's path is stored relative to the project's folder. */
      graph_file = self->is_project
                   ? qs_project_dup_path (self->project, self->project->graph_path)
                   : g_file_get_path (self->file);
      g_free (self->project->filename);
      self->project->filename = g_strdup (path);
      if (!qs_project_set_graph (self->project, graph_file, self->graph, error))
        return FALSE;
    }
  else
    qs_project_remember_nodes (self->project, self->graph);
  qs_document_autosave_remove (self);
  if (!qs_project_save (self->project, path, error))
    return FALSE;

  if (moved)
    {
      g_clear_object (&self->file);
      self->file = g_file_new_for_path (path);
      self->is_project = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[QS_DOCUMENT_PROP_FILE]);
    }
  self->saved_version = self->autosaved_version = qs_edit_stack_get_version (self->edits);
  self->dirty = FALSE;
  qs_document_autosave_stop (self);
  qs_document_notify_modified (self);
  return TRUE;
}
