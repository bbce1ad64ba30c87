/* qs-document-canvas.c: the fused or prepared graph a document shows
 *
 * A canvas owns what it points to (the prepared graph, or the fused graph
 * and its report, and the layout) so that the view can keep showing it
 * while the document replaces its results.
 */
#include "config.h"

#include "qs-document-private.h"

typedef struct
{
  QsDocumentCanvas  pub;
  QsPrepared       *prepared;
  QsFuseReport     *report;
  QsGraph          *fused;
  QsId             *to_source;   /* per canvas node: the head of its group */
} Canvas;

static void
canvas_clear (gpointer data)
{
  Canvas *self = data;

  g_clear_pointer (&self->pub.layout, qs_layout_free);
  g_clear_pointer (&self->prepared, qs_prepared_free);
  g_clear_pointer (&self->report, qs_fuse_report_free);
  g_clear_pointer (&self->fused, qs_graph_unref);
  g_clear_pointer (&self->to_source, g_free);
}

static QsDocumentCanvas *
canvas_new (QsLayout           *layout,
            const QsFuseReport *fused_by)
{
  Canvas *self = g_rc_box_new0 (Canvas);
  guint n = qs_layout_get_n_nodes (layout);

  self->pub.layout = layout;
  self->pub.fused_by = fused_by;
  self->to_source = g_new (QsId, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    self->to_source[i] = QS_ID_NONE;
  /* Members are listed head first, so the first source node is the head. */
  for (guint i = 0; fused_by != NULL && i < fused_by->n_input_nodes; i++)
    {
      QsId out = fused_by->node_map[i];

      if (out < n && self->to_source[out] == QS_ID_NONE)
        self->to_source[out] = i;
    }
  return &self->pub;
}

QsDocumentCanvas *
qs_document_canvas_new_prepared (QsPrepared *prepared,
                                 QsLayout   *layout)
{
  QsDocumentCanvas *canvas;

  g_return_val_if_fail (prepared != NULL && layout != NULL, NULL);
  g_return_val_if_fail (qs_layout_get_graph (layout) == prepared->graph, NULL);

  canvas = canvas_new (layout, prepared->fusion);
  ((Canvas *) canvas)->prepared = prepared;
  canvas->prepared = prepared;
  return canvas;
}

QsDocumentCanvas *
qs_document_canvas_new_fused (QsGraph      *fused,
                              QsFuseReport *report,
                              QsLayout     *layout)
{
  QsDocumentCanvas *canvas;

  g_return_val_if_fail (fused != NULL && report != NULL && layout != NULL, NULL);
  g_return_val_if_fail (qs_layout_get_graph (layout) == fused, NULL);

  canvas = canvas_new (layout, report);
  ((Canvas *) canvas)->report = report;
  ((Canvas *) canvas)->fused = fused;
  return canvas;
}

QsDocumentCanvas *
qs_document_canvas_ref (QsDocumentCanvas *canvas)
{
  g_return_val_if_fail (canvas != NULL, NULL);
  return g_rc_box_acquire (canvas);
}

void
qs_document_canvas_unref (QsDocumentCanvas *canvas)
{
  if (canvas != NULL)
    g_rc_box_release_full (canvas, canvas_clear);
}

QsFuseReport *
qs_document_canvas_get_report (QsDocumentCanvas *canvas)
{
  return canvas ? ((Canvas *) canvas)->report : NULL;
}

QsPrepared *
qs_document_canvas_get_prepared (QsDocumentCanvas *canvas)
{
  return canvas ? ((Canvas *) canvas)->prepared : NULL;
}

QsGraph *
qs_document_canvas_get_graph (const QsDocumentCanvas *canvas)
{
  g_return_val_if_fail (canvas != NULL, NULL);
  return qs_layout_get_graph (canvas->layout);
}

QsId
qs_document_canvas_to_source (const QsDocumentCanvas *canvas,
                              QsId                    node)
{
  g_return_val_if_fail (canvas != NULL, QS_ID_NONE);

  if (node >= qs_layout_get_n_nodes (canvas->layout))
    return QS_ID_NONE;
  return ((const Canvas *) canvas)->to_source[node];
}

QsId
qs_document_canvas_from_source (const QsDocumentCanvas *canvas,
                                QsId                    source_node)
{
  g_return_val_if_fail (canvas != NULL, QS_ID_NONE);

  if (canvas->fused_by == NULL || source_node >= canvas->fused_by->n_input_nodes)
    return QS_ID_NONE;
  return canvas->fused_by->node_map[source_node];
}
