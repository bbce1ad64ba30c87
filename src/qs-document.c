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

void
qs_document_clear_results (QsDocument *self)
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

  qs_document_clear_results (self);
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
  self->edits = qs_edit_stack_new (self, qs_document_snapshot_take, qs_document_snapshot_restore, qs_document_snapshot_free, 200);
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
qs_document_emit_rules_changed (QsDocument *self)
{
  g_signal_emit (self, signals[SIGNAL_RULES_CHANGED], 0);
}

void
qs_document_emit_results_changed (QsDocument *self)
{
  g_signal_emit (self, signals[SIGNAL_RESULTS_CHANGED], 0);
}
