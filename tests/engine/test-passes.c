/* test-passes.c: golden tests of fuse and prepare
 *
 * tests/engine/passes/NAME.cmd holds "fuse", "fuse-twice" or
 * "prepare MARCH KIND"; NAME.qsgraph.json is the input, NAME.rules.json the
 * optional rules. The result (report, then the IR dump) must equal
 * NAME.out, or the error must match NAME.err (code, then substrings).
 * The traced models in data/models are run through both passes too.
 * QS_UPDATE_GOLDEN=1 rewrites the .out files.
 */
#include <string.h>

#include "qs-error.h"
#include "qs-graph-json.h"
#include "qs-passes.h"

static const char *models[] = {
  "retinanet-demo", "resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_large",
  "efficientnet_b0",
};

static const char *error_codes[] = {
  "IO", "PARSE", "VERSION", "INVALID", "DANGLING", "CYCLE", "SHAPE", "WEIGHTS",
  "OVERFLOW", "UNSUPPORTED", "NO_MARCH",
};

static void
check_golden (const char *path,
              const char *actual)
{
  g_autofree char *expected = NULL;
  g_autoptr(GError) error = NULL;

  if (g_getenv ("QS_UPDATE_GOLDEN"))
    {
      g_file_set_contents (path, actual, -1, &error);
      g_assert_no_error (error);
    }
  if (!g_file_get_contents (path, &expected, NULL, &error))
    g_error ("%s: %s (run with QS_UPDATE_GOLDEN=1 to create it)", path, error->message);
  g_assert_cmpstr (actual, ==, expected);
}

static void
check_error (const char   *err_path,
             const GError *error)
{
  g_autofree char *expected = NULL;
  g_auto(GStrv) lines = NULL;
  int code = -1;

  if (!g_file_get_contents (err_path, &expected, NULL, NULL))
    g_error ("unexpected error: %s", error->message);
  lines = g_strsplit (g_strstrip (expected), "\n", -1);
  for (guint i = 0; i < G_N_ELEMENTS (error_codes); i++)
    if (strcmp (lines[0], error_codes[i]) == 0)
      code = i;
  g_assert_cmpint (code, >=, 0);
  if (g_test_verbose ())
    g_printerr ("%s\n", error->message);
  g_assert_error ((GError *) error, QS_ERROR, code);
  for (guint i = 1; lines[i] != NULL; i++)
    if (strstr (error->message, lines[i]) == NULL)
      g_error ("“%s” lacks “%s”", error->message, lines[i]);
}

/* Runs one command; returns the report + dump, or NULL with @error. */
static char *
run_command (QsGraph     *graph,
             const char  *cmd,
             QsRuleSet   *rules,
             GError     **error)
{
  g_autofree char *line = g_strstrip (g_strdup (cmd));
  g_auto(GStrv) argv = g_strsplit (line, " ", -1);
  g_autofree char *report = NULL;
  g_autofree char *dump = NULL;

  if (strcmp (argv[0], "fuse") == 0 || strcmp (argv[0], "fuse-twice") == 0)
    {
      g_autoptr(QsFuseReport) r = NULL;
      g_autoptr(QsGraph) fused = qs_pass_fuse (graph, NULL, &r, error);

      if (fused == NULL)
        return NULL;
      report = qs_fuse_report_to_text (r, graph, fused);
      dump = qs_graph_dump (fused);
      if (strcmp (argv[0], "fuse-twice") == 0)
        {
          g_autoptr(QsFuseReport) r2 = NULL;
          g_autoptr(QsGraph) again = qs_pass_fuse (fused, NULL, &r2, error);
          g_autofree char *dump2 = qs_graph_dump (again);

          g_assert_cmpstr (dump, ==, dump2);
          g_assert_cmpuint (r2->groups->len, ==, 0);
        }
    }
  else
    {
      QsPrepareOptions options = { QS_MARCH_NONE, QS_QKIND_CALIBRATION, rules };
      g_autoptr(QsPrepared) p = NULL;

      g_assert_cmpstr (argv[0], ==, "prepare");
      options.march = qs_march_from_name (argv[1]);
      g_assert_true (qs_qkind_from_name (argv[2], &options.kind));
      if ((p = qs_pass_prepare (graph, &options, error)) == NULL)
        return NULL;
      report = qs_prepared_to_text (p, graph);
      dump = qs_graph_dump (p->graph);
    }
  return g_strdup_printf ("%s--- result\n%s", report, dump);
}

static void
test_case (gconstpointer data)
{
  const char *base = data; /* .../passes/NAME */
  g_autofree char *graph_path = g_strconcat (base, ".qsgraph.json", NULL);
  g_autofree char *cmd_path = g_strconcat (base, ".cmd", NULL);
  g_autofree char *rules_path = g_strconcat (base, ".rules.json", NULL);
  g_autofree char *out_path = g_strconcat (base, ".out", NULL);
  g_autofree char *err_path = g_strconcat (base, ".err", NULL);
  g_autofree char *cmd = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(QsGraph) graph = NULL;
  g_autoptr(QsRuleSet) rules = NULL;

  g_assert_true (g_file_get_contents (cmd_path, &cmd, NULL, NULL));
  graph = qs_graph_load (graph_path, QS_GRAPH_LOAD_NO_WEIGHTS, &error);
  g_assert_no_error (error);
  if (g_file_test (rules_path, G_FILE_TEST_EXISTS))
    {
      rules = qs_rule_set_load (rules_path, &error);
      if (rules == NULL)
        {
          check_error (err_path, error);
          return;
        }
    }
  before = qs_graph_dump (graph);
  result = run_command (graph, cmd, rules, &error);
  after = qs_graph_dump (graph);
  /* Passes never modify their input. */
  g_assert_cmpstr (before, ==, after);
  if (result == NULL)
    {
      check_error (err_path, error);
      return;
    }
  g_assert_false (g_file_test (err_path, G_FILE_TEST_EXISTS));
  check_golden (out_path, result);
}

static void
test_model (gconstpointer data)
{
  const char *name = data;
  g_autofree char *file = g_strdup_printf ("%s.qsgraph.json", name);
  g_autofree char *path = g_build_filename (g_getenv ("QS_SOURCE_DIR"), "data", "models", file,
                                            NULL);
  g_autofree char *out_name = g_strdup_printf ("%s.out", name);
  g_autofree char *out = g_build_filename (g_getenv ("G_TEST_SRCDIR"), "engine", "passes",
                                           "models", out_name, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(QsGraph) graph = qs_graph_load (path, QS_GRAPH_LOAD_NO_WEIGHTS, &error);
  g_autofree char *result = NULL;
  g_autoptr(QsPrepared) again = NULL;
  QsPrepareOptions options = { QS_MARCH_NASH_E, QS_QKIND_CALIBRATION, NULL };

  g_assert_no_error (error);
  result = run_command (graph, "prepare nash-e calibration", NULL, &error);
  g_assert_no_error (error);
  check_golden (out, result);

  /* prepare fuses internally even when the graph was fused already */
  {
    g_autoptr(QsGraph) fused = qs_pass_fuse (graph, NULL, NULL, &error);
    g_autoptr(QsPrepared) p = qs_pass_prepare (graph, &options, &error);

    g_assert_no_error (error);
    again = qs_pass_prepare (fused, &options, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (again->graph->n_nodes, ==, p->graph->n_nodes);
    g_assert_cmpuint (again->observers->len, ==, p->observers->len);
    g_assert_cmpuint (again->fusion->groups->len, ==, 0);
  }
}

static gint
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

int
main (int argc, char *argv[])
{
  g_autofree char *dir_path = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  g_test_init (&argc, &argv, NULL);
  dir_path = g_build_filename (g_getenv ("G_TEST_SRCDIR"), "engine", "passes", NULL);
  dir = g_dir_open (dir_path, 0, NULL);
  g_assert_nonnull (dir);
  for (const char *n; (n = g_dir_read_name (dir)) != NULL;)
    if (g_str_has_suffix (n, ".cmd"))
      g_ptr_array_add (names, g_strndup (n, strlen (n) - 4));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *test_name = g_strdup_printf ("/passes/%s", (char *) names->pdata[i]);

      g_test_add_data_func_full (test_name, g_build_filename (dir_path, names->pdata[i], NULL),
                                 test_case, g_free);
    }
  for (guint i = 0; i < G_N_ELEMENTS (models); i++)
    {
      g_autofree char *test_name = g_strdup_printf ("/passes/model/%s", models[i]);

      g_test_add_data_func (test_name, models[i], test_model);
    }
  return g_test_run ();
}
