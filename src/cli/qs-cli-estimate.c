/* qs-cli-estimate.c: `quantscope-cli estimate`, NASH latency per fused kernel */
#include "config.h"

#include <stdio.h>

#include "qs-cli.h"
#include "qs-cost.h"
#include "qs-graph-json.h"
#include "qs-passes.h"

typedef struct
{
  gboolean  json;
  char     *march;
  char     *qconfig;
  char     *rules;
  char     *cost;
  gint      threads;
  GStrv     files;
} Options;

static void
options_clear (Options *o)
{
  g_free (o->march);
  g_free (o->qconfig);
  g_free (o->rules);
  g_free (o->cost);
  g_strfreev (o->files);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Options, options_clear)

static gboolean
parse (int     *argc,
       char  ***argv,
       Options *o)
{
  GOptionEntry entries[] = {
    { "march", 'm', 0, G_OPTION_ARG_STRING, &o->march, "Target march (required)", "MARCH" },
    { "rules", 'r', 0, G_OPTION_ARG_FILENAME, &o->rules, "Qconfig rules (JSON)", "FILE" },
    { "qconfig", 'q', 0, G_OPTION_ARG_STRING, &o->qconfig, "calibration (default) or qat",
      "KIND" },
    { "cost", 'c', 0, G_OPTION_ARG_FILENAME, &o->cost,
      "Cost parameters (a calibration from tools/fit-cost; default: built in)", "FILE" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &o->threads,
      "Inference threads for the FPS figure (default: the march's cores)", "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &o->json, "Print the estimate as JSON", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->files, NULL, "GRAPH" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("GRAPH — estimate latency on a march");
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, argc, argv, &error))
    {
      g_printerr ("quantscope-cli estimate: %s\n", error->message);
      return FALSE;
    }
  if (o->files == NULL || g_strv_length (o->files) != 1)
    {
      g_printerr ("quantscope-cli estimate: expected one graph file (*.qsgraph.json)\n");
      return FALSE;
    }
  if (o->march == NULL)
    {
      g_printerr ("quantscope-cli estimate: --march is required; use one of %s\n",
                  qs_march_list ());
      return FALSE;
    }
  if (o->threads < 0)
    {
      g_printerr ("quantscope-cli estimate: --threads must be at least 1\n");
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

int
qs_cli_estimate (int    argc,
                 char **argv)
{
  g_auto(Options) o = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(QsGraph) graph = NULL;
  g_autoptr(QsRuleSet) rules = NULL;
  g_autoptr(QsPrepared) prepared = NULL;
  g_autoptr(QsCostModel) model = NULL;
  g_autoptr(QsCostEstimate) estimate = NULL;
  g_autofree char *text = NULL;
  QsPrepareOptions options = { QS_MARCH_NONE, QS_QKIND_CALIBRATION, NULL };
  const QsCostParams *params;

  if (!parse (&argc, &argv, &o))
    return QS_CLI_EXIT_USAGE;
  if ((options.march = qs_march_from_name (o.march)) == QS_MARCH_NONE)
    {
      g_printerr ("quantscope-cli estimate: unknown march “%s”; use one of %s\n", o.march,
                  qs_march_list ());
      return QS_CLI_EXIT_USAGE;
    }
  if (o.qconfig != NULL && !qs_qkind_from_name (o.qconfig, &options.kind))
    {
      g_printerr ("quantscope-cli estimate: --qconfig is “calibration” or “qat”\n");
      return QS_CLI_EXIT_USAGE;
    }
  if (!(model = qs_cost_model_load (o.cost, &error))
      || !(params = qs_cost_model_get (model, options.march, &error)))
    return fail (error);
  if (!(graph = qs_graph_load (o.files[0], QS_GRAPH_LOAD_NO_WEIGHTS, &error)))
    return fail (error);
  if (o.rules != NULL)
    {
      if (!(rules = qs_rule_set_load (o.rules, &error)))
        return fail (error);
      if (o.qconfig == NULL)
        options.kind = qs_rule_set_get_kind (rules);
      options.rules = rules;
    }
  if (!(prepared = qs_pass_prepare (graph, &options, &error)))
    return fail (error);
  estimate = qs_cost_estimate (prepared, params,
                               o.threads > 0 ? (guint) o.threads : MAX ((guint) params->cores, 1));
  estimate->calibrated = qs_cost_model_is_calibrated (model, options.march);
  if (o.json)
    {
      text = qs_cost_estimate_to_json (estimate, prepared->graph);
      printf ("%s\n", text);
    }
  else
    {
      text = qs_cost_estimate_to_text (estimate, prepared->graph);
      fputs (text, stdout);
      for (guint i = 0; i < prepared->notes->len; i++)
        printf ("note: %s\n", (char *) g_ptr_array_index (prepared->notes, i));
    }
  return QS_CLI_EXIT_OK;
}
