/* qs-cli-project.c: `quantscope-cli check PROJECT`
 *
 * Validates a project (schema, graph file present and unchanged, rules and
 * overrides resolve on the graph) and compares prepare's decisions (per
 * node: activation and weight dtype, replacement) with the last run stored
 * in the project, for CI of a model repository. --update records the
 * current decisions, node list and graph hash as the new baseline.
 */
#include "config.h"

#include <stdio.h>

#include <json-glib/json-glib.h>

#include "qs-cli.h"
#include "qs-error.h"
#include "qs-project.h"

typedef struct
{
  gboolean  json;
  gboolean  update;
  gboolean  print_rules;
  GStrv     files;
} Options;

static void
options_clear (Options *o)
{
  g_strfreev (o->files);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Options, options_clear)

static gboolean
parse (int     *argc,
       char  ***argv,
       Options *o)
{
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &o->json, "Print the report as JSON", NULL },
    { "update", 'u', 0, G_OPTION_ARG_NONE, &o->update,
      "Record the current decisions, nodes and graph hash in the project", NULL },
    { "print-rules", 0, 0, G_OPTION_ARG_NONE, &o->print_rules,
      "Print the project's rules and overrides as a rules file (JSON) and exit", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->files, NULL, "PROJECT" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx =
    g_option_context_new ("PROJECT — validate a project and report decision changes");
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_description (ctx, "Exit status: 0 no problems, 1 problems (the report "
                                    "says which), 2 bad command line.");
  if (!g_option_context_parse (ctx, argc, argv, &error))
    {
      g_printerr ("quantscope-cli check: %s\n", error->message);
      return FALSE;
    }
  if (o->files == NULL || g_strv_length (o->files) != 1)
    {
      g_printerr ("quantscope-cli check: expected one project file (*.qsproj)\n");
      return FALSE;
    }
  return TRUE;
}

static void
add_rule_json (JsonBuilder  *b,
               const QsRule *r)
{
  const QsQconfig *v = &r->values;

  json_builder_begin_object (b);
  if (r->level == QS_RULE_GLOBAL)
    {
      json_builder_set_member_name (b, "global");
      json_builder_add_boolean_value (b, TRUE);
    }
  else
    {
      json_builder_set_member_name (b, qs_rule_level_name (r->level));
      json_builder_add_string_value (b, r->pattern);
    }
#define FIELD(f, add) \
  if (r->fields & (1u << QS_QFIELD_##f)) \
    { json_builder_set_member_name (b, qs_qfield_name (QS_QFIELD_##f)); add; }
  FIELD (KIND, json_builder_add_string_value (b, qs_qkind_name (v->kind)));
  FIELD (ACTIVATION, json_builder_add_string_value (b, qs_qdtype_name (v->activation)));
  FIELD (WEIGHT, json_builder_add_string_value (b, qs_qdtype_name (v->weight)));
  FIELD (OBSERVER, json_builder_add_string_value (b, qs_observer_name (v->observer)));
  FIELD (PER_CHANNEL, json_builder_add_boolean_value (b, v->per_channel));
  FIELD (PERCENTILE, json_builder_add_double_value (b, v->percentile));
  FIELD (FIXED_SCALE, json_builder_add_double_value (b, v->fixed_scale));
#undef FIELD
  json_builder_end_object (b);
}

/* The effective rules (templates, rules, then overrides as node rules) in
 * the rules file format of docs/qconfig.md. */
static char *
rules_to_json (const QsRuleSet *set)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  guint n = qs_rule_set_get_n_rules (set);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, qs_qkind_name (qs_rule_set_get_kind (set)));
  json_builder_set_member_name (b, "templates");
  json_builder_begin_array (b);
  for (guint i = 0; i < n; i++)
    if (qs_rule_set_get_rule (set, i)->level == QS_RULE_TEMPLATE)
      json_builder_add_string_value (b, qs_rule_set_get_rule (set, i)->template_name);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "rules");
  json_builder_begin_array (b);
  for (guint i = 0; i < n; i++)
    if (qs_rule_set_get_rule (set, i)->level != QS_RULE_TEMPLATE)
      add_rule_json (b, qs_rule_set_get_rule (set, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  return json_generator_to_data (gen, NULL);
}

typedef struct
{
  const char *file;
  QsProject  *project;
  GPtrArray  *problems;  /* strings: errors that make the exit status 1 */
  GPtrArray  *changes;   /* strings: decision changes, or NULL */
  gboolean    baseline;  /* a last run was recorded */
  gboolean    updated;
} Report;

static void
print_text (const Report *r)
{
  for (guint i = 0; i < r->project->warnings->len; i++)
    {
      const QsProjectWarning *w = r->project->warnings->pdata[i];

      printf ("%s: warning: %s\n", r->file, w->message);
    }
  for (guint i = 0; i < r->problems->len; i++)
    printf ("%s: error: %s\n", r->file, (const char *) r->problems->pdata[i]);
  if (r->changes != NULL && r->baseline)
    for (guint i = 0; i < r->changes->len; i++)
      printf ("%s: decision changed: %s\n", r->file, (const char *) r->changes->pdata[i]);
  if (!r->baseline && !r->updated)
    printf ("%s: no last run recorded; run “quantscope-cli check --update %s” to record one\n",
            r->file, r->file);
  if (r->updated)
    printf ("%s: recorded the current decisions as the last run\n", r->file);
  printf ("%s: %s\n", r->file, r->problems->len == 0 ? "ok" : "problems found");
}

static void
add_strings (JsonBuilder *b,
             const char  *name,
             GPtrArray   *strings)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; strings != NULL && i < strings->len; i++)
    json_builder_add_string_value (b, strings->pdata[i]);
  json_builder_end_array (b);
}

static void
print_json (const Report *r)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  QsProject *p = r->project;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "project");
  json_builder_add_string_value (b, r->file);
  json_builder_set_member_name (b, "ok");
  json_builder_add_boolean_value (b, r->problems->len == 0);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, p->loaded_version);
  json_builder_set_member_name (b, "graph");
  json_builder_add_string_value (b, p->graph_path);
  json_builder_set_member_name (b, "march");
  json_builder_add_string_value (b, p->march != QS_MARCH_NONE ? qs_march_name (p->march) : NULL);
  json_builder_set_member_name (b, "warnings");
  json_builder_begin_array (b);
  for (guint i = 0; i < p->warnings->len; i++)
    {
      const QsProjectWarning *w = p->warnings->pdata[i];

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "kind");
      json_builder_add_string_value (b, qs_project_warning_kind_name (w->kind));
      json_builder_set_member_name (b, "node");
      json_builder_add_string_value (b, w->node);
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, w->message);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  add_strings (b, "problems", r->problems);
  json_builder_set_member_name (b, "last_run");
  json_builder_add_boolean_value (b, r->baseline);
  add_strings (b, "decision_changes", r->baseline ? r->changes : NULL);
  json_builder_set_member_name (b, "updated");
  json_builder_add_boolean_value (b, r->updated);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  printf ("%s\n", text);
}

/* Every warning is a problem for CI except one about a rule that matches
 * nothing (a shared rule set may name ops this model lacks). */
static void
collect_problems (Report *r)
{
  for (guint i = 0; i < r->project->warnings->len; i++)
    {
      const QsProjectWarning *w = r->project->warnings->pdata[i];

      if (w->kind != QS_PROJECT_WARNING_NO_MATCH)
        g_ptr_array_add (r->problems, g_strdup (w->message));
    }
  if (r->changes != NULL && r->baseline && r->changes->len > 0)
    g_ptr_array_add (r->problems,
                     g_strdup_printf ("%u node decisions changed since the last run; if "
                                      "intended, record them with --update",
                                      r->changes->len));
}

static gboolean
update (Report   *r,
        QsGraph  *graph,
        GPtrArray *decisions,
        GError  **error)
{
  g_autofree char *graph_file = qs_project_dup_path (r->project, r->project->graph_path);
  QsProject *p = r->project;

  /* The baseline is the graph as it is now. */
  if (!qs_project_set_graph (p, graph_file, graph, error))
    return FALSE;
  g_clear_pointer (&p->last_run, g_ptr_array_unref);
  p->last_run = g_ptr_array_ref (decisions);
  p->last_run_march = p->march;
  g_ptr_array_set_size (p->warnings, 0);
  g_ptr_array_set_size (r->problems, 0);
  g_clear_pointer (&r->changes, g_ptr_array_unref);
  r->updated = TRUE;
  return qs_project_save (p, r->file, error);
}

static int
check (Options *o)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QsProject) project = NULL;
  g_autoptr(QsGraph) graph = NULL;
  g_autoptr(GPtrArray) decisions = NULL;
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  Report r = { o->files[0], NULL, problems, NULL, FALSE, FALSE };

  if (!(project = qs_project_load (o->files[0], QS_PROJECT_LOAD_NO_GRAPH, &error)))
    goto fail;
  r.project = project;
  if (o->print_rules)
    {
      g_autoptr(QsRuleSet) set = qs_project_dup_rule_set (project);
      g_autofree char *json = rules_to_json (set);

      printf ("%s\n", json);
      return QS_CLI_EXIT_OK;
    }
  if (!qs_project_check_graph (project, &graph, &error))
    goto fail;
  if (project->march == QS_MARCH_NONE)
    g_ptr_array_add (problems, g_strdup ("the project names no march; prepare needs one"));
  else if (!(decisions = qs_project_decide (project, graph, &error)))
    g_ptr_array_add (problems, g_strdup (error->message));
  r.baseline = project->last_run != NULL;
  if (decisions != NULL)
    r.changes = qs_project_diff_decisions (project->last_run, decisions);
  collect_problems (&r);
  if (o->update && decisions != NULL && !update (&r, graph, decisions, &error))
    goto fail;
  if (o->json)
    print_json (&r);
  else
    print_text (&r);
  g_clear_pointer (&r.changes, g_ptr_array_unref);
  return problems->len == 0 ? QS_CLI_EXIT_OK : QS_CLI_EXIT_ERROR;

fail:
  g_clear_pointer (&r.changes, g_ptr_array_unref);
  if (o->json)
    {
      g_autoptr(JsonNode) msg = json_node_init_string (json_node_alloc (), error->message);
      g_autoptr(JsonNode) file = json_node_init_string (json_node_alloc (), o->files[0]);
      g_autofree char *quoted = json_to_string (msg, FALSE);
      g_autofree char *name = json_to_string (file, FALSE);

      printf ("{\n  \"project\" : %s,\n  \"ok\" : false,\n  \"problems\" : [%s]\n}\n",
              name, quoted);
    }
  g_printerr ("quantscope-cli check: %s\n", error->message);
  return QS_CLI_EXIT_ERROR;
}

int
qs_cli_check (int    argc,
              char **argv)
{
  g_auto(Options) o = { 0 };

  if (!parse (&argc, &argv, &o))
    return QS_CLI_EXIT_USAGE;
  return check (&o);
}
