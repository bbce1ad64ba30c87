/* test-project.c: project files: round trips, golden XML, migration, the
 * bad-input corpus (malformed, schema, XXE, entity bombs, huge, versions),
 * graph checks, decisions, and saving killed half way.
 *
 * QS_UPDATE_GOLDEN=1 rewrites tests/engine/projects/full.qsproj. */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "qs-error.h"
#include "qs-graph-json.h"
#include "qs-project.h"

static char *
source_path (const char *rel)
{
  const char *root = g_getenv ("QS_SOURCE_DIR");

  return g_build_filename (root ? root : QS_SOURCE_DIR, rel, NULL);
}

static char *
read_text (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_assert_no_error (error);
  return text;
}

static void
add_rule (QsProject   *p,
          QsRuleLevel  level,
          const char  *pattern,
          guint        fields,
          QsQconfig    values)
{
  g_autoptr(GError) error = NULL;
  QsRule r = { .level = level, .pattern = (char *) pattern, .fields = fields,
               .values = values };

  g_assert_true (qs_rule_set_add (p->rules, &r, &error));
  g_assert_no_error (error);
}

#define F(f) (1u << QS_QFIELD_##f)

/* A project using every feature of the format. */
static QsProject *
full_project (void)
{
  QsProject *p = qs_project_new (QS_QKIND_CALIBRATION);
  QsRule ov = { .level = QS_RULE_NODE, .pattern = "head_cls_out", .fields = F (ACTIVATION),
                .values = { .activation = QS_QDTYPE_QINT16 } };
  QsRule ov2 = { .level = QS_RULE_NODE, .pattern = "backbone_stem_0",
                 .fields = F (WEIGHT) | F (PER_CHANNEL),
                 .values = { .weight = QS_QDTYPE_QINT16, .per_channel = FALSE } };
  QsDecision *d;

  p->graph_path = g_strdup ("../../../data/models/retinanet-demo.qsgraph.json");
  p->graph_sha256 = g_strdup ("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  p->march = QS_MARCH_NASH_P;
  g_assert_true (qs_rule_set_add_template (p->rules, "default_calibration", NULL));
  add_rule (p, QS_RULE_GLOBAL, NULL, F (OBSERVER), (QsQconfig) { .observer = QS_OBSERVER_MSE });
  g_assert_true (qs_rule_set_add_template (p->rules, "sensitive_int16", NULL));
  add_rule (p, QS_RULE_OP, "conv2d", F (WEIGHT) | F (PER_CHANNEL),
            (QsQconfig) { .weight = QS_QDTYPE_QINT8, .per_channel = TRUE });
  add_rule (p, QS_RULE_OP, "torch.nn.ReLU", F (KIND),
            (QsQconfig) { .kind = QS_QKIND_CALIBRATION });
  add_rule (p, QS_RULE_PREFIX, "head", F (OBSERVER) | F (PERCENTILE),
            (QsQconfig) { .observer = QS_OBSERVER_PERCENTILE, .percentile = 99.99 });
  add_rule (p, QS_RULE_REGEX, "(cls|reg)_out$ & <\"quoted\">", F (ACTIVATION),
            (QsQconfig) { .activation = QS_QDTYPE_FP16 });
  add_rule (p, QS_RULE_NODE, "neck_output_0", F (OBSERVER) | F (FIXED_SCALE),
            (QsQconfig) { .observer = QS_OBSERVER_FIXED_SCALE, .fixed_scale = 1.0 / 3.0 });
  g_assert_true (qs_project_set_override (p, &ov, NULL));
  g_assert_true (qs_project_set_override (p, &ov2, NULL));
  qs_project_set_region_note (p, "_post_process", "NMS on the CPU.\nTwo lines & <tags>.");
  qs_project_set_annotation (p, "head_cls_out", "int16: low scores matter");
  qs_project_set_annotation (p, "backbone_stem_0", "  leading spaces, \"quotes\", tab\there");
  p->calib.kind = QS_CALIB_DATA_IMAGES;
  p->calib.path = g_strdup ("calib/images");
  p->calib.width = 320;
  p->calib.height = 256;
  p->calib.n_channels = 3;
  memcpy (p->calib.mean, (double[]) { 0.485, 0.456, 0.406 }, 3 * sizeof (double));
  memcpy (p->calib.std, (double[]) { 0.229, 0.224, 0.225 }, 3 * sizeof (double));
  p->calib.batches = 8;
  p->output_dir = g_strdup ("out/demo");
  p->outputs = QS_OUTPUT_MODEL | QS_OUTPUT_JSON_REPORT | QS_OUTPUT_HTML_REPORT
               | QS_OUTPUT_PREPARED_GRAPH;
  for (guint i = 0; i < 2; i++)
    {
      QsProjectNode *n = g_new0 (QsProjectNode, 1);

      n->name = g_strdup (i == 0 ? "data" : "backbone_stem_0");
      n->op = g_strdup (i == 0 ? "input" : "conv2d");
      n->target = g_strdup (i == 0 ? "data" : "backbone.stem.0");
      g_ptr_array_add (p->graph_nodes, n);
    }
  p->last_run = g_ptr_array_new_with_free_func ((GDestroyNotify) qs_decision_free);
  p->last_run_march = QS_MARCH_NASH_P;
  d = g_new0 (QsDecision, 1);
  d->node = g_strdup ("backbone_stem_0");
  d->activation = QS_QDTYPE_QINT8;
  d->weight = QS_QDTYPE_QINT16;
  d->replaced = g_strdup ("calib.conv2d_batch_norm_relu");
  g_ptr_array_add (p->last_run, d);
  d = g_new0 (QsDecision, 1);
  d->node = g_strdup ("_post_process");
  d->activation = QS_QDTYPE_FLOAT;
  d->weight = QS_QDTYPE_QINT8;
  g_ptr_array_add (p->last_run, d);
  return p;
}

static void
assert_round_trip (const char *xml,
                   gsize       len,
                   const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QsProject) p = qs_project_load_from_data (xml, len, name, &error);
  g_autofree char *again = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (p);
  again = qs_project_to_xml (p, NULL);
  g_assert_cmpstr (again, ==, xml);
}

static void
test_golden (void)
{
  g_autoptr(QsProject) p = full_project ();
  g_autofree char *golden_path = source_path ("tests/engine/projects/full.qsproj");
  g_autofree char *xml = qs_project_to_xml (p, NULL);
  g_autofree char *golden = NULL;

  if (g_getenv ("QS_UPDATE_GOLDEN"))
    g_assert_true (g_file_set_contents (golden_path, xml, -1, NULL));
  golden = read_text (golden_path);
  g_assert_cmpstr (xml, ==, golden);
  assert_round_trip (golden, strlen (golden), golden_path);
}

/* save -> load -> save gives the same bytes, for every calibration kind
 * and for a project with nothing optional. */
static void
test_round_trip_files (void)
{
  g_autofree char *dir = g_dir_make_tmp ("qs-project-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "p.qsproj", NULL);

  for (guint variant = 0; variant < 4; variant++)
    {
      g_autoptr(QsProject) p = variant == 3 ? qs_project_new (QS_QKIND_QAT) : full_project ();
      g_autoptr(QsProject) q = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *first = NULL, *second = NULL, *third = NULL;

      if (variant == 1)
        {
          p->calib.kind = QS_CALIB_DATA_FILE;
          g_free (p->calib.path);
          p->calib.path = g_strdup ("calib/inputs.safetensors");
        }
      else if (variant == 2)
        {
          p->calib.kind = QS_CALIB_DATA_SYNTHETIC;
          p->calib.seed = G_MAXUINT64;
          p->calib.count = 64;
        }
      else if (variant == 3)
        p->graph_path = g_strdup ("g.qsgraph.json");
      g_assert_true (qs_project_save (p, path, &error));
      g_assert_no_error (error);
      first = read_text (path);
      q = qs_project_load (path, QS_PROJECT_LOAD_NO_GRAPH, &error);
      g_assert_no_error (error);
      g_assert_true (qs_project_save (q, path, &error));
      second = read_text (path);
      g_assert_cmpstr (first, ==, second);
      third = qs_project_to_xml (q, NULL);
      g_assert_cmpstr (third, ==, first);
      g_assert_cmpint (q->calib.kind, ==, p->calib.kind);
      g_assert_cmpuint (q->calib.seed, ==, p->calib.seed);
      g_assert_cmpuint (qs_rule_set_get_n_rules (q->rules), ==,
                        qs_rule_set_get_n_rules (p->rules));
    }
  g_remove (path);
  g_rmdir (dir);
}

/* What a loaded project holds, field by field. */
static void
test_load_fields (void)
{
  g_autofree char *path = source_path ("tests/engine/projects/full.qsproj");
  g_autoptr(GError) error = NULL;
  g_autoptr(QsProject) p = qs_project_load (path, QS_PROJECT_LOAD_NO_GRAPH, &error);
  g_autoptr(QsRuleSet) all = NULL;
  const QsRule *r;

  g_assert_no_error (error);
  g_assert_cmpint (p->march, ==, QS_MARCH_NASH_P);
  g_assert_cmpuint (qs_rule_set_get_n_rules (p->rules), ==, 8);
  r = qs_rule_set_get_rule (p->rules, 6);
  g_assert_cmpint (r->level, ==, QS_RULE_REGEX);
  g_assert_cmpstr (r->pattern, ==, "(cls|reg)_out$ & <\"quoted\">");
  r = qs_rule_set_get_rule (p->rules, 7);
  g_assert_cmpfloat (r->values.fixed_scale, ==, 1.0 / 3.0);
  g_assert_cmpfloat (qs_rule_set_get_rule (p->rules, 5)->values.percentile, ==, 99.99);
  all = qs_project_dup_rule_set (p);
  g_assert_cmpuint (qs_rule_set_get_n_rules (all), ==, 10);
  g_assert_cmpint (qs_rule_set_get_rule (all, 9)->level, ==, QS_RULE_NODE);
  g_assert_cmpstr (g_hash_table_lookup (p->region_notes, "_post_process"), ==,
                   "NMS on the CPU.\nTwo lines & <tags>.");
  g_assert_cmpstr (g_hash_table_lookup (p->annotations, "backbone_stem_0"), ==,
                   "  leading spaces, \"quotes\", tab\there");
  g_assert_cmpfloat (p->calib.std[2], ==, 0.225);
  g_assert_cmpuint (p->outputs, ==, 0xf);
  g_assert_cmpuint (p->last_run->len, ==, 2);
  g_assert_null (((QsDecision *) p->last_run->pdata[1])->replaced);
}

static void
test_migration (void)
{
  g_autofree char *v0 = source_path ("tests/engine/projects/v0.qsproj");
  g_autofree char *v1 = source_path ("tests/engine/projects/v0-migrated.qsproj");
  g_autofree char *expected = read_text (v1);
  g_autoptr(GError) error = NULL;
  g_autoptr(QsProject) p = qs_project_load (v0, QS_PROJECT_LOAD_DEFAULT, &error);
  g_autofree char *xml = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (p->loaded_version, ==, 0);
  g_assert_cmpint (qs_rule_set_get_kind (p->rules), ==, QS_QKIND_QAT);
  xml = qs_project_to_xml (p, NULL);
  g_assert_cmpstr (xml, ==, expected);
}

/* Every file of the corpus fails with the message in its .err file, fast,
 * and never shows what an external entity points to. */
static void
test_bad_corpus (void)
{
  g_autofree char *dir_path = source_path ("tests/engine/projects/bad");
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL, *err_path = NULL, *expected = NULL, *stem = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(QsProject) p = NULL;
      gint64 start;

      if (!g_str_has_suffix (name, ".qsproj"))
        continue;
      path = g_build_filename (dir_path, name, NULL);
      stem = g_strndup (name, strlen (name) - strlen (".qsproj"));
      err_path = g_strdup_printf ("%s/%s.err", dir_path, stem);
      expected = g_strstrip (read_text (err_path));
      start = g_get_monotonic_time ();
      p = qs_project_load (path, QS_PROJECT_LOAD_NO_GRAPH, &error);
      g_test_message ("%s: %s", name, error ? error->message : "(loaded)");
      g_assert_null (p);
      g_assert_error (error, QS_ERROR, error->code);
      g_assert_nonnull (strstr (error->message, expected));
      g_assert_null (strstr (error->message, "root:"));
      /* the billion laughs fail as fast as the rest */
      g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
      n++;
    }
  g_assert_cmpuint (n, >=, 20);
}

static void
test_huge (void)
{
  g_autofree char *dir = g_dir_make_tmp ("qs-project-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "huge.qsproj", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(QsProject) p = NULL;
  FILE *f = fopen (path, "w");

  g_assert_nonnull (f);
  /* A sparse file: 1 GiB that costs no disk; it must not be read. */
  g_assert_cmpint (fputs ("<?xml version=\"1.0\"?>\n<project version=\"1\">", f), >=, 0);
  g_assert_cmpint (fseek (f, (long) 1 << 30, SEEK_SET), ==, 0);
  g_assert_cmpint (fputs ("</project>\n", f), >=, 0);
  fclose (f);
  p = qs_project_load (path, QS_PROJECT_LOAD_NO_GRAPH, &error);
  g_assert_null (p);
  g_assert_error (error, QS_ERROR, QS_ERROR_OVERFLOW);
  g_assert_nonnull (strstr (error->message, "over the limit"));
  g_clear_error (&error);
  /* from memory too */
  p = qs_project_load_from_data ("<project/>", QS_PROJECT_MAX_FILE_SIZE + 1, "mem.qsproj",
                                 &error);
  g_assert_error (error, QS_ERROR, QS_ERROR_OVERFLOW);
  g_remove (path);
  g_rmdir (dir);
}

/* A project next to a copy of the demo graph. */
static char *
project_on_copy (const char  *dir,
                 const char  *model,
                 QsProject  **out)
{
  g_autofree char *src = source_path (model);
  g_autofree char *graph_file = g_build_filename (dir, "model.qsgraph.json", NULL);
  g_autofree char *text = read_text (src);
  g_autoptr(GError) error = NULL;
  g_autoptr(QsGraph) graph = NULL;
  char *path = g_build_filename (dir, "p.qsproj", NULL);
  QsProject *p = qs_project_new (QS_QKIND_CALIBRATION);

  g_assert_true (g_file_set_contents (graph_file, text, -1, NULL));
  graph = qs_graph_load (graph_file, QS_GRAPH_LOAD_NO_WEIGHTS | QS_GRAPH_LOAD_NO_VERIFY,
                         &error);
  g_assert_no_error (error);
  p->filename = g_strdup (path);
  p->march = QS_MARCH_NASH_E;
  g_assert_true (qs_project_set_graph (p, graph_file, graph, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (p->graph_path, ==, "model.qsgraph.json");
  *out = p;
  return path;
}

static void
test_missing_graph (void)
{
  g_autofree char *dir = g_dir_make_tmp ("qs-project-XXXXXX", NULL);
  g_autoptr(QsProject) p = NULL, q = NULL;
  g_autofree char *path = project_on_copy (dir, "data/models/retinanet-demo.qsgraph.json", &p);
  g_autofree char *graph_file = g_build_filename (dir, "model.qsgraph.json", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (qs_project_save (p, path, &error));
  g_remove (graph_file);
  q = qs_project_load (path, QS_PROJECT_LOAD_DEFAULT, &error);
  g_assert_null (q);
  g_assert_error (error, QS_ERROR, QS_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "“model.qsgraph.json”"));
  g_assert_nonnull (strstr (error->message, "does not exist"));
  g_remove (path);
  g_rmdir (dir);
}

static gboolean
has_warning (QsProject            *p,
             QsProjectWarningKind  kind,
             const char           *node)
{
  for (guint i = 0; i < p->warnings->len; i++)
    {
      QsProjectWarning *w = p->warnings->pdata[i];

      if (w->kind == kind && g_strcmp0 (w->node, node) == 0)
        return TRUE;
    }
  return FALSE;
}

/* The graph file is replaced by another model: the project still opens,
 * with warnings naming the vanished nodes and the notes left dangling. */
static void
test_changed_graph (void)
{
  g_autofree char *dir = g_dir_make_tmp ("qs-project-XXXXXX", NULL);
  g_autoptr(QsProject) p = NULL, q = NULL;
  g_autofree char *path = project_on_copy (dir, "data/models/retinanet-demo.qsgraph.json", &p);
  g_autofree char *graph_file = g_build_filename (dir, "model.qsgraph.json", NULL);
  g_autofree char *other = source_path ("data/models/resnet18.qsgraph.json");
  g_autofree char *other_text = read_text (other);
  g_autoptr(GError) error = NULL;
  QsRule ov = { .level = QS_RULE_NODE, .pattern = "head_cls_out", .fields = F (ACTIVATION),
                .values = { .activation = QS_QDTYPE_QINT16 } };

  qs_project_set_annotation (p, "backbone_stem_0", "raw pixels");
  g_assert_true (qs_project_set_override (p, &ov, NULL));
  g_assert_true (qs_project_save (p, path, &error));
  /* unchanged: no warnings */
  q = qs_project_load (path, QS_PROJECT_LOAD_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (q->warnings->len, ==, 0);
  g_clear_pointer (&q, qs_project_free);

  g_assert_true (g_file_set_contents (graph_file, other_text, -1, NULL));
  q = qs_project_load (path, QS_PROJECT_LOAD_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_nonnull (q);
  g_assert_true (has_warning (q, QS_PROJECT_WARNING_GRAPH_CHANGED, NULL));
  g_assert_true (has_warning (q, QS_PROJECT_WARNING_NODE_VANISHED, "backbone_stem_0"));
  g_assert_true (has_warning (q, QS_PROJECT_WARNING_NODE_VANISHED, "head_cls_out"));
  g_assert_true (has_warning (q, QS_PROJECT_WARNING_DANGLING, "backbone_stem_0"));
  g_assert_true (has_warning (q, QS_PROJECT_WARNING_DANGLING, "head_cls_out"));
  /* the output node is in both models and unchanged */
  g_assert_false (has_warning (q, QS_PROJECT_WARNING_NODE_VANISHED, "output"));
  g_remove (graph_file);
  g_remove (path);
  g_rmdir (dir);
}

static void
test_decisions (void)
{
  g_autofree char *path = source_path ("data/demo.qsproj");
  g_autoptr(GError) error = NULL;
  g_autoptr(QsProject) p = qs_project_load (path, QS_PROJECT_LOAD_DEFAULT, &error);
  g_autoptr(QsGraph) graph = NULL;
  g_autoptr(GPtrArray) now = NULL, changes = NULL, changes2 = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (p->warnings->len, ==, 0);
  graph = qs_project_load_graph (p, FALSE, &error);
  g_assert_no_error (error);
  qs_project_check_rules (p, graph);
  g_assert_cmpuint (p->warnings->len, ==, 0);
  now = qs_project_decide (p, graph, &error);
  g_assert_no_error (error);
  changes = qs_project_diff_decisions (p->last_run, now);
  g_assert_cmpuint (changes->len, ==, 0);
  /* drop the override of the stem: its decision changes */
  qs_rule_set_remove (p->overrides, 0);
  g_clear_pointer (&now, g_ptr_array_unref);
  now = qs_project_decide (p, graph, &error);
  changes2 = qs_project_diff_decisions (p->last_run, now);
  g_assert_cmpuint (changes2->len, ==, 1);
  g_assert_cmpstr (changes2->pdata[0], ==,
                   "backbone_stem_0: qint16/qint8 calib.conv2d_batch_norm_relu -> "
                   "qint8/qint8 calib.conv2d_batch_norm_relu");
}

/* The child saves a large project again and again; it is killed at a random
 * moment. The file must be the old or the new version, complete. */
static void
test_kill_while_saving (void)
{
  g_autofree char *dir = g_dir_make_tmp ("qs-project-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "big.qsproj", NULL);
  g_autoptr(QsProject) a = full_project ();
  g_autofree char *xml_a = NULL, *xml_b = NULL;
  g_autoptr(GError) error = NULL;
  GRand *rand = g_rand_new_with_seed (42);

  for (guint i = 0; i < 40000; i++)
    {
      QsProjectNode *n = g_new0 (QsProjectNode, 1);

      n->name = g_strdup_printf ("node_%u", i);
      n->op = g_strdup ("conv2d");
      n->target = g_strdup_printf ("backbone.layer.%u.conv", i);
      g_ptr_array_add (a->graph_nodes, n);
    }
  xml_a = qs_project_to_xml (a, NULL);
  qs_project_set_annotation (a, "head_cls_out", "version B");
  xml_b = qs_project_to_xml (a, NULL);
  qs_project_set_annotation (a, "head_cls_out", "int16: low scores matter");
  g_assert_cmpuint (strlen (xml_a), >, 2u << 20);
  g_assert_true (qs_project_save (a, path, &error));

  for (guint round = 0; round < 12; round++)
    {
      g_autofree char *text = NULL;
      g_autoptr(QsProject) back = NULL;
      int status;
      pid_t pid = fork ();

      g_assert_cmpint (pid, >=, 0);
      if (pid == 0)
        {
          for (guint i = 0;; i++)
            {
              qs_project_set_annotation (a, "head_cls_out",
                                         i % 2 ? "int16: low scores matter" : "version B");
              if (!qs_project_save (a, path, NULL))
                _exit (3);
            }
        }
      g_usleep (g_rand_int_range (rand, 5000, 120000));
      kill (pid, SIGKILL);
      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
      g_assert_true (WIFSIGNALED (status));
      text = read_text (path);
      g_assert_true (strcmp (text, xml_a) == 0 || strcmp (text, xml_b) == 0);
      back = qs_project_load (path, QS_PROJECT_LOAD_NO_GRAPH, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (back->graph_nodes->len, ==, 40002);
    }
  g_rand_free (rand);
  /* the temporary files of killed saves may stay behind: clean up */
  {
    g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
    const char *name;

    while ((name = g_dir_read_name (d)) != NULL)
      {
        g_autofree char *f = g_build_filename (dir, name, NULL);

        g_remove (f);
      }
  }
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/project/golden", test_golden);
  g_test_add_func ("/project/round-trip-files", test_round_trip_files);
  g_test_add_func ("/project/load-fields", test_load_fields);
  g_test_add_func ("/project/migration-v0", test_migration);
  g_test_add_func ("/project/bad-corpus", test_bad_corpus);
  g_test_add_func ("/project/huge", test_huge);
  g_test_add_func ("/project/missing-graph", test_missing_graph);
  g_test_add_func ("/project/changed-graph", test_changed_graph);
  g_test_add_func ("/project/decisions", test_decisions);
  g_test_add_func ("/project/kill-while-saving", test_kill_while_saving);
  return g_test_run ();
}
