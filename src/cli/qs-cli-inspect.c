/* qs-cli-inspect.c: `quantscope-cli inspect FILE [--json] [--dump]` */
#include "config.h"

#include <stdio.h>

#include "qs-cli.h"
#include "qs-error.h"
#include "qs-graph-json.h"
#include "qs-summary.h"

int
qs_cli_inspect (int    argc,
                char **argv)
{
  gboolean json = FALSE, dump = FALSE, no_weights = FALSE;
  g_auto(GStrv) files = NULL;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print the summary as JSON", NULL },
    { "dump", 0, 0, G_OPTION_ARG_NONE, &dump, "Print the whole IR as stable text", NULL },
    { "no-weights", 0, 0, G_OPTION_ARG_NONE, &no_weights, "Don't read the weights file", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL, "FILE" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("FILE — summarise a graph");
  g_autoptr(GError) error = NULL;
  g_autoptr(QsGraph) graph = NULL;
  g_autoptr(QsGraphSummary) summary = NULL;
  g_autofree char *text = NULL;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_summary (ctx, "Prints node counts by kind and op, wrapped regions, "
                                     "parameters and MACs per op class, and warnings.");
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("quantscope-cli inspect: %s\n", error->message);
      return QS_CLI_EXIT_USAGE;
    }
  if (files == NULL || g_strv_length (files) != 1)
    {
      g_printerr ("quantscope-cli inspect: expected one graph file (*.qsgraph.json)\n");
      return QS_CLI_EXIT_USAGE;
    }
  graph = qs_graph_load (files[0], no_weights ? QS_GRAPH_LOAD_NO_WEIGHTS : 0, &error);
  if (graph == NULL)
    {
      g_printerr ("quantscope-cli: %s\n", error->message);
      return QS_CLI_EXIT_ERROR;
    }
  if (dump)
    text = qs_graph_dump (graph);
  else
    {
      summary = qs_graph_summarize (graph);
      text = json ? qs_graph_summary_to_json (summary, graph)
                  : qs_graph_summary_to_text (summary, graph);
    }
  fputs (text, stdout);
  if (json && !dump)
    fputc ('\n', stdout);
  return QS_CLI_EXIT_OK;
}
