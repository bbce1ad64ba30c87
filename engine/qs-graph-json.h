/* qs-graph-json.h: read and write *.qsgraph.json (docs/graph-format.md) */
#pragma once

#include "qs-graph.h"

G_BEGIN_DECLS

#define QS_GRAPH_FORMAT_VERSION 1
/* Graph files larger than this are refused before parsing. */
#define QS_GRAPH_MAX_FILE_SIZE ((gsize) 1 << 30)

typedef enum
{
  QS_GRAPH_LOAD_DEFAULT    = 0,
  QS_GRAPH_LOAD_NO_WEIGHTS = 1 << 0, /* don't map the safetensors file */
  QS_GRAPH_LOAD_NO_VERIFY  = 1 << 1, /* skip qs_graph_verify () */
} QsGraphLoadFlags;

/* Loads, analyses and verifies a graph file and, unless told otherwise,
 * maps and checks its weights. Errors name @filename and the JSON path. */
QsGraph  *qs_graph_load            (const char       *filename,
                                    QsGraphLoadFlags  flags,
                                    GError          **error);
/* Same from memory. @filename is used in messages and to resolve the
 * weights file (relative to its folder); it may be a display name. */
QsGraph  *qs_graph_load_from_data  (const char       *data,
                                    gsize             length,
                                    const char       *filename,
                                    QsGraphLoadFlags  flags,
                                    GError          **error);
/* Serialises to JSON text (version 1), one node per line. */
char     *qs_graph_to_json         (QsGraph          *graph,
                                    gsize            *length);
/* Writes atomically (temporary file + rename). */
gboolean  qs_graph_save            (QsGraph          *graph,
                                    const char       *filename,
                                    GError          **error);

G_END_DECLS
