/* qs-loader.h: load a graph file and lay it out in a worker thread */
#pragma once

#include <gio/gio.h>

#include "qs-graph.h"
#include "qs-layout.h"

G_BEGIN_DECLS

void      qs_load_graph_async  (GFile               *file,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data);
/* On success, @graph and @layout receive owned references. */
gboolean  qs_load_graph_finish (GAsyncResult        *result,
                                QsGraph            **graph,
                                QsLayout           **layout,
                                GError             **error);

/* Lays @graph out with node sizes measured for the view; callable from
 * any thread (it uses a font map of its own). */
QsLayout *qs_lay_out_graph     (QsGraph             *graph);

G_END_DECLS
