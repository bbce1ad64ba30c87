/* qs-cli.h: quantscope-cli subcommands */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Exit codes shared by all subcommands. */
enum
{
  QS_CLI_EXIT_OK    = 0,
  QS_CLI_EXIT_ERROR = 1, /* the input was bad: the message says why */
  QS_CLI_EXIT_USAGE = 2, /* the command line was bad */
};

typedef int (*QsCliCommandFunc) (int argc, char **argv);

typedef struct
{
  const char       *name;
  QsCliCommandFunc  run;
  const char       *summary;
} QsCliCommand;

int qs_cli_inspect (int argc, char **argv);
int qs_cli_fuse    (int argc, char **argv);
int qs_cli_prepare (int argc, char **argv);
int qs_cli_run     (int argc, char **argv);
int qs_cli_estimate (int argc, char **argv);
int qs_cli_calibrate (int argc, char **argv);
int qs_cli_convert (int argc, char **argv);
gboolean qs_cli_run_is_quant (int argc, char **argv);
int qs_cli_run_quant (int argc, char **argv);
int qs_cli_check   (int argc, char **argv);
int qs_cli_export  (int argc, char **argv);
int qs_cli_batch   (int argc, char **argv);

G_END_DECLS
