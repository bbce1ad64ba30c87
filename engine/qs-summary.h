/* qs-summary.h: what `quantscope-cli inspect` reports about a graph */
#pragma once

#include "qs-graph.h"

G_BEGIN_DECLS

typedef struct
{
  guint    n_nodes;
  guint    n_values;
  guint    n_modules;
  guint    n_wrapped;
  guint    kind_counts[QS_N_NODE_KINDS];
  guint    op_counts[QS_N_OPS];
  guint    class_nodes[QS_N_OP_CLASSES];
  guint64  class_params[QS_N_OP_CLASSES];  /* parameter elements */
  guint64  class_macs[QS_N_OP_CLASSES];    /* multiply-accumulates per inference */
  guint64  total_params;
  guint64  total_buffers;                   /* buffer elements (BN stats) */
  guint64  total_macs;
  GPtrArray *warnings;                      /* owned strings */
} QsGraphSummary;

/* Multiply-accumulates of one node for the recorded shapes; 0 for ops
 * without MACs or when shapes are unknown. */
guint64         qs_node_macs               (const QsGraph  *graph,
                                            const QsNode   *node);
/* Parameter elements of a module (its own, not its children's). */
guint64         qs_module_n_params         (const QsModule *module,
                                            gboolean        buffers);

QsGraphSummary *qs_graph_summarize         (QsGraph        *graph);
void            qs_graph_summary_free      (QsGraphSummary *summary);
char           *qs_graph_summary_to_text   (const QsGraphSummary *summary,
                                            QsGraph        *graph);
char           *qs_graph_summary_to_json   (const QsGraphSummary *summary,
                                            QsGraph        *graph);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QsGraphSummary, qs_graph_summary_free)

G_END_DECLS
