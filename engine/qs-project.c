/* qs-project.c: the project model, its paths, the graph check and decisions
 * (loading: qs-project-xml.c, saving: qs-project-write.c) */
#include "qs-project.h"

#include <string.h>

#include "qs-error.h"
#include "qs-graph-json.h"
#include "qs-passes.h"

static const char * const warning_kind_names[] = {
  "graph-changed", "node-vanished", "node-changed", "dangling", "no-match",
};
static const char * const calib_kind_names[] = { "none", "file", "images", "synthetic" };
static const char * const output_names[] = {
  "model", "prepared-graph", "json-report", "html-report",
};

G_STATIC_ASSERT (G_N_ELEMENTS (calib_kind_names) == QS_N_CALIB_DATA_KINDS);
G_STATIC_ASSERT (G_N_ELEMENTS (output_names) == QS_N_OUTPUTS);

const char *
qs_project_warning_kind_name (QsProjectWarningKind kind)
{
  g_return_val_if_fail (kind < G_N_ELEMENTS (warning_kind_names), "invalid");
  return warning_kind_names[kind];
}

const char *
qs_calib_data_kind_name (QsCalibDataKind kind)
{
  g_return_val_if_fail (kind < QS_N_CALIB_DATA_KINDS, "invalid");
  return calib_kind_names[kind];
}

const char *
qs_output_name (QsOutputFlags output)
{
  for (guint i = 0; i < QS_N_OUTPUTS; i++)
    if (output == (1u << i))
      return output_names[i];
  g_return_val_if_reached ("invalid");
}

static void
project_node_free (QsProjectNode *n)
{
  g_free (n->name);
  g_free (n->op);
  g_free (n->target);
  g_free (n);
}

void
qs_decision_free (QsDecision *d)
{
  if (d == NULL)
    return;
  g_free (d->node);
  g_free (d->replaced);
  g_free (d);
}

static void
warning_free (QsProjectWarning *w)
{
  g_free (w->node);
  g_free (w->message);
  g_free (w);
}

QsProject *
qs_project_new (QsQconfigKind kind)
{
  QsProject *p = g_new0 (QsProject, 1);

  p->march = QS_MARCH_NONE;
  p->last_run_march = QS_MARCH_NONE;
  p->rules = qs_rule_set_new (kind);
  p->overrides = qs_rule_set_new (kind);
  p->annotations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  p->region_notes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  p->graph_nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) project_node_free);
  p->warnings = g_ptr_array_new_with_free_func ((GDestroyNotify) warning_free);
  p->loaded_version = QS_PROJECT_FORMAT_VERSION;
  return p;
}

void
qs_project_free (QsProject *p)
{
  if (p == NULL)
    return;
  g_free (p->filename);
  g_free (p->graph_path);
  g_free (p->graph_sha256);
  qs_rule_set_free (p->rules);
  qs_rule_set_free (p->overrides);
  g_hash_table_unref (p->annotations);
  g_hash_table_unref (p->region_notes);
  g_free (p->calib.path);
  g_free (p->output_dir);
  g_ptr_array_unref (p->graph_nodes);
  g_clear_pointer (&p->last_run, g_ptr_array_unref);
  g_ptr_array_unref (p->warnings);
  g_free (p);
}

void
qs_project_add_warning (QsProject            *project,
                        QsProjectWarningKind  kind,
                        const char           *node,
                        const char           *format,
                        ...)
{
  QsProjectWarning *w = g_new0 (QsProjectWarning, 1);
  va_list args;

  va_start (args, format);
  w->kind = kind;
  w->node = g_strdup (node);
  w->message = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (project->warnings, w);
}

/* Paths */

static char *
project_dir (const QsProject *project)
{
  g_autofree char *abs = NULL;

  if (project->filename == NULL)
    return g_get_current_dir ();
  abs = g_canonicalize_filename (project->filename, NULL);
  return g_path_get_dirname (abs);
}

char *
qs_project_dup_path (const QsProject *project,
                     const char      *path)
{
  g_autofree char *dir = NULL;

  g_return_val_if_fail (project != NULL && path != NULL, NULL);
  if (g_path_is_absolute (path))
    return g_strdup (path);
  dir = project_dir (project);
  return g_canonicalize_filename (path, dir);
}

/* @target relative to the folder @dir (both absolute, canonical), with
 * "../" where needed, so that a project and its models can move together. */
static char *
relative_path (const char *dir,
               const char *target)
{
  g_auto(GStrv) d = g_strsplit (dir, G_DIR_SEPARATOR_S, -1);
  g_auto(GStrv) t = g_strsplit (target, G_DIR_SEPARATOR_S, -1);
  g_autoptr(GString) out = g_string_new (NULL);
  guint i = 0;

  while (d[i] != NULL && t[i] != NULL && strcmp (d[i], t[i]) == 0)
    i++;
  for (guint j = i; d[j] != NULL; j++)
    if (*d[j] != '\0')
      g_string_append (out, ".." G_DIR_SEPARATOR_S);
  for (guint j = i; t[j] != NULL; j++)
    {
      g_string_append (out, t[j]);
      if (t[j + 1] != NULL)
        g_string_append_c (out, G_DIR_SEPARATOR);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static char *
hash_file (const char  *filename,
           GError     **error)
{
  g_autoptr(GMappedFile) map = NULL;
  g_autoptr(GError) local = NULL;

  map = g_mapped_file_new (filename, FALSE, &local);
  if (map == NULL)
    return g_set_error (error, QS_ERROR, QS_ERROR_IO, "%s: cannot read the graph file: %s",
                        filename, local->message), NULL;
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                      (const guchar *) g_mapped_file_get_contents (map),
                                      g_mapped_file_get_length (map));
}

void
qs_project_remember_nodes (QsProject *project,
                           QsGraph   *graph)
{
  g_ptr_array_set_size (project->graph_nodes, 0);
  for (guint i = 0; i < graph->n_nodes; i++)
    {
      QsProjectNode *n = g_new0 (QsProjectNode, 1);

      n->name = g_strdup (graph->nodes[i].name);
      n->op = g_strdup (qs_op_name (graph->nodes[i].op));
      n->target = g_strdup (graph->nodes[i].target ? graph->nodes[i].target : "");
      g_ptr_array_add (project->graph_nodes, n);
    }
}

gboolean
qs_project_set_graph (QsProject   *project,
                      const char  *graph_file,
                      QsGraph     *graph,
                      GError     **error)
{
  g_autofree char *abs = g_canonicalize_filename (graph_file, NULL);
  g_autofree char *dir = project_dir (project);
  g_autofree char *sha = hash_file (abs, error);

  if (sha == NULL)
    return FALSE;
  g_free (project->graph_path);
  project->graph_path = relative_path (dir, abs);
  g_free (project->graph_sha256);
  project->graph_sha256 = g_steal_pointer (&sha);
  if (graph != NULL)
    qs_project_remember_nodes (project, graph);
  return TRUE;
}

QsGraph *
qs_project_load_graph (QsProject  *project,
                       gboolean    weights,
                       GError    **error)
{
  g_autofree char *path = qs_project_dup_path (project, project->graph_path);

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return g_set_error (error, QS_ERROR, QS_ERROR_IO,
                        "%s: the graph file “%s” (%s) does not exist; move it back or "
                        "point the project at the graph again", project->filename,
                        project->graph_path, path), NULL;
  return qs_graph_load (path, weights ? QS_GRAPH_LOAD_DEFAULT : QS_GRAPH_LOAD_NO_WEIGHTS,
                        error);
}

/* What the graph lost or changed since the node list was saved. */
static void
diff_nodes (QsProject *project,
            QsGraph   *graph)
{
  g_autoptr(GHashTable) now = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < graph->n_nodes; i++)
    g_hash_table_insert (now, (gpointer) graph->nodes[i].name, &graph->nodes[i]);
  for (guint i = 0; i < project->graph_nodes->len; i++)
    {
      const QsProjectNode *was = project->graph_nodes->pdata[i];
      const QsNode *node = g_hash_table_lookup (now, was->name);
      const char *target;

      if (node == NULL)
        {
          qs_project_add_warning (project, QS_PROJECT_WARNING_NODE_VANISHED, was->name,
                                  "node “%s” (%s) is no longer in the graph", was->name,
                                  was->op);
          continue;
        }
      target = node->target ? node->target : "";
      if (strcmp (qs_op_name (node->op), was->op) != 0 || strcmp (target, was->target) != 0)
        qs_project_add_warning (project, QS_PROJECT_WARNING_NODE_CHANGED, was->name,
                                "node “%s” was %s (%s) and is now %s (%s)", was->name,
                                was->op, was->target, qs_op_name (node->op), target);
    }
}

gboolean
qs_project_check_graph (QsProject  *project,
                        QsGraph   **graph_out,
                        GError    **error)
{
  g_autofree char *path = qs_project_dup_path (project, project->graph_path);
  g_autofree char *sha = NULL;
  g_autoptr(QsGraph) graph = NULL;
  gboolean changed;

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return g_set_error (error, QS_ERROR, QS_ERROR_IO,
                        "%s: the graph file “%s” (%s) does not exist; move it back or "
                        "point the project at the graph again",
                        project->filename ? project->filename : "project",
                        project->graph_path, path), FALSE;
  if (!(sha = hash_file (path, error)))
    return FALSE;
  changed = project->graph_sha256 != NULL && strcmp (sha, project->graph_sha256) != 0;
  if (changed)
    qs_project_add_warning (project, QS_PROJECT_WARNING_GRAPH_CHANGED, NULL,
                            "the graph file “%s” changed since the project was saved "
                            "(SHA-256 %.12s…, was %.12s…)", project->graph_path, sha,
                            project->graph_sha256);
  if (!changed && graph_out == NULL)
    return TRUE;
  if (!(graph = qs_project_load_graph (project, FALSE, error)))
    return FALSE;
  diff_nodes (project, graph);
  qs_project_check_rules (project, graph);
  if (graph_out != NULL)
    *graph_out = g_steal_pointer (&graph);
  return TRUE;
}

/* Rules and notes */

static gboolean
graph_has_node (QsGraph    *graph,
                const char *name)
{
  for (guint i = 0; i < graph->n_nodes; i++)
    {
      if (strcmp (graph->nodes[i].name, name) == 0)
        return TRUE;
      for (guint j = 0; j < graph->nodes[i].n_fused; j++)
        if (strcmp (graph->nodes[i].fused[j].name, name) == 0)
          return TRUE;
    }
  return FALSE;
}

static gboolean
rule_matches_any (const QsRule *rule,
                  QsGraph      *graph)
{
  g_autoptr(QsRuleSet) one = qs_rule_set_new (QS_QKIND_CALIBRATION);

  if (!qs_rule_set_add (one, rule, NULL))
    return FALSE;
  for (guint i = 0; i < graph->n_nodes; i++)
    {
      QsNodeQconfig nq = { 0 };
      gboolean hit;

      qs_qconfig_resolve_one (one, QS_MARCH_NONE, graph, &graph->nodes[i], &nq);
      hit = nq.n_matched > 0;
      g_free (nq.matched);
      if (hit)
        return TRUE;
    }
  return FALSE;
}

static void
check_names (QsProject  *project,
             QsGraph    *graph,
             GHashTable *table,
             const char *what)
{
  g_autoptr(GList) keys = g_list_sort (g_hash_table_get_keys (table), (GCompareFunc) strcmp);

  for (GList *l = keys; l != NULL; l = l->next)
    if (!graph_has_node (graph, l->data))
      qs_project_add_warning (project, QS_PROJECT_WARNING_DANGLING, l->data,
                              "the %s on node “%s” names no node of the graph", what,
                              (const char *) l->data);
}

void
qs_project_check_rules (QsProject *project,
                        QsGraph   *graph)
{
  for (guint i = 0; i < qs_rule_set_get_n_rules (project->rules); i++)
    {
      const QsRule *r = qs_rule_set_get_rule (project->rules, i);

      if (r->level == QS_RULE_NODE && !graph_has_node (graph, r->pattern))
        qs_project_add_warning (project, QS_PROJECT_WARNING_DANGLING, r->pattern,
                                "rule %u (node %s) names no node of the graph", i + 1,
                                r->pattern);
      else if (r->level >= QS_RULE_OP && r->level < QS_RULE_NODE
               && !rule_matches_any (r, graph))
        qs_project_add_warning (project, QS_PROJECT_WARNING_NO_MATCH, NULL,
                                "rule %u (%s %s) matches no node of the graph", i + 1,
                                qs_rule_level_name (r->level), r->pattern);
    }
  for (guint i = 0; i < qs_rule_set_get_n_rules (project->overrides); i++)
    {
      const QsRule *r = qs_rule_set_get_rule (project->overrides, i);

      if (!graph_has_node (graph, r->pattern))
        qs_project_add_warning (project, QS_PROJECT_WARNING_DANGLING, r->pattern,
                                "the override of node “%s” names no node of the graph",
                                r->pattern);
    }
  check_names (project, graph, project->annotations, "annotation");
}

QsRuleSet *
qs_project_dup_rule_set (const QsProject *project)
{
  QsRuleSet *set = qs_rule_set_copy (project->rules);

  for (guint i = 0; i < qs_rule_set_get_n_rules (project->overrides); i++)
    if (!qs_rule_set_add (set, qs_rule_set_get_rule (project->overrides, i), NULL))
      g_assert_not_reached ();
  return set;
}

gboolean
qs_project_set_override (QsProject     *project,
                         const QsRule  *rule,
                         GError       **error)
{
  g_return_val_if_fail (rule->level == QS_RULE_NODE && rule->pattern != NULL, FALSE);

  for (guint i = 0; i < qs_rule_set_get_n_rules (project->overrides); i++)
    if (strcmp (qs_rule_set_get_rule (project->overrides, i)->pattern, rule->pattern) == 0)
      {
        qs_rule_set_remove (project->overrides, i);
        break;
      }
  if (rule->fields == 0)
    return TRUE;
  return qs_rule_set_add (project->overrides, rule, error);
}

static void
set_text (GHashTable *table,
          const char *key,
          const char *text)
{
  if (text == NULL || *text == '\0')
    g_hash_table_remove (table, key);
  else
    g_hash_table_replace (table, g_strdup (key), g_strdup (text));
}

void
qs_project_set_annotation (QsProject  *project,
                           const char *node,
                           const char *text)
{
  set_text (project->annotations, node, text);
}

void
qs_project_set_region_note (QsProject  *project,
                            const char *region,
                            const char *text)
{
  set_text (project->region_notes, region, text);
}

/* Decisions */

GPtrArray *
qs_project_decide (QsProject  *project,
                   QsGraph    *graph,
                   GError    **error)
{
  g_autoptr(QsRuleSet) rules = qs_project_dup_rule_set (project);
  g_autoptr(QsPrepared) prepared = NULL;
  QsPrepareOptions options = { project->march, qs_rule_set_get_kind (rules), rules };
  GPtrArray *out;

  prepared = qs_pass_prepare (graph, &options, error);
  if (prepared == NULL)
    return NULL;
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) qs_decision_free);
  for (guint i = 0; i < prepared->graph->n_nodes; i++)
    {
      const QsNode *node = &prepared->graph->nodes[i];
      QsDecision *d;

      if (node->kind == QS_NODE_PLACEHOLDER || node->kind == QS_NODE_OUTPUT
          || node->kind == QS_NODE_GET_ATTR)
        continue;
      d = g_new0 (QsDecision, 1);
      d->node = g_strdup (node->name);
      d->activation = prepared->qconfigs->nodes[i].qconfig.activation;
      d->weight = prepared->qconfigs->nodes[i].qconfig.weight;
      d->replaced = g_strdup (prepared->replaced[i]);
      g_ptr_array_add (out, d);
    }
  return out;
}

static void
append_decision (GString          *s,
                 const QsDecision *d)
{
  if (d == NULL)
    {
      g_string_append (s, "(none)");
      return;
    }
  g_string_append_printf (s, "%s/%s %s", qs_qdtype_name (d->activation),
                          qs_qdtype_name (d->weight), d->replaced ? d->replaced : "float");
}

static gboolean
decision_equal (const QsDecision *a,
                const QsDecision *b)
{
  return a->activation == b->activation && a->weight == b->weight
         && g_strcmp0 (a->replaced, b->replaced) == 0;
}

static void
add_change (GPtrArray        *out,
            const char       *node,
            const QsDecision *a,
            const QsDecision *b)
{
  GString *s = g_string_new (node);

  g_string_append (s, ": ");
  append_decision (s, a);
  g_string_append (s, " -> ");
  append_decision (s, b);
  g_ptr_array_add (out, g_string_free (s, FALSE));
}

GPtrArray *
qs_project_diff_decisions (GPtrArray *before,
                           GPtrArray *after)
{
  g_autoptr(GHashTable) old = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; before != NULL && i < before->len; i++)
    g_hash_table_insert (old, ((QsDecision *) before->pdata[i])->node, before->pdata[i]);
  for (guint i = 0; i < after->len; i++)
    {
      const QsDecision *b = after->pdata[i];
      const QsDecision *a = g_hash_table_lookup (old, b->node);

      g_hash_table_add (seen, b->node);
      if (a == NULL || !decision_equal (a, b))
        add_change (out, b->node, a, b);
    }
  for (guint i = 0; before != NULL && i < before->len; i++)
    {
      const QsDecision *a = before->pdata[i];

      if (!g_hash_table_contains (seen, a->node))
        add_change (out, a->node, a, NULL);
    }
  return out;
}
