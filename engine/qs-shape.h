/* qs-shape.h: output shapes implied by op semantics, for verification */
#pragma once

#include "qs-graph.h"

G_BEGIN_DECLS

typedef enum
{
  QS_SHAPE_UNKNOWN, /* the op's semantics don't pin the output down */
  QS_SHAPE_INFERRED,
  QS_SHAPE_ERROR,   /* the inputs contradict the op (message set) */
} QsShapeResult;

/* Infers the type of the node's first output from its inputs and module
 * attributes. On QS_SHAPE_ERROR, @error says what is inconsistent. */
QsShapeResult qs_shape_infer (const QsGraph *graph,
                              const QsNode  *node,
                              QsType        *out,
                              GError       **error);

/* numpy broadcasting; FALSE when the shapes don't broadcast. */
gboolean      qs_shape_broadcast (const QsType *a,
                                  const QsType *b,
                                  QsType       *out);

G_END_DECLS
