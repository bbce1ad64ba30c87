/* qs-document.c: one open project (or bare graph): state, edits, undo, saving */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "qs-document-private.h"
#include "qs-error.h"
#include "qs-graph-json.h"
#include "qs-loader.h"
#include "qs-quant-job.h"

G_DEFINE_FINAL_TYPE (QsDocument, qs_document, G_TYPE_OBJECT)

GParamSpec *qs_document_properties[QS_DOCUMENT_N_PROPS];
#define properties qs_document_properties

enum {
  SIGNAL_RULES_CHANGED,
  SIGNAL_RESULTS_CHANGED,
  SIGNAL_MESSAGE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- undo snapshots: the rules, the overrides and the march ------------------------- */

typedef struct
{
  QsRuleSet *rules;
  QsRuleSet *overrides;
  QsMarch    march;
} Snapshot;

static gpointer
snapshot_take (gpointer target)
{
  QsDocument *self = target;
  Snapshot *snap = g_new0 (Snapshot, 1);

  snap->rules = qs_rule_set_copy (self->project->rules);
  snap->overrides = qs_rule_set_copy (self->project->overrides);
  snap->march = self->project->march;
  return snap;
}

static void
snapshot_restore (gpointer      target,
                  gconstpointer data)
{
  QsDocument *self = target;
  const Snapshot *snap = data;

  qs_rule_set_assign (self->project->rules, snap->rules);
  qs_rule_set_assign (self->project->overrides, snap->overrides);
  self->project->march = snap->march;
}

static void
snapshot_free (gpointer data)
{
  Snapshot *snap = data;

  qs_rule_set_free (snap->rules);
  qs_rule_set_free (snap->overrides);
  g_free (snap);
}

/* ---- state ------------------------------------------------------------------------------ */

void
qs_document_notify_modified (QsDocument *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[QS_DOCUMENT_PROP_MODIFIED]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[QS_DOCUMENT_PROP_CAN_UNDO]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[QS_DOCUMENT_PROP_CAN_REDO]);
  qs_document_update_actions (self);
  if (qs_document_get_modified (self))
    qs_document_autosave_start (self);
}

void
qs_document_set_status (QsDocument *self,
                        const char *status)
{
  if (g_strcmp0 (self->status, status) == 0)
    return;
  g_free (self->status);
  self->status = g_strdup (status);
  g_object_notify_by_pspec (G_OBJECT (self), properties[QS_DOCUMENT_PROP_STATUS]);
}

void
qs_document_emit_message (QsDocument *self,
                          const char *message)
{
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, message);
}

/* The one place that decides which document actions are enabled. */
void
qs_document_update_actions (QsDocument *self)
{
  static const char * const steps[] = { "fuse", "prepare", "calibrate", "convert", "estimate" };
  gboolean open = self->graph != NULL;
  gboolean idle = self->running < 0;
  struct { const char *name; gboolean enabled; } states[] = {
    { "save", open && self->is_project },
    { "undo", open && qs_edit_stack_can_undo (self->edits) },
    { "redo", open && qs_edit_stack_can_redo (self->edits) },
    { "cancel", !idle },
  };

  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    {
      GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self->actions), states[i].name);

      g_simple_action_set_enabled (G_SIMPLE_ACTION (action), states[i].enabled);
    }
  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self->actions), steps[i]);
      gboolean enabled = open && idle;

      if (i == QS_DOCUMENT_STEP_CONVERT)
        enabled = enabled && self->quant != NULL;
      if (i == QS_DOCUMENT_STEP_ESTIMATE)
        enabled = enabled && self->project->march != QS_MARCH_NONE;
      g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
    }
}

static void
clear_results (QsDocument *self)
{
  g_clear_pointer (&self->quant, qs_quant_result_free);
  g_clear_pointer (&self->estimate, qs_cost_estimate_free);
  self->prepared = NULL;
  self->fusion = NULL;
  self->canvas = NULL;
  g_clear_pointer (&self->prepared_canvas, qs_document_canvas_unref);
  g_clear_pointer (&self->fused_canvas, qs_document_canvas_unref);
  g_clear_pointer (&self->qconfigs, qs_qconfig_map_free);
  g_clear_pointer (&self->from_prepared, g_free);
  g_clear_pointer (&self->time_index, g_free);
}

/* After every edit, undo and redo. */
void
qs_document_rules_changed (QsDocument *self)
{
  /* A calibration belongs to the rules it was made with. */
  if (self->quant != NULL)
    {
      g_clear_pointer (&self->quant, qs_quant_result_free);
      g_object_notify_by_pspec (G_OBJECT (self), properties[QS_DOCUMENT_PROP_CALIBRATED]);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[QS_DOCUMENT_PROP_MARCH]);
  g_signal_emit (self, signals[SIGNAL_RULES_CHANGED], 0);
  qs_document_notify_modified (self);
  qs_document_queue_refresh (self);
}

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
  clear_results (self);
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
  self->edits = qs_edit_stack_new (self, snapshot_take, snapshot_restore, snapshot_free, 200);
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
  g_signal_emit (self, signals[SIGNAL_RULES_CHANGED], 0);
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

/* ---- edits ---------------------------------------------------------------------------- */

static const char *
field_label (guint fields)
{
  if (fields == 1u << QS_QFIELD_ACTIVATION)
    return _("activation dtype");
  if (fields == 1u << QS_QFIELD_WEIGHT)
    return _("weight dtype");
  if (fields == 1u << QS_QFIELD_OBSERVER)
    return _("observer");
  if (fields == 1u << QS_QFIELD_PER_CHANNEL)
    return _("per-channel");
  if (fields == 1u << QS_QFIELD_FIXED_SCALE)
    return _("fixed scale");
  return _("qconfig");
}

char *
qs_document_dup_module_scope (QsDocument *self,
                              QsId        node)
{
  const QsNode *n;

  g_return_val_if_fail (QS_IS_DOCUMENT (self), NULL);
  if (self->graph == NULL || node >= self->graph->n_nodes)
    return NULL;
  n = qs_graph_node (self->graph, node);
  /* The module the call was made in, else the called module's parent. */
  if (n->scope != NULL && *n->scope != '\0')
    return g_strdup (n->scope);
  if (n->module != QS_ID_NONE)
    {
      const QsModule *m = &self->graph->modules[n->module];

      if (m->parent != QS_ID_NONE && *self->graph->modules[m->parent].path != '\0')
        return g_strdup (self->graph->modules[m->parent].path);
      return g_strdup (m->path);
    }
  return NULL;
}

static void
copy_fields (QsQconfig       *dst,
             const QsQconfig *src,
             guint            fields)
{
#define F(f) (1u << QS_QFIELD_##f)
  if (fields & F (KIND))
    dst->kind = src->kind;
  if (fields & F (ACTIVATION))
    dst->activation = src->activation;
  if (fields & F (WEIGHT))
    dst->weight = src->weight;
  if (fields & F (OBSERVER))
    dst->observer = src->observer;
  if (fields & F (PER_CHANNEL))
    dst->per_channel = src->per_channel;
  if (fields & F (PERCENTILE))
    dst->percentile = src->percentile;
  if (fields & F (FIXED_SCALE))
    dst->fixed_scale = src->fixed_scale;
#undef F
}

static gboolean
add_rule (QsDocument      *self,
          QsDocumentScope  scope,
          const QsId      *nodes,
          guint            n_nodes,
          QsRule          *rule,
          GError         **error)
{
  g_autofree char *prefix = NULL;

  if (scope == QS_DOCUMENT_SCOPE_SELECTION)
    {
      for (guint i = 0; i < n_nodes; i++)
        {
          const QsRule *old = NULL;
          QsRule merged = *rule;

          merged.pattern = (char *) qs_graph_node (self->graph, nodes[i])->name;
          /* Keep the fields an earlier override of this node set. */
          for (guint j = 0; j < qs_rule_set_get_n_rules (self->project->overrides); j++)
            if (g_strcmp0 (qs_rule_set_get_rule (self->project->overrides, j)->pattern,
                           merged.pattern) == 0)
              old = qs_rule_set_get_rule (self->project->overrides, j);
          if (old != NULL)
            {
              merged.values = old->values;
              merged.fields = old->fields | rule->fields;
              copy_fields (&merged.values, &rule->values, rule->fields);
            }
          if (!qs_project_set_override (self->project, &merged, error))
            return FALSE;
        }
      return TRUE;
    }
  if (scope == QS_DOCUMENT_SCOPE_OP)
    {
      rule->level = QS_RULE_OP;
      rule->pattern = (char *) qs_op_name (qs_graph_node (self->graph, nodes[0])->op);
      return qs_rule_set_add (self->project->rules, rule, error);
    }
  if ((prefix = qs_document_dup_module_scope (self, nodes[0])) == NULL)
    return g_set_error (error, QS_ERROR, QS_ERROR_INVALID,
                        _("%s is not inside a module: apply to the selection instead"),
                        qs_graph_node (self->graph, nodes[0])->name), FALSE;
  rule->level = QS_RULE_PREFIX;
  rule->pattern = prefix;
  return qs_rule_set_add (self->project->rules, rule, error);
}

static char *
edit_label (QsDocument      *self,
            QsDocumentScope  scope,
            QsId             node,
            guint            n_nodes,
            guint            fields)
{
  const char *what = field_label (fields);
  g_autofree char *prefix = NULL;

  switch (scope)
    {
    case QS_DOCUMENT_SCOPE_SELECTION:
      if (n_nodes == 1)
        return g_strdup_printf (_("Set %s of %s"), what, qs_graph_node (self->graph, node)->name);
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Set %s of %u node",
                                           "Set %s of %u nodes", n_nodes), what, n_nodes);
    case QS_DOCUMENT_SCOPE_OP:
      return g_strdup_printf (_("Set %s of every %s"), what,
                              qs_op_name (qs_graph_node (self->graph, node)->op));
    case QS_DOCUMENT_SCOPE_MODULE:
    default:
      prefix = qs_document_dup_module_scope (self, node);
      return g_strdup_printf (_("Set %s in %s"), what, prefix ? prefix : "");
    }
}

gboolean
qs_document_apply_qconfig (QsDocument       *self,
                           QsDocumentScope   scope,
                           const QsId       *nodes,
                           guint             n_nodes,
                           guint             fields,
                           const QsQconfig  *values,
                           GError          **error)
{
  g_autofree char *label = NULL;
  QsRule rule = { QS_RULE_NODE, NULL, NULL, fields, *values, (char *) "window", NULL };

  g_return_val_if_fail (QS_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (self->graph != NULL, FALSE);
  g_return_val_if_fail (nodes != NULL && n_nodes > 0 && fields != 0, FALSE);
  for (guint i = 0; i < n_nodes; i++)
    g_return_val_if_fail (nodes[i] < self->graph->n_nodes, FALSE);

  label = edit_label (self, scope, nodes[0], n_nodes, fields);
  qs_edit_stack_begin (self->edits, label);
  if (!add_rule (self, scope, nodes, n_nodes, &rule, error))
    {
      qs_edit_stack_cancel (self->edits);
      return FALSE;
    }
  qs_edit_stack_commit (self->edits);
  qs_document_rules_changed (self);
  return TRUE;
}

void
qs_document_remove_rule (QsDocument *self,
                         gboolean    override,
                         guint       index)
{
  QsRuleSet *set;
  g_autofree char *what = NULL;
  g_autofree char *label = NULL;

  g_return_if_fail (QS_IS_DOCUMENT (self) && self->project != NULL);
  set = override ? self->project->overrides : self->project->rules;
  g_return_if_fail (index < qs_rule_set_get_n_rules (set));

  what = qs_rule_describe (set, index);
  label = g_strdup_printf (_("Remove %s"), what);
  qs_edit_stack_begin (self->edits, label);
  qs_rule_set_remove (set, index);
  qs_edit_stack_commit (self->edits);
  qs_document_rules_changed (self);
}

void
qs_document_move_rule (QsDocument *self,
                       guint       from,
                       guint       to)
{
  guint n;

  g_return_if_fail (QS_IS_DOCUMENT (self) && self->project != NULL);
  n = qs_rule_set_get_n_rules (self->project->rules);
  g_return_if_fail (from < n && to < n);
  if (from == to)
    return;
  qs_edit_stack_begin (self->edits, _("Move Rule"));
  qs_rule_set_move (self->project->rules, from, to);
  qs_edit_stack_commit (self->edits);
  qs_document_rules_changed (self);
}

void
qs_document_set_march (QsDocument *self,
                       QsMarch     march)
{
  g_autofree char *label = NULL;

  g_return_if_fail (QS_IS_DOCUMENT (self));
  if (self->project == NULL || self->project->march == march)
    return;
  label = g_strdup_printf (_("Set March to %s"),
                           march == QS_MARCH_NONE ? _("None") : qs_march_name (march));
  qs_edit_stack_begin (self->edits, label);
  self->project->march = march;
  qs_edit_stack_commit (self->edits);
  qs_document_rules_changed (self);
}

gboolean
qs_document_undo (QsDocument *self)
{
  g_return_val_if_fail (QS_IS_DOCUMENT (self), FALSE);
  if (self->edits == NULL || !qs_edit_stack_undo (self->edits))
    return FALSE;
  qs_document_rules_changed (self);
  return TRUE;
}

gboolean
qs_document_redo (QsDocument *self)
{
  g_return_val_if_fail (QS_IS_DOCUMENT (self), FALSE);
  if (self->edits == NULL || !qs_edit_stack_redo (self->edits))
    return FALSE;
  qs_document_rules_changed (self);
  return TRUE;
}

void
qs_document_set_calib_data (QsDocument      *self,
                            QsCalibDataKind  kind,
                            const char      *path,
                            guint            count,
                            guint            batches)
{
  QsCalibSettings *c;

  g_return_if_fail (QS_IS_DOCUMENT (self) && self->project != NULL);
  c = &self->project->calib;
  c->kind = kind;
  g_free (c->path);
  c->path = g_strdup (path);
  if (kind == QS_CALIB_DATA_SYNTHETIC)
    {
      c->count = MAX (count, 1);
      if (c->seed == 0)
        c->seed = 1;
    }
  c->batches = batches;
  self->dirty = TRUE;
  qs_document_notify_modified (self);
}

/* ---- actions ---------------------------------------------------------------------------- */

static void
on_action_run_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  /* Errors were emitted as ::message already. */
  qs_document_run_finish (QS_DOCUMENT (source), result, NULL);
}

static void
action_activated_cb (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  QsDocument *self = user_data;
  const char *name = g_action_get_name (G_ACTION (action));
  g_autoptr (GError) error = NULL;

  if (g_str_equal (name, "undo"))
    qs_document_undo (self);
  else if (g_str_equal (name, "redo"))
    qs_document_redo (self);
  else if (g_str_equal (name, "cancel"))
    qs_document_cancel (self);
  else if (g_str_equal (name, "save"))
    {
      if (!qs_document_save (self, NULL, &error))
        qs_document_emit_message (self, error->message);
    }
  else
    for (int step = 0; step < QS_N_DOCUMENT_STEPS; step++)
      if (g_str_equal (name, qs_document_step_name (step)))
        qs_document_run_async (self, step, on_action_run_cb, NULL);
}

static const GActionEntry doc_actions[] = {
  { "save", action_activated_cb },
  { "undo", action_activated_cb },
  { "redo", action_activated_cb },
  { "cancel", action_activated_cb },
  { "fuse", action_activated_cb },
  { "prepare", action_activated_cb },
  { "calibrate", action_activated_cb },
  { "convert", action_activated_cb },
  { "estimate", action_activated_cb },
};

/* ---- GObject --------------------------------------------------------------------------- */

static void
qs_document_dispose (GObject *object)
{
  QsDocument *self = QS_DOCUMENT (object);

  if (self->run_cancellable != NULL)
    g_cancellable_cancel (self->run_cancellable);
  if (self->refresh_cancellable != NULL)
    g_cancellable_cancel (self->refresh_cancellable);
  g_clear_handle_id (&self->progress_source, g_source_remove);
  /* A clean close needs no recovery. */
  if (self->graph != NULL && !qs_document_get_modified (self))
    qs_document_autosave_remove (self);
  qs_document_autosave_stop (self);
  G_OBJECT_CLASS (qs_document_parent_class)->dispose (object);
}

static void
qs_document_finalize (GObject *object)
{
  QsDocument *self = QS_DOCUMENT (object);

  clear_results (self);
  g_clear_pointer (&self->edits, qs_edit_stack_free);
  g_clear_pointer (&self->layout, qs_layout_free);
  g_clear_pointer (&self->project, qs_project_free);
  g_clear_pointer (&self->graph, qs_graph_unref);
  g_clear_pointer (&self->cost_model, qs_cost_model_free);
  g_clear_object (&self->file);
  g_clear_object (&self->actions);
  g_clear_pointer (&self->selection, g_array_unref);
  g_clear_object (&self->run_cancellable);
  g_clear_object (&self->refresh_cancellable);
  g_free (self->status);
  g_free (self->autosave_dir);
  G_OBJECT_CLASS (qs_document_parent_class)->finalize (object);
}

static void
qs_document_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  QsDocument *self = QS_DOCUMENT (object);

  switch (prop_id)
    {
    case QS_DOCUMENT_PROP_FILE:
      g_value_set_object (value, self->file);
      break;
    case QS_DOCUMENT_PROP_MODIFIED:
      g_value_set_boolean (value, qs_document_get_modified (self));
      break;
    case QS_DOCUMENT_PROP_BUSY:
      g_value_set_boolean (value, qs_document_get_busy (self));
      break;
    case QS_DOCUMENT_PROP_UPDATING:
      g_value_set_boolean (value, qs_document_get_updating (self));
      break;
    case QS_DOCUMENT_PROP_PROGRESS:
      g_value_set_double (value, self->progress);
      break;
    case QS_DOCUMENT_PROP_STATUS:
      g_value_set_string (value, self->status);
      break;
    case QS_DOCUMENT_PROP_MARCH:
      g_value_set_int (value, qs_document_get_march (self));
      break;
    case QS_DOCUMENT_PROP_SELECTED_NODE:
      g_value_set_uint (value, self->selected_node);
      break;
    case QS_DOCUMENT_PROP_CAN_UNDO:
      g_value_set_boolean (value, qs_document_get_can_undo (self));
      break;
    case QS_DOCUMENT_PROP_CAN_REDO:
      g_value_set_boolean (value, qs_document_get_can_redo (self));
      break;
    case QS_DOCUMENT_PROP_CALIBRATED:
      g_value_set_boolean (value, self->quant != NULL);
      break;
    case QS_DOCUMENT_PROP_AUTOSAVE_DIR:
      g_value_set_string (value, self->autosave_dir);
      break;
    case QS_DOCUMENT_PROP_AUTOSAVE_INTERVAL:
      g_value_set_uint (value, self->autosave_interval);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qs_document_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  QsDocument *self = QS_DOCUMENT (object);

  switch (prop_id)
    {
    case QS_DOCUMENT_PROP_MARCH:
      qs_document_set_march (self, g_value_get_int (value));
      break;
    case QS_DOCUMENT_PROP_SELECTED_NODE:
      qs_document_set_selected_node (self, g_value_get_uint (value));
      break;
    case QS_DOCUMENT_PROP_AUTOSAVE_DIR:
      g_free (self->autosave_dir);
      self->autosave_dir = g_value_dup_string (value);
      if (self->autosave_dir == NULL)
        self->autosave_dir = g_build_filename (g_get_user_state_dir (), "quantscope",
                                               "autosave", NULL);
      break;
    case QS_DOCUMENT_PROP_AUTOSAVE_INTERVAL:
      self->autosave_interval = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
qs_document_class_init (QsDocumentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = qs_document_dispose;
  object_class->finalize = qs_document_finalize;
  object_class->get_property = qs_document_get_property;
  object_class->set_property = qs_document_set_property;

  properties[QS_DOCUMENT_PROP_FILE] =
    g_param_spec_object ("file", NULL, NULL, G_TYPE_FILE, ro);
  properties[QS_DOCUMENT_PROP_MODIFIED] =
    g_param_spec_boolean ("modified", NULL, NULL, FALSE, ro);
  properties[QS_DOCUMENT_PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE, ro);
  properties[QS_DOCUMENT_PROP_UPDATING] =
    g_param_spec_boolean ("updating", NULL, NULL, FALSE, ro);
  properties[QS_DOCUMENT_PROP_PROGRESS] =
    g_param_spec_double ("progress", NULL, NULL, 0, 1, 0, ro);
  properties[QS_DOCUMENT_PROP_STATUS] =
    g_param_spec_string ("status", NULL, NULL, NULL, ro);
  properties[QS_DOCUMENT_PROP_MARCH] =
    g_param_spec_int ("march", NULL, NULL, QS_MARCH_NONE, QS_N_MARCHES - 1, QS_MARCH_NONE, rw);
  properties[QS_DOCUMENT_PROP_SELECTED_NODE] =
    g_param_spec_uint ("selected-node", NULL, NULL, 0, G_MAXUINT32, QS_ID_NONE, rw);
  properties[QS_DOCUMENT_PROP_CAN_UNDO] =
    g_param_spec_boolean ("can-undo", NULL, NULL, FALSE, ro);
  properties[QS_DOCUMENT_PROP_CAN_REDO] =
    g_param_spec_boolean ("can-redo", NULL, NULL, FALSE, ro);
  properties[QS_DOCUMENT_PROP_CALIBRATED] =
    g_param_spec_boolean ("calibrated", NULL, NULL, FALSE, ro);
  properties[QS_DOCUMENT_PROP_AUTOSAVE_DIR] =
    g_param_spec_string ("autosave-dir", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  properties[QS_DOCUMENT_PROP_AUTOSAVE_INTERVAL] =
    g_param_spec_uint ("autosave-interval", NULL, NULL, 1, 3600, 30,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, QS_DOCUMENT_N_PROPS, properties);

  signals[SIGNAL_RULES_CHANGED] =
    g_signal_new ("rules-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_RESULTS_CHANGED] =
    g_signal_new ("results-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
qs_document_init (QsDocument *self)
{
  g_autoptr (GError) error = NULL;

  self->running = -1;
  self->selected_node = QS_ID_NONE;
  self->selection = g_array_new (FALSE, FALSE, sizeof (QsId));
  self->cost_model = qs_cost_model_load (NULL, &error);
  if (self->cost_model == NULL)
    g_critical ("the built-in cost model: %s", error->message);
  self->actions = g_simple_action_group_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self->actions), doc_actions,
                                   G_N_ELEMENTS (doc_actions), self);
  self->edits = qs_edit_stack_new (self, snapshot_take, snapshot_restore, snapshot_free, 200);
  qs_document_update_actions (self);
}

QsDocument *
qs_document_new (void)
{
  return g_object_new (QS_TYPE_DOCUMENT, NULL);
}

/* ---- accessors ------------------------------------------------------------------------- */

GFile *
qs_document_get_file (QsDocument *self)
{
  g_return_val_if_fail (QS_IS_DOCUMENT (self), NULL);
  return self->file;
}

gboolean
qs_document_get_is_project (QsDocument *self)
{
  g_return_val_if_fail (QS_IS_DOCUMENT (self), FALSE);
  return self->is_project;
}

char *
qs_document_dup_title (QsDocument *self)
{
  g_return_val_if_fail (QS_IS_DOCUMENT (self), NULL);
  if (self->file == NULL)
    return g_strdup (_("Untitled"));
  return g_file_get_basename (self->file);
}

QsProject *
qs_document_get_project (QsDocument *self)
{
  g_return_val_if_fail (QS_IS_DOCUMENT (self), NULL);
  return self->project;
}

QsGraph *
qs_document_get_graph (QsDocument *self)
{
  g_return_val_if_fail (QS_IS_DOCUMENT (self), NULL);
  return self->graph;
}

gboolean
qs_document_get_modified (QsDocument *self)
{
  g_return_val_if_fail (QS_IS_DOCUMENT (self), FALSE);
  return self->dirty || qs_edit_stack_get_version (self->edits) != self->saved_version;
}

gboolean
qs_document_get_busy (QsDocument *self)
{
  g_return_val_if_fail (QS_IS_DOCUMENT (self), FALSE);
  return self->running >= 0;
}

gboolean
qs_document_get_updating (QsDocument *self)
{
  g_return_val_if_fail (QS_IS_DOCUMENT (self), FALSE);
  return self->n_refreshing > 0;
}

double
qs_document_get_progress (QsDocument *self)
{
  g_return_val_if_fail (QS_IS_DOCUMENT (self), 0);
  return self->progress;
}

const char *
qs_document_get_status (QsDocument *self)
{
  g_return_val_if_fail (QS_IS_DOCUMENT (self), NULL);
  return self->status ? self->status : "";
}

QsMarch
qs_document_get_march (QsDocument *self)
{
  g_return_val_if_fail (QS_IS_DOCUMENT (self), QS_MARCH_NONE);
  return self->project ? self->project->march : QS_MARCH_NONE;
}

QsId
qs_document_get_selected_node (QsDocument *self)
{
  g_return_val_if_fail (QS_IS_DOCUMENT (self), QS_ID_NONE);
  return self->selected_node;
}

void
qs_document_set_selected_node (QsDocument *self,
                               QsId        node)
{
  g_return_if_fail (QS_IS_DOCUMENT (self));
  if (self->graph == NULL || node >= self->graph->n_nodes)
    node = QS_ID_NONE;
  if (node == self->selected_node && self->selection->len <= 1)
    return;
  qs_document_set_selection (self, &node, node == QS_ID_NONE ? 0 : 1);
}

void
qs_document_set_selection (QsDocument *self,
                           const QsId *nodes,
                           guint       n_nodes)
{
  g_return_if_fail (QS_IS_DOCUMENT (self));
  g_return_if_fail (nodes != NULL || n_nodes == 0);

  g_array_set_size (self->selection, 0);
  for (guint i = 0; i < n_nodes; i++)
    if (self->graph != NULL && nodes[i] < self->graph->n_nodes)
      g_array_append_val (self->selection, nodes[i]);
  if (self->selection->len == 1 && self->selected_node == nodes[0])
    return;
  self->selected_node = self->selection->len > 0 ? g_array_index (self->selection, QsId, 0)
                                                 : QS_ID_NONE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[QS_DOCUMENT_PROP_SELECTED_NODE]);
}

const QsId *
qs_document_get_selection (QsDocument *self,
                           guint      *n_nodes)
{
  g_return_val_if_fail (QS_IS_DOCUMENT (self), NULL);
  *n_nodes = self->selection->len;
  return (const QsId *) self->selection->data;
}

gboolean
qs_document_get_can_undo (QsDocument *self)
{
  g_return_val_if_fail (QS_IS_DOCUMENT (self), FALSE);
  return qs_edit_stack_can_undo (self->edits);
}

gboolean
qs_document_get_can_redo (QsDocument *self)
{
  g_return_val_if_fail (QS_IS_DOCUMENT (self), FALSE);
  return qs_edit_stack_can_redo (self->edits);
}

GActionGroup *
qs_document_get_actions (QsDocument *self)
{
  g_return_val_if_fail (QS_IS_DOCUMENT (self), NULL);
  return G_ACTION_GROUP (self->actions);
}

void
qs_document_emit_results_changed (QsDocument *self)
{
  g_signal_emit (self, signals[SIGNAL_RESULTS_CHANGED], 0);
}
