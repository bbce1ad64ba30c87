/* test-graph-json.c: graph files: round trips, the bad-input corpus, and
 * golden dumps of the traced demo and torchvision models.
 *
 * Set QS_UPDATE_GOLDEN=1 to rewrite the golden files after a deliberate
 * change of the dump format or of the traced models.
 */
#include <string.h>

#include "qs-error.h"
#include "qs-graph-json.h"
#include "qs-summary.h"

static const char *models[] = {
  "retinanet-demo", "resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_large",
  "efficientnet_b0",
};

static char *
model_path (const char *name)
{
  g_autofree char *base = g_strdup_printf ("%s.qsgraph.json", name);

  return g_build_filename (g_getenv ("QS_SOURCE_DIR"), "data", "models", base, NULL);
}

static void
test_round_trip (gconstpointer data)
{
  const char *name = data;
  g_autofree char *path = model_path (name);
  g_autoptr(GError) error = NULL;
  g_autoptr(QsGraph) graph = NULL;
  g_autoptr(QsGraph) again = NULL;
  g_autofree char *json = NULL;
  g_autofree char *json2 = NULL;
  g_autofree char *dump = NULL;
  g_autofree char *dump2 = NULL;
  gsize len;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("model file not generated");
      return;
    }
  graph = qs_graph_load (path, QS_GRAPH_LOAD_DEFAULT, &error);
  g_assert_no_error (error);
  json = qs_graph_to_json (graph, &len);
  again = qs_graph_load_from_data (json, len, path, QS_GRAPH_LOAD_NO_WEIGHTS, &error);
  g_assert_no_error (error);
  dump = qs_graph_dump (graph);
  dump2 = qs_graph_dump (again);
  g_assert_cmpstr (dump, ==, dump2);
  /* Writing is a fixed point after one round. */
  json2 = qs_graph_to_json (again, NULL);
  g_assert_cmpstr (json, ==, json2);
}

static void
test_golden_dump (gconstpointer data)
{
  const char *name = data;
  g_autofree char *path = model_path (name);
  g_autofree char *golden_name = g_strdup_printf ("%s.dump", name);
  g_autofree char *golden = g_build_filename (g_getenv ("G_TEST_SRCDIR"), "engine", "golden",
                                              golden_name, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(QsGraph) graph = NULL;
  g_autofree char *dump = NULL;
  g_autofree char *expected = NULL;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("model file not generated");
      return;
    }
  graph = qs_graph_load (path, QS_GRAPH_LOAD_NO_WEIGHTS, &error);
  g_assert_no_error (error);
  dump = qs_graph_dump (graph);
  if (g_getenv ("QS_UPDATE_GOLDEN"))
    {
      g_file_set_contents (golden, dump, -1, &error);
      g_assert_no_error (error);
    }
  g_file_get_contents (golden, &expected, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dump, ==, expected);
}

static void
test_demo_contents (void)
{
  g_autofree char *path = model_path ("retinanet-demo");
  g_autoptr(GError) error = NULL;
  g_autoptr(QsGraph) graph = NULL;
  g_autoptr(QsGraphSummary) s = NULL;
  gboolean found_method = FALSE;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("demo not generated");
      return;
    }
  graph = qs_graph_load (path, QS_GRAPH_LOAD_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_nonnull (graph->weights);
  s = qs_graph_summarize (graph);
  g_assert_cmpuint (s->op_counts[QS_OP_CONV2D], >, 10);
  g_assert_cmpuint (s->total_macs, >, 0);
  g_assert_cmpuint (s->total_params, >, 0);
  for (QsId w = 0; w < graph->n_wrapped; w++)
    if (graph->wrapped[w].kind == QS_WRAP_METHOD)
      {
        found_method = TRUE;
        g_assert_cmpuint (graph->wrapped[w].n_modules, >=, 2);
      }
  g_assert_true (found_method);
}

static void
test_resnet18_numbers (void)
{
  g_autofree char *path = model_path ("resnet18");
  g_autoptr(GError) error = NULL;
  g_autoptr(QsGraph) graph = NULL;
  g_autoptr(QsGraphSummary) s = NULL;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("resnet18 not generated");
      return;
    }
  graph = qs_graph_load (path, QS_GRAPH_LOAD_DEFAULT, &error);
  g_assert_no_error (error);
  s = qs_graph_summarize (graph);
  /* torchvision resnet18: 11,689,512 parameters, 1.814 GMACs at 224x224 */
  g_assert_cmpuint (s->total_params, ==, 11689512);
  g_assert_cmpuint (s->total_macs, >=, 1810000000);
  g_assert_cmpuint (s->total_macs, <=, 1820000000);
  g_assert_cmpuint (s->op_counts[QS_OP_CONV2D], ==, 20);
  g_assert_cmpuint (s->op_counts[QS_OP_ADD], ==, 8);
  g_assert_cmpuint (s->op_counts[QS_OP_UNKNOWN], ==, 0);
}

/* Each tests/engine/bad-graphs/NAME.json has NAME.err: the error code name
 * on the first line, then substrings the message must contain. */
static void
test_bad_input (gconstpointer data)
{
  const char *json_path = data;
  g_autofree char *err_path = g_strdup (json_path);
  g_autofree char *expected = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(QsGraph) graph = NULL;
  static const char *codes[] = {
    "IO", "PARSE", "VERSION", "INVALID", "DANGLING", "CYCLE", "SHAPE", "WEIGHTS",
    "OVERFLOW", "UNSUPPORTED",
  };
  int code = -1;

  strcpy (err_path + strlen (err_path) - strlen (".json"), ".err");
  g_file_get_contents (err_path, &expected, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (g_strstrip (expected), "\n", -1);
  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    if (strcmp (lines[0], codes[i]) == 0)
      code = i;
  g_assert_cmpint (code, >=, 0);

  graph = qs_graph_load (json_path, QS_GRAPH_LOAD_DEFAULT, &error);
  g_assert_null (graph);
  g_assert_nonnull (error);
  if (g_test_verbose ())
    g_printerr ("%s\n", error->message);
  g_assert_error (error, QS_ERROR, code);
  /* Every message names the file. */
  g_assert_nonnull (strstr (error->message, json_path));
  for (guint i = 1; lines[i] != NULL; i++)
    if (*lines[i] && strstr (error->message, lines[i]) == NULL)
      g_error ("%s: message “%s” lacks “%s”", json_path, error->message, lines[i]);
}

static void
test_unknown_op_kept (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("G_TEST_SRCDIR"), "engine",
                                            "good-graphs", "unknown-op.qsgraph.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(QsGraph) graph = qs_graph_load (path, QS_GRAPH_LOAD_DEFAULT, &error);
  g_autoptr(QsGraphSummary) s = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (graph->nodes[1].op, ==, QS_OP_UNKNOWN);
  s = qs_graph_summarize (graph);
  g_assert_cmpuint (s->warnings->len, ==, 2);
  g_assert_nonnull (strstr (s->warnings->pdata[0], "my_lib.custom_op"));
  g_assert_nonnull (strstr (s->warnings->pdata[1], "called 2 times"));
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
  g_autofree char *bad_dir = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (models); i++)
    {
      g_autofree char *rt = g_strdup_printf ("/graph-json/round-trip/%s", models[i]);
      g_autofree char *gd = g_strdup_printf ("/graph-json/golden/%s", models[i]);

      g_test_add_data_func (rt, models[i], test_round_trip);
      g_test_add_data_func (gd, models[i], test_golden_dump);
    }
  g_test_add_func ("/graph-json/demo-contents", test_demo_contents);
  g_test_add_func ("/graph-json/resnet18-numbers", test_resnet18_numbers);
  g_test_add_func ("/graph-json/unknown-op-kept", test_unknown_op_kept);

  bad_dir = g_build_filename (g_getenv ("G_TEST_SRCDIR"), "engine", "bad-graphs", NULL);
  dir = g_dir_open (bad_dir, 0, NULL);
  g_assert_nonnull (dir);
  for (const char *n; (n = g_dir_read_name (dir)) != NULL;)
    if (g_str_has_suffix (n, ".json"))
      g_ptr_array_add (names, g_strdup (n));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *test_name = g_strdup_printf ("/graph-json/bad/%s",
                                                    (char *) names->pdata[i]);

      g_test_add_data_func_full (test_name,
                                 g_build_filename (bad_dir, names->pdata[i], NULL),
                                 test_bad_input, g_free);
    }
  return g_test_run ();
}
