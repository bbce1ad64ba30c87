/* test-document.c: QsDocument opens the demo project, edits through undo,
 * runs pipeline steps off the main loop, cancels, saves and autosaves */
#include "config.h"

#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "qs-document.h"

static char *state_dir;

static char *
source_path (const char *first,
             ...)
{
  const char *srcdir = g_getenv ("QS_SOURCE_DIR");
  g_autofree char *rest = NULL;
  va_list args;

  va_start (args, first);
  rest = g_build_filename_valist (first, &args);
  va_end (args);
  return g_build_filename (srcdir ? srcdir : QS_SOURCE_DIR, rest, NULL);
}

static void
on_loaded_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GError **error = user_data;

  qs_document_load_finish (QS_DOCUMENT (source), result, error);
  if (*error == NULL)
    *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_EXISTS, "ok");
}

static void
wait_updated (QsDocument *doc)
{
  while (qs_document_get_updating (doc) || qs_document_get_busy (doc))
    g_main_context_iteration (NULL, TRUE);
}

/* Loads @path into a new document and waits for prepare and estimate. */
static QsDocument *
open_document (const char *path)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GError) error = NULL;
  QsDocument *doc = g_object_new (QS_TYPE_DOCUMENT, "autosave-dir", state_dir, NULL);

  qs_document_load_async (doc, file, NULL, on_loaded_cb, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  wait_updated (doc);
  return doc;
}

/* Tasks that just returned drop their references to the document in the
 * same main context, a little later. */
static void
finalize_document (QsDocument *doc)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (G_OBJECT (doc)->ref_count > 1 && g_get_monotonic_time () < deadline)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
  g_assert_finalize_object (doc);
}

static QsId
find_node (QsDocument *doc,
           const char *name)
{
  QsGraph *graph = qs_document_get_graph (doc);

  for (QsId i = 0; i < graph->n_nodes; i++)
    if (g_str_equal (graph->nodes[i].name, name))
      return i;
  g_assert_not_reached ();
}

static void
test_document_open_project (void)
{
  g_autofree char *path = source_path ("data", "demo.qsproj", NULL);
  QsDocument *doc = open_document (path);
  const QsQconfigMap *map;
  QsId stem;

  g_assert_true (qs_document_get_is_project (doc));
  g_assert_nonnull (qs_document_get_graph (doc));
  g_assert_cmpstr (qs_march_name (qs_document_get_march (doc)), ==, "nash-e");
  g_assert_false (qs_document_get_modified (doc));
  g_assert_nonnull (qs_document_get_estimate (doc));
  g_assert_cmpfloat (qs_document_get_estimate (doc)->total_us, >, 0);

  /* The override in the project decides the stem's activation. */
  map = qs_document_get_qconfigs (doc);
  stem = find_node (doc, "backbone_stem_0");
  g_assert_cmpint (map->nodes[stem].qconfig.activation, ==, QS_QDTYPE_QINT16);
  g_assert_cmpint (qs_qconfig_map_deciding_rule (map, stem), >=, 0);
  g_assert_cmpfloat (qs_document_get_node_time (doc, stem), >, 0);
  g_assert_nonnull (qs_document_steal_layout (doc) /* leaks nothing: */ ? (gpointer) 1 : NULL);

  finalize_document (doc);
}

static void
test_document_edit_undo (void)
{
  g_autofree char *path = source_path ("data", "demo.qsproj", NULL);
  QsDocument *doc = open_document (path);
  g_autoptr (GError) error = NULL;
  QsQconfig values = { 0 };
  double before, after;
  QsId conv;
  guint n_rules;

  conv = find_node (doc, "backbone_layer2_conv1");
  qs_document_set_selected_node (doc, conv);
  g_assert_cmpuint (qs_document_get_selected_node (doc), ==, conv);
  before = qs_document_get_estimate (doc)->total_us;
  n_rules = qs_rule_set_get_n_rules (qs_document_get_project (doc)->overrides);

  values.activation = QS_QDTYPE_QINT16;
  values.weight = QS_QDTYPE_QINT16;
  g_assert_true (qs_document_apply_qconfig (doc, QS_DOCUMENT_SCOPE_SELECTION, &conv, 1,
                                            1u << QS_QFIELD_ACTIVATION | 1u << QS_QFIELD_WEIGHT,
                                            &values, &error));
  g_assert_no_error (error);
  g_assert_true (qs_document_get_modified (doc));
  g_assert_true (qs_document_get_can_undo (doc));
  g_assert_cmpuint (qs_rule_set_get_n_rules (qs_document_get_project (doc)->overrides), ==,
                    n_rules + 1);
  wait_updated (doc);
  after = qs_document_get_estimate (doc)->total_us;
  g_assert_cmpfloat (after, >, before);
  g_assert_cmpint (qs_document_get_qconfigs (doc)->nodes[conv].qconfig.weight, ==,
                   QS_QDTYPE_QINT16);

  g_assert_true (g_action_group_get_action_enabled (qs_document_get_actions (doc), "undo"));
  g_action_group_activate_action (qs_document_get_actions (doc), "undo", NULL);
  wait_updated (doc);
  g_assert_cmpfloat (qs_document_get_estimate (doc)->total_us, ==, before);
  g_assert_false (qs_document_get_modified (doc));
  g_assert_true (qs_document_redo (doc));
  wait_updated (doc);
  g_assert_cmpfloat (qs_document_get_estimate (doc)->total_us, ==, after);

  /* By op type and by module: rules, which the rules list can move and remove. */
  n_rules = qs_rule_set_get_n_rules (qs_document_get_project (doc)->rules);
  values.activation = QS_QDTYPE_QINT8;
  g_assert_true (qs_document_apply_qconfig (doc, QS_DOCUMENT_SCOPE_OP, &conv, 1,
                                            1u << QS_QFIELD_ACTIVATION, &values, &error));
  g_assert_true (qs_document_apply_qconfig (doc, QS_DOCUMENT_SCOPE_MODULE, &conv, 1,
                                            1u << QS_QFIELD_ACTIVATION, &values, &error));
  g_assert_cmpuint (qs_rule_set_get_n_rules (qs_document_get_project (doc)->rules), ==,
                    n_rules + 2);
  g_assert_cmpint (qs_rule_set_get_rule (qs_document_get_project (doc)->rules, n_rules)->level,
                   ==, QS_RULE_OP);
  g_assert_cmpint (qs_rule_set_get_rule (qs_document_get_project (doc)->rules,
                                         n_rules + 1)->level, ==, QS_RULE_PREFIX);
  qs_document_move_rule (doc, n_rules + 1, 0);
  g_assert_cmpint (qs_rule_set_get_rule (qs_document_get_project (doc)->rules, 0)->level,
                   ==, QS_RULE_PREFIX);
  qs_document_remove_rule (doc, FALSE, 0);
  g_assert_cmpuint (qs_rule_set_get_n_rules (qs_document_get_project (doc)->rules), ==,
                    n_rules + 1);
  g_assert_true (qs_document_undo (doc));
  g_assert_true (qs_document_undo (doc));
  g_assert_cmpint (qs_rule_set_get_rule (qs_document_get_project (doc)->rules,
                                         n_rules + 1)->level, ==, QS_RULE_PREFIX);
  wait_updated (doc);

  /* The march is an edit too. */
  qs_document_set_march (doc, qs_march_from_name ("nash-m"));
  wait_updated (doc);
  g_assert_cmpint (qs_document_get_estimate (doc)->march, ==, qs_march_from_name ("nash-m"));
  g_assert_true (qs_document_undo (doc));
  wait_updated (doc);
  g_assert_cmpint (qs_document_get_estimate (doc)->march, ==, qs_march_from_name ("nash-e"));

  qs_document_autosave (doc, NULL);
  finalize_document (doc);
}

static void
on_run_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GError **error = user_data;

  if (qs_document_run_finish (QS_DOCUMENT (source), result, error))
    *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_EXISTS, "ok");
}

static GError *
run_step (QsDocument     *doc,
          QsDocumentStep  step)
{
  GError *error = NULL;

  qs_document_run_async (doc, step, on_run_cb, &error);
  g_assert_true (qs_document_get_busy (doc));
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (qs_document_get_busy (doc));
  return error;
}

static void
test_document_pipeline (void)
{
  g_autofree char *path = source_path ("data", "demo.qsproj", NULL);
  QsDocument *doc = open_document (path);
  g_autoptr (GError) error = NULL;
  double sqnr = 0, cosine = 0;
  QsId conv, prepared;

  error = run_step (doc, QS_DOCUMENT_STEP_FUSE);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_nonnull (qs_document_get_fusion (doc));
  g_assert_cmpuint (qs_document_get_fusion (doc)->groups->len, >, 0);

  error = run_step (doc, QS_DOCUMENT_STEP_PREPARE);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_clear_error (&error);

  /* Convert needs a calibration. */
  g_assert_false (g_action_group_get_action_enabled (qs_document_get_actions (doc), "convert"));

  qs_document_set_calib_data (doc, QS_CALIB_DATA_SYNTHETIC, NULL, 2, 0);
  error = run_step (doc, QS_DOCUMENT_STEP_CALIBRATE);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_true (qs_document_get_calibrated (doc));
  g_assert_cmpfloat (qs_document_get_progress (doc), ==, 1);

  error = run_step (doc, QS_DOCUMENT_STEP_CONVERT);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_clear_error (&error);
  conv = find_node (doc, "backbone_layer2_conv1");
  prepared = qs_document_to_prepared (doc, conv);
  g_assert_cmpuint (prepared, !=, QS_ID_NONE);
  g_assert_cmpuint (qs_document_from_prepared (doc, prepared), ==, conv);
  g_assert_true (qs_document_get_node_error (doc, prepared, &sqnr, &cosine));
  g_assert_cmpfloat (cosine, >, 0.5);
  g_assert_cmpfloat (sqnr, >, 0);

  error = run_step (doc, QS_DOCUMENT_STEP_ESTIMATE);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_cmpstr (qs_document_get_status (doc), !=, "");

  finalize_document (doc);
}

static gboolean
cancel_when_started_cb (gpointer user_data)
{
  QsDocument *doc = user_data;

  if (qs_document_get_progress (doc) <= 0)
    return G_SOURCE_CONTINUE;
  qs_document_cancel (doc);
  return G_SOURCE_REMOVE;
}

static void
test_document_cancel (void)
{
  g_autofree char *path = source_path ("data", "demo.qsproj", NULL);
  QsDocument *doc = open_document (path);
  g_autoptr (GError) error = NULL;

  /* Many batches: cancelled after the first ones, long before the end. */
  qs_document_set_calib_data (doc, QS_CALIB_DATA_SYNTHETIC, NULL, 96, 0);
  g_timeout_add (20, cancel_when_started_cb, doc);
  error = run_step (doc, QS_DOCUMENT_STEP_CALIBRATE);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (qs_document_get_calibrated (doc));
  g_assert_cmpfloat (qs_document_get_progress (doc), <, 1);
  g_assert_true (g_action_group_get_action_enabled (qs_document_get_actions (doc), "calibrate"));

  finalize_document (doc);
}

static void
test_document_save_and_recover (void)
{
  g_autofree char *graph = source_path ("data", "models", "retinanet-demo.qsgraph.json", NULL);
  g_autofree char *dir = g_dir_make_tmp ("quantscope-XXXXXX", NULL);
  g_autofree char *saved = g_build_filename (dir, "demo.qsproj", NULL);
  g_autoptr (GFile) saved_file = g_file_new_for_path (saved);
  g_autoptr (GError) error = NULL;
  g_autoptr (GFile) recovery = NULL;
  QsQconfig values = { 0 };
  QsDocument *doc = open_document (graph);
  QsId conv = find_node (doc, "backbone_layer1_conv1");

  /* A bare graph has no project file yet. */
  g_assert_false (qs_document_get_is_project (doc));
  g_assert_false (qs_document_save (doc, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);
  values.activation = QS_QDTYPE_QINT16;
  g_assert_true (qs_document_apply_qconfig (doc, QS_DOCUMENT_SCOPE_SELECTION, &conv, 1,
                                            1u << QS_QFIELD_ACTIVATION, &values, &error));
  g_assert_true (qs_document_save (doc, saved_file, &error));
  g_assert_no_error (error);
  g_assert_true (qs_document_get_is_project (doc));
  g_assert_false (qs_document_get_modified (doc));
  finalize_document (doc);

  /* Reopen, edit, autosave, "crash": the autosave is offered and recovered. */
  doc = open_document (saved);
  g_assert_cmpuint (qs_rule_set_get_n_rules (qs_document_get_project (doc)->overrides), ==, 1);
  g_assert_null (qs_document_dup_recovery_file (doc));
  values.activation = QS_QDTYPE_FP16;
  conv = find_node (doc, "backbone_layer1_conv2");
  g_assert_true (qs_document_apply_qconfig (doc, QS_DOCUMENT_SCOPE_SELECTION, &conv, 1,
                                            1u << QS_QFIELD_ACTIVATION, &values, &error));
  g_usleep (20000);
  g_assert_true (qs_document_autosave (doc, &error));
  g_assert_no_error (error);
  wait_updated (doc);
  finalize_document (doc);   /* modified: the autosave stays */

  doc = open_document (saved);
  recovery = qs_document_dup_recovery_file (doc);
  g_assert_nonnull (recovery);
  g_assert_true (qs_document_recover (doc, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (qs_rule_set_get_n_rules (qs_document_get_project (doc)->overrides), ==, 2);
  g_assert_true (qs_document_get_modified (doc));
  g_assert_true (qs_document_undo (doc));
  g_assert_cmpuint (qs_rule_set_get_n_rules (qs_document_get_project (doc)->overrides), ==, 1);
  qs_document_discard_recovery (doc);
  g_assert_false (g_file_query_exists (recovery, NULL));
  wait_updated (doc);
  g_assert_true (qs_document_save (doc, NULL, &error));
  finalize_document (doc);

  g_remove (saved);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  state_dir = g_dir_make_tmp ("quantscope-state-XXXXXX", NULL);

  g_test_add_func ("/document/open-project", test_document_open_project);
  g_test_add_func ("/document/edit-undo", test_document_edit_undo);
  g_test_add_func ("/document/pipeline", test_document_pipeline);
  g_test_add_func ("/document/cancel", test_document_cancel);
  g_test_add_func ("/document/save-and-recover", test_document_save_and_recover);
  ret = g_test_run ();

  {
    g_autoptr (GDir) d = g_dir_open (state_dir, 0, NULL);
    const char *name;

    while (d != NULL && (name = g_dir_read_name (d)) != NULL)
      {
        g_autofree char *p = g_build_filename (state_dir, name, NULL);

        g_remove (p);
      }
  }
  g_rmdir (state_dir);
  g_free (state_dir);
  return ret;
}
