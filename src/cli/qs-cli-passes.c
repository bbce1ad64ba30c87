/* qs-cli-passes.c: `quantscope-cli fuse` and `quantscope-cli prepare` */
#include "config.h"

#include <stdio.h>

#include "qs-cli.h"
#include "qs-error.h"
#include "qs-graph-json.h"
#include "qs-passes.h"

typedef struct
{
  gboolean  json;
  gboolean  dump;
  char     *output;
  char     *march;
  char     *qconfig;
  char     *rules;
  GStrv     files;
} Options;

static void
options_clear (Options *o)
{
  g_free (o->output);
  g_free (o->march);
  g_free (o->qconfig);
  g_free (o->rules);
  g_strfreev (o->files);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Options, options_clear)

static gboolean
parse (const char   *command,
       const char   *summary,
       gboolean      with_prepare,
       int          *argc,
       char       ***argv,
       Options      *o)
{
  GOptionEntry common[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &o->json, "Print the report as JSON", NULL },
    { "dump", 0, 0, G_OPTION_ARG_NONE, &o->dump, "Print the resulting graph as IR text", NULL },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &o->output, "Save the resulting graph", "FILE" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->files, NULL, "GRAPH" },
    { NULL }
  };
  GOptionEntry prepare[] = {
    { "march", 'm', 0, G_OPTION_ARG_STRING, &o->march, "Target march (nash-e, nash-m, ...)",
      "MARCH" },
    { "qconfig", 'q', 0, G_OPTION_ARG_STRING, &o->qconfig,
      "calibration (default) or qat", "KIND" },
    { "rules", 'r', 0, G_OPTION_ARG_FILENAME, &o->rules, "Qconfig rules (JSON)", "FILE" },
    { NULL }
  };
  g_autofree char *param = g_strdup_printf ("GRAPH — %s", summary);
  g_autoptr(GOptionContext) ctx = g_option_context_new (param);
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (ctx, common, NULL);
  if (with_prepare)
    g_option_context_add_main_entries (ctx, prepare, NULL);
  if (!g_option_context_parse (ctx, argc, argv, &error))
    {
      g_printerr ("quantscope-cli %s: %s\n", command, error->message);
      return FALSE;
    }
  if (o->files == NULL || g_strv_length (o->files) != 1)
    {
      g_printerr ("quantscope-cli %s: expected one graph file (*.qsgraph.json)\n", command);
      return FALSE;
    }
  return TRUE;
}

static int
fail (GError *error)
{
  g_printerr ("quantscope-cli: %s\n", error->message);
  return QS_CLI_EXIT_ERROR;
}

static int
finish (Options    *o,
        QsGraph    *result,
        const char *report)
{
  g_autoptr(GError) error = NULL;

  if (o->dump)
    {
      g_autofree char *dump = qs_graph_dump (result);

      fputs (dump, stdout);
    }
  else
    fputs (report, stdout);
  if (o->output != NULL && !qs_graph_save (result, o->output, &error))
    return fail (error);
  return QS_CLI_EXIT_OK;
}

int
qs_cli_fuse (int    argc,
             char **argv)
{
  g_auto(Options) o = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(QsGraph) graph = NULL;
  g_autoptr(QsGraph) fused = NULL;
  g_autoptr(QsFuseReport) report = NULL;
  g_autofree char *text = NULL;

  if (!parse ("fuse", "fuse conv/linear/bn/add/relu patterns", FALSE, &argc, &argv, &o))
    return QS_CLI_EXIT_USAGE;
  graph = qs_graph_load (o.files[0], QS_GRAPH_LOAD_NO_WEIGHTS, &error);
  if (graph == NULL)
    return fail (error);
  fused = qs_pass_fuse (graph, NULL, &report, &error);
  if (fused == NULL)
    return fail (error);
  text = o.json ? qs_fuse_report_to_json (report, graph, fused)
                : qs_fuse_report_to_text (report, graph, fused);
  if (o.json)
    {
      g_autofree char *json = g_steal_pointer (&text);

      text = g_strconcat (json, "\n", NULL);
    }
  return finish (&o, fused, text);
}

int
qs_cli_prepare (int    argc,
                char **argv)
{
  g_auto(Options) o = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(QsGraph) graph = NULL;
  g_autoptr(QsRuleSet) rules = NULL;
  g_autoptr(QsPrepared) prepared = NULL;
  g_autofree char *text = NULL;
  QsPrepareOptions options = { QS_MARCH_NONE, QS_QKIND_CALIBRATION, NULL };

  if (!parse ("prepare", "prepare for calibration or QAT on a march", TRUE, &argc, &argv, &o))
    return QS_CLI_EXIT_USAGE;
  if (o.march != NULL && (options.march = qs_march_from_name (o.march)) == QS_MARCH_NONE)
    {
      g_printerr ("quantscope-cli prepare: unknown march “%s”; use one of %s\n", o.march,
                  qs_march_list ());
      return QS_CLI_EXIT_USAGE;
    }
  if (o.qconfig != NULL && !qs_qkind_from_name (o.qconfig, &options.kind))
    {
      g_printerr ("quantscope-cli prepare: --qconfig is “calibration” or “qat”\n");
      return QS_CLI_EXIT_USAGE;
    }
  graph = qs_graph_load (o.files[0], QS_GRAPH_LOAD_NO_WEIGHTS, &error);
  if (graph == NULL)
    return fail (error);
  if (o.rules != NULL)
    {
      if (!(rules = qs_rule_set_load (o.rules, &error)))
        return fail (error);
      if (o.qconfig == NULL)
        options.kind = qs_rule_set_get_kind (rules);
      options.rules = rules;
    }
  prepared = qs_pass_prepare (graph, &options, &error);
  if (prepared == NULL)
    return fail (error);
  text = o.json ? qs_prepared_to_json (prepared, graph) : qs_prepared_to_text (prepared, graph);
  if (o.json)
    {
      g_autofree char *json = g_steal_pointer (&text);

      text = g_strconcat (json, "\n", NULL);
    }
  return finish (&o, prepared->graph, text);
}
