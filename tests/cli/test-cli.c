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
  return g_test_run ();
}
