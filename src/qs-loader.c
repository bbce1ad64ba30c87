/* qs-loader.c: load a graph file and lay it out in a worker thread */
#include "config.h"

#include <pango/pangocairo.h>

#include "qs-graph-json.h"
#include "qs-graph-view.h"
#include "qs-loader.h"

typedef struct
{
  QsGraph  *graph;
  QsLayout *layout;
} LoadResult;

static void
load_result_free (gpointer data)
{
  LoadResult *result = data;

  g_clear_pointer (&result->layout, qs_layout_free);
  g_clear_pointer (&result->graph, qs_graph_unref);
  g_free (result);
}

static QsGraph *
load_graph (GFile         *file,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *contents = NULL;
  g_autofree char *name = NULL;
  gsize length = 0;

  if (path != NULL)
    return qs_graph_load (path, QS_GRAPH_LOAD_DEFAULT, error);

  /* Not a local file: read it, then parse from memory. */
  if (!g_file_load_contents (file, cancellable, &contents, &length, NULL, error))
    return NULL;
  name = g_file_get_parse_name (file);
  return qs_graph_load_from_data (contents, length, name, QS_GRAPH_LOAD_DEFAULT, error);
}

QsLayout *
qs_lay_out_graph (QsGraph *graph)
{
  /* A font map of our own: Pango objects are not shared between threads. */
  g_autoptr (PangoFontMap) font_map = pango_cairo_font_map_new ();
  g_autoptr (PangoLayout) measure = NULL;
  PangoContext *context;
  QsLayoutOptions opts;

  pango_cairo_font_map_set_resolution (PANGO_CAIRO_FONT_MAP (font_map), 96);
  context = pango_font_map_create_context (font_map);
  measure = pango_layout_new (context);
  g_object_unref (context);
  qs_graph_view_init_layout_options (&opts, measure);
  return qs_layout_new (graph, &opts);
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GFile *file = task_data;
  g_autoptr (GError) error = NULL;
  LoadResult *result;
  QsGraph *graph;

  graph = load_graph (file, cancellable, &error);
  if (graph == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    {
      qs_graph_unref (graph);
      return;
    }
  result = g_new0 (LoadResult, 1);
  result->graph = graph;
  result->layout = qs_lay_out_graph (graph);
  g_task_return_pointer (task, result, load_result_free);
}

void
qs_load_graph_async (GFile               *file,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, qs_load_graph_async);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, load_thread);
}

gboolean
qs_load_graph_finish (GAsyncResult  *result,
                      QsGraph      **graph,
                      QsLayout     **layout,
                      GError       **error)
{
  LoadResult *loaded;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == qs_load_graph_async, FALSE);

  loaded = g_task_propagate_pointer (G_TASK (result), error);
  if (loaded == NULL)
    return FALSE;
  if (graph != NULL)
    *graph = g_steal_pointer (&loaded->graph);
  if (layout != NULL)
    *layout = g_steal_pointer (&loaded->layout);
  load_result_free (loaded);
  return TRUE;
}
