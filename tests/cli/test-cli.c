/* test-cli.c: quantscope-cli as a user runs it */
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
  return g_test_run ();
}
