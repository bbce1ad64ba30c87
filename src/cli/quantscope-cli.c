/* quantscope-cli: the headless front end over the engine */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "qs-cli.h"

static const QsCliCommand commands[] = {
  { "inspect", qs_cli_inspect, "Summarise a graph file: nodes, ops, MACs, warnings" },
  { "fuse",    qs_cli_fuse,    "Fuse conv/linear/bn/add/relu patterns; list groups and near-misses" },
  { "prepare", qs_cli_prepare, "Fuse, assign qconfigs by rules, place observers for a march" },
  { "estimate", qs_cli_estimate, "Estimate NASH latency per fused kernel and per model" },
  { "calibrate", qs_cli_calibrate, "Calibrate a graph on data for a march; write scales (JSON)" },
  { "convert", qs_cli_convert, "Calibrate and write the integer graph (graph JSON + safetensors)" },
  { "run",     qs_cli_run,     "Run a graph on .npy inputs (float executor); write .npy/.npz" },
  { "check",   qs_cli_check,   "Validate a project file and report decision changes since its last run" },
  { "batch",   qs_cli_batch,   "Run projects through every step; write models, JSON and HTML reports" },
  { "export",  qs_cli_export,  "Draw the graph as the app shows it: PNG, SVG or PDF" },
};

static void
usage (FILE *out)
{
  fprintf (out, "Usage: quantscope-cli COMMAND [OPTIONS] ...\n\nCommands:\n");
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\nRun 'quantscope-cli COMMAND --help' for a command's options.\n");
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");
  if (argc < 2)
    {
      usage (stderr);
      return QS_CLI_EXIT_USAGE;
    }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0
      || strcmp (argv[1], "help") == 0)
    {
      usage (stdout);
      return QS_CLI_EXIT_OK;
    }
  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("quantscope-cli %s\n", PACKAGE_VERSION);
      return QS_CLI_EXIT_OK;
    }
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      return commands[i].run (argc - 1, argv + 1);
  fprintf (stderr, "quantscope-cli: unknown command “%s”\n\n", argv[1]);
  usage (stderr);
  return QS_CLI_EXIT_USAGE;
}
