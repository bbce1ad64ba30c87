/* qs-document-edit.c: qconfig edits as rules, the rules list, the march,
 * and undo/redo over snapshots of them */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "qs-document-private.h"
#include "qs-error.h"
#include "qs-graph-json.h"
#include "qs-loader.h"
#include "qs-quant-job.h"

/* ---- undo snapshots: the rules, the overrides and the march ------------------------- */

typedef struct
{
  QsRuleSet *rules;
  QsRuleSet *overrides;
  QsMarch    march;
} Snapshot;

gpointer
qs_document_snapshot_take (gpointer target)
{
  QsDocument *self = target;
  Snapshot *snap = g_new0 (Snapshot, 1);

  snap->rules = qs_rule_set_copy (self->project->rules);
  snap->overrides = qs_rule_set_copy (self->project->overrides);
  snap->march = self->project->march;
  return snap;
}

void
qs_document_snapshot_restore (gpointer      target,
                              gconstpointer data)
{
  QsDocument *self = target;
  const Snapshot *snap = data;

  qs_rule_set_assign (self->project->rules, snap->rules);
  qs_rule_set_assign (self->project->overrides, snap->overrides);
  self->project->march = snap->march;
}

void
qs_document_snapshot_free (gpointer data)
{
  Snapshot *snap = data;

  qs_rule_set_free (snap->rules);
  qs_rule_set_free (snap->overrides);
  g_free (snap);
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
