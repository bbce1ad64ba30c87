/* test-cli.c: quantscope-cli as a user runs it */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

static const char *cli_path;

static int
run (const char * const *args,
     char              **out,
     char              **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_ptr_array_add (argv, (gpointer) cli_path);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, err,
                &status, &error);
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static char *
source_path (const char *rel)
{
  return g_build_filename (g_getenv ("QS_SOURCE_DIR"), rel, NULL);
}

static void
test_inspect_text (void)
{
  g_autofree char *demo = source_path ("data/models/retinanet-demo.qsgraph.json");
  const char *args[] = { "inspect", demo, NULL };
  g_autofree char *out = NULL, *err = NULL;

  g_assert_cmpint (run (args, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "wrapped regions (1)"));
  g_assert_nonnull (strstr (out, "_post_process"));
  g_assert_nonnull (strstr (out, "is called 3 times"));
  g_assert_nonnull (strstr (out, "conv2d"));
  g_assert_nonnull (strstr (out, "weights loaded"));
}

static void
test_inspect_json (void)
{
  g_autofree char *path = source_path ("data/models/resnet18.qsgraph.json");
  const char *args[] = { "inspect", "--json", path, NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root, *by_op;

  g_assert_cmpint (run (args, &out, &err), ==, 0);
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_object_get_int_member (root, "params"), ==, 11689512);
  by_op = json_object_get_object_member (root, "nodes_by_op");
  g_assert_cmpint (json_object_get_int_member (by_op, "conv2d"), ==, 20);
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (root, "warnings")), ==, 0);
}

static void
test_inspect_bad_file (void)
{
  g_autofree char *bad = source_path ("tests/engine/bad-graphs/cycle.json");
  const char *args[] = { "inspect", bad, NULL };
  g_autofree char *out = NULL, *err = NULL;

  g_assert_cmpint (run (args, &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "cycle.json"));
  g_assert_nonnull (strstr (err, "cycle"));
  g_assert_cmpstr (out, ==, "");
}

static void
test_usage_errors (void)
{
  const char *none[] = { NULL };
  const char *unknown[] = { "frobnicate", NULL };
  const char *missing[] = { "inspect", NULL };
  const char *help[] = { "--help", NULL };
  g_autofree char *o1 = NULL, *e1 = NULL, *o2 = NULL, *e2 = NULL, *o3 = NULL, *e3 = NULL;
  g_autofree char *o4 = NULL, *e4 = NULL;

  g_assert_cmpint (run (none, &o1, &e1), ==, 2);
  g_assert_cmpint (run (unknown, &o2, &e2), ==, 2);
  g_assert_nonnull (strstr (e2, "frobnicate"));
  g_assert_cmpint (run (missing, &o3, &e3), ==, 2);
  g_assert_cmpint (run (help, &o4, &e4), ==, 0);
  g_assert_nonnull (strstr (o4, "inspect"));
}

static void
test_dump (void)
{
  g_autofree char *path = source_path ("data/models/resnet18.qsgraph.json");
  g_autofree char *golden = source_path ("tests/engine/golden/resnet18.dump");
  const char *args[] = { "inspect", "--dump", path, NULL };
  g_autofree char *out = NULL, *err = NULL, *expected = NULL;

  g_assert_cmpint (run (args, &out, &err), ==, 0);
  g_assert_true (g_file_get_contents (golden, &expected, NULL, NULL));
  g_assert_cmpstr (out, ==, expected);
}

static void
test_prepare (void)
{
  g_autofree char *demo = source_path ("data/models/retinanet-demo.qsgraph.json");
  g_autofree char *dir = g_dir_make_tmp ("qs-cli-XXXXXX", NULL);
  g_autofree char *rules = g_build_filename (dir, "rules.json", NULL);
  g_autofree char *saved = g_build_filename (dir, "prepared.qsgraph.json", NULL);
  const char *no_march[] = { "prepare", demo, NULL };
  const char *bad_march[] = { "prepare", "--march", "nash-x", demo, NULL };
  const char *ok[] = { "prepare", "--march", "nash-e", "--rules", rules, "--json", "-o", saved,
                       demo, NULL };
  const char *again[] = { "prepare", "--march", "nash-e", saved, NULL };
  g_autofree char *o1 = NULL, *e1 = NULL, *o2 = NULL, *e2 = NULL, *o3 = NULL, *e3 = NULL;
  g_autofree char *o4 = NULL, *e4 = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;
  JsonArray *nodes;
  gboolean found = FALSE;

  g_assert_cmpint (run (no_march, &o1, &e1), ==, 1);
  g_assert_nonnull (strstr (e1, "needs the target march"));
  g_assert_cmpint (run (bad_march, &o2, &e2), ==, 2);
  g_assert_nonnull (strstr (e2, "nash-x"));

  g_file_set_contents (rules, "{\"templates\": [\"default_calibration\"], \"rules\": "
                              "[{\"prefix\": \"neck\", \"activation\": \"qint16\"}]}",
                       -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run (ok, &o3, &e3), ==, 0);
  json_parser_load_from_data (parser, o3, -1, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "march"), ==, "nash-e");
  nodes = json_object_get_array_member (root, "nodes");
  for (guint i = 0; i < json_array_get_length (nodes); i++)
    {
      JsonObject *n = json_array_get_object_element (nodes, i);

      if (g_strcmp0 (json_object_get_string_member (n, "name"), "neck_output_0") == 0)
        {
          JsonObject *q = json_object_get_object_member (n, "qconfig");

          g_assert_cmpstr (json_object_get_string_member (q, "activation"), ==, "qint16");
          g_assert_nonnull (strstr (json_object_get_string_member (n, "set_by"), "prefix neck"));
          found = TRUE;
        }
    }
  g_assert_true (found);
  /* The saved prepared graph can't be prepared twice. */
  g_assert_cmpint (run (again, &o4, &e4), ==, 1);
  g_assert_nonnull (strstr (e4, "already prepared"));
  g_unlink (rules);
  g_unlink (saved);
  g_rmdir (dir);
}

static void
test_fuse (void)
{
  g_autofree char *path = source_path ("data/models/retinanet-demo.qsgraph.json");
  const char *args[] = { "fuse", "--json", path, NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;

  g_assert_cmpint (run (args, &out, &err), ==, 0);
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (root, "groups")), >, 10);
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (root, "near_misses")),
                   >, 0);
  g_assert_cmpint (json_object_get_int_member (root, "nodes_after"), <,
                   json_object_get_int_member (root, "nodes_before"));
}

/* Two good projects and a broken one: the broken one fails alone, the
 * others write their model and reports, and the exit code says 1. */
static void
test_batch (void)
{
  g_autofree char *dir = g_dir_make_tmp ("qs-batch-XXXXXX", NULL);
  g_autofree char *demo = source_path ("data/demo.qsproj");
  g_autofree char *broken = g_build_filename (dir, "broken.qsproj", NULL);
  g_autofree char *out = g_build_filename (dir, "out", NULL);
  g_autofree char *html_path = g_build_filename (out, "demo", "demo.report.html", NULL);
  g_autofree char *json_path = g_build_filename (out, "demo", "demo.report.json", NULL);
  g_autofree char *model_path = g_build_filename (out, "demo", "demo.int.qsgraph.json", NULL);
  g_autofree char *summary_path = g_build_filename (out, "summary.json", NULL);
  g_autofree char *html = NULL, *o = NULL, *e = NULL;
  const char *args[] = { "batch", "-j", "2", "-b", "2", "-o", out, demo, broken, NULL };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;
  JsonArray *projects;

  g_file_set_contents (broken, "<project version=\"1\" march=\"nash-e\" "
                               "qconfig=\"calibration\"><graph "
                               "href=\"missing.qsgraph.json\"/></project>", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run (args, &o, &e), ==, 1);
  g_assert_nonnull (strstr (o, "FAILED"));
  g_assert_nonnull (strstr (o, "broken.qsproj"));
  g_assert_true (g_file_test (model_path, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_get_contents (html_path, &html, NULL, NULL));
  g_assert_nonnull (strstr (html, "<svg"));
  g_assert_nonnull (strstr (html, "head_cls_out"));
  json_parser_load_from_file (parser, json_path, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "march"), ==, "nash-e");
  g_assert_cmpfloat (json_object_get_double_member (
                       json_object_get_object_member (root, "latency"), "total_ms"), >, 0);
  json_parser_load_from_file (parser, summary_path, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_object_get_int_member (root, "failed"), ==, 1);
  projects = json_object_get_array_member (root, "projects");
  g_assert_cmpuint (json_array_get_length (projects), ==, 2);
  g_assert_true (json_object_get_boolean_member (json_array_get_object_element (projects, 0),
                                                 "ok"));
  g_assert_nonnull (strstr (json_object_get_string_member (
                              json_array_get_object_element (projects, 1), "error"),
                            "missing.qsgraph.json"));
}

static void
test_batch_json_progress (void)
{
  g_autofree char *dir = g_dir_make_tmp ("qs-batch-XXXXXX", NULL);
  g_autofree char *demo = source_path ("data/demo.qsproj");
  const char *args[] = { "batch", "--json", "-b", "1", "-o", dir, demo, NULL };
  g_autofree char *o = NULL, *e = NULL;
  g_auto(GStrv) lines = NULL;
  guint n_progress = 0;
  gboolean summary = FALSE;

  g_assert_cmpint (run (args, &o, &e), ==, 0);
  lines = g_strsplit (g_strstrip (o), "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      const char *event;

      json_parser_load_from_data (parser, lines[i], -1, &error);
      g_assert_no_error (error);
      event = json_object_get_string_member (json_node_get_object (
                                               json_parser_get_root (parser)), "event");
      n_progress += g_strcmp0 (event, "progress") == 0;
      summary |= g_strcmp0 (event, "summary") == 0;
    }
  g_assert_cmpuint (n_progress, >=, 7);
  g_assert_true (summary);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  /* meson passes the freshly built binary: --cli PATH */
  for (int i = 1; i + 1 < argc; i++)
    if (strcmp (argv[i], "--cli") == 0)
      cli_path = argv[i + 1];
  g_assert_nonnull (cli_path);
  g_test_add_func ("/cli/inspect-text", test_inspect_text);
  g_test_add_func ("/cli/inspect-json", test_inspect_json);
  g_test_add_func ("/cli/inspect-bad-file", test_inspect_bad_file);
  g_test_add_func ("/cli/usage-errors", test_usage_errors);
  g_test_add_func ("/cli/dump", test_dump);
  g_test_add_func ("/cli/fuse", test_fuse);
  g_test_add_func ("/cli/prepare", test_prepare);
  g_test_add_func ("/cli/batch", test_batch);
  g_test_add_func ("/cli/batch-json-progress", test_batch_json_progress);
  return g_test_run ();
}
